//! Live events: what is committed to the store, by this process or any other sharing it,
//! fanned out to every open `/api/events` stream.
//!
//! Why the events are read from the store rather than taken from this process's tracker:
//! with `claimtrail serve --no-track` and workers (or a `claimtrail track`) writing the same
//! database, the articles are committed elsewhere, and every server sharing the database must
//! stream them. So one follower thread reads what was committed after the last article and
//! sighting it has seen (`Store::committed_after`, `Store::sightings_after`) and turns each
//! into the event the committing tracker reports: a new article is `article`, a stored
//! near-duplicate or an exact repeat seen at another outlet is `copy`. Since every event comes
//! from that one reading, an article committed in this process is streamed once, like any other.
//!
//! What wakes the follower: this process's tracker (each of its events means "read now"),
//! the store's [`store::CommitWaiter`] (PostgreSQL: LISTEN/NOTIFY, announced when each
//! article's commit is complete), and otherwise a poll: every half second without a waiter
//! (SQLite shared with another process), every few seconds with one, to cover announcements
//! lost while the listening connection was down.
//!
//! Each article's commit is one transaction (`store::commit`), so an article the follower
//! reads is whole: analysed and in its story. Only a database written by an older version,
//! which committed in several steps, can show an article without its analysis or story: one
//! left half-done by a writer that died, or one an older process is still writing. Such an
//! article is held back while it is the latest one, for up to [`INCOMPLETE_GRACE`]; once a
//! later article exists, or the grace has passed, it is reported as it stands.
//!
//! The follower turns each event into its finished SSE frame once, and republishes the frames
//! of each read of the store as one item on a `tokio::sync::broadcast` channel that any number
//! of streams read; a stream only clones the item's shared bytes. Reads are at least
//! [`COALESCE`] apart, so under a stream of commits every stream wakes and writes once per
//! read, not once per article: the cost of the fan-out follows the number of streams, hardly
//! the rate of commits. A slow browser only loses its own oldest items (it is told with a
//! `lagged` event whose `missed` counts them) instead of holding memory or slowing anything
//! else.
//!
//! The follower also [touches](crate::cache::StoryCache::touch) the story each event names,
//! so cached story views notice the commits that their stamp cannot show (exact repeats).
//!
//! Each stream starts with a `ready` event (so a client knows it is subscribed), carries the
//! event's `type` (`article`, `copy`) as the SSE event name and its JSON as data, and ends
//! when the server shuts down.

use crate::cache::StoryCache;
use crate::AppState;
use app::Tracker;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use std::collections::HashSet;
use std::convert::Infallible;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};
use store::{Committed, Store, StoryId};
use tokio::sync::broadcast;

/// Items (reads of the store, see [`Item`]) a slow stream may fall behind by before it starts
/// losing the oldest.
const BACKLOG: usize = 1024;

/// How often the store is read when nothing wakes the follower: without a commit waiter
/// (SQLite), and with one (a safety net for announcements lost during a reconnect).
const POLL_WITHOUT_WAITER: Duration = Duration::from_millis(500);
const POLL_WITH_WAITER: Duration = Duration::from_secs(5);

/// How long the latest article may stay incomplete before it is reported as it stands.
pub const INCOMPLETE_GRACE: Duration = Duration::from_secs(10);

/// How long starting the hub waits for the follower to read where the store stands.
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// Rows read from the store at once.
const PAGE: usize = 256;

/// How long a stream may stay silent before it sends a comment, so that proxies and clients
/// do not take it for dead.
const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// Frames a stream sends in one write when they have queued up.
const BATCH: usize = 64;

/// Shortest time between two reads of the store: commits arriving closer together are read,
/// and sent to every stream, together. At 500 articles a second that is one write per stream
/// for some 25 events instead of 25 writes; a browser cannot tell 50 ms.
const COALESCE: Duration = Duration::from_millis(50);

/// The events of one read of the store as the SSE frames every stream sends (`event: NAME`,
/// `data: JSON`, a blank line), made once.
#[derive(Debug)]
pub struct Item {
    pub frames: Bytes,
}

/// Appends one event's frame. Compact JSON has no line breaks, so the data fits on one
/// `data:` line.
fn frame(out: &mut Vec<u8>, name: &str, json: &str) {
    out.extend_from_slice(b"event: ");
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b"\ndata: ");
    out.extend_from_slice(json.as_bytes());
    out.extend_from_slice(b"\n\n");
}

type Sink = Weak<broadcast::Sender<Arc<Item>>>;
type Waiter = Box<dyn store::CommitWaiter>;

#[derive(Clone)]
pub struct Hub {
    tx: Arc<broadcast::Sender<Arc<Item>>>,
}

