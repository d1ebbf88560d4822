//! The audio crate against its references: ffmpeg's decodes (tests/data/audio), the mixer's rules, and the real-time rules of the audio thread.
//!
//! One test binary for the crate (`autotests = false`); each file is a module. The
//! reference data is the workspace's `tests/data` (sources and licences in its
//! SOURCES.md).

use std::path::PathBuf;

mod audio_decode;
mod audio_mix;
mod audio_realtime;

/// The workspace root, where `tests/data` and `assets/` are.
pub fn root() -> PathBuf {
    livingfilm_core::source_checkout()
}
