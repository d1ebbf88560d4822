//! The viewer's consent to sending instructional metadata, stored on the device, and
//! the plain-language disclosure they see before any biometric capture.
//!
//! Off by default. Granting is explicit (`livingfilm consent grant`); revoking stops all
//! sending at once and deletes the local queue with everything in it.

use std::path::{Path, PathBuf};

/// Version of the disclosure text; a change asks for consent again.
pub const DISCLOSURE_VERSION: u32 = 1;

/// What livingfilm tells a viewer before reading their body (EU AI Act Art. 50(3):
/// people must be told when emotion recognition is applied to them).
pub const DISCLOSURE: &str = "\
While you watch, livingfilm estimates how tense you feel from your heart rate, the
rhythm of your heartbeats and, if a camera or headset provides it, your pupil size. This
is emotion recognition. It runs entirely on this device; the raw readings never leave it
and are not saved unless you ask for a recording.

The estimate changes the film within limits the director set: pacing, which scenes play,
the colour, the weather and the music. Choose \"director's cut\" (--directors-cut) to
watch without any of this.

Only if you agree (livingfilm consent grant), the player may send the film's makers, per
scene, whether you were more or less tense than they intended, in steps of 10 %, with
random noise added on this device (local differential privacy) so no single report can be
trusted about you, under a new random name each viewing, with no date or time. Nothing
else is sent. You can withdraw at any time (livingfilm consent revoke): sending stops and
anything waiting to be sent is deleted.";

/// A one-line reminder printed when a viewing reads biometrics.
pub const NOTICE: &str = "livingfilm estimates your tension from your heart rate (and pupil size) on this device to adapt the film; see `livingfilm consent show`.";

/// The stored choice.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Consent {
    /// Sending instructional metadata is allowed.
    pub granted: bool,
    /// The disclosure version the viewer agreed to.
    pub disclosure_version: u32,
}

/// Why consent could not be read or stored; names the file.
#[derive(Debug, thiserror::Error)]
#[error("consent file {path}: {reason}")]
pub struct ConsentError {
    path: PathBuf,
    reason: String,
}

/// Where a profile's consent and uplink queue live.
#[derive(Debug, Clone)]
pub struct ConsentStore {
    dir: PathBuf,
}

impl ConsentStore {
    /// The store in a profile's data folder.
    pub fn new(data_dir: &Path) -> Self {
        Self {
            dir: data_dir.to_owned(),
        }
    }

    fn path(&self) -> PathBuf {
        self.dir.join("consent.json")
    }

    /// The uplink queue's folder for this profile.
    pub fn queue_dir(&self) -> PathBuf {
        self.dir.join("uplink-queue")
    }

    /// The stored choice (not granted when nothing is stored, or for an older disclosure).
    pub fn load(&self) -> Result<Consent, ConsentError> {
        let path = self.path();
        match std::fs::read(&path) {
            Ok(bytes) => {
                let c: Consent = serde_json::from_slice(&bytes).map_err(|e| ConsentError {
                    path: path.clone(),
                    reason: e.to_string(),
                })?;
                Ok(Consent {
                    granted: c.granted && c.disclosure_version == DISCLOSURE_VERSION,
                    ..c
                })
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Consent::default()),
            Err(e) => Err(ConsentError {
                path,
                reason: e.to_string(),
            }),
        }
    }

    fn save(&self, c: Consent) -> Result<(), ConsentError> {
        let path = self.path();
        let err = |e: std::io::Error| ConsentError {
            path: path.clone(),
            reason: e.to_string(),
        };
        std::fs::create_dir_all(&self.dir).map_err(err)?;
        let tmp = self.dir.join("consent.json.tmp");
        std::fs::write(&tmp, serde_json::to_vec_pretty(&c).unwrap_or_default()).map_err(err)?;
        std::fs::rename(&tmp, &path).map_err(err)
    }

    /// Records the viewer's agreement to the current disclosure.
    pub fn grant(&self) -> Result<(), ConsentError> {
        self.save(Consent {
            granted: true,
            disclosure_version: DISCLOSURE_VERSION,
        })
    }

    /// Withdraws consent and deletes the queue and everything waiting in it.
    pub fn revoke(&self) -> Result<(), ConsentError> {
        self.save(Consent {
            granted: false,
            disclosure_version: DISCLOSURE_VERSION,
        })?;
        let q = self.queue_dir();
        match std::fs::remove_dir_all(&q) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(ConsentError {
                path: q,
                reason: e.to_string(),
            }),
        }
    }
}

/// The data folder when none is given: `$LIVINGFILM_DATA_DIR`, else
/// `$XDG_DATA_HOME/livingfilm`, else `~/.local/share/livingfilm`, else `./livingfilm-data`.
pub fn default_data_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("LIVINGFILM_DATA_DIR") {
        return PathBuf::from(d);
    }
    if let Some(d) = std::env::var_os("XDG_DATA_HOME") {
        return PathBuf::from(d).join("livingfilm");
    }
    match std::env::var_os("HOME") {
        Some(h) => PathBuf::from(h).join(".local/share/livingfilm"),
        None => PathBuf::from("livingfilm-data"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn consent_is_off_by_default_and_revoking_deletes_the_queue() {
        let d = std::env::temp_dir().join(format!("lf-consent-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        let store = ConsentStore::new(&d);
        assert!(!store.load().unwrap().granted);
        store.grant().unwrap();
        assert!(store.load().unwrap().granted);
        std::fs::create_dir_all(store.queue_dir()).unwrap();
        std::fs::write(store.queue_dir().join("queue.0.log"), b"x").unwrap();
        store.revoke().unwrap();
        assert!(!store.load().unwrap().granted);
        assert!(!store.queue_dir().exists());
        std::fs::remove_dir_all(&d).ok();
    }
}
