//! What a change touches. Given the site before and after a change (or one site
//! whose talk changed in place), lists the pages and feeds that show something
//! different, so only those are rendered again.
//!
//! Everything is keyed by URL rather than by index: a change may shift every
//! index of the archive, while the URL of an unchanged page stays the same.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use crate::model::{Archive, Event, Talk, Term};
use crate::render::{series_of, Site, TermKind, INDEX_PAGE_SIZE, RELATED_LIMIT, RELATED_TAG_MAX};
use crate::urls;

/// Outputs to render again.
#[derive(Debug, Default)]
pub struct Touched {
    /// Site-relative URLs of pages (of the site before or after the change).
    pub pages: HashSet<String>,
    /// Site-relative URLs of the pages whose feeds must be rendered again.
    pub feeds: HashSet<String>,
}

/// Number of pages of a list of `n` items.
fn page_count(n: usize, size: usize) -> usize {
    n.div_ceil(size).max(1)
}

/// The page (1-based) of a talk list that shows talk `z`; lists are in talk order.
fn page_of(list: &[usize], z: usize, size: usize) -> Option<usize> {
    list.binary_search(&z).ok().map(|pos| pos / size + 1)
}

fn all_pages(base: &str, n: usize, size: usize, out: &mut HashSet<String>) {
    out.extend((1..=page_count(n, size)).map(|p| urls::paged(base, p)));
}

/// Adds every page that shows talk `z` as a card (its title, URL, date, event,
/// speakers or duration), and `z`'s own page.
pub fn card_pages(site: &Site<'_>, z: usize, out: &mut HashSet<String>) {
    let a = site.archive;
    let ps = site.config.page_size;
    let talk = &a.talks[z];
    out.insert(site.talk_url(z).to_string());
    // Previous and next talk of the event, and the event page listing it.
    let ev = &a.events[talk.event];
    if let Ok(pos) = ev.talks.binary_search(&z) {
        if pos > 0 {
            out.insert(site.talk_url(ev.talks[pos - 1]).to_string());
        }
        if let Some(&next) = ev.talks.get(pos + 1) {
            out.insert(site.talk_url(next).to_string());
        }
        out.insert(urls::paged(&site.event_url(ev), pos / ps + 1));
    }
    // Speaker, tag, language and year pages listing it.
    for kind in TermKind::ALL {
        let list = kind.terms(a);
        for i in kind.of_talk(a, talk) {
            if let Some(p) = page_of(&list[i].talks, z, ps) {
                out.insert(urls::paged(&site.term_url(kind, &list[i]), p));
            }
        }
    }
    // "More from <speaker>" boxes of the speakers' other talks.
    for &s in &talk.speakers {
        let list = &a.speakers[s].talks;
        for &x in list {
            if x != z && list.iter().filter(|&&y| y != x).take(RELATED_LIMIT).any(|&y| y == z) {
                out.insert(site.talk_url(x).to_string());
            }
        }
    }
    // "Related talks" boxes: only talks sharing a tag small enough to count can list it.
    let mut seen: HashSet<usize> = HashSet::new();
    for &tag in &talk.tags {
        let list = &a.tags[tag].talks;
        if list.len() > RELATED_TAG_MAX {
            continue;
        }
        for &x in list {
            if x != z && seen.insert(x) && site.related(x).contains(&z) {
                out.insert(site.talk_url(x).to_string());
            }
        }
    }
}

/// Adds the feeds whose entries include talk `z`.
pub fn talk_feeds(site: &Site<'_>, z: usize, out: &mut HashSet<String>) {
    let a = site.archive;
    let limit = site.config.feed_limit;
    let talk = &a.talks[z];
    let in_feed = |list: &[usize]| list.binary_search(&z).is_ok_and(|pos| pos < limit);
    if z < limit {
        out.insert("/".into());
    }
    let ev = &a.events[talk.event];
    if in_feed(&ev.talks) {
        out.insert(site.event_url(ev));
    }
    for &s in &talk.speakers {
        if in_feed(&a.speakers[s].talks) {
            out.insert(site.speaker_url(&a.speakers[s]));
        }
    }
    for &t in &talk.tags {
        if in_feed(&a.tags[t].talks) {
            out.insert(site.tag_url(&a.tags[t]));
        }
    }
}

