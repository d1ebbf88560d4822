//! The master bus's true-peak limiter: the last thing the mix passes through before a
//! sink, so that stems whose sum runs over full scale are held under a ceiling instead
//! of being clipped by the 16-bit conversion (or the device) without a word.
//!
//! How it works, per frame:
//! 1. **Detection.** The frame's peak is the largest of its samples and of the three
//!    points between each sample and the next, interpolated at 4x with the order-48
//!    polyphase FIR of ITU-R BS.1770 Annex 2: the "true peak" a DAC's reconstruction
//!    reaches, which sample peaks miss by up to 3 dB.
//! 2. **Required gain** `min(1, ceiling / peak)`, held as a running minimum over the
//!    look-ahead window plus the interpolator's reach (so every sample near a peak
//!    gets it), with an exponential release back towards 1.
//! 3. **Smoothing.** That held gain is averaged over the look-ahead window (a box
//!    filter): the gain moves as a ramp, never a step, and because every value averaged
//!    is already at or below the gain the peak needs, the peak itself is never missed.
//! 4. **Delay.** The signal waits in a delay line for the look-ahead, so the gain has
//!    fully come down by the time the peak it was computed for comes out.
//!
//! Real-time safe: every buffer is sized in [`TruePeakLimiter::new`]; `process` does
//! no allocation, locking or I/O (it runs inside `Mixer::process`, which
//! crates/audio/tests/it/audio_realtime.rs counts allocations in). Deterministic: the arithmetic is
//! the same for the same input, so a headless run still writes a byte-identical
//! `mix.wav`. A mix that never reaches the ceiling passes through bit-exact (the
//! averaged gain is then exactly 1), only delayed; the mixer pre-rolls that delay away.

use super::MIX_CHANNELS;

/// Where the limiter holds the mix's true peak, dBTP: -1 dBTP is the EBU R128 /
/// streaming delivery ceiling, and leaves room for lossy encoders' overshoot.
pub const CEILING_DBTP: f32 = -1.0;

/// Look-ahead (and attack ramp) length, seconds: short enough not to be heard as a
/// dip before transients, long enough that the gain ramps instead of stepping.
const LOOKAHEAD_S: f64 = 0.001;

/// Release time constant, seconds: slow enough not to distort bass (a release that
/// follows the waveform modulates it), fast enough not to pump audibly.
const RELEASE_S: f64 = 0.1;

/// A released gain this close to 1 counts as 1 (a step of -0.00001 dB).
const RELEASED: f64 = 1.0 - 1e-6;

/// Taps of each polyphase branch of the Annex 2 interpolator.
const TAPS: usize = 12;

/// ITU-R BS.1770-4/-5 Annex 2: the order-48, 4-phase FIR interpolating filter, as the
/// Recommendation prints it (one row per phase). As printed, phases 1 and 2 pass DC at
/// 0.973: they read the points between samples 0.24 dB low, which let true peaks out
/// 0.1-0.2 dB over the ceiling by other meters. The limiter scales each phase to unit
/// DC gain (see [`TruePeakLimiter::new`]), which only ever reads higher.
const PHASES: [[f64; TAPS]; 4] = [
    [
        0.001_708_984_375,
        0.010_986_328_125,
        -0.019_653_320_312_5,
        0.033_203_125,
        -0.059_448_242_187_5,
        0.137_329_101_562_5,
        0.972_167_968_75,
        -0.102_294_921_875,
        0.047_607_421_875,
        -0.026_611_328_125,
        0.014_892_578_125,
        -0.008_300_781_25,
    ],
    [
        -0.029_174_804_687_5,
        0.029_296_875,
        -0.051_757_812_5,
        0.089_111_328_125,
        -0.166_503_906_25,
        0.465_087_890_625,
        0.779_785_156_25,
        -0.200_317_382_812_5,
        0.101_562_5,
        -0.058_227_539_062_5,
        0.033_081_054_687_5,
        -0.018_920_898_437_5,
    ],
    [
        -0.018_920_898_437_5,
        0.033_081_054_687_5,
        -0.058_227_539_062_5,
        0.101_562_5,
        -0.200_317_382_812_5,
        0.779_785_156_25,
        0.465_087_890_625,
        -0.166_503_906_25,
        0.089_111_328_125,
        -0.051_757_812_5,
        0.029_296_875,
        -0.029_174_804_687_5,
    ],
    [
        -0.008_300_781_25,
        0.014_892_578_125,
        -0.026_611_328_125,
        0.047_607_421_875,
        -0.102_294_921_875,
        0.972_167_968_75,
        0.137_329_101_562_5,
        -0.059_448_242_187_5,
        0.033_203_125,
        -0.019_653_320_312_5,
        0.010_986_328_125,
        0.001_708_984_375,
    ],
];

