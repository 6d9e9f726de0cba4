//! Watches, the delivery outbox and the alert cursor on PostgreSQL (as `sqlite::watches`):
//! claims take rows with `FOR UPDATE SKIP LOCKED`, so deliverers in several processes each
//! get other deliveries and none waits on another's transaction.

use super::{from_ts, from_ts_opt, limit, q, ts};
use crate::error::ErrorKind;
use crate::jobs::lease_micros;
use crate::watches::{
    Delivery, DeliveryOutcome, DeliveryStatus, NewDelivery, NewWatch, Watch, WatchKind,
};
use chrono::{DateTime, Utc};
use postgres::{GenericClient, Row};
use std::time::Duration;

const W_COLUMNS: &str = "id, kind, value, webhook, secret, after_seq, created";

fn watch_from(r: &Row) -> Result<Watch, ErrorKind> {
    let op = "reading a watch";
    let kind: String = r.try_get(1).map_err(q(op))?;
    Ok(Watch {
        id: r.try_get(0).map_err(q(op))?,
        kind: WatchKind::parse(&kind).ok_or_else(|| ErrorKind::BadValue {
            column: "watches.kind",
            detail: kind.clone(),
        })?,
        value: r.try_get(2).map_err(q(op))?,
        webhook: r.try_get(3).map_err(q(op))?,
        secret: r.try_get(4).map_err(q(op))?,
        after_seq: r.try_get(5).map_err(q(op))?,
        created: from_ts("watches.created", r.try_get(6).map_err(q(op))?)?,
    })
}

pub(super) fn add(
    c: &mut impl GenericClient,
    w: &NewWatch,
    now: DateTime<Utc>,
) -> Result<Watch, ErrorKind> {
    // `after_seq` is the latest article committed when the watch is: articles are committed
    // under the commit lock in `seq` order, so one stored later has a higher `seq`.
    let row = c
        .query_one(
            format!(
                "INSERT INTO watches (kind, value, webhook, secret, after_seq, created)
                 VALUES ($1, $2, $3, $4, (SELECT COALESCE(MAX(seq), 0)::BIGINT FROM articles),
                         $5)
                 RETURNING {W_COLUMNS}"
            )
            .as_str(),
            &[&w.kind.as_str(), &w.value, &w.webhook, &w.secret, &ts(now)],
        )
        .map_err(q("adding a watch"))?;
    watch_from(&row)
}

pub(super) fn remove(c: &mut impl GenericClient, id: i64) -> Result<bool, ErrorKind> {
    let n = c
        .execute("DELETE FROM watches WHERE id = $1", &[&id])
        .map_err(q("removing a watch"))?;
    Ok(n == 1)
}

pub(super) fn get(c: &mut impl GenericClient, id: i64) -> Result<Option<Watch>, ErrorKind> {
    c.query_opt(
        format!("SELECT {W_COLUMNS} FROM watches WHERE id = $1").as_str(),
        &[&id],
    )
    .map_err(q("reading a watch"))?
    .as_ref()
    .map(watch_from)
    .transpose()
}

pub(super) fn all(c: &mut impl GenericClient) -> Result<Vec<Watch>, ErrorKind> {
    c.query(
        format!("SELECT {W_COLUMNS} FROM watches ORDER BY id").as_str(),
        &[],
    )
    .map_err(q("listing watches"))?
    .iter()
    .map(watch_from)
    .collect()
}

pub(super) fn enqueue(
    c: &mut impl GenericClient,
    list: &[NewDelivery],
    now: DateTime<Utc>,
) -> Result<usize, ErrorKind> {
    let op = "enqueueing deliveries";
    let st = c
        .prepare(
            "INSERT INTO deliveries (watch_id, key, payload, status, attempts, next_attempt,
                                     created)
             SELECT id, $2, $3, 'pending', 0, $4, $4 FROM watches WHERE id = $1
             ON CONFLICT (watch_id, key) DO NOTHING",
        )
        .map_err(q(op))?;
    let mut added = 0;
    for d in list {
        added += c
            .execute(&st, &[&d.watch, &d.key, &d.payload, &ts(now)])
            .map_err(q(op))?;
    }
    Ok(usize::try_from(added).unwrap_or(usize::MAX))
}

const D_COLUMNS: &str = "id, watch_id, key, payload, status, attempts, next_attempt, last_error,
                         lease_holder, lease_until, created, finished";

