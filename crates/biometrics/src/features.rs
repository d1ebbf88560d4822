//! Sliding-window biometric features relative to a per-viewer baseline, each with its
//! own confidence.
//!
//! - Heart: every accepted beat updates three [`HrvWindow`]s (10/30/60 s by default;
//!   definitions in `hrv.rs`). A beat is accepted when its RR lies in 250–2500 ms and
//!   within 25 % of the median of the last five accepted beats (an online ectopic gate;
//!   three rejections in a row mean the rhythm really changed and are accepted). The
//!   pause after a rejected premature beat is rejected with it when it is over 10 %
//!   long and the two together last two median beats (±25 %): a compensatory pause just
//!   inside the gate would otherwise put a 200 ms successive difference into RMSSD and
//!   read as a calm viewer for the whole short window.
//!   Offline recordings get the full Kubios correction in `livingfilm hrv` instead.
//! - Pupil: samples below 1.5 mm (blinks) or changing faster than 10 mm/s are dropped,
//!   with the 100 ms after a blink; the feature is the 1 s mean as a z-score against the
//!   calibration period.
//! - Baseline: HR, RMSSD and pupil over the calibration period `[0, calibration_s)` (the
//!   "handshake" at the start of a film).
//! - Confidence: beats seen in the last 5 s against those the rate predicts (HR-only
//!   sensors: 0.5), times a freshness that decays with half-life ~1.4 s once a sensor has
//!   been silent for `dropout_s`. A sensor that comes back resumes with no reset.

use std::collections::VecDeque;

use super::hrv::HrvWindow;
use super::plausible::RR_RANGE_MS;
use super::{Features, Reading, Sample};

/// Rate at which features are produced, in Hz.
pub const FEATURE_RATE_HZ: f64 = 4.0;
/// The longer HRV windows kept beside `FeatureConfig::window_s`, seconds.
pub const LONG_WINDOWS_S: [f64; 2] = [30.0, 60.0];
/// Time constant of the confidence decay after a dropout, seconds.
pub const CONFIDENCE_DECAY_S: f64 = 2.0;
/// A beat further than this share from the recent median is an artifact (or a new rhythm).
const ECTOPIC_TOLERANCE: f64 = 0.25;
/// Least lengthening (share of the median) of a pause that compensates a premature beat.
const PAUSE_MIN: f64 = 0.1;
const PUPIL_MIN_MM: f64 = 1.5;
const PUPIL_MAX_RATE_MM_S: f64 = 10.0;
const PUPIL_SETTLE_S: f64 = 0.1;
const PUPIL_WINDOW_S: f64 = 1.0;

/// Tunables of the feature extractor.
#[derive(Debug, Clone, Copy)]
pub struct FeatureConfig {
    /// Sliding window for HR and RMSSD, seconds.
    pub window_s: f64,
    /// Length of the calibration (baseline) period, seconds.
    pub calibration_s: f64,
    /// A source silent for longer than this starts losing confidence, seconds.
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

/// Whether `ms` is a premature beat: shorter than the `median` by more than the tolerance.
fn is_premature(ms: f64, median: f64) -> bool {
    ms < (1.0 - ECTOPIC_TOLERANCE) * median
}

/// Whether `ms`, right after a premature beat of `short`, is the pause that makes up for
/// it: over [`PAUSE_MIN`] long, the two together lasting two `median` beats (±25 %).
fn is_pause_after(short: f64, ms: f64, median: f64) -> bool {
    ms > (1.0 + PAUSE_MIN) * median
        && (short + ms - 2.0 * median).abs() < ECTOPIC_TOLERANCE * median
}

#[derive(Default, Clone)]
struct Baseline {
    /// Calibration beats in order (NaN where a beat was rejected, breaking adjacency).
    /// The online gate needs a few beats to judge; this list is judged again as a whole.
    rr: Vec<f64>,
    /// (HR, RMSSD) of `rr`, computed once it stops changing.
    cached: Option<(Option<f64>, Option<f64>)>,
    hr_sum: f64,
    hr_n: u32,
    pupil_n: u32,
    pupil_mean: f64,
    pupil_m2: f64,
}

impl Baseline {
    /// Calibration beats within 25 % of their median (the rest are ectopic or artifacts),
    /// without the pause that compensates a dropped premature beat (as the online gate).
    fn clean_rr(&self) -> impl Iterator<Item = Option<f64>> + '_ {
        let mut sorted: Vec<f64> = self.rr.iter().copied().filter(|x| x.is_finite()).collect();
        sorted.sort_by(f64::total_cmp);
        let median = sorted.get(sorted.len() / 2).copied().unwrap_or(f64::NAN);
        let mut premature: Option<f64> = None;
        self.rr.iter().map(move |&x| {
            let compensates = premature
                .take()
                .is_some_and(|p| is_pause_after(p, x, median));
            if is_premature(x, median) {
                premature = Some(x);
            }
            (x.is_finite() && (x - median).abs() <= ECTOPIC_TOLERANCE * median && !compensates)
                .then_some(x)
        })
    }

