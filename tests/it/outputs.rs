//! Site-wide outputs: feeds, sitemap, redirects, JSON API and the pyvideo URL preset.

use std::path::Path;

use crate::common::*;

fn feeds_in(site: &Path) -> Vec<std::path::PathBuf> {
    walkdir::WalkDir::new(site)
        .into_iter()
        .filter_map(Result::ok)
        .map(|e| e.into_path())
        .filter(|p| p.to_string_lossy().ends_with("atom.xml") || p.to_string_lossy().ends_with("rss.xml"))
        .collect()
}

fn check_feeds(site: &Path) -> usize {
    let feeds = feeds_in(site);
    for f in &feeds {
        let bytes = std::fs::read(f).unwrap();
        let feed = feed_rs::parser::parse(&bytes[..]).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        assert!(!feed.entries.is_empty(), "{} has entries", f.display());
        for e in &feed.entries {
            assert!(
                e.links.iter().any(|l| l.href.starts_with("http")),
                "absolute entry link in {}",
                f.display()
            );
        }
        assert!(feed.entries.len() <= 50, "feed_limit respected");
    }
    feeds.len()
}

#[test]
fn sample_feeds_parse_and_carry_enclosures() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("site");
    build_into(&repo().join("content"), &out, |_| {});
    assert!(check_feeds(&out) > 100);
    // meetup-paris has direct video files: its RSS items carry enclosures.
    let rss = std::fs::read_to_string(out.join("events/meetup-paris/rss.xml")).unwrap();
    let feed = feed_rs::parser::parse(rss.as_bytes()).unwrap();
    assert!(
        feed.entries
            .iter()
            .any(|e| e.media.iter().any(|m| !m.content.is_empty())),
        "{rss}"
    );
    assert!(rss.contains("<enclosure url=\"https://"));
    // Every list page links its feeds.
    let event = std::fs::read_to_string(out.join("events/meetup-paris/index.html")).unwrap();
    assert!(event.contains(
        r#"<link rel="alternate" type="application/atom+xml" title="Atom feed" href="/events/meetup-paris/atom.xml">"#
    ));
    let home = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(home.contains(r#"href="/rss.xml""#));
}

#[test]
fn real_data_feeds_all_parse() {
    let Some(site) = real_site() else { return };
    let n = check_feeds(site);
    assert!(n > 20_000, "feeds for the archive, events, speakers and tags: {n}");
}

#[test]
fn api_record_377_matches_the_old_api() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("site");
    build_into(&repo().join("content"), &out, |_| {});
    let ours: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("api/v2/video/377.json")).unwrap()).unwrap();
    let old: serde_json::Value =
        serde_json::from_slice(&std::fs::read(repo().join("content/richard-api-v2/video-377.json")).unwrap()).unwrap();
    let (ours, old) = (ours.as_object().unwrap(), old.as_object().unwrap());
    for (k, v) in old {
        let mine = ours.get(k).unwrap_or_else(|| panic!("field `{k}` missing"));
        let same_type = std::mem::discriminant(mine) == std::mem::discriminant(v) || v.is_null() || mine.is_null();
        assert!(same_type, "field `{k}`: {mine} vs {v}");
    }
    // Fields the pyvideo record carries must agree (descriptions differ only in wrapping).
    for k in [
        "category",
        "language",
        "slug",
        "speakers",
        "tags",
        "id",
        "state",
        "title",
        "summary",
        "quality_notes",
        "copyright_text",
        "recorded",
        "duration",
    ] {
        assert_eq!(ours[k], old[k], "field `{k}`");
    }
    let words = |v: &serde_json::Value| v.as_str().unwrap().split_whitespace().collect::<Vec<_>>().join(" ");
    assert_eq!(words(&ours["description"]), words(&old["description"]));
    let events: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("api/events.json")).unwrap()).unwrap();
    assert!(events
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["slug"] == "pycon-us-2011" && e["talks"] == 99));
    let talks: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("api/talks.json")).unwrap()).unwrap();
    assert_eq!(talks.as_array().unwrap().len(), 148);
}

