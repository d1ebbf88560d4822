//! RR-interval artifact correction (ectopic, missed, extra and long/short beats).
//!
//! Implements Lipponen, J. A., & Tarvainen, M. P. (2019). "A robust algorithm for
//! heart rate variability time series artefact correction using novel beat
//! classification". *Journal of Medical Engineering & Technology* 43(3), 173-181,
//! doi:10.1080/03091902.2019.1640306, the way NeuroKit2 0.2.13 implements it in
//! `signal_fixpeaks(method="Kubios")`, so that results can be checked against
//! NeuroKit2 beat for beat. This is an independent implementation written from the
//! paper and from reading NeuroKit2's behaviour; no code was copied.
//!
//! # Definitions
//!
//! Peaks `p[k]` are beat positions in samples at `rate_hz`; there are `n` of them.
//!
//! * `RR[k] = (p[k] - p[k-1]) / rate_hz` seconds for `k >= 1`; `RR[0]` is the mean
//!   of `RR[1..]` so that the first value is in a realistic range.
//! * `dRR[k] = RR[k] - RR[k-1]` for `k >= 1`; `dRR[0]` is the mean of `dRR[1..]`.
//! * Quartile deviation `QD[k] = (Q3 - Q1) / 2` of the absolute values of a series
//!   inside a centred window of 91 beats (`k-45 ..= k+45`, simply truncated at the
//!   ends of the series, like pandas `rolling(91, center=True, min_periods=1)`;
//!   quartiles interpolated linearly between order statistics; non-finite values are
//!   left out of the window). The threshold is `Th = ALPHA * QD` with `ALPHA = 5.2`.
//! * Normalised `dRR[k] /= Th1[k]` (`Th1` from `|dRR|`). Where a threshold is 0
//!   (a window of identical values) the normalised value is NaN, which never
//!   classifies a beat as an artifact.
//! * Subspace 1: `S11 = dRR[k]`, `S12[k] = max(dRR[k-1], dRR[k+1])` if `dRR[k] > 0`,
//!   `min(..)` if `dRR[k] < 0`, else 0.
//!   Subspace 2: `S21 = dRR[k]`, `S22[k] = min(dRR[k+1], dRR[k+2])` if `dRR[k] >= 0`,
//!   `max(..)` if `dRR[k] < 0`. Neighbours outside the series are mirrored about the
//!   end samples (numpy `pad(.., "reflect")`); a NaN neighbour makes the value NaN.
//! * `medRR[k]`: median of `RR` over a centred window of 11 beats, truncated at the
//!   ends (pandas rolling median, *not* scipy `medfilt`, which would zero-pad).
//!   `mRR[k] = RR[k] - medRR[k]`, doubled where negative, then normalised by
//!   `Th2 = ALPHA * QD(|mRR|)`.
//!
//! # Classification (Figure 1 of the paper), for `k` in `0 .. n-2`
//!
//! * `|dRR[k]| <= 1`: normal.
//! * Ectopic: `dRR > 1 && S12 < -C1*dRR - C2` or `dRR < -1 && S12 > -C1*dRR + C2`,
//!   with `C1 = 0.13`, `C2 = 0.17`.
//! * Otherwise beat `k` (and `k+1` too when `|dRR[k+1]| < |dRR[k+2]|`; the scan then
//!   skips `k+1`) is examined: long `L = dRR > 1 && S22 < -1`, short
//!   `S = dRR < -1 && S22 > 1`, `|mRR| > 3`. If none holds the beat is normal; an
//!   *extra* beat if `S && |RR[j] + RR[j+1] - medRR[j]| < Th2[j]`; a *missed* beat if
//!   `L && |RR[j]/2 - medRR[j]| < Th2[j]`; else *long/short*.
//!
//! An index `j` names the beat `p[j]` that ends the interval `RR[j]`.
//!
//! # Correction (one pass)
//!
//! Extra beats are deleted; missed beats get a new beat half-way between `p[j-1]`
//! and `p[j]`; ectopic, then long/short beats are moved half-way between their
//! neighbours. Indices are remapped after each deletion/insertion step exactly as
//! NeuroKit2 does (including its order-dependent remapping). As in NeuroKit2, no
//! beat is inserted before or moved at positions 0 and 1, the last beat is never
//! moved, and extra beats are deleted wherever they are.
//!
//! New positions are truncated to whole samples, as NeuroKit2's integer peak arrays
//! do, so for whole-sample input the output equals NeuroKit2's exactly. Input beats
//! that are not corrected are returned as given, also when they are fractional
//! (NeuroKit2 would keep a float array's inserted beats fractional but truncate the
//! whole array as soon as one beat is moved).
//!
//! # Iteration
//!
//! With `iterative = true` the detection is repeated on the corrected peaks and the
//! correction is applied again for as long as the total number of detected
//! artifacts (all four kinds, long/short included) strictly decreases; the first
//! detection that does not decrease the count stops the loop and is not applied.
//! Flagged beats may therefore remain in the output (in the reference recording two
//! long/short beats are flagged again in every pass). The loop always ends, since
//! the count must fall at each applied pass.

use std::cmp::Ordering;

