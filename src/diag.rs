//! Diagnostics about the input data: every problem names its file (and line and
//! column when known), so a build or check can report all of them in one run.

use std::fmt;
use std::path::{Path, PathBuf};

/// How bad a [`Problem`] is: errors stop a build, warnings do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// One finding about one input file.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct Problem {
    pub path: PathBuf,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub severity: Severity,
    pub message: String,
    /// How many problems this one stands for: 1, or N for the line that sums
    /// up the problems of a file past [`MAX_PROBLEMS_PER_FILE`].
    pub stands_for: usize,
}

/// At most this many problems are reported for one file; the rest are summed
/// up in one line per severity (and still counted in totals).
pub const MAX_PROBLEMS_PER_FILE: usize = 100;

impl Problem {
    /// An error about a whole file (no position).
    pub fn error(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Self::new(path, Severity::Error, message)
    }

    /// A warning about a whole file (no position).
    pub fn warning(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Self::new(path, Severity::Warning, message)
    }

    fn new(path: impl Into<PathBuf>, severity: Severity, message: impl Into<String>) -> Self {
        Problem {
            path: path.into(),
            line: None,
            column: None,
            severity,
            message: message.into(),
            stands_for: 1,
        }
    }

    /// The line that stands for `n` more problems of `severity` in a file.
    pub fn more(path: impl Into<PathBuf>, severity: Severity, n: usize) -> Self {
        let what = match severity {
            Severity::Error => "errors",
            Severity::Warning => "warnings",
        };
        Problem {
            stands_for: n,
            ..Self::new(path, severity, format!("… and {n} more {what} in this file"))
        }
    }

    /// Attaches a 1-based line and column.
    pub fn at(mut self, line: usize, column: usize) -> Self {
        self.line = Some(line);
        self.column = Some(column);
        self
    }

    /// Builds an error from a serde_json error, keeping its position.
    pub fn from_json(path: &Path, err: &serde_json::Error) -> Self {
        // serde_json appends " at line L column C"; the position goes in front instead.
        let text = err.to_string();
        let message = match text.rfind(" at line ") {
            Some(i) => text[..i].to_string(),
            None => text,
        };
        let p = Problem::error(path, message);
        if err.line() > 0 {
            p.at(err.line(), err.column().max(1))
        } else {
            p
        }
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", shown(&self.path.to_string_lossy(), usize::MAX))?;
        if let (Some(l), Some(c)) = (self.line, self.column) {
            write!(f, ":{l}:{c}")?;
        }
        let sev = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        // Messages quote input values; escaping here too means no message built
        // anywhere (build or check) can print a forged second line.
        write!(f, ": {sev}: {}", shown(&self.message, usize::MAX))
    }
}

/// Sorts `problems` and keeps the first [`MAX_PROBLEMS_PER_FILE`] of each file,
/// the rest summed up in one line per severity, so that a file with millions of
/// bad records is reported in a hundred lines.
pub fn cap_per_file(mut problems: Vec<Problem>) -> Vec<Problem> {
    problems.sort();
    problems.dedup();
    let mut out = Vec::with_capacity(problems.len().min(1 << 16));
    let mut i = 0;
    while i < problems.len() {
        let path = problems[i].path.clone();
        let end = i + problems[i..].partition_point(|p| p.path == path);
        let file = &problems[i..end];
        if file.len() <= MAX_PROBLEMS_PER_FILE && file.iter().all(|p| p.stands_for == 1) {
            out.extend_from_slice(file);
        } else {
            let (mut errors, mut warnings) = (0, 0);
            for (k, p) in file.iter().enumerate() {
                if k < MAX_PROBLEMS_PER_FILE && p.stands_for == 1 {
                    out.push(p.clone());
                } else if p.is_error() {
                    errors += p.stands_for;
                } else {
                    warnings += p.stands_for;
                }
            }
            for (severity, n) in [(Severity::Error, errors), (Severity::Warning, warnings)] {
                if n > 0 {
                    out.push(Problem::more(&path, severity, n));
                }
            }
        }
        i = end;
    }
    out
}

