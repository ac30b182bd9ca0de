//! `podium check`: validates a data folder without writing a site.
//!
//! Reads and parses each file once, through [`load`](crate::load::load_inspecting):
//! while a file's text is in memory, the field rules of [`crate::rules`] run on its
//! records and each fault is placed at the key it is about (with the stricter
//! pyvideo/data schema on top). Then come archive-wide rules (unique ids and
//! slugs, spellings, `category` against the event's title), and finally
//! [`normalize`](crate::normalize::normalize) on the same records, whose errors are
//! kept for files the rules found clean, so a data folder that passes `check` also builds.

mod json_pos;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use anyhow::Result;
use serde_json::Value;
use unicode_normalization::UnicodeNormalization;

use crate::diag::{LineIndex, Problem, Severity};
use crate::load::{self, Format, LoadOptions, RawEvent, RawRelated, RawTalk};
use crate::normalize::{self, NormalizeOptions};
use crate::rules::{self, quoted, CategoryField, Ty};
use crate::slugs;
use crate::text::{clean_line, fold};
use json_pos::Positions;

pub use crate::rules::MAX_LIKELY_DURATION;

/// Longest file or folder name, in UTF-8 bytes. pyvideo/data's own test
/// (`.tests/filename_length.py`) fails names of 140 bytes or more, because eCryptfs
/// needs room in the 255-byte limit to encrypt names.
pub const MAX_FILE_NAME_BYTES: usize = 139;

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
    let (mut loaded, found) = load::load_inspecting(
        root,
        &LoadOptions {
            follow_links: opts.follow_links,
        },
        &Rules,
    )?;
    let mut problems = std::mem::take(&mut loaded.problems);
    problems.extend(file_name_lengths(root, opts.follow_links));
    let mut facts = Vec::new();
    for f in found {
        problems.extend(f.problems);
        facts.extend(f.facts);
    }

    // Across the archive.
    let event_titles: HashMap<&Path, &str> = loaded
        .events
        .iter()
        .map(|e| (e.dir.as_path(), e.data.title.as_str()))
        .collect();
    problems.extend(categories(&facts, &event_titles));
    facts.sort_by(|a, b| (a.format, &a.path, a.index).cmp(&(b.format, &b.path, b.index)));
    problems.extend(unique_ids(&facts));
    problems.extend(unique_slugs(&facts));
    problems.extend(spellings(&facts, "speaker", speaker_key, |f| &f.speakers));
    problems.extend(spellings(&facts, "tag", tag_key, |f| &f.tags));
    // Only the problems are needed from here on; normalize's peak is the run's.
    drop((event_titles, facts));

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

/// What the per-file rules found in one file.
#[derive(Default)]
struct Found {
    problems: Vec<Problem>,
    facts: Vec<Facts>,
}

/// The per-file rules, run by load on each file it parsed.
struct Rules;

impl load::Inspect for Rules {
    type Findings = Found;

    fn event(&self, text: &str, event: &RawEvent) -> Found {
        Found {
            problems: check_category(FileCtx::new(&event.path, text), event),
            facts: Vec::new(),
        }
    }

    fn talks(&self, path: &Path, text: &str, talks: &[RawTalk]) -> Found {
        if talks.is_empty() {
            return Found::default();
        }
        let mut ctx = FileCtx::new(path, text);
        let mut facts = Vec::with_capacity(talks.len());
        let root_is_list = text.trim_start().starts_with('[');
        for t in talks {
            let prefix = match (t.index, root_is_list) {
                (None, _) => String::new(),
                (Some(i), true) => format!("/{i}"),
                (Some(i), false) => format!("/results/{i}"),
            };
            // A record given as a JSON array parses, but is not one the rules read.
            if !ctx.is(&prefix, b'{') {
                continue;
            }
            facts.push(check_record(&mut ctx, &prefix, t));
        }
        Found {
            problems: ctx.problems,
            facts,
        }
    }
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
    /// A pyvideo record's `category` and its event folder, to compare with the
    /// event's title.
    category: Option<(String, Pos, PathBuf)>,
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
    text: &'a str,
    lines: LineIndex,
    pos: Positions,
    problems: Vec<Problem>,
}

impl<'a> FileCtx<'a> {
    fn new(path: &'a Path, text: &'a str) -> Self {
        FileCtx {
            path,
            text,
            lines: LineIndex::new(text.as_bytes()),
            pos: Positions::scan(text),
            problems: Vec::new(),
        }
    }

