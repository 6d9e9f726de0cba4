//! The job queue on PostgreSQL (as `sqlite::jobs`): claims take rows with
//! `FOR UPDATE SKIP LOCKED`, so workers claiming at once each get other jobs and none waits
//! on another's transaction; the commit lock is a session advisory lock on a connection of
//! its own, released by the server if the process holding it dies.

use super::articles::{article_from, A_COLUMNS};
use super::{from_ts, limit, q, ts};
use crate::error::ErrorKind;
use crate::jobs::{
    kinds_list, lease_micros, Committed, Job, JobCounts, JobKind, JobOutcome, NewJob,
};
use crate::types::StoryId;
use chrono::{DateTime, Utc};
use postgres::{GenericClient, Row};
use std::time::Duration;

/// The commit lock's first key ("clmc"); the second is a hash of the schema, as for the
/// migration lock, so stores in different schemas do not serialize each other.
pub(super) const COMMIT_LOCK_CLASS: i32 = 0x636c_6d63;

pub(super) const LOCK_SQL: &str =
    "SELECT pg_advisory_lock($1, hashtext(COALESCE(current_schema()::text, '')))";
pub(super) const UNLOCK_SQL: &str =
    "SELECT pg_advisory_unlock($1, hashtext(COALESCE(current_schema()::text, '')))";

pub(super) fn enqueue(
    c: &mut impl GenericClient,
    jobs: &[NewJob],
    now: DateTime<Utc>,
) -> Result<usize, ErrorKind> {
    let st = c
        .prepare(
            "INSERT INTO jobs (kind, key, payload, state, attempts, run_after, created)
             VALUES ($1, $2, $3, 'queued', 0, $4, $4) ON CONFLICT (key) DO NOTHING",
        )
        .map_err(q("enqueueing jobs"))?;
    let mut added = 0;
    for j in jobs {
        added += c
            .execute(&st, &[&j.kind.as_str(), &j.key, &j.payload, &ts(now)])
            .map_err(q("enqueueing jobs"))?;
    }
    Ok(usize::try_from(added).unwrap_or(usize::MAX))
}

fn job_from(r: &Row, lease_until: DateTime<Utc>) -> Result<Job, ErrorKind> {
    let op = "reading a job";
    let kind: String = r.try_get(1).map_err(q(op))?;
    let attempts: i32 = r.try_get(4).map_err(q(op))?;
    Ok(Job {
        id: r.try_get(0).map_err(q(op))?,
        kind: JobKind::parse(&kind).ok_or_else(|| ErrorKind::BadValue {
            column: "jobs.kind",
            detail: kind.clone(),
        })?,
        key: r.try_get(2).map_err(q(op))?,
        payload: r.try_get(3).map_err(q(op))?,
        attempts: u32::try_from(attempts).unwrap_or(0),
        lease_until,
        last_error: r.try_get(5).map_err(q(op))?,
    })
}

pub(super) fn claim(
    c: &mut impl GenericClient,
    worker: &str,
    kinds: &[JobKind],
    n: usize,
    lease: Duration,
    now: DateTime<Utc>,
) -> Result<Vec<Job>, ErrorKind> {
    let until = ts(now).saturating_add(lease_micros(lease));
    let rows = c
        .query(
            "WITH picked AS (
                 SELECT id FROM jobs
                 WHERE state IN ('queued', 'running')
                   AND position(',' || kind || ',' IN $3) > 0
                   AND ((state = 'queued' AND run_after <= $4)
                        OR (state = 'running' AND lease_until < $4))
                 ORDER BY id LIMIT $5
                 FOR UPDATE SKIP LOCKED)
             UPDATE jobs j SET state = 'running', attempts = j.attempts + 1,
                    lease_owner = $1, lease_until = $2
             FROM picked WHERE j.id = picked.id
             RETURNING j.id, j.kind, j.key, j.payload, j.attempts, j.last_error",
            &[&worker, &until, &kinds_list(kinds), &ts(now), &limit(n)],
        )
        .map_err(q("claiming jobs"))?;
    let lease_until = from_ts("jobs.lease_until", until)?;
    let mut jobs = rows
        .iter()
        .map(|r| job_from(r, lease_until))
        .collect::<Result<Vec<_>, _>>()?;
    jobs.sort_by_key(|j| j.id);
    Ok(jobs)
}

