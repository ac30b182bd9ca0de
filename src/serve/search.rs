//! The full-text search index of the preview, built by pagefind on a thread of its
//! own (about five seconds for the pyvideo archive), so neither the start of the
//! server nor any update waits for it. Requests for a new index while one is being
//! built are folded into one: only the newest records are indexed next.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::body::Bytes;

use super::Store;
use crate::search::{self, SearchRecord};

#[derive(Default)]
struct State {
    /// Records waiting to be indexed, and in how many parts.
    pending: Option<(Vec<SearchRecord>, usize)>,
    /// A worker thread is running.
    running: bool,
    /// Hash of the records last handed over, so an unchanged index is not rebuilt.
    last: Option<u128>,
    /// Files of the bundle being served.
    keys: HashSet<String>,
}

/// Builds search bundles in the background and publishes them to the store.
pub struct Indexer {
    state: Mutex<State>,
    store: Arc<Store>,
}

impl Indexer {
    pub fn new(store: Arc<Store>) -> Arc<Indexer> {
        Arc::new(Indexer {
            state: Mutex::new(State::default()),
            store,
        })
    }

    /// Asks for an index of `records` in `shards` parts; returns at once.
    pub fn submit(self: &Arc<Self>, records: Vec<SearchRecord>, shards: usize) {
        let hash = search::records_hash(&records) ^ shards as u128;
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if st.last == Some(hash) {
            return;
        }
        st.last = Some(hash);
        st.pending = Some((records, shards));
        if !st.running {
            st.running = true;
            let me = self.clone();
            let spawned = std::thread::Builder::new()
                .name("podium-search".into())
                .spawn(move || me.work());
            if let Err(e) = spawned {
                st.running = false;
                eprintln!("error: cannot start the search indexer: {e}");
            }
        }
    }

    fn work(self: Arc<Self>) {
        loop {
            let (records, shards) = {
                let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
                match st.pending.take() {
                    Some(r) => r,
                    None => {
                        st.running = false;
                        return;
                    }
                }
            };
            let started = Instant::now();
            let n = records.len();
            match search::build_sharded(records, shards) {
                Ok(files) => {
                    let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
                    let keys: HashSet<String> = files.iter().map(|(k, _)| k.clone()).collect();
                    let mut updates: Vec<(String, Option<Bytes>)> =
                        st.keys.difference(&keys).map(|k| (k.clone(), None)).collect();
                    updates.extend(files.into_iter().map(|(k, v)| (k, Some(Bytes::from(v)))));
                    self.store.apply(updates);
                    st.keys = keys;
                    eprintln!("Search index: {n} talks in {:.1}s", started.elapsed().as_secs_f64());
                }
                Err(e) => eprintln!("error: search index: {e:#}"),
            }
        }
    }
}
