//! Closed-loop steering: the director's target tension curve tracked from the estimate
//! stream, inside the director's bounds.
//!
//! The one control signal is the *drive* (0..1). The director's cut plays the drive
//! `target(t)`; the controller adds one *offset* per segment, chosen at the segment's
//! start (a frame boundary). What it wants for a segment is the gap between the
//! director's mean target and the tension this viewer needs to be *offered* to feel it,
//! from the online fit of how they respond ([`response`](super::response)); while the
//! fit rests on little signal, it leans on the error in hand (`target − tension` over
//! the last [`DECISION_WINDOW_S`], gain [`DIRECT_GAIN`]), weighting the two by the
//! seconds of signal seen, `e`: the fit's weight is `e² / (e² + EVIDENCE_HALF_S²)`, so a
//! fit from a few seconds (its sensitivity rests on slight changes in what was offered)
//! counts little and a fit from a minute counts nearly alone. The [guardrails](super::guardrails)
//! then bound it. A take other than the director's carries `VARIANT_WEIGHT` of its
//! intensity difference and is chosen when it gets closer to what is wanted, in the
//! offset's direction, by more than the hysteresis; branches and placements follow the
//! offset by intensity. A steered segment's *shape* is the director's curve as written,
//! or the curve [`LEAD_S`] ahead (the viewer feels it a lag later) with its slope around
//! the segment's mean scaled by the inverse of the learned sensitivity (so this viewer
//! feels the director's slope): whichever the fit predicts closer to the target. Pacing
//! follows the offset (harsher = shorter, softer = longer, inside the segment's range);
//! grade weights, music intensity, fog and exposure follow the drive inside their
//! ranges. Without confident signal, or when the viewer chose
//! the director's cut, the offset returns to zero and every choice is the director's.
//!
//! Every choice is a byte of the cut ID, so a replay forces the same bytes through the
//! same code and gets the same film frame for frame.

use std::collections::VecDeque;
use std::sync::Arc;

use super::guardrails::{Guard, Ruling};
use super::manifest::{Film, Segment};
use super::response::{Response, VARIANT_WEIGHT};
use crate::{Decision, Directive, DirectorEvent, Estimate, SegmentSummary, LEAD_S};

/// Estimates older than this before a decision point do not influence it, seconds.
pub const DECISION_WINDOW_S: f64 = 4.0;
/// Below this (mean) confidence the controller uses the director's defaults.
pub(crate) const MIN_CONFIDENCE: f32 = 0.3;
/// Gain on the error in hand while the response fit has little signal.
pub(crate) const DIRECT_GAIN: f32 = 1.0;
/// Seconds of confident signal at which the response fit and the error in hand weigh
/// the same (the weight rises as the square of the seconds: 0.2 at half of this, 0.8
/// at twice). From the harness (BENCHMARKS.md): 15–25 s are alike.
pub(crate) const EVIDENCE_HALF_S: f64 = 20.0;
/// How far an offset moves the wanted intensity of a branch or a placement.
pub(crate) const VARIANT_GAIN: f32 = 2.0;
/// Time the drive takes to glide to a new segment's offset, seconds.
pub const RAMP_S: f64 = 1.0;
/// Time constant of the displayed tension smoothing, seconds.
const SMOOTHING_S: f64 = 2.0;

/// Result of one controller tick.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Step {
    /// Events for render and audio, in time order.
    pub events: Vec<DirectorEvent>,
    /// Decisions taken at this tick.
    pub decisions: Vec<Decision>,
    /// Segments that ended at this tick.
    pub finished: Vec<SegmentSummary>,
}

#[derive(Default)]
struct Accum {
    weighted: f64,
    weight: f64,
    conf_sum: f64,
    n: u32,
}

/// The decision window, summed up (see `Controller::window`).
struct Window {
    target: f32,
    tension: Option<f32>,
    confidence: f32,
}

/// Why the control law leaves a segment to the director when the signal is weak. The
/// figure is rounded down, so a confidence just short of the bound never reads as equal
/// to it ("0.30 below 0.3").
fn weak_signal(confidence: f32) -> String {
    let shown = (confidence * 100.0).floor() / 100.0;
    format!("signal confidence {shown:.2} below {MIN_CONFIDENCE:.2}: director's cut")
}

