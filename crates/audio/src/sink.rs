//! Where the mix goes: a WAV file, the audio device (cpal), or nowhere.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use super::MIX_CHANNELS;

/// Why a sink failed.
#[derive(Debug, thiserror::Error)]
pub enum SinkError {
    /// Writing the WAV file failed.
    #[error("cannot write audio to {path}: {reason}")]
    Wav { path: PathBuf, reason: String },
    /// The audio device could not be opened or failed.
    #[error("audio device: {0}")]
    Device(String),
}

/// Frames the listener has actually heard; the master clock while a device plays. It
/// survives a device change: a replacement device (or the null sink standing in for a
/// lost one) goes on counting from where the last one stopped.
#[derive(Clone, Default)]
pub struct AudioClock(Arc<AtomicU64>);

impl AudioClock {
    /// Frames played so far.
    pub fn frames(&self) -> u64 {
        self.0.load(Ordering::Acquire)
    }

    /// Counts `frames` more as played.
    pub fn advance(&self, frames: u64) {
        self.0.fetch_add(frames, Ordering::Release);
    }
}

/// What a sink reports when it is finished.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct SinkStats {
    /// Device callbacks that found the ring short (glitches heard).
    pub underruns: u64,
    /// Slowest device callback, microseconds.
    pub callback_worst_us: Option<f64>,
    /// Buffer period of the device, microseconds: the callback's time budget.
    pub callback_period_us: Option<f64>,
    /// Times the device was lost and the null sink stood in.
    pub device_losses: u32,
}

impl SinkStats {
    fn merge(self, o: SinkStats) -> SinkStats {
        let max = |a: Option<f64>, b: Option<f64>| match (a, b) {
            (Some(x), Some(y)) => Some(x.max(y)),
            (x, y) => x.or(y),
        };
        SinkStats {
            underruns: self.underruns + o.underruns,
            callback_worst_us: max(self.callback_worst_us, o.callback_worst_us),
            callback_period_us: max(self.callback_period_us, o.callback_period_us),
            device_losses: self.device_losses + o.device_losses,
        }
    }
}

/// Receives the mix block by block.
pub trait AudioSink {
    /// Takes one block of stereo interleaved samples.
    fn write(&mut self, block: &[f32]) -> Result<(), SinkError>;
    /// Flushes and reports.
    fn finish(self: Box<Self>) -> Result<SinkStats, SinkError>;
    /// The mix was held (the viewer paused): a sink that paces itself starts its pace
    /// again from now instead of catching up.
    fn resumed(&mut self) {}
}

/// The device callback's whole body: copies what the ring holds into `out`, fills the
/// rest with silence, and returns the frames that were real. Public so that its
/// real-time safety (no allocation) can be tested on its own.
pub fn fill_from_ring(consumer: &mut rtrb::Consumer<f32>, out: &mut [f32]) -> usize {
    let avail = consumer.slots().min(out.len());
    if let Ok(chunk) = consumer.read_chunk(avail) {
        let (a, b) = chunk.as_slices();
        out[..a.len()].copy_from_slice(a);
        out[a.len()..a.len() + b.len()].copy_from_slice(b);
        chunk.commit_all();
    }
    out[avail..].fill(0.0);
    avail / MIX_CHANNELS
}

/// Mix frames played by `frames` device frames after `before` device frames, when the
/// device runs at `dev_rate` and the mix at `mix_rate`: exact over any run of callbacks
/// (the total is always `floor(device frames × mix / dev)`), so the clock never drifts.
pub fn mix_frames(before: u64, frames: u64, mix_rate: u64, dev_rate: u64) -> u64 {
    let after = before + frames;
    after * mix_rate / dev_rate - before * mix_rate / dev_rate
}

/// Discards the mix at once (the virtual clock's `null` output).
pub struct NullSink;

impl AudioSink for NullSink {
    fn write(&mut self, _block: &[f32]) -> Result<(), SinkError> {
        Ok(())
    }

