//! One bad file among 20,000: the error names exactly that file; with
//! `--skip-invalid` the other talks are published, the file is named in the summary,
//! and open file handles stay bounded throughout.

use std::time::Duration;

use crate::support::{generate_talks, input_error_footer, Site};

const BAD: &str = "content/gen/videos/t12345.json";

#[test]
fn one_bad_file_of_20000() {
    // 20,000 talk files: `ev/videos/a.json` and 19,999 generated ones.
    let site = Site::new();
    generate_talks(&site, "gen", 19_999);
    site.write("content/gen/videos/t12345.json", r#"{"title": "Broken", "videos": ["#);
    let error = format!("{BAD}:1:31: error: EOF while parsing a list");

    site.build(&[])
        .failed_with(&format!("{error}\n{}", input_error_footer(1)));
    assert!(!site.out().exists(), "a failed build wrote something");

    let mut child = site
        .command(&["--skip-invalid"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let fd_dir = format!("/proc/{}/fd", child.id());
    let mut max_fds = 0;
    while child.try_wait().unwrap().is_none() {
        if let Ok(entries) = std::fs::read_dir(&fd_dir) {
            max_fds = max_fds.max(entries.count());
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let run = crate::support::Run(child.wait_with_output().unwrap());
    run.ok();
    assert_eq!(run.stderr(), format!("{error}\n"));
    let summary = run.stdout();
    assert!(
        summary.starts_with("Built 19999 talks, 2 events, 51 speakers, 1 tags: "),
        "{summary}"
    );
    assert!(
        summary.ends_with(&format!("; skipped 1 invalid file(s): {BAD}\n")),
        "{summary}"
    );
    // One talk page per good file (event list pages live under `page/N/`).
    let pages: usize = ["events/gen", "events/ev"]
        .iter()
        .map(|event| {
            std::fs::read_dir(site.out().join(event))
                .unwrap()
                .filter(|e| e.as_ref().unwrap().path().join("index.html").is_file())
                .count()
        })
        .sum();
    assert_eq!(pages, 19_999);
    // The broken file's talk ("Broken") is not published; its neighbour is, at the
    // path this check relies on.
    assert!(site.exists("public/events/gen/talk-12344/index.html"));
    assert!(!site.exists("public/events/gen/broken"));
    assert!(max_fds > 0 && max_fds <= 64, "open file handles peaked at {max_fds}");
}
