//! The viewer's consent to sending instructional metadata, stored on the device, and
//! the plain-language disclosure they see before any biometric capture.
//!
//! Off by default. Granting is explicit (`livingfilm consent grant`); revoking stops all
//! sending at once and deletes the local queue with everything in it.
//!
//! A revoke must win over a viewing already under way, in this process or another: the
//! store counts revocations, a viewing notes the count when it starts
//! ([`ConsentStore::watch`]), and every enqueue and every request is made holding the
//! store's lock after seeing the count unchanged ([`ConsentWatch::permit`]). Revoking
//! takes the same lock, so when `revoke` returns nothing more is queued or sent.

use std::path::{Path, PathBuf};

/// Version of the disclosure text; a change asks for consent again. Version 2: pupil
/// size is no input of the estimate; placements follow it; the cut ID and the profile
/// are named; what is sent is one randomized bit per scene, not steps of 10 %.
pub const DISCLOSURE_VERSION: u32 = 2;

/// What livingfilm tells a viewer before reading their body (EU AI Act Art. 50(3):
/// people must be told when emotion recognition is applied to them). Every sentence is
/// held to the code by `tests/it/disclosure.rs`.
pub const DISCLOSURE: &str = "\
While you watch, livingfilm estimates how tense you feel from your heart rate and the
variation between your heartbeats, read from a heart-rate sensor or a recording. This is
emotion recognition. It runs entirely on this device. The raw readings never leave it
and are not written to any file. If a camera or headset also reports your pupil size, the
desktop player shows it on screen; it is not used to estimate your tension.

The estimate changes the film within limits the director set: pacing, which takes and
endings play, the colour, the weather, the music, and which signs and product placements
appear in the scenes. Placements the director marked as needing your consent appear only
if you allow them (--placement-consent). Choose \"director's cut\" (--directors-cut) to
watch without any of this. With --profile, one number learned about you (how strongly you
respond to the film's tension) is kept in the file you name, on this device only.

Every viewing gets a cut ID that replays the same version of the film: it holds the
choices the player made from your estimated tension, the language of the signs and
whether you allowed consent-only placements, and none of your readings. Whoever you share
it with can see those choices.

Only if you agree (livingfilm consent grant), the player may send the film's makers, per
scene, one bit: whether you were tenser or calmer than they intended, with random noise
added on this device (local differential privacy) so that no single report can be trusted
about you. It goes with the film's name and version, the scene's name, the noise level, a
new random name for each viewing and a random number for the report itself, with no date
or time. Nothing else is sent. You can
withdraw at any time (livingfilm consent revoke): sending stops and anything waiting to be
sent is deleted.";

/// A one-line reminder printed when a viewing reads biometrics.
pub const NOTICE: &str = "livingfilm estimates how tense you feel from your heart rate, on this device, and adapts the film to it, placements included; see `livingfilm consent show`.";

/// The stored choice.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Consent {
    /// Sending instructional metadata is allowed.
    pub granted: bool,
    /// The disclosure version the viewer agreed to.
    pub disclosure_version: u32,
    /// Times consent was withdrawn in this data folder, ever (a viewing that started
    /// before a withdrawal sees the count change and stops).
    #[serde(default)]
    pub revocations: u64,
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

    /// The store's lock (`consent.lock`), held while changing consent, enqueueing or
    /// sending; released when dropped.
    fn lock(&self) -> Result<std::fs::File, ConsentError> {
        let path = self.dir.join("consent.lock");
        let err = |e: std::io::Error| ConsentError {
            path: path.clone(),
            reason: e.to_string(),
        };
        std::fs::create_dir_all(&self.dir).map_err(err)?;
        let f = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(err)?;
        f.lock().map_err(err)?;
        Ok(f)
    }

    /// Notes the revocation count now, at the start of a viewing that has consent.
    pub fn watch(&self) -> Result<ConsentWatch, ConsentError> {
        Ok(ConsentWatch {
            store: self.clone(),
            revocations: self.load()?.revocations,
        })
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
                    reason: livingfilm_core::untrusted::shorten_quotes(&e.to_string()),
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

    /// Writes `c` atomically; the caller holds the lock.
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
        let _lock = self.lock()?;
        let before = self.load()?;
        self.save(Consent {
            granted: true,
            disclosure_version: DISCLOSURE_VERSION,
            revocations: before.revocations,
        })
    }

    /// Withdraws consent and deletes the queue and everything waiting in it. Waits for
    /// an enqueue or a request in flight (at most one request's timeout); after it
    /// returns, no viewing queues or sends anything more.
    pub fn revoke(&self) -> Result<(), ConsentError> {
        let _lock = self.lock()?;
        // An unreadable file still gets replaced by a withdrawal.
        let before = self.load().unwrap_or_default();
        self.save(Consent {
            granted: false,
            disclosure_version: DISCLOSURE_VERSION,
            revocations: before.revocations + 1,
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

/// A viewing's hold on consent: valid until consent is withdrawn in its data folder.
#[derive(Debug, Clone)]
pub struct ConsentWatch {
    store: ConsentStore,
    revocations: u64,
}

/// Held while one record is queued or one request is made; a revoke waits for it.
#[derive(Debug)]
pub struct Permit {
    _lock: std::fs::File,
}

impl ConsentWatch {
    /// A permit to queue or send, or `None` once consent was withdrawn since the watch
    /// began (or the consent file can no longer be read: fail closed).
    pub fn permit(&self) -> Option<Permit> {
        let lock = self.store.lock().ok()?;
        let now = self.store.load().ok()?;
        (now.revocations == self.revocations).then_some(Permit { _lock: lock })
    }

    /// The store watched.
    pub fn store(&self) -> &ConsentStore {
        &self.store
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

    #[test]
    fn a_revoke_ends_every_watch_begun_before_it() {
        let d = std::env::temp_dir().join(format!("lf-consent-watch-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        let store = ConsentStore::new(&d);
        // Consent for one viewing only (nothing stored) is still a watch a revoke ends.
        let once = store.watch().unwrap();
        store.grant().unwrap();
        let stored = store.watch().unwrap();
        assert!(once.permit().is_some() && stored.permit().is_some());
        store.revoke().unwrap();
        assert!(once.permit().is_none() && stored.permit().is_none());
        // Granting again does not revive a viewing that was running at the revoke.
        store.grant().unwrap();
        assert!(stored.permit().is_none());
        assert!(store.watch().unwrap().permit().is_some());
        std::fs::remove_dir_all(&d).ok();
    }

    #[test]
    fn a_revoke_waits_for_the_permit_in_flight() {
        let d = std::env::temp_dir().join(format!("lf-consent-wait-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        let store = ConsentStore::new(&d);
        store.grant().unwrap();
        let permit = store.watch().unwrap().permit().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        let s2 = store.clone();
        let t = std::thread::spawn(move || {
            s2.revoke().unwrap();
            tx.send(()).unwrap();
        });
        // The revoke cannot finish while the permit is held.
        assert!(rx
            .recv_timeout(std::time::Duration::from_millis(300))
            .is_err());
        assert!(store.load().unwrap().granted);
        drop(permit);
        rx.recv_timeout(std::time::Duration::from_secs(10)).unwrap();
        t.join().unwrap();
        assert!(!store.load().unwrap().granted);
        std::fs::remove_dir_all(&d).ok();
    }
}
