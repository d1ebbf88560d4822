//! Frame rendering throughput: the wgpu ray march + grade (read back included) against the
//! CPU renderer on every core, on the demo's first scene along its camera move, with the
//! ratio measured in the same run.
//!
//! `cargo bench --bench render -- --bench`; under `cargo test` a 64×36 smoke pass runs.

use std::path::Path;
use std::time::Instant;

use livingfilm::director::{Film, MAX_LOOKS};
use livingfilm::render::{orbit_camera, CpuRenderer, FrameParams, GpuContext, Renderer};

fn params(film: &Film, centre: [f32; 3], i: u32, n: u32) -> FrameParams {
    let v = &film.segments[0].variants[0];
    let mut look_weights = [0.0; MAX_LOOKS];
    look_weights[0] = 0.5;
    FrameParams {
        scene: film.scene_indices()[0][0],
        pose: orbit_camera(&v.camera, centre, i as f32 / n.max(1) as f32),
        light: v.light,
        exposure: 1.0,
        fog: 0.05,
        look_weights,
        drive: 0.5,
        frame_index: i,
        seed: 1,
    }
}

fn main() -> anyhow::Result<()> {
    let full = std::env::args().any(|a| a == "--bench");
    let film = Film::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo"))?;
    let sizes: &[(u32, u32, u32, u32)] = if full {
        // (width, height, GPU frames, CPU frames)
        &[(480, 270, 120, 12), (1280, 720, 60, 3), (1920, 1080, 30, 2)]
    } else {
        &[(64, 36, 2, 1)]
    };
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    for &(w, h, gpu_frames, cpu_frames) in sizes {
        let mut gpu = Renderer::new(GpuContext::new()?, &film, w, h)?;
        let mut cpu = CpuRenderer::new(&film, w, h)?;
        let scene = film.scene_indices()[0][0];
        gpu.load_scene(scene)?;
        cpu.load_scene(scene)?;
        let centre = cpu.scene_centre(scene);
        let mut out = Vec::new();
        // Warm up both (pipelines, LUT blend), then time.
        gpu.pipelined(Some(&params(&film, centre, 0, 1)), &mut out)?;
        gpu.pipelined(None, &mut out)?;
        cpu.render(&params(&film, centre, 0, 1), &mut out)?;
        let start = Instant::now();
        for i in 0..gpu_frames {
            gpu.pipelined(Some(&params(&film, centre, i, gpu_frames)), &mut out)?;
        }
        gpu.pipelined(None, &mut out)?;
        let gpu_fps = gpu_frames as f64 / start.elapsed().as_secs_f64();
        let start = Instant::now();
        for i in 0..cpu_frames {
            cpu.render(&params(&film, centre, i, cpu_frames), &mut out)?;
        }
        let cpu_fps = cpu_frames as f64 / start.elapsed().as_secs_f64();
        println!(
            "{w}x{h}: GPU ({}) {gpu_fps:.1} fps, CPU ({threads} threads) {cpu_fps:.2} fps, GPU/CPU {:.1}x",
            gpu.adapter_name(),
            gpu_fps / cpu_fps
        );
    }
    Ok(())
}
