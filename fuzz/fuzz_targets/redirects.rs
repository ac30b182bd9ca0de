//! Redirect sources (aliases, `redirects.txt` lines): refused, or a safe page
//! inside the site that takes no path the build writes.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../tests/it/invariants.rs"]
#[allow(dead_code)]
mod invariants;

fuzz_target!(|text: &str| {
    if let Err(e) = invariants::check_redirect_source(text).and_then(|()| invariants::check_redirects_txt(text)) {
        panic!("{e}");
    }
});
