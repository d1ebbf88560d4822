//! `.cube` LUTs against independent references: OpenColorIO 2.6.0 (and colour-science
//! 0.4.7 where OCIO cannot read the file), trilinear and tetrahedral, every point asserted.

use livingfilm_render::grade::{CubeLut, Interp};

const CPU_TOLERANCE: f32 = 1e-5;

fn triples(v: &serde_json::Value) -> Vec<[f32; 3]> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let p = p.as_array().unwrap();
            [0, 1, 2].map(|i| p[i].as_f64().unwrap() as f32)
        })
        .collect()
}

/// Max abs error of the CPU path against one reference column.
fn max_error(lut: &CubeLut, inputs: &[[f32; 3]], want: &[[f32; 3]], interp: Interp) -> f32 {
    inputs
        .iter()
        .zip(want)
        .map(|(i, w)| {
            let got = lut.apply(*i, interp);
            (0..3).map(|c| (got[c] - w[c]).abs()).fold(0.0, f32::max)
        })
        .fold(0.0, f32::max)
}

#[test]
fn cpu_matches_opencolorio_and_colour_science() {
    let dir = crate::root().join("tests/data/luts");
    let mut checked = 0;
    for entry in std::fs::read_dir(dir.join("ref")).unwrap() {
        let path = entry.unwrap().path();
        let r: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        let cube = r["lut"].as_str().unwrap().trim_start_matches("files/");
        let lut = CubeLut::load(&dir.join(cube)).unwrap();
        let inputs = triples(&r["inputs"]);
        assert_eq!(inputs.len(), 1064);
        let columns = [
            ("ocio_interp_linear", Interp::Trilinear),
            ("ocio_interp_tetrahedral", Interp::Tetrahedral),
            ("colour_interp_trilinear", Interp::Trilinear),
            ("colour_interp_tetrahedral", Interp::Tetrahedral),
        ];
        for (column, interp) in columns {
            if r.get(column).is_none() {
                continue;
            }
            let err = max_error(&lut, &inputs, &triples(&r[column]), interp);
            println!("{cube}: {column}: max abs error {err:.3e}");
            assert!(
                err <= CPU_TOLERANCE,
                "{cube} {column}: max abs error {err:e}"
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 8, "expected 4 LUTs x 2 interpolations");
}

#[test]
fn every_sample_lut_parses() {
    let dir = crate::root().join("tests/data/luts");
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "cube") {
            let lut = CubeLut::load(&path).unwrap_or_else(|e| panic!("{e}"));
            assert!(lut.shaper.is_some() || lut.cube.is_some());
        }
    }
    let demo = CubeLut::load(&dir.join("colour_iridas_cube_Demo.cube")).unwrap();
    let shaper = demo.shaper.unwrap();
    assert_eq!((shaper.size, shaper.domain_max), (3, [1.0, 2.0, 3.0]));
}

mod gpu {
    use super::*;
    use livingfilm_render::grade::gpu::{FramePrecision, GpuGrader, LutStorage};
    use livingfilm_render::grade::{Cdl, Grade, GradeParams};
    use livingfilm_render::GpuContext;

    fn ctx() -> GpuContext {
        let dir = std::env::temp_dir().join("livingfilm-xdg");
        let _ = std::fs::create_dir_all(&dir);
        GpuContext::new().expect("a GPU adapter (lavapipe) is required for the GPU tests")
    }

    #[test]
    fn gpu_matches_the_references_in_32_and_16_bit() {
        let ctx = ctx();
        let dir = crate::root().join("tests/data/luts");
        let mut checked = 0;
        for entry in std::fs::read_dir(dir.join("ref")).unwrap() {
            let r: serde_json::Value =
                serde_json::from_slice(&std::fs::read(entry.unwrap().path()).unwrap()).unwrap();
            let cube = r["lut"].as_str().unwrap().trim_start_matches("files/");
            let lut = CubeLut::load(&dir.join(cube)).unwrap();
            let inputs = triples(&r["inputs"]);
            let flat: Vec<f32> = inputs.iter().flatten().copied().collect();
            for (column, interp) in [
                ("ocio_interp_linear", Interp::Trilinear),
                ("ocio_interp_tetrahedral", Interp::Tetrahedral),
                ("colour_interp_trilinear", Interp::Trilinear),
                ("colour_interp_tetrahedral", Interp::Tetrahedral),
            ] {
                let Some(want) = r.get(column).map(triples) else {
                    continue;
                };
                let grade = Grade {
                    lut: Some(lut.clone()),
                    interp,
                    params: GradeParams::default(),
                };
                for (storage, precision, tolerance) in [
                    (LutStorage::Texture, FramePrecision::F32, 1e-5),
                    (LutStorage::Buffer, FramePrecision::F32, 1e-5),
                    (LutStorage::Texture, FramePrecision::F16, 2e-3),
                ] {
                    let mut g =
                        GpuGrader::new(&ctx, &grade, storage, precision, inputs.len() as u32, 1);
                    let mut px = flat.clone();
                    g.grade(&mut px, 0).unwrap();
                    let err = px
                        .chunks_exact(3)
                        .zip(&want)
                        .map(|(p, w)| (0..3).map(|c| (p[c] - w[c]).abs()).fold(0.0, f32::max))
                        .fold(0.0, f32::max);
                    println!(
                        "GPU {cube} {column} {storage:?} {precision:?}: max abs error {err:.3e}"
                    );
                    assert!(
                        err <= tolerance,
                        "{cube} {column} {storage:?} {precision:?}: {err:e}"
                    );
                }
                checked += 1;
            }
        }
        assert_eq!(checked, 8);
    }

    #[test]
    fn gpu_operators_match_the_cpu() {
        let ctx = ctx();
        let dir = crate::root().join("tests/data/luts");
        let params = GradeParams {
            temperature: 0.3,
            tint: -0.2,
            cdl: Cdl::parse("1.1,0.95,0.9:0.02,0,-0.01:0.9,1,1.2:0.8").unwrap(),
            lift: [0.02, 0.0, 0.05],
            gamma: [1.1, 1.0, 0.9],
            gain: [1.0, 1.05, 0.95],
            strength: 0.7,
            vignette: 0.4,
            grain: 0.05,
            seed: 42,
        };
        let grade = Grade {
            lut: Some(CubeLut::load(&dir.join("colour_iridas_cube_eotf_sRGB_3D.cube")).unwrap()),
            interp: Interp::Tetrahedral,
            params,
        };
        let (w, h) = (64u32, 48u32);
        let src: Vec<f32> = (0..w * h * 3)
            .map(|i: u32| (i.wrapping_mul(2654435761) >> 8) as f32 / (1u32 << 24) as f32)
            .collect();
        let mut cpu = src.clone();
        grade.frame(&mut cpu, w, h, 9);
        let mut gpu = src.clone();
        GpuGrader::new(&ctx, &grade, LutStorage::Buffer, FramePrecision::F32, w, h)
            .grade(&mut gpu, 9)
            .unwrap();
        let err = cpu
            .iter()
            .zip(&gpu)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f32::max);
        assert!(err < 1e-4, "GPU vs CPU max abs error {err:e}");
    }
}
