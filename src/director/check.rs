//! `livingfilm check`: every problem in a film at once — syntax, values, and the assets
//! the manifest references (present, and readable as what they claim to be) — each with
//! the manifest line and field at fault, so a film maker fixes them in one pass.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::manifest::{Film, FilmError};
use crate::untrusted::ContainmentError;

/// One problem found by [`check_film`].
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Problem {
    /// Dotted path of the field at fault (`segments[1].variants[0].fog`), or "" for syntax.
    pub field: String,
    /// 1-based line of the manifest where that field (or its table) is written.
    pub line: Option<usize>,
    /// What is wrong.
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
    /// One line per problem, `file:line: field: message`, as compilers print them;
    /// then the warnings, `file:line: warning: field: message`.
    pub fn lines(&self) -> Vec<String> {
        let warnings = self.warnings.iter().map(|p| (p, " warning:"));
        self.problems
            .iter()
            .map(|p| (p, ""))
            .chain(warnings)
            .map(|(p, tag)| {
                let at = p.line.map(|l| format!(":{l}")).unwrap_or_default();
                let field = if p.field.is_empty() {
                    String::new()
                } else {
                    format!(" field `{}`:", p.field)
                };
                format!("{}{at}:{tag}{field} {}", self.manifest.display(), p.message)
            })
            .collect()
    }
}

/// Checks the film at `path` (folder or manifest); `Err` only when the manifest itself
/// cannot be read.
pub fn check_film(path: &Path) -> Result<CheckReport, FilmError> {
    let (manifest, text) = Film::read_manifest(path)?;
    let (mut problems, mut warnings) = (Vec::new(), Vec::new());
    match Film::parse_unchecked(&text, &manifest) {
        Err(FilmError::Syntax { message, .. }) => problems.push(Problem {
            field: String::new(),
            line: None, // the TOML message carries line and column itself
            message,
        }),
        Err(other) => return Err(other),
        Ok(film) => {
            problems.extend(
                film.problems()
                    .into_iter()
                    .filter_map(|e| field_problem(&text, e)),
            );
            // The same folders and file rules as loading for play: containment, regular
            // files, size limits. Each distinct asset is checked (and reported) once.
            let mut resolved = HashMap::new();
            match film.film_root() {
                Err(e) => problems.extend(field_problem(&text, e)),
                Ok(root) => {
                    let mut seen = std::collections::HashSet::new();
                    for (field, asset) in film.asset_fields() {
                        if !seen.insert(asset.clone()) {
                            continue;
                        }
                        // Paths in messages as the film maker wrote them.
                        let shown = manifest.parent().unwrap_or(Path::new("")).join(&asset);
                        let checked = root
                            .resolve(&asset)
                            .map_err(|e| match e {
                                ContainmentError::Resolve(_, io)
                                    if io.kind() == std::io::ErrorKind::NotFound =>
                                {
                                    format!("asset {} does not exist", shown.display())
                                }
                                e => format!("asset {}: {e}", shown.display()),
                            })
                            .and_then(|full| {
                                check_asset(&field, &full, &shown, &film).map(|()| full)
                            });
                        match checked {
                            Ok(full) => {
                                resolved.insert(asset, full);
                            }
                            Err(message) => problems.push(Problem {
                                line: locate(&text, &field),
                                field,
                                message,
                            }),
                        }
                    }
                }
            }
            for (field, message) in scene_problems(&film, &resolved) {
                problems.push(Problem {
                    line: locate(&text, &field),
                    field,
                    message,
                });
            }
            for (field, message) in crate::audio::headroom::warnings(&film, &resolved) {
                warnings.push(Problem {
                    line: locate(&text, &field),
                    field,
                    message,
                });
            }
        }
    }
    Ok(CheckReport {
        manifest,
        problems,
        warnings,
    })
}

/// A value problem as a [`Problem`] located in the manifest `text`.
fn field_problem(text: &str, e: FilmError) -> Option<Problem> {
    match e {
        FilmError::Field { field, problem, .. } => Some(Problem {
            line: locate(text, &field),
            field,
            message: problem,
        }),
        _ => None,
    }
}

/// What the manifest asks of each variant's scene file: the camera path it follows and
/// the sign slots of its segment's placements. Scenes that do not load are reported
/// with their assets; each scene file is loaded once.
fn scene_problems(film: &Film, resolved: &HashMap<PathBuf, PathBuf>) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut infos: HashMap<&Path, Option<crate::render::SceneInfo>> = HashMap::new();
    for (si, seg) in film.segments.iter().enumerate() {
        for (vi, v) in seg.variants.iter().enumerate() {
            let info = infos.entry(v.scene.as_path()).or_insert_with(|| {
                let full = resolved.get(&v.scene)?;
                crate::render::AnyScene::load(full).ok().map(|s| s.info())
            });
            let Some(info) = info.as_ref() else {
                continue;
            };
            let at = format!("segments[{si}].variants[{vi}]");
            if let super::CameraMove::Path(p) = &v.camera {
                if info.camera(&p.path).is_none() {
                    let have: Vec<&str> = info.cameras.iter().map(|c| c.name.as_str()).collect();
                    out.push((
                        format!("{at}.camera"),
                        format!(
                            "scene {} has no camera path `{}` (it has: {})",
                            v.scene.display(),
                            p.path,
                            if have.is_empty() {
                                "none".into()
                            } else {
                                have.join(", ")
                            }
                        ),
                    ));
                }
            }
            for (pi, slot) in seg.placements.iter().enumerate() {
                let signed = slot.items.iter().any(|i| i.sign.is_some());
                if signed && info.slot(&slot.slot).is_none() {
                    out.push((
                        format!("segments[{si}].placements[{pi}].slot"),
                        format!(
                            "variant `{}` plays scene {}, which has no sign slot `{}`",
                            v.id,
                            v.scene.display(),
                            slot.slot
                        ),
                    ));
                }
            }
        }
    }
    out
}

