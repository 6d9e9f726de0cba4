//! One article's commit in one transaction (see [`crate::commit`]), with the same statements
//! as the single-step methods, run by the commit guard on the connection holding the lock.

use super::{articles, copies, stories};
use crate::commit::{self, ArticleCommit, CommitOutcome};
use crate::error::ErrorKind;
use postgres::{Client, Transaction};

struct Tx<'a, 'b>(&'a mut Transaction<'b>);

commit::backend_ops!(Tx<'_, '_>);

/// Runs the commit in a transaction on `client` and tells readers of the store (see
/// `crate::follow`): a NOTIFY sent inside the transaction is delivered when it commits, so
/// a woken reader always finds the article whole.
///
/// Why `synchronous_commit = off` (set for the session when the commit lock's connection is
/// opened, so it costs no round trip per article): a disk flush per article made the commit,
/// which every worker runs in turn under the lock, mostly a wait for the disk. Readers see
/// the article at COMMIT all the same; [`flush`] then makes a whole batch durable with one
/// flush, since the write-ahead log is flushed in order. A server that crashes before it
/// loses at most those articles, whose jobs are not yet done (they are finished after the
/// flush). The statements the commit runs are typed queries: one round trip each.
pub(super) fn run(client: &mut Client, c: &ArticleCommit<'_>) -> Result<CommitOutcome, ErrorKind> {
    let mut tx = client
        .transaction()
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
        .batch_execute("BEGIN; SET LOCAL synchronous_commit = on; SELECT txid_current(); COMMIT")
        .map_err(super::q("flushing commits to disk"))
}
