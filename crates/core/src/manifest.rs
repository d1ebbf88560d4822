//! The film manifest (`film.toml`): the director's possibility space — segments and
//! their takes, branches and endings, the tension curve, parameter ranges, placements
//! and guardrails.
//!
//! The authoring reference, with a full example and every field, is docs/film-manifest.md.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::score::MusicSpec;
use sha2::{Digest, Sha256};

use crate::spans::SyntaxError;
use crate::untrusted::{open_within, read_text_bounded, FilmRoot};

/// Why a film could not be loaded; names the file and the field at fault.
#[derive(Debug, thiserror::Error)]
pub enum FilmError {
    /// The manifest could not be read.
    #[error("cannot read film manifest {path}{}", missing_hint(source))]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The manifest is not valid TOML or does not match the schema (placed by line and column).
    #[error("{path}: {error}")]
    Syntax { path: PathBuf, error: SyntaxError },
    /// A field holds a value the player cannot use.
    #[error("{path}: field `{field}`: {problem}")]
    Field {
        path: PathBuf,
        field: String,
        problem: String,
    },
    /// A referenced asset is missing or unreadable.
    #[error("{path}: field `{field}`: asset {asset} cannot be read")]
    Asset {
        path: PathBuf,
        field: String,
        asset: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// What to give instead, when the manifest is not there at all.
fn missing_hint(e: &std::io::Error) -> &'static str {
    if e.kind() == std::io::ErrorKind::NotFound {
        " (give a film folder containing film.toml, or the manifest itself)"
    } else {
        ""
    }
}

/// Film-wide playback settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FilmInfo {
    /// Stable identifier of the film (not of its version).
    pub id: String,
    /// Human title.
    pub title: String,
    /// Frames per second.
    pub fps: u32,
    /// Default output width in pixels.
    pub width: u32,
    /// Default output height in pixels.
    pub height: u32,
    /// Audio sample rate of the mix (stems must match).
    pub sample_rate: u32,
    /// One folder outside the film's own from which assets may also be read (a studio's
    /// shared LUTs; relative to the film folder or absolute). Without it every asset
    /// stays inside the film folder.
    #[serde(default)]
    pub asset_root: Option<PathBuf>,
}

/// Largest `film.toml` read, bytes (a feature-length film's manifest is tens of KiB).
pub const MAX_MANIFEST_BYTES: u64 = 1 << 20;
/// Most segments a film may have (a two-hour film cut every two seconds).
pub const MAX_SEGMENTS: usize = 4096;
/// Largest stem or stinger file hashed at load, bytes (stems are streamed, never held).
pub const MAX_AUDIO_BYTES: u64 = 4 << 30;
/// Largest sign image read, bytes.
pub const MAX_SIGN_BYTES: u64 = 64 << 20;

/// Most looks a film may blend.
pub const MAX_LOOKS: usize = 4;
/// Most placement slots one segment may have (the renderer draws this many signs).
pub const MAX_PLACEMENT_SLOTS: usize = 4;

/// One authored look and how much of it the drive mixes in.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LookSpec {
    /// The look (.cube: 1D, 3D or shaper + 3D).
    pub lut: PathBuf,
    /// Weight of the look at drive 0 and at drive 1 (linear in between), each 0..1.
    pub weight: [f32; 2],
}

/// The grade: looks blended by the controller's drive, inside the authored weights.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GradeSpec {
    /// 1..=4 looks; at any drive their weights sum to at most 1 (the rest is the ungraded picture).
    pub looks: Vec<LookSpec>,
}

impl GradeSpec {
    /// Weights of the looks at `drive` (0..1); unused slots are 0.
    pub fn weights(&self, drive: f32) -> [f32; MAX_LOOKS] {
        let mut w = [0.0; MAX_LOOKS];
        for (slot, l) in w.iter_mut().zip(&self.looks) {
            *slot = l.weight[0] + (l.weight[1] - l.weight[0]) * drive;
        }
        w
    }
}

/// An orbit camera move over a segment.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Camera {
    /// Distance from the scene centre, in scene units.
    pub radius: f32,
    /// Eye height above the scene centre.
    pub height: f32,
    /// Azimuth at the segment start, degrees.
    pub from_deg: f32,
    /// Azimuth at the segment end, degrees.
    pub to_deg: f32,
    /// Vertical field of view, degrees.
    pub fov_deg: f32,
}

/// A directional key light the renderer adds on the scene's surfaces.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyLight {
    /// Direction toward the light, scene space (any length but zero).
    pub dir: [f32; 3],
    /// Strength at drive 0 and at drive 1 (0: off).
    pub strength: [f32; 2],
}

