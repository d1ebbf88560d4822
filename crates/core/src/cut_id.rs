//! Cut IDs: short, shareable names for one delivered version of a film.
//!
//! Layout before encoding: format version (1 byte), the first 4 bytes of the film's
//! content hash, the seed (u32 LE), a flags byte (bit 0: the viewer allowed placements
//! that need consent, and the film has some), the sign locale the viewing showed (a
//! length byte, 0 for the film's default signs, then that many ASCII bytes of the tag),
//! then the controller's choices in viewing order, one
//! byte each, only where the film offers a choice: at a branch point the successor
//! taken; then for each segment the controller may alter, the drive offset step (i8),
//! the take (if several), the shape of the drive (0: the curve as written; otherwise
//! the curve ahead with a slope scale) and the item of each placement slot with several
//! items (see `director::controller`). Layout 3 added the shape byte; layout 4 the flags
//! and the locale, so that everything that changes a frame or a sample is in the ID.
//! IDs of earlier layouts are refused by name.
//! Encoded as lowercase base32 without padding, grouped by 4 with dashes, `lf1-` prefix.

use data_encoding::BASE32_NOPAD;

const VERSION: u8 = 4;
/// Longest locale tag an ID carries (BCP 47 tags in practice are far shorter).
pub const MAX_LOCALE_LEN: usize = 35;
const FLAG_PLACEMENT_CONSENT: u8 = 1;
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
    /// Choices no player of this film makes: they break the director's guardrails.
    #[error("cut ID asks for a cut the film's guardrails forbid ({0}); no livingfilm player of this film made it")]
    BreaksGuardrails(String),
}

/// The decisions and seed that reproduce one viewing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CutId {
    /// First bytes of the film content hash.
    pub film: [u8; 4],
    /// Seed of the viewing.
    pub seed: u32,
    /// Whether placements that need the viewer's consent could be shown.
    pub placement_consent: bool,
    /// The locale whose signs the viewing showed (`None`: the film's default signs).
    pub locale: Option<String>,
    /// The controller's choice bytes, in viewing order.
    pub decisions: Vec<u8>,
}

/// A locale tag an ID can carry: 1 to [`MAX_LOCALE_LEN`] ASCII letters, digits, `-`, `_`.
pub fn is_locale_tag(tag: &str) -> bool {
    (1..=MAX_LOCALE_LEN).contains(&tag.len())
        && tag
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

impl CutId {
    /// Builds the ID of a viewing with the film's default signs and no placement
    /// consent; see [`CutId::with_viewing`] for the rest.
    pub fn new(content_hash: &[u8; 32], seed: u32, decisions: Vec<u8>) -> Self {
        let mut film = [0; 4];
        film.copy_from_slice(&content_hash[..4]);
        Self {
            film,
            seed,
            placement_consent: false,
            locale: None,
            decisions,
        }
    }

    /// The same ID with the viewing's placement consent and sign locale. A tag an ID
    /// cannot carry is a programming error upstream (the player passes the film's own
    /// locale keys, which the manifest validates), so it is dropped here rather than
    /// written.
    pub fn with_viewing(mut self, placement_consent: bool, locale: Option<&str>) -> Self {
        self.placement_consent = placement_consent;
        self.locale = locale.filter(|l| is_locale_tag(l)).map(str::to_owned);
        self
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
        let (&flags, rest) = bytes[9..].split_first().ok_or_else(bad)?;
        if flags & !FLAG_PLACEMENT_CONSENT != 0 {
            return Err(bad());
        }
        let (&len, rest) = rest.split_first().ok_or_else(bad)?;
        let (tag, decisions) = rest.split_at_checked(len as usize).ok_or_else(bad)?;
        let locale = match std::str::from_utf8(tag) {
            Ok("") => None,
            Ok(t) if is_locale_tag(t) => Some(t.to_owned()),
            _ => return Err(bad()),
        };
        Ok(Self {
            film: bytes[1..5].try_into().map_err(|_| bad())?,
            seed: u32::from_le_bytes(bytes[5..9].try_into().map_err(|_| bad())?),
            placement_consent: flags & FLAG_PLACEMENT_CONSENT != 0,
            locale,
            decisions: decisions.to_vec(),
        })
    }

    /// Refuses an ID made for another film version.
    pub fn check_film(&self, content_hash: &[u8; 32]) -> Result<(), CutIdError> {
        if self.film == content_hash[..4] {
            Ok(())
        } else {
            let hex = |b: &[u8]| data_encoding::HEXLOWER.encode(b);
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
        bytes.push(if self.placement_consent {
            FLAG_PLACEMENT_CONSENT
        } else {
            0
        });
        let tag = self.locale.as_deref().filter(|l| is_locale_tag(l));
        let tag = tag.unwrap_or_default().as_bytes();
        bytes.push(tag.len() as u8);
        bytes.extend_from_slice(tag);
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
        // The viewing's settings travel with it.
        let fr = CutId::new(&hash, 42, vec![1, 0, 2]).with_viewing(true, Some("pt-BR"));
        let back = CutId::parse(&fr.to_string()).unwrap();
        assert!(back.placement_consent);
        assert_eq!(back.locale.as_deref(), Some("pt-BR"));
        assert_eq!(back.decisions, [1, 0, 2]);
        assert_ne!(fr.to_string(), s);
        // A locale that is no tag never goes in.
        let odd = CutId::new(&hash, 1, vec![]).with_viewing(false, Some("fr\n../x"));
        assert_eq!(CutId::parse(&odd.to_string()).unwrap().locale, None);
        // Truncated, unknown flags, a length past the end, a tag of other bytes.
        let body = |b: &[u8]| format!("lf1-{}", BASE32_NOPAD.encode(b).to_ascii_lowercase());
        let mut raw = vec![VERSION, 7, 7, 7, 7, 1, 0, 0, 0];
        assert!(CutId::parse(&body(&raw)).is_err());
        raw.push(2);
        raw.push(0);
        assert!(CutId::parse(&body(&raw)).is_err(), "unknown flag");
        raw[9] = 1;
        raw[10] = 5;
        raw.extend_from_slice(b"fr");
        assert!(CutId::parse(&body(&raw)).is_err(), "length past the end");
        raw[10] = 2;
        raw[11] = b'/';
        assert!(CutId::parse(&body(&raw)).is_err(), "not a tag");
        raw[11] = b'f';
        assert_eq!(
            CutId::parse(&body(&raw)).unwrap().locale.as_deref(),
            Some("fr")
        );
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
