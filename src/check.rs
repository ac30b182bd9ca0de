//! `podium check`: validates a data folder without writing a site.
//!
//! Runs [`load`](crate::load::load), then its own rule pass over the raw JSON of
//! every file (the published pyvideo/data schema, with each problem placed at the
//! key it is about), then archive-wide rules (unique ids and slugs, spellings),
//! and finally [`normalize`](crate::normalize::normalize), whose errors are kept
//! for files the rules found clean, so a data folder that passes `check` also builds.

mod json_pos;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use anyhow::Result;
use rayon::prelude::*;
use serde_json::{Map, Value};
use unicode_normalization::UnicodeNormalization;

use crate::date::Date;
use crate::diag::{LineIndex, Problem, Severity};
use crate::load::{self, Format, LoadOptions, RawTalk};
use crate::normalize::{self, clean_line, NormalizeOptions};
use crate::slugs;
use json_pos::Positions;

/// Longest file or folder name, in UTF-8 bytes. pyvideo/data's own test
/// (`.tests/filename_length.py`) fails names of 140 bytes or more, because eCryptfs
/// needs room in the 255-byte limit to encrypt names.
pub const MAX_FILE_NAME_BYTES: usize = 139;

/// Durations above this (12 hours, in seconds) are probably milliseconds.
pub const MAX_LIKELY_DURATION: f64 = 12.0 * 3600.0;

/// Switches for one check.
#[derive(Debug, Clone, Default)]
pub struct CheckOptions {
    /// Follow symbolic links inside the data folder.
    pub follow_links: bool,
    /// The site's content pages folder, whose front matter is checked too.
    pub pages_dir: Option<PathBuf>,
    /// The URL style (page slugs are made safe under its rules).
    pub url_style: crate::config::UrlStyle,
}

/// Everything a check (of data, or of a built site) found.
#[derive(Debug, Default)]
pub struct CheckReport {
    /// Sorted by file, then position.
    pub problems: Vec<Problem>,
    /// What was checked, for the summary: `("talks", 12)`, `("events", 2)`.
    pub counts: Vec<(&'static str, usize)>,
}

impl CheckReport {
    /// How many problems are errors (a non-zero count fails the check).
    pub fn errors(&self) -> usize {
        self.problems
            .iter()
            .filter(|p| p.is_error())
            .map(|p| p.stands_for)
            .sum()
    }

    /// How many problems are warnings.
    pub fn warnings(&self) -> usize {
        self.problems
            .iter()
            .filter(|p| !p.is_error())
            .map(|p| p.stands_for)
            .sum()
    }

    /// The one line a check ends with: `checked 5 talks, 1 events: 2 error(s), 0 warning(s)`.
    pub fn summary(&self) -> String {
        let what: Vec<String> = self.counts.iter().map(|(k, n)| format!("{n} {k}")).collect();
        format!(
            "checked {}: {} error(s), {} warning(s)",
            what.join(", "),
            self.errors(),
            self.warnings()
        )
    }

    /// The report for machines, one JSON document:
    /// `{"problems": [{"path", "line", "column", "severity", "message"}, ...],
    /// "summary": {<what was checked>: n, ..., "errors": n, "warnings": n}}`;
    /// `line` and `column` are `null` for problems about a whole file.
    pub fn to_json(&self) -> String {
        #[derive(serde::Serialize)]
        struct Doc<'a> {
            problems: Vec<JsonProblem<'a>>,
            summary: Summary<'a>,
        }
        #[derive(serde::Serialize)]
        struct JsonProblem<'a> {
            path: String,
            line: Option<usize>,
            column: Option<usize>,
            severity: Severity,
            message: &'a str,
        }
        #[derive(serde::Serialize)]
        struct Summary<'a> {
            #[serde(flatten)]
            counts: BTreeMap<&'a str, usize>,
            errors: usize,
            warnings: usize,
        }
        let doc = Doc {
            problems: self
                .problems
                .iter()
                .map(|p| JsonProblem {
                    path: p.path.to_string_lossy().into_owned(),
                    line: p.line,
                    column: p.column,
                    severity: p.severity,
                    message: &p.message,
                })
                .collect(),
            summary: Summary {
                counts: self.counts.iter().copied().collect(),
                errors: self.errors(),
                warnings: self.warnings(),
            },
        };
        serde_json::to_string_pretty(&doc).unwrap_or_default()
    }
}

