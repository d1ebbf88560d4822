//! Which of the kinds of file livingfilm reads a path is: from its first bytes where
//! they say (a PNG named `.wav` is a picture), else its extension, else its text.
//!
//! Why one place: `inspect` describes whatever a film maker points it at, and a file it
//! cannot place must be answered with the kinds it can, not with the audio decoder's
//! "unrecognised format".

use std::io::Read;
use std::path::{Path, PathBuf};

/// A kind of file the player or its tools read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FileKind {
    /// A stem or stinger (`music.stems`, `music.stingers`).
    Audio,
    /// A `.cube` LUT (`grade.looks`, `grade --lut`).
    Lut,
    /// A film manifest (`film.toml`), or a film folder holding one.
    Manifest,
    /// An ONNX model (`--model`, `model …`).
    Model,
    /// A radiance-field grid (`.lfscene`).
    Scene,
    /// A 3D Gaussian splat capture (`.ply`).
    Splats,
    /// The director's sidecar of a capture (`.ply.json`).
    Sidecar,
    /// A picture: sign images, stills (PNG, OpenEXR).
    Image,
    /// A Y4M clip (`grade` input, `play` output).
    Video,
    /// A biometrics replay (CSV or JSON lines).
    Replay,
    /// A NumPy array (`model run` inputs and outputs).
    Npy,
}

impl FileKind {
    /// Every kind, in the order `--help` and errors list them.
    pub const ALL: [FileKind; 11] = [
        FileKind::Audio,
        FileKind::Lut,
        FileKind::Manifest,
        FileKind::Model,
        FileKind::Scene,
        FileKind::Splats,
        FileKind::Sidecar,
        FileKind::Image,
        FileKind::Video,
        FileKind::Replay,
        FileKind::Npy,
    ];

    /// The kind, for a film maker: what it is and how it is usually named.
    pub fn describe(self) -> &'static str {
        match self {
            FileKind::Audio => {
                "audio (WAV, FLAC, Ogg Vorbis, MP3, AAC/M4A, ALAC, AIFF, CAF, MKV/WebM)"
            }
            FileKind::Lut => "LUT (.cube)",
            FileKind::Manifest => "film manifest (film.toml, or a film folder)",
            FileKind::Model => "ONNX model (.onnx)",
            FileKind::Scene => "radiance-field scene (.lfscene)",
            FileKind::Splats => "Gaussian-splat capture (.ply)",
            FileKind::Sidecar => "splat sidecar (.ply.json)",
            FileKind::Image => "image (PNG, OpenEXR)",
            FileKind::Video => "Y4M clip (.y4m)",
            FileKind::Replay => "biometrics replay (.csv, .jsonl)",
            FileKind::Npy => "NumPy array (.npy)",
        }
    }

    /// Every kind's description, one list (for errors and help).
    pub fn all_described() -> String {
        Self::ALL
            .iter()
            .map(|k| k.describe())
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// The kind `path`'s name says, if it says one.
    pub fn from_name(path: &Path) -> Option<Self> {
        let name = path.file_name()?.to_str()?.to_ascii_lowercase();
        if name.ends_with(".ply.json") {
            return Some(FileKind::Sidecar);
        }
        if name == "film.toml" {
            return Some(FileKind::Manifest);
        }
        let ext = name.rsplit_once('.')?.1;
        Some(match ext {
            "wav" | "wave" | "flac" | "ogg" | "oga" | "mp3" | "m4a" | "aac" | "mp4" | "aif"
            | "aiff" | "aifc" | "caf" | "mka" | "mkv" | "webm" => FileKind::Audio,
            "cube" => FileKind::Lut,
            "toml" => FileKind::Manifest,
            "onnx" => FileKind::Model,
            "lfscene" => FileKind::Scene,
            "ply" => FileKind::Splats,
            "png" | "exr" => FileKind::Image,
            "y4m" => FileKind::Video,
            "csv" | "jsonl" | "ndjson" => FileKind::Replay,
            "npy" => FileKind::Npy,
            _ => return None,
        })
    }

    /// The kind that `head` (a file's first bytes) shows by a signature of its format.
    pub fn from_magic(head: &[u8]) -> Option<Self> {
        let at =
            |offset: usize, magic: &[u8]| head.get(offset..offset + magic.len()) == Some(magic);
        if at(0, b"RIFF") && (at(8, b"WAVE") || at(8, b"RF64"))
            || at(0, b"RF64")
            || at(0, b"fLaC")
            || at(0, b"OggS")
            || at(0, b"ID3")
            || at(0, b"FORM") && (at(8, b"AIFF") || at(8, b"AIFC"))
            || at(0, b"caff")
            || at(4, b"ftyp")
            || at(0, &[0x1a, 0x45, 0xdf, 0xa3])
            || head.len() >= 2 && head[0] == 0xff && head[1] & 0xe0 == 0xe0
        {
            return Some(FileKind::Audio);
        }
        if at(0, b"\x89PNG\r\n\x1a\n") || at(0, &[0x76, 0x2f, 0x31, 0x01]) {
            return Some(FileKind::Image);
        }
        if at(0, b"YUV4MPEG2 ") {
            return Some(FileKind::Video);
        }
        if at(0, b"ply\n") || at(0, b"ply\r\n") {
            return Some(FileKind::Splats);
        }
        if at(0, b"\x93NUMPY") {
            return Some(FileKind::Npy);
        }
        // safetensors: an 8-byte little-endian header length, then the JSON header.
        if head.len() > 9 && head[8] == b'{' && head[6..8] == [0, 0] {
            return Some(FileKind::Scene);
        }
        None
    }

    /// The kind that `head`, read as text, shows by its keywords or header line.
    pub fn from_text(head: &[u8]) -> Option<Self> {
        let text = String::from_utf8_lossy(head);
        let lines = || {
            text.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
        };
        if lines().any(|l| l.starts_with("LUT_3D_SIZE") || l.starts_with("LUT_1D_SIZE")) {
            return Some(FileKind::Lut);
        }
        if lines().any(|l| l == "[film]" || l == "[[segments]]") {
            return Some(FileKind::Manifest);
        }
        let first = lines().next()?;
        let header: Vec<&str> = first.split(',').map(str::trim).collect();
        if matches!(
            header.as_slice(),
            ["t_s", "rr_ms"] | ["rr_ms"] | ["t_s", "hr_bpm"]
        ) || first.starts_with('{') && first.contains("\"t\"")
        {
            return Some(FileKind::Replay);
        }
        if first.starts_with('{')
            && ["\"slots\"", "\"cameras\"", "\"orientation\"", "\"sky\""]
                .iter()
                .any(|k| text.contains(k))
        {
            return Some(FileKind::Sidecar);
        }
        None
    }

    /// The kind of the file or folder at `path`.
    pub fn recognise(path: &Path) -> Result<Self, KindError> {
        let io = |source| KindError::Io {
            path: path.to_owned(),
            source,
        };
        if path.is_dir() {
            return if path.join("film.toml").is_file() {
                Ok(FileKind::Manifest)
            } else {
                Err(KindError::Folder(path.to_owned()))
            };
        }
        let mut head = Vec::with_capacity(HEAD_BYTES);
        livingfilm_core::untrusted::open_regular(path)
            .and_then(|f| f.take(HEAD_BYTES as u64).read_to_end(&mut head))
            .map_err(io)?;
        // A model is protobuf: nothing at its start to sniff reliably, so its name decides.
        Self::from_magic(&head)
            .or_else(|| Self::from_name(path))
            .or_else(|| Self::from_text(&head))
            .ok_or_else(|| KindError::Unknown(path.to_owned()))
    }
}

