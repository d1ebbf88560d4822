//! A sensor that disappears mid-film: the confidence decays below the director's
//! fallback threshold during the gap and recovers when the sensor returns, with the
//! baseline kept (no restart), fed through the same source seam the player uses.

use livingfilm_biometrics::simulate::{simulate, Profile};
use livingfilm_biometrics::{FeatureConfig, FeatureExtractor, ReplaySource, SampleSource};

#[test]
fn confidence_decays_in_a_dropout_and_recovers_after() {
    let duration = 200.0; // sensor gone from 80 s to 120 s
    let mut src = ReplaySource::new(simulate(Profile::Dropout, duration, 11), "sim:dropout");
    let mut fx = FeatureExtractor::new(FeatureConfig::default());
    let mut batch = Vec::new();
    let mut at = |t: f64, fx: &mut FeatureExtractor| {
        src.poll(t, &mut batch);
        batch.drain(..).for_each(|s| fx.push(s));
        fx.features_at(t)
    };
    let mut series = Vec::new();
    for k in 0..(duration * 4.0) as u32 {
        let t = k as f64 * 0.25;
        series.push(at(t, &mut fx));
    }
    let q = |t: f64| series[(t * 4.0) as usize];
    assert!(
        q(70.0).quality > 0.8 && q(70.0).pupil_confidence > 0.8,
        "{:?}",
        q(70.0)
    );
    // 3 s grace, then a 2 s time constant: well below the 0.3 fallback by 90 s.
    assert!(
        q(82.0).quality > 0.3,
        "not dropped at the first missing beat"
    );
    assert!(q(90.0).quality < 0.3, "{:?}", q(90.0));
    assert!(q(110.0).quality < 0.01 && q(110.0).pupil_confidence < 0.01);
    // Back at 120 s: confidence and baseline-relative features resume.
    let back = q(130.0);
    assert!(
        back.quality > 0.8 && back.pupil_confidence > 0.8,
        "{back:?}"
    );
    assert!(back.hr_delta_bpm.abs() < 15.0, "baseline kept: {back:?}");
}
