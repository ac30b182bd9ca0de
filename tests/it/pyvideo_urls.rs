//! `url_style = "pyvideo"` on the whole real archive publishes pyvideo.org's URLs: the
//! HTML paths of pyvideo.org's own Pelican build (`pyvideo-org-urls-dev.txt.gz`) exist
//! in podium's build, pagination and date archives left out.
//!
//! The list covers the talk and event pages of the events in `pyvideo/` but the speaker,
//! tag and old-link (`/video/…`, `/category/…`) pages of the whole archive, so entries of
//! events not in this data are counted apart, each by a rule that does not use podium's
//! slugs: `/video/<id>/…` of an id no talk here has; `/category/…` lines of
//! `redirects.txt` whose target is an event page neither in the list nor named after a
//! folder here. For speakers and tags, whose pages of other events cannot be told apart,
//! every page podium writes must be one of the list's (a wrong slug shows up there), and
//! the `real_data` tests check that every name gets its page.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::Path;

use crate::common::*;

/// Entries of the list that match nothing in this snapshot of the data (the list was
/// made from a slightly different one), with the reason. Not tuned to: each was looked
/// up by hand.
/// None are left: every talk of the list is found.
const OTHER_SNAPSHOT: &[(&str, &str)] = &[];

/// pyvideo.org's own content pages: a site that switches adds them in `pages/`
/// (see `content_pages`), they are not part of the data.
const SITE_PAGES: &[&str] = &[
    "/pages/about.html",
    "/pages/thank-you-contributors.html",
    "/pages/thanks-will-and-sheila.html",
];

/// Required share of the list's entries (of events in the data) that exist.
const GOAL: f64 = 0.998;

fn list() -> Option<Vec<String>> {
    let data = pyvideo()?;
    let file = data.parent()?.join("pyvideo-org-urls-dev.txt.gz");
    let Ok(gz) = std::fs::File::open(&file) else {
        assert!(std::env::var_os("CI").is_none(), "{} is missing", file.display());
        eprintln!("skipping: {} is not present", file.display());
        return None;
    };
    let mut text = String::new();
    flate2::read::GzDecoder::new(gz)
        .read_to_string(&mut text)
        .expect("list is gzip text");
    Some(
        text.lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(String::from)
            .collect(),
    )
}

/// Pelican's pagination: `<stem><n>.html` for n ≥ 2 next to `<stem>.html` in the list.
fn is_pagination(url: &str, all: &BTreeSet<&str>) -> bool {
    let Some(stem) = url.strip_suffix(".html") else {
        return false;
    };
    let digits = stem.len() - stem.trim_end_matches(|c: char| c.is_ascii_digit()).len();
    (1..=digits).any(|n| {
        let (base, num) = stem.split_at(stem.len() - n);
        !num.starts_with('0')
            && num.parse::<u64>().is_ok_and(|k| k >= 2)
            && all.contains(format!("{base}.html").as_str())
    })
}

fn kind(url: &str) -> &'static str {
    match url.trim_start_matches('/').split('/').next().unwrap_or("") {
        "speaker" => "speaker",
        "tag" => "tag",
        "events" => "event",
        "video" => "video",
        "category" => "category",
        "pages" => "page",
        _ if url.matches('/').count() == 1 => "site",
        _ => "talk",
    }
}

fn exists(site: &Path, url: &str) -> bool {
    site.join(podium::urls::file_for(url)).is_file()
}

