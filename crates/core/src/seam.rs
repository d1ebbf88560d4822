//! The types that pass between the stages: what each stage takes in and gives out.
//!
//! They live here, below every stage, so that a stage names its neighbours' messages
//! without depending on the neighbour: inference reads [`Features`] without biometrics,
//! render and audio read [`Directive`]s without the director, the uplink reads
//! [`SegmentSummary`]s without either.

use crate::manifest::{MAX_LOOKS, MAX_PLACEMENT_SLOTS};

/// How far ahead a steered segment follows the director's curve, seconds (the
/// viewer's typical response lag).
pub const LEAD_S: f64 = 6.0;

/// One timestamped raw reading from a sensor, in viewing time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sample {
    /// Seconds since the start of the viewing.
    pub t: f64,
    /// What was measured.
    pub reading: Reading,
}

/// A raw physiological measurement; never leaves the device.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Reading {
    /// Interval between two heartbeats, in milliseconds (ends at `t`).
    Rr { ms: f64 },
    /// Heart rate as reported by a sensor without beat-to-beat data, in bpm.
    Hr { bpm: f64 },
    /// Pupil diameter from an eye tracker, in millimetres (0 or less during a blink).
    Pupil { mm: f64 },
}

/// Features at one instant: what the inference stage consumes. Derived values only.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Features {
    /// Viewing time, seconds.
    pub t: f64,
    /// Heart rate over the window, bpm.
    pub hr_bpm: f32,
    /// RMSSD over the window, ms (0 when the source gives no RR intervals).
    pub rmssd_ms: f32,
    /// HR minus the viewer's baseline HR, bpm.
    pub hr_delta_bpm: f32,
    /// ln(RMSSD / baseline RMSSD); 0 when unknown.
    pub rmssd_ln_ratio: f32,
    /// Confidence in the heart features 0..1 (0 = no sensor data); the model's input.
    pub quality: f32,
    /// Time-domain HRV over the short window and [`LONG_WINDOWS_S`].
    pub hrv: [HrvStats; 3],
    /// Confidence in the HRV statistics 0..1.
    pub hrv_confidence: f32,
    /// Pupil diameter over the last second, mm (0 when unknown).
    pub pupil_mm: f32,
    /// Pupil diameter as a z-score against the calibration period (0 when unknown).
    pub pupil_z: f32,
    /// Confidence in the pupil features 0..1.
    pub pupil_confidence: f32,
    /// Beats rejected by the online gate so far.
    pub rejected_beats: u32,
}

/// Window statistics; all zero with fewer than two beats.
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize)]
pub struct HrvStats {
    /// NN intervals in the window.
    pub n: u32,
    /// Mean NN interval, ms.
    pub mean_nn_ms: f64,
    /// Sample standard deviation of NN, ms.
    pub sdnn_ms: f64,
    /// Root mean square of successive differences, ms.
    pub rmssd_ms: f64,
    /// Percentage of successive differences above 50 ms, per NN interval.
    pub pnn50_pct: f64,
    /// 60000 / MeanNN, bpm.
    pub hr_bpm: f64,
}

/// The on-device tension estimate at one instant.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    /// Viewing time, seconds.
    pub t: f64,
    /// Estimated tension 0 (relaxed) ..1 (very tense).
    pub tension: f32,
    /// How much to trust `tension`, 0..1 (0 = no usable signal).
    pub confidence: f32,
}

/// What the render and audio stages do at one instant.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Directive {
    /// Viewing time this directive takes effect, seconds.
    pub t: f64,
    /// Index of the current segment in the film.
    pub segment: usize,
    /// Index of the variant playing in that segment.
    pub variant: usize,
    /// Viewing time at which the segment started (a frame boundary), seconds.
    pub segment_start: f64,
    /// Length of the segment after pacing (whole frames), seconds.
    pub segment_duration: f64,
    /// Control signal 0..1: the director's drive plus the offset.
    pub drive: f32,
    /// Weight of each grade look, inside the authored ranges (unused slots 0).
    pub look_weights: [f32; MAX_LOOKS],
    /// Music intensity, inside the segment's range.
    pub music_intensity: f32,
    /// Fog density, inside the variant's range.
    pub fog: f32,
    /// Rain 0..1, inside the variant's range.
    pub rain: f32,
    /// Snow 0..1, inside the variant's range.
    pub snow: f32,
    /// Strength of the variant's key light, inside its range (0 without one).
    pub key_light: f32,
    /// Item index shown in each of the segment's placement slots (255: left empty).
    pub placements: [u8; MAX_PLACEMENT_SLOTS],
    /// Exposure, inside the variant's range.
    pub exposure: f32,
    /// Smoothed tension estimate (for reports; not raw biometrics).
    pub tension: f32,
    /// Smoothed confidence of that estimate.
    pub confidence: f32,
}

/// What the render and audio stages receive from the director, in time order.
#[derive(Debug, Clone, PartialEq)]
pub enum DirectorEvent {
    /// Parameters from `t` on.
    Directive(Directive),
    /// The segments one of which follows the current one: load their assets now.
    Preload {
        /// Viewing time of the announcement.
        t: f64,
        /// Segment indices, the director's choice first.
        segments: Vec<usize>,
    },
    /// The film ends at this viewing time.
    End { duration_s: f64 },
}

/// The choices made at the start of one segment, with the reason a person can read.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Decision {
    /// Segment index.
    pub segment: usize,
    /// Segment id.
    pub segment_id: String,
    /// Whether this segment was a non-default branch of the previous one.
    pub branched: bool,
    /// Chosen variant index.
    pub variant: usize,
    /// Chosen variant id.
    pub variant_id: String,
    /// Drive offset from the director's drive, as applied (after the guardrails).
    pub offset: f32,
    /// The director's target tension over the decision window before `t` (the mean of
    /// the curve at the ticks): what the viewer's tension was compared with. It depends
    /// on the film and the cut alone, so a replay finds the same figure.
    pub target: f32,
    /// Pacing factor applied to the variant's duration.
    pub pace: f32,
    /// Whether the drive follows the director's curve [`LEAD_S`] ahead, so the viewer
    /// feels it on time.
    pub anticipates: bool,
    /// Scale on the curve's slope around the segment's mean while anticipating (1 when
    /// not), so a viewer who feels more or less than offered feels the director's slope.
    pub slope: f32,
    /// Item shown in each placement slot (`None`: left empty).
    pub placements: Vec<(String, Option<String>)>,
    /// Viewing time of the cut, seconds.
    pub t: f64,
    /// Why: the numbers the choice was based on, and any guardrail that applied.
    pub reason: String,
}

impl Decision {
    /// Whether the segment plays exactly as in the director's cut.
    pub fn is_directors(&self) -> bool {
        self.plays_directors_take() && self.offset == 0.0 && !self.anticipates
    }

    /// Whether the director's take plays (and, after a branch point, the director's
    /// branch), whatever the intensity it is played at: what a viewer calls "the same
    /// scene".
    pub fn plays_directors_take(&self) -> bool {
        !self.branched && self.variant == 0
    }
}

/// The viewer's response over one finished segment (derived values only).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SegmentSummary {
    /// Segment index.
    pub segment: usize,
    /// Segment id.
    pub segment_id: String,
    /// Variant id that played.
    pub variant_id: String,
    /// Director's mean target tension.
    pub target: f32,
    /// Confidence-weighted mean tension estimate, if any signal was confident.
    pub mean_tension: Option<f32>,
    /// Mean confidence over the segment.
    pub confidence: f32,
}
