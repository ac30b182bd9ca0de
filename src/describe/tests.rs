//! The whole pipeline on hand-written and random descriptions: rendering and safety.

use super::markdown::MAX_NESTING;
use super::*;

/// The safety property every rendered description must have. Text `<` is always escaped
/// in the output, so every literal `<` starts a real tag.
/// `strict`: no dangerous scheme name anywhere in a URL (hand-written corpus); otherwise
/// only as the scheme (random input may legitimately put "javascript:" in a path).
fn assert_safe(input: &str, html: &str, strict: bool) {
    let lower = html.to_ascii_lowercase();
    for bad in [
        "<script", "<iframe", "<svg", "<style", "<object", "<embed", "<form", "<img", "<math",
    ] {
        assert!(!lower.contains(bad), "{bad} in output for {input:?}: {html}");
    }
    for (start, _) in lower.match_indices('<') {
        let tag = &lower[start..];
        let tag = &tag[..tag.find('>').unwrap_or(tag.len())];
        assert!(!tag.contains("style="), "style attribute for {input:?}: {html}");
        // No on*= attribute.
        for (p, _) in tag.match_indices("on") {
            let before = tag[..p].chars().last();
            let name_len = tag[p + 2..].bytes().take_while(u8::is_ascii_lowercase).count();
            let after = tag[p + 2 + name_len..].trim_start();
            let is_attr = before.is_some_and(|c| c.is_whitespace() || c == '/' || c == '"' || c == '\'');
            assert!(
                !(is_attr && name_len > 0 && after.starts_with('=')),
                "event handler for {input:?}: {html}"
            );
        }
        // Only http(s)/mailto in href/src, never javascript:/data:/vbscript:.
        for attr in ["href=", "src="] {
            for (p, _) in tag.match_indices(attr) {
                let value = tag[p + attr.len()..].trim_start_matches(['"', '\'']);
                let value = &value[..value.find(['"', '\'']).unwrap_or(value.len())];
                let compact: String = value
                    .chars()
                    .filter(|c| !c.is_whitespace() && !c.is_control())
                    .collect();
                for scheme in ["javascript:", "data:", "vbscript:"] {
                    assert!(
                        !(compact.starts_with(scheme) || (strict && compact.contains(scheme))),
                        "{scheme} in output for {input:?}: {html}"
                    );
                }
                assert!(
                    ["http://", "https://", "mailto:"]
                        .iter()
                        .any(|s| compact.starts_with(s)),
                    "unexpected link {value:?} for {input:?}: {html}"
                );
            }
        }
    }
}

fn render(input: &str) -> String {
    let html = render_description(input);
    assert_safe(input, &html, true);
    html
}

#[test]
fn empty_and_whitespace_give_empty_string() {
    assert_eq!(render(""), "");
    assert_eq!(render("  \n\t\r\n  "), "");
    assert_eq!(plain_summary("   ", 100), "");
}

#[test]
fn plain_text_keeps_paragraphs_and_lines() {
    let html = render("Speaker: Jane\nRoom: A\n\nSecond paragraph.");
    assert_eq!(html, "<p>Speaker: Jane<br>\nRoom: A</p>\n<p>Second paragraph.</p>");
}

#[test]
fn crlf_input_behaves_like_lf() {
    assert_eq!(render("a\r\nb\r\n\r\nc"), render("a\nb\n\nc"));
}

#[test]
fn hard_wrapped_prose_is_reflowed() {
    let text = "Want to rapidly test code, javascript or documents on different Python\n\
                Interpreters and versions? This talk gives an overview on new py.test\n\
                features of the last year.";
    let html = render(text);
    assert!(!html.contains("<br"), "{html}");
}

#[test]
fn long_unwrapped_lines_and_colons_keep_breaks() {
    let long = "Mishari has been using Linux since 1994, built Thailand's largest Renderfarm for the animation Khan Kluay.\nCurrently his obsessions are cycling.";
    assert!(render(long).contains("<br>"));
    let colon =
        "For questions about this talk please use the forum at the following address:\nhttps://forum.example/t/1";
    assert!(render(colon).contains("address:<br>"));
}

