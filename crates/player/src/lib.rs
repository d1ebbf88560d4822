//! The player: wires the stages together on threads joined by bounded channels.
//!
//! ```text
//! biometrics ─► inference ─► director ─┬► render ─► frames (Y4M / PNG)
//!  (replay)      (ort)       (controller) ├► audio  ─► mix.wav (+ device)
//!                                        └► uplink ─► loopback/HTTP, with consent
//! ```
//! Time is viewing time in seconds. Every stage consumes its input in time order and
//! blocks on it, so a headless run is a pure function of film, replay and seed (the
//! virtual clock). With an audio device the device's frame counter paces the video.

pub mod av_sync;
pub mod fonts;
pub mod host;
pub mod live;
#[cfg(feature = "cli")]
mod plot;
pub mod profile;
mod progress;
mod report;
pub mod shipped;
mod stages;

#[cfg(feature = "audio-device")]
pub use stages::open_device;
pub use stages::HostClock;

pub use host::{HostFrame, HostIo, PlayerEvent};
pub use live::{Control, Stamped, Tick};
pub use livingfilm_uplink::{UplinkReport, UplinkSettings};
pub use report::{AudioReport, InferenceReport, ProfileReport, RenderReport, Report, TracePoint};

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use crossbeam_channel::bounded;

use livingfilm_biometrics::recording::{load_recording, Format, Recording, RecordingError};
use livingfilm_biometrics::simulate::{simulate, Profile};
use livingfilm_biometrics::{load_replay, ReplayError, ReplaySource, Sample};
use livingfilm_director::{CutId, CutIdError, Film, FilmError};
use livingfilm_inference::{SessionOptions, TensionModel};
use livingfilm_render::{FrameRenderer, GpuError, RenderBackend, RenderError};

/// How the mix is played.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AudioMode {
    /// The audio device if one opens, else headless.
    #[default]
    Auto,
    /// The default audio device (error if none); its clock paces the video.
    Device,
    /// No device: write the mix to a WAV file on a virtual clock.
    Headless,
    /// No device and no file: mix on the virtual clock and discard it (firmware smoke
    /// runs, benchmarks); the report still carries the mix's level and hash.
    Null,
}

impl AudioMode {
    /// Whether this mode plays through a device now: always for `device`, for `auto`
    /// when an output is plausibly there (checked without opening one).
    pub fn tries_device(self) -> bool {
        match self {
            AudioMode::Device => true,
            AudioMode::Auto => livingfilm_audio::sink::output_likely_present(),
            AudioMode::Headless | AudioMode::Null => false,
        }
    }
}

/// Everything a viewing is played with. Each stage gets its own part (`viewer`,
/// `inference`, `render`, `audio`, `uplink`); `Default` is a headless viewing of the
/// director's cut on the automatic renderer and audio, without consent, so a host sets
/// only what differs: `PlayerConfig { film, ..Default::default() }`.
#[derive(Debug, Clone, Default)]
pub struct PlayerConfig {
    /// Film manifest or folder.
    pub film: PathBuf,
    /// Output folder (empty: no files, as for a host that takes frames and sound).
    pub out_dir: PathBuf,
    /// Seed of the viewing (film grain).
    pub seed: u32,
    /// Viewing time to start showing from, seconds (a seek): everything before it is
    /// decided and mixed as usual but no frame or sample of it is delivered.
    pub start_at: f64,
    /// Show progress bars on the terminal (with the `cli` feature).
    pub progress: bool,
    /// What the viewer brings and chose.
    pub viewer: ViewerSettings,
    /// The tension model.
    pub inference: InferenceSettings,
    /// The frames.
    pub render: RenderSettings,
    /// The mix.
    pub audio: AudioSettings,
    /// What may leave the device (the uplink crate's own settings).
    pub uplink: UplinkSettings,
}

