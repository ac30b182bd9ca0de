//! Reading HTML: every pass that looks inside HTML runs html5ever's tokenizer (the spec's
//! tokenizer, already in the build through ammonia) rather than scanning strings.

use html5ever::tendril::StrTendril;
use html5ever::tokenizer::{BufferQueue, TokenSink, Tokenizer, TokenizerOpts};

/// Feeds all of `html` to `sink` and returns the sink. A leading U+FEFF is kept as text:
/// the input is a fragment, not a file.
pub(super) fn tokenize<S: TokenSink>(html: &str, sink: S) -> S {
    let tokenizer = Tokenizer::new(
        sink,
        TokenizerOpts {
            discard_bom: false,
            ..TokenizerOpts::default()
        },
    );
    let input = BufferQueue::default();
    input.push_back(StrTendril::from_slice(html));
    let _ = tokenizer.feed(&input);
    tokenizer.end();
    tokenizer.sink
}