    fn finish(self: Box<Self>) -> Result<SinkStats, SinkError> {
        Ok(SinkStats::default())
    }
}

/// Discards the mix at the pace of a real device, advancing the clock: what plays
/// while a lost device is away, so video and the score keep their timing.
pub struct PacedNullSink {
    clock: AudioClock,
    rate: u32,
    started: std::time::Instant,
    written: u64,
}

impl PacedNullSink {
    /// A null sink at `rate` continuing `clock` from now.
    pub fn new(clock: AudioClock, rate: u32) -> Self {
        Self {
            clock,
            rate,
            started: std::time::Instant::now(),
            written: 0,
        }
    }
}

impl AudioSink for PacedNullSink {
    fn write(&mut self, block: &[f32]) -> Result<(), SinkError> {
        let frames = (block.len() / MIX_CHANNELS) as u64;
        self.written += frames;
        // Keep about 50 ms ahead of real time, like a device ring would.
        let due = std::time::Duration::from_secs_f64(self.written as f64 / self.rate as f64);
        let ahead = due.saturating_sub(self.started.elapsed());
        if ahead > std::time::Duration::from_millis(50) {
            std::thread::sleep(ahead - std::time::Duration::from_millis(50));
        }
        self.clock.advance(frames);
        Ok(())
    }

    fn finish(self: Box<Self>) -> Result<SinkStats, SinkError> {
        Ok(SinkStats::default())
    }

    fn resumed(&mut self) {
        let played = std::time::Duration::from_secs_f64(self.written as f64 / self.rate as f64);
        let now = std::time::Instant::now();
        self.started = now.checked_sub(played).unwrap_or(now);
    }
}

/// Opens a device sink continuing a clock (how [`Resilient`] reopens a lost device).
pub type DeviceOpener = Box<dyn FnMut(&AudioClock) -> Result<Box<dyn AudioSink>, SinkError>>;

/// A device that may disappear: on failure the mix goes on into a [`PacedNullSink`]
/// with the same clock, and the device is retried every `retry` until it is back.
pub struct Resilient {
    open: DeviceOpener,
    current: Box<dyn AudioSink>,
    on_device: bool,
    clock: AudioClock,
    rate: u32,
    retry: std::time::Duration,
    last_try: std::time::Instant,
    stats: SinkStats,
}

impl Resilient {
    /// Plays on `device` (already open, advancing `clock`); `open` reopens it after a loss.
    pub fn new(
        device: Box<dyn AudioSink>,
        open: DeviceOpener,
        clock: AudioClock,
        rate: u32,
        retry: std::time::Duration,
    ) -> Self {
        Self {
            open,
            current: device,
            on_device: true,
            clock,
            rate,
            retry,
            last_try: std::time::Instant::now(),
            stats: SinkStats::default(),
        }
    }

    /// Whether the device (rather than the null sink) is playing now.
    pub fn on_device(&self) -> bool {
        self.on_device
    }
}

impl AudioSink for Resilient {
    fn write(&mut self, block: &[f32]) -> Result<(), SinkError> {
        if !self.on_device && self.last_try.elapsed() >= self.retry {
            self.last_try = std::time::Instant::now();
            if let Ok(dev) = (self.open)(&self.clock) {
                let null = std::mem::replace(&mut self.current, dev);
                self.stats = self.stats.merge(null.finish()?);
                self.on_device = true;
            }
        }
        match self.current.write(block) {
            Ok(()) => Ok(()),
            Err(SinkError::Device(_)) if self.on_device => {
                let null: Box<dyn AudioSink> =
                    Box::new(PacedNullSink::new(self.clock.clone(), self.rate));
                let lost = std::mem::replace(&mut self.current, null);
                // A lost device cannot drain; keep what it counted.
                if let Ok(s) = lost.finish() {
                    self.stats = self.stats.merge(s);
                }
                self.stats.device_losses += 1;
                self.on_device = false;
                self.last_try = std::time::Instant::now();
                self.current.write(block)
            }
            Err(e) => Err(e),
        }
    }

