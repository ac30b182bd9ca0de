//! The inline half of the reST pass: reST links and named references, interpreted-text
//! roles, substitution references and Python dunders become Markdown; code spans, HTML tags
//! and Markdown link destinations are copied untouched.

use std::collections::HashMap;

use super::{escape_dest, escape_link_text, normalise_ref, RstState};

/// Rewrites reST links, named references, roles, substitution references and Python
/// dunders; code spans, HTML tags and Markdown link destinations are copied untouched.
pub(super) fn rewrite_inline(src: &str, st: &RstState, out: &mut String) {
    let targets = &st.targets;
    let b = src.as_bytes();
    let mut memo = Memo::default();
    let mut i = 0;
    let mut last = 0;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'`' => {
                let run = b[i..].iter().take_while(|&&c| c == b'`').count();
                let rst = match run {
                    1 => rst_backtick(src, i, targets, &mut memo),
                    3 => rst_literal_link(src, i, &mut memo),
                    _ => None,
                };
                if let Some((end, replacement)) = rst {
                    out.push_str(&src[last..i]);
                    out.push_str(&replacement);
                    i = end;
                    last = i;
                    continue;
                }
                i = closing_backticks(b, i + run, run, &mut memo).unwrap_or(i + run);
            }
            b'<' => {
                let looks_tag = b
                    .get(i + 1)
                    .is_some_and(|c| c.is_ascii_alphabetic() || b"/!?".contains(c));
                i = match looks_tag {
                    true => memo.find(b, i + 1, b'>').map_or(i + 1, |p| p + 1),
                    false => i + 1,
                };
            }
            b':' | b'|' => {
                let found = match b[i] {
                    b':' => role_at(src, i, &mut memo),
                    _ if st.substitutions.is_empty() => None,
                    _ => substitution_at(src, i, st),
                };
                let Some((end, replacement)) = found else {
                    i += 1;
                    continue;
                };
                // reST drops an escaped space, written to join markup to a word (`H\ :sub:`2`\ O`).
                let before = &src[last..i];
                out.push_str(before.strip_suffix("\\ ").unwrap_or(before));
                out.push_str(&replacement);
                i = if src[end..].starts_with("\\ ") { end + 2 } else { end };
                last = i;
            }
            b']' if b.get(i + 1) == Some(&b'(') => {
                i = skip_destination(b, i + 2, &mut memo);
            }
            b'_' => {
                if let Some((end, escaped)) = dunder_at(src, i) {
                    out.push_str(&src[last..i]);
                    out.push_str(&escaped);
                    i = end;
                    last = i;
                    continue;
                }
                let named = match targets.is_empty() {
                    true => None,
                    false => named_ref_at(src, i, last, targets),
                };
                if let Some((start, link)) = named {
                    out.push_str(&src[last..start]);
                    out.push_str(&link);
                    i += 1;
                    last = i;
                    continue;
                }
                i += 1;
            }
            _ => i += 1,
        }
    }
    out.push_str(src.get(last..).unwrap_or(""));
}

/// Remembers failed forward searches so hostile input (thousands of unmatched `<`, `` ` ``
/// or `](`) cannot make the inline pass quadratic: a search that failed up to position P
/// fails again from anywhere before P.
#[derive(Default)]
struct Memo {
    /// Searches for `>` / `` ` `` fail from anywhere before these positions.
    gt: usize,
    tick: usize,
    /// `](` destinations: no closing `)` before this position.
    paren: usize,
    /// Code spans: no closing run of this length before the position.
    close: HashMap<usize, usize>,
}

impl Memo {
    /// Position of `needle` (`>` or `` ` ``) at or after `from`, not crossing a blank line.
    fn find(&mut self, b: &[u8], from: usize, needle: u8) -> Option<usize> {
        let known = if needle == b'>' { self.gt } else { self.tick };
        if from < known {
            return None;
        }
        let mut k = from;
        while k < b.len() {
            if b[k] == needle {
                return Some(k);
            }
            if b[k] == b'\n' && b.get(k + 1) == Some(&b'\n') {
                break;
            }
            k += 1;
        }
        if needle == b'>' {
            self.gt = k;
        } else {
            self.tick = k;
        }
        None
    }
}

/// End of the run of exactly `run` backticks closing a code span opened before `from`.
fn closing_backticks(b: &[u8], from: usize, run: usize, memo: &mut Memo) -> Option<usize> {
    if memo.close.get(&run).is_some_and(|&known| from < known) {
        return None;
    }
    let mut k = from;
    while k < b.len() {
        if b[k] == b'`' {
            let n = b[k..].iter().take_while(|&&c| c == b'`').count();
            if n == run {
                return Some(k + n);
            }
            k += n;
        } else if b[k] == b'\n' && b.get(k + 1) == Some(&b'\n') {
            break;
        } else {
            k += 1;
        }
    }
    memo.close.insert(run, k);
    None
}

