//! Decoded blocks to the mix's layout: stereo at the mix rate.
//!
//! Channels: mono is duplicated, stereo kept, 5.1 folded down with ITU-R BS.775
//! coefficients (centre and surrounds at -3 dB, LFE dropped) and renormalised so a
//! full-scale channel cannot clip; other layouts fold even channels left and odd right.
//! Rates: a synchronous FFT resampler (rubato) whose delay is removed, so a stem
//! starts on its first sample and stays on the tempo grid.

use rubato::{FftFixedIn, Resampler};

/// Frames the resampler takes per call.
const CHUNK: usize = 1024;

/// Folds one interleaved frame of `frame.len()` channels to stereo.
pub fn to_stereo(frame: &[f32]) -> [f32; 2] {
    const M3DB: f32 = std::f32::consts::FRAC_1_SQRT_2;
    match frame.len() {
        0 => [0.0, 0.0],
        1 => [frame[0], frame[0]],
        2 => [frame[0], frame[1]],
        6 => {
            // FL FR FC LFE BL BR (WAVE/FLAC/Vorbis order after symphonia's mapping).
            let norm = 1.0 / (1.0 + 2.0 * M3DB);
            let c = M3DB * frame[2];
            [
                (frame[0] + c + M3DB * frame[4]) * norm,
                (frame[1] + c + M3DB * frame[5]) * norm,
            ]
        }
        n => {
            let (mut l, mut r) = (0.0, 0.0);
            for (k, &s) in frame.iter().enumerate() {
                if k % 2 == 0 {
                    l += s
                } else {
                    r += s
                }
            }
            [l / n.div_ceil(2) as f32, r / (n / 2) as f32]
        }
    }
}

/// Why a stream cannot be converted.
#[derive(Debug, thiserror::Error)]
#[error("cannot resample {from} Hz to {to} Hz: {reason}")]
pub struct ConvertError {
    from: u32,
    to: u32,
    reason: String,
}

/// Converts a stream of interleaved blocks (any channel count, one rate) to stereo
/// interleaved at the mix rate.
pub struct ToMix {
    channels: usize,
    from: u32,
    to: u32,
    resampler: Option<Box<FftFixedIn<f32>>>,
    /// Stereo input waiting for a full resampler chunk, one Vec per channel.
    pending: [Vec<f32>; 2],
    out: Vec<Vec<f32>>,
    /// Output frames still to drop (the resampler's delay).
    delay_left: usize,
    frames_in: u64,
    frames_out: u64,
}

impl ToMix {
    /// A converter from `channels` at `from` Hz to stereo at `to` Hz.
    pub fn new(channels: usize, from: u32, to: u32) -> Result<Self, ConvertError> {
        let resampler = if from == to {
            None
        } else {
            let r =
                FftFixedIn::<f32>::new(from as usize, to as usize, CHUNK, 2, 2).map_err(|e| {
                    ConvertError {
                        from,
                        to,
                        reason: e.to_string(),
                    }
                })?;
            Some(Box::new(r))
        };
        let out = resampler
            .as_ref()
            .map(|r| r.output_buffer_allocate(true))
            .unwrap_or_default();
        let delay_left = resampler.as_ref().map_or(0, |r| r.output_delay());
        Ok(Self {
            channels: channels.max(1),
            from,
            to,
            resampler,
            pending: [Vec::with_capacity(CHUNK * 2), Vec::with_capacity(CHUNK * 2)],
            out,
            delay_left,
            frames_in: 0,
            frames_out: 0,
        })
    }

    /// Appends `block` (interleaved, the source's channels) to `dst` as stereo at the
    /// mix rate. With resampling, output lags input by up to one chunk until [`finish`].
    ///
    /// [`finish`]: ToMix::finish
    pub fn push(&mut self, block: &[f32], dst: &mut Vec<f32>) {
        let frames = block.chunks_exact(self.channels);
        self.frames_in += frames.len() as u64;
        if self.resampler.is_none() {
            for f in frames {
                dst.extend_from_slice(&to_stereo(f));
            }
            self.frames_out = self.frames_in;
            return;
        }
        for f in frames {
            let [l, r] = to_stereo(f);
            self.pending[0].push(l);
            self.pending[1].push(r);
            if self.pending[0].len() == CHUNK {
                self.run_chunk(dst, None);
            }
        }
    }

    /// Flushes what the resampler still holds, padding with silence, so that exactly
    /// `frames_in × to / from` frames have come out in all.
    pub fn finish(&mut self, dst: &mut Vec<f32>) {
        if self.resampler.is_none() {
            return;
        }
        let wanted = (self.frames_in as f64 * self.to as f64 / self.from as f64).round() as u64;
        let mut guard = 0;
        while self.frames_out < wanted && guard < 64 {
            for ch in &mut self.pending {
                ch.resize(CHUNK, 0.0);
            }
            self.run_chunk(dst, Some(wanted));
            guard += 1;
        }
    }

    fn run_chunk(&mut self, dst: &mut Vec<f32>, limit: Option<u64>) {
        let Some(r) = self.resampler.as_mut() else {
            return;
        };
        let (_, n) = match r.process_into_buffer(&self.pending, &mut self.out, None) {
            Ok(x) => x,
            Err(_) => (CHUNK, 0),
        };
        for ch in &mut self.pending {
            ch.clear();
        }
        let skip = self.delay_left.min(n);
        self.delay_left -= skip;
        for i in skip..n {
            if limit.is_some_and(|l| self.frames_out >= l) {
                break;
            }
            dst.push(self.out[0][i]);
            dst.push(self.out[1][i]);
            self.frames_out += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layouts_fold_to_stereo_without_clipping() {
        assert_eq!(to_stereo(&[0.5]), [0.5, 0.5]);
        assert_eq!(to_stereo(&[0.1, 0.2]), [0.1, 0.2]);
        let full = to_stereo(&[1.0, 1.0, 1.0, 1.0, 1.0, 1.0]);
        assert!((full[0] - 1.0).abs() < 1e-6 && (full[1] - 1.0).abs() < 1e-6);
        assert_eq!(to_stereo(&[0.3, 0.0, 0.3, 0.0]), [0.3, 0.0]);
    }

    #[test]
    fn resampling_keeps_length_pitch_and_level() {
        // A 1 kHz sine at 44.1 kHz, 1 s, resampled to 48 kHz.
        let (from, to) = (44_100u32, 48_000u32);
        let input: Vec<f32> = (0..from)
            .map(|i| (std::f32::consts::TAU * 1000.0 * i as f32 / from as f32).sin() * 0.5)
            .collect();
        let mut c = ToMix::new(1, from, to).unwrap();
        let mut out = Vec::new();
        for block in input.chunks(1152) {
            c.push(block, &mut out);
        }
        c.finish(&mut out);
        assert_eq!(out.len(), 2 * to as usize);
        // Compare the middle with the ideal sine at 48 kHz (delay removed: same phase).
        let mut worst = 0f32;
        for i in 2000..46_000 {
            let ideal = (std::f32::consts::TAU * 1000.0 * i as f32 / to as f32).sin() * 0.5;
            worst = worst.max((out[2 * i] - ideal).abs());
        }
        assert!(worst < 2e-3, "max error {worst}");
    }
}