#[test]
fn old_links_redirect_and_hostile_aliases_are_skipped() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let ev = data.join("ev");
    std::fs::create_dir_all(ev.join("videos")).unwrap();
    std::fs::write(ev.join("category.json"), r#"{"title": "Ev 2020"}"#).unwrap();
    let talk = |name: &str, id: u64, alias: &str| {
        std::fs::write(
            ev.join("videos").join(name),
            format!(
                r#"{{"title": "T{id}", "id": {id}, "slug": "t{id}", "alias": "{alias}", "speakers": [], "videos": []}}"#
            ),
        )
        .unwrap();
    };
    talk("a.json", 1, "video/1/old-slug");
    talk("b.json", 2, "../../escape");
    talk("c.json", 3, "events/ev/t1/");
    talk("d.json", 4, "%2e%2e/x");
    std::fs::write(
        data.join("redirects.txt"),
        "/category/9/Ev /events/ev.html\n/x /nowhere.html\n",
    )
    .unwrap();
    let out = tmp.path().join("site");
    let report = build_into(&data, &out, |_| {});
    let page = std::fs::read_to_string(out.join("video/1/old-slug/index.html")).unwrap();
    assert!(
        page.contains(r#"<meta http-equiv="refresh" content="0; url=/events/ev/t1/">"#),
        "{page}"
    );
    assert!(page.contains(r#"<link rel="canonical" href="http://127.0.0.1:1111/events/ev/t1/">"#));
    assert!(out.join("video/2/index.html").is_file() && out.join("video/2/t2/index.html").is_file());
    assert!(out.join("category/9/Ev/index.html").is_file());
    let msgs: Vec<String> = report.problems.iter().map(|p| p.message.clone()).collect();
    assert!(
        msgs.contains(
            &"alias `../../escape` is not a relative path of letters, digits, `-`, `_` and `.`; dropped".to_string()
        ),
        "{msgs:?}"
    );
    assert!(msgs.contains(
        &"alias `%2e%2e/x` is not a relative path of letters, digits, `-`, `_` and `.`; dropped".to_string()
    ));
    assert!(msgs.contains(
        &"redirect from `events/ev/t1` collides with `events/ev/t1/index.html`, which the build writes; skipped"
            .to_string()
    ));
    assert!(msgs.contains(&"redirect target `/nowhere.html` is not a page of this site; skipped".to_string()));
    let talk_page = std::fs::read_to_string(out.join("events/ev/t1/index.html")).unwrap();
    assert!(talk_page.contains("<h1>T1</h1>"), "real page not overwritten");
    let netlify = std::fs::read_to_string(out.join("_redirects")).unwrap();
    assert!(netlify.contains("/video/1/old-slug/ /events/ev/t1/ 301\n"), "{netlify}");
    assert!(!tmp.path().join("escape").exists() && !data.join("escape").exists());
}

#[test]
fn sitemap_splits_past_50000_urls() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let ev = data.join("ev");
    std::fs::create_dir_all(ev.join("videos")).unwrap();
    std::fs::write(ev.join("category.json"), r#"{"title": "Generated"}"#).unwrap();
    // Each talk has its own speaker and tag: three pages per talk.
    for i in 0..17_000 {
        std::fs::write(
            ev.join("videos").join(format!("t{i}.json")),
            format!(r#"{{"title": "Talk {i}", "speakers": ["Speaker {i}"], "tags": ["tag{i}"], "videos": [], "recorded": "2020-01-01"}}"#),
        )
        .unwrap();
    }
    let out = tmp.path().join("site");
    build_into(&data, &out, |_| {});
    let index = std::fs::read_to_string(out.join("sitemap.xml")).unwrap();
    assert!(index.contains("<sitemapindex"), "{}", &index[..200.min(index.len())]);
    let mut total = 0;
    for i in 1..=2 {
        let part = std::fs::read_to_string(out.join(format!("sitemap-{i}.xml"))).unwrap();
        let n = part.matches("<url>").count();
        assert!(n <= 50_000);
        total += n;
    }
    assert!(total > 51_000, "{total}");
    let robots = std::fs::read_to_string(out.join("robots.txt")).unwrap();
    assert!(robots.contains("Sitemap: http://127.0.0.1:1111/sitemap.xml"));
}

#[test]
fn pyvideo_url_style_reproduces_published_urls() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("site");
    build_into(&repo().join("content"), &out, |c| {
        c.url_style = podium::config::UrlStyle::Pyvideo
    });
    for path in [
        "pycon-us-2011/pycon-2011--using-coroutines-to-create-efficient-.html",
        "events/pycon-us-2011.html",
        "speaker/matt-spitz.html",
        "tag/gevent/index.html",
        "events.html",
        "speakers.html",
        "tags.html",
    ] {
        assert!(out.join(path).is_file(), "{path}");
    }
}

/// A site folder with `talks` generated talks (plus the fixture's own), and its
/// config with the search index in `parts` parts and the built-in theme.
fn generated_site(talks: usize, parts: usize) -> (crate::support::Site, podium::Config) {
    let site = crate::support::Site::new();
    crate::support::generate_talks(&site, "gen", talks);
    let mut config = podium::Config::load(site.path()).expect("config");
    config.templates_dir = repo().join("templates-none");
    config.static_dir = repo().join("static-none");
    config.search_shards = Some(parts);
    (site, config)
}

/// An edit re-indexes only the part of the search index its talk is in; the
/// other part is kept as it was.
#[test]
fn an_edit_rebuilds_one_part_of_the_search_index() {
    let (site, config) = generated_site(40, 2);
    let build = || podium::build(&config, &podium::BuildOptions::default()).expect("build succeeds");
    let kept = |r: &podium::BuildReport| {
        r.kinds
            .iter()
            .find(|k| k.0 == "search: index part kept from the last build")
            .map_or(0, |k| k.1)
    };
    assert_eq!(kept(&build()), 0);
    let before = read_tree(&site.out());
    site.write(
        "content/gen/videos/t00007.json",
        r#"{"title": "Talk 7", "speakers": ["Speaker 7"], "recorded": "2019-08-08", "videos": [], "description": "Now about coroutines."}"#,
    );
    assert_eq!(kept(&build()), 1);
    let after = read_tree(&site.out());
    let parts = |tree: &std::collections::BTreeMap<String, Vec<u8>>| -> Vec<String> {
        tree.keys()
            .filter(|k| podium::search::is_search_path(k))
            .map(|k| k.split('/').next().unwrap_or_default().to_string())
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect()
    };
    assert_eq!(parts(&after), ["pagefind", "pagefind-2"]);
    // Every changed, added or removed search file is in one part.
    let mut changed: Vec<&String> = after.keys().filter(|k| before.get(*k) != after.get(*k)).collect();
    changed.extend(before.keys().filter(|k| !after.contains_key(*k)));
    let changed_parts: std::collections::BTreeSet<&str> = changed
        .iter()
        .filter(|k| podium::search::is_search_path(k))
        .filter_map(|k| k.split('/').next())
        .collect();
    assert_eq!(changed_parts.len(), 1, "{changed:?}");
}

/// With more index parts than talks, only parts holding talks are written (and
/// `pagefind/`, which holds the runtime), and the search page loads exactly the
/// parts that hold talks: an empty part has no index, and Pagefind fails on one
/// ("No language indexes found") — the first part may be such a part.
#[test]
fn empty_search_parts_are_neither_written_nor_merged() {
    let (site, config) = generated_site(3, 8);
    podium::build(&config, &podium::BuildOptions::default()).expect("build succeeds");
    let tree = read_tree(&site.out());
    let written: std::collections::BTreeSet<String> = tree
        .keys()
        .filter(|k| podium::search::is_search_path(k))
        .filter_map(|k| k.split('/').next())
        .map(|d| format!("/{d}/"))
        .collect();
    let with_talks: std::collections::BTreeSet<String> = tree
        .keys()
        .filter(|k| podium::search::is_search_path(k) && k.contains("/fragment/"))
        .filter_map(|k| k.split('/').next())
        .map(|d| format!("/{d}/"))
        .collect();
    let page = String::from_utf8(tree["search/index.html"].clone()).expect("utf-8");
    let loaded: std::collections::BTreeSet<String> = page
        .split("data-parts=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_default()
        .split(' ')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    // 4 talks (3 generated + the fixture's own) in at most 4 of the 8 parts.
    assert!(written.len() <= 5 && written.contains("/pagefind/"), "{written:?}");
    assert!(tree.contains_key("pagefind/pagefind.js"));
    assert!(!with_talks.is_empty() && with_talks.len() <= 4, "{with_talks:?}");
    assert_eq!(loaded, with_talks, "{page}");
    assert!(
        written.iter().all(|d| d == "/pagefind/" || with_talks.contains(d)),
        "{written:?}"
    );
    for dir in &written {
        let entry = format!("{}pagefind-entry.json", &dir[1..]);
        assert!(tree.contains_key(&entry), "{entry} missing");
    }
}

/// Checks `api/speakers.json` of a built site: every speaker `talks.json` credits is
/// listed once (unique slugs), with as many talks as it credits them with, and a URL
/// whose page exists. Returns the number of speakers.
fn check_speakers_api(out: &Path) -> usize {
    let read = |p: &str| -> serde_json::Value { serde_json::from_slice(&std::fs::read(out.join(p)).unwrap()).unwrap() };
    let (speakers, talks) = (read("api/speakers.json"), read("api/talks.json"));
    let mut credited: std::collections::HashMap<&str, u64> = std::collections::HashMap::new();
    for t in talks.as_array().unwrap() {
        for s in t["speakers"].as_array().unwrap() {
            *credited.entry(s.as_str().unwrap()).or_default() += 1;
        }
    }
    let list = speakers.as_array().unwrap();
    assert_eq!(list.len(), credited.len(), "one entry per credited speaker");
    let mut slugs = std::collections::HashSet::new();
    for s in list {
        let name = s["name"].as_str().unwrap();
        assert_eq!(s["talks"].as_u64(), credited.get(name).copied(), "talk count of {name}");
        assert!(slugs.insert(s["slug"].as_str().unwrap()), "slug of {name} is unique");
        let url = s["url"].as_str().unwrap();
        let host_and_path = url.split_once("://").unwrap().1;
        let path = &host_and_path[host_and_path.find('/').unwrap() + 1..];
        let file = if path.ends_with('/') || path.is_empty() {
            out.join(path).join("index.html")
        } else {
            out.join(path)
        };
        assert!(file.is_file(), "{name}: {url} has a page");
        assert!(
            std::fs::read_to_string(&file)
                .unwrap()
                .contains(&format!("<h1>{}", podium::render::escape_html(name))),
            "{url} is {name}'s page"
        );
    }
    list.len()
}

#[test]
fn speakers_api_lists_every_speaker_with_their_page_and_talk_count() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("site");
    let report = build_into(&repo().join("content"), &out, |_| {});
    assert_eq!(check_speakers_api(&out), report.speakers);
    let Some(real) = real_site() else { return };
    assert!(check_speakers_api(real) > 10_000);
}
