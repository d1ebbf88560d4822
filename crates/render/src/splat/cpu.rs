//! The CPU reference splat rasteriser: the 3DGS reference renderer's forward pass
//! (EWA projection of each Gaussian to a 2D conic with the 0.3 px low-pass, view-dependent
//! colour from SH degree 0..3, a global sort by view depth, front-to-back alpha blending
//! with alpha capped at 0.99 and skipped under 1/255), plus the player's layers sorted
//! among the splats at their depths: three weather layers, the signs, and the sky last.
//! It blends into f16 as the GPU's target does; the GPU path is tested against it.

use half::f16;

use super::{SplatScene, Splats};
use crate::frame::{sample_sign, sign_uniforms, FrameParams, Weather};
use crate::frame::{FOG_COLOUR, RAIN_COLOUR, SNOW_COLOUR};
use crate::maths::{cross, dot, mix3};
use crate::{CameraPose, SignPlane, Sky, MAX_SIGNS};

const SH_C0: f32 = 0.282_094_8;
const SH_C1: f32 = 0.488_602_5;
const SH_C2: [f32; 5] = [
    1.092_548_4,
    -1.092_548_4,
    0.315_391_57,
    -1.092_548_4,
    0.546_274_2,
];
const SH_C3: [f32; 7] = [
    -0.590_043_6,
    2.890_611_4,
    -0.457_045_8,
    0.373_176_33,
    -0.457_045_8,
    1.445_305_7,
    -0.590_043_6,
];
/// Nearest view depth drawn, scene units.
pub const NEAR: f32 = 0.2;

/// One Gaussian projected for a view: pixel centre, inverse 2D covariance, extent.
#[derive(Debug, Clone, Copy)]
pub struct Projected {
    /// Index into the splats.
    pub index: u32,
    /// View depth.
    pub depth: f32,
    /// Centre in pixels (x right, y down).
    pub centre: [f32; 2],
    /// Conic (a, b, c) of `a·dx² + 2b·dx·dy + c·dy²`.
    pub conic: [f32; 3],
    /// Half-edge of the square the splat can show in: 3σ, less for faint splats.
    pub radius: f32,
    /// Colour toward the camera.
    pub rgb: [f32; 3],
    /// Opacity 0..1.
    pub opacity: f32,
}

/// SH of `degree` (coefficients `c[0..(degree+1)²]`) toward `d`, + 0.5, clamped at 0.
pub fn sh_colour(c: &[f32], degree: u32, d: [f32; 3]) -> f32 {
    let [x, y, z] = d;
    let mut r = SH_C0 * c[0];
    if degree > 0 {
        r += -SH_C1 * y * c[1] + SH_C1 * z * c[2] - SH_C1 * x * c[3];
    }
    if degree > 1 {
        let (xx, yy, zz, xy, yz, xz) = (x * x, y * y, z * z, x * y, y * z, x * z);
        r += SH_C2[0] * xy * c[4]
            + SH_C2[1] * yz * c[5]
            + SH_C2[2] * (2.0 * zz - xx - yy) * c[6]
            + SH_C2[3] * xz * c[7]
            + SH_C2[4] * (xx - yy) * c[8];
        if degree > 2 {
            r += SH_C3[0] * y * (3.0 * xx - yy) * c[9]
                + SH_C3[1] * xy * z * c[10]
                + SH_C3[2] * y * (4.0 * zz - xx - yy) * c[11]
                + SH_C3[3] * z * (2.0 * zz - 3.0 * xx - 3.0 * yy) * c[12]
                + SH_C3[4] * x * (4.0 * zz - xx - yy) * c[13]
                + SH_C3[5] * z * (xx - yy) * c[14]
                + SH_C3[6] * x * (xx - 3.0 * yy) * c[15];
        }
    }
    (r + 0.5).max(0.0)
}

/// Rotation matrix (rows) of a unit quaternion (w, x, y, z).
fn rotation(q: [f32; 4]) -> [[f32; 3]; 3] {
    let [w, x, y, z] = q;
    [
        [
            1.0 - 2.0 * (y * y + z * z),
            2.0 * (x * y - w * z),
            2.0 * (x * z + w * y),
        ],
        [
            2.0 * (x * y + w * z),
            1.0 - 2.0 * (x * x + z * z),
            2.0 * (y * z - w * x),
        ],
        [
            2.0 * (x * z - w * y),
            2.0 * (y * z + w * x),
            1.0 - 2.0 * (x * x + y * y),
        ],
    ]
}

