//! The theme: the default templates and static files compiled into the binary, a
//! site's overrides of them, and the escaping every template uses.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use tera::Tera;

/// The default theme, compiled into the binary so the binary alone builds a site.
pub const THEME_TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../templates/base.html")),
    ("macros.html", include_str!("../templates/macros.html")),
    ("card.html", include_str!("../templates/card.html")),
    ("index.html", include_str!("../templates/index.html")),
    ("events.html", include_str!("../templates/events.html")),
    ("event.html", include_str!("../templates/event.html")),
    ("talk.html", include_str!("../templates/talk.html")),
    ("terms.html", include_str!("../templates/terms.html")),
    ("term.html", include_str!("../templates/term.html")),
    ("search.html", include_str!("../templates/search.html")),
    ("page.html", include_str!("../templates/page.html")),
    ("404.html", include_str!("../templates/404.html")),
    ("redirect.html", include_str!("../templates/redirect.html")),
    ("atom.xml", include_str!("../templates/atom.xml")),
    ("rss.xml", include_str!("../templates/rss.xml")),
    ("atom_entry.xml", include_str!("../templates/atom_entry.xml")),
    ("rss_item.xml", include_str!("../templates/rss_item.xml")),
];

/// The default theme's static files, copied to `static/` in the output.
pub const THEME_STATIC: &[(&str, &[u8])] = &[
    ("style.css", include_bytes!("../static/style.css")),
    ("player.js", include_bytes!("../static/player.js")),
    ("search.js", include_bytes!("../static/search.js")),
    ("talk.svg", include_bytes!("../static/talk.svg")),
    ("favicon.svg", include_bytes!("../static/favicon.svg")),
];

/// Loads the theme, letting files in `templates_dir` override any template by name.
pub fn load_templates(templates_dir: &Path) -> Result<Tera> {
    let mut templates: Vec<(String, String)> = THEME_TEMPLATES
        .iter()
        .map(|(n, t)| (n.to_string(), t.to_string()))
        .collect();
    if templates_dir.is_dir() {
        for (name, path) in crate::write::files_in(templates_dir)? {
            if name.starts_with('.') || name.ends_with(".md") {
                continue;
            }
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("failed to read template `{}`", path.display()))?;
            templates.retain(|(n, _)| *n != name);
            templates.push((name, text));
        }
    }
    let mut tera = Tera::default();
    tera.autoescape_on(vec![".html", ".xml"]);
    tera.set_escape_fn(escape_html);
    tera.add_raw_templates(templates).context("failed to load templates")?;
    Ok(tera)
}

/// HTML/XML escaping that leaves `/` alone (Tera's default turns every `/` into `&#x2F;`).
pub fn escape_html(input: &str) -> String {
    let bytes = input.as_bytes();
    let mut out = String::with_capacity(input.len() + input.len() / 16);
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let (rep, skip): (&str, usize) = match b {
            b'&' => ("&amp;", 1),
            b'<' => ("&lt;", 1),
            b'>' => ("&gt;", 1),
            b'"' => ("&quot;", 1),
            b'\'' => ("&#39;", 1),
            // Characters XML forbids (and HTML calls parse errors) are dropped.
            0..=8 | 0x0B | 0x0C | 0x0E..=0x1F | 0x7F => ("", 1),
            // U+FFFE and U+FFFF (EF BF BE / EF BF BF).
            0xEF if bytes.get(i + 1) == Some(&0xBF) && matches!(bytes.get(i + 2), Some(0xBE | 0xBF)) => ("", 3),
            _ => {
                i += 1;
                continue;
            }
        };
        out.push_str(&input[start..i]);
        out.push_str(rep);
        i += skip;
        start = i;
    }
    out.push_str(&input[start..]);
    out
}

/// Where a static file comes from.
enum StaticSource {
    Theme(&'static [u8]),
    Site(PathBuf),
}

/// The output paths of the static files (see [`static_files`]), without reading them.
pub fn static_names(static_dir: &Path) -> Result<Vec<String>> {
    Ok(static_sources(static_dir)?.into_iter().map(|(name, _)| name).collect())
}

/// The theme's static files plus the site's own `static/` folder (which wins).
pub fn static_files(static_dir: &Path) -> Result<Vec<(String, Vec<u8>)>> {
    static_sources(static_dir)?
        .into_iter()
        .map(|(name, source)| match source {
            StaticSource::Theme(bytes) => Ok((name, bytes.to_vec())),
            StaticSource::Site(path) => {
                let bytes = std::fs::read(&path).with_context(|| format!("failed to read `{}`", path.display()))?;
                Ok((name, bytes))
            }
        })
        .collect()
}

/// Output path and source of each static file: the theme's, then the site's
/// `static/` folder (hidden entries left out), a site file replacing the theme's.
fn static_sources(static_dir: &Path) -> Result<Vec<(String, StaticSource)>> {
    let mut files: Vec<(String, StaticSource)> = THEME_STATIC
        .iter()
        .map(|(n, b)| (format!("static/{n}"), StaticSource::Theme(b)))
        .collect();
    if static_dir.is_dir() {
        for (rel, path) in crate::write::files_in(static_dir)? {
            if rel.split('/').any(|s| s.starts_with('.')) {
                continue;
            }
            let name = format!("static/{rel}");
            files.retain(|(n, _)| *n != name);
            files.push((name, StaticSource::Site(path)));
        }
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_keeps_slashes() {
        assert_eq!(escape_html("/a/<b>&\"'"), "/a/&lt;b&gt;&amp;&quot;&#39;");
        assert_eq!(escape_html("é\u{0}x\u{FFFE}y\u{FFFF}\u{7}ü\n"), "éxyü\n");
    }

    #[test]
    fn theme_templates_parse() {
        load_templates(Path::new("/nonexistent")).unwrap();
    }
}
