//! `podium serve`: a local preview server with live reload.
//!
//! The site is built into memory ([`Preview`]) and served by axum. A watcher
//! ([`watch`]) sends debounced changes to a rebuild thread, which renders only the
//! outputs a change touches and then tells open browsers to reload over
//! server-sent events. The reload script and the error overlay are added to HTML
//! responses as they are served; they never reach `podium build` output.
//!
//! Only files of the in-memory site are served, so no request path (`..`, encoded
//! or not, absolute paths, symbolic links) can reach anything else.

mod deps;
mod preview;
mod search;
mod store;
mod watch;

use std::convert::Infallible;
use std::io::Write as _;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context as _, Result};
use axum::body::Body;
use axum::extract::State;
use axum::http::{header, Method, StatusCode, Uri};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use futures_util::stream::Stream;
use tokio::sync::broadcast::error::RecvError;

pub use axum::body::Bytes;
pub use preview::{Change, Mode, Preview, PreviewOptions, Report};
pub use store::Store;
pub use watch::QUIET;

use crate::config::Config;

/// Quiet time after the whole-site files before the search index (about five
/// seconds for 16,000 talks, in two parts on threads of their own) is built again.
const SEARCH_AFTER: std::time::Duration = std::time::Duration::from_millis(4000);

/// Quiet time after an update before the whole-site files (sitemap, JSON API,
/// redirects: a fifth of a second on 16,000 talks) are regenerated, so a burst of
/// saves is never held up by them.
const SETTLE_AFTER: std::time::Duration = std::time::Duration::from_millis(1000);

/// Where the reload script is served; added before `</body>` of every HTML page.
pub const SCRIPT_PATH: &str = "/__podium/livereload.js";
/// The server-sent events stream the script listens to.
pub const EVENTS_PATH: &str = "/__podium/events";

// Hidden tabs drop their stream (browsers allow few connections per host) and, when
// shown again, reload if the site changed meanwhile: the hello carries a counter of
// published changes, and a restarted server starts it afresh.
const SCRIPT: &str = r#"(() => {
  let seen = null, es = null;
  const open = () => {
    if (es) return;
    es = new EventSource("/__podium/events");
    es.addEventListener("hello", (e) => {
      if (seen !== null && e.data !== seen) location.reload();
      seen = e.data;
    });
    es.addEventListener("reload", () => location.reload());
  };
  const close = () => { if (es) { es.close(); es = null; } };
  document.addEventListener("visibilitychange", () => (document.hidden ? close() : open()));
  addEventListener("pagehide", close);
  addEventListener("pageshow", () => { if (!document.hidden) open(); });
  if (!document.hidden) open();
})();
"#;

/// How to run the server.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// The site folder (podium.toml, templates/, static/).
    pub root: PathBuf,
    /// Data folder, overriding the config.
    pub data: Option<PathBuf>,
    pub bind: IpAddr,
    /// 0 picks a free port.
    pub port: u16,
    pub preview: PreviewOptions,
    /// Print how long each step of every update took.
    pub timings: bool,
}

/// The config as served: links point at the local server.
fn serve_config(opts: &ServeOptions, base_url: &str) -> Result<Config> {
    let mut config = Config::load(&opts.root)?;
    if let Some(d) = &opts.data {
        config.data_dir = d.clone();
    }
    config.base_url = base_url.to_string();
    crate::urls::UrlScheme::from_config(&config).validate()?;
    Ok(config)
}

/// Builds the site into memory and serves it until the process is stopped.
pub fn serve(opts: ServeOptions) -> Result<()> {
    let listener = std::net::TcpListener::bind((opts.bind, opts.port)).with_context(|| {
        format!(
            "cannot listen on {}; is another server using the port? `--port` picks another",
            SocketAddr::new(opts.bind, opts.port)
        )
    })?;
    let addr = listener.local_addr()?;
    if !addr.ip().is_loopback() {
        eprintln!("warning: listening on {addr}: the preview can be reached from other machines on the network");
    }
    let shown = if addr.ip().is_unspecified() {
        SocketAddr::new([127, 0, 0, 1].into(), addr.port())
    } else {
        addr
    };
    let base_url = format!("http://{shown}");
    let config = serve_config(&opts, &base_url)?;

    let started = Instant::now();
    eprintln!("Building `{}` in memory…", config.data_dir.display());
    let store = Store::new();
    if config.thumbnails == crate::thumbs::Mode::Local {
        store.set_thumbs_dir(Some(crate::thumbs::cache_dir(&config)));
    }
    let preview = Preview::new(config.clone(), opts.preview.clone(), store.clone())?;
    let errors = store.errors();
    for e in errors.iter() {
        eprintln!("{e}");
    }
    let warnings = preview.problems().iter().filter(|p| !p.is_error()).count();
    let a = preview.archive();
    eprintln!(
        "Built {} talks, {} events, {} speakers: {} files in {:.2}s{}",
        a.talks.len(),
        a.events.iter().filter(|e| !e.talks.is_empty()).count(),
        a.speakers.len(),
        store.snapshot().len(),
        started.elapsed().as_secs_f64(),
        if warnings > 0 {
            format!(" ({warnings} warnings; `podium build` lists them)")
        } else {
            String::new()
        }
    );
    let watch = watch::Watch::new(&config, &opts.root)?;
    println!("Serving at {base_url}/ (Ctrl-C to stop)");
    std::io::stdout().flush().ok();

    let rebuild_store = store.clone();
    std::thread::Builder::new()
        .name("podium-rebuild".into())
        .spawn(move || rebuild_loop(preview, watch, rebuild_store, opts, base_url))
        .context("cannot start the rebuild thread")?;

    listener.set_nonblocking(true)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the server runtime")?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::from_std(listener)?;
        axum::serve(listener, router(store, allowed_hosts(addr))).await
    })?;
    Ok(())
}

