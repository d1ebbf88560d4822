//! A frame as every renderer draws it, beyond the scene itself: the per-frame
//! parameters, the signs' planes as the shaders pack them, the seeded weather layers,
//! sign texel lookups and the constant colours. The GPU renderer, the grid CPU
//! reference and the splat CPU reference all read these, so they live apart from each
//! renderer (none of the three depends on another for them).

use livingfilm_core::MAX_LOOKS;

use crate::camera::CameraPose;
use crate::maths::hash3;
use crate::scene::SceneInfo;
use crate::signage::{SignRef, MAX_SIGNS, SIGN_SIZE};

/// Rain drops' colour (`RAIN_COLOUR` in `shaders/common.wgsl`).
pub(crate) const RAIN_COLOUR: [f32; 3] = [0.55, 0.6, 0.7];
/// Snow flakes' colour.
pub(crate) const SNOW_COLOUR: [f32; 3] = [0.9, 0.92, 0.95];

/// Colour the fog fades distant geometry to.
pub(crate) const FOG_COLOUR: [f32; 3] = [0.09, 0.1, 0.13];
/// Film-grain amplitude (peak to peak, display-referred).
pub(crate) const GRAIN: f32 = 0.02;
/// Vignette strength at full drive.
pub(crate) const VIGNETTE_PER_DRIVE: f32 = 0.35;

/// Everything that changes from frame to frame.
#[derive(Debug, Clone, Copy)]
pub struct FrameParams {
    /// Index into [`livingfilm_core::Film::scene_paths`].
    pub scene: usize,
    /// Camera pose.
    pub pose: CameraPose,
    /// Key light colour.
    pub light: [f32; 3],
    /// Exposure multiplier.
    pub exposure: f32,
    /// Fog density per scene unit.
    pub fog: f32,
    /// Rain 0..1.
    pub rain: f32,
    /// Snow 0..1.
    pub snow: f32,
    /// Directional key light: unit direction toward the light, strength (0: none).
    pub key_light: [f32; 4],
    /// Signs to draw (slot by film-wide name, image layer).
    pub signs: [Option<SignRef>; MAX_SIGNS],
    /// Weight of each of the film's looks.
    pub look_weights: [f32; MAX_LOOKS],
    /// The director's drive 0..1 (vignette follows it).
    pub drive: f32,
    /// Frame number (varies the grain).
    pub frame_index: u32,
    /// Viewing seed (varies the grain).
    pub seed: u32,
}

/// [`FrameParams::key_light`] for a light toward `dir` (none: off) at `strength`.
pub fn key_light(dir: Option<[f32; 3]>, strength: f32) -> [f32; 4] {
    match dir {
        Some(d) => {
            let l = (d[0] * d[0] + d[1] * d[1] + d[2] * d[2]).sqrt().max(1e-6);
            [d[0] / l, d[1] / l, d[2] / l, strength]
        }
        None => [0.0, 1.0, 0.0, 0.0],
    }
}

/// The planes of the signs `signs` names that scene `info` has a slot for, as the
/// shader's `Sign` structs (centre + layer, half-width vector + opacity, half-height),
/// packed first, and how many there are. Fixed-size: called for every frame.
pub(crate) fn sign_uniforms(
    info: &SceneInfo,
    slot_map: &[Option<usize>],
    signs: &[Option<SignRef>; MAX_SIGNS],
) -> ([[[f32; 4]; 3]; MAX_SIGNS], usize) {
    let mut out = [[[0f32; 4]; 3]; MAX_SIGNS];
    let mut n = 0;
    for r in signs.iter().flatten() {
        let Some(slot) = slot_map
            .get(r.slot as usize)
            .copied()
            .flatten()
            .map(|i| &info.slots[i])
        else {
            continue;
        };
        let (hw, hh) = (0.5 * slot.size[0], 0.5 * slot.size[1]);
        let (c, rt, up) = (slot.centre, slot.right, slot.up);
        out[n] = [
            [c[0], c[1], c[2], r.layer as f32],
            [rt[0] * hw, rt[1] * hw, rt[2] * hw, 1.0],
            [up[0] * hh, up[1] * hh, up[2] * hh, 0.0],
        ];
        n += 1;
    }
    (out, n)
}