/// Checks the data folder at `root`. Problems are in the report; `Err` only when
/// the folder cannot be read at all.
pub fn check(root: &Path, opts: &CheckOptions) -> Result<CheckReport> {
    let mut loaded = load::load(
        root,
        &LoadOptions {
            follow_links: opts.follow_links,
        },
    )?;
    let mut problems = std::mem::take(&mut loaded.problems);
    problems.extend(file_name_lengths(root, opts.follow_links));

    // Per file: the schema and per-record rules, in parallel.
    let event_titles: HashMap<&Path, &str> = loaded
        .events
        .iter()
        .map(|e| (e.dir.as_path(), e.data.title.as_str()))
        .collect();
    problems.extend(
        loaded
            .events
            .par_iter()
            .flat_map_iter(|e| check_category_file(&e.path))
            .collect::<Vec<_>>(),
    );
    let mut by_file: BTreeMap<&Path, Vec<&RawTalk>> = BTreeMap::new();
    for t in &loaded.talks {
        by_file.entry(&t.path).or_default().push(t);
    }
    let files: Vec<(&Path, Vec<&RawTalk>)> = by_file.into_iter().collect();
    let results: Vec<(Vec<Problem>, Vec<Facts>)> = files
        .par_iter()
        .map(|(path, talks)| check_talk_file(path, talks, &event_titles))
        .collect();
    let mut facts = Vec::new();
    for (p, f) in results {
        problems.extend(p);
        facts.extend(f);
    }

    // Across the archive.
    facts.sort_by(|a, b| (a.format, &a.path, a.index).cmp(&(b.format, &b.path, b.index)));
    problems.extend(unique_ids(&facts));
    problems.extend(unique_slugs(&facts));
    problems.extend(spellings(&facts, "speaker", speaker_key, |f| &f.speakers));
    problems.extend(spellings(&facts, "tag", tag_key, |f| &f.tags));

    // Whatever else would stop a build, for files the rules found clean.
    let mut counts = vec![("talks", loaded.talks.len()), ("events", loaded.events.len())];
    if let Some(dir) = &opts.pages_dir {
        let (pages, page_problems) = crate::pages::load(dir, opts.url_style);
        if dir.is_dir() {
            counts.push(("pages", pages.len()));
        }
        problems.extend(page_problems);
    }
    let (_, built) = normalize::normalize(
        loaded,
        &NormalizeOptions {
            drafts: true,
            ..NormalizeOptions::default()
        },
    );
    let with_errors: std::collections::HashSet<PathBuf> = problems
        .iter()
        .filter(|p| p.is_error())
        .map(|p| p.path.clone())
        .collect();
    problems.extend(
        built
            .into_iter()
            .filter(|p| p.is_error() && !with_errors.contains(&p.path)),
    );

    problems.sort();
    problems.dedup();
    Ok(CheckReport {
        problems: crate::diag::cap_per_file(problems),
        counts,
    })
}

/// Facts about one record that archive-wide rules need, with their positions.
#[derive(Debug)]
struct Facts {
    path: PathBuf,
    index: Option<usize>,
    format: Format,
    /// Slugs must be unique within this (the event folder, or the API `category`).
    event: Option<String>,
    /// Folded title, to recognise the same talk in both formats.
    title: String,
    id: Option<(u64, Pos)>,
    /// (slug, where, whether the record set it or it comes from the title).
    slug: Option<(String, Pos, bool)>,
    speakers: Vec<(String, Pos)>,
    tags: Vec<(String, Pos)>,
}

/// A 1-based line and column, when known.
type Pos = Option<(usize, usize)>;