/// One estimate in the decision window, with the director's target at its time.
#[derive(Clone, Copy)]
struct Seen {
    t: f64,
    tension: f32,
    confidence: f32,
    target: f32,
}

/// Cut ID bytes: recorded when live, consumed when replaying.
enum Tape {
    Live(Vec<u8>),
    Replay { bytes: Vec<u8>, at: usize },
}

impl Tape {
    /// Records `live` or returns the replayed byte (clamped by `map`).
    fn byte(&mut self, live: impl FnOnce() -> u8) -> u8 {
        match self {
            Tape::Live(out) => {
                let b = live();
                out.push(b);
                b
            }
            Tape::Replay { bytes, at } => {
                let b = bytes.get(*at).copied().unwrap_or(0);
                *at += 1;
                b
            }
        }
    }
}

/// The director's controller for one viewing.
pub struct Controller {
    film: Arc<Film>,
    guard: Guard,
    tape: Tape,
    directors_cut: bool,
    /// Why the viewer's signals cannot steer (no tension model), when they cannot.
    unsteered: Option<String>,
    /// Scale on every steering offset (the desktop player's adaptation strength).
    strength: f32,
    placement_consent: bool,
    /// Item per placement slot of the current segment (255: empty).
    placements: [u8; super::MAX_PLACEMENT_SLOTS],
    fps: f64,
    segment: usize,
    variant: usize,
    /// Segment start and length in frames.
    start_frame: u64,
    frames: u64,
    offset: f32,
    prev_offset: f32,
    /// The current segment follows the director's curve `LEAD_S` ahead, its slope
    /// scaled by this.
    shape: Option<f32>,
    response: Response,
    visits: Vec<u32>,
    tension: Option<f32>,
    confidence: f32,
    recent: VecDeque<Seen>,
    accum: Accum,
    decisions: Vec<Decision>,
    started: bool,
    ended: bool,
}

/// Resolution of the slope scale in the cut ID (2^(1/64): about 1 %).
const SLOPE_STEPS_PER_OCTAVE: f32 = 64.0;
/// Range of the slope scale (the inverse of the fit's sensitivity range).
const SLOPE_RANGE: (f32, f32) = (0.25, 4.0);

/// Cut ID byte of a shape: 0 is the curve as written; `k` in 1..=255 follows it
/// `LEAD_S` ahead with its slope scaled by 2^((k − 128) / `SLOPE_STEPS_PER_OCTAVE`).
fn encode_shape(shape: Option<f32>) -> u8 {
    match shape {
        None => 0,
        Some(g) => {
            let k = 128.0 + (g.max(1e-6).log2() * SLOPE_STEPS_PER_OCTAVE).round();
            k.clamp(1.0, 255.0) as u8
        }
    }
}

/// The shape of a cut ID byte (see [`encode_shape`]).
fn decode_shape(byte: u8) -> Option<f32> {
    (byte != 0).then(|| ((byte as f32 - 128.0) / SLOPE_STEPS_PER_OCTAVE).exp2())
}

/// What take `variant` of `seg` adds to the tension the drive offers: `VARIANT_WEIGHT`
/// of its intensity difference from the director's take.
fn take_share(seg: &Segment, variant: usize) -> f32 {
    VARIANT_WEIGHT * (seg.variants[variant].intensity - seg.variants[0].intensity)
}

fn closest(wanted: f32, options: impl Iterator<Item = (usize, f32)>) -> Option<(usize, f32)> {
    options.min_by(|a, b| (a.1 - wanted).abs().total_cmp(&(b.1 - wanted).abs()))
}

impl Controller {
    /// A live controller at the start of `film`.
    pub fn new(film: Arc<Film>) -> Self {
        Self::with_tape(film, Tape::Live(Vec::new()))
    }

    /// A controller that replays the choices of a cut ID.
    pub fn replaying(film: Arc<Film>, bytes: Vec<u8>) -> Self {
        Self::with_tape(film, Tape::Replay { bytes, at: 0 })
    }

