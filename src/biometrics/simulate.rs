//! Seeded viewer simulator: scripted arousal profiles turned into RR intervals (with
//! respiratory sinus arrhythmia, jitter and occasional ectopic beats), heart rate and
//! pupil diameter (with blinks), so every stage can be exercised without a sensor.
//!
//! Model: arousal `a(t)` in 0..1 sets HR = 62 + 35a bpm, RSA amplitude 50(1 − 0.8a) ms at
//! 0.25 Hz breathing, beat jitter ±8 ms, pupil 3.2 + 1.6a mm (+ noise) sampled at 10 Hz
//! with a 150 ms blink every ~4 s; 0.5 % of beats are premature (−30 %) followed by a
//! compensatory pause. Profiles differ only in `a(t)` and in dropouts.

use super::{Reading, Sample};

/// A scripted viewer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Profile {
    /// Relaxed throughout (a ≈ 0.1 with slow wander).
    Calm,
    /// Suspense building steadily from relaxed to highly aroused.
    RisingSuspense,
    /// Relaxed, then a startle at mid-film (a jumps to 1, decays over ~8 s).
    Startle,
    /// Moderately engaged, and the sensor drops out for the middle fifth.
    Dropout,
}

impl Profile {
    /// Every profile, for harnesses that sweep them.
    pub const ALL: [Profile; 4] = [
        Profile::Calm,
        Profile::RisingSuspense,
        Profile::Startle,
        Profile::Dropout,
    ];

    /// The name used on the command line (`sim:NAME`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Calm => "calm",
            Self::RisingSuspense => "rising",
            Self::Startle => "startle",
            Self::Dropout => "dropout",
        }
    }

    /// Parses a [`name`](Self::name).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.name() == name)
    }

    /// Arousal at time `t` of a viewing lasting `duration` seconds.
    pub fn arousal(self, t: f64, duration: f64) -> f64 {
        let x = (t / duration.max(1e-9)).clamp(0.0, 1.0);
        match self {
            Self::Calm => 0.1 + 0.05 * (t * 0.05).sin(),
            Self::RisingSuspense => 0.1 + 0.8 * x,
            Self::Startle => {
                let since = t - 0.5 * duration;
                0.15 + if since >= 0.0 {
                    0.85 * (-since / 8.0).exp()
                } else {
                    0.0
                }
            }
            Self::Dropout => 0.35,
        }
    }

    /// Whether the sensor is delivering at time `t`.
    pub fn connected(self, t: f64, duration: f64) -> bool {
        self != Self::Dropout || !(0.4 * duration..0.6 * duration).contains(&t)
    }
}

/// A small deterministic generator (SplitMix64): same seed, same viewer.
struct Rng(u64);

impl Rng {
    fn next_f64(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Simulates `duration` seconds of `profile` with `seed`: RR beats and pupil samples,
/// time-ordered.
pub fn simulate(profile: Profile, duration: f64, seed: u64) -> Vec<Sample> {
    let mut rng = Rng(seed ^ (profile as u64).wrapping_mul(0x9E37_79B9));
    let mut out = Vec::new();
    let mut t = 0.0;
    let mut compensate = 0.0;
    while t < duration {
        let a = profile.arousal(t, duration);
        let rsa = 50.0 * (1.0 - 0.8 * a) * (std::f64::consts::TAU * 0.25 * t).sin();
        let mut rr = 60_000.0 / (62.0 + 35.0 * a) + rsa + (rng.next_f64() - 0.5) * 16.0;
        if compensate > 0.0 {
            rr += compensate;
            compensate = 0.0;
        } else if rng.next_f64() < 0.005 {
            compensate = 0.3 * rr;
            rr -= compensate;
        }
        t += rr / 1000.0;
        if t < duration && profile.connected(t, duration) {
            out.push(Sample {
                t,
                reading: Reading::Rr { ms: rr },
            });
        }
    }
    let mut next_blink = 2.0 + 4.0 * rng.next_f64();
    for k in 0..(duration * 10.0) as u64 {
        let t = k as f64 / 10.0;
        if !profile.connected(t, duration) {
            continue;
        }
        let blinking = t >= next_blink && t < next_blink + 0.15;
        if t >= next_blink + 0.15 {
            next_blink += 2.0 + 4.0 * rng.next_f64();
        }
        let mm = if blinking {
            0.0
        } else {
            3.2 + 1.6 * profile.arousal(t, duration) + (rng.next_f64() - 0.5) * 0.1
        };
        out.push(Sample {
            t,
            reading: Reading::Pupil { mm },
        });
    }
    out.sort_by(|a, b| a.t.total_cmp(&b.t));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mean_hr(s: &[Sample], from: f64, to: f64) -> f64 {
        let rr: Vec<f64> = s
            .iter()
            .filter(|s| s.t >= from && s.t < to)
            .filter_map(|s| match s.reading {
                Reading::Rr { ms } => Some(ms),
                _ => None,
            })
            .collect();
        60_000.0 * rr.len() as f64 / rr.iter().sum::<f64>()
    }

    #[test]
    fn profiles_shape_heart_rate_and_are_seeded() {
        let rising = simulate(Profile::RisingSuspense, 120.0, 7);
        assert!(mean_hr(&rising, 100.0, 120.0) > mean_hr(&rising, 0.0, 20.0) + 20.0);
        let startle = simulate(Profile::Startle, 120.0, 7);
        assert!(mean_hr(&startle, 60.0, 66.0) > mean_hr(&startle, 40.0, 58.0) + 15.0);
        assert_eq!(
            simulate(Profile::Calm, 30.0, 1),
            simulate(Profile::Calm, 30.0, 1)
        );
        assert_ne!(
            simulate(Profile::Calm, 30.0, 1),
            simulate(Profile::Calm, 30.0, 2)
        );
        let gap = simulate(Profile::Dropout, 100.0, 3);
        assert!(!gap.iter().any(|s| (40.0..60.0).contains(&s.t)));
    }
}
