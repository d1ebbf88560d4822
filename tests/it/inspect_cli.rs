//! `livingfilm inspect` on every kind of file the player reads: each is recognised (by
//! its contents, else its name) and described; anything else is answered with the list
//! of kinds it reads.

use crate::common;

use common::livingfilm;

fn inspect_json(path: &str) -> serde_json::Value {
    let (ok, out, err) = livingfilm(&["inspect", path, "--json"]);
    assert!(ok, "inspect {path}: {err}");
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"))
}

#[test]
fn a_lut_gives_its_size_domain_and_parts() {
    let v = inspect_json("assets/demo/luts/tension.cube");
    assert_eq!(v["cube"]["size"], 17, "{v}");
    assert_eq!(v["cube"]["domain_min"], serde_json::json!([0.0, 0.0, 0.0]));
    assert_eq!(v["cube"]["domain_max"], serde_json::json!([1.0, 1.0, 1.0]));
    assert_eq!(v["shaper"], serde_json::Value::Null);
    assert_eq!(v["title"], "livingfilm tension look");

    // A Resolve LUT with a shaper, named without an extension: told by its keywords.
    let dir = common::out_dir("inspect_lut_shaper");
    let lut = dir.join("shaped");
    let mut text = "LUT_1D_SIZE 2\nLUT_1D_INPUT_RANGE 0 4\nLUT_3D_SIZE 2\n".to_owned();
    text += "0 0 0\n1 1 1\n";
    for b in 0..2 {
        for g in 0..2 {
            for r in 0..2 {
                text += &format!("{r} {g} {b}\n");
            }
        }
    }
    std::fs::write(&lut, text).unwrap();
    let (ok, out, err) = livingfilm(&["inspect", lut.to_str().unwrap()]);
    assert!(ok, "{err}");
    assert!(out.contains("1D shaper, then a 3D table"), "{out}");
    assert!(out.contains("shaper     2 entries"), "{out}");
    assert!(
        out.contains("domain   [0.0, 0.0, 0.0] .. [4.0, 4.0, 4.0]"),
        "{out}"
    );
}

#[test]
fn a_manifest_gives_segments_decisions_variants_and_lengths() {
    for path in ["assets/demo", "assets/demo/film.toml"] {
        let v = inspect_json(path);
        assert_eq!(v["segments"].as_array().unwrap().len(), 5, "{v}");
        assert_eq!(v["variants"], 7);
        assert_eq!(
            v["decision_points"],
            serde_json::json!(["encounter", "escape"])
        );
        assert_eq!(v["endings"], serde_json::json!(["coda", "aftermath"]));
        let (lo, cut, hi) = (
            v["shortest_s"].as_f64().unwrap(),
            v["directors_cut_s"].as_f64().unwrap(),
            v["longest_s"].as_f64().unwrap(),
        );
        assert!((lo - 23.8).abs() < 1e-3 && (hi - 29.5).abs() < 1e-3, "{v}");
        assert!(lo <= cut && cut <= hi, "{v}");
    }
    let (ok, out, err) = livingfilm(&["inspect", "assets/demo"]);
    assert!(ok, "{err}");
    assert!(out.contains("decisions  encounter, escape"), "{out}");
    assert!(out.contains("23.8 s shortest"), "{out}");
}

#[test]
fn a_model_gives_its_inputs_outputs_and_contract() {
    let (ok, out, err) = livingfilm(&["inspect", "models/tension.onnx"]);
    assert!(ok, "{err}");
    assert!(out.contains("input     features"), "{out}");
    assert!(
        out.contains(&format!(
            "contract  {} (a tension model",
            livingfilm_inference::FEATURE_CONTRACT
        )),
        "{out}"
    );
    // Another model is described too, and told apart from a tension model.
    let v = inspect_json("tests/data/onnx/conv2d.onnx");
    assert!(v["tension_contract"].is_null(), "{v}");
    assert!(
        v["tension_contract_problem"]
            .as_str()
            .is_some_and(|p| p.contains("contract")),
        "{v}"
    );
}

#[test]
fn images_replays_and_arrays_are_described() {
    let v = inspect_json("assets/demo/signs/neon-arcade.png");
    assert_eq!(v["format"], "PNG");
    assert!(v["width"].as_u64().unwrap() > 0, "{v}");
    let v = inspect_json("assets/demo/viewers/calm.csv");
    assert!(v["rr_intervals"].as_u64().unwrap() > 10, "{v}");
    let hr = v["mean_hr_bpm"].as_f64().unwrap();
    assert!((40.0..120.0).contains(&hr), "{v}");
    let v = inspect_json("tests/data/onnx/conv2d_input.npy");
    assert!(v["shape"].as_array().is_some_and(|s| !s.is_empty()), "{v}");

    // Contents decide before names: a picture named `.wav` is a picture.
    let dir = common::out_dir("inspect_misnamed");
    let png = dir.join("sign.wav");
    std::fs::copy(
        common::root().join("assets/demo/signs/neon-arcade.png"),
        &png,
    )
    .unwrap();
    assert_eq!(inspect_json(png.to_str().unwrap())["format"], "PNG");
}

#[test]
fn anything_else_is_answered_with_the_kinds_livingfilm_reads() {
    let dir = common::out_dir("inspect_unknown");
    let notes = dir.join("notes.txt");
    std::fs::write(&notes, "shopping list\n").unwrap();
    let (ok, _, err) = livingfilm(&["inspect", notes.to_str().unwrap()]);
    assert!(!ok);
    assert!(
        err.contains("notes.txt is not a kind of file livingfilm reads; it reads: audio"),
        "{err}"
    );
    for kind in [
        "LUT (.cube)",
        "film manifest",
        "ONNX model",
        ".lfscene",
        ".ply",
        "PNG",
    ] {
        assert!(err.contains(kind), "{kind} missing from: {err}");
    }
    assert!(!err.contains("unrecognised format"), "{err}");
    let (ok, out, _) = livingfilm(&["inspect", "--help"]);
    assert!(ok);
    for kind in [
        "audio",
        ".cube",
        "film.toml",
        ".onnx",
        ".lfscene",
        ".ply",
        ".ply.json",
        "PNG",
        ".y4m",
        ".csv",
        ".npy",
    ] {
        assert!(out.contains(kind), "--help does not list {kind}:\n{out}");
    }
}
