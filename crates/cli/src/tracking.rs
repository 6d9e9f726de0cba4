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

/// Opens `--db`: a `postgres://` or `postgresql://` URL (optionally with `schema=NAME` among
/// its parameters, to keep the tables in a schema of their own) opens PostgreSQL; anything
/// else is a SQLite file (`sqlite:` in front is allowed).
pub fn open_store(db: Option<&Path>) -> Result<Arc<dyn Store>> {
    let path = db.map_or_else(default_db, Path::to_path_buf);
    if let Some(url) = path.to_str().filter(|u| is_postgres(u)) {
        let (url, schema) = split_schema(url);
        let store = match &schema {
            Some(schema) => store::PgStore::connect_with_schema(&url, schema),
            None => store::PgStore::connect(&url),
        }
        .with_context(|| format!("opening the database {}", store::postgres::redact(&url)))?;
        return Ok(Arc::new(store));
    }
    let path = match path.to_str().and_then(|p| p.strip_prefix("sqlite:")) {
        Some(p) => PathBuf::from(p),
        None => path,
    };
    let store = SqliteStore::open(&path)
        .with_context(|| format!("opening the database {}", path.display()))?;
    Ok(Arc::new(store))
}

pub fn is_postgres(db: &str) -> bool {
    db.starts_with("postgres://") || db.starts_with("postgresql://")
}

/// Takes a `schema=NAME` parameter out of a PostgreSQL URL (the client does not know it).
pub fn split_schema(url: &str) -> (String, Option<String>) {
    let Some((base, query)) = url.split_once('?') else {
        return (url.to_string(), None);
    };
    let mut schema = None;
    let kept: Vec<&str> = query
        .split('&')
        .filter(|kv| match kv.strip_prefix("schema=") {
            Some(name) => {
                schema = Some(name.to_string());
                false
            }
            None => true,
        })
        .collect();
    let url = if kept.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    (url, schema.filter(|s| !s.is_empty()))
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
    /// Add each article to the job queue for `claimtrail worker` instead of ingesting it here
    /// (the same article enqueued twice is one job).
    #[arg(long)]
    enqueue: bool,
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
    #[arg(long, value_enum, default_value_t = StoryFormat::Text)]
    format: StoryFormat,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum StoryFormat {
    /// A summary for people.
    #[default]
    Text,
    /// The whole story as JSON: articles, copies, statements, claims and stances.
    Json,
    /// One schema.org ClaimReview JSON-LD object per claim (stances, not verdicts).
    Claimreview,
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
    if args.enqueue {
        return enqueue(db, &args.path);
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
        StoryFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &view)?;
            writeln!(out)?;
        }
        StoryFormat::Claimreview => {
            let urls = view
                .articles
                .iter()
                .filter_map(|a| Some((a.id.clone(), a.url.clone()?)))
                .collect();
            serde_json::to_writer_pretty(&mut out, &views::claimreview(&view, &urls))?;
            writeln!(out)?;
        }
        StoryFormat::Text => print_story(&mut out, &view)?,
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
    writeln!(out, "\nClaims")?;
    // Why claims may be thin or missing (one article, no attributions, a language the
    // analyzer does not read): said, not guessed around.
    for n in &v.claim_notes {
        writeln!(out, "  note: {}", n.message)?;
    }
    for c in &v.claims {
        let flag = if c.contested { " [contested]" } else { "" };
        writeln!(out, "  C{}{flag}: {}", c.id + 1, c.text)?;
        for sp in &c.speakers {
            let changed = if sp.changed_from.is_empty() {
                String::new()
            } else {
                let was: Vec<String> = sp
                    .changed_from
                    .iter()
                    .map(|(d, st)| format!("{st} until {}", d.as_deref().unwrap_or("?")))
                    .collect();
                format!(" (changed: {})", was.join(", "))
            };
            writeln!(out, "      {}: {}{changed}", sp.speaker, sp.stance)?;
        }
        for n in &c.numbers {
            let given: Vec<String> = n
                .given
                .iter()
                .map(|g| {
                    format!(
                        "{} says {} ({})",
                        g.speaker.as_deref().unwrap_or("?"),
                        g.text,
                        g.date.as_deref().unwrap_or("?")
                    )
                })
                .collect();
            writeln!(out, "      numbers disagree: {}", given.join("; "))?;
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

/// `import --enqueue`: reads the articles as `import` does and adds them to the job queue.
fn enqueue(db: Option<&Path>, path: &Path) -> Result<ExitCode> {
    let store = open_store(db)?;
    let name = path.display().to_string();
    let items: Box<dyn Iterator<Item = Result<model::Article, ingest::IngestError>> + '_> =
        if path.as_os_str() == "-" {
            Box::new(ingest::files::read_jsonl(
                "standard input",
                std::io::BufReader::new(std::io::stdin()),
            ))
        } else if path.is_dir() {
            Box::new(ingest::files::read_dir(path)?.into_iter())
        } else if path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| matches!(e.to_ascii_lowercase().as_str(), "jsonl" | "ndjson" | "json"))
        {
            let file = std::fs::File::open(path).with_context(|| format!("reading {name}"))?;
            Box::new(ingest::files::read_jsonl(
                &name,
                std::io::BufReader::new(file),
            ))
        } else {
            Box::new(std::iter::once(ingest::files::read_file(path)))
        };
    let (mut read, mut added, mut errors) = (0u64, 0usize, 0u64);
    let mut batch = Vec::with_capacity(500);
    let flush = |batch: &mut Vec<model::Article>| -> Result<usize> {
        let n = app::worker::enqueue_articles(store.as_ref(), batch, chrono::Utc::now())?;
        batch.clear();
        Ok(n)
    };
    for item in items {
        read += 1;
        match item {
            Ok(a) => batch.push(a),
            Err(e) => {
                errors += 1;
                eprintln!("claimtrail: {e}");
            }
        }
        if batch.len() >= 500 {
            added += flush(&mut batch)?;
        }
    }
    added += flush(&mut batch)?;
    println!("{name}: {read} read, {added} jobs enqueued, {errors} errors");
    Ok(if errors == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
