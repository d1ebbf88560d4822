//! Local differential privacy for tension deltas: k-ary randomized response.
//!
//! A delta is one of [`LEVELS`] values, −100 … +100 in steps of 10. With privacy
//! parameter ε the true level is reported with probability p = e^ε / (e^ε + k − 1), and
//! each other level with q = 1 / (e^ε + k − 1), so any report is at most e^ε times more
//! likely under one true value than under another: ε-LDP per record. A viewing spends
//! ε per record up to its budget; records beyond it are not sent.
//!
//! De-biasing: the levels are symmetric around 0, so E[report] = (p − q) · true value,
//! and mean(reports) / (p − q) is an unbiased estimate of the population mean, with
//! standard error √(E[report²] / n) / (p − q) (see [`Estimate`]).

/// Number of report levels.
pub const LEVELS: usize = 21;

/// Value of level `k`, percentage points.
pub fn level_value(k: usize) -> i32 {
    k as i32 * 10 - 100
}

/// Level of a quantized delta (clamped to ±100).
pub fn level_of(delta_pct: i32) -> usize {
    ((delta_pct.clamp(-100, 100) + 100) / 10) as usize
}

/// Randomized response with a given ε.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RandomizedResponse {
    /// Privacy parameter per record.
    pub epsilon: f64,
}

impl RandomizedResponse {
    /// Probability of reporting the true level.
    pub fn p(&self) -> f64 {
        let e = self.epsilon.exp();
        e / (e + LEVELS as f64 - 1.0)
    }

    /// Probability of reporting one particular other level.
    pub fn q(&self) -> f64 {
        1.0 / (self.epsilon.exp() + LEVELS as f64 - 1.0)
    }

    /// The reported delta for a true `delta_pct`, drawing from `uniform` (values in [0, 1)).
    pub fn report(&self, delta_pct: i32, mut uniform: impl FnMut() -> f64) -> i32 {
        let truth = level_of(delta_pct);
        if uniform() < self.p() {
            return level_value(truth);
        }
        // One of the other k − 1 levels, uniformly.
        let mut k = ((uniform() * (LEVELS - 1) as f64) as usize).min(LEVELS - 2);
        if k >= truth {
            k += 1;
        }
        level_value(k)
    }

    /// The population mean from randomized reports, de-biased, with its error.
    pub fn estimate(&self, reports: &[i32]) -> Estimate {
        let n = reports.len();
        let gain = self.p() - self.q();
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
            mean_pct: mean / gain,
            std_error_pct: (var / n as f64).sqrt() / gain,
        }
    }

    /// The standard error the mechanism predicts for `n` reports before seeing any
    /// (worst case: every report at ±100).
    pub fn predicted_std_error(&self, n: usize) -> f64 {
        100.0 / (self.p() - self.q()) / (n.max(1) as f64).sqrt()
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
        // p/q = e^ε exactly.
        assert!((rr.p() / rr.q() - 1f64.exp()).abs() < 1e-12);
        assert!((rr.p() + 20.0 * rr.q() - 1.0).abs() < 1e-12);
        // Empirical report distribution for truth +30.
        let mut u = rng(5);
        let n = 200_000;
        let mut counts = [0usize; LEVELS];
        for _ in 0..n {
            counts[level_of(rr.report(30, &mut u))] += 1;
        }
        let truth = level_of(30);
        assert!((counts[truth] as f64 / n as f64 - rr.p()).abs() < 0.005);
        for (k, &c) in counts.iter().enumerate() {
            if k != truth {
                assert!((c as f64 / n as f64 - rr.q()).abs() < 0.003, "level {k}");
            }
        }
        // De-biased mean of those reports is the truth.
        let reports: Vec<i32> = (0..n).map(|_| rr.report(30, &mut u)).collect();
        let e = rr.estimate(&reports);
        assert!((e.mean_pct - 30.0).abs() < 4.0 * e.std_error_pct, "{e:?}");
    }
}
