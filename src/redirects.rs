//! Old links keep working: redirect pages (meta refresh + canonical, no JS needed)
//! for talk aliases, the old archive's `/video/<id>/` paths and `redirects.txt`,
//! plus the same list as a `_redirects` file for static hosts.
//!
//! Alias values are untrusted: a source that would leave the output folder or
//! replace a real page is reported and skipped.

use std::collections::{BTreeMap, HashMap, HashSet};

use anyhow::Result;
use serde::Serialize;
use tera::Context;

use crate::diag::Problem;
use crate::render::Site;
use crate::slugs;

/// Old path (site-relative, decoded) → new URL (site-relative or absolute).
pub type RedirectMap = BTreeMap<String, String>;

#[derive(Serialize)]
struct RedirectView<'a> {
    target: &'a str,
    canonical: String,
}

/// The output file a redirect source is served from, or `None` if the path is unsafe.
pub fn source_file(path: &str) -> Option<String> {
    let decoded = percent_encoding::percent_decode_str(path.trim()).decode_utf8().ok()?;
    let rel = decoded.trim_start_matches('/');
    if rel.is_empty() || rel.len() > 400 {
        return None;
    }
    let dir_like = rel.ends_with('/');
    let rel = rel.trim_end_matches('/');
    let safe = rel.split('/').all(|seg| {
        !seg.is_empty()
            && seg != "."
            && seg != ".."
            && seg.len() <= 200
            && !seg.starts_with('.')
            && !seg.chars().any(|c| {
                c.is_control()
                    || c.is_whitespace()
                    || matches!(c, '\\' | ':' | '%' | '?' | '#' | '"' | '<' | '>' | '*' | '|')
            })
    });
    if !safe {
        return None;
    }
    // An old page URL names a file only when it says `.html`; else a folder.
    let url = if !dir_like && (rel.ends_with(".html") || rel.ends_with(".htm")) {
        rel.to_string()
    } else {
        format!("{rel}/")
    };
    Some(crate::urls::file_for(&url))
}

/// The files a build writes besides its redirects: pages, feeds, static and theme
/// files, sitemap, robots.txt, API, `_redirects` and the search folders. A
/// redirect may take none of them, nor a path below one (a folder where the file
/// is), nor a folder that holds one (nor anything under `thumbs/` or a search
/// folder, whose files come and go with the cache and the index), so that a build is the same fresh or over
/// an old site, and an alias can never turn `static/style.css` into a folder.
#[derive(Debug, Default)]
pub struct Taken {
    files: HashSet<String>,
    /// Every folder that holds a taken file (`a`, `a/b` for `a/b/c.html`).
    dirs: HashSet<String>,
}

impl Taken {
    /// The set of `files` (site-relative output paths) plus `_redirects`.
    pub fn new(files: impl IntoIterator<Item = String>) -> Taken {
        let mut t = Taken::default();
        for f in files {
            t.add(f);
        }
        t.add(NETLIFY.to_string());
        t
    }

    fn add(&mut self, file: String) {
        for (i, _) in file.match_indices('/') {
            self.dirs.insert(file[..i].to_string());
        }
        self.files.insert(file);
    }

    /// The taken path that `file` (a redirect's output file) would collide with, if any.
    pub fn collision<'a>(&self, file: &'a str) -> Option<&'a str> {
        if self.files.contains(file) || self.dirs.contains(file) {
            return Some(file);
        }
        file.match_indices('/')
            .map(|(i, _)| &file[..i])
            .find(|dir| self.files.contains(*dir) || crate::search::is_search_path(&format!("{dir}/")))
    }
}

/// The file static hosts read the redirect list from.
const NETLIFY: &str = "_redirects";

