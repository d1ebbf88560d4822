//! The desktop test player under Xvfb: screenshots at known film times with the HUD on
//! and off, the picture checked against the headless render of the same frame, a
//! scripted input sequence that changes the cut as expected, seeks and pauses, the
//! after-viewing report, and the clear error without a display.
#![cfg(feature = "window")]

use crate::common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{gpu_env, out_dir, psnr_and_max_err, root};

/// Runs `livingfilm ARGS` in a fresh Xvfb server (1280x720); panics with its output
/// when it fails.
fn windowed(args: &[&str]) -> String {
    gpu_env();
    let out = Command::new("xvfb-run")
        .args(["-a", "-s", "-screen 0 1280x720x24"])
        .arg(env!("CARGO_BIN_EXE_livingfilm"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("xvfb-run (package xvfb; scripts/setup.sh installs it)");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        out.status.success(),
        "livingfilm {args:?} failed:\n{stderr}"
    );
    stderr
}

fn json(path: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

fn script(dir: &Path, text: &str) -> PathBuf {
    let p = dir.join("script.txt");
    std::fs::write(&p, text).unwrap();
    p
}

fn rgba(path: &Path) -> image::RgbaImage {
    image::open(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .to_rgba8()
}

/// The window's picture region brought back to the film's size by box-averaging.
fn shrink(shot: &image::RgbaImage, rect: [u32; 4], w: u32, h: u32) -> Vec<u8> {
    let (fx, fy) = (rect[2] as f64 / w as f64, rect[3] as f64 / h as f64);
    let mut out = Vec::with_capacity((w * h * 4) as usize);
    for y in 0..h {
        for x in 0..w {
            let (x0, x1) = ((x as f64 * fx) as u32, ((x + 1) as f64 * fx) as u32);
            let (y0, y1) = ((y as f64 * fy) as u32, ((y + 1) as f64 * fy) as u32);
            let mut sum = [0u32; 3];
            let mut n = 0;
            for yy in y0..y1.max(y0 + 1) {
                for xx in x0..x1.max(x0 + 1) {
                    let p = shot.get_pixel(rect[0] + xx, rect[1] + yy);
                    for c in 0..3 {
                        sum[c] += p[c] as u32;
                    }
                    n += 1;
                }
            }
            out.extend(sum.map(|s| (s as f32 / n as f32).round() as u8));
            out.push(255);
        }
    }
    out
}

/// Share of pixels in a region that are near-white (HUD text) and the region's mean.
fn bright_share_and_mean(img: &image::RgbaImage, x0: u32, y0: u32, x1: u32, y1: u32) -> (f64, f64) {
    let (mut bright, mut sum, mut n) = (0usize, 0f64, 0usize);
    for y in y0..y1 {
        for x in x0..x1 {
            let p = img.get_pixel(x, y);
            let l = (p[0] as f64 + p[1] as f64 + p[2] as f64) / 3.0;
            bright += (p[0] > 200 && p[1] > 200 && p[2] > 200) as usize;
            sum += l;
            n += 1;
        }
    }
    (bright as f64 / n as f64, sum / n as f64)
}

#[test]
fn the_window_shows_the_picture_and_the_hud_and_leaves_the_report() {
    let dir = out_dir("desktop-window");
    let s = script(
        &dir,
        "1.5 screenshot hud-on\n1.7 hud\n2.5 screenshot hud-off\n2.7 hud\n3.0 fullscreen\n3.6 screenshot fullscreen\n4.2 quit\n",
    );
    let out = dir.to_str().unwrap();
    // No such audio device: the viewing plays on a silent real-time clock instead.
    windowed(&[
        "play",
        "assets/demo",
        "--window",
        "--width",
        "320",
        "--height",
        "180",
        "--input-script",
        s.to_str().unwrap(),
        "--audio",
        "device",
        "--audio-device",
        "no-such-device",
        "-o",
        out,
    ]);
    let d = json(&dir.join("desktop.json"));
    assert_eq!(d["ended_by"], "closed by the viewer");
    assert!(
        d["audio"].as_str().unwrap().starts_with("silent"),
        "{}",
        d["audio"]
    );
    assert!(d["frames_shown"].as_u64().unwrap() > 10, "{d}");
    assert!(d["frame_interval_ms"]["p50"].as_f64().unwrap() > 0.0);
    let shots = d["screenshots"].as_array().unwrap();
    assert_eq!(shots.len(), 3, "{d}");
    assert_eq!(
        shots
            .iter()
            .map(|s| s["hud"].as_bool().unwrap())
            .collect::<Vec<_>>(),
        [true, false, true]
    );
    let shot = |k: usize| rgba(Path::new(shots[k]["path"].as_str().unwrap()));
    let (on, off) = (shot(0), shot(1));
    assert_eq!(on.dimensions(), (1280, 720));

    // HUD on: a dark panel with light text top left; HUD off: the picture there.
    let (text_on, mean_on) = bright_share_and_mean(&on, 14, 14, 400, 150);
    let (text_off, _) = bright_share_and_mean(&off, 14, 14, 400, 150);
    assert!(text_on > 0.03, "HUD text share {text_on}");
    assert!(text_off < 0.005, "text without the HUD: {text_off}");
    assert!(mean_on < 80.0, "HUD panel mean {mean_on}");

    // The picture is the film's frame: replay the cut headless and compare that frame.
    let report = json(&dir.join("report.json"));
    let cut = report["cut_id"].as_str().unwrap();
    let reference = out_dir("desktop-window-reference");
    let (ok, _, err) = common::livingfilm(&[
        "play",
        "assets/demo",
        "--cut",
        cut,
        "--width",
        "320",
        "--height",
        "180",
        "--png",
        "--audio",
        "null",
        "-q",
        "-o",
        reference.to_str().unwrap(),
    ]);
    assert!(ok, "{err}");
    let rect: Vec<u32> = shots[1]["picture_rect"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap() as u32)
        .collect();
    let shown = shrink(&off, [rect[0], rect[1], rect[2], rect[3]], 320, 180);
    let frame_png = |k: u64| rgba(&reference.join(format!("frames/frame_{k:05}.png"))).into_raw();
    let k = shots[1]["frame"].as_u64().unwrap();
    let (psnr, _) = psnr_and_max_err(&shown, &frame_png(k));
    let (other, _) = psnr_and_max_err(&shown, &frame_png(k + 48));
    eprintln!("window picture vs frame {k}: {psnr:.1} dB; two seconds later {other:.1} dB");
    assert!(psnr >= 30.0, "window picture vs frame {k}: {psnr:.1} dB");
    assert!(
        psnr > other + 3.0,
        "frame {k}: {psnr:.1} dB, two seconds later: {other:.1} dB"
    );

    // The after-viewing report: a plot with the target and estimate lines, a page.
    let plot = rgba(&dir.join("tension.png"));
    assert_eq!(plot.dimensions(), (1280, 640));
    let count = |want: [u8; 3]| {
        plot.pixels()
            .filter(|p| (0..3).all(|c| (p[c] as i32 - want[c] as i32).abs() < 12))
            .count()
    };
    assert!(count([30, 90, 200]) > 500, "target line");
    assert!(count([220, 60, 40]) > 100, "estimate line");
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    assert!(html.contains(cut) && html.contains("<img src=\"tension.png\""));
    assert!(!report["trace"].as_array().unwrap().is_empty());
}

/// Window sizes that once panicked in the HUD's layout ("min > max"), a tiny one, and a
/// live resize each way: the HUD shrinks or hides and the viewing goes on to its report.
#[test]
fn the_hud_survives_every_window_size_and_a_live_resize() {
    for size in [
        "640x360", "800x450", "854x479", "400x720", "320x240", "96x64",
    ] {
        let dir = out_dir(&format!("desktop-size-{size}"));
        let s = script(
            &dir,
            &format!("0.6 screenshot small\n1.0 size 1200x700\n1.6 screenshot big\n1.9 size {size}\n2.5 screenshot back\n2.8 quit\n"),
        );
        windowed(&[
            "play",
            "assets/demo",
            "--window",
            "--window-size",
            size,
            "--width",
            "320",
            "--height",
            "180",
            "--input-script",
            s.to_str().unwrap(),
            "-o",
            dir.to_str().unwrap(),
        ]);
        let d = json(&dir.join("desktop.json"));
        assert_eq!(d["ended_by"], "closed by the viewer", "{size}: {d}");
        let shots = d["screenshots"].as_array().unwrap();
        assert_eq!(shots.len(), 3, "{size}: {d}");
        let dims: Vec<(u32, u32)> = shots
            .iter()
            .map(|s| rgba(Path::new(s["path"].as_str().unwrap())).dimensions())
            .collect();
        let (w, h) = size.split_once('x').unwrap();
        let asked: (u32, u32) = (w.parse().unwrap(), h.parse().unwrap());
        assert_eq!(dims[1], (1200, 700), "{size}: resized {dims:?}");
        assert_eq!((dims[0], dims[2]), (asked, asked), "{size}: {dims:?}");
        assert!(d["frames_shown"].as_u64().unwrap() > 5, "{size}: {d}");
    }
}

/// Runs the demo from 10 s with `keys` at 10.4 s and returns (desktop.json, report.json).
fn rehearse(name: &str, keys: &str) -> (serde_json::Value, serde_json::Value) {
    let dir = out_dir(name);
    let mut text = String::new();
    for k in keys.split_whitespace() {
        text += &format!("10.4 {k}\n");
    }
    text += "20.6 quit\n";
    let s = script(&dir, &text);
    windowed(&[
        "play",
        "assets/demo",
        "--window",
        "--no-hud",
        "--width",
        "320",
        "--height",
        "180",
        "--start-at",
        "10",
        "--input-script",
        s.to_str().unwrap(),
        "-o",
        dir.to_str().unwrap(),
    ]);
    (
        json(&dir.join("desktop.json")),
        json(&dir.join("report.json")),
    )
}

fn decision<'a>(report: &'a serde_json::Value, segment: &str) -> &'a serde_json::Value {
    report["decisions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["segment_id"] == segment)
        .unwrap_or_else(|| panic!("no decision for {segment}: {report}"))
}

#[test]
fn scripted_keys_change_the_cut_as_expected() {
    let (calm_d, calmer) = rehearse("desktop-calmer", "calmer calmer calmer");
    let (_, tenser) = rehearse("desktop-tenser", "tenser tenser tenser");
    let (dc_d, directors) = rehearse("desktop-directors-cut", "directors-cut");
    // The simulated viewer's keys are stamped where they act; no reading is recorded.
    assert_eq!(calm_d["simulator"].as_array().unwrap().len(), 3);
    assert_eq!(dc_d["controls"][0]["control"]["change"], "directors_cut");
    // A calmer viewer is offered more tension at the next decision than a tenser one.
    let offset = |r: &serde_json::Value| decision(r, "escape")["offset"].as_f64().unwrap();
    assert!(
        offset(&calmer) > offset(&tenser) + 0.02,
        "escape offset calmer {} vs tenser {}",
        offset(&calmer),
        offset(&tenser)
    );
    // The director's cut, switched on live, steers nothing from then on.
    for seg in ["encounter", "escape"] {
        let d = decision(&directors, seg);
        assert_eq!(d["offset"].as_f64().unwrap(), 0.0, "{d}");
        assert!(
            d["reason"].as_str().unwrap().contains("director's cut"),
            "{d}"
        );
    }
    assert_ne!(calmer["cut_id"], directors["cut_id"]);
}

#[test]
fn seeks_and_pauses_keep_the_script_clock_and_the_cut() {
    let dir = out_dir("desktop-seek");
    let s = script(
        &dir,
        "10.5 next\n13.0 pause\n14.0 pause\n15.0 prev\n17.0 screenshot back\n18.0 quit\n",
    );
    windowed(&[
        "play",
        "assets/demo",
        "--window",
        "--width",
        "320",
        "--height",
        "180",
        "--start-at",
        "10",
        "--input-script",
        s.to_str().unwrap(),
        "-o",
        dir.to_str().unwrap(),
    ]);
    let d = json(&dir.join("desktop.json"));
    let seeks = d["seeks"].as_array().unwrap();
    assert_eq!(seeks.len(), 2, "{d}");
    // `next` from inside the opening goes to its end (12 s); `prev` 2 s into the next
    // segment goes back to its start.
    assert!((seeks[0][1].as_f64().unwrap() - 12.0).abs() < 1e-6, "{d}");
    assert!((seeks[1][1].as_f64().unwrap() - 12.0).abs() < 1e-6, "{d}");
    let paused = d["paused_s"].as_f64().unwrap();
    assert!((0.8..3.0).contains(&paused), "paused {paused} s");
    // After the seek back the picture is in the segment it went back to.
    let shot = &d["screenshots"][0];
    let t = shot["frame_t"].as_f64().unwrap();
    assert!((12.5..15.0).contains(&t), "{shot}");
    let r = json(&dir.join("report.json"));
    assert_eq!(decision(&r, "encounter")["t"].as_f64().unwrap(), 12.0);
}

#[test]
fn without_a_display_the_window_says_what_to_do() {
    gpu_env();
    let out = Command::new(env!("CARGO_BIN_EXE_livingfilm"))
        .args(["play", "assets/demo", "--window", "-o"])
        .arg(out_dir("desktop-no-display"))
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .current_dir(root())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains("no display") && err.contains("xvfb-run"),
        "{err}"
    );
}

#[test]
fn the_end_of_the_film_closes_the_window_with_the_report() {
    let film = livingfilm_director::Film::load(&root().join("assets/demo")).unwrap();
    let end = film.default_duration_s();
    let dir = out_dir("desktop-end");
    let start = format!("{:.2}", end - 2.5);
    windowed(&[
        "play",
        "assets/demo",
        "--window",
        "--directors-cut",
        "--width",
        "320",
        "--height",
        "180",
        "--start-at",
        &start,
        "-o",
        dir.to_str().unwrap(),
    ]);
    let d = json(&dir.join("desktop.json"));
    assert_eq!(d["ended_by"], "end of film", "{d}");
    let r = json(&dir.join("report.json"));
    assert!(
        (r["duration_s"].as_f64().unwrap() - end).abs() < 0.05,
        "{r}"
    );
    assert!(dir.join("tension.png").is_file() && dir.join("report.html").is_file());
}

#[test]
fn a_signal_closes_the_window_with_the_report() {
    gpu_env();
    let film = livingfilm_director::Film::load(&root().join("assets/demo")).unwrap();
    // Steered by the simulator (whose samples pace the director), and the director's
    // cut (which reads none: the window's audio clock paces it).
    for (name, extra) in [
        ("desktop-signal", None),
        ("desktop-signal-dc", Some("--directors-cut")),
    ] {
        let dir = out_dir(name);
        // The shell inside the X server starts the player, signals it and reports its status.
        let out = Command::new("xvfb-run")
            .args(["-a", "-s", "-screen 0 1280x720x24", "sh", "-c"])
            .arg(r#""$0" "$@" & p=$!; sleep 4; kill -TERM $p; wait $p; echo "status $?" >&2"#)
            .arg(env!("CARGO_BIN_EXE_livingfilm"))
            .args(["play", "assets/demo", "--window"])
            .args(extra)
            .args(["--width", "320", "--height", "180", "-o"])
            .arg(&dir)
            .current_dir(root())
            .output()
            .expect("xvfb-run (package xvfb; scripts/setup.sh installs it)");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("status 143"), "{name}: {stderr}");
        let d = json(&dir.join("desktop.json"));
        assert_eq!(d["ended_by"], "ended by a signal", "{name}: {d}");
        let r = json(&dir.join("report.json"));
        let duration = r["duration_s"].as_f64().unwrap();
        assert!(duration < film.default_duration_s() - 5.0, "{name}: {r}");
        assert!(dir.join("report.html").is_file(), "{name}");
    }
}
