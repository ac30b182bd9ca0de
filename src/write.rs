//! Writes a site into its output folder without ever losing the previous one.
//!
//! Pages are staged first: a page whose content hash matches the manifest of the
//! last build (and whose file is still there) is not touched; any other page is
//! written to a staging folder, at its path in the site. Only when every page has
//! rendered does [`Writer::commit`] move the staged tree into place (each rename
//! is atomic; a folder the old site lacks moves in whole, with one rename, so a
//! first build costs a handful of renames, not one per file), remove files the
//! new build no longer produces, and write the new manifest.
//! A failed build calls [`Writer::abort`], which leaves the old site as it was.

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use anyhow::{bail, Context, Result};

use crate::urls::is_safe_rel_path;

/// Marks a folder as podium's and records what the last build wrote.
pub const MANIFEST: &str = ".podium-manifest";
const STAGING: &str = ".podium-staging";

/// One output file: path relative to the output folder, and its bytes.
pub type OutFile = (String, Vec<u8>);

/// What the manifest knows of a file: its content hash and size, and the
/// modification time it had when written (nanoseconds since the epoch, 0 when
/// unknown). Size and time are compared with the file on disk, so a file edited
/// or replaced behind podium's back is written again, without re-reading it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Entry {
    hash: u128,
    len: u64,
    mtime: u64,
}

impl Entry {
    fn same_content(&self, other: &Entry) -> bool {
        self.hash == other.hash && self.len == other.len
    }
}

/// A file's modification time in nanoseconds since the epoch (0 when unknown).
fn mtime_of(m: &fs::Metadata) -> u64 {
    m.modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
}

/// Counts from one write.
#[derive(Debug, Default, Clone, Copy)]
pub struct WriteStats {
    /// Files the site consists of.
    pub files: usize,
    /// Files written (new or changed).
    pub written: usize,
    /// Files removed because the build no longer produces them.
    pub removed: usize,
    /// Bytes of the whole site.
    pub bytes: u64,
}

/// An open output folder.
pub struct Writer {
    out: PathBuf,
    staging: PathBuf,
    created_out: bool,
    old: HashMap<String, Entry>,
    old_notes: BTreeMap<String, String>,
    notes: Mutex<BTreeMap<String, String>>,
    new: Mutex<BTreeMap<String, Entry>>,
    /// Files written to the staging tree.
    staged: AtomicUsize,
}

impl Writer {
    /// Opens `out` for a build, refusing folders that podium must not touch: `/`,
    /// the home and current folders, each of `protected` (the data folder), and
    /// any folder holding one of them. The path is resolved first (see
    /// [`resolve_path`]), and every later step uses the resolved path, so no
    /// spelling of a folder (`x/../..`, a link) gets around the rules.
    pub fn open(out: &Path, protected: &[&Path]) -> Result<Writer> {
        let given = out;
        let resolved = resolve_path(given)?;
        refuse_dangerous(given, &resolved, protected)?;
        let out = resolved.as_path();
        let mut created_out = false;
        if out.exists() {
            if !out.is_dir() {
                bail!("output path `{}` exists and is not a folder", given.display());
            }
            let has_manifest = out.join(MANIFEST).is_file();
            let empty = fs::read_dir(out)
                .with_context(|| format!("failed to read output folder `{}`", given.display()))?
                .next()
                .is_none();
            if !has_manifest && !empty {
                bail!(
                    "output folder `{}` is not empty and was not written by podium (no {MANIFEST}); \
                     refusing to write into it: choose an empty or new folder",
                    given.display()
                );
            }
        } else {
            fs::create_dir_all(out).with_context(|| format!("failed to create output folder `{}`", given.display()))?;
            created_out = true;
        }
        let old = read_manifest(&out.join(MANIFEST));
        let old_notes = read_notes(&out.join(MANIFEST));
        let staging = out.join(STAGING);
        if staging.exists() {
            // Left over from a killed build.
            fs::remove_dir_all(&staging).with_context(|| format!("failed to clear `{}`", staging.display()))?;
        }
        if let Err(e) = fs::create_dir(&staging) {
            if created_out {
                let _ = fs::remove_dir(out);
            }
            return Err(e).with_context(|| format!("cannot write to output folder `{}`", out.display()));
        }
        Ok(Writer {
            out: out.to_path_buf(),
            staging,
            created_out,
            old,
            old_notes,
            notes: Mutex::new(BTreeMap::new()),
            new: Mutex::new(BTreeMap::new()),
            staged: AtomicUsize::new(0),
        })
    }

