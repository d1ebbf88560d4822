//! The instructional-metadata contract: what may go upstream, and how it is quantised.

use serde::{Deserialize, Serialize};

use super::SegmentSummary;

/// Schema name and version carried by every batch and record.
pub const SCHEMA: &str = "livingfilm.instructional-metadata/2";
/// Segments whose mean confidence is below this are not reported.
pub const MIN_CONFIDENCE: f32 = 0.5;

/// One segment's tension relative to the director's target, quantised (never sent as
/// is: it goes through randomized response first, see [`super::ldp`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Delta {
    /// Segment id from the manifest.
    pub segment: String,
    /// Variant id that played.
    pub variant: String,
    /// Mean estimated tension minus the director's target, in percentage points,
    /// rounded to the nearest 10 and clamped to ±100.
    pub tension_delta_pct: i32,
}

/// One record as it leaves the device: everything in it is on this list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Record {
    /// Film id from the manifest.
    pub film_id: String,
    /// Film version (content hash prefix).
    pub film_version: String,
    /// Segment id. (Which take played is not sent: the controller chose it from the
    /// viewer's tension, so it would leak what the noise protects.)
    pub segment: String,
    /// The randomized tension delta: −100 (calmer than intended) or +100 (tenser);
    /// see [`super::ldp`].
    pub tension_delta_pct: i32,
    /// The ε this record was randomized with.
    pub epsilon: f64,
    /// Random per-viewing pseudonym (64 bits, hex); never reused, not linked to the device.
    pub viewing: String,
    /// Random record id (64 bits, hex), for de-duplication of at-least-once delivery.
    pub record: String,
}

/// What a collector receives.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Batch {
    /// Always [`SCHEMA`].
    pub schema: String,
    /// The records.
    pub records: Vec<Record>,
}

/// The delta for a finished segment, or `None` if the signal was too weak to say.
pub fn quantize(s: &SegmentSummary) -> Option<Delta> {
    let mean = s.mean_tension.filter(|m| m.is_finite())?;
    if s.confidence < MIN_CONFIDENCE {
        return None;
    }
    let pct = ((mean - s.target) * 100.0 / 10.0).round() as i32 * 10;
    Some(Delta {
        segment: s.segment_id.clone(),
        variant: s.variant_id.clone(),
        tension_delta_pct: pct.clamp(-100, 100),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(mean: Option<f32>, confidence: f32) -> SegmentSummary {
        SegmentSummary {
            segment: 2,
            segment_id: "chase".into(),
            variant_id: "long".into(),
            target: 0.5,
            mean_tension: mean,
            confidence,
        }
    }

    #[test]
    fn quantises_to_ten_point_steps() {
        assert_eq!(
            quantize(&summary(Some(0.71), 0.9))
                .unwrap()
                .tension_delta_pct,
            20
        );
        assert_eq!(
            quantize(&summary(Some(0.34), 0.9))
                .unwrap()
                .tension_delta_pct,
            -20
        );
        assert_eq!(
            quantize(&summary(Some(0.5), 0.9))
                .unwrap()
                .tension_delta_pct,
            0
        );
        assert_eq!(quantize(&summary(Some(0.5), 0.2)), None);
        assert_eq!(quantize(&summary(None, 0.9)), None);
    }
}