/// Which camera move a variant plays: an orbit around the scene centre, or a path
/// authored in the scene file.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum CameraMove {
    /// `camera = { radius, height, from_deg, to_deg, fov_deg }`.
    Orbit(Camera),
    /// `camera = { path = "name" }`: a camera path of the variant's scene.
    Path(PathCamera),
}

/// A reference to a camera path stored in the scene file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PathCamera {
    /// Name of the path in the scene's `cameras`.
    pub path: String,
}

/// One authored alternative for a segment.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Variant {
    /// Name used in reports and the why-log.
    pub id: String,
    /// Baked radiance field (`.lfscene`, docs/scene-format.md).
    pub scene: PathBuf,
    /// Length of the segment when this variant plays, seconds.
    pub duration_s: f64,
    /// How intense this variant is meant to feel (0..1); decisions compare it with the drive.
    pub intensity: f32,
    /// Camera move.
    pub camera: CameraMove,
    /// Fog density (weather) at drive 0 and at drive 1.
    pub fog: [f32; 2],
    /// Rain (0..1) at drive 0 and at drive 1.
    #[serde(default)]
    pub rain: [f32; 2],
    /// Snow (0..1) at drive 0 and at drive 1.
    #[serde(default)]
    pub snow: [f32; 2],
    /// Exposure multiplier (lighting): one value, or `[at drive 0, at drive 1]`.
    #[serde(deserialize_with = "span")]
    pub exposure: [f32; 2],
    /// Key light colour (linear RGB).
    pub light: [f32; 3],
    /// A directional light added at render time (the bake's own lighting stays).
    #[serde(default)]
    pub key_light: Option<KeyLight>,
    /// Music cue while this variant plays (overrides the segment's).
    #[serde(default)]
    pub cue: Option<String>,
}

/// A segment: one variant (fixed) or several (a decision point), and where it may lead.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Segment {
    /// Name used in reports, uplink records and the why-log.
    pub id: String,
    /// The director's intended tension (0..1): one value, or `[at start, at end]` (linear).
    #[serde(deserialize_with = "span")]
    pub target_tension: [f32; 2],
    /// Alternatives; the first is the director's default.
    pub variants: Vec<Variant>,
    /// Segments that may follow, the director's choice first (several: a branch point).
    /// Omitted: the next segment in the file (none after the last); `[]`: an ending.
    #[serde(default)]
    pub next: Option<Vec<String>>,
    /// Never altered: first variant, the director's grade, score and pacing.
    #[serde(default)]
    pub protected: bool,
    /// The director wants this segment felt: the controller may not soften it.
    #[serde(default)]
    pub challenge: bool,
    /// How far the segment may shrink and stretch, `[min, max]` factors around 1.
    #[serde(default = "unit_span")]
    pub pacing: [f32; 2],
    /// Music intensity range in this segment (default: the film's `music.intensity`).
    #[serde(default)]
    pub music: Option<[f32; 2]>,
    /// Music cue from this segment's start (default: the cue playing stays).
    #[serde(default)]
    pub cue: Option<String>,
    /// Placement slots and the items allowed in them.
    #[serde(default)]
    pub placements: Vec<Slot>,
    /// How often the segment may play in one viewing (loops need an exit; see `next`).
    #[serde(default = "one")]
    pub max_visits: u32,
}

impl Segment {
    /// The director's target tension at `progress` (0..1) through the segment.
    pub fn target_at(&self, progress: f64) -> f32 {
        let p = progress.clamp(0.0, 1.0) as f32;
        self.target_tension[0] + (self.target_tension[1] - self.target_tension[0]) * p
    }

    /// The segment's mean target tension.
    pub fn mean_target(&self) -> f32 {
        0.5 * (self.target_tension[0] + self.target_tension[1])
    }
}

/// A place in the picture where an item may be shown (signage, a product, a poster).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Slot {
    /// Name of the slot.
    pub slot: String,
    /// What may fill it; the first is the director's default.
    pub items: Vec<PlacementItem>,
}

/// One item allowed in a placement slot.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlacementItem {
    /// Name of the item.
    pub id: String,
    /// How intense the item feels (0..1); chosen like variants, by the drive.
    #[serde(default = "half")]
    pub intensity: f32,
    /// Shown only to viewers who consented to personalised placements.
    #[serde(default)]
    pub needs_consent: bool,
    /// Image drawn on the slot's plane in the scene (PNG; any size, resampled).
    #[serde(default)]
    pub sign: Option<PathBuf>,
    /// The sign for viewers in other locales: `{ fr = "signs/x.fr.png" }`.
    #[serde(default)]
    pub localized: std::collections::BTreeMap<String, PathBuf>,
}

