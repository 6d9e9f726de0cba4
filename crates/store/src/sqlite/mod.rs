//! `SqliteStore`: the embedded default, one file in WAL mode.
//!
//! Durability: the requirement is that a process killed at any moment (kill -9) loses
//! nothing it had acknowledged. In WAL mode a commit appends the transaction to the `-wal`
//! file with `write()` before `COMMIT` returns; from then on the bytes are in the kernel's
//! page cache and survive the death of the process, and the next opener recovers them from
//! the WAL. `synchronous=NORMAL` therefore meets the requirement: what it gives up is only
//! the last few commits on a power cut or kernel crash (the WAL is fsynced at checkpoints, not
//! at each commit), and even then the file stays consistent. `FULL` adds an fsync per commit
//! and is offered as [`Synchronous::Full`] for machines where power loss must not lose
//! acknowledged work either; it costs a disk flush on every write.
//!
//! Concurrency: one connection behind a mutex. Writes take `BEGIN IMMEDIATE`, so a second
//! process writing the same file waits (busy timeout) instead of failing halfway through a
//! transaction with SQLITE_BUSY on lock upgrade.

pub(crate) mod articles;
mod commit;
mod copies;
mod export;
mod feeds;
mod follow;
mod jobs;
mod migrations;
mod stories;
mod watches;

pub use migrations::{known as known_migrations, latest_version};

use crate::error::{ErrorKind, Result, StoreError};
use crate::types::{
    Analysis, FeedRecord, FetchRecord, Inserted, NewFeed, SearchHit, Sighting, StoredArticle,
    Story, StoryId,
};
use crate::Store;
use chrono::{DateTime, Utc};
use model::{Article, ArticleId, FeedId};
use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

/// How hard a commit is pushed to disk (see the module note).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Synchronous {
    /// Survives the process being killed; may lose the last commits on power loss.
    #[default]
    Normal,
    /// Also survives power loss, at one fsync per commit.
    Full,
}

/// Options for opening a SQLite store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SqliteConfig {
    pub synchronous: Synchronous,
    /// How long a write waits for another process's write to finish.
    pub busy_timeout: Duration,
}

impl Default for SqliteConfig {
    fn default() -> SqliteConfig {
        SqliteConfig {
            synchronous: Synchronous::Normal,
            busy_timeout: Duration::from_secs(10),
        }
    }
}

/// The SQLite implementation of [`Store`].
pub struct SqliteStore {
    path: PathBuf,
    location: String,
    conn: Mutex<Connection>,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.path)
            .finish()
    }
}

impl SqliteStore {
    /// Opens (creating if needed, parent folders included) and migrates the database.
    pub fn open(path: impl AsRef<Path>) -> Result<SqliteStore> {
        SqliteStore::open_with(path, &SqliteConfig::default())
    }

