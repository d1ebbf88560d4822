//! Director stage: [`Estimate`]s in, [`Directive`]s out.
//!
//! The [`Film`] is the director's possibility space; the [`Controller`] steers inside
//! it and records every [`Decision`], which together form the [`CutId`]. The film and
//! the messages are `livingfilm-core`'s, re-exported here for the director's users.

pub mod audit;
mod controller;
pub mod explain;
mod guardrails;
mod response;

pub use controller::{Controller, Step, DECISION_WINDOW_S, RAMP_S};
pub use livingfilm_core::{
    cut_id, manifest, score, spans, Camera, CameraMove, CutId, CutIdError, Decision, Directive,
    DirectorEvent, Estimate, Film, FilmError, GradeSpec, Guardrails, KeyLight, LookSpec, MusicSpec,
    PathCamera, PlacementItem, Segment, SegmentSummary, Slot, StemSpec, Variant, LEAD_S, MAX_LOOKS,
    MAX_PLACEMENT_SLOTS,
};
