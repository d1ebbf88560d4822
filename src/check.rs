//! `livingfilm check`: every problem in a film at once — syntax, values, and the assets
//! the manifest references (present, and readable as what they claim to be) — each with
//! the manifest line and field at fault, so a film maker fixes them in one pass.

use std::collections::HashMap;
use std::hash::Hash;
use std::path::{Path, PathBuf};

use livingfilm_core::manifest::{Film, FilmError};
use livingfilm_core::spans::{self, KeyIndex, SyntaxError};
use livingfilm_core::untrusted::ContainmentError;

/// One problem found by [`check_film`].
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Problem {
    /// Dotted path of the field at fault (`segments[1].variants[0].fog`), or "" for syntax.
    pub field: String,
    /// 1-based line of the manifest where that field (or its table) is written.
    pub line: Option<usize>,
    /// 1-based column on that line (characters).
    pub column: Option<usize>,
    /// What is wrong; a syntax error may take several lines.
    pub message: String,
}

/// The outcome of checking a film.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CheckReport {
    /// The manifest that was checked.
    pub manifest: PathBuf,
    /// Every problem, in manifest order for values, then assets. Any makes the film
    /// unplayable (`check` exits 1).
    pub problems: Vec<Problem>,
    /// What plays but should be looked at (the stems' headroom): never an exit code.
    pub warnings: Vec<Problem>,
}

impl CheckReport {
    /// Each problem as compilers print them: `file:line: field `F`: message` for values and
    /// assets, `file:line:column: message` for syntax; a message's further lines follow,
    /// indented. Then the warnings, `file:line: warning: field `F`: message`.
    pub fn lines(&self) -> Vec<String> {
        let mut out = Vec::new();
        let warnings = self.warnings.iter().map(|p| (p, " warning:"));
        for (p, tag) in self.problems.iter().map(|p| (p, "")).chain(warnings) {
            let at = match (p.line, p.column, p.field.is_empty()) {
                (Some(l), Some(c), true) => format!(":{l}:{c}"),
                (Some(l), _, _) => format!(":{l}"),
                _ => String::new(),
            };
            let field = if p.field.is_empty() {
                String::new()
            } else {
                format!(" field `{}`:", p.field)
            };
            let mut message = p.message.lines();
            let first = message.next().unwrap_or_default();
            out.push(format!(
                "{}{at}:{tag}{field} {first}",
                self.manifest.display()
            ));
            out.extend(message.map(|l| format!("    {l}")));
        }
        out
    }
}

/// Checks the film at `path` (folder or manifest); `Err` only when the manifest itself
/// cannot be read.
pub fn check_film(path: &Path) -> Result<CheckReport, FilmError> {
    let (manifest, text) = Film::read_manifest(path)?;
    let (problems, warnings) = match Film::parse_unchecked(&text, &manifest) {
        Err(FilmError::Syntax { error, .. }) => (syntax_problems(&text, error), Vec::new()),
        Err(other) => return Err(other),
        Ok(film) => {
            let index = KeyIndex::new(&text);
            let place = |found: Vec<(String, String)>| -> Vec<Problem> {
                found
                    .into_iter()
                    .map(|(field, message)| {
                        let at = index.locate(&field);
                        Problem {
                            line: at.map(|p| p.line),
                            column: at.map(|p| p.column),
                            field,
                            message,
                        }
                    })
                    .collect()
            };
            let (problems, warnings) = film_problems(&film, &manifest);
            (place(problems), place(warnings))
        }
    };
    Ok(CheckReport {
        manifest,
        problems,
        warnings,
    })
}

/// Every syntax error of the manifest `text` (the parser goes on after each one), or, when
/// the TOML is well formed, `first`: the schema error that stopped the typed parse.
fn syntax_problems(text: &str, first: SyntaxError) -> Vec<Problem> {
    let mut errors = spans::syntax_errors(text);
    if errors.is_empty() {
        errors.push(first);
    }
    errors
        .into_iter()
        .map(|e| {
            let mut message = e.message.join("\n");
            if let (Some(at), Some(until)) = (e.at, e.until) {
                message += &format!(
                    "\n(the value at fault runs from line {} to line {})",
                    at.line, until.line
                );
            }
            Problem {
                field: String::new(),
                line: e.at.map(|p| p.line),
                column: e.at.map(|p| p.column),
                message,
            }
        })
        .collect()
}

/// Problems or warnings as (field, message).
type Found = Vec<(String, String)>;

