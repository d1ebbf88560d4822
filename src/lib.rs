//! The `livingfilm` command's library: the tool verbs a film maker runs beside the
//! player (`check`, `bake-demo`, `simulate`, `collect`, `inspect`). The player itself
//! lives in `livingfilm-player` and the stages in their own crates; this crate only
//! adds what a TV never needs (ARCHITECTURE.md has the crate graph).

pub mod bake;
pub mod check;
pub mod collector;
pub mod file_kind;
pub mod summary;
pub mod tracking;
