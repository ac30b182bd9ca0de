//! Inputs once found quadratic stay linear: time per item at two sizes ten times
//! apart, so a ratio near 1 is linear and near 10 is quadratic.
//!
//! - event series: E events in yearly series ("Conf 7 2003", …), one talk each;
//!   every event page lists its series, so grouping per page cost E².
//! - reST inline markup: descriptions of n pathological runs (unclosed backticks,
//!   roles, emphasis, substitution references), rendered by `render_description`.
//!
//! Run with `cargo bench --bench linear`. Medians of 5 runs per size.

// Tests and benches may unwrap: a panic is their failure report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::time::{Duration, Instant};

use podium::config::Config;
use podium::load::{parse_talks, Loaded};
use podium::normalize::{normalize, NormalizeOptions};
use podium::render::{Job, Site};

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn time(runs: usize, mut f: impl FnMut()) -> Duration {
    median(
        (0..runs)
            .map(|_| {
                let t = Instant::now();
                f();
                t.elapsed()
            })
            .collect(),
    )
}

/// Renders every event page of an archive of `events` events in series.
fn event_pages(events: usize) -> Duration {
    let records: Vec<String> = (0..events)
        .map(|i| {
            format!(
                r#"{{"title": "Talk {i}", "category": "Conf {} {}", "recorded": "2000-01-01", "videos": []}}"#,
                i % (events / 20).max(1),
                1900 + i / (events / 20).max(1)
            )
        })
        .collect();
    let text = format!("[{}]", records.join(","));
    let file = parse_talks(std::path::Path::new("data/all.json"), text.as_bytes(), None).expect("records parse");
    assert!(file.problems.is_empty(), "{:?}", file.problems.first());
    let loaded = Loaded {
        root: "data".into(),
        talks: file.talks,
        ..Loaded::default()
    };
    let (archive, _) = normalize(loaded, &NormalizeOptions::default());
    assert_eq!(archive.events.len(), events);
    let config = Config {
        templates_dir: PathBuf::from("/nonexistent-templates"),
        ..Config::default()
    };
    let site = Site::new(&archive, &config).expect("site");
    let jobs: Vec<Job> = site
        .jobs()
        .into_iter()
        .filter(|j| matches!(j, Job::Event(..)))
        .collect();
    time(5, || {
        for j in &jobs {
            site.render_job(j).expect("page renders");
        }
    })
}

fn rst(runs: usize) -> Duration {
    let piece = "`a :sub:`x ``y *z |S| `b <c_ :math:`q **w ";
    let text = format!("Title\n=====\n\n{}\n\n.. |S| replace:: s\n", piece.repeat(runs));
    time(5, || {
        std::hint::black_box(podium::describe::render_description(&text));
    })
}

fn report(what: &str, unit: &str, small: usize, t_small: Duration, large: usize, t_large: Duration) {
    let per = |t: Duration, n: usize| t.as_secs_f64() * 1e6 / n as f64;
    let (a, b) = (per(t_small, small), per(t_large, large));
    println!(
        "{what}: {small} {unit}: {a:.2} µs each; {large} {unit}: {b:.2} µs each; ratio {:.2} (1 = linear, 10 = quadratic)",
        b / a
    );
}

fn main() {
    let (s, l) = (500, 5_000);
    report("event pages", "events", s, event_pages(s), l, event_pages(l));
    let (s, l) = (200, 2_000);
    report("reST inline pass", "runs", s, rst(s), l, rst(l));
}
