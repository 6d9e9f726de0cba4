//! Feeds, their health, and the fetch history.

use super::{from_ts, from_ts_opt, limit, q, ts};
use crate::error::ErrorKind;
use crate::types::{FeedHealth, FeedKind, FeedRecord, FetchOutcome, FetchRecord, NewFeed};
use chrono::{DateTime, Utc};
use model::FeedId;
use rusqlite::{params, Connection, OptionalExtension, Row};

const COLUMNS: &str = "url, title, kind, etag, last_modified, added, last_success, last_error, \
                       last_error_at, consecutive_failures, next_poll";

/// A row as SQLite gives it, before the checks that can fail.
struct Raw {
    url: String,
    title: Option<String>,
    kind: String,
    etag: Option<String>,
    last_modified: Option<String>,
    added: i64,
    last_success: Option<i64>,
    last_error: Option<String>,
    last_error_at: Option<i64>,
    consecutive_failures: i64,
    next_poll: Option<i64>,
}

fn raw(r: &Row<'_>) -> rusqlite::Result<Raw> {
    Ok(Raw {
        url: r.get(0)?,
        title: r.get(1)?,
        kind: r.get(2)?,
        etag: r.get(3)?,
        last_modified: r.get(4)?,
        added: r.get(5)?,
        last_success: r.get(6)?,
        last_error: r.get(7)?,
        last_error_at: r.get(8)?,
        consecutive_failures: r.get(9)?,
        next_poll: r.get(10)?,
    })
}

fn record(r: Raw) -> Result<FeedRecord, ErrorKind> {
    let kind = FeedKind::parse(&r.kind).ok_or_else(|| ErrorKind::BadValue {
        column: "feeds.kind",
        detail: r.kind.clone(),
    })?;
    Ok(FeedRecord {
        id: FeedId::new(r.url.clone()),
        url: r.url,
        title: r.title,
        kind,
        etag: r.etag,
        last_modified: r.last_modified,
        added: from_ts("feeds.added", r.added)?,
        health: FeedHealth {
            last_success: from_ts_opt("feeds.last_success", r.last_success)?,
            last_error: r.last_error,
            last_error_at: from_ts_opt("feeds.last_error_at", r.last_error_at)?,
            consecutive_failures: u32::try_from(r.consecutive_failures).unwrap_or(u32::MAX),
            next_poll: from_ts_opt("feeds.next_poll", r.next_poll)?,
        },
    })
}

fn query(
    conn: &Connection,
    op: &'static str,
    sql: &str,
    params: impl rusqlite::Params,
) -> Result<Vec<FeedRecord>, ErrorKind> {
    let mut stmt = conn.prepare_cached(sql).map_err(q(op))?;
    let raws = stmt
        .query_map(params, raw)
        .map_err(q(op))?
        .collect::<rusqlite::Result<Vec<_>>>()
        .map_err(q(op))?;
    raws.into_iter().map(record).collect()
}

pub(super) fn add(
    conn: &Connection,
    feed: &NewFeed,
    now: DateTime<Utc>,
) -> Result<bool, ErrorKind> {
    let n = conn
        .execute(
            "INSERT INTO feeds (url, title, kind, added) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (url) DO NOTHING",
            params![feed.url, feed.title, feed.kind.as_str(), ts(now)],
        )
        .map_err(q("adding a feed"))?;
    Ok(n == 1)
}

pub(super) fn remove(conn: &Connection, id: &FeedId) -> Result<bool, ErrorKind> {
    let n = conn
        .execute("DELETE FROM feeds WHERE url = ?1", [id.as_str()])
        .map_err(q("removing a feed"))?;
    Ok(n == 1)
}

pub(super) fn get(conn: &Connection, id: &FeedId) -> Result<Option<FeedRecord>, ErrorKind> {
    let sql = format!("SELECT {COLUMNS} FROM feeds WHERE url = ?1");
    Ok(query(conn, "reading a feed", &sql, [id.as_str()])?.pop())
}

pub(super) fn all(conn: &Connection) -> Result<Vec<FeedRecord>, ErrorKind> {
    let sql = format!("SELECT {COLUMNS} FROM feeds ORDER BY id");
    query(conn, "listing feeds", &sql, [])
}

