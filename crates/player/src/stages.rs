//! Thread bodies of the pipeline, one per stage; each consumes its input in time order.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender};
use sha2::{Digest, Sha256};

use super::profile::{ViewerProfile, MAX_PROFILE_EVIDENCE_S};
use super::progress::Progress;
use super::report::{
    AudioReport, DirectorOutput, InferenceReport, RenderReport, StemReport, UplinkReport,
};
use super::{AudioMode, PlayerConfig, PlayerError};

/// What the viewer chose for this viewing, as the director stage needs it.
#[derive(Debug, Clone)]
pub struct ViewerChoices {
    /// Placements that need consent may be shown.
    pub placement_consent: bool,
    /// The director's cut, unsteered.
    pub directors_cut: bool,
    /// The stored profile to start from.
    pub profile: Option<ViewerProfile>,
    /// Consent to the uplink at the start (live changes may turn it on or off).
    pub consent: bool,
    /// Why the viewer's signals cannot steer this viewing (no tension model loaded):
    /// every decision's reason says so.
    pub unsteered: Option<String>,
}

/// The director's ends toward a live host: what it is told, what it may change.
#[derive(Default)]
pub struct DirectorHost {
    /// Decisions and ticks as they happen.
    pub events: Option<super::host::EventHandler>,
    /// Live changes stamped in viewing time.
    pub controls: Option<Receiver<super::live::Stamped>>,
    /// A live display's clock: the director keeps within [`PACE_AHEAD_S`] of it, so a
    /// change made now (the end included) lands now even when no samples pace the
    /// director (the director's cut, a replay).
    pub pace: Option<HostClock>,
}

/// How far the director may run ahead of a live host's clock, seconds: more than the
/// audio and frames queued ahead of what is heard and seen.
pub const PACE_AHEAD_S: f64 = 1.0;

/// Where a live host's audio sink is, in viewing time.
#[derive(Clone)]
pub struct HostClock {
    /// Frames the host's sink has played.
    pub clock: AudioClock,
    /// Viewing time of the sink's first frame (a seek's start), seconds.
    pub start_at: f64,
    /// The sink's frames per second.
    pub rate: f64,
}

impl HostClock {
    /// Viewing time heard now, seconds.
    pub fn now(&self) -> f64 {
        self.start_at + self.clock.frames() as f64 / self.rate
    }
}
use livingfilm_audio::feeder::Feeder;
use livingfilm_audio::loudness::LoudnessMeter;
use livingfilm_audio::sink::{AudioClock, AudioSink, SinkError, Tee, WavSink};
use livingfilm_audio::{Mixer, ScorePlan, MIX_CHANNELS};
use livingfilm_biometrics::{
    FeatureConfig, FeatureExtractor, Features, SampleSource, CONFIDENCE_DECAY_S, FEATURE_RATE_HZ,
};
use livingfilm_director::{Controller, Directive, DirectorEvent, Film, SegmentSummary};
use livingfilm_inference::{Estimate, TensionModel};
use livingfilm_render::media::y4m::{Y4mHeader, Y4mWriter};
use livingfilm_render::{camera_pose, key_light, output, FrameParams, FrameRenderer, Signage};

/// Seconds between feature frames, estimates and directives.
pub const TICK_S: f64 = 1.0 / FEATURE_RATE_HZ;
const AUDIO_BLOCK_FRAMES: usize = 1024;

fn output_err(path: &Path, source: std::io::Error) -> PlayerError {
    PlayerError::Output {
        path: path.to_owned(),
        source,
    }
}

/// Feeds a sample source through the feature extractor and emits features every tick;
/// ends when the source has ended and its confidence has decayed, or when the
/// downstream stages hang up.
pub fn biometrics(mut source: Box<dyn SampleSource>, tx: Sender<Features>) {
    let cfg = FeatureConfig::default();
    let mut fx = FeatureExtractor::new(cfg);
    let mut batch = Vec::new();
    let mut last_seen: Option<f64> = None;
    let mut live = true;
    for k in 0u64.. {
        let t = k as f64 * TICK_S;
        if live {
            live = source.poll(t, &mut batch);
        }
        for s in batch.drain(..) {
            last_seen = Some(s.t);
            fx.push(s);
        }
        let Some(seen) = last_seen else {
            if !live {
                return; // nothing at all to play
            }
            if tx.send(fx.features_at(t)).is_err() {
                return;
            }
            continue;
        };
        // A finished replay runs on until its confidence has decayed to nothing.
        if !live && t > seen + cfg.dropout_s + 6.0 * CONFIDENCE_DECAY_S {
            break;
        }
        if tx.send(fx.features_at(t)).is_err() {
            break;
        }
    }
}

