//! Signal-processing building blocks with SciPy/NumPy semantics, so the beat detectors in
//! `peaks.rs` reproduce NeuroKit2 0.2.13 sample for sample: Butterworth design as
//! second-order sections (`scipy.signal.butter(output="sos")`), zero-phase filtering
//! (`sosfiltfilt` with odd padding and steady-state initial conditions), NeuroKit's
//! powerline moving average, `uniform_filter1d(mode="nearest")` boxcars, `numpy.gradient`
//! and `find_peaks` prominence. Nothing here panics: unusable input gives `None`.

use std::f64::consts::PI;
use std::ops::{Add, Div, Mul, Sub};

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
pub(super) fn rint_len(x: f64) -> Option<usize> {
    let r = x.round_ties_even();
    if (0.0..1e12).contains(&r) {
        Some(r as usize)
    } else {
        None
    }
}

pub(super) fn is_valid_rate(rate_hz: f64) -> bool {
    rate_hz.is_finite() && rate_hz > 0.0
}

/// Forward then backward fill of non-finite samples (pandas `ffill().bfill()`, which is
/// what NeuroKit's `signal_fillmissing(method="both")` does). `None` if nothing is finite.
pub(super) fn fill_missing(signal: &[f64]) -> Option<Vec<f64>> {
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
pub(super) struct Biquad {
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
pub(super) fn butter_highpass(order: usize, cutoff_hz: f64, rate_hz: f64) -> Option<Vec<Biquad>> {
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
pub(super) fn butter_bandpass(
    order: usize,
    low_hz: f64,
    high_hz: f64,
    rate_hz: f64,
) -> Option<Vec<Biquad>> {
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
pub(super) fn sosfiltfilt(sos: &[Biquad], x: &[f64]) -> Option<Vec<f64>> {
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
pub(super) fn powerline_filter(x: &[f64], rate_hz: f64) -> Option<Vec<f64>> {
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
pub(super) fn boxcar_nearest(x: &[f64], size: usize) -> Option<Vec<f64>> {
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
pub(super) fn gradient(x: &[f64]) -> Option<Vec<f64>> {
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
pub(super) fn most_prominent_peak(data: &[f64]) -> Option<usize> {
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

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// A test tone (also used by `peaks.rs` tests).
    pub(crate) fn sine(freq: f64, rate: f64, n: usize, amp: f64, dc: f64) -> Vec<f64> {
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
}