/// A talk's identity across rebuilds: its file and its rank among the talks of
/// that file (files rarely hold more than one).
pub type TalkId<'s> = (&'s Path, usize);

pub fn talk_ids(a: &Archive) -> Vec<TalkId<'_>> {
    let mut seen: HashMap<&Path, usize> = HashMap::new();
    a.talks
        .iter()
        .map(|t| {
            let n = seen.entry(t.source.as_path()).or_default();
            *n += 1;
            (t.source.as_path(), *n)
        })
        .collect()
}

type NameSlug<'s> = (&'s str, &'s str);

/// What a talk's card shows, apart from what comes from its own file.
pub fn card_sig<'s>(a: &'s Archive, t: &'s Talk) -> (&'s str, &'s str, &'s str, Vec<NameSlug<'s>>) {
    let ev = &a.events[t.event];
    let speakers = t
        .speakers
        .iter()
        .map(|&s| (a.speakers[s].name.as_str(), a.speakers[s].slug.as_str()))
        .collect();
    (t.slug.as_str(), ev.title.as_str(), ev.slug.as_str(), speakers)
}

/// What a talk's own page shows beyond its card, apart from what comes from its file.
fn page_sig<'s>(a: &'s Archive, t: &'s Talk) -> (Vec<NameSlug<'s>>, Option<NameSlug<'s>>) {
    let tags = t
        .tags
        .iter()
        .map(|&x| (a.tags[x].name.as_str(), a.tags[x].slug.as_str()))
        .collect();
    let lang = t
        .language
        .map(|l| (a.languages[l].name.as_str(), a.languages[l].slug.as_str()));
    (tags, lang)
}

/// Identity of an event across rebuilds: its `category.json`, else its title.
fn event_key(e: &Event) -> String {
    match &e.source {
        Some(p) => format!("f{}", p.display()),
        None => format!("t{}", e.title),
    }
}

fn event_row_changed(x: &Event, y: &Event) -> bool {
    x.title != y.title
        || x.slug != y.slug
        || x.start != y.start
        || x.end != y.end
        || x.description != y.description
        || x.url != y.url
        || x.talks.len() != y.talks.len()
}

/// Pages (1-based) of two versions of one list that differ in which talks they show,
/// and whether the feed's part of the list differs.
fn list_changes(old: &[TalkId<'_>], new: &[TalkId<'_>], size: usize, feed_limit: usize) -> (Vec<usize>, bool) {
    let feed = old.iter().take(feed_limit).ne(new.iter().take(feed_limit));
    let (po, pn) = (page_count(old.len(), size), page_count(new.len(), size));
    if po != pn {
        return ((1..=pn).collect(), feed);
    }
    let pages = (1..=pn)
        .filter(|&p| {
            let skip = (p - 1) * size;
            old.iter().skip(skip).take(size).ne(new.iter().skip(skip).take(size))
        })
        .collect();
    (pages, feed)
}

