//! Cut IDs: short, shareable names for one delivered version of a film.
//!
//! Layout before encoding: format version (1 byte), the first 4 bytes of the film's
//! content hash, the seed (u32 LE), then the controller's choices in viewing order, one
//! byte each, only where the film offers a choice: at a branch point the successor
//! taken; then for each segment the controller may alter, the drive offset step (i8),
//! the take (if several), the shape of the drive (0: the curve as written; otherwise
//! the curve ahead with a slope scale) and the item of each placement slot with several
//! items (see `director::controller`). Layout 3 added the shape byte; IDs of layout 2
//! are refused by name.
//! Encoded as lowercase base32 without padding, grouped by 4 with dashes, `lf1-` prefix.

use data_encoding::BASE32_NOPAD;

const VERSION: u8 = 3;
const PREFIX: &str = "lf1-";

/// Why a cut ID was refused.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum CutIdError {
    /// Not a cut ID at all.
    #[error("`{0}` is not a livingfilm cut ID (expected lf1-xxxx-…)")]
    Malformed(String),
    /// An ID from a player with another cut ID layout.
    #[error("cut ID `{id}` uses layout v{version}; this player reads v{VERSION} (replay it with the player that made it)")]
    OtherLayout { id: String, version: u8 },
    /// A cut of another film or another version of it.
    #[error("cut ID was made for film version {expected}…, this film is version {actual}…")]
    OtherFilm { expected: String, actual: String },
}

/// The decisions and seed that reproduce one viewing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CutId {
    /// First bytes of the film content hash.
    pub film: [u8; 4],
    /// Seed of the viewing.
    pub seed: u32,
    /// The controller's choice bytes, in viewing order.
    pub decisions: Vec<u8>,
}

impl CutId {
    /// Builds the ID of a viewing.
    pub fn new(content_hash: &[u8; 32], seed: u32, decisions: Vec<u8>) -> Self {
        let mut film = [0; 4];
        film.copy_from_slice(&content_hash[..4]);
        Self {
            film,
            seed,
            decisions,
        }
    }

    /// Parses an ID produced by [`CutId::to_string`].
    pub fn parse(s: &str) -> Result<Self, CutIdError> {
        let bad = || CutIdError::Malformed(s.to_owned());
        let body = s.trim().strip_prefix(PREFIX).ok_or_else(bad)?;
        let compact: String = body
            .chars()
            .filter(|c| *c != '-')
            .collect::<String>()
            .to_ascii_uppercase();
        let bytes = BASE32_NOPAD.decode(compact.as_bytes()).map_err(|_| bad())?;
        if bytes.len() < 9 {
            return Err(bad());
        }
        if bytes[0] != VERSION {
            return Err(CutIdError::OtherLayout {
                id: s.trim().to_owned(),
                version: bytes[0],
            });
        }
        Ok(Self {
            film: bytes[1..5].try_into().map_err(|_| bad())?,
            seed: u32::from_le_bytes(bytes[5..9].try_into().map_err(|_| bad())?),
            decisions: bytes[9..].to_vec(),
        })
    }

    /// Refuses an ID made for another film version.
    pub fn check_film(&self, content_hash: &[u8; 32]) -> Result<(), CutIdError> {
        if self.film == content_hash[..4] {
            Ok(())
        } else {
            let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
            Err(CutIdError::OtherFilm {
                expected: hex(&self.film),
                actual: hex(&content_hash[..4]),
            })
        }
    }
}

impl std::fmt::Display for CutId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut bytes = vec![VERSION];
        bytes.extend_from_slice(&self.film);
        bytes.extend_from_slice(&self.seed.to_le_bytes());
        bytes.extend_from_slice(&self.decisions);
        let enc = BASE32_NOPAD.encode(&bytes).to_ascii_lowercase();
        let groups: Vec<&str> = enc
            .as_bytes()
            .chunks(4)
            .map(|c| std::str::from_utf8(c).unwrap_or_default())
            .collect();
        write!(f, "{PREFIX}{}", groups.join("-"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_checks_film() {
        let hash = [7u8; 32];
        let id = CutId::new(&hash, 42, vec![1, 0, 2]);
        let s = id.to_string();
        assert!(s.starts_with("lf1-"), "{s}");
        let back = CutId::parse(&s).unwrap();
        assert_eq!(back, id);
        assert!(back.check_film(&hash).is_ok());
        assert!(matches!(
            back.check_film(&[8u8; 32]),
            Err(CutIdError::OtherFilm { .. })
        ));
        assert!(CutId::parse("lf1-!!!!").is_err());
        assert!(CutId::parse("hello").is_err());
        assert!(CutId::parse("lf1-aaaa").is_err());
        let v1 = format!(
            "lf1-{}",
            BASE32_NOPAD.encode(&[1u8; 9]).to_ascii_lowercase()
        );
        assert!(matches!(
            CutId::parse(&v1),
            Err(CutIdError::OtherLayout { .. })
        ));
    }
}
