//! Edit → served latency of `podium serve` on the real pyvideo archive.
//!
//! Copies `../shared/data/pyvideo` to a temp folder, starts `podium serve` on it,
//! then, one talk file at a time, saves an edit and polls the talk's page until the
//! server returns the edited version. The time from just before the save to that
//! response is one sample. Three kinds of edit are measured:
//!
//! - description: the talk's own text (patched in place);
//! - title: shown on every list of the talk, and moves its page when the record
//!   has no `slug` (still patched in place when the talk keeps its place);
//! - speakers: moves the talk between speaker lists (normalize runs again).
//!
//! Edits start once the search index (built in the background at start) is ready,
//! and are two seconds apart, so the index is not rebuilt while measuring.
//! Afterwards every file the server serves (but the search bundle) is compared
//! with a fresh build of the edited data (`PODIUM_BENCH_NO_VERIFY=1` skips that).
//!
//! Run with `cargo bench --bench serve_latency`; `PODIUM_BENCH_ROUNDS` sets the
//! number of samples per kind (default 15; speakers get a third of them),
//! `PODIUM_PYVIDEO` the data folder and `PODIUM_BIN` the `podium` binary to run.

// Tests and benches may unwrap: a panic is their failure report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use podium::load::{self, LoadOptions};
use podium::normalize::{self, NormalizeOptions};
use podium::render::Site;
use podium::serve::{Preview, Store};
use serde_json::Value;

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

fn get_bytes(port: u16, path: &str) -> (u16, Vec<u8>) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let status = String::from_utf8_lossy(&raw[..raw.len().min(16)])
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (status, raw)
}

fn get(port: u16, path: &str) -> (u16, String) {
    let (status, raw) = get_bytes(port, path);
    (status, String::from_utf8_lossy(&raw).into_owned())
}

/// A talk to edit: its file and the URL of its page.
struct Target {
    file: PathBuf,
    url: String,
    event_slug: String,
}

struct Sample {
    kind: &'static str,
    latency: Option<Duration>,
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn main() {
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let found = std::env::var_os("PODIUM_PYVIDEO")
        .map(PathBuf::from)
        .into_iter()
        .chain(["../shared/data/pyvideo", "../../shared/data/pyvideo"].map(|p| repo.join(p)))
        .find(|p| p.join("NO_PUBLISH.json").is_file());
    let Some(data) = found else {
        eprintln!("skipping: no pyvideo data (set PODIUM_PYVIDEO, or put it at ../shared/data/pyvideo)");
        return;
    };
    let rounds: usize = std::env::var("PODIUM_BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(15);
    let tmp = tempfile::tempdir().unwrap();
    let copy = tmp.path().join("pyvideo");
    copy_dir(&data, &copy);

    // Pick talks spread over the archive, from files holding one record.
    let mut config = podium::Config::load(tmp.path()).unwrap();
    config.data_dir = copy.clone();
    let loaded = load::load(&copy, &LoadOptions::default()).unwrap();
    let (archive, _) = normalize::normalize(loaded, &NormalizeOptions::default());
    let site = Site::lookup(&archive, &config).unwrap();
    let step = archive.talks.len() / (3 * rounds + 1);
    let targets: Vec<Target> = (1..=3 * rounds)
        .map(|k| k * step)
        .filter(|&t| {
            archive
                .talks
                .iter()
                .filter(|x| x.source == archive.talks[t].source)
                .count()
                == 1
        })
        .map(|t| Target {
            file: archive.talks[t].source.clone(),
            url: site.talk_url(t).to_string(),
            event_slug: archive.events[archive.talks[t].event].slug.clone(),
        })
        .collect();

    let started = Instant::now();
    let bin = std::env::var_os("PODIUM_BIN").map_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_podium")), PathBuf::from);
    let mut child = Command::new(bin)
        .args([
            "--root",
            tmp.path().to_str().unwrap(),
            "serve",
            "--timings",
            "--port",
            "0",
            "--data",
        ])
        .arg(&copy)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let log = Arc::new(Mutex::new(Vec::<String>::new()));
    let sink = log.clone();
    let err = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(err).lines().map_while(Result::ok) {
            sink.lock().unwrap().push(line);
        }
    });
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let port: u16 = line
        .trim()
        .strip_prefix("Serving at http://127.0.0.1:")
        .and_then(|r| r.trim_end_matches("/ (Ctrl-C to stop)").parse().ok())
        .unwrap_or_else(|| panic!("server did not start: {line:?} {:?}", log.lock().unwrap()));
    println!(
        "serve: {} talks in memory after {:.1}s",
        archive.talks.len(),
        started.elapsed().as_secs_f64()
    );
    // The search index is built in the background after start; measure once it is.
    let deadline = Instant::now() + Duration::from_secs(300);
    while !log.lock().unwrap().iter().any(|l| l.starts_with("Search index:")) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    println!(
        "serve: search index ready after {:.1}s",
        started.elapsed().as_secs_f64()
    );

