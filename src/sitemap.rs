//! `sitemap.xml` (split with a sitemap index past the protocol's 50,000-URL limit)
//! and `robots.txt` pointing at it.

/// The sitemap protocol's limit of URLs per file.
pub const MAX_URLS: usize = 50_000;

/// Sitemap files for absolute page URLs, as (output path, bytes).
pub fn render(base: &str, urls: &[String], limit: usize) -> Vec<(String, Vec<u8>)> {
    let limit = limit.max(1);
    let urlset = |chunk: &[String]| {
        let mut s = String::with_capacity(chunk.len() * 80 + 200);
        s.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        s.push_str("<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
        for u in chunk {
            s.push_str("  <url><loc>");
            s.push_str(&crate::render::escape_html(u));
            s.push_str("</loc></url>\n");
        }
        s.push_str("</urlset>\n");
        s.into_bytes()
    };
    if urls.len() <= limit {
        return vec![("sitemap.xml".into(), urlset(urls))];
    }
    let mut files = Vec::new();
    let mut index = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for (i, chunk) in urls.chunks(limit).enumerate() {
        let name = format!("sitemap-{}.xml", i + 1);
        index.push_str(&format!(
            "  <sitemap><loc>{}/{name}</loc></sitemap>\n",
            crate::render::escape_html(base)
        ));
        files.push((name, urlset(chunk)));
    }
    index.push_str("</sitemapindex>\n");
    files.push(("sitemap.xml".into(), index.into_bytes()));
    files
}

/// `robots.txt`: everything may be crawled; the sitemap is named.
pub fn robots(base: &str) -> (String, Vec<u8>) {
    (
        "robots.txt".into(),
        format!("User-agent: *\nAllow: /\n\nSitemap: {base}/sitemap.xml\n").into_bytes(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_file_under_the_limit() {
        let urls: Vec<String> = (0..3).map(|i| format!("https://x.org/{i}/")).collect();
        let files = render("https://x.org", &urls, 3);
        assert_eq!(files.len(), 1);
        let text = String::from_utf8(files[0].1.clone()).unwrap();
        assert_eq!(text.matches("<url>").count(), 3);
    }

    #[test]
    fn splits_with_an_index_over_the_limit() {
        let urls: Vec<String> = (0..7).map(|i| format!("https://x.org/{i}/?a&b")).collect();
        let files = render("https://x.org", &urls, 3);
        let names: Vec<&str> = files.iter().map(|f| f.0.as_str()).collect();
        assert_eq!(
            names,
            ["sitemap-1.xml", "sitemap-2.xml", "sitemap-3.xml", "sitemap.xml"]
        );
        let index = String::from_utf8(files[3].1.clone()).unwrap();
        assert!(index.contains("<sitemapindex") && index.contains("https://x.org/sitemap-3.xml"));
        assert!(String::from_utf8(files[0].1.clone()).unwrap().contains("?a&amp;b"));
    }
}
