//! What is derived from each talk once per build, after normalize, kept on one
//! struct per talk: pages, feeds, the JSON API and the search records read it
//! there rather than derive it again (classify its videos, render its description).

use std::sync::OnceLock;

use crate::model::Talk;
use crate::thumbs::view::{thumb_for, Thumb};
use crate::thumbs::{Index, Mode};
use crate::video::{self, Video};

/// One talk's derived values.
#[derive(Debug, Clone)]
pub struct PreparedTalk {
    /// Site-relative URL of its page.
    pub url: String,
    /// Its video entries, classified ([`video::sources`]) on first use: a talk
    /// with a `thumbnail_url` needs them only for its page, feeds and API record,
    /// and `serve` prepares every talk again on each update.
    pub videos: OnceLock<Vec<Video>>,
    /// Its thumbnail (cached, placeholder, remote or none).
    pub thumb: Thumb,
    /// Its rendered, sanitised description.
    pub description: String,
    /// Its plain-text lead: the summary, else the description's first sentences.
    pub lead: String,
    /// Its list item (`card.html`); empty until the site renders it (a talk
    /// appears in a dozen or more lists, so it is rendered once).
    pub card: String,
}

/// A talk's rendered description and plain-text lead: the costly part of
/// preparing it, which `serve` keeps between rebuilds for unchanged talks.
pub fn texts(t: &Talk) -> (String, String) {
    crate::describe::description_and_lead(&t.description, &t.summary, 300)
}

impl PreparedTalk {
    /// A talk's [`texts`], not yet placed ([`PreparedTalk::place`]) and with no card.
    pub fn from_texts((description, lead): (String, String)) -> PreparedTalk {
        PreparedTalk {
            url: String::new(),
            videos: OnceLock::new(),
            thumb: Thumb::None,
            description,
            lead,
            card: String::new(),
        }
    }

    /// Derives again what depends on the talk's place in the site: its URL, its
    /// classified videos (on first use) and its thumbnail; the texts and card stay.
    pub fn place(&mut self, t: &Talk, url: String, mode: Mode, index: &Index) {
        self.url = url;
        self.videos = OnceLock::new();
        let videos = &self.videos;
        self.thumb = thumb_for(t, || videos.get_or_init(|| video::sources(&t.videos)), mode, index);
    }

    /// The talk's classified video entries (`t` is the talk this was prepared from).
    pub fn videos(&self, t: &Talk) -> &[Video] {
        self.videos.get_or_init(|| video::sources(&t.videos))
    }
}
