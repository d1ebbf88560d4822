//! The director's limits, applied to every proposed drive offset before it is used.
//!
//! The controller adapts through one number per segment, the *offset* of the drive from
//! the director's drive. Moving the offset away from zero is a *departure* (the viewer
//! sees less of the director's cut); moving it back towards zero is always allowed. The
//! rules, in the order they apply (docs/film-manifest.md, "Guardrails"):
//!
//! 1. a protected segment plays the director's cut (offset 0);
//! 2. `|offset| <= max_deviation`;
//! 3. steps smaller than `hysteresis` are not taken (no flip-flopping on noise);
//! 4. in a `challenge` segment the offset is never negative (never softer);
//! 5. departures are at least `min_dwell_s` apart;
//! 6. departures add at most `max_adaptation_per_min` of |offset| in any 60 s;
//! 7. an offset may keep one sign for at most `max_one_sided_s` (anti-echo-chamber): then
//!    the director's cut plays again, whatever the viewer's comfort.
//!
//! The result is quantized towards zero to the cut ID's resolution (127 steps per side).

use std::collections::VecDeque;

use super::manifest::{Guardrails, Segment};

/// Steps of offset per side in the cut ID.
pub(crate) const OFFSET_STEPS: f32 = 127.0;
/// Window of the adaptation budget, seconds.
pub(crate) const BUDGET_WINDOW_S: f64 = 60.0;

/// What the rules made of a proposal.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Ruling {
    /// Quantized offset step (−127..=127 of `max_deviation`).
    pub step: i8,
    /// Which rule changed the proposal last, for the why-log.
    pub note: Option<&'static str>,
    /// The segment must play the director's take (protected, dwelling, or anti-echo).
    pub frozen: bool,
}

/// The state the rules need across decisions of one viewing.
#[derive(Debug, Clone)]
pub(crate) struct Guard {
    g: Guardrails,
    last_departure: Option<f64>,
    increases: VecDeque<(f64, f32)>,
    /// Sign and start time of the current one-sided run.
    run: Option<(i8, f64)>,
}

fn sign(x: f32) -> i8 {
    if x > 0.0 {
        1
    } else if x < 0.0 {
        -1
    } else {
        0
    }
}

/// Growth of |offset| from `prev` to `next` (a sign change departs from zero).
pub(crate) fn increase(prev: f32, next: f32) -> f32 {
    if sign(prev) == sign(next) || prev == 0.0 {
        (next.abs() - prev.abs()).max(0.0)
    } else {
        next.abs()
    }
}

impl Guard {
    pub(crate) fn new(g: Guardrails) -> Self {
        Self {
            g,
            last_departure: None,
            increases: VecDeque::new(),
            run: None,
        }
    }

    /// The offset of a quantized step.
    pub(crate) fn offset_of(&self, step: i8) -> f32 {
        step as f32 * self.g.max_deviation / OFFSET_STEPS
    }

    fn quantize(&self, offset: f32) -> i8 {
        if self.g.max_deviation <= 0.0 {
            return 0;
        }
        let q = offset / self.g.max_deviation * OFFSET_STEPS;
        let q = if (q - q.round()).abs() < 1e-3 {
            q.round()
        } else {
            q.trunc()
        };
        q.clamp(-OFFSET_STEPS, OFFSET_STEPS) as i8
    }

    /// Applies the rules to `wanted` for `seg` starting at `t` after an offset of `prev`;
    /// `longest_s` bounds how long the segment can last. Does not change the state.
    pub(crate) fn rule(
        &self,
        t: f64,
        prev: f32,
        wanted: f32,
        seg: &Segment,
        longest_s: f64,
    ) -> Ruling {
        let g = &self.g;
        let mut note = None;
        let mut set = |o: &mut f32, v: f32, why: &'static str| {
            if *o != v {
                *o = v;
                note = Some(why);
            }
        };
        if seg.protected {
            return Ruling {
                step: 0,
                note: Some("protected segment: the director's cut"),
                frozen: true,
            };
        }
        let mut o = wanted;
        set(
            &mut o,
            wanted.clamp(-g.max_deviation, g.max_deviation),
            "limited to the maximum deviation",
        );
        if (o - prev).abs() < g.hysteresis {
            set(&mut o, prev, "step below the hysteresis: held");
        }
        if seg.challenge && o < 0.0 {
            set(&mut o, 0.0, "challenge segment: never softened");
        }
        let departing = increase(prev, o) > 1e-6;
        let dwelling = self
            .last_departure
            .is_some_and(|at| t - at < g.min_dwell_s - 1e-9);
        let mut frozen = false;
        if departing && dwelling {
            frozen = true;
            let held = if sign(prev) == sign(o) { prev } else { 0.0 };
            let held = if seg.challenge { held.max(0.0) } else { held };
            set(&mut o, held, "within the minimum dwell: held");
        }
        let inc = increase(prev, o);
        if inc > 0.0 {
            let used: f32 = self
                .increases
                .iter()
                .filter(|(at, _)| *at > t - BUDGET_WINDOW_S)
                .map(|(_, x)| x)
                .sum();
            let left = (g.max_adaptation_per_min - used).max(0.0);
            if inc > left {
                let base = if sign(prev) == sign(o) {
                    prev.abs()
                } else {
                    0.0
                };
                let limited = (base + left).copysign(o);
                set(&mut o, limited, "adaptation budget per minute");
            }
        }
        let s = sign(o);
        if s != 0 {
            let start = match self.run {
                Some((rs, at)) if rs == s => at,
                _ => t,
            };
            if t + longest_s - start > g.max_one_sided_s + 1e-9 {
                frozen = true;
                set(
                    &mut o,
                    0.0,
                    "anti-echo rule: back to the director's cut after a one-sided run",
                );
            }
        }
        Ruling {
            step: self.quantize(o),
            note,
            frozen,
        }
    }

    /// Records the offset chosen at `t` (after `prev`).
    pub(crate) fn commit(&mut self, t: f64, prev: f32, offset: f32) {
        let inc = increase(prev, offset);
        if inc > 1e-6 {
            self.last_departure = Some(t);
            self.increases.push_back((t, inc));
        }
        while self
            .increases
            .front()
            .is_some_and(|(at, _)| *at <= t - BUDGET_WINDOW_S)
        {
            self.increases.pop_front();
        }
        let s = sign(offset);
        self.run = match self.run {
            _ if s == 0 => None,
            Some((rs, at)) if rs == s => Some((rs, at)),
            _ => Some((s, t)),
        };
    }
}
