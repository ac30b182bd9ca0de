//! Reads a data folder: walks it, parses every JSON file (in parallel) into raw
//! records of either input format, and reports files that are not valid for either.
//! No policy lives here (beyond [`crate::rules::unpublishable`], applied while a list streams);
//! `normalize` decides what the records mean.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use anyhow::{bail, Result};
use rayon::prelude::*;
use serde::Deserialize;

use crate::diag::{line_col, Problem, Severity, MAX_PROBLEMS_PER_FILE};

/// Talk files larger than this are refused rather than read into memory.
pub const MAX_FILE_SIZE: u64 = 32 * 1024 * 1024;

/// How to walk the data folder.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// Follow symbolic links (off by default: a link may point outside the data folder).
    pub follow_links: bool,
}

/// An event from a `category.json`.
#[derive(Debug, Clone)]
pub struct RawEvent {
    /// The file, as a path under the data folder (for messages).
    pub path: PathBuf,
    /// The event folder, relative to the data root.
    pub dir: PathBuf,
    /// The folder's name, the event's slug in the default URL style.
    pub folder: String,
    pub data: CategoryFile,
}

/// The fields of a `category.json`.
#[derive(Debug, Clone, Deserialize)]
pub struct CategoryFile {
    pub title: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub start_date: Option<String>,
    #[serde(default)]
    pub end_date: Option<String>,
    #[serde(default)]
    pub slug: Option<String>,
}

pub use crate::model::Format;

/// A video entry of a pyvideo record.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct RawVideo {
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub size: Option<u64>,
    #[serde(default)]
    pub length: Option<u64>,
}

/// A related URL: a bare string or `{label, url}`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum RawRelated {
    Url(String),
    Labeled {
        #[serde(default)]
        label: Option<String>,
        url: String,
    },
}

/// The union of both formats' talk fields; unknown fields are ignored and every
/// field may be missing or `null`. Types are still checked, with positions.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct RawRecord {
    pub title: Option<String>,
    pub speakers: Option<Vec<String>>,
    pub tags: Option<Vec<String>>,
    pub recorded: Option<String>,
    pub description: Option<String>,
    pub summary: Option<String>,
    pub language: Option<String>,
    pub duration: Option<f64>,
    pub videos: Option<Vec<RawVideo>>,
    pub thumbnail_url: Option<String>,
    pub related_urls: Option<Vec<RawRelated>>,
    pub copyright_text: Option<String>,
    pub quality_notes: Option<String>,
    pub slug: Option<String>,
    pub id: Option<u64>,
    pub alias: Option<String>,
    pub category: Option<String>,
    pub state: Option<i64>,
    pub embed: Option<String>,
    pub source_url: Option<String>,
    pub added: Option<String>,
    pub updated: Option<String>,
    pub video_mp4_url: Option<String>,
    pub video_mp4_length: Option<u64>,
    pub video_webm_url: Option<String>,
    pub video_webm_length: Option<u64>,
    pub video_ogv_url: Option<String>,
    pub video_ogv_length: Option<u64>,
    pub video_flv_url: Option<String>,
    pub video_flv_length: Option<u64>,
    /// Set on a paginated API page: the records it holds.
    pub results: Option<RecordList>,
}

impl RawRecord {
    /// Why a record can never be published whatever its other fields hold, if
    /// it can't: one rule for load (which drops such records of a list as it
    /// parses them, so a file of `[{},{},…]` costs no memory per record) and
    /// normalize. `listed`: the record is an element of a list or page, which is
    /// always an archive API record, so it needs its own `category`.
    pub fn unpublishable(&self, listed: bool) -> Option<&'static str> {
        crate::rules::unpublishable(self.title.as_deref(), self.category.as_deref(), listed)
    }

    /// The archive API's direct download fields: (kind, URL, size in bytes).
    pub fn download_fields(&self) -> [(&'static str, Option<&str>, Option<u64>); 4] {
        [
            ("mp4", self.video_mp4_url.as_deref(), self.video_mp4_length),
            ("webm", self.video_webm_url.as_deref(), self.video_webm_length),
            ("ogv", self.video_ogv_url.as_deref(), self.video_ogv_length),
            ("flv", self.video_flv_url.as_deref(), self.video_flv_length),
        ]
    }
}

pub use crate::rules::NO_EVENT;

