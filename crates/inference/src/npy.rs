//! NumPy `.npy` files (format versions 1–3, C order, little-endian), so OEM engineers can
//! compare `livingfilm model run` with Python onnxruntime on identical tensors.

use std::path::{Path, PathBuf};

const MAGIC: &[u8; 6] = b"\x93NUMPY";

/// Why a `.npy` file was refused.
#[derive(Debug, thiserror::Error)]
pub enum NpyError {
    /// The file could not be read or written.
    #[error("cannot access {path}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The bytes are not a supported `.npy` array.
    #[error("{path}: {problem}")]
    Invalid { path: PathBuf, problem: String },
    /// The bytes are not a supported `.npy` array: what [`NpyArray::from_bytes`] says,
    /// knowing no file ([`NpyArray::load`] names it as [`NpyError::Invalid`]). The
    /// problems are many and one-off (a header key, the dtype, the size), so they are
    /// described rather than enumerated.
    #[error("{0}")]
    Malformed(String),
}

/// Element data of an array, by dtype.
#[derive(Debug, Clone, PartialEq)]
pub enum NpyData {
    /// `<f4`
    F32(Vec<f32>),
    /// `<f8`
    F64(Vec<f64>),
    /// `<i8`
    I64(Vec<i64>),
    /// `<i4`
    I32(Vec<i32>),
    /// `|u1`
    U8(Vec<u8>),
    /// `|b1`
    Bool(Vec<bool>),
}

impl NpyData {
    /// NumPy dtype string.
    pub fn descr(&self) -> &'static str {
        match self {
            Self::F32(_) => "<f4",
            Self::F64(_) => "<f8",
            Self::I64(_) => "<i8",
            Self::I32(_) => "<i4",
            Self::U8(_) => "|u1",
            Self::Bool(_) => "|b1",
        }
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        match self {
            Self::F32(v) => v.len(),
            Self::F64(v) => v.len(),
            Self::I64(v) => v.len(),
            Self::I32(v) => v.len(),
            Self::U8(v) => v.len(),
            Self::Bool(v) => v.len(),
        }
    }

    /// Whether there are no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn to_le_bytes(&self) -> Vec<u8> {
        match self {
            Self::F32(v) => v.iter().flat_map(|x| x.to_le_bytes()).collect(),
            Self::F64(v) => v.iter().flat_map(|x| x.to_le_bytes()).collect(),
            Self::I64(v) => v.iter().flat_map(|x| x.to_le_bytes()).collect(),
            Self::I32(v) => v.iter().flat_map(|x| x.to_le_bytes()).collect(),
            Self::U8(v) => v.clone(),
            Self::Bool(v) => v.iter().map(|&b| b as u8).collect(),
        }
    }
}

/// An n-dimensional array as stored in a `.npy` file.
#[derive(Debug, Clone, PartialEq)]
pub struct NpyArray {
    /// Dimensions (empty for a scalar).
    pub shape: Vec<usize>,
    /// Elements in C order.
    pub data: NpyData,
}

fn chunks<const N: usize, T>(body: &[u8], f: fn([u8; N]) -> T) -> Vec<T> {
    body.chunks_exact(N)
        .map(|c| {
            let mut a = [0u8; N];
            a.copy_from_slice(c);
            f(a)
        })
        .collect()
}

/// Extracts `'key': value` from the header dict (values never contain `'` except strings).
fn header_value<'a>(header: &'a str, key: &str) -> Option<&'a str> {
    let at = header.find(&format!("'{key}'"))? + key.len() + 2;
    let rest = header[at..].trim_start().strip_prefix(':')?.trim_start();
    if let Some(inner) = rest.strip_prefix('(') {
        return inner.find(')').map(|e| &inner[..e]);
    }
    if let Some(inner) = rest.strip_prefix('\'') {
        return inner.find('\'').map(|e| &inner[..e]);
    }
    rest.find([',', '}']).map(|e| rest[..e].trim())
}

/// Largest `.npy` file read, bytes.
pub const MAX_NPY_BYTES: u64 = 1 << 30;

