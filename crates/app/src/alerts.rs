//! Alerts: watches on a speaker, an entity, a keyword or a claim; each match is posted as a
//! signed JSON event to the watch's webhook.
//!
//! Two halves, both safe to run in several processes at once:
//! - [`Scanner`] follows committed articles in storage order (`seq`) from a cursor kept in the
//!   store, matches each against every watch and enqueues one delivery per (watch, article)
//!   in the store's outbox. The delivery's key is the article id, so a scan repeated after a
//!   crash, or by a second process, enqueues nothing twice; the cursor only moves forward.
//! - [`Deliverer`] claims due deliveries with a lease, POSTs them, and records the outcome:
//!   delivered on a 2xx; otherwise due again after an exponential, jittered backoff, and failed
//!   for good after [`AlertConfig::max_attempts`] with the last error kept. A delivery lives in
//!   the store from the moment it is matched, so a restart loses none; one sent just before
//!   the process died may be sent again (receivers dedupe on `X-Claimtrail-Delivery`).
//!
//! Signature scheme (documented in the README): the body is the JSON event; the headers are
//! `X-Claimtrail-Timestamp: <unix seconds>`, `X-Claimtrail-Delivery: <delivery id>`,
//! `X-Claimtrail-Event: watch.match` and
//! `X-Claimtrail-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`. The
//! timestamp is inside the MAC so that a receiver can refuse replays of old deliveries.
//!
//! Why webhooks go through `ingest`'s address guard: a webhook URL is typed by whoever may add
//! a watch, and without the guard it could make the server POST to `127.0.0.1:6379` or a
//! cloud metadata address. The resolver refuses non-public addresses at connect time (so DNS
//! rebinding is covered), and redirects are not followed at all: a 3xx is a failed attempt.
//!
//! Why the scanner waits for an article's commit to finish: an article is stored before its
//! analysis and story are (each its own write), and a scan between the two would see no
//! statements. An article with no analysis, or neither a story nor an original, is waited for
//! up to [`AlertConfig::incomplete_grace`] (a commit killed halfway is finished by a later
//! attempt, or never; the wait is bounded either way).

