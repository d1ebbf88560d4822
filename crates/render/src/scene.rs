//! `.lfscene` files: a baked radiance field (density plus degree-1 spherical-harmonic
//! colour on a voxel grid), its occupancy grid for empty-space skipping, and the
//! authoring hooks the player steers (sign slots, camera paths, sky light).
//!
//! The container is [safetensors](https://github.com/huggingface/safetensors): tensors
//! `density` `[nz, ny, nx]`, `sh` `[nz, ny, nx, 3, 4]` (RGB × SH coefficients 0..3) and
//! `occupancy` `[oz, oy, ox]`, each `U8` or `F16`, x fastest; the JSON header sits in
//! the file's metadata under the key `livingfilm`. docs/scene-format.md is the reference.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use half::f16;
use safetensors::{Dtype, SafeTensors};
use serde::{Deserialize, Serialize};

use super::occupancy::Occupancy;
use crate::maths::dot;

/// Metadata key holding the scene header.
pub const HEADER_KEY: &str = "livingfilm";
/// The `format` string every scene header carries.
pub const FORMAT: &str = "livingfilm-scene";
/// Largest grid edge the player accepts (GPUs may allow less; see the renderer).
pub const MAX_DIM: u32 = 1024;
/// Most sign slots one scene may define.
pub const MAX_SLOTS: usize = 16;
/// Spherical-harmonic constants of degree 0 and 1 (as in the 3DGS reference renderer).
pub const SH_C0: f32 = 0.282_094_8;
/// See [`SH_C0`].
pub const SH_C1: f32 = 0.488_602_5;

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
    /// The file is not a valid `.lfscene`.
    #[error("scene {path}: {problem}")]
    Invalid { path: PathBuf, problem: String },
    /// The bytes are not a valid scene: what [`Scene::from_bytes`] and
    /// [`SplatScene::new`](crate::splat::SplatScene::new) say, knowing no file; loading
    /// names the file as [`SceneError::Invalid`]. The problems are many and one-off
    /// (a field, a tensor, a slot), so they are described rather than enumerated.
    #[error("{0}")]
    Malformed(String),
}

/// A plane in the scene where the player may draw a sign or placement (double-sided).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignSlot {
    /// Name the manifest's `placements[].slot` refers to.
    pub name: String,
    /// Centre of the sign, scene units.
    pub centre: [f32; 3],
    /// Unit vector along the sign's width (left to right as seen from the front).
    pub right: [f32; 3],
    /// Unit vector along the sign's height.
    pub up: [f32; 3],
    /// Width and height, scene units.
    pub size: [f32; 2],
}

/// One key of a camera path.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CameraKey {
    /// Position along the segment, 0..1.
    pub t: f32,
    /// Eye position.
    pub eye: [f32; 3],
    /// Point looked at.
    pub look_at: [f32; 3],
}

/// An authored camera move a segment variant can follow (`camera = { path = "…" }`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CameraPath {
    /// Name the manifest refers to.
    pub name: String,
    /// Vertical field of view, degrees.
    pub fov_deg: f32,
    /// At least two keys, `t` rising from 0 to 1; interpolated with Catmull-Rom.
    pub keys: Vec<CameraKey>,
}

/// The scene's sky light: what rays that leave the grid see (before the key-light tint).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sky {
    /// Colour at the horizon (linear RGB).
    pub horizon: [f32; 3],
    /// Colour straight up.
    pub zenith: [f32; 3],
}

impl Default for Sky {
    fn default() -> Self {
        Self {
            horizon: [0.16, 0.15, 0.2],
            zenith: [0.02, 0.03, 0.08],
        }
    }
}

/// Affine ranges that map stored `U8` values back to floats.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Quantization {
    /// `[lo, hi]` of SH coefficient 0 (byte 0 → lo, 255 → hi).
    pub sh_dc: [f32; 2],
    /// `[lo, hi]` of SH coefficients 1..3.
    pub sh_rest: [f32; 2],
}

/// The JSON header stored in the file's metadata.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Header {
    format: String,
    version: u32,
    bounds_min: [f32; 3],
    bounds_max: [f32; 3],
    density_scale: f32,
    sh_degree: u32,
    occupancy_block: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    quantization: Option<Quantization>,
    #[serde(default)]
    sky: Sky,
    #[serde(default)]
    slots: Vec<SignSlot>,
    #[serde(default)]
    cameras: Vec<CameraPath>,
}