/// Frames after a sample that the interpolator still reports on it: the points
/// between sample `m` and `m + 1` come out of the filter at frame `m + REACH`.
const REACH: usize = TAPS / 2;

/// What the limiter did, for the report.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LimiterStats {
    /// Samples at or over full scale (|x| >= 1.0) going in: what would have clipped.
    pub clipped_in: u64,
    /// Samples at or over full scale coming out (0 unless something is badly wrong).
    pub clipped_out: u64,
    /// Frames that left with a gain under 1.
    pub limited_frames: u64,
    /// Smallest gain applied (1.0: the limiter never acted).
    pub min_gain: f32,
}

impl Default for LimiterStats {
    fn default() -> Self {
        Self {
            clipped_in: 0,
            clipped_out: 0,
            limited_frames: 0,
            min_gain: 1.0,
        }
    }
}

impl LimiterStats {
    /// Deepest gain reduction in dB (0.0 when the limiter never acted).
    pub fn max_reduction_db(&self) -> f32 {
        // `0.0 - x` rather than `-x`: no reduction reads 0, not -0.
        0.0 - 20.0 * self.min_gain.log10()
    }
}

/// A look-ahead true-peak limiter for interleaved stereo at one sample rate.
pub struct TruePeakLimiter {
    ceiling: f32,
    /// [`PHASES`], each scaled to unit DC gain.
    phases: [[f32; TAPS]; 4],
    /// Release: fraction of the way back to 1 the held gain moves each frame. In f64:
    /// in f32 the step `(1 - g) · release` drops under half an ulp of 1 while `g` is
    /// still 1.4e-4 short, and the gain would stall there for good.
    release: f64,
    /// Interpolator input, per channel, written twice (at `i` and `i + TAPS`) so the
    /// last `TAPS` samples are always one contiguous slice.
    history: [[f32; 2 * TAPS]; MIX_CHANNELS],
    hist_pos: usize,
    /// Delay line of `delay` frames (interleaved), read and written at `delay_pos`.
    delay_line: Box<[f32]>,
    delay_pos: usize,
    /// Running minimum of the required gain over the last `hold` frames: a monotonic
    /// queue of (frame, gain) in a ring of `hold` entries.
    min_queue: Box<[(u64, f32)]>,
    min_head: usize,
    min_len: usize,
    hold: usize,
    /// Held gain after release.
    released: f64,
    /// Box filter over the last `window` released gains.
    window_vals: Box<[f64]>,
    window_pos: usize,
    window_sum: f64,
    frame: u64,
    stats: LimiterStats,
    /// Samples at or below this cannot make a true peak over the ceiling: no point the
    /// interpolator reads can exceed the largest |sample| under its taps times the
    /// largest sum of |coefficient| over the phases.
    quiet_below: f32,
    /// Frames until every sample under the taps is at or below `quiet_below` again;
    /// while it is 0 the interpolator is skipped (the gain it would give is exactly 1).
    hot: usize,
}