impl Hub {
    /// Starts following the tracker's store from its latest article and sighting, touching
    /// in `cache` the story of everything committed. The threads end once every clone of the
    /// hub is dropped.
    pub fn start(tracker: &Tracker, cache: Arc<StoryCache>) -> Hub {
        let (tx, _) = broadcast::channel(BACKLOG);
        let tx = Arc::new(tx);
        let sink: Sink = Arc::downgrade(&tx);
        let store = tracker.store().clone();
        let (wake, woken) = std::sync::mpsc::channel::<()>();
        let local = tracker.subscribe();
        spawn("claimtrail-events-local", {
            let (wake, sink) = (wake.clone(), sink.clone());
            move || ring_on_local_commits(local, wake, sink)
        });
        // The store is read on the follower's thread: `start` may run inside the server's
        // async runtime, where a blocking client (PostgreSQL's) must not be driven.
        let (started, has_started) = std::sync::mpsc::channel::<()>();
        spawn("claimtrail-events", move || {
            let (from, waiter) = open_follow(store.as_ref());
            let poll = if waiter.is_some() {
                POLL_WITH_WAITER
            } else {
                POLL_WITHOUT_WAITER
            };
            if let Some(waiter) = waiter {
                let (wake, sink) = (wake.clone(), sink.clone());
                spawn("claimtrail-events-listen", move || {
                    ring_on_notifications(waiter, wake, sink)
                });
            }
            drop(wake);
            let _ = started.send(());
            let mut follower = Follower::new(store, sink, cache, from);
            follower.run(woken, poll);
        });
        // Wait until the follower knows where the store stands, so that nothing committed
        // after the server starts is missed (bounded: a store that hangs only delays events).
        let _ = has_started.recv_timeout(START_TIMEOUT);
        Hub { tx }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Item>> {
        self.tx.subscribe()
    }
}

/// Where to start following (the latest article and sighting) and the store's waiter, if it
/// has one; failures are reported and leave the follower to find out later or to poll.
fn open_follow(store: &dyn Store) -> (Option<(i64, i64)>, Option<Waiter>) {
    let from = store
        .last_article_seq()
        .and_then(|a| store.last_sighting_seq().map(|s| (a, s)));
    let from = match from {
        Ok(from) => Some(from),
        Err(e) => {
            eprintln!("claimtrail server: live events: reading where to start: {e}");
            None
        }
    };
    let waiter = match store.commit_waiter() {
        Ok(w) => w,
        Err(e) => {
            eprintln!(
                "claimtrail server: live events: cannot listen for commits ({e}); \
                 polling every {POLL_WITHOUT_WAITER:?} instead"
            );
            None
        }
    };
    (from, waiter)
}

fn spawn(name: &str, f: impl FnOnce() + Send + 'static) {
    let spawned = std::thread::Builder::new().name(name.into()).spawn(f);
    if let Err(e) = spawned {
        eprintln!("claimtrail server: live events are off: cannot start a thread: {e}");
    }
}

/// Each event of this process's tracker means its commit is complete: read now.
fn ring_on_local_commits(rx: Receiver<app::Event>, wake: Sender<()>, sink: Sink) {
    loop {
        match rx.recv_timeout(Duration::from_secs(1)) {
            Ok(_) => {
                if wake.send(()).is_err() {
                    return;
                }
            }
            Err(RecvTimeoutError::Timeout) if sink.strong_count() == 0 => return,
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => return,
        }
    }
}

/// The store's announcements (PostgreSQL NOTIFY from any process): read now. A lost
/// connection is reported once per outage; the waiter reconnects with backoff.
fn ring_on_notifications(mut waiter: Box<dyn store::CommitWaiter>, wake: Sender<()>, sink: Sink) {
    let mut down = false;
    while sink.strong_count() > 0 {
        match waiter.wait(Duration::from_secs(1)) {
            Ok(heard) => {
                if down {
                    eprintln!("claimtrail server: live events: listening for commits again");
                    down = false;
                }
                if heard && wake.send(()).is_err() {
                    return;
                }
            }
            Err(e) => {
                if !down {
                    eprintln!(
                        "claimtrail server: live events: listening for commits: {e}; \
                         reconnecting (polling meanwhile)"
                    );
                    down = true;
                }
                // Poll at once, and until the waiter is back the follower's own timer does.
                if wake.send(()).is_err() {
                    return;
                }
            }
        }
    }
}

/// Reads what was committed after the last article and sighting it reported, and publishes
/// the events.
struct Follower {
    store: Arc<dyn Store>,
    sink: Sink,
    cache: Arc<StoryCache>,
    /// Frames published since the last flush.
    pending: Vec<u8>,
    /// The last article and sighting reported; `None` until the store could be read.
    seen: Option<(i64, i64)>,
    /// The latest article, held back while incomplete, and since when.
    held: Option<(i64, Instant)>,
    /// Stories already met, so a new story is recognised without reading its members again.
    stories: HashSet<i64>,
    failing: bool,
}

impl Follower {
    fn new(
        store: Arc<dyn Store>,
        sink: Sink,
        cache: Arc<StoryCache>,
        seen: Option<(i64, i64)>,
    ) -> Follower {
        Follower {
            store,
            sink,
            cache,
            pending: Vec::new(),
            seen,
            held: None,
            stories: HashSet::new(),
            failing: false,
        }
    }

