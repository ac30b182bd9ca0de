//! A build killed with SIGKILL halfway leaves the previous site in place, and the
//! next build cleans up after it and succeeds.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::support::{generate_talks, Site};

#[test]
fn sigkill_halfway_keeps_the_previous_site() {
    let site = Site::built();
    let before = site.snapshot();
    generate_talks(&site, "big", 3_000);
    let staging = site.out().join(".podium-staging");

    let mut child = site.command(&[]).spawn().unwrap();
    let started = Instant::now();
    while !staging.exists() {
        if let Some(status) = child.try_wait().unwrap() {
            panic!("the build ended ({status}) before it started writing");
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "no staging folder after 2 minutes"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
    // Pages are being rendered into the staging folder: kill it now.
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert_eq!(
        std::os::unix::process::ExitStatusExt::signal(&status),
        Some(9),
        "killed by SIGKILL"
    );

    // Only the staging folder may differ.
    let mut after = site.snapshot();
    after.retain(|path, _| !path.starts_with(".podium-staging"));
    assert_eq!(after, before, "the killed build changed the previous site");

    site.assert_built(&[], &[]);
    assert!(!staging.exists(), "the next build left the staging folder");
    assert!(site.exists("public/events/big/talk-2999/index.html"));
    let leftovers: Vec<PathBuf> = site
        .snapshot()
        .into_keys()
        .filter(|p| p.to_string_lossy().contains("podium-staging"))
        .collect();
    assert_eq!(leftovers, Vec::<PathBuf>::new());
}