/// Slope of the ectopic decision boundary in subspace 1 (the paper's `c1`).
pub const C1: f64 = 0.13;
/// Offset of the ectopic decision boundary in subspace 1 (the paper's `c2`).
pub const C2: f64 = 0.17;
/// Multiplier turning a quartile deviation into a detection threshold (`alpha`).
pub const ALPHA: f64 = 5.2;
/// Width, in beats, of the centred window over which thresholds adapt to the recording.
pub const THRESHOLD_WINDOW_BEATS: usize = 91;
/// Width, in beats, of the centred median filter giving the local typical RR.
pub const MEDIAN_WINDOW_BEATS: usize = 11;
/// Fewest peaks accepted: two intervals are needed before any beat can be judged.
pub const MIN_PEAKS: usize = 3;

/// 2^53: beyond this an `f64` no longer holds every whole sample index.
const MAX_EXACT_SAMPLE: f64 = 9_007_199_254_740_992.0;

/// Indices of the beats flagged in one detection pass, so callers can inspect or report
/// what was wrong before (or instead of) correcting it.
///
/// Each list is ascending; an index `j` refers to `peaks[j]` of the peak array that
/// the pass examined (the beat that ends the `j`-th interval).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Artifacts {
    /// Beats that came early or late and are moved half-way between their neighbours.
    pub ectopic: Vec<usize>,
    /// Beats ending an interval that spans two beats: a beat is inserted before them.
    pub missed: Vec<usize>,
    /// Spurious beats (false detections) that are deleted.
    pub extra: Vec<usize>,
    /// Beats ending an unusually long or short interval; moved like ectopic beats.
    pub long_short: Vec<usize>,
}

impl Artifacts {
    /// Total count over the four kinds: the quantity the iterative mode minimises.
    pub fn total(&self) -> usize {
        self.ectopic.len() + self.missed.len() + self.extra.len() + self.long_short.len()
    }

    /// Whether nothing at all was flagged, so callers can skip reporting.
    pub fn is_empty(&self) -> bool {
        self.total() == 0
    }
}

/// Outcome of [`fix_peaks`]: the corrected beats plus counts, so the HRV stage can both
/// use clean beats and judge how much of a recording had to be repaired.
///
/// The counts are numbers of correction operations actually performed, summed over
/// all applied passes: `extra` = beats deleted, `missed` = beats inserted, `ectopic`
/// and `long_short` = beats moved. Flagged beats that the correction skips (moves or
/// insertions at positions 0 or 1, moves of the last beat) are not counted, and a
/// beat corrected again in a later pass is counted again.
#[derive(Debug, Clone, PartialEq)]
pub struct Correction {
    /// Corrected beat positions, ascending, in the input's units (samples).
    pub peaks: Vec<f64>,
    /// Beats moved because they were classified ectopic.
    pub ectopic: usize,
    /// Beats inserted because a beat had been missed.
    pub missed: usize,
    /// Beats deleted because they were extra (false) detections.
    pub extra: usize,
    /// Beats moved because they ended a long or short interval.
    pub long_short: usize,
    /// Number of detect-and-correct passes applied (1 without `iterative`).
    pub iterations: usize,
    /// Artifacts found by the last applied pass (what NeuroKit2 returns as `info`),
    /// indexed into the peaks that pass received.
    pub artifacts: Artifacts,
}

/// Why a beat series cannot be corrected, so callers can report bad input instead of
/// silently getting a wrong correction.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ArtifactError {
    /// Too few peaks to form the two intervals that classification needs.
    #[error("need at least {min} peaks for artifact correction, got {got}")]
    TooFewPeaks {
        /// Peaks supplied.
        got: usize,
        /// Peaks required.
        min: usize,
    },
    /// Too few RR intervals to form the peaks that classification needs.
    #[error("need at least {min} RR intervals for artifact correction, got {got}")]
    TooFewIntervals {
        /// Intervals supplied.
        got: usize,
        /// Intervals required.
        min: usize,
    },
    /// The sampling rate was not a finite positive number.
    #[error("sampling rate must be finite and positive, got {0} Hz")]
    BadRate(f64),
    /// A peak position was NaN or infinite.
    #[error("peak {index} is not finite ({value})")]
    NonFinitePeak {
        /// Position of the offending peak in the input.
        index: usize,
        /// Its value.
        value: f64,
    },
    /// A peak position was beyond ±2^53 samples, where whole samples are not exact.
    #[error("peak {index} ({value}) is beyond 2^53 samples in magnitude")]
    PeakOutOfRange {
        /// Position of the offending peak in the input.
        index: usize,
        /// Its value.
        value: f64,
    },
    /// A peak did not come strictly after the one before it (duplicate or unsorted).
    #[error("peak {index} ({value}) does not come after the previous peak ({previous})")]
    NotIncreasing {
        /// Position of the offending peak in the input.
        index: usize,
        /// Its value.
        value: f64,
        /// The value of the peak before it.
        previous: f64,
    },
    /// An RR interval was not a finite positive number of milliseconds.
    #[error("RR interval {index} must be finite and positive, got {value} ms")]
    BadInterval {
        /// Position of the offending interval in the input.
        index: usize,
        /// Its value in ms.
        value: f64,
    },
}

/// Classifies the beats of one series without correcting it, so that the first-pass
/// artifact indices can be reported or checked against NeuroKit2.
///
/// `peaks_samples` are beat positions in samples at `rate_hz` (strictly increasing).
pub fn classify(peaks_samples: &[f64], rate_hz: f64) -> Result<Artifacts, ArtifactError> {
    validate(peaks_samples, rate_hz)?;
    Ok(find_artifacts(peaks_samples, rate_hz))
}

