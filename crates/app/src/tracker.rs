//! The tracker: articles in, stored articles with analyses, copies and stories out.
//!
//! Every article passes the same steps: canonical URL and content hash, near-duplicate
//! judgement against recent articles, idempotent insert, analysis, story clustering, and a
//! sighting that records which outlet carried it when. An exact repeat of a stored text from
//! another outlet is not stored again: it becomes a sighting of the original, so the story
//! still lists the outlet and its time. A near-duplicate (a truncated or lightly edited wire
//! copy) is stored as its own article pointing at the original, and joins the original's story.

use crate::error::AppError;
use chrono::{DateTime, Utc};
use ingest::dedup::{self, DedupIndex, Signature, Verdict};
use model::{Article, ArticleId, ContentHash};
use rayon::prelude::*;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use store::{ArticleCommit, CommitGuard, CommitOutcome, Store, StoryChoice, StoryId};
use text::output::{self, OutputConfig};
use text::Pipeline;
use track::stories::{self, Clusterer, Features, Placement, StoryConfig};

/// Names the analyses this build writes, so a later build can find what to re-analyse.
pub const PIPELINE_VERSION: &str = concat!("claimtrail-", env!("CARGO_PKG_VERSION"));

/// How much history the in-memory indexes cover, and how stories are formed.
#[derive(Clone, Debug)]
pub struct TrackerConfig {
    pub stories: StoryConfig,
    pub dedup: dedup::Config,
    /// Articles fetched within this many seconds are candidates for being copied.
    pub dedup_window_secs: i64,
    /// At most this many recent articles are loaded into the dedup index on open.
    pub restore_limit: usize,
}

impl Default for TrackerConfig {
    fn default() -> TrackerConfig {
        TrackerConfig {
            stories: StoryConfig::default(),
            dedup: dedup::Config::default(),
            dedup_window_secs: 30 * 86_400,
            restore_limit: 200_000,
        }
    }
}

/// What happened to one article.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ingested {
    /// Stored, analysed and placed in a story.
    New {
        id: ArticleId,
        story: StoryId,
        new_story: bool,
    },
    /// Stored as a near-duplicate copy of `original`, in the original's story.
    Copy {
        id: ArticleId,
        original: ArticleId,
        story: Option<StoryId>,
    },
    /// Already stored (same id, URL or text): recorded as a sighting of `original` only.
    Repeat { original: ArticleId },
}

/// What the tracker tells listeners (the server's live pages, alerts) after each commit.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    /// A new article was stored and placed in a story.
    Article {
        id: String,
        story: i64,
        new_story: bool,
        title: Option<String>,
        source: Option<String>,
        /// Attributed statements the analyzer found in it.
        statements: usize,
    },
    /// A copy of a stored article appeared (near-duplicate, or the same text elsewhere).
    Copy {
        original: String,
        story: Option<i64>,
        source: Option<String>,
        url: Option<String>,
    },
}

/// An article with the costly, pure work done: ready for [`Tracker::commit_batch`].
pub struct Prepared {
    article: Article,
    /// Hash and signature of the text without the outlet's boilerplate ("Follow us on ...",
    /// "this story has not been edited by ..."): what copies of one story share.
    core_hash: ContentHash,
    signature: Signature,
    json: String,
    features: Features,
    /// Seconds since the epoch at which the story clock places the article.
    time: i64,
    statements: usize,
}

impl Prepared {
    pub fn article(&self) -> &Article {
        &self.article
    }
}

struct State {
    dedup: DedupIndex,
    clusterer: Clusterer,
    /// Clusterer index -> stored story, and back.
    stories: Vec<StoryId>,
    index_of: HashMap<StoryId, usize>,
}

