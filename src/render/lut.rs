//! Reading 3D LUTs in the Adobe/Resolve `.cube` format (red varies fastest).

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

impl Lut3d {
    /// Reads a `.cube` file.
    pub fn load(path: &Path) -> Result<Self, LutError> {
        let text = std::fs::read_to_string(path).map_err(|source| LutError::Io {
            path: path.to_owned(),
            source,
        })?;
        parse_cube(&text, path)
    }

    /// Trilinear lookup on the CPU (reference for the GPU path).
    pub fn sample(&self, rgb: [f32; 3]) -> [f32; 3] {
        let n = self.size;
        let mut i0 = [0usize; 3];
        let mut fr = [0f32; 3];
        for c in 0..3 {
            let span = self.domain_max[c] - self.domain_min[c];
            let x = ((rgb[c] - self.domain_min[c]) / span).clamp(0.0, 1.0) * (n - 1) as f32;
            let base = (x.floor() as usize).min(n - 2);
            i0[c] = base;
            fr[c] = x - base as f32;
        }
        let at = |r: usize, g: usize, b: usize| self.table[r + n * (g + n * b)];
        let mut out = [0f32; 3];
        for (corner, w) in (0..8).map(|k| {
            let (dr, dg, db) = (k & 1, (k >> 1) & 1, (k >> 2) & 1);
            let w = [dr, dg, db]
                .iter()
                .enumerate()
                .map(|(c, &d)| if d == 1 { fr[c] } else { 1.0 - fr[c] })
                .product::<f32>();
            (at(i0[0] + dr, i0[1] + dg, i0[2] + db), w)
        }) {
            for c in 0..3 {
                out[c] += corner[c] * w;
            }
        }
        out
    }

    /// Serialises to `.cube` text.
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

/// Parses `.cube` text; `path` is used only in messages.
pub fn parse_cube(text: &str, path: &Path) -> Result<Lut3d, LutError> {
    let line_err = |line: usize, problem: String| LutError::Line {
        path: path.to_owned(),
        line,
        problem,
    };
    let mut size = None;
    let mut domain_min = [0.0f32; 3];
    let mut domain_max = [1.0f32; 3];
    let mut table = Vec::new();
    for (idx, raw) in text.lines().enumerate() {
        let no = idx + 1;
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut words = line.split_whitespace();
        let key = words.next().unwrap_or_default();
        let rest: Vec<&str> = words.collect();
        let triple = |rest: &[&str]| -> Result<[f32; 3], LutError> {
            if rest.len() != 3 {
                return Err(line_err(
                    no,
                    format!("expected 3 numbers, found {}", rest.len()),
                ));
            }
            let mut v = [0f32; 3];
            for (o, w) in v.iter_mut().zip(rest) {
                *o = w
                    .parse()
                    .ok()
                    .filter(|x: &f32| x.is_finite())
                    .ok_or_else(|| line_err(no, format!("`{w}` is not a finite number")))?;
            }
            Ok(v)
        };
        match key {
            "TITLE" => {}
            "LUT_3D_SIZE" => {
                let n: usize = rest
                    .first()
                    .and_then(|w| w.parse().ok())
                    .ok_or_else(|| line_err(no, "LUT_3D_SIZE needs an integer".into()))?;
                if !(2..=256).contains(&n) {
                    return Err(line_err(no, format!("LUT_3D_SIZE {n} outside 2..=256")));
                }
                size = Some(n);
                table.reserve(n * n * n);
            }
            "LUT_1D_SIZE" => return Err(line_err(no, "1D LUTs are not supported yet".into())),
            "DOMAIN_MIN" => domain_min = triple(&rest)?,
            "DOMAIN_MAX" => domain_max = triple(&rest)?,
            _ if key.starts_with(|c: char| c.is_ascii_digit() || c == '-' || c == '.') => {
                let mut all = vec![key];
                all.extend(rest);
                if size.is_none() {
                    return Err(line_err(no, "table data before LUT_3D_SIZE".into()));
                }
                table.push(triple(&all)?);
            }
            _ => return Err(line_err(no, format!("unknown keyword `{key}`"))),
        }
    }
    let file_err = |problem: String| LutError::File {
        path: path.to_owned(),
        problem,
    };
    let size = size.ok_or_else(|| file_err("no LUT_3D_SIZE line".into()))?;
    if table.len() != size * size * size {
        return Err(file_err(format!(
            "table has {} entries, LUT_3D_SIZE {size} needs {}",
            table.len(),
            size * size * size
        )));
    }
    if (0..3).any(|c| domain_max[c] <= domain_min[c]) {
        return Err(file_err(
            "DOMAIN_MAX must exceed DOMAIN_MIN on every channel".into(),
        ));
    }
    Ok(Lut3d {
        size,
        domain_min,
        domain_max,
        table,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn identity(n: usize) -> Lut3d {
        let k = (n - 1) as f32;
        let table = (0..n * n * n)
            .map(|i| {
                [
                    (i % n) as f32 / k,
                    ((i / n) % n) as f32 / k,
                    (i / (n * n)) as f32 / k,
                ]
            })
            .collect();
        Lut3d {
            size: n,
            domain_min: [0.0; 3],
            domain_max: [1.0; 3],
            table,
        }
    }

    #[test]
    fn identity_round_trips_through_text() {
        let lut = identity(5);
        let back = parse_cube(&lut.to_cube("id"), Path::new("id.cube")).unwrap();
        assert_eq!(back, lut);
        let v = back.sample([0.3, 0.62, 0.91]);
        for (a, b) in v.iter().zip([0.3, 0.62, 0.91]) {
            assert!((a - b).abs() < 1e-6);
        }
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
        assert!(e.contains("needs 8"), "{e}");
        assert!(parse_cube("0 0 0\n", p).is_err());
        assert!(parse_cube("LUT_3D_SIZE 2\nnan 0 0\n", p).is_err());
    }
}