/// The records of a JSON list (a file's top-level array, or a page's `results`),
/// streamed: each element is parsed and either kept (with its position in the
/// list) or, when it can never be published, dropped as it is read, keeping
/// only the first [`MAX_PROBLEMS_PER_FILE`] reasons. Memory is then bound by the
/// records worth keeping, not by how many elements a hostile file holds.
#[derive(Debug, Clone, Default)]
pub struct RecordList {
    pub kept: Vec<(usize, RawRecord)>,
    /// (position, reason) of the first dropped records.
    pub dropped: Vec<(usize, &'static str)>,
    /// How many records were dropped in all.
    pub dropped_count: usize,
}

impl<'de> Deserialize<'de> for RecordList {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = RecordList;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a list of talk records")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<RecordList, A::Error> {
                let mut list = RecordList::default();
                let mut i = 0;
                while let Some(record) = seq.next_element::<RawRecord>()? {
                    match record.unpublishable(true) {
                        None => list.kept.push((i, record)),
                        Some(reason) => {
                            if list.dropped.len() < MAX_PROBLEMS_PER_FILE {
                                list.dropped.push((i, reason));
                            }
                            list.dropped_count += 1;
                        }
                    }
                    i += 1;
                }
                list.kept.shrink_to_fit();
                Ok(list)
            }
        }
        d.deserialize_seq(V)
    }
}

/// One talk record and where it came from.
#[derive(Debug, Clone)]
pub struct RawTalk {
    /// The file, as a path under the data folder (for messages).
    pub path: PathBuf,
    /// Position in a list or page of records, `None` for a single-record file.
    pub index: Option<usize>,
    pub format: Format,
    /// Folder of the nearest `category.json` above the file, relative to the data root.
    pub event_dir: Option<PathBuf>,
    pub record: RawRecord,
}

/// A line of `redirects.txt`.
#[derive(Debug, Clone)]
pub struct RawRedirect {
    pub from: String,
    pub to: String,
    pub line: usize,
}

/// Everything read from a data folder.
#[derive(Debug, Default)]
pub struct Loaded {
    pub root: PathBuf,
    pub events: Vec<RawEvent>,
    pub talks: Vec<RawTalk>,
    pub no_publish: BTreeSet<u64>,
    pub redirects: Vec<RawRedirect>,
    pub problems: Vec<Problem>,
}

enum FileKind {
    Category,
    Talks,
}

/// A look at each parsed file while its text is still in memory, in load's
/// parallel pass: `check` places its findings with it, so that no file is read
/// (or parsed) twice. Called only for files that parsed.
pub trait Inspect: Sync {
    type Findings: Send;
    /// A `category.json`; `text` is its JSON (without a byte-order mark).
    fn event(&self, text: &str, event: &RawEvent) -> Self::Findings;
    /// A talk file and the records kept from it.
    fn talks(&self, path: &Path, text: &str, talks: &[RawTalk]) -> Self::Findings;
}

/// No inspection: what [`load`] runs.
struct Nothing;

impl Inspect for Nothing {
    type Findings = ();
    fn event(&self, _: &str, _: &RawEvent) {}
    fn talks(&self, _: &Path, _: &str, _: &[RawTalk]) {}
}

/// Walks `root` and parses every JSON file in it (hidden entries are skipped).
pub fn load(root: &Path, opts: &LoadOptions) -> Result<Loaded> {
    load_inspecting(root, opts, &Nothing).map(|(loaded, _)| loaded)
}

