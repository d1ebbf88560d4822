//! `inspect` for audio: what a stem or stinger holds, as the decoder reads it.

use std::path::Path;

use livingfilm_audio::inspect::{analyze, AudioStats};

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

pub fn audio(file: &Path, json: bool) -> anyhow::Result<()> {
    let stats = analyze(file)?;
    if json {
        super::print_json(&stats)
    } else {
        print_table(&stats);
        Ok(())
    }
}
