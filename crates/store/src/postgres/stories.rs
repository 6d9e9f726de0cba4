//! Stories and which articles belong to them (as `sqlite::stories`).

use super::articles::ids;
use super::{from_ts, limit, q, ts};
use crate::error::ErrorKind;
use crate::types::{Story, StoryId};
use chrono::{DateTime, Utc};
use model::ArticleId;
use postgres::types::Type;
use postgres::{GenericClient, Row};

pub(super) const SELECT: &str = "SELECT s.id, s.title, s.first_seen, s.last_seen,
                             (SELECT COUNT(*) FROM story_articles m WHERE m.story_id = s.id)
                      FROM stories s";

pub(super) fn story_from(r: &Row) -> Result<Story, ErrorKind> {
    let op = "reading a story";
    let first: i64 = r.try_get(2).map_err(q(op))?;
    let last: i64 = r.try_get(3).map_err(q(op))?;
    let articles: i64 = r.try_get(4).map_err(q(op))?;
    Ok(Story {
        id: StoryId(r.try_get(0).map_err(q(op))?),
        title: r.try_get(1).map_err(q(op))?,
        first_seen: from_ts("stories.first_seen", first)?,
        last_seen: from_ts("stories.last_seen", last)?,
        articles: u32::try_from(articles).unwrap_or(u32::MAX),
    })
}

fn not_found(id: StoryId) -> ErrorKind {
    ErrorKind::NotFound {
        what: "story",
        id: id.to_string(),
    }
}

pub(super) fn create(
    c: &mut impl GenericClient,
    title: Option<&str>,
    at: DateTime<Utc>,
) -> Result<StoryId, ErrorKind> {
    let rows = c
        .query_typed(
            "INSERT INTO stories (title, first_seen, last_seen) VALUES ($1, $2, $2) RETURNING id",
            &[(&title, Type::TEXT), (&ts(at), Type::INT8)],
        )
        .map_err(q("creating a story"))?;
    let Some(row) = rows.first() else {
        return Err(ErrorKind::BadValue {
            column: "stories.id",
            detail: "creating a story returned no id".into(),
        });
    };
    row.try_get(0).map(StoryId).map_err(q("creating a story"))
}

pub(super) fn set_title(
    c: &mut impl GenericClient,
    id: StoryId,
    title: &str,
) -> Result<(), ErrorKind> {
    let n = c
        .execute(
            "UPDATE stories SET title = $2 WHERE id = $1",
            &[&id.0, &title],
        )
        .map_err(q("renaming a story"))?;
    if n == 0 {
        return Err(not_found(id));
    }
    Ok(())
}

pub(super) fn add_article(
    c: &mut impl GenericClient,
    id: StoryId,
    article: &ArticleId,
    at: DateTime<Utc>,
) -> Result<(), ErrorKind> {
    let updated = c
        .query_typed(
            "UPDATE stories SET first_seen = LEAST(first_seen, $2),
                                last_seen = GREATEST(last_seen, $2)
             WHERE id = $1 RETURNING 1",
            &[(&id.0, Type::INT8), (&ts(at), Type::INT8)],
        )
        .map_err(q("updating a story"))?;
    if updated.is_empty() {
        return Err(not_found(id));
    }
    c.query_typed(
        "INSERT INTO story_articles (story_id, article_id, added) VALUES ($1, $2, $3)
         ON CONFLICT (story_id, article_id) DO NOTHING",
        &[
            (&id.0, Type::INT8),
            (&article.as_str(), Type::TEXT),
            (&ts(at), Type::INT8),
        ],
    )
    .map_err(q("adding an article to a story"))?;
    Ok(())
}

pub(super) fn get(c: &mut impl GenericClient, id: StoryId) -> Result<Option<Story>, ErrorKind> {
    let sql = format!("{SELECT} WHERE s.id = $1");
    c.query_opt(sql.as_str(), &[&id.0])
        .map_err(q("reading a story"))?
        .as_ref()
        .map(story_from)
        .transpose()
}

pub(super) fn list(c: &mut impl GenericClient, n: usize) -> Result<Vec<Story>, ErrorKind> {
    let sql = format!("{SELECT} ORDER BY s.last_seen DESC, s.id DESC LIMIT $1");
    c.query(sql.as_str(), &[&limit(n)])
        .map_err(q("listing stories"))?
        .iter()
        .map(story_from)
        .collect()
}

pub(super) fn articles(
    c: &mut impl GenericClient,
    id: StoryId,
) -> Result<Vec<ArticleId>, ErrorKind> {
    let op = "listing a story's articles";
    let rows = c
        .query(
            "SELECT article_id FROM story_articles WHERE story_id = $1 ORDER BY added, seq",
            &[&id.0],
        )
        .map_err(q(op))?;
    ids(&rows, op)
}

pub(super) fn story_of(
    c: &mut impl GenericClient,
    article: &ArticleId,
) -> Result<Option<StoryId>, ErrorKind> {
    c.query_typed(
        "SELECT story_id FROM story_articles WHERE article_id = $1
         ORDER BY added, seq LIMIT 1",
        &[(&article.as_str(), Type::TEXT)],
    )
    .and_then(|rows| rows.first().map(|r| r.try_get::<_, i64>(0)).transpose())
    .map(|id| id.map(StoryId))
    .map_err(q("finding an article's story"))
}
