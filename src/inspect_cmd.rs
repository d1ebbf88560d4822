//! `livingfilm inspect`: what a stem really contains, for film makers checking stems
//! before they go into a manifest.

use std::path::PathBuf;

use anyhow::Context;
use livingfilm::audio::inspect::{analyze, AudioStats};

/// Decode an audio file and print codec, rate, channels, bit depth, length in frames,
/// and RMS and peak per channel (dBFS re full scale) of the decoded signal: the
/// figures `ffprobe` and `ffmpeg -af astats` users know. Encoder delay and padding
/// declared by the file (MP3, AAC) are trimmed first, as ffmpeg does.
///
/// Formats: WAV (16/24/32-bit integer, float), FLAC, Ogg Vorbis, MP3, AAC/M4A, ALAC,
/// AIFF, CAF, MKV/WebM audio.
///
/// Examples:
///   livingfilm inspect assets/demo/audio/pad.wav
///   livingfilm inspect stems/drums.flac --json
#[derive(clap::Args)]
pub struct InspectArgs {
    /// The audio file.
    file: PathBuf,
    /// Print JSON (fields carry their units: _hz, _s, _dbfs).
    #[arg(long)]
    json: bool,
}

fn db(x: Option<f64>) -> String {
    x.map_or("-inf".into(), |v| format!("{v:.2}"))
}

fn print_table(s: &AudioStats) {
    println!("file       {}", s.file);
    println!("codec      {} ({})", s.codec, s.codec_long);
    println!("rate       {} Hz", s.sample_rate_hz);
    println!("channels   {}", s.channels);
    match s.bits_per_sample {
        Some(b) => println!("bit depth  {b}"),
        None => println!("bit depth  - (lossy)"),
    }
    println!("frames     {} ({:.3} s)", s.frames, s.duration_s);
    if s.skipped_packets > 0 {
        println!(
            "warning    {} packet(s) failed to decode and were skipped",
            s.skipped_packets
        );
    }
    println!();
    println!("channel  rms dBFS  peak dBFS      peak     mean");
    for c in 0..s.channels {
        println!(
            "{c:>7}  {:>8}  {:>9}  {:>8.5}  {:>7.5}",
            db(s.rms_dbfs[c]),
            db(s.peak_dbfs[c]),
            s.peak[c],
            s.mean[c]
        );
    }
}

pub fn run(args: InspectArgs) -> anyhow::Result<()> {
    let stats = analyze(&args.file)?;
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&stats).context("writing JSON")?
        );
    } else {
        print_table(&stats);
    }
    Ok(())
}