/// Applies each batch of changes, printing what happened.
fn rebuild_loop(
    mut preview: Preview,
    mut watch: watch::Watch,
    store: Arc<Store>,
    opts: ServeOptions,
    base_url: String,
) {
    loop {
        // Whole-site files are regenerated once no change has come for a moment, and
        // the search index after a longer while.
        let idle = if !preview.is_settled() {
            Some(SETTLE_AFTER)
        } else if preview.search_is_stale() {
            Some(SEARCH_AFTER)
        } else {
            None
        };
        let batch = match watch.next_batch(idle) {
            watch::Next::Batch(b) => b,
            watch::Next::Closed => break,
            watch::Next::Idle => {
                if let Some(took) = preview.settle() {
                    if opts.timings {
                        eprintln!("  ms: whole-site files {:.1}", took.as_secs_f64() * 1000.0);
                    }
                } else {
                    preview.refresh_search();
                }
                continue;
            }
        };
        if batch.config {
            let started = Instant::now();
            let rebuilt = serve_config(&opts, &base_url).and_then(|config| {
                Ok((
                    Preview::new(config.clone(), opts.preview.clone(), store.clone())?,
                    config,
                ))
            });
            match rebuilt {
                Ok((p, config)) => {
                    preview = p;
                    match watch::Watch::new(&config, &opts.root) {
                        Ok(w) => watch = w,
                        Err(e) => eprintln!("error: {e:#}"),
                    }
                    eprintln!(
                        "podium.toml changed: rebuilt the site in {:.2}s",
                        started.elapsed().as_secs_f64()
                    );
                }
                Err(e) => {
                    eprintln!("error: podium.toml: {e:#}; still serving the last good site");
                    store.set_errors(vec![format!("podium.toml: {e:#}")]);
                }
            }
            store.announce();
            continue;
        }
        let report = preview.update(&batch.changes);
        let mut names: Vec<String> = batch
            .changes
            .iter()
            .map(|c| match c {
                Change::Data(p) => p.display().to_string(),
                Change::Templates => "templates".into(),
                Change::Static => "static files".into(),
                Change::Pages => "pages".into(),
                Change::Thumbnails => "thumbnail cache".into(),
            })
            .collect();
        if names.len() > 3 {
            let more = names.len() - 2;
            names.truncate(2);
            names.push(format!("{more} more"));
        }
        for p in &report.problems {
            eprintln!("{p}");
        }
        if opts.timings {
            let steps: Vec<String> = report
                .phases
                .iter()
                .map(|(name, d)| format!("{name} {:.1}", d.as_secs_f64() * 1000.0))
                .collect();
            eprintln!("  ms: {}", steps.join(", "));
        }
        match report.mode {
            Mode::Nothing if !report.problems.iter().any(|p| p.is_error()) => {}
            Mode::Nothing => eprintln!("Still serving the last good version of the files in error."),
            mode => eprintln!(
                "{}: updated {} files{} in {} ms ({})",
                names.join(", "),
                report.rendered,
                if report.removed > 0 {
                    format!(", removed {}", report.removed)
                } else {
                    String::new()
                },
                report.elapsed.as_millis(),
                match mode {
                    Mode::Fast => "one talk",
                    Mode::Incremental => "data",
                    Mode::Full => "templates: every page",
                    _ => "static files",
                }
            ),
        }
        for e in store.errors().iter() {
            if !report.problems.iter().any(|p| p.to_string() == *e) {
                eprintln!("{e}");
            }
        }
    }
}