/// Projects every visible splat for `pose` at `width`×`height`, sorted near to far.
pub fn project(s: &Splats, pose: &CameraPose, width: u32, height: u32) -> Vec<Projected> {
    project_with(s, pose, width, height, true)
}

/// [`project`], with `tight` false keeping the reference's plain 3σ squares.
fn project_with(
    s: &Splats,
    pose: &CameraPose,
    width: u32,
    height: u32,
    tight: bool,
) -> Vec<Projected> {
    let tan_half = (0.5 * pose.fov_y).tan();
    let aspect = width as f32 / height as f32;
    let fy = 0.5 * height as f32 / tan_half;
    let fx = 0.5 * width as f32 / (tan_half * aspect);
    let per = ((s.sh_degree + 1) * (s.sh_degree + 1)) as usize;
    let mut out = Vec::new();
    for i in 0..s.len() {
        let p = s.positions[i];
        let rel = [p[0] - pose.eye[0], p[1] - pose.eye[1], p[2] - pose.eye[2]];
        let (vx, vy, vz) = (
            dot(rel, pose.right),
            dot(rel, pose.up),
            dot(rel, pose.forward),
        );
        if vz < NEAR {
            continue;
        }
        // Σ = R S Sᵀ Rᵀ in scene space, then in view space (rows right, up, forward).
        let r = rotation(s.rotations[i]);
        let sc = s.scales[i];
        let m: [[f32; 3]; 3] = std::array::from_fn(|a| std::array::from_fn(|b| r[a][b] * sc[b]));
        let sigma: [[f32; 3]; 3] = std::array::from_fn(|a| {
            std::array::from_fn(|b| (0..3).map(|k| m[a][k] * m[b][k]).sum())
        });
        let view = [pose.right, pose.up, pose.forward];
        let vs: [[f32; 3]; 3] = std::array::from_fn(|a| {
            std::array::from_fn(|b| {
                (0..3)
                    .map(|k| {
                        (0..3)
                            .map(|l| view[a][k] * sigma[k][l] * view[b][l])
                            .sum::<f32>()
                    })
                    .sum()
            })
        });
        // Jacobian of (x, y, z) → pixels (y down), at the centre.
        let j = [
            [fx / vz, 0.0, -fx * vx / (vz * vz)],
            [0.0, -fy / vz, fy * vy / (vz * vz)],
        ];
        let cov = |a: usize, b: usize| -> f32 {
            (0..3)
                .map(|k| (0..3).map(|l| j[a][k] * vs[k][l] * j[b][l]).sum::<f32>())
                .sum()
        };
        let (a, b, c) = (cov(0, 0) + 0.3, cov(0, 1), cov(1, 1) + 0.3);
        let det = a * c - b * b;
        if det.is_nan() || det <= 0.0 {
            continue;
        }
        let mid = 0.5 * (a + c);
        let lambda = mid + (mid * mid - det).max(0.1).sqrt();
        // 3σ as the reference, or less where the Gaussian fades under 1/255 sooner
        // (`opacity · exp(−k²/2) = 1/255`): fragments beyond would be skipped anyway.
        let opacity = s.opacities[i];
        if opacity < 1.0 / 255.0 {
            continue;
        }
        let extent = match tight {
            true => (2.0 * (255.0 * opacity).ln()).sqrt().min(3.0),
            false => 3.0,
        };
        let radius = (extent * lambda.sqrt()).ceil();
        let centre = [
            0.5 * width as f32 + fx * vx / vz,
            0.5 * height as f32 - fy * vy / vz,
        ];
        if centre[0] + radius < 0.0
            || centre[1] + radius < 0.0
            || centre[0] - radius > width as f32
            || centre[1] - radius > height as f32
        {
            continue;
        }
        let len = dot(rel, rel).sqrt().max(1e-12);
        let d = rel.map(|v| v / len);
        let sh = &s.sh[3 * per * i..3 * per * (i + 1)];
        out.push(Projected {
            index: i as u32,
            depth: vz,
            centre,
            conic: [c / det, -b / det, a / det],
            radius,
            rgb: std::array::from_fn(|ch| sh_colour(&sh[ch * per..], s.sh_degree, d)),
            opacity: s.opacities[i],
        });
    }
    out.sort_by(|p, q| p.depth.total_cmp(&q.depth).then(p.index.cmp(&q.index)));
    out
}