fn problem_at(path: &Path, pos: Pos, severity: Severity, message: String) -> Problem {
    let p = match severity {
        Severity::Error => Problem::error(path, message),
        Severity::Warning => Problem::warning(path, message),
    };
    match pos {
        Some((l, c)) => p.at(l, c),
        None => p,
    }
}

/// One file's text, positions and findings.
struct FileCtx<'a> {
    path: &'a Path,
    lines: LineIndex,
    pos: Positions,
    problems: Vec<Problem>,
}

impl FileCtx<'_> {
    fn pos(&self, pointer: &str) -> Pos {
        self.pos.offset(pointer).map(|o| self.lines.line_col(o))
    }

    fn error(&mut self, pointer: &str, message: impl Into<String>) {
        let p = problem_at(self.path, self.pos(pointer), Severity::Error, message.into());
        self.problems.push(p);
    }

    fn warning(&mut self, pointer: &str, message: impl Into<String>) {
        let p = problem_at(self.path, self.pos(pointer), Severity::Warning, message.into());
        self.problems.push(p);
    }
}

/// Reads a JSON file for the rule pass; `Err` is the problem to report.
fn read_json(path: &Path) -> std::result::Result<(String, Value), Problem> {
    let bytes = std::fs::read(path).map_err(|e| Problem::error(path, format!("cannot read: {e}")))?;
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    let text = String::from_utf8_lossy(bytes).into_owned();
    let value = serde_json::from_str(&text).map_err(|e| Problem::from_json(path, &e))?;
    Ok((text, value))
}

/// `"a string"`, `"null"`…: what a value is, for type messages.
fn kind(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(_) => "a boolean".into(),
        Value::Number(n) if is_integer(v) => format!("an integer ({n})"),
        Value::Number(n) => format!("a number with a fraction ({n})"),
        Value::String(_) => "a string".into(),
        Value::Array(_) => "an array".into(),
        Value::Object(_) => "an object".into(),
    }
}

/// JSON Schema draft 6+ integers: `3` and `3.0`, not `3.5`.
fn is_integer(v: &Value) -> bool {
    match v {
        Value::Number(n) => n.is_i64() || n.is_u64() || n.as_f64().is_some_and(|f| f.fract() == 0.0),
        _ => false,
    }
}

/// Shortened for messages.
fn shown(s: &str) -> String {
    let mut out: String = s.chars().take(80).collect();
    if out.len() < s.len() {
        out.push('…');
    }
    out
}

/// The schema's `YYYY-MM-DD[Thh:mm:ss[+hh:mm]]` shape (not the calendar).
fn date_shape(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| b.get(r).is_some_and(|d| d.iter().all(u8::is_ascii_digit));
    let date = b.len() >= 10 && digits(0..4) && b[4] == b'-' && digits(5..7) && b[7] == b'-' && digits(8..10);
    let time = |b: &[u8]| b.len() >= 9 && b[0] == b'T' && b[3] == b':' && b[6] == b':';
    date && match b.len() {
        10 => true,
        19 => time(&b[10..]) && digits(11..13) && digits(14..16) && digits(17..19),
        25 => {
            time(&b[10..])
                && digits(11..13)
                && digits(14..16)
                && digits(17..19)
                && matches!(b[19], b'+' | b'-')
                && digits(20..22)
                && b[22] == b':'
                && digits(23..25)
        }
        _ => false,
    }
}

