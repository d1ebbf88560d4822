//! The demo grade looks: colder and harsher as tension rises, warmer in release.

use livingfilm_render::grade::Lut3d;

/// A `.cube`-ready LUT of `n`³ entries implementing the tension look.
pub fn tension_look(n: usize) -> Lut3d {
    let k = (n - 1) as f32;
    let table = (0..n * n * n)
        .map(|i| {
            let rgb = [
                (i % n) as f32 / k,
                ((i / n) % n) as f32 / k,
                (i / (n * n)) as f32 / k,
            ];
            let luma = 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2];
            let tint = [0.82, 0.98, 1.18];
            std::array::from_fn(|c| {
                let desat = luma + 0.55 * (rgb[c] - luma);
                let s = desat * desat * (3.0 - 2.0 * desat);
                let contrast = desat + 0.8 * (s - desat);
                (contrast * tint[c]).clamp(0.0, 1.0)
            })
        })
        .collect();
    Lut3d {
        size: n,
        domain_min: [0.0; 3],
        domain_max: [1.0; 3],
        table,
    }
}

/// The release look: warmer, softer contrast, slightly lifted shadows.
pub fn release_look(n: usize) -> Lut3d {
    let mut lut = Lut3d::identity(n);
    for e in &mut lut.table {
        let luma = 0.2126 * e[0] + 0.7152 * e[1] + 0.0722 * e[2];
        let tint = [1.08, 1.0, 0.86];
        *e = std::array::from_fn(|c| {
            let sat = luma + 1.1 * (e[c] - luma);
            let soft = 0.04 + 0.94 * sat;
            (soft * tint[c]).clamp(0.0, 1.0)
        });
    }
    lut
}