/// The error a build returns when the input has errors: all of them, sorted.
#[derive(Debug)]
pub struct InputErrors(pub Vec<Problem>);

impl fmt::Display for InputErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n: usize = self.0.iter().filter(|p| p.is_error()).map(|p| p.stands_for).sum();
        writeln!(f, "{n} input file error(s); nothing was written:")?;
        for p in self.0.iter().filter(|p| p.is_error()) {
            writeln!(f, "  {p}")?;
        }
        Ok(())
    }
}

impl std::error::Error for InputErrors {}

/// A raw input value as quoted in a message: at most `max_chars` characters (then `…`),
/// with control, zero-width and bidi characters escaped, so a value can neither forge
/// extra diagnostic lines nor hide or reorder text on a terminal.
pub fn shown(raw: &str, max_chars: usize) -> String {
    let mut out = String::with_capacity(raw.len().min(max_chars));
    for (i, c) in raw.chars().enumerate() {
        if i == max_chars {
            out.push('…');
            break;
        }
        if c.is_control() || crate::text::is_invisible(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// 1-based line and column of a byte offset in `text` (one lookup; for many,
/// build a [`LineIndex`] once).
pub fn line_col(text: &[u8], offset: usize) -> (usize, usize) {
    LineIndex::new(&text[..offset.min(text.len())]).line_col(offset.min(text.len()))
}

/// Where each line of a text starts, so that the position of any number of
/// offsets costs a binary search each, not a rescan from the start (a file of
/// 100,000 records with a problem each took minutes that way).
#[derive(Debug, Clone)]
pub struct LineIndex {
    /// Byte offset of the start of each line; the first is 0.
    starts: Vec<usize>,
    len: usize,
}

impl LineIndex {
    pub fn new(text: &[u8]) -> LineIndex {
        let mut starts = vec![0];
        starts.extend(text.iter().enumerate().filter(|(_, &b)| b == b'\n').map(|(i, _)| i + 1));
        LineIndex {
            starts,
            len: text.len(),
        }
    }

    /// 1-based line and column (in bytes) of `offset` (clamped to the text).
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.len);
        let line = self.starts.partition_point(|&s| s <= offset);
        (line, offset - self.starts[line - 1] + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_has_position() {
        let p = Problem::error("a/b.json", "bad").at(3, 7);
        assert_eq!(p.to_string(), "a/b.json:3:7: error: bad");
        assert_eq!(Problem::warning("x", "w").to_string(), "x: warning: w");
    }

    #[test]
    fn json_error_position_moves_to_front() {
        let err = serde_json::from_str::<serde_json::Value>("{\n  \"a\": }").unwrap_err();
        let p = Problem::from_json(Path::new("f.json"), &err);
        assert_eq!(p.to_string(), "f.json:2:8: error: expected value");
    }

    #[test]
    fn shown_escapes_and_truncates() {
        assert_eq!(shown("a\nb\u{0}\u{202E}c", 10), "a\\nb\\u{0}\\u{202e}c");
        assert_eq!(shown("abcdef", 3), "abc…");
        let p = Problem::error("a\nb.json", "x");
        assert_eq!(p.to_string(), "a\\nb.json: error: x");
    }

    #[test]
    fn line_index_agrees_with_a_scan() {
        let text = b"{\n  \"a\": 1,\n\n  \"b\": [2]\n}";
        let index = LineIndex::new(text);
        for offset in 0..=text.len() + 2 {
            let o = offset.min(text.len());
            let before = &text[..o];
            let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
            let start = before.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
            assert_eq!(index.line_col(offset), (line, o - start + 1), "offset {offset}");
        }
    }

    #[test]
    fn line_col_counts_from_one() {
        assert_eq!(line_col(b"ab\ncd", 4), (2, 2));
        assert_eq!(line_col(b"ab", 0), (1, 1));
    }
}
