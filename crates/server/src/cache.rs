//! Story views kept between requests, so a story that fifty analysts have open is built once
//! per change rather than once per request.
//!
//! Building a [`StoryView`] reads every member article and its analysis, parses the JSON and
//! groups the statements into claims: tens of milliseconds for a story of a few hundred
//! articles, over a second for one of a thousand, which fifty concurrent clients on two cores
//! would turn into minutes. The view only changes when the story does, so each entry carries
//! a stamp read with one cheap query (the story's article count and last-seen time) and is
//! rebuilt when the stamp moves.
//!
//! Why entries are also [touched](StoryCache::touch): an exact repeat from another outlet adds
//! a sighting (a new outlet under an article) without touching the story row, so no stamp
//! catches it. The live-event follower (`events`) reads every committed article and sighting,
//! by this process or any other sharing the store, and touches the story each one names; the
//! next request rebuilds it. [`MAX_AGE`] is only a safety net for what that misses (a repeat
//! committed while the story's first build ran). It used to be the only mechanism, at ten
//! seconds, which rebuilt every story on the front page that often even when nothing changed:
//! seconds of CPU each time for a story of a thousand articles.
//!
//! Why a stale entry is still served while one request rebuilds it: under load every request
//! that arrives during the rebuild would otherwise start its own, and the slowest of them sets
//! the 99th percentile. Only the first caller to see the change rebuilds; the others get the
//! previous version, which the live event stream corrects in the browser anyway. A story not
//! cached at all is built by whoever asks.
//!
//! The renderings (the page's HTML, the story JSON's default window, the front page) are made
//! once per entry too, lazily, on first use, and served as shared bytes: a request for an
//! unchanged story costs one query and a copy of a pointer, whatever the story's size.

use app::views::{self, StoryView};
use axum::body::Bytes;
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};
use store::{Store, StoryId};

/// Longest a cached view is served without rebuilding when nothing touched it (see the
/// module note).
pub const MAX_AGE: Duration = Duration::from_secs(60);

/// Stories kept; the least recently built goes first.
const CAPACITY: usize = 256;

/// A story as built for one stamp, with its renderings.
pub struct CachedStory {
    pub view: StoryView,
    /// Coverage chart bins (see [`crate::queries::coverage`]).
    pub bins: Vec<u32>,
    json: OnceLock<Bytes>,
    html: OnceLock<Bytes>,
    card: OnceLock<CardFigures>,
}

/// A story card's speakers (name, statements), claims and contested claims.
pub type CardFigures = (Vec<(String, usize)>, usize, usize);

impl CachedStory {
    /// The story's JSON answer, serialized by `render` on first use.
    pub fn json(
        &self,
        render: impl FnOnce(&CachedStory) -> Result<Vec<u8>, serde_json::Error>,
    ) -> Result<Bytes, serde_json::Error> {
        if let Some(j) = self.json.get() {
            return Ok(j.clone());
        }
        let bytes = Bytes::from(render(self)?);
        Ok(self.json.get_or_init(|| bytes).clone())
    }

    /// The front page's figures for the story, worked out by `make` on first use.
    pub fn card(&self, make: impl FnOnce(&CachedStory) -> CardFigures) -> &CardFigures {
        self.card.get_or_init(|| make(self))
    }

    /// The whole page, rendered by `render` on first use.
    pub fn html(&self, render: impl FnOnce(&CachedStory) -> String) -> Bytes {
        self.html.get_or_init(|| Bytes::from(render(self))).clone()
    }
}

type Stamp = (u32, DateTime<Utc>);

struct Entry {
    stamp: Stamp,
    built: Instant,
    story: Arc<CachedStory>,
    /// A caller is rebuilding this entry; others keep serving it meanwhile.
    rebuilding: bool,
    /// Something was committed to the story that the stamp may not show (see [`StoryCache::touch`]).
    touched: bool,
}

/// The front page as last rendered, and the story versions it was rendered from (held, so
/// that no other version can reuse their addresses while the page is compared with them).
type FrontPage = (Vec<Arc<CachedStory>>, Bytes);

/// The cache; one per server, shared by every handler.
#[derive(Default)]
pub struct StoryCache {
    entries: Mutex<HashMap<StoryId, Entry>>,
    front: Mutex<Option<FrontPage>>,
}

impl StoryCache {
    pub fn new() -> StoryCache {
        StoryCache::default()
    }

    /// The story, from the cache when its stamp still holds; `None` when there is no story.
    pub fn story(
        &self,
        store: &dyn Store,
        id: StoryId,
    ) -> Result<Option<Arc<CachedStory>>, app::AppError> {
        let Some(row) = store.story(id)? else {
            self.lock().remove(&id);
            return Ok(None);
        };
        self.story_at(store, &row)
    }

    /// The story whose row (the stamp's source) the caller has just read, as [`Self::story`]
    /// does; the front page reads thirty rows in one query this way.
    pub fn story_at(
        &self,
        store: &dyn Store,
        row: &store::Story,
    ) -> Result<Option<Arc<CachedStory>>, app::AppError> {
        let id = row.id;
        let stamp = (row.articles, row.last_seen);
        {
            let mut entries = self.lock();
            if let Some(e) = entries.get_mut(&id) {
                let fresh = e.stamp == stamp && !e.touched && e.built.elapsed() < MAX_AGE;
                if fresh || e.rebuilding {
                    return Ok(Some(e.story.clone()));
                }
                e.rebuilding = true;
                // A touch from now on arrives after this build started reading: it is kept
                // for the next caller.
                e.touched = false;
            }
        }
        let built = Instant::now();
        let result = build(store, id);
        let mut entries = self.lock();
        match result {
            Ok(Some(story)) => {
                let story = Arc::new(story);
                let touched = entries.get(&id).is_some_and(|e| e.touched);
                if entries.len() >= CAPACITY && !entries.contains_key(&id) {
                    if let Some(oldest) =
                        entries.iter().min_by_key(|(_, e)| e.built).map(|(k, _)| *k)
                    {
                        entries.remove(&oldest);
                    }
                }
                entries.insert(
                    id,
                    Entry {
                        stamp,
                        built,
                        story: story.clone(),
                        rebuilding: false,
                        touched,
                    },
                );
                Ok(Some(story))
            }
            Ok(None) => {
                entries.remove(&id);
                Ok(None)
            }
            Err(e) => {
                // Let the next caller try again rather than serving the old view forever.
                if let Some(entry) = entries.get_mut(&id) {
                    entry.rebuilding = false;
                }
                Err(e)
            }
        }
    }

