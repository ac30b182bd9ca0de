//! Holes found by trying podium as an attacker would (issue 12): redirects that
//! take paths the build writes, output paths that walk out of where they seem
//! to point, open redirects, and output files edited behind podium's back.
//! Each test states the attack; each failed before its fix.

use crate::common::read_tree;
use crate::support::Site;

/// Paths the build itself writes, each given as a talk's alias. Before the fix,
/// `static/style.css` failed a fresh build ("Not a directory") and, over an old
/// site, turned the stylesheet into a folder holding a redirect page.
const TAKEN: [&str; 12] = [
    "static/style.css",
    "static/style.css/x",
    "robots.txt",
    "sitemap.xml",
    "atom.xml",
    "rss.xml",
    "_redirects",
    "404.html",
    "api/events.json",
    "pagefind/pagefind.js",
    "pagefind-2/x",
    "events/ev/atom.xml",
];

fn add_colliding_aliases(site: &Site) {
    for (i, alias) in TAKEN.iter().enumerate() {
        site.write(
            &format!("content/ev/videos/alias-{i:02}.json"),
            format!(r#"{{"title": "Alias {i}", "alias": "{alias}", "speakers": [], "videos": []}}"#),
        );
    }
    let lines: String = TAKEN.iter().map(|p| format!("/{p} /events/ev/\n")).collect();
    site.write("content/redirects.txt", lines);
}

#[test]
fn redirects_never_take_a_path_the_build_writes() {
    let fresh = Site::new();
    add_colliding_aliases(&fresh);
    let run = fresh.build(&[]);
    run.ok();
    let stderr = run.stderr();
    for (i, alias) in TAKEN.iter().enumerate() {
        let prefix = format!("content/ev/videos/alias-{i:02}.json: warning: redirect from `{alias}` collides with `");
        assert!(stderr.contains(&prefix), "no warning for alias {alias}:\n{stderr}");
    }
    for (i, path) in TAKEN.iter().enumerate() {
        let prefix = format!(
            "content/redirects.txt:{}:1: warning: redirect from `/{path}` collides with `",
            i + 1
        );
        assert!(
            stderr.contains(&prefix),
            "no warning for redirects.txt line {path}:\n{stderr}"
        );
    }
    let out = fresh.out();
    assert!(out.join("static/style.css").is_file(), "the stylesheet is still a file");
    assert!(fresh.read("public/robots.txt").starts_with("User-agent"));
    assert!(fresh.read("public/404.html").contains("<html"));

    // The same input built over a site made without the aliases: the same files.
    let incremental = Site::new();
    incremental.build(&[]).ok();
    add_colliding_aliases(&incremental);
    incremental.build(&[]).ok();
    let (a, b) = (read_tree(&out), read_tree(&incremental.out()));
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    assert!(a == b, "a fresh and an incremental build differ");
    assert!(incremental.out().join("static/style.css").is_file());
}

// A redirect below another redirect's file (`a.html`, then `a.html/b`) is refused too.
#[test]
fn redirects_never_nest_below_each_other() {
    let site = Site::new();
    site.write(
        "content/redirects.txt",
        "/old.html /events/ev/\n/old.html/deeper /events/ev/\n",
    );
    let run = site.build(&[]);
    run.ok();
    assert!(
        run.stderr().contains(
            "content/redirects.txt:2:1: warning: redirect from `/old.html/deeper` collides with `old.html`, which the build writes; skipped"
        ),
        "{}",
        run.stderr()
    );
    assert!(site.out().join("old.html").is_file());
}

// Attack: a pull request adds `/go https://evil.example/` to redirects.txt and the
// archive's own domain becomes an open redirect.
#[test]
fn external_redirect_targets_need_an_explicit_setting() {
    let site = Site::new();
    site.write(
        "content/redirects.txt",
        "/go https://evil.example/phish\n/self http://127.0.0.1:1111/events/ev/\n",
    );
    let run = site.build(&[]);
    run.ok();
    assert!(
        run.stderr().contains(
            "content/redirects.txt:1:1: warning: redirect target `https://evil.example/phish` is on another site"
        ),
        "{}",
        run.stderr()
    );
    assert!(!site.exists("public/go/index.html"), "open redirect published");
    // An absolute URL of the site itself is one of its pages.
    let own = site.read("public/self/index.html");
    assert!(own.contains("url=/events/ev/"), "{own}");
    assert!(!site.read("public/_redirects").contains("evil.example"));

    site.write("podium.toml", "allow_external_redirects = true\n");
    site.build(&[]).ok();
    assert!(site.read("public/go/index.html").contains("https://evil.example/phish"));
}

/// A folder that is not podium's, with a file an attacker would like replaced.
fn victim(site: &Site) -> std::path::PathBuf {
    site.write("victim/index.html", "precious");
    site.path().join("victim")
}

// Attack: `--output nope/../victim` while `nope` does not exist. The text check
// passed (no such folder), the OS then resolved the path to `victim`, and the site
// was written into that foreign folder over its index.html.
#[test]
fn output_path_spellings_are_resolved_before_the_rules() {
    let site = Site::new();
    let victim = victim(&site);
    let run = site.build(&["--output", "nope/../victim"]);
    assert_eq!(run.0.status.code(), Some(1), "{}", run.stderr());
    assert!(
        run.stderr().contains("is not empty and was not written by podium"),
        "{}",
        run.stderr()
    );
    assert_eq!(std::fs::read_to_string(victim.join("index.html")).unwrap(), "precious");

    // `zz/..` is the current folder; `content/..` too; `zz/../content` the data folder.
    for spelling in ["zz/..", "content/..", "./content/x/..", "zz/../content", "templates"] {
        let run = site.build(&["--output", spelling]);
        assert_eq!(run.0.status.code(), Some(1), "--output {spelling}: {}", run.stderr());
        assert!(
            run.stderr()
                .contains(&format!("error: refusing to use `{spelling}` (that is `")),
            "--output {spelling}: {}",
            run.stderr()
        );
    }
    assert!(!site.exists("index.html") && !site.exists("content/index.html"));
}

// Attack (or accident): a deployed file is edited in place, keeping its size. The
// writer compared sizes only and never repaired it.
#[test]
fn a_file_edited_in_place_with_the_same_size_is_repaired() {
    let site = Site::new();
    site.build(&[]).ok();
    let page = site.out().join("index.html");
    let good = std::fs::read(&page).unwrap();
    let mut bad = good.clone();
    let at = bad.len() / 2;
    bad[at] = if bad[at] == b'x' { b'y' } else { b'x' };
    // Let the clock move on so the edit cannot share the write's timestamp.
    std::thread::sleep(std::time::Duration::from_millis(20));
    std::fs::write(&page, &bad).unwrap();
    let run = site.build(&[]);
    run.ok();
    assert!(run.stdout().contains("(1 written, 0 removed)"), "{}", run.stdout());
    assert_eq!(std::fs::read(&page).unwrap(), good);
    let again = site.build(&[]);
    assert!(again.stdout().contains("(0 written, 0 removed)"), "{}", again.stdout());
}

// Attack: one file of `[{},{},…]` (16 MiB of it made a build peak at 8.2 GiB before
// it reported a single error). Records that can never be published are dropped as
// they are read; the file gets at most a hundred lines, then a count.
#[test]
fn a_file_of_empty_records_is_reported_in_bounded_lines() {
    let site = Site::built();
    let n = 200_000;
    site.write("content/ev/videos/flood.json", format!("[{}]", vec!["{}"; n].join(",")));
    let run = site.build(&[]);
    assert_eq!(run.0.status.code(), Some(1), "{}", run.stderr());
    let stderr = run.stderr();
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), podium::diag::MAX_PROBLEMS_PER_FILE + 2, "{stderr}");
    assert!(lines.contains(&"content/ev/videos/flood.json: error: record 0: missing field `title`"));
    let more = format!(
        "content/ev/videos/flood.json: error: … and {} more errors in this file",
        n - podium::diag::MAX_PROBLEMS_PER_FILE
    );
    assert!(lines.contains(&more.as_str()), "{stderr}");
}

