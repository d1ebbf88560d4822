//! Picture files shared by the renderer's outputs and the `grade` command: Y4M clips
//! (4:4:4 and 4:2:0, BT.709) and stills (8/16-bit PNG, float OpenEXR).

pub mod still;
pub mod y4m;

use std::path::PathBuf;

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
