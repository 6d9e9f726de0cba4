//! Workers: any number of processes, on any number of machines, sharing one store's job queue.
//!
//! A worker claims a batch of jobs (leased to it), does them and finishes each. Article jobs
//! are prepared (analysed) in parallel without any lock, then committed through
//! [`Tracker::commit_batch`], which holds the store's commit lock and first catches the
//! tracker's indexes up with what other workers stored: the costly part scales with workers,
//! the cheap part runs one article at a time across the cluster, so dedup and clustering see
//! everything. Feed jobs run [`refresh::refresh_feed`]; any worker with a refresher also turns
//! due feeds into jobs, keyed by URL and next poll so two schedulers add one job.
//!
//! Why "exactly once in effect" holds: an article's commit is one transaction and every write
//! a job makes is idempotent (articles keyed by id, URL and hash; sightings and memberships are
//! upserts), so a job redone after its worker died changes nothing twice. A lease that ran out
//! and was taken over makes `finish_jobs` refuse that job, and the new holder finishes it. A
//! batch's jobs are finished in one transaction, after their articles are committed: one disk
//! flush per batch rather than per job.
//!
//! Why store errors never end a worker: a restarted PostgreSQL drops every connection; the
//! store reconnects on the next call, so the worker logs, sleeps (exponential, capped,
//! jittered) and tries again. Only the stop flag (SIGTERM, Ctrl-C) ends the loop: the current
//! batch is finished, anything still held is released, and `run_worker` returns.

use crate::refresh::{self, Refresher};
use crate::tracker::{Prepared, Tracker};
use chrono::{DateTime, Utc};
use model::{Article, FeedId};
use rayon::prelude::*;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use store::{Job, JobKind, JobOutcome, NewJob, Store};

/// How a worker runs.
#[derive(Clone, Debug)]
pub struct WorkerConfig {
    /// Names the worker in leases and logs; unique per process.
    pub id: String,
    /// Jobs claimed at once.
    pub batch: usize,
    /// How long a claim holds; renewed every third of it while the batch runs.
    pub lease: Duration,
    /// Attempts before a job fails for good.
    pub max_attempts: u32,
    /// Longest sleep when the queue is empty or the store is failing.
    pub max_backoff: Duration,
    /// Set to stop after the current batch.
    pub stop: Arc<AtomicBool>,
    /// Return once the queue has no open job (instead of waiting for more).
    pub exit_when_idle: bool,
}

impl WorkerConfig {
    pub fn new(id: impl Into<String>, stop: Arc<AtomicBool>) -> WorkerConfig {
        WorkerConfig {
            id: id.into(),
            batch: 16,
            lease: Duration::from_secs(60),
            max_attempts: 5,
            max_backoff: Duration::from_secs(10),
            stop,
            exit_when_idle: false,
        }
    }
}

/// What a worker did, for its exit message.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WorkerReport {
    pub jobs_done: u64,
    pub jobs_retried: u64,
    pub jobs_failed: u64,
    /// Jobs whose lease another worker had taken over when this one finished them.
    pub leases_lost: u64,
    /// Article jobs done (new, copy or repeat).
    pub articles: u64,
    /// Store calls that failed and were retried after a pause.
    pub store_errors: u64,
    pub released: u64,
}

/// Sleeps up to `d`, waking early when `stop` is set.
fn nap(d: Duration, stop: &AtomicBool) {
    let until = Instant::now() + d;
    while !stop.load(Ordering::SeqCst) {
        let left = until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        std::thread::sleep(left.min(Duration::from_millis(50)));
    }
}

/// Exponential backoff with jitter: 100 ms doubling up to `cap`, each pause drawn from its
/// upper half so that workers failing together do not retry together.
struct Backoff {
    next: Duration,
    cap: Duration,
    rng: u64,
}

impl Backoff {
    fn new(cap: Duration, seed: u64) -> Backoff {
        Backoff {
            next: Duration::from_millis(100),
            cap,
            rng: seed | 1,
        }
    }
    fn reset(&mut self) {
        self.next = Duration::from_millis(100);
    }
    fn pause(&mut self) -> Duration {
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 7;
        self.rng ^= self.rng << 17;
        let unit = (self.rng >> 11) as f64 / (1u64 << 53) as f64;
        let d = self.next.mul_f64(0.5 + 0.5 * unit);
        self.next = (self.next * 2).min(self.cap);
        d
    }
}

/// When a failed job is tried again: 2^attempts seconds, at most five minutes.
fn retry_at(now: DateTime<Utc>, attempts: u32) -> DateTime<Utc> {
    now + chrono::Duration::seconds(1i64 << attempts.min(8)).min(chrono::Duration::minutes(5))
}