// `check` on a file of many records with problems: a hundred lines per file, every
// problem still counted, positions right (they came from a rescan of the file per
// problem, which took minutes for 100,000 records; `benches/hostile_volume.sh` times it).
#[test]
fn check_caps_lines_per_file_and_counts_every_problem() {
    let site = Site::new();
    let records: Vec<String> = (0..1000)
        .map(|i| format!("{{\n \"title\": \"T{i}\",\n \"category\": \"C\",\n \"recorded\": \"{}\",\n \"videos\": [{{\"type\": \"youtube\", \"url\": \"https://www.youtube.com/watch?v=abcdefghijk\"}}]\n}}", if i % 2 == 1 { "bad" } else { "2020-01-01" }))
        .collect();
    site.write("content/many.json", format!("[\n{}\n]", records.join(",\n")));
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_podium"))
        .current_dir(site.path())
        .args(["check", "--quiet"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let text = format!("{stdout}{stderr}");
    assert!(text.contains("500 error(s), 0 warning(s)"), "{text}");
    // Record 1 starts on line 8; its `recorded` is its fourth line.
    assert!(
        text.contains("content/many.json:11:2: error: `recorded` is `bad`"),
        "{text}"
    );
    assert!(
        text.contains("content/many.json: error: … and 400 more errors in this file"),
        "{text}"
    );
    let shown = text.lines().filter(|l| l.starts_with("content/many.json")).count();
    assert_eq!(shown, podium::diag::MAX_PROBLEMS_PER_FILE + 1, "{text}");
}