    /// Adds one file of the new site (thread-safe). Unchanged files are only recorded.
    pub fn put(&self, rel: String, bytes: &[u8]) -> Result<()> {
        if !is_safe_rel_path(&rel) || rel == MANIFEST || rel.starts_with(STAGING) {
            bail!("refusing to write `{rel}`: not a safe path inside the output folder");
        }
        let mut entry = Entry {
            hash: xxhash_rust::xxh3::xxh3_128(bytes),
            len: bytes.len() as u64,
            mtime: 0,
        };
        let kept = self
            .old
            .get(&rel)
            .filter(|old| old.same_content(&entry) && self.in_place(&rel, old));
        if let Some(old) = kept {
            entry = *old;
        }
        {
            let mut new = self.new.lock().map_err(|_| anyhow::anyhow!("writer lock poisoned"))?;
            if new.insert(rel.clone(), entry).is_some() {
                bail!("two pages would be written to `{rel}`; check the URL patterns and slugs");
            }
        }
        if kept.is_some() {
            return Ok(());
        }
        // The staging tree is podium's own, made fresh for this build: its folders
        // are created as needed (the first write into a new folder fails first).
        let tmp = self.staging.join(&rel);
        let written = match fs::write(&tmp, bytes) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => tmp
                .parent()
                .map_or(Ok(()), fs::create_dir_all)
                .and_then(|()| fs::write(&tmp, bytes)),
            other => other,
        };
        written.with_context(|| format!("failed to write `{}`", tmp.display()))?;
        // The time the staged file has is the one it keeps when moved into place.
        entry.mtime = fs::metadata(&tmp).map_or(0, |m| mtime_of(&m));
        if let Ok(mut new) = self.new.lock() {
            new.insert(rel, entry);
        }
        self.staged.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    /// A note the last build left in the manifest (cache keys and the like).
    pub fn old_note(&self, key: &str) -> Option<&str> {
        self.old_notes.get(key).map(String::as_str)
    }

    /// Leaves a note for the next build.
    pub fn set_note(&self, key: &str, value: &str) {
        if let Ok(mut n) = self.notes.lock() {
            n.insert(key.to_string(), value.to_string());
        }
    }

    /// Whether the file `rel` is in the output folder as the manifest entry says (a
    /// regular file of that size and modification time).
    fn in_place(&self, rel: &str, e: &Entry) -> bool {
        fs::symlink_metadata(self.out.join(rel))
            .is_ok_and(|m| m.is_file() && m.len() == e.len && e.mtime != 0 && mtime_of(&m) == e.mtime)
    }

    /// Whether every file of the last build is still in place (present, same size).
    pub fn old_site_intact(&self) -> bool {
        use rayon::prelude::*;
        !self.old.is_empty() && self.old.par_iter().all(|(rel, e)| self.in_place(rel, e))
    }

    /// Keeps the last build's files under `prefix` as they are (a cache hit); returns
    /// false, keeping nothing, if any of them is missing or changed size.
    pub fn keep_prefix(&self, prefix: &str) -> Result<bool> {
        let kept: Vec<(&String, &Entry)> = self.old.iter().filter(|(k, _)| k.starts_with(prefix)).collect();
        let intact = !kept.is_empty() && kept.iter().all(|(rel, e)| self.in_place(rel, e));
        if intact {
            let mut new = self.new.lock().map_err(|_| anyhow::anyhow!("writer lock poisoned"))?;
            for (rel, e) in kept {
                new.insert(rel.clone(), *e);
            }
        }
        Ok(intact)
    }

    /// Keeps the whole last build (nothing changed), carrying its notes over.
    pub fn keep_all(&self) -> Result<()> {
        let mut new = self.new.lock().map_err(|_| anyhow::anyhow!("writer lock poisoned"))?;
        for (rel, e) in &self.old {
            new.insert(rel.clone(), *e);
        }
        let mut notes = self.notes.lock().map_err(|_| anyhow::anyhow!("writer lock poisoned"))?;
        notes.extend(self.old_notes.clone());
        Ok(())
    }

    /// Throws the new build away; the output folder is as it was before.
    pub fn abort(self) {
        let _ = fs::remove_dir_all(&self.staging);
        if self.created_out {
            let _ = fs::remove_dir(&self.out);
        }
    }

