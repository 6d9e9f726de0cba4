//! One article's commit in one IMMEDIATE transaction (see [`crate::commit`]), with the same
//! statements as the single-step methods.

use super::{articles, copies, stories, SqliteStore};
use crate::commit::{self, ArticleCommit, CommitOutcome};
use rusqlite::Connection;

struct Tx<'a>(&'a Connection);

commit::backend_ops!(Tx<'_>);

/// The commit "lock" of a store whose writers in one process are already serialized by its
/// connection's mutex; it commits through the store.
pub(super) struct Guard<'a> {
    pub(super) store: &'a SqliteStore,
}

impl crate::CommitGuard for Guard<'_> {
    fn check(&mut self) -> crate::Result<()> {
        Ok(())
    }
    fn commit_article(&mut self, c: &ArticleCommit<'_>) -> crate::Result<CommitOutcome> {
        self.store.write(|tx| commit::run(&mut Tx(tx), c))
    }
    /// Each commit is already as durable as the store's `synchronous` setting makes it.
    fn flush(&mut self) -> crate::Result<()> {
        Ok(())
    }
}