#[test]
fn pyvideo_preset_publishes_pyvideo_org_urls() {
    let (Some(data), Some(list)) = (pyvideo(), list()) else {
        return;
    };
    let all: BTreeSet<&str> = list.iter().map(String::as_str).collect();
    // Independent facts from the data: talk ids, event folders, redirects.txt.
    let mut ids = BTreeSet::new();
    let mut folders = BTreeSet::new();
    for entry in walkdir::WalkDir::new(&data).into_iter().filter_map(Result::ok) {
        let p = entry.path();
        if p.file_name().is_some_and(|n| n == "category.json") {
            folders.insert(p.parent().unwrap().file_name().unwrap().to_string_lossy().into_owned());
        } else if p.extension().is_some_and(|e| e == "json") && p.parent().is_some_and(|d| d.ends_with("videos")) {
            let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap();
            if let Some(id) = v["id"].as_u64() {
                ids.insert(id);
            }
        }
    }
    let redirects: BTreeMap<String, String> = std::fs::read_to_string(data.join("redirects.txt"))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.split_once(' '))
        .map(|(a, b)| (a.trim_end_matches('/').to_string(), b.trim().to_string()))
        .collect();
    let other_event = |url: &str| -> bool {
        let segs: Vec<&str> = url.trim_matches('/').split('/').collect();
        match segs.as_slice() {
            ["video", id, ..] => id.parse::<u64>().is_ok_and(|id| !ids.contains(&id)),
            ["category", ..] => {
                let from = url.trim_end_matches("/index.html");
                redirects.get(from).is_some_and(|to| {
                    let event = to.trim_start_matches("/events/").trim_end_matches(".html");
                    !all.contains(to.as_str()) && !folders.contains(event)
                })
            }
            _ => false,
        }
    };

    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("site");
    let mut config = podium::Config::load(&repo()).expect("config");
    config.data_dir = data.clone();
    config.output_dir = site.clone();
    config.templates_dir = repo().join("templates-none");
    config.static_dir = repo().join("static-none");
    // pyvideo.org's own pages are not in the data (see SITE_PAGES), nor the sample's.
    config.pages_dir = repo().join("pages-none");
    config.url_style = podium::config::UrlStyle::Pyvideo;
    let options = podium::BuildOptions {
        no_search: true,
        ..Default::default()
    };
    podium::build(&config, &options).expect("build succeeds");

    let mut counted: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    let mut missing: Vec<&str> = Vec::new();
    let (mut paged, mut others, mut listed) = (0, 0, 0);
    for url in &list {
        let url = url.as_str();
        if url.starts_with("/archives") || is_pagination(url, &all) {
            paged += 1;
            continue;
        }
        let k = kind(url);
        let here = exists(&site, url);
        if !here && (other_event(url) || matches!(k, "speaker" | "tag")) {
            others += 1;
            continue;
        }
        if !here && (OTHER_SNAPSHOT.iter().any(|(u, _)| *u == url) || SITE_PAGES.contains(&url)) {
            listed += 1;
            continue;
        }
        let c = counted.entry(k).or_default();
        c.1 += 1;
        if here {
            c.0 += 1;
        } else {
            missing.push(url);
        }
    }
    // Speaker, tag and talk pages podium writes that pyvideo.org does not have.
    let mut extra: Vec<String> = Vec::new();
    for (dir, k, suffix) in [("speaker", "speaker", ".html"), ("tag", "tag", "/index.html")] {
        for e in std::fs::read_dir(site.join(dir)).unwrap().filter_map(Result::ok) {
            let name = e.file_name().to_string_lossy().into_owned();
            let url = match suffix {
                ".html" if name.ends_with(".html") => format!("/{dir}/{name}"),
                "/index.html" if e.path().is_dir() => format!("/{dir}/{name}/index.html"),
                _ => continue,
            };
            if !all.contains(url.as_str()) {
                counted.entry(k).or_default().1 += 1;
                extra.push(url);
            }
        }
    }
    let found: usize = counted.values().map(|c| c.0).sum();
    let total: usize = counted.values().map(|c| c.1).sum();
    let share = found as f64 / total as f64;
    eprintln!(
        "pyvideo.org URLs present: {found} of {total} = {:.3}% ({} entries in the list; left out: {paged} pagination and date archives, {others} of events not in the data, {listed} listed in this test)",
        share * 100.0,
        list.len()
    );
    for (k, (f, t)) in &counted {
        eprintln!("  {k}: {f} of {t}");
    }
    let talks_missing: Vec<&&str> = missing.iter().filter(|u| kind(u) == "talk").collect();
    assert!(talks_missing.is_empty(), "talk URLs missing: {talks_missing:?}");
    assert!(
        share >= GOAL,
        "coverage {:.3}% under {:.1}%; missing: {:?}; pages pyvideo.org lacks: {:?}",
        share * 100.0,
        GOAL * 100.0,
        &missing[..missing.len().min(40)],
        &extra[..extra.len().min(40)]
    );
    // The feeds where pyvideo.org has them.
    for feed in ["/feeds/all.atom.xml", "/feeds/all.rss.xml"] {
        assert!(exists(&site, feed), "{feed}");
    }
    assert!(exists(&site, "/feeds/event_codedive-2018.atom.xml"));
    assert!(exists(&site, "/feeds/event_codedive-2018.rss.xml"));
}

#[test]
fn pagination_rule() {
    let all: BTreeSet<&str> = ["/events/depy-2015.html", "/index.html", "/speaker/a.html"].into();
    assert!(is_pagination("/events/depy-20152.html", &all));
    assert!(is_pagination("/index12.html", &all));
    assert!(!is_pagination("/events/depy-2015.html", &all));
    assert!(!is_pagination("/speaker/a1.html", &all));
    assert!(!is_pagination("/speaker/b2.html", &all));
}
