//! Whole recordings for offline analysis (`livingfilm hrv`): RR series, replay files,
//! and raw ECG/PPG turned into beats, then artifact-corrected and summarised.
//!
//! Formats:
//! - `rr`: one RR/NN interval in ms per line (an optional header line and `#` comments);
//!   values outside 250–2500 ms are flagged with their line and left out.
//! - `csv` / `jsonl`: the replay formats (`replay.rs`); only RR readings are analysed.
//! - `ecg` / `ppg`: one sample per line, the last column of comma-, tab- or
//!   space-separated rows (so OpenSignals exports work), `#` comments; needs `--rate`.
//!   A WFDB header (`.hea`, format 212) is read with its own rate (channel 0).

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::artifacts::{correct_rr, Correction};
use super::hrv::{hrv_of, HrvWindow};
use super::peaks::{ecg_clean, ecg_peaks, ppg_peaks};
use super::plausible::RR_RANGE_MS;
use super::replay::parse_replay;
use super::wfdb::read_wfdb_212;
use super::HrvStats;
use super::Reading;

/// How a recording is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// Replay CSV (`t_s,rr_ms`, `rr_ms`, `t_s,hr_bpm`).
    Csv,
    /// Replay JSON lines (companion schema with `t`).
    Jsonl,
    /// One RR interval (ms) per line.
    Rr,
    /// Raw ECG samples.
    Ecg,
    /// Raw PPG samples.
    Ppg,
}

impl Format {
    /// The format a file name suggests (`.jsonl`, `.hea` → ECG, `.csv`, else RR lines).
    pub fn guess(path: &Path) -> Self {
        match path.extension().and_then(|e| e.to_str()) {
            Some("jsonl") => Self::Jsonl,
            Some("hea") => Self::Ecg,
            Some("csv") => Self::Csv,
            _ => Self::Rr,
        }
    }
}

/// Why a recording could not be analysed.
#[derive(Debug, thiserror::Error)]
pub enum RecordingError {
    /// Unreadable file.
    #[error("cannot read {path}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A replay-format problem (names file and line).
    #[error(transparent)]
    Replay(#[from] super::ReplayError),
    /// A WFDB record problem.
    #[error("{path}: {source}")]
    Wfdb {
        path: PathBuf,
        #[source]
        source: super::wfdb::WfdbError,
    },
    /// Anything else about the content, with the line where it applies.
    #[error("{path}{}: {what}", line.map(|l| format!(":{l}")).unwrap_or_default())]
    Content {
        path: PathBuf,
        line: Option<usize>,
        what: String,
    },
}

/// A line that was read but left out, and why.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Flagged {
    /// 1-based line number.
    pub line: usize,
    /// What was wrong with it.
    pub why: String,
}

/// The beats of one recording.
#[derive(Debug, Clone)]
pub struct Recording {
    /// RR intervals in ms, in order.
    pub rr_ms: Vec<f64>,
    /// Detected beat positions in samples (ECG/PPG only).
    pub peaks: Option<Vec<usize>>,
    /// Sampling rate of the raw signal (ECG/PPG only), Hz.
    pub rate_hz: Option<f64>,
    /// Lines left out.
    pub flagged: Vec<Flagged>,
}

/// Largest recording file read (a WFDB header or signal, a CSV), bytes.
pub const MAX_RECORDING_BYTES: u64 = 1 << 30;

fn read_text(path: &Path) -> Result<String, RecordingError> {
    let bytes =
        livingfilm_core::untrusted::read_bounded(path, MAX_RECORDING_BYTES).map_err(|source| {
            RecordingError::Io {
                path: path.to_owned(),
                source,
            }
        })?;
    String::from_utf8(bytes).map_err(|_| RecordingError::Content {
        path: path.to_owned(),
        line: None,
        what: "not a text file".into(),
    })
}

