//! Feeds, their health, and the fetch history (as `sqlite::feeds`).

use super::{from_ts, from_ts_opt, limit, q, ts};
use crate::error::ErrorKind;
use crate::types::{FeedHealth, FeedKind, FeedRecord, FetchOutcome, FetchRecord, NewFeed};
use chrono::{DateTime, Utc};
use model::FeedId;
use postgres::types::ToSql;
use postgres::{GenericClient, Row};

const COLUMNS: &str = "url, title, kind, etag, last_modified, added, last_success, last_error, \
                       last_error_at, consecutive_failures, next_poll";

fn record(r: &Row) -> Result<FeedRecord, ErrorKind> {
    let get = |r: &Row| -> Result<_, postgres::Error> {
        Ok((
            r.try_get::<_, String>(0)?,
            r.try_get::<_, Option<String>>(1)?,
            r.try_get::<_, String>(2)?,
            r.try_get::<_, Option<String>>(3)?,
            r.try_get::<_, Option<String>>(4)?,
            r.try_get::<_, i64>(5)?,
            r.try_get::<_, Option<i64>>(6)?,
            r.try_get::<_, Option<String>>(7)?,
            r.try_get::<_, Option<i64>>(8)?,
            r.try_get::<_, i32>(9)?,
            r.try_get::<_, Option<i64>>(10)?,
        ))
    };
    let (url, title, kind, etag, last_modified, added, success, error, error_at, failures, next) =
        get(r).map_err(q("reading a feed row"))?;
    let kind = FeedKind::parse(&kind).ok_or_else(|| ErrorKind::BadValue {
        column: "feeds.kind",
        detail: kind.clone(),
    })?;
    Ok(FeedRecord {
        id: FeedId::new(url.clone()),
        url,
        title,
        kind,
        etag,
        last_modified,
        added: from_ts("feeds.added", added)?,
        health: FeedHealth {
            last_success: from_ts_opt("feeds.last_success", success)?,
            last_error: error,
            last_error_at: from_ts_opt("feeds.last_error_at", error_at)?,
            consecutive_failures: u32::try_from(failures).unwrap_or(0),
            next_poll: from_ts_opt("feeds.next_poll", next)?,
        },
    })
}

fn query(
    c: &mut impl GenericClient,
    op: &'static str,
    sql: &str,
    params: &[&(dyn ToSql + Sync)],
) -> Result<Vec<FeedRecord>, ErrorKind> {
    c.query(sql, params)
        .map_err(q(op))?
        .iter()
        .map(record)
        .collect()
}

pub(super) fn add(
    c: &mut impl GenericClient,
    feed: &NewFeed,
    now: DateTime<Utc>,
) -> Result<bool, ErrorKind> {
    let n = c
        .execute(
            "INSERT INTO feeds (url, title, kind, added) VALUES ($1, $2, $3, $4)
             ON CONFLICT (url) DO NOTHING",
            &[&feed.url, &feed.title, &feed.kind.as_str(), &ts(now)],
        )
        .map_err(q("adding a feed"))?;
    Ok(n == 1)
}

pub(super) fn remove(c: &mut impl GenericClient, id: &FeedId) -> Result<bool, ErrorKind> {
    let n = c
        .execute("DELETE FROM feeds WHERE url = $1", &[&id.as_str()])
        .map_err(q("removing a feed"))?;
    Ok(n == 1)
}

pub(super) fn get(
    c: &mut impl GenericClient,
    id: &FeedId,
) -> Result<Option<FeedRecord>, ErrorKind> {
    let sql = format!("SELECT {COLUMNS} FROM feeds WHERE url = $1");
    Ok(query(c, "reading a feed", &sql, &[&id.as_str()])?.pop())
}

pub(super) fn all(c: &mut postgres::Client) -> Result<Vec<FeedRecord>, ErrorKind> {
    let sql = format!("SELECT {COLUMNS} FROM feeds ORDER BY id");
    query(c, "listing feeds", &sql, &[])
}

pub(super) fn due(
    c: &mut impl GenericClient,
    now: DateTime<Utc>,
    n: usize,
) -> Result<Vec<FeedRecord>, ErrorKind> {
    let sql = format!(
        "SELECT {COLUMNS} FROM feeds WHERE next_poll IS NULL OR next_poll <= $1
         ORDER BY COALESCE(next_poll, 0), id LIMIT $2"
    );
    query(c, "listing due feeds", &sql, &[&ts(now), &limit(n)])
}

pub(super) fn feed_key(c: &mut impl GenericClient, id: &FeedId) -> Result<i64, ErrorKind> {
    c.query_opt("SELECT id FROM feeds WHERE url = $1", &[&id.as_str()])
        .and_then(|r| r.map(|r| r.try_get(0)).transpose())
        .map_err(q("finding a feed"))?
        .ok_or_else(|| ErrorKind::NotFound {
            what: "feed",
            id: id.to_string(),
        })
}

