//! Podium: a static site generator for conference-talk archives.
//!
//! The pipeline is `load` (read JSON from disk) → `normalize` (raw records to the
//! validated [`model::Archive`]) → [`prepare`] (what each talk's pages show, derived
//! once: URL, classified videos, thumbnail, description, lead, card) → `render` (Tera
//! pages, all in memory; the theme in [`theme`]) plus feeds, API, sitemap, redirects
//! and [`search_records`] for the index → `write` (atomic, only-changed files).
//! `build` ties them together; the CLI in `main.rs` is a thin layer over
//! [`build::build`]. `serve` (feature `serve`) keeps the site in memory and
//! re-renders only what each change to the inputs touches.
//!
//! Modules form layers, `config` and `model` at the bottom: none uses a module that
//! uses it back (`tests/it/layers.rs` reads the uses from the source and fails on a cycle).
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
pub mod prepare;
pub mod reads;
pub mod redirects;
pub mod render;
pub mod rules;
pub mod search;
pub mod search_records;
#[cfg(feature = "serve")]
pub mod serve;
pub mod sitemap;
pub mod slugs;
pub mod text;
pub mod theme;
pub mod thumbs;
pub mod urls;
pub mod video;
pub mod write;

pub use build::{build, BuildOptions, BuildReport};
pub use config::Config;
pub use diag::{Problem, Severity};