/// Checks a URL field: an error when it does not parse, a warning when the build
/// would drop it (not an absolute http(s) URL).
fn url_rule(ctx: &mut FileCtx<'_>, pointer: &str, what: &str, raw: &str) {
    if raw.trim().is_empty() {
        return ctx.error(pointer, format!("{what} is empty, not a URL"));
    }
    match url::Url::parse(raw) {
        Err(e) => ctx.error(pointer, format!("{what} `{}` is not a valid URL ({e})", shown(raw))),
        Ok(u) if !matches!(u.scheme(), "http" | "https") => ctx.warning(
            pointer,
            format!("{what} `{}` is not an http(s) URL; the build drops it", shown(raw)),
        ),
        Ok(_) if crate::video::safe_http_url(raw).is_none() => {
            let why = if raw.contains('\\') {
                "a backslash"
            } else if raw.chars().any(|c| c.is_whitespace() || c.is_control()) {
                "whitespace or control characters"
            } else {
                "parts the build refuses (credentials, no host or invisible characters)"
            };
            ctx.warning(
                pointer,
                format!("{what} `{}` has {why}; the build drops it", shown(raw)),
            )
        }
        Ok(_) => {}
    }
}

/// What a pyvideo talk field may hold, per the published `video.json` schema.
#[derive(Clone, Copy)]
enum Ty {
    Str,
    StrOrNull,
    IntOrNull,
    Array,
}

const TALK_FIELDS: &[(&str, Ty)] = &[
    ("alias", Ty::StrOrNull),
    ("category", Ty::StrOrNull),
    ("copyright_text", Ty::StrOrNull),
    ("description", Ty::StrOrNull),
    ("duration", Ty::IntOrNull),
    ("id", Ty::IntOrNull),
    ("language", Ty::StrOrNull),
    ("quality_notes", Ty::StrOrNull),
    ("recorded", Ty::StrOrNull),
    ("related_urls", Ty::Array),
    ("slug", Ty::StrOrNull),
    ("speakers", Ty::Array),
    ("summary", Ty::StrOrNull),
    ("tags", Ty::Array),
    ("thumbnail_url", Ty::StrOrNull),
    ("title", Ty::Str),
    ("videos", Ty::Array),
];

/// Required fields and how to fill them when unknown.
const TALK_REQUIRED: &[(&str, &str)] = &[
    ("title", ""),
    ("speakers", "; use `[]` if unknown"),
    ("recorded", "; use `null` if unknown"),
    ("description", "; use `null` or `\"\"` if there is none"),
    ("videos", "; a talk needs at least one {\"type\", \"url\"} entry"),
];

/// Checks a type against [`Ty`]; `true` when it fits.
fn type_rule(ctx: &mut FileCtx<'_>, pointer: &str, field: &str, ty: Ty, v: &Value) -> bool {
    let (ok, want) = match ty {
        Ty::Str => (v.is_string(), "a string"),
        Ty::StrOrNull => (v.is_string() || v.is_null(), "a string or null"),
        Ty::IntOrNull => (v.is_null() || is_integer(v), "an integer or null"),
        Ty::Array => (v.is_array(), "an array"),
    };
    if !ok {
        ctx.error(pointer, format!("`{field}` must be {want}, not {}", kind(v)));
    }
    ok
}

fn check_talk_file(path: &Path, talks: &[&RawTalk], event_titles: &HashMap<&Path, &str>) -> (Vec<Problem>, Vec<Facts>) {
    let (text, root) = match read_json(path) {
        Ok(x) => x,
        Err(p) => return (vec![p], Vec::new()),
    };
    let mut ctx = FileCtx {
        path,
        lines: LineIndex::new(text.as_bytes()),
        pos: Positions::scan(&text),
        problems: Vec::new(),
    };
    let mut facts = Vec::new();
    for t in talks {
        let prefix = match (t.index, &root) {
            (None, _) => String::new(),
            (Some(i), Value::Array(_)) => format!("/{i}"),
            (Some(i), _) => format!("/results/{i}"),
        };
        let Some(Value::Object(record)) = root.pointer(&prefix) else {
            continue;
        };
        let event_title = t.event_dir.as_deref().and_then(|d| event_titles.get(d)).copied();
        facts.push(check_record(&mut ctx, &prefix, record, t, event_title));
    }
    (ctx.problems, facts)
}

