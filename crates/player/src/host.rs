//! The seam an embedding host plugs into (the C ABI in `ffi/` is its one user): the host
//! pushes biometric samples, pulls frames and audio, and hears about decisions. Each
//! piece replaces the file or device a [`PlayerConfig`](super::PlayerConfig) would use.
//!
//! Everything here keeps the virtual clock: the player waits for the host's samples
//! (until a sample later than the tick arrives, or the host says there are no more),
//! so a host gets the same cut ID as the CLI for the same samples, however it paces
//! its calls.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crossbeam_channel::{Receiver, Sender};

use livingfilm_audio::sink::{AudioSink, SinkError, SinkStats};
use livingfilm_biometrics::{Sample, SampleSource};
use livingfilm_director::Decision;
use livingfilm_render::RenderBackend;

use super::{
    AudioSettings, InferenceSettings, PlayerConfig, RenderSettings, UplinkSettings, ViewerSettings,
};

/// Something the host is told as it happens.
#[derive(Debug, Clone)]
pub enum PlayerEvent {
    /// The director chose what a segment plays (at its start).
    Decision(Decision),
    /// Something degraded but the viewing goes on (a CPU render fallback, no model).
    Warning(String),
    /// The director's state at one tick (4 Hz): target, estimate, drive.
    Tick(super::live::Tick),
    /// The execution provider the tension model runs on (once, at the start).
    Provider(String),
    /// The viewing ended; this cut ID replays it.
    End {
        /// The `lf1-…` ID.
        cut_id: String,
    },
}

/// The host's event handler; it runs on the player's threads and must return quickly.
pub type EventHandler = Arc<dyn Fn(PlayerEvent) + Send + Sync>;

/// One finished frame for the host.
#[derive(Debug, Clone)]
pub struct HostFrame {
    /// Frame number from 0.
    pub index: u32,
    /// Viewing time of the frame, seconds.
    pub t: f64,
    /// Tightly packed RGBA8 rows.
    pub rgba: Vec<u8>,
}

/// Inputs and outputs owned by the host; `None` leaves the configured file or device.
#[derive(Default)]
pub struct HostIo {
    /// Biometric samples pushed by the host instead of `--biometrics`.
    pub samples: Option<Box<dyn SampleSource>>,
    /// Every frame, in order, instead of `film.y4m` (and PNGs).
    pub frames: Option<Sender<HostFrame>>,
    /// The mix, instead of `mix.wav` or the audio device.
    pub audio: Option<Box<dyn AudioSink + Send>>,
    /// Makes the mix's sink on the audio stage's own thread (a device stream must live
    /// where it was opened); used when `audio` is `None`.
    pub open_audio: Option<Box<dyn FnOnce() -> Box<dyn AudioSink> + Send>>,
    /// Decisions, warnings and the end, as they happen.
    pub events: Option<EventHandler>,
    /// Live changes (director's cut, strength, consent) stamped in viewing time.
    pub controls: Option<Receiver<super::live::Stamped>>,
    /// The clock of the host's audio sink (a live display): frames already late by it are
    /// skipped, and the director keeps within a second of it; `None` renders every frame.
    pub late_by: Option<livingfilm_audio::sink::AudioClock>,
    /// Frame buffers the host is done with, to be filled again (so a long viewing does
    /// not allocate a buffer per frame); `None` allocates each.
    pub recycle: Option<Receiver<Vec<u8>>>,
}

impl HostIo {
    /// Whether anything goes to the output folder besides the report.
    pub(crate) fn writes_files(&self) -> bool {
        self.frames.is_none() || (self.audio.is_none() && self.open_audio.is_none())
    }

    pub(crate) fn warn(&self, message: &str) {
        if let Some(e) = &self.events {
            e(PlayerEvent::Warning(message.to_owned()));
        }
    }
}

/// Samples the host pushes, handed to the viewing clock in time order.
pub struct HostSamples {
    rx: Receiver<Sample>,
    pending: Option<Sample>,
    last_t: f64,
}

/// The host's end of [`HostSamples`].
#[derive(Clone)]
pub struct SamplePusher {
    tx: Sender<Sample>,
}

