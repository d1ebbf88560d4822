//! The biometrics crate against its references: NeuroKit2, pyHRV and HeartPy figures on real recordings (tests/data/physio), and sensors that come and go.
//!
//! One test binary for the crate (`autotests = false`); each file is a module. The
//! reference data is the workspace's `tests/data` (sources and licences in its
//! SOURCES.md).

use std::path::PathBuf;

mod biometrics_dropout;
mod hrv_accuracy;
mod physio_artifacts;
mod physio_peaks;

/// The workspace root, where `tests/data` and `assets/` are.
pub fn root() -> PathBuf {
    livingfilm_core::source_checkout()
}