/// A looping stem must be whole bars long, or each loop would drift off the grid that
/// cue changes and stingers snap to.
fn check_stem_length(field: &str, path: &Path, film: &Film) -> Result<(), String> {
    let stats = crate::audio::inspect::analyze(path).map_err(|e| e.to_string())?;
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
    if let Err(e) = crate::untrusted::open_within(path, Film::byte_limit(field)) {
        return Err(format!("asset {} is unusable: {e}", shown.display()));
    }
    let result = if field.ends_with(".lut") {
        crate::grade::CubeLut::load(path)
            .map(drop)
            .map_err(|e| e.to_string())
    } else if field.ends_with(".scene") {
        crate::render::AnyScene::load(path)
            .map(drop)
            .map_err(|e| e.to_string())
    } else if field.ends_with(".sign") || field.contains(".localized.") {
        crate::render::load_sign_image(path)
            .map(drop)
            .map_err(|e| e.to_string())
    } else if field.starts_with("music.stems[") {
        check_stem_length(field, path, film)
    } else if field.ends_with(".file") {
        crate::audio::decode_file(path, crate::director::score::MAX_STINGER_S)
            .map_err(|e| e.to_string())
            .and_then(|a| {
                match crate::director::score::stinger_problem(a.frames(), a.sample_rate) {
                    Some(problem) => Err(problem),
                    None => Ok(()),
                }
            })
    } else {
        std::fs::read(path).map(drop).map_err(|e| e.to_string())
    };
    result.map_err(|e| format!("asset {} is unusable: {e}", shown.display()))
}

/// Finds the line where `field` (`a.b[2].c[0].key`) is written in TOML `text`: the
/// `key =` line inside the right occurrence of the right table, else that table's
/// header, else `None`.
pub fn locate(text: &str, field: &str) -> Option<usize> {
    // Split into table levels with their occurrence index, and the final key.
    let mut names = Vec::new();
    let mut levels: Vec<(String, usize)> = Vec::new();
    for comp in field.split('.') {
        let (name, index) = match comp.split_once('[') {
            Some((n, rest)) => (n, rest.trim_end_matches(']').parse::<usize>().ok()),
            None => (comp, None),
        };
        names.push(name);
        if let Some(i) = index {
            levels.push((names.join("."), i));
        }
    }
    let indexed_last = field.ends_with(']');
    let (table, key) = if indexed_last {
        (names.join("."), None)
    } else {
        (names[..names.len() - 1].join("."), names.last().copied())
    };
    let mut counts: HashMap<String, usize> = HashMap::new();
    let mut current = String::new();
    let mut header_line = None;
    let in_place = |counts: &HashMap<String, usize>| {
        levels
            .iter()
            .all(|(name, i)| counts.get(name).copied() == Some(i + 1))
    };
    for (n, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if let Some(h) = line.strip_prefix("[[").and_then(|l| l.split("]]").next()) {
            let h = h.trim().to_owned();
            *counts.entry(h.clone()).or_default() += 1;
            counts.retain(|k, _| !k.starts_with(&format!("{h}.")));
            current = h;
        } else if let Some(h) = line.strip_prefix('[').and_then(|l| l.split(']').next()) {
            current = h.trim().to_owned();
        } else if current == table && in_place(&counts) {
            if let Some(key) = key {
                let lhs = line.split('=').next().unwrap_or("").trim();
                if line.contains('=') && lhs == key {
                    return Some(n + 1);
                }
            }
            continue;
        } else {
            continue;
        }
        if current == table && in_place(&counts) && header_line.is_none() {
            header_line = Some(n + 1);
        }
        // A whole array of tables (`grade.looks`, `segments`): its first header.
        if let Some(key) = key {
            let whole = if table.is_empty() {
                key.to_owned()
            } else {
                format!("{table}.{key}")
            };
            if current == whole && in_place(&counts) {
                header_line.get_or_insert(n + 1);
            }
        }
    }
    // Inside an inline array (`items = [{ … }]`): the line of the array's key.
    header_line.or_else(|| {
        field
            .rsplit_once('[')
            .and_then(|(outer, _)| locate(text, outer))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locates_keys_in_nested_arrays_of_tables() {
        let text =
            "[film]\nfps = 24\n\n[[segments]]\nid = \"a\"\n[[segments.variants]]\nduration_s = 1\n\
                    [[segments]]\nid = \"b\"\n[[segments.variants]]\nduration_s = 2\n\
                    [[segments.variants]]\nduration_s = 3\n";
        assert_eq!(locate(text, "film.fps"), Some(2));
        assert_eq!(locate(text, "segments[1].id"), Some(9));
        assert_eq!(locate(text, "segments[1].variants[1].duration_s"), Some(13));
        assert_eq!(locate(text, "segments[0].variants[0].duration_s"), Some(7));
        assert_eq!(locate(text, "segments[1].variants[1]"), Some(12));
        assert_eq!(locate(text, "segments"), Some(4));
        assert_eq!(locate(text, "nothing.here"), None);
    }
}
