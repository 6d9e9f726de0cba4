//! The tracker's commands: `feeds`, `import`, `track`, `stories`, `story`, all on one
//! database chosen by `--db`, then `CLAIMTRAIL_DB`, then a file in the user's data folder.

use anyhow::{bail, Context, Result};
use app::import::ImportReport;
use app::views;
use clap::{Args, Subcommand, ValueEnum};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use store::{FeedKind, NewFeed, SqliteStore, Store, StoryId};

/// Where the database lives when neither `--db` nor `CLAIMTRAIL_DB` says:
/// `$XDG_DATA_HOME/claimtrail/claimtrail.db`, else `~/.local/share/claimtrail/claimtrail.db`.
pub fn default_db() -> PathBuf {
    let data = std::env::var_os("XDG_DATA_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .filter(|v| !v.is_empty())
                .map(|h| PathBuf::from(h).join(".local").join("share"))
        })
        .unwrap_or_else(|| PathBuf::from("."));
    data.join("claimtrail").join("claimtrail.db")
}

pub fn open_store(db: Option<&Path>) -> Result<Arc<dyn Store>> {
    let path = db.map_or_else(default_db, Path::to_path_buf);
    let store = SqliteStore::open(&path)
        .with_context(|| format!("opening the database {}", path.display()))?;
    Ok(Arc::new(store))
}

pub fn open_tracker(db: Option<&Path>) -> Result<app::Tracker> {
    let store = open_store(db)?;
    app::Tracker::open(store, app::TrackerConfig::default()).context("starting the tracker")
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// A summary for people.
    #[default]
    Text,
    /// JSON, indented.
    Json,
}

