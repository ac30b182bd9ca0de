//! Turns untrusted talk-video URLs into safe embeds, HTML5 files or plain links for templates.

use serde::Serialize;
use std::fmt;
use url::Url;

/// How a talk's video is shown; serialised with a `kind` tag so templates can branch on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Video {
    /// Embeddable player, shown behind a click-to-load facade so no third-party code runs until asked.
    Embed {
        provider: Provider,
        /// `provider.name()`, duplicated because templates cannot call methods.
        provider_name: &'static str,
        /// Canonical watch page, for the "open on …" link and for no-JS readers.
        url: String,
        /// The iframe `src`; YouTube goes through youtube-nocookie.com.
        embed_url: String,
        /// Poster for the facade, when it can be derived without an API call.
        thumbnail: Option<String>,
    },
    /// Direct media file for an HTML5 `<video>`; `mime` lets the browser skip formats it cannot play.
    File {
        url: String,
        mime: String,
        size: Option<u64>,
        size_human: Option<String>,
    },
    /// Anything else: rendered as a "Watch on `host`" link.
    Link {
        url: String,
        /// Display host, without a leading `www.`.
        host: String,
    },
}

/// Hosts whose players we know how to embed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Provider {
    Youtube,
    Vimeo,
    ArchiveOrg,
    Peertube,
}

impl Provider {
    /// Human-readable name for labels such as "Play on YouTube".
    pub fn name(self) -> &'static str {
        match self {
            Provider::Youtube => "YouTube",
            Provider::Vimeo => "Vimeo",
            Provider::ArchiveOrg => "Internet Archive",
            Provider::Peertube => "PeerTube",
        }
    }
}

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Video {
    /// The URL a reader can always follow, whatever the kind.
    pub fn url(&self) -> &str {
        match self {
            Video::Embed { url, .. } | Video::File { url, .. } | Video::Link { url, .. } => url,
        }
    }

    /// Fills a missing embed thumbnail from the talk's own `thumbnail_url` (Vimeo, PeerTube),
    /// only if that URL is itself safe; other kinds and existing thumbnails are left alone.
    pub fn with_fallback_thumbnail(mut self, raw: Option<&str>) -> Self {
        if let Video::Embed {
            thumbnail: thumbnail @ None,
            ..
        } = &mut self
        {
            *thumbnail = raw.and_then(safe_http_url);
        }
        self
    }
}

/// Longest URL we accept; anything longer is junk or an attack, not a talk video.
const MAX_URL_LEN: usize = 4096;

/// Only absolute http(s) URLs with a host survive; returns the normalised URL string.
///
/// Rejects other schemes (javascript:, data:, vbscript:, …), relative and protocol-relative URLs,
/// control characters or invisible/bidi characters anywhere (they are used to obfuscate schemes),
/// backslashes, embedded credentials (`http://good.com@evil.com`) and sloppy `http:host` forms.
/// The result contains no whitespace, quotes or angle brackets, so it stays inert even in an
/// attribute a template forgot to escape (`'` is percent-encoded, which the url crate does not do).
pub fn safe_http_url(raw: &str) -> Option<String> {
    let s = raw.trim_matches([' ', '\t', '\n', '\r', '\x0c']);
    if s.is_empty() || s.len() > MAX_URL_LEN {
        return None;
    }
    if s.chars().any(|c| c.is_control() || c == '\\' || is_sneaky_char(c)) {
        return None;
    }
    // Exactly `http://` or `https://` then an authority: the url crate would otherwise repair
    // `http:host`, `http:///host` and similar into something the author never wrote.
    let after_scheme = ["http://", "https://"].iter().find_map(|p| {
        let head = s.get(..p.len())?;
        head.eq_ignore_ascii_case(p).then(|| &s[p.len()..])
    })?;
    if after_scheme.is_empty() || after_scheme.starts_with('/') {
        return None;
    }
    let url = Url::parse(s).ok()?;
    if !matches!(url.scheme(), "http" | "https") || !url.username().is_empty() || url.password().is_some() {
        return None;
    }
    match url.host_str() {
        Some(h) if !h.is_empty() => {}
        _ => return None,
    }
    let out = url.as_str().replace('\'', "%27");
    if out
        .chars()
        .all(|c| c.is_ascii_graphic() && !matches!(c, '"' | '\'' | '<' | '>' | '`'))
    {
        Some(out)
    } else {
        None
    }
}