/// Sort key of an entry that draws nothing this frame (culled splats, unused layers).
pub const CULLED: u32 = u32::MAX;
/// Layers sorted among the splats: three weather layers, [`MAX_SIGNS`] signs, the sky.
pub const LAYERS: usize = 3 + MAX_SIGNS + 1;
/// Edge of the CPU's binning tiles, pixels.
const TILE: usize = 16;

/// What one splat frame looks like beyond the Gaussians (both renderers use it).
#[derive(Clone, Copy)]
pub struct SplatLook<'a> {
    /// Camera.
    pub pose: CameraPose,
    /// Output size, pixels.
    pub size: [u32; 2],
    /// Light colour every surface is tinted by.
    pub light: [f32; 3],
    /// Exposure multiplier.
    pub exposure: f32,
    /// Fog density per scene unit, and the colour it fades to.
    pub fog: f32,
    /// Fog colour.
    pub fog_colour: [f32; 3],
    /// Rain and snow layers.
    pub weather: Weather,
    /// Scene units per unit of the weather layers' depths.
    pub weather_scale: f32,
    /// Light behind the capture.
    pub sky: Sky,
    /// Signs to draw (the first `n_signs`).
    pub signs: [SignPlane; MAX_SIGNS],
    /// How many signs are drawn.
    pub n_signs: usize,
    /// Sign images (RGBA8, premultiplied, [`SIGN_SIZE`]).
    pub sign_images: &'a [Vec<u8>],
}

fn fog_amount(fog: f32, depth: f32) -> f32 {
    1.0 - (-fog * depth.min(12.0)).exp()
}

impl SplatLook<'static> {
    /// Unit light and exposure, no fog, weather or signs, over a black sky: the capture
    /// as trained.
    pub fn neutral(pose: CameraPose, size: [u32; 2]) -> Self {
        Self {
            pose,
            size,
            light: [1.0; 3],
            exposure: 1.0,
            fog: 0.0,
            fog_colour: [0.0; 3],
            weather: Weather {
                rain: 0.0,
                snow: 0.0,
                aspect: size[0] as f32 / size[1] as f32,
                frame_index: 0,
                seed: 0,
            },
            weather_scale: 1.0,
            sky: Sky {
                horizon: [0.0; 3],
                zenith: [0.0; 3],
            },
            signs: [SignPlane::default(); MAX_SIGNS],
            n_signs: 0,
            sign_images: &[],
        }
    }
}

impl<'a> SplatLook<'a> {
    /// The look of frame `p` of splat scene `scene` (`slots`: the film's slot names to
    /// this scene's slots), with `sign_images` from the film's [`Signage`](crate::Signage).
    pub fn for_frame(
        p: &FrameParams,
        scene: &SplatScene,
        slots: &[Option<usize>],
        sign_images: &'a [Vec<u8>],
        size: [u32; 2],
    ) -> Self {
        let (planes, n_signs) = sign_uniforms(&scene.info, slots, &p.signs);
        Self {
            pose: p.pose,
            size,
            light: p.light,
            exposure: p.exposure,
            fog: p.fog,
            fog_colour: FOG_COLOUR,
            weather: Weather {
                rain: p.rain,
                snow: p.snow,
                aspect: size[0] as f32 / size[1] as f32,
                frame_index: p.frame_index,
                seed: p.seed & 0xff_ffff,
            },
            weather_scale: scene.weather_scale,
            sky: scene.info.sky,
            signs: planes.map(|u| SignPlane::from_uniform(&u)),
            n_signs,
            sign_images,
        }
    }
}