/// The director's limits on adaptation (see docs/film-manifest.md, "Guardrails").
#[derive(Debug, Clone, Copy, Deserialize, serde::Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Guardrails {
    /// Most deviation from the director's drive that may be added in any 60 s of viewing.
    pub max_adaptation_per_min: f32,
    /// Least viewing time between two departures from the director's cut, seconds.
    pub min_dwell_s: f64,
    /// Largest distance of the drive from the director's drive (0..1).
    pub max_deviation: f32,
    /// Longest run of deviation to one side (all softer or all harsher), seconds; then
    /// the director's cut plays again (the anti-echo-chamber rule).
    pub max_one_sided_s: f64,
    /// Least drive advantage for leaving the director's choice, and least drive step.
    pub hysteresis: f32,
}

impl Default for Guardrails {
    fn default() -> Self {
        Self {
            max_adaptation_per_min: 0.6,
            min_dwell_s: 8.0,
            max_deviation: 0.3,
            max_one_sided_s: 60.0,
            hysteresis: 0.05,
        }
    }
}

fn unit_span() -> [f32; 2] {
    [1.0, 1.0]
}

fn one() -> u32 {
    1
}

fn half() -> f32 {
    0.5
}

/// `x` or `[a, b]` as `[a, b]` (`x` as `[x, x]`).
fn span<'de, D: serde::Deserializer<'de>>(d: D) -> Result<[f32; 2], D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Span {
        One(f32),
        Two([f32; 2]),
    }
    match Span::deserialize(d).map_err(|_| {
        serde::de::Error::custom("expected a number or a [min, max] pair of numbers")
    })? {
        Span::One(x) => Ok([x, x]),
        Span::Two(r) => Ok(r),
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Manifest {
    film: FilmInfo,
    grade: GradeSpec,
    music: MusicSpec,
    #[serde(default)]
    guardrails: Guardrails,
    segments: Vec<Segment>,
}

/// A loaded, validated film with its asset paths resolved and its content hash.
#[derive(Debug, Clone)]
pub struct Film {
    /// Film-wide settings.
    pub info: FilmInfo,
    /// Grade look (path resolved).
    pub grade: GradeSpec,
    /// Score (paths resolved).
    pub music: MusicSpec,
    /// The director's limits on adaptation.
    pub guardrails: Guardrails,
    /// Segments as written (paths resolved); the first one opens the film.
    pub segments: Vec<Segment>,
    /// For each segment, the indices of the segments that may follow (director's first).
    pub successors: Vec<Vec<usize>>,
    /// SHA-256 of the manifest and every asset it references, in manifest order.
    pub content_hash: [u8; 32],
    /// The manifest file.
    pub manifest_path: PathBuf,
}

/// Each rule a camera move breaks, as (its key, the rule): one problem per rule, placed
/// at the key that breaks it, so a film maker sees every fix at once.
fn camera_problems(camera: &CameraMove) -> Vec<(&'static str, &'static str)> {
    let mut out = Vec::new();
    match camera {
        CameraMove::Orbit(c) => {
            if !(c.fov_deg > 1.0 && c.fov_deg < 170.0) {
                out.push(("fov_deg", "must lie within (1, 170) degrees"));
            }
            if !(c.radius > 0.0 && c.radius.is_finite()) {
                out.push(("radius", "must be positive and finite"));
            }
            for (key, x) in [
                ("height", c.height),
                ("from_deg", c.from_deg),
                ("to_deg", c.to_deg),
            ] {
                if !x.is_finite() {
                    out.push((key, "must be finite"));
                }
            }
        }
        CameraMove::Path(p) => {
            if p.path.is_empty() {
                out.push(("path", "must name one of the scene's camera paths"));
            }
        }
    }
    out
}

/// Successor indices of each segment; unknown ids are left out (see `Film::problems`).
fn successors(segments: &[Segment]) -> Vec<Vec<usize>> {
    segments
        .iter()
        .enumerate()
        .map(|(si, seg)| match &seg.next {
            None => (si + 1 < segments.len())
                .then_some(si + 1)
                .into_iter()
                .collect(),
            Some(ids) => ids
                .iter()
                .filter_map(|id| segments.iter().position(|s| &s.id == id))
                .collect(),
        })
        .collect()
}

impl Film {
    /// Loads `path` (a `film.toml` or a folder containing one) and validates it. Every
    /// asset must resolve inside the film folder (or `film.asset_root`) to a regular file
    /// within its kind's size limit; each distinct file is read and hashed once.
    pub fn load(path: &Path) -> Result<Self, FilmError> {
        let (manifest_path, text) = Self::read_manifest(path)?;
        let mut film = Self::checked(&text, &manifest_path)?;
        film.resolve_and_hash(text.as_bytes())?;
        Ok(film)
    }

    /// Where this film's assets may be read from: its folder and `film.asset_root`.
    pub fn film_root(&self) -> Result<FilmRoot, FilmError> {
        let folder = match self.manifest_path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        let extra = self.info.asset_root.as_ref().map(|r| folder.join(r));
        FilmRoot::new(folder, extra.as_deref())
            .map_err(|e| self.field_err("film.asset_root", format!("the film's folders: {e}")))
    }

    /// The byte limit for the asset named by `field` (see the `MAX_*_BYTES` constants).
    pub fn byte_limit(field: &str) -> u64 {
        if field.ends_with(".lut") {
            crate::untrusted::MAX_CUBE_BYTES
        } else if field.ends_with(".scene") {
            crate::untrusted::MAX_SCENE_BYTES
        } else if field.starts_with("music.") {
            MAX_AUDIO_BYTES
        } else {
            MAX_SIGN_BYTES
        }
    }

    /// Parses and validates manifest `text` without reading its assets (the content hash
    /// covers the text only): for tools and tests that need just the possibility space.
    pub fn parse(text: &str, manifest_path: &Path) -> Result<Self, FilmError> {
        let mut film = Self::checked(text, manifest_path)?;
        film.content_hash = Sha256::digest(text.as_bytes()).into();
        Ok(film)
    }

    /// Parses `text` and refuses it at its first problem (content hash not yet set).
    fn checked(text: &str, manifest_path: &Path) -> Result<Self, FilmError> {
        let film = Self::parse_unchecked(text, manifest_path)?;
        match film.problems().into_iter().next() {
            Some(first) => Err(first),
            None => Ok(film),
        }
    }

    /// The manifest of `path` (a `film.toml` or a folder containing one) and its text.
    pub fn read_manifest(path: &Path) -> Result<(PathBuf, String), FilmError> {
        let manifest_path = if path.is_dir() {
            path.join("film.toml")
        } else {
            path.to_owned()
        };
        let text = read_text_bounded(&manifest_path, MAX_MANIFEST_BYTES).map_err(|source| {
            FilmError::Io {
                path: manifest_path.clone(),
                source,
            }
        })?;
        Ok((manifest_path, text))
    }

    /// Parses the manifest text without validating values or reading assets (for `check`).
    pub fn parse_unchecked(text: &str, manifest_path: &Path) -> Result<Self, FilmError> {
        let m: Manifest = toml::from_str(text).map_err(|e| FilmError::Syntax {
            path: manifest_path.to_owned(),
            error: SyntaxError::new(text, &e),
        })?;
        let successors = successors(&m.segments);
        Ok(Film {
            info: m.film,
            grade: m.grade,
            music: m.music,
            guardrails: m.guardrails,
            segments: m.segments,
            successors,
            content_hash: [0; 32],
            manifest_path: manifest_path.to_owned(),
        })
    }

    /// Each asset the manifest references, with the field naming it (paths as written).
    pub fn asset_fields(&self) -> Vec<(String, PathBuf)> {
        let mut fields = Vec::new();
        for (k, l) in self.grade.looks.iter().enumerate() {
            fields.push((format!("grade.looks[{k}].lut"), l.lut.clone()));
        }
        for (k, s) in self.music.stems.iter().enumerate() {
            fields.push((format!("music.stems[{k}].file"), s.file.clone()));
        }
        for (k, s) in self.music.stingers.iter().enumerate() {
            fields.push((format!("music.stingers[{k}].file"), s.file.clone()));
        }
        for (si, seg) in self.segments.iter().enumerate() {
            for (vi, v) in seg.variants.iter().enumerate() {
                fields.push((
                    format!("segments[{si}].variants[{vi}].scene"),
                    v.scene.clone(),
                ));
            }
            for (pi, slot) in seg.placements.iter().enumerate() {
                for (ii, item) in slot.items.iter().enumerate() {
                    let at = format!("segments[{si}].placements[{pi}].items[{ii}]");
                    if let Some(sign) = &item.sign {
                        fields.push((format!("{at}.sign"), sign.clone()));
                    }
                    for (locale, sign) in &item.localized {
                        fields.push((format!("{at}.localized.{locale}"), sign.clone()));
                    }
                }
            }
        }
        fields
    }

    fn field_err(&self, field: impl Into<String>, problem: impl Into<String>) -> FilmError {
        FilmError::Field {
            path: self.manifest_path.clone(),
            field: field.into(),
            problem: problem.into(),
        }
    }

    /// Every problem with the manifest's values (not its assets), in manifest order.
    pub fn problems(&self) -> Vec<FilmError> {
        // The bound first: the checks below compare segments pairwise. (The manifest's
        // size bound, MAX_MANIFEST_BYTES, bounds every other list.)
        if self.segments.len() > MAX_SEGMENTS {
            return vec![self.field_err(
                "segments",
                format!(
                    "{} segments; a film has at most {MAX_SEGMENTS}",
                    self.segments.len()
                ),
            )];
        }
        let mut out = Vec::new();
        let i = &self.info;

        if !(1..=120).contains(&i.fps) {
            out.push(self.field_err("film.fps", format!("{} is outside 1..=120", i.fps)));
        }
        for (name, v) in [("film.width", i.width), ("film.height", i.height)] {
            if !(16..=8192).contains(&v) || v % 2 != 0 {
                out.push(self.field_err(name, format!("{v} must be even and within 16..=8192")));
            }
        }
        if !(8000..=192_000).contains(&i.sample_rate) {
            out.push(self.field_err(
                "film.sample_rate",
                format!("{} is outside 8000..=192000", i.sample_rate),
            ));
        }
        if self.grade.looks.is_empty() || self.grade.looks.len() > MAX_LOOKS {
            out.push(self.field_err("grade.looks", format!("needs 1..={MAX_LOOKS} looks")));
        }
        for (k, l) in self.grade.looks.iter().enumerate() {
            if !l.weight.iter().all(|w| (0.0..=1.0).contains(w)) {
                out.push(self.field_err(
                    format!("grade.looks[{k}].weight"),
                    "weights must lie within 0..=1",
                ));
            }
        }
        for end in 0..2 {
            let sum: f32 = self.grade.looks.iter().map(|l| l.weight[end]).sum();
            if sum > 1.0 + 1e-6 {
                out.push(self.field_err(
                    "grade.looks",
                    format!("weights at drive {end} sum to {sum}, more than 1"),
                ));
            }
        }
        out.extend(
            self.check_range("music.intensity", self.music.intensity)
                .err(),
        );
        for (field, problem) in self.music.problems() {
            out.push(self.field_err(field, problem));
        }
        let cues = self.music.cues();
        for (k, st) in self.music.stingers.iter().enumerate() {
            for id in &st.segments {
                if !self.segments.iter().any(|s| &s.id == id) {
                    out.push(self.field_err(
                        format!("music.stingers[{k}].segments"),
                        format!("no segment is called `{id}`"),
                    ));
                }
            }
        }
        for (si, seg) in self.segments.iter().enumerate() {
            let variant_cues = seg
                .variants
                .iter()
                .enumerate()
                .map(|(vi, v)| (format!("segments[{si}].variants[{vi}].cue"), v.cue.as_ref()));
            for (field, cue) in std::iter::once((format!("segments[{si}].cue"), seg.cue.as_ref()))
                .chain(variant_cues)
            {
                if let Some(c) = cue.filter(|c| !cues.contains(&c.as_str())) {
                    out.push(self.field_err(
                        field,
                        format!("no stem belongs to cue `{c}` (cues: {})", cues.join(", ")),
                    ));
                }
            }
        }
        if self.segments.is_empty() {
            out.push(self.field_err("segments", "a film needs at least one segment"));
        }
        let mut seen = std::collections::HashSet::new();
        for (si, seg) in self.segments.iter().enumerate() {
            let at = format!("segments[{si}]");
            if !seen.insert(seg.id.as_str()) {
                out.push(self.field_err(
                    format!("{at}.id"),
                    format!("duplicate segment id `{}`", seg.id),
                ));
            }
            if !seg.target_tension.iter().all(|t| (0.0..=1.0).contains(t)) {
                out.push(self.field_err(format!("{at}.target_tension"), "must lie within 0..=1"));
            }
            if seg.variants.is_empty() || seg.variants.len() > 255 {
                out.push(self.field_err(format!("{at}.variants"), "needs 1..=255 variants"));
            }
            if seg.protected && seg.variants.len() > 1 {
                out.push(self.field_err(
                    format!("{at}.variants"),
                    "a protected segment only ever plays its first variant; remove the others or drop `protected`",
                ));
            }
            if seg.protected && seg.challenge {
                out.push(self.field_err(
                    format!("{at}.challenge"),
                    "a protected segment is never adapted, so it cannot also be a challenge",
                ));
            }
            let [lo, hi] = seg.pacing;
            if !(0.25..=1.0).contains(&lo) || !(1.0..=4.0).contains(&hi) {
                out.push(self.field_err(
                    format!("{at}.pacing"),
                    format!(
                        "{:?} must be [min, max] with 0.25 <= min <= 1 <= max <= 4",
                        seg.pacing
                    ),
                ));
            }
            if let Some(r) = seg.music {
                out.extend(self.check_range(&format!("{at}.music"), r).err());
            }
            if !(1..=16).contains(&seg.max_visits) {
                out.push(self.field_err(format!("{at}.max_visits"), "must lie within 1..=16"));
            }
            out.extend(self.next_problems(si, &at));
            if seg.placements.len() > MAX_PLACEMENT_SLOTS {
                out.push(self.field_err(
                    format!("{at}.placements"),
                    format!("at most {MAX_PLACEMENT_SLOTS} slots per segment"),
                ));
            }
            let mut slots = std::collections::HashSet::new();
            for (pi, slot) in seg.placements.iter().enumerate() {
                let at = format!("{at}.placements[{pi}]");
                if !slots.insert(slot.slot.as_str()) {
                    out.push(self.field_err(
                        format!("{at}.slot"),
                        format!("duplicate slot `{}`", slot.slot),
                    ));
                }
                if slot.items.is_empty() || slot.items.len() > 255 {
                    out.push(self.field_err(format!("{at}.items"), "needs 1..=255 items"));
                }
                let mut items = std::collections::HashSet::new();
                for (ii, item) in slot.items.iter().enumerate() {
                    if !items.insert(item.id.as_str()) {
                        out.push(self.field_err(
                            format!("{at}.items[{ii}].id"),
                            format!("duplicate item `{}`", item.id),
                        ));
                    }
                    if !(0.0..=1.0).contains(&item.intensity) {
                        out.push(self.field_err(
                            format!("{at}.items[{ii}].intensity"),
                            "must lie within 0..=1",
                        ));
                    }
                    for tag in item.localized.keys() {
                        if !super::cut_id::is_locale_tag(tag) {
                            out.push(self.field_err(
                                format!("{at}.items[{ii}].localized"),
                                format!(
                                    "`{}` is not a locale tag (1 to {} ASCII letters, digits, `-` and `_`, like `fr` or `pt-BR`)",
                                    crate::untrusted::excerpt(tag),
                                    super::cut_id::MAX_LOCALE_LEN
                                ),
                            ));
                        }
                    }
                    if !item.localized.is_empty() && item.sign.is_none() {
                        out.push(self.field_err(
                            format!("{at}.items[{ii}].localized"),
                            "needs a default `sign` for viewers in other locales",
                        ));
                    }
                }
            }
            let mut vseen = std::collections::HashSet::new();
            for (vi, v) in seg.variants.iter().enumerate() {
                let at = format!("{at}.variants[{vi}]");
                if !vseen.insert(v.id.as_str()) {
                    out.push(self.field_err(
                        format!("{at}.id"),
                        format!("duplicate variant id `{}`", v.id),
                    ));
                }
                if !(v.duration_s > 0.0 && v.duration_s <= 3600.0) {
                    out.push(
                        self.field_err(format!("{at}.duration_s"), "must lie within (0, 3600]"),
                    );
                }
                if !(0.0..=1.0).contains(&v.intensity) {
                    out.push(self.field_err(format!("{at}.intensity"), "must lie within 0..=1"));
                }
                out.extend(
                    camera_problems(&v.camera)
                        .into_iter()
                        .map(|(key, rule)| self.field_err(format!("{at}.camera.{key}"), rule)),
                );
                if let Some(k) = &v.key_light {
                    let len2: f32 = k.dir.iter().map(|x| x * x).sum();
                    if !(len2.is_finite() && len2 > 1e-8) {
                        out.push(self.field_err(
                            format!("{at}.key_light.dir"),
                            "must be a finite, non-zero direction",
                        ));
                    }
                    if !k.strength.iter().all(|s| (0.0..=4.0).contains(s)) {
                        out.push(self.field_err(
                            format!("{at}.key_light.strength"),
                            "each must lie within 0..=4",
                        ));
                    }
                }
                for (name, r) in [("rain", v.rain), ("snow", v.snow)] {
                    if !(0.0 <= r[0] && r[0] <= r[1] && r[1] <= 1.0) {
                        out.push(self.field_err(
                            format!("{at}.{name}"),
                            "must be [min, max] with 0 <= min <= max <= 1",
                        ));
                    }
                }
                if !v.light.iter().all(|x| (0.0..=16.0).contains(x)) {
                    out.push(self.field_err(
                        format!("{at}.light"),
                        "each channel must lie within 0..=16 (linear RGB)",
                    ));
                }
                if !(v.fog[0] >= 0.0 && v.fog[1] >= v.fog[0] && v.fog[1].is_finite()) {
                    out.push(self.field_err(
                        format!("{at}.fog"),
                        "must be [min, max] with 0 <= min <= max",
                    ));
                }
                if !v.exposure.iter().all(|e| *e > 0.0 && *e <= 16.0) {
                    out.push(self.field_err(format!("{at}.exposure"), "must lie within (0, 16]"));
                }
            }
        }
        out.extend(self.graph_problems());
        out.extend(self.guardrail_problems());
        out
    }

    /// Unknown or repeated successors of segment `si`.
    fn next_problems(&self, si: usize, at: &str) -> Vec<FilmError> {
        let mut out = Vec::new();
        let Some(next) = &self.segments[si].next else {
            return out;
        };
        if next.len() > 255 {
            out.push(self.field_err(format!("{at}.next"), "at most 255 successors"));
        }
        for (k, id) in next.iter().enumerate() {
            if !self.segments.iter().any(|s| &s.id == id) {
                out.push(self.field_err(
                    format!("{at}.next"),
                    format!(
                        "unknown segment `{id}` (the segments are: {})",
                        self.segment_ids()
                    ),
                ));
            } else if next[..k].contains(id) {
                out.push(self.field_err(format!("{at}.next"), format!("`{id}` is listed twice")));
            }
        }
        out
    }

    fn segment_ids(&self) -> String {
        let ids: Vec<&str> = self.segments.iter().map(|s| s.id.as_str()).collect();
        ids.join(", ")
    }

    /// Segments no viewing can reach, and loops the director's own choices never leave.
    fn graph_problems(&self) -> Vec<FilmError> {
        let mut out = Vec::new();
        let n = self.segments.len();
        if n == 0 {
            return out;
        }
        let mut reached = vec![false; n];
        let mut stack = vec![0];
        while let Some(s) = stack.pop() {
            if !std::mem::replace(&mut reached[s], true) {
                stack.extend(self.successors[s].iter().copied());
            }
        }
        for (si, seg) in self.segments.iter().enumerate() {
            if !reached[si] {
                out.push(self.field_err(
                    format!("segments[{si}].id"),
                    format!(
                        "segment `{}` is never reached: no `next` leads to it",
                        seg.id
                    ),
                ));
            }
        }
        // Following the director's choice (the first successor) must always reach an ending,
        // so every viewing ends: the controller leaves a loop by the director's choice.
        let mut reported = vec![false; n];
        for start in (0..n).filter(|&s| reached[s]) {
            let mut path = vec![start];
            let mut at = start;
            while let Some(&next) = self.successors[at].first() {
                if let Some(pos) = path.iter().position(|&p| p == next) {
                    let cycle = &path[pos..];
                    // Reported once, at a member that writes `next` (where the fix goes).
                    let first = cycle
                        .iter()
                        .copied()
                        .filter(|&m| self.segments[m].next.is_some())
                        .min()
                        .or_else(|| cycle.iter().copied().min())
                        .unwrap_or(next);
                    if !std::mem::replace(&mut reported[first], true) {
                        let names: Vec<&str> = cycle
                            .iter()
                            .chain(std::iter::once(&next))
                            .map(|&s| self.segments[s].id.as_str())
                            .collect();
                        out.push(self.field_err(
                            format!("segments[{first}].next"),
                            format!(
                                "the director's choices loop {} with no exit: make the first `next` of one of them lead on towards an ending",
                                names.join(" -> ")
                            ),
                        ));
                    }
                    break;
                }
                path.push(next);
                at = next;
            }
        }
        out
    }

    fn guardrail_problems(&self) -> Vec<FilmError> {
        let g = &self.guardrails;
        let mut out = Vec::new();
        let mut bad = |ok: bool, field: &str, rule: &str| {
            if !ok {
                out.push(self.field_err(format!("guardrails.{field}"), rule.to_owned()));
            }
        };
        bad(
            (0.0..=1.0).contains(&g.max_deviation),
            "max_deviation",
            "must lie within 0..=1",
        );
        bad(
            (0.0..=10.0).contains(&g.max_adaptation_per_min),
            "max_adaptation_per_min",
            "must lie within 0..=10",
        );
        bad(
            (0.0..=3600.0).contains(&g.min_dwell_s),
            "min_dwell_s",
            "must lie within 0..=3600",
        );
        bad(
            g.max_one_sided_s > 0.0 && g.max_one_sided_s <= 36_000.0,
            "max_one_sided_s",
            "must lie within (0, 36000]",
        );
        bad(
            (0.0..=0.5).contains(&g.hysteresis),
            "hysteresis",
            "must lie within 0..=0.5",
        );
        out
    }

    /// The director's cut: segments in the order the first successors give.
    pub fn default_path(&self) -> Vec<usize> {
        let mut path = Vec::new();
        let mut at = Some(0);
        while let Some(s) = at.filter(|&s| s < self.segments.len()) {
            if path.len() > self.segments.len() {
                break; // a loop (rejected by `problems`)
            }
            path.push(s);
            at = self.successors[s].first().copied();
        }
        path
    }

    /// Every placement item of every segment, in manifest order.
    pub fn placement_items(&self) -> impl Iterator<Item = &PlacementItem> {
        self.segments
            .iter()
            .flat_map(|s| &s.placements)
            .flat_map(|slot| &slot.items)
    }

    /// Length of the director's cut, seconds.
    pub fn default_duration_s(&self) -> f64 {
        self.default_path()
            .iter()
            .map(|&s| {
                self.segments[s]
                    .variants
                    .first()
                    .map_or(0.0, |v| v.duration_s)
            })
            .sum()
    }

    fn check_range(&self, field: &str, r: [f32; 2]) -> Result<(), FilmError> {
        if (0.0..=1.0).contains(&r[0]) && (0.0..=1.0).contains(&r[1]) && r[0] <= r[1] {
            Ok(())
        } else {
            Err(self.field_err(field, format!("{r:?} must be [min, max] within 0..=1")))
        }
    }

    /// Resolves every asset inside the film's folders and sets the content hash: the
    /// manifest, then per asset field its file's length and SHA-256 (each distinct file
    /// read once, streamed, however many fields name it).
    fn resolve_and_hash(&mut self, manifest: &[u8]) -> Result<(), FilmError> {
        let root = self.film_root()?;
        let mut hasher = Sha256::new();
        hasher.update(manifest);
        let mut files: HashMap<PathBuf, (PathBuf, u64, [u8; 32])> = HashMap::new();
        for (field, rel) in self.asset_fields() {
            if !files.contains_key(&rel) {
                let asset_err = |asset: PathBuf, source| FilmError::Asset {
                    path: self.manifest_path.clone(),
                    field: field.clone(),
                    asset,
                    source,
                };
                let full = root.resolve(&rel).map_err(|e| {
                    asset_err(
                        rel.clone(),
                        std::io::Error::new(std::io::ErrorKind::PermissionDenied, e),
                    )
                })?;
                let (len, digest) = hash_file(&full, Self::byte_limit(&field))
                    .map_err(|e| asset_err(full.clone(), e))?;
                files.insert(rel.clone(), (full, len, digest));
            }
            let (_, len, digest) = &files[&rel];
            hasher.update(len.to_le_bytes());
            hasher.update(digest);
        }
        self.content_hash = hasher.finalize().into();
        let resolve = |p: &mut PathBuf| {
            if let Some((full, ..)) = files.get(&*p) {
                *p = full.clone();
            }
        };
        self.grade
            .looks
            .iter_mut()
            .for_each(|l| resolve(&mut l.lut));
        self.music
            .stems
            .iter_mut()
            .for_each(|s| resolve(&mut s.file));
        self.music
            .stingers
            .iter_mut()
            .for_each(|s| resolve(&mut s.file));
        for seg in &mut self.segments {
            seg.variants.iter_mut().for_each(|v| resolve(&mut v.scene));
            for item in seg.placements.iter_mut().flat_map(|s| s.items.iter_mut()) {
                item.sign.iter_mut().for_each(resolve);
                item.localized.values_mut().for_each(resolve);
            }
        }
        Ok(())
    }

    /// Short hex form of the content hash, used as the film version.
    pub fn version(&self) -> String {
        data_encoding::HEXLOWER.encode(&self.content_hash[..8])
    }

    /// Distinct scene files, in first-use order.
    pub fn scene_paths(&self) -> Vec<&Path> {
        let mut out: Vec<&Path> = Vec::new();
        for v in self.segments.iter().flat_map(|s| &s.variants) {
            if !out.contains(&v.scene.as_path()) {
                out.push(&v.scene);
            }
        }
        out
    }

    /// For each segment and variant, the index of its scene in [`Film::scene_paths`].
    pub fn scene_indices(&self) -> Vec<Vec<usize>> {
        let paths = self.scene_paths();
        self.segments
            .iter()
            .map(|s| {
                s.variants
                    .iter()
                    .map(|v| {
                        paths
                            .iter()
                            .position(|p| *p == v.scene.as_path())
                            .unwrap_or(0)
                    })
                    .collect()
            })
            .collect()
    }
}

/// Length and SHA-256 of regular file `path`, streamed; refused over `limit` bytes.
fn hash_file(path: &Path, limit: u64) -> std::io::Result<(u64, [u8; 32])> {
    let (file, _) = open_within(path, limit)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut reader = file.take(limit);
    let mut read = 0u64;
    loop {
        let n = reader.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        read += n as u64;
    }
    Ok((read, hasher.finalize().into()))
}