    fn push_rr(&mut self, ms: f64) {
        self.rr.push(ms);
        self.cached = None;
    }

    /// Baseline heart rate and RMSSD.
    fn heart(&mut self) -> (Option<f64>, Option<f64>) {
        if self.cached.is_none() {
            self.cached = Some((self.hr(), self.rmssd()));
        }
        self.cached.unwrap_or_default()
    }

    fn hr(&self) -> Option<f64> {
        let (sum, n) = self
            .clean_rr()
            .flatten()
            .fold((0.0, 0u32), |(s, n), x| (s + x, n + 1));
        if n > 0 {
            Some(60_000.0 * n as f64 / sum)
        } else if self.hr_n > 0 {
            Some(self.hr_sum / self.hr_n as f64)
        } else {
            None
        }
    }
    fn rmssd(&self) -> Option<f64> {
        let (mut sq, mut n, mut prev) = (0.0, 0u32, None);
        for x in self.clean_rr() {
            if let (Some(a), Some(b)) = (prev, x) {
                sq += (b - a) * (b - a);
                n += 1;
            }
            prev = x;
        }
        (n > 0).then(|| (sq / n as f64).sqrt())
    }
    fn push_pupil(&mut self, mm: f64) {
        self.pupil_n += 1;
        let d = mm - self.pupil_mean;
        self.pupil_mean += d / self.pupil_n as f64;
        self.pupil_m2 += d * (mm - self.pupil_mean);
    }
    fn pupil(&self) -> Option<(f64, f64)> {
        (self.pupil_n >= 2).then(|| {
            let sd = (self.pupil_m2 / (self.pupil_n - 1) as f64).sqrt();
            (self.pupil_mean, sd.max(0.05))
        })
    }
}

/// Turns a time-ordered stream of [`Sample`]s into [`Features`] at any later instant.
pub struct FeatureExtractor {
    cfg: FeatureConfig,
    windows: [HrvWindow; 3],
    beat_times: VecDeque<f64>,
    recent_rr: VecDeque<f64>,
    rejected_run: u32,
    rejected: u32,
    /// The interval of the beat just rejected as premature, if the last beat was one.
    premature: Option<f64>,
    last_rr: Option<f64>,
    last_beat: Option<f64>,
    last_hr: Option<(f64, f64)>,
    pupil: VecDeque<(f64, f64)>,
    pupil_seen: VecDeque<(f64, bool)>,
    last_pupil_valid: Option<(f64, f64)>,
    last_blink: Option<f64>,
    last_pupil: Option<f64>,
    baseline: Baseline,
}

impl FeatureExtractor {
    /// A fresh extractor for one viewing.
    pub fn new(cfg: FeatureConfig) -> Self {
        Self {
            cfg,
            windows: [
                HrvWindow::new(cfg.window_s),
                HrvWindow::new(LONG_WINDOWS_S[0]),
                HrvWindow::new(LONG_WINDOWS_S[1]),
            ],
            beat_times: VecDeque::new(),
            recent_rr: VecDeque::new(),
            rejected_run: 0,
            rejected: 0,
            premature: None,
            last_rr: None,
            last_beat: None,
            last_hr: None,
            pupil: VecDeque::new(),
            pupil_seen: VecDeque::new(),
            last_pupil_valid: None,
            last_blink: None,
            last_pupil: None,
            baseline: Baseline::default(),
        }
    }

