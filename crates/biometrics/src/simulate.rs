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
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator for `seed`.
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// Uniform in [0, 1).
    pub fn next_f64(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// A simulated body streaming beats and pupil samples for whatever arousal it is given,
/// so a closed loop (film → viewer → sensors → film) can run step by step.
#[derive(Debug, Clone)]
pub struct Body {
    beats: Rng,
    pupil: Rng,
    /// Time of the last beat.
    t_beat: f64,
    /// A beat drawn beyond the last `until`.
    pending: Option<(f64, f64)>,
    compensate: f64,
    next_blink: f64,
    /// Index of the next 10 Hz pupil sample.
    pupil_k: u64,
}

impl Body {
    /// A body whose randomness follows `seed`.
    pub fn new(seed: u64) -> Self {
        let mut pupil = Rng(seed ^ 0x5DEE_CE66_D1CE_4E5B);
        let next_blink = 2.0 + 4.0 * pupil.next_f64();
        Self {
            beats: Rng(seed),
            pupil,
            t_beat: 0.0,
            pending: None,
            compensate: 0.0,
            next_blink,
            pupil_k: 0,
        }
    }

    /// Draws the beat after the last one: (its time, its RR interval in ms).
    fn beat(&mut self, arousal: impl Fn(f64) -> f64) -> (f64, f64) {
        let t = self.t_beat;
        let a = arousal(t).clamp(0.0, 1.0);
        let rsa = 50.0 * (1.0 - 0.8 * a) * (std::f64::consts::TAU * 0.25 * t).sin();
        let mut rr = 60_000.0 / (62.0 + 35.0 * a) + rsa + (self.beats.next_f64() - 0.5) * 16.0;
        if self.compensate > 0.0 {
            rr += self.compensate;
            self.compensate = 0.0;
        } else if self.beats.next_f64() < 0.005 {
            self.compensate = 0.3 * rr;
            rr -= self.compensate;
        }
        (t + rr / 1000.0, rr)
    }

    /// Appends the samples up to `until` (exclusive), `arousal(t)` giving a(t) in 0..1;
    /// samples where `connected(t)` is false are generated but not delivered.
    pub fn advance(
        &mut self,
        until: f64,
        arousal: impl Fn(f64) -> f64 + Copy,
        connected: impl Fn(f64) -> bool,
        out: &mut Vec<Sample>,
    ) {
        let first = out.len();
        loop {
            let (next, rr) = match self.pending.take() {
                Some(beat) => beat,
                None => self.beat(arousal),
            };
            if next >= until {
                self.pending = Some((next, rr)); // drawn already: delivered by a later call
                break;
            }
            self.t_beat = next;
            if connected(next) {
                out.push(Sample {
                    t: next,
                    reading: Reading::Rr { ms: rr },
                });
            }
        }
        while (self.pupil_k as f64) / 10.0 < until {
            let t = self.pupil_k as f64 / 10.0;
            self.pupil_k += 1;
            let blinking = t >= self.next_blink && t < self.next_blink + 0.15;
            if t >= self.next_blink + 0.15 {
                self.next_blink += 2.0 + 4.0 * self.pupil.next_f64();
            }
            let mm = if blinking {
                0.0
            } else {
                3.2 + 1.6 * arousal(t).clamp(0.0, 1.0) + (self.pupil.next_f64() - 0.5) * 0.1
            };
            if connected(t) {
                out.push(Sample {
                    t,
                    reading: Reading::Pupil { mm },
                });
            }
        }
        out[first..].sort_by(|a, b| a.t.total_cmp(&b.t));
    }
}

/// Simulates `duration` seconds of `profile` with `seed`: RR beats and pupil samples,
/// time-ordered.
pub fn simulate(profile: Profile, duration: f64, seed: u64) -> Vec<Sample> {
    let mut body = Body::new(seed ^ (profile as u64).wrapping_mul(0x9E37_79B9));
    let mut out = Vec::new();
    body.advance(
        duration,
        |t| profile.arousal(t, duration),
        |t| profile.connected(t, duration),
        &mut out,
    );
    out
}

/// Mean heart rate of the beats in `[from, to)`, bpm (the simulators' tests).
#[cfg(test)]
pub(crate) fn mean_hr(s: &[Sample], from: f64, to: f64) -> f64 {
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

#[cfg(test)]
mod tests {
    use super::*;

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
        // Streaming in chunks gives the same samples as one call.
        let mut body = Body::new(5);
        let mut chunked = Vec::new();
        for k in 1..=120 {
            body.advance(k as f64 * 0.25, |_| 0.4, |_| true, &mut chunked);
        }
        let mut whole = Vec::new();
        Body::new(5).advance(30.0, |_| 0.4, |_| true, &mut whole);
        assert_eq!(chunked, whole);
    }
}
