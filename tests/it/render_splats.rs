//! Gaussian-splat scenes: the real SuperSplat capture played inside the demo film (the
//! garden's variants re-pointed at it, with a sidecar adding a sign slot and a camera
//! path), the wgpu path (projection, GPU radix sort, instanced blending) against the CPU
//! reference at ≥ 35 dB PSNR on several views with looks, fog, rain, snow and signs; the
//! GPU sort against a stable CPU sort.

use crate::common;

use std::path::{Path, PathBuf};

use livingfilm_director::{Film, MAX_LOOKS};
use livingfilm_render::{
    camera_pose, CpuRenderer, FrameParams, GpuContext, Renderer, SignRef, Signage, MAX_SIGNS,
};

fn splat_film(name: &str) -> (PathBuf, Film, Signage) {
    common::gpu_env();
    let dir = common::splat_film(name, None);
    let film = Film::load(&dir).unwrap();
    let signage = Signage::load(&film, None).unwrap();
    (dir, film, signage)
}

/// The (segment, variant) pairs that play the capture.
fn splat_variants(film: &Film) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    for (si, seg) in film.segments.iter().enumerate() {
        for (vi, v) in seg.variants.iter().enumerate() {
            if v.scene.extension().is_some_and(|e| e == "ply") {
                out.push((si, vi));
            }
        }
    }
    out
}

fn view(film: &Film, cpu: &mut CpuRenderer, si: usize, vi: usize, k: usize) -> FrameParams {
    let v = &film.segments[si].variants[vi];
    let scene = film.scene_indices()[si][vi];
    cpu.load_scene(scene).unwrap();
    let mut look_weights = [0.0; MAX_LOOKS];
    look_weights[k % film.grade.looks.len().max(1)] = 0.3 + 0.3 * k as f32;
    let mut signs = [None; MAX_SIGNS];
    if !film.segments[si].placements.is_empty() {
        signs[0] = Some(SignRef {
            slot: 0,
            layer: k as u16 % 3,
        });
    }
    FrameParams {
        scene,
        pose: camera_pose(&v.camera, cpu.scene_info(scene).unwrap(), k as f32 * 0.5),
        light: v.light,
        exposure: 0.9 + 0.2 * k as f32,
        fog: 0.4 * k as f32,
        rain: [0.0, 0.8, 0.0][k],
        snow: [0.0, 0.0, 0.7][k],
        key_light: [0.0, 1.0, 0.0, 0.0],
        signs,
        look_weights,
        drive: 0.5 * k as f32,
        frame_index: (si * 10 + k) as u32,
        seed: 11,
    }
}

fn save_png(path: &Path, rgba: &[u8], w: u32, h: u32) {
    image::save_buffer(path, rgba, w, h, image::ExtendedColorType::Rgba8).unwrap();
}

#[test]
fn gpu_splat_frames_match_the_cpu_reference_within_35_db() {
    let (dir, film, signage) = splat_film("splat-gpu-cpu");
    let (w, h) = (240, 136);
    let mut gpu = Renderer::new(GpuContext::new().unwrap(), &film, &signage, w, h).unwrap();
    let mut cpu = CpuRenderer::new(&film, &signage, w, h).unwrap();
    let mut worst = f64::INFINITY;
    let mut views = 0;
    for (si, vi) in splat_variants(&film) {
        for k in 0..3 {
            let p = view(&film, &mut cpu, si, vi, k);
            let mut a = Vec::new();
            cpu.render(&p, &mut a).unwrap();
            let mut b = Vec::new();
            assert!(!gpu.pipelined(Some(&p), &mut b).unwrap());
            assert!(gpu.pipelined(None, &mut b).unwrap());
            let (psnr, max) = common::psnr_and_max_err(&a, &b);
            let id = &film.segments[si].variants[vi].id;
            eprintln!("{id} view {k}: PSNR {psnr:.1} dB, max error {max}");
            save_png(&dir.join(format!("../{id}-{k}-cpu.png")), &a, w, h);
            save_png(&dir.join(format!("../{id}-{k}-gpu.png")), &b, w, h);
            // The capture must be in the picture: many pixels differ from the sky's.
            let lit = a.chunks_exact(4).filter(|px| px[1] > 90).count();
            assert!(
                lit > (w * h / 40) as usize,
                "{id} view {k}: {lit} lit pixels"
            );
            assert!(psnr >= 35.0, "{id} view {k}: {psnr:.1} dB");
            worst = worst.min(psnr);
            views += 1;
        }
    }
    assert_eq!(views, 6);
    eprintln!("worst of {views} views: {worst:.1} dB");
}

