//! `claimtrail worker` and `claimtrail migrate`: the commands of a deployment that has outgrown
//! one process (PostgreSQL shared by workers on many machines). Flags and glue only: the loop
//! is `app::worker`, the copy `store::copy`.

use crate::tracking::{is_postgres, open_store, split_schema};
use anyhow::{bail, Context, Result};
use clap::Args;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use store::Store;

#[derive(Args, Debug)]
pub struct WorkerArgs {
    /// Jobs claimed at once (article jobs in a batch are analysed in parallel).
    #[arg(long, default_value_t = 16)]
    batch: usize,
    /// The worker's name in leases and logs (default: host name and process id).
    #[arg(long)]
    id: Option<String>,
    /// Seconds a claim holds before another worker may take the job over; renewed while the
    /// worker is busy with it.
    #[arg(long, default_value_t = 60)]
    lease: u64,
    /// Only article jobs: do not poll feeds.
    #[arg(long)]
    no_feeds: bool,
    /// Exit once the queue has no open job instead of waiting for more.
    #[arg(long)]
    exit_when_idle: bool,
    /// Allow feeds and pages on loopback and private addresses (off by default).
    #[arg(long)]
    allow_private: bool,
}

pub fn worker(db: Option<&Path>, args: WorkerArgs) -> Result<ExitCode> {
    if args.batch == 0 || args.lease == 0 {
        bail!("--batch and --lease must be at least 1");
    }
    let stop = Arc::new(AtomicBool::new(false));
    {
        let stop = stop.clone();
        // With ctrlc's "termination" feature this covers SIGTERM and SIGHUP as well as Ctrl-C.
        ctrlc::set_handler(move || {
            if stop.swap(true, Ordering::SeqCst) {
                std::process::exit(130);
            }
            eprintln!("claimtrail: stopping after the current batch");
        })
        .context("installing the signal handler")?;
    }
    let id = args.id.clone().unwrap_or_else(|| {
        let host = std::fs::read_to_string("/etc/hostname")
            .map(|h| h.trim().to_string())
            .unwrap_or_default();
        format!("{host}:{}", std::process::id())
    });
    let started = Instant::now();
    let inner = open_store(db)?;
    let timed = Arc::new(store::timed::TimedStore::new(inner));
    let store: Arc<dyn Store> = timed.clone();
    let tracker =
        app::Tracker::open(store, app::TrackerConfig::default()).context("starting the tracker")?;
    let refresher = (!args.no_feeds).then(|| {
        use ingest::fetch::{FetchConfig, Fetcher, PollConfig};
        app::refresh::Refresher::new(
            Fetcher::new(FetchConfig {
                allow_private: args.allow_private,
                ..FetchConfig::default()
            }),
            PollConfig::default(),
        )
    });
    let mut config = app::worker::WorkerConfig::new(id.clone(), stop);
    config.batch = args.batch;
    config.lease = Duration::from_secs(args.lease);
    config.exit_when_idle = args.exit_when_idle;
    eprintln!("worker {id}: started on {}", tracker.store().location());
    let work_started = Instant::now();
    let busy_before = timed.busy();
    let r = app::worker::run_worker(&tracker, refresher.as_ref(), &config);
    let secs = work_started.elapsed().as_secs_f64().max(1e-9);
    let busy = (timed.busy() - busy_before).as_secs_f64();
    // One line, parsed by the scaling measurement: keep its words stable.
    println!(
        "worker {id}: {} jobs done, {} articles, {} retried, {} failed, {} leases lost, {} released, \
         {} store errors; {:.1} s working ({:.1} s with startup), {:.1} articles/s; store calls {:.1} s \
         ({:.0}% of working time, {:.1} s waiting for the commit lock)",
        r.jobs_done,
        r.articles,
        r.jobs_retried,
        r.jobs_failed,
        r.leases_lost,
        r.released,
        r.store_errors,
        secs,
        started.elapsed().as_secs_f64(),
        r.articles as f64 / secs,
        busy,
        100.0 * busy / secs,
        timed.lock_wait().as_secs_f64(),
    );
    Ok(ExitCode::SUCCESS)
}

#[derive(Args, Debug)]
pub struct MigrateArgs {
    /// The store to copy: `sqlite:PATH` (or a path) or `postgres://...`.
    #[arg(long)]
    from: String,
    /// The store to copy into (created and migrated if needed); running again copies only
    /// what is new.
    #[arg(long)]
    to: String,
}

fn open_spec(spec: &str) -> Result<Arc<dyn Store>> {
    if is_postgres(spec) {
        let (url, schema) = split_schema(spec);
        let joined = match schema {
            Some(s) if url.contains('?') => format!("{url}&schema={s}"),
            Some(s) => format!("{url}?schema={s}"),
            None => url,
        };
        return open_store(Some(Path::new(&joined)));
    }
    let path = PathBuf::from(spec.strip_prefix("sqlite:").unwrap_or(spec));
    if !path.exists() {
        bail!("{}: no such database", path.display());
    }
    open_store(Some(&path))
}

pub fn migrate(args: MigrateArgs) -> Result<ExitCode> {
    let from = open_spec(&args.from)?;
    let to = open_spec(&args.to)?;
    let started = Instant::now();
    let mut last = Instant::now();
    let report = store::copy::copy_all(from.as_ref(), to.as_ref(), &mut |r| {
        if last.elapsed() >= Duration::from_secs(1) {
            last = Instant::now();
            let total = r.total.map_or_else(String::new, |t| format!(" of {t}"));
            eprintln!("copying {:?}: {}{total}", r.stage, r.done);
        }
    })
    .with_context(|| format!("copying {} into {}", from.location(), to.location()))?;
    let c = |c: store::copy::Counts| format!("{} new, {} present", c.new, c.present);
    println!("{} -> {}", from.location(), to.location());
    println!("feeds: {} ({} fetches)", c(report.feeds), report.fetches);
    println!(
        "articles: {} ({} under another id)",
        c(report.articles),
        report.renamed
    );
    println!("analyses: {}", c(report.analyses));
    println!("sightings: {}", c(report.sightings));
    println!("terms: {}", c(report.terms));
    println!(
        "stories: {} ({} members)",
        c(report.stories),
        report.members
    );
    println!(
        "{} records new in {:.1} s",
        report.new_total(),
        started.elapsed().as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}