/// Collects every redirect of the site. `taken` holds every other file the build writes.
pub fn collect(site: &Site<'_>, taken: &Taken) -> (RedirectMap, Vec<Problem>) {
    let a = site.archive;
    let mut problems = Vec::new();
    let mut map = RedirectMap::new();
    let mut files: HashMap<String, String> = HashMap::new();
    let mut mine = Taken::default();
    let mut add = |from: &str, to: &str, origin: &Problem, problems: &mut Vec<Problem>| {
        let warn = |message: String| {
            let mut p = origin.clone();
            p.message = message;
            p
        };
        let Some(file) = source_file(from) else {
            problems.push(warn(format!(
                "redirect from `{from}` is not a safe path inside the site; skipped"
            )));
            return;
        };
        if taken.files.contains(&file) && to.trim_end_matches('/') == from.trim_end_matches('/') {
            // An alias naming the talk's own page: nothing to redirect.
            return;
        }
        if files.contains_key(&file) {
            return;
        }
        if let Some(hit) = taken.collision(&file).or_else(|| mine.collision(&file)) {
            problems.push(warn(format!(
                "redirect from `{from}` collides with `{hit}`, which the build writes; skipped"
            )));
            return;
        }
        let key = format!("/{}", file.strip_suffix("index.html").unwrap_or(&file));
        mine.add(file.clone());
        files.insert(file, to.to_string());
        map.insert(key, to.to_string());
    };
    for (t, talk) in a.talks.iter().enumerate() {
        let to = site.talk_url(t).to_string();
        let origin = Problem::warning(&talk.source, String::new());
        for alias in &talk.aliases {
            add(alias, &to, &origin, &mut problems);
        }
        if let Some(id) = talk.id {
            add(&format!("/video/{id}/"), &to, &origin, &mut problems);
            add(&format!("/video/{id}/{}/", talk.slug), &to, &origin, &mut problems);
        }
    }
    let path = site.config.data_dir.join("redirects.txt");
    let targets = Targets::new(site);
    for (from, to, line) in &a.redirects {
        let origin = Problem::warning(&path, String::new()).at(*line, 1);
        let warn = |message: String| {
            let mut p = origin.clone();
            p.message = message;
            p
        };
        match targets.resolve(to, &taken.files) {
            Target::Page(url) => add(from, &url, &origin, &mut problems),
            Target::External(url) if site.config.allow_external_redirects => add(from, &url, &origin, &mut problems),
            Target::External(_) => problems.push(warn(format!(
                "redirect target `{to}` is on another site (an open redirect from this one); skipped \
                 (set allow_external_redirects = true in podium.toml to keep such lines)"
            ))),
            Target::Missing => problems.push(warn(format!(
                "redirect target `{to}` is not a page of this site; skipped"
            ))),
        }
    }
    (map, problems)
}

/// Where a `redirects.txt` target leads.
enum Target {
    /// A page of this site (site-relative URL).
    Page(String),
    /// Another site (an absolute http(s) URL).
    External(String),
    Missing,
}

/// Maps old (pyvideo.org-style) target paths onto this site's pages.
struct Targets<'s, 'a> {
    site: &'s Site<'a>,
    events: HashMap<String, usize>,
    talks: HashMap<(usize, String), usize>,
    speakers: HashMap<String, usize>,
    tags: HashMap<String, usize>,
}

impl<'s, 'a> Targets<'s, 'a> {
    fn new(site: &'s Site<'a>) -> Self {
        let a = site.archive;
        let mut events = HashMap::new();
        for (i, e) in a.events.iter().enumerate() {
            events.entry(slugs::slugify(&e.title)).or_insert(i);
            // pyvideo/data's redirects.txt names events by folder (`/events/djangocon-2009.html`
            // for "DjangoCon US 2009").
            let folder = e.source.as_deref().and_then(|p| p.parent()?.file_name()?.to_str());
            if let Some(folder) = folder {
                events.entry(folder.to_string()).or_insert(i);
            }
        }
        for (i, e) in a.events.iter().enumerate() {
            events.insert(e.slug.clone(), i);
        }
        let talks = a
            .talks
            .iter()
            .enumerate()
            .map(|(i, t)| ((t.event, t.slug.clone()), i))
            .collect();
        let speakers = a
            .speakers
            .iter()
            .enumerate()
            .map(|(i, s)| (slugs::slugify(&s.name), i))
            .collect();
        let tags = a
            .tags
            .iter()
            .enumerate()
            .map(|(i, s)| (slugs::slugify(&s.name), i))
            .collect();
        Targets {
            site,
            events,
            talks,
            speakers,
            tags,
        }
    }

