//! One running viewing behind the window: the player's stages on their threads (the
//! host seam), a feeder thread that hands them biometric samples and live changes a
//! little ahead of the picture, and the audio sink whose clock the window follows.
//!
//! A seek stops this viewing and starts another at the new time with the same inputs
//! (the simulator's commands and the live changes, stamped in viewing time), so the
//! cut up to that point is made again exactly.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::thread::JoinHandle;
use std::time::Duration;

use crossbeam_channel::{Receiver, Sender};

use livingfilm_audio::sink::{AudioClock, AudioSink, PacedNullSink, SinkError, SinkStats};
use livingfilm_biometrics::live_sim::{LiveSimulator, SimCommand, SimScript};
use livingfilm_biometrics::{Sample, SampleSource};
use livingfilm_player::host::{host_samples, HostFrame, HostIo, PlayerEvent};
use livingfilm_player::{
    AudioMode, Control, HostClock, PlayerConfig, PlayerError, Report, Stamped,
};

/// How far ahead of the picture samples are handed to the stages, seconds: enough to
/// keep the pipeline busy, short enough that a key acts promptly.
pub const LOOKAHEAD_S: f64 = 0.75;

/// Frames the stages may have ready before the window shows them.
const FRAME_QUEUE: usize = 6;

/// How the HUD names the input of a viewing that reads no biometrics.
pub(crate) const NO_INPUT: &str = "none (no biometrics are read)";

/// Where biometric samples come from.
#[derive(Debug, Clone)]
pub enum Input {
    /// The keys drive a simulated viewer (the default).
    Simulator,
    /// A recording (replay CSV/JSON lines): played against the picture's clock.
    Replay(PathBuf),
    /// The companion stream (phone or watch bridge) on this UDP/TCP address.
    Companion(std::net::SocketAddr),
    /// A Bluetooth LE heart-rate strap whose name contains this ("" = any).
    #[cfg(feature = "ble")]
    Ble(String),
}

impl Input {
    /// Whether a seek can make the same viewing again (a live sensor cannot be rewound).
    pub fn seekable(&self) -> bool {
        matches!(self, Input::Simulator | Input::Replay(_))
    }

    /// What it is, for the HUD.
    pub fn describe(&self) -> String {
        match self {
            Input::Simulator => "simulator (keys)".to_owned(),
            Input::Replay(p) => p.display().to_string(),
            Input::Companion(a) => format!("companion {a}"),
            #[cfg(feature = "ble")]
            Input::Ble(name) => format!("BLE strap `{name}`"),
        }
    }
}

/// What the feeder is asked to do.
enum Feed {
    Sim(SimCommand),
    Control(Control),
}

/// What the viewer did, stamped where it took effect (the session's input log).
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    /// The simulated viewer's commands.
    pub sim: SimScript,
    /// Live changes to the steering.
    pub controls: Vec<Stamped>,
}

impl Inputs {
    /// What was done up to `t` (a seek back forgets the rest).
    pub fn until(&self, t: f64) -> Self {
        Self {
            sim: self.sim.until(t),
            controls: self.controls.iter().copied().filter(|c| c.t <= t).collect(),
        }
    }
}

/// The running viewing.
pub struct Viewing {
    /// Frames in order, ready to show (see [`Viewing::next_frame`]).
    frames: Receiver<HostFrame>,
    /// Decisions, ticks, warnings.
    pub events: Receiver<PlayerEvent>,
    /// Samples as they were handed over, for the HUD's live vitals (never stored).
    pub samples: Receiver<Sample>,
    /// Where the sound is, in viewing time (from the frames played since the start).
    heard: HostClock,
    paused: Arc<AtomicBool>,
    abort: Arc<AtomicBool>,
    /// Set when the picture has ended: the feeder stops so the sensor stages can end.
    fed_enough: Arc<AtomicBool>,
    feed: Sender<Feed>,
    /// Frame buffers going back to the render stage.
    recycle: Sender<Vec<u8>>,
    feeder: Option<JoinHandle<Inputs>>,
    player: Option<JoinHandle<Result<Report, PlayerError>>>,
    sink_label: Arc<OnceLock<String>>,
}