#[test]
fn wrapped_dash_is_not_a_list() {
    let text = "The lambda calculus, dating back to the work of Alonzo Church, lets us\n- all their logic and data - as pure, anonymous functions,\nusing nothing but lambda.";
    let html = render(text);
    assert!(!html.contains("<li>"), "{html}");
    assert!(html.contains("- all their logic"), "{html}");
}

#[test]
fn no_line_breaks_inside_lists_or_code() {
    let html = render("Intro\n\n- one\n  continued\n- two\n\n```\nx = 1\ny = 2\n```");
    assert!(html.contains("<li>one\ncontinued</li>"), "{html}");
    assert!(html.contains("<pre><code>x = 1\ny = 2\n</code></pre>"), "{html}");
    assert_eq!(html.matches("<br").count(), 0, "{html}");
}

#[test]
fn bare_urls_are_linked_without_trailing_punctuation() {
    let html =
        render("See http://example.com/a_b. Or (https://example.org/x), https://en.wikipedia.org/wiki/Foo_(bar)!");
    assert!(
        html.contains(
            "<a href=\"http://example.com/a_b\" rel=\"nofollow noopener noreferrer\">http://example.com/a_b</a>."
        ),
        "{html}"
    );
    assert!(html.contains(">https://example.org/x</a>),"), "{html}");
    assert!(html.contains(">https://en.wikipedia.org/wiki/Foo_(bar)</a>!"), "{html}");
}

#[test]
fn urls_already_in_links_are_not_linked_again() {
    let md = render("[http://a.example](http://a.example) and <https://b.example>");
    assert_eq!(md.matches("<a ").count(), 2, "{md}");
    let raw = render("<a href=\"http://c.example\">http://c.example</a>");
    assert_eq!(raw.matches("<a ").count(), 1, "{raw}");
    assert!(raw.contains("rel=\"nofollow noopener noreferrer\""), "{raw}");
}

#[test]
fn rest_links_become_links() {
    let html = render("See `the docs <https://docs.example/x_y>`_ and `pytest <http://pytest.org/>`__.");
    assert!(
        html.contains("<a href=\"https://docs.example/x_y\" rel=\"nofollow noopener noreferrer\">the docs</a>"),
        "{html}"
    );
    assert!(html.contains(">pytest</a>."), "{html}");
    let multi = render("(URL:\n`http://pytest.org <http://pytest.org/>`__)");
    assert!(multi.contains("<a href=\"http://pytest.org/\""), "{multi}");
}

#[test]
fn unsafe_or_broken_links_keep_only_their_text() {
    assert_eq!(render("`click <javascript:alert(1)>`_"), "<p>click</p>");
    assert_eq!(render("<a href=\"jav&#x09;ascript:x\">x</a> <a>y</a>"), "<p>x y</p>");
    let repaired = render("`yellowbrick <https://www.scikit-%20yb.org/en/latest/>`__");
    assert!(
        repaired.contains("href=\"https://www.scikit-yb.org/en/latest/\""),
        "{repaired}"
    );
}

#[test]
fn rest_links_with_literal_text() {
    let html = render("Try ```ipytest`` <https://github.com/chmp/ipytest>`__, a tool.");
    assert!(
        html.contains("<a href=\"https://github.com/chmp/ipytest\" rel=\"nofollow noopener noreferrer\"><code>ipytest</code></a>, a tool."),
        "{html}"
    );
}

#[test]
fn rest_named_references_resolve_targets() {
    let html = render(
        "Uses Capsicum_ and `Qt Quick`_.\n\n.. _Capsicum: https://capsicum.example/\n.. _`Qt Quick`: https://qt.example/quick",
    );
    assert!(html.contains("<a href=\"https://capsicum.example/\""), "{html}");
    assert!(html.contains(">Qt Quick</a>."), "{html}");
    assert!(!html.contains(".. _"), "{html}");
}

