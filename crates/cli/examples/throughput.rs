//! End-to-end import throughput: 10,000 articles from the FNC-1 bodies and the PolNeAR texts
//! in `../shared/data`, through dedup, analysis, clustering and the SQLite store.
//!
//! Run with `cargo run --release -p claimtrail --example throughput [-- N]` from the repository
//! root. Prints articles/s, what the tracker did with them, and peak resident memory (VmHWM).
//! Skips with a printed reason when `../shared/data` is absent.
//!
//! The corpora hold fewer distinct texts than 10,000 (about 1,700 FNC-1 bodies and 900
//! PolNeAR articles), so after one pass over the distinct texts the set is reused with its
//! paragraphs rotated: every article is still analysed in full, and the tracker files the
//! reused ones as near-duplicate copies of the first pass. The report says how many were which.
//!
//! With `CLAIMTRAIL_KEEP_DB=PATH` the database is written to PATH and kept, so other benchmarks
//! (`scripts/serve-load.sh`) can serve it; PATH must not exist yet.

use app::import::ImportReport;
use app::{Tracker, TrackerConfig};
use std::sync::Arc;
use std::time::Instant;
use store::{SqliteStore, Store};

fn peak_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(10_000);
    let Some(data) = eval::shared_data_dir() else {
        println!("skipped: ../shared/data is not here");
        return Ok(());
    };
    let mut texts: Vec<String> = Vec::new();
    let mut bodies: Vec<(u32, String)> =
        eval::clustering::load_bodies(&data.join("fnc-1/train_bodies.csv"))?
            .into_iter()
            .collect();
    bodies.sort();
    texts.extend(bodies.into_iter().map(|(_, b)| b));
    for split in ["train", "dev", "test"] {
        if let Ok(articles) = eval::polnear::load_split(&data.join("polnear"), split) {
            texts.extend(articles.into_iter().map(|a| a.text));
        }
    }
    texts.retain(|t| t.split_whitespace().count() >= 20);
    let distinct = texts.len();
    let mut lines = Vec::with_capacity(n);
    for i in 0..n {
        let base = &texts[i % distinct];
        let round = i / distinct;
        let text = if round == 0 {
            base.clone()
        } else {
            let mut paras: Vec<&str> = base.split("\n").filter(|p| !p.trim().is_empty()).collect();
            let k = round % paras.len().max(1);
            paras.rotate_left(k);
            paras.join("\n\n")
        };
        lines.push(
            serde_json::json!({
                "url": format!("https://corpus.example/{i}"),
                "source": format!("Outlet {}", i % 37),
                "text": text,
            })
            .to_string(),
        );
    }
    let input = lines.join("\n");
    let keep = std::env::var_os("CLAIMTRAIL_KEEP_DB").map(std::path::PathBuf::from);
    if let Some(path) = &keep {
        if path.exists() {
            return Err(format!("CLAIMTRAIL_KEEP_DB: {} exists already", path.display()).into());
        }
    }
    let dir = std::env::temp_dir().join(format!("claimtrail-throughput-{}", std::process::id()));
    let db = keep.clone().unwrap_or_else(|| dir.join("claimtrail.db"));
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&db)?);
    let tracker = Tracker::open(store.clone(), TrackerConfig::default())?;
    let start = Instant::now();
    let report: ImportReport =
        app::import::import_jsonl(&tracker, "corpus", input.as_bytes(), &mut |_| {})?;
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{} articles ({} distinct corpus texts) in {secs:.1} s: {:.1} articles/s on {} threads",
        report.read,
        distinct,
        report.read as f64 / secs,
        rayon::current_num_threads()
    );
    println!(
        "new {}, copies {}, repeats {}, stories {}, errors {}; stored {}; peak memory {:.0} MB",
        report.new,
        report.copies,
        report.repeats,
        report.new_stories,
        report.errors.len(),
        store.article_count()?,
        peak_mb()
    );
    drop(tracker);
    drop(store);
    match keep {
        Some(path) => println!("kept the database at {}", path.display()),
        None => {
            let _ = std::fs::remove_dir_all(&dir);
        }
    }
    Ok(())
}
