//! Untrusted talk descriptions (plain text, reST or Markdown) → sanitised HTML and plain-text leads.

use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::sync::LazyLock;

use pulldown_cmark::{CowStr, Event, HeadingLevel, LinkType, Options, Parser, Tag, TagEnd};

/// Renders an untrusted talk description (plain text, reStructuredText or Markdown) to sanitised HTML.
///
/// Pipeline: a small reST compatibility pass rewrites the common reST constructs into Markdown,
/// pulldown-cmark parses it, an event pass adds line breaks, bare-URL links and heading demotion,
/// and ammonia sanitises the result (descriptions come from strangers). Empty input gives "".
pub fn render_description(text: &str) -> String {
    if text.trim().is_empty() {
        return String::new();
    }
    let text = bounded(text);
    let markdown = rst_to_markdown(text);
    let html = markdown_to_html(&markdown);
    if html.bytes().filter(|&b| b == b'<' || b == b'&').count() > MAX_MARKUP {
        return plain_html(text);
    }
    let clean = SANITIZER.clean(&html).to_string();
    strip_hrefless_anchors(clean.trim())
}

/// Removes `<a>` elements the sanitiser left without `href` (their URL was unsafe or
/// invalid), keeping the text: an anchor that goes nowhere only confuses readers.
fn strip_hrefless_anchors(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(p) = rest.find("<a") {
        let after = &rest[p + 2..];
        if !after.starts_with([' ', '>']) {
            out.push_str(&rest[..p + 2]);
            rest = after;
            continue;
        }
        let end = tag_end(after).map_or(after.len(), |e| e + 1);
        let tag = &after[..end];
        out.push_str(&rest[..p]);
        rest = &after[end..];
        if tag.contains(" href=") {
            out.push_str("<a");
            out.push_str(tag);
        } else if let Some(c) = rest.find("</a>") {
            // Anchors never nest in sanitised output: the next `</a>` closes this one.
            out.push_str(&rest[..c]);
            rest = &rest[c + 4..];
        }
    }
    out.push_str(rest);
    out
}

/// Index of the `>` ending a tag whose name was already consumed (quote-aware).
fn tag_end(s: &str) -> Option<usize> {
    let mut quote = None;
    for (k, c) in s.char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '>') => return Some(k),
            _ => {}
        }
    }
    None
}

/// Plain-text lead: first sentences of a description (markup stripped, whitespace collapsed), at most `max_chars` chars, cut at a sentence or word boundary with "…" when cut.
///
/// Headings and code blocks are left out of the lead (unless nothing else remains), because
/// "Abstract" or a code listing make poor teasers. The result is plain text: escape it for HTML.
pub fn plain_summary(text: &str, max_chars: usize) -> String {
    if max_chars == 0 {
        return String::new();
    }
    summary_of_html(&render_description(text), max_chars)
}

/// [`plain_summary`] of a description already rendered by [`render_description`],
/// so a build that has the HTML does not render it twice.
pub fn summary_of_html(html: &str, max_chars: usize) -> String {
    if html.is_empty() || max_chars == 0 {
        return String::new();
    }
    let mut blocks = html_text_blocks(html, true);
    if blocks.is_empty() {
        blocks = html_text_blocks(html, false);
    }
    cut_lead(&blocks, max_chars)
}

/// Longest description rendered (real ones are under 15 KiB). html5ever slows down
/// superlinearly on text with very many character references, so hostile megabyte-sized
/// input is cut (at a line break when possible) rather than allowed to stall a build.
const MAX_INPUT_BYTES: usize = 32 * 1024;

/// Most tags plus character references handed to ammonia (real descriptions stay under
/// 700). html5ever is superlinear in nesting depth and in references per text node, so
/// degenerate input above this is rendered as escaped plain text instead.
const MAX_MARKUP: usize = 2_500;

/// Fallback rendering: escaped paragraphs with <br> line breaks, no markup interpreted.
fn plain_html(text: &str) -> String {
    let lines = normalise_lines(text);
    let mut html = String::with_capacity(text.len() + text.len() / 4);
    let mut open = false;
    for line in &lines {
        if line.is_empty() {
            if open {
                html.push_str("</p>\n");
                open = false;
            }
            continue;
        }
        html.push_str(if open { "<br>\n" } else { "<p>" });
        open = true;
        for c in line.chars() {
            match c {
                '&' => html.push_str("&amp;"),
                '<' => html.push_str("&lt;"),
                '>' => html.push_str("&gt;"),
                '"' => html.push_str("&quot;"),
                c if c.is_control() => {}
                c => html.push(c),
            }
        }
    }
    if open {
        html.push_str("</p>");
    }
    html.trim_end().to_string()
}

/// `text` cut to at most `MAX_INPUT_BYTES`, preferably at a line break.
fn bounded(text: &str) -> &str {
    if text.len() <= MAX_INPUT_BYTES {
        return text;
    }
    let mut cut = MAX_INPUT_BYTES;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    let head = &text[..cut];
    match head.rfind('\n') {
        Some(p) if p >= MAX_INPUT_BYTES / 2 => &head[..p],
        _ => head,
    }
}

// ---------------------------------------------------------------------------
// Sanitiser
// ---------------------------------------------------------------------------

/// Tags a description may keep; h1/h2 are left out because the page owns them.
const ALLOWED_TAGS: &[&str] = &[
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "code",
    "dd",
    "del",
    "dl",
    "dt",
    "em",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "kbd",
    "li",
    "ol",
    "p",
    "pre",
    "q",
    "s",
    "samp",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "tt",
    "u",
    "ul",
    "var",
];

/// Tags whose content is dropped along with the tag (their text is never meant to be read).
const DROPPED_CONTENT_TAGS: &[&str] = &[
    "script",
    "style",
    "iframe",
    "object",
    "embed",
    "svg",
    "math",
    "template",
    "noscript",
    "noembed",
    "noframes",
    "frameset",
    "textarea",
    "select",
    "applet",
    "xmp",
    "plaintext",
];

/// Built once: constructing an ammonia Builder allocates several hash sets.
static SANITIZER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut builder = ammonia::Builder::default();
    builder
        .tags(ALLOWED_TAGS.iter().copied().collect())
        .clean_content_tags(DROPPED_CONTENT_TAGS.iter().copied().collect())
        .generic_attributes(HashSet::new())
        .tag_attributes(HashMap::from([
            ("a", HashSet::from(["href", "title"])),
            ("abbr", HashSet::from(["title"])),
            ("ol", HashSet::from(["start"])),
            ("td", HashSet::from(["colspan", "rowspan"])),
            ("th", HashSet::from(["colspan", "rowspan"])),
        ]))
        .url_schemes(HashSet::from(["http", "https", "mailto"]))
        // Relative links in a description would point into our own site: meaningless at best.
        .url_relative(ammonia::UrlRelative::Deny)
        .link_rel(Some("nofollow noopener noreferrer"))
        .strip_comments(true);
    builder
});

// ---------------------------------------------------------------------------
// reST compatibility pass (block level)
// ---------------------------------------------------------------------------

/// One output line of the block pass.
enum Out {
    /// Markdown that still gets the inline reST pass.
    Md(String),
    /// Verbatim line inside a code fence: no inline rewriting.
    Raw(String),
}

/// State shared by the whole document (and nested blocks).
#[derive(Default)]
struct RstState {
    /// Heading adornment styles (char, has overline) in order of first use: reST levels.
    styles: Vec<(char, bool)>,
    /// Hyperlink targets `.. _name: url`, keyed by normalised name.
    targets: HashMap<String, String>,
}

/// Nesting limit for blockquotes/directives: hostile input must not recurse without bound.
const MAX_DEPTH: usize = 8;

/// Rewrites the reST constructs common in talk descriptions into Markdown.
fn rst_to_markdown(text: &str) -> String {
    let lines = normalise_lines(text);
    let mut state = RstState::default();
    let mut out = Vec::with_capacity(lines.len() + 8);
    convert_blocks(&lines, &mut state, &mut out, 0);

    let mut md = String::with_capacity(text.len() + text.len() / 8 + 16);
    let mut chunk = String::new();
    for line in out {
        match line {
            Out::Md(s) => {
                chunk.push_str(&s);
                chunk.push('\n');
            }
            Out::Raw(s) => {
                if !chunk.is_empty() {
                    rewrite_inline(&chunk, &state.targets, &mut md);
                    chunk.clear();
                }
                md.push_str(&s);
                md.push('\n');
            }
        }
    }
    if !chunk.is_empty() {
        rewrite_inline(&chunk, &state.targets, &mut md);
    }
    md
}

/// Splits into lines with unified newlines, tabs expanded (tab stop 4) and trailing blanks trimmed.
fn normalise_lines(text: &str) -> Vec<String> {
    let text = text.trim_start_matches('\u{feff}');
    let unified;
    let text = if text.contains('\r') {
        unified = text.replace("\r\n", "\n").replace('\r', "\n");
        unified.as_str()
    } else {
        text
    };
    text.split('\n')
        .map(|raw| {
            let mut line = String::with_capacity(raw.len());
            let mut col = 0usize;
            for c in raw.chars() {
                if c == '\t' {
                    let n = 4 - col % 4;
                    line.extend(std::iter::repeat_n(' ', n));
                    col += n;
                } else {
                    line.push(c);
                    col += 1;
                }
            }
            let trimmed_len = line.trim_end().len();
            line.truncate(trimmed_len);
            line
        })
        .collect()
}