    fn with_tape(film: Arc<Film>, tape: Tape) -> Self {
        let rest = film.segments.first().map_or(0.5, |s| s.target_at(0.0));
        Self {
            guard: Guard::new(film.guardrails),
            fps: film.info.fps as f64,
            visits: vec![0; film.segments.len()],
            film,
            tape,
            directors_cut: false,
            unsteered: None,
            strength: 1.0,
            placement_consent: false,
            placements: [255; super::MAX_PLACEMENT_SLOTS],
            segment: 0,
            variant: 0,
            start_frame: 0,
            frames: 1,
            offset: 0.0,
            prev_offset: 0.0,
            shape: None,
            response: Response::new(rest),
            tension: None,
            confidence: 0.0,
            recent: VecDeque::new(),
            accum: Accum::default(),
            decisions: Vec::new(),
            started: false,
            ended: false,
        }
    }

    /// Whether the viewer chose the director's cut (from the next decision on; before
    /// the first tick, from the start).
    pub fn set_directors_cut(&mut self, on: bool) {
        self.directors_cut = on;
    }

    /// Leaves every segment to the director for a reason the viewer should read in every
    /// decision (the tension model did not load), instead of "weak signal".
    pub fn set_unsteered(&mut self, why: String) {
        self.unsteered = Some(why);
    }

    /// How strongly to steer, 0 (the director's drive) ..= 2 (twice the control law's
    /// offset, and the slope scaled by the square of its correction; guardrails still
    /// bound it), from the next decision on.
    pub fn set_strength(&mut self, strength: f32) {
        self.strength = if strength.is_finite() {
            strength.clamp(0.0, 2.0)
        } else {
            1.0
        };
    }

    /// The director's target tension at viewing time `t` in the current segment.
    pub fn target_at(&self, t: f64) -> f32 {
        let seg = &self.film.segments[self.segment];
        let progress = (t - self.seconds(self.start_frame)) / self.seconds(self.frames);
        seg.target_at(progress)
    }

    /// Viewing times the current segment started and will end, seconds (its decision
    /// point and the next one).
    pub fn segment_span(&self) -> (f64, f64) {
        (self.seconds(self.start_frame), self.segment_end())
    }

    /// Index of the segment playing.
    pub fn segment(&self) -> usize {
        self.segment
    }

    /// Index of the variant playing in it.
    pub fn variant(&self) -> usize {
        self.variant
    }

    /// The smoothed tension estimate (`None` before any confident signal).
    pub fn tension(&self) -> Option<f32> {
        self.tension
    }

    /// The smoothed confidence of that estimate.
    pub fn confidence(&self) -> f32 {
        self.confidence
    }

    /// Starts from a known sensitivity (a returning viewer's stored profile, kept on the
    /// device) worth `weight_s` seconds of signal, instead of the director's viewer.
    pub fn assume_sensitivity(&mut self, sensitivity: f32, weight_s: f64) {
        self.response.assume(sensitivity, weight_s);
    }

    /// What the controller has learned about the viewer: (sensitivity, seconds of
    /// signal it rests on, this viewing's and any assumed profile's).
    pub fn learned_sensitivity(&self) -> (f32, f64) {
        (self.response.fit().1, self.response.evidence_s())
    }

    /// Seconds of confident signal seen in this viewing.
    pub fn observed_s(&self) -> f64 {
        self.response.observed_s()
    }

    /// Whether the viewer consented to personalised placements (from the next decision on).
    pub fn set_placement_consent(&mut self, on: bool) {
        self.placement_consent = on;
    }

    /// Decisions taken so far, in order.
    pub fn decisions(&self) -> &[Decision] {
        &self.decisions
    }

    /// The cut ID's choice bytes so far (the recorded ones when replaying).
    pub fn decision_bytes(&self) -> Vec<u8> {
        match &self.tape {
            Tape::Live(b) => b.clone(),
            Tape::Replay { bytes, at } => bytes[..(*at).min(bytes.len())].to_vec(),
        }
    }

    fn seconds(&self, frames: u64) -> f64 {
        frames as f64 / self.fps
    }

    fn segment_end(&self) -> f64 {
        self.seconds(self.start_frame + self.frames)
    }

