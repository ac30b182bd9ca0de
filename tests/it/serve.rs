//! `podium serve`: the in-memory site stays equal to a fresh build through every
//! kind of edit, and the HTTP server serves it safely, with live reload and errors.

use std::collections::{BTreeSet, HashMap};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use podium::serve::{Change, Mode, Preview, Store};
use podium::Config;
use serde_json::Value;

use crate::common::repo;

/// A copy of the sample site in a temp folder.
fn sample_site() -> (tempfile::TempDir, Config) {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&repo().join("content"), &tmp.path().join("content"));
    let mut config = Config::load(tmp.path()).unwrap();
    config.data_dir = tmp.path().join("content");
    (tmp, config)
}

fn copy_dir(from: &Path, to: &Path) {
    for e in walkdir::WalkDir::new(from) {
        let e = e.unwrap();
        let dest = to.join(e.path().strip_prefix(from).unwrap());
        if e.file_type().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
        } else {
            std::fs::copy(e.path(), &dest).unwrap();
        }
    }
}

fn edit_json(path: &Path, f: impl FnOnce(&mut Value)) {
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    f(&mut v);
    std::fs::write(path, serde_json::to_string_pretty(&v).unwrap()).unwrap();
}

fn fresh(config: &Config) -> HashMap<String, podium::serve::Bytes> {
    let store = Store::new();
    Preview::new(config.clone(), Default::default(), store.clone()).unwrap();
    store.snapshot()
}

/// Fails with the outputs that differ between `store` and a fresh build of the same input.
fn assert_same_as_fresh(store: &Store, config: &Config, what: &str) {
    let (ours, theirs) = (store.snapshot(), fresh(config));
    let keys: BTreeSet<&String> = ours.keys().chain(theirs.keys()).collect();
    let differ: Vec<&String> = keys.into_iter().filter(|k| ours.get(*k) != theirs.get(*k)).collect();
    assert!(
        differ.is_empty(),
        "after {what}: {} outputs differ from a fresh build: {:?}",
        differ.len(),
        &differ[..differ.len().min(15)]
    );
}

/// Applies changes as the server does once the inputs are quiet: pages, then whole-site files.
fn apply(preview: &mut Preview, changes: &[Change]) -> podium::serve::Report {
    let report = preview.update(changes);
    preview.settle();
    assert!(preview.is_settled());
    report
}

fn page(store: &Store, rel: &str) -> String {
    String::from_utf8(store.get(rel).unwrap_or_default().to_vec()).unwrap()
}

