//! The field rules of talk and event records, in one place: what each field must
//! hold, what a build keeps of it, and what is wrong with it when it is not right.
//!
//! One set of rules, two callers. `normalize` keeps what passes and warns about
//! what it drops (without positions); `check` reports each fault at the key it is
//! about, with its own wording ([`UrlFault::message`], [`NameFault::message`]…),
//! plus the stricter pyvideo/data schema ([`TALK_FIELDS`], [`TALK_REQUIRED`],
//! [`category_field`]) that a build does not enforce. Rules take plain values, not
//! records, so `load` (which drops unpublishable list records as it streams them)
//! can use them too; only [`crate::model`], `text`, `date`, `slugs`, `diag`, `video`
//! and `urls` are below this module.

use serde_json::Value;

use crate::config::UrlStyle;
use crate::date::Date;
use crate::diag::Severity;
use crate::model::Format;
use crate::slugs;
use crate::text::clean_line;

// ----------------------------------------------------------------- titles

/// The message for a talk that belongs to no event.
pub const NO_EVENT: &str = "talk has no event: put it under a folder with a category.json, or set `category`";

/// Why a record can never be published whatever its other fields hold, if it
/// can't. `listed`: the record is an element of a list or page, which is always
/// an archive API record, so it needs its own `category`.
pub fn unpublishable(title: Option<&str>, category: Option<&str>, listed: bool) -> Option<&'static str> {
    let blank = |s: Option<&str>| s.is_none_or(|t| t.trim().is_empty());
    if title.is_none() {
        Some("missing field `title`")
    } else if blank(title) {
        Some("`title` is empty")
    } else if listed && blank(category) {
        Some(NO_EVENT)
    } else {
        None
    }
}

/// A title as published: one clean line, `None` when nothing is left.
pub fn title(raw: &str) -> Option<String> {
    Some(clean_line(raw)).filter(|t| !t.is_empty())
}

// ------------------------------------------------------------------- URLs

/// Why a URL from the data is not published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UrlFault {
    Empty,
    /// Does not parse (the url crate's reason).
    Invalid(String),
    /// Parses, but is not http(s).
    NotHttp,
    /// http(s), but with parts [`crate::video::safe_http_url`] refuses (the reason).
    Refused(&'static str),
}

/// A URL field's value as published: an absolute http(s) URL the build keeps, or why not.
pub fn url(raw: &str) -> Result<String, UrlFault> {
    // The published form first: most URLs are fine, and this is the build's hot path.
    if let Some(ok) = crate::video::safe_http_url(raw) {
        return Ok(ok);
    }
    if raw.trim().is_empty() {
        return Err(UrlFault::Empty);
    }
    Err(match url::Url::parse(raw) {
        Err(e) => UrlFault::Invalid(e.to_string()),
        Ok(u) if !matches!(u.scheme(), "http" | "https") => UrlFault::NotHttp,
        Ok(_) if raw.contains('\\') => UrlFault::Refused("a backslash"),
        Ok(_) if raw.chars().any(|c| c.is_whitespace() || c.is_control()) => {
            UrlFault::Refused("whitespace or control characters")
        }
        Ok(_) => UrlFault::Refused("parts the build refuses (credentials, no host or invisible characters)"),
    })
}

impl UrlFault {
    /// An empty or unparsable URL is an error; one the build merely drops, a warning.
    pub fn severity(&self) -> Severity {
        match self {
            UrlFault::Empty | UrlFault::Invalid(_) => Severity::Error,
            UrlFault::NotHttp | UrlFault::Refused(_) => Severity::Warning,
        }
    }

    /// `check`'s message about field `what` holding `raw`.
    pub fn message(&self, what: &str, raw: &str) -> String {
        let raw = quoted(raw);
        match self {
            UrlFault::Empty => format!("{what} is empty, not a URL"),
            UrlFault::Invalid(e) => format!("{what} `{raw}` is not a valid URL ({e})"),
            UrlFault::NotHttp => format!("{what} `{raw}` is not an http(s) URL; the build drops it"),
            UrlFault::Refused(why) => format!("{what} `{raw}` has {why}; the build drops it"),
        }
    }
}

// ------------------------------------------------------------------ dates

