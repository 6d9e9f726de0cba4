//! `StoreError`: every failure names the database it happened in and what was being done.
//!
//! The error carries the backend's message as text plus a boxed source rather than a
//! `rusqlite::Error`, so the PostgreSQL implementation returns the same type and callers
//! (the app, the CLI) never see which backend failed.

use std::fmt;

type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// A storage failure: where (`location`, the database path or URL) and what.
#[derive(Debug, thiserror::Error)]
#[error("{location}: {kind}")]
pub struct StoreError {
    pub location: String,
    pub kind: ErrorKind,
}

/// What went wrong. The backend's own error is kept as the source and shown in the message,
/// because "inserting article" alone does not tell an operator that the disk is full.
#[derive(Debug, thiserror::Error)]
pub enum ErrorKind {
    #[error("cannot open the database: {0}")]
    Open(#[source] BoxError),
    #[error(
        "the database is at schema version {found}, newer than this build knows ({supported}); \
         use a newer claimtrail or another database"
    )]
    TooNew { found: i64, supported: i64 },
    #[error("{op}: {source}")]
    Query {
        op: &'static str,
        #[source]
        source: BoxError,
    },
    /// A stored value that this code cannot read back (hand-edited row, bug in a writer).
    #[error("bad value in {column}: {detail}")]
    BadValue {
        column: &'static str,
        detail: String,
    },
    /// The caller referred to something that is not there (a feed never added).
    #[error("{what} not found: {id}")]
    NotFound { what: &'static str, id: String },
    /// Copying between stores found the target holding something else under the same key.
    #[error("{what} {id} already exists and differs: {detail}")]
    Conflict {
        what: &'static str,
        id: String,
        detail: String,
    },
}

impl StoreError {
    pub fn new(location: impl fmt::Display, kind: ErrorKind) -> StoreError {
        StoreError {
            location: location.to_string(),
            kind,
        }
    }

    /// True when the error is a reference to a missing row, which callers often handle.
    pub fn is_not_found(&self) -> bool {
        matches!(self.kind, ErrorKind::NotFound { .. })
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;