    /// The decision window before `t`: the director's target averaged over its ticks,
    /// the viewer's confidence-weighted tension when the signal is strong enough, and the
    /// mean confidence. The target is an unweighted mean of the film's curve at the
    /// ticks, so a replay without biometrics (`explain`) finds the same figure as the
    /// viewing did; `fallback` stands in when the window is empty (the opening).
    fn window(&self, t: f64, fallback: f32) -> Window {
        let (mut w, mut ten, mut target, mut n) = (0.0f64, 0.0f64, 0.0f64, 0usize);
        for s in self.recent.iter().filter(|s| s.t > t - DECISION_WINDOW_S) {
            w += s.confidence as f64;
            ten += (s.confidence * s.tension) as f64;
            target += s.target as f64;
            n += 1;
        }
        let confidence = if n == 0 { 0.0 } else { (w / n as f64) as f32 };
        Window {
            target: if n == 0 {
                fallback
            } else {
                (target / n as f64) as f32
            },
            tension: (confidence >= MIN_CONFIDENCE && w > 0.0).then(|| (ten / w) as f32),
            confidence,
        }
    }

    /// How far the control law wants segment `seg`'s offered tension from the director's
    /// drive (offset plus the take's share), deciding at `t`; and the reason.
    fn wanted(&self, t: f64, seg: &Segment) -> (f32, String) {
        self.steer(t, seg).unwrap_or_else(|why| (0.0, why))
    }

    /// The director's target over the decision window before `t`, as recorded in the
    /// decision entering `seg` there.
    fn window_target(&self, t: f64, seg: &Segment) -> f32 {
        self.window(t, seg.target_at(0.0)).target
    }

    /// What the control law wants for `seg` and why, or why it leaves the segment to the
    /// director (the viewer chose the director's cut, or the signal is too weak).
    fn steer(&self, t: f64, seg: &Segment) -> Result<(f32, String), String> {
        if self.directors_cut {
            return Err("the viewer chose the director's cut".into());
        }
        if let Some(why) = &self.unsteered {
            return Err(format!("{why}: director's cut"));
        }
        let window = self.window(t, seg.target_at(0.0));
        match window.tension {
            Some(tension) => {
                let err = window.target - tension;
                let target = seg.mean_target();
                let (lean, sensitivity) = self.response.fit();
                let model = self.response.offer_for(target) - target;
                // Until the fit rests on enough signal, lean on the error in hand.
                let evidence = self.response.evidence_s();
                let w = (evidence.powi(2) / (evidence.powi(2) + EVIDENCE_HALF_S.powi(2))) as f32;
                let wanted = (w * model + (1.0 - w) * DIRECT_GAIN * err) * self.strength;
                let scaled = if self.strength == 1.0 {
                    String::new()
                } else {
                    format!(" at strength {:.2}", self.strength)
                };
                Ok((
                    wanted,
                    format!(
                        "tension {tension:.2} vs target {:.2} over the last {DECISION_WINDOW_S:.0} s; sensitivity {sensitivity:.2}, lean {lean:+.2} (fit weight {w:.2}) -> wants {wanted:+.2}{scaled} for `{}` (mean target {target:.2})",
                        window.target,
                        seg.id
                    ),
                ))
            }
            None => Err(weak_signal(window.confidence)),
        }
    }

    /// The take and the guardrails' ruling on the offset for `seg`: the director's take
    /// unless another one, in the same direction as the offset, gets closer to `wanted`
    /// by more than the hysteresis (a take carries `VARIANT_WEIGHT` of its intensity
    /// difference).
    fn choose_take(&self, t: f64, prev: f32, wanted: f32, seg: &Segment) -> (usize, Ruling) {
        let longest = self.longest_s(seg);
        let base = self.guard.rule(t, prev, wanted, seg, longest);
        if seg.protected || seg.variants.len() < 2 || base.frozen || base.step == 0 {
            return (0, base);
        }
        let dir = base.step.signum();
        let mut best = (0, base);
        let mut best_miss = (wanted - self.guard.offset_of(base.step)).abs();
        for i in 1..seg.variants.len() {
            let share = take_share(seg, i);
            if share == 0.0 || (share > 0.0) != (dir > 0) {
                continue;
            }
            let r = self.guard.rule(t, prev, wanted - share, seg, longest);
            if r.step.signum() != dir || r.frozen {
                continue;
            }
            let miss = (wanted - share - self.guard.offset_of(r.step)).abs();
            if miss < best_miss - self.film.guardrails.hysteresis {
                best = (i, r);
                best_miss = miss;
            }
        }
        best
    }

