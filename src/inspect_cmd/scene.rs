//! `inspect` for scenes: a radiance-field grid (`.lfscene`), a Gaussian-splat capture
//! (`.ply`) and its director's sidecar (`.ply.json`).

use std::path::Path;

use anyhow::Context;

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

pub fn lfscene(file: &Path, json: bool) -> anyhow::Result<()> {
    let start = std::time::Instant::now();
    let scene = livingfilm_render::Scene::load(file)?;
    let s = SceneStats {
        file: file.display().to_string(),
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
        file_bytes: std::fs::metadata(file)?.len(),
        gpu_bytes: scene.gpu_bytes(),
        load_ms: start.elapsed().as_secs_f64() * 1e3,
    };
    if json {
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

pub fn splats(file: &Path, json: bool) -> anyhow::Result<()> {
    use livingfilm_render::splat::{SplatScene, Splats};
    let start = std::time::Instant::now();
    let raw = Splats::load(file)?;
    let (lo, hi) = raw.bounds();
    let memory_bytes = raw.memory_bytes();
    let load_ms = start.elapsed().as_secs_f64() * 1e3;
    let scene = SplatScene::load(file)?;
    let side = SplatScene::sidecar_path(file);
    let info = &scene.info;
    let st = SplatStats {
        file: file.display().to_string(),
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
    if json {
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

/// A sidecar is described with its capture, which the player always reads it with (its
/// slots are checked against the capture's bounds).
pub fn sidecar(file: &Path, json: bool) -> anyhow::Result<()> {
    let capture = file.with_extension("");
    if !capture.is_file() {
        anyhow::bail!(
            "{} is a splat sidecar; the player reads it with its capture {}, which is not there",
            file.display(),
            capture.display()
        );
    }
    splats(&capture, json)
}