/// Runs the tension model on every feature frame; failures become zero-confidence
/// estimates. Without a model (it failed to load) the director gets no estimates and
/// plays its default cut; `load_error` says why, in the report.
pub fn inference(
    model: Option<TensionModel>,
    load_error: Option<String>,
    model_path: &Path,
    rx: Receiver<Features>,
    tx: Sender<Estimate>,
    events: Option<super::host::EventHandler>,
) -> InferenceReport {
    if let Some(e) = &events {
        let provider = model
            .as_ref()
            .map_or("none (director's cut)", |m| m.provider());
        e(super::host::PlayerEvent::Provider(provider.to_owned()));
    }
    let mut errors: Vec<String> = load_error.into_iter().collect();
    let mut error_count = 0u64;
    let Some(mut model) = model else {
        drop(tx);
        rx.iter().for_each(drop);
        return InferenceReport {
            model: model_path.display().to_string(),
            provider: "none (director's cut)".into(),
            skipped_providers: Vec::new(),
            calls: 0,
            mean_us: 0.0,
            error_count: 0,
            errors,
        };
    };
    for f in rx {
        let est = model.estimate(&f).unwrap_or_else(|e| {
            error_count += 1;
            if errors.len() < 5 {
                errors.push(e.to_string());
            }
            Estimate {
                t: f.t,
                tension: 0.0,
                confidence: 0.0,
            }
        });
        if tx.send(est).is_err() {
            break;
        }
    }
    let (calls, mean_us) = model.stats();
    InferenceReport {
        model: model.path().display().to_string(),
        provider: model.provider().to_owned(),
        skipped_providers: model.skipped_providers().to_vec(),
        calls,
        mean_us,
        error_count,
        errors,
    }
}

/// Steers the film tick by tick; a missing estimate counts as no signal.
pub fn director(
    film: Arc<Film>,
    forced: Option<Vec<u8>>,
    choices: ViewerChoices,
    rx: Receiver<Estimate>,
    outs: Vec<Sender<DirectorEvent>>,
    summaries: Sender<SegmentSummary>,
    host: DirectorHost,
) -> DirectorOutput {
    use super::live::{Control, ControlInbox, Tick};
    let DirectorHost {
        events,
        controls,
        pace,
    } = host;
    let live = controls.is_some();
    let mut inbox = ControlInbox::new(controls);
    // Without live controls every summary goes on and the uplink stage applies consent;
    // with them, only summaries of segments that end while consent is on leave here.
    let mut consent_now = choices.consent;
    let mut trace = Vec::new();
    let mut drive = 0.0f32;
    let mut ctl = match forced {
        Some(d) => Controller::replaying(film, d),
        None => Controller::new(film),
    };
    ctl.set_placement_consent(choices.placement_consent);
    ctl.set_directors_cut(choices.directors_cut);
    if let Some(why) = choices.unsteered {
        ctl.set_unsteered(why);
    }
    if let Some(p) = choices.profile {
        ctl.assume_sensitivity(p.sensitivity, p.evidence_s.min(MAX_PROFILE_EVIDENCE_S));
    }
    let mut finished = Vec::new();
    let mut duration_s = 0.0;
    'ticks: for k in 0u64.. {
        let t = k as f64 * TICK_S;
        // Paced by a live host until it hangs up its controls (a seek abandons the viewing).
        while pace.as_ref().is_some_and(|p| t > p.now() + PACE_AHEAD_S) && inbox.is_open() {
            std::thread::sleep(Duration::from_millis(5));
        }
        let est = match rx.recv() {
            Ok(e) if (e.t - t).abs() < 1e-6 => e,
            _ => Estimate {
                t,
                tension: 0.0,
                confidence: 0.0,
            },
        };
        let mut ended = false;
        inbox.due(t, |c| match c {
            Control::DirectorsCut(on) => ctl.set_directors_cut(on),
            Control::Strength(s) => ctl.set_strength(s),
            Control::Consent(on) => consent_now = on,
            Control::End => ended = true,
        });
        if ended {
            for tx in &outs {
                let _ = tx.send(DirectorEvent::End { duration_s: t });
            }
            duration_s = t;
            break;
        }
        let told = ctl.decisions().len();
        let step = ctl.tick(&est, TICK_S);
        for e in &step.events {
            if let DirectorEvent::Directive(d) = e {
                drive = d.drive;
            }
        }
        let (segment_start, segment_end) = ctl.segment_span();
        let now = Tick {
            t,
            segment: ctl.segment(),
            variant: ctl.variant(),
            segment_start,
            segment_end,
            target: ctl.target_at(t),
            tension: ctl.tension(),
            confidence: ctl.confidence(),
            drive,
        };
        if k % TRACE_EVERY == 0 {
            trace.push(super::report::TracePoint::from(now));
        }
        if let Some(events) = &events {
            for d in &ctl.decisions()[told..] {
                events(super::host::PlayerEvent::Decision(d.clone()));
            }
            events(super::host::PlayerEvent::Tick(now));
        }
        for s in step.finished {
            if !live || consent_now {
                let _ = summaries.send(s.clone());
            }
            finished.push(s);
        }
        for event in step.events {
            for tx in &outs {
                let _ = tx.send(event.clone());
            }
            if let DirectorEvent::End { duration_s: d } = event {
                duration_s = d;
                break 'ticks;
            }
        }
    }
    let (sensitivity, evidence_s) = ctl.learned_sensitivity();
    DirectorOutput {
        learned: (ctl.observed_s() > 0.0).then_some(ViewerProfile {
            sensitivity,
            evidence_s,
        }),
        decisions: ctl.decisions().to_vec(),
        decision_bytes: ctl.decision_bytes(),
        summaries: finished,
        duration_s,
        trace,
    }
}