    /// The shape the fit predicts brings this viewer closer to the target over `seg`
    /// (`duration` seconds, the take `variant`, at `offset`): `None` for the curve as
    /// written, or the slope scale to follow it `LEAD_S` ahead with (`1/s`, to the power
    /// of the adaptation strength).
    ///
    /// The prediction is the fit's steady state felt `LEAD_S` later (a typical viewer's
    /// lag): `felt − R = lean + s·(offered − R)`. Ahead, with the slope scaled by `1/s`,
    /// the miss is the same all through the segment; as written, the lag and the
    /// unscaled slope add to it, and can cancel part of an offset the rules held back.
    fn shape_for(&self, seg: &Segment, variant: usize, offset: f32, duration: f64) -> Option<f32> {
        let (lean, s) = self.response.fit();
        let rest = self.response.rest() as f32;
        let share = take_share(seg, variant);
        let mean = seg.mean_target();
        let wanted = (1.0 / s).powf(self.strength);
        let slope = encode_shape(Some(wanted.clamp(SLOPE_RANGE.0, SLOPE_RANGE.1)));
        let slope = decode_shape(slope).unwrap_or(1.0);
        // Miss at the segment's mean target, the same for both shapes.
        let bias = lean + s * (mean + offset + share - rest) - (mean - rest);
        let rise = (seg.target_tension[1] - seg.target_tension[0]) * (LEAD_S / duration) as f32;
        const POINTS: usize = 16;
        let (mut ahead, mut written) = (0.0f32, 0.0f32);
        for k in 0..POINTS {
            let dev = seg.target_at((k as f64 + 0.5) / POINTS as f64) - mean;
            ahead += (bias + (s * slope - 1.0) * dev).abs();
            written += (bias + (s - 1.0) * dev - s * rise).abs();
        }
        (ahead <= written).then_some(slope)
    }

    /// Longest the segment may last, seconds (paced, rounded to a frame).
    fn longest_s(&self, seg: &Segment) -> f64 {
        let base = seg
            .variants
            .iter()
            .map(|v| v.duration_s)
            .fold(0.0, f64::max);
        base * seg.pacing[1].max(1.0) as f64 + 1.0 / self.fps
    }

    /// Chooses among `options` (index, intensity), the first being the director's: the one
    /// closest to the default's intensity moved by the offset, if it beats the default by
    /// more than the hysteresis.
    fn pick(&self, offset: f32, options: &[(usize, f32)]) -> usize {
        let Some(&(default, base)) = options.first() else {
            return 0;
        };
        if offset == 0.0 {
            return 0;
        }
        let wanted = base + VARIANT_GAIN * offset;
        let Some((best, value)) = closest(wanted, options.iter().copied()) else {
            return 0;
        };
        let gain = (base - wanted).abs() - (value - wanted).abs();
        if best != default && gain > self.film.guardrails.hysteresis {
            options.iter().position(|o| o.0 == best).unwrap_or(0)
        } else {
            0
        }
    }