impl TruePeakLimiter {
    /// A limiter at `rate` frames per second holding true peaks at `ceiling_dbtp`.
    /// Allocates its buffers here, once.
    pub fn new(rate: u32, ceiling_dbtp: f32) -> Self {
        let window = ((LOOKAHEAD_S * rate as f64).round() as usize).max(1);
        // See `process`: every averaged gain must have seen the peak's detector frames.
        let hold = window + REACH;
        let delay = window + REACH - 1;
        let mut phases = [[0f32; TAPS]; 4];
        for (scaled, phase) in phases.iter_mut().zip(&PHASES) {
            let dc: f64 = phase.iter().sum();
            for (k, c) in scaled.iter_mut().zip(phase) {
                *k = (c / dc) as f32;
            }
        }
        let reach: f32 = phases
            .iter()
            .map(|p| p.iter().map(|k| k.abs()).sum::<f32>())
            .fold(1.0, f32::max);
        let ceiling = 10f32.powf(ceiling_dbtp / 20.0);
        Self {
            ceiling,
            quiet_below: ceiling / reach,
            hot: 0,
            phases,
            release: 1.0 - (-1.0 / (RELEASE_S * rate as f64)).exp(),
            history: [[0.0; 2 * TAPS]; MIX_CHANNELS],
            hist_pos: 0,
            delay_line: vec![0.0; delay.max(1) * MIX_CHANNELS].into_boxed_slice(),
            delay_pos: 0,
            min_queue: vec![(0, 1.0); hold].into_boxed_slice(),
            min_head: 0,
            min_len: 0,
            hold,
            released: 1.0,
            window_vals: vec![1.0; window].into_boxed_slice(),
            window_pos: 0,
            window_sum: window as f64,
            frame: 0,
            stats: LimiterStats::default(),
        }
    }

    /// Frames between a sample going in and coming out.
    pub fn latency(&self) -> usize {
        self.delay_line.len() / MIX_CHANNELS
    }

    /// What it has done so far.
    pub fn stats(&self) -> LimiterStats {
        self.stats
    }

    /// Limits `block` (interleaved stereo) in place; the output is delayed by
    /// [`latency`](Self::latency) frames.
    ///
    /// Why the sizes work: with `W` the window, the gain applied at frame `n` is the
    /// mean of the held gains at `n-W+1 ..= n`, each the minimum over the `W + REACH`
    /// detector frames before it. The sample leaving at `n` went in at `m = n-W-REACH+1`
    /// and its true-peak neighbourhood was detected at frames `m ..= m+REACH`, which
    /// lie inside all `W` of those minimum windows: every gain averaged is at or below
    /// what its peak needs, so their mean is too.
    pub fn process(&mut self, block: &mut [f32]) {
        for frame in block.chunks_exact_mut(MIX_CHANNELS) {
            let need = self.required_gain(frame);
            let held = self.hold_min(need);
            let mut back = self.released + (1.0 - self.released) * self.release;
            if back > RELEASED {
                // An exponential approach never arrives: snap home, so an unlimited
                // stretch is bit-exact again.
                back = 1.0;
            }
            self.released = (held as f64).min(back);
            let w = self.window_vals.len();
            self.window_sum += self.released - self.window_vals[self.window_pos];
            self.window_vals[self.window_pos] = self.released;
            self.window_pos += 1;
            if self.window_pos == w {
                // Re-add exactly once a window: no rounding drift over a long film,
                // and a window of ones sums to exactly `w` (gain exactly 1).
                self.window_pos = 0;
                self.window_sum = self.window_vals.iter().sum();
            }
            let gain = ((self.window_sum / w as f64) as f32).min(1.0);
            if gain < 1.0 {
                self.stats.limited_frames += 1;
                self.stats.min_gain = self.stats.min_gain.min(gain);
            }
            let d = self.delay_pos * MIX_CHANNELS;
            for (c, s) in frame.iter_mut().enumerate() {
                let delayed = std::mem::replace(&mut self.delay_line[d + c], *s);
                if delayed.abs() >= 1.0 {
                    self.stats.clipped_in += 1;
                }
                *s = delayed * gain;
                if s.abs() >= 1.0 {
                    self.stats.clipped_out += 1;
                }
            }
            self.delay_pos += 1;
            if self.delay_pos * MIX_CHANNELS == self.delay_line.len() {
                self.delay_pos = 0;
            }
            self.frame += 1;
        }
    }

