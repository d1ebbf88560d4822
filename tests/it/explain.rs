//! `explain` from a cut ID alone: replaying the ID without biometrics gives every choice of
//! the real viewing (branch, variant, offset, pacing, placements, cut time), and the
//! sentence says which way the viewer's tension lay; an ID for another film version is
//! refused.

use crate::common;

use common::{config, out_dir, root};
use livingfilm_director::explain::explain;
use livingfilm_director::{CutId, Film};
use livingfilm_player::play;

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
            // The figures explain states are the viewing's: the drive applied and the
            // director's target the viewer was measured against, as the record says.
            assert_eq!(e.target, d.target, "{viewer}: {}", e.text);
            let target = format!("target {:.2}", d.target);
            assert!(e.text.contains(&target), "{viewer}: {} / {target}", e.text);
            if d.offset != 0.0 {
                let drive = format!("drive {:+.2}", d.offset);
                assert!(e.text.contains(&drive), "{viewer}: {} / {drive}", e.text);
                assert!(
                    d.reason.contains(&drive),
                    "{viewer}: {} / {drive}",
                    d.reason
                );
            }
            // And the direction is the one the viewing measured: a viewer offered more
            // tension read calmer than that same target, unless the fitted response
            // says otherwise (then the reason's fit weight carries it).
            if let Some((tension, said_target)) = reading(&d.reason) {
                assert_eq!(said_target, format!("{:.2}", d.target), "{}", d.reason);
                let calmer = tension < d.target;
                if d.offset != 0.0 && fit_weight(&d.reason) < 0.5 {
                    assert_eq!(d.offset > 0.0, calmer, "{viewer}: {}", d.reason);
                }
                let claim = if d.offset > 0.0 { "calmer" } else { "tenser" };
                if d.offset != 0.0 {
                    assert!(
                        e.text.contains(&format!("read {claim} than it")),
                        "{}",
                        e.text
                    );
                }
            }
            let direction = if d.offset > 0.0 {
                "offered more tension than the director's target"
            } else if d.offset < 0.0 {
                "offered less tension than the director's target"
            } else if d.anticipates {
                "steered at drive +0.00"
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

/// "tension 0.39 vs target 0.30 over …" in a live decision's reason: (0.39, "0.30").
fn reading(reason: &str) -> Option<(f32, String)> {
    let rest = reason.split_once("tension ")?.1;
    let (tension, rest) = rest.split_once(" vs target ")?;
    let target = rest.split_whitespace().next()?.trim_end_matches(';');
    Some((tension.parse().ok()?, target.to_owned()))
}

/// The fit weight in a live decision's reason.
fn fit_weight(reason: &str) -> f32 {
    let rest = reason.split_once("fit weight ").unwrap().1;
    rest[..4].parse().unwrap()
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

/// Choice bytes from a shared link are not trusted: a cut no player of the film could make
/// (an offset step of -128, past `max_deviation`; a softened challenge segment) is refused
/// by `explain` and by `play --cut`, before anything plays.
#[test]
fn a_crafted_cut_that_breaks_the_guardrails_is_refused() {
    let film = Film::load(&root().join("assets/demo")).unwrap();
    let r = play(&config(Some("calm"), &out_dir("explain_crafted_src"))).unwrap();
    let real = CutId::parse(&r.cut_id).unwrap();
    assert!(explain(&film, &real).is_ok());
    // The calm viewer's bytes: encounter (step, take, shape, sign), escape (step, take,
    // shape), the branch, aftermath (step, shape).
    assert_eq!(real.decisions.len(), 10, "{:?}", real.decisions);
    let escape = &film.segments[2];
    assert!(escape.challenge, "the demo's escape is a challenge segment");
    for (k, byte, broken) in [
        (0, 0x80, "max_deviation"),
        (4, (-40i8) as u8, "challenge segment softened"),
    ] {
        let mut crafted = real.clone();
        crafted.decisions[k] = byte;
        let err = explain(&film, &crafted).unwrap_err().to_string();
        assert!(
            err.contains("guardrails forbid") && err.contains(broken),
            "{err}"
        );
        let mut cfg = config(None, &out_dir("explain_crafted_play"));
        cfg.viewer.cut = Some(crafted.to_string());
        let err = play(&cfg).unwrap_err().to_string();
        assert!(err.contains("guardrails forbid"), "{err}");
    }
}