/// The `Host` header values a server listening on `addr` answers: on loopback,
/// only the names of this machine with the port, so that a page elsewhere cannot
/// read the preview by pointing its own domain at 127.0.0.1 (DNS rebinding).
/// `None` (any host) when `--bind` made the server reachable from the network.
pub fn allowed_hosts(addr: SocketAddr) -> Option<Arc<std::collections::HashSet<String>>> {
    if !addr.ip().is_loopback() {
        return None;
    }
    let port = addr.port();
    let mut hosts: std::collections::HashSet<String> = [
        SocketAddr::new(addr.ip(), port).to_string(),
        format!("localhost:{port}"),
        format!("127.0.0.1:{port}"),
        format!("[::1]:{port}"),
    ]
    .into_iter()
    .collect();
    if port == 80 {
        hosts.extend(["localhost", "127.0.0.1", "[::1]"].map(String::from));
        hosts.insert(addr.ip().to_string());
    }
    Some(Arc::new(hosts))
}

/// The HTTP routes: the reload script, the event stream, and the site; with
/// `hosts`, a request for any other `Host` gets 403.
pub fn router(store: Arc<Store>, hosts: Option<Arc<std::collections::HashSet<String>>>) -> Router {
    let routes = Router::new()
        .route(SCRIPT_PATH, get(script))
        .route(EVENTS_PATH, get(events))
        .fallback(site_file)
        .with_state(store);
    match hosts {
        None => routes,
        Some(hosts) => routes.layer(axum::middleware::from_fn(
            move |req: axum::extract::Request, next: axum::middleware::Next| {
                let allowed = req
                    .headers()
                    .get(header::HOST)
                    .and_then(|h| h.to_str().ok())
                    .is_some_and(|h| hosts.contains(&h.to_ascii_lowercase()));
                async move {
                    if allowed {
                        next.run(req).await
                    } else {
                        (
                            StatusCode::FORBIDDEN,
                            "podium serve answers only requests for this machine's own address\n",
                        )
                            .into_response()
                    }
                }
            },
        )),
    }
}

async fn script() -> Response {
    ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8")], SCRIPT).into_response()
}

async fn events(State(store): State<Arc<Store>>) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let rx = store.subscribe();
    let hello = Some(store.generation());
    let stream = futures_util::stream::unfold((rx, hello), |(mut rx, hello)| async move {
        if let Some(g) = hello {
            return Some((Ok(Event::default().event("hello").data(g.to_string())), (rx, None)));
        }
        match rx.recv().await {
            Ok(g) => Some((Ok(Event::default().event("reload").data(g.to_string())), (rx, None))),
            Err(RecvError::Lagged(_)) => Some((Ok(Event::default().event("reload").data("lagged")), (rx, None))),
            Err(RecvError::Closed) => None,
        }
    });
    Sse::new(stream).keep_alive(KeepAlive::default())
}

pub use crate::urls::file_for_request;

/// Content type by file extension.
pub fn content_type(rel: &str) -> &'static str {
    let ext = rel.rsplit_once('.').map_or("", |(_, e)| e).to_ascii_lowercase();
    match ext.as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "xml" => "application/xml",
        "txt" => "text/plain; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "avif" => "image/avif",
        "ico" => "image/x-icon",
        "wasm" => "application/wasm",
        "woff" => "font/woff",
        "woff2" => "font/woff2",
        "ttf" => "font/ttf",
        "otf" => "font/otf",
        "pdf" => "application/pdf",
        "mp4" => "video/mp4",
        "webm" => "video/webm",
        "vtt" => "text/vtt; charset=utf-8",
        "webmanifest" => "application/manifest+json",
        _ if rel.ends_with("_redirects") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

fn escape(s: &str) -> String {
    crate::render::escape_html(s)
}

/// Adds the reload script, and the errors if there are any, before `</body>`.
pub fn inject(html: &[u8], errors: &[String]) -> Vec<u8> {
    let mut extra = format!("<script src=\"{SCRIPT_PATH}\"></script>");
    if !errors.is_empty() {
        extra.push_str(
            "<div id=\"podium-errors\" role=\"alert\" style=\"position:fixed;left:0;right:0;bottom:0;\
             max-height:60vh;overflow:auto;z-index:2147483647;margin:0;padding:12px 16px;\
             background:#2b0b0b;color:#ffe0e0;border-top:4px solid #e5484d;\
             font:13px/1.5 ui-monospace,SFMono-Regular,Menlo,monospace;white-space:pre-wrap\">\
             <button type=\"button\" onclick=\"this.parentNode.remove()\" aria-label=\"Hide\" \
             style=\"float:right;font:inherit;background:none;color:inherit;border:0;cursor:pointer\">✕</button>",
        );
        extra.push_str(&format!(
            "<strong>podium: {} error(s); the last good version of each file is shown</strong>\n",
            errors.iter().filter(|e| e.contains(": error: ")).count().max(1)
        ));
        for e in errors {
            extra.push_str(&escape(e));
            extra.push('\n');
        }
        extra.push_str("</div>");
    }
    let lower = html.to_ascii_lowercase();
    let at = lower.windows(7).rposition(|w| w == b"</body>").unwrap_or(html.len());
    let mut out = Vec::with_capacity(html.len() + extra.len());
    out.extend_from_slice(&html[..at]);
    out.extend_from_slice(extra.as_bytes());
    out.extend_from_slice(&html[at..]);
    out
}