use crate::error::AppError;
use crate::views::statements_of;
use chrono::{DateTime, Utc};
use hmac::{Hmac, KeyInit, Mac};
use ingest::fetch::{is_public_ip, GuardedResolver, Jitter};
use serde_json::{json, Value};
use sha2::Sha256;
use std::net::{IpAddr, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use store::{Committed, Delivery, DeliveryOutcome, NewDelivery, NewWatch, Store, Watch, WatchKind};
use track::stance::features::Prepared as StanceText;
use track::stance::{Stance, StanceModel};

/// The event name in payloads and in `X-Claimtrail-Event`.
pub const EVENT: &str = "watch.match";

/// How alerts are scanned and delivered.
#[derive(Clone, Debug)]
pub struct AlertConfig {
    /// Names this process in delivery leases; unique per process.
    pub holder: String,
    /// Allow webhooks on loopback, private and link-local addresses (tests, a LAN receiver).
    pub allow_private: bool,
    /// Whole-request timeout of one POST.
    pub timeout: Duration,
    /// Attempts before a delivery fails for good.
    pub max_attempts: u32,
    /// Wait after the first failure; doubled after each further one, up to `max_backoff`,
    /// then scaled by a random factor in [0.5, 1) so that receivers coming back are not hit
    /// by every sender at once.
    pub base_backoff: Duration,
    pub max_backoff: Duration,
    /// Deliveries claimed at once.
    pub batch: usize,
    /// Articles read per scan step.
    pub scan_batch: usize,
    /// How long an article whose commit looks unfinished is waited for (see the module note).
    pub incomplete_grace: Duration,
    /// Share of a watched claim's content words a statement must contain to be about it.
    pub claim_coverage: f32,
    /// Sleep between rounds of [`run`] when there is nothing to do.
    pub poll: Duration,
}

impl Default for AlertConfig {
    fn default() -> AlertConfig {
        AlertConfig {
            holder: default_holder(),
            allow_private: false,
            timeout: Duration::from_secs(10),
            max_attempts: 8,
            base_backoff: Duration::from_secs(30),
            max_backoff: Duration::from_secs(3600),
            batch: 8,
            scan_batch: 200,
            incomplete_grace: Duration::from_secs(30),
            claim_coverage: 0.5,
            poll: Duration::from_secs(2),
        }
    }
}

fn default_holder() -> String {
    let mut tag = [0u8; 4];
    let tag = match getrandom::fill(&mut tag) {
        Ok(()) => hex(&tag),
        Err(_) => format!("{:x}", Instant::now().elapsed().subsec_nanos()),
    };
    format!("alerts-{}-{tag}", std::process::id())
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

fn input_error(input: &str, message: impl Into<String>) -> AppError {
    AppError::Input {
        input: input.to_string(),
        message: message.into(),
    }
}

/// A fresh webhook secret: 32 random bytes from the operating system, as hex.
pub fn generate_secret() -> Result<String, AppError> {
    let mut key = [0u8; 32];
    getrandom::fill(&mut key).map_err(|e| input_error("secret", format!("no randomness: {e}")))?;
    Ok(hex(&key))
}

/// `sha256=<hex>`: the `X-Claimtrail-Signature` of `body` sent at `timestamp`.
pub fn signature(secret: &str, timestamp: i64, body: &[u8]) -> String {
    format!(
        "sha256={}",
        hex(&mac(secret, timestamp, body).finalize().into_bytes())
    )
}

fn mac(secret: &str, timestamp: i64, body: &[u8]) -> Hmac<Sha256> {
    let Ok(mut m) = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes()) else {
        unreachable!("HMAC takes keys of every length");
    };
    m.update(timestamp.to_string().as_bytes());
    m.update(b".");
    m.update(body);
    m
}

/// Checks a received `X-Claimtrail-Signature` in constant time: what a receiver does.
pub fn verify_signature(secret: &str, timestamp: i64, body: &[u8], header: &str) -> bool {
    let Some(given) = header.strip_prefix("sha256=") else {
        return false;
    };
    let Some(bytes) = unhex(given) else {
        return false;
    };
    mac(secret, timestamp, body).verify_slice(&bytes).is_ok()
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    s.as_bytes()
        .chunks(2)
        .map(|pair| match pair {
            [hi, lo] => u8::from_str_radix(std::str::from_utf8(&[*hi, *lo]).ok()?, 16).ok(),
            _ => None, // an odd number of digits
        })
        .collect()
}

/// Checks a webhook URL before a watch is stored: http or https with a host, and, unless
/// private targets are allowed, a host that does not resolve only to non-public addresses.
/// The deliverer checks again at connect time, since DNS answers change.
pub fn check_webhook(url: &str, allow_private: bool) -> Result<(), AppError> {
    let parsed = url::Url::parse(url).map_err(|e| input_error(url, format!("not a URL: {e}")))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(input_error(url, "a webhook must be an http or https URL"));
    }
    let Some(host) = parsed.host_str().filter(|h| !h.is_empty()) else {
        return Err(input_error(url, "a webhook URL needs a host"));
    };
    if allow_private {
        return Ok(());
    }
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let port = parsed.port_or_known_default().unwrap_or(80);
    let ips: Vec<IpAddr> = match host.parse::<IpAddr>() {
        Ok(ip) => vec![ip],
        Err(_) => match (host, port).to_socket_addrs() {
            Ok(addrs) => addrs.map(|a| a.ip()).collect(),
            // An unresolvable name is not refused: it may resolve when a delivery is due,
            // and the connect-time guard still applies then.
            Err(_) => return Ok(()),
        },
    };
    match ips.iter().find(|ip| !is_public_ip(**ip)) {
        Some(ip) if !ips.iter().any(|ip| is_public_ip(*ip)) => Err(input_error(
            url,
            format!(
                "{host} resolves to the non-public address {ip}; webhooks on loopback, private \
                 and link-local addresses are refused unless allowed (--allow-private-webhooks)"
            ),
        )),
        _ => Ok(()),
    }
}