pub struct Tracker {
    store: Arc<dyn Store>,
    pipeline: Pipeline,
    config: TrackerConfig,
    state: Mutex<State>,
    listeners: Mutex<Vec<std::sync::mpsc::Sender<Event>>>,
    /// The storage order (`seq`) up to which the indexes know every stored article; what
    /// other processes store after it is read by [`Tracker::catch_up`].
    seen: std::sync::atomic::AtomicI64,
    /// Set when a batch's commits could not be made durable: the indexes may hold articles
    /// the store lost, so the next batch rebuilds them first.
    stale: std::sync::atomic::AtomicBool,
}

impl State {
    fn empty(config: &TrackerConfig) -> State {
        State {
            dedup: DedupIndex::new(config.dedup.clone()),
            clusterer: Clusterer::new(config.stories.clone()),
            stories: Vec::new(),
            index_of: HashMap::new(),
        }
    }
}

impl Tracker {
    /// A channel that receives every event from now on. Dropping the receiver unsubscribes.
    pub fn subscribe(&self) -> std::sync::mpsc::Receiver<Event> {
        let (tx, rx) = std::sync::mpsc::channel();
        self.listeners
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(tx);
        rx
    }

    fn emit(&self, event: Event) {
        let mut listeners = self.listeners.lock().unwrap_or_else(|p| p.into_inner());
        listeners.retain(|tx| tx.send(event.clone()).is_ok());
    }

    /// Loads the text pipeline and rebuilds the indexes from the store.
    pub fn open(store: Arc<dyn Store>, config: TrackerConfig) -> Result<Tracker, AppError> {
        let pipeline = Pipeline::new().map_err(|e| AppError::Pipeline(e.to_string()))?;
        let tracker = Tracker {
            store,
            pipeline,
            state: Mutex::new(State::empty(&config)),
            config,
            listeners: Mutex::new(Vec::new()),
            seen: std::sync::atomic::AtomicI64::new(0),
            stale: std::sync::atomic::AtomicBool::new(false),
        };
        let guard = tracker.store.commit_lock()?;
        tracker.rebuild()?;
        drop(guard);
        Ok(tracker)
    }

