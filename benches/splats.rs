//! Gaussian-splat throughput: the wgpu path (projection, GPU radix sort, instanced
//! blending, grade, read back) against the CPU reference renderer on every core, in the
//! same run, on the real SuperSplat capture (4721 splats) and a 64-fold copy of it, at
//! 1280×720 and 1920×1080; plus the GPU radix sort alone on a million pairs.
//!
//! `cargo bench --bench splats -- --bench`; under `cargo test` a 64×36 smoke pass runs.

#[path = "../tests/it/common.rs"]
mod common;

use std::time::Instant;

use livingfilm_director::{Film, MAX_LOOKS};
use livingfilm_render::{
    camera_pose, CpuRenderer, FrameParams, GpuContext, Renderer, SceneKind, Signage,
};

fn main() -> anyhow::Result<()> {
    let full = std::env::args().any(|a| a == "--bench");
    common::gpu_env();
    let dir = common::splat_film("bench-splats", Some(64));
    let film = Film::load(&dir)?;
    let signage = Signage::load(&film, None)?;
    let sizes: &[(u32, u32, u32, u32)] = if full {
        &[(1280, 720, 24, 1), (1920, 1080, 12, 1)]
    } else {
        &[(64, 36, 2, 1)]
    };
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    for &(w, h, gpu_frames, cpu_frames) in sizes {
        let mut gpu = Renderer::new(GpuContext::new()?, &film, &signage, w, h)?;
        let mut cpu = CpuRenderer::new(&film, &signage, w, h)?;
        let mut done = Vec::new();
        for (si, seg) in film.segments.iter().enumerate() {
            let v = &seg.variants[0];
            let scene = film.scene_indices()[si][0];
            if v.scene.extension().is_none_or(|e| e != "ply") || done.contains(&scene) {
                continue;
            }
            done.push(scene);
            gpu.load_scene(scene)?;
            cpu.load_scene(scene)?;
            let info = cpu.scene_info(scene).expect("loaded").clone();
            let SceneKind::Splats { count, sh_degree } = info.kind else {
                continue;
            };
            let p = |i: u32, n: u32| {
                let mut look_weights = [0.0; MAX_LOOKS];
                look_weights[0] = 0.5;
                FrameParams {
                    scene,
                    pose: camera_pose(&v.camera, &info, i as f32 / n.max(1) as f32),
                    light: v.light,
                    exposure: 1.0,
                    fog: 0.05,
                    rain: v.rain[1],
                    snow: v.snow[1],
                    key_light: [0.0, 1.0, 0.0, 0.0],
                    signs: Default::default(),
                    look_weights,
                    drive: 0.5,
                    frame_index: i,
                    seed: 1,
                }
            };
            let mut out = Vec::new();
            gpu.pipelined(Some(&p(0, 1)), &mut out)?;
            gpu.pipelined(None, &mut out)?;
            let start = Instant::now();
            for i in 0..gpu_frames {
                gpu.pipelined(Some(&p(i, gpu_frames)), &mut out)?;
            }
            gpu.pipelined(None, &mut out)?;
            let gpu_fps = gpu_frames as f64 / start.elapsed().as_secs_f64();
            let start = Instant::now();
            for i in 0..cpu_frames {
                cpu.render(&p(i, cpu_frames), &mut out)?;
            }
            let cpu_fps = cpu_frames as f64 / start.elapsed().as_secs_f64();
            println!(
                "{w}x{h} {} ({count} splats, SH degree {sh_degree}): GPU ({}) {gpu_fps:.2} fps, CPU reference ({threads} threads) {cpu_fps:.2} fps, GPU/CPU {:.1}x",
                v.scene.display(),
                gpu.adapter_name(),
                gpu_fps / cpu_fps,
            );
        }
    }
    // The sort alone: a million depth-like keys, against the standard library's stable sort.
    let n = if full { 1 << 20 } else { 1 << 12 };
    let pairs: Vec<(u32, u32)> = (0..n as u32)
        .map(|i| {
            (
                (1.0 + (i.wrapping_mul(2_654_435_761) >> 8) as f32 * 1e-6).to_bits(),
                i,
            )
        })
        .collect();
    let ctx = GpuContext::new()?;
    livingfilm_render::splat::sort_on_gpu(&ctx, &pairs[..1024])?;
    let start = Instant::now();
    let sorted = livingfilm_render::splat::sort_on_gpu(&ctx, &pairs)?;
    let gpu_ms = start.elapsed().as_secs_f64() * 1e3;
    let mut want = pairs.clone();
    let start = Instant::now();
    want.sort_by_key(|p| p.0);
    let cpu_ms = start.elapsed().as_secs_f64() * 1e3;
    anyhow::ensure!(sorted == want, "GPU sort order differs");
    println!(
        "radix sort of {n} pairs: GPU {gpu_ms:.1} ms (upload, pipelines, 4 passes, read back), std stable sort {cpu_ms:.1} ms"
    );
    Ok(())
}
