//! Atom 1.0 and RSS 2.0 feeds for the archive, each event, speaker and tag,
//! rendered with the theme's `atom.xml` and `rss.xml` templates.

use std::borrow::Cow;

use anyhow::Result;
use rayon::prelude::*;
use serde::Serialize;
use tera::Context;

use crate::date::Date;
use crate::model::{Talk, TermKind};
use crate::reads::{Read, Reads};
use crate::render::Site;
use crate::video::Video;
use crate::write::OutFile;

#[derive(Serialize)]
struct FeedView<'a> {
    title: String,
    subtitle: &'a str,
    /// Absolute URL of the HTML page the feed belongs to.
    page_url: String,
    atom_url: String,
    rss_url: String,
    updated: String,
    updated_rfc822: String,
    /// Pre-rendered `<entry>`s (Atom) or `<item>`s (RSS), concatenated.
    entries: String,
}

#[derive(Serialize)]
struct Entry<'a> {
    title: &'a str,
    url: String,
    updated: String,
    published: Option<String>,
    pub_date: Option<String>,
    summary: &'a str,
    content: &'a str,
    authors: Vec<&'a str>,
    categories: Vec<&'a str>,
    enclosure: Option<Enclosure>,
}

#[derive(Serialize)]
struct Enclosure {
    url: String,
    length: u64,
    mime: String,
}

/// The list a feed belongs to: the whole archive, or one event, speaker or tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FeedOf {
    Home,
    Event(usize),
    Speaker(usize),
    Tag(usize),
}

/// A feed to write: its page URL (site-relative), title and talks (newest first).
struct FeedSpec<'a> {
    page: String,
    title: String,
    talks: Cow<'a, [usize]>,
}

/// Every feed of the site.
pub fn all_feeds(site: &Site<'_>) -> Vec<FeedOf> {
    let a = site.archive;
    let mut all = vec![FeedOf::Home];
    all.extend((0..a.events.len()).map(FeedOf::Event));
    all.extend((0..a.speakers.len()).map(FeedOf::Speaker));
    all.extend((0..a.tags.len()).map(FeedOf::Tag));
    all
}

fn spec<'a>(site: &'a Site<'_>, of: FeedOf) -> FeedSpec<'a> {
    let a = site.archive;
    match of {
        FeedOf::Home => FeedSpec {
            page: "/".into(),
            title: site.config.title.clone(),
            talks: Cow::Owned((0..a.talks.len().min(site.config.feed_limit)).collect()),
        },
        FeedOf::Event(e) => FeedSpec {
            page: site.event_url(&a.events[e]),
            title: a.events[e].title.clone(),
            talks: Cow::Borrowed(&a.events[e].talks),
        },
        FeedOf::Speaker(s) => FeedSpec {
            page: site.speaker_url(&a.speakers[s]),
            title: format!("Talks by {}", a.speakers[s].name),
            talks: Cow::Borrowed(&a.speakers[s].talks),
        },
        FeedOf::Tag(t) => FeedSpec {
            page: site.tag_url(&a.tags[t]),
            title: format!("Talks tagged {}", a.tags[t].name),
            talks: Cow::Borrowed(&a.tags[t].talks),
        },
    }
}

/// The site-relative URL of the page a feed belongs to.
pub fn feed_page(site: &Site<'_>, of: FeedOf) -> String {
    spec(site, of).page
}

/// The output files of every feed (Atom and RSS of each), without rendering them.
pub fn feed_files(site: &Site<'_>) -> Vec<String> {
    all_feeds(site)
        .into_iter()
        .flat_map(|of| {
            let (atom, rss) = site.feed_urls(&feed_page(site, of));
            [crate::urls::file_for(&atom), crate::urls::file_for(&rss)]
        })
        .collect()
}

/// One talk's Atom `<entry>` and RSS `<item>`.
fn render_entry(site: &Site<'_>, t: usize, r: &mut Reads) -> Result<(String, String)> {
    let mut ctx = Context::new();
    ctx.insert("e", &entry(site, t, r));
    ctx.insert("site_title", &site.config.title);
    Ok((site.render("atom_entry.xml", &ctx)?, site.render("rss_item.xml", &ctx)?))
}

/// Renders every feed of the site and hands each file to `sink` as it is made.
pub fn render_feeds(site: &Site<'_>, sink: &(dyn Fn(String, Vec<u8>) -> Result<()> + Sync)) -> Result<()> {
    // Each talk's entry is rendered once (Atom and RSS): the same talk appears in a
    // handful of feeds (archive, event, speakers, tags).
    let entries: Vec<(String, String)> = (0..site.archive.talks.len())
        .into_par_iter()
        .map(|t| render_entry(site, t, &mut Reads::off()))
        .collect::<Result<_>>()?;
    all_feeds(site).par_iter().try_for_each(|&of| {
        let entry = |t: usize, _: &mut Reads| Ok(Cow::Borrowed(&entries[t]));
        for (rel, bytes) in render_feed(site, of, &entry, &mut Reads::off())? {
            sink(rel, bytes)?;
        }
        Ok(())
    })
}

