//! `explain` from a cut ID alone: replaying the ID without biometrics gives every choice of
//! the real viewing (branch, variant, offset, pacing, placements, cut time), and the
//! sentence says which way the viewer's tension lay; an ID for another film version is
//! refused.

mod common;

use common::{config, out_dir, root};
use livingfilm::director::explain::explain;
use livingfilm::director::{CutId, Film};
use livingfilm::play;

#[test]
fn explanations_replay_every_choice_of_the_viewing() {
    let film = Film::load(&root().join("assets/demo")).unwrap();
    for viewer in ["calm", "tense"] {
        let r = play(&config(
            Some(viewer),
            &out_dir(&format!("explain_{viewer}")),
        ))
        .unwrap();
        let id = CutId::parse(&r.cut_id).unwrap();
        let lines = explain(&film, &id).unwrap();
        assert_eq!(lines.len(), r.decisions.len());
        for (e, d) in lines.iter().zip(&r.decisions) {
            let mut replayed = e.decision.clone();
            replayed.reason = d.reason.clone();
            assert_eq!(&replayed, d, "{viewer}");
            let direction = if d.offset > 0.0 {
                "calmer than the target"
            } else if d.offset < 0.0 {
                "tenser than the target"
            } else if d.anticipates {
                "steered at offset 0"
            } else {
                "director"
            };
            assert!(e.text.contains(direction), "{viewer}: {}", e.text);
            assert!(
                e.text.contains(&format!("`{}`", d.variant_id)),
                "{}",
                e.text
            );
            assert_eq!(e.default, d.is_directors());
        }
    }
}

#[test]
fn an_id_for_another_version_is_refused() {
    let dir = out_dir("explain_other_version");
    // The demo manifest with a new title, its assets pointed back at the demo film.
    let demo_dir = root().join("assets/demo");
    let text = std::fs::read_to_string(demo_dir.join("film.toml")).unwrap();
    let text = ["luts/", "audio/", "scenes/", "signs/"]
        .iter()
        .fold(text, |t, d| {
            t.replace(&format!("\"{d}"), &format!("\"{}/{d}", demo_dir.display()))
        });
    let recut = text.replacen("title = \"", "title = \"Recut ", 1).replacen(
        "[film]\n",
        &format!(
            "[film]\nasset_root = {:?}\n",
            demo_dir.display().to_string()
        ),
        1,
    );
    assert_ne!(recut, text);
    std::fs::write(dir.join("film.toml"), recut).unwrap();
    let other = Film::load(&dir).unwrap();
    let demo = Film::load(&root().join("assets/demo")).unwrap();
    let id = CutId::new(&demo.content_hash, 1, vec![1, 0, 5]);
    let err = explain(&other, &id).unwrap_err().to_string();
    assert!(err.contains("film version"), "{err}");
}
