//! The CPU renderer: the same ray march and grade as `shaders/raymarch.wgsl` and
//! `shaders/grade.wgsl`, in plain Rust on every core.
//!
//! It is the reference the GPU path is tested against (PSNR on the demo scenes) and the
//! fallback for devices with no usable GPU (firmware that composites frames itself, CI
//! under emulation). Keep each step in the same order as the shaders: texel centres,
//! clamp-to-edge trilinear filtering, the f16 HDR target and the unorm8 rounding all
//! matter for the comparison.

use half::f16;

use super::renderer::VIGNETTE_PER_DRIVE;
use super::renderer::{film_looks, FrameParams, RenderError, FOG_COLOUR, GRAIN, MAX_STEPS};
use super::scene::Scene;
use crate::director::{Film, MAX_LOOKS};
use crate::grade::LookMixer;

/// Renders frames of one film at one resolution without a GPU.
pub struct CpuRenderer {
    width: u32,
    height: u32,
    scene_paths: Vec<std::path::PathBuf>,
    scenes: Vec<Option<Scene>>,
    mixer: LookMixer,
    /// The blended look for `mixed_for`, rounded to f16 as the GPU's LUT texture holds it.
    lut: Vec<[f32; 3]>,
    lut_size: usize,
    mixed_for: Option<[f32; MAX_LOOKS]>,
    threads: usize,
}

/// Per-frame constants, as the shaders' uniform block holds them.
struct Frame<'a> {
    scene: &'a Scene,
    eye: [f32; 3],
    forward: [f32; 3],
    right: [f32; 3],
    up: [f32; 3],
    tan_half: f32,
    aspect: f32,
    light: [f32; 3],
    exposure: f32,
    fog: f32,
    vignette: f32,
    seed: u32,
    frame_index: u32,
}

fn mix3(a: [f32; 3], b: [f32; 3], t: f32) -> [f32; 3] {
    std::array::from_fn(|i| a[i] * (1.0 - t) + b[i] * t)
}

/// `textureSampleLevel` on an RGBA8 unorm 3D texture: linear filter, clamp to edge.
fn sample_grid(s: &Scene, uvw: [f32; 3]) -> [f32; 4] {
    let mut i0 = [0usize; 3];
    let mut i1 = [0usize; 3];
    let mut f = [0f32; 3];
    for a in 0..3 {
        let n = s.dims[a] as usize;
        let x = uvw[a] * n as f32 - 0.5;
        let fl = x.floor();
        f[a] = x - fl;
        let lo = fl as i64;
        i0[a] = lo.clamp(0, n as i64 - 1) as usize;
        i1[a] = (lo + 1).clamp(0, n as i64 - 1) as usize;
    }
    let (nx, ny) = (s.dims[0] as usize, s.dims[1] as usize);
    let texel = |x: usize, y: usize, z: usize| -> [f32; 4] {
        let o = 4 * (x + nx * (y + ny * z));
        let t = &s.texels[o..o + 4];
        [t[0], t[1], t[2], t[3]].map(|v| v as f32 / 255.0)
    };
    let lerp4 = |a: [f32; 4], b: [f32; 4], t: f32| -> [f32; 4] {
        std::array::from_fn(|i| a[i] + (b[i] - a[i]) * t)
    };
    let c00 = lerp4(texel(i0[0], i0[1], i0[2]), texel(i1[0], i0[1], i0[2]), f[0]);
    let c10 = lerp4(texel(i0[0], i1[1], i0[2]), texel(i1[0], i1[1], i0[2]), f[0]);
    let c01 = lerp4(texel(i0[0], i0[1], i1[2]), texel(i1[0], i0[1], i1[2]), f[0]);
    let c11 = lerp4(texel(i0[0], i1[1], i1[2]), texel(i1[0], i1[1], i1[2]), f[0]);
    lerp4(lerp4(c00, c10, f[1]), lerp4(c01, c11, f[1]), f[2])
}

