//! Integration tests: one binary, one module per feature (as ripgrep and mdBook do).

mod common;
mod outputs;
mod real_data;
mod sample;
