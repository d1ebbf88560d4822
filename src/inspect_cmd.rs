//! `livingfilm inspect`: what a stem or a scene really contains, for film makers checking
//! assets before they go into a manifest.

use std::path::PathBuf;

use anyhow::Context;
use livingfilm::audio::inspect::{analyze, AudioStats};

/// Decode an audio file and print codec, rate, channels, bit depth, length in frames,
/// and RMS and peak per channel (dBFS re full scale) of the decoded signal: the
/// figures `ffprobe` and `ffmpeg -af astats` users know. Encoder delay and padding
/// declared by the file (MP3, AAC) are trimmed first, as ffmpeg does.
///
/// Formats: WAV (16/24/32-bit integer, float), FLAC, Ogg Vorbis, MP3, AAC/M4A, ALAC,
/// AIFF, CAF, MKV/WebM audio.
///
/// A `.lfscene` prints its grid instead: size, bounds, SH degree, the share of empty
/// occupancy blocks, its sign slots and camera paths, its size on the GPU and load time.
///
/// Examples:
///   livingfilm inspect assets/demo/audio/pad.wav
///   livingfilm inspect stems/drums.flac --json
///   livingfilm inspect assets/demo/scenes/plaza.lfscene
#[derive(clap::Args)]
pub struct InspectArgs {
    /// The audio file or `.lfscene`.
    file: PathBuf,
    /// Print JSON (fields carry their units: _hz, _s, _dbfs).
    #[arg(long)]
    json: bool,
}

fn db(x: Option<f64>) -> String {
    x.map_or("-inf".into(), |v| format!("{v:.2}"))
}

fn print_table(s: &AudioStats) {
    println!("file       {}", s.file);
    println!("codec      {} ({})", s.codec, s.codec_long);
    println!("rate       {} Hz", s.sample_rate_hz);
    println!("channels   {}", s.channels);
    match s.bits_per_sample {
        Some(b) => println!("bit depth  {b}"),
        None => println!("bit depth  - (lossy)"),
    }
    println!("frames     {} ({:.3} s)", s.frames, s.duration_s);
    if s.skipped_packets > 0 {
        println!(
            "warning    {} packet(s) failed to decode and were skipped",
            s.skipped_packets
        );
    }
    println!();
    println!("channel  rms dBFS  peak dBFS      peak     mean");
    for c in 0..s.channels {
        println!(
            "{c:>7}  {:>8}  {:>9}  {:>8.5}  {:>7.5}",
            db(s.rms_dbfs[c]),
            db(s.peak_dbfs[c]),
            s.peak[c],
            s.mean[c]
        );
    }
}

/// What `inspect` reports about a scene.
#[derive(serde::Serialize)]
struct SceneStats {
    file: String,
    kind: &'static str,
    grid: [u32; 3],
    bounds_min: [f32; 3],
    bounds_max: [f32; 3],
    sh_degree: u32,
    density_scale: f32,
    occupancy_blocks: [u32; 3],
    occupancy_block_texels: u32,
    empty_block_share: f64,
    slots: Vec<String>,
    camera_paths: Vec<String>,
    file_bytes: u64,
    gpu_bytes: usize,
    load_ms: f64,
}

fn inspect_scene(args: &InspectArgs) -> anyhow::Result<()> {
    let start = std::time::Instant::now();
    let scene = livingfilm::render::Scene::load(&args.file)?;
    let s = SceneStats {
        file: args.file.display().to_string(),
        kind: "radiance-field grid (density + SH colour)",
        grid: scene.dims,
        bounds_min: scene.bounds_min,
        bounds_max: scene.bounds_max,
        sh_degree: 1,
        density_scale: scene.density_scale,
        occupancy_blocks: scene.occupancy.dims,
        occupancy_block_texels: scene.occupancy.block,
        empty_block_share: scene.occupancy.empty_share(),
        slots: scene.slots.iter().map(|s| s.name.clone()).collect(),
        camera_paths: scene.cameras.iter().map(|c| c.name.clone()).collect(),
        file_bytes: std::fs::metadata(&args.file)?.len(),
        gpu_bytes: scene.gpu_bytes(),
        load_ms: start.elapsed().as_secs_f64() * 1e3,
    };
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&s).context("writing JSON")?
        );
        return Ok(());
    }
    let mib = |b: f64| b / (1u64 << 20) as f64;
    println!("file       {}", s.file);
    println!("kind       {}", s.kind);
    println!(
        "grid       {} x {} x {} texels",
        s.grid[0], s.grid[1], s.grid[2]
    );
    println!("bounds     {:?} .. {:?}", s.bounds_min, s.bounds_max);
    println!("colour     spherical harmonics, degree {}", s.sh_degree);
    println!(
        "occupancy  {:?} blocks of {}³ texels, {:.0}% empty",
        s.occupancy_blocks,
        s.occupancy_block_texels,
        100.0 * s.empty_block_share
    );
    println!("slots      {}", s.slots.join(", "));
    println!("cameras    {}", s.camera_paths.join(", "));
    println!(
        "size       {:.2} MiB on disk, {:.2} MiB on the GPU; loaded in {:.0} ms",
        mib(s.file_bytes as f64),
        mib(s.gpu_bytes as f64),
        s.load_ms
    );
    Ok(())
}

