//! Frame-time statistics: what the window measured, as percentiles.

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

/// Collects durations (kept all: a viewing has thousands, not millions).
#[derive(Debug, Clone, Default)]
pub struct FrameStats {
    ms: Vec<f64>,
}

impl FrameStats {
    /// Adds one duration in milliseconds.
    pub fn push(&mut self, ms: f64) {
        if ms.is_finite() && ms >= 0.0 {
            self.ms.push(ms);
        }
    }

    /// Nearest-rank percentiles of everything so far.
    pub fn percentiles(&self) -> Percentiles {
        self.of(&self.ms)
    }

    /// Percentiles of the last `n` durations.
    pub fn recent(&self, n: usize) -> Percentiles {
        self.of(&self.ms[self.ms.len().saturating_sub(n)..])
    }

    fn of(&self, ms: &[f64]) -> Percentiles {
        if ms.is_empty() {
            return Percentiles::default();
        }
        let mut v = ms.to_vec();
        v.sort_by(f64::total_cmp);
        let rank = |p: f64| v[((p * v.len() as f64).ceil() as usize).clamp(1, v.len()) - 1];
        Percentiles {
            count: v.len(),
            p50: rank(0.50),
            p95: rank(0.95),
            p99: rank(0.99),
            max: v[v.len() - 1],
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
        assert_eq!(s.recent(10).p50, 95.0);
        assert_eq!(FrameStats::default().percentiles(), Percentiles::default());
    }
}