// Every kind of edit leaves the in-memory site byte-identical to a fresh build.
#[test]
fn incremental_updates_match_fresh_builds() {
    let (tmp, config) = sample_site();
    let content = tmp.path().join("content");
    let store = Store::new();
    let mut preview = Preview::new(config.clone(), Default::default(), store.clone()).unwrap();
    let data = |p: &Path| vec![Change::Data(p.to_path_buf())];
    let jupyter = content.join("depy2015/videos/jupyter-project.json");
    let geo = content.join("meetup-paris/videos/manipuler-la-donnee-geographique-avec-geopandas.json");

    // Own fields only: patched in place.
    edit_json(&jupyter, |v| v["description"] = "A *new* description.".into());
    assert_eq!(apply(&mut preview, &data(&jupyter)).mode, Mode::Fast);
    assert_same_as_fresh(&store, &config, "a description edit");
    edit_json(&jupyter, |v| v["title"] = "Jupyter, renamed".into());
    assert_eq!(apply(&mut preview, &data(&jupyter)).mode, Mode::Fast);
    assert_same_as_fresh(&store, &config, "a title edit");
    // New videos and still: the talk's videos and thumbnail are derived again
    // (the fast path places only the patched talk).
    edit_json(&jupyter, |v| {
        v["videos"] = serde_json::json!([{"type": "vimeo", "url": "https://vimeo.com/12345"}]);
        v["thumbnail_url"] = "https://i.vimeocdn.com/video/1.jpg".into();
    });
    assert_eq!(apply(&mut preview, &data(&jupyter)).mode, Mode::Fast);
    assert_same_as_fresh(&store, &config, "a videos and thumbnail edit");
    // A title edit that moves the page (the record has no slug).
    edit_json(&geo, |v| v["title"] = "GeoPandas, la donnée géographique".into());
    assert_eq!(apply(&mut preview, &data(&geo)).mode, Mode::Fast);
    assert_same_as_fresh(&store, &config, "a title edit that changes the URL");
    assert!(store
        .get("events/meetup-paris/geopandas-la-donnee-geographique/index.html")
        .is_some());
    // A title whose slug another talk of the event has: both talks' slugs are decided again.
    let odoo = "Odoo : découverte et focus sur le moteur de dépendances (api.depends)";
    edit_json(&geo, |v| v["title"] = odoo.into());
    apply(&mut preview, &data(&geo));
    assert_same_as_fresh(&store, &config, "a title that clashes with another talk's slug");
    edit_json(&geo, |v| v["title"] = "Python 3".into());
    apply(&mut preview, &data(&geo));
    assert_same_as_fresh(&store, &config, "a title edit that ends the clash");
    edit_json(&geo, |v| v["title"] = "Python 3 and 4".into());
    assert_eq!(apply(&mut preview, &data(&geo)).mode, Mode::Fast);
    assert_same_as_fresh(&store, &config, "a numbered title");

    // Edits that move the talk between lists: normalize runs again.
    edit_json(&jupyter, |v| {
        v["speakers"] = serde_json::json!(["Ada Lovelace", "Grace Hopper"])
    });
    assert_eq!(apply(&mut preview, &data(&jupyter)).mode, Mode::Incremental);
    assert_same_as_fresh(&store, &config, "a speaker edit");
    edit_json(&jupyter, |v| {
        v["tags"] = serde_json::json!(["jupyter", "data"]);
        v["recorded"] = "2014-01-02".into();
        v["language"] = "fra".into();
    });
    apply(&mut preview, &data(&jupyter));
    assert_same_as_fresh(&store, &config, "tag, date and language edits");

    // A new talk file, then the file removed.
    let added = content.join("depy2015/videos/new-talk.json");
    std::fs::write(
        &added,
        r#"{"title": "A brand new talk", "speakers": ["Grace Hopper"], "tags": ["data"],
            "recorded": "2015-05-30", "videos": [{"type": "youtube", "url": "https://www.youtube.com/watch?v=abc"}]}"#,
    )
    .unwrap();
    apply(&mut preview, &data(&added));
    assert_same_as_fresh(&store, &config, "a new talk");
    std::fs::remove_file(&added).unwrap();
    apply(&mut preview, &data(&added));
    assert_same_as_fresh(&store, &config, "a removed talk");

    // Files that change many records: the data folder is read again.
    std::fs::write(content.join("NO_PUBLISH.json"), "[2845, 5984, 3542]").unwrap();
    apply(&mut preview, &data(&content.join("NO_PUBLISH.json")));
    assert_same_as_fresh(&store, &config, "a NO_PUBLISH edit");
    edit_json(&content.join("depy2015/category.json"), |v| {
        v["title"] = "DePy 2016".into()
    });
    apply(&mut preview, &data(&content.join("depy2015/category.json")));
    assert_same_as_fresh(&store, &config, "an event title edit");
    std::fs::rename(content.join("meetup-paris"), content.join("meetup-lyon")).unwrap();
    apply(
        &mut preview,
        &[
            Change::Data(content.join("meetup-paris")),
            Change::Data(content.join("meetup-lyon")),
        ],
    );
    assert_same_as_fresh(&store, &config, "a renamed event folder");

    // Templates and static files.
    std::fs::create_dir_all(tmp.path().join("templates")).unwrap();
    let talk_html = std::fs::read_to_string(repo().join("templates/talk.html")).unwrap();
    std::fs::write(
        tmp.path().join("templates/talk.html"),
        talk_html.replace("{% block main %}", "{% block main %}<p class=\"custom\">custom</p>"),
    )
    .unwrap();
    assert_eq!(apply(&mut preview, &[Change::Templates]).mode, Mode::Full);
    assert_same_as_fresh(&store, &config, "a template edit");
    std::fs::create_dir_all(tmp.path().join("static")).unwrap();
    std::fs::write(tmp.path().join("static/extra.css"), "body{}").unwrap();
    assert_eq!(apply(&mut preview, &[Change::Static]).mode, Mode::Static);
    assert_same_as_fresh(&store, &config, "a new static file");
}

