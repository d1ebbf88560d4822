//! Tracking harness: how closely a film's delivered tension follows the director's curve
//! for a simulated audience, adaptive versus the fixed director's cut.
//!
//! Each simulated viewer ([`viewer`]) watches the film as the director's cut; steered,
//! learning them from scratch; again on another evening, steered from the profile the
//! first viewing stored (`--profile`); and steered from their true sensitivity (the
//! bound for learning). The loop is the player's own: the viewer's tension drives a
//! simulated body (heartbeats, pupil), whose samples go through the feature extractor and
//! the ONNX tension model into the controller, whose directives decide what the viewer
//! sees next. The score is the mean absolute difference between the viewer's tension and
//! the director's target for the segment playing, over the whole viewing; every steered
//! cut is also audited against the guardrails.
//!
//! The body expresses tension through the physiology the model reads: before the
//! audience watches, the harness measures the model's steady-state reading for a range
//! of arousal rises above rest ([`Calibration`]) and drives each body with the rise
//! whose reading is the viewer's tension. The controller still sees only what a real
//! player sees: beats and pupil samples through windows, baselines, noise and lag.

pub mod viewer;

use std::sync::Arc;

use livingfilm_biometrics::simulate::{Body, Rng};
use livingfilm_biometrics::Sample;
use livingfilm_biometrics::{FeatureConfig, FeatureExtractor, FEATURE_RATE_HZ};
use livingfilm_director::audit::violations;
use livingfilm_director::{Controller, DirectorEvent, Film};
use livingfilm_inference::{InferenceError, TensionModel};
use livingfilm_player::profile::MAX_PROFILE_EVIDENCE_S;
use viewer::{Viewer, Watching, VARIANT_EFFECT};

/// Seconds between controller ticks (the player's feature rate).
const TICK_S: f64 = 1.0 / FEATURE_RATE_HZ;

/// How a viewer watches.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Mode {
    /// The director's cut.
    Fixed,
    /// Steered, learning the viewer from scratch.
    Steered,
    /// Steered, starting from a profile: (sensitivity, seconds of signal behind it).
    Profiled(f32, f64),
    /// Steered, learning from scratch until the true sensitivity is revealed at a time.
    Revealed(f64),
}

/// Weight of a known sensitivity, seconds of signal.
const KNOWN_WEIGHT_S: f64 = 600.0;
/// Seconds between samples of what a first viewing has learned.
pub const LEARNING_EVERY_S: f64 = 20.0;

/// One viewing's outcome.
struct Viewing {
    mae: f64,
    decisions: Vec<livingfilm_director::Decision>,
    end_s: f64,
    learned: (f32, f64),
    /// The learned sensitivity every [`LEARNING_EVERY_S`].
    learning: Vec<f32>,
}

/// One viewer's result.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ViewerResult {
    /// The viewer's response parameters.
    pub viewer: Viewer,
    /// Mean |tension − target| watching the director's cut.
    pub fixed_mae: f64,
    /// Mean |tension − target| watching the steered cut.
    pub adaptive_mae: f64,
    /// The same viewer's second viewing, steered from the profile the first one stored.
    pub returning_mae: f64,
    /// Steered from the viewer's true sensitivity: what perfect learning would give.
    pub known_mae: f64,
    /// Guardrail violations of the three steered cuts (none expected).
    pub violations: Vec<String>,
    /// Segments of the steered cut that departed from the director's cut.
    pub adapted_segments: usize,
    /// Sensitivity the first viewing learned (what its profile stores).
    pub learned_sensitivity: f32,
    /// What the first viewing had learned of the sensitivity every [`LEARNING_EVERY_S`].
    pub learning: Vec<f32>,
    /// Steered from scratch with the true sensitivity revealed at `--reveal-at`.
    pub revealed_mae: Option<f64>,
}

/// The audience's results.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TrackingReport {
    /// Film id and version.
    pub film: String,
    /// Per viewer.
    pub viewers: Vec<ViewerResult>,
    /// Mean of the viewers' fixed-cut errors.
    pub fixed_mae: f64,
    /// Mean of the viewers' steered-cut errors.
    pub adaptive_mae: f64,
    /// Mean of the viewers' second-viewing errors (profile from the first).
    pub returning_mae: f64,
    /// Mean of the viewers' errors steered from their true sensitivity.
    pub known_mae: f64,
    /// 1 − adaptive / fixed.
    pub reduction: f64,
    /// When the revealed viewing learned the true sensitivity, and its mean error.
    pub revealed: Option<(f64, f64)>,
    /// Root-mean-square error of the first viewing's learned sensitivity, by time:
    /// (seconds, RMS over the viewers still watching). How fast this film teaches the
    /// player its viewer.
    pub learning_rms: Vec<(f64, f64)>,
    /// Total guardrail violations.
    pub violations: usize,
    /// How the bodies express tension (the model's steady-state readings).
    pub calibration: Calibration,
}

