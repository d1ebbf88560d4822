//! Director stage: [`Estimate`](crate::inference::Estimate)s in, [`Directive`]s out.
//!
//! The [`Film`] is the director's possibility space; the [`Controller`] steers inside
//! it and records every [`Decision`], which together form the [`CutId`].

pub mod audit;
pub mod check;
mod controller;
mod cut_id;
pub mod explain;
mod guardrails;
mod manifest;
mod response;
pub mod score;
pub mod spans;
pub mod summary;

pub use controller::{
    Controller, Decision, Directive, DirectorEvent, SegmentSummary, Step, DECISION_WINDOW_S, RAMP_S,
};
pub use cut_id::{CutId, CutIdError};
pub use manifest::{
    Camera, CameraMove, Film, FilmError, GradeSpec, Guardrails, KeyLight, LookSpec, PathCamera,
    PlacementItem, Segment, Slot, Variant, MAX_LOOKS, MAX_PLACEMENT_SLOTS,
};
pub use score::{MusicSpec, StemSpec};