/// A slug at the length limit, so its `-2`, `-3`… forms are cut short.
const LONG_SLUG: &str =
    "a-slug-long-enough-that-a-numbered-suffix-has-to-cut-it-short-to-stay-within-the-limit-of-100-chars";

// Random edits of slugs, titles, dates, speakers and texts (chosen to make slugs
// clash and talks swap places) keep the site equal to a fresh build.
#[test]
fn random_edits_match_fresh_builds() {
    let (tmp, config) = sample_site();
    let files: Vec<std::path::PathBuf> = {
        let mut f: Vec<_> = std::fs::read_dir(tmp.path().join("content/depy2015/videos"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        f.sort();
        f.truncate(8);
        f
    };
    let store = Store::new();
    let mut preview = Preview::new(config.clone(), Default::default(), store.clone()).unwrap();
    // PODIUM_SEED=<n> tries another sequence of edits.
    let mut seed: u64 = std::env::var("PODIUM_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x9E37_79B9_7F4A_7C15);
    let mut next = |n: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % n as u64) as usize
    };
    let mut fast = 0;
    for step in 0..30 {
        let file = &files[next(files.len())];
        let kind = next(6);
        let pick = next(6);
        let slug_pick = next(8);
        edit_json(file, |v| match kind {
            0 => v["description"] = format!("Edit {step}: *text*").into(),
            1 => v["title"] = ["A", "Zeta", "Python", "python", "Data 2", "Eight years of web2py"][pick].into(),
            2 => match ["x", "x-2", "x-", LONG_SLUG, "page", "data-2", "", "x-3"][slug_pick] {
                "" => {
                    v.as_object_mut().unwrap().remove("slug");
                }
                s => v["slug"] = s.into(),
            },
            3 => v["duration"] = (pick * 600).into(),
            4 => {
                let speakers: &[&str] = [
                    &["Ada"][..],
                    &["ada"],
                    &["Grace Hopper", "Ada"],
                    &[],
                    &["Massimo Di Pierro"],
                    &["Skipper Seabold"],
                ][pick];
                v["speakers"] = speakers.into();
            }
            _ => {
                v["recorded"] = ["2015-05-29", "2015-05-30", "2014-01-01", "", "2015-05-30", "2016-02-03"][pick].into()
            }
        });
        if apply(&mut preview, &[Change::Data(file.clone())]).mode == Mode::Fast {
            fast += 1;
        }
        assert_same_as_fresh(
            &store,
            &config,
            &format!("random edit {step} (kind {kind}, pick {pick})"),
        );
    }
    assert!(fast >= 5, "the fast path was taken {fast} times");
}

// A broken file keeps its last good version (and says why) until it is fixed.
#[test]
fn broken_files_keep_their_last_good_version() {
    let (tmp, config) = sample_site();
    let content = tmp.path().join("content");
    let store = Store::new();
    let mut preview = Preview::new(config.clone(), Default::default(), store.clone()).unwrap();
    let jupyter = content.join("depy2015/videos/jupyter-project.json");
    let rel = "events/depy2015/jupyter-project/index.html";
    let good = page(&store, rel);
    assert!(
        good.contains("<h1>Jupyter Project"),
        "the page exists at {rel}: {good:.200}"
    );
    assert!(store.errors().is_empty());

    std::fs::write(&jupyter, "{\"title\": \"Half-typed").unwrap();
    let report = apply(&mut preview, &[Change::Data(jupyter.clone())]);
    assert_eq!(report.mode, Mode::Nothing);
    assert!(
        report.problems[0].to_string().contains("jupyter-project.json:1:"),
        "{report:?}"
    );
    assert_eq!(page(&store, rel), good, "the last good page is still served");
    assert!(store.errors().iter().any(|e| e.contains("jupyter-project.json:1:")));

    // A record that parses but is invalid (empty title) is refused the same way.
    std::fs::write(&jupyter, r#"{"title": "", "videos": []}"#).unwrap();
    apply(&mut preview, &[Change::Data(jupyter.clone())]);
    assert_eq!(page(&store, rel), good);
    assert!(
        store.errors().iter().any(|e| e.contains("`title` is empty")),
        "{:?}",
        store.errors()
    );

    // An id clash with another file refuses the edit.
    edit_json(&content.join("depy2015/videos/eight-years-of-web2py.json"), |v| {
        v["id"] = 3542.into()
    });
    apply(
        &mut preview,
        &[Change::Data(content.join("depy2015/videos/eight-years-of-web2py.json"))],
    );
    assert!(
        store.errors().iter().any(|e| e.contains("duplicate id 3542")),
        "{:?}",
        store.errors()
    );
    assert_eq!(page(&store, rel), good);

    // Fixing both files recovers, and matches a fresh build.
    std::fs::copy(
        repo().join("content/depy2015/videos/eight-years-of-web2py.json"),
        content.join("depy2015/videos/eight-years-of-web2py.json"),
    )
    .unwrap();
    apply(
        &mut preview,
        &[Change::Data(content.join("depy2015/videos/eight-years-of-web2py.json"))],
    );
    std::fs::copy(repo().join("content/depy2015/videos/jupyter-project.json"), &jupyter).unwrap();
    edit_json(&jupyter, |v| v["title"] = "Jupyter, fixed".into());
    apply(&mut preview, &[Change::Data(jupyter.clone())]);
    assert!(store.errors().is_empty(), "{:?}", store.errors());
    assert!(page(&store, rel).contains("Jupyter, fixed"));
    assert_same_as_fresh(&store, &config, "the fixes");

    // A page that fails to render for some data shows the error, and renders again
    // once the data is fixed.
    std::fs::create_dir_all(tmp.path().join("templates")).unwrap();
    let talk_html = std::fs::read_to_string(repo().join("templates/talk.html")).unwrap();
    std::fs::write(
        tmp.path().join("templates/talk.html"),
        talk_html.replace(
            "{% block main %}",
            "{% block main %}{% if talk.title == \"Boom\" %}{{ no_such_variable }}{% endif %}",
        ),
    )
    .unwrap();
    apply(&mut preview, &[Change::Templates]);
    assert!(store.errors().is_empty(), "{:?}", store.errors());
    edit_json(&jupyter, |v| v["title"] = "Boom".into());
    apply(&mut preview, &[Change::Data(jupyter.clone())]);
    assert!(
        store.errors().iter().any(|e| e.starts_with("rendering:")),
        "{:?}",
        store.errors()
    );
    assert!(page(&store, rel).contains("Jupyter, fixed"));
    edit_json(&jupyter, |v| v["title"] = "No boom".into());
    apply(&mut preview, &[Change::Data(jupyter.clone())]);
    assert!(store.errors().is_empty(), "{:?}", store.errors());
    assert_same_as_fresh(&store, &config, "a render error, fixed");

    // A template error is shown and the old templates keep working.
    std::fs::create_dir_all(tmp.path().join("templates")).unwrap();
    std::fs::write(tmp.path().join("templates/talk.html"), "{% block main %}{% endblck %}").unwrap();
    apply(&mut preview, &[Change::Templates]);
    assert!(store.errors().iter().any(|e| e.starts_with("templates:")));
    assert!(page(&store, rel).contains("No boom"));

    // A card template that parses but fails to render for every talk is an error
    // too, and loses nothing: once it is removed, the site (descriptions included)
    // is the fresh build's again.
    std::fs::remove_file(tmp.path().join("templates/talk.html")).unwrap();
    std::fs::write(tmp.path().join("templates/card.html"), "{{ no_such_variable }}").unwrap();
    apply(&mut preview, &[Change::Templates]);
    assert!(
        store.errors().iter().any(|e| e.starts_with("templates:")),
        "{:?}",
        store.errors()
    );
    std::fs::remove_file(tmp.path().join("templates/card.html")).unwrap();
    apply(&mut preview, &[Change::Templates]);
    assert!(store.errors().is_empty(), "{:?}", store.errors());
    assert_same_as_fresh(&store, &config, "a card template error, fixed");
}

/// A running `podium serve`, stopped on drop.
struct Server {
    child: Child,
    port: u16,
    stderr: Arc<std::sync::Mutex<String>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// Starts `podium serve` on a free port in `root` and waits until it serves.
    fn start(root: &Path) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_podium"))
            .args(["--root", root.to_str().unwrap(), "serve", "--port", "0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = Arc::new(std::sync::Mutex::new(String::new()));
        let err_pipe = child.stderr.take().unwrap();
        let sink = stderr.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(err_pipe).lines().map_while(Result::ok) {
                let mut s = sink.lock().unwrap();
                s.push_str(&line);
                s.push('\n');
            }
        });
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line
            .strip_prefix("Serving at http://127.0.0.1:")
            .and_then(|r| r.split('/').next())
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("unexpected first line {line:?}; stderr: {}", stderr.lock().unwrap()));
        Server { child, port, stderr }
    }

    /// A raw GET of `target`, sent as is: (status, headers, body).
    fn get(&self, target: &str) -> (u16, String, String) {
        self.get_as(&format!("127.0.0.1:{}", self.port), target)
    }

    /// A raw GET of `target` with this `Host` header.
    fn get_as(&self, host: &str, target: &str) -> (u16, String, String) {
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        write!(s, "GET {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").unwrap();
        let mut raw = Vec::new();
        s.read_to_end(&mut raw).unwrap();
        let raw = String::from_utf8_lossy(&raw).into_owned();
        let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
        let status = head.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
        (status, head.to_ascii_lowercase(), body.to_string())
    }

    /// Polls `target` until `ok` holds for its body, for at most 20 seconds.
    fn wait_for(&self, target: &str, what: &str, ok: impl Fn(u16, &str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let (status, _, body) = self.get(target);
            if ok(status, &body) {
                return body;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what} at {target} (status {status}); server said:\n{}",
                self.stderr.lock().unwrap()
            );
            std::thread::sleep(Duration::from_millis(25));
        }
    }
}

