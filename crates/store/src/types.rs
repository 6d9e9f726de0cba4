//! The records the store keeps beside `model`'s types: feed health, fetch history, stories,
//! analyses, search hits, and the outcome of an idempotent insert.
//!
//! They live here rather than in `model` because they describe storage bookkeeping (when to
//! poll, which pipeline version wrote an analysis), not the news itself.

use chrono::{DateTime, Utc};
use model::{Article, ArticleId, FeedId};

/// What `insert_article` did. Both carry the id under which the article is stored, which is
/// the earlier article's id when the new one was a repeat.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Inserted {
    Inserted(ArticleId),
    Existing(ArticleId),
}

impl Inserted {
    pub fn id(&self) -> &ArticleId {
        match self {
            Inserted::Inserted(id) | Inserted::Existing(id) => id,
        }
    }
    pub fn is_new(&self) -> bool {
        matches!(self, Inserted::Inserted(_))
    }
}

/// What a subscription points at; decides which parser reads its bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FeedKind {
    /// RSS, Atom or JSON Feed (the parser tells which).
    Feed,
    /// A public Telegram channel read through `t.me/s/<channel>`.
    Telegram,
    /// A single page watched for changes.
    Page,
}

impl FeedKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FeedKind::Feed => "feed",
            FeedKind::Telegram => "telegram",
            FeedKind::Page => "page",
        }
    }
    pub fn parse(s: &str) -> Option<FeedKind> {
        match s {
            "feed" => Some(FeedKind::Feed),
            "telegram" => Some(FeedKind::Telegram),
            "page" => Some(FeedKind::Page),
            _ => None,
        }
    }
}

/// A subscription to add.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewFeed {
    pub url: String,
    pub title: Option<String>,
    pub kind: FeedKind,
}

impl NewFeed {
    pub fn new(url: impl Into<String>, kind: FeedKind) -> NewFeed {
        NewFeed {
            url: url.into(),
            title: None,
            kind,
        }
    }
    /// The id a feed gets: its URL as subscribed (see `model::FeedId`).
    pub fn id(&self) -> FeedId {
        FeedId::new(self.url.clone())
    }
}

/// Whether a feed is working, so that none stops silently.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FeedHealth {
    pub last_success: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub last_error_at: Option<DateTime<Utc>>,
    pub consecutive_failures: u32,
    /// `None` until the first fetch is recorded: a new feed is due at once.
    pub next_poll: Option<DateTime<Utc>>,
}

/// A stored feed: the subscription, the validators for conditional GET, and its health.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FeedRecord {
    pub id: FeedId,
    pub url: String,
    pub title: Option<String>,
    pub kind: FeedKind,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub added: DateTime<Utc>,
    pub health: FeedHealth,
}

/// How one fetch ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FetchOutcome {
    /// A body came back and was parsed.
    Fetched,
    /// 304: nothing new, and the feed is healthy.
    NotModified,
    /// Network error, HTTP error or unparseable body, as a message for the operator.
    Failed(String),
}

/// One fetch of one feed, as the fetcher reports it. Recording it appends to the history and
/// updates the feed's health and validators in the same transaction. The store does not
/// choose `next_poll`: backoff and adaptive intervals are the fetcher's policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FetchRecord {
    pub at: DateTime<Utc>,
    pub outcome: FetchOutcome,
    pub http_status: Option<u16>,
    pub duration_ms: u64,
    /// Items the feed listed, and how many of them were new articles.
    pub items: u32,
    pub new_articles: u32,
    /// Validators from this response; `None` keeps the stored ones.
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub next_poll: DateTime<Utc>,
}

/// An article as stored: the `model` value plus when it was fetched.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredArticle {
    pub article: Article,
    pub fetched: DateTime<Utc>,
}

/// The JSON that `claimtrail analyze` printed for an article, and which pipeline wrote it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Analysis {
    pub article: ArticleId,
    pub pipeline_version: String,
    pub json: String,
    pub analyzed: DateTime<Utc>,
}

/// A story's id, assigned by the store.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct StoryId(pub i64);

impl std::fmt::Display for StoryId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// A developing story. First and last seen follow its members' times.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Story {
    pub id: StoryId,
    pub title: Option<String>,
    pub first_seen: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    pub articles: u32,
}

/// One full-text search result, best first.
#[derive(Clone, Debug, PartialEq)]
pub struct SearchHit {
    pub id: ArticleId,
    pub title: Option<String>,
    /// A short extract of the text around the matched words, matches in `[` `]`.
    pub snippet: String,
    /// Lower is better (SQLite's bm25 convention); comparable only within one result list.
    pub rank: f64,
}

/// One outlet carrying an article at one address: the original's own appearance, or an exact
/// copy that dedup folded into it. Together they say who published a text and when.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sighting {
    pub article: ArticleId,
    pub url: Option<String>,
    /// The outlet ("Yonhap", "ndtv.com").
    pub source: Option<String>,
    /// When that outlet published it, as it says.
    pub published: Option<DateTime<Utc>>,
    /// When claimtrail saw it there.
    pub seen: DateTime<Utc>,
}

/// One article's membership in a story and when it joined, as `Store::story_members` lists
/// it, so that copying a store keeps the join order and times.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoryMember {
    pub article: ArticleId,
    pub added: DateTime<Utc>,
}
