//! URL-safe, unique, never-empty slugs.
//!
//! Names are transliterated by the `slug` crate (so "Łukasz" → `lukasz`, "Дмитрий" →
//! `dmitrii`, "张伟" → `zhang-wei`); a name with nothing to transliterate (only
//! punctuation or symbols) gets a short stable hash instead of an empty slug.

use std::collections::{BTreeMap, HashMap, HashSet};

/// Longest slug we emit: file names must stay well under the 255-byte limit.
pub const MAX_SLUG_LEN: usize = 100;

/// Slug for a display name; never empty, never contains `/` or `..`.
pub fn slugify(name: &str) -> String {
    let s = truncate(&slug::slugify(name));
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

fn truncate(s: &str) -> String {
    if s.len() <= MAX_SLUG_LEN {
        return s.to_string();
    }
    // slug output is ASCII, so byte slicing is safe; cut at the last hyphen.
    let cut = &s[..MAX_SLUG_LEN];
    cut.rfind('-')
        .filter(|&i| i > MAX_SLUG_LEN / 2)
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
];

/// Gives each key a unique slug, deterministically: keys are taken in sorted order,
/// the first to want a slug gets it, later ones get `-2`, `-3`, …
pub fn allocate<K: Ord + Clone>(wanted: &[(K, String)]) -> BTreeMap<K, String> {
    let mut sorted: Vec<&(K, String)> = wanted.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    let mut used: HashSet<String> = RESERVED.iter().map(|s| s.to_string()).collect();
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