/// Plays the mix on the audio device (opened on the audio stage's thread, where its
/// stream must live) or, without one, on a silent real-time clock; holds it while the
/// viewer pauses and gives up when the viewing is abandoned.
struct HeldSink {
    open: Option<(AudioMode, Option<String>, u32)>,
    inner: Option<Box<dyn AudioSink>>,
    clock: AudioClock,
    label: Arc<OnceLock<String>>,
    paused: Arc<AtomicBool>,
    abort: Arc<AtomicBool>,
}

impl HeldSink {
    fn sink(&mut self) -> &mut Box<dyn AudioSink> {
        if self.inner.is_none() {
            let (mode, name, rate) = self.open.take().unwrap_or((AudioMode::Null, None, 48_000));
            let mut why = "no audio output".to_owned();
            if mode.tries_device() {
                match livingfilm_player::open_device(rate, name, self.clock.clone()) {
                    Ok((sink, _, name)) => {
                        self.set_label(format!("device `{name}`"));
                        return self.inner.insert(sink);
                    }
                    Err(e) => why = e.to_string(),
                }
            }
            self.set_label(format!("silent, on a real-time clock ({why})"));
            self.inner = Some(Box::new(PacedNullSink::new(self.clock.clone(), rate)));
        }
        self.inner.as_mut().expect("opened above")
    }

    fn set_label(&self, s: String) {
        let _ = self.label.set(s);
    }
}

impl AudioSink for HeldSink {
    fn write(&mut self, block: &[f32]) -> Result<(), SinkError> {
        let abandoned = || SinkError::Device("the viewing was abandoned".into());
        let mut held = false;
        while self.paused.load(Ordering::Acquire) {
            if self.abort.load(Ordering::Acquire) {
                return Err(abandoned());
            }
            held = true;
            std::thread::sleep(Duration::from_millis(5));
        }
        if self.abort.load(Ordering::Acquire) {
            return Err(abandoned());
        }
        let sink = self.sink();
        if held {
            sink.resumed();
        }
        sink.write(block)
    }

    fn finish(self: Box<Self>) -> Result<SinkStats, SinkError> {
        match self.inner {
            Some(s) => s.finish(),
            None => Ok(SinkStats::default()),
        }
    }
}

