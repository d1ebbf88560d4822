//! livingfilm-core: what every stage shares and nothing more.
//!
//! - [`seam`]: the messages between stages (`Sample` → `Features` → `Estimate` →
//!   `Directive`/`Decision`/`SegmentSummary`), so a stage depends on its neighbours'
//!   types, never on the neighbours;
//! - [`manifest`], [`score`], [`spans`]: the film's possibility space as the director
//!   wrote it (`film.toml`), validated, with every problem placed at its line;
//! - [`cut_id`]: the shareable ID that replays one viewing;
//! - [`untrusted`]: bounded reads and the film-folder containment every parser uses.

pub mod cut_id;
pub mod manifest;
pub mod score;
pub mod seam;
pub mod spans;
pub mod untrusted;

pub use cut_id::{CutId, CutIdError};

/// The workspace root of the source checkout these crates were built from (two folders
/// above this crate): where `scripts/setup.sh` puts onnxruntime, where the demo film and
/// the tests' reference data are. The last place the player looks for shipped files, so
/// `cargo run` works from a clone; never a place an installed player depends on.
pub fn source_checkout() -> std::path::PathBuf {
    let crate_dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    crate_dir.ancestors().nth(2).unwrap_or(crate_dir).to_owned()
}
pub use manifest::{
    Camera, CameraMove, Film, FilmError, GradeSpec, Guardrails, KeyLight, LookSpec, PathCamera,
    PlacementItem, Segment, Slot, Variant, MAX_LOOKS, MAX_PLACEMENT_SLOTS,
};
pub use score::{MusicSpec, StemSpec};
pub use seam::{
    Decision, Directive, DirectorEvent, Estimate, Features, HrvStats, Reading, Sample,
    SegmentSummary, LEAD_S,
};
