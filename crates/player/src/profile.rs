//! The viewer profile: what the controller learned about a viewer, kept on this device so
//! their next viewing starts informed (opt-in with `--profile FILE`).
//!
//! It holds one derived, coarse number — the viewer's sensitivity to the film's tension,
//! rounded to 0.01 — and how many seconds of signal it rests on. No heart rate, interval,
//! pupil size, feature, timestamp or device identifier is written, and it is never sent
//! anywhere. Written atomically (temporary file, then rename); a profile that cannot be
//! read is left untouched and reported, and the viewing starts from the director's viewer.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// Name and version of the file layout.
pub const PROFILE_SCHEMA: &str = "livingfilm.viewer-profile/1";
/// Most seconds of signal a stored profile counts for (later viewings can still move it).
pub const MAX_PROFILE_EVIDENCE_S: f64 = 600.0;

/// The stored profile.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ViewerProfile {
    /// Gain from offered to measured tension (1 = as the film was tuned for).
    pub sensitivity: f32,
    /// Seconds of confident signal it rests on.
    pub evidence_s: f64,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    schema: String,
    #[serde(flatten)]
    profile: ViewerProfile,
}

/// Why a profile could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    /// The file could not be read or written.
    #[error("viewer profile {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The file is not a viewer profile this player understands.
    #[error("viewer profile {path}: {problem} (left untouched; delete it to start afresh)")]
    Invalid { path: PathBuf, problem: String },
}

impl ViewerProfile {
    /// Reads `path`; `Ok(None)` if it does not exist yet.
    pub fn load(path: &Path) -> Result<Option<Self>, ProfileError> {
        let text = match livingfilm_core::untrusted::read_text_bounded(path, 1 << 20) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => {
                return Err(ProfileError::Io {
                    path: path.to_owned(),
                    source,
                })
            }
        };
        let invalid = |problem: String| ProfileError::Invalid {
            path: path.to_owned(),
            problem,
        };
        let file: File = serde_json::from_str(&text)
            .map_err(|e| invalid(livingfilm_core::untrusted::shorten_quotes(&e.to_string())))?;
        if file.schema != PROFILE_SCHEMA {
            return Err(invalid(format!(
                "schema `{}`, expected `{PROFILE_SCHEMA}`",
                file.schema
            )));
        }
        let p = file.profile;
        if !(0.1..=10.0).contains(&p.sensitivity) || !(0.0..=1e7).contains(&p.evidence_s) {
            return Err(invalid(format!(
                "sensitivity {} or evidence_s {} out of range",
                p.sensitivity, p.evidence_s
            )));
        }
        Ok(Some(p))
    }

    /// The profile as it is stored: sensitivity to two decimals, whole seconds.
    pub fn coarse(&self) -> Self {
        Self {
            sensitivity: (self.sensitivity * 100.0).round() / 100.0,
            evidence_s: self.evidence_s.round(),
        }
    }

    /// Writes the [coarse](Self::coarse) profile to `path` atomically.
    pub fn save(&self, path: &Path) -> Result<(), ProfileError> {
        let file = File {
            schema: PROFILE_SCHEMA.to_owned(),
            profile: self.coarse(),
        };
        let io = |source| ProfileError::Io {
            path: path.to_owned(),
            source,
        };
        let json = serde_json::to_string_pretty(&file).map_err(|e| io(e.into()))?;
        let tmp = path.with_extension("tmp");
        std::fs::write(&tmp, json + "\n").map_err(io)?;
        std::fs::rename(&tmp, path).map_err(io)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_coarsened_and_refuses_strangers() {
        let dir = std::env::temp_dir().join(format!("lf-profile-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("viewer.json");
        assert_eq!(ViewerProfile::load(&path).unwrap(), None);
        let p = ViewerProfile {
            sensitivity: 0.6234,
            evidence_s: 181.7,
        };
        p.save(&path).unwrap();
        let back = ViewerProfile::load(&path).unwrap().unwrap();
        assert_eq!(back.sensitivity, 0.62);
        assert_eq!(back.evidence_s, 182.0);
        for bad in [
            "{",
            r#"{"schema":"other/1","sensitivity":1,"evidence_s":1}"#,
            r#"{"schema":"livingfilm.viewer-profile/1","sensitivity":99,"evidence_s":1}"#,
            r#"{"schema":"livingfilm.viewer-profile/1","sensitivity":1,"evidence_s":1,"hr":70}"#,
        ] {
            std::fs::write(&path, bad).unwrap();
            let err = ViewerProfile::load(&path).unwrap_err().to_string();
            assert!(err.contains("viewer.json"), "{err}");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
