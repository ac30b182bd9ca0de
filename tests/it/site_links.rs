//! `podium check --site`: a site built from the bundled sample has no broken links.

use podium::linkcheck::check_site;

use crate::common::*;

#[test]
fn sample_site_has_no_broken_links() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("site");
    build_into(&repo().join("content"), &out, |_| {});
    let report = check_site(&out, "").unwrap();
    let problems: Vec<String> = report.problems.iter().map(|p| p.to_string()).collect();
    assert_eq!(problems, Vec::<String>::new());
    let pages = report.counts.iter().find(|(k, _)| *k == "pages").unwrap().1;
    let links = report.counts.iter().find(|(k, _)| *k == "links").unwrap().1;
    assert!(pages > 100 && links > pages * 5, "{:?}", report.counts);
}

#[test]
fn sample_site_under_a_base_path_has_no_broken_links() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("site");
    build_into(&repo().join("content"), &out, |c| {
        c.base_url = "https://example.org/talks/".into()
    });
    let report = check_site(&out, "/talks/").unwrap();
    let problems: Vec<String> = report.problems.iter().map(|p| p.to_string()).collect();
    assert_eq!(problems, Vec::<String>::new());
    // The same site checked as if served at the domain root: every root-relative link breaks.
    let wrong = check_site(&out, "").unwrap();
    assert!(wrong.errors() > 100, "{}", wrong.summary());
}

#[test]
fn reports_broken_links_and_missing_anchors() {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path();
    std::fs::create_dir_all(site.join("a")).unwrap();
    std::fs::write(site.join("a/index.html"), "<h1 id=top-of-a>A</h1>").unwrap();
    std::fs::write(site.join("s.css"), "").unwrap();
    std::fs::write(
        site.join("index.html"),
        "<!doctype html>\n<link rel=stylesheet href=\"s.css?v=2\">\n<p><a href=\"a/\">ok</a> <a href=\"/a/#top-of-a\">ok</a>\n\
         <a href=\"/b/\">broken</a> <img src=\"i.png\" alt=\"\">\n<a href=\"a/#nope\">anchor</a>\n\
         <a href=\"javascript:void(0)\">js</a> <a href=\"https://example.org/x\">ext</a> <a href=\"mailto:a@b.c\">m</a>\n",
    )
    .unwrap();
    let report = check_site(site, "").unwrap();
    let prefix = format!("{}/", site.display());
    let got: Vec<String> = report
        .problems
        .iter()
        .map(|p| p.to_string().replacen(&prefix, "", 1))
        .collect();
    assert_eq!(
        got,
        [
            "index.html:4:1: error: broken link to `/b/`",
            "index.html:4:26: error: broken link to `i.png`",
            "index.html:5:1: warning: link to `a/#nope`: `a/index.html` has no element with id `nope`",
            "index.html:6:1: error: `javascript:` URL `javascript:void(0)`; use a script instead",
        ]
    );
    assert_eq!(report.summary(), "checked 2 pages, 9 links: 3 error(s), 1 warning(s)");
}

#[test]
fn pyvideo_url_style_has_no_broken_links() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("site");
    build_into(&repo().join("content"), &out, |c| {
        c.url_style = podium::config::UrlStyle::Pyvideo
    });
    let report = check_site(&out, "").unwrap();
    let problems: Vec<String> = report.problems.iter().map(|p| p.to_string()).collect();
    assert_eq!(problems, Vec::<String>::new());
}

#[test]
fn real_data_site_has_no_broken_links() {
    let Some(site) = real_site() else { return };
    let report = check_site(site, "").unwrap();
    let problems: Vec<String> = report.problems.iter().take(20).map(|p| p.to_string()).collect();
    assert_eq!(problems, Vec::<String>::new());
}

/// Built with `--no-search`, no page may refer to Pagefind's files (they are not
/// written): `check --site` finds every `<link>`/`<script>` target, and no page
/// names `pagefind` at all (the search page's runtime is a data attribute).
#[test]
fn a_build_without_search_refers_to_no_search_file() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("site");
    let mut config = podium::Config::load(&repo()).expect("config");
    config.data_dir = repo().join("content");
    config.output_dir = out.clone();
    config.templates_dir = repo().join("templates-none");
    config.static_dir = repo().join("static-none");
    let opts = podium::BuildOptions {
        no_search: true,
        ..Default::default()
    };
    podium::build(&config, &opts).expect("build succeeds");
    let report = check_site(&out, "").unwrap();
    let problems: Vec<String> = report.problems.iter().map(|p| p.to_string()).collect();
    assert_eq!(problems, Vec::<String>::new());
    let tree = read_tree(&out);
    assert!(!tree.keys().any(|k| k.starts_with("pagefind")), "search files written");
    for (path, bytes) in tree.iter().filter(|(k, _)| k.ends_with(".html")) {
        let text = String::from_utf8_lossy(bytes);
        assert!(!text.contains("pagefind"), "{path} names pagefind");
    }
    let search = String::from_utf8_lossy(&tree["search/index.html"]).to_string();
    assert!(search.contains("not part of this build"), "{search}");
    assert!(!search.contains("search.js"), "{search}");
}

/// With search, the files the search page loads through its data attributes exist:
/// `pagefind.js` and each listed index part's entry.
#[test]
fn the_search_page_loads_files_the_build_wrote() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("site");
    build_into(&repo().join("content"), &out, |_| {});
    let page = std::fs::read_to_string(out.join("search/index.html")).unwrap();
    let attr = |name: &str| {
        page.split(&format!("{name}=\""))
            .nth(1)
            .and_then(|r| r.split('"').next())
            .unwrap_or_default()
            .to_string()
    };
    let runtime = attr("data-runtime");
    assert_eq!(runtime, "/pagefind/pagefind.js");
    assert!(out.join(&runtime[1..]).is_file());
    let parts = attr("data-parts");
    assert!(!parts.is_empty());
    for part in parts.split(' ') {
        assert!(out.join(&part[1..]).join("pagefind-entry.json").is_file(), "{part}");
    }
}
