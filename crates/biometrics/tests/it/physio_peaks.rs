//! Beat detectors checked against reference tools on real recordings (tests/data/physio,
//! provenance in SOURCES.md): NeuroKit2 0.2.13 R-peaks on MIT-BIH record 100 and on the
//! pyhrv sample ECG, cardiologist annotations for record 100, and HeartPy 1.2.6 peaks on
//! its sample PPG.

use livingfilm_biometrics::{ecg_clean, ecg_peaks, ppg_peaks, read_wfdb_212};
use serde_json::Value;
use std::path::PathBuf;

fn data(rel: &str) -> PathBuf {
    crate::root().join("tests/data/physio").join(rel)
}

fn read_json(rel: &str) -> Value {
    let text = std::fs::read_to_string(data(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn indices(v: &Value, key: &str) -> Vec<usize> {
    v[key]
        .as_array()
        .unwrap_or_else(|| panic!("missing {key}"))
        .iter()
        .map(|x| x.as_u64().expect("index") as usize)
        .collect()
}

/// Agreement of `ours` with `reference` at a tolerance, by one-to-one nearest matching.
struct Agreement {
    matched: usize,
    reference: usize,
    detected: usize,
    max_offset: usize,
}

impl Agreement {
    fn of(ours: &[usize], reference: &[usize], tol: usize) -> Self {
        let mut used = vec![false; ours.len()];
        let (mut matched, mut max_offset) = (0, 0);
        for &r in reference {
            let best = ours
                .iter()
                .enumerate()
                .filter(|(i, &p)| !used[*i] && p.abs_diff(r) <= tol)
                .min_by_key(|(_, &p)| p.abs_diff(r));
            if let Some((i, &p)) = best {
                used[i] = true;
                matched += 1;
                max_offset = max_offset.max(p.abs_diff(r));
            }
        }
        Self {
            matched,
            reference: reference.len(),
            detected: ours.len(),
            max_offset,
        }
    }
    /// Share of reference beats we found (sensitivity), percent.
    fn sensitivity(&self) -> f64 {
        100.0 * self.matched as f64 / self.reference.max(1) as f64
    }
    /// Share of our beats that are reference beats (positive predictive value), percent.
    fn ppv(&self) -> f64 {
        100.0 * self.matched as f64 / self.detected.max(1) as f64
    }
    fn report(&self, what: &str, tol: usize) {
        println!(
            "{what}: {}/{} reference beats matched within ±{tol} samples ({:.2}%), \
             {} detected (PPV {:.2}%), max offset {} samples",
            self.matched,
            self.reference,
            self.sensitivity(),
            self.detected,
            self.ppv(),
            self.max_offset
        );
    }
}

#[test]
fn mitdb_100_raw_mlii_matches_neurokit2_and_annotations() {
    let reference = read_json("ref/rpeaks_mitdb100_MLII_first60s.json");
    // The reference ran ecg_peaks on the raw physical signal, without ecg_clean.
    assert!(reference["method"]
        .as_str()
        .unwrap()
        .contains("includes ecg_clean internally: no"));
    let header = std::fs::read_to_string(data("ecg/100.hea")).unwrap();
    let dat = std::fs::read(data("ecg/100.dat")).unwrap();
    let (rate, mlii) = read_wfdb_212(&header, &dat, 0).unwrap();
    assert_eq!(rate, 360.0);
    assert_eq!(rate, reference["sampling_rate_hz"].as_f64().unwrap());
    assert_eq!(mlii.len(), 21600);
    // First sample: ADC 995, zero 1024, gain 200 -> -0.145 mV.
    assert!((mlii[0] - (995.0 - 1024.0) / 200.0).abs() < 1e-12);

    let peaks = ecg_peaks(&mlii, rate);
    let nk = indices(&reference, "rpeaks_neurokit2");
    let a = Agreement::of(&peaks, &nk, 2);
    a.report("MIT-BIH 100 MLII vs NeuroKit2 0.2.13", 2);
    assert!(
        a.sensitivity() >= 99.0 && a.ppv() >= 99.0,
        "too few matches"
    );
    assert!(a.max_offset <= 2);

    let atr = indices(&reference, "rpeaks_atr_reference");
    let tol = reference["match_tolerance_samples"].as_u64().unwrap() as usize;
    let b = Agreement::of(&peaks, &atr, tol);
    b.report(
        "MIT-BIH 100 MLII vs cardiologist annotations (100.atr)",
        tol,
    );
    // NeuroKit2 itself matched 73 of 74 (it never reports a beat in the first 0.3 s).
    let nk_matched = reference["n_reference_matched_by_neurokit2"]
        .as_u64()
        .unwrap() as usize;
    assert!(b.matched >= nk_matched, "{} < {nk_matched}", b.matched);
    assert!(b.ppv() >= 99.0);
}

#[test]
fn pyhrv_sample_ecg_clean_then_peaks_matches_neurokit2() {
    let reference = read_json("ref/rpeaks_pyhrv_SampleECG.json");
    let text = std::fs::read_to_string(data("ecg/pyhrv_SampleECG.txt")).unwrap();
    // OpenSignals text: '#' header lines (JSON with the sampling rate), then one row per
    // sample; the ECG is the last column.
    let mut rate = None;
    let mut ecg = Vec::new();
    for line in text.lines() {
        if let Some(h) = line.strip_prefix('#') {
            if let Ok(meta) = serde_json::from_str::<Value>(h.trim()) {
                let device = meta.as_object().and_then(|o| o.values().next()).unwrap();
                rate = device["sampling rate"].as_f64();
            }
            continue;
        }
        if let Some(last) = line.split_whitespace().last() {
            ecg.push(last.parse::<f64>().unwrap());
        }
    }
    let rate = rate.expect("sampling rate in OpenSignals header");
    assert_eq!(rate, 1000.0);
    assert_eq!(ecg.len() as u64, reference["n_samples"].as_u64().unwrap());

    let cleaned = ecg_clean(&ecg, rate);
    assert_eq!(cleaned.len(), ecg.len());
    let peaks = ecg_peaks(&cleaned, rate);
    let nk = indices(&reference, "rpeaks_neurokit2");
    let a = Agreement::of(&peaks, &nk, 2);
    a.report("pyhrv SampleECG (clean + peaks) vs NeuroKit2 0.2.13", 2);
    assert!(
        a.sensitivity() >= 99.0 && a.ppv() >= 99.0,
        "too few matches"
    );
    assert!(a.max_offset <= 2);

    // Mean heart rate from our peaks equals the reference one closely.
    let mean_rr = (peaks[peaks.len() - 1] - peaks[0]) as f64 / (peaks.len() - 1) as f64;
    let hr = 60.0 * rate / mean_rr;
    let hr_ref = reference["hr_bpm_mean_from_peaks"].as_f64().unwrap();
    println!("pyhrv SampleECG mean HR: ours {hr:.3} bpm, NeuroKit2 {hr_ref:.3} bpm");
    assert!((hr - hr_ref).abs() / hr_ref < 0.005);
}

#[test]
fn heartpy_sample_ppg_agrees_with_heartpy() {
    let reference = read_json("ref/ppg_heartpy_data.json");
    let rate = reference["sampling_rate_hz"].as_f64().unwrap();
    assert_eq!(rate, 100.0);
    let text = std::fs::read_to_string(data("ppg/heartpy_data.csv")).unwrap();
    let ppg: Vec<f64> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| l.parse::<f64>().unwrap())
        .collect();
    assert_eq!(ppg.len(), 2483);

    let peaks = ppg_peaks(&ppg, rate);
    let hp = indices(&reference, "peaklist_accepted");
    // HeartPy is a different algorithm (peaks of the raw signal above a moving average);
    // Elgendi's detector picks maxima of the 0.5-8 Hz band-passed signal. ±3 samples is 30 ms.
    let tol = 3;
    let a = Agreement::of(&peaks, &hp, tol);
    a.report("HeartPy sample PPG vs HeartPy 1.2.6 peaklist_accepted", tol);
    assert!(
        a.sensitivity() >= 95.0 && a.ppv() >= 95.0,
        "too few matches"
    );

    let mean_ibi_ms =
        1000.0 * (peaks[peaks.len() - 1] - peaks[0]) as f64 / (peaks.len() - 1) as f64 / rate;
    let bpm = 60_000.0 / mean_ibi_ms;
    let bpm_ref = reference["measures"]["bpm"].as_f64().unwrap();
    println!("HeartPy sample PPG mean HR: ours {bpm:.3} bpm, HeartPy {bpm_ref:.3} bpm");
    assert!((bpm - bpm_ref).abs() / bpm_ref < 0.02);
}