#[derive(Subcommand, Debug)]
pub enum FeedsCommand {
    /// Subscribe to feeds (RSS, Atom, JSON Feed), Telegram channels (`https://t.me/s/NAME`,
    /// `t.me/NAME` or `@NAME`) or pages to watch.
    Add {
        #[arg(required = true)]
        urls: Vec<String>,
        /// What the URLs are (default: Telegram for t.me addresses and @names, else feed).
        #[arg(long, value_enum)]
        kind: Option<KindArg>,
    },
    /// Unsubscribe (the articles already read stay).
    Remove {
        #[arg(required = true)]
        urls: Vec<String>,
    },
    /// Every subscription with its health: last success, last error, failures, next poll.
    List {
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Subscribe to every feed an OPML file lists.
    ImportOpml { file: PathBuf },
    /// Write the subscriptions as OPML (to a file, or standard output).
    ExportOpml { file: Option<PathBuf> },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum KindArg {
    Feed,
    Telegram,
    Page,
}

#[derive(Args, Debug)]
pub struct ImportArgs {
    /// A JSON-lines file (`{"url","source","published","title","text"|"html"}` a line), `-`
    /// for standard input, a folder of .html/.txt files, or one such file.
    path: PathBuf,
}

#[derive(Args, Debug)]
pub struct StoriesArgs {
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// How many stories, most recently active first.
    #[arg(long, default_value_t = 50)]
    limit: usize,
}

#[derive(Args, Debug)]
pub struct StoryArgs {
    /// The story's number, as `claimtrail stories` shows it.
    id: i64,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

/// Turns what a user typed into a subscription: Telegram names become preview-page URLs.
fn new_feed(input: &str, kind: Option<KindArg>) -> Result<NewFeed> {
    let s = input.trim();
    let telegram_name = s
        .strip_prefix('@')
        .or_else(|| {
            [
                "https://t.me/s/",
                "https://t.me/",
                "http://t.me/s/",
                "http://t.me/",
                "t.me/s/",
                "t.me/",
            ]
            .iter()
            .find_map(|p| s.strip_prefix(p))
        })
        .map(|rest| rest.trim_end_matches('/'));
    let kind = match kind {
        Some(KindArg::Feed) => FeedKind::Feed,
        Some(KindArg::Page) => FeedKind::Page,
        Some(KindArg::Telegram) => FeedKind::Telegram,
        None if telegram_name.is_some() => FeedKind::Telegram,
        None => FeedKind::Feed,
    };
    let url = match (kind, telegram_name) {
        (FeedKind::Telegram, Some(name)) => ingest::telegram::preview_url(name)
            .with_context(|| format!("{input} is not a Telegram channel name"))?,
        (FeedKind::Telegram, None) => {
            bail!("{input} is not a Telegram channel (t.me/NAME or @NAME)")
        }
        _ => {
            let url = url::Url::parse(s).with_context(|| format!("{input} is not a URL"))?;
            if !matches!(url.scheme(), "http" | "https") {
                bail!("{input}: only http and https addresses can be followed");
            }
            url.to_string()
        }
    };
    Ok(NewFeed::new(url, kind))
}

pub fn feeds(db: Option<&Path>, cmd: FeedsCommand) -> Result<ExitCode> {
    let store = open_store(db)?;
    let now = chrono::Utc::now();
    let mut out = std::io::stdout().lock();
    match cmd {
        FeedsCommand::Add { urls, kind } => {
            let mut failed = false;
            for u in &urls {
                match new_feed(u, kind) {
                    Ok(feed) => {
                        if store.add_feed(&feed, now)? {
                            writeln!(out, "added {} ({})", feed.url, feed.kind.as_str())?;
                        } else {
                            writeln!(out, "already following {}", feed.url)?;
                        }
                    }
                    Err(e) => {
                        eprintln!("claimtrail: {e:#}");
                        failed = true;
                    }
                }
            }
            Ok(if failed {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            })
        }
        FeedsCommand::Remove { urls } => {
            let mut failed = false;
            for u in &urls {
                let id = match new_feed(u, None) {
                    Ok(f) => f.id(),
                    Err(_) => model::FeedId::new(u.clone()),
                };
                if store.remove_feed(&id)? {
                    writeln!(out, "removed {}", id.as_str())?;
                } else {
                    eprintln!("claimtrail: not following {u}");
                    failed = true;
                }
            }
            Ok(if failed {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            })
        }
        FeedsCommand::List { format } => {
            let feeds = store.feeds()?;
            match format {
                Format::Json => {
                    let list: Vec<serde_json::Value> = feeds.iter().map(feed_json).collect();
                    serde_json::to_writer_pretty(&mut out, &list)?;
                    writeln!(out)?;
                }
                Format::Text => {
                    if feeds.is_empty() {
                        writeln!(
                            out,
                            "no feeds yet: add some with `claimtrail feeds add URL`"
                        )?;
                    }
                    for f in &feeds {
                        let h = &f.health;
                        let state = match (&h.last_error, h.consecutive_failures) {
                            (Some(e), n) if n > 0 => format!("failing ({n}x): {e}"),
                            _ if h.last_success.is_some() => "ok".to_string(),
                            _ => "not fetched yet".to_string(),
                        };
                        let next = h
                            .next_poll
                            .map_or_else(|| "now".to_string(), |t| t.to_rfc3339());
                        writeln!(
                            out,
                            "{} [{}] {state}; next poll {next}",
                            f.url,
                            f.kind.as_str()
                        )?;
                    }
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        FeedsCommand::ImportOpml { file } => {
            let bytes =
                std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            let subs = ingest::opml::parse(&file.display().to_string(), &bytes)?;
            let mut added = 0;
            for s in &subs {
                let mut feed = new_feed(&s.feed_url, None)?;
                feed.title = s.title.clone();
                added += usize::from(store.add_feed(&feed, now)?);
            }
            writeln!(
                out,
                "{} subscriptions in {}; {added} new",
                subs.len(),
                file.display()
            )?;
            Ok(ExitCode::SUCCESS)
        }
        FeedsCommand::ExportOpml { file } => {
            let subs: Vec<model::Subscription> = store
                .feeds()?
                .into_iter()
                .map(|f| model::Subscription {
                    feed_url: f.url,
                    title: f.title,
                    site_url: None,
                    category: Vec::new(),
                })
                .collect();
            let xml = ingest::opml::write("claimtrail subscriptions", &subs);
            match file {
                Some(path) => std::fs::write(&path, xml)
                    .with_context(|| format!("writing {}", path.display()))?,
                None => out.write_all(xml.as_bytes())?,
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn feed_json(f: &store::FeedRecord) -> serde_json::Value {
    let h = &f.health;
    serde_json::json!({
        "url": f.url,
        "kind": f.kind.as_str(),
        "title": f.title,
        "added": f.added,
        "last_success": h.last_success,
        "last_error": h.last_error,
        "last_error_at": h.last_error_at,
        "consecutive_failures": h.consecutive_failures,
        "next_poll": h.next_poll,
    })
}

/// Prints a one-line progress report on a terminal, rewriting it in place; silent otherwise.
pub struct Progress {
    on: bool,
    started: std::time::Instant,
}

impl Progress {
    pub fn new() -> Progress {
        Progress {
            on: std::io::stderr().is_terminal(),
            started: std::time::Instant::now(),
        }
    }
    pub fn show(&self, r: &ImportReport) {
        if !self.on {
            return;
        }
        let secs = self.started.elapsed().as_secs_f64().max(1e-3);
        eprint!(
            "\r{} read, {} new, {} copies, {} repeats, {} errors ({:.0} articles/s)   ",
            r.read,
            r.new,
            r.copies,
            r.repeats,
            r.errors.len(),
            r.read as f64 / secs
        );
    }
    pub fn done(&self) {
        if self.on {
            eprintln!();
        }
    }
}

pub fn import(db: Option<&Path>, args: ImportArgs) -> Result<ExitCode> {
    if args.path.as_os_str() != "-" && !args.path.exists() {
        bail!(
            "cannot import {}: no such file or folder",
            args.path.display()
        );
    }
    let tracker = open_tracker(db)?;
    let progress = Progress::new();
    let started = std::time::Instant::now();
    let report = app::import::import_path(&tracker, &args.path, &mut |r| progress.show(r))?;
    progress.done();
    for e in &report.errors {
        eprintln!("claimtrail: {e}");
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "{}: {} read, {} new articles, {} copies, {} repeats, {} new stories, {} errors in {secs:.1} s ({:.1} articles/s)",
        args.path.display(),
        report.read,
        report.new,
        report.copies,
        report.repeats,
        report.new_stories,
        report.errors.len(),
        report.read as f64 / secs.max(1e-9),
    );
    Ok(if report.errors.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

pub fn stories(db: Option<&Path>, args: StoriesArgs) -> Result<ExitCode> {
    let store = open_store(db)?;
    let list = views::stories(store.as_ref(), args.limit)?;
    let mut out = std::io::stdout().lock();
    match args.format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut out, &list)?;
            writeln!(out)?;
        }
        Format::Text => {
            if list.is_empty() {
                writeln!(out, "no stories yet: import articles or follow feeds first")?;
            }
            for s in &list {
                writeln!(
                    out,
                    "{:>5}  {}  {} articles, {} outlets  {}",
                    s.id,
                    s.last_seen.format("%Y-%m-%d %H:%M"),
                    s.articles,
                    s.outlets.len(),
                    s.title.as_deref().unwrap_or("(untitled)")
                )?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn story(db: Option<&Path>, args: StoryArgs) -> Result<ExitCode> {
    let store = open_store(db)?;
    let Some(view) = views::story(store.as_ref(), StoryId(args.id))? else {
        eprintln!(
            "claimtrail: there is no story {} in {}",
            args.id,
            store.location()
        );
        return Ok(ExitCode::from(1));
    };
    let mut out = std::io::stdout().lock();
    match args.format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut out, &view)?;
            writeln!(out)?;
        }
        Format::Text => print_story(&mut out, &view)?,
    }
    Ok(ExitCode::SUCCESS)
}

fn print_story(out: &mut dyn Write, v: &views::StoryView) -> Result<()> {
    let s = &v.summary;
    writeln!(
        out,
        "Story {}: {}",
        s.id,
        s.title.as_deref().unwrap_or("(untitled)")
    )?;
    writeln!(
        out,
        "{} articles from {} outlets, {} to {}",
        s.articles,
        s.outlets.len(),
        s.first_seen.format("%Y-%m-%d %H:%M"),
        s.last_seen.format("%Y-%m-%d %H:%M")
    )?;
    writeln!(out, "Outlets: {}", s.outlets.join(", "))?;
    writeln!(out, "\nArticles")?;
    for a in &v.articles {
        let when = a.published.unwrap_or(a.fetched).format("%Y-%m-%d %H:%M");
        writeln!(
            out,
            "  {when}  {}  {}",
            a.source.as_deref().unwrap_or("?"),
            a.title.as_deref().unwrap_or(&a.id)
        )?;
        if !a.credits.is_empty() {
            writeln!(out, "      credited: {}", a.credits.join(", "))?;
        }
        for c in &a.copies {
            let when = c.published.unwrap_or(c.seen).format("%Y-%m-%d %H:%M");
            writeln!(
                out,
                "      {} copy: {when}  {}  {}",
                c.kind,
                c.source.as_deref().unwrap_or("?"),
                c.url.as_deref().unwrap_or("")
            )?;
        }
    }
    writeln!(out, "\nStatements")?;
    for st in &v.statements {
        writeln!(
            out,
            "  {}  {} — {}: {}",
            st.outlet.as_deref().unwrap_or("?"),
            st.speaker.as_deref().unwrap_or("(no source)"),
            st.cue,
            st.content
        )?;
    }
    Ok(())
}

#[derive(Args, Debug)]
pub struct TrackArgs {
    /// Poll the feeds that are due once, then exit.
    #[arg(long)]
    once: bool,
    /// Allow feeds and pages on loopback, private and link-local addresses (off by default:
    /// a subscription must not reach into the local network).
    #[arg(long)]
    allow_private: bool,
    /// Shortest and longest polling interval, in minutes.
    #[arg(long, default_value_t = 15)]
    min_interval: u64,
    #[arg(long, default_value_t = 1440)]
    max_interval: u64,
}

/// Set by the Ctrl-C handler; the loop checks it between feeds and while idle.
static STOP: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

pub fn track(db: Option<&Path>, args: TrackArgs) -> Result<ExitCode> {
    use app::refresh::{self, Refresher};
    use ingest::fetch::{FetchConfig, Fetcher, PollConfig};
    use std::sync::atomic::Ordering;
    use std::time::Duration;

    if args.min_interval == 0 || args.max_interval < args.min_interval {
        bail!(
            "--min-interval must be at least 1 minute and at most --max-interval (got {} and {})",
            args.min_interval,
            args.max_interval
        );
    }
    let tracker = open_tracker(db)?;
    let fetcher = Fetcher::new(FetchConfig {
        allow_private: args.allow_private,
        ..FetchConfig::default()
    });
    let poll = PollConfig {
        min_interval: Duration::from_secs(args.min_interval * 60),
        max_interval: Duration::from_secs(args.max_interval * 60),
        ..PollConfig::default()
    };
    let refresher = Refresher::new(fetcher, poll);
    if !args.once {
        ctrlc::set_handler(|| {
            if STOP.swap(true, Ordering::SeqCst) {
                std::process::exit(130); // a second Ctrl-C: the user means it
            }
            eprintln!("claimtrail: stopping after the current feed (Ctrl-C again to quit now)");
        })
        .context("installing the Ctrl-C handler")?;
    }
    let mut any_failed = false;
    loop {
        let now = chrono::Utc::now();
        let due = tracker.store().due_feeds(now, 64)?;
        if due.is_empty() && args.once {
            if tracker.store().feeds()?.is_empty() {
                eprintln!("claimtrail: no feeds to poll: add some with `claimtrail feeds add URL`");
            }
            break;
        }
        for feed in &due {
            if STOP.load(Ordering::SeqCst) {
                break;
            }
            let r = refresh::refresh_feed(&tracker, &refresher, feed)?;
            any_failed |= !r.ok;
            println!(
                "{}: {} ({} items, {} new); next poll {}",
                r.url,
                r.status,
                r.items,
                r.new_articles,
                r.next_poll.format("%Y-%m-%d %H:%M:%S")
            );
        }
        if args.once || STOP.load(Ordering::SeqCst) {
            break;
        }
        // Sleep until the next feed is due, waking each second to notice Ctrl-C and feeds
        // added meanwhile by another command.
        let next = tracker
            .store()
            .feeds()?
            .iter()
            .filter_map(|f| f.health.next_poll)
            .min();
        let wait = next
            .map(|t| (t - chrono::Utc::now()).num_seconds().clamp(1, 60))
            .unwrap_or(60);
        for _ in 0..wait {
            if STOP.load(Ordering::SeqCst) {
                break;
            }
            std::thread::sleep(Duration::from_secs(1));
        }
        if STOP.load(Ordering::SeqCst) {
            break;
        }
    }
    Ok(if args.once && any_failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
