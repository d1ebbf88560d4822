//! `livingfilm explain`: why a cut is what it is, from its cut ID and the film alone.
//!
//! The ID holds only the chosen variant per decision point (no biometric value), but the
//! controller's rule is public: it picks the variant whose intensity is closest to the
//! drive `target + GAIN·(target − tension)`. So each choice pins the viewer's tension at
//! that point to an interval, which is what the explanation reports. The session report
//! (`report.json`) has the exact figures for people who kept it.

use super::controller::GAIN;
use super::cut_id::{CutId, CutIdError};
use super::manifest::Film;

/// One decision point and what its choice implies.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Explanation {
    /// Segment index.
    pub segment: usize,
    /// Segment id.
    pub segment_id: String,
    /// Chosen variant id.
    pub variant_id: String,
    /// Whether it is the director's default (first) variant.
    pub default: bool,
    /// Tension interval the choice implies (0..1), given the segment's target.
    pub tension: [f32; 2],
    /// The director's target tension for the segment.
    pub target: f32,
    /// The sentence a person reads.
    pub text: String,
}

/// Explains every decision of `cut` in `film`; refuses an ID made for another version.
pub fn explain(film: &Film, cut: &CutId) -> Result<Vec<Explanation>, CutIdError> {
    cut.check_film(&film.content_hash)?;
    let mut out = Vec::new();
    let decision_points = film
        .segments
        .iter()
        .enumerate()
        .filter(|(_, s)| s.variants.len() >= 2);
    for (k, (si, seg)) in decision_points.enumerate() {
        let Some(&chosen) = cut.decisions.get(k) else {
            break; // the viewing ended before this point
        };
        let v = (chosen as usize).min(seg.variants.len() - 1);
        let me = seg.variants[v].intensity;
        // The drive interval in which this variant is the closest one.
        let others = seg.variants.iter().enumerate().filter(|(i, _)| *i != v);
        let below = others
            .clone()
            .map(|(_, o)| o.intensity)
            .filter(|&x| x < me)
            .fold(f32::NAN, f32::max);
        let above = others
            .map(|(_, o)| o.intensity)
            .filter(|&x| x > me)
            .fold(f32::NAN, f32::min);
        let lo = if below.is_nan() {
            0.0
        } else {
            (below + me) / 2.0
        };
        let hi = if above.is_nan() {
            1.0
        } else {
            (me + above) / 2.0
        };
        let target = seg.target_tension;
        // drive = target + GAIN·(target − tension)  ⇒  tension = target − (drive − target)/GAIN
        let t_of = |drive: f32| (target - (drive - target) / GAIN).clamp(0.0, 1.0);
        let tension = [t_of(hi), t_of(lo)];
        let relation = if tension[1] < target {
            "below"
        } else if tension[0] > target {
            "above"
        } else {
            "around"
        };
        let mut text = format!(
            "segment {si} `{}`: `{}` (intensity {me:.2}) — tension {:.2}..{:.2}, {relation} the target {target:.2}",
            seg.id, seg.variants[v].id, tension[0], tension[1]
        );
        if v == 0 {
            text += "; the director's default, also played whenever the signal was too weak";
        }
        out.push(Explanation {
            segment: si,
            segment_id: seg.id.clone(),
            variant_id: seg.variants[v].id.clone(),
            default: v == 0,
            tension,
            target,
            text,
        });
    }
    Ok(out)
}