/// Validates and stores a watch; generates a secret when none is given. The returned watch
/// carries the secret: show it to the user once.
pub fn add_watch(
    store: &dyn Store,
    kind: WatchKind,
    value: &str,
    webhook: &str,
    secret: Option<String>,
    allow_private: bool,
) -> Result<Watch, AppError> {
    let value = value.split_whitespace().collect::<Vec<_>>().join(" ");
    if words(&value).is_empty() {
        return Err(input_error(
            kind.as_str(),
            "the watched value needs at least one word",
        ));
    }
    check_webhook(webhook, allow_private)?;
    let secret = match secret {
        Some(s) if s.is_empty() => return Err(input_error("secret", "must not be empty")),
        Some(s) => s,
        None => generate_secret()?,
    };
    let watch = NewWatch {
        kind,
        value,
        webhook: webhook.to_string(),
        secret,
    };
    Ok(store.add_watch(&watch, Utc::now())?)
}

/// The first characters of a secret, enough to tell two apart without revealing it.
pub fn secret_hint(secret: &str) -> String {
    secret.chars().take(6).collect()
}

/// A watch as the CLI's `--json` and the API show it; the secret only when just created.
pub fn watch_json(w: &Watch, with_secret: bool) -> Value {
    let mut v = json!({
        "id": w.id,
        "kind": w.kind.as_str(),
        "value": w.value,
        "webhook": w.webhook,
        "secret_hint": secret_hint(&w.secret),
        "created": w.created.to_rfc3339(),
    });
    if let (true, Some(obj)) = (with_secret, v.as_object_mut()) {
        obj.insert("secret".into(), json!(w.secret));
    }
    v
}

/// A delivery as the CLI's `--json` and the API show it, with its event.
pub fn delivery_json(d: &Delivery) -> Value {
    json!({
        "id": d.id,
        "watch": d.watch,
        "key": d.key,
        "status": d.status.as_str(),
        "attempts": d.attempts,
        "next_attempt": d.next_attempt.to_rfc3339(),
        "last_error": d.last_error,
        "created": d.created.to_rfc3339(),
        "finished": d.finished.map(|t| t.to_rfc3339()),
        "event": serde_json::from_str::<Value>(&d.payload)
            .unwrap_or_else(|_| Value::String(d.payload.clone())),
    })
}

// ---------------------------------------------------------------------------------------
// Matching

/// Lower-case words (letters and digits), the unit of keyword and name matching.
fn words(s: &str) -> Vec<String> {
    s.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

fn contains_run(hay: &[String], needle: &[String]) -> bool {
    !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle)
}

/// Titles and roles that come before a name ("President Ruiz", "Gen. Okafor").
const HONORIFICS: &[&str] = &[
    "mr",
    "mrs",
    "ms",
    "dr",
    "prof",
    "sir",
    "president",
    "minister",
    "prime",
    "foreign",
    "defence",
    "defense",
    "general",
    "gen",
    "colonel",
    "col",
    "senator",
    "sen",
    "rep",
    "governor",
    "gov",
    "mayor",
    "chancellor",
    "secretary",
    "spokesman",
    "spokeswoman",
    "spokesperson",
    "ambassador",
    "king",
    "queen",
    "prince",
    "princess",
    "pope",
    "judge",
];

fn name_words(s: &str) -> Vec<String> {
    let mut w = words(s);
    let lead = w
        .iter()
        .take_while(|x| HONORIFICS.contains(&x.as_str()))
        .count();
    // Keep at least one word: "the President" alone is still something to compare.
    w.drain(..lead.min(w.len().saturating_sub(1)));
    w
}

/// Whether `name` (a speaker or entity as the analyzer gives it) refers to the watched name:
/// the watched words appear in it as a run ("Ruiz" in "Ana Ruiz"), or it is the end of the
/// watched name once titles are dropped ("President Ruiz" and "Ruiz" for a watch on "Ana
/// Ruiz"): the cheap form of alias resolution the analyzer's own names allow.
pub fn name_matches(watched: &str, name: &str) -> bool {
    let w = name_words(watched);
    let n = name_words(name);
    if w.is_empty() || n.is_empty() {
        return false;
    }
    contains_run(&n, &w) || (n.len() < w.len() && w.ends_with(&n))
}

