//! Stories and which articles belong to them.

use super::{from_ts, limit, q, ts};
use crate::error::ErrorKind;
use crate::types::{Story, StoryId};
use chrono::{DateTime, Utc};
use model::ArticleId;
use rusqlite::{params, Connection, OptionalExtension, Row};

const SELECT: &str = "SELECT s.id, s.title, s.first_seen, s.last_seen,
                             (SELECT COUNT(*) FROM story_articles m WHERE m.story_id = s.id)
                      FROM stories s";

fn raw(r: &Row<'_>) -> rusqlite::Result<(i64, Option<String>, i64, i64, u32)> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
}

fn story(
    (id, title, first, last, articles): (i64, Option<String>, i64, i64, u32),
) -> Result<Story, ErrorKind> {
    Ok(Story {
        id: StoryId(id),
        title,
        first_seen: from_ts("stories.first_seen", first)?,
        last_seen: from_ts("stories.last_seen", last)?,
        articles,
    })
}

fn not_found(id: StoryId) -> ErrorKind {
    ErrorKind::NotFound {
        what: "story",
        id: id.to_string(),
    }
}

pub(super) fn create(
    conn: &Connection,
    title: Option<&str>,
    at: DateTime<Utc>,
) -> Result<StoryId, ErrorKind> {
    conn.execute(
        "INSERT INTO stories (title, first_seen, last_seen) VALUES (?1, ?2, ?2)",
        params![title, ts(at)],
    )
    .map_err(q("creating a story"))?;
    Ok(StoryId(conn.last_insert_rowid()))
}

pub(super) fn set_title(conn: &Connection, id: StoryId, title: &str) -> Result<(), ErrorKind> {
    let n = conn
        .execute(
            "UPDATE stories SET title = ?2 WHERE id = ?1",
            params![id.0, title],
        )
        .map_err(q("renaming a story"))?;
    if n == 0 {
        return Err(not_found(id));
    }
    Ok(())
}

pub(super) fn add_article(
    conn: &Connection,
    id: StoryId,
    article: &ArticleId,
    at: DateTime<Utc>,
) -> Result<(), ErrorKind> {
    let n = conn
        .execute(
            "UPDATE stories SET first_seen = MIN(first_seen, ?2), last_seen = MAX(last_seen, ?2)
             WHERE id = ?1",
            params![id.0, ts(at)],
        )
        .map_err(q("updating a story"))?;
    if n == 0 {
        return Err(not_found(id));
    }
    conn.execute(
        "INSERT INTO story_articles (story_id, article_id, added) VALUES (?1, ?2, ?3)
         ON CONFLICT (story_id, article_id) DO NOTHING",
        params![id.0, article.as_str(), ts(at)],
    )
    .map_err(q("adding an article to a story"))?;
    Ok(())
}

pub(super) fn get(conn: &Connection, id: StoryId) -> Result<Option<Story>, ErrorKind> {
    let op = "reading a story";
    let mut stmt = conn
        .prepare_cached(&format!("{SELECT} WHERE s.id = ?1"))
        .map_err(q(op))?;
    let rows = stmt
        .query_map([id.0], raw)
        .map_err(q(op))?
        .collect::<rusqlite::Result<Vec<_>>>()
        .map_err(q(op))?;
    rows.into_iter().next().map(story).transpose()
}

pub(super) fn list(conn: &Connection, n: usize) -> Result<Vec<Story>, ErrorKind> {
    let op = "listing stories";
    let mut stmt = conn
        .prepare_cached(&format!(
            "{SELECT} ORDER BY s.last_seen DESC, s.id DESC LIMIT ?1"
        ))
        .map_err(q(op))?;
    let rows = stmt
        .query_map([limit(n)], raw)
        .map_err(q(op))?
        .collect::<rusqlite::Result<Vec<_>>>()
        .map_err(q(op))?;
    rows.into_iter().map(story).collect()
}

pub(super) fn articles(conn: &Connection, id: StoryId) -> Result<Vec<ArticleId>, ErrorKind> {
    let op = "listing a story's articles";
    let mut stmt = conn
        .prepare_cached(
            "SELECT article_id FROM story_articles WHERE story_id = ?1 ORDER BY added, rowid",
        )
        .map_err(q(op))?;
    let ids = stmt
        .query_map([id.0], |r| r.get::<_, String>(0).map(ArticleId::new))
        .map_err(q(op))?
        .collect::<rusqlite::Result<Vec<_>>>()
        .map_err(q(op))?;
    Ok(ids)
}

pub(super) fn story_of(
    conn: &Connection,
    article: &ArticleId,
) -> Result<Option<StoryId>, ErrorKind> {
    conn.prepare_cached(
        "SELECT story_id FROM story_articles WHERE article_id = ?1 ORDER BY added, rowid LIMIT 1",
    )
    .and_then(|mut s| {
        s.query_row([article.as_str()], |r| r.get::<_, i64>(0))
            .optional()
    })
    .map(|id| id.map(StoryId))
    .map_err(q("finding an article's story"))
}
