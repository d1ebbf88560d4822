//! Beat detection from raw ECG and PPG, plus a reader for MIT-BIH style WFDB records.
//!
//! The biometrics stage gets raw waveforms from some sensors and needs beat times to
//! derive RR intervals. The detectors here reproduce the reference implementations of
//! NeuroKit2 0.2.13 (filter semantics of SciPy 1.17.1, which we compared against) so our
//! beat times can be checked sample-for-sample against published tooling:
//!
//! - [`ecg_clean`]: NeuroKit2 `ecg_clean(method="neurokit")` = 5th-order Butterworth
//!   high-pass at 0.5 Hz run forward-backward like `scipy.signal.sosfiltfilt` (odd
//!   extension of `3 * ntaps` samples, steady-state initial conditions), then
//!   `signal_filter(method="powerline")`: a `filtfilt` moving average of
//!   `floor(rate / 50)` samples (2 samples below 100 Hz).
//! - [`ecg_peaks`]: NeuroKit2 `_ecg_findpeaks_neurokit` (absolute gradient smoothed over
//!   0.1 s; QRS spans where it exceeds 1.5x its own 0.75 s average; spans shorter than 0.4x
//!   the mean span skipped; in each span the most prominent local maximum, as
//!   `scipy.signal.find_peaks(prominence=...)` defines it; 0.3 s minimum delay).
//! - [`ppg_peaks`]: NeuroKit2 default PPG pipeline, `ppg_clean(method="elgendi")`
//!   (Butterworth band-pass 0.5-8 Hz, order 2, `sosfiltfilt`) followed by
//!   `_ppg_findpeaks_elgendi` (Elgendi et al. 2013, PLoS ONE 8(10): e76585).
//! - [`read_wfdb_212`]: PhysioNet WFDB header + format-212 signal file, scaled to physical
//!   units the way `wfdb.rdrecord` (wfdb-python 4.x) does.
//!
//! Boxcar smoothing follows `scipy.ndimage.uniform_filter1d(mode="nearest")`, and
//! `numpy.rint` rounding (half to even) is used for window lengths, as in the reference.
//! Nothing here panics on bad input: unusable signals give an empty result.

use std::f64::consts::PI;
use std::ops::{Add, Div, Mul, Sub};

/// Why a WFDB record could not be read; each variant names what is wrong with the input.
#[derive(Debug, thiserror::Error)]
pub enum PeaksError {
    /// A header line could not be parsed.
    #[error("WFDB header line {line}: {problem}")]
    BadHeaderLine {
        /// 1-based line number in the header text (comments and blank lines count).
        line: usize,
        /// What is wrong with it.
        problem: String,
    },
    /// The header has no record line at all.
    #[error("WFDB header has no record line")]
    MissingRecordLine,
    /// The record line announces more signals than there are signal lines.
    #[error("WFDB header declares {declared} signals but has {found} signal lines")]
    MissingSignalLines {
        /// Signals declared on the record line.
        declared: usize,
        /// Signal lines actually present.
        found: usize,
    },
    /// The requested channel does not exist in the record.
    #[error("channel {channel} requested but the record has {n_signals} signals")]
    ChannelOutOfRange {
        /// Requested 0-based channel.
        channel: usize,
        /// Number of signals in the record.
        n_signals: usize,
    },
    /// A signal sharing the channel's file is stored in a format other than plain 212.
    #[error("signal {signal} uses storage format {format:?}; only format 212 is supported")]
    UnsupportedFormat {
        /// 0-based signal number in the header.
        signal: usize,
        /// The format field as written in the header.
        format: String,
    },
    /// The signal file holds fewer bytes than the header's sample count requires.
    #[error("signal file truncated: {frames} frames need {needed} bytes, got {got}")]
    TruncatedData {
        /// Frames the header promises.
        frames: usize,
        /// Bytes those frames need (including any byte offset).
        needed: usize,
        /// Bytes available.
        got: usize,
    },
    /// The sampling rate is not a finite positive number.
    #[error("bad sampling rate {rate} on WFDB header line {line}")]
    BadRate {
        /// The rate that was read.
        rate: f64,
        /// 1-based line number of the record line.
        line: usize,
    },
}

// ---------------------------------------------------------------------------------------
// Small numeric helpers
// ---------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq)]
struct Cplx {
    re: f64,
    im: f64,
}

impl Cplx {
    const fn new(re: f64, im: f64) -> Self {
        Self { re, im }
    }
    fn real(re: f64) -> Self {
        Self { re, im: 0.0 }
    }
    fn abs(self) -> f64 {
        self.re.hypot(self.im)
    }
    /// Principal square root (branch cut on the negative real axis, like numpy).
    fn sqrt(self) -> Self {
        let r = self.abs();
        if r == 0.0 {
            return Self::real(0.0);
        }
        let re = ((r + self.re) / 2.0).sqrt();
        let im = ((r - self.re) / 2.0).sqrt();
        Self::new(re, if self.im < 0.0 { -im } else { im })
    }
}

impl Add for Cplx {
    type Output = Self;
    fn add(self, o: Self) -> Self {
        Self::new(self.re + o.re, self.im + o.im)
    }
}
impl Sub for Cplx {
    type Output = Self;
    fn sub(self, o: Self) -> Self {
        Self::new(self.re - o.re, self.im - o.im)
    }
}
impl Mul for Cplx {
    type Output = Self;
    fn mul(self, o: Self) -> Self {
        Self::new(
            self.re * o.re - self.im * o.im,
            self.re * o.im + self.im * o.re,
        )
    }
}
impl Div for Cplx {
    type Output = Self;
    fn div(self, o: Self) -> Self {
        let d = o.re * o.re + o.im * o.im;
        Self::new(
            (self.re * o.re + self.im * o.im) / d,
            (self.im * o.re - self.re * o.im) / d,
        )
    }
}

/// `numpy.rint(x)` converted to a window length; `None` when not representable.
fn rint_len(x: f64) -> Option<usize> {
    let r = x.round_ties_even();
    if (0.0..1e12).contains(&r) {
        Some(r as usize)
    } else {
        None
    }
}

fn is_valid_rate(rate_hz: f64) -> bool {
    rate_hz.is_finite() && rate_hz > 0.0
}

/// Forward then backward fill of non-finite samples (pandas `ffill().bfill()`, which is
/// what NeuroKit's `signal_fillmissing(method="both")` does). `None` if nothing is finite.
fn fill_missing(signal: &[f64]) -> Option<Vec<f64>> {
    let first = signal.iter().copied().find(|v| v.is_finite())?;
    let mut last = first;
    Some(
        signal
            .iter()
            .map(|&v| {
                if v.is_finite() {
                    last = v;
                }
                last
            })
            .collect(),
    )
}

