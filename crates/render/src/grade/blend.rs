//! Blending looks: a weighted mix of several LUT looks as one table.
//!
//! Interpolation is linear in the table values, so for looks sampled on the same lattice
//! (same size and domain, no shaper) `Σ wᵢ·Lᵢ(c)` equals the lookup in `Σ wᵢ·Tᵢ` exactly;
//! other looks are first resampled to a common 33³ lattice over [0, 1].

use super::cube::{CubeLut, Interp, Lut3d};

/// Lattice used when looks differ in size, domain or carry a shaper.
pub const COMMON_SIZE: usize = 33;

/// Several looks on one lattice, ready to be mixed by weights many times.
#[derive(Debug, Clone)]
pub struct LookMixer {
    base: Lut3d,
    tables: Vec<Vec<[f32; 3]>>,
    identity: Vec<[f32; 3]>,
}

impl LookMixer {
    /// Puts `looks` on a common lattice (theirs if they share one, else 33³ over [0, 1]).
    pub fn new(looks: &[CubeLut], interp: Interp) -> Self {
        let plain = |l: &CubeLut| l.shaper.is_none() && l.cube.is_some();
        let same = looks.windows(2).all(|w| {
            matches!((&w[0].cube, &w[1].cube), (Some(a), Some(b)) if a.size == b.size && a.domain_min == b.domain_min && a.domain_max == b.domain_max)
        });
        let cubes: Vec<Lut3d> = if !looks.is_empty() && looks.iter().all(plain) && same {
            looks.iter().filter_map(|l| l.cube.clone()).collect()
        } else {
            looks.iter().map(|l| l.bake(COMMON_SIZE, interp)).collect()
        };
        let base = cubes
            .first()
            .cloned()
            .unwrap_or_else(|| Lut3d::identity(COMMON_SIZE));
        let n = base.size;
        let identity = (0..n * n * n)
            .map(|i| {
                let idx = [i % n, (i / n) % n, i / (n * n)];
                std::array::from_fn(|c| {
                    base.domain_min[c]
                        + (base.domain_max[c] - base.domain_min[c]) * idx[c] as f32 / (n - 1) as f32
                })
            })
            .collect();
        Self {
            tables: cubes.into_iter().map(|c| c.table).collect(),
            base,
            identity,
        }
    }

    /// Samples per axis of the mixed table.
    pub fn size(&self) -> usize {
        self.base.size
    }

    /// The table `Σ wᵢ·lookᵢ + (1 − Σ wᵢ)·identity` (missing weights count as 0).
    pub fn mix(&self, weights: &[f32]) -> Lut3d {
        let rest = 1.0 - weights.iter().take(self.tables.len()).sum::<f32>();
        let mut out = self.base.clone();
        for (k, e) in out.table.iter_mut().enumerate() {
            *e = std::array::from_fn(|c| {
                rest * self.identity[k][c]
                    + self
                        .tables
                        .iter()
                        .zip(weights)
                        .map(|(t, w)| w * t[k][c])
                        .sum::<f32>()
            });
        }
        out
    }
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
        let mixed = LookMixer::new(&[a.clone(), b.clone()], Interp::Tetrahedral).mix(&[0.3, 0.5]);
        assert_eq!(mixed.size, 5);
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
        // Zero weights give the identity.
        let id = LookMixer::new(&[a], Interp::Trilinear).mix(&[0.0]);
        assert_eq!(
            id.apply([0.25, 0.5, 0.75], Interp::Trilinear),
            [0.25, 0.5, 0.75]
        );
    }
}