fn delivery_from(r: &Row) -> Result<Delivery, ErrorKind> {
    let op = "reading a delivery";
    let status: String = r.try_get(4).map_err(q(op))?;
    let attempts: i32 = r.try_get(5).map_err(q(op))?;
    Ok(Delivery {
        id: r.try_get(0).map_err(q(op))?,
        watch: r.try_get(1).map_err(q(op))?,
        key: r.try_get(2).map_err(q(op))?,
        payload: r.try_get(3).map_err(q(op))?,
        status: DeliveryStatus::parse(&status).ok_or_else(|| ErrorKind::BadValue {
            column: "deliveries.status",
            detail: status.clone(),
        })?,
        attempts: u32::try_from(attempts).unwrap_or(0),
        next_attempt: from_ts("deliveries.next_attempt", r.try_get(6).map_err(q(op))?)?,
        last_error: r.try_get(7).map_err(q(op))?,
        lease_holder: r.try_get(8).map_err(q(op))?,
        lease_until: from_ts_opt("deliveries.lease_until", r.try_get(9).map_err(q(op))?)?,
        created: from_ts("deliveries.created", r.try_get(10).map_err(q(op))?)?,
        finished: from_ts_opt("deliveries.finished", r.try_get(11).map_err(q(op))?)?,
    })
}

pub(super) fn claim(
    c: &mut impl GenericClient,
    holder: &str,
    n: usize,
    lease: Duration,
    now: DateTime<Utc>,
) -> Result<Vec<Delivery>, ErrorKind> {
    let until = ts(now).saturating_add(lease_micros(lease));
    let sql = format!(
        "WITH picked AS (
             SELECT id FROM deliveries
             WHERE status = 'pending' AND next_attempt <= $3
               AND (lease_until IS NULL OR lease_until < $3)
             ORDER BY next_attempt, id LIMIT $4
             FOR UPDATE SKIP LOCKED)
         UPDATE deliveries d SET attempts = d.attempts + 1, lease_holder = $1, lease_until = $2
         FROM picked WHERE d.id = picked.id
         RETURNING {}",
        D_COLUMNS
            .split(',')
            .map(|c| format!("d.{}", c.trim()))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let rows = c
        .query(sql.as_str(), &[&holder, &until, &ts(now), &limit(n)])
        .map_err(q("claiming deliveries"))?;
    let mut out = rows
        .iter()
        .map(delivery_from)
        .collect::<Result<Vec<_>, _>>()?;
    out.sort_by_key(|d| (d.next_attempt, d.id));
    Ok(out)
}

pub(super) fn finish(
    c: &mut impl GenericClient,
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
    let n = c
        .execute(
            "UPDATE deliveries SET status = $1, last_error = COALESCE($2, last_error),
                    next_attempt = COALESCE($3, next_attempt), finished = $4,
                    lease_holder = NULL, lease_until = NULL
             WHERE id = $5 AND lease_holder = $6 AND status = 'pending'",
            &[&status, &error, &next, &finished, &id, &holder],
        )
        .map_err(q("finishing a delivery"))?;
    Ok(n == 1)
}

pub(super) fn list(
    c: &mut impl GenericClient,
    watch: Option<i64>,
    n: usize,
) -> Result<Vec<Delivery>, ErrorKind> {
    c.query(
        format!(
            "SELECT {D_COLUMNS} FROM deliveries WHERE $1::BIGINT IS NULL OR watch_id = $1
             ORDER BY id DESC LIMIT $2"
        )
        .as_str(),
        &[&watch, &limit(n)],
    )
    .map_err(q("listing deliveries"))?
    .iter()
    .map(delivery_from)
    .collect()
}

pub(super) fn cursor(c: &mut impl GenericClient) -> Result<i64, ErrorKind> {
    c.query_opt("SELECT seq FROM alert_cursor WHERE id = 1", &[])
        .map_err(q("reading the alert cursor"))?
        .map(|r| r.try_get::<_, i64>(0))
        .transpose()
        .map(|v| v.unwrap_or(0))
        .map_err(q("reading the alert cursor"))
}

pub(super) fn advance_cursor(c: &mut impl GenericClient, seq: i64) -> Result<i64, ErrorKind> {
    // GREATEST: two scanners racing can only move the cursor forward.
    c.query_one(
        "INSERT INTO alert_cursor (id, seq) VALUES (1, $1)
         ON CONFLICT (id) DO UPDATE SET seq = GREATEST(alert_cursor.seq, excluded.seq)
         RETURNING seq",
        &[&seq],
    )
    .and_then(|r| r.try_get(0))
    .map_err(q("advancing the alert cursor"))
}
