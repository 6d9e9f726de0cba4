//! Articles (idempotent insert), full-text search over them, and their analyses.

use super::{from_ts, from_ts_opt, limit, q, ts};
use crate::error::ErrorKind;
use crate::types::{Analysis, Inserted, SearchHit, StoredArticle};
use chrono::{DateTime, Utc};
use model::{Article, ArticleId, ContentHash};
use rusqlite::{params, Connection, OptionalExtension};

/// The content hash as a dedup key, or `None` for a text with no words: such texts (photo-only
/// posts, failed extractions) all hash alike and must not collapse into one article.
pub(crate) fn hash_key(article: &Article) -> Option<&str> {
    article
        .text
        .chars()
        .any(char::is_alphanumeric)
        .then_some(article.content_hash.as_str())
}

fn find_by(conn: &Connection, column: &str, value: &str) -> Result<Option<ArticleId>, ErrorKind> {
    // `column` is one of three literals below, never input.
    conn.prepare_cached(&format!("SELECT id FROM articles WHERE {column} = ?1"))
        .and_then(|mut s| s.query_row([value], |r| r.get::<_, String>(0)).optional())
        .map(|id| id.map(ArticleId::new))
        .map_err(q("looking up an article"))
}

/// Runs inside the caller's IMMEDIATE transaction, so the look-ups and the insert cannot
/// race another writer; the UNIQUE indexes on id, canonical_url and hash_key back this up.
pub(super) fn insert(
    conn: &Connection,
    a: &Article,
    fetched: DateTime<Utc>,
) -> Result<Inserted, ErrorKind> {
    let hash = hash_key(a);
    let keys = [
        ("id", Some(a.id.as_str())),
        ("canonical_url", a.canonical_url.as_deref()),
        ("hash_key", hash),
    ];
    for (column, value) in keys {
        if let Some(value) = value {
            if let Some(id) = find_by(conn, column, value)? {
                return Ok(Inserted::Existing(id));
            }
        }
    }
    conn.prepare_cached(
        "INSERT INTO articles (id, url, canonical_url, content_hash, hash_key, title, byline,
                               published, site_name, language, source, text, fetched, copy_of)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
    )
    .and_then(|mut s| {
        s.execute(params![
            a.id.as_str(),
            a.url,
            a.canonical_url,
            a.content_hash.as_str(),
            hash,
            a.title,
            a.byline,
            a.published.map(ts),
            a.site_name,
            a.language,
            a.source,
            a.text,
            ts(fetched),
            a.copy_of.as_ref().map(ArticleId::as_str),
        ])
    })
    .map_err(q("inserting an article"))?;
    Ok(Inserted::Inserted(a.id.clone()))
}

type RawArticle = (
    String,
    Option<String>,
    Option<String>,
    String,
    Option<String>,
    Option<String>,
    Option<i64>,
    Option<String>,
    Option<String>,
    Option<String>,
    String,
    i64,
    Option<String>,
);

pub(super) fn get(conn: &Connection, id: &ArticleId) -> Result<Option<StoredArticle>, ErrorKind> {
    let raw: Option<RawArticle> = conn
        .prepare_cached(
            "SELECT id, url, canonical_url, content_hash, title, byline, published, site_name,
                    language, source, text, fetched, copy_of
             FROM articles WHERE id = ?1",
        )
        .and_then(|mut s| {
            s.query_row([id.as_str()], |r| {
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
                    r.get(12)?,
                ))
            })
            .optional()
        })
        .map_err(q("reading an article"))?;
    let Some((
        id,
        url,
        canonical_url,
        hash,
        title,
        byline,
        published,
        site_name,
        language,
        source,
        text,
        fetched,
        copy_of,
    )) = raw
    else {
        return Ok(None);
    };
    Ok(Some(StoredArticle {
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
    }))
}

pub(crate) fn by_url(conn: &Connection, url: &str) -> Result<Option<ArticleId>, ErrorKind> {
    find_by(conn, "canonical_url", url)
}

pub(super) fn count(conn: &Connection) -> Result<u64, ErrorKind> {
    conn.query_row("SELECT COUNT(*) FROM articles", [], |r| r.get::<_, i64>(0))
        .map(|n| u64::try_from(n).unwrap_or(0))
        .map_err(q("counting articles"))
}

