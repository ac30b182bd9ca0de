//! The files of the site being served, shared between the rebuild thread (which
//! writes them) and the HTTP server (which reads them), plus the errors to show
//! and the live-reload signal.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use axum::body::Bytes;
use tokio::sync::broadcast;

/// The files of the site being served, shared with the HTTP server.
pub struct Store {
    files: RwLock<HashMap<String, Bytes>>,
    errors: RwLock<Arc<Vec<String>>>,
    generation: AtomicU64,
    reload: broadcast::Sender<u64>,
    /// The thumbnail cache, served at `/thumbs/` from disk (not kept in memory).
    thumbs_dir: RwLock<Option<std::path::PathBuf>>,
}

impl Store {
    /// An empty store.
    pub fn new() -> Arc<Store> {
        Arc::new(Store {
            files: RwLock::new(HashMap::new()),
            errors: RwLock::new(Arc::new(Vec::new())),
            generation: AtomicU64::new(0),
            reload: broadcast::channel(16).0,
            thumbs_dir: RwLock::new(None),
        })
    }

    /// The file at `rel` (an output path such as `events/x/index.html`).
    pub fn get(&self, rel: &str) -> Option<Bytes> {
        self.files.read().unwrap_or_else(|e| e.into_inner()).get(rel).cloned()
    }

    /// Every file, for tests and checks.
    pub fn snapshot(&self) -> HashMap<String, Bytes> {
        self.files.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Serves the cached thumbnails in `dir` at `/thumbs/` (`thumbnails = "local"`).
    pub fn set_thumbs_dir(&self, dir: Option<std::path::PathBuf>) {
        *self.thumbs_dir.write().unwrap_or_else(|e| e.into_inner()) = dir;
    }

    /// A cached thumbnail, for `rel` = `thumbs/<hash>-<width>.webp` (or its `.jpg`
    /// copy); only names the cache can hold are looked up.
    pub fn thumb(&self, rel: &str) -> Option<Bytes> {
        let name = rel.strip_prefix(crate::thumbs::OUT_DIR)?.strip_prefix('/')?;
        if !crate::thumbs::is_file_name(name) {
            return None;
        }
        let dir = self.thumbs_dir.read().unwrap_or_else(|e| e.into_inner()).clone()?;
        std::fs::read(dir.join(name)).ok().map(Bytes::from)
    }

    /// The errors to show over every page (empty when the site is fine).
    pub fn errors(&self) -> Arc<Vec<String>> {
        self.errors.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Counts published changes; each one is also sent to [`Store::subscribe`]rs.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    /// Notifications of published changes (for live reload).
    pub fn subscribe(&self) -> broadcast::Receiver<u64> {
        self.reload.subscribe()
    }

    pub(super) fn apply(&self, updates: Vec<(String, Option<Bytes>)>) {
        let mut files = self.files.write().unwrap_or_else(|e| e.into_inner());
        for (k, v) in updates {
            match v {
                Some(b) => {
                    files.insert(k, b);
                }
                None => {
                    files.remove(&k);
                }
            }
        }
    }

    /// Replaces every file, except the search bundle (kept up to date on its own).
    pub(super) fn replace(&self, all: HashMap<String, Bytes>) {
        let mut files = self.files.write().unwrap_or_else(|e| e.into_inner());
        files.retain(|k, _| crate::search::is_search_path(k));
        files.extend(all);
    }

    /// Sets the errors shown over every page.
    pub fn set_errors(&self, errors: Vec<String>) {
        *self.errors.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(errors);
    }

    /// Tells open browsers to reload.
    pub fn announce(&self) {
        let g = self.generation.fetch_add(1, Ordering::SeqCst) + 1;
        // No receiver (no open browser) is fine.
        let _ = self.reload.send(g);
    }
}
