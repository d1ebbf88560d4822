//! The CPU renderer: the same ray march and grade as `crates/render/shaders/raymarch.wgsl` and
//! `crates/render/shaders/grade.wgsl`, in plain Rust on every core.
//!
//! It is the reference the GPU path is tested against (PSNR on the demo scenes) and the
//! fallback for devices with no usable GPU (firmware that composites frames itself, CI
//! under emulation). Keep each step in the same order as the shaders: texel centres,
//! clamp-to-edge trilinear filtering, the f16 HDR target and the unorm8 rounding all
//! matter for the comparison.

use half::f16;

use super::frame::{sample_sign, sign_uniforms, FrameParams, Weather};
use super::frame::{FOG_COLOUR, GRAIN, RAIN_COLOUR, SNOW_COLOUR, VIGNETTE_PER_DRIVE};
use super::renderer::{film_looks, RenderError, MAX_STEPS};
use super::scene::{AnyScene, Scene, SceneInfo, SH_C0, SH_C1};
use super::scene_cache::SceneCache;
use super::signage::{SignPlane, Signage, MAX_SIGNS};
use crate::grade::LookMixer;
use crate::maths::{cross, dot, hash3, mix3};
use crate::splat::cpu::SplatLook;
use livingfilm_core::{Film, MAX_LOOKS};

/// What the ray marcher did over one frame: the cost and what empty-space skipping saved.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct MarchStats {
    /// Rays cast (one per pixel).
    pub rays: u64,
    /// Rays that entered the grid.
    pub rays_in_grid: u64,
    /// Density samples taken (steps in occupied blocks).
    pub samples: u64,
    /// Steps jumped over in empty blocks.
    pub skipped: u64,
}

impl MarchStats {
    /// Density samples per ray that entered the grid.
    pub fn samples_per_ray(&self) -> f64 {
        self.samples as f64 / self.rays_in_grid.max(1) as f64
    }

    /// Share of the steps a plain marcher would take that fell in empty blocks.
    pub fn skipped_share(&self) -> f64 {
        self.skipped as f64 / (self.samples + self.skipped).max(1) as f64
    }

    fn add(&mut self, o: &Self) {
        self.rays += o.rays;
        self.rays_in_grid += o.rays_in_grid;
        self.samples += o.samples;
        self.skipped += o.skipped;
    }
}

/// Renders frames of one film at one resolution without a GPU.
pub struct CpuRenderer {
    width: u32,
    height: u32,
    scenes: SceneCache<AnyScene>,
    signage: Signage,
    mixer: LookMixer,
    /// The blended look for `mixed_for`, rounded to f16 as the GPU's LUT texture holds it.
    lut: Vec<[f32; 3]>,
    lut_size: usize,
    mixed_for: Option<[f32; MAX_LOOKS]>,
    threads: usize,
    stats: MarchStats,
}

/// Per-frame constants, as the shaders' uniform block holds them.
struct Frame<'a> {
    scene: &'a Scene,
    layers: &'a [Vec<u8>],
    /// The frame's signs, the first `n_signs` of them drawn.
    signs: [SignPlane; MAX_SIGNS],
    n_signs: usize,
    eye: [f32; 3],
    forward: [f32; 3],
    right: [f32; 3],
    up: [f32; 3],
    tan_half: f32,
    aspect: f32,
    light: [f32; 3],
    exposure: f32,
    fog: f32,
    rain: f32,
    snow: f32,
    key_light: [f32; 4],
    vignette: f32,
    seed: u32,
    frame_index: u32,
}

/// Texel indices and weights of a linear, clamp-to-edge 3D lookup at `uvw`.
struct Taps {
    index: [usize; 8],
    weight: [f32; 8],
}

