//! The sanitiser: ammonia with podium's allow-list, then one html5ever token pass over its
//! output that drops `<a>` shells whose URL ammonia removed.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use html5ever::serialize::{HtmlSerializer, SerializeOpts, Serializer};
use html5ever::tokenizer::{
    CharacterTokens, CommentToken, EndTag, NullCharacterToken, StartTag, TagToken, Token, TokenSink, TokenSinkResult,
};
use html5ever::{local_name, ns, LocalName, QualName};

/// Sanitises HTML built from a description: only [`ALLOWED_TAGS`], only http(s)/mailto links
/// (with `rel="nofollow noopener noreferrer"`), no comments; anchors left without `href`
/// keep their text but lose their tag (an anchor that goes nowhere only confuses readers).
pub(super) fn clean(html: &str) -> String {
    let clean = SANITIZER.clean(html).to_string();
    strip_hrefless_anchors(clean.trim())
}

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

/// Re-serialises sanitised HTML token by token, leaving out `<a>` tags without `href`.
///
/// The input is ammonia's own serialisation, so tokenizing it and writing the tokens back
/// through html5ever's serializer gives the same bytes for everything that is kept.
fn strip_hrefless_anchors(html: &str) -> String {
    let sink = Reserializer {
        state: RefCell::new(ReserializerState {
            out: HtmlSerializer::new(Vec::with_capacity(html.len()), SerializeOpts::default()),
            anchors: Vec::new(),
            depth: 0,
        }),
    };
    let bytes = super::html::tokenize(html, sink).state.into_inner().out.writer;
    // The serializer writes only the UTF-8 it was given.
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

struct Reserializer {
    state: RefCell<ReserializerState>,
}

struct ReserializerState {
    out: HtmlSerializer<Vec<u8>>,
    /// Per open `<a>`: was its start tag written?
    anchors: Vec<bool>,
    /// Open elements written, so a stray end tag can never underflow the serializer.
    depth: usize,
}

/// Elements without an end tag: their start is written and closed at once.
fn is_void(name: &LocalName) -> bool {
    matches!(
        *name,
        local_name!("area")
            | local_name!("base")
            | local_name!("br")
            | local_name!("col")
            | local_name!("embed")
            | local_name!("hr")
            | local_name!("img")
            | local_name!("input")
            | local_name!("link")
            | local_name!("meta")
            | local_name!("source")
            | local_name!("track")
            | local_name!("wbr")
    )
}

impl TokenSink for Reserializer {
    type Handle = ();

    fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
        let st = &mut *self.state.borrow_mut();
        // Writing to a Vec cannot fail.
        let _ = match token {
            TagToken(tag) => {
                let is_a = tag.name == local_name!("a");
                let name = QualName::new(None, ns!(html), tag.name);
                match tag.kind {
                    StartTag => {
                        let keep = !is_a || tag.attrs.iter().any(|a| a.name.local == local_name!("href"));
                        if is_a {
                            st.anchors.push(keep);
                        }
                        if keep {
                            let attrs = tag.attrs.iter().map(|a| (&a.name, &*a.value));
                            let _ = st.out.start_elem(name.clone(), attrs);
                            if is_void(&name.local) {
                                st.out.end_elem(name)
                            } else {
                                st.depth += 1;
                                Ok(())
                            }
                        } else {
                            Ok(())
                        }
                    }
                    EndTag => {
                        let keep = !is_void(&name.local) && (!is_a || st.anchors.pop().unwrap_or(true));
                        if keep && st.depth > 0 {
                            st.depth -= 1;
                            st.out.end_elem(name)
                        } else {
                            Ok(())
                        }
                    }
                }
            }
            CharacterTokens(text) => st.out.write_text(&text),
            NullCharacterToken => st.out.write_text("\0"),
            CommentToken(text) => st.out.write_comment(&text),
            _ => Ok(()),
        };
        TokenSinkResult::Continue
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hrefless_anchors_keep_their_text() {
        let html = strip_hrefless_anchors("<p>a <a>b</a> <a href=\"https://x.example\" rel=\"r\">c</a></p>");
        assert_eq!(html, "<p>a b <a href=\"https://x.example\" rel=\"r\">c</a></p>");
    }

    #[test]
    fn reserialising_keeps_bytes() {
        let html = "<p>x &amp; &lt;y&gt; &nbsp;\"q\"<br>\n<code>a</code></p>\n<hr>\n<ol start=\"3\"><li>z</li></ol>";
        assert_eq!(strip_hrefless_anchors(html), html);
        assert_eq!(clean("<a title=\"t&quot;\" href=\"javascript:x\">k</a>"), "k");
    }
}
