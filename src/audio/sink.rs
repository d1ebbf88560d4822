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

/// Frames the listener has actually heard; the master clock while a device plays.
#[derive(Clone, Default)]
pub struct AudioClock(Arc<AtomicU64>);

impl AudioClock {
    /// Frames played so far.
    pub fn frames(&self) -> u64 {
        self.0.load(Ordering::Acquire)
    }
}

/// Receives the mix block by block.
pub trait AudioSink {
    /// Takes one block of stereo interleaved samples.
    fn write(&mut self, block: &[f32]) -> Result<(), SinkError>;
    /// Flushes; returns the number of underruns (device only).
    fn finish(self: Box<Self>) -> Result<u64, SinkError>;
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

    fn finish(self: Box<Self>) -> Result<u64, SinkError> {
        let path = self.path.clone();
        self.writer.finalize().map_err(|e| SinkError::Wav {
            path,
            reason: e.to_string(),
        })?;
        Ok(0)
    }
}

/// Sends every block to several sinks (e.g. the device and a WAV record).
pub struct Tee(pub Vec<Box<dyn AudioSink>>);

impl AudioSink for Tee {
    fn write(&mut self, block: &[f32]) -> Result<(), SinkError> {
        self.0.iter_mut().try_for_each(|s| s.write(block))
    }

    fn finish(self: Box<Self>) -> Result<u64, SinkError> {
        let mut underruns = 0;
        for s in self.0 {
            underruns += s.finish()?;
        }
        Ok(underruns)
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
pub use device::DeviceSink;

#[cfg(feature = "audio-device")]
mod device {
    use super::*;
    use cpal::traits::{DeviceTrait, HostTrait, StreamTrait};
    use std::sync::atomic::AtomicBool;
    use std::time::Duration;

    /// Plays through the default output device; the callback is lock- and allocation-free.
    pub struct DeviceSink {
        producer: rtrb::Producer<f32>,
        stream: cpal::Stream,
        clock: AudioClock,
        underruns: Arc<AtomicU64>,
        failed: Arc<AtomicBool>,
        written: u64,
        name: String,
    }

    impl DeviceSink {
        /// Opens the default output device at `sample_rate`, stereo f32.
        pub fn open(sample_rate: u32) -> Result<Self, SinkError> {
            let host = cpal::default_host();
            let device = host
                .default_output_device()
                .ok_or_else(|| SinkError::Device("no default output device".into()))?;
            let name = device
                .description()
                .map(|d| d.name().to_owned())
                .unwrap_or_else(|_| "default".into());
            let config = cpal::StreamConfig {
                channels: MIX_CHANNELS as u16,
                sample_rate,
                buffer_size: cpal::BufferSize::Default,
            };
            // Half a second of headroom between the mixer thread and the callback.
            let (producer, mut consumer) = rtrb::RingBuffer::<f32>::new(sample_rate as usize);
            let clock = AudioClock::default();
            let underruns = Arc::new(AtomicU64::new(0));
            let failed = Arc::new(AtomicBool::new(false));
            let (cb_clock, cb_under, cb_failed) =
                (clock.0.clone(), underruns.clone(), failed.clone());
            let stream = device
                .build_output_stream(
                    config,
                    move |out: &mut [f32], _| {
                        let avail = consumer.slots().min(out.len());
                        if let Ok(chunk) = consumer.read_chunk(avail) {
                            let (a, b) = chunk.as_slices();
                            out[..a.len()].copy_from_slice(a);
                            out[a.len()..a.len() + b.len()].copy_from_slice(b);
                            chunk.commit_all();
                        }
                        if avail < out.len() {
                            out[avail..].fill(0.0);
                            cb_under.fetch_add(1, Ordering::Relaxed);
                        }
                        cb_clock.fetch_add((avail / MIX_CHANNELS) as u64, Ordering::Release);
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
                clock,
                underruns,
                failed,
                written: 0,
                name,
            })
        }

        /// The device's clock, for pacing video.
        pub fn clock(&self) -> AudioClock {
            self.clock.clone()
        }

        /// Device name for reports.
        pub fn name(&self) -> &str {
            &self.name
        }
    }

    impl AudioSink for DeviceSink {
        fn write(&mut self, mut block: &[f32]) -> Result<(), SinkError> {
            while !block.is_empty() {
                if self.failed.load(Ordering::Relaxed) {
                    return Err(SinkError::Device(format!("{} stopped", self.name)));
                }
                let n = self.producer.slots().min(block.len());
                if n == 0 {
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
            }
            Ok(())
        }

        fn finish(self: Box<Self>) -> Result<u64, SinkError> {
            // Let the device drain what was queued (bounded wait).
            let target = self.written / MIX_CHANNELS as u64;
            let deadline = std::time::Instant::now() + Duration::from_secs(2);
            while self.clock.frames() < target && std::time::Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(5));
            }
            drop(self.stream);
            // Underruns before the first block and after the last are not glitches.
            Ok(self.underruns.load(Ordering::Relaxed).saturating_sub(2))
        }
    }
}