    /// Starts segment `next` at `frame` (the end of the previous one, or 0).
    fn enter(&mut self, next: usize, branched: bool, t: f64, frame: u64) -> Decision {
        let film = self.film.clone();
        let seg = &film.segments[next];
        let steering = self.steer(t, seg);
        let steered = steering.is_ok();
        let (wanted, mut reason) = steering.unwrap_or_else(|why| (0.0, why));
        let prev = self.offset;
        let (live_variant, ruling) = self.choose_take(t, prev, wanted, seg);
        let (live_step, note) = (ruling.step, ruling.note);
        let step = if seg.protected {
            0
        } else {
            self.tape.byte(|| live_step as u8) as i8
        };
        let offset = self.guard.offset_of(step);
        // The take: only at decision points of segments the controller may alter.
        let variant = if seg.protected || seg.variants.len() < 2 {
            0
        } else {
            (self.tape.byte(|| live_variant as u8) as usize).min(seg.variants.len() - 1)
        };
        if let (Tape::Live(_), Some(note)) = (&self.tape, note) {
            reason += &format!("; {note}");
        }
        let target = self.window_target(t, seg);
        if steered {
            reason += &format!("; drive {:+.2}", self.guard.offset_of(step));
        }
        if let Tape::Replay { .. } = self.tape {
            reason = "replayed from cut ID".into();
        }
        let v = &seg.variants[variant];
        let f = if film.guardrails.max_deviation > 0.0 {
            offset / film.guardrails.max_deviation
        } else {
            0.0
        };
        let pace = if f > 0.0 {
            1.0 + f * (seg.pacing[0] - 1.0)
        } else {
            1.0 - f * (seg.pacing[1] - 1.0)
        };
        let frames = ((v.duration_s * pace as f64 * self.fps).round() as u64).max(1);
        // The shape: a segment the rules hand back to the director (protected, dwelling,
        // anti-echo) or not steered plays the curve as written.
        let shape = if seg.protected {
            None
        } else {
            let free = steered && !ruling.frozen && self.strength > 0.0;
            let duration = frames as f64 / self.fps;
            let live = free
                .then(|| self.shape_for(seg, variant, offset, duration))
                .flatten();
            decode_shape(self.tape.byte(|| encode_shape(live)))
        };
        let consent = self.placement_consent;
        let mut placements = Vec::new();
        self.placements = [255; super::MAX_PLACEMENT_SLOTS];
        for (k, slot) in seg.placements.iter().enumerate() {
            let allowed: Vec<(usize, f32)> = slot
                .items
                .iter()
                .enumerate()
                .filter(|(_, it)| consent || !it.needs_consent)
                .map(|(i, it)| (i, it.intensity))
                .collect();
            let live = allowed
                .get(self.pick(offset, &allowed))
                .map_or(255, |a| a.0 as u8);
            let chosen = if slot.items.len() > 1 {
                self.tape.byte(|| live)
            } else {
                live
            };
            // A replayed item that needs consent the viewer has not given stays empty.
            let item = slot
                .items
                .get(chosen as usize)
                .filter(|it| consent || !it.needs_consent);
            if let (Some(to), Some(_)) = (self.placements.get_mut(k), item) {
                *to = chosen;
            }
            placements.push((slot.slot.clone(), item.map(|it| it.id.clone())));
        }
        self.guard.commit(t, prev, offset);
        self.visits[next] += 1;
        self.prev_offset = prev;
        self.offset = offset;
        self.shape = shape;
        self.segment = next;
        self.variant = variant;
        self.start_frame = frame;
        self.frames = frames;
        let d = Decision {
            segment: next,
            segment_id: seg.id.clone(),
            branched,
            variant,
            variant_id: v.id.clone(),
            offset,
            target,
            pace,
            anticipates: shape.is_some(),
            slope: shape.unwrap_or(1.0),
            placements,
            t,
            reason,
        };
        self.decisions.push(d.clone());
        d
    }

    /// Chooses the segment after the current one, if any: (index, whether not the default).
    fn next_segment(&mut self, t: f64) -> Option<(usize, bool)> {
        let film = self.film.clone();
        let succ = &film.successors[self.segment];
        let &first = succ.first()?;
        if succ.len() == 1 {
            return Some((first, false));
        }
        // Rank the allowed branches by what the control law wants now (not committed).
        let (wanted, _) = self.wanted(t, &film.segments[first]);
        let ruling = self.guard.rule(
            t,
            self.offset,
            wanted,
            &film.segments[first],
            self.longest_s(&film.segments[first]),
        );
        let offset = self.guard.offset_of(ruling.step);
        let options: Vec<(usize, f32)> = succ
            .iter()
            .enumerate()
            .filter(|(k, &s)| *k == 0 || self.visits[s] < film.segments[s].max_visits)
            .map(|(k, &s)| (k, film.segments[s].variants[0].intensity))
            .collect();
        let live = options[self.pick(offset, &options)].0;
        let k = (self.tape.byte(|| live as u8) as usize).min(succ.len() - 1);
        Some((succ[k], k != 0))
    }

    fn summary(&self) -> SegmentSummary {
        let seg = &self.film.segments[self.segment];
        let a = &self.accum;
        SegmentSummary {
            segment: self.segment,
            segment_id: seg.id.clone(),
            variant_id: seg.variants[self.variant].id.clone(),
            target: seg.mean_target(),
            mean_tension: (a.weight > 0.0).then(|| (a.weighted / a.weight) as f32),
            confidence: if a.n == 0 {
                0.0
            } else {
                (a.conf_sum / a.n as f64) as f32
            },
        }
    }