/// [`load`], showing each file that parsed to `inspect`; its findings come back in
/// file order.
pub fn load_inspecting<I: Inspect>(root: &Path, opts: &LoadOptions, inspect: &I) -> Result<(Loaded, Vec<I::Findings>)> {
    if !root.is_dir() {
        if root.exists() {
            bail!("data folder `{}` is not a folder", root.display());
        }
        bail!("data folder `{}` does not exist", root.display());
    }
    let mut loaded = Loaded {
        root: root.to_path_buf(),
        ..Loaded::default()
    };
    let mut files: Vec<(PathBuf, FileKind)> = Vec::new();
    let walker = walkdir::WalkDir::new(root)
        .follow_links(opts.follow_links)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'));
    for entry in walker {
        let entry = match entry {
            Ok(e) => e,
            Err(err) => {
                let path = err.path().unwrap_or(root).to_path_buf();
                let msg = if err.loop_ancestor().is_some() {
                    "symbolic link loop; not followed".to_string()
                } else {
                    format!(
                        "cannot read: {}",
                        err.io_error().map_or(err.to_string(), |e| e.to_string())
                    )
                };
                loaded.problems.push(Problem::error(path, msg));
                continue;
            }
        };
        let path = entry.path();
        if entry.path_is_symlink() && !opts.follow_links {
            if path.extension().is_some_and(|x| x == "json") || path.is_dir() {
                loaded.problems.push(Problem::warning(
                    path,
                    "symbolic link not followed (use --follow-links to follow links)",
                ));
            }
            continue;
        }
        if !entry.file_type().is_file() {
            continue;
        }
        let rel = path.strip_prefix(root).unwrap_or(path);
        let name = entry.file_name().to_string_lossy();
        if entry.depth() == 1 && name == "NO_PUBLISH.json" {
            load_no_publish(path, &mut loaded);
        } else if entry.depth() == 1 && name == "redirects.txt" {
            load_redirects(path, &mut loaded);
        } else if name == "category.json" {
            files.push((rel.to_path_buf(), FileKind::Category));
        } else if name.ends_with(".json") {
            files.push((rel.to_path_buf(), FileKind::Talks));
        }
    }

    let event_dirs: BTreeSet<PathBuf> = files
        .iter()
        .filter(|(_, k)| matches!(k, FileKind::Category))
        .filter_map(|(p, _)| p.parent().map(Path::to_path_buf))
        .collect();

    enum Parsed {
        Event(RawEvent),
        Talks(TalkFile),
    }
    type Done<F> = std::result::Result<(Parsed, F), Problem>;
    let results: Vec<Done<I::Findings>> = files
        .par_iter()
        .map(|(rel, kind)| {
            let full = root.join(rel);
            let bytes = read_limited(&full)?;
            let text = json_text(&full, &bytes)?;
            match kind {
                FileKind::Category => {
                    let data = category_from(&full, text)?;
                    let dir = rel.parent().map(Path::to_path_buf).unwrap_or_default();
                    let folder = dir
                        .file_name()
                        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
                    let event = RawEvent {
                        path: full.clone(),
                        dir,
                        folder,
                        data,
                    };
                    let found = inspect.event(text, &event);
                    Ok((Parsed::Event(event), found))
                }
                FileKind::Talks => {
                    let event_dir = rel
                        .ancestors()
                        .skip(1)
                        .find(|a| event_dirs.contains(*a))
                        .map(Path::to_path_buf);
                    let file = talks_from(&full, text, event_dir)?;
                    let found = inspect.talks(&full, text, &file.talks);
                    Ok((Parsed::Talks(file), found))
                }
            }
        })
        .collect();
    let mut findings = Vec::with_capacity(results.len());
    for r in results {
        match r {
            Ok((Parsed::Event(e), found)) => {
                loaded.events.push(e);
                findings.push(found);
            }
            Ok((Parsed::Talks(t), found)) => {
                loaded.talks.extend(t.talks);
                loaded.problems.extend(t.problems);
                findings.push(found);
            }
            Err(p) => loaded.problems.push(p),
        }
    }
    Ok((loaded, findings))
}

/// Reads a file, refusing huge ones before they are read.
fn read_limited(path: &Path) -> std::result::Result<Vec<u8>, Problem> {
    let meta = std::fs::metadata(path).map_err(|e| Problem::error(path, format!("cannot read: {e}")))?;
    if meta.len() > MAX_FILE_SIZE {
        return Err(Problem::error(
            path,
            format!(
                "file is {:.1} MiB; files over {} MiB are refused",
                meta.len() as f64 / (1024.0 * 1024.0),
                MAX_FILE_SIZE / (1024 * 1024)
            ),
        ));
    }
    std::fs::read(path).map_err(|e| Problem::error(path, format!("cannot read: {e}")))
}

/// Checks encoding and strips a UTF-8 byte-order mark; returns the JSON text.
fn json_text<'a>(path: &Path, bytes: &'a [u8]) -> std::result::Result<&'a str, Problem> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let (l, c) = line_col(bytes, e.valid_up_to());
        Problem::error(path, "invalid UTF-8; files must be UTF-8 encoded").at(l, c)
    })?;
    if text.trim().is_empty() {
        return Err(Problem::error(path, "file is empty; expected a JSON object"));
    }
    Ok(text)
}

/// Parses a `category.json` (an object with at least a `title`).
pub fn parse_category(path: &Path, bytes: &[u8]) -> std::result::Result<CategoryFile, Problem> {
    category_from(path, json_text(path, bytes)?)
}

fn category_from(path: &Path, text: &str) -> std::result::Result<CategoryFile, Problem> {
    serde_json::from_str::<CategoryFile>(text).map_err(|e| Problem::from_json(path, &e))
}

/// The records of one talk file, and the problems of the records in it that were
/// dropped while parsing (see [`RecordList`]).
#[derive(Debug, Default)]
pub struct TalkFile {
    pub talks: Vec<RawTalk>,
    pub problems: Vec<Problem>,
}

