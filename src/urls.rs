//! URL layout: one pattern per page kind, and the mapping from a URL to the file
//! that serves it (`/a/b/` → `a/b/index.html`, `/a/b.html` → `a/b.html`).
//!
//! Slugs are made URL-safe before they get here (see [`crate::slugs`]), so a
//! filled-in pattern can never climb out of the output folder.

use crate::config::{Config, UrlPatterns, UrlStyle};

/// The resolved patterns of a site.
#[derive(Debug, Clone)]
pub struct UrlScheme {
    pub talk: String,
    pub event: String,
    pub speaker: String,
    pub tag: String,
    pub language: String,
    pub year: String,
    pub events: String,
    pub speakers: String,
    pub tags: String,
    pub languages: String,
    pub years: String,
    /// Feeds in `/feeds/` as pyvideo.org has them (`/feeds/all.atom.xml`,
    /// `/feeds/tag_<slug>.rss.xml`), rather than beside their page.
    pub feeds_in_folder: bool,
    /// The search page (pyvideo.org's is `/search.html`).
    pub search: String,
    /// A content page (`/pages/<slug>/`, pyvideo.org's `/pages/<slug>.html`).
    pub page: String,
}

impl UrlScheme {
    /// The preset for `style`, with the config's overrides applied.
    pub fn from_config(config: &Config) -> UrlScheme {
        let mut s = match config.url_style {
            UrlStyle::Podium => UrlScheme {
                talk: "/events/{event}/{slug}/".into(),
                event: "/events/{slug}/".into(),
                speaker: "/speakers/{slug}/".into(),
                tag: "/tags/{slug}/".into(),
                language: "/languages/{slug}/".into(),
                year: "/years/{slug}/".into(),
                events: "/events/".into(),
                speakers: "/speakers/".into(),
                tags: "/tags/".into(),
                languages: "/languages/".into(),
                years: "/years/".into(),
                feeds_in_folder: false,
                search: "/search/".into(),
                page: "/pages/{slug}/".into(),
            },
            UrlStyle::Pyvideo => UrlScheme {
                talk: "/{event}/{slug}.html".into(),
                event: "/events/{slug}.html".into(),
                speaker: "/speaker/{slug}.html".into(),
                tag: "/tag/{slug}/".into(),
                language: "/language/{slug}.html".into(),
                year: "/year/{slug}.html".into(),
                events: "/events.html".into(),
                speakers: "/speakers.html".into(),
                tags: "/tags.html".into(),
                languages: "/languages.html".into(),
                years: "/years.html".into(),
                feeds_in_folder: true,
                search: "/search.html".into(),
                page: "/pages/{slug}.html".into(),
            },
        };
        let UrlPatterns {
            talk,
            event,
            speaker,
            tag,
            language,
            year,
            events,
            speakers,
            tags,
            languages,
            years,
        } = &config.urls;
        for (slot, over) in [
            (&mut s.talk, talk),
            (&mut s.event, event),
            (&mut s.speaker, speaker),
            (&mut s.tag, tag),
            (&mut s.language, language),
            (&mut s.year, year),
            (&mut s.events, events),
            (&mut s.speakers, speakers),
            (&mut s.tags, tags),
            (&mut s.languages, languages),
            (&mut s.years, years),
        ] {
            if let Some(p) = over {
                *slot = p.clone();
            }
        }
        s
    }

    /// Checks the patterns are usable: rooted, ending in `/` or `.html`, no `..`.
    pub fn validate(&self) -> anyhow::Result<()> {
        for (name, p) in self.all() {
            anyhow::ensure!(
                p.starts_with('/') && (p.ends_with('/') || p.ends_with(".html")),
                "URL pattern `{name}` = `{p}` must start with `/` and end with `/` or `.html`"
            );
            anyhow::ensure!(
                !p.split('/').any(|seg| seg == ".." || seg == "."),
                "URL pattern `{name}` = `{p}` must not contain `.` or `..` segments"
            );
        }
        for (name, p) in self.all().into_iter().take(6) {
            anyhow::ensure!(p.contains("{slug}"), "URL pattern `{name}` must contain `{{slug}}`");
        }
        Ok(())
    }

    /// The Atom and RSS URLs of the feed of a list page (home, event, speaker or tag):
    /// beside it (`/tags/x/atom.xml`, `/events/x.atom.xml`), or in `/feeds/`.
    pub fn feed_urls(&self, page_url: &str) -> (String, String) {
        if self.feeds_in_folder {
            let stem = if page_url == "/" {
                Some("all".to_string())
            } else {
                [("event", &self.event), ("speaker", &self.speaker), ("tag", &self.tag)]
                    .into_iter()
                    .find_map(|(kind, pattern)| unfill(pattern, page_url).map(|slug| format!("{kind}_{slug}")))
            };
            if let Some(stem) = stem {
                return (format!("/feeds/{stem}.atom.xml"), format!("/feeds/{stem}.rss.xml"));
            }
        }
        match page_url.strip_suffix(".html") {
            Some(stem) => (format!("{stem}.atom.xml"), format!("{stem}.rss.xml")),
            None => (format!("{page_url}atom.xml"), format!("{page_url}rss.xml")),
        }
    }