/// Reads a recording in `format`; `rate_hz` is required for raw ECG/PPG text.
pub fn load_recording(
    path: &Path,
    format: Format,
    rate_hz: Option<f64>,
) -> Result<Recording, RecordingError> {
    let content = |line: Option<usize>, what: String| RecordingError::Content {
        path: path.to_owned(),
        line,
        what,
    };
    match format {
        Format::Csv | Format::Jsonl => {
            let samples = parse_replay(&read_text(path)?, path)?;
            let rr_ms: Vec<f64> = samples
                .iter()
                .filter_map(|s| match s.reading {
                    Reading::Rr { ms } => Some(ms),
                    _ => None,
                })
                .collect();
            Ok(Recording {
                rr_ms,
                peaks: None,
                rate_hz: None,
                flagged: Vec::new(),
            })
        }
        Format::Rr => {
            let text = read_text(path)?;
            let mut rr_ms = Vec::new();
            let mut flagged = Vec::new();
            let mut header_seen = false;
            for (i, raw) in text.lines().enumerate() {
                let line = raw.trim();
                if line.is_empty() || line.starts_with('#') {
                    continue;
                }
                match line.parse::<f64>() {
                    Ok(v) if v.is_finite() && (RR_RANGE_MS.0..=RR_RANGE_MS.1).contains(&v) => {
                        rr_ms.push(v)
                    }
                    Ok(v) => flagged.push(Flagged {
                        line: i + 1,
                        why: format!("RR {v} ms outside {}..{} ms", RR_RANGE_MS.0, RR_RANGE_MS.1),
                    }),
                    Err(_) if !header_seen && rr_ms.is_empty() && flagged.is_empty() => {
                        header_seen = true; // a header such as `rr_ms`
                    }
                    Err(_) => flagged.push(Flagged {
                        line: i + 1,
                        why: format!("`{}` is not a number", truncate(line)),
                    }),
                }
            }
            Ok(Recording {
                rr_ms,
                peaks: None,
                rate_hz: None,
                flagged,
            })
        }
        Format::Ecg | Format::Ppg => {
            let (rate, signal, flagged) = if path.extension().is_some_and(|e| e == "hea") {
                let header = read_text(path)?;
                let dat = path.with_extension("dat");
                let bytes = livingfilm_core::untrusted::read_bounded(&dat, MAX_RECORDING_BYTES)
                    .map_err(|source| RecordingError::Io {
                        path: dat.clone(),
                        source,
                    })?;
                let (rate, signal) =
                    read_wfdb_212(&header, &bytes, 0).map_err(|source| RecordingError::Wfdb {
                        path: path.to_owned(),
                        source,
                    })?;
                (rate, signal, Vec::new())
            } else {
                let rate =
                    rate_hz.ok_or_else(|| content(None, "raw ECG/PPG needs --rate HZ".into()))?;
                let (signal, flagged) = read_samples(&read_text(path)?);
                (rate, signal, flagged)
            };
            if !(rate.is_finite() && (10.0..=100_000.0).contains(&rate)) {
                return Err(content(
                    None,
                    format!("sampling rate {rate} Hz is not usable"),
                ));
            }
            if signal.len() < (rate * 2.0) as usize {
                return Err(content(
                    None,
                    format!("only {} samples: need at least 2 s of signal", signal.len()),
                ));
            }
            let peaks = if format == Format::Ecg {
                ecg_peaks(&ecg_clean(&signal, rate), rate)
            } else {
                ppg_peaks(&signal, rate)
            };
            let rr_ms = peaks
                .windows(2)
                .map(|w| (w[1] - w[0]) as f64 * 1000.0 / rate)
                .collect();
            Ok(Recording {
                rr_ms,
                peaks: Some(peaks),
                rate_hz: Some(rate),
                flagged,
            })
        }
    }
}

fn truncate(s: &str) -> String {
    s.chars().take(40).collect()
}

/// Parses raw samples (last column of each row); bad rows are flagged, not fatal.
fn read_samples(text: &str) -> (Vec<f64>, Vec<Flagged>) {
    let mut signal = Vec::new();
    let mut flagged = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let last = line
            .split([',', '\t', ' ', ';'])
            .rfind(|f| !f.is_empty())
            .unwrap_or("");
        match last.parse::<f64>() {
            Ok(v) if v.is_finite() => signal.push(v),
            _ if signal.is_empty() && flagged.is_empty() => {} // a header line
            _ => {
                flagged.push(Flagged {
                    line: i + 1,
                    why: format!("`{}` is not a sample value", truncate(last)),
                });
                // Hold the previous value so beat timing stays on the sample grid.
                if let Some(&prev) = signal.last() {
                    signal.push(prev);
                }
            }
        }
    }
    (signal, flagged)
}

/// Statistics at one instant of the recording, for the three window lengths.
#[derive(Debug, Clone, serde::Serialize)]
pub struct WindowRow {
    /// End of the windows, seconds from the first beat.
    pub t_s: f64,
    /// Trailing 10 s window.
    pub w10: HrvStats,
    /// Trailing 30 s window.
    pub w30: HrvStats,
    /// Trailing 60 s window.
    pub w60: HrvStats,
}