/// How tensors are stored in a written file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Storage {
    /// Bytes with affine dequantisation (a quarter of the size of f32; the demo's choice).
    U8,
    /// IEEE half floats, as the GPU holds them.
    F16,
}

/// A baked radiance-field grid in memory, in the values the GPU samples (f16-exact).
#[derive(Debug, Clone, PartialEq)]
pub struct Scene {
    /// Grid size in texels (x, y, z).
    pub dims: [u32; 3],
    /// Scene-space box the grid covers.
    pub bounds_min: [f32; 3],
    /// Scene-space box the grid covers.
    pub bounds_max: [f32; 3],
    /// Extinction per scene unit at density 1.
    pub density_scale: f32,
    /// Density 0..1 per texel, x fastest.
    pub density: Vec<f32>,
    /// SH coefficients per texel: red 0..3, green 0..3, blue 0..3.
    pub sh: Vec<[f32; 12]>,
    /// Which blocks of texels can hold density (empty-space skipping).
    pub occupancy: Occupancy,
    /// Sky light.
    pub sky: Sky,
    /// Sign and placement planes.
    pub slots: Vec<SignSlot>,
    /// Authored camera moves.
    pub cameras: Vec<CameraPath>,
}

/// Which radiance-field representation a scene file holds (the file's extension picks).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SceneKind {
    /// A voxel grid (`.lfscene`), ray-marched.
    Grid,
    /// 3D Gaussian splats (`.ply`), projected, sorted and blended.
    Splats {
        /// Number of Gaussians.
        count: usize,
        /// Spherical-harmonic degree 0..=3.
        sh_degree: u32,
    },
}

/// A scene file of either kind; the extension picks (`.ply`: 3DGS splats, with an
/// optional `.ply.json` sidecar; anything else: an `.lfscene` grid).
#[derive(Debug, Clone)]
pub enum AnyScene {
    /// A voxel grid.
    Grid(Scene),
    /// Gaussian splats.
    Splats(Box<crate::splat::SplatScene>),
}

impl AnyScene {
    /// Whether `path` names a splat capture.
    pub fn is_splat_file(path: &Path) -> bool {
        path.extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("ply"))
    }

    /// Reads and validates the scene at `path`.
    pub fn load(path: &Path) -> Result<Self, SceneError> {
        if Self::is_splat_file(path) {
            crate::splat::SplatScene::load(path).map(|s| Self::Splats(Box::new(s)))
        } else {
            Scene::load(path).map(Self::Grid)
        }
    }

    /// Everything but the texels or Gaussians.
    pub fn info(&self) -> SceneInfo {
        match self {
            Self::Grid(s) => s.info(),
            Self::Splats(s) => s.info.clone(),
        }
    }
}

/// A scene without its texels: what the player needs to aim cameras and place signs.
#[derive(Debug, Clone, PartialEq)]
pub struct SceneInfo {
    /// Grid or splats.
    pub kind: SceneKind,
    /// Grid size in texels (x, y, z); zero for splat scenes.
    pub dims: [u32; 3],
    /// Scene-space box the grid covers.
    pub bounds_min: [f32; 3],
    /// Scene-space box the grid covers.
    pub bounds_max: [f32; 3],
    /// Extinction per scene unit at density 1.
    pub density_scale: f32,
    /// Occupancy blocks per axis.
    pub occupancy_dims: [u32; 3],
    /// Texels per occupancy block edge.
    pub occupancy_block: u32,
    /// Sky light.
    pub sky: Sky,
    /// Sign and placement planes.
    pub slots: Vec<SignSlot>,
    /// Authored camera moves.
    pub cameras: Vec<CameraPath>,
}

impl SceneInfo {
    /// Centre of the scene box (what orbit cameras circle).
    pub fn centre(&self) -> [f32; 3] {
        std::array::from_fn(|i| 0.5 * (self.bounds_min[i] + self.bounds_max[i]))
    }

    /// The slot called `name`, if the scene has one.
    pub fn slot(&self, name: &str) -> Option<usize> {
        self.slots.iter().position(|s| s.name == name)
    }

    /// The camera path called `name`, if the scene has one.
    pub fn camera(&self, name: &str) -> Option<&CameraPath> {
        self.cameras.iter().find(|c| c.name == name)
    }
}

