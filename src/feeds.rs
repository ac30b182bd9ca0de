//! Atom 1.0 and RSS 2.0 feeds for the archive, each event, speaker and tag,
//! rendered with the theme's `atom.xml` and `rss.xml` templates.

use anyhow::Result;
use rayon::prelude::*;
use serde::Serialize;
use tera::Context;

use crate::date::Date;
use crate::model::Talk;
use crate::render::Site;
use crate::video::{self, Video};
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

/// A feed to write: its page URL (site-relative), title and talks (newest first).
struct FeedSpec<'a> {
    page: String,
    title: String,
    talks: &'a [usize],
}

/// Renders every feed of the site and hands each file to `sink` as it is made.
pub fn render_feeds(site: &Site<'_>, sink: &(dyn Fn(String, Vec<u8>) -> Result<()> + Sync)) -> Result<()> {
    let a = site.archive;
    let all: Vec<usize> = (0..a.talks.len()).collect();
    let mut specs = vec![FeedSpec {
        page: "/".into(),
        title: site.config.title.clone(),
        talks: &all,
    }];
    for e in &a.events {
        specs.push(FeedSpec {
            page: site.event_url(e),
            title: e.title.clone(),
            talks: &e.talks,
        });
    }
    for s in &a.speakers {
        specs.push(FeedSpec {
            page: site.speaker_url(s),
            title: format!("Talks by {}", s.name),
            talks: &s.talks,
        });
    }
    for t in &a.tags {
        specs.push(FeedSpec {
            page: site.tag_url(t),
            title: format!("Talks tagged {}", t.name),
            talks: &t.talks,
        });
    }
    // Each talk's entry is rendered once (Atom and RSS): the same talk appears in a
    // handful of feeds (archive, event, speakers, tags).
    let entries: Vec<(String, String)> = (0..a.talks.len())
        .into_par_iter()
        .map(|t| {
            let mut ctx = Context::new();
            ctx.insert("e", &entry(site, t));
            ctx.insert("site_title", &site.config.title);
            Ok((site.render("atom_entry.xml", &ctx)?, site.render("rss_item.xml", &ctx)?))
        })
        .collect::<Result<_>>()?;
    specs.par_iter().try_for_each(|spec| {
        for (rel, bytes) in render_feed(site, &entries, spec)? {
            sink(rel, bytes)?;
        }
        Ok(())
    })
}

fn render_feed(site: &Site<'_>, entries: &[(String, String)], spec: &FeedSpec<'_>) -> Result<Vec<OutFile>> {
    let base = site.config.base();
    let (atom, rss) = Site::feed_urls(&spec.page);
    let shown = || spec.talks.iter().take(site.config.feed_limit);
    let updated = shown()
        .filter_map(|&t| updated_date(&site.archive.talks[t]))
        .max()
        .unwrap_or(EPOCH);
    let view = FeedView {
        title: spec.title.clone(),
        subtitle: &site.config.description,
        page_url: format!("{base}{}", spec.page),
        atom_url: format!("{base}{atom}"),
        rss_url: format!("{base}{rss}"),
        updated: updated.rfc3339(),
        updated_rfc822: updated.rfc822(),
        entries: shown().map(|&t| entries[t].0.as_str()).collect(),
    };
    let mut ctx = Context::new();
    ctx.insert("feed", &view);
    let atom_xml = site.render("atom.xml", &ctx)?;
    let view = FeedView {
        entries: shown().map(|&t| entries[t].1.as_str()).collect(),
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

fn entry<'a>(site: &'a Site<'_>, t: usize) -> Entry<'a> {
    let a = site.archive;
    let talk = &a.talks[t];
    let enclosure = talk
        .videos
        .iter()
        .find_map(|v| match video::classify(&v.kind, &v.url, v.size)? {
            Video::File { url, mime, size, .. } => Some(Enclosure {
                url,
                length: size.unwrap_or(0),
                mime,
            }),
            _ => None,
        });
    Entry {
        title: &talk.title,
        url: format!("{}{}", site.config.base(), site.talk_url(t)),
        updated: updated_date(talk).unwrap_or(EPOCH).rfc3339(),
        published: talk.date.map(|d| d.rfc3339()),
        pub_date: talk.date.map(|d| d.rfc822()),
        summary: &site.leads[t],
        content: &site.descriptions[t],
        authors: talk.speakers.iter().map(|&s| a.speakers[s].name.as_str()).collect(),
        categories: talk.tags.iter().map(|&x| a.tags[x].name.as_str()).collect(),
        enclosure,
    }
}
