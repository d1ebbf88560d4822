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
pub mod plausible;
pub mod recording;
mod replay;
pub mod simulate;
pub mod source;
mod wfdb;

pub use artifacts::{classify, correct_rr, fix_peaks, ArtifactError, Artifacts, Correction};
pub use features::{
    FeatureConfig, FeatureExtractor, CONFIDENCE_DECAY_S, FEATURE_RATE_HZ, LONG_WINDOWS_S,
};
pub use hrv::{hrv_of, HrvWindow};
pub use livingfilm_core::{Features, HrvStats, Reading, Sample};
pub use peaks::{ecg_clean, ecg_peaks, ppg_peaks};
pub use replay::{load_replay, parse_replay, ReplayError};
pub use source::{ReplaySource, SampleSource};
pub use wfdb::{read_wfdb_212, WfdbError};
