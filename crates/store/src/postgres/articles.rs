//! Articles (idempotent insert), full-text search over them, and their analyses (as
//! `sqlite::articles`).

use super::{from_ts, from_ts_opt, limit, q, ts};
use crate::error::ErrorKind;
use crate::sqlite::articles::hash_key;
use crate::types::{Analysis, Inserted, SearchHit, StoredArticle};
use chrono::{DateTime, Utc};
use model::{Article, ArticleId, ContentHash};
use postgres::types::Type;
use postgres::{GenericClient, Row};

/// The columns `article_from` reads, in its order.
pub(super) const COLUMNS: &str = "id, url, canonical_url, content_hash, title, byline, \
                                  published, site_name, language, source, text, fetched, copy_of";

/// The same as [`COLUMNS`] with an `a.` prefix, for joins.
pub(super) const A_COLUMNS: &str = "a.id, a.url, a.canonical_url, a.content_hash, a.title, \
                                    a.byline, a.published, a.site_name, a.language, a.source, \
                                    a.text, a.fetched, a.copy_of";

pub(super) fn article_from(r: &Row) -> Result<StoredArticle, ErrorKind> {
    let op = "reading an article";
    let get = |r: &Row| -> Result<_, postgres::Error> {
        Ok((
            (
                r.try_get::<_, String>(0)?,
                r.try_get::<_, Option<String>>(1)?,
                r.try_get::<_, Option<String>>(2)?,
                r.try_get::<_, String>(3)?,
                r.try_get::<_, Option<String>>(4)?,
                r.try_get::<_, Option<String>>(5)?,
                r.try_get::<_, Option<i64>>(6)?,
            ),
            (
                r.try_get::<_, Option<String>>(7)?,
                r.try_get::<_, Option<String>>(8)?,
                r.try_get::<_, Option<String>>(9)?,
                r.try_get::<_, String>(10)?,
                r.try_get::<_, i64>(11)?,
                r.try_get::<_, Option<String>>(12)?,
            ),
        ))
    };
    let (
        (id, url, canonical_url, hash, title, byline, published),
        (site_name, language, source, text, fetched, copy_of),
    ) = get(r).map_err(q(op))?;
    Ok(StoredArticle {
        article: Article {
            id: ArticleId::new(id),
            url,
            canonical_url,
            title,
            byline,
            published: from_ts_opt("articles.published", published)?,
            site_name,
            language,
            source,
            text,
            content_hash: ContentHash::new(hash),
            copy_of: copy_of.map(ArticleId::new),
        },
        fetched: from_ts("articles.fetched", fetched)?,
    })
}

/// The stored article matching `a` by id, then canonical URL, then content hash, in one
/// query (each statement is a round trip or two, and this one runs under the commit lock).
fn find(c: &mut impl GenericClient, a: &Article) -> Result<Option<ArticleId>, ErrorKind> {
    let rows = c
        .query_typed(
            "SELECT id, CASE WHEN id = $1 THEN 0 WHEN canonical_url = $2 THEN 1 ELSE 2 END
             FROM articles WHERE id = $1 OR canonical_url = $2 OR hash_key = $3",
            &[
                (&a.id.as_str(), Type::TEXT),
                (&a.canonical_url, Type::TEXT),
                (&hash_key(a), Type::TEXT),
            ],
        )
        .map_err(q("looking up an article"))?;
    let mut best: Option<(i32, String)> = None;
    for r in &rows {
        let (id, rank): (String, i32) = (
            r.try_get(0).map_err(q("looking up an article"))?,
            r.try_get(1).map_err(q("looking up an article"))?,
        );
        if best.as_ref().is_none_or(|(b, _)| rank < *b) {
            best = Some((rank, id));
        }
    }
    Ok(best.map(|(_, id)| ArticleId::new(id)))
}