// ---------------------------------------------------------------------------------------
// IIR design (scipy.signal.butter with output="sos") and zero-phase filtering
// ---------------------------------------------------------------------------------------

/// One biquad, `a[0]` normalised to 1.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Biquad {
    b: [f64; 3],
    a: [f64; 3],
}

/// Analog Butterworth prototype poles (`scipy.signal.buttap`), gain 1, no zeros.
fn butter_prototype(order: usize) -> Vec<Cplx> {
    let n = order as f64;
    (0..order)
        .map(|i| {
            let m = -(order as f64) + 1.0 + 2.0 * i as f64;
            let theta = PI * m / (2.0 * n);
            // -exp(i theta)
            Cplx::new(-theta.cos(), -theta.sin())
        })
        .collect()
}

/// Bilinear transform (fs = 2 after normalisation, as scipy's `iirfilter` does).
fn bilinear(z: &[Cplx], p: &[Cplx], k: f64) -> (Vec<Cplx>, Vec<Cplx>, f64) {
    let fs2 = Cplx::real(4.0);
    let degree = p.len() - z.len();
    let mut zd: Vec<Cplx> = z.iter().map(|&zz| (fs2 + zz) / (fs2 - zz)).collect();
    let pd: Vec<Cplx> = p.iter().map(|&pp| (fs2 + pp) / (fs2 - pp)).collect();
    zd.extend(std::iter::repeat_n(Cplx::real(-1.0), degree));
    let num = z.iter().fold(Cplx::real(1.0), |acc, &zz| acc * (fs2 - zz));
    let den = p.iter().fold(Cplx::real(1.0), |acc, &pp| acc * (fs2 - pp));
    (zd, pd, k * (num / den).re)
}

/// Pre-warped analog frequency for a cut-off in Hz (scipy: `2*fs*tan(pi*Wn/fs)`, fs=2).
fn prewarp(freq_hz: f64, rate_hz: f64) -> f64 {
    let wn = 2.0 * freq_hz / rate_hz;
    4.0 * (PI * wn / 2.0).tan()
}

/// Digital Butterworth high-pass as second-order sections; `None` if the cut-off is not
/// strictly between 0 and Nyquist.
fn butter_highpass(order: usize, cutoff_hz: f64, rate_hz: f64) -> Option<Vec<Biquad>> {
    if !(is_valid_rate(rate_hz) && cutoff_hz > 0.0 && cutoff_hz < rate_hz / 2.0) || order == 0 {
        return None;
    }
    let warped = prewarp(cutoff_hz, rate_hz);
    let proto = butter_prototype(order);
    // lp2hp_zpk
    let minus_prod = proto
        .iter()
        .fold(Cplx::real(1.0), |acc, &p| acc * Cplx::real(-1.0) * p);
    let k_hp = (Cplx::real(1.0) / minus_prod).re;
    let p_hp: Vec<Cplx> = proto.iter().map(|&p| Cplx::real(warped) / p).collect();
    let z_hp = vec![Cplx::real(0.0); order];
    let (z, p, k) = bilinear(&z_hp, &p_hp, k_hp);
    Some(zpk_to_sos(z, p, k))
}

/// Digital Butterworth band-pass as second-order sections; `None` unless
/// `0 < low < high < Nyquist`.
fn butter_bandpass(order: usize, low_hz: f64, high_hz: f64, rate_hz: f64) -> Option<Vec<Biquad>> {
    if !(is_valid_rate(rate_hz) && low_hz > 0.0 && low_hz < high_hz && high_hz < rate_hz / 2.0)
        || order == 0
    {
        return None;
    }
    let w1 = prewarp(low_hz, rate_hz);
    let w2 = prewarp(high_hz, rate_hz);
    let bw = w2 - w1;
    let wo = (w1 * w2).sqrt();
    // lp2bp_zpk
    let half_bw = Cplx::real(bw / 2.0);
    let wo2 = Cplx::real(wo * wo);
    let mut p_bp = Vec::with_capacity(2 * order);
    let p_lp: Vec<Cplx> = butter_prototype(order)
        .into_iter()
        .map(|p| p * half_bw)
        .collect();
    for &p in &p_lp {
        p_bp.push(p + (p * p - wo2).sqrt());
    }
    for &p in &p_lp {
        p_bp.push(p - (p * p - wo2).sqrt());
    }
    let z_bp = vec![Cplx::real(0.0); order];
    let k_bp = bw.powi(order as i32);
    let (z, p, k) = bilinear(&z_bp, &p_bp, k_bp);
    Some(zpk_to_sos(z, p, k))
}

