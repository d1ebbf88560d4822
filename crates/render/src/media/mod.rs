//! Picture files shared by the renderer's outputs and the `grade` command: Y4M clips
//! (4:4:4 and 4:2:0, BT.709) and stills (8/16-bit PNG, float OpenEXR).

pub mod still;
pub mod y4m;

use std::io::{BufReader, Seek};
use std::path::{Path, PathBuf};

/// Most pixels a picture read from a file may have (stills, clip frames, sign images):
/// 8K UHD (7680×4320, 33 Mpx) with room. A frame is handled as RGB f32, so this bounds
/// one at 480 MB; an 11000×11000 PNG would have asked for 3.8 GB.
pub const MAX_PIXELS: u64 = 40_000_000;
/// Longest side of a picture read from a file, pixels.
pub const MAX_SIDE: u32 = 16_384;

/// A picture size [`check_size`] refuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SizeError {
    /// A side is zero or longer than [`MAX_SIDE`].
    #[error("{width}x{height} is outside 1..={MAX_SIDE} per side")]
    Side { width: u32, height: u32 },
    /// More than [`MAX_PIXELS`] pixels.
    #[error("{width}x{height} is {pixels} pixels, more than the {MAX_PIXELS} allowed", pixels = *.width as u64 * *.height as u64)]
    Pixels { width: u32, height: u32 },
}

/// Whether `width`×`height` is within [`MAX_SIDE`] and [`MAX_PIXELS`]; else why not.
pub fn check_size(width: u32, height: u32) -> Result<(), SizeError> {
    if width == 0 || height == 0 || width > MAX_SIDE || height > MAX_SIDE {
        return Err(SizeError::Side { width, height });
    }
    if width as u64 * height as u64 > MAX_PIXELS {
        return Err(SizeError::Pixels { width, height });
    }
    Ok(())
}

/// Decodes an image file (format from its contents) after checking, from its header
/// alone, that its size is within [`check_size`]; a regular file only.
pub fn open_image(path: &Path) -> Result<image::DynamicImage, MediaError> {
    let io = |source| MediaError::Io {
        path: path.to_owned(),
        source,
    };
    let invalid = |problem: String| MediaError::Invalid {
        path: path.to_owned(),
        problem,
    };
    let mut file = livingfilm_core::untrusted::open_regular(path).map_err(io)?;
    let (w, h) = image::ImageReader::new(BufReader::new(&file))
        .with_guessed_format()
        .map_err(io)?
        .into_dimensions()
        .map_err(|e| invalid(e.to_string()))?;
    check_size(w, h).map_err(|e| invalid(e.to_string()))?;
    file.rewind().map_err(io)?;
    let mut reader = image::ImageReader::new(BufReader::new(file))
        .with_guessed_format()
        .map_err(io)?;
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    // The decoder's own buffers: the largest picture at 16 bytes a pixel (RGBA f32).
    limits.max_alloc = Some(MAX_PIXELS * 16);
    reader.limits(limits);
    reader.decode().map_err(|e| invalid(e.to_string()))
}

/// Why a picture file could not be read or written; names the file (and frame).
#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    /// I/O failure.
    #[error("{path}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The file's contents are not usable.
    #[error("{path}: {problem}")]
    Invalid { path: PathBuf, problem: String },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refused_sizes_say_which_bound() {
        assert_eq!(check_size(7680, 4320), Ok(()));
        assert_eq!(
            check_size(0, 10).unwrap_err().to_string(),
            "0x10 is outside 1..=16384 per side"
        );
        assert_eq!(
            check_size(16384, 16384).unwrap_err().to_string(),
            "16384x16384 is 268435456 pixels, more than the 40000000 allowed"
        );
    }
}
