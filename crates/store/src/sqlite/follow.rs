//! Sightings in storage order, for readers following commits (see [`crate::follow`]). SQLite
//! has no notifications: such readers poll `last_article_seq` and these.
//!
//! The order is the table's `rowid`: sightings are never deleted except with their article,
//! so a new row gets a rowid above every earlier one.

use super::{from_ts, from_ts_opt, limit, q};
use crate::error::ErrorKind;
use crate::follow::SightingRecord;
use crate::types::Sighting;
use model::ArticleId;
use rusqlite::{params, Connection};

pub(super) fn last_sighting_seq(conn: &Connection) -> Result<i64, ErrorKind> {
    conn.query_row("SELECT COALESCE(MAX(rowid), 0) FROM sightings", [], |r| {
        r.get(0)
    })
    .map_err(q("reading the latest sighting"))
}

type Raw = (
    i64,
    String,
    Option<String>,
    Option<String>,
    Option<i64>,
    i64,
    bool,
);

pub(super) fn sightings_after(
    conn: &Connection,
    seq: i64,
    n: usize,
) -> Result<Vec<SightingRecord>, ErrorKind> {
    let op = "listing sightings after a point";
    let rows: Vec<Raw> = conn
        .prepare_cached(
            "SELECT s.rowid, s.article_id, s.url, s.source, s.published, s.seen,
                    NOT EXISTS (SELECT 1 FROM sightings e
                                WHERE e.article_id = s.article_id AND e.rowid < s.rowid)
             FROM sightings s WHERE s.rowid > ?1 ORDER BY s.rowid LIMIT ?2",
        )
        .and_then(|mut st| {
            st.query_map(params![seq, limit(n)], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()
        })
        .map_err(q(op))?;
    rows.into_iter()
        .map(|(seq, article, url, source, published, seen, first)| {
            Ok(SightingRecord {
                seq,
                sighting: Sighting {
                    article: ArticleId::new(article),
                    url,
                    source,
                    published: from_ts_opt("sightings.published", published)?,
                    seen: from_ts("sightings.seen", seen)?,
                },
                first,
            })
        })
        .collect()
}
