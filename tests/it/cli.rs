//! The command line as a person uses it: help, version, and one-line errors.

use crate::common;

use common::*;

fn one_line_error(args: &[&str], needles: &[&str]) {
    let (ok, _, err) = livingfilm(args);
    assert!(!ok, "expected failure for {args:?}");
    let lines: Vec<&str> = err.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(lines.len(), 1, "stderr: {err}");
    for n in needles {
        assert!(lines[0].contains(n), "`{}` lacks `{n}`", lines[0]);
    }
}

#[test]
fn help_and_version() {
    let (ok, out, _) = livingfilm(&["--version"]);
    assert!(ok && out.starts_with("livingfilm "), "{out}");
    let (ok, out, _) = livingfilm(&["play", "--help"]);
    assert!(ok);
    for flag in [
        "--biometrics",
        "--cut",
        "--consent",
        "--uplink-url",
        "--audio",
        "--seed",
        "--png",
        "--directors-cut",
        "--profile",
        "--placement-consent",
        "Example:",
    ] {
        assert!(out.contains(flag), "play --help lacks {flag}");
    }
}

#[test]
fn replay_command_reproduces_the_viewing() {
    let (a, b) = (out_dir("cli_replay_src"), out_dir("cli_replay_dst"));
    let small = [
        "--audio", "headless", "--width", "64", "--height", "36", "-q",
    ];
    let mut args = vec![
        "play",
        "assets/demo",
        "-b",
        "assets/demo/viewers/tense.csv",
        "-o",
    ];
    args.push(a.to_str().unwrap());
    args.extend(small);
    let (ok, out, err) = livingfilm(&args);
    assert!(ok, "{err}");
    let cut = out.trim().strip_prefix("cut ID: ").expect("cut ID printed");
    // The replay takes the size from the film; compare what the choices decide.
    let (ok, out2, err) = livingfilm(&[
        "replay",
        cut,
        "--film",
        "assets/demo",
        "--audio",
        "headless",
        "-q",
        "-o",
        b.to_str().unwrap(),
    ]);
    assert!(ok && err.contains("replayed without biometrics"), "{err}");
    assert_eq!(out2.trim(), out.trim(), "same cut ID");
    let report = |d: &std::path::Path| -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(d.join("report.json")).unwrap()).unwrap()
    };
    let (ra, rb) = (report(&a), report(&b));
    assert_eq!(ra["duration_s"], rb["duration_s"]);
    assert_eq!(ra["audio"]["sha256"], rb["audio"]["sha256"]);
    let choices = |r: &serde_json::Value| {
        r["decisions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                (
                    d["variant_id"].clone(),
                    d["offset"].clone(),
                    d["pace"].clone(),
                )
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(choices(&ra), choices(&rb));
    // Another film version is refused in one line.
    one_line_error(
        &[
            "replay",
            cut,
            "--film",
            "assets/arc",
            "-o",
            b.to_str().unwrap(),
        ],
        &["film version"],
    );
}

#[test]
fn plays_and_prints_the_cut_id() {
    let o = out_dir("cli_play");
    let (ok, out, err) = livingfilm(&[
        "play",
        "assets/demo",
        "-b",
        "assets/demo/viewers/calm.csv",
        "--audio",
        "headless",
        "--width",
        "64",
        "--height",
        "36",
        "-o",
        o.to_str().unwrap(),
        "--png",
    ]);
    assert!(ok, "{err}");
    let line = out
        .lines()
        .find(|l| l.starts_with("cut ID: lf1-"))
        .expect("cut ID printed");
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(o.join("report.json")).unwrap()).unwrap();
    assert_eq!(line.trim_start_matches("cut ID: "), report["cut_id"]);
    assert_eq!(
        std::fs::read_dir(o.join("frames")).unwrap().count() as u64,
        report["render"]["frames"].as_u64().unwrap()
    );
    assert!(err.contains("encounter -> garden"), "{err}");
}

