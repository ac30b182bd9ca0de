//! Integration tests: one binary, one module per feature (as ripgrep and mdBook do):
//! builds of the sample and the real archive, site outputs, check, init, hostile and
//! broken input (the real `podium` binary on each kind of damage), and property
//! tests of the pieces the fuzz targets in `fuzz/` cover.

// Tests and benches may unwrap: a panic is their failure report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod check;
mod common;
mod dates;
mod deploy;
mod files;
mod golden;
mod hostile;
mod init;
mod interrupt;
mod invariants;
mod json;
mod layers;
mod outputs;
mod pages;
mod props;
mod pyvideo_urls;
mod real_data;
mod records;
mod sample;
mod scale;
mod security;
#[cfg(feature = "serve")]
mod serve;
mod site_links;
mod support;
mod thumbs;
