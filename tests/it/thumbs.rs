//! `podium thumbnails` against a local HTTP server (127.0.0.1 only: every URL a
//! test fetches is on it, and the fetcher's resolver maps the derived YouTube
//! URLs, Vimeo's oEmbed endpoint and the stills it names there too), and builds
//! with and without a cache.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use image::ImageFormat;
use podium::thumbs::fetch::{self, FetchOptions, FetchReport};
use podium::thumbs::{self, still, Manifest, Status};
use podium::Config;

use crate::support::Site;

/// A tiny HTTP/1.1 server on 127.0.0.1 with one behaviour per path; counts hits.
struct Server {
    base: String,
    hits: Arc<Mutex<HashMap<String, usize>>>,
}

impl Server {
    fn start() -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let hits: Arc<Mutex<HashMap<String, usize>>> = Arc::default();
        let h = hits.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let h = h.clone();
                std::thread::spawn(move || {
                    let _ = handle(stream, &h);
                });
            }
        });
        Server { base, hits }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn hits(&self, path: &str) -> usize {
        self.hits.lock().unwrap().get(path).copied().unwrap_or(0)
    }
}

/// The Vimeo id an oEmbed query (`/oembed?url=<watch page>&…`) asks about.
fn oembed_id(query: &str) -> Option<u32> {
    let url = query.split('&').find_map(|p| p.strip_prefix("url="))?;
    let page = percent_encoding::percent_decode_str(url).decode_utf8().ok()?;
    page.rsplit('/').next()?.parse().ok()
}

fn handle(stream: TcpStream, hits: &Mutex<HashMap<String, usize>>) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let mut path = line.split(' ').nth(1).unwrap_or("/").to_string();
    // Counted (and answered) by the id asked about: `/oembed/<id>`.
    if let Some(query) = path.strip_prefix("/oembed?") {
        path = format!("/oembed/{}", oembed_id(query).unwrap_or(0));
    }
    let mut headers = HashMap::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h)? == 0 || h.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
        }
    }
    let n = {
        let mut map = hits.lock().unwrap();
        let n = map.entry(path.clone()).or_default();
        *n += 1;
        *n
    };
    let mut out = stream;
    let reply = |out: &mut TcpStream, status: &str, extra: &str, body: &[u8]| -> std::io::Result<()> {
        write!(
            out,
            "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n{extra}\r\n",
            body.len()
        )?;
        out.write_all(body)
    };
    let seg: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let num = |i: usize| seg.get(i).and_then(|s| s.parse::<u32>().ok()).unwrap_or(0);
    match seg[0] {
        "png" | "jpeg" | "slowpng" => {
            if seg[0] == "slowpng" {
                std::thread::sleep(Duration::from_millis(150));
            }
            let etag = format!("\"{}-{}\"", seg[0], num(1));
            if headers.get("if-none-match") == Some(&etag) {
                return reply(&mut out, "304 Not Modified", &format!("ETag: {etag}\r\n"), b"");
            }
            let format = if seg[0] == "jpeg" {
                ImageFormat::Jpeg
            } else {
                ImageFormat::Png
            };
            let body = still::generated(320, 240, num(1), format);
            reply(&mut out, "200 OK", &format!("ETag: {etag}\r\n"), &body)
        }
        "redirect" => reply(&mut out, "302 Found", "Location: /png/7\r\n", b""),
        // Vimeo's oEmbed endpoint: a good answer names `/png/<id>` on this server;
        // ids 600 and up answer the ways an untrusted answer can go wrong.
        "oembed" => {
            let host = headers.get("host").cloned().unwrap_or_default();
            let json =
                |thumb: &str| format!(r#"{{"type":"video","html":"<iframe></iframe>","thumbnail_url":"{thumb}"}}"#);
            let body = match num(1) {
                404 => return reply(&mut out, "404 Not Found", "", b"{}"),
                601 => format!(
                    r#"{{"description":"{}","thumbnail_url":"http://{host}/png/1"}}"#,
                    "x".repeat(100_000)
                ),
                602 => json("javascript:alert(1)"),
                603 => json("file:///etc/passwd"),
                604 => "<html>not json</html>".to_string(),
                605 => r#"{"type":"video"}"#.to_string(),
                606 => json("https://i.vimeocdn.com/video/1_640"),
                607 => json(&format!("http://{host}/missing")),
                608 => json(&format!("https://vimeo.com/api/oembed.json?url=http://{host}/png/2")),
                id => json(&format!("http://{host}/png/{id}")),
            };
            reply(
                &mut out,
                "200 OK",
                "Content-Type: application/json\r\n",
                body.as_bytes(),
            )
        }
        "missing" => reply(&mut out, "404 Not Found", "", b"not here"),
        "text" => reply(&mut out, "200 OK", "Content-Type: text/html\r\n", b"<html>hello</html>"),
        "flaky" if n == 1 => reply(&mut out, "503 Service Unavailable", "", b""),
        "flaky" => reply(&mut out, "200 OK", "", &still::generated(64, 36, 5, ImageFormat::Png)),
        "slow" => {
            std::thread::sleep(Duration::from_secs(3));
            reply(&mut out, "200 OK", "", &still::generated(64, 36, 6, ImageFormat::Png))
        }
        "wide" => reply(&mut out, "200 OK", "", &still::generated(9_000, 8, 1, ImageFormat::Png)),
        // 50 MB, declared up front, or streamed without a length until the client hangs up.
        "huge" | "huge-nolen" => {
            let declared = seg[0] == "huge";
            let len = if declared { "Content-Length: 52428800\r\n" } else { "" };
            write!(out, "HTTP/1.1 200 OK\r\n{len}Connection: close\r\n\r\n")?;
            let mut png = still::generated(64, 36, 9, ImageFormat::Png);
            png.resize(1 << 20, 0);
            for _ in 0..50 {
                out.write_all(&png)?;
            }
            Ok(())
        }
        _ => reply(&mut out, "404 Not Found", "", b""),
    }
}

