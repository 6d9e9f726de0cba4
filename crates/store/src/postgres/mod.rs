//! `PgStore`: the shared store for many processes on many machines, over PostgreSQL.
//!
//! Why it mirrors `sqlite` file for file: both implement one trait with one meaning, so the
//! same question ("how is an article deduplicated?") is answered in the same-named file of
//! each backend, and the shared [`testsuite`](crate::testsuite) holds them to it. Times are
//! BIGINT microseconds since the epoch, as in SQLite, so ordering and "due before now" give
//! the same answers in both.
//!
//! Connections: a small pool of synchronous `postgres::Client`s behind a mutex. A call takes
//! an idle client (or opens one), runs, and puts it back. A call that fails because the
//! connection broke (server restarted, network cut) drops that client and every idle one, so
//! the next call opens a fresh connection: a restarted PostgreSQL never poisons the store.
//! The store retries a read once on a fresh connection, but never a write, since a write
//! whose COMMIT was lost in transit may or may not have happened; callers retry, and every
//! write is idempotent or reports what it found. The pool opens as many connections as there are concurrent callers and keeps at
//! most [`MAX_IDLE`] of them idle.
//!
//! Durability: every write runs in its own transaction and returns after COMMIT, which with
//! PostgreSQL's default `synchronous_commit = on` has flushed the WAL to disk: an `Ok`
//! survives the client, and the server, being killed.
//!
//! Schemas: [`PgStore::connect_with_schema`] keeps everything in one schema (created if
//! needed, and set as `search_path` on every pooled connection), so that tests, or several
//! claimtrail instances, can share one database without seeing each other.

mod articles;
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
    Story, StoryId, StoryMember,
};
use crate::Store;
use chrono::{DateTime, Utc};
use model::{Article, ArticleId, FeedId};
use postgres::{Client, Config, NoTls, Transaction};
use std::str::FromStr;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

/// Idle connections kept for reuse; more callers at once open more, closed when returned.
pub const MAX_IDLE: usize = 8;

/// How long opening a connection may take before the call fails (a stopped server should
/// not hang a worker forever).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The PostgreSQL implementation of [`Store`].
pub struct PgStore {
    config: Config,
    schema: Option<String>,
    location: String,
    idle: Mutex<Vec<Client>>,
    /// The connection that takes the commit lock, kept between batches.
    lock_client: Mutex<Option<Client>>,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore")
            .field("location", &self.location)
            .finish()
    }
}

impl PgStore {
    /// Connects to `url` (`postgres://user@host:port/db` or `host=... user=...`) and migrates
    /// the database's default schema (normally `public`).
    pub fn connect(url: &str) -> Result<PgStore> {
        PgStore::open(url, None)
    }

    /// Like [`connect`](PgStore::connect), but keeps every table in `schema`, which is created
    /// if missing; each pooled connection gets it as its `search_path`.
    pub fn connect_with_schema(url: &str, schema: &str) -> Result<PgStore> {
        PgStore::open(url, Some(schema))
    }

    fn open(url: &str, schema: Option<&str>) -> Result<PgStore> {
        let mut location = redact(url);
        if let Some(s) = schema {
            location = format!("{location} (schema {s})");
        }
        let open_err = |location: &str, e: Box<dyn std::error::Error + Send + Sync>| {
            StoreError::new(location, ErrorKind::Open(e))
        };
        let mut config =
            Config::from_str(url).map_err(|e| open_err(&location, Box::new(PgError(e))))?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        if config.get_application_name().is_none() {
            config.application_name("claimtrail");
        }
        let store = PgStore {
            config,
            schema: schema.map(str::to_string),
            location,
            idle: Mutex::new(Vec::new()),
            lock_client: Mutex::new(None),
        };
        let mut client = store.new_client().map_err(|k| match k {
            ErrorKind::Query { source, .. } => open_err(&store.location, source),
            other => StoreError::new(&store.location, other),
        })?;
        migrations::migrate(&mut client, store.schema.as_deref())
            .map_err(|k| StoreError::new(&store.location, k))?;
        store.put_back(client);
        Ok(store)
    }

