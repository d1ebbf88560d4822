//! YUV4MPEG2 (Y4M) clips: 8-bit 4:4:4 and 4:2:0, BT.709, limited range unless the header
//! says `XCOLORRANGE=FULL`. 4:2:0 chroma is replicated on read and averaged over 2×2
//! on write.

use std::io::{BufRead, Read, Write};
use std::path::{Path, PathBuf};

use super::{MediaError, SizeError};

/// Chroma layout of a clip.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Chroma {
    /// Full-resolution chroma (`C444`).
    C444,
    /// Half-resolution chroma in both directions (`C420`, `C420jpeg`, `C420paldv`, `C420mpeg2`).
    C420,
}

/// A clip's stream header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Y4mHeader {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Frame rate as `num:den`.
    pub rate: (u32, u32),
    /// Chroma layout.
    pub chroma: Chroma,
    /// `XCOLORRANGE=FULL`.
    pub full_range: bool,
}

/// Why a stream header was refused ([`Y4mReader::new`] names the file around it).
#[derive(Debug, thiserror::Error)]
enum HeaderError {
    #[error("not a Y4M stream (missing YUV4MPEG2 signature)")]
    Signature,
    #[error("bad frame rate `{0}`")]
    FrameRate(String),
    #[error("unsupported chroma `C{0}` (8-bit 444 or 420 only)")]
    Chroma(String),
    #[error("interlaced Y4M (`I{0}`) is not supported")]
    Interlaced(String),
    #[error("missing or invalid W/H")]
    NoSize,
    #[error(transparent)]
    Size(#[from] SizeError),
    #[error("4:2:0 needs even dimensions, got {width}x{height}")]
    OddSize { width: u32, height: u32 },
}

impl Y4mHeader {
    /// A 4:4:4 limited-range header.
    pub fn new(width: u32, height: u32, fps: u32) -> Self {
        Self {
            width,
            height,
            rate: (fps, 1),
            chroma: Chroma::C444,
            full_range: false,
        }
    }

    fn line(&self) -> String {
        let c = match self.chroma {
            Chroma::C444 => "C444",
            Chroma::C420 => "C420jpeg",
        };
        let range = if self.full_range { "FULL" } else { "LIMITED" };
        format!(
            "YUV4MPEG2 W{} H{} F{}:{} Ip A1:1 {c} XCOLORRANGE={range}\n",
            self.width, self.height, self.rate.0, self.rate.1
        )
    }

    fn parse(line: &str) -> Result<Self, HeaderError> {
        let mut words = line.split_ascii_whitespace();
        if words.next() != Some("YUV4MPEG2") {
            return Err(HeaderError::Signature);
        }
        let (mut w, mut h, mut rate, mut chroma, mut full) =
            (None, None, (25, 1), Chroma::C420, false);
        for word in words {
            let (tag, v) = word.split_at(1);
            match tag {
                "W" => w = v.parse::<u32>().ok(),
                "H" => h = v.parse::<u32>().ok(),
                "F" => {
                    let bad = || HeaderError::FrameRate(v.to_owned());
                    let (n, d) = v.split_once(':').ok_or_else(bad)?;
                    rate = (n.parse().map_err(|_| bad())?, d.parse().map_err(|_| bad())?);
                }
                "C" => {
                    chroma = match v {
                        "444" => Chroma::C444,
                        "420" | "420jpeg" | "420paldv" | "420mpeg2" => Chroma::C420,
                        other => return Err(HeaderError::Chroma(other.to_owned())),
                    }
                }
                "X" if v == "COLORRANGE=FULL" => full = true,
                "I" if v != "p" && v != "?" => return Err(HeaderError::Interlaced(v.to_owned())),
                _ => {}
            }
        }
        let (width, height) = match (w, h) {
            (Some(w), Some(h)) => (w, h),
            _ => return Err(HeaderError::NoSize),
        };
        // One bound for every picture read: sides and pixel count (a frame is RGB f32).
        super::check_size(width, height)?;
        if chroma == Chroma::C420 && (width % 2 != 0 || height % 2 != 0) {
            return Err(HeaderError::OddSize { width, height });
        }
        Ok(Self {
            width,
            height,
            rate,
            chroma,
            full_range: full,
        })
    }

