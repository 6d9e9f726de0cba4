//! Refreshing subscriptions: fetch each due feed politely, turn what came back into articles,
//! ingest them, and record the fetch with the feed's next poll.
//!
//! A feed never stops silently: every attempt, whatever its end (new items, 304, HTTP error,
//! timeout, unparseable body), is recorded in the store with its message, its consecutive
//! failures and its next poll (adaptive after success, exponential backoff with jitter after
//! failure, never earlier than a server's Retry-After). Only a store error stops a refresh,
//! because then nothing can be recorded.
//!
//! Feed items that carry only a summary are completed by fetching their page (robots.txt
//! respected), unless a stored article already has that URL: a feed that lists the same fifty
//! items every hour costs one request, not fifty-one.

use crate::error::AppError;
use crate::tracker::{Ingested, Tracker};
use chrono::{DateTime, Utc};
use ingest::fetch::{self, FetchRequest, FetchResponse, Fetcher, Jitter, PollConfig, PollOutcome};
use model::{Article, FeedItem, TelegramPost};
use std::sync::Mutex;
use store::{FeedKind, FeedRecord, FetchOutcome, FetchRecord};

/// Feed items whose own text is shorter than this have their page fetched.
const MIN_ITEM_CHARS: usize = 400;

/// The fetcher with its politeness state and the polling policy.
pub struct Refresher {
    fetcher: Fetcher,
    poll: PollConfig,
    jitter: Mutex<Jitter>,
    /// Whether summary-only feed items have their pages fetched.
    pub fetch_pages: bool,
}

impl Refresher {
    pub fn new(fetcher: Fetcher, poll: PollConfig) -> Refresher {
        Refresher {
            fetcher,
            poll,
            jitter: Mutex::new(Jitter::new(0x5eed_c1a1_7a11)),
            fetch_pages: true,
        }
    }

    fn jitter01(&self) -> f64 {
        self.jitter
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .next01()
    }
}

/// What one refresh of one feed did, for the terminal and the logs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FeedReport {
    pub url: String,
    /// "fetched", "not modified" or the error message.
    pub status: String,
    pub ok: bool,
    pub items: u32,
    pub new_articles: u32,
    pub next_poll: DateTime<Utc>,
}

/// Refreshes every feed due at `now` (at most `limit`), one after another. Politeness is per
/// host inside the fetcher, so feeds on different hosts could go in parallel; one at a time
/// keeps the order of ingested articles deterministic.
pub fn refresh_due(
    tracker: &Tracker,
    refresher: &Refresher,
    now: DateTime<Utc>,
    limit: usize,
) -> Result<Vec<FeedReport>, AppError> {
    let due = tracker.store().due_feeds(now, limit)?;
    due.iter()
        .map(|feed| refresh_feed(tracker, refresher, feed))
        .collect()
}

/// Fetches one feed, ingests its items and records the fetch.
pub fn refresh_feed(
    tracker: &Tracker,
    refresher: &Refresher,
    feed: &FeedRecord,
) -> Result<FeedReport, AppError> {
    let started = std::time::Instant::now();
    let request = match feed.kind {
        FeedKind::Page => FetchRequest::page(feed.url.clone()),
        FeedKind::Feed | FeedKind::Telegram => FetchRequest::feed(feed.url.clone()),
    }
    .with_validators(feed.etag.clone(), feed.last_modified.clone());
    let response = refresher.fetcher.fetch(&request);
    let fetched = Utc::now();
    let mut items = 0u32;
    let mut new_articles = 0u32;
    let mut dates: Vec<DateTime<Utc>> = Vec::new();
    let (outcome, status, etag, last_modified, poll) = match &response {
        FetchResponse::NotModified {
            etag,
            last_modified,
        } => (
            FetchOutcome::NotModified,
            None,
            etag.clone(),
            last_modified.clone(),
            PollOutcome::Success,
        ),
        FetchResponse::Failed(e) => (
            FetchOutcome::Failed(e.to_string()),
            match e.kind {
                fetch::FetchErrorKind::Http { status, .. } => Some(status),
                _ => None,
            },
            None,
            None,
            response.poll_outcome(),
        ),
        FetchResponse::Body {
            status,
            final_url,
            charset,
            bytes,
            etag,
            last_modified,
            ..
        } => match articles_of(
            refresher,
            tracker,
            feed,
            final_url,
            charset.as_deref(),
            bytes,
        ) {
            Ok(articles) => {
                items = u32::try_from(articles.len()).unwrap_or(u32::MAX);
                dates = articles.iter().filter_map(|a| a.published).collect();
                for r in tracker.ingest_batch(articles, fetched) {
                    if matches!(r?, Ingested::New { .. } | Ingested::Copy { .. }) {
                        new_articles += 1;
                    }
                }
                (
                    FetchOutcome::Fetched,
                    Some(*status),
                    etag.clone(),
                    last_modified.clone(),
                    PollOutcome::Success,
                )
            }
            // The bytes came but are not what the subscription promised: a failure of the
            // feed, recorded like a network error so that it backs off and shows in health.
            Err(message) => (
                FetchOutcome::Failed(message),
                Some(*status),
                None,
                None,
                PollOutcome::Failure { retry_after: None },
            ),
        },
    };
    let failures = match outcome {
        FetchOutcome::Failed(_) => feed.health.consecutive_failures.saturating_add(1),
        _ => 0,
    };
    let next_poll = fetch::next_poll(
        fetched,
        poll,
        &dates,
        failures,
        &refresher.poll,
        refresher.jitter01(),
    );
    let report = FeedReport {
        url: feed.url.clone(),
        status: match &outcome {
            FetchOutcome::Fetched => "fetched".to_string(),
            FetchOutcome::NotModified => "not modified".to_string(),
            FetchOutcome::Failed(m) => m.clone(),
        },
        ok: !matches!(outcome, FetchOutcome::Failed(_)),
        items,
        new_articles,
        next_poll,
    };
    tracker.store().record_fetch(
        &feed.id,
        &FetchRecord {
            at: fetched,
            outcome,
            http_status: status,
            duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            items,
            new_articles,
            etag,
            last_modified,
            next_poll,
        },
    )?;
    Ok(report)
}

