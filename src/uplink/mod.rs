//! Uplink stage: [`SegmentSummary`]s in, anonymised instructional metadata out.
//!
//! Only [`Delta`] records (segment id, variant id, tension delta in 10-point steps)
//! may leave the device, only with consent, and only to the configured endpoint.
//! The wire format is documented in README "Instructional metadata".

mod delta;
mod transport;

pub use delta::{quantize, Batch, Delta, MIN_CONFIDENCE, SCHEMA};
pub use transport::{post_batch, UplinkError};

use crate::director::SegmentSummary;