pub(super) fn due(
    conn: &Connection,
    now: DateTime<Utc>,
    n: usize,
) -> Result<Vec<FeedRecord>, ErrorKind> {
    let sql = format!(
        "SELECT {COLUMNS} FROM feeds WHERE next_poll IS NULL OR next_poll <= ?1
         ORDER BY COALESCE(next_poll, 0), id LIMIT ?2"
    );
    query(conn, "listing due feeds", &sql, params![ts(now), limit(n)])
}

fn feed_key(conn: &Connection, id: &FeedId) -> Result<i64, ErrorKind> {
    conn.query_row("SELECT id FROM feeds WHERE url = ?1", [id.as_str()], |r| {
        r.get(0)
    })
    .optional()
    .map_err(q("finding a feed"))?
    .ok_or_else(|| ErrorKind::NotFound {
        what: "feed",
        id: id.to_string(),
    })
}

pub(super) fn record_fetch(
    conn: &Connection,
    id: &FeedId,
    f: &FetchRecord,
) -> Result<(), ErrorKind> {
    let key = feed_key(conn, id)?;
    let (outcome, error) = match &f.outcome {
        FetchOutcome::Fetched => ("fetched", None),
        FetchOutcome::NotModified => ("not_modified", None),
        FetchOutcome::Failed(e) => ("failed", Some(e.as_str())),
    };
    conn.execute(
        "INSERT INTO fetches (feed_id, at, outcome, error, http_status, duration_ms, items,
                              new_articles, etag, last_modified, next_poll)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        params![
            key,
            ts(f.at),
            outcome,
            error,
            f.http_status,
            i64::try_from(f.duration_ms).unwrap_or(i64::MAX),
            f.items,
            f.new_articles,
            f.etag,
            f.last_modified,
            ts(f.next_poll)
        ],
    )
    .map_err(q("recording a fetch"))?;
    match error {
        Some(error) => conn.execute(
            "UPDATE feeds SET last_error = ?2, last_error_at = ?3,
                 consecutive_failures = consecutive_failures + 1, next_poll = ?4
             WHERE id = ?1",
            params![key, error, ts(f.at), ts(f.next_poll)],
        ),
        // A success keeps the last error for the record; the zero failure count says it
        // is over. Validators the response did not carry keep their stored values.
        None => conn.execute(
            "UPDATE feeds SET last_success = ?2, consecutive_failures = 0, next_poll = ?3,
                 etag = COALESCE(?4, etag), last_modified = COALESCE(?5, last_modified)
             WHERE id = ?1",
            params![key, ts(f.at), ts(f.next_poll), f.etag, f.last_modified],
        ),
    }
    .map_err(q("updating feed health"))?;
    Ok(())
}

pub(super) fn history(
    conn: &Connection,
    id: &FeedId,
    n: usize,
) -> Result<Vec<FetchRecord>, ErrorKind> {
    let key = feed_key(conn, id)?;
    let op = "reading fetch history";
    let mut stmt = conn
        .prepare_cached(
            "SELECT at, outcome, error, http_status, duration_ms, items, new_articles, etag,
                    last_modified, next_poll
             FROM fetches WHERE feed_id = ?1 ORDER BY at DESC, id DESC LIMIT ?2",
        )
        .map_err(q(op))?;
    type RawFetch = (
        i64,
        String,
        Option<String>,
        Option<u16>,
        i64,
        u32,
        u32,
        Option<String>,
        Option<String>,
        i64,
    );
    let rows = stmt
        .query_map(params![key, limit(n)], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
                r.get(7)?,
                r.get(8)?,
                r.get(9)?,
            ))
        })
        .map_err(q(op))?
        .collect::<rusqlite::Result<Vec<RawFetch>>>()
        .map_err(q(op))?;
    rows.into_iter()
        .map(
            |(at, outcome, error, http_status, dur, items, new_articles, etag, lm, next)| {
                let outcome = match (outcome.as_str(), error) {
                    ("fetched", _) => FetchOutcome::Fetched,
                    ("not_modified", _) => FetchOutcome::NotModified,
                    ("failed", e) => FetchOutcome::Failed(e.unwrap_or_default()),
                    (other, _) => {
                        return Err(ErrorKind::BadValue {
                            column: "fetches.outcome",
                            detail: other.to_string(),
                        })
                    }
                };
                Ok(FetchRecord {
                    at: from_ts("fetches.at", at)?,
                    outcome,
                    http_status,
                    duration_ms: u64::try_from(dur).unwrap_or(0),
                    items,
                    new_articles,
                    etag,
                    last_modified: lm,
                    next_poll: from_ts("fetches.next_poll", next)?,
                })
            },
        )
        .collect()
}