/// Detects and corrects ectopic, missed, extra and long/short beats, so that HRV
/// statistics are computed from plausible normal-to-normal beats.
///
/// `peaks_samples` are beat positions in samples at `rate_hz` (strictly increasing,
/// like NeuroKit2's peak indices). With `iterative` the pass is repeated while the
/// number of detected artifacts keeps falling (NeuroKit2's `iterative=True`).
/// For whole-sample input the result equals NeuroKit2 0.2.13's
/// `signal_fixpeaks(peaks, sampling_rate=rate_hz, iterative=iterative, method="Kubios")`.
pub fn fix_peaks(
    peaks_samples: &[f64],
    rate_hz: f64,
    iterative: bool,
) -> Result<Correction, ArtifactError> {
    validate(peaks_samples, rate_hz)?;

    let mut artifacts = find_artifacts(peaks_samples, rate_hz);
    let (mut peaks, mut counts) = correct_artifacts(&artifacts, peaks_samples);
    let mut iterations = 1;

    if iterative {
        let mut n_current = artifacts.total();
        loop {
            let next = find_artifacts(&peaks, rate_hz);
            let n_previous = n_current;
            n_current = next.total();
            if n_current >= n_previous {
                break;
            }
            artifacts = next;
            let (corrected, step) = correct_artifacts(&artifacts, &peaks);
            peaks = corrected;
            counts.add(&step);
            iterations += 1;
        }
    }

    Ok(Correction {
        peaks,
        ectopic: counts.ectopic,
        missed: counts.missed,
        extra: counts.extra,
        long_short: counts.long_short,
        iterations,
        artifacts,
    })
}

/// Corrects a series of RR intervals in ms, for sources (BLE straps, replays) that
/// deliver intervals rather than peak positions.
///
/// The intervals are summed into beat times in ms starting at 0 (samples at 1000 Hz),
/// corrected iteratively with [`fix_peaks`], and differenced back to intervals. An
/// output interval bounded by two beats that were adjacent in the input is returned
/// exactly as given; the returned [`Correction`] holds the corrected beat times in ms.
pub fn correct_rr(rr_ms: &[f64]) -> Result<(Vec<f64>, Correction), ArtifactError> {
    let min = MIN_PEAKS - 1;
    if rr_ms.len() < min {
        return Err(ArtifactError::TooFewIntervals {
            got: rr_ms.len(),
            min,
        });
    }
    if let Some((index, &value)) = rr_ms
        .iter()
        .enumerate()
        .find(|(_, v)| !(v.is_finite() && **v > 0.0))
    {
        return Err(ArtifactError::BadInterval { index, value });
    }

    let mut times = Vec::with_capacity(rr_ms.len() + 1);
    let mut t = 0.0;
    times.push(t);
    for &rr in rr_ms {
        t += rr;
        times.push(t);
    }

    let correction = fix_peaks(&times, 1000.0, true)?;
    let out = &correction.peaks;
    let mut rr_out = Vec::with_capacity(out.len().saturating_sub(1));
    for w in out.windows(2) {
        let (a, b) = (w[0], w[1]);
        let original = match times.binary_search_by(|x| x.total_cmp(&b)) {
            Ok(k) if k >= 1 && times[k - 1] == a => Some(rr_ms[k - 1]),
            _ => None,
        };
        rr_out.push(original.unwrap_or(b - a));
    }
    Ok((rr_out, correction))
}

// ---------------------------------------------------------------------------
// Input checks
// ---------------------------------------------------------------------------

