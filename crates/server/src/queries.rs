//! Reads that pages and API share: synchronous functions over `&dyn Store`, run on the
//! blocking pool, returning serde values so the JSON and the HTML show the same things.
//!
//! Statements are read from the stored analysis JSON as `serde_json::Value`, not through
//! `text::output`'s borrowed structs: the JSON is the contract (older analyses in the store
//! may lack newer keys such as `speaker`), and a missing key must degrade to "unknown", never
//! to an error page.

use app::views::StoryView;
use chrono::{DateTime, Utc};
use model::ArticleId;
use serde::Serialize;
use serde_json::Value;
use std::collections::{BTreeMap, HashSet};
use store::{Store, StoryId};

/// Stories whose articles a speaker page examines besides those that mention the name.
const RECENT_STORIES: usize = 30;

/// Bars in a story's coverage chart.
pub const COVERAGE_BINS: usize = 16;

/// A story on the front page: the (cached) view plus what the list shows about it.
pub struct StoryCard {
    pub story: std::sync::Arc<crate::cache::CachedStory>,
    /// Speakers with their statement counts, most quoted first.
    pub speakers: Vec<(String, usize)>,
    /// Claims found in the story, and how many of them are contested.
    pub claims: usize,
    pub contested: usize,
}

/// What a story's card shows beyond its summary, worked out once per version of the story.
fn card_figures(story: &crate::cache::CachedStory) -> crate::cache::CardFigures {
    let view = &story.view;
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for st in &view.statements {
        if let Some(sp) = st.speaker.as_deref() {
            *counts.entry(sp.to_string()).or_default() += 1;
        }
    }
    let mut speakers: Vec<(String, usize)> = counts.into_iter().collect();
    speakers.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    speakers.truncate(6);
    let claims = view.claims.len();
    let contested = view.claims.iter().filter(|c| c.contested).count();
    (speakers, claims, contested)
}

/// The front page's stories, most recently active first, built through the story cache.
pub fn story_cards(
    store: &dyn Store,
    cache: &crate::cache::StoryCache,
    limit: usize,
) -> Result<Vec<StoryCard>, app::AppError> {
    let mut out = Vec::new();
    for s in store.stories(limit)? {
        let Some(story) = cache.story_at(store, &s)? else {
            continue;
        };
        let (speakers, claims, contested) = story.card(card_figures).clone();
        out.push(StoryCard {
            story,
            speakers,
            claims,
            contested,
        });
    }
    Ok(out)
}

/// How many of the story's articles joined in each of [`COVERAGE_BINS`] equal slices of
/// its lifetime.
pub fn coverage(
    store: &dyn Store,
    id: StoryId,
    first: DateTime<Utc>,
    last: DateTime<Utc>,
) -> Result<Vec<u32>, store::StoreError> {
    let mut bins = vec![0u32; COVERAGE_BINS];
    let span = (last - first).num_seconds().max(1);
    for m in store.story_members(id)? {
        let at = (m.added - first).num_seconds().clamp(0, span);
        let i = (at as u128 * COVERAGE_BINS as u128 / (span as u128 + 1)) as usize;
        if let Some(b) = bins.get_mut(i.min(COVERAGE_BINS - 1)) {
            *b += 1;
        }
    }
    Ok(bins)
}

/// One row of the claims matrix: a claim and where each speaker stands on it.
#[derive(Debug, Serialize)]
pub struct ClaimRow {
    pub text: String,
    /// Some speaker supports it and another denies it.
    pub contested: bool,
    /// Speaker -> their latest stance (`supports`, `denies`, `non_committal`, ...) and the
    /// earlier ones when they changed position ("denies (2025-03-04)").
    pub stances: BTreeMap<String, (String, Vec<String>)>,
    /// For each counted thing the sides disagree on: the unit and every number given.
    pub numbers: Vec<(String, Vec<Number>)>,
}

/// One number given for a claim: who gave it, as said, and when.
#[derive(Debug, Serialize)]
pub struct Number {
    pub speaker: Option<String>,
    pub text: String,
    pub date: Option<String>,
}

/// The story's claims as matrix rows (empty until the claims tracker finds any).
pub fn claims_of(view: &StoryView) -> Vec<ClaimRow> {
    view.claims
        .iter()
        .map(|c| ClaimRow {
            text: c.text.clone(),
            contested: c.contested,
            stances: c
                .speakers
                .iter()
                .map(|s| {
                    let earlier = s
                        .changed_from
                        .iter()
                        .map(|(date, st)| match date {
                            Some(d) => format!("{} ({d})", st.as_str()),
                            None => st.as_str().to_string(),
                        })
                        .collect();
                    (s.speaker.clone(), (s.stance.as_str().to_string(), earlier))
                })
                .collect(),
            numbers: c
                .numbers
                .iter()
                .map(|n| {
                    let given = n
                        .given
                        .iter()
                        .map(|g| Number {
                            speaker: g.speaker.clone(),
                            text: g.text.clone(),
                            date: g.date.clone(),
                        })
                        .collect();
                    (n.unit.clone(), given)
                })
                .collect(),
        })
        .collect()
}

