//! Deploy recipes: a project site under a path (`https://user.github.io/archive/`)
//! resolves every link, asset, feed, search and redirect under that path, and the
//! shipped GitHub Pages workflow (`examples/github-pages.yml`) builds the sample.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

use podium::linkcheck::check_site;
use yaml_rust2::{Yaml, YamlLoader};

use crate::common::*;

/// Where a GitHub project site named `archive` is served.
const BASE_URL: &str = "https://user.github.io/archive/";
const BASE_PATH: &str = "/archive/";

/// Builds the sample for [`BASE_URL`], with or without search, in either URL style.
fn build_under_path(out: &Path, no_search: bool, pyvideo: bool, templates: Option<&Path>) {
    let mut config = podium::Config::load(&repo()).expect("config");
    config.data_dir = repo().join("content");
    config.output_dir = out.to_path_buf();
    config.templates_dir = templates.map_or_else(|| repo().join("templates-none"), Path::to_path_buf);
    config.static_dir = repo().join("static-none");
    config.base_url = BASE_URL.into();
    if pyvideo {
        config.url_style = podium::config::UrlStyle::Pyvideo;
    }
    let opts = podium::BuildOptions {
        no_search,
        ..Default::default()
    };
    podium::build(&config, &opts).expect("build succeeds");
}

/// The first 20 problems `check --site` finds.
fn problems(site: &Path, base_path: &str) -> Vec<String> {
    let report = check_site(site, base_path).unwrap();
    report.problems.iter().take(20).map(|p| p.to_string()).collect()
}

/// The site file an absolute URL of the site names (`…/archive/x/` → `x/index.html`).
fn file_for(tree: &BTreeMap<String, Vec<u8>>, url: &str) -> Option<String> {
    let rest = url.strip_prefix(BASE_URL)?;
    let rest = rest.split(['#', '?']).next().unwrap_or_default();
    [
        rest.to_string(),
        format!("{rest}index.html"),
        format!("{rest}/index.html"),
    ]
    .into_iter()
    .find(|f| tree.contains_key(f))
}

/// Every absolute URL of the host in the site's text files (feeds, sitemap,
/// robots.txt, canonical and OpenGraph links, the JSON API), with the file naming it.
fn host_urls(tree: &BTreeMap<String, Vec<u8>>) -> Vec<(String, String)> {
    let host = "https://user.github.io";
    let mut out = Vec::new();
    for (path, bytes) in tree {
        if path.starts_with("pagefind") || path.starts_with("static/") {
            continue;
        }
        let text = String::from_utf8_lossy(bytes);
        for (at, _) in text.match_indices(host) {
            let url: String = text[at..]
                .chars()
                .take_while(|c| !c.is_whitespace() && !"\"'<>)\\,".contains(*c))
                .collect();
            out.push((path.clone(), url));
        }
    }
    out
}

/// The page URLs recorded in every Pagefind fragment (gzip, `pagefind_dcd` + JSON).
fn search_urls(site: &Path) -> Vec<String> {
    let mut urls = Vec::new();
    for entry in walkdir::WalkDir::new(site).into_iter().filter_map(Result::ok) {
        let p = entry.path();
        if !p.to_string_lossy().contains("/fragment/") || !entry.file_type().is_file() {
            continue;
        }
        let mut text = String::new();
        flate2::read::GzDecoder::new(std::fs::File::open(p).unwrap())
            .read_to_string(&mut text)
            .unwrap();
        let json: serde_json::Value = serde_json::from_str(text.trim_start_matches("pagefind_dcd")).unwrap();
        urls.push(json["url"].as_str().expect("fragment has a url").to_string());
    }
    urls
}

