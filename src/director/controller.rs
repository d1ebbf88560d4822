//! Closed-loop steering: from the tension estimate to a drive inside the director's bounds.
//!
//! The *drive* (0..1) is the one control signal: `target + GAIN·(target − tension)`,
//! clamped, where `tension` is the confidence-gated, smoothed estimate. A calm viewer
//! in a scene meant to be tense gets a stronger drive (harsher grade, denser score,
//! the more intense variant at the next decision point); a tense viewer in a quiet
//! scene gets a gentler one. Without confident signal the drive is the director's
//! target and decisions take the default variant.

use std::collections::VecDeque;
use std::sync::Arc;

use super::manifest::Film;
use crate::inference::Estimate;

/// Estimates older than this before a decision point do not influence it, seconds.
pub const DECISION_WINDOW_S: f64 = 4.0;
/// Below this (smoothed) confidence the controller uses the director's defaults.
const MIN_CONFIDENCE: f32 = 0.3;
/// Loop gain of the drive.
pub(crate) const GAIN: f32 = 1.0;
/// Time constant of the tension smoothing, seconds.
const SMOOTHING_S: f64 = 2.0;

/// What the render and audio stages do at one instant.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Directive {
    /// Viewing time this directive takes effect, seconds.
    pub t: f64,
    /// Index of the current segment in the film.
    pub segment: usize,
    /// Index of the variant playing in that segment.
    pub variant: usize,
    /// Viewing time at which the segment started, seconds.
    pub segment_start: f64,
    /// Control signal 0..1 (see module docs).
    pub drive: f32,
    /// Weight of each grade look, inside the authored ranges (unused slots 0).
    pub look_weights: [f32; super::MAX_LOOKS],
    /// Music intensity, inside the film's range.
    pub music_intensity: f32,
    /// Fog density, inside the variant's range.
    pub fog: f32,
    /// Smoothed tension estimate (for reports; not raw biometrics).
    pub tension: f32,
    /// Smoothed confidence of that estimate.
    pub confidence: f32,
}

/// What the render and audio stages receive from the director, in time order.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum DirectorEvent {
    /// Parameters from `t` on.
    Directive(Directive),
    /// The film ends at this viewing time.
    End { duration_s: f64 },
}

/// One choice at a decision point, with the reason a person can read.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Decision {
    /// Segment index.
    pub segment: usize,
    /// Segment id.
    pub segment_id: String,
    /// Chosen variant index.
    pub variant: usize,
    /// Chosen variant id.
    pub variant_id: String,
    /// Viewing time of the cut, seconds.
    pub t: f64,
    /// Why: the numbers the choice was based on.
    pub reason: String,
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
    /// Director's target tension.
    pub target: f32,
    /// Confidence-weighted mean tension estimate, if any signal was confident.
    pub mean_tension: Option<f32>,
    /// Mean confidence over the segment.
    pub confidence: f32,
}

/// Result of one controller tick.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// The event for render and audio.
    pub event: DirectorEvent,
    /// A decision taken at this tick.
    pub decision: Option<Decision>,
    /// A segment that ended at this tick.
    pub finished: Option<SegmentSummary>,
}

#[derive(Default)]
struct Accum {
    weighted: f64,
    weight: f64,
    conf_sum: f64,
    n: u32,
}

/// The director's controller for one viewing.
pub struct Controller {
    film: Arc<Film>,
    forced: Option<Vec<u8>>,
    segment: usize,
    variant: usize,
    segment_start: f64,
    tension: Option<f32>,
    confidence: f32,
    recent: VecDeque<Estimate>,
    accum: Accum,
    decisions: Vec<Decision>,
    ended: bool,
}

impl Controller {
    /// A controller at the start of `film`.
    pub fn new(film: Arc<Film>) -> Self {
        let mut c = Self {
            film,
            forced: None,
            segment: 0,
            variant: 0,
            segment_start: 0.0,
            tension: None,
            confidence: 0.0,
            recent: VecDeque::new(),
            accum: Accum::default(),
            decisions: Vec::new(),
            ended: false,
        };
        c.variant = c.decide(0.0).map_or(0, |d| d.variant);
        c
    }

    /// A controller that replays recorded decisions (one variant index per decision point).
    pub fn replaying(film: Arc<Film>, decisions: Vec<u8>) -> Self {
        let mut c = Self::new(film);
        c.forced = Some(decisions);
        c.decisions.clear();
        c.variant = c.decide(0.0).map_or(0, |d| d.variant);
        c
    }

    /// Decisions taken so far, in order.
    pub fn decisions(&self) -> &[Decision] {
        &self.decisions
    }

    /// Variant indices of all decisions so far (the variable part of the cut ID).
    pub fn decision_bytes(&self) -> Vec<u8> {
        self.decisions.iter().map(|d| d.variant as u8).collect()
    }

