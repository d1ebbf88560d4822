//! Reading files that come from someone else (a downloaded film, a LUT, a replay):
//! regular files only, opened without blocking, read within a stated size, and quoted in
//! errors only as a short, sanitised excerpt.
//!
//! Why: a path can name a FIFO (`open` blocks forever), a device (`/dev/zero` never
//! ends), or a secret (`/etc/shadow`, whose first line would otherwise appear in a parse
//! error). Every loader of an asset opens it through [`open_regular`] or
//! [`read_bounded`], so `check` and `play` refuse the same files for the same reasons.
//! Film folders add containment on top ([`FilmRoot`]).

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Largest scene file read whole, bytes (`.lfscene` grids and splat `.ply` captures):
/// a six-million-splat capture at full SH is about 1.5 GB.
pub const MAX_SCENE_BYTES: u64 = 2 << 30;

/// Largest `.cube` file read, bytes: a 65³ table (the largest size grading tools write)
/// is about 8 MB of text.
pub const MAX_CUBE_BYTES: u64 = 64 << 20;

/// Longest excerpt of untrusted text an error message may quote, in characters.
pub const EXCERPT_CHARS: usize = 40;

/// At most [`EXCERPT_CHARS`] characters of `text`, control characters escaped, `…` when
/// cut: enough to find the problem, never a file's contents.
pub fn excerpt(text: &str) -> String {
    let mut out = String::new();
    for (n, c) in text.chars().enumerate() {
        if n == EXCERPT_CHARS {
            out.push('…');
            break;
        }
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// `message` (a parser's error about untrusted text) with every quoted part — between
/// backticks or double quotes — cut to an [`excerpt`]: parsers quote the offending value,
/// which may be a line of someone's secrets.
pub fn shorten_quotes(message: &str) -> String {
    let mut out = String::with_capacity(message.len().min(256));
    let mut rest = message;
    while let Some(open) = rest.find(['`', '"']) {
        let q = rest[open..].chars().next().unwrap_or('"');
        out.push_str(&rest[..=open]);
        let after = &rest[open + 1..];
        match after.find(q) {
            Some(close) => {
                out.push_str(&excerpt(&after[..close]));
                out.push(q);
                rest = &after[close + 1..];
            }
            None => {
                out.push_str(&excerpt(after));
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// Opens `path` for reading if it is a regular file (after following symlinks). Opened
/// non-blocking, so a FIFO or device named by mistake or malice cannot stall the caller;
/// the type is checked on the opened descriptor, not on a path that could change.
pub fn open_regular(path: &Path) -> std::io::Result<File> {
    let mut opts = std::fs::OpenOptions::new();
    opts.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY);
    }
    let file = opts.open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "not a regular file (a folder, device, FIFO or socket)",
        ));
    }
    Ok(file)
}

/// [`open_regular`], refused when the file is over `limit` bytes; returns its length.
pub fn open_within(path: &Path, limit: u64) -> std::io::Result<(File, u64)> {
    let file = open_regular(path)?;
    let len = file.metadata()?.len();
    if len > limit {
        return Err(too_large(len, limit));
    }
    Ok((file, len))
}

/// The whole of regular file `path`, refused when over `limit` bytes (checked before
/// reading, and again while reading in case the file grows).
pub fn read_bounded(path: &Path, limit: u64) -> std::io::Result<Vec<u8>> {
    let (file, len) = open_within(path, limit)?;
    let mut bytes = Vec::with_capacity(len as usize);
    file.take(limit + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(too_large(bytes.len() as u64, limit));
    }
    Ok(bytes)
}

/// [`read_bounded`] as UTF-8 text.
pub fn read_text_bounded(path: &Path, limit: u64) -> std::io::Result<String> {
    String::from_utf8(read_bounded(path, limit)?)
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidData, "not UTF-8 text"))
}

fn too_large(len: u64, limit: u64) -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::InvalidData,
        format!("{len} bytes, more than the {limit} allowed for this kind of file"),
    )
}

/// Why an asset path was refused.
#[derive(Debug, thiserror::Error)]
pub enum ContainmentError {
    /// The path does not resolve (missing, or a dangling symlink).
    #[error("{0} cannot be resolved: {1}")]
    Resolve(PathBuf, #[source] std::io::Error),
    /// The path resolves outside the film folder (`..`, an absolute path, a symlink).
    #[error("{path} resolves to {resolved}, outside the film folder {root} (assets stay inside their film's folder unless the manifest names an `asset_root`)")]
    Outside {
        path: PathBuf,
        resolved: PathBuf,
        root: PathBuf,
    },
}

/// A film's folder, and the one extra absolute folder its manifest may allow: the only
/// places its assets may be read from. Containment is decided on fully resolved paths
/// (symlinks followed), so neither `..` nor a symlink leads out.
#[derive(Debug, Clone)]
pub struct FilmRoot {
    root: PathBuf,
    extra: Option<PathBuf>,
}

impl FilmRoot {
    /// The folder holding the manifest, plus `extra` (the manifest's `asset_root`).
    pub fn new(folder: &Path, extra: Option<&Path>) -> Result<Self, ContainmentError> {
        let canon = |p: &Path| {
            p.canonicalize()
                .map_err(|e| ContainmentError::Resolve(p.to_owned(), e))
        };
        Ok(Self {
            root: canon(folder)?,
            extra: extra.map(canon).transpose()?,
        })
    }

