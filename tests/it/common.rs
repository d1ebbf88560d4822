//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

use livingfilm_player::{
    AudioMode, AudioSettings, InferenceSettings, PlayerConfig, RenderSettings, UplinkSettings,
    ViewerSettings,
};

/// Repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Environment a headless GPU run needs (lavapipe wants a runtime dir).
pub fn gpu_env() {
    let dir = std::env::temp_dir().join("livingfilm-xdg");
    let _ = std::fs::create_dir_all(&dir);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700));
    }
    if std::env::var_os("XDG_RUNTIME_DIR").is_none() {
        // SAFETY: set once, before any thread of the test reads the environment.
        unsafe { std::env::set_var("XDG_RUNTIME_DIR", &dir) };
    }
}

/// A fresh, empty output folder under the target dir.
pub fn out_dir(name: &str) -> PathBuf {
    let dir = root().join("target/test-out").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A small, fast headless viewing of the demo film.
pub fn config(viewer: Option<&str>, out: &Path) -> PlayerConfig {
    gpu_env();
    PlayerConfig {
        film: root().join("assets/demo"),
        out_dir: out.to_owned(),
        seed: 7,
        viewer: ViewerSettings {
            biometrics: viewer.map(|v| root().join(format!("assets/demo/viewers/{v}.csv"))),
            ..Default::default()
        },
        inference: InferenceSettings {
            model: Some(root().join("models/tension.onnx")),
            providers: vec![livingfilm_inference::Provider::Cpu],
            cache: None,
        },
        render: RenderSettings {
            backend: livingfilm_render::RenderBackend::Gpu,
            width: Some(96),
            height: Some(54),
            png: false,
        },
        audio: AudioSettings {
            mode: AudioMode::Headless,
            device: None,
        },
        uplink: UplinkSettings {
            data_dir: out.join("data"),
            ..Default::default()
        },
        ..Default::default()
    }
}

/// Frames of a 4:4:4 Y4M file as (width, height, Y planes).
pub fn y4m_luma(path: &Path) -> (usize, usize, Vec<Vec<u8>>) {
    let bytes = std::fs::read(path).unwrap();
    let header_end = bytes.iter().position(|&b| b == b'\n').unwrap();
    let header = std::str::from_utf8(&bytes[..header_end]).unwrap();
    let field = |p: char| -> usize {
        header
            .split(' ')
            .find_map(|w| w.strip_prefix(p))
            .unwrap()
            .parse()
            .unwrap()
    };
    let (w, h) = (field('W'), field('H'));
    let frame_len = 6 + w * h * 3;
    let frames = bytes[header_end + 1..]
        .chunks(frame_len)
        .map(|f| {
            assert_eq!(&f[..6], b"FRAME\n");
            f[6..6 + w * h].to_vec()
        })
        .collect();
    (w, h, frames)
}

/// Mean and standard deviation of a plane.
pub fn stats(plane: &[u8]) -> (f64, f64) {
    let n = plane.len() as f64;
    let mean = plane.iter().map(|&v| v as f64).sum::<f64>() / n;
    let var = plane
        .iter()
        .map(|&v| (v as f64 - mean).powi(2))
        .sum::<f64>()
        / n;
    (mean, var.sqrt())
}

/// RMS in dBFS of a 16-bit WAV file, and its frame count.
pub fn wav_rms_dbfs(path: &Path) -> (f64, u64) {
    let mut r = hound::WavReader::open(path).unwrap();
    let spec = r.spec();
    let samples: Vec<f64> = r
        .samples::<i16>()
        .map(|s| s.unwrap() as f64 / 32768.0)
        .collect();
    let rms = (samples.iter().map(|s| s * s).sum::<f64>() / samples.len().max(1) as f64).sqrt();
    (
        20.0 * rms.max(1e-12).log10(),
        samples.len() as u64 / spec.channels as u64,
    )
}

/// Runs the `livingfilm` binary from the repository root: (success, stdout, stderr).
pub fn livingfilm(args: &[&str]) -> (bool, String, String) {
    livingfilm_env(args, &[])
}

/// [`livingfilm`] with extra environment variables.
pub fn livingfilm_env(args: &[&str], env: &[(&str, &str)]) -> (bool, String, String) {
    gpu_env();
    let out = Command::new(env!("CARGO_BIN_EXE_livingfilm"))
        .args(args)
        .envs(env.iter().copied())
        .current_dir(root())
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// PSNR over RGB (alpha ignored) and the largest channel error of two RGBA8 frames.
pub fn psnr_and_max_err(a: &[u8], b: &[u8]) -> (f64, u8) {
    assert_eq!(a.len(), b.len());
    let (mut se, mut max) = (0f64, 0u8);
    let mut n = 0usize;
    for (pa, pb) in a.chunks_exact(4).zip(b.chunks_exact(4)) {
        for c in 0..3 {
            let d = pa[c].abs_diff(pb[c]);
            max = max.max(d);
            se += (d as f64).powi(2);
            n += 1;
        }
    }
    let mse = se / n as f64;
    if mse == 0.0 {
        (f64::INFINITY, max)
    } else {
        (10.0 * (255f64.powi(2) / mse).log10(), max)
    }
}

/// Sidecar for the capture, in the player's axes (the capture is y-down; the sidecar
/// says so by default).
const SIDECAR: &str = r#"{
  "orientation": "y-down",
  "sky": { "horizon": [0.25, 0.22, 0.3], "zenith": [0.05, 0.07, 0.15] },
  "slots": [
    { "name": "shopfront", "centre": [0.62, -0.05, 2.1], "right": [-1, 0, 0], "up": [0, 1, 0],
      "size": [0.2, 0.1] }
  ],
  "cameras": [
    { "name": "drift", "fov_deg": 45, "keys": [
      { "t": 0.0, "eye": [0.35, 0.05, 1.45], "look_at": [0.74, -0.12, 2.13] },
      { "t": 1.0, "eye": [1.15, 0.0, 1.5], "look_at": [0.74, -0.12, 2.13] } ] }
  ],
  "weather_scale": 0.25
}"#;

/// Copies a folder tree (a film to change or break, in a test's own folder).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dst = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &dst);
        } else {
            std::fs::copy(e.path(), dst).unwrap();
        }
    }
}

