//! Hostile input in every field a stranger controls: no page, feed or API file may
//! carry script that did not come from the theme, and nothing is written outside
//! the output folder.

use std::cell::RefCell;
use std::path::Path;

use html5ever::tendril::StrTendril;
use html5ever::tokenizer::{
    BufferQueue, StartTag, TagToken, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts,
};

use crate::common::*;

/// Payloads in the spirit of the OWASP XSS filter evasion list.
const PAYLOADS: &[&str] = &[
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "\"><script>alert(1)</script>",
    "'><img src=x onerror=alert(1)>",
    "</title><script>alert(1)</script>",
    "</script><script>alert(1)</script>",
    "<a href=\"javascript:alert(1)\">x</a>",
    "[x](javascript:alert(1))",
    "`x <javascript:alert(1)>`_",
    "<javascript:alert(1)>",
    "<a href=\"jav&#x09;ascript:alert(1)\">x</a>",
    "<iframe src=\"https://evil.example/\"></iframe>",
    "<style>body{display:none}</style>",
    "<p style=\"background:url(javascript:alert(1))\">x</p>",
    "<scr<script>ipt>alert(1)</script>",
    "<!--<script>alert(1)</script>-->",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<object data=\"data:text/html,<script>alert(1)</script>\"></object>",
];

const BAD_URLS: &[&str] = &[
    "javascript:alert(1)",
    " JaVaScRiPt:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "java\tscript:alert(1)",
    "https://ok.example/\"><script>alert(1)</script>",
];

fn write_hostile_archive(data: &Path) {
    let ev = data.join("evil");
    std::fs::create_dir_all(ev.join("videos")).unwrap();
    let cat = serde_json::json!({
        "title": "Evil <script>alert(1)</script> Conf 2020",
        "description": PAYLOADS.join("\n\n"),
        "url": "javascript:alert(1)",
    });
    std::fs::write(ev.join("category.json"), cat.to_string()).unwrap();
    for (i, p) in PAYLOADS.iter().enumerate() {
        let url = BAD_URLS[i % BAD_URLS.len()];
        let talk = serde_json::json!({
            "title": format!("Talk {i} {p}"),
            "speakers": [format!("Speaker {p}"), "Ok Speaker"],
            "tags": [format!("tag {p}"), "ok"],
            "description": PAYLOADS.join("\n\n"),
            "summary": p,
            "recorded": "2020-01-01",
            "language": p,
            "copyright_text": p,
            "quality_notes": p,
            "thumbnail_url": url,
            "related_urls": [url, {"label": p, "url": url}, {"label": p, "url": "https://ok.example/"}],
            "videos": [
                {"type": "youtube", "url": url},
                {"type": p, "url": "https://www.youtube.com/watch?v=dQw4w9WgXcQ"},
                {"type": "mp4", "url": format!("https://ok.example/{i}.mp4?x=\"><script>")},
            ],
            "slug": format!("../../escape-{i}"),
            "alias": format!("../../../escape-alias-{i}"),
            "id": 9000 + i,
        });
        std::fs::write(ev.join("videos").join(format!("t{i}.json")), talk.to_string()).unwrap();
    }
    // Archive API records with hostile embed snippets.
    let api: Vec<serde_json::Value> = PAYLOADS
        .iter()
        .enumerate()
        .map(|(i, p)| {
            serde_json::json!({
                "title": format!("Api {i} {p}"), "category": format!("Api {p}"), "state": 1,
                "embed": format!("<iframe src=\"javascript:alert(1)\"></iframe>{p}<iframe src=\"https://evil.example/x\"></iframe>"),
                "video_mp4_url": BAD_URLS[i % BAD_URLS.len()], "language": "English",
            })
        })
        .collect();
    std::fs::write(data.join("api.json"), serde_json::Value::Array(api).to_string()).unwrap();
}

#[derive(Default)]
struct Findings {
    bad: Vec<String>,
    in_script: Option<String>,
}

struct Scan<'a> {
    findings: &'a RefCell<Findings>,
    file: &'a str,
}