fn taps(dims: [u32; 3], uvw: [f32; 3]) -> Taps {
    let mut i0 = [0usize; 3];
    let mut i1 = [0usize; 3];
    let mut f = [0f32; 3];
    for a in 0..3 {
        let n = dims[a] as usize;
        let x = uvw[a] * n as f32 - 0.5;
        let fl = x.floor();
        f[a] = x - fl;
        let lo = fl as i64;
        i0[a] = lo.clamp(0, n as i64 - 1) as usize;
        i1[a] = (lo + 1).clamp(0, n as i64 - 1) as usize;
    }
    let (nx, ny) = (dims[0] as usize, dims[1] as usize);
    let mut t = Taps {
        index: [0; 8],
        weight: [0.0; 8],
    };
    for k in 0..8 {
        let pick = |a: usize| {
            if k >> a & 1 == 1 {
                (i1[a], f[a])
            } else {
                (i0[a], 1.0 - f[a])
            }
        };
        let (x, wx) = pick(0);
        let (y, wy) = pick(1);
        let (z, wz) = pick(2);
        t.index[k] = x + nx * (y + ny * z);
        t.weight[k] = wx * wy * wz;
    }
    t
}

/// `textureSampleLevel` on the `base` texture: SH coefficient 0 of r, g, b and density.
fn sample_base(s: &Scene, t: &Taps) -> [f32; 4] {
    let mut out = [0f32; 4];
    for k in 0..8 {
        let (c, w) = (&s.sh[t.index[k]], t.weight[k]);
        for (o, v) in out
            .iter_mut()
            .zip([c[0], c[4], c[8], s.density[t.index[k]]])
        {
            *o += v * w;
        }
    }
    out
}

/// `textureSampleLevel` on the three `rest_*` textures: SH coefficients 1..3 per channel.
fn sample_rest(s: &Scene, t: &Taps) -> [[f32; 3]; 3] {
    let mut out = [[0f32; 3]; 3];
    for k in 0..8 {
        let (c, w) = (&s.sh[t.index[k]], t.weight[k]);
        for (ch, o) in out.iter_mut().enumerate() {
            for (j, v) in o.iter_mut().enumerate() {
                *v += c[4 * ch + 1 + j] * w;
            }
        }
    }
    out
}

/// The degree-1 SH terms toward the viewer, as `sh_linear` in the shader.
fn sh_linear(k: [f32; 3], dir: [f32; 3]) -> f32 {
    -SH_C1 * dir[1] * k[0] + SH_C1 * dir[2] * k[1] - SH_C1 * dir[0] * k[2]
}