/// Trilinear lookup of `c` (in [0, 1]) in an `n³` table, red fastest.
fn sample_lut(table: &[[f32; 3]], n: usize, c: [f32; 3]) -> [f32; 3] {
    let mut i0 = [0usize; 3];
    let mut i1 = [0usize; 3];
    let mut f = [0f32; 3];
    for a in 0..3 {
        // The shader's uvw = c·(n−1)/n + 0.5/n puts texel coordinates at c·(n−1).
        let x = c[a] * (n - 1) as f32;
        let fl = x.floor();
        f[a] = x - fl;
        i0[a] = (fl as usize).min(n - 1);
        i1[a] = (i0[a] + 1).min(n - 1);
    }
    let at = |r: usize, g: usize, b: usize| table[r + n * (g + n * b)];
    let c00 = mix3(at(i0[0], i0[1], i0[2]), at(i1[0], i0[1], i0[2]), f[0]);
    let c10 = mix3(at(i0[0], i1[1], i0[2]), at(i1[0], i1[1], i0[2]), f[0]);
    let c01 = mix3(at(i0[0], i0[1], i1[2]), at(i1[0], i0[1], i1[2]), f[0]);
    let c11 = mix3(at(i0[0], i1[1], i1[2]), at(i1[0], i1[1], i1[2]), f[0]);
    mix3(mix3(c00, c10, f[1]), mix3(c01, c11, f[1]), f[2])
}

/// The grade shader's integer hash (PCG-style), wrapping like WGSL's u32.
fn hash3(x: u32, y: u32, z: u32) -> f32 {
    let mut h = x
        .wrapping_mul(747_796_405)
        .wrapping_add(y.wrapping_mul(2_891_336_453))
        .wrapping_add(z.wrapping_mul(277_803_737));
    h = ((h >> ((h >> 28) + 4)) ^ h).wrapping_mul(277_803_737);
    h ^= h >> 22;
    h as f32 / 4_294_967_295.0
}

fn sky(dir: [f32; 3], light: [f32; 3]) -> [f32; 3] {
    let h = (dir[1] * 0.5 + 0.5).clamp(0.0, 1.0);
    let c = mix3([0.16, 0.15, 0.2], [0.02, 0.03, 0.08], h);
    std::array::from_fn(|i| c[i] * light[i])
}