/// The tension model's steady-state reading for arousal rises above rest: how a body
/// must move for the model to read a given tension.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Calibration {
    /// Arousal rise above rest, increasing.
    pub rises: Vec<f64>,
    /// The model's mean reading at each rise (made non-decreasing).
    pub reads: Vec<f32>,
}

impl Calibration {
    /// Measures the model: rest for 20 s (the baseline), then each rise held for 40 s.
    pub fn measure(model: &mut TensionModel) -> Result<Self, InferenceError> {
        let rises: Vec<f64> = (0..=16).map(|k| -0.3 + 0.05 * k as f64).collect();
        let mut reads = Vec::with_capacity(rises.len());
        let mut samples: Vec<Sample> = Vec::new();
        for &rise in &rises {
            let (mut sum, mut n) = (0.0f32, 0u32);
            for seed in 0..4 {
                let mut body = Body::new(0xCA1B ^ seed);
                let mut fx = FeatureExtractor::new(FeatureConfig::default());
                for k in 0..(60.0 / TICK_S) as u64 {
                    let t = k as f64 * TICK_S;
                    let a = 0.3 + if t < 20.0 { 0.0 } else { rise };
                    body.advance(t, |_| a, |_| true, &mut samples);
                    samples.drain(..).for_each(|s| fx.push(s));
                    let est = model.estimate(&fx.features_at(t))?;
                    if t >= 45.0 {
                        sum += est.tension;
                        n += 1;
                    }
                }
            }
            let read = sum / n.max(1) as f32;
            reads.push(reads.last().map_or(read, |&l: &f32| read.max(l)));
        }
        Ok(Self { rises, reads })
    }

    /// What the model reads at the baseline: the tension of a viewer at rest.
    pub fn rest(&self) -> f32 {
        let k = self.rises.iter().position(|r| r.abs() < 1e-9).unwrap_or(0);
        self.reads[k]
    }

    /// The arousal rise the model reads as `tension` (clamped to the measured range).
    pub fn rise_for(&self, tension: f32) -> f64 {
        let r = &self.reads;
        if tension <= r[0] {
            return self.rises[0];
        }
        for k in 1..r.len() {
            if tension <= r[k] {
                let span = r[k] - r[k - 1];
                let f = if span > 1e-6 {
                    ((tension - r[k - 1]) / span) as f64
                } else {
                    0.0
                };
                return self.rises[k - 1] + f * (self.rises[k] - self.rises[k - 1]);
            }
        }
        self.rises[self.rises.len() - 1]
    }
}

/// One viewing: the mean tracking error, the controller's decisions and the length.
fn watch(
    film: &Arc<Film>,
    model: &mut TensionModel,
    cal: &Calibration,
    viewer: Viewer,
    seed: u64,
    mode: Mode,
) -> Result<Viewing, InferenceError> {
    let mut ctl = Controller::new(film.clone());
    ctl.set_directors_cut(mode == Mode::Fixed);
    if let Mode::Profiled(sensitivity, evidence_s) = mode {
        ctl.assume_sensitivity(sensitivity, evidence_s);
    }
    let reveal_tick = match mode {
        Mode::Revealed(at) => Some((at / TICK_S).round().max(0.0) as u64),
        _ => None,
    };
    let every = (LEARNING_EVERY_S / TICK_S).round() as u64;
    let mut learning = Vec::new();
    let mut body = Body::new(seed);
    let mut fx = FeatureExtractor::new(FeatureConfig::default());
    let first = &film.segments[0];
    let mut watching = Watching::new(viewer, cal.rest(), first.target_at(0.0), seed ^ 0xA5A5);
    let mut samples = Vec::new();
    let (mut err_sum, mut n) = (0.0f64, 0u64);
    for k in 0u64.. {
        let t = k as f64 * TICK_S;
        if reveal_tick == Some(k) {
            ctl.assume_sensitivity(viewer.sensitivity, KNOWN_WEIGHT_S);
        }
        if k > 0 && k % every == 0 {
            learning.push(ctl.learned_sensitivity().0);
        }
        let arousal = viewer.rest_arousal + cal.rise_for(watching.tension());
        body.advance(t, |_| arousal, |_| true, &mut samples);
        for s in samples.drain(..) {
            fx.push(s);
        }
        let feats = fx.features_at(t);
        let est = model.estimate(&feats)?;
        let mut directive = None;
        let step = ctl.tick(&est, TICK_S);
        for e in step.events {
            match e {
                DirectorEvent::Directive(d) => directive = Some(d),
                DirectorEvent::End { duration_s } => {
                    return Ok(Viewing {
                        mae: if n == 0 { 0.0 } else { err_sum / n as f64 },
                        decisions: ctl.decisions().to_vec(),
                        end_s: duration_s,
                        learned: ctl.learned_sensitivity(),
                        learning,
                    });
                }
                DirectorEvent::Preload { .. } => {}
            }
        }
        let Some(d) = directive else { continue };
        let seg = &film.segments[d.segment];
        let target = seg.target_at((t - d.segment_start) / d.segment_duration);
        err_sum += (watching.tension() - target).abs() as f64;

        n += 1;
        let contrast = seg.variants[d.variant].intensity - seg.variants[0].intensity;
        watching.step(TICK_S, d.drive + VARIANT_EFFECT * contrast);
    }
    unreachable!("the loop returns at the film's end")
}

