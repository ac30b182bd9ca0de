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
    if !dir_like && (rel.ends_with(".html") || rel.ends_with(".htm")) {
        Some(rel.to_string())
    } else {
        Some(format!("{rel}/index.html"))
    }
}

/// Collects every redirect of the site. `pages` holds the output files of real pages.
pub fn collect(site: &Site<'_>, pages: &HashSet<String>) -> (RedirectMap, Vec<Problem>) {
    let a = site.archive;
    let mut problems = Vec::new();
    let mut map = RedirectMap::new();
    let mut files: HashMap<String, String> = HashMap::new();
    let mut add = |from: &str, to: &str, origin: &std::path::Path, problems: &mut Vec<Problem>| {
        let Some(file) = source_file(from) else {
            problems.push(Problem::warning(
                origin,
                format!("redirect from `{from}` is not a safe path inside the site; skipped"),
            ));
            return;
        };
        if pages.contains(&file) {
            if to.trim_end_matches('/') != from.trim_end_matches('/') {
                problems.push(Problem::warning(
                    origin,
                    format!("redirect from `{from}` would replace a page of the site; skipped"),
                ));
            }
            return;
        }
        if files.contains_key(&file) {
            return;
        }
        let key = format!("/{}", file.strip_suffix("index.html").unwrap_or(&file));
        files.insert(file, to.to_string());
        map.insert(key, to.to_string());
    };
    for (t, talk) in a.talks.iter().enumerate() {
        let to = site.talk_url(t).to_string();
        for alias in &talk.aliases {
            add(alias, &to, &talk.source, &mut problems);
        }
        if let Some(id) = talk.id {
            add(&format!("/video/{id}/"), &to, &talk.source, &mut problems);
            add(&format!("/video/{id}/{}/", talk.slug), &to, &talk.source, &mut problems);
        }
    }
    let origin = site.config.data_dir.join("redirects.txt");
    let targets = Targets::new(site);
    for (from, to) in &a.redirects {
        match targets.resolve(to, pages) {
            Some(url) => add(from, &url, &origin, &mut problems),
            None => problems.push(Problem::warning(
                &origin,
                format!("redirect target `{to}` is not a page of this site; skipped"),
            )),
        }
    }
    (map, problems)
}

/// Maps old (pyvideo.org-style) target paths onto this site's pages.
struct Targets<'a> {
    site: &'a Site<'a>,
    events: HashMap<String, usize>,
    talks: HashMap<(usize, String), usize>,
    speakers: HashMap<String, usize>,
    tags: HashMap<String, usize>,
}

impl<'a> Targets<'a> {
    fn new(site: &'a Site<'a>) -> Self {
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

    fn resolve(&self, to: &str, pages: &HashSet<String>) -> Option<String> {
        if let Some(url) = crate::video::safe_http_url(to).filter(|_| to.contains("://")) {
            return Some(url);
        }
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
    out.push(("_redirects".into(), netlify.into_bytes()));
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
