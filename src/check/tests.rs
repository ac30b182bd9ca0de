//! Unit tests of the check helpers; the rule fixtures are in `tests/it/check.rs`.

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
}

#[test]
fn speaker_key_ignores_case_accents_forms_and_spaces() {
    let k = speaker_key("Stéfan van der Walt");
    assert_eq!(speaker_key("Ste\u{301}fan van der  Walt"), k);
    assert_eq!(speaker_key(" stefan VAN der walt"), k);
    assert_ne!(speaker_key("Stefan van der Wal"), k);
    assert_eq!(tag_key("Django"), tag_key("django"));
}

#[test]
fn integers_follow_json_schema() {
    assert!(is_integer(&serde_json::json!(3)));
    assert!(is_integer(&serde_json::json!(3.0)));
    assert!(!is_integer(&serde_json::json!(3.5)));
    assert_eq!(kind(&serde_json::json!(3.5)), "a number with a fraction (3.5)");
}

#[test]
fn report_summary_and_json() {
    let r = CheckReport {
        problems: vec![
            Problem::error("a.json", "bad").at(2, 3),
            Problem::warning("b.json", "meh"),
        ],
        counts: vec![("talks", 2), ("events", 1)],
    };
    assert_eq!(r.summary(), "checked 2 talks, 1 events: 1 error(s), 1 warning(s)");
    let v: Value = serde_json::from_str(&r.to_json()).unwrap();
    assert_eq!(
        v["problems"][0],
        serde_json::json!({"path": "a.json", "line": 2, "column": 3, "severity": "error", "message": "bad"})
    );
    assert_eq!(v["problems"][1]["line"], Value::Null);
    assert_eq!(
        v["summary"],
        serde_json::json!({"talks": 2, "events": 1, "errors": 1, "warnings": 1})
    );
}