/// What the viewer brings (their body's signal, or a cut to replay) and chose.
#[derive(Debug, Clone, Default)]
pub struct ViewerSettings {
    /// Biometric replay file or simulated viewer; `None` plays the director's cut.
    pub biometrics: Option<PathBuf>,
    /// Layout of the biometrics file when it is not a replay CSV/JSONL (RR lines, raw
    /// ECG/PPG); `None` guesses from the extension (`.hea` is WFDB ECG).
    pub biometrics_format: Option<Format>,
    /// Sampling rate of raw ECG/PPG text, Hz.
    pub biometrics_rate: Option<f64>,
    /// Replays a cut ID instead of reading biometrics.
    pub cut: Option<String>,
    /// The viewer chose the director's cut: no biometrics are read, nothing is steered.
    pub directors_cut: bool,
    /// Viewer profile kept on this device (opt-in): the learned sensitivity, read at the
    /// start and written back at the end.
    pub profile: Option<PathBuf>,
    /// The viewer agreed to placements the director marked `needs_consent`.
    pub placement_consent: bool,
    /// The viewer's locale (`fr`, `pt-BR`): picks localized signs.
    pub locale: Option<String>,
}

/// Where the tension model comes from and what runs it.
#[derive(Debug, Clone, Default)]
pub struct InferenceSettings {
    /// Tension model; `None` finds the shipped one (`crate::shipped::find_model`: next
    /// to the executable, the installed data folders, the film, the source checkout).
    pub model: Option<PathBuf>,
    /// Execution providers to try for the model, in order (empty: the automatic order).
    pub providers: Vec<livingfilm_inference::Provider>,
    /// Cache of optimised model graphs (`None`: optimise at every load).
    pub cache: Option<PathBuf>,
}

/// How frames are drawn and written.
#[derive(Debug, Clone, Default)]
pub struct RenderSettings {
    /// Which renderer draws the frames.
    pub backend: RenderBackend,
    /// Override of the film's width.
    pub width: Option<u32>,
    /// Override of the film's height.
    pub height: Option<u32>,
    /// Also write every frame as PNG.
    pub png: bool,
}

/// Where the mix goes.
#[derive(Debug, Clone, Default)]
pub struct AudioSettings {
    /// Audio output.
    pub mode: AudioMode,
    /// Output device whose name contains this (default device when `None`).
    pub device: Option<String>,
}

impl PlayerConfig {
    /// Whether this viewing reads biometrics: the director's cut and a replay read none
    /// (and learn nothing about the viewer).
    pub fn reads_biometrics(&self) -> bool {
        !self.viewer.directors_cut && self.viewer.cut.is_none()
    }
}

