//! `podium init [DIR]`: scaffolds a new archive that builds as is: a commented
//! `podium.toml`, an example event with two talks in the pyvideo/data layout, an
//! About page in `pages/`, and an empty `templates/` folder with a note on
//! overriding the theme.
//!
//! Nothing is ever overwritten: if any of the files exists, nothing is written.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use crate::render::THEME_TEMPLATES;

/// Every option, commented out, with its default value.
pub const CONFIG_TOML: &str = r#"# Settings of this talk archive. Every option is listed with its default value:
# uncomment a line to change it. Relative paths are taken from this folder.

# The site's name, shown in the header and in page titles.
# title = "Talk archive"

# One line under the title on the home page.
# description = "Recorded talks from community conferences."

# The absolute URL the site is published at (feeds and canonical links need it).
# A path in it, as in "https://example.org/talks/", prefixes every internal link.
# base_url = "http://127.0.0.1:1111"

# Talks (or names) per list page, and entries per feed.
# page_size = 50
# feed_limit = 50

# Folders: talk data, the built site, your templates, files copied to /static/.
# data_dir = "content"
# output_dir = "public"
# templates_dir = "templates"
# static_dir = "static"
# Content pages: Markdown with TOML front matter between +++ lines, see pages/about.md.
# pages_dir = "pages"

# URL layout: "podium" for /events/<event>/<talk>/, or "pyvideo" for pyvideo.org's URLs.
# url_style = "podium"

# Language of the site's own text (the page's lang attribute).
# language = "en"

# Keep redirects.txt lines whose target is another site (off: they would be open
# redirects from this site's domain, and are dropped with a warning).
# allow_external_redirects = false

# URL patterns per page kind, overriding url_style. Single pages need {slug}; talks
# may use {event} too. Each starts with "/" and ends with "/" or ".html".
# [urls]
# talk = "/events/{event}/{slug}/"
# event = "/events/{slug}/"
# speaker = "/speakers/{slug}/"
# tag = "/tags/{slug}/"
# language = "/languages/{slug}/"
# year = "/years/{slug}/"
# events = "/events/"
# speakers = "/speakers/"
# tags = "/tags/"
# languages = "/languages/"
# years = "/years/"
"#;

const CATEGORY_JSON: &str = r#"{
  "description": "An example event: replace it with your own.",
  "title": "Example Conf 2024",
  "url": "https://example.org/conf/2024/"
}
"#;

const TALK_1: &str = r#"{
  "copyright_text": "CC BY 4.0",
  "description": "How this archive is organised: one folder per event with a\n`category.json`, and one JSON file per talk in its `videos/` folder.\n",
  "duration": 1500,
  "language": "eng",
  "recorded": "2024-05-17",
  "related_urls": [
    {
      "label": "Slides",
      "url": "https://example.org/conf/2024/slides/welcome.pdf"
    }
  ],
  "speakers": [
    "Ada Example"
  ],
  "tags": [
    "archives",
    "community"
  ],
  "thumbnail_url": "https://example.org/conf/2024/thumbnails/welcome.jpg",
  "title": "Welcome to the Archive",
  "videos": [
    {
      "type": "mp4",
      "url": "https://example.org/conf/2024/videos/welcome.mp4"
    }
  ]
}
"#;

const TALK_2: &str = r#"{
  "description": "Check the data with `podium check`, then build the site with\n`podium build`.\n",
  "duration": 2700,
  "language": "eng",
  "recorded": "2024-05-18T14:30:00+02:00",
  "speakers": [
    "Ada Example",
    "Grace Sample"
  ],
  "tags": [
    "community"
  ],
  "title": "Publishing Talks in Ten Minutes",
  "videos": [
    {
      "type": "mp4",
      "url": "https://example.org/conf/2024/videos/publishing.mp4"
    }
  ]
}
"#;

const GITIGNORE: &str = "/public/\n";

/// A content page, linked in the header.
const ABOUT_MD: &str = r#"+++
title = "About"
# slug = "about"            # the URL: /pages/about/ (default: the file name)
order = 1                   # position among the header links
in_nav = true               # link it in the header of every page
description = "What this archive is and who keeps it."
+++
This archive keeps the recorded talks of our community's conferences.

Found a mistake, or have a talk to add? Every talk is a JSON file in `content/`:
open a pull request.
"#;

/// The note in `templates/`: how to override the theme, naming its templates.
pub fn templates_readme() -> String {
    let names: Vec<String> = THEME_TEMPLATES.iter().map(|(n, _)| format!("- `{n}`")).collect();
    format!(
        "# Templates\n\n\
         This folder is empty, so the site uses podium's built-in theme. To change a page,\n\
         put a template here with the same name as the theme's; it replaces that template\n\
         (other templates keep coming from the theme). Templates are Tera\n\
         (https://keats.github.io/tera/), and may `{{% extends \"base.html\" %}}` and override\n\
         its blocks (`title`, `description`, `head`, `main`, `scripts`). Copy the theme's\n\
         version from podium's `templates/` folder as a starting point.\n\n\
         The theme's templates:\n\n{}\n\n\
         Files ending in `.md`, like this one, are ignored.\n",
        names.join("\n")
    )
}

