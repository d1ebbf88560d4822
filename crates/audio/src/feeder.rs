//! The decode thread: keeps one lock-free ring per stem full of stereo samples at the
//! mix rate, so the mixer never decodes, allocates or waits.
//!
//! Stems loop by reopening the file at its end (the converter runs on across the seam,
//! so resampled loops stay seamless and on the tempo grid). A stem that stops decoding
//! (file gone, unreadable) is marked failed and reported; the others play on.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use crossbeam_channel::{Receiver, Sender};

use super::convert::ToMix;
use super::decode::{DecodeError, StreamDecoder};
use super::MIX_CHANNELS;

/// What the mixer may expect from a stem's ring.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedStatus {
    /// More samples are coming.
    Playing,
    /// The stem has ended (non-looping); what is in the ring is all there is.
    Ended,
    /// Decoding failed; the stem is muted.
    Failed,
}

const PLAYING: u8 = 0;
const ENDED: u8 = 1;
const FAILED: u8 = 2;

/// One stem to stream.
#[derive(Debug, Clone)]
pub struct FeedSpec {
    /// The audio file.
    pub path: PathBuf,
    /// Start again at the end.
    pub looping: bool,
}

/// The mixer's end of a stem: a ring of interleaved stereo samples.
pub struct StemInput {
    consumer: rtrb::Consumer<f32>,
    status: Arc<AtomicU8>,
}

impl StemInput {
    /// Copies up to `out.len()` samples into `out`; returns how many. Real-time safe.
    pub fn read(&mut self, out: &mut [f32]) -> usize {
        let n = self.consumer.slots().min(out.len());
        if let Ok(chunk) = self.consumer.read_chunk(n) {
            let (a, b) = chunk.as_slices();
            out[..a.len()].copy_from_slice(a);
            out[a.len()..a.len() + b.len()].copy_from_slice(b);
            chunk.commit_all();
        }
        n
    }

    /// Samples ready to read.
    pub fn available(&self) -> usize {
        self.consumer.slots()
    }

    /// What the feeder says of this stem.
    pub fn status(&self) -> FeedStatus {
        match self.status.load(Ordering::Acquire) {
            PLAYING => FeedStatus::Playing,
            ENDED => FeedStatus::Ended,
            _ => FeedStatus::Failed,
        }
    }

    /// Blocks (not for real-time threads) until `samples` are ready or the stem has
    /// ended or failed: the virtual-clock path's guarantee of no underruns.
    pub fn wait_for(&self, samples: usize) {
        while self.consumer.slots() < samples && self.status() == FeedStatus::Playing {
            std::thread::sleep(Duration::from_micros(100));
        }
    }
}

/// A stem that failed while playing.
#[derive(Debug, Clone)]
pub struct FeedError {
    /// Index of the stem.
    pub stem: usize,
    /// What went wrong, naming the file.
    pub message: String,
}

/// Why feeding could not start; names the file.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The file cannot be decoded.
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// The file holds no audio.
    #[error("audio {0}: no audio frames (a zero-length stem)")]
    Empty(PathBuf),
    /// Its rate cannot be converted.
    #[error("audio {path}: {source}")]
    Convert {
        path: PathBuf,
        #[source]
        source: super::convert::ConvertError,
    },
}

struct Source {
    index: usize,
    spec: FeedSpec,
    dec: StreamDecoder,
    channels: usize,
    conv: ToMix,
    pending: Vec<f32>,
    at: usize,
    /// Frames decoded in the current pass through the file.
    pass_frames: u64,
    finishing: bool,
    producer: rtrb::Producer<f32>,
    status: Arc<AtomicU8>,
}

impl Source {
    /// Moves what fits into the ring, decoding as needed; true if anything moved.
    fn fill(&mut self, errors: &Sender<FeedError>) -> bool {
        let mut moved = false;
        // Bounded work per call keeps the stems fair.
        for _ in 0..64 {
            if self.at < self.pending.len() {
                let n = self.producer.slots().min(self.pending.len() - self.at);
                if n == 0 {
                    return moved;
                }
                if let Ok(mut chunk) = self.producer.write_chunk(n) {
                    let (a, b) = chunk.as_mut_slices();
                    let src = &self.pending[self.at..self.at + n];
                    a.copy_from_slice(&src[..a.len()]);
                    b.copy_from_slice(&src[a.len()..]);
                    chunk.commit_all();
                }
                self.at += n;
                moved = true;
                continue;
            }
            self.pending.clear();
            self.at = 0;
            if self.finishing {
                self.status.store(ENDED, Ordering::Release);
                return moved;
            }
            if let Err(message) = self.decode_next() {
                self.status.store(FAILED, Ordering::Release);
                let _ = errors.send(FeedError {
                    stem: self.index,
                    message,
                });
                return moved;
            }
        }
        moved
    }

