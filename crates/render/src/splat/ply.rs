//! 3D Gaussian Splatting `.ply` captures (the reference implementation's layout, as
//! written by Polycam, Luma, SuperSplat and nerfstudio's splatfacto): a binary
//! little-endian `vertex` element with `x y z`, `f_dc_0..2`, `f_rest_*` (SH degree 0..3,
//! channel-major), `opacity` (logit), `scale_0..2` (log) and `rot_0..3` (quaternion
//! w, x, y, z, unnormalised). Other properties (`nx ny nz`, …) are skipped.

use std::path::{Path, PathBuf};

/// Most splats one file may declare (about 12 GB of f32 attributes at degree 3).
pub const MAX_SPLATS: usize = 50_000_000;
const MAX_HEADER: usize = 64 * 1024;

/// Why a `.ply` could not be read.
#[derive(Debug, thiserror::Error)]
pub enum PlyError {
    /// The file could not be read.
    #[error("cannot read {path}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The bytes are not a splat `.ply` this reader takes.
    #[error("{path}: {problem}")]
    Invalid { path: PathBuf, problem: String },
    /// The bytes are not a splat `.ply` this reader takes: what [`Splats::from_bytes`]
    /// says, knowing no file ([`Splats::load`] names it as [`PlyError::Invalid`]). The
    /// problems are many and one-off (a header line, a property, a splat), so they are
    /// described rather than enumerated.
    #[error("{0}")]
    Malformed(String),
}

/// Gaussians in memory, activated: positions, linear scales, unit rotations, opacity 0..1.
#[derive(Debug, Clone, PartialEq)]
pub struct Splats {
    /// Centres, scene units.
    pub positions: Vec<[f32; 3]>,
    /// Standard deviations along the local axes (`exp(scale_i)`).
    pub scales: Vec<[f32; 3]>,
    /// Unit quaternions (w, x, y, z).
    pub rotations: Vec<[f32; 4]>,
    /// Opacity 0..1 (`sigmoid(opacity)`).
    pub opacities: Vec<f32>,
    /// SH degree 0..=3.
    pub sh_degree: u32,
    /// Per splat `3 × (degree + 1)²` coefficients: red 0.., then green, then blue.
    pub sh: Vec<f32>,
}

/// One property of the vertex element: its name, byte offset and scalar type.
#[derive(Debug, Clone)]
struct Property {
    name: String,
    offset: usize,
    kind: Scalar,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Scalar {
    I8,
    U8,
    I16,
    U16,
    I32,
    U32,
    F32,
    F64,
}

impl Scalar {
    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "char" | "int8" => Self::I8,
            "uchar" | "uint8" => Self::U8,
            "short" | "int16" => Self::I16,
            "ushort" | "uint16" => Self::U16,
            "int" | "int32" => Self::I32,
            "uint" | "uint32" => Self::U32,
            "float" | "float32" => Self::F32,
            "double" | "float64" => Self::F64,
            _ => return None,
        })
    }

    fn size(self) -> usize {
        match self {
            Self::I8 | Self::U8 => 1,
            Self::I16 | Self::U16 => 2,
            Self::I32 | Self::U32 | Self::F32 => 4,
            Self::F64 => 8,
        }
    }

    fn read(self, b: &[u8]) -> f32 {
        match self {
            Self::I8 => b[0] as i8 as f32,
            Self::U8 => b[0] as f32,
            Self::I16 => i16::from_le_bytes([b[0], b[1]]) as f32,
            Self::U16 => u16::from_le_bytes([b[0], b[1]]) as f32,
            Self::I32 => i32::from_le_bytes([b[0], b[1], b[2], b[3]]) as f32,
            Self::U32 => u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as f32,
            Self::F32 => f32::from_le_bytes([b[0], b[1], b[2], b[3]]),
            Self::F64 => {
                f64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]) as f32
            }
        }
    }
}

/// The vertex element's layout and where its records start.
struct Header {
    count: usize,
    stride: usize,
    properties: Vec<Property>,
    body: usize,
}