/// One feed (its Atom and RSS files) as (output path, bytes), for incremental
/// rebuilds, noting what it reads in `r`.
pub fn render_feed_of(site: &Site<'_>, of: FeedOf, r: &mut Reads) -> Result<Vec<OutFile>> {
    render_feed(site, of, &|t, r| render_entry(site, t, r).map(Cow::Owned), r)
}

type Entries<'e> = dyn Fn(usize, &mut Reads) -> Result<Cow<'e, (String, String)>> + Sync + 'e;

fn render_feed<'e>(site: &Site<'_>, of: FeedOf, entries: &Entries<'e>, r: &mut Reads) -> Result<Vec<OutFile>> {
    r.add(match of {
        FeedOf::Home => Read::Archive,
        FeedOf::Event(e) => Read::EventTalks(e),
        FeedOf::Speaker(s) => Read::TermTalks(TermKind::Speaker, s),
        FeedOf::Tag(t) => Read::TermTalks(TermKind::Tag, t),
    });
    // Its title.
    r.add(match of {
        FeedOf::Home => Read::Archive,
        FeedOf::Event(e) => Read::Event(e),
        FeedOf::Speaker(s) => Read::Term(TermKind::Speaker, s),
        FeedOf::Tag(t) => Read::Term(TermKind::Tag, t),
    });
    let spec = &spec(site, of);
    let base = site.config.base();
    let (atom, rss) = site.feed_urls(&spec.page);
    let shown: Vec<usize> = spec.talks.iter().take(site.config.feed_limit).copied().collect();
    let updated = shown
        .iter()
        .filter_map(|&t| updated_date(&site.archive.talks[t]))
        .max()
        .unwrap_or(EPOCH);
    let (mut atom_entries, mut rss_items) = (String::new(), String::new());
    for &t in &shown {
        let e = entries(t, r)?;
        atom_entries.push_str(&e.0);
        rss_items.push_str(&e.1);
    }
    let view = FeedView {
        title: spec.title.clone(),
        subtitle: &site.config.description,
        page_url: format!("{base}{}", spec.page),
        atom_url: format!("{base}{atom}"),
        rss_url: format!("{base}{rss}"),
        updated: updated.rfc3339(),
        updated_rfc822: updated.rfc822(),
        entries: atom_entries,
    };
    let mut ctx = Context::new();
    ctx.insert("feed", &view);
    let atom_xml = site.render("atom.xml", &ctx)?;
    let view = FeedView {
        entries: rss_items,
        ..view
    };
    ctx.insert("feed", &view);
    let rss_xml = site.render("rss.xml", &ctx)?;
    Ok(vec![
        (crate::urls::file_for(&atom), atom_xml.into_bytes()),
        (crate::urls::file_for(&rss), rss_xml.into_bytes()),
    ])
}

const EPOCH: Date = Date {
    year: 1970,
    month: 1,
    day: 1,
};

/// When a talk last changed: the archive's `updated` stamp, else its recording date.
fn updated_date(t: &Talk) -> Option<Date> {
    t.updated.as_deref().and_then(|u| Date::parse(u.get(..10)?)).or(t.date)
}

fn entry<'a>(site: &'a Site<'_>, t: usize, r: &mut Reads) -> Entry<'a> {
    let a = site.archive;
    let talk = &a.talks[t];
    r.add(Read::Talk(t));
    r.extend(talk.speakers.iter().map(|&s| Read::Term(TermKind::Speaker, s)));
    r.extend(talk.tags.iter().map(|&x| Read::Term(TermKind::Tag, x)));
    let prepared = &site.talks[t];
    let enclosure = prepared.videos(talk).iter().find_map(|v| match v {
        Video::File { url, mime, size, .. } => Some(Enclosure {
            url: url.clone(),
            length: size.unwrap_or(0),
            mime: mime.clone(),
        }),
        _ => None,
    });
    Entry {
        title: &talk.title,
        url: format!("{}{}", site.config.base(), site.talk_url(t)),
        updated: updated_date(talk).unwrap_or(EPOCH).rfc3339(),
        published: talk.date.map(|d| d.rfc3339()),
        pub_date: talk.date.map(|d| d.rfc822()),
        summary: &prepared.lead,
        content: &prepared.description,
        authors: talk.speakers.iter().map(|&s| a.speakers[s].name.as_str()).collect(),
        categories: talk.tags.iter().map(|&x| a.tags[x].name.as_str()).collect(),
        enclosure,
    }
}
