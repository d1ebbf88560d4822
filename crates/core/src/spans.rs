//! Where things are written in a TOML text, from the toml crate's own spans: each key's
//! line and column (`check` places every problem with them), and syntax errors with
//! their position.
//!
//! Why spans and not a scan of the lines: TOML writes the same key many ways (`"pacing"`,
//! `camera.fov_deg = …`, inline tables over several lines, `[[segments.variants]]`
//! headers inside their segment), and only the parser knows which line holds which key.

use std::collections::HashMap;

use toml::de::{DeTable, DeValue};
use toml::Spanned;

use crate::untrusted::shorten_quotes;

/// A place in a text: 1-based line and column (columns count characters, as the toml
/// crate's own messages do).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Pos {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
}

impl Pos {
    /// The position of byte `offset` of `text` (clamped to its end).
    pub fn at(text: &str, offset: usize) -> Self {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let before = &text[..offset];
        let line_start = before.rfind('\n').map_or(0, |n| n + 1);
        Self {
            line: before.matches('\n').count() + 1,
            column: before[line_start..].chars().count() + 1,
        }
    }
}

/// Every key and array element of a TOML document, by dotted path
/// (`segments[1].variants[0].camera.fov_deg`), with the position where it is written.
///
/// A key's position is its first mention: for an array of tables
/// (`segments[1].variants`) the first `[[…]]` header of it inside its parent, for a table
/// written by dotted keys (`camera.radius = …`) its first dotted line; an array element
/// is placed where it starts (its `[[…]]` header, or its `{` in an inline array).
///
/// Keys are kept as byte offsets and placed only when asked for, against a table of line
/// starts: a manifest at its size bound (1 MiB, tens of thousands of keys) is indexed in
/// linear time, not a scan of the text per key.
#[derive(Debug, Default)]
pub struct KeyIndex {
    places: HashMap<String, usize>,
    lines: Lines,
}

impl KeyIndex {
    /// Indexes `text`; what does not parse is left out (its syntax errors are reported
    /// by [`syntax_errors`]).
    pub fn new(text: &str) -> Self {
        let (doc, _errors) = DeTable::parse_recoverable(text);
        let mut index = Self {
            places: HashMap::new(),
            lines: Lines::new(text),
        };
        index.table("", doc.get_ref());
        index
    }

    fn table(&mut self, path: &str, table: &DeTable<'_>) {
        for (key, value) in table.iter() {
            let name: &str = key.get_ref();
            let at = if path.is_empty() {
                name.to_owned()
            } else {
                format!("{path}.{name}")
            };
            self.places.entry(at.clone()).or_insert(key.span().start);
            self.value(&at, value);
        }
    }

    fn value(&mut self, path: &str, value: &Spanned<DeValue<'_>>) {
        match value.get_ref() {
            DeValue::Table(t) => self.table(path, t),
            DeValue::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    let at = format!("{path}[{i}]");
                    self.places.entry(at.clone()).or_insert(item.span().start);
                    self.value(&at, item);
                }
            }
            _ => {}
        }
    }

    /// Where `field` is written or, when it is not (a default, a missing key), where the
    /// nearest enclosing table or array is; `None` when nothing of it is written.
    pub fn locate(&self, field: &str) -> Option<Pos> {
        let mut at = field;
        loop {
            if let Some(&offset) = self.places.get(at) {
                return Some(self.lines.pos(offset));
            }
            at = parent(at)?;
        }
    }
}

/// A text's line starts, to place byte offsets by binary search.
#[derive(Debug, Default)]
struct Lines {
    text: String,
    starts: Vec<usize>,
}

impl Lines {
    fn new(text: &str) -> Self {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Self {
            text: text.to_owned(),
            starts,
        }
    }

    /// [`Pos::at`] in O(log lines + the line's length).
    fn pos(&self, offset: usize) -> Pos {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.starts.partition_point(|&s| s <= offset);
        let start = self.starts[line - 1];
        Pos {
            line,
            column: self.text[start..offset].chars().count() + 1,
        }
    }
}

/// `a.b[2]` for `a.b[2].c`, `a.b` for `a.b[2]`; `None` at the top.
fn parent(path: &str) -> Option<&str> {
    if path.ends_with(']') {
        path.rfind('[').map(|i| &path[..i])
    } else {
        path.rfind('.').map(|i| &path[..i])
    }
}

/// A TOML syntax or schema error, placed: where it starts, where its span ends when that
/// is on a later line (a value written over several lines), and the parser's message,
/// its quoted parts cut to excerpts (the text may be anything a path points at).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{}", self.at.map(|p| format!("line {}, column {}: ", p.line, p.column)).unwrap_or_default(), self.message.join("; "))]
pub struct SyntaxError {
    /// Where the error's span starts.
    pub at: Option<Pos>,
    /// Where the span ends, when that is on a later line than `at`.
    pub until: Option<Pos>,
    /// The parser's message, one entry per line.
    pub message: Vec<String>,
}

