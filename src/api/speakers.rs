//! `/api/speakers.json`: every speaker with their slug, page URL and talk count, in
//! the archive's speaker order.

use serde_json::{json, Value};

use crate::render::Site;

/// The speakers file, as (output path, bytes).
pub fn render(site: &Site<'_>) -> Vec<(String, Vec<u8>)> {
    let base = site.config.base();
    let speakers: Vec<Value> = site
        .archive
        .speakers
        .iter()
        .map(|s| {
            json!({
                "name": s.name,
                "slug": s.slug,
                "url": format!("{base}{}", site.speaker_url(s)),
                "talks": s.talks.len(),
            })
        })
        .collect();
    vec![("api/speakers.json".into(), super::to_bytes(&Value::Array(speakers)))]
}
