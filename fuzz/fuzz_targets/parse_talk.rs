//! Talk-record parsing (both formats) and normalisation: never panics, every error
//! names the file, every published slug is safe.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../tests/it/invariants.rs"]
#[allow(dead_code)]
mod invariants;

fuzz_target!(|data: &[u8]| {
    if let Err(e) = invariants::check_talk_file(data) {
        panic!("{e}");
    }
});
