//! Self-hosted talk thumbnails: `podium thumbnails` ([`fetch`]) downloads each
//! talk's still once into a cache in the site folder; builds copy the ones they
//! use to `/thumbs/` in the output, so pages show pictures without any request
//! to another host.
//!
//! The cache (`.podium-cache/thumbnails/`) is content-addressed: each still is
//! stored as `<hash>-480.webp` and `<hash>-240.webp` (what the pages show) and
//! `<hash>-480.jpg` (for link previews), the hash being that of the downloaded
//! bytes, and `manifest.json` maps each source URL to its file, the outcome of the
//! last attempt, the validators (ETag, Last-Modified) and when. A cache written
//! before WebP (`-480.jpg` and `-240.jpg` only) is converted by the next
//! `podium thumbnails` from its JPEGs, without downloading anything again.

pub mod fetch;
pub mod guard;
pub mod still;
pub mod view;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::model::Talk;
use crate::video::{self, Video};

/// Folder of the thumbnail cache inside the cache folder.
pub const DIR: &str = "thumbnails";
/// The manifest inside [`DIR`].
pub const MANIFEST: &str = "manifest.json";
/// Results of a run not yet folded into the manifest, one JSON line each: a run
/// killed half-way loses none of what it fetched.
pub const JOURNAL: &str = "manifest.journal";
/// Where thumbnails go in the output (and are served from).
pub const OUT_DIR: &str = "thumbs";

pub use crate::config::ThumbMode as Mode;

/// What happened the last time a URL was fetched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Ok,
    Failed,
}

/// One source URL in the manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub status: Status,
    /// The content hash naming the stored files (when `Ok`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_modified: Option<String>,
    /// Unix time (seconds) of the last attempt or revalidation.
    pub checked: u64,
    /// Why the last attempt failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// For a source that is an oEmbed query (Vimeo): the still's URL its answer gave.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
}

/// The cache's `manifest.json`: source URL → [`Entry`], sorted so that it diffs well.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Manifest {
    pub version: u32,
    pub entries: BTreeMap<String, Entry>,
}

impl Manifest {
    /// Reads the manifest of the cache in `dir` (empty when there is none yet).
    pub fn load(dir: &Path) -> Result<Manifest> {
        let path = dir.join(MANIFEST);
        let mut manifest: Manifest = match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .with_context(|| format!("invalid thumbnail manifest `{}`", path.display()))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Manifest {
                version: VERSION,
                ..Manifest::default()
            },
            Err(e) => return Err(e).with_context(|| format!("failed to read `{}`", path.display())),
        };
        // A killed run's results; its last line may be cut off, and is then ignored.
        if let Ok(text) = std::fs::read_to_string(dir.join(JOURNAL)) {
            for line in text.lines() {
                if let Ok((url, entry)) = serde_json::from_str::<(String, Entry)>(line) {
                    manifest.entries.insert(url, entry);
                }
            }
        }
        Ok(manifest)
    }

    /// Writes the manifest atomically (temporary file, then rename), so a run
    /// killed at any moment leaves the old or the new one, never half of it.
    pub fn save(&self, dir: &Path) -> Result<()> {
        let path = dir.join(MANIFEST);
        let tmp = dir.join(format!(".{MANIFEST}.tmp"));
        let bytes = serde_json::to_vec_pretty(self)?;
        std::fs::write(&tmp, bytes).with_context(|| format!("failed to write `{}`", tmp.display()))?;
        std::fs::rename(&tmp, &path).with_context(|| format!("failed to write `{}`", path.display()))?;
        match std::fs::remove_file(dir.join(JOURNAL)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                Err(e).with_context(|| format!("failed to remove `{}`", dir.join(JOURNAL).display()))
            }
            _ => Ok(()),
        }
    }
}

/// Appends each result to [`JOURNAL`] as it comes.
pub struct Journal(std::fs::File);

impl Journal {
    pub fn open(dir: &Path) -> Result<Journal> {
        let path = dir.join(JOURNAL);
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map(Journal)
            .with_context(|| format!("failed to open `{}`", path.display()))
    }

