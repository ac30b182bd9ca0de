//! Podium: a static site generator for conference-talk archives.
//!
//! The pipeline is `load` (read JSON from disk) → `normalize` (raw records to the
//! validated [`model::Archive`]) → `render` (Tera pages, all in memory) → `write`
//! (atomic, only-changed files). `build` ties them together; the CLI in `main.rs`
//! is a thin layer over [`build::build`]. `serve` (feature `serve`) keeps the site
//! in memory and re-renders only what each change to the inputs touches.
//!
//! [`check::check`] validates a data folder without writing anything: load, with
//! the field rules of [`rules`] (which normalize applies too) placed at positions
//! as each file is parsed, then normalize. [`linkcheck::check_site`] checks a built
//! site's links; [`init::init`] scaffolds a new archive.

pub mod api;
pub mod build;
pub mod check;
pub mod config;
pub mod date;
pub mod describe;
pub mod diag;
pub mod feeds;
pub mod init;
pub mod linkcheck;
pub mod load;
pub mod model;
pub mod normalize;
pub mod pages;
pub mod pelican;
pub mod redirects;
pub mod render;
pub mod rules;
pub mod search;
#[cfg(feature = "serve")]
pub mod serve;
pub mod sitemap;
pub mod slugs;
pub mod text;
pub mod thumbs;
pub mod urls;
pub mod video;
pub mod write;

pub use build::{build, BuildOptions, BuildReport};
pub use config::Config;
pub use diag::{Problem, Severity};
