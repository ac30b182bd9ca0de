//! Property tests of what the fuzz targets check (see `fuzz/`), run in every
//! `cargo test`, plus a replay of every input the fuzzers ever saved in
//! `fuzz/regressions/<target>/`.

use proptest::prelude::*;
use serde_json::{json, Value};

use crate::invariants::{check_redirect_source, check_redirects_txt, check_slugging, check_talk_file, html_problem};

/// Strings built from the pieces that break paths and slugs.
fn path_like() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("..".to_string()),
        Just("/".to_string()),
        Just("\\".to_string()),
        Just("%2e%2e".to_string()),
        Just("%2f".to_string()),
        Just("C:".to_string()),
        Just(".".to_string()),
        Just("\u{200b}".to_string()),
        Just("\u{202e}".to_string()),
        Just("e\u{301}".to_string()),
        Just("😀".to_string()),
        Just("محمد".to_string()),
        Just("-".to_string()),
        Just("_".to_string()),
        "[a-zA-Z0-9 ]{1,8}",
        "[!-/:-@\\[-`{-~]{1,4}",
    ];
    prop::collection::vec(piece, 0..12).prop_map(|v| v.concat())
}

/// Descriptions built from markup that sanitisers have got wrong.
fn hostile_markup() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("<script>alert(1)</script>".to_string()),
        Just("<scr<script>ipt>".to_string()),
        Just("<img src=x onerror=alert(1)>".to_string()),
        Just("<a href=\"javascript:alert(1)\">x</a>".to_string()),
        Just("<a href=\"jav&#x09;ascript:alert(1)\">x</a>".to_string()),
        Just("[x](javascript:alert(1))".to_string()),
        Just("[x](JaVaScRiPt:alert(1))".to_string()),
        Just("![x](javascript:alert(1))".to_string()),
        Just("<javascript:alert(1)>".to_string()),
        Just("<svg onload=alert(1)>".to_string()),
        Just("<iframe src=\"javascript:alert(1)\"></iframe>".to_string()),
        Just("<style>@import 'x'</style>".to_string()),
        Just("<!--".to_string()),
        Just("-->".to_string()),
        Just("`code`".to_string()),
        Just("```\n<script>\n```".to_string()),
        Just(".. raw:: html\n\n   <script>alert(1)</script>\n".to_string()),
        Just("`x <javascript:alert(1)>`_".to_string()),
        Just("\n\n".to_string()),
        Just("&lt;script&gt;".to_string()),
        Just(" onclick=\"x\" ".to_string()),
        // reST roles and substitutions put text inside inline HTML (`<sub>`) and links.
        Just(" :sub:`".to_string()),
        Just(" :sup:`<img src=x onerror=alert(1)>` ".to_string()),
        Just(" :math:`".to_string()),
        Just("|x|".to_string()),
        Just(" |x|_ ".to_string()),
        Just("\n\n.. |x| replace:: <script>alert(1)</script>\n".to_string()),
        Just("\n\n.. |x| image:: javascript:alert(1)\n".to_string()),
        Just("\n\n.. _x: javascript:alert(1)\n".to_string()),
        "[a-z<>=\"' /:&#;]{0,12}",
    ];
    prop::collection::vec(piece, 0..10).prop_map(|v| v.concat())
}

const FIELDS: &[&str] = &[
    "title",
    "speakers",
    "tags",
    "recorded",
    "description",
    "summary",
    "language",
    "duration",
    "videos",
    "thumbnail_url",
    "related_urls",
    "copyright_text",
    "quality_notes",
    "slug",
    "id",
    "alias",
    "category",
    "state",
    "embed",
    "video_mp4_url",
    "video_mp4_length",
    "results",
];

