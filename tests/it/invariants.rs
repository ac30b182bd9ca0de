//! Properties shared by the proptests (`props.rs`) and the cargo-fuzz targets in
//! `fuzz/`, which include this file with `#[path]`: keep it free of test-only crates.

use std::path::Path;

use podium::config::UrlStyle;
use podium::load::{CategoryFile, Loaded, RawEvent};
use podium::normalize::{normalize, NormalizeOptions};
use podium::slugs::{MAX_PYVIDEO_SLUG_LEN, MAX_SLUG_LEN};

/// A slug is never empty, never holds `/` or `..`, and is short, lowercase-or-safe ASCII.
pub fn check_slug(input: &str, slug: &str) -> Result<(), String> {
    check_slug_in(UrlStyle::Podium, input, slug)
}

/// [`check_slug`] under a URL style: the pyvideo style allows pyvideo.org's longer
/// slugs and `.` inside one (a record's own `x.json`), never at its start.
pub fn check_slug_in(style: UrlStyle, input: &str, slug: &str) -> Result<(), String> {
    let (max, dot) = match style {
        UrlStyle::Podium => (MAX_SLUG_LEN, false),
        UrlStyle::Pyvideo => (MAX_PYVIDEO_SLUG_LEN, true),
    };
    let ok = !slug.is_empty()
        && slug.len() <= max
        && !slug.contains('/')
        && !slug.contains("..")
        && !slug.starts_with('.')
        && slug
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || (dot && b == b'.'));
    if ok {
        Ok(())
    } else {
        Err(format!("bad slug {slug:?} for {input:?}"))
    }
}

/// Both slug functions on one name: safe slugs, and applying them again changes nothing.
pub fn check_slugging(name: &str) -> Result<(), String> {
    let s = podium::slugs::slugify(name);
    let r = podium::slugs::record_slug(name);
    check_slug(name, &s)?;
    check_slug(name, &r)?;
    // The pyvideo style's: safe, and a safe slug given as a record's own is kept.
    let py = UrlStyle::Pyvideo;
    let (n, g) = (podium::slugs::name_slug(name, py), podium::slugs::given_slug(name, py));
    check_slug_in(py, name, &n)?;
    check_slug_in(py, name, &g)?;
    if podium::slugs::given_slug(&n, py) != n || podium::slugs::given_slug(&g, py) != g {
        return Err(format!(
            "pyvideo slugs of {name:?} change when given again: {n:?}, {g:?}"
        ));
    }
    let stable =
        podium::slugs::slugify(&s) == s && podium::slugs::record_slug(&s) == s && podium::slugs::record_slug(&r) == r;
    if stable {
        Ok(())
    } else {
        Err(format!("slugs of {name:?} change when slugged again: {s:?}, {r:?}"))
    }
}

/// URL-valued attributes, where a `javascript:` value would run.
const URL_ATTRS: &[&str] = &[
    "href",
    "src",
    "action",
    "formaction",
    "xlink:href",
    "data",
    "poster",
    "background",
    "cite",
    "srcset",
    "lowsrc",
    "dynsrc",
    "longdesc",
    "manifest",
    "ping",
];

