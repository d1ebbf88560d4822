//! A splat capture as the renderers take it: turned to the player's axes (y up), its SH
//! rounded to half precision (as the GPU holds them, so both renderers see the same
//! numbers), and the director's sidecar `capture.ply.json` (sign slots, camera paths,
//! sky, the depth of the weather layers), validated like an `.lfscene` header.

use std::path::{Path, PathBuf};

use half::f16;
use serde::Deserialize;

use super::{PlyError, Splats};
use crate::scene::{validate_cameras, validate_slots};
use crate::{CameraPath, SceneError, SceneInfo, SceneKind, SignSlot, Sky};

/// The axes a capture was written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Orientation {
    /// x right, y down, z forward: the 3DGS reference and COLMAP convention (the default).
    #[default]
    YDown,
    /// x right, y up, z backward: already the player's axes.
    YUp,
}

/// The director's additions to a capture, read from `<capture>.ply.json` if present.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sidecar {
    /// Axes of the `.ply`.
    #[serde(default)]
    pub orientation: Orientation,
    /// Light behind the capture.
    #[serde(default)]
    pub sky: Sky,
    /// Sign planes, in the player's axes (after `orientation`).
    #[serde(default)]
    pub slots: Vec<SignSlot>,
    /// Camera paths, in the player's axes.
    #[serde(default)]
    pub cameras: Vec<CameraPath>,
    /// Scene units per unit of the weather layers' depths (0.8, 1.6, 3.2): captures
    /// come in any scale.
    #[serde(default = "one")]
    pub weather_scale: f32,
}

fn one() -> f32 {
    1.0
}

impl Default for Sidecar {
    fn default() -> Self {
        Self {
            orientation: Orientation::default(),
            sky: Sky::default(),
            slots: Vec::new(),
            cameras: Vec::new(),
            weather_scale: 1.0,
        }
    }
}

/// A splat scene ready to render.
#[derive(Debug, Clone)]
pub struct SplatScene {
    /// The Gaussians in the player's axes, SH at f16 precision.
    pub splats: Splats,
    /// Bounds, slots, cameras, sky.
    pub info: SceneInfo,
    /// Scene units per unit of weather-layer depth.
    pub weather_scale: f32,
}

/// SH coefficients (index within one channel) whose basis is odd in y + z: they change
/// sign under the 180° turn about x that takes y-down axes to y-up ones.
const FLIPPED_BY_X_TURN: [usize; 8] = [1, 2, 4, 7, 9, 11, 12, 14];

impl Splats {
    /// The capture turned 180° about x (y-down to y-up): positions, rotations and the
    /// view-dependent colour all turn with it.
    pub fn turned_about_x(mut self) -> Self {
        for p in &mut self.positions {
            *p = [p[0], -p[1], -p[2]];
        }
        for q in &mut self.rotations {
            // (0, 1, 0, 0) ⊗ q
            let [w, x, y, z] = *q;
            *q = [-x, w, -z, y];
        }
        let per = ((self.sh_degree + 1) * (self.sh_degree + 1)) as usize;
        for chunk in self.sh.chunks_exact_mut(per) {
            for &k in FLIPPED_BY_X_TURN.iter().filter(|&&k| k < per) {
                chunk[k] = -chunk[k];
            }
        }
        self
    }
}

/// Largest `.ply.json` sidecar read, bytes (slots, camera paths and sky: a few KiB).
pub const MAX_SIDECAR_BYTES: u64 = 1 << 20;

impl SplatScene {
    /// Where the sidecar of `ply` lives: the same name with `.json` appended.
    pub fn sidecar_path(ply: &Path) -> PathBuf {
        let mut s = ply.as_os_str().to_owned();
        s.push(".json");
        PathBuf::from(s)
    }

