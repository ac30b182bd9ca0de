//! Full-text search for the generated site, built with Pagefind's Rust API.
//!
//! `build_sharded` turns one `SearchRecord` per talk into a complete Pagefind
//! bundle (index, fragments, filters, wasm, `pagefind.js` and its worker) held
//! in memory, in one or more parts (`pagefind/`, `pagefind-2/`, …). The caller
//! writes the returned files; the theme's own search page (`static/search.js`)
//! reads them through Pagefind's JavaScript API.
//!
//! Design notes (measured with pagefind 1.6.0):
//! * Records are fed as custom records, not as HTML pages: no HTML is built,
//!   escaped or parsed, and the index is the same (16,065 talks: 11.5 s vs
//!   12.3 s with one synthetic HTML page per talk). They go in as one batch
//!   (`add_custom_records`, from our patch of the crate: `vendor/README.md`),
//!   which Pagefind analyses on the current rayon pool.
//! * The record's text is the description only, so excerpts are sentences of
//!   it. Title, speakers, event and tags are meta fields: Pagefind 1.6 indexes
//!   meta words too, and the search page weights them above the text.
//! * Every string is escaped HTML text ([`escape`]): Pagefind treats them as HTML.
//! * Everything goes into ONE index language (the most common record
//!   language), so that one search box finds talks in every language. The
//!   record's own language stays available as a filter.
//! * Records are indexed in URL order, so the same records give the same bytes
//!   and file names whatever order they come in.

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;

use anyhow::{bail, ensure, Context, Result};
use pagefind::api::{CustomRecord, PagefindIndex};
use pagefind::options::PagefindServiceConfig;

/// One talk to index. The site renders talk pages itself; we feed Pagefind
/// records, not whole pages (see the module docs).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct SearchRecord {
    /// Site-relative, e.g. "/events/pycon-us-2011/using-coroutines/".
    pub url: String,
    pub title: String,
    /// The description, as escaped text.
    pub content: String,
    /// ISO 639-1 code, e.g. "en". All records share one index (see the module
    /// docs); the most common language picks the stemmer.
    pub language: String,
    /// event, year, language, speaker, tag.
    pub filters: BTreeMap<String, Vec<String>>,
    /// title, speakers, event, tags, date, duration. `title` is filled from
    /// `SearchRecord::title` when absent.
    pub meta: BTreeMap<String, String>,
    /// e.g. date. A record without a sort key drops out of results sorted by
    /// that key, so give every record every sort key.
    pub sort: BTreeMap<String, String>,
}

/// Files of a bundle: (path, bytes).
pub type Files = Vec<crate::write::OutFile>;

pub use crate::config::MAX_SEARCH_SHARDS as MAX_SHARDS;

/// The number of index parts for `talks` records when the config sets none: one
/// for a small archive; two from 4,000 talks, so an edit rebuilds half the
/// index and a build holds half the word maps at a time (parts are built one
/// after another). More parts cost readers one more wasm file each.
pub fn default_shards(talks: usize) -> usize {
    if talks >= 4_000 {
        2
    } else {
        1
    }
}

/// The output folder (site-relative, with a trailing `/`) of index part `k`:
/// `pagefind/` for the first, which also holds Pagefind's scripts and UI,
/// then `pagefind-2/`, `pagefind-3/`…
pub fn shard_dir(k: usize) -> String {
    if k == 0 {
        "pagefind/".to_string()
    } else {
        format!("pagefind-{}/", k + 1)
    }
}

/// Whether a site-relative path belongs to the search index (any part).
pub fn is_search_path(rel: &str) -> bool {
    let part = |rest: &str| {
        rest.split_once('/')
            .and_then(|(n, _)| n.parse::<usize>().ok())
            .is_some_and(|n| (2..=MAX_SHARDS).contains(&n))
    };
    rel.starts_with("pagefind/") || rel.strip_prefix("pagefind-").is_some_and(part)
}

