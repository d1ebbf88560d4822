//! Grade operators and their order. All work on display-referred (gamma-encoded) RGB
//! in 0..1 (the encoding of PNG/Y4M frames and of creative `.cube` looks); values
//! above 1 pass through until the final clamp at encode time.
//!
//! Order per pixel: white balance → ASC CDL → lift/gamma/gain → LUT look (blended by
//! `strength`) → vignette → grain. The WGSL path (`crates/render/shaders/grade_image.wgsl`) does the
//! same maths in the same order.

use super::cube::{CubeLut, Interp, PreparedLut3d};

/// `x^y` for `x > 0`, else 0 (the WGSL path does the same, where `pow` of 0 is undefined).
#[inline(always)]
fn spow(x: f32, y: f32) -> f32 {
    if x > 0.0 {
        x.powf(y)
    } else {
        0.0
    }
}

/// Why an `r,g,b` triple was refused; quotes the text, as the command line wrote it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RgbError {
    /// A part is not a number.
    #[error("`{0}` is not r,g,b")]
    NotNumbers(String),
    /// Not three numbers, or one is not finite.
    #[error("`{0}` must be three finite numbers r,g,b")]
    NotThreeFinite(String),
}

/// Parses `r,g,b` (three finite numbers), as grade parameters are written on the command line.
pub fn parse_rgb(text: &str) -> Result<[f32; 3], RgbError> {
    let v: Vec<f32> = text
        .split(',')
        .map(|w| w.trim().parse::<f32>())
        .collect::<Result<_, _>>()
        .map_err(|_| RgbError::NotNumbers(text.to_owned()))?;
    match v.as_slice() {
        [a, b, c] if v.iter().all(|x| x.is_finite()) => Ok([*a, *b, *c]),
        _ => Err(RgbError::NotThreeFinite(text.to_owned())),
    }
}

/// Why an ASC CDL written as text was refused; says which part, quoting it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CdlError {
    /// Not four `:`-separated parts.
    #[error(
        "CDL `{0}`: expected slope:offset:power:saturation, e.g. 1.1,1,0.9:0,0,0.02:1,1,1:0.9"
    )]
    Parts(String),
    /// The slope, offset or power is not a triple (`part` names which).
    #[error("CDL {part} {rgb}")]
    Triple { part: &'static str, rgb: RgbError },
    /// The saturation is not a number.
    #[error("CDL saturation `{0}` is not a number")]
    Saturation(String),
    /// A slope, power or the saturation is negative (or the saturation is not finite).
    #[error("CDL slope, power and saturation must be non-negative")]
    Negative,
}

/// Rec.709 luma weights, used by the CDL saturation.
pub const LUMA: [f32; 3] = [0.2126, 0.7152, 0.0722];

/// ASC CDL (v1.2): `out = max(in·slope + offset, 0)^power`, then saturation around luma.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cdl {
    /// Per-channel slope.
    pub slope: [f32; 3],
    /// Per-channel offset.
    pub offset: [f32; 3],
    /// Per-channel power.
    pub power: [f32; 3],
    /// Saturation (1 = unchanged).
    pub saturation: f32,
}

impl Default for Cdl {
    fn default() -> Self {
        Self {
            slope: [1.0; 3],
            offset: [0.0; 3],
            power: [1.0; 3],
            saturation: 1.0,
        }
    }
}

impl Cdl {
    /// Parses `s,s,s:o,o,o:p,p,p:sat` (the order of the ASC CDL's SOP and SAT nodes).
    pub fn parse(text: &str) -> Result<Self, CdlError> {
        let parts: Vec<&str> = text.split(':').collect();
        if parts.len() != 4 {
            return Err(CdlError::Parts(text.to_owned()));
        }
        let triple = |s: &str, part: &'static str| {
            parse_rgb(s).map_err(|rgb| CdlError::Triple { part, rgb })
        };
        let cdl = Self {
            slope: triple(parts[0], "slope")?,
            offset: triple(parts[1], "offset")?,
            power: triple(parts[2], "power")?,
            saturation: parts[3]
                .trim()
                .parse()
                .map_err(|_| CdlError::Saturation(parts[3].to_owned()))?,
        };
        if cdl.slope.iter().chain(&cdl.power).any(|v| *v < 0.0)
            || !(cdl.saturation >= 0.0 && cdl.saturation.is_finite())
        {
            return Err(CdlError::Negative);
        }
        Ok(cdl)
    }

    /// Applies the CDL to one colour.
    #[inline]
    pub fn apply(&self, c: [f32; 3]) -> [f32; 3] {
        let sop: [f32; 3] =
            std::array::from_fn(|i| spow(c[i] * self.slope[i] + self.offset[i], self.power[i]));
        let luma = LUMA[0] * sop[0] + LUMA[1] * sop[1] + LUMA[2] * sop[2];
        std::array::from_fn(|i| sop[i] * self.saturation + luma * (1.0 - self.saturation))
    }
}

