//! One edited talk file applied to an archive without normalising every record
//! again, when [`normalize`](super::normalize) would only replace that talk: the
//! same field rules ([`talk_from`]), slug allocation and order decide, here
//! rather than in `serve`, so the two cannot disagree.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::{fold, talk_from, talk_order};
use crate::config::UrlStyle;
use crate::diag::Problem;
use crate::load::{Loaded, RawTalk};
use crate::model::{Archive, Talk};
use crate::slugs;

/// What an edited talk file does to the archive.
pub enum Patch {
    /// The file's one record keeps the talk's event, id, speakers, tags, language,
    /// date and place in the order, and its slug (or the new one is uncontested):
    /// talk `talk` of the archive becomes `new`, and record `record` of the loaded
    /// input the file's record.
    InPlace {
        talk: usize,
        record: usize,
        new: Box<Talk>,
        problems: Vec<Problem>,
    },
    /// The new record cannot be published: why.
    Invalid(Vec<Problem>),
    /// Anything else: normalise again.
    Renormalize,
}

/// How `records`, now read from `path`, change `archive` (made from `loaded`).
pub fn one_talk(archive: &Archive, loaded: &Loaded, path: &Path, records: &[RawTalk], style: UrlStyle) -> Patch {
    one(archive, loaded, path, records, style).unwrap_or(Patch::Renormalize)
}

fn one(archive: &Archive, loaded: &Loaded, path: &Path, records: &[RawTalk], style: UrlStyle) -> Option<Patch> {
    let old_pos: Vec<usize> = (0..loaded.talks.len())
        .filter(|&i| loaded.talks[i].path.as_os_str() == path.as_os_str())
        .collect();
    let ([new_raw], [old_pos]) = (records, old_pos.as_slice()) else {
        return None;
    };
    let old_raw = &loaded.talks[*old_pos];
    let same = |t: &Talk| t.source.as_os_str() == path.as_os_str();
    let i = archive.talks.iter().position(same)?;
    // What places a record (its event, id, draft state, position) must not change.
    if archive.talks.iter().filter(|t| same(t)).count() != 1
        || old_raw.format != new_raw.format
        || old_raw.index != new_raw.index
        || old_raw.record.category != new_raw.record.category
        || old_raw.record.id != new_raw.record.id
        || (old_raw.record.state == Some(2)) != (new_raw.record.state == Some(2))
    {
        return None;
    }
    if let Some(id) = new_raw.record.id {
        if loaded.talks.iter().filter(|t| t.record.id == Some(id)).count() != 1 {
            return None;
        }
    }
    let current = &archive.talks[i];
    let (old_talk, old_sp, old_tags, old_lang) = talk_from(old_raw.clone(), current.event, style, &mut Vec::new())?;
    let mut problems = Vec::new();
    let Some((mut talk, sp, tags, lang)) = talk_from(new_raw.clone(), current.event, style, &mut problems) else {
        return Some(Patch::Invalid(problems));
    };
    if sp != old_sp || tags != old_tags || lang != old_lang || talk.date != old_talk.date {
        return None;
    }
    // The slug: unchanged, or the new wish if allocating the event's slugs gives it
    // to this talk and leaves every other talk of the event its own.
    if talk.slug == old_talk.slug {
        talk.slug = current.slug.clone();
    } else if !slug_is_free(archive, loaded, i, new_raw, &talk.slug, style) {
        return None;
    }
    talk.event = current.event;
    talk.speakers = current.speakers.clone();
    talk.tags = current.tags.clone();
    talk.language = current.language;
    // The place in the archive's order.
    let key = fold(&talk.title);
    let events = &archive.events;
    let rank = |x: usize| (&archive.talks[x], fold(&archive.talks[x].title));
    let before = |x: usize| {
        let (other, k) = rank(x);
        talk_order((other, &k), (&talk, &key), events) == std::cmp::Ordering::Less
    };
    let after = |x: usize| {
        let (other, k) = rank(x);
        talk_order((&talk, &key), (other, &k), events) == std::cmp::Ordering::Less
    };
    if (i > 0 && !before(i - 1)) || (i + 1 < archive.talks.len() && !after(i + 1)) {
        return None;
    }
    Some(Patch::InPlace {
        talk: i,
        record: *old_pos,
        new: Box::new(talk),
        problems,
    })
}

/// Whether talk `i`, wishing `wish` (its record now `raw`), gets that slug while
/// every other talk of its event keeps its own. Talks of files holding several
/// records make this answer `false` (normalising again then decides).
fn slug_is_free(archive: &Archive, loaded: &Loaded, i: usize, raw: &RawTalk, wish: &str, style: UrlStyle) -> bool {
    let a = archive;
    let ev = &a.events[a.talks[i].event];
    let mut at: HashMap<&Path, Vec<usize>> = HashMap::new();
    for (k, r) in loaded.talks.iter().enumerate() {
        at.entry(r.path.as_path()).or_default().push(k);
    }
    let mut wishes: Vec<((PathBuf, Option<usize>), String)> = Vec::with_capacity(ev.talks.len());
    for &x in &ev.talks {
        if x == i {
            wishes.push(((raw.path.clone(), raw.index), wish.to_string()));
            continue;
        }
        let Some(&[k]) = at.get(a.talks[x].source.as_path()).map(Vec::as_slice) else {
            return false;
        };
        let r = &loaded.talks[k];
        let Some((talk, ..)) = talk_from(r.clone(), a.talks[x].event, style, &mut Vec::new()) else {
            return false;
        };
        wishes.push(((r.path.clone(), r.index), talk.slug));
    }
    let given = slugs::allocate_with(&wishes, slugs::reserved(style));
    ev.talks.iter().zip(&wishes).all(|(&x, (key, w))| {
        let want = if x == i { w.as_str() } else { a.talks[x].slug.as_str() };
        given.get(key).is_some_and(|g| g == want)
    })
}
