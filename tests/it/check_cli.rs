//! `livingfilm check`: every problem of a broken film in one pass, each with its manifest
//! line and field; the demo film passes.

use crate::common;

fn check(dir: &std::path::Path) -> (bool, String, String) {
    common::livingfilm(&["check", dir.to_str().unwrap()])
}

#[test]
fn demo_film_is_clean() {
    let (ok, out, err) = check(&common::root().join("assets/demo"));
    assert!(ok && out.contains(": ok"), "{out}{err}");
}

#[test]
fn every_problem_is_reported_with_line_and_field() {
    let dir = common::out_dir("check_bad_film");
    common::copy_dir(&common::root().join("assets/demo"), &dir);
    let manifest = std::fs::read_to_string(dir.join("film.toml")).unwrap();
    let manifest = manifest
        .replacen("fps = 24", "fps = 500", 1)
        .replacen("id = \"escape\"", "id = \"encounter\"", 1)
        .replacen("fog = [0.0, 0.08]", "fog = [0.5, 0.1]", 1);
    std::fs::write(dir.join("film.toml"), &manifest).unwrap();
    std::fs::write(dir.join("luts/tension.cube"), "LUT_3D_SIZE 2\n0 0 0\n").unwrap();
    std::fs::remove_file(dir.join("scenes/garden.lfscene")).unwrap();
    let line_of = |needle: &str| manifest.lines().position(|l| l.contains(needle)).unwrap() + 1;

    let (ok, out, err) = check(&dir);
    assert!(!ok && err.contains("problem(s)"), "{err}");
    for (line, field) in [
        (line_of("fps = 500"), "film.fps"),
        (line_of("fog = [0.5, 0.1]"), "segments[1].variants[0].fog"),
        (manifest.match_indices("id = \"encounter\"").count(), ""),
        (line_of("lut = \"luts/tension.cube\""), "grade.looks[0].lut"),
    ] {
        if field.is_empty() {
            assert_eq!(line, 2, "the duplicate id appears twice");
            continue;
        }
        let want = format!("film.toml:{line}: field `{field}`");
        assert!(out.contains(&want), "missing `{want}` in:\n{out}");
    }
    assert!(out.contains("duplicate segment id `encounter`"), "{out}");
    assert!(out.contains("garden.lfscene does not exist"), "{out}");
    assert!(out.contains("tension.cube is unusable"), "{out}");
}

/// 1-based line of the `n`th (0-based) line of `text` for which `pred` holds.
fn nth_line(text: &str, n: usize, pred: impl Fn(&str) -> bool) -> usize {
    text.lines()
        .enumerate()
        .filter(|(_, l)| pred(l))
        .nth(n)
        .unwrap_or_else(|| panic!("no line #{n} like that in:\n{text}"))
        .0
        + 1
}

/// Asserts that `out` has a problem starting `film.toml:LINE: field `FIELD`:` whose
/// message contains `fragment`.
fn assert_problem(out: &str, line: usize, field: &str, fragment: &str) {
    let prefix = format!("film.toml:{line}: field `{field}`: ");
    let found = out
        .lines()
        .filter_map(|l| l.split_once(&prefix).map(|(_, msg)| msg))
        .any(|msg| msg.contains(fragment));
    assert!(found, "missing `{prefix}…{fragment}…` in:\n{out}");
}

