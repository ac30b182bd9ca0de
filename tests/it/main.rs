//! Integration tests: one binary, one module per feature (as ripgrep and mdBook do).

mod check;
mod common;
mod hostile;
mod init;
mod outputs;
mod real_data;
mod sample;
mod site_links;