impl Viewing {
    /// Starts `cfg` from `cfg.start_at`, replaying `inputs` (stamped earlier) and taking
    /// samples from `input`.
    pub fn start(
        cfg: PlayerConfig,
        input: &Input,
        inputs: Inputs,
        sample_rate: u32,
    ) -> Result<Self, PlayerError> {
        let clock = AudioClock::default();
        let paused = Arc::new(AtomicBool::new(false));
        let abort = Arc::new(AtomicBool::new(false));
        let sink_label = Arc::new(OnceLock::new());
        let held = {
            let open = Some((cfg.audio.mode, cfg.audio.device.clone(), sample_rate));
            let (clock, label) = (clock.clone(), sink_label.clone());
            let (paused, abort) = (paused.clone(), abort.clone());
            move || -> Box<dyn AudioSink> {
                Box::new(HeldSink {
                    open,
                    inner: None,
                    clock,
                    label,
                    paused,
                    abort,
                })
            }
        };
        // Without biometrics the input is not opened, and the feeder only stamps the live
        // changes (the director keeps to the audio clock).
        let source = match input {
            _ if !cfg.reads_biometrics() => Source::Other(Box::new(
                livingfilm_biometrics::ReplaySource::new(Vec::new(), NO_INPUT),
            )),
            Input::Simulator => {
                Source::Sim(LiveSimulator::new(cfg.seed as u64, inputs.sim.clone()))
            }
            Input::Replay(path) => {
                Source::Other(Box::new(livingfilm_biometrics::ReplaySource::new(
                    livingfilm_biometrics::load_replay(path)?,
                    path.display().to_string(),
                )))
            }
            Input::Companion(addr) => Source::Other(Box::new(
                livingfilm_biometrics::companion::CompanionListener::bind(*addr, cfg.start_at)
                    .map_err(|e| PlayerError::Stage {
                        stage: "biometrics",
                        reason: format!("cannot listen on {addr}: {e}"),
                    })?,
            )),
            #[cfg(feature = "ble")]
            Input::Ble(name) => Source::Other(Box::new(
                livingfilm_biometrics::ble_live::BleHeartRateSource::start(name, cfg.start_at),
            )),
        };
        let (host_source, pusher) = host_samples();
        let (frames_tx, frames) = crossbeam_channel::bounded(FRAME_QUEUE);
        let (events_tx, events) = crossbeam_channel::unbounded();
        let (controls_tx, controls_rx) = crossbeam_channel::unbounded();
        let (samples_tx, samples) = crossbeam_channel::unbounded();
        let (feed, feed_rx) = crossbeam_channel::unbounded();
        let (recycle, recycle_rx) = crossbeam_channel::bounded(FRAME_QUEUE + 2);
        let host = HostIo {
            samples: Some(Box::new(host_source)),
            frames: Some(frames_tx),
            audio: None,
            open_audio: Some(Box::new(held)),
            events: Some(Arc::new(move |e| {
                let _ = events_tx.send(e);
            })),
            controls: Some(controls_rx),
            late_by: Some(clock.clone()),
            recycle: Some(recycle_rx),
        };
        let heard = HostClock {
            clock,
            start_at: cfg.start_at,
            rate: sample_rate as f64,
        };
        let fed_enough = Arc::new(AtomicBool::new(false));
        let feeder = {
            let (heard, abort, enough) = (heard.clone(), abort.clone(), fed_enough.clone());
            std::thread::Builder::new()
                .name("livingfilm-feeder".into())
                .spawn(move || {
                    let mut f = Feeder {
                        source,
                        pusher,
                        controls: controls_tx,
                        samples: samples_tx,
                        log: inputs,
                        pushed_to: 0.0,
                        live: true,
                    };
                    f.replay_log();
                    f.run(feed_rx, || heard.now(), &abort, &enough);
                    f.log
                })
                .map_err(|e| PlayerError::Stage {
                    stage: "biometrics",
                    reason: e.to_string(),
                })?
        };
        let player = std::thread::Builder::new()
            .name("livingfilm-player".into())
            .spawn(move || livingfilm_player::play_with(&cfg, host))
            .map_err(|e| PlayerError::Stage {
                stage: "player",
                reason: e.to_string(),
            })?;
        Ok(Self {
            frames,
            events,
            samples,
            heard,
            paused,
            abort,
            fed_enough,
            feed,
            recycle,
            feeder: Some(feeder),
            player: Some(player),
            sink_label,
        })
    }

    /// Where the sound goes (read without a lock; "opening" until the sink opens).
    pub fn sink_label(&self) -> &str {
        self.sink_label.get().map_or("opening", |s| s.as_str())
    }

    /// Viewing time the sound has reached, seconds.
    pub fn now(&self) -> f64 {
        self.heard.now()
    }

    /// Pauses or resumes sound and picture.
    pub fn set_paused(&self, on: bool) {
        self.paused.store(on, Ordering::Release);
    }

    /// Whether paused.
    pub fn paused(&self) -> bool {
        self.paused.load(Ordering::Acquire)
    }

    /// Drives the simulated viewer.
    pub fn sim(&self, c: SimCommand) {
        let _ = self.feed.send(Feed::Sim(c));
    }

    /// Changes the steering from the next samples on.
    pub fn control(&self, c: Control) {
        let _ = self.feed.send(Feed::Control(c));
    }

    /// The next frame, if one is ready; once the render stage has delivered its last,
    /// the feeder is told to stop so the sensor stages can end too.
    pub fn next_frame(&self) -> Option<HostFrame> {
        match self.frames.try_recv() {
            Ok(f) => Some(f),
            Err(crossbeam_channel::TryRecvError::Disconnected) => {
                self.fed_enough.store(true, Ordering::Release);
                None
            }
            Err(crossbeam_channel::TryRecvError::Empty) => None,
        }
    }

    /// Hands a shown frame's buffer back to be filled again (dropped if enough wait).
    pub fn recycle(&self, frame: HostFrame) {
        let _ = self.recycle.try_send(frame.rgba);
    }

