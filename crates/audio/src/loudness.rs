//! Loudness of the mix as delivery specs state it: integrated loudness (LUFS) and
//! loudness range (LU) per ITU-R BS.1770 / EBU R128, sample peak (dBFS) and true peak
//! (dBTP). The `ebur128` crate does the measuring (a port of libebur128, the
//! reference most tools agree with; tests/it/loudness.rs holds it to ffmpeg's `ebur128`
//! filter on the same files).
//!
//! The player feeds it every block it writes, on the audio stage's thread: never in a
//! device callback (the meter keeps a growing block history for the gating).

use serde::Serialize;

use super::MIX_CHANNELS;

/// Why the meter could not be made or fed.
#[derive(Debug, thiserror::Error)]
#[error("loudness meter: {0}")]
pub struct LoudnessError(String);

/// The figures of a whole mix. Absent (null in JSON) where BS.1770 gives no value:
/// integrated loudness of a mix that never rises above the -70 LUFS gate, a peak of
/// digital silence.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Loudness {
    /// Gated integrated loudness, LUFS.
    pub integrated_lufs: Option<f64>,
    /// Loudness range (EBU Tech 3342), LU.
    pub loudness_range_lu: Option<f64>,
    /// Largest absolute sample, dBFS.
    pub peak_dbfs: Option<f64>,
    /// Largest value of the 4x-oversampled signal (at least the sample peak), dBTP.
    pub true_peak_dbtp: Option<f64>,
}

/// Measures interleaved stereo blocks as they are written.
pub struct LoudnessMeter {
    meter: ebur128::EbuR128,
}

impl LoudnessMeter {
    /// A meter for the stereo mix at `rate`.
    pub fn new(rate: u32) -> Result<Self, LoudnessError> {
        use ebur128::Mode;
        let mode = Mode::I | Mode::LRA | Mode::SAMPLE_PEAK | Mode::TRUE_PEAK;
        let meter = ebur128::EbuR128::new(MIX_CHANNELS as u32, rate, mode)
            .map_err(|e| LoudnessError(format!("{e:?}")))?;
        Ok(Self { meter })
    }

    /// Adds interleaved stereo frames.
    pub fn add(&mut self, block: &[f32]) -> Result<(), LoudnessError> {
        self.meter
            .add_frames_f32(block)
            .map_err(|e| LoudnessError(format!("{e:?}")))
    }

    /// The figures over everything added so far.
    pub fn figures(&self) -> Loudness {
        let finite = |x: f64| x.is_finite().then_some(x);
        let db = |x: f64| finite(20.0 * x.log10());
        let per_channel = |f: &dyn Fn(u32) -> Result<f64, ebur128::Error>| {
            (0..MIX_CHANNELS as u32)
                .filter_map(|c| f(c).ok())
                .fold(0f64, f64::max)
        };
        let sample_peak = per_channel(&|c| self.meter.sample_peak(c));
        let true_peak = per_channel(&|c| self.meter.true_peak(c)).max(sample_peak);
        Loudness {
            integrated_lufs: self.meter.loudness_global().ok().and_then(finite),
            loudness_range_lu: self.meter.loudness_range().ok().and_then(finite),
            peak_dbfs: db(sample_peak),
            true_peak_dbtp: db(true_peak),
        }
    }
}

/// Measures a whole file as the player measures its mix (a test and tool seam: the
/// same [`LoudnessMeter`], fed in the player's block size).
pub fn measure_file(path: &std::path::Path) -> Result<(u32, Loudness), LoudnessError> {
    let mut dec = super::StreamDecoder::open(path).map_err(|e| LoudnessError(e.to_string()))?;
    let info = dec.info().clone();
    if info.channels != MIX_CHANNELS {
        return Err(LoudnessError(format!(
            "{}: {} channels, the mix is stereo",
            path.display(),
            info.channels
        )));
    }
    let mut meter = LoudnessMeter::new(info.sample_rate)?;
    while let Some(block) = dec.next_block().map_err(|e| LoudnessError(e.to_string()))? {
        meter.add(block)?;
    }
    Ok((info.sample_rate, meter.figures()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_scale_sine_reads_as_bs1770_says() {
        // BS.1770's calibration: a 0 dBFS 1 kHz sine in one front channel reads
        // -3.01 LKFS; in both channels of the pair, twice the power: 0.0 LKFS.
        let rate = 48_000;
        let mut m = LoudnessMeter::new(rate).unwrap();
        let block: Vec<f32> = (0..rate as usize * 5)
            .flat_map(|i| {
                let s = (2.0 * std::f64::consts::PI * 997.0 * i as f64 / rate as f64).sin();
                [s as f32, s as f32]
            })
            .collect();
        m.add(&block).unwrap();
        let f = m.figures();
        let i = f.integrated_lufs.unwrap();
        assert!((i - 0.0).abs() < 0.1, "{f:?}");
        assert!(f.peak_dbfs.unwrap().abs() < 0.01, "{f:?}");
        assert!(f.true_peak_dbtp.unwrap() >= f.peak_dbfs.unwrap());
    }

    #[test]
    fn silence_has_no_loudness() {
        let mut m = LoudnessMeter::new(48_000).unwrap();
        m.add(&vec![0.0; 48_000 * 2]).unwrap();
        let f = m.figures();
        assert_eq!((f.integrated_lufs, f.peak_dbfs), (None, None), "{f:?}");
    }
}
