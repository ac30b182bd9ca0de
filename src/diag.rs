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
}

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
        write!(f, ": {sev}: {}", self.message)
    }
}

/// The error a build returns when the input has errors: all of them, sorted.
#[derive(Debug)]
pub struct InputErrors(pub Vec<Problem>);

impl fmt::Display for InputErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0.iter().filter(|p| p.is_error()).count();
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
        if c.is_control() || crate::normalize::is_invisible(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// 1-based line and column of a byte offset in `text`.
pub fn line_col(text: &[u8], offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    (line, offset.min(text.len()) - line_start + 1)
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
    fn line_col_counts_from_one() {
        assert_eq!(line_col(b"ab\ncd", 4), (2, 2));
        assert_eq!(line_col(b"ab", 0), (1, 1));
    }
}
