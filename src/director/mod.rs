//! Director stage: [`Estimate`](crate::inference::Estimate)s in, [`Directive`]s out.
//!
//! The [`Film`] is the director's possibility space; the [`Controller`] steers inside
//! it and records every [`Decision`], which together form the [`CutId`].

pub mod check;
mod controller;
mod cut_id;
pub mod explain;
mod manifest;

pub use controller::{
    Controller, Decision, Directive, DirectorEvent, SegmentSummary, DECISION_WINDOW_S,
};
pub use cut_id::{CutId, CutIdError};
pub use manifest::{
    Camera, Film, FilmError, GradeSpec, LookSpec, MusicSpec, Segment, StemSpec, Variant, MAX_LOOKS,
};
