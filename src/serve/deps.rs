//! What a change touches. Every page, card and feed records what it reads while it
//! is rendered ([`crate::reads`]); here those reads get stable ids, two versions
//! of the archive are compared entity by entity, and an output is rendered again
//! exactly when something it read changed. Nothing here knows what a page shows.
//!
//! Ids are stable across rebuilds, unlike indices, which a change may shift: a
//! talk is its file and its rank among the talks of that file (files rarely hold
//! more than one), an event its `category.json` (else its title), a term its kind
//! and merge key.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use rayon::prelude::*;

use crate::model::{Archive, Event, Talk, Term, TermKind};
use crate::reads::Read;
use crate::render::Site;

/// A read by stable id: what is read in the high bits, whose id in the low ones.
pub type Dep = u64;

/// The kinds of read, as stored in a [`Dep`].
const TALK: u64 = 0;
const CARD: u64 = 1;
const EVENT: u64 = 2;
const EVENT_TALKS: u64 = 3;
const EVENTS: u64 = 4;
const ARCHIVE: u64 = 5;
/// Three per term kind: the term, its talks, every term of the kind.
const TERM: u64 = 6;
const ASPECTS: u64 = TERM + 3 * 4;

fn term_aspect(kind: TermKind, which: u64) -> u64 {
    TERM + 3 * kind.index() as u64 + which
}

fn pack(aspect: u64, id: u32) -> Dep {
    (aspect << 32) | u64::from(id)
}

/// The dependency every update touches (the home page, the events list, the search page).
pub const ANY_CHANGE: Dep = ARCHIVE << 32;

/// The stable ids handed out so far.
#[derive(Default)]
pub struct Ids {
    talks: HashMap<(PathBuf, usize), u32>,
    events: HashMap<String, u32>,
    terms: HashMap<(TermKind, String), u32>,
    next: u32,
}

/// One archive's ids, by index.
#[derive(Default, Clone)]
pub struct IdMap {
    pub talk: Vec<u32>,
    pub event: Vec<u32>,
    pub term: [Vec<u32>; 4],
}

/// Identity of an event across rebuilds: its `category.json`, else its title.
fn event_key(e: &Event) -> String {
    match &e.source {
        Some(p) => format!("f{}", p.display()),
        None => format!("t{}", e.title),
    }
}

fn intern<K: std::hash::Hash + Eq>(map: &mut HashMap<K, u32>, next: &mut u32, key: K) -> u32 {
    *map.entry(key).or_insert_with(|| {
        *next += 1;
        *next
    })
}

impl Ids {
    /// The ids of `a`'s talks, events and terms (new ones for entities never seen).
    pub fn map(&mut self, a: &Archive) -> IdMap {
        let mut rank: HashMap<&std::path::Path, usize> = HashMap::new();
        let talk = a
            .talks
            .iter()
            .map(|t| {
                let n = rank.entry(t.source.as_path()).or_default();
                *n += 1;
                intern(&mut self.talks, &mut self.next, (t.source.clone(), *n))
            })
            .collect();
        let event = a
            .events
            .iter()
            .map(|e| intern(&mut self.events, &mut self.next, event_key(e)))
            .collect();
        let term = TermKind::ALL.map(|kind| {
            kind.terms(a)
                .iter()
                .map(|t| intern(&mut self.terms, &mut self.next, (kind, t.key.clone())))
                .collect()
        });
        IdMap { talk, event, term }
    }

    /// One more than the largest id.
    pub fn bound(&self) -> u32 {
        self.next + 1
    }
}

impl IdMap {
    /// A read of the archive this map is of, by stable id.
    pub fn dep(&self, r: Read) -> Dep {
        match r {
            Read::Talk(t) => pack(TALK, self.talk[t]),
            Read::Card(t) => pack(CARD, self.talk[t]),
            Read::Event(e) => pack(EVENT, self.event[e]),
            Read::EventTalks(e) => pack(EVENT_TALKS, self.event[e]),
            Read::Events => pack(EVENTS, 0),
            Read::Term(k, i) => pack(term_aspect(k, 0), self.term[k.index()][i]),
            Read::TermTalks(k, i) => pack(term_aspect(k, 1), self.term[k.index()][i]),
            Read::Terms(k) => pack(term_aspect(k, 2), 0),
            Read::Archive => ANY_CHANGE,
        }
    }