/// Ticks between points of the report's tension trace (1 Hz).
const TRACE_EVERY: u64 = FEATURE_RATE_HZ as u64;

/// Follows the director's events in time order: `at(t)` returns the directive in force at `t`.
struct Timeline {
    rx: Receiver<DirectorEvent>,
    current: Option<Directive>,
    pending: Option<DirectorEvent>,
    end: Option<f64>,
    /// Directives that came into force since the last drain (when collecting).
    fresh: Option<Vec<Directive>>,
}

impl Timeline {
    fn new(rx: Receiver<DirectorEvent>) -> Self {
        let pending = rx.recv().ok();
        Self {
            rx,
            current: None,
            pending,
            end: None,
            fresh: None,
        }
    }

    /// Also keeps every directive that comes into force, for [`Timeline::drain`].
    fn collecting(mut self) -> Self {
        self.fresh = Some(Vec::new());
        self
    }

    /// Directives that came into force since the last call, in time order.
    fn drain(&mut self) -> Vec<Directive> {
        self.fresh.as_mut().map(std::mem::take).unwrap_or_default()
    }

    /// The directive in force at `t`, or `None` once the film has ended (or the director
    /// stopped); preload announcements on the way go to `preload`.
    fn at(&mut self, t: f64, mut preload: impl FnMut(&[usize])) -> Option<Directive> {
        loop {
            match &self.pending {
                Some(DirectorEvent::Directive(d)) if d.t <= t + 1e-9 => {
                    self.current = Some(*d);
                    if let Some(fresh) = &mut self.fresh {
                        fresh.push(*d);
                    }
                }
                Some(DirectorEvent::Preload { t: at, segments }) if *at <= t + 1e-9 => {
                    preload(segments);
                }
                Some(DirectorEvent::End { duration_s }) => {
                    self.end = Some(*duration_s);
                    break;
                }
                Some(_) => break,
                None => return None,
            }
            self.pending = self.rx.recv().ok();
        }
        match self.end {
            Some(e) if t >= e - 1e-9 => None,
            _ => self.current,
        }
    }
}

/// What the renderer needs for frame `frame_index` at viewing time `t` under `d`.
struct FrameContext<'a> {
    film: &'a Film,
    scene_of: &'a [Vec<usize>],
    signage: &'a Signage,
    seed: u32,
}

fn frame_params(
    c: &FrameContext,
    renderer: &FrameRenderer,
    d: &Directive,
    t: f64,
    frame_index: u32,
) -> Result<FrameParams, PlayerError> {
    let v = &c.film.segments[d.segment].variants[d.variant];
    let scene = c.scene_of[d.segment][d.variant];
    let progress = ((t - d.segment_start) / d.segment_duration) as f32;
    let info = renderer.scene_info(scene).ok_or(PlayerError::Stage {
        stage: "render",
        reason: format!(
            "scene {} was not loaded before its frame",
            v.scene.display()
        ),
    })?;
    Ok(FrameParams {
        scene,
        pose: camera_pose(&v.camera, info, progress),
        light: v.light,
        exposure: d.exposure,
        fog: d.fog,
        rain: d.rain,
        key_light: key_light(v.key_light.map(|k| k.dir), d.key_light),
        snow: d.snow,
        signs: c.signage.frame_signs(d),
        look_weights: d.look_weights,
        drive: d.drive,
        frame_index,
        seed: c.seed,
    })
}