impl SplatLook<'_> {
    /// A colour seen at `depth`: tinted by the light, faded by fog, exposed (the
    /// projection shader's `shade`).
    pub fn shade(&self, rgb: [f32; 3], depth: f32) -> [f32; 3] {
        let f = fog_amount(self.fog, depth);
        std::array::from_fn(|i| {
            (rgb[i] * self.light[i] * (1.0 - f) + self.fog_colour[i] * f) * self.exposure
        })
    }

    /// View depth of sign `s`'s centre (at least [`NEAR`]).
    fn sign_depth(&self, s: &SignPlane) -> f32 {
        let rel: [f32; 3] = std::array::from_fn(|i| s.centre[i] - self.pose.eye[i]);
        dot(rel, self.pose.forward).max(NEAR)
    }

    /// Sort keys of the layers (the bits of a positive f32 depth sort as u32).
    pub fn layer_keys(&self) -> [u32; LAYERS] {
        let mut keys = [CULLED; LAYERS];
        if self.weather.rain > 0.0 || self.weather.snow > 0.0 {
            for (k, key) in keys.iter_mut().take(3).enumerate() {
                *key = (0.8 * (1 << k) as f32 * self.weather_scale).to_bits();
            }
        }
        for (s, sign) in self.signs[..self.n_signs].iter().enumerate() {
            keys[3 + s] = self.sign_depth(sign).to_bits();
        }
        keys[LAYERS - 1] = f32::INFINITY.to_bits();
        keys
    }

    /// Unit ray through the pixel centre at `uv` (0..1, y down), as the grid's shader.
    fn ray(&self, uv: [f32; 2]) -> [f32; 3] {
        let p = &self.pose;
        let tan_half = (0.5 * p.fov_y).tan();
        let aspect = self.size[0] as f32 / self.size[1] as f32;
        let ndc = [uv[0] * 2.0 - 1.0, 1.0 - uv[1] * 2.0];
        let d: [f32; 3] = std::array::from_fn(|i| {
            p.forward[i] + ndc[0] * tan_half * aspect * p.right[i] + ndc[1] * tan_half * p.up[i]
        });
        let l = dot(d, d).sqrt();
        d.map(|v| v / l)
    }

    /// Premultiplied colour of layer `l` at the pixel centre `uv`, if it covers it
    /// (`fs_splat`'s layer branches).
    fn layer(&self, l: usize, uv: [f32; 2]) -> Option<[f32; 4]> {
        let e = self.exposure;
        match l {
            0..=2 => {
                let [ar, asn] = self.weather.drops(uv, l as u32);
                let a = asn + ar * (1.0 - asn);
                (a > 0.0).then(|| {
                    let c: [f32; 3] = std::array::from_fn(|i| {
                        (SNOW_COLOUR[i] * asn + RAIN_COLOUR[i] * ar * (1.0 - asn))
                            * self.light[i]
                            * e
                    });
                    [c[0], c[1], c[2], a]
                })
            }
            3..=6 => {
                let s = &self.signs[l - 3];
                let dir = self.ray(uv);
                let o = self.pose.eye;
                let nrm = cross(s.right, s.up);
                let denom = dot(dir, nrm);
                if denom.abs() < 1e-12 {
                    return None;
                }
                let ts = dot(std::array::from_fn(|i| s.centre[i] - o[i]), nrm) / denom;
                let rel: [f32; 3] = std::array::from_fn(|i| o[i] + dir[i] * ts - s.centre[i]);
                let a = dot(rel, s.right) / dot(s.right, s.right);
                let b = dot(rel, s.up) / dot(s.up, s.up);
                if ts <= 0.0 || a.abs() > 1.0 || b.abs() > 1.0 {
                    return None;
                }
                let c = sample_sign(&self.sign_images[s.layer], [a * 0.5 + 0.5, 0.5 - b * 0.5])
                    .map(|v| v * s.opacity);
                let f = fog_amount(self.fog, self.sign_depth(s));
                (c[3] > 0.0).then(|| {
                    let rgb: [f32; 3] = std::array::from_fn(|i| {
                        (c[i] * self.light[i] * (1.0 - f) + self.fog_colour[i] * f * c[3]) * e
                    });
                    [rgb[0], rgb[1], rgb[2], c[3]]
                })
            }
            _ => {
                let dir = self.ray(uv);
                let h = (dir[1] * 0.5 + 0.5).clamp(0.0, 1.0);
                let sky = mix3(self.sky.horizon, self.sky.zenith, h);
                let c = self.shade(sky, 12.0);
                Some([c[0], c[1], c[2], 1.0])
            }
        }
    }
}

/// One entry of a frame's draw list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Entry {
    /// A splat: its position in the projected list.
    Splat(u32),
    /// A layer: 0..3 weather, then the signs, then the sky.
    Layer(u8),
}

