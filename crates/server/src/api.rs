//! The JSON API: the same data the pages show, plus the writes (feeds, articles) and
//! `POST /api/analyze`. Every handler runs its store work through [`blocking`].
//!
//! Input is read by [`JsonBody`] and [`QueryParams`] rather than axum's `Json`/`Query`, so
//! that every rejection is `{"error": ...}` with 400 (or 413/415) and names the problem
//! (`missing field `text` at line 1 column 2`), as the rest of the API answers.

use crate::cache::CachedStory;
use crate::error::ApiError;
use crate::pages::{PAGE_ARTICLES, PAGE_STATEMENTS};
use crate::queries;
use crate::AppState;
use app::views::{ArticleView, StatementView};
use app::Tracker;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Request, State};
use axum::http::{header, request::Parts, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::sync::Arc;
use store::StoryId;

/// Runs `f` on the blocking pool: the store and the tracker are synchronous.
pub async fn blocking<T, F>(state: &AppState, f: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce(&Arc<Tracker>) -> Result<T, ApiError> + Send + 'static,
{
    let tracker = state.tracker.clone();
    tokio::task::spawn_blocking(move || f(&tracker))
        .await
        .map_err(ApiError::internal)?
}

/// A JSON request body: `application/json`, within the body limit, deserialized into `T`.
pub struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| {
                let mime = v.split(';').next().unwrap_or("").trim();
                mime.eq_ignore_ascii_case("application/json")
            });
        if !is_json {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "send the body as JSON with `Content-Type: application/json`",
            ));
        }
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|r| ApiError::new(r.status(), r.body_text()))?;
        serde_json::from_slice(&bytes)
            .map(JsonBody)
            .map_err(|e| ApiError::bad_request(format!("invalid JSON body: {e}")))
    }
}

/// Query parameters deserialized into `T`; a bad one is a 400 naming it.
pub struct QueryParams<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for QueryParams<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        axum::extract::Query::<T>::try_from_uri(&parts.uri)
            .map(|q| QueryParams(q.0))
            .map_err(|e| ApiError::bad_request(e.body_text()))
    }
}

/// A story id from the path; anything but a number is a story that does not exist.
pub fn story_id(raw: &str) -> Result<StoryId, ApiError> {
    raw.parse::<i64>()
        .map(StoryId)
        .map_err(|_| ApiError::not_found(format!("there is no story {raw}")))
}

#[derive(Deserialize)]
pub struct Limit {
    pub limit: Option<usize>,
}

fn clamp_limit(limit: Option<usize>, default: usize) -> usize {
    limit.unwrap_or(default).clamp(1, MAX_WINDOW)
}

pub async fn stories(
    State(state): State<AppState>,
    QueryParams(q): QueryParams<Limit>,
) -> Result<Response, ApiError> {
    let limit = clamp_limit(q.limit, 50);
    let list = blocking(&state, move |t| {
        Ok(app::views::stories(t.store().as_ref(), limit)?)
    })
    .await?;
    Ok(Json(list).into_response())
}

/// Most statements or articles one answer gives (`?statements=`, `?articles=`, `limit`).
pub const MAX_WINDOW: usize = 1000;

/// `GET /api/stories/{id}`'s window: how many of the latest statements and articles to give.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoryParams {
    pub statements: Option<usize>,
    pub articles: Option<usize>,
}

/// A story's summary, claims and the latest statements and articles (see [`story`]); generic
/// over the claim types only so that this crate need not name the `track` crate.
#[derive(Serialize)]
struct StoryWindow<'a, C, N> {
    id: i64,
    title: Option<&'a str>,
    first_seen: DateTime<Utc>,
    last_seen: DateTime<Utc>,
    /// Stored articles, copies included: the story list's `articles`.
    articles_stored: u32,
    outlets: &'a [String],
    claims: &'a [C],
    claim_notes: &'a [N],
    statements_total: usize,
    statements_offset: usize,
    statements: &'a [StatementView],
    articles_total: usize,
    articles_offset: usize,
    articles: &'a [ArticleView],
}

