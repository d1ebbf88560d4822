//! Finding and loading the onnxruntime shared library (ort's `load-dynamic`).
//!
//! `$ORT_DYLIB_PATH` when set (and then only it: an explicit choice is never second-guessed),
//! else `libonnxruntime.so` next to the executable, then the project's set-up cache
//! `.cache/onnxruntime/` (filled by `scripts/setup.sh`).

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// Why onnxruntime could not be initialised; lists every path tried.
#[derive(Debug, Clone, thiserror::Error)]
#[error("onnxruntime library not found or unusable (tried: {tried}); run scripts/setup.sh or set ORT_DYLIB_PATH to libonnxruntime.so.1.31.x{detail}")]
pub struct RuntimeError {
    tried: String,
    detail: String,
}

static INIT: OnceLock<Result<(PathBuf, ort::environment::Environment), RuntimeError>> =
    OnceLock::new();

fn candidates() -> Vec<PathBuf> {
    if let Some(p) = std::env::var_os("ORT_DYLIB_PATH").filter(|p| !p.is_empty()) {
        return vec![PathBuf::from(p)];
    }
    let mut out = Vec::new();
    if let Some(dir) = std::env::current_exe()
        .ok()
        .and_then(|e| e.parent().map(Path::to_owned))
    {
        out.push(dir.join("libonnxruntime.so"));
    }
    out.push(Path::new(env!("CARGO_MANIFEST_DIR")).join(".cache/onnxruntime/libonnxruntime.so"));
    out.push(PathBuf::from(".cache/onnxruntime/libonnxruntime.so"));
    out
}

/// Loads onnxruntime once per process; returns the library path and the environment.
pub fn ensure() -> Result<(&'static Path, &'static ort::environment::Environment), RuntimeError> {
    INIT.get_or_init(|| {
        let tried = candidates();
        let found = tried.iter().find(|p| p.is_file()).cloned();
        let names = tried
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", ");
        let Some(path) = found else {
            return Err(RuntimeError {
                tried: names,
                detail: String::new(),
            });
        };
        let fail = |e: String| RuntimeError {
            tried: names.clone(),
            detail: format!(" ({}: {e})", path.display()),
        };
        let builder = ort::init_from(&path).map_err(|e| fail(e.to_string()))?;
        let env = builder
            .with_name("livingfilm")
            .with_telemetry(false)
            .build()
            .map_err(|e| fail(e.to_string()))?;
        Ok((path, env))
    })
    .as_ref()
    .map(|(p, env)| (p.as_path(), env))
    .map_err(Clone::clone)
}