/// Group real zeros and poles into biquads the way `scipy.signal.zpk2sos(pairing="nearest")`
/// does for Butterworth designs: poles nearest the unit circle are handled first and take
/// the zeros nearest to them; the resulting list is reversed and the gain goes on the
/// first section. All zeros of the filters designed here are real.
fn zpk_to_sos(mut z: Vec<Cplx>, mut p: Vec<Cplx>, k: f64) -> Vec<Biquad> {
    if p.len() % 2 == 1 {
        p.push(Cplx::real(0.0));
        z.push(Cplx::real(0.0));
    }
    while z.len() < p.len() {
        z.push(Cplx::real(0.0));
    }
    let tol = 1e-12;
    let is_real = |c: &Cplx| c.im.abs() <= tol * c.abs().max(1.0);
    // Representatives: complex poles with positive imaginary part, plus all real poles.
    let mut cplx: Vec<Cplx> = p
        .iter()
        .copied()
        .filter(|c| c.im > 0.0 && !is_real(c))
        .collect();
    let mut reals: Vec<f64> = p.iter().filter(|c| is_real(c)).map(|c| c.re).collect();
    let mut zeros: Vec<f64> = z.iter().map(|c| c.re).collect();
    let dist = |c: Cplx| (c.abs() - 1.0).abs();

    let take_nearest_zero = |target: Cplx, zeros: &mut Vec<f64>| -> f64 {
        let mut best = 0usize;
        let mut best_d = f64::INFINITY;
        for (i, &zz) in zeros.iter().enumerate() {
            let d = (Cplx::real(zz) - target).abs();
            if d < best_d {
                best_d = d;
                best = i;
            }
        }
        if zeros.is_empty() {
            0.0
        } else {
            zeros.remove(best)
        }
    };

    let mut sections = Vec::new();
    loop {
        // Closest-to-unit-circle remaining pole (complex pair or real).
        let best_c = cplx
            .iter()
            .enumerate()
            .min_by(|a, b| dist(*a.1).total_cmp(&dist(*b.1)));
        let best_r = reals
            .iter()
            .enumerate()
            .min_by(|a, b| dist(Cplx::real(*a.1)).total_cmp(&dist(Cplx::real(*b.1))));
        let use_complex = match (best_c, best_r) {
            (None, None) => break,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (Some((_, c)), Some((_, r))) => dist(*c) <= dist(Cplx::real(*r)),
        };
        let (a, target) = if use_complex {
            let idx = best_c.map(|x| x.0).unwrap_or(0);
            let pc = cplx.remove(idx);
            ([1.0, -2.0 * pc.re, pc.re * pc.re + pc.im * pc.im], pc)
        } else {
            let idx = best_r.map(|x| x.0).unwrap_or(0);
            let p1 = reals.remove(idx);
            // Second real pole: the one nearest to p1.
            let mut best = None;
            let mut best_d = f64::INFINITY;
            for (i, &r) in reals.iter().enumerate() {
                let d = (r - p1).abs();
                if d < best_d {
                    best_d = d;
                    best = Some(i);
                }
            }
            let p2 = best.map(|i| reals.remove(i)).unwrap_or(0.0);
            ([1.0, -(p1 + p2), p1 * p2], Cplx::real(p1))
        };
        let z1 = take_nearest_zero(target, &mut zeros);
        let z2 = take_nearest_zero(target, &mut zeros);
        sections.push(Biquad {
            b: [1.0, -(z1 + z2), z1 * z2],
            a,
        });
    }
    sections.reverse();
    if let Some(first) = sections.first_mut() {
        for c in first.b.iter_mut() {
            *c *= k;
        }
    }
    sections
}

/// Steady-state DF2T state of one section for a unit step (`scipy.signal.lfilter_zi`).
fn biquad_step_state(s: &Biquad) -> [f64; 2] {
    let gain = (s.b[0] + s.b[1] + s.b[2]) / (s.a[0] + s.a[1] + s.a[2]);
    let z1 = s.b[2] - s.a[2] * gain;
    let z0 = s.b[1] - s.a[1] * gain + z1;
    [z0, z1]
}

/// `scipy.signal.sosfilt_zi`: per-section steady states of the cascade for a unit step.
fn sos_step_state(sos: &[Biquad]) -> Vec<[f64; 2]> {
    let mut scale = 1.0;
    sos.iter()
        .map(|s| {
            let zi = biquad_step_state(s);
            let out = [zi[0] * scale, zi[1] * scale];
            scale *= (s.b[0] + s.b[1] + s.b[2]) / (s.a[0] + s.a[1] + s.a[2]);
            out
        })
        .collect()
}

/// `scipy.signal.sosfilt` with initial state `zi * x0` (transposed direct form II).
fn sos_filter(sos: &[Biquad], zi: &[[f64; 2]], x0: f64, x: &mut [f64]) {
    let mut state: Vec<[f64; 2]> = zi.iter().map(|z| [z[0] * x0, z[1] * x0]).collect();
    for v in x.iter_mut() {
        let mut xn = *v;
        for (s, st) in sos.iter().zip(state.iter_mut()) {
            let y = s.b[0] * xn + st[0];
            st[0] = s.b[1] * xn - s.a[1] * y + st[1];
            st[1] = s.b[2] * xn - s.a[2] * y;
            xn = y;
        }
        *v = xn;
    }
}

/// Odd extension by `edge` samples each side (`scipy.signal._arraytools.odd_ext`).
/// Caller guarantees `x.len() > edge`.
fn odd_extend(x: &[f64], edge: usize) -> Vec<f64> {
    let n = x.len();
    let mut ext = Vec::with_capacity(n + 2 * edge);
    ext.extend((1..=edge).rev().map(|i| 2.0 * x[0] - x[i]));
    ext.extend_from_slice(x);
    ext.extend((1..=edge).map(|i| 2.0 * x[n - 1] - x[n - 1 - i]));
    ext
}

/// `scipy.signal.sosfiltfilt(sos, x)` with default odd padding; `None` when the signal is
/// not longer than the pad length (scipy raises there).
fn sosfiltfilt(sos: &[Biquad], x: &[f64]) -> Option<Vec<f64>> {
    let n_first_order = sos
        .iter()
        .filter(|s| s.b[2] == 0.0)
        .count()
        .min(sos.iter().filter(|s| s.a[2] == 0.0).count());
    let ntaps = 2 * sos.len() + 1 - n_first_order;
    let edge = 3 * ntaps;
    if x.len() <= edge {
        return None;
    }
    let zi = sos_step_state(sos);
    let mut y = odd_extend(x, edge);
    let x0 = y[0];
    sos_filter(sos, &zi, x0, &mut y);
    y.reverse();
    let y0 = y[0];
    sos_filter(sos, &zi, y0, &mut y);
    y.reverse();
    Some(y[edge..y.len() - edge].to_vec())
}

/// Causal moving average of `n` samples whose history before the first sample is `x0`
/// (i.e. `lfilter(ones(n)/n, 1, x, zi=lfilter_zi(...) * x0)`). Running sum, re-summed
/// exactly every 1024 outputs so rounding cannot drift on long recordings.
fn moving_average_causal(x: &mut [f64], n: usize, x0: f64) {
    let inv = 1.0 / n as f64;
    let src = x.to_vec();
    let at = |k: isize| if k >= 0 { src[k as usize] } else { x0 };
    let window = |i: isize| (0..n as isize).map(|j| at(i - j)).sum::<f64>();
    let mut sum = 0.0;
    for (i, out) in x.iter_mut().enumerate() {
        let i = i as isize;
        if i % 1024 == 0 {
            sum = window(i);
        } else {
            sum += at(i) - at(i - n as isize);
        }
        *out = sum * inv;
    }
}

/// NeuroKit `signal_filter(method="powerline", powerline=50)`:
/// `filtfilt(ones(n), [n], x)` with n = floor(rate/50) (2 below 100 Hz), odd padding of 3n.
fn powerline_filter(x: &[f64], rate_hz: f64) -> Option<Vec<f64>> {
    let n = if rate_hz >= 100.0 {
        let q = (rate_hz / 50.0).floor();
        if !(1.0..1e9).contains(&q) {
            return None;
        }
        q as usize
    } else {
        2
    };
    let edge = 3 * n;
    if x.len() <= edge {
        return None;
    }
    let mut y = odd_extend(x, edge);
    let x0 = y[0];
    moving_average_causal(&mut y, n, x0);
    y.reverse();
    let y0 = y[0];
    moving_average_causal(&mut y, n, y0);
    y.reverse();
    Some(y[edge..y.len() - edge].to_vec())
}