fn served_site() -> (tempfile::TempDir, Server) {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&repo().join("content"), &tmp.path().join("content"));
    let server = Server::start(tmp.path());
    (tmp, server)
}

const TALK: &str = "/events/depy2015/jupyter-project/";

// Pages come with the right types and the reload script; `/` maps to index.html.
#[test]
fn serves_pages_with_types_and_live_reload() {
    let (_tmp, server) = served_site();
    let (status, head, body) = server.get("/");
    assert_eq!(status, 200);
    assert!(head.contains("content-type: text/html; charset=utf-8"), "{head}");
    assert!(body.contains("<script src=\"/__podium/livereload.js\"></script></body>"));
    assert_eq!(server.get("/index.html").2, body);
    let (status, head, _) = server.get("/static/style.css");
    assert_eq!(status, 200);
    assert!(head.contains("content-type: text/css"), "{head}");
    let (status, head, _) = server.get("/static/talk.svg");
    assert!(status == 200 && head.contains("content-type: image/svg+xml"), "{head}");
    let (status, head, _) = server.get("/atom.xml");
    assert!(
        status == 200 && head.contains("content-type: application/xml"),
        "{head}"
    );
    server.wait_for("/pagefind/pagefind.js", "the search index", |s, _| s == 200);
    let (status, head, _) = server.get("/__podium/livereload.js");
    assert!(status == 200 && head.contains("text/javascript"), "{head}");
    assert!(server.get(TALK).2.contains("Jupyter"));
    let (status, head, _) = server.get("/events");
    assert_eq!(status, 301);
    assert!(head.contains("location: /events/"), "{head}");
    let (status, _, body) = server.get("/no/such/page/");
    assert_eq!(status, 404);
    assert!(body.contains("livereload.js"), "the 404 page is the site's own");
}