fn progress_bar(cfg: &PlayerConfig, film: &Film) -> Progress {
    let default_s = film.default_duration_s();
    Progress::new(
        cfg.progress,
        (default_s * film.info.fps as f64).ceil() as u64,
    )
}

/// Where rendered frames go besides the report, and how the renderer was chosen.
pub struct RenderOutputs {
    /// Why the CPU renders although a GPU was asked for (auto fallback).
    pub fallback: Option<String>,
    /// The host takes every frame instead of `film.y4m` and PNGs.
    pub host: Option<Sender<super::host::HostFrame>>,
    /// The film's signs in the viewer's locale.
    pub signage: Signage,
    /// The host's clock: a frame already late by it is skipped, not drawn.
    pub late_by: Option<HostClock>,
    /// Buffers the host hands back for reuse.
    pub recycle: Option<Receiver<Vec<u8>>>,
}

/// Renders every frame at its film time and writes Y4M (and PNGs), or hands them to
/// the host.
pub fn render(
    film: &Film,
    mut renderer: FrameRenderer,
    seed: u32,
    cfg: &PlayerConfig,
    outputs: RenderOutputs,
    rx: Receiver<DirectorEvent>,
    clock_rx: Receiver<Option<AudioClock>>,
) -> Result<RenderReport, PlayerError> {
    let fps = film.info.fps;
    let (w, h) = renderer.size();
    let video = cfg.out_dir.join("film.y4m");
    let mut y4m = match outputs.host {
        Some(_) => None,
        None => {
            let file = std::fs::File::create(&video).map_err(|e| output_err(&video, e))?;
            Some(
                Y4mWriter::new(std::io::BufWriter::new(file), Y4mHeader::new(w, h, fps))
                    .map_err(|e| output_err(&video, e))?,
            )
        }
    };
    let host = outputs.host;
    let y4m_written = y4m.is_some();
    let png = cfg.png && host.is_none();
    let frames_dir = cfg.out_dir.join("frames");
    if png {
        std::fs::create_dir_all(&frames_dir).map_err(|e| output_err(&frames_dir, e))?;
    }
    let clock = clock_rx.recv().ok().flatten();
    let pb = progress_bar(cfg, film);
    let mut timeline = Timeline::new(rx);
    let scene_of = film.scene_indices();
    let ctx = FrameContext {
        film,
        scene_of: &scene_of,
        signage: &outputs.signage,
        seed,
    };
    let mut hasher = Sha256::new();
    let mut rgba = Vec::new();
    let mut gpu_time = Duration::ZERO;
    // Frames are submitted one ahead of the one read back and written (`frames`).
    let mut submitted = 0u32;
    let mut frames = 0u32;
    let mut write = |rgba: &[u8], n: u32| -> Result<(), PlayerError> {
        hasher.update(rgba);
        if let Some(host) = &host {
            let mut buf = outputs
                .recycle
                .as_ref()
                .and_then(|r| r.try_recv().ok())
                .unwrap_or_default();
            buf.clear();
            buf.extend_from_slice(rgba);
            let frame = super::host::HostFrame {
                index: n,
                t: n as f64 / fps as f64,
                rgba: buf,
            };
            return host.send(frame).map_err(|_| PlayerError::Stage {
                stage: "render",
                reason: "the host stopped taking frames".into(),
            });
        }
        if let Some(y4m) = y4m.as_mut() {
            y4m.write_rgba8(rgba).map_err(|e| output_err(&video, e))?;
        }
        if png {
            let path = frames_dir.join(format!("frame_{n:05}.png"));
            output::write_png(&path, w, h, rgba).map_err(|e| output_err(&path, e))?;
        }
        Ok(())
    };
    let mut av = super::av_sync::AvSync::new(fps, film.info.sample_rate);
    let mut warnings = renderer.take_warnings();
    let started = Instant::now();
    let mut preload = Vec::new();
    // The opening segment's scenes load before the first frame; later ones when announced.
    for &scene in &scene_of[0] {
        renderer.load_scene(scene)?;
    }
    let (mut scenes_preloaded, mut scene_stalls) = (0u32, 0u32);
    let mut late_skipped = 0u32;
    // Frames counted but never drawn (before a seek's start, or late).
    let mut not_drawn = 0u32;
    let mut peak_resident = renderer.resident_scenes();
    loop {
        let t = submitted as f64 / fps as f64;
        let Some(d) = timeline.at(t, |segments| {
            for &s in segments {
                for &scene in &scene_of[s] {
                    preload.push(scene);
                }
            }
        }) else {
            break;
        };
        if !preload.is_empty() {
            // Keep what plays now and what may come next; free the rest.
            preload.push(scene_of[d.segment][d.variant]);
            renderer.retain_scenes(&preload);
            for scene in preload.drain(..) {
                if renderer.load_scene(scene)? {
                    scenes_preloaded += 1;
                }
            }
            peak_resident = peak_resident.max(renderer.resident_scenes());
        }
        if renderer.load_scene(scene_of[d.segment][d.variant])? {
            scene_stalls += 1; // not announced ahead: loaded at the cut
        }
        if t < cfg.start_at - 0.5 / fps as f64 {
            // Before a seek's start: decided and counted, not drawn.
            submitted += 1;
            frames += 1;
            not_drawn += 1;
            pb.inc();
            continue;
        }
        if let Some(host_clock) = &outputs.late_by {
            let now = host_clock.now();
            if submitted > 0 && t + 1.0 / fps as f64 <= now {
                // A live display is behind: drop this frame rather than fall further back
                // (after delivering the one in flight, so indices stay right).
                if renderer.pipelined(None, &mut rgba)? {
                    write(&rgba, frames)?;
                    frames += 1;
                }
                submitted += 1;
                frames += 1;
                late_skipped += 1;
                not_drawn += 1;
                continue;
            }
        }
        if let Some(clock) = &clock {
            // Video follows the audio clock (see av_sync).
            av.wait(
                submitted as u64,
                || clock.frames(),
                || started.elapsed(),
                std::thread::sleep,
            );
        }
        let p = frame_params(&ctx, &renderer, &d, t, submitted)?;
        let start = Instant::now();
        let ready = renderer.pipelined(Some(&p), &mut rgba)?;
        gpu_time += start.elapsed();
        submitted += 1;
        if ready {
            write(&rgba, frames)?;
            frames += 1;
        }
        warnings.extend(renderer.take_warnings());
        if let Some(end) = timeline.end {
            pb.set_length((end * fps as f64).ceil() as u64);
        }
        pb.set_segment(&film.segments[d.segment].id);
        pb.inc();
    }
    let start = Instant::now();
    if renderer.pipelined(None, &mut rgba)? {
        gpu_time += start.elapsed();
        write(&rgba, frames)?;
        frames += 1;
    }
    pb.finish();
    if let Some(y4m) = y4m {
        y4m.finish().map_err(|e| output_err(&video, e))?;
    }
    if timeline.end.is_none() {
        return Err(PlayerError::Stage {
            stage: "director",
            reason: "stopped before the end of the film".into(),
        });
    }
    let secs = gpu_time.as_secs_f64();
    warnings.extend(renderer.take_warnings());
    Ok(RenderReport {
        adapter: renderer.adapter_name(),
        fallback: outputs.fallback,
        warnings,
        width: w,
        height: h,
        fps,
        frames,
        render_fps: if secs > 0.0 {
            (frames - not_drawn) as f64 / secs
        } else {
            0.0
        },
        frames_sha256: hex(&hasher.finalize()),
        scenes_preloaded,
        scene_stalls,
        late_skipped,
        peak_resident_scenes: peak_resident,
        av_drift_max_ms: clock.as_ref().map(|_| av.max_drift_s * 1e3),
        video: y4m_written.then(|| video.display().to_string()),
        frames_dir: png.then(|| frames_dir.display().to_string()),
    })
}

