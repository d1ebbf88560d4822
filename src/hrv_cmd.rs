//! `livingfilm hrv`: time-domain HRV of a recording, for people checking a sensor or a
//! viewer file before it drives a film.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use livingfilm_biometrics::recording::{analyse, load_recording, Format, HrvReport};
use livingfilm_biometrics::HrvStats;

use crate::choices::FormatChoice;

/// Time-domain HRV of a recording: MeanNN, SDNN, RMSSD, pNN50 and HR for the whole
/// recording (after Kubios-style artifact correction) and for trailing 10/30/60 s
/// windows every --step seconds, the corrected beats by kind and a quality summary.
///
/// Definitions: SDNN uses n−1; RMSSD = sqrt(mean(ΔNN²)); pNN50 = % of successive
/// differences above 50 ms per NN interval (NeuroKit2's convention); HR = 60000/MeanNN.
///
/// Examples:
///   livingfilm hrv nn.csv --format rr
///   livingfilm hrv ecg.txt --format ecg --rate 1000 --beats beats.csv
///   livingfilm hrv 100.hea --json
#[derive(clap::Args)]
pub struct HrvArgs {
    /// Recording: RR lines, replay CSV/JSONL, raw ECG/PPG text, or a WFDB .hea.
    recording: PathBuf,
    /// Layout of the file (guessed from the extension when left out).
    #[arg(long, value_enum)]
    format: Option<FormatChoice>,
    /// Sampling rate of raw ECG/PPG text, Hz.
    #[arg(long, value_name = "HZ")]
    rate: Option<f64>,
    /// Print JSON (fields carry their units: _ms, _bpm, _pct, _s) instead of tables.
    #[arg(long)]
    json: bool,
    /// Seconds between windowed rows.
    #[arg(long, default_value_t = 30.0, value_name = "S")]
    step: f64,
    /// For ECG/PPG: write the detected beats (sample index and time) to this CSV.
    #[arg(long, value_name = "OUT.csv")]
    beats: Option<PathBuf>,
}

/// Runs the command.
pub fn run(a: HrvArgs) -> anyhow::Result<()> {
    let format = a
        .format
        .map_or_else(|| Format::guess(&a.recording), Into::into);
    let rec = load_recording(&a.recording, format, a.rate)?;
    if let Some(out) = &a.beats {
        let (Some(peaks), Some(rate)) = (&rec.peaks, rec.rate_hz) else {
            anyhow::bail!("--beats needs a raw ECG or PPG recording (--format ecg|ppg)");
        };
        let mut f = std::io::BufWriter::new(
            std::fs::File::create(out)
                .with_context(|| format!("cannot create {}", out.display()))?,
        );
        writeln!(f, "sample,t_s")?;
        for &p in peaks {
            writeln!(f, "{p},{:.6}", p as f64 / rate)?;
        }
        f.flush()?;
    }
    let report = analyse(&rec, &a.recording, format, a.step)?;
    if a.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_tables(&report);
    }
    Ok(())
}

fn row(label: &str, s: &HrvStats) -> String {
    format!(
        "{label:>12} {:>5} {:>9.1} {:>8.1} {:>8.1} {:>7.1} {:>7.1}",
        s.n, s.mean_nn_ms, s.sdnn_ms, s.rmssd_ms, s.pnn50_pct, s.hr_bpm
    )
}

fn print_tables(r: &HrvReport) {
    println!(
        "{}: {} beats over {:.1} s ({:?})",
        r.recording, r.beats, r.duration_s, r.format
    );
    let header = format!(
        "{:>12} {:>5} {:>9} {:>8} {:>8} {:>7} {:>7}",
        "", "n", "MeanNN ms", "SDNN ms", "RMSSD ms", "pNN50 %", "HR bpm"
    );
    println!("{header}");
    println!("{}", row("whole", &r.whole));
    println!("{}", row("uncorrected", &r.whole_uncorrected));
    let c = &r.corrected;
    println!(
        "corrected beats: {} ectopic, {} missed, {} extra, {} long/short ({} pass(es))",
        c.ectopic, c.missed, c.extra, c.long_short, c.iterations
    );
    let q = &r.quality;
    println!(
        "quality: {} ({:.1} % of beats corrected, longest RR {:.2} s, {} line(s) left out)",
        q.verdict, q.corrected_pct, q.longest_gap_s, q.flagged_lines
    );
    for f in &q.flagged {
        println!("  line {}: {}", f.line, f.why);
    }
    if !r.windows.is_empty() {
        println!("\ntrailing windows (10 / 30 / 60 s):\n{header}");
        for w in &r.windows {
            for (len, s) in [(10, &w.w10), (30, &w.w30), (60, &w.w60)] {
                println!("{}", row(&format!("{:.0}s/{len}s", w.t_s), s));
            }
        }
    }
}
