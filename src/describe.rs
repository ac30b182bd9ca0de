//! Description rendering (stub until the full module lands).

/// Renders an untrusted description to sanitised HTML.
pub fn render_description(text: &str) -> String {
    let t = text.trim();
    if t.is_empty() {
        return String::new();
    }
    ammonia::clean_text(t)
        .split("\n\n")
        .map(|p| format!("<p>{}</p>", p.replace('\n', "<br>")))
        .collect()
}

/// Plain-text lead of a description.
pub fn plain_summary(text: &str, max_chars: usize) -> String {
    let s: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    s.chars().take(max_chars).collect()
}