/// Every parameter of a grade except the LUT itself.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GradeParams {
    /// Warm (+) / cool (−) balance, −1..1: red and blue gains of ±20 %.
    pub temperature: f32,
    /// Magenta (+) / green (−) balance, −1..1: green gain of ∓20 %.
    pub tint: f32,
    /// ASC CDL.
    pub cdl: Cdl,
    /// Lift (shadows), per channel: `x + lift·(1 − x)`.
    pub lift: [f32; 3],
    /// Gamma (midtones), per channel: `x^(1/gamma)`.
    pub gamma: [f32; 3],
    /// Gain (highlights), per channel.
    pub gain: [f32; 3],
    /// Blend of the LUT look over its input, 0..1.
    pub strength: f32,
    /// Vignette darkening at the corners, 0..1.
    pub vignette: f32,
    /// Film-grain amplitude (peak-to-peak), 0 = off.
    pub grain: f32,
    /// Seed of the grain.
    pub seed: u32,
}

impl Default for GradeParams {
    fn default() -> Self {
        Self {
            temperature: 0.0,
            tint: 0.0,
            cdl: Cdl::default(),
            lift: [0.0; 3],
            gamma: [1.0; 3],
            gain: [1.0; 3],
            strength: 1.0,
            vignette: 0.0,
            grain: 0.0,
            seed: 0,
        }
    }
}

/// The grain's hash, shared with the renderers and the shaders (`shaders/hash.wgsl`).
pub use crate::maths::hash3;

/// A complete grade: a LUT look (optional) and the operators around it.
#[derive(Debug, Clone)]
pub struct Grade {
    /// The look.
    pub lut: Option<CubeLut>,
    /// How to interpolate it.
    pub interp: Interp,
    /// Operators.
    pub params: GradeParams,
}

impl Grade {
    /// Which operators differ from identity (skipped ones cost nothing and clamp nothing);
    /// bit 0 white balance, bit 1 CDL, bit 2 lift/gamma/gain — the GPU path uses the same mask.
    pub fn active_ops(&self) -> u32 {
        let p = &self.params;
        let wb = p.temperature != 0.0 || p.tint != 0.0;
        let cdl = p.cdl != Cdl::default();
        let lgg = p.lift != [0.0; 3] || p.gamma != [1.0; 3] || p.gain != [1.0; 3];
        wb as u32 | (cdl as u32) << 1 | (lgg as u32) << 2
    }

    /// Grades one pixel at `(x, y)` of a `width`×`height` frame number `frame`.
    #[inline]
    pub fn pixel(
        &self,
        c: [f32; 3],
        x: u32,
        y: u32,
        width: u32,
        height: u32,
        frame: u32,
    ) -> [f32; 3] {
        let cube = self
            .lut
            .as_ref()
            .and_then(|l| l.cube.as_ref())
            .map(|c| c.prepare());
        self.pixel_with(
            self.active_ops(),
            cube.as_ref(),
            c,
            [x, y, width, height, frame],
        )
    }

