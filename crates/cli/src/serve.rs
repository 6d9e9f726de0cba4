//! `claimtrail serve`: the web UI and HTTP API on one database, with the feed poller running
//! in the same process unless `--no-track`.
//!
//! On an empty database (or with `--sample`) the bundled sample story is imported first, so
//! a newcomer's first `claimtrail serve` shows a populated UI without touching the network.
//! The poller is a plain thread calling `app::refresh` for each due feed every few seconds;
//! the server runs on its own tokio runtime (inside `server::serve_blocking`) and stops on
//! Ctrl-C, after which the poller is told to stop between feeds.
//!
//! Live events (`/api/events`) are read from the store whatever the flags (see the server's
//! `events`), so a `--no-track` server beside workers or a `claimtrail track` sharing the
//! database streams what they commit: at once on PostgreSQL (LISTEN/NOTIFY), within half a
//! second on SQLite (polling).

use crate::tracking;
use anyhow::{Context, Result};
use clap::Args;
use std::net::SocketAddr;
use std::path::Path;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// How often the poller looks for due feeds.
const POLL_EVERY: Duration = Duration::from_secs(5);

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Address to listen on. Anything but loopback needs a token (--token or CLAIMTRAIL_TOKEN).
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// Bearer token that writes (adding feeds, posting articles) must carry; at least 16
    /// characters, and required to listen beyond loopback.
    #[arg(long, env = "CLAIMTRAIL_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// Do not poll feeds in this process (for example when `claimtrail track` runs elsewhere).
    #[arg(long)]
    no_track: bool,
    /// Import the bundled sample story (a fictional developing story) before serving; done
    /// anyway when the database holds no article, unless --no-sample.
    #[arg(long, conflicts_with = "no_sample")]
    sample: bool,
    /// Never import the sample story, even into an empty database.
    #[arg(long)]
    no_sample: bool,
    /// Allow feeds on loopback, private and link-local addresses (as `track --allow-private`).
    #[arg(long)]
    allow_private: bool,
    /// Allow watches whose webhook is on a loopback, private or link-local address.
    #[arg(long)]
    allow_private_webhooks: bool,
}

pub fn run(db: Option<&Path>, args: ServeArgs) -> Result<ExitCode> {
    let mut config = server::Config::new(args.addr);
    config.token = args.token.filter(|t| !t.is_empty());
    config.allow_private_webhooks = args.allow_private_webhooks;
    // Before loading anything: a refused address should fail at once.
    server::check_listen(config.addr, config.token())?;
    let tracker = Arc::new(tracking::open_tracker(db)?);
    let imported = if args.sample {
        Some(server::sample::import(&tracker)?)
    } else if args.no_sample {
        None
    } else {
        server::sample::import_if_empty(&tracker)?
    };
    if let Some(r) = imported {
        eprintln!(
            "claimtrail: imported the sample story: {} articles, {} new, {} copies, {} repeats",
            r.read, r.new, r.copies, r.repeats
        );
    }
    let stop = Arc::new(AtomicBool::new(false));
    let poller = if args.no_track {
        None
    } else {
        let (tracker, stop) = (tracker.clone(), stop.clone());
        let allow_private = args.allow_private;
        Some(
            std::thread::Builder::new()
                .name("claimtrail-poller".into())
                .spawn(move || poll_feeds(&tracker, &stop, allow_private))
                .context("starting the feed poller")?,
        )
    };
    // Alerts: matches enqueued and webhooks sent from this process (see `app::alerts`).
    let alerts = {
        let config = app::alerts::AlertConfig {
            allow_private: args.allow_private_webhooks,
            ..app::alerts::AlertConfig::default()
        };
        let (store, stop) = (tracker.store().clone(), stop.clone());
        std::thread::Builder::new()
            .name("claimtrail-alerts".into())
            .spawn(move || app::alerts::run(store, config, stop))
            .context("starting the alert deliverer")?
    };
    let location = tracker.store().location().to_string();
    server::serve_blocking(config, tracker, |addr| {
        eprintln!("claimtrail: serving http://{addr} on {location} (Ctrl-C to stop)");
    })?;
    stop.store(true, Ordering::SeqCst);
    if let Some(handle) = poller {
        // A fetch in flight finishes within its timeout; every write it made is committed,
        // so leaving it behind on exit loses nothing.
        for _ in 0..50 {
            if handle.is_finished() {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
    // A POST in flight ends within its timeout; its delivery stays leased, then is sent again
    // by the next process, so leaving it behind loses nothing.
    drop(alerts);
    eprintln!("claimtrail: stopped");
    Ok(ExitCode::SUCCESS)
}

/// Polls due feeds until `stop` is set, checking it between feeds and every second.
fn poll_feeds(tracker: &app::Tracker, stop: &AtomicBool, allow_private: bool) {
    use app::refresh::{self, Refresher};
    use ingest::fetch::{FetchConfig, Fetcher, PollConfig};
    let fetcher = Fetcher::new(FetchConfig {
        allow_private,
        ..FetchConfig::default()
    });
    let refresher = Refresher::new(fetcher, PollConfig::default());
    while !stop.load(Ordering::SeqCst) {
        match tracker.store().due_feeds(chrono::Utc::now(), 64) {
            Ok(due) => {
                for feed in &due {
                    if stop.load(Ordering::SeqCst) {
                        return;
                    }
                    match refresh::refresh_feed(tracker, &refresher, feed) {
                        Ok(r) if r.ok => {}
                        Ok(r) => eprintln!("claimtrail: {}: {}", r.url, r.status),
                        Err(e) => eprintln!("claimtrail: polling {}: {e}", feed.url),
                    }
                }
            }
            Err(e) => eprintln!("claimtrail: looking for due feeds: {e}"),
        }
        for _ in 0..POLL_EVERY.as_secs() {
            if stop.load(Ordering::SeqCst) {
                return;
            }
            std::thread::sleep(Duration::from_secs(1));
        }
    }
}
