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