fn validate(peaks: &[f64], rate_hz: f64) -> Result<(), ArtifactError> {
    if !(rate_hz.is_finite() && rate_hz > 0.0) {
        return Err(ArtifactError::BadRate(rate_hz));
    }
    if peaks.len() < MIN_PEAKS {
        return Err(ArtifactError::TooFewPeaks {
            got: peaks.len(),
            min: MIN_PEAKS,
        });
    }
    for (index, &value) in peaks.iter().enumerate() {
        if !value.is_finite() {
            return Err(ArtifactError::NonFinitePeak { index, value });
        }
        if value.abs() > MAX_EXACT_SAMPLE {
            return Err(ArtifactError::PeakOutOfRange { index, value });
        }
        if index > 0 {
            let previous = peaks[index - 1];
            if value <= previous {
                return Err(ArtifactError::NotIncreasing {
                    index,
                    value,
                    previous,
                });
            }
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Numerics matching numpy / pandas
// ---------------------------------------------------------------------------

/// numpy's pairwise summation (`np.add.reduce` on a contiguous f64 array).
fn pairwise_sum(a: &[f64]) -> f64 {
    const BLOCK: usize = 128;
    let n = a.len();
    if n < 8 {
        let mut s = 0.0;
        for &x in a {
            s += x;
        }
        s
    } else if n <= BLOCK {
        let mut r = [0.0f64; 8];
        r.copy_from_slice(&a[..8]);
        let mut i = 8;
        while i < n - n % 8 {
            for (j, rj) in r.iter_mut().enumerate() {
                *rj += a[i + j];
            }
            i += 8;
        }
        let mut s = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        while i < n {
            s += a[i];
            i += 1;
        }
        s
    } else {
        let mut n2 = n / 2;
        n2 -= n2 % 8;
        pairwise_sum(&a[..n2]) + pairwise_sum(&a[n2..])
    }
}

/// `np.mean` of a non-empty slice.
fn np_mean(a: &[f64]) -> f64 {
    (0.0 + pairwise_sum(a)) / a.len() as f64
}

/// `np.max([a, b])`: NaN-propagating.
fn nan_max(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else {
        a.max(b)
    }
}

/// `np.min([a, b])`: NaN-propagating.
fn nan_min(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else {
        a.min(b)
    }
}

/// Centred rolling statistic over `window` values, truncated at the ends
/// (pandas `rolling(window, center=True, min_periods=1)`). Non-finite values are left
/// out (pandas turns inf into NaN and skips NaN); an empty window gives NaN.
fn rolling_centered(values: &[f64], window: usize, stat: fn(&[f64]) -> f64) -> Vec<f64> {
    let n = values.len();
    let offset = (window.max(1) - 1) / 2;
    let mut sorted: Vec<f64> = Vec::with_capacity(window);
    let mut out = Vec::with_capacity(n);
    let (mut lo, mut hi) = (0usize, 0usize); // current window is values[lo..hi]
    for t in 0..n {
        let end = (t + offset + 1).min(n);
        let start = (t + offset + 1).saturating_sub(window);
        while hi < end {
            let v = values[hi];
            if v.is_finite() {
                let pos = sorted.partition_point(|x| x.total_cmp(&v) == Ordering::Less);
                sorted.insert(pos, v);
            }
            hi += 1;
        }
        while lo < start {
            let v = values[lo];
            if v.is_finite() {
                if let Ok(pos) = sorted.binary_search_by(|x| x.total_cmp(&v)) {
                    sorted.remove(pos);
                }
            }
            lo += 1;
        }
        out.push(stat(&sorted));
    }
    out
}

/// Linearly interpolated quantile of a sorted slice, as pandas' rolling quantile does.
fn quantile_sorted(sorted: &[f64], q: f64) -> f64 {
    match sorted.len() {
        0 => f64::NAN,
        1 => sorted[0],
        m => {
            let pos = q * (m - 1) as f64;
            let idx = pos as usize;
            if pos == idx as f64 {
                sorted[idx]
            } else {
                let lo = sorted[idx];
                let hi = sorted[(idx + 1).min(m - 1)];
                lo + (hi - lo) * (pos - idx as f64)
            }
        }
    }
}

fn q1_sorted(sorted: &[f64]) -> f64 {
    quantile_sorted(sorted, 0.25)
}

fn q3_sorted(sorted: &[f64]) -> f64 {
    quantile_sorted(sorted, 0.75)
}

fn median_sorted(sorted: &[f64]) -> f64 {
    let m = sorted.len();
    if m == 0 {
        f64::NAN
    } else if m % 2 == 1 {
        sorted[m / 2]
    } else {
        (sorted[m / 2] + sorted[m / 2 - 1]) / 2.0
    }
}

/// `ALPHA` times the rolling quartile deviation of `|signal|`.
fn threshold(signal: &[f64]) -> Vec<f64> {
    let abs: Vec<f64> = signal.iter().map(|v| v.abs()).collect();
    let q1 = rolling_centered(&abs, THRESHOLD_WINDOW_BEATS, q1_sorted);
    let q3 = rolling_centered(&abs, THRESHOLD_WINDOW_BEATS, q3_sorted);
    q1.iter()
        .zip(&q3)
        .map(|(a, b)| ALPHA * ((b - a) / 2.0))
        .collect()
}

/// Divides in place; a zero threshold gives NaN (NeuroKit2 0.2.13 behaviour).
fn normalise(values: &mut [f64], th: &[f64]) {
    for (v, t) in values.iter_mut().zip(th) {
        *v = if *t != 0.0 { *v / *t } else { f64::NAN };
    }
}

// ---------------------------------------------------------------------------
// Detection
// ---------------------------------------------------------------------------

fn find_artifacts(peaks: &[f64], rate_hz: f64) -> Artifacts {
    let n = peaks.len();
    let mut art = Artifacts::default();
    if n < MIN_PEAKS {
        // The scan below covers k in 0..n-2: nothing to examine.
        return art;
    }

    // Periods in seconds, first one replaced by the mean of the rest.
    let mut rr = vec![0.0; n];
    for k in 1..n {
        rr[k] = (peaks[k] - peaks[k - 1]) / rate_hz;
    }
    rr[0] = np_mean(&rr[1..]);

    // Successive differences, first one replaced by the mean of the rest.
    let mut drrs = vec![0.0; n];
    for k in 1..n {
        drrs[k] = rr[k] - rr[k - 1];
    }
    drrs[0] = np_mean(&drrs[1..]);
    let th1 = threshold(&drrs);
    normalise(&mut drrs, &th1);

    // Mirror-padded neighbour access (numpy "reflect"), valid for n >= 3.
    let at = |k: isize| -> f64 {
        let last = n as isize - 1;
        let idx = if k < 0 {
            -k
        } else if k > last {
            2 * last - k
        } else {
            k
        };
        drrs[idx.clamp(0, last) as usize]
    };

    let mut s12 = vec![0.0; n];
    let mut s22 = vec![0.0; n];
    for k in 0..n {
        let d = drrs[k];
        let ki = k as isize;
        if d > 0.0 {
            s12[k] = nan_max(at(ki - 1), at(ki + 1));
        } else if d < 0.0 {
            s12[k] = nan_min(at(ki - 1), at(ki + 1));
        }
        if d >= 0.0 {
            s22[k] = nan_min(at(ki + 1), at(ki + 2));
        } else if d < 0.0 {
            s22[k] = nan_max(at(ki + 1), at(ki + 2));
        }
    }

    // Deviation from the local median period, negative side weighted twice.
    let medrr = rolling_centered(&rr, MEDIAN_WINDOW_BEATS, median_sorted);
    let mut mrrs: Vec<f64> = rr
        .iter()
        .zip(&medrr)
        .map(|(r, m)| {
            let d = r - m;
            if d < 0.0 {
                d * 2.0
            } else {
                d
            }
        })
        .collect();
    let th2 = threshold(&mrrs);
    normalise(&mut mrrs, &th2);

    // Decision flow of the paper's Figure 1.
    let mut i = 0;
    while i + 2 < n {
        let d = drrs[i];
        if d.abs() <= 1.0 {
            i += 1;
            continue;
        }
        let eq1 = d > 1.0 && s12[i] < -C1 * d - C2;
        let eq2 = d < -1.0 && s12[i] > -C1 * d + C2;
        if eq1 || eq2 {
            art.ectopic.push(i);
            i += 1;
            continue;
        }
        if !(d.abs() > 1.0 || mrrs[i].abs() > 3.0) {
            i += 1;
            continue;
        }
        let mut candidates = vec![i];
        if drrs[i + 1].abs() < drrs[i + 2].abs() {
            candidates.push(i + 1);
        }
        // Every candidate advances the scan by one beat, whatever its class.
        for j in candidates {
            i += 1;
            let long = drrs[j] > 1.0 && s22[j] < -1.0;
            let far = mrrs[j].abs() > 3.0;
            let short = drrs[j] < -1.0 && s22[j] > 1.0;
            if !(long || far || short) {
                continue;
            }
            let missed = (rr[j] / 2.0 - medrr[j]).abs() < th2[j];
            let extra = (rr[j] + rr[j + 1] - medrr[j]).abs() < th2[j];
            if short && extra {
                art.extra.push(j);
            } else if long && missed {
                art.missed.push(j);
            } else {
                art.long_short.push(j);
            }
        }
    }
    art
}

// ---------------------------------------------------------------------------
// Correction
// ---------------------------------------------------------------------------

#[derive(Debug, Default, Clone, Copy)]
struct Counts {
    ectopic: usize,
    missed: usize,
    extra: usize,
    long_short: usize,
}

impl Counts {
    fn add(&mut self, o: &Counts) {
        self.ectopic += o.ectopic;
        self.missed += o.missed;
        self.extra += o.extra;
        self.long_short += o.long_short;
    }
}

/// Whole-sample position of a new beat (NeuroKit2 casts to an integer array, which
/// truncates toward zero). `+ 0.0` turns `-0.0` into `0.0`.
fn to_sample(x: f64) -> f64 {
    x.trunc() + 0.0
}

fn correct_artifacts(art: &Artifacts, peaks: &[f64]) -> (Vec<f64>, Counts) {
    let mut counts = Counts::default();
    let mut peaks = peaks.to_vec();
    let mut missed = art.missed.clone();
    let mut ectopic = art.ectopic.clone();
    let mut long_short = art.long_short.clone();

    if !art.extra.is_empty() {
        let (p, c) = delete_beats(&art.extra, &peaks);
        peaks = p;
        counts.extra = c;
        missed = update_indices(&art.extra, &missed, false);
        ectopic = update_indices(&art.extra, &ectopic, false);
        long_short = update_indices(&art.extra, &long_short, false);
    }
    if !missed.is_empty() {
        let (p, c) = insert_missed(&missed, &peaks);
        peaks = p;
        counts.missed = c;
        ectopic = update_indices(&missed, &ectopic, true);
        long_short = update_indices(&missed, &long_short, true);
    }
    if !ectopic.is_empty() {
        let (p, c) = move_misaligned(&ectopic, &peaks);
        peaks = p;
        counts.ectopic = c;
    }
    if !long_short.is_empty() {
        let (p, c) = move_misaligned(&long_short, &peaks);
        peaks = p;
        counts.long_short = c;
    }
    (peaks, counts)
}

/// Shifts every index of `update` above each `source` index by one, applying the
/// sources one after another (so an index already shifted is compared in its shifted
/// form), then sorts and de-duplicates: NeuroKit2's `_update_indices`.
fn update_indices(source: &[usize], update: &[usize], up: bool) -> Vec<usize> {
    if update.is_empty() {
        return Vec::new();
    }
    let mut u = update.to_vec();
    for &s in source {
        for x in u.iter_mut() {
            if *x > s {
                if up {
                    *x += 1;
                } else {
                    *x -= 1;
                }
            }
        }
    }
    u.sort_unstable();
    u.dedup();
    u
}

fn delete_beats(idx: &[usize], peaks: &[f64]) -> (Vec<f64>, usize) {
    let mut drop = vec![false; peaks.len()];
    for &j in idx {
        if let Some(d) = drop.get_mut(j) {
            *d = true;
        }
    }
    let removed = drop.iter().filter(|d| **d).count();
    let kept = peaks
        .iter()
        .zip(&drop)
        .filter(|(_, d)| !**d)
        .map(|(p, _)| *p)
        .collect();
    (kept, removed)
}

fn insert_missed(idx: &[usize], peaks: &[f64]) -> (Vec<f64>, usize) {
    let n = peaks.len();
    let mut new: Vec<(usize, f64)> = idx
        .iter()
        .filter(|&&j| j > 1 && j < n)
        .map(|&j| {
            let (prev, next) = (peaks[j - 1], peaks[j]);
            (j, to_sample(prev + (next - prev) / 2.0))
        })
        .collect();
    new.sort_by_key(|(j, _)| *j);
    let mut out = Vec::with_capacity(n + new.len());
    let mut it = new.iter().peekable();
    for (k, &p) in peaks.iter().enumerate() {
        while let Some(&&(j, v)) = it.peek() {
            if j != k {
                break;
            }
            out.push(v);
            it.next();
        }
        out.push(p);
    }
    (out, new.len())
}

fn move_misaligned(idx: &[usize], peaks: &[f64]) -> (Vec<f64>, usize) {
    let n = peaks.len();
    let valid: Vec<usize> = idx
        .iter()
        .copied()
        .filter(|&j| j > 1 && j + 1 < n)
        .collect();
    let moved: Vec<f64> = valid
        .iter()
        .map(|&j| {
            let (prev, next) = (peaks[j - 1], peaks[j + 1]);
            to_sample(prev + (next - prev) / 2.0)
        })
        .collect();
    let (mut out, _) = delete_beats(&valid, peaks);
    out.extend_from_slice(&moved);
    out.sort_by(f64::total_cmp);
    (out, moved.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Deterministic, physiologically shaped RR series (ms) that the detector accepts
    /// as clean: respiratory sinus arrhythmia, a slow wave and a little jitter.
    fn synthetic_rr(n: usize) -> Vec<f64> {
        let mut state: u64 = 0x2545_F491_4F6C_DD1D;
        (0..n)
            .map(|k| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                let jitter = (state % 21) as f64 - 10.0;
                let t = k as f64 * 2.0 * std::f64::consts::PI;
                (850.0 + 30.0 * (t / 4.3).sin() + 25.0 * (t / 37.0).sin() + jitter).round()
            })
            .collect()
    }

    fn cumulative(rr: &[f64]) -> Vec<f64> {
        let mut t = 0.0;
        let mut out = vec![0.0];
        for r in rr {
            t += r;
            out.push(t);
        }
        out
    }

    fn max_abs_diff(a: &[f64], b: &[f64]) -> f64 {
        assert_eq!(a.len(), b.len());
        a.iter()
            .zip(b)
            .map(|(x, y)| (x - y).abs())
            .fold(0.0, f64::max)
    }

    #[test]
    fn clean_series_is_left_unchanged() {
        let rr = synthetic_rr(300);
        let peaks = cumulative(&rr);
        assert!(classify(&peaks, 1000.0).unwrap().is_empty());
        for iterative in [false, true] {
            let c = fix_peaks(&peaks, 1000.0, iterative).unwrap();
            assert_eq!(c.peaks, peaks);
            assert_eq!((c.ectopic, c.missed, c.extra, c.long_short), (0, 0, 0, 0));
            assert_eq!(c.iterations, 1);
            assert!(c.artifacts.is_empty());
        }
        let (out, c) = correct_rr(&rr).unwrap();
        assert_eq!(out, rr);
        assert_eq!(c.peaks, peaks);
    }

    #[test]
    fn perfectly_regular_series_is_left_unchanged() {
        // Zero quartile deviation: thresholds are 0 and normalised values NaN.
        let peaks: Vec<f64> = (0..100).map(|k| k as f64 * 800.0).collect();
        let c = fix_peaks(&peaks, 1000.0, true).unwrap();
        assert_eq!(c.peaks, peaks);
        assert!(c.artifacts.is_empty());
    }

    #[test]
    fn single_missed_beat_is_inserted_within_one_sample() {
        let mut truth = cumulative(&synthetic_rr(300));
        let gone = 150;
        // Put the true beat where a midpoint insertion can find it (to the sample).
        truth[gone] = ((truth[gone - 1] + truth[gone + 1]) / 2.0).floor();
        let mut peaks = truth.clone();
        peaks.remove(gone);

        let first = classify(&peaks, 1000.0).unwrap();
        assert_eq!(first.missed, vec![gone], "{first:?}");
        assert_eq!(first.total(), 1, "{first:?}");

        let c = fix_peaks(&peaks, 1000.0, true).unwrap();
        assert_eq!((c.ectopic, c.missed, c.extra, c.long_short), (0, 1, 0, 0));
        assert_eq!(c.peaks.len(), truth.len());
        assert!(
            (c.peaks[gone] - truth[gone]).abs() <= 1.0,
            "{}",
            c.peaks[gone]
        );
        assert!(max_abs_diff(&c.peaks, &truth) <= 1.0);
    }

    #[test]
    fn extra_beat_is_deleted() {
        let truth = cumulative(&synthetic_rr(300));
        let mut peaks = truth.clone();
        let extra = ((truth[120] + truth[121]) / 2.0 - 100.0).round();
        peaks.insert(121, extra);
        let first = classify(&peaks, 1000.0).unwrap();
        assert_eq!(first.extra, vec![121], "{first:?}");
        let c = fix_peaks(&peaks, 1000.0, true).unwrap();
        assert_eq!(c.extra, 1);
        assert!(!c.peaks.contains(&extra));
        assert!(max_abs_diff(&c.peaks, &truth) < 50.0);
    }

    #[test]
    fn ectopic_beat_is_pulled_back() {
        let truth = cumulative(&synthetic_rr(300));
        let mut peaks = truth.clone();
        peaks[200] -= 300.0;
        let first = classify(&peaks, 1000.0).unwrap();
        assert_eq!(first.ectopic, vec![201], "{first:?}");
        let c = fix_peaks(&peaks, 1000.0, true).unwrap();
        assert!(c.ectopic >= 1);
        assert!(max_abs_diff(&c.peaks, &truth) < 200.0);
        assert!(
            (c.peaks[200] - truth[200]).abs() < 150.0,
            "{}",
            c.peaks[200]
        );
    }

    /// Vectors computed with NeuroKit2 0.2.13 `signal_fixpeaks(method="Kubios")` on
    /// short synthetic series that contain every artifact kind at once:
    /// (peaks, first-pass [ectopic, missed, extra, longshort], single pass, iterative).
    #[allow(clippy::type_complexity)]
    const NEUROKIT_CASES: &[(&[f64], [&[usize]; 4], &[f64], &[f64])] = &[
        (
            &[
                0., 641., 1293., 1943., 2590., 3243., 4530., 5174., 5493., 5813., 6472., 7114.,
                7771., 8436., 9119., 9754., 10404., 11046., 11704., 12352.,
            ],
            [&[15], &[6], &[8], &[9]],
            &[
                0., 641., 1293., 1943., 2590., 3243., 3886., 4530., 5174., 5823., 6472., 7114.,
                7771., 8436., 9119., 9761., 10404., 11046., 11704., 12352.,
            ],
            &[
                0., 641., 1293., 1943., 2590., 3243., 3886., 4530., 5174., 5823., 6472., 7114.,
                7771., 8436., 9119., 9761., 10404., 11046., 11704., 12352.,
            ],
        ),
        (
            &[
                0., 921., 1863., 2819., 3695., 4639., 5555., 6035., 6515., 7462., 8393., 9335.,
                10270., 12427., 13072., 14028., 14966., 15897., 16836., 17744.,
            ],
            [&[14], &[13], &[7], &[8]],
            &[
                0., 921., 1863., 2819., 3695., 4639., 5555., 6508., 7462., 8393., 9335., 10270.,
                11348., 12427., 13227., 14028., 14966., 15897., 16836., 17744.,
            ],
            &[
                0., 921., 1863., 2819., 3695., 4639., 5555., 6508., 7462., 8393., 9335., 10270.,
                11348., 12427., 13227., 14028., 14966., 15897., 16836., 17744.,
            ],
        ),
        (
            &[
                0., 401., 803., 2449., 3312., 4134., 4954., 5803., 6618., 7412., 8229., 9040.,
                9945., 10676., 11473., 12320., 13177., 13997., 14830., 15621.,
            ],
            [&[13], &[3], &[1], &[2]],
            &[
                0., 803., 1626., 2449., 3312., 4134., 4954., 5803., 6618., 7412., 8229., 9040.,
                9945., 10709., 11473., 12320., 13177., 13997., 14830., 15621.,
            ],
            &[
                0., 803., 1626., 2449., 3312., 4134., 4954., 5803., 6618., 7412., 8229., 9040.,
                9874., 10709., 11473., 12320., 13177., 13997., 14830., 15621.,
            ],
        ),
        (
            &[0., 1524., 2297., 2527., 3836.],
            [&[], &[1], &[2], &[3]],
            &[0., 1524., 2527., 3836.],
            &[0., 1524., 2527., 3836.],
        ),
        (
            // Classified differently with a 9- or 13-beat median filter.
            &[
                0., 249., 499., 998., 1952., 2862., 3806., 4726., 5750., 6719., 7615., 8585.,
                9521., 10539.,
            ],
            [&[], &[], &[], &[1, 2]],
            &[
                0., 249., 623., 998., 1952., 2862., 3806., 4726., 5750., 6719., 7615., 8585.,
                9521., 10539.,
            ],
            &[
                0., 249., 623., 998., 1952., 2862., 3806., 4726., 5750., 6719., 7615., 8585.,
                9521., 10539.,
            ],
        ),
    ];

    #[test]
    fn matches_neurokit_on_mixed_artifacts() {
        for (peaks, [ectopic, missed, extra, long_short], single, iterated) in NEUROKIT_CASES {
            let a = classify(peaks, 1000.0).unwrap();
            assert_eq!(a.ectopic, *ectopic);
            assert_eq!(a.missed, *missed);
            assert_eq!(a.extra, *extra);
            assert_eq!(a.long_short, *long_short);
            assert_eq!(fix_peaks(peaks, 1000.0, false).unwrap().peaks, *single);
            assert_eq!(fix_peaks(peaks, 1000.0, true).unwrap().peaks, *iterated);
        }
        // In the last case the missed beat at index 1 cannot be inserted, yet it still
        // shifts the long/short index onto the last beat, which cannot be moved:
        // only the deletion is performed, and only it is counted.
        let c = fix_peaks(NEUROKIT_CASES[3].0, 1000.0, false).unwrap();
        assert_eq!((c.ectopic, c.missed, c.extra, c.long_short), (0, 0, 1, 0));
    }

    #[test]
    fn rejects_bad_input_without_panicking() {
        use ArtifactError::*;
        assert!(matches!(
            fix_peaks(&[], 1000.0, true),
            Err(TooFewPeaks { got: 0, .. })
        ));
        assert!(matches!(
            fix_peaks(&[1.0], 1000.0, true),
            Err(TooFewPeaks { .. })
        ));
        assert!(matches!(
            fix_peaks(&[1.0, 2.0], 1000.0, true),
            Err(TooFewPeaks { .. })
        ));
        assert!(matches!(
            fix_peaks(&[0.0, f64::NAN, 2.0], 1000.0, true),
            Err(NonFinitePeak { index: 1, .. })
        ));
        assert!(matches!(
            fix_peaks(&[0.0, 5.0, 5.0, 9.0], 1000.0, true),
            Err(NotIncreasing { index: 2, .. })
        ));
        assert!(matches!(
            fix_peaks(&[0.0, 5.0, 3.0, 9.0], 1000.0, true),
            Err(NotIncreasing { index: 2, .. })
        ));
        assert!(matches!(
            fix_peaks(&[0.0, 1.0, 1e300], 1000.0, true),
            Err(PeakOutOfRange { index: 2, .. })
        ));
        for rate in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            assert!(matches!(
                fix_peaks(&[0.0, 1.0, 2.0], rate, true),
                Err(BadRate(_))
            ));
        }
        assert!(matches!(correct_rr(&[800.0]), Err(TooFewIntervals { .. })));
        assert!(matches!(
            correct_rr(&[800.0, 0.0, 800.0]),
            Err(BadInterval { index: 1, .. })
        ));
        assert!(matches!(
            correct_rr(&[800.0, 1e308, 1e308]),
            Err(PeakOutOfRange { index: 2, .. })
        ));
        // Error messages name the index.
        let msg = fix_peaks(&[0.0, 5.0, 5.0], 1.0, false)
            .unwrap_err()
            .to_string();
        assert!(msg.contains("peak 2"), "{msg}");
    }

    #[test]
    fn short_and_odd_series_do_not_panic() {
        let cases: Vec<Vec<f64>> = vec![
            vec![0.0, 1.0, 2.0],
            vec![0.0, 1.0, 1000.0],
            vec![0.0, 900.0, 901.0, 1800.0],
            vec![0.0, 1.0, 2.0, 3.0, 1e6, 1e6 + 1.0, 4e15],
            vec![-5e15, -1.0, 0.0, 1.0, 5e15],
            (0..50).map(|k| (k * k) as f64).collect(),
            (0..50).map(|k| ((k * 7919) % 50 + k * 50) as f64).collect(),
        ];
        for peaks in cases {
            for rate in [1.0, 1000.0, 1e-300, 1e300] {
                for iterative in [false, true] {
                    let c = fix_peaks(&peaks, rate, iterative).unwrap();
                    assert!(c.peaks.iter().all(|p| p.is_finite()));
                    assert!(c.iterations >= 1);
                }
            }
        }
    }

    #[test]
    fn pairwise_sum_matches_numpy_blocking() {
        // Values chosen so that naive left-to-right summation differs from numpy's.
        let a: Vec<f64> = (0..300).map(|k| 1.0 + (k as f64) * 1e-16 * 3.0).collect();
        let naive: f64 = a.iter().sum();
        let pw = pairwise_sum(&a);
        assert!((pw - naive).abs() < 1e-10);
        assert_eq!(pairwise_sum(&[1.0, 2.0, 3.0]), 6.0);
        assert_eq!(np_mean(&[2.0; 200]), 2.0);
    }

    #[test]
    fn rolling_window_is_truncated_at_the_ends() {
        let v = [5.0, 1.0, 4.0, 2.0, 3.0];
        // width 3: [5,1] [5,1,4] [1,4,2] [4,2,3] [2,3]
        let med = rolling_centered(&v, 3, median_sorted);
        assert_eq!(med, vec![3.0, 4.0, 2.0, 3.0, 2.5]);
        let q1 = rolling_centered(&[1.0, 2.0, 3.0, 4.0, 5.0], 5, q1_sorted);
        // windows [1,2,3] [1..4] [1..5] [2..5] [3,4,5]
        assert_eq!(q1, vec![1.5, 1.75, 2.0, 2.75, 3.5]);
    }

    #[test]
    fn update_indices_is_sequential_like_neurokit() {
        // source [10, 20], -1: 21 -> 20 after s=10, then 20 is not > 20.
        assert_eq!(
            update_indices(&[10, 20], &[5, 21, 30], false),
            vec![5, 20, 28]
        );
        assert_eq!(update_indices(&[10, 11], &[11, 12], true), vec![13, 14]);
        // Shifting can make two indices collide: they are merged.
        assert_eq!(update_indices(&[20], &[20, 21], false), vec![20]);
        assert!(update_indices(&[3], &[], true).is_empty());
    }
}
