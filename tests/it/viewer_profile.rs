//! The viewer profile (`--profile`): a viewing writes back only the learned sensitivity,
//! the next viewing starts from it, an unreadable profile is left untouched and reported,
//! and the director's cut or a replay neither reads nor writes it.

use crate::common;

use common::{config, out_dir};
use livingfilm_player::play;

#[test]
fn a_profile_carries_the_learned_sensitivity_to_the_next_viewing() {
    let dir = out_dir("profile");
    let path = dir.join("viewer.json");
    let _ = std::fs::remove_file(&path);
    let mut cfg = config(Some("tense"), &dir.join("first"));
    cfg.viewer.profile = Some(path.clone());
    let first = play(&cfg).unwrap();
    let p = first.profile.as_ref().unwrap();
    assert_eq!((p.loaded, p.error.as_deref()), (None, None));
    let saved = p.saved.expect("written back");
    // Only the schema, one coarse sensitivity and the seconds of signal behind it.
    let text = std::fs::read_to_string(&path).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut keys: Vec<&str> = v.as_object().unwrap().keys().map(|k| k.as_str()).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["evidence_s", "schema", "sensitivity"], "{text}");
    assert_eq!(v["sensitivity"].as_f64().unwrap() as f32, saved);

    // The next viewing starts from it: the first steered decision already uses it.
    cfg.out_dir = dir.join("second");
    let second = play(&cfg).unwrap();
    assert_eq!(second.profile.as_ref().unwrap().loaded, Some(saved));
    let reason = &second.decisions[1].reason;
    assert!(
        reason.contains(&format!("sensitivity {saved:.2}")),
        "{reason} (profile {saved})"
    );

    // A replay or the director's cut learns nothing and leaves the file alone.
    let before = std::fs::read(&path).unwrap();
    let mut replay = config(None, &dir.join("replay"));
    replay.viewer.cut = Some(second.cut_id.clone());
    replay.viewer.profile = Some(path.clone());
    assert!(play(&replay).unwrap().profile.is_none());
    let mut chosen = config(Some("tense"), &dir.join("directors"));
    chosen.viewer.directors_cut = true;
    chosen.viewer.profile = Some(path.clone());
    let r = play(&chosen).unwrap();
    assert!(r.profile.is_none() && r.decisions.iter().all(|d| d.is_directors()));
    assert_eq!(r.inference.calls, 0, "no biometrics are read");
    assert_eq!(std::fs::read(&path).unwrap(), before);
}

#[test]
fn an_unreadable_profile_is_reported_and_kept() {
    let dir = out_dir("profile_bad");
    let path = dir.join("viewer.json");
    std::fs::write(&path, "{ not a profile").unwrap();
    let mut cfg = config(Some("calm"), &dir.join("out"));
    cfg.viewer.profile = Some(path.clone());
    let r = play(&cfg).unwrap();
    let p = r.profile.unwrap();
    assert!(p.error.unwrap().contains("viewer.json"));
    assert_eq!((p.loaded, p.saved), (None, None));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "{ not a profile");
}
