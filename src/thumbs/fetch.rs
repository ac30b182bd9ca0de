//! `podium thumbnails`: downloads each talk's still into the cache, a few at a
//! time, resumably. A URL is fetched once: a run killed half-way keeps what it
//! stored (files first, then a line in the journal, folded into the manifest
//! at the end), failures are
//! retried after a day rather than on every run, and `--refresh` revalidates
//! with `If-None-Match` / `If-Modified-Since`. Bodies and images are untrusted:
//! a body is read through a 10 MB limit, and [`super::still`] checks the image.
//!
//! A Vimeo talk without `thumbnail_url` is looked up first through Vimeo's
//! oEmbed endpoint (no API key): its answer, untrusted JSON read through a 64 KB
//! limit, names the still, which is recorded in the manifest entry of the query
//! and then fetched like any other.
//!
//! Every connection goes through [`super::guard`]: a host that resolves only to
//! private, loopback or link-local addresses is refused (a failure like any other),
//! unless [`FetchOptions::allow_private_addresses`] is set.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::time::Duration;

use anyhow::{Context, Result};

use super::{file_names, is_oembed, still, Entry, Journal, Manifest, Status};
use crate::diag::Problem;
use crate::model::Archive;

/// Largest body read, in bytes.
pub const MAX_BYTES: u64 = 10 * 1024 * 1024;
/// Largest oEmbed answer read, in bytes (Vimeo's are 1 to 3 KB).
pub const MAX_OEMBED_BYTES: u64 = 64 * 1024;
/// A failed URL is tried again once this many seconds have passed.
pub const RETRY_AFTER: u64 = 24 * 60 * 60;

/// Unix time in seconds.
pub type Clock = Arc<dyn Fn() -> u64 + Send + Sync>;
/// Maps a source URL to the address actually requested (tests point every URL,
/// the oEmbed queries and the stills their answers name included, at a local
/// server; the CLI requests each URL as it is).
pub type Resolver = Arc<dyn Fn(&str) -> String + Send + Sync>;

/// How to fetch.
#[derive(Clone)]
pub struct FetchOptions {
    /// Downloads at once.
    pub jobs: usize,
    /// Revalidate stills already cached, and retry recent failures.
    pub refresh: bool,
    pub connect_timeout: Duration,
    /// Longest wait for the response headers, and again for the whole body.
    pub read_timeout: Duration,
    /// Tries per URL for errors that may pass (timeouts, connection errors, 429, 5xx).
    pub attempts: u32,
    /// Wait before the second try; doubled before each further one.
    pub backoff: Duration,
    pub max_bytes: u64,
    pub now: Clock,
    pub resolve: Resolver,
    /// Connect to private, loopback and link-local addresses too (tests, whose
    /// server is on 127.0.0.1). Off by default: talk records come from strangers,
    /// and following them into the machine's network is SSRF.
    pub allow_private_addresses: bool,
    /// Show a progress bar.
    pub progress: bool,
}

impl Default for FetchOptions {
    fn default() -> Self {
        FetchOptions {
            jobs: 8,
            refresh: false,
            connect_timeout: Duration::from_secs(10),
            read_timeout: Duration::from_secs(30),
            attempts: 3,
            backoff: Duration::from_millis(500),
            max_bytes: MAX_BYTES,
            now: Arc::new(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_secs())
            }),
            resolve: Arc::new(str::to_string),
            allow_private_addresses: false,
            progress: false,
        }
    }
}

/// A still to fetch and the talk files that use it (named in warnings).
#[derive(Debug, Clone)]
pub struct Wanted {
    pub url: String,
    pub talks: Vec<PathBuf>,
}

/// Every still the archive's talks use, by URL.
pub fn wanted(archive: &Archive) -> Vec<Wanted> {
    let mut by_url: BTreeMap<String, Vec<PathBuf>> = BTreeMap::new();
    for t in &archive.talks {
        let videos = std::cell::OnceCell::new();
        if let Some(url) = super::source_url(t, || videos.get_or_init(|| crate::video::sources(&t.videos))) {
            by_url.entry(url).or_default().push(t.source.clone());
        }
    }
    by_url.into_iter().map(|(url, talks)| Wanted { url, talks }).collect()
}