    /// Reads a `.ply` capture and its sidecar (if any).
    pub fn load(path: &Path) -> Result<Self, SceneError> {
        let splats = Splats::load(path).map_err(|e| match e {
            PlyError::Io { path, source } => SceneError::Io { path, source },
            PlyError::Invalid { path, problem } => SceneError::Invalid { path, problem },
            PlyError::Malformed(problem) => SceneError::Malformed(problem),
        })?;
        let side = Self::sidecar_path(path);
        let sidecar = match livingfilm_core::untrusted::read_text_bounded(&side, MAX_SIDECAR_BYTES)
        {
            Ok(text) => serde_json::from_str(&text).map_err(|e| SceneError::Invalid {
                path: side.clone(),
                problem: livingfilm_core::untrusted::shorten_quotes(&format!(
                    "line {}, column {}: {e}",
                    e.line(),
                    e.column()
                )),
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Sidecar::default(),
            Err(source) => return Err(SceneError::Io { path: side, source }),
        };
        Self::new(splats, sidecar).map_err(|e| match e {
            SceneError::Malformed(problem) => SceneError::Invalid {
                path: side,
                problem,
            },
            other => other,
        })
    }

    /// Turns `splats` as `sidecar` says and checks the sidecar against them; the error
    /// ([`SceneError::Malformed`]) says what is wrong with the sidecar.
    pub fn new(splats: Splats, sidecar: Sidecar) -> Result<Self, SceneError> {
        let mut splats = match sidecar.orientation {
            Orientation::YDown => splats.turned_about_x(),
            Orientation::YUp => splats,
        };
        for c in &mut splats.sh {
            *c = f16::from_f32(*c).to_f32();
        }
        let (bounds_min, bounds_max) = splats.bounds();
        let finite = |v: [f32; 3]| v.iter().all(|x| x.is_finite());
        if !finite(sidecar.sky.horizon) || !finite(sidecar.sky.zenith) {
            return Err(SceneError::Malformed("sky colours must be finite".into()));
        }
        if !(sidecar.weather_scale.is_finite() && sidecar.weather_scale > 0.0) {
            return Err(SceneError::Malformed(format!(
                "weather_scale {} must be positive",
                sidecar.weather_scale
            )));
        }
        validate_slots(&sidecar.slots, bounds_min, bounds_max)?;
        validate_cameras(&sidecar.cameras)?;
        let info = SceneInfo {
            kind: SceneKind::Splats {
                count: splats.len(),
                sh_degree: splats.sh_degree,
            },
            dims: [0; 3],
            bounds_min,
            bounds_max,
            density_scale: 0.0,
            occupancy_dims: [0; 3],
            occupancy_block: 0,
            sky: sidecar.sky,
            slots: sidecar.slots,
            cameras: sidecar.cameras,
        };
        Ok(Self {
            splats,
            info,
            weather_scale: sidecar.weather_scale,
        })
    }

    /// Bytes the scene takes on the GPU (attributes, f16 SH, per-frame work buffers).
    pub fn gpu_bytes(&self) -> usize {
        let n = self.splats.len();
        let words = (3 * ((self.splats.sh_degree + 1) as usize).pow(2)).div_ceil(2);
        n * (48 + 4 * words + 48 + 16) + 256 * 4 * n.div_ceil(256)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::splat::cpu::sh_colour;

    fn one_splat(degree: u32) -> Splats {
        let per = ((degree + 1) * (degree + 1)) as usize;
        Splats {
            positions: vec![[0.1, 0.2, 0.3]],
            scales: vec![[0.1, 0.2, 0.3]],
            rotations: vec![[0.8, 0.0, 0.6, 0.0]],
            opacities: vec![0.5],
            sh_degree: degree,
            sh: (0..3 * per).map(|i| (i as f32 * 0.37).sin()).collect(),
        }
    }

    #[test]
    fn turning_keeps_the_colour_seen_from_the_turned_direction() {
        let s = one_splat(3);
        let t = s.clone().turned_about_x();
        assert_eq!(t.positions[0], [0.1, -0.2, -0.3]);
        for d in [[0.6f32, 0.0, 0.8], [0.0, 0.6, -0.8], [0.48, 0.6, 0.64]] {
            let turned = [d[0], -d[1], -d[2]];
            for ch in 0..3 {
                let a = sh_colour(&s.sh[16 * ch..], 3, d);
                let b = sh_colour(&t.sh[16 * ch..], 3, turned);
                assert!((a - b).abs() < 1e-6, "{a} vs {b}");
            }
        }
    }

    #[test]
    fn a_sidecar_slot_outside_the_capture_is_named() {
        let mut s = one_splat(0);
        s.positions.push([1.0, 1.0, 1.0]);
        s.scales.push([0.1; 3]);
        s.rotations.push([1.0, 0.0, 0.0, 0.0]);
        s.opacities.push(0.5);
        s.sh.extend([0.0; 3]);
        let side: Sidecar = serde_json::from_str(
            r#"{"orientation": "y-up", "slots": [{"name": "wall", "centre": [0.5, 0.5, 3.0],
                "right": [1, 0, 0], "up": [0, 1, 0], "size": [0.2, 0.1]}]}"#,
        )
        .unwrap();
        let e = SplatScene::new(s, side).unwrap_err().to_string();
        assert!(
            e.contains("slots[0] (`wall`)") && e.contains("outside"),
            "{e}"
        );
    }
}