/// A date as the build reads it (`recorded`, `start_date`, `end_date`):
/// surrounding whitespace ignored, `None` when it is not a date.
pub fn date(raw: &str) -> Option<Date> {
    Date::parse(raw.trim())
}

/// What is wrong with a `recorded` value under the schema's stricter rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateFault {
    /// Not of the form `YYYY-MM-DD[Thh:mm:ss[+hh:mm]]`.
    Shape,
    /// The right form, but no such day.
    Calendar,
}

/// The schema's rule for `recorded`: exactly its pattern, and a real day.
pub fn date_time_fault(s: &str) -> Option<DateFault> {
    if !date_shape(s) {
        Some(DateFault::Shape)
    } else if Date::parse(s).is_none() {
        Some(DateFault::Calendar)
    } else {
        None
    }
}

/// The schema's rule for an event's `start_date` and `end_date`: exactly `YYYY-MM-DD`.
pub fn is_plain_date(s: &str) -> bool {
    s.len() == 10 && Date::parse(s).is_some()
}

/// The schema's `YYYY-MM-DD[Thh:mm:ss[+hh:mm]]` shape (not the calendar).
pub fn date_shape(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| b.get(r).is_some_and(|d| d.iter().all(u8::is_ascii_digit));
    let date = b.len() >= 10 && digits(0..4) && b[4] == b'-' && digits(5..7) && b[7] == b'-' && digits(8..10);
    let time = |b: &[u8]| b.len() >= 9 && b[0] == b'T' && b[3] == b':' && b[6] == b':';
    date && match b.len() {
        10 => true,
        19 => time(&b[10..]) && digits(11..13) && digits(14..16) && digits(17..19),
        25 => {
            time(&b[10..])
                && digits(11..13)
                && digits(14..16)
                && digits(17..19)
                && matches!(b[19], b'+' | b'-')
                && digits(20..22)
                && b[22] == b':'
                && digits(23..25)
        }
        _ => false,
    }
}

// ------------------------------------------------------ speakers and tags

/// Most speakers or tags one talk may list. Every speaker's and tag's page shows the
/// talk with all its speakers, so output grows with the square of this number: a
/// 100 kB file naming 5,000 speakers would otherwise publish over a gigabyte.
/// (pyvideo's largest talk has 34 speakers.)
pub const MAX_NAMES_PER_TALK: usize = 100;

/// The names of a list as the build keeps them: cleaned, without blanks, the
/// first of each spelling that [`fold`](crate::text::fold)s alike. Also returns how
/// many blank names were left out.
pub fn clean_names(list: Vec<String>) -> (Vec<String>, usize) {
    let (mut out, mut blank) = (Vec::<String>::new(), 0);
    for s in list {
        let c = clean_line(&s);
        if c.is_empty() {
            blank += 1;
        } else if !out.iter().any(|o| crate::text::fold(o) == crate::text::fold(&c)) {
            out.push(c);
        }
    }
    (out, blank)
}

/// What `check` finds wrong with one entry of `speakers` or `tags`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameFault {
    /// The same string earlier in the list (an error in pyvideo records).
    Repeated,
    /// `""` as a tag (the schema's `minLength`).
    EmptyTag,
    /// Nothing but whitespace; the build ignores it.
    Blank,
    /// A speaker with leading or trailing whitespace.
    Untrimmed,
}

impl NameFault {
    pub fn severity(self) -> Severity {
        match self {
            NameFault::Blank => Severity::Warning,
            _ => Severity::Error,
        }
    }

    /// `check`'s message; `what` is `speaker` or `tag`.
    pub fn message(self, what: &str, name: &str) -> String {
        match self {
            NameFault::Repeated => format!("{what} `{}` is listed twice", quoted(name)),
            NameFault::EmptyTag => "empty tag; tags need at least one character".into(),
            NameFault::Blank => format!("empty {what} name; the build ignores it"),
            NameFault::Untrimmed => format!("speaker `{}` has leading or trailing whitespace", quoted(name)),
        }
    }
}

