//! Cost per beat of the incremental biometric update: gate, three HRV windows
//! (10/30/60 s), baseline, then the features read back, over a real NN series
//! (pyHRV's SampleNNISeriesLong, 4.7k beats) replayed many times.
//! `scripts/bench_hrv.sh` runs NeuroKit2 on the same windows and prints the ratio.
//!
//! `cargo bench --bench hrv_update -- --bench`; under `cargo test` a short smoke pass runs.

use std::path::Path;
use std::time::Instant;

use livingfilm_biometrics::{FeatureConfig, FeatureExtractor, Reading, Sample};

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/physio/nni/SampleNNISeriesLong.csv");
    let nn: Vec<f64> = std::fs::read_to_string(&path)
        .expect("series")
        .lines()
        .filter_map(|l| l.trim().parse().ok())
        .collect();
    let reps = if full { 200 } else { 2 };
    let mut beats = 0u64;
    let mut checksum = 0.0f64;
    let start = Instant::now();
    for _ in 0..reps {
        let mut fx = FeatureExtractor::new(FeatureConfig::default());
        let mut t = 0.0;
        for &x in &nn {
            t += x / 1000.0;
            fx.push(Sample {
                t,
                reading: Reading::Rr { ms: x },
            });
            // What the director sees after every beat: all windows' statistics.
            let f = fx.features_at(t);
            checksum += f.hrv[2].rmssd_ms;
            beats += 1;
        }
    }
    let per_beat_ns = start.elapsed().as_secs_f64() * 1e9 / beats as f64;
    println!(
        "incremental update + features per beat (10/30/60 s windows): {per_beat_ns:.1} ns over {beats} beats (checksum {checksum:.3})"
    );
}
