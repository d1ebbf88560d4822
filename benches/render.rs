//! Frame rendering throughput on each demo scene: the wgpu ray march + grade (read back
//! included) against the CPU reference renderer on every core, measured in the same run,
//! with the march's cost (density samples per ray, share of steps skipped as empty space)
//! and each scene's load time and GPU memory.
//!
//! `cargo bench --bench render -- --bench [--size WxH]`; under `cargo test` a 64×36
//! smoke pass runs.

use std::path::Path;
use std::time::Instant;

use livingfilm_director::{Film, MAX_LOOKS};
use livingfilm_render::{
    camera_pose, CpuRenderer, FrameParams, GpuContext, Renderer, Scene, SceneInfo, Signage,
};

/// Frame `i` of `n` along the camera move of the first variant that plays scene `scene`.
fn params(film: &Film, info: &SceneInfo, scene: usize, i: u32, n: u32) -> FrameParams {
    let idx = film.scene_indices();
    let (si, vi) = idx
        .iter()
        .enumerate()
        .find_map(|(si, vs)| vs.iter().position(|&s| s == scene).map(|vi| (si, vi)))
        .expect("every scene is played by some variant");
    let v = &film.segments[si].variants[vi];
    let mut look_weights = [0.0; MAX_LOOKS];
    look_weights[0] = 0.5;
    FrameParams {
        scene,
        pose: camera_pose(&v.camera, info, i as f32 / n.max(1) as f32),
        light: v.light,
        exposure: 1.0,
        fog: 0.05,
        rain: v.rain[1],
        key_light: livingfilm_render::key_light(
            v.key_light.map(|k| k.dir),
            v.key_light.map_or(0.0, |k| k.strength[1]),
        ),
        snow: v.snow[1],
        signs: Default::default(),
        look_weights,
        drive: 0.5,
        frame_index: i,
        seed: 1,
    }
}

fn main() -> anyhow::Result<()> {
    let full = std::env::args().any(|a| a == "--bench");
    let film = Film::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo"))?;
    let signage = Signage::load(&film, None)?;
    let sizes: &[(u32, u32, u32, u32)] = if full {
        // (width, height, GPU frames, CPU frames) per scene
        &[(480, 270, 48, 6), (1280, 720, 24, 2), (1920, 1080, 12, 1)]
    } else {
        &[(64, 36, 2, 1)]
    };
    let only = std::env::args()
        .skip_while(|a| a != "--size")
        .nth(1)
        .and_then(|s| {
            s.split_once('x')
                .map(|(w, h)| (w.parse().ok(), h.parse().ok()))
        });
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    for (i, path) in film.scene_paths().iter().enumerate() {
        let start = Instant::now();
        let scene = Scene::load(path)?;
        let load_ms = start.elapsed().as_secs_f64() * 1e3;
        let mut gpu = Renderer::new(GpuContext::new()?, &film, &signage, 64, 36)?;
        let start = Instant::now();
        gpu.load_scene(i)?;
        let upload_ms = start.elapsed().as_secs_f64() * 1e3;
        println!(
            "scene {}: grid {:?}, file {:.1} MiB, GPU {:.1} MiB, {:.0}% of occupancy blocks empty; read+validate {load_ms:.0} ms, upload {upload_ms:.0} ms",
            path.file_name().unwrap_or_default().to_string_lossy(),
            scene.dims,
            std::fs::metadata(path)?.len() as f64 / (1 << 20) as f64,
            scene.gpu_bytes() as f64 / (1 << 20) as f64,
            100.0 * scene.occupancy.empty_share(),
        );
    }
    for &(w, h, gpu_frames, cpu_frames) in sizes {
        if only.is_some_and(|o| o != (Some(w), Some(h))) {
            continue;
        }
        let mut gpu = Renderer::new(GpuContext::new()?, &film, &signage, w, h)?;
        let mut cpu = CpuRenderer::new(&film, &signage, w, h)?;
        for scene in 0..film.scene_paths().len() {
            gpu.load_scene(scene)?;
            cpu.load_scene(scene)?;
            let info = cpu.scene_info(scene).expect("loaded").clone();
            let p = |i, n| params(&film, &info, scene, i, n);
            let mut out = Vec::new();
            // Warm up both (pipelines, LUT blend), then time.
            gpu.pipelined(Some(&p(0, 1)), &mut out)?;
            gpu.pipelined(None, &mut out)?;
            cpu.render(&p(0, 1), &mut out)?;
            let start = Instant::now();
            for i in 0..gpu_frames {
                gpu.pipelined(Some(&p(i, gpu_frames)), &mut out)?;
            }
            gpu.pipelined(None, &mut out)?;
            let gpu_fps = gpu_frames as f64 / start.elapsed().as_secs_f64();
            let start = Instant::now();
            let (mut samples, mut skipped) = (0.0, 0.0);
            for i in 0..cpu_frames {
                cpu.render(&p(i, cpu_frames), &mut out)?;
                samples += cpu.last_stats().samples_per_ray() / cpu_frames as f64;
                skipped += cpu.last_stats().skipped_share() / cpu_frames as f64;
            }
            let cpu_fps = cpu_frames as f64 / start.elapsed().as_secs_f64();
            println!(
                "{w}x{h} scene {scene}: GPU ({}) {gpu_fps:.1} fps, CPU ({threads} threads) {cpu_fps:.2} fps, GPU/CPU {:.1}x; {samples:.1} density samples/ray, {:.0}% of steps skipped",
                gpu.adapter_name(),
                gpu_fps / cpu_fps,
                100.0 * skipped
            );
        }
    }
    Ok(())
}