/// Number of leading spaces.
fn indent(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

/// A reST adornment line: ≥3 copies of one ASCII punctuation char, starting in column 0.
fn adornment(line: &str) -> Option<(char, usize)> {
    let first = line.chars().next()?;
    if !first.is_ascii_punctuation() || line.len() < 3 {
        return None;
    }
    if line.bytes().all(|b| b == first as u8) {
        Some((first, line.len()))
    } else {
        None
    }
}

/// Column where a list item's content starts, if `line` starts a list item.
fn list_content_col(line: &str) -> Option<usize> {
    let ind = indent(line);
    let body = &line[ind..];
    let bytes = body.as_bytes();
    let marker_len = if body.starts_with('•') {
        '•'.len_utf8()
    } else if matches!(bytes.first(), Some(b'-' | b'*' | b'+')) {
        1
    } else if body.starts_with("#.") {
        2
    } else {
        let digits = bytes.iter().take_while(|b| b.is_ascii_digit()).count();
        if (1..=9).contains(&digits) && matches!(bytes.get(digits), Some(b'.' | b')')) {
            digits + 1
        } else {
            return None;
        }
    };
    let after = &body[marker_len..];
    if after.is_empty() {
        return Some(ind + marker_len + 1);
    }
    if !after.starts_with(' ') {
        return None;
    }
    let spaces = indent(after);
    // Markdown: more than 4 spaces after the marker means "1 space + indented code".
    let spaces = if spaces > 4 || spaces == after.len() { 1 } else { spaces };
    Some(ind + marker_len + spaces)
}

/// End (exclusive) of the block of lines from `start` that are blank or indented more than
/// `base`; trailing blank lines are not part of it.
fn indented_block_end(lines: &[String], start: usize, base: usize) -> usize {
    let mut end = start;
    let mut j = start;
    while j < lines.len() {
        let l = &lines[j];
        if l.is_empty() {
            j += 1;
            continue;
        }
        if indent(l) <= base {
            break;
        }
        j += 1;
        end = j;
    }
    end
}

/// Removes the common indentation of the non-blank lines.
fn dedent(lines: &[String]) -> Vec<String> {
    let min = lines
        .iter()
        .filter(|l| !l.is_empty())
        .map(|l| indent(l))
        .min()
        .unwrap_or(0);
    lines
        .iter()
        .map(|l| {
            if l.is_empty() {
                String::new()
            } else {
                l[min..].to_string()
            }
        })
        .collect()
}

/// A fence that no line of `content` can close.
fn fence_for(content: &[String]) -> String {
    let longest = content
        .iter()
        .map(|l| l.trim_start().bytes().take_while(|&b| b == b'`').count())
        .max()
        .unwrap_or(0);
    "`".repeat(longest.max(2) + 1)
}

/// Emits `content` as a fenced code block indented by `col` columns.
fn push_code_block(content: &[String], col: usize, out: &mut Vec<Out>) {
    let content = dedent(content);
    let pad = " ".repeat(col);
    let fence = fence_for(&content);
    out.push(Out::Md(String::new()));
    out.push(Out::Raw(format!("{pad}{fence}")));
    for l in &content {
        if l.is_empty() {
            out.push(Out::Raw(String::new()));
        } else {
            out.push(Out::Raw(format!("{pad}{l}")));
        }
    }
    out.push(Out::Raw(format!("{pad}{fence}")));
    out.push(Out::Md(String::new()));
}

/// Rough test whether an indented block (without `::`) is code rather than a reST blockquote.
fn looks_like_code(lines: &[String]) -> bool {
    const STARTS: &[&str] = &[
        ">>>",
        "$ ",
        "def ",
        "class ",
        "import ",
        "#!",
        "return ",
        "print(",
        "async def ",
    ];
    let mut prev_colon = false;
    for l in lines {
        let t = l.trim_start();
        if t.is_empty() {
            continue;
        }
        let deeper = indent(l) > 0 && list_content_col(l).is_none();
        if STARTS.iter().any(|s| t.starts_with(s))
            || (t.starts_with("from ") && t.contains(" import "))
            || (t.starts_with('@') && t[1..].starts_with(|c: char| c.is_ascii_alphabetic()))
            || t.ends_with('{')
            || t.ends_with(';')
            || t.contains(" = ")
            || t.contains("==")
            || (deeper && prev_colon)
        {
            return true;
        }
        prev_colon = t.ends_with(':');
    }
    false
}

/// The block pass: headings, literal blocks, directives, targets, blockquotes, line blocks.
fn convert_blocks(lines: &[String], st: &mut RstState, out: &mut Vec<Out>, depth: usize) {
    let mut i = 0;
    let mut prev_blank = true;
    let mut at_start = true;
    // Inside a list (since its last item, no unindented paragraph yet): indented lines
    // after a blank continue the item instead of starting a blockquote.
    let mut list_ctx = false;
    while i < lines.len() {
        let line = &lines[i];
        if line.is_empty() {
            out.push(Out::Md(String::new()));
            prev_blank = true;
            i += 1;
            continue;
        }
        let ind = indent(line);
        let body = &line[ind..];
        let next = lines.get(i + 1).map(String::as_str);
        let next_blank = next.is_none_or(str::is_empty);

        // Markdown backtick fence: copied verbatim.
        // (An info string with a backtick makes it inline code instead, as in CommonMark.)
        if ind <= 3 && body.starts_with("```") && !body.trim_start_matches('`').contains('`') {
            i = copy_fence(lines, i, out);
            prev_blank = false;
            at_start = false;
            continue;
        }

        // reST grid and simple tables: shown as preformatted text, which keeps them readable.
        if is_table_border(body) {
            let end = table_end(lines, i);
            push_code_block(&lines[i..end], 0, out);
            i = end;
            prev_blank = true;
            at_start = false;
            continue;
        }

        // reST explicit markup: targets, directives, comments, footnotes.
        if body == ".." || body.starts_with(".. ") {
            i = explicit_markup(lines, i, st, out, depth);
            prev_blank = true;
            at_start = false;
            continue;
        }

        if ind == 0 {
            // Title + underline.
            let underline = next
                .and_then(adornment)
                .filter(|&(_, n)| adornment(line).is_none() && n >= line.chars().count());
            if let Some((c, _)) = underline {
                if !prev_blank {
                    out.push(Out::Md(String::new()));
                }
                push_heading(st, c, false, line.trim(), out);
                i += 2;
                prev_blank = true;
                at_start = false;
                list_ctx = false;
                continue;
            }
            if let Some((c, n)) = adornment(line) {
                // Overline + title + underline.
                let title = next.unwrap_or("").trim();
                let under = lines.get(i + 2).and_then(|u| adornment(u));
                if !title.is_empty()
                    && adornment(title).is_none()
                    && under.is_some_and(|(c2, _)| c2 == c)
                    && n >= title.chars().count()
                {
                    if !prev_blank {
                        out.push(Out::Md(String::new()));
                    }
                    push_heading(st, c, true, title, out);
                    i += 3;
                    prev_blank = true;
                    at_start = false;
                    list_ctx = false;
                    continue;
                }
                // Transition (reST) / thematic break (Markdown), else literal text.
                if "-=*_~#+^".contains(c) && (prev_blank || next_blank) {
                    out.push(Out::Md(String::new()));
                    out.push(Out::Md("***".to_string()));
                    out.push(Out::Md(String::new()));
                    prev_blank = true;
                } else {
                    out.push(Out::Md(format!("\\{line}")));
                    prev_blank = false;
                }
                i += 1;
                at_start = false;
                continue;
            }
        }

        // Paragraph ending in `::` followed by an indented literal block.
        if body.ends_with("::") {
            let base = list_content_col(line).unwrap_or(ind);
            let para_ends = next_blank || next.is_some_and(|n| indent(n) > base);
            let first = (i + 1..lines.len())
                .find(|&j| !lines[j].is_empty())
                .filter(|&j| para_ends && indent(&lines[j]) > base);
            if let Some(j) = first {
                let end = indented_block_end(lines, j, base);
                let kept = if body == "::" {
                    None
                } else if let Some(stripped) = line.strip_suffix("::").filter(|s| s.ends_with(' ')) {
                    Some(stripped.trim_end().to_string())
                } else {
                    Some(line[..line.len() - 1].to_string())
                };
                if let Some(k) = kept {
                    out.push(Out::Md(k));
                }
                push_code_block(&lines[j..end], base, out);
                i = end;
                prev_blank = true;
                at_start = false;
                continue;
            }
        }

        // Indented block after a blank line, outside a list: a reST blockquote (or code).
        let is_item = list_content_col(line).is_some();
        if prev_blank && !list_ctx && (ind >= 4 || (ind >= 2 && !at_start && !is_item)) {
            let end = indented_block_end(lines, i, 0);
            let block = dedent(&lines[i..end]);
            if looks_like_code(&block) {
                push_code_block(&block, 0, out);
            } else if depth < MAX_DEPTH {
                let mut inner = Vec::new();
                convert_blocks(&block, st, &mut inner, depth + 1);
                out.push(Out::Md(String::new()));
                for o in inner {
                    match o {
                        Out::Md(s) if s.is_empty() => out.push(Out::Md(">".to_string())),
                        Out::Md(s) => out.push(Out::Md(format!("> {s}"))),
                        Out::Raw(s) => out.push(Out::Raw(format!("> {s}"))),
                    }
                }
                out.push(Out::Md(String::new()));
            } else {
                out.extend(block.into_iter().map(Out::Md));
            }
            i = end;
            prev_blank = true;
            at_start = false;
            continue;
        }

        // Ordinary line, with two small reST rewrites.
        let mut text = line.clone();
        if let Some(rest) = body.strip_prefix("#. ") {
            // Auto-numbered reST list item.
            text = format!("{}1. {rest}", &line[..ind]);
        } else if (body.starts_with("| ") || body == "|") && !body[1..].contains('|') {
            // reST line block: the line structure is kept by the <br> rule anyway; indented
            // lines continue the previous line.
            text = format!("{}{}", &line[..ind], body[1..].trim_start());
            while let Some(cont) = lines
                .get(i + 1)
                .filter(|l| indent(l) > ind && !l.trim_start().starts_with('|'))
            {
                text.push(' ');
                text.push_str(cont.trim_start());
                i += 1;
            }
        }
        if !prev_blank && ind <= 3 && (body.bytes().all(|b| b == b'=') || body.bytes().all(|b| b == b'-')) {
            // Too short for a reST underline, but Markdown would read a setext heading.
            text = format!("{}\\{body}", &line[..ind]);
        } else if is_item && wrapped_marker(lines, i, list_ctx) {
            // A hard-wrapped line that merely starts with "- " or "1.": not a list.
            let marker_end = ind + text[ind..].bytes().take_while(u8::is_ascii_digit).count();
            text.insert(marker_end, '\\');
        } else if is_item {
            list_ctx = true;
        } else if ind == 0 && prev_blank {
            list_ctx = false;
        }
        out.push(Out::Md(text));
        prev_blank = false;
        at_start = false;
        i += 1;
    }
}

/// `+---+----+` (grid table) or `===  ====` (simple table) border.
fn is_table_border(body: &str) -> bool {
    let grid = body.len() >= 3
        && body.starts_with('+')
        && body.ends_with('+')
        && body.bytes().all(|b| matches!(b, b'+' | b'-' | b'='))
        && body.bytes().any(|b| b != b'+');
    let simple = body.starts_with('=') && body.contains(' ') && body.bytes().all(|b| b == b'=' || b == b' ');
    grid || simple
}

/// End (exclusive) of the table starting at border line `start`.
fn table_end(lines: &[String], start: usize) -> usize {
    let grid = lines[start].trim_start().starts_with('+');
    let mut borders = 0;
    let mut j = start;
    while j < lines.len() {
        let t = lines[j].trim_start();
        if t.is_empty() {
            break;
        }
        if grid && !(t.starts_with('+') || t.starts_with('|')) {
            break;
        }
        if is_table_border(t) {
            borders += 1;
        }
        j += 1;
        // A simple table ends with its third border (or second, without header row).
        if !grid && borders == 3 {
            break;
        }
    }
    j
}

/// Whether the list-looking line `i` is really a wrapped line inside a prose paragraph: it
/// follows a long paragraph line and is followed by more unindented prose.
fn wrapped_marker(lines: &[String], i: usize, list_ctx: bool) -> bool {
    let prev = i.checked_sub(1).map_or("", |p| lines[p].as_str());
    let next = lines.get(i + 1).map_or("", String::as_str);
    let line = &lines[i];
    !list_ctx
        && !line.starts_with('•')
        && !prev.is_empty()
        && list_content_col(prev).is_none()
        && prev.chars().count() >= 55
        && !prev.ends_with(':')
        && !next.is_empty()
        && indent(next) == 0
        && list_content_col(next).is_none()
}

/// Copies a Markdown backtick fence verbatim (closing it if the input forgot to).
fn copy_fence(lines: &[String], start: usize, out: &mut Vec<Out>) -> usize {
    let open = lines[start].trim_start();
    let n = open.bytes().take_while(|&b| b == b'`').count();
    out.push(Out::Raw(lines[start].clone()));
    let mut j = start + 1;
    while j < lines.len() {
        let l = &lines[j];
        out.push(Out::Raw(l.clone()));
        j += 1;
        let t = l.trim_start();
        if indent(l) <= 3 && t.len() >= n && t.bytes().all(|b| b == b'`') {
            return j;
        }
    }
    out.push(Out::Raw("`".repeat(n)));
    out.push(Out::Md(String::new()));
    j
}

/// Appends an ATX heading whose level follows reST's "order of first appearance" rule.
fn push_heading(st: &mut RstState, c: char, overline: bool, title: &str, out: &mut Vec<Out>) {
    let level = match st.styles.iter().position(|&s| s == (c, overline)) {
        Some(p) => p + 1,
        None => {
            st.styles.push((c, overline));
            st.styles.len()
        }
    };
    let mut title = title.to_string();
    if title.ends_with('#') {
        // A trailing `#` run would be taken as the closing sequence of an ATX heading.
        title.pop();
        title.push_str("\\#");
    }
    out.push(Out::Md(format!("{} {title}", "#".repeat(level.min(6)))));
    out.push(Out::Md(String::new()));
}

/// Handles a `..` line: hyperlink target, directive, footnote or comment. Returns the next line.
fn explicit_markup(lines: &[String], i: usize, st: &mut RstState, out: &mut Vec<Out>, depth: usize) -> usize {
    let line = &lines[i];
    let ind = indent(line);
    let rest = line[ind + 2..].trim_start();
    // An empty comment followed by a blank line consumes nothing else.
    if rest.is_empty() && lines.get(i + 1).is_none_or(|l| l.is_empty()) {
        return i + 1;
    }
    let end = indented_block_end(lines, i + 1, ind);
    let body = &lines[i + 1..end];

    // Hyperlink target: `.. _name: url` (name may be back-quoted and contain escaped colons).
    if let Some(target) = rest.strip_prefix('_') {
        if let Some((name, url)) = split_target(target) {
            let mut url: String = url.split_whitespace().collect();
            for l in body {
                url.extend(l.split_whitespace());
            }
            if !url.is_empty() && !url.ends_with('_') && name != "_" {
                st.targets.entry(normalise_ref(&name)).or_insert(url);
            }
        }
        return end;
    }

    // Footnote / citation: keep its text.
    if rest.starts_with('[') && rest.contains(']') {
        out.push(Out::Md(String::new()));
        out.push(Out::Md(rest.to_string()));
        out.extend(dedent(body).into_iter().map(Out::Md));
        out.push(Out::Md(String::new()));
        return end;
    }

    let Some((name, args)) = split_directive(rest) else {
        // Comment: invisible in reST, so invisible here.
        return end;
    };
    // Leading `:option: value` lines, then the content.
    let mut options: HashMap<&str, &str> = HashMap::new();
    let mut k = 0;
    while k < body.len() {
        let t = body[k].trim();
        let option = t
            .strip_prefix(':')
            .and_then(|opt| opt.find(':').filter(|&p| p > 0).map(|p| (opt, p)));
        if let Some((opt, p)) = option {
            options.insert(&opt[..p], opt[p + 1..].trim());
            k += 1;
        } else {
            break;
        }
    }
    let content = dedent(&body[k..]);
    let content_start = content.iter().position(|l| !l.is_empty()).unwrap_or(content.len());
    let content = &content[content_start..];

    match name.to_ascii_lowercase().as_str() {
        "code" | "code-block" | "sourcecode" => {
            if !content.is_empty() {
                push_code_block(content, ind, out);
            }
        }
        "image" | "figure" => {
            let url: String = args.split_whitespace().collect();
            if !url.is_empty() {
                let alt = options.get("alt").copied().filter(|a| !a.is_empty()).unwrap_or(&url);
                out.push(Out::Md(String::new()));
                out.push(Out::Md(format!("[{}](<{}>)", escape_link_text(alt), escape_dest(&url))));
                out.push(Out::Md(String::new()));
            }
            if !content.is_empty() && depth < MAX_DEPTH {
                convert_blocks(content, st, out, depth + 1);
            }
        }
        "raw" | "include" | "meta" | "contents" | "sectnum" | "highlight" | "default-role" | "role" | "replace"
        | "unicode" | "date" | "class" | "title" | "header" | "footer" => {}
        lower => {
            let titled = matches!(
                lower,
                "admonition" | "topic" | "sidebar" | "rubric" | "table" | "list-table" | "csv-table"
            );
            if titled && !args.is_empty() {
                out.push(Out::Md(String::new()));
                out.push(Out::Md(args.to_string()));
            }
            out.push(Out::Md(String::new()));
            if !content.is_empty() && depth < MAX_DEPTH {
                convert_blocks(content, st, out, depth + 1);
                out.push(Out::Md(String::new()));
            }
        }
    }
    end
}

/// Splits `name: url` (after `.. _`) into name and url.
fn split_target(target: &str) -> Option<(String, &str)> {
    if let Some(quoted) = target.strip_prefix('`') {
        let close = quoted.find('`')?;
        let after = quoted[close + 1..].strip_prefix(':')?;
        return Some((quoted[..close].to_string(), after.trim()));
    }
    let bytes = target.as_bytes();
    let mut k = 0;
    while k < bytes.len() {
        match bytes[k] {
            b'\\' => k += 2,
            b':' if bytes.get(k + 1).is_none_or(|b| b.is_ascii_whitespace()) => {
                let name = target[..k].replace('\\', "");
                return Some((name, target[k + 1..].trim()));
            }
            _ => k += 1,
        }
    }
    None
}

/// Splits `name:: args` of a directive; also accepts the common `code-block: lang` typo.
fn split_directive(rest: &str) -> Option<(&str, &str)> {
    let valid = |n: &str| !n.is_empty() && n.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_+.:".contains(&b));
    if let Some(p) = rest.find("::") {
        let name = &rest[..p];
        if valid(name) {
            return Some((name, rest[p + 2..].trim()));
        }
    }
    let (name, args) = rest.split_once(':')?;
    if matches!(name, "code" | "code-block" | "sourcecode") {
        return Some((name, args.trim()));
    }
    None
}

/// Reference names are case-insensitive and whitespace-normalised in reST.
fn normalise_ref(name: &str) -> String {
    name.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

/// Escapes reST link text so Markdown reads it literally.
fn escape_link_text(text: &str) -> String {
    let mut s = String::with_capacity(text.len() + 4);
    for (k, word) in text.split_whitespace().enumerate() {
        if k > 0 {
            s.push(' ');
        }
        for c in word.chars() {
            if "\\`*_[]<>&!".contains(c) {
                s.push('\\');
            }
            s.push(c);
        }
    }
    s
}

/// Makes `url` safe inside a `<...>` link destination (whitespace removed, brackets escaped).
fn escape_dest(url: &str) -> String {
    let mut s = String::with_capacity(url.len() + 2);
    for c in url.chars().filter(|c| !c.is_whitespace()) {
        if matches!(c, '<' | '>' | '\\') {
            s.push('\\');
        }
        s.push(c);
    }
    s
}

// ---------------------------------------------------------------------------
// reST compatibility pass (inline level)
// ---------------------------------------------------------------------------

/// Rewrites reST links, named references and Python dunders; code spans, HTML tags and
/// Markdown link destinations are copied untouched.
fn rewrite_inline(src: &str, targets: &HashMap<String, String>, out: &mut String) {
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

// ---------------------------------------------------------------------------
// Markdown → HTML (event pass)
// ---------------------------------------------------------------------------

/// Parses Markdown and applies the event rewrites before HTML serialisation.
fn markdown_to_html(md: &str) -> String {
    let events: Vec<(Event, Range<usize>)> = Parser::new_ext(md, Options::ENABLE_TABLES).into_offset_iter().collect();
    let min_level = events
        .iter()
        .filter_map(|(e, _)| match e {
            Event::Start(Tag::Heading { level, .. }) => Some(*level as usize),
            _ => None,
        })
        .min()
        .unwrap_or(1);
    // The page owns h1/h2: the highest heading of a description becomes h3.
    let demote = |level: HeadingLevel| {
        let n = (level as usize).saturating_sub(min_level) + 3;
        HeadingLevel::try_from(n.min(6)).unwrap_or(HeadingLevel::H6)
    };

    let mut out: Vec<Event> = Vec::with_capacity(events.len() + 8);
    let mut pending = String::new();
    let mut list_depth = 0usize;
    let mut code_depth = 0usize;
    let mut link_depth = 0usize;
    let mut html_anchor = false;
    let mut hard_breaks = false;
    // Per open image: (rewritten into a link?, out.len() at start, destination).
    let mut images: Vec<(bool, usize, CowStr)> = Vec::new();
    // Per open Markdown link: was its start tag emitted?
    let mut links: Vec<bool> = Vec::new();
    // Per open list/item/blockquote: was its start tag emitted? (see MAX_NESTING)
    let mut nesting: Vec<bool> = Vec::new();

    for (event, range) in events {
        // Adjacent text is merged first so a URL split across events is still found.
        match &event {
            Event::Text(t) if code_depth == 0 && link_depth == 0 && !html_anchor => {
                pending.push_str(t);
                continue;
            }
            _ => {}
        }
        if !pending.is_empty() {
            linkify(&std::mem::take(&mut pending), &mut out);
        }
        match event {
            Event::Start(Tag::Paragraph) => {
                hard_breaks = list_depth == 0 && !looks_hard_wrapped(md.get(range).unwrap_or(""));
                out.push(Event::Start(Tag::Paragraph));
            }
            // A line ending in ':' introduces what follows: keep that break even in wrapped prose.
            Event::SoftBreak
                if list_depth == 0
                    && (hard_breaks || md.get(..range.start).is_some_and(|s| s.trim_end().ends_with(':'))) =>
            {
                out.push(Event::HardBreak)
            }
            Event::Start(Tag::Item) => {
                list_depth += 1;
                push_nested(Event::Start(Tag::Item), &mut nesting, &mut out);
            }
            Event::End(TagEnd::Item) => {
                list_depth = list_depth.saturating_sub(1);
                html_anchor = false;
                pop_nested(Event::End(TagEnd::Item), &mut nesting, &mut out);
            }
            Event::Start(tag @ (Tag::List(_) | Tag::BlockQuote(_))) => {
                push_nested(Event::Start(tag), &mut nesting, &mut out);
            }
            Event::End(end @ (TagEnd::List(_) | TagEnd::BlockQuote(_))) => {
                pop_nested(Event::End(end), &mut nesting, &mut out);
            }
            Event::Start(Tag::CodeBlock(kind)) => {
                code_depth += 1;
                out.push(Event::Start(Tag::CodeBlock(kind)));
            }
            Event::End(TagEnd::CodeBlock) => {
                code_depth = code_depth.saturating_sub(1);
                out.push(Event::End(TagEnd::CodeBlock));
            }
            // Links the sanitiser would strip anyway lose their <a> here (keeping the text).
            Event::Start(tag @ Tag::Link { .. }) => {
                link_depth += 1;
                let keep = matches!(&tag, Tag::Link { dest_url, .. } if allowed_url(dest_url));
                links.push(keep);
                if keep {
                    out.push(Event::Start(tag));
                }
            }
            Event::End(TagEnd::Link) => {
                link_depth = link_depth.saturating_sub(1);
                if links.pop().unwrap_or(true) {
                    out.push(Event::End(TagEnd::Link));
                }
            }
            // Images from strangers are not embedded: they become links to the image.
            Event::Start(Tag::Image {
                dest_url, title, id, ..
            }) => {
                let as_link = link_depth == 0 && allowed_url(&dest_url);
                images.push((as_link, out.len(), dest_url.clone()));
                if as_link {
                    out.push(Event::Start(Tag::Link {
                        link_type: LinkType::Inline,
                        dest_url,
                        title,
                        id,
                    }));
                }
                link_depth += 1;
            }
            Event::End(TagEnd::Image) => {
                link_depth = link_depth.saturating_sub(1);
                if let Some((true, start, dest)) = images.pop() {
                    if out.len() == start + 1 {
                        out.push(Event::Text(dest));
                    }
                    out.push(Event::End(TagEnd::Link));
                }
            }
            Event::Start(Tag::Heading { level, .. }) => {
                out.push(Event::Start(Tag::Heading {
                    level: demote(level),
                    id: None,
                    classes: Vec::new(),
                    attrs: Vec::new(),
                }));
            }
            Event::End(TagEnd::Heading(level)) => {
                html_anchor = false;
                out.push(Event::End(TagEnd::Heading(demote(level))));
            }
            Event::End(TagEnd::Paragraph) => {
                html_anchor = false;
                out.push(Event::End(TagEnd::Paragraph));
            }
            Event::InlineHtml(html) => match html_tag_name(&html) {
                Some((name, closing)) if KNOWN_HTML_TAGS.contains(&name.as_str()) => {
                    if name == "a" {
                        html_anchor = !closing;
                    }
                    out.push(Event::InlineHtml(html));
                }
                // `<package>` in plain text is prose, not HTML: show it instead of losing it.
                Some(_) => out.push(Event::Text(html)),
                None => out.push(Event::InlineHtml(html)),
            },
            other => out.push(other),
        }
    }
    if !pending.is_empty() {
        linkify(&pending, &mut out);
    }
    let mut html = String::with_capacity(md.len() + md.len() / 4 + 16);
    pulldown_cmark::html::push_html(&mut html, out.into_iter());
    html
}

/// Deepest list/blockquote nesting kept; deeper containers are flattened because html5ever's
/// tree builder is quadratic in nesting depth (`1. 1. 1. …` would stall the build).
const MAX_NESTING: usize = 24;

/// Emits a container start unless nesting is already at `MAX_NESTING`.
fn push_nested<'a>(event: Event<'a>, nesting: &mut Vec<bool>, out: &mut Vec<Event<'a>>) {
    // Kept containers always form a prefix of the stack.
    let keep = nesting.len() < MAX_NESTING;
    nesting.push(keep);
    if keep {
        out.push(event);
    }
}

/// Emits a container end if its start was emitted.
fn pop_nested<'a>(event: Event<'a>, nesting: &mut Vec<bool>, out: &mut Vec<Event<'a>>) {
    if nesting.pop().unwrap_or(true) {
        out.push(event);
    }
}

/// Link schemes the sanitiser keeps (checked early only to avoid empty `<a>` shells).
fn allowed_url(url: &str) -> bool {
    let url = url.trim_start().as_bytes();
    [&b"http://"[..], b"https://", b"mailto:"]
        .iter()
        .any(|p| url.len() >= p.len() && url[..p.len()].eq_ignore_ascii_case(p))
}

/// Standard HTML element names: inline tags with other names are shown as text.
const KNOWN_HTML_TAGS: &[&str] = &[
    "a",
    "abbr",
    "acronym",
    "address",
    "applet",
    "area",
    "article",
    "aside",
    "audio",
    "b",
    "base",
    "basefont",
    "bdi",
    "bdo",
    "big",
    "blink",
    "blockquote",
    "body",
    "br",
    "button",
    "canvas",
    "caption",
    "center",
    "cite",
    "code",
    "col",
    "colgroup",
    "data",
    "datalist",
    "dd",
    "del",
    "details",
    "dfn",
    "dialog",
    "dir",
    "div",
    "dl",
    "dt",
    "em",
    "embed",
    "fieldset",
    "figcaption",
    "figure",
    "font",
    "footer",
    "form",
    "frame",
    "frameset",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "head",
    "header",
    "hgroup",
    "hr",
    "html",
    "i",
    "iframe",
    "image",
    "img",
    "input",
    "ins",
    "isindex",
    "kbd",
    "keygen",
    "label",
    "legend",
    "li",
    "link",
    "listing",
    "main",
    "map",
    "mark",
    "marquee",
    "math",
    "menu",
    "menuitem",
    "meta",
    "meter",
    "nav",
    "nobr",
    "noembed",
    "noframes",
    "noscript",
    "object",
    "ol",
    "optgroup",
    "option",
    "output",
    "p",
    "param",
    "picture",
    "plaintext",
    "pre",
    "progress",
    "q",
    "rb",
    "rp",
    "rt",
    "rtc",
    "ruby",
    "s",
    "samp",
    "script",
    "search",
    "section",
    "select",
    "slot",
    "small",
    "source",
    "span",
    "strike",
    "strong",
    "style",
    "sub",
    "summary",
    "sup",
    "svg",
    "table",
    "tbody",
    "td",
    "template",
    "textarea",
    "tfoot",
    "th",
    "thead",
    "time",
    "title",
    "tr",
    "track",
    "tt",
    "u",
    "ul",
    "var",
    "video",
    "wbr",
    "xmp",
];

/// Lower-cased tag name of an inline HTML open/close tag (None for comments, declarations…).
fn html_tag_name(html: &str) -> Option<(String, bool)> {
    let rest = html.strip_prefix('<')?;
    let (rest, closing) = match rest.strip_prefix('/') {
        Some(r) => (r, true),
        None => (rest, false),
    };
    let name: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
        .map(|c| c.to_ascii_lowercase())
        .collect();
    if name.is_empty() {
        None
    } else {
        Some((name, closing))
    }
}

/// Whether a paragraph's source is prose hard-wrapped at a fixed width (every line but the
/// last is full: the next word would not have fitted). Such line breaks are not meaningful,
/// and turning them into <br> gives ragged text on narrow screens.
fn looks_hard_wrapped(src: &str) -> bool {
    let lines: Vec<&str> = src
        .lines()
        .map(|l| l.trim_start_matches([' ', '>']).trim_end())
        .filter(|l| !l.is_empty())
        .collect();
    // With two lines the first is trivially "full"; only longer paragraphs show a wrap width.
    if lines.len() < 3 {
        return false;
    }
    let widths: Vec<usize> = lines.iter().map(|l| l.chars().count()).collect();
    // A lone long token (a URL) says nothing about the wrap width.
    let max = lines
        .iter()
        .zip(&widths)
        .filter(|(l, _)| l.contains(' '))
        .map(|(_, &w)| w)
        .max()
        .unwrap_or(0);
    // Nobody hard-wraps narrower than this or wider than 100 columns.
    if !(55..=100).contains(&max) {
        return false;
    }
    lines.windows(2).zip(&widths).all(|(pair, &w)| {
        let next_word = pair[1].split_whitespace().next().map_or(0, |s| s.chars().count());
        w + 1 + next_word > max
    })
}

/// Splits text into text and link events around bare http(s) URLs.
fn linkify<'a>(text: &str, out: &mut Vec<Event<'a>>) {
    let b = text.as_bytes();
    let mut last = 0;
    let mut i = 0;
    while i + 7 < b.len() {
        if !(b[i] == b'h' || b[i] == b'H') || (i > 0 && (b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'/')) {
            i += 1;
            continue;
        }
        let scheme_len = if b[i..].len() >= 8 && b[i..i + 8].eq_ignore_ascii_case(b"https://") {
            8
        } else if b[i..i + 7].eq_ignore_ascii_case(b"http://") {
            7
        } else {
            i += 1;
            continue;
        };
        let end = url_end(text, i, i + scheme_len);
        if !text[i + scheme_len..end].chars().any(char::is_alphanumeric) {
            i += scheme_len;
            continue;
        }
        if last < i {
            out.push(Event::Text(CowStr::from(text[last..i].to_string())));
        }
        let url = text[i..end].to_string();
        out.push(Event::Start(Tag::Link {
            link_type: LinkType::Inline,
            dest_url: CowStr::from(url.clone()),
            title: CowStr::from(""),
            id: CowStr::from(""),
        }));
        out.push(Event::Text(CowStr::from(url)));
        out.push(Event::End(TagEnd::Link));
        i = end;
        last = end;
    }
    if last < text.len() {
        out.push(Event::Text(CowStr::from(text[last..].to_string())));
    }
}

