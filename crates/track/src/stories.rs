//! Online story clustering: each article joins the most similar active story or opens a new one.
//!
//! In the spirit of Miranda et al. (2018), "Multilingual clustering of streaming news": an
//! article is a sparse TF-IDF vector over content-word lemmas and entity names (entities
//! weighted up, boilerplate skipped); a story is the sum of its articles' unit vectors. The
//! similarity of an article to a story is their cosine, discounted by the time since the story
//! last grew. Candidate stories come from an inverted index over the article's highest-weighted
//! terms, so an article costs time in proportion to the active stories it could join, not to
//! the archive; stories idle for longer than `active_window` leave the index.

use text::doc::{Doc, EntityType, TokenKind, Upos};
use text::perceptron::{feature, IdMap};

/// Clustering knobs; the defaults are tuned on the FNC-1 story map (see `claimtrail eval clustering`).
#[derive(Clone, Debug)]
pub struct StoryConfig {
    /// Minimum time-discounted cosine for an article to join a story.
    pub threshold: f32,
    /// Weight of an entity term relative to a word term.
    pub entity_weight: f32,
    /// Weight of the title's terms relative to the body's.
    pub title_weight: f32,
    /// Similarity halves for every this many seconds a story has been idle.
    pub half_life_secs: i64,
    /// Idle time within which no discount applies.
    pub grace_secs: i64,
    /// Stories idle for longer leave the candidate index.
    pub active_window_secs: i64,
    /// How many of an article's highest-weighted terms look up candidate stories.
    pub query_terms: usize,
}

impl Default for StoryConfig {
    fn default() -> Self {
        StoryConfig {
            threshold: 0.26,
            entity_weight: 2.0,
            title_weight: 2.0,
            // A developing story goes quiet for days between developments (a denial, then an
            // acknowledgement a week later); FNC-1 has no dates, so these are set by argument,
            // not tuned: no discount for three quiet days, then half per further week.
            half_life_secs: 7 * 86_400,
            grace_secs: 3 * 86_400,
            active_window_secs: 14 * 86_400,
            query_terms: 24,
        }
    }
}

/// An article's terms with raw weights (term frequency, scaled for entities and titles).
#[derive(Clone, Debug, Default)]
pub struct Features {
    pub terms: Vec<(u64, f32)>,
}

impl Features {
    /// Compact bytes for storage: 12 per term (little-endian term id, then weight).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.terms.len() * 12);
        for &(t, w) in &self.terms {
            out.extend_from_slice(&t.to_le_bytes());
            out.extend_from_slice(&w.to_le_bytes());
        }
        out
    }

    /// Reads `to_bytes` output; `None` when the length is not a whole number of terms.
    pub fn from_bytes(bytes: &[u8]) -> Option<Features> {
        if !bytes.len().is_multiple_of(12) {
            return None;
        }
        let terms = bytes
            .chunks_exact(12)
            .map(|c| {
                let (t, w) = c.split_at(8);
                Some((
                    u64::from_le_bytes(t.try_into().ok()?),
                    f32::from_le_bytes(w.try_into().ok()?),
                ))
            })
            .collect::<Option<Vec<_>>>()?;
        Some(Features { terms })
    }
}

const STOPWORDS: &str = include_str!("../data/stopwords.txt");

pub(crate) fn is_stopword(w: &str) -> bool {
    use std::collections::HashSet;
    use std::sync::LazyLock;
    static SET: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
        STOPWORDS
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .collect()
    });
    SET.contains(w)
}

/// Terms of an analysed article (and optionally its title): content-word lemmas and entities.
pub fn features(doc: &Doc, title: Option<&Doc>) -> Features {
    let mut tf: IdMap<f32> = IdMap::default();
    add_doc_terms(doc, 1.0, &mut tf);
    if let Some(t) = title {
        add_doc_terms(t, StoryConfig::default().title_weight, &mut tf);
    }
    let mut terms: Vec<(u64, f32)> = tf.into_iter().collect();
    terms.sort_unstable_by_key(|&(k, _)| k);
    Features { terms }
}

