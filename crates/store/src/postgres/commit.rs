//! One article's commit in one transaction (see [`crate::commit`]), with the same statements
//! as the single-step methods, run by the commit guard on the connection holding the lock.

use super::{articles, copies, stories};
use crate::commit::{self, ArticleCommit, CommitOutcome, Ops};
use crate::error::ErrorKind;
use crate::types::{Analysis, Inserted, Sighting, StoredArticle, StoryId};
use chrono::{DateTime, Utc};
use model::{Article, ArticleId};
use postgres::{Client, Transaction};

struct Tx<'a, 'b>(&'a mut Transaction<'b>);

impl Ops for Tx<'_, '_> {
    fn insert(&mut self, a: &Article, fetched: DateTime<Utc>) -> Result<Inserted, ErrorKind> {
        articles::insert(self.0, a, fetched)
    }
    fn get(&mut self, id: &ArticleId) -> Result<Option<StoredArticle>, ErrorKind> {
        articles::get(self.0, id)
    }
    fn analysed(&mut self, id: &ArticleId) -> Result<bool, ErrorKind> {
        Ok(articles::analysis(self.0, id)?.is_some())
    }
    fn story_of(&mut self, id: &ArticleId) -> Result<Option<StoryId>, ErrorKind> {
        stories::story_of(self.0, id)
    }
    fn put_analysis(&mut self, a: &Analysis) -> Result<(), ErrorKind> {
        articles::put_analysis(self.0, a)
    }
    fn add_sighting(&mut self, s: &Sighting) -> Result<bool, ErrorKind> {
        copies::add_sighting(self.0, s)
    }
    fn create_story(&mut self, title: &str, at: DateTime<Utc>) -> Result<StoryId, ErrorKind> {
        stories::create(self.0, Some(title), at)
    }
    fn add_to_story(
        &mut self,
        story: StoryId,
        id: &ArticleId,
        at: DateTime<Utc>,
    ) -> Result<(), ErrorKind> {
        stories::add_article(self.0, story, id, at)
    }
    fn put_terms(&mut self, id: &ArticleId, terms: &[u8]) -> Result<(), ErrorKind> {
        copies::put_terms(self.0, id, terms)
    }
}

/// Runs the commit in a transaction on `client` and tells readers of the store (see
/// `crate::follow`): a NOTIFY sent inside the transaction is delivered when it commits, so
/// a woken reader always finds the article whole.
///
/// Why `synchronous_commit = off`: a disk flush per article made the commit, which every
/// worker runs in turn under the lock, mostly a wait for the disk. Readers see the article at
/// COMMIT all the same; [`flush`] then makes a whole batch durable with one flush, since the
/// write-ahead log is flushed in order. A server that crashes before it loses at most those
/// articles, whose jobs are not yet done (they are finished after the flush).
pub(super) fn run(client: &mut Client, c: &ArticleCommit<'_>) -> Result<CommitOutcome, ErrorKind> {
    let mut tx = client
        .transaction()
        .map_err(super::q("starting a transaction"))?;
    tx.batch_execute("SET LOCAL synchronous_commit = off")
        .map_err(super::q("starting a transaction"))?;
    let out = commit::run(&mut Tx(&mut tx), c)?;
    tx.batch_execute(super::follow::NOTIFY_SQL)
        .map_err(super::q("notifying readers"))?;
    tx.commit().map_err(super::q("committing"))?;
    Ok(out)
}

/// Waits until everything committed on this connection is on disk: a transaction that takes
/// a transaction id writes a commit record, and committing it synchronously flushes the log
/// up to there, the asynchronous commits before it included.
pub(super) fn flush(client: &mut Client) -> Result<(), ErrorKind> {
    client
        .batch_execute("BEGIN; SELECT txid_current(); COMMIT")
        .map_err(super::q("flushing commits to disk"))
}