/// One watch, prepared for matching many articles.
struct Prepared {
    watch: Watch,
    words: Vec<String>,
    /// Claim watches: the claim's content stems.
    claim_stems: Vec<u64>,
}

impl Prepared {
    fn new(watch: Watch) -> Prepared {
        let words = match watch.kind {
            WatchKind::Speaker | WatchKind::Entity => name_words(&watch.value),
            _ => words(&watch.value),
        };
        let claim_stems = match watch.kind {
            WatchKind::Claim => StanceText::new(&watch.value).stem_set(),
            _ => Vec::new(),
        };
        Prepared {
            watch,
            words,
            claim_stems,
        }
    }
}

/// A statement of the article, as the matcher reads it.
struct Statement {
    speaker: Option<String>,
    speaker_kind: Option<String>,
    cue: String,
    content: String,
    content_words: Vec<String>,
    stems: Vec<u64>,
}

/// What one article offers the matcher.
struct ArticleFacts {
    title_words: Vec<String>,
    text_words: Vec<String>,
    entities: Vec<String>,
    statements: Vec<Statement>,
}

fn facts(c: &Committed) -> ArticleFacts {
    let a = &c.article.article;
    let analysis: Option<Value> = c
        .analysis
        .as_deref()
        .and_then(|j| serde_json::from_str(j).ok());
    let (entities, statements) = match &analysis {
        Some(v) => {
            let entities = v
                .get("entities")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|e| e.get("text").and_then(Value::as_str))
                .map(str::to_string)
                .collect();
            let statements = statements_of(v, a, 0)
                .into_iter()
                .map(|s| Statement {
                    content_words: words(&s.content),
                    stems: StanceText::new(&s.content).stem_set(),
                    speaker: s.speaker,
                    speaker_kind: s.speaker_kind,
                    cue: s.cue,
                    content: s.content,
                })
                .collect();
            (entities, statements)
        }
        None => (Vec::new(), Vec::new()),
    };
    ArticleFacts {
        title_words: a.title.as_deref().map(words).unwrap_or_default(),
        text_words: words(&a.text),
        entities,
        statements,
    }
}

/// A statement in an event; `stance` is toward the watched claim (claim watches only).
fn statement_json(s: &Statement, stance: Option<Stance>, coverage: Option<f32>) -> Value {
    let mut v = json!({
        "speaker": s.speaker,
        "speaker_kind": s.speaker_kind,
        "cue": s.cue,
        "content": s.content,
    });
    if let (Some(stance), Some(obj)) = (stance, v.as_object_mut()) {
        obj.insert("stance".into(), json!(stance.as_str()));
    }
    if let (Some(c), Some(obj)) = (coverage, v.as_object_mut()) {
        obj.insert("coverage".into(), json!((c * 100.0).round() / 100.0));
    }
    v
}

/// The stance of a statement toward a claim, as `track::claims` gives it: the cue lexicon
/// first, the stance model (among the related classes) otherwise.
fn stance_toward(claim: &str, s: &Statement) -> Option<Stance> {
    track::claims::lexical_stance(&s.cue, &s.content).or_else(|| {
        StanceModel::load_default().ok().map(|m| {
            m.predict_statement(claim, &s.content, &s.cue)
                .best_of(&Stance::RELATED)
        })
    })
}

fn coverage(claim: &[u64], stems: &[u64]) -> (usize, f32) {
    // Both sorted and deduplicated (`stem_set`).
    let shared = claim
        .iter()
        .filter(|k| stems.binary_search(k).is_ok())
        .count();
    (shared, shared as f32 / claim.len().max(1) as f32)
}

