//! Watches the site's inputs (data folder, `templates/`, `static/`, `podium.toml`,
//! the thumbnail cache's manifest) and turns file events into debounced batches of
//! [`Change`]s.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result};
use notify::event::{AccessKind, AccessMode, ModifyKind};
use notify::{Event, EventKind, RecommendedWatcher, RecursiveMode, Watcher};

use super::Change;
use crate::config::Config;

/// A batch ends after this long without events (editors save in a burst of events).
pub const QUIET: Duration = Duration::from_millis(30);
/// A batch never waits longer than this, however busy the folder is.
const MAX_WAIT: Duration = Duration::from_millis(1000);

/// One debounced batch of changes.
#[derive(Debug, Default)]
pub struct Batch {
    pub changes: Vec<Change>,
    /// `podium.toml` changed: everything is read again.
    pub config: bool,
}

/// What [`Watch::next_batch`] saw.
#[derive(Debug)]
pub enum Next {
    Batch(Batch),
    /// No event for the time asked.
    Idle,
    /// The watcher stopped.
    Closed,
}

/// A folder as configured and as the file system names it.
struct Dir {
    configured: PathBuf,
    real: Option<PathBuf>,
}

impl Dir {
    fn new(configured: &Path) -> Dir {
        Dir {
            configured: configured.to_path_buf(),
            real: std::fs::canonicalize(configured).ok(),
        }
    }

    /// `path` (as reported by the watcher) relative to this folder.
    fn relative<'p>(&self, path: &'p Path) -> Option<&'p Path> {
        path.strip_prefix(self.real.as_ref()?).ok()
    }
}

/// The watcher and what it watches.
pub struct Watch {
    _watcher: RecommendedWatcher,
    events: Receiver<notify::Result<Event>>,
    data: Dir,
    templates: Dir,
    statics: Dir,
    pages: Dir,
    config_file: PathBuf,
    /// The thumbnail cache's manifest (`thumbnails = "local"`), as the file system names it.
    thumbs_manifest: Option<PathBuf>,
}

/// Names editors and tools give their temporary files.
fn is_temporary(name: &str) -> bool {
    name.starts_with('.')
        || name.starts_with('#')
        || name.ends_with('~')
        || name.ends_with(".swp")
        || name.ends_with(".swx")
        || name.ends_with(".tmp")
        || name.ends_with(".bak")
        || name == "4913"
        || name.ends_with("___jb_tmp___")
        || name.ends_with("___jb_old___")
}

fn matters(kind: &EventKind) -> bool {
    match kind {
        EventKind::Access(AccessKind::Close(AccessMode::Write)) => true,
        EventKind::Access(_) => false,
        EventKind::Modify(ModifyKind::Metadata(_)) => false,
        _ => true,
    }
}

impl Watch {
    /// Starts watching the inputs of `config` (a site in folder `root`).
    pub fn new(config: &Config, root: &Path) -> Result<Watch> {
        let (tx, events) = mpsc::channel();
        let mut watcher = notify::recommended_watcher(tx).context("cannot watch files")?;
        let data = Dir::new(&config.data_dir);
        let templates = Dir::new(&config.templates_dir);
        let statics = Dir::new(&config.static_dir);
        let pages = Dir::new(&config.pages_dir);
        for dir in [&data, &templates, &statics, &pages] {
            if let Some(real) = &dir.real {
                watcher
                    .watch(real, RecursiveMode::Recursive)
                    .with_context(|| format!("cannot watch `{}`", dir.configured.display()))?;
            }
        }
        let root = std::fs::canonicalize(root).with_context(|| format!("cannot read `{}`", root.display()))?;
        // The site folder itself, for podium.toml (and templates/ or static/ appearing).
        watcher
            .watch(&root, RecursiveMode::NonRecursive)
            .with_context(|| format!("cannot watch `{}`", root.display()))?;
        // The thumbnail cache (made if missing, so that a first `podium thumbnails`
        // run is seen too): its manifest is written once, at the end of each run.
        let thumbs_manifest = if config.thumbnails == crate::thumbs::Mode::Local {
            let dir = crate::thumbs::cache_dir(config);
            std::fs::create_dir_all(&dir).ok();
            std::fs::canonicalize(&dir).ok().and_then(|real| {
                let watched = watcher.watch(&real, RecursiveMode::NonRecursive);
                watched.ok().map(|()| real.join(crate::thumbs::MANIFEST))
            })
        } else {
            None
        };
        Ok(Watch {
            _watcher: watcher,
            thumbs_manifest,
            events,
            data,
            templates,
            statics,
            pages,
            config_file: root.join("podium.toml"),
        })
    }

