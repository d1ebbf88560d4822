//! Time-domain HRV over a sliding window, updated per beat in O(1) amortised time.
//!
//! Definitions (Task Force 1996; the same as NeuroKit2 `hrv_time`): over the NN
//! intervals whose beat ended in `(t − window, t]`,
//! - MeanNN = mean(NN), ms; HR = 60000 / MeanNN, bpm;
//! - SDNN = sample standard deviation of NN (n − 1 denominator), ms;
//! - RMSSD = sqrt(mean(ΔNN²)) over successive pairs both inside the window, ms;
//! - pNN50 = 100 · count(|ΔNN| > 50 ms) / number of NN intervals, % (NeuroKit2's
//!   denominator; pyHRV divides by the number of differences instead).
//!
//! Running sums are shifted by the first interval (so SDNN keeps its precision) and
//! recomputed from the window every few thousand beats so rounding cannot drift.

use std::collections::VecDeque;

use crate::HrvStats;

/// Beats between exact recomputations of the running sums.
const RESUM_EVERY: u32 = 4096;

/// Batch statistics over a whole NN series (the reference the window must agree with).
pub fn hrv_of(nn_ms: &[f64]) -> HrvStats {
    let mut w = HrvWindow::new(f64::INFINITY);
    let mut t = 0.0;
    for &nn in nn_ms {
        t += nn / 1000.0;
        w.push(t, nn);
    }
    w.stats()
}

/// A sliding window of NN intervals with running sums.
#[derive(Debug, Clone)]
pub struct HrvWindow {
    window_s: f64,
    beats: VecDeque<(f64, f64)>,
    shift: f64,
    sum: f64,
    sum_sq: f64,
    sq_diff: f64,
    nn50: u32,
    since_resum: u32,
}

impl HrvWindow {
    /// An empty window `window_s` seconds long.
    pub fn new(window_s: f64) -> Self {
        Self {
            window_s,
            beats: VecDeque::new(),
            shift: 0.0,
            sum: 0.0,
            sum_sq: 0.0,
            sq_diff: 0.0,
            nn50: 0,
            since_resum: 0,
        }
    }

    /// Window length, seconds.
    pub fn window_s(&self) -> f64 {
        self.window_s
    }

    /// Adds the NN interval `nn_ms` of the beat ending at `t` (times must not decrease),
    /// then drops beats that left the window.
    pub fn push(&mut self, t: f64, nn_ms: f64) {
        if self.beats.is_empty() {
            self.shift = nn_ms;
        }
        if let Some(&(_, prev)) = self.beats.back() {
            let d = nn_ms - prev;
            self.sq_diff += d * d;
            self.nn50 += (d.abs() > 50.0) as u32;
        }
        let x = nn_ms - self.shift;
        self.sum += x;
        self.sum_sq += x * x;
        self.beats.push_back((t, nn_ms));
        self.evict(t);
        self.since_resum += 1;
        if self.since_resum >= RESUM_EVERY {
            self.resum();
        }
    }

    /// Drops beats that ended at or before `t − window`.
    pub fn evict(&mut self, t: f64) {
        let start = t - self.window_s;
        while self.beats.front().is_some_and(|b| b.0 <= start) {
            let Some((_, old)) = self.beats.pop_front() else {
                break;
            };
            if let Some(&(_, next)) = self.beats.front() {
                let d = next - old;
                self.sq_diff -= d * d;
                self.nn50 -= (d.abs() > 50.0) as u32;
            }
            let x = old - self.shift;
            self.sum -= x;
            self.sum_sq -= x * x;
        }
        if self.beats.is_empty() {
            self.sum = 0.0;
            self.sum_sq = 0.0;
            self.sq_diff = 0.0;
            self.nn50 = 0;
        }
    }

    fn resum(&mut self) {
        self.since_resum = 0;
        self.shift = self.beats.front().map_or(0.0, |b| b.1);
        let (mut sum, mut sum_sq, mut sq_diff) = (0.0, 0.0, 0.0);
        let mut nn50 = 0;
        let mut prev: Option<f64> = None;
        for &(_, nn) in &self.beats {
            let x = nn - self.shift;
            sum += x;
            sum_sq += x * x;
            if let Some(p) = prev {
                sq_diff += (nn - p) * (nn - p);
                nn50 += ((nn - p).abs() > 50.0) as u32;
            }
            prev = Some(nn);
        }
        (self.sum, self.sum_sq, self.sq_diff, self.nn50) = (sum, sum_sq, sq_diff, nn50);
    }

    /// Number of beats in the window.
    pub fn len(&self) -> usize {
        self.beats.len()
    }

    /// True when no beat is in the window.
    pub fn is_empty(&self) -> bool {
        self.beats.is_empty()
    }

    /// The statistics of the beats now in the window.
    pub fn stats(&self) -> HrvStats {
        let n = self.beats.len();
        if n < 2 {
            return HrvStats::default();
        }
        let nf = n as f64;
        let mean_x = self.sum / nf;
        let mean = mean_x + self.shift;
        let var = ((self.sum_sq - self.sum * mean_x) / (nf - 1.0)).max(0.0);
        HrvStats {
            n: n as u32,
            mean_nn_ms: mean,
            sdnn_ms: var.sqrt(),
            rmssd_ms: (self.sq_diff.max(0.0) / (nf - 1.0)).sqrt(),
            pnn50_pct: 100.0 * self.nn50 as f64 / nf,
            hr_bpm: 60_000.0 / mean,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(nn: &[f64]) -> HrvStats {
        let n = nn.len() as f64;
        let mean = nn.iter().sum::<f64>() / n;
        let var = nn.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
        let d: Vec<f64> = nn.windows(2).map(|w| w[1] - w[0]).collect();
        HrvStats {
            n: nn.len() as u32,
            mean_nn_ms: mean,
            sdnn_ms: var.sqrt(),
            rmssd_ms: (d.iter().map(|x| x * x).sum::<f64>() / d.len() as f64).sqrt(),
            pnn50_pct: 100.0 * d.iter().filter(|x| x.abs() > 50.0).count() as f64 / n,
            hr_bpm: 60_000.0 / mean,
        }
    }

    #[test]
    fn sliding_window_equals_batch_over_the_same_beats() {
        let nn: Vec<f64> = (0..20_000)
            .map(|i| 800.0 + 120.0 * ((i as f64) * 0.37).sin() + (i % 7) as f64 * 9.0)
            .collect();
        let mut w = HrvWindow::new(30.0);
        let mut t = 0.0;
        let mut times = Vec::new();
        for (i, &x) in nn.iter().enumerate() {
            t += x / 1000.0;
            times.push(t);
            w.push(t, x);
            if i % 997 == 0 && i > 0 {
                let first = times.iter().position(|&b| b > t - 30.0).unwrap();
                let want = naive(&nn[first..=i]);
                let got = w.stats();
                assert_eq!(got.n, want.n);
                for (g, e) in [
                    (got.mean_nn_ms, want.mean_nn_ms),
                    (got.sdnn_ms, want.sdnn_ms),
                    (got.rmssd_ms, want.rmssd_ms),
                    (got.pnn50_pct, want.pnn50_pct),
                ] {
                    assert!(
                        (g - e).abs() <= 1e-9 * e.abs().max(1.0),
                        "{got:?} vs {want:?}"
                    );
                }
            }
        }
    }
}