/// What matched, and the statements to report, or `None`.
fn match_watch(
    p: &Prepared,
    f: &ArticleFacts,
    config: &AlertConfig,
) -> Option<(Vec<String>, Vec<Value>)> {
    let w = &p.watch;
    match w.kind {
        WatchKind::Speaker => {
            let hits: Vec<&Statement> = f
                .statements
                .iter()
                .filter(|s| {
                    s.speaker
                        .as_deref()
                        .is_some_and(|n| name_matches(&w.value, n))
                })
                .collect();
            let first = hits.first()?;
            let matched = vec![first.speaker.clone().unwrap_or_default()];
            Some((
                matched,
                hits.iter().map(|s| statement_json(s, None, None)).collect(),
            ))
        }
        WatchKind::Entity => {
            let mut matched: Vec<String> = f
                .entities
                .iter()
                .filter(|e| name_matches(&w.value, e))
                .cloned()
                .collect();
            matched.sort();
            matched.dedup();
            if matched.is_empty() {
                return None;
            }
            let statements = f
                .statements
                .iter()
                .filter(|s| {
                    contains_run(&s.content_words, &p.words)
                        || s.speaker
                            .as_deref()
                            .is_some_and(|n| name_matches(&w.value, n))
                })
                .map(|s| statement_json(s, None, None))
                .collect();
            Some((matched, statements))
        }
        WatchKind::Keyword => {
            if !contains_run(&f.title_words, &p.words) && !contains_run(&f.text_words, &p.words) {
                return None;
            }
            let statements = f
                .statements
                .iter()
                .filter(|s| contains_run(&s.content_words, &p.words))
                .map(|s| statement_json(s, None, None))
                .collect();
            Some((vec![p.words.join(" ")], statements))
        }
        WatchKind::Claim => {
            let need = p.claim_stems.len().min(2);
            let statements: Vec<Value> = f
                .statements
                .iter()
                .filter_map(|s| {
                    let (shared, cov) = coverage(&p.claim_stems, &s.stems);
                    (need > 0 && shared >= need && cov >= config.claim_coverage)
                        .then(|| statement_json(s, stance_toward(&w.value, s), Some(cov)))
                })
                .collect();
            if statements.is_empty() {
                return None;
            }
            Some((vec![w.value.clone()], statements))
        }
    }
}

fn time(t: Option<DateTime<Utc>>) -> Value {
    t.map_or(Value::Null, |t| json!(t.to_rfc3339()))
}

/// The event a match sends.
fn payload(
    w: &Watch,
    c: &Committed,
    matched: Vec<String>,
    statements: Vec<Value>,
    now: DateTime<Utc>,
) -> Value {
    let a = &c.article.article;
    json!({
        "event": EVENT,
        "watch": { "id": w.id, "kind": w.kind.as_str(), "value": w.value },
        "article": {
            "id": a.id.as_str(),
            "url": a.canonical_url.as_ref().or(a.url.as_ref()),
            "title": a.title,
            "outlet": a.source.as_ref().or(a.site_name.as_ref()),
            "published": time(a.published),
            "fetched": time(Some(c.article.fetched)),
            "copy_of": a.copy_of.as_ref().map(|o| o.as_str()),
        },
        "story": c.story.map(|s| s.0),
        "matched": matched,
        "statements": statements,
        "matched_at": now.to_rfc3339(),
    })
}

/// The deliveries the article's matches make, keyed by article so that they are idempotent.
fn deliveries_for(
    watches: &[Prepared],
    c: &Committed,
    config: &AlertConfig,
    now: DateTime<Utc>,
) -> Vec<NewDelivery> {
    let mut out = Vec::new();
    let mut f = None;
    for p in watches.iter().filter(|p| c.seq > p.watch.after_seq) {
        let f = f.get_or_insert_with(|| facts(c));
        if let Some((matched, statements)) = match_watch(p, f, config) {
            out.push(NewDelivery {
                watch: p.watch.id,
                key: format!("article:{}", c.article.article.id.as_str()),
                payload: payload(&p.watch, c, matched, statements, now).to_string(),
            });
        }
    }
    out
}

/// Matches the given articles against every watch (those stored after each watch) and
/// enqueues the deliveries; returns how many were new. What a scan does per batch, without
/// the cursor: enqueueing articles again adds nothing.
pub fn enqueue_matches(
    store: &dyn Store,
    config: &AlertConfig,
    articles: &[Committed],
    now: DateTime<Utc>,
) -> Result<usize, AppError> {
    let watches: Vec<Prepared> = store.watches()?.into_iter().map(Prepared::new).collect();
    let deliveries: Vec<NewDelivery> = articles
        .iter()
        .flat_map(|c| deliveries_for(&watches, c, config, now))
        .collect();
    Ok(store.enqueue_deliveries(&deliveries, now)?)
}