/// `over` in the shader: a sign (distance, premultiplied colour) over what the ray has
/// gathered so far.
fn over(h: &(f32, [f32; 4]), radiance: &mut [f32; 3], tr: &mut f32, depth: &mut f32) {
    for (r, c) in radiance.iter_mut().zip(h.1) {
        *r += *tr * c;
    }
    if *tr > 0.5 && *tr * (1.0 - h.1[3]) <= 0.5 {
        *depth = h.0;
    }
    *tr *= 1.0 - h.1[3];
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

impl Frame<'_> {
    fn sky(&self, dir: [f32; 3]) -> [f32; 3] {
        let h = (dir[1] * 0.5 + 0.5).clamp(0.0, 1.0);
        let c = mix3(self.scene.sky.horizon, self.scene.sky.zenith, h);
        std::array::from_fn(|i| c[i] * self.light[i])
    }

    /// The signs `dir` crosses, nearest first: (distance, premultiplied colour × opacity).
    fn sign_hits(&self, o: [f32; 3], dir: [f32; 3]) -> ([(f32, [f32; 4]); MAX_SIGNS], usize) {
        let mut hits = [(0f32, [0f32; 4]); MAX_SIGNS];
        let mut n = 0;
        for sg in &self.signs[..self.n_signs] {
            let nrm = cross(sg.right, sg.up);
            let denom = dot(dir, nrm);
            if denom.abs() < 1e-6 {
                continue;
            }
            let ts = dot(std::array::from_fn(|i| sg.centre[i] - o[i]), nrm) / denom;
            let rel: [f32; 3] = std::array::from_fn(|i| o[i] + dir[i] * ts - sg.centre[i]);
            let a = dot(rel, sg.right) / dot(sg.right, sg.right);
            let b = dot(rel, sg.up) / dot(sg.up, sg.up);
            if ts <= 0.0 || a.abs() > 1.0 || b.abs() > 1.0 {
                continue;
            }
            let c = sample_sign(&self.layers[sg.layer], [a * 0.5 + 0.5, 0.5 - b * 0.5])
                .map(|v| v * sg.opacity);
            if c[3] <= 0.0 {
                continue;
            }
            let mut j = n;
            while j > 0 && hits[j - 1].0 > ts {
                hits[j] = hits[j - 1];
                j -= 1;
            }
            hits[j] = (ts, c);
            n += 1;
        }
        (hits, n)
    }

    /// `weather_layer`: rain streaks and snow flakes of screen layer `layer`.
    fn weather_layer(&self, color: [f32; 3], uv: [f32; 2], layer: u32) -> [f32; 3] {
        let w = Weather {
            rain: self.rain,
            snow: self.snow,
            aspect: self.aspect,
            frame_index: self.frame_index,
            seed: self.seed,
        };
        let [ar, asn] = w.drops(uv, layer);
        let light = self.light;
        let mut c = color;
        if ar > 0.0 {
            c = mix3(c, std::array::from_fn(|i| RAIN_COLOUR[i] * light[i]), ar);
        }
        if asn > 0.0 {
            c = mix3(c, std::array::from_fn(|i| SNOW_COLOUR[i] * light[i]), asn);
        }
        c
    }

    /// `fs_raymarch` for the pixel centre at `uv`, rounded to the f16 HDR target.
    fn raymarch(&self, uv: [f32; 2], stats: &mut MarchStats) -> [f32; 3] {
        let s = self.scene;
        let ndc = [uv[0] * 2.0 - 1.0, 1.0 - uv[1] * 2.0];
        let d: [f32; 3] = std::array::from_fn(|i| {
            self.forward[i]
                + ndc[0] * self.tan_half * self.aspect * self.right[i]
                + ndc[1] * self.tan_half * self.up[i]
        });
        let len = dot(d, d).sqrt();
        let dir = d.map(|v| v / len);
        let o = self.eye;
        let inv = dir.map(|v| 1.0 / v);
        let extent: [f32; 3] = std::array::from_fn(|i| s.bounds_max[i] - s.bounds_min[i]);
        let t0: [f32; 3] = std::array::from_fn(|i| (s.bounds_min[i] - o[i]) * inv[i]);
        let t1: [f32; 3] = std::array::from_fn(|i| (s.bounds_max[i] - o[i]) * inv[i]);
        let t_near = t0[0]
            .min(t1[0])
            .max(t0[1].min(t1[1]))
            .max(t0[2].min(t1[2]).max(0.0));
        let t_far = t0[0].max(t1[0]).min(t0[1].max(t1[1])).min(t0[2].max(t1[2]));

        let mut radiance = [0f32; 3]; // signs
        let mut volume = [0f32; 3]; // SH constant term, weighted
        let mut weight = 0f32; // opacity of the field alone
        let (mut best_w, mut best_t) = (0f32, 0f32);
        let mut transmittance = 1f32;
        let mut depth = 1e4f32;
        stats.rays += 1;
        if t_far > t_near {
            stats.rays_in_grid += 1;
            let (hits, n_hits) = self.sign_hits(o, dir);
            let dt = dot(extent, extent).sqrt() / MAX_STEPS as f32;
            let n = (((t_far - t_near) / dt).ceil() as u32).min(MAX_STEPS);
            let occ = &s.occupancy;
            let block = occ.block as f32;
            let grid = s.dims.map(|d| d as f32);
            let cell_size: [f32; 3] = std::array::from_fn(|i| extent[i] / grid[i] * block);
            let mut next_hit = 0;
            let mut k = 0u32;
            while k < n && transmittance >= 0.01 {
                let t = t_near + (k as f32 + 0.5) * dt;
                while next_hit < n_hits && hits[next_hit].0 < t {
                    over(
                        &hits[next_hit],
                        &mut radiance,
                        &mut transmittance,
                        &mut depth,
                    );
                    next_hit += 1;
                }
                let uvw: [f32; 3] =
                    std::array::from_fn(|i| (o[i] + dir[i] * t - s.bounds_min[i]) / extent[i]);
                let cell: [i32; 3] = std::array::from_fn(|i| {
                    ((uvw[i] * grid[i] / block).floor() as i32).clamp(0, occ.dims[i] as i32 - 1)
                });
                if !occ.occupied(cell) {
                    let cmin: [f32; 3] =
                        std::array::from_fn(|i| s.bounds_min[i] + cell[i] as f32 * cell_size[i]);
                    let exit = |i: usize| {
                        let e0 = (cmin[i] - o[i]) * inv[i];
                        let e1 = (cmin[i] + cell_size[i] - o[i]) * inv[i];
                        e0.max(e1)
                    };
                    let t_exit = exit(0).min(exit(1)).min(exit(2));
                    let k_exit = ((t_exit - t_near) / dt - 0.5).ceil().clamp(0.0, n as f32);
                    let next = (k + 1).max(k_exit as u32);
                    stats.skipped += (next - k) as u64;
                    k = next;
                    continue;
                }
                stats.samples += 1;
                let b = sample_base(s, &taps(s.dims, uvw));
                let sigma = b[3] * s.density_scale;
                if sigma > 0.0 {
                    let alpha = 1.0 - (-sigma * dt).exp();
                    let w = transmittance * alpha;
                    for (v, k0) in volume.iter_mut().zip(b) {
                        *v += w * (SH_C0 * k0 + 0.5);
                    }
                    weight += w;
                    if w > best_w {
                        best_w = w;
                        best_t = t;
                    }
                    if transmittance > 0.5 && transmittance * (1.0 - alpha) <= 0.5 {
                        depth = t;
                    }
                    transmittance *= 1.0 - alpha;
                }
                k += 1;
            }
            while transmittance >= 0.01 && next_hit < n_hits {
                over(
                    &hits[next_hit],
                    &mut radiance,
                    &mut transmittance,
                    &mut depth,
                );
                next_hit += 1;
            }
            if best_w > 0.0 {
                // View-dependent colour once, where the ray meets the field most.
                let uvw: [f32; 3] =
                    std::array::from_fn(|i| (o[i] + dir[i] * best_t - s.bounds_min[i]) / extent[i]);
                let rest = sample_rest(s, &taps(s.dims, uvw));
                for (v, k) in volume.iter_mut().zip(rest) {
                    *v += weight * sh_linear(k, dir);
                }
                // The key light on that surface: its normal from the density gradient.
                let key = self.key_light;
                if key[3] > 0.0 {
                    let at = |a: usize, d: f32| {
                        let mut u = uvw;
                        u[a] += d / s.dims[a] as f32;
                        sample_base(s, &taps(s.dims, u))[3]
                    };
                    let grad: [f32; 3] = std::array::from_fn(|a| at(a, 1.0) - at(a, -1.0));
                    let g = dot(grad, grad).sqrt();
                    if g > 1e-4 {
                        let n = grad.map(|v| -v / g);
                        let lambert = dot(n, [key[0], key[1], key[2]]).max(0.0);
                        let b = sample_base(s, &taps(s.dims, uvw));
                        for (v, k0) in volume.iter_mut().zip(b) {
                            *v += weight * key[3] * lambert * (SH_C0 * k0 + 0.5);
                        }
                    }
                }
            }
        }
        for (r, v) in radiance.iter_mut().zip(volume) {
            *r += v.max(0.0);
        }
        let sky = self.sky(dir);
        let mut color: [f32; 3] =
            std::array::from_fn(|i| radiance[i] * self.light[i] + transmittance * sky[i]);
        let fog_amount = 1.0 - (-self.fog * depth.min(12.0)).exp();
        color = mix3(color, FOG_COLOUR, fog_amount);
        for layer in (0..3u32).rev() {
            if 0.8 * ((1u32 << layer) as f32) < depth {
                color = self.weather_layer(color, uv, layer);
            }
        }
        color.map(|v| f16::from_f32(v * self.exposure).to_f32())
    }

    /// `fs_grade`'s constants for this frame.
    fn grader(&self) -> Grader {
        Grader {
            vignette: self.vignette,
            seed: self.seed,
            frame_index: self.frame_index,
        }
    }
}