/// Most samples pushed and not yet read by the viewing: a host far ahead of the film
/// (or pushing in a loop by mistake) meets this bound instead of exhausting memory.
/// 65 536 samples are nine minutes of a 120 Hz pupil camera, 24 bytes each.
pub const SAMPLE_QUEUE: usize = 65_536;

/// Why a sample was not queued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PushError {
    /// [`SAMPLE_QUEUE`] samples are waiting already.
    Full,
    /// The viewing no longer reads samples.
    Ended,
}

impl SamplePusher {
    /// Queues one sample, waiting while the queue is full; false once the viewing no
    /// longer reads samples.
    pub fn push(&self, s: Sample) -> bool {
        self.tx.send(s).is_ok()
    }

    /// Queues one sample without waiting.
    pub fn try_push(&self, s: Sample) -> Result<(), PushError> {
        self.tx.try_send(s).map_err(|e| match e {
            crossbeam_channel::TrySendError::Full(_) => PushError::Full,
            crossbeam_channel::TrySendError::Disconnected(_) => PushError::Ended,
        })
    }

    /// Samples that can be queued now without waiting.
    pub fn room(&self) -> usize {
        SAMPLE_QUEUE.saturating_sub(self.tx.len())
    }
}

/// A pushed-sample source and the handle that feeds it (dropping every handle ends it).
pub fn host_samples() -> (HostSamples, SamplePusher) {
    let (tx, rx) = crossbeam_channel::bounded(SAMPLE_QUEUE);
    (
        HostSamples {
            rx,
            pending: None,
            last_t: f64::NEG_INFINITY,
        },
        SamplePusher { tx },
    )
}

impl SampleSource for HostSamples {
    /// Blocks until the host has pushed past `t` or ended, so results never depend on
    /// how the host paces its pushes. Samples out of time order are dropped.
    fn poll(&mut self, t: f64, out: &mut Vec<Sample>) -> bool {
        loop {
            let s = match self.pending.take() {
                Some(s) => s,
                None => match self.rx.recv() {
                    Ok(s) => s,
                    Err(_) => return false,
                },
            };
            if !(s.t.is_finite() && s.t >= self.last_t) {
                continue;
            }
            if s.t > t {
                self.pending = Some(s);
                return true;
            }
            self.last_t = s.t;
            out.push(s);
        }
    }

    fn describe(&self) -> String {
        "host (C ABI)".into()
    }
}

/// The mix into a lock-free ring the host's audio callback drains.
pub struct HostAudio {
    producer: rtrb::Producer<f32>,
    stop: Arc<AtomicBool>,
    frames: u64,
}

/// The host's end of [`HostAudio`]: never blocks, never allocates.
pub struct AudioPuller {
    consumer: rtrb::Consumer<f32>,
}

/// A ring of `capacity_frames` stereo frames: the sink, its reader, and the flag that
/// makes a blocked sink give up (set when the host stops the viewing).
pub fn host_audio(capacity_frames: usize) -> (HostAudio, AudioPuller, Arc<AtomicBool>) {
    let (producer, consumer) = rtrb::RingBuffer::new(capacity_frames * 2);
    let stop = Arc::new(AtomicBool::new(false));
    (
        HostAudio {
            producer,
            stop: stop.clone(),
            frames: 0,
        },
        AudioPuller { consumer },
        stop,
    )
}

impl AudioSink for HostAudio {
    /// Waits for room in the ring (the host sets the pace), unless the viewing stops.
    fn write(&mut self, mut block: &[f32]) -> Result<(), SinkError> {
        while !block.is_empty() {
            if self.stop.load(Ordering::Acquire) || self.producer.is_abandoned() {
                return Err(SinkError::Device("the host stopped reading audio".into()));
            }
            let n = self.producer.slots().min(block.len()) & !1;
            if n == 0 {
                std::thread::sleep(Duration::from_millis(1));
                continue;
            }
            if let Ok(mut chunk) = self.producer.write_chunk(n) {
                let (a, b) = chunk.as_mut_slices();
                a.copy_from_slice(&block[..a.len()]);
                b.copy_from_slice(&block[a.len()..n]);
                chunk.commit_all();
            }
            self.frames += (n / 2) as u64;
            block = &block[n..];
        }
        Ok(())
    }

