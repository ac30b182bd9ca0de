//! Raw records → the site model: applies the field rules of [`crate::rules`]
//! (keeping what passes, warning about what is dropped), merges speaker and tag
//! spellings, assigns unique slugs, drops drafts and NO_PUBLISH ids, and sorts.
//! Pure: takes values, returns the archive plus every problem found.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use crate::config::UrlStyle;
use crate::date::Date;
use crate::diag::{shown, Problem};
use crate::load::{Format, Loaded, RawRecord, RawRelated, RawTalk};
use crate::model::{Archive, Event, Link, Talk, Term, VideoSource};
use crate::rules;
use crate::slugs;

pub mod patch;

pub use crate::rules::{language_of, MAX_NAMES_PER_TALK};
pub use crate::text::{clean_line, clean_text, fold};

/// What normalisation may keep or drop.
#[derive(Debug, Clone, Default)]
pub struct NormalizeOptions {
    /// Publish archive-API drafts (`state` 2).
    pub drafts: bool,
    pub url_style: UrlStyle,
}

/// Builds the archive from loaded records; problems are returned, never thrown.
pub fn normalize(loaded: Loaded, opts: &NormalizeOptions) -> (Archive, Vec<Problem>) {
    let mut problems = loaded.problems;
    let mut archive = Archive::default();

    // Events from category.json files, keyed by folder.
    let mut event_by_dir: HashMap<PathBuf, usize> = HashMap::new();
    let mut event_by_title: HashMap<String, usize> = HashMap::new();
    let mut event_wish: Vec<(String, String)> = Vec::new();
    for raw in loaded.events {
        let Some(title) = rules::title(&raw.data.title) else {
            problems.push(Problem::error(&raw.path, "event `title` is empty"));
            continue;
        };
        let wish = match opts.url_style {
            UrlStyle::Podium => slugs::record_slug(&raw.folder),
            // pyvideo.org: `category.json`'s `slug`, else the title's (not the folder).
            UrlStyle::Pyvideo => {
                let (safe, changed) = rules::wished_slug(raw.data.slug.as_deref(), opts.url_style, || {
                    slugs::name_slug(&title, opts.url_style)
                });
                if let Some(given) = changed {
                    problems.push(Problem::warning(
                        &raw.path,
                        format!("slug `{}` is not URL-safe; the event gets `{safe}`", shown(given, 60)),
                    ));
                }
                safe
            }
        };
        let idx = archive.events.len();
        event_by_dir.insert(raw.dir.clone(), idx);
        event_by_title.entry(fold(&title)).or_insert(idx);
        event_wish.push((format!("0{}", raw.dir.display()), wish));
        let url = raw
            .data
            .url
            .as_deref()
            .and_then(|u| checked_url(u, &raw.path, "url", &mut problems));
        let start = raw
            .data
            .start_date
            .as_deref()
            .and_then(|d| checked_date(d, &raw.path, "start_date", &mut problems));
        let end = raw
            .data
            .end_date
            .as_deref()
            .and_then(|d| checked_date(d, &raw.path, "end_date", &mut problems));
        archive.events.push(Event {
            slug: String::new(),
            title,
            description: raw.data.description.unwrap_or_default(),
            url,
            start,
            end,
            talks: Vec::new(),
            source: Some(raw.path),
        });
    }

    // Talks, in a deterministic order: by file, then position in the file.
    let mut raw_talks = loaded.talks;
    raw_talks.sort_by(|a, b| (a.format, &a.path, a.index).cmp(&(b.format, &b.path, b.index)));
    let mut talks: Vec<Talk> = Vec::with_capacity(raw_talks.len());
    let mut talk_keys: Vec<TalkKey> = Vec::new();
    let mut names: Vec<Names> = Vec::new();
    let mut seen_ids: HashMap<u64, usize> = HashMap::new();
    // Talks whose event folder's category.json is invalid (already reported), per folder.
    let mut orphans: BTreeMap<PathBuf, usize> = BTreeMap::new();
    for raw in raw_talks {
        let record_ref = &raw.record;
        if record_ref.state == Some(2) && !opts.drafts {
            archive.drafts_skipped += 1;
            continue;
        }
        if record_ref.id.is_some_and(|id| loaded.no_publish.contains(&id)) {
            archive.unpublished_skipped += 1;
            continue;
        }
        if let Some(dir) = raw.event_dir.as_ref().filter(|d| !event_by_dir.contains_key(*d)) {
            if raw.format == Format::Pyvideo {
                *orphans.entry(dir.clone()).or_default() += 1;
                continue;
            }
        }
        let Some(event) = event_for(
            &raw,
            &mut archive,
            &mut event_by_dir,
            &mut event_by_title,
            &mut event_wish,
            opts.url_style,
            &mut problems,
        ) else {
            continue;
        };
        let key: TalkKey = (raw.path.clone(), raw.index);
        let Some((talk, speakers, tags, lang)) = talk_from(raw, event, opts.url_style, &mut problems) else {
            continue;
        };
        if let Some(id) = talk.id {
            if let Some(&other) = seen_ids.get(&id) {
                let first: &Talk = &talks[other];
                if fold(&first.title) == fold(&talk.title) {
                    problems.push(Problem::warning(
                        &talk.source,
                        format!(
                            "talk id {id} is the same talk as `{}`; this copy is skipped",
                            first.source.display()
                        ),
                    ));
                } else {
                    problems.push(Problem::error(
                        &talk.source,
                        format!(
                            "duplicate id {id}: also used by `{}`; ids must be unique",
                            first.source.display()
                        ),
                    ));
                }
                continue;
            }
            seen_ids.insert(id, talks.len());
        }
        talk_keys.push(key);
        talks.push(talk);
        names.push(Names {
            speakers,
            tags,
            language: lang,
        });
    }

    for (dir, n) in orphans {
        problems.push(Problem::warning(
            loaded.root.join(dir).join("category.json"),
            format!("{n} talk(s) of this event skipped because this file is invalid"),
        ));
    }

    // Event slugs.
    let event_slugs = slugs::allocate(
        &event_wish
            .iter()
            .enumerate()
            .map(|(i, (k, w))| ((k.clone(), i), w.clone()))
            .collect::<Vec<_>>(),
    );
    for ((_, i), slug) in event_slugs {
        archive.events[i].slug = slug;
    }

    // Talk slugs, unique within each event.
    let mut per_event: BTreeMap<usize, Vec<(TalkKey, String)>> = BTreeMap::new();
    for (i, t) in talks.iter().enumerate() {
        per_event
            .entry(t.event)
            .or_default()
            .push((talk_keys[i].clone(), t.slug.clone()));
    }
    let key_index: HashMap<(PathBuf, Option<usize>), usize> =
        talk_keys.iter().cloned().enumerate().map(|(i, k)| (k, i)).collect();
    for wishes in per_event.values() {
        let mut by_slug: HashMap<&str, Vec<&PathBuf>> = HashMap::new();
        for ((p, _), s) in wishes {
            by_slug.entry(s.as_str()).or_default().push(p);
        }
        for (key, slug) in slugs::allocate_with(wishes, slugs::reserved(opts.url_style)) {
            let i = key_index[&key];
            if talks[i].slug != slug {
                let others = by_slug.get(talks[i].slug.as_str()).map(|v| v.len()).unwrap_or(0);
                if others > 1 {
                    problems.push(Problem::warning(
                        &talks[i].source,
                        format!(
                            "slug `{}` is used by another talk in this event; this talk gets `{slug}`",
                            talks[i].slug
                        ),
                    ));
                }
                talks[i].slug = slug;
            }
        }
    }

    // Sort talks: newest first, undated last, then title, event and slug.
    let mut order: Vec<usize> = (0..talks.len()).collect();
    let title_keys: Vec<String> = talks.iter().map(|t| fold(&t.title)).collect();
    order.sort_by(|&a, &b| {
        talk_order(
            (&talks[a], &title_keys[a]),
            (&talks[b], &title_keys[b]),
            &archive.events,
        )
    });
    let mut slots: Vec<Option<(Talk, Names)>> = talks.into_iter().zip(names).map(Some).collect();
    let mut sorted_names: Vec<Names> = Vec::with_capacity(order.len());
    for &i in &order {
        if let Some((t, n)) = slots[i].take() {
            archive.talks.push(t);
            sorted_names.push(n);
        }
    }

    // Taxonomies.
    let style = opts.url_style;
    archive.speakers = terms(sorted_names.iter().map(|n| n.speakers.clone()).collect(), style);
    archive.tags = terms(sorted_names.iter().map(|n| n.tags.clone()).collect(), style);
    for (si, term) in archive.speakers.iter().enumerate() {
        for &t in &term.talks {
            archive.talks[t].speakers.push(si);
        }
    }
    for (ti, term) in archive.tags.iter().enumerate() {
        for &t in &term.talks {
            archive.talks[t].tags.push(ti);
        }
    }
    // Keep each talk's speakers in the record's order.
    for (i, n) in sorted_names.iter().enumerate() {
        let keys: Vec<String> = n.speakers.iter().map(|s| term_key(s, style)).collect();
        let sp = &archive.speakers;
        archive.talks[i]
            .speakers
            .sort_by_key(|&s| keys.iter().position(|k| *k == sp[s].key));
    }

    let mut langs: BTreeMap<String, (String, Vec<usize>)> = BTreeMap::new();
    for (i, n) in sorted_names.iter().enumerate() {
        if let Some((code, name)) = &n.language {
            langs
                .entry(code.clone())
                .or_insert_with(|| (name.clone(), Vec::new()))
                .1
                .push(i);
        }
    }
    for (code, (name, list)) in langs {
        let li = archive.languages.len();
        for &t in &list {
            archive.talks[t].language = Some(li);
        }
        archive.languages.push(Term {
            slug: slugs::record_slug(&code),
            key: code,
            name,
            talks: list,
        });
    }

    let mut years: BTreeMap<u16, Vec<usize>> = BTreeMap::new();
    for (i, t) in archive.talks.iter().enumerate() {
        if let Some(d) = t.date {
            years.entry(d.year).or_default().push(i);
        }
    }
    archive.years = years
        .into_iter()
        .rev()
        .map(|(y, talks)| Term {
            key: y.to_string(),
            name: y.to_string(),
            slug: y.to_string(),
            talks,
        })
        .collect();

    for (i, t) in archive.talks.iter().enumerate() {
        archive.events[t.event].talks.push(i);
    }
    // Event dates default to the span of their talks.
    for e in &mut archive.events {
        let dates: Vec<Date> = e.talks.iter().filter_map(|&t| archive.talks[t].date).collect();
        if e.start.is_none() {
            e.start = dates.iter().min().copied();
        }
        if e.end.is_none() {
            e.end = dates.iter().max().copied().filter(|d| Some(*d) != e.start);
        }
    }

    archive.redirects = loaded.redirects.into_iter().map(|r| (r.from, r.to, r.line)).collect();
    (archive, crate::diag::cap_per_file(problems))
}