/// Under a base path, with and without search and in both URL styles: `check --site`
/// finds every page's links, assets, data-attribute paths (the search files),
/// `404.html` and `_redirects` under `/archive/`; every absolute URL of the host
/// (feeds, sitemap, robots.txt, canonical links, API) names a file of the site; every
/// page recorded in the search index exists under the path.
#[test]
fn a_project_site_under_a_path_resolves_everything_under_it() {
    for (no_search, pyvideo) in [(false, false), (true, false), (false, true)] {
        let what = format!("no_search={no_search} pyvideo={pyvideo}");
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("site");
        build_under_path(&out, no_search, pyvideo, None);
        assert_eq!(problems(&out, BASE_PATH), Vec::<String>::new(), "{what}");
        let report = check_site(&out, BASE_PATH).unwrap();
        let count = |k: &str| report.counts.iter().find(|(n, _)| *n == k).map_or(0, |c| c.1);
        assert!(count("redirects") > 100, "{what}: {:?}", report.counts);

        let tree = read_tree(&out);
        let urls = host_urls(&tree);
        assert!(urls.len() > 500, "{what}: {} absolute URLs", urls.len());
        let broken: Vec<&(String, String)> = urls
            .iter()
            .filter(|(_, u)| file_for(&tree, u).is_none())
            .take(10)
            .collect();
        assert!(broken.is_empty(), "{what}: absolute URLs that name no file: {broken:?}");
        for feed in ["atom.xml", "rss.xml", "sitemap.xml", "robots.txt"] {
            let feed = if pyvideo && feed.ends_with(".xml") && feed != "sitemap.xml" {
                format!("feeds/all.{feed}")
            } else {
                feed.to_string()
            };
            assert!(urls.iter().any(|(f, _)| *f == feed), "{what}: no site URL in {feed}");
        }

        let searched = search_urls(&out);
        if no_search {
            assert!(searched.is_empty(), "{what}");
            continue;
        }
        assert!(searched.len() > 100, "{what}: {} search records", searched.len());
        for url in &searched {
            let inside = url
                .strip_prefix(BASE_PATH)
                .unwrap_or_else(|| panic!("{what}: search record {url}"));
            assert!(
                file_for(&tree, &format!("{BASE_URL}{inside}")).is_some(),
                "{what}: search record {url} names no page"
            );
        }
    }
}

/// The check can fail: a theme that writes a root-absolute `/static/…` (in a
/// `<link>`, and in the search page's `data-talk-image`) or a relative URL in
/// `404.html` breaks a site served under a path, and `check --site` says where.
#[test]
fn a_root_absolute_or_relative_theme_link_fails_the_check_under_a_path() {
    let tmp = tempfile::tempdir().unwrap();
    let templates = tmp.path().join("templates");
    std::fs::create_dir_all(&templates).unwrap();
    let theme = |name: &str| std::fs::read_to_string(repo().join("templates").join(name)).unwrap();
    let edit = |name: &str, from: &str, to: &str| {
        let text = theme(name);
        assert!(text.contains(from), "{name} has no `{from}`");
        std::fs::write(templates.join(name), text.replacen(from, to, 1)).unwrap();
    };
    edit("base.html", "{{ site.root }}/static/style.css", "/static/style.css");
    edit("search.html", "{{ site.root }}/static/talk.svg", "/static/talk.svg");
    edit("404.html", "href=\"{{ site.root }}/\"", "href=\"../\"");
    let out = tmp.path().join("site");
    build_under_path(&out, false, false, Some(&templates));
    let report = check_site(&out, BASE_PATH).unwrap();
    let found: Vec<String> = report.problems.iter().map(|p| p.to_string()).collect();
    let has = |path: &str, msg: &str| found.iter().any(|p| p.contains(path) && p.contains(msg));
    assert!(
        has(
            "/index.html:",
            "broken link to `/static/style.css`: outside the site's base path `/archive`"
        ),
        "{:?}",
        found.iter().take(9).collect::<Vec<_>>()
    );
    assert!(
        has("search/index.html:", "broken link to `/static/talk.svg`"),
        "{:?}",
        found.iter().take(9).collect::<Vec<_>>()
    );
    assert!(
        has("/404.html:", "relative URL `../`"),
        "{:?}",
        found.iter().take(9).collect::<Vec<_>>()
    );
}

// ------------------------------------------------------------------ the workflow

fn workflow() -> Yaml {
    let path = repo().join("examples/github-pages.yml");
    let text = std::fs::read_to_string(&path).unwrap();
    YamlLoader::load_from_str(&text)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .remove(0)
}

fn text<'a>(y: &'a Yaml, key: &str) -> Option<&'a str> {
    y[key].as_str()
}

/// What `${{ … }}` expressions of the workflow stand for in the test: what
/// actions/configure-pages gives a project site named `archive` (`base_url` is its
/// `html_url`, `base_path` that URL's path).
fn substitute(s: &str) -> String {
    let s = s
        .replace("${{ steps.pages.outputs.base_url }}", BASE_URL)
        .replace("${{ steps.pages.outputs.base_path }}", BASE_PATH);
    assert!(
        !s.contains("${{"),
        "a `run:` step needs a GitHub value the test cannot give: {s}"
    );
    s
}

/// One `run:` step the test runs, with its environment.
struct RunStep {
    name: String,
    script: String,
    env: Vec<(String, String)>,
}

