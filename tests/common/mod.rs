//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

use livingfilm::{AudioMode, PlayerConfig};

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
        biometrics: viewer.map(|v| root().join(format!("assets/demo/viewers/{v}.csv"))),
        biometrics_format: None,
        biometrics_rate: None,
        cut: None,
        model: root().join("models/tension.onnx"),
        providers: vec![livingfilm::inference::Provider::Cpu],
        model_cache: None,
        out_dir: out.to_owned(),
        seed: 7,
        width: Some(96),
        height: Some(54),
        png: false,
        audio: AudioMode::Headless,
        audio_device: None,
        consent: false,
        placement_consent: false,
        directors_cut: false,
        profile: None,
        uplink_url: None,
        data_dir: out.join("data"),
        uplink_ca: None,
        epsilon: 1.0,
        epsilon_budget: 4.0,
        queue_capacity: 10_000,
        progress: false,
        render: livingfilm::render::RenderBackend::Gpu,
        locale: None,
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