    /// Forgets the indexes and rebuilds them from the store. Call it holding the commit lock,
    /// so that no other process stores an article between the watermark and the restore:
    /// each article is then indexed exactly once.
    fn rebuild(&self) -> Result<(), AppError> {
        use std::sync::atomic::Ordering;
        *self.lock() = State::empty(&self.config);
        let seen = self.store.last_article_seq()?;
        self.restore(Utc::now())?;
        self.seen.store(seen, Ordering::SeqCst);
        self.stale.store(false, Ordering::SeqCst);
        Ok(())
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    pub fn pipeline(&self) -> &Pipeline {
        &self.pipeline
    }

    /// A panic elsewhere while holding the lock leaves the indexes as they were after the last
    /// whole article (each update below completes before any fallible step), so go on.
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn restore(&self, now: DateTime<Utc>) -> Result<(), AppError> {
        let mut st = self.lock();
        let since = now - chrono::Duration::seconds(self.config.dedup_window_secs);
        let recent = self
            .store
            .articles_since(since, self.config.restore_limit)?;
        let boilerplate: Vec<Vec<(usize, usize)>> = recent
            .iter()
            .map(|a| {
                Ok(self
                    .store
                    .analysis(&a.article.id)?
                    .map(|x| boilerplate_spans(&a.article.text, &x.json))
                    .unwrap_or_default())
            })
            .collect::<Result<_, AppError>>()?;
        let signed: Vec<(ArticleId, ContentHash, Signature)> = recent
            .par_iter()
            .zip(boilerplate.par_iter())
            .map(|(a, spans)| {
                let a = &a.article;
                let core = core_text(&a.text, spans.iter().copied());
                let sig = Signature::of(&core, &self.config.dedup);
                (a.id.clone(), dedup::content_hash(&core), sig)
            })
            .collect();
        for (id, hash, sig) in signed {
            st.dedup.add_signed(id, hash, sig);
        }
        // Stories still active, oldest first, each replayed with its stored members.
        let cutoff = now - chrono::Duration::seconds(self.config.stories.active_window_secs);
        let mut active: Vec<store::Story> = self
            .store
            .stories(usize::MAX)?
            .into_iter()
            .filter(|s| s.last_seen >= cutoff)
            .collect();
        active.reverse();
        for story in active {
            for id in self.store.story_articles(story.id)? {
                let Some(bytes) = self.store.article_terms(&id)? else {
                    continue; // a copy: it never entered the clusterer
                };
                let Some(features) = Features::from_bytes(&bytes) else {
                    continue;
                };
                let time = match self.store.article(&id)? {
                    Some(a) => story_time(&a.article, a.fetched),
                    None => continue,
                };
                let placement = match st.index_of.get(&story.id) {
                    Some(&i) => Placement::Into(i),
                    None => Placement::New,
                };
                let a = st.clusterer.place(&features, time, placement);
                if a.new_story {
                    register(&mut st, a.story, story.id);
                }
            }
        }
        Ok(())
    }

    /// The costly, pure part of ingesting: canonical URL, hash, signature, analysis, terms.
    /// Safe to call from many threads at once.
    pub fn prepare(&self, mut article: Article, fetched: DateTime<Utc>) -> Prepared {
        if article.canonical_url.is_none() {
            article.canonical_url = article
                .url
                .as_deref()
                .and_then(|u| ingest::url::canonicalize(u).ok());
        }
        article.content_hash = dedup::content_hash(&article.text);
        let published = article.published.map(|p| p.date_naive());
        let doc = self.pipeline.analyze(&article.text, published);
        let core = core_text(
            &article.text,
            doc.boilerplate
                .iter()
                .flatten()
                .map(|b| (b.span.start, b.span.end)),
        );
        let core_hash = dedup::content_hash(&core);
        let signature = Signature::of(&core, &self.config.dedup);
        let title_doc = article
            .title
            .as_deref()
            .map(|t| self.pipeline.analyze(t, published));
        let features = stories::features(&doc, title_doc.as_ref());
        let json = serde_json::to_string(&output::analysis(
            &doc,
            Some(article.id.as_str()),
            OutputConfig::default(),
        ))
        .unwrap_or_else(|e| format!("{{\"error\":{:?}}}", e.to_string()));
        let time = story_time(&article, fetched);
        let statements = doc.attributions.as_ref().map_or(0, Vec::len);
        Prepared {
            article,
            core_hash,
            signature,
            json,
            features,
            time,
            statements,
        }
    }

    /// Dedup, store, cluster: one article, under the commit lock that `guard` holds.
    /// Listeners hear of what was stored once it is committed.
    fn commit(
        &self,
        guard: &mut dyn CommitGuard,
        p: Prepared,
        fetched: DateTime<Utc>,
    ) -> Result<Ingested, AppError> {
        let title = p.article.title.clone();
        let source = p
            .article
            .source
            .clone()
            .or_else(|| p.article.site_name.clone());
        let url = p
            .article
            .canonical_url
            .clone()
            .or_else(|| p.article.url.clone());
        let statements = p.statements;
        let out = self.commit_inner(guard, p, fetched)?;
        let event = match &out {
            Ingested::New {
                id,
                story,
                new_story,
            } => Event::Article {
                id: id.0.clone(),
                story: story.0,
                new_story: *new_story,
                title,
                source,
                statements,
            },
            Ingested::Copy {
                original, story, ..
            } => Event::Copy {
                original: original.0.clone(),
                story: story.map(|s| s.0),
                source,
                url,
            },
            Ingested::Repeat { original } => Event::Copy {
                original: original.0.clone(),
                story: self.store.story_of(original)?.map(|s| s.0),
                source,
                url,
            },
        };
        self.emit(event);
        Ok(out)
    }

    /// The indexes change only once the store has committed the article whole, so a failed
    /// commit (a lost connection, a restarted database) leaves them as they were and the
    /// article can be committed again.
    fn commit_inner(
        &self,
        guard: &mut dyn CommitGuard,
        p: Prepared,
        fetched: DateTime<Utc>,
    ) -> Result<Ingested, AppError> {
        let mut st = self.lock();
        let Prepared {
            mut article,
            core_hash,
            signature,
            json,
            features,
            time,
            ..
        } = p;
        let verdict = st.dedup.check_signed(&article.content_hash, &signature);
        let (original, exact) = match verdict {
            Verdict::Exact { original } => (Some(original), true),
            Verdict::Near { original, .. } => (Some(original), false),
            Verdict::New => (None, false),
        };
        // The index forgets which restored entries were copies; the store remembers, so
        // follow a copy to its original: copies always point at the earliest version.
        let original = match original.filter(|o| *o != article.id) {
            Some(o) => match self.store.article(&o)? {
                Some(stored) => Some(stored.article.copy_of.unwrap_or(o)),
                None => None,
            },
            None => None,
        };
        if let Some(original) = original {
            if exact {
                // The same text under this very id is this article stored before (a job run
                // again after its worker died, a file imported twice); when it is a copy the
                // index names its original, which did not appear at this URL.
                let repeated = match self.store.article(&article.id)? {
                    Some(_) => article.id.clone(),
                    None => original,
                };
                self.store
                    .add_sighting(&store::commit::sighting_of(&repeated, &article, fetched))?;
                return Ok(Ingested::Repeat { original: repeated });
            }
            article.copy_of = Some(original);
        }
        let plan = article
            .copy_of
            .is_none()
            .then(|| st.clusterer.plan(&features, time, Placement::Best));
        let choice = match plan.as_ref().and_then(|p| p.joins()) {
            Some(i) => StoryChoice::Join(st.stories[i]),
            None => StoryChoice::Create {
                title: story_title(&article),
            },
        };
        let terms = features.to_bytes();
        let at = DateTime::from_timestamp(time, 0).unwrap_or(fetched);
        let outcome = guard.commit_article(&ArticleCommit {
            article: &article,
            fetched,
            pipeline_version: PIPELINE_VERSION,
            analysis: &json,
            analyzed: Utc::now(),
            story: choice,
            joined: at,
            terms: Some(&terms),
        })?;
        let (id, copy_of, story, created) = match outcome {
            CommitOutcome::Existing(original) => return Ok(Ingested::Repeat { original }),
            CommitOutcome::Stored {
                id,
                copy_of,
                story,
                created,
            } => (id, copy_of, story, created),
        };
        st.dedup.add_signed(id.clone(), core_hash, signature);
        if let Some(original) = copy_of {
            return Ok(Ingested::Copy {
                id,
                original,
                story,
            });
        }
        let Some(story) = story else {
            return Err(AppError::Input {
                input: id.0,
                message: "the store placed the article in no story".into(),
            });
        };
        // As planned, unless the store finished an earlier, half-done commit of this
        // article and kept the story it had.
        let planned = plan.filter(|p| match p.joins() {
            Some(i) => st.stories.get(i) == Some(&story),
            None => created,
        });
        let a = match planned {
            Some(plan) => st.clusterer.apply(plan),
            None => {
                let placement = match st.index_of.get(&story) {
                    Some(&i) => Placement::Into(i),
                    None => Placement::New,
                };
                st.clusterer.place(&features, time, placement)
            }
        };
        if a.new_story {
            register(&mut st, a.story, story);
        }
        Ok(Ingested::New {
            id,
            story,
            new_story: created,
        })
    }

    /// Prepares `articles` on all cores, then commits them in order. One failure does not
    /// stop the rest; results are in input order.
    pub fn ingest_batch(
        &self,
        articles: Vec<Article>,
        fetched: DateTime<Utc>,
    ) -> Vec<Result<Ingested, AppError>> {
        let prepared: Vec<Prepared> = articles
            .into_par_iter()
            .map(|a| self.prepare(a, fetched))
            .collect();
        self.commit_batch(prepared, fetched)
    }

    /// One article, prepared and committed.
    pub fn ingest(&self, article: Article, fetched: DateTime<Utc>) -> Result<Ingested, AppError> {
        let p = self.prepare(article, fetched);
        let mut out = self.commit_batch(vec![p], fetched);
        out.pop()
            .unwrap_or_else(|| Err(AppError::Pipeline("no result for the article".into())))
    }

    /// Commits prepared articles in order under the store's commit lock, after catching up
    /// with what other processes sharing the store committed: with several workers on one
    /// PostgreSQL, dedup and clustering still see every stored article, one at a time.
    /// Results are in input order; when the lock cannot be taken, each article fails with
    /// that error.
    pub fn commit_batch(
        &self,
        prepared: Vec<Prepared>,
        fetched: DateTime<Utc>,
    ) -> Vec<Result<Ingested, AppError>> {
        use std::sync::atomic::Ordering;
        let locked = self.store.commit_lock().map_err(AppError::from);
        let ready = |g| {
            if self.stale.load(Ordering::SeqCst) {
                self.rebuild()?;
            }
            self.catch_up().map(|()| g)
        };
        let mut guard = match locked.and_then(ready) {
            Ok(g) => g,
            Err(e) => {
                let message = e.to_string();
                return prepared
                    .iter()
                    .map(|p| {
                        Err(AppError::Input {
                            input: p.article.id.0.clone(),
                            message: message.clone(),
                        })
                    })
                    .collect();
            }
        };
        let inputs: Vec<String> = prepared.iter().map(|p| p.article.id.0.clone()).collect();
        let mut out = Vec::with_capacity(prepared.len());
        for p in prepared {
            out.push(match guard.check() {
                Ok(()) => self.commit(&mut *guard, p, fetched),
                Err(e) => Err(e.into()),
            });
        }
        if let Err(e) = guard.flush() {
            // Committed but perhaps not durable: not acknowledged, and perhaps in the indexes
            // while lost to the store.
            self.stale.store(true, Ordering::SeqCst);
            let message = format!("not made durable: {e}");
            for (r, input) in out.iter_mut().zip(&inputs) {
                if r.is_ok() {
                    *r = Err(AppError::Input {
                        input: input.clone(),
                        message: message.clone(),
                    });
                }
            }
        }
        // Our own commits are in the indexes already and nothing else was stored meanwhile,
        // unless a commit failed: one whose COMMIT was lost in transit may have happened, and
        // the next catch-up finds it.
        if out.iter().all(|r| r.is_ok()) {
            if let Ok(seq) = self.store.last_article_seq() {
                self.seen.store(seq, Ordering::SeqCst);
            }
        }
        drop(guard);
        out
    }

    /// Feeds the indexes what other processes stored since this tracker last looked, as
    /// [`Tracker::open`] does with the archive: each article into the dedup index, and each
    /// clustered one into its stored story. Call it holding the store's commit lock.
    pub fn catch_up(&self) -> Result<(), AppError> {
        use std::sync::atomic::Ordering;
        let mut st = self.lock();
        loop {
            let seen = self.seen.load(Ordering::SeqCst);
            let batch = self.store.committed_after(seen, 1000)?;
            let Some(last) = batch.last().map(|c| c.seq) else {
                return Ok(());
            };
            for c in batch {
                let a = &c.article.article;
                let spans = c
                    .analysis
                    .as_deref()
                    .map(|json| boilerplate_spans(&a.text, json))
                    .unwrap_or_default();
                let core = core_text(&a.text, spans.into_iter());
                let hash = dedup::content_hash(&core);
                let sig = Signature::of(&core, &self.config.dedup);
                if matches!(st.dedup.check_signed(&hash, &sig), Verdict::Exact { original } if original == a.id)
                {
                    continue; // indexed already (committed by this tracker)
                }
                st.dedup.add_signed(a.id.clone(), hash, sig);
                let (Some(story), Some(bytes), None) = (c.story, c.terms.as_deref(), &a.copy_of)
                else {
                    continue; // a copy, or not clustered: it never enters the clusterer
                };
                let Some(features) = Features::from_bytes(bytes) else {
                    continue;
                };
                let placement = match st.index_of.get(&story) {
                    Some(&i) => Placement::Into(i),
                    None => Placement::New,
                };
                let time = story_time(a, c.article.fetched);
                let placed = st.clusterer.place(&features, time, placement);
                if placed.new_story {
                    register(&mut st, placed.story, story);
                }
            }
            self.seen.store(last, Ordering::SeqCst);
        }
    }

    /// How many stories the clusterer holds (active and restored).
    pub fn story_count(&self) -> usize {
        self.lock().clusterer.len()
    }
}

fn register(st: &mut State, index: usize, id: StoryId) {
    if st.stories.len() <= index {
        st.stories.resize(index + 1, StoryId(0));
    }
    st.stories[index] = id;
    st.index_of.insert(id, index);
}

/// The story clock: when the article says it was published, unless that is missing or after
/// it was fetched (a wrong clock or time zone at the outlet), in which case when it was fetched.
fn story_time(a: &Article, fetched: DateTime<Utc>) -> i64 {
    match a.published {
        Some(p) if p <= fetched + chrono::Duration::hours(1) => p.timestamp(),
        _ => fetched.timestamp(),
    }
}

/// The headline of a story's first article, else the start of its text.
fn story_title(a: &Article) -> String {
    if let Some(t) = a.title.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        return t.to_string();
    }
    let first = a
        .text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("");
    match first.char_indices().nth(100) {
        Some((i, _)) => format!("{}…", &first[..i]),
        None => first.to_string(),
    }
}

