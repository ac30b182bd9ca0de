//! Markdown → HTML through pulldown-cmark, with an event pass for descriptions: line breaks
//! that mean something, bare URLs as links, headings demoted below the page's own, images
//! as links, unsafe links and unknown inline tags as text. The result still needs
//! [`super::sanitize`].

use std::cell::Cell;
use std::ops::Range;

use html5ever::tokenizer::{EndTag, ParseError, TagToken, Token, TokenSink, TokenSinkResult};
use html5ever::LocalName;
use pulldown_cmark::{CowStr, Event, HeadingLevel, LinkType, Options, Parser, Tag, TagEnd};

/// Parses Markdown and applies the event rewrites before HTML serialisation.
pub(super) fn to_html(md: &str) -> String {
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
                Some((name, closing)) if KNOWN_HTML_TAGS.contains(&&*name) => {
                    if &*name == "a" {
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
pub(super) const MAX_NESTING: usize = 24;

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

/// Lower-cased tag name of an inline HTML open/close tag (None for comments, declarations…),
/// as html5ever's tokenizer reads it.
fn html_tag_name(html: &str) -> Option<(LocalName, bool)> {
    let sink = FirstTag {
        seen: Cell::new(false),
        tag: Cell::new(None),
    };
    super::html::tokenize(html, sink).tag.take()
}

/// Token sink keeping the first token if it is a tag.
struct FirstTag {
    seen: Cell<bool>,
    tag: Cell<Option<(LocalName, bool)>>,
}

impl TokenSink for FirstTag {
    type Handle = ();

    fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
        if matches!(token, ParseError(_)) || self.seen.replace(true) {
            return TokenSinkResult::Continue;
        }
        if let TagToken(tag) = token {
            self.tag.set(Some((tag.name, tag.kind == EndTag)));
        }
        TokenSinkResult::Continue
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
