//! Headless frame outputs: PNG stills and a Y4M video stream.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

/// Writes one RGBA8 frame as an 8-bit RGB PNG.
pub fn write_png(path: &Path, width: u32, height: u32, rgba: &[u8]) -> std::io::Result<()> {
    let file = BufWriter::new(File::create(path)?);
    let mut enc = png::Encoder::new(file, width, height);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    enc.set_compression(png::Compression::Fast);
    let mut w = enc.write_header().map_err(std::io::Error::other)?;
    let rgb: Vec<u8> = rgba
        .chunks_exact(4)
        .flat_map(|p| [p[0], p[1], p[2]])
        .collect();
    w.write_image_data(&rgb).map_err(std::io::Error::other)?;
    w.finish().map_err(std::io::Error::other)
}

/// A YUV4MPEG2 (Y4M) writer: 4:4:4, BT.709 limited range, progressive.
pub struct Y4mWriter {
    out: BufWriter<File>,
    planes: Vec<u8>,
    width: usize,
    height: usize,
}

impl Y4mWriter {
    /// Creates `path` and writes the stream header.
    pub fn create(path: &Path, width: u32, height: u32, fps: u32) -> std::io::Result<Self> {
        let mut out = BufWriter::new(File::create(path)?);
        writeln!(
            out,
            "YUV4MPEG2 W{width} H{height} F{fps}:1 Ip A1:1 C444 XCOLORRANGE=LIMITED"
        )?;
        Ok(Self {
            out,
            planes: vec![0; width as usize * height as usize * 3],
            width: width as usize,
            height: height as usize,
        })
    }

    /// Appends one RGBA8 frame.
    pub fn write_frame(&mut self, rgba: &[u8]) -> std::io::Result<()> {
        let n = self.width * self.height;
        let (y, uv) = self.planes.split_at_mut(n);
        let (u, v) = uv.split_at_mut(n);
        for (i, p) in rgba.chunks_exact(4).take(n).enumerate() {
            let (r, g, b) = (p[0] as i32, p[1] as i32, p[2] as i32);
            // BT.709 coefficients scaled by 2^16, limited range (16..235 / 16..240).
            y[i] = (16 + ((11966 * r + 40254 * g + 4064 * b + 32768) >> 16)) as u8;
            u[i] = (128 + ((-6596 * r - 22189 * g + 28785 * b + 32768) >> 16)).clamp(0, 255) as u8;
            v[i] = (128 + ((28785 * r - 26145 * g - 2640 * b + 32768) >> 16)).clamp(0, 255) as u8;
        }
        self.out.write_all(b"FRAME\n")?;
        self.out.write_all(&self.planes)
    }

    /// Flushes the stream.
    pub fn finish(mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}
