//! The viewer notice and the consent disclosure say what the code does, sentence by
//! sentence: what the estimate is made from, what it changes (placements included),
//! what a cut ID holds, and exactly what a record sent upstream carries.

use livingfilm_biometrics::Features;
use livingfilm_inference::{model_input, FEATURE_CONTRACT};
use livingfilm_uplink::consent::{ConsentStore, DISCLOSURE, DISCLOSURE_VERSION, NOTICE};
use livingfilm_uplink::ldp::RandomizedResponse;
use livingfilm_uplink::Record;

/// "from your heart rate and the variation between your heartbeats … pupil size … is not
/// used to estimate your tension": the model's inputs are heart rate and HRV alone.
#[test]
fn the_estimate_is_made_from_what_the_texts_name() {
    assert!(!FEATURE_CONTRACT.contains("pupil"), "{FEATURE_CONTRACT}");
    assert!(FEATURE_CONTRACT.contains("hr_") && FEATURE_CONTRACT.contains("rmssd"));
    let f = Features {
        hr_bpm: 80.0,
        rmssd_ms: 40.0,
        hr_delta_bpm: 6.0,
        rmssd_ln_ratio: -0.2,
        quality: 0.9,
        ..Features::default()
    };
    let wide_pupils = Features {
        pupil_mm: 7.5,
        pupil_z: 3.0,
        pupil_confidence: 1.0,
        ..f
    };
    assert_eq!(model_input(&f), model_input(&wide_pupils));
    assert!(DISCLOSURE.contains("heart rate and the\nvariation between your heartbeats"));
    assert!(DISCLOSURE.contains("it is not used to estimate your tension"));
    assert!(!NOTICE.contains("pupil"), "{NOTICE}");
    assert!(NOTICE.contains("heart rate"), "{NOTICE}");
}

/// Placements are chosen from the estimate (the drive's offset picks the item), and both
/// texts say so.
#[test]
fn both_texts_name_emotion_driven_placement() {
    assert!(NOTICE.contains("placements"), "{NOTICE}");
    assert!(DISCLOSURE.contains("product placements"), "{DISCLOSURE}");
    assert!(DISCLOSURE.contains("--placement-consent"), "{DISCLOSURE}");
    assert!(DISCLOSURE.contains("--profile") && DISCLOSURE.contains("cut ID"));
}

/// "one bit … the film's name and version, the scene's name, the noise level, a new random
/// name for each viewing and a random number for the report itself … Nothing else":
/// the record's fields are exactly those, and its delta is ±100 whatever the input.
#[test]
fn what_is_sent_is_what_the_disclosure_lists() {
    let json = serde_json::json!({
        "film_id": "f", "film_version": "v", "segment": "s", "tension_delta_pct": 100,
        "epsilon": 1.0, "viewing": "0123456789abcdef", "record": "fedcba9876543210"
    });
    let record: Record = serde_json::from_value(json.clone()).unwrap();
    let back = serde_json::to_value(&record).unwrap();
    let mut fields: Vec<&str> = back
        .as_object()
        .unwrap()
        .keys()
        .map(|k| k.as_str())
        .collect();
    fields.sort_unstable();
    assert_eq!(
        fields,
        [
            "epsilon",
            "film_id",
            "film_version",
            "record",
            "segment",
            "tension_delta_pct",
            "viewing"
        ]
    );
    let mut extra = json;
    extra["t"] = serde_json::json!(12.5);
    assert!(
        serde_json::from_value::<Record>(extra).is_err(),
        "a field outside the list"
    );
    let rr = RandomizedResponse { epsilon: 1.0 };
    let mut k = 0u32;
    let mut uniform = || {
        k = k.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        (k >> 8) as f64 / (1u32 << 24) as f64
    };
    for delta in (-100..=100).step_by(10) {
        for _ in 0..50 {
            assert!(matches!(rr.report(delta, &mut uniform), 100 | -100));
        }
    }
    assert!(DISCLOSURE.contains("one bit: whether you were tenser or calmer"));
    assert!(
        !DISCLOSURE.contains("10 %"),
        "the old text promised steps of 10 %"
    );
}

/// The text changed, so its version did: a grant of the old text no longer counts.
#[test]
fn a_grant_of_the_old_text_is_asked_again() {
    assert_eq!(DISCLOSURE_VERSION, 2);
    let dir = std::env::temp_dir().join(format!("lf-disclosure-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("consent.json"),
        r#"{"granted": true, "disclosure_version": 1}"#,
    )
    .unwrap();
    assert!(!ConsentStore::new(&dir).load().unwrap().granted);
    std::fs::remove_dir_all(&dir).ok();
}
