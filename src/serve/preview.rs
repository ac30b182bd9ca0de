//! The preview site: built once into memory, then kept up to date change by change.
//!
//! [`Preview`] owns the raw records, the archive and the templates of the site
//! being served, and writes every output file into a shared [`Store`] that the
//! HTTP server reads. A change to talk files renders only the outputs it touches
//! (see [`super::deps`]): when one talk's own fields change, the archive is patched
//! in place (the fast path); any other data change runs `normalize` again and
//! compares the two archives. Whole-site files (sitemap, JSON API, redirects) are
//! regenerated after the pages are published, so they never delay a reload.
//!
//! A file that breaks is refused: its last good version stays in the site and its
//! errors are shown until it is fixed.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result};
use axum::body::Bytes;
use rayon::prelude::*;
use tera::Tera;
use tokio::sync::broadcast;

use super::deps::{self, Touched};
use crate::config::Config;
use crate::diag::Problem;
use crate::feeds::{self, FeedOf};
use crate::load::{self, LoadOptions, Loaded, RawTalk};
use crate::model::Archive;
use crate::normalize::{self, NormalizeOptions};
use crate::render::{self, Job, Site};
use crate::urls;

/// Switches of the preview, on top of the config.
#[derive(Debug, Clone, Default)]
pub struct PreviewOptions {
    /// Publish archive-API drafts.
    pub drafts: bool,
    /// Follow symbolic links inside the data folder.
    pub follow_links: bool,
}

/// The files of the site being served, shared with the HTTP server.
pub struct Store {
    files: RwLock<HashMap<String, Bytes>>,
    errors: RwLock<Arc<Vec<String>>>,
    generation: AtomicU64,
    reload: broadcast::Sender<u64>,
}

impl Store {
    /// An empty store.
    pub fn new() -> Arc<Store> {
        Arc::new(Store {
            files: RwLock::new(HashMap::new()),
            errors: RwLock::new(Arc::new(Vec::new())),
            generation: AtomicU64::new(0),
            reload: broadcast::channel(16).0,
        })
    }

    /// The file at `rel` (an output path such as `events/x/index.html`).
    pub fn get(&self, rel: &str) -> Option<Bytes> {
        self.files.read().unwrap_or_else(|e| e.into_inner()).get(rel).cloned()
    }

    /// Every file, for tests and checks.
    pub fn snapshot(&self) -> HashMap<String, Bytes> {
        self.files.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// The errors to show over every page (empty when the site is fine).
    pub fn errors(&self) -> Arc<Vec<String>> {
        self.errors.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Counts published changes; each one is also sent to [`Store::subscribe`]rs.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    /// Notifications of published changes (for live reload).
    pub fn subscribe(&self) -> broadcast::Receiver<u64> {
        self.reload.subscribe()
    }

    fn apply(&self, updates: Vec<(String, Option<Bytes>)>) {
        let mut files = self.files.write().unwrap_or_else(|e| e.into_inner());
        for (k, v) in updates {
            match v {
                Some(b) => {
                    files.insert(k, b);
                }
                None => {
                    files.remove(&k);
                }
            }
        }
    }

    fn replace(&self, all: HashMap<String, Bytes>) {
        *self.files.write().unwrap_or_else(|e| e.into_inner()) = all;
    }

    /// Sets the errors shown over every page.
    pub fn set_errors(&self, errors: Vec<String>) {
        *self.errors.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(errors);
    }

    /// Tells open browsers to reload.
    pub fn announce(&self) {
        let g = self.generation.fetch_add(1, Ordering::SeqCst) + 1;
        // No receiver (no open browser) is fine.
        let _ = self.reload.send(g);
    }
}

/// What changed on disk.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Change {
    /// A file or folder under the data folder (as a path under `config.data_dir`).
    Data(PathBuf),
    Templates,
    Static,
}

/// How an update was done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Nothing to do, or every changed file was refused.
    Nothing,
    /// One talk patched in place.
    Fast,
    /// Records read again and the archive rebuilt, then compared.
    Incremental,
    /// Every output rendered again (templates changed).
    Full,
    /// Static files only.
    Static,
}