#[test]
fn bad_inputs_fail_with_one_clear_line() {
    let o = out_dir("cli_errors");
    one_line_error(
        &["play", "no/such/film", "-o", o.to_str().unwrap()],
        &["no/such/film", "No such file"],
    );

    // User-info used to hide a real host behind a loopback-looking prefix: refused
    // before the film plays, so nothing connects anywhere.
    one_line_error(
        &[
            "play",
            "assets/demo",
            "--consent",
            "--uplink-url",
            "http://127.0.0.1:1@192.0.2.2/ingest",
            "-o",
            o.to_str().unwrap(),
        ],
        &["uplink endpoint", "user-info"],
    );

    let bad_replay = o.join("bad.csv");
    std::fs::write(&bad_replay, "t_s,rr_ms\n0.8,800\n1.6,80000\n").unwrap();
    one_line_error(
        &[
            "play",
            "assets/demo",
            "-b",
            bad_replay.to_str().unwrap(),
            "-o",
            o.to_str().unwrap(),
        ],
        &["bad.csv:3:", "rr_ms 80000"],
    );
    one_line_error(
        &[
            "play",
            "assets/demo",
            "-b",
            "missing.csv",
            "-o",
            o.to_str().unwrap(),
        ],
        &["missing.csv"],
    );
    one_line_error(
        &[
            "play",
            "assets/demo",
            "--cut",
            "lf1-zzzz",
            "-o",
            o.to_str().unwrap(),
        ],
        &["cut ID"],
    );

    let film_dir = o.join("film");
    std::fs::create_dir_all(&film_dir).unwrap();
    let manifest = std::fs::read_to_string(root().join("assets/demo/film.toml")).unwrap();
    std::fs::write(
        film_dir.join("film.toml"),
        manifest.replace("fps = 24", "fps = 0"),
    )
    .unwrap();
    one_line_error(
        &[
            "play",
            film_dir.to_str().unwrap(),
            "-o",
            o.to_str().unwrap(),
        ],
        &["film.fps"],
    );
    std::fs::write(film_dir.join("film.toml"), "[film]\nid = 3\n").unwrap();
    one_line_error(
        &[
            "play",
            film_dir.to_str().unwrap(),
            "-o",
            o.to_str().unwrap(),
        ],
        &["film.toml", "line"],
    );
}

#[test]
fn a_cut_id_for_another_film_version_is_refused() {
    let o = out_dir("cli_other_film");
    let film_dir = o.join("film");
    std::fs::create_dir_all(&film_dir).unwrap();
    let manifest = std::fs::read_to_string(root().join("assets/demo/film.toml")).unwrap();
    let edited = manifest
        .replace("\"luts/", "\"../../../../assets/demo/luts/")
        .replace("\"audio/", "\"../../../../assets/demo/audio/")
        .replace("\"scenes/", "\"../../../../assets/demo/scenes/")
        .replace("\"signs/", "\"../../../../assets/demo/signs/")
        .replace("exposure = 1.25", "exposure = 1.2")
        .replacen(
            "[film]\n",
            "[film]\nasset_root = \"../../../../assets/demo\"\n",
            1,
        );
    std::fs::write(film_dir.join("film.toml"), edited).unwrap();
    let cut = livingfilm_director::CutId::new(
        &livingfilm_director::Film::load(&root().join("assets/demo"))
            .unwrap()
            .content_hash,
        1,
        vec![0, 0],
    );
    one_line_error(
        &[
            "play",
            film_dir.to_str().unwrap(),
            "--cut",
            &cut.to_string(),
            "-o",
            o.to_str().unwrap(),
        ],
        &["film version"],
    );
}

/// A model that cannot be used never stops the film: the director's cut plays and the
/// report says why.
#[test]
fn model_failures_fall_back_to_the_directors_cut() {
    let o = out_dir("cli_model_fallback");
    let corrupt = o.join("corrupt.onnx");
    std::fs::write(&corrupt, b"this is not a model").unwrap();
    // (extra flags, environment, what the warning must name)
    type Case<'a> = (&'a [&'a str], &'a [(&'a str, &'a str)], &'a [&'a str]);
    let cases: [Case; 3] = [
        (
            &["--model", "models/none.onnx"],
            &[],
            &["models/none.onnx", "not found"],
        ),
        (
            &["--model", corrupt.to_str().unwrap()],
            &[],
            &["corrupt.onnx", "could not be loaded"],
        ),
        (
            &[],
            &[("ORT_DYLIB_PATH", "/nonexistent/libonnxruntime.so")],
            &["/nonexistent/libonnxruntime.so", "scripts/setup.sh"],
        ),
    ];
    for (k, (extra, env, needles)) in cases.into_iter().enumerate() {
        let dir = o.join(k.to_string());
        let mut args = vec![
            "play",
            "assets/demo",
            "-b",
            "assets/demo/viewers/tense.csv",
            "--audio",
            "headless",
            "--width",
            "32",
        ];
        args.extend(["--height", "18", "-q", "-o", dir.to_str().unwrap()]);
        args.extend(extra);
        let (ok, _, err) = livingfilm_env(&args, env);
        assert!(ok, "case {k}: {err}");
        let warning = err
            .lines()
            .find(|l| l.contains("warning: inference:"))
            .unwrap_or_else(|| panic!("case {k}: no warning in {err}"));
        for n in needles {
            assert!(warning.contains(n), "case {k}: `{warning}` lacks `{n}`");
        }
        let report: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.join("report.json")).unwrap()).unwrap();
        assert_eq!(report["inference"]["provider"], "none (director's cut)");
        assert!(report["decisions"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["variant"] == 0));
        assert!(report["inference"]["errors"][0]
            .as_str()
            .unwrap()
            .contains("director's cut"));
    }
}