/// Turns free text into an FTS5 query that cannot be a syntax error: every word becomes a
/// quoted string (quotes inside doubled), and all must match. Words with no letter or digit
/// are dropped, since the tokenizer would find nothing in them.
pub(crate) fn fts_query(input: &str) -> Option<String> {
    let terms: Vec<String> = input
        .split_whitespace()
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .map(|w| format!("\"{}\"", w.replace('"', "\"\"")))
        .collect();
    (!terms.is_empty()).then(|| terms.join(" "))
}

pub(super) fn search(
    conn: &Connection,
    input: &str,
    n: usize,
) -> Result<Vec<SearchHit>, ErrorKind> {
    let Some(query) = fts_query(input) else {
        return Ok(Vec::new());
    };
    let op = "searching articles";
    // Title matches weigh double: a word in the headline says more about the article.
    let mut stmt = conn
        .prepare_cached(
            "SELECT a.id, a.title, snippet(articles_fts, -1, '[', ']', '…', 16),
                    bm25(articles_fts, 2.0, 1.0) AS rank
             FROM articles_fts JOIN articles a ON a.seq = articles_fts.rowid
             WHERE articles_fts MATCH ?1
             ORDER BY rank LIMIT ?2",
        )
        .map_err(q(op))?;
    let hits = stmt
        .query_map(params![query, limit(n)], |r| {
            Ok(SearchHit {
                id: ArticleId::new(r.get::<_, String>(0)?),
                title: r.get(1)?,
                snippet: r.get(2)?,
                rank: r.get(3)?,
            })
        })
        .map_err(q(op))?
        .collect::<rusqlite::Result<Vec<_>>>()
        .map_err(q(op))?;
    Ok(hits)
}

pub(super) fn put_analysis(conn: &Connection, a: &Analysis) -> Result<(), ErrorKind> {
    conn.execute(
        "INSERT INTO analyses (article_id, pipeline_version, json, analyzed)
         VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (article_id, pipeline_version)
         DO UPDATE SET json = excluded.json, analyzed = excluded.analyzed",
        params![
            a.article.as_str(),
            a.pipeline_version,
            a.json,
            ts(a.analyzed)
        ],
    )
    .map_err(q("storing an analysis"))?;
    Ok(())
}

pub(super) fn analysis(conn: &Connection, id: &ArticleId) -> Result<Option<Analysis>, ErrorKind> {
    let row: Option<(String, String, i64)> = conn
        .query_row(
            "SELECT pipeline_version, json, analyzed FROM analyses WHERE article_id = ?1
             ORDER BY analyzed DESC, pipeline_version DESC LIMIT 1",
            [id.as_str()],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()
        .map_err(q("reading an analysis"))?;
    row.map(|(pipeline_version, json, analyzed)| {
        Ok(Analysis {
            article: id.clone(),
            pipeline_version,
            json,
            analyzed: from_ts("analyses.analyzed", analyzed)?,
        })
    })
    .transpose()
}

pub(super) fn unanalyzed(
    conn: &Connection,
    pipeline_version: &str,
    n: usize,
) -> Result<Vec<ArticleId>, ErrorKind> {
    let op = "listing unanalyzed articles";
    let mut stmt = conn
        .prepare_cached(
            "SELECT a.id FROM articles a
             WHERE NOT EXISTS (SELECT 1 FROM analyses x
                               WHERE x.article_id = a.id AND x.pipeline_version = ?1)
             ORDER BY a.fetched, a.seq LIMIT ?2",
        )
        .map_err(q(op))?;
    let ids = stmt
        .query_map(params![pipeline_version, limit(n)], |r| {
            r.get::<_, String>(0).map(ArticleId::new)
        })
        .map_err(q(op))?
        .collect::<rusqlite::Result<Vec<_>>>()
        .map_err(q(op))?;
    Ok(ids)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fts_query_quotes_every_word() {
        assert_eq!(
            fts_query(r#"Kim "said" OR NEAR("#).as_deref(),
            Some(r#""Kim" """said""" "OR" "NEAR(""#)
        );
        assert_eq!(fts_query("  -- * "), None);
    }

    #[test]
    fn empty_texts_are_not_matched_by_hash() {
        let a = Article::new(ArticleId::new("x"), " \n ", ContentHash::new("e"));
        assert_eq!(hash_key(&a), None);
        let b = Article::new(ArticleId::new("y"), "Words.", ContentHash::new("h"));
        assert_eq!(hash_key(&b), Some("h"));
    }
}
