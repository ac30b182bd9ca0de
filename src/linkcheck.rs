//! `podium check --site`: every internal link and asset of a built site resolves.
//!
//! Pages are read with html5ever's tokenizer (the spec's tokenizer, already in the
//! build through ammonia), so comments, `<script>` bodies, character references and
//! unquoted attributes are handled as a browser would. Checked: `href` of `a` and
//! `link`; `src` of `script`, `img`, `source`, `iframe`, `video` and `audio`;
//! `srcset` of `img` and `source`; `poster` of `video`; `action` of `form`; the URL
//! of a `<meta http-equiv=refresh>`; and the search page's `data-runtime`,
//! `data-parts` and `data-talk-image` (site paths its script loads; an index part is
//! a folder). External (`http:`, `https:`, `//host`), `mailto:`
//! and other schemes are skipped; `javascript:` is an error. URLs resolve against the
//! page (and its `<base href>`); root-relative URLs must start with the base path;
//! `/x/` is served by `x/index.html`. A `#fragment` must name an `id` (or `<a name>`)
//! in the target page, or it is a warning.
//!
//! Two files hosts treat specially are checked too: `404.html`, which a host shows
//! for a missing page at any depth, may hold no relative URL; and every line of
//! `_redirects` (Netlify, Cloudflare Pages) must redirect from a path under the base
//! path to a file of the site (or another site).

use std::cell::RefCell;
use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use html5ever::tendril::StrTendril;
use html5ever::tokenizer::states::RawKind;
use html5ever::tokenizer::{
    BufferQueue, CommentToken, EndTag, StartTag, TagToken, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts,
};
use rayon::prelude::*;

use crate::check::CheckReport;
use crate::diag::Problem;

/// An origin that no real link uses, to resolve site paths with the url crate.
const ORIGIN: &str = "http://podium.invalid";

/// What one page holds: its anchors and its links.
#[derive(Debug, Default)]
pub struct PageScan {
    /// `id` attributes and `<a name>`s.
    pub ids: HashSet<String>,
    pub links: Vec<PageLink>,
    /// The first `<base href>`, if any.
    pub base: Option<String>,
}

/// One URL in a page, with the position of its tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageLink {
    pub url: String,
    pub line: usize,
    pub column: usize,
    /// Named by one of [`SCRIPT_PATH_ATTRS`]: a folder (any file below it) also resolves.
    pub folder_ok: bool,
}

/// Checks every HTML page under `site`; `base_path` is the URL path the site is
/// served under (`""` or `/archive`).
pub fn check_site(site: &Path, base_path: &str) -> Result<CheckReport> {
    if !site.is_dir() {
        bail!("site folder `{}` does not exist (build it first)", site.display());
    }
    let base_path = normalize_base_path(base_path);
    let mut files: HashSet<String> = HashSet::new();
    let mut pages: Vec<String> = Vec::new();
    for (rel, _) in crate::write::files_in(site)? {
        if rel.ends_with(".html") || rel.ends_with(".htm") {
            pages.push(rel.clone());
        }
        files.insert(rel);
    }
    let scans: BTreeMap<&str, PageScan> = pages
        .par_iter()
        .map(|rel| {
            let bytes = std::fs::read(site.join(rel)).with_context(|| format!("failed to read `{rel}`"))?;
            Ok((rel.as_str(), scan_page(&String::from_utf8_lossy(&bytes))))
        })
        .collect::<Result<_>>()?;
    let site_files = SiteFiles {
        files: &files,
        scans: &scans,
        base_path: &base_path,
    };
    let mut problems: Vec<Problem> = scans
        .par_iter()
        .flat_map_iter(|(rel, scan)| site_files.check_page(site, rel, scan))
        .collect();
    if let Some(scan) = scans.get(NOT_FOUND_PAGE) {
        problems.extend(check_not_found_page(&site.join(NOT_FOUND_PAGE), scan));
    }
    let redirects = site.join(REDIRECTS_FILE);
    let mut redirect_lines = 0;
    if files.contains(REDIRECTS_FILE) {
        let text =
            std::fs::read_to_string(&redirects).with_context(|| format!("failed to read `{}`", redirects.display()))?;
        let (found, lines) = site_files.check_redirects(&redirects, &text);
        problems.extend(found);
        redirect_lines = lines;
    }
    problems.sort();
    let links = scans.values().map(|s| s.links.len()).sum();
    let mut counts = vec![("pages", pages.len()), ("links", links)];
    if redirect_lines > 0 {
        counts.push(("redirects", redirect_lines));
    }
    Ok(CheckReport { problems, counts })
}