/// The text with the given byte ranges (boilerplate) left out.
fn core_text(text: &str, spans: impl Iterator<Item = (usize, usize)>) -> String {
    let mut spans: Vec<(usize, usize)> = spans.filter(|&(s, e)| s < e && e <= text.len()).collect();
    if spans.is_empty() {
        return text.to_string();
    }
    spans.sort_unstable();
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (s, e) in spans {
        if s > at {
            out.push_str(text.get(at..s).unwrap_or(""));
            out.push('\n');
        }
        at = at.max(e);
    }
    out.push_str(text.get(at..).unwrap_or(""));
    out
}

/// Boilerplate byte ranges from a stored analysis, whose offsets are code points.
fn boilerplate_spans(text: &str, json: &str) -> Vec<(usize, usize)> {
    let Ok(v) = serde_json::from_str::<serde_json::Value>(json) else {
        return Vec::new();
    };
    let chars: Vec<usize> = text
        .char_indices()
        .map(|(i, _)| i)
        .chain(std::iter::once(text.len()))
        .collect();
    let byte = |c: &serde_json::Value| {
        c.as_u64()
            .and_then(|c| usize::try_from(c).ok())
            .and_then(|c| chars.get(c).copied())
    };
    v.get("boilerplate")
        .and_then(serde_json::Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|b| Some((byte(b.get("start")?)?, byte(b.get("end")?)?)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn core_text_leaves_out_boilerplate_and_survives_bad_spans() {
        let t = "Story text.\nFollow us.\nMore text.";
        assert_eq!(
            core_text(t, [(12, 23)].into_iter()),
            "Story text.\n\nMore text."
        );
        assert_eq!(
            core_text(t, [(5, 500)].into_iter()),
            t,
            "out of range is ignored"
        );
        let json = r#"{"boilerplate":[{"start":12,"end":22,"text":"Follow us."}]}"#;
        assert_eq!(boilerplate_spans(t, json), [(12, 22)]);
        assert!(boilerplate_spans(t, "not json").is_empty());
    }
}
