//! What an output shows of the model, recorded while it is made.
//!
//! Each page, card and feed notes the entities it reads as it renders them (a
//! talk, a card, an event, a term, a list). A build ignores the notes; `serve`
//! keeps them, so after a change it renders again exactly the outputs that read
//! something that changed, and no second statement of what each page shows can
//! drift from the templates' code.

use crate::model::TermKind;

/// One thing an output reads, by its index in the archive it was rendered from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Read {
    /// A talk's own fields and derived values (URL, thumbnail, description, lead).
    Talk(usize),
    /// A talk's rendered card (list item).
    Card(usize),
    /// An event's own fields (title, URL, dates, description, website).
    Event(usize),
    /// Which talks an event lists, in order.
    EventTalks(usize),
    /// Which events there are, with their titles, URLs and talk counts (series).
    Events,
    /// A term's name and URL.
    Term(TermKind, usize),
    /// Which talks a term lists, in order.
    TermTalks(TermKind, usize),
    /// Every term of a kind, with names, URLs and counts (the A–Z lists).
    Terms(TermKind),
    /// Anything of the whole archive (counts, latest talks, index parts).
    Archive,
}

/// The reads of one output; off (recording nothing) for a build.
#[derive(Debug, Default)]
pub struct Reads {
    on: bool,
    list: Vec<Read>,
}

impl Reads {
    /// A recorder that keeps nothing.
    pub fn off() -> Reads {
        Reads::default()
    }

    /// A recorder that keeps every read.
    pub fn recording() -> Reads {
        Reads {
            on: true,
            list: Vec::new(),
        }
    }

    /// Notes one read.
    pub fn add(&mut self, r: Read) {
        if self.on {
            self.list.push(r);
        }
    }

    /// Notes several reads.
    pub fn extend(&mut self, rs: impl IntoIterator<Item = Read>) {
        if self.on {
            self.list.extend(rs);
        }
    }

    /// What was read, in order (with repeats).
    pub fn into_list(self) -> Vec<Read> {
        self.list
    }
}