#[test]
fn rest_literals_become_code() {
    let html = render("Call ``foo(*args)`` or ``a `b` c``.");
    assert!(html.contains("<code>foo(*args)</code>"), "{html}");
    assert!(html.contains("<code>a `b` c</code>"), "{html}");
}

#[test]
fn rest_literal_blocks() {
    let html = render("Example::\n\n    def f():\n        return 1\n\nAfter.");
    assert!(html.contains("<p>Example:</p>"), "{html}");
    assert!(
        html.contains("<pre><code>def f():\n    return 1\n</code></pre>"),
        "{html}"
    );
    assert!(html.contains("<p>After.</p>"), "{html}");

    let spaced = render("Example ::\n\n    x\n");
    assert!(spaced.contains("<p>Example</p>"), "{spaced}");

    let alone = render("Intro text.\n\n::\n\n    print(x)\n");
    assert!(!alone.contains("::"), "{alone}");
    assert!(alone.contains("<pre><code>print(x)\n</code></pre>"), "{alone}");

    let no_block = render("std::\nnot followed by indentation");
    assert!(no_block.contains("std::"), "{no_block}");
}

#[test]
fn rest_headings_are_demoted() {
    let html = render("Abstract\n========\n\nText.\n\nDetails\n-------\n\nMore.\n\nAgain\n=====\n");
    assert!(html.contains("<h3>Abstract</h3>"), "{html}");
    assert!(html.contains("<h4>Details</h4>"), "{html}");
    assert!(html.contains("<h3>Again</h3>"), "{html}");
    for c in ['~', '^', '*', '+', '#', '"', '\'', '`', ':', '.', '_'] {
        let adorn = c.to_string().repeat(6);
        let h = render(&format!("Title\n{adorn}\n\nBody"));
        assert!(h.contains("<h3>Title</h3>"), "{c}: {h}");
    }
    let over = render("=====\nTitle\n=====\n\nSub\n===\n");
    assert!(
        over.contains("<h3>Title</h3>") && over.contains("<h4>Sub</h4>"),
        "{over}"
    );
}

#[test]
fn short_underline_is_not_a_heading() {
    let html = render("A fairly long line of text\n---\nmore");
    assert!(!html.contains("<h"), "{html}");
    assert!(html.contains("---"), "{html}");
}

#[test]
fn short_dashes_are_not_setext_headings() {
    let html = render("Some text\n--\nMore text");
    assert!(!html.contains("<h"), "{html}");
}

#[test]
fn rest_tables_are_preformatted() {
    let grid = render("+-----+-----+\n| a   | b   |\n+=====+=====+\n| 1   | 2   |\n+-----+-----+\n\nAfter");
    assert!(grid.contains("<pre><code>+-----+-----+\n| a   | b   |"), "{grid}");
    let simple = render("=====  =====\nA      B\n=====  =====\n1      2\n=====  =====\n\nAfter");
    assert!(simple.contains("<pre><code>=====  =====\nA      B"), "{simple}");
    assert!(simple.contains("<p>After</p>"), "{simple}");
}

#[test]
fn transitions_become_rules() {
    let html = render("One.\n\n-----\n\nTwo.");
    assert!(html.contains("<hr>"), "{html}");
    let dots = render("Wait\n\n...\n\nfor it");
    assert!(!dots.contains("<hr"), "{dots}");
}

#[test]
fn markdown_headings_are_demoted() {
    let html = render("# Big\n\ntext\n\n## Smaller\n\n#### Tiny");
    assert!(
        html.contains("<h3>Big</h3>") && html.contains("<h4>Smaller</h4>") && html.contains("<h6>Tiny</h6>"),
        "{html}"
    );
    let only_h3 = render("### Already small");
    assert!(only_h3.contains("<h3>Already small</h3>"), "{only_h3}");
}

#[test]
fn raw_html_survives_sanitised() {
    let html = render("<p>How does the elipses work? Let&#39;s find out.</p>");
    assert_eq!(html, "<p>How does the elipses work? Let's find out.</p>");
    let inline = render("Some <b>bold</b> and <a href=\"https://x.example\" onclick=\"x()\">link</a>, <tt>tt</tt>.");
    assert!(inline.contains("<b>bold</b>"), "{inline}");
    assert!(
        inline.contains("<a href=\"https://x.example\" rel=\"nofollow noopener noreferrer\">link</a>"),
        "{inline}"
    );
}

