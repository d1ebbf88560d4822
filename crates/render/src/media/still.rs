//! Stills: 8- and 16-bit PNG (RGB, RGBA, grey) and float OpenEXR, through the `image` crate.
//! Pixels are handled as RGB f32 with the alpha channel carried through untouched.

use std::path::Path;

use image::{DynamicImage, ImageBuffer, Rgb, Rgba};

use super::MediaError;

/// Sample encoding of a still, kept from input to output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Depth {
    /// 8-bit integer.
    U8,
    /// 16-bit integer.
    U16,
    /// 32-bit float.
    F32,
}

/// A decoded still.
#[derive(Debug, Clone, PartialEq)]
pub struct Still {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Interleaved RGB (integers scaled to 0..1).
    pub rgb: Vec<f32>,
    /// Alpha, if the file had one.
    pub alpha: Option<Vec<f32>>,
    /// Encoding of the source.
    pub depth: Depth,
}

impl Still {
    /// Decodes a PNG or EXR file.
    pub fn load(path: &Path) -> Result<Self, MediaError> {
        let img = super::open_image(path)?;
        let depth = match &img {
            DynamicImage::ImageRgb32F(_) | DynamicImage::ImageRgba32F(_) => Depth::F32,
            DynamicImage::ImageLuma16(_)
            | DynamicImage::ImageLumaA16(_)
            | DynamicImage::ImageRgb16(_)
            | DynamicImage::ImageRgba16(_) => Depth::U16,
            _ => Depth::U8,
        };
        let has_alpha = img.color().has_alpha();
        let (width, height) = (img.width(), img.height());
        let rgba = img.into_rgba32f();
        let rgb = rgba.pixels().flat_map(|p| [p[0], p[1], p[2]]).collect();
        let alpha = has_alpha.then(|| rgba.pixels().map(|p| p[3]).collect());
        Ok(Self {
            width,
            height,
            rgb,
            alpha,
            depth,
        })
    }

    /// Encodes by the extension of `path` (`.png` keeps 8/16-bit, `.exr` is float); integer
    /// outputs clamp to 0..1 and round.
    pub fn save(&self, path: &Path) -> Result<(), MediaError> {
        let invalid = |problem: String| MediaError::Invalid {
            path: path.to_owned(),
            problem,
        };
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("")
            .to_ascii_lowercase();
        let depth = match (ext.as_str(), self.depth) {
            ("exr", _) => Depth::F32,
            ("png", Depth::F32) => Depth::U16,
            ("png", d) => d,
            _ => {
                return Err(invalid(format!(
                    "unsupported output extension `.{ext}` (use .png or .exr)"
                )))
            }
        };
        let n = (self.width * self.height) as usize;
        let px = |i: usize| {
            [
                self.rgb[3 * i],
                self.rgb[3 * i + 1],
                self.rgb[3 * i + 2],
                self.alpha.as_ref().map_or(1.0, |a| a[i]),
            ]
        };
        let q8 = |v: f32| (v.clamp(0.0, 1.0) * 255.0).round() as u8;
        let q16 = |v: f32| (v.clamp(0.0, 1.0) * 65535.0).round() as u16;
        let (w, h) = (self.width, self.height);
        let alpha = self.alpha.is_some();
        let img: DynamicImage = match (depth, alpha) {
            (Depth::U8, false) => ImageBuffer::<Rgb<u8>, _>::from_fn(w, h, |x, y| {
                let p = px((y * w + x) as usize);
                Rgb([q8(p[0]), q8(p[1]), q8(p[2])])
            })
            .into(),
            (Depth::U8, true) => ImageBuffer::<Rgba<u8>, _>::from_fn(w, h, |x, y| {
                Rgba(px((y * w + x) as usize).map(q8))
            })
            .into(),
            (Depth::U16, false) => ImageBuffer::<Rgb<u16>, _>::from_fn(w, h, |x, y| {
                let p = px((y * w + x) as usize);
                Rgb([q16(p[0]), q16(p[1]), q16(p[2])])
            })
            .into(),
            (Depth::U16, true) => ImageBuffer::<Rgba<u16>, _>::from_fn(w, h, |x, y| {
                Rgba(px((y * w + x) as usize).map(q16))
            })
            .into(),
            (Depth::F32, false) => ImageBuffer::<Rgb<f32>, _>::from_fn(w, h, |x, y| {
                let p = px((y * w + x) as usize);
                Rgb([p[0], p[1], p[2]])
            })
            .into(),
            (Depth::F32, true) => {
                ImageBuffer::<Rgba<f32>, _>::from_fn(w, h, |x, y| Rgba(px((y * w + x) as usize)))
                    .into()
            }
        };
        debug_assert_eq!(img.width() as usize * img.height() as usize, n);
        img.save(path).map_err(|e| invalid(e.to_string()))
    }
}