// ---------------------------------------------------------------------------------------
// Smoothing and peak finding (numpy / scipy.ndimage / scipy.signal semantics)
// ---------------------------------------------------------------------------------------

/// `scipy.ndimage.uniform_filter1d(x, size, mode="nearest")`, same running-mean update.
/// `None` where NeuroKit's `signal_smooth` refuses the size (0 or longer than the signal).
fn boxcar_nearest(x: &[f64], size: usize) -> Option<Vec<f64>> {
    let n = x.len();
    if size < 1 || size > n {
        return None;
    }
    let left = size / 2;
    let at = |i: isize| -> f64 {
        let j = i.clamp(0, n as isize - 1) as usize;
        x[j]
    };
    let sz = size as f64;
    let mut out = Vec::with_capacity(n);
    let mut tmp = 0.0;
    for k in 0..size {
        tmp += at(k as isize - left as isize);
    }
    tmp /= sz;
    out.push(tmp);
    for i in 1..n {
        let i = i as isize;
        let incoming = at(i + size as isize - 1 - left as isize);
        let outgoing = at(i - 1 - left as isize);
        tmp += (incoming - outgoing) / sz;
        out.push(tmp);
    }
    Some(out)
}

/// `numpy.gradient` with unit spacing and first-order edges (needs at least 2 samples).
fn gradient(x: &[f64]) -> Option<Vec<f64>> {
    let n = x.len();
    if n < 2 {
        return None;
    }
    let mut g = Vec::with_capacity(n);
    g.push(x[1] - x[0]);
    for i in 1..n - 1 {
        g.push((x[i + 1] - x[i - 1]) / 2.0);
    }
    g.push(x[n - 1] - x[n - 2]);
    Some(g)
}

/// Index of the most prominent local maximum of `data`, first one on ties
/// (`scipy.signal.find_peaks(data, prominence=(None, None))` then `argmax(prominences)`).
fn most_prominent_peak(data: &[f64]) -> Option<usize> {
    let n = data.len();
    if n < 3 {
        return None;
    }
    let mut best: Option<(usize, f64)> = None;
    let i_max = n - 1;
    let mut i = 1;
    while i < i_max {
        if data[i - 1] < data[i] {
            let mut ahead = i + 1;
            while ahead < i_max && data[ahead] == data[i] {
                ahead += 1;
            }
            if data[ahead] < data[i] {
                let peak = (i + ahead - 1) / 2;
                let prom = prominence(data, peak);
                // `>` keeps the first maximum, like numpy's argmax; NaN never wins.
                if best.is_none_or(|(_, b)| prom > b) {
                    best = Some((peak, prom));
                }
                i = ahead;
            }
        }
        i += 1;
    }
    best.map(|(p, _)| p)
}

/// Topographic prominence of `data[peak]` over the whole slice (`wlen=None`).
fn prominence(data: &[f64], peak: usize) -> f64 {
    let h = data[peak];
    let mut left_min = h;
    let mut i = peak as isize;
    while i >= 0 && data[i as usize] <= h {
        left_min = left_min.min(data[i as usize]);
        i -= 1;
    }
    let mut right_min = h;
    let mut j = peak;
    while j < data.len() && data[j] <= h {
        right_min = right_min.min(data[j]);
        j += 1;
    }
    h - left_min.max(right_min)
}

/// Shared tail of NeuroKit's ECG and Elgendi's PPG detectors: spans where `active` is
/// true become candidate beats; spans shorter than `min_len` are skipped; within each, the
/// most prominent local maximum of `signal` is the beat, kept only if it is more than
/// `min_delay` samples after the previous beat (the first beat is measured from 0).
fn beats_in_spans(
    signal: &[f64],
    active: &[bool],
    min_len: impl FnOnce(&[(usize, usize)]) -> f64,
    min_delay: usize,
) -> Vec<usize> {
    let beg: Vec<usize> = active
        .windows(2)
        .enumerate()
        .filter(|(_, w)| !w[0] && w[1])
        .map(|(i, _)| i)
        .collect();
    let Some(&first_beg) = beg.first() else {
        return Vec::new();
    };
    let end: Vec<usize> = active
        .windows(2)
        .enumerate()
        .filter(|(i, w)| w[0] && !w[1] && *i > first_beg)
        .map(|(i, _)| i)
        .collect();
    let spans: Vec<(usize, usize)> = beg.into_iter().zip(end).collect();
    if spans.is_empty() {
        return Vec::new();
    }
    let min_len = min_len(&spans);
    let mut peaks = Vec::new();
    let mut last = 0usize;
    for &(b, e) in &spans {
        let len = e.saturating_sub(b);
        if (len as f64) < min_len || e <= b {
            continue;
        }
        if let Some(local) = most_prominent_peak(&signal[b..e]) {
            let peak = b + local;
            if peak > last && peak - last > min_delay {
                peaks.push(peak);
                last = peak;
            }
        }
    }
    peaks
}

// ---------------------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------------------

/// Removes baseline wander and mains hum so R-peak detection sees a level, clean ECG.
///
/// NeuroKit2 0.2.13 `ecg_clean(method="neurokit")`. Non-finite samples are filled forward
/// then backward first (as NeuroKit does). Returns an empty vector when the rate is not
/// usable (the 0.5 Hz high-pass needs more than 1 Hz) or the signal is too short for the
/// filters' edge padding (19 samples for the high-pass, `3 * floor(rate/50) + 1` for the
/// powerline filter).
pub fn ecg_clean(signal: &[f64], rate_hz: f64) -> Vec<f64> {
    let Some(sos) = butter_highpass(5, 0.5, rate_hz) else {
        return Vec::new();
    };
    let Some(filled) = fill_missing(signal) else {
        return Vec::new();
    };
    let Some(hp) = sosfiltfilt(&sos, &filled) else {
        return Vec::new();
    };
    powerline_filter(&hp, rate_hz).unwrap_or_default()
}

