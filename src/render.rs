//! Renders the archive to HTML pages with Tera. Each page kind gets a small,
//! borrowed view (never the whole archive), pages are rendered in parallel, and
//! every finished page goes straight to a sink so the site is never all in memory.

use std::collections::HashMap;
use std::sync::OnceLock;

use anyhow::{Context as _, Result};
use rayon::prelude::*;
use serde::Serialize;
use tera::{Context, Tera};

use crate::config::Config;
use crate::date::{hms, iso_duration};
use crate::describe;
pub use crate::model::TermKind;
use crate::model::{year_of, Archive, Event, Page, Talk, Term};
use crate::prepare::{self, PreparedTalk};
use crate::reads::{Read, Reads};
pub use crate::theme::{escape_html, load_templates, static_files, static_names, THEME_STATIC, THEME_TEMPLATES};
use crate::thumbs::view::{ImgView, Thumb};
use crate::urls::{self, UrlScheme};
use crate::video::Video;

/// Talks listed per "related" box.
pub const RELATED_LIMIT: usize = 5;
/// Tags with more talks than this say little about relatedness and cost the most.
pub const RELATED_TAG_MAX: usize = 400;

/// Everything a render needs, prepared once.
pub struct Site<'a> {
    pub archive: &'a Archive,
    pub config: &'a Config,
    pub urls: UrlScheme,
    pub tera: Tera,
    /// Prefix for every internal link (the path of `base_url`).
    pub root: String,
    /// What each talk's pages, feeds and records show, derived once ([`prepare`]),
    /// in archive order.
    pub talks: Vec<PreparedTalk>,
    /// Links (with the base path) of every event, speaker and tag, by index:
    /// computed once because every talk card needs them.
    event_links: Vec<String>,
    speaker_links: Vec<String>,
    tag_links: Vec<String>,
    /// Event series, grouped once: every event page shows its siblings, and
    /// grouping per page made the pages of E events cost E² (see [`Site::series`]).
    series: OnceLock<HashMap<String, Vec<&'a Event>>>,
    /// The build writes a search index: the search page loads it, speaker and tag
    /// pages link to a search within their talks. Without one (`--no-search`)
    /// no page refers to Pagefind's files.
    pub search: bool,
    /// Rendered event descriptions, by event index: filled by the event's first page,
    /// shared by its other pages.
    event_descriptions: Vec<OnceLock<String>>,
}

#[derive(Serialize)]
struct SiteView<'a> {
    title: &'a str,
    description: &'a str,
    lang: &'a str,
    root: &'a str,
    base_url: &'a str,
    /// The search page, with the base path.
    search: String,
    /// The lists, then the `in_nav` content pages in their order.
    nav: Vec<NavItem<'a>>,
}

/// A content page, for `page.html`.
#[derive(Serialize)]
struct PageView<'a> {
    title: &'a str,
    description: &'a str,
    /// Sanitised already.
    html: &'a str,
}

#[derive(Serialize)]
struct NavItem<'a> {
    label: &'a str,
    url: String,
}

#[derive(Serialize)]
struct NameUrl<'a> {
    name: &'a str,
    url: String,
}

/// A talk in a list.
#[derive(Serialize)]
pub(crate) struct Card<'a> {
    title: &'a str,
    url: String,
    date: Option<String>,
    date_human: Option<String>,
    event: NameUrl<'a>,
    speakers: Vec<NameUrl<'a>>,
    duration: Option<String>,
    thumb: Option<ImgView>,
}

#[derive(Serialize)]
struct Pager {
    current: usize,
    total: usize,
    prev: Option<String>,
    next: Option<String>,
    pages: Vec<(usize, String)>,
}

