//! Site settings from an optional `podium.toml`; every field has a default, so a
//! site needs no config file at all.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::Deserialize;

/// Which URL layout the site uses (see [`crate::urls`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum UrlStyle {
    /// Pretty folder URLs: `/events/<event>/<talk>/`.
    #[default]
    Podium,
    /// pyvideo.org's published URLs, so an existing archive keeps its links.
    Pyvideo,
}

/// Where a site's pages take their thumbnails from (`thumbnails` in `podium.toml`;
/// `crate::thumbs` re-exports it as `Mode`). Kept here so config needs no module above it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ThumbMode {
    /// From the cache, copied into the site; the theme's placeholder where none is cached.
    #[default]
    Local,
    /// Straight from the video hosts: each list page makes requests to third parties.
    Remote,
    /// No thumbnails at all.
    None,
}

/// At most this many search index parts (`search_shards`): the search page loads the
/// wasm and meta files of every part.
pub const MAX_SEARCH_SHARDS: usize = 8;

/// Per-kind URL pattern overrides; `{slug}` (and `{event}` for talks) are filled in.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct UrlPatterns {
    pub talk: Option<String>,
    pub event: Option<String>,
    pub speaker: Option<String>,
    pub tag: Option<String>,
    pub language: Option<String>,
    pub year: Option<String>,
    pub events: Option<String>,
    pub speakers: Option<String>,
    pub tags: Option<String>,
    pub languages: Option<String>,
    pub years: Option<String>,
}

/// Everything a build can be told; read from `podium.toml`, then CLI flags win.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Shown in the header and the page titles.
    pub title: String,
    /// One line under the title on the home page.
    pub description: String,
    /// Absolute URL the site is published at; feeds and sitemaps need it.
    pub base_url: String,
    /// Items per list page.
    pub page_size: usize,
    /// Items per feed.
    pub feed_limit: usize,
    pub data_dir: PathBuf,
    pub output_dir: PathBuf,
    pub templates_dir: PathBuf,
    pub static_dir: PathBuf,
    /// Content pages (Markdown with TOML front matter, see [`crate::pages`]).
    pub pages_dir: PathBuf,
    pub url_style: UrlStyle,
    pub urls: UrlPatterns,
    /// Language of the site's own text (the `lang` attribute).
    pub language: String,
    /// How many parts the search index is built in (1 to 8), one after another;
    /// the search page merges them. Default: 1, or 2 from 4,000
    /// talks (see [`crate::search::default_shards`]).
    pub search_shards: Option<usize>,
    /// Keep `redirects.txt` lines that point to another site. Off by default: an
    /// archive that takes pull requests would otherwise publish open redirects
    /// from its own domain.
    pub allow_external_redirects: bool,
    /// Where list and talk pages take thumbnails from.
    pub thumbnails: ThumbMode,
    /// Downloaded thumbnails (`podium thumbnails`) live in `thumbnails/` here.
    pub cache_dir: PathBuf,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            title: "Talk archive".into(),
            description: "Recorded talks from community conferences.".into(),
            base_url: "http://127.0.0.1:1111".into(),
            page_size: 50,
            feed_limit: 50,
            data_dir: "content".into(),
            output_dir: "public".into(),
            templates_dir: "templates".into(),
            static_dir: "static".into(),
            pages_dir: "pages".into(),
            url_style: UrlStyle::default(),
            urls: UrlPatterns::default(),
            language: "en".into(),
            search_shards: None,
            allow_external_redirects: false,
            thumbnails: ThumbMode::default(),
            cache_dir: ".podium-cache".into(),
        }
    }
}

impl Config {
    /// Reads `podium.toml` in `root` if present; relative paths in it are taken from `root`.
    pub fn load(root: &Path) -> Result<Config> {
        let file = root.join("podium.toml");
        let mut config = if file.is_file() {
            let text =
                std::fs::read_to_string(&file).with_context(|| format!("failed to read `{}`", file.display()))?;
            Self::parse(&text).with_context(|| format!("invalid config `{}`", file.display()))?
        } else {
            Config::default()
        };
        for dir in [
            &mut config.data_dir,
            &mut config.output_dir,
            &mut config.templates_dir,
            &mut config.static_dir,
            &mut config.cache_dir,
            &mut config.pages_dir,
        ] {
            if dir.is_relative() && root != Path::new(".") {
                *dir = root.join(&*dir);
            }
        }
        Ok(config)
    }

    /// The folders a build reads: the output folder may be none of them (nor hold one).
    pub fn input_dirs(&self) -> [&Path; 3] {
        [&self.data_dir, &self.templates_dir, &self.static_dir]
    }

    /// Parses the text of a `podium.toml`.
    pub fn parse(text: &str) -> Result<Config> {
        let config: Config = toml::from_str(text)?;
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> Result<()> {
        anyhow::ensure!(self.page_size > 0, "page_size must be at least 1");
        anyhow::ensure!(self.feed_limit > 0, "feed_limit must be at least 1");
        anyhow::ensure!(
            self.search_shards.is_none_or(|n| (1..=MAX_SEARCH_SHARDS).contains(&n)),
            "search_shards must be between 1 and {}",
            MAX_SEARCH_SHARDS
        );
        let url = url::Url::parse(&self.base_url)
            .with_context(|| format!("base_url `{}` is not an absolute URL", self.base_url))?;
        anyhow::ensure!(
            matches!(url.scheme(), "http" | "https"),
            "base_url must be an http(s) URL"
        );
        Ok(())
    }

    /// The base URL without a trailing slash, e.g. `https://example.org/archive`.
    pub fn base(&self) -> &str {
        self.base_url.trim_end_matches('/')
    }

    /// The path part of `base_url` without a trailing slash (`""` at a domain root),
    /// prefixed to every internal link so a site can live under a sub-path.
    pub fn base_path(&self) -> String {
        url::Url::parse(&self.base_url)
            .map(|u| u.path().trim_end_matches('/').to_string())
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_need_no_file() {
        let c = Config::parse("").unwrap();
        assert_eq!(c.page_size, 50);
        assert_eq!(c.url_style, UrlStyle::Podium);
    }

    #[test]
    fn reads_fields_and_rejects_unknown() {
        let c = Config::parse("title = \"X\"\nbase_url = \"https://ex.org/a/\"\nurl_style = \"pyvideo\"").unwrap();
        assert_eq!(c.title, "X");
        assert_eq!(c.base(), "https://ex.org/a");
        assert_eq!(c.base_path(), "/a");
        assert_eq!(c.url_style, UrlStyle::Pyvideo);
        assert!(Config::parse("titel = 1").is_err());
        assert!(Config::parse("page_size = 0").is_err());
        assert!(Config::parse("search_shards = 0").is_err());
        assert!(Config::parse("search_shards = 9").is_err());
        assert_eq!(Config::parse("search_shards = 3").unwrap().search_shards, Some(3));
        assert_eq!(Config::parse("").unwrap().thumbnails, ThumbMode::Local);
        assert_eq!(
            Config::parse("thumbnails = \"remote\"").unwrap().thumbnails,
            ThumbMode::Remote
        );
        assert!(Config::parse("thumbnails = \"youtube\"").is_err());
        assert!(Config::parse("base_url = \"javascript:x\"").is_err());
    }
}