/// How much of a file [`FileKind::recognise`] reads.
const HEAD_BYTES: usize = 4096;

/// Why a path's kind could not be told.
#[derive(Debug, thiserror::Error)]
pub enum KindError {
    /// The file could not be opened or read (missing, a FIFO, a device…).
    #[error("cannot read {path}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A folder that is not a film.
    #[error("{0} is a folder without a film.toml; livingfilm reads these kinds of file: {kinds}", kinds = FileKind::all_described())]
    Folder(PathBuf),
    /// Neither its contents nor its name match a kind.
    #[error("{0} is not a kind of file livingfilm reads; it reads: {kinds}", kinds = FileKind::all_described())]
    Unknown(PathBuf),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contents_decide_before_names() {
        assert_eq!(
            FileKind::from_magic(b"\x89PNG\r\n\x1a\n...."),
            Some(FileKind::Image)
        );
        assert_eq!(
            FileKind::from_magic(b"RIFF\0\0\0\0WAVEfmt "),
            Some(FileKind::Audio)
        );
        assert_eq!(FileKind::from_magic(b"ply\nformat"), Some(FileKind::Splats));
        assert_eq!(
            FileKind::from_magic(b"\x10\x01\0\0\0\0\0\0{\"density\""),
            Some(FileKind::Scene)
        );
        assert_eq!(FileKind::from_magic(b"TITLE \"x\"\n"), None);
        assert_eq!(
            FileKind::from_text(b"# a look\nTITLE \"x\"\nLUT_3D_SIZE 2\n"),
            Some(FileKind::Lut)
        );
        assert_eq!(
            FileKind::from_text(b"# film\n[film]\nid = \"x\"\n"),
            Some(FileKind::Manifest)
        );
        assert_eq!(
            FileKind::from_text(b"t_s,rr_ms\n0.8,800\n"),
            Some(FileKind::Replay)
        );
        assert_eq!(
            FileKind::from_text(b"{ \"slots\": [] }"),
            Some(FileKind::Sidecar)
        );
        assert_eq!(FileKind::from_text(b"hello"), None);
        assert_eq!(
            FileKind::from_name(Path::new("a/capture.PLY.json")),
            Some(FileKind::Sidecar)
        );
        assert_eq!(
            FileKind::from_name(Path::new("m.onnx")),
            Some(FileKind::Model)
        );
    }
}
