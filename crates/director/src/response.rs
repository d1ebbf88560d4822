//! What the controller learns about the viewer: how strongly their measured tension
//! follows the tension the film offers.
//!
//! Model, fitted online by regularised least squares with forgetting:
//!
//! ```text
//! est(t) − R ≈ a + s·(ū(t − RESPONSE_LAG_S) − R)
//! u = drive + VARIANT_WEIGHT·(intensity of the take − intensity of the default take)
//! ū = u through a first-order lag of RESPONSE_SMOOTHING_S
//! ```
//!
//! `R` is the director's tension at rest, the target the film opens at (while the
//! viewer's baseline is measured); `s` is the viewer's sensitivity and `a` their lean
//! (reading tenser or calmer than offered, whatever is offered). The lag and the
//! smoothing stand for the physiology and the feature windows between what the screen
//! shows and what the model reads. The prior is the viewer the director tuned the film
//! for (`a = 0`, `s = 1`), worth [`PRIOR_LEAN_S`] and [`PRIOR_SENSITIVITY_S`] seconds
//! of signal; observations older than [`MEMORY_S`] fade. Knowing `s`, the controller offers the next segment the tension
//! that should make this viewer feel the director's target ([`Response::offer_for`]).
//!
//! A reading's miss lasts: the viewer's mood drifts slowly, and the estimate's feature
//! windows span 10–60 s, so a minute of readings holds a few independent misses, not
//! 240. The fit is therefore generalised least squares: each (offered, read) pair is
//! whitened against the previous one, `(x − ρ·x_prev) / (1 − ρ)` with
//! `ρ = exp(−dt / NOISE_CORRELATION_S)`, which is about the level plus
//! `NOISE_CORRELATION_S` times the rate of change. The fit then leans on the *changes*
//! in what the film offers, alike misses count about once instead of once per reading,
//! and a second of signal still counts as one (for the priors and the evidence).
//!
//! The estimate also jitters fast: beat-to-beat variation, breathing and the edges of
//! the feature windows, half of its miss at periods under 20 s, where the film's
//! changes carry nothing (offered tension is already smoothed by
//! `RESPONSE_SMOOTHING_S`). Differencing would amplify that jitter, so both sides of
//! each pair first pass the same low-pass of [`FIT_SMOOTHING_S`]; one filter on both
//! sides keeps the relation the fit learns, and the whitening then acts on the slow
//! misses it is meant for.

use std::collections::VecDeque;

/// Delay between offered and measured tension, seconds.
pub const RESPONSE_LAG_S: f64 = 8.0;
/// Time constant of the response's smoothing, seconds.
pub const RESPONSE_SMOOTHING_S: f64 = 8.0;
/// Share of a take's intensity difference (from the default take) added to the drive.
pub const VARIANT_WEIGHT: f32 = 0.5;
/// Weight of the prior on the lean, in seconds of fully confident signal.
const PRIOR_LEAN_S: f64 = 100.0;
/// Weight of the prior on the sensitivity, in seconds of signal at a typical spread
/// (3–10 s are alike in the harness; the firmer one keeps a short film's first half
/// minute from deciding the viewer).
const PRIOR_SENSITIVITY_S: f64 = 10.0;
/// Time constant of forgetting, seconds.
const MEMORY_S: f64 = 150.0;
/// Typical spread of offered tension around rest (scales the prior).
const U_SPREAD: f64 = 0.15;
/// Correlation time of the readings' slow misses, seconds (whitening of the fit). From
/// the harness (BENCHMARKS.md), after the low-pass: 30 s is worse, 40–60 s alike.
const NOISE_CORRELATION_S: f64 = 40.0;
/// Time constant of the low-pass both sides of the fit pass before the whitening,
/// seconds. From the harness (BENCHMARKS.md): 4–8 s are alike, 12 s is worse.
const FIT_SMOOTHING_S: f64 = 6.0;
/// Range the fitted sensitivity is kept in.
const SENSITIVITY: (f64, f64) = (0.25, 4.0);

/// The online fit.
#[derive(Debug, Clone)]
pub(crate) struct Response {
    /// The tension of a viewer at rest (the pivot of the fit).
    rest: f64,
    /// Offered tension through the smoothing lag.
    smooth: f32,
    offered: VecDeque<(f64, f32)>,
    /// Prior sensitivity and the seconds of signal it is worth (beyond the default).
    prior: (f64, f64),
    /// The pair (offered, read) about rest through the fit's low-pass.
    low: Option<(f64, f64)>,
    /// The previous low-passed pair, for the whitening.
    prev: Option<(f64, f64)>,
    /// Correlation time the whitening assumes (0: ordinary least squares).
    noise_correlation_s: f64,
    /// Time constant of the fit's low-pass (0: none).
    fit_smoothing_s: f64,
    sw: f64,
    su: f64,
    sv: f64,
    suu: f64,
    suv: f64,
}