#[test]
fn model_tools_inspect_run_and_bench() {
    let o = out_dir("cli_model_tools");
    let (ok, out, err) = livingfilm(&["model", "inspect", "models/tension.onnx", "--json"]);
    assert!(ok, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["inputs"][0]["name"], "features");
    assert_eq!(v["inputs"][0]["shape"], serde_json::json!([-1, 4]));
    assert_eq!(
        v["metadata"]["custom"]["livingfilm.feature_contract"],
        livingfilm_inference::FEATURE_CONTRACT
    );
    assert!(v["providers_available"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p == "CPUExecutionProvider"));

    let y = o.join("y.npy");
    let (ok, _, err) = livingfilm(&[
        "model",
        "run",
        "tests/data/onnx/conv2d.onnx",
        "--input",
        "tests/data/onnx/conv2d_input.npy",
        "--output",
        y.to_str().unwrap(),
    ]);
    assert!(ok, "{err}");
    let got = livingfilm_inference::npy::NpyArray::load(&y).unwrap();
    let want = livingfilm_inference::npy::NpyArray::load(
        &root().join("tests/data/onnx/conv2d_output_onnxruntime.npy"),
    )
    .unwrap();
    assert_eq!(got.shape, want.shape);
    let (livingfilm_inference::npy::NpyData::F32(a), livingfilm_inference::npy::NpyData::F32(b)) =
        (&got.data, &want.data)
    else {
        panic!("dtype")
    };
    assert!(a.iter().zip(b).all(|(x, y)| (x - y).abs() < 1e-4));

    let (ok, out, err) = livingfilm(&[
        "model",
        "bench",
        "models/tension.onnx",
        "--runs",
        "200",
        "--warmup",
        "20",
        "--json",
    ]);
    assert!(ok, "{err}");
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert!(
        v["p50_us"].as_f64().unwrap() > 0.0
            && v["p99_us"].as_f64().unwrap() >= v["p50_us"].as_f64().unwrap()
    );

    one_line_error(
        &["model", "inspect", "no_model.onnx"],
        &["no_model.onnx", "not found"],
    );
    one_line_error(
        &[
            "model",
            "run",
            "tests/data/onnx/conv2d.onnx",
            "--input",
            "models/tension.onnx",
        ],
        &["tension.onnx", "bad magic"],
    );
    let (ok, _, err) = livingfilm_env(
        &["model", "inspect", "models/tension.onnx"],
        &[("ORT_DYLIB_PATH", "/nonexistent/lib.so")],
    );
    assert!(
        !ok && err.contains("/nonexistent/lib.so") && err.contains("scripts/setup.sh"),
        "{err}"
    );
}

#[test]
fn no_gpu_adapter_names_the_packages_to_install() {
    let o = out_dir("cli_no_gpu");
    // A backend that does not exist on this platform leaves wgpu without an adapter.
    let (ok, _, err) = livingfilm_env(
        &[
            "play",
            "assets/demo",
            "--render",
            "gpu",
            "-q",
            "-o",
            o.to_str().unwrap(),
        ],
        &[("WGPU_BACKEND", "dx12")],
    );
    assert!(!ok);
    let line = err
        .lines()
        .find(|l| l.starts_with("error:"))
        .unwrap_or_else(|| panic!("{err}"));
    assert!(
        line.contains("no GPU adapter") && line.contains("mesa-vulkan-drivers"),
        "{line}"
    );
    // `auto` (the default) plays on the CPU instead and says why in the report.
    let (ok, _, err) = livingfilm_env(
        &[
            "play",
            "assets/demo",
            "--width",
            "32",
            "--height",
            "18",
            "--audio",
            "null",
            "-q",
            "-o",
            o.to_str().unwrap(),
        ],
        &[("WGPU_BACKEND", "dx12")],
    );
    assert!(ok, "{err}");
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(o.join("report.json")).unwrap()).unwrap();
    let fallback = report["render"]["fallback"].as_str().unwrap_or_default();
    assert!(
        fallback.contains("mesa-vulkan-drivers") && fallback.contains("CPU"),
        "{fallback}"
    );
    assert!(report["render"]["adapter"]
        .as_str()
        .unwrap()
        .starts_with("CPU renderer"));
}