impl TokenSink for Scan<'_> {
    type Handle = ();
    fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
        let mut f = self.findings.borrow_mut();
        let opens_script = matches!(&token, TagToken(tag) if tag.kind == StartTag && &*tag.name == "script");
        match token {
            TagToken(tag) if tag.kind == StartTag => {
                let name = tag.name.to_string();
                for a in &tag.attrs {
                    let attr = a.name.local.to_string();
                    let value: String = a
                        .value
                        .chars()
                        .filter(|c| !c.is_whitespace() && !c.is_control())
                        .collect();
                    let value = value.to_ascii_lowercase();
                    if attr.starts_with("on") {
                        f.bad.push(format!("{}: <{name} {attr}=…>", self.file));
                    }
                    if attr == "style" {
                        f.bad.push(format!("{}: style attribute on <{name}>", self.file));
                    }
                    let refresh = tag.attrs.iter().any(|a| &*a.name.local == "http-equiv");
                    let url_attr = matches!(
                        attr.as_str(),
                        "href" | "src" | "action" | "poster" | "data-embed" | "formaction"
                    ) || (attr == "content" && refresh);
                    if url_attr && ["javascript:", "data:", "vbscript:"].iter().any(|s| value.contains(s)) {
                        f.bad.push(format!("{}: <{name} {attr}=\"{value}\">", self.file));
                    }
                }
                let search_form = name == "form" && tag.attrs.iter().any(|a| &*a.name.local == "role");
                let active = matches!(
                    name.as_str(),
                    "iframe" | "object" | "embed" | "svg" | "math" | "style" | "form" | "base"
                );
                if active && !search_form {
                    f.bad.push(format!("{}: <{name}> element", self.file));
                }
                if name == "script" {
                    let src = tag
                        .attrs
                        .iter()
                        .find(|a| &*a.name.local == "src")
                        .map(|a| a.value.to_string());
                    let ty = tag
                        .attrs
                        .iter()
                        .find(|a| &*a.name.local == "type")
                        .map(|a| a.value.to_string());
                    match (src.as_deref(), ty.as_deref()) {
                        (Some("/static/player.js"), None) | (Some("/static/search.js"), Some("module")) => {}
                        (None, Some("application/ld+json")) => f.in_script = Some(String::new()),
                        other => f.bad.push(format!("{}: unexpected <script> {other:?}", self.file)),
                    }
                }
            }
            Token::CharacterTokens(t) => {
                if let Some(s) = f.in_script.as_mut() {
                    s.push_str(&t);
                }
            }
            TagToken(tag) if &*tag.name == "script" => {
                if let Some(json) = f.in_script.take() {
                    if serde_json::from_str::<serde_json::Value>(&json).is_err() {
                        f.bad.push(format!("{}: JSON-LD does not parse", self.file));
                    }
                }
            }
            _ => {}
        }
        if opens_script {
            return TokenSinkResult::RawData(html5ever::tokenizer::states::RawKind::ScriptData);
        }
        TokenSinkResult::Continue
    }
}

fn scan_html(file: &str, text: &str) -> Vec<String> {
    let findings = RefCell::new(Findings::default());
    let tok = Tokenizer::new(
        Scan {
            findings: &findings,
            file,
        },
        TokenizerOpts::default(),
    );
    let queue = BufferQueue::default();
    queue.push_back(StrTendril::from_slice(text));
    let _ = tok.feed(&queue);
    tok.end();
    findings.into_inner().bad
}

#[test]
fn hostile_input_never_becomes_script() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    write_hostile_archive(&data);
    let out = tmp.path().join("out").join("site");
    let report = build_into(&data, &out, |_| {});
    assert!(
        report.talks >= PAYLOADS.len() * 2,
        "all hostile talks are published: {}",
        report.talks
    );
    let tree = read_tree(&out);
    let mut bad = Vec::new();
    for (rel, bytes) in &tree {
        let text = String::from_utf8_lossy(bytes);
        if rel.ends_with(".html") {
            bad.extend(scan_html(rel, &text));
        } else if rel.ends_with("atom.xml") || rel.ends_with("rss.xml") {
            // Feed readers render entry content as HTML: it must be as clean as a page.
            let feed = feed_rs::parser::parse(bytes.as_slice()).unwrap_or_else(|e| panic!("{rel}: {e}"));
            for e in &feed.entries {
                let body = e.content.as_ref().and_then(|c| c.body.clone()).unwrap_or_default();
                // An Atom summary is plain text (shown as text); RSS descriptions are HTML.
                let summary = e
                    .summary
                    .as_ref()
                    .filter(|s| s.content_type.essence().to_string() == "text/html")
                    .map(|s| s.content.clone())
                    .unwrap_or_default();
                bad.extend(scan_html(rel, &body));
                bad.extend(scan_html(rel, &summary));
                for l in &e.links {
                    if !l.href.starts_with("http://") && !l.href.starts_with("https://") {
                        bad.push(format!("{rel}: link {}", l.href));
                    }
                }
            }
        } else if rel.ends_with(".json") && !rel.starts_with("pagefind/") {
            // The JSON API carries the stranger's text as data, in valid JSON.
            assert!(
                serde_json::from_slice::<serde_json::Value>(bytes).is_ok(),
                "{rel} is valid JSON"
            );
        } else if rel == "_redirects" {
            assert!(!text.contains("javascript:") && !text.contains('<'), "{text}");
        }
    }
    assert_eq!(bad, Vec::<String>::new());
    // Nothing escaped the output folder.
    for entry in std::fs::read_dir(tmp.path()).unwrap() {
        let name = entry.unwrap().file_name();
        assert!(name == "data" || name == "out", "unexpected {name:?} next to the site");
    }
    assert_eq!(std::fs::read_dir(tmp.path().join("out")).unwrap().count(), 1);
    // Dropped URLs are reported as warnings.
    assert!(report
        .problems
        .iter()
        .any(|p| p.message.contains("is not an http(s) URL; dropped")));
}

