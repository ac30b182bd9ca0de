//! Integration tests: one binary, one module per feature (as ripgrep and mdBook do).

mod common;
mod real_data;
mod sample;
#[cfg(feature = "serve")]
mod serve;