// Attack: DNS rebinding. A page on evil.example points its own name at 127.0.0.1
// and reads the preview with the reader's browser: the server answers only its own
// names.
#[test]
fn requests_for_other_hosts_are_refused() {
    let (_tmp, server) = served_site();
    let port = server.port;
    for host in [
        format!("evil.example:{port}"),
        "evil.example".into(),
        format!("127.0.0.1.evil.example:{port}"),
        String::new(),
    ] {
        let (status, _, body) = server.get_as(&host, "/");
        assert_eq!(status, 403, "Host: {host}");
        assert!(!body.contains("<main"), "Host: {host}");
    }
    for host in [
        format!("127.0.0.1:{port}"),
        format!("localhost:{port}"),
        format!("LOCALHOST:{port}"),
    ] {
        let (status, _, body) = server.get_as(&host, "/");
        assert_eq!(status, 200, "Host: {host}");
        assert!(body.contains("<main"), "Host: {host}");
    }
}

// Nothing outside the site can be reached, however the path is spelled.
#[test]
fn traversal_and_outside_paths_are_not_found() {
    let (tmp, server) = served_site();
    std::fs::write(tmp.path().join("secret.txt"), "top secret").unwrap();
    std::fs::create_dir_all(tmp.path().join("static")).unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(tmp.path().join("secret.txt"), tmp.path().join("static/secret.txt")).unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink("/etc", tmp.path().join("static/etc")).unwrap();
    std::fs::write(tmp.path().join("static/ok.txt"), "fine").unwrap();
    server.wait_for("/static/ok.txt", "the new static file", |s, _| s == 200);
    for target in [
        "/../Cargo.toml",
        "/%2e%2e/Cargo.toml",
        "/%2E%2E/%2E%2E/%2E%2E/etc/passwd",
        "/static/..%2f..%2fCargo.toml",
        "/static/%2e%2e/%2e%2e/secret.txt",
        "/static/../secret.txt",
        "/secret.txt",
        "/static/secret.txt",
        "/static/etc/passwd",
        "//etc/passwd",
        "/%2fetc/passwd",
        "/content/depy2015/category.json",
        "/static/..%5c..%5csecret.txt",
        "/index.html%00.txt",
        &format!("{}/secret.txt", tmp.path().display()),
        "http://127.0.0.1/../secret.txt",
    ] {
        let (status, _, body) = server.get(target);
        assert_eq!(status, 404, "{target}");
        assert!(!body.contains("top secret") && !body.contains("root:"), "{target}");
    }
}