    pub fn add(&mut self, url: &str, entry: &Entry) -> Result<()> {
        use std::io::Write;
        let mut line = serde_json::to_vec(&(url, entry))?;
        line.push(b'\n');
        self.0.write_all(&line).context("failed to write the thumbnail journal")
    }
}

/// The cache folder of a site.
pub fn cache_dir(config: &Config) -> PathBuf {
    config.cache_dir.join(DIR)
}

/// Manifest version: 2 since the stills are WebP (1: JPEG only).
pub const VERSION: u32 = 2;

/// File name of a stored page still (WebP) in the cache and in the output.
pub fn file_name(key: &str, width: u32) -> String {
    format!("{key}-{width}.{}", still::EXT)
}

/// File name of the JPEG copy of the large still, for link previews.
pub fn share_name(key: &str) -> String {
    format!("{key}-{}", still::SHARE_SUFFIX)
}

/// Every file stored for a still ([`still::SUFFIXES`]).
pub fn file_names(key: &str) -> impl Iterator<Item = String> + '_ {
    still::SUFFIXES.iter().map(move |s| format!("{key}-{s}"))
}

/// Whether `name` is a file name the cache can hold (`<32 hex>-480.webp`,
/// `-240.webp` or `-480.jpg`): the preview server serves only those from the
/// cache folder.
pub fn is_file_name(name: &str) -> bool {
    let Some((key, rest)) = name.split_once('-') else {
        return false;
    };
    key.len() == 32
        && key.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        && still::SUFFIXES.contains(&rest)
}

/// Where a talk's still comes from, the key of its manifest entry: [`image_url`],
/// else, for a Vimeo video, the query to Vimeo's oEmbed endpoint ([`oembed_url`])
/// whose answer names the still.
/// `videos` gives the talk's classified sources ([`video::sources`]), only called
/// when the talk has no `thumbnail_url`.
pub fn source_url<'v>(talk: &Talk, videos: impl Fn() -> &'v [Video]) -> Option<String> {
    image_url(talk, &videos).or_else(|| {
        videos().iter().find_map(|v| match v {
            Video::Embed {
                provider: video::Provider::Vimeo,
                url,
                ..
            } => Some(oembed_url(url)),
            _ => None,
        })
    })
}

/// Vimeo's oEmbed endpoint (no API key); [`fetch::FetchOptions::resolve`] is how
/// tests send it to a local server instead.
pub const OEMBED: &str = "https://vimeo.com/api/oembed.json";

/// The oEmbed query for a Vimeo watch page (`https://vimeo.com/<id>[/<hash>]`),
/// asking for a 640 px wide player, whose still is then at least as wide as the
/// 480 px one stored (the default is 295 px).
pub fn oembed_url(page: &str) -> String {
    let page = percent_encoding::utf8_percent_encode(page, percent_encoding::NON_ALPHANUMERIC);
    format!("{OEMBED}?url={page}&width=640")
}

/// Whether a source URL is an oEmbed query rather than an image.
pub fn is_oembed(url: &str) -> bool {
    url.strip_prefix(OEMBED).is_some_and(|rest| rest.starts_with('?'))
}

/// The URL of a talk's image: its `thumbnail_url`, else one derived from its video
/// without asking anyone (YouTube's `hqdefault.jpg`, the Internet Archive's item
/// image). What `thumbnails = "remote"` shows.
pub fn image_url<'v>(talk: &Talk, videos: impl FnOnce() -> &'v [Video]) -> Option<String> {
    if let Some(t) = talk.thumbnail.as_deref().and_then(video::safe_http_url) {
        return Some(t);
    }
    videos().iter().find_map(|v| match v {
        Video::Embed {
            thumbnail: Some(th), ..
        } => Some(th.clone()),
        _ => None,
    })
}

/// The stills in a cache that are there (both sizes): source URL → content hash.
#[derive(Debug, Default)]
pub struct Index {
    pub dir: PathBuf,
    by_url: HashMap<String, String>,
}