/// Non-ASCII whitespace, zero-width and bidi-control characters: invisible in an editor, so they
/// only appear in URLs to spoof or smuggle.
fn is_sneaky_char(c: char) -> bool {
    (c.is_whitespace() && c != ' ')
        || matches!(c, '\u{00AD}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

/// A talk's video entries, classified, unsafe ones left out. The prepared talk
/// ([`crate::prepare`]) keeps the result: pages, feeds, the API and thumbnails read it
/// there, so this is the one place the rules run.
pub fn sources(videos: &[crate::model::VideoSource]) -> Vec<Video> {
    videos
        .iter()
        .filter_map(|v| classify(&v.kind, &v.url, v.size))
        .collect()
}

/// Classifies one video entry; `None` when the URL is not a safe http(s) URL (the caller warns).
///
/// The URL decides, not `kind` (pyvideo's `type` is often wrong, e.g. "youtube" on other hosts);
/// `kind` is only used to recognise PeerTube's short `/w/ID` links, which look generic otherwise.
/// A `size` of 0 is treated as unknown.
pub fn classify(kind: &str, raw_url: &str, size: Option<u64>) -> Option<Video> {
    let normalised = safe_http_url(raw_url)?;
    let url = Url::parse(&normalised).ok()?;
    let host = url.host_str()?.to_ascii_lowercase();

    let embed = if is_youtube_host(&host) {
        youtube_id(&url).map(|id| youtube_embed(&id, youtube_start(&url)))
    } else if is_vimeo_host(&host) {
        vimeo_embed(&url)
    } else if host == "archive.org" || host == "www.archive.org" {
        archive_embed(&url)
    } else {
        peertube_embed(kind, &url)
    };
    if embed.is_some() {
        return embed;
    }

    if let Some(mime) = file_mime(&url) {
        let size = size.filter(|&n| n > 0);
        return Some(Video::File {
            url: normalised,
            mime: mime.to_string(),
            size,
            size_human: size.map(human_size),
        });
    }

    let display_host = host.strip_prefix("www.").unwrap_or(&host).to_string();
    Some(Video::Link {
        url: normalised,
        host: display_host,
    })
}

fn is_youtube_host(host: &str) -> bool {
    host == "youtu.be"
        || host == "youtube.com"
        || host.ends_with(".youtube.com")
        || host == "youtube-nocookie.com"
        || host.ends_with(".youtube-nocookie.com")
}

fn is_vimeo_host(host: &str) -> bool {
    matches!(host, "vimeo.com" | "www.vimeo.com" | "player.vimeo.com")
}

fn embed(provider: Provider, url: String, embed_url: String, thumbnail: Option<String>) -> Video {
    Video::Embed {
        provider,
        provider_name: provider.name(),
        url,
        embed_url,
        thumbnail,
    }
}

fn youtube_embed(id: &str, start: Option<u32>) -> Video {
    let (watch, embed_url) = match start {
        Some(s) => (
            format!("https://www.youtube.com/watch?v={id}&t={s}s"),
            format!("https://www.youtube-nocookie.com/embed/{id}?start={s}"),
        ),
        None => (
            format!("https://www.youtube.com/watch?v={id}"),
            format!("https://www.youtube-nocookie.com/embed/{id}"),
        ),
    };
    embed(Provider::Youtube, watch, embed_url, Some(youtube_thumbnail(id)))
}

/// YouTube id from any URL shape (watch?v=, youtu.be/, embed/, v/, e/, shorts/, live/,
/// youtube-nocookie); validated as 11 chars of `[A-Za-z0-9_-]` so it is safe to splice into URLs.
pub fn youtube_id(url: &Url) -> Option<String> {
    let host = url.host_str()?.to_ascii_lowercase();
    if !is_youtube_host(&host) {
        return None;
    }
    let mut segs = url.path_segments()?.filter(|s| !s.is_empty());
    let candidate = if host == "youtu.be" {
        segs.next()?.to_string()
    } else {
        match segs.next()? {
            "watch" => url.query_pairs().find(|(k, _)| k == "v")?.1.into_owned(),
            "embed" | "v" | "e" | "shorts" | "live" => segs.next()?.to_string(),
            _ => return None,
        }
    };
    // Old Flash URLs carry parameters in the path: /v/ID&hl=en_US&fs=1
    let id = candidate.split(['&', ';', '?']).next().unwrap_or_default();
    is_youtube_id(id).then(|| id.to_string())
}

fn is_youtube_id(id: &str) -> bool {
    id.len() == 11 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Thumbnail for a YouTube id: `https://i.ytimg.com/vi/ID/hqdefault.jpg` (exists for every video).
pub fn youtube_thumbnail(id: &str) -> String {
    format!("https://i.ytimg.com/vi/{id}/hqdefault.jpg")
}

/// Start offset in seconds from `t=`, `start=` or `time_continue=` in the query or `#t=` fragment.
fn youtube_start(url: &Url) -> Option<u32> {
    let from_query = url
        .query_pairs()
        .filter(|(k, _)| k == "t" || k == "start" || k == "time_continue")
        .find_map(|(_, v)| parse_time(&v));
    from_query.or_else(|| {
        url.fragment()?
            .split('&')
            .filter_map(|kv| kv.strip_prefix("t=").or_else(|| kv.strip_prefix("start=")))
            .find_map(parse_time)
    })
}

/// Parses `90`, `90s`, `1m30s`, `1h2m3s` or `1m30` into seconds; `None` for 0, junk or absurd values.
fn parse_time(s: &str) -> Option<u32> {
    const MAX: u32 = 7 * 24 * 3600;
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    let mut total: u32 = 0;
    let mut num: Option<u32> = None;
    for c in s.chars() {
        if let Some(d) = c.to_digit(10) {
            num = Some(num.unwrap_or(0).checked_mul(10)?.checked_add(d)?);
        } else {
            let mult = match c.to_ascii_lowercase() {
                'h' => 3600,
                'm' => 60,
                's' => 1,
                _ => return None,
            };
            total = total.checked_add(num.take()?.checked_mul(mult)?)?;
        }
    }
    if let Some(n) = num {
        total = total.checked_add(n)?;
    }
    (total > 0 && total <= MAX).then_some(total)
}

/// vimeo.com/ID[/HASH], channels/X/ID, groups/X/videos/ID, showcase|album/X/video/ID,
/// player.vimeo.com/video/ID[?h=HASH]; the hash is what makes unlisted videos playable.
fn vimeo_embed(url: &Url) -> Option<Video> {
    let host = url.host_str()?;
    let segs: Vec<&str> = url.path_segments()?.filter(|s| !s.is_empty()).collect();
    let (id, hash) = if host == "player.vimeo.com" {
        match segs.as_slice() {
            ["video", id, ..] => (
                *id,
                url.query_pairs().find(|(k, _)| k == "h").map(|(_, v)| v.into_owned()),
            ),
            _ => return None,
        }
    } else {
        match segs.as_slice() {
            [id] => (*id, None),
            [id, hash] if is_numeric_id(id) => (*id, Some(hash.to_string())),
            ["channels", _, id] | ["groups", _, "videos", id] => (*id, None),
            ["showcase" | "album", _, "video", id] => (*id, None),
            _ => return None,
        }
    };
    if !is_numeric_id(id) {
        return None;
    }
    let hash = hash.filter(|h| !h.is_empty() && h.len() <= 32 && h.bytes().all(|b| b.is_ascii_alphanumeric()));
    let (page, player) = match &hash {
        Some(h) => (
            format!("https://vimeo.com/{id}/{h}"),
            format!("https://player.vimeo.com/video/{id}?h={h}"),
        ),
        None => (
            format!("https://vimeo.com/{id}"),
            format!("https://player.vimeo.com/video/{id}"),
        ),
    };
    Some(embed(Provider::Vimeo, page, player, None))
}

fn is_numeric_id(s: &str) -> bool {
    !s.is_empty() && s.len() <= 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// archive.org/details/ID[/FILE] or /embed/ID[/FILE]; a file inside the item is kept only when it is
/// a video file, so the player starts on the right one. Direct downloads fall through to `File`.
fn archive_embed(url: &Url) -> Option<Video> {
    let mut segs = url.path_segments()?.filter(|s| !s.is_empty());
    if !matches!(segs.next()?, "details" | "embed") {
        return None;
    }
    let id = segs.next()?;
    let id_ok = id.len() <= 128
        && !id.starts_with('.')
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    if !id_ok {
        return None;
    }
    let rest: Vec<&str> = segs.collect();
    // Segments come percent-encoded from the url crate; reject dot-segments and anything
    // whose last part is not a video (e.g. details/ID/start/30).
    let file = match rest.last() {
        Some(last) if extension_mime(last).is_some() && rest.iter().all(|s| *s != "." && *s != "..") => {
            Some(rest.join("/"))
        }
        _ => None,
    };
    let suffix = file.map(|f| format!("/{f}")).unwrap_or_default();
    Some(embed(
        Provider::ArchiveOrg,
        format!("https://archive.org/details/{id}{suffix}"),
        format!("https://archive.org/embed/{id}{suffix}"),
        Some(format!("https://archive.org/services/img/{id}")),
    ))
}

/// PeerTube: `/videos/watch/UUID` or `/videos/embed/UUID` on any host (distinctive enough);
/// short ids and `/w/ID` only when the entry says it is PeerTube. Only over https:
/// PeerTube's player refuses to run embedded from a plain-http instance, so such a
/// video gets the "Watch on <host>" link, not a Play button that does nothing (and
/// the scheme is not upgraded: small instances may not serve https at all).
fn peertube_embed(kind: &str, url: &Url) -> Option<Video> {
    if url.scheme() != "https" {
        return None;
    }
    let declared = kind.trim().eq_ignore_ascii_case("peertube");
    let segs: Vec<&str> = url.path_segments()?.filter(|s| !s.is_empty()).collect();
    let id = match segs.as_slice() {
        ["videos", "watch" | "embed", id] => *id,
        ["w", id] if declared => *id,
        _ => return None,
    };
    let short_ok = declared && (8..=40).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric());
    if !(is_uuid(id) || short_ok) {
        return None;
    }
    let origin = url.origin().ascii_serialization();
    Some(embed(
        Provider::Peertube,
        format!("{origin}/videos/watch/{id}"),
        format!("{origin}/videos/embed/{id}"),
        None,
    ))
}

fn is_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// MIME type from the path's extension (case-insensitive; query and fragment ignored).
fn file_mime(url: &Url) -> Option<&'static str> {
    let last = url.path_segments()?.next_back()?;
    extension_mime(last)
}

/// MIME types for `<source type=…>`; includes formats browsers rarely play (flv, avi) so the
/// template can still offer them as a download.
fn extension_mime(file_name: &str) -> Option<&'static str> {
    let (_, ext) = file_name.rsplit_once('.')?;
    Some(match ext.to_ascii_lowercase().as_str() {
        "mp4" | "m4v" => "video/mp4",
        "webm" => "video/webm",
        "ogv" | "ogg" => "video/ogg",
        "mkv" => "video/x-matroska",
        "mov" => "video/quicktime",
        "flv" => "video/x-flv",
        "avi" => "video/x-msvideo",
        "mpg" | "mpeg" => "video/mpeg",
        "3gp" => "video/3gpp",
        _ => return None,
    })
}

/// Hosts an archive `embed` snippet may point at; anything else is dropped rather than trusted.
const EMBED_HOSTS: &[&str] = &[
    "youtube.com",
    "www.youtube.com",
    "m.youtube.com",
    "youtu.be",
    "youtube-nocookie.com",
    "www.youtube-nocookie.com",
    "vimeo.com",
    "www.vimeo.com",
    "player.vimeo.com",
    "archive.org",
    "www.archive.org",
];

/// The video URL inside an archive-API `embed` HTML snippet: the `src` of an `<iframe>`/`<embed>`
/// (or `data` of an `<object>`) whose host is YouTube, Vimeo or archive.org; never anything else.
///
/// The snippet is untrusted, so this is a small tokenizer rather than a regex: attributes are split
/// honouring quotes (no `data-src` or `src` inside another value), comments and the contents of
/// `<script>`/`<style>`-like elements are skipped, entities are decoded the way a browser would
/// before validation, and protocol-relative `//host` sources are read as https.
pub fn url_from_embed(snippet: &str) -> Option<String> {
    let lower = snippet.to_ascii_lowercase(); // same byte offsets as `snippet`
    let bytes = lower.as_bytes();
    let mut i = 0;
    while let Some(off) = lower.get(i..)?.find('<') {
        let start = i + off;
        if lower[start..].starts_with("<!--") {
            let end = lower[start + 4..].find("-->")?;
            i = start + 4 + end + 3;
            continue;
        }
        let name_start = start + 1;
        let name_len = bytes[name_start..]
            .iter()
            .take_while(|b| !(b.is_ascii_whitespace() || **b == b'/' || **b == b'>'))
            .count();
        if name_len == 0 || !bytes[name_start].is_ascii_alphabetic() {
            i = name_start;
            continue;
        }
        let name = &lower[name_start..name_start + name_len];
        let (attrs, end) = parse_attrs(snippet, name_start + name_len)?;
        let wanted = match name {
            "iframe" | "embed" => Some("src"),
            "object" => Some("data"),
            _ => None,
        };
        let found = wanted.and_then(|attr| {
            let (_, value) = attrs.iter().find(|(k, _)| k == attr)?;
            embed_candidate(value)
        });
        if found.is_some() {
            return found;
        }
        i = end;
        if matches!(
            name,
            "script" | "style" | "textarea" | "title" | "xmp" | "noscript" | "noembed" | "template"
        ) {
            // Raw text: a tag-looking string inside is data, not markup.
            let close = format!("</{name}");
            i = end + lower[end..].find(&close)?;
        }
    }
    None
}

/// Attributes of a start tag beginning at `pos` (just after the tag name), HTML-tokenizer style:
/// returns lowercase names with raw values and the offset after `>`; `None` if the tag never closes.
fn parse_attrs(src: &str, mut pos: usize) -> Option<(Vec<(String, String)>, usize)> {
    let b = src.as_bytes();
    let mut attrs: Vec<(String, String)> = Vec::new();
    loop {
        while pos < b.len() && (b[pos].is_ascii_whitespace() || b[pos] == b'/') {
            pos += 1;
        }
        if b.get(pos)? == &b'>' {
            return Some((attrs, pos + 1));
        }
        let name_start = pos;
        pos += 1; // first char may even be '='
        while pos < b.len() && !(b[pos].is_ascii_whitespace() || matches!(b[pos], b'/' | b'>' | b'=')) {
            pos += 1;
        }
        let name = src.get(name_start..pos)?.to_ascii_lowercase();
        let mut after = pos;
        while after < b.len() && b[after].is_ascii_whitespace() {
            after += 1;
        }
        let mut value = String::new();
        if b.get(after) == Some(&b'=') {
            pos = after + 1;
            while pos < b.len() && b[pos].is_ascii_whitespace() {
                pos += 1;
            }
            match b.get(pos)? {
                q @ (b'"' | b'\'') => {
                    let close = src.get(pos + 1..)?.find(*q as char)?;
                    value = src.get(pos + 1..pos + 1 + close)?.to_string();
                    pos += close + 2;
                }
                _ => {
                    let v_start = pos;
                    while pos < b.len() && !(b[pos].is_ascii_whitespace() || b[pos] == b'>') {
                        pos += 1;
                    }
                    value = src.get(v_start..pos)?.to_string();
                }
            }
        }
        // HTML keeps the first of duplicated attributes.
        if !attrs.iter().any(|(k, _)| *k == name) {
            attrs.push((name, value));
        }
    }
}

/// Validates one `src` value from a snippet: entity-decoded, https for `//host`, known host only.
fn embed_candidate(raw: &str) -> Option<String> {
    // Entity-decoded as the browser would, so `&#106;avascript:` is seen for what it is.
    let decoded = html_escape::decode_html_entities(raw);
    let trimmed = decoded.trim();
    let absolute = match trimmed.strip_prefix("//") {
        Some(rest) => format!("https://{rest}"),
        None => trimmed.to_string(),
    };
    let safe = safe_http_url(&absolute)?;
    let host = Url::parse(&safe).ok()?.host_str()?.to_ascii_lowercase();
    EMBED_HOSTS.contains(&host.as_str()).then_some(safe)
}

/// Size as "187 MB" (SI units, one decimal below 10), compact enough for a download label.
pub fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 7] = ["B", "kB", "MB", "GB", "TB", "PB", "EB"];
    if bytes < 1000 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit + 1 < UNITS.len() {
        value /= 1000.0;
        unit += 1;
    }
    loop {
        if value < 9.95 {
            return format!("{value:.1} {}", UNITS[unit]);
        }
        let rounded = value.round();
        if rounded >= 1000.0 && unit + 1 < UNITS.len() {
            value /= 1000.0;
            unit += 1;
            continue;
        }
        return format!("{rounded:.0} {}", UNITS[unit]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Url {
        Url::parse(s).expect("test URL parses")
    }

    /// Every URL we hand to a template must be inert even unescaped inside an attribute.
    fn assert_attr_safe(s: &str) {
        assert!(
            s.chars()
                .all(|c| c.is_ascii_graphic() && !matches!(c, '"' | '\'' | '<' | '>' | '`')),
            "unsafe char in {s:?}"
        );
        assert!(s.starts_with("http://") || s.starts_with("https://"), "{s}");
    }

    fn assert_video_safe(v: &Video) {
        match v {
            Video::Embed {
                url,
                embed_url,
                thumbnail,
                ..
            } => {
                assert_attr_safe(url);
                assert_attr_safe(embed_url);
                if let Some(t) = thumbnail {
                    assert_attr_safe(t);
                }
            }
            Video::File { url, .. } | Video::Link { url, .. } => assert_attr_safe(url),
        }
    }

    fn yt(raw: &str) -> (String, String) {
        match classify("youtube", raw, None) {
            Some(Video::Embed {
                provider: Provider::Youtube,
                url,
                embed_url,
                thumbnail,
                ..
            }) => {
                assert!(thumbnail.is_some());
                (url, embed_url)
            }
            other => panic!("{raw}: {other:?}"),
        }
    }

    #[test]
    fn youtube_shapes() {
        let id = "gznPQpZH1Yc";
        let plain = (
            format!("https://www.youtube.com/watch?v={id}"),
            format!("https://www.youtube-nocookie.com/embed/{id}"),
        );
        for raw in [
            format!("https://www.youtube.com/watch?v={id}"),
            format!("http://youtube.com/watch?v={id}"),
            format!("https://m.youtube.com/watch?v={id}"),
            format!("https://www.youtube.com/watch?feature=player_embedded&v={id}"),
            format!("https://www.youtube.com/watch?v={id}&feature=youtu.be"),
            format!("https://www.youtube.com/watch?v={id}&ab_channel=DjangoConEurope"),
            format!("https://youtu.be/{id}"),
            format!("http://youtu.be/{id}?si=abc"),
            format!("https://www.youtube.com/embed/{id}?rel=0"),
            format!("https://www.youtube-nocookie.com/embed/{id}"),
            format!("http://www.youtube.com/v/{id}&hl=en_US&fs=1"),
            format!("https://www.youtube.com/v/{id}?version=3"),
            format!("https://www.youtube.com/shorts/{id}"),
            format!("https://www.youtube.com/live/{id}"),
            format!("HTTPS://WWW.YOUTUBE.COM/watch?v={id}"),
        ] {
            assert_eq!(yt(&raw), plain, "{raw}");
        }
    }

    #[test]
    fn youtube_start_times() {
        let id = "gznPQpZH1Yc";
        let cases = [
            (format!("https://youtu.be/{id}?t=90"), 90),
            (format!("https://youtu.be/{id}?t=90s"), 90),
            (format!("https://www.youtube.com/watch?v={id}&t=1m30s"), 90),
            (
                format!("https://www.youtube.com/watch?v={id}&t=3h33m23s"),
                3 * 3600 + 33 * 60 + 23,
            ),
            (
                format!("https://www.youtube.com/watch?v={id}&feature=youtu.be&t=2m"),
                120,
            ),
            (format!("https://www.youtube.com/embed/{id}?start=45"), 45),
            (format!("https://www.youtube.com/watch?v={id}#t=1m5s"), 65),
            (format!("https://www.youtube.com/watch?v={id}&time_continue=12"), 12),
        ];
        for (raw, secs) in cases {
            let (url, embed) = yt(&raw);
            assert_eq!(url, format!("https://www.youtube.com/watch?v={id}&t={secs}s"), "{raw}");
            assert_eq!(
                embed,
                format!("https://www.youtube-nocookie.com/embed/{id}?start={secs}"),
                "{raw}"
            );
        }
        // Junk or zero start times are dropped, not propagated.
        for t in ["0", "abc", "1x", "99999999999999", "", "m"] {
            let (_, embed) = yt(&format!("https://youtu.be/{id}?t={t}"));
            assert_eq!(embed, format!("https://www.youtube-nocookie.com/embed/{id}"), "t={t}");
        }
    }

    #[test]
    fn youtube_invalid_ids_rejected() {
        for raw in [
            "https://www.youtube.com/watch?v=short",
            "https://www.youtube.com/watch?v=gznPQpZH1Ycx",
            "https://www.youtube.com/watch?v=gznPQ%22H1Yc",
            "https://www.youtube.com/watch?v=gznPQ<H1Yc>",
            "https://youtu.be/",
            "https://www.youtube.com/watch",
            "https://www.youtube.com/playlist?list=PL123",
            "https://www.youtube.com/user/PyConTV",
            "https://youtu.be/abc%27onload",
        ] {
            let url = parse(raw);
            assert_eq!(youtube_id(&url), None, "{raw}");
            match classify("youtube", raw, None) {
                Some(v @ Video::Link { .. }) => assert_video_safe(&v),
                other => panic!("{raw}: {other:?}"),
            }
        }
        assert_eq!(youtube_id(&parse("https://evil.com/watch?v=gznPQpZH1Yc")), None);
        assert_eq!(youtube_id(&parse("https://notyoutube.com/watch?v=gznPQpZH1Yc")), None);
        assert_eq!(
            youtube_thumbnail("gznPQpZH1Yc"),
            "https://i.ytimg.com/vi/gznPQpZH1Yc/hqdefault.jpg"
        );
    }

    #[test]
    fn youtube_type_with_other_url_classified_by_url() {
        assert!(matches!(
            classify("youtube", "https://vimeo.com/170384415", None),
            Some(Video::Embed {
                provider: Provider::Vimeo,
                ..
            })
        ));
        assert!(matches!(
            classify("youtube", "https://example.com/talk.mp4", None),
            Some(Video::File { .. })
        ));
    }

    #[test]
    fn vimeo() {
        for raw in [
            "https://vimeo.com/170384415",
            "http://www.vimeo.com/170384415",
            "https://player.vimeo.com/video/170384415",
            "https://player.vimeo.com/video/170384415?autoplay=1",
            "https://vimeo.com/channels/staffpicks/170384415",
            "https://vimeo.com/groups/python/videos/170384415",
        ] {
            let v = classify("vimeo", raw, None);
            assert_eq!(
                v,
                Some(Video::Embed {
                    provider: Provider::Vimeo,
                    provider_name: "Vimeo",
                    url: "https://vimeo.com/170384415".into(),
                    embed_url: "https://player.vimeo.com/video/170384415".into(),
                    thumbnail: None,
                }),
                "{raw}"
            );
        }
        match classify("vimeo", "https://vimeo.com/170384415/a1b2c3d4e5", None) {
            Some(Video::Embed { embed_url, .. }) => {
                assert_eq!(embed_url, "https://player.vimeo.com/video/170384415?h=a1b2c3d4e5")
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            classify("vimeo", "https://vimeo.com/pycon", None),
            Some(Video::Link { .. })
        ));
        let v = classify("vimeo", "https://vimeo.com/1", None)
            .map(|v| v.with_fallback_thumbnail(Some("https://i.vimeocdn.com/x.jpg")));
        assert!(matches!(v, Some(Video::Embed { thumbnail: Some(t), .. }) if t == "https://i.vimeocdn.com/x.jpg"));
        let v = classify("vimeo", "https://vimeo.com/1", None)
            .map(|v| v.with_fallback_thumbnail(Some("javascript:alert(1)")));
        assert!(matches!(v, Some(Video::Embed { thumbnail: None, .. })));
    }

    #[test]
    fn archive_org() {
        let id = "pyvideo_481___pyconau-2010-hard-real-time-python-or-giant-robots-of-doom";
        assert_eq!(
            classify("archive.org", &format!("https://archive.org/details/{id}"), None),
            Some(Video::Embed {
                provider: Provider::ArchiveOrg,
                provider_name: "Internet Archive",
                url: format!("https://archive.org/details/{id}"),
                embed_url: format!("https://archive.org/embed/{id}"),
                thumbnail: Some(format!("https://archive.org/services/img/{id}")),
            })
        );
        // A details page naming a file is still a page, not a media file.
        match classify(
            "archive",
            "https://archive.org/details/Apr_24-Intro/Intro_to_Hypothesis.mp4",
            None,
        ) {
            Some(Video::Embed { embed_url, .. }) => {
                assert_eq!(
                    embed_url,
                    "https://archive.org/embed/Apr_24-Intro/Intro_to_Hypothesis.mp4"
                )
            }
            other => panic!("{other:?}"),
        }
        match classify("archive", "https://www.archive.org/details/item/start/30", None) {
            Some(Video::Embed { embed_url, .. }) => {
                assert_eq!(embed_url, "https://archive.org/embed/item")
            }
            other => panic!("{other:?}"),
        }
        // Direct files.
        for (raw, mime) in [
            (
                "https://archive.org/download/pyconza2013-pinch-of-salt/pyconza2013-pinch-of-salt.ogv",
                "video/ogg",
            ),
            (
                "http://s3.us.archive.org/nextdayvideo/psf/pycon2013/Analyzing.mp4?Signature=PeB%3D&Expires=1",
                "video/mp4",
            ),
            ("https://ia801202.us.archive.org/12/items/x/talk.WEBM", "video/webm"),
        ] {
            match classify("mp4", raw, Some(187_000_000)) {
                Some(v @ Video::File { .. }) => {
                    assert_video_safe(&v);
                    let Video::File {
                        mime: m, size_human, ..
                    } = v
                    else {
                        unreachable!()
                    };
                    assert_eq!(m, mime, "{raw}");
                    assert_eq!(size_human.as_deref(), Some("187 MB"));
                }
                other => panic!("{raw}: {other:?}"),
            }
        }
        assert!(matches!(
            classify("archive.org", "https://archive.org/details/", None),
            Some(Video::Link { .. })
        ));
        assert!(matches!(
            classify("archive.org", "https://archive.org/details/.hidden", None),
            Some(Video::Link { .. })
        ));
    }

    #[test]
    fn peertube() {
        let uuid = "6a4b7aa9-575e-4355-8c5b-6cbb2847626a";
        for kind in ["peertube", "youtube"] {
            assert_eq!(
                classify(kind, &format!("https://bittube.video/videos/watch/{uuid}"), None),
                Some(Video::Embed {
                    provider: Provider::Peertube,
                    provider_name: "PeerTube",
                    url: format!("https://bittube.video/videos/watch/{uuid}"),
                    embed_url: format!("https://bittube.video/videos/embed/{uuid}"),
                    thumbnail: None,
                })
            );
        }
        match classify("peertube", "https://indymotion.fr/w/9c9de5e8Kq1zBqNdZzDXPc", None) {
            Some(Video::Embed { embed_url, url, .. }) => {
                assert_eq!(embed_url, "https://indymotion.fr/videos/embed/9c9de5e8Kq1zBqNdZzDXPc");
                assert_eq!(url, "https://indymotion.fr/videos/watch/9c9de5e8Kq1zBqNdZzDXPc");
            }
            other => panic!("{other:?}"),
        }
        match classify(
            "peertube",
            "https://tube.example:9000/videos/watch/ABCDEFGHijk12345",
            None,
        ) {
            Some(Video::Embed { embed_url, .. }) => {
                assert_eq!(embed_url, "https://tube.example:9000/videos/embed/ABCDEFGHijk12345")
            }
            other => panic!("{other:?}"),
        }
        // Over plain http the player refuses to embed: a link, not a dead Play button.
        assert!(matches!(
            classify(
                "peertube",
                &format!("http://tube.example:9000/videos/watch/{uuid}"),
                None
            ),
            Some(Video::Link { .. })
        ));
        // Short /w/ links are too generic to trust without the declared type.
        assert!(matches!(
            classify("other", "https://example.com/w/9c9de5e8Kq1zBqNdZzDXPc", None),
            Some(Video::Link { .. })
        ));
        assert!(matches!(
            classify("peertube", "https://indymotion.fr/w/p/9c9de5e8Kq1zBqNdZzDXPc", None),
            Some(Video::Link { .. })
        ));
        assert!(matches!(
            classify("peertube", "https://indymotion.fr/videos/watch/x%22y", None),
            Some(Video::Link { .. })
        ));
    }

    #[test]
    fn direct_files() {
        for (raw, mime) in [
            ("https://dl.afpy.org/pycon-fr-16/Topic%20Modelling.mp4", "video/mp4"),
            ("https://dl.afpy.org/a.webm", "video/webm"),
            (
                "http://mirror.linux.org.au/pub/pycon-au/pyconau2014/51-out.ogv",
                "video/ogg",
            ),
            ("https://x.org/a.OGG", "video/ogg"),
            ("https://x.org/a.mkv", "video/x-matroska"),
            ("https://x.org/a.mov", "video/quicktime"),
            ("https://x.org/a.m4v?x=1#t=3", "video/mp4"),
            ("https://x.org/a.flv", "video/x-flv"),
        ] {
            match classify("mp4", raw, None) {
                Some(v @ Video::File { .. }) => {
                    assert_video_safe(&v);
                    assert!(
                        matches!(&v, Video::File { mime: m, size: None, size_human: None, .. } if m == mime),
                        "{raw}"
                    );
                }
                other => panic!("{raw}: {other:?}"),
            }
        }
        // The query string does not count as the extension.
        assert!(matches!(
            classify("mp4", "https://x.org/watch?file=a.mp4", None),
            Some(Video::Link { .. })
        ));
        // Apostrophes from real data are percent-encoded, spaces too.
        let v = classify(
            "ogv",
            "http://dl.afpy.org/pycon-fr-15/211 - compagnon d'SQLAlchemy.ogv",
            Some(0),
        );
        match &v {
            Some(Video::File { url, size: None, .. }) => {
                assert_eq!(
                    url,
                    "http://dl.afpy.org/pycon-fr-15/211%20-%20compagnon%20d%27SQLAlchemy.ogv"
                )
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn link_fallback() {
        assert_eq!(
            classify(
                "teletek.es",
                "https://replay.teltek.es/video/594a215ba7bc28441b8b45c2",
                None
            ),
            Some(Video::Link {
                url: "https://replay.teltek.es/video/594a215ba7bc28441b8b45c2".into(),
                host: "replay.teltek.es".into(),
            })
        );
        assert!(matches!(
            classify("google", "http://video.google.com/videoplay?docid=-906354546937878632", None),
            Some(Video::Link { host, .. }) if host == "video.google.com"
        ));
        assert!(matches!(
            classify("x", "https://www.Example.COM/talk", None),
            Some(Video::Link { host, url }) if host == "example.com" && url == "https://www.example.com/talk"
        ));
    }

    #[test]
    fn hostile_urls_rejected() {
        for raw in [
            "javascript:alert(1)",
            "JaVaScRiPt:alert(1)",
            " javascript:alert(1)",
            "java\tscript:alert(1)",
            "java\nscript:alert(1)",
            "\u{0}javascript:alert(1)",
            "data:text/html,<script>alert(1)</script>",
            "vbscript:msgbox(1)",
            "file:///etc/passwd",
            "ftp://example.com/a.mp4",
            "//evil.com",
            "//evil.com/a.mp4",
            "/relative/path.mp4",
            "talk.mp4",
            "http://",
            "https://",
            "http:///path",
            "http:evil.com",
            "http:\\\\evil.com",
            "http://user:pass@evil.com/",
            "http://youtube.com@evil.com/",
            "ht\ttp://evil.com/",
            "http://evil.com/\u{7}",
            "http://evil.com/a\u{202E}4pm.exe",
            "http://evil\u{200B}.com/",
            "http://evil.com\u{2028}/",
            "http://ev il.com/",
            "http://<script>/",
            "",
            "   ",
        ] {
            assert_eq!(safe_http_url(raw), None, "{raw:?}");
            assert_eq!(classify("youtube", raw, None), None, "{raw:?}");
        }
        assert_eq!(safe_http_url(&format!("https://x.org/{}", "a".repeat(5000))), None);
    }

    #[test]
    fn returned_urls_are_attribute_safe() {
        for raw in [
            "https://example.com/a\"onmouseover=\"alert(1)",
            "https://example.com/a'onmouseover='alert(1)",
            "https://example.com/<script>alert(1)</script>",
            "https://example.com/?q=\"><img src=x>",
            "https://example.com/?q='x'",
            "https://example.com/#\"'<>`",
            "https://example.com/a b.mp4?x=1 2#y z",
            "https://example.com/`x`.webm",
            "https://例え.jp/ビデオ.mp4",
            "  https://example.com/trimmed \n",
        ] {
            let s = safe_http_url(raw).unwrap_or_else(|| panic!("{raw:?} should survive, escaped"));
            assert_attr_safe(&s);
            let v = classify("mp4", raw, Some(1)).unwrap_or_else(|| panic!("{raw:?}"));
            assert_video_safe(&v);
        }
        assert_eq!(
            safe_http_url("https://例え.jp/").as_deref(),
            Some("https://xn--r8jz45g.jp/")
        );
    }

    #[test]
    fn embed_snippets() {
        let yt = r#"<iframe width="560" height="315" src="https://www.youtube.com/embed/gznPQpZH1Yc?feature=oembed&amp;start=5" frameborder="0" allowfullscreen></iframe>"#;
        assert_eq!(
            url_from_embed(yt).as_deref(),
            Some("https://www.youtube.com/embed/gznPQpZH1Yc?feature=oembed&start=5")
        );
        let via = url_from_embed(yt).and_then(|u| classify("youtube", &u, None));
        assert!(
            matches!(via, Some(Video::Embed { embed_url, .. }) if embed_url == "https://www.youtube-nocookie.com/embed/gznPQpZH1Yc?start=5")
        );

        assert_eq!(
            url_from_embed("<IFRAME SRC='//player.vimeo.com/video/123'></IFRAME>").as_deref(),
            Some("https://player.vimeo.com/video/123")
        );
        assert_eq!(
            url_from_embed(r#"<iframe src=https://archive.org/embed/foo width=640></iframe>"#).as_deref(),
            Some("https://archive.org/embed/foo")
        );
        let flash = r#"<object width="425"><param name="movie" value="http://www.youtube.com/v/gznPQpZH1Yc&hl=en"></param><embed src="http://www.youtube.com/v/gznPQpZH1Yc&amp;hl=en" type="application/x-shockwave-flash"></embed></object>"#;
        assert_eq!(
            url_from_embed(flash).as_deref(),
            Some("http://www.youtube.com/v/gznPQpZH1Yc&hl=en")
        );
        assert_eq!(
            url_from_embed(r#"<object data="https://www.youtube.com/v/gznPQpZH1Yc"></object>"#).as_deref(),
            Some("https://www.youtube.com/v/gznPQpZH1Yc")
        );
        // Skips a bad iframe and takes a later good one.
        assert_eq!(
            url_from_embed(
                r#"<iframe src="https://evil.com/x"></iframe><iframe src="https://youtu.be/gznPQpZH1Yc"></iframe>"#
            )
            .as_deref(),
            Some("https://youtu.be/gznPQpZH1Yc")
        );

        for hostile in [
            r#"<iframe src="https://evil.com/embed/x"></iframe>"#,
            r#"<iframe src="https://www.youtube.com.evil.com/embed/x"></iframe>"#,
            r#"<iframe src="https://youtube.com@evil.com/embed/x"></iframe>"#,
            r#"<iframe src="//evil.com/x"></iframe>"#,
            r#"<script src="https://www.youtube.com/embed/gznPQpZH1Yc"></script>"#,
            r#"<script>document.write('<iframe src="https://www.youtube.com/embed/gznPQpZH1Yc">')</script>"#,
            r#"<!-- <iframe src="https://www.youtube.com/embed/gznPQpZH1Yc"> -->"#,
            r#"<iframe src="javascript:alert(1)"></iframe>"#,
            r#"<iframe src="&#106;avascript:alert(1)//https://www.youtube.com/"></iframe>"#,
            r#"<iframe src=" java&#x09;script:alert(1)"></iframe>"#,
            r#"<iframe src="data:text/html,<script>alert(1)</script>"></iframe>"#,
            r#"<iframe data-src="https://www.youtube.com/embed/gznPQpZH1Yc" src="https://evil.com/"></iframe>"#,
            r#"<iframe title="src='https://www.youtube.com/embed/gznPQpZH1Yc'" src="https://evil.com/"></iframe>"#,
            r#"<iframe src="https://evil.com/" src="https://www.youtube.com/embed/gznPQpZH1Yc"></iframe>"#,
            r#"<iframex src="https://www.youtube.com/embed/gznPQpZH1Yc"></iframex>"#,
            r#"<img src="https://www.youtube.com/embed/gznPQpZH1Yc">"#,
            r#"<iframe src="https://www.youtube.com/embed/gznPQpZH1Yc"#,
            r#"<a href="https://www.youtube.com/watch?v=gznPQpZH1Yc">video</a>"#,
            "https://www.youtube.com/watch?v=gznPQpZH1Yc",
            "",
            "<",
            "<iframe",
            "<<<>>>\u{0}<ifr\u{e9}ame src=x>",
            "<iframe src='",
            "<!--",
        ] {
            assert_eq!(url_from_embed(hostile), None, "{hostile}");
        }
    }

    #[test]
    fn human_sizes() {
        for (bytes, want) in [
            (0, "0 B"),
            (999, "999 B"),
            (1000, "1.0 kB"),
            (1_536, "1.5 kB"),
            (9_949_999, "9.9 MB"),
            (9_950_000, "10 MB"),
            (187_000_000, "187 MB"),
            (187_400_000, "187 MB"),
            (999_499, "999 kB"),
            (999_950, "1.0 MB"),
            (1_200_000_000, "1.2 GB"),
            (u64::MAX, "18 EB"),
        ] {
            assert_eq!(human_size(bytes), want, "{bytes}");
        }
    }

    #[test]
    fn provider_names() {
        assert_eq!(Provider::Youtube.name(), "YouTube");
        assert_eq!(Provider::Vimeo.to_string(), "Vimeo");
        assert_eq!(Provider::ArchiveOrg.to_string(), "Internet Archive");
        assert_eq!(Provider::Peertube.name(), "PeerTube");
    }
}