/// Any JSON value, small, with strings from `path_like`.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| json!(f)),
        path_like().prop_map(Value::from),
        Just(json!("https://www.youtube.com/watch?v=abcdefghijk")),
        Just(json!("2011-03-11T10:20:30+05:30")),
        Just(json!("<iframe src=\"//player.vimeo.com/video/1234\"></iframe>")),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::btree_map(prop::sample::select(FIELDS).prop_map(str::to_string), inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Talk records of either format: mostly well-typed, sometimes not.
fn talk_record() -> impl Strategy<Value = Value> {
    prop::collection::btree_map(prop::sample::select(FIELDS), json_value(), 0..12).prop_map(|m| {
        let mut obj = serde_json::Map::new();
        obj.insert("title".into(), json!("T"));
        for (k, v) in m {
            obj.insert(k.to_string(), v);
        }
        Value::Object(obj)
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn slugs_are_safe_for_any_string(name in any::<String>()) {
        check_slugging(&name).map_err(TestCaseError::fail)?;
    }

    #[test]
    fn slugs_are_safe_for_path_like_names(name in path_like()) {
        check_slugging(&name).map_err(TestCaseError::fail)?;
    }

    #[test]
    fn descriptions_are_safe_for_any_string(text in any::<String>()) {
        let html = podium::describe::render_description(&text);
        prop_assert_eq!(html_problem(&html), None, "{:?} → {}", text, html);
    }

    #[test]
    fn descriptions_are_safe_for_hostile_markup(text in hostile_markup()) {
        let html = podium::describe::render_description(&text);
        prop_assert_eq!(html_problem(&html), None, "{:?} → {}", text, html);
    }

    #[test]
    fn redirect_sources_are_safe_for_path_like_strings(a in path_like(), b in path_like(), known in prop::sample::select(vec!["robots.txt", "static/style.css", "static/style.css/x", "pagefind/x", "_redirects", "index.html", "events/ev/", "api/v2"])) {
        for source in [a.clone(), known.to_string(), format!("/{known}/{a}"), format!("{a}/{known}")] {
            check_redirect_source(&source).map_err(TestCaseError::fail)?;
        }
        check_redirects_txt(&format!("{a} /x\n/{known} {b}\n# c\n{a} {b} extra\n")).map_err(TestCaseError::fail)?;
    }

    #[test]
    fn talk_files_of_any_bytes(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        check_talk_file(&bytes).map_err(TestCaseError::fail)?;
    }

    #[test]
    fn talk_records_of_any_shape(record in talk_record(), as_list in any::<bool>()) {
        let value = if as_list { json!([record]) } else { record };
        check_talk_file(value.to_string().as_bytes()).map_err(TestCaseError::fail)?;
    }
}

/// The checker itself catches what it is meant to catch.
#[test]
fn html_checker_finds_unsafe_markup() {
    for bad in [
        "<p>x<SCRIPT>",
        "<img src=x onerror=alert(1)>",
        "<a href=\"jav&#x09;ascript:alert(1)\">",
        "<a href='JAVASCRIPT&colon;x'>",
        "<a title=x href = javascript:x>",
        "<svg/onload=x>",
    ] {
        assert!(html_problem(bad).is_some(), "{bad}");
    }
    for good in [
        "<p>javascript: is a word; onclick= too</p>",
        "<a href=\"https://x.org/?q=javascript\" title=\"onerror\">x</a>",
        "&lt;script&gt;",
    ] {
        assert_eq!(html_problem(good), None, "{good}");
    }
}

/// Every input a fuzz target saved (crashes, and the seeds that found them).
#[test]
fn fuzz_regressions() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions");
    let mut replayed = 0;
    for (target, check) in [
        ("parse_talk", check_talk_file as fn(&[u8]) -> Result<(), String>),
        // The `&str` targets skip inputs that are not UTF-8, as libFuzzer does.
        ("describe", |b: &[u8]| match std::str::from_utf8(b) {
            Ok(text) => html_problem(&podium::describe::render_description(text)).map_or(Ok(()), Err),
            Err(_) => Ok(()),
        }),
        ("slugify", |b: &[u8]| {
            std::str::from_utf8(b).map_or(Ok(()), check_slugging)
        }),
        ("redirects", |b: &[u8]| {
            std::str::from_utf8(b).map_or(Ok(()), |t| {
                check_redirect_source(t).and_then(|()| check_redirects_txt(t))
            })
        }),
    ] {
        let Ok(dir) = std::fs::read_dir(root.join(target)) else {
            continue;
        };
        for entry in dir {
            let path = entry.unwrap().path();
            let bytes = std::fs::read(&path).unwrap();
            if let Err(e) = check(&bytes) {
                panic!("{}: {e}", path.display());
            }
            replayed += 1;
        }
    }
    assert!(replayed > 0, "no regression inputs found under {}", root.display());
}
