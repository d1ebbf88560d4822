//! Sliding-window heart features relative to a per-viewer baseline.
//!
//! Definitions (Task Force 1996, short-term): over the beats whose end time lies in
//! `(t - window, t]`, HR = 60000 / mean(RR) and RMSSD = sqrt(mean(ΔRR²)) over
//! successive intervals. The baseline is the same pair over the calibration period
//! `[0, calibration_s)` (the "handshake" at the start of a film).

use std::collections::VecDeque;

use super::{Reading, Sample};

/// Rate at which features are produced, in Hz.
pub const FEATURE_RATE_HZ: f64 = 4.0;

/// Tunables of the feature extractor.
#[derive(Debug, Clone, Copy)]
pub struct FeatureConfig {
    /// Sliding window for HR and RMSSD, seconds.
    pub window_s: f64,
    /// Length of the calibration (baseline) period, seconds.
    pub calibration_s: f64,
    /// A source silent for longer than this is considered disconnected, seconds.
    pub dropout_s: f64,
}

impl Default for FeatureConfig {
    fn default() -> Self {
        Self {
            window_s: 10.0,
            calibration_s: 8.0,
            dropout_s: 3.0,
        }
    }
}

/// Features at one instant: what the inference stage consumes. Derived values only.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Features {
    /// Viewing time, seconds.
    pub t: f64,
    /// Heart rate over the window, bpm.
    pub hr_bpm: f32,
    /// RMSSD over the window, ms (0 when the source gives no RR intervals).
    pub rmssd_ms: f32,
    /// HR minus the viewer's baseline HR, bpm.
    pub hr_delta_bpm: f32,
    /// ln(RMSSD / baseline RMSSD); 0 when unknown.
    pub rmssd_ln_ratio: f32,
    /// Signal quality 0..1 (0 = no sensor data).
    pub quality: f32,
}

#[derive(Default, Clone, Copy)]
struct Baseline {
    rr_sum: f64,
    rr_n: u32,
    sq_diff_sum: f64,
    diff_n: u32,
    hr_sum: f64,
    hr_n: u32,
}

impl Baseline {
    fn hr(&self) -> Option<f64> {
        if self.rr_n > 0 {
            Some(60_000.0 * self.rr_n as f64 / self.rr_sum)
        } else if self.hr_n > 0 {
            Some(self.hr_sum / self.hr_n as f64)
        } else {
            None
        }
    }
    fn rmssd(&self) -> Option<f64> {
        (self.diff_n > 0).then(|| (self.sq_diff_sum / self.diff_n as f64).sqrt())
    }
}

/// Turns a time-ordered stream of [`Sample`]s into [`Features`] at any later instant.
pub struct FeatureExtractor {
    cfg: FeatureConfig,
    beats: VecDeque<(f64, f64)>,
    hrs: VecDeque<(f64, f64)>,
    last_rr: Option<f64>,
    last_seen: Option<f64>,
    baseline: Baseline,
}

impl FeatureExtractor {
    /// A fresh extractor for one viewing.
    pub fn new(cfg: FeatureConfig) -> Self {
        Self {
            cfg,
            beats: VecDeque::new(),
            hrs: VecDeque::new(),
            last_rr: None,
            last_seen: None,
            baseline: Baseline::default(),
        }
    }

    /// Adds one reading; samples must arrive in time order.
    pub fn push(&mut self, s: Sample) {
        let calibrating = s.t < self.cfg.calibration_s;
        self.last_seen = Some(s.t);
        match s.reading {
            Reading::Rr { ms } => {
                if calibrating {
                    self.baseline.rr_sum += ms;
                    self.baseline.rr_n += 1;
                    if let Some(prev) = self.last_rr {
                        self.baseline.sq_diff_sum += (ms - prev) * (ms - prev);
                        self.baseline.diff_n += 1;
                    }
                }
                self.last_rr = Some(ms);
                self.beats.push_back((s.t, ms));
            }
            Reading::Hr { bpm } => {
                if calibrating {
                    self.baseline.hr_sum += bpm;
                    self.baseline.hr_n += 1;
                }
                self.hrs.push_back((s.t, bpm));
            }
        }
    }