/// The rules for one talk record (either format); returns what archive rules need.
fn check_record(
    ctx: &mut FileCtx<'_>,
    prefix: &str,
    rec: &Map<String, Value>,
    raw: &RawTalk,
    event_title: Option<&str>,
) -> Facts {
    let pyvideo = raw.format == Format::Pyvideo;
    let p = |field: &str| format!("{prefix}/{field}");
    // API records use "" for unset fields; pyvideo's schema does not.
    let get = |field: &str| -> Option<&Value> {
        rec.get(field)
            .filter(|v| !v.is_null() && (pyvideo || v.as_str() != Some("")))
    };
    let mut well_typed: HashMap<&str, bool> = HashMap::new();

    if pyvideo {
        for (field, hint) in TALK_REQUIRED {
            if !rec.contains_key(*field) {
                ctx.error(prefix, format!("missing required field `{field}`{hint}"));
                well_typed.insert(field, false);
            }
        }
        for (field, ty) in TALK_FIELDS {
            if let Some(v) = rec.get(*field) {
                let ok = type_rule(ctx, &p(field), field, *ty, v);
                well_typed.insert(field, ok);
            }
        }
    } else if rec.get("title").is_none_or(Value::is_null) {
        ctx.error(prefix, "missing required field `title`");
    }

    // title
    if let Some(title) = rec.get("title").and_then(Value::as_str) {
        if clean_line(title).is_empty() {
            ctx.error(&p("title"), "`title` is empty");
        }
    }

    // recorded
    if let Some(s) = get("recorded").and_then(Value::as_str) {
        if !date_shape(s) {
            ctx.error(
                &p("recorded"),
                format!(
                    "`recorded` is `{}`, not a date of the form YYYY-MM-DD[Thh:mm:ss[+hh:mm]]",
                    shown(s)
                ),
            );
        } else if Date::parse(s).is_none() {
            ctx.error(
                &p("recorded"),
                format!("`recorded` is `{s}`, which is not a valid date"),
            );
        }
    }

    // speakers and tags
    let speakers = names(ctx, &p("speakers"), get("speakers"), "speaker", pyvideo);
    let tags = names(ctx, &p("tags"), get("tags"), "tag", pyvideo);

    // language
    if let Some(lang) = get("language").and_then(Value::as_str) {
        if pyvideo {
            if isolang::Language::from_639_3(lang).is_none() {
                let lower = lang.trim().to_lowercase();
                let hint = if isolang::Language::from_639_3(&lower).is_some() {
                    format!("; use `{lower}`")
                } else {
                    " such as `eng` or `spa`".to_string()
                };
                ctx.error(
                    &p("language"),
                    format!("`language` is `{}`, not an ISO 639-3 code{hint}", shown(lang)),
                );
            }
        } else {
            let (code, _) = normalize::language_of(lang.trim(), Format::ApiV2);
            if isolang::Language::from_639_3(&code).is_none() {
                ctx.warning(
                    &p("language"),
                    format!(
                        "`language` `{}` is not a known language name or ISO 639-3 code",
                        shown(lang)
                    ),
                );
            }
        }
    }

    // videos
    let mut has_video = false;
    let mut videos_reported = well_typed.get("videos") == Some(&false);
    if let Some(Value::Array(videos)) = get("videos") {
        if videos.is_empty() && pyvideo {
            ctx.error(
                &p("videos"),
                "`videos` is empty; add at least one {\"type\", \"url\"} entry",
            );
            videos_reported = true;
        }
        for (i, v) in videos.iter().enumerate() {
            let vp = format!("{prefix}/videos/{i}");
            if let Some(j) = videos[..i].iter().position(|w| w == v) {
                ctx.error(&vp, format!("video entry {i} repeats entry {j}"));
            }
            let Value::Object(entry) = v else { continue };
            for field in ["type", "url"] {
                match entry.get(field) {
                    None => {
                        ctx.error(&vp, format!("video entry is missing `{field}`"));
                        videos_reported = true;
                    }
                    Some(Value::String(_)) => {}
                    Some(other) => {
                        ctx.error(
                            &format!("{vp}/{field}"),
                            format!("video `{field}` must be a string, not {}", kind(other)),
                        );
                        videos_reported = true;
                    }
                }
            }
            if let Some(url) = entry.get("url").and_then(Value::as_str) {
                if !url.trim().is_empty() {
                    has_video = true;
                }
                url_rule(ctx, &format!("{vp}/url"), "video `url`", url);
            }
        }
    }
    for kind in ["mp4", "webm", "ogv", "flv"] {
        let field = format!("video_{kind}_url");
        if let Some(url) = get(&field).and_then(Value::as_str) {
            has_video = true;
            url_rule(ctx, &p(&field), &format!("`{field}`"), url);
        }
    }
    if let Some(embed) = get("embed").and_then(Value::as_str) {
        has_video |= crate::video::url_from_embed(embed).is_some();
    }
    if !has_video && !videos_reported {
        ctx.warning(&p("videos"), "talk has no video URL");
    }

    // related_urls
    if let Some(Value::Array(related)) = get("related_urls") {
        for (i, r) in related.iter().enumerate() {
            let rp = format!("{prefix}/related_urls/{i}");
            if let Some(j) = related[..i].iter().position(|w| w == r) {
                ctx.error(&rp, format!("related URL {i} repeats entry {j}"));
            }
            match r {
                Value::String(u) => url_rule(ctx, &rp, "related URL", u),
                Value::Object(o) => {
                    if pyvideo {
                        match o.get("label") {
                            None => ctx.error(&rp, "related URL entry is missing `label`"),
                            Some(Value::String(_)) => {}
                            Some(other) => ctx.error(
                                &format!("{rp}/label"),
                                format!("related URL `label` must be a string, not {}", kind(other)),
                            ),
                        }
                    }
                    if let Some(u) = o.get("url").and_then(Value::as_str) {
                        url_rule(ctx, &format!("{rp}/url"), "related URL", u);
                    }
                }
                _ => {}
            }
        }
    }

    // thumbnail_url
    if let Some(u) = get("thumbnail_url").and_then(Value::as_str) {
        url_rule(ctx, &p("thumbnail_url"), "`thumbnail_url`", u);
    }

    // duration
    if let Some(d) = get("duration").and_then(Value::as_f64) {
        if d > MAX_LIKELY_DURATION {
            ctx.warning(
                &p("duration"),
                format!("`duration` is {d} seconds, over 12 hours; is it in milliseconds?"),
            );
        }
    }

    // category vs category.json
    if let (true, Some(title), Some(cat)) = (pyvideo, event_title, get("category").and_then(Value::as_str)) {
        if clean_line(cat) != clean_line(title) {
            ctx.warning(
                &p("category"),
                format!(
                    "`category` is `{}` but the event's category.json title is `{}`; the build uses the title",
                    shown(cat),
                    shown(title)
                ),
            );
        }
    }

    // For archive-wide rules.
    let event = if pyvideo {
        raw.event_dir.as_ref().map(|d| format!("dir:{}", d.display()))
    } else {
        get("category")
            .and_then(Value::as_str)
            .map(|c| format!("category:{}", normalize::fold(c)))
    };
    let id = get("id").and_then(Value::as_u64).map(|id| (id, ctx.pos(&p("id"))));
    let slug = match get("slug").and_then(Value::as_str).filter(|s| !s.trim().is_empty()) {
        Some(s) => Some((s.to_string(), ctx.pos(&p("slug")), true)),
        None => rec
            .get("title")
            .and_then(Value::as_str)
            .map(clean_line)
            .filter(|t| !t.is_empty())
            .map(|t| (slugs::slugify(&t), ctx.pos(&p("title")), false)),
    };
    Facts {
        path: raw.path.clone(),
        index: raw.index,
        format: raw.format,
        event,
        title: normalize::fold(rec.get("title").and_then(Value::as_str).unwrap_or_default()),
        id,
        slug,
        speakers,
        tags,
    }
}