#[test]
fn bad_structure_is_reported_precisely() {
    let dir = common::out_dir("check_bad_structure");
    common::copy_dir(&common::root().join("assets/demo"), &dir);
    let manifest = std::fs::read_to_string(dir.join("film.toml")).unwrap();
    let second_arrival_variant = "light = [1.0, 0.92, 0.8]\n\n[[segments.variants]]\n\
        id = \"plaza-night\"\nscene = \"scenes/plaza.lfscene\"\nduration_s = 12.0\n\
        intensity = 0.5\ncamera = { radius = 2.6, height = 0.9, from_deg = -40, to_deg = 20, fov_deg = 50 }\n\
        fog = [0.02, 0.12]\nexposure = 1.1\nlight = [1.0, 0.92, 0.8]\n";
    let broken = [
        // Guardrail out of range.
        ("max_deviation = 0.3 ", "max_deviation = 2.0 "),
        // The protected opening gets a second variant.
        ("light = [1.0, 0.92, 0.8]\n", second_arrival_variant),
        // Inverted pacing range in `encounter`.
        ("pacing = [0.8, 1.25]", "pacing = [1.2, 0.8]"),
        // Duplicate placement item in `encounter`'s shopfront.
        ("{ id = \"neon-arcade\"", "{ id = \"night-market\""),
        // Inverted music range in `escape`; `escape` leads back to `encounter` by default,
        // and `encounter` (no `next`) goes on to `escape`: a loop with no exit.
        (
            "pacing = [0.75, 1.25]\nnext = [\"coda\", \"aftermath\"]",
            "pacing = [0.75, 1.25]\nmusic = [0.9, 0.1]\nnext = [\"encounter\", \"coda\", \"aftermath\"]",
        ),
        // Duplicate variant id in `escape`.
        ("id = \"short\"", "id = \"long\""),
        // Unknown segment in `coda`'s `next`.
        (
            "id = \"coda\"\ntarget_tension = 0.25\nnext = []",
            "id = \"coda\"\ntarget_tension = 0.25\nnext = [\"epilogue\"]",
        ),
    ];
    let manifest = broken.iter().fold(manifest, |m, (from, to)| {
        assert!(
            m.contains(from),
            "the demo film no longer contains {from:?}"
        );
        m.replacen(from, to, 1)
    });
    std::fs::write(dir.join("film.toml"), &manifest).unwrap();
    std::fs::remove_file(dir.join("audio/pulse.wav")).unwrap();
    let line_of = |needle: &str| nth_line(&manifest, 0, |l| l.contains(needle));
    let variants_header = |n| nth_line(&manifest, n, |l| l.trim() == "[[segments.variants]]");

    let (ok, out, err) = check(&dir);
    assert!(!ok && err.contains("9 problem(s)"), "{out}{err}");
    assert_problem(
        &out,
        line_of("next = [\"epilogue\"]"),
        "segments[3].next",
        "unknown segment `epilogue` (the segments are: arrival, encounter, escape, coda, aftermath)",
    );
    // The loop is reported once, at the member that writes `next` (`escape`; `encounter`
    // writes none), where the fix goes.
    assert_problem(
        &out,
        line_of("next = [\"encounter\""),
        "segments[2].next",
        "the director's choices loop encounter -> escape -> encounter with no exit",
    );
    assert_problem(
        &out,
        line_of("pacing = [1.2, 0.8]"),
        "segments[1].pacing",
        "[1.2, 0.8] must be [min, max] with 0.25 <= min <= 1 <= max <= 4",
    );
    assert_problem(
        &out,
        line_of("music = [0.9, 0.1]"),
        "segments[2].music",
        "[0.9, 0.1] must be [min, max] within 0..=1",
    );
    assert_problem(
        &out,
        nth_line(&manifest, 1, |l| l == "id = \"long\""),
        "segments[2].variants[1].id",
        "duplicate variant id `long`",
    );
    // Items are inline tables: the problem is placed at the item's own `id`.
    assert_problem(
        &out,
        nth_line(&manifest, 1, |l| l.contains("{ id = \"night-market\"")),
        "segments[1].placements[0].items[1].id",
        "duplicate item `night-market`",
    );
    assert_problem(
        &out,
        line_of("max_deviation = 2.0"),
        "guardrails.max_deviation",
        "must lie within 0..=1",
    );
    // The array of variants: its first `[[segments.variants]]` in its own segment.
    assert_problem(
        &out,
        variants_header(0),
        "segments[0].variants",
        "a protected segment only ever plays its first variant",
    );
    assert_problem(
        &out,
        line_of("file = \"audio/pulse.wav\""),
        "music.stems[1].file",
        "pulse.wav does not exist",
    );
}

