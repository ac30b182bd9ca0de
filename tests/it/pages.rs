//! Content pages (`pages/*.md`): rendered with the site's layout, linked in the header,
//! in the sitemap and the search index, at pyvideo.org's URLs under the preset;
//! hostile pages are defused and bad front matter is named by file, line and column.

use std::process::{Command, Output};

use crate::common::*;
use crate::support::Site;

/// Runs `podium ARGS` in the site folder.
fn podium(site: &Site, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_podium"))
        .current_dir(site.path())
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn sample_pages_render_with_the_layout_and_are_linked() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("site");
    build_into(&repo().join("content"), &out, |_| {});
    let about = std::fs::read_to_string(out.join("pages/about/index.html")).unwrap();
    assert!(about.contains("<h1>About</h1>"), "{about}");
    assert!(about.contains("<title>About · "), "has the layout");
    assert!(about.contains(r#"content="What this sample archive is.""#));
    assert!(main_of(&about).contains(r#"<a href="https://pyvideo.org""#));
    let faq = std::fs::read_to_string(out.join("pages/faq/index.html")).unwrap();
    assert!(faq.contains(">Can I download a video?</h"), "{faq}");
    // Every page's header links the in_nav pages, in `order`.
    let home = std::fs::read_to_string(out.join("index.html")).unwrap();
    let (a, f) = (
        home.find(r#"<a href="/pages/about/">About</a>"#)
            .expect("About in the header"),
        home.find(r#"<a href="/pages/faq/">FAQ</a>"#)
            .expect("FAQ in the header"),
    );
    assert!(a < f && f < home.find("<main").unwrap());
    let sitemap = std::fs::read_to_string(out.join("sitemap.xml")).unwrap();
    assert!(sitemap.contains("/pages/about/</loc>") && sitemap.contains("/pages/faq/</loc>"));

    // The search index gets a record per page, after the talks'.
    let loaded = podium::load::load(&repo().join("content"), &Default::default()).unwrap();
    let (mut archive, _) = podium::normalize::normalize(loaded, &Default::default());
    let config = podium::Config::load(&repo()).unwrap();
    archive.pages = podium::pages::load(&config.pages_dir, config.url_style).0;
    let site = podium::render::Site::new(&archive, &config).unwrap();
    let records = podium::search_records::records(&site);
    let faq = records.iter().find(|r| r.url == "/pages/faq/").expect("FAQ record");
    assert!(faq.content.contains("enclosure"), "{}", faq.content);
}

#[test]
fn pyvideo_preset_puts_pages_where_pyvideo_org_has_them() {
    let site = Site::new();
    site.write("podium.toml", "url_style = \"pyvideo\"\n");
    site.write(
        "pages/thanks.md",
        "+++\ntitle = \"Thank you, contributors\"\nslug = \"thank-you-contributors\"\n+++\nThanks!\n",
    );
    site.build(&[]).ok();
    assert!(site.exists("public/pages/thank-you-contributors.html"));
    assert!(site.exists("public/feeds/all.atom.xml") && site.exists("public/search.html"));
    let check = podium(&site, &["check", "--site", "public"]);
    assert!(check.status.success(), "{}", String::from_utf8_lossy(&check.stdout));
}

/// Attack: a stranger's pull request adds a page whose body runs script (a `<script>`,
/// an `onerror` handler, a `javascript:` link) and whose slug climbs out of the output
/// folder. The page is published defused, at a safe URL, with a warning.
#[test]
fn hostile_page_runs_nothing_and_stays_inside() {
    let site = Site::new();
    site.write(
        "pages/evil.md",
        "+++\ntitle = \"Evil <script>alert(1)</script>\"\nslug = \"../../../tmp/owned\"\nin_nav = true\n+++\n\
         <script>alert(1)</script>\n<img src=x onerror=alert(1)>\n[click](javascript:alert(1))\n\
         <iframe src=\"https://evil.example/\"></iframe>\n",
    );
    let run = site.build(&[]);
    run.ok();
    assert!(run.stderr().contains("is not URL-safe"), "{}", run.stderr());
    let html = site.read("public/pages/tmp-owned/index.html");
    let body = main_of(&html).to_lowercase();
    for bad in ["<script", "onerror", "href=\"javascript:", "<iframe"] {
        assert!(!body.contains(bad), "{bad} in {body}");
    }
    assert!(html.contains("Evil &lt;script&gt;"), "the title is escaped");
    assert!(!site.path().join("tmp").exists() && !site.path().parent().unwrap().join("tmp/owned").exists());
}

#[test]
fn check_names_bad_front_matter_with_line_and_column() {
    let site = Site::new();
    site.write("pages/about.md", "+++\ntitle = \"About\"\norder = \"first\"\n+++\nHi\n");
    let out = podium(&site, &["check"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success(), "{stdout}");
    assert!(stdout.contains("pages/about.md:3:9: error: front matter:"), "{stdout}");
    // The build refuses it as it refuses a broken talk file.
    let run = site.build(&[]);
    assert!(!run.0.status.success());
    assert!(run.stderr().contains("pages/about.md:3:9"), "{}", run.stderr());
}