/// The articles in a fetched body, by the subscription's kind; an error message when the
/// body cannot be read as that kind.
fn articles_of(
    refresher: &Refresher,
    tracker: &Tracker,
    feed: &FeedRecord,
    final_url: &str,
    charset: Option<&str>,
    bytes: &[u8],
) -> Result<Vec<Article>, String> {
    match feed.kind {
        FeedKind::Feed => {
            let parsed =
                ingest::feed::parse(final_url, bytes, charset).map_err(|e| e.to_string())?;
            let source = parsed
                .title
                .clone()
                .or_else(|| feed.title.clone())
                .or_else(|| ingest::url::site_of(final_url));
            Ok(parsed
                .items
                .iter()
                .filter_map(|item| item_article(refresher, tracker, item, source.as_deref()))
                .collect())
        }
        FeedKind::Telegram => {
            let page = ingest::telegram::parse(final_url, bytes).map_err(|e| e.to_string())?;
            Ok(page.posts.iter().filter_map(post_article).collect())
        }
        FeedKind::Page => {
            let options = ingest::extract::Options {
                url: Some(final_url.to_string()),
                http_charset: charset.map(str::to_string),
                source: feed.title.clone(),
                ..ingest::extract::Options::default()
            };
            let article = ingest::extract::extract(bytes, &options).map_err(|e| e.to_string())?;
            Ok(vec![article])
        }
    }
}

/// A feed item as an article: its own content when long enough, else its page, else its
/// summary. `None` for an item with no text at all.
fn item_article(
    refresher: &Refresher,
    tracker: &Tracker,
    item: &FeedItem,
    source: Option<&str>,
) -> Option<Article> {
    let own = item
        .content
        .as_deref()
        .or(item.summary.as_deref())
        .map(ingest::extract::fragment_text)
        .unwrap_or_default();
    let canonical = item
        .url
        .as_deref()
        .and_then(|u| ingest::url::canonicalize(u).ok());
    let mut article = None;
    if own.chars().count() < MIN_ITEM_CHARS && refresher.fetch_pages {
        if let Some(url) = canonical.as_deref() {
            let known = tracker.store().article_by_url(url).ok().flatten().is_some();
            if !known {
                article = page_article(refresher, url, source);
            }
        }
    }
    let mut a = match article {
        Some(a) => a,
        None if !own.is_empty() => ingest::files::article_from_text(&own, item.url.as_deref()),
        None => return None,
    };
    if a.title.is_none() {
        a.title = item.title.clone();
    }
    if a.published.is_none() {
        a.published = item.published;
    }
    if a.byline.is_none() && !item.authors.is_empty() {
        a.byline = Some(item.authors.join(", "));
    }
    if let Some(s) = source {
        a.source = Some(s.to_string());
    }
    Some(a)
}

fn page_article(refresher: &Refresher, url: &str, source: Option<&str>) -> Option<Article> {
    match refresher.fetcher.fetch(&FetchRequest::page(url)) {
        FetchResponse::Body {
            final_url,
            charset,
            bytes,
            ..
        } => {
            let options = ingest::extract::Options {
                url: Some(final_url),
                http_charset: charset,
                source: source.map(str::to_string),
                ..ingest::extract::Options::default()
            };
            ingest::extract::extract(&bytes, &options).ok()
        }
        // The item still counts with its summary; the page's failure is not the feed's.
        _ => None,
    }
}

fn post_article(post: &TelegramPost) -> Option<Article> {
    if !post.text.chars().any(char::is_alphanumeric) {
        return None; // a photo or video without a caption says nothing to analyse
    }
    let url = post.url();
    let mut a = ingest::files::article_from_text(&post.text, Some(&url));
    a.published = post.date;
    a.source = Some(format!("@{}", post.channel));
    a.site_name = Some("t.me".to_string());
    Some(a)
}
