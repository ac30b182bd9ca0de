//! What the pages show of each talk's thumbnail: the cached still (copied to
//! `/thumbs/`), the theme's placeholder, the host's own URL or nothing, per the
//! site's [`Mode`].

use serde::Serialize;

use super::{file_name, image_url, share_name, source_url, still, Index, Mode, OUT_DIR};
use crate::model::Talk;
use crate::video::Video;

/// A talk's thumbnail, decided once per build.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Thumb {
    /// Cached: the content hash of its files.
    Local(String),
    /// Shown from the host (`thumbnails = "remote"`).
    Remote(String),
    /// The theme's placeholder (`local`, with nothing cached).
    Placeholder,
    /// No image (`thumbnails = "none"`, or `remote` without a URL).
    None,
}

/// An `<img>` for a template: `src`, optional `srcset`, and the intrinsic size.
#[derive(Debug, Clone, Serialize)]
pub struct ImgView {
    pub src: String,
    pub srcset: Option<String>,
    pub width: u32,
    pub height: u32,
}

/// Path of the theme's placeholder image in the output.
pub const PLACEHOLDER: &str = "/static/talk.svg";

/// A talk's thumbnail under `mode`; `videos` gives its classified sources.
pub fn thumb_for<'v>(talk: &Talk, videos: impl Fn() -> &'v [Video], mode: Mode, index: &Index) -> Thumb {
    match mode {
        Mode::None => Thumb::None,
        Mode::Remote => image_url(talk, videos).map_or(Thumb::None, Thumb::Remote),
        Mode::Local => source_url(talk, videos)
            .and_then(|u| index.get(&u).map(str::to_string))
            .map_or(Thumb::Placeholder, Thumb::Local),
    }
}

/// Site-relative URL of a cached still (WebP) in the output.
pub fn local_url(key: &str, width: u32) -> String {
    format!("/{OUT_DIR}/{}", file_name(key, width))
}

/// Site-relative URL of a cached still's JPEG copy, for `og:image`, the Twitter
/// card and JSON-LD (not every link-preview reader takes WebP).
pub fn share_url(key: &str) -> String {
    format!("/{OUT_DIR}/{}", share_name(key))
}

impl Thumb {
    /// The image at `size` (index into [`still::SIZES`]: 0 large, 1 small), its
    /// URLs prefixed with `root` (the site's base path). The other size is offered
    /// in `srcset`, so that dense screens and wide cards take the large one.
    pub fn img(&self, root: &str, size: usize) -> Option<ImgView> {
        let (width, height) = still::SIZES[size.min(still::SIZES.len() - 1)];
        match self {
            Thumb::Local(key) => {
                let mut set: Vec<String> = still::SIZES
                    .iter()
                    .rev()
                    .map(|(w, _)| format!("{root}{} {w}w", local_url(key, *w)))
                    .collect();
                set.dedup();
                Some(ImgView {
                    src: format!("{root}{}", local_url(key, width)),
                    srcset: Some(set.join(", ")),
                    width,
                    height,
                })
            }
            Thumb::Remote(url) => Some(ImgView {
                src: url.clone(),
                srcset: None,
                width,
                height,
            }),
            Thumb::Placeholder => Some(ImgView {
                src: format!("{root}{PLACEHOLDER}"),
                srcset: None,
                width,
                height,
            }),
            Thumb::None => None,
        }
    }

    /// The content hash, for a cached still.
    pub fn key(&self) -> Option<&str> {
        match self {
            Thumb::Local(k) => Some(k),
            _ => None,
        }
    }
}

/// The cache index [`thumb_for`] looks stills up in: empty unless the mode is `local`.
pub fn index_for(config: &crate::config::Config) -> anyhow::Result<std::sync::Arc<Index>> {
    match config.thumbnails {
        Mode::Local => Index::shared(&super::cache_dir(config)),
        _ => Ok(Default::default()),
    }
}