    /// The reads of one output, by stable id, each once.
    pub fn deps(&self, reads: Vec<Read>) -> Vec<Dep> {
        let mut out: Vec<Dep> = reads.into_iter().map(|r| self.dep(r)).collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// A talk's card, by stable id.
    pub fn card(&self, t: usize) -> Dep {
        pack(CARD, self.talk[t])
    }
}

/// A set of changed dependencies.
pub struct Changed {
    bits: Vec<u64>,
    stride: u64,
}

impl Changed {
    /// An empty set for ids below `bound`; it always holds [`ANY_CHANGE`].
    pub fn new(bound: u32) -> Changed {
        let stride = u64::from(bound);
        let mut c = Changed {
            bits: vec![0; (ASPECTS * stride).div_ceil(64) as usize],
            stride,
        };
        c.insert(ANY_CHANGE);
        c
    }

    fn slot(&self, d: Dep) -> Option<usize> {
        let (aspect, id) = (d >> 32, d & 0xffff_ffff);
        (aspect < ASPECTS && id < self.stride).then(|| (aspect * self.stride + id) as usize)
    }

    pub fn insert(&mut self, d: Dep) {
        if let Some(s) = self.slot(d) {
            self.bits[s / 64] |= 1 << (s % 64);
        }
    }

    pub fn contains(&self, d: Dep) -> bool {
        // An id handed out after this set was made is new, hence changed.
        self.slot(d).is_none_or(|s| self.bits[s / 64] & (1 << (s % 64)) != 0)
    }