/// One attributed statement, with what the analyzer knows of its speaker.
#[derive(Clone, Debug, Serialize)]
pub struct Statement {
    pub article: String,
    pub title: Option<String>,
    pub outlet: Option<String>,
    pub published: Option<DateTime<Utc>>,
    pub story: Option<i64>,
    /// The resolved speaker's name, else the source span's text.
    pub speaker: Option<String>,
    pub speaker_kind: Option<String>,
    pub role: Option<String>,
    pub country: Option<String>,
    pub anonymous: bool,
    pub cue: String,
    pub content: String,
    /// `direct`, `indirect` or `mixed`, when the analysis says.
    pub kind: Option<String>,
}

fn span_text(v: Option<&Value>) -> Option<String> {
    v?.get("text").and_then(Value::as_str).map(str::to_string)
}

/// The statements the stored analysis of `id` holds.
pub fn statements_in(
    store: &dyn Store,
    id: &ArticleId,
) -> Result<Vec<Statement>, store::StoreError> {
    let Some(stored) = store.article(id)? else {
        return Ok(Vec::new());
    };
    let Some(analysis) = store.analysis(id)? else {
        return Ok(Vec::new());
    };
    let Ok(v) = serde_json::from_str::<Value>(&analysis.json) else {
        return Ok(Vec::new());
    };
    let story = store.story_of(id)?.map(|s| s.0);
    let a = &stored.article;
    let outlet = a.source.clone().or_else(|| a.site_name.clone());
    Ok(v.get("attributions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|at| {
            let sp = at.get("speaker").filter(|s| s.is_object());
            let field = |k: &str| {
                sp.and_then(|s| s.get(k))
                    .and_then(Value::as_str)
                    .map(str::to_string)
            };
            Statement {
                article: id.0.clone(),
                title: a.title.clone(),
                outlet: outlet.clone(),
                published: a.published,
                story,
                speaker: field("name").or_else(|| span_text(at.get("source"))),
                speaker_kind: field("kind"),
                role: field("role"),
                country: field("country"),
                anonymous: sp
                    .and_then(|s| s.get("anonymous"))
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
                cue: span_text(at.get("cue")).unwrap_or_default(),
                content: at
                    .get("content")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(|c| span_text(Some(c)))
                    .collect::<Vec<_>>()
                    .join(" … "),
                kind: at.get("kind").and_then(Value::as_str).map(str::to_string),
            }
        })
        .collect())
}

/// A speaker across stories.
#[derive(Debug, Serialize)]
pub struct SpeakerView {
    pub name: String,
    pub kind: Option<String>,
    pub role: Option<String>,
    pub country: Option<String>,
    /// Oldest first.
    pub statements: Vec<Statement>,
}

/// Statements by `name` (compared without case) in articles that mention it and in the
/// recent stories. Articles that do not contain the name and belong to no recent story are
/// not examined: the store has no index by speaker yet.
pub fn speaker(store: &dyn Store, name: &str, limit: usize) -> Result<SpeakerView, app::AppError> {
    let wanted = name.trim().to_lowercase();
    let mut seen = HashSet::new();
    let mut candidates: Vec<ArticleId> = Vec::new();
    for hit in store.search(name, 500)? {
        if seen.insert(hit.id.clone()) {
            candidates.push(hit.id);
        }
    }
    for s in store.stories(RECENT_STORIES)? {
        for id in store.story_articles(s.id)? {
            if seen.insert(id.clone()) {
                candidates.push(id);
            }
        }
    }
    let mut statements = Vec::new();
    for id in &candidates {
        statements.extend(statements_in(store, id)?.into_iter().filter(|s| {
            s.speaker.as_deref().map(|n| n.trim().to_lowercase()) == Some(wanted.clone())
        }));
    }
    statements.sort_by_key(|s| s.published);
    statements.truncate(limit);
    let first_some =
        |f: fn(&Statement) -> Option<&String>| statements.iter().find_map(|s| f(s).cloned());
    Ok(SpeakerView {
        name: statements
            .first()
            .and_then(|s| s.speaker.clone())
            .unwrap_or_else(|| name.trim().to_string()),
        kind: first_some(|s| s.speaker_kind.as_ref()),
        role: first_some(|s| s.role.as_ref()),
        country: first_some(|s| s.country.as_ref()),
        statements,
    })
}

