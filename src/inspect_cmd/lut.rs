//! `inspect` for a `.cube` LUT: its parts (1D shaper, 3D table), their sizes and domains,
//! and the range of values it outputs.

use std::path::Path;

use livingfilm_render::grade::CubeLut;

/// One part of a LUT.
#[derive(serde::Serialize)]
struct Part {
    size: usize,
    domain_min: [f32; 3],
    domain_max: [f32; 3],
    /// Smallest and largest output value per channel.
    output_min: [f32; 3],
    output_max: [f32; 3],
}

impl Part {
    fn new(size: usize, domain_min: [f32; 3], domain_max: [f32; 3], table: &[[f32; 3]]) -> Self {
        let mut output_min = [f32::INFINITY; 3];
        let mut output_max = [f32::NEG_INFINITY; 3];
        for rgb in table {
            for c in 0..3 {
                output_min[c] = output_min[c].min(rgb[c]);
                output_max[c] = output_max[c].max(rgb[c]);
            }
        }
        Self {
            size,
            domain_min,
            domain_max,
            output_min,
            output_max,
        }
    }
}

/// What `inspect` reports about a LUT.
#[derive(serde::Serialize)]
struct LutStats {
    file: String,
    kind: &'static str,
    title: Option<String>,
    /// The 1D part, applied first (a Resolve shaper, or a 1D LUT alone).
    shaper: Option<Part>,
    /// The 3D table.
    cube: Option<Part>,
}

pub fn lut(file: &Path, json: bool) -> anyhow::Result<()> {
    let lut = CubeLut::load(file)?;
    let s = LutStats {
        file: file.display().to_string(),
        kind: match (&lut.shaper, &lut.cube) {
            (Some(_), Some(_)) => "LUT (.cube): 1D shaper, then a 3D table",
            (None, Some(_)) => "LUT (.cube): 3D table",
            _ => "LUT (.cube): 1D",
        },
        title: lut.title.clone(),
        shaper: lut
            .shaper
            .as_ref()
            .map(|l| Part::new(l.size, l.domain_min, l.domain_max, &l.table)),
        cube: lut
            .cube
            .as_ref()
            .map(|l| Part::new(l.size, l.domain_min, l.domain_max, &l.table)),
    };
    if json {
        return super::print_json(&s);
    }
    println!("file       {}", s.file);
    println!("kind       {}", s.kind);
    if let Some(t) = &s.title {
        println!("title      {}", livingfilm_core::untrusted::excerpt(t));
    }
    for (name, part, size) in [
        ("shaper", &s.shaper, "entries"),
        ("3D table", &s.cube, "per axis"),
    ] {
        let Some(p) = part else { continue };
        println!("{name:<10} {} {size}", p.size);
        println!("  domain   {:?} .. {:?}", p.domain_min, p.domain_max);
        println!("  output   {:?} .. {:?}", p.output_min, p.output_max);
    }
    Ok(())
}