    fn decode_next(&mut self) -> Result<(), String> {
        match self.dec.next_block() {
            Ok(Some(block)) => {
                self.pass_frames += (block.len() / self.channels) as u64;
                self.conv.push(block, &mut self.pending);
                Ok(())
            }
            Ok(None) if self.spec.looping => {
                if self.pass_frames == 0 {
                    return Err(format!(
                        "audio {}: no audio frames on this pass",
                        self.spec.path.display()
                    ));
                }
                self.dec = StreamDecoder::open(&self.spec.path)
                    .map_err(|e| format!("{e} (reopening to loop)"))?;
                self.pass_frames = 0;
                Ok(())
            }
            Ok(None) => {
                self.conv.finish(&mut self.pending);
                self.finishing = true;
                Ok(())
            }
            Err(e) => Err(e.to_string()),
        }
    }
}

/// Owns the decode thread; dropping it stops the thread.
pub struct Feeder {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
    errors: Receiver<FeedError>,
}

impl Feeder {
    /// Opens every stem (errors name the file), primes each ring, and starts feeding.
    /// Rings hold `ring_frames` stereo frames at `mix_rate`.
    pub fn start(
        specs: &[FeedSpec],
        mix_rate: u32,
        ring_frames: usize,
    ) -> Result<(Self, Vec<StemInput>), StartError> {
        let (err_tx, errors) = crossbeam_channel::unbounded();
        let mut sources = Vec::new();
        let mut inputs = Vec::new();
        for (index, spec) in specs.iter().enumerate() {
            let mut dec = StreamDecoder::open(&spec.path)?;
            let info = dec.info().clone();
            let mut conv =
                ToMix::new(info.channels, info.sample_rate, mix_rate).map_err(|source| {
                    StartError::Convert {
                        path: spec.path.clone(),
                        source,
                    }
                })?;
            // The first packet proves there is audio; it becomes the first samples fed.
            let mut pending = Vec::with_capacity(8192);
            let Some(first) = dec.next_block()? else {
                return Err(StartError::Empty(spec.path.clone()));
            };
            let pass_frames = (first.len() / info.channels) as u64;
            conv.push(first, &mut pending);
            let (producer, consumer) = rtrb::RingBuffer::new(ring_frames * MIX_CHANNELS);
            let status = Arc::new(AtomicU8::new(PLAYING));
            inputs.push(StemInput {
                consumer,
                status: status.clone(),
            });
            sources.push(Source {
                index,
                spec: spec.clone(),
                dec,
                channels: info.channels,
                conv,
                pending,
                at: 0,
                pass_frames,
                finishing: false,
                producer,
                status,
            });
        }
        let stop = Arc::new(AtomicBool::new(false));
        let thread_stop = stop.clone();
        let thread = std::thread::Builder::new()
            .name("livingfilm-feeder".into())
            .spawn(move || run(sources, thread_stop, err_tx))
            .map_err(|e| {
                StartError::Decode(DecodeError::Io {
                    path: PathBuf::from("<feeder thread>"),
                    source: e,
                })
            })?;
        Ok((
            Self {
                stop,
                thread: Some(thread),
                errors,
            },
            inputs,
        ))
    }

    /// Stems that failed since the last call.
    pub fn failures(&self) -> Vec<FeedError> {
        self.errors.try_iter().collect()
    }
}

impl Drop for Feeder {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn run(mut sources: Vec<Source>, stop: Arc<AtomicBool>, errors: Sender<FeedError>) {
    while !stop.load(Ordering::Acquire) {
        let mut moved = false;
        let mut live = false;
        for s in &mut sources {
            if s.status.load(Ordering::Acquire) != PLAYING {
                continue;
            }
            live = true;
            moved |= s.fill(&errors);
        }
        if !live {
            return;
        }
        if !moved {
            std::thread::sleep(Duration::from_millis(1));
        }
    }
}
