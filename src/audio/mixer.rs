//! The adaptive stem mixer: looping stems, gains following music intensity.
//!
//! Gains move linearly across each block from the previous intensity to the new
//! one, so intensity changes never click. No allocation after construction.

use crate::director::StemSpec;

/// The mix is always stereo.
pub const MIX_CHANNELS: usize = 2;

struct Stem {
    /// Stereo interleaved samples.
    samples: Vec<f32>,
    gain: [f32; 2],
    pos: usize,
}

/// Mixes looping stereo stems by intensity.
pub struct Mixer {
    stems: Vec<Stem>,
    intensity: f32,
}

impl Mixer {
    /// A mixer over decoded stems (mono stems are duplicated to both channels).
    pub fn new(stems: Vec<(StemSpec, super::DecodedAudio)>, start_intensity: f32) -> Self {
        let stems = stems
            .into_iter()
            .map(|(spec, audio)| {
                let samples = match audio.channels {
                    1 => audio.samples.iter().flat_map(|&s| [s, s]).collect(),
                    2 => audio.samples,
                    n => audio
                        .samples
                        .chunks_exact(n)
                        .flat_map(|f| [f[0], f[1]])
                        .collect(),
                };
                Stem {
                    samples,
                    gain: spec.gain,
                    pos: 0,
                }
            })
            .collect();
        Self {
            stems,
            intensity: start_intensity,
        }
    }

    /// Fills `out` (stereo interleaved) while moving to `intensity` over the block.
    pub fn mix(&mut self, out: &mut [f32], intensity: f32) {
        out.fill(0.0);
        let frames = out.len() / MIX_CHANNELS;
        let from = self.intensity;
        let step = if frames > 0 {
            (intensity - from) / frames as f32
        } else {
            0.0
        };
        for stem in &mut self.stems {
            let len = stem.samples.len();
            if len < MIX_CHANNELS {
                continue;
            }
            let [g0, g1] = stem.gain;
            for (i, frame) in out.chunks_exact_mut(MIX_CHANNELS).enumerate() {
                let x = from + step * (i + 1) as f32;
                let g = g0 + (g1 - g0) * x;
                frame[0] += g * stem.samples[stem.pos];
                frame[1] += g * stem.samples[stem.pos + 1];
                stem.pos += MIX_CHANNELS;
                if stem.pos + 1 >= len {
                    stem.pos = 0;
                }
            }
        }
        self.intensity = intensity;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audio::DecodedAudio;
    use std::path::PathBuf;

    fn stem(gain: [f32; 2], value: f32) -> (StemSpec, DecodedAudio) {
        (
            StemSpec {
                id: "s".into(),
                file: PathBuf::new(),
                gain,
            },
            DecodedAudio {
                sample_rate: 48_000,
                channels: 1,
                samples: vec![value; 100],
            },
        )
    }

    #[test]
    fn gains_follow_intensity_and_ramp() {
        let mut m = Mixer::new(vec![stem([1.0, 0.0], 0.5), stem([0.0, 1.0], 0.25)], 0.0);
        let mut out = vec![0.0; 64];
        m.mix(&mut out, 0.0);
        assert!(out.iter().all(|&s| (s - 0.5).abs() < 1e-6));
        m.mix(&mut out, 1.0);
        // Ramp: monotone from ~0.5 towards 0.25, ending exactly at 0.25.
        assert!((out[62] - 0.25).abs() < 1e-6);
        assert!(out.windows(2).all(|w| w[1] <= w[0] + 1e-6));
    }
}