    fn run(&mut self, woken: Receiver<()>, poll: Duration) {
        let mut last_read = None;
        loop {
            if self.sink.strong_count() == 0 {
                return;
            }
            let wait = if self.held.is_some() {
                poll.min(POLL_WITHOUT_WAITER)
            } else {
                poll
            };
            match woken.recv_timeout(wait) {
                Ok(()) => {}
                Err(RecvTimeoutError::Timeout) => {}
                // Nothing rings any more (no tracker, no waiter): poll on a timer alone.
                Err(RecvTimeoutError::Disconnected) => std::thread::sleep(wait),
            }
            // Commits arriving one after another are read together (see `COALESCE`).
            if let Some(since) = last_read.map(|at: Instant| at.elapsed()) {
                if since < COALESCE {
                    std::thread::sleep(COALESCE - since);
                }
            }
            while woken.try_recv().is_ok() {}
            last_read = Some(Instant::now());
            let read = self.read();
            // Whatever was read is sent, even when a later page failed: it counts as seen.
            self.flush();
            match read {
                Ok(()) => {
                    if self.failing {
                        eprintln!("claimtrail server: live events: reading the store again");
                        self.failing = false;
                    }
                }
                Err(e) => {
                    if !self.failing {
                        eprintln!(
                            "claimtrail server: live events: reading the store: {e}; \
                             retrying"
                        );
                        self.failing = true;
                    }
                }
            }
        }
    }

    /// Publishes everything committed since the last read.
    fn read(&mut self) -> store::Result<()> {
        let (mut articles, mut sightings) = match self.seen {
            Some(seen) => seen,
            None => {
                let from = (
                    self.store.last_article_seq()?,
                    self.store.last_sighting_seq()?,
                );
                self.seen = Some(from);
                return Ok(());
            }
        };
        'pages: loop {
            let batch = self.store.committed_after(articles, PAGE)?;
            let full = batch.len() == PAGE;
            let last = batch.len().saturating_sub(1);
            for (i, c) in batch.into_iter().enumerate() {
                if i == last && !full && !self.complete(&c)? {
                    let since = match self.held {
                        Some((seq, since)) if seq == c.seq => since,
                        _ => Instant::now(),
                    };
                    self.held = Some((c.seq, since));
                    if since.elapsed() < INCOMPLETE_GRACE {
                        break 'pages;
                    }
                }
                self.held = None;
                if let Some(event) = self.event_of(&c)? {
                    self.publish(&event);
                }
                articles = c.seq;
                self.seen = Some((articles, sightings));
            }
            // One item per page at most, so that catching up on a backlog sends bounded items.
            self.flush();
            if !full {
                break;
            }
        }
        loop {
            let batch = self.store.sightings_after(sightings, PAGE)?;
            let full = batch.len() == PAGE;
            for r in batch {
                // The first sighting is the article's own appearance, reported above.
                if !r.first {
                    let s = r.sighting;
                    let event = app::Event::Copy {
                        story: self.store.story_of(&s.article)?.map(|s| s.0),
                        original: s.article.0,
                        source: s.source,
                        url: s.url,
                    };
                    self.publish(&event);
                }
                sightings = r.seq;
                self.seen = Some((articles, sightings));
            }
            self.flush();
            if !full {
                return Ok(());
            }
        }
    }

    /// Whether the article's commit finished: analysed, and in a story unless it is a copy of
    /// an article that is in none.
    fn complete(&self, c: &Committed) -> store::Result<bool> {
        if c.analysis.is_none() {
            return Ok(false);
        }
        if c.story.is_some() {
            return Ok(true);
        }
        match &c.article.article.copy_of {
            Some(original) => Ok(self.store.story_of(original)?.is_none()),
            None => Ok(false),
        }
    }