/// Skips a Markdown link destination `(...)` with balanced parentheses; returns the index
/// after it (or `from` when there is none on this line).
fn skip_destination(b: &[u8], from: usize, memo: &mut Memo) -> usize {
    if from < memo.paren {
        return from;
    }
    let mut depth = 1usize;
    let mut saw_close = false;
    let mut k = from;
    while k < b.len() {
        match b[k] {
            b'\\' => k += 1,
            b'(' => depth += 1,
            b')' => {
                saw_close = true;
                depth -= 1;
                if depth == 0 {
                    return k + 1;
                }
            }
            b'\n' => break,
            _ => {}
        }
        k += 1;
    }
    // Without any `)` up to the end of the line, every later start fails too.
    if !saw_close {
        memo.paren = k;
    }
    from
}

/// reST `` `text <url>`_ ``, `` `text <url>`__ `` or `` `name`_ `` starting at the backtick `i`.
fn rst_backtick(src: &str, i: usize, targets: &HashMap<String, String>, memo: &mut Memo) -> Option<(usize, String)> {
    let b = src.as_bytes();
    let close = memo.find(b, i + 1, b'`')?;
    if close == i + 1 {
        return None;
    }
    let mut end = close + 1;
    if b.get(end) != Some(&b'_') {
        return None;
    }
    end += 1;
    if b.get(end) == Some(&b'_') {
        end += 1;
    }
    // Inline markup must end at whitespace or punctuation.
    if src[end..].chars().next().is_some_and(char::is_alphanumeric) {
        return None;
    }
    let inner = &src[i + 1..close];
    let trimmed = inner.trim_end();
    let link = |text: &str, url: &str| format!("[{}](<{}>)", escape_link_text(text), escape_dest(url));
    if let Some(lt) = trimmed.rfind('<').filter(|_| trimmed.ends_with('>')) {
        let text = trimmed[..lt].trim();
        let url: String = trimmed[lt + 1..trimmed.len() - 1].split_whitespace().collect();
        let text = if text.is_empty() { url.as_str() } else { text };
        if let Some(alias) = url.strip_suffix('_') {
            return Some((
                end,
                match targets.get(&normalise_ref(alias)) {
                    Some(target) => link(text, target),
                    None => escape_link_text(text),
                },
            ));
        }
        if url.is_empty() {
            return Some((end, escape_link_text(text)));
        }
        return Some((end, link(text, &repair_host(&url))));
    }
    Some((
        end,
        match targets.get(&normalise_ref(inner)) {
            Some(url) => link(inner, url),
            // Unresolved reference: show the words, not the reST punctuation.
            None => escape_link_text(inner),
        },
    ))
}

/// reST link whose text is a literal, as pandoc writes it: ```` ```name`` <url>`__ ````.
fn rst_literal_link(src: &str, i: usize, memo: &mut Memo) -> Option<(usize, String)> {
    let b = src.as_bytes();
    let close = memo.find(b, i + 3, b'`')?;
    if b.get(close + 1) != Some(&b'`') || b.get(close + 2) == Some(&b'`') || close == i + 3 {
        return None;
    }
    let literal = &src[i + 3..close];
    let lt = close + 2 + b[close + 2..].iter().take_while(|c| c.is_ascii_whitespace()).count();
    if b.get(lt) != Some(&b'<') {
        return None;
    }
    let gt = memo.find(b, lt + 1, b'>')?;
    if b.get(gt + 1) != Some(&b'`') || b.get(gt + 2) != Some(&b'_') {
        return None;
    }
    let end = if b.get(gt + 3) == Some(&b'_') { gt + 4 } else { gt + 3 };
    let url: String = src[lt + 1..gt].split_whitespace().collect();
    if url.is_empty() || src[end..].chars().next().is_some_and(char::is_alphanumeric) {
        return None;
    }
    let dest = escape_dest(&repair_host(&url));
    Some((end, format!("[`` {literal} ``](<{dest}>)")))
}

/// Drops `%20` from a URL's host: line-wrapping converters left it there ("scikit-%20yb.org"),
/// and a host can never contain a space.
fn repair_host(url: &str) -> String {
    let Some(scheme_end) = url.find("://").map(|p| p + 3) else {
        return url.to_string();
    };
    let host_end = url[scheme_end..].find('/').map_or(url.len(), |p| scheme_end + p);
    let host = &url[scheme_end..host_end];
    if !host.contains("%20") {
        return url.to_string();
    }
    format!("{}{}{}", &url[..scheme_end], host.replace("%20", ""), &url[host_end..])
}