fn add_doc_terms(doc: &Doc, scale: f32, tf: &mut IdMap<f32>) {
    let boiler: Vec<text::Span> = doc.boilerplate.iter().flatten().map(|b| b.span).collect();
    let in_boiler = |s: usize, e: usize| boiler.iter().any(|b| b.start < e && s < b.end);
    let mut lower = String::new();
    for (i, t) in doc.tokens.iter().enumerate() {
        if t.kind != TokenKind::Word || in_boiler(t.start, t.end) {
            continue;
        }
        let tag = doc.tags.as_ref().and_then(|tags| tags.get(i)).copied();
        if matches!(
            tag,
            Some(
                Upos::DET
                    | Upos::ADP
                    | Upos::PRON
                    | Upos::AUX
                    | Upos::CCONJ
                    | Upos::SCONJ
                    | Upos::PART
                    | Upos::PUNCT
            )
        ) {
            continue;
        }
        let word = doc
            .lemmas
            .as_ref()
            .and_then(|l| l.get(i))
            .map_or_else(|| doc.token_text(i), String::as_str);
        lower.clear();
        lower.extend(word.chars().flat_map(char::to_lowercase));
        if lower.chars().count() < 3 || is_stopword(&lower) {
            continue;
        }
        *tf.entry(feature(1, &[&lower])).or_insert(0.0) += scale;
    }
    for e in doc.entities.iter().flatten() {
        if in_boiler(e.span.start, e.span.end) {
            continue;
        }
        lower.clear();
        lower.extend(doc.slice(e.span).chars().flat_map(char::to_lowercase));
        let weight = match e.label {
            EntityType::Person
            | EntityType::Org
            | EntityType::Event
            | EntityType::Vessel
            | EntityType::Account => 1.0,
            _ => 0.5,
        };
        *tf.entry(feature(2, &[&lower])).or_insert(0.0) +=
            scale * weight * StoryConfig::default().entity_weight;
    }
}

/// Where `Clusterer::place` puts an article.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Placement {
    /// The most similar active story above the threshold, else a new one.
    Best,
    /// This story (a new one if there is no such story).
    Into(usize),
    /// A new story.
    New,
}

/// Where an article would go, from [`Clusterer::plan`], to give to [`Clusterer::apply`].
#[derive(Clone, Debug)]
pub struct Plan {
    /// The article's unit TF-IDF vector, over all its terms.
    vec: Vec<(u64, f32)>,
    time: i64,
    /// (story, score, dot) to join; `None` for a new story.
    join: Option<(usize, f32, f32)>,
    /// Stories when planned, to catch a plan applied out of turn.
    stories: usize,
}

impl Plan {
    /// The story it joins, or `None` for a new one.
    pub fn joins(&self) -> Option<usize> {
        self.join.map(|(story, _, _)| story)
    }
}

/// Where an article went.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Assignment {
    pub story: usize,
    pub new_story: bool,
    /// Time-discounted cosine to the story it joined (0 for a new story).
    pub similarity: f32,
}

struct Story {
    centroid: IdMap<f32>,
    norm_sq: f32,
    size: usize,
    first_seen: i64,
    last_seen: i64,
    indexed: bool,
}

/// Public view of a story's state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StoryInfo {
    pub id: usize,
    pub size: usize,
    pub first_seen: i64,
    pub last_seen: i64,
}

pub struct Clusterer {
    config: StoryConfig,
    df: IdMap<u32>,
    docs: u32,
    stories: Vec<Story>,
    postings: IdMap<Vec<usize>>,
    latest: i64,
}

impl Clusterer {
    pub fn new(config: StoryConfig) -> Clusterer {
        Clusterer {
            config,
            df: IdMap::default(),
            docs: 0,
            stories: Vec::new(),
            postings: IdMap::default(),
            latest: i64::MIN,
        }
    }

    pub fn story(&self, id: usize) -> Option<StoryInfo> {
        self.stories.get(id).map(|s| StoryInfo {
            id,
            size: s.size,
            first_seen: s.first_seen,
            last_seen: s.last_seen,
        })
    }

    pub fn len(&self) -> usize {
        self.stories.len()
    }

    pub fn is_empty(&self) -> bool {
        self.stories.is_empty()
    }

    /// Adds an article seen at `time` (seconds since the epoch; any monotone clock works).
    pub fn add(&mut self, features: &Features, time: i64) -> Assignment {
        self.place(features, time, Placement::Best)
    }

    /// Adds an article where the caller says: into the best story (as `add`), into a given
    /// story, or into a new one. A restarted tracker replays stored memberships this way, so
    /// its stories are the stored ones whatever the similarities say today.
    pub fn place(&mut self, features: &Features, time: i64, placement: Placement) -> Assignment {
        let plan = self.plan(features, time, placement);
        self.apply(plan)
    }