    /// The gain that would bring this frame's true-peak neighbourhood to the ceiling.
    fn required_gain(&mut self, frame: &[f32]) -> f32 {
        for (c, &s) in frame.iter().enumerate() {
            let h = &mut self.history[c];
            h[self.hist_pos] = s;
            h[self.hist_pos + TAPS] = s;
            if s.abs() > self.quiet_below {
                self.hot = TAPS;
            }
        }
        if self.hot == 0 {
            // Quiet under every tap: most of a mix with headroom costs no filtering.
            self.hist_pos = (self.hist_pos + 1) % TAPS;
            return 1.0;
        }
        self.hot -= 1;
        let mut peak = 0f32;
        for (c, &s) in frame.iter().enumerate() {
            let h = &self.history[c];
            // Newest sample last: taps[j] meets the sample j frames after the oldest.
            let taps = &h[self.hist_pos + 1..self.hist_pos + 1 + TAPS];
            peak = peak.max(s.abs());
            for phase in &self.phases {
                let v: f32 = phase.iter().zip(taps).map(|(k, x)| k * x).sum();
                peak = peak.max(v.abs());
            }
        }
        self.hist_pos = (self.hist_pos + 1) % TAPS;
        if peak > self.ceiling {
            self.ceiling / peak
        } else {
            1.0
        }
    }

