//! Watches, the delivery outbox and the alert cursor on SQLite. Claims run in one IMMEDIATE
//! transaction (see `jobs`), so two deliverers, in threads or processes, never take the same
//! delivery from overlapping claims.

use super::{from_ts, from_ts_opt, limit, q, ts};
use crate::error::ErrorKind;
use crate::jobs::lease_micros;
use crate::watches::{
    Delivery, DeliveryOutcome, DeliveryStatus, NewDelivery, NewWatch, Watch, WatchKind,
};
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension, Row};
use std::time::Duration;

const W_COLUMNS: &str = "id, kind, value, webhook, secret, after_seq, created";

type RawWatch = (i64, String, String, String, String, i64, i64);

fn raw_watch(r: &Row<'_>) -> rusqlite::Result<RawWatch> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
    ))
}

fn watch(
    (id, kind, value, webhook, secret, after_seq, created): RawWatch,
) -> Result<Watch, ErrorKind> {
    Ok(Watch {
        id,
        kind: WatchKind::parse(&kind).ok_or_else(|| ErrorKind::BadValue {
            column: "watches.kind",
            detail: kind.clone(),
        })?,
        value,
        webhook,
        secret,
        after_seq,
        created: from_ts("watches.created", created)?,
    })
}

pub(super) fn add(conn: &Connection, w: &NewWatch, now: DateTime<Utc>) -> Result<Watch, ErrorKind> {
    let op = "adding a watch";
    // `after_seq` is read in the same transaction as the insert, so an article is either
    // before the watch (not matched) or after it (matched), never both or neither.
    let row = conn
        .prepare_cached(&format!(
            "INSERT INTO watches (kind, value, webhook, secret, after_seq, created)
             VALUES (?1, ?2, ?3, ?4, (SELECT COALESCE(MAX(seq), 0) FROM articles), ?5)
             RETURNING {W_COLUMNS}"
        ))
        .and_then(|mut st| {
            st.query_row(
                params![w.kind.as_str(), w.value, w.webhook, w.secret, ts(now)],
                raw_watch,
            )
        })
        .map_err(q(op))?;
    watch(row)
}

pub(super) fn remove(conn: &Connection, id: i64) -> Result<bool, ErrorKind> {
    let n = conn
        .execute("DELETE FROM watches WHERE id = ?1", [id])
        .map_err(q("removing a watch"))?;
    Ok(n == 1)
}

pub(super) fn get(conn: &Connection, id: i64) -> Result<Option<Watch>, ErrorKind> {
    let op = "reading a watch";
    conn.prepare_cached(&format!("SELECT {W_COLUMNS} FROM watches WHERE id = ?1"))
        .and_then(|mut st| st.query_row([id], raw_watch).optional())
        .map_err(q(op))?
        .map(watch)
        .transpose()
}

pub(super) fn all(conn: &Connection) -> Result<Vec<Watch>, ErrorKind> {
    let op = "listing watches";
    conn.prepare_cached(&format!("SELECT {W_COLUMNS} FROM watches ORDER BY id"))
        .and_then(|mut st| {
            st.query_map([], raw_watch)?
                .collect::<rusqlite::Result<Vec<_>>>()
        })
        .map_err(q(op))?
        .into_iter()
        .map(watch)
        .collect()
}

pub(super) fn enqueue(
    conn: &Connection,
    list: &[NewDelivery],
    now: DateTime<Utc>,
) -> Result<usize, ErrorKind> {
    let op = "enqueueing deliveries";
    // Through a SELECT on the watch, so a watch removed while its matches were being
    // enqueued drops them instead of failing the batch on the foreign key.
    let mut st = conn
        .prepare_cached(
            "INSERT INTO deliveries (watch_id, key, payload, status, attempts, next_attempt,
                                     created)
             SELECT id, ?2, ?3, 'pending', 0, ?4, ?4 FROM watches WHERE id = ?1
             ON CONFLICT (watch_id, key) DO NOTHING",
        )
        .map_err(q(op))?;
    let mut added = 0;
    for d in list {
        added += st
            .execute(params![d.watch, d.key, d.payload, ts(now)])
            .map_err(q(op))?;
    }
    Ok(added)
}

const D_COLUMNS: &str = "id, watch_id, key, payload, status, attempts, next_attempt, last_error,
                         lease_holder, lease_until, created, finished";

type RawDelivery = (
    i64,
    i64,
    String,
    String,
    String,
    i64,
    i64,
    Option<String>,
    Option<String>,
    Option<i64>,
    i64,
    Option<i64>,
);

fn raw_delivery(r: &Row<'_>) -> rusqlite::Result<RawDelivery> {
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
        r.get(10)?,
        r.get(11)?,
    ))
}