    fn finish(self: Box<Self>) -> Result<SinkStats, SinkError> {
        let stats = self.stats;
        Ok(stats.merge(self.current.finish()?))
    }

    fn resumed(&mut self) {
        self.current.resumed();
    }
}

/// Writes 16-bit PCM WAV.
pub struct WavSink {
    writer: hound::WavWriter<std::io::BufWriter<std::fs::File>>,
    path: PathBuf,
}

impl WavSink {
    /// Creates `path` for a stereo stream at `sample_rate`.
    pub fn create(path: &Path, sample_rate: u32) -> Result<Self, SinkError> {
        let spec = hound::WavSpec {
            channels: MIX_CHANNELS as u16,
            sample_rate,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let writer = hound::WavWriter::create(path, spec).map_err(|e| SinkError::Wav {
            path: path.to_owned(),
            reason: e.to_string(),
        })?;
        Ok(Self {
            writer,
            path: path.to_owned(),
        })
    }
}

impl AudioSink for WavSink {
    fn write(&mut self, block: &[f32]) -> Result<(), SinkError> {
        for &s in block {
            let v = (s.clamp(-1.0, 1.0) * 32767.0).round() as i16;
            self.writer.write_sample(v).map_err(|e| SinkError::Wav {
                path: self.path.clone(),
                reason: e.to_string(),
            })?;
        }
        Ok(())
    }

    fn finish(self: Box<Self>) -> Result<SinkStats, SinkError> {
        let path = self.path.clone();
        self.writer.finalize().map_err(|e| SinkError::Wav {
            path,
            reason: e.to_string(),
        })?;
        Ok(SinkStats::default())
    }
}

/// Sends every block to several sinks (e.g. the device and a WAV record).
pub struct Tee(pub Vec<Box<dyn AudioSink>>);

impl AudioSink for Tee {
    fn write(&mut self, block: &[f32]) -> Result<(), SinkError> {
        self.0.iter_mut().try_for_each(|s| s.write(block))
    }

    fn finish(self: Box<Self>) -> Result<SinkStats, SinkError> {
        let mut stats = SinkStats::default();
        for s in self.0 {
            stats = stats.merge(s.finish()?);
        }
        Ok(stats)
    }

    fn resumed(&mut self) {
        self.0.iter_mut().for_each(|s| s.resumed());
    }
}

/// Whether an audio output is plausibly there, checked without opening one (opening a
/// missing ALSA device prints noise on stderr). Linux: a sound card, a PulseAudio or
/// PipeWire socket, or an explicit ALSA configuration; other systems: assume yes.
pub fn output_likely_present() -> bool {
    if !cfg!(target_os = "linux") {
        return true;
    }
    let cards = std::fs::read_to_string("/proc/asound/cards").unwrap_or_default();
    let has_card = cards
        .lines()
        .any(|l| l.trim_start().starts_with(|c: char| c.is_ascii_digit()));
    let runtime = std::env::var_os("XDG_RUNTIME_DIR").map(PathBuf::from);
    let has_server = std::env::var_os("PULSE_SERVER").is_some()
        || runtime
            .is_some_and(|d| d.join("pulse/native").exists() || d.join("pipewire-0").exists());
    let home_rc =
        std::env::var_os("HOME").is_some_and(|h| Path::new(&h).join(".asoundrc").exists());
    let configured = std::env::var_os("ALSA_CONFIG_PATH").is_some()
        || home_rc
        || Path::new("/etc/asound.conf").exists();
    has_card || has_server || configured
}

#[cfg(feature = "audio-device")]
pub use device::{output_names, DeviceSink};

#[cfg(feature = "audio-device")]
mod device {
    use super::*;
    use cpal::traits::{DeviceTrait, HostTrait, StreamTrait};
    use std::sync::atomic::AtomicBool;
    use std::time::{Duration, Instant};

