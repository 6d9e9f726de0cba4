//! Feeds: RSS 0.9x, 1.0 and 2.0, Atom and JSON Feed, from bytes to [`model::Feed`].
//!
//! `feed-rs` does the format work. We add what it leaves to the caller: a size cap, charset
//! handling that survives wrong or missing declarations (`decode`), blank-to-`None`
//! normalization, and errors that name the feed. The bytes are decoded to UTF-8 first and
//! the XML declaration rewritten to say so, because feed-rs trusts the declaration and a
//! feed that lies about its encoding would otherwise come out as mojibake.

use crate::decode::{self, Kind};
use crate::error::{check_size, IngestError};
use model::{Feed, FeedFormat, FeedItem, FeedItemId};

/// Feeds over this size are refused: the largest real feeds are a few megabytes.
pub const MAX_FEED_BYTES: usize = 16 * 1024 * 1024;

/// Parses one feed. `name` (its URL or path) appears in errors; `http_charset` is the
/// `charset` of the response's Content-Type, when there was one.
///
/// ```
/// let xml = br#"<rss version="2.0"><channel><title>T</title>
///   <item><title>One</title><link>https://example.org/1</link></item></channel></rss>"#;
/// let feed = ingest::feed::parse("https://example.org/rss", xml, None).unwrap();
/// assert_eq!(feed.items[0].url.as_deref(), Some("https://example.org/1"));
/// ```
pub fn parse(name: &str, bytes: &[u8], http_charset: Option<&str>) -> Result<Feed, IngestError> {
    check_size(name, bytes, MAX_FEED_BYTES)?;
    let decoded = decode::decode(bytes, http_charset, Kind::Xml);
    let text = decode::declare_utf8(&decoded.text);
    let parsed = feed_rs::parser::Builder::new()
        .base_uri(Some(name).filter(|n| n.starts_with("http")))
        .build()
        .parse(text.as_bytes())
        .map_err(|e| IngestError::Feed {
            input: name.to_string(),
            message: e.to_string(),
        })?;
    Ok(convert(parsed))
}

fn convert(f: feed_rs::model::Feed) -> Feed {
    let format = match f.feed_type {
        feed_rs::model::FeedType::Atom => FeedFormat::Atom,
        feed_rs::model::FeedType::JSON => FeedFormat::JsonFeed,
        feed_rs::model::FeedType::RSS0 => FeedFormat::Rss0,
        feed_rs::model::FeedType::RSS1 => FeedFormat::Rss1,
        feed_rs::model::FeedType::RSS2 => FeedFormat::Rss2,
    };
    Feed {
        format,
        title: f.title.and_then(|t| clean(&t.content)),
        site_url: alternate_link(&f.links),
        description: f.description.and_then(|t| clean(&t.content)),
        language: f.language.and_then(|l| clean(&l)),
        updated: f.updated.or(f.published),
        items: f.entries.into_iter().map(item).collect(),
    }
}

fn item(e: feed_rs::model::Entry) -> FeedItem {
    FeedItem {
        id: FeedItemId::new(e.id),
        url: alternate_link(&e.links),
        title: e.title.and_then(|t| clean(&t.content)),
        summary: e.summary.and_then(|t| clean(&t.content)),
        content: e
            .content
            .and_then(|c| c.body)
            .and_then(|b| clean_keep_lines(&b)),
        authors: e
            .authors
            .into_iter()
            .filter_map(|p| p.name.as_deref().and_then(clean))
            .collect(),
        published: e.published.or(e.updated),
        updated: e.updated,
    }
}

/// The page a feed or entry points at: the `alternate` link, or the first without a `rel`.
fn alternate_link(links: &[feed_rs::model::Link]) -> Option<String> {
    links
        .iter()
        .find(|l| l.rel.as_deref() == Some("alternate"))
        .or_else(|| links.iter().find(|l| l.rel.is_none()))
        .or(links.first())
        .and_then(|l| clean(&l.href))
}

/// Collapses runs of whitespace; `None` for blank.
pub(crate) fn clean(s: &str) -> Option<String> {
    let out = s.split_whitespace().collect::<Vec<_>>().join(" ");
    (!out.is_empty()).then_some(out)
}

fn clean_keep_lines(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_string())
}