    /// The schema this store keeps its tables in, when it was given one.
    pub fn schema(&self) -> Option<&str> {
        self.schema.as_deref()
    }

    /// Drops `schema` and everything in it (for tests that made one of their own).
    pub fn drop_schema(url: &str, schema: &str) -> Result<()> {
        let location = redact(url);
        let open_err =
            |e: postgres::Error| StoreError::new(&location, ErrorKind::Open(Box::new(PgError(e))));
        let mut config = Config::from_str(url).map_err(open_err)?;
        config.connect_timeout(CONNECT_TIMEOUT);
        let mut client = config.connect(NoTls).map_err(open_err)?;
        client
            .batch_execute(&format!("DROP SCHEMA IF EXISTS {} CASCADE", ident(schema)))
            .map_err(|e| StoreError::new(&location, q("dropping a schema")(e)))
    }

    /// A poisoned mutex only means another thread panicked while holding it; the vector of
    /// idle clients is still whole.
    fn lock(&self) -> MutexGuard<'_, Vec<Client>> {
        self.idle.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn new_client(&self) -> Result<Client, ErrorKind> {
        connect(&self.config, self.schema.as_deref())
    }

    fn take(&self) -> Result<Client, ErrorKind> {
        let pooled = self.lock().pop();
        match pooled {
            Some(c) if !c.is_closed() => Ok(c),
            _ => self.new_client(),
        }
    }

    fn put_back(&self, client: Client) {
        let mut idle = self.lock();
        if idle.len() < MAX_IDLE && !client.is_closed() {
            idle.push(client);
        }
    }

    /// Runs `f` on a pooled client. A broken connection is dropped together with every idle
    /// one (they went to the same server), so the next call reconnects.
    fn with_client<T>(&self, f: impl FnOnce(&mut Client) -> Result<T, ErrorKind>) -> Result<T> {
        let mut client = self
            .take()
            .map_err(|k| StoreError::new(&self.location, k))?;
        let out = f(&mut client);
        match &out {
            Err(k) if client.is_closed() || is_connection_error(k) => {
                self.lock().clear();
            }
            _ => self.put_back(client),
        }
        out.map_err(|k| StoreError::new(&self.location, k))
    }

    /// Runs a read. A pooled connection that the server closed since it was last used (a
    /// restart, a terminated backend) fails on first use; unlike a write, a read can safely
    /// run again, so it does, once, on a fresh connection.
    fn read<T>(&self, f: impl Fn(&mut Client) -> Result<T, ErrorKind>) -> Result<T> {
        let mut client = self
            .take()
            .map_err(|k| StoreError::new(&self.location, k))?;
        match f(&mut client) {
            Err(k) if client.is_closed() || is_connection_error(&k) => {
                self.lock().clear();
                drop(client);
                self.with_client(f)
            }
            out => {
                self.put_back(client);
                out.map_err(|k| StoreError::new(&self.location, k))
            }
        }
    }