/// One verdict per entry of a names list: its fault, if any, and whether the name
/// counts (for the archive-wide spelling rules). Repeats are faults only in pyvideo
/// records, as is `""` as a tag.
pub fn name_faults(items: &[String], tags: bool, pyvideo: bool) -> Vec<(Option<NameFault>, bool)> {
    items
        .iter()
        .enumerate()
        .map(|(i, name)| {
            if items[..i].contains(name) {
                (pyvideo.then_some(NameFault::Repeated), false)
            } else if name.is_empty() && tags && pyvideo {
                (Some(NameFault::EmptyTag), false)
            } else if name.trim().is_empty() {
                (Some(NameFault::Blank), false)
            } else if !tags && name != name.trim() {
                (Some(NameFault::Untrimmed), true)
            } else {
                (None, true)
            }
        })
        .collect()
}

// -------------------------------------------------------------- languages

/// (code, display name) for a language given as an ISO 639-3 code (pyvideo) or a
/// full name (archive API); unknown values keep their own text.
pub fn language_of(value: &str, format: Format) -> (String, String) {
    let lower = value.to_lowercase();
    if let Some(l) = isolang::Language::from_639_3(&lower) {
        return (lower, l.to_name().to_string());
    }
    if format == Format::ApiV2 || lower.len() > 3 {
        if let Some(l) =
            isolang::Language::from_name(value).or_else(|| isolang::Language::from_name(&title_case(value)))
        {
            return (l.to_639_3().to_string(), l.to_name().to_string());
        }
    }
    (slugs::slugify(&lower), clean_line(value))
}

fn title_case(s: &str) -> String {
    let mut c = s.chars();
    c.next().map_or_else(String::new, |f| {
        f.to_uppercase().chain(c.flat_map(char::to_lowercase)).collect()
    })
}

/// What `check` finds wrong with a `language`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LanguageFault {
    /// A pyvideo record's value is not an ISO 639-3 code; the lower-cased value, when that is one.
    NotCode(Option<String>),
    /// An API record's value is neither a language name nor a code.
    Unknown,
}

/// The language rule: pyvideo records give an exact ISO 639-3 code, API records a
/// name or code that [`language_of`] recognises.
pub fn language_fault(lang: &str, format: Format) -> Option<LanguageFault> {
    if format == Format::Pyvideo {
        if isolang::Language::from_639_3(lang).is_some() {
            return None;
        }
        let lower = lang.trim().to_lowercase();
        let hint = isolang::Language::from_639_3(&lower).is_some().then_some(lower);
        return Some(LanguageFault::NotCode(hint));
    }
    let (code, _) = language_of(lang.trim(), format);
    isolang::Language::from_639_3(&code)
        .is_none()
        .then_some(LanguageFault::Unknown)
}

impl LanguageFault {
    pub fn severity(&self) -> Severity {
        match self {
            LanguageFault::NotCode(_) => Severity::Error,
            LanguageFault::Unknown => Severity::Warning,
        }
    }

    pub fn message(&self, lang: &str) -> String {
        match self {
            LanguageFault::NotCode(hint) => {
                let hint = match hint {
                    Some(lower) => format!("; use `{lower}`"),
                    None => " such as `eng` or `spa`".to_string(),
                };
                format!("`language` is `{}`, not an ISO 639-3 code{hint}", quoted(lang))
            }
            LanguageFault::Unknown => format!(
                "`language` `{}` is not a known language name or ISO 639-3 code",
                quoted(lang)
            ),
        }
    }
}

// -------------------------------------------------------------- durations

/// Durations above this (12 hours, in seconds) are probably milliseconds.
pub const MAX_LIKELY_DURATION: f64 = 12.0 * 3600.0;

/// A duration as published: whole seconds, when it is a plausible number.
pub fn duration_seconds(d: f64) -> Option<u64> {
    (0.0..1e9).contains(&d).then(|| d.round() as u64)
}

/// Whether `check` warns that a duration looks like milliseconds.
pub fn likely_milliseconds(d: f64) -> bool {
    d > MAX_LIKELY_DURATION
}

// ------------------------------------------------------- slugs and aliases