/// End of a bare URL starting at `start`: stops at whitespace/quotes and drops trailing
/// punctuation (and unbalanced closing brackets) that belong to the sentence.
fn url_end(text: &str, start: usize, body: usize) -> usize {
    let mut end = body;
    for (k, c) in text[body..].char_indices() {
        if c.is_whitespace()
            || c.is_control()
            || matches!(
                c,
                '<' | '>'
                    | '"'
                    | '`'
                    | '“'
                    | '”'
                    | '‘'
                    | '’'
                    | '«'
                    | '»'
                    | '「'
                    | '」'
                    | '、'
                    | '。'
                    | '，'
                    | '（'
                    | '）'
                    | '…'
                    | '—'
            )
        {
            break;
        }
        end = body + k + c.len_utf8();
    }
    // Bracket balance of the candidate, updated as trailing characters are dropped.
    let url = &text[start..end];
    let open = [
        url.matches('(').count(),
        url.matches('[').count(),
        url.matches('{').count(),
    ];
    let mut close = [
        url.matches(')').count(),
        url.matches(']').count(),
        url.matches('}').count(),
    ];
    loop {
        let url = &text[start..end];
        let Some(c) = url.chars().last() else { break };
        let drop = match c {
            '.' | ',' | ':' | ';' | '!' | '?' | '*' | '_' | '~' | '\'' | '\\' => true,
            ')' => open[0] < close[0],
            ']' => open[1] < close[1],
            '}' => open[2] < close[2],
            _ => false,
        };
        if !drop || end <= body {
            break;
        }
        match c {
            ')' => close[0] -= 1,
            ']' => close[1] -= 1,
            '}' => close[2] -= 1,
            _ => {}
        }
        end -= c.len_utf8();
    }
    end
}