impl Frame<'_> {
    /// `fs_raymarch` for the pixel centre at `uv`, rounded to the f16 HDR target.
    fn raymarch(&self, uv: [f32; 2]) -> [f32; 3] {
        let s = self.scene;
        let ndc = [uv[0] * 2.0 - 1.0, 1.0 - uv[1] * 2.0];
        let d: [f32; 3] = std::array::from_fn(|i| {
            self.forward[i]
                + ndc[0] * self.tan_half * self.aspect * self.right[i]
                + ndc[1] * self.tan_half * self.up[i]
        });
        let len = (d[0] * d[0] + d[1] * d[1] + d[2] * d[2]).sqrt();
        let dir = d.map(|v| v / len);
        let o = self.eye;
        let t0: [f32; 3] = std::array::from_fn(|i| (s.bounds_min[i] - o[i]) * (1.0 / dir[i]));
        let t1: [f32; 3] = std::array::from_fn(|i| (s.bounds_max[i] - o[i]) * (1.0 / dir[i]));
        let t_near = t0[0]
            .min(t1[0])
            .max(t0[1].min(t1[1]))
            .max(t0[2].min(t1[2]).max(0.0));
        let t_far = t0[0].max(t1[0]).min(t0[1].max(t1[1])).min(t0[2].max(t1[2]));

        let mut radiance = [0f32; 3];
        let mut transmittance = 1f32;
        let mut depth = 1e4f32;
        if t_far > t_near {
            let extent: [f32; 3] = std::array::from_fn(|i| s.bounds_max[i] - s.bounds_min[i]);
            let dt = (extent[0] * extent[0] + extent[1] * extent[1] + extent[2] * extent[2]).sqrt()
                / MAX_STEPS as f32;
            let n = (((t_far - t_near) / dt).ceil() as u32).min(MAX_STEPS);
            let mut t = t_near + 0.5 * dt;
            for _ in 0..n {
                let uvw: [f32; 3] =
                    std::array::from_fn(|i| (o[i] + dir[i] * t - s.bounds_min[i]) / extent[i]);
                let v = sample_grid(s, uvw);
                let sigma = v[3] * s.density_scale;
                if sigma > 0.0 {
                    let alpha = 1.0 - (-sigma * dt).exp();
                    for (r, c) in radiance.iter_mut().zip(v) {
                        *r += transmittance * alpha * c;
                    }
                    if transmittance > 0.5 && transmittance * (1.0 - alpha) <= 0.5 {
                        depth = t;
                    }
                    transmittance *= 1.0 - alpha;
                    if transmittance < 0.01 {
                        break;
                    }
                }
                t += dt;
            }
        }
        let sky = sky(dir, self.light);
        let color: [f32; 3] =
            std::array::from_fn(|i| radiance[i] * self.light[i] + transmittance * sky[i]);
        let fog_amount = 1.0 - (-self.fog * depth.min(12.0)).exp();
        mix3(color, FOG_COLOUR, fog_amount).map(|v| f16::from_f32(v * self.exposure).to_f32())
    }

    /// `fs_grade` for pixel (`x`, `y`): look, vignette, grain, clamp and unorm8 rounding.
    fn grade(
        &self,
        hdr: [f32; 3],
        lut: &[[f32; 3]],
        n: usize,
        x: u32,
        y: u32,
        uv: [f32; 2],
    ) -> [u8; 4] {
        let c = hdr.map(|v| v.clamp(0.0, 1.0));
        let looked = sample_lut(lut, n, c);
        let d = [uv[0] - 0.5, uv[1] - 0.5];
        let v = 1.0 - self.vignette * (d[0] * d[0] + d[1] * d[1]) * 1.6;
        let g = hash3(
            x.wrapping_add(self.seed.wrapping_mul(7919)),
            y,
            self.frame_index,
        ) - 0.5;
        let px = looked.map(|c| ((c * v + g * GRAIN).clamp(0.0, 1.0) * 255.0 + 0.5) as u8);
        [px[0], px[1], px[2], 255]
    }
}

impl CpuRenderer {
    /// Prepares the film's looks for `width`×`height` frames; scenes load on demand.
    pub fn new(film: &Film, width: u32, height: u32) -> Result<Self, RenderError> {
        if width == 0 || height == 0 {
            return Err(RenderError::TooLarge(width, height, 0));
        }
        let mixer = film_looks(film)?;
        let scene_paths: Vec<std::path::PathBuf> = film
            .scene_paths()
            .into_iter()
            .map(|p| p.to_owned())
            .collect();
        Ok(Self {
            width,
            height,
            scenes: scene_paths.iter().map(|_| None).collect(),
            scene_paths,
            lut_size: mixer.size(),
            mixer,
            lut: Vec::new(),
            mixed_for: None,
            threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
        })
    }

    /// Uses at most `n` threads per frame (default: every core).
    pub fn with_threads(mut self, n: usize) -> Self {
        self.threads = n.max(1);
        self
    }

    /// Output size in pixels.
    pub fn size(&self) -> (u32, u32) {
        (self.width, self.height)
    }

    /// Reads scene `i` unless it is resident; true if it was loaded now.
    pub fn load_scene(&mut self, i: usize) -> Result<bool, RenderError> {
        if self.scenes.get(i).is_none_or(|s| s.is_some()) {
            return Ok(false);
        }
        self.scenes[i] = Some(Scene::load(&self.scene_paths[i])?);
        Ok(true)
    }

    /// Frees every scene not in `keep`.
    pub fn retain_scenes(&mut self, keep: &[usize]) {
        for (i, s) in self.scenes.iter_mut().enumerate() {
            if !keep.contains(&i) {
                *s = None;
            }
        }
    }

    /// Number of scenes in memory.
    pub fn resident_scenes(&self) -> usize {
        self.scenes.iter().filter(|s| s.is_some()).count()
    }

    /// Centre of scene `i` (origin if not loaded).
    pub fn scene_centre(&self, i: usize) -> [f32; 3] {
        self.scenes
            .get(i)
            .and_then(|s| s.as_ref())
            .map_or([0.0; 3], |s| s.centre())
    }