/// The build job's `run:` steps that do not need GitHub. Steps that run `cargo`
/// build or install podium: they are replaced by the binary under test, put first
/// on `PATH` (building podium again in a temp folder would take minutes and, for
/// `cargo install --git`, the internet; the binary is built from the same source).
fn site_steps(wf: &Yaml) -> (Vec<RunStep>, Vec<String>) {
    let steps = wf["jobs"]["build"]["steps"].as_vec().expect("jobs.build.steps");
    let mut run = Vec::new();
    let mut skipped = Vec::new();
    for step in steps {
        let name = text(step, "name").or(text(step, "uses")).unwrap_or("?").to_string();
        let Some(script) = text(step, "run") else {
            continue; // an action: GitHub's
        };
        if script.split_whitespace().any(|w| w == "cargo") {
            skipped.push(name);
            continue;
        }
        let env = step["env"]
            .as_hash()
            .map(|h| {
                h.iter()
                    .map(|(k, v)| {
                        let v = v.as_str().map(str::to_string).unwrap_or_else(|| format!("{v:?}"));
                        (k.as_str().unwrap_or_default().to_string(), substitute(&v))
                    })
                    .collect()
            })
            .unwrap_or_default();
        run.push(RunStep {
            name,
            script: substitute(script),
            env,
        });
    }
    (run, skipped)
}

/// A fresh copy of the site folder as `actions/checkout` gives it (new files, new
/// modification times): the sample's data, pages, theme overrides and settings.
fn checkout(dir: &Path) {
    for item in ["content", "pages", "templates", "static", "podium.toml"] {
        let from = repo().join(item);
        if from.is_dir() {
            for entry in walkdir::WalkDir::new(&from).into_iter().filter_map(Result::ok) {
                let to = dir.join(item).join(entry.path().strip_prefix(&from).unwrap());
                if entry.file_type().is_dir() {
                    std::fs::create_dir_all(&to).unwrap();
                } else {
                    std::fs::copy(entry.path(), &to).unwrap();
                }
            }
        } else if from.is_file() {
            std::fs::copy(&from, dir.join(item)).unwrap();
        }
    }
}

/// Runs the steps as GitHub's `bash` shell does (`bash --noprofile --norc -eo
/// pipefail`), in `dir`, with podium on `PATH`; returns each step's stderr.
fn run_steps(steps: &[RunStep], dir: &Path, github_path: &Path) -> Vec<String> {
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_podium"));
    let path = format!(
        "{}:{}",
        bin.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    steps
        .iter()
        .map(|step| {
            let out = Command::new("bash")
                .args(["--noprofile", "--norc", "-eo", "pipefail", "-c", &step.script])
                .current_dir(dir)
                .env("PATH", &path)
                .env("GITHUB_PATH", github_path)
                .env("CI", "true")
                .envs(step.env.iter().map(|(k, v)| (k, v)))
                .output()
                .unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr).to_string();
            assert!(
                out.status.success(),
                "step `{}` failed ({}):\n{}\n{stderr}",
                step.name,
                out.status,
                String::from_utf8_lossy(&out.stdout)
            );
            stderr + &String::from_utf8_lossy(&out.stdout)
        })
        .collect()
}

