//! PhysioNet WFDB records (header + format-212 signal file, e.g. MIT-BIH), scaled to
//! physical units the way `wfdb.rdrecord` (wfdb-python 4.x) does, so real ECG recordings
//! can feed the beat detectors and the `hrv` command.

use super::dsp::is_valid_rate;

/// Why a WFDB record could not be read; each variant names what is wrong with the input.
#[derive(Debug, thiserror::Error)]
pub enum WfdbError {
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

/// One signal line of a WFDB header, reduced to what format-212 decoding needs.
struct SignalSpec {
    file: String,
    format: String,
    gain: f64,
    baseline: f64,
}

fn bad_line(line: usize, problem: impl Into<String>) -> WfdbError {
    WfdbError::BadHeaderLine {
        line,
        problem: problem.into(),
    }
}

/// Leading number of a WFDB field such as `360/0.5(0)` or `200(0)/mV`, plus the rest.
fn split_number(field: &str) -> (&str, &str) {
    let end = field.find(['/', '(']).unwrap_or(field.len());
    (&field[..end], &field[end..])
}

fn parse_signal_line(line_no: usize, fields: &[&str]) -> Result<SignalSpec, WfdbError> {
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
) -> Result<(f64, Vec<f64>), WfdbError> {
    let mut lines = header_text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty() && !l.starts_with('#'));

    let (rec_line, rec) = lines.next().ok_or(WfdbError::MissingRecordLine)?;
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
        return Err(WfdbError::BadRate {
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
        return Err(WfdbError::MissingSignalLines {
            declared: n_signals,
            found: specs.len(),
        });
    }
    if channel >= n_signals {
        return Err(WfdbError::ChannelOutOfRange { channel, n_signals });
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
            return Err(WfdbError::UnsupportedFormat {
                signal: i,
                format: s.format.clone(),
            });
        };
        if *byte_offset.get_or_insert(offset) != offset {
            return Err(WfdbError::UnsupportedFormat {
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
                return Err(WfdbError::TruncatedData {
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
            matches!(e, Err(WfdbError::BadHeaderLine { line: 2, .. })),
            "{e:?}"
        );
        let e = read_wfdb_212("r 1 360 10\nr.dat 16 200 11 0\n", &[0; 100], 0);
        assert!(
            matches!(e, Err(WfdbError::UnsupportedFormat { .. })),
            "{e:?}"
        );
        let e = read_wfdb_212("r 1 360 10\nr.dat 212 200 11 0\n", &[0; 14], 0);
        assert!(
            matches!(e, Err(WfdbError::TruncatedData { needed: 15, .. })),
            "{e:?}"
        );
        let e = read_wfdb_212("r 1 0 10\nr.dat 212 200 11 0\n", &[0; 15], 0);
        assert!(matches!(e, Err(WfdbError::BadRate { .. })), "{e:?}");
        let e = read_wfdb_212("r 1 -5 10\nr.dat 212 200 11 0\n", &[0; 15], 0);
        assert!(matches!(e, Err(WfdbError::BadRate { .. })), "{e:?}");
        let e = read_wfdb_212("r 2 360 10\nr.dat 212 200 11 0\n", &[0; 30], 0);
        assert!(matches!(
            e,
            Err(WfdbError::MissingSignalLines {
                declared: 2,
                found: 1
            })
        ));
        let e = read_wfdb_212("r 1 360 10\nr.dat 212 200 11 0\n", &[0; 15], 1);
        assert!(matches!(e, Err(WfdbError::ChannelOutOfRange { .. })));
        assert!(matches!(
            read_wfdb_212("# only\n\n", &[], 0),
            Err(WfdbError::MissingRecordLine)
        ));
        // No sample count: all complete frames are read.
        let (_, v) = read_wfdb_212("r 1 360\nr.dat 212 200 11 0\n", &[0; 7], 0).unwrap();
        assert_eq!(v.len(), 4);
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