/// What `inspect` reports about a Gaussian-splat capture.
#[derive(serde::Serialize)]
struct SplatStats {
    file: String,
    kind: &'static str,
    splats: usize,
    sh_degree: u32,
    /// As stored in the file.
    bounds_min: [f32; 3],
    bounds_max: [f32; 3],
    /// The sidecar the player reads with it, if there is one.
    sidecar: Option<String>,
    /// In the player's axes (y up), where slots and camera paths are given.
    player_bounds_min: [f32; 3],
    player_bounds_max: [f32; 3],
    slots: Vec<String>,
    camera_paths: Vec<String>,
    memory_bytes: usize,
    gpu_bytes: usize,
    load_ms: f64,
}

fn inspect_splats(args: &InspectArgs) -> anyhow::Result<()> {
    use livingfilm::splat::{SplatScene, Splats};
    let start = std::time::Instant::now();
    let raw = Splats::load(&args.file)?;
    let (lo, hi) = raw.bounds();
    let memory_bytes = raw.memory_bytes();
    let load_ms = start.elapsed().as_secs_f64() * 1e3;
    let scene = SplatScene::load(&args.file)?;
    let side = SplatScene::sidecar_path(&args.file);
    let info = &scene.info;
    let st = SplatStats {
        file: args.file.display().to_string(),
        kind: "3D Gaussian splats (3DGS .ply)",
        splats: raw.len(),
        sh_degree: raw.sh_degree,
        bounds_min: lo,
        bounds_max: hi,
        sidecar: side.is_file().then(|| side.display().to_string()),
        player_bounds_min: info.bounds_min,
        player_bounds_max: info.bounds_max,
        slots: info.slots.iter().map(|s| s.name.clone()).collect(),
        camera_paths: info.cameras.iter().map(|c| c.name.clone()).collect(),
        memory_bytes,
        gpu_bytes: scene.gpu_bytes(),
        load_ms,
    };
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&st).context("writing JSON")?
        );
        return Ok(());
    }
    let list = |v: &[String]| {
        if v.is_empty() {
            "none".to_owned()
        } else {
            v.join(", ")
        }
    };
    println!("file       {}", st.file);
    println!("kind       {}", st.kind);
    println!("splats     {}", st.splats);
    println!("colour     spherical harmonics, degree {}", st.sh_degree);
    println!(
        "bounds     {:?} .. {:?} (file axes)",
        st.bounds_min, st.bounds_max
    );
    println!(
        "           {:?} .. {:?} (player axes, y up)",
        st.player_bounds_min, st.player_bounds_max
    );
    println!(
        "sidecar    {}",
        st.sidecar
            .as_deref()
            .unwrap_or("none (y-down capture, default sky)")
    );
    println!("slots      {}", list(&st.slots));
    println!("cameras    {}", list(&st.camera_paths));
    println!(
        "size       {:.2} MiB in memory (f32), {:.2} MiB on the GPU; read in {:.0} ms",
        st.memory_bytes as f64 / (1u64 << 20) as f64,
        st.gpu_bytes as f64 / (1u64 << 20) as f64,
        st.load_ms
    );
    Ok(())
}

pub fn run(args: InspectArgs) -> anyhow::Result<()> {
    if args.file.extension().is_some_and(|e| e == "lfscene") {
        return inspect_scene(&args);
    }
    if args.file.extension().is_some_and(|e| e == "ply") {
        return inspect_splats(&args);
    }
    let stats = analyze(&args.file)?;
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&stats).context("writing JSON")?
        );
    } else {
        print_table(&stats);
    }
    Ok(())
}