/// The demo film in `target/test-out/<name>/film` with its garden variants playing the
/// real splat capture instead (orbit, then the sidecar's camera path), and with
/// `replicate = Some(k)`, its storm variants playing a k-fold copy of the capture
/// (jittered; for throughput at larger splat counts).
pub fn splat_film(name: &str, replicate: Option<usize>) -> PathBuf {
    let dir = out_dir(name).join("film");
    copy_dir(&root().join("assets/demo"), &dir);
    let scenes = dir.join("scenes");
    std::fs::copy(
        root().join("tests/data/radiance/supersplat_fruit_drops_minimal.ply"),
        scenes.join("fruit.ply"),
    )
    .unwrap();
    std::fs::write(scenes.join("fruit.ply.json"), SIDECAR).unwrap();
    if let Some(k) = replicate {
        std::fs::write(scenes.join("fruit-many.ply"), replicated_ply(k)).unwrap();
    }
    let toml = std::fs::read_to_string(dir.join("film.toml")).unwrap();
    let mut out = String::new();
    let mut garden = 0;
    let mut in_garden = false;
    for line in toml.lines() {
        if replicate.is_some() && line.starts_with("scene = \"scenes/storm.lfscene\"") {
            out.push_str("scene = \"scenes/fruit-many.ply\"\n");
            continue;
        }
        if line.starts_with("scene = \"scenes/garden.lfscene\"") {
            out.push_str("scene = \"scenes/fruit.ply\"\n");
            in_garden = true;
            garden += 1;
            continue;
        }
        if in_garden && line.starts_with("camera = ") {
            out.push_str(if garden == 1 {
                "camera = { radius = 0.9, height = 0.15, from_deg = 150, to_deg = 210, fov_deg = 50 }\n"
            } else {
                "camera = { path = \"drift\" }\n"
            });
            in_garden = false;
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    assert_eq!(garden, 2, "the demo's garden variants moved");
    std::fs::write(dir.join("film.toml"), out).unwrap();
    dir
}

/// The capture's splats `k` times over, each copy shifted a little (a binary 3DGS `.ply`).
fn replicated_ply(k: usize) -> Vec<u8> {
    let b = std::fs::read(root().join("tests/data/radiance/supersplat_fruit_drops_minimal.ply"))
        .unwrap();
    let end = b.windows(11).position(|w| w == b"end_header\n").unwrap() + 11;
    let header = std::str::from_utf8(&b[..end]).unwrap();
    let n: usize = header
        .lines()
        .find_map(|l| l.strip_prefix("element vertex "))
        .unwrap()
        .parse()
        .unwrap();
    let stride = (b.len() - end) / n;
    let mut out = header
        .replace(
            &format!("element vertex {n}"),
            &format!("element vertex {}", n * k),
        )
        .into_bytes();
    for c in 0..k {
        let shift = [(c % 8) as f32 * 0.06, 0.0, (c / 8) as f32 * 0.06];
        for rec in b[end..].chunks_exact(stride) {
            let mut r = rec.to_vec();
            for (a, s) in shift.iter().enumerate() {
                let v = f32::from_le_bytes(r[4 * a..4 * a + 4].try_into().unwrap()) + s;
                r[4 * a..4 * a + 4].copy_from_slice(&v.to_le_bytes());
            }
            out.extend(r);
        }
    }
    out
}