/// The slug a record asks for: its own `slug` made URL-safe, else `fallback()`.
/// Also returns the given slug when making it safe changed it (a warning).
pub fn wished_slug(given: Option<&str>, style: UrlStyle, fallback: impl FnOnce() -> String) -> (String, Option<&str>) {
    match given.map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => {
            let safe = slugs::given_slug(s, style);
            let changed = (safe != s).then_some(s);
            (safe, changed)
        }
        None => (fallback(), None),
    }
}

/// An old site path a talk should redirect from, `/`-trimmed, if it is a plain relative
/// path: `/`-separated parts of ASCII letters, digits, `-`, `_` and `.`, none starting with
/// `.`, so it can never leave the output folder or hit a hidden file.
pub fn safe_alias(alias: &str) -> Option<&str> {
    let a = alias.trim_matches('/');
    let ok = crate::urls::is_safe_rel_path(a)
        && a.split('/').all(|seg| !seg.starts_with('.'))
        && a.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'-' | b'_' | b'.'));
    ok.then_some(a)
}

// ------------------------------------------------- the pyvideo/data schema

/// What a field may hold, per the published pyvideo/data schemas.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ty {
    Str,
    StrOrNull,
    IntOrNull,
    Array,
}

impl Ty {
    /// Whether `v` fits.
    pub fn admits(self, v: &Value) -> bool {
        match self {
            Ty::Str => v.is_string(),
            Ty::StrOrNull => v.is_string() || v.is_null(),
            Ty::IntOrNull => v.is_null() || is_integer(v),
            Ty::Array => v.is_array(),
        }
    }

    /// `a string or null`…, for messages.
    pub fn wanted(self) -> &'static str {
        match self {
            Ty::Str => "a string",
            Ty::StrOrNull => "a string or null",
            Ty::IntOrNull => "an integer or null",
            Ty::Array => "an array",
        }
    }
}

/// The fields of a pyvideo talk (`video.json` schema) and their types.
pub const TALK_FIELDS: &[(&str, Ty)] = &[
    ("alias", Ty::StrOrNull),
    ("category", Ty::StrOrNull),
    ("copyright_text", Ty::StrOrNull),
    ("description", Ty::StrOrNull),
    ("duration", Ty::IntOrNull),
    ("id", Ty::IntOrNull),
    ("language", Ty::StrOrNull),
    ("quality_notes", Ty::StrOrNull),
    ("recorded", Ty::StrOrNull),
    ("related_urls", Ty::Array),
    ("slug", Ty::StrOrNull),
    ("speakers", Ty::Array),
    ("summary", Ty::StrOrNull),
    ("tags", Ty::Array),
    ("thumbnail_url", Ty::StrOrNull),
    ("title", Ty::Str),
    ("videos", Ty::Array),
];

/// Required fields of a pyvideo talk, and how to fill them when unknown.
pub const TALK_REQUIRED: &[(&str, &str)] = &[
    ("title", ""),
    ("speakers", "; use `[]` if unknown"),
    ("recorded", "; use `null` if unknown"),
    ("description", "; use `null` or `\"\"` if there is none"),
    ("videos", "; a talk needs at least one {\"type\", \"url\"} entry"),
];

/// The fields a pyvideo `category.json` may have (the schema forbids others).
pub const CATEGORY_FIELDS: &[&str] = &["alias", "description", "end_date", "start_date", "title", "url"];

/// How the schema treats one key of a `category.json`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CategoryField {
    Typed(Ty),
    /// `slug`: podium's extension, read by the build, rejected by pyvideo's validator.
    PodiumSlug,
    Unknown,
}

pub fn category_field(key: &str) -> CategoryField {
    match key {
        "title" | "url" | "start_date" | "end_date" => CategoryField::Typed(Ty::Str),
        "alias" | "description" => CategoryField::Typed(Ty::StrOrNull),
        "slug" => CategoryField::PodiumSlug,
        _ => CategoryField::Unknown,
    }
}

/// `"a string"`, `"null"`…: what a value is, for type messages.
pub fn kind(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(_) => "a boolean".into(),
        Value::Number(n) if is_integer(v) => format!("an integer ({n})"),
        Value::Number(n) => format!("a number with a fraction ({n})"),
        Value::String(_) => "a string".into(),
        Value::Array(_) => "an array".into(),
        Value::Object(_) => "an object".into(),
    }
}