/// Options for tests: short timeouts and backoff, the given clock, Vimeo's oEmbed
/// endpoint answered by the local server's `/oembed`, and every other URL that is
/// not on the local server sent to `/jpeg/3` there.
fn options(server: &Server, now: u64) -> FetchOptions {
    let base = server.base.clone();
    FetchOptions {
        jobs: 4,
        read_timeout: Duration::from_millis(700),
        connect_timeout: Duration::from_millis(700),
        attempts: 2,
        backoff: Duration::from_millis(10),
        now: Arc::new(move || now),
        resolve: Arc::new(move |u: &str| {
            if u.starts_with(&base) {
                u.to_string()
            } else if let Some(query) = u.strip_prefix(thumbs::OEMBED).filter(|_| thumbs::is_oembed(u)) {
                format!("{base}/oembed{query}")
            } else {
                format!("{base}/jpeg/3")
            }
        }),
        allow_private_addresses: true,
        ..FetchOptions::default()
    }
}

/// A talk file with this `thumbnail_url` (or, if `None`, only a YouTube video).
fn talk(title: &str, thumb: Option<&str>) -> String {
    let thumb = thumb.map_or(String::new(), |t| format!(r#""thumbnail_url": "{t}","#));
    format!(
        r#"{{"title": "{title}", {thumb} "speakers": ["Ann Example"], "recorded": "2020-05-01", "duration": 1500, "language": "eng",
        "videos": [{{"type": "youtube", "url": "https://www.youtube.com/watch?v=abcdefghijk"}}]}}"#
    )
}

/// A talk file with only a Vimeo video (and no `thumbnail_url`).
fn vimeo_talk(title: &str, id: u32) -> String {
    format!(
        r#"{{"title": "{title}", "speakers": ["Ann Example"], "recorded": "2020-05-01", "duration": 1500, "language": "eng",
        "videos": [{{"type": "vimeo", "url": "https://vimeo.com/{id}"}}]}}"#
    )
}