/// The configured device behind a [`Resilient`](livingfilm_audio::sink::Resilient) sink:
/// if it is lost the mix goes on, paced, on the same clock, and it is retried each second.
#[cfg(feature = "audio-device")]
pub fn open_device(
    rate: u32,
    name: Option<String>,
    clock: AudioClock,
) -> Result<(Box<dyn AudioSink>, AudioClock, String), SinkError> {
    use livingfilm_audio::sink::{DeviceSink, Resilient};
    let first = DeviceSink::open(rate, name.as_deref(), clock.clone())?;
    let label = first.name().to_owned();
    let opener = Box::new(
        move |clock: &AudioClock| -> Result<Box<dyn AudioSink>, SinkError> {
            Ok(Box::new(DeviceSink::open(
                rate,
                name.as_deref(),
                clock.clone(),
            )?))
        },
    );
    let sink = Resilient::new(
        Box::new(first),
        opener,
        clock.clone(),
        rate,
        Duration::from_secs(1),
    );
    Ok((Box::new(sink), clock, label))
}

#[cfg(not(feature = "audio-device"))]
pub(crate) fn open_device(
    _rate: u32,
    _name: Option<String>,
    _clock: AudioClock,
) -> Result<(Box<dyn AudioSink>, AudioClock, String), SinkError> {
    Err(SinkError::Device(
        "built without the `audio-device` feature".into(),
    ))
}

