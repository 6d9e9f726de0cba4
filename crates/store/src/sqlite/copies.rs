//! Sightings (which outlets carried an article), near-duplicate copies, and the tracker's
//! per-article terms: what a restarted tracker and a story page need beyond the articles.

use super::{articles, from_ts, from_ts_opt, limit, q, ts};
use crate::error::ErrorKind;
use crate::types::{Sighting, StoredArticle};
use chrono::{DateTime, Utc};
use model::ArticleId;
use rusqlite::{params, Connection, OptionalExtension};

pub(super) fn add_sighting(conn: &Connection, s: &Sighting) -> Result<bool, ErrorKind> {
    let key = s.url.as_deref().or(s.source.as_deref()).unwrap_or("");
    let n = conn
        .prepare_cached(
            "INSERT INTO sightings (article_id, key, url, source, published, seen)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (article_id, key) DO NOTHING",
        )
        .and_then(|mut st| {
            st.execute(params![
                s.article.as_str(),
                key,
                s.url,
                s.source,
                s.published.map(ts),
                ts(s.seen)
            ])
        })
        .map_err(q("recording a sighting"))?;
    Ok(n > 0)
}

type RawSighting = (Option<String>, Option<String>, Option<i64>, i64);

pub(super) fn sightings(conn: &Connection, id: &ArticleId) -> Result<Vec<Sighting>, ErrorKind> {
    let op = "listing sightings";
    let mut stmt = conn
        .prepare_cached(
            "SELECT url, source, published, seen FROM sightings WHERE article_id = ?1
             ORDER BY seen, rowid",
        )
        .map_err(q(op))?;
    let rows: Vec<RawSighting> = stmt
        .query_map([id.as_str()], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })
        .map_err(q(op))?
        .collect::<rusqlite::Result<Vec<_>>>()
        .map_err(q(op))?;
    rows.into_iter()
        .map(|(url, source, published, seen)| {
            Ok(Sighting {
                article: id.clone(),
                url,
                source,
                published: from_ts_opt("sightings.published", published)?,
                seen: from_ts("sightings.seen", seen)?,
            })
        })
        .collect()
}

pub(super) fn copies_of(conn: &Connection, id: &ArticleId) -> Result<Vec<ArticleId>, ErrorKind> {
    let op = "listing copies";
    let mut stmt = conn
        .prepare_cached("SELECT id FROM articles WHERE copy_of = ?1 ORDER BY fetched, seq")
        .map_err(q(op))?;
    let ids = stmt
        .query_map([id.as_str()], |r| r.get::<_, String>(0).map(ArticleId::new))
        .map_err(q(op))?
        .collect::<rusqlite::Result<Vec<_>>>()
        .map_err(q(op))?;
    Ok(ids)
}

pub(super) fn articles_since(
    conn: &Connection,
    since: DateTime<Utc>,
    n: usize,
) -> Result<Vec<StoredArticle>, ErrorKind> {
    let op = "listing recent articles";
    let ids: Vec<String> = conn
        .prepare_cached(
            "SELECT id FROM articles WHERE fetched >= ?1 ORDER BY fetched, seq LIMIT ?2",
        )
        .and_then(|mut st| {
            st.query_map(params![ts(since), limit(n)], |r| r.get::<_, String>(0))?
                .collect::<rusqlite::Result<Vec<_>>>()
        })
        .map_err(q(op))?;
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(a) = articles::get(conn, &ArticleId::new(id))? {
            out.push(a);
        }
    }
    Ok(out)
}

pub(super) fn put_terms(conn: &Connection, id: &ArticleId, terms: &[u8]) -> Result<(), ErrorKind> {
    conn.prepare_cached(
        "INSERT INTO article_terms (article_id, terms) VALUES (?1, ?2)
         ON CONFLICT (article_id) DO UPDATE SET terms = excluded.terms",
    )
    .and_then(|mut st| st.execute(params![id.as_str(), terms]))
    .map_err(q("storing article terms"))?;
    Ok(())
}

pub(super) fn terms(conn: &Connection, id: &ArticleId) -> Result<Option<Vec<u8>>, ErrorKind> {
    conn.prepare_cached("SELECT terms FROM article_terms WHERE article_id = ?1")
        .and_then(|mut st| st.query_row([id.as_str()], |r| r.get(0)).optional())
        .map_err(q("reading article terms"))
}