    /// Features over the window ending at `t` (all samples up to `t` must have been pushed).
    pub fn features_at(&mut self, t: f64) -> Features {
        let start = t - self.cfg.window_s;
        while self.beats.front().is_some_and(|b| b.0 <= start) {
            self.beats.pop_front();
        }
        while self.hrs.front().is_some_and(|h| h.0 <= start) {
            self.hrs.pop_front();
        }
        let fresh = self
            .last_seen
            .is_some_and(|seen| t - seen <= self.cfg.dropout_s);
        if !fresh {
            return Features {
                t,
                ..Features::default()
            };
        }

        let (hr, rmssd, quality) = if self.beats.len() >= 2 {
            let n = self.beats.len() as f64;
            let mean_rr = self.beats.iter().map(|b| b.1).sum::<f64>() / n;
            let sq: f64 = self
                .beats
                .iter()
                .zip(self.beats.iter().skip(1))
                .map(|(a, b)| (b.1 - a.1) * (b.1 - a.1))
                .sum();
            let rmssd = (sq / (n - 1.0)).sqrt();
            let hr = 60_000.0 / mean_rr;
            // Beats seen in the last 5 s against those the current rate predicts.
            let recent = self.beats.iter().filter(|b| b.0 > t - 5.0).count() as f64;
            let expected = (hr * 5.0 / 60.0).max(1.0);
            (hr, Some(rmssd), (recent / expected).min(1.0))
        } else if let Some(&(_, bpm)) = self.hrs.back() {
            // HR-only sensors carry no variability information: half confidence.
            (bpm, None, 0.5)
        } else {
            return Features {
                t,
                ..Features::default()
            };
        };

        let in_calibration = t < self.cfg.calibration_s;
        let base_hr = if in_calibration {
            hr
        } else {
            self.baseline.hr().unwrap_or(hr)
        };
        let ln_ratio = match (rmssd, self.baseline.rmssd()) {
            (Some(r), Some(b)) if !in_calibration && r > 0.0 && b > 0.0 => (r / b).ln(),
            _ => 0.0,
        };
        Features {
            t,
            hr_bpm: hr as f32,
            rmssd_ms: rmssd.unwrap_or(0.0) as f32,
            hr_delta_bpm: (hr - base_hr) as f32,
            rmssd_ln_ratio: ln_ratio as f32,
            quality: quality as f32,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rr_series(rr: &[f64]) -> Vec<Sample> {
        let mut t = 0.0;
        rr.iter()
            .map(|&ms| {
                t += ms / 1000.0;
                Sample {
                    t,
                    reading: Reading::Rr { ms },
                }
            })
            .collect()
    }

    #[test]
    fn hr_and_rmssd_match_closed_form() {
        let rr = [800.0, 820.0, 790.0, 810.0, 800.0, 830.0];
        let mut fx = FeatureExtractor::new(FeatureConfig {
            window_s: 60.0,
            calibration_s: 0.0,
            dropout_s: 3.0,
        });
        let s = rr_series(&rr);
        let t_end = s.last().unwrap().t;
        s.into_iter().for_each(|s| fx.push(s));
        let f = fx.features_at(t_end);
        let mean = rr.iter().sum::<f64>() / 6.0;
        let diffs: Vec<f64> = rr.windows(2).map(|w| w[1] - w[0]).collect();
        let rmssd = (diffs.iter().map(|d| d * d).sum::<f64>() / 5.0).sqrt();
        assert!((f.hr_bpm as f64 - 60_000.0 / mean).abs() < 1e-3);
        assert!((f.rmssd_ms as f64 - rmssd).abs() < 1e-3);
    }

    #[test]
    fn baseline_relative_and_dropout() {
        let mut rr = vec![1000.0; 10];
        rr.extend(std::iter::repeat_n(750.0, 20));
        let mut fx = FeatureExtractor::new(FeatureConfig {
            window_s: 5.0,
            calibration_s: 10.0,
            dropout_s: 3.0,
        });
        let s = rr_series(&rr);
        let t_end = s.last().unwrap().t;
        s.into_iter().for_each(|s| fx.push(s));
        let f = fx.features_at(t_end);
        assert!((f.hr_delta_bpm - 20.0).abs() < 0.01, "{f:?}");
        assert!(f.quality > 0.9);
        let gone = fx.features_at(t_end + 10.0);
        assert_eq!(gone.quality, 0.0);
    }
}