/// Where a record came from: file and position in it; unique per record.
type TalkKey = (PathBuf, Option<usize>);

/// A talk's names before they become taxonomy terms.
struct Names {
    speakers: Vec<String>,
    tags: Vec<String>,
    /// (code, display name).
    language: Option<(String, String)>,
}

/// Finds (or creates, for API records) the event a talk belongs to.
fn event_for(
    raw: &RawTalk,
    archive: &mut Archive,
    by_dir: &mut HashMap<PathBuf, usize>,
    by_title: &mut HashMap<String, usize>,
    wishes: &mut Vec<(String, String)>,
    style: UrlStyle,
    problems: &mut Vec<Problem>,
) -> Option<usize> {
    if raw.format == Format::Pyvideo {
        if let Some(i) = raw.event_dir.as_ref().and_then(|d| by_dir.get(d)) {
            return Some(*i);
        }
    }
    let category = raw.record.category.as_deref().map(clean_line).unwrap_or_default();
    if category.is_empty() {
        problems.push(Problem::error(&raw.path, crate::load::NO_EVENT));
        return None;
    }
    if let Some(&i) = by_title.get(&fold(&category)) {
        return Some(i);
    }
    let i = archive.events.len();
    by_title.insert(fold(&category), i);
    wishes.push((format!("1{category}"), slugs::name_slug(&category, style)));
    archive.events.push(Event {
        slug: String::new(),
        title: category,
        description: String::new(),
        url: None,
        start: None,
        end: None,
        talks: Vec::new(),
        source: None,
    });
    Some(i)
}