/// What an update did, for the terminal.
#[derive(Debug)]
pub struct Report {
    pub mode: Mode,
    /// Pages and feeds rendered.
    pub rendered: usize,
    /// Output files removed.
    pub removed: usize,
    /// From the change to the pages being published.
    pub elapsed: Duration,
    /// Problems of the changed files (errors of refused files included).
    pub problems: Vec<Problem>,
}

/// Templates and per-talk texts, lent to a [`Site`] for each render.
#[derive(Default)]
struct Parts {
    tera: Tera,
    descriptions: Vec<String>,
    leads: Vec<String>,
}

/// The site being served and everything needed to update it.
pub struct Preview {
    config: Config,
    options: PreviewOptions,
    store: Arc<Store>,
    /// Accepted raw input: the data folder, except that refused files keep their last good version.
    loaded: Loaded,
    archive: Archive,
    parts: Parts,
    /// Problems of the accepted input.
    problems: Vec<Problem>,
    /// Files whose latest version is refused, with the reasons.
    refused: BTreeMap<PathBuf, Vec<Problem>>,
    /// A templates or static-files error, shown until fixed.
    setup_error: Option<String>,
    /// Page URL → job, for every page.
    index: HashMap<String, Job>,
    /// Page URL → feed, for every feed.
    feed_index: HashMap<String, FeedOf>,
    /// Output paths of the whole-site files and of the static files.
    whole_keys: HashSet<String>,
    static_keys: HashSet<String>,
}

type Rendered = Vec<(String, Bytes)>;

fn clone_loaded(l: &Loaded) -> Loaded {
    Loaded {
        root: l.root.clone(),
        events: l.events.clone(),
        talks: l.talks.clone(),
        no_publish: l.no_publish.clone(),
        redirects: l.redirects.clone(),
        problems: l.problems.clone(),
    }
}