// ---------------------------------------------------------------------------
// Plain-text lead
// ---------------------------------------------------------------------------

/// Tags that separate blocks of text (everything else is inline and joins words directly).
const BLOCK_TAGS: &[&str] = &[
    "p",
    "br",
    "li",
    "ul",
    "ol",
    "h3",
    "h4",
    "h5",
    "h6",
    "pre",
    "blockquote",
    "hr",
    "table",
    "tr",
    "td",
    "th",
    "thead",
    "tbody",
    "tfoot",
    "dl",
    "dt",
    "dd",
];

/// Text of sanitised HTML as whitespace-collapsed blocks; optionally without headings and code blocks.
fn html_text_blocks(html: &str, skip_headings_and_code: bool) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut cur = String::new();
    let mut skip = 0usize;
    let b = html.as_bytes();
    let mut i = 0;
    let mut text_start = 0;
    let flush_text = |cur: &mut String, from: usize, to: usize, skip: usize| {
        if skip == 0 && from < to {
            decode_entities(&html[from..to], cur);
        }
    };
    while i < b.len() {
        if b[i] != b'<' {
            i += 1;
            continue;
        }
        flush_text(&mut cur, text_start, i, skip);
        // Find the end of the tag, skipping quoted attribute values.
        let mut k = i + 1;
        let mut quote = 0u8;
        while k < b.len() {
            match b[k] {
                q @ (b'"' | b'\'') if quote == 0 => quote = q,
                q if q == quote => quote = 0,
                b'>' if quote == 0 => break,
                _ => {}
            }
            k += 1;
        }
        let tag = html.get(i + 1..k).unwrap_or("");
        let closing = tag.starts_with('/');
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(char::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_lowercase())
            .collect();
        if BLOCK_TAGS.contains(&name.as_str()) {
            push_block(&mut cur, &mut blocks);
        }
        if skip_headings_and_code && matches!(name.as_str(), "h3" | "h4" | "h5" | "h6" | "pre") {
            if closing {
                skip = skip.saturating_sub(1);
            } else {
                skip += 1;
            }
        }
        i = k + 1;
        text_start = i;
    }
    flush_text(&mut cur, text_start.min(b.len()), b.len(), skip);
    push_block(&mut cur, &mut blocks);
    blocks
}

