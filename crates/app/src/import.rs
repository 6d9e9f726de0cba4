//! Importing files: JSON lines (`{"url","source","published","title","text"|"html"}`), a
//! folder of `.html`/`.htm`/`.txt` files, or one such file, into the tracker.
//!
//! Why batches: analysis runs on all cores a batch at a time while reading stays streaming,
//! so a file of a million lines imports in bounded memory. A bad line or file is reported with
//! its name and line number and the import goes on.

use crate::error::AppError;
use crate::tracker::{Ingested, Tracker};
use chrono::Utc;
use model::Article;
use std::io::BufRead;
use std::path::Path;

/// Articles per batch: enough to keep every core busy, small enough to bound memory.
pub const BATCH: usize = 256;

/// Counts of what an import did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImportReport {
    pub read: u64,
    pub new: u64,
    pub copies: u64,
    pub repeats: u64,
    pub new_stories: u64,
    /// One message per failed line or file, naming it.
    pub errors: Vec<String>,
}

impl ImportReport {
    fn count(&mut self, r: Result<Ingested, AppError>) {
        match r {
            Ok(Ingested::New { new_story, .. }) => {
                self.new += 1;
                self.new_stories += u64::from(new_story);
            }
            Ok(Ingested::Copy { .. }) => self.copies += 1,
            Ok(Ingested::Repeat { .. }) => self.repeats += 1,
            Err(e) => self.errors.push(e.to_string()),
        }
    }
}

/// Imports `path` (a `.jsonl` file, `-` for standard input, a folder, or one `.html`/`.txt`
/// file). `progress` is called after every batch with the running report.
pub fn import_path(
    tracker: &Tracker,
    path: &Path,
    progress: &mut dyn FnMut(&ImportReport),
) -> Result<ImportReport, AppError> {
    let name = path.display().to_string();
    let input_err = |message: String| AppError::Input {
        input: name.clone(),
        message,
    };
    if path.as_os_str() == "-" {
        let stdin = std::io::stdin();
        return import_jsonl(tracker, "standard input", stdin.lock(), progress);
    }
    if path.is_dir() {
        let items = ingest::files::read_dir(path)?;
        let mut report = ImportReport::default();
        let mut batch = Vec::new();
        for item in items {
            report.read += 1;
            match item {
                Ok(a) => batch.push(a),
                Err(e) => report.errors.push(e.to_string()),
            }
            if batch.len() >= BATCH {
                flush(tracker, &mut batch, &mut report);
                progress(&report);
            }
        }
        flush(tracker, &mut batch, &mut report);
        progress(&report);
        return Ok(report);
    }
    let is_jsonl = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| matches!(e.to_ascii_lowercase().as_str(), "jsonl" | "ndjson" | "json"));
    if is_jsonl {
        let file = std::fs::File::open(path).map_err(|e| input_err(e.to_string()))?;
        return import_jsonl(tracker, &name, std::io::BufReader::new(file), progress);
    }
    if !path.exists() {
        return Err(input_err("no such file or folder".into()));
    }
    let article = ingest::files::read_file(path)?;
    let mut report = ImportReport {
        read: 1,
        ..ImportReport::default()
    };
    report.count(tracker.ingest(article, Utc::now()));
    progress(&report);
    Ok(report)
}

/// Imports JSON lines from `reader`; `name` appears in messages.
pub fn import_jsonl(
    tracker: &Tracker,
    name: &str,
    reader: impl BufRead,
    progress: &mut dyn FnMut(&ImportReport),
) -> Result<ImportReport, AppError> {
    let mut report = ImportReport::default();
    let mut batch = Vec::with_capacity(BATCH);
    for item in ingest::files::read_jsonl(name, reader) {
        report.read += 1;
        match item {
            Ok(a) => batch.push(a),
            Err(e) => report.errors.push(e.to_string()),
        }
        if batch.len() >= BATCH {
            flush(tracker, &mut batch, &mut report);
            progress(&report);
        }
    }
    flush(tracker, &mut batch, &mut report);
    progress(&report);
    Ok(report)
}

/// Ingests one record in the import format (`line` is its JSON) and says what became of it:
/// what `POST /api/articles` answers with. `name` appears in messages.
pub fn ingest_json(tracker: &Tracker, name: &str, line: &str) -> Result<Ingested, AppError> {
    let mut items = ingest::files::read_jsonl(name, std::io::Cursor::new(line.as_bytes()));
    match items.next() {
        Some(Ok(article)) => tracker.ingest(article, Utc::now()),
        Some(Err(e)) => Err(e.into()),
        None => Err(AppError::Input {
            input: name.to_string(),
            message: "no article in it".into(),
        }),
    }
}

fn flush(tracker: &Tracker, batch: &mut Vec<Article>, report: &mut ImportReport) {
    if batch.is_empty() {
        return;
    }
    let now = Utc::now();
    for r in tracker.ingest_batch(std::mem::take(batch), now) {
        report.count(r);
    }
}
