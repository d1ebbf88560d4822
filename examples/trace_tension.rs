//! Prints the tension estimate over time for a replay file (a quick look at a viewer).
//!
//! `cargo run --example trace_tension -- assets/demo/viewers/tense.csv`

use std::path::PathBuf;

use livingfilm_biometrics::{load_replay, FeatureConfig, FeatureExtractor, FEATURE_RATE_HZ};
use livingfilm_inference::TensionModel;

fn main() -> anyhow::Result<()> {
    // Before any thread starts (docs/privacy.md: onnxruntime's telemetry).
    livingfilm_inference::runtime::disable_vendor_telemetry();
    let path: PathBuf = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "assets/demo/viewers/tense.csv".into())
        .into();
    let samples = load_replay(&path)?;
    let mut model = TensionModel::load(std::path::Path::new("models/tension.onnx"))?;
    let mut fx = FeatureExtractor::new(FeatureConfig::default());
    let mut it = samples.into_iter().peekable();
    for k in 0..(40.0 * FEATURE_RATE_HZ) as u64 {
        let t = k as f64 / FEATURE_RATE_HZ;
        while let Some(s) = it.next_if(|s| s.t <= t) {
            fx.push(s);
        }
        let f = fx.features_at(t);
        let e = model.estimate(&f)?;
        if k % 4 == 0 {
            println!(
                "t={t:5.1}s  hr_delta={:+6.1} bpm  ln_rmssd_ratio={:+.2}  quality={:.2}  tension={:.2}",
                f.hr_delta_bpm, f.rmssd_ln_ratio, f.quality, e.tension
            );
        }
    }
    Ok(())
}
