//! `podium build`: load → normalize → render → write, with every input problem
//! reported before anything is written.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Result;

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

/// Everything beside the HTML pages: feeds, sitemap, robots.txt, redirects, JSON API.
fn site_outputs(site: &Site<'_>, problems: &mut Vec<Problem>) -> Result<Vec<(String, Vec<u8>)>> {
    let jobs = site.jobs();
    let urls: Vec<String> = jobs.iter().map(|j| site.job_url(j)).collect();
    let mut out = crate::feeds::render_feeds(site)?;
    out.extend(whole_site_outputs(site, &urls, problems)?);
    Ok(out)
}

/// The outputs built from the whole site at once (sitemap, robots.txt, redirects,
/// JSON API), given the URL of every page. `serve` regenerates these after each change.
pub fn whole_site_outputs(
    site: &Site<'_>,
    urls: &[String],
    problems: &mut Vec<Problem>,
) -> Result<Vec<(String, Vec<u8>)>> {
    let pages: std::collections::HashSet<String> = urls.iter().map(|u| crate::urls::file_for(u)).collect();
    let base = site.config.base();
    let mut sitemap_urls: Vec<String> = urls
        .iter()
        .filter(|u| !u.ends_with("/404.html"))
        .map(|u| format!("{base}{u}"))
        .collect();
    sitemap_urls.sort();
    let mut out = crate::sitemap::render(base, &sitemap_urls, crate::sitemap::MAX_URLS);
    out.push(crate::sitemap::robots(base));
    let (map, redirect_problems) = crate::redirects::collect(site, &pages);
    problems.extend(redirect_problems);
    out.extend(crate::redirects::render(site, &map)?);
    out.extend(crate::api::render(site));
    Ok(out)
}

/// Builds the site described by `config`. On any input error nothing is written
/// and the error is an [`InputErrors`] listing every problem.
pub fn build(config: &Config, opts: &BuildOptions) -> Result<BuildReport> {
    let mut report = BuildReport::default();
    let mut t = Instant::now();
    let mut lap = |name: &'static str, report: &mut BuildReport| {
        report.timings.push((name, t.elapsed()));
        t = Instant::now();
    };

    let loaded = load::load(
        &config.data_dir,
        &LoadOptions {
            follow_links: opts.follow_links,
        },
    )?;
    lap("load", &mut report);
    let (archive, problems) = normalize::normalize(
        loaded,
        &NormalizeOptions {
            drafts: opts.drafts,
            url_style: config.url_style,
        },
    );
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

    let site = Site::new(&archive, config)?;
    lap("prepare", &mut report);
    let writer = Writer::open(&config.output_dir)?;
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
    let result = (|| -> Result<usize> {
        let pages = site.render_all(&|rel, bytes| {
            bar.inc(1);
            writer.put(rel, &bytes)
        })?;
        for (rel, bytes) in render::static_files(&config.static_dir)? {
            writer.put(rel, &bytes)?;
        }
        for (rel, bytes) in site_outputs(&site, &mut extra_problems)? {
            writer.put(rel, &bytes)?;
        }
        Ok(pages)
    })();
    bar.finish_and_clear();
    let pages = match result {
        Ok(p) => p,
        Err(e) => {
            writer.abort();
            return Err(e);
        }
    };
    report.problems.extend(extra_problems);
    lap("render", &mut report);
    report.write = writer.commit()?;
    lap("write", &mut report);
    report.talks = archive.talks.len();
    report.events = archive.events.iter().filter(|e| !e.talks.is_empty()).count();
    report.speakers = archive.speakers.len();
    report.tags = archive.tags.len();
    report.pages = pages;
    Ok(report)
}
