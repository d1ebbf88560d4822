//! The 3DGS `.ply` reader on a real capture (SuperSplat's fruit-drops demo, 4721 splats,
//! SH degree 3), against the values plyfile + numpy read from it; and damaged files.

use livingfilm_render::splat::Splats;

fn capture() -> Vec<u8> {
    std::fs::read(crate::root().join("tests/data/radiance/supersplat_fruit_drops_minimal.ply"))
        .unwrap()
}

#[test]
fn the_real_capture_loads_with_its_count_degree_and_bounds() {
    let s = Splats::from_bytes(&capture()).unwrap();
    assert_eq!(s.len(), 4721);
    assert_eq!(s.sh_degree, 3);
    assert_eq!(s.sh.len(), 4721 * 48);
    let (lo, hi) = s.bounds();
    // plyfile 1.1.5 + numpy
    let ref_lo = [0.486_115_3, -0.011_574_659, -2.248_986_2];
    let ref_hi = [1.002_195_2, 0.249_711_02, -2.019_969_7];
    for a in 0..3 {
        assert!((lo[a] - ref_lo[a]).abs() < 1e-6 && (hi[a] - ref_hi[a]).abs() < 1e-6);
    }
    // Record 0: position, DC and the first rest coefficient of green (f_rest_15).
    assert_eq!(s.positions[0], [0.886_864_5, 0.172_514_83, -2.248_986_2]);
    assert_eq!(&s.sh[..2], &[1.696_797_8, 0.041_336_432]);
    assert_eq!(s.sh[16], 1.584_643_5);
    assert_eq!(s.sh[17], 0.017_489_886);
    let (omin, omax) = s
        .opacities
        .iter()
        .fold((1f32, 0f32), |(a, b), &o| (a.min(o), b.max(o)));
    assert!((omin - 0.003_770_094).abs() < 1e-6 && (omax - 0.997_096_5).abs() < 1e-6);
    for q in &s.rotations {
        let n: f32 = q.iter().map(|x| x * x).sum();
        assert!((n - 1.0).abs() < 1e-5);
    }
}

#[test]
fn damaged_files_are_named_not_panicked_on() {
    let good = capture();
    let header_end = good.windows(11).position(|w| w == b"end_header\n").unwrap() + 11;
    let text = String::from_utf8_lossy(&good[..header_end]).into_owned();
    let body = &good[header_end..];
    let with_header = |h: &str| [h.as_bytes(), body].concat();
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (good[..good.len() - 7].to_vec(), "truncated"),
        (good[..header_end - 3].to_vec(), "end_header"),
        (
            with_header(&text.replace("vertex 4721", "vertex 99999999999")),
            "splats",
        ),
        (
            with_header(&text.replace("vertex 4721", "vertex 9000")),
            "truncated",
        ),
        (
            with_header(&text.replace("binary_little_endian", "ascii")),
            "not supported",
        ),
        (
            with_header(&text.replace("property float rot_3\n", "")),
            "rot_3",
        ),
        (
            with_header(&text.replace("property float f_rest_44\n", "")),
            "f_rest",
        ),
        (
            with_header(&text.replace(
                "property float opacity",
                "property list uchar float opacity",
            )),
            "list",
        ),
        (
            with_header(
                &text.replace("property float x\n", "property float x\nproperty float x\n"),
            ),
            "twice",
        ),
        (b"PLY\n".to_vec(), "end_header"),
    ];
    for (bytes, fragment) in cases {
        let e = Splats::from_bytes(&bytes).unwrap_err().to_string();
        assert!(e.contains(fragment), "`{fragment}` not in: {e}");
    }
    // Mutations: never a panic.
    let mut x = 0x2545_f491_4f6c_dd1du64;
    for _ in 0..2000 {
        let mut b = good.clone();
        for _ in 0..4 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let i = (x as usize) % b.len().min(header_end + 4096);
            b[i] = (x >> 32) as u8;
        }
        let cut = (x as usize >> 8) % (b.len() + 1);
        let _ = std::panic::catch_unwind(|| Splats::from_bytes(&b[..cut.max(header_end / 2)]))
            .expect("no panic");
    }
}

/// The capture seen from the front (the y-down file turned to y up): its card reads
/// "MIXED DROPS" upright. The golden image pins the orientation (an upside-down or
/// mirrored render is far from it); regenerate with `LIVINGFILM_BLESS=1`.
#[test]
fn the_capture_renders_upright_on_the_cpu() {
    use livingfilm_core::Camera;
    use livingfilm_render::orbit_camera;
    use livingfilm_render::splat::cpu::{project, render_hdr, SplatLook};
    use livingfilm_render::splat::{Sidecar, SplatScene};
    let scene =
        SplatScene::new(Splats::from_bytes(&capture()).unwrap(), Sidecar::default()).unwrap();
    let s = &scene.splats;
    let cam = Camera {
        radius: 0.9,
        height: 0.1,
        from_deg: 180.0,
        to_deg: 180.0,
        fov_deg: 50.0,
    };
    let (w, h) = (160u32, 120u32);
    let pose = orbit_camera(&cam, scene.info.centre(), 0.0);
    assert!(project(s, &pose, w, h).len() > 4600);
    let img = render_hdr(s, &SplatLook::neutral(pose, [w, h]), 2);
    let rgba: Vec<u8> = img
        .iter()
        .flat_map(|c| [c[0], c[1], c[2], 1.0].map(|v| (v.clamp(0.0, 1.0) * 255.0 + 0.5) as u8))
        .collect();
    let golden = crate::root().join("tests/data/golden/splat-mixed-drops.png");
    if std::env::var_os("LIVINGFILM_BLESS").is_some() {
        image::save_buffer(&golden, &rgba, w, h, image::ExtendedColorType::Rgba8).unwrap();
    }
    let want = image::open(&golden).unwrap().to_rgba8().into_raw();
    let psnr = |a: &[u8], b: &[u8]| {
        let se: f64 = a
            .iter()
            .zip(b)
            .map(|(x, y)| (*x as f64 - *y as f64).powi(2))
            .sum();
        10.0 * (255f64.powi(2) * a.len() as f64 / se.max(1e-9)).log10()
    };
    let same = psnr(&rgba, &want);
    // The same picture upside down: what a missing axis turn would give.
    let row = (w * 4) as usize;
    let flipped: Vec<u8> = rgba.chunks_exact(row).rev().flatten().copied().collect();
    let upside_down = psnr(&flipped, &want);
    eprintln!("golden: {same:.1} dB; upside down: {upside_down:.1} dB");
    assert!(same >= 45.0, "{same:.1} dB from the golden image");
    assert!(upside_down < 25.0, "{upside_down:.1} dB");
}
