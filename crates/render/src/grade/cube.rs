//! The Adobe/Iridas and Resolve `.cube` formats: 1D and 3D LUTs, domains, and the Resolve
//! 1D shaper in front of a 3D table.
//!
//! Keywords: `TITLE "…"`, `LUT_1D_SIZE n` (2..=65536), `LUT_3D_SIZE n` (2..=256),
//! `DOMAIN_MIN r g b` / `DOMAIN_MAX r g b` (Iridas, per channel), `LUT_1D_INPUT_RANGE lo hi`
//! / `LUT_3D_INPUT_RANGE lo hi` (Resolve). Data rows are `r g b`; 3D tables vary red fastest.
//! With both sizes declared, the first `LUT_1D_SIZE` rows are the shaper and the rest the cube.
//! `#` comments and blank lines may appear anywhere; CRLF line ends are accepted.

use livingfilm_core::untrusted::{excerpt, read_bounded};
use std::path::{Path, PathBuf};

/// Why a `.cube` file was refused; names the line where it applies.
#[derive(Debug, thiserror::Error)]
pub enum LutError {
    /// The file could not be read.
    #[error("cannot read LUT {path}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A malformed line.
    #[error("{path}:{line}: {problem}")]
    Line {
        path: PathBuf,
        line: usize,
        problem: String,
    },
    /// A problem with the whole file.
    #[error("{path}: {problem}")]
    File { path: PathBuf, problem: String },
}

/// How a 3D table is interpolated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub enum Interp {
    /// Eight corners of the cell, weighted per axis.
    Trilinear,
    /// Four corners of the tetrahedron holding the point (what colourists usually expect).
    #[default]
    Tetrahedral,
}

/// A per-channel 1D LUT over a domain.
#[derive(Debug, Clone, PartialEq)]
pub struct Lut1d {
    /// Number of entries.
    pub size: usize,
    /// Input mapped to the first entry, per channel.
    pub domain_min: [f32; 3],
    /// Input mapped to the last entry, per channel.
    pub domain_max: [f32; 3],
    /// Entries.
    pub table: Vec<[f32; 3]>,
}

/// A 3D colour lookup table over a domain box.
#[derive(Debug, Clone, PartialEq)]
pub struct Lut3d {
    /// Samples per axis.
    pub size: usize,
    /// Input value mapped to the first sample.
    pub domain_min: [f32; 3],
    /// Input value mapped to the last sample.
    pub domain_max: [f32; 3],
    /// `size³` RGB entries, red fastest.
    pub table: Vec<[f32; 3]>,
}

/// A whole `.cube` file: a 1D LUT (or shaper), a 3D LUT, or a shaper followed by a 3D LUT.
#[derive(Debug, Clone, PartialEq)]
pub struct CubeLut {
    /// `TITLE`, if any.
    pub title: Option<String>,
    /// The 1D part (applied first).
    pub shaper: Option<Lut1d>,
    /// The 3D part.
    pub cube: Option<Lut3d>,
}

/// Index of `v` in a table of `n` entries over `[lo, hi]`: base entry and fraction.
/// Out-of-domain and NaN inputs clamp to the ends (as OpenColorIO does).
#[inline(always)]
fn locate(v: f32, lo: f32, hi: f32, n: usize) -> (usize, f32) {
    let last = (n - 1) as f32;
    let x = ((v - lo) * (last / (hi - lo))).max(0.0).min(last);
    let base = (x as usize).min(n - 2);
    (base, x - base as f32)
}

/// A [`Lut3d`] ready for per-pixel use (index scales hoisted out of the pixel loop).
#[derive(Debug, Clone, Copy)]
pub struct PreparedLut3d<'a> {
    n: usize,
    lo: [f32; 3],
    scale: [f32; 3],
    last: f32,
    table: &'a [[f32; 3]],
}