    /// `rel` (as written in the manifest) resolved against the film folder, if it lies
    /// inside the folder or the allowed asset root.
    ///
    /// The path is first judged as written (`..` taken lexically), so a path that names
    /// a place outside is refused as such whether or not anything exists there; then it
    /// is judged again fully resolved, which catches symlinks.
    pub fn resolve(&self, rel: &Path) -> Result<PathBuf, ContainmentError> {
        let joined = self.root.join(rel);
        let written = lexically_normal(&joined);
        if !self.contains(&written) {
            return Err(self.outside(rel, written));
        }
        let resolved = joined
            .canonicalize()
            .map_err(|e| ContainmentError::Resolve(joined.clone(), e))?;
        if self.contains(&resolved) {
            Ok(resolved)
        } else {
            Err(self.outside(rel, resolved))
        }
    }

    fn contains(&self, path: &Path) -> bool {
        path.starts_with(&self.root) || self.extra.as_ref().is_some_and(|x| path.starts_with(x))
    }

    fn outside(&self, rel: &Path, resolved: PathBuf) -> ContainmentError {
        ContainmentError::Outside {
            path: rel.to_owned(),
            resolved,
            root: self.root.clone(),
        }
    }
}

/// `path` with `.` dropped and each `..` taking away the component before it, without
/// touching the file system (`..` at the root stays at the root, as the kernel does).
fn lexically_normal(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("lf-untrusted-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn excerpts_are_short_and_printable() {
        assert_eq!(excerpt("abc"), "abc");
        let long = "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin";
        let e = excerpt(long);
        assert_eq!(e.chars().count(), EXCERPT_CHARS + 1 + 1, "{e}");
        assert!(e.ends_with('…') && e.contains("\\n") && !e.contains('\n'));
        assert!(!e.contains("daemon:/usr"));
    }

    #[test]
    fn quoted_parts_of_parser_errors_are_cut() {
        let secret =
            "root:$6$abcdefghijklmnopqrstuvwxyz0123456789$morehashmorehash:19000:0:99999:7:::";
        let msg = format!("invalid type: string \"{secret}\", expected `f32` at line 1");
        let short = shorten_quotes(&msg);
        assert!(!short.contains("morehash"), "{short}");
        assert!(
            short.starts_with("invalid type: string \"root:$6$"),
            "{short}"
        );
        assert!(short.ends_with("expected `f32` at line 1"), "{short}");
        assert_eq!(shorten_quotes("no quotes here"), "no quotes here");
        assert!(!shorten_quotes(&format!("unterminated `{secret}")).contains("morehash"));
    }

    #[test]
    fn only_regular_files_are_read_and_within_their_limit() {
        let d = dir("regular");
        let f = d.join("a.txt");
        std::fs::write(&f, b"0123456789").unwrap();
        assert_eq!(read_bounded(&f, 10).unwrap().len(), 10);
        let e = read_bounded(&f, 9).unwrap_err();
        assert!(e.to_string().contains("more than the 9"), "{e}");
        assert!(read_bounded(&d, 100).is_err());
        assert!(read_bounded(Path::new("/dev/zero"), 100).is_err());
        // A FIFO: refused at once instead of blocking in open().
        let fifo = d.join("lut.cube");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let e = open_regular(&fifo).unwrap_err();
        assert!(e.to_string().contains("not a regular file"), "{e}");
        std::fs::remove_dir_all(&d).ok();
    }

    #[test]
    fn assets_stay_inside_the_film_folder() {
        let d = dir("contain");
        let film = d.join("film");
        let shared = d.join("shared-luts");
        std::fs::create_dir_all(film.join("luts")).unwrap();
        std::fs::create_dir_all(&shared).unwrap();
        std::fs::write(film.join("luts/a.cube"), b"x").unwrap();
        std::fs::write(shared.join("b.cube"), b"x").unwrap();
        std::os::unix::fs::symlink("/etc/passwd", film.join("luts/evil.cube")).unwrap();
        std::os::unix::fs::symlink(film.join("luts/a.cube"), film.join("alias.cube")).unwrap();
        let root = FilmRoot::new(&film, None).unwrap();
        assert!(root.resolve(Path::new("luts/a.cube")).is_ok());
        assert!(root.resolve(Path::new("luts/../luts/a.cube")).is_ok());
        assert!(root.resolve(Path::new("alias.cube")).is_ok());
        for bad in [
            "../../../../../../etc/passwd",
            "/etc/passwd",
            "luts/evil.cube",
            "../shared-luts/b.cube",
            // Outside, and nothing there: still refused as outside, at any depth.
            "../../../../../../etc/no-such-file",
            "../no-such-folder/x.cube",
        ] {
            let e = root.resolve(Path::new(bad)).unwrap_err();
            assert!(matches!(e, ContainmentError::Outside { .. }), "{bad}: {e}");
        }
        // The manifest's asset_root lets one absolute folder in, and only that one.
        let root = FilmRoot::new(&film, Some(&shared)).unwrap();
        assert!(root.resolve(&shared.join("b.cube")).is_ok());
        assert!(root.resolve(Path::new("../shared-luts/b.cube")).is_ok());
        assert!(root.resolve(Path::new("/etc/passwd")).is_err());
        std::fs::remove_dir_all(&d).ok();
    }
}