impl Index {
    /// The content hash of the still cached for `url`, if there is one.
    pub fn get(&self, url: &str) -> Option<&str> {
        self.by_url.get(url).map(String::as_str)
    }

    /// How many stills the cache holds.
    pub fn len(&self) -> usize {
        self.by_url.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_url.is_empty()
    }

    /// Reads the cache in `dir`; a missing cache is an empty index.
    pub fn load(dir: &Path) -> Result<Index> {
        let manifest = Manifest::load(dir)?;
        let present: std::collections::HashSet<String> = match std::fs::read_dir(dir) {
            Ok(rd) => rd
                .flatten()
                .filter_map(|e| e.file_name().into_string().ok())
                .filter(|n| is_file_name(n))
                .collect(),
            Err(_) => Default::default(),
        };
        let by_url = manifest
            .entries
            .into_iter()
            .filter_map(|(url, e)| {
                let key = e.file.filter(|_| e.status == Status::Ok)?;
                let all = file_names(&key).all(|n| present.contains(&n));
                all.then_some((url, key))
            })
            .collect();
        Ok(Index {
            dir: dir.to_path_buf(),
            by_url,
        })
    }

    /// [`Index::load`], kept between calls while the manifest is unchanged (the
    /// preview server makes a new site on every edit).
    pub fn shared(dir: &Path) -> Result<Arc<Index>> {
        type Slot = Mutex<Option<(PathBuf, Option<std::time::SystemTime>, u64, Arc<Index>)>>;
        static LAST: Slot = Mutex::new(None);
        let meta = std::fs::metadata(dir.join(MANIFEST)).ok();
        let stamp = (
            meta.as_ref().and_then(|m| m.modified().ok()),
            meta.map_or(0, |m| m.len()),
        );
        let mut last = LAST.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((d, m, l, index)) = last.as_ref() {
            if d == dir && (*m, *l) == stamp && stamp.0.is_some() {
                return Ok(index.clone());
            }
        }
        let index = Arc::new(Index::load(dir)?);
        *last = Some((dir.to_path_buf(), stamp.0, stamp.1, index.clone()));
        Ok(index)
    }
}

/// Hands `put` the files of every cached still in `keys` (both WebP sizes and the
/// JPEG), read from the cache in `dir`, at their paths in the output (`thumbs/…`).
pub fn copy_used(dir: &Path, keys: &[&str], put: &(dyn Fn(String, Vec<u8>) -> Result<()> + Sync)) -> Result<()> {
    use rayon::prelude::*;
    keys.par_iter().try_for_each(|key| {
        for name in file_names(key) {
            let path = dir.join(&name);
            let bytes = std::fs::read(&path).with_context(|| format!("failed to read `{}`", path.display()))?;
            put(format!("{OUT_DIR}/{name}"), bytes)?;
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_file_names() {
        let key = "0123456789abcdef0123456789abcdef";
        assert!(is_file_name(&file_name(key, 480)));
        assert!(is_file_name(&file_name(key, 240)));
        assert!(is_file_name(&share_name(key)));
        assert_eq!(file_names(key).filter(|n| is_file_name(n)).count(), 3);
        assert!(!is_file_name(&file_name(key, 100)));
        assert!(!is_file_name("../../etc-480.jpg"));
        assert!(!is_file_name("0123456789ABCDEF0123456789abcdef-480.webp"));
        // The small JPEG of a cache from before WebP is no longer served.
        assert!(!is_file_name("0123456789abcdef0123456789abcdef-240.jpg"));
        assert!(!is_file_name(MANIFEST));
    }

    #[test]
    fn oembed_queries_are_told_from_image_urls() {
        let q = oembed_url("https://vimeo.com/170384415");
        assert_eq!(
            q,
            "https://vimeo.com/api/oembed.json?url=https%3A%2F%2Fvimeo%2Ecom%2F170384415&width=640"
        );
        assert!(is_oembed(&q));
        assert!(!is_oembed("https://vimeo.com/api/oembed.jsonx?url=a"));
        assert!(!is_oembed("https://i.vimeocdn.com/video/1_640.jpg"));
    }
}
