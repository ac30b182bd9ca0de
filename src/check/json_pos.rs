//! Where things are in a JSON text: the byte offset of every object member (its
//! key's opening quote) and array element, and the span of its value, by JSON
//! pointer (`/videos/0/url`).
//!
//! serde_json gives positions only for errors, so `check` scans the text that load
//! has just parsed (while it is still in memory). The spans also tell which keys
//! are present and what kind of value each holds, which the typed records cannot
//! (`null` and a missing key are both `None`). The scanner never panics on
//! malformed input: it just records less. Nesting deeper than [`MAX_DEPTH`] is
//! skipped, not recursed.

use std::collections::HashMap;

/// Deeper values are skipped without recording positions (no talk field is this deep).
const MAX_DEPTH: usize = 32;

/// Where one member or element is: the offset reported for it, and its value's span.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Entry {
    /// The key's opening quote (a member) or the value's first byte (an element, the root).
    pub(crate) at: usize,
    /// The value's bytes: `start..end`.
    pub(crate) start: usize,
    pub(crate) end: usize,
}

/// Entries by JSON pointer; `""` is the root value.
#[derive(Debug, Default)]
pub(crate) struct Positions {
    entries: HashMap<String, Entry>,
    /// The root object's keys, in text order, each once.
    root_keys: Vec<String>,
}

impl Positions {
    /// Scans `text` (JSON) and records every member and element.
    pub(crate) fn scan(text: &str) -> Positions {
        let mut s = Scanner {
            b: text.as_bytes(),
            i: 0,
            out: HashMap::new(),
            root_keys: Vec::new(),
        };
        s.ws();
        let mut ptr = String::new();
        let start = s.i;
        s.value(&mut ptr, 0);
        s.out.insert(
            String::new(),
            Entry {
                at: start,
                start,
                end: s.i,
            },
        );
        Positions {
            entries: s.out,
            root_keys: s.root_keys,
        }
    }

    /// The offset of `pointer`, or of its nearest recorded ancestor.
    pub(crate) fn offset(&self, pointer: &str) -> Option<usize> {
        let mut p = pointer;
        loop {
            if let Some(e) = self.entries.get(p) {
                return Some(e.at);
            }
            p = &p[..p.rfind('/')?];
        }
    }

    /// The entry at exactly `pointer` (`None` when the text has no such member).
    pub(crate) fn get(&self, pointer: &str) -> Option<Entry> {
        self.entries.get(pointer).copied()
    }

    /// The root object's keys, in text order, each once.
    pub(crate) fn root_keys(&self) -> &[String] {
        &self.root_keys
    }
}

/// Escapes a key for use as a JSON pointer segment (RFC 6901).
pub(crate) fn escape_key(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

struct Scanner<'a> {
    b: &'a [u8],
    i: usize,
    out: HashMap<String, Entry>,
    root_keys: Vec<String>,
}