/// Two workers may insert the same article at once, and READ COMMITTED does not stop both
/// look-ups from finding nothing. So the insert is `ON CONFLICT DO NOTHING` (any of the three
/// unique keys), which waits for the other transaction; when it inserted nothing, the row
/// that won is looked up again, now visible, and reported as `Existing`.
pub(super) fn insert(
    c: &mut impl GenericClient,
    a: &Article,
    fetched: DateTime<Utc>,
) -> Result<Inserted, ErrorKind> {
    if let Some(id) = find(c, a)? {
        return Ok(Inserted::Existing(id));
    }
    let n = c
        .query_typed(
            "INSERT INTO articles (id, url, canonical_url, content_hash, hash_key, title, byline,
                                   published, site_name, language, source, text, fetched,
                                   copy_of)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
             ON CONFLICT DO NOTHING RETURNING 1",
            &[
                (&a.id.as_str(), Type::TEXT),
                (&a.url, Type::TEXT),
                (&a.canonical_url, Type::TEXT),
                (&a.content_hash.as_str(), Type::TEXT),
                (&hash_key(a), Type::TEXT),
                (&a.title, Type::TEXT),
                (&a.byline, Type::TEXT),
                (&a.published.map(ts), Type::INT8),
                (&a.site_name, Type::TEXT),
                (&a.language, Type::TEXT),
                (&a.source, Type::TEXT),
                (&a.text, Type::TEXT),
                (&ts(fetched), Type::INT8),
                (&a.copy_of.as_ref().map(ArticleId::as_str), Type::TEXT),
            ],
        )
        .map_err(q("inserting an article"))?
        .len();
    if n == 1 {
        return Ok(Inserted::Inserted(a.id.clone()));
    }
    find(c, a)?
        .map(Inserted::Existing)
        .ok_or_else(|| ErrorKind::NotFound {
            what: "article that conflicted with an insert",
            id: a.id.to_string(),
        })
}

pub(super) fn get(
    c: &mut impl GenericClient,
    id: &ArticleId,
) -> Result<Option<StoredArticle>, ErrorKind> {
    let sql = format!("SELECT {COLUMNS} FROM articles WHERE id = $1");
    c.query_opt(sql.as_str(), &[&id.as_str()])
        .map_err(q("reading an article"))?
        .as_ref()
        .map(article_from)
        .transpose()
}

pub(super) fn by_url(
    c: &mut impl GenericClient,
    url: &str,
) -> Result<Option<ArticleId>, ErrorKind> {
    c.query_opt("SELECT id FROM articles WHERE canonical_url = $1", &[&url])
        .and_then(|r| r.map(|r| r.try_get::<_, String>(0)).transpose())
        .map(|id| id.map(ArticleId::new))
        .map_err(q("looking up an article by URL"))
}

pub(super) fn count(c: &mut postgres::Client) -> Result<u64, ErrorKind> {
    c.query_one("SELECT COUNT(*) FROM articles", &[])
        .and_then(|r| r.try_get::<_, i64>(0))
        .map(|n| u64::try_from(n).unwrap_or(0))
        .map_err(q("counting articles"))
}

/// `ts_headline` options: matches in `[` `]`, one fragment of about 16 words like SQLite's
/// `snippet`.
const HEADLINE: &str = "StartSel=[, StopSel=], MaxWords=16, MinWords=8, ShortWord=2, \
                        MaxFragments=1, FragmentDelimiter=\" … \"";