/// Counts for one host (or for all).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    /// Downloaded and stored.
    pub fetched: usize,
    /// Already in the cache (revalidated with `--refresh`: not modified).
    pub cached: usize,
    pub failed: usize,
    /// Failed less than a day ago: not tried this time.
    pub deferred: usize,
}

/// What a run did.
#[derive(Debug, Default)]
pub struct FetchReport {
    pub total: Counts,
    pub by_host: BTreeMap<String, Counts>,
    /// One warning per talk file whose still could not be stored.
    pub problems: Vec<Problem>,
    /// Stills of a cache from before WebP, converted from their JPEGs.
    pub converted: usize,
}

impl FetchReport {
    /// The summary printed at the end of a run: totals, then one line per host.
    pub fn summary(&self) -> String {
        let line = |c: &Counts| {
            format!(
                "{} fetched, {} already cached, {} failed, {} failed recently (retried after a day)",
                c.fetched, c.cached, c.failed, c.deferred
            )
        };
        let mut s = format!("Thumbnails: {}", line(&self.total));
        if self.converted > 0 {
            s += &format!(
                "\n  {} stills cached before WebP converted from their JPEGs (nothing downloaded)",
                self.converted
            );
        }
        for (host, c) in &self.by_host {
            s += &format!("\n  {host}: {}", line(c));
        }
        s
    }

    fn count(&mut self, url: &str, f: impl Fn(&mut Counts)) {
        f(&mut self.total);
        let host = url::Url::parse(url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_string))
            .unwrap_or_default();
        f(self.by_host.entry(host).or_default());
    }
}

/// The result of fetching one URL.
enum Outcome {
    Stored {
        key: String,
        etag: Option<String>,
        last_modified: Option<String>,
        /// The still named by an oEmbed answer.
        image: Option<String>,
    },
    NotModified,
    Failed {
        error: String,
        image: Option<String>,
    },
}