/// The page hosts show for any missing path (GitHub Pages, Netlify, Cloudflare
/// Pages, nginx's `error_page`).
const NOT_FOUND_PAGE: &str = "404.html";
/// The redirect list Netlify and Cloudflare Pages read.
const REDIRECTS_FILE: &str = "_redirects";

/// `404.html` is shown at whatever address was missing (`/a/b/c/`), so a relative
/// URL in it resolves differently on every such page: each one is an error.
fn check_not_found_page(path: &Path, scan: &PageScan) -> Vec<Problem> {
    scan.links
        .iter()
        .filter(|l| {
            let u = l.url.trim();
            !(u.is_empty() || u.starts_with('/') || u.starts_with('#') || has_scheme(u))
        })
        .map(|l| {
            Problem::error(
                path,
                format!(
                    "relative URL `{}` in the page shown for every missing address; make it root-relative (with the base path)",
                    short(&l.url)
                ),
            )
            .at(l.line, l.column)
        })
        .collect()
}

/// Whether `u` starts with a URL scheme (`https:`, `mailto:`, …).
fn has_scheme(u: &str) -> bool {
    u.split_once(':').is_some_and(|(scheme, _)| {
        scheme.starts_with(|c: char| c.is_ascii_alphabetic())
            && scheme.chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
    })
}

/// `"/archive/"` → `"/archive"`, `"/"` → `""`, `"x"` → `"/x"`.
fn normalize_base_path(p: &str) -> String {
    let t = p.trim().trim_matches('/');
    if t.is_empty() {
        String::new()
    } else {
        format!("/{t}")
    }
}

struct SiteFiles<'a> {
    files: &'a HashSet<String>,
    scans: &'a BTreeMap<&'a str, PageScan>,
    base_path: &'a str,
}

/// Where a link points inside the site.
#[derive(Debug, PartialEq, Eq)]
enum Target {
    /// Not checked (another site, `mailto:`, …).
    External,
    /// A file, relative to the site folder, and the decoded fragment (if any).
    File(String, Option<String>),
    /// Broken, with the reason.
    Bad(String),
}