    let mut samples: Vec<Sample> = Vec::new();
    for (k, target) in targets.iter().enumerate() {
        let kind = ["description", "title", "speakers"][k % 3];
        if kind == "speakers" && k / 3 >= rounds.div_ceil(3) {
            continue;
        }
        let mut v: Value = serde_json::from_str(&std::fs::read_to_string(&target.file).unwrap()).unwrap();
        let marker = format!("latency probe {k}");
        let mut url = target.url.clone();
        match kind {
            "description" => {
                let d = v["description"].as_str().unwrap_or("").to_string();
                v["description"] = format!("{d}\n\nA {marker}.").into();
            }
            "title" => {
                let title = format!("{} ({marker})", v["title"].as_str().unwrap_or(""));
                if v.get("slug")
                    .and_then(Value::as_str)
                    .is_none_or(|s| s.trim().is_empty())
                {
                    let slug = podium::slugs::slugify(&normalize::clean_line(&title));
                    url = podium::urls::fill(&site.urls.talk, &slug, &target.event_slug);
                }
                v["title"] = title.into();
            }
            _ => {
                let mut speakers = v["speakers"].as_array().cloned().unwrap_or_default();
                speakers.push(format!("Speaker for {marker}").into());
                v["speakers"] = speakers.into();
            }
        }
        let text = serde_json::to_string_pretty(&v).unwrap();
        let t0 = Instant::now();
        std::fs::write(&target.file, text).unwrap();
        let mut latency = None;
        while t0.elapsed() < Duration::from_secs(20) {
            let (status, body) = get(port, &url);
            if status == 200 && body.contains(&marker) {
                latency = Some(t0.elapsed());
                break;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        samples.push(Sample { kind, latency });
        // Let the server settle (whole-site files) before the next edit.
        std::thread::sleep(Duration::from_millis(if kind == "speakers" { 4000 } else { 2000 }));
    }

    // The site served after all these edits must equal a fresh build of the same data.
    let verify = std::env::var_os("PODIUM_BENCH_NO_VERIFY").is_none();
    let mut differ: Vec<String> = Vec::new();
    let mut checked = 0;
    if verify {
        let mut fresh_config = config.clone();
        fresh_config.base_url = format!("http://127.0.0.1:{port}");
        let store = Store::new();
        // With search, as `podium serve` runs: pages then link the search page and
        // speaker and tag pages a search within their talks. The index files
        // themselves are built in the background and left out of the comparison.
        let options = podium::serve::PreviewOptions {
            search: true,
            ..Default::default()
        };
        Preview::new(fresh_config, options, store.clone()).unwrap();
        let script = format!("<script src=\"{}\"></script>", podium::serve::SCRIPT_PATH);
        let mut keys: Vec<String> = store
            .snapshot()
            .into_keys()
            .filter(|k| !podium::search::is_search_path(k))
            .collect();
        keys.sort();
        for key in &keys {
            let path = format!(
                "/{}",
                percent_encoding::utf8_percent_encode(key, percent_encoding::NON_ALPHANUMERIC)
                    .to_string()
                    .replace("%2F", "/")
                    .replace("%2E", ".")
                    .replace("%2D", "-")
                    .replace("%5F", "_")
            );
            let (status, raw) = get_bytes(port, &path);
            let body = raw
                .windows(4)
                .position(|w| w == b"\r\n\r\n")
                .map_or(&raw[..], |i| &raw[i + 4..]);
            let expected = store.get(key).unwrap();
            let same = status == 200
                && (body == &expected[..]
                    || (key.ends_with(".html")
                        && String::from_utf8_lossy(body).replacen(&script, "", 1).as_bytes() == &expected[..]));
            if !same {
                differ.push(key.clone());
            }
            checked += 1;
        }
    }
    let _ = child.kill();
    let _ = child.wait();

    println!("edit → served latency (from saving the file to the edited page being served):");
    for kind in ["description", "title", "speakers"] {
        let mut ok: Vec<Duration> = samples
            .iter()
            .filter(|s| s.kind == kind)
            .filter_map(|s| s.latency)
            .collect();
        let failed = samples.iter().filter(|s| s.kind == kind && s.latency.is_none()).count();
        if ok.is_empty() {
            println!("  {kind:<12} no samples ({failed} timed out)");
            continue;
        }
        ok.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        println!(
            "  {kind:<12} n={:<3} median {:>7.1} ms   p90 {:>7.1} ms   min {:>7.1} ms   max {:>7.1} ms{}",
            ok.len(),
            ms(percentile(&ok, 0.5)),
            ms(percentile(&ok, 0.9)),
            ms(ok[0]),
            ms(ok[ok.len() - 1]),
            if failed > 0 {
                format!("   ({failed} timed out)")
            } else {
                String::new()
            }
        );
    }
    if verify {
        println!(
            "served site after the edits vs a fresh build: {checked} files compared, {} differ{}",
            differ.len(),
            if differ.is_empty() {
                String::new()
            } else {
                format!(": {:?}", &differ[..differ.len().min(20)])
            }
        );
    }
    let server: Vec<String> = log
        .lock()
        .unwrap()
        .iter()
        .filter(|l| l.contains(": updated ") || l.starts_with("  ms: "))
        .cloned()
        .collect();
    println!("server log of the updates (with the time of each step):");
    for l in server {
        println!("  {l}");
    }
}