/// Why a viewing could not start or finish.
#[derive(Debug, thiserror::Error)]
pub enum PlayerError {
    /// Bad film.
    #[error(transparent)]
    Film(#[from] FilmError),
    /// Bad replay file.
    #[error(transparent)]
    Replay(#[from] ReplayError),
    /// No usable GPU.
    #[error(transparent)]
    Gpu(#[from] GpuError),
    /// Renderer set-up or frame failure.
    #[error(transparent)]
    Render(#[from] RenderError),
    /// A bad cut ID.
    #[error(transparent)]
    Cut(#[from] CutIdError),
    /// The cut was watched with placements that need consent, and the replay has not
    /// been given it: without it the frames would differ from what was seen.
    #[error("this cut was watched with placements that need the viewer's consent; replay it with --placement-consent (placement_consent in the C API) to see what was shown")]
    CutNeedsPlacementConsent,
    /// Output folder problems.
    #[error("cannot write output {path}")]
    Output {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A stage failed during playback.
    #[error("{stage} stage failed: {reason}")]
    Stage { stage: &'static str, reason: String },
    /// The score cannot play (a stem or stinger is unusable).
    #[error(transparent)]
    Score(#[from] livingfilm_audio::ScoreError),
    /// A biometric recording (RR lines, ECG/PPG) could not be read.
    #[error(transparent)]
    Recording(#[from] RecordingError),
    /// The audio device was required but could not be used.
    #[error(transparent)]
    Sink(#[from] livingfilm_audio::sink::SinkError),
}

/// RR intervals of a recording as beats in viewing time (the first beat at its own time).
fn beats_as_samples(rec: &Recording) -> Vec<Sample> {
    let first = match (&rec.peaks, rec.rate_hz) {
        (Some(p), Some(rate)) => p.first().map_or(0.0, |&p| p as f64 / rate),
        _ => 0.0,
    };
    let mut t = first;
    rec.rr_ms
        .iter()
        .map(|&ms| {
            t += ms / 1000.0;
            Sample {
                t,
                reading: livingfilm_biometrics::Reading::Rr { ms },
            }
        })
        .collect()
}

/// Plays one viewing to the end and writes its outputs; returns the report.
pub fn play(cfg: &PlayerConfig) -> Result<Report, PlayerError> {
    play_with(cfg, HostIo::default())
}

/// Plays one viewing with some inputs and outputs owned by an embedding host (the C ABI):
/// what `host` supplies replaces the file or device `cfg` names.
pub fn play_with(cfg: &PlayerConfig, mut host: HostIo) -> Result<Report, PlayerError> {
    let started = Instant::now();
    let film = Arc::new(Film::load(&cfg.film)?);
    let replay_cut = cfg.viewer.cut.as_deref().map(CutId::parse).transpose()?;
    // What changes a frame besides the choices: the seed, the sign locale and placement
    // consent. A viewing puts them in its cut ID; a replay takes them from there.
    let (seed, forced, placement_consent, locale) = match &replay_cut {
        Some(id) => {
            id.check_film(&film.content_hash)?;
            if id.placement_consent && !cfg.viewer.placement_consent {
                return Err(PlayerError::CutNeedsPlacementConsent);
            }
            // Refuses choices that break the guardrails before anything plays.
            livingfilm_director::explain::replay_decisions(&film, id)?;
            let forced = Some(id.decisions.clone());
            (id.seed, forced, id.placement_consent, id.locale.clone())
        }
        None => {
            let locale = livingfilm_render::shown_locale(&film, cfg.viewer.locale.as_deref());
            (cfg.seed, None, cfg.viewer.placement_consent, locale)
        }
    };
    let samples: Vec<Sample> = match (&cfg.viewer.biometrics, &forced) {
        _ if cfg.viewer.directors_cut => Vec::new(),
        (Some(p), None) => match p.to_str().and_then(|s| s.strip_prefix("sim:")) {
            Some(name) => {
                let profile = Profile::from_name(name).ok_or_else(|| PlayerError::Stage {
                    stage: "biometrics",
                    reason: format!(
                        "unknown simulated viewer `{name}` (expected one of: {})",
                        Profile::ALL.map(Profile::name).join(", ")
                    ),
                })?;
                // The simulated viewer watches for the length of the director's cut.
                let length = film.default_duration_s();
                simulate(profile, length, cfg.seed as u64)
            }
            None => {
                let format =
                    cfg.viewer
                        .biometrics_format
                        .unwrap_or_else(|| match Format::guess(p) {
                            Format::Ecg => Format::Ecg,
                            _ => Format::Csv, // replay CSV or JSON lines, told apart by content
                        });
                match format {
                    Format::Csv | Format::Jsonl => load_replay(p)?,
                    _ => beats_as_samples(&load_recording(p, format, cfg.viewer.biometrics_rate)?),
                }
            }
        },
        _ => Vec::new(),
    };
    let host_samples = host.samples.take().filter(|_| cfg.reads_biometrics());
    // Without biometrics (or when replaying a cut) the model is never needed.
    let model_path = match &cfg.inference.model {
        Some(p) => Ok(p.clone()),
        None => crate::shipped::find_model(Some(&cfg.film)),
    };
    let no_input = samples.is_empty() && host_samples.is_none();
    let (model, no_model) = if no_input {
        (None, None)
    } else {
        let opts = SessionOptions {
            providers: cfg.inference.providers.clone(),
            cache_dir: cfg.inference.cache.clone(),
            ..SessionOptions::default()
        };
        let loaded = model_path
            .as_ref()
            .map_err(|e| e.to_string())
            .and_then(|p| TensionModel::load_with(p, &opts).map_err(|e| e.to_string()));
        match loaded {
            Ok(m) => (Some(m), None),
            Err(e) => (None, Some(format!("no tension model ({e})"))),
        }
    };
    let model_path = model_path.unwrap_or_else(|e| e.wanted);
    let load_error = no_model
        .as_ref()
        .map(|why| format!("{why}; playing the director's cut"));
    // What every decision's reason says when nothing can steer: the cause, not a weak
    // signal (a replay and the viewer's own director's cut say so themselves).
    let unsteered = no_model.or_else(|| {
        (no_input && replay_cut.is_none() && !cfg.viewer.directors_cut)
            .then(|| "no biometric input".to_owned())
    });
    let width = cfg.render.width.unwrap_or(film.info.width);
    let height = cfg.render.height.unwrap_or(film.info.height);
    let signage = livingfilm_render::Signage::load(&film, locale.as_deref())
        .map_err(livingfilm_render::RenderError::from)?;
    let (renderer, fallback) =
        FrameRenderer::open(cfg.render.backend, &film, &signage, width, height)?;
    if let Some(w) = &fallback {
        host.warn(w);
    }
    if let Some(e) = &load_error {
        host.warn(e);
    }
    let plan = livingfilm_audio::ScorePlan::new(&film);
    let score = livingfilm_audio::score::open(&film, &plan)?;
    if host.writes_files() {
        std::fs::create_dir_all(&cfg.out_dir).map_err(|source| PlayerError::Output {
            path: cfg.out_dir.clone(),
            source,
        })?;
    }

    // A replay or the director's cut learns nothing about the viewer: no profile then.
    let profile_path = cfg
        .viewer
        .profile
        .as_ref()
        .filter(|_| cfg.reads_biometrics());
    let mut profile_report = profile_path.map(|p| ProfileReport {
        path: p.display().to_string(),
        ..ProfileReport::default()
    });
    let stored = match (profile_path, profile_report.as_mut()) {
        (Some(p), Some(r)) => match profile::ViewerProfile::load(p) {
            Ok(found) => {
                r.loaded = found.map(|f| f.sensitivity);
                found
            }
            Err(e) => {
                r.error = Some(e.to_string());
                None
            }
        },
        _ => None,
    };
    let choices = stages::ViewerChoices {
        placement_consent,
        directors_cut: cfg.viewer.directors_cut,
        unsteered,
        profile: stored,
        consent: cfg.uplink.consent,
    };

    let (feat_tx, feat_rx) = bounded(64);
    let (est_tx, est_rx) = bounded(64);
    let (render_tx, render_rx) = bounded(64);
    let (audio_tx, audio_rx) = bounded(64);
    let (summary_tx, summary_rx) = bounded(64);
    let (clock_tx, clock_rx) = bounded(1);

    let out = std::thread::scope(|scope| {
        let source: Box<dyn livingfilm_biometrics::SampleSource> = match host_samples {
            Some(s) => s,
            None => Box::new(ReplaySource::new(samples, "replay")),
        };
        let bio = scope.spawn(|| stages::biometrics(source, feat_tx));
        let HostIo {
            frames: host_frames,
            audio: host_audio,
            open_audio,
            events,
            controls,
            late_by,
            recycle,
            ..
        } = host;
        let live = controls.is_some();
        // Noted before any stage runs, so a revoke from now on stops the uplink.
        let consent_watch = (cfg.uplink.consent || live)
            .then(|| livingfilm_uplink::consent::ConsentStore::new(&cfg.uplink.data_dir).watch());
        let host_clock = late_by.map(|clock| stages::HostClock {
            clock,
            start_at: cfg.start_at,
            rate: film.info.sample_rate as f64,
        });
        let pace = host_clock.clone();
        let events_for_director = events.clone();
        let events_for_inference = events.clone();
        let inf = scope.spawn(move || {
            stages::inference(
                model,
                load_error,
                &model_path,
                feat_rx,
                est_tx,
                events_for_inference,
            )
        });
        let dir = {
            let film = film.clone();
            scope.spawn(move || {
                stages::director(
                    film,
                    forced,
                    choices,
                    est_rx,
                    vec![render_tx, audio_tx],
                    summary_tx,
                    stages::DirectorHost {
                        events: events_for_director,
                        controls,
                        pace,
                    },
                )
            })
        };
        let aud = {
            let film = film.clone();
            scope.spawn(move || {
                let host_audio = host_audio
                    .map(|s| s as Box<dyn livingfilm_audio::sink::AudioSink>)
                    .or_else(|| open_audio.map(|open| open()));
                let out = stages::AudioOutput {
                    settings: &cfg.audio,
                    delivery: stages::Delivery::of(cfg),
                    host: host_audio,
                };
                stages::audio(&film, score, plan, out, audio_rx, clock_tx)
            })
        };
        let upl = {
            let film = film.clone();
            scope.spawn(move || {
                livingfilm_uplink::run(&film, &cfg.uplink, summary_rx, live, consent_watch)
            })
        };
        let ren = {
            let film = film.clone();
            scope.spawn(move || {
                let outputs = stages::RenderOutputs {
                    fallback,
                    host: host_frames,
                    signage,
                    late_by: host_clock,
                    recycle,
                    png: cfg.render.png,
                };
                let delivery = stages::Delivery::of(cfg);
                stages::render(
                    &film, renderer, seed, delivery, outputs, render_rx, clock_rx,
                )
            })
        };
        joined("biometrics", bio.join())?;
        let inference = joined("inference", inf.join())?;
        let director = joined("director", dir.join())?;
        let render = joined("render", ren.join())??;
        let audio = joined("audio", aud.join())??;
        let uplink = joined("uplink", upl.join())?;
        Ok::<_, PlayerError>((inference, director, render, audio, uplink, events))
    });
    let (inference, director, render, audio, uplink, events) = out?;
    // Write back what was learned, unless the stored profile could not be read (kept as is).
    if let (Some(p), Some(r), Some(learned)) =
        (profile_path, profile_report.as_mut(), director.learned)
    {
        if r.error.is_none() {
            match learned.save(p) {
                Ok(()) => r.saved = Some(learned.coarse().sensitivity),
                Err(e) => r.error = Some(e.to_string()),
            }
        }
    }
    let consent_matters = film.placement_items().any(|item| item.needs_consent);
    let cut_id = CutId::new(&film.content_hash, seed, director.decision_bytes.clone())
        .with_viewing(placement_consent && consent_matters, locale.as_deref());
    let report = Report::new(
        &film,
        cfg,
        seed,
        cut_id,
        director,
        inference,
        render,
        audio,
        uplink,
        profile_report,
        started.elapsed(),
    );
    if !cfg.out_dir.as_os_str().is_empty() {
        std::fs::create_dir_all(&cfg.out_dir).map_err(|source| PlayerError::Output {
            path: cfg.out_dir.clone(),
            source,
        })?;
        report.write(&cfg.out_dir)?;
        #[cfg(feature = "cli")]
        plot::write_figures(&report, &cfg.out_dir)?;
    }
    if let Some(events) = &events {
        events(PlayerEvent::End {
            cut_id: report.cut_id.clone(),
        });
    }
    Ok(report)
}

/// A stage thread's result, with a panic turned into an error naming the stage.
fn joined<T>(stage: &'static str, r: std::thread::Result<T>) -> Result<T, PlayerError> {
    r.map_err(|_| PlayerError::Stage {
        stage,
        reason: "thread panicked".into(),
    })
}
