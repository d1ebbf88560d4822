//! The desktop test player as a library user embeds it: open a film in a window with
//! the HUD, drive the simulated viewer with the keys, and print where the report went.
//!
//! ```bash
//! cargo run --release --example desktop_player -- assets/demo out/desktop
//! ```
//! (under `xvfb-run -a` where there is no display).

use std::path::PathBuf;

use livingfilm_desktop::{DesktopOptions, Input, Script};
use livingfilm_inference::Provider;
use livingfilm_player::{AudioMode, PlayerConfig};
use livingfilm_render::RenderBackend;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Before any thread starts (docs/privacy.md: onnxruntime's telemetry).
    livingfilm_inference::runtime::disable_vendor_telemetry();
    let mut args = std::env::args().skip(1);
    let film = PathBuf::from(args.next().unwrap_or_else(|| "assets/demo".into()));
    let out = PathBuf::from(args.next().unwrap_or_else(|| "out/desktop".into()));
    let player = PlayerConfig {
        film,
        biometrics: None,
        biometrics_format: None,
        biometrics_rate: None,
        cut: None,
        model: None,
        providers: vec![Provider::Cpu],
        model_cache: None,
        out_dir: out.clone(),
        seed: 1,
        width: None,
        height: None,
        start_at: 0.0,
        png: false,
        audio: AudioMode::Auto,
        audio_device: None,
        consent: false,
        placement_consent: false,
        directors_cut: false,
        profile: None,
        uplink_url: None,
        uplink_ca: None,
        data_dir: out.join("viewer-data"),
        epsilon: 1.0,
        epsilon_budget: 4.0,
        queue_capacity: 10_000,
        progress: false,
        render: RenderBackend::Auto,
        locale: None,
    };
    let (report, window) = livingfilm_desktop::run(DesktopOptions {
        player,
        input: Input::Simulator,
        size: (1280, 720),
        fullscreen: false,
        hud: true,
        script: Script::default(),
        stop: None,
    })?;
    println!("keys: {}", livingfilm_desktop::controls::KEYS);
    if let Some(r) = report {
        println!("cut {} ({})", r.cut_id, window.ended_by);
    }
    let f = window.frame_interval_ms;
    println!(
        "frame interval p50 {:.1} ms, p95 {:.1} ms, p99 {:.1} ms; {} dropped",
        f.p50, f.p95, f.p99, window.frames_dropped
    );
    println!("report: {}", out.join("report.html").display());
    Ok(())
}