    /// Marks the story as changed: the next request for it rebuilds it. Called for every
    /// committed article and sighting, so it must stay cheap.
    pub fn touch(&self, id: StoryId) {
        if let Some(e) = self.lock().get_mut(&id) {
            e.touched = true;
        }
    }

    /// The front page for these story versions (most recent first): the last rendering when
    /// it was made from exactly these, else `render`'s, kept for the next caller.
    pub fn front_page(
        &self,
        stories: &[Arc<CachedStory>],
        render: impl FnOnce() -> String,
    ) -> Bytes {
        let same = |(held, _): &FrontPage| {
            held.len() == stories.len() && held.iter().zip(stories).all(|(a, b)| Arc::ptr_eq(a, b))
        };
        if let Some(page) = self.front_lock().as_ref().filter(|p| same(p)) {
            return page.1.clone();
        }
        let page = Bytes::from(render());
        *self.front_lock() = Some((stories.to_vec(), page.clone()));
        page
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<StoryId, Entry>> {
        // A panic while holding the lock leaves only a map of finished entries behind.
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn front_lock(&self) -> std::sync::MutexGuard<'_, Option<FrontPage>> {
        self.front.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn build(store: &dyn Store, id: StoryId) -> Result<Option<CachedStory>, app::AppError> {
    let Some(view) = views::story(store, id)? else {
        return Ok(None);
    };
    let s = &view.summary;
    let bins = crate::queries::coverage(store, id, s.first_seen, s.last_seen)?;
    Ok(Some(CachedStory {
        view,
        bins,
        json: OnceLock::new(),
        html: OnceLock::new(),
        card: OnceLock::new(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::{Tracker, TrackerConfig};

    fn article(url: &str, text: &str) -> model::Article {
        // The tracker fills in the id's digest and the hashes when it prepares the article.
        let mut a = model::Article::new(
            model::ArticleId::new(url),
            text,
            model::ContentHash::new(""),
        );
        a.url = Some(url.into());
        a.source = Some("Test Outlet".into());
        a
    }

    #[test]
    fn a_new_article_in_the_story_rebuilds_the_view() {
        let dir = tempfile::tempdir().unwrap();
        let store: Arc<dyn Store> =
            Arc::new(store::SqliteStore::open(dir.path().join("t.db")).unwrap());
        let tracker = Tracker::open(store.clone(), TrackerConfig::default()).unwrap();
        let now = Utc::now();
        let text = "The harbour authority of Port Vell said on Monday that the new ferry \
                    terminal would open in March. Union leaders denied that any agreement \
                    on the terminal's staffing had been reached with the harbour authority.";
        tracker
            .ingest(article("https://a.example/1", text), now)
            .unwrap();
        let cache = StoryCache::new();
        let first = cache.story(store.as_ref(), StoryId(1)).unwrap().unwrap();
        let again = cache.story(store.as_ref(), StoryId(1)).unwrap().unwrap();
        assert!(
            Arc::ptr_eq(&first, &again),
            "an unchanged story is served from the cache"
        );
        assert_eq!(first.view.summary.articles, 1);
        let more = format!("{text} The ferry terminal's opening was confirmed by the mayor.");
        let r = tracker
            .ingest(article("https://b.example/2", &more), now)
            .unwrap();
        assert!(
            matches!(
                r,
                app::Ingested::Copy { .. }
                    | app::Ingested::New {
                        story: StoryId(1),
                        ..
                    }
            ),
            "the second article joins the first one's story: {r:?}"
        );
        let after = cache.story(store.as_ref(), StoryId(1)).unwrap().unwrap();
        assert!(!Arc::ptr_eq(&first, &after));
        assert_eq!(after.view.summary.articles, 2);
        assert!(cache.story(store.as_ref(), StoryId(99)).unwrap().is_none());

        // A touch (what the event follower does for an exact repeat, which leaves the stamp
        // as it was) rebuilds the view once.
        cache.touch(StoryId(1));
        let touched = cache.story(store.as_ref(), StoryId(1)).unwrap().unwrap();
        assert!(!Arc::ptr_eq(&after, &touched), "a touched story is rebuilt");
        let again = cache.story(store.as_ref(), StoryId(1)).unwrap().unwrap();
        assert!(
            Arc::ptr_eq(&touched, &again),
            "and then served from the cache"
        );

        // The front page is rendered once per set of story versions.
        let renders = std::cell::Cell::new(0);
        let render = || {
            renders.set(renders.get() + 1);
            format!("page {}", renders.get())
        };
        let page = cache.front_page(std::slice::from_ref(&touched), render);
        assert_eq!(cache.front_page(std::slice::from_ref(&again), render), page);
        assert_eq!(renders.get(), 1, "the same versions are not rendered again");
        let other = cache.front_page(std::slice::from_ref(&first), render);
        assert_ne!(other, page, "another version of a story renders a new page");
        assert_ne!(cache.front_page(&[], render), other);
        assert_eq!(renders.get(), 3);
    }
}