#[test]
fn unreachable_segment_is_reported() {
    let dir = common::out_dir("check_unreachable");
    common::copy_dir(&common::root().join("assets/demo"), &dir);
    let manifest = std::fs::read_to_string(dir.join("film.toml")).unwrap();
    let from = "next = [\"coda\", \"aftermath\"]";
    assert!(manifest.contains(from));
    let manifest = manifest.replacen(from, "next = [\"coda\"]", 1);
    std::fs::write(dir.join("film.toml"), &manifest).unwrap();

    let (ok, out, err) = check(&dir);
    assert!(!ok && err.contains("1 problem(s)"), "{out}{err}");
    assert_problem(
        &out,
        nth_line(&manifest, 0, |l| l == "id = \"aftermath\""),
        "segments[4].id",
        "segment `aftermath` is never reached: no `next` leads to it",
    );
}

/// A whole-array field (`segments[1].variants`) is placed in its own segment (at its first
/// `[[segments.variants]]` there), not at the first such header of the file.
#[test]
fn variant_count_problem_is_located_in_its_own_segment() {
    let dir = common::out_dir("check_protected_decision_point");
    common::copy_dir(&common::root().join("assets/demo"), &dir);
    let manifest = std::fs::read_to_string(dir.join("film.toml")).unwrap();
    let from = "pacing = [0.8, 1.25]\n";
    assert!(manifest.contains(from));
    // `encounter` (two variants) protected.
    let manifest = manifest.replacen(from, "pacing = [0.8, 1.25]\nprotected = true\n", 1);
    std::fs::write(dir.join("film.toml"), &manifest).unwrap();

    let (ok, out, err) = check(&dir);
    assert!(!ok && err.contains("1 problem(s)"), "{out}{err}");
    assert_problem(
        &out,
        nth_line(&manifest, 1, |l| l.trim() == "[[segments.variants]]"),
        "segments[1].variants",
        "a protected segment only ever plays its first variant",
    );
}

#[test]
fn score_problems_are_reported_with_line_and_field() {
    let dir = common::out_dir("check_bad_score");
    common::copy_dir(&common::root().join("assets/demo"), &dir);
    let manifest = std::fs::read_to_string(dir.join("film.toml")).unwrap();
    let manifest = manifest
        // A tempo change off the 2 s bar grid.
        .replacen(
            "tempo = [{ bpm = 120, beats_per_bar = 4 }]",
            "tempo = [{ bpm = 120, beats_per_bar = 4 }, { at_s = 7.0, bpm = 90 }]",
            1,
        )
        // A cue no stem belongs to, and a stinger for a segment that does not exist.
        .replacen(
            "cue = \"calm\"\nscene = \"scenes/garden.lfscene\"",
            "cue = \"calmm\"\nscene = \"scenes/garden.lfscene\"",
            1,
        )
        .replacen("segments = [\"escape\"]", "segments = [\"escpae\"]", 1)
        // A curve out of order.
        .replacen(
            "[[0.2, -96.0], [0.5, -12.0], [1.0, 0.0]]",
            "[[0.5, -12.0], [0.2, -96.0]]",
            1,
        );
    std::fs::write(dir.join("film.toml"), &manifest).unwrap();
    // A looping stem 8.3 s long: not whole bars at 120 bpm 4/4.
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 48_000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(dir.join("audio/pad.wav"), spec).unwrap();
    for _ in 0..(8.3 * 48_000.0) as usize {
        w.write_sample(0i16).unwrap();
    }
    w.finalize().unwrap();
    // A zero-length stinger.
    hound::WavWriter::create(dir.join("audio/hit.wav"), spec)
        .unwrap()
        .finalize()
        .unwrap();
    let line_of = |needle: &str| manifest.lines().position(|l| l.contains(needle)).unwrap() + 1;

    let (ok, out, err) = check(&dir);
    assert!(!ok, "{out}{err}");
    for (line, field, what) in [
        (
            line_of("at_s = 7.0"),
            "music.tempo[1].at_s",
            "not on a bar line",
        ),
        (
            line_of("[[0.5, -12.0], [0.2, -96.0]]"),
            "music.stems[1].curve",
            "increasing intensity",
        ),
        (
            line_of("segments = [\"escpae\"]"),
            "music.stingers[0].segments",
            "no segment is called `escpae`",
        ),
        (
            line_of("cue = \"calmm\""),
            "segments[1].variants[0].cue",
            "no stem belongs to cue `calmm`",
        ),
        (
            line_of("file = \"audio/pad.wav\""),
            "music.stems[0].file",
            "not a whole number of bars",
        ),
        (
            line_of("file = \"audio/hit.wav\""),
            "music.stingers[0].file",
            "no audio frames",
        ),
    ] {
        let want = format!("film.toml:{line}: field `{field}`");
        let hit = out.lines().find(|l| l.contains(&want));
        assert!(
            hit.is_some_and(|l| l.contains(what)),
            "missing `{want}` … `{what}` in:\n{out}"
        );
    }
}