    fn decide(&mut self, t: f64) -> Option<Decision> {
        let seg = &self.film.segments[self.segment];
        if seg.variants.len() < 2 {
            return None;
        }
        let n_prior = self.decisions.len();
        let (variant, reason) = if let Some(forced) = &self.forced {
            let v = forced.get(n_prior).copied().unwrap_or(0) as usize;
            (
                v.min(seg.variants.len() - 1),
                "replayed from cut ID".to_owned(),
            )
        } else {
            let (mut w, mut sum, mut conf) = (0.0f64, 0.0f64, 0.0f64);
            for e in self.recent.iter().filter(|e| e.t > t - DECISION_WINDOW_S) {
                sum += (e.tension * e.confidence) as f64;
                w += e.confidence as f64;
                conf += e.confidence as f64;
            }
            let n = self
                .recent
                .iter()
                .filter(|e| e.t > t - DECISION_WINDOW_S)
                .count()
                .max(1);
            let mean_conf = (conf / n as f64) as f32;
            let target = seg.target_tension;
            if mean_conf < MIN_CONFIDENCE || w <= 0.0 {
                (0, format!("signal confidence {mean_conf:.2} below {MIN_CONFIDENCE}: director's default"))
            } else {
                let measured = (sum / w) as f32;
                let drive = (target + GAIN * (target - measured)).clamp(0.0, 1.0);
                let best = seg
                    .variants
                    .iter()
                    .enumerate()
                    .min_by(|a, b| {
                        let da = (a.1.intensity - drive).abs();
                        let db = (b.1.intensity - drive).abs();
                        da.total_cmp(&db)
                    })
                    .map_or(0, |(i, _)| i);
                (
                    best,
                    format!(
                        "tension {measured:.2} vs target {target:.2} -> drive {drive:.2}; intensity {:.2} is closest",
                        seg.variants[best].intensity
                    ),
                )
            }
        };
        let d = Decision {
            segment: self.segment,
            segment_id: seg.id.clone(),
            variant,
            variant_id: seg.variants[variant].id.clone(),
            t,
            reason,
        };
        self.decisions.push(d.clone());
        Some(d)
    }

    fn summary(&self) -> SegmentSummary {
        let seg = &self.film.segments[self.segment];
        let a = &self.accum;
        SegmentSummary {
            segment: self.segment,
            segment_id: seg.id.clone(),
            variant_id: seg.variants[self.variant].id.clone(),
            target: seg.target_tension,
            mean_tension: (a.weight > 0.0).then(|| (a.weighted / a.weight) as f32),
            confidence: if a.n == 0 {
                0.0
            } else {
                (a.conf_sum / a.n as f64) as f32
            },
        }
    }

    /// Advances to the estimate's time and returns what to do from then on.
    pub fn tick(&mut self, est: &Estimate, dt: f64) -> Step {
        let t = est.t;
        let mut decision = None;
        let mut finished = None;
        if !self.ended {
            let dur = self.film.segments[self.segment].variants[self.variant].duration_s;
            if t >= self.segment_start + dur - 1e-9 {
                finished = Some(self.summary());
                self.accum = Accum::default();
                self.segment_start += dur;
                if self.segment + 1 < self.film.segments.len() {
                    self.segment += 1;
                    decision = self.decide(t);
                    self.variant = decision.as_ref().map_or(0, |d| d.variant);
                } else {
                    self.ended = true;
                }
            }
        }
        if self.ended {
            return Step {
                event: DirectorEvent::End {
                    duration_s: self.segment_start,
                },
                decision,
                finished,
            };
        }

        let alpha = (dt / (SMOOTHING_S + dt)) as f32;
        let valid = est.confidence > 0.0 && est.tension.is_finite();
        if valid {
            self.tension = Some(match self.tension {
                Some(s) => s + alpha * (est.tension - s),
                None => est.tension,
            });
            self.accum.weighted += (est.tension * est.confidence) as f64;
            self.accum.weight += est.confidence as f64;
        }
        let conf_in = if valid { est.confidence } else { 0.0 };
        self.confidence += alpha * (conf_in - self.confidence);
        self.accum.conf_sum += conf_in as f64;
        self.accum.n += 1;
        self.recent.push_back(*est);
        while self
            .recent
            .front()
            .is_some_and(|e| e.t <= t - DECISION_WINDOW_S)
        {
            self.recent.pop_front();
        }

        let seg = &self.film.segments[self.segment];
        let v = &seg.variants[self.variant];
        let target = seg.target_tension;
        let drive = match self.tension {
            Some(s) if self.confidence >= MIN_CONFIDENCE && self.forced.is_none() => {
                (target + GAIN * (target - s)).clamp(0.0, 1.0)
            }
            _ => target,
        };
        let lerp = |r: [f32; 2]| r[0] + (r[1] - r[0]) * drive;
        Step {
            event: DirectorEvent::Directive(Directive {
                t,
                segment: self.segment,
                variant: self.variant,
                segment_start: self.segment_start,
                drive,
                look_weights: self.film.grade.weights(drive),
                music_intensity: lerp(self.film.music.intensity),
                fog: lerp(v.fog),
                tension: self.tension.unwrap_or(target),
                confidence: self.confidence,
            }),
            decision,
            finished,
        }
    }
}