impl<'a> Site<'a> {
    /// Prepares a render: loads templates and renders every description once.
    pub fn new(archive: &'a Archive, config: &'a Config) -> Result<Site<'a>> {
        UrlScheme::from_config(config).validate()?;
        let mut tera = load_templates(&config.templates_dir)?;
        let mut talks = archive
            .talks
            .par_iter()
            .map(|t| PreparedTalk::from_texts(prepare::texts(t)))
            .collect();
        let mut site = Self::from_parts(archive, config, &mut tera, &mut talks, None)?;
        site.render_cards()?;
        Ok(site)
    }

    /// A site over `archive` for URL and relation look-ups only: it has no
    /// templates, texts or cards, so it cannot render.
    pub fn lookup(archive: &'a Archive, config: &'a Config) -> Result<Site<'a>> {
        Self::from_parts(archive, config, &mut Tera::default(), &mut Vec::new(), None)
    }

    /// Like [`Site::new`], with the templates and each talk's prepared values
    /// supplied by the caller (`serve` keeps them between rebuilds rather than redo
    /// them all): their texts and cards are kept, their URLs, videos and thumbnails
    /// derived again ([`PreparedTalk::place`]) — for the talks in `only` alone when
    /// given (the caller vouches the others and their events kept their place);
    /// missing talks get empty texts. Both are taken only once nothing can fail,
    /// and [`Site::into_parts`] gives them back. The cards are as given: see
    /// [`Site::render_cards`].
    pub fn from_parts(
        archive: &'a Archive,
        config: &'a Config,
        tera: &mut Tera,
        talks: &mut Vec<PreparedTalk>,
        only: Option<&[usize]>,
    ) -> Result<Site<'a>> {
        let urls = UrlScheme::from_config(config);
        urls.validate()?;
        let index = crate::thumbs::view::index_for(config)?;
        let root = config.base_path();
        let links = |pattern: &str, slugs: Vec<&str>| -> Vec<String> {
            slugs
                .into_iter()
                .map(|slug| format!("{root}{}", urls::fill(pattern, slug, "")))
                .collect()
        };
        let event_links = links(&urls.event, archive.events.iter().map(|e| e.slug.as_str()).collect());
        let speaker_links = links(
            &urls.speaker,
            archive.speakers.iter().map(|e| e.slug.as_str()).collect(),
        );
        let tag_links = links(&urls.tag, archive.tags.iter().map(|e| e.slug.as_str()).collect());
        let mut talks = std::mem::take(talks);
        let only = only.filter(|_| talks.len() == archive.talks.len());
        talks.resize_with(archive.talks.len(), || PreparedTalk::from_texts(Default::default()));
        let place = |(p, t): (&mut PreparedTalk, &Talk)| {
            let url = urls::fill(&urls.talk, &t.slug, &archive.events[t.event].slug);
            p.place(t, url, config.thumbnails, &index);
        };
        match only {
            None => talks.par_iter_mut().zip(&archive.talks).for_each(place),
            Some(only) => {
                for &i in only {
                    if let (Some(p), Some(t)) = (talks.get_mut(i), archive.talks.get(i)) {
                        place((p, t));
                    }
                }
            }
        }
        Ok(Site {
            archive,
            config,
            urls,
            tera: std::mem::take(tera),
            talks,
            event_links,
            speaker_links,
            tag_links,
            root,
            series: OnceLock::new(),
            search: true,
            event_descriptions: archive.events.iter().map(|_| OnceLock::new()).collect(),
        })
    }

    /// Renders every talk's card; on failure the cards are left as they were.
    pub fn render_cards(&mut self) -> Result<()> {
        let cards = (0..self.talks.len())
            .into_par_iter()
            .map(|t| self.render_card(t, &mut Reads::off()))
            .collect::<Result<Vec<String>>>()?;
        for (talk, card) in self.talks.iter_mut().zip(cards) {
            talk.card = card;
        }
        Ok(())
    }

    /// Gives back what [`Site::from_parts`] took (templates, prepared talks),
    /// leaving the site unable to render.
    pub fn into_parts(&mut self) -> (Tera, Vec<PreparedTalk>) {
        (std::mem::take(&mut self.tera), std::mem::take(&mut self.talks))
    }

    /// Talk `t`'s list item (`card.html`).
    pub fn render_card(&self, t: usize, r: &mut Reads) -> Result<String> {
        let mut ctx = Context::new();
        ctx.insert("t", &self.card(t, r));
        self.render("card.html", &ctx)
    }

    /// What talk `t`'s card reads (without rendering it).
    pub fn card_reads(&self, t: usize) -> Vec<Read> {
        let mut r = Reads::recording();
        let _ = self.card(t, &mut r);
        r.into_list()
    }

    /// The list items of these talks, concatenated (wrap them in `<ul class="talks">`).
    fn cards_html(&self, talks: impl Iterator<Item = usize>, r: &mut Reads) -> String {
        let mut out = String::new();
        for t in talks {
            r.add(Read::Card(t));
            out.push_str(&self.talks[t].card);
        }
        out
    }

    /// Prefixes a site-relative URL with the base path.
    pub fn link(&self, url: &str) -> String {
        format!("{}{url}", self.root)
    }

    /// Site-relative URL (without the base path) of a talk.
    pub fn talk_url(&self, t: usize) -> &str {
        &self.talks[t].url
    }

    /// A talk's link (with the base path): where its cards point, and the URL of
    /// its search record (which also picks its search index part).
    pub fn talk_link(&self, t: usize) -> String {
        self.link(self.talk_url(t))
    }
    pub fn event_url(&self, e: &Event) -> String {
        urls::fill(&self.urls.event, &e.slug, "")
    }
    pub fn speaker_url(&self, s: &Term) -> String {
        urls::fill(&self.urls.speaker, &s.slug, "")
    }
    pub fn tag_url(&self, s: &Term) -> String {
        urls::fill(&self.urls.tag, &s.slug, "")
    }
    pub fn language_url(&self, s: &Term) -> String {
        urls::fill(&self.urls.language, &s.slug, "")
    }
    pub fn year_url(&self, s: &Term) -> String {
        urls::fill(&self.urls.year, &s.slug, "")
    }
    /// Site-relative URL of a content page.
    pub fn page_url(&self, p: &Page) -> String {
        urls::fill(&self.urls.page, &p.slug, "")
    }

    fn site_view(&self) -> SiteView<'_> {
        let u = &self.urls;
        SiteView {
            title: &self.config.title,
            description: &self.config.description,
            lang: &self.config.language,
            root: &self.root,
            base_url: self.config.base(),
            search: self.link(&u.search),
            nav: [
                NavItem {
                    label: "Events",
                    url: self.link(&u.events),
                },
                NavItem {
                    label: "Speakers",
                    url: self.link(&u.speakers),
                },
                NavItem {
                    label: "Tags",
                    url: self.link(&u.tags),
                },
                NavItem {
                    label: "Languages",
                    url: self.link(&u.languages),
                },
                NavItem {
                    label: "Years",
                    url: self.link(&u.years),
                },
            ]
            .into_iter()
            .chain(self.archive.pages.iter().filter(|p| p.in_nav).map(|p| NavItem {
                label: &p.title,
                url: self.link(&self.page_url(p)),
            }))
            .collect(),
        }
    }

    fn context(&self, current: &str) -> Context {
        let mut ctx = Context::new();
        ctx.insert("site", &self.site_view());
        ctx.insert("current_url", &self.link(current));
        ctx
    }

    pub(crate) fn card(&self, t: usize, r: &mut Reads) -> Card<'_> {
        let talk = &self.archive.talks[t];
        let e = &self.archive.events[talk.event];
        r.extend([Read::Talk(t), Read::Event(talk.event)]);
        Card {
            title: &talk.title,
            url: self.talk_link(t),
            date: talk.date.map(|d| d.to_string()),
            date_human: talk.date.map(|d| d.human()),
            event: NameUrl {
                name: &e.title,
                url: self.event_links[talk.event].clone(),
            },
            speakers: self.speaker_links(talk, r),
            duration: talk.duration.filter(|&d| d > 0).map(hms),
            thumb: self.talks[t].thumb.img(&self.root, 1),
        }
    }

    /// Link (with the base path) of talk `t`'s small thumbnail: the cached still,
    /// the theme's placeholder, the host's URL (`remote`), or `None` (`none`).
    pub fn thumbnail_src(&self, t: usize) -> Option<String> {
        self.talks[t].thumb.img(&self.root, 1).map(|i| i.src)
    }

    /// The content hashes of the cached stills the pages use, sorted, each once.
    pub fn used_thumbs(&self) -> Vec<&str> {
        let mut keys: Vec<&str> = self.talks.iter().filter_map(|t| t.thumb.key()).collect();
        keys.sort_unstable();
        keys.dedup();
        keys
    }

    fn speaker_links(&self, talk: &Talk, r: &mut Reads) -> Vec<NameUrl<'_>> {
        r.extend(talk.speakers.iter().map(|&s| Read::Term(TermKind::Speaker, s)));
        talk.speakers
            .iter()
            .map(|&s| NameUrl {
                name: &self.archive.speakers[s].name,
                url: self.speaker_links[s].clone(),
            })
            .collect()
    }

    fn pager(&self, base: &str, current: usize, total: usize) -> Pager {
        let page_url = |n: usize| self.link(&urls::paged(base, n));
        Pager {
            current,
            total,
            prev: (current > 1).then(|| page_url(current - 1)),
            next: (current < total).then(|| page_url(current + 1)),
            pages: (1..=total).map(|n| (n, page_url(n))).collect(),
        }
    }

    pub(crate) fn render(&self, template: &str, ctx: &Context) -> Result<String> {
        self.tera
            .render(template, ctx)
            .with_context(|| format!("failed to render template `{template}`"))
    }

    /// Renders every page and hands each (page, output path, bytes, reads) to
    /// `sink`, in parallel; reads are recorded when `record` is set (see [`Reads`]).
    pub fn render_all(&self, record: bool, sink: &PageSink<'_>) -> Result<usize> {
        let jobs = self.jobs();
        let n = jobs.len();
        jobs.into_par_iter().try_for_each(|job| {
            let mut reads = if record { Reads::recording() } else { Reads::off() };
            let (url, html) = self
                .render_job_reading(&job, &mut reads)
                .with_context(|| format!("while rendering {job:?}"))?;
            sink(Rendered {
                job,
                url,
                html,
                reads: reads.into_list(),
            })
        })?;
        Ok(n)
    }

    /// Every page of the site, as cheap descriptions of work.
    pub fn jobs(&self) -> Vec<Job> {
        let a = self.archive;
        let ps = self.config.page_size;
        let pages = |n: usize, size: usize| n.div_ceil(size).max(1);
        let mut jobs = vec![Job::Home, Job::Events, Job::Search, Job::NotFound];
        jobs.extend((0..a.pages.len()).map(Job::Page));
        jobs.extend((0..a.talks.len()).map(Job::Talk));
        for (i, e) in a.events.iter().enumerate() {
            jobs.extend((1..=pages(e.talks.len(), ps)).map(|p| Job::Event(i, p)));
        }
        for kind in TermKind::ALL {
            let terms = kind.terms(a);
            jobs.extend((1..=pages(terms.len(), INDEX_PAGE_SIZE)).map(|p| Job::Terms(kind, p)));
            for (i, t) in terms.iter().enumerate() {
                jobs.extend((1..=pages(t.talks.len(), ps)).map(|p| Job::Term(kind, i, p)));
            }
        }
        jobs
    }

    /// The site-relative URL a job renders to (without rendering it).
    pub fn job_url(&self, job: &Job) -> String {
        let a = self.archive;
        match *job {
            Job::Home => "/".into(),
            Job::Events => self.urls.events.clone(),
            Job::Search => self.urls.search.clone(),
            Job::NotFound => "/404.html".into(),
            Job::Talk(t) => self.talk_url(t).to_string(),
            Job::Page(p) => self.page_url(&a.pages[p]),
            Job::Event(e, p) => urls::paged(&self.event_url(&a.events[e]), p),
            Job::Terms(kind, p) => urls::paged(&self.term_parts(kind).1, p),
            Job::Term(kind, i, p) => urls::paged(&self.term_url(kind, &self.term_parts(kind).0[i]), p),
        }
    }

    /// Atom and RSS feed URLs that belong to a list page.
    pub fn feed_urls(&self, page_url: &str) -> (String, String) {
        self.urls.feed_urls(page_url)
    }

    fn insert_feeds(&self, ctx: &mut Context, page_url: &str) {
        let (atom, rss) = self.feed_urls(page_url);
        ctx.insert(
            "feeds",
            &FeedLinks {
                atom: self.link(&atom),
                rss: self.link(&rss),
            },
        );
    }

    /// How many parts the search index is built in (config, or by archive size).
    pub fn search_shards(&self) -> usize {
        self.config
            .search_shards
            .unwrap_or_else(|| crate::search::default_shards(self.archive.talks.len()))
            .clamp(1, crate::search::MAX_SHARDS)
    }

    /// Renders one page: its site-relative URL and HTML.
    pub fn render_job(&self, job: &Job) -> Result<(String, String)> {
        self.render_job_reading(job, &mut Reads::off())
    }

    /// [`Site::render_job`], noting what the page reads in `r`.
    pub fn render_job_reading(&self, job: &Job, r: &mut Reads) -> Result<(String, String)> {
        match *job {
            Job::Home => {
                r.add(Read::Archive);
                self.render_home()
            }
            Job::Events => {
                r.add(Read::Archive);
                self.render_events()
            }
            Job::Search => {
                r.add(Read::Archive);
                let mut ctx = self.context(&self.urls.search);
                // The index parts that hold talks: the page opens the first as its
                // primary and merges the others in (an empty part has no index).
                let n = self.search_shards();
                let used: std::collections::BTreeSet<usize> = (0..self.archive.talks.len())
                    .map(|t| crate::search::part_of(&self.talk_link(t), n))
                    .collect();
                let parts: Vec<String> = used
                    .into_iter()
                    .map(|k| self.link(&format!("/{}", crate::search::shard_dir(k))))
                    .collect();
                ctx.insert("search_parts", &parts);
                ctx.insert("search_runtime", &self.link("/pagefind/pagefind.js"));
                ctx.insert("search", &self.search);
                let lists = [&self.urls.speakers, &self.urls.tags, &self.urls.events];
                ctx.insert("lists", &lists.map(|u| self.link(u)));
                Ok((self.urls.search.clone(), self.render("search.html", &ctx)?))
            }
            Job::NotFound => {
                let ctx = self.context("/404.html");
                Ok(("/404.html".into(), self.render("404.html", &ctx)?))
            }
            Job::Talk(t) => self.render_talk(t, r),
            Job::Page(p) => {
                let page = &self.archive.pages[p];
                let url = self.page_url(page);
                let mut ctx = self.context(&url);
                ctx.insert(
                    "page",
                    &PageView {
                        title: &page.title,
                        description: &page.description,
                        html: &page.html,
                    },
                );
                Ok((url, self.render("page.html", &ctx)?))
            }
            Job::Event(e, p) => self.render_event(e, p, r),
            Job::Terms(kind, p) => {
                r.add(Read::Terms(kind));
                self.render_terms(kind, p)
            }
            Job::Term(kind, i, p) => self.render_term(kind, i, p, r),
        }
    }

    fn render_home(&self) -> Result<(String, String)> {
        let a = self.archive;
        let mut ctx = self.context("/");
        ctx.insert("talk_count", &a.talks.len());
        ctx.insert("event_count", &a.events.len());
        ctx.insert("speaker_count", &a.speakers.len());
        let events: Vec<EventRow<'_>> = self
            .events_by_date()
            .into_iter()
            .take(12)
            .map(|e| self.event_row(e))
            .collect();
        ctx.insert("events", &events);
        let latest = self.cards_html(0..a.talks.len().min(12), &mut Reads::off());
        ctx.insert("talks", &latest);
        ctx.insert("events_url", &self.link(&self.urls.events));
        self.insert_feeds(&mut ctx, "/");
        Ok(("/".into(), self.render("index.html", &ctx)?))
    }

    /// Events, newest first (by start date), then by title.
    pub fn events_by_date(&self) -> Vec<&'a Event> {
        let mut ev: Vec<&'a Event> = self.archive.events.iter().filter(|e| !e.talks.is_empty()).collect();
        ev.sort_by(|a, b| {
            b.start
                .cmp(&a.start)
                .then_with(|| a.title.cmp(&b.title))
                .then_with(|| a.slug.cmp(&b.slug))
        });
        ev
    }

    fn event_row<'b>(&'b self, e: &'b Event) -> EventRow<'b> {
        EventRow {
            title: &e.title,
            url: self.link(&self.event_url(e)),
            start: e.start.map(|d| d.to_string()),
            start_human: e.start.map(|d| d.human()),
            end: e.end.map(|d| d.to_string()),
            end_human: e.end.map(|d| d.human()),
            talks: e.talks.len(),
        }
    }

    /// Event series: events titled "<name> <year>" grouped by [`fold`]ed name (two
    /// or more), computed on first use and kept.
    ///
    /// [`fold`]: crate::normalize::fold
    pub fn series(&self) -> &HashMap<String, Vec<&'a Event>> {
        self.series.get_or_init(|| {
            let mut groups: HashMap<String, Vec<&'a Event>> = HashMap::new();
            for e in self.events_by_date() {
                if let Some((name, _)) = series_of(&e.title) {
                    groups.entry(crate::normalize::fold(name)).or_default().push(e);
                }
            }
            groups.retain(|_, v| v.len() > 1);
            groups
        })
    }

    fn render_events(&self) -> Result<(String, String)> {
        let url = self.urls.events.clone();
        let mut ctx = self.context(&url);
        let series = self.series();
        let mut rows: Vec<EventsEntry<'_>> = Vec::new();
        let mut done: std::collections::HashSet<String> = std::collections::HashSet::new();
        for e in self.events_by_date() {
            let key = series_of(&e.title).map(|(n, _)| crate::normalize::fold(n));
            match key.as_ref().and_then(|k| series.get(k).map(|v| (k, v))) {
                Some((k, members)) => {
                    if done.insert(k.clone()) {
                        let name = series_of(&members[0].title).map_or("", |(n, _)| n);
                        rows.push(EventsEntry::Series {
                            name,
                            talks: members.iter().map(|m| m.talks.len()).sum(),
                            years: members.iter().map(|m| self.sibling(m, e)).collect(),
                        });
                    }
                }
                None => rows.push(EventsEntry::Event(self.event_row(e))),
            }
        }
        ctx.insert("entries", &rows);
        ctx.insert("event_count", &self.events_by_date().len());
        Ok((url, self.render("events.html", &ctx)?))
    }

    fn sibling<'b>(&'b self, e: &'b Event, current: &Event) -> Sibling<'b> {
        Sibling {
            label: series_of(&e.title).map_or(e.title.as_str(), |(_, y)| y),
            title: &e.title,
            url: self.link(&self.event_url(e)),
            current: std::ptr::eq(e, current),
            talks: e.talks.len(),
        }
    }

    fn render_event(&self, e: usize, page: usize, r: &mut Reads) -> Result<(String, String)> {
        let ev = &self.archive.events[e];
        r.extend([Read::Event(e), Read::EventTalks(e)]);
        let base = self.event_url(ev);
        let url = urls::paged(&base, page);
        let mut ctx = self.context(&url);
        ctx.insert("event", &self.event_row(ev));
        let description = self.event_descriptions[e].get_or_init(|| describe::render_description(&ev.description));
        ctx.insert("description", description);
        ctx.insert("website", &ev.url);
        let siblings: Vec<Sibling<'_>> = series_of(&ev.title)
            .and_then(|(n, _)| self.series().get(&crate::normalize::fold(n)))
            .map(|members| members.iter().map(|m| self.sibling(m, ev)).collect())
            .unwrap_or_default();
        if series_of(&ev.title).is_some() {
            // Which events form its series, and their rows.
            r.add(Read::Events);
        }
        ctx.insert("siblings", &siblings);
        let ps = self.config.page_size;
        let cards = self.cards_html(ev.talks.iter().skip((page - 1) * ps).take(ps).copied(), r);
        ctx.insert("talks", &cards);
        ctx.insert("pager", &self.pager(&base, page, ev.talks.len().div_ceil(ps).max(1)));
        self.insert_feeds(&mut ctx, &base);
        Ok((url, self.render("event.html", &ctx)?))
    }

    fn render_talk(&self, t: usize, r: &mut Reads) -> Result<(String, String)> {
        let a = self.archive;
        let talk = &a.talks[t];
        let ev = &a.events[talk.event];
        // Its own record, its event (link, previous and next), and the lists its
        // "more from" and "related" boxes draw from.
        r.extend([Read::Talk(t), Read::Event(talk.event), Read::EventTalks(talk.event)]);
        r.extend(talk.speakers.iter().map(|&s| Read::TermTalks(TermKind::Speaker, s)));
        r.extend(talk.tags.iter().map(|&x| Read::TermTalks(TermKind::Tag, x)));
        let url = self.talk_url(t).to_string();
        let mut ctx = self.context(&url);
        let prepared = &self.talks[t];
        let youtube_thumb = prepared.videos(talk).iter().find_map(|v| match v {
            Video::Embed {
                thumbnail: Some(th), ..
            } => Some(th.clone()),
            _ => None,
        });
        let thumbnail = talk.thumbnail.clone().or(youtube_thumb);
        let videos: Vec<Video> = prepared
            .videos(talk)
            .iter()
            .cloned()
            .map(|v| v.with_fallback_thumbnail(thumbnail.as_deref()))
            .collect();
        // For crawlers (og:image, JSON-LD): the copy in the site when there is one.
        let thumbnail = match &prepared.thumb {
            Thumb::Local(key) => Some(format!("{}{}", self.config.base(), crate::thumbs::view::share_url(key))),
            _ => thumbnail,
        };
        let lead = prepared.lead.clone();
        let pos = ev.talks.iter().position(|&x| x == t);
        // Within an event, "previous" is the earlier talk (later in the newest-first list).
        let prev = pos.and_then(|p| ev.talks.get(p + 1)).map(|&x| self.card(x, r));
        let next = pos
            .and_then(|p| p.checked_sub(1))
            .and_then(|p| ev.talks.get(p))
            .map(|&x| self.card(x, r));
        let more: Vec<MoreFrom<'_>> = talk
            .speakers
            .iter()
            .map(|&s| {
                let sp = &a.speakers[s];
                MoreFrom {
                    speaker: NameUrl {
                        name: &sp.name,
                        url: self.speaker_links[s].clone(),
                    },
                    talks: self.cards_html(sp.talks.iter().filter(|&&x| x != t).take(RELATED_LIMIT).copied(), r),
                }
            })
            .filter(|m| !m.talks.is_empty())
            .collect();
        let related = self.cards_html(self.related(t).into_iter(), r);
        let lang = talk.language.map(|l| &a.languages[l]);
        r.extend(talk.language.map(|l| Read::Term(TermKind::Language, l)));
        r.extend(talk.tags.iter().map(|&x| Read::Term(TermKind::Tag, x)));
        let view = TalkView {
            title: &talk.title,
            url: self.link(&url),
            abs_url: format!("{}{}", self.config.base(), url),
            event: NameUrl {
                name: &ev.title,
                url: self.event_links[talk.event].clone(),
            },
            speakers: self.speaker_links(talk, r),
            tags: talk
                .tags
                .iter()
                .map(|&x| NameUrl {
                    name: &a.tags[x].name,
                    url: self.tag_links[x].clone(),
                })
                .collect(),
            date: talk.date.map(|d| d.to_string()),
            date_human: talk.date.map(|d| d.human()),
            year: talk.date.map(|d| {
                let y = year_of(a, d.year);
                r.extend(y.map(|y| Read::Term(TermKind::Year, y)));
                let term = y.map(|y| &a.years[y]);
                NameUrl {
                    name: "",
                    url: term.map(|t| self.link(&self.year_url(t))).unwrap_or_default(),
                }
            }),
            language: lang.map(|l| NameUrl {
                name: &l.name,
                url: self.link(&self.language_url(l)),
            }),
            duration: talk.duration.filter(|&d| d > 0).map(hms),
            duration_iso: talk.duration.filter(|&d| d > 0).map(iso_duration),
            videos,
            thumbnail,
            poster: prepared.thumb.img(&self.root, 0),
            lang_tag: lang.map(|l| crate::search::normalize_language(&l.key)),
            related_urls: talk
                .related
                .iter()
                .map(|l| LinkView {
                    label: &l.label,
                    url: &l.url,
                })
                .collect(),
            copyright: &talk.copyright,
            quality_notes: &talk.quality_notes,
            lead,
            has_summary: !talk.summary.is_empty(),
            description: &prepared.description,
        };
        ctx.insert("jsonld", &self.jsonld(talk, &view));
        ctx.insert("talk", &view);
        ctx.insert("prev", &prev);
        ctx.insert("next", &next);
        ctx.insert("more", &more);
        ctx.insert("related", &related);
        ctx.insert("default_thumbnail", &self.link("/static/talk.svg"));
        Ok((url, self.render("talk.html", &ctx)?))
    }

    /// schema.org `VideoObject` for rich results, safe to embed in `<script>`.
    fn jsonld(&self, talk: &Talk, view: &TalkView<'_>) -> String {
        let mut obj = serde_json::json!({
            "@context": "https://schema.org",
            "@type": "VideoObject",
            "name": talk.title,
            "description": if view.lead.is_empty() { talk.title.clone() } else { view.lead.clone() },
            "url": view.abs_url,
        });
        let mut set = |k: &str, v: serde_json::Value| {
            if let Some(o) = obj.as_object_mut() {
                o.insert(k.to_string(), v);
            }
        };
        if let Some(th) = &view.thumbnail {
            set("thumbnailUrl", th.as_str().into());
        }
        if let Some(d) = talk.date {
            set("uploadDate", d.to_string().into());
        }
        if let Some(d) = &view.duration_iso {
            set("duration", d.as_str().into());
        }
        if let Some(l) = &view.lang_tag {
            set("inLanguage", l.as_str().into());
        }
        for v in &view.videos {
            match v {
                Video::Embed { embed_url, .. } => {
                    set("embedUrl", embed_url.as_str().into());
                    break;
                }
                Video::File { url, .. } => {
                    set("contentUrl", url.as_str().into());
                    break;
                }
                Video::Link { .. } => {}
            }
        }
        let speakers: Vec<serde_json::Value> = view
            .speakers
            .iter()
            .map(|s| serde_json::json!({"@type": "Person", "name": s.name}))
            .collect();
        if !speakers.is_empty() {
            set("author", speakers.into());
        }
        // Escape what could end the script element or start a comment.
        serde_json::to_string(&obj)
            .unwrap_or_default()
            .replace('<', "\\u003c")
            .replace('>', "\\u003e")
            .replace('&', "\\u0026")
    }

    /// Up to five talks sharing the most tags with talk `t`, found through the tag
    /// index (never all pairs); ties go to the newer talk.
    pub fn related(&self, t: usize) -> Vec<usize> {
        let a = self.archive;
        let mut score: HashMap<usize, u32> = HashMap::new();
        for &tag in &a.talks[t].tags {
            let list = &a.tags[tag].talks;
            if list.len() > RELATED_TAG_MAX {
                continue;
            }
            for &other in list {
                if other != t {
                    *score.entry(other).or_default() += 1;
                }
            }
        }
        let mut ranked: Vec<(u32, usize)> = score.into_iter().map(|(x, s)| (s, x)).collect();
        ranked.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        ranked.into_iter().take(RELATED_LIMIT).map(|(_, x)| x).collect()
    }

    pub(crate) fn term_parts(&self, kind: TermKind) -> (&[Term], String, &'static str, &'static str) {
        let u = &self.urls;
        let (index, heading, singular) = match kind {
            TermKind::Speaker => (&u.speakers, "Speakers", "speaker"),
            TermKind::Tag => (&u.tags, "Tags", "tag"),
            TermKind::Language => (&u.languages, "Languages", "language"),
            TermKind::Year => (&u.years, "Years", "year"),
        };
        (kind.terms(self.archive), index.clone(), heading, singular)
    }

    /// Site-relative URL of a term page.
    pub fn term_url(&self, kind: TermKind, term: &Term) -> String {
        match kind {
            TermKind::Speaker => self.speaker_url(term),
            TermKind::Tag => self.tag_url(term),
            TermKind::Language => self.language_url(term),
            TermKind::Year => self.year_url(term),
        }
    }

    fn render_terms(&self, kind: TermKind, page: usize) -> Result<(String, String)> {
        let (terms, base, heading, _) = self.term_parts(kind);
        let url = urls::paged(&base, page);
        let mut ctx = self.context(&url);
        let total = terms.len().div_ceil(INDEX_PAGE_SIZE).max(1);
        // Speakers are listed A–Z by transliterated name, with jump links per letter.
        let mut order: Vec<usize> = (0..terms.len()).collect();
        if kind == TermKind::Speaker || kind == TermKind::Tag {
            order.sort_by(|&x, &y| terms[x].slug.cmp(&terms[y].slug));
        }
        let letter = |t: &Term| {
            let c = t.slug.chars().next().unwrap_or('#').to_ascii_uppercase();
            if c.is_ascii_alphabetic() {
                c
            } else {
                '#'
            }
        };
        let alphabetic = kind == TermKind::Speaker || kind == TermKind::Tag;
        let mut jumps: Vec<(char, String)> = Vec::new();
        if alphabetic {
            for (pos, &i) in order.iter().enumerate() {
                let l = letter(&terms[i]);
                if jumps.last().map(|j| j.0) != Some(l) {
                    let p = pos / INDEX_PAGE_SIZE + 1;
                    jumps.push((
                        l,
                        format!("{}#letter-{}", self.link(&urls::paged(&base, p)), letter_id(l)),
                    ));
                }
            }
        }
        let mut groups: Vec<TermGroup<'_>> = Vec::new();
        for &i in order.iter().skip((page - 1) * INDEX_PAGE_SIZE).take(INDEX_PAGE_SIZE) {
            let t = &terms[i];
            let l = if alphabetic { letter(t) } else { ' ' };
            if groups.last().map(|g| g.letter) != Some(l) {
                groups.push(TermGroup {
                    letter: l,
                    id: letter_id(l),
                    terms: Vec::new(),
                });
            }
            if let Some(g) = groups.last_mut() {
                g.terms.push(TermRow {
                    name: &t.name,
                    url: self.link(&self.term_url(kind, t)),
                    count: t.talks.len(),
                });
            }
        }
        ctx.insert("heading", heading);
        ctx.insert("jumps", &jumps);
        ctx.insert("groups", &groups);
        ctx.insert("count", &terms.len());
        ctx.insert("pager", &self.pager(&base, page, total));
        Ok((url, self.render("terms.html", &ctx)?))
    }

    fn render_term(&self, kind: TermKind, i: usize, page: usize, r: &mut Reads) -> Result<(String, String)> {
        let (terms, index_url, heading, singular) = self.term_parts(kind);
        let term = &terms[i];
        r.extend([Read::Term(kind, i), Read::TermTalks(kind, i)]);
        let base = self.term_url(kind, term);
        let url = urls::paged(&base, page);
        let mut ctx = self.context(&url);
        let ps = self.config.page_size;
        let cards = self.cards_html(term.talks.iter().skip((page - 1) * ps).take(ps).copied(), r);
        ctx.insert("kind", singular);
        ctx.insert(
            "index",
            &NameUrl {
                name: heading,
                url: self.link(&index_url),
            },
        );
        ctx.insert("name", &term.name);
        ctx.insert("count", &term.talks.len());
        ctx.insert("talks", &cards);
        ctx.insert("pager", &self.pager(&base, page, term.talks.len().div_ceil(ps).max(1)));
        if matches!(kind, TermKind::Speaker | TermKind::Tag) {
            self.insert_feeds(&mut ctx, &base);
            if self.search {
                // The search page's filter parameter, with the name as shown.
                let param = if kind == TermKind::Speaker { "speaker" } else { "tag" };
                let value = percent_encoding::utf8_percent_encode(&term.name, percent_encoding::NON_ALPHANUMERIC);
                ctx.insert(
                    "search_within",
                    &self.link(&format!("{}?{param}={value}", self.urls.search)),
                );
            }
        }
        Ok((url, self.render("term.html", &ctx)?))
    }
}

