//! Local differential privacy for tension deltas: stochastic rounding to one bit, then
//! randomized response on that bit (Duchi, Jordan & Wainwright's mechanism for means).
//!
//! A delta d ∈ [−100, +100] (percentage points) is first rounded at random to ±100 so
//! that its expectation is d: +100 with probability (1 + d/100)/2. The bit is then
//! kept with probability p = e^ε / (1 + e^ε) and flipped otherwise. Whatever the true
//! delta, a report is at most e^ε times more likely than under any other delta: ε-LDP
//! per record. A viewing spends ε per record up to its budget; records beyond it are
//! not made.
//!
//! De-biasing: E[report] = (2p − 1) · d, so mean(reports) / (2p − 1) estimates the
//! population mean without bias, with standard error 100 / ((2p − 1) √n) at most. For
//! means this one-bit mechanism is far more accurate than k-ary randomized response
//! over the 21 delta levels (at ε = 1 and 10 000 viewers: ±4.2 points at 95 % instead of
//! ±26), and every report is just "tenser" or "calmer" than the director intended.

/// The two values a report can take, percentage points.
pub const REPORT_PCT: i32 = 100;

/// The one-bit mechanism with a given ε.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RandomizedResponse {
    /// Privacy parameter per record.
    pub epsilon: f64,
}

impl RandomizedResponse {
    /// Probability of keeping the rounded bit.
    pub fn p(&self) -> f64 {
        let e = self.epsilon.exp();
        e / (1.0 + e)
    }

    /// How much of the true delta survives in expectation (2p − 1).
    pub fn gain(&self) -> f64 {
        2.0 * self.p() - 1.0
    }

    /// The report for a true `delta_pct`: ±100, drawing from `uniform` (values in [0, 1)).
    pub fn report(&self, delta_pct: i32, mut uniform: impl FnMut() -> f64) -> i32 {
        let x = delta_pct.clamp(-100, 100) as f64 / 100.0;
        let up = uniform() < (1.0 + x) / 2.0;
        let keep = uniform() < self.p();
        if up == keep {
            REPORT_PCT
        } else {
            -REPORT_PCT
        }
    }

    /// The population mean from reports, de-biased, with its standard error.
    pub fn estimate(&self, reports: &[i32]) -> Estimate {
        let n = reports.len();
        if n == 0 {
            return Estimate {
                n,
                mean_pct: 0.0,
                std_error_pct: f64::INFINITY,
            };
        }
        let mean = reports.iter().map(|&r| r as f64).sum::<f64>() / n as f64;
        let second = reports.iter().map(|&r| (r as f64).powi(2)).sum::<f64>() / n as f64;
        let var = (second - mean * mean).max(0.0);
        Estimate {
            n,
            mean_pct: mean / self.gain(),
            std_error_pct: (var / n as f64).sqrt() / self.gain(),
        }
    }

    /// The standard error the mechanism predicts for `n` reports, before seeing any
    /// (its worst case: reports split evenly).
    pub fn predicted_std_error(&self, n: usize) -> f64 {
        REPORT_PCT as f64 / self.gain() / (n.max(1) as f64).sqrt()
    }
}

/// A de-biased population mean.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Estimate {
    /// Reports it rests on.
    pub n: usize,
    /// Estimated mean tension delta, percentage points.
    pub mean_pct: f64,
    /// Its standard error, percentage points (95 %: ± 1.96 ×).
    pub std_error_pct: f64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rng(seed: u64) -> impl FnMut() -> f64 {
        let mut s = seed;
        move || {
            s = s.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = s;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
        }
    }

    #[test]
    fn the_mechanism_is_epsilon_ldp_and_unbiased() {
        let rr = RandomizedResponse { epsilon: 1.0 };
        let mut u = rng(5);
        let n = 200_000;
        let share_up = |d: i32, u: &mut dyn FnMut() -> f64| {
            (0..n).filter(|_| rr.report(d, &mut *u) > 0).count() as f64 / n as f64
        };
        // The extremes: P(+100 | +100) = p, P(+100 | −100) = 1 − p: ratio e^ε.
        let hi = share_up(100, &mut u);
        let lo = share_up(-100, &mut u);
        assert!((hi - rr.p()).abs() < 0.004 && (lo - (1.0 - rr.p())).abs() < 0.004);
        assert!((rr.p() / (1.0 - rr.p()) - 1f64.exp()).abs() < 1e-12);
        // Any delta lies in between, so the ratio bound holds for every pair.
        let mid = share_up(30, &mut u);
        assert!(lo < mid && mid < hi);
        // De-biased, the reports give back the true delta.
        let reports: Vec<i32> = (0..n).map(|_| rr.report(30, &mut u)).collect();
        let e = rr.estimate(&reports);
        assert!((e.mean_pct - 30.0).abs() < 4.0 * e.std_error_pct, "{e:?}");
        assert!(e.std_error_pct <= rr.predicted_std_error(n));
    }
}
