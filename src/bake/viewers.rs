//! Simulated viewers for the demo: RR-interval series with respiratory sinus arrhythmia.

/// Scripted viewer behaviour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ViewerProfile {
    /// Relaxed throughout: ~62 bpm, high HRV.
    Calm,
    /// Relaxed for 5 s, then ~95 bpm with suppressed HRV.
    Tense,
}

impl ViewerProfile {
    /// File stem used in `assets/demo/viewers/`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Calm => "calm",
            Self::Tense => "tense",
        }
    }
}

/// Deterministic (time, RR ms) pairs covering `seconds` of viewing.
pub fn viewer_series(profile: ViewerProfile, seconds: f64) -> Vec<(f64, f64)> {
    let mut rng = 0x2545_f491_4f6c_dd1du64 ^ profile as u64;
    let mut uniform = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        (rng >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut t = 0.0;
    let mut out = Vec::new();
    while t < seconds {
        // The tense viewer grows aroused from 5 s to 8 s and stays so.
        let arousal = match profile {
            ViewerProfile::Calm => 0.0,
            ViewerProfile::Tense => ((t - 5.0) / 3.0).clamp(0.0, 1.0),
        };
        let base_hr = match profile {
            ViewerProfile::Calm => 62.0,
            ViewerProfile::Tense => 68.0,
        } + 27.0 * arousal;
        let rsa = (60.0 - 50.0 * arousal) * (std::f64::consts::TAU * 0.25 * t).sin();
        let jitter = (uniform() - 0.5) * (16.0 - 10.0 * arousal);
        let rr = (60_000.0 / base_hr + rsa + jitter).clamp(300.0, 2000.0);
        t += rr / 1000.0;
        out.push((t, rr));
    }
    out
}

/// The series as a replay CSV.
pub fn viewer_csv(profile: ViewerProfile, seconds: f64) -> String {
    let mut s = format!(
        "# livingfilm simulated viewer `{}` (src/bake/viewers.rs); RR intervals in ms\nt_s,rr_ms\n",
        profile.name()
    );
    for (t, rr) in viewer_series(profile, seconds) {
        s += &format!("{t:.3},{rr:.1}\n");
    }
    s
}