/// `fs_grade`'s per-frame constants.
#[derive(Clone, Copy)]
struct Grader {
    vignette: f32,
    seed: u32,
    frame_index: u32,
}

impl Grader {
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
    /// Prepares the film's looks and signs for `width`×`height` frames; scenes load on
    /// demand.
    pub fn new(
        film: &Film,
        signage: &Signage,
        width: u32,
        height: u32,
    ) -> Result<Self, RenderError> {
        if width == 0 || height == 0 {
            return Err(RenderError::TooLarge(width, height, 0));
        }
        let mixer = film_looks(film)?;
        Ok(Self {
            width,
            height,
            scenes: SceneCache::new(film),
            signage: signage.clone(),
            lut_size: mixer.size(),
            mixer,
            lut: Vec::new(),
            mixed_for: None,
            threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
            stats: MarchStats::default(),
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
        if !self.scenes.wants(i) {
            return Ok(false);
        }
        let scene = AnyScene::load(self.scenes.path(i))?;
        let info = scene.info();
        self.scenes.insert(i, scene, info, &self.signage);
        Ok(true)
    }

    /// Frees every scene not in `keep`.
    pub fn retain_scenes(&mut self, keep: &[usize]) {
        self.scenes.retain(keep);
    }

    /// Number of scenes in memory.
    pub fn resident_scenes(&self) -> usize {
        self.scenes.resident_count()
    }

    /// Scene `i` without its texels, if loaded.
    pub fn scene_info(&self, i: usize) -> Option<&SceneInfo> {
        self.scenes.get(i).map(|s| &s.info)
    }

    /// What the ray marcher did over the last frame.
    pub fn last_stats(&self) -> MarchStats {
        self.stats
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
        let resident = self
            .scenes
            .get(p.scene)
            .ok_or(RenderError::NoScene(p.scene))?;
        let (info, slots) = (&resident.info, &resident.slot_map);
        let scene = match &resident.data {
            AnyScene::Grid(g) => g,
            AnyScene::Splats(sp) => {
                let size = [self.width, self.height];
                let look = SplatLook::for_frame(p, sp, slots, &self.signage.layers, size);
                let hdr = crate::splat::cpu::render_hdr(&sp.splats, &look, self.threads);
                let grader = Grader {
                    vignette: VIGNETTE_PER_DRIVE * p.drive,
                    seed: p.seed & 0xff_ffff,
                    frame_index: p.frame_index,
                };
                let (w, h) = (self.width as usize, self.height as usize);
                out.clear();
                out.reserve(w * h * 4);
                for (i, c) in hdr.iter().enumerate() {
                    let (x, y) = (i % w, i / w);
                    let uv = [(x as f32 + 0.5) / w as f32, (y as f32 + 0.5) / h as f32];
                    let lut = &self.lut[..];
                    out.extend(grader.grade(*c, lut, self.lut_size, x as u32, y as u32, uv));
                }
                self.stats = MarchStats::default();
                return Ok(());
            }
        };
        let (planes, n_signs) = sign_uniforms(info, slots, &p.signs);
        let signs = planes.map(|u| SignPlane::from_uniform(&u));
        let e = p.pose;
        let frame = Frame {
            scene,
            layers: &self.signage.layers,
            signs,
            n_signs,
            eye: e.eye,
            forward: e.forward,
            right: e.right,
            up: e.up,
            tan_half: (0.5 * e.fov_y).tan(),
            aspect: self.width as f32 / self.height as f32,
            light: p.light,
            exposure: p.exposure,
            fog: p.fog,
            rain: p.rain,
            snow: p.snow,
            key_light: p.key_light,
            vignette: VIGNETTE_PER_DRIVE * p.drive,
            seed: p.seed & 0xff_ffff,
            frame_index: p.frame_index,
        };
        let (w, h) = (self.width as usize, self.height as usize);
        out.clear();
        out.resize(w * h * 4, 0);
        let rows_per = h.div_ceil(self.threads);
        let (lut, n) = (&self.lut[..], self.lut_size);
        let mut total = MarchStats::default();
        std::thread::scope(|s| {
            let workers: Vec<_> = out
                .chunks_mut(rows_per * w * 4)
                .enumerate()
                .map(|(k, chunk)| {
                    let frame = &frame;
                    s.spawn(move || {
                        let mut stats = MarchStats::default();
                        for (r, row) in chunk.chunks_exact_mut(w * 4).enumerate() {
                            let y = k * rows_per + r;
                            for (x, px) in row.chunks_exact_mut(4).enumerate() {
                                let uv = [(x as f32 + 0.5) / w as f32, (y as f32 + 0.5) / h as f32];
                                let hdr = frame.raymarch(uv, &mut stats);
                                px.copy_from_slice(
                                    &frame.grader().grade(hdr, lut, n, x as u32, y as u32, uv),
                                );
                            }
                        }
                        stats
                    })
                })
                .collect();
            for w in workers {
                if let Ok(st) = w.join() {
                    total.add(&st);
                }
            }
        });
        self.stats = total;
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
        let d: Vec<f32> = (0..8).map(|i| (i % 2) as f32).collect();
        let s = Scene {
            dims: [2, 2, 2],
            bounds_min: [0.0; 3],
            bounds_max: [1.0; 3],
            density_scale: 1.0,
            occupancy: crate::occupancy::Occupancy::build(&d, [2, 2, 2], 1),
            density: d,
            sh: vec![[0.0; 12]; 8],
            sky: Default::default(),
            slots: vec![],
            cameras: vec![],
        };
        let at = |u: [f32; 3]| sample_base(&s, &taps(s.dims, u))[3];
        assert_eq!(at([0.0, 0.5, 0.5]), 0.0);
        assert_eq!(at([1.0, 0.5, 0.5]), 1.0);
        assert!((at([0.5, 0.5, 0.5]) - 0.5).abs() < 1e-6);
    }

    #[test]
    fn empty_space_skipping_never_changes_a_pixel() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../assets/demo/scenes/plaza.lfscene");
        let scene = Scene::load(&path).unwrap();
        let mut dense = scene.clone();
        dense.occupancy.cells.iter_mut().for_each(|c| *c = 1);
        let cam = livingfilm_core::Camera {
            radius: 2.4,
            height: 0.7,
            from_deg: 10.0,
            to_deg: 10.0,
            fov_deg: 55.0,
        };
        let pose = crate::orbit_camera(&cam, scene.centre(), 0.0);
        let frame = |s| Frame {
            scene: s,
            layers: &[],
            signs: [SignPlane::default(); MAX_SIGNS],
            n_signs: 0,
            eye: pose.eye,
            forward: pose.forward,
            right: pose.right,
            up: pose.up,
            tan_half: (0.5 * pose.fov_y).tan(),
            aspect: 16.0 / 9.0,
            light: [1.0; 3],
            exposure: 1.0,
            fog: 0.1,
            rain: 0.0,
            snow: 0.0,
            key_light: [0.0, 1.0, 0.0, 0.5],
            vignette: 0.0,
            seed: 1,
            frame_index: 0,
        };
        let (skip, plain) = (frame(&scene), frame(&dense));
        let (mut a, mut b) = (MarchStats::default(), MarchStats::default());
        for y in 0..36 {
            for x in 0..64 {
                let uv = [(x as f32 + 0.5) / 64.0, (y as f32 + 0.5) / 36.0];
                assert_eq!(
                    skip.raymarch(uv, &mut a),
                    plain.raymarch(uv, &mut b),
                    "{x},{y}"
                );
            }
        }
        assert_eq!(b.skipped, 0);
        assert!(a.skipped_share() > 0.3, "{:.2}", a.skipped_share());
        assert!(a.samples * 2 < b.samples, "{} vs {}", a.samples, b.samples);
    }

    #[test]
    fn sh_degree_one_is_linear_in_the_view_direction() {
        // A z term: brighter looking along +z, darker along -z, nothing sideways.
        let k = [0.0, 0.5, 0.0];
        assert!((sh_linear(k, [0.0, 0.0, 1.0]) - 0.5 * SH_C1).abs() < 1e-6);
        assert!((sh_linear(k, [0.0, 0.0, -1.0]) + 0.5 * SH_C1).abs() < 1e-6);
        assert_eq!(sh_linear(k, [1.0, 0.0, 0.0]), 0.0);
        assert_eq!(sh_linear([1.0, 0.0, 0.0], [0.0, 1.0, 0.0]), -SH_C1);
    }
}