/// Splits the records into `n` parts by a hash of their URL, so a talk stays in
/// the same part from build to build (and an edit rebuilds only its part).
/// A part after the first that gets no record is not built, and the search page
/// does not merge it.
pub fn split(records: Vec<SearchRecord>, n: usize) -> Vec<Vec<SearchRecord>> {
    let n = n.clamp(1, MAX_SHARDS);
    let mut parts: Vec<Vec<SearchRecord>> = (0..n).map(|_| Vec::new()).collect();
    for r in records {
        parts[part_of(&r.url, n)].push(r);
    }
    parts
}

/// The part (0-based, of `n`) the record with this URL goes to.
pub fn part_of(url: &str, n: usize) -> usize {
    let n = n.clamp(1, MAX_SHARDS);
    (xxhash_rust::xxh3::xxh3_64(url.as_bytes()) % n as u64) as usize
}

/// Builds the index of `records` in `n` parts (see [`build_parts`]);
/// returns site-relative paths (under [`shard_dir`]) and bytes, sorted by path.
pub fn build_sharded(records: Vec<SearchRecord>, n: usize) -> Result<Files> {
    let language = index_language(&records);
    let parts = split(records, n)
        .into_iter()
        .enumerate()
        .filter(|(k, part)| *k == 0 || !part.is_empty())
        .collect();
    let out = std::sync::Mutex::new(Vec::new());
    build_parts(parts, &language, &|k, files| {
        let dir = shard_dir(k);
        let mut out = out.lock().unwrap_or_else(|e| e.into_inner());
        out.extend(files.into_iter().map(|(rel, bytes)| (format!("{dir}{rel}"), bytes)));
        Ok(())
    })?;
    let mut out = out.into_inner().unwrap_or_else(|e| e.into_inner());
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

/// Builds the given parts (number, records) one after another and hands each
/// part's files (paths relative to its folder, see [`build_part`]) to `emit`,
/// which runs beside the building of the next part. Each part already spreads
/// its work over the rayon pool (records are analysed and files compressed in
/// parallel inside our Pagefind patch), so building parts side by side gains
/// little time and holds two parts' word maps at once: ~650 MB peak instead of
/// ~480 MB on the full pyvideo archive.
pub fn build_parts(
    parts: Vec<(usize, Vec<SearchRecord>)>,
    language: &str,
    emit: &(dyn Fn(usize, Files) -> Result<()> + Sync),
) -> Result<()> {
    let mut built: Option<(usize, Files)> = None;
    for (k, part) in parts {
        let earlier = built.take();
        let emit_earlier = move || earlier.map_or(Ok(()), |(j, files)| emit(j, files));
        let (next, emitted) = rayon::join(|| build_part(k, part, language), emit_earlier);
        emitted?;
        built = Some((k, next?));
    }
    built.map_or(Ok(()), |(j, files)| emit(j, files))
}

/// Part `k` of the index, paths relative to its folder. Parts after the first
/// hold their index, wasm and worker but not `pagefind.js`, which the search
/// page imports from the first: whichever part is its primary (the first that
/// holds talks; the first part may be empty) loads the worker and the wasm from
/// its own folder.
pub fn build_part(k: usize, records: Vec<SearchRecord>, language: &str) -> Result<Files> {
    let mut files = bundle(records, language)?;
    if k > 0 {
        files.retain(|(path, _)| {
            path.starts_with("wasm.")
                || path.ends_with(".pf_meta")
                || path == "pagefind-entry.json"
                || path == "pagefind-worker.js"
                || path.contains('/')
        });
    }
    Ok(files)
}

/// One Pagefind bundle of `records`, indexed as `language`, in memory: (path
/// relative to the bundle folder, bytes), sorted by path, without the files no
/// page loads. Paths use `/` and may contain one directory level (`fragment/`,
/// `index/`, `filter/`).
fn bundle(records: Vec<SearchRecord>, language: &str) -> Result<Files> {
    let mut seen = BTreeSet::new();
    for r in &records {
        ensure!(
            r.url.starts_with('/'),
            "search record URL {:?} must be site-relative and start with '/'",
            r.url
        );
        ensure!(
            seen.insert(r.url.as_str()),
            "two search records have the URL {:?}",
            r.url
        );
    }
    let mut records = records;
    records.sort_by(|a, b| a.url.cmp(&b.url));

    let language = language.to_string();
    let files = block_on(move || build_async(records, language))?;

    let mut out: Vec<(String, Vec<u8>)> = files
        .into_iter()
        .map(|f| (f.filename.to_string_lossy().replace('\\', "/"), f.contents))
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    for pair in out.windows(2) {
        if pair[0].0 == pair[1].0 {
            bail!("pagefind produced the file {:?} twice", pair[0].0);
        }
    }
    for (path, _) in &out {
        ensure!(
            !path.starts_with('/') && !path.split('/').any(|p| p == ".." || p.is_empty()),
            "pagefind produced an unexpected path {path:?}"
        );
    }
    let wasm = wasm_in_use(&out);
    out.retain(|(path, _)| {
        if path.starts_with("wasm.") {
            wasm.contains(path)
        } else {
            !UNUSED.contains(&path.as_str())
        }
    });
    Ok(out)
}

/// Bundle files no page of the site loads: the theme's search page
/// (`static/search.js`) imports `pagefind.js`, which loads its worker, the
/// entry, the meta, index, filter and fragment files, and one wasm file.
const UNUSED: [&str; 7] = [
    "pagefind-ui.css",
    "pagefind-ui.js",
    "pagefind-component-ui.css",
    "pagefind-component-ui.js",
    "pagefind-modular-ui.css",
    "pagefind-modular-ui.js",
    "pagefind-highlight.js",
];

/// The wasm files `pagefind.js` can load: `wasm.<lang>.pagefind` for each index
/// language of the entry file, `wasm.unknown.pagefind` for a language without
/// a stemmer. Every wasm file is kept if the entry cannot be read.
fn wasm_in_use(files: &[(String, Vec<u8>)]) -> BTreeSet<String> {
    let all = || {
        files
            .iter()
            .filter(|(p, _)| p.starts_with("wasm."))
            .map(|(p, _)| p.clone())
            .collect()
    };
    let Some((_, entry)) = files.iter().find(|(p, _)| p == "pagefind-entry.json") else {
        return all();
    };
    let Ok(entry) = serde_json::from_slice::<serde_json::Value>(entry) else {
        return all();
    };
    let Some(languages) = entry.get("languages").and_then(|l| l.as_object()) else {
        return all();
    };
    languages
        .values()
        .map(|l| match l.get("wasm").and_then(|w| w.as_str()) {
            Some(w) if !w.is_empty() => format!("wasm.{w}.pagefind"),
            _ => "wasm.unknown.pagefind".to_string(),
        })
        .collect()
}

/// Maps an ISO 639-3 code such as PyVideo's "eng" to the ISO 639-1 code
/// Pagefind expects ("en"); codes without a two-letter form are kept as given.
pub fn normalize_language(code: &str) -> String {
    let code = code.trim().to_ascii_lowercase();
    isolang::Language::from_639_3(&code)
        .and_then(|l| l.to_639_1())
        .map_or(code, str::to_string)
}

/// A content hash of the records, to tell whether the index must be rebuilt.
pub fn records_hash(records: &[SearchRecord]) -> u128 {
    use std::hash::Hash;
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    records.hash(&mut h);
    h.digest128()
}

/// Pagefind takes every string of a record as HTML: it puts content, meta and
/// filter values into pages as they are (its excerpts, its default UI). Talk
/// fields come from strangers, so each one is handed over as escaped text
/// (`&`, `<`, `>`, `"`, `'`); the search page decodes meta and filter values
/// before it shows them with `textContent`.
pub fn escape(s: &str) -> String {
    html_escape::encode_quoted_attribute(s).into_owned()
}

/// Whether `code` looks like a language tag ("en", "pt-br"): Pagefind puts the
/// index language into file names and slices its hashes by its length, so a
/// record's free-text language (from the data) must not become it.
fn is_language_code(code: &str) -> bool {
    let mut parts = code.split('-');
    let primary = parts.next().unwrap_or_default();
    (2..=3).contains(&primary.len())
        && primary.bytes().all(|b| b.is_ascii_lowercase())
        && parts.all(|p| (2..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()))
}

/// The one language all records (of every part) are indexed under, so all
/// parts stem words alike: the most common non-empty record language (ties go
/// to the alphabetically first), or "en".
pub fn index_language(records: &[SearchRecord]) -> String {
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for r in records {
        let lang = normalize_language(&r.language);
        if is_language_code(&lang) {
            *counts.entry(lang).or_default() += 1;
        }
    }
    let mut best: Option<(&String, usize)> = None;
    for (lang, &n) in &counts {
        if best.is_none_or(|(_, m)| n > m) {
            best = Some((lang, n));
        }
    }
    best.map(|(l, _)| l.clone()).unwrap_or_else(|| "en".to_string())
}

/// Runs the async Pagefind calls to completion on a private current-thread
/// runtime, on the calling thread (so that Pagefind's parallel steps use the
/// caller's rayon pool). Pagefind's API needs a Tokio runtime (Tokio mutexes);
/// a runtime cannot be started inside another one, so when the caller is
/// itself on a Tokio runtime the work moves to a scoped plain thread.
fn block_on<T, Fut>(make: impl FnOnce() -> Fut + Send) -> Result<T>
where
    T: Send,
    Fut: Future<Output = Result<T>>,
{
    let run = move || -> Result<T> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .context("starting the Tokio runtime for pagefind")?;
        rt.block_on(make())
    };
    if tokio::runtime::Handle::try_current().is_ok() {
        std::thread::scope(|s| {
            s.spawn(run)
                .join()
                .unwrap_or_else(|_| Err(anyhow::anyhow!("the pagefind thread panicked")))
        })
    } else {
        run()
    }
}