fn parse_header(b: &[u8]) -> Result<Header, PlyError> {
    let end = b
        .windows(11)
        .take(MAX_HEADER)
        .position(|w| w == b"end_header\n")
        .ok_or_else(|| {
            PlyError::Malformed("no `end_header` line in the first 64 KiB: not a .ply file".into())
        })?;
    let text = std::str::from_utf8(&b[..end])
        .map_err(|_| PlyError::Malformed("header is not ASCII text".into()))?;
    let mut lines = text.lines().enumerate();
    if lines.next().map(|(_, l)| l.trim()) != Some("ply") {
        return Err(PlyError::Malformed("missing the `ply` magic line".into()));
    }
    let (mut count, mut stride, mut properties) = (None, 0usize, Vec::new());
    let mut in_vertex = false;
    let mut format_seen = false;
    for (n, line) in lines {
        let at = n + 1;
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["format", "binary_little_endian", "1.0"] => format_seen = true,
            ["format", other, ..] => {
                return Err(PlyError::Malformed(format!(
                    "header line {at}: format `{other}` is not supported (binary_little_endian 1.0 only)"
                )))
            }
            ["comment", ..] | ["obj_info", ..] | [] => {}
            ["element", "vertex", n] => {
                if count.is_some() {
                    return Err(PlyError::Malformed(format!("header line {at}: a second `vertex` element")));
                }
                let c: usize = n
                    .parse()
                    .map_err(|_| PlyError::Malformed(format!("header line {at}: vertex count `{n}` is not a number")))?;
                if c == 0 || c > MAX_SPLATS {
                    return Err(PlyError::Malformed(format!(
                        "header line {at}: {c} splats; 1..={MAX_SPLATS} supported"
                    )));
                }
                count = Some(c);
                in_vertex = true;
            }
            ["element", name, _] => {
                if count.is_none() {
                    return Err(PlyError::Malformed(format!(
                        "header line {at}: element `{name}` before `vertex` is not supported"
                    )));
                }
                in_vertex = false; // later elements are ignored
            }
            ["property", "list", ..] if in_vertex => {
                return Err(PlyError::Malformed(format!(
                    "header line {at}: list properties in `vertex` are not a splat layout"
                )))
            }
            ["property", kind, name] if in_vertex => {
                let kind = Scalar::parse(kind).ok_or_else(|| {
                    PlyError::Malformed(format!("header line {at}: unknown property type `{kind}`"))
                })?;
                if properties.iter().any(|p: &Property| p.name == *name) {
                    return Err(PlyError::Malformed(format!("header line {at}: property `{name}` appears twice")));
                }
                properties.push(Property {
                    name: name.to_string(),
                    offset: stride,
                    kind,
                });
                stride += kind.size();
            }
            ["property", ..] => {}
            _ => return Err(PlyError::Malformed(format!("header line {at}: cannot read `{line}`"))),
        }
    }
    if !format_seen {
        return Err(PlyError::Malformed(
            "no `format binary_little_endian 1.0` line".into(),
        ));
    }
    let count =
        count.ok_or_else(|| PlyError::Malformed("no `element vertex` in the header".into()))?;
    Ok(Header {
        count,
        stride,
        properties,
        body: end + 11,
    })
}

fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

impl Splats {
    /// Reads and validates a splat `.ply` file (a regular file of at most
    /// [`MAX_SCENE_BYTES`](crate::MAX_SCENE_BYTES)).
    pub fn load(path: &Path) -> Result<Self, PlyError> {
        let bytes = livingfilm_core::untrusted::read_bounded(path, crate::MAX_SCENE_BYTES)
            .map_err(|source| PlyError::Io {
                path: path.to_owned(),
                source,
            })?;
        Self::from_bytes(&bytes).map_err(|e| match e {
            PlyError::Malformed(problem) => PlyError::Invalid {
                path: path.to_owned(),
                problem: livingfilm_core::untrusted::shorten_quotes(&problem),
            },
            other => other,
        })
    }