    /// Where `place` would put the article, changing nothing: a caller that must first
    /// store the outcome (and may fail to) applies the plan only once it is stored. Apply
    /// it before the clusterer changes in any other way.
    pub fn plan(&self, features: &Features, time: i64, placement: Placement) -> Plan {
        // Document frequencies as they will be once this article is counted.
        let n = (self.docs + 1) as f32;
        // Unit TF-IDF vector with sublinear term frequency.
        let mut vec: Vec<(u64, f32)> = features
            .terms
            .iter()
            .map(|&(t, w)| {
                let df = (self.df.get(&t).copied().unwrap_or(0) + 1) as f32;
                let idf = ((n + 1.0) / (df + 1.0)).ln() + 1.0;
                (
                    t,
                    (1.0 + w.max(1e-6).ln().max(0.0)) * idf * w.clamp(0.25, 1.0),
                )
            })
            .collect();
        let norm = vec.iter().map(|&(_, w)| w * w).sum::<f32>().sqrt();
        if norm > 0.0 {
            vec.iter_mut().for_each(|(_, w)| *w /= norm);
        }
        let mut by_weight: Vec<(u64, f32)> = vec.clone();
        by_weight.sort_unstable_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        let mut candidates: Vec<usize> = by_weight
            .iter()
            .take(self.config.query_terms)
            .filter_map(|(t, _)| self.postings.get(t))
            .flatten()
            .copied()
            .collect();
        candidates.sort_unstable();
        candidates.dedup();
        let mut best: Option<(usize, f32, f32)> = None; // (story, score, dot)
        for &c in &candidates {
            let s = &self.stories[c];
            if time - s.last_seen > self.config.active_window_secs || s.norm_sq <= 0.0 {
                continue;
            }
            let dot: f32 = vec
                .iter()
                .filter_map(|(t, w)| s.centroid.get(t).map(|cw| cw * w))
                .sum();
            let cos = dot / s.norm_sq.sqrt();
            let idle = (time - s.last_seen - self.config.grace_secs).max(0) as f32;
            let decay = 0.5f32.powf(idle / self.config.half_life_secs.max(1) as f32);
            let score = cos * decay;
            if best.is_none_or(|(_, b, _)| score > b) {
                best = Some((c, score, dot));
            }
        }
        let join = match placement {
            Placement::Best => best.filter(|&(_, score, _)| score >= self.config.threshold),
            Placement::New => None,
            Placement::Into(i) if i < self.stories.len() => {
                let s = &self.stories[i];
                let dot: f32 = vec
                    .iter()
                    .filter_map(|(t, w)| s.centroid.get(t).map(|cw| cw * w))
                    .sum();
                let cos = if s.norm_sq > 0.0 {
                    dot / s.norm_sq.sqrt()
                } else {
                    0.0
                };
                Some((i, cos, dot))
            }
            Placement::Into(_) => None,
        };
        Plan {
            vec,
            time,
            join,
            stories: self.stories.len(),
        }
    }

    /// Adds the article as planned.
    pub fn apply(&mut self, plan: Plan) -> Assignment {
        debug_assert_eq!(plan.stories, self.stories.len(), "applied in order");
        let Plan {
            vec, time, join, ..
        } = plan;
        self.docs += 1;
        for &(t, _) in &vec {
            *self.df.entry(t).or_insert(0) += 1;
        }
        self.latest = self.latest.max(time);
        let (story, new_story, similarity, dot) = match join {
            Some((c, score, dot)) => (c, false, score, dot),
            _ => {
                self.stories.push(Story {
                    centroid: IdMap::default(),
                    norm_sq: 0.0,
                    size: 0,
                    first_seen: time,
                    last_seen: time,
                    indexed: true,
                });
                (self.stories.len() - 1, true, 0.0, 0.0)
            }
        };
        let s = &mut self.stories[story];
        s.norm_sq += 2.0 * dot + vec.iter().map(|&(_, w)| w * w).sum::<f32>();
        for &(t, w) in &vec {
            let e = s.centroid.entry(t).or_insert(0.0);
            if *e == 0.0 {
                self.postings.entry(t).or_default().push(story);
            }
            *e += w;
        }
        s.size += 1;
        s.first_seen = s.first_seen.min(time);
        s.last_seen = s.last_seen.max(time);
        self.expire();
        Assignment {
            story,
            new_story,
            similarity,
        }
    }

