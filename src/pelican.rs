//! Pelican's `slugify`, as pyvideo.org's build runs it, so that `url_style = "pyvideo"`
//! publishes the very URLs pyvideo.org has.
//!
//! The steps, with Pelican's default `SLUG_REGEX_SUBSTITUTIONS`:
//! 1. markupsafe's `striptags`: drop comments and tags, collapse whitespace, unescape
//!    entities (Python's `html.unescape`);
//! 2. NFKC;
//! 3. Unidecode: each character transliterated on its own. The `deunicode` tables come
//!    from the same source (Text::Unidecode); [`transliterate`] corrects the characters
//!    where they differ, found by comparing both on every name of the pyvideo archive;
//! 4. remove `[^\w\s-]`, trim whitespace, turn each run of `[-\s]` into one `-`;
//! 5. lowercase.
//!
//! The result may be empty or start with `-`; the `slugs` module decides what to do then.

use unicode_normalization::UnicodeNormalization;

/// Pelican's slug of a title or name (ASCII `[a-z0-9_-]`, possibly empty).
pub fn slugify(value: &str) -> String {
    let text: String = strip_tags(value).nfkc().collect();
    let mut ascii = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii() {
            ascii.push(c);
        } else {
            ascii.push_str(transliterate(c));
        }
    }
    // `[^\w\s-]` → "": keep ASCII word characters, whitespace and `-`.
    let kept: String = ascii
        .chars()
        .filter(|&c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || is_py_space(c))
        .collect();
    // Trim, then `[-\s]+` → `-`, then lowercase.
    let mut out = String::with_capacity(kept.len());
    let mut in_run = false;
    for c in kept.trim_matches(is_py_space).chars() {
        if c == '-' || is_py_space(c) {
            if !in_run {
                out.push('-');
            }
            in_run = true;
        } else {
            out.push(c.to_ascii_lowercase());
            in_run = false;
        }
    }
    out
}

/// Python's `str.isspace` for the characters that can reach it: Unicode white space
/// plus the four ASCII separators (U+001C–U+001F) that Python also counts.
fn is_py_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// markupsafe's `Markup(value).striptags()`: comments, then tags removed, whitespace
/// collapsed to single spaces, then entities unescaped.
pub fn strip_tags(value: &str) -> String {
    let mut v = value.to_string();
    while let Some(start) = v.find("<!--") {
        let Some(end) = v[start..].find("-->") else { break };
        v.replace_range(start..start + end + 3, "");
    }
    while let Some(start) = v.find('<') {
        let Some(end) = v[start..].find('>') else { break };
        v.replace_range(start..=start + end, "");
    }
    let collapsed = v
        .split(is_py_space)
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    unescape(&collapsed)
}

