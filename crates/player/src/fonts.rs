//! The one font the player draws text with: DejaVu Sans Mono (assets/fonts, its licence
//! beside it), built in so a set-top box or a bare CI machine needs no system fonts.

/// DejaVu Sans Mono, TrueType.
pub const UI_FONT: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSansMono.ttf");