fn finite3(v: &[f32; 3]) -> bool {
    v.iter().all(|x| x.is_finite())
}

fn round_f16(v: f32) -> f32 {
    f16::from_f32(v).to_f32()
}

/// Reads tensor `name` with `shape` as floats: U8 through `range` (the `[lo, hi]` of
/// the element at each flat index), F16 as stored.
fn read_tensor(
    st: &SafeTensors,
    name: &str,
    shape: &[usize],
    range: Option<&dyn Fn(usize) -> [f32; 2]>,
) -> Result<Vec<f32>, SceneError> {
    let t = st
        .tensor(name)
        .map_err(|_| SceneError::Malformed(format!("tensor `{name}` is missing")))?;
    if t.shape() != shape {
        return Err(SceneError::Malformed(format!(
            "tensor `{name}` has shape {:?}, the header's grid needs {shape:?}",
            t.shape()
        )));
    }
    match (t.dtype(), range) {
        (Dtype::U8, Some(range)) => Ok(t
            .data()
            .iter()
            .enumerate()
            .map(|(i, &q)| {
                let [lo, hi] = range(i);
                round_f16(lo + (hi - lo) * (q as f32 / 255.0))
            })
            .collect()),
        (Dtype::U8, None) => Err(SceneError::Malformed(format!(
            "tensor `{name}` is U8 but the header has no `quantization` ranges"
        ))),
        (Dtype::F16, _) => {
            let v: Vec<f32> = t
                .data()
                .chunks_exact(2)
                .map(|b| f16::from_le_bytes([b[0], b[1]]).to_f32())
                .collect();
            match v.iter().position(|x| !x.is_finite()) {
                Some(i) => Err(SceneError::Malformed(format!(
                    "tensor `{name}` holds a non-finite value at {i}"
                ))),
                None => Ok(v),
            }
        }
        (other, _) => Err(SceneError::Malformed(format!(
            "tensor `{name}` is {other:?}; U8 or F16 expected"
        ))),
    }
}

impl Header {
    fn validate(&self) -> Result<(), SceneError> {
        if self.format != FORMAT {
            return Err(SceneError::Malformed(format!(
                "header format is `{}`, not `{FORMAT}`",
                self.format
            )));
        }
        if self.version != 1 {
            return Err(SceneError::Malformed(format!(
                "scene format version {} is not supported (this player reads 1)",
                self.version
            )));
        }
        if !finite3(&self.bounds_min)
            || !finite3(&self.bounds_max)
            || (0..3).any(|i| self.bounds_max[i] <= self.bounds_min[i])
        {
            return Err(SceneError::Malformed(format!(
                "bounds {:?}..{:?} are empty or not finite",
                self.bounds_min, self.bounds_max
            )));
        }
        if !(self.density_scale.is_finite() && self.density_scale > 0.0) {
            return Err(SceneError::Malformed(format!(
                "density_scale {} must be positive",
                self.density_scale
            )));
        }
        if self.sh_degree != 1 {
            return Err(SceneError::Malformed(format!(
                "sh_degree {} is not supported (this player reads degree 1)",
                self.sh_degree
            )));
        }
        if !(1..=64).contains(&self.occupancy_block) {
            return Err(SceneError::Malformed(format!(
                "occupancy_block {} outside 1..=64",
                self.occupancy_block
            )));
        }
        if let Some(q) = &self.quantization {
            for (name, r) in [("sh_dc", q.sh_dc), ("sh_rest", q.sh_rest)] {
                if !(r[0].is_finite() && r[1].is_finite() && r[0] < r[1]) {
                    return Err(SceneError::Malformed(format!(
                        "quantization.{name} {r:?} must rise and be finite"
                    )));
                }
            }
        }
        if !finite3(&self.sky.horizon) || !finite3(&self.sky.zenith) {
            return Err(SceneError::Malformed("sky colours must be finite".into()));
        }
        validate_slots(&self.slots, self.bounds_min, self.bounds_max)?;
        validate_cameras(&self.cameras)
    }
}

