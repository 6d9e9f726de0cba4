//! Following what other processes commit: the waiter that says "something may have been
//! committed", and the sightings feed that, beside `Store::committed_after`, lets a reader
//! rebuild the tracker's events (new articles, copies, exact repeats) from the store alone.
//!
//! Why wake-ups carry no data: a reader (the server's event follower) always reads what was
//! committed from the store, after the last sequence number it has seen. A notification lost
//! while a connection was down, or two folded into one, therefore loses nothing: the next
//! read finds every row. The waiter only decides how soon that read happens.
//!
//! Why PostgreSQL announces inside each article's transaction: a NOTIFY sent in a transaction
//! is delivered when it commits, and an article's commit is one transaction
//! (see [`crate::commit`]), so a woken reader always finds the article whole. The commit
//! guard announces once more on release, for repeats recorded outside a commit.

use crate::types::Sighting;
use std::time::Duration;

/// The PostgreSQL channel on which commits are announced; the payload is the schema the
/// committer works in (`current_schema()`), so stores in other schemas of one database can
/// ignore each other's announcements.
pub const NOTIFY_CHANNEL: &str = "claimtrail_commits";

/// Blocks until another process (or this one) may have committed articles or sightings.
pub trait CommitWaiter: Send {
    /// Waits at most `timeout`. `Ok(true)`: something may have been committed (or
    /// notifications may have been missed, after a reconnect), so read the store; `Ok(false)`:
    /// the time passed without news. An error means the waiter's connection is down; it
    /// reconnects on a later call, after a backoff that grows while the server stays away.
    fn wait(&mut self, timeout: Duration) -> crate::Result<bool>;
}

/// One recorded sighting with its storage order. `first` is true for the earliest sighting of
/// its article, which is the article's own appearance (recorded when it was stored); a later
/// one is an outlet carrying a stored text again (an exact repeat).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SightingRecord {
    pub seq: i64,
    pub sighting: Sighting,
    pub first: bool,
}