/// Whether the article's commit looks finished (see the module note).
fn complete(c: &Committed) -> bool {
    c.analysis.is_some() && (c.story.is_some() || c.article.article.copy_of.is_some())
}

/// What one scan did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ScanReport {
    pub articles: usize,
    pub enqueued: usize,
    /// Stopped at an article whose commit has not finished yet; scan again shortly.
    pub waiting: bool,
}

/// Follows committed articles and enqueues a delivery for every match.
#[derive(Debug, Default)]
pub struct Scanner {
    /// The unfinished article the scan stopped at, and when it was first seen so.
    waiting_on: Option<(i64, Instant)>,
}

impl Scanner {
    pub fn new() -> Scanner {
        Scanner::default()
    }

    /// Reads every article stored after the cursor, enqueues the matches and moves the
    /// cursor; stops early at an article whose commit is not finished (within the grace).
    pub fn scan(
        &mut self,
        store: &dyn Store,
        config: &AlertConfig,
        now: DateTime<Utc>,
    ) -> Result<ScanReport, AppError> {
        let mut report = ScanReport::default();
        // Read before the watches: a watch added after this read has `after_seq >= last`,
        // so skipping up to `last` below never skips an article it should see.
        let last = store.last_article_seq()?;
        let watches: Vec<Prepared> = store.watches()?.into_iter().map(Prepared::new).collect();
        let mut cursor = store.alert_cursor()?;
        let Some(floor) = watches.iter().map(|p| p.watch.after_seq).min() else {
            // Nothing to match: skip what is stored (a first watch starts after it anyway),
            // writing only when there is something to skip.
            if last > cursor {
                store.advance_alert_cursor(last)?;
            }
            return Ok(report);
        };
        cursor = cursor.max(floor);
        loop {
            let batch = store.committed_after(cursor, config.scan_batch.max(1))?;
            if batch.is_empty() {
                break;
            }
            let mut deliveries = Vec::new();
            let mut last = cursor;
            for c in &batch {
                if !complete(c) && !self.waited_enough(c.seq, config) {
                    report.waiting = true;
                    break;
                }
                deliveries.extend(deliveries_for(&watches, c, config, now));
                report.articles += 1;
                last = c.seq;
            }
            // Enqueued before the cursor moves: a crash in between re-scans, and the keys
            // make that a no-op.
            report.enqueued += store.enqueue_deliveries(&deliveries, now)?;
            if last > cursor {
                cursor = store.advance_alert_cursor(last)?;
            }
            if report.waiting {
                break;
            }
        }
        if !report.waiting {
            self.waiting_on = None;
        }
        Ok(report)
    }