#[test]
fn scene_hooks_and_signs_are_checked_against_the_scene_files() {
    let dir = common::out_dir("check_bad_scene_hooks");
    common::copy_dir(&common::root().join("assets/demo"), &dir);
    let manifest = std::fs::read_to_string(dir.join("film.toml"))
        .unwrap()
        // A camera path the plaza scene does not have.
        .replacen(
            "camera = { path = \"dash\" }",
            "camera = { path = \"dahs\" }",
            1,
        )
        // A slot no scene has.
        .replacen("slot = \"shopfront\"", "slot = \"billboard\"", 1)
        // Rain beyond its range.
        .replacen("rain = [0.3, 0.9]", "rain = [0.9, 0.3]", 1);
    std::fs::write(dir.join("film.toml"), &manifest).unwrap();
    // A sign that is not an image, and a scene cut short.
    std::fs::write(dir.join("signs/neon-arcade.png"), b"not a png").unwrap();
    let plaza = std::fs::read(dir.join("scenes/storm.lfscene")).unwrap();
    std::fs::write(dir.join("scenes/storm.lfscene"), &plaza[..plaza.len() / 2]).unwrap();
    let line_of = |needle: &str| manifest.lines().position(|l| l.contains(needle)).unwrap() + 1;

    let (ok, out, err) = check(&dir);
    assert!(!ok, "{out}{err}");
    for (line, field, what) in [
        (
            line_of("path = \"dahs\""),
            "segments[2].variants[1].camera.path",
            "has no camera path `dahs` (it has: dash)",
        ),
        (
            line_of("slot = \"billboard\""),
            "segments[1].placements[0].slot",
            "no sign slot `billboard`",
        ),
        (
            line_of("rain = [0.9, 0.3]"),
            "segments[1].variants[1].rain",
            "0 <= min <= max <= 1",
        ),
        (
            // Inside an inline array: the item's own line.
            line_of("sign = \"signs/neon-arcade.png\""),
            "segments[1].placements[0].items[1].sign",
            "neon-arcade.png is unusable",
        ),
        (
            nth_line(&manifest, 0, |l| l.contains("scenes/storm.lfscene")),
            "segments[1].variants[1].scene",
            "not a readable safetensors container",
        ),
    ] {
        assert_problem(&out, line, field, what);
    }
}

/// The demo film with `edits` applied (each `from` must be in it), written to a fresh
/// folder `name`; returns the folder and the manifest text.
fn demo_with(name: &str, edits: &[(&str, &str)]) -> (std::path::PathBuf, String) {
    let dir = common::out_dir(name);
    common::copy_dir(&common::root().join("assets/demo"), &dir);
    let manifest = std::fs::read_to_string(dir.join("film.toml")).unwrap();
    let manifest = edits.iter().fold(manifest, |m, (from, to)| {
        assert!(
            m.contains(from),
            "the demo film no longer contains {from:?}"
        );
        m.replacen(from, to, 1)
    });
    std::fs::write(dir.join("film.toml"), &manifest).unwrap();
    (dir, manifest)
}

