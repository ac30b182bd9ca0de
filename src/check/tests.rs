//! Unit tests of the check helpers; the rule fixtures are in `tests/it/check.rs`.

use super::*;

#[test]
fn speaker_key_ignores_case_accents_forms_and_spaces() {
    let k = speaker_key("Stéfan van der Walt");
    assert_eq!(speaker_key("Ste\u{301}fan van der  Walt"), k);
    assert_eq!(speaker_key(" stefan VAN der walt"), k);
    assert_ne!(speaker_key("Stefan van der Wal"), k);
    assert_eq!(tag_key("Django"), tag_key("django"));
}

#[test]
fn repeats_compare_json_not_only_typed_fields() {
    // Typed alike (unknown keys are dropped), different as JSON: not a repeat.
    let text = r#"{"videos": [{"type": "a", "url": "u", "x": 1}, {"type": "a", "url": "u", "x": 2}, {"url": "u", "type": "a", "x": 1}]}"#;
    let ctx = FileCtx::new(Path::new("t.json"), text);
    let v = crate::load::RawVideo {
        kind: Some("a".into()),
        url: Some("u".into()),
        size: None,
        length: None,
    };
    let items = vec![v.clone(), v.clone(), v];
    assert_eq!(ctx.repeats("/videos", &items, 1), None);
    assert_eq!(ctx.repeats("/videos", &items, 2), Some(0));
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
