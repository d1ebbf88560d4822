//! Uplink stage: [`SegmentSummary`]s in, anonymised instructional metadata out.
//!
//! Only [`Record`]s (film, segment, a tension delta randomized on the device with
//! ε-local differential privacy, a per-viewing pseudonym) may leave the device, only
//! with consent, only through the durable queue, and only to the configured endpoint.
//! The contract is docs/privacy.md and docs/instructional-metadata.schema.json.

pub mod consent;
mod delta;
pub mod ldp;
pub mod queue;
pub mod sender;
mod viewing;

pub use delta::{quantize, Batch, Delta, Record, MIN_CONFIDENCE, SCHEMA};
pub use viewing::{run, UplinkReport, UplinkSettings};

use livingfilm_core::SegmentSummary;