/// The Pagefind record of `r`, every string cleaned (see [`clean`]).
fn custom_record(r: SearchRecord, language: &str) -> CustomRecord {
    let SearchRecord {
        url,
        title,
        content,
        language: _,
        filters,
        mut meta,
        sort,
    } = r;
    meta.entry("title".to_string()).or_insert(title);
    // An empty value is no information, and would be an empty field on the page.
    let meta: BTreeMap<String, String> = meta
        .into_iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(k, v)| (clean(&k), clean(&v)))
        .collect();
    let filters: BTreeMap<String, Vec<String>> = filters
        .into_iter()
        .map(|(k, vs)| {
            let vs: Vec<String> = vs.iter().filter(|v| !v.trim().is_empty()).map(|v| clean(v)).collect();
            (clean(&k), vs)
        })
        .filter(|(_, vs)| !vs.is_empty())
        .collect();
    let sort = sort.into_iter().map(|(k, v)| (clean(&k), clean(&v))).collect();
    CustomRecord {
        url,
        content: clean(&content),
        language: language.to_string(),
        meta: Some(meta),
        filters: Some(filters),
        sort: Some(sort),
    }
}

/// An empty in-memory Pagefind index whose every record is indexed as `language`.
fn new_index(language: &str) -> Result<PagefindIndex> {
    let config = PagefindServiceConfig::builder()
        .force_language(language.to_string())
        .build();
    PagefindIndex::new(Some(config)).context("configuring pagefind")
}