/// Bilinear, clamp-to-edge lookup in a premultiplied RGBA8 sign layer.
pub(crate) fn sample_sign(layer: &[u8], st: [f32; 2]) -> [f32; 4] {
    let (w, h) = (SIGN_SIZE[0] as i64, SIGN_SIZE[1] as i64);
    let x = st[0] * w as f32 - 0.5;
    let y = st[1] * h as f32 - 0.5;
    let (fx, fy) = (x - x.floor(), y - y.floor());
    let (x0, y0) = (x.floor() as i64, y.floor() as i64);
    let texel = |xi: i64, yi: i64| -> [f32; 4] {
        let o = 4 * (xi.clamp(0, w - 1) + w * yi.clamp(0, h - 1)) as usize;
        std::array::from_fn(|c| layer[o + c] as f32 / 255.0)
    };
    let lerp4 = |a: [f32; 4], b: [f32; 4], t: f32| -> [f32; 4] {
        std::array::from_fn(|i| a[i] + (b[i] - a[i]) * t)
    };
    lerp4(
        lerp4(texel(x0, y0), texel(x0 + 1, y0), fx),
        lerp4(texel(x0, y0 + 1), texel(x0 + 1, y0 + 1), fx),
        fy,
    )
}

/// What the seeded rain and snow layers need (`weather_drops` in `crates/render/shaders/common.wgsl`).
#[derive(Debug, Clone, Copy)]
pub struct Weather {
    /// Rain 0..1.
    pub rain: f32,
    /// Snow 0..1.
    pub snow: f32,
    /// Width over height of the frame.
    pub aspect: f32,
    /// Frame number (the drops fall with it).
    pub frame_index: u32,
    /// Viewing seed (24 bits, exact in the shader's f32).
    pub seed: u32,
}

impl Weather {
    /// How much rain and how much snow cover the pixel at `uv` in screen layer `layer`
    /// (0 nearest): the amounts the layer mixes toward the drop colours.
    pub(crate) fn drops(&self, uv: [f32; 2], layer: u32) -> [f32; 2] {
        let f = self.frame_index as f32;
        let seed = self.seed.wrapping_add(layer.wrapping_mul(7919));
        let mut out = [0f32; 2];
        if self.rain > 0.0 {
            let s = 18.0 * (layer + 1) as f32;
            let p = [uv[0] * self.aspect * s, uv[1] * s - f * 0.9];
            let cell = [p[0].floor(), p[1].floor()];
            let q = [p[0] - cell[0], p[1] - cell[1]];
            let (cx, cy) = (cell[0] as i32 as u32, cell[1] as i32 as u32);
            if hash3(cx, cy, seed.wrapping_add(1)) < self.rain * 0.35 {
                let dx = (q[0] - (0.15 + 0.7 * hash3(cx, cy, seed.wrapping_add(2)))).abs();
                if dx < 0.05 {
                    out[0] = (1.0 - dx / 0.05) * q[1] * 0.6 * self.rain;
                }
            }
        }
        if self.snow > 0.0 {
            let s = 10.0 * (layer + 1) as f32;
            let p = [uv[0] * self.aspect * s + f * 0.01, uv[1] * s - f * 0.05];
            let cell = [p[0].floor(), p[1].floor()];
            let q = [p[0] - cell[0], p[1] - cell[1]];
            let (cx, cy) = (cell[0] as i32 as u32, cell[1] as i32 as u32);
            if hash3(cx, cy, seed.wrapping_add(3)) < self.snow * 0.5 {
                let centre = [
                    0.25 + 0.5 * hash3(cx, cy, seed.wrapping_add(4)),
                    0.25 + 0.5 * hash3(cx, cy, seed.wrapping_add(5)),
                ];
                let d = ((q[0] - centre[0]).powi(2) + (q[1] - centre[1]).powi(2)).sqrt();
                if d < 0.12 {
                    out[1] = (1.0 - d / 0.12) * 0.9 * self.snow;
                }
            }
        }
        out
    }
}
