//! Frame-time statistics: what the window measured, as percentiles, kept in fixed-size
//! storage so recording a frame never allocates.

/// Percentiles of a set of durations, milliseconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct Percentiles {
    /// How many.
    pub count: usize,
    /// Median.
    pub p50: f64,
    /// 95th percentile.
    pub p95: f64,
    /// 99th percentile.
    pub p99: f64,
    /// Largest.
    pub max: f64,
}

/// Width of one histogram bin, ms: percentiles are exact to this.
pub const BIN_MS: f64 = 0.1;
/// Durations at or above this land in the last bin (the maximum stays exact).
const TOP_MS: f64 = 2000.0;
const BINS: usize = (TOP_MS / BIN_MS) as usize + 1;
/// How many of the latest durations [`FrameStats::recent`] looks at.
pub const RECENT: usize = 48;

/// Collects durations: a histogram of all of them and the latest [`RECENT`].
#[derive(Debug, Clone)]
pub struct FrameStats {
    bins: Vec<u32>,
    count: usize,
    max: f64,
    latest: [f64; RECENT],
    seen: usize,
}

impl Default for FrameStats {
    fn default() -> Self {
        Self {
            bins: vec![0; BINS],
            count: 0,
            max: 0.0,
            latest: [0.0; RECENT],
            seen: 0,
        }
    }
}

fn nearest_rank(sorted_len: usize, p: f64) -> usize {
    ((p * sorted_len as f64).ceil() as usize).clamp(1, sorted_len) - 1
}

impl FrameStats {
    /// Adds one duration in milliseconds.
    pub fn push(&mut self, ms: f64) {
        if !(ms.is_finite() && ms >= 0.0) {
            return;
        }
        let bin = ((ms / BIN_MS + 1e-9) as usize).min(BINS - 1);
        self.bins[bin] += 1;
        self.count += 1;
        self.max = self.max.max(ms);
        self.latest[self.seen % RECENT] = ms;
        self.seen += 1;
    }

    /// Nearest-rank percentiles of everything so far (to [`BIN_MS`]).
    pub fn percentiles(&self) -> Percentiles {
        if self.count == 0 {
            return Percentiles::default();
        }
        let at = |p: f64| {
            let rank = nearest_rank(self.count, p) as u64;
            let mut below = 0u64;
            for (k, &n) in self.bins.iter().enumerate() {
                below += n as u64;
                if below > rank {
                    return (k as f64 * BIN_MS).min(self.max);
                }
            }
            self.max
        };
        Percentiles {
            count: self.count,
            p50: at(0.50),
            p95: at(0.95),
            p99: at(0.99),
            max: self.max,
        }
    }

    /// Exact percentiles of the latest [`RECENT`] durations (sorted on the stack).
    pub fn recent(&self) -> Percentiles {
        let n = self.seen.min(RECENT);
        if n == 0 {
            return Percentiles::default();
        }
        let mut v = self.latest;
        let v = &mut v[..n];
        v.sort_by(f64::total_cmp);
        Percentiles {
            count: n,
            p50: v[nearest_rank(n, 0.50)],
            p95: v[nearest_rank(n, 0.95)],
            p99: v[nearest_rank(n, 0.99)],
            max: v[n - 1],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let mut s = FrameStats::default();
        for k in 1..=100 {
            s.push(k as f64);
        }
        s.push(f64::NAN);
        let p = s.percentiles();
        assert_eq!(
            (p.count, p.p50, p.p95, p.p99, p.max),
            (100, 50.0, 95.0, 99.0, 100.0)
        );
        // The latest 48 are 53..=100.
        let r = s.recent();
        assert_eq!((r.count, r.p50, r.max), (48, 76.0, 100.0));
        s.push(5000.0);
        assert_eq!(s.percentiles().max, 5000.0);
        assert_eq!(FrameStats::default().percentiles(), Percentiles::default());
    }
}
