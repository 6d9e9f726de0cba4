//! # store: where claimtrail keeps what it has read; the only crate with SQL
//!
//! [`Store`] is the one interface the rest of claimtrail sees: feeds with their health and
//! fetch history, articles (inserted idempotently), the analyzer's JSON per article, stories
//! and their members, and full-text search over articles. [`SqliteStore`] implements it over
//! one SQLite file in WAL mode; a PostgreSQL implementation is to follow (issue 7) and must
//! pass the same [`testsuite`].
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

mod error;
pub mod sqlite;
pub mod testsuite;
mod types;

pub use error::{ErrorKind, Result, StoreError};
pub use sqlite::{SqliteConfig, SqliteStore, Synchronous};
pub use types::{
    Analysis, FeedHealth, FeedKind, FeedRecord, FetchOutcome, FetchRecord, Inserted, NewFeed,
    SearchHit, StoredArticle, Story, StoryId,
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
}
