//! # store: where claimtrail keeps what it has read; the only crate with SQL
//!
//! [`Store`] is the one interface the rest of claimtrail sees: feeds with their health and
//! fetch history, articles (inserted idempotently), the analyzer's JSON per article, stories
//! and their members, and full-text search over articles. [`SqliteStore`] implements it over
//! one SQLite file in WAL mode; [`PgStore`] over PostgreSQL, shared by many processes, with
//! the same migrations (versions and names) in PostgreSQL's SQL. Both pass the same
//! [`testsuite`].
//!
//! Moving between backends: [`copy::copy_all`] copies everything one store holds into
//! another through the trait's export methods (article ids in insertion order, every
//! analysis, story members with join times, imports that keep a feed's health and a story's
//! id). Each record is keyed, so a second run writes nothing and an interrupted one is
//! finished by running it again.
//!
//! Why a synchronous, object-safe trait taking `&self`: the app can hold an
//! `Arc<dyn Store>` and call it from worker threads without knowing the backend; SQLite is
//! synchronous anyway, and a PostgreSQL pool fits behind `&self` just as well. Every method
//! that writes commits before it returns, so a returned `Ok` is an acknowledgement that
//! survives the process being killed (see `sqlite` for the durability argument).
//!
//! Why the store never decides policy: `record_fetch` takes the next poll time from the
//! fetcher, and `insert_article` takes `copy_of` from `ingest::dedup`. The store only
//! guarantees that the same article is kept once, keyed by id, then canonical URL, then
//! content hash (articles whose text has no letters or digits are not matched by hash: every
//! empty Telegram photo post would otherwise be "the same").
//!
//! Times are kept as microseconds since the epoch (UTC), so ordering and "due before now"
//! are integer comparisons in both backends.
//!
//! ```
//! use store::{Inserted, SqliteStore, Store};
//! use model::{Article, ArticleId, ContentHash};
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let dir = std::env::temp_dir().join(format!("store-doctest-{}", std::process::id()));
//! let store = SqliteStore::open(dir.join("claimtrail.db"))?;
//! let mut a = Article::new(ArticleId::new("a1"), "Seoul said on Friday ...", ContentHash::new("ff"));
//! a.canonical_url = Some("https://example.com/a1".into());
//! let now: chrono::DateTime<chrono::Utc> = std::time::SystemTime::now().into();
//! assert_eq!(store.insert_article(&a, now)?, Inserted::Inserted(ArticleId::new("a1")));
//! assert_eq!(store.insert_article(&a, now)?, Inserted::Existing(ArticleId::new("a1")));
//! assert_eq!(store.search("seoul", 10)?.len(), 1);
//! # drop(store);
//! # std::fs::remove_dir_all(&dir)?;
//! # Ok(())
//! # }
//! ```

pub mod commit;
pub mod copy;
mod error;
pub mod follow;
pub mod jobs;
pub mod postgres;
pub mod sqlite;
pub mod testsuite;
pub mod timed;
mod types;
pub mod watches;

pub use self::postgres::PgStore;
pub use commit::{ArticleCommit, CommitOutcome, StoryChoice};
pub use error::{ErrorKind, Result, StoreError};
pub use follow::{CommitWaiter, SightingRecord};
pub use jobs::{CommitGuard, Committed, Job, JobCounts, JobKind, JobOutcome, NewJob};
pub use sqlite::{SqliteConfig, SqliteStore, Synchronous};
pub use types::{
    Analysis, FeedHealth, FeedKind, FeedRecord, FetchOutcome, FetchRecord, Inserted, NewFeed,
    SearchHit, Sighting, StoredArticle, Story, StoryId, StoryMember,
};
pub use watches::{
    Delivery, DeliveryOutcome, DeliveryStatus, NewDelivery, NewWatch, Watch, WatchKind,
};

use chrono::{DateTime, Utc};
use model::{Article, ArticleId, FeedId};

