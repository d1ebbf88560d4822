//! Latency from a sensor update to a directive, and raw tension-model throughput.
//!
//! `cargo bench --bench sensor_to_directive` prints p50/p99 of: pushing one tick's
//! beats into the feature extractor, computing features, running the ONNX model and
//! stepping the director's controller. Under `cargo test` it runs a short smoke pass.

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use livingfilm_biometrics::{load_replay, FeatureConfig, FeatureExtractor, FEATURE_RATE_HZ};
use livingfilm_director::{Controller, DirectorEvent, Film};
use livingfilm_inference::{TensionModel, N_FEATURES};

fn percentile(sorted: &[u64], p: f64) -> f64 {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1] as f64 / 1e3
}

fn main() -> anyhow::Result<()> {
    // Before any thread starts (docs/privacy.md: onnxruntime's telemetry).
    livingfilm_inference::runtime::disable_vendor_telemetry();
    let full = std::env::args().any(|a| a == "--bench");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let film = Arc::new(Film::load(&root.join("assets/demo"))?);
    let samples = load_replay(&root.join("assets/demo/viewers/tense.csv"))?;
    let mut model = TensionModel::load(&root.join("models/tension.onnx"))?;
    let dt = 1.0 / FEATURE_RATE_HZ;
    let span = samples.last().map_or(1.0, |s| s.t);
    let viewings = if full { 400 } else { 2 };

    let mut ticks = Vec::new();
    for _ in 0..viewings {
        let mut fx = FeatureExtractor::new(FeatureConfig::default());
        let mut ctl = Controller::new(film.clone());
        let mut next = samples.iter().copied().peekable();
        for k in 0.. {
            let t = k as f64 * dt;
            if t > span {
                break;
            }
            let start = Instant::now();
            while let Some(s) = next.next_if(|s| s.t <= t) {
                fx.push(s);
            }
            let f = fx.features_at(t);
            let est = model.estimate(&f)?;
            let step = ctl.tick(&est, dt);
            let ns = start.elapsed().as_nanos() as u64;
            std::hint::black_box(&step);
            ticks.push(ns);
            if step
                .events
                .iter()
                .any(|e| matches!(e, DirectorEvent::End { .. }))
            {
                break;
            }
        }
    }
    ticks.sort_unstable();
    println!(
        "sensor->directive: {} ticks, p50 {:.2} us, p99 {:.2} us, max {:.2} us",
        ticks.len(),
        percentile(&ticks, 50.0),
        percentile(&ticks, 99.0),
        percentile(&ticks, 100.0)
    );

    let runs = if full { 200_000 } else { 1_000 };
    let x: [f32; N_FEATURES] = [0.5, -0.2, 0.3, 1.0];
    let mut calls = Vec::with_capacity(runs);
    for _ in 0..runs {
        let start = Instant::now();
        std::hint::black_box(model.run_raw(std::hint::black_box(&x))?);
        calls.push(start.elapsed().as_nanos() as u64);
    }
    calls.sort_unstable();
    let mean = calls.iter().sum::<u64>() as f64 / runs as f64;
    println!(
        "tension model: {runs} runs, p50 {:.2} us, p99 {:.2} us, {:.0} inferences/s",
        percentile(&calls, 50.0),
        percentile(&calls, 99.0),
        1e9 / mean
    );
    Ok(())
}