/// The opened sink, the device clock when a device plays, and a description for the report.
type OpenedSinks = (Box<dyn AudioSink>, Option<AudioClock>, String);

/// The WAV record always; the device too unless headless (or if it cannot open in `auto`).
fn open_sinks(cfg: &PlayerConfig, wav: &Path, rate: u32) -> Result<OpenedSinks, PlayerError> {
    if cfg.audio == AudioMode::Null {
        return Ok((
            Box::new(livingfilm_audio::sink::NullSink),
            None,
            "null (virtual clock)".into(),
        ));
    }
    let wav_sink = Box::new(WavSink::create(wav, rate)?);
    if cfg.audio == AudioMode::Headless {
        return Ok((wav_sink, None, "wav (virtual clock)".into()));
    }
    if !cfg.audio.tries_device() {
        return Ok((
            wav_sink,
            None,
            "wav (virtual clock; no audio output present)".into(),
        ));
    }
    match open_device(rate, cfg.audio_device.clone(), AudioClock::default()) {
        Ok((dev, clock, name)) => Ok((
            Box::new(Tee(vec![dev, wav_sink])),
            Some(clock),
            format!("device `{name}` + wav"),
        )),
        Err(e) if cfg.audio == AudioMode::Device => Err(e.into()),
        Err(e) => Ok((wav_sink, None, format!("wav (virtual clock; {e})"))),
    }
}