/// `__name__` at `i` (at a word start): escaped so Markdown does not make it bold.
fn dunder_at(src: &str, i: usize) -> Option<(usize, String)> {
    let b = src.as_bytes();
    if b.get(i + 1) != Some(&b'_') {
        return None;
    }
    if i > 0 && (b[i - 1].is_ascii_alphanumeric() || b"_/\\.".contains(&b[i - 1])) {
        return None;
    }
    if !b.get(i + 2).is_some_and(u8::is_ascii_alphabetic) {
        return None;
    }
    let len = b[i..]
        .iter()
        .take_while(|c| c.is_ascii_alphanumeric() || **c == b'_')
        .count();
    let word = &src[i..i + len];
    if len < 5 || !word.ends_with("__") || word[2..len - 2].ends_with('_') {
        return None;
    }
    Some((i + len, word.replace('_', "\\_")))
}

/// reST `name_` reference ending at the underscore `i`, if `name` is a known target.
fn named_ref_at(src: &str, i: usize, last: usize, targets: &HashMap<String, String>) -> Option<(usize, String)> {
    let b = src.as_bytes();
    if b.get(i + 1).is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_') {
        return None;
    }
    let is_ref = |c: u8| c.is_ascii_alphanumeric() || b"-_.:+".contains(&c);
    // Reference names are short; the bound keeps long `a_a_a_…` runs linear.
    let floor = last.max(i.saturating_sub(64));
    let mut start = i;
    while start > floor && is_ref(b[start - 1]) {
        start -= 1;
    }
    while start < i && !b[start].is_ascii_alphanumeric() {
        start += 1;
    }
    // Not part of a longer (e.g. non-ASCII) word.
    if start == i || (start > 0 && (b[start - 1] >= 0x80 || b[start - 1].is_ascii_alphanumeric())) {
        return None;
    }
    let name = &src[start..i];
    let url = targets.get(&normalise_ref(name))?;
    Some((start, format!("[{}](<{}>)", escape_link_text(name), escape_dest(url))))
}

/// Whether inline markup may start after byte `b` (reST: after whitespace or punctuation,
/// not inside a word).
fn may_start_after(b: Option<&u8>) -> bool {
    b.is_none_or(|&c| c.is_ascii() && !c.is_ascii_alphanumeric())
}

/// Whether inline markup may end before the text `rest` (not inside a word).
fn may_end_before(rest: &str) -> bool {
    !rest.chars().next().is_some_and(char::is_alphanumeric)
}

/// Interpreted text with a role, `` :name:`text` ``, starting at the colon `i`: `sub`/`sup`
/// as subscript/superscript, `math` and literals as code, emphasis and strong as such,
/// any other role (Sphinx's `func`, `ref`, …) as its text.
fn role_at(src: &str, i: usize, memo: &mut Memo) -> Option<(usize, String)> {
    let b = src.as_bytes();
    if !may_start_after(i.checked_sub(1).map(|p| &b[p])) {
        return None;
    }
    let name_len = b[i + 1..]
        .iter()
        .take(32)
        .take_while(|c| c.is_ascii_alphanumeric() || b"-_.+".contains(c))
        .count();
    let open = i + 1 + name_len;
    if name_len == 0 || !b[i + 1].is_ascii_alphabetic() || b.get(open) != Some(&b':') {
        return None;
    }
    // One backtick, then text that does not start with whitespace or another backtick.
    if b.get(open + 1) != Some(&b'`') || b.get(open + 2).is_none_or(|c| c.is_ascii_whitespace() || *c == b'`') {
        return None;
    }
    let close = memo.find(b, open + 2, b'`')?;
    let end = close + 1;
    if b.get(end) == Some(&b'_') || !may_end_before(&src[end..]) {
        return None;
    }
    let text = &src[open + 2..close];
    let replacement = match src[i + 1..open].to_ascii_lowercase().as_str() {
        "sub" | "subscript" => format!("<sub>{}</sub>", escape_link_text(text)),
        "sup" | "superscript" => format!("<sup>{}</sup>", escape_link_text(text)),
        "emphasis" => format!("<em>{}</em>", escape_link_text(text)),
        "strong" => format!("<strong>{}</strong>", escape_link_text(text)),
        // The text holds no backtick (the first one closed it), so one backtick fences it.
        "math" | "code" | "literal" => format!("`{}`", text.trim_end()),
        _ => {
            // Sphinx cross-references: `title <target>` shows the title.
            let title = text
                .strip_suffix('>')
                .and_then(|t| t.rfind('<').map(|lt| t[..lt].trim()))
                .filter(|t| !t.is_empty());
            escape_link_text(title.unwrap_or(text))
        }
    };
    Some((end, replacement))
}