impl PreparedLut3d<'_> {
    /// Size, domain start, index scale, last index and table, for vector kernels.
    #[cfg(target_arch = "x86_64")]
    pub(crate) fn parts(&self) -> (usize, [f32; 3], [f32; 3], f32, &[[f32; 3]]) {
        (self.n, self.lo, self.scale, self.last, self.table)
    }

    #[inline(always)]
    fn locate(&self, v: f32, c: usize) -> (usize, f32) {
        // Same operations as `locate`, in the same order, so results are bit-identical.
        let x = ((v - self.lo[c]) * self.scale[c]).max(0.0).min(self.last);
        let base = (x as usize).min(self.n - 2);
        (base, x - base as f32)
    }

    /// Looks up one colour.
    #[inline(always)]
    pub fn apply(&self, rgb: [f32; 3], interp: Interp) -> [f32; 3] {
        let n = self.n;
        let (ri, fr) = self.locate(rgb[0], 0);
        let (gi, fg) = self.locate(rgb[1], 1);
        let (bi, fb) = self.locate(rgb[2], 2);
        let (sr, sg, sb) = (1, n, n * n);
        let base = ri + n * (gi + n * bi);
        // The whole cell must exist; one check here lets the fetches below go unchecked.
        let cell = &self.table[base..=base + sr + sg + sb];
        let at = |o: usize| cell[o];
        match interp {
            Interp::Trilinear => {
                let (c000, c100, c010, c110) = (at(0), at(sr), at(sg), at(sr + sg));
                let (c001, c101, c011, c111) = (at(sb), at(sr + sb), at(sg + sb), at(sr + sg + sb));
                std::array::from_fn(|c| {
                    let x00 = c000[c] + fr * (c100[c] - c000[c]);
                    let x10 = c010[c] + fr * (c110[c] - c010[c]);
                    let x01 = c001[c] + fr * (c101[c] - c001[c]);
                    let x11 = c011[c] + fr * (c111[c] - c011[c]);
                    let y0 = x00 + fg * (x10 - x00);
                    let y1 = x01 + fg * (x11 - x01);
                    y0 + fb * (y1 - y0)
                })
            }
            Interp::Tetrahedral => {
                // The tetrahedron is chosen by the order of the fractions; each has
                // weights (1 - f_max, f_max - f_mid, f_mid - f_min, f_min).
                let (w, a, b) = if fr > fg {
                    if fg > fb {
                        ([1.0 - fr, fr - fg, fg - fb, fb], sr, sr + sg)
                    } else if fr > fb {
                        ([1.0 - fr, fr - fb, fb - fg, fg], sr, sr + sb)
                    } else {
                        ([1.0 - fb, fb - fr, fr - fg, fg], sb, sr + sb)
                    }
                } else if fb > fg {
                    ([1.0 - fb, fb - fg, fg - fr, fr], sb, sg + sb)
                } else if fb > fr {
                    ([1.0 - fg, fg - fb, fb - fr, fr], sg, sg + sb)
                } else {
                    ([1.0 - fg, fg - fr, fr - fb, fb], sg, sr + sg)
                };
                let (c000, ca, cb, c111) = (at(0), at(a), at(b), at(sr + sg + sb));
                std::array::from_fn(|c| {
                    w[0] * c000[c] + w[1] * ca[c] + w[2] * cb[c] + w[3] * c111[c]
                })
            }
        }
    }
}

impl Lut1d {
    /// Looks up each channel with linear interpolation.
    #[inline]
    pub fn apply(&self, rgb: [f32; 3]) -> [f32; 3] {
        std::array::from_fn(|c| {
            let (i, f) = locate(rgb[c], self.domain_min[c], self.domain_max[c], self.size);
            let (a, b) = (self.table[i][c], self.table[i + 1][c]);
            a + f * (b - a)
        })
    }
}

impl Lut3d {
    /// The identity table of `n`³ entries over [0, 1].
    pub fn identity(n: usize) -> Self {
        let k = (n - 1) as f32;
        Self {
            size: n,
            domain_min: [0.0; 3],
            domain_max: [1.0; 3],
            table: (0..n * n * n)
                .map(|i| {
                    [
                        (i % n) as f32 / k,
                        ((i / n) % n) as f32 / k,
                        (i / (n * n)) as f32 / k,
                    ]
                })
                .collect(),
        }
    }

