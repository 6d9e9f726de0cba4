//! `TimedStore`: a [`Store`] that forwards every call to another and adds up the time spent
//! in it, so a worker can report the database's share of its time (the scaling figure).
//!
//! Why a wrapper rather than timers in each backend: the figure is wanted for whatever store
//! a worker runs on, and the tracker, the refresher and the worker all call the store through
//! the same `Arc<dyn Store>`, so wrapping it once counts every call.

use crate::jobs::{CommitGuard, Committed, Job, JobCounts, JobKind, JobOutcome, NewJob};
use crate::types::{
    Analysis, FeedRecord, FetchRecord, Inserted, NewFeed, SearchHit, Sighting, StoredArticle,
    Story, StoryId, StoryMember,
};
use crate::{Result, Store};
use chrono::{DateTime, Utc};
use model::{Article, ArticleId, FeedId};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Forwards to `inner`, counting calls and the time they took.
pub struct TimedStore {
    inner: Arc<dyn Store>,
    calls: AtomicU64,
    busy: AtomicU64,
    lock_wait: AtomicU64,
}

fn nanos(started: Instant) -> u64 {
    u64::try_from(started.elapsed().as_nanos()).unwrap_or(u64::MAX)
}

impl TimedStore {
    pub fn new(inner: Arc<dyn Store>) -> TimedStore {
        TimedStore {
            inner,
            calls: AtomicU64::new(0),
            busy: AtomicU64::new(0),
            lock_wait: AtomicU64::new(0),
        }
    }

    fn add(&self, started: Instant) {
        self.calls.fetch_add(1, Ordering::Relaxed);
        self.busy.fetch_add(nanos(started), Ordering::Relaxed);
    }

    /// Calls so far.
    pub fn calls(&self) -> u64 {
        self.calls.load(Ordering::Relaxed)
    }

    /// Time spent inside store calls so far (summed over threads), waiting for the commit
    /// lock included.
    pub fn busy(&self) -> Duration {
        Duration::from_nanos(self.busy.load(Ordering::Relaxed))
    }

    /// The part of [`busy`](TimedStore::busy) spent waiting for the commit lock.
    pub fn lock_wait(&self) -> Duration {
        Duration::from_nanos(self.lock_wait.load(Ordering::Relaxed))
    }
}