/// Longest substitution name looked for: keeps the scan for the closing `|` short.
const MAX_SUBSTITUTION_NAME: usize = 64;

/// A substitution reference `|name|` (or `|name|_`, linked to the target `name`) starting at
/// the bar `i`, if the description defines `name`.
fn substitution_at(src: &str, i: usize, st: &RstState) -> Option<(usize, String)> {
    let b = src.as_bytes();
    if !may_start_after(i.checked_sub(1).map(|p| &b[p])) {
        return None;
    }
    let len = b[i + 1..]
        .iter()
        .take(MAX_SUBSTITUTION_NAME)
        .position(|&c| c == b'|' || c == b'\n')?;
    let close = i + 1 + len;
    if b[close] != b'|' || len == 0 {
        return None;
    }
    let name = &src[i + 1..close];
    if name.starts_with(char::is_whitespace) || name.ends_with(char::is_whitespace) {
        return None;
    }
    let mut end = close + 1;
    let linked = b.get(end) == Some(&b'_');
    if linked {
        end += if b.get(end + 1) == Some(&b'_') { 2 } else { 1 };
    }
    if !may_end_before(&src[end..]) {
        return None;
    }
    let key = normalise_ref(name);
    let text = st.substitutions.get(&key)?;
    Some((
        end,
        match st.targets.get(&key).filter(|_| linked) {
            Some(url) => format!("[{text}](<{}>)", escape_dest(url)),
            None => text.clone(),
        },
    ))
}

#[cfg(test)]
mod tests {
    use crate::describe::render_description as render;

    #[test]
    fn roles_show_their_text_not_their_name() {
        assert_eq!(
            render("H\\ :sub:`2`\\ O and x\\ :sup:`2`."),
            "<p>H<sub>2</sub>O and x<sup>2</sup>.</p>"
        );
        assert_eq!(
            render("like :math:`P(X*Y > 3)` or :code:`f()`"),
            "<p>like <code>P(X*Y &gt; 3)</code> or <code>f()</code></p>"
        );
        assert_eq!(
            render("Use :func:`print` and :ref:`the guide <guide-label>`, :emphasis:`now`."),
            "<p>Use print and the guide, <em>now</em>.</p>"
        );
        // Role text is text: markup and tags in it are shown, not interpreted.
        assert_eq!(render(":sub:`<script>*x*`"), "<p><sub>&lt;script&gt;*x*</sub></p>");
    }

    #[test]
    fn things_that_only_look_like_roles_are_left_alone() {
        for text in [
            "std::vector",
            "a:sub:`x`",
            "time: 10:30",
            ":sub: `x`",
            ":sub:` x`",
            "Use ``:sub:`x```.",
        ] {
            assert!(!render(text).contains("<sub>"), "{text}: {}", render(text));
        }
        assert_eq!(render(":sub:`x`_"), render(":sub:`x`_"));
    }

    #[test]
    fn substitutions_are_replaced_by_their_definition() {
        let html = render(
            "The |PSF| runs |PyCon|_.\n\n.. |PSF| replace:: Python Software\n   Foundation\n.. |PyCon| replace:: *PyCon US*\n.. _PyCon: https://us.pycon.org/",
        );
        assert_eq!(
            html,
            "<p>The Python Software Foundation runs <a href=\"https://us.pycon.org/\" rel=\"nofollow noopener noreferrer\"><em>PyCon US</em></a>.</p>"
        );
        let image = render(".. container::\n\n   |Hatch logo|\n\n.. |Hatch logo| image:: https://img.example/logo.svg\n   :width: 500px");
        assert_eq!(
            image,
            "<p><a href=\"https://img.example/logo.svg\" rel=\"nofollow noopener noreferrer\">Hatch logo</a></p>"
        );
    }

    #[test]
    fn undefined_or_hostile_substitutions() {
        assert_eq!(render("a |b| c"), "<p>a |b| c</p>");
        assert_eq!(render("|x| and |y|\n\n.. |x| replace:: X"), "<p>X and |y|</p>");
        let hostile =
            render("|x| |y|\n\n.. |x| image:: javascript:alert(1)\n.. |y| replace:: <script>alert(1)</script>");
        assert!(
            !hostile.contains("<script") && !hostile.contains("javascript"),
            "{hostile}"
        );
        // A definition cannot refer to itself (or another): no recursion.
        assert_eq!(render("|x|\n\n.. |x| replace:: |x| again"), "<p>|x| again</p>");
    }
}
