//! Untrusted talk descriptions (plain text, reST or Markdown) → sanitised HTML and plain-text leads.
//!
//! Pipeline: [`rst`] rewrites the common reST constructs into Markdown, [`markdown`] parses
//! it with pulldown-cmark and rewrites the events (line breaks, bare-URL links, heading
//! demotion), [`sanitize`] cleans the HTML with ammonia (descriptions come from strangers),
//! and [`text`] reads the plain-text lead back out of the sanitised HTML. HTML is inspected
//! only through html5ever's tokenizer, never by scanning strings.

mod html;
mod markdown;
mod rst;
mod sanitize;
mod text;

/// Renders an untrusted talk description (plain text, reStructuredText or Markdown) to sanitised HTML.
///
/// Empty input gives "".
pub fn render_description(text: &str) -> String {
    if text.trim().is_empty() {
        return String::new();
    }
    let text = bounded(text);
    sanitised(&markdown::to_html(&rst::to_markdown(text)), text)
}

/// Renders untrusted Markdown (no reST pass) to sanitised HTML, with the same rules as
/// [`render_description`]: headings start at h3, bare URLs become links, no images.
pub fn markdown_to_html(md: &str) -> String {
    if md.trim().is_empty() {
        return String::new();
    }
    let md = bounded(md);
    sanitised(&markdown::to_html(md), md)
}

/// A talk's rendered description and its plain-text lead of at most `lead_chars` chars:
/// from the summary when there is one, else from the description's HTML (rendered once).
pub fn description_and_lead(description: &str, summary: &str, lead_chars: usize) -> (String, String) {
    let html = render_description(description);
    let lead = if summary.is_empty() {
        summary_of_html(&html, lead_chars)
    } else {
        plain_summary(summary, lead_chars)
    };
    (html, lead)
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
    text::lead_of_html(html, max_chars)
}

/// Sanitised `html`, or `source` as escaped plain text when the markup is degenerate.
fn sanitised(html: &str, source: &str) -> String {
    if html.bytes().filter(|&b| b == b'<' || b == b'&').count() > MAX_MARKUP {
        return plain_html(source);
    }
    sanitize::clean(html)
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
    let lines = text::normalise_lines(text);
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

#[cfg(test)]
mod tests;