impl SiteFiles<'_> {
    /// Checks `_redirects` (`from to [status]` a line, `#` comments): `from` must lie
    /// under the base path, `to` must be another site or a file of this one. Returns
    /// the problems and the number of rules.
    fn check_redirects(&self, path: &Path, text: &str) -> (Vec<Problem>, usize) {
        let mut out = Vec::new();
        let mut rules = 0;
        for (i, line) in text.lines().enumerate() {
            let content = line.trim();
            if content.is_empty() || content.starts_with('#') {
                continue;
            }
            rules += 1;
            let at = |p: Problem| p.at(i + 1, line.len() - line.trim_start().len() + 1);
            let fields: Vec<&str> = content.split_whitespace().collect();
            let (from, to) = match fields.as_slice() {
                [from, to] | [from, to, _] => (*from, *to),
                _ => {
                    out.push(at(Problem::error(path, "expected `from to [status]`".to_string())));
                    continue;
                }
            };
            if let Some(status) = fields.get(2) {
                if !matches!(
                    status.trim_end_matches('!'),
                    "200" | "301" | "302" | "303" | "307" | "308" | "404" | "410"
                ) {
                    out.push(at(Problem::error(path, format!("unknown status `{}`", short(status)))));
                }
            }
            let under = from
                .strip_prefix(self.base_path)
                .is_some_and(|rest| rest.starts_with('/'));
            if !under {
                out.push(at(Problem::error(
                    path,
                    format!(
                        "redirect from `{}`: outside the site's base path `{}/`",
                        short(from),
                        self.base_path
                    ),
                )));
            }
            match self.resolve("", None, to) {
                Target::External => {}
                Target::Bad(why) => out.push(at(Problem::error(path, format!("redirect target: {why}")))),
                Target::File(file, _) => {
                    if self.existing(&file, false).is_none() {
                        out.push(at(Problem::error(
                            path,
                            format!("redirect to a missing page `{}`", short(to)),
                        )));
                    }
                }
            }
        }
        (out, rules)
    }

    fn check_page(&self, site: &Path, rel: &str, scan: &PageScan) -> Vec<Problem> {
        let path: PathBuf = site.join(rel);
        let mut out = Vec::new();
        for link in &scan.links {
            let at = |p: Problem| p.at(link.line, link.column);
            match self.resolve(rel, scan.base.as_deref(), &link.url) {
                Target::External => {}
                Target::Bad(why) => out.push(at(Problem::error(&path, why))),
                Target::File(file, fragment) => {
                    let Some(file) = self.existing(&file, link.folder_ok) else {
                        out.push(at(Problem::error(&path, format!("broken link to `{}`", link.url))));
                        continue;
                    };
                    let Some(frag) = fragment else { continue };
                    if let Some(target) = self.scans.get(file.as_str()) {
                        if !target.ids.contains(&frag) && frag != "top" {
                            out.push(at(Problem::warning(
                                &path,
                                format!("link to `{}`: `{file}` has no element with id `{frag}`", link.url),
                            )));
                        }
                    }
                }
            }
        }
        out
    }

    /// The file that serves `file`: itself, or `file/index.html` for a folder;
    /// with `folder_ok`, a folder holding any file is itself the answer.
    fn existing(&self, file: &str, folder_ok: bool) -> Option<String> {
        if self.files.contains(file) {
            return Some(file.to_string());
        }
        let folder = if file.is_empty() || file.ends_with('/') {
            file.to_string()
        } else {
            format!("{file}/")
        };
        let index = format!("{folder}index.html");
        if self.files.contains(&index) {
            return Some(index);
        }
        (folder_ok && self.files.iter().any(|f| f.starts_with(&folder))).then_some(folder)
    }

    /// Resolves `raw` found in page `rel` (a path relative to the site folder).
    fn resolve(&self, rel: &str, base_href: Option<&str>, raw: &str) -> Target {
        let raw = raw.trim();
        if raw.is_empty() {
            return Target::External;
        }
        let lower = raw.to_ascii_lowercase();
        if lower.starts_with("javascript:") {
            return Target::Bad(format!("`javascript:` URL `{}`; use a script instead", short(raw)));
        }
        let Ok(origin) = url::Url::parse(ORIGIN) else {
            return Target::External;
        };
        let mut page = match origin.join(&format!("{}/{rel}", self.base_path)) {
            Ok(u) => u,
            Err(_) => return Target::External,
        };
        if let Some(b) = base_href {
            match page.join(b) {
                Ok(u) if u.origin() == origin.origin() => page = u,
                _ => {}
            }
        }
        let url = match page.join(raw) {
            Ok(u) => u,
            Err(e) => return Target::Bad(format!("invalid URL `{}` ({e})", short(raw))),
        };
        if url.origin() != origin.origin() {
            return Target::External; // another scheme or host
        }
        let path = percent_decode(url.path());
        let Some(inside) = path
            .strip_prefix(self.base_path)
            .filter(|rest| rest.is_empty() || rest.starts_with('/'))
        else {
            return Target::Bad(format!(
                "broken link to `{}`: outside the site's base path `{}`",
                short(raw),
                self.base_path
            ));
        };
        let file = inside.trim_start_matches('/').to_string();
        let fragment = url.fragment().filter(|f| !f.is_empty()).map(percent_decode);
        Target::File(file, fragment)
    }
}

fn short(s: &str) -> String {
    s.chars().take(100).collect()
}

/// Decodes `%XX` escapes (as UTF-8, lossily).
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            let hex = |c: u8| (c as char).to_digit(16);
            if let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Reads one page's anchors and links.
pub fn scan_page(text: &str) -> PageScan {
    let line_starts = std::iter::once(0)
        .chain(
            text.bytes()
                .enumerate()
                .filter(|(_, c)| *c == b'\n')
                .map(|(i, _)| i + 1),
        )
        .collect();
    let sink = Sink {
        src: text,
        line_starts,
        state: RefCell::new(SinkState::default()),
    };
    let tok = Tokenizer::new(sink, TokenizerOpts::default());
    let input = BufferQueue::default();
    input.push_back(StrTendril::from_slice(text));
    let _ = tok.feed(&input);
    tok.end();
    let state = tok.sink.state.into_inner();
    state.scan
}

/// The attributes in which the theme's search page names the files its script loads
/// (`templates/search.html`): space-separated site paths, index parts as folders.
/// Named one by one: other `data-*` attributes hold text (`data-title` is a talk's
/// title, which may well start with `/`).
const SCRIPT_PATH_ATTRS: &[&str] = &["data-runtime", "data-parts", "data-talk-image"];

