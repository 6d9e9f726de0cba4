//! The job queue on SQLite: every claim runs in one IMMEDIATE transaction, so SQLite's single
//! writer already keeps two claimers (threads or processes) from taking the same job.

use super::{articles, copies, limit, q, stories, ts};
use crate::error::ErrorKind;
use crate::jobs::{
    kinds_list, lease_micros, Committed, Job, JobCounts, JobKind, JobOutcome, NewJob,
};
use crate::sqlite::from_ts;
use chrono::{DateTime, Utc};
use model::ArticleId;
use rusqlite::{params, Connection};
use std::time::Duration;

pub(super) fn enqueue(
    conn: &Connection,
    jobs: &[NewJob],
    now: DateTime<Utc>,
) -> Result<usize, ErrorKind> {
    let mut st = conn
        .prepare_cached(
            "INSERT INTO jobs (kind, key, payload, state, attempts, run_after, created)
             VALUES (?1, ?2, ?3, 'queued', 0, ?4, ?4) ON CONFLICT (key) DO NOTHING",
        )
        .map_err(q("enqueueing jobs"))?;
    let mut added = 0;
    for j in jobs {
        added += st
            .execute(params![j.kind.as_str(), j.key, j.payload, ts(now)])
            .map_err(q("enqueueing jobs"))?;
    }
    Ok(added)
}

pub(super) fn claim(
    conn: &Connection,
    worker: &str,
    kinds: &[JobKind],
    n: usize,
    lease: Duration,
    now: DateTime<Utc>,
) -> Result<Vec<Job>, ErrorKind> {
    let op = "claiming jobs";
    let until = ts(now).saturating_add(lease_micros(lease));
    let mut st = conn
        .prepare_cached(
            "UPDATE jobs SET state = 'running', attempts = attempts + 1, lease_owner = ?1,
                    lease_until = ?2
             WHERE id IN (
                 SELECT id FROM jobs
                 WHERE state IN ('queued', 'running') AND instr(?3, ',' || kind || ',') > 0
                   AND ((state = 'queued' AND run_after <= ?4)
                        OR (state = 'running' AND lease_until < ?4))
                 ORDER BY id LIMIT ?5)
             RETURNING id, kind, key, payload, attempts, last_error",
        )
        .map_err(q(op))?;
    let rows = st
        .query_map(
            params![worker, until, kinds_list(kinds), ts(now), limit(n)],
            |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, i64>(4)?,
                    r.get::<_, Option<String>>(5)?,
                ))
            },
        )
        .map_err(q(op))?
        .collect::<rusqlite::Result<Vec<_>>>()
        .map_err(q(op))?;
    let lease_until = from_ts("jobs.lease_until", until)?;
    let mut jobs = rows
        .into_iter()
        .map(|(id, kind, key, payload, attempts, last_error)| {
            Ok(Job {
                id,
                kind: JobKind::parse(&kind).ok_or_else(|| ErrorKind::BadValue {
                    column: "jobs.kind",
                    detail: kind.clone(),
                })?,
                key,
                payload,
                attempts: u32::try_from(attempts).unwrap_or(u32::MAX),
                lease_until,
                last_error,
            })
        })
        .collect::<Result<Vec<_>, ErrorKind>>()?;
    jobs.sort_by_key(|j| j.id);
    Ok(jobs)
}

pub(super) fn renew(
    conn: &Connection,
    worker: &str,
    ids: &[i64],
    lease: Duration,
    now: DateTime<Utc>,
) -> Result<usize, ErrorKind> {
    let until = ts(now).saturating_add(lease_micros(lease));
    let mut st = conn
        .prepare_cached(
            "UPDATE jobs SET lease_until = ?1
             WHERE id = ?2 AND lease_owner = ?3 AND state = 'running'",
        )
        .map_err(q("renewing leases"))?;
    let mut n = 0;
    for id in ids {
        n += st
            .execute(params![until, id, worker])
            .map_err(q("renewing leases"))?;
    }
    Ok(n)
}

pub(super) fn finish(
    conn: &Connection,
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
    let n = conn
        .prepare_cached(
            "UPDATE jobs SET state = ?1, last_error = COALESCE(?2, last_error),
                    run_after = COALESCE(?3, run_after), finished = ?4,
                    lease_owner = NULL, lease_until = NULL
             WHERE id = ?5 AND lease_owner = ?6 AND state = 'running'",
        )
        .and_then(|mut st| st.execute(params![state, error, run_after, finished, id, worker]))
        .map_err(q("finishing a job"))?;
    Ok(n == 1)
}

pub(super) fn release(conn: &Connection, worker: &str) -> Result<usize, ErrorKind> {
    conn.prepare_cached(
        "UPDATE jobs SET state = 'queued', lease_owner = NULL, lease_until = NULL,
                attempts = MAX(attempts - 1, 0)
         WHERE lease_owner = ?1 AND state = 'running'",
    )
    .and_then(|mut st| st.execute([worker]))
    .map_err(q("releasing jobs"))
}

pub(super) fn counts(conn: &Connection) -> Result<JobCounts, ErrorKind> {
    let op = "counting jobs";
    let rows = conn
        .prepare_cached("SELECT state, COUNT(*) FROM jobs GROUP BY state")
        .and_then(|mut st| {
            st.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?
                .collect::<rusqlite::Result<Vec<_>>>()
        })
        .map_err(q(op))?;
    let mut c = JobCounts::default();
    for (state, n) in rows {
        let n = u64::try_from(n).unwrap_or(0);
        match state.as_str() {
            "queued" => c.queued = n,
            "running" => c.running = n,
            "done" => c.done = n,
            _ => c.failed += n,
        }
    }
    Ok(c)
}

pub(super) fn last_seq(conn: &Connection) -> Result<i64, ErrorKind> {
    conn.query_row("SELECT COALESCE(MAX(seq), 0) FROM articles", [], |r| {
        r.get(0)
    })
    .map_err(q("reading the latest article"))
}

pub(super) fn committed_after(
    conn: &Connection,
    seq: i64,
    n: usize,
) -> Result<Vec<Committed>, ErrorKind> {
    let op = "listing committed articles";
    let rows: Vec<(i64, String)> = conn
        .prepare_cached("SELECT seq, id FROM articles WHERE seq > ?1 ORDER BY seq LIMIT ?2")
        .and_then(|mut st| {
            st.query_map(params![seq, limit(n)], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<rusqlite::Result<Vec<_>>>()
        })
        .map_err(q(op))?;
    let mut out = Vec::with_capacity(rows.len());
    for (seq, id) in rows {
        let id = ArticleId::new(id);
        let Some(article) = articles::get(conn, &id)? else {
            continue;
        };
        out.push(Committed {
            seq,
            article,
            analysis: articles::analysis(conn, &id)?.map(|a| a.json),
            story: stories::story_of(conn, &id)?,
            terms: copies::terms(conn, &id)?,
        });
    }
    Ok(out)
}