/// Checks a list of names (speakers or tags); returns the usable ones with positions.
fn names(ctx: &mut FileCtx<'_>, pointer: &str, list: Option<&Value>, what: &str, pyvideo: bool) -> Vec<(String, Pos)> {
    let mut out = Vec::new();
    let Some(Value::Array(items)) = list else {
        return out;
    };
    for (i, item) in items.iter().enumerate() {
        let ip = format!("{pointer}/{i}");
        let Some(name) = item.as_str() else { continue };
        if items[..i].contains(item) {
            if pyvideo {
                ctx.error(&ip, format!("{what} `{}` is listed twice", shown(name)));
            }
            continue;
        }
        if name.is_empty() && what == "tag" && pyvideo {
            ctx.error(&ip, "empty tag; tags need at least one character");
        } else if name.trim().is_empty() {
            ctx.warning(&ip, format!("empty {what} name; the build ignores it"));
        } else {
            if what == "speaker" && name != name.trim() {
                ctx.error(&ip, format!("speaker `{name}` has leading or trailing whitespace"));
            }
            out.push((name.trim().to_string(), ctx.pos(&ip)));
        }
    }
    out
}

/// The fields a pyvideo `category.json` may have (the schema forbids others);
/// `slug` is podium's extension, allowed with a warning.
const CATEGORY_FIELDS: &[&str] = &["alias", "description", "end_date", "start_date", "title", "url"];