    fn plane_sizes(&self) -> (usize, usize) {
        let luma = self.width as usize * self.height as usize;
        match self.chroma {
            Chroma::C444 => (luma, luma),
            Chroma::C420 => (luma, luma / 4),
        }
    }
}

/// BT.709 coefficients.
const KR: f32 = 0.2126;
const KB: f32 = 0.0722;
const KG: f32 = 1.0 - KR - KB;

fn scales(full: bool) -> (f32, f32, f32) {
    if full {
        (0.0, 255.0, 255.0)
    } else {
        (16.0, 219.0, 224.0)
    }
}

/// Reads frames one at a time (a clip is never loaded whole).
pub struct Y4mReader<R: BufRead> {
    inner: R,
    path: PathBuf,
    /// The stream header.
    pub header: Y4mHeader,
    planes: Vec<u8>,
    frame: usize,
}

impl<R: BufRead> Y4mReader<R> {
    /// Reads the stream header; `path` is used in messages.
    pub fn new(mut inner: R, path: &Path) -> Result<Self, MediaError> {
        let invalid = |problem: String| MediaError::Invalid {
            path: path.to_owned(),
            problem,
        };
        let mut line = Vec::new();
        inner
            .by_ref()
            .take(4096)
            .read_until(b'\n', &mut line)
            .map_err(|source| MediaError::Io {
                path: path.to_owned(),
                source,
            })?;
        let text = std::str::from_utf8(&line).map_err(|_| invalid("header is not text".into()))?;
        let header = Y4mHeader::parse(text.trim_end()).map_err(|e| invalid(e.to_string()))?;
        let (l, c) = header.plane_sizes();
        Ok(Self {
            inner,
            path: path.to_owned(),
            planes: vec![0; l + 2 * c],
            header,
            frame: 0,
        })
    }

    /// Reads the next frame as interleaved RGB f32 (0..1 nominal); `false` at the end.
    pub fn read_rgb(&mut self, rgb: &mut Vec<f32>) -> Result<bool, MediaError> {
        let invalid = |problem: String| MediaError::Invalid {
            path: self.path.clone(),
            problem,
        };
        let mut tag = Vec::new();
        let io = |source| MediaError::Io {
            path: self.path.clone(),
            source,
        };
        let n = self
            .inner
            .by_ref()
            .take(1024)
            .read_until(b'\n', &mut tag)
            .map_err(io)?;
        if n == 0 {
            return Ok(false);
        }
        if !tag.starts_with(b"FRAME") {
            return Err(invalid(format!(
                "frame {}: expected FRAME marker",
                self.frame
            )));
        }
        if let Err(e) = self.inner.read_exact(&mut self.planes) {
            return Err(invalid(format!("frame {} is truncated ({e})", self.frame)));
        }
        let h = &self.header;
        let (w, hgt) = (h.width as usize, h.height as usize);
        let (lsize, csize) = h.plane_sizes();
        let (y, uv) = self.planes.split_at(lsize);
        let (u, v) = uv.split_at(csize);
        let (off, ys, cs) = scales(h.full_range);
        rgb.clear();
        rgb.reserve(lsize * 3);
        for row in 0..hgt {
            for col in 0..w {
                let ci = match h.chroma {
                    Chroma::C444 => row * w + col,
                    Chroma::C420 => (row / 2) * (w / 2) + col / 2,
                };
                let yy = (y[row * w + col] as f32 - off) / ys;
                let cb = (u[ci] as f32 - 128.0) / cs;
                let cr = (v[ci] as f32 - 128.0) / cs;
                let r = yy + 2.0 * (1.0 - KR) * cr;
                let b = yy + 2.0 * (1.0 - KB) * cb;
                let g = (yy - KR * r - KB * b) / KG;
                rgb.extend_from_slice(&[r, g, b]);
            }
        }
        self.frame += 1;
        Ok(true)
    }
}

/// Writes frames.
pub struct Y4mWriter<W: Write> {
    out: W,
    header: Y4mHeader,
    planes: Vec<u8>,
}

impl<W: Write> Y4mWriter<W> {
    /// Writes the stream header.
    pub fn new(mut out: W, header: Y4mHeader) -> std::io::Result<Self> {
        out.write_all(header.line().as_bytes())?;
        let (l, c) = header.plane_sizes();
        Ok(Self {
            out,
            planes: vec![0; l + 2 * c],
            header,
        })
    }

