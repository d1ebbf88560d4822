//! `.lfgrid` scenes: a baked density + colour voxel grid.
//!
//! Layout (little-endian): magic `LFGRID01`; `nx, ny, nz: u32`; `bounds_min: [f32; 3]`;
//! `bounds_max: [f32; 3]`; `density_scale: f32`; then `nx·ny·nz` RGBA8 texels, x
//! fastest, then y, then z. RGB is the radiance (display-referred), A the density
//! as a fraction of `density_scale` (extinction per scene unit).

use std::path::{Path, PathBuf};

/// First bytes of every `.lfgrid` file.
pub const SCENE_MAGIC: &[u8; 8] = b"LFGRID01";
const HEADER_LEN: usize = 8 + 12 + 24 + 4;
/// Largest grid edge the player accepts.
pub const MAX_DIM: u32 = 512;

/// Why a scene could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum SceneError {
    /// The file could not be read.
    #[error("cannot read scene {path}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The file is not a valid `.lfgrid`.
    #[error("scene {path}: {problem}")]
    Invalid { path: PathBuf, problem: String },
}

/// A baked radiance-field grid in memory.
#[derive(Debug, Clone, PartialEq)]
pub struct Scene {
    /// Grid size in texels (x, y, z).
    pub dims: [u32; 3],
    /// Scene-space box the grid covers.
    pub bounds_min: [f32; 3],
    /// Scene-space box the grid covers.
    pub bounds_max: [f32; 3],
    /// Extinction per scene unit at alpha = 255.
    pub density_scale: f32,
    /// RGBA8 texels, x fastest.
    pub texels: Vec<u8>,
}

impl Scene {
    /// Reads and validates a `.lfgrid` file.
    pub fn load(path: &Path) -> Result<Self, SceneError> {
        let bytes = std::fs::read(path).map_err(|source| SceneError::Io {
            path: path.to_owned(),
            source,
        })?;
        Self::from_bytes(&bytes).map_err(|problem| SceneError::Invalid {
            path: path.to_owned(),
            problem,
        })
    }

    /// Parses the file format; the error says what is wrong.
    pub fn from_bytes(b: &[u8]) -> Result<Self, String> {
        if b.len() < HEADER_LEN {
            return Err(format!(
                "truncated header ({} of {HEADER_LEN} bytes)",
                b.len()
            ));
        }
        if &b[..8] != SCENE_MAGIC {
            return Err("not an .lfgrid file (bad magic)".into());
        }
        let u = |o: usize| u32::from_le_bytes([b[o], b[o + 1], b[o + 2], b[o + 3]]);
        let f = |o: usize| f32::from_le_bytes([b[o], b[o + 1], b[o + 2], b[o + 3]]);
        let dims = [u(8), u(12), u(16)];
        if dims.iter().any(|&d| !(2..=MAX_DIM).contains(&d)) {
            return Err(format!("grid size {dims:?} outside 2..={MAX_DIM} per axis"));
        }
        let bounds_min = [f(20), f(24), f(28)];
        let bounds_max = [f(32), f(36), f(40)];
        let density_scale = f(44);
        let finite = bounds_min.iter().chain(&bounds_max).all(|v| v.is_finite());
        if !finite || (0..3).any(|i| bounds_max[i] <= bounds_min[i]) {
            return Err(format!(
                "empty or non-finite bounds {bounds_min:?}..{bounds_max:?}"
            ));
        }
        if !(density_scale.is_finite() && density_scale > 0.0) {
            return Err(format!("density_scale {density_scale} must be positive"));
        }
        let n = dims.iter().map(|&d| d as usize).product::<usize>() * 4;
        let body = &b[HEADER_LEN..];
        if body.len() != n {
            return Err(format!(
                "texel data is {} bytes, grid {dims:?} needs {n}",
                body.len()
            ));
        }
        Ok(Self {
            dims,
            bounds_min,
            bounds_max,
            density_scale,
            texels: body.to_vec(),
        })
    }

    /// Serialises to the file format.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(HEADER_LEN + self.texels.len());
        out.extend_from_slice(SCENE_MAGIC);
        for d in self.dims {
            out.extend_from_slice(&d.to_le_bytes());
        }
        for v in self.bounds_min.iter().chain(&self.bounds_max) {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out.extend_from_slice(&self.density_scale.to_le_bytes());
        out.extend_from_slice(&self.texels);
        out
    }

    /// Centre of the scene box.
    pub fn centre(&self) -> [f32; 3] {
        std::array::from_fn(|i| 0.5 * (self.bounds_min[i] + self.bounds_max[i]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_rejects_damage() {
        let s = Scene {
            dims: [2, 3, 2],
            bounds_min: [-1.0; 3],
            bounds_max: [1.0; 3],
            density_scale: 10.0,
            texels: (0..48).collect(),
        };
        let b = s.to_bytes();
        assert_eq!(Scene::from_bytes(&b).unwrap(), s);
        for cut in [0, 7, 47, b.len() - 1] {
            assert!(Scene::from_bytes(&b[..cut]).is_err(), "cut at {cut}");
        }
        let mut bad = b.clone();
        bad[0] = b'X';
        assert!(Scene::from_bytes(&bad).unwrap_err().contains("magic"));
        let mut huge = b.clone();
        huge[8..12].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(Scene::from_bytes(&huge).is_err());
        let mut nan = b;
        nan[44..48].copy_from_slice(&f32::NAN.to_le_bytes());
        assert!(Scene::from_bytes(&nan).is_err());
    }
}
