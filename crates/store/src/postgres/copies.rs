//! Sightings, near-duplicate copies, and the tracker's per-article terms (as
//! `sqlite::copies`).

use super::articles::{article_from, ids, A_COLUMNS};
use super::{from_ts, from_ts_opt, limit, q, ts};
use crate::error::ErrorKind;
use crate::types::{Sighting, StoredArticle};
use chrono::{DateTime, Utc};
use model::ArticleId;
use postgres::types::Type;
use postgres::GenericClient;

pub(super) fn add_sighting(c: &mut impl GenericClient, s: &Sighting) -> Result<bool, ErrorKind> {
    let key = s.url.as_deref().or(s.source.as_deref()).unwrap_or("");
    let added = c
        .query_typed(
            "INSERT INTO sightings (article_id, key, url, source, published, seen)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (article_id, key) DO NOTHING RETURNING 1",
            &[
                (&s.article.as_str(), Type::TEXT),
                (&key, Type::TEXT),
                (&s.url, Type::TEXT),
                (&s.source, Type::TEXT),
                (&s.published.map(ts), Type::INT8),
                (&ts(s.seen), Type::INT8),
            ],
        )
        .map_err(q("recording a sighting"))?;
    Ok(!added.is_empty())
}

pub(super) fn sightings(
    c: &mut impl GenericClient,
    id: &ArticleId,
) -> Result<Vec<Sighting>, ErrorKind> {
    let op = "listing sightings";
    let rows = c
        .query(
            "SELECT url, source, published, seen FROM sightings WHERE article_id = $1
             ORDER BY seen, seq",
            &[&id.as_str()],
        )
        .map_err(q(op))?;
    rows.iter()
        .map(|r| {
            let published: Option<i64> = r.try_get(2).map_err(q(op))?;
            let seen: i64 = r.try_get(3).map_err(q(op))?;
            Ok(Sighting {
                article: id.clone(),
                url: r.try_get(0).map_err(q(op))?,
                source: r.try_get(1).map_err(q(op))?,
                published: from_ts_opt("sightings.published", published)?,
                seen: from_ts("sightings.seen", seen)?,
            })
        })
        .collect()
}

pub(super) fn copies_of(
    c: &mut impl GenericClient,
    id: &ArticleId,
) -> Result<Vec<ArticleId>, ErrorKind> {
    let op = "listing copies";
    let rows = c
        .query(
            "SELECT id FROM articles WHERE copy_of = $1 ORDER BY fetched, seq",
            &[&id.as_str()],
        )
        .map_err(q(op))?;
    ids(&rows, op)
}

pub(super) fn articles_since(
    c: &mut impl GenericClient,
    since: DateTime<Utc>,
    n: usize,
) -> Result<Vec<StoredArticle>, ErrorKind> {
    let sql = format!(
        "SELECT {A_COLUMNS} FROM articles a WHERE a.fetched >= $1 ORDER BY a.fetched, a.seq LIMIT $2"
    );
    c.query(sql.as_str(), &[&ts(since), &limit(n)])
        .map_err(q("listing recent articles"))?
        .iter()
        .map(article_from)
        .collect()
}

pub(super) fn put_terms(
    c: &mut impl GenericClient,
    id: &ArticleId,
    terms: &[u8],
) -> Result<(), ErrorKind> {
    c.query_typed(
        "INSERT INTO article_terms (article_id, terms) VALUES ($1, $2)
         ON CONFLICT (article_id) DO UPDATE SET terms = excluded.terms",
        &[(&id.as_str(), Type::TEXT), (&terms, Type::BYTEA)],
    )
    .map_err(q("storing article terms"))?;
    Ok(())
}

pub(super) fn terms(
    c: &mut impl GenericClient,
    id: &ArticleId,
) -> Result<Option<Vec<u8>>, ErrorKind> {
    c.query_opt(
        "SELECT terms FROM article_terms WHERE article_id = $1",
        &[&id.as_str()],
    )
    .and_then(|r| r.map(|r| r.try_get::<_, Vec<u8>>(0)).transpose())
    .map_err(q("reading article terms"))
}