    /// Whether an output that read `deps` must be rendered again.
    pub fn hits(&self, deps: &[Dep]) -> bool {
        deps.iter().any(|&d| self.contains(d))
    }
}

/// The index of each id's entity in one archive.
pub fn positions(ids: &[u32], bound: u32) -> Vec<Option<usize>> {
    let mut at = vec![None; bound as usize];
    for (i, &id) in ids.iter().enumerate() {
        at[id as usize] = Some(i);
    }
    at
}

fn mapped(list: &[usize], ids: &[u32]) -> Vec<u32> {
    list.iter().map(|&i| ids[i]).collect()
}

/// Whether a talk shows the same in both versions: its own fields, its URL and
/// thumbnail, and its event and terms by id. Every field is named, so a new one
/// cannot be forgotten here.
fn same_talk(old: (&Site<'_>, &IdMap, usize), new: (&Site<'_>, &IdMap, usize)) -> bool {
    let (x, y) = (&old.0.archive.talks[old.2], &new.0.archive.talks[new.2]);
    let Talk {
        id,
        slug,
        title,
        event,
        speakers,
        tags,
        date,
        language,
        duration,
        videos,
        thumbnail,
        related,
        copyright,
        quality_notes,
        summary,
        description,
        aliases,
        source,
        format,
        added,
        updated,
        source_url,
    } = x;
    // (Its year follows from its date.)
    let by_id = |ids: &IdMap, t: &Talk| {
        (
            ids.event[t.event],
            mapped(&t.speakers, &ids.term[TermKind::Speaker.index()]),
            mapped(&t.tags, &ids.term[TermKind::Tag.index()]),
            t.language.map(|l| ids.term[TermKind::Language.index()][l]),
        )
    };
    let _ = (event, speakers, tags, language);
    *id == y.id
        && *slug == y.slug
        && *title == y.title
        && *date == y.date
        && *duration == y.duration
        && *videos == y.videos
        && *thumbnail == y.thumbnail
        && *related == y.related
        && *copyright == y.copyright
        && *quality_notes == y.quality_notes
        && *summary == y.summary
        && *description == y.description
        && *aliases == y.aliases
        && *source == y.source
        && *format == y.format
        && *added == y.added
        && *updated == y.updated
        && *source_url == y.source_url
        && old.0.talks[old.2].url == new.0.talks[new.2].url
        && old.0.talks[old.2].thumb == new.0.talks[new.2].thumb
        && by_id(old.1, x) == by_id(new.1, y)
}

/// Whether an event's own fields are the same (its talks are compared by id).
fn same_event(x: &Event, y: &Event) -> bool {
    let Event {
        slug,
        title,
        description,
        url,
        start,
        end,
        talks: _,
        source,
    } = x;
    *slug == y.slug
        && *title == y.title
        && *description == y.description
        && *url == y.url
        && *start == y.start
        && *end == y.end
        && *source == y.source
}

/// What differs between the site before (`old`) and after (`new`) a change,
/// except cards, which only rendering them again can tell (see [`Changed::insert`]).
pub fn changes(old: (&Site<'_>, &IdMap), new: (&Site<'_>, &IdMap), bound: u32) -> Changed {
    let mut out = Changed::new(bound);
    let (a, b) = (old.0.archive, new.0.archive);

    // Talks, by id: added, removed, or showing something else.
    let old_at = positions(&old.1.talk, bound);
    let differ: Vec<u32> = new
        .1
        .talk
        .par_iter()
        .enumerate()
        .filter(|&(n, &id)| !old_at[id as usize].is_some_and(|o| same_talk((old.0, old.1, o), (new.0, new.1, n))))
        .map(|(_, &id)| id)
        .collect();
    for id in differ {
        out.insert(pack(TALK, id));
        out.insert(pack(CARD, id));
    }
    let seen: HashSet<u32> = new.1.talk.iter().copied().collect();
    for &id in old.1.talk.iter().filter(|id| !seen.contains(id)) {
        out.insert(pack(TALK, id));
        out.insert(pack(CARD, id));
    }

    // Events: their own fields, their lists, and the set of them (series).
    let old_at = positions(&old.1.event, bound);
    let row = |e: &Event| (e.title.clone(), e.slug.clone(), e.talks.len());
    let mut events_changed = a.events.len() != b.events.len();
    for (n, &id) in new.1.event.iter().enumerate() {
        let e = &b.events[n];
        match old_at[id as usize] {
            Some(o) => {
                let x = &a.events[o];
                if !same_event(x, e) {
                    out.insert(pack(EVENT, id));
                }
                if mapped(&x.talks, &old.1.talk) != mapped(&e.talks, &new.1.talk) {
                    out.insert(pack(EVENT_TALKS, id));
                }
                events_changed |= row(x) != row(e);
            }
            None => {
                out.insert(pack(EVENT, id));
                out.insert(pack(EVENT_TALKS, id));
                events_changed = true;
            }
        }
    }
    let kept: HashSet<u32> = new.1.event.iter().copied().collect();
    for &id in old.1.event.iter().filter(|id| !kept.contains(id)) {
        out.insert(pack(EVENT, id));
        out.insert(pack(EVENT_TALKS, id));
        events_changed = true;
    }
    if events_changed {
        out.insert(pack(EVENTS, 0));
    }

    // Terms of each kind: name and URL, list of talks, and the A–Z list.
    for kind in TermKind::ALL {
        let k = kind.index();
        let (ta, tb): (&[Term], &[Term]) = (kind.terms(a), kind.terms(b));
        let old_at = positions(&old.1.term[k], bound);
        let mut index_changed = old.1.term[k] != new.1.term[k];
        for (n, &id) in new.1.term[k].iter().enumerate() {
            let t = &tb[n];
            match old_at[id as usize] {
                Some(o) => {
                    let x = &ta[o];
                    if x.name != t.name || x.slug != t.slug {
                        out.insert(pack(term_aspect(kind, 0), id));
                        index_changed = true;
                    }
                    if mapped(&x.talks, &old.1.talk) != mapped(&t.talks, &new.1.talk) {
                        out.insert(pack(term_aspect(kind, 1), id));
                        index_changed |= x.talks.len() != t.talks.len();
                    }
                }
                None => {
                    out.insert(pack(term_aspect(kind, 0), id));
                    out.insert(pack(term_aspect(kind, 1), id));
                }
            }
        }
        let kept: HashSet<u32> = new.1.term[k].iter().copied().collect();
        for &id in old.1.term[k].iter().filter(|id| !kept.contains(id)) {
            out.insert(pack(term_aspect(kind, 0), id));
            out.insert(pack(term_aspect(kind, 1), id));
        }
        if index_changed {
            out.insert(pack(term_aspect(kind, 2), 0));
        }
    }
    out
}

/// Pages and feeds to render (those of a failed render are rendered again with
/// the next update).
#[derive(Debug, Default)]
pub struct Touched {
    /// Site-relative URLs of pages.
    pub pages: HashSet<String>,
    /// Site-relative URLs of the pages whose feeds must be rendered again.
    pub feeds: HashSet<String>,
}