    /// [`Grade::pixel`] with the operator mask computed once per frame.
    #[inline(always)]
    fn pixel_with(
        &self,
        ops: u32,
        cube: Option<&PreparedLut3d>,
        mut c: [f32; 3],
        [x, y, width, height, frame]: [u32; 5],
    ) -> [f32; 3] {
        let p = &self.params;
        if ops & 1 != 0 {
            let wb = [
                1.0 + 0.2 * p.temperature,
                1.0 - 0.2 * p.tint,
                1.0 - 0.2 * p.temperature,
            ];
            c = std::array::from_fn(|i| c[i] * wb[i]);
        }
        if ops & 2 != 0 {
            c = p.cdl.apply(c);
        }
        if ops & 4 != 0 {
            c = std::array::from_fn(|i| {
                spow(
                    p.gain[i] * (c[i] + p.lift[i] * (1.0 - c[i])),
                    1.0 / p.gamma[i],
                )
            });
        }
        if let Some(lut) = &self.lut {
            let mut looked = c;
            if let Some(shaper) = &lut.shaper {
                looked = shaper.apply(looked);
            }
            if let Some(cube) = cube {
                looked = cube.apply(looked, self.interp);
            }
            // Full strength is the look itself (a non-finite input must not leak through
            // a zero-weighted blend).
            c = if p.strength == 1.0 {
                looked
            } else {
                std::array::from_fn(|i| looked[i] * p.strength + c[i] * (1.0 - p.strength))
            };
        }
        if p.vignette != 0.0 {
            let dx = (x as f32 + 0.5) / width as f32 - 0.5;
            let dy = (y as f32 + 0.5) / height as f32 - 0.5;
            let k = 1.0 - p.vignette * 2.0 * (dx * dx + dy * dy);
            c = c.map(|v| v * k);
        }
        if p.grain != 0.0 {
            let g = (hash3(x.wrapping_add(p.seed.wrapping_mul(7919)), y, frame) - 0.5) * p.grain;
            c = c.map(|v| v + g);
        }
        c
    }