    fn preload(&self, t: f64) -> DirectorEvent {
        DirectorEvent::Preload {
            t,
            segments: self.film.successors[self.segment].clone(),
        }
    }

    /// The directive in force at `t` within the current segment.
    fn directive(&self, t: f64) -> Directive {
        let film = &self.film;
        let seg = &film.segments[self.segment];
        let v = &seg.variants[self.variant];
        let start = self.seconds(self.start_frame);
        let duration = self.seconds(self.frames);
        let progress = (t - start) / duration;
        let target = seg.target_at(progress);
        let glide = if seg.protected {
            1.0
        } else {
            ((t - start) / RAMP_S).clamp(0.0, 1.0) as f32
        };
        let offset = self.prev_offset + (self.offset - self.prev_offset) * glide;
        // A steered segment follows the director's curve `LEAD_S` ahead (the viewer
        // feels it a lag later), never further than `max_deviation` from it.
        let m = film.guardrails.max_deviation;
        let drive = if let Some(slope) = self.shape {
            let ahead = seg.target_at(progress + LEAD_S / duration);
            let mean = seg.mean_target();
            (ahead + offset + (slope - 1.0) * (ahead - mean)).clamp(target - m, target + m)
        } else {
            target + offset
        }
        .clamp(0.0, 1.0);
        let lerp = |r: [f32; 2]| r[0] + (r[1] - r[0]) * drive;
        Directive {
            t,
            segment: self.segment,
            variant: self.variant,
            segment_start: start,
            segment_duration: duration,
            drive,
            look_weights: film.grade.weights(drive),
            music_intensity: lerp(seg.music.unwrap_or(film.music.intensity)),
            fog: lerp(v.fog),
            rain: lerp(v.rain),
            snow: lerp(v.snow),
            key_light: v.key_light.map_or(0.0, |k| lerp(k.strength)),
            placements: self.placements,
            exposure: lerp(v.exposure),
            tension: self.tension.unwrap_or(target),
            confidence: self.confidence,
        }
    }