#[test]
fn inspect_describes_a_scene_and_names_a_damaged_one() {
    let (ok, out, err) = livingfilm(&["inspect", "assets/demo/scenes/plaza.lfscene", "--json"]);
    assert!(ok, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["grid"], serde_json::json!([64, 64, 64]));
    assert_eq!(v["slots"], serde_json::json!(["shopfront"]));
    assert_eq!(v["camera_paths"], serde_json::json!(["dash"]));
    let empty = v["empty_block_share"].as_f64().unwrap();
    assert!((0.3..1.0).contains(&empty), "{empty}");
    let (ok, out, _) = livingfilm(&["inspect", "assets/demo/scenes/plaza.lfscene"]);
    assert!(
        ok && out.contains("grid       64 x 64 x 64 texels"),
        "{out}"
    );

    let dir = common::out_dir("inspect-bad-scene");
    let bytes = std::fs::read(common::root().join("assets/demo/scenes/plaza.lfscene")).unwrap();
    let bad = dir.join("cut.lfscene");
    std::fs::write(&bad, &bytes[..bytes.len() - 100]).unwrap();
    let (ok, _, err) = livingfilm(&["inspect", bad.to_str().unwrap()]);
    assert!(!ok);
    assert!(
        err.contains("cut.lfscene") && err.contains("not a readable safetensors container"),
        "{err}"
    );
}

#[test]
fn inspect_describes_a_splat_capture_and_its_sidecar() {
    let ply = "tests/data/radiance/supersplat_fruit_drops_minimal.ply";
    let (ok, out, err) = livingfilm(&["inspect", ply, "--json"]);
    assert!(ok, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["splats"], 4721);
    assert_eq!(v["sh_degree"], 3);
    assert_eq!(v["sidecar"], serde_json::Value::Null);
    // The capture is y-down: the player's axes flip y and z.
    let (lo, plo) = (&v["bounds_min"], &v["player_bounds_min"]);
    let (hi, phi) = (&v["bounds_max"], &v["player_bounds_max"]);
    assert_eq!(lo[0], plo[0]);
    assert!((plo[1].as_f64().unwrap() + hi[1].as_f64().unwrap()).abs() < 1e-6);
    assert!((phi[2].as_f64().unwrap() + lo[2].as_f64().unwrap()).abs() < 1e-6);

    let dir = common::out_dir("inspect-splats");
    let copy = dir.join("fruit.ply");
    std::fs::copy(common::root().join(ply), &copy).unwrap();
    std::fs::write(
        dir.join("fruit.ply.json"),
        r#"{ "cameras": [ { "name": "drift", "fov_deg": 45, "keys": [
             { "t": 0, "eye": [0, 0, 3], "look_at": [0.7, -0.1, 2.1] },
             { "t": 1, "eye": [1, 0, 3], "look_at": [0.7, -0.1, 2.1] } ] } ] }"#,
    )
    .unwrap();
    let (ok, out, err) = livingfilm(&["inspect", copy.to_str().unwrap()]);
    assert!(
        ok && out.contains("cameras    drift") && out.contains("splats     4721"),
        "{out}{err}"
    );
    // A sidecar with a typo is named with its line.
    std::fs::write(dir.join("fruit.ply.json"), "{\n  \"slot\": []\n}").unwrap();
    let (ok, _, err) = livingfilm(&["inspect", copy.to_str().unwrap()]);
    assert!(
        !ok && err.contains("fruit.ply.json") && err.contains("line 2"),
        "{err}"
    );
}