impl Scanner<'_> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }

    /// At a `"`: moves past the string and returns its raw text, quotes included.
    fn string(&mut self) -> &str {
        let start = self.i;
        self.i += 1;
        while let Some(c) = self.peek() {
            self.i += 1;
            match c {
                b'\\' => self.i += 1,
                b'"' => break,
                _ => {}
            }
        }
        let end = self.i.min(self.b.len());
        std::str::from_utf8(&self.b[start..end]).unwrap_or("")
    }

    fn value(&mut self, ptr: &mut String, depth: usize) {
        match self.peek() {
            Some(b'{') if depth < MAX_DEPTH => {
                self.i += 1;
                loop {
                    self.ws();
                    if self.peek() != Some(b'"') {
                        break;
                    }
                    let key_at = self.i;
                    let raw = self.string();
                    let key = serde_json::from_str::<String>(raw).unwrap_or_default();
                    self.ws();
                    if self.peek() != Some(b':') {
                        return;
                    }
                    self.i += 1;
                    self.ws();
                    let len = ptr.len();
                    ptr.push('/');
                    ptr.push_str(&escape_key(&key));
                    if depth == 0 && !self.root_keys.contains(&key) {
                        self.root_keys.push(key);
                    }
                    let start = self.i;
                    self.value(ptr, depth + 1);
                    self.out.insert(
                        ptr.clone(),
                        Entry {
                            at: key_at,
                            start,
                            end: self.i,
                        },
                    );
                    ptr.truncate(len);
                    self.ws();
                    if self.peek() != Some(b',') {
                        break;
                    }
                    self.i += 1;
                }
                if self.peek() == Some(b'}') {
                    self.i += 1;
                }
            }
            Some(b'[') if depth < MAX_DEPTH => {
                self.i += 1;
                let mut index = 0usize;
                loop {
                    self.ws();
                    if matches!(self.peek(), None | Some(b']')) {
                        break;
                    }
                    let len = ptr.len();
                    ptr.push('/');
                    ptr.push_str(&index.to_string());
                    let before = self.i;
                    self.value(ptr, depth + 1);
                    self.out.insert(
                        ptr.clone(),
                        Entry {
                            at: before,
                            start: before,
                            end: self.i,
                        },
                    );
                    ptr.truncate(len);
                    if self.i == before {
                        return; // not a value: give up rather than loop
                    }
                    index += 1;
                    self.ws();
                    if self.peek() != Some(b',') {
                        break;
                    }
                    self.i += 1;
                }
                if self.peek() == Some(b']') {
                    self.i += 1;
                }
            }
            Some(b'{' | b'[') => self.skip_nested(),
            Some(b'"') => {
                self.string();
            }
            Some(_) => {
                while matches!(self.peek(), Some(c) if !matches!(c, b',' | b']' | b'}' | b' ' | b'\t' | b'\n' | b'\r'))
                {
                    self.i += 1;
                }
            }
            None => {}
        }
    }

    /// Skips a too-deep object or array without recursing.
    fn skip_nested(&mut self) {
        let mut depth = 0usize;
        while let Some(c) = self.peek() {
            match c {
                b'"' => {
                    self.string();
                    continue;
                }
                b'{' | b'[' => depth += 1,
                b'}' | b']' => {
                    depth -= 1;
                    if depth == 0 {
                        self.i += 1;
                        return;
                    }
                }
                _ => {}
            }
            self.i += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_members_and_elements() {
        let text =
            "{\n  \"title\": \"a\",\n  \"videos\": [{\"url\": \"x\"}, {\"type\": 1}],\n  \"a/b\": {\"c~\": null}\n}";
        let p = Positions::scan(text);
        assert_eq!(p.offset(""), Some(0));
        assert_eq!(&text[p.offset("/title").unwrap()..][..7], "\"title\"");
        assert_eq!(&text[p.offset("/videos/0").unwrap()..][..2], "{\"");
        assert_eq!(&text[p.offset("/videos/0/url").unwrap()..][..5], "\"url\"");
        assert_eq!(&text[p.offset("/videos/1/type").unwrap()..][..6], "\"type\"");
        assert_eq!(&text[p.offset("/a~1b/c~0").unwrap()..][..5], "\"c~\":");
        // unknown pointers fall back to the nearest ancestor
        assert_eq!(p.offset("/videos/1/url"), p.offset("/videos/1"));
        let e = p.get("/videos/1").unwrap();
        assert_eq!(&text[e.start..e.end], "{\"type\": 1}");
        assert!(p.get("/videos/1/url").is_none());
        assert_eq!(p.root_keys(), ["title", "videos", "a/b"]);
    }

    #[test]
    fn escaped_keys_and_strings() {
        let text = r#"{"a\"b": "x\"]}", "t\u0069tle": [1, "]"]}"#;
        let p = Positions::scan(text);
        assert_eq!(&text[p.offset("/title/1").unwrap()..][..3], "\"]\"");
        assert!(p.offset("/a\"b").is_some());
    }

    #[test]
    fn survives_deep_and_broken_input() {
        let deep = format!("{{\"x\": {}{}, \"y\": 1}}", "[".repeat(10_000), "]".repeat(10_000));
        let p = Positions::scan(&deep);
        assert!(p.offset("/y").is_some());
        for bad in ["", "{", "[1,", "{\"a\"", "{\"a\": [", "\"", "[}", "{]"] {
            let _ = Positions::scan(bad);
        }
    }
}
