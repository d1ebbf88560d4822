//! Replay files: recorded or simulated viewers, as CSV.
//!
//! Format (documented in README "Biometric replay files"): `#` comments, one header
//! line naming the columns, then one row per reading. Accepted headers:
//! - `t_s,rr_ms`: time the beat ended (seconds) and the RR interval (ms);
//! - `rr_ms`: RR intervals only, times are their running sum;
//! - `t_s,hr_bpm`: heart rate readings from a sensor without RR data.
//!
//! Or JSON lines (first content line starts with `{`): the companion schema
//! (`companion.rs`: `t`, `hr`, `rr`, `pupil_mm`) with `t` required, in viewing seconds.

use std::path::{Path, PathBuf};

use super::plausible::{HR_RANGE_BPM, RR_RANGE_MS};
use super::{Reading, Sample};

/// Why a replay file could not be read; always names the file and, where it applies, the line.
#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    /// The file could not be opened or read.
    #[error("cannot read biometric replay {path}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The file is not UTF-8 text.
    #[error("{path}: not a text file (replay files are UTF-8 CSV)")]
    NotText { path: PathBuf },
    /// No header line was found.
    #[error("{path}: empty replay file (expected a header such as `t_s,rr_ms`)")]
    Empty { path: PathBuf },
    /// The header names columns this reader does not know.
    #[error(
        "{path}:{line}: unknown header `{header}` (expected `t_s,rr_ms`, `rr_ms` or `t_s,hr_bpm`)"
    )]
    Header {
        path: PathBuf,
        line: usize,
        header: String,
    },
    /// A row is malformed or out of range.
    #[error("{path}:{line}: {what}")]
    Row {
        path: PathBuf,
        line: usize,
        what: String,
    },
}

#[derive(Clone, Copy)]
enum Layout {
    TimeRr,
    RrOnly,
    TimeHr,
}

/// Largest replay file read, bytes: a 3-hour 250 Hz recording as CSV is about 100 MB.
pub const MAX_REPLAY_BYTES: u64 = 256 << 20;

/// Reads and validates a replay file (a regular file of at most [`MAX_REPLAY_BYTES`]).
pub fn load_replay(path: &Path) -> Result<Vec<Sample>, ReplayError> {
    let bytes =
        livingfilm_core::untrusted::read_bounded(path, MAX_REPLAY_BYTES).map_err(|source| {
            ReplayError::Io {
                path: path.to_owned(),
                source,
            }
        })?;
    let text = String::from_utf8(bytes).map_err(|_| ReplayError::NotText {
        path: path.to_owned(),
    })?;
    parse_replay(&text, path)
}

/// Parses replay text; `path` is only used in error messages.
pub fn parse_replay(text: &str, path: &Path) -> Result<Vec<Sample>, ReplayError> {
    let row_err = |line: usize, what: String| ReplayError::Row {
        path: path.to_owned(),
        line,
        what: livingfilm_core::untrusted::shorten_quotes(&what),
    };
    let mut layout = None;
    let mut samples = Vec::new();
    let mut clock = 0.0f64;
    for (idx, raw) in text.lines().enumerate() {
        let line_no = idx + 1;
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if layout.is_none() && line.starts_with('{') {
            return parse_jsonl(text, path);
        }
        let Some(layout) = layout else {
            let header: Vec<&str> = line.split(',').map(str::trim).collect();
            layout = Some(match header.as_slice() {
                ["t_s", "rr_ms"] => Layout::TimeRr,
                ["rr_ms"] => Layout::RrOnly,
                ["t_s", "hr_bpm"] => Layout::TimeHr,
                _ => {
                    return Err(ReplayError::Header {
                        path: path.to_owned(),
                        line: line_no,
                        header: line.to_owned(),
                    })
                }
            });
            continue;
        };
        let fields: Vec<&str> = line.split(',').map(str::trim).collect();
        let want = if matches!(layout, Layout::RrOnly) {
            1
        } else {
            2
        };
        if fields.len() != want {
            return Err(row_err(
                line_no,
                format!("expected {want} field(s), found {}", fields.len()),
            ));
        }
        let num = |i: usize, name: &str| -> Result<f64, ReplayError> {
            let v: f64 = fields[i]
                .parse()
                .map_err(|_| row_err(line_no, format!("{name} `{}` is not a number", fields[i])))?;
            if v.is_finite() {
                Ok(v)
            } else {
                Err(row_err(line_no, format!("{name} is not finite")))
            }
        };
        let in_range = |v: f64, (lo, hi): (f64, f64), name: &str| {
            if (lo..=hi).contains(&v) {
                Ok(v)
            } else {
                Err(row_err(line_no, format!("{name} {v} outside {lo}..{hi}")))
            }
        };
        let sample = match layout {
            Layout::TimeRr => Sample {
                t: num(0, "t_s")?,
                reading: Reading::Rr {
                    ms: in_range(num(1, "rr_ms")?, RR_RANGE_MS, "rr_ms")?,
                },
            },
            Layout::RrOnly => {
                let ms = in_range(num(0, "rr_ms")?, RR_RANGE_MS, "rr_ms")?;
                clock += ms / 1000.0;
                Sample {
                    t: clock,
                    reading: Reading::Rr { ms },
                }
            }
            Layout::TimeHr => Sample {
                t: num(0, "t_s")?,
                reading: Reading::Hr {
                    bpm: in_range(num(1, "hr_bpm")?, HR_RANGE_BPM, "hr_bpm")?,
                },
            },
        };
        if sample.t < 0.0 {
            return Err(row_err(line_no, format!("t_s {} is negative", sample.t)));
        }
        if let Some(prev) = samples.last().map(|s: &Sample| s.t) {
            if sample.t <= prev {
                return Err(row_err(
                    line_no,
                    format!("t_s {} does not increase (previous {prev})", sample.t),
                ));
            }
        }
        samples.push(sample);
    }
    if layout.is_none() {
        return Err(ReplayError::Empty {
            path: path.to_owned(),
        });
    }
    Ok(samples)
}