/// The files stored for each still and their pixel sizes.
const FILES: [(u32, u32); 3] = [(480, 270), (240, 135), (480, 270)];

fn config_of(site: &Site) -> Config {
    Config::load(site.path()).unwrap()
}

fn run(site: &Site, opts: &FetchOptions) -> FetchReport {
    fetch::fetch_site(&config_of(site), false, opts).unwrap()
}

fn cache(site: &Site) -> std::path::PathBuf {
    site.path().join(".podium-cache").join(thumbs::DIR)
}

/// A site whose talks point at every behaviour of the server (a.json has only a
/// YouTube video, whose still the resolver sends to `/jpeg/3`).
fn hostile_site(server: &Server) -> Site {
    let site = Site::new();
    for (name, path) in [
        ("png", "/png/1"),
        ("jpeg", "/jpeg/2"),
        ("redirect", "/redirect"),
        ("missing", "/missing"),
        ("text", "/text"),
        ("huge", "/huge"),
        ("huge-nolen", "/huge-nolen"),
        ("wide", "/wide"),
        ("slow", "/slow"),
    ] {
        site.write(
            &format!("content/ev/videos/{name}.json"),
            talk(name, Some(&server.url(path))),
        );
    }
    site
}

#[test]
fn fetches_once_remembers_failures_for_a_day_and_revalidates() {
    let server = Server::start();
    let site = hostile_site(&server);
    let t0 = 1_000_000;
    let r = run(&site, &options(&server, t0));
    assert_eq!((r.total.fetched, r.total.failed), (4, 6), "{}", r.summary());
    let warnings: Vec<String> = r.problems.iter().map(|p| p.to_string()).collect();
    for (file, why) in [
        ("missing.json", "HTTP 404"),
        ("text.json", "not an image"),
        ("huge.json", "over the limit of 10 MB"),
        ("huge-nolen.json", "over the limit of 10 MB"),
        ("wide.json", "over the limit of 8000 a side"),
        ("slow.json", "after 2 tries"),
    ] {
        assert!(
            warnings.iter().any(|w| w.contains(file) && w.contains(why)),
            "no warning naming {file} ({why}) in {warnings:#?}"
        );
    }
    // Stored: both sizes, named by content hash; the redirect's target is stored.
    let manifest = Manifest::load(&cache(&site)).unwrap();
    let ok: Vec<&str> = manifest
        .entries
        .values()
        .filter(|e| e.status == Status::Ok)
        .filter_map(|e| e.file.as_deref())
        .collect();
    assert_eq!(ok.len(), 4);
    for key in &ok {
        for (name, (w, h)) in thumbs::file_names(key).zip(FILES) {
            let img = still::decode(&std::fs::read(cache(&site).join(name)).unwrap()).unwrap();
            assert_eq!((img.width(), img.height()), (w, h));
        }
    }
    assert_eq!(server.hits("/png/7"), 1);
    assert_eq!(server.hits("/jpeg/3"), 1, "the YouTube still went to the local server");
    assert!(!cache(&site).join(thumbs::JOURNAL).exists(), "the journal is folded in");

    // Again, the same day: nothing is requested.
    let before: HashMap<String, usize> = server.hits.lock().unwrap().clone();
    let r = run(&site, &options(&server, t0 + 3600));
    assert_eq!((r.total.fetched, r.total.cached, r.total.deferred), (0, 4, 6));
    assert_eq!(*server.hits.lock().unwrap(), before);

    // A day later, the failures are tried again (and fail again); the rest is kept.
    let r = run(&site, &options(&server, t0 + 86_400 + 1));
    assert_eq!((r.total.fetched, r.total.cached, r.total.failed), (0, 4, 6));
    assert_eq!(server.hits("/missing"), before["/missing"] + 1);
    assert_eq!(server.hits("/png/1"), before["/png/1"]);

    // --refresh revalidates with the ETag: 304, kept as it is.
    let mut opts = options(&server, t0 + 86_400 + 2);
    opts.refresh = true;
    let r = run(&site, &opts);
    assert_eq!((r.total.fetched, r.total.cached), (0, 4), "{}", r.summary());
    assert_eq!(server.hits("/png/1"), before["/png/1"] + 1);
    assert!(r.by_host.contains_key("127.0.0.1"));
}