impl Response {
    /// A fit around `rest`, the director's tension at rest (the film's opening target).
    pub(crate) fn new(rest: f32) -> Self {
        Self {
            rest: rest as f64,
            smooth: rest,
            offered: VecDeque::new(),
            prior: (1.0, 0.0),
            low: None,
            prev: None,
            noise_correlation_s: NOISE_CORRELATION_S,
            fit_smoothing_s: FIT_SMOOTHING_S,
            sw: 0.0,
            su: 0.0,
            sv: 0.0,
            suu: 0.0,
            suv: 0.0,
        }
    }

    /// The tension of a viewer at rest.
    pub(crate) fn rest(&self) -> f64 {
        self.rest
    }

    /// Records the tension offered at `t`.
    pub(crate) fn offer(&mut self, t: f64, u: f32) {
        let dt = self.offered.back().map_or(0.0, |b| (t - b.0).max(0.0));
        let a = (dt / (RESPONSE_SMOOTHING_S + dt)) as f32;
        self.smooth += a * (u - self.smooth);
        self.offered.push_back((t, self.smooth));
        while self
            .offered
            .get(1)
            .is_some_and(|&(t1, _)| t1 <= t - RESPONSE_LAG_S)
        {
            self.offered.pop_front();
        }
    }

    /// Pairs the estimate read at `t` with what was offered a lag earlier.
    pub(crate) fn observe(&mut self, t: f64, tension: f32, confidence: f32, dt: f64) {
        let fade = (-dt / MEMORY_S).exp();
        for s in [
            &mut self.sw,
            &mut self.su,
            &mut self.sv,
            &mut self.suu,
            &mut self.suv,
        ] {
            *s *= fade;
        }
        let Some(&(t0, u)) = self.offered.front() else {
            return;
        };
        if t0 > t - RESPONSE_LAG_S + 1e-9 || !tension.is_finite() || confidence <= 0.0 || dt <= 0.0
        {
            // A gap breaks the chain of alike misses and restarts the low-pass.
            (self.low, self.prev) = (None, None);
            return; // too early in the viewing, or no signal
        }
        let (u, v) = (u as f64 - self.rest, tension as f64 - self.rest);
        let (u, v) = match self.low {
            Some((lu, lv)) => {
                let k = dt / (self.fit_smoothing_s + dt);
                (lu + k * (u - lu), lv + k * (v - lv))
            }
            None => (u, v),
        };
        self.low = Some((u, v));
        let Some((pu, pv)) = self.prev.replace((u, v)) else {
            return;
        };
        // Whitened pair; the lean's column becomes 1 − ρ, and the weight is scaled by
        // 1/(1 − ρ)² so that it still counts one per second of confident signal.
        let rho = (-dt / self.noise_correlation_s).exp();
        let (u, v) = ((u - rho * pu) / (1.0 - rho), (v - rho * pv) / (1.0 - rho));
        let w = confidence.min(1.0) as f64 * dt;
        self.sw += w;
        self.su += w * u;
        self.sv += w * v;
        self.suu += w * u * u;
        self.suv += w * u * v;
    }

    /// Starts from a known sensitivity worth `weight_s` seconds of signal (a returning
    /// viewer's stored profile).
    pub(crate) fn assume(&mut self, sensitivity: f32, weight_s: f64) {
        self.prior = (sensitivity as f64, weight_s.max(0.0));
    }

    /// Seconds of confident signal seen in this viewing (faded like the fit).
    pub(crate) fn observed_s(&self) -> f64 {
        self.sw
    }

    /// Seconds of confident signal the fit rests on (faded like the fit), prior included.
    pub(crate) fn evidence_s(&self) -> f64 {
        self.sw + self.prior.1
    }

    /// The fitted lean `a` and sensitivity `s`.
    pub(crate) fn fit(&self) -> (f32, f32) {
        let la = PRIOR_LEAN_S + self.prior.1;
        let ls = (PRIOR_SENSITIVITY_S + self.prior.1) * U_SPREAD * U_SPREAD;
        // [sw + la, su; su, suu + ls]·[a; s] = [sv; suv + ls·s0]
        let (m11, m12, m22) = (self.sw + la, self.su, self.suu + ls);
        let (b1, b2) = (self.sv, self.suv + ls * self.prior.0);
        let det = m11 * m22 - m12 * m12;
        if det.abs() < 1e-12 {
            return (0.0, 1.0);
        }
        let a = (b1 * m22 - m12 * b2) / det;
        let s = (m11 * b2 - m12 * b1) / det;
        (a as f32, s.clamp(SENSITIVITY.0, SENSITIVITY.1) as f32)
    }