/// Checks sign slots: unique names, perpendicular unit axes, every corner inside the
/// bounds (any scene kind's slots go through here).
pub(crate) fn validate_slots(
    slots: &[SignSlot],
    bounds_min: [f32; 3],
    bounds_max: [f32; 3],
) -> Result<(), SceneError> {
    if slots.len() > MAX_SLOTS {
        return Err(SceneError::Malformed(format!(
            "{} sign slots; at most {MAX_SLOTS}",
            slots.len()
        )));
    }
    let mut names = std::collections::HashSet::new();
    for (i, s) in slots.iter().enumerate() {
        let at = format!("slots[{i}] (`{}`)", s.name);
        if !names.insert(s.name.as_str()) {
            return Err(SceneError::Malformed(format!("{at}: duplicate slot name")));
        }
        let unit = |v: [f32; 3]| finite3(&v) && (dot(v, v) - 1.0).abs() < 1e-3;
        if !unit(s.right) || !unit(s.up) || dot(s.right, s.up).abs() > 1e-3 {
            return Err(SceneError::Malformed(format!(
                "{at}: `right` and `up` must be perpendicular unit vectors"
            )));
        }
        if !(s.size.iter().all(|v| v.is_finite() && *v > 0.0)) || !finite3(&s.centre) {
            return Err(SceneError::Malformed(format!(
                "{at}: centre and size must be finite, size positive"
            )));
        }
        for (a, b) in [(-1.0, -1.0), (-1.0, 1.0), (1.0, -1.0), (1.0, 1.0)] {
            let corner: [f32; 3] = std::array::from_fn(|k| {
                s.centre[k] + a * 0.5 * s.size[0] * s.right[k] + b * 0.5 * s.size[1] * s.up[k]
            });
            if (0..3).any(|k| corner[k] < bounds_min[k] || corner[k] > bounds_max[k]) {
                return Err(SceneError::Malformed(format!(
                    "{at}: corner {corner:?} lies outside the scene bounds"
                )));
            }
        }
    }
    Ok(())
}

/// Checks camera paths: unique names, a sane field of view, keys rising from 0 to 1.
pub(crate) fn validate_cameras(cameras: &[CameraPath]) -> Result<(), SceneError> {
    let mut names = std::collections::HashSet::new();
    for (i, c) in cameras.iter().enumerate() {
        let at = format!("cameras[{i}] (`{}`)", c.name);
        if !names.insert(c.name.as_str()) {
            return Err(SceneError::Malformed(format!(
                "{at}: duplicate camera path name"
            )));
        }
        if !(c.fov_deg > 1.0 && c.fov_deg < 170.0) {
            return Err(SceneError::Malformed(format!(
                "{at}: fov_deg {} outside 1..170",
                c.fov_deg
            )));
        }
        if c.keys.len() < 2 {
            return Err(SceneError::Malformed(format!(
                "{at}: needs at least two keys"
            )));
        }
        if c.keys[0].t != 0.0 || c.keys[c.keys.len() - 1].t != 1.0 {
            return Err(SceneError::Malformed(format!(
                "{at}: keys must start at t = 0 and end at t = 1"
            )));
        }
        for (k, w) in c.keys.windows(2).enumerate() {
            if w[1].t <= w[0].t || w[1].t.is_nan() {
                return Err(SceneError::Malformed(format!(
                    "{at}: keys[{}].t does not rise",
                    k + 1
                )));
            }
        }
        for (k, key) in c.keys.iter().enumerate() {
            let d: [f32; 3] = std::array::from_fn(|j| key.look_at[j] - key.eye[j]);
            if !finite3(&key.eye) || !finite3(&key.look_at) || dot(d, d) < 1e-8 {
                return Err(SceneError::Malformed(format!(
                    "{at}: keys[{k}] needs finite eye and look_at that differ"
                )));
            }
        }
    }
    Ok(())
}

pub use livingfilm_core::untrusted::MAX_SCENE_BYTES;

impl Scene {
    /// Reads and validates a `.lfscene` file (a regular file of at most
    /// [`MAX_SCENE_BYTES`]).
    pub fn load(path: &Path) -> Result<Self, SceneError> {
        let bytes =
            livingfilm_core::untrusted::read_bounded(path, MAX_SCENE_BYTES).map_err(|source| {
                SceneError::Io {
                    path: path.to_owned(),
                    source,
                }
            })?;
        Self::from_bytes(&bytes).map_err(|e| match e {
            SceneError::Malformed(problem) => SceneError::Invalid {
                path: path.to_owned(),
                problem: livingfilm_core::untrusted::shorten_quotes(&problem),
            },
            other => other,
        })
    }