impl Store for TimedStore {
    fn location(&self) -> &str {
        self.inner.location()
    }
    fn schema_version(&self) -> Result<i64> {
        let started = Instant::now();
        let out = self.inner.schema_version();
        self.add(started);
        out
    }
    fn add_feed(&self, feed: &NewFeed, now: DateTime<Utc>) -> Result<bool> {
        let started = Instant::now();
        let out = self.inner.add_feed(feed, now);
        self.add(started);
        out
    }
    fn remove_feed(&self, id: &FeedId) -> Result<bool> {
        let started = Instant::now();
        let out = self.inner.remove_feed(id);
        self.add(started);
        out
    }
    fn feed(&self, id: &FeedId) -> Result<Option<FeedRecord>> {
        let started = Instant::now();
        let out = self.inner.feed(id);
        self.add(started);
        out
    }
    fn feeds(&self) -> Result<Vec<FeedRecord>> {
        let started = Instant::now();
        let out = self.inner.feeds();
        self.add(started);
        out
    }
    fn due_feeds(&self, now: DateTime<Utc>, limit: usize) -> Result<Vec<FeedRecord>> {
        let started = Instant::now();
        let out = self.inner.due_feeds(now, limit);
        self.add(started);
        out
    }
    fn record_fetch(&self, id: &FeedId, fetch: &FetchRecord) -> Result<()> {
        let started = Instant::now();
        let out = self.inner.record_fetch(id, fetch);
        self.add(started);
        out
    }
    fn fetch_history(&self, id: &FeedId, limit: usize) -> Result<Vec<FetchRecord>> {
        let started = Instant::now();
        let out = self.inner.fetch_history(id, limit);
        self.add(started);
        out
    }
    fn insert_article(&self, article: &Article, fetched: DateTime<Utc>) -> Result<Inserted> {
        let started = Instant::now();
        let out = self.inner.insert_article(article, fetched);
        self.add(started);
        out
    }
    fn article(&self, id: &ArticleId) -> Result<Option<StoredArticle>> {
        let started = Instant::now();
        let out = self.inner.article(id);
        self.add(started);
        out
    }
    fn article_count(&self) -> Result<u64> {
        let started = Instant::now();
        let out = self.inner.article_count();
        self.add(started);
        out
    }
    fn article_by_url(&self, canonical_url: &str) -> Result<Option<ArticleId>> {
        let started = Instant::now();
        let out = self.inner.article_by_url(canonical_url);
        self.add(started);
        out
    }
    fn search(&self, query: &str, limit: usize) -> Result<Vec<SearchHit>> {
        let started = Instant::now();
        let out = self.inner.search(query, limit);
        self.add(started);
        out
    }
    fn put_analysis(&self, analysis: &Analysis) -> Result<()> {
        let started = Instant::now();
        let out = self.inner.put_analysis(analysis);
        self.add(started);
        out
    }
    fn analysis(&self, id: &ArticleId) -> Result<Option<Analysis>> {
        let started = Instant::now();
        let out = self.inner.analysis(id);
        self.add(started);
        out
    }
    fn unanalyzed(&self, pipeline_version: &str, limit: usize) -> Result<Vec<ArticleId>> {
        let started = Instant::now();
        let out = self.inner.unanalyzed(pipeline_version, limit);
        self.add(started);
        out
    }
    fn create_story(&self, title: Option<&str>, at: DateTime<Utc>) -> Result<StoryId> {
        let started = Instant::now();
        let out = self.inner.create_story(title, at);
        self.add(started);
        out
    }
    fn set_story_title(&self, id: StoryId, title: &str) -> Result<()> {
        let started = Instant::now();
        let out = self.inner.set_story_title(id, title);
        self.add(started);
        out
    }
    fn add_to_story(&self, story: StoryId, article: &ArticleId, at: DateTime<Utc>) -> Result<()> {
        let started = Instant::now();
        let out = self.inner.add_to_story(story, article, at);
        self.add(started);
        out
    }
    fn story(&self, id: StoryId) -> Result<Option<Story>> {
        let started = Instant::now();
        let out = self.inner.story(id);
        self.add(started);
        out
    }
    fn stories(&self, limit: usize) -> Result<Vec<Story>> {
        let started = Instant::now();
        let out = self.inner.stories(limit);
        self.add(started);
        out
    }
    fn story_articles(&self, id: StoryId) -> Result<Vec<ArticleId>> {
        let started = Instant::now();
        let out = self.inner.story_articles(id);
        self.add(started);
        out
    }
    fn story_of(&self, article: &ArticleId) -> Result<Option<StoryId>> {
        let started = Instant::now();
        let out = self.inner.story_of(article);
        self.add(started);
        out
    }
    fn add_sighting(&self, sighting: &Sighting) -> Result<bool> {
        let started = Instant::now();
        let out = self.inner.add_sighting(sighting);
        self.add(started);
        out
    }
    fn sightings(&self, article: &ArticleId) -> Result<Vec<Sighting>> {
        let started = Instant::now();
        let out = self.inner.sightings(article);
        self.add(started);
        out
    }
    fn copies_of(&self, original: &ArticleId) -> Result<Vec<ArticleId>> {
        let started = Instant::now();
        let out = self.inner.copies_of(original);
        self.add(started);
        out
    }
    fn articles_since(&self, since: DateTime<Utc>, limit: usize) -> Result<Vec<StoredArticle>> {
        let started = Instant::now();
        let out = self.inner.articles_since(since, limit);
        self.add(started);
        out
    }
    fn put_article_terms(&self, article: &ArticleId, terms: &[u8]) -> Result<()> {
        let started = Instant::now();
        let out = self.inner.put_article_terms(article, terms);
        self.add(started);
        out
    }
    fn article_terms(&self, article: &ArticleId) -> Result<Option<Vec<u8>>> {
        let started = Instant::now();
        let out = self.inner.article_terms(article);
        self.add(started);
        out
    }
    fn all_article_ids(&self, after: Option<&ArticleId>, limit: usize) -> Result<Vec<ArticleId>> {
        let started = Instant::now();
        let out = self.inner.all_article_ids(after, limit);
        self.add(started);
        out
    }
    fn analyses_of(&self, article: &ArticleId) -> Result<Vec<Analysis>> {
        let started = Instant::now();
        let out = self.inner.analyses_of(article);
        self.add(started);
        out
    }
    fn all_stories(&self, after: Option<StoryId>, limit: usize) -> Result<Vec<Story>> {
        let started = Instant::now();
        let out = self.inner.all_stories(after, limit);
        self.add(started);
        out
    }
    fn story_members(&self, id: StoryId) -> Result<Vec<StoryMember>> {
        let started = Instant::now();
        let out = self.inner.story_members(id);
        self.add(started);
        out
    }
    fn import_feed(&self, feed: &FeedRecord, history: &[FetchRecord]) -> Result<bool> {
        let started = Instant::now();
        let out = self.inner.import_feed(feed, history);
        self.add(started);
        out
    }
    fn import_story(&self, story: &Story, members: &[StoryMember]) -> Result<bool> {
        let started = Instant::now();
        let out = self.inner.import_story(story, members);
        self.add(started);
        out
    }
    fn enqueue_jobs(&self, jobs: &[NewJob], now: DateTime<Utc>) -> Result<usize> {
        let started = Instant::now();
        let out = self.inner.enqueue_jobs(jobs, now);
        self.add(started);
        out
    }
    fn claim_jobs(
        &self,
        worker: &str,
        kinds: &[JobKind],
        limit: usize,
        lease: std::time::Duration,
        now: DateTime<Utc>,
    ) -> Result<Vec<Job>> {
        let started = Instant::now();
        let out = self.inner.claim_jobs(worker, kinds, limit, lease, now);
        self.add(started);
        out
    }
    fn renew_lease(
        &self,
        worker: &str,
        ids: &[i64],
        lease: std::time::Duration,
        now: DateTime<Utc>,
    ) -> Result<usize> {
        let started = Instant::now();
        let out = self.inner.renew_lease(worker, ids, lease, now);
        self.add(started);
        out
    }
    fn finish_jobs(
        &self,
        worker: &str,
        finished: &[(i64, JobOutcome)],
        now: DateTime<Utc>,
    ) -> Result<Vec<bool>> {
        let started = Instant::now();
        let out = self.inner.finish_jobs(worker, finished, now);
        self.add(started);
        out
    }
    fn release_jobs(&self, worker: &str) -> Result<usize> {
        let started = Instant::now();
        let out = self.inner.release_jobs(worker);
        self.add(started);
        out
    }
    fn job_counts(&self) -> Result<JobCounts> {
        let started = Instant::now();
        let out = self.inner.job_counts();
        self.add(started);
        out
    }
    fn commit_lock(&self) -> Result<Box<dyn CommitGuard + '_>> {
        let started = Instant::now();
        let out = self.inner.commit_lock();
        self.lock_wait.fetch_add(nanos(started), Ordering::Relaxed);
        self.add(started);
        let inner = out?;
        Ok(Box::new(TimedGuard { inner, timed: self }))
    }
    fn last_article_seq(&self) -> Result<i64> {
        let started = Instant::now();
        let out = self.inner.last_article_seq();
        self.add(started);
        out
    }
    fn committed_after(&self, seq: i64, limit: usize) -> Result<Vec<Committed>> {
        let started = Instant::now();
        let out = self.inner.committed_after(seq, limit);
        self.add(started);
        out
    }
    fn commit_waiter(&self) -> Result<Option<Box<dyn crate::CommitWaiter>>> {
        // Opening the waiter is not a store call on a worker's path; waiting is not timed.
        self.inner.commit_waiter()
    }
    fn last_sighting_seq(&self) -> Result<i64> {
        let started = Instant::now();
        let out = self.inner.last_sighting_seq();
        self.add(started);
        out
    }
    fn sightings_after(&self, seq: i64, limit: usize) -> Result<Vec<crate::SightingRecord>> {
        let started = Instant::now();
        let out = self.inner.sightings_after(seq, limit);
        self.add(started);
        out
    }

    fn add_watch(&self, w: &crate::NewWatch, now: DateTime<Utc>) -> Result<crate::Watch> {
        let started = Instant::now();
        let out = self.inner.add_watch(w, now);
        self.add(started);
        out
    }
    fn remove_watch(&self, id: i64) -> Result<bool> {
        let started = Instant::now();
        let out = self.inner.remove_watch(id);
        self.add(started);
        out
    }
    fn watch(&self, id: i64) -> Result<Option<crate::Watch>> {
        let started = Instant::now();
        let out = self.inner.watch(id);
        self.add(started);
        out
    }
    fn watches(&self) -> Result<Vec<crate::Watch>> {
        let started = Instant::now();
        let out = self.inner.watches();
        self.add(started);
        out
    }
    fn enqueue_deliveries(&self, list: &[crate::NewDelivery], now: DateTime<Utc>) -> Result<usize> {
        let started = Instant::now();
        let out = self.inner.enqueue_deliveries(list, now);
        self.add(started);
        out
    }
    fn claim_deliveries(
        &self,
        holder: &str,
        limit: usize,
        lease: Duration,
        now: DateTime<Utc>,
    ) -> Result<Vec<crate::Delivery>> {
        let started = Instant::now();
        let out = self.inner.claim_deliveries(holder, limit, lease, now);
        self.add(started);
        out
    }
    fn finish_delivery(
        &self,
        holder: &str,
        id: i64,
        outcome: &crate::DeliveryOutcome,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let started = Instant::now();
        let out = self.inner.finish_delivery(holder, id, outcome, now);
        self.add(started);
        out
    }
    fn deliveries(&self, watch: Option<i64>, limit: usize) -> Result<Vec<crate::Delivery>> {
        let started = Instant::now();
        let out = self.inner.deliveries(watch, limit);
        self.add(started);
        out
    }
    fn alert_cursor(&self) -> Result<i64> {
        let started = Instant::now();
        let out = self.inner.alert_cursor();
        self.add(started);
        out
    }
    fn advance_alert_cursor(&self, seq: i64) -> Result<i64> {
        let started = Instant::now();
        let out = self.inner.advance_alert_cursor(seq);
        self.add(started);
        out
    }
}

/// Times the commits made under the lock, which go through the guard, not the store.
struct TimedGuard<'a> {
    inner: Box<dyn CommitGuard + 'a>,
    timed: &'a TimedStore,
}

impl CommitGuard for TimedGuard<'_> {
    fn check(&mut self) -> Result<()> {
        self.inner.check()
    }
    fn commit_article(&mut self, c: &crate::ArticleCommit<'_>) -> Result<crate::CommitOutcome> {
        let started = Instant::now();
        let out = self.inner.commit_article(c);
        self.timed.add(started);
        out
    }
    fn flush(&mut self) -> Result<()> {
        let started = Instant::now();
        let out = self.inner.flush();
        self.timed.add(started);
        out
    }
}
