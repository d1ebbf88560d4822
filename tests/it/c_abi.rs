//! The C ABI from C: the checked-in header is what cbindgen makes from crates/ffi/src/lib.rs,
//! examples/c_host (built here with the system C compiler) plays the demo through the
//! shared library with the same cut ID, frames and mix, bit for bit, as the CLI, and
//! examples/c_host/misuse.c gets every rule wrong and is told so each time.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::{Digest, Sha256};

fn header() -> Vec<u8> {
    let root = common::root();
    let config = cbindgen::Config::from_file(root.join("cbindgen.toml")).unwrap();
    let mut out = Vec::new();
    cbindgen::Builder::new()
        .with_config(config)
        .with_src(root.join("crates/ffi/src/lib.rs"))
        .generate()
        .expect("cbindgen cannot read crates/ffi/src/lib.rs")
        .write(&mut out);
    out
}

#[test]
fn header_is_current() {
    let path = common::root().join("include/livingfilm.h");
    let made = header();
    if std::env::var_os("LIVINGFILM_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &made).unwrap();
    }
    let checked_in = std::fs::read(&path).unwrap_or_default();
    assert!(
        checked_in == made,
        "include/livingfilm.h is out of date with crates/ffi/src/lib.rs; regenerate it with \
         `LIVINGFILM_BLESS=1 cargo test --test it c_abi::header`"
    );
}

/// The shared library, built from `crates/ffi` into this build's target folder.
fn ffi_library() -> PathBuf {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .current_dir(common::root())
        .args(["build", "--quiet", "-p", "livingfilm-ffi"])
        .status()
        .unwrap();
    assert!(status.success(), "building the C ABI library failed");
    let lib = common::root().join("target/debug/liblivingfilm.so");
    assert!(lib.exists(), "{} is missing", lib.display());
    lib
}

fn compile_c_host(lib: &Path, out: &Path) -> PathBuf {
    compile_c(lib, out, "main.c")
}

/// Builds `examples/c_host/<source>` against the library into `out`.
fn compile_c(lib: &Path, out: &Path, source: &str) -> PathBuf {
    let root = common::root();
    let exe = out.join(source.trim_end_matches(".c"));
    let lib_dir = lib.parent().unwrap();
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    let status = Command::new(cc)
        .args(["-std=c11", "-Wall", "-Wextra", "-Werror", "-O1", "-o"])
        .arg(&exe)
        .arg(root.join("examples/c_host").join(source))
        .arg(format!("-I{}", root.join("include").display()))
        .arg(format!("-L{}", lib_dir.display()))
        .arg("-llivingfilm")
        .arg(format!("-Wl,-rpath,{}", lib_dir.display()))
        .status()
        .unwrap();
    assert!(
        status.success(),
        "the C compiler rejected examples/c_host/{source}"
    );
    exe
}

/// A copy of the demo whose manifest loads but whose first look is not a LUT, so
/// playback fails after `lf_player_start`.
fn broken_demo(out: &Path) -> PathBuf {
    let film = out.join("broken-demo");
    common::copy_dir(&common::root().join("assets/demo"), &film);
    std::fs::write(film.join("luts/tension.cube"), "LUT_3D_SIZE 2\n0 0\n").unwrap();
    film
}

#[test]
fn every_misuse_of_the_c_abi_is_reported() {
    let root = common::root();
    let out = common::out_dir("c-abi-misuse");
    let lib = ffi_library();
    let exe = compile_c(&lib, &out, "misuse.c");
    let config = format!(
        r#"{{"render": "cpu", "width": 32, "height": 18, "providers": "cpu", "data_dir": {:?}}}"#,
        out.join("data").display().to_string()
    );
    let run = Command::new(&exe)
        .arg(root.join("assets/demo"))
        .arg(broken_demo(&out))
        .arg(&config)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "misuse cases failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(stdout.contains("misuse: 0 failed"), "{stdout}");
    assert!(
        stdout.lines().filter(|l| l.starts_with("ok: ")).count() >= 25,
        "{stdout}"
    );
}

fn sha256_hex(path: &Path) -> String {
    let bytes = std::fs::read(path).unwrap();
    Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn the_c_host_plays_the_demo_exactly_as_the_cli_does() {
    common::gpu_env();
    let root = common::root();
    let out = common::out_dir("c-abi");
    let lib = ffi_library();
    let exe = compile_c_host(&lib, &out);
    let replay = root.join("assets/demo/viewers/tense.csv");
    let model = root.join("models/tension.onnx");
    let config = format!(
        r#"{{"render": "cpu", "width": 48, "height": 27, "seed": 7, "providers": "cpu", "model": {:?}, "data_dir": {:?}}}"#,
        model.display().to_string(),
        out.join("data").display().to_string()
    );
    let host_out = out.join("host");
    std::fs::create_dir_all(&host_out).unwrap();
    let run = Command::new(&exe)
        .arg(root.join("assets/demo"))
        .arg(&replay)
        .arg(&host_out)
        .arg(&config)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "c_host failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let host_cut = std::fs::read_to_string(host_out.join("cut_id.txt")).unwrap();

    let cli_out = out.join("cli");
    let cli = Command::new(env!("CARGO_BIN_EXE_livingfilm"))
        .current_dir(&root)
        .args(["play", "assets/demo", "-b"])
        .arg(&replay)
        .args([
            "--seed", "7", "--width", "48", "--height", "27", "--render", "cpu",
        ])
        .args(["--audio", "headless", "--providers", "cpu", "-q", "-o"])
        .arg(&cli_out)
        .env("LIVINGFILM_DATA_DIR", out.join("data"))
        .output()
        .unwrap();
    assert!(
        cli.status.success(),
        "{}",
        String::from_utf8_lossy(&cli.stderr)
    );
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(cli_out.join("report.json")).unwrap()).unwrap();
    assert_eq!(host_cut.trim(), report["cut_id"].as_str().unwrap());
    let decisions = report["decisions"].as_array().unwrap().len();
    assert!(
        stdout.contains(&format!("decisions: {decisions}")),
        "{stdout}"
    );

    // Frames and mix bit for bit: the CLI's hashes are over the same bytes.
    let frames = report["render"]["frames"].as_u64().unwrap();
    let rgba = host_out.join("frames.rgba");
    assert_eq!(
        std::fs::metadata(&rgba).unwrap().len(),
        frames * 48 * 27 * 4
    );
    assert_eq!(
        sha256_hex(&rgba),
        report["render"]["frames_sha256"].as_str().unwrap()
    );
    let mix = host_out.join("mix.f32");
    assert_eq!(
        std::fs::metadata(&mix).unwrap().len(),
        report["audio"]["frames"].as_u64().unwrap() * 2 * 4
    );
    assert_eq!(
        sha256_hex(&mix),
        report["audio"]["sha256"].as_str().unwrap()
    );
}