/// The first unsafe construct in rendered HTML, if any: `<script` anywhere, an `on*`
/// event-handler attribute, or a `javascript:` URL in a URL attribute (entities decoded
/// and whitespace dropped first, as a browser would).
pub fn html_problem(html: &str) -> Option<String> {
    if html.to_ascii_lowercase().contains("<script") {
        return Some("contains `<script`".into());
    }
    let b = html.as_bytes();
    let mut i = 0;
    while let Some(off) = html[i..].find('<') {
        let start = i + off;
        let rest = &html[start..];
        if rest.starts_with("<!--") {
            i = rest.find("-->").map_or(html.len(), |e| start + e + 3);
            continue;
        }
        let name_len = rest[1..]
            .bytes()
            .take_while(|c| !(c.is_ascii_whitespace() || *c == b'/' || *c == b'>'))
            .count();
        if name_len == 0 || !rest.as_bytes()[1].is_ascii_alphabetic() {
            i = start + 1;
            continue;
        }
        // Attributes, tokenised like a browser: names end at space, `/`, `>` or `=`.
        let mut pos = start + 1 + name_len;
        loop {
            while pos < b.len() && (b[pos].is_ascii_whitespace() || b[pos] == b'/') {
                pos += 1;
            }
            if pos >= b.len() || b[pos] == b'>' {
                break;
            }
            let name_start = pos;
            pos += 1;
            while pos < b.len() && !(b[pos].is_ascii_whitespace() || matches!(b[pos], b'/' | b'>' | b'=')) {
                pos += 1;
            }
            let name = html[name_start..pos].to_ascii_lowercase();
            while pos < b.len() && b[pos].is_ascii_whitespace() {
                pos += 1;
            }
            let mut value = String::new();
            if b.get(pos) == Some(&b'=') {
                pos += 1;
                while pos < b.len() && b[pos].is_ascii_whitespace() {
                    pos += 1;
                }
                match b.get(pos) {
                    Some(&q) if q == b'"' || q == b'\'' => {
                        let end = html[pos + 1..].find(q as char).map_or(html.len(), |e| pos + 1 + e);
                        value = html[pos + 1..end].to_string();
                        pos = (end + 1).min(html.len());
                    }
                    _ => {
                        let v_start = pos;
                        while pos < b.len() && !(b[pos].is_ascii_whitespace() || b[pos] == b'>') {
                            pos += 1;
                        }
                        value = html[v_start..pos].to_string();
                    }
                }
            }
            if name.starts_with("on") {
                return Some(format!("event-handler attribute `{name}`"));
            }
            if URL_ATTRS.contains(&name.as_str()) {
                let seen: String = decode_entities(&value)
                    .chars()
                    .filter(|c| !(c.is_ascii_whitespace() || c.is_control()))
                    .collect::<String>()
                    .to_ascii_lowercase();
                if seen.contains("javascript:") {
                    return Some(format!("`javascript:` URL in `{name}`"));
                }
            }
        }
        i = pos.min(html.len());
    }
    None
}