/// Mixes the score block by block as the directives ask, into the sinks. On the
/// virtual clock the mixer waits for the feeder (no underruns, byte-identical runs);
/// on a device it never waits and counts underruns instead.
pub fn audio(
    film: &Film,
    score: (Feeder, Mixer),
    mut plan: ScorePlan,
    cfg: &PlayerConfig,
    host: Option<Box<dyn AudioSink>>,
    rx: Receiver<DirectorEvent>,
    clock_tx: Sender<Option<AudioClock>>,
) -> Result<AudioReport, PlayerError> {
    let (feeder, mut mixer) = score;
    let rate = film.info.sample_rate;
    let wav = cfg.out_dir.join("mix.wav");
    let hosted = host.is_some();
    let opened = match host {
        Some(sink) => Ok((sink, None, "host".to_owned())),
        None => open_sinks(cfg, &wav, rate),
    };
    let (mut sink, clock, sink_name) = match opened {
        Ok(s) => s,
        Err(e) => {
            let _ = clock_tx.send(None);
            return Err(e);
        }
    };
    let on_device = clock.is_some();
    let _ = clock_tx.send(clock);
    let mut timeline = Timeline::new(rx).collecting();
    let mut block = vec![0f32; AUDIO_BLOCK_FRAMES * MIX_CHANNELS];
    let mut hasher = Sha256::new();
    let (mut sum_sq, mut peak, mut frames) = (0f64, 0f32, 0u64);
    // What is written is measured (BS.1770), here on the mixing thread, never in a
    // device callback.
    let mut meter = LoudnessMeter::new(rate).map_err(|e| PlayerError::Stage {
        stage: "audio",
        reason: e.to_string(),
    })?;
    // The mixer runs its limiter's look-ahead ahead of its output: directives are
    // collected that much further ahead, so each still lands on its own frame.
    let ahead = mixer.latency() as u64;
    let mut failures: Vec<Option<String>> = vec![None; film.music.stems.len()];
    let start_frame = (cfg.start_at.max(0.0) * rate as f64).round() as u64;
    let frames_left = |timeline: &Timeline, frames: u64| {
        timeline
            .end
            .map(|end| ((end * rate as f64).round() as u64).saturating_sub(frames) as usize)
    };
    loop {
        let t = frames as f64 / rate as f64;
        if timeline.at(t, |_| {}).is_none() {
            break;
        }
        let mut n = AUDIO_BLOCK_FRAMES.min(frames_left(&timeline, frames).unwrap_or(usize::MAX));
        if n == 0 {
            break;
        }
        // Every directive that starts inside this block (and the mixer's look-ahead
        // after it), at its exact frame.
        timeline.at((frames + n as u64 - 1) as f64 / rate as f64, |_| {});
        n = n.min(frames_left(&timeline, frames).unwrap_or(usize::MAX));
        timeline.at((frames + n as u64 - 1 + ahead) as f64 / rate as f64, |_| {});
        if n == 0 {
            break;
        }
        for d in timeline.drain() {
            mixer.schedule(plan.command(&d, rate));
        }
        if !on_device {
            mixer.wait_for_input(n);
        }
        let out = &mut block[..n * MIX_CHANNELS];
        mixer.process(out);
        for &s in out.iter() {
            sum_sq += (s as f64) * (s as f64);
            peak = peak.max(s.abs());
            hasher.update(s.to_le_bytes());
        }
        // Before a seek's start the mix is made (the score's state depends on it) but
        // not played.
        let skip = start_frame.saturating_sub(frames).min(n as u64) as usize;
        if skip < n {
            let played = &out[skip * MIX_CHANNELS..];
            sink.write(played)?;
            meter.add(played).map_err(|e| PlayerError::Stage {
                stage: "audio",
                reason: e.to_string(),
            })?;
        }
        frames += n as u64;
        for f in feeder.failures() {
            failures[f.stem].get_or_insert(f.message);
        }
    }
    let sink_stats = sink.finish()?;
    let stats = mixer.stats().clone();
    drop(feeder);
    let n = (frames as f64 * MIX_CHANNELS as f64).max(1.0);
    let rms = (sum_sq / n).sqrt();
    let loudness = meter.figures();
    let stems = film
        .music
        .stems
        .iter()
        .enumerate()
        .map(|(k, s)| StemReport {
            id: s.id.clone(),
            underruns: stats.underruns[k],
            failed: failures[k]
                .take()
                .or_else(|| stats.failed[k].then(|| "decoding failed".into())),
        })
        .collect();
    Ok(AudioReport {
        sink: sink_name,
        sample_rate: rate,
        frames,
        rms_dbfs: 20.0 * rms.max(1e-12).log10(),
        peak,
        integrated_lufs: loudness.integrated_lufs,
        loudness_range_lu: loudness.loudness_range_lu,
        peak_dbfs: loudness.peak_dbfs,
        true_peak_dbtp: loudness.true_peak_dbtp,
        clipped_samples_before_limiter: stats.limiter.clipped_in,
        clipped_samples: stats.limiter.clipped_out,
        limiter_max_reduction_db: stats.limiter.max_reduction_db(),
        limited_s: stats.limiter.limited_frames as f64 / rate as f64,
        underruns: sink_stats.underruns,
        stems,
        cue_changes: stats.cue_changes,
        stingers: stats.stingers,
        ducked_s: stats.ducked_frames as f64 / rate as f64,
        callback_worst_us: sink_stats.callback_worst_us,
        callback_period_us: sink_stats.callback_period_us,
        device_losses: sink_stats.device_losses,
        sha256: hex(&hasher.finalize()),
        wav: (cfg.audio != AudioMode::Null && !hosted).then(|| wav.display().to_string()),
    })
}

/// Uniform in [0, 1) from the operating system's generator (privacy noise must not be
/// predictable, so never the film's seed).
fn os_uniform() -> f64 {
    let mut b = [0u8; 8];
    // Without OS randomness nothing is queued (see `uplink`), so 0 is never used.
    let _ = getrandom::fill(&mut b);
    (u64::from_le_bytes(b) >> 11) as f64 / (1u64 << 53) as f64
}

fn random_hex() -> Result<String, String> {
    let mut id = [0u8; 8];
    getrandom::fill(&mut id).map_err(|e| format!("no OS randomness: {e}"))?;
    Ok(hex(&id))
}

