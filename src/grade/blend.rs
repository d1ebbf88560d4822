//! Blending looks: a weighted mix of several LUT looks as one table.
//!
//! Interpolation is linear in the table values, so for looks sampled on the same lattice
//! (same size and domain, no shaper) `Σ wᵢ·Lᵢ(c)` equals the lookup in `Σ wᵢ·Tᵢ` exactly;
//! other looks are first resampled to a common 33³ lattice over [0, 1].

use super::cube::{CubeLut, Interp, Lut3d};

/// Lattice used when looks differ in size, domain or carry a shaper.
pub const COMMON_SIZE: usize = 33;

/// One table equal to `Σ wᵢ·lookᵢ + (1 − Σ wᵢ)·identity`.
pub fn blend_looks(looks: &[(&CubeLut, f32)], interp: Interp) -> Lut3d {
    let plain = |l: &CubeLut| l.shaper.is_none() && l.cube.is_some();
    let same_lattice = looks.windows(2).all(|w| {
        let (a, b) = (w[0].0.cube.as_ref(), w[1].0.cube.as_ref());
        matches!((a, b), (Some(a), Some(b)) if a.size == b.size && a.domain_min == b.domain_min && a.domain_max == b.domain_max)
    });
    let tables: Vec<(Lut3d, f32)> =
        if !looks.is_empty() && looks.iter().all(|(l, _)| plain(l)) && same_lattice {
            looks
                .iter()
                .filter_map(|(l, w)| l.cube.clone().map(|c| (c, *w)))
                .collect()
        } else {
            looks
                .iter()
                .map(|(l, w)| (l.bake(COMMON_SIZE, interp), *w))
                .collect()
        };
    let mut out = tables
        .first()
        .map_or_else(|| Lut3d::identity(COMMON_SIZE), |t| t.0.clone());
    // The identity on the same lattice, for the weight left over.
    let identity: Vec<[f32; 3]> = {
        let n = out.size;
        (0..n * n * n)
            .map(|i| {
                let idx = [i % n, (i / n) % n, i / (n * n)];
                std::array::from_fn(|c| {
                    out.domain_min[c]
                        + (out.domain_max[c] - out.domain_min[c]) * idx[c] as f32 / (n - 1) as f32
                })
            })
            .collect()
    };
    let rest = 1.0 - tables.iter().map(|t| t.1).sum::<f32>();
    for (k, e) in out.table.iter_mut().enumerate() {
        *e = std::array::from_fn(|c| {
            rest * identity[k][c] + tables.iter().map(|(t, w)| w * t.table[k][c]).sum::<f32>()
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn look(scale: f32) -> CubeLut {
        let mut l = Lut3d::identity(5);
        l.table.iter_mut().for_each(|e| *e = e.map(|v| v * scale));
        CubeLut {
            title: None,
            shaper: None,
            cube: Some(l),
        }
    }

    #[test]
    fn blending_tables_equals_blending_outputs() {
        let (a, b) = (look(0.5), look(1.5));
        let mixed = blend_looks(&[(&a, 0.3), (&b, 0.5)], Interp::Tetrahedral);
        for c in [[0.1, 0.7, 0.33], [0.9, 0.2, 0.5]] {
            let direct: Vec<f32> = (0..3)
                .map(|i| {
                    0.3 * a.apply(c, Interp::Tetrahedral)[i]
                        + 0.5 * b.apply(c, Interp::Tetrahedral)[i]
                        + 0.2 * c[i]
                })
                .collect();
            let got = mixed.apply(c, Interp::Tetrahedral);
            for i in 0..3 {
                assert!((got[i] - direct[i]).abs() < 1e-6);
            }
        }
    }
}
