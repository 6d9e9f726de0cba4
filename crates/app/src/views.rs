//! Stories as a reader sees them: read back from the store and shaped for JSON and for the
//! terminal. The CLI prints these, and the server will serve the same structures, so a story
//! looks the same everywhere.
//!
//! Why statements are read from the stored analysis JSON rather than re-analysed: the JSON is
//! the contract other tools read (DESIGN.md), and reading it back keeps a story page cheap and
//! shows exactly what the analyzer said when the article arrived.

use crate::error::AppError;
use chrono::{DateTime, Utc};
use model::ArticleId;
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeSet;
use store::{Store, StoryId};

/// One line of the story list.
#[derive(Clone, Debug, Serialize)]
pub struct StorySummary {
    pub id: i64,
    pub title: Option<String>,
    pub first_seen: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    /// Stored articles, copies included.
    pub articles: u32,
    /// Distinct outlets that carried any of its articles (exact copies included).
    pub outlets: Vec<String>,
}

/// Where else an article appeared: a near-duplicate copy (its own stored article) or an exact
/// repeat (a sighting of the same text).
#[derive(Clone, Debug, Serialize)]
pub struct CopyView {
    /// The copy's own article id; `None` for an exact repeat, which is not stored twice.
    pub id: Option<String>,
    pub kind: &'static str,
    pub url: Option<String>,
    pub source: Option<String>,
    pub published: Option<DateTime<Utc>>,
    pub seen: DateTime<Utc>,
}

/// An original article of a story with its copies folded under it.
#[derive(Clone, Debug, Serialize)]
pub struct ArticleView {
    pub id: String,
    pub title: Option<String>,
    pub url: Option<String>,
    pub source: Option<String>,
    pub published: Option<DateTime<Utc>>,
    pub fetched: DateTime<Utc>,
    /// Wire credits the analyzer found ("(Meridian Wire) -"), naming where the text came from.
    pub credits: Vec<String>,
    pub copies: Vec<CopyView>,
}

/// One attributed statement, as the analyzer found it in an article.
#[derive(Clone, Debug, Serialize)]
pub struct StatementView {
    pub article: String,
    pub outlet: Option<String>,
    pub published: Option<DateTime<Utc>>,
    /// The speaker's canonical name when the analyzer resolved one, else the source span.
    pub speaker: Option<String>,
    pub cue: String,
    pub content: String,
}

/// A story in full.
#[derive(Clone, Debug, Serialize)]
pub struct StoryView {
    #[serde(flatten)]
    pub summary: StorySummary,
    pub articles: Vec<ArticleView>,
    /// Statements in the order their articles were published.
    pub statements: Vec<StatementView>,
}

/// Stories, most recently active first.
pub fn stories(store: &dyn Store, limit: usize) -> Result<Vec<StorySummary>, AppError> {
    store
        .stories(limit)?
        .into_iter()
        .map(|s| summary(store, s))
        .collect()
}

fn summary(store: &dyn Store, s: store::Story) -> Result<StorySummary, AppError> {
    let mut outlets = BTreeSet::new();
    for id in store.story_articles(s.id)? {
        for seen in store.sightings(&id)? {
            if let Some(src) = seen.source {
                outlets.insert(src);
            }
        }
    }
    Ok(StorySummary {
        id: s.id.0,
        title: s.title,
        first_seen: s.first_seen,
        last_seen: s.last_seen,
        articles: s.articles,
        outlets: outlets.into_iter().collect(),
    })
}

/// The story with its articles, copies and statements; `None` when there is no such story.
pub fn story(store: &dyn Store, id: StoryId) -> Result<Option<StoryView>, AppError> {
    let Some(s) = store.story(id)? else {
        return Ok(None);
    };
    let members = store.story_articles(id)?;
    let summary = summary(store, s)?;
    let mut articles = Vec::new();
    let mut statements = Vec::new();
    for member in &members {
        let Some(stored) = store.article(member)? else {
            continue;
        };
        let a = &stored.article;
        let analysis = store
            .analysis(member)?
            .and_then(|x| serde_json::from_str::<Value>(&x.json).ok());
        if let Some(v) = &analysis {
            statements.extend(statements_of(v, a));
        }
        if a.copy_of.is_some() {
            continue; // shown under its original
        }
        let mut copies = Vec::new();
        let own_url = a.canonical_url.as_deref().or(a.url.as_deref());
        for seen in store.sightings(member)? {
            if seen.url.as_deref() == own_url {
                continue;
            }
            copies.push(CopyView {
                id: None,
                kind: "exact",
                url: seen.url,
                source: seen.source,
                published: seen.published,
                seen: seen.seen,
            });
        }
        for copy in store.copies_of(member)? {
            if let Some(c) = store.article(&copy)? {
                copies.push(CopyView {
                    id: Some(copy.0.clone()),
                    kind: "near",
                    url: c.article.canonical_url.or(c.article.url),
                    source: c.article.source.or(c.article.site_name),
                    published: c.article.published,
                    seen: c.fetched,
                });
            }
        }
        copies.sort_by_key(|c| (c.published.unwrap_or(c.seen), c.seen));
        articles.push(ArticleView {
            id: a.id.0.clone(),
            title: a.title.clone(),
            url: a.canonical_url.clone().or_else(|| a.url.clone()),
            source: a.source.clone().or_else(|| a.site_name.clone()),
            published: a.published,
            fetched: stored.fetched,
            credits: analysis.as_ref().map(credits_of).unwrap_or_default(),
            copies,
        });
    }
    articles.sort_by_key(|a| a.published.unwrap_or(a.fetched));
    statements.sort_by_key(|s| s.published);
    Ok(Some(StoryView {
        summary,
        articles,
        statements,
    }))
}

fn text_of(v: &Value) -> Option<String> {
    v.get("text").and_then(Value::as_str).map(str::to_string)
}

fn credits_of(v: &Value) -> Vec<String> {
    let mut out: Vec<String> = v
        .get("credits")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|c| {
            c.get("name")
                .and_then(Value::as_str)
                .map(str::to_string)
                .or_else(|| text_of(c))
        })
        .collect();
    out.dedup();
    out
}

fn statements_of(v: &Value, a: &model::Article) -> Vec<StatementView> {
    let id: &ArticleId = &a.id;
    v.get("attributions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|at| {
            let speaker = at
                .get("speaker")
                .and_then(|s| s.get("name"))
                .and_then(Value::as_str)
                .map(str::to_string)
                .or_else(|| at.get("source").and_then(text_of));
            let content = at
                .get("content")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(text_of)
                .collect::<Vec<_>>()
                .join(" … ");
            StatementView {
                article: id.0.clone(),
                outlet: a.source.clone().or_else(|| a.site_name.clone()),
                published: a.published,
                speaker,
                cue: at.get("cue").and_then(text_of).unwrap_or_default(),
                content,
            }
        })
        .collect()
}