fn check_category_file(path: &Path) -> Vec<Problem> {
    let (text, root) = match read_json(path) {
        Ok(x) => x,
        Err(p) => return vec![p],
    };
    let mut ctx = FileCtx {
        path,
        lines: LineIndex::new(text.as_bytes()),
        pos: Positions::scan(&text),
        problems: Vec::new(),
    };
    let Value::Object(obj) = &root else {
        return ctx.problems;
    };
    for (key, v) in obj {
        let kp = format!("/{}", json_pos::escape_key(key));
        let ty = match key.as_str() {
            "title" | "url" | "start_date" | "end_date" => Ty::Str,
            "alias" | "description" => Ty::StrOrNull,
            "slug" => {
                ctx.warning(
                    &kp,
                    "`slug` is not in the pyvideo/data schema (podium reads it; pyvideo's validator rejects it)",
                );
                continue;
            }
            _ => {
                ctx.error(
                    &kp,
                    format!(
                        "unknown field `{key}` in category.json; allowed: {}",
                        CATEGORY_FIELDS.join(", ")
                    ),
                );
                continue;
            }
        };
        if !type_rule(&mut ctx, &kp, key, ty, v) {
            continue;
        }
        let Some(s) = v.as_str() else { continue };
        match key.as_str() {
            "title" if clean_line(s).is_empty() => ctx.error(&kp, "`title` is empty"),
            "url" => url_rule(&mut ctx, &kp, "`url`", s),
            "start_date" | "end_date" if s.len() != 10 || Date::parse(s).is_none() => ctx.error(
                &kp,
                format!("`{key}` is `{}`, not a date of the form YYYY-MM-DD", shown(s)),
            ),
            _ => {}
        }
    }
    ctx.problems
}

/// Every file and folder whose name is too long for pyvideo/data.
fn file_name_lengths(root: &Path, follow_links: bool) -> Vec<Problem> {
    walkdir::WalkDir::new(root)
        .follow_links(follow_links)
        .min_depth(1)
        .into_iter()
        .filter_entry(|e| !e.file_name().to_string_lossy().starts_with('.'))
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let n = e.file_name().to_string_lossy().len();
            (n > MAX_FILE_NAME_BYTES).then(|| {
                Problem::error(
                    e.path(),
                    format!("name is {n} bytes long; pyvideo/data allows at most {MAX_FILE_NAME_BYTES} (UTF-8 bytes)"),
                )
            })
        })
        .collect()
}

