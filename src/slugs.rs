//! URL-safe, unique, never-empty slugs.
//!
//! Names are transliterated by the `slug` crate (so "Łukasz" → `lukasz`, "Дмитрий" →
//! `dmitrii`, "张伟" → `zhang-wei`); a name with nothing to transliterate (only
//! punctuation or symbols) gets a short stable hash instead of an empty slug.
//! `url_style = "pyvideo"` slugs names as pyvideo.org does instead ([`crate::pelican`])
//! and keeps more of a record's own slug; both stay inside the output folder.

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::config::UrlStyle;

/// Longest slug we emit: file names must stay well under the 255-byte limit.
pub const MAX_SLUG_LEN: usize = 100;

/// Longest slug under the pyvideo style, whose pages must keep pyvideo.org's long
/// talk slugs (167 bytes at most there); `speaker_<slug>.atom.xml` stays under 255.
pub const MAX_PYVIDEO_SLUG_LEN: usize = 200;

/// Slug for a display name; never empty, never contains `/` or `..`.
pub fn slugify(name: &str) -> String {
    or_hash(truncate(&slug::slugify(name), MAX_SLUG_LEN), name)
}

/// Slug for a title or name under a URL style: [`slugify`], or under the pyvideo style
/// Pelican's (`[a-z0-9_-]`, may start with `-`). Never empty, never `/` or `..`.
pub fn name_slug(name: &str, style: UrlStyle) -> String {
    match style {
        UrlStyle::Podium => slugify(name),
        UrlStyle::Pyvideo => or_hash(truncate(&crate::pelican::slugify(name), MAX_PYVIDEO_SLUG_LEN), name),
    }
}

/// A record's own slug (a talk's `slug`, an event's `category.json` `slug`) under a URL
/// style: kept verbatim when safe, else made safe from it. Under the pyvideo style
/// "safe" is `[A-Za-z0-9._-]`, up to [`MAX_PYVIDEO_SLUG_LEN`] bytes, not starting with `.`
/// and without `..` (so `_from-__future__` and `x.json` stay as pyvideo.org has them).
pub fn given_slug(raw: &str, style: UrlStyle) -> String {
    match style {
        UrlStyle::Podium => record_slug(raw),
        UrlStyle::Pyvideo => {
            let ok = (1..=MAX_PYVIDEO_SLUG_LEN).contains(&raw.len())
                && !raw.starts_with('.')
                && !raw.contains("..")
                && raw
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
            if ok {
                raw.to_string()
            } else {
                name_slug(raw, style)
            }
        }
    }
}

/// `s`, or a short stable hash of `name` when `s` is empty.
fn or_hash(s: String, name: &str) -> String {
    if s.is_empty() {
        let h = xxhash_rust::xxh3::xxh3_64(name.as_bytes());
        format!("x-{:08x}", h >> 32)
    } else {
        s
    }
}

/// A record's own slug, kept verbatim when it is already URL-safe
/// (`[A-Za-z0-9][A-Za-z0-9_-]*`, e.g. pyvideo's `pycon-2011--using-…-`), else made safe.
pub fn record_slug(raw: &str) -> String {
    let ok = raw.len() <= MAX_SLUG_LEN
        && raw.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric())
        && raw.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        raw.to_string()
    } else {
        slugify(raw)
    }
}

fn truncate(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    // slug output is ASCII, so byte slicing is safe; cut at the last hyphen.
    let cut = &s[..max];
    cut.rfind('-')
        .filter(|&i| i > max / 2)
        .map_or(cut, |i| &cut[..i])
        .to_string()
}

/// Names no slug may take in a namespace, because list pages or feeds live there.
pub const RESERVED: &[&str] = &[
    "page",
    "index",
    "feed",
    "atom",
    "rss",
    "api",
    "search",
    "static",
    "pagefind",
    "events",
    "speakers",
    "tags",
    "languages",
    "years",
    "speaker",
    "tag",
    "language",
    "year",
    "video",
    "category",
    "media",
    "404",
    "feeds",
    "pages",
];

/// The names talk, speaker and tag slugs may not take under a style. pyvideo's layout
/// pages its lists beside them (`/tags/page/2.html`, `/speaker/x/page/2.html`), so none
/// are reserved there, as on pyvideo.org (`/tag/api/`); event slugs keep [`RESERVED`],
/// since talks live in a folder named after their event.
pub fn reserved(style: UrlStyle) -> &'static [&'static str] {
    match style {
        UrlStyle::Podium => RESERVED,
        UrlStyle::Pyvideo => &[],
    }
}

/// Gives each key a unique slug, deterministically: keys are taken in sorted order,
/// the first to want a slug gets it, later ones get `-2`, `-3`, …
pub fn allocate<K: Ord + Clone>(wanted: &[(K, String)]) -> BTreeMap<K, String> {
    allocate_with(wanted, RESERVED)
}