/// Everything claimtrail stores. Implementations commit every write before returning `Ok`.
pub trait Store: Send + Sync {
    /// The database path or URL, for messages.
    fn location(&self) -> &str;
    /// The highest migration applied.
    fn schema_version(&self) -> Result<i64>;

    // Feeds.
    /// Subscribes; returns false (and changes nothing) when the URL is already subscribed.
    fn add_feed(&self, feed: &NewFeed, now: DateTime<Utc>) -> Result<bool>;
    /// Unsubscribes, dropping its fetch history; returns false when it was not subscribed.
    fn remove_feed(&self, id: &FeedId) -> Result<bool>;
    fn feed(&self, id: &FeedId) -> Result<Option<FeedRecord>>;
    /// All feeds in the order they were added.
    fn feeds(&self) -> Result<Vec<FeedRecord>>;
    /// Feeds whose next poll is at or before `now` (never-fetched feeds first).
    fn due_feeds(&self, now: DateTime<Utc>, limit: usize) -> Result<Vec<FeedRecord>>;
    /// Appends to the fetch history and updates health and validators, in one transaction.
    /// Fails with `NotFound` for a feed that is not subscribed.
    fn record_fetch(&self, id: &FeedId, fetch: &FetchRecord) -> Result<()>;
    /// The latest `limit` fetches, newest first.
    fn fetch_history(&self, id: &FeedId, limit: usize) -> Result<Vec<FetchRecord>>;

    // Articles.
    /// Stores the article unless it is already there (same id, canonical URL or content
    /// hash), and says which. `copy_of`, when set, must name a stored article.
    fn insert_article(&self, article: &Article, fetched: DateTime<Utc>) -> Result<Inserted>;
    fn article(&self, id: &ArticleId) -> Result<Option<StoredArticle>>;
    fn article_count(&self) -> Result<u64>;
    /// The article stored under this canonical URL, so a fetcher can skip pages it has read.
    fn article_by_url(&self, canonical_url: &str) -> Result<Option<ArticleId>>;
    /// Full-text search over titles and texts. Any string is a valid query: it is read as
    /// words that must all occur (no operators), so user input cannot cause a syntax error.
    fn search(&self, query: &str, limit: usize) -> Result<Vec<SearchHit>>;

    // Analyses.
    /// Stores (or replaces) the analysis of one article by one pipeline version.
    fn put_analysis(&self, analysis: &Analysis) -> Result<()>;
    /// The most recent analysis of the article, by any pipeline version.
    fn analysis(&self, id: &ArticleId) -> Result<Option<Analysis>>;
    /// Articles with no analysis by `pipeline_version`, oldest fetched first.
    fn unanalyzed(&self, pipeline_version: &str, limit: usize) -> Result<Vec<ArticleId>>;

    // Stories.
    fn create_story(&self, title: Option<&str>, at: DateTime<Utc>) -> Result<StoryId>;
    fn set_story_title(&self, id: StoryId, title: &str) -> Result<()>;
    /// Adds the article to the story (again is a no-op) and widens first/last seen to `at`.
    fn add_to_story(&self, story: StoryId, article: &ArticleId, at: DateTime<Utc>) -> Result<()>;
    fn story(&self, id: StoryId) -> Result<Option<Story>>;
    /// Stories most recently seen first.
    fn stories(&self, limit: usize) -> Result<Vec<Story>>;
    /// The story's articles in the order they joined it.
    fn story_articles(&self, id: StoryId) -> Result<Vec<ArticleId>>;
    /// The story an article joined first, if any.
    fn story_of(&self, article: &ArticleId) -> Result<Option<StoryId>>;