#[test]
fn the_gpu_radix_sort_is_a_stable_sort() {
    common::gpu_env();
    let ctx = GpuContext::new().unwrap();
    // A xorshift stream: keys over all 32 bits, a run of repeated keys (stability), the
    // culled key, positive depths as the splat path writes them, and a partial last block.
    let mut x = 0x9e37_79b9u32;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        x
    };
    let n = 70_001;
    let pairs: Vec<(u32, u32)> = (0..n as u32)
        .map(|i| {
            let key = match i % 5 {
                0 => next(),
                1 => 42,
                2 => u32::MAX,
                3 => (0.2 + (next() % 10_000) as f32 * 1e-3).to_bits(),
                _ => next() & 0xff00,
            };
            (key, i)
        })
        .collect();
    let mut want = pairs.clone();
    want.sort_by_key(|p| p.0); // stable
    let got = livingfilm_render::splat::sort_on_gpu(&ctx, &pairs).unwrap();
    assert_eq!(got.len(), want.len());
    let first_bad = got.iter().zip(&want).position(|(a, b)| a != b);
    assert_eq!(first_bad, None, "GPU order differs from the stable sort");
    // Few workgroups take the one-workgroup scan.
    let few = &pairs[..5_000];
    let mut want = few.to_vec();
    want.sort_by_key(|p| p.0);
    assert_eq!(
        livingfilm_render::splat::sort_on_gpu(&ctx, few).unwrap(),
        want
    );
}

#[test]
fn a_sign_behind_the_capture_is_hidden_by_it_and_one_in_front_is_not() {
    let (dir, film, signage) = splat_film("splat-sign-depth");
    let (w, h) = (160, 90);
    let (si, vi) = splat_variants(&film)[0];
    assert!(!film.segments[si].placements.is_empty());
    // How many pixels the sign changes, with the slot at depth z (the card faces −z,
    // the camera looks at it from there).
    let changed = |z: f32| {
        let side = std::fs::read_to_string(dir.join("scenes/fruit.ply.json")).unwrap();
        let mut side: serde_json::Value = serde_json::from_str(&side).unwrap();
        side["slots"][0]["centre"][2] = serde_json::json!(z);
        let side = side.to_string();
        let moved = dir.parent().unwrap().join(format!("film-{z}"));
        let _ = std::fs::remove_dir_all(&moved);
        std::fs::rename(&dir, &moved).unwrap();
        std::fs::write(moved.join("scenes/fruit.ply.json"), &side).unwrap();
        let film = Film::load(&moved).unwrap();
        let mut cpu = CpuRenderer::new(&film, &signage, w, h).unwrap();
        let mut p = view(&film, &mut cpu, si, vi, 0);
        let (mut with, mut without) = (Vec::new(), Vec::new());
        cpu.render(&p, &mut with).unwrap();
        p.signs = [None; MAX_SIGNS];
        cpu.render(&p, &mut without).unwrap();
        std::fs::rename(&moved, &dir).unwrap();
        with.chunks_exact(4)
            .zip(without.chunks_exact(4))
            .filter(|(a, b)| a.iter().zip(b.iter()).any(|(x, y)| x.abs_diff(*y) > 24))
            .count()
    };
    let front = changed(2.04);
    let behind = changed(2.24);
    eprintln!("sign in front changes {front} pixels, behind the capture {behind}");
    assert!(front > 100, "{front}");
    assert!(behind * 10 < front, "{behind} vs {front}");
}