    fn resolve(&self, to: &str, pages: &HashSet<String>) -> Target {
        if to.contains("://") {
            let Some(url) = crate::video::safe_http_url(to) else {
                return Target::Missing;
            };
            // An absolute URL of this very site is one of its pages.
            let base = self.site.config.base();
            match url.strip_prefix(base).filter(|rest| rest.starts_with('/')) {
                Some(path) => return self.resolve_path(path, pages),
                None => return Target::External(url),
            }
        }
        self.resolve_path(to, pages)
    }

    fn resolve_path(&self, to: &str, pages: &HashSet<String>) -> Target {
        self.page(to, pages).map_or(Target::Missing, Target::Page)
    }

    fn page(&self, to: &str, pages: &HashSet<String>) -> Option<String> {
        if !to.starts_with('/') {
            return None;
        }
        if source_file(to).is_some_and(|f| pages.contains(&f)) {
            return Some(to.to_string());
        }
        let a = self.site.archive;
        let segs: Vec<&str> = to.trim_matches('/').split('/').collect();
        let strip = |s: &str| s.trim_end_matches(".html").to_string();
        match segs.as_slice() {
            ["events", slug] => self
                .events
                .get(&strip(slug))
                .map(|&e| self.site.event_url(&a.events[e])),
            ["speaker", slug] => self
                .speakers
                .get(&strip(slug))
                .map(|&s| self.site.speaker_url(&a.speakers[s])),
            ["tag", slug] => self.tags.get(&strip(slug)).map(|&s| self.site.tag_url(&a.tags[s])),
            [event, slug] => {
                let e = *self.events.get(*event)?;
                self.talks
                    .get(&(e, strip(slug)))
                    .map(|&t| self.site.talk_url(t).to_string())
            }
            _ => None,
        }
    }
}

/// Redirect pages plus `_redirects`, as (output path, bytes).
pub fn render(site: &Site<'_>, map: &RedirectMap) -> Result<Vec<(String, Vec<u8>)>> {
    let base = site.config.base();
    let mut out = Vec::with_capacity(map.len() + 1);
    let mut netlify = String::new();
    for (from, to) in map {
        let (target, canonical) = if to.contains("://") {
            (to.clone(), to.clone())
        } else {
            (site.link(to), format!("{base}{to}"))
        };
        let mut ctx = Context::new();
        ctx.insert(
            "redirect",
            &RedirectView {
                target: &target,
                canonical,
            },
        );
        let html = site.render("redirect.html", &ctx)?;
        if let Some(file) = source_file(from) {
            out.push((file, html.into_bytes()));
        }
        netlify.push_str(&format!("{}{from} {target} 301\n", site.root));
    }
    out.push((NETLIFY.into(), netlify.into_bytes()));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsafe_sources_are_refused() {
        for bad in [
            "../x",
            "/a/../../etc",
            "%2e%2e/x",
            "/a/%2E%2E/b",
            "a\\b",
            "C:/x",
            "/",
            "",
            "/.git/config",
            "a//b",
            "/a/%00",
            "...",
        ] {
            assert_eq!(source_file(bad), None, "{bad}");
        }
    }

    #[test]
    fn sources_map_to_files() {
        assert_eq!(
            source_file("video/377/pycon-2011--x-").as_deref(),
            Some("video/377/pycon-2011--x-/index.html")
        );
        assert_eq!(source_file("/video/377/").as_deref(), Some("video/377/index.html"));
        assert_eq!(source_file("/events/x.html").as_deref(), Some("events/x.html"));
        assert_eq!(
            source_file("/category/1/DjangoCon-2009").as_deref(),
            Some("category/1/DjangoCon-2009/index.html")
        );
    }
}