    /// Renders `p` into `out` (tightly packed RGBA8, `width·height·4` bytes).
    pub fn render(&mut self, p: &FrameParams, out: &mut Vec<u8>) -> Result<(), RenderError> {
        self.load_scene(p.scene)?;
        if self.mixed_for != Some(p.look_weights) {
            let lut = self.mixer.mix(&p.look_weights);
            self.lut = lut
                .table
                .iter()
                .map(|e| e.map(|v| f16::from_f32(v).to_f32()))
                .collect();
            self.lut_size = lut.size;
            self.mixed_for = Some(p.look_weights);
        }
        let scene = self
            .scenes
            .get(p.scene)
            .and_then(|s| s.as_ref())
            .ok_or(RenderError::NoScene(p.scene))?;
        let e = p.pose;
        let frame = Frame {
            scene,
            eye: e.eye,
            forward: e.forward,
            right: e.right,
            up: e.up,
            tan_half: (0.5 * e.fov_y).tan(),
            aspect: self.width as f32 / self.height as f32,
            light: p.light,
            exposure: p.exposure,
            fog: p.fog,
            vignette: VIGNETTE_PER_DRIVE * p.drive,
            seed: p.seed & 0xff_ffff,
            frame_index: p.frame_index,
        };
        let (w, h) = (self.width as usize, self.height as usize);
        out.clear();
        out.resize(w * h * 4, 0);
        let rows_per = h.div_ceil(self.threads);
        let (lut, n) = (&self.lut[..], self.lut_size);
        std::thread::scope(|s| {
            for (k, chunk) in out.chunks_mut(rows_per * w * 4).enumerate() {
                let frame = &frame;
                s.spawn(move || {
                    for (r, row) in chunk.chunks_exact_mut(w * 4).enumerate() {
                        let y = k * rows_per + r;
                        for (x, px) in row.chunks_exact_mut(4).enumerate() {
                            let uv = [(x as f32 + 0.5) / w as f32, (y as f32 + 0.5) / h as f32];
                            let hdr = frame.raymarch(uv);
                            px.copy_from_slice(&frame.grade(hdr, lut, n, x as u32, y as u32, uv));
                        }
                    }
                });
            }
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_matches_the_shader_on_known_inputs() {
        // Values worked by hand from the WGSL (u32 wrapping arithmetic).
        assert_eq!(hash3(0, 0, 0), 0.0);
        let a = hash3(1, 2, 3);
        let b = hash3(1, 2, 4);
        assert!((0.0..=1.0).contains(&a) && (0.0..=1.0).contains(&b) && a != b);
    }

    #[test]
    fn lut_lookup_hits_lattice_points_exactly() {
        let n = 3;
        let table: Vec<[f32; 3]> = (0..27)
            .map(|i| {
                [
                    (i % 3) as f32 * 0.5,
                    ((i / 3) % 3) as f32 * 0.25,
                    (i / 9) as f32,
                ]
            })
            .collect();
        assert_eq!(sample_lut(&table, n, [0.5, 1.0, 0.0]), [0.5, 0.5, 0.0]);
        let mid = sample_lut(&table, n, [0.25, 0.25, 0.25]);
        assert!((mid[0] - 0.25).abs() < 1e-6 && (mid[2] - 0.5).abs() < 1e-6);
    }

    #[test]
    fn grid_sampling_clamps_to_edge_and_interpolates() {
        let s = Scene {
            dims: [2, 2, 2],
            bounds_min: [0.0; 3],
            bounds_max: [1.0; 3],
            density_scale: 1.0,
            texels: (0..8)
                .flat_map(|i| [if i % 2 == 1 { 255 } else { 0 }, 0, 0, 255])
                .collect(),
        };
        assert_eq!(sample_grid(&s, [0.0, 0.5, 0.5])[0], 0.0);
        assert_eq!(sample_grid(&s, [1.0, 0.5, 0.5])[0], 1.0);
        assert!((sample_grid(&s, [0.5, 0.5, 0.5])[0] - 0.5).abs() < 1e-6);
    }
}
