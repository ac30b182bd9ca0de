//! Integration tests: one binary, one module per feature (as ripgrep and mdBook do):
//! builds of the sample and the real archive, site outputs, check, init, hostile and
//! broken input (the real `podium` binary on each kind of damage), and property
//! tests of the pieces the fuzz targets in `fuzz/` cover.

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
