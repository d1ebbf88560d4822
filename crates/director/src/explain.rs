//! `livingfilm explain`: why a cut is what it is, from its cut ID and the film alone.
//!
//! The ID holds only the controller's choices (no biometric value). Replaying them
//! through the controller gives every segment's branch, variant, drive offset, pacing
//! and placements, and the director's target each choice was measured against; these are
//! the figures of the viewing's decision records in `report.json`. The offset's sign says
//! which way the viewer lay from that target: the control law offers more tension to a
//! viewer who reads (or has been responding) calmer than it, less to a tenser one. The
//! viewer's own readings are not in the ID; the report keeps them for people who kept it.

use std::sync::Arc;

use super::controller::{Controller, DECISION_WINDOW_S};
use super::cut_id::{CutId, CutIdError};
use super::manifest::Film;
use crate::Estimate;
use crate::{Decision, DirectorEvent, LEAD_S};

/// Director ticks per second when replaying for an explanation.
const TICK_HZ: f64 = 4.0;

/// One segment of the cut and what its choices imply.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Explanation {
    /// The replayed decision.
    #[serde(flatten)]
    pub decision: Decision,
    /// Whether the segment played exactly as in the director's cut.
    pub default: bool,
    /// The director's target the decision compared the viewer with (the decision
    /// record's `target`).
    pub target: f32,
    /// The sentence a person reads.
    pub text: String,
}

/// Replays `cut` without biometrics and returns its decisions and its length in seconds.
/// The choice bytes come from outside (a shared link): a cut whose decisions break the
/// director's guardrails (an offset past `max_deviation`, a softened challenge, a
/// departure inside the dwell …, checked by `audit` from the rules' statement) is refused,
/// since no player of this film could have made it.
pub fn replay_decisions(film: &Arc<Film>, cut: &CutId) -> Result<(Vec<Decision>, f64), CutIdError> {
    let (decisions, end_s) = replay_unchecked(film, cut)?;
    match super::audit::violations(film, &decisions, end_s)
        .into_iter()
        .next()
    {
        Some(broken) => Err(CutIdError::BreaksGuardrails(broken)),
        None => Ok((decisions, end_s)),
    }
}

fn replay_unchecked(film: &Arc<Film>, cut: &CutId) -> Result<(Vec<Decision>, f64), CutIdError> {
    cut.check_film(&film.content_hash)?;
    let mut ctl = Controller::replaying(film.clone(), cut.decisions.clone());
    let limit = 4.0 * 3600.0 * TICK_HZ;
    for k in 0..limit as u64 {
        let t = k as f64 / TICK_HZ;
        let est = Estimate {
            t,
            tension: 0.0,
            confidence: 0.0,
        };
        let step = ctl.tick(&est, 1.0 / TICK_HZ);
        for e in step.events {
            if let DirectorEvent::End { duration_s } = e {
                return Ok((ctl.decisions().to_vec(), duration_s));
            }
        }
    }
    Ok((ctl.decisions().to_vec(), limit / TICK_HZ))
}

/// Explains every segment of `cut` in `film`; refuses an ID made for another version.
pub fn explain(film: &Film, cut: &CutId) -> Result<Vec<Explanation>, CutIdError> {
    let film = Arc::new(film.clone());
    let (decisions, _) = replay_decisions(&film, cut)?;
    Ok(decisions
        .into_iter()
        .map(|d| {
            let seg = &film.segments[d.segment];
            let v = &seg.variants[d.variant];
            let target = d.target;
            let mut text = format!(
                "{:>7.2}s  `{}`: `{}` (intensity {:.2})",
                d.t, seg.id, v.id, v.intensity
            );
            if d.branched {
                text += ", a branch away from the director's path";
            }
            let window = format!("the director's target {target:.2} over the {DECISION_WINDOW_S:.0} s before");
            let why = if seg.protected {
                format!("protected: the director's cut; {window}")
            } else if d.offset != 0.0 {
                let (more, calmer) = if d.offset > 0.0 {
                    ("more", "calmer")
                } else {
                    ("less", "tenser")
                };
                format!(
                    "drive {:+.2}: offered {more} tension than {window}, as this viewer read {calmer} than it or has been responding {calmer} than offered",
                    d.offset
                )
            } else if d.anticipates {
                format!("steered at drive +0.00 (the viewer read near {window}, or the guardrails left no room)")
            } else {
                format!("the director's drive (weak signal, the director's cut, or held by a guardrail); {window}")
            };
            text += &format!(" — {why}");
            if d.anticipates {
                text += &format!(
                    "; the curve {LEAD_S:.0} s ahead (felt a lag later), slope x{:.2}",
                    d.slope
                );
            } else if d.offset != 0.0 {
                text += "; the curve as written (predicted closer than ahead)";
            }
            if (d.pace - 1.0).abs() > 1e-6 {
                text += &format!(", paced x{:.2}", d.pace);
            }
            for (slot, item) in &d.placements {
                text += &format!(", {slot}: {}", item.as_deref().unwrap_or("empty"));
            }
            Explanation {
                default: d.is_directors(),
                target,
                text,
                decision: d,
            }
        })
        .collect())
}
