//! Beat detection from raw ECG and PPG.
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
//!
//! The filters and helpers live in `dsp.rs` (boxcar smoothing follows
//! `scipy.ndimage.uniform_filter1d(mode="nearest")`); `numpy.rint` rounding (half to even) is used for window lengths, as in the reference.
//! Nothing here panics on bad input: unusable signals give an empty result.

use super::dsp::{
    boxcar_nearest, butter_bandpass, butter_highpass, fill_missing, gradient, is_valid_rate,
    most_prominent_peak, powerline_filter, rint_len, sosfiltfilt,
};

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
    let sos = butter_highpass(5, 0.5, rate_hz);
    sos.and_then(|sos| sosfiltfilt(&sos, &fill_missing(signal)?))
        .and_then(|hp| powerline_filter(&hp, rate_hz))
        .unwrap_or_default()
}

/// Finds R-peak sample indices in an ECG so heartbeat intervals can be measured.
///
/// NeuroKit2 0.2.13 `ecg_peaks(method="neurokit")`; feed it [`ecg_clean`] output (or any
/// ECG already high-passed at about 0.5 Hz). Non-finite samples are filled forward then
/// backward (NeuroKit would instead find nothing). Peaks within 0.3 s of sample 0 are
/// dropped, as in the reference. Returns an empty vector for unusable input: invalid rate,
/// fewer samples than the 0.75 s averaging window, or no QRS-like activity.
pub fn ecg_peaks(cleaned: &[f64], rate_hz: f64) -> Vec<usize> {
    ecg_peaks_checked(cleaned, rate_hz).unwrap_or_default()
}

/// [`ecg_peaks`] with `None` for unusable input.
fn ecg_peaks_checked(cleaned: &[f64], rate_hz: f64) -> Option<Vec<usize>> {
    if !is_valid_rate(rate_hz) {
        return None;
    }
    let x = fill_missing(cleaned)?;
    let smooth_k = rint_len(0.1 * rate_hz)?;
    let avg_k = rint_len(0.75 * rate_hz)?;
    let min_delay = rint_len(0.3 * rate_hz)?;
    let absgrad: Vec<f64> = gradient(&x)?.iter().map(|g| g.abs()).collect();
    let smooth = boxcar_nearest(&absgrad, smooth_k)?;
    let avg = boxcar_nearest(&smooth, avg_k)?;
    let qrs: Vec<bool> = smooth.iter().zip(&avg).map(|(s, a)| *s > 1.5 * a).collect();
    Some(beats_in_spans(
        &x,
        &qrs,
        |spans| {
            let total: f64 = spans.iter().map(|&(b, e)| e as f64 - b as f64).sum();
            total / spans.len() as f64 * 0.4
        },
        min_delay,
    ))
}

/// Finds systolic-peak sample indices in a raw PPG so pulse intervals can be measured.
///
/// NeuroKit2 0.2.13 default PPG pipeline: `ppg_clean(method="elgendi")` (band-pass
/// 0.5-8 Hz, Butterworth order 2, zero-phase) then `ppg_findpeaks(method="elgendi")`
/// (Elgendi et al. 2013). Takes the raw signal; cleaning happens here. Returns an empty
/// vector for unusable input: rate of 16 Hz or less, too few samples, no pulse waves.
pub fn ppg_peaks(signal: &[f64], rate_hz: f64) -> Vec<usize> {
    ppg_peaks_checked(signal, rate_hz).unwrap_or_default()
}

/// [`ppg_peaks`] with `None` for unusable input.
fn ppg_peaks_checked(signal: &[f64], rate_hz: f64) -> Option<Vec<usize>> {
    let sos = butter_bandpass(2, 0.5, 8.0, rate_hz)?;
    let clean = sosfiltfilt(&sos, &fill_missing(signal)?)?;
    let peak_k = rint_len(0.111 * rate_hz)?;
    let beat_k = rint_len(0.667 * rate_hz)?;
    let min_delay = rint_len(0.3 * rate_hz)?;
    let sqrd: Vec<f64> = clean
        .iter()
        .map(|&v| if v < 0.0 { 0.0 } else { v * v })
        .collect();
    let ma_peak = boxcar_nearest(&sqrd, peak_k)?;
    let ma_beat = boxcar_nearest(&sqrd, beat_k)?;
    let offset = 0.02 * sqrd.iter().sum::<f64>() / sqrd.len() as f64;
    let waves: Vec<bool> = ma_peak
        .iter()
        .zip(&ma_beat)
        .map(|(p, b)| *p > b + offset)
        .collect();
    Some(beats_in_spans(&clean, &waves, |_| peak_k as f64, min_delay))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dsp::tests::sine;
    use std::f64::consts::PI;

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
}