    fn finish(self: Box<Self>) -> Result<SinkStats, SinkError> {
        Ok(SinkStats::default())
    }
}

impl AudioPuller {
    /// Copies up to `out.len() / 2` stereo frames; `None` once the mix has ended and
    /// everything was read.
    pub fn pull(&mut self, out: &mut [f32]) -> Option<usize> {
        let want = out.len() & !1;
        // Seen before counting: whatever the sink wrote before it went is counted too.
        let abandoned = self.consumer.is_abandoned();
        if abandoned {
            // Pairs with the release in the producer's drop, so its last writes are seen.
            std::sync::atomic::fence(Ordering::Acquire);
        }
        let n = self.consumer.slots().min(want);
        if let Ok(chunk) = self.consumer.read_chunk(n) {
            let (a, b) = chunk.as_slices();
            out[..a.len()].copy_from_slice(a);
            out[a.len()..a.len() + b.len()].copy_from_slice(b);
            chunk.commit_all();
        }
        if n == 0 && abandoned {
            return None;
        }
        Some(n / 2)
    }
}

/// Settings a host may give as JSON; every field is optional.
#[derive(Debug, serde::Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
struct HostConfig {
    model: Option<PathBuf>,
    seed: Option<u32>,
    width: Option<u32>,
    height: Option<u32>,
    render: Option<String>,
    audio: Option<String>,
    out_dir: Option<PathBuf>,
    directors_cut: bool,
    cut: Option<String>,
    data_dir: Option<PathBuf>,
    uplink_url: Option<String>,
    profile: Option<PathBuf>,
    providers: Option<String>,
    locale: Option<String>,
}