#[test]
fn unknown_tags_in_prose_are_shown() {
    let html = render("Run pip install <package> now.");
    assert!(html.contains("&lt;package&gt;"), "{html}");
}

#[test]
fn dunders_are_not_bold() {
    let html = render("Define __init__ and __repr__ in __init__.py, but __bold text__ stays.");
    assert!(html.contains("__init__ and __repr__ in __init__.py"), "{html}");
}

#[test]
fn lists_and_enumerations() {
    let html = render("We cover:\n\n-  one\n-  two that wraps\n   onto a second line\n\n#. first\n#. second");
    assert!(html.contains("<ul>") && html.contains("<ol>"), "{html}");
    assert!(html.contains("<li>second</li>"), "{html}");
    let star = render("Topics:\n* Open APIs\n* Visualizing Data");
    assert!(star.contains("<li>Open APIs</li>"), "{star}");
}

#[test]
fn indented_prose_is_a_blockquote_and_code_stays_code() {
    let q = render("We look at:\n\n    App management\n    Templates\n");
    assert!(q.contains("<blockquote>") && q.contains("App management<br>"), "{q}");
    let c = render("Example:\n\n    from hypothesis import given\n    x = 1\n");
    assert!(
        c.contains("<pre><code>from hypothesis import given\nx = 1\n</code></pre>"),
        "{c}"
    );
}

#[test]
fn directives() {
    let code = render(".. code-block:: python\n\n    print('hi')\n\nAfter");
    assert!(code.contains("<pre><code>print('hi')\n</code></pre>"), "{code}");
    let img = render(".. image:: https://img.example/a.png\n   :alt: diagram\n   :width: 100%\n\nText");
    assert!(
        img.contains("<a href=\"https://img.example/a.png\" rel=\"nofollow noopener noreferrer\">diagram</a>"),
        "{img}"
    );
    assert!(!img.contains("width"), "{img}");
    let comment = render("Visible\n\n.. hidden comment\n   still hidden\n\nAlso visible");
    assert!(!comment.contains("hidden"), "{comment}");
    let md_img = render("![alt text](https://img.example/b.png)");
    assert!(md_img.contains(">alt text</a>") && !md_img.contains("<img"), "{md_img}");
}

#[test]
fn huge_input_is_cut() {
    let line = "Some words here.\n";
    let html = render(&line.repeat(MAX_INPUT_BYTES / line.len() * 2));
    assert!(html.len() < MAX_INPUT_BYTES * 2, "{}", html.len());
    let cjk = render(&"日本語".repeat(MAX_INPUT_BYTES));
    assert!(!cjk.is_empty());
}

#[test]
fn degenerate_input_falls_back_to_plain_text() {
    let html = render(&"&<b>".repeat(4000));
    assert!(html.starts_with("<p>&amp;&lt;b&gt;"), "{}", &html[..40]);
    let nested = render(&"1. ".repeat(200));
    assert!(nested.matches("<ol>").count() <= MAX_NESTING, "{nested}");
}

#[test]
fn output_is_deterministic() {
    let input = "Title\n=====\n\nSee http://x.example and `y <http://y.example>`_.\n\n- a\n- b";
    assert_eq!(render_description(input), render_description(input));
}

