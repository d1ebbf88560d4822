//! Uplink stage: [`SegmentSummary`]s in, anonymised instructional metadata out.
//!
//! Only [`Delta`] records (segment id, variant id, tension delta in 10-point steps)
//! may leave the device, only with consent, and only to the configured endpoint.
//! The wire format is documented in README "Instructional metadata".

pub mod collector;
pub mod consent;
mod delta;
pub mod ldp;
pub mod queue;
pub mod sender;

pub use delta::{quantize, Batch, Delta, Record, MIN_CONFIDENCE, SCHEMA};

use crate::director::SegmentSummary;