    fn pos(&self, pointer: &str) -> Pos {
        self.pos.offset(pointer).map(|o| self.lines.line_col(o))
    }

    fn add(&mut self, pointer: &str, severity: Severity, message: String) {
        let p = problem_at(self.path, self.pos(pointer), severity, message);
        self.problems.push(p);
    }

    fn error(&mut self, pointer: &str, message: impl Into<String>) {
        self.add(pointer, Severity::Error, message.into());
    }

    fn warning(&mut self, pointer: &str, message: impl Into<String>) {
        self.add(pointer, Severity::Warning, message.into());
    }

    /// Whether the text has a member or element at exactly `pointer`.
    fn has(&self, pointer: &str) -> bool {
        self.pos.get(pointer).is_some()
    }

    /// Whether the value at `pointer` starts with `byte` (`{`, `[`, `"`, `n`…).
    fn is(&self, pointer: &str, byte: u8) -> bool {
        self.pos
            .get(pointer)
            .is_some_and(|e| self.text.as_bytes().get(e.start) == Some(&byte))
    }

    /// The value at `pointer`, parsed from its span (for the rare rule that needs
    /// the JSON value itself rather than the typed record).
    fn value(&self, pointer: &str) -> Option<Value> {
        let e = self.pos.get(pointer)?;
        serde_json::from_str(self.text.get(e.start..e.end)?).ok()
    }

    /// Checks the value at `pointer` against `ty`; `true` when it fits.
    fn type_rule(&mut self, pointer: &str, field: &str, ty: Ty) -> bool {
        // Strings, arrays and nulls are told by their first byte; numbers and the
        // rest are parsed (a few bytes each).
        let quick = match ty {
            Ty::Str => self.is(pointer, b'"'),
            Ty::StrOrNull => self.is(pointer, b'"') || self.is(pointer, b'n'),
            Ty::IntOrNull => self.is(pointer, b'n'),
            Ty::Array => self.is(pointer, b'['),
        };
        if quick {
            return true;
        }
        let Some(v) = self.value(pointer) else {
            return true;
        };
        let ok = ty.admits(&v);
        if !ok {
            self.error(
                pointer,
                format!("`{field}` must be {}, not {}", ty.wanted(), rules::kind(&v)),
            );
        }
        ok
    }

    /// Reports a URL fault of field `what`, if any.
    fn url_rule(&mut self, pointer: &str, what: &str, raw: &str) {
        if let Err(fault) = rules::url(raw) {
            self.add(pointer, fault.severity(), fault.message(what, raw));
        }
    }

    /// The first entry before `i` of the array at `pointer` equal to entry `i` as
    /// JSON. The typed entries must be equal for that, so the JSON of the two is
    /// compared only then.
    fn repeats<T: PartialEq>(&self, pointer: &str, items: &[T], i: usize) -> Option<usize> {
        if !items[..i].contains(&items[i]) {
            return None;
        }
        let this = self.value(&format!("{pointer}/{i}"));
        (0..i).find(|&j| items[j] == items[i] && self.value(&format!("{pointer}/{j}")) == this)
    }
}