/// The archive's talk order: newest first, undated last, then by title (each talk
/// comes with its [`fold`]ed title), event slug and talk slug.
pub fn talk_order(a: (&Talk, &str), b: (&Talk, &str), events: &[Event]) -> std::cmp::Ordering {
    let ((ta, ka), (tb, kb)) = (a, b);
    tb.date
        .is_some()
        .cmp(&ta.date.is_some())
        .then(tb.date.cmp(&ta.date))
        .then_with(|| ka.cmp(kb))
        .then_with(|| events[ta.event].slug.cmp(&events[tb.event].slug))
        .then_with(|| ta.slug.cmp(&tb.slug))
}

/// A validated talk (speakers, tags and language not yet resolved, slug as wished)
/// with its speaker names, tag names and (code, name) language.
pub type TalkParts = (Talk, Vec<String>, Vec<String>, Option<(String, String)>);

/// Validates one record; `None` (with an error) when it cannot be published.
/// Pure: `serve` calls it to re-check a single edited record.
pub fn talk_from(raw: RawTalk, event: usize, style: UrlStyle, problems: &mut Vec<Problem>) -> Option<TalkParts> {
    let path = raw.path;
    let mut r: RawRecord = raw.record;
    let at = |msg: String| match raw.index {
        Some(i) => format!("record {i}: {msg}"),
        None => msg,
    };
    let Some(title) = rules::title(r.title.as_deref().unwrap_or("")) else {
        let msg = r.unpublishable(false).unwrap_or("`title` is empty");
        problems.push(Problem::error(&path, at(msg.into())));
        return None;
    };
    for (field, list) in [("speakers", &r.speakers), ("tags", &r.tags)] {
        let n = list.as_ref().map_or(0, Vec::len);
        if n > MAX_NAMES_PER_TALK {
            problems.push(Problem::error(
                &path,
                at(format!(
                    "`{field}` lists {n} names; a talk may list at most {MAX_NAMES_PER_TALK}"
                )),
            ));
            return None;
        }
    }
    let date = r.recorded.as_deref().filter(|s| !s.trim().is_empty()).and_then(|d| {
        let parsed = rules::date(d);
        if parsed.is_none() {
            problems.push(Problem::warning(
                &path,
                at(format!("`recorded` is `{}`, not a date of the form YYYY-MM-DD[Thh:mm:ss[+hh:mm]]; the talk is listed as undated", shown(d, 40))),
            ));
        }
        parsed
    });
    let clean_list = |list: Option<Vec<String>>, what: &str, problems: &mut Vec<Problem>| -> Vec<String> {
        let (kept, blank) = rules::clean_names(list.unwrap_or_default());
        for _ in 0..blank {
            problems.push(Problem::warning(&path, at(format!("empty {what} name ignored"))));
        }
        kept
    };
    let speakers = clean_list(r.speakers.take(), "speaker", problems);
    let tags = clean_list(r.tags.take(), "tag", problems);

    let language = r
        .language
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|l| language_of(l, raw.format));

    let duration = r.duration.and_then(rules::duration_seconds);

    let mut videos = Vec::new();
    for v in r.videos.take().unwrap_or_default() {
        let Some(url) = v.url.as_deref() else { continue };
        if let Some(url) = checked_url(url, &path, "video url", problems) {
            videos.push(VideoSource {
                kind: v.kind.unwrap_or_default(),
                url,
                size: v.size.or(v.length),
            });
        }
    }
    for (kind, url, len) in r.download_fields() {
        if let Some(url) = url.filter(|u| !u.trim().is_empty()) {
            if let Some(url) = checked_url(url, &path, &format!("video_{kind}_url"), problems) {
                videos.push(VideoSource {
                    kind: kind.into(),
                    url,
                    size: len,
                });
            }
        }
    }
    if let Some(embed) = r.embed.as_deref().filter(|e| !e.trim().is_empty()) {
        if let Some(url) = crate::video::url_from_embed(embed) {
            if !videos.iter().any(|v| v.url == url) {
                videos.push(VideoSource {
                    kind: "embed".into(),
                    url,
                    size: None,
                });
            }
        }
    }

    let mut related = Vec::new();
    for rel in r.related_urls.unwrap_or_default() {
        let (label, url) = match rel {
            RawRelated::Url(u) => (None, u),
            RawRelated::Labeled { label, url } => (label, url),
        };
        if let Some(url) = checked_url(&url, &path, "related url", problems) {
            let label = label
                .map(|l| clean_line(&l))
                .filter(|l| !l.is_empty())
                .unwrap_or_else(|| url.clone());
            related.push(Link { label, url });
        }
    }
    let thumbnail = r
        .thumbnail_url
        .as_deref()
        .filter(|u| !u.trim().is_empty())
        .and_then(|u| checked_url(u, &path, "thumbnail_url", problems));

    let (slug, changed) = rules::wished_slug(r.slug.as_deref(), style, || slugs::name_slug(&title, style));
    if let Some(given) = changed {
        problems.push(Problem::warning(
            &path,
            at(format!(
                "slug `{}` is not URL-safe; the talk gets `{slug}`",
                shown(given, 60)
            )),
        ));
    }
    let mut aliases = Vec::new();
    for alias in r.alias.iter().map(|a| a.trim()).filter(|a| !a.is_empty()) {
        match rules::safe_alias(alias) {
            Some(a) => aliases.push(a.to_string()),
            None => problems.push(Problem::warning(
                &path,
                at(format!(
                    "alias `{}` is not a relative path of letters, digits, `-`, `_` and `.`; dropped",
                    shown(alias, 60)
                )),
            )),
        }
    }

    let talk = Talk {
        id: r.id,
        slug,
        title,
        event,
        speakers: Vec::new(),
        tags: Vec::new(),
        date,
        language: None,
        duration,
        videos,
        thumbnail,
        related,
        copyright: clean_line(r.copyright_text.as_deref().unwrap_or("")),
        quality_notes: clean_text(r.quality_notes.as_deref().unwrap_or("")),
        summary: clean_text(r.summary.as_deref().unwrap_or("")).trim().to_string(),
        description: clean_text(r.description.as_deref().unwrap_or("")),
        aliases,
        source: path.clone(),
        format: raw.format,
        added: r.added,
        updated: r.updated,
        source_url: r.source_url,
    };
    Some((talk, speakers, tags, language))
}

