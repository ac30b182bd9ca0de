//! Text clean-up shared by every layer: one-line and multi-line cleaning, the
//! fold used to compare names, and which characters count as invisible. At the
//! bottom of the module graph (it imports nothing from the crate), so `diag`,
//! `rules` and `normalize` can all use it.

use unicode_normalization::UnicodeNormalization;

/// Case-folded, NFKC-normalised, whitespace-collapsed form of a name.
pub fn fold(s: &str) -> String {
    let n: String = s.nfkc().collect::<String>().to_lowercase();
    n.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// One-line text: no control, zero-width or bidi-override characters, NFC,
/// whitespace collapsed and trimmed.
pub fn clean_line(s: &str) -> String {
    let kept: String = s
        .nfc()
        .map(|c| if c.is_control() { ' ' } else { c })
        .filter(|c| !is_invisible(*c))
        .collect();
    kept.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Multi-line text: like [`clean_line`] but keeps newlines and tabs.
pub fn clean_text(s: &str) -> String {
    s.chars()
        .filter(|&c| c == '\n' || c == '\t' || !(c.is_control() || is_invisible(c)))
        .collect()
}

/// Zero-width and bidi-override characters, which hide or reorder text.
pub fn is_invisible(c: char) -> bool {
    // Zero-width joiners (U+200C/D) stay: emoji sequences and several scripts need them.
    matches!(c, '\u{200B}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cleans_invisible_and_control_chars() {
        assert_eq!(clean_line(" a\u{200B}b\u{202E}c\u{0}d  e "), "abc d e");
        assert_eq!(clean_text("a\u{202E}\tb\n"), "a\tb\n");
        assert_eq!(fold("ÉCOLE  x"), "école x");
    }
}