/// Parses a talk file of either format into its records; `Err` when the file as
/// a whole is not valid.
pub fn parse_talks(path: &Path, bytes: &[u8], event_dir: Option<PathBuf>) -> std::result::Result<TalkFile, Problem> {
    talks_from(path, json_text(path, bytes)?, event_dir)
}

fn talks_from(path: &Path, text: &str, event_dir: Option<PathBuf>) -> std::result::Result<TalkFile, Problem> {
    let first = text.trim_start().as_bytes().first().copied();
    let talk = |record: RawRecord, index: Option<usize>, format: Format| RawTalk {
        path: path.to_path_buf(),
        index,
        format,
        event_dir: event_dir.clone(),
        record,
    };
    // The records of a list, then one error per file for those dropped (their
    // first reasons, then a count).
    let listed = |list: RecordList| {
        let mut out: Vec<RawTalk> = Vec::with_capacity(list.kept.len());
        let mut problems: Vec<Problem> = list
            .dropped
            .iter()
            .map(|(i, reason)| Problem::error(path, format!("record {i}: {reason}")))
            .collect();
        if list.dropped_count > list.dropped.len() {
            problems.push(Problem::more(
                path,
                Severity::Error,
                list.dropped_count - list.dropped.len(),
            ));
        }
        out.extend(list.kept.into_iter().map(|(i, r)| talk(r, Some(i), Format::ApiV2)));
        TalkFile { talks: out, problems }
    };
    match first {
        Some(b'[') => {
            let list: RecordList = serde_json::from_str(text).map_err(|e| Problem::from_json(path, &e))?;
            Ok(listed(list))
        }
        Some(b'{') => {
            let mut record: RawRecord = serde_json::from_str(text).map_err(|e| Problem::from_json(path, &e))?;
            if let Some(results) = record.results.take() {
                return Ok(listed(results));
            }
            let format = if record.videos.is_some() {
                Format::Pyvideo
            } else if record.state.is_some() || record.embed.is_some() || has_api_video(&record) {
                Format::ApiV2
            } else if event_dir.is_some() {
                Format::Pyvideo
            } else if record.category.is_some() {
                Format::ApiV2
            } else {
                return Err(Problem::error(
                    path,
                    "not a talk record: expected a pyvideo talk (with `videos`) inside an event folder \
                     with a category.json, or an archive API v2 record (with `category`)",
                ));
            };
            Ok(TalkFile {
                talks: vec![talk(record, None, format)],
                problems: Vec::new(),
            })
        }
        _ => Err(Problem::error(path, "expected a JSON object (a talk record) or an array of records").at(1, 1)),
    }
}

fn has_api_video(r: &RawRecord) -> bool {
    r.download_fields().iter().any(|(_, url, _)| url.is_some())
}

fn load_no_publish(path: &Path, loaded: &mut Loaded) {
    let parsed = read_limited(path).and_then(|bytes| {
        let text = json_text(path, &bytes)?;
        serde_json::from_str::<Vec<u64>>(text).map_err(|e| Problem::from_json(path, &e))
    });
    match parsed {
        Ok(ids) => loaded.no_publish.extend(ids),
        Err(p) => loaded.problems.push(p),
    }
}

fn load_redirects(path: &Path, loaded: &mut Loaded) {
    let text = match read_limited(path) {
        Ok(b) => String::from_utf8_lossy(&b).into_owned(),
        Err(p) => {
            loaded.problems.push(p);
            return;
        }
    };
    let (redirects, problems) = parse_redirects(path, &text);
    loaded.redirects.extend(redirects);
    loaded.problems.extend(problems);
}