/// Quoted keys, dotted keys and inline tables written over several lines are placed on
/// the line where the toml parser found them, not at their table's header.
#[test]
fn quoted_and_dotted_keys_are_located_where_written() {
    let (dir, manifest) = demo_with(
        "check_key_spellings",
        &[
            ("pacing = [0.8, 1.25]", "\"pacing\" = [1.2, 0.8]"),
            (
                "camera = { radius = 2.4, height = 0.6, from_deg = 30, to_deg = 70, fov_deg = 50 }",
                "camera.radius = 2.4\ncamera.height = 0.6\ncamera.from_deg = 30\ncamera.to_deg = 70\ncamera.fov_deg = 200",
            ),
            (
                "{ id = \"neon-arcade\", intensity = 0.8,",
                "{ id = \"neon-arcade\",\n    intensity = 1.8,",
            ),
        ],
    );
    let line_of = |needle: &str| nth_line(&manifest, 0, |l| l.contains(needle));
    let (ok, out, err) = check(&dir);
    assert!(!ok && err.contains("3 problem(s)"), "{out}{err}");
    assert_problem(
        &out,
        line_of("\"pacing\" = [1.2, 0.8]"),
        "segments[1].pacing",
        "must be [min, max]",
    );
    assert_problem(
        &out,
        line_of("camera.fov_deg = 200"),
        "segments[1].variants[0].camera.fov_deg",
        "must lie within (1, 170) degrees",
    );
    assert_problem(
        &out,
        line_of("intensity = 1.8"),
        "segments[1].placements[0].items[1].intensity",
        "must lie within 0..=1",
    );
}

/// A camera breaking three rules gets three messages, each at the key that breaks it.
#[test]
fn camera_rules_are_reported_one_per_message() {
    let (dir, manifest) = demo_with(
        "check_camera_rules",
        &[(
            "camera = { radius = 2.4, height = 0.6, from_deg = 30, to_deg = 70, fov_deg = 50 }",
            "camera = { radius = -2.4,\n  height = 0.6, from_deg = nan,\n  to_deg = 70, fov_deg = 200 }",
        )],
    );
    let line_of = |needle: &str| nth_line(&manifest, 0, |l| l.contains(needle));
    let (ok, out, err) = check(&dir);
    assert!(!ok && err.contains("3 problem(s)"), "{out}{err}");
    let at = "segments[1].variants[0].camera";
    assert_problem(
        &out,
        line_of("radius = -2.4"),
        &format!("{at}.radius"),
        "must be positive and finite",
    );
    assert_problem(
        &out,
        line_of("from_deg = nan"),
        &format!("{at}.from_deg"),
        "must be finite",
    );
    assert_problem(
        &out,
        line_of("fov_deg = 200"),
        &format!("{at}.fov_deg"),
        "must lie within (1, 170) degrees",
    );
    assert_eq!(out.lines().count(), 3, "one line per rule:\n{out}");
}

/// Every TOML syntax error is reported, each at the parser's own line and column, and the
/// parser's message keeps its own line; a schema error on a value written over several
/// lines says where the value ends.
#[test]
fn syntax_errors_keep_their_lines_and_columns() {
    let (dir, manifest) = demo_with(
        "check_syntax_lines",
        &[
            (
                "title = \"Night Walk (livingfilm demo)\"",
                "title = \"Night Walk",
            ),
            ("fps = 24", "fps = 24 fps"),
            (
                "light = [1.0, 0.92, 0.8]",
                "light = [1.0,\n  0.92,\n  0.8 0.9]",
            ),
        ],
    );
    let line_of = |needle: &str| nth_line(&manifest, 0, |l| l.contains(needle));
    let (ok, out, err) = check(&dir);
    assert!(!ok && err.contains("3 problem(s)"), "{out}{err}");
    let title = line_of("title = \"Night Walk");
    let col = "title = \"Night Walk".len() + 1;
    for want in [
        format!("film.toml:{title}:{col}: invalid basic string"),
        format!(
            "film.toml:{}:7: string values must be quoted",
            line_of("fps = 24 fps")
        ),
        format!(
            "film.toml:{}:3: string values must be quoted",
            line_of("0.8 0.9]")
        ),
    ] {
        assert!(
            out.lines().any(|l| l.contains(&want)),
            "missing `{want}` in:\n{out}"
        );
    }
    assert!(
        !out.contains("Night Walk"),
        "the file is not quoted:\n{out}"
    );

    let (dir, manifest) = demo_with(
        "check_schema_lines",
        &[("fog = [0.02, 0.12]", "fog = { low = 0.02,\n  high = 0.12 }")],
    );
    let line = nth_line(&manifest, 0, |l| l.contains("fog = { low"));
    let (ok, out, err) = check(&dir);
    assert!(!ok && err.contains("1 problem(s)"), "{out}{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert!(
        lines[0].contains(&format!("film.toml:{line}:7: invalid type: map")),
        "{out}"
    );
    assert_eq!(
        lines[1],
        format!(
            "    (the value at fault runs from line {line} to line {})",
            line + 1
        )
    );
}