/// Every value, asset and scene problem of a parsed film, in the order
/// [`CheckReport::problems`] gives them; and the warnings.
fn film_problems(film: &Film, manifest: &Path) -> (Found, Found) {
    let mut out: Vec<(String, String)> = film
        .problems()
        .into_iter()
        .filter_map(|e| match e {
            FilmError::Field { field, problem, .. } => Some((field, problem)),
            _ => None,
        })
        .collect();
    // The same folders and file rules as loading for play: containment, regular files,
    // size limits.
    let root = match film.film_root() {
        Ok(root) => root,
        Err(FilmError::Field { field, problem, .. }) => {
            out.push((field, problem));
            return (out, Vec::new());
        }
        Err(_) => return (out, Vec::new()),
    };
    // Each distinct asset is checked, and reported, once however many fields name it.
    let mut resolved = HashMap::new();
    for (asset, fields) in grouped(film.asset_fields().into_iter().map(|(f, a)| (a, f))) {
        let field = &fields[0];
        // Paths in messages as the film maker wrote them.
        let shown = manifest.parent().unwrap_or(Path::new("")).join(&asset);
        let checked = root
            .resolve(&asset)
            .map_err(|e| match e {
                ContainmentError::Resolve(_, io) if io.kind() == std::io::ErrorKind::NotFound => {
                    format!("asset {} does not exist", shown.display())
                }
                e => format!("asset {}: {e}", shown.display()),
            })
            .and_then(|full| check_asset(field, &full, &shown, film).map(|()| full));
        match checked {
            Ok(full) => {
                resolved.insert(asset, full);
            }
            Err(message) => out.push((field.clone(), message + &named_by(&fields))),
        }
    }
    out.extend(scene_problems(film, &resolved));
    let warnings = livingfilm_audio::headroom::warnings(film, &resolved);
    (out, warnings)
}

/// `items` as (key, every value with that key), keys in first-use order.
fn grouped<K: Eq + Hash + Clone, V>(items: impl IntoIterator<Item = (K, V)>) -> Vec<(K, Vec<V>)> {
    let mut order: Vec<(K, Vec<V>)> = Vec::new();
    let mut slot: HashMap<K, usize> = HashMap::new();
    for (k, v) in items {
        match slot.get(&k) {
            Some(&i) => order[i].1.push(v),
            None => {
                slot.insert(k.clone(), order.len());
                order.push((k, vec![v]));
            }
        }
    }
    order
}

/// Most fields a grouped problem lists by name.
const NAMED_FIELDS: usize = 3;

/// ` (named by N fields: a, b, c and 2 more)` when more than one field shares a problem
/// (reported once, at the first): every place that changes with the fix.
fn named_by(fields: &[String]) -> String {
    if fields.len() < 2 {
        return String::new();
    }
    let shown: Vec<&str> = fields
        .iter()
        .take(NAMED_FIELDS)
        .map(String::as_str)
        .collect();
    let more = fields.len().saturating_sub(NAMED_FIELDS);
    let rest = if more > 0 {
        format!(" and {more} more")
    } else {
        String::new()
    };
    format!(
        " (named by {} fields: {}{rest})",
        fields.len(),
        shown.join(", ")
    )
}

