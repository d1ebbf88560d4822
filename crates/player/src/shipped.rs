//! Where the files that ship with livingfilm are found: the tension model and the demo
//! films. Installed programs find their data relative to themselves or in the system's
//! data folders, never in the working directory, so every command works from any folder.
//!
//! The search order (docs/install.md):
//! 1. the folder holding the executable (a portable bundle: `livingfilm`, `models/`,
//!    `assets/` side by side);
//! 2. the installed data folder beside it, `<prefix>/share/livingfilm` for a binary in
//!    `<prefix>/bin`;
//! 3. `$XDG_DATA_HOME/livingfilm` (by default `~/.local/share/livingfilm`), then
//!    `livingfilm` under each of `$XDG_DATA_DIRS` (by default `/usr/local/share` and
//!    `/usr/share`);
//! 4. for the model only, the film's own folder (a film may ship its model);
//! 5. the source checkout the binary was built from (a developer's `cargo run`).

use std::path::{Path, PathBuf};

/// A shipped file that is in none of the places searched.
#[derive(Debug, thiserror::Error)]
#[error("{} was not found; looked in {}", .wanted.display(), list(.tried))]
pub struct NotShipped {
    /// The file or folder looked for, relative to each place.
    pub wanted: PathBuf,
    /// Every path tried, in order.
    pub tried: Vec<PathBuf>,
}

fn list(paths: &[PathBuf]) -> String {
    let shown: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    shown.join(", ")
}

/// The places searched, in order, with `film` (a film folder or its manifest) before
/// the source checkout when given.
pub fn search_roots(film: Option<&Path>) -> Vec<PathBuf> {
    let mut roots = Vec::new();
    if let Some(bin) = std::env::current_exe()
        .ok()
        .and_then(|e| e.canonicalize().ok())
        .and_then(|e| e.parent().map(Path::to_owned))
    {
        roots.push(bin.clone());
        if let Some(prefix) = bin.parent() {
            roots.push(prefix.join("share/livingfilm"));
        }
    }
    let env_path = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    let data_home = env_path("XDG_DATA_HOME")
        .map(PathBuf::from)
        .or_else(|| env_path("HOME").map(|h| PathBuf::from(h).join(".local/share")));
    roots.extend(data_home.map(|d| d.join("livingfilm")));
    let data_dirs =
        env_path("XDG_DATA_DIRS").unwrap_or_else(|| "/usr/local/share:/usr/share".into());
    roots.extend(
        std::env::split_paths(&data_dirs)
            .filter(|d| d.is_absolute())
            .map(|d| d.join("livingfilm")),
    );
    if let Some(film) = film {
        let folder = if film.is_dir() {
            film
        } else {
            film.parent().unwrap_or(Path::new("."))
        };
        roots.push(folder.to_owned());
    }
    roots.push(livingfilm_core::source_checkout());
    roots
}

/// The first of `roots` holding `wanted` (a relative path).
pub fn find_in(roots: &[PathBuf], wanted: &Path) -> Result<PathBuf, NotShipped> {
    let tried: Vec<PathBuf> = roots.iter().map(|r| r.join(wanted)).collect();
    match tried.iter().find(|p| p.exists()) {
        Some(found) => Ok(found.clone()),
        None => Err(NotShipped {
            wanted: wanted.to_owned(),
            tried,
        }),
    }
}

/// The tension model shipped as `models/tension.onnx`, for a viewing of `film`.
pub fn find_model(film: Option<&Path>) -> Result<PathBuf, NotShipped> {
    find_in(&search_roots(film), Path::new("models/tension.onnx"))
}

/// A demo film shipped under `assets/` (`demo`, `arc`).
pub fn find_film(name: &str) -> Result<PathBuf, NotShipped> {
    find_in(&search_roots(None), &Path::new("assets").join(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_place_holding_the_file_wins_and_misses_list_every_place() {
        let base = std::env::temp_dir().join(format!("lf-shipped-{}", std::process::id()));
        let (a, b, c) = (base.join("a"), base.join("b"), base.join("c"));
        for d in [&a, &b, &c] {
            std::fs::create_dir_all(d.join("models")).unwrap();
        }
        std::fs::write(b.join("models/tension.onnx"), b"x").unwrap();
        std::fs::write(c.join("models/tension.onnx"), b"x").unwrap();
        let roots = vec![a.clone(), b.clone(), c.clone()];
        let wanted = Path::new("models/tension.onnx");
        assert_eq!(find_in(&roots, wanted).unwrap(), b.join(wanted));
        let e = find_in(&roots[..1], wanted).unwrap_err();
        assert_eq!(e.tried, [a.join(wanted)]);
        assert!(
            e.to_string()
                .contains(&a.join(wanted).display().to_string()),
            "{e}"
        );
        std::fs::remove_dir_all(&base).ok();
    }

    #[test]
    fn the_film_comes_after_the_installed_places_and_before_the_checkout() {
        let film = std::env::temp_dir();
        let roots = search_roots(Some(&film));
        let at = roots.iter().position(|r| *r == film).unwrap();
        assert_eq!(roots.len() - 2, at, "{roots:?}");
        assert_eq!(*roots.last().unwrap(), livingfilm_core::source_checkout());
        assert!(livingfilm_core::source_checkout()
            .join("assets/demo/film.toml")
            .is_file());
        assert!(roots.iter().all(|r| r.is_absolute()), "{roots:?}");
    }
}
