//! The validated site model: events, talks and the taxonomies that group them.
//! Relations are indices into the archive's vectors (as Zola keeps keys, not
//! references), and every list of talks is in the archive's talk order
//! (newest first, then title).

use std::path::PathBuf;

use crate::date::Date;

/// A whole archive, ready to render.
#[derive(Debug, Default)]
pub struct Archive {
    pub events: Vec<Event>,
    /// Sorted newest first, then by title; talks without a date come last.
    pub talks: Vec<Talk>,
    pub speakers: Vec<Term>,
    pub tags: Vec<Term>,
    pub languages: Vec<Term>,
    pub years: Vec<Term>,
    /// `redirects.txt` lines: (old path, new path, 1-based line number).
    pub redirects: Vec<(String, String, usize)>,
    /// Talks left out: drafts (without `--drafts`) and NO_PUBLISH ids.
    pub drafts_skipped: usize,
    pub unpublished_skipped: usize,
    /// Content pages from the site's `pages/` folder, in header order (see the `pages` module).
    pub pages: Vec<Page>,
}

/// A content page (About, FAQ): front matter plus the sanitised body.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    pub slug: String,
    pub title: String,
    pub order: i64,
    /// Linked in the header of every page.
    pub in_nav: bool,
    pub description: String,
    /// Sanitised HTML of the body.
    pub html: String,
    /// The body as plain text, for the search index.
    pub text: String,
    pub source: PathBuf,
}

/// A conference or meetup.
#[derive(Debug, Clone)]
pub struct Event {
    pub slug: String,
    pub title: String,
    pub description: String,
    /// The event's own website (http/https only).
    pub url: Option<String>,
    pub start: Option<Date>,
    pub end: Option<Date>,
    /// Indices into [`Archive::talks`], in talk order.
    pub talks: Vec<usize>,
    /// The `category.json` it came from, if any.
    pub source: Option<PathBuf>,
}

/// One recorded talk.
#[derive(Debug, Clone)]
pub struct Talk {
    pub id: Option<u64>,
    /// Unique within its event.
    pub slug: String,
    pub title: String,
    pub event: usize,
    pub speakers: Vec<usize>,
    pub tags: Vec<usize>,
    pub date: Option<Date>,
    pub language: Option<usize>,
    pub duration: Option<u64>,
    pub videos: Vec<VideoSource>,
    pub thumbnail: Option<String>,
    pub related: Vec<Link>,
    pub copyright: String,
    pub quality_notes: String,
    pub summary: String,
    /// The raw (untrusted) description; rendered and sanitised at render time.
    pub description: String,
    /// Old paths that should redirect here.
    pub aliases: Vec<String>,
    pub source: PathBuf,
    pub format: Format,
    /// Raw fields kept for the archive API output.
    pub added: Option<String>,
    pub updated: Option<String>,
    pub source_url: Option<String>,
}

/// A video location as given by the data; the URL is a checked http(s) URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VideoSource {
    pub kind: String,
    pub url: String,
    pub size: Option<u64>,
}

/// A labelled link (related URLs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub label: String,
    pub url: String,
}

/// A speaker, tag, language or year, with its talks.
#[derive(Debug, Clone)]
pub struct Term {
    /// The merge key (case-folded, normalised name; language code; year).
    pub key: String,
    /// The display name (the most common spelling).
    pub name: String,
    pub slug: String,
    pub talks: Vec<usize>,
}

/// Which input format a record came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Format {
    /// One talk per file in `<event>/videos/*.json`.
    Pyvideo,
    /// An archive API v2 record (single, list or paginated page).
    ApiV2,
}

/// Which taxonomy a term page belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TermKind {
    Speaker,
    Tag,
    Language,
    Year,
}

impl TermKind {
    /// Every kind, in the order of [`TermKind::index`].
    pub const ALL: [TermKind; 4] = [TermKind::Speaker, TermKind::Tag, TermKind::Language, TermKind::Year];

    /// Its position in [`TermKind::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// The archive's terms of this kind.
    pub fn terms(self, a: &Archive) -> &[Term] {
        match self {
            TermKind::Speaker => &a.speakers,
            TermKind::Tag => &a.tags,
            TermKind::Language => &a.languages,
            TermKind::Year => &a.years,
        }
    }

    /// The terms of this kind (indices into [`TermKind::terms`]) a talk belongs to.
    pub fn of_talk(self, a: &Archive, t: &Talk) -> Vec<usize> {
        match self {
            TermKind::Speaker => t.speakers.clone(),
            TermKind::Tag => t.tags.clone(),
            TermKind::Language => t.language.into_iter().collect(),
            TermKind::Year => t.date.and_then(|d| year_of(a, d.year)).into_iter().collect(),
        }
    }
}

/// The index of a year's term.
pub fn year_of(a: &Archive, year: impl std::fmt::Display) -> Option<usize> {
    let key = year.to_string();
    a.years.iter().position(|y| y.key == key)
}
