//! Valid JSON with bad values: missing or empty fields, duplicate ids and slugs,
//! path-like slugs and aliases, and hostile or exotic names.

use crate::support::{Node, Site};

const BAD: &str = "content/ev/videos/bad.json";

// Every optional field of both formats and of category.json may be `null`.
#[test]
fn null_in_every_optional_field() {
    let site = Site::built();
    let nulls = [
        "speakers",
        "tags",
        "recorded",
        "description",
        "summary",
        "language",
        "duration",
        "thumbnail_url",
        "related_urls",
        "copyright_text",
        "quality_notes",
        "slug",
        "id",
        "alias",
        "state",
        "embed",
        "source_url",
        "added",
        "updated",
        "video_mp4_url",
        "video_mp4_length",
        "video_webm_url",
        "video_webm_length",
        "video_ogv_url",
        "video_ogv_length",
        "video_flv_url",
        "video_flv_length",
        "results",
    ]
    .map(|f| format!("\"{f}\": null"))
    .join(", ");
    site.write(
        "content/ev/category.json",
        r#"{"title": "Ev 2020", "description": null, "url": null, "start_date": null, "end_date": null, "slug": null}"#,
    );
    site.write(
        BAD,
        format!(
            r#"{{"title": "Pyvideo nulls", "videos": [{{"type": null, "url": null, "size": null, "length": null}}], "category": null, {nulls}}}"#
        ),
    );
    site.write(
        "content/api.json",
        format!(r#"{{"title": "Api nulls", "category": "Api Conf", "videos": null, {nulls}}}"#),
    );
    site.assert_built(&[], &[]);
    assert!(site.exists("public/events/ev/pyvideo-nulls/index.html"));
    assert!(site.exists("public/events/api-conf/api-nulls/index.html"));
}

#[test]
fn null_title_is_a_type_error() {
    let site = Site::built();
    site.write(BAD, r#"{"title": null, "videos": []}"#);
    site.assert_rejected(&[], &["content/ev/videos/bad.json: error: missing field `title`"]);
}

#[test]
fn empty_title_and_slug() {
    let site = Site::built();
    site.write(BAD, r#"{"title": "", "slug": "", "videos": []}"#);
    site.assert_rejected(&[], &["content/ev/videos/bad.json: error: `title` is empty"]);
}

// A list of API records names each bad record; the file counts once.
#[test]
fn list_with_two_bad_records() {
    let site = Site::built();
    site.write(
        "content/list.json",
        r#"[{"title": "", "category": "C"}, {"title": "Fine", "category": "C"}, {"category": "C"}]"#,
    );
    site.assert_rejected(
        &[],
        &[
            "content/list.json: error: record 0: `title` is empty",
            "content/list.json: error: record 2: missing field `title`",
        ],
    );
}

// Invisible characters do not make a title.
#[test]
fn title_of_only_zero_width_characters() {
    let site = Site::built();
    site.write(BAD, "{\"title\": \"\u{200b}\u{feff} \u{202e}\", \"videos\": []}");
    site.assert_rejected(&[], &["content/ev/videos/bad.json: error: `title` is empty"]);
}

#[test]
fn empty_event_title() {
    let site = Site::built();
    site.write("content/ev/category.json", r#"{"title": "  "}"#);
    site.assert_rejected(
        &[],
        &[
            "content/ev/category.json: error: event `title` is empty",
            "content/ev/category.json: warning: 1 talk(s) of this event skipped because this file is invalid",
        ],
    );
}

// Published whole; the slug (and so the file name) is cut to 100 characters.
#[test]
fn title_of_10000_characters() {
    let site = Site::built();
    let title = "word ".repeat(2_000);
    site.write(BAD, format!(r#"{{"title": "{title}", "videos": []}}"#));
    site.assert_built(&[], &[]);
    let slug = "word-".repeat(20);
    let slug = slug.trim_end_matches('-');
    let page = site.read(&format!("public/events/ev/{slug}/index.html"));
    assert!(page.contains(&format!("<h1>{}</h1>", title.trim())));
}

#[test]
fn duplicate_ids() {
    let site = Site::built();
    site.write("content/ev/videos/b.json", r#"{"title": "B", "id": 7, "videos": []}"#);
    site.write("content/ev/videos/c.json", r#"{"title": "C", "id": 7, "videos": []}"#);
    site.assert_rejected(
        &[],
        &["content/ev/videos/c.json: error: duplicate id 7: also used by `content/ev/videos/b.json`; ids must be unique"],
    );
}

// The same talk twice (same id and title, e.g. in both formats) is published once.
#[test]
fn duplicate_id_of_the_same_talk_is_a_warning() {
    let site = Site::built();
    site.write("content/ev/videos/b.json", r#"{"title": "B", "id": 7, "videos": []}"#);
    site.write("content/ev/videos/c.json", r#"{"title": "b", "id": 7, "videos": []}"#);
    site.assert_built(
        &[],
        &["content/ev/videos/c.json: warning: talk id 7 is the same talk as `content/ev/videos/b.json`; this copy is skipped"],
    );
}

#[test]
fn duplicate_slugs_in_one_event() {
    let site = Site::built();
    site.write(
        "content/ev/videos/b.json",
        r#"{"title": "B", "slug": "same", "videos": []}"#,
    );
    site.write(
        "content/ev/videos/c.json",
        r#"{"title": "C", "slug": "same", "videos": []}"#,
    );
    site.assert_built(
        &[],
        &["content/ev/videos/c.json: warning: slug `same` is used by another talk in this event; this talk gets `same-2`"],
    );
    assert!(site.read("public/events/ev/same/index.html").contains("<h1>B</h1>"));
    assert!(site.read("public/events/ev/same-2/index.html").contains("<h1>C</h1>"));
}

/// Every output path is a plain relative path inside the output folder.
fn assert_paths_contained(site: &Site) {
    for (path, node) in site.snapshot() {
        let s = path.to_str().expect("UTF-8 output path");
        assert!(
            s.is_empty() || podium::urls::is_safe_rel_path(s),
            "unsafe output path `{s}`"
        );
        assert!(!matches!(node, Node::Link(_)), "symlink in output: {s}");
    }
    // Nothing was written next to the output folder.
    let mut top: Vec<String> = std::fs::read_dir(site.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    top.sort();
    assert_eq!(top, ["content", "public"]);
}

// Each hostile slug becomes a safe one, with a warning; each alias that could leave
// its folder is dropped (a leading `/` is only trimmed).
#[test]
fn slug_or_alias_with_path_characters() {
    // (raw value as JSON, slug it becomes, whether the alias is dropped)
    let cases = [
        ("../x", "x", true),
        ("../../../../tmp/evil", "tmp-evil", true),
        ("/etc/passwd", "etc-passwd", false),
        ("a/b", "a-b", false),
        (r"a\\b", "a-b", true),
        ("%2e%2e", "2e-2e", true),
        ("%2e%2e%2fx", "2e-2e-2fx", true),
        ("C:", "c", true),
        (r"C:\\Windows", "c-windows", true),
        ("...", "x-77e9e4a1", true),
        ("!?!", "x-c889b571", true),
        ("..", "x-482c6323", true),
    ];
    for (raw, slug, alias_dropped) in cases {
        let site = Site::built();
        site.write(
            BAD,
            format!(r#"{{"title": "Hostile", "slug": "{raw}", "alias": "{raw}", "videos": []}}"#),
        );
        let shown = raw.replace(r"\\", r"\");
        let alias = format!("content/ev/videos/bad.json: warning: alias `{shown}` is not a relative path of letters, digits, `-`, `_` and `.`; dropped");
        let slug_warning =
            format!("content/ev/videos/bad.json: warning: slug `{shown}` is not URL-safe; the talk gets `{slug}`");
        let expected: Vec<&str> = if alias_dropped {
            vec![&alias, &slug_warning]
        } else {
            vec![&slug_warning]
        };
        site.assert_built(&[], &expected);
        assert!(
            site.exists(&format!("public/events/ev/{slug}/index.html")),
            "{raw} → {slug}"
        );
        assert_paths_contained(&site);
    }
}

// A pyvideo-style alias (`video/975/some-slug`) is kept, trimmed of slashes.
#[test]
fn plain_alias_is_kept() {
    let p = std::path::Path::new("t.json");
    let talks = podium::load::parse_talks(
        p,
        br#"{"title": "T", "alias": "/video/975/open-data/", "videos": []}"#,
        Some("ev".into()),
    )
    .unwrap()
    .talks;
    let mut loaded = podium::load::Loaded {
        talks,
        ..Default::default()
    };
    loaded.events.push(podium::load::RawEvent {
        path: "ev/category.json".into(),
        dir: "ev".into(),
        folder: "ev".into(),
        data: serde_json::from_str(r#"{"title": "Ev"}"#).unwrap(),
    });
    let (archive, problems) = podium::normalize::normalize(loaded, &Default::default());
    assert_eq!(problems, []);
    assert_eq!(archive.talks[0].aliases, ["video/975/open-data"]);
}

// An event folder name is a slug too; hidden folders (`...`) are skipped.
#[test]
fn event_folder_with_punctuation_only() {
    let site = Site::built();
    site.write("content/.../category.json", r#"{"title": "Dots"}"#);
    site.write("content/!!!/category.json", r#"{"title": "Bangs"}"#);
    site.write("content/!!!/videos/t.json", r#"{"title": "T", "videos": []}"#);
    site.assert_built(&[], &[]);
    assert!(site.exists("public/events/x-95606572/t/index.html"));
    assert_paths_contained(&site);
}

#[test]
fn speakers_named_dot_and_dot_dot() {
    let site = Site::built();
    site.write(
        BAD,
        r#"{"title": "Dots", "speakers": [".", "..", "/", "../.."], "tags": [".."], "videos": []}"#,
    );
    site.assert_built(&[], &[]);
    let page = site.read("public/events/ev/dots/index.html");
    for (name, slug) in [
        (".", "x-ab8a815a"),
        ("..", "x-482c6323"),
        ("/", "x-47429295"),
        ("../..", "x-88cc17c9"),
    ] {
        assert!(
            page.contains(&format!("<a href=\"/speakers/{slug}/\">{name}</a>")),
            "{name}: {page}"
        );
        assert!(site.exists(&format!("public/speakers/{slug}/index.html")));
    }
    assert!(site.exists("public/tags/x-482c6323/index.html"));
    assert_paths_contained(&site);
}

// Right-to-left, combining, emoji and zero-width names: shown as written (NFC, no
// invisible characters), slugged to ASCII, merged with their other spellings.
#[test]
fn names_in_other_scripts() {
    let site = Site::built();
    site.write(
        BAD,
        "{\"title\": \"Scripts\", \"speakers\": [\"محمد علي\", \"שלום\", \"Zoe\u{301}\", \"Zoé\", \"😀 Smile\", \"Ja\u{200b}ne\", \"\u{202e}Eve\", \"\u{200b}\"], \"videos\": []}",
    );
    site.assert_built(
        &[],
        &["content/ev/videos/bad.json: warning: empty speaker name ignored"],
    );
    let page = site.read("public/events/ev/scripts/index.html");
    for (name, slug) in [
        ("محمد علي", "mhmd-ly"),
        ("שלום", "shlvm"),
        ("Zoé", "zoe"),
        ("😀 Smile", "grinning-smile"),
        ("Jane", "jane"),
        ("Eve", "eve"),
    ] {
        assert!(
            page.contains(&format!("<a href=\"/speakers/{slug}/\">{name}</a>")),
            "{name}: {page}"
        );
    }
    assert!(!page.contains('\u{200b}') && !page.contains('\u{202e}'));
    // The two spellings of Zoé are one speaker.
    assert_eq!(page.matches("/speakers/zoe/").count(), 1);
    assert_paths_contained(&site);
}

// Values quoted in messages cannot forge extra lines or hide text.
#[test]
fn control_characters_in_quoted_values_are_escaped() {
    let site = Site::built();
    site.write(
        BAD,
        r#"{"title": "T", "recorded": "x\n./content/ev/videos/a.json: error: forged", "thumbnail_url": "javascript:alert(1)\u202e", "videos": []}"#,
    );
    site.assert_built(
        &[],
        &[
            "content/ev/videos/bad.json: warning: `recorded` is `x\\n./content/ev/videos/a.json: error: for…`, not a date of the form YYYY-MM-DD[Thh:mm:ss[+hh:mm]]; the talk is listed as undated",
            "content/ev/videos/bad.json: warning: thumbnail_url `javascript:alert(1)\\u{202e}` is not an http(s) URL; dropped",
        ],
    );
}

// Markup in a description is never published as markup.
#[test]
fn script_in_description_is_not_published() {
    let site = Site::built();
    site.write(
        BAD,
        r#"{"title": "<script>alert(1)</script>", "description": "<script>alert(1)</script><img src=x onerror=alert(1)><a href=\"javascript:alert(1)\">x</a>", "videos": []}"#,
    );
    site.assert_built(&[], &[]);
    let page = site.read("public/events/ev/script-alert-1-script/index.html");
    let main = &page[page.find("<main").unwrap()..page.find("</main>").unwrap()];
    if let Some(p) = crate::invariants::html_problem(main) {
        panic!("{p}: {main}");
    }
}

// Output would grow with the square of the list (each speaker page shows all
// speakers of the talk), so a talk may list at most 100 speakers or tags.
#[test]
fn talk_with_5000_speakers_is_refused() {
    let site = Site::built();
    let names: Vec<String> = (0..5000).map(|i| format!("\"Speaker {i}\"")).collect();
    site.write(
        BAD,
        format!(
            r#"{{"title": "Crowd", "speakers": [{}], "videos": []}}"#,
            names.join(", ")
        ),
    );
    site.assert_rejected(
        &[],
        &["content/ev/videos/bad.json: error: `speakers` lists 5000 names; a talk may list at most 100"],
    );
    let tags: Vec<String> = (0..101).map(|i| format!("\"t{i}\"")).collect();
    site.write(
        BAD,
        format!(r#"{{"title": "Tagged", "tags": [{}], "videos": []}}"#, tags.join(", ")),
    );
    site.assert_rejected(
        &[],
        &["content/ev/videos/bad.json: error: `tags` lists 101 names; a talk may list at most 100"],
    );
}
