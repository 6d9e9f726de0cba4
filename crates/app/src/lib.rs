//! # app: claimtrail's use cases, composed from the pure crates and the store
//!
//! The one orchestrator of the data flow in DESIGN.md: an article (from a feed, a page, a
//! Telegram post or a file) is deduplicated, analysed, clustered into a story and stored;
//! a feed is fetched politely and its items ingested; a story is read back as a view with
//! its articles, copies and outlets. The CLI, the server and the workers all call this crate,
//! so each use case exists once.
//!
//! Why [`Tracker`] holds state in memory: near-duplicate detection and story clustering need
//! indexes over recent articles (MinHash bands, an inverted index over story terms) that would
//! be slow to query from SQL article by article. The store stays the truth: the indexes are
//! rebuilt from it when a tracker opens (recent articles' texts and each article's stored story
//! terms), so a restart, or a process killed mid-run, changes no later decision.
//!
//! Why ingest is split into `prepare` and `commit`: analysis is the costly, pure part and runs
//! on all cores; dedup, clustering and the writes are cheap and must happen in one order for
//! the outcome to be deterministic, so they run one article at a time.

pub mod alerts;
mod error;
pub mod import;
pub mod refresh;
mod tracker;
pub mod views;
pub mod worker;

pub use error::AppError;
pub use tracker::{Event, Ingested, Prepared, Tracker, TrackerConfig, PIPELINE_VERSION};