#[test]
fn passing_errors_are_retried_with_backoff() {
    let server = Server::start();
    let site = Site::new();
    site.write("content/ev/videos/a.json", talk("flaky", Some(&server.url("/flaky"))));
    let r = run(&site, &options(&server, 0));
    assert_eq!((r.total.fetched, r.total.failed), (1, 0), "{}", r.summary());
    assert_eq!(server.hits("/flaky"), 2);
}

#[test]
fn a_killed_run_resumes_without_fetching_anything_twice() {
    let server = Server::start();
    let site = Site::new();
    for i in 0..24 {
        site.write(
            &format!("content/ev/videos/t{i:02}.json"),
            talk(&format!("T{i}"), Some(&server.url(&format!("/slowpng/{i}")))),
        );
    }
    // a.json's YouTube still would leave the machine: give it a local one.
    site.write("content/ev/videos/a.json", talk("a", Some(&server.url("/png/99"))));
    let cmd = || {
        let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_podium"));
        c.current_dir(site.path())
            .args(["thumbnails", "--jobs", "1", "--quiet", "--allow-private-addresses"]);
        c
    };
    let mut child = cmd().stdout(std::process::Stdio::null()).spawn().unwrap();
    let journal = cache(&site).join(thumbs::JOURNAL);
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while std::fs::read_to_string(&journal).map_or(0, |j| j.lines().count()) < 3 {
        assert!(std::time::Instant::now() < deadline, "no progress");
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let done = std::fs::read_to_string(&journal).unwrap().lines().count();
    assert!(done < 25, "killed before the end ({done} done)");
    let out = cmd().output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let summary = String::from_utf8_lossy(&out.stdout);
    assert!(summary.contains("0 failed"), "{summary}");
    // Only the download in flight when the first run was killed (one job) is requested again.
    let twice: Vec<usize> = (0..24).filter(|i| server.hits(&format!("/slowpng/{i}")) > 1).collect();
    assert!(twice.len() <= 1, "fetched twice: {twice:?}");
    assert!((0..24).all(|i| server.hits(&format!("/slowpng/{i}")) >= 1));
    let m = Manifest::load(&cache(&site)).unwrap();
    assert_eq!(m.entries.values().filter(|e| e.status == Status::Ok).count(), 25);
}

fn thumbs_in(out: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(out.join("thumbs"))
        .map(|rd| {
            rd.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

#[test]
fn builds_use_the_cache_copy_only_used_stills_and_stay_no_ops() {
    let server = Server::start();
    let site = Site::new();
    site.write(
        "content/ev/videos/b.json",
        talk("Bee talk", Some(&server.url("/png/1"))),
    );
    site.write(
        "content/ev/videos/c.json",
        talk("Sea talk", Some(&server.url("/png/2"))),
    );
    site.write(
        "content/ev/videos/d.json",
        talk("Dee talk", Some(&server.url("/missing"))),
    );
    let r = run(&site, &options(&server, 0));
    assert_eq!((r.total.fetched, r.total.failed), (3, 1), "{}", r.summary());
    // c.json goes: its still stays in the cache but is not part of the site.
    std::fs::remove_file(site.path().join("content/ev/videos/c.json")).unwrap();
    site.build(&[]).ok();
    let out = site.out();
    let files = thumbs_in(&out);
    assert_eq!(files.len(), 6, "two stills (a, b), three files each: {files:?}");
    assert_eq!(files.iter().filter(|f| f.ends_with(".webp")).count(), 4, "{files:?}");
    let event = site.read("public/events/ev/index.html");
    let bee = event
        .split("<li class=\"card\">")
        .find(|c| c.contains("Bee talk"))
        .unwrap();
    assert!(
        bee.contains(r#"width="240" height="135" alt="" loading="lazy""#),
        "{bee}"
    );
    assert!(bee.contains("-240.webp\""), "the small WebP: {bee}");
    assert!(bee.contains("-480.webp 480w\""), "srcset offers the large size: {bee}");
    assert!(bee.contains(r#"<span class="dur">25:00</span>"#), "{bee}");
    let dee = event
        .split("<li class=\"card\">")
        .find(|c| c.contains("Dee talk"))
        .unwrap();
    assert!(
        dee.contains(r#"src="/static/talk.svg""#),
        "no still: the placeholder: {dee}"
    );
    let page = site.read("public/events/ev/bee-talk/index.html");
    let og = page
        .split("og:image\" content=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    assert!(
        og.starts_with("http://127.0.0.1:1111/thumbs/") && og.ends_with("-480.jpg"),
        "link previews get the JPEG copy: {og}"
    );
    assert!(page.contains(&format!(r#"<meta name="twitter:image" content="{og}">"#)));
    assert!(
        page.contains(&format!(r#""thumbnailUrl":"{og}""#)),
        "JSON-LD points at the local file"
    );
    // BCP 47, not the data's ISO 639-3 code.
    assert!(page.contains(r#""inLanguage":"en""#), "JSON-LD inLanguage");
    assert!(page.contains(r#"<meta property="og:locale" content="en">"#));
    let facade = page
        .split("class=\"facade\"")
        .nth(1)
        .unwrap()
        .split("</a>")
        .next()
        .unwrap();
    assert!(
        facade.contains("/thumbs/") && facade.contains("-480.webp\""),
        "{facade}"
    );
    assert!(!page.contains(&server.base), "no reference to the image host");

    // A second build writes nothing.
    let again = site.build(&[]);
    assert!(again.stdout().contains("(0 written, 0 removed)"), "{}", again.stdout());
    // A new still in the cache is picked up (the cache is part of the build's inputs):
    // only it and the pages that show it are written.
    site.write(
        "content/ev/videos/c.json",
        talk("Sea talk", Some(&server.url("/png/2"))),
    );
    let r = site.build(&[]);
    assert_eq!(thumbs_in(&out).len(), 9, "{}", r.stdout());
    assert!(!r.stdout().contains("(0 written"), "{}", r.stdout());
}

#[test]
fn builds_without_a_cache_or_images() {
    let site = Site::new();
    site.build(&[]).ok();
    let event = site.read("public/events/ev/index.html");
    assert!(
        event.contains(r#"src="/static/talk.svg""#),
        "placeholder without a cache"
    );
    assert!(!site.exists("public/thumbs"));

    site.write("podium.toml", "thumbnails = \"none\"\n");
    site.build(&[]).ok();
    let event = site.read("public/events/ev/index.html");
    assert!(
        event.contains("class=\"card\"") && !event.contains("class=\"thumb\""),
        "no images"
    );

    site.write("podium.toml", "thumbnails = \"remote\"\n");
    site.write("content/ev/videos/v.json", vimeo_talk("Vimeo talk", 11));
    site.build(&[]).ok();
    let event = site.read("public/events/ev/index.html");
    assert!(
        event.contains(r#"src="https://i.ytimg.com/vi/abcdefghijk/hqdefault.jpg""#),
        "{event}"
    );
    // The oEmbed query is where `podium thumbnails` looks a Vimeo still up, not an image.
    assert!(!event.contains("oembed"), "{event}");
}

#[test]
fn vimeo_stills_are_looked_up_through_oembed_once_and_bad_answers_fail() {
    let server = Server::start();
    let site = Site::new();
    // a.json's YouTube still would leave the machine: give it a local one.
    site.write("content/ev/videos/a.json", talk("a", Some(&server.url("/png/99"))));
    let ids = [11, 606, 404, 601, 602, 603, 604, 605, 607, 608];
    for id in ids {
        site.write(
            &format!("content/ev/videos/v{id}.json"),
            vimeo_talk(&format!("Vimeo {id}"), id),
        );
    }
    let t0 = 1_000_000;
    let r = run(&site, &options(&server, t0));
    assert_eq!((r.total.fetched, r.total.failed), (3, 8), "{}", r.summary());
    assert_eq!(r.by_host["vimeo.com"].fetched, 2, "counted under the query's host");
    let warnings: Vec<String> = r.problems.iter().map(|p| p.to_string()).collect();
    for (id, why) in [
        (404, "Vimeo oEmbed: HTTP 404"),
        (601, "Vimeo oEmbed: body over the limit of 64 KB"),
        (602, "thumbnail_url is not an http(s) URL"),
        (603, "thumbnail_url is not an http(s) URL"),
        (604, "not an oEmbed answer"),
        (605, "the answer has no thumbnail_url"),
        (607, "named by Vimeo oEmbed: HTTP 404"),
        (608, "thumbnail_url is not an http(s) URL"),
    ] {
        let file = format!("v{id}.json");
        assert!(
            warnings.iter().any(|w| w.contains(&file) && w.contains(why)),
            "no warning naming {file} ({why}) in {warnings:#?}"
        );
    }
    // The answer's still is recorded with the query, and fetched.
    let manifest = Manifest::load(&cache(&site)).unwrap();
    let entry = &manifest.entries[&thumbs::oembed_url("https://vimeo.com/11")];
    assert_eq!(entry.status, Status::Ok);
    assert_eq!(entry.image.as_deref(), Some(server.url("/png/11").as_str()));
    let missing = &manifest.entries[&thumbs::oembed_url("https://vimeo.com/607")];
    assert_eq!(missing.image.as_deref(), Some(server.url("/missing").as_str()));
    assert_eq!((server.hits("/oembed/11"), server.hits("/png/11")), (1, 1));
    assert_eq!(
        server.hits("/jpeg/3"),
        1,
        "606's vimeocdn still went to the local server"
    );
    assert_eq!(
        server.hits("/png/1") + server.hits("/png/2"),
        0,
        "rejected answers' stills are not fetched"
    );

    // Again the same day: nothing is requested, the oEmbed queries included.
    let before: HashMap<String, usize> = server.hits.lock().unwrap().clone();
    let r = run(&site, &options(&server, t0 + 3600));
    assert_eq!((r.total.fetched, r.total.cached, r.total.deferred), (0, 3, 8));
    assert_eq!(*server.hits.lock().unwrap(), before);

    // A day later the failures are asked about again; the stored ones are not.
    run(&site, &options(&server, t0 + 86_400 + 1));
    assert_eq!(server.hits("/oembed/404"), before["/oembed/404"] + 1);
    assert_eq!(server.hits("/oembed/11"), 1);

    // --refresh asks oEmbed again, and revalidates the same still with its ETag.
    let mut opts = options(&server, t0 + 86_400 + 2);
    opts.refresh = true;
    let r = run(&site, &opts);
    assert_eq!(r.by_host["vimeo.com"].cached, 2, "{}", r.summary());
    assert_eq!((server.hits("/oembed/11"), server.hits("/png/11")), (2, 2));

    // The build shows it like any other still.
    site.build(&[]).ok();
    let page = site.read("public/events/ev/vimeo-11/index.html");
    let key = entry.file.as_deref().unwrap();
    assert!(page.contains(&format!("/thumbs/{key}-480.webp")), "{page}");
    assert!(!page.contains("oembed"), "{page}");
}

#[test]
fn a_cache_from_before_webp_is_converted_without_downloading() {
    let server = Server::start();
    let site = Site::new();
    site.write(
        "content/ev/videos/a.json",
        talk("Bee talk", Some(&server.url("/png/1"))),
    );
    run(&site, &options(&server, 0));
    // Made into what the JPEG-only podium left: `-480.jpg` and `-240.jpg`, manifest v1.
    let dir = cache(&site);
    let mut manifest = Manifest::load(&dir).unwrap();
    let key = manifest.entries.values().next().unwrap().file.clone().unwrap();
    let large = std::fs::read(dir.join(thumbs::share_name(&key))).unwrap();
    let small = still::decode(&large)
        .unwrap()
        .resize_to_fill(240, 135, image::imageops::FilterType::Triangle);
    std::fs::write(dir.join(format!("{key}-240.jpg")), still::encode_jpeg(&small).unwrap()).unwrap();
    for w in [480, 240] {
        std::fs::remove_file(dir.join(thumbs::file_name(&key, w))).unwrap();
    }
    manifest.version = 1;
    manifest.save(&dir).unwrap();

    let before: HashMap<String, usize> = server.hits.lock().unwrap().clone();
    let r = run(&site, &options(&server, 10));
    assert_eq!(
        (r.converted, r.total.fetched, r.total.cached),
        (1, 0, 1),
        "{}",
        r.summary()
    );
    assert!(
        r.summary().contains("1 stills cached before WebP converted"),
        "{}",
        r.summary()
    );
    assert_eq!(*server.hits.lock().unwrap(), before, "nothing downloaded again");
    for (name, (w, h)) in thumbs::file_names(&key).zip(FILES) {
        let img = still::decode(&std::fs::read(dir.join(&name)).unwrap()).unwrap();
        assert_eq!((img.width(), img.height()), (w, h), "{name}");
    }
    assert_eq!(
        std::fs::read(dir.join(thumbs::share_name(&key))).unwrap(),
        large,
        "the JPEG is kept as it was"
    );
    assert!(!dir.join(format!("{key}-240.jpg")).exists(), "the small JPEG is gone");
    assert_eq!(Manifest::load(&dir).unwrap().version, thumbs::VERSION);
    site.build(&[]).ok();
    assert!(site
        .read("public/events/ev/index.html")
        .contains(&format!("{key}-240.webp")));
}

// The attack (SSRF): a talk record from a stranger's pull request names an
// address in the CI machine's network; `podium thumbnails` must not request it.
#[test]
fn private_addresses_are_refused_without_a_request_and_retried_after_a_day() {
    let server = Server::start();
    let site = Site::new();
    site.write(
        "content/ev/videos/inner.json",
        talk("inner", Some(&server.url("/png/1"))),
    );
    let opts = FetchOptions {
        allow_private_addresses: false,
        ..options(&server, 1_000_000)
    };
    let report = run(&site, &opts);
    // The YouTube still is sent to the local server too (`/jpeg/3`), and refused alike.
    assert_eq!(
        server.hits("/png/1") + server.hits("/jpeg/3"),
        0,
        "the private address got a request"
    );
    assert_eq!(report.by_host["127.0.0.1"].failed, 1, "{}", report.summary());
    let warning = report
        .problems
        .iter()
        .map(|p| p.to_string())
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        warning.contains("inner.json")
            && warning.contains("refused: 127.0.0.1 resolves only to a private/loopback address"),
        "{warning}"
    );
    let manifest = Manifest::load(&cache(&site)).unwrap();
    assert_eq!(manifest.entries[&server.url("/png/1")].status, Status::Failed);
    // Remembered like other failures: not tried again within the day.
    let again = run(&site, &opts);
    assert_eq!(again.by_host["127.0.0.1"].deferred, 1, "{}", again.summary());
}
