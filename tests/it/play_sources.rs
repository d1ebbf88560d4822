//! The player driven by the other biometric sources: a raw ECG recording (R-peaks found
//! on the fly) and a seeded simulated viewer, both through the same source seam.

use crate::common;

use common::{config, out_dir, root};
use livingfilm_player::play;

#[test]
fn raw_ecg_recording_drives_a_viewing() {
    let out = out_dir("play_ecg");
    let mut cfg = config(None, &out);
    cfg.viewer.biometrics = Some(root().join("tests/data/physio/ecg/100.hea"));
    let r = play(&cfg).unwrap();
    assert!(r.inference.calls > 100, "{:?}", r.inference);
    // The estimates had real confidence while the 60 s strip lasted.
    assert!(
        r.segments.iter().any(|s| s.confidence > 0.5),
        "{:?}",
        r.segments
    );
}

#[test]
fn simulated_viewers_are_seeded_and_unknown_ones_refused() {
    let (a, b) = (out_dir("play_sim_a"), out_dir("play_sim_b"));
    let mut ca = config(None, &a);
    ca.viewer.biometrics = Some("sim:rising".into());
    let mut cb = config(None, &b);
    cb.viewer.biometrics = Some("sim:rising".into());
    let (ra, rb) = (play(&ca).unwrap(), play(&cb).unwrap());
    assert_eq!(
        ra.cut_id, rb.cut_id,
        "same seed, same simulated viewer, same cut"
    );
    assert!(ra.inference.calls > 0);
    ca.viewer.biometrics = Some("sim:bored".into());
    let err = play(&ca).unwrap_err().to_string();
    assert!(err.contains("sim") && err.contains("rising"), "{err}");
}

#[test]
fn a_sensor_dropout_makes_the_director_fall_back_to_its_default() {
    // The director's cut runs 28 s; `sim:dropout` loses the sensor from 40 % to 60 % of
    // it (11.2 to 16.8 s), right before the escape's decision point.
    let out = out_dir("play_sim_dropout");
    let mut cfg = config(None, &out);
    cfg.viewer.biometrics = Some("sim:dropout".into());
    let r = play(&cfg).unwrap();
    let d = r
        .decisions
        .iter()
        .find(|d| d.segment_id == "escape")
        .expect("the escape plays");
    assert!(d.is_directors(), "{d:?}");
    assert!(
        d.reason.contains("below 0.30: director's cut"),
        "{}",
        d.reason
    );
    // Before the dropout the same viewer was followed, not defaulted.
    assert!(r
        .decisions
        .iter()
        .any(|d| d.t < 13.0 && d.reason.starts_with("tension")));
}