    /// Runs `f` in a transaction and commits; an error rolls back (on drop).
    fn write<T>(&self, f: impl FnOnce(&mut Transaction<'_>) -> Result<T, ErrorKind>) -> Result<T> {
        self.with_client(|client| {
            let mut tx = client.transaction().map_err(q("starting a transaction"))?;
            let out = f(&mut tx)?;
            tx.commit().map_err(q("committing"))?;
            Ok(out)
        })
    }
}

/// Opens a connection with `schema` (when given) as its search path.
fn connect(config: &Config, schema: Option<&str>) -> Result<Client, ErrorKind> {
    let mut client = config.connect(NoTls).map_err(q("connecting"))?;
    if let Some(schema) = schema {
        client
            .batch_execute(&format!("SET search_path TO {}", ident(schema)))
            .map_err(q("setting the search path"))?;
    }
    Ok(client)
}

/// True when the error means the connection is gone rather than the statement was wrong:
/// anything that is not a server's answer, and the server's own "connection exception"
/// (08xxx) and "operator intervention" (57P0x: shutdown, crash recovery) classes.
fn is_connection_error(kind: &ErrorKind) -> bool {
    let source = match kind {
        ErrorKind::Open(source) | ErrorKind::Query { source, .. } => source,
        _ => return false,
    };
    let Some(PgError(e)) = source.downcast_ref::<PgError>() else {
        return false;
    };
    if e.is_closed() {
        return true;
    }
    match e.code() {
        None => true,
        Some(code) => code.code().starts_with("08") || code.code().starts_with("57P"),
    }
}

/// Quotes an SQL identifier (a schema name from the caller), doubling inner quotes.
pub(crate) fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// The connection string without its password, for messages: `postgres://u:pw@h/db` becomes
/// `postgres://u@h/db`, and a `password=...` key (URL parameter or key=value) is dropped.
pub fn redact(url: &str) -> String {
    if let Some((scheme, rest)) = url.split_once("://") {
        let end = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, tail) = rest.split_at(end);
        let authority = match authority.rsplit_once('@') {
            Some((userinfo, host)) => {
                let user = userinfo.split_once(':').map_or(userinfo, |(u, _)| u);
                format!("{user}@{host}")
            }
            None => authority.to_string(),
        };
        let tail = match tail.split_once('?') {
            Some((path, query)) => {
                let kept: Vec<&str> = query
                    .split('&')
                    .filter(|kv| !kv.to_ascii_lowercase().starts_with("password="))
                    .collect();
                if kept.is_empty() {
                    path.to_string()
                } else {
                    format!("{path}?{}", kept.join("&"))
                }
            }
            None => tail.to_string(),
        };
        return format!("{scheme}://{authority}{tail}");
    }
    // key=value form: values may be single-quoted with backslash escapes.
    let mut out: Vec<String> = Vec::new();
    let mut chars = url.chars().peekable();
    while chars.peek().is_some() {
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        let mut pair = String::new();
        let mut quoted = false;
        while let Some(c) = chars.next() {
            match c {
                '\\' if quoted => {
                    pair.push(c);
                    if let Some(n) = chars.next() {
                        pair.push(n);
                    }
                }
                '\'' => {
                    quoted = !quoted;
                    pair.push(c);
                }
                c if c.is_whitespace() && !quoted => break,
                c => pair.push(c),
            }
        }
        let key = pair.split('=').next().unwrap_or("").trim();
        if !pair.is_empty() && !key.eq_ignore_ascii_case("password") {
            out.push(pair);
        }
    }
    out.join(" ")
}

/// A `postgres::Error` whose message carries its causes: the crate's own says only "db
/// error" or "error connecting to server", and the server's message or the refused
/// connection is what an operator needs.
#[derive(Debug)]
pub struct PgError(pub postgres::Error);

impl std::fmt::Display for PgError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)?;
        let mut cause = std::error::Error::source(&self.0);
        while let Some(c) = cause {
            write!(f, ": {c}")?;
            cause = c.source();
        }
        Ok(())
    }
}

impl std::error::Error for PgError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.0)
    }
}

/// Maps a postgres error to `ErrorKind::Query` naming the operation.
pub(crate) fn q(op: &'static str) -> impl Fn(postgres::Error) -> ErrorKind {
    move |e| ErrorKind::Query {
        op,
        source: Box::new(PgError(e)),
    }
}

pub(crate) use crate::sqlite::{from_ts, from_ts_opt, ts};