    /// The event the committing tracker reported for this article; none for an article that
    /// never reached a story (its writer died mid-commit, so it reported nothing either).
    fn event_of(&mut self, c: &Committed) -> store::Result<Option<app::Event>> {
        let a = &c.article.article;
        let source = a.source.clone().or_else(|| a.site_name.clone());
        if let Some(original) = &a.copy_of {
            let story = match c.story {
                Some(s) => Some(s),
                None => self.store.story_of(original)?,
            };
            return Ok(Some(app::Event::Copy {
                original: original.0.clone(),
                story: story.map(|s| s.0),
                source,
                url: a.canonical_url.clone().or_else(|| a.url.clone()),
            }));
        }
        let Some(s) = c.story else {
            return Ok(None);
        };
        let new_story =
            !self.stories.contains(&s.0) && self.store.story_articles(s)?.first() == Some(&a.id);
        self.stories.insert(s.0);
        if self.stories.len() > 100_000 {
            self.stories.clear(); // bounded: forgetting costs one read per story
        }
        Ok(Some(app::Event::Article {
            id: a.id.0.clone(),
            story: s.0,
            new_story,
            title: a.title.clone(),
            source,
            statements: c.analysis.as_deref().map_or(0, statements),
        }))
    }

    /// Adds the event to the frames the next [`Follower::flush`] sends, and touches its story.
    fn publish(&mut self, event: &app::Event) {
        let story = match event {
            app::Event::Article { story, .. } => Some(*story),
            app::Event::Copy { story, .. } => *story,
        };
        if let Some(s) = story {
            self.cache.touch(StoryId(s));
        }
        let json = serde_json::to_value(event).unwrap_or_default();
        let name = json.get("type").and_then(|t| t.as_str()).unwrap_or("event");
        frame(&mut self.pending, name, &json.to_string());
    }

    /// Sends the frames of everything published since the last flush as one item.
    fn flush(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        let frames = Bytes::from(std::mem::take(&mut self.pending));
        if let Some(tx) = self.sink.upgrade() {
            // An error only means no stream is open right now.
            let _ = tx.send(Arc::new(Item { frames }));
        }
    }
}

/// Attributed statements in a stored analysis (its `attributions`), as the tracker counts
/// them when it commits.
fn statements(json: &str) -> usize {
    serde_json::from_str::<serde_json::Value>(json)
        .ok()
        .and_then(|v| v.get("attributions")?.as_array().map(Vec::len))
        .unwrap_or(0)
}

/// `GET /api/events`: the event stream.
pub async fn stream(State(state): State<AppState>) -> Response {
    let rx = state.events.subscribe();
    let shutdown = state.shutdown.clone();
    let ready = Bytes::from_static(b"event: ready\ndata: {}\n\n");
    let first = futures_util::stream::once(async move { Ok::<_, Infallible>(ready) });
    let rest = futures_util::stream::unfold((rx, shutdown), |(mut rx, mut shutdown)| async move {
        loop {
            if *shutdown.borrow() {
                return None;
            }
            tokio::select! {
                changed = shutdown.changed() => {
                    if changed.is_err() {
                        return None; // the server is gone
                    }
                }
                got = tokio::time::timeout(KEEP_ALIVE, rx.recv()) => match got {
                    Err(_) => return Some((Ok(Bytes::from_static(b":\n\n")), (rx, shutdown))),
                    Ok(Ok(item)) => {
                        let frames = queued(&mut rx, item);
                        return Some((Ok(frames), (rx, shutdown)));
                    }
                    Ok(Err(broadcast::error::RecvError::Lagged(n))) => {
                        return Some((Ok(lagged(n)), (rx, shutdown)));
                    }
                    Ok(Err(broadcast::error::RecvError::Closed)) => return None,
                },
            }
        }
    });
    use futures_util::StreamExt;
    (
        [
            (header::CONTENT_TYPE, "text/event-stream"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        Body::from_stream(first.chain(rest)),
    )
        .into_response()
}

/// `first` and the frames queued behind it (up to [`BATCH`]), as one chunk: under a burst of
/// commits each stream then writes once per wake-up rather than once per event.
fn queued(rx: &mut broadcast::Receiver<Arc<Item>>, first: Arc<Item>) -> Bytes {
    use broadcast::error::TryRecvError;
    let mut buf: Option<Vec<u8>> = None;
    for _ in 1..BATCH {
        let next = match rx.try_recv() {
            Ok(item) => item.frames.clone(),
            Err(TryRecvError::Lagged(n)) => lagged(n),
            Err(_) => break,
        };
        let buf = buf.get_or_insert_with(|| first.frames.to_vec());
        buf.extend_from_slice(&next);
    }
    buf.map_or_else(|| first.frames.clone(), Bytes::from)
}

/// The frame that tells a stream it fell behind and lost `n` items (each one or more events).
fn lagged(n: u64) -> Bytes {
    Bytes::from(format!("event: lagged\ndata: {{\"missed\":{n}}}\n\n"))
}
