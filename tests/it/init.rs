//! `podium init x && cd x && podium build` works, and the example passes `podium check`.

use std::process::Command;

use podium::check::{check, CheckOptions};
use podium::linkcheck::check_site;

#[test]
fn init_then_build_in_the_new_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let podium = env!("CARGO_BIN_EXE_podium");
    let init = Command::new(podium)
        .arg("init")
        .arg("x")
        .current_dir(tmp.path())
        .output()
        .unwrap();
    assert!(init.status.success(), "{}", String::from_utf8_lossy(&init.stderr));
    let x = tmp.path().join("x");
    for f in [
        "podium.toml",
        "templates/README.md",
        "pages/about.md",
        "content/example-conf-2024/category.json",
        "content/example-conf-2024/videos/welcome-to-the-archive.json",
        "content/example-conf-2024/videos/publishing-talks-in-ten-minutes.json",
    ] {
        assert!(x.join(f).is_file(), "{f}");
    }
    let build = Command::new(podium).arg("build").current_dir(&x).output().unwrap();
    assert!(build.status.success(), "{}", String::from_utf8_lossy(&build.stderr));
    let summary = String::from_utf8_lossy(&build.stdout);
    assert!(summary.starts_with("Built 2 talks, 1 events, 2 speakers"), "{summary}");
    assert!(x
        .join("public/events/example-conf-2024/welcome-to-the-archive/index.html")
        .is_file());

    // The example data is clean, and so is the site built from it.
    let data = check(&x.join("content"), &CheckOptions::default()).unwrap();
    assert_eq!(data.problems, Vec::new(), "{}", data.summary());
    let site = check_site(&x.join("public"), "").unwrap();
    assert_eq!(site.problems, Vec::new(), "{}", site.summary());
    let check = Command::new(podium)
        .args(["check", "--site", "public"])
        .current_dir(&x)
        .output()
        .unwrap();
    assert!(check.status.success(), "{}", String::from_utf8_lossy(&check.stdout));

    // A second init into the same folder refuses and changes nothing.
    let again = Command::new(podium)
        .arg("init")
        .arg("x")
        .current_dir(tmp.path())
        .output()
        .unwrap();
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("never overwrites"));
}