/// Decodes numeric character references and the named ones that can spell a scheme.
fn decode_entities(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let tail = &rest[amp + 1..];
        let end = tail
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '#'))
            .unwrap_or(tail.len());
        let name = &tail[..end];
        let decoded = match name {
            "colon" => Some(':'),
            "Tab" => Some('\t'),
            "NewLine" => Some('\n'),
            "amp" => Some('&'),
            _ => name.strip_prefix('#').and_then(|n| {
                let code = match n.strip_prefix(['x', 'X']) {
                    Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                    None => n.parse().ok()?,
                };
                char::from_u32(code)
            }),
        };
        match decoded {
            Some(c) => {
                out.push(c);
                let skip = end + usize::from(tail[end..].starts_with(';'));
                rest = &tail[skip..];
            }
            None => {
                out.push('&');
                rest = tail;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Parses `bytes` as a talk file of either format, in an event folder and outside
/// one, and normalises whatever parsed: nothing may panic, every error names the file
/// with a 1-based position, and every slug the archive would publish is safe.
pub fn check_talk_file(bytes: &[u8]) -> Result<(), String> {
    let path = Path::new("data/ev/videos/t.json");
    if let Err(p) = podium::load::parse_category(Path::new("data/ev/category.json"), bytes) {
        check_problem(&p, "data/ev/category.json")?;
    }
    for event_dir in [Some("ev".into()), None] {
        let talks = match podium::load::parse_talks(path, bytes, event_dir) {
            Ok(t) => {
                for p in &t.problems {
                    check_problem(p, "data/ev/videos/t.json")?;
                }
                t.talks
            }
            Err(p) => {
                check_problem(&p, "data/ev/videos/t.json")?;
                continue;
            }
        };
        for (style, drafts) in [(UrlStyle::Podium, false), (UrlStyle::Pyvideo, true)] {
            let mut loaded = Loaded {
                root: "data".into(),
                talks: talks.clone(),
                ..Loaded::default()
            };
            loaded.events.push(RawEvent {
                path: "data/ev/category.json".into(),
                dir: "ev".into(),
                folder: "ev".into(),
                data: CategoryFile {
                    title: "Ev".into(),
                    description: None,
                    url: None,
                    start_date: None,
                    end_date: None,
                    slug: None,
                },
            });
            let (archive, problems) = normalize(
                loaded,
                &NormalizeOptions {
                    drafts,
                    url_style: style,
                },
            );
            for p in &problems {
                check_problem(p, "data/ev/videos/t.json")?;
            }
            for t in &archive.talks {
                check_slug_in(style, &t.title, &t.slug)?;
                for alias in &t.aliases {
                    check_redirect_source(alias)?;
                }
                for v in &t.videos {
                    podium::video::classify(&v.kind, &v.url, v.size);
                }
            }
            for e in &archive.events {
                check_slug_in(style, &e.title, &e.slug)?;
            }
            for term in archive.speakers.iter().chain(&archive.tags).chain(&archive.languages) {
                check_slug_in(style, &term.name, &term.slug)?;
            }
        }
    }
    Ok(())
}

fn check_problem(p: &podium::Problem, path: &str) -> Result<(), String> {
    let positioned = match (p.line, p.column) {
        (Some(l), Some(c)) => l >= 1 && c >= 1,
        (None, None) => true,
        _ => false,
    };
    if !p.path.starts_with("data") || p.message.trim().is_empty() || !positioned {
        return Err(format!("bad problem for {path}: {p:?}"));
    }
    Ok(())
}

/// A redirect source (an alias or the first column of a `redirects.txt` line)
/// either is refused or names a safe file inside the site, and a file admitted
/// next to the files a build writes is none of them, below none of them, and no
/// folder of theirs.
pub fn check_redirect_source(source: &str) -> Result<(), String> {
    let Some(file) = podium::redirects::source_file(source) else {
        return Ok(());
    };
    if !podium::urls::is_safe_rel_path(&file) || file.split('/').any(|s| s.is_empty() || s.starts_with('.')) {
        return Err(format!("{source:?} maps to the unsafe file {file:?}"));
    }
    if !(file.ends_with(".html") || file.ends_with(".htm")) {
        return Err(format!("{source:?} maps to {file:?}, which is not a page"));
    }
    let written = [
        "index.html",
        "robots.txt",
        "static/style.css",
        "events/ev/index.html",
        "api/v2/video/1.json",
    ];
    let taken = podium::redirects::Taken::new(written.iter().map(|s| s.to_string()));
    if taken.collision(&file).is_none() {
        let below = |w: &str| file.starts_with(&format!("{w}/")) || w.starts_with(&format!("{file}/"));
        if let Some(w) = written
            .iter()
            .chain(["_redirects"].iter())
            .find(|w| **w == file || below(w))
        {
            return Err(format!("{source:?} ({file:?}) was admitted beside {w:?}"));
        }
        if podium::search::is_search_path(&file) {
            return Err(format!("{source:?} ({file:?}) was admitted inside a search folder"));
        }
    }
    Ok(())
}

/// Every redirect of a `redirects.txt` text passes [`check_redirect_source`];
/// malformed lines are warnings at their 1-based line.
pub fn check_redirects_txt(text: &str) -> Result<(), String> {
    let (redirects, problems) = podium::load::parse_redirects(Path::new("data/redirects.txt"), text);
    for p in &problems {
        check_problem(p, "data/redirects.txt")?;
    }
    for r in &redirects {
        check_redirect_source(&r.from)?;
    }
    Ok(())
}