pub(super) fn renew(
    c: &mut impl GenericClient,
    worker: &str,
    ids: &[i64],
    lease: Duration,
    now: DateTime<Utc>,
) -> Result<usize, ErrorKind> {
    let until = ts(now).saturating_add(lease_micros(lease));
    let n = c
        .execute(
            "UPDATE jobs SET lease_until = $1
             WHERE id = ANY($2) AND lease_owner = $3 AND state = 'running'",
            &[&until, &ids, &worker],
        )
        .map_err(q("renewing leases"))?;
    Ok(usize::try_from(n).unwrap_or(usize::MAX))
}

pub(super) fn finish(
    c: &mut impl GenericClient,
    worker: &str,
    id: i64,
    outcome: &JobOutcome,
    now: DateTime<Utc>,
) -> Result<bool, ErrorKind> {
    let (state, error, run_after) = match outcome {
        JobOutcome::Done => ("done", None, None),
        JobOutcome::Retry { error, at } => ("queued", Some(error.as_str()), Some(ts(*at))),
        JobOutcome::Failed { error } => ("failed", Some(error.as_str()), None),
    };
    let finished = (state != "queued").then(|| ts(now));
    let n = c
        .execute(
            "UPDATE jobs SET state = $1, last_error = COALESCE($2, last_error),
                    run_after = COALESCE($3, run_after), finished = $4,
                    lease_owner = NULL, lease_until = NULL
             WHERE id = $5 AND lease_owner = $6 AND state = 'running'",
            &[&state, &error, &run_after, &finished, &id, &worker],
        )
        .map_err(q("finishing a job"))?;
    Ok(n == 1)
}

pub(super) fn release(c: &mut impl GenericClient, worker: &str) -> Result<usize, ErrorKind> {
    let n = c
        .execute(
            "UPDATE jobs SET state = 'queued', lease_owner = NULL, lease_until = NULL,
                    attempts = GREATEST(attempts - 1, 0)
             WHERE lease_owner = $1 AND state = 'running'",
            &[&worker],
        )
        .map_err(q("releasing jobs"))?;
    Ok(usize::try_from(n).unwrap_or(usize::MAX))
}

pub(super) fn counts(c: &mut impl GenericClient) -> Result<JobCounts, ErrorKind> {
    let op = "counting jobs";
    let rows = c
        .query("SELECT state, COUNT(*) FROM jobs GROUP BY state", &[])
        .map_err(q(op))?;
    let mut out = JobCounts::default();
    for r in &rows {
        let state: String = r.try_get(0).map_err(q(op))?;
        let n: i64 = r.try_get(1).map_err(q(op))?;
        let n = u64::try_from(n).unwrap_or(0);
        match state.as_str() {
            "queued" => out.queued = n,
            "running" => out.running = n,
            "done" => out.done = n,
            _ => out.failed += n,
        }
    }
    Ok(out)
}

pub(super) fn last_seq(c: &mut impl GenericClient) -> Result<i64, ErrorKind> {
    c.query_one("SELECT COALESCE(MAX(seq), 0)::BIGINT FROM articles", &[])
        .and_then(|r| r.try_get(0))
        .map_err(q("reading the latest article"))
}

pub(super) fn committed_after(
    c: &mut impl GenericClient,
    seq: i64,
    n: usize,
) -> Result<Vec<Committed>, ErrorKind> {
    let op = "listing committed articles";
    let sql = format!(
        "SELECT {A_COLUMNS}, a.seq,
                (SELECT x.json FROM analyses x WHERE x.article_id = a.id
                 ORDER BY x.analyzed DESC, x.pipeline_version DESC LIMIT 1),
                (SELECT m.story_id FROM story_articles m WHERE m.article_id = a.id
                 ORDER BY m.added, m.seq LIMIT 1),
                (SELECT t.terms FROM article_terms t WHERE t.article_id = a.id)
         FROM articles a WHERE a.seq > $1 ORDER BY a.seq LIMIT $2"
    );
    let rows = c.query(sql.as_str(), &[&seq, &limit(n)]).map_err(q(op))?;
    rows.iter()
        .map(|r| {
            Ok(Committed {
                article: article_from(r)?,
                seq: r.try_get(13).map_err(q(op))?,
                analysis: r.try_get(14).map_err(q(op))?,
                story: r.try_get::<_, Option<i64>>(15).map_err(q(op))?.map(StoryId),
                terms: r.try_get(16).map_err(q(op))?,
            })
        })
        .collect()
}