    fn waited_enough(&mut self, seq: i64, config: &AlertConfig) -> bool {
        match self.waiting_on {
            Some((s, since)) if s == seq => since.elapsed() >= config.incomplete_grace,
            _ => {
                self.waiting_on = Some((seq, Instant::now()));
                config.incomplete_grace.is_zero()
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Delivery

/// What one delivery round did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DeliverReport {
    pub delivered: usize,
    pub retried: usize,
    pub failed: usize,
    /// Outcomes the store refused because the lease passed to another process meanwhile.
    pub lost_leases: usize,
}

/// Sends due deliveries.
pub struct Deliverer {
    agent: ureq::Agent,
    config: AlertConfig,
    jitter: std::sync::Mutex<Jitter>,
}

impl Deliverer {
    pub fn new(config: AlertConfig) -> Deliverer {
        let agent_config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            // A redirect would lead the POST past the address check of the URL the user
            // gave; receivers must answer where they are registered.
            .max_redirects(0)
            // A proxy would be resolved instead of the target, bypassing the guard.
            .proxy(None)
            .user_agent(ingest::fetch::USER_AGENT)
            .timeout_global(Some(config.timeout))
            .build();
        let agent = ureq::Agent::with_parts(
            agent_config,
            ureq::unversioned::transport::DefaultConnector::default(),
            GuardedResolver::new(config.allow_private, &[]),
        );
        let seed = u64::from(Utc::now().timestamp_subsec_nanos()) ^ u64::from(std::process::id());
        Deliverer {
            agent,
            config,
            jitter: std::sync::Mutex::new(Jitter::new(seed)),
        }
    }

    /// Claims and sends every delivery due by `now`, one batch at a time.
    pub fn deliver_due(
        &self,
        store: &dyn Store,
        now: DateTime<Utc>,
    ) -> Result<DeliverReport, AppError> {
        let mut report = DeliverReport::default();
        // The lease covers a whole batch sent one after another, each up to the timeout.
        let lease = self.config.timeout * (self.config.batch.max(1) as u32 + 2);
        loop {
            let claimed = store.claim_deliveries(
                &self.config.holder,
                self.config.batch.max(1),
                lease,
                now,
            )?;
            if claimed.is_empty() {
                return Ok(report);
            }
            for d in claimed {
                let outcome = self.attempt(store, &d, now)?;
                match &outcome {
                    DeliveryOutcome::Delivered => report.delivered += 1,
                    DeliveryOutcome::Retry { .. } => report.retried += 1,
                    DeliveryOutcome::Failed { .. } => report.failed += 1,
                }
                if !store.finish_delivery(&self.config.holder, d.id, &outcome, now)? {
                    report.lost_leases += 1;
                }
            }
        }
    }

    fn attempt(
        &self,
        store: &dyn Store,
        d: &Delivery,
        now: DateTime<Utc>,
    ) -> Result<DeliveryOutcome, AppError> {
        let Some(watch) = store.watch(d.watch)? else {
            return Ok(DeliveryOutcome::Failed {
                error: "the watch was removed".into(),
            });
        };
        let error = match self.post(&watch, d, now) {
            Ok(()) => return Ok(DeliveryOutcome::Delivered),
            Err(e) => e,
        };
        if d.attempts >= self.config.max_attempts {
            return Ok(DeliveryOutcome::Failed {
                error: format!("{error} (gave up after {} attempts)", d.attempts),
            });
        }
        let wait = self.backoff(d.attempts);
        let at = now + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::hours(1));
        Ok(DeliveryOutcome::Retry { error, at })
    }

    /// The wait after the `attempts`-th failure: doubling from the base, capped, jittered.
    fn backoff(&self, attempts: u32) -> Duration {
        let doubled = self
            .config
            .base_backoff
            .saturating_mul(1u32 << attempts.saturating_sub(1).min(20));
        let capped = doubled.min(self.config.max_backoff);
        let j = self
            .jitter
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .next01();
        capped.mul_f64(0.5 + 0.5 * j)
    }

    /// One POST; `Err` is the message kept as the delivery's last error.
    fn post(&self, watch: &Watch, d: &Delivery, now: DateTime<Utc>) -> Result<(), String> {
        let timestamp = now.timestamp();
        let body = d.payload.as_bytes();
        let sent = self
            .agent
            .post(&watch.webhook)
            .header("Content-Type", "application/json")
            .header("X-Claimtrail-Event", EVENT)
            .header("X-Claimtrail-Delivery", d.id.to_string())
            .header("X-Claimtrail-Timestamp", timestamp.to_string())
            .header(
                "X-Claimtrail-Signature",
                signature(&watch.secret, timestamp, body),
            )
            .send(body);
        let mut response = sent.map_err(|e| format!("POST {}: {e}", watch.webhook))?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        let mut detail = response
            .body_mut()
            .with_config()
            .limit(512)
            .read_to_string()
            .unwrap_or_default();
        detail.truncate(200);
        let what = if status.is_redirection() {
            " (redirects are not followed for webhooks)"
        } else {
            ""
        };
        Err(format!(
            "POST {}: HTTP {}{what}{}{}",
            watch.webhook,
            status.as_u16(),
            if detail.trim().is_empty() { "" } else { ": " },
            detail.trim()
        ))
    }
}

/// Scans until caught up (waiting out unfinished commits, at most the grace), then sends
/// what is due: `claimtrail watch deliver --once`.
pub fn run_once(
    store: &dyn Store,
    config: &AlertConfig,
) -> Result<(ScanReport, DeliverReport), AppError> {
    let mut scanner = Scanner::new();
    let mut total = ScanReport::default();
    loop {
        let r = scanner.scan(store, config, Utc::now())?;
        total.articles += r.articles;
        total.enqueued += r.enqueued;
        if !r.waiting {
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    let delivered = Deliverer::new(config.clone()).deliver_due(store, Utc::now())?;
    Ok((total, delivered))
}

/// Scans and delivers until `stop` is set: the loop `claimtrail serve` and `claimtrail watch
/// deliver` run. Store and network errors are logged and retried after a capped backoff;
/// they never end the loop.
pub fn run(store: Arc<dyn Store>, config: AlertConfig, stop: Arc<AtomicBool>) {
    let mut scanner = Scanner::new();
    let deliverer = Deliverer::new(config.clone());
    let mut failures = 0u32;
    while !stop.load(Ordering::SeqCst) {
        let round = scanner
            .scan(store.as_ref(), &config, Utc::now())
            .and_then(|s| Ok((s, deliverer.deliver_due(store.as_ref(), Utc::now())?)));
        let pause = match round {
            Ok((s, _)) => {
                failures = 0;
                if s.waiting {
                    Duration::from_millis(200)
                } else {
                    config.poll
                }
            }
            Err(e) => {
                failures = failures.saturating_add(1);
                let d = config
                    .poll
                    .saturating_mul(1u32 << failures.min(5))
                    .min(Duration::from_secs(60));
                eprintln!("alerts: {e}; retrying in {d:.1?}");
                d
            }
        };
        let until = Instant::now() + pause;
        while Instant::now() < until && !stop.load(Ordering::SeqCst) {
            std::thread::sleep(Duration::from_millis(50).min(pause));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_hmac_sha256_over_timestamp_dot_body() {
        // Computed independently: Python's hmac.new(b"s3cret", b'1700000000.{"a":1}', sha256).
        let body = br#"{"a":1}"#;
        assert_eq!(
            signature("s3cret", 1_700_000_000, body),
            "sha256=1698a50bc74d1ff1db85c4e0a5297c2ad9fdba245d5737cdb789e4cc6e098940"
        );
        let header = signature("s3cret", 1_700_000_000, body);
        assert!(verify_signature("s3cret", 1_700_000_000, body, &header));
        assert!(!verify_signature("s3cret", 1_700_000_001, body, &header));
        assert!(!verify_signature("s3cret", 1_700_000_000, b"{}", &header));
        assert!(!verify_signature(
            "s3cret",
            1_700_000_000,
            body,
            "sha256=zz"
        ));
        assert!(!verify_signature("s3cret", 1_700_000_000, body, "md5=00"));
    }

    #[test]
    fn names_match_by_words_titles_and_surnames() {
        for (watched, name) in [
            ("Arvid Tallinger", "Arvid Tallinger"),
            ("arvid tallinger", "ARVID TALLINGER"),
            ("Arvid Tallinger", "Tallinger"),
            ("Arvid Tallinger", "Defence Minister Arvid Tallinger"),
            ("Arvid Tallinger", "President Tallinger"),
            ("Tallinger", "Arvid Tallinger"),
            ("Valdora", "Valdora's defence ministry"),
        ] {
            assert!(name_matches(watched, name), "{watched:?} ~ {name:?}");
        }
        for (watched, name) in [
            ("Arvid Tallinger", "Arvid Holm"),
            ("Arvid Tallinger", "Arvid"),
            ("Tallinger", "Tallingers"),
            ("Valdora", "Estmark"),
            ("", "Valdora"),
        ] {
            assert!(!name_matches(watched, name), "{watched:?} !~ {name:?}");
        }
    }

    #[test]
    fn keywords_match_whole_words_only() {
        let text = words("Marines landed; the sub-marine fleet stayed home.");
        assert!(contains_run(&text, &words("marines")));
        assert!(contains_run(&text, &words("MARINES LANDED")));
        assert!(contains_run(&text, &words("marine fleet")));
        assert!(!contains_run(&text, &words("marine landed")));
        assert!(!contains_run(&text, &words("fleets")));
        assert!(!contains_run(&text, &[]));
    }
}
