//! `podium thumbnails`: downloads each talk's still into the cache, a few at a
//! time, resumably. A URL is fetched once: a run killed half-way keeps what it
//! stored (files first, then a line in the journal, folded into the manifest
//! at the end), failures are
//! retried after a day rather than on every run, and `--refresh` revalidates
//! with `If-None-Match` / `If-Modified-Since`. Bodies and images are untrusted:
//! a body is read through a 10 MB limit, and [`super::still`] checks the image.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::time::Duration;

use anyhow::{Context, Result};

use super::{file_name, still, Entry, Journal, Manifest, Status};
use crate::diag::Problem;
use crate::model::Archive;

/// Largest body read, in bytes.
pub const MAX_BYTES: u64 = 10 * 1024 * 1024;
/// A failed URL is tried again once this many seconds have passed.
pub const RETRY_AFTER: u64 = 24 * 60 * 60;

/// Unix time in seconds.
pub type Clock = Arc<dyn Fn() -> u64 + Send + Sync>;
/// Maps a source URL to the address actually requested (tests point every URL
/// at a local server; the CLI requests each URL as it is).
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
    },
    NotModified,
    Failed(String),
}

/// Fetches every `wanted` still that the cache in `dir` lacks, and updates its manifest.
pub fn fetch(dir: &Path, wanted: &[Wanted], opts: &FetchOptions) -> Result<FetchReport> {
    std::fs::create_dir_all(dir).with_context(|| format!("failed to create `{}`", dir.display()))?;
    let mut manifest = Manifest::load(dir)?;
    manifest.version = 1;
    let now = (opts.now)();
    let mut report = FetchReport::default();
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
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_connect(Some(opts.connect_timeout))
        .timeout_recv_response(Some(opts.read_timeout))
        .timeout_recv_body(Some(opts.read_timeout))
        .http_status_as_error(false)
        .max_redirects(5)
        .user_agent(concat!("podium/", env!("CARGO_PKG_VERSION"), " (thumbnails)"))
        .build()
        .into();
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
                } => {
                    report.count(&w.url, |c| c.fetched += 1);
                    Entry {
                        status: Status::Ok,
                        file: Some(key),
                        etag,
                        last_modified,
                        checked,
                        error: None,
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
                Outcome::Failed(error) => {
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
                        None => failed_entry(checked, &error),
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
    }
}

/// Whether both sizes of an entry's still are in the cache.
fn stored(dir: &Path, e: &Entry) -> bool {
    e.file
        .as_deref()
        .is_some_and(|k| still::SIZES.iter().all(|(w, _)| dir.join(file_name(k, *w)).is_file()))
}

/// Downloads one URL (with retries) and stores its sizes.
fn fetch_one(agent: &ureq::Agent, dir: &Path, url: &str, prev: Option<&Entry>, opts: &FetchOptions) -> Outcome {
    let target = (opts.resolve)(url);
    let mut wait = opts.backoff;
    let mut last = String::new();
    for attempt in 0..opts.attempts.max(1) {
        if attempt > 0 {
            std::thread::sleep(wait);
            wait *= 2;
        }
        match get(agent, &target, prev, opts) {
            Ok(Got::Body(bytes, etag, last_modified)) => {
                return match store(dir, &bytes) {
                    Ok(key) => Outcome::Stored {
                        key,
                        etag,
                        last_modified,
                    },
                    Err(e) => Outcome::Failed(format!("{e:#}")),
                };
            }
            Ok(Got::NotModified) => return Outcome::NotModified,
            Err(Fail::Final(e)) => return Outcome::Failed(e),
            Err(Fail::Transient(e)) => last = e,
        }
    }
    Outcome::Failed(format!("{last} (after {} tries)", opts.attempts.max(1)))
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

fn get(agent: &ureq::Agent, target: &str, prev: Option<&Entry>, opts: &FetchOptions) -> Result<Got, Fail> {
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
    let too_big = || Fail::Final(format!("body over the limit of {} MB", opts.max_bytes / (1024 * 1024)));
    let declared = header("content-length").and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > opts.max_bytes) {
        return Err(too_big());
    }
    let bytes = resp
        .body_mut()
        .with_config()
        .limit(opts.max_bytes)
        .read_to_vec()
        .map_err(|e| match e {
            ureq::Error::BodyExceedsLimit(_) => too_big(),
            e => Fail::Transient(format!("reading the body: {e}")),
        })?;
    Ok(Got::Body(bytes, etag, last_modified))
}

/// Stores both sizes of a still under the hash of its bytes (each file written
/// to a temporary name, then renamed), unless they are there already.
pub fn store(dir: &Path, bytes: &[u8]) -> Result<String> {
    let key = format!("{:032x}", xxhash_rust::xxh3::xxh3_128(bytes));
    let paths: Vec<PathBuf> = still::SIZES
        .iter()
        .map(|(w, _)| dir.join(file_name(&key, *w)))
        .collect();
    if paths.iter().all(|p| p.is_file()) {
        return Ok(key);
    }
    let files = still::make_sizes(bytes)?;
    for (path, data) in paths.iter().zip(files) {
        // Unique per call: two URLs may serve the same bytes and be stored at once.
        static SEQ: AtomicUsize = AtomicUsize::new(0);
        let tmp = path.with_extension(format!("{}.tmp", SEQ.fetch_add(1, Ordering::Relaxed)));
        std::fs::write(&tmp, data).with_context(|| format!("failed to write `{}`", tmp.display()))?;
        std::fs::rename(&tmp, path).with_context(|| format!("failed to write `{}`", path.display()))?;
    }
    Ok(key)
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
