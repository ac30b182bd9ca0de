//! Shared helpers: building a site into a temp folder and reading it back.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use podium::{BuildOptions, BuildReport, Config};

/// The repository root (where `content/` lives).
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The real pyvideo data, or `None` (with a message) when it is not on this machine.
/// `PODIUM_PYVIDEO` names another location (for example from a git worktree).
pub fn pyvideo() -> Option<PathBuf> {
    let p = std::env::var_os("PODIUM_PYVIDEO").map_or_else(|| repo().join("../shared/data/pyvideo"), PathBuf::from);
    if p.join("NO_PUBLISH.json").is_file() {
        Some(p)
    } else {
        // CI must run the real-data tests: there a missing archive is a failure.
        assert!(
            std::env::var_os("CI").is_none(),
            "{} is missing (env CI is set)",
            p.display()
        );
        eprintln!("skipping: ../shared/data/pyvideo is not present");
        None
    }
}

/// Builds `data` into `out` with default settings (plus `edit`).
pub fn build_into(data: &Path, out: &Path, edit: impl FnOnce(&mut Config)) -> BuildReport {
    let mut config = Config::load(&repo()).expect("config");
    config.data_dir = data.to_path_buf();
    config.output_dir = out.to_path_buf();
    config.templates_dir = repo().join("templates-none");
    config.static_dir = repo().join("static-none");
    edit(&mut config);
    podium::build(&config, &BuildOptions::default()).expect("build succeeds")
}

/// Every file of a folder, relative path → bytes.
pub fn read_tree(root: &Path) -> BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(root)
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e
                .path()
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            (rel, std::fs::read(e.path()).unwrap())
        })
        .collect()
}

/// The `<main>…</main>` part of a page.
pub fn main_of(html: &str) -> &str {
    let start = html.find("<main").expect("page has <main>");
    let end = html.find("</main>").expect("page has </main>") + "</main>".len();
    &html[start..end]
}

/// The real archive built once per test run (default settings), shared by tests.
pub fn real_site() -> Option<&'static Path> {
    use std::sync::OnceLock;
    static SITE: OnceLock<Option<PathBuf>> = OnceLock::new();
    SITE.get_or_init(|| {
        let data = pyvideo()?;
        let out = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("real-site");
        let _ = std::fs::remove_dir_all(&out);
        build_into(&data, &out, |_| {});
        Some(out)
    })
    .as_deref()
}