/// SIGTERM (or Ctrl-C) mid-viewing ends the film where the director is, and every output
/// is finished and consistent with the shortened viewing; the status tells it was stopped.
#[cfg(unix)]
#[test]
fn a_signal_ends_the_viewing_with_its_outputs_finished() {
    gpu_env();
    let o = out_dir("cli_sigterm");
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_livingfilm"))
        .args(["play", "assets/demo", "-b", "assets/demo/viewers/calm.csv"])
        .args(["--audio", "headless", "-q", "-o"])
        .arg(&o)
        .current_dir(root())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // As soon as the first frames are out: the director is then well inside the film.
    let y4m = o.join("film.y4m");
    let waited = std::time::Instant::now();
    while std::fs::metadata(&y4m).map_or(0, |m| m.len()) == 0 {
        assert!(waited.elapsed().as_secs() < 120, "no frames after 2 min");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    // SAFETY: signalling our own child process.
    assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGTERM) }, 0);
    let out = child.wait_with_output().unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert_eq!(out.status.code(), Some(128 + 15), "{stderr}");
    assert!(stderr.contains("stopped at"), "{stderr}");
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(o.join("report.json")).unwrap()).unwrap();
    assert_eq!(
        stdout.trim().strip_prefix("cut ID: "),
        report["cut_id"].as_str()
    );
    let film = livingfilm_director::Film::load(&root().join("assets/demo")).unwrap();
    let duration = report["duration_s"].as_f64().unwrap();
    assert!(
        duration > 0.0 && duration < film.default_duration_s() - 1.0,
        "stopped at {duration} s"
    );
    // Frames and the mix both end where the viewing did.
    let frames = report["render"]["frames"].as_u64().unwrap();
    assert_eq!(frames, (duration * film.info.fps as f64).round() as u64);
    // The y4m stream holds exactly those frames: header line, then "FRAME\n" + 4:4:4 planes.
    let (w, h) = (film.info.width as u64, film.info.height as u64);
    let mut header = Vec::new();
    std::io::BufRead::read_until(
        &mut std::io::BufReader::new(std::fs::File::open(&y4m).unwrap()),
        b'\n',
        &mut header,
    )
    .unwrap();
    assert!(
        header.ends_with(b"C444 XCOLORRANGE=LIMITED\n"),
        "{header:?}"
    );
    let header_len = header.len() as u64;
    let len = std::fs::metadata(&y4m).unwrap().len();
    assert_eq!(len, header_len + frames * (6 + 3 * w * h));
    let wav = hound::WavReader::open(o.join("mix.wav")).unwrap();
    let seconds = wav.duration() as f64 / wav.spec().sample_rate as f64;
    assert!(
        (seconds - duration).abs() < 0.05,
        "mix {seconds} s, viewing {duration} s"
    );
}

/// Runs `bin ARGS` from `cwd`, with no installed livingfilm in the data folders.
fn run_from(bin: &std::path::Path, cwd: &std::path::Path, args: &[&str]) -> (bool, String, String) {
    gpu_env();
    let empty = out_dir("cli_no_data_home");
    let out = std::process::Command::new(bin)
        .args(args)
        .current_dir(cwd)
        .env("XDG_DATA_HOME", &empty)
        .env("XDG_DATA_DIRS", &empty)
        .env_remove("LIVINGFILM_MODEL")
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn report_json(dir: &std::path::Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(dir.join("report.json")).unwrap()).unwrap()
}

/// From a folder that is not the checkout, the shipped model steers the viewing and the
/// demo film is the default of `explain` and `replay`; a bundle (the program beside
/// `models/`) and an installed prefix (`bin/` beside `share/livingfilm/`) find their own
/// model first.
#[test]
fn the_shipped_model_and_demo_film_are_found_from_any_folder() {
    let elsewhere = out_dir("cli_elsewhere");
    let bin = std::path::PathBuf::from(env!("CARGO_BIN_EXE_livingfilm"));
    let demo = root().join("assets/demo");
    let small = ["--audio", "null", "--width", "64", "--height", "36", "-q"];
    let play = |bin: &std::path::Path, out: &std::path::Path| {
        let mut args = vec!["play", demo.to_str().unwrap(), "-b", "sim:calm", "-o"];
        args.push(out.to_str().unwrap());
        args.extend(small);
        let (ok, stdout, err) = run_from(bin, &elsewhere, &args);
        assert!(ok, "{err}");
        assert!(!err.contains("no tension model"), "{err}");
        (report_json(out), stdout)
    };
    let out = elsewhere.join("viewing");
    let (r, _) = play(&bin, &out);
    assert_eq!(
        r["inference"]["provider"], "CPUExecutionProvider",
        "{}",
        r["inference"]
    );
    for d in r["decisions"].as_array().unwrap().iter().skip(1) {
        let why = d["reason"].as_str().unwrap();
        assert!(
            why.starts_with("tension "),
            "steered on a real estimate: {why}"
        );
    }
    let cut = r["cut_id"].as_str().unwrap();
    let (ok, text, err) = run_from(&bin, &elsewhere, &["explain", cut]);
    assert!(ok && text.contains("`encounter`"), "{err}");
    let again = elsewhere.join("replay");
    let mut args = vec!["replay", cut, "-o", again.to_str().unwrap()];
    args.extend(small);
    let (ok, _, err) = run_from(&bin, &elsewhere, &args);
    assert!(ok, "{err}");
    let replayed = report_json(&again);
    assert_eq!(replayed["render"]["width"], 64);
    assert_eq!(replayed["cut_id"], r["cut_id"]);

    // The program's own places come before the source checkout.
    let model = root().join("models/tension.onnx");
    for (layout, program, shipped) in [
        ("bundle", "livingfilm", "models/tension.onnx"),
        (
            "prefix",
            "bin/livingfilm",
            "share/livingfilm/models/tension.onnx",
        ),
    ] {
        let base = out_dir(&format!("cli_{layout}"));
        let program = base.join(program);
        let shipped = base.join(shipped);
        std::fs::create_dir_all(program.parent().unwrap()).unwrap();
        std::fs::create_dir_all(shipped.parent().unwrap()).unwrap();
        std::fs::hard_link(&bin, &program).unwrap();
        std::fs::copy(&model, &shipped).unwrap();
        let (r, _) = play(&program, &base.join("viewing"));
        let used = std::path::PathBuf::from(r["inference"]["model"].as_str().unwrap());
        assert_eq!(
            used.canonicalize().unwrap(),
            shipped.canonicalize().unwrap(),
            "{layout}"
        );
    }
}