/// The URL of a refresh's `content` (`0; url=/x/`, `5;URL='x'`), if it names one.
fn refresh_url(content: &str) -> Option<&str> {
    let (_, rest) = content.split_once([';', ','])?;
    let rest = rest.trim_start();
    let value = rest
        .get(..4)
        .filter(|k| k.eq_ignore_ascii_case("url="))
        .map_or(rest, |_| &rest[4..])
        .trim();
    let value = value.trim_matches(|c| c == '\'' || c == '"');
    (!value.is_empty()).then_some(value)
}

#[derive(Default)]
struct SinkState {
    /// Byte offset up to which tags have been located.
    cursor: usize,
    scan: PageScan,
}

struct Sink<'a> {
    src: &'a str,
    /// Byte offset where each line starts (line 1 at index 0).
    line_starts: Vec<usize>,
    state: RefCell<SinkState>,
}

impl Sink<'_> {
    /// Position of the tag `<name` (or `</name`) the tokenizer just emitted, which
    /// ends on `line`: the next such tag after the previous one. The tokenizer
    /// reports lines only, so the column is found in the source.
    fn locate(&self, st: &mut SinkState, name: &str, end: bool, line: usize) -> (usize, usize) {
        let b = self.src.as_bytes();
        let limit = self.line_starts.get(line).copied().unwrap_or(b.len());
        let mut i = st.cursor;
        while i < limit {
            let Some(off) = b[i..limit].iter().position(|&c| c == b'<') else {
                break;
            };
            let at = i + off;
            let mut j = at + 1;
            if end {
                if b.get(j) != Some(&b'/') {
                    i = at + 1;
                    continue;
                }
                j += 1;
            }
            let name_end = j + name.len();
            if b.get(j..name_end)
                .is_some_and(|n| n.eq_ignore_ascii_case(name.as_bytes()))
                && matches!(
                    b.get(name_end),
                    None | Some(b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' | b'/' | b'>')
                )
            {
                st.cursor = name_end;
                let l = self.line_starts.partition_point(|&s| s <= at);
                return (l, at - self.line_starts[l - 1] + 1);
            }
            i = at + 1;
        }
        (line, 1)
    }
}

