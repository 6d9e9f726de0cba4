//! # model: the plain domain types every claimtrail crate speaks
//!
//! Articles, feeds and their items, Telegram posts, subscriptions, and the newtype ids that
//! name them. The types are data only: no parsing, no I/O, no validation beyond what the
//! types themselves state. Parsers live in `ingest`, storage in `store`; both agree on these
//! shapes, which is why they sit in a crate that depends on no crate of ours.
//!
//! Why newtypes for ids: an article id, a feed id and a content hash are all strings, and
//! mixing them up is the kind of bug a type catches for free.
//!
//! Unset differs from empty: a field the source did not give is `None`; `Some("")` never
//! appears (constructors in `ingest` turn blank values into `None`).
//!
//! ```
//! use model::{Article, ArticleId, ContentHash};
//! let a = Article::new(ArticleId::new("a1"), "Seoul said on Friday ...", ContentHash::new("ff"));
//! assert_eq!(a.title, None);
//! let json = serde_json::to_string(&a).unwrap();
//! let back: Article = serde_json::from_str(&json).unwrap();
//! assert_eq!(back, a);
//! ```

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub String);

        impl $name {
            pub fn new(s: impl Into<String>) -> Self {
                Self(s.into())
            }
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

string_id!(
    /// Identifies an article across runs: derived by `ingest` from its canonical URL, or
    /// from its content hash when it has no URL.
    ArticleId
);
string_id!(
    /// Identifies a feed: its URL as subscribed.
    FeedId
);
string_id!(
    /// A feed item's own id (RSS `guid`, Atom `id`, JSON Feed `id`), or one generated from
    /// its link and title when the feed gives none.
    FeedItemId
);
string_id!(
    /// Hex digest of an article's normalized text: equal hashes mean the same words.
    ContentHash
);

/// One article: the main text of a page with the metadata found around it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Article {
    pub id: ArticleId,
    /// Where the text was read from, as given.
    pub url: Option<String>,
    /// The page's own idea of its address (`rel=canonical`, `og:url`), canonicalized.
    pub canonical_url: Option<String>,
    pub title: Option<String>,
    pub byline: Option<String>,
    pub published: Option<DateTime<Utc>>,
    pub site_name: Option<String>,
    /// BCP 47 tag as the page declares it (`en`, `en-US`, `ru`).
    pub language: Option<String>,
    /// The outlet, as the feed or import names it ("Yonhap", "bbc.co.uk").
    pub source: Option<String>,
    /// Main text, paragraphs separated by a blank line.
    pub text: String,
    pub content_hash: ContentHash,
    /// Set when this article is a copy of an earlier one (syndication, near-duplicate).
    pub copy_of: Option<ArticleId>,
}

impl Article {
    /// An article with only its text known.
    pub fn new(id: ArticleId, text: impl Into<String>, content_hash: ContentHash) -> Article {
        Article {
            id,
            url: None,
            canonical_url: None,
            title: None,
            byline: None,
            published: None,
            site_name: None,
            language: None,
            source: None,
            text: text.into(),
            content_hash,
            copy_of: None,
        }
    }
}

/// Which syndication format a feed was written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FeedFormat {
    /// RSS 0.90, 0.91 or 0.92.
    Rss0,
    /// RSS 1.0 (RDF).
    Rss1,
    Rss2,
    Atom,
    JsonFeed,
}

/// A feed as parsed from one fetch.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Feed {
    pub format: FeedFormat,
    pub title: Option<String>,
    /// The site the feed belongs to (RSS `link`, Atom `link rel=alternate`).
    pub site_url: Option<String>,
    pub description: Option<String>,
    pub language: Option<String>,
    pub updated: Option<DateTime<Utc>>,
    pub items: Vec<FeedItem>,
}

/// One entry of a feed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FeedItem {
    pub id: FeedItemId,
    /// The article's address (the first alternate link).
    pub url: Option<String>,
    pub title: Option<String>,
    /// Short description, as HTML or text as the feed gave it.
    pub summary: Option<String>,
    /// Full content when the feed carries it (`content:encoded`, Atom `content`).
    pub content: Option<String>,
    pub authors: Vec<String>,
    pub published: Option<DateTime<Utc>>,
    pub updated: Option<DateTime<Utc>>,
}

/// A post in a public Telegram channel, as its web preview shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TelegramPost {
    /// Channel username without `@` (`durov`).
    pub channel: String,
    /// The post's number in the channel (`https://t.me/<channel>/<id>`).
    pub id: u64,
    pub date: Option<DateTime<Utc>>,
    pub text: String,
    /// Views as shown (`1.2K` becomes 1200), so approximate above a thousand.
    pub views: Option<u64>,
    pub links: Vec<String>,
    pub has_photo: bool,
    pub has_video: bool,
}

impl TelegramPost {
    /// The post's public address.
    pub fn url(&self) -> String {
        format!("https://t.me/{}/{}", self.channel, self.id)
    }
}

/// A subscription: what OPML files list and `claimtrail feeds` manages.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subscription {
    pub feed_url: String,
    pub title: Option<String>,
    /// The site's home page (OPML `htmlUrl`).
    pub site_url: Option<String>,
    /// Folder path, outermost first, as nested OPML outlines give it.
    pub category: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_serialize_as_plain_strings() {
        let id = FeedItemId::new("urn:1");
        assert_eq!(serde_json::to_string(&id).unwrap(), "\"urn:1\"");
    }

    #[test]
    fn telegram_post_url() {
        let p = TelegramPost {
            channel: "example".into(),
            id: 42,
            date: None,
            text: String::new(),
            views: None,
            links: vec![],
            has_photo: false,
            has_video: false,
        };
        assert_eq!(p.url(), "https://t.me/example/42");
    }

    #[test]
    fn feed_format_names_are_lowercase() {
        assert_eq!(
            serde_json::to_string(&FeedFormat::JsonFeed).unwrap(),
            "\"jsonfeed\""
        );
    }
}