/// Creates a new archive in `dir` (made if missing); returns the files written.
pub fn init(dir: &Path) -> Result<Vec<PathBuf>> {
    let event = Path::new("content").join("example-conf-2024");
    let files: Vec<(PathBuf, String)> = vec![
        ("podium.toml".into(), CONFIG_TOML.to_string()),
        (".gitignore".into(), GITIGNORE.to_string()),
        (event.join("category.json"), CATEGORY_JSON.to_string()),
        (
            event.join("videos").join("welcome-to-the-archive.json"),
            TALK_1.to_string(),
        ),
        (
            event.join("videos").join("publishing-talks-in-ten-minutes.json"),
            TALK_2.to_string(),
        ),
        (Path::new("templates").join("README.md"), templates_readme()),
        (Path::new("pages").join("about.md"), ABOUT_MD.to_string()),
    ];
    if dir.exists() && !dir.is_dir() {
        bail!("`{}` exists and is not a folder", dir.display());
    }
    // `symlink_metadata`, not `exists`: a dangling link is something in the way too.
    let existing: Vec<String> = files
        .iter()
        .map(|(rel, _)| dir.join(rel))
        .filter(|p| std::fs::symlink_metadata(p).is_ok())
        .map(|p| format!("`{}`", p.display()))
        .collect();
    if !existing.is_empty() {
        bail!(
            "{} already exist(s); podium init never overwrites files (choose a new folder)",
            existing.join(", ")
        );
    }
    // Every folder is checked before the first file is written: all or nothing.
    for (rel, _) in &files {
        dirs_without_links(dir, rel.parent().unwrap_or(Path::new("")), false)?;
    }
    let mut written = Vec::new();
    for (rel, text) in files {
        let path = dir.join(&rel);
        dirs_without_links(dir, rel.parent().unwrap_or(Path::new("")), true)?;
        // `create_new` (O_EXCL) never follows a link, dangling or not: a file is
        // created where it is named, or not at all.
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .with_context(|| format!("failed to create `{}`", path.display()))?;
        std::io::Write::write_all(&mut f, text.as_bytes())
            .with_context(|| format!("failed to write `{}`", path.display()))?;
        written.push(path);
    }
    Ok(written)
}

/// Checks (and with `create`, makes) the folders of `rel` under `dir`, refusing
/// to go through a symbolic link: one could lead the new files anywhere on the disk.
fn dirs_without_links(dir: &Path, rel: &Path, create: bool) -> Result<()> {
    if create {
        std::fs::create_dir_all(dir).with_context(|| format!("failed to create `{}`", dir.display()))?;
    }
    let mut at = dir.to_path_buf();
    for part in rel.components() {
        at.push(part);
        match std::fs::symlink_metadata(&at) {
            Ok(m) if m.file_type().is_symlink() => {
                bail!(
                    "`{}` is a symbolic link; podium init never writes through one",
                    at.display()
                )
            }
            Ok(m) if m.is_dir() => {}
            Ok(_) => bail!("`{}` exists and is not a folder", at.display()),
            Err(_) if !create => return Ok(()),
            Err(_) => std::fs::create_dir(&at).with_context(|| format!("failed to create `{}`", at.display()))?,
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    #[test]
    fn config_template_is_all_defaults_and_every_option_parses() {
        let commented = Config::parse(CONFIG_TOML).unwrap();
        assert_eq!(commented.page_size, Config::default().page_size);
        // Uncomment every option line (not the prose): the documented values must be valid.
        let is_option = |l: &str| {
            let rest = l.trim_start_matches("# ");
            (rest.starts_with('[') && rest.ends_with(']'))
                || rest
                    .split_once(" = ")
                    .is_some_and(|(k, _)| !k.is_empty() && k.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'))
        };
        let uncommented: Vec<&str> = CONFIG_TOML
            .lines()
            .map(|l| {
                if l.starts_with("# ") && is_option(l) {
                    &l[2..]
                } else {
                    l
                }
            })
            .collect();
        let options = uncommented
            .iter()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
            .count();
        assert!(options >= 23, "{options} options uncommented");
        let all = Config::parse(&uncommented.join("\n")).unwrap();
        assert_eq!(all.title, Config::default().title);
        assert_eq!(all.urls.talk.as_deref(), Some("/events/{event}/{slug}/"));
    }

    #[cfg(unix)]
    #[test]
    fn never_writes_through_a_link() {
        // Attack: a repository ships `podium.toml` as a dangling link to a file
        // elsewhere (or `content` as a link to a folder elsewhere); `init` must not
        // create the link's target.
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim.toml");
        let site = dir.path().join("site");
        std::fs::create_dir(&site).unwrap();
        std::os::unix::fs::symlink(&victim, site.join("podium.toml")).unwrap();
        let err = init(&site).unwrap_err().to_string();
        assert!(err.contains("podium.toml") && err.contains("never overwrites"), "{err}");
        assert!(!victim.exists(), "init created the target of a dangling link");

        let elsewhere = dir.path().join("elsewhere");
        std::fs::create_dir(&elsewhere).unwrap();
        let site2 = dir.path().join("site2");
        std::fs::create_dir(&site2).unwrap();
        std::os::unix::fs::symlink(&elsewhere, site2.join("content")).unwrap();
        let err = init(&site2).unwrap_err().to_string();
        assert!(err.contains("symbolic link"), "{err}");
        assert_eq!(
            std::fs::read_dir(&elsewhere).unwrap().count(),
            0,
            "init wrote through a linked folder"
        );
        assert!(
            !site2.join("podium.toml").exists(),
            "init wrote some files before refusing"
        );
    }

    #[test]
    fn never_overwrites() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("podium.toml"), "title = \"mine\"").unwrap();
        let err = init(dir.path()).unwrap_err().to_string();
        assert!(err.contains("podium.toml") && err.contains("never overwrites"), "{err}");
        assert!(!dir.path().join("content").exists());
        assert_eq!(
            std::fs::read_to_string(dir.path().join("podium.toml")).unwrap(),
            "title = \"mine\""
        );
    }
}
