//! A throw-away site folder driven through the real `podium` binary, and
//! byte-for-byte snapshots of its output folder.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The line `podium build` ends with when the input has `n` invalid files.
pub fn input_error_footer(n: usize) -> String {
    format!("error: {n} invalid input file(s); nothing was written (the previous site is unchanged)")
}

/// A good talk in the pyvideo format.
pub const GOOD_TALK: &str = r#"{
  "title": "A good talk",
  "speakers": ["Jane Doe"],
  "tags": ["testing"],
  "recorded": "2020-01-02",
  "videos": [{"type": "youtube", "url": "https://www.youtube.com/watch?v=abcdefghijk"}],
  "description": "Hello *world*"
}
"#;

/// A site folder with one event (`content/ev/`) holding one good talk (`a.json`).
pub struct Site {
    dir: tempfile::TempDir,
}

impl Site {
    pub fn new() -> Site {
        let site = Site {
            dir: tempfile::Builder::new().prefix("podium-it-").tempdir().unwrap(),
        };
        site.write("content/ev/category.json", r#"{"title": "Ev 2020"}"#);
        site.write("content/ev/videos/a.json", GOOD_TALK);
        site
    }

    /// A site that has been built once, so a later failed build has a site to keep.
    pub fn built() -> Site {
        let site = Site::new();
        site.build(&[]).ok();
        site
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn out(&self) -> PathBuf {
        self.path().join("public")
    }

    /// Writes a file under the site folder, creating folders.
    pub fn write(&self, rel: &str, bytes: impl AsRef<[u8]>) {
        let p = self.path().join(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, bytes).unwrap();
    }

    pub fn read(&self, rel: &str) -> String {
        fs::read_to_string(self.path().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
    }

    pub fn exists(&self, rel: &str) -> bool {
        self.path().join(rel).exists()
    }

    /// `podium build ARGS`, run in the site folder.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_podium"));
        c.current_dir(self.path()).arg("build").args(args);
        c
    }

    pub fn build(&self, args: &[&str]) -> Run {
        Run(self.command(args).output().unwrap())
    }

    /// Every path under the output folder with its bytes (or link target).
    pub fn snapshot(&self) -> Snapshot {
        snapshot(&self.out())
    }

    /// Builds with `args` and checks the build failed on input errors: stderr is
    /// exactly `lines` plus the footer, and the output folder is unchanged.
    pub fn assert_rejected(&self, args: &[&str], lines: &[&str]) {
        let before = self.snapshot();
        let run = self.build(args);
        // Files with errors (no path here has a `:` in it).
        let mut files: Vec<&str> = lines
            .iter()
            .filter(|l| l.contains(": error: "))
            .filter_map(|l| l.split(':').next())
            .collect();
        files.dedup();
        let errors = files.len();
        let mut expected: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
        expected.push(input_error_footer(errors));
        run.failed_with(&expected.join("\n"));
        assert_eq!(self.snapshot(), before, "a failed build changed the output folder");
    }

    /// Builds with `args` and checks it succeeded with exactly `warnings` on stderr.
    pub fn assert_built(&self, args: &[&str], warnings: &[&str]) -> Run {
        let run = self.build(args);
        run.ok();
        assert_eq!(run.stderr(), lines(warnings), "stderr");
        run
    }
}

/// `lines` joined, each ending in a newline.
fn lines(ls: &[&str]) -> String {
    ls.iter().map(|l| format!("{l}\n")).collect()
}

/// A finished `podium` run.
pub struct Run(pub Output);

impl Run {
    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.0.stderr).into_owned()
    }

    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.0.stdout).into_owned()
    }

    /// Asserts exit code 0.
    pub fn ok(&self) -> &Run {
        assert_eq!(
            self.0.status.code(),
            Some(0),
            "build failed:\n{}{}",
            self.stdout(),
            self.stderr()
        );
        self
    }

    /// Asserts exit code 1 (an error, not a panic's 101) and exactly this stderr.
    pub fn failed_with(&self, stderr: &str) -> &Run {
        assert_eq!(self.0.status.code(), Some(1), "stderr: {}", self.stderr());
        assert_eq!(self.stderr(), format!("{stderr}\n"), "stderr");
        assert_eq!(self.stdout(), "", "stdout of a failed build");
        self
    }
}

/// One path in a snapshot.
#[derive(Debug, PartialEq, Eq)]
pub enum Node {
    Dir,
    File(Vec<u8>),
    Link(PathBuf),
}

pub type Snapshot = BTreeMap<PathBuf, Node>;

/// Every path under `root` (relative), with file bytes and link targets; `root`
/// itself is included, so a missing folder and an empty one differ.
pub fn snapshot(root: &Path) -> Snapshot {
    let mut out = Snapshot::new();
    if !root.exists() {
        return out;
    }
    for entry in walkdir::WalkDir::new(root) {
        let entry = entry.unwrap();
        let rel = entry.path().strip_prefix(root).unwrap().to_path_buf();
        let ft = entry.file_type();
        let node = if ft.is_symlink() {
            Node::Link(fs::read_link(entry.path()).unwrap())
        } else if ft.is_dir() {
            Node::Dir
        } else {
            Node::File(fs::read(entry.path()).unwrap())
        };
        out.insert(rel, node);
    }
    out
}

/// `n` small pyvideo talks in `content/<event>/videos/`, as fast as the disk allows.
pub fn generate_talks(site: &Site, event: &str, n: usize) {
    site.write(
        &format!("content/{event}/category.json"),
        format!(r#"{{"title": "Generated {event}"}}"#),
    );
    let dir = site.path().join(format!("content/{event}/videos"));
    fs::create_dir_all(&dir).unwrap();
    for i in 0..n {
        let body = format!(
            r#"{{"title": "Talk {i}", "speakers": ["Speaker {}"], "recorded": "2019-{:02}-{:02}", "videos": []}}"#,
            i % 50,
            i % 12 + 1,
            i % 28 + 1
        );
        fs::write(dir.join(format!("t{i:05}.json")), body).unwrap();
    }
}