/// One article found by search.
#[derive(Debug, Serialize)]
pub struct ArticleHit {
    pub id: String,
    pub title: Option<String>,
    /// Matched words are in `[` `]`.
    pub snippet: String,
    pub story: Option<i64>,
}

#[derive(Debug, Serialize)]
pub struct SearchResults {
    pub query: String,
    pub articles: Vec<ArticleHit>,
    /// Statements in the found articles whose speaker or content has every query word.
    pub statements: Vec<Statement>,
}

pub fn search(store: &dyn Store, q: &str, limit: usize) -> Result<SearchResults, app::AppError> {
    let q = q.trim();
    let mut results = SearchResults {
        query: q.to_string(),
        articles: Vec::new(),
        statements: Vec::new(),
    };
    if q.is_empty() {
        return Ok(results);
    }
    let words: Vec<String> = q
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    for hit in store.search(q, limit)? {
        let story = store.story_of(&hit.id)?.map(|s| s.0);
        for st in statements_in(store, &hit.id)? {
            let hay =
                format!("{} {}", st.speaker.as_deref().unwrap_or(""), st.content).to_lowercase();
            if words.iter().all(|w| hay.contains(w.as_str())) {
                results.statements.push(st);
            }
        }
        results.articles.push(ArticleHit {
            id: hit.id.0,
            title: hit.title,
            snippet: hit.snippet,
            story,
        });
    }
    Ok(results)
}

/// A subscription with its health, as the feeds page and `/api/feeds` show it.
#[derive(Debug, Serialize)]
pub struct FeedView {
    pub url: String,
    pub kind: &'static str,
    pub title: Option<String>,
    pub added: DateTime<Utc>,
    pub last_success: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub last_error_at: Option<DateTime<Utc>>,
    pub consecutive_failures: u32,
    /// `None`: due now (never fetched).
    pub next_poll: Option<DateTime<Utc>>,
}

impl From<&store::FeedRecord> for FeedView {
    fn from(f: &store::FeedRecord) -> FeedView {
        let h = &f.health;
        FeedView {
            url: f.url.clone(),
            kind: f.kind.as_str(),
            title: f.title.clone(),
            added: f.added,
            last_success: h.last_success,
            last_error: h.last_error.clone(),
            last_error_at: h.last_error_at,
            consecutive_failures: h.consecutive_failures,
            next_poll: h.next_poll,
        }
    }
}

pub fn feeds(store: &dyn Store) -> Result<Vec<FeedView>, store::StoreError> {
    Ok(store.feeds()?.iter().map(FeedView::from).collect())
}

/// Validates a subscription request: an absolute http(s) URL; the kind defaults to
/// `telegram` for t.me addresses and `feed` otherwise.
pub fn new_feed(
    url: &str,
    kind: Option<&str>,
    title: Option<String>,
) -> Result<store::NewFeed, String> {
    let parsed = url::Url::parse(url.trim()).map_err(|e| format!("`{url}` is not a URL: {e}"))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(format!(
            "`{url}`: only http and https addresses can be followed"
        ));
    }
    let telegram = parsed.host_str() == Some("t.me");
    let kind = match kind.map(str::trim).filter(|k| !k.is_empty()) {
        None if telegram => store::FeedKind::Telegram,
        None => store::FeedKind::Feed,
        Some(k) => store::FeedKind::parse(k)
            .ok_or_else(|| format!("unknown kind `{k}` (feed, telegram or page)"))?,
    };
    if kind == store::FeedKind::Telegram && !telegram {
        return Err(format!(
            "`{url}` is not a Telegram channel (https://t.me/s/NAME)"
        ));
    }
    let mut feed = store::NewFeed::new(parsed.to_string(), kind);
    feed.title = title.filter(|t| !t.trim().is_empty());
    Ok(feed)
}

/// An article with its analysis and story, for the article page and `/api/articles/{id}`.
#[derive(Debug, Serialize)]
pub struct ArticleDetail {
    pub article: model::Article,
    pub fetched: DateTime<Utc>,
    pub story: Option<i64>,
    /// The stored analysis: the JSON of `claimtrail analyze`; `null` when not analysed.
    pub analysis: Option<Value>,
    pub pipeline_version: Option<String>,
}

pub fn article(store: &dyn Store, id: &str) -> Result<Option<ArticleDetail>, store::StoreError> {
    let id = ArticleId::new(id);
    let Some(stored) = store.article(&id)? else {
        return Ok(None);
    };
    let analysis = store.analysis(&id)?;
    Ok(Some(ArticleDetail {
        story: store.story_of(&id)?.map(|s| s.0),
        pipeline_version: analysis.as_ref().map(|a| a.pipeline_version.clone()),
        analysis: analysis.and_then(|a| serde_json::from_str(&a.json).ok()),
        article: stored.article,
        fetched: stored.fetched,
    }))
}
