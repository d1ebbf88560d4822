//! The figures film makers check a stem with, computed from the decoded signal the
//! way ffmpeg users know them (RMS and peak per channel, dBFS re full scale 1.0).

use std::path::Path;

use serde::Serialize;

use super::decode::{DecodeError, StreamDecoder};

/// How many leading samples (interleaved) the report keeps for spot checks.
pub const FIRST_SAMPLES: usize = 32;

/// Statistics of one decoded audio file.
#[derive(Debug, Clone, Serialize)]
pub struct AudioStats {
    /// The file.
    pub file: String,
    /// Codec short name.
    pub codec: String,
    /// Codec long name.
    pub codec_long: String,
    /// Frames per second.
    pub sample_rate_hz: u32,
    /// Channels.
    pub channels: usize,
    /// Bits per sample for lossless codecs; absent for lossy ones.
    pub bits_per_sample: Option<u32>,
    /// Decoded frames (samples per channel), after encoder delay/padding trimming.
    pub frames: u64,
    /// `frames / sample_rate`.
    pub duration_s: f64,
    /// RMS per channel.
    pub rms: Vec<f64>,
    /// RMS per channel in dBFS (`-inf` written as null for digital silence).
    pub rms_dbfs: Vec<Option<f64>>,
    /// Largest absolute sample per channel.
    pub peak: Vec<f64>,
    /// Peak per channel in dBFS.
    pub peak_dbfs: Vec<Option<f64>>,
    /// Mean (DC offset) per channel.
    pub mean: Vec<f64>,
    /// Packets that failed to decode and were skipped (0 for a healthy file).
    pub skipped_packets: u64,
    /// The first samples, interleaved.
    pub first_samples: Vec<f32>,
}

/// Decibels re full scale, `None` for silence.
pub fn dbfs(x: f64) -> Option<f64> {
    (x > 0.0).then(|| 20.0 * x.log10())
}

/// Streams `path` through the decoder once and measures it.
pub fn analyze(path: &Path) -> Result<AudioStats, DecodeError> {
    let mut dec = StreamDecoder::open(path)?;
    let info = dec.info().clone();
    let ch = info.channels;
    let (mut sum_sq, mut sum, mut peak) = (vec![0f64; ch], vec![0f64; ch], vec![0f64; ch]);
    let mut first = Vec::with_capacity(FIRST_SAMPLES);
    let mut samples = 0u64;
    while let Some(block) = dec.next_block()? {
        if first.len() < FIRST_SAMPLES {
            let take = (FIRST_SAMPLES - first.len()).min(block.len());
            first.extend_from_slice(&block[..take]);
        }
        for frame in block.chunks_exact(ch) {
            for (c, &s) in frame.iter().enumerate() {
                let s = s as f64;
                sum_sq[c] += s * s;
                sum[c] += s;
                peak[c] = peak[c].max(s.abs());
            }
        }
        samples += block.len() as u64;
    }
    let frames = samples / ch as u64;
    let n = frames.max(1) as f64;
    let rms: Vec<f64> = sum_sq.iter().map(|s| (s / n).sqrt()).collect();
    Ok(AudioStats {
        file: path.display().to_string(),
        codec: info.codec,
        codec_long: info.codec_long,
        sample_rate_hz: info.sample_rate,
        channels: ch,
        bits_per_sample: info.bits_per_sample,
        frames,
        duration_s: frames as f64 / info.sample_rate as f64,
        rms_dbfs: rms.iter().map(|&r| dbfs(r)).collect(),
        rms,
        peak_dbfs: peak.iter().map(|&p| dbfs(p)).collect(),
        peak,
        mean: sum.iter().map(|s| s / n).collect(),
        skipped_packets: dec.skipped_packets(),
        first_samples: first,
    })
}