impl SyntaxError {
    /// `e`, an error about `text`, placed by its span.
    pub fn new(text: &str, e: &toml::de::Error) -> Self {
        let span = e.span();
        let at = span.as_ref().map(|s| Pos::at(text, s.start));
        let until = span
            .map(|s| Pos::at(text, s.end.saturating_sub(1).max(s.start)))
            .filter(|end| at.is_some_and(|a| end.line > a.line));
        let message = e
            .message()
            .trim()
            .lines()
            .map(|l| shorten_quotes(l.trim_end()))
            .filter(|l| !l.is_empty())
            .collect();
        Self { at, until, message }
    }
}

/// Most syntax errors reported for one text: past these the parser is mostly echoing
/// the first ones.
pub const MAX_SYNTAX_ERRORS: usize = 20;

/// The TOML syntax errors in `text` (not schema errors: those need the types), the first
/// on each line, up to [`MAX_SYNTAX_ERRORS`], in text order. The parser goes on after
/// each error, and one mistake (an unclosed array) can set off several more on the same
/// line: the first there is the one to read.
pub fn syntax_errors(text: &str) -> Vec<SyntaxError> {
    let (_, errors) = DeTable::parse_recoverable(text);
    let mut out: Vec<SyntaxError> = errors.iter().map(|e| SyntaxError::new(text, e)).collect();
    out.sort_by_key(|e| e.at.map(|p| (p.line, p.column)));
    out.dedup_by_key(|e| e.at.map(|p| p.line));
    out.truncate(MAX_SYNTAX_ERRORS);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_table_places_offsets_as_a_scan_does() {
        let text = "a = 1\nbé = \"ü\"\n\n[t]\nc = [1,\n  2]\n";
        let lines = Lines::new(text);
        for offset in 0..=text.len() + 2 {
            assert_eq!(lines.pos(offset), Pos::at(text, offset), "offset {offset}");
        }
    }

    fn line(index: &KeyIndex, field: &str) -> Option<usize> {
        index.locate(field).map(|p| p.line)
    }

    #[test]
    fn keys_are_placed_however_they_are_written() {
        let text = "[film]\nfps = 24\n\n[[segments]]\nid = \"a\"\n\"pacing\" = [1.2, 0.8]\n\
                    [[segments.variants]]\nduration_s = 1\ncamera.radius = 2\ncamera.fov_deg = 200\n\
                    [[segments]]\nid = \"b\"\nitems = [\n  { id = \"x\" },\n  { id = \"y\",\n    sign = \"s.png\" },\n]\n\
                    [[segments.variants]]\nduration_s = 2\n[[segments.variants]]\nduration_s = 3\n";
        let index = KeyIndex::new(text);
        assert_eq!(line(&index, "film.fps"), Some(2));
        assert_eq!(line(&index, "segments[0].pacing"), Some(6));
        assert_eq!(line(&index, "segments[0].variants[0].camera"), Some(9));
        assert_eq!(
            line(&index, "segments[0].variants[0].camera.fov_deg"),
            Some(10)
        );
        assert_eq!(line(&index, "segments[1].id"), Some(12));
        assert_eq!(line(&index, "segments[1].items[1].id"), Some(15));
        assert_eq!(line(&index, "segments[1].items[1].sign"), Some(16));
        assert_eq!(line(&index, "segments[1].variants[1].duration_s"), Some(21));
        assert_eq!(line(&index, "segments[1].variants[1]"), Some(20));
        // An array of tables: its first header inside its own segment.
        assert_eq!(line(&index, "segments[1].variants"), Some(18));
        assert_eq!(line(&index, "segments"), Some(4));
        // Not written: the nearest enclosing table.
        assert_eq!(line(&index, "segments[1].variants[0].fog"), Some(18));
        assert_eq!(line(&index, "film.asset_root"), Some(1));
        assert_eq!(line(&index, "nothing.here"), None);
        let col = index
            .locate("segments[0].variants[0].camera.fov_deg")
            .unwrap();
        assert_eq!(col.column, 8);
    }

    #[test]
    fn syntax_errors_are_placed_and_all_reported() {
        let text = "a = 1\nb = [1,\n  2,\n  3\n[t]\nc = \"unterminated\nd = 2 3\n";
        let errors = syntax_errors(text);
        // One per line: the array left open on line 2 trips the parser on lines 5-7.
        let lines: Vec<usize> = errors.iter().map(|e| e.at.unwrap().line).collect();
        assert_eq!(lines, [5, 6, 7], "{errors:?}");
        assert!(errors[0].message[0].contains("missing comma"), "{errors:?}");
        assert!(syntax_errors("a = 1\n").is_empty());
    }

    #[test]
    fn a_value_over_several_lines_gives_its_end() {
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct T {
            fog: [f32; 2],
        }
        let text = "# a film\nfog = { x = 1,\n  y = 2 }\n";
        let e = toml::from_str::<T>(text).unwrap_err();
        let s = SyntaxError::new(text, &e);
        assert_eq!(s.at, Some(Pos { line: 2, column: 7 }));
        assert_eq!(s.until.map(|p| p.line), Some(3));
        assert_eq!(
            s.message,
            ["invalid type: map, expected an array of length 2"]
        );
        assert_eq!(
            s.to_string(),
            "line 2, column 7: invalid type: map, expected an array of length 2"
        );
    }
}
