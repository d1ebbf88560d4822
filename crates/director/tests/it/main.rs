//! The director against its guardrails: properties over random films and estimate streams, and replays of what the controller produced.
//!
//! One test binary for the crate (`autotests = false`); each file is a module. The
//! reference data is the workspace's `tests/data` (sources and licences in its
//! SOURCES.md).

use std::path::PathBuf;

mod director_properties;

/// The workspace root, where `tests/data` and `assets/` are.
pub fn root() -> PathBuf {
    livingfilm_core::source_checkout()
}