    fn encode(&mut self, pixel: impl Fn(usize) -> [f32; 3]) -> std::io::Result<()> {
        let h = &self.header;
        let w = h.width as usize;
        let (lsize, csize) = h.plane_sizes();
        let (off, ys, cs) = scales(h.full_range);
        let (y, uv) = self.planes.split_at_mut(lsize);
        let (u, v) = uv.split_at_mut(csize);
        let q = |x: f32| x.round().clamp(0.0, 255.0) as u8;
        let chroma = |c: [f32; 3]| {
            let l = KR * c[0] + KG * c[1] + KB * c[2];
            (
                l,
                (c[2] - l) / (2.0 * (1.0 - KB)),
                (c[0] - l) / (2.0 * (1.0 - KR)),
            )
        };
        for (i, yv) in y.iter_mut().enumerate() {
            let (l, cb, cr) = chroma(pixel(i).map(|x| x.clamp(0.0, 1.0)));
            *yv = q(off + ys * l);
            if h.chroma == Chroma::C444 {
                u[i] = q(128.0 + cs * cb);
                v[i] = q(128.0 + cs * cr);
            }
        }
        if h.chroma == Chroma::C420 {
            for ci in 0..csize {
                let (row, col) = (2 * (ci / (w / 2)), 2 * (ci % (w / 2)));
                let (mut sb, mut sr) = (0.0, 0.0);
                for (dr, dc) in [(0, 0), (0, 1), (1, 0), (1, 1)] {
                    let (_, cb, cr) =
                        chroma(pixel((row + dr) * w + col + dc).map(|x| x.clamp(0.0, 1.0)));
                    sb += cb;
                    sr += cr;
                }
                u[ci] = q(128.0 + cs * sb / 4.0);
                v[ci] = q(128.0 + cs * sr / 4.0);
            }
        }
        self.out.write_all(b"FRAME\n")?;
        self.out.write_all(&self.planes)
    }

    /// Appends one frame of interleaved RGB f32.
    pub fn write_rgb(&mut self, rgb: &[f32]) -> std::io::Result<()> {
        self.encode(|i| [rgb[3 * i], rgb[3 * i + 1], rgb[3 * i + 2]])
    }

    /// Appends one frame of RGBA8.
    pub fn write_rgba8(&mut self, rgba: &[u8]) -> std::io::Result<()> {
        self.encode(|i| {
            [
                rgba[4 * i] as f32 / 255.0,
                rgba[4 * i + 1] as f32 / 255.0,
                rgba[4 * i + 2] as f32 / 255.0,
            ]
        })
    }

    /// Flushes the stream.
    pub fn finish(mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_444_and_420_within_quantisation() {
        for chroma in [Chroma::C444, Chroma::C420] {
            let (w, h) = (8u32, 6u32);
            let header = Y4mHeader {
                chroma,
                ..Y4mHeader::new(w, h, 24)
            };
            // Smooth content (4:2:0 loses chroma detail, not smooth colour).
            let rgb: Vec<f32> = (0..w * h)
                .flat_map(|i| {
                    [
                        0.2 + 0.05 * (i % w) as f32,
                        0.5,
                        0.7 - 0.05 * (i / w) as f32,
                    ]
                })
                .collect();
            let mut buf = Vec::new();
            let mut wtr = Y4mWriter::new(&mut buf, header.clone()).unwrap();
            wtr.write_rgb(&rgb).unwrap();
            wtr.write_rgb(&rgb).unwrap();
            wtr.finish().unwrap();
            let mut rdr = Y4mReader::new(std::io::Cursor::new(buf), Path::new("t.y4m")).unwrap();
            assert_eq!(rdr.header, header);
            let mut back = Vec::new();
            let mut frames = 0;
            while rdr.read_rgb(&mut back).unwrap() {
                let err = rgb
                    .iter()
                    .zip(&back)
                    .map(|(a, b)| (a - b).abs())
                    .fold(0.0, f32::max);
                let tol = if chroma == Chroma::C444 { 0.02 } else { 0.05 };
                assert!(err < tol, "{chroma:?}: {err}");
                frames += 1;
            }
            assert_eq!(frames, 2);
        }
    }

    #[test]
    fn refuses_bad_streams() {
        let p = Path::new("b.y4m");
        assert!(Y4mReader::new(std::io::Cursor::new(b"RIFF....".to_vec()), p).is_err());
        assert!(Y4mReader::new(
            std::io::Cursor::new(b"YUV4MPEG2 W3 H3 C420jpeg\n".to_vec()),
            p
        )
        .is_err());
        assert!(
            Y4mReader::new(std::io::Cursor::new(b"YUV4MPEG2 W4 H4 C422\n".to_vec()), p).is_err()
        );
        let mut r = Y4mReader::new(
            std::io::Cursor::new(b"YUV4MPEG2 W2 H2 C444\nFRAME\n\x10\x10".to_vec()),
            p,
        )
        .unwrap();
        let e = r.read_rgb(&mut Vec::new()).unwrap_err().to_string();
        assert!(e.contains("frame 0 is truncated"), "{e}");
    }
}