    /// Plays through an output device; the callback only copies from a lock-free ring
    /// ([`fill_from_ring`]) and times itself.
    pub struct DeviceSink {
        producer: rtrb::Producer<f32>,
        stream: cpal::Stream,
        /// Frames this device has played (the clock may have started before it).
        played: Arc<AtomicU64>,
        underruns: Arc<AtomicU64>,
        worst_ns: Arc<AtomicU64>,
        period_frames: Arc<AtomicU64>,
        failed: Arc<AtomicBool>,
        written: u64,
        /// The device's own rate (the mix is converted to it when it differs).
        rate: u32,
        to_device: Option<crate::convert::ToMix>,
        converted: Vec<f32>,
        name: String,
    }

    /// Names of the output devices of the default host.
    pub fn output_names() -> Vec<String> {
        cpal::default_host()
            .output_devices()
            .map(|devs| {
                devs.filter_map(|d| d.description().ok().map(|d| d.name().to_owned()))
                    .collect()
            })
            .unwrap_or_default()
    }

    fn find_device(name: Option<&str>) -> Result<(cpal::Device, String), SinkError> {
        let host = cpal::default_host();
        let describe = |d: &cpal::Device| {
            d.description()
                .map(|d| d.name().to_owned())
                .unwrap_or_else(|_| "default".into())
        };
        match name {
            None => {
                let d = host
                    .default_output_device()
                    .ok_or_else(|| SinkError::Device("no default output device".into()))?;
                let n = describe(&d);
                Ok((d, n))
            }
            Some(wanted) => {
                let devices = host
                    .output_devices()
                    .map_err(|e| SinkError::Device(format!("cannot list output devices: {e}")))?;
                let mut names = Vec::new();
                for d in devices {
                    let n = describe(&d);
                    if n.to_lowercase().contains(&wanted.to_lowercase()) {
                        return Ok((d, n));
                    }
                    names.push(n);
                }
                Err(SinkError::Device(format!(
                    "no output device matches `{wanted}` (devices: {})",
                    if names.is_empty() {
                        "none".into()
                    } else {
                        names.join(", ")
                    }
                )))
            }
        }
    }

