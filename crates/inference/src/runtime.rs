//! Finding and loading the onnxruntime shared library (ort's `load-dynamic`).
//!
//! `$ORT_DYLIB_PATH` when set (and then only it: an explicit choice is never second-guessed),
//! else `libonnxruntime.so` next to the executable, then the project's set-up cache
//! `.cache/onnxruntime/` (filled by `scripts/setup.sh`).
//!
//! **Vendor telemetry.** onnxruntime 1.31's POSIX builds carry Microsoft's 1DS telemetry.
//! Creating the `OrtEnv` starts it: a persistent device ID and an event database under
//! `$XDG_CACHE_HOME` (or `~/.cache`)`/Microsoft/DeveloperTools/.onnxruntime/`, a session
//! file `/tmp/.ses`, and an upload thread that resolves Microsoft's collector host.
//! `DisableTelemetryEvents` (ort's `with_telemetry(false)`) runs only after the
//! environment exists, so it stops later events but none of that. The one switch read
//! before it is the process environment's `ORT_DISABLE_TELEMETRY=1`, which
//! [`disable_vendor_telemetry`] sets and [`ensure`] requires (docs/privacy.md, and
//! `tests/it/privacy_trace.rs` proves it by syscall trace).

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
    // A source checkout, where scripts/setup.sh puts the library.
    out.push(livingfilm_core::source_checkout().join(".cache/onnxruntime/libonnxruntime.so"));
    out.push(PathBuf::from(".cache/onnxruntime/libonnxruntime.so"));
    out
}

/// The environment variable onnxruntime reads when it creates its environment; `1`
/// keeps its 1DS telemetry from starting at all.
pub const TELEMETRY_SWITCH: &str = "ORT_DISABLE_TELEMETRY";

/// Turns onnxruntime's own telemetry off for this process (sets
/// `ORT_DISABLE_TELEMETRY=1`). Call it first thing in `main`, before any thread starts:
/// changing the environment races with C code reading it on other threads. [`ensure`]
/// calls it too, as the last line of defence for hosts that did not (the C ABI, tests).
pub fn disable_vendor_telemetry() {
    if std::env::var_os(TELEMETRY_SWITCH).is_none_or(|v| v != "1") {
        // Edition 2021: `set_var` is a safe fn, but see the doc comment on threads.
        std::env::set_var(TELEMETRY_SWITCH, "1");
    }
}

/// Loads onnxruntime once per process; returns the library path and the environment.
/// Vendor telemetry is switched off before the environment is created.
pub fn ensure() -> Result<(&'static Path, &'static ort::environment::Environment), RuntimeError> {
    INIT.get_or_init(|| {
        disable_vendor_telemetry();
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
        // `with_telemetry(false)` as well: it also silences events that a later
        // onnxruntime might start outside the environment variable's reach.
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
