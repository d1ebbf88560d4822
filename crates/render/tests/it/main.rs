//! The render crate against its references: OpenColorIO's and colour-science's LUT outputs (tests/data/luts) and real splat captures (tests/data/radiance).
//!
//! One test binary for the crate (`autotests = false`); each file is a module. The
//! reference data is the workspace's `tests/data` (sources and licences in its
//! SOURCES.md).

use std::path::PathBuf;

mod grade_accuracy;
mod splat_ply;

/// The workspace root, where `tests/data` and `assets/` are.
pub fn root() -> PathBuf {
    livingfilm_core::source_checkout()
}
