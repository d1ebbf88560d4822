//! The desktop test player (`livingfilm play --window`): a film maker or QA watches a
//! living film in a window and sees why it changes. The viewing runs through the same
//! stages as a headless one (the host seam); the window shows its frames on the audio
//! clock, draws the HUD over them, turns keys (or a script) into live changes and
//! simulated-viewer actions, and leaves the after-viewing report when it closes.
//!
//! ```text
//! keys / script ─► feeder ─► stages (biometrics … render, audio) ─► frames ─► surface + HUD
//!                 (samples, stamped changes)         events (ticks, decisions) ─┘
//! ```

mod app;
pub mod controls;
mod gfx;
mod hud;
// The render crate's reflection checks of Rust structs against WGSL (tests only).
#[cfg(test)]
#[path = "../../render/src/layout_check.rs"]
mod layout_check;
mod stats;
pub mod viewing;

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

pub use controls::{parse_window_size, Command, Script, ScriptError, WindowSizeError};
pub use stats::{FrameStats, Percentiles};
pub use viewing::Input;

use livingfilm_player::{PlayerConfig, PlayerError, Report, Stamped};

/// Why the window could not open or the viewing could not run.
#[derive(Debug, thiserror::Error)]
pub enum DesktopError {
    /// No display server to open a window on.
    #[error("no display to open a window on ({0}); run under X11/Wayland (or `xvfb-run -a`), or play headless without --window")]
    NoDisplay(String),
    /// The window system refused.
    #[error("window system: {0}")]
    Window(String),
    /// No GPU path to the window.
    #[error("GPU: {0}")]
    Gpu(String),
    /// The viewing failed.
    #[error(transparent)]
    Player(#[from] PlayerError),
    /// A file of the session could not be written.
    #[error("cannot write {path}")]
    Output {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// How the desktop player runs.
#[derive(Debug, Clone)]
pub struct DesktopOptions {
    /// The viewing (film, model, output folder, audio, consent, seed…); its `start_at`
    /// is where the picture starts.
    pub player: PlayerConfig,
    /// Where samples come from.
    pub input: Input,
    /// Window size in pixels.
    pub size: (u32, u32),
    /// Start full screen.
    pub fullscreen: bool,
    /// Start with the HUD shown.
    pub hud: bool,
    /// Commands at film times (a rehearsal, or a test).
    pub script: Script,
    /// Set from outside the window (a signal handler) to end the viewing as `q` does.
    pub stop: Option<Arc<AtomicBool>>,
}

/// A screenshot the session took.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Screenshot {
    /// Its name (`NAME.png`).
    pub name: String,
    /// The file.
    pub path: String,
    /// Viewing time of the clock when it was taken, seconds.
    pub t: f64,
    /// Film frame on screen (index from 0), if one was.
    pub frame: Option<u32>,
    /// Film time of that frame, seconds.
    pub frame_t: Option<f64>,
    /// Whether the HUD was drawn.
    pub hud: bool,
    /// Where the picture was in the screenshot: x, y, width, height (pixels).
    pub picture_rect: [u32; 4],
}

/// What the window measured and did (`desktop.json` beside the report).
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct DesktopReport {
    /// The adapter drawing the window.
    pub adapter: String,
    /// Surface format and present mode.
    pub surface: String,
    /// Window size at the end, pixels.
    pub window: [u32; 2],
    /// Where the sound went.
    pub audio: String,
    /// Intervals between new pictures on screen while playing, ms.
    pub frame_interval_ms: Percentiles,
    /// CPU time of one window redraw (HUD layout, draw, present), ms.
    pub redraw_ms: Percentiles,
    /// New pictures shown.
    pub frames_shown: u64,
    /// Film frames never shown (late, or skipped by the stages to catch up).
    pub frames_dropped: u64,
    /// Times the surface was outdated or lost and set up again.
    pub surface_resets: u32,
    /// Seconds spent paused.
    pub paused_s: f64,
    /// Seeks made (each restarts the viewing at a decision point).
    pub seeks: Vec<[f64; 2]>,
    /// Live changes to the steering, stamped where they took effect.
    pub controls: Vec<Stamped>,
    /// The simulated viewer's commands, stamped (no readings).
    pub simulator: Vec<(f64, livingfilm_biometrics::live_sim::SimCommand)>,
    /// Screenshots taken.
    pub screenshots: Vec<Screenshot>,
    /// Why the session ended: `end of film` or `closed by the viewer`.
    pub ended_by: String,
    /// The cut ID of the viewing (what `livingfilm replay` plays again).
    pub cut_id: Option<String>,
    /// What went wrong, if the viewing failed.
    pub error: Option<String>,
}

/// Opens the window and plays until the film ends or the viewer closes it; the report
/// (`report.json`, `tension.png`, `report.html`) and `desktop.json` land in the output
/// folder either way.
pub fn run(opts: DesktopOptions) -> Result<(Option<Report>, DesktopReport), DesktopError> {
    app::run(opts)
}