/// Groups names into terms: one per merge key, shown with the most common spelling.
fn terms(per_talk: Vec<Vec<String>>, style: UrlStyle) -> Vec<Term> {
    let mut groups: BTreeMap<String, (BTreeMap<String, usize>, Vec<usize>)> = BTreeMap::new();
    for (talk, names) in per_talk.into_iter().enumerate() {
        for n in names {
            let g = groups.entry(term_key(&n, style)).or_default();
            *g.0.entry(n).or_default() += 1;
            if g.1.last() != Some(&talk) {
                g.1.push(talk);
            }
        }
    }
    let mut out: Vec<Term> = groups
        .into_iter()
        .map(|(key, (spellings, talks))| {
            // Most common spelling; ties go to the smallest string, for determinism.
            let name = spellings
                .iter()
                .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
                .map(|(s, _)| s.clone())
                .unwrap_or_default();
            Term {
                key,
                slug: String::new(),
                name,
                talks,
            }
        })
        .collect();
    let wishes: Vec<(String, String)> = out
        .iter()
        .map(|t| (t.key.clone(), slugs::name_slug(&t.name, style)))
        .collect();
    let slugs = slugs::allocate_with(&wishes, slugs::reserved(style));
    for t in &mut out {
        t.slug = slugs.get(&t.key).cloned().unwrap_or_default();
    }
    // Keys are unique, so this is the order of (folded name, key); each name is folded once.
    out.sort_by_cached_key(|t| (fold(&t.name), t.key.clone()));
    out
}