fn delivery(r: RawDelivery) -> Result<Delivery, ErrorKind> {
    let (id, watch, key, payload, status, attempts, next, last_error, holder, until, created, fin) =
        r;
    Ok(Delivery {
        id,
        watch,
        key,
        payload,
        status: DeliveryStatus::parse(&status).ok_or_else(|| ErrorKind::BadValue {
            column: "deliveries.status",
            detail: status.clone(),
        })?,
        attempts: u32::try_from(attempts).unwrap_or(0),
        next_attempt: from_ts("deliveries.next_attempt", next)?,
        last_error,
        lease_holder: holder,
        lease_until: from_ts_opt("deliveries.lease_until", until)?,
        created: from_ts("deliveries.created", created)?,
        finished: from_ts_opt("deliveries.finished", fin)?,
    })
}

pub(super) fn claim(
    conn: &Connection,
    holder: &str,
    n: usize,
    lease: Duration,
    now: DateTime<Utc>,
) -> Result<Vec<Delivery>, ErrorKind> {
    let op = "claiming deliveries";
    let until = ts(now).saturating_add(lease_micros(lease));
    let rows = conn
        .prepare_cached(&format!(
            "UPDATE deliveries SET attempts = attempts + 1, lease_holder = ?1, lease_until = ?2
             WHERE id IN (
                 SELECT id FROM deliveries
                 WHERE status = 'pending' AND next_attempt <= ?3
                   AND (lease_until IS NULL OR lease_until < ?3)
                 ORDER BY next_attempt, id LIMIT ?4)
             RETURNING {D_COLUMNS}"
        ))
        .and_then(|mut st| {
            st.query_map(params![holder, until, ts(now), limit(n)], raw_delivery)?
                .collect::<rusqlite::Result<Vec<_>>>()
        })
        .map_err(q(op))?;
    let mut out = rows
        .into_iter()
        .map(delivery)
        .collect::<Result<Vec<_>, _>>()?;
    out.sort_by_key(|d| (d.next_attempt, d.id));
    Ok(out)
}

pub(super) fn finish(
    conn: &Connection,
    holder: &str,
    id: i64,
    outcome: &DeliveryOutcome,
    now: DateTime<Utc>,
) -> Result<bool, ErrorKind> {
    let (status, error, next) = match outcome {
        DeliveryOutcome::Delivered => ("delivered", None, None),
        DeliveryOutcome::Retry { error, at } => ("pending", Some(error.as_str()), Some(ts(*at))),
        DeliveryOutcome::Failed { error } => ("failed", Some(error.as_str()), None),
    };
    let finished = (status != "pending").then(|| ts(now));
    let n = conn
        .prepare_cached(
            "UPDATE deliveries SET status = ?1, last_error = COALESCE(?2, last_error),
                    next_attempt = COALESCE(?3, next_attempt), finished = ?4,
                    lease_holder = NULL, lease_until = NULL
             WHERE id = ?5 AND lease_holder = ?6 AND status = 'pending'",
        )
        .and_then(|mut st| st.execute(params![status, error, next, finished, id, holder]))
        .map_err(q("finishing a delivery"))?;
    Ok(n == 1)
}

pub(super) fn list(
    conn: &Connection,
    watch: Option<i64>,
    n: usize,
) -> Result<Vec<Delivery>, ErrorKind> {
    let op = "listing deliveries";
    conn.prepare_cached(&format!(
        "SELECT {D_COLUMNS} FROM deliveries WHERE ?1 IS NULL OR watch_id = ?1
         ORDER BY id DESC LIMIT ?2"
    ))
    .and_then(|mut st| {
        st.query_map(params![watch, limit(n)], raw_delivery)?
            .collect::<rusqlite::Result<Vec<_>>>()
    })
    .map_err(q(op))?
    .into_iter()
    .map(delivery)
    .collect()
}

pub(super) fn cursor(conn: &Connection) -> Result<i64, ErrorKind> {
    conn.query_row("SELECT seq FROM alert_cursor WHERE id = 1", [], |r| {
        r.get::<_, i64>(0)
    })
    .optional()
    .map(|v| v.unwrap_or(0))
    .map_err(q("reading the alert cursor"))
}

pub(super) fn advance_cursor(conn: &Connection, seq: i64) -> Result<i64, ErrorKind> {
    // MAX: two scanners racing can only move the cursor forward.
    conn.query_row(
        "INSERT INTO alert_cursor (id, seq) VALUES (1, ?1)
         ON CONFLICT (id) DO UPDATE SET seq = MAX(seq, excluded.seq)
         RETURNING seq",
        [seq],
        |r| r.get(0),
    )
    .map_err(q("advancing the alert cursor"))
}