fn unique_ids(facts: &[Facts]) -> Vec<Problem> {
    let mut out = Vec::new();
    let mut seen: HashMap<u64, &Facts> = HashMap::new();
    for f in facts {
        let Some((id, pos)) = f.id else { continue };
        let Some(first) = seen.get(&id) else {
            seen.insert(id, f);
            continue;
        };
        // The same talk in both input formats is supported: the build keeps one copy.
        let same_talk = (f.format, first.format) != (Format::Pyvideo, Format::Pyvideo) && f.title == first.title;
        let (severity, message) = if same_talk {
            (
                Severity::Warning,
                format!(
                    "talk id {id} is the same talk as `{}`; the build skips this copy",
                    first.path.display()
                ),
            )
        } else {
            (
                Severity::Error,
                format!(
                    "duplicate id {id}: `{}` has it too; ids must be unique across the archive",
                    first.path.display()
                ),
            )
        };
        out.push(problem_at(&f.path, pos, severity, message));
    }
    out
}

fn unique_slugs(facts: &[Facts]) -> Vec<Problem> {
    let mut out = Vec::new();
    let mut seen: HashMap<(&str, &str), (&Path, bool)> = HashMap::new();
    for f in facts {
        let (Some(event), Some((slug, pos, explicit))) = (&f.event, &f.slug) else {
            continue;
        };
        match seen.get(&(event.as_str(), slug.as_str())) {
            Some((first, first_explicit)) => {
                let p = if *explicit && *first_explicit {
                    problem_at(
                        &f.path,
                        *pos,
                        Severity::Error,
                        format!(
                            "slug `{slug}` is also used by `{}`; slugs must be unique within an event",
                            first.display()
                        ),
                    )
                } else {
                    let from = if *explicit { "" } else { " (made from the title)" };
                    problem_at(
                        &f.path,
                        *pos,
                        Severity::Warning,
                        format!(
                            "slug `{slug}`{from} is also used by `{}` in this event; the build numbers this one — set a distinct `slug`",
                            first.display()
                        ),
                    )
                };
                out.push(p);
            }
            None => {
                seen.insert((event, slug), (&f.path, *explicit));
            }
        }
    }
    out
}

/// Merge key for speaker spellings: case, accents, Unicode normalisation and
/// whitespace do not matter.
fn speaker_key(name: &str) -> String {
    let stripped: String = name
        .nfkd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
        .collect();
    normalize::fold(&stripped)
}

/// Merge key for tags: only case (and Unicode normalisation) do not matter.
fn tag_key(name: &str) -> String {
    name.nfc().collect::<String>().to_lowercase()
}

/// Where a spelling is used.
type Uses<'a> = Vec<(&'a Path, Pos)>;

/// Warns at every spelling of a name that differs from its most common spelling.
fn spellings(
    facts: &[Facts],
    what: &str,
    key: fn(&str) -> String,
    list: fn(&Facts) -> &Vec<(String, Pos)>,
) -> Vec<Problem> {
    // key -> spelling -> uses
    let mut groups: HashMap<String, BTreeMap<&str, Uses<'_>>> = HashMap::new();
    for f in facts {
        for (name, pos) in list(f) {
            groups
                .entry(key(name))
                .or_default()
                .entry(name)
                .or_default()
                .push((&f.path, *pos));
        }
    }
    let mut out = Vec::new();
    for spellings in groups.values().filter(|s| s.len() > 1) {
        // Most common; ties go to the first in order, for determinism.
        let (best, best_uses) = spellings
            .iter()
            .max_by(|a, b| a.1.len().cmp(&b.1.len()).then(b.0.cmp(a.0)))
            .map(|(s, u)| (*s, u.len()))
            .unwrap_or_default();
        for (name, uses) in spellings.iter().filter(|(s, _)| **s != best) {
            let fix = if name.nfc().eq(best.nfc()) {
                ", which differs only in Unicode normalisation; write both in NFC"
            } else {
                "; use one spelling"
            };
            let talks = if best_uses == 1 { "talk" } else { "talks" };
            let message = format!("{what} `{name}` is spelled `{best}` in {best_uses} {talks}{fix}");
            for (path, pos) in uses {
                out.push(problem_at(path, *pos, Severity::Warning, message.clone()));
            }
        }
    }
    out
}
