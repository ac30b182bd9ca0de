//! Plain text of descriptions: the lead (first sentences, cut to a length) and the line
//! normalisation every pass starts from.

use std::cell::RefCell;

use html5ever::tokenizer::{CharacterTokens, EndTag, TagToken, Token, TokenSink, TokenSinkResult};

/// Plain-text lead of sanitised description HTML, at most `max_chars` chars (see
/// [`super::plain_summary`]).
pub(super) fn lead_of_html(html: &str, max_chars: usize) -> String {
    if html.is_empty() || max_chars == 0 {
        return String::new();
    }
    let blocks = html_text_blocks(html);
    // Headings and code blocks are left out, unless nothing else remains.
    let prose: Vec<&str> = blocks.iter().filter(|b| !b.skipped).map(|b| b.text.as_str()).collect();
    if prose.is_empty() {
        let all: Vec<&str> = blocks.iter().map(|b| b.text.as_str()).collect();
        return cut_lead(&all, max_chars);
    }
    cut_lead(&prose, max_chars)
}

/// Splits into lines with unified newlines, tabs expanded (tab stop 4) and trailing blanks trimmed.
pub(super) fn normalise_lines(text: &str) -> Vec<String> {
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

/// Whitespace-collapsed text between two block boundaries.
struct Block {
    text: String,
    /// Inside a heading or code block.
    skipped: bool,
}

/// Text of sanitised HTML as whitespace-collapsed blocks, read with html5ever's tokenizer
/// (which also decodes the character references).
fn html_text_blocks(html: &str) -> Vec<Block> {
    let sink = BlockSink {
        state: RefCell::new(BlockState::default()),
    };
    let mut st = super::html::tokenize(html, sink).state.into_inner();
    st.push_block();
    st.blocks
}

struct BlockSink {
    state: RefCell<BlockState>,
}

#[derive(Default)]
struct BlockState {
    blocks: Vec<Block>,
    cur: String,
    /// Open headings and code blocks. Each opens and closes a block, so a block's text is
    /// either all inside one or all outside.
    skip: usize,
}

impl BlockState {
    /// Moves the collapsed text of `cur` (if any) into `blocks`.
    fn push_block(&mut self) {
        let collapsed = self.cur.split_whitespace().collect::<Vec<_>>().join(" ");
        if !collapsed.is_empty() {
            self.blocks.push(Block {
                text: collapsed,
                skipped: self.skip > 0,
            });
        }
        self.cur.clear();
    }
}

impl TokenSink for BlockSink {
    type Handle = ();

    fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
        let st = &mut *self.state.borrow_mut();
        match token {
            TagToken(tag) => {
                let name = &*tag.name;
                if BLOCK_TAGS.contains(&name) {
                    st.push_block();
                }
                if matches!(name, "h3" | "h4" | "h5" | "h6" | "pre") {
                    if tag.kind == EndTag {
                        st.skip = st.skip.saturating_sub(1);
                    } else {
                        st.skip += 1;
                    }
                }
            }
            CharacterTokens(text) => st.cur.push_str(&text),
            _ => {}
        }
        TokenSinkResult::Continue
    }
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
fn cut_lead(blocks: &[&str], max_chars: usize) -> String {
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