// Editing a talk file updates its page; a broken file shows the error over the last
// good page; fixing it recovers.
#[test]
fn edits_errors_and_recovery_over_http() {
    let (tmp, server) = served_site();
    let file = tmp.path().join("content/depy2015/videos/jupyter-project.json");
    assert!(!server.get(TALK).2.contains("podium-errors"));

    edit_json(&file, |v| v["title"] = "Notebooks for everyone".into());
    server.wait_for(TALK, "the new title", |_, b| {
        b.contains("<h1>Notebooks for everyone</h1>")
    });
    server.wait_for("/events/depy2015/", "the event page", |_, b| {
        b.contains("Notebooks for everyone")
    });

    std::fs::write(&file, "{\"title\": \"Notebooks, bro").unwrap();
    let body = server.wait_for(TALK, "the error overlay", |_, b| b.contains("id=\"podium-errors\""));
    assert!(
        body.contains("jupyter-project.json:1:"),
        "the error names the file and position"
    );
    assert!(
        body.contains("<h1>Notebooks for everyone</h1>"),
        "the last good page is still served"
    );

    edit_json(
        &tmp.path().join("content/depy2015/videos/eight-years-of-web2py.json"),
        |v| v["title"] = "Nine years of web2py".into(),
    );
    server.wait_for("/events/depy2015/", "other edits while a file is broken", |_, b| {
        b.contains("Nine years of web2py") && b.contains("podium-errors")
    });

    std::fs::copy(repo().join("content/depy2015/videos/jupyter-project.json"), &file).unwrap();
    let body = server.wait_for(TALK, "recovery", |_, b| !b.contains("podium-errors"));
    assert!(body.contains("<h1>Jupyter Project: Interacting"));
}

