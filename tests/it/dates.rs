//! Recording dates: impossible or malformed dates are a warning and the talk is
//! listed as undated; a timestamp with an offset is a valid date.

use crate::support::Site;

fn recorded(value: &str) -> Site {
    let site = Site::built();
    site.write(
        "content/ev/videos/d.json",
        format!(r#"{{"title": "Dated", "recorded": "{value}", "videos": []}}"#),
    );
    site
}

fn undated_warning(value: &str) -> String {
    format!(
        "content/ev/videos/d.json: warning: `recorded` is `{value}`, not a date of the form YYYY-MM-DD[Thh:mm:ss[+hh:mm]]; the talk is listed as undated"
    )
}

#[test]
fn invalid_dates_are_undated_with_a_warning() {
    for value in [
        "2011-02-30",
        "0000-00-00",
        "2011",
        "garbage",
        "2011-03-11T10:20:30Z",
        "11/03/2011",
    ] {
        let site = recorded(value);
        site.assert_built(&[], &[&undated_warning(value)]);
        let page = site.read("public/events/ev/dated/index.html");
        assert!(!page.contains("<time datetime=\"2011"), "{value}: {page}");
        assert!(!site.exists("public/years/2011/index.html"), "{value}");
    }
}

#[test]
fn timestamp_with_offset_is_a_date() {
    let site = recorded("2011-03-11T10:20:30+05:30");
    site.assert_built(&[], &[]);
    let page = site.read("public/events/ev/dated/index.html");
    assert!(
        page.contains("<time datetime=\"2011-03-11\">March 11, 2011</time>"),
        "{page}"
    );
    assert!(site.exists("public/years/2011/index.html"));
}

#[test]
fn invalid_event_dates_are_ignored_with_a_warning() {
    let site = Site::built();
    site.write(
        "content/ev/category.json",
        r#"{"title": "Ev 2020", "start_date": "2011-02-30", "end_date": "0000-00-00"}"#,
    );
    site.assert_built(
        &[],
        &[
            "content/ev/category.json: warning: `end_date` is `0000-00-00`, not a YYYY-MM-DD date; ignored",
            "content/ev/category.json: warning: `start_date` is `2011-02-30`, not a YYYY-MM-DD date; ignored",
        ],
    );
}