/// Runs `viewers` simulated viewers drawn with `seed` through `film`; with `reveal_at`,
/// each also watches a steered viewing that learns from scratch until their true
/// sensitivity is revealed at that second (what learning by then could at best give).
pub fn run(
    film: Arc<Film>,
    model: &mut TensionModel,
    viewers: usize,
    seed: u64,
    reveal_at: Option<f64>,
    mut progress: impl FnMut(usize),
) -> Result<TrackingReport, InferenceError> {
    let cal = Calibration::measure(model)?;
    let mut rng = Rng::new(seed);
    let mut results = Vec::with_capacity(viewers);
    for i in 0..viewers {
        let viewer = Viewer::draw(&mut rng);
        let body_seed = seed.wrapping_mul(1_000_003).wrapping_add(i as u64);
        let fixed = watch(&film, model, &cal, viewer, body_seed, Mode::Fixed)?;
        let first = watch(&film, model, &cal, viewer, body_seed, Mode::Steered)?;
        // The next evening: another viewing (other beats and noise), from the stored profile.
        let (s, evidence) = first.learned;
        let profiled = Mode::Profiled(s, evidence.min(MAX_PROFILE_EVIDENCE_S));
        let second = watch(
            &film,
            model,
            &cal,
            viewer,
            body_seed ^ 0x005E_C04D,
            profiled,
        )?;
        let known = Mode::Profiled(viewer.sensitivity, KNOWN_WEIGHT_S);
        let bound = watch(&film, model, &cal, viewer, body_seed, known)?;
        let revealed = reveal_at
            .map(|at| watch(&film, model, &cal, viewer, body_seed, Mode::Revealed(at)))
            .transpose()?;
        let mut broken = Vec::new();
        for v in [Some(&first), Some(&second), Some(&bound), revealed.as_ref()]
            .into_iter()
            .flatten()
        {
            broken.extend(violations(&film, &v.decisions, v.end_s));
        }

        results.push(ViewerResult {
            viewer,
            fixed_mae: fixed.mae,
            adaptive_mae: first.mae,
            returning_mae: second.mae,
            known_mae: bound.mae,
            violations: broken,
            adapted_segments: first.decisions.iter().filter(|d| !d.is_directors()).count(),
            learned_sensitivity: first.learned.0,
            learning: first.learning,
            revealed_mae: revealed.map(|v| v.mae),
        });
        progress(i + 1);
    }
    let mean = |f: fn(&ViewerResult) -> f64| {
        results.iter().map(f).sum::<f64>() / results.len().max(1) as f64
    };
    let (fixed_mae, adaptive_mae) = (mean(|r| r.fixed_mae), mean(|r| r.adaptive_mae));
    let (returning_mae, known_mae) = (mean(|r| r.returning_mae), mean(|r| r.known_mae));
    let revealed = reveal_at.map(|at| (at, mean(|r| r.revealed_mae.unwrap_or(0.0))));
    let learning_rms = learning_rms(&results);
    Ok(TrackingReport {
        film: format!("{} {}", film.info.id, film.version()),
        violations: results.iter().map(|r| r.violations.len()).sum(),
        calibration: cal,
        viewers: results,
        fixed_mae,
        adaptive_mae,
        returning_mae,
        known_mae,
        revealed,
        learning_rms,
        reduction: if fixed_mae > 0.0 {
            1.0 - adaptive_mae / fixed_mae
        } else {
            0.0
        },
    })
}

/// RMS error of the learned sensitivity at each sample time, over the viewers watching.
fn learning_rms(results: &[ViewerResult]) -> Vec<(f64, f64)> {
    let samples = results.iter().map(|r| r.learning.len()).max().unwrap_or(0);
    (0..samples)
        .map(|k| {
            let (sum, n) = results
                .iter()
                .filter_map(|r| Some(r.learning.get(k)? - r.viewer.sensitivity))
                .fold((0.0f64, 0usize), |(s, n), e| {
                    (s + (e as f64).powi(2), n + 1)
                });
            (
                (k + 1) as f64 * LEARNING_EVERY_S,
                (sum / n.max(1) as f64).sqrt(),
            )
        })
        .collect()
}