/// Everything that differs between the site before (`old`) and after (`new`) a
/// change. `changed` holds the data files whose records were read again.
pub fn diff(old: &Site<'_>, new: &Site<'_>, changed: &HashSet<PathBuf>) -> Touched {
    let (a, b) = (old.archive, new.archive);
    let ps = new.config.page_size;
    let limit = new.config.feed_limit;
    let mut out = Touched::default();

    // Talks: added, removed, or showing something new.
    let (old_ids, new_ids) = (talk_ids(a), talk_ids(b));
    let old_at: HashMap<TalkId<'_>, usize> = old_ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
    let mut matched = vec![false; a.talks.len()];
    for (n, id) in new_ids.iter().enumerate() {
        let t = &b.talks[n];
        let Some(&o) = old_at.get(id) else {
            card_pages(new, n, &mut out.pages);
            talk_feeds(new, n, &mut out.feeds);
            continue;
        };
        matched[o] = true;
        let u = &a.talks[o];
        let card = changed.contains(&t.source) || card_sig(a, u) != card_sig(b, t);
        let own = card || page_sig(a, u) != page_sig(b, t);
        if card {
            card_pages(old, o, &mut out.pages);
            card_pages(new, n, &mut out.pages);
        } else if own {
            out.pages.insert(new.talk_url(n).to_string());
        }
        if own {
            talk_feeds(old, o, &mut out.feeds);
            talk_feeds(new, n, &mut out.feeds);
        }
    }
    for (o, m) in matched.iter().enumerate() {
        if !m {
            card_pages(old, o, &mut out.pages);
            talk_feeds(old, o, &mut out.feeds);
        }
    }

    // Event pages: the event's own fields, or which talks each page lists.
    let old_events: HashMap<String, &Event> = a.events.iter().map(|e| (event_key(e), e)).collect();
    let mut series: HashSet<String> = HashSet::new();
    for e in &b.events {
        let base = new.event_url(e);
        match old_events.get(&event_key(e)) {
            Some(o) if !event_row_changed(o, e) => {
                let (pages, feed) = list_changes(&ids_of(&o.talks, &old_ids), &ids_of(&e.talks, &new_ids), ps, limit);
                out.pages.extend(pages.into_iter().map(|p| urls::paged(&base, p)));
                if feed {
                    out.feeds.insert(base);
                }
            }
            other => {
                all_pages(&base, e.talks.len(), ps, &mut out.pages);
                out.feeds.insert(base);
                for title in other.map(|o| o.title.as_str()).into_iter().chain([e.title.as_str()]) {
                    if let Some((name, _)) = series_of(title) {
                        series.insert(crate::normalize::fold(name));
                    }
                }
            }
        }
    }
    let new_events: HashSet<String> = b.events.iter().map(event_key).collect();
    for o in a.events.iter().filter(|o| !new_events.contains(&event_key(o))) {
        if let Some((name, _)) = series_of(&o.title) {
            series.insert(crate::normalize::fold(name));
        }
    }
    // Event pages link to the other years of their series.
    if !series.is_empty() {
        for e in &b.events {
            if series_of(&e.title).is_some_and(|(name, _)| series.contains(&crate::normalize::fold(name))) {
                all_pages(&new.event_url(e), e.talks.len(), ps, &mut out.pages);
            }
        }
    }

    // Speaker, tag, language and year pages, and their indexes.
    for kind in TermKind::ALL {
        let (ta, tb) = (kind.terms(a), kind.terms(b));
        if ta.len() != tb.len() || ta.iter().zip(tb).any(|(x, y)| term_row(x) != term_row(y)) {
            all_pages(&new.term_parts(kind).1, tb.len(), INDEX_PAGE_SIZE, &mut out.pages);
        }
        let old_terms: HashMap<&str, &Term> = ta.iter().map(|t| (t.key.as_str(), t)).collect();
        let feeds = matches!(kind, TermKind::Speaker | TermKind::Tag);
        for t in tb {
            let base = new.term_url(kind, t);
            match old_terms.get(t.key.as_str()) {
                Some(o) if o.name == t.name && o.slug == t.slug && o.talks.len() == t.talks.len() => {
                    let (pages, feed) =
                        list_changes(&ids_of(&o.talks, &old_ids), &ids_of(&t.talks, &new_ids), ps, limit);
                    out.pages.extend(pages.into_iter().map(|p| urls::paged(&base, p)));
                    if feed && feeds {
                        out.feeds.insert(base);
                    }
                }
                _ => {
                    all_pages(&base, t.talks.len(), ps, &mut out.pages);
                    if feeds {
                        out.feeds.insert(base);
                    }
                }
            }
        }
    }
    always(new, &mut out);
    out
}

/// What a term's row on its index page shows.
fn term_row(t: &Term) -> (&str, &str, &str, usize) {
    (&t.key, &t.name, &t.slug, t.talks.len())
}

/// The identities of a list of talks.
fn ids_of<'s>(list: &[usize], all: &[TalkId<'s>]) -> Vec<TalkId<'s>> {
    list.iter().map(|&i| all[i]).collect()
}

/// Pages that summarise the whole archive and are cheap: always rendered again.
pub fn always(site: &Site<'_>, out: &mut Touched) {
    out.pages.insert("/".into());
    out.pages.insert(site.urls.events.clone());
    out.feeds.insert("/".into());
}