/// Runs until `config.stop` is set (or, with `exit_when_idle`, the queue is empty). Feed jobs
/// are claimed only when `refresher` is given.
pub fn run_worker(
    tracker: &Tracker,
    refresher: Option<&Refresher>,
    config: &WorkerConfig,
) -> WorkerReport {
    let store = tracker.store().clone();
    let seed = u64::from(std::process::id()) ^ Utc::now().timestamp_micros() as u64;
    let mut errors = Backoff::new(config.max_backoff, seed);
    let mut idle = Backoff::new(config.max_backoff.min(Duration::from_secs(2)), seed);
    let mut report = WorkerReport::default();
    let kinds: &[JobKind] = if refresher.is_some() {
        &[JobKind::Article, JobKind::Feed]
    } else {
        &[JobKind::Article]
    };
    let mut next_schedule = Instant::now();
    let stop = &config.stop;
    while !stop.load(Ordering::SeqCst) {
        if refresher.is_some() && Instant::now() >= next_schedule {
            if let Err(e) = schedule_feeds(store.as_ref(), Utc::now()) {
                eprintln!("worker {}: scheduling feeds: {e}", config.id);
            }
            next_schedule = Instant::now() + Duration::from_secs(5);
        }
        let now = Utc::now();
        let jobs = match store.claim_jobs(&config.id, kinds, config.batch, config.lease, now) {
            Ok(jobs) => jobs,
            Err(e) => {
                report.store_errors += 1;
                let d = errors.pause();
                eprintln!("worker {}: {e}; retrying in {d:.1?}", config.id);
                nap(d, stop);
                continue;
            }
        };
        errors.reset();
        if jobs.is_empty() {
            if config.exit_when_idle {
                match store.job_counts() {
                    Ok(c) if c.open() == 0 => break,
                    _ => {}
                }
            }
            nap(idle.pause(), stop);
            continue;
        }
        idle.reset();
        let outcomes = with_renewal(store.as_ref(), config, &jobs, || {
            do_batch(tracker, refresher, config, &jobs, &mut report)
        });
        for (job, outcome) in jobs.iter().zip(&outcomes) {
            match outcome {
                JobOutcome::Done => report.jobs_done += 1,
                JobOutcome::Retry { error, .. } => {
                    report.jobs_retried += 1;
                    eprintln!(
                        "worker {}: job {} failed, will retry: {error}",
                        config.id, job.key
                    );
                }
                JobOutcome::Failed { error } => {
                    report.jobs_failed += 1;
                    eprintln!("worker {}: job {} failed: {error}", config.id, job.key);
                }
            }
        }
        finish(
            store.as_ref(),
            config,
            &jobs,
            outcomes,
            &mut errors,
            &mut report,
        );
    }
    // Whatever is still held (a finish that never got through) goes back to the queue.
    let mut tries = 0;
    loop {
        match store.release_jobs(&config.id) {
            Ok(n) => {
                report.released += n as u64;
                break;
            }
            Err(e) if tries < 5 => {
                tries += 1;
                report.store_errors += 1;
                eprintln!("worker {}: releasing jobs: {e}", config.id);
                std::thread::sleep(errors.pause());
            }
            Err(e) => {
                eprintln!(
                    "worker {}: could not release jobs ({e}); their leases will run out",
                    config.id
                );
                break;
            }
        }
    }
    report
}

/// Records the batch's ends in one transaction, retrying while the store fails; gives up
/// only when stopping (the leases then run out and another worker redoes the jobs, which
/// changes nothing twice).
fn finish(
    store: &dyn Store,
    config: &WorkerConfig,
    jobs: &[Job],
    outcomes: Vec<JobOutcome>,
    errors: &mut Backoff,
    report: &mut WorkerReport,
) {
    let finished: Vec<(i64, JobOutcome)> = jobs.iter().map(|j| j.id).zip(outcomes).collect();
    let mut tries = 0u32;
    loop {
        match store.finish_jobs(&config.id, &finished, Utc::now()) {
            Ok(held) => {
                for (job, _) in jobs.iter().zip(held).filter(|(_, held)| !held) {
                    report.leases_lost += 1;
                    eprintln!(
                        "worker {}: job {} was taken over by another worker (lease ran out)",
                        config.id, job.key
                    );
                }
                return;
            }
            Err(e) => {
                report.store_errors += 1;
                tries += 1;
                if config.stop.load(Ordering::SeqCst) && tries >= 3 {
                    return;
                }
                let d = errors.pause();
                eprintln!(
                    "worker {}: finishing {} job(s): {e}; retrying in {d:.1?}",
                    config.id,
                    finished.len()
                );
                nap(d, &config.stop);
            }
        }
    }
}

/// Runs `work` while a thread renews the batch's leases every third of the lease.
fn with_renewal<T>(
    store: &dyn Store,
    config: &WorkerConfig,
    jobs: &[Job],
    work: impl FnOnce() -> T,
) -> T {
    let ids: Vec<i64> = jobs.iter().map(|j| j.id).collect();
    let (done, wait) = std::sync::mpsc::channel::<()>();
    std::thread::scope(|s| {
        s.spawn(move || {
            let every = config.lease / 3;
            while let Err(std::sync::mpsc::RecvTimeoutError::Timeout) = wait.recv_timeout(every) {
                if let Err(e) = store.renew_lease(&config.id, &ids, config.lease, Utc::now()) {
                    eprintln!("worker {}: renewing leases: {e}", config.id);
                }
            }
        });
        let out = work();
        drop(done);
        out
    })
}

