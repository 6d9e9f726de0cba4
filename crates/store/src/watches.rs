//! Watches and their webhook deliveries: what the alerting side (`app::alerts`) keeps.
//!
//! Why an outbox table rather than sending from the scanner: a match must reach its webhook
//! even if the process dies between noticing it and the receiver answering. The scanner
//! writes the delivery first (keyed by watch and event, so scanning an article twice enqueues
//! it once), and a deliverer claims due deliveries with a lease, as workers claim jobs: a
//! deliverer that dies leaves a row whose lease runs out and that another one sends. A
//! delivery can therefore arrive twice (sent, then the process died before recording it),
//! never zero times; receivers dedupe on the delivery id.
//!
//! As for jobs, the store decides no policy: backoff, the number of attempts and lease lengths
//! come from the caller, and times are the caller's clock.

use chrono::{DateTime, Utc};

/// What a watch looks for in each new article.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum WatchKind {
    /// A statement by this speaker.
    Speaker,
    /// This entity named in the article.
    Entity,
    /// A word or phrase in the title or text.
    Keyword,
    /// A statement about this claim.
    Claim,
}

impl WatchKind {
    pub const ALL: [WatchKind; 4] = [
        WatchKind::Speaker,
        WatchKind::Entity,
        WatchKind::Keyword,
        WatchKind::Claim,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            WatchKind::Speaker => "speaker",
            WatchKind::Entity => "entity",
            WatchKind::Keyword => "keyword",
            WatchKind::Claim => "claim",
        }
    }

    pub fn parse(s: &str) -> Option<WatchKind> {
        WatchKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

impl std::fmt::Display for WatchKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A watch to add.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewWatch {
    pub kind: WatchKind,
    pub value: String,
    pub webhook: String,
    /// The HMAC key the deliveries are signed with.
    pub secret: String,
}

/// A stored watch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Watch {
    pub id: i64,
    pub kind: WatchKind,
    pub value: String,
    pub webhook: String,
    pub secret: String,
    /// The latest article's storage order (`seq`) when the watch was added: it matches
    /// articles stored after that, so adding a watch never replays the archive.
    pub after_seq: i64,
    pub created: DateTime<Utc>,
}

/// A delivery to enqueue. `key` names the event (for example the article's id) and is unique
/// per watch: enqueueing the same key again adds nothing, whatever became of the first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewDelivery {
    pub watch: i64,
    pub key: String,
    pub payload: String,
}

/// Where a delivery stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DeliveryStatus {
    /// Not delivered yet: due at `next_attempt`, or being sent under a lease.
    Pending,
    Delivered,
    /// Given up after too many attempts; `last_error` says why.
    Failed,
}

impl DeliveryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::Delivered => "delivered",
            DeliveryStatus::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<DeliveryStatus> {
        match s {
            "pending" => Some(DeliveryStatus::Pending),
            "delivered" => Some(DeliveryStatus::Delivered),
            "failed" => Some(DeliveryStatus::Failed),
            _ => None,
        }
    }
}

/// A stored delivery.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Delivery {
    pub id: i64,
    pub watch: i64,
    pub key: String,
    pub payload: String,
    pub status: DeliveryStatus,
    /// Claims so far, the current one included (a claim after an expired lease counts).
    pub attempts: u32,
    pub next_attempt: DateTime<Utc>,
    pub last_error: Option<String>,
    /// Who holds the delivery and until when, while it is being sent.
    pub lease_holder: Option<String>,
    pub lease_until: Option<DateTime<Utc>>,
    pub created: DateTime<Utc>,
    /// When it was delivered or given up.
    pub finished: Option<DateTime<Utc>>,
}

/// How a deliverer ended an attempt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DeliveryOutcome {
    Delivered,
    /// Failed this time; due again at `at`.
    Retry {
        error: String,
        at: DateTime<Utc>,
    },
    /// Failed for good.
    Failed {
        error: String,
    },
}