/// Why a host's settings were refused: names the JSON field at fault, or says why the
/// film cannot be played (the C ABI hands this text to the host as its last error).
#[derive(Debug, thiserror::Error)]
pub enum HostConfigError {
    /// Not JSON, an unknown field or a field of the wrong type.
    #[error("config JSON: {0}")]
    Json(serde_json::Error),
    /// `render` names no backend.
    #[error("config field `render`: `{0}` is not auto, gpu or cpu")]
    Render(String),
    /// `audio` is neither `pull` nor `none`.
    #[error("config field `audio`: `{0}` is not pull or none")]
    Audio(String),
    /// `providers` names an unknown provider.
    #[error("config field `providers`: {0}")]
    Providers(livingfilm_inference::UnknownProvider),
    /// `uplink_url` is not an endpoint records may go to.
    #[error("config field `uplink_url`: {0}")]
    UplinkUrl(livingfilm_uplink::sender::SendError),
    /// The film does not load.
    #[error(transparent)]
    Film(#[from] livingfilm_director::FilmError),
    /// `width`/`height` (or the film's size) is zero or beyond 16384.
    #[error("frame size {width}x{height} is out of range")]
    FrameSize { width: u32, height: u32 },
}

/// The player's settings from the host's JSON, with the film checked on the way.
pub struct HostSettings {
    /// The viewing's configuration (host-owned ends are given to `play_with` separately).
    pub cfg: PlayerConfig,
    /// The host pulls the mix (`"audio": "pull"`), or it is discarded (`"none"`).
    pub pull_audio: bool,
    /// Frame size in pixels.
    pub size: (u32, u32),
    /// The film's mix rate.
    pub rate: u32,
}

impl HostSettings {
    /// Parses the host's JSON (empty for defaults) and loads the film to check it; the
    /// error names the field at fault.
    pub fn from_json(film: &str, json: &str) -> Result<Self, HostConfigError> {
        let hc: HostConfig = if json.trim().is_empty() {
            HostConfig::default()
        } else {
            serde_json::from_str(json).map_err(HostConfigError::Json)?
        };
        let render = match hc.render.as_deref() {
            None => RenderBackend::Auto,
            Some(s) => s
                .parse::<RenderBackend>()
                .map_err(|_| HostConfigError::Render(s.to_owned()))?,
        };
        let pull_audio = match hc.audio.as_deref() {
            None | Some("pull") => true,
            Some("none") => false,
            Some(s) => return Err(HostConfigError::Audio(s.to_owned())),
        };
        let providers = match hc.providers.as_deref() {
            None => Vec::new(),
            Some(s) => {
                livingfilm_inference::Provider::parse_list(s).map_err(HostConfigError::Providers)?
            }
        };
        if let Some(url) = &hc.uplink_url {
            livingfilm_uplink::sender::Endpoint::parse(url).map_err(HostConfigError::UplinkUrl)?;
        }
        let film_path = PathBuf::from(film);
        let loaded = livingfilm_director::Film::load(&film_path)?;
        let size = (
            hc.width.unwrap_or(loaded.info.width),
            hc.height.unwrap_or(loaded.info.height),
        );
        if size.0 == 0 || size.1 == 0 || size.0 > 16384 || size.1 > 16384 {
            return Err(HostConfigError::FrameSize {
                width: size.0,
                height: size.1,
            });
        }
        let mut uplink = UplinkSettings {
            url: hc.uplink_url,
            ..Default::default()
        };
        if let Some(dir) = hc.data_dir {
            uplink.data_dir = dir;
        }
        let cfg = PlayerConfig {
            film: film_path,
            out_dir: hc.out_dir.unwrap_or_default(),
            seed: hc.seed.unwrap_or(1),
            viewer: ViewerSettings {
                cut: hc.cut,
                directors_cut: hc.directors_cut,
                profile: hc.profile,
                locale: hc.locale,
                ..Default::default()
            },
            inference: InferenceSettings {
                model: hc.model,
                providers,
                cache: None,
            },
            render: RenderSettings {
                backend: render,
                width: Some(size.0),
                height: Some(size.1),
                png: false,
            },
            audio: AudioSettings {
                mode: crate::AudioMode::Null,
                device: None,
            },
            uplink,
            ..Default::default()
        };
        Ok(Self {
            cfg,
            pull_audio,
            size,
            rate: loaded.info.sample_rate,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use livingfilm_biometrics::Reading;

    fn rr(t: f64) -> Sample {
        Sample {
            t,
            reading: Reading::Rr { ms: 800.0 },
        }
    }

    #[test]
    fn pushed_samples_arrive_in_time_order_and_the_end_is_seen() {
        let (mut src, push) = host_samples();
        for t in [0.1, 0.2, 0.15, 0.6, f64::NAN, 1.1] {
            assert!(push.push(rr(t)));
        }
        drop(push);
        let mut out = Vec::new();
        assert!(src.poll(0.5, &mut out));
        assert_eq!(out.iter().map(|s| s.t).collect::<Vec<_>>(), [0.1, 0.2]);
        out.clear();
        assert!(!src.poll(2.0, &mut out));
        assert_eq!(out.iter().map(|s| s.t).collect::<Vec<_>>(), [0.6, 1.1]);
    }

    #[test]
    fn the_sample_queue_is_bounded_and_says_when_full_or_ended() {
        let (src, push) = host_samples();
        for k in 0..SAMPLE_QUEUE {
            assert_eq!(push.try_push(rr(k as f64)), Ok(()));
        }
        assert_eq!(push.room(), 0);
        assert_eq!(push.try_push(rr(1e9)), Err(PushError::Full));
        drop(src);
        assert_eq!(push.try_push(rr(1e9)), Err(PushError::Ended));
    }

    #[test]
    fn audio_ring_round_trips_and_reports_the_end() {
        let (mut sink, mut puller, _stop) = host_audio(8);
        let writer = std::thread::spawn(move || {
            let block: Vec<f32> = (0..40).map(|i| i as f32).collect();
            sink.write(&block).unwrap();
            drop(sink);
        });
        let mut got = Vec::new();
        let mut buf = [0f32; 6];
        while let Some(n) = puller.pull(&mut buf) {
            got.extend_from_slice(&buf[..n * 2]);
        }
        writer.join().unwrap();
        assert_eq!(got, (0..40).map(|i| i as f32).collect::<Vec<_>>());
    }
}