    /// Parses the file format; the error ([`SceneError::Malformed`]) says what is wrong.
    pub fn from_bytes(b: &[u8]) -> Result<Self, SceneError> {
        let st = SafeTensors::deserialize(b).map_err(|e| {
            SceneError::Malformed(format!("not a readable safetensors container: {e}"))
        })?;
        let (_, meta) = SafeTensors::read_metadata(b).map_err(|e| {
            SceneError::Malformed(format!("not a readable safetensors container: {e}"))
        })?;
        let json = meta
            .metadata()
            .as_ref()
            .and_then(|m| m.get(HEADER_KEY))
            .ok_or_else(|| {
                SceneError::Malformed(format!(
                    "no `{HEADER_KEY}` header in the metadata: not an .lfscene"
                ))
            })?;
        let h: Header = serde_json::from_str(json).map_err(|e| {
            SceneError::Malformed(livingfilm_core::untrusted::shorten_quotes(&format!(
                "header: {e}"
            )))
        })?;
        h.validate()?;
        let Some(dims) = st.tensor("density").ok().map(|t| t.shape().to_vec()) else {
            return Err(SceneError::Malformed("tensor `density` is missing".into()));
        };
        if dims.len() != 3 || dims.iter().any(|&d| !(2..=MAX_DIM as usize).contains(&d)) {
            return Err(SceneError::Malformed(format!(
                "tensor `density` has shape {dims:?}; [nz, ny, nx] with each in 2..={MAX_DIM} expected"
            )));
        }
        let grid = [dims[2] as u32, dims[1] as u32, dims[0] as u32];
        let q = h.quantization;
        let density = read_tensor(&st, "density", &dims, Some(&|_| [0.0, 1.0]))?;
        if let Some(i) = density.iter().position(|d| !(0.0..=1.0).contains(d)) {
            return Err(SceneError::Malformed(format!(
                "density[{i}] = {} outside 0..1",
                density[i]
            )));
        }
        let sh_shape = [dims[0], dims[1], dims[2], 3, 4];
        // Coefficient 0 of each channel dequantises by `sh_dc`, coefficients 1..3 by `sh_rest`.
        let band = q.map(|q| {
            move |i: usize| {
                if i.is_multiple_of(4) {
                    q.sh_dc
                } else {
                    q.sh_rest
                }
            }
        });
        let range = band.as_ref().map(|f| f as &dyn Fn(usize) -> [f32; 2]);
        let sh = read_tensor(&st, "sh", &sh_shape, range)?
            .chunks_exact(12)
            .map(|c| std::array::from_fn(|k| c[k]))
            .collect();
        let occupancy = Occupancy::build(&density, grid, h.occupancy_block);
        let stored = read_tensor(
            &st,
            "occupancy",
            &occupancy.tensor_shape(),
            Some(&|_| [0.0, 255.0]),
        )?;
        if let Some(cell) = occupancy.first_uncovered(&stored) {
            return Err(SceneError::Malformed(format!(
                "occupancy block {cell:?} is marked empty but holds density (the grid would render with holes)"
            )));
        }
        Ok(Self {
            dims: grid,
            bounds_min: h.bounds_min,
            bounds_max: h.bounds_max,
            density_scale: h.density_scale,
            density,
            sh,
            occupancy,
            sky: h.sky,
            slots: h.slots,
            cameras: h.cameras,
        })
    }

