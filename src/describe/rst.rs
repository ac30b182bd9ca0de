//! reST → Markdown: a compatibility pass for the reStructuredText constructs common in talk
//! descriptions (headings, literal blocks, directives, link targets, tables, line blocks),
//! written out as Markdown lines; [`inline`] then rewrites links, roles and substitutions.

use std::collections::HashMap;

use super::text::normalise_lines;

mod inline;

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
    /// Substitution definitions `.. |name| replace:: text` (or `image::`), keyed by
    /// normalised name, as the block pass found them.
    definitions: HashMap<String, Definition>,
    /// The definitions as Markdown, for the inline pass to put in place of `|name|`.
    substitutions: HashMap<String, String>,
}

/// What a substitution reference stands for.
enum Definition {
    /// `replace::` text, still reST: it gets the inline pass like the text around it.
    Text(String),
    /// `image::` (already Markdown): a link to the image, as the image directive gives.
    Markdown(String),
}

/// Nesting limit for blockquotes/directives: hostile input must not recurse without bound.
const MAX_DEPTH: usize = 8;

/// Rewrites the reST constructs common in talk descriptions into Markdown.
pub(super) fn to_markdown(text: &str) -> String {
    let lines = normalise_lines(text);
    let mut state = RstState::default();
    let mut out = Vec::with_capacity(lines.len() + 8);
    convert_blocks(&lines, &mut state, &mut out, 0);
    // Definitions come anywhere (usually last); their text may hold links or roles but
    // not further substitutions (`substitutions` is still empty while they are rewritten).
    for (name, definition) in std::mem::take(&mut state.definitions) {
        let markdown = match definition {
            Definition::Text(text) => {
                let mut md = String::with_capacity(text.len());
                inline::rewrite_inline(&text, &state, &mut md);
                md
            }
            Definition::Markdown(md) => md,
        };
        state.substitutions.insert(name, markdown);
    }

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
                    inline::rewrite_inline(&chunk, &state, &mut md);
                    chunk.clear();
                }
                md.push_str(&s);
                md.push('\n');
            }
        }
    }
    if !chunk.is_empty() {
        inline::rewrite_inline(&chunk, &state, &mut md);
    }
    md
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

    // Substitution definition: `.. |name| directive:: args`, used where `|name|` appears.
    if let Some(def) = rest.strip_prefix('|') {
        substitution_definition(def, body, st);
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
    let (options, content) = directive_body(body);
    let content = content.as_slice();

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

/// Records `name| directive:: args` (after `.. |`) with its indented `body`; kinds other than
/// `replace` and `image` are not rendered, so their references stay as written.
fn substitution_definition(def: &str, body: &[String], st: &mut RstState) {
    let Some((name, rest)) = def.split_once('|') else {
        return;
    };
    if name.is_empty() || name.starts_with(' ') || name.ends_with(' ') || !rest.starts_with(' ') {
        return;
    }
    let Some((kind, args)) = split_directive(rest.trim_start()) else {
        return;
    };
    let (options, content) = directive_body(body);
    let definition = match kind.to_ascii_lowercase().as_str() {
        "replace" => {
            let words: Vec<&str> = std::iter::once(args)
                .chain(content.iter().map(String::as_str))
                .flat_map(str::split_whitespace)
                .collect();
            Definition::Text(words.join(" "))
        }
        "image" => {
            let url: String = args.split_whitespace().collect();
            let alt = options.get("alt").copied().filter(|a| !a.is_empty()).unwrap_or(name);
            Definition::Markdown(format!("[{}](<{}>)", escape_link_text(alt), escape_dest(&url)))
        }
        _ => return,
    };
    st.definitions.entry(normalise_ref(name)).or_insert(definition);
}

/// A directive's leading `:option: value` lines and its content (dedented, from its first
/// non-blank line).
fn directive_body(body: &[String]) -> (HashMap<&str, &str>, Vec<String>) {
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
    let mut content = dedent(&body[k..]);
    let content_start = content.iter().position(|l| !l.is_empty()).unwrap_or(content.len());
    content.drain(..content_start);
    (options, content)
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