/// Fetches every `wanted` still that the cache in `dir` lacks, and updates its manifest.
pub fn fetch(dir: &Path, wanted: &[Wanted], opts: &FetchOptions) -> Result<FetchReport> {
    std::fs::create_dir_all(dir).with_context(|| format!("failed to create `{}`", dir.display()))?;
    let mut manifest = Manifest::load(dir)?;
    let mut report = FetchReport {
        converted: convert_legacy(dir, &manifest),
        ..FetchReport::default()
    };
    manifest.version = super::VERSION;
    let now = (opts.now)();
    let mut todo: Vec<(&Wanted, Option<Entry>)> = Vec::new();
    for w in wanted {
        let prev = manifest.entries.get(&w.url).cloned();
        match &prev {
            Some(e) if e.status == Status::Ok && stored(dir, e) && !opts.refresh => {
                report.count(&w.url, |c| c.cached += 1);
            }
            Some(e) if e.status == Status::Failed && now.saturating_sub(e.checked) < RETRY_AFTER && !opts.refresh => {
                report.count(&w.url, |c| c.deferred += 1);
            }
            _ => todo.push((w, prev.filter(|e| e.status == Status::Ok && stored(dir, e)))),
        }
    }
    let mut config = ureq::Agent::config_builder()
        .timeout_connect(Some(opts.connect_timeout))
        .timeout_recv_response(Some(opts.read_timeout))
        .timeout_recv_body(Some(opts.read_timeout))
        .http_status_as_error(false)
        .max_redirects(5)
        .user_agent(concat!("podium/", env!("CARGO_PKG_VERSION"), " (thumbnails)"));
    let agent = if opts.allow_private_addresses {
        config.build().into()
    } else {
        // Through an HTTP proxy the proxy resolves the target, out of the guard's
        // sight: with the guard on, `HTTP(S)_PROXY` is ignored.
        config = config.proxy(None);
        let connector = ureq::unversioned::transport::DefaultConnector::new();
        ureq::Agent::with_parts(config.build(), connector, super::guard::PublicOnly::default())
    };
    let bar = if opts.progress {
        let b = indicatif::ProgressBar::new(todo.len() as u64);
        b.set_style(
            indicatif::ProgressStyle::with_template("{spinner} thumbnails [{bar:30}] {pos}/{len} {msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        b
    } else {
        indicatif::ProgressBar::hidden()
    };
    let next = AtomicUsize::new(0);
    let (tx, rx) = mpsc::channel::<(usize, Outcome)>();
    let jobs = opts.jobs.clamp(1, 64).min(todo.len().max(1));
    let result = std::thread::scope(|s| -> Result<()> {
        for _ in 0..jobs {
            let tx = tx.clone();
            let (todo, next, agent) = (&todo, &next, &agent);
            s.spawn(move || loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some((w, prev)) = todo.get(i) else { break };
                let outcome = fetch_one(agent, dir, &w.url, prev.as_ref(), opts);
                if tx.send((i, outcome)).is_err() {
                    break;
                }
            });
        }
        drop(tx);
        let mut journal = Journal::open(dir)?;
        for (i, outcome) in rx {
            let (w, prev) = &todo[i];
            let checked = (opts.now)();
            let entry = match outcome {
                Outcome::Stored {
                    key,
                    etag,
                    last_modified,
                    image,
                } => {
                    report.count(&w.url, |c| c.fetched += 1);
                    Entry {
                        status: Status::Ok,
                        file: Some(key),
                        etag,
                        last_modified,
                        checked,
                        error: None,
                        image,
                    }
                }
                Outcome::NotModified => {
                    report.count(&w.url, |c| c.cached += 1);
                    let mut e = prev
                        .clone()
                        .unwrap_or_else(|| failed_entry(checked, "304 without a cached copy"));
                    e.checked = checked;
                    e
                }
                Outcome::Failed { error, image } => {
                    report.count(&w.url, |c| c.failed += 1);
                    for talk in &w.talks {
                        report
                            .problems
                            .push(Problem::warning(talk, format!("thumbnail `{}`: {error}", w.url)));
                    }
                    // A still that was cached stays in use when a revalidation fails.
                    match prev {
                        Some(p) => Entry {
                            checked,
                            error: Some(error),
                            ..p.clone()
                        },
                        None => Entry {
                            image,
                            ..failed_entry(checked, &error)
                        },
                    }
                }
            };
            journal.add(&w.url, &entry)?;
            manifest.entries.insert(w.url.clone(), entry);
            bar.inc(1);
        }
        Ok(())
    });
    bar.finish_and_clear();
    manifest.save(dir)?;
    result?;
    Ok(report)
}

fn failed_entry(checked: u64, error: &str) -> Entry {
    Entry {
        status: Status::Failed,
        file: None,
        etag: None,
        last_modified: None,
        checked,
        error: Some(error.to_string()),
        image: None,
    }
}

/// Whether all the files of an entry's still are in the cache.
fn stored(dir: &Path, e: &Entry) -> bool {
    e.file
        .as_deref()
        .is_some_and(|k| file_names(k).all(|n| dir.join(n).is_file()))
}

/// Converts the stills of a cache written before WebP (`<hash>-480.jpg` and
/// `-240.jpg`, no `.webp`): both WebP sizes are made from the large JPEG, which
/// stays as the link-preview copy (it is what a new still's JPEG is too), and the
/// small JPEG goes. The originals were never kept, so this is the only way short of
/// downloading again; the small still loses a little to the second compression.
/// Returns how many were converted; one that cannot be is downloaded again.
fn convert_legacy(dir: &Path, manifest: &Manifest) -> usize {
    use rayon::prelude::*;
    let keys: Vec<&str> = manifest
        .entries
        .values()
        .filter(|e| e.status == Status::Ok && !stored(dir, e))
        .filter_map(|e| e.file.as_deref())
        .filter(|k| dir.join(super::share_name(k)).is_file())
        .collect();
    keys.par_iter()
        .filter(|key| {
            let done = (|| -> Result<()> {
                let jpeg = std::fs::read(dir.join(super::share_name(key)))?;
                write_files(dir, key, &still::files_of(&still::decode(&jpeg)?)?)?;
                match std::fs::remove_file(dir.join(format!("{key}-240.jpg"))) {
                    Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e.into()),
                    _ => Ok(()),
                }
            })();
            done.is_ok()
        })
        .count()
}