/// Moves the collapsed text of `cur` (if any) into `blocks`.
fn push_block(cur: &mut String, blocks: &mut Vec<String>) {
    let collapsed = cur.split_whitespace().collect::<Vec<_>>().join(" ");
    if !collapsed.is_empty() {
        blocks.push(collapsed);
    }
    cur.clear();
}

/// Decodes the entities an HTML serialiser emits (named basics and numeric references).
fn decode_entities(s: &str, out: &mut String) {
    let mut rest = s;
    while let Some(p) = rest.find('&') {
        out.push_str(&rest[..p]);
        rest = &rest[p..];
        let semi = rest.find(';').filter(|&q| q <= 10);
        let decoded = semi.and_then(|q| {
            let ent = &rest[1..q];
            let c = match ent {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                "nbsp" => Some('\u{a0}'),
                _ => {
                    let num = ent.strip_prefix('#')?;
                    let n = match num.strip_prefix(['x', 'X']) {
                        Some(hex) => u32::from_str_radix(hex, 16).ok(),
                        None => num.parse().ok(),
                    };
                    n.and_then(char::from_u32)
                }
            };
            c.map(|c| (c, q))
        });
        match decoded {
            Some((c, q)) => {
                out.push(c);
                rest = &rest[q + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
}

/// Byte offsets just after sentence ends in `block` (terminal punctuation, optional closing
/// quote/bracket, then whitespace and a non-lowercase letter; single initials excluded).
fn sentence_ends(block: &str) -> Vec<usize> {
    let chars: Vec<(usize, char)> = block.char_indices().collect();
    let mut ends = Vec::new();
    for (k, &(_, c)) in chars.iter().enumerate() {
        if matches!(c, '。' | '！' | '？') {
            ends.push(chars.get(k + 1).map_or(block.len(), |&(p, _)| p));
            continue;
        }
        if !matches!(c, '.' | '!' | '?' | '…') {
            continue;
        }
        if c == '.' {
            // "J. Smith", "e.g." style: a one-letter word before the dot.
            let prev = k.checked_sub(1).map(|p| chars[p].1);
            let prev2 = k.checked_sub(2).map(|p| chars[p].1);
            if prev.is_some_and(char::is_alphabetic) && prev2.is_none_or(|p| !p.is_alphanumeric()) {
                continue;
            }
        }
        let mut m = k + 1;
        while m < chars.len() && matches!(chars[m].1, ')' | ']' | '"' | '\'' | '”' | '’' | '»') {
            m += 1;
        }
        let boundary = chars.get(m).map_or(block.len(), |&(p, _)| p);
        match chars.get(m) {
            None => ends.push(boundary),
            Some(&(_, w)) if w.is_whitespace() && chars.get(m + 1).is_some_and(|&(_, n)| !n.is_lowercase()) => {
                ends.push(boundary);
            }
            _ => {}
        }
    }
    ends
}

/// Joins blocks and cuts to `max_chars`, preferring sentence ends, then word boundaries.
fn cut_lead(blocks: &[String], max_chars: usize) -> String {
    let mut s = String::new();
    let mut cuts = Vec::new();
    for block in blocks {
        if !s.is_empty() {
            s.push(' ');
        }
        let base = s.len();
        cuts.extend(sentence_ends(block).into_iter().map(|e| base + e));
        s.push_str(block);
        cuts.push(s.len());
    }
    let total = s.chars().count();
    if total <= max_chars {
        return s;
    }
    let byte_at = |n: usize| s.char_indices().nth(n).map_or(s.len(), |(p, _)| p);
    // Sentence cut: "… sentence. …" needs two chars for " …".
    let limit = max_chars.saturating_sub(2);
    let limit_byte = byte_at(limit);
    let best = cuts.iter().copied().filter(|&c| c <= limit_byte).max();
    if let Some(c) = best {
        let kept = s[..c].trim_end();
        if kept.chars().count() * 5 >= limit * 2 && !kept.is_empty() {
            return format!("{kept} …");
        }
    }
    // Word cut.
    let budget = max_chars - 1;
    let hard = byte_at(budget);
    let prefix = &s[..hard];
    let word_cut = if s[hard..].starts_with(char::is_whitespace) {
        prefix
    } else {
        match prefix.rfind(char::is_whitespace) {
            Some(w) if prefix[..w].chars().count() * 2 >= budget => &prefix[..w],
            _ => prefix,
        }
    };
    let trimmed = word_cut
        .trim_end()
        .trim_end_matches([',', ';', ':', '-', '–', '—', '(', '[', '{', '/'])
        .trim_end();
    let kept = if trimmed.is_empty() { prefix } else { trimmed };
    format!("{kept}…")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The safety property every rendered description must have. Text `<` is always escaped
    /// in the output, so every literal `<` starts a real tag.
    /// `strict`: no dangerous scheme name anywhere in a URL (hand-written corpus); otherwise
    /// only as the scheme (random input may legitimately put "javascript:" in a path).
    fn assert_safe(input: &str, html: &str, strict: bool) {
        let lower = html.to_ascii_lowercase();
        for bad in [
            "<script", "<iframe", "<svg", "<style", "<object", "<embed", "<form", "<img", "<math",
        ] {
            assert!(!lower.contains(bad), "{bad} in output for {input:?}: {html}");
        }
        for (start, _) in lower.match_indices('<') {
            let tag = &lower[start..];
            let tag = &tag[..tag.find('>').unwrap_or(tag.len())];
            assert!(!tag.contains("style="), "style attribute for {input:?}: {html}");
            // No on*= attribute.
            for (p, _) in tag.match_indices("on") {
                let before = tag[..p].chars().last();
                let name_len = tag[p + 2..].bytes().take_while(u8::is_ascii_lowercase).count();
                let after = tag[p + 2 + name_len..].trim_start();
                let is_attr = before.is_some_and(|c| c.is_whitespace() || c == '/' || c == '"' || c == '\'');
                assert!(
                    !(is_attr && name_len > 0 && after.starts_with('=')),
                    "event handler for {input:?}: {html}"
                );
            }
            // Only http(s)/mailto in href/src, never javascript:/data:/vbscript:.
            for attr in ["href=", "src="] {
                for (p, _) in tag.match_indices(attr) {
                    let value = tag[p + attr.len()..].trim_start_matches(['"', '\'']);
                    let value = &value[..value.find(['"', '\'']).unwrap_or(value.len())];
                    let compact: String = value
                        .chars()
                        .filter(|c| !c.is_whitespace() && !c.is_control())
                        .collect();
                    for scheme in ["javascript:", "data:", "vbscript:"] {
                        assert!(
                            !(compact.starts_with(scheme) || (strict && compact.contains(scheme))),
                            "{scheme} in output for {input:?}: {html}"
                        );
                    }
                    assert!(
                        ["http://", "https://", "mailto:"]
                            .iter()
                            .any(|s| compact.starts_with(s)),
                        "unexpected link {value:?} for {input:?}: {html}"
                    );
                }
            }
        }
    }

    fn render(input: &str) -> String {
        let html = render_description(input);
        assert_safe(input, &html, true);
        html
    }

    #[test]
    fn empty_and_whitespace_give_empty_string() {
        assert_eq!(render(""), "");
        assert_eq!(render("  \n\t\r\n  "), "");
        assert_eq!(plain_summary("   ", 100), "");
    }

    #[test]
    fn plain_text_keeps_paragraphs_and_lines() {
        let html = render("Speaker: Jane\nRoom: A\n\nSecond paragraph.");
        assert_eq!(html, "<p>Speaker: Jane<br>\nRoom: A</p>\n<p>Second paragraph.</p>");
    }

    #[test]
    fn crlf_input_behaves_like_lf() {
        assert_eq!(render("a\r\nb\r\n\r\nc"), render("a\nb\n\nc"));
    }

    #[test]
    fn hard_wrapped_prose_is_reflowed() {
        let text = "Want to rapidly test code, javascript or documents on different Python\n\
                    Interpreters and versions? This talk gives an overview on new py.test\n\
                    features of the last year.";
        let html = render(text);
        assert!(!html.contains("<br"), "{html}");
    }

    #[test]
    fn long_unwrapped_lines_and_colons_keep_breaks() {
        let long = "Mishari has been using Linux since 1994, built Thailand's largest Renderfarm for the animation Khan Kluay.\nCurrently his obsessions are cycling.";
        assert!(render(long).contains("<br>"));
        let colon =
            "For questions about this talk please use the forum at the following address:\nhttps://forum.example/t/1";
        assert!(render(colon).contains("address:<br>"));
    }

    #[test]
    fn wrapped_dash_is_not_a_list() {
        let text = "The lambda calculus, dating back to the work of Alonzo Church, lets us\n- all their logic and data - as pure, anonymous functions,\nusing nothing but lambda.";
        let html = render(text);
        assert!(!html.contains("<li>"), "{html}");
        assert!(html.contains("- all their logic"), "{html}");
    }

    #[test]
    fn no_line_breaks_inside_lists_or_code() {
        let html = render("Intro\n\n- one\n  continued\n- two\n\n```\nx = 1\ny = 2\n```");
        assert!(html.contains("<li>one\ncontinued</li>"), "{html}");
        assert!(html.contains("<pre><code>x = 1\ny = 2\n</code></pre>"), "{html}");
        assert_eq!(html.matches("<br").count(), 0, "{html}");
    }

    #[test]
    fn bare_urls_are_linked_without_trailing_punctuation() {
        let html =
            render("See http://example.com/a_b. Or (https://example.org/x), https://en.wikipedia.org/wiki/Foo_(bar)!");
        assert!(
            html.contains(
                "<a href=\"http://example.com/a_b\" rel=\"nofollow noopener noreferrer\">http://example.com/a_b</a>."
            ),
            "{html}"
        );
        assert!(html.contains(">https://example.org/x</a>),"), "{html}");
        assert!(html.contains(">https://en.wikipedia.org/wiki/Foo_(bar)</a>!"), "{html}");
    }

    #[test]
    fn urls_already_in_links_are_not_linked_again() {
        let md = render("[http://a.example](http://a.example) and <https://b.example>");
        assert_eq!(md.matches("<a ").count(), 2, "{md}");
        let raw = render("<a href=\"http://c.example\">http://c.example</a>");
        assert_eq!(raw.matches("<a ").count(), 1, "{raw}");
        assert!(raw.contains("rel=\"nofollow noopener noreferrer\""), "{raw}");
    }

    #[test]
    fn rest_links_become_links() {
        let html = render("See `the docs <https://docs.example/x_y>`_ and `pytest <http://pytest.org/>`__.");
        assert!(
            html.contains("<a href=\"https://docs.example/x_y\" rel=\"nofollow noopener noreferrer\">the docs</a>"),
            "{html}"
        );
        assert!(html.contains(">pytest</a>."), "{html}");
        let multi = render("(URL:\n`http://pytest.org <http://pytest.org/>`__)");
        assert!(multi.contains("<a href=\"http://pytest.org/\""), "{multi}");
    }

    #[test]
    fn unsafe_or_broken_links_keep_only_their_text() {
        assert_eq!(render("`click <javascript:alert(1)>`_"), "<p>click</p>");
        assert_eq!(render("<a href=\"jav&#x09;ascript:x\">x</a> <a>y</a>"), "<p>x y</p>");
        let repaired = render("`yellowbrick <https://www.scikit-%20yb.org/en/latest/>`__");
        assert!(
            repaired.contains("href=\"https://www.scikit-yb.org/en/latest/\""),
            "{repaired}"
        );
    }

    #[test]
    fn rest_links_with_literal_text() {
        let html = render("Try ```ipytest`` <https://github.com/chmp/ipytest>`__, a tool.");
        assert!(
            html.contains("<a href=\"https://github.com/chmp/ipytest\" rel=\"nofollow noopener noreferrer\"><code>ipytest</code></a>, a tool."),
            "{html}"
        );
    }

    #[test]
    fn rest_named_references_resolve_targets() {
        let html = render(
            "Uses Capsicum_ and `Qt Quick`_.\n\n.. _Capsicum: https://capsicum.example/\n.. _`Qt Quick`: https://qt.example/quick",
        );
        assert!(html.contains("<a href=\"https://capsicum.example/\""), "{html}");
        assert!(html.contains(">Qt Quick</a>."), "{html}");
        assert!(!html.contains(".. _"), "{html}");
    }

    #[test]
    fn rest_literals_become_code() {
        let html = render("Call ``foo(*args)`` or ``a `b` c``.");
        assert!(html.contains("<code>foo(*args)</code>"), "{html}");
        assert!(html.contains("<code>a `b` c</code>"), "{html}");
    }

    #[test]
    fn rest_literal_blocks() {
        let html = render("Example::\n\n    def f():\n        return 1\n\nAfter.");
        assert!(html.contains("<p>Example:</p>"), "{html}");
        assert!(
            html.contains("<pre><code>def f():\n    return 1\n</code></pre>"),
            "{html}"
        );
        assert!(html.contains("<p>After.</p>"), "{html}");

        let spaced = render("Example ::\n\n    x\n");
        assert!(spaced.contains("<p>Example</p>"), "{spaced}");

        let alone = render("Intro text.\n\n::\n\n    print(x)\n");
        assert!(!alone.contains("::"), "{alone}");
        assert!(alone.contains("<pre><code>print(x)\n</code></pre>"), "{alone}");

        let no_block = render("std::\nnot followed by indentation");
        assert!(no_block.contains("std::"), "{no_block}");
    }

    #[test]
    fn rest_headings_are_demoted() {
        let html = render("Abstract\n========\n\nText.\n\nDetails\n-------\n\nMore.\n\nAgain\n=====\n");
        assert!(html.contains("<h3>Abstract</h3>"), "{html}");
        assert!(html.contains("<h4>Details</h4>"), "{html}");
        assert!(html.contains("<h3>Again</h3>"), "{html}");
        for c in ['~', '^', '*', '+', '#', '"', '\'', '`', ':', '.', '_'] {
            let adorn = c.to_string().repeat(6);
            let h = render(&format!("Title\n{adorn}\n\nBody"));
            assert!(h.contains("<h3>Title</h3>"), "{c}: {h}");
        }
        let over = render("=====\nTitle\n=====\n\nSub\n===\n");
        assert!(
            over.contains("<h3>Title</h3>") && over.contains("<h4>Sub</h4>"),
            "{over}"
        );
    }

    #[test]
    fn short_underline_is_not_a_heading() {
        let html = render("A fairly long line of text\n---\nmore");
        assert!(!html.contains("<h"), "{html}");
        assert!(html.contains("---"), "{html}");
    }

    #[test]
    fn short_dashes_are_not_setext_headings() {
        let html = render("Some text\n--\nMore text");
        assert!(!html.contains("<h"), "{html}");
    }

    #[test]
    fn rest_tables_are_preformatted() {
        let grid = render("+-----+-----+\n| a   | b   |\n+=====+=====+\n| 1   | 2   |\n+-----+-----+\n\nAfter");
        assert!(grid.contains("<pre><code>+-----+-----+\n| a   | b   |"), "{grid}");
        let simple = render("=====  =====\nA      B\n=====  =====\n1      2\n=====  =====\n\nAfter");
        assert!(simple.contains("<pre><code>=====  =====\nA      B"), "{simple}");
        assert!(simple.contains("<p>After</p>"), "{simple}");
    }

    #[test]
    fn transitions_become_rules() {
        let html = render("One.\n\n-----\n\nTwo.");
        assert!(html.contains("<hr>"), "{html}");
        let dots = render("Wait\n\n...\n\nfor it");
        assert!(!dots.contains("<hr"), "{dots}");
    }

    #[test]
    fn markdown_headings_are_demoted() {
        let html = render("# Big\n\ntext\n\n## Smaller\n\n#### Tiny");
        assert!(
            html.contains("<h3>Big</h3>") && html.contains("<h4>Smaller</h4>") && html.contains("<h6>Tiny</h6>"),
            "{html}"
        );
        let only_h3 = render("### Already small");
        assert!(only_h3.contains("<h3>Already small</h3>"), "{only_h3}");
    }

    #[test]
    fn raw_html_survives_sanitised() {
        let html = render("<p>How does the elipses work? Let&#39;s find out.</p>");
        assert_eq!(html, "<p>How does the elipses work? Let's find out.</p>");
        let inline =
            render("Some <b>bold</b> and <a href=\"https://x.example\" onclick=\"x()\">link</a>, <tt>tt</tt>.");
        assert!(inline.contains("<b>bold</b>"), "{inline}");
        assert!(
            inline.contains("<a href=\"https://x.example\" rel=\"nofollow noopener noreferrer\">link</a>"),
            "{inline}"
        );
    }

    #[test]
    fn unknown_tags_in_prose_are_shown() {
        let html = render("Run pip install <package> now.");
        assert!(html.contains("&lt;package&gt;"), "{html}");
    }

    #[test]
    fn dunders_are_not_bold() {
        let html = render("Define __init__ and __repr__ in __init__.py, but __bold text__ stays.");
        assert!(html.contains("__init__ and __repr__ in __init__.py"), "{html}");
    }

    #[test]
    fn lists_and_enumerations() {
        let html = render("We cover:\n\n-  one\n-  two that wraps\n   onto a second line\n\n#. first\n#. second");
        assert!(html.contains("<ul>") && html.contains("<ol>"), "{html}");
        assert!(html.contains("<li>second</li>"), "{html}");
        let star = render("Topics:\n* Open APIs\n* Visualizing Data");
        assert!(star.contains("<li>Open APIs</li>"), "{star}");
    }

    #[test]
    fn indented_prose_is_a_blockquote_and_code_stays_code() {
        let q = render("We look at:\n\n    App management\n    Templates\n");
        assert!(q.contains("<blockquote>") && q.contains("App management<br>"), "{q}");
        let c = render("Example:\n\n    from hypothesis import given\n    x = 1\n");
        assert!(
            c.contains("<pre><code>from hypothesis import given\nx = 1\n</code></pre>"),
            "{c}"
        );
    }

    #[test]
    fn directives() {
        let code = render(".. code-block:: python\n\n    print('hi')\n\nAfter");
        assert!(code.contains("<pre><code>print('hi')\n</code></pre>"), "{code}");
        let img = render(".. image:: https://img.example/a.png\n   :alt: diagram\n   :width: 100%\n\nText");
        assert!(
            img.contains("<a href=\"https://img.example/a.png\" rel=\"nofollow noopener noreferrer\">diagram</a>"),
            "{img}"
        );
        assert!(!img.contains("width"), "{img}");
        let comment = render("Visible\n\n.. hidden comment\n   still hidden\n\nAlso visible");
        assert!(!comment.contains("hidden"), "{comment}");
        let md_img = render("![alt text](https://img.example/b.png)");
        assert!(md_img.contains(">alt text</a>") && !md_img.contains("<img"), "{md_img}");
    }

    #[test]
    fn huge_input_is_cut() {
        let line = "Some words here.\n";
        let html = render(&line.repeat(MAX_INPUT_BYTES / line.len() * 2));
        assert!(html.len() < MAX_INPUT_BYTES * 2, "{}", html.len());
        let cjk = render(&"日本語".repeat(MAX_INPUT_BYTES));
        assert!(!cjk.is_empty());
    }

    #[test]
    fn degenerate_input_falls_back_to_plain_text() {
        let html = render(&"&<b>".repeat(4000));
        assert!(html.starts_with("<p>&amp;&lt;b&gt;"), "{}", &html[..40]);
        let nested = render(&"1. ".repeat(200));
        assert!(nested.matches("<ol>").count() <= MAX_NESTING, "{nested}");
    }

    #[test]
    fn output_is_deterministic() {
        let input = "Title\n=====\n\nSee http://x.example and `y <http://y.example>`_.\n\n- a\n- b";
        assert_eq!(render_description(input), render_description(input));
    }

    #[test]
    fn hostile_corpus_is_neutralised() {
        let corpus = [
            "<script>alert(1)</script>",
            "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
            "<img src=x onerror=alert(1)>",
            "<svg onload=alert(1)><circle/></svg>",
            "<svg><script>alert(1)</script></svg>",
            "[x](javascript:alert(1))",
            "[x](JaVaScRiPt:alert(1))",
            "[x](  javascript:alert(1) )",
            "[x](<javascript:alert(1)>)",
            "`click <javascript:alert(1)>`_",
            "`click <javascript:alert(1)>`__",
            "`click <java\nscript:alert(1)>`_",
            "<a href=\"javascript:alert(1)\">x</a>",
            "<a href=\"  javascript:alert(1)\">x</a>",
            "<a href=\"jav&#x09;ascript:alert(1)\">x</a>",
            "<a href=\"jav&#9;ascript:alert(1)\">x</a>",
            "<a href=\"&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)\">x</a>",
            "<a href=\"JAVASCRIPT:alert(1)\">x</a>",
            "<a href=\"vbscript:msgbox(1)\">x</a>",
            "<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\">x</a>",
            "[x](data:text/html,<script>alert(1)</script>)",
            "![x](data:image/svg+xml,<svg onload=alert(1)>)",
            "<javascript:alert(1)>",
            "<vbscript:msgbox(1)>",
            "<img src=\"x\" onerror=\"alert(1)\"",
            "<b onmouseover=alert(1)>unclosed",
            "<a href='x' title=\"a\"b\" onfocus='alert(1)'>q</a>",
            "<scr<script>ipt>alert(1)</scr</script>ipt>",
            "<p style=\"background:url(javascript:alert(1))\">styled</p>",
            "<div style=\"position:fixed\">x</div>",
            "<style>body{display:none}</style>",
            "<iframe src=\"https://evil.example\"></iframe>",
            "<object data=\"evil.swf\"></object><embed src=\"evil.swf\">",
            "<form action=\"https://evil.example\"><input name=x></form>",
            "<math><mi xlink:href=\"javascript:alert(1)\">x</mi></math>",
            "<a href=\"java\nscript:alert(1)\">x</a>",
            "<!--<script>alert(1)</script>-->",
            "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\"></noscript>",
            "<table><tr><td onclick=alert(1)>x</td></tr></table>",
            "Title\n=====\n\n<script>alert(1)</script>",
            "Example::\n\n    <script>alert(1)</script>",
            "``<script>alert(1)</script>``",
            "<<script>script>alert(1)<</script>/script>",
            "<a href=\"https://ok.example\" onmouseover=\"alert(1)\" style=\"color:red\">ok</a>",
            ".. image:: javascript:alert(1)\n   :alt: x",
            "[x][r]\n\n[r]: javascript:alert(1)",
            "<IMG SRC=JaVaScRiPt:alert('XSS')>",
            "<a href=\"&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105&#0000112&#0000116&#0000058alert(1)\">x</a>",
            "<a href=\"http://ok.example\"><script>alert(1)</script></a>",
            "http://evil.example/\"onmouseover=\"alert(1)",
            "https://evil.example/<script>alert(1)</script>",
            "<base href=\"javascript:alert(1)//\">",
            "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\">",
        ];
        assert!(corpus.len() >= 25);
        for input in corpus {
            render(input);
            // The summary must not panic either.
            let _ = plain_summary(input, 80);
        }
    }

    /// Inputs built to trigger quadratic scans; each must stay fast (generous bound for debug builds).
    #[test]
    fn pathological_inputs_stay_linear() {
        let n = 20_000;
        let inputs = [
            "<a".repeat(n),
            "`` `".repeat(n / 2),
            "](".repeat(n),
            format!("http://a.example/{}", ")".repeat(n)),
            format!("http://a.example/{}", "(".repeat(n)),
            "a_".repeat(n),
            format!("{}\n\n.. _a: http://x.example", "a_b_".repeat(n / 2)),
            "Sentence. ".repeat(n / 2),
            (0..40).map(|d| format!("{}quote\n\n", " ".repeat(4 * d))).collect(),
            (0..40).map(|d| format!("{}.. note::\n", "   ".repeat(d))).collect(),
            "x::\n\n".repeat(n / 4),
            "&#x".repeat(n / 2),
            "*_".repeat(n),
            "[".repeat(n),
            "<div>".repeat(MAX_MARKUP - 10),
            "<ul><li>".repeat(MAX_MARKUP / 2 - 10),
            "<blockquote>".repeat(MAX_MARKUP - 10),
            "&amp;".repeat(MAX_MARKUP - 10),
        ];
        for input in &inputs {
            let t = std::time::Instant::now();
            let html = render(input);
            let _ = plain_summary(input, 200);
            let took = t.elapsed();
            assert!(
                took.as_secs() < 5,
                "{took:?} for {:?}… ({} bytes out)",
                &input[..40],
                html.len()
            );
        }
    }

    /// Random soup of the characters the passes react to: must never panic, always be safe.
    #[test]
    fn random_inputs_never_panic() {
        const PIECES: &[&str] = &[
            "`",
            "``",
            "_",
            "__",
            "<",
            ">",
            "::",
            "\n",
            "\n\n",
            "  ",
            "    ",
            "\t",
            "\r",
            "=",
            "===",
            "---",
            "-",
            "* ",
            "1. ",
            "#. ",
            ".. ",
            ".. _x: ",
            "|",
            "+",
            "#",
            "[",
            "]",
            "(",
            ")",
            "http://",
            "https://x.example/",
            "é",
            "日本",
            "\u{feff}",
            "&#x09;",
            "&",
            ";",
            "javascript:",
            "<a href=\"",
            "\"",
            "'",
            "<script>",
            "<svg onload=",
            "<img src=x onerror=",
            "word",
            "W",
            "!",
            "?",
            ".",
            "…",
            ":",
            "\\",
            "~",
            "^",
            "\u{a0}",
            "<br>",
            "</a>",
            "<p>",
            "`x <",
            ">`_",
        ];
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for _ in 0..1500 {
            let len = (next() % 40) as usize;
            let input: String = (0..len)
                .map(|_| PIECES[(next() % PIECES.len() as u64) as usize])
                .collect();
            assert_safe(&input, &render_description(&input), false);
            let max = (next() % 120) as usize;
            assert!(plain_summary(&input, max).chars().count() <= max, "{input:?}");
        }
    }

    #[test]
    fn summary_strips_markup_and_collapses_whitespace() {
        let s = plain_summary(
            "Abstract\n========\n\nThis is **bold** and `code`.\nSecond   line.",
            200,
        );
        assert_eq!(s, "This is bold and code. Second line.");
        let html = plain_summary("<p>Let&#39;s &amp; <b>go</b></p>", 100);
        assert_eq!(html, "Let's & go");
    }

    #[test]
    fn summary_cuts_at_sentence_then_word() {
        let text = "First sentence here. Second sentence is longer than the first one. Third.";
        let s = plain_summary(text, 50);
        assert_eq!(s, "First sentence here. …");
        let w = plain_summary("One two three four five six seven eight nine ten", 20);
        assert!(w.ends_with('…') && w.chars().count() <= 20, "{w}");
        assert_eq!(w, "One two three four…");
        let long = plain_summary(&"x".repeat(100), 10);
        assert_eq!(long, format!("{}…", "x".repeat(9)));
        assert_eq!(plain_summary("Short.", 100), "Short.");
        assert_eq!(plain_summary("Anything at all", 0), "");
        assert!(plain_summary("Two words", 1).chars().count() <= 1);
    }

    #[test]
    fn summary_respects_limit_for_many_sizes() {
        let text = "Dr. J. Smith talks about Python. It is fun! Really? Yes… see http://x.example/long/path for more, (details) here.";
        for n in 0..120 {
            let s = plain_summary(text, n);
            assert!(s.chars().count() <= n, "{n}: {s}");
        }
    }
}