/// The key under which names are merged: case, whitespace and Unicode
/// normalisation do not matter (pyvideo's URL style merges by slug, as pyvideo.org does).
pub fn term_key(name: &str, style: UrlStyle) -> String {
    match style {
        UrlStyle::Podium => fold(name),
        UrlStyle::Pyvideo => slugs::name_slug(name, style),
    }
}

/// A URL from the data, kept only if it is an absolute http(s) URL; otherwise a warning.
fn checked_url(raw: &str, path: &std::path::Path, what: &str, problems: &mut Vec<Problem>) -> Option<String> {
    let ok = rules::url(raw).ok();
    if ok.is_none() {
        problems.push(Problem::warning(
            path,
            format!("{what} `{}` is not an http(s) URL; dropped", shown(raw, 60)),
        ));
    }
    ok
}

fn checked_date(raw: &str, path: &std::path::Path, what: &str, problems: &mut Vec<Problem>) -> Option<Date> {
    let d = rules::date(raw);
    if d.is_none() && !raw.trim().is_empty() {
        problems.push(Problem::warning(
            path,
            format!("`{what}` is `{}`, not a YYYY-MM-DD date; ignored", shown(raw, 40)),
        ));
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::{parse_talks, CategoryFile, RawEvent};
    use std::path::Path;

    fn loaded(talks: &[(&str, &str)]) -> Loaded {
        let mut l = Loaded::default();
        l.events.push(RawEvent {
            path: "ev/category.json".into(),
            dir: "ev".into(),
            folder: "ev".into(),
            data: CategoryFile {
                title: "Ev 2020".into(),
                description: None,
                url: None,
                start_date: None,
                end_date: None,
                slug: None,
            },
        });
        for (name, json) in talks {
            l.talks.extend(
                parse_talks(Path::new(name), json.as_bytes(), Some("ev".into()))
                    .unwrap()
                    .talks,
            );
        }
        l
    }

    fn rec(title: &str, extra: &str) -> String {
        format!(r#"{{"title": "{title}", "videos": [], {extra} "speakers": []}}"#)
    }

    #[test]
    fn merges_speaker_spellings() {
        let a = r#"{"title": "A", "videos": [], "speakers": ["Jane  Doe", "bob"]}"#;
        let b = r#"{"title": "B", "videos": [], "speakers": ["jane doe"]}"#;
        let c = r#"{"title": "C", "videos": [], "speakers": [" Jane Doe "]}"#;
        let d = "{\"title\": \"D\", \"videos\": [], \"speakers\": [\"Jane Doe\", \"Zoe\u{301}\", \"Zoé\"]}";
        let (ar, _) = normalize(
            loaded(&[("a", a), ("b", b), ("c", c), ("d", d)]),
            &NormalizeOptions::default(),
        );
        let names: Vec<&str> = ar.speakers.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["bob", "Jane Doe", "Zoé"]);
        assert_eq!(ar.speakers[1].talks.len(), 4);
        assert_eq!(ar.speakers[1].slug, "jane-doe");
        // speakers of a talk stay in record order
        let t = ar.talks.iter().find(|t| t.title == "A").unwrap();
        assert_eq!(ar.speakers[t.speakers[0]].name, "Jane Doe");
    }

    #[test]
    fn sorts_newest_first_undated_last() {
        let (ar, _) = normalize(
            loaded(&[
                ("1", &rec("b", r#""recorded": "2010-01-01","#)),
                ("2", &rec("a", r#""recorded": "2010-01-01","#)),
                ("3", &rec("z", r#""recorded": "2012-05-01","#)),
                ("4", &rec("c", r#""recorded": "bad","#)),
            ]),
            &NormalizeOptions::default(),
        );
        let titles: Vec<&str> = ar.talks.iter().map(|t| t.title.as_str()).collect();
        assert_eq!(titles, ["z", "a", "b", "c"]);
        assert_eq!(
            ar.years.iter().map(|y| y.name.as_str()).collect::<Vec<_>>(),
            ["2012", "2010"]
        );
    }

    #[test]
    fn duplicate_slugs_get_suffixes_and_no_publish_is_dropped() {
        let mut l = loaded(&[
            ("1", &rec("Same", r#""slug": "x","#)),
            ("2", &rec("Other", r#""slug": "x","#)),
            ("3", &rec("Hidden", r#""id": 7,"#)),
        ]);
        l.no_publish.insert(7);
        let (ar, problems) = normalize(l, &NormalizeOptions::default());
        let mut slugs: Vec<&str> = ar.talks.iter().map(|t| t.slug.as_str()).collect();
        slugs.sort();
        assert_eq!(slugs, ["x", "x-2"]);
        assert_eq!(ar.unpublished_skipped, 1);
        assert!(problems.iter().any(|p| p.message.contains("gets `x-2`")));
    }

    #[test]
    fn duplicate_ids_error_unless_same_talk() {
        let (_, p) = normalize(
            loaded(&[("1", &rec("A", r#""id": 1,"#)), ("2", &rec("B", r#""id": 1,"#))]),
            &NormalizeOptions::default(),
        );
        assert!(p
            .iter()
            .any(|p| p.is_error() && p.message.starts_with("duplicate id 1")));
        let (ar, p) = normalize(
            loaded(&[("1", &rec("A", r#""id": 1,"#)), ("2", &rec("a", r#""id": 1,"#))]),
            &NormalizeOptions::default(),
        );
        assert_eq!(ar.talks.len(), 1);
        assert!(p.iter().all(|p| !p.is_error()));
    }
}
