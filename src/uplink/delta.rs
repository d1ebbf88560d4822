//! The instructional-metadata contract: what may go upstream, and how it is quantised.

use serde::Serialize;

use super::SegmentSummary;

/// Schema name and version carried by every batch.
pub const SCHEMA: &str = "livingfilm.instructional-metadata/1";
/// Segments whose mean confidence is below this are not reported.
pub const MIN_CONFIDENCE: f32 = 0.5;

/// One segment's tension relative to the director's target, quantised.
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

/// One upload: the deltas of one viewing under a pseudonym that is never reused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Batch {
    /// Always [`SCHEMA`].
    pub schema: &'static str,
    /// Film id from the manifest.
    pub film_id: String,
    /// Film version (content hash prefix).
    pub film_version: String,
    /// Random per-viewing pseudonym (64 bits, hex); not linked to the device.
    pub viewing: String,
    /// The records.
    pub records: Vec<Delta>,
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