/// Finds R-peak sample indices in an ECG so heartbeat intervals can be measured.
///
/// NeuroKit2 0.2.13 `ecg_peaks(method="neurokit")`; feed it [`ecg_clean`] output (or any
/// ECG already high-passed at about 0.5 Hz). Non-finite samples are filled forward then
/// backward (NeuroKit would instead find nothing). Peaks within 0.3 s of sample 0 are
/// dropped, as in the reference. Returns an empty vector for unusable input: invalid rate,
/// fewer samples than the 0.75 s averaging window, or no QRS-like activity.
pub fn ecg_peaks(cleaned: &[f64], rate_hz: f64) -> Vec<usize> {
    if !is_valid_rate(rate_hz) {
        return Vec::new();
    }
    let Some(x) = fill_missing(cleaned) else {
        return Vec::new();
    };
    let (Some(smooth_k), Some(avg_k), Some(min_delay)) = (
        rint_len(0.1 * rate_hz),
        rint_len(0.75 * rate_hz),
        rint_len(0.3 * rate_hz),
    ) else {
        return Vec::new();
    };
    let Some(grad) = gradient(&x) else {
        return Vec::new();
    };
    let absgrad: Vec<f64> = grad.iter().map(|g| g.abs()).collect();
    let Some(smooth) = boxcar_nearest(&absgrad, smooth_k) else {
        return Vec::new();
    };
    let Some(avg) = boxcar_nearest(&smooth, avg_k) else {
        return Vec::new();
    };
    let qrs: Vec<bool> = smooth.iter().zip(&avg).map(|(s, a)| *s > 1.5 * a).collect();
    beats_in_spans(
        &x,
        &qrs,
        |spans| {
            let total: f64 = spans.iter().map(|&(b, e)| e as f64 - b as f64).sum();
            total / spans.len() as f64 * 0.4
        },
        min_delay,
    )
}

/// Finds systolic-peak sample indices in a raw PPG so pulse intervals can be measured.
///
/// NeuroKit2 0.2.13 default PPG pipeline: `ppg_clean(method="elgendi")` (band-pass
/// 0.5-8 Hz, Butterworth order 2, zero-phase) then `ppg_findpeaks(method="elgendi")`
/// (Elgendi et al. 2013). Takes the raw signal; cleaning happens here. Returns an empty
/// vector for unusable input: rate of 16 Hz or less, too few samples, no pulse waves.
pub fn ppg_peaks(signal: &[f64], rate_hz: f64) -> Vec<usize> {
    let Some(sos) = butter_bandpass(2, 0.5, 8.0, rate_hz) else {
        return Vec::new();
    };
    let Some(filled) = fill_missing(signal) else {
        return Vec::new();
    };
    let Some(clean) = sosfiltfilt(&sos, &filled) else {
        return Vec::new();
    };
    let (Some(peak_k), Some(beat_k), Some(min_delay)) = (
        rint_len(0.111 * rate_hz),
        rint_len(0.667 * rate_hz),
        rint_len(0.3 * rate_hz),
    ) else {
        return Vec::new();
    };
    let sqrd: Vec<f64> = clean
        .iter()
        .map(|&v| if v < 0.0 { 0.0 } else { v * v })
        .collect();
    let (Some(ma_peak), Some(ma_beat)) =
        (boxcar_nearest(&sqrd, peak_k), boxcar_nearest(&sqrd, beat_k))
    else {
        return Vec::new();
    };
    let offset = 0.02 * sqrd.iter().sum::<f64>() / sqrd.len() as f64;
    let waves: Vec<bool> = ma_peak
        .iter()
        .zip(&ma_beat)
        .map(|(p, b)| *p > b + offset)
        .collect();
    beats_in_spans(&clean, &waves, |_| peak_k as f64, min_delay)
}

/// One signal line of a WFDB header, reduced to what format-212 decoding needs.
struct SignalSpec {
    file: String,
    format: String,
    gain: f64,
    baseline: f64,
}

fn bad_line(line: usize, problem: impl Into<String>) -> PeaksError {
    PeaksError::BadHeaderLine {
        line,
        problem: problem.into(),
    }
}

/// Leading number of a WFDB field such as `360/0.5(0)` or `200(0)/mV`, plus the rest.
fn split_number(field: &str) -> (&str, &str) {
    let end = field.find(['/', '(']).unwrap_or(field.len());
    (&field[..end], &field[end..])
}

fn parse_signal_line(line_no: usize, fields: &[&str]) -> Result<SignalSpec, PeaksError> {
    if fields.len() < 2 {
        return Err(bad_line(
            line_no,
            "signal line needs at least a file name and a format",
        ));
    }
    let file = fields[0].to_string();
    let format = fields[1].to_string();
    // Gain field: gain[(baseline)][/units]; missing or zero gain means 200 (WFDB default).
    let (mut gain, mut baseline) = (200.0, None);
    if let Some(g) = fields.get(2) {
        let (num, rest) = split_number(g);
        gain = num
            .parse::<f64>()
            .map_err(|_| bad_line(line_no, format!("ADC gain {g:?} is not a number")))?;
        if !gain.is_finite() {
            return Err(bad_line(line_no, format!("ADC gain {g:?} is not finite")));
        }
        if gain == 0.0 {
            gain = 200.0;
        }
        if let Some(inner) = rest.strip_prefix('(') {
            let close = inner
                .find(')')
                .ok_or_else(|| bad_line(line_no, format!("unclosed baseline in {g:?}")))?;
            let b = inner[..close]
                .parse::<i64>()
                .map_err(|_| bad_line(line_no, format!("baseline in {g:?} is not an integer")))?;
            baseline = Some(b as f64);
        }
    }
    // Field 4 is the ADC resolution (may carry its own parenthesised part); field 5 the ADC zero.
    let adc_zero = match fields.get(4) {
        Some(z) => z
            .parse::<i64>()
            .map_err(|_| bad_line(line_no, format!("ADC zero {z:?} is not an integer")))?
            as f64,
        None => 0.0,
    };
    Ok(SignalSpec {
        file,
        format,
        gain,
        baseline: baseline.unwrap_or(adc_zero),
    })
}

