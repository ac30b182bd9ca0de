//! The bundled sample archive builds, deterministically and incrementally.

use crate::common::*;

#[test]
fn builds_are_byte_identical() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    build_into(&repo().join("content"), &a, |_| {});
    build_into(&repo().join("content"), &b, |_| {});
    let (ta, tb) = (read_tree(&a), read_tree(&b));
    assert!(ta.len() > 100, "sample site has pages");
    assert_eq!(ta.keys().collect::<Vec<_>>(), tb.keys().collect::<Vec<_>>());
    for (k, v) in &ta {
        assert!(tb[k] == *v, "{k} differs between two builds");
    }
}

#[test]
fn rebuild_rewrites_nothing_and_repairs_deletions() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("site");
    let first = build_into(&repo().join("content"), &out, |_| {});
    assert_eq!(first.write.written, first.write.files);
    let again = build_into(&repo().join("content"), &out, |_| {});
    assert_eq!(again.write.written, 0, "no file rewritten on unchanged input");
    std::fs::remove_file(out.join("index.html")).unwrap();
    let repaired = build_into(&repo().join("content"), &out, |_| {});
    assert_eq!(repaired.write.written, 1);
    assert!(out.join("index.html").is_file());
}

#[test]
fn sample_has_the_coroutines_talk_once() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("site");
    let report = build_into(&repo().join("content"), &out, |_| {});
    let page = out.join("events/pycon-us-2011/pycon-2011--using-coroutines-to-create-efficient-/index.html");
    let html = std::fs::read_to_string(page).unwrap();
    assert!(html.contains("<h1>Using Coroutines to Create Efficient, High-Concurrency Web Applications</h1>"));
    // The archive-API copy of talk 377 is recognised as the same talk, not published twice.
    let tree = read_tree(&out);
    let copies = tree
        .iter()
        .filter(|(k, v)| k.starts_with("events/") && String::from_utf8_lossy(v).contains("<h1>Using Coroutines"))
        .count();
    assert_eq!(copies, 1);
    assert!(report
        .problems
        .iter()
        .any(|p| p.message.contains("id 377 is the same talk")));
}

#[test]
fn talk_and_speaker_pages_snapshot() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("site");
    build_into(&repo().join("content"), &out, |_| {});
    let talk = std::fs::read_to_string(
        out.join("events/pycon-us-2011/pycon-2011--using-coroutines-to-create-efficient-/index.html"),
    )
    .unwrap();
    insta::assert_snapshot!("talk_page_main", main_of(&talk));
    let speaker = std::fs::read_to_string(out.join("speakers/matt-spitz/index.html")).unwrap();
    insta::assert_snapshot!("speaker_page_main", main_of(&speaker));
}

#[test]
fn failed_build_leaves_previous_site_intact() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    copy_dir(&repo().join("content/pycon-us-2011"), &data.join("pycon-us-2011"));
    let out = tmp.path().join("site");
    build_into(&data, &out, |_| {});
    let before = read_tree(&out);
    let bad = data.join("pycon-us-2011/videos/bad.json");
    std::fs::write(&bad, "{\n  \"title\": 12,\n  \"videos\": []\n}\n").unwrap();
    std::fs::write(data.join("pycon-us-2011/videos/worse.json"), "{\"title\": \"x\"").unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_podium"))
        .args(["build", "--data"])
        .arg(&data)
        .arg("--output")
        .arg(&out)
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!(
            "{}:2:13: error: invalid type: integer `12`, expected a string",
            bad.display()
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains("worse.json:1:13: error: EOF while parsing an object"),
        "{stderr}"
    );
    assert!(stderr.contains("2 invalid input file(s)"), "{stderr}");
    assert!(read_tree(&out) == before, "previous site unchanged");
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    for e in walkdir::WalkDir::new(from).into_iter().filter_map(Result::ok) {
        let dest = to.join(e.path().strip_prefix(from).unwrap());
        if e.file_type().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
        } else {
            std::fs::copy(e.path(), &dest).unwrap();
        }
    }
}
