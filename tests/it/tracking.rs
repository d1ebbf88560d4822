//! The tracking harness: a simulated audience (bodies driven by the documented viewer
//! response model, read through the real feature extractor and ONNX model) follows the
//! director's curve more closely when steered than when shown the fixed director's cut,
//! and no steered cut breaks a guardrail.

use crate::common;

use std::sync::Arc;

use livingfilm_director::Film;
use livingfilm_inference::TensionModel;

#[test]
fn steering_lowers_the_tracking_error_without_breaking_guardrails() {
    let root = common::root();
    let film = Arc::new(Film::load(&root.join("assets/arc")).unwrap());
    let mut model = TensionModel::load(&root.join("models/tension.onnx")).unwrap();
    let report = livingfilm_cli::tracking::run(film, &mut model, 24, 7, None, |_| {}).unwrap();
    assert_eq!(report.violations, 0, "{:?}", report.viewers);
    assert_eq!(report.viewers.len(), 24);
    // Measured on 1000 viewers: 40 % lower on a first viewing, 49 % on a second one from
    // the stored profile (BENCHMARKS.md); this audience gives 41 % and 49 % (38 % and
    // 46 % before the fit's low-pass). Regression guards here.
    assert!(
        report.reduction > 0.39,
        "fixed {:.4}, steered {:.4}",
        report.fixed_mae,
        report.adaptive_mae
    );
    assert!(
        report.returning_mae < 0.58 * report.fixed_mae
            && report.returning_mae < report.adaptive_mae,
        "second viewing {:.4} vs first {:.4}, fixed {:.4}",
        report.returning_mae,
        report.adaptive_mae,
        report.fixed_mae
    );
    assert!(report.known_mae <= report.returning_mae + 0.005);
    // Hard-to-move viewers gain most: the fixed cut leaves them furthest from the curve.
    let hard: Vec<_> = report
        .viewers
        .iter()
        .filter(|v| v.viewer.sensitivity < 0.8)
        .collect();
    assert!(!hard.is_empty());
    let mean = |f: fn(&livingfilm_cli::tracking::ViewerResult) -> f64| {
        hard.iter().map(|v| f(v)).sum::<f64>() / hard.len() as f64
    };
    assert!(mean(|v| v.adaptive_mae) < 0.85 * mean(|v| v.fixed_mae));
    // The calibration the bodies use is monotone and spans the tension scale.
    let reads = &report.calibration.reads;
    assert!(reads.windows(2).all(|w| w[0] <= w[1]));
    assert!(reads[0] < 0.15 && reads[reads.len() - 1] > 0.9, "{reads:?}");
    // Same seed, same audience, same figures.
    let film = Arc::new(Film::load(&root.join("assets/arc")).unwrap());
    let again = livingfilm_cli::tracking::run(film, &mut model, 4, 7, Some(0.0), |_| {}).unwrap();
    assert_eq!(
        again.viewers[0].adaptive_mae,
        report.viewers[0].adaptive_mae
    );
    // Revealed from the first second, a viewing is the bound's viewing.
    for v in &again.viewers {
        assert_eq!(v.revealed_mae, Some(v.known_mae));
    }
    assert!(report.revealed.is_none() && report.viewers[0].revealed_mae.is_none());
    // The first viewing learns its viewer: from the prior (RMS about 0.35 for this
    // population) to within about 0.1 by the climax.
    let rms = &report.learning_rms;
    assert!(rms.len() >= 10, "{rms:?}");
    assert!(rms[0].1 > 0.25 && rms[8].1 < 0.15, "{rms:?}");
}
