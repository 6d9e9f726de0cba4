//! One article's commit as one transaction: the article, its analysis, its sighting, its
//! story membership (a new story when asked) and its clusterer terms, or nothing at all.
//!
//! Why one transaction: written step by step, a commit cut short (a worker killed, the
//! database restarted between two steps) left an article stored but not analysed, or an
//! original without its story while a copy of it, judged meanwhile, found no story to join
//! and stayed outside it for good. Whoever reads the store now sees an article whole or not
//! at all, so a reader never has to tell a half-done commit from a finished one.
//!
//! Why through the [`CommitGuard`](crate::CommitGuard): on PostgreSQL the transaction runs
//! on the connection that holds the commit lock, so it cannot commit once the lock is lost
//! (the session that held it is gone, and its transaction with it).
//!
//! The sequence is written once, here, over [`Ops`], which each backend implements with
//! the same statements its single-step methods use.

use crate::error::ErrorKind;
use crate::types::{Analysis, Inserted, Sighting, StoredArticle, StoryId};
use chrono::{DateTime, Utc};
use model::{Article, ArticleId};

/// Where a committed article goes when it is not a copy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StoryChoice {
    /// An existing story (the clusterer's pick).
    Join(StoryId),
    /// A new story with this title.
    Create { title: String },
}

/// Everything one article's commit writes.
#[derive(Clone, Debug)]
pub struct ArticleCommit<'a> {
    /// As judged: `copy_of` set for a near-duplicate (which joins its original's story).
    pub article: &'a Article,
    pub fetched: DateTime<Utc>,
    pub pipeline_version: &'a str,
    pub analysis: &'a str,
    pub analyzed: DateTime<Utc>,
    /// For an article that is not a copy.
    pub story: StoryChoice,
    /// When it joins its story (the story clock).
    pub joined: DateTime<Utc>,
    /// The clusterer's terms, for an article that is not a copy.
    pub terms: Option<&'a [u8]>,
}

/// What a commit did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CommitOutcome {
    /// The article is stored whole: just now, or by finishing an earlier commit of it that
    /// a store without this method left half-done. `copy_of` and `story` are as stored;
    /// `created` says the story was made by this commit.
    Stored {
        id: ArticleId,
        copy_of: Option<ArticleId>,
        story: Option<StoryId>,
        created: bool,
    },
    /// The article was stored already, under this id (another article's when it is a
    /// repeat by URL or content); its sighting of this copy was recorded.
    Existing(ArticleId),
}

/// The statements a commit needs, run inside one transaction of the backend.
pub(crate) trait Ops {
    fn insert(&mut self, a: &Article, fetched: DateTime<Utc>) -> Result<Inserted, ErrorKind>;
    fn get(&mut self, id: &ArticleId) -> Result<Option<StoredArticle>, ErrorKind>;
    fn analysed(&mut self, id: &ArticleId) -> Result<bool, ErrorKind>;
    fn story_of(&mut self, id: &ArticleId) -> Result<Option<StoryId>, ErrorKind>;
    fn put_analysis(&mut self, a: &Analysis) -> Result<(), ErrorKind>;
    fn add_sighting(&mut self, s: &Sighting) -> Result<bool, ErrorKind>;
    fn create_story(&mut self, title: &str, at: DateTime<Utc>) -> Result<StoryId, ErrorKind>;
    fn add_to_story(
        &mut self,
        story: StoryId,
        id: &ArticleId,
        at: DateTime<Utc>,
    ) -> Result<(), ErrorKind>;
    fn put_terms(&mut self, id: &ArticleId, terms: &[u8]) -> Result<(), ErrorKind>;
}