/// [`allocate`], with `reserved` as the names no key may take.
pub fn allocate_with<K: Ord + Clone>(wanted: &[(K, String)], reserved: &[&str]) -> BTreeMap<K, String> {
    let mut sorted: Vec<&(K, String)> = wanted.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    let mut used: HashSet<String> = reserved.iter().map(|s| s.to_string()).collect();
    // First pass: uncontested wishes, so a suffixed slug never steals a real one.
    let mut count: BTreeMap<&str, usize> = BTreeMap::new();
    for (_, s) in &sorted {
        *count.entry(s.as_str()).or_default() += 1;
    }
    let mut out = BTreeMap::new();
    for (k, s) in &sorted {
        if count[s.as_str()] == 1 && !used.contains(s) {
            used.insert(s.clone());
            out.insert(k.clone(), s.clone());
        }
    }
    // Next suffix to try per wish, so k talks wanting one slug cost O(k), not O(k²).
    let mut next: HashMap<&str, usize> = HashMap::new();
    for (k, s) in &sorted {
        if out.contains_key(k) {
            continue;
        }
        let mut candidate = s.clone();
        let n = next.entry(s.as_str()).or_insert(2);
        while used.contains(&candidate) {
            candidate = with_suffix(s, *n);
            *n += 1;
        }
        used.insert(candidate.clone());
        out.insert(k.clone(), candidate);
    }
    out
}

/// `slug-n`, cutting `slug` so the result stays within [`MAX_SLUG_LEN`].
fn with_suffix(slug: &str, n: usize) -> String {
    let suffix = format!("-{n}");
    let mut cut = MAX_SLUG_LEN.saturating_sub(suffix.len()).min(slug.len());
    while !slug.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}{suffix}", slug[..cut].trim_end_matches('-'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transliterates_and_never_empty() {
        assert_eq!(slugify("Matt Spitz"), "matt-spitz");
        assert_eq!(slugify("Łukasz Langa"), "lukasz-langa");
        assert!(!slugify("Дмитрий").is_empty());
        assert!(slugify("张伟").chars().all(|c| c.is_ascii_alphanumeric() || c == '-'));
        let p = slugify("...");
        assert!(p.starts_with("x-") && p.len() == 10, "{p}");
        assert_ne!(slugify("!!!"), slugify("???"));
        assert!(slugify(&"a ".repeat(5000)).len() <= MAX_SLUG_LEN);
    }

    #[test]
    fn record_slug_kept_only_when_safe() {
        assert_eq!(record_slug("pycon-2011--x-"), "pycon-2011--x-");
        assert_eq!(record_slug("../etc/passwd"), "etc-passwd");
        assert_eq!(record_slug("a/b"), "a-b");
        assert_eq!(record_slug("%2e%2e"), "2e-2e");
        assert_eq!(record_slug("C:\\x"), "c-x");
        assert!(!record_slug("..").contains(".."));
    }

    #[test]
    fn pyvideo_slugs_keep_more_but_stay_safe() {
        let py = UrlStyle::Pyvideo;
        assert_eq!(
            given_slug("_from-__future__-import-profit", py),
            "_from-__future__-import-profit"
        );
        assert_eq!(given_slug("x-by-anna.json", py), "x-by-anna.json");
        assert_eq!(given_slug("-pycon-apac-2014", py), "-pycon-apac-2014");
        assert_eq!(record_slug("-pycon-apac-2014"), "pycon-apac-2014");
        for bad in [
            "../etc/passwd",
            "..",
            ".hidden",
            "a/b",
            "a\\b",
            "a..b",
            "%2e%2e",
            "C:x",
            "a b",
        ] {
            let s = given_slug(bad, py);
            assert!(
                !s.contains('/') && !s.contains("..") && !s.starts_with('.') && !s.is_empty(),
                "{bad} → {s}"
            );
            assert_ne!(s, bad);
        }
        assert_eq!(given_slug(&"a".repeat(300), py).len(), MAX_PYVIDEO_SLUG_LEN);
        assert_eq!(name_slug("code::dive 2018", py), "codedive-2018");
        assert!(name_slug("!!!", py).starts_with("x-"));
        assert_eq!(allocate_with(&[(1, "api".to_string())], reserved(py))[&1], "api");
        assert_eq!(
            allocate_with(&[(1, "api".to_string())], reserved(UrlStyle::Podium))[&1],
            "api-2"
        );
    }

    #[test]
    fn allocation_is_unique_and_order_independent() {
        let a = vec![
            ("b".to_string(), "x".to_string()),
            ("a".to_string(), "x".to_string()),
            ("c".to_string(), "x-2".to_string()),
            ("d".to_string(), "page".to_string()),
        ];
        let mut rev = a.clone();
        rev.reverse();
        let m = allocate(&a);
        assert_eq!(m, allocate(&rev));
        assert_eq!(m["a"], "x");
        assert_eq!(m["c"], "x-2");
        assert_eq!(m["b"], "x-3");
        assert_eq!(m["d"], "page-2");
    }

    #[test]
    fn suffixed_slugs_stay_short() {
        let long = "a".repeat(MAX_SLUG_LEN);
        let m = allocate(&[(1, long.clone()), (2, long.clone())]);
        assert_eq!(m[&1], long);
        assert_eq!(m[&2], format!("{}-2", &long[..MAX_SLUG_LEN - 2]));
    }
}
