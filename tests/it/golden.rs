//! Golden test: 33 real descriptions (CC0, from pyvideo/data) that use the constructs
//! the renderer must handle — bare URLs, bullet and numbered lists, reST headings, raw
//! HTML, reST links, ``literals``, `::` blocks, Markdown links, interpreted-text roles,
//! substitutions — rendered and reviewed once, then snapshotted.

#[test]
fn real_descriptions_render_as_reviewed() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/descriptions.json");
    let cases: Vec<serde_json::Value> = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert_eq!(cases.len(), 33);
    let mut out = String::new();
    for c in &cases {
        let html = podium::describe::render_description(c["description"].as_str().unwrap());
        assert!(!html.is_empty());
        out.push_str(&format!(
            "===== {} ({})\n{html}\n",
            c["file"].as_str().unwrap(),
            c["construct"].as_str().unwrap()
        ));
    }
    insta::assert_snapshot!("real_descriptions", out);
}