async fn build_async(records: Vec<SearchRecord>, language: String) -> Result<Vec<pagefind::api::SyntheticFile>> {
    let mut index = new_index(&language)?;
    let batch = records.into_iter().map(|r| custom_record(r, &language)).collect();
    index
        .add_custom_records(batch)
        .await
        .context("indexing the search records")?;
    index.get_files().await.context("building the pagefind index")
}

/// Pagefind reads words starting with `___PAGEFIND_` / `___END_PAGEFIND_` as
/// its own markers (and strips `___PAGEFIND_…` from meta and filters); defuse
/// any that occur in the data by dropping one underscore.
fn clean(s: &str) -> String {
    if s.contains("_PAGEFIND_") {
        s.replace("___PAGEFIND_", "__PAGEFIND_")
            .replace("___END_PAGEFIND_", "__END_PAGEFIND_")
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Our patch's batch call (`add_custom_records`, records analysed side by side)
    /// indexes exactly as the crate's own one-record call: the same 2,500 records
    /// (three of the patched `build_indexes`' batches) give the same files.
    #[test]
    fn batch_api_indexes_as_one_record_at_a_time() {
        let records: Vec<SearchRecord> = (0..2_500)
            .map(|i| {
                let title = format!("Talk {i} on coroutines, part {}", i % 7);
                record(&format!("talk-{i:04}"), &title, "en", &format!("Speaker {}", i % 13))
            })
            .collect();
        let sorted = |files: Vec<pagefind::api::SyntheticFile>| {
            let mut v: Vec<_> = files.into_iter().map(|f| (f.filename, f.contents)).collect();
            v.sort();
            v
        };
        let batched = block_on(|| build_async(records.clone(), "en".to_string())).unwrap();
        let one_by_one = block_on(|| async {
            let mut index = new_index("en")?;
            for r in records.clone() {
                let c = custom_record(r, "en");
                index
                    .add_custom_record(c.url, c.content, c.language, c.meta, c.filters, c.sort)
                    .await?;
            }
            index.get_files().await
        })
        .unwrap();
        let fragments = batched.iter().filter(|f| f.filename.starts_with("fragment")).count();
        assert_eq!(fragments, 2_500, "one fragment per record");
        assert_eq!(sorted(batched), sorted(one_by_one));
    }

    /// A one-part index, as a small archive gets.
    fn build_bundle(records: Vec<SearchRecord>) -> Result<Files> {
        let language = index_language(&records);
        build_part(0, records, &language)
    }
    use std::io::Read;

    fn record(slug: &str, title: &str, lang: &str, speaker: &str) -> SearchRecord {
        let mut filters = BTreeMap::new();
        filters.insert("event".into(), vec!["PyCon US 2011".into()]);
        filters.insert("year".into(), vec!["2011".into()]);
        filters.insert("speaker".into(), vec![speaker.into()]);
        filters.insert("language".into(), vec![lang.into()]);
        filters.insert("tag".into(), vec!["python".into(), "async".into()]);
        let mut meta = BTreeMap::new();
        meta.insert("speakers".into(), speaker.into());
        meta.insert("event".into(), "PyCon US 2011".into());
        meta.insert("year".into(), "2011".into());
        let mut sort = BTreeMap::new();
        sort.insert("date".into(), "2011-03-11".into());
        SearchRecord {
            url: format!("/events/pycon-us-2011/{slug}/"),
            title: title.into(),
            content: format!("{speaker} PyCon US 2011 python async A talk about {title}."),
            language: lang.into(),
            filters,
            meta,
            sort,
        }
    }

    fn three() -> Vec<SearchRecord> {
        vec![
            record("using-coroutines", "Using Coroutines", "en", "David Beazley"),
            record("pypy-status", "PyPy status ___PAGEFIND_WEIGHT___3", "en", ""),
            record("introduccion", "Introducción a Django", "es", "Ana García"),
        ]
    }

    fn gunzip(bytes: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(bytes).read_to_end(&mut out).unwrap();
        assert!(out.starts_with(b"pagefind_dcd"), "missing pagefind signature");
        out.split_off(12)
    }

    #[test]
    fn parts_are_stable_and_complete() {
        let many: Vec<SearchRecord> = (0..200)
            .map(|i| record(&format!("talk-{i}"), &format!("Talk {i}"), "en", "Ann"))
            .collect();
        let parts = split(many.clone(), 2);
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].len() + parts[1].len(), 200);
        assert!(
            parts.iter().all(|p| p.len() > 50),
            "{:?}",
            parts.iter().map(Vec::len).collect::<Vec<_>>()
        );
        // A talk's part depends on its URL only, not on the other talks.
        let again = split(many[100..].to_vec(), 2);
        for (k, part) in again.iter().enumerate() {
            assert!(part.iter().all(|r| parts[k].contains(r)));
        }
        assert_eq!(split(many.clone(), 1)[0], many);
        assert_eq!(split(many, 99).len(), MAX_SHARDS);
        assert_eq!(shard_dir(0), "pagefind/");
        assert_eq!(shard_dir(1), "pagefind-2/");
        assert!(is_search_path("pagefind-2/fragment/x") && is_search_path("pagefind/pagefind.js"));
        assert!(!is_search_path("pagefinder/") && !is_search_path("events/pagefind/"));
    }

    #[test]
    fn sharded_bundle_has_one_runtime_and_an_index_per_part() {
        let many: Vec<SearchRecord> = (0..12)
            .map(|i| record(&format!("talk-{i}"), &format!("Talk {i}"), "en", "Ann"))
            .collect();
        let files = build_sharded(many, 2).unwrap();
        let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
        for dir in ["pagefind/", "pagefind-2/"] {
            let has = |rest: &str| names.contains(&format!("{dir}{rest}").as_str());
            assert!(
                has("pagefind-entry.json") && has("wasm.en.pagefind"),
                "{dir}: {names:?}"
            );
            assert!(names.iter().any(|n| n.starts_with(dir) && n.ends_with(".pf_meta")));
        }
        assert!(names.contains(&"pagefind/pagefind.js") && names.contains(&"pagefind-2/pagefind-worker.js"));
        assert!(!names.contains(&"pagefind-2/pagefind.js"), "{names:?}");
        assert!(!names.iter().any(|n| n.contains("-ui.")), "{names:?}");
        let fragments = names.iter().filter(|n| n.contains("/fragment/")).count();
        assert_eq!(fragments, 12);
        assert!(names.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn wasm_for_a_language_without_a_stemmer_is_the_unknown_one() {
        let entry = |langs: &str| {
            vec![
                (
                    "pagefind-entry.json".to_string(),
                    format!(r#"{{"languages":{langs}}}"#).into_bytes(),
                ),
                ("wasm.en.pagefind".to_string(), vec![1]),
                ("wasm.unknown.pagefind".to_string(), vec![1]),
            ]
        };
        let names = |set: BTreeSet<String>| set.into_iter().collect::<Vec<_>>();
        assert_eq!(
            names(wasm_in_use(&entry(r#"{"en":{"wasm":"en"}}"#))),
            ["wasm.en.pagefind"]
        );
        assert_eq!(
            names(wasm_in_use(&entry(r#"{"eo":{"hash":"x"}}"#))),
            ["wasm.unknown.pagefind"]
        );
        assert_eq!(names(wasm_in_use(&entry("not json"))).len(), 2);
    }

    #[test]
    fn bundle_from_three_records_has_the_expected_files() {
        let files = build_bundle(three()).unwrap();
        let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
        for expected in [
            "pagefind.js",
            "pagefind-worker.js",
            "pagefind-entry.json",
            "wasm.en.pagefind",
        ] {
            assert!(names.contains(&expected), "{expected} missing from {names:?}");
        }
        // Files no page loads are left out.
        for unused in UNUSED.iter().chain(&["wasm.unknown.pagefind"]) {
            assert!(!names.contains(unused), "{unused} written: {names:?}");
        }
        let count = |prefix: &str, suffix: &str| {
            names
                .iter()
                .filter(|n| n.starts_with(prefix) && n.ends_with(suffix))
                .count()
        };
        assert_eq!(count("pagefind.en_", ".pf_meta"), 1, "{names:?}");
        assert_eq!(count("fragment/en_", ".pf_fragment"), 3, "{names:?}");
        assert!(count("index/en_", ".pf_index") >= 1, "{names:?}");
        // one file per filter key: event, language, speaker, tag, year
        assert_eq!(count("filter/en_", ".pf_filter"), 5, "{names:?}");
        assert!(files.iter().all(|(_, b)| !b.is_empty()));

        // One index language for all records.
        let entry = &files.iter().find(|(n, _)| n == "pagefind-entry.json").unwrap().1;
        let entry: serde_json::Value = serde_json::from_slice(entry).unwrap();
        let langs: Vec<&String> = entry["languages"].as_object().unwrap().keys().collect();
        assert_eq!(langs, ["en"]);
        assert_eq!(entry["languages"]["en"]["page_count"], 3);

        // Fragments carry url, meta (title filled in), filters; the weight
        // markers are consumed, and the ones in the data are defused.
        let mut seen_title = false;
        for (name, bytes) in files.iter().filter(|(n, _)| n.starts_with("fragment/")) {
            let frag: serde_json::Value = serde_json::from_slice(&gunzip(bytes)).unwrap();
            let content = frag["content"].as_str().unwrap();
            assert!(
                !content.contains("___PAGEFIND") && !content.contains("___END_PAGEFIND"),
                "{name}: marker leaked: {content}"
            );
            if frag["url"] == "/events/pycon-us-2011/using-coroutines/" {
                seen_title = true;
                assert_eq!(frag["meta"]["title"], "Using Coroutines");
                assert_eq!(frag["filters"]["tag"], serde_json::json!(["python", "async"]));
                assert!(content.starts_with("David Beazley PyCon"), "{content}");
            }
            if frag["url"] == "/events/pycon-us-2011/pypy-status/" {
                assert_eq!(frag["meta"]["title"], "PyPy status __PAGEFIND_WEIGHT___3");
                assert!(frag["meta"].get("speakers").is_none(), "empty meta kept");
                assert!(frag["filters"].get("speaker").is_none(), "empty filter kept");
            }
        }
        assert!(seen_title);
    }

    #[test]
    fn bundle_is_deterministic_and_order_independent() {
        let a = build_bundle(three()).unwrap();
        let mut reversed = three();
        reversed.reverse();
        let b = build_bundle(reversed).unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn rejects_bad_urls() {
        let mut recs = three();
        recs[1].url = recs[0].url.clone();
        assert!(build_bundle(recs).is_err());
        let mut recs = three();
        recs[0].url = "events/x/".into();
        assert!(build_bundle(recs).is_err());
    }

    #[test]
    fn works_from_inside_a_tokio_runtime() {
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let files = rt.block_on(async { build_bundle(three()) }).unwrap();
        assert!(files.iter().any(|(n, _)| n == "pagefind.js"));
    }

    #[test]
    fn empty_input_still_gives_the_scripts() {
        let files = build_bundle(Vec::new()).unwrap();
        assert!(files.iter().any(|(n, _)| n == "pagefind.js"));
    }

    #[test]
    fn language_choice() {
        assert_eq!(normalize_language("eng"), "en");
        assert_eq!(normalize_language("EN-gb"), "en-gb");
        assert_eq!(normalize_language("pt-BR"), "pt-br");
        let recs = vec![
            SearchRecord {
                language: "es".into(),
                ..Default::default()
            },
            SearchRecord {
                language: "eng".into(),
                ..Default::default()
            },
            SearchRecord {
                language: "en".into(),
                ..Default::default()
            },
        ];
        assert_eq!(index_language(&recs), "en");
        assert_eq!(index_language(&[]), "en");
        // A language that is no code (hostile data) never becomes the index language.
        let odd = |l: &str| SearchRecord {
            language: l.into(),
            ..Default::default()
        };
        assert_eq!(
            index_language(&[odd("<img src=x onerror=alert(1)>"), odd("a/b"), odd("es")]),
            "es"
        );
        assert_eq!(index_language(&[odd("x".repeat(60).as_str())]), "en");
    }
}