    /// Adds one reading; samples must arrive in time order (late ones are ignored).
    pub fn push(&mut self, s: Sample) {
        if !s.t.is_finite() {
            return;
        }
        let calibrating = s.t < self.cfg.calibration_s;
        match s.reading {
            Reading::Rr { ms } => self.push_beat(s.t, ms, calibrating),
            Reading::Hr { bpm } => {
                if !bpm.is_finite() || bpm <= 0.0 {
                    return;
                }
                if calibrating {
                    self.baseline.hr_sum += bpm;
                    self.baseline.hr_n += 1;
                }
                self.last_hr = Some((s.t, bpm));
            }
            Reading::Pupil { mm } => self.push_pupil(s.t, mm, calibrating),
        }
    }

    fn push_beat(&mut self, t: f64, ms: f64, calibrating: bool) {
        if self.last_beat.is_some_and(|last| t < last) {
            return;
        }
        self.last_beat = Some(t);
        let in_range = ms.is_finite() && (RR_RANGE_MS.0..=RR_RANGE_MS.1).contains(&ms);
        let median = (in_range && self.recent_rr.len() >= 3).then(|| {
            // At most five recent beats: sort a copy on the stack, not the heap.
            let mut r = [0.0; 5];
            let n = self.recent_rr.len();
            r[..n]
                .iter_mut()
                .zip(&self.recent_rr)
                .for_each(|(d, s)| *d = *s);
            r[..n].sort_by(f64::total_cmp);
            r[n / 2]
        });
        let ectopic = median.is_some_and(|m| (ms - m).abs() > ECTOPIC_TOLERANCE * m);
        // The pause after a premature beat makes up for it: the two together last about
        // two beats, even when the pause alone is within the tolerance.
        let compensatory = match (self.premature.take(), median) {
            (Some(short), Some(m)) => is_pause_after(short, ms, m),
            _ => false,
        };
        if !in_range || (ectopic && self.rejected_run < 2) || compensatory {
            if calibrating {
                self.baseline.push_rr(f64::NAN);
            }
            self.rejected += 1;
            self.rejected_run += 1;
            if !compensatory && median.is_some_and(|m| is_premature(ms, m)) {
                self.premature = Some(ms);
            }
            // The next beat's interval no longer follows an accepted one.
            self.last_rr = None;
            return;
        }
        if ectopic {
            // A sustained change of rhythm, not an artifact: start the median afresh.
            self.recent_rr.clear();
        }
        self.rejected_run = 0;
        self.recent_rr.push_back(ms);
        if self.recent_rr.len() > 5 {
            self.recent_rr.pop_front();
        }
        if calibrating {
            if ectopic {
                self.baseline.push_rr(f64::NAN); // a new rhythm: not adjacent to the last
            }
            self.baseline.push_rr(ms);
        }
        self.last_rr = Some(ms);
        for w in &mut self.windows {
            w.push(t, ms);
        }
        self.beat_times.push_back(t);
    }

    fn push_pupil(&mut self, t: f64, mm: f64, calibrating: bool) {
        if self.last_pupil.is_some_and(|last| t < last) {
            return;
        }
        self.last_pupil = Some(t);
        let blink = !mm.is_finite() || mm < PUPIL_MIN_MM;
        let too_fast = self
            .last_pupil_valid
            .is_some_and(|(pt, pm)| t > pt && (mm - pm).abs() / (t - pt) > PUPIL_MAX_RATE_MM_S);
        let settling = self.last_blink.is_some_and(|b| t - b < PUPIL_SETTLE_S);
        if blink {
            self.last_blink = Some(t);
        }
        let valid = !blink && !too_fast && !settling;
        self.pupil_seen.push_back((t, valid));
        if valid {
            self.last_pupil_valid = Some((t, mm));
            self.pupil.push_back((t, mm));
            if calibrating {
                self.baseline.push_pupil(mm);
            }
        }
    }

    fn freshness(&self, last: Option<f64>, t: f64) -> f64 {
        match last {
            Some(seen) if t - seen <= self.cfg.dropout_s => 1.0,
            Some(seen) => (-(t - seen - self.cfg.dropout_s) / CONFIDENCE_DECAY_S).exp(),
            None => 0.0,
        }
    }

