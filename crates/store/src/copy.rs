//! Copying a whole store into another (`claimtrail migrate --from sqlite:PATH --to
//! postgres://...`): feeds with their health, validators and fetch history, articles, their
//! analyses, sightings and clusterer terms, and stories with their members.
//!
//! Why through the `Store` trait rather than backend to backend: any pair works (SQLite to
//! PostgreSQL, PostgreSQL to SQLite for a laptop copy, SQLite to SQLite to compact), and the
//! target's own rules (idempotent insert, foreign keys) check what arrives.
//!
//! Why a second run changes nothing: every step is keyed. Feeds by URL (imported whole, in one
//! transaction, or not at all), articles by the usual id / canonical URL / content hash,
//! analyses by (article, pipeline version), sightings by their key, terms by article, and
//! stories by their id, which the copy keeps (so links to `/stories/17` stay valid). An
//! interrupted copy is finished by running it again.
//!
//! Articles go in the order the source stored them, which puts every original before its
//! copies, so `copy_of` always names an article the target already has. When the target
//! already holds an article under another id (same canonical URL or text), what hangs off the
//! source's article is attached to the target's, and `CopyReport::renamed` counts it.
//!
//! ```
//! use store::copy::copy_all;
//! use store::{SqliteStore, Store};
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let dir = std::env::temp_dir().join(format!("store-copy-doctest-{}", std::process::id()));
//! let from = SqliteStore::open(dir.join("from.db"))?;
//! from.insert_article(&store::testsuite::sample_article(1), store::testsuite::at(0))?;
//! let to = SqliteStore::open(dir.join("to.db"))?;
//! let report = copy_all(&from, &to, &mut |_| {})?;
//! assert_eq!((report.articles.new, report.articles.present), (1, 0));
//! let again = copy_all(&from, &to, &mut |_| {})?;
//! assert_eq!((again.articles.new, again.new_total()), (0, 0));
//! # drop((from, to));
//! # std::fs::remove_dir_all(&dir)?;
//! # Ok(())
//! # }
//! ```

use crate::error::{ErrorKind, Result, StoreError};
use crate::types::{Inserted, Sighting, StoryId, StoryMember};
use crate::Store;
use model::ArticleId;
use std::collections::{HashMap, HashSet};

/// Articles and stories are read in pages of this many.
const PAGE: usize = 500;

/// How many records of one kind the copy wrote, and how many the target already had.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub new: u64,
    pub present: u64,
}

impl Counts {
    fn add(&mut self, new: bool) {
        if new {
            self.new += 1;
        } else {
            self.present += 1;
        }
    }
}

/// What [`copy_all`] did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CopyReport {
    pub feeds: Counts,
    /// Fetch-history rows, copied with the feeds that were new.
    pub fetches: u64,
    pub articles: Counts,
    /// Source articles that the target holds under another id (same canonical URL or text).
    pub renamed: u64,
    pub analyses: Counts,
    pub sightings: Counts,
    pub terms: Counts,
    pub stories: Counts,
    /// Memberships, copied with the stories that were new.
    pub members: u64,
}

impl CopyReport {
    /// Records written to the target; 0 when it already held everything.
    pub fn new_total(&self) -> u64 {
        [
            self.feeds,
            self.articles,
            self.analyses,
            self.sightings,
            self.terms,
            self.stories,
        ]
        .iter()
        .map(|c| c.new)
        .sum::<u64>()
            + self.fetches
            + self.members
    }
}

/// Which part of the copy is running.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CopyStage {
    Feeds,
    Articles,
    Stories,
}

/// Reported after each feed, each page of articles and each page of stories.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CopyProgress {
    pub stage: CopyStage,
    pub done: u64,
    /// Known for feeds and articles (counted at the start); stories are not counted first.
    pub total: Option<u64>,
}

/// Copies everything `from` holds into `to`. Safe to run again: what the target has is
/// counted as present and left alone. The source should not be written meanwhile; articles
/// it stores during the copy are copied only if they come after the page being read.
pub fn copy_all(
    from: &dyn Store,
    to: &dyn Store,
    progress: &mut dyn FnMut(CopyProgress),
) -> Result<CopyReport> {
    let mut report = CopyReport::default();
    copy_feeds(from, to, progress, &mut report)?;
    let renamed = copy_articles(from, to, progress, &mut report)?;
    copy_stories(from, to, progress, &mut report, &renamed)?;
    Ok(report)
}

fn copy_feeds(
    from: &dyn Store,
    to: &dyn Store,
    progress: &mut dyn FnMut(CopyProgress),
    report: &mut CopyReport,
) -> Result<()> {
    let feeds = from.feeds()?;
    let total = Some(feeds.len() as u64);
    for (i, feed) in feeds.iter().enumerate() {
        let mut history = from.fetch_history(&feed.id, usize::MAX)?;
        history.reverse();
        let new = to.import_feed(feed, &history)?;
        report.feeds.add(new);
        if new {
            report.fetches += history.len() as u64;
        }
        progress(CopyProgress {
            stage: CopyStage::Feeds,
            done: i as u64 + 1,
            total,
        });
    }
    Ok(())
}