    /// Serialises to the file format with `storage` (U8 quantises to the data's range).
    pub fn to_bytes(&self, storage: Storage) -> Vec<u8> {
        let n = self.density.len();
        let range = |pick: fn(usize) -> bool| -> [f32; 2] {
            let mut lo = f32::INFINITY;
            let mut hi = f32::NEG_INFINITY;
            for c in &self.sh {
                for (k, v) in c.iter().enumerate() {
                    if pick(k % 4) {
                        lo = lo.min(*v);
                        hi = hi.max(*v);
                    }
                }
            }
            if hi > lo {
                [lo, hi]
            } else {
                [lo.min(0.0), lo.max(0.0) + 1.0]
            }
        };
        let quantization = (storage == Storage::U8).then(|| Quantization {
            sh_dc: range(|k| k == 0),
            sh_rest: range(|k| k != 0),
        });
        let header = Header {
            format: FORMAT.into(),
            version: 1,
            bounds_min: self.bounds_min,
            bounds_max: self.bounds_max,
            density_scale: self.density_scale,
            sh_degree: 1,
            occupancy_block: self.occupancy.block,
            quantization,
            sky: self.sky,
            slots: self.slots.clone(),
            cameras: self.cameras.clone(),
        };
        let encode = |v: &mut dyn Iterator<Item = (f32, [f32; 2])>| -> Vec<u8> {
            match storage {
                Storage::U8 => v
                    .map(|(x, [lo, hi])| {
                        ((x - lo) / (hi - lo) * 255.0).round().clamp(0.0, 255.0) as u8
                    })
                    .collect(),
                Storage::F16 => v
                    .flat_map(|(x, _)| f16::from_f32(x).to_le_bytes())
                    .collect(),
            }
        };
        let density = encode(&mut self.density.iter().map(|&d| (d, [0.0, 1.0])));
        let q = quantization.unwrap_or(Quantization {
            sh_dc: [0.0, 1.0],
            sh_rest: [0.0, 1.0],
        });
        let sh = encode(&mut self.sh.iter().flat_map(|c| {
            c.iter()
                .enumerate()
                .map(move |(k, &v)| (v, if k % 4 == 0 { q.sh_dc } else { q.sh_rest }))
        }));
        let occ = encode(
            &mut self
                .occupancy
                .cells
                .iter()
                .map(|&c| (c as f32, [0.0, 255.0])),
        );
        let [nx, ny, nz] = self.dims.map(|d| d as usize);
        let dtype = match storage {
            Storage::U8 => Dtype::U8,
            Storage::F16 => Dtype::F16,
        };
        fn view(
            dtype: Dtype,
            shape: Vec<usize>,
            data: &[u8],
        ) -> safetensors::tensor::TensorView<'_> {
            safetensors::tensor::TensorView::new(dtype, shape, data).expect("sizes match shapes")
        }
        debug_assert_eq!(n, nx * ny * nz);
        let tensors = [
            ("density", view(dtype, vec![nz, ny, nx], &density)),
            ("sh", view(dtype, vec![nz, ny, nx, 3, 4], &sh)),
            (
                "occupancy",
                view(dtype, self.occupancy.tensor_shape().to_vec(), &occ),
            ),
        ];
        let meta = HashMap::from([(
            HEADER_KEY.to_string(),
            serde_json::to_string(&header).expect("header serialises"),
        )]);
        safetensors::serialize(tensors, Some(meta)).expect("tensor sizes are consistent")
    }

    /// Centre of the scene box.
    pub fn centre(&self) -> [f32; 3] {
        std::array::from_fn(|i| 0.5 * (self.bounds_min[i] + self.bounds_max[i]))
    }

    /// Everything but the grid's texels, for renderers that keep those on the GPU.
    pub fn info(&self) -> SceneInfo {
        SceneInfo {
            kind: SceneKind::Grid,
            dims: self.dims,
            bounds_min: self.bounds_min,
            bounds_max: self.bounds_max,
            density_scale: self.density_scale,
            occupancy_dims: self.occupancy.dims,
            occupancy_block: self.occupancy.block,
            sky: self.sky,
            slots: self.slots.clone(),
            cameras: self.cameras.clone(),
        }
    }

    /// Bytes the grid takes on the GPU (four RGBA16F textures, u8 occupancy).
    pub fn gpu_bytes(&self) -> usize {
        self.density.len() * 4 * 8 + self.occupancy.cells.len()
    }

    /// A copy at half the resolution per axis (2×2×2 box filter), for adapters whose 3D
    /// texture limit is below the grid's size.
    pub fn halved(&self) -> Self {
        let src = self.dims.map(|d| d as usize);
        let dims = self.dims.map(|d| d.div_ceil(2).max(2));
        let [nx, ny, nz] = dims.map(|d| d as usize);
        let mut density = Vec::with_capacity(nx * ny * nz);
        let mut sh = Vec::with_capacity(nx * ny * nz);
        for z in 0..nz {
            for y in 0..ny {
                for x in 0..nx {
                    let mut d = 0.0;
                    let mut c = [0f32; 12];
                    for k in 0..8 {
                        let p = [
                            (2 * x + (k & 1)).min(src[0] - 1),
                            (2 * y + ((k >> 1) & 1)).min(src[1] - 1),
                            (2 * z + (k >> 2)).min(src[2] - 1),
                        ];
                        let i = p[0] + src[0] * (p[1] + src[1] * p[2]);
                        d += self.density[i] / 8.0;
                        for (a, b) in c.iter_mut().zip(&self.sh[i]) {
                            *a += b / 8.0;
                        }
                    }
                    density.push(round_f16(d));
                    sh.push(c.map(round_f16));
                }
            }
        }
        let occupancy = Occupancy::build(&density, dims, self.occupancy.block);
        Self {
            dims,
            density,
            sh,
            occupancy,
            ..self.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn tiny() -> Scene {
        let dims = [4, 3, 2];
        let density: Vec<f32> = (0..24)
            .map(|i| if i % 5 == 0 { 0.0 } else { (i as f32) / 32.0 })
            .collect();
        let sh = (0..24)
            .map(|i| std::array::from_fn(|k| round_f16((i as f32 - 12.0 + k as f32) / 8.0)))
            .collect();
        Scene {
            occupancy: Occupancy::build(&density, dims, 2),
            dims,
            bounds_min: [-1.0; 3],
            bounds_max: [1.0; 3],
            density_scale: 10.0,
            density: density.into_iter().map(round_f16).collect(),
            sh,
            sky: Sky::default(),
            slots: vec![SignSlot {
                name: "door".into(),
                centre: [0.0, 0.0, 0.5],
                right: [1.0, 0.0, 0.0],
                up: [0.0, 1.0, 0.0],
                size: [0.5, 0.25],
            }],
            cameras: vec![CameraPath {
                name: "push".into(),
                fov_deg: 50.0,
                keys: vec![
                    CameraKey {
                        t: 0.0,
                        eye: [0.0, 0.0, 3.0],
                        look_at: [0.0; 3],
                    },
                    CameraKey {
                        t: 1.0,
                        eye: [0.0, 0.0, 2.0],
                        look_at: [0.0; 3],
                    },
                ],
            }],
        }
    }

    #[test]
    fn f16_round_trip_is_exact() {
        let s = tiny();
        assert_eq!(Scene::from_bytes(&s.to_bytes(Storage::F16)).unwrap(), s);
    }

    #[test]
    fn u8_round_trip_is_within_a_quantisation_step() {
        let s = tiny();
        let back = Scene::from_bytes(&s.to_bytes(Storage::U8)).unwrap();
        assert_eq!(back.dims, s.dims);
        assert_eq!(back.slots, s.slots);
        for (a, b) in back.density.iter().zip(&s.density) {
            assert!((a - b).abs() <= 0.5 / 255.0 + 1e-3, "{a} vs {b}");
        }
        for (a, b) in back.sh.iter().zip(&s.sh) {
            for k in 0..12 {
                assert!((a[k] - b[k]).abs() < 0.02, "{a:?} vs {b:?}");
            }
        }
    }

    #[test]
    fn damage_is_named() {
        let s = tiny();
        let b = s.to_bytes(Storage::F16);
        for cut in [0, 7, 100, b.len() / 2, b.len() - 1] {
            assert!(Scene::from_bytes(&b[..cut]).is_err(), "cut at {cut}");
        }
        let mut bad = s.clone();
        bad.slots[0].centre = [0.0, 0.0, 0.99];
        bad.slots[0].size = [4.0, 0.1];
        let e = Scene::from_bytes(&bad.to_bytes(Storage::F16))
            .unwrap_err()
            .to_string();
        assert!(e.contains("outside the scene bounds"), "{e}");
        let mut bad = s.clone();
        bad.cameras[0].keys[1].t = 0.5;
        let e = Scene::from_bytes(&bad.to_bytes(Storage::F16))
            .unwrap_err()
            .to_string();
        assert!(e.contains("end at t = 1"), "{e}");
        let mut holes = s.clone();
        holes.occupancy.cells.iter_mut().for_each(|c| *c = 0);
        let e = Scene::from_bytes(&holes.to_bytes(Storage::F16))
            .unwrap_err()
            .to_string();
        assert!(e.contains("marked empty"), "{e}");
    }
}