/// The query is the input's words (those without letters or digits dropped, as in SQLite) read by
/// `plainto_tsquery`, which knows no operators: any input is a plain AND of words, never a
/// syntax error. The best hits are chosen first and only they get a headline, since
/// `ts_headline` re-parses the whole text. The snippet comes from the text when the words
/// are there, else from the title.
pub(super) fn search(
    c: &mut impl GenericClient,
    input: &str,
    n: usize,
) -> Result<Vec<SearchHit>, ErrorKind> {
    let words: Vec<&str> = input
        .split_whitespace()
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .collect();
    if words.is_empty() {
        return Ok(Vec::new());
    }
    let words = words.join(" ");
    let op = "searching articles";
    let rows = c
        .query(
            "SELECT h.id, h.title,
                    CASE WHEN h.title IS NOT NULL
                              AND NOT to_tsvector('simple', left(h.text, 200000)) @@ h.query
                         THEN ts_headline('simple', h.title, h.query, $3)
                         ELSE ts_headline('simple', h.text, h.query, $3) END,
                    h.score
             FROM (SELECT a.seq, a.id, a.title, a.text, x.query,
                          ts_rank(a.search, x.query) AS score
                   FROM articles a, plainto_tsquery('simple', $1) AS x(query)
                   WHERE a.search @@ x.query
                   ORDER BY score DESC, a.seq
                   LIMIT $2) h
             ORDER BY h.score DESC, h.seq",
            &[&words, &limit(n), &HEADLINE],
        )
        .map_err(q(op))?;
    rows.iter()
        .map(|r| {
            Ok(SearchHit {
                id: ArticleId::new(r.try_get::<_, String>(0)?),
                title: r.try_get(1)?,
                snippet: r.try_get(2)?,
                // Negated so that lower is better, as with SQLite's bm25.
                rank: -f64::from(r.try_get::<_, f32>(3)?),
            })
        })
        .collect::<Result<Vec<_>, postgres::Error>>()
        .map_err(q(op))
}

pub(super) fn put_analysis(c: &mut impl GenericClient, a: &Analysis) -> Result<(), ErrorKind> {
    c.query_typed(
        "INSERT INTO analyses (article_id, pipeline_version, json, analyzed)
         VALUES ($1, $2, $3, $4)
         ON CONFLICT (article_id, pipeline_version)
         DO UPDATE SET json = excluded.json, analyzed = excluded.analyzed",
        &[
            (&a.article.as_str(), Type::TEXT),
            (&a.pipeline_version, Type::TEXT),
            (&a.json, Type::TEXT),
            (&ts(a.analyzed), Type::INT8),
        ],
    )
    .map_err(q("storing an analysis"))?;
    Ok(())
}

pub(super) fn analysis_from(r: &Row) -> Result<Analysis, ErrorKind> {
    let op = "reading an analysis";
    let article: String = r.try_get(0).map_err(q(op))?;
    let analyzed: i64 = r.try_get(3).map_err(q(op))?;
    Ok(Analysis {
        article: ArticleId::new(article),
        pipeline_version: r.try_get(1).map_err(q(op))?,
        json: r.try_get(2).map_err(q(op))?,
        analyzed: from_ts("analyses.analyzed", analyzed)?,
    })
}

pub(super) fn analysis(
    c: &mut impl GenericClient,
    id: &ArticleId,
) -> Result<Option<Analysis>, ErrorKind> {
    c.query_opt(
        "SELECT article_id, pipeline_version, json, analyzed FROM analyses
         WHERE article_id = $1
         ORDER BY analyzed DESC, pipeline_version DESC LIMIT 1",
        &[&id.as_str()],
    )
    .map_err(q("reading an analysis"))?
    .as_ref()
    .map(analysis_from)
    .transpose()
}

pub(super) fn ids(rows: &[Row], op: &'static str) -> Result<Vec<ArticleId>, ErrorKind> {
    rows.iter()
        .map(|r| r.try_get::<_, String>(0).map(ArticleId::new))
        .collect::<Result<Vec<_>, postgres::Error>>()
        .map_err(q(op))
}

pub(super) fn unanalyzed(
    c: &mut impl GenericClient,
    pipeline_version: &str,
    n: usize,
) -> Result<Vec<ArticleId>, ErrorKind> {
    let op = "listing unanalyzed articles";
    let rows = c
        .query(
            "SELECT a.id FROM articles a
             WHERE NOT EXISTS (SELECT 1 FROM analyses x
                               WHERE x.article_id = a.id AND x.pipeline_version = $1)
             ORDER BY a.fetched, a.seq LIMIT $2",
            &[&pipeline_version, &limit(n)],
        )
        .map_err(q(op))?;
    ids(&rows, op)
}
