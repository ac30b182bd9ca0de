//! The whole real archive: every published talk has exactly one page, and the
//! counts of events, speakers and tags match a count made here independently.

use std::collections::{BTreeMap, BTreeSet};

use unicode_normalization::UnicodeNormalization;

use crate::common::*;

fn fold(s: &str) -> String {
    let n: String = s.nfkc().collect::<String>().to_lowercase();
    n.chars()
        .filter(|c| !matches!(c, '\u{200B}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}'))
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn every_published_talk_has_one_page() {
    let Some(data) = pyvideo() else { return };
    let no_publish: BTreeSet<u64> =
        serde_json::from_str(&std::fs::read_to_string(data.join("NO_PUBLISH.json")).unwrap()).unwrap();
    // Independent count straight from the files.
    let mut per_event: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let (mut speakers, mut tags) = (BTreeSet::new(), BTreeSet::new());
    let mut hidden_titles = Vec::new();
    for entry in walkdir::WalkDir::new(&data).into_iter().filter_map(Result::ok) {
        let p = entry.path();
        if p.parent().and_then(|d| d.file_name()).is_none_or(|n| n != "videos") {
            continue;
        }
        let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap();
        let event = p
            .parent()
            .unwrap()
            .parent()
            .unwrap()
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        // The build drops invisible characters (zero-width space, bidi controls) from titles.
        let title: String = v["title"]
            .as_str()
            .unwrap()
            .nfc()
            .filter(|c| !matches!(c, '\u{200B}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}'))
            .collect();
        let title = title.split_whitespace().collect::<Vec<_>>().join(" ");
        if v["id"].as_u64().is_some_and(|id| no_publish.contains(&id)) {
            hidden_titles.push((event, title));
            continue;
        }
        for s in v["speakers"].as_array().into_iter().flatten() {
            let f = fold(s.as_str().unwrap());
            if !f.is_empty() {
                speakers.insert(f);
            }
        }
        for t in v["tags"].as_array().into_iter().flatten() {
            let f = fold(t.as_str().unwrap());
            if !f.is_empty() {
                tags.insert(f);
            }
        }
        per_event.entry(event).or_default().push(title);
    }
    assert!(!hidden_titles.is_empty(), "the data has NO_PUBLISH talks");

    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("site");
    let report = build_into(&data, &out, |_| {});
    assert_eq!(report.events, per_event.len());
    assert_eq!(report.speakers, speakers.len());
    assert_eq!(report.tags, tags.len());
    assert_eq!(report.talks, per_event.values().map(Vec::len).sum::<usize>());

    for (event, titles) in &per_event {
        let dir = out.join("events").join(event);
        let mut pages: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .filter_map(Result::ok)
            .filter(|e| e.path().is_dir() && e.file_name() != "page")
            .map(|e| {
                let html = std::fs::read_to_string(e.path().join("index.html")).unwrap();
                let h1 = html
                    .split("<h1>")
                    .nth(1)
                    .unwrap()
                    .split("</h1>")
                    .next()
                    .unwrap()
                    .to_string();
                h1
            })
            .collect();
        let mut expected: Vec<String> = titles.iter().map(|t| podium::render::escape_html(t)).collect();
        pages.sort();
        expected.sort();
        assert_eq!(pages, expected, "talk pages of {event}");
    }
}

/// Every speaker and every tag of the archive is a value of its search filter
/// (no cap: the search page suggests them as you type), escaped as Pagefind needs.
#[test]
fn search_filters_hold_every_speaker_and_tag() {
    let Some(data) = pyvideo() else { return };
    let loaded = podium::load::load(&data, &Default::default()).expect("loads");
    let (archive, _) = podium::normalize::normalize(loaded, &Default::default());
    let config = podium::Config::default();
    let site = podium::render::Site::new(&archive, &config).expect("site");
    let records = podium::search_records::records(&site);
    for (kind, terms) in [("speaker", &archive.speakers), ("tag", &archive.tags)] {
        let values: BTreeSet<&String> = records.iter().flat_map(|r| &r.filters[kind]).collect();
        let expected: BTreeSet<String> = terms.iter().map(|t| podium::search::escape(&t.name)).collect();
        assert_eq!(
            values.len(),
            expected.len(),
            "{kind}: {} values of {}",
            values.len(),
            terms.len()
        );
        assert!(
            expected.iter().all(|v| values.contains(v)),
            "{kind}: a value is missing"
        );
        assert!(values.len() > 2_000, "{kind}: only {} values", values.len());
    }
}
