//! Enumerating and recreating what the store holds, for `store::copy` (as
//! `sqlite::export`).

use super::articles::{analysis_from, ids};
use super::feeds::insert_fetch;
use super::stories::{story_from, SELECT};
use super::{from_ts, limit, q, ts};
use crate::error::ErrorKind;
use crate::types::{Analysis, FeedRecord, FetchRecord, Story, StoryId, StoryMember};
use model::ArticleId;
use postgres::GenericClient;

pub(super) fn article_ids(
    c: &mut impl GenericClient,
    after: Option<&ArticleId>,
    n: usize,
) -> Result<Vec<ArticleId>, ErrorKind> {
    let start: i64 = match after {
        None => 0,
        Some(id) => c
            .query_opt("SELECT seq FROM articles WHERE id = $1", &[&id.as_str()])
            .and_then(|r| r.map(|r| r.try_get(0)).transpose())
            .map_err(q("finding an article"))?
            .ok_or_else(|| ErrorKind::NotFound {
                what: "article",
                id: id.to_string(),
            })?,
    };
    let op = "listing articles";
    let rows = c
        .query(
            "SELECT id FROM articles WHERE seq > $1 ORDER BY seq LIMIT $2",
            &[&start, &limit(n)],
        )
        .map_err(q(op))?;
    ids(&rows, op)
}

pub(super) fn analyses_of(
    c: &mut impl GenericClient,
    id: &ArticleId,
) -> Result<Vec<Analysis>, ErrorKind> {
    c.query(
        "SELECT article_id, pipeline_version, json, analyzed FROM analyses
         WHERE article_id = $1 ORDER BY analyzed, pipeline_version",
        &[&id.as_str()],
    )
    .map_err(q("listing analyses"))?
    .iter()
    .map(analysis_from)
    .collect()
}

pub(super) fn stories(
    c: &mut impl GenericClient,
    after: Option<StoryId>,
    n: usize,
) -> Result<Vec<Story>, ErrorKind> {
    let sql = format!("{SELECT} WHERE s.id > $1 ORDER BY s.id LIMIT $2");
    c.query(sql.as_str(), &[&after.map_or(i64::MIN, |s| s.0), &limit(n)])
        .map_err(q("listing stories"))?
        .iter()
        .map(story_from)
        .collect()
}

pub(super) fn story_members(
    c: &mut impl GenericClient,
    id: StoryId,
) -> Result<Vec<StoryMember>, ErrorKind> {
    let op = "listing a story's members";
    c.query(
        "SELECT article_id, added FROM story_articles WHERE story_id = $1 ORDER BY added, seq",
        &[&id.0],
    )
    .map_err(q(op))?
    .iter()
    .map(|r| {
        let article: String = r.try_get(0).map_err(q(op))?;
        let added: i64 = r.try_get(1).map_err(q(op))?;
        Ok(StoryMember {
            article: ArticleId::new(article),
            added: from_ts("story_articles.added", added)?,
        })
    })
    .collect()
}

pub(super) fn import_feed(
    c: &mut impl GenericClient,
    f: &FeedRecord,
    history: &[FetchRecord],
) -> Result<bool, ErrorKind> {
    let h = &f.health;
    let key = c
        .query_opt(
            "INSERT INTO feeds (url, title, kind, etag, last_modified, added, last_success,
                                last_error, last_error_at, consecutive_failures, next_poll)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
             ON CONFLICT (url) DO NOTHING RETURNING id",
            &[
                &f.url,
                &f.title,
                &f.kind.as_str(),
                &f.etag,
                &f.last_modified,
                &ts(f.added),
                &h.last_success.map(ts),
                &h.last_error,
                &h.last_error_at.map(ts),
                &i32::try_from(h.consecutive_failures).unwrap_or(i32::MAX),
                &h.next_poll.map(ts),
            ],
        )
        .and_then(|r| r.map(|r| r.try_get::<_, i64>(0)).transpose())
        .map_err(q("importing a feed"))?;
    let Some(key) = key else {
        return Ok(false);
    };
    for x in history {
        insert_fetch(c, key, x)?;
    }
    Ok(true)
}

/// The identity sequence is moved past the imported id (never back), so that stories
/// created later do not collide with it.
pub(super) fn import_story(
    c: &mut impl GenericClient,
    s: &Story,
    members: &[StoryMember],
) -> Result<bool, ErrorKind> {
    let n = c
        .execute(
            "INSERT INTO stories (id, title, first_seen, last_seen) VALUES ($1, $2, $3, $4)
             ON CONFLICT (id) DO NOTHING",
            &[&s.id.0, &s.title, &ts(s.first_seen), &ts(s.last_seen)],
        )
        .map_err(q("importing a story"))?;
    if n == 0 {
        return Ok(false);
    }
    c.execute(
        "SELECT setval(pg_get_serial_sequence('stories', 'id'),
                       GREATEST($1, nextval(pg_get_serial_sequence('stories', 'id'))))",
        &[&s.id.0],
    )
    .map_err(q("moving the story id sequence"))?;
    for m in members {
        c.execute(
            "INSERT INTO story_articles (story_id, article_id, added) VALUES ($1, $2, $3)
             ON CONFLICT (story_id, article_id) DO NOTHING",
            &[&s.id.0, &m.article.as_str(), &ts(m.added)],
        )
        .map_err(q("importing a story's members"))?;
    }
    Ok(true)
}