/// JSON-lines replay: the companion schema (`companion.rs`) with `t` required and
/// taken as viewing time.
fn parse_jsonl(text: &str, path: &Path) -> Result<Vec<Sample>, ReplayError> {
    let mut clock = super::companion::StreamClock::absolute();
    let mut samples = Vec::new();
    for (idx, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let row_err = |what: String| ReplayError::Row {
            path: path.to_owned(),
            line: idx + 1,
            what: livingfilm_core::untrusted::shorten_quotes(&what),
        };
        let got = super::companion::parse_line(line, f64::NAN, &mut clock)
            .map_err(|e| row_err(e.to_string()))?;
        if got.iter().any(|s| !s.t.is_finite() || s.t < 0.0) {
            return Err(row_err("`t` (seconds of viewing, >= 0) is required".into()));
        }
        samples.extend(got);
    }
    if samples.is_empty() {
        return Err(ReplayError::Empty {
            path: path.to_owned(),
        });
    }
    samples.sort_by(|a, b| a.t.total_cmp(&b.t));
    Ok(samples)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<Vec<Sample>, ReplayError> {
        parse_replay(s, Path::new("v.csv"))
    }

    #[test]
    fn reads_all_layouts() {
        let a = parse("# calm\nt_s,rr_ms\n0.8,800\n1.6,800\n").unwrap();
        assert_eq!(a.len(), 2);
        assert_eq!(a[1].reading, Reading::Rr { ms: 800.0 });
        let b = parse("rr_ms\n1000\n500\n").unwrap();
        assert!((b[1].t - 1.5).abs() < 1e-12);
        let c = parse("t_s,hr_bpm\n1,60\n2,61.5\n").unwrap();
        assert_eq!(c[1].reading, Reading::Hr { bpm: 61.5 });
    }

    #[test]
    fn errors_name_the_line() {
        let e = parse("t_s,rr_ms\n1,800\n2,9000\n").unwrap_err().to_string();
        assert!(e.starts_with("v.csv:3:"), "{e}");
        assert!(e.contains("rr_ms 9000"), "{e}");
        let e = parse("t_s,rr_ms\n2,800\n1,800\n").unwrap_err().to_string();
        assert!(
            e.contains("v.csv:3:") && e.contains("does not increase"),
            "{e}"
        );
        let e = parse("time,ibi\n").unwrap_err().to_string();
        assert!(e.contains("unknown header"), "{e}");
        assert!(matches!(
            parse("# nothing\n"),
            Err(ReplayError::Empty { .. })
        ));
        assert!(parse("t_s,rr_ms\n1,NaN\n").is_err());
        assert!(parse("t_s,rr_ms\n1,800,3\n").is_err());
        assert!(parse("t_s,rr_ms\n1,\n").is_err());
    }
}