    pub fn open_with(path: impl AsRef<Path>, config: &SqliteConfig) -> Result<SqliteStore> {
        let path = path.as_ref().to_path_buf();
        let location = path.display().to_string();
        let open_err = |e: Box<dyn std::error::Error + Send + Sync>| {
            StoreError::new(&location, ErrorKind::Open(e))
        };
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| open_err(Box::new(e)))?;
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let mut conn =
            Connection::open_with_flags(&path, flags).map_err(|e| open_err(Box::new(e)))?;
        configure(&conn, config).map_err(open_err)?;
        migrations::migrate(&mut conn).map_err(|k| StoreError::new(&location, k))?;
        Ok(SqliteStore {
            path,
            location,
            conn: Mutex::new(conn),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// `PRAGMA integrity_check`: `Ok(())` when SQLite finds the file sound, else its report.
    pub fn integrity_check(&self) -> Result<Result<(), String>> {
        self.read(|c| {
            let mut stmt = c
                .prepare("PRAGMA integrity_check")
                .map_err(q("checking integrity"))?;
            let rows = stmt
                .query_map([], |r| r.get::<_, String>(0))
                .map_err(q("checking integrity"))?
                .collect::<rusqlite::Result<Vec<_>>>()
                .map_err(q("checking integrity"))?;
            Ok(if rows == ["ok"] {
                Ok(())
            } else {
                Err(rows.join("; "))
            })
        })
    }

    /// A poisoned mutex only means another thread panicked while holding it; any open
    /// transaction was rolled back when it unwound, so the connection is usable.
    fn lock(&self) -> MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn read<T>(&self, f: impl FnOnce(&Connection) -> Result<T, ErrorKind>) -> Result<T> {
        let conn = self.lock();
        f(&conn).map_err(|k| StoreError::new(&self.location, k))
    }

    /// Runs `f` in an IMMEDIATE transaction and commits; an error rolls back (on drop).
    fn write<T>(&self, f: impl FnOnce(&Transaction<'_>) -> Result<T, ErrorKind>) -> Result<T> {
        let mut conn = self.lock();
        let run = |conn: &mut Connection| {
            let tx = conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(q("starting a transaction"))?;
            let out = f(&tx)?;
            tx.commit().map_err(q("committing"))?;
            Ok(out)
        };
        run(&mut conn).map_err(|k| StoreError::new(&self.location, k))
    }
}

fn configure(
    conn: &Connection,
    config: &SqliteConfig,
) -> std::result::Result<(), Box<dyn std::error::Error + Send + Sync>> {
    conn.busy_timeout(config.busy_timeout)?;
    let mode: String = conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        // A file on a filesystem without shared memory, or opened read-only elsewhere.
        return Err(format!("could not switch to WAL mode (journal_mode is {mode})").into());
    }
    let sync = match config.synchronous {
        Synchronous::Normal => "NORMAL",
        Synchronous::Full => "FULL",
    };
    conn.pragma_update(None, "synchronous", sync)?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    Ok(())
}

/// Maps a rusqlite error to `ErrorKind::Query` naming the operation.
pub(crate) fn q(op: &'static str) -> impl Fn(rusqlite::Error) -> ErrorKind {
    move |e| ErrorKind::Query {
        op,
        source: Box::new(e),
    }
}

pub(crate) fn ts(t: DateTime<Utc>) -> i64 {
    t.timestamp_micros()
}

pub(crate) fn from_ts(column: &'static str, v: i64) -> Result<DateTime<Utc>, ErrorKind> {
    DateTime::from_timestamp_micros(v).ok_or_else(|| ErrorKind::BadValue {
        column,
        detail: format!("{v} is not a time"),
    })
}

pub(crate) fn from_ts_opt(
    column: &'static str,
    v: Option<i64>,
) -> Result<Option<DateTime<Utc>>, ErrorKind> {
    v.map(|v| from_ts(column, v)).transpose()
}

/// SQLite limits are i64; a `usize` limit above that means "all".
pub(crate) fn limit(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

impl Store for SqliteStore {
    fn location(&self) -> &str {
        &self.location
    }
    fn schema_version(&self) -> Result<i64> {
        self.read(migrations::current_version)
    }

    fn add_feed(&self, feed: &NewFeed, now: DateTime<Utc>) -> Result<bool> {
        self.write(|tx| feeds::add(tx, feed, now))
    }
    fn remove_feed(&self, id: &FeedId) -> Result<bool> {
        self.write(|tx| feeds::remove(tx, id))
    }
    fn feed(&self, id: &FeedId) -> Result<Option<FeedRecord>> {
        self.read(|c| feeds::get(c, id))
    }
    fn feeds(&self) -> Result<Vec<FeedRecord>> {
        self.read(feeds::all)
    }
    fn due_feeds(&self, now: DateTime<Utc>, n: usize) -> Result<Vec<FeedRecord>> {
        self.read(|c| feeds::due(c, now, n))
    }
    fn record_fetch(&self, id: &FeedId, fetch: &FetchRecord) -> Result<()> {
        self.write(|tx| feeds::record_fetch(tx, id, fetch))
    }
    fn fetch_history(&self, id: &FeedId, n: usize) -> Result<Vec<FetchRecord>> {
        self.read(|c| feeds::history(c, id, n))
    }

    fn insert_article(&self, article: &Article, fetched: DateTime<Utc>) -> Result<Inserted> {
        self.write(|tx| articles::insert(tx, article, fetched))
    }
    fn article(&self, id: &ArticleId) -> Result<Option<StoredArticle>> {
        self.read(|c| articles::get(c, id))
    }
    fn article_by_url(&self, canonical_url: &str) -> Result<Option<ArticleId>> {
        self.read(|c| articles::by_url(c, canonical_url))
    }
    fn article_count(&self) -> Result<u64> {
        self.read(articles::count)
    }
    fn search(&self, query: &str, n: usize) -> Result<Vec<SearchHit>> {
        self.read(|c| articles::search(c, query, n))
    }

    fn put_analysis(&self, analysis: &Analysis) -> Result<()> {
        self.write(|tx| articles::put_analysis(tx, analysis))
    }
    fn analysis(&self, id: &ArticleId) -> Result<Option<Analysis>> {
        self.read(|c| articles::analysis(c, id))
    }
    fn unanalyzed(&self, pipeline_version: &str, n: usize) -> Result<Vec<ArticleId>> {
        self.read(|c| articles::unanalyzed(c, pipeline_version, n))
    }

    fn create_story(&self, title: Option<&str>, at: DateTime<Utc>) -> Result<StoryId> {
        self.write(|tx| stories::create(tx, title, at))
    }
    fn set_story_title(&self, id: StoryId, title: &str) -> Result<()> {
        self.write(|tx| stories::set_title(tx, id, title))
    }
    fn add_to_story(&self, story: StoryId, article: &ArticleId, at: DateTime<Utc>) -> Result<()> {
        self.write(|tx| stories::add_article(tx, story, article, at))
    }
    fn story(&self, id: StoryId) -> Result<Option<Story>> {
        self.read(|c| stories::get(c, id))
    }
    fn stories(&self, n: usize) -> Result<Vec<Story>> {
        self.read(|c| stories::list(c, n))
    }
    fn story_articles(&self, id: StoryId) -> Result<Vec<ArticleId>> {
        self.read(|c| stories::articles(c, id))
    }
    fn story_of(&self, article: &ArticleId) -> Result<Option<StoryId>> {
        self.read(|c| stories::story_of(c, article))
    }

    fn add_sighting(&self, sighting: &Sighting) -> Result<bool> {
        self.write(|tx| copies::add_sighting(tx, sighting))
    }
    fn sightings(&self, article: &ArticleId) -> Result<Vec<Sighting>> {
        self.read(|c| copies::sightings(c, article))
    }
    fn copies_of(&self, original: &ArticleId) -> Result<Vec<ArticleId>> {
        self.read(|c| copies::copies_of(c, original))
    }
    fn articles_since(&self, since: DateTime<Utc>, n: usize) -> Result<Vec<StoredArticle>> {
        self.read(|c| copies::articles_since(c, since, n))
    }
    fn put_article_terms(&self, article: &ArticleId, terms: &[u8]) -> Result<()> {
        self.write(|tx| copies::put_terms(tx, article, terms))
    }
    fn article_terms(&self, article: &ArticleId) -> Result<Option<Vec<u8>>> {
        self.read(|c| copies::terms(c, article))
    }

    fn all_article_ids(&self, after: Option<&ArticleId>, n: usize) -> Result<Vec<ArticleId>> {
        self.read(|c| export::article_ids(c, after, n))
    }
    fn analyses_of(&self, article: &ArticleId) -> Result<Vec<Analysis>> {
        self.read(|c| export::analyses_of(c, article))
    }
    fn all_stories(&self, after: Option<StoryId>, n: usize) -> Result<Vec<Story>> {
        self.read(|c| export::stories(c, after, n))
    }
    fn story_members(&self, id: StoryId) -> Result<Vec<crate::types::StoryMember>> {
        self.read(|c| export::story_members(c, id))
    }
    fn import_feed(&self, feed: &FeedRecord, history: &[FetchRecord]) -> Result<bool> {
        self.write(|tx| export::import_feed(tx, feed, history))
    }
    fn import_story(&self, story: &Story, members: &[crate::types::StoryMember]) -> Result<bool> {
        self.write(|tx| export::import_story(tx, story, members))
    }

    fn enqueue_jobs(&self, list: &[crate::NewJob], now: DateTime<Utc>) -> Result<usize> {
        self.write(|tx| jobs::enqueue(tx, list, now))
    }
    fn claim_jobs(
        &self,
        worker: &str,
        kinds: &[crate::JobKind],
        n: usize,
        lease: Duration,
        now: DateTime<Utc>,
    ) -> Result<Vec<crate::Job>> {
        self.write(|tx| jobs::claim(tx, worker, kinds, n, lease, now))
    }
    fn renew_lease(
        &self,
        worker: &str,
        ids: &[i64],
        lease: Duration,
        now: DateTime<Utc>,
    ) -> Result<usize> {
        self.write(|tx| jobs::renew(tx, worker, ids, lease, now))
    }
    fn finish_jobs(
        &self,
        worker: &str,
        finished: &[(i64, crate::JobOutcome)],
        now: DateTime<Utc>,
    ) -> Result<Vec<bool>> {
        self.write(|tx| {
            finished
                .iter()
                .map(|(id, outcome)| jobs::finish(tx, worker, *id, outcome, now))
                .collect()
        })
    }
    fn release_jobs(&self, worker: &str) -> Result<usize> {
        self.write(|tx| jobs::release(tx, worker))
    }
    fn job_counts(&self) -> Result<crate::JobCounts> {
        self.read(jobs::counts)
    }
    fn commit_lock(&self) -> Result<Box<dyn crate::CommitGuard + '_>> {
        Ok(Box::new(commit::Guard { store: self }))
    }
    fn last_article_seq(&self) -> Result<i64> {
        self.read(jobs::last_seq)
    }
    fn committed_after(&self, seq: i64, n: usize) -> Result<Vec<crate::Committed>> {
        self.read(|c| jobs::committed_after(c, seq, n))
    }
    fn commit_waiter(&self) -> Result<Option<Box<dyn crate::CommitWaiter>>> {
        Ok(None) // no notifications between processes: readers poll
    }
    fn last_sighting_seq(&self) -> Result<i64> {
        self.read(follow::last_sighting_seq)
    }
    fn sightings_after(&self, seq: i64, n: usize) -> Result<Vec<crate::SightingRecord>> {
        self.read(|c| follow::sightings_after(c, seq, n))
    }

    fn add_watch(&self, w: &crate::NewWatch, now: DateTime<Utc>) -> Result<crate::Watch> {
        self.write(|tx| watches::add(tx, w, now))
    }
    fn remove_watch(&self, id: i64) -> Result<bool> {
        self.write(|tx| watches::remove(tx, id))
    }
    fn watch(&self, id: i64) -> Result<Option<crate::Watch>> {
        self.read(|c| watches::get(c, id))
    }
    fn watches(&self) -> Result<Vec<crate::Watch>> {
        self.read(watches::all)
    }
    fn enqueue_deliveries(&self, list: &[crate::NewDelivery], now: DateTime<Utc>) -> Result<usize> {
        self.write(|tx| watches::enqueue(tx, list, now))
    }
    fn claim_deliveries(
        &self,
        holder: &str,
        n: usize,
        lease: Duration,
        now: DateTime<Utc>,
    ) -> Result<Vec<crate::Delivery>> {
        self.write(|tx| watches::claim(tx, holder, n, lease, now))
    }
    fn finish_delivery(
        &self,
        holder: &str,
        id: i64,
        outcome: &crate::DeliveryOutcome,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        self.write(|tx| watches::finish(tx, holder, id, outcome, now))
    }
    fn deliveries(&self, watch: Option<i64>, n: usize) -> Result<Vec<crate::Delivery>> {
        self.read(|c| watches::list(c, watch, n))
    }
    fn alert_cursor(&self) -> Result<i64> {
        self.read(watches::cursor)
    }
    fn advance_alert_cursor(&self, seq: i64) -> Result<i64> {
        self.write(|tx| watches::advance_cursor(tx, seq))
    }
}
