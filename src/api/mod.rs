//! A read-only static JSON API next to the HTML: `/api/v2/video/<id>.json` in the
//! old archive API v2 shape, plus `/api/events.json` and `/api/talks.json`;
//! [`speakers`] writes `/api/speakers.json`.

pub mod speakers;

use serde_json::{json, Map, Value};

use crate::model::Talk;
use crate::render::Site;
use crate::video::Video;

/// Every API file, as (output path, bytes).
pub fn render(site: &Site<'_>) -> Vec<(String, Vec<u8>)> {
    let a = site.archive;
    let base = site.config.base();
    let mut out = Vec::new();
    for (t, talk) in a.talks.iter().enumerate() {
        if let Some(id) = talk.id {
            out.push((format!("api/v2/video/{id}.json"), to_bytes(&video_v2(site, t, talk))));
        }
    }
    let events: Vec<Value> = site
        .events_by_date()
        .into_iter()
        .map(|e| {
            json!({
                "slug": e.slug,
                "title": e.title,
                "start_date": e.start.map(|d| d.to_string()),
                "end_date": e.end.map(|d| d.to_string()),
                "talks": e.talks.len(),
                "url": format!("{base}{}", site.event_url(e)),
            })
        })
        .collect();
    out.push(("api/events.json".into(), to_bytes(&Value::Array(events))));
    let talks: Vec<Value> = a
        .talks
        .iter()
        .enumerate()
        .map(|(t, talk)| {
            json!({
                "id": talk.id,
                "title": talk.title,
                "event": a.events[talk.event].slug,
                "speakers": talk.speakers.iter().map(|&s| &a.speakers[s].name).collect::<Vec<_>>(),
                "tags": talk.tags.iter().map(|&s| &a.tags[s].name).collect::<Vec<_>>(),
                "date": talk.date.map(|d| d.to_string()),
                "url": format!("{base}{}", site.talk_url(t)),
            })
        })
        .collect();
    out.push(("api/talks.json".into(), to_bytes(&Value::Array(talks))));
    out
}

/// Compact JSON and a final newline, as every API file is written.
pub(crate) fn to_bytes(v: &Value) -> Vec<u8> {
    let mut b = serde_json::to_vec(v).unwrap_or_default();
    b.push(b'\n');
    b
}

/// One talk in the archive API v2 shape (same field names and types).
fn video_v2(site: &Site<'_>, t: usize, talk: &Talk) -> Value {
    let a = site.archive;
    let mut m = Map::new();
    let mut put = |k: &str, v: Value| {
        m.insert(k.to_string(), v);
    };
    put("id", talk.id.into());
    put("state", 1.into());
    put("title", talk.title.clone().into());
    put("slug", talk.slug.clone().into());
    put("category", a.events[talk.event].title.clone().into());
    put(
        "speakers",
        talk.speakers
            .iter()
            .map(|&s| Value::from(a.speakers[s].name.clone()))
            .collect(),
    );
    put(
        "tags",
        talk.tags.iter().map(|&s| Value::from(a.tags[s].name.clone())).collect(),
    );
    put(
        "language",
        talk.language
            .map_or(Value::Null, |l| a.languages[l].name.clone().into()),
    );
    put("summary", talk.summary.clone().into());
    put("description", talk.description.clone().into());
    put("quality_notes", talk.quality_notes.clone().into());
    put("copyright_text", talk.copyright.clone().into());
    put("thumbnail_url", talk.thumbnail.clone().unwrap_or_default().into());
    put("duration", talk.duration.into());
    put("recorded", talk.date.map_or(Value::Null, |d| d.to_string().into()));
    put("added", talk.added.clone().unwrap_or_default().into());
    put("updated", talk.updated.clone().unwrap_or_default().into());
    put("source_url", talk.source_url.clone().unwrap_or_default().into());
    put("whiteboard", "".into());
    put("url", format!("{}{}", site.config.base(), site.talk_url(t)).into());
    let mut embed = String::new();
    let mut files: Vec<(&str, String, Option<u64>)> = Vec::new();
    for v in site.talks[t].videos(talk) {
        match v {
            Video::Embed { embed_url, .. } if embed.is_empty() => embed = embed_url.clone(),
            Video::File { url, mime, size, .. } => {
                let slot = match mime.as_str() {
                    "video/mp4" => "mp4",
                    "video/webm" => "webm",
                    "video/ogg" => "ogv",
                    "video/x-flv" => "flv",
                    _ => continue,
                };
                if !files.iter().any(|f| f.0 == slot) {
                    files.push((slot, url.clone(), *size));
                }
            }
            _ => {}
        }
    }
    // The old API carried embed HTML; we publish the player URL only, never markup.
    put("embed", embed.into());
    for slot in ["ogv", "mp4", "webm", "flv"] {
        let f = files.iter().find(|f| f.0 == slot);
        put(
            &format!("video_{slot}_url"),
            f.map_or(Value::Null, |f| f.1.clone().into()),
        );
        put(&format!("video_{slot}_length"), f.and_then(|f| f.2).into());
        put(&format!("video_{slot}_download_only"), false.into());
    }
    Value::Object(m)
}