/// Python's `html.unescape`: named (HTML5 table, the legacy ones also without `;`) and
/// numeric character references, with the HTML5 replacements for invalid numbers.
pub fn unescape(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        match reference(after) {
            Some((len, replacement)) => {
                out.push_str(&replacement);
                rest = &after[len..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The reference at the start of `s` (just after `&`): bytes consumed and replacement.
fn reference(s: &str) -> Option<(usize, String)> {
    if let Some(num) = s.strip_prefix('#') {
        let (hex, digits) = match num.strip_prefix(['x', 'X']) {
            Some(h) => (true, h),
            None => (false, num),
        };
        let len = digits
            .bytes()
            .take_while(|b| if hex { b.is_ascii_hexdigit() } else { b.is_ascii_digit() })
            .count();
        if len == 0 {
            return None;
        }
        let radix = if hex { 16 } else { 10 };
        let value = digits[..len]
            .bytes()
            .try_fold(0u32, |n, b| {
                n.checked_mul(radix)?.checked_add((b as char).to_digit(radix)?)
            })
            .unwrap_or(u32::MAX);
        let semi = usize::from(digits[len..].starts_with(';'));
        let consumed = 1 + usize::from(hex) + len + semi;
        return Some((consumed, numeric(value)));
    }
    // `[^\t\n\f <&#;]{1,32};?`
    let name_len: usize = s
        .chars()
        .take_while(|c| !matches!(c, '\t' | '\n' | '\u{c}' | ' ' | '<' | '&' | '#' | ';'))
        .take(32)
        .map(char::len_utf8)
        .sum();
    if name_len == 0 {
        return None;
    }
    let full = name_len + usize::from(s[name_len..].starts_with(';'));
    if let Some(v) = named(&s[..full]) {
        return Some((full, v));
    }
    // The longest legacy entity the name starts with (at least two characters).
    let bounds: Vec<usize> = s[..full].char_indices().map(|(i, _)| i).skip(2).collect();
    for &cut in bounds.iter().rev() {
        if let Some(v) = named(&s[..cut]) {
            return Some((cut, v));
        }
    }
    None
}

fn named(name: &str) -> Option<String> {
    let &(a, b) = html5ever::data::NAMED_ENTITIES.get(name)?;
    if a == 0 {
        return None; // a prefix placeholder, not an entity
    }
    Some(
        [a, b]
            .into_iter()
            .filter(|&c| c != 0)
            .filter_map(char::from_u32)
            .collect(),
    )
}

/// A numeric reference's text, as `html.unescape` gives it.
fn numeric(n: u32) -> String {
    match n {
        0 => "\u{FFFD}".into(),
        0x0d => "\r".into(),
        0x80..=0x9f => {
            let c1 = html5ever::data::C1_REPLACEMENTS[(n - 0x80) as usize];
            c1.or_else(|| char::from_u32(n)).map(String::from).unwrap_or_default()
        }
        0xD800..=0xDFFF | 0x110000.. => "\u{FFFD}".into(),
        0x1..=0x8 | 0xb | 0xe..=0x1f | 0x7f | 0xfdd0..=0xfdef => String::new(),
        n if n & 0xfffe == 0xfffe => String::new(),
        n => char::from_u32(n).map(String::from).unwrap_or_default(),
    }
}

/// Unidecode's ASCII for one non-ASCII character: `deunicode`'s table, corrected where the two
/// differ. Found by running both over every character of the pyvideo archive's titles,
/// names and tags (and over the whole kana and symbol blocks); pyvideo.org's own pages
/// decide where Unidecode versions disagree: its build drops `ー` (as `deunicode` does)
/// and the symbols of U+2600–U+27BF.
pub fn transliterate(c: char) -> &'static str {
    match c {
        // Hepburn where deunicode has Kunrei-shiki.
        'し' | 'シ' => "shi",
        'ち' | 'チ' => "chi",
        'っ' | 'ッ' | 'つ' | 'ツ' => "tsu",
        'ゕ' | 'ゖ' | '゙' | '゚' | '゛' | '゜' | 'ゟ' | 'ヿ' => "",
        '・' => "*",
        '什' => "Shi ",
        '旅' => "Lu ",
        '术' => "Zhu ",
        '∂' | '\u{FFFD}' => "",
        // pyvideo.org's Unidecode has no table for the symbol blocks ("C++ ♥ Python" is
        // `c-python-…` there; later versions name the card suits and chess pieces).
        '\u{2600}'..='\u{27BF}' => "",
        // Emoji: Unidecode has no table for these planes.
        '\u{1F300}'..='\u{1FAFF}' => "",
        c => deunicode::deunicode_char(c).unwrap_or(""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_pyvideo_org() {
        // Pairs from pyvideo.org's published URLs.
        for (name, slug) in [
            ("code::dive 2018", "codedive-2018"),
            ("Python as C++’s limiting case", "python-as-cs-limiting-case"),
            ("HSV.py - Huntsville's Python Meetup", "hsvpy-huntsvilles-python-meetup"),
            ("Posit:Conf 2024", "positconf-2024"),
            ("ライトニングトーク", "raitoningutoku"),
            ("CH13 セカイノカオ by チーム・カオ", "ch13-sekainokao-by-chimukao"),
            ("Łukasz Langa", "lukasz-langa"),
            ("_from __future__ import profit", "_from-__future__-import-profit"),
            ("- odd -", "-odd-"),
            ("C++ ♥ Python: from modules", "c-python-from-modules"),
            ("🐍 snakes ✨", "snakes"),
        ] {
            assert_eq!(slugify(name), slug, "{name}");
        }
    }

    #[test]
    fn strips_tags_and_unescapes_like_markupsafe() {
        assert_eq!(strip_tags("a <b>bold</b>  <!-- c <i> -->d"), "a bold d");
        assert_eq!(
            strip_tags("R&amp;D &lt;x&gt; &copy &#x41;&#66;&notit;"),
            "R&D <x> © AB¬it;"
        );
        assert_eq!(strip_tags("1 < 2"), "1 < 2");
        assert_eq!(unescape("&#0;&#128;&#xD800;&#1;&bogus;&"), "\u{FFFD}€\u{FFFD}&bogus;&");
        assert_eq!(unescape("&#99999999999999;"), "\u{FFFD}");
        assert_eq!(slugify("<script>alert(1)</script>Talk &amp; more"), "alert1talk-more");
    }

    #[test]
    fn output_is_url_safe() {
        for s in [
            "../../etc/passwd",
            "a/b\\c",
            "%2e%2e",
            "\u{0}\u{1c}x\u{1f}",
            "日本語",
            "",
        ] {
            let out = slugify(s);
            assert!(
                out.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_'),
                "{s:?} → {out:?}"
            );
        }
    }
}