/// The frame's draw list: visible splats and active layers, ordered by (key, entry
/// number) as the GPU's stable radix sort orders them (entry numbers: splat `i` is `i`,
/// layer `l` is `n + l`).
pub fn draw_order(projected: &[Projected], n: usize, look: &SplatLook) -> Vec<Entry> {
    let mut order: Vec<(u32, u32, Entry)> = projected
        .iter()
        .enumerate()
        .map(|(k, p)| (p.depth.to_bits(), p.index, Entry::Splat(k as u32)))
        .chain(
            look.layer_keys()
                .into_iter()
                .enumerate()
                .filter(|(_, key)| *key != CULLED)
                .map(|(l, key)| (key, (n + l) as u32, Entry::Layer(l as u8))),
        )
        .collect();
    order.sort_unstable();
    order.into_iter().map(|e| e.2).collect()
}

/// Premultiplied colour of splat `g` at pixel centre `p`, if it covers it (`fs_splat`).
fn splat_at(g: &Projected, p: [f32; 2]) -> Option<[f32; 4]> {
    let (dx, dy) = (g.centre[0] - p[0], g.centre[1] - p[1]);
    if dx.abs() > g.radius || dy.abs() > g.radius {
        return None;
    }
    let power = -0.5 * (g.conic[0] * dx * dx + g.conic[2] * dy * dy) - g.conic[1] * dx * dy;
    if power > 0.0 {
        return None;
    }
    let alpha = (g.opacity * power.exp()).min(0.99);
    (alpha >= 1.0 / 255.0).then(|| [g.rgb[0] * alpha, g.rgb[1] * alpha, g.rgb[2] * alpha, alpha])
}

