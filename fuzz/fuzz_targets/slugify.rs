//! Slugging: never empty, never contains `/` or `..`, and stable when applied again.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../tests/it/invariants.rs"]
#[allow(dead_code)]
mod invariants;

fuzz_target!(|name: &str| {
    if let Err(e) = invariants::check_slugging(name) {
        panic!("{e}");
    }
});