/// With consent: randomizes each segment's quantized delta (ε per record, within the
/// viewing's budget), appends the records to the durable queue, and delivers what is
/// queued to the endpoint if there is one. Without consent nothing is written or sent.
/// Consent is re-checked before every record and every request: a revoke during the
/// viewing (`livingfilm consent revoke`, any process) stops both, and the queue it
/// deleted is not made again.
///
/// `watch` is the consent store's revocation count noted as the viewing started (only
/// when consent may be in force; reading it writes nothing).
pub fn uplink(
    film: &Film,
    cfg: &PlayerConfig,
    rx: Receiver<SegmentSummary>,
    live: bool,
    watch: Option<
        Result<livingfilm_uplink::consent::ConsentWatch, livingfilm_uplink::consent::ConsentError>,
    >,
) -> UplinkReport {
    let deltas: Vec<livingfilm_uplink::Delta> = rx
        .iter()
        .filter_map(|s| livingfilm_uplink::quantize(&s))
        .collect();
    // With live controls the director forwards only segments that ended under consent.
    let consent = cfg.consent || (live && !deltas.is_empty());
    let mut report = UplinkReport {
        consent,
        records: deltas.len(),
        epsilon: cfg.epsilon,
        ..UplinkReport::default()
    };
    if !consent {
        return report;
    }
    let watch = match watch {
        Some(Ok(w)) => w,
        Some(Err(e)) => {
            report.error = Some(e.to_string());
            return report;
        }
        None => return report,
    };
    let queue_dir = watch.store().queue_dir();
    report.queue = Some(queue_dir.display().to_string());
    let withdrawn = |report: &mut UplinkReport| {
        report.withdrawn = true;
        report.error = Some(
            "consent was withdrawn during the viewing: nothing more was queued or sent".into(),
        );
    };
    let opened = match watch.permit() {
        Some(_permit) => livingfilm_uplink::queue::Queue::open(&queue_dir, cfg.queue_capacity),
        None => {
            withdrawn(&mut report);
            return report;
        }
    };
    let mut queue = match opened {
        Ok((q, rec)) => {
            report.truncated_bytes = rec.truncated_bytes;
            report.queue_rebuilt = rec.rebuilt.map(|why| why.to_string());
            q
        }
        Err(e) => {
            report.error = Some(e.to_string());
            return report;
        }
    };
    let viewing = match random_hex() {
        Ok(v) => v,
        Err(e) => {
            report.error = Some(e);
            return report;
        }
    };
    let rr = livingfilm_uplink::ldp::RandomizedResponse {
        epsilon: cfg.epsilon,
    };
    let allowed = (cfg.epsilon_budget / cfg.epsilon + 1e-9).floor().max(0.0) as usize;
    report.over_budget = deltas.len().saturating_sub(allowed);
    for d in deltas.into_iter().take(allowed) {
        let Ok(record) = random_hex() else { break };
        let r = livingfilm_uplink::Record {
            film_id: film.info.id.clone(),
            film_version: film.version(),
            segment: d.segment,
            tension_delta_pct: rr.report(d.tension_delta_pct, os_uniform),
            epsilon: cfg.epsilon,
            viewing: viewing.clone(),
            record,
        };
        let Some(_permit) = watch.permit() else {
            withdrawn(&mut report);
            return report;
        };
        match queue.push(&serde_json::to_vec(&r).unwrap_or_default()) {
            Ok(()) => report.queued += 1,
            Err(e) => report.error = Some(e.to_string()),
        }
    }
    if let Some(url) = cfg.uplink_url.as_deref() {
        report.endpoint = Some(url.to_owned());
        let endpoint = match livingfilm_uplink::sender::Endpoint::parse(url) {
            Ok(e) => e,
            Err(e) => {
                report.error = Some(e.to_string());
                report.pending = queue.len();
                return report;
            }
        };
        let ca_pem = match cfg.uplink_ca.as_ref().map(std::fs::read).transpose() {
            Ok(pem) => pem,
            Err(e) => {
                report.error = Some(format!("uplink CA: {e}"));
                report.pending = queue.len();
                return report;
            }
        };
        let policy = livingfilm_uplink::sender::SendPolicy {
            ca_pem,
            max_attempts: 3,
            timeout: Duration::from_secs(5),
            ..Default::default()
        };
        let sent = livingfilm_uplink::sender::deliver(
            &mut queue,
            &endpoint,
            &policy,
            || watch.permit(),
            std::thread::sleep,
            os_uniform,
        );
        match sent {
            Ok(s) if s.withdrawn => {
                report.delivered = s.delivered;
                withdrawn(&mut report);
                return report;
            }
            Ok(s) => {
                report.delivered = s.delivered;
                if s.last_error.is_some() {
                    report.error = s.last_error;
                }
            }
            Err(e) => report.error = Some(e.to_string()),
        }
    }
    report.pending = queue.len();
    report.dropped = queue.dropped();
    report
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