    /// Drops stories idle beyond the active window from the index, so that lookups stay
    /// proportional to active stories. Runs in amortized time: only when many may have expired.
    fn expire(&mut self) {
        if !self.docs.is_multiple_of(1024) {
            return;
        }
        let cutoff = self.latest.saturating_sub(self.config.active_window_secs);
        let mut dropped = false;
        for s in &mut self.stories {
            if s.indexed && s.last_seen < cutoff {
                s.indexed = false;
                s.centroid = IdMap::default();
                dropped = true;
            }
        }
        if dropped {
            let stories = &self.stories;
            self.postings.retain(|_, list| {
                list.retain(|&i| stories[i].indexed);
                !list.is_empty()
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feats(words: &[&str]) -> Features {
        let mut terms: Vec<(u64, f32)> = words.iter().map(|w| (feature(1, &[w]), 1.0)).collect();
        terms.sort_unstable_by_key(|&(k, _)| k);
        Features { terms }
    }

    #[test]
    fn a_plan_changes_nothing_until_applied() {
        let docs: [&[&str]; 6] = [
            &["estmark", "marines", "coast", "valdora"],
            &["estmark", "marines", "coast", "denial"],
            &["football", "cup", "final"],
            &["estmark", "coast", "satellite", "valdora"],
            &["cup", "final", "striker", "goal"],
            &["valdora", "marines", "denial", "satellite"],
        ];
        let mut placed = Clusterer::new(StoryConfig::default());
        let mut planned = Clusterer::new(StoryConfig::default());
        for (i, words) in docs.iter().enumerate() {
            let f = feats(words);
            let time = i as i64 * 600;
            let want = placed.add(&f, time);
            // A plan thrown away (a failed commit) leaves no trace in the next one.
            let _ = planned.plan(&feats(&["unrelated", "words"]), time, Placement::New);
            let plan = planned.plan(&f, time, Placement::Best);
            assert_eq!(plan.joins(), (!want.new_story).then_some(want.story));
            assert_eq!(planned.apply(plan), want, "document {i}");
        }
        assert_eq!(placed.len(), planned.len());
    }

    #[test]
    fn similar_articles_share_a_story_and_time_splits_them() {
        let mut c = Clusterer::new(StoryConfig::default());
        let a = c.add(
            &feats(&["estmark", "marines", "coast", "valdora", "satellite"]),
            0,
        );
        let b = c.add(
            &feats(&["estmark", "marines", "coast", "valdora", "denial"]),
            3_600,
        );
        let d = c.add(
            &feats(&["football", "cup", "final", "goal", "striker"]),
            7_200,
        );
        assert!(a.new_story && !b.new_story && d.new_story);
        assert_eq!(a.story, b.story);
        assert_ne!(a.story, d.story);
        // The same words a month later open a new story: the old one went idle.
        let e = c.add(
            &feats(&["estmark", "marines", "coast", "valdora", "satellite"]),
            40 * 86_400,
        );
        assert!(e.new_story);
        assert_eq!(c.story(a.story).map(|s| s.size), Some(2));
    }

    #[test]
    fn features_round_trip_through_bytes() {
        let f = feats(&["estmark", "marines"]);
        let back = Features::from_bytes(&f.to_bytes()).map(|b| b.terms);
        assert_eq!(back, Some(f.terms));
        assert!(Features::from_bytes(&[1, 2, 3]).is_none());
    }

    #[test]
    fn placement_replays_stored_memberships() {
        let mut c = Clusterer::new(StoryConfig::default());
        let a = c.place(&feats(&["estmark", "marines"]), 0, Placement::New);
        let b = c.place(&feats(&["football", "cup"]), 0, Placement::Into(a.story));
        assert_eq!(b.story, a.story, "forced into the stored story");
        let d = c.place(&feats(&["estmark", "marines"]), 0, Placement::New);
        assert!(d.new_story && d.story != a.story);
        let e = c.add(&feats(&["football", "cup", "goal"]), 10);
        assert_eq!(
            e.story, a.story,
            "later articles join by similarity to the replayed story"
        );
    }

    #[test]
    fn empty_features_open_their_own_story() {
        let mut c = Clusterer::new(StoryConfig::default());
        let a = c.add(&Features::default(), 0);
        let b = c.add(&Features::default(), 0);
        assert!(a.new_story && b.new_story);
    }
}