/// Does one batch; an outcome per job, in order.
fn do_batch(
    tracker: &Tracker,
    refresher: Option<&Refresher>,
    config: &WorkerConfig,
    jobs: &[Job],
    report: &mut WorkerReport,
) -> Vec<JobOutcome> {
    let now = Utc::now();
    let failed = |job: &Job, error: String| {
        if job.attempts >= config.max_attempts {
            JobOutcome::Failed { error }
        } else {
            JobOutcome::Retry {
                error,
                at: retry_at(now, job.attempts),
            }
        }
    };
    let mut outcomes: Vec<Option<JobOutcome>> = vec![None; jobs.len()];
    // Articles: parse, prepare on all cores, commit under the lock.
    let mut articles: Vec<(usize, Article)> = Vec::new();
    for (i, job) in jobs.iter().enumerate() {
        if job.attempts > config.max_attempts {
            // Its workers kept dying (or it kept failing): stop trying.
            outcomes[i] = Some(JobOutcome::Failed {
                error: format!(
                    "gave up after {} attempts; last error: {}",
                    config.max_attempts,
                    job.last_error.as_deref().unwrap_or("the worker stopped")
                ),
            });
            continue;
        }
        if job.kind == JobKind::Article {
            match serde_json::from_str::<Article>(&job.payload) {
                Ok(a) => articles.push((i, a)),
                Err(e) => {
                    outcomes[i] = Some(JobOutcome::Failed {
                        error: format!("not an article: {e}"),
                    })
                }
            }
        }
    }
    if !articles.is_empty() {
        let fetched = Utc::now();
        let (slots, prepared): (Vec<usize>, Vec<Prepared>) = articles
            .into_par_iter()
            .map(|(i, a)| (i, tracker.prepare(a, fetched)))
            .unzip();
        for (i, r) in slots
            .into_iter()
            .zip(tracker.commit_batch(prepared, fetched))
        {
            outcomes[i] = Some(match r {
                Ok(_) => {
                    report.articles += 1;
                    JobOutcome::Done
                }
                Err(e) => failed(&jobs[i], e.to_string()),
            });
        }
    }
    // Feeds: one after another (politeness is per host inside the fetcher).
    for (i, job) in jobs.iter().enumerate() {
        if job.kind != JobKind::Feed || outcomes[i].is_some() {
            continue;
        }
        let outcome = match refresher {
            None => failed(job, "this worker does not refresh feeds".into()),
            Some(refresher) => match tracker.store().feed(&FeedId::new(job.payload.clone())) {
                Ok(None) => JobOutcome::Done, // unsubscribed since it was scheduled
                Ok(Some(feed)) => match refresh::refresh_feed(tracker, refresher, &feed) {
                    Ok(_) => JobOutcome::Done,
                    Err(e) => failed(job, e.to_string()),
                },
                Err(e) => failed(job, e.to_string()),
            },
        };
        outcomes[i] = Some(outcome);
    }
    outcomes
        .into_iter()
        .map(|o| {
            o.unwrap_or(JobOutcome::Failed {
                error: "no outcome".into(),
            })
        })
        .collect()
}

/// Turns due feeds into feed jobs, keyed by URL and next poll: every scheduler that sees the
/// same due feed adds the same key, so it is one job; after the refresh records a new next
/// poll, the next due time is a new job.
pub fn schedule_feeds(store: &dyn Store, now: DateTime<Utc>) -> Result<usize, store::StoreError> {
    let due = store.due_feeds(now, 256)?;
    let jobs: Vec<NewJob> = due
        .iter()
        .map(|f| NewJob {
            kind: JobKind::Feed,
            key: format!(
                "feed {} {}",
                f.url,
                f.health.next_poll.map_or(0, |t| t.timestamp_micros())
            ),
            payload: f.url.clone(),
        })
        .collect();
    if jobs.is_empty() {
        return Ok(0);
    }
    store.enqueue_jobs(&jobs, now)
}

/// Enqueues articles as jobs, keyed by article id (derived from the URL or the text), so the
/// same record enqueued twice is one job. Returns how many were new.
pub fn enqueue_articles(
    store: &dyn Store,
    articles: &[Article],
    now: DateTime<Utc>,
) -> Result<usize, crate::AppError> {
    let jobs = articles
        .iter()
        .map(|a| {
            Ok(NewJob {
                kind: JobKind::Article,
                key: format!("article {}", a.id.as_str()),
                payload: serde_json::to_string(a).map_err(|e| crate::AppError::Input {
                    input: a.id.0.clone(),
                    message: e.to_string(),
                })?,
            })
        })
        .collect::<Result<Vec<_>, crate::AppError>>()?;
    Ok(store.enqueue_jobs(&jobs, now)?)
}
