//! Audio stage: [`Directive`](crate::director::Directive)s in, a stereo mix out.
//!
//! Stems are decoded by symphonia ([`decode`]), mixed by music intensity
//! ([`Mixer`]) and written to a [`sink`]: a WAV file (headless, virtual clock),
//! the audio device through cpal (audio clock), or nothing.

pub mod decode;
mod mixer;
pub mod sink;

pub use decode::{decode_file, DecodeError, DecodedAudio};
pub use mixer::{Mixer, MIX_CHANNELS};