    // Copies and the tracker's state.
    /// Records that an outlet carried the article; false when that sighting (same article and
    /// URL, or same outlet when there is no URL) was already recorded.
    fn add_sighting(&self, sighting: &Sighting) -> Result<bool>;
    /// The article's sightings, earliest seen first.
    fn sightings(&self, article: &ArticleId) -> Result<Vec<Sighting>>;
    /// Articles stored as near-duplicate copies of `original`, in the order they were fetched.
    fn copies_of(&self, original: &ArticleId) -> Result<Vec<ArticleId>>;
    /// Articles fetched at or after `since`, oldest first, at most `limit`.
    fn articles_since(&self, since: DateTime<Utc>, limit: usize) -> Result<Vec<StoredArticle>>;
    /// Keeps the clusterer's terms for an article (opaque bytes; replaces earlier ones).
    fn put_article_terms(&self, article: &ArticleId, terms: &[u8]) -> Result<()>;
    fn article_terms(&self, article: &ArticleId) -> Result<Option<Vec<u8>>>;

    // Export, for copying between stores.
    /// Article ids in the order they were stored (an original always before its copies),
    /// after `after` (from the first when `None`), at most `limit`. Fails with `NotFound`
    /// when `after` is not stored.
    fn all_article_ids(&self, after: Option<&ArticleId>, limit: usize) -> Result<Vec<ArticleId>>;
    /// Every analysis of the article, one per pipeline version, oldest first.
    fn analyses_of(&self, article: &ArticleId) -> Result<Vec<Analysis>>;
    /// Stories with ids above `after` (all when `None`), in id order, at most `limit`.
    fn all_stories(&self, after: Option<StoryId>, limit: usize) -> Result<Vec<Story>>;
    /// The story's members with the time each joined, in the order they joined.
    fn story_members(&self, id: StoryId) -> Result<Vec<StoryMember>>;
    /// Recreates a feed kept elsewhere: subscription, validators and health exactly as given,
    /// and `history` (oldest first) as its fetch history, in one transaction. False, changing
    /// nothing, when the URL is already subscribed.
    fn import_feed(&self, feed: &FeedRecord, history: &[FetchRecord]) -> Result<bool>;
    /// Recreates a story kept elsewhere under its own id, with its title, first/last seen and
    /// members (stored articles), in one transaction; later `create_story` ids follow the
    /// highest. False, changing nothing, when a story with that id exists.
    fn import_story(&self, story: &Story, members: &[StoryMember]) -> Result<bool>;

    // Jobs, for workers sharing one store (see [`jobs`]). `now` is the worker's clock.
    /// Adds the jobs whose keys are not there yet (in any state), queued to run from `now`;
    /// returns how many were added.
    fn enqueue_jobs(&self, jobs: &[NewJob], now: DateTime<Utc>) -> Result<usize>;
    /// Claims up to `limit` jobs of the given kinds, oldest first: queued ones due by `now`,
    /// and running ones whose lease expired (their worker died). Each claim counts an attempt
    /// and leases the job to `worker` until `now + lease`. Two workers never get the same job
    /// from overlapping claims.
    fn claim_jobs(
        &self,
        worker: &str,
        kinds: &[JobKind],
        limit: usize,
        lease: std::time::Duration,
        now: DateTime<Utc>,
    ) -> Result<Vec<Job>>;
    /// Extends the leases `worker` still holds among `ids` to `now + lease`; returns how many.
    fn renew_lease(
        &self,
        worker: &str,
        ids: &[i64],
        lease: std::time::Duration,
        now: DateTime<Utc>,
    ) -> Result<usize>;
    /// Ends jobs `worker` holds, all in one transaction (one disk flush for a batch); for
    /// each, in order, false, changing nothing, when another worker has taken it over (the
    /// lease ran out and was claimed again) or it is not running.
    fn finish_jobs(
        &self,
        worker: &str,
        finished: &[(i64, JobOutcome)],
        now: DateTime<Utc>,
    ) -> Result<Vec<bool>>;
    /// Ends one job, as [`Store::finish_jobs`].
    fn finish_job(
        &self,
        worker: &str,
        id: i64,
        outcome: &JobOutcome,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let done = self.finish_jobs(worker, &[(id, outcome.clone())], now)?;
        Ok(done.first().copied().unwrap_or(false))
    }
    /// Puts every job `worker` holds back in the queue (not counted as an attempt), for a
    /// worker that stops; returns how many.
    fn release_jobs(&self, worker: &str) -> Result<usize>;
    fn job_counts(&self) -> Result<JobCounts>;

