//! The CPU renderer against the GPU one (lavapipe here): same frames within 40 dB PSNR
//! on every demo scene, from several cameras, looks, fog and exposure settings; and a
//! whole viewing rendered on the CPU takes the same decisions as on the GPU.

mod common;

use livingfilm::director::{Film, MAX_LOOKS};
use livingfilm::render::{orbit_camera, CpuRenderer, FrameParams, GpuContext, Renderer};

fn psnr_and_max_err(a: &[u8], b: &[u8]) -> (f64, u8) {
    assert_eq!(a.len(), b.len());
    let (mut se, mut max) = (0f64, 0u8);
    let mut n = 0usize;
    for (pa, pb) in a.chunks_exact(4).zip(b.chunks_exact(4)) {
        for c in 0..3 {
            let d = pa[c].abs_diff(pb[c]);
            max = max.max(d);
            se += (d as f64).powi(2);
            n += 1;
        }
    }
    let mse = se / n as f64;
    let psnr = if mse == 0.0 {
        f64::INFINITY
    } else {
        10.0 * (255f64.powi(2) / mse).log10()
    };
    (psnr, max)
}

#[test]
fn cpu_frames_match_the_gpu_within_40_db_on_every_demo_scene() {
    common::gpu_env();
    let film = Film::load(&common::root().join("assets/demo")).unwrap();
    let (w, h) = (192, 108);
    let mut gpu = Renderer::new(GpuContext::new().unwrap(), &film, w, h).unwrap();
    let mut cpu = CpuRenderer::new(&film, w, h).unwrap();
    let scene_of = film.scene_indices();
    let mut worst = f64::INFINITY;
    let mut checked = 0;
    for (si, seg) in film.segments.iter().enumerate() {
        for (vi, v) in seg.variants.iter().enumerate() {
            let scene = scene_of[si][vi];
            cpu.load_scene(scene).unwrap();
            gpu.load_scene(scene).unwrap();
            assert_eq!(cpu.scene_centre(scene), gpu.scene_centre(scene));
            for (k, progress) in [0.0f32, 0.5, 1.0].into_iter().enumerate() {
                let mut look_weights = [0.0; MAX_LOOKS];
                look_weights[k % film.grade.looks.len().max(1)] = 0.3 + 0.3 * k as f32;
                let p = FrameParams {
                    scene,
                    pose: orbit_camera(&v.camera, cpu.scene_centre(scene), progress),
                    light: v.light,
                    exposure: 0.8 + 0.2 * k as f32,
                    fog: 0.05 * k as f32,
                    look_weights,
                    drive: 0.5 * k as f32,
                    frame_index: (si * 10 + k) as u32,
                    seed: 7,
                };
                let mut a = Vec::new();
                let mut b = Vec::new();
                cpu.render(&p, &mut a).unwrap();
                assert!(!gpu.pipelined(Some(&p), &mut b).unwrap());
                assert!(gpu.pipelined(None, &mut b).unwrap());
                let (psnr, max) = psnr_and_max_err(&a, &b);
                eprintln!(
                    "{}/{} progress {progress}: PSNR {psnr:.1} dB, max error {max}",
                    seg.id, v.id
                );
                assert!(
                    psnr >= 40.0,
                    "{}/{} at {progress}: {psnr:.1} dB",
                    seg.id,
                    v.id
                );
                worst = worst.min(psnr);
                checked += 1;
            }
        }
    }
    eprintln!("{checked} views; worst PSNR {worst:.1} dB");
    assert!(checked >= 6);
}

#[test]
fn a_viewing_rendered_on_the_cpu_takes_the_gpu_viewings_decisions() {
    let dir = common::out_dir("render-cpu-play");
    let mut cfg = common::config(Some("tense"), &dir.join("gpu"));
    cfg.audio = livingfilm::AudioMode::Null;
    // Small frames: the debug build's CPU renderer is unoptimised.
    (cfg.width, cfg.height) = (Some(48), Some(27));
    let gpu = livingfilm::play(&cfg).unwrap();
    cfg.out_dir = dir.join("cpu");
    cfg.render = livingfilm::render::RenderBackend::Cpu;
    let cpu = livingfilm::play(&cfg).unwrap();
    assert_eq!(cpu.cut_id, gpu.cut_id);
    assert_eq!(cpu.render.frames, gpu.render.frames);
    assert!(cpu.render.adapter.starts_with("CPU renderer"));
    let (_, _, a) = common::y4m_luma(&dir.join("cpu/film.y4m"));
    let (_, _, b) = common::y4m_luma(&dir.join("gpu/film.y4m"));
    let mut worst = f64::INFINITY;
    for (fa, fb) in a.iter().zip(&b).step_by(37) {
        let to_rgba = |y: &[u8]| y.iter().flat_map(|&v| [v, v, v, 255]).collect::<Vec<_>>();
        worst = worst.min(psnr_and_max_err(&to_rgba(fa), &to_rgba(fb)).0);
    }
    assert!(worst >= 40.0, "luma PSNR {worst:.1} dB");
    let _ = std::fs::remove_dir_all(&dir);
}