/// The shipped workflow publishes with the official Pages actions, as GitHub
/// documents them: read-only build job (configure-pages needs `pages: read`),
/// `pages: write` and `id-token: write` only where it deploys, one deployment at a
/// time; and the folder it caches between runs is the one it builds and uploads.
#[test]
fn the_pages_workflow_uses_the_official_actions_with_the_right_permissions() {
    let wf = workflow();
    assert_eq!(text(&wf["permissions"], "contents"), Some("read"));
    assert_eq!(text(&wf["concurrency"], "group"), Some("pages"));
    assert_eq!(wf["concurrency"]["cancel-in-progress"].as_bool(), Some(false));
    let build = &wf["jobs"]["build"];
    assert_eq!(text(&build["permissions"], "pages"), Some("read"));
    assert!(
        build["permissions"]["id-token"].is_badvalue(),
        "the build job cannot mint tokens"
    );
    let deploy = &wf["jobs"]["deploy"];
    assert_eq!(text(&deploy["permissions"], "pages"), Some("write"));
    assert_eq!(text(&deploy["permissions"], "id-token"), Some("write"));
    assert_eq!(text(deploy, "needs"), Some("build"));
    assert_eq!(text(&deploy["environment"], "name"), Some("github-pages"));

    let steps = build["steps"].as_vec().unwrap();
    let uses = |prefix: &str| -> Vec<&Yaml> {
        steps
            .iter()
            .filter(|s| text(s, "uses").is_some_and(|u| u.starts_with(prefix)))
            .collect()
    };
    let configure = uses("actions/configure-pages@");
    assert_eq!(configure.len(), 1);
    assert_eq!(
        text(configure[0], "id"),
        Some("pages"),
        "the steps read steps.pages.outputs"
    );
    let upload = uses("actions/upload-pages-artifact@");
    assert_eq!(upload.len(), 1);
    let site = text(&upload[0]["with"], "path").expect("upload path");
    let cached: Vec<&str> = uses("actions/cache@")
        .iter()
        .filter_map(|s| text(&s["with"], "path"))
        .collect();
    assert!(
        cached.contains(&site),
        "the output folder `{site}` is not cached: {cached:?}"
    );
    let deploy_steps = deploy["steps"].as_vec().unwrap();
    assert!(deploy_steps.iter().any(
        |s| text(s, "uses").is_some_and(|u| u.starts_with("actions/deploy-pages@"))
            && text(s, "id") == Some("deployment")
    ));
    let (run, _) = site_steps(&wf);
    assert!(
        run.iter()
            .any(|s| s.script.contains("podium build") && s.script.contains(&format!("--output {site}"))),
        "no step builds into `{site}`"
    );
}

/// Runs the workflow's own `run:` steps (all but building podium, see
/// [`site_steps`]) in a fresh copy of the sample, with the base URL configure-pages
/// gives a project site: the site is built, and its own link check under
/// `/archive/` passes. Then the output cache is carried over as actions/cache does
/// (`tar --posix -cf` of the folder, `tar -xf` into the next run's fresh checkout):
/// the same steps write no file, since the restored files keep their modification
/// times and podium's manifest matches them.
#[test]
fn the_pages_workflow_builds_the_sample_and_a_restored_cache_writes_nothing() {
    let wf = workflow();
    let (steps, skipped) = site_steps(&wf);
    assert_eq!(skipped, ["Build podium"], "steps replaced by the binary under test");
    assert!(steps.len() >= 2, "{}", steps.len());
    let site = text(
        &wf["jobs"]["build"]["steps"]
            .as_vec()
            .unwrap()
            .iter()
            .find(|s| text(s, "uses").is_some_and(|u| u.starts_with("actions/upload-pages-artifact@")))
            .unwrap()["with"],
        "path",
    )
    .unwrap()
    .to_string();

    let tmp = tempfile::tempdir().unwrap();
    let first = tmp.path().join("run-1");
    std::fs::create_dir_all(&first).unwrap();
    checkout(&first);
    let logs = run_steps(&steps, &first, &tmp.path().join("github-path"));
    let out = first.join(&site);
    let home = std::fs::read_to_string(out.join("index.html")).expect("the site was built");
    assert!(
        home.contains("href=\"/archive/static/style.css\""),
        "not built for the Pages URL"
    );
    assert!(home.contains("<link rel=\"canonical\" href=\"https://user.github.io/archive/\">"));
    assert!(logs.iter().any(|l| l.contains("0 error(s), 0 warning(s)")), "{logs:?}");
    assert_eq!(problems(&out, BASE_PATH), Vec::<String>::new());
    let built = logs.iter().find(|l| l.contains("Built ")).expect("a build summary");
    assert!(!built.contains(" (0 written"), "{built}");

    // The next run: a fresh checkout, the cache restored into it.
    let archive = tmp.path().join("cache.tar");
    let tar = |args: &[&str], dir: &Path| {
        let st = Command::new("tar")
            .args(args)
            .current_dir(dir)
            .status()
            .expect("tar runs");
        assert!(st.success(), "tar {args:?}");
    };
    tar(
        &["--posix", "-cf", archive.to_str().unwrap(), "-P", "-C", ".", &site],
        &first,
    );
    let second = tmp.path().join("run-2");
    std::fs::create_dir_all(&second).unwrap();
    checkout(&second);
    tar(&["-xf", archive.to_str().unwrap(), "-P", "-C", "."], &second);
    let logs = run_steps(&steps, &second, &tmp.path().join("github-path"));
    let rebuilt = logs.iter().find(|l| l.contains("Built ")).expect("a build summary");
    assert!(rebuilt.contains("(0 written, 0 removed)"), "{rebuilt}");
    assert_eq!(read_tree(&second.join(&site)), read_tree(&out));
}