    impl DeviceSink {
        /// Opens the output device whose name contains `name` (default device when
        /// `None`) at `sample_rate`, stereo f32, advancing `clock` as it plays.
        pub fn open(
            sample_rate: u32,
            name: Option<&str>,
            clock: AudioClock,
        ) -> Result<Self, SinkError> {
            let (device, mut name) = find_device(name)?;
            // Play at the mix rate when the device can; otherwise at its own rate, with
            // the mix resampled on the way (the clock still counts mix frames).
            let supports = |rate: u32| {
                device.supported_output_configs().map_or(true, |mut cs| {
                    cs.any(|c| {
                        c.channels() as usize == MIX_CHANNELS
                            && c.min_sample_rate() <= rate
                            && rate <= c.max_sample_rate()
                    })
                })
            };
            let device_rate = if supports(sample_rate) {
                sample_rate
            } else {
                device
                    .default_output_config()
                    .map(|c| c.sample_rate())
                    .unwrap_or(sample_rate)
            };
            let to_device = if device_rate == sample_rate {
                None
            } else {
                name = format!("{name} (mix resampled {sample_rate} -> {device_rate} Hz)");
                Some(
                    crate::convert::ToMix::new(MIX_CHANNELS, sample_rate, device_rate)
                        .map_err(|e| SinkError::Device(e.to_string()))?,
                )
            };
            let config = cpal::StreamConfig {
                channels: MIX_CHANNELS as u16,
                sample_rate: device_rate,
                buffer_size: cpal::BufferSize::Default,
            };
            let (mix_rate, dev_rate) = (sample_rate as u64, device_rate as u64);
            // A quarter second of headroom between the mixer thread and the callback.
            let (producer, mut consumer) = rtrb::RingBuffer::<f32>::new(device_rate as usize / 2);
            let played = Arc::new(AtomicU64::new(0));
            let underruns = Arc::new(AtomicU64::new(0));
            let worst_ns = Arc::new(AtomicU64::new(0));
            let period_frames = Arc::new(AtomicU64::new(0));
            let failed = Arc::new(AtomicBool::new(false));
            let (cb_clock, cb_played, cb_under, cb_worst, cb_period, cb_failed) = (
                clock,
                played.clone(),
                underruns.clone(),
                worst_ns.clone(),
                period_frames.clone(),
                failed.clone(),
            );
            let stream = device
                .build_output_stream(
                    config,
                    move |out: &mut [f32], _| {
                        let start = Instant::now();
                        let frames = fill_from_ring(&mut consumer, out);
                        if frames * MIX_CHANNELS < out.len() {
                            cb_under.fetch_add(1, Ordering::Relaxed);
                        }
                        let before = cb_played.fetch_add(frames as u64, Ordering::Release);
                        cb_clock.advance(mix_frames(before, frames as u64, mix_rate, dev_rate));
                        cb_period.fetch_max((out.len() / MIX_CHANNELS) as u64, Ordering::Relaxed);
                        cb_worst.fetch_max(start.elapsed().as_nanos() as u64, Ordering::Relaxed);
                    },
                    move |_err| cb_failed.store(true, Ordering::Relaxed),
                    None,
                )
                .map_err(|e| SinkError::Device(format!("{name}: {e}")))?;
            stream
                .play()
                .map_err(|e| SinkError::Device(format!("{name}: {e}")))?;
            Ok(Self {
                producer,
                stream,
                played,
                underruns,
                worst_ns,
                period_frames,
                failed,
                written: 0,
                rate: device_rate,
                to_device,
                converted: Vec::with_capacity(8192),
                name,
            })
        }

        /// Device name for reports.
        pub fn name(&self) -> &str {
            &self.name
        }
    }

    impl AudioSink for DeviceSink {
        fn write(&mut self, block: &[f32]) -> Result<(), SinkError> {
            match self.to_device.as_mut() {
                Some(conv) => {
                    let mut converted = std::mem::take(&mut self.converted);
                    converted.clear();
                    conv.push(block, &mut converted);
                    let r = self.push(&converted);
                    self.converted = converted;
                    r
                }
                None => self.push(block),
            }
        }

        fn finish(mut self: Box<Self>) -> Result<SinkStats, SinkError> {
            if let Some(conv) = self.to_device.as_mut() {
                let mut tail = Vec::new();
                conv.finish(&mut tail);
                self.push(&tail)?;
            }
            self.drain()
        }
    }

    impl DeviceSink {
        /// Queues device-rate samples for the callback, waiting while the ring is full.
        fn push(&mut self, mut block: &[f32]) -> Result<(), SinkError> {
            let mut stalled = Instant::now();
            while !block.is_empty() {
                if self.failed.load(Ordering::Relaxed) {
                    return Err(SinkError::Device(format!("{} stopped", self.name)));
                }
                let n = self.producer.slots().min(block.len());
                if n == 0 {
                    // A device that stops pulling for 2 s is as good as gone.
                    if stalled.elapsed() > Duration::from_secs(2) {
                        return Err(SinkError::Device(format!("{} stalled", self.name)));
                    }
                    std::thread::sleep(Duration::from_millis(2));
                    continue;
                }
                if let Ok(mut chunk) = self.producer.write_chunk(n) {
                    let (a, b) = chunk.as_mut_slices();
                    a.copy_from_slice(&block[..a.len()]);
                    b.copy_from_slice(&block[a.len()..n]);
                    chunk.commit_all();
                }
                block = &block[n..];
                self.written += n as u64;
                stalled = Instant::now();
            }
            Ok(())
        }