/// One capture played by six variants: what its sidecar lacks (a sign slot, a camera
/// path) is reported once, not once per variant, and a sidecar that does not parse is
/// one problem naming every field that uses the capture.
#[test]
fn a_scene_used_by_many_variants_is_reported_once() {
    let takes: String = (0..6)
        .map(|k| {
            format!(
                "[[segments.variants]]\nid = \"take{k}\"\nscene = \"scenes/fruit.ply\"\nduration_s = 6.0\n\
                 intensity = 0.{k}\ncamera = {{ path = \"dash\" }}\nfog = [0.0, 0.1]\nexposure = 1.0\nlight = [1, 1, 1]\n\n"
            )
        })
        .collect();
    let garden_and_storm = {
        let demo = std::fs::read_to_string(common::root().join("assets/demo/film.toml")).unwrap();
        let from = demo.find("[[segments.variants]]\nid = \"garden\"").unwrap();
        let to = from + demo[from..].find("\n[[segments]]").unwrap();
        demo[from..to].to_owned()
    };
    let (dir, manifest) = demo_with(
        "check_shared_scene",
        &[(garden_and_storm.as_str(), takes.as_str())],
    );
    let ply = common::root().join("tests/data/radiance/supersplat_fruit_drops_minimal.ply");
    std::fs::copy(ply, dir.join("scenes/fruit.ply")).unwrap();
    // A sidecar that parses but has no sign slots and no camera path `dash`.
    let sidecar = dir.join("scenes/fruit.ply.json");
    std::fs::write(&sidecar, r#"{ "weather_scale": 2.0 }"#).unwrap();

    let (ok, out, err) = check(&dir);
    assert!(!ok && err.contains("2 problem(s)"), "{out}{err}");
    assert_problem(
        &out,
        nth_line(&manifest, 0, |l| l.contains("path = \"dash\"")),
        "segments[1].variants[0].camera.path",
        "scene scenes/fruit.ply has no camera path `dash` (it has: none) (named by 6 fields: \
         segments[1].variants[0].camera.path, segments[1].variants[1].camera.path, \
         segments[1].variants[2].camera.path and 3 more)",
    );
    assert_problem(
        &out,
        nth_line(&manifest, 0, |l| l.contains("slot = \"shopfront\"")),
        "segments[1].placements[0].slot",
        "6 variants (`take0`, `take1`, `take2`, `take3`, `take4`, `take5`) play scene scenes/fruit.ply, which has no sign slot `shopfront`",
    );

    // A sidecar with a typo: the capture is unusable, reported once for all six.
    std::fs::write(&sidecar, "{\n  \"slot\": []\n}").unwrap();
    let (ok, out, err) = check(&dir);
    assert!(!ok && err.contains("1 problem(s)"), "{out}{err}");
    assert_problem(
        &out,
        nth_line(&manifest, 0, |l| l.contains("scenes/fruit.ply")),
        "segments[1].variants[0].scene",
        "fruit.ply.json: line 2",
    );
    assert!(out.contains("(named by 6 fields: "), "{out}");
}
