//! # ingest: here are bytes from the web; what article is in them?
//!
//! Parsers from bytes to [`model`] types, each a pure function of its input: no network,
//! no database, no clock. The fetcher that gets the bytes is fenced off in [`fetch`], the
//! one module with a network, and the store that keeps the results is another crate's
//! business, so that every parser here can be tested on fixture files (`testdata/`) and
//! fuzzed with junk.
//!
//! - [`feed`]: RSS 0.9x/1.0/2.0, Atom, JSON Feed to [`model::Feed`].
//! - [`extract`]: an HTML page to a [`model::Article`] (main text and metadata).
//! - [`telegram`]: a public channel's web preview (`t.me/s/<channel>`) to posts.
//! - [`url`]: canonical URLs (tracking parameters, fragments, ports, slashes).
//! - [`dedup`]: content hashes and a MinHash/LSH index of near-duplicates.
//! - [`files`]: JSON lines and folders of `.html`/`.txt` files to articles.
//! - [`opml`]: subscription lists in and out.
//! - [`decode`]: the charset logic the others share.
//! - [`fetch`]: the polite HTTP fetcher, the one module that touches the network, and the
//!   polling schedule (adaptive intervals, backoff, Retry-After).
//!
//! Every error is an [`IngestError`] naming its input. Inputs are capped in size before
//! parsing, and no input makes a parser panic.
//!
//! ```
//! let page = br#"<html lang="en"><head><link rel="canonical" href="https://example.org/story?utm_source=feed">
//!   <meta property="og:site_name" content="Example News"></head><body><article>
//!   <p>The ministry said on Monday that the bridge would reopen in the spring after repairs.</p>
//!   <p>Engineers found cracks in two of the supports during an inspection last year.</p>
//!   </article></body></html>"#;
//! let article = ingest::extract::extract(page, &Default::default()).unwrap();
//! assert_eq!(article.canonical_url.as_deref(), Some("https://example.org/story"));
//! assert_eq!(article.site_name.as_deref(), Some("Example News"));
//! ```

pub mod decode;
pub mod dedup;
pub mod error;
pub mod extract;
pub mod feed;
pub mod fetch;
pub mod files;
pub mod meta;
pub mod opml;
pub mod telegram;
pub mod url;

pub use error::IngestError;