    /// Pushes `g` and returns the minimum of the last `hold` values (monotonic queue:
    /// O(1) per frame however long the window, in a ring allocated once).
    fn hold_min(&mut self, g: f32) -> f32 {
        let cap = self.min_queue.len();
        // Drop values the new one makes irrelevant (not smaller than it) from the back.
        while self.min_len > 0 {
            let back = (self.min_head + self.min_len - 1) % cap;
            if self.min_queue[back].1 >= g {
                self.min_len -= 1;
            } else {
                break;
            }
        }
        // Drop from the front what has left the window.
        while self.min_len > 0 && self.min_queue[self.min_head].0 + self.hold as u64 <= self.frame {
            self.min_head = (self.min_head + 1) % cap;
            self.min_len -= 1;
        }
        let at = (self.min_head + self.min_len) % cap;
        self.min_queue[at] = (self.frame, g);
        self.min_len += 1;
        self.min_queue[self.min_head].1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RATE: u32 = 48_000;

    /// The true peak of `x` (one channel) by 16x band-limited (windowed-sinc)
    /// interpolation: a reference independent of the Annex 2 table.
    fn reference_true_peak(x: &[f32]) -> f32 {
        let mut peak = 0f32;
        let half = 64i64;
        for i in 0..x.len() as i64 {
            for k in 0..16 {
                let t = i as f64 + k as f64 / 16.0;
                let mut v = 0f64;
                for j in (i - half).max(0)..(i + half).min(x.len() as i64) {
                    let d = t - j as f64;
                    let sinc = if d == 0.0 {
                        1.0
                    } else {
                        (std::f64::consts::PI * d).sin() / (std::f64::consts::PI * d)
                    };
                    let w = 0.5 + 0.5 * (std::f64::consts::PI * d / half as f64).cos();
                    v += x[j as usize] as f64 * sinc * w;
                }
                peak = peak.max(v.abs() as f32);
            }
        }
        peak
    }

    fn run(lim: &mut TruePeakLimiter, input: &[f32]) -> Vec<f32> {
        let mut out = input.to_vec();
        out.extend(std::iter::repeat_n(0.0, lim.latency() * MIX_CHANNELS));
        for block in out.chunks_mut(64 * MIX_CHANNELS) {
            lim.process(block);
        }
        out.split_off(lim.latency() * MIX_CHANNELS)
    }

    #[test]
    fn phases_mirror_each_other() {
        for j in 0..TAPS {
            assert_eq!(PHASES[0][j], PHASES[3][TAPS - 1 - j]);
            assert_eq!(PHASES[1][j], PHASES[2][TAPS - 1 - j]);
        }
    }

    #[test]
    fn quiet_signals_pass_bit_exact_after_the_latency() {
        let mut lim = TruePeakLimiter::new(RATE, CEILING_DBTP);
        let input: Vec<f32> = (0..4800)
            .flat_map(|i| {
                let s = 0.5 * (i as f32 * 0.05).sin();
                [s, -s]
            })
            .collect();
        let out = run(&mut lim, &input);
        assert_eq!(out, input);
        assert_eq!(lim.stats().min_gain, 1.0);
        assert_eq!(lim.stats().limited_frames, 0);
    }

    #[test]
    fn loud_signals_are_held_under_the_ceiling_between_samples_too() {
        // A quarter-rate sine at 45° phase: samples at 0.707 of its true peak, so a
        // sample-peak limiter would let it through 3 dB hot. Bursts at 2.0 true peak
        // with silence around them exercise attack and release.
        let mut input = Vec::new();
        for i in 0..24_000usize {
            let on = (i / 4000) % 2 == 1;
            let a = if on { 2.0 } else { 0.0 };
            let s =
                a * (std::f32::consts::FRAC_PI_2 * i as f32 + std::f32::consts::FRAC_PI_4).sin();
            input.extend([s, 0.3 * s]);
        }
        let mut lim = TruePeakLimiter::new(RATE, CEILING_DBTP);
        let out = run(&mut lim, &input);
        let left: Vec<f32> = out.iter().step_by(2).copied().collect();
        let tp_db = 20.0 * reference_true_peak(&left).log10();
        assert!(tp_db <= CEILING_DBTP + 0.3, "true peak {tp_db:.2} dBTP");
        assert!(out.iter().all(|s| s.abs() < 1.0));
        let st = lim.stats();
        assert!(st.clipped_in > 0 && st.clipped_out == 0, "{st:?}");
        // 2.0 true peak to -1 dBTP is about 7 dB of reduction.
        assert!((st.max_reduction_db() - 7.0).abs() < 0.5, "{st:?}");
    }

    #[test]
    fn after_a_peak_the_gain_comes_home_exactly() {
        // One loud frame, then 3 s of a quiet sine: once the release (100 ms time
        // constant) is within 1e-6 of unity, some 1.3 s on, the quiet part must pass
        // bit-exact again, not an ulp under for ever.
        let mut input = vec![1.5f32, 1.5];
        input.extend((0..144_000).flat_map(|i| {
            let s = 0.25 * (i as f32 * 0.01).sin();
            [s, s]
        }));
        let mut lim = TruePeakLimiter::new(RATE, CEILING_DBTP);
        let out = run(&mut lim, &input);
        let first = (96_000 * 2..input.len()).find(|&i| out[i] != input[i]);
        assert_eq!(first, None, "{:?}", first.map(|i| (i, out[i] / input[i])));
        // Limited for the attack and the release, not for the rest of the signal.
        assert!(lim.stats().limited_frames < 72_000, "{:?}", lim.stats());
    }

    #[test]
    fn gain_ramps_instead_of_stepping() {
        // A DC step from 0.5 to 1.5: the gain must fall over the look-ahead window
        // before the step arrives, in steps no larger than 1/window of the drop.
        let input: Vec<f32> = (0..4800)
            .flat_map(|i| {
                let s = if i < 2400 { 0.5 } else { 1.5 };
                [s, s]
            })
            .collect();
        let mut lim = TruePeakLimiter::new(RATE, CEILING_DBTP);
        let out = run(&mut lim, &input);
        let gains: Vec<f32> = out
            .chunks(2)
            .zip(input.chunks(2))
            .map(|(o, i)| o[0] / i[0])
            .collect();
        let window = 48.0;
        for w in gains.windows(2) {
            assert!((w[1] - w[0]).abs() <= 1.0 / window + 1e-4, "{w:?}");
        }
        let ceiling = 10f32.powf(CEILING_DBTP / 20.0);
        assert!(out[2400 * 2..].iter().all(|s| *s <= ceiling + 1e-5));
        assert!(out[..2300 * 2].iter().all(|s| *s == 0.5));
    }
}
