//! Errors of the use cases: each names the input (file and line, feed URL, article id) it
//! concerns, so a message on the terminal says what to fix.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum AppError {
    #[error(transparent)]
    Store(#[from] store::StoreError),
    #[error("loading the text pipeline: {0}")]
    Pipeline(String),
    #[error("{input}: {message}")]
    Input { input: String, message: String },
    #[error(transparent)]
    Ingest(#[from] ingest::IngestError),
}