/// Reads one channel of a PhysioNet record (e.g. MIT-BIH) so real ECG can test the detectors.
///
/// `header_text` is the `.hea` file, `dat` the signal file holding `channel` (0-based),
/// which must be format 212 together with every other signal stored in that file. Returns
/// the sampling rate and the samples in physical units, `(adc - baseline) / gain` as
/// `wfdb.rdrecord` computes them; the WFDB "invalid sample" code (-2048) becomes NaN. When
/// the header gives no sample count, every complete frame in `dat` is read.
pub fn read_wfdb_212(
    header_text: &str,
    dat: &[u8],
    channel: usize,
) -> Result<(f64, Vec<f64>), PeaksError> {
    let mut lines = header_text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty() && !l.starts_with('#'));

    let (rec_line, rec) = lines.next().ok_or(PeaksError::MissingRecordLine)?;
    let rec_fields: Vec<&str> = rec.split_whitespace().collect();
    if rec_fields[0].contains('/') {
        return Err(bad_line(
            rec_line,
            "multi-segment records are not supported",
        ));
    }
    let n_signals: usize = rec_fields
        .get(1)
        .ok_or_else(|| bad_line(rec_line, "record line has no signal count"))?
        .parse()
        .map_err(|_| bad_line(rec_line, "signal count is not a non-negative integer"))?;
    let rate = match rec_fields.get(2) {
        Some(f) => {
            let (num, _) = split_number(f);
            num.parse::<f64>().map_err(|_| {
                bad_line(
                    rec_line,
                    format!("sampling frequency {f:?} is not a number"),
                )
            })?
        }
        None => 250.0, // WFDB default
    };
    if !is_valid_rate(rate) {
        return Err(PeaksError::BadRate {
            rate,
            line: rec_line,
        });
    }
    let n_samples: Option<usize> = match rec_fields.get(3) {
        Some(f) => {
            let v: usize = f.parse().map_err(|_| {
                bad_line(
                    rec_line,
                    format!("sample count {f:?} is not a non-negative integer"),
                )
            })?;
            (v > 0).then_some(v)
        }
        None => None,
    };

    let mut specs = Vec::with_capacity(n_signals.min(1024));
    for (line_no, text) in lines {
        let fields: Vec<&str> = text.split_whitespace().collect();
        if specs.len() == n_signals {
            return Err(bad_line(
                line_no,
                format!("unexpected line after the {n_signals} declared signal lines"),
            ));
        }
        specs.push(parse_signal_line(line_no, &fields)?);
    }
    if specs.len() < n_signals {
        return Err(PeaksError::MissingSignalLines {
            declared: n_signals,
            found: specs.len(),
        });
    }
    if channel >= n_signals {
        return Err(PeaksError::ChannelOutOfRange { channel, n_signals });
    }

    // Signals stored in the same file as `channel` are interleaved frame by frame.
    let file = &specs[channel].file;
    let mut in_file = Vec::new();
    let mut byte_offset = None;
    for (i, s) in specs.iter().enumerate().filter(|(_, s)| &s.file == file) {
        let (fmt, offset) = match s.format.split_once('+') {
            Some((f, o)) => (f, o.parse::<usize>().ok()),
            None => (s.format.as_str(), Some(0)),
        };
        let Some(offset) = offset.filter(|_| fmt == "212") else {
            return Err(PeaksError::UnsupportedFormat {
                signal: i,
                format: s.format.clone(),
            });
        };
        if *byte_offset.get_or_insert(offset) != offset {
            return Err(PeaksError::UnsupportedFormat {
                signal: i,
                format: s.format.clone(),
            });
        }
        in_file.push(i);
    }
    let per_frame = in_file.len();
    let pos = in_file.iter().position(|&i| i == channel).unwrap_or(0);
    let offset = byte_offset.unwrap_or(0);
    let data = dat.get(offset..).unwrap_or(&[]);
    let bytes_for = |samples: usize| samples / 2 * 3 + if samples % 2 == 1 { 2 } else { 0 };
    let frames = match n_samples {
        Some(n) => {
            let needed = n
                .checked_mul(per_frame)
                .map(bytes_for)
                .and_then(|b| b.checked_add(offset))
                .unwrap_or(usize::MAX);
            if dat.len() < needed {
                return Err(PeaksError::TruncatedData {
                    frames: n,
                    needed,
                    got: dat.len(),
                });
            }
            n
        }
        None => {
            // Complete samples available, then complete frames.
            let samples = data.len() / 3 * 2 + usize::from(data.len() % 3 == 2);
            samples / per_frame
        }
    };

    let spec = &specs[channel];
    let out = (0..frames)
        .map(|f| {
            let s = f * per_frame + pos;
            let g = (s / 2) * 3;
            let raw = if s % 2 == 0 {
                i32::from(data[g]) | (i32::from(data[g + 1] & 0x0F) << 8)
            } else {
                i32::from(data[g + 2]) | (i32::from(data[g + 1] & 0xF0) << 4)
            };
            // Sign-extend 12 bits.
            let adc = if raw & 0x800 != 0 { raw - 0x1000 } else { raw };
            if adc == -2048 {
                f64::NAN
            } else {
                (f64::from(adc) - spec.baseline) / spec.gain
            }
        })
        .collect();
    Ok((rate, out))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sine(freq: f64, rate: f64, n: usize, amp: f64, dc: f64) -> Vec<f64> {
        (0..n)
            .map(|i| dc + amp * (2.0 * PI * freq * i as f64 / rate).sin())
            .collect()
    }

    #[test]
    fn highpass_design_matches_scipy() {
        // scipy.signal.butter(5, 0.5, btype="highpass", output="sos", fs=360) (SciPy 1.17).
        let sos = butter_highpass(5, 0.5, 360.0).unwrap();
        let expect = [
            [
                0.9859791549396757,
                -0.9859791549396757,
                0.0,
                1.0,
                -0.9913112105949783,
                0.0,
            ],
            [1.0, -2.0, 1.0, 1.0, -1.9859035349403953, 0.9859791549412352],
            [1.0, -2.0, 1.0, 1.0, -1.9945452600985116, 0.9946212091622956],
        ];
        assert_eq!(sos.len(), 3);
        for (s, e) in sos.iter().zip(expect) {
            let got = [s.b[0], s.b[1], s.b[2], s.a[0], s.a[1], s.a[2]];
            for (g, w) in got.iter().zip(e) {
                assert!((g - w).abs() < 1e-12, "{got:?} vs {e:?}");
            }
        }
    }

    #[test]
    fn bandpass_design_matches_scipy() {
        // scipy.signal.butter(2, [0.5, 8], btype="bandpass", output="sos", fs=100).
        let sos = butter_bandpass(2, 0.5, 8.0, 100.0).unwrap();
        let expect = [
            [
                0.04125353724172032,
                0.08250707448344065,
                0.04125353724172032,
                1.0,
                -1.3658733439558506,
                0.5369260460749358,
            ],
            [1.0, -2.0, 1.0, 1.0, -1.9561871343633086, 0.9572675752592231],
        ];
        assert_eq!(sos.len(), 2);
        for (s, e) in sos.iter().zip(expect) {
            let got = [s.b[0], s.b[1], s.b[2], s.a[0], s.a[1], s.a[2]];
            for (g, w) in got.iter().zip(e) {
                assert!((g - w).abs() < 1e-12, "{got:?} vs {e:?}");
            }
        }
    }

    #[test]
    fn highpass_passes_fast_sine_and_removes_dc() {
        // 60 s at 360 Hz; the 0.5 Hz high-pass rings for a few seconds after the padded
        // edges, so judge the middle 40 s.
        let rate = 360.0;
        let n = 21_600;
        let x = sine(10.0, rate, n, 1.0, 5.0);
        let sos = butter_highpass(5, 0.5, rate).unwrap();
        let y = sosfiltfilt(&sos, &x).unwrap();
        let pure = sine(10.0, rate, n, 1.0, 0.0);
        let mid = 3600..18_000;
        for i in mid.clone() {
            assert!(
                (y[i] - pure[i]).abs() < 0.01,
                "i={i} y={} want {}",
                y[i],
                pure[i]
            );
        }
        let mean: f64 = y[mid.clone()].iter().sum::<f64>() / mid.len() as f64;
        assert!(mean.abs() < 1e-3, "DC left: {mean}");
        // Well below the cut-off (0.05 Hz) almost nothing gets through: (0.05/0.5)^5 = 1e-5.
        let slow = sine(0.05, rate, n, 1.0, 0.0);
        let ys = sosfiltfilt(&sos, &slow).unwrap();
        assert!(ys[mid].iter().all(|v| v.abs() < 1e-3));
    }

    #[test]
    fn ecg_clean_removes_drift_keeps_qrs_band_and_kills_50hz() {
        let rate = 1000.0;
        let n = 60_000;
        let qrs_band = sine(12.0, rate, n, 1.0, 0.0);
        let x: Vec<f64> = (0..n)
            .map(|i| {
                let t = i as f64 / rate;
                qrs_band[i]
                    + 3.0
                    + 2.0 * (2.0 * PI * 0.05 * t).sin()
                    + 0.5 * (2.0 * PI * 50.0 * t).sin()
            })
            .collect();
        let y = ecg_clean(&x, rate);
        assert_eq!(y.len(), n);
        // The 20-sample moving average, run forward and backward, scales 12 Hz by
        // (sin(20*pi*f/fs) / (20*sin(pi*f/fs)))^2 ~ 0.825 and nulls 50 Hz; offset and drift go.
        let gain = {
            let a = (PI * 12.0 * 20.0 / rate).sin() / (20.0 * (PI * 12.0 / rate).sin());
            a * a
        };
        for i in 10_000..50_000 {
            assert!(
                (y[i] - gain * qrs_band[i]).abs() < 0.01,
                "i={i} y={} want {}",
                y[i],
                gain * qrs_band[i]
            );
        }
    }

    #[test]
    fn powerline_is_moving_average_with_odd_padding() {
        // A straight line is preserved exactly by odd extension + symmetric averaging.
        let x: Vec<f64> = (0..100).map(|i| 0.5 * i as f64 - 3.0).collect();
        let y = powerline_filter(&x, 360.0).unwrap();
        for (a, b) in x.iter().zip(&y) {
            assert!((a - b).abs() < 1e-9);
        }
        // Too short for the 3n pad: refused, as scipy does.
        assert!(powerline_filter(&x[..21], 360.0).is_none());
        assert!(powerline_filter(&x[..22], 360.0).is_some());
    }

    #[test]
    fn boxcar_matches_uniform_filter1d() {
        let x: Vec<f64> = (0..10).map(|i| (i * i) as f64).collect();
        let y4 = boxcar_nearest(&x, 4).unwrap();
        let e4 = [0.25, 1.25, 3.5, 7.5, 13.5, 21.5, 31.5, 43.5, 57.5, 68.75];
        let y3 = boxcar_nearest(&x, 3).unwrap();
        let e3 = [
            1.0 / 3.0,
            5.0 / 3.0,
            14.0 / 3.0,
            29.0 / 3.0,
            50.0 / 3.0,
            77.0 / 3.0,
            110.0 / 3.0,
            149.0 / 3.0,
            194.0 / 3.0,
            226.0 / 3.0,
        ];
        for (g, w) in y4.iter().zip(e4).chain(y3.iter().zip(e3)) {
            assert!((g - w).abs() < 1e-12, "{g} vs {w}");
        }
        assert!(boxcar_nearest(&x, 11).is_none());
        assert!(boxcar_nearest(&x, 0).is_none());
    }

    #[test]
    fn prominence_picks_scipy_peak() {
        // Local maxima at 1 (prom 1), 3 (plateau 3..4 -> midpoint 3, prom 4), 6 (prom 2).
        let d = [0.0, 1.0, 0.0, 5.0, 5.0, 2.0, 4.0, 1.0];
        assert_eq!(most_prominent_peak(&d), Some(3));
        assert_eq!(most_prominent_peak(&[1.0, 1.0, 1.0]), None);
        assert_eq!(most_prominent_peak(&[0.0, f64::NAN, 0.0]), None);
    }

    #[test]
    fn unpack_212_on_hand_made_bytes() {
        // Samples (2 signals x 2 frames): 1, -1, 2047, -2000.
        // pair (1, -1): byte0 = 0x01, byte1 = (0xFFF >> 8) << 4 | (1 >> 8) = 0xF0, byte2 = 0xFF
        // pair (2047, -2000 = 0x830): byte0 = 0xFF, byte1 = 0x8 << 4 | 0x7 = 0x87, byte2 = 0x30
        let dat = [0x01, 0xF0, 0xFF, 0xFF, 0x87, 0x30];
        let hea = "# comment\nrec 2 100 2\n\nrec.dat 212 10(1)/mV 12 0 0 0 0 a\nrec.dat 212 100 12 5 0 0 0 b\n";
        let (rate, ch0) = read_wfdb_212(hea, &dat, 0).unwrap();
        assert_eq!(rate, 100.0);
        assert_eq!(ch0, vec![(1.0 - 1.0) / 10.0, (2047.0 - 1.0) / 10.0]);
        let (_, ch1) = read_wfdb_212(hea, &dat, 1).unwrap();
        assert_eq!(ch1, vec![(-1.0 - 5.0) / 100.0, (-2000.0 - 5.0) / 100.0]);
        // Invalid-sample code becomes NaN: -2048 = 0x800.
        let (_, one) = read_wfdb_212("r 1 10 1\nr.dat 212 1 12 0\n", &[0x00, 0x08], 0).unwrap();
        assert!(one[0].is_nan());
    }

    #[test]
    fn wfdb_errors_name_the_problem() {
        let e = read_wfdb_212(
            "r 2 360 10\nr.dat 212 abc 11 0\nr.dat 212 200 11 0\n",
            &[],
            0,
        );
        assert!(
            matches!(e, Err(PeaksError::BadHeaderLine { line: 2, .. })),
            "{e:?}"
        );
        let e = read_wfdb_212("r 1 360 10\nr.dat 16 200 11 0\n", &[0; 100], 0);
        assert!(
            matches!(e, Err(PeaksError::UnsupportedFormat { .. })),
            "{e:?}"
        );
        let e = read_wfdb_212("r 1 360 10\nr.dat 212 200 11 0\n", &[0; 14], 0);
        assert!(
            matches!(e, Err(PeaksError::TruncatedData { needed: 15, .. })),
            "{e:?}"
        );
        let e = read_wfdb_212("r 1 0 10\nr.dat 212 200 11 0\n", &[0; 15], 0);
        assert!(matches!(e, Err(PeaksError::BadRate { .. })), "{e:?}");
        let e = read_wfdb_212("r 1 -5 10\nr.dat 212 200 11 0\n", &[0; 15], 0);
        assert!(matches!(e, Err(PeaksError::BadRate { .. })), "{e:?}");
        let e = read_wfdb_212("r 2 360 10\nr.dat 212 200 11 0\n", &[0; 30], 0);
        assert!(matches!(
            e,
            Err(PeaksError::MissingSignalLines {
                declared: 2,
                found: 1
            })
        ));
        let e = read_wfdb_212("r 1 360 10\nr.dat 212 200 11 0\n", &[0; 15], 1);
        assert!(matches!(e, Err(PeaksError::ChannelOutOfRange { .. })));
        assert!(matches!(
            read_wfdb_212("# only\n\n", &[], 0),
            Err(PeaksError::MissingRecordLine)
        ));
        // No sample count: all complete frames are read.
        let (_, v) = read_wfdb_212("r 1 360\nr.dat 212 200 11 0\n", &[0; 7], 0).unwrap();
        assert_eq!(v.len(), 4);
    }

    #[test]
    fn degenerate_inputs_do_not_panic() {
        let nan = vec![f64::NAN; 1000];
        let short = vec![1.0; 5];
        for rate in [
            0.0,
            -1.0,
            0.5,
            1.0,
            2.0,
            5.0,
            17.0,
            100.0,
            360.0,
            1e7,
            f64::NAN,
            f64::INFINITY,
        ] {
            for s in [&[][..], &short[..], &nan[..], &[f64::INFINITY; 50][..]] {
                let _ = ecg_clean(s, rate);
                assert!(ecg_peaks(s, rate).is_empty());
                assert!(ppg_peaks(s, rate).is_empty());
            }
        }
        // Flat and constant signals have no beats.
        assert!(ecg_peaks(&vec![3.0; 5000], 360.0).is_empty());
        assert!(ppg_peaks(&vec![3.0; 5000], 100.0).is_empty());
        assert!(ecg_clean(&short, 360.0).is_empty());
    }

    #[test]
    fn synthetic_beats_are_found() {
        // Narrow Gaussian "R waves" every 0.8 s at 360 Hz on a wandering baseline.
        let rate = 360.0;
        let n = 360 * 20;
        let truth: Vec<usize> = (1..25).map(|k| k * 288).collect();
        let x: Vec<f64> = (0..n)
            .map(|i| {
                let t = i as f64 / rate;
                let r: f64 = truth
                    .iter()
                    .map(|&c| (-((i as f64 - c as f64) / 4.0).powi(2)).exp())
                    .sum();
                r + 0.3 * (2.0 * PI * 0.2 * t).sin()
            })
            .collect();
        let peaks = ecg_peaks(&ecg_clean(&x, rate), rate);
        assert_eq!(peaks.len(), truth.len(), "{peaks:?}");
        for (p, t) in peaks.iter().zip(&truth) {
            assert!(p.abs_diff(*t) <= 2, "{p} vs {t}");
        }
    }

    #[test]
    fn nan_gaps_are_filled_before_filtering() {
        let rate = 360.0;
        let truth: Vec<usize> = (1..25).map(|k| k * 288).collect();
        let mut x: Vec<f64> = (0..360 * 20)
            .map(|i| {
                truth
                    .iter()
                    .map(|&c| (-((i as f64 - c as f64) / 4.0).powi(2)).exp())
                    .sum()
            })
            .collect();
        for v in &mut x[1000..1010] {
            *v = f64::NAN;
        }
        x[0] = f64::NEG_INFINITY;
        let clean = ecg_clean(&x, rate);
        assert_eq!(clean.len(), x.len());
        assert!(clean.iter().all(|v| v.is_finite()));
        let peaks = ecg_peaks(&clean, rate);
        assert_eq!(peaks.len(), truth.len(), "{peaks:?}");
        for (p, t) in peaks.iter().zip(&truth) {
            assert!(p.abs_diff(*t) <= 2, "{p} vs {t}");
        }
    }

    #[test]
    fn reader_survives_mangled_input() {
        let base = "# c\nrec 2 360 4\nrec.dat 212 200(0)/mV 11 1024 0 0 0 a\nrec.dat 212 200 11 1024 0 0 0 b\n";
        let mut seed = 0x2545_F491_4F6C_DD1D_u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let alphabet = b" \n#0123456789()/+-.:xabNnaIf";
        for _ in 0..3000 {
            let mut h = base.as_bytes().to_vec();
            for _ in 0..(next() % 4 + 1) {
                let pos = (next() % (h.len() as u64 + 1)) as usize;
                let c = alphabet[(next() % alphabet.len() as u64) as usize];
                match (next() % 3, pos < h.len()) {
                    (0, true) => {
                        h.remove(pos);
                    }
                    (1, true) => h[pos] = c,
                    _ => h.insert(pos, c),
                }
            }
            let text = String::from_utf8_lossy(&h);
            let dat: Vec<u8> = (0..next() % 20).map(|_| next() as u8).collect();
            for ch in 0..3 {
                if let Ok((rate, v)) = read_wfdb_212(&text, &dat, ch) {
                    assert!(rate.is_finite() && rate > 0.0);
                    assert!(v.len() <= dat.len());
                }
            }
        }
    }
}