    /// Grades a frame of interleaved RGB f32 in place, on all cores.
    pub fn frame(&self, rgb: &mut [f32], width: u32, height: u32, frame: u32) {
        let row = width as usize * 3;
        let threads = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(height as usize)
            .max(1);
        let rows_per = (height as usize).div_ceil(threads);
        let ops = self.active_ops();
        let cube = self
            .lut
            .as_ref()
            .and_then(|l| l.cube.as_ref())
            .map(|c| c.prepare());
        let cube = cube.as_ref();
        let (p_vignette, p_grain, strength) = (
            self.params.vignette,
            self.params.grain,
            self.params.strength,
        );
        std::thread::scope(|s| {
            for (k, chunk) in rgb.chunks_mut(rows_per * row).enumerate() {
                s.spawn(move || {
                    // The common case (a look, nothing else) has vector kernels with
                    // bit-identical results; scalar code finishes the rest.
                    let plain_look = ops == 0
                        && p_vignette == 0.0
                        && p_grain == 0.0
                        && self.lut.as_ref().is_some_and(|l| l.shaper.is_none());
                    let done = match (plain_look, cube) {
                        (true, Some(cube)) => {
                            super::simd::lut3d_blend(cube, self.interp, strength, chunk)
                        }
                        _ => 0,
                    };
                    let w = width as usize;
                    let lines = chunk.chunks_exact_mut(row).enumerate().skip(done / w);
                    for (j, line) in lines {
                        let y = (k * rows_per + j) as u32;
                        let first = if j == done / w { done % w } else { 0 };
                        for (x, px) in line.chunks_exact_mut(3).enumerate().skip(first) {
                            let out = self.pixel_with(
                                ops,
                                cube,
                                [px[0], px[1], px[2]],
                                [x as u32, y, width, height, frame],
                            );
                            px.copy_from_slice(&out);
                        }
                    }
                });
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cdl_follows_the_asc_formula() {
        let cdl = Cdl::parse("1.2,1,0.8:0.05,0,-0.1:1,2,1:0.5").unwrap();
        let out = cdl.apply([0.5, 0.5, 0.05]);
        let sop = [0.65f32, 0.25, 0.0];
        let luma = LUMA[0] * sop[0] + LUMA[1] * sop[1] + LUMA[2] * sop[2];
        for i in 0..3 {
            assert!((out[i] - (luma + 0.5 * (sop[i] - luma))).abs() < 1e-6);
        }
        assert!(Cdl::parse("1,1,1:0,0,0:1,1,1").is_err());
        assert!(Cdl::parse("1,1:0,0,0:1,1,1:1").is_err());
        assert!(Cdl::parse("-1,1,1:0,0,0:1,1,1:1").is_err());
    }

    #[test]
    fn refusals_quote_the_text_as_the_command_line_shows_it() {
        let e = |text: &str| Cdl::parse(text).unwrap_err().to_string();
        assert_eq!(
            e("1,1:0,0,0:1,1,1:1"),
            "CDL slope `1,1` must be three finite numbers r,g,b"
        );
        assert_eq!(e("1,x,1:0,0,0:1,1,1:1"), "CDL slope `1,x,1` is not r,g,b");
        assert_eq!(
            e("1,1,1:0,0,0:1,1,1:lots"),
            "CDL saturation `lots` is not a number"
        );
        assert_eq!(
            e("1,1,1:0,0,0:1,1,1:-1"),
            "CDL slope, power and saturation must be non-negative"
        );
    }

    #[test]
    fn neutral_grade_is_identity_and_grain_is_seeded() {
        let g = Grade {
            lut: None,
            interp: Interp::Tetrahedral,
            params: GradeParams::default(),
        };
        assert_eq!(g.pixel([0.2, 0.4, 0.6], 3, 4, 10, 10, 0), [0.2, 0.4, 0.6]);
        let mut p = GradeParams {
            grain: 0.1,
            seed: 1,
            ..GradeParams::default()
        };
        let a = Grade {
            lut: None,
            interp: Interp::Tetrahedral,
            params: p,
        }
        .pixel([0.5; 3], 3, 4, 10, 10, 0);
        p.seed = 2;
        let b = Grade {
            lut: None,
            interp: Interp::Tetrahedral,
            params: p,
        }
        .pixel([0.5; 3], 3, 4, 10, 10, 0);
        assert_ne!(a, b);
        assert!(a.iter().all(|v| (v - 0.5).abs() <= 0.05));
    }

    #[test]
    fn frame_matches_pixel_on_every_thread_split() {
        let g = Grade {
            lut: None,
            interp: Interp::Trilinear,
            params: GradeParams {
                vignette: 0.5,
                grain: 0.02,
                seed: 5,
                ..GradeParams::default()
            },
        };
        let (w, h) = (7u32, 5u32);
        let mut img: Vec<f32> = (0..w * h * 3).map(|i| (i % 17) as f32 / 17.0).collect();
        let orig = img.clone();
        g.frame(&mut img, w, h, 3);
        for y in 0..h {
            for x in 0..w {
                let i = ((y * w + x) * 3) as usize;
                assert_eq!(
                    &img[i..i + 3],
                    &g.pixel([orig[i], orig[i + 1], orig[i + 2]], x, y, w, h, 3)
                );
            }
        }
    }

    #[test]
    fn vector_kernels_are_bit_identical_to_the_scalar_path() {
        // A non-trivial 5³ table with a non-unit domain.
        let mut cube = crate::grade::Lut3d::identity(5);
        for (k, e) in cube.table.iter_mut().enumerate() {
            *e = std::array::from_fn(|c| hash3(k as u32, c as u32, 3) * 1.5 - 0.2);
        }
        cube.domain_min = [-0.1, 0.0, 0.05];
        cube.domain_max = [1.2, 1.0, 0.9];
        let lut = CubeLut {
            title: None,
            shaper: None,
            cube: Some(cube),
        };
        let (w, h) = (37u32, 9u32);
        let mut input: Vec<f32> = (0..w * h * 3).map(|i| hash3(i, 1, 2) * 1.6 - 0.3).collect();
        // Ties, exact lattice points, the far corner, NaN and infinities.
        input[..18].copy_from_slice(&[
            0.5,
            0.5,
            0.5,
            0.25,
            0.25,
            0.75,
            1.0,
            0.0,
            1.0,
            f32::NAN,
            f32::INFINITY,
            f32::NEG_INFINITY,
            1.2,
            1.0,
            0.9,
            5.0,
            5.0,
            5.0,
        ]);
        for interp in [Interp::Tetrahedral, Interp::Trilinear] {
            for strength in [1.0, 0.7] {
                let g = Grade {
                    lut: Some(lut.clone()),
                    interp,
                    params: GradeParams {
                        strength,
                        ..GradeParams::default()
                    },
                };
                let mut img = input.clone();
                g.frame(&mut img, w, h, 0);
                for (i, px) in input.chunks_exact(3).enumerate() {
                    let want = g.pixel([px[0], px[1], px[2]], i as u32 % w, i as u32 / w, w, h, 0);
                    let got = &img[3 * i..3 * i + 3];
                    for c in 0..3 {
                        assert_eq!(
                            got[c].to_bits(),
                            want[c].to_bits(),
                            "{interp:?} strength {strength}, pixel {i} channel {c}: \
                             {got:?} vs {want:?}"
                        );
                    }
                }
            }
        }
    }
}