    /// Parses a splat `.ply`; the error ([`PlyError::Malformed`]) says what is wrong.
    pub fn from_bytes(b: &[u8]) -> Result<Self, PlyError> {
        let h = parse_header(b)?;
        let find = |name: &str| -> Result<&Property, PlyError> {
            h.properties
                .iter()
                .find(|p| p.name == name)
                .ok_or_else(|| PlyError::Malformed(format!("vertex property `{name}` is missing")))
        };
        let n_rest = h
            .properties
            .iter()
            .filter(|p| p.name.starts_with("f_rest_"))
            .count();
        let sh_degree = match n_rest {
            0 => 0,
            9 => 1,
            24 => 2,
            45 => 3,
            other => {
                return Err(PlyError::Malformed(format!(
                    "{other} `f_rest_*` properties; 0, 9, 24 or 45 (SH degree 0..3) expected"
                )))
            }
        };
        let mut fields = Vec::new();
        for name in ["x", "y", "z", "f_dc_0", "f_dc_1", "f_dc_2", "opacity"] {
            fields.push(find(name)?);
        }
        for name in [
            "scale_0", "scale_1", "scale_2", "rot_0", "rot_1", "rot_2", "rot_3",
        ] {
            fields.push(find(name)?);
        }
        let rest: Vec<&Property> = (0..n_rest)
            .map(|i| find(&format!("f_rest_{i}")))
            .collect::<Result<_, _>>()?;
        let need = h
            .count
            .checked_mul(h.stride)
            .ok_or_else(|| PlyError::Malformed("vertex data size overflows".into()))?;
        let body = &b[h.body..];
        if body.len() < need {
            return Err(PlyError::Malformed(format!(
                "truncated: {} splats of {} bytes need {need} bytes, the file has {}",
                h.count,
                h.stride,
                body.len()
            )));
        }
        let per = 3 * ((sh_degree + 1) * (sh_degree + 1)) as usize;
        let coeffs = per / 3;
        let mut s = Self {
            positions: Vec::with_capacity(h.count),
            scales: Vec::with_capacity(h.count),
            rotations: Vec::with_capacity(h.count),
            opacities: Vec::with_capacity(h.count),
            sh_degree,
            sh: Vec::with_capacity(h.count * per),
        };
        for (i, rec) in body[..need].chunks_exact(h.stride).enumerate() {
            let get = |p: &Property| p.kind.read(&rec[p.offset..]);
            let v: Vec<f32> = fields.iter().map(|p| get(p)).collect();
            if let Some(k) = v.iter().position(|x| !x.is_finite()) {
                return Err(PlyError::Malformed(format!(
                    "splat {i}: `{}` is not finite",
                    fields[k].name
                )));
            }
            let q = [v[10], v[11], v[12], v[13]];
            let norm = q.iter().map(|x| x * x).sum::<f32>().sqrt();
            if norm.is_nan() || norm <= 1e-12 {
                return Err(PlyError::Malformed(format!(
                    "splat {i}: rotation quaternion is zero"
                )));
            }
            let scale = [v[7], v[8], v[9]].map(f32::exp);
            if scale.iter().any(|x| !x.is_finite()) {
                return Err(PlyError::Malformed(format!(
                    "splat {i}: scale overflows after exp"
                )));
            }
            s.positions.push([v[0], v[1], v[2]]);
            s.opacities.push(sigmoid(v[6]));
            s.scales.push(scale);
            s.rotations.push(q.map(|x| x / norm));
            for c in 0..3 {
                s.sh.push(v[3 + c]);
                for k in 0..coeffs - 1 {
                    let x = get(rest[c * (coeffs - 1) + k]);
                    if !x.is_finite() {
                        return Err(PlyError::Malformed(format!(
                            "splat {i}: `f_rest_{}` is not finite",
                            c * (coeffs - 1) + k
                        )));
                    }
                    s.sh.push(x);
                }
            }
        }
        Ok(s)
    }

    /// Number of splats.
    pub fn len(&self) -> usize {
        self.positions.len()
    }

    /// Whether there are none (never true for a loaded file).
    pub fn is_empty(&self) -> bool {
        self.positions.is_empty()
    }

    /// Axis-aligned box of the centres.
    pub fn bounds(&self) -> ([f32; 3], [f32; 3]) {
        let mut lo = [f32::INFINITY; 3];
        let mut hi = [f32::NEG_INFINITY; 3];
        for p in &self.positions {
            for a in 0..3 {
                lo[a] = lo[a].min(p[a]);
                hi[a] = hi[a].max(p[a]);
            }
        }
        (lo, hi)
    }

    /// Bytes of the attributes in memory (f32).
    pub fn memory_bytes(&self) -> usize {
        4 * (self.len() * (3 + 3 + 4 + 1) + self.sh.len())
    }
}