/// Returns the source ids that the target holds under another id.
fn copy_articles(
    from: &dyn Store,
    to: &dyn Store,
    progress: &mut dyn FnMut(CopyProgress),
    report: &mut CopyReport,
) -> Result<HashMap<ArticleId, ArticleId>> {
    let total = Some(from.article_count()?);
    let mut renamed: HashMap<ArticleId, ArticleId> = HashMap::new();
    let mut after: Option<ArticleId> = None;
    let mut done = 0u64;
    loop {
        let page = from.all_article_ids(after.as_ref(), PAGE)?;
        let Some(last) = page.last().cloned() else {
            break;
        };
        for id in &page {
            let Some(stored) = from.article(id)? else {
                continue;
            };
            let mut article = stored.article;
            if let Some(original) = &article.copy_of {
                if let Some(mapped) = renamed.get(original) {
                    article.copy_of = Some(mapped.clone());
                }
            }
            let target = match to.insert_article(&article, stored.fetched)? {
                Inserted::Inserted(t) => {
                    report.articles.new += 1;
                    t
                }
                Inserted::Existing(t) => {
                    report.articles.present += 1;
                    t
                }
            };
            if &target != id {
                report.renamed += 1;
                renamed.insert(id.clone(), target.clone());
            }
            copy_article_extras(from, to, id, &target, report)?;
            done += 1;
        }
        progress(CopyProgress {
            stage: CopyStage::Articles,
            done,
            total,
        });
        after = Some(last);
    }
    Ok(renamed)
}

/// Analyses, sightings and terms of the source's article `id`, attached to `target`. What the
/// target already has for that article wins: a second run must change nothing, and an article
/// the target held before keeps its own analysis.
fn copy_article_extras(
    from: &dyn Store,
    to: &dyn Store,
    id: &ArticleId,
    target: &ArticleId,
    report: &mut CopyReport,
) -> Result<()> {
    let analyses = from.analyses_of(id)?;
    if !analyses.is_empty() {
        let have: HashSet<String> = to
            .analyses_of(target)?
            .into_iter()
            .map(|a| a.pipeline_version)
            .collect();
        for mut a in analyses {
            let new = !have.contains(&a.pipeline_version);
            if new {
                a.article = target.clone();
                to.put_analysis(&a)?;
            }
            report.analyses.add(new);
        }
    }
    for s in from.sightings(id)? {
        let new = to.add_sighting(&Sighting {
            article: target.clone(),
            ..s
        })?;
        report.sightings.add(new);
    }
    if let Some(terms) = from.article_terms(id)? {
        let new = to.article_terms(target)?.is_none();
        if new {
            to.put_article_terms(target, &terms)?;
        }
        report.terms.add(new);
    }
    Ok(())
}

fn copy_stories(
    from: &dyn Store,
    to: &dyn Store,
    progress: &mut dyn FnMut(CopyProgress),
    report: &mut CopyReport,
    renamed: &HashMap<ArticleId, ArticleId>,
) -> Result<()> {
    let mut after: Option<StoryId> = None;
    let mut done = 0u64;
    loop {
        let page = from.all_stories(after, PAGE)?;
        let Some(last) = page.last().map(|s| s.id) else {
            break;
        };
        for story in &page {
            let members: Vec<StoryMember> = from
                .story_members(story.id)?
                .into_iter()
                .map(|m| StoryMember {
                    article: renamed.get(&m.article).cloned().unwrap_or(m.article),
                    added: m.added,
                })
                .collect();
            let new = to.import_story(story, &members)?;
            if new {
                report.members += members.len() as u64;
            } else {
                // The id is taken: by this story from an earlier run (all its members are
                // there), or by another story the target made itself, which must not be
                // silently mistaken for this one.
                let have: HashSet<ArticleId> = to
                    .story_members(story.id)?
                    .into_iter()
                    .map(|m| m.article)
                    .collect();
                if let Some(m) = members.iter().find(|m| !have.contains(&m.article)) {
                    return Err(StoreError::new(
                        to.location(),
                        ErrorKind::Conflict {
                            what: "story",
                            id: story.id.to_string(),
                            detail: format!(
                                "the target's story {} lacks article {} of the source's; \
                                 copy stories into a database that has none of its own",
                                story.id, m.article
                            ),
                        },
                    ));
                }
            }
            report.stories.add(new);
            done += 1;
        }
        progress(CopyProgress {
            stage: CopyStage::Stories,
            done,
            total: None,
        });
        after = Some(last);
    }
    Ok(())
}
