//! `livingfilm check`: every problem of a broken film in one pass, each with its manifest
//! line and field; the demo film passes.

mod common;

fn check(dir: &std::path::Path) -> (bool, String, String) {
    common::livingfilm(&["check", dir.to_str().unwrap()])
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dest = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &dest);
        } else {
            std::fs::copy(e.path(), dest).unwrap();
        }
    }
}

#[test]
fn demo_film_is_clean() {
    let (ok, out, err) = check(&common::root().join("assets/demo"));
    assert!(ok && out.contains(": ok"), "{out}{err}");
}

#[test]
fn every_problem_is_reported_with_line_and_field() {
    let dir = common::out_dir("check_bad_film");
    copy_dir(&common::root().join("assets/demo"), &dir);
    let manifest = std::fs::read_to_string(dir.join("film.toml")).unwrap();
    let manifest = manifest
        .replacen("fps = 24", "fps = 500", 1)
        .replacen("id = \"escape\"", "id = \"encounter\"", 1)
        .replacen("fog = [0.0, 0.08]", "fog = [0.5, 0.1]", 1);
    std::fs::write(dir.join("film.toml"), &manifest).unwrap();
    std::fs::write(dir.join("luts/tension.cube"), "LUT_3D_SIZE 2\n0 0 0\n").unwrap();
    std::fs::remove_file(dir.join("scenes/garden.lfgrid")).unwrap();
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
    assert!(out.contains("garden.lfgrid does not exist"), "{out}");
    assert!(out.contains("tension.cube is unusable"), "{out}");
}
