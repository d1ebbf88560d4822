//! `.cube` LUTs against independent references: OpenColorIO 2.6.0 (and colour-science
//! 0.4.7 where OCIO cannot read the file), trilinear and tetrahedral, every point asserted.

use std::path::Path;

use livingfilm::grade::{CubeLut, Interp};

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
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/luts");
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
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/luts");
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