    /// Moves the new build into place, removes stale files, writes the manifest.
    pub fn commit(self) -> Result<WriteStats> {
        let new = self
            .new
            .into_inner()
            .map_err(|_| anyhow::anyhow!("writer lock poisoned"))?;
        let mut stats = WriteStats {
            files: new.len(),
            written: self.staged.into_inner(),
            bytes: new.values().map(|e| e.len).sum(),
            ..WriteStats::default()
        };
        move_into_place(&self.staging, &self.out)?;
        let mut stale: Vec<&String> = self.old.keys().filter(|k| !new.contains_key(*k)).collect();
        stale.sort();
        for rel in stale {
            if !is_safe_rel_path(rel) {
                continue;
            }
            let path = self.out.join(rel);
            if fs::symlink_metadata(&path).is_ok_and(|m| m.is_file()) && fs::remove_file(&path).is_ok() {
                stats.removed += 1;
                remove_empty_parents(&path, &self.out);
            }
        }
        let notes = self
            .notes
            .into_inner()
            .map_err(|_| anyhow::anyhow!("writer lock poisoned"))?;
        write_manifest(&self.out.join(MANIFEST), &new, &notes)?;
        let _ = fs::remove_dir_all(&self.staging);
        Ok(stats)
    }
}

/// Moves every entry of the staging folder `from` to the same place under `to`:
/// an entry `to` lacks moves whole (one rename for a whole new folder); a folder
/// both have is merged entry by entry; anything else in the way is replaced. A
/// symbolic link in the output is replaced, never followed.
fn move_into_place(from: &Path, to: &Path) -> Result<()> {
    use rayon::prelude::*;
    let entries: Vec<fs::DirEntry> = fs::read_dir(from)
        .and_then(|d| d.collect::<std::io::Result<_>>())
        .with_context(|| format!("failed to read `{}`", from.display()))?;
    entries.par_iter().try_for_each(|entry| -> Result<()> {
        let src = entry.path();
        let dest = to.join(entry.file_name());
        let src_is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
        match fs::symlink_metadata(&dest) {
            Ok(m) if m.is_dir() && src_is_dir => return move_into_place(&src, &dest),
            // A file replaces a file atomically; a folder in a file's way (or the
            // reverse, left by another URL layout) goes first.
            Ok(m) if m.is_dir() => {
                fs::remove_dir_all(&dest).with_context(|| format!("failed to replace folder `{}`", dest.display()))?
            }
            Ok(_) if src_is_dir => {
                fs::remove_file(&dest).with_context(|| format!("failed to replace `{}`", dest.display()))?
            }
            _ => {}
        }
        fs::rename(&src, &dest).with_context(|| format!("failed to move `{}` into place", dest.display()))
    })
}

fn remove_empty_parents(file: &Path, out: &Path) {
    let mut dir = file.parent();
    while let Some(d) = dir {
        if d == out || !d.starts_with(out) || fs::remove_dir(d).is_err() {
            break;
        }
        dir = d.parent();
    }
}

/// `path` made absolute, with `.` and `..` resolved lexically, then its nearest
/// existing ancestor canonicalised (symbolic links resolved) and the rest
/// appended. A path that does not exist yet resolves to where it would be made,
/// so the rules of [`Writer::open`] compare real folders, not spellings.
pub fn resolve_path(path: &Path) -> Result<PathBuf> {
    use std::path::Component;
    let abs = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir()
            .context("failed to read the current folder")?
            .join(path)
    };
    let mut lexical = PathBuf::new();
    for c in abs.components() {
        match c {
            Component::ParentDir => {
                lexical.pop();
            }
            Component::CurDir => {}
            other => lexical.push(other),
        }
    }
    let mut existing = lexical.as_path();
    let mut rest = Vec::new();
    loop {
        if let Ok(mut real) = existing.canonicalize() {
            real.extend(rest.iter().rev());
            return Ok(real);
        }
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name);
                existing = parent;
            }
            _ => return Ok(lexical),
        }
    }
}

/// Refuses `/`, the home folder, the current folder and `protected` (each
/// resolved), or any folder that holds one of them. `out` is the path as given
/// (for the message), `resolved` where it leads.
fn refuse_dangerous(out: &Path, resolved: &Path, protected: &[&Path]) -> Result<()> {
    let mut forbidden = vec![PathBuf::from("/")];
    if let Some(home) = std::env::var_os("HOME") {
        forbidden.push(PathBuf::from(home));
    }
    forbidden.push(PathBuf::from("."));
    forbidden.extend(protected.iter().map(|p| p.to_path_buf()));
    for f in forbidden {
        let f = resolve_path(&f)?;
        if f.starts_with(resolved) {
            let shown = if out == resolved {
                format!("`{}`", out.display())
            } else {
                format!("`{}` (that is `{}`)", out.display(), resolved.display())
            };
            bail!(
                "refusing to use {shown} as the output folder: it is or contains `{}`",
                f.display()
            );
        }
    }
    Ok(())
}