    // Committing from several processes.
    /// Serializes committers across every process sharing the store, until the guard is
    /// dropped: a PostgreSQL advisory lock; nothing for SQLite, whose writes in one process
    /// are serialized by its connection's mutex. Articles are committed through the guard.
    fn commit_lock(&self) -> Result<Box<dyn CommitGuard + '_>>;
    /// The storage order (`seq`) of the latest stored article, 0 when there is none.
    fn last_article_seq(&self) -> Result<i64>;
    /// Articles stored after `seq`, in storage order, at most `limit`, with their analysis,
    /// first story and terms: what another process committed since a tracker last looked.
    fn committed_after(&self, seq: i64, limit: usize) -> Result<Vec<Committed>>;

    // Following commits from other processes (see [`follow`]).
    /// A waiter woken when any process sharing the store commits articles (PostgreSQL:
    /// LISTEN on a connection of its own); `None` when the backend has no notifications
    /// (SQLite), and readers poll [`Store::last_article_seq`] instead.
    fn commit_waiter(&self) -> Result<Option<Box<dyn CommitWaiter>>>;
    /// The storage order of the latest sighting, 0 when there is none.
    fn last_sighting_seq(&self) -> Result<i64>;
    /// Sightings recorded after `seq`, in storage order, at most `limit`: with
    /// `committed_after`, what a reader needs to report exact repeats seen by other processes.
    fn sightings_after(&self, seq: i64, limit: usize) -> Result<Vec<SightingRecord>>;

    // Alerts: watches, their delivery outbox and the scanner's cursor (see [`watches`]).
    /// Adds a watch that matches articles stored from now on (`after_seq` is the latest
    /// article's `seq`, read in the same transaction).
    fn add_watch(&self, watch: &NewWatch, now: DateTime<Utc>) -> Result<Watch>;
    /// Removes the watch and its deliveries; false when there was no such watch.
    fn remove_watch(&self, id: i64) -> Result<bool>;
    fn watch(&self, id: i64) -> Result<Option<Watch>>;
    /// All watches, oldest first.
    fn watches(&self) -> Result<Vec<Watch>>;
    /// Adds the deliveries whose (watch, key) is not there yet, in any state, due from `now`;
    /// those of a watch that no longer exists are dropped. Returns how many were added.
    fn enqueue_deliveries(&self, deliveries: &[NewDelivery], now: DateTime<Utc>) -> Result<usize>;
    /// Claims up to `limit` pending deliveries due by `now` whose lease (if any) has run out,
    /// earliest due first. Each claim counts an attempt and leases the delivery to `holder`
    /// until `now + lease`; two holders never get the same delivery from overlapping claims.
    fn claim_deliveries(
        &self,
        holder: &str,
        limit: usize,
        lease: std::time::Duration,
        now: DateTime<Utc>,
    ) -> Result<Vec<Delivery>>;
    /// Ends an attempt `holder` leases; false, changing nothing, when the lease passed to
    /// another holder or the delivery is no longer pending.
    fn finish_delivery(
        &self,
        holder: &str,
        id: i64,
        outcome: &DeliveryOutcome,
        now: DateTime<Utc>,
    ) -> Result<bool>;
    /// Deliveries, newest first, of one watch or of all, at most `limit`.
    fn deliveries(&self, watch: Option<i64>, limit: usize) -> Result<Vec<Delivery>>;
    /// The `seq` up to which the alert scanner has read articles, 0 before its first scan.
    fn alert_cursor(&self) -> Result<i64>;
    /// Moves the alert cursor to `seq` unless it is already past it; returns where it is.
    fn advance_alert_cursor(&self, seq: i64) -> Result<i64>;
}