/// Terms per page on the speaker, tag, language and year indexes.
pub const INDEX_PAGE_SIZE: usize = 300;

fn letter_id(c: char) -> String {
    if c == '#' {
        "other".into()
    } else {
        c.to_string()
    }
}

/// A rendered page, with what it read (empty unless recorded).
pub struct Rendered {
    pub job: Job,
    /// Site-relative URL.
    pub url: String,
    pub html: String,
    pub reads: Vec<Read>,
}

/// Takes each rendered page.
pub type PageSink<'a> = dyn Fn(Rendered) -> Result<()> + Sync + 'a;

/// One page to render.
#[derive(Debug, Clone, Copy)]
pub enum Job {
    Home,
    Events,
    Search,
    NotFound,
    Talk(usize),
    /// A content page (`pages/*.md`).
    Page(usize),
    Event(usize, usize),
    Terms(TermKind, usize),
    Term(TermKind, usize, usize),
}

impl Job {
    /// What kind of page this is, for the build's per-kind file report.
    pub fn kind(&self) -> &'static str {
        match self {
            Job::Home | Job::Events => "pages: home, events list",
            Job::Search | Job::NotFound => "pages: search, 404",
            Job::Talk(_) => "pages: talk",
            Job::Page(_) => "pages: content pages",
            Job::Event(..) => "pages: event",
            Job::Terms(..) => "pages: speaker/tag/language/year lists",
            Job::Term(TermKind::Speaker, ..) => "pages: speaker",
            Job::Term(TermKind::Tag, ..) => "pages: tag",
            Job::Term(TermKind::Language, ..) => "pages: language",
            Job::Term(TermKind::Year, ..) => "pages: year",
        }
    }
}