// `podium build` output never carries the preview's script.
#[test]
fn build_output_has_no_live_reload() {
    let tmp = tempfile::tempdir().unwrap();
    crate::common::build_into(&repo().join("content"), &tmp.path().join("site"), |_| {});
    for (path, bytes) in crate::common::read_tree(&tmp.path().join("site")) {
        assert!(
            !String::from_utf8_lossy(&bytes).contains("__podium"),
            "{path} mentions the preview server"
        );
    }
}

// A `podium thumbnails` run while the server runs: once its manifest is written,
// the pages show the new stills, and the server serves them.
#[test]
fn stills_cached_while_serving_show_up() {
    use podium::thumbs::{self, fetch, Entry, Manifest, Status};
    let (tmp, server) = served_site();
    let before = server.get(TALK).2;
    assert!(!before.contains("/thumbs/"), "no cache yet");
    // What a run leaves: each talk's still, then the manifest.
    let config = Config::load(tmp.path()).unwrap();
    let loaded = podium::load::load(&config.data_dir, &Default::default()).unwrap();
    let (archive, _) = podium::normalize::normalize(loaded, &Default::default());
    let dir = thumbs::cache_dir(&config);
    std::fs::create_dir_all(&dir).unwrap();
    let mut manifest = Manifest {
        version: thumbs::VERSION,
        ..Manifest::default()
    };
    for (i, w) in fetch::wanted(&archive).iter().enumerate() {
        let png = thumbs::still::generated(320, 180, i as u32, image::ImageFormat::Png);
        let entry = Entry {
            status: Status::Ok,
            file: Some(fetch::store(&dir, &png).unwrap()),
            etag: None,
            last_modified: None,
            checked: 0,
            error: None,
            image: None,
        };
        manifest.entries.insert(w.url.clone(), entry);
    }
    manifest.save(&dir).unwrap();
    let page = server.wait_for(TALK, "the talk's still", |s, b| s == 200 && b.contains("/thumbs/"));
    let still = page
        .split("/thumbs/")
        .skip(1)
        .filter_map(|r| r.split(['"', ' ']).next())
        .find(|f| f.ends_with("-480.webp"))
        .unwrap_or_else(|| panic!("no WebP still in {page}"))
        .to_string();
    let (status, head, _) = server.get(&format!("/thumbs/{still}"));
    assert!(status == 200 && head.contains("content-type: image/webp"), "{head}");
    let event = server.get("/events/depy2015/").2;
    assert!(event.contains("-240.webp"), "the event's cards too");
}
