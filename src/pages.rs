//! Content pages: Markdown files in the site's `pages/` folder (About, FAQ, code of
//! conduct) with TOML front matter between `+++` lines:
//!
//! ```text
//! +++
//! title = "About"
//! slug = "about"        # optional: else the file name
//! order = 1             # position in the header (in_nav pages), then title
//! in_nav = true
//! description = "What this archive is."
//! +++
//! Markdown …
//! ```
//!
//! The body is untrusted like a talk description and goes through the same renderer
//! and sanitiser ([`crate::describe::render_description`]); the slug is made safe like
//! any record's ([`crate::slugs::given_slug`]).

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::config::UrlStyle;
use crate::diag::{shown, Problem};
use crate::model::Page;
use crate::slugs;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FrontMatter {
    title: String,
    slug: Option<String>,
    #[serde(default)]
    order: i64,
    #[serde(default)]
    in_nav: bool,
    #[serde(default)]
    description: String,
}

/// Largest page file read, like the data files' limit.
const MAX_PAGE_BYTES: u64 = 4 * 1024 * 1024;

/// Reads every `*.md` of `dir` (none when it does not exist), sorted by `order`, then
/// title; invalid files are reported (with line and column) and left out.
pub fn load(dir: &Path, style: UrlStyle) -> (Vec<Page>, Vec<Problem>) {
    let mut problems = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return (Vec::new(), problems);
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .collect();
    files.sort();
    let mut pages: Vec<Page> = Vec::new();
    for path in files {
        let too_big = std::fs::metadata(&path).is_ok_and(|m| m.len() > MAX_PAGE_BYTES);
        let text = match std::fs::read_to_string(&path) {
            Ok(_) if too_big => {
                problems.push(Problem::error(&path, "page is larger than 4 MiB"));
                continue;
            }
            Ok(t) => t,
            Err(e) => {
                problems.push(Problem::error(&path, format!("cannot read page: {e}")));
                continue;
            }
        };
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        match parse(&path, &stem, &text, style, &mut problems) {
            Some(page) => {
                if let Some(other) = pages.iter().find(|p| p.slug == page.slug) {
                    problems.push(Problem::error(
                        &path,
                        format!("slug `{}` is also used by `{}`", page.slug, other.source.display()),
                    ));
                } else {
                    pages.push(page);
                }
            }
            None => continue,
        }
    }
    pages.sort_by(|a, b| (a.order, &a.title, &a.slug).cmp(&(b.order, &b.title, &b.slug)));
    (pages, problems)
}

/// One page from its text; `None` (with an error) when its front matter is invalid.
pub fn parse(path: &Path, stem: &str, text: &str, style: UrlStyle, problems: &mut Vec<Problem>) -> Option<Page> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text.split_inclusive('\n');
    if lines.next().map(str::trim_end) != Some("+++") {
        problems.push(Problem::error(path, "a page starts with front matter between `+++` lines").at(1, 1));
        return None;
    }
    let start = text.find('\n').map_or(text.len(), |i| i + 1);
    let mut end = None;
    let mut offset = start;
    for line in lines {
        if line.trim_end() == "+++" {
            end = Some((offset, offset + line.len()));
            break;
        }
        offset += line.len();
    }
    let Some((fm_end, body_start)) = end else {
        problems.push(Problem::error(path, "front matter is not closed by a `+++` line").at(1, 1));
        return None;
    };
    let front = &text[start..fm_end];
    let fm: FrontMatter = match toml::from_str(front) {
        Ok(fm) => fm,
        Err(e) => {
            let (line, col) = e.span().map_or((2, 1), |s| line_col(text, start + s.start));
            let msg = e.message().to_string();
            problems.push(Problem::error(path, format!("front matter: {msg}")).at(line, col));
            return None;
        }
    };
    let title = crate::normalize::clean_line(&fm.title);
    if title.is_empty() {
        let (line, col) = line_col(text, start + front.find("title").unwrap_or(0));
        problems.push(Problem::error(path, "front matter: `title` is empty").at(line, col));
        return None;
    }
    let wanted = fm.slug.as_deref().map(str::trim).filter(|s| !s.is_empty());
    let slug = match wanted {
        Some(s) => {
            let safe = slugs::given_slug(s, style);
            if safe != s {
                let (line, col) = line_col(text, start + front.find("slug").unwrap_or(0));
                problems.push(
                    Problem::warning(
                        path,
                        format!("slug `{}` is not URL-safe; the page gets `{safe}`", shown(s, 60)),
                    )
                    .at(line, col),
                );
            }
            safe
        }
        None => slugs::given_slug(stem, style),
    };
    let body = &text[body_start..];
    Some(Page {
        slug,
        title,
        order: fm.order,
        in_nav: fm.in_nav,
        description: crate::normalize::clean_line(&fm.description),
        html: crate::describe::render_description(body),
        text: crate::describe::plain_summary(body, usize::MAX / 2),
        source: path.to_path_buf(),
    })
}

/// 1-based line and column (in characters) of byte `at` of `text`.
fn line_col(text: &str, at: usize) -> (usize, usize) {
    let before = &text[..at.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> (Option<Page>, Vec<Problem>) {
        let mut p = Vec::new();
        let page = parse(Path::new("pages/about.md"), "about", text, UrlStyle::Podium, &mut p);
        (page, p)
    }

    #[test]
    fn reads_front_matter_and_renders_body() {
        let (page, p) = one("+++\ntitle = \"About\"\norder = 2\nin_nav = true\n+++\nHello *there*.\n");
        let page = page.unwrap();
        assert!(p.is_empty(), "{p:?}");
        assert_eq!((page.slug.as_str(), page.order, page.in_nav), ("about", 2, true));
        assert!(page.html.contains("<em>there</em>"), "{}", page.html);
    }

    #[test]
    fn bad_front_matter_names_line_and_column() {
        let (page, p) = one("+++\ntitle = \"About\"\norder = \"x\"\n+++\n");
        assert!(page.is_none());
        assert_eq!((p[0].line, p[0].column), (Some(3), Some(9)), "{p:?}");
        let (page, p) = one("+++\ntitel = \"About\"\n+++\n");
        assert!(page.is_none() && p[0].message.contains("titel"), "{p:?}");
        assert_eq!(p[0].line, Some(2));
        let (page, p) = one("no front matter");
        assert!(page.is_none() && p[0].message.contains("+++"));
        let (page, _) = one("+++\ntitle = \"x\"\n");
        assert!(page.is_none());
    }

    #[test]
    fn hostile_pages_are_defused() {
        let (page, p) = one(
            "+++\ntitle = \"<b>x</b>\"\nslug = \"../../etc/passwd\"\n+++\n<script>alert(1)</script>\n<img src=x onerror=alert(1)>\n[a](javascript:alert(1))\n",
        );
        let page = page.unwrap();
        assert!(!page.slug.contains('/') && !page.slug.contains(".."), "{}", page.slug);
        assert!(p.iter().any(|p| p.message.contains("not URL-safe")), "{p:?}");
        let lower = page.html.to_lowercase();
        for bad in ["<script", "onerror", "href=\"javascript:"] {
            assert!(!lower.contains(bad), "{bad} in {}", page.html);
        }
    }
}