    /// Whether the stages have finished (the film ended or failed).
    pub fn finished(&self) -> bool {
        self.player.as_ref().is_none_or(|p| p.is_finished())
    }

    /// Ends the film where it is, lets the stages finish and write the report.
    pub fn finish(mut self) -> (Result<Report, PlayerError>, Inputs) {
        self.set_paused(false);
        self.control(Control::End);
        self.join()
    }

    /// Abandons the viewing (a seek): nothing is written; returns its inputs.
    pub fn abandon(mut self) -> Inputs {
        self.abort.store(true, Ordering::Release);
        // Hanging up on the frames stops the render stage at its next frame.
        self.frames = crossbeam_channel::never();
        self.join().1
    }

    fn join(&mut self) -> (Result<Report, PlayerError>, Inputs) {
        // Keep taking frames so the render stage can reach the end, then stop the feeder.
        let player = self.player.take();
        let result = loop {
            match &player {
                Some(p) if !p.is_finished() => {
                    while self.next_frame().is_some() {}
                    std::thread::sleep(Duration::from_millis(2));
                    if self.abort.load(Ordering::Acquire) {
                        self.set_paused(false);
                    }
                }
                _ => break player.map(|p| p.join()),
            }
        };
        self.abort.store(true, Ordering::Release);
        let inputs = self
            .feeder
            .take()
            .and_then(|f| f.join().ok())
            .unwrap_or_default();
        let report = match result {
            Some(Ok(r)) => r,
            Some(Err(_)) => Err(PlayerError::Stage {
                stage: "player",
                reason: "thread panicked".into(),
            }),
            None => Err(PlayerError::Stage {
                stage: "player",
                reason: "already finished".into(),
            }),
        };
        (report, inputs)
    }
}

impl Drop for Viewing {
    fn drop(&mut self) {
        if self.player.is_some() {
            self.abort.store(true, Ordering::Release);
            let _ = self.join();
        }
    }
}

/// The feeder's sample source: the simulator takes the viewer's keys.
enum Source {
    Sim(LiveSimulator),
    Other(Box<dyn SampleSource>),
}

/// Hands samples to the stages up to a little past the picture, with the live changes
/// stamped at the newest sample handed over (so the director meets them in order).
struct Feeder {
    source: Source,
    pusher: livingfilm_player::host::SamplePusher,
    controls: Sender<Stamped>,
    samples: Sender<Sample>,
    log: Inputs,
    pushed_to: f64,
    /// The source has not ended.
    live: bool,
}

impl Feeder {
    /// Sends the changes made before this viewing started (a seek), in order.
    fn replay_log(&mut self) {
        for c in &self.log.controls {
            let _ = self.controls.send(*c);
        }
    }

    fn push_to(&mut self, t: f64) -> bool {
        if t <= self.pushed_to {
            return true;
        }
        let mut batch = Vec::new();
        if self.live {
            self.live = match &mut self.source {
                Source::Sim(s) => s.poll(t, &mut batch),
                Source::Other(s) => s.poll(t, &mut batch),
            };
        }
        for s in batch {
            let _ = self.samples.send(s);
            if !self.pusher.push(s) {
                return false;
            }
        }
        self.pushed_to = t;
        true
    }

    fn run(
        &mut self,
        rx: Receiver<Feed>,
        now: impl Fn() -> f64,
        abort: &AtomicBool,
        enough: &AtomicBool,
    ) {
        while !abort.load(Ordering::Acquire) && !enough.load(Ordering::Acquire) {
            while let Ok(f) = rx.try_recv() {
                match f {
                    Feed::Sim(c) => {
                        if let Source::Sim(sim) = &mut self.source {
                            sim.act(c);
                            self.log.sim = sim.script().clone();
                        }
                    }
                    Feed::Control(control) => {
                        let c = Stamped {
                            t: self.pushed_to,
                            control,
                        };
                        let _ = self.controls.send(c);
                        if control != Control::End {
                            self.log.controls.push(c);
                        }
                    }
                }
            }
            if !self.push_to(now() + LOOKAHEAD_S) {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}
