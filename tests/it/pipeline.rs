//! End-to-end viewings of the demo film: determinism, adaptation, outputs, replay.

use crate::common;

use common::*;
use livingfilm_player::play;

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
    // The null output mixes the very same score and writes no file.
    let n = out_dir("det_null");
    let mut cfg = config(Some("tense"), &n);
    cfg.audio.mode = livingfilm_player::AudioMode::Null;
    let rn = play(&cfg).unwrap();
    assert_eq!(rn.audio.sha256, ra.audio.sha256);
    assert!(rn.audio.wav.is_none() && !n.join("mix.wav").exists());
    // The demo's score did its work: cue changes on bars and the stinger into the escape.
    assert!(ra.audio.cue_changes >= 1, "{:?}", ra.audio.cue_changes);
    assert!(ra
        .audio
        .stems
        .iter()
        .all(|s| s.underruns == 0 && s.failed.is_none()));
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
    let chosen = |r: &livingfilm_player::Report| {
        r.decisions
            .iter()
            .map(|d| d.variant_id.clone())
            .collect::<Vec<_>>()
    };
    // The opening is protected; the controller softens the encounter for the tense viewer,
    // sharpens the escape for the calm one and sends them to the other ending.
    assert_eq!(chosen(&calm), ["plaza", "garden", "long", "rain"]);
    assert_eq!(chosen(&tense), ["plaza", "garden", "long", "dawn"]);
    assert!(calm
        .decisions
        .iter()
        .all(|d| d.offset >= 0.0 || d.segment_id == "encounter"));
    assert!(calm.decisions[3].branched && calm.decisions[3].offset > 0.0);
    assert!(tense.decisions[1].offset < 0.0 && tense.decisions[3].offset < 0.0);
    assert!(
        tense.decisions[2].offset >= 0.0,
        "the escape is a challenge"
    );
    assert!(
        tense.decisions[1].reason.contains("target 0.30"),
        "{}",
        tense.decisions[1].reason
    );
    // Durations follow the chosen variants and their pacing, cut on whole frames.
    let film = livingfilm_director::Film::load(&root().join("assets/demo")).unwrap();
    for r in [&calm, &tense] {
        let frames: u32 = r
            .decisions
            .iter()
            .map(|d| {
                let v = &film.segments[d.segment].variants[d.variant];
                (v.duration_s * d.pace as f64 * 24.0).round() as u32
            })
            .sum();
        assert_eq!(r.render.frames, frames);
        assert!((r.duration_s - frames as f64 / 24.0).abs() < 1e-9);
        assert_eq!(r.render.scene_stalls, 0, "every cut was preloaded");
    }
    let length = |r: &livingfilm_player::Report| r.render.frames as usize;

    let (_, _, fc) = y4m_luma(&c.join("film.y4m"));
    let (_, _, ft) = y4m_luma(&t.join("film.y4m"));
    assert_eq!(fc.len(), length(&calm));
    assert_eq!(ft.len(), length(&tense));
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
    // At 26.5 s one viewer sees the stormy aftermath, the other the calm coda.
    let k = 26 * 24 + 12;
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
    cfg.viewer.cut = Some(original.cut_id.clone());
    let replay = play(&cfg).unwrap();
    assert!(replay.replayed);
    assert_eq!(replay.cut_id, original.cut_id);
    assert_eq!(replay.duration_s, original.duration_s);
    // Every choice is the same; only the reason says where it came from.
    let choices = |r: &livingfilm_player::Report| {
        r.decisions
            .iter()
            .map(|d| livingfilm_director::Decision {
                reason: String::new(),
                ..d.clone()
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(choices(&replay), choices(&original));
    assert!(replay.decisions[1].reason.contains("replayed"));
    assert_eq!(replay.render.frames_sha256, original.render.frames_sha256);
    assert_eq!(replay.audio.sha256, original.audio.sha256);
    assert_eq!(replay.render.frames, original.render.frames);
}

#[test]
fn no_biometrics_plays_the_directors_cut() {
    let o = out_dir("directors_cut");
    let r = play(&config(None, &o)).unwrap();
    assert!(
        r.decisions.iter().all(|d| d.is_directors()),
        "{:?}",
        r.decisions
    );
    let path: Vec<&str> = r.decisions.iter().map(|d| d.segment_id.as_str()).collect();
    assert_eq!(path, ["arrival", "encounter", "escape", "coda"]);
    assert!(r.decisions[1].reason.contains("director's cut"));
    let html = std::fs::read_to_string(o.join("report.html")).unwrap();
    assert!(
        html.contains("4 decisions: 0 chose another take or branch than the director's, 0 played the director's take at a steered intensity, 4 played exactly as in the director's cut"),
        "{html}"
    );
    assert_eq!(r.duration_s, 28.0);
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
    assert_eq!(v["decisions"].as_array().unwrap().len(), 4);
    assert_eq!(v["decisions"][3]["segment_id"], "aftermath");
    assert_eq!(v["render"]["scene_stalls"], 0);
    assert_eq!(v["segments"].as_array().unwrap().len(), 4);
    assert_eq!(v["inference"]["provider"], "CPUExecutionProvider");
    assert!(v["inference"]["calls"].as_u64().unwrap() > 80);
    assert!(v["render"]["adapter"].as_str().unwrap().len() > 3);
}

/// Everything that changes a frame travels in the cut ID: a viewing in French with
/// placement consent replays, with neither flag given again for the locale, to the same
/// frames and mix; without placement consent the replay is refused rather than shown
/// with other signs.
#[test]
fn a_cut_id_replays_the_locale_and_placement_consent_it_was_watched_with() {
    // The demo with one sign in the shop front, which needs the viewer's consent.
    let film = out_dir("cut_locale_film").join("film");
    copy_dir(&root().join("assets/demo"), &film);
    let manifest = film.join("film.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    assert!(text.contains("id = \"partner-soda\", intensity = 0.5, needs_consent = true"));
    let text: String = text
        .lines()
        .filter(|l| !l.contains("id = \"night-market\"") && !l.contains("id = \"neon-arcade\""))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&manifest, text).unwrap();
    for viewer in ["calm", "tense"] {
        let out = out_dir(&format!("cut_locale_{viewer}"));
        let mut cfg = config(Some(viewer), &out);
        cfg.film = film.clone();
        cfg.viewer.locale = Some("fr-CA".into());
        cfg.viewer.placement_consent = true;
        let seen = play(&cfg).unwrap();
        assert!(
            seen.decisions
                .iter()
                .flat_map(|d| &d.placements)
                .any(|(_, item)| item.as_deref() == Some("partner-soda")),
            "{viewer} was not shown the placement that needs consent: {:?}",
            seen.decisions
        );
        // The locale and the consent change the picture: the test can see a difference.
        let mut plain = config(Some(viewer), &out_dir(&format!("cut_plain_{viewer}")));
        plain.film = film.clone();
        let plain = play(&plain).unwrap();
        assert_ne!(
            plain.render.frames_sha256, seen.render.frames_sha256,
            "{viewer}"
        );
        assert_ne!(plain.cut_id, seen.cut_id, "{viewer}");

        let mut again = config(None, &out_dir(&format!("cut_locale_{viewer}_replay")));
        again.film = film.clone();
        again.viewer.cut = Some(seen.cut_id.clone());
        again.viewer.placement_consent = true;
        let replay = play(&again).unwrap();
        assert_eq!(
            replay.render.frames_sha256, seen.render.frames_sha256,
            "{viewer}"
        );
        assert_eq!(replay.audio.sha256, seen.audio.sha256, "{viewer}");
        assert_eq!(replay.cut_id, seen.cut_id, "{viewer}");

        again.viewer.placement_consent = false;
        let refused = play(&again).unwrap_err().to_string();
        assert!(refused.contains("--placement-consent"), "{refused}");
    }
}