/// Splits "PyCon US 2011" into ("PyCon US", "2011").
pub fn series_of(title: &str) -> Option<(&str, &str)> {
    let (name, year) = title.trim().rsplit_once(' ')?;
    let ok = year.len() == 4
        && year.bytes().all(|b| b.is_ascii_digit())
        && (year.starts_with("19") || year.starts_with("20"));
    (ok && !name.trim().is_empty()).then(|| (name.trim(), year))
}

#[derive(Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum EventsEntry<'a> {
    Event(EventRow<'a>),
    Series {
        name: &'a str,
        talks: usize,
        years: Vec<Sibling<'a>>,
    },
}

#[derive(Serialize)]
struct Sibling<'a> {
    label: &'a str,
    title: &'a str,
    url: String,
    current: bool,
    talks: usize,
}

#[derive(Serialize)]
struct FeedLinks {
    atom: String,
    rss: String,
}

#[derive(Serialize)]
struct EventRow<'a> {
    title: &'a str,
    url: String,
    start: Option<String>,
    start_human: Option<String>,
    end: Option<String>,
    end_human: Option<String>,
    talks: usize,
}

#[derive(Serialize)]
struct TermGroup<'a> {
    letter: char,
    id: String,
    terms: Vec<TermRow<'a>>,
}

#[derive(Serialize)]
struct TermRow<'a> {
    name: &'a str,
    url: String,
    count: usize,
}

