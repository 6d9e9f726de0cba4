//! `claimtrail watch ...`: alerts on a speaker, an entity, a keyword or a claim, posted as
//! signed JSON to a webhook (see `app::alerts` for matching, retries and the signature).
//!
//! `watch add` prints the secret once: it is stored to sign deliveries, and `watch list`
//! shows only its first characters. `watch deliver` runs the scanner and the deliverer
//! without the server (which runs them itself); `--once` scans what is stored and sends what
//! is due, then exits.

use crate::tracking::open_store;
use anyhow::{bail, Result};
use app::alerts::{self, AlertConfig};
use clap::{Args, Subcommand};
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use store::WatchKind;

#[derive(Subcommand, Debug)]
pub enum WatchCommand {
    /// Watch for a speaker, an entity, a keyword or a claim in every new article; matches are
    /// POSTed to the webhook, signed with the secret (generated and printed when not given).
    Add(AddArgs),
    /// Watches, oldest first.
    List {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Stop watching; pending deliveries of the watch are dropped.
    Remove {
        /// The watch's id (from `watch list`).
        id: i64,
    },
    /// Deliveries, newest first, with their status, attempts and last error.
    Deliveries {
        /// Only this watch's deliveries.
        #[arg(long)]
        watch: Option<i64>,
        /// At most this many.
        #[arg(long, default_value_t = 50)]
        limit: usize,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Scan new articles and send due deliveries until Ctrl-C (`claimtrail serve` does this
    /// itself); with --once, scan and send what is due, then exit.
    Deliver {
        #[arg(long)]
        once: bool,
        /// Allow webhooks on loopback, private and link-local addresses.
        #[arg(long)]
        allow_private_webhooks: bool,
    },
}

#[derive(Args, Debug)]
#[group(skip)]
#[command(group(
    clap::ArgGroup::new("what")
        .required(true)
        .args(["speaker", "entity", "keyword", "claim"])
))]
pub struct AddArgs {
    /// A speaker's name ("Arvid Tallinger"; "Tallinger" also matches "Arvid Tallinger").
    #[arg(long)]
    speaker: Option<String>,
    /// An entity named in the article (a person, organisation or place).
    #[arg(long)]
    entity: Option<String>,
    /// Words or a phrase in the title or text (whole words, any case).
    #[arg(long)]
    keyword: Option<String>,
    /// A claim: statements about it are reported with their stance toward it.
    #[arg(long)]
    claim: Option<String>,
    /// Where matches are POSTed (http or https).
    #[arg(long)]
    webhook: String,
    /// The HMAC-SHA256 key deliveries are signed with (default: 32 random bytes, printed once).
    #[arg(long, env = "CLAIMTRAIL_WEBHOOK_SECRET", hide_env_values = true)]
    secret: Option<String>,
    /// Allow a webhook on a loopback, private or link-local address.
    #[arg(long)]
    allow_private_webhooks: bool,
}

pub fn run(db: Option<&Path>, cmd: WatchCommand) -> Result<ExitCode> {
    let store = open_store(db)?;
    let mut out = std::io::stdout().lock();
    match cmd {
        WatchCommand::Add(args) => {
            let (kind, value) = match (&args.speaker, &args.entity, &args.keyword, &args.claim) {
                (Some(v), _, _, _) => (WatchKind::Speaker, v),
                (_, Some(v), _, _) => (WatchKind::Entity, v),
                (_, _, Some(v), _) => (WatchKind::Keyword, v),
                (_, _, _, Some(v)) => (WatchKind::Claim, v),
                _ => bail!("say what to watch: --speaker, --entity, --keyword or --claim"),
            };
            let given = args.secret.is_some();
            let w = alerts::add_watch(
                store.as_ref(),
                kind,
                value,
                &args.webhook,
                args.secret,
                args.allow_private_webhooks,
            )?;
            writeln!(
                out,
                "added watch {} ({} {:?}) -> {}",
                w.id, w.kind, w.value, w.webhook
            )?;
            if !given {
                writeln!(out, "secret: {}", w.secret)?;
                eprintln!(
                    "claimtrail: keep the secret: deliveries are signed with it and it is not \
                     shown again"
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        WatchCommand::List { json } => {
            let watches = store.watches()?;
            if json {
                let list: Vec<_> = watches
                    .iter()
                    .map(|w| alerts::watch_json(w, false))
                    .collect();
                writeln!(out, "{}", serde_json::to_string_pretty(&list)?)?;
            } else if watches.is_empty() {
                writeln!(out, "no watches (add one with `claimtrail watch add`)")?;
            } else {
                for w in &watches {
                    writeln!(
                        out,
                        "{:>4}  {:<8} {:<32} {}  (secret {}…, since {})",
                        w.id,
                        w.kind.as_str(),
                        format!("{:?}", w.value),
                        w.webhook,
                        alerts::secret_hint(&w.secret),
                        w.created.format("%Y-%m-%d %H:%M")
                    )?;
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        WatchCommand::Remove { id } => {
            if store.remove_watch(id)? {
                writeln!(out, "removed watch {id}")?;
                Ok(ExitCode::SUCCESS)
            } else {
                eprintln!("claimtrail: there is no watch {id}");
                Ok(ExitCode::from(1))
            }
        }
        WatchCommand::Deliveries { watch, limit, json } => {
            let list = store.deliveries(watch, limit)?;
            if json {
                let list: Vec<_> = list.iter().map(alerts::delivery_json).collect();
                writeln!(out, "{}", serde_json::to_string_pretty(&list)?)?;
            } else {
                for d in &list {
                    writeln!(
                        out,
                        "{:>6}  watch {:<4} {:<9} attempts {:<2} {}  {}{}",
                        d.id,
                        d.watch,
                        d.status.as_str(),
                        d.attempts,
                        d.created.format("%Y-%m-%d %H:%M:%S"),
                        d.key,
                        d.last_error
                            .as_deref()
                            .map(|e| format!("  last error: {e}"))
                            .unwrap_or_default()
                    )?;
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        WatchCommand::Deliver {
            once,
            allow_private_webhooks,
        } => {
            let config = AlertConfig {
                allow_private: allow_private_webhooks,
                ..AlertConfig::default()
            };
            if once {
                let (scan, sent) = alerts::run_once(store.as_ref(), &config)?;
                writeln!(
                    out,
                    "scanned {} articles, enqueued {}; delivered {}, to retry {}, failed {}",
                    scan.articles, scan.enqueued, sent.delivered, sent.retried, sent.failed
                )?;
                return Ok(ExitCode::SUCCESS);
            }
            let stop = Arc::new(AtomicBool::new(false));
            let s = stop.clone();
            ctrlc::set_handler(move || s.store(true, Ordering::SeqCst))?;
            eprintln!(
                "claimtrail: delivering alerts from {} (Ctrl-C to stop)",
                store.location()
            );
            alerts::run(store, config, stop);
            Ok(ExitCode::SUCCESS)
        }
    }
}