    /// Looks up one colour.
    #[inline]
    pub fn apply(&self, rgb: [f32; 3], interp: Interp) -> [f32; 3] {
        self.prepare().apply(rgb, interp)
    }

    /// The table with its per-channel index scale precomputed, for per-pixel loops.
    pub fn prepare(&self) -> PreparedLut3d<'_> {
        let last = (self.size - 1) as f32;
        PreparedLut3d {
            n: self.size,
            lo: self.domain_min,
            scale: std::array::from_fn(|c| last / (self.domain_max[c] - self.domain_min[c])),
            last,
            table: &self.table,
        }
    }

    /// Serialises to `.cube` text (Iridas layout).
    pub fn to_cube(&self, title: &str) -> String {
        let mut s = format!("TITLE \"{title}\"\nLUT_3D_SIZE {}\n", self.size);
        let d = |v: [f32; 3]| format!("{:.6} {:.6} {:.6}", v[0], v[1], v[2]);
        s += &format!(
            "DOMAIN_MIN {}\nDOMAIN_MAX {}\n",
            d(self.domain_min),
            d(self.domain_max)
        );
        for e in &self.table {
            s += &d(*e);
            s.push('\n');
        }
        s
    }
}

pub use livingfilm_core::untrusted::MAX_CUBE_BYTES;

impl CubeLut {
    /// Reads a `.cube` file (a regular file of at most [`MAX_CUBE_BYTES`]).
    pub fn load(path: &Path) -> Result<Self, LutError> {
        let bytes = read_bounded(path, MAX_CUBE_BYTES).map_err(|source| LutError::Io {
            path: path.to_owned(),
            source,
        })?;
        let text = String::from_utf8(bytes).map_err(|_| LutError::File {
            path: path.to_owned(),
            problem: "not a text file (.cube files are ASCII)".into(),
        })?;
        parse_cube(&text, path)
    }

    /// Applies the shaper then the 3D table to one colour.
    #[inline]
    pub fn apply(&self, rgb: [f32; 3], interp: Interp) -> [f32; 3] {
        let mut c = rgb;
        if let Some(s) = &self.shaper {
            c = s.apply(c);
        }
        if let Some(l) = &self.cube {
            c = l.apply(c, interp);
        }
        c
    }

    /// The whole transform resampled into one `n`³ 3D table over [0, 1] (for the GPU path
    /// of the player, which takes a single table).
    pub fn bake(&self, n: usize, interp: Interp) -> Lut3d {
        let mut lut = Lut3d::identity(n);
        for e in &mut lut.table {
            *e = self.apply(*e, interp);
        }
        lut
    }
}

