//! The search records of a site: one per talk and content page, each string escaped
//! for Pagefind (see [`crate::search`], which indexes them and knows nothing of pages).

use std::collections::BTreeMap;

use crate::render::Site;
use crate::search::{escape, normalize_language, SearchRecord};

/// One record per talk of the site. The content is the description alone (the
/// title when there is none), so excerpts are clean sentences; title, speakers, event and tags are meta fields,
/// which Pagefind 1.6 indexes as searchable words and the search page ranks above
/// the content (`ranking.metaWeights` in `static/search.js`). Event, year,
/// language, every speaker and every tag are filters; date is the sort key.
/// Every string is escaped (see [`escape`]).
pub fn records(site: &Site<'_>) -> Vec<SearchRecord> {
    let mut out = talk_records(site);
    out.extend(page_records(site));
    out
}

/// One record per content page (`pages/*.md`), after the talks': title and text,
/// no filters.
fn page_records(site: &Site<'_>) -> Vec<SearchRecord> {
    let language = normalize_language(&site.config.language);
    site.archive
        .pages
        .iter()
        .map(|p| {
            let mut meta = BTreeMap::new();
            meta.insert("title".to_string(), p.title.clone());
            SearchRecord {
                url: site.link(&site.page_url(p)),
                title: p.title.clone(),
                content: format!("{}\n{}", p.description, p.text).trim().to_string(),
                language: language.clone(),
                filters: BTreeMap::new(),
                meta,
                sort: BTreeMap::from([("date".to_string(), "0000-00-00".to_string())]),
            }
        })
        .collect()
}

fn talk_records(site: &Site<'_>) -> Vec<SearchRecord> {
    let a = site.archive;
    a.talks
        .iter()
        .enumerate()
        .map(|(t, talk)| {
            let speakers: Vec<String> = talk.speakers.iter().map(|&s| escape(&a.speakers[s].name)).collect();
            let tags: Vec<String> = talk.tags.iter().map(|&x| escape(&a.tags[x].name)).collect();
            let event = escape(&a.events[talk.event].title);
            let year = talk.date.map(|d| d.year.to_string());
            let language = talk.language.map(|l| &a.languages[l]);
            let mut filters = BTreeMap::new();
            filters.insert("event".to_string(), vec![event.clone()]);
            filters.insert("speaker".to_string(), speakers.clone());
            filters.insert("tag".to_string(), tags.clone());
            filters.insert("year".to_string(), year.iter().cloned().collect());
            filters.insert(
                "language".to_string(),
                language.iter().map(|l| escape(&l.name)).collect(),
            );
            let mut meta = BTreeMap::new();
            meta.insert("speakers".to_string(), speakers.join(", "));
            meta.insert("event".to_string(), event);
            meta.insert("tags".to_string(), tags.join(", "));
            if let Some(d) = talk.date {
                meta.insert("date".to_string(), d.to_string());
            }
            if let Some(d) = talk.duration.filter(|&d| d > 0) {
                meta.insert("duration".to_string(), d.to_string());
            }
            let mut sort = BTreeMap::new();
            sort.insert(
                "date".to_string(),
                talk.date.map_or("0000-00-00".to_string(), |d| d.to_string()),
            );
            SearchRecord {
                url: site.talk_link(t),
                title: escape(&talk.title),
                // Pagefind drops a record without words from the index, meta and all.
                content: escape(if talk.description.trim().is_empty() {
                    &talk.title
                } else {
                    &talk.description
                }),
                language: language.map_or_else(|| "en".to_string(), |l| normalize_language(&l.key)),
                filters,
                meta,
                sort,
            }
        })
        .collect()
}