/// Counts of corrected beats by kind.
#[derive(Debug, Clone, Copy, Default, serde::Serialize)]
pub struct CorrectionCounts {
    /// Ectopic beats replaced.
    pub ectopic: usize,
    /// Missed beats inserted.
    pub missed: usize,
    /// Extra beats removed.
    pub extra: usize,
    /// Long/short (misaligned) beats moved.
    pub long_short: usize,
    /// Passes the iterative correction needed.
    pub iterations: usize,
}

impl From<&Correction> for CorrectionCounts {
    fn from(c: &Correction) -> Self {
        Self {
            ectopic: c.ectopic,
            missed: c.missed,
            extra: c.extra,
            long_short: c.long_short,
            iterations: c.iterations,
        }
    }
}

/// Quality summary.
#[derive(Debug, Clone, Serialize)]
pub struct Quality {
    /// Lines left out of the file.
    pub flagged_lines: usize,
    /// First few of them, with reasons.
    pub flagged: Vec<Flagged>,
    /// Share of beats the correction changed, %.
    pub corrected_pct: f64,
    /// Longest gap between beats, s.
    pub longest_gap_s: f64,
    /// A plain verdict: good (< 5 % corrected), fair (< 20 %), poor.
    pub verdict: &'static str,
}

/// Everything `livingfilm hrv` reports (field names carry their units).
#[derive(Debug, Clone, Serialize)]
pub struct HrvReport {
    /// Input file.
    pub recording: String,
    /// How it was read.
    pub format: Format,
    /// RR intervals analysed (after correction).
    pub beats: usize,
    /// Sum of the corrected RR intervals, s.
    pub duration_s: f64,
    /// Whole recording, after artifact correction.
    pub whole: HrvStats,
    /// Whole recording, as read.
    pub whole_uncorrected: HrvStats,
    /// Corrected beats by kind.
    pub corrected: CorrectionCounts,
    /// Windowed statistics every `step_s`.
    pub windows: Vec<WindowRow>,
    /// Signal quality.
    pub quality: Quality,
}

/// Corrects and summarises a recording; windows are reported every `step_s` seconds.
pub fn analyse(
    rec: &Recording,
    path: &Path,
    format: Format,
    step_s: f64,
) -> Result<HrvReport, RecordingError> {
    if rec.rr_ms.len() < 3 {
        return Err(RecordingError::Content {
            path: path.to_owned(),
            line: None,
            what: format!("only {} RR intervals: need at least 3", rec.rr_ms.len()),
        });
    }
    let (rr, counts) = match correct_rr(&rec.rr_ms) {
        Ok((rr, c)) => (rr, CorrectionCounts::from(&c)),
        Err(e) => {
            return Err(RecordingError::Content {
                path: path.to_owned(),
                line: None,
                what: format!("artifact correction failed: {e}"),
            })
        }
    };
    let changed = counts.ectopic + counts.missed + counts.extra + counts.long_short;
    let corrected_pct = 100.0 * changed as f64 / rec.rr_ms.len() as f64;
    let mut windows = Vec::new();
    let mut w = [10.0, 30.0, 60.0].map(HrvWindow::new);
    let mut t = 0.0;
    let mut next = step_s.max(1.0);
    for &nn in &rr {
        t += nn / 1000.0;
        while t >= next {
            w.iter_mut().for_each(|w| w.evict(next));
            windows.push(WindowRow {
                t_s: next,
                w10: w[0].stats(),
                w30: w[1].stats(),
                w60: w[2].stats(),
            });
            next += step_s.max(1.0);
        }
        w.iter_mut().for_each(|w| w.push(t, nn));
    }
    Ok(HrvReport {
        recording: path.display().to_string(),
        format,
        beats: rr.len(),
        duration_s: t,
        whole: hrv_of(&rr),
        whole_uncorrected: hrv_of(&rec.rr_ms),
        corrected: counts,
        windows,
        quality: Quality {
            flagged_lines: rec.flagged.len(),
            flagged: rec.flagged.iter().take(10).cloned().collect(),
            corrected_pct,
            longest_gap_s: rr.iter().copied().fold(0.0, f64::max) / 1000.0,
            verdict: match corrected_pct {
                p if p < 5.0 => "good",
                p if p < 20.0 => "fair",
                _ => "poor",
            },
        },
    })
}