/// The lines of a `redirects.txt` (`old-path new-path`; blank lines and `#`
/// comments skipped); a malformed line is a warning with its line number.
pub fn parse_redirects(path: &Path, text: &str) -> (Vec<RawRedirect>, Vec<Problem>) {
    let (mut redirects, mut problems) = (Vec::new(), Vec::new());
    for (i, line) in text.lines().enumerate() {
        let line_t = line.trim();
        if line_t.is_empty() || line_t.starts_with('#') {
            continue;
        }
        let parts: Vec<&str> = line_t.split_whitespace().collect();
        match parts.as_slice() {
            [from, to] => redirects.push(RawRedirect {
                from: from.to_string(),
                to: to.to_string(),
                line: i + 1,
            }),
            _ => problems.push(Problem::warning(path, "expected `old-path new-path`; line skipped").at(i + 1, 1)),
        }
    }
    (redirects, problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str, in_event: bool) -> std::result::Result<Vec<RawTalk>, Problem> {
        parse_talks(Path::new("t.json"), text.as_bytes(), in_event.then(PathBuf::new)).map(|f| f.talks)
    }

    #[test]
    fn unpublishable_list_records_are_dropped_as_they_are_read() {
        let text = format!(
            "[{}{}]",
            r#"{"title": "A", "category": "C"},"#,
            vec!["{}"; 250].join(",")
        );
        let f = parse_talks(Path::new("t.json"), text.as_bytes(), None).unwrap();
        assert_eq!(f.talks.len(), 1);
        assert_eq!(f.problems.len(), MAX_PROBLEMS_PER_FILE + 1);
        assert_eq!(f.problems[0].message, "record 1: missing field `title`");
        assert_eq!(
            f.problems[MAX_PROBLEMS_PER_FILE].message,
            "… and 150 more errors in this file"
        );
        let f = parse_talks(
            Path::new("t.json"),
            br#"{"results": [{"title": "A"}, {"title": " ", "category": "C"}]}"#,
            None,
        )
        .unwrap();
        assert!(f.talks.is_empty());
        let msgs: Vec<&str> = f.problems.iter().map(|p| p.message.as_str()).collect();
        assert_eq!(
            msgs,
            [format!("record 0: {NO_EVENT}").as_str(), "record 1: `title` is empty"]
        );
    }

    #[test]
    fn detects_pyvideo_record() {
        let t = parse(
            r#"{"title": "A", "videos": [{"type": "youtube", "url": "https://youtu.be/x"}], "extra": 1}"#,
            true,
        )
        .unwrap();
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].format, Format::Pyvideo);
        assert_eq!(t[0].record.title.as_deref(), Some("A"));
    }

    #[test]
    fn detects_api_single_list_and_page() {
        let one = parse(r#"{"title": "A", "category": "C", "state": 1}"#, false).unwrap();
        assert_eq!(one[0].format, Format::ApiV2);
        let list = parse(
            r#"[{"title": "A", "category": "C"}, {"title": "B", "category": "C"}]"#,
            false,
        )
        .unwrap();
        assert_eq!(list.len(), 2);
        assert_eq!(list[1].index, Some(1));
        let page = parse(
            r#"{"count": 1, "next": null, "previous": null, "results": [{"title": "A", "category": "C"}]}"#,
            false,
        )
        .unwrap();
        assert_eq!(page.len(), 1);
        assert_eq!(page[0].format, Format::ApiV2);
    }

    #[test]
    fn real_api_record_parses() {
        let p = Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/content/richard-api-v2/video-377.json"
        ));
        let bytes = std::fs::read(p).unwrap();
        let t = parse_talks(p, &bytes, None).unwrap().talks;
        assert_eq!(t[0].format, Format::ApiV2);
        assert_eq!(t[0].record.id, Some(377));
        assert_eq!(t[0].record.video_ogv_length, Some(195851560));
    }

    #[test]
    fn type_errors_have_positions() {
        let e = parse("{\n  \"title\": 5,\n  \"videos\": []\n}", true).unwrap_err();
        assert_eq!(
            e.to_string(),
            "t.json:2:12: error: invalid type: integer `5`, expected a string"
        );
        let e = parse("{\"title\": \"a\", \"speakers\": \"x\"}", true).unwrap_err();
        assert!(e.message.contains("expected a sequence"), "{e}");
    }

    #[test]
    fn bad_encodings_and_shapes() {
        assert!(parse("", true).unwrap_err().message.contains("empty"));
        assert!(parse("\u{feff}{\"title\": \"a\", \"videos\": []}", true).is_ok());
        let e = parse_talks(Path::new("t.json"), b"{\"title\": \"\xff\"}", None).unwrap_err();
        assert_eq!(
            e.to_string(),
            "t.json:1:12: error: invalid UTF-8; files must be UTF-8 encoded"
        );
        assert!(parse("\"str\"", true).is_err());
        assert!(parse("{\"title\": \"a\"} x", true)
            .unwrap_err()
            .message
            .contains("trailing"));
        assert!(parse("{\"title\": \"a\"", true).unwrap_err().message.contains("EOF"));
        let deep = format!("{{\"x\": {}", "[".repeat(10_000));
        assert!(parse(&deep, true).unwrap_err().message.contains("EOF while parsing"));
        let closed = format!("{{\"x\": {}{}}}", "[".repeat(10_000), "]".repeat(10_000));
        assert!(
            parse(&closed, true).is_ok(),
            "deep ignored fields parse without overflowing the stack"
        );
        assert!(parse(r#"{"title": "a"}"#, false)
            .unwrap_err()
            .message
            .contains("not a talk record"));
    }
}