    fn all(&self) -> [(&'static str, &str); 11] {
        [
            ("talk", &self.talk),
            ("event", &self.event),
            ("speaker", &self.speaker),
            ("tag", &self.tag),
            ("language", &self.language),
            ("year", &self.year),
            ("events", &self.events),
            ("speakers", &self.speakers),
            ("tags", &self.tags),
            ("languages", &self.languages),
            ("years", &self.years),
        ]
    }
}

/// Fills `{slug}` and `{event}` in a pattern.
pub fn fill(pattern: &str, slug: &str, event: &str) -> String {
    pattern.replace("{event}", event).replace("{slug}", slug)
}

/// The `{slug}` of a URL made from a pattern with no other placeholder.
fn unfill<'u>(pattern: &str, url: &'u str) -> Option<&'u str> {
    let (pre, post) = pattern.split_once("{slug}")?;
    let slug = url.strip_prefix(pre)?.strip_suffix(post)?;
    (!slug.is_empty() && !slug.contains('/') && !pre.contains('{')).then_some(slug)
}

/// The URL of page `n` (1-based) of a paginated list at `url`.
pub fn paged(url: &str, n: usize) -> String {
    if n <= 1 {
        url.to_string()
    } else if let Some(stem) = url.strip_suffix(".html") {
        format!("{stem}/page/{n}.html")
    } else {
        format!("{url}page/{n}/")
    }
}

/// The output file (relative, `/`-separated) that serves a site URL.
pub fn file_for(url: &str) -> String {
    let rel = url.trim_start_matches('/');
    if rel.is_empty() {
        "index.html".into()
    } else if rel.ends_with('/') {
        format!("{rel}index.html")
    } else {
        rel.to_string()
    }
}

/// The output file a percent-encoded request path (`/a/b/`) names, or `None` when the
/// decoded path is not a plain relative path inside the site (what `serve` answers).
pub fn file_for_request(path: &str) -> Option<String> {
    let decoded = percent_encoding::percent_decode_str(path).decode_utf8().ok()?;
    let rel = decoded.strip_prefix('/')?;
    let file = file_for(rel);
    (!rel.starts_with('/') && is_safe_rel_path(&file)).then_some(file)
}

/// Whether a relative output path is safe to write: no empty, `.`/`..`, absolute,
/// backslash or drive-letter segments. Used as a last line of defence at write time.
pub fn is_safe_rel_path(rel: &str) -> bool {
    !rel.is_empty()
        && !rel.starts_with('/')
        && !rel.contains('\\')
        && !rel.contains('\0')
        && rel
            .split('/')
            .all(|seg| !seg.is_empty() && seg != "." && seg != ".." && !seg.contains(':'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_urls_to_files() {
        assert_eq!(file_for("/"), "index.html");
        assert_eq!(file_for("/events/x/"), "events/x/index.html");
        assert_eq!(file_for("/speaker/x.html"), "speaker/x.html");
    }

    #[test]
    fn paginates_both_shapes() {
        assert_eq!(paged("/tags/", 1), "/tags/");
        assert_eq!(paged("/tags/", 3), "/tags/page/3/");
        assert_eq!(paged("/tags.html", 2), "/tags/page/2.html");
    }

    #[test]
    fn rejects_escaping_paths() {
        for bad in ["", "/a", "a/../b", "a//b", "..", "a\\b", "c:/x", "./a"] {
            assert!(!is_safe_rel_path(bad), "{bad}");
        }
        assert!(is_safe_rel_path("events/x/index.html"));
    }

    #[test]
    fn presets_validate() {
        let mut c = Config::default();
        UrlScheme::from_config(&c).validate().unwrap();
        c.url_style = UrlStyle::Pyvideo;
        let s = UrlScheme::from_config(&c);
        s.validate().unwrap();
        assert_eq!(fill(&s.talk, "t", "e"), "/e/t.html");
        assert_eq!(
            s.feed_urls("/"),
            ("/feeds/all.atom.xml".into(), "/feeds/all.rss.xml".into())
        );
        assert_eq!(s.feed_urls("/tag/a-b/").1, "/feeds/tag_a-b.rss.xml");
        assert_eq!(s.feed_urls("/speaker/x.html").0, "/feeds/speaker_x.atom.xml");
        assert_eq!(s.feed_urls("/events/e.html").0, "/feeds/event_e.atom.xml");
        let d = UrlScheme::from_config(&Config::default());
        assert_eq!(d.feed_urls("/tags/x/").0, "/tags/x/atom.xml");
        assert_eq!(d.feed_urls("/").1, "/rss.xml");
        c.urls.tag = Some("/../x/{slug}/".into());
        assert!(UrlScheme::from_config(&c).validate().is_err());
    }
}
