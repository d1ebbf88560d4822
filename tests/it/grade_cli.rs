//! `livingfilm grade` on real files: bit depth kept, float values exact, clips streamed.

use crate::common;

use common::*;
use image::{ImageBuffer, Rgb};
use livingfilm_render::grade::{CubeLut, Interp};
use livingfilm_render::media::still::{Depth, Still};
use livingfilm_render::media::y4m::{Chroma, Y4mHeader, Y4mReader, Y4mWriter};

const LUT: &str = "tests/data/luts/colour_iridas_cube_eotf_sRGB_3D.cube";

fn grade(args: &[&str]) -> (bool, String) {
    let (ok, _, err) = livingfilm(&[&["grade"], args].concat());
    (ok, err)
}

#[test]
fn sixteen_bit_png_stays_sixteen_bit_and_matches_the_cpu_maths() {
    let o = out_dir("grade_png16");
    let (w, h) = (32u32, 16u32);
    let img = ImageBuffer::<Rgb<u16>, _>::from_fn(w, h, |x, y| {
        Rgb([
            (x * 2000) as u16,
            (y * 4000) as u16,
            ((x + y) * 1300) as u16,
        ])
    });
    let input = o.join("in16.png");
    img.save(&input).unwrap();
    let output = o.join("out16.png");
    let (ok, err) = grade(&[
        input.to_str().unwrap(),
        "--lut",
        LUT,
        "--interp",
        "trilinear",
        "-o",
        output.to_str().unwrap(),
    ]);
    assert!(ok, "{err}");
    let got = Still::load(&output).unwrap();
    assert_eq!(got.depth, Depth::U16);
    let lut = CubeLut::load(&root().join(LUT)).unwrap();
    let src = Still::load(&input).unwrap();
    for (i, px) in src.rgb.chunks_exact(3).enumerate() {
        let want = lut.apply([px[0], px[1], px[2]], Interp::Trilinear);
        for (c, w) in want.iter().enumerate() {
            let q = (w.clamp(0.0, 1.0) * 65535.0).round() / 65535.0;
            assert!(
                (got.rgb[3 * i + c] - q).abs() < 1.5 / 65535.0,
                "pixel {i} channel {c}"
            );
        }
    }
}

#[test]
fn exr_keeps_float_values_exactly_and_gpu_agrees() {
    let o = out_dir("grade_exr");
    let (w, h) = (16u32, 8u32);
    let img = ImageBuffer::<Rgb<f32>, _>::from_fn(w, h, |x, y| {
        Rgb([x as f32 / 10.0, y as f32 / 5.0, 1.2 - x as f32 / 20.0])
    });
    let input = o.join("in.exr");
    img.save(&input).unwrap();
    let lut = CubeLut::load(&root().join(LUT)).unwrap();
    for (name, extra) in [("cpu.exr", None), ("gpu.exr", Some("--gpu"))] {
        let output = o.join(name);
        let mut args = vec![
            input.to_str().unwrap(),
            "--lut",
            LUT,
            "-o",
            output.to_str().unwrap(),
        ];
        args.extend(extra);
        let (ok, err) = grade(&args);
        assert!(ok, "{err}");
        let got = Still::load(&output).unwrap();
        assert_eq!(got.depth, Depth::F32);
        let tolerance = if extra.is_some() { 1e-5 } else { 0.0 };
        for (i, p) in img.pixels().enumerate() {
            let want = lut.apply([p[0], p[1], p[2]], Interp::Tetrahedral);
            for (c, w) in want.iter().enumerate() {
                let g = got.rgb[3 * i + c];
                assert!((g - w).abs() <= tolerance, "{name} pixel {i}: {g} vs {w}");
            }
        }
    }
}

#[test]
fn y4m_clips_are_graded_frame_by_frame() {
    let o = out_dir("grade_y4m");
    let input = o.join("in.y4m");
    let header = Y4mHeader {
        chroma: Chroma::C420,
        ..Y4mHeader::new(16, 8, 24)
    };
    let mut w = Y4mWriter::new(std::fs::File::create(&input).unwrap(), header.clone()).unwrap();
    for f in 0..3 {
        let rgb: Vec<f32> = (0..16 * 8)
            .flat_map(|i| [0.1 + 0.2 * f as f32, (i % 16) as f32 / 16.0, 0.5])
            .collect();
        w.write_rgb(&rgb).unwrap();
    }
    w.finish().unwrap();
    let output = o.join("out.y4m");
    let (ok, err) = grade(&[
        input.to_str().unwrap(),
        "--lut",
        "assets/demo/luts/tension.cube",
        "-o",
        output.to_str().unwrap(),
    ]);
    assert!(ok, "{err}");
    assert!(err.contains("graded 3 frames"), "{err}");
    let mut r = Y4mReader::new(
        std::io::BufReader::new(std::fs::File::open(&output).unwrap()),
        &output,
    )
    .unwrap();
    assert_eq!(r.header, header);
    let (mut a, mut b) = (Vec::new(), Vec::new());
    let mut src = Y4mReader::new(
        std::io::BufReader::new(std::fs::File::open(&input).unwrap()),
        &input,
    )
    .unwrap();
    let mut frames = 0;
    while r.read_rgb(&mut a).unwrap() {
        assert!(src.read_rgb(&mut b).unwrap());
        // The tension look desaturates: the graded frame differs from its source.
        let diff = a.iter().zip(&b).map(|(x, y)| (x - y).abs()).sum::<f32>() / a.len() as f32;
        assert!(diff > 0.01, "frame {frames} unchanged ({diff})");
        frames += 1;
    }
    assert_eq!(frames, 3);
}

#[test]
fn bad_grade_inputs_are_one_line_errors() {
    let o = out_dir("grade_errors");
    let bad = o.join("bad.cube");
    std::fs::write(&bad, "LUT_3D_SIZE 2\n0 0 0\n1 x 1\n").unwrap();
    let out = o.join("o.png");
    let (ok, err) = grade(&["assets/demo/film.toml", "-o", out.to_str().unwrap()]);
    assert!(!ok && err.contains("unsupported input"), "{err}");
    let png = o.join("in.png");
    ImageBuffer::<Rgb<u8>, _>::from_pixel(4, 4, Rgb([9, 9, 9]))
        .save(&png)
        .unwrap();
    let (ok, err) = grade(&[
        png.to_str().unwrap(),
        "--lut",
        bad.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(!ok && err.contains("bad.cube:3:"), "{err}");
    let (ok, err) = grade(&[
        png.to_str().unwrap(),
        "--cdl",
        "1,1,1",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(
        !ok && err.contains("slope:offset:power:saturation"),
        "{err}"
    );
    let (ok, err) = grade(&[
        png.to_str().unwrap(),
        "-o",
        o.join("x.jpg").to_str().unwrap(),
    ]);
    assert!(!ok && err.contains("unsupported output extension"), "{err}");
}