/// The rules for one talk record (either format); returns what archive rules need.
fn check_record(ctx: &mut FileCtx<'_>, prefix: &str, raw: &RawTalk) -> Facts {
    let r = &raw.record;
    let pyvideo = raw.format == Format::Pyvideo;
    let p = |field: &str| format!("{prefix}/{field}");
    // API records use "" for unset fields; pyvideo's schema does not.
    let set = |v: &Option<String>| -> Option<String> { v.clone().filter(|s| pyvideo || !s.is_empty()) };
    let mut well_typed: HashMap<&str, bool> = HashMap::new();

    if pyvideo {
        for (field, hint) in rules::TALK_REQUIRED {
            if !ctx.has(&p(field)) {
                ctx.error(prefix, format!("missing required field `{field}`{hint}"));
                well_typed.insert(field, false);
            }
        }
        for (field, ty) in rules::TALK_FIELDS {
            if ctx.has(&p(field)) {
                let ok = ctx.type_rule(&p(field), field, *ty);
                well_typed.insert(field, ok);
            }
        }
    } else if r.title.is_none() {
        ctx.error(prefix, "missing required field `title`");
    }

    // title
    if r.title.as_deref().is_some_and(|t| rules::title(t).is_none()) {
        ctx.error(&p("title"), "`title` is empty");
    }

    // recorded
    if let Some(s) = set(&r.recorded) {
        match rules::date_time_fault(&s) {
            Some(rules::DateFault::Shape) => ctx.error(
                &p("recorded"),
                format!(
                    "`recorded` is `{}`, not a date of the form YYYY-MM-DD[Thh:mm:ss[+hh:mm]]",
                    quoted(&s)
                ),
            ),
            Some(rules::DateFault::Calendar) => ctx.error(
                &p("recorded"),
                format!("`recorded` is `{s}`, which is not a valid date"),
            ),
            None => {}
        }
    }

    // speakers and tags
    let speakers = names(ctx, &p("speakers"), r.speakers.as_deref(), false, pyvideo);
    let tags = names(ctx, &p("tags"), r.tags.as_deref(), true, pyvideo);

    // language
    if let Some(lang) = set(&r.language) {
        if let Some(fault) = rules::language_fault(&lang, raw.format) {
            ctx.add(&p("language"), fault.severity(), fault.message(&lang));
        }
    }

    // videos
    let mut has_video = false;
    let mut videos_reported = well_typed.get("videos") == Some(&false);
    if let Some(videos) = &r.videos {
        if videos.is_empty() && pyvideo {
            ctx.error(
                &p("videos"),
                "`videos` is empty; add at least one {\"type\", \"url\"} entry",
            );
            videos_reported = true;
        }
        for (i, v) in videos.iter().enumerate() {
            let vp = format!("{prefix}/videos/{i}");
            if let Some(j) = ctx.repeats(&p("videos"), videos, i) {
                ctx.error(&vp, format!("video entry {i} repeats entry {j}"));
            }
            if !ctx.is(&vp, b'{') {
                continue;
            }
            for (field, value) in [("type", &v.kind), ("url", &v.url)] {
                let fp = format!("{vp}/{field}");
                if !ctx.has(&fp) {
                    ctx.error(&vp, format!("video entry is missing `{field}`"));
                    videos_reported = true;
                } else if value.is_none() {
                    // Present, parsed, yet not a string: `null`.
                    ctx.error(&fp, format!("video `{field}` must be a string, not null"));
                    videos_reported = true;
                }
            }
            if let Some(url) = &v.url {
                if !url.trim().is_empty() {
                    has_video = true;
                }
                ctx.url_rule(&format!("{vp}/url"), "video `url`", url);
            }
        }
    }
    for (kind, url, _) in r.download_fields() {
        if let Some(url) = url.filter(|s| pyvideo || !s.is_empty()) {
            has_video = true;
            let field = format!("video_{kind}_url");
            ctx.url_rule(&p(&field), &format!("`{field}`"), url);
        }
    }
    if let Some(embed) = set(&r.embed) {
        has_video |= crate::video::url_from_embed(&embed).is_some();
    }
    if !has_video && !videos_reported {
        ctx.warning(&p("videos"), "talk has no video URL");
    }

    // related_urls
    if let Some(related) = &r.related_urls {
        for (i, rel) in related.iter().enumerate() {
            let rp = format!("{prefix}/related_urls/{i}");
            if let Some(j) = ctx.repeats(&p("related_urls"), related, i) {
                ctx.error(&rp, format!("related URL {i} repeats entry {j}"));
            }
            match rel {
                RawRelated::Url(u) => ctx.url_rule(&rp, "related URL", u),
                RawRelated::Labeled { label, url } if ctx.is(&rp, b'{') => {
                    if pyvideo {
                        if !ctx.has(&format!("{rp}/label")) {
                            ctx.error(&rp, "related URL entry is missing `label`");
                        } else if label.is_none() {
                            ctx.error(&format!("{rp}/label"), "related URL `label` must be a string, not null");
                        }
                    }
                    ctx.url_rule(&format!("{rp}/url"), "related URL", url);
                }
                RawRelated::Labeled { .. } => {}
            }
        }
    }

    // thumbnail_url
    if let Some(u) = set(&r.thumbnail_url) {
        ctx.url_rule(&p("thumbnail_url"), "`thumbnail_url`", &u);
    }

    // duration
    if let Some(d) = r.duration.filter(|d| rules::likely_milliseconds(*d)) {
        ctx.warning(
            &p("duration"),
            format!("`duration` is {d} seconds, over 12 hours; is it in milliseconds?"),
        );
    }

    // For archive-wide rules.
    let category = set(&r.category);
    let event = if pyvideo {
        raw.event_dir.as_ref().map(|d| format!("dir:{}", d.display()))
    } else {
        category.as_deref().map(|c| format!("category:{}", fold(c)))
    };
    let id = r.id.map(|id| (id, ctx.pos(&p("id"))));
    let slug = match set(&r.slug).filter(|s| !s.trim().is_empty()) {
        Some(s) => Some((s, ctx.pos(&p("slug")), true)),
        None => r
            .title
            .as_deref()
            .and_then(rules::title)
            .map(|t| (slugs::slugify(&t), ctx.pos(&p("title")), false)),
    };
    let category = match (pyvideo, category, &raw.event_dir) {
        (true, Some(c), Some(dir)) => Some((c, ctx.pos(&p("category")), dir.clone())),
        _ => None,
    };
    Facts {
        path: raw.path.clone(),
        index: raw.index,
        format: raw.format,
        event,
        title: fold(r.title.as_deref().unwrap_or_default()),
        id,
        slug,
        speakers,
        tags,
        category,
    }
}

