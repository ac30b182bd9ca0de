//! File-system trouble in the data and output folders: links, unreadable files,
//! missing folders, and output paths podium cannot or must not write to.

use std::fs;
use std::os::unix::fs::{symlink, PermissionsExt};
use std::path::Path;

use crate::support::{snapshot, Site};

const LINK_WARNING: &str = "warning: symbolic link not followed (use --follow-links to follow links)";

#[test]
fn symlink_loop_inside_the_data_folder() {
    let site = Site::built();
    symlink("..", site.path().join("content/ev/loop")).unwrap();
    site.assert_built(&[], &[&format!("content/ev/loop: {LINK_WARNING}")]);
    site.assert_rejected(
        &["--follow-links"],
        &["content/ev/loop: error: symbolic link loop; not followed"],
    );
}

#[test]
fn symlink_pointing_outside_is_not_followed_by_default() {
    let site = Site::built();
    let outside = tempfile::tempdir().unwrap();
    let ev = outside.path().join("secret");
    fs::create_dir_all(ev.join("videos")).unwrap();
    fs::write(ev.join("category.json"), r#"{"title": "Outside"}"#).unwrap();
    fs::write(ev.join("videos/o.json"), r#"{"title": "Outside talk", "videos": []}"#).unwrap();
    symlink(&ev, site.path().join("content/secret")).unwrap();
    symlink(ev.join("videos/o.json"), site.path().join("content/ev/videos/o.json")).unwrap();
    site.assert_built(
        &[],
        &[
            &format!("content/ev/videos/o.json: {LINK_WARNING}"),
            &format!("content/secret: {LINK_WARNING}"),
        ],
    );
    assert!(!site.exists("public/events/secret"));
    assert!(!site.exists("public/events/ev/outside-talk"));
    site.assert_built(&["--follow-links"], &[]);
    assert!(site.exists("public/events/secret/outside-talk/index.html"));
    assert!(site.exists("public/events/ev/outside-talk/index.html"));
}

// chmod 000 stops everyone but root; as root the file is readable and published.
#[test]
fn unreadable_file() {
    let site = Site::built();
    let bad = site.path().join("content/ev/videos/locked.json");
    fs::write(&bad, r#"{"title": "Locked", "videos": []}"#).unwrap();
    fs::set_permissions(&bad, fs::Permissions::from_mode(0o000)).unwrap();
    if fs::read(&bad).is_ok() {
        eprintln!("running as root: a chmod 000 file is still readable, so it must build");
        site.assert_built(&[], &[]);
        assert!(site.exists("public/events/ev/locked/index.html"));
    } else {
        site.assert_rejected(
            &[],
            &["content/ev/videos/locked.json: error: cannot read: Permission denied (os error 13)"],
        );
    }
}

// A read that fails for root too: /proc/self/mem answers EIO at offset 0.
#[test]
fn file_whose_read_fails() {
    let site = Site::built();
    symlink("/proc/self/mem", site.path().join("content/ev/videos/mem.json")).unwrap();
    site.assert_rejected(
        &["--follow-links"],
        &["content/ev/videos/mem.json: error: cannot read: Input/output error (os error 5)"],
    );
}

#[test]
fn data_folder_that_does_not_exist() {
    let site = Site::built();
    let before = site.snapshot();
    site.build(&["--data", "nope"])
        .failed_with("error: data folder `nope` does not exist");
    site.build(&["--data", "content/ev/category.json"])
        .failed_with("error: data folder `content/ev/category.json` is not a folder");
    assert_eq!(site.snapshot(), before);
}

#[test]
fn output_folder_on_a_read_only_path() {
    let site = Site::new();
    // procfs refuses new entries, even to root.
    site.build(&["--output", "/proc/podium-out"]).failed_with(
        "error: failed to create output folder `/proc/podium-out`\n  caused by: No such file or directory (os error 2)",
    );
    // An existing, empty folder on sysfs, where even root cannot create anything.
    let Some(dir) = unwritable_empty_folder() else {
        eprintln!("skipped the sysfs half: no empty, unwritable folder under /sys/kernel or /sys/fs");
        return;
    };
    let before = snapshot(&dir);
    let shown = dir.display();
    site.build(&["--output", &dir.to_string_lossy()]).failed_with(&format!(
        "error: cannot write to output folder `{shown}`\n  caused by: Operation not permitted (os error 1)"
    ));
    assert_eq!(snapshot(&dir), before);
}

fn unwritable_empty_folder() -> Option<std::path::PathBuf> {
    for parent in ["/sys/kernel", "/sys/fs"] {
        for entry in fs::read_dir(parent).ok()?.flatten() {
            let dir = entry.path();
            let empty = fs::read_dir(&dir).is_ok_and(|mut d| d.next().is_none());
            if !empty || !dir.is_dir() {
                continue;
            }
            let probe = dir.join("podium-probe");
            match fs::create_dir(&probe) {
                Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => return Some(dir),
                Err(_) => {}
                Ok(()) => {
                    let _ = fs::remove_dir(&probe);
                }
            }
        }
    }
    None
}

#[test]
fn output_path_that_is_a_file() {
    let site = Site::built();
    site.write("out.html", "mine");
    site.build(&["--output", "out.html"])
        .failed_with("error: output path `out.html` exists and is not a folder");
    assert_eq!(site.read("out.html"), "mine");
}

// A folder podium did not write is never written into (or emptied).
#[test]
fn output_folder_that_is_not_podiums() {
    let site = Site::built();
    site.write("mine/notes.txt", "keep me");
    let before = snapshot(&site.path().join("mine"));
    site.build(&["--output", "mine"]).failed_with(
        "error: output folder `mine` is not empty and was not written by podium (no .podium-manifest); refusing to write into it: choose an empty or new folder",
    );
    assert_eq!(snapshot(&site.path().join("mine")), before);
}

// A new output folder is not left behind by a failed build.
#[test]
fn failed_first_build_creates_nothing() {
    let site = Site::new();
    site.write("content/ev/videos/bad.json", "");
    let run = site.build(&[]);
    assert_eq!(run.0.status.code(), Some(1));
    assert!(!Path::new(&site.out()).exists());
}