/// The last `n` of `all` (at most [`MAX_WINDOW`]), and where they start.
fn latest<T>(all: &[T], n: usize) -> (usize, &[T]) {
    let start = all.len().saturating_sub(n.min(MAX_WINDOW));
    (start, &all[start..])
}

/// The story JSON with the latest `statements` and `articles`.
pub fn story_json(
    story: &CachedStory,
    statements: usize,
    articles: usize,
) -> Result<Vec<u8>, serde_json::Error> {
    let v = &story.view;
    let s = &v.summary;
    let (statements_offset, statements) = latest(&v.statements, statements);
    let (articles_offset, articles) = latest(&v.articles, articles);
    serde_json::to_vec(&StoryWindow {
        id: s.id,
        title: s.title.as_deref(),
        first_seen: s.first_seen,
        last_seen: s.last_seen,
        articles_stored: s.articles,
        outlets: &s.outlets,
        claims: &v.claims,
        claim_notes: &v.claim_notes,
        statements_total: v.statements.len(),
        statements_offset,
        statements,
        articles_total: v.articles.len(),
        articles_offset,
        articles,
    })
}

/// The cached story, or 404.
async fn cached_story(state: &AppState, raw: &str) -> Result<Arc<CachedStory>, ApiError> {
    let id = story_id(raw)?;
    let cache = state.stories.clone();
    blocking(state, move |t| Ok(cache.story(t.store().as_ref(), id)?))
        .await?
        .ok_or_else(|| ApiError::not_found(format!("there is no story {id}")))
}

fn json_bytes(body: Bytes) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// `GET /api/stories/{id}`: the story's summary and claims with its latest statements and
/// articles, as many as the story page shows unless `?statements=` and `?articles=` say
/// otherwise (0 to [`MAX_WINDOW`]). The rest are paged through [`story_statements`] and
/// [`story_articles`]; claims number statements by their place in the whole story.
///
/// Why a window rather than the whole story: the largest stories hold tens of thousands of
/// statements, megabytes that fifty clients cannot all be sent within the latency the API
/// promises; a window bounds every answer whatever the story's size.
pub async fn story(
    State(state): State<AppState>,
    Path(id): Path<String>,
    QueryParams(q): QueryParams<StoryParams>,
) -> Result<Response, ApiError> {
    let story = cached_story(&state, &id).await?;
    let body = match (q.statements, q.articles) {
        // Serialized once per version of the story (see `cache`).
        (None, None) => story.json(|s| story_json(s, PAGE_STATEMENTS, PAGE_ARTICLES)),
        (st, ar) => story_json(
            &story,
            st.unwrap_or(PAGE_STATEMENTS),
            ar.unwrap_or(PAGE_ARTICLES),
        )
        .map(Bytes::from),
    }
    .map_err(ApiError::internal)?;
    Ok(json_bytes(body))
}

/// `?offset=&limit=` of a story's statements or articles.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PageParams {
    pub offset: Option<usize>,
    pub limit: Option<usize>,
}

/// One page of a story's statements or articles (exactly one of the two is set).
#[derive(Serialize)]
struct StoryPage<'a> {
    story: i64,
    /// With `articles_stored`, which version of the story the page was cut from: when either
    /// differs between two pages, the story changed in between and places may have moved.
    last_seen: DateTime<Utc>,
    articles_stored: u32,
    total: usize,
    offset: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    statements: Option<&'a [StatementView]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    articles: Option<&'a [ArticleView]>,
}

fn page_of<'a, T>(all: &'a [T], q: &PageParams, default: usize) -> (usize, &'a [T]) {
    let offset = q.offset.unwrap_or(0).min(all.len());
    let limit = clamp_limit(q.limit, default);
    (offset, &all[offset..all.len().min(offset + limit)])
}

