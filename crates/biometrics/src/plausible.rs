//! What a human heart can plausibly report: every reader (replay files, the companion
//! bridge, recordings, the live feature gate) refuses the same values, from one place.

/// Plausible RR interval range (ms): 24–240 bpm.
pub const RR_RANGE_MS: (f64, f64) = (250.0, 2500.0);
/// Plausible heart-rate range (bpm).
pub const HR_RANGE_BPM: (f64, f64) = (24.0, 240.0);