/// Renders splat scene `s` for `look` into linear HDR pixels (row by row), blended front
/// to back into an f16 target as the GPU's blend unit does: `dst += src·(1 − dst.a)`.
/// `projected` colours must already be shaded ([`SplatLook::shade`]).
pub fn render_hdr(s: &Splats, look: &SplatLook, threads: usize) -> Vec<[f32; 3]> {
    let [w, h] = look.size.map(|v| v as usize);
    let mut projected = project(s, &look.pose, look.size[0], look.size[1]);
    for p in &mut projected {
        p.rgb = look.shade(p.rgb, p.depth);
    }
    let order = draw_order(&projected, s.len(), look);
    // Bin each entry into the tiles it can touch, keeping the order.
    let (tx, ty) = (w.div_ceil(TILE), h.div_ceil(TILE));
    let mut bins: Vec<Vec<u32>> = vec![Vec::new(); tx * ty];
    for (k, e) in order.iter().enumerate() {
        if let Entry::Splat(at) = *e {
            let g = &projected[at as usize];
            let span = |c: f32, n: usize| -> Option<(usize, usize)> {
                let lo = (c - g.radius - 0.5).ceil().max(0.0);
                let hi = (c + g.radius - 0.5).floor().min(n as f32 - 1.0);
                (lo <= hi).then_some((lo as usize / TILE, hi as usize / TILE))
            };
            if let (Some((x0, x1)), Some((y0, y1))) = (span(g.centre[0], w), span(g.centre[1], h)) {
                for y in y0..=y1 {
                    for x in x0..=x1 {
                        bins[y * tx + x].push(k as u32);
                    }
                }
            }
        } else {
            bins.iter_mut().for_each(|b| b.push(k as u32));
        }
    }
    let mut out = vec![[0f32; 3]; w * h];
    let rows_per = ty.div_ceil(threads.max(1)) * TILE;
    std::thread::scope(|scope| {
        for (part, chunk) in out.chunks_mut(rows_per * w).enumerate() {
            let (order, bins, projected) = (&order, &bins, &projected);
            scope.spawn(move || {
                for (r, row) in chunk.chunks_exact_mut(w).enumerate() {
                    let y = part * rows_per + r;
                    for (x, px) in row.iter_mut().enumerate() {
                        let p = [x as f32 + 0.5, y as f32 + 0.5];
                        let uv = [p[0] / w as f32, p[1] / h as f32];
                        let mut dst = [0f32; 4];
                        for &k in &bins[(y / TILE) * tx + x / TILE] {
                            let src = match order[k as usize] {
                                Entry::Splat(at) => splat_at(&projected[at as usize], p),
                                Entry::Layer(l) => look.layer(l as usize, uv),
                            };
                            if let Some(src) = src {
                                let t = 1.0 - dst[3];
                                for c in 0..4 {
                                    dst[c] = f16::from_f32(src[c] * t + dst[c]).to_f32();
                                }
                            }
                        }
                        *px = [dst[0], dst[1], dst[2]];
                    }
                }
            });
        }
    });
    out
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_round_splat_in_front_of_the_camera_lands_in_the_middle() {
        let s = Splats {
            positions: vec![[0.0, 0.0, -3.0]],
            scales: vec![[0.1; 3]],
            rotations: vec![[1.0, 0.0, 0.0, 0.0]],
            opacities: vec![0.9],
            sh_degree: 0,
            sh: vec![1.0, 0.0, -1.0],
        };
        let pose = CameraPose {
            eye: [0.0; 3],
            forward: [0.0, 0.0, -1.0],
            right: [1.0, 0.0, 0.0],
            up: [0.0, 1.0, 0.0],
            fov_y: 60f32.to_radians(),
        };
        let p = project(&s, &pose, 64, 64);
        assert_eq!(p.len(), 1);
        assert!((p[0].centre[0] - 32.0).abs() < 1e-4 && (p[0].centre[1] - 32.0).abs() < 1e-4);
        assert!((p[0].conic[0] - p[0].conic[2]).abs() < 1e-4 && p[0].conic[1].abs() < 1e-6);
        assert!((p[0].rgb[0] - (SH_C0 + 0.5)).abs() < 1e-6 && p[0].rgb[2] == (0.5 - SH_C0));
        let img = render_hdr(&s, &SplatLook::neutral(pose, [64, 64]), 2);
        let (centre, corner) = (img[32 * 64 + 32], img[0]);
        // The splat's colour (red 0.5 + C0, green 0.5) at nearly its 0.9 peak opacity
        // (the pixel centre is half a pixel off the splat's), black corners.
        let alpha = centre[0] / (SH_C0 + 0.5);
        assert!((0.8..0.9).contains(&alpha), "{centre:?}");
        assert!((centre[1] - 0.5 * alpha).abs() < 2e-3, "{centre:?}");
        assert_eq!(corner, [0.0; 3]);
    }

    #[test]
    fn tighter_bounds_and_tiles_change_no_pixel() {
        // Faint and strong, round and thin splats; every pixel against every splat.
        let mut x = 12345u32;
        let mut rnd = || {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            (x >> 8) as f32 / (1u32 << 24) as f32
        };
        let n = 300;
        let mut s = Splats {
            positions: Vec::new(),
            scales: Vec::new(),
            rotations: Vec::new(),
            opacities: Vec::new(),
            sh_degree: 0,
            sh: Vec::new(),
        };
        for _ in 0..n {
            s.positions
                .push([rnd() * 2.0 - 1.0, rnd() * 1.2 - 0.6, -2.0 - 2.0 * rnd()]);
            s.scales
                .push([0.01 + 0.2 * rnd(), 0.01 + 0.05 * rnd(), 0.01 + 0.1 * rnd()]);
            let q = [rnd() - 0.5, rnd() - 0.5, rnd() - 0.5, rnd() - 0.5];
            let l = q.iter().map(|v| v * v).sum::<f32>().sqrt();
            s.rotations.push(q.map(|v| v / l));
            s.opacities.push(0.003 + rnd().powi(3));
            s.sh.extend([rnd() * 2.0 - 1.0, rnd() * 2.0 - 1.0, rnd() * 2.0 - 1.0]);
        }
        let pose = CameraPose {
            eye: [0.0; 3],
            forward: [0.0, 0.0, -1.0],
            right: [1.0, 0.0, 0.0],
            up: [0.0, 1.0, 0.0],
            fov_y: 60f32.to_radians(),
        };
        let (w, h) = (96u32, 54u32);
        let look = SplatLook::neutral(pose, [w, h]);
        let fast = render_hdr(&s, &look, 2);
        // The reference: 3σ squares, every splat tried at every pixel.
        let projected = project_with(&s, &pose, w, h, false);
        assert!(projected.len() > n / 2);
        for (i, px) in fast.iter().enumerate() {
            let p = [(i as u32 % w) as f32 + 0.5, (i as u32 / w) as f32 + 0.5];
            let mut dst = [0f32; 4];
            for g in &projected {
                let Some(src) = splat_at(g, p) else {
                    continue;
                };
                let t = 1.0 - dst[3];
                for c in 0..4 {
                    dst[c] = f16::from_f32(src[c] * t + dst[c]).to_f32();
                }
            }
            assert_eq!(*px, [dst[0], dst[1], dst[2]], "pixel {i}");
        }
    }
}
