//! Malformed files: each is named with line and column where there is one, the build
//! fails with exit code 1, and the previous site stays byte-identical.

use crate::support::Site;

const BAD: &str = "content/ev/videos/bad.json";

/// Builds a good site, adds `bytes` as a talk file, and expects exactly `error`.
fn rejected(bytes: impl AsRef<[u8]>, error: &str) {
    let site = Site::built();
    site.write(BAD, bytes);
    site.assert_rejected(&[], &[error]);
}

#[test]
fn truncated_json() {
    rejected(
        "{\n  \"title\": \"B\",\n  \"videos\": [\n",
        "content/ev/videos/bad.json:4:1: error: EOF while parsing a list",
    );
}

#[test]
fn trailing_garbage() {
    rejected(
        "{\"title\": \"B\", \"videos\": []}\n}x",
        "content/ev/videos/bad.json:2:1: error: trailing characters",
    );
}

// A UTF-8 byte-order mark is stripped (as Zola does), not an error.
#[test]
fn byte_order_mark_is_accepted() {
    let site = Site::built();
    site.write(BAD, "\u{feff}{\"title\": \"With BOM\", \"videos\": []}");
    site.assert_built(&[], &[]);
    assert!(site
        .read("public/events/ev/with-bom/index.html")
        .contains("<h1>With BOM</h1>"));
}

#[test]
fn invalid_utf8() {
    rejected(
        b"{\n  \"title\": \"caf\xe9\",\n  \"videos\": []\n}".as_slice(),
        "content/ev/videos/bad.json:2:16: error: invalid UTF-8; files must be UTF-8 encoded",
    );
}

// A raw NUL byte inside a string is invalid JSON.
#[test]
fn raw_nul_byte_in_a_string() {
    rejected(
        b"{\"title\": \"a\x00b\", \"videos\": []}".as_slice(),
        "content/ev/videos/bad.json:1:13: error: control character (\\u0000-\\u001F) found while parsing a string",
    );
}

// An escaped NUL (`\u0000`) is valid JSON: it is dropped, never published.
#[test]
fn escaped_nul_in_a_string_is_dropped() {
    let site = Site::built();
    site.write(
        BAD,
        r#"{"title": "a\u0000b", "speakers": ["x\u0000y"], "description": "d\u0000e", "videos": []}"#,
    );
    site.assert_built(&[], &[]);
    let page = site.read("public/events/ev/a-b/index.html");
    assert!(page.contains("<h1>a b</h1>"), "{page}");
    for (path, node) in site.snapshot() {
        // The search index is gzipped binary; everything else is text.
        if path.components().any(|c| c.as_os_str() == "pagefind") {
            continue;
        }
        if let crate::support::Node::File(bytes) = node {
            assert!(!bytes.contains(&0), "NUL byte published in {}", path.display());
        }
    }
}

#[test]
fn empty_file() {
    rejected(
        "",
        "content/ev/videos/bad.json: error: file is empty; expected a JSON object",
    );
}

#[test]
fn whitespace_only_file() {
    rejected(
        " \n\t\n",
        "content/ev/videos/bad.json: error: file is empty; expected a JSON object",
    );
}

// The event's talks are not blamed: one warning says they are skipped with it.
#[test]
fn zero_byte_category_json() {
    let site = Site::built();
    site.write("content/ev/category.json", "");
    site.assert_rejected(
        &[],
        &[
            "content/ev/category.json: error: file is empty; expected a JSON object",
            "content/ev/category.json: warning: 1 talk(s) of this event skipped because this file is invalid",
        ],
    );
}

// Refused from its size, before it is read into memory.
#[test]
fn json_file_of_100_mb() {
    let mut body = Vec::with_capacity(100 * 1024 * 1024);
    body.extend_from_slice(b"{\"title\": \"Huge\", \"videos\": [], \"description\": \"");
    body.resize(100 * 1024 * 1024 - 2, b'a');
    body.extend_from_slice(b"\"}");
    rejected(
        body,
        "content/ev/videos/bad.json: error: file is 100.0 MiB; files over 32 MiB are refused",
    );
}

#[test]
fn nesting_10000_levels_deep() {
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    // A list of records whose first record is not an object.
    rejected(
        deep.clone(),
        "content/ev/videos/bad.json:1:2: error: invalid type: sequence, expected a string",
    );
    // Deep inside a typed field: serde_json's recursion limit, not a stack overflow.
    rejected(
        format!("{{\"title\": \"B\", \"videos\": [], \"related_urls\": {deep}}}"),
        "content/ev/videos/bad.json:1:172: error: recursion limit exceeded",
    );
}

// Unknown fields are skipped without recursion, however deep.
#[test]
fn nesting_10000_levels_deep_in_an_unknown_field_is_ignored() {
    let site = Site::built();
    let deep = format!("{}1{}", "{\"a\": ".repeat(10_000), "}".repeat(10_000));
    site.write(
        BAD,
        format!("{{\"title\": \"Deep\", \"videos\": [], \"extra\": {deep}}}"),
    );
    site.assert_built(&[], &[]);
    assert!(site.exists("public/events/ev/deep/index.html"));
}

#[test]
fn number_where_a_string_is_expected() {
    rejected(
        "{\n  \"title\": 5,\n  \"videos\": []\n}",
        "content/ev/videos/bad.json:2:12: error: invalid type: integer `5`, expected a string",
    );
}

#[test]
fn not_an_object() {
    rejected(
        "\"just a string\"",
        "content/ev/videos/bad.json:1:1: error: expected a JSON object (a talk record) or an array of records",
    );
}
