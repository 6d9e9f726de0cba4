//! The bundled sample story, so a first `claimtrail serve` on an empty database shows a
//! populated UI without touching the network.
//!
//! The articles are `samples/estmark-border.jsonl` (fictional; see `samples/README.md`),
//! compiled into the binary and imported through the same path as `claimtrail import`, so
//! importing them twice stores them once.

use app::import::ImportReport;
use app::Tracker;

/// `samples/estmark-border.jsonl`, in the import format.
pub const ESTMARK_BORDER: &str = include_str!("../../../samples/estmark-border.jsonl");

/// Imports the sample story (again is harmless: repeats are recorded as sightings only).
pub fn import(tracker: &Tracker) -> Result<ImportReport, app::AppError> {
    app::import::import_jsonl(
        tracker,
        "samples/estmark-border.jsonl",
        std::io::Cursor::new(ESTMARK_BORDER.as_bytes()),
        &mut |_| {},
    )
}

/// Imports the sample story when the store holds no article yet; `None` when it had some.
pub fn import_if_empty(tracker: &Tracker) -> Result<Option<ImportReport>, app::AppError> {
    if tracker.store().article_count()? > 0 {
        return Ok(None);
    }
    import(tracker).map(Some)
}
