//! The simulated viewer's response to the film (the harness's "viewer response model").
//!
//! Tension is measured from the viewer's own rest, as the model's baseline-relative
//! features measure it: at rest a viewer feels `REST`, what the model reads at the
//! baseline ([`Calibration::rest`](super::Calibration::rest)). Under the tension the
//! screen offers, `x`, the felt tension `T` follows a first-order lag with a personal
//! sensitivity, plus slow noise:
//!
//! ```text
//! dT/dt = (clamp(REST + s·(x − REST), 0, 1) − T) / τ  +  OU noise (σ = 0.02, 20 s)
//! x     = drive + 0.5·(intensity of the playing variant − intensity of the default take)
//! ```
//!
//! The director tunes the film for the average viewer (`s = 1`): for them the
//! director's cut (drive = target) delivers the target curve, lagged by `τ`. Real
//! audiences differ: `s` is drawn from 0.4..1.6 and `τ` from 3..8 s. The body expresses
//! `T` as arousal above the viewer's resting arousal (drawn from 0.15..0.45, so resting
//! heart rates differ by 10 bpm), through the physiology the tension model reads
//! ([`Calibration`](super::Calibration)); the player only ever sees the heartbeats and
//! pupil samples.

use livingfilm_biometrics::simulate::Rng;

/// Weight of a variant's intensity (relative to the default take) on the offered tension.
pub const VARIANT_EFFECT: f32 = 0.5;

/// One viewer's response parameters.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Viewer {
    /// Gain from offered to felt tension (around rest).
    pub sensitivity: f32,
    /// Lag of the response, seconds.
    pub lag_s: f64,
    /// Arousal at rest (0..1: sets resting heart rate and pupil size).
    pub rest_arousal: f64,
}

impl Viewer {
    /// A viewer drawn from the documented population.
    pub fn draw(rng: &mut Rng) -> Self {
        Self {
            sensitivity: 0.4 + 1.2 * rng.next_f64() as f32,
            lag_s: 3.0 + 5.0 * rng.next_f64(),
            rest_arousal: 0.15 + 0.3 * rng.next_f64(),
        }
    }

    /// Where this viewer's tension settles under offered tension `x`, `rest` felt at rest.
    pub fn settles_at(&self, x: f32, rest: f32) -> f32 {
        (rest + self.sensitivity * (x - rest)).clamp(0.0, 1.0)
    }
}

/// A viewer watching: their tension over time.
#[derive(Debug, Clone)]
pub struct Watching {
    viewer: Viewer,
    rest: f32,
    rng: Rng,
    noise: f32,
    tension: f32,
}

impl Watching {
    /// Starts settled under offered tension `x0`, feeling `rest` at rest.
    pub fn new(viewer: Viewer, rest: f32, x0: f32, seed: u64) -> Self {
        Self {
            viewer,
            rest,
            rng: Rng::new(seed),
            noise: 0.0,
            tension: viewer.settles_at(x0, rest),
        }
    }

    /// Advances `dt` seconds under offered tension `x`.
    pub fn step(&mut self, dt: f64, x: f32) {
        let settle = self.viewer.settles_at(x, self.rest);
        let a = (dt / self.viewer.lag_s).min(1.0) as f32;
        // Ornstein–Uhlenbeck: σ = 0.02 stationary, 20 s reversion.
        let theta = (dt / 20.0) as f32;
        let gauss = {
            let (u1, u2) = (self.rng.next_f64().max(1e-12), self.rng.next_f64());
            ((-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()) as f32
        };
        self.noise += -theta * self.noise + 0.02 * (2.0 * theta).sqrt() * gauss;
        self.tension += a * (settle - self.tension);
    }

    /// Felt tension now (with its slow noise), 0..1.
    pub fn tension(&self) -> f32 {
        (self.tension + self.noise).clamp(0.0, 1.0)
    }
}