    /// Waits for the next batch of changes. With `idle`, gives up after that long
    /// without any event and returns [`Next::Idle`].
    pub fn next_batch(&mut self, idle: Option<Duration>) -> Next {
        let mut batch = Batch::default();
        loop {
            let first = match idle {
                Some(wait) => match self.events.recv_timeout(wait) {
                    Ok(ev) => ev,
                    Err(RecvTimeoutError::Timeout) => return Next::Idle,
                    Err(RecvTimeoutError::Disconnected) => return Next::Closed,
                },
                None => match self.events.recv() {
                    Ok(ev) => ev,
                    Err(_) => return Next::Closed,
                },
            };
            self.add(first, &mut batch);
            let started = Instant::now();
            loop {
                match self.events.recv_timeout(QUIET) {
                    Ok(ev) => self.add(ev, &mut batch),
                    Err(RecvTimeoutError::Timeout) => break,
                    Err(RecvTimeoutError::Disconnected) => return Next::Closed,
                }
                if started.elapsed() > MAX_WAIT {
                    break;
                }
            }
            if batch.config || !batch.changes.is_empty() {
                batch.changes.sort();
                batch.changes.dedup();
                return Next::Batch(batch);
            }
        }
    }

    fn add(&self, event: notify::Result<Event>, batch: &mut Batch) {
        let Ok(event) = event else {
            // The watcher lost track (e.g. an overflow): read everything again.
            batch.changes.push(Change::Data(self.data.configured.clone()));
            return;
        };
        if !matters(&event.kind) {
            return;
        }
        for path in &event.paths {
            if let Some(change) = self.classify(path) {
                if change == ChangeOrConfig::Config {
                    batch.config = true;
                } else if let ChangeOrConfig::Change(c) = change {
                    batch.changes.push(c);
                }
            }
        }
    }

    fn classify(&self, path: &Path) -> Option<ChangeOrConfig> {
        let name = path.file_name()?.to_string_lossy();
        if path == self.config_file {
            return Some(ChangeOrConfig::Config);
        }
        if self.thumbs_manifest.as_deref() == Some(path) {
            return Some(ChangeOrConfig::Change(Change::Thumbnails));
        }
        if is_temporary(&name) {
            return None;
        }
        if let Some(rel) = self.data.relative(path) {
            return Some(ChangeOrConfig::Change(Change::Data(self.data.configured.join(rel))));
        }
        if self.templates.relative(path).is_some() || path == self.templates.configured {
            return Some(ChangeOrConfig::Change(Change::Templates));
        }
        if self.statics.relative(path).is_some() || path == self.statics.configured {
            return Some(ChangeOrConfig::Change(Change::Static));
        }
        if self.pages.relative(path).is_some() || path == self.pages.configured {
            return Some(ChangeOrConfig::Change(Change::Pages));
        }
        // templates/ or static/ created after start: watched from the next config reload.
        let created = |d: &Dir| d.real.is_none() && d.configured.file_name() == path.file_name();
        if created(&self.templates) {
            return Some(ChangeOrConfig::Change(Change::Templates));
        }
        if created(&self.statics) {
            return Some(ChangeOrConfig::Change(Change::Static));
        }
        if created(&self.pages) {
            return Some(ChangeOrConfig::Change(Change::Pages));
        }
        None
    }
}

#[derive(PartialEq)]
enum ChangeOrConfig {
    Change(Change),
    Config,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn editor_files_are_ignored() {
        for name in [".x.json.swp", "x.json~", "#x.json#", "4913", ".goutputstream-AB12"] {
            assert!(is_temporary(name), "{name}");
        }
        assert!(!is_temporary("talk.json"));
    }
}
