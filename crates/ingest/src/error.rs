//! The one error type of `ingest`: every variant names the input it concerns (a URL, a path,
//! `<stdin>`), so a message read in a log says which feed or page was bad and why.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// The input is larger than the configured cap; nothing was parsed.
    #[error("{input}: {size} bytes is over the limit of {limit} bytes")]
    TooLarge {
        input: String,
        size: usize,
        limit: usize,
    },
    /// Not a feed in any format we read (malformed XML, unknown root, bad JSON).
    #[error("{input}: not a valid feed: {message}")]
    Feed { input: String, message: String },
    /// Bytes that are not an HTML page at all (binary data, an image, a PDF).
    #[error("{input}: not an HTML page: {reason}")]
    NotHtml { input: String, reason: String },
    /// A page with no main text we could find.
    #[error("{input}: no article text found")]
    NoText { input: String },
    /// A page that is not a Telegram channel preview.
    #[error("{input}: not a Telegram channel page: {message}")]
    Telegram { input: String, message: String },
    /// A string that is not an absolute http(s) URL.
    #[error("{input}: not a usable URL: {message}")]
    Url { input: String, message: String },
    /// An OPML file that cannot be read.
    #[error("{input}: not a valid OPML file: {message}")]
    Opml { input: String, message: String },
    /// One bad line of a JSON-lines file; the lines around it are still read.
    #[error("{input}:{line}: {message}")]
    Line {
        input: String,
        line: usize,
        message: String,
    },
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl IngestError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> IngestError {
        IngestError::Io {
            path: path.into(),
            source,
        }
    }
}

/// Refuses input over `limit` bytes before any work is spent on it.
pub(crate) fn check_size(input: &str, bytes: &[u8], limit: usize) -> Result<(), IngestError> {
    if bytes.len() > limit {
        return Err(IngestError::TooLarge {
            input: input.to_string(),
            size: bytes.len(),
            limit,
        });
    }
    Ok(())
}