/// With biometrics but no model, the player says so before the film and in every
/// decision, instead of blaming the signal.
#[test]
fn without_a_model_the_start_and_every_decision_say_so() {
    let out = out_dir("cli_no_model");
    let (ok, _, err) = livingfilm(&[
        "play",
        "assets/demo",
        "-b",
        "sim:calm",
        "--model",
        "/nonexistent/tension.onnx",
        "--audio",
        "null",
        "--width",
        "64",
        "--height",
        "36",
        "-q",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(ok, "{err}");
    let warning = err
        .find("warning: no tension model")
        .expect("an up-front warning");
    let first_decision = err.find("arrival ->").expect("decision lines");
    assert!(warning < first_decision, "{err}");
    for d in report_json(&out)["decisions"].as_array().unwrap() {
        let why = d["reason"].as_str().unwrap();
        assert!(
            why.contains("no tension model") && why.contains("/nonexistent/tension.onnx"),
            "{why}"
        );
        assert!(!why.contains("signal confidence"), "{why}");
    }
}

/// A headless run on a machine with no display and no `XDG_RUNTIME_DIR` prints no
/// display-probe errors (Mesa's device-select layer, via libwayland, printed two).
#[test]
fn a_headless_run_prints_no_display_probe_errors() {
    gpu_env();
    let out = out_dir("cli_no_runtime_dir");
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_livingfilm"))
        .args([
            "play",
            "assets/demo",
            "--audio",
            "null",
            "--width",
            "64",
            "--height",
            "36",
        ])
        .args(["--render", "gpu", "-q", "-o"])
        .arg(&out)
        .current_dir(root())
        .env_remove("XDG_RUNTIME_DIR")
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{err}");
    assert!(!err.contains("XDG_RUNTIME_DIR"), "{err}");
    assert!(err.lines().all(|l| !l.starts_with("error:")), "{err}");
}

/// Every script the project's files tell a person to run exists.
#[test]
fn every_script_named_in_the_docs_and_sources_exists() {
    let root = root();
    let mut files = vec![root.join("Cargo.toml"), root.join("README.md")];
    for dir in ["docs", "scripts", "examples/c_host", ".ci"] {
        for e in std::fs::read_dir(root.join(dir)).unwrap() {
            files.push(e.unwrap().path());
        }
    }
    let mut named = 0;
    for file in files.iter().filter(|f| f.is_file()) {
        let text = std::fs::read_to_string(file).unwrap_or_default();
        for (at, _) in text.match_indices("scripts/") {
            let name: String = text[at..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || "/_.-".contains(*c))
                .collect();
            let name = name.trim_end_matches('.');
            if name.ends_with(".sh") || name.ends_with(".py") {
                named += 1;
                assert!(
                    root.join(name).is_file(),
                    "{} names {name}, which does not exist",
                    file.display()
                );
            }
        }
    }
    assert!(named > 10, "only {named} script names found");
}