    /// The offered tension that should make this viewer read `target`.
    pub(crate) fn offer_for(&self, target: f32) -> f32 {
        let rest = self.rest as f32;
        let (a, s) = self.fit();
        rest + (target - rest - a) / s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn learns_a_viewers_sensitivity_from_lagged_responses() {
        // A viewer who feels half of what is offered, read a lag later.
        let mut r = Response::new(0.4);
        let dt = 0.25;
        let offered = |t: f64| 0.4 + 0.3 * (t / 40.0).sin() as f32;
        let mut felt = 0.4f32;
        for k in 0..2400 {
            let t = k as f64 * dt;
            r.offer(t, offered(t));
            let lagged = offered((t - RESPONSE_LAG_S).max(0.0));
            felt += (dt / RESPONSE_SMOOTHING_S) as f32 * (0.4 + 0.5 * (lagged - 0.4) - felt);
            r.observe(t, felt, 1.0, dt);
        }
        let (a, s) = r.fit();
        assert!(
            (s - 0.5).abs() < 0.08 && a.abs() < 0.03,
            "fitted a {a}, s {s}"
        );
        // To make them feel 0.6 the film offers about 0.8.
        assert!((r.offer_for(0.6) - 0.8).abs() < 0.06);
        // No signal: the prior (the director's viewer) stands.
        assert_eq!(Response::new(0.4).fit(), (0.0, 1.0));
    }
}

#[cfg(test)]
mod noise_tests {
    use super::*;
    use livingfilm_biometrics::simulate::Rng;

    /// One standard normal draw.
    fn gauss(rng: &mut Rng) -> f64 {
        let (u1, u2) = (rng.next_f64().max(1e-12), rng.next_f64());
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }

    /// |fitted − true| sensitivity after two minutes of a viewer of `s = 0.5` whose
    /// reading carries slow noise (σ 0.02, 20 s) and, with `jitter`, fast noise as the
    /// estimate's (breathing at 4 s, ±0.03, plus σ 0.02 per reading); for the fit's
    /// whitening `nc_s` and low-pass `smooth_s`.
    fn miss(nc_s: f64, smooth_s: f64, jitter: bool, seed: u64) -> f32 {
        let mut r = Response::new(0.4);
        r.noise_correlation_s = nc_s;
        r.fit_smoothing_s = smooth_s;
        let mut rng = Rng::new(seed);
        let dt = 0.25;
        let steps = [0.0, 0.15, 0.05, 0.2, 0.1, 0.25, 0.15];
        let offered = |t: f64| 0.4 + steps[((t / 20.0) as usize).min(steps.len() - 1)];
        let (mut felt, mut noise) = (0.4f32, 0.0f64);
        let phase = std::f64::consts::TAU * rng.next_f64();
        for k in 0..480 {
            let t = k as f64 * dt;
            r.offer(t, offered(t));
            let lagged = offered((t - RESPONSE_LAG_S).max(0.0));
            felt += (dt / RESPONSE_SMOOTHING_S) as f32 * (0.4 + 0.5 * (lagged - 0.4) - felt);
            noise += -dt / 20.0 * noise + 0.02 * (2.0 * dt / 20.0).sqrt() * gauss(&mut rng);
            let fast = if jitter {
                0.03 * (std::f64::consts::TAU * t / 4.0 + phase).sin() + 0.02 * gauss(&mut rng)
            } else {
                0.0
            };
            r.observe(t, felt + (noise + fast) as f32, 1.0, dt);
        }
        (r.fit().1 - 0.5).abs()
    }

    #[test]
    fn whitening_learns_through_slow_noise_better_than_ordinary_least_squares() {
        let seeds = 0..40;
        let gls: f32 = seeds
            .clone()
            .map(|k| miss(NOISE_CORRELATION_S, 0.0, false, k))
            .sum();
        let ols: f32 = seeds.map(|k| miss(0.0, 0.0, false, k)).sum();
        assert!(gls < 0.8 * ols, "whitened {gls}, ordinary {ols}");
    }

    #[test]
    fn the_low_pass_keeps_the_whitening_from_amplifying_fast_jitter() {
        let seeds = 0..40;
        let nc = NOISE_CORRELATION_S;
        let smoothed: f32 = seeds
            .clone()
            .map(|k| miss(nc, FIT_SMOOTHING_S, true, k))
            .sum();
        let raw: f32 = seeds.clone().map(|k| miss(nc, 0.0, true, k)).sum();
        assert!(smoothed < 0.7 * raw, "low-passed {smoothed}, raw {raw}");
        // On slow noise alone the low-pass costs little.
        let slow: f32 = seeds
            .clone()
            .map(|k| miss(nc, FIT_SMOOTHING_S, false, k))
            .sum();
        let slow_raw: f32 = seeds.map(|k| miss(nc, 0.0, false, k)).sum();
        assert!(slow < 1.15 * slow_raw, "low-passed {slow}, raw {slow_raw}");
    }
}

#[cfg(test)]
mod lean_tests {
    use super::*;

    #[test]
    fn a_viewer_reading_tense_whatever_is_offered_has_a_lean() {
        let mut r = Response::new(0.3);
        for k in 0..400 {
            let t = k as f64 * 0.25;
            r.offer(t, 0.5);
            r.observe(t, 0.9, 1.0, 0.25);
        }
        // Offered tension never varied, so lean and sensitivity share the blame (the
        // lean's prior is the firmer one); either way the film offers this viewer less
        // than the director's drive.
        let (a, s) = r.fit();
        assert!(a > 0.0 && s > 1.5, "lean {a}, sensitivity {s}");
        assert!(r.offer_for(0.5) < 0.4, "offers {}", r.offer_for(0.5));
    }
}
