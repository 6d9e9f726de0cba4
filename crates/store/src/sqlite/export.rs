//! Enumerating and recreating what the store holds, for `store::copy`: article ids in
//! insertion order, every analysis of an article, stories in id order with their members'
//! join times, and imports that keep a feed's health and history and a story's id.

use super::{from_ts, limit, q, ts};
use crate::error::ErrorKind;
use crate::types::{Analysis, FeedRecord, FetchOutcome, FetchRecord, Story, StoryId, StoryMember};
use model::ArticleId;
use rusqlite::{params, Connection, OptionalExtension};

pub(super) fn article_ids(
    conn: &Connection,
    after: Option<&ArticleId>,
    n: usize,
) -> Result<Vec<ArticleId>, ErrorKind> {
    let start = match after {
        None => 0,
        Some(id) => conn
            .query_row(
                "SELECT seq FROM articles WHERE id = ?1",
                [id.as_str()],
                |r| r.get::<_, i64>(0),
            )
            .optional()
            .map_err(q("finding an article"))?
            .ok_or_else(|| ErrorKind::NotFound {
                what: "article",
                id: id.to_string(),
            })?,
    };
    let op = "listing articles";
    let mut stmt = conn
        .prepare_cached("SELECT id FROM articles WHERE seq > ?1 ORDER BY seq LIMIT ?2")
        .map_err(q(op))?;
    let ids = stmt
        .query_map(params![start, limit(n)], |r| {
            r.get::<_, String>(0).map(ArticleId::new)
        })
        .map_err(q(op))?
        .collect::<rusqlite::Result<Vec<_>>>()
        .map_err(q(op))?;
    Ok(ids)
}

pub(super) fn analyses_of(conn: &Connection, id: &ArticleId) -> Result<Vec<Analysis>, ErrorKind> {
    let op = "listing analyses";
    let mut stmt = conn
        .prepare_cached(
            "SELECT pipeline_version, json, analyzed FROM analyses WHERE article_id = ?1
             ORDER BY analyzed, pipeline_version",
        )
        .map_err(q(op))?;
    let rows = stmt
        .query_map([id.as_str()], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
            ))
        })
        .map_err(q(op))?
        .collect::<rusqlite::Result<Vec<_>>>()
        .map_err(q(op))?;
    rows.into_iter()
        .map(|(pipeline_version, json, analyzed)| {
            Ok(Analysis {
                article: id.clone(),
                pipeline_version,
                json,
                analyzed: from_ts("analyses.analyzed", analyzed)?,
            })
        })
        .collect()
}

pub(super) fn stories(
    conn: &Connection,
    after: Option<StoryId>,
    n: usize,
) -> Result<Vec<Story>, ErrorKind> {
    let op = "listing stories";
    let mut stmt = conn
        .prepare_cached(
            "SELECT s.id, s.title, s.first_seen, s.last_seen,
                    (SELECT COUNT(*) FROM story_articles m WHERE m.story_id = s.id)
             FROM stories s WHERE s.id > ?1 ORDER BY s.id LIMIT ?2",
        )
        .map_err(q(op))?;
    let rows = stmt
        .query_map(params![after.map_or(i64::MIN, |s| s.0), limit(n)], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, Option<String>>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, i64>(3)?,
                r.get::<_, u32>(4)?,
            ))
        })
        .map_err(q(op))?
        .collect::<rusqlite::Result<Vec<_>>>()
        .map_err(q(op))?;
    rows.into_iter()
        .map(|(id, title, first, last, articles)| {
            Ok(Story {
                id: StoryId(id),
                title,
                first_seen: from_ts("stories.first_seen", first)?,
                last_seen: from_ts("stories.last_seen", last)?,
                articles,
            })
        })
        .collect()
}

pub(super) fn story_members(conn: &Connection, id: StoryId) -> Result<Vec<StoryMember>, ErrorKind> {
    let op = "listing a story's members";
    let mut stmt = conn
        .prepare_cached(
            "SELECT article_id, added FROM story_articles WHERE story_id = ?1
             ORDER BY added, rowid",
        )
        .map_err(q(op))?;
    let rows = stmt
        .query_map([id.0], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
        })
        .map_err(q(op))?
        .collect::<rusqlite::Result<Vec<_>>>()
        .map_err(q(op))?;
    rows.into_iter()
        .map(|(article, added)| {
            Ok(StoryMember {
                article: ArticleId::new(article),
                added: from_ts("story_articles.added", added)?,
            })
        })
        .collect()
}

pub(super) fn import_feed(
    conn: &Connection,
    f: &FeedRecord,
    history: &[FetchRecord],
) -> Result<bool, ErrorKind> {
    let h = &f.health;
    let n = conn
        .execute(
            "INSERT INTO feeds (url, title, kind, etag, last_modified, added, last_success,
                                last_error, last_error_at, consecutive_failures, next_poll)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
             ON CONFLICT (url) DO NOTHING",
            params![
                f.url,
                f.title,
                f.kind.as_str(),
                f.etag,
                f.last_modified,
                ts(f.added),
                h.last_success.map(ts),
                h.last_error,
                h.last_error_at.map(ts),
                h.consecutive_failures,
                h.next_poll.map(ts),
            ],
        )
        .map_err(q("importing a feed"))?;
    if n == 0 {
        return Ok(false);
    }
    let key = conn.last_insert_rowid();
    let mut stmt = conn
        .prepare_cached(
            "INSERT INTO fetches (feed_id, at, outcome, error, http_status, duration_ms, items,
                                  new_articles, etag, last_modified, next_poll)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        )
        .map_err(q("importing fetch history"))?;
    for x in history {
        let (outcome, error) = match &x.outcome {
            FetchOutcome::Fetched => ("fetched", None),
            FetchOutcome::NotModified => ("not_modified", None),
            FetchOutcome::Failed(e) => ("failed", Some(e.as_str())),
        };
        stmt.execute(params![
            key,
            ts(x.at),
            outcome,
            error,
            x.http_status,
            i64::try_from(x.duration_ms).unwrap_or(i64::MAX),
            x.items,
            x.new_articles,
            x.etag,
            x.last_modified,
            ts(x.next_poll)
        ])
        .map_err(q("importing fetch history"))?;
    }
    Ok(true)
}

/// SQLite gives an `INTEGER PRIMARY KEY` the highest id plus one, so stories created after an
/// import never collide with imported ids.
pub(super) fn import_story(
    conn: &Connection,
    s: &Story,
    members: &[StoryMember],
) -> Result<bool, ErrorKind> {
    let n = conn
        .execute(
            "INSERT INTO stories (id, title, first_seen, last_seen) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (id) DO NOTHING",
            params![s.id.0, s.title, ts(s.first_seen), ts(s.last_seen)],
        )
        .map_err(q("importing a story"))?;
    if n == 0 {
        return Ok(false);
    }
    let mut stmt = conn
        .prepare_cached(
            "INSERT INTO story_articles (story_id, article_id, added) VALUES (?1, ?2, ?3)
             ON CONFLICT (story_id, article_id) DO NOTHING",
        )
        .map_err(q("importing a story's members"))?;
    for m in members {
        stmt.execute(params![s.id.0, m.article.as_str(), ts(m.added)])
            .map_err(q("importing a story's members"))?;
    }
    Ok(true)
}