fn story_page(
    story: &CachedStory,
    total: usize,
    offset: usize,
    statements: Option<&[StatementView]>,
    articles: Option<&[ArticleView]>,
) -> Result<Response, ApiError> {
    let s = &story.view.summary;
    let body = serde_json::to_vec(&StoryPage {
        story: s.id,
        last_seen: s.last_seen,
        articles_stored: s.articles,
        total,
        offset,
        statements,
        articles,
    })
    .map_err(ApiError::internal)?;
    Ok(json_bytes(Bytes::from(body)))
}

/// `GET /api/stories/{id}/statements?offset=&limit=`: the story's statements in the order
/// they were said, from place `offset` (0 first), `limit` of them (default 300, at most
/// [`MAX_WINDOW`]); places are the numbers claims and `nested_in` use.
pub async fn story_statements(
    State(state): State<AppState>,
    Path(id): Path<String>,
    QueryParams(q): QueryParams<PageParams>,
) -> Result<Response, ApiError> {
    let story = cached_story(&state, &id).await?;
    let all = &story.view.statements;
    let (offset, page) = page_of(all, &q, PAGE_STATEMENTS);
    story_page(&story, all.len(), offset, Some(page), None)
}

/// `GET /api/stories/{id}/articles?offset=&limit=`: the story's original articles (copies
/// folded under them) oldest first, from place `offset`, `limit` of them (default 200).
pub async fn story_articles(
    State(state): State<AppState>,
    Path(id): Path<String>,
    QueryParams(q): QueryParams<PageParams>,
) -> Result<Response, ApiError> {
    let story = cached_story(&state, &id).await?;
    let all = &story.view.articles;
    let (offset, page) = page_of(all, &q, PAGE_ARTICLES);
    story_page(&story, all.len(), offset, None, Some(page))
}

pub async fn article(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let key = id.clone();
    let detail = blocking(&state, move |t| {
        Ok(queries::article(t.store().as_ref(), &key)?)
    })
    .await?;
    match detail {
        Some(d) => Ok(Json(d).into_response()),
        None => Err(ApiError::not_found(format!("there is no article {id}"))),
    }
}

pub async fn speaker(
    State(state): State<AppState>,
    Path(name): Path<String>,
    QueryParams(q): QueryParams<Limit>,
) -> Result<Response, ApiError> {
    let limit = clamp_limit(q.limit, 200);
    let view = blocking(&state, move |t| {
        Ok(queries::speaker(t.store().as_ref(), &name, limit)?)
    })
    .await?;
    Ok(Json(view).into_response())
}

#[derive(Deserialize)]
pub struct SearchParams {
    pub q: Option<String>,
    pub limit: Option<usize>,
}

pub async fn search(
    State(state): State<AppState>,
    QueryParams(p): QueryParams<SearchParams>,
) -> Result<Response, ApiError> {
    let Some(q) = p.q.filter(|q| !q.trim().is_empty()) else {
        return Err(ApiError::bad_request("give the words to search for as `q`"));
    };
    let limit = clamp_limit(p.limit, 50);
    let results = blocking(&state, move |t| {
        Ok(queries::search(t.store().as_ref(), &q, limit)?)
    })
    .await?;
    Ok(Json(results).into_response())
}