impl TokenSink for Sink<'_> {
    type Handle = ();

    fn process_token(&self, token: Token, line: u64) -> TokenSinkResult<()> {
        let mut st = self.state.borrow_mut();
        match token {
            TagToken(tag) => {
                let name: &str = &tag.name;
                let (l, c) = self.locate(&mut st, name, tag.kind == EndTag, line as usize);
                if tag.kind != StartTag {
                    return TokenSinkResult::Continue;
                }
                let wanted: &[&str] = match name {
                    "a" | "link" => &["href"],
                    "script" | "iframe" | "audio" => &["src"],
                    "img" | "source" => &["src", "srcset"],
                    "video" => &["src", "poster"],
                    "form" => &["action"],
                    _ => &[],
                };
                let refresh = name == "meta"
                    && tag
                        .attrs
                        .iter()
                        .any(|a| &*a.name.local == "http-equiv" && a.value.trim().eq_ignore_ascii_case("refresh"));
                let mut push = |url: &str, folder_ok: bool| {
                    st.scan.links.push(PageLink {
                        url: url.to_string(),
                        line: l,
                        column: c,
                        folder_ok,
                    })
                };
                let mut ids = Vec::new();
                let mut base = None;
                for attr in &tag.attrs {
                    let attr_name: &str = &attr.name.local;
                    let value: &str = &attr.value;
                    if attr_name == "id" || (name == "a" && attr_name == "name") {
                        ids.push(value.to_string());
                    }
                    if name == "base" && attr_name == "href" {
                        base = Some(value.to_string());
                    }
                    if attr_name == "srcset" && wanted.contains(&attr_name) {
                        // `url 320w, url 2x`: the URL is each candidate's first word.
                        for candidate in value.split(',') {
                            if let Some(url) = candidate.split_whitespace().next() {
                                push(url, false);
                            }
                        }
                    } else if wanted.contains(&attr_name) {
                        push(value, false);
                    } else if refresh && attr_name == "content" {
                        if let Some(url) = refresh_url(value) {
                            push(url, false);
                        }
                    } else if SCRIPT_PATH_ATTRS.contains(&attr_name) {
                        for url in value.split_whitespace() {
                            push(url, true);
                        }
                    }
                }
                st.scan.ids.extend(ids);
                if st.scan.base.is_none() {
                    st.scan.base = base;
                }
                match name {
                    _ if tag.self_closing => TokenSinkResult::Continue,
                    "script" => TokenSinkResult::RawData(RawKind::ScriptData),
                    "style" | "xmp" | "iframe" | "noembed" | "noframes" => TokenSinkResult::RawData(RawKind::Rawtext),
                    "title" | "textarea" => TokenSinkResult::RawData(RawKind::Rcdata),
                    "plaintext" => TokenSinkResult::Plaintext,
                    _ => TokenSinkResult::Continue,
                }
            }
            CommentToken(text) => {
                // Skip the comment's text, so tags written inside it are not matched later.
                if let Some(off) = self.src[st.cursor..].find(&*text) {
                    st.cursor += off + text.len();
                }
                TokenSinkResult::Continue
            }
            _ => TokenSinkResult::Continue,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn links(html: &str) -> Vec<(String, usize, usize)> {
        scan_page(html)
            .links
            .into_iter()
            .map(|l| (l.url, l.line, l.column))
            .collect()
    }

    #[test]
    fn finds_links_with_positions() {
        let html = "<!doctype html>\n<p>x <a href=\"/a/\">a</a> <A\n  HREF=b.html>b</A>\n<img src='i.png' id=pic>";
        assert_eq!(
            links(html),
            [
                ("/a/".to_string(), 2, 6),
                ("b.html".to_string(), 2, 26),
                ("i.png".to_string(), 4, 1)
            ]
        );
        assert!(scan_page(html).ids.contains("pic"));
    }

    #[test]
    fn skips_comments_scripts_and_decodes_entities() {
        let html = "<!-- <a href=\"/c\"> -->\n<script>var s = '<a href=\"/s\">';</script>\n<style>a{}</style><textarea><a href=/t></textarea>\n<a href=\"/x?a=1&amp;b=2\">x</a>";
        assert_eq!(links(html), [("/x?a=1&b=2".to_string(), 4, 1)]);
    }

    fn site<'a>(files: &'a HashSet<String>, scans: &'a BTreeMap<&'a str, PageScan>, base: &'a str) -> SiteFiles<'a> {
        SiteFiles {
            files,
            scans,
            base_path: base,
        }
    }

    #[test]
    fn resolves_relative_root_relative_and_base_path() {
        let files = HashSet::new();
        let scans = BTreeMap::new();
        let s = site(&files, &scans, "/arch");
        let file = |f: &str, frag: Option<&str>| Target::File(f.into(), frag.map(String::from));
        assert_eq!(s.resolve("a/b/index.html", None, "../c/"), file("a/c/", None));
        assert_eq!(
            s.resolve("a/b/index.html", None, "/arch/x.css?v=1"),
            file("x.css", None)
        );
        assert_eq!(
            s.resolve("a/index.html", None, "#top-x"),
            file("a/index.html", Some("top-x"))
        );
        assert_eq!(s.resolve("index.html", None, "/arch"), file("", None));
        assert_eq!(s.resolve("index.html", None, "caf%C3%A9/"), file("café/", None));
        assert!(matches!(s.resolve("index.html", None, "/x/"), Target::Bad(_)));
        assert!(matches!(s.resolve("index.html", None, "/archive/"), Target::Bad(_)));
        assert!(matches!(
            s.resolve("index.html", None, "JavaScript:alert(1)"),
            Target::Bad(_)
        ));
        for ext in ["https://ex.org/", "//ex.org/a", "mailto:a@b.c", "data:,x", ""] {
            assert_eq!(s.resolve("index.html", None, ext), Target::External, "{ext}");
        }
        assert_eq!(s.resolve("a/index.html", Some("/arch/z/"), "y"), file("z/y", None));
    }

    #[test]
    fn checks_files_folders_and_fragments() {
        let files: HashSet<String> = ["index.html", "a/index.html", "s.css"].map(String::from).into();
        let mut scans = BTreeMap::new();
        scans.insert(
            "a/index.html",
            PageScan {
                ids: ["here".to_string()].into(),
                ..PageScan::default()
            },
        );
        let mut page = scan_page(
            "<a href=\"a/#here\"></a><a href=/a#gone></a>\n<link href=s.css><a href=missing.html></a><a href=\"#top\">",
        );
        page.links.push(PageLink {
            url: "/a/".into(),
            line: 9,
            column: 9,
            folder_ok: false,
        });
        let s = site(&files, &scans, "");
        let got: Vec<String> = s
            .check_page(Path::new("out"), "index.html", &page)
            .iter()
            .map(|p| p.to_string())
            .collect();
        assert_eq!(
            got,
            [
                "out/index.html:1:23: warning: link to `/a#gone`: `a/index.html` has no element with id `gone`",
                "out/index.html:2:18: error: broken link to `missing.html`",
            ]
        );
    }

    #[test]
    fn finds_srcset_form_refresh_and_data_paths() {
        let html = "<img src=a.png srcset=\"/t/a-320.jpg 320w, /t/a-640.jpg 640w\">\n\
                    <form action=\"/search/\"></form><meta http-equiv=Refresh content=\"0; URL='/new/'\">\n\
                    <div data-parts=\"/pf/ /pf-2/\" data-filter=\"year\" data-title=\"/metrics, a must\">";
        let got: Vec<(String, bool)> = scan_page(html)
            .links
            .into_iter()
            .map(|l| (l.url, l.folder_ok))
            .collect();
        let want = [
            ("a.png", false),
            ("/t/a-320.jpg", false),
            ("/t/a-640.jpg", false),
            ("/search/", false),
            ("/new/", false),
            ("/pf/", true),
            ("/pf-2/", true),
        ];
        assert_eq!(got, want.map(|(u, f)| (u.to_string(), f)));
        assert_eq!(refresh_url("5"), None);
        assert_eq!(refresh_url("0;url=x.html"), Some("x.html"));
        assert_eq!(refresh_url("0, /y/"), Some("/y/"));
    }

    #[test]
    fn data_paths_may_name_a_folder_links_may_not() {
        let files: HashSet<String> = ["pf/entry.json", "index.html"].map(String::from).into();
        let scans = BTreeMap::new();
        let page = scan_page("<div data-parts=\"/pf/ /gone/\"></div>\n<a href=\"/pf/\">x</a>");
        let s = site(&files, &scans, "");
        let got: Vec<String> = s
            .check_page(Path::new("out"), "index.html", &page)
            .iter()
            .map(|p| p.to_string())
            .collect();
        assert_eq!(
            got,
            [
                "out/index.html:1:1: error: broken link to `/gone/`",
                "out/index.html:2:1: error: broken link to `/pf/`",
            ]
        );
    }

    #[test]
    fn the_not_found_page_may_hold_no_relative_url() {
        let page = scan_page(
            "<link href=\"/arch/static/s.css\"><a href=\"#main\"></a><a href=\"https://ex.org/\"></a>\n\
             <link href=\"static/s.css\"><a href=\"../\"></a><a href=\"mailto:a@b.c\"></a>",
        );
        let got: Vec<String> = check_not_found_page(Path::new("out/404.html"), &page)
            .iter()
            .map(|p| p.to_string())
            .collect();
        assert_eq!(got.len(), 2, "{got:?}");
        assert!(
            got[0].starts_with("out/404.html:2:1: error: relative URL `static/s.css`"),
            "{got:?}"
        );
        assert!(got[1].contains("`../`"), "{got:?}");
    }

    #[test]
    fn checks_redirect_rules() {
        let files: HashSet<String> = ["a/index.html", "b.html"].map(String::from).into();
        let scans = BTreeMap::new();
        let s = site(&files, &scans, "/arch");
        let text = "# comment\n/arch/v/1/ /arch/a/ 301\n/arch/v/2 /arch/b.html\n/v/3/ /arch/a/ 301\n\
                    /arch/v/4/ /arch/gone/ 301\n/arch/v/5/ https://ex.org/ 302\n/arch/v/6/\n/arch/v/7/ /a/ 301\n/arch/v/8/ /arch/a/ 999\n";
        let (problems, rules) = s.check_redirects(Path::new("out/_redirects"), text);
        let got: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
        assert_eq!(rules, 8);
        assert_eq!(
            got,
            [
                "out/_redirects:4:1: error: redirect from `/v/3/`: outside the site's base path `/arch/`",
                "out/_redirects:5:1: error: redirect to a missing page `/arch/gone/`",
                "out/_redirects:7:1: error: expected `from to [status]`",
                "out/_redirects:8:1: error: redirect target: broken link to `/a/`: outside the site's base path `/arch`",
                "out/_redirects:9:1: error: unknown status `999`",
            ]
        );
    }

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("a%20b%zz%"), "a b%zz%");
        assert_eq!(normalize_base_path("/arch/"), "/arch");
        assert_eq!(normalize_base_path("/"), "");
    }
}
