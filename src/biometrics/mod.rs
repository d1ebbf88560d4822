//! Biometrics stage: raw timestamped readings in, fixed-rate [`Features`] out.
//!
//! Sources produce [`Sample`]s (today: replay files); the [`FeatureExtractor`]
//! turns them into baseline-relative features at [`FEATURE_RATE_HZ`], the only
//! thing the inference stage ever sees.

mod artifacts;
pub mod ble;
#[cfg(feature = "ble")]
pub mod ble_live;
pub mod companion;
mod dsp;
mod features;
mod hrv;
pub mod live_sim;
pub mod peaks;
pub mod recording;
mod replay;
pub mod simulate;
pub(crate) mod source;
mod wfdb;

pub use artifacts::{classify, correct_rr, fix_peaks, ArtifactError, Artifacts, Correction};
pub use features::{
    FeatureConfig, FeatureExtractor, Features, CONFIDENCE_DECAY_S, FEATURE_RATE_HZ, LONG_WINDOWS_S,
};
pub use hrv::{hrv_of, HrvStats, HrvWindow};
pub use peaks::{ecg_clean, ecg_peaks, ppg_peaks};
pub use replay::{load_replay, parse_replay, ReplayError};
pub use source::{ReplaySource, SampleSource};
pub use wfdb::{read_wfdb_212, WfdbError};

/// One timestamped raw reading from a sensor, in viewing time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sample {
    /// Seconds since the start of the viewing.
    pub t: f64,
    /// What was measured.
    pub reading: Reading,
}

/// A raw physiological measurement; never leaves the device.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Reading {
    /// Interval between two heartbeats, in milliseconds (ends at `t`).
    Rr { ms: f64 },
    /// Heart rate as reported by a sensor without beat-to-beat data, in bpm.
    Hr { bpm: f64 },
    /// Pupil diameter from an eye tracker, in millimetres (0 or less during a blink).
    Pupil { mm: f64 },
}
