//! `podium build`: load → normalize → render → write, with every input problem
//! reported before anything is written.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use rayon::prelude::*;

use crate::config::Config;
use crate::diag::{InputErrors, Problem};
use crate::load::{self, LoadOptions};
use crate::normalize::{self, NormalizeOptions};
use crate::render::{self, Site};
use crate::write::{WriteStats, Writer};

/// Switches for one build, on top of the config.
#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    /// Publish archive-API drafts.
    pub drafts: bool,
    /// Follow symbolic links inside the data folder.
    pub follow_links: bool,
    /// Publish the valid talks even when some files are invalid (those are skipped).
    pub skip_invalid: bool,
    /// Skip the full-text search index (faster builds, no search page results).
    pub no_search: bool,
    /// Show a progress bar (the CLI sets this when stderr is a terminal).
    pub progress: bool,
}

/// What a build did.
#[derive(Debug, Default)]
pub struct BuildReport {
    pub talks: usize,
    pub events: usize,
    pub speakers: usize,
    pub tags: usize,
    pub pages: usize,
    pub write: WriteStats,
    /// Warnings (and, with `skip_invalid`, the errors of skipped files).
    pub problems: Vec<Problem>,
    /// Files left out by `skip_invalid`.
    pub skipped_files: Vec<PathBuf>,
    /// Time per stage, in order.
    pub timings: Vec<(&'static str, Duration)>,
    /// Files made per kind of output: (kind, files, bytes), by kind. Files the
    /// writer found unchanged count too.
    pub kinds: Vec<(&'static str, usize, u64)>,
}

impl BuildReport {
    /// The one summary line a build ends with.
    pub fn summary(&self, elapsed: Duration) -> String {
        let mut s = format!(
            "Built {} talks, {} events, {} speakers, {} tags: {} files ({} written, {} removed) in {:.2}s",
            self.talks,
            self.events,
            self.speakers,
            self.tags,
            self.write.files,
            self.write.written,
            self.write.removed,
            elapsed.as_secs_f64()
        );
        if !self.skipped_files.is_empty() {
            let names: Vec<String> = self.skipped_files.iter().map(|p| p.display().to_string()).collect();
            s += &format!("; skipped {} invalid file(s): {}", names.len(), names.join(", "));
        }
        s
    }
}

/// Everything beside the HTML pages: feeds, sitemap, robots.txt, redirects, JSON API,
/// handed to `sink` as they are made.
fn site_outputs(site: &Site<'_>, urls: &[String], problems: &mut Vec<Problem>, sink: &KindSink<'_>) -> Result<()> {
    crate::feeds::render_feeds(site, &|rel, bytes| {
        let kind = if rel.ends_with("rss.xml") {
            "feeds: RSS"
        } else {
            "feeds: Atom"
        };
        sink(kind, rel, bytes)
    })?;
    for (kind, rel, bytes) in whole_site_outputs_by_kind(site, urls, problems)? {
        sink(kind, rel, bytes)?;
    }
    Ok(())
}

/// Takes each output file with its kind.
type KindSink<'a> = dyn Fn(&'static str, String, Vec<u8>) -> Result<()> + Sync + 'a;

/// Files and bytes made per kind of output, so that a build can show what its
/// output consists of (`--timings`).
#[derive(Default)]
struct Tally(std::sync::Mutex<BTreeMap<&'static str, (usize, u64)>>);

impl Tally {
    fn add(&self, kind: &'static str, bytes: usize) {
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let e = map.entry(kind).or_default();
        e.0 += 1;
        e.1 += bytes as u64;
    }

    fn into_rows(self) -> Vec<(&'static str, usize, u64)> {
        let map = self.0.into_inner().unwrap_or_else(|e| e.into_inner());
        map.into_iter().map(|(k, (n, b))| (k, n, b)).collect()
    }
}

/// Builds the search index in parts (see [`crate::search::split`]) and hands its
/// files to `put`. A part whose records are those of the last build is kept as
/// it is; the others are built (see [`crate::search::build_parts`]).
fn write_search_index(site: &Site<'_>, writer: &Writer, tally: &Tally, put: &KindSink<'_>) -> Result<()> {
    let records = crate::search_records::records(site);
    let language = crate::search::index_language(&records);
    let parts = crate::search::split(records, site.search_shards());
    let mut stale = Vec::new();
    for (k, part) in parts.into_iter().enumerate() {
        if k > 0 && part.is_empty() {
            continue;
        }
        let note = if k == 0 {
            "search".to_string()
        } else {
            format!("search-{}", k + 1)
        };
        let key = format!("{:032x}", crate::search::records_hash(&part));
        writer.set_note(&note, &key);
        if writer.old_note(&note) == Some(key.as_str()) && writer.keep_prefix(&crate::search::shard_dir(k))? {
            tally.add("search: index part kept from the last build", 0);
        } else {
            stale.push((k, part));
        }
    }
    crate::search::build_parts(stale, &language, &|k, files| {
        let dir = crate::search::shard_dir(k);
        files
            .into_par_iter()
            .try_for_each(|(rel, bytes)| put(search_kind(&rel), format!("{dir}{rel}"), bytes))
    })?;
    Ok(())
}

/// The kind of a Pagefind bundle file, by its path in the bundle.
fn search_kind(rel: &str) -> &'static str {
    if rel.starts_with("fragment/") {
        "search: fragments (one per talk)"
    } else if rel.starts_with("index/") {
        "search: word index chunks"
    } else if rel.starts_with("filter/") {
        "search: filter chunks"
    } else {
        "search: runtime, meta (JS, CSS, wasm)"
    }
}

/// The outputs built from the whole site at once (sitemap, robots.txt, redirects,
/// JSON API), given the URL of every page. `serve` regenerates these after each change.
pub fn whole_site_outputs(
    site: &Site<'_>,
    urls: &[String],
    problems: &mut Vec<Problem>,
) -> Result<Vec<(String, Vec<u8>)>> {
    Ok(whole_site_outputs_by_kind(site, urls, problems)?
        .into_iter()
        .map(|(_, rel, bytes)| (rel, bytes))
        .collect())
}

/// [`whole_site_outputs`], each file with its kind (for the per-kind report).
fn whole_site_outputs_by_kind(
    site: &Site<'_>,
    urls: &[String],
    problems: &mut Vec<Problem>,
) -> Result<Vec<(&'static str, String, Vec<u8>)>> {
    let base = site.config.base();
    let mut sitemap_urls: Vec<String> = urls
        .iter()
        .filter(|u| !u.ends_with("/404.html"))
        .map(|u| format!("{base}{u}"))
        .collect();
    sitemap_urls.sort();
    let label = |kind: &'static str| move |(rel, bytes): (String, Vec<u8>)| (kind, rel, bytes);
    let mut out: Vec<_> = crate::sitemap::render(base, &sitemap_urls, crate::sitemap::MAX_URLS)
        .into_iter()
        .map(label("sitemap, robots.txt"))
        .collect();
    out.push(label("sitemap, robots.txt")(crate::sitemap::robots(base)));
    for (kind, produce) in WHOLE_SITE {
        out.extend(produce(site).into_iter().map(label(kind)));
    }
    // Redirects come last: they may take no path that anything else writes.
    let taken = crate::redirects::Taken::new(
        urls.iter()
            .map(|u| crate::urls::file_for(u))
            .chain(crate::feeds::feed_files(site))
            .chain(render::static_names(&site.config.static_dir)?)
            .chain(out.iter().map(|(_, rel, _)| rel.clone())),
    );
    let (map, redirect_problems) = crate::redirects::collect(site, &taken);
    problems.extend(redirect_problems);
    out.extend(
        crate::redirects::render(site, &map)?
            .into_iter()
            .map(label("redirects (old URLs)")),
    );
    Ok(out)
}

/// Makes the files of one kind of whole-site output from the site.
type Producer = fn(&Site<'_>) -> Vec<crate::write::OutFile>;

/// The outputs made from the whole site (besides sitemap, robots.txt and the
/// redirects, which need the list of pages): (kind for the report, producer). A new
/// kind of output is a new file and one line here; `serve` makes them too.
const WHOLE_SITE: &[(&str, Producer)] = &[
    ("JSON API", crate::api::render),
    ("JSON API", crate::api::speakers::render),
];

/// Builds the site described by `config`. On any input error nothing is written
/// and the error is an [`InputErrors`] listing every problem.
pub fn build(config: &Config, opts: &BuildOptions) -> Result<BuildReport> {
    let mut report = BuildReport::default();
    let mut t = Instant::now();
    let mut lap = |name: &'static str, report: &mut BuildReport| {
        report.timings.push((name, t.elapsed()));
        t = Instant::now();
    };

    // Nothing changed since the last build (same input files, settings and podium
    // binary, and the old site is intact): keep it as it is.
    let fingerprint = fingerprint(config, opts);
    if let Some(report) = unchanged(config, &fingerprint)? {
        return Ok(report);
    }

    let loaded = load::load(
        &config.data_dir,
        &LoadOptions {
            follow_links: opts.follow_links,
        },
    )?;
    lap("load", &mut report);
    let (mut archive, mut problems) = normalize::normalize(
        loaded,
        &NormalizeOptions {
            drafts: opts.drafts,
            url_style: config.url_style,
        },
    );
    let (pages, page_problems) = crate::pages::load(&config.pages_dir, config.url_style);
    archive.pages = pages;
    problems.extend(page_problems);
    lap("normalize", &mut report);
    let (errors, warnings): (Vec<Problem>, Vec<Problem>) = problems.into_iter().partition(Problem::is_error);
    if !errors.is_empty() {
        if !opts.skip_invalid {
            let mut all = errors;
            all.extend(warnings);
            return Err(InputErrors(all).into());
        }
        let mut files: Vec<PathBuf> = errors.iter().map(|p| p.path.clone()).collect();
        files.sort();
        files.dedup();
        report.skipped_files = files;
        report.problems.extend(errors);
    }
    report.problems.extend(warnings);

    let mut site = Site::new(&archive, config)?;
    site.search = !opts.no_search;
    lap("prepare", &mut report);
    let writer = Writer::open(&config.output_dir, &config.input_dirs())?;
    let bar = if opts.progress {
        let b = indicatif::ProgressBar::new(0);
        b.set_style(
            indicatif::ProgressStyle::with_template("{spinner} {msg} [{bar:30}] {pos}/{len} pages")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        b.set_message("rendering");
        b
    } else {
        indicatif::ProgressBar::hidden()
    };
    bar.set_length(site.jobs().len() as u64);
    let mut extra_problems = Vec::new();
    let tally = Tally::default();
    let put = |kind: &'static str, rel: String, bytes: Vec<u8>| {
        tally.add(kind, bytes.len());
        writer.put(rel, &bytes)
    };
    // The search index is the longest single task: it starts first, on a rayon
    // pool of its own, while the pages render on the global pool beside it. On a
    // shared pool rayon runs the renderer's queued jobs before the index's, so
    // the index's parallel steps waited for the last page; on their own threads
    // the cores are shared and Pagefind's one-thread steps overlap rendering.
    let search_task = || -> Result<Duration> {
        let started = Instant::now();
        if opts.no_search {
            return Ok(Duration::ZERO);
        }
        rayon::ThreadPoolBuilder::new()
            .num_threads(rayon::current_num_threads())
            .thread_name(|i| format!("podium-search-{i}"))
            .build()
            .context("starting the search indexing threads")?
            .install(|| write_search_index(&site, &writer, &tally, &put))?;
        Ok(started.elapsed())
    };
    let mut render_task = || -> Result<(usize, Duration)> {
        let started = Instant::now();
        let urls: Vec<String> = site.jobs().iter().map(|j| site.job_url(j)).collect();
        let pages = site.render_all(false, &|page| {
            bar.inc(1);
            put(
                page.job.kind(),
                crate::urls::file_for(&page.url),
                page.html.into_bytes(),
            )
        })?;
        for (rel, bytes) in render::static_files(&config.static_dir)? {
            put("theme static files", rel, bytes)?;
        }
        crate::thumbs::copy_used(&crate::thumbs::cache_dir(config), &site.used_thumbs(), &|rel, bytes| {
            put("thumbnails (copied from the cache)", rel, bytes)
        })?;
        site_outputs(&site, &urls, &mut extra_problems, &put)?;
        if !opts.no_search {
            bar.set_message("indexing");
        }
        Ok((pages, started.elapsed()))
    };
    let (rendered, searched) = std::thread::scope(|s| {
        let search = s.spawn(search_task);
        let rendered = render_task();
        let searched = search
            .join()
            .unwrap_or_else(|_| Err(anyhow::anyhow!("the search indexing thread panicked")));
        (rendered, searched)
    });
    let result = rendered.and_then(|r| Ok((r, searched?)));
    bar.finish_and_clear();
    let ((pages, render_time), search_time) = match result {
        Ok(r) => r,
        Err(e) => {
            writer.abort();
            return Err(e);
        }
    };
    report.problems.extend(extra_problems);
    // Rendering and indexing run side by side: each row is that task's own time,
    // and "(both)" the wall time of the two together.
    report.timings.push(("render", render_time));
    report.timings.push(("search", search_time));
    lap("(both)", &mut report);
    report.kinds = tally.into_rows();
    report.talks = archive.talks.len();
    report.events = archive.events.iter().filter(|e| !e.talks.is_empty()).count();
    report.speakers = archive.speakers.len();
    report.tags = archive.tags.len();
    report.pages = pages;
    writer.set_note("inputs", &fingerprint);
    writer.set_note(
        "counts",
        &format!(
            "{} {} {} {} {}",
            report.talks, report.events, report.speakers, report.tags, report.pages
        ),
    );
    report.write = writer.commit()?;
    lap("write", &mut report);
    Ok(report)
}

/// A hash of everything a build depends on: every input file's path, size and
/// modification time, the settings and options, and the podium binary itself.
fn fingerprint(config: &Config, opts: &BuildOptions) -> String {
    use std::hash::Hasher;
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    let add_tree = |dir: &std::path::Path, h: &mut xxhash_rust::xxh3::Xxh3| {
        for e in walkdir::WalkDir::new(dir)
            .follow_links(opts.follow_links)
            .sort_by_file_name()
            .into_iter()
            .flatten()
        {
            if let Ok(m) = e.metadata() {
                let mtime = m
                    .modified()
                    .ok()
                    .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok());
                h.write(e.path().as_os_str().as_encoded_bytes());
                h.write(format!("{} {:?} {}", m.len(), mtime, e.file_type().is_symlink()).as_bytes());
            }
        }
    };
    add_tree(&config.data_dir, &mut h);
    add_tree(&config.templates_dir, &mut h);
    add_tree(&config.static_dir, &mut h);
    // The thumbnails the pages use (`local` mode) come from the cache.
    if config.thumbnails == crate::thumbs::Mode::Local {
        add_tree(&crate::thumbs::cache_dir(config), &mut h);
    }
    add_tree(&config.pages_dir, &mut h);
    if let Ok(exe) = std::env::current_exe() {
        add_tree(&exe, &mut h);
    }
    // The output folder is where the fingerprint is kept, not an input: two builds of
    // the same input into different folders must write identical manifests.
    let settings = Config {
        output_dir: Default::default(),
        ..config.clone()
    };
    h.write(
        format!(
            "{settings:?} {} {} {} {}",
            opts.drafts, opts.follow_links, opts.skip_invalid, opts.no_search
        )
        .as_bytes(),
    );
    h.write(env!("CARGO_PKG_VERSION").as_bytes());
    format!("{:032x}", h.digest128())
}

/// The report of a build skipped because nothing changed, if nothing did.
fn unchanged(config: &Config, fingerprint: &str) -> Result<Option<BuildReport>> {
    if !config.output_dir.join(crate::write::MANIFEST).is_file() {
        return Ok(None);
    }
    let writer = Writer::open(&config.output_dir, &config.input_dirs())?;
    let counts: Option<Vec<usize>> = writer
        .old_note("counts")
        .map(|c| c.split(' ').filter_map(|n| n.parse().ok()).collect());
    let (Some(counts), true) = (
        counts,
        writer.old_note("inputs") == Some(fingerprint) && writer.old_site_intact(),
    ) else {
        writer.abort();
        return Ok(None);
    };
    let [talks, events, speakers, tags, pages] = counts[..] else {
        writer.abort();
        return Ok(None);
    };
    writer.keep_all()?;
    let write = writer.commit()?;
    Ok(Some(BuildReport {
        talks,
        events,
        speakers,
        tags,
        pages,
        write,
        ..BuildReport::default()
    }))
}