/// Parses `.cube` text; `path` is used only in messages.
pub fn parse_cube(text: &str, path: &Path) -> Result<CubeLut, LutError> {
    let line_err = |line: usize, problem: String| LutError::Line {
        path: path.to_owned(),
        line,
        problem,
    };
    let mut title = None;
    let (mut size1, mut size3) = (None::<usize>, None::<usize>);
    let (mut dmin, mut dmax) = (None::<[f32; 3]>, None::<[f32; 3]>);
    let (mut range1, mut range3) = (None::<[f32; 2]>, None::<[f32; 2]>);
    let mut rows: Vec<[f32; 3]> = Vec::new();
    for (idx, raw) in text.lines().enumerate() {
        let no = idx + 1;
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut words = line.split_whitespace();
        let key = words.next().unwrap_or_default();
        let rest: Vec<&str> = words.collect();
        let numbers = |rest: &[&str], want: usize| -> Result<Vec<f32>, LutError> {
            if rest.len() != want {
                return Err(line_err(
                    no,
                    format!("expected {want} numbers, found {}", rest.len()),
                ));
            }
            rest.iter()
                .map(|w| {
                    w.parse::<f32>()
                        .ok()
                        .filter(|x| x.is_finite())
                        .ok_or_else(|| {
                            line_err(no, format!("`{}` is not a finite number", excerpt(w)))
                        })
                })
                .collect()
        };
        let keyword_after_data = |k: &str| {
            if rows.is_empty() {
                Ok(())
            } else {
                Err(line_err(no, format!("{k} after the table data started")))
            }
        };
        let size = |rest: &[&str], max: usize| -> Result<usize, LutError> {
            let n: usize = rest
                .first()
                .filter(|_| rest.len() == 1)
                .and_then(|w| w.parse().ok())
                .ok_or_else(|| line_err(no, format!("{key} needs one integer")))?;
            if (2..=max).contains(&n) {
                Ok(n)
            } else {
                Err(line_err(no, format!("{key} {n} outside 2..={max}")))
            }
        };
        match key {
            "TITLE" => {
                keyword_after_data(key)?;
                title = Some(line[5..].trim().trim_matches('"').to_owned());
            }
            "LUT_1D_SIZE" => {
                keyword_after_data(key)?;
                size1 = Some(size(&rest, 65_536)?);
            }
            "LUT_3D_SIZE" => {
                keyword_after_data(key)?;
                size3 = Some(size(&rest, 256)?);
            }
            "DOMAIN_MIN" | "DOMAIN_MAX" => {
                keyword_after_data(key)?;
                let v = numbers(&rest, 3)?;
                let v = [v[0], v[1], v[2]];
                if key == "DOMAIN_MIN" {
                    dmin = Some(v);
                } else {
                    dmax = Some(v);
                }
            }
            "LUT_1D_INPUT_RANGE" | "LUT_3D_INPUT_RANGE" => {
                keyword_after_data(key)?;
                let v = numbers(&rest, 2)?;
                if v[1] <= v[0] {
                    return Err(line_err(
                        no,
                        format!("{key}: max {} must exceed min {}", v[1], v[0]),
                    ));
                }
                if key == "LUT_1D_INPUT_RANGE" {
                    range1 = Some([v[0], v[1]]);
                } else {
                    range3 = Some([v[0], v[1]]);
                }
            }
            _ if key.starts_with(|c: char| c.is_ascii_digit() || matches!(c, '-' | '+' | '.')) => {
                if size1.is_none() && size3.is_none() {
                    return Err(line_err(
                        no,
                        "table data before LUT_1D_SIZE or LUT_3D_SIZE".into(),
                    ));
                }
                let mut all = vec![key];
                all.extend(rest);
                let v = numbers(&all, 3)?;
                rows.push([v[0], v[1], v[2]]);
            }
            _ => return Err(line_err(no, format!("unknown keyword `{}`", excerpt(key)))),
        }
    }
    let file_err = |problem: String| LutError::File {
        path: path.to_owned(),
        problem,
    };
    let n1 = size1.unwrap_or(0);
    let n3 = size3.map_or(0, |n| n * n * n);
    if n1 + n3 == 0 {
        return Err(file_err("no LUT_1D_SIZE or LUT_3D_SIZE line".into()));
    }
    if rows.len() != n1 + n3 {
        return Err(file_err(format!(
            "table has {} rows, the declared sizes need {} ({n1} 1D + {n3} 3D)",
            rows.len(),
            n1 + n3
        )));
    }
    let domain = |range: Option<[f32; 2]>| -> Result<([f32; 3], [f32; 3]), LutError> {
        let (lo, hi) = match range {
            Some([a, b]) => ([a; 3], [b; 3]),
            None => (dmin.unwrap_or([0.0; 3]), dmax.unwrap_or([1.0; 3])),
        };
        if (0..3).any(|c| hi[c] <= lo[c]) {
            return Err(file_err(format!(
                "domain max {hi:?} must exceed min {lo:?} on every channel"
            )));
        }
        Ok((lo, hi))
    };
    let shaper = match size1 {
        Some(size) => {
            let (domain_min, domain_max) = domain(range1)?;
            Some(Lut1d {
                size,
                domain_min,
                domain_max,
                table: rows[..n1].to_vec(),
            })
        }
        None => None,
    };
    let cube = match size3 {
        Some(size) => {
            let (domain_min, domain_max) = domain(range3)?;
            Some(Lut3d {
                size,
                domain_min,
                domain_max,
                table: rows[n1..].to_vec(),
            })
        }
        None => None,
    };
    Ok(CubeLut {
        title,
        shaper,
        cube,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_round_trips_and_interpolations_agree_on_it() {
        let lut = Lut3d::identity(5);
        let back = parse_cube(&lut.to_cube("id"), Path::new("id.cube")).unwrap();
        assert_eq!(back.cube.as_ref(), Some(&lut));
        assert_eq!(back.title.as_deref(), Some("id"));
        for interp in [Interp::Trilinear, Interp::Tetrahedral] {
            let v = back.apply([0.3, 0.62, 0.91], interp);
            for (a, b) in v.iter().zip([0.3, 0.62, 0.91]) {
                assert!((a - b).abs() < 1e-6, "{interp:?}");
            }
        }
        // Out of domain clamps; NaN maps to the first entry instead of poisoning the frame.
        assert_eq!(
            lut.apply([2.0, -1.0, f32::NAN], Interp::Tetrahedral),
            [1.0, 0.0, 0.0]
        );
    }

    #[test]
    fn reads_shaper_and_crlf() {
        let text = "TITLE \"s\"\r\nLUT_1D_SIZE 2\r\nLUT_1D_INPUT_RANGE 0 2\r\nLUT_3D_SIZE 2\r\n0 0 0\r\n2 2 2\r\n\
                    0 0 0\r\n1 0 0\r\n0 1 0\r\n1 1 0\r\n0 0 1\r\n1 0 1\r\n0 1 1\r\n1 1 1\r\n";
        let lut = parse_cube(text, Path::new("s.cube")).unwrap();
        assert_eq!(lut.shaper.as_ref().unwrap().domain_max, [2.0; 3]);
        // Shaper maps 0.5 of [0, 2] to 0.5, the identity cube keeps it.
        let v = lut.apply([0.5, 1.0, 1.5], Interp::Trilinear);
        assert!(
            (v[0] - 0.5).abs() < 1e-6 && (v[1] - 1.0).abs() < 1e-6 && (v[2] - 1.0).abs() < 1e-6,
            "{v:?}"
        );
    }

    #[test]
    fn errors_name_lines() {
        let p = Path::new("x.cube");
        let e = parse_cube("LUT_3D_SIZE 2\n0 0 0\n1 1\n", p)
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("x.cube:3:"), "{e}");
        let e = parse_cube("LUT_3D_SIZE 1\n", p).unwrap_err().to_string();
        assert!(e.contains("outside"), "{e}");
        let e = parse_cube("LUT_3D_SIZE 2\n0 0 0\n", p)
            .unwrap_err()
            .to_string();
        assert!(e.contains("need 8"), "{e}");
        assert!(parse_cube("0 0 0\n", p).is_err());
        assert!(parse_cube("LUT_3D_SIZE 2\nnan 0 0\n", p).is_err());
        let e = parse_cube("LUT_1D_SIZE 2\n1e39 0 0\n0 0 0\n", p)
            .unwrap_err()
            .to_string();
        assert!(e.contains("x.cube:2:") && e.contains("finite"), "{e}");
        let e = parse_cube("LUT_1D_SIZE 2\n0 0 0\nLUT_3D_SIZE 2\n", p)
            .unwrap_err()
            .to_string();
        assert!(e.contains("after the table data"), "{e}");
        let e = parse_cube(
            "LUT_1D_SIZE 2\nDOMAIN_MIN 1 0 0\nDOMAIN_MAX 0 1 1\n0 0 0\n1 1 1\n",
            p,
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("domain"), "{e}");
    }
}