/// What the manifest asks of each variant's scene file: the camera path it follows and
/// the sign slots of its segment's placements. Each scene file is loaded once, and each
/// thing it lacks is reported once (at the first field that asks for it, naming the
/// others), however many variants play it. Scenes that do not load are reported with
/// their assets.
fn scene_problems(film: &Film, resolved: &HashMap<PathBuf, PathBuf>) -> Vec<(String, String)> {
    let mut infos: HashMap<&Path, Option<livingfilm_render::SceneInfo>> = HashMap::new();
    // (scene, path it lacks) -> camera fields; (scene, segment, placement) -> variant ids.
    let mut cameras = Vec::new();
    let mut slots = Vec::new();
    for (si, seg) in film.segments.iter().enumerate() {
        for (vi, v) in seg.variants.iter().enumerate() {
            let info = infos.entry(v.scene.as_path()).or_insert_with(|| {
                let full = resolved.get(&v.scene)?;
                livingfilm_render::AnyScene::load(full)
                    .ok()
                    .map(|s| s.info())
            });
            let Some(info) = info.as_ref() else {
                continue;
            };
            if let livingfilm_core::CameraMove::Path(p) = &v.camera {
                if info.camera(&p.path).is_none() {
                    let have: Vec<&str> = info.cameras.iter().map(|c| c.name.as_str()).collect();
                    cameras.push((
                        (v.scene.as_path(), p.path.as_str(), list_or_none(&have)),
                        format!("segments[{si}].variants[{vi}].camera.path"),
                    ));
                }
            }
            for (pi, slot) in seg.placements.iter().enumerate() {
                let signed = slot.items.iter().any(|i| i.sign.is_some());
                if signed && info.slot(&slot.slot).is_none() {
                    slots.push(((v.scene.as_path(), si, pi), format!("`{}`", v.id)));
                }
            }
        }
    }
    let mut out = Vec::new();
    for ((scene, path, have), fields) in grouped(cameras) {
        out.push((
            fields[0].clone(),
            format!(
                "scene {} has no camera path `{path}` (it has: {have}){}",
                scene.display(),
                named_by(&fields)
            ),
        ));
    }
    for ((scene, si, pi), variants) in grouped(slots) {
        let slot = &film.segments[si].placements[pi].slot;
        let played_by = match variants.len() {
            1 => format!("variant {}", variants[0]),
            n => format!("{n} variants ({})", variants.join(", ")),
        };
        out.push((
            format!("segments[{si}].placements[{pi}].slot"),
            format!(
                "{played_by} play{} scene {}, which has no sign slot `{slot}`",
                if variants.len() == 1 { "s" } else { "" },
                scene.display()
            ),
        ));
    }
    out
}

/// `a, b` or `none`.
fn list_or_none(names: &[&str]) -> String {
    if names.is_empty() {
        "none".into()
    } else {
        names.join(", ")
    }
}

/// A looping stem must be whole bars long, or each loop would drift off the grid that
/// cue changes and stingers snap to.
fn check_stem_length(field: &str, path: &Path, film: &Film) -> Result<(), String> {
    let stats = livingfilm_audio::inspect::analyze(path).map_err(|e| e.to_string())?;
    if stats.frames == 0 {
        return Err("no audio frames (a zero-length stem)".into());
    }
    let k = field
        .strip_prefix("music.stems[")
        .and_then(|r| r.split(']').next())
        .and_then(|n| n.parse::<usize>().ok());
    let (Some(stem), Some(bar)) = (
        k.and_then(|k| film.music.stems.get(k)),
        film.music.grid().first_bar_s(),
    ) else {
        return Ok(());
    };
    let bars = stats.duration_s / bar;
    let off_s = (bars - bars.round()).abs() * bar;
    if stem.looping && (off_s > 0.002 || bars.round() < 1.0) {
        let t = film.music.tempo[0];
        return Err(format!(
            "{:.3} s long, not a whole number of bars at {} bpm {}/4 ({bar:.3} s a bar): its loops would drift off the tempo map",
            stats.duration_s, t.bpm, t.beats_per_bar
        ));
    }
    Ok(())
}

/// Opens an asset as what its field says it is, under the same rules as loading it
/// for play (a regular file within its kind's size limit).
/// `path` is the resolved file, `shown` the path as messages give it.
fn check_asset(field: &str, path: &Path, shown: &Path, film: &Film) -> Result<(), String> {
    if let Err(e) = livingfilm_core::untrusted::open_within(path, Film::byte_limit(field)) {
        return Err(format!("asset {} is unusable: {e}", shown.display()));
    }
    let result = if field.ends_with(".lut") {
        livingfilm_render::grade::CubeLut::load(path)
            .map(drop)
            .map_err(|e| e.to_string())
    } else if field.ends_with(".scene") {
        livingfilm_render::AnyScene::load(path)
            .map(drop)
            .map_err(|e| e.to_string())
    } else if field.ends_with(".sign") || field.contains(".localized.") {
        livingfilm_render::load_sign_image(path)
            .map(drop)
            .map_err(|e| e.to_string())
    } else if field.starts_with("music.stems[") {
        check_stem_length(field, path, film)
    } else if field.ends_with(".file") {
        livingfilm_audio::decode_file(path, livingfilm_director::score::MAX_STINGER_S)
            .map_err(|e| e.to_string())
            .and_then(|a| {
                match livingfilm_director::score::stinger_problem(a.frames(), a.sample_rate) {
                    Some(problem) => Err(problem),
                    None => Ok(()),
                }
            })
    } else {
        std::fs::read(path).map(drop).map_err(|e| e.to_string())
    };
    result.map_err(|e| format!("asset {} is unusable: {e}", shown.display()))
}