/// Downloads one URL (with retries) and stores its files; for an oEmbed query,
/// asks for the still's URL first.
fn fetch_one(agent: &ureq::Agent, dir: &Path, url: &str, prev: Option<&Entry>, opts: &FetchOptions) -> Outcome {
    let (image, prev) = if is_oembed(url) {
        match oembed_still(agent, url, opts) {
            // The validators are those of the still the answer named last time.
            Ok(image) => {
                let same = prev.is_some_and(|p| p.image.as_deref() == Some(image.as_str()));
                (Some(image), prev.filter(|_| same))
            }
            Err(error) => {
                return Outcome::Failed {
                    error: format!("Vimeo oEmbed: {error}"),
                    image: None,
                }
            }
        }
    } else {
        (None, prev)
    };
    let target = (opts.resolve)(image.as_deref().unwrap_or(url));
    let failed = |error: String| Outcome::Failed {
        error: match &image {
            Some(i) => format!("still `{i}` named by Vimeo oEmbed: {error}"),
            None => error,
        },
        image: image.clone(),
    };
    match retrying(opts, || get(agent, &target, prev, opts.max_bytes)) {
        Ok(Got::Body(bytes, etag, last_modified)) => match store(dir, &bytes) {
            Ok(key) => Outcome::Stored {
                key,
                etag,
                last_modified,
                image,
            },
            Err(e) => failed(format!("{e:#}")),
        },
        Ok(Got::NotModified) => Outcome::NotModified,
        Err(e) => failed(e),
    }
}

/// Runs `call` until it succeeds, fails for good, or has failed
/// [`FetchOptions::attempts`] times, waiting longer before each new try.
fn retrying<T>(opts: &FetchOptions, call: impl Fn() -> Result<T, Fail>) -> Result<T, String> {
    let mut wait = opts.backoff;
    let mut last = String::new();
    for attempt in 0..opts.attempts.max(1) {
        if attempt > 0 {
            std::thread::sleep(wait);
            wait *= 2;
        }
        match call() {
            Ok(v) => return Ok(v),
            Err(Fail::Final(e)) => return Err(e),
            Err(Fail::Transient(e)) => last = e,
        }
    }
    Err(format!("{last} (after {} tries)", opts.attempts.max(1)))
}

/// Asks Vimeo's oEmbed endpoint (the query `url`) for a video's still.
fn oembed_still(agent: &ureq::Agent, url: &str, opts: &FetchOptions) -> Result<String, String> {
    let target = (opts.resolve)(url);
    let limit = MAX_OEMBED_BYTES.min(opts.max_bytes);
    match retrying(opts, || get(agent, &target, None, limit))? {
        Got::Body(bytes, ..) => parse_oembed(&bytes),
        Got::NotModified => Err("HTTP 304 to an unconditional request".to_string()),
    }
}

/// The still an oEmbed answer names. The answer is untrusted: only its
/// `thumbnail_url` is read, and kept only if it is an http(s) URL (and not
/// another oEmbed query).
pub fn parse_oembed(bytes: &[u8]) -> Result<String, String> {
    #[derive(serde::Deserialize)]
    struct Answer {
        thumbnail_url: Option<String>,
    }
    let answer: Answer = serde_json::from_slice(bytes).map_err(|e| format!("not an oEmbed answer ({e})"))?;
    let raw = answer
        .thumbnail_url
        .ok_or_else(|| "the answer has no thumbnail_url".to_string())?;
    crate::video::safe_http_url(&raw)
        .filter(|u| !is_oembed(u))
        .ok_or_else(|| "the answer's thumbnail_url is not an http(s) URL".to_string())
}

enum Got {
    Body(Vec<u8>, Option<String>, Option<String>),
    NotModified,
}

enum Fail {
    /// Worth another try.
    Transient(String),
    Final(String),
}