#[test]
fn hostile_corpus_is_neutralised() {
    let corpus = [
        "<script>alert(1)</script>",
        "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
        "<img src=x onerror=alert(1)>",
        "<svg onload=alert(1)><circle/></svg>",
        "<svg><script>alert(1)</script></svg>",
        "[x](javascript:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        "[x](  javascript:alert(1) )",
        "[x](<javascript:alert(1)>)",
        "`click <javascript:alert(1)>`_",
        "`click <javascript:alert(1)>`__",
        "`click <java\nscript:alert(1)>`_",
        "<a href=\"javascript:alert(1)\">x</a>",
        "<a href=\"  javascript:alert(1)\">x</a>",
        "<a href=\"jav&#x09;ascript:alert(1)\">x</a>",
        "<a href=\"jav&#9;ascript:alert(1)\">x</a>",
        "<a href=\"&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)\">x</a>",
        "<a href=\"JAVASCRIPT:alert(1)\">x</a>",
        "<a href=\"vbscript:msgbox(1)\">x</a>",
        "<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\">x</a>",
        "[x](data:text/html,<script>alert(1)</script>)",
        "![x](data:image/svg+xml,<svg onload=alert(1)>)",
        "<javascript:alert(1)>",
        "<vbscript:msgbox(1)>",
        "<img src=\"x\" onerror=\"alert(1)\"",
        "<b onmouseover=alert(1)>unclosed",
        "<a href='x' title=\"a\"b\" onfocus='alert(1)'>q</a>",
        "<scr<script>ipt>alert(1)</scr</script>ipt>",
        "<p style=\"background:url(javascript:alert(1))\">styled</p>",
        "<div style=\"position:fixed\">x</div>",
        "<style>body{display:none}</style>",
        "<iframe src=\"https://evil.example\"></iframe>",
        "<object data=\"evil.swf\"></object><embed src=\"evil.swf\">",
        "<form action=\"https://evil.example\"><input name=x></form>",
        "<math><mi xlink:href=\"javascript:alert(1)\">x</mi></math>",
        "<a href=\"java\nscript:alert(1)\">x</a>",
        "<!--<script>alert(1)</script>-->",
        "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\"></noscript>",
        "<table><tr><td onclick=alert(1)>x</td></tr></table>",
        "Title\n=====\n\n<script>alert(1)</script>",
        "Example::\n\n    <script>alert(1)</script>",
        "``<script>alert(1)</script>``",
        "<<script>script>alert(1)<</script>/script>",
        "<a href=\"https://ok.example\" onmouseover=\"alert(1)\" style=\"color:red\">ok</a>",
        ".. image:: javascript:alert(1)\n   :alt: x",
        "[x][r]\n\n[r]: javascript:alert(1)",
        "<IMG SRC=JaVaScRiPt:alert('XSS')>",
        "<a href=\"&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105&#0000112&#0000116&#0000058alert(1)\">x</a>",
        "<a href=\"http://ok.example\"><script>alert(1)</script></a>",
        "http://evil.example/\"onmouseover=\"alert(1)",
        "https://evil.example/<script>alert(1)</script>",
        "<base href=\"javascript:alert(1)//\">",
        "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\">",
        ":sub:`<script>alert(1)</script>`",
        ":sup:`\"><img src=x onerror=alert(1)>`",
        ":math:`</code><script>alert(1)</script>`",
        ":ref:`x <javascript:alert(1)>`",
        "|x|\n\n.. |x| replace:: <img src=x onerror=alert(1)>",
        "|x|\n\n.. |x| image:: javascript:alert(1)",
        "|x|_\n\n.. |x| replace:: y\n.. _x: javascript:alert(1)",
        "|x|\n\n.. |x| replace:: `y <javascript:alert(1)>`_",
    ];
    assert!(corpus.len() >= 25);
    for input in corpus {
        render(input);
        // The summary must not panic either.
        let _ = plain_summary(input, 80);
    }
}