/// JSON Schema draft 6+ integers: `3` and `3.0`, not `3.5`.
pub fn is_integer(v: &Value) -> bool {
    match v {
        Value::Number(n) => n.is_i64() || n.is_u64() || n.as_f64().is_some_and(|f| f.fract() == 0.0),
        _ => false,
    }
}

/// A raw value as quoted in `check`'s messages: its first 80 characters, with
/// control and bidi characters escaped (see [`crate::diag::shown`]), so that data
/// cannot forge a diagnostic line.
pub fn quoted(s: &str) -> String {
    crate::diag::shown(s, 80)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_shape_follows_the_schema_pattern() {
        for ok in [
            "2019-02-30",
            "2019-01-01T10:00:00",
            "2019-01-01T10:00:00+02:00",
            "2019-01-01T10:00:00-05:30",
        ] {
            assert!(date_shape(ok), "{ok}");
        }
        for bad in [
            "",
            "2019-1-1",
            "2019/01/01",
            "2019-01-01 10:00",
            "2019-01-01T10:00",
            "2019-01-01T10:00:00Z",
            "2019-01-01x",
        ] {
            assert!(!date_shape(bad), "{bad}");
        }
        assert_eq!(date_time_fault("2019-02-30"), Some(DateFault::Calendar));
        assert_eq!(date_time_fault(" 2019-02-03"), Some(DateFault::Shape));
        assert!(date(" 2019-02-03").is_some(), "the build trims");
    }

    #[test]
    fn integers_follow_json_schema() {
        assert!(is_integer(&serde_json::json!(3)));
        assert!(is_integer(&serde_json::json!(3.0)));
        assert!(!is_integer(&serde_json::json!(3.5)));
        assert_eq!(kind(&serde_json::json!(3.5)), "a number with a fraction (3.5)");
        assert!(!Ty::IntOrNull.admits(&serde_json::json!("3")));
    }

    #[test]
    fn url_faults_agree_with_what_the_build_keeps() {
        for (raw, fault) in [
            ("", Some(UrlFault::Empty)),
            ("ftp://x.org/a", Some(UrlFault::NotHttp)),
            ("https://x.org/\\a", Some(UrlFault::Refused("a backslash"))),
            (
                "https://x.org/a\tb",
                Some(UrlFault::Refused("whitespace or control characters")),
            ),
            (
                "https://u:p@x.org/",
                Some(UrlFault::Refused(
                    "parts the build refuses (credentials, no host or invisible characters)",
                )),
            ),
            ("https://x.org/a", None),
        ] {
            assert_eq!(url(raw).err(), fault, "{raw}");
            assert_eq!(url(raw).ok(), crate::video::safe_http_url(raw), "{raw}");
        }
        assert!(matches!(url("not a url"), Err(UrlFault::Invalid(_))));
    }

    #[test]
    fn names_rules() {
        let items: Vec<String> = ["A", "A", "", " ", " B "].map(String::from).to_vec();
        let v = name_faults(&items, false, true);
        assert_eq!(v[1], (Some(NameFault::Repeated), false));
        assert_eq!(v[2], (Some(NameFault::Blank), false));
        assert_eq!(v[4], (Some(NameFault::Untrimmed), true));
        assert_eq!(name_faults(&items, true, true)[2], (Some(NameFault::EmptyTag), false));
        assert_eq!(name_faults(&items, false, false)[1], (None, false));
        let (kept, blank) = clean_names(items);
        assert_eq!((kept, blank), (vec!["A".to_string(), "B".to_string()], 2));
    }

    #[test]
    fn languages_from_codes_and_names() {
        assert_eq!(language_of("eng", Format::Pyvideo), ("eng".into(), "English".into()));
        assert_eq!(language_of("English", Format::ApiV2), ("eng".into(), "English".into()));
        assert_eq!(language_of("xx-klingon", Format::Pyvideo).1, "xx-klingon");
        assert_eq!(
            language_fault("ENG", Format::Pyvideo),
            Some(LanguageFault::NotCode(Some("eng".into())))
        );
        assert_eq!(language_fault("English", Format::ApiV2), None);
        assert_eq!(
            language_fault("Klingonese", Format::ApiV2),
            Some(LanguageFault::Unknown)
        );
    }
}