        /// Lets the device play what was queued (bounded wait) and reports.
        fn drain(self: Box<Self>) -> Result<SinkStats, SinkError> {
            // Let the device drain what was queued (bounded wait).
            let target = self.written / MIX_CHANNELS as u64;
            let deadline = Instant::now() + Duration::from_secs(2);
            while self.played.load(Ordering::Acquire) < target && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(5));
            }
            drop(self.stream);
            let period = self.period_frames.load(Ordering::Relaxed);
            Ok(SinkStats {
                // Underruns before the first block and after the last are not glitches.
                underruns: self.underruns.load(Ordering::Relaxed).saturating_sub(2),
                callback_worst_us: Some(self.worst_ns.load(Ordering::Relaxed) as f64 / 1e3),
                callback_period_us: (period > 0).then(|| period as f64 * 1e6 / self.rate as f64),
                device_losses: 0,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicU32;
    use std::time::Duration;

    /// Stands in for an output device that is unplugged after `life` blocks.
    struct Unplugged {
        clock: AudioClock,
        life: u32,
    }

    impl AudioSink for Unplugged {
        fn write(&mut self, block: &[f32]) -> Result<(), SinkError> {
            if self.life == 0 {
                return Err(SinkError::Device("test device unplugged".into()));
            }
            self.life -= 1;
            self.clock.advance((block.len() / MIX_CHANNELS) as u64);
            Ok(())
        }
        fn finish(self: Box<Self>) -> Result<SinkStats, SinkError> {
            Ok(SinkStats::default())
        }
    }

    #[test]
    fn a_resampling_device_clock_counts_mix_frames_without_drift() {
        // Ten minutes of a 44.1 kHz device under a 48 kHz mix, in uneven callbacks.
        let (mut device, mut mix) = (0u64, 0u64);
        let mut k = 0u64;
        while device < 600 * 44_100 {
            let frames = 441 + (k * 7919) % 600;
            mix += mix_frames(device, frames, 48_000, 44_100);
            device += frames;
            k += 1;
        }
        assert_eq!(mix, device * 48_000 / 44_100);
        assert_eq!(mix_frames(0, 44_100, 48_000, 44_100), 48_000);
    }

    #[test]
    fn a_lost_device_hands_over_to_the_null_sink_with_the_same_clock_and_comes_back() {
        let opened = Arc::new(AtomicU32::new(0));
        let counter = opened.clone();
        let mut opener: DeviceOpener = Box::new(move |clock: &AudioClock| {
            // The device is away for the second open attempt, back for the third.
            match counter.fetch_add(1, Ordering::Relaxed) {
                1 => Err(SinkError::Device("still unplugged".into())),
                _ => Ok(Box::new(Unplugged {
                    clock: clock.clone(),
                    life: 3,
                }) as Box<dyn AudioSink>),
            }
        });
        let clock = AudioClock::default();
        let device = opener(&clock).unwrap();
        let mut sink = Resilient::new(device, opener, clock.clone(), 48_000, Duration::ZERO);
        let block = [0f32; 480 * MIX_CHANNELS];
        for _ in 0..3 {
            sink.write(&block).unwrap();
        }
        assert!(sink.on_device());
        // Unplugged: the block goes to the null sink, and the clock keeps counting.
        sink.write(&block).unwrap();
        assert!(!sink.on_device());
        assert_eq!(clock.frames(), 4 * 480);
        // The retry fails once, then the device is back.
        sink.write(&block).unwrap();
        assert!(!sink.on_device());
        sink.write(&block).unwrap();
        assert!(sink.on_device());
        assert_eq!(clock.frames(), 6 * 480);
        let stats = Box::new(sink).finish().unwrap();
        assert_eq!(stats.device_losses, 1);
        assert_eq!(opened.load(Ordering::Relaxed), 3);
    }
}
