//! Following commits on PostgreSQL (see [`crate::follow`]): announcements on the commit lock's
//! connection, a waiter that LISTENs on a connection of its own and comes back after the
//! server went away, and sightings in storage order.

use super::{connect, from_ts, from_ts_opt, limit, q, PgError};
use crate::error::{ErrorKind, Result, StoreError};
use crate::follow::{CommitWaiter, SightingRecord, NOTIFY_CHANNEL};
use crate::types::Sighting;
use model::ArticleId;
use postgres::fallible_iterator::FallibleIterator;
use postgres::{Client, Config, GenericClient};
use std::time::{Duration, Instant};

/// Announces that what was committed so far is complete. Outside a transaction block the
/// notification is delivered at once; listeners in other schemas skip it by its payload.
pub(super) const NOTIFY_SQL: &str =
    "SELECT pg_notify('claimtrail_commits', COALESCE(current_schema()::text, ''))";

/// First pause before reconnecting a waiter whose connection was lost; doubled up to
/// [`MAX_BACKOFF`] while the server stays away.
const FIRST_BACKOFF: Duration = Duration::from_millis(250);
const MAX_BACKOFF: Duration = Duration::from_secs(15);

/// How long a quiet connection goes unchecked: a peer that vanished without closing the
/// socket (a network cut) would otherwise leave the waiter listening to nothing.
const CHECK_QUIET_AFTER: Duration = Duration::from_secs(30);

pub(super) fn last_sighting_seq(c: &mut impl GenericClient) -> Result<i64, ErrorKind> {
    c.query_one("SELECT COALESCE(MAX(seq), 0)::BIGINT FROM sightings", &[])
        .and_then(|r| r.try_get(0))
        .map_err(q("reading the latest sighting"))
}

pub(super) fn sightings_after(
    c: &mut impl GenericClient,
    seq: i64,
    n: usize,
) -> Result<Vec<SightingRecord>, ErrorKind> {
    let op = "listing sightings after a point";
    let rows = c
        .query(
            "SELECT s.seq, s.article_id, s.url, s.source, s.published, s.seen,
                    NOT EXISTS (SELECT 1 FROM sightings e
                                WHERE e.article_id = s.article_id AND e.seq < s.seq)
             FROM sightings s WHERE s.seq > $1 ORDER BY s.seq LIMIT $2",
            &[&seq, &limit(n)],
        )
        .map_err(q(op))?;
    rows.iter()
        .map(|r| {
            let article: String = r.try_get(1).map_err(q(op))?;
            let published: Option<i64> = r.try_get(4).map_err(q(op))?;
            let seen: i64 = r.try_get(5).map_err(q(op))?;
            Ok(SightingRecord {
                seq: r.try_get(0).map_err(q(op))?,
                sighting: Sighting {
                    article: ArticleId::new(article),
                    url: r.try_get(2).map_err(q(op))?,
                    source: r.try_get(3).map_err(q(op))?,
                    published: from_ts_opt("sightings.published", published)?,
                    seen: from_ts("sightings.seen", seen)?,
                },
                first: r.try_get(6).map_err(q(op))?,
            })
        })
        .collect()
}

/// LISTENs on [`NOTIFY_CHANNEL`] on a connection of its own (a pooled one would lose its
/// subscription when it is dropped after an error, and would hold a pool slot forever).
pub struct PgWaiter {
    config: Config,
    schema: Option<String>,
    location: String,
    client: Option<Client>,
    /// The payload that concerns this store: its `current_schema()`.
    ours: String,
    backoff: Duration,
    retry_at: Option<Instant>,
    last_heard: Instant,
}

impl PgWaiter {
    pub(super) fn open(config: Config, schema: Option<String>, location: String) -> Result<Self> {
        let mut w = PgWaiter {
            config,
            schema,
            location,
            client: None,
            ours: String::new(),
            backoff: FIRST_BACKOFF,
            retry_at: None,
            last_heard: Instant::now(),
        };
        w.listen().map_err(|k| StoreError::new(&w.location, k))?;
        Ok(w)
    }

    fn listen(&mut self) -> Result<(), ErrorKind> {
        let mut client = connect(&self.config, self.schema.as_deref())?;
        client
            .batch_execute(&format!("LISTEN {NOTIFY_CHANNEL}"))
            .map_err(q("listening for commits"))?;
        let ours: Option<String> = client
            .query_one("SELECT current_schema()::text", &[])
            .and_then(|r| r.try_get(0))
            .map_err(q("reading the current schema"))?;
        self.ours = ours.unwrap_or_default();
        self.client = Some(client);
        self.last_heard = Instant::now();
        Ok(())
    }

    /// Drops the connection and schedules the next attempt.
    fn lost(&mut self, kind: ErrorKind) -> StoreError {
        self.client = None;
        self.retry_at = Some(Instant::now() + self.backoff);
        self.backoff = (self.backoff * 2).min(MAX_BACKOFF);
        StoreError::new(&self.location, kind)
    }
}

fn gone(detail: &str) -> ErrorKind {
    ErrorKind::Query {
        op: "listening for commits",
        source: detail.to_string().into(),
    }
}

impl CommitWaiter for PgWaiter {
    fn wait(&mut self, timeout: Duration) -> Result<bool> {
        if self.client.is_none() {
            if let Some(at) = self.retry_at {
                let now = Instant::now();
                if at > now {
                    std::thread::sleep((at - now).min(timeout));
                    if Instant::now() < at {
                        return Ok(false);
                    }
                }
            }
            return match self.listen() {
                Ok(()) => {
                    self.backoff = FIRST_BACKOFF;
                    self.retry_at = None;
                    // Announcements made while the connection was down are gone: say
                    // "read now" so the reader catches up from the store.
                    Ok(true)
                }
                Err(k) => Err(self.lost(k)),
            };
        }
        let ours = self.ours.clone();
        let Some(client) = self.client.as_mut() else {
            return Ok(false);
        };
        // `Ok(Some(ours?))`: heard something; `Ok(None)`: quiet, the connection still up.
        let heard: std::result::Result<Option<bool>, ErrorKind> = {
            let mut notes = client.notifications();
            let first = notes.timeout_iter(timeout).next();
            match first {
                Ok(Some(n)) => {
                    let mut concerns_us = n.payload() == ours;
                    // Everything already pending is answered by the same read.
                    let mut pending = notes.iter();
                    while let Ok(Some(n)) = pending.next() {
                        concerns_us |= n.payload() == ours;
                    }
                    Ok(Some(concerns_us))
                }
                Ok(None) => Ok(None),
                Err(e) => Err(q("listening for commits")(e)),
            }
        };
        let heard = match heard {
            Ok(None) if client.is_closed() => Err(gone("the server closed the connection")),
            Ok(None) if self.last_heard.elapsed() >= CHECK_QUIET_AFTER => client
                .is_valid(Duration::from_secs(5))
                .map(|()| Some(false))
                .map_err(|e| gone(&PgError(e).to_string())),
            other => other,
        };
        match heard {
            Ok(Some(concerns_us)) => {
                self.last_heard = Instant::now();
                Ok(concerns_us)
            }
            Ok(None) => Ok(false),
            Err(k) => Err(self.lost(k)),
        }
    }
}