/// Manifest lines starting with `#` are notes: `# key value`.
fn read_notes(path: &Path) -> BTreeMap<String, String> {
    let Ok(text) = fs::read_to_string(path) else {
        return BTreeMap::new();
    };
    text.lines()
        .filter_map(|l| l.strip_prefix("# "))
        .filter_map(|l| l.split_once(' '))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn read_manifest(path: &Path) -> HashMap<String, Entry> {
    let Ok(text) = fs::read_to_string(path) else {
        return HashMap::new();
    };
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|line| {
            let mut parts = line.splitn(4, ' ');
            let hash = u128::from_str_radix(parts.next()?, 16).ok()?;
            let len = parts.next()?.parse().ok()?;
            let mtime = parts.next()?.parse().ok()?;
            Some((parts.next()?.to_string(), Entry { hash, len, mtime }))
        })
        .collect()
}

fn write_manifest(path: &Path, entries: &BTreeMap<String, Entry>, notes: &BTreeMap<String, String>) -> Result<()> {
    let mut text = String::with_capacity(entries.len() * 80);
    for (k, v) in notes {
        text.push_str(&format!("# {k} {v}\n"));
    }
    for (rel, e) in entries {
        text.push_str(&format!("{:032x} {} {} {rel}\n", e.hash, e.len, e.mtime));
    }
    let tmp = path.with_extension("tmp");
    let mut f = fs::File::create(&tmp).with_context(|| format!("failed to write `{}`", tmp.display()))?;
    f.write_all(text.as_bytes())?;
    drop(f);
    fs::rename(&tmp, path).with_context(|| format!("failed to write `{}`", path.display()))
}

/// Every file under `dir` (symbolic links not followed), sorted by name: its path
/// relative to `dir` with `/` separators, and its full path. The theme's static
/// and template folders and `podium check --site` all read a folder this way.
pub fn files_in(dir: &Path) -> Result<Vec<(String, PathBuf)>> {
    let mut out = Vec::new();
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let entry = entry.with_context(|| format!("failed to read `{}`", dir.display()))?;
        if !entry.file_type().is_file() {
            continue;
        }
        let rel = entry
            .path()
            .strip_prefix(dir)
            .unwrap_or(entry.path())
            .to_string_lossy()
            .replace('\\', "/");
        out.push((rel, entry.into_path()));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(out: &Path, files: &[(&str, &str)]) -> WriteStats {
        let w = Writer::open(out, &[]).unwrap();
        for (rel, body) in files {
            w.put(rel.to_string(), body.as_bytes()).unwrap();
        }
        w.commit().unwrap()
    }

    #[test]
    fn writes_only_changes_and_removes_stale() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("site");
        let s = write(&out, &[("index.html", "a"), ("x/index.html", "b")]);
        assert_eq!((s.files, s.written, s.removed), (2, 2, 0));
        let s = write(&out, &[("index.html", "a"), ("x/index.html", "b")]);
        assert_eq!(s.written, 0);
        let s = write(&out, &[("index.html", "c")]);
        assert_eq!((s.written, s.removed), (1, 1));
        assert!(!out.join("x").exists());
        assert_eq!(fs::read_to_string(out.join("index.html")).unwrap(), "c");
    }

    #[test]
    fn abort_leaves_old_site() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("site");
        write(&out, &[("index.html", "a")]);
        let w = Writer::open(&out, &[]).unwrap();
        w.put("index.html".into(), b"new").unwrap();
        w.abort();
        assert_eq!(fs::read_to_string(out.join("index.html")).unwrap(), "a");
        assert!(!out.join(STAGING).exists());
    }

    #[test]
    fn refuses_foreign_and_dangerous_folders() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("mine.txt"), "x").unwrap();
        let e = Writer::open(dir.path(), &[]).err().unwrap();
        assert!(e.to_string().contains("not written by podium"), "{e}");
        assert!(Writer::open(Path::new("/"), &[]).is_err());
        let file = dir.path().join("mine.txt");
        assert!(Writer::open(&file, &[])
            .err()
            .unwrap()
            .to_string()
            .contains("not a folder"));
    }

    #[test]
    fn refuses_unsafe_paths_and_duplicates() {
        let dir = tempfile::tempdir().unwrap();
        let w = Writer::open(&dir.path().join("o"), &[]).unwrap();
        assert!(w.put("../x".into(), b"").is_err());
        assert!(w.put(MANIFEST.into(), b"").is_err());
        w.put("a.html".into(), b"1").unwrap();
        assert!(w.put("a.html".into(), b"2").is_err());
        w.abort();
    }
}