#[derive(Serialize)]
struct MoreFrom<'a> {
    speaker: NameUrl<'a>,
    /// Rendered cards.
    talks: String,
}

#[derive(Serialize)]
struct LinkView<'a> {
    label: &'a str,
    url: &'a str,
}

#[derive(Serialize)]
struct TalkView<'a> {
    title: &'a str,
    url: String,
    abs_url: String,
    event: NameUrl<'a>,
    speakers: Vec<NameUrl<'a>>,
    tags: Vec<NameUrl<'a>>,
    date: Option<String>,
    date_human: Option<String>,
    year: Option<NameUrl<'a>>,
    language: Option<NameUrl<'a>>,
    duration: Option<String>,
    duration_iso: Option<String>,
    videos: Vec<Video>,
    /// Absolute URL for og:image and JSON-LD.
    thumbnail: Option<String>,
    /// The still shown on the page (facade, video poster).
    poster: Option<ImgView>,
    /// The talk's language as a BCP 47 tag (`en`, not the data's ISO 639-3 `eng`).
    lang_tag: Option<String>,
    related_urls: Vec<LinkView<'a>>,
    copyright: &'a str,
    quality_notes: &'a str,
    lead: String,
    has_summary: bool,
    description: &'a str,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn series_titles() {
        assert_eq!(series_of("PyCon US 2011"), Some(("PyCon US", "2011")));
        assert_eq!(series_of("Meetup Paris"), None);
        assert_eq!(series_of("2011"), None);
        assert_eq!(series_of("EuroPython 12345"), None);
    }
}
