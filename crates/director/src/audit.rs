//! Checks a delivered cut against the director's guardrails, from its decisions alone.
//!
//! Written from the rules' statement (docs/film-manifest.md, "Guardrails"), not from the
//! code that enforces them, so harnesses and tests can count violations independently.

use super::manifest::Film;
use crate::Decision;

const EPS: f32 = 1e-4;

/// Growth of |offset| from `prev` to `next` (a sign change departs from zero).
fn departure(prev: f32, next: f32) -> f32 {
    if prev == 0.0 || prev.signum() == next.signum() {
        (next.abs() - prev.abs()).max(0.0)
    } else {
        next.abs()
    }
}

/// Every guardrail the cut `decisions` (ending at `end_s`) breaks, as sentences.
pub fn violations(film: &Film, decisions: &[Decision], end_s: f64) -> Vec<String> {
    let g = film.guardrails;
    let fps = film.info.fps as f64;
    let mut out = Vec::new();
    let mut visits = vec![0u32; film.segments.len()];
    let mut departures: Vec<(f64, f32)> = Vec::new();
    let mut prev = 0.0f32;
    for (k, d) in decisions.iter().enumerate() {
        let Some(seg) = film.segments.get(d.segment) else {
            out.push(format!("{:.2}s: no segment {}", d.t, d.segment));
            continue;
        };
        let at = format!("{:.2}s `{}`", d.t, seg.id);
        if ((d.t * fps).round() - d.t * fps).abs() > 1e-6 {
            out.push(format!("{at}: cut between frames"));
        }
        if d.offset.abs() > g.max_deviation + EPS {
            out.push(format!(
                "{at}: offset {:+.3} beyond max_deviation {}",
                d.offset, g.max_deviation
            ));
        }
        if seg.protected && (d.variant != 0 || d.offset != 0.0 || d.pace != 1.0) {
            out.push(format!("{at}: protected segment altered"));
        }
        if seg.challenge
            && (d.offset < 0.0 || seg.variants[d.variant].intensity < seg.variants[0].intensity)
        {
            out.push(format!("{at}: challenge segment softened"));
        }
        if d.pace < seg.pacing[0] - EPS || d.pace > seg.pacing[1] + EPS {
            out.push(format!("{at}: pace {} outside {:?}", d.pace, seg.pacing));
        }
        if d.branched && visits[d.segment] >= seg.max_visits {
            out.push(format!("{at}: branched into beyond max_visits"));
        }
        visits[d.segment] += 1;
        let inc = departure(prev, d.offset);
        if inc > 1e-6 {
            if let Some(&(last, _)) = departures.last() {
                if d.t - last < g.min_dwell_s - 1e-6 {
                    out.push(format!(
                        "{at}: departure {:.2}s after the previous one (min_dwell_s {})",
                        d.t - last,
                        g.min_dwell_s
                    ));
                }
            }
            departures.push((d.t, inc));
            let used: f32 = departures
                .iter()
                .filter(|(t, _)| *t > d.t - 60.0)
                .map(|(_, x)| x)
                .sum();
            if used > g.max_adaptation_per_min + EPS {
                out.push(format!(
                    "{at}: {used:.3} of departures within a minute (max {})",
                    g.max_adaptation_per_min
                ));
            }
        }
        if d.offset != 0.0 {
            let start = decisions[..=k]
                .iter()
                .rev()
                .take_while(|e| e.offset != 0.0 && e.offset.signum() == d.offset.signum())
                .last()
                .map_or(d.t, |e| e.t);
            let end = decisions.get(k + 1).map_or(end_s, |e| e.t);
            if end - start > g.max_one_sided_s + 1e-6 {
                out.push(format!(
                    "{at}: one-sided from {start:.2}s to {end:.2}s (max_one_sided_s {})",
                    g.max_one_sided_s
                ));
            }
        }
        prev = d.offset;
    }
    out
}