pub async fn feeds(State(state): State<AppState>) -> Result<Response, ApiError> {
    let list = blocking(&state, |t| Ok(queries::feeds(t.store().as_ref())?)).await?;
    Ok(Json(list).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewFeedBody {
    pub url: String,
    pub kind: Option<String>,
    pub title: Option<String>,
}

pub async fn add_feed(
    State(state): State<AppState>,
    JsonBody(body): JsonBody<NewFeedBody>,
) -> Result<Response, ApiError> {
    let feed = queries::new_feed(&body.url, body.kind.as_deref(), body.title)
        .map_err(ApiError::bad_request)?;
    let (added, record) = blocking(&state, move |t| {
        let store = t.store();
        let added = store.add_feed(&feed, chrono::Utc::now())?;
        let record = store.feed(&feed.id())?;
        Ok((added, record))
    })
    .await?;
    let status = if added {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    let feed = record.as_ref().map(queries::FeedView::from);
    Ok((status, Json(json!({ "added": added, "feed": feed }))).into_response())
}

#[derive(Deserialize)]
pub struct FeedUrl {
    pub url: Option<String>,
}

pub async fn remove_feed(
    State(state): State<AppState>,
    QueryParams(q): QueryParams<FeedUrl>,
) -> Result<Response, ApiError> {
    let Some(url) = q.url.filter(|u| !u.trim().is_empty()) else {
        return Err(ApiError::bad_request("give the feed's address as `url`"));
    };
    let key = url.clone();
    let removed = blocking(&state, move |t| {
        let store = t.store();
        // The URL as subscribed, or as the subscription normalized it.
        let mut removed = store.remove_feed(&model::FeedId::new(key.clone()))?;
        if !removed {
            if let Ok(f) = queries::new_feed(&key, None, None) {
                removed = store.remove_feed(&f.id())?;
            }
        }
        Ok(removed)
    })
    .await?;
    if removed {
        Ok(Json(json!({ "removed": true, "url": url })).into_response())
    } else {
        Err(ApiError::not_found(format!("not following {url}")))
    }
}

/// One article in the import record format of `claimtrail import`.
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ArticleBody {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub published: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub html: Option<String>,
}

/// `POST /api/articles`: ingests one article through the tracker, exactly as one line of
/// `claimtrail import` would be, and answers with what became of it.
pub async fn add_article(
    State(state): State<AppState>,
    JsonBody(body): JsonBody<ArticleBody>,
) -> Result<Response, ApiError> {
    let empty = |s: &Option<String>| s.as_deref().is_none_or(|s| s.trim().is_empty());
    if empty(&body.text) && empty(&body.html) {
        return Err(ApiError::bad_request(
            "one of `text` and `html` is required and must not be empty",
        ));
    }
    let line = serde_json::to_string(&body).map_err(ApiError::internal)?;
    let ingested = blocking(&state, move |t| {
        app::import::ingest_json(t, "request body", &line).map_err(|e| match e {
            app::AppError::Input { .. } | app::AppError::Ingest(_) => {
                ApiError::bad_request(e.to_string())
            }
            other => other.into(),
        })
    })
    .await?;
    use app::Ingested;
    let (status, body) = match ingested {
        Ingested::New {
            id,
            story,
            new_story,
        } => (
            StatusCode::CREATED,
            json!({"outcome": "new", "article": id.0, "original": null,
                   "story": story.0, "new_story": new_story}),
        ),
        // A copy is stored in its own right and filed under the original's story.
        Ingested::Copy {
            id,
            original,
            story,
        } => (
            StatusCode::CREATED,
            json!({"outcome": "copy", "article": id.0, "original": original.0,
                   "story": story.map(|s| s.0), "new_story": false}),
        ),
        // Nothing new is stored: the answer names the article it repeats.
        Ingested::Repeat { original } => (
            StatusCode::OK,
            json!({"outcome": "repeat", "article": original.0, "original": original.0,
                   "story": null, "new_story": false}),
        ),
    };
    Ok((status, Json(body)).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnalyzeBody {
    pub text: String,
    /// The day the text was published (`YYYY-MM-DD` or RFC 3339), which anchors "on Monday".
    pub published: Option<String>,
    pub id: Option<String>,
    /// Also return every token with its part of speech and lemma.
    #[serde(default)]
    pub tokens: bool,
}

fn parse_day(s: &str) -> Result<chrono::NaiveDate, ApiError> {
    let s = s.trim();
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .or_else(|_| chrono::DateTime::parse_from_rfc3339(s).map(|d| d.date_naive()))
        .map_err(|_| {
            ApiError::bad_request(format!(
                "`published` must be a date (2025-03-03) or an RFC 3339 time, not `{s}`"
            ))
        })
}

/// `POST /api/analyze`: text in, the same JSON as `claimtrail analyze` out.
pub async fn analyze(
    State(state): State<AppState>,
    JsonBody(body): JsonBody<AnalyzeBody>,
) -> Result<Response, ApiError> {
    let published = match body.published.as_deref().filter(|p| !p.trim().is_empty()) {
        Some(p) => Some(parse_day(p)?),
        None => None,
    };
    let json = blocking(&state, move |t| {
        let doc = t.pipeline().analyze(&body.text, published);
        let config = text::output::OutputConfig {
            tokens: body.tokens,
        };
        serde_json::to_value(text::output::analysis(&doc, body.id.as_deref(), config))
            .map_err(ApiError::internal)
    })
    .await?;
    Ok(Json(json).into_response())
}

pub async fn openapi() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        crate::openapi::document().to_string(),
    )
        .into_response()
}

// Alerts: watches and their deliveries (see `app::alerts`).

fn watch_id(s: &str) -> Result<i64, ApiError> {
    s.parse()
        .map_err(|_| ApiError::bad_request(format!("{s:?} is not a watch id (a number)")))
}

pub async fn watches(State(state): State<AppState>) -> Result<Response, ApiError> {
    let list = blocking(&state, |t| Ok(t.store().watches()?)).await?;
    let list: Vec<Value> = list
        .iter()
        .map(|w| app::alerts::watch_json(w, false))
        .collect();
    Ok(Json(list).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewWatchBody {
    pub kind: String,
    pub value: String,
    pub webhook: String,
    pub secret: Option<String>,
}

/// `POST /api/watches`: answers 201 with the watch and its secret, which is not shown again.
pub async fn add_watch(
    State(state): State<AppState>,
    JsonBody(body): JsonBody<NewWatchBody>,
) -> Result<Response, ApiError> {
    let Some(kind) = store::WatchKind::parse(&body.kind) else {
        return Err(ApiError::bad_request(format!(
            "`kind` must be speaker, entity, keyword or claim, not {:?}",
            body.kind
        )));
    };
    let allow_private = state.allow_private_webhooks;
    // Blocking: checking the webhook may resolve its host name.
    let watch = blocking(&state, move |t| {
        Ok(app::alerts::add_watch(
            t.store().as_ref(),
            kind,
            &body.value,
            &body.webhook,
            body.secret,
            allow_private,
        )?)
    })
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(app::alerts::watch_json(&watch, true)),
    )
        .into_response())
}

pub async fn remove_watch(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = watch_id(&id)?;
    let removed = blocking(&state, move |t| Ok(t.store().remove_watch(id)?)).await?;
    if removed {
        Ok(Json(json!({ "removed": true, "id": id })).into_response())
    } else {
        Err(ApiError::not_found(format!("there is no watch {id}")))
    }
}

pub async fn watch_deliveries(
    State(state): State<AppState>,
    Path(id): Path<String>,
    QueryParams(q): QueryParams<Limit>,
) -> Result<Response, ApiError> {
    let id = watch_id(&id)?;
    let limit = clamp_limit(q.limit, 100);
    let list = blocking(&state, move |t| {
        let store = t.store();
        Ok(match store.watch(id)? {
            Some(_) => Some(store.deliveries(Some(id), limit)?),
            None => None,
        })
    })
    .await?;
    match list {
        Some(list) => {
            let list: Vec<Value> = list.iter().map(app::alerts::delivery_json).collect();
            Ok(Json(list).into_response())
        }
        None => Err(ApiError::not_found(format!("there is no watch {id}"))),
    }
}