impl NpyArray {
    /// Parses `.npy` bytes; the error ([`NpyError::Malformed`]) says what is wrong.
    pub fn from_bytes(b: &[u8]) -> Result<Self, NpyError> {
        if b.len() < 10 || &b[..6] != MAGIC {
            return Err(NpyError::Malformed("not a .npy file (bad magic)".into()));
        }
        let (header_len, start): (usize, usize) = match b[6] {
            1 => (u16::from_le_bytes([b[8], b[9]]) as usize, 10),
            2 | 3 if b.len() >= 12 => (u32::from_le_bytes([b[8], b[9], b[10], b[11]]) as usize, 12),
            v => {
                return Err(NpyError::Malformed(format!(
                    "unsupported .npy format version {v}"
                )))
            }
        };
        let end = start
            .checked_add(header_len)
            .filter(|&e| e <= b.len())
            .ok_or_else(|| NpyError::Malformed("truncated header".into()))?;
        let header = std::str::from_utf8(&b[start..end])
            .map_err(|_| NpyError::Malformed("header is not text".into()))?;
        let descr = header_value(header, "descr")
            .ok_or_else(|| NpyError::Malformed("header lacks 'descr'".into()))?;
        if header_value(header, "fortran_order") != Some("False") {
            return Err(NpyError::Malformed(
                "only C-order arrays are supported (fortran_order must be False)".into(),
            ));
        }
        let shape_text = header_value(header, "shape")
            .ok_or_else(|| NpyError::Malformed("header lacks 'shape'".into()))?;
        let shape = shape_text
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| {
                s.parse::<usize>()
                    .map_err(|_| NpyError::Malformed(format!("bad dimension `{s}` in shape")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let count = shape
            .iter()
            .try_fold(1usize, |acc, &d| acc.checked_mul(d))
            .ok_or_else(|| NpyError::Malformed("shape overflows".into()))?;
        let body = &b[end..];
        let width = match descr {
            "<f4" | "<i4" => 4,
            "<f8" | "<i8" => 8,
            "|u1" | "|b1" => 1,
            other => return Err(NpyError::Malformed(format!("unsupported dtype `{other}` (use float32/64, int32/64, uint8 or bool, little-endian)"))),
        };
        let need = count
            .checked_mul(width)
            .ok_or_else(|| NpyError::Malformed("shape overflows".into()))?;
        if body.len() != need {
            return Err(NpyError::Malformed(format!(
                "data is {} bytes, shape {shape:?} of {descr} needs {need}",
                body.len()
            )));
        }
        let data = match descr {
            "<f4" => NpyData::F32(chunks(body, f32::from_le_bytes)),
            "<f8" => NpyData::F64(chunks(body, f64::from_le_bytes)),
            "<i4" => NpyData::I32(chunks(body, i32::from_le_bytes)),
            "<i8" => NpyData::I64(chunks(body, i64::from_le_bytes)),
            "|u1" => NpyData::U8(body.to_vec()),
            _ => NpyData::Bool(body.iter().map(|&v| v != 0).collect()),
        };
        Ok(Self { shape, data })
    }

    /// Reads a `.npy` file (a regular file of at most [`MAX_NPY_BYTES`]).
    pub fn load(path: &Path) -> Result<Self, NpyError> {
        let bytes =
            livingfilm_core::untrusted::read_bounded(path, MAX_NPY_BYTES).map_err(|source| {
                NpyError::Io {
                    path: path.to_owned(),
                    source,
                }
            })?;
        Self::from_bytes(&bytes).map_err(|e| match e {
            NpyError::Malformed(problem) => NpyError::Invalid {
                path: path.to_owned(),
                problem: livingfilm_core::untrusted::shorten_quotes(&problem),
            },
            other => other,
        })
    }

    /// Serialises as a version 1.0 `.npy`.
    pub fn to_bytes(&self) -> Vec<u8> {
        let shape = match self.shape.len() {
            1 => format!("({},)", self.shape[0]),
            _ => format!(
                "({})",
                self.shape
                    .iter()
                    .map(usize::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        let mut header = format!(
            "{{'descr': '{}', 'fortran_order': False, 'shape': {shape}, }}",
            self.data.descr()
        );
        // Pad so that the data starts on a 64-byte boundary; the header ends with '\n'.
        while (10 + header.len() + 1) % 64 != 0 {
            header.push(' ');
        }
        header.push('\n');
        let mut out = Vec::with_capacity(10 + header.len() + self.data.len() * 8);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&[1, 0]);
        out.extend_from_slice(&(header.len() as u16).to_le_bytes());
        out.extend_from_slice(header.as_bytes());
        out.extend_from_slice(&self.data.to_le_bytes());
        out
    }

    /// Writes a `.npy` file.
    pub fn save(&self, path: &Path) -> Result<(), NpyError> {
        std::fs::write(path, self.to_bytes()).map_err(|source| NpyError::Io {
            path: path.to_owned(),
            source,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_every_dtype() {
        for data in [
            NpyData::F32(vec![1.5, -2.0, 3.25, 0.0, 1e-7, 9.0]),
            NpyData::F64(vec![1.5, -2.0, 3.25, 0.0, 1e-7, 9.0]),
            NpyData::I64(vec![1, -2, 3, 0, i64::MAX, 9]),
            NpyData::I32(vec![1, -2, 3, 0, i32::MIN, 9]),
            NpyData::U8(vec![1, 2, 3, 0, 255, 9]),
            NpyData::Bool(vec![true, false, true, true, false, false]),
        ] {
            let a = NpyArray {
                shape: vec![2, 3],
                data,
            };
            let bytes = a.to_bytes();
            assert_eq!(
                bytes[10..]
                    .iter()
                    .position(|&b| b == b'\n')
                    .map(|p| (p + 11) % 64),
                Some(0)
            );
            assert_eq!(NpyArray::from_bytes(&bytes).unwrap(), a);
        }
        let v = NpyArray {
            shape: vec![4],
            data: NpyData::F32(vec![0.0; 4]),
        };
        assert_eq!(NpyArray::from_bytes(&v.to_bytes()).unwrap(), v);
        let s = NpyArray {
            shape: vec![],
            data: NpyData::F64(vec![2.0]),
        };
        assert_eq!(NpyArray::from_bytes(&s.to_bytes()).unwrap(), s);
    }

    #[test]
    fn refuses_damaged_files() {
        let good = NpyArray {
            shape: vec![2, 2],
            data: NpyData::F32(vec![1.0; 4]),
        }
        .to_bytes();
        for cut in [0, 5, 9, 20, good.len() - 1] {
            assert!(NpyArray::from_bytes(&good[..cut]).is_err(), "cut {cut}");
        }
        // Same-length edits of the header keep the declared header length valid.
        let edit = |from: &str, to: &str| {
            let at = good
                .windows(from.len())
                .position(|w| w == from.as_bytes())
                .unwrap();
            let mut b = good.clone();
            b[at..at + from.len()].copy_from_slice(to.as_bytes());
            NpyArray::from_bytes(&b).unwrap_err().to_string()
        };
        assert!(edit("False", "True ").contains("C-order"));
        assert!(edit("<f4", ">f4").contains("dtype"));
        assert!(edit("(2, 2)", "(9, 9)").contains("needs 324"));
        assert!(edit("'shape'", "'shope'").contains("lacks 'shape'"));
    }
}