/// Lends the parts to a site over `archive` for the time of `f`.
fn with_site<R>(archive: &Archive, config: &Config, parts: &mut Parts, f: impl FnOnce(&Site<'_>) -> R) -> Result<R> {
    let mut site = Site::with_parts(
        archive,
        config,
        std::mem::take(&mut parts.tera),
        std::mem::take(&mut parts.descriptions),
        std::mem::take(&mut parts.leads),
    )?;
    let r = f(&site);
    parts.tera = std::mem::take(&mut site.tera);
    parts.descriptions = std::mem::take(&mut site.descriptions);
    parts.leads = std::mem::take(&mut site.leads);
    Ok(r)
}

/// A site over `archive` for URL and relation look-ups only (it cannot render).
fn lookup_site<'a>(archive: &'a Archive, config: &'a Config) -> Result<Site<'a>> {
    Site::with_parts(archive, config, Tera::default(), Vec::new(), Vec::new())
}

fn page_index(site: &Site<'_>) -> HashMap<String, Job> {
    site.jobs().into_iter().map(|j| (site.job_url(&j), j)).collect()
}

fn feed_index(site: &Site<'_>) -> HashMap<String, FeedOf> {
    feeds::all_feeds(site)
        .into_iter()
        .map(|f| (feeds::feed_page(site, f), f))
        .collect()
}

fn feed_keys(page: &str) -> [String; 2] {
    let (atom, rss) = Site::feed_urls(page);
    [urls::file_for(&atom), urls::file_for(&rss)]
}

fn render_pages(site: &Site<'_>, jobs: &[Job]) -> Result<Rendered> {
    jobs.par_iter()
        .map(|job| {
            let (url, html) = site
                .render_job(job)
                .with_context(|| format!("while rendering {job:?}"))?;
            Ok((urls::file_for(&url), Bytes::from(html)))
        })
        .collect()
}

fn render_feeds(site: &Site<'_>, list: &[FeedOf]) -> Result<Rendered> {
    let out: Result<Vec<Vec<crate::write::OutFile>>> =
        list.par_iter().map(|&f| feeds::render_feed_of(site, f)).collect();
    Ok(out?.into_iter().flatten().map(|(k, v)| (k, Bytes::from(v))).collect())
}

fn read_static(config: &Config) -> Result<Rendered> {
    Ok(render::static_files(&config.static_dir)?
        .into_iter()
        .map(|(k, v)| (k, Bytes::from(v)))
        .collect())
}

/// The folder (relative to the data root) of the nearest `category.json` above `rel`.
fn event_dir_of(root: &Path, rel: &Path) -> Option<PathBuf> {
    rel.ancestors()
        .skip(1)
        .find(|a| root.join(a).join("category.json").is_file())
        .map(Path::to_path_buf)
}

/// Reads and parses one talk file as `load` would.
fn read_talk_file(root: &Path, path: &Path) -> std::result::Result<Vec<RawTalk>, Problem> {
    let meta = std::fs::metadata(path).map_err(|e| Problem::error(path, format!("cannot read: {e}")))?;
    if meta.len() > load::MAX_FILE_SIZE {
        return Err(Problem::error(path, "file is too large; files over 32 MB are refused"));
    }
    let bytes = std::fs::read(path).map_err(|e| Problem::error(path, format!("cannot read: {e}")))?;
    let rel = path.strip_prefix(root).unwrap_or(path);
    load::parse_talks(path, &bytes, event_dir_of(root, rel))
}

/// How a changed data path is handled.
enum DataChange {
    /// A talk file was written or removed.
    Talks(PathBuf),
    /// Something that can change many records (a `category.json`, `NO_PUBLISH.json`,
    /// `redirects.txt`, a folder): the data folder is read again.
    Reload,
    Ignore,
}

fn classify(root: &Path, path: &Path, follow_links: bool) -> DataChange {
    let Ok(rel) = path.strip_prefix(root) else {
        return DataChange::Ignore;
    };
    if rel
        .components()
        .any(|c| c.as_os_str().to_string_lossy().starts_with('.'))
    {
        return DataChange::Ignore;
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let top = rel.components().count() == 1;
    let is_link = path.symlink_metadata().is_ok_and(|m| m.file_type().is_symlink());
    if name == "category.json" || (top && (name == "NO_PUBLISH.json" || name == "redirects.txt")) {
        DataChange::Reload
    } else if name.ends_with(".json") && !(is_link && follow_links) && !path.is_dir() {
        if is_link {
            // Not followed: `load` warns about it and skips it; reading again says so.
            DataChange::Reload
        } else {
            DataChange::Talks(path.to_path_buf())
        }
    } else if path.is_dir() || !path.exists() {
        // A folder appeared, moved or went away (or a file we cannot tell from one).
        DataChange::Reload
    } else {
        DataChange::Ignore
    }
}

impl Preview {
    /// Builds the whole site into `store`. Data errors do not stop it: the files in
    /// error are left out and their errors shown over the pages until fixed.
    pub fn new(config: Config, options: PreviewOptions, store: Arc<Store>) -> Result<Preview> {
        let loaded = load::load(
            &config.data_dir,
            &LoadOptions {
                follow_links: options.follow_links,
            },
        )?;
        let (archive, problems) = normalize::normalize(clone_loaded(&loaded), &normalize_options(&config, &options));
        let tera = render::load_templates(&config.templates_dir)?;
        let (descriptions, leads) = archive.talks.par_iter().map(render::talk_texts).unzip();
        let mut preview = Preview {
            config,
            options,
            store,
            loaded,
            archive,
            parts: Parts {
                tera,
                descriptions,
                leads,
            },
            problems,
            refused: BTreeMap::new(),
            setup_error: None,
            index: HashMap::new(),
            feed_index: HashMap::new(),
            whole_keys: HashSet::new(),
            static_keys: HashSet::new(),
        };
        let all = preview.render_everything()?;
        preview.store.replace(all);
        preview.publish_errors();
        Ok(preview)
    }

    /// The archive being served.
    pub fn archive(&self) -> &Archive {
        &self.archive
    }

    /// Problems of the input being served (warnings, and errors of files left out).
    pub fn problems(&self) -> &[Problem] {
        &self.problems
    }

    /// The errors shown over the pages: files in error, refused files, templates.
    pub fn errors(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .problems
            .iter()
            .filter(|p| p.is_error() && !self.refused.contains_key(&p.path))
            .map(ToString::to_string)
            .collect();
        for (path, problems) in &self.refused {
            out.extend(problems.iter().filter(|p| p.is_error()).map(ToString::to_string));
            out.push(format!(
                "{}: the last good version of this file is shown until it is fixed",
                path.display()
            ));
        }
        out.extend(self.setup_error.clone());
        out
    }

    fn publish_errors(&self) {
        self.store.set_errors(self.errors());
    }

    /// Renders every output; rebuilds the indexes. Nothing is published.
    fn render_everything(&mut self) -> Result<HashMap<String, Bytes>> {
        let mut problems = Vec::new();
        let rendered = with_site(&self.archive, &self.config, &mut self.parts, |site| -> Result<_> {
            let index = page_index(site);
            let feed_index = feed_index(site);
            let collected = Mutex::new(HashMap::with_capacity(index.len() * 2));
            site.render_all(&|rel, bytes| {
                let mut map = collected.lock().unwrap_or_else(|e| e.into_inner());
                map.insert(rel, Bytes::from(bytes));
                Ok(())
            })?;
            let mut out = collected.into_inner().unwrap_or_else(|e| e.into_inner());
            let feeds: Vec<FeedOf> = feed_index.values().copied().collect();
            out.extend(render_feeds(site, &feeds)?);
            let urls: Vec<String> = index.keys().cloned().collect();
            let whole = crate::build::whole_site_outputs(site, &urls, &mut problems)?;
            Ok((index, feed_index, out, whole))
        })?;
        let (index, feed_index, mut out, whole) = rendered?;
        self.whole_keys = whole.iter().map(|(k, _)| k.clone()).collect();
        out.extend(whole.into_iter().map(|(k, v)| (k, Bytes::from(v))));
        let statics = read_static(&self.config)?;
        self.static_keys = statics.iter().map(|(k, _)| k.clone()).collect();
        out.extend(statics);
        self.index = index;
        self.feed_index = feed_index;
        Ok(out)
    }

    /// Applies a batch of changes and publishes the result.
    pub fn update(&mut self, changes: &[Change]) -> Report {
        let started = Instant::now();
        let mut report = Report {
            mode: Mode::Nothing,
            rendered: 0,
            removed: 0,
            elapsed: Duration::ZERO,
            problems: Vec::new(),
        };
        let templates = changes.contains(&Change::Templates);
        if changes.contains(&Change::Static) && !templates {
            match self.update_static() {
                Ok(n) => {
                    report.mode = Mode::Static;
                    report.rendered += n;
                    if self.setup_error.as_deref().is_some_and(|e| e.starts_with("static")) {
                        self.setup_error = None;
                    }
                }
                Err(e) => self.setup_error = Some(format!("static files: {e:#}")),
            }
        }
        let data: Vec<&Path> = changes
            .iter()
            .filter_map(|c| match c {
                Change::Data(p) => Some(p.as_path()),
                _ => None,
            })
            .collect();
        if !data.is_empty() {
            self.update_data(&data, templates, &mut report);
        }
        if templates {
            self.update_templates(&mut report);
        }
        report.elapsed = started.elapsed();
        self.publish_errors();
        self.store.announce();
        if matches!(report.mode, Mode::Fast | Mode::Incremental) {
            self.update_whole_site();
        }
        report
    }

    fn update_static(&mut self) -> Result<usize> {
        let statics = read_static(&self.config)?;
        let keys: HashSet<String> = statics.iter().map(|(k, _)| k.clone()).collect();
        let mut updates: Vec<(String, Option<Bytes>)> =
            self.static_keys.difference(&keys).map(|k| (k.clone(), None)).collect();
        let n = statics.len();
        updates.extend(statics.into_iter().map(|(k, v)| (k, Some(v))));
        self.store.apply(updates);
        self.static_keys = keys;
        Ok(n)
    }

    fn update_templates(&mut self, report: &mut Report) {
        let tera = match render::load_templates(&self.config.templates_dir) {
            Ok(t) => t,
            Err(e) => {
                self.setup_error = Some(format!("templates: {e:#}"));
                return;
            }
        };
        let old = std::mem::replace(&mut self.parts.tera, tera);
        let (index, feed_index, whole, statics) = (
            self.index.clone(),
            self.feed_index.clone(),
            self.whole_keys.clone(),
            self.static_keys.clone(),
        );
        match self.render_everything() {
            Ok(all) => {
                report.mode = Mode::Full;
                report.rendered = all.len();
                self.store.replace(all);
                self.setup_error = None;
            }
            Err(e) => {
                self.parts.tera = old;
                (self.index, self.feed_index, self.whole_keys, self.static_keys) = (index, feed_index, whole, statics);
                self.setup_error = Some(format!("templates: {e:#}"));
            }
        }
    }

    /// Re-reads changed data files and updates the site, or refuses the files in error.
    fn update_data(&mut self, paths: &[&Path], model_only: bool, report: &mut Report) {
        let root = self.config.data_dir.clone();
        let mut reload = false;
        let mut files: Vec<PathBuf> = Vec::new();
        // Refused files are tried again with every change, so they recover when a
        // file they clashed with is fixed.
        for p in paths.iter().copied().chain(self.refused.keys().map(PathBuf::as_path)) {
            match classify(&root, p, self.options.follow_links) {
                DataChange::Talks(f) => files.push(f),
                DataChange::Reload => reload = true,
                DataChange::Ignore => {}
            }
        }
        files.sort();
        files.dedup();
        if files.is_empty() && !reload {
            return;
        }

        let mut candidate = if reload {
            match load::load(
                &root,
                &LoadOptions {
                    follow_links: self.options.follow_links,
                },
            ) {
                Ok(l) => l,
                Err(e) => {
                    report.problems.push(Problem::error(&root, format!("{e:#}")));
                    return;
                }
            }
        } else {
            let mut c = clone_loaded(&self.loaded);
            for f in &files {
                c.talks.retain(|t| t.path != *f);
                c.problems.retain(|p| p.path != *f);
                if f.is_file() {
                    match read_talk_file(&root, f) {
                        Ok(records) => c.talks.extend(records),
                        Err(p) => c.problems.push(p),
                    }
                }
            }
            c
        };
        let mut touched: HashSet<PathBuf> = files.iter().cloned().collect();
        // A file that no longer parses keeps its last good records (if it had any).
        let mut refused: BTreeMap<PathBuf, Vec<Problem>> = BTreeMap::new();
        let fresh: Vec<Problem> = candidate
            .problems
            .iter()
            .filter(|p| p.is_error() && !self.loaded.problems.contains(p))
            .cloned()
            .collect();
        for p in fresh {
            candidate.problems.retain(|q| q != &p);
            candidate.talks.retain(|t| t.path != p.path);
            candidate
                .talks
                .extend(self.loaded.talks.iter().filter(|t| t.path == p.path).cloned());
            candidate.events.retain(|e| e.path != p.path);
            candidate
                .events
                .extend(self.loaded.events.iter().filter(|e| e.path == p.path).cloned());
            if p.path.file_name().is_some_and(|n| n == "NO_PUBLISH.json") {
                candidate.no_publish = self.loaded.no_publish.clone();
            }
            touched.remove(&p.path);
            refused.entry(p.path.clone()).or_default().push(p);
        }
        if touched.is_empty() && !reload {
            report.problems = refused.values().flatten().cloned().collect();
            self.refused.extend(refused);
            return;
        }

        if !reload && !model_only && files.len() == 1 && refused.is_empty() {
            if let Some(done) = self.try_fast(&files[0], &candidate, report) {
                if done {
                    self.refused.remove(&files[0]);
                }
                return;
            }
        }
        self.update_slow(candidate, touched, refused, (reload, model_only), report);
    }

    /// Puts the accepted records (and load problems) of `files` back into `candidate`.
    fn restore(&self, candidate: &mut Loaded, files: &HashSet<PathBuf>) {
        candidate.talks.retain(|t| !files.contains(&t.path));
        candidate.problems.retain(|p| !files.contains(&p.path));
        candidate
            .talks
            .extend(self.loaded.talks.iter().filter(|t| files.contains(&t.path)).cloned());
        candidate
            .problems
            .extend(self.loaded.problems.iter().filter(|p| files.contains(&p.path)).cloned());
    }

    /// The fast path: one talk file whose record keeps everything that places it in
    /// the archive (speakers, tags, language, date, event, id, position). `None` when
    /// it does not apply; `Some(accepted)` when handled.
    fn try_fast(&mut self, path: &Path, candidate: &Loaded, report: &mut Report) -> Option<bool> {
        let new_raw: Vec<&RawTalk> = candidate.talks.iter().filter(|t| t.path == path).collect();
        let old_pos: Vec<usize> = (0..self.loaded.talks.len())
            .filter(|&i| self.loaded.talks[i].path == path)
            .collect();
        let ([new_raw], [old_pos]) = (new_raw.as_slice(), old_pos.as_slice()) else {
            return None;
        };
        let old_raw = &self.loaded.talks[*old_pos];
        let i = self.archive.talks.iter().position(|t| t.source == path)?;
        if self.archive.talks.iter().filter(|t| t.source == path).count() != 1
            || old_raw.format != new_raw.format
            || old_raw.index != new_raw.index
            || old_raw.record.category != new_raw.record.category
            || old_raw.record.id != new_raw.record.id
            || (old_raw.record.state == Some(2)) != (new_raw.record.state == Some(2))
        {
            return None;
        }
        if let Some(id) = new_raw.record.id {
            let same = self.loaded.talks.iter().filter(|t| t.record.id == Some(id)).count();
            if same != 1 {
                return None;
            }
        }
        let current = &self.archive.talks[i];
        let mut old_problems = Vec::new();
        let (old_talk, old_sp, old_tags, old_lang) =
            normalize::talk_from((*old_raw).clone(), current.event, &mut old_problems)?;
        let mut new_problems = Vec::new();
        let Some((mut talk, sp, tags, lang)) =
            normalize::talk_from((*new_raw).clone(), current.event, &mut new_problems)
        else {
            // The record is no longer valid: keep the last good one.
            self.refused.insert(path.to_path_buf(), new_problems.clone());
            report.problems = new_problems;
            return Some(false);
        };
        if sp != old_sp || tags != old_tags || lang != old_lang || talk.date != old_talk.date {
            return None;
        }
        // The slug: unchanged, or a new wish that no other talk of the event contends for.
        let ev = &self.archive.events[current.event];
        if talk.slug == old_talk.slug {
            talk.slug = current.slug.clone();
        } else {
            let suffixed = |s: &str| {
                s.rsplit_once('-')
                    .is_some_and(|(_, n)| n.bytes().all(|b| b.is_ascii_digit()))
            };
            let taken = ev
                .talks
                .iter()
                .any(|&x| x != i && self.archive.talks[x].slug == talk.slug);
            if current.slug != old_talk.slug
                || taken
                || crate::slugs::RESERVED.contains(&talk.slug.as_str())
                || suffixed(&talk.slug)
                || suffixed(&old_talk.slug)
            {
                return None;
            }
        }
        // The position in the archive's order.
        talk.event = current.event;
        let key = normalize::fold(&talk.title);
        let events = &self.archive.events;
        let before = |x: usize| {
            let other = &self.archive.talks[x];
            normalize::talk_order((other, &normalize::fold(&other.title)), (&talk, &key), events)
                == std::cmp::Ordering::Less
        };
        let after = |x: usize| {
            let other = &self.archive.talks[x];
            normalize::talk_order((&talk, &key), (other, &normalize::fold(&other.title)), events)
                == std::cmp::Ordering::Less
        };
        if (i > 0 && !before(i - 1)) || (i + 1 < self.archive.talks.len() && !after(i + 1)) {
            return None;
        }

        // Patch the talk in place.
        talk.speakers = current.speakers.clone();
        talk.tags = current.tags.clone();
        talk.language = current.language;
        let card = talk.title != current.title || talk.slug != current.slug || talk.duration != current.duration;
        let old_url = if talk.slug == current.slug {
            None
        } else {
            Some(lookup_site(&self.archive, &self.config).ok()?.talk_url(i).to_string())
        };
        let (description, lead) = render::talk_texts(&talk);
        self.archive.talks[i] = talk;
        self.parts.descriptions[i] = description;
        self.parts.leads[i] = lead;
        self.loaded.talks[*old_pos] = (*new_raw).clone();
        self.problems.retain(|p| p.path != path);
        self.problems.extend(new_problems.iter().cloned());
        self.problems.sort();
        report.problems = new_problems;

        let result = with_site(&self.archive, &self.config, &mut self.parts, |site| {
            let mut touched = Touched::default();
            let new_url = site.talk_url(i).to_string();
            if card {
                deps::card_pages(site, i, &mut touched.pages);
            }
            touched.pages.insert(new_url.clone());
            deps::talk_feeds(site, i, &mut touched.feeds);
            deps::always(site, &mut touched);
            (new_url, touched)
        });
        let Ok((new_url, touched)) = result else {
            return Some(true);
        };
        let mut removed = Vec::new();
        if let Some(old_url) = old_url.filter(|u| *u != new_url) {
            self.index.remove(&old_url);
            self.index.insert(new_url, Job::Talk(i));
            removed.push(urls::file_for(&old_url));
        }
        report.mode = Mode::Fast;
        self.publish_touched(touched, &removed, &HashSet::new(), report);
        Some(true)
    }

    /// The general path: normalize the candidate input and compare it with the site
    /// being served. Files whose records bring new errors are refused.
    fn update_slow(
        &mut self,
        mut candidate: Loaded,
        mut touched: HashSet<PathBuf>,
        mut refused: BTreeMap<PathBuf, Vec<Problem>>,
        (reload, model_only): (bool, bool),
        report: &mut Report,
    ) {
        let opts = normalize_options(&self.config, &self.options);
        let baseline: std::collections::BTreeSet<Problem> =
            self.problems.iter().filter(|p| p.is_error()).cloned().collect();
        let mut attempts = 0;
        let (archive, problems) = loop {
            let (archive, problems) = normalize::normalize(clone_loaded(&candidate), &opts);
            let fresh: Vec<Problem> = problems
                .iter()
                .filter(|p| p.is_error() && !baseline.contains(p))
                .cloned()
                .collect();
            if fresh.is_empty() {
                break (archive, problems);
            }
            // Refuse the changed files in error (all changed files when the errors are
            // elsewhere, e.g. an id clashing with another file): their last good
            // records come back, and the other changes are tried again.
            attempts += 1;
            let mut culprits: HashSet<PathBuf> = fresh
                .iter()
                .map(|p| p.path.clone())
                .filter(|p| touched.contains(p))
                .collect();
            if culprits.is_empty() {
                culprits = touched.clone();
            }
            let stuck = culprits.is_empty();
            let first = culprits.iter().min().cloned();
            for p in fresh {
                let key = match &first {
                    Some(f) if !culprits.contains(&p.path) => f.clone(),
                    _ => p.path.clone(),
                };
                refused.entry(key).or_default().push(p);
            }
            self.restore(&mut candidate, &culprits);
            touched.retain(|f| !culprits.contains(f));
            if stuck || (touched.is_empty() && !reload) || attempts >= 3 {
                for (p, errors) in refused {
                    report.problems.extend(errors.iter().cloned());
                    self.refused.insert(p, errors);
                }
                return;
            }
        };
        report.problems = problems
            .iter()
            .filter(|p| touched.contains(&p.path))
            .cloned()
            .chain(refused.values().flatten().cloned())
            .collect();
        for f in &touched {
            self.refused.remove(f);
        }
        self.refused.extend(refused);

        // Carry over the texts of talks whose files did not change.
        let old_archive = std::mem::replace(&mut self.archive, archive);
        let mut old_texts: HashMap<(PathBuf, usize), (String, String)> = HashMap::new();
        {
            let mut rank: HashMap<&Path, usize> = HashMap::new();
            for (i, t) in old_archive.talks.iter().enumerate() {
                let n = rank.entry(t.source.as_path()).or_default();
                *n += 1;
                if !touched.contains(&t.source) {
                    old_texts.insert(
                        (t.source.clone(), *n),
                        (
                            std::mem::take(&mut self.parts.descriptions[i]),
                            std::mem::take(&mut self.parts.leads[i]),
                        ),
                    );
                }
            }
        }
        let mut rank: HashMap<&Path, usize> = HashMap::new();
        let keys: Vec<(PathBuf, usize)> = self
            .archive
            .talks
            .iter()
            .map(|t| {
                let n = rank.entry(t.source.as_path()).or_default();
                *n += 1;
                (t.source.clone(), *n)
            })
            .collect();
        let (descriptions, leads): (Vec<String>, Vec<String>) = self
            .archive
            .talks
            .par_iter()
            .zip(keys.par_iter())
            .map(|(t, k)| match old_texts.get(k) {
                Some((d, l)) => (d.clone(), l.clone()),
                None => render::talk_texts(t),
            })
            .unzip();
        self.parts.descriptions = descriptions;
        self.parts.leads = leads;
        self.loaded = candidate;
        self.problems = problems;
        if model_only {
            return;
        }

        let old_index = std::mem::take(&mut self.index);
        let old_feeds = std::mem::take(&mut self.feed_index);
        let Ok(old_site) = lookup_site(&old_archive, &self.config) else {
            return;
        };
        let result = with_site(&self.archive, &self.config, &mut self.parts, |site| {
            let index = page_index(site);
            let feed_index = feed_index(site);
            let touched = deps::diff(&old_site, site, &touched);
            (index, feed_index, touched)
        });
        let Ok((index, feed_index, mut changed)) = result else {
            return;
        };
        // New pages and feeds are rendered; vanished ones removed.
        changed
            .pages
            .extend(index.keys().filter(|u| !old_index.contains_key(*u)).cloned());
        changed
            .feeds
            .extend(feed_index.keys().filter(|u| !old_feeds.contains_key(*u)).cloned());
        let removed: Vec<String> = old_index
            .keys()
            .filter(|u| !index.contains_key(*u))
            .map(|u| urls::file_for(u))
            .collect();
        let removed_feeds: HashSet<String> = old_feeds
            .keys()
            .filter(|u| !feed_index.contains_key(*u))
            .cloned()
            .collect();
        self.index = index;
        self.feed_index = feed_index;
        report.mode = Mode::Incremental;
        self.publish_touched(changed, &removed, &removed_feeds, report);
    }

    /// Renders the touched pages and feeds of the current archive and publishes them.
    fn publish_touched(
        &mut self,
        touched: Touched,
        removed: &[String],
        removed_feeds: &HashSet<String>,
        report: &mut Report,
    ) {
        let mut jobs: Vec<Job> = Vec::new();
        for url in &touched.pages {
            if let Some(job) = self.index.get(url) {
                jobs.push(*job);
            }
        }
        // Pages of kinds this module does not know about are always rendered.
        jobs.extend(
            self.index
                .values()
                .filter(|j| {
                    !matches!(
                        j,
                        Job::Home
                            | Job::Events
                            | Job::Search
                            | Job::NotFound
                            | Job::Talk(_)
                            | Job::Event(..)
                            | Job::Terms(..)
                            | Job::Term(..)
                    )
                })
                .copied(),
        );
        let feeds: Vec<FeedOf> = touched
            .feeds
            .iter()
            .filter_map(|u| self.feed_index.get(u).copied())
            .collect();
        let rendered = with_site(&self.archive, &self.config, &mut self.parts, |site| {
            let mut out = render_pages(site, &jobs)?;
            out.extend(render_feeds(site, &feeds)?);
            Ok::<_, anyhow::Error>(out)
        });
        let out = match rendered.and_then(|r| r) {
            Ok(out) => out,
            Err(e) => {
                self.setup_error = Some(format!("rendering: {e:#}"));
                return;
            }
        };
        report.rendered += out.len();
        let mut updates: Vec<(String, Option<Bytes>)> = Vec::with_capacity(out.len() + removed.len());
        for k in removed {
            updates.push((k.clone(), None));
        }
        for page in removed_feeds {
            updates.extend(feed_keys(page).into_iter().map(|k| (k, None)));
        }
        report.removed += updates.len();
        updates.extend(out.into_iter().map(|(k, v)| (k, Some(v))));
        self.store.apply(updates);
    }

    /// Regenerates the whole-site files (sitemap, robots.txt, redirects, JSON API).
    fn update_whole_site(&mut self) {
        let mut problems = Vec::new();
        let urls: Vec<String> = self.index.keys().cloned().collect();
        let result = with_site(&self.archive, &self.config, &mut self.parts, |site| {
            crate::build::whole_site_outputs(site, &urls, &mut problems)
        });
        let Ok(Ok(whole)) = result else {
            return;
        };
        let keys: HashSet<String> = whole.iter().map(|(k, _)| k.clone()).collect();
        let pages: HashSet<String> = self.index.keys().map(|u| urls::file_for(u)).collect();
        let mut updates: Vec<(String, Option<Bytes>)> = self
            .whole_keys
            .difference(&keys)
            .filter(|k| !pages.contains(*k) && !self.static_keys.contains(*k))
            .map(|k| (k.clone(), None))
            .collect();
        updates.extend(whole.into_iter().map(|(k, v)| (k, Some(Bytes::from(v)))));
        self.store.apply(updates);
        self.whole_keys = keys;
    }
}

fn normalize_options(config: &Config, options: &PreviewOptions) -> NormalizeOptions {
    NormalizeOptions {
        drafts: options.drafts,
        url_style: config.url_style,
    }
}
