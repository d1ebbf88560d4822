//! `explain` from a cut ID alone: for every decision of real viewings, the tension the
//! controller measured (in the session report) lies inside the interval the explanation
//! derives from the ID; an ID for another film version is refused.

mod common;

use common::{config, out_dir, root};
use livingfilm::director::explain::explain;
use livingfilm::director::{CutId, Film};
use livingfilm::play;

#[test]
fn explanations_bracket_the_measured_tension() {
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
            assert_eq!((e.segment, &e.variant_id), (d.segment, &d.variant_id));
            // "tension 0.68 vs target 0.55 -> …" unless the signal was too weak.
            if let Some(rest) = d.reason.strip_prefix("tension ") {
                let measured: f32 = rest.split_whitespace().next().unwrap().parse().unwrap();
                assert!(
                    measured >= e.tension[0] - 0.01 && measured <= e.tension[1] + 0.01,
                    "{viewer}: measured {measured} outside {:?} ({})",
                    e.tension,
                    e.text
                );
            } else {
                assert!(e.default, "{d:?}");
            }
        }
    }
}

#[test]
fn an_id_for_another_version_is_refused() {
    let dir = out_dir("explain_other_version");
    // The demo manifest with a new title, its assets pointed back at the demo film.
    let demo_dir = root().join("assets/demo");
    let text = std::fs::read_to_string(demo_dir.join("film.toml")).unwrap();
    let text = ["luts/", "audio/", "scenes/"].iter().fold(text, |t, d| {
        t.replace(&format!("\"{d}"), &format!("\"{}/{d}", demo_dir.display()))
    });
    let recut = text.replacen("title = \"", "title = \"Recut ", 1);
    assert_ne!(recut, text);
    std::fs::write(dir.join("film.toml"), recut).unwrap();
    let other = Film::load(&dir).unwrap();
    let demo = Film::load(&root().join("assets/demo")).unwrap();
    let id = CutId::new(&demo.content_hash, 1, vec![1, 0]);
    let err = explain(&other, &id).unwrap_err().to_string();
    assert!(err.contains("film version"), "{err}");
}