fn respond(status: StatusCode, rel: &str, body: Bytes, errors: &[String], head: bool) -> Response {
    let ct = content_type(rel);
    let body = if ct.starts_with("text/html") {
        Bytes::from(inject(&body, errors))
    } else {
        body
    };
    let len = body.len();
    let mut resp = Response::new(if head { Body::empty() } else { Body::from(body) });
    *resp.status_mut() = status;
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, header::HeaderValue::from_static(ct));
    h.insert(header::CONTENT_LENGTH, header::HeaderValue::from(len));
    h.insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        header::HeaderValue::from_static("nosniff"),
    );
    resp
}

async fn site_file(State(store): State<Arc<Store>>, method: Method, uri: Uri) -> Response {
    let head = method == Method::HEAD;
    if method != Method::GET && !head {
        return (StatusCode::METHOD_NOT_ALLOWED, [(header::ALLOW, "GET, HEAD")]).into_response();
    }
    let errors = store.errors();
    if let Some(rel) = file_for_request(uri.path()) {
        if let Some(bytes) = store.get(&rel).or_else(|| store.thumb(&rel)) {
            return respond(StatusCode::OK, &rel, bytes, &errors, head);
        }
        // `/events` → `/events/` when that is a page.
        if !rel.ends_with("index.html") && store.get(&format!("{rel}/index.html")).is_some() {
            let location = format!("{}/", uri.path());
            return (StatusCode::MOVED_PERMANENTLY, [(header::LOCATION, location)]).into_response();
        }
    }
    match store.get("404.html") {
        Some(page) => respond(StatusCode::NOT_FOUND, "404.html", page, &errors, head),
        None => (StatusCode::NOT_FOUND, "404 Not Found").into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_paths_map_to_files_inside_the_site() {
        assert_eq!(file_for_request("/").as_deref(), Some("index.html"));
        assert_eq!(file_for_request("/events/x/").as_deref(), Some("events/x/index.html"));
        assert_eq!(
            file_for_request("/static/style.css").as_deref(),
            Some("static/style.css")
        );
        assert_eq!(
            file_for_request("/speakers/jos%C3%A9/").as_deref(),
            Some("speakers/josé/index.html")
        );
        for bad in [
            "/../Cargo.toml",
            "/%2e%2e/Cargo.toml",
            "/%2E%2E/%2E%2E/etc/passwd",
            "/static/..%2f..%2fCargo.toml",
            "/static/%2e%2e%2f%2e%2e%2fCargo.toml",
            "//etc/passwd",
            "/%2fetc/passwd",
            "/static/./style.css",
            "/a\\..\\b",
            "/a%5c..%5cb",
            "/a%00.html",
            "/C:/Windows/win.ini",
            "/%ff",
            "relative",
        ] {
            assert_eq!(file_for_request(bad), None, "{bad}");
        }
    }

    #[test]
    fn script_goes_before_the_last_body_end() {
        let out = String::from_utf8(inject(b"<html><body>x</BODY></html>", &[])).unwrap();
        assert_eq!(
            out,
            format!("<html><body>x<script src=\"{SCRIPT_PATH}\"></script></BODY></html>")
        );
        let out = String::from_utf8(inject(b"no body", &["a <b>: error: x".into()])).unwrap();
        assert!(out.starts_with("no body<script"));
        assert!(out.contains("id=\"podium-errors\"") && out.contains("a &lt;b&gt;: error: x"));
    }

    #[test]
    fn content_types_by_extension() {
        let cases = [
            ("a/index.html", "text/html; charset=utf-8"),
            ("static/style.css", "text/css; charset=utf-8"),
            ("static/talk.svg", "image/svg+xml"),
            ("atom.xml", "application/xml"),
            ("x.WOFF2", "font/woff2"),
            ("LICENSE", "application/octet-stream"),
        ];
        for (path, want) in cases {
            assert_eq!(content_type(path), want, "{path}");
        }
    }
}