/// The outcome as stored: its name, and the message of a failure.
pub(super) fn outcome_columns(o: &FetchOutcome) -> (&'static str, Option<&str>) {
    match o {
        FetchOutcome::Fetched => ("fetched", None),
        FetchOutcome::NotModified => ("not_modified", None),
        FetchOutcome::Failed(e) => ("failed", Some(e.as_str())),
    }
}

/// Appends one row to the history, without touching the feed's health.
pub(super) fn insert_fetch(
    c: &mut impl GenericClient,
    key: i64,
    f: &FetchRecord,
) -> Result<(), ErrorKind> {
    let (outcome, error) = outcome_columns(&f.outcome);
    c.execute(
        "INSERT INTO fetches (feed_id, at, outcome, error, http_status, duration_ms, items,
                              new_articles, etag, last_modified, next_poll)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        &[
            &key,
            &ts(f.at),
            &outcome,
            &error,
            &f.http_status.map(i32::from),
            &i64::try_from(f.duration_ms).unwrap_or(i64::MAX),
            &i64::from(f.items),
            &i64::from(f.new_articles),
            &f.etag,
            &f.last_modified,
            &ts(f.next_poll),
        ],
    )
    .map_err(q("recording a fetch"))?;
    Ok(())
}

pub(super) fn record_fetch(
    c: &mut impl GenericClient,
    id: &FeedId,
    f: &FetchRecord,
) -> Result<(), ErrorKind> {
    // FOR UPDATE: two workers recording fetches of one feed serialize on its row, so the
    // failure count is not lost to a race.
    let key: i64 = c
        .query_opt(
            "SELECT id FROM feeds WHERE url = $1 FOR UPDATE",
            &[&id.as_str()],
        )
        .and_then(|r| r.map(|r| r.try_get(0)).transpose())
        .map_err(q("finding a feed"))?
        .ok_or_else(|| ErrorKind::NotFound {
            what: "feed",
            id: id.to_string(),
        })?;
    insert_fetch(c, key, f)?;
    match outcome_columns(&f.outcome).1 {
        Some(error) => c.execute(
            "UPDATE feeds SET last_error = $2, last_error_at = $3,
                 consecutive_failures = consecutive_failures + 1, next_poll = $4
             WHERE id = $1",
            &[&key, &error, &ts(f.at), &ts(f.next_poll)],
        ),
        // As in SQLite: a success keeps the last error for the record, and validators the
        // response did not carry keep their stored values.
        None => c.execute(
            "UPDATE feeds SET last_success = $2, consecutive_failures = 0, next_poll = $3,
                 etag = COALESCE($4, etag), last_modified = COALESCE($5, last_modified)
             WHERE id = $1",
            &[&key, &ts(f.at), &ts(f.next_poll), &f.etag, &f.last_modified],
        ),
    }
    .map_err(q("updating feed health"))?;
    Ok(())
}

pub(super) fn history(
    c: &mut impl GenericClient,
    id: &FeedId,
    n: usize,
) -> Result<Vec<FetchRecord>, ErrorKind> {
    let key = feed_key(c, id)?;
    let op = "reading fetch history";
    let rows = c
        .query(
            "SELECT at, outcome, error, http_status, duration_ms, items, new_articles, etag,
                    last_modified, next_poll
             FROM fetches WHERE feed_id = $1 ORDER BY at DESC, id DESC LIMIT $2",
            &[&key, &limit(n)],
        )
        .map_err(q(op))?;
    rows.iter()
        .map(|r| {
            let get = |r: &Row| -> Result<_, postgres::Error> {
                Ok((
                    r.try_get::<_, i64>(0)?,
                    r.try_get::<_, String>(1)?,
                    r.try_get::<_, Option<String>>(2)?,
                    r.try_get::<_, Option<i32>>(3)?,
                    r.try_get::<_, i64>(4)?,
                    r.try_get::<_, i64>(5)?,
                    r.try_get::<_, i64>(6)?,
                    r.try_get::<_, Option<String>>(7)?,
                    r.try_get::<_, Option<String>>(8)?,
                    r.try_get::<_, i64>(9)?,
                ))
            };
            let (at, outcome, error, status, dur, items, new_articles, etag, lm, next) =
                get(r).map_err(q(op))?;
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
            let bad = |column: &'static str, v: i64| ErrorKind::BadValue {
                column,
                detail: format!("{v} is out of range"),
            };
            Ok(FetchRecord {
                at: from_ts("fetches.at", at)?,
                outcome,
                http_status: status
                    .map(|s| u16::try_from(s).map_err(|_| bad("fetches.http_status", s.into())))
                    .transpose()?,
                duration_ms: u64::try_from(dur).unwrap_or(0),
                items: u32::try_from(items).map_err(|_| bad("fetches.items", items))?,
                new_articles: u32::try_from(new_articles)
                    .map_err(|_| bad("fetches.new_articles", new_articles))?,
                etag,
                last_modified: lm,
                next_poll: from_ts("fetches.next_poll", next)?,
            })
        })
        .collect()
}