/// Implements [`Ops`] for a backend's transaction wrapper `$ty` (a one-field tuple struct),
/// with the functions of the backend's `articles`, `copies` and `stories` modules, which
/// must be in scope where it is used: each backend names them alike.
macro_rules! backend_ops {
    ($ty:ty) => {
        impl $crate::commit::Ops for $ty {
            fn insert(
                &mut self,
                a: &model::Article,
                fetched: chrono::DateTime<chrono::Utc>,
            ) -> Result<$crate::Inserted, $crate::error::ErrorKind> {
                articles::insert(self.0, a, fetched)
            }
            fn get(
                &mut self,
                id: &model::ArticleId,
            ) -> Result<Option<$crate::StoredArticle>, $crate::error::ErrorKind> {
                articles::get(self.0, id)
            }
            fn analysed(
                &mut self,
                id: &model::ArticleId,
            ) -> Result<bool, $crate::error::ErrorKind> {
                Ok(articles::analysis(self.0, id)?.is_some())
            }
            fn story_of(
                &mut self,
                id: &model::ArticleId,
            ) -> Result<Option<$crate::StoryId>, $crate::error::ErrorKind> {
                stories::story_of(self.0, id)
            }
            fn put_analysis(
                &mut self,
                a: &$crate::Analysis,
            ) -> Result<(), $crate::error::ErrorKind> {
                articles::put_analysis(self.0, a)
            }
            fn add_sighting(
                &mut self,
                s: &$crate::Sighting,
            ) -> Result<bool, $crate::error::ErrorKind> {
                copies::add_sighting(self.0, s)
            }
            fn create_story(
                &mut self,
                title: &str,
                at: chrono::DateTime<chrono::Utc>,
            ) -> Result<$crate::StoryId, $crate::error::ErrorKind> {
                stories::create(self.0, Some(title), at)
            }
            fn add_to_story(
                &mut self,
                story: $crate::StoryId,
                id: &model::ArticleId,
                at: chrono::DateTime<chrono::Utc>,
            ) -> Result<(), $crate::error::ErrorKind> {
                stories::add_article(self.0, story, id, at)
            }
            fn put_terms(
                &mut self,
                id: &model::ArticleId,
                terms: &[u8],
            ) -> Result<(), $crate::error::ErrorKind> {
                copies::put_terms(self.0, id, terms)
            }
        }
    };
}
pub(crate) use backend_ops;

/// The article's sighting at the outlet that carried it, filed under `id`.
pub fn sighting_of(id: &ArticleId, a: &Article, seen: DateTime<Utc>) -> Sighting {
    Sighting {
        article: id.clone(),
        url: a.canonical_url.clone().or_else(|| a.url.clone()),
        source: a.source.clone().or_else(|| a.site_name.clone()),
        published: a.published,
        seen,
    }
}

/// The commit, in order: insert (or find), analysis, sighting, story, terms.
pub(crate) fn run(ops: &mut impl Ops, c: &ArticleCommit<'_>) -> Result<CommitOutcome, ErrorKind> {
    let a = c.article;
    let (id, copy_of) = match ops.insert(a, c.fetched)? {
        Inserted::Inserted(id) => (id, a.copy_of.clone()),
        Inserted::Existing(found) => {
            let unfinished = if found == a.id {
                unfinished(ops, &found)?
            } else {
                None
            };
            match unfinished {
                // Stored under its own id by a commit that stopped half-way: finish it as
                // it was stored.
                Some(stored_copy_of) => (found, stored_copy_of),
                None => {
                    ops.add_sighting(&sighting_of(&found, a, c.fetched))?;
                    return Ok(CommitOutcome::Existing(found));
                }
            }
        }
    };
    ops.put_analysis(&Analysis {
        article: id.clone(),
        pipeline_version: c.pipeline_version.to_string(),
        json: c.analysis.to_string(),
        analyzed: c.analyzed,
    })?;
    ops.add_sighting(&sighting_of(&id, a, c.fetched))?;
    if let Some(original) = copy_of {
        let story = ops.story_of(&original)?;
        if let Some(story) = story {
            ops.add_to_story(story, &id, c.joined)?;
        }
        return Ok(CommitOutcome::Stored {
            id,
            copy_of: Some(original),
            story,
            created: false,
        });
    }
    let (story, created) = match ops.story_of(&id)? {
        Some(s) => (s, false),
        None => match &c.story {
            StoryChoice::Join(s) => (*s, false),
            StoryChoice::Create { title } => (ops.create_story(title, c.joined)?, true),
        },
    };
    if let Some(terms) = c.terms {
        ops.put_terms(&id, terms)?;
    }
    ops.add_to_story(story, &id, c.joined)?;
    Ok(CommitOutcome::Stored {
        id,
        copy_of: None,
        story: Some(story),
        created,
    })
}

/// For an article found stored under its own id: `None` when it is whole (analysed, and in
/// a story unless it is a copy), else `Some(copy_of)` as stored.
fn unfinished(ops: &mut impl Ops, id: &ArticleId) -> Result<Option<Option<ArticleId>>, ErrorKind> {
    let Some(stored) = ops.get(id)? else {
        return Ok(None);
    };
    let copy_of = stored.article.copy_of;
    let placed = copy_of.is_some() || ops.story_of(id)?.is_some();
    let whole = ops.analysed(id)? && placed;
    Ok((!whole).then_some(copy_of))
}