/// Checks a list of names (speakers or tags); returns the usable ones with positions.
fn names(
    ctx: &mut FileCtx<'_>,
    pointer: &str,
    list: Option<&[String]>,
    tags: bool,
    pyvideo: bool,
) -> Vec<(String, Pos)> {
    let what = if tags { "tag" } else { "speaker" };
    let items = list.unwrap_or_default();
    let mut out = Vec::new();
    for (i, (fault, usable)) in rules::name_faults(items, tags, pyvideo).into_iter().enumerate() {
        let ip = format!("{pointer}/{i}");
        if let Some(fault) = fault {
            ctx.add(&ip, fault.severity(), fault.message(what, &items[i]));
        }
        if usable {
            out.push((items[i].trim().to_string(), ctx.pos(&ip)));
        }
    }
    out
}

/// The rules for a `category.json`, per the pyvideo/data schema.
fn check_category(mut ctx: FileCtx<'_>, event: &RawEvent) -> Vec<Problem> {
    if !ctx.is("", b'{') {
        return ctx.problems;
    }
    let keys = ctx.pos.root_keys().to_vec();
    for key in keys {
        let kp = format!("/{}", json_pos::escape_key(&key));
        let ty = match rules::category_field(&key) {
            CategoryField::Typed(ty) => ty,
            CategoryField::PodiumSlug => {
                ctx.warning(
                    &kp,
                    "`slug` is not in the pyvideo/data schema (podium reads it; pyvideo's validator rejects it)",
                );
                continue;
            }
            CategoryField::Unknown => {
                ctx.error(
                    &kp,
                    format!(
                        "unknown field `{key}` in category.json; allowed: {}",
                        rules::CATEGORY_FIELDS.join(", ")
                    ),
                );
                continue;
            }
        };
        if !ctx.type_rule(&kp, &key, ty) {
            continue;
        }
        let d = &event.data;
        match key.as_str() {
            "title" if rules::title(&d.title).is_none() => ctx.error(&kp, "`title` is empty"),
            "url" => {
                if let Some(u) = &d.url {
                    ctx.url_rule(&kp, "`url`", u);
                }
            }
            "start_date" | "end_date" => {
                let s = if key == "start_date" {
                    &d.start_date
                } else {
                    &d.end_date
                };
                if let Some(s) = s.as_deref().filter(|s| !rules::is_plain_date(s)) {
                    ctx.error(
                        &kp,
                        format!("`{key}` is `{}`, not a date of the form YYYY-MM-DD", quoted(s)),
                    );
                }
            }
            _ => {}
        }
    }
    ctx.problems
}

/// Warns where a pyvideo record's `category` is not its event's title (the build uses the title).
fn categories(facts: &[Facts], event_titles: &HashMap<&Path, &str>) -> Vec<Problem> {
    let mut out = Vec::new();
    for f in facts {
        let Some((cat, pos, dir)) = &f.category else { continue };
        let Some(title) = event_titles.get(dir.as_path()) else {
            continue;
        };
        if clean_line(cat) != clean_line(title) {
            out.push(problem_at(
                &f.path,
                *pos,
                Severity::Warning,
                format!(
                    "`category` is `{}` but the event's category.json title is `{}`; the build uses the title",
                    quoted(cat),
                    quoted(title)
                ),
            ));
        }
    }
    out
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
    fold(&stripped)
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
