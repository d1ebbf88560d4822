//! End-to-end viewings of the demo film: determinism, adaptation, outputs, replay.

mod common;

use common::*;
use livingfilm::play;

#[test]
fn same_inputs_give_byte_identical_outputs() {
    let (a, b) = (out_dir("det_a"), out_dir("det_b"));
    let ra = play(&config(Some("tense"), &a)).unwrap();
    let rb = play(&config(Some("tense"), &b)).unwrap();
    assert_eq!(ra.cut_id, rb.cut_id);
    assert_eq!(ra.render.frames_sha256, rb.render.frames_sha256);
    assert_eq!(ra.audio.sha256, rb.audio.sha256);
    for f in ["film.y4m", "mix.wav"] {
        assert!(
            std::fs::read(a.join(f)).unwrap() == std::fs::read(b.join(f)).unwrap(),
            "{f} differs"
        );
    }
    // A different seed changes the grain, hence the frames and the cut ID, not the decisions.
    let c = out_dir("det_c");
    let mut cfg = config(Some("tense"), &c);
    cfg.seed = 8;
    let rc = play(&cfg).unwrap();
    assert_ne!(rc.cut_id, ra.cut_id);
    assert_ne!(rc.render.frames_sha256, ra.render.frames_sha256);
    assert_eq!(rc.decisions, ra.decisions);
}

#[test]
fn calm_and_tense_viewers_get_different_cuts() {
    let (c, t) = (out_dir("calm"), out_dir("tense"));
    let calm = play(&config(Some("calm"), &c)).unwrap();
    let tense = play(&config(Some("tense"), &t)).unwrap();
    assert_ne!(calm.cut_id, tense.cut_id);
    let chosen = |r: &livingfilm::Report| {
        r.decisions
            .iter()
            .map(|d| d.variant_id.clone())
            .collect::<Vec<_>>()
    };
    // The controller raises tension for the calm viewer and eases off for the tense one.
    assert_eq!(chosen(&calm), ["storm", "short"]);
    assert_eq!(chosen(&tense), ["garden", "long"]);
    assert!(
        calm.decisions[0].reason.contains("target 0.55"),
        "{}",
        calm.decisions[0].reason
    );
    // Durations follow the chosen variants: 12 + 6 + 4 + 4 and 12 + 6 + 6 + 4 seconds.
    assert_eq!(calm.duration_s, 26.0);
    assert_eq!(tense.duration_s, 28.0);
    assert_eq!(calm.render.frames, 26 * 24);
    assert_eq!(tense.render.frames, 28 * 24);

    let (_, _, fc) = y4m_luma(&c.join("film.y4m"));
    let (_, _, ft) = y4m_luma(&t.join("film.y4m"));
    assert_eq!(fc.len(), 26 * 24);
    // Every sampled frame shows a picture (not blank, not flat).
    for frames in [&fc, &ft] {
        for i in (0..frames.len()).step_by(48) {
            let (mean, sd) = stats(&frames[i]);
            assert!(
                mean > 17.0 && sd > 2.0,
                "frame {i}: mean {mean:.1}, sd {sd:.1}"
            );
        }
    }
    // During the encounter (t = 15 s) one viewer sees the storm, the other the garden.
    let k = 15 * 24;
    let diff: f64 = fc[k]
        .iter()
        .zip(&ft[k])
        .map(|(a, b)| (*a as f64 - *b as f64).abs())
        .sum::<f64>()
        / fc[k].len() as f64;
    assert!(
        diff > 8.0,
        "mean abs luma difference at 15 s only {diff:.2}"
    );
}

#[test]
fn audio_mix_is_present_and_bounded() {
    let o = out_dir("audio_mix");
    let r = play(&config(Some("calm"), &o)).unwrap();
    let (db, frames) = wav_rms_dbfs(&o.join("mix.wav"));
    assert_eq!(frames, (r.duration_s * 48_000.0) as u64);
    assert_eq!(frames, r.audio.frames);
    assert!((-32.0..=-18.0).contains(&db), "mix RMS {db:.1} dBFS");
    assert!(
        (db - r.audio.rms_dbfs).abs() < 0.1,
        "file {db:.2} vs report {:.2}",
        r.audio.rms_dbfs
    );
    assert!(r.audio.peak < 1.0, "clipping: peak {}", r.audio.peak);
}

#[test]
fn cut_id_replays_the_viewing_without_biometrics() {
    let (a, b) = (out_dir("replay_src"), out_dir("replay_dst"));
    let original = play(&config(Some("tense"), &a)).unwrap();
    let mut cfg = config(None, &b);
    cfg.seed = 12345; // ignored: the cut ID carries the seed
    cfg.cut = Some(original.cut_id.clone());
    let replay = play(&cfg).unwrap();
    assert!(replay.replayed);
    assert_eq!(replay.cut_id, original.cut_id);
    assert_eq!(replay.duration_s, original.duration_s);
    let ids = |r: &livingfilm::Report| {
        r.decisions
            .iter()
            .map(|d| d.variant_id.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(&replay), ids(&original));
    assert_eq!(replay.render.frames, original.render.frames);
}

#[test]
fn no_biometrics_plays_the_directors_cut() {
    let o = out_dir("directors_cut");
    let r = play(&config(None, &o)).unwrap();
    assert!(
        r.decisions.iter().all(|d| d.variant == 0),
        "{:?}",
        r.decisions
    );
    assert!(r.decisions[0].reason.contains("director's default"));
    assert_eq!(r.inference.calls, 0);
}

#[test]
fn report_json_is_written_and_complete() {
    let o = out_dir("report");
    let r = play(&config(Some("calm"), &o)).unwrap();
    let v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(o.join("report.json")).unwrap()).unwrap();
    assert_eq!(v["cut_id"], r.cut_id.as_str());
    assert_eq!(v["film"]["id"], "night-walk");
    assert_eq!(v["decisions"].as_array().unwrap().len(), 2);
    assert_eq!(v["segments"].as_array().unwrap().len(), 4);
    assert_eq!(v["inference"]["provider"], "CPUExecutionProvider");
    assert!(v["inference"]["calls"].as_u64().unwrap() > 80);
    assert!(v["render"]["adapter"].as_str().unwrap().len() > 3);
}
