//! One article's commit in one IMMEDIATE transaction (see [`crate::commit`]), with the same
//! statements as the single-step methods.

use super::{articles, copies, stories, SqliteStore};
use crate::commit::{self, ArticleCommit, CommitOutcome, Ops};
use crate::error::{ErrorKind, Result};
use crate::types::{Analysis, Inserted, Sighting, StoredArticle, StoryId};
use chrono::{DateTime, Utc};
use model::{Article, ArticleId};
use rusqlite::Connection;

struct Tx<'a>(&'a Connection);

impl Ops for Tx<'_> {
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
