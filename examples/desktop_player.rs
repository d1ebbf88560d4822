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
use livingfilm_player::{InferenceSettings, PlayerConfig, UplinkSettings};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Before any thread starts (docs/privacy.md: onnxruntime's telemetry).
    livingfilm_inference::runtime::disable_vendor_telemetry();
    let mut args = std::env::args().skip(1);
    let film = PathBuf::from(args.next().unwrap_or_else(|| "assets/demo".into()));
    let out = PathBuf::from(args.next().unwrap_or_else(|| "out/desktop".into()));
    let player = PlayerConfig {
        film,
        out_dir: out.clone(),
        seed: 1,
        inference: InferenceSettings {
            providers: vec![Provider::Cpu],
            ..Default::default()
        },
        uplink: UplinkSettings {
            data_dir: out.join("viewer-data"),
            ..Default::default()
        },
        ..Default::default()
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
