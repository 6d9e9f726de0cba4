//! The job queue's records: what workers claim, renew, finish and release.
//!
//! Why a table in the store rather than a broker: every process already shares the database,
//! and a job's state change commits in the same durable way as the articles it produces, so
//! "claimed by a worker that died" is a row whose lease ran out, not a message lost in transit.
//! Why the store takes `now` and the outcome from the caller: like the rest of the store it
//! decides no policy (lease lengths, retries and backoff belong to the worker); times are the
//! workers' clocks, which leases longer than any plausible skew tolerate.

use chrono::{DateTime, Utc};
use std::time::Duration;

/// What a job asks a worker to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum JobKind {
    /// Refresh one feed; the payload is its URL.
    Feed,
    /// Ingest one article; the payload is the article as JSON.
    Article,
}

impl JobKind {
    pub fn as_str(self) -> &'static str {
        match self {
            JobKind::Feed => "feed",
            JobKind::Article => "article",
        }
    }
    pub fn parse(s: &str) -> Option<JobKind> {
        match s {
            "feed" => Some(JobKind::Feed),
            "article" => Some(JobKind::Article),
            _ => None,
        }
    }
}

/// A job to enqueue. `key` makes enqueueing idempotent: a second job with the same key is
/// not added, whatever state the first is in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewJob {
    pub kind: JobKind,
    pub key: String,
    pub payload: String,
}

/// A job claimed by a worker: it holds the lease until `lease_until`, unless renewed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Job {
    pub id: i64,
    pub kind: JobKind,
    pub key: String,
    pub payload: String,
    /// Claims so far, this one included (a claim after an expired lease counts).
    pub attempts: u32,
    pub lease_until: DateTime<Utc>,
    /// The error of the previous attempt, if it failed.
    pub last_error: Option<String>,
}

/// How a worker ended a job.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum JobOutcome {
    Done,
    /// Failed this time; queued again, claimable from `at`.
    Retry {
        error: String,
        at: DateTime<Utc>,
    },
    /// Failed for good.
    Failed {
        error: String,
    },
}

/// How many jobs are in each state.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct JobCounts {
    pub queued: u64,
    pub running: u64,
    pub done: u64,
    pub failed: u64,
}

impl JobCounts {
    /// Jobs not yet finished (queued or running).
    pub fn open(&self) -> u64 {
        self.queued + self.running
    }
}

/// A stored article with what the tracker's indexes need to learn of it: its analysis (for
/// the boilerplate spans), the story it joined first and its clusterer terms. `seq` is the
/// order in which articles were stored.
#[derive(Clone, Debug, PartialEq)]
pub struct Committed {
    pub seq: i64,
    pub article: crate::types::StoredArticle,
    pub analysis: Option<String>,
    pub story: Option<crate::types::StoryId>,
    pub terms: Option<Vec<u8>>,
}

/// Held while a process commits articles, so that only one process at a time clusters and
/// deduplicates (see `Store::commit_lock`). Dropping it releases the lock.
pub trait CommitGuard {
    /// Fails when the lock can no longer be vouched for (its connection was lost); the
    /// caller must stop committing under it.
    fn check(&mut self) -> crate::Result<()>;
    /// Commits one article whole, in one transaction under the lock (see [`crate::commit`]).
    /// Readers see it at once; it is durable once [`CommitGuard::flush`] has returned.
    fn commit_article(
        &mut self,
        commit: &crate::ArticleCommit<'_>,
    ) -> crate::Result<crate::CommitOutcome>;
    /// Makes every article committed under the guard durable (PostgreSQL: they were committed
    /// without waiting for the disk, and one flush covers them all). An error means they may
    /// or may not have survived: the caller treats them as not acknowledged.
    fn flush(&mut self) -> crate::Result<()>;
}

/// Microseconds of a lease, for adding to a timestamp.
pub(crate) fn lease_micros(lease: Duration) -> i64 {
    i64::try_from(lease.as_micros()).unwrap_or(i64::MAX / 4)
}

/// The comma-wrapped list of kinds that claim queries match with `instr`/`position`.
pub(crate) fn kinds_list(kinds: &[JobKind]) -> String {
    let mut s = String::from(",");
    for k in kinds {
        s.push_str(k.as_str());
        s.push(',');
    }
    s
}
