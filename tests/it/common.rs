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
/// Under CI (`CI` set) the data must be there: a missing folder fails the test
/// instead of letting it pass without having looked at anything.
pub fn pyvideo() -> Option<PathBuf> {
    let p = std::env::var_os("PODIUM_PYVIDEO").map_or_else(|| repo().join("../shared/data/pyvideo"), PathBuf::from);
    if p.join("NO_PUBLISH.json").is_file() {
        Some(p)
    } else if std::env::var_os("CI").is_some() {
        panic!("CI is set but the real archive is missing at {}", p.display());
    } else {
        eprintln!(
            "skipping: {} is not present (set CI to make this an error)",
            p.display()
        );
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
    // Not the checkout's `.podium-cache` (which `.ci/run` fills for the browser
    // test): a test sees stills only where it sets a cache of its own.
    config.cache_dir = repo().join("cache-none");
    edit(&mut config);
    podium::build(&config, &BuildOptions::default()).expect("build succeeds")
}

/// Every file of a site folder, relative path → bytes; podium's manifest is left
/// out: it is bookkeeping, and records when each file was written.
pub fn read_tree(root: &Path) -> BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(root)
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file() && e.file_name() != podium::write::MANIFEST)
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