/// Inputs built to trigger quadratic scans; each must stay fast (generous bound for debug builds).
#[test]
fn pathological_inputs_stay_linear() {
    let n = 20_000;
    let inputs = [
        "<a".repeat(n),
        "`` `".repeat(n / 2),
        "](".repeat(n),
        format!("http://a.example/{}", ")".repeat(n)),
        format!("http://a.example/{}", "(".repeat(n)),
        "a_".repeat(n),
        format!("{}\n\n.. _a: http://x.example", "a_b_".repeat(n / 2)),
        "Sentence. ".repeat(n / 2),
        (0..40).map(|d| format!("{}quote\n\n", " ".repeat(4 * d))).collect(),
        (0..40).map(|d| format!("{}.. note::\n", "   ".repeat(d))).collect(),
        "x::\n\n".repeat(n / 4),
        "&#x".repeat(n / 2),
        "*_".repeat(n),
        "[".repeat(n),
        "<div>".repeat(MAX_MARKUP - 10),
        "<ul><li>".repeat(MAX_MARKUP / 2 - 10),
        "<blockquote>".repeat(MAX_MARKUP - 10),
        "&amp;".repeat(MAX_MARKUP - 10),
    ];
    for input in &inputs {
        let t = std::time::Instant::now();
        let html = render(input);
        let _ = plain_summary(input, 200);
        let took = t.elapsed();
        assert!(
            took.as_secs() < 5,
            "{took:?} for {:?}… ({} bytes out)",
            &input[..40],
            html.len()
        );
    }
}

/// Random soup of the characters the passes react to: must never panic, always be safe.
#[test]
fn random_inputs_never_panic() {
    const PIECES: &[&str] = &[
        "`",
        "``",
        "_",
        "__",
        "<",
        ">",
        "::",
        "\n",
        "\n\n",
        "  ",
        "    ",
        "\t",
        "\r",
        "=",
        "===",
        "---",
        "-",
        "* ",
        "1. ",
        "#. ",
        ".. ",
        ".. _x: ",
        "|",
        "+",
        "#",
        "[",
        "]",
        "(",
        ")",
        "http://",
        "https://x.example/",
        "é",
        "日本",
        "\u{feff}",
        "&#x09;",
        "&",
        ";",
        "javascript:",
        "<a href=\"",
        "\"",
        "'",
        "<script>",
        "<svg onload=",
        "<img src=x onerror=",
        "word",
        "W",
        "!",
        "?",
        ".",
        "…",
        ":",
        "\\",
        "~",
        "^",
        "\u{a0}",
        "<br>",
        "</a>",
        "<p>",
        "`x <",
        ">`_",
        ":sub:`",
        ":math:`",
        "|x|",
        "\n.. |x| replace:: ",
        "\n.. |x| image:: ",
    ];
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for _ in 0..1500 {
        let len = (next() % 40) as usize;
        let input: String = (0..len)
            .map(|_| PIECES[(next() % PIECES.len() as u64) as usize])
            .collect();
        assert_safe(&input, &render_description(&input), false);
        let max = (next() % 120) as usize;
        assert!(plain_summary(&input, max).chars().count() <= max, "{input:?}");
    }
}

#[test]
fn summary_strips_markup_and_collapses_whitespace() {
    let s = plain_summary(
        "Abstract\n========\n\nThis is **bold** and `code`.\nSecond   line.",
        200,
    );
    assert_eq!(s, "This is bold and code. Second line.");
    let html = plain_summary("<p>Let&#39;s &amp; <b>go</b></p>", 100);
    assert_eq!(html, "Let's & go");
}

#[test]
fn summary_cuts_at_sentence_then_word() {
    let text = "First sentence here. Second sentence is longer than the first one. Third.";
    let s = plain_summary(text, 50);
    assert_eq!(s, "First sentence here. …");
    let w = plain_summary("One two three four five six seven eight nine ten", 20);
    assert!(w.ends_with('…') && w.chars().count() <= 20, "{w}");
    assert_eq!(w, "One two three four…");
    let long = plain_summary(&"x".repeat(100), 10);
    assert_eq!(long, format!("{}…", "x".repeat(9)));
    assert_eq!(plain_summary("Short.", 100), "Short.");
    assert_eq!(plain_summary("Anything at all", 0), "");
    assert!(plain_summary("Two words", 1).chars().count() <= 1);
}

#[test]
fn summary_respects_limit_for_many_sizes() {
    let text = "Dr. J. Smith talks about Python. It is fun! Really? Yes… see http://x.example/long/path for more, (details) here.";
    for n in 0..120 {
        let s = plain_summary(text, n);
        assert!(s.chars().count() <= n, "{n}: {s}");
    }
}