    /// Takes the estimate for viewing time `est.t` (one per tick of `dt` seconds) and
    /// returns what to do from the previous tick on, segment boundaries included.
    pub fn tick(&mut self, est: &Estimate, dt: f64) -> Step {
        let t = est.t;
        let mut step = Step::default();
        if !self.started {
            // The opening decision, with the settings made since construction.
            self.started = true;
            let d = self.enter(0, false, 0.0, 0);
            step.decisions.push(d);
            step.events.push(self.preload(0.0));
        }
        // Segment boundaries up to `t`, each at its own frame, decided on what came before.
        while !self.ended && self.segment_end() <= t + 1e-9 {
            let boundary = self.segment_end();
            step.finished.push(self.summary());
            self.accum = Accum::default();
            match self.next_segment(boundary) {
                Some((next, branched)) => {
                    let frame = self.start_frame + self.frames;
                    let d = self.enter(next, branched, boundary, frame);
                    step.decisions.push(d);
                    step.events.push(self.preload(boundary));
                    if boundary < t - 1e-9 {
                        step.events
                            .push(DirectorEvent::Directive(self.directive(boundary)));
                    }
                }
                None => {
                    self.ended = true;
                    step.events.push(DirectorEvent::End {
                        duration_s: boundary,
                    });
                }
            }
        }
        if self.ended {
            return step;
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
        let conf_in = if valid { est.confidence.min(1.0) } else { 0.0 };
        self.confidence += alpha * (conf_in - self.confidence);
        self.accum.conf_sum += conf_in as f64;
        self.accum.n += 1;
        let seg = &self.film.segments[self.segment];
        let progress = (t - self.seconds(self.start_frame)) / self.seconds(self.frames);
        self.recent.push_back(Seen {
            t,
            tension: if valid { est.tension } else { 0.0 },
            confidence: conf_in,
            target: seg.target_at(progress),
        });
        while self
            .recent
            .front()
            .is_some_and(|e| e.t <= t - DECISION_WINDOW_S)
        {
            self.recent.pop_front();
        }
        let d = self.directive(t);
        self.response
            .offer(t, d.drive + take_share(seg, self.variant));
        self.response.observe(t, est.tension, conf_in, dt);
        step.events.push(DirectorEvent::Directive(d));
        step
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_confidence_short_of_the_bound_never_reads_as_the_bound() {
        assert_eq!(
            weak_signal(0.2999),
            "signal confidence 0.29 below 0.30: director's cut"
        );
        assert_eq!(
            weak_signal(0.0),
            "signal confidence 0.00 below 0.30: director's cut"
        );
    }

    /// An opening at rest (0.45) and a 15 s climb from 0.5 to 0.7.
    fn climb() -> Arc<Film> {
        let variant = |duration_s: f64, intensity: f32| {
            format!(
                "[[segments.variants]]\nid = \"as-written\"\nscene = \"s.lfscene\"\n\
                 duration_s = {duration_s}\nintensity = {intensity}\n\
                 camera = {{ radius = 2.0, height = 1.0, from_deg = 0, to_deg = 10, fov_deg = 50 }}\n\
                 fog = [0.0, 0.2]\nexposure = [0.9, 1.2]\nlight = [1.0, 1.0, 1.0]\n"
            )
        };
        let text = format!(
            r#"
[film]
id = "climb"
title = "Climb"
fps = 24
width = 64
height = 36
sample_rate = 48000

[[grade.looks]]
lut = "a.cube"
weight = [0.0, 1.0]

[music]
intensity = [0.1, 0.9]
[[music.stems]]
id = "s"
file = "s.wav"
gain = [1.0, 0.5]

[[segments]]
id = "opening"
target_tension = 0.45
protected = true
{}
[[segments]]
id = "climb"
target_tension = [0.5, 0.7]
{}"#,
            variant(10.0, 0.45),
            variant(15.0, 0.6)
        );
        Arc::new(Film::parse(&text, std::path::Path::new("climb/film.toml")).unwrap())
    }

    #[test]
    fn the_shape_is_the_one_the_fit_predicts_closer() {
        let film = climb();
        let seg = &film.segments[1];
        let shape = |sensitivity: f32, offset: f32| {
            let mut ctl = Controller::new(film.clone());
            ctl.assume_sensitivity(sensitivity, 600.0);
            ctl.shape_for(seg, 0, offset, 15.0)
        };
        // The viewer the film was tuned for: the curve ahead, slope as written.
        assert_eq!(shape(1.0, 0.0), Some(1.0));
        // A hard-to-move viewer: ahead, the slope doubled, with or without the offset.
        for offset in [0.0, 0.15] {
            let slope = shape(0.5, offset).unwrap();
            assert!((slope - 2.0).abs() < 0.02, "{slope}");
        }
        // An easily moved viewer given the offset they need (−0.05) feels the curve
        // ahead with its slope scaled down; held at offset 0 (below the hysteresis), the
        // lag on the curve as written cancels part of their overshoot.
        let slope = shape(1.5, -0.05).unwrap();
        assert!((slope - 1.0 / 1.5).abs() < 0.01, "{slope}");
        assert_eq!(shape(1.5, 0.0), None);
        // At half the adaptation strength, half the slope correction (in octaves).
        let mut ctl = Controller::new(film.clone());
        ctl.assume_sensitivity(0.5, 600.0);
        ctl.set_strength(0.5);
        let half = ctl.shape_for(seg, 0, 0.0, 15.0).unwrap();
        assert!((half - 2f32.sqrt()).abs() < 0.02, "{half}");
    }

    #[test]
    fn shape_bytes_keep_the_curve_as_written_at_zero_and_round_trip_the_slope() {
        assert_eq!(encode_shape(None), 0);
        assert_eq!(decode_shape(0), None);
        assert_eq!(decode_shape(encode_shape(Some(1.0))), Some(1.0));
        for byte in 1..=255u8 {
            let slope = decode_shape(byte).unwrap();
            assert!((0.25..4.0).contains(&slope), "{byte}: {slope}");
            assert_eq!(encode_shape(Some(slope)), byte);
        }
        // Within 1 % of the slope asked for, anywhere in the range.
        for g in [0.26f32, 0.5, 0.71, 1.4, 2.5, 3.9] {
            let back = decode_shape(encode_shape(Some(g))).unwrap();
            assert!((back / g - 1.0).abs() < 0.006, "{g} -> {back}");
        }
    }
}