    /// Features over the windows ending at `t` (all samples up to `t` must have been pushed).
    pub fn features_at(&mut self, t: f64) -> Features {
        for w in &mut self.windows {
            w.evict(t);
        }
        while self.beat_times.front().is_some_and(|&b| b <= t - 5.0) {
            self.beat_times.pop_front();
        }
        while self
            .pupil
            .front()
            .is_some_and(|p| p.0 <= t - PUPIL_WINDOW_S)
        {
            self.pupil.pop_front();
        }
        while self
            .pupil_seen
            .front()
            .is_some_and(|p| p.0 <= t - PUPIL_WINDOW_S)
        {
            self.pupil_seen.pop_front();
        }
        let hrv = [
            self.windows[0].stats(),
            self.windows[1].stats(),
            self.windows[2].stats(),
        ];
        let in_calibration = t < self.cfg.calibration_s;
        let mut f = Features {
            t,
            hrv,
            rejected_beats: self.rejected,
            ..Features::default()
        };

        // Heart.
        let short = hrv[0];
        let heart = if short.n >= 2 {
            let expected = (short.hr_bpm * 5.0 / 60.0).max(1.0);
            let complete = (self.beat_times.len() as f64 / expected).min(1.0);
            let fresh = self.freshness(self.last_beat, t);
            Some((short.hr_bpm, Some(short.rmssd_ms), complete * fresh))
        } else {
            // HR-only sensors carry no variability information: half confidence.
            self.last_hr
                .map(|(seen, bpm)| (bpm, None, 0.5 * self.freshness(Some(seen), t)))
        };
        if let Some((hr, rmssd, conf)) = heart {
            let (base_hr, base_rmssd) = if in_calibration {
                (hr, None)
            } else {
                let (h, r) = self.baseline.heart();
                (h.unwrap_or(hr), r)
            };
            f.hr_bpm = hr as f32;
            f.rmssd_ms = rmssd.unwrap_or(0.0) as f32;
            f.hr_delta_bpm = (hr - base_hr) as f32;
            f.rmssd_ln_ratio = match (rmssd, base_rmssd) {
                (Some(r), Some(b)) if !in_calibration && r > 0.0 && b > 0.0 => (r / b).ln() as f32,
                _ => 0.0,
            };
            f.quality = conf as f32;
            f.hrv_confidence = if rmssd.is_some() {
                (conf * (short.n as f64 / 8.0).min(1.0)) as f32
            } else {
                0.0
            };
        }

        // Pupil.
        if !self.pupil.is_empty() {
            let mean = self.pupil.iter().map(|p| p.1).sum::<f64>() / self.pupil.len() as f64;
            f.pupil_mm = mean as f32;
            if let (false, Some((base, sd))) = (in_calibration, self.baseline.pupil()) {
                f.pupil_z = ((mean - base) / sd) as f32;
            }
            let valid = self.pupil_seen.iter().filter(|p| p.1).count() as f64;
            let share = valid / self.pupil_seen.len().max(1) as f64;
            f.pupil_confidence = (share * self.freshness(self.last_pupil, t)) as f32;
        }
        f
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

    /// One 60 s window, no calibration.
    const WHOLE_WINDOW: FeatureConfig = FeatureConfig {
        window_s: 60.0,
        calibration_s: 0.0,
        dropout_s: 3.0,
    };

    /// Pushes the RR series; the features at its last beat, and that beat's time.
    fn feed(fx: &mut FeatureExtractor, rr: &[f64]) -> (Features, f64) {
        let s = rr_series(rr);
        let t_end = s.last().map_or(0.0, |s| s.t);
        s.into_iter().for_each(|s| fx.push(s));
        (fx.features_at(t_end), t_end)
    }

    #[test]
    fn hr_and_rmssd_match_closed_form() {
        let rr = [800.0, 820.0, 790.0, 810.0, 800.0, 830.0];
        let mut fx = FeatureExtractor::new(WHOLE_WINDOW);
        let (f, _) = feed(&mut fx, &rr);
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
        let (f, t_end) = feed(&mut fx, &rr);
        assert!((f.hr_delta_bpm - 20.0).abs() < 0.01, "{f:?}");
        assert!(f.quality > 0.9);
        // Silent sensor: confidence decays smoothly instead of vanishing at once.
        let mut q = |dt: f64| fx.features_at(t_end + dt).quality;
        let (q1, q4, q12) = (q(1.0), q(4.0), q(12.0));
        assert!(q1 > 0.5, "{q1}");
        assert!(q4 < q1 && q4 > 0.05, "{q4}");
        assert!(q12 < 0.05, "{q12}");
        // The sensor comes back: confidence recovers without a reset.
        let t_back = t_end + 12.0;
        for k in 1..=8 {
            fx.push(Sample {
                t: t_back + k as f64 * 0.75,
                reading: Reading::Rr { ms: 750.0 },
            });
        }
        let back = fx.features_at(t_back + 6.0);
        assert!(
            back.quality > 0.9 && (back.hr_delta_bpm - 20.0).abs() < 0.01,
            "{back:?}"
        );
    }

    #[test]
    fn ectopic_beats_are_gated_and_counted() {
        let mut rr = vec![800.0; 20];
        rr[10] = 500.0; // premature
        rr[11] = 1100.0; // compensatory pause
        rr[15] = 3000.0; // out of range
        let mut fx = FeatureExtractor::new(WHOLE_WINDOW);
        let (f, _) = feed(&mut fx, &rr);
        assert_eq!(f.rejected_beats, 3);
        assert_eq!(f.hrv[0].n, 17);
        assert_eq!(f.hrv[0].rmssd_ms, 0.0);
        // A compensatory pause inside the gate goes with its premature beat; a beat of
        // the usual length after a premature one is kept.
        for (pause, rejected) in [(990.0, 2), (800.0, 1)] {
            let mut rr = vec![800.0; 20];
            rr[10] = 560.0;
            rr[11] = pause;
            let mut fx = FeatureExtractor::new(WHOLE_WINDOW);
            let (f, _) = feed(&mut fx, &rr);
            assert_eq!(f.rejected_beats, rejected, "pause {pause}");
            assert_eq!(f.hrv[0].rmssd_ms, 0.0, "pause {pause}");
        }
        // A sustained change of rhythm is accepted after three rejections.
        let mut fx = FeatureExtractor::new(FeatureConfig::default());
        let mut rr = vec![1000.0; 10];
        rr.extend([600.0; 30]);
        let (f, _) = feed(&mut fx, &rr);
        assert_eq!(f.rejected_beats, 2);
        assert!((f.hr_bpm - 100.0).abs() < 1.0, "{f:?}");
    }

    #[test]
    fn a_compensatory_pause_in_the_calibration_leaves_the_baseline_alone() {
        // Beats alternate 790/810 ms (RMSSD 20 ms); a premature beat and its pause come
        // before the online gate can judge, so only the baseline's own check sees them.
        let mut rr: Vec<f64> = (0..60)
            .map(|k| if k % 2 == 0 { 790.0 } else { 810.0 })
            .collect();
        rr[1] = 560.0;
        rr[2] = 990.0;
        let mut fx = FeatureExtractor::new(FeatureConfig::default());
        let (f, _) = feed(&mut fx, &rr);
        assert!((f.rmssd_ms - 20.0).abs() < 1e-3, "{f:?}");
        assert!(f.rmssd_ln_ratio.abs() < 1e-3, "{f:?}");
    }

    #[test]
    fn pupil_blinks_are_removed_and_scored_against_baseline() {
        let mut fx = FeatureExtractor::new(FeatureConfig::default());
        for k in 0..200 {
            let t = k as f64 * 0.1;
            let mm = if (120..122).contains(&k) {
                0.0 // blink
            } else if t < 8.0 {
                3.0 + 0.1 * ((k % 3) as f64 - 1.0)
            } else {
                4.0
            };
            fx.push(Sample {
                t,
                reading: Reading::Pupil { mm },
            });
        }
        let f = fx.features_at(12.25);
        assert!(
            (f.pupil_mm - 4.0).abs() < 1e-6,
            "blink samples must not drag the mean: {f:?}"
        );
        assert!(f.pupil_z > 5.0 && f.pupil_confidence < 1.0, "{f:?}");
        let f = fx.features_at(19.9);
        assert!((f.pupil_confidence - 1.0).abs() < 1e-6);
    }
}