/// PostgreSQL's LIMIT takes a BIGINT; a `usize` above that means "all".
pub(crate) fn limit(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

impl Store for PgStore {
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
    fn story_members(&self, id: StoryId) -> Result<Vec<StoryMember>> {
        self.read(|c| export::story_members(c, id))
    }
    fn import_feed(&self, feed: &FeedRecord, history: &[FetchRecord]) -> Result<bool> {
        self.write(|tx| export::import_feed(tx, feed, history))
    }
    fn import_story(&self, story: &Story, members: &[StoryMember]) -> Result<bool> {
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
        let cached = self
            .lock_client
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        let mut client = match cached {
            Some(c) if !c.is_closed() => c,
            _ => self
                .new_client()
                .and_then(|mut c| {
                    // Only article commits write on this connection: see `commit::run`.
                    c.batch_execute("SET synchronous_commit = off")
                        .map_err(q("opening the commit connection"))?;
                    Ok(c)
                })
                .map_err(|k| StoreError::new(&self.location, k))?,
        };
        client
            .execute(jobs::LOCK_SQL, &[&jobs::COMMIT_LOCK_CLASS])
            .map_err(|e| StoreError::new(&self.location, q("taking the commit lock")(e)))?;
        Ok(Box::new(PgCommitGuard {
            store: self,
            client: Some(client),
        }))
    }
    fn last_article_seq(&self) -> Result<i64> {
        self.read(jobs::last_seq)
    }
    fn committed_after(&self, seq: i64, n: usize) -> Result<Vec<crate::Committed>> {
        self.read(|c| jobs::committed_after(c, seq, n))
    }
    fn commit_waiter(&self) -> Result<Option<Box<dyn crate::CommitWaiter>>> {
        let waiter = follow::PgWaiter::open(
            self.config.clone(),
            self.schema.clone(),
            self.location.clone(),
        )?;
        Ok(Some(Box::new(waiter)))
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

/// The commit lock, held by its own connection: a session-level advisory lock lives as long
/// as the connection, so a process that dies (or loses the connection) releases it.
struct PgCommitGuard<'a> {
    store: &'a PgStore,
    client: Option<Client>,
}

impl PgCommitGuard<'_> {
    fn lost(&self, detail: &str) -> StoreError {
        StoreError::new(
            &self.store.location,
            ErrorKind::Query {
                op: "holding the commit lock",
                source: detail.to_string().into(),
            },
        )
    }

    /// Runs `f` on the connection holding the lock. A broken connection is dropped, which
    /// ends its session and so releases the lock.
    fn on_lock<T>(&mut self, f: impl FnOnce(&mut Client) -> Result<T, ErrorKind>) -> Result<T> {
        let Some(client) = self.client.as_mut() else {
            return Err(self.lost("the connection holding it was lost"));
        };
        let out = f(client);
        if let Err(k) = &out {
            if client.is_closed() || is_connection_error(k) {
                self.client = None;
            }
        }
        out.map_err(|k| StoreError::new(&self.store.location, k))
    }
}

impl crate::CommitGuard for PgCommitGuard<'_> {
    /// Cheap: a lost connection shows in the next commit, which runs on it and so cannot
    /// commit without the lock.
    fn check(&mut self) -> Result<()> {
        match self.client {
            Some(_) => Ok(()),
            None => Err(self.lost("the connection holding it was lost")),
        }
    }

    fn commit_article(&mut self, c: &crate::ArticleCommit<'_>) -> Result<crate::CommitOutcome> {
        self.on_lock(|client| commit::run(client, c))
    }

    fn flush(&mut self) -> Result<()> {
        self.on_lock(commit::flush)
    }
}

impl Drop for PgCommitGuard<'_> {
    fn drop(&mut self) {
        let Some(mut client) = self.client.take() else {
            return;
        };
        // Announce what was written outside the articles' own transactions (repeats seen at
        // other outlets). Unlocked: keep the connection for the next batch. Failed: dropping it
        // closes the session, which releases the lock on the server.
        if client
            .batch_execute(follow::NOTIFY_SQL)
            .and_then(|()| client.execute(jobs::UNLOCK_SQL, &[&jobs::COMMIT_LOCK_CLASS]))
            .is_ok()
        {
            *self
                .store
                .lock_client
                .lock()
                .unwrap_or_else(|p| p.into_inner()) = Some(client);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redact_drops_passwords() {
        assert_eq!(
            redact("postgres://u:s3cret@db.example:5432/claim?sslmode=disable&password=x"),
            "postgres://u@db.example:5432/claim?sslmode=disable"
        );
        assert_eq!(
            redact("postgresql://u:p@h/db?password=x"),
            "postgresql://u@h/db"
        );
        assert_eq!(
            redact("postgres://postgres@127.0.0.1:5432/test"),
            "postgres://postgres@127.0.0.1:5432/test"
        );
        assert_eq!(
            redact("host=h user=u password='a b\\' c' dbname=d"),
            "host=h user=u dbname=d"
        );
    }

    #[test]
    fn identifiers_are_quoted() {
        assert_eq!(ident("t_1"), "\"t_1\"");
        assert_eq!(ident("a\"b"), "\"a\"\"b\"");
    }
}