/// One GET of `target` (conditional when `prev` has validators), its body read
/// through a limit of `max_bytes`.
fn get(agent: &ureq::Agent, target: &str, prev: Option<&Entry>, max_bytes: u64) -> Result<Got, Fail> {
    let mut req = agent.get(target);
    if let Some(p) = prev {
        if let Some(etag) = &p.etag {
            req = req.header("If-None-Match", etag);
        }
        if let Some(lm) = &p.last_modified {
            req = req.header("If-Modified-Since", lm);
        }
    }
    let mut resp = req.call().map_err(|e| match e {
        ureq::Error::Io(_) | ureq::Error::Timeout(_) | ureq::Error::ConnectionFailed | ureq::Error::HostNotFound => {
            Fail::Transient(e.to_string())
        }
        // The guard's refusal, shown as it is (ureq would prefix "other: ").
        ureq::Error::Other(e) => Fail::Final(e.to_string()),
        e => Fail::Final(e.to_string()),
    })?;
    let status = resp.status().as_u16();
    match status {
        200 => {}
        304 if prev.is_some() => return Ok(Got::NotModified),
        429 | 500..=599 => return Err(Fail::Transient(format!("HTTP {status}"))),
        _ => return Err(Fail::Final(format!("HTTP {status}"))),
    }
    let header = |name: &str| {
        resp.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.chars().take(200).collect::<String>())
    };
    let (etag, last_modified) = (header("etag"), header("last-modified"));
    let too_big = || {
        Fail::Final(if max_bytes >= 1024 * 1024 {
            format!("body over the limit of {} MB", max_bytes / (1024 * 1024))
        } else {
            format!("body over the limit of {} KB", max_bytes / 1024)
        })
    };
    let declared = header("content-length").and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > max_bytes) {
        return Err(too_big());
    }
    let bytes = resp
        .body_mut()
        .with_config()
        .limit(max_bytes)
        .read_to_vec()
        .map_err(|e| match e {
            ureq::Error::BodyExceedsLimit(_) => too_big(),
            e => Fail::Transient(format!("reading the body: {e}")),
        })?;
    Ok(Got::Body(bytes, etag, last_modified))
}

/// Stores the files of a still under the hash of its bytes, unless they are there already.
pub fn store(dir: &Path, bytes: &[u8]) -> Result<String> {
    let key = format!("{:032x}", xxhash_rust::xxh3::xxh3_128(bytes));
    if !file_names(&key).all(|n| dir.join(n).is_file()) {
        write_files(dir, &key, &still::make_files(bytes)?)?;
    }
    Ok(key)
}

/// Writes the files of [`still::SUFFIXES`] for `key` that are not there yet, each
/// to a temporary name first, then renamed.
fn write_files(dir: &Path, key: &str, files: &[Vec<u8>]) -> Result<()> {
    for (name, data) in file_names(key).zip(files) {
        let path = dir.join(name);
        if path.is_file() {
            continue;
        }
        // Unique per call: two URLs may serve the same bytes and be stored at once.
        static SEQ: AtomicUsize = AtomicUsize::new(0);
        let tmp = path.with_extension(format!("{}.tmp", SEQ.fetch_add(1, Ordering::Relaxed)));
        std::fs::write(&tmp, data).with_context(|| format!("failed to write `{}`", tmp.display()))?;
        std::fs::rename(&tmp, &path).with_context(|| format!("failed to write `{}`", path.display()))?;
    }
    Ok(())
}

/// Loads the site's data (invalid files are left out, as with `--skip-invalid`)
/// and fetches the stills of its talks into the site's cache.
pub fn fetch_site(config: &crate::config::Config, follow_links: bool, opts: &FetchOptions) -> Result<FetchReport> {
    let loaded = crate::load::load(&config.data_dir, &crate::load::LoadOptions { follow_links })?;
    let (archive, _) = crate::normalize::normalize(
        loaded,
        &crate::normalize::NormalizeOptions {
            drafts: false,
            url_style: config.url_style,
        },
    );
    fetch(&super::cache_dir(config), &wanted(&archive), opts)
}