#[test]
fn json_ld_of_every_sample_talk_matches_the_data() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("site");
    build_into(&repo().join("content"), &out, |_| {});
    let mut checked = 0;
    for (rel, bytes) in read_tree(&out) {
        if !rel.starts_with("events/") || !rel.ends_with(".html") {
            continue;
        }
        let text = String::from_utf8(bytes).unwrap();
        if !text.contains("<article class=\"talk\">") {
            continue;
        }
        let json = text
            .split("<script type=\"application/ld+json\">")
            .nth(1)
            .unwrap()
            .split("</script>")
            .next()
            .unwrap();
        let ld: serde_json::Value = serde_json::from_str(json).unwrap_or_else(|e| panic!("{rel}: {e}"));
        assert_eq!(ld["@type"], "VideoObject", "{rel}");
        let h1 = text.split("<h1>").nth(1).unwrap().split("</h1>").next().unwrap();
        assert_eq!(podium::render::escape_html(ld["name"].as_str().unwrap()), h1, "{rel}");
        for field in ["description", "thumbnailUrl", "uploadDate"] {
            assert!(ld[field].as_str().is_some_and(|s| !s.is_empty()), "{rel}: {field}");
        }
        assert!(
            ld["embedUrl"].is_string() || ld["contentUrl"].is_string(),
            "{rel}: a video URL"
        );
        let date = text
            .split("<time datetime=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap();
        assert_eq!(ld["uploadDate"], date, "{rel}");
        if let Some(d) = ld["duration"].as_str() {
            assert!(d.starts_with("PT"), "{rel}: ISO 8601 duration");
        }
        checked += 1;
    }
    assert_eq!(checked, 148);
}

/// Attack: Pagefind takes the strings of a search record as HTML (its excerpts,
/// meta, filter values), so a talk field such as an event title
/// `<img src=x onerror=…>` would run on /search/. Every string of every record
/// built from the hostile fixture must be escaped text: no `<`, `>`, `"` or `'`,
/// and `&` only as the start of an entity — and decoding it gives the field back.
#[test]
fn search_records_of_a_hostile_talk_are_escaped_text() {
    let data = repo().join("tests/fixtures/hostile");
    let loaded = podium::load::load(&data, &Default::default()).expect("loads");
    let (archive, _) = podium::normalize::normalize(loaded, &Default::default());
    let config = podium::Config::default();
    let site = podium::render::Site::new(&archive, &config).expect("site");
    let records = podium::search_records::records(&site);
    assert_eq!(records.len(), 2);
    let escaped = |what: &str, s: &str| {
        assert!(!s.contains(['<', '>', '"', '\'']), "{what} is not escaped: {s}");
        for (i, _) in s.match_indices('&') {
            let rest = &s[i..];
            assert!(
                ["&amp;", "&lt;", "&gt;", "&quot;", "&#x27;"]
                    .iter()
                    .any(|e| rest.starts_with(e)),
                "{what}: bare & in {s}"
            );
        }
    };
    let mut strings = 0;
    for r in &records {
        escaped("title", &r.title);
        escaped("content", &r.content);
        for (k, v) in r.meta.iter().chain(&r.sort) {
            escaped(k, k);
            escaped(k, v);
            strings += 1;
        }
        for (k, vs) in &r.filters {
            escaped(k, k);
            for v in vs {
                escaped(k, v);
                strings += 1;
            }
        }
        let talk = archive.talks.iter().find(|t| r.url.contains(&t.slug)).expect("talk");
        assert!(
            talk.title.contains("<img") && talk.description.contains("<img"),
            "fixture lost its payloads"
        );
        assert_eq!(html_escape::decode_html_entities(&r.title), talk.title);
        assert_eq!(html_escape::decode_html_entities(&r.content), talk.description);
        let event = &archive.events[talk.event].title;
        assert!(event.contains("<img"));
        assert_eq!(html_escape::decode_html_entities(&r.filters["event"][0]), *event);
    }
    assert!(strings > 20, "only {strings} meta, sort and filter strings checked");
}
