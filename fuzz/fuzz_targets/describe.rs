//! The description renderer (Markdown, reST pass, sanitiser): never panics, and the
//! output has no `<script`, no `on*=` attribute and no `javascript:` URL.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../tests/it/invariants.rs"]
#[allow(dead_code)]
mod invariants;

fuzz_target!(|text: &str| {
    let html = podium::describe::render_description(text);
    if let Some(problem) = invariants::html_problem(&html) {
        panic!("unsafe output ({problem}) for {text:?}: {html}");
    }
});
