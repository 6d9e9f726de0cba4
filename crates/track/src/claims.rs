//! Claims within a story: attributed statements grouped into propositions that speakers
//! support or dispute, with each speaker's stance, the numbers each gives, and contradictions.
//!
//! Grouping is agglomerative clustering (average link) of the story's statements over TF-IDF
//! vectors of their words and entity names. A statement is represented by its content, and,
//! at a lower weight, by its sentence and the sentence before: "the North denies its
//! involvement" says nothing about torpedoes, but the sentence before it does. IDF is computed
//! over the story's own statements, so words every statement shares (the story's main actors)
//! count for little and what the statement is *about* decides.
//!
//! Stance comes from [`crate::stance::StanceModel::predict_statement`] against the claim's
//! representative text (its earliest supporting-looking statement), which reads the content
//! through its cue ("dismissed ... as", "neither confirmed nor denied"). A speaker's stance is
//! their latest statement's; a speaker whose stance changed over time is reported as such.
//!
//! Why statements and not articles: twenty outlets carrying one wire story yield twenty copies
//! of the same statement; they become appearances of one statement group, so the claim counts
//! speakers, not copies.

mod terms;

use crate::stance::{Stance, StanceModel};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// One attributed statement, as the caller read it from an analysis.
#[derive(Clone, Debug, Default)]
pub struct StatementIn {
    pub article: String,
    pub outlet: Option<String>,
    /// When it was said (a date in the statement) or else when its article was published,
    /// as an RFC 3339 date or time; compared as text, so use one form throughout.
    pub date: Option<String>,
    pub speaker: Option<String>,
    pub speaker_kind: Option<String>,
    pub cue: String,
    pub content: String,
    /// The statement's sentence and the one before it.
    pub context: String,
    /// Entity names mentioned in the statement's sentence.
    pub entities: Vec<String>,
    pub quantities: Vec<QuantityIn>,
}

/// A number the statement gives.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct QuantityIn {
    pub text: String,
    pub value: f64,
    pub unit: Option<String>,
}

/// Stances serialize by their product names (supports, denies, non_committal, unrelated).
impl Serialize for Stance {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[derive(Clone, Debug)]
pub struct ClaimsConfig {
    /// Minimum average-link cosine for two groups to merge.
    pub threshold: f32,
    /// Weight of the surrounding sentences relative to the content.
    pub context_weight: f32,
}

impl Default for ClaimsConfig {
    fn default() -> ClaimsConfig {
        ClaimsConfig {
            threshold: 0.12,
            context_weight: 0.5,
        }
    }
}

/// A statement's place in a claim.
#[derive(Clone, Debug, Serialize)]
pub struct Appearance {
    /// Index into the statements given to [`claims`].
    pub statement: usize,
    pub stance: Stance,
    pub confidence: f32,
}

/// Where one speaker stands on a claim.
#[derive(Clone, Debug, Serialize)]
pub struct SpeakerStance {
    pub speaker: String,
    pub kind: Option<String>,
    /// The stance of the speaker's latest statement.
    pub stance: Stance,
    pub statements: Vec<usize>,
    /// Earlier stances when the speaker changed position, oldest first, with dates.
    pub changed_from: Vec<(Option<String>, Stance)>,
    /// The speaker's statements state other claims and only speak to this one (see
    /// `add_commenters`): non-committal here, and not among the claim's appearances.
    pub comments_only: bool,
}

/// Numbers for the same thing that disagree.
#[derive(Clone, Debug, Serialize)]
pub struct NumberConflict {
    pub unit: String,
    /// (speaker, value, text, date, statement) for every number given.
    pub given: Vec<NumberGiven>,
}

#[derive(Clone, Debug, Serialize)]
pub struct NumberGiven {
    pub speaker: Option<String>,
    pub value: f64,
    pub text: String,
    pub date: Option<String>,
    pub statement: usize,
}

#[derive(Clone, Debug, Serialize)]
pub struct Claim {
    pub id: usize,
    /// The representative statement's content.
    pub text: String,
    pub first_seen: Option<String>,
    pub appearances: Vec<Appearance>,
    pub speakers: Vec<SpeakerStance>,
    /// Some speaker supports it and another denies it.
    pub contested: bool,
    pub numbers: Vec<NumberConflict>,
}

const CUES: &str = include_str!("../data/claims/cues.txt");

struct CueLexicon {
    denies: Vec<Vec<String>>,
    non_committal: Vec<Vec<String>>,
    /// Verbs of acknowledging; negated inside a content they report a refusal to acknowledge.
    acknowledges: Vec<Vec<String>>,
}

/// Negators that turn an acknowledging verb a few words after them into a refusal; "t" is
/// what is left of "n't" once words are split at apostrophes ("doesn't" -> "doesn", "t").
const NEGATORS: [&str; 5] = ["not", "never", "t", "no", "nor"];

fn cue_lexicon() -> &'static CueLexicon {
    static LEX: std::sync::LazyLock<CueLexicon> = std::sync::LazyLock::new(|| {
        let mut lex = CueLexicon {
            denies: Vec::new(),
            non_committal: Vec::new(),
            acknowledges: Vec::new(),
        };
        let mut section = "";
        for line in CUES.lines().map(str::trim) {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
                section = match name {
                    "denies" => "denies",
                    "acknowledges" => "acknowledges",
                    _ => "non_committal",
                };
                continue;
            }
            let phrase: Vec<String> = line.split_whitespace().map(str::to_string).collect();
            match section {
                "denies" => lex.denies.push(phrase),
                "acknowledges" => lex.acknowledges.push(phrase),
                _ => lex.non_committal.push(phrase),
            }
        }
        lex
    });
    &LEX
}

fn lower_words(s: &str) -> Vec<String> {
    s.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

fn contains_phrase(words: &[String], phrases: &[Vec<String>]) -> bool {
    phrases
        .iter()
        .any(|p| !p.is_empty() && words.windows(p.len()).any(|w| w == p.as_slice()))
}

/// The stance the lexicon gives a statement, when it gives one: a hedge anywhere in the cue
/// or content makes it non-committal; a refuting cue makes it a denial. A content that itself
/// reports a denial or a refusal to acknowledge ("said North Korea has never acknowledged the
/// deployment", "said it does not acknowledge them") is the speaker describing someone else's
/// position, so the speaker takes no side, unless the content speaks in the first person
/// ("said we never admitted ...").
pub fn lexical_stance(cue: &str, content: &str) -> Option<Stance> {
    let lex = cue_lexicon();
    let cue_words = lower_words(cue);
    let content_words = lower_words(content);
    if contains_phrase(&cue_words, &lex.non_committal)
        || contains_phrase(&content_words, &lex.non_committal)
    {
        return Some(Stance::NonCommittal);
    }
    if contains_phrase(&cue_words, &lex.denies) {
        return Some(Stance::Denies);
    }
    let first_person = matches!(
        content_words
            .iter()
            .find(|w| *w != "that")
            .map(String::as_str),
        Some("we" | "i")
    );
    if !first_person
        && (contains_phrase(&content_words, &lex.denies)
            || negated_phrase(&content_words, &lex.acknowledges))
    {
        return Some(Stance::NonCommittal);
    }
    None
}

/// Whether one of `phrases` occurs with a negator up to three words before it.
fn negated_phrase(words: &[String], phrases: &[Vec<String>]) -> bool {
    phrases.iter().filter(|p| !p.is_empty()).any(|p| {
        words.windows(p.len()).enumerate().any(|(at, w)| {
            w == p.as_slice()
                && words[at.saturating_sub(3)..at]
                    .iter()
                    .any(|n| NEGATORS.contains(&n.as_str()))
        })
    })
}

fn stem(w: &str) -> String {
    let lower: String = w.chars().flat_map(char::to_lowercase).collect();
    for suffix in ["ing", "ed", "es", "s"] {
        if let Some(s) = lower.strip_suffix(suffix) {
            if s.chars().count() >= 4 {
                return s.to_string();
            }
        }
    }
    lower
}

type Vector = Vec<(String, f32)>;

/// A content of this many terms has its context at half the configured weight.
const CONTEXT_TERMS: f32 = 3.0;

/// TF-IDF vectors of the statements: of their content alone (`context_weight` 0) or of their
/// content with the surrounding sentences and entities at `context_weight`.
fn vectors(statements: &[StatementIn], context_weight: f32) -> Vec<Vector> {
    let raw: Vec<HashMap<String, f32>> = statements
        .iter()
        .map(|s| {
            let mut tf: HashMap<String, f32> = HashMap::new();
            let content = terms::terms(&s.content);
            // The less a content says on its own, the more its sentences decide what it is
            // about: "its involvement" is all context, a full clause mostly itself, and the
            // sentence before it is often about something else.
            let context_weight =
                context_weight * CONTEXT_TERMS / (CONTEXT_TERMS + content.len() as f32);
            for w in content {
                *tf.entry(w).or_default() += 1.0;
            }
            if context_weight > 0.0 {
                for w in terms::terms(&s.context) {
                    *tf.entry(w).or_default() += context_weight;
                }
                for e in &s.entities {
                    *tf.entry(format!("#{}", e.to_lowercase())).or_default() += context_weight;
                }
            }
            tf
        })
        .collect();
    let n = raw.len() as f32;
    let mut df: HashMap<&str, f32> = HashMap::new();
    for tf in &raw {
        for k in tf.keys() {
            *df.entry(k.as_str()).or_default() += 1.0;
        }
    }
    raw.iter()
        .map(|tf| {
            let mut v: Vector = tf
                .iter()
                .map(|(k, &w)| {
                    let idf = ((n + 1.0) / (df.get(k.as_str()).copied().unwrap_or(1.0) + 0.5)).ln();
                    // Sublinear in repeats, but a term seen only in the context keeps its
                    // lower weight (1 + ln w would raise 0.5 to 1).
                    let tf = if w > 1.0 { 1.0 + w.ln() } else { w };
                    (k.clone(), tf * idf.max(0.0))
                })
                .filter(|(_, w)| *w > 0.0)
                .collect();
            let norm = v.iter().map(|(_, w)| w * w).sum::<f32>().sqrt();
            if norm > 0.0 {
                v.iter_mut().for_each(|(_, w)| *w /= norm);
            }
            v.sort_by(|a, b| a.0.cmp(&b.0));
            v
        })
        .collect()
}

fn cosine(a: &Vector, b: &Vector) -> f32 {
    let (mut i, mut j, mut dot) = (0, 0, 0.0);
    while i < a.len() && j < b.len() {
        match a[i].0.cmp(&b[j].0) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                dot += a[i].1 * b[j].1;
                i += 1;
                j += 1;
            }
        }
    }
    dot
}

/// Pairwise similarity of the statements.
fn similarities(statements: &[StatementIn], config: &ClaimsConfig) -> Vec<Vec<f32>> {
    // Two readings of each statement: its content alone, where IDF is not diluted by the
    // words of the sentences around it ("it is sending soldiers" and "decided to send 12,000
    // special forces" state one thing however different their sentences), and its content in
    // context, which resolves what a short content refers to ("its involvement" in what). Two
    // statements are as close as their closer reading.
    let full = vectors(statements, config.context_weight);
    let bare = vectors(statements, 0.0);
    let n = statements.len();
    let mut sim = vec![vec![0f32; n]; n];
    for i in 0..n {
        for j in (i + 1)..n {
            let s = cosine(&full[i], &full[j]).max(cosine(&bare[i], &bare[j]));
            sim[i][j] = s;
            sim[j][i] = s;
        }
    }
    sim
}

/// Groups statements (average-link agglomerative clustering); groups in order of their
/// earliest statement, members in input order. Quadratic in the statements of one story,
/// which number in the hundreds.
pub fn group(statements: &[StatementIn], config: &ClaimsConfig) -> Vec<Vec<usize>> {
    cluster(&similarities(statements, config), config.threshold)
}

fn cluster(sim: &[Vec<f32>], threshold: f32) -> Vec<Vec<usize>> {
    let n = sim.len();
    // Average linkage by the nearest-neighbour chain: O(n²) time rather than the O(n³) of
    // scanning every pair of groups before each merge, which a story of thousands of
    // statements cannot afford. Average linkage is reducible, so the chain builds the same
    // hierarchy as merging the most similar pair first, and a merge's similarity never rises
    // towards the root: cutting at `threshold` keeps exactly the merges at or above it.
    let mut s: Vec<Vec<f32>> = sim.to_vec();
    let mut size = vec![1usize; n];
    let mut active = vec![true; n];
    let mut merges: Vec<(usize, usize, f32)> = Vec::new();
    let mut chain: Vec<usize> = Vec::new();
    let mut remaining = n;
    while remaining > 1 {
        if chain.is_empty() {
            match active.iter().position(|&x| x) {
                Some(first) => chain.push(first),
                None => break,
            }
        }
        let Some(&a) = chain.last() else { break };
        let prev = chain.len().checked_sub(2).map(|i| chain[i]);
        // Ties go to the previous link, which keeps the chain from cycling.
        let mut best = prev.map(|p| (p, s[a][p]));
        for c in (0..n).filter(|&c| active[c] && c != a) {
            let v = s[a][c];
            if best.is_none_or(|(_, bv)| v > bv || bv.is_nan()) {
                best = Some((c, v));
            }
        }
        let Some((b, v)) = best else { break };
        if Some(b) != prev {
            chain.push(b);
            continue;
        }
        chain.truncate(chain.len() - 2);
        let (keep, gone) = (a.min(b), a.max(b));
        let (na, nb) = (size[keep] as f32, size[gone] as f32);
        for c in (0..n).filter(|&c| active[c] && c != keep && c != gone) {
            let merged = (na * s[keep][c] + nb * s[gone][c]) / (na + nb);
            s[keep][c] = merged;
            s[c][keep] = merged;
        }
        size[keep] += size[gone];
        active[gone] = false;
        remaining -= 1;
        merges.push((keep, gone, v));
    }
    let mut parent: Vec<usize> = (0..n).collect();
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    for (keep, gone, v) in merges {
        if v >= threshold {
            let (x, y) = (root(&mut parent, keep), root(&mut parent, gone));
            parent[y.max(x)] = y.min(x);
        }
    }
    let mut by_root: std::collections::BTreeMap<usize, Vec<usize>> = Default::default();
    for i in 0..n {
        let r = root(&mut parent, i);
        by_root.entry(r).or_default().push(i);
    }
    let mut groups: Vec<Vec<usize>> = by_root.into_values().collect();
    groups.sort_by_key(|g| g.first().copied().unwrap_or(usize::MAX));
    groups
}

/// Whether `stated` is said in the sentence of `answer` or the one before: its content (its
/// longest piece, when the analyzer gave it in pieces) lies inside the other's context.
fn said_around(stated: &StatementIn, answer: &StatementIn) -> bool {
    stated
        .content
        .split(" … ")
        .map(str::trim)
        .max_by_key(|p| p.len())
        .is_some_and(|p| p.chars().count() >= 12 && answer.context.contains(p))
}

/// An article of the story, as far as the claims step needs it: to say when claims cannot be
/// read from it.
#[derive(Clone, Debug, Default)]
pub struct ArticleIn {
    pub id: String,
    /// The language the page declares (BCP 47), if any.
    pub language: Option<String>,
    pub text: String,
    /// A near-duplicate of another article of the story.
    pub copy: bool,
}

/// Something the reader of a story's claims must know because the claims are thin or absent
/// for a reason other than "nobody said anything": said in the output, not guessed around.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct ClaimNote {
    /// `single_article`, `no_attributions`, `unsupported_language` or `truncated`.
    pub kind: &'static str,
    /// The article the note is about; `None` for the story as a whole.
    pub article: Option<String>,
    pub message: String,
}

/// Why the analyzer cannot read `text` (it reads English), or `None` when it can. A declared
/// language decides; without one, the script and the share of English function words do.
pub fn unreadable_language(language: Option<&str>, text: &str) -> Option<String> {
    if let Some(tag) = language.map(str::trim).filter(|t| !t.is_empty()) {
        let primary = tag
            .split(['-', '_'])
            .next()
            .unwrap_or(tag)
            .to_ascii_lowercase();
        return (primary != "en").then(|| format!("declared language {tag:?}"));
    }
    let letters = text.chars().filter(|c| c.is_alphabetic()).count();
    if letters < 40 {
        return None; // too little text to tell; the other notes cover an empty article
    }
    let latin = text.chars().filter(|c| c.is_ascii_alphabetic()).count();
    if (latin as f32) < 0.5 * letters as f32 {
        return Some("text mostly in a non-Latin script".into());
    }
    let words: Vec<String> = lower_words(text);
    let function = words
        .iter()
        .filter(|w| crate::stories::is_stopword(w))
        .count();
    // English prose is 35-50 % function words; French, Spanish or German shares few of them.
    (words.len() >= 20 && (function as f32) < 0.15 * words.len() as f32)
        .then(|| "few English function words".into())
}

/// Most statements grouped into claims per story (see [`claims_with_notes`]).
pub const MAX_STATEMENTS: usize = 1500;

/// [`claims`] with the notes a reader needs: statements from an article in a language the
/// analyzer does not read are left out (their stances would be guesses) and said so; an
/// article without attributed statements is named; a story of one article is flagged, since
/// its claims are one outlet's account; beyond [`MAX_STATEMENTS`] only the latest are grouped,
/// and said so. Statement numbers still index `statements`.
pub fn claims_with_notes(
    articles: &[ArticleIn],
    statements: &[StatementIn],
    config: &ClaimsConfig,
) -> (Vec<Claim>, Vec<ClaimNote>) {
    let mut notes = Vec::new();
    let originals = articles.iter().filter(|a| !a.copy).count();
    if originals == 1 {
        notes.push(ClaimNote {
            kind: "single_article",
            article: None,
            message: "one article: claims and stances are that article's account, with no \
                      other outlet to compare"
                .into(),
        });
    }
    let mut unreadable = std::collections::HashSet::new();
    for a in articles {
        if let Some(why) = unreadable_language(a.language.as_deref(), &a.text) {
            notes.push(ClaimNote {
                kind: "unsupported_language",
                article: Some(a.id.clone()),
                message: format!(
                    "not analysed for claims: the analyzer reads English ({why}); no stance \
                     is guessed"
                ),
            });
            unreadable.insert(a.id.as_str());
        } else if !statements.iter().any(|s| s.article == a.id) {
            notes.push(ClaimNote {
                kind: "no_attributions",
                article: Some(a.id.clone()),
                message: "no attributed statements found; this article adds no claims".into(),
            });
        }
    }
    let mut keep: Vec<usize> = (0..statements.len())
        .filter(|&i| !unreadable.contains(statements[i].article.as_str()))
        .collect();
    if keep.len() > MAX_STATEMENTS {
        // Statements come in the order they were said: the latest are what a reader of a
        // developing story needs, and grouping costs the square of their number.
        notes.push(ClaimNote {
            kind: "truncated",
            article: None,
            message: format!(
                "claims are built from the latest {MAX_STATEMENTS} of the story's {} statements",
                keep.len()
            ),
        });
        keep.drain(..keep.len() - MAX_STATEMENTS);
    }
    let kept: Vec<StatementIn> = keep.iter().map(|&i| statements[i].clone()).collect();
    let mut out = claims(&kept, config);
    let back = |i: &mut usize| *i = keep.get(*i).copied().unwrap_or(*i);
    for c in &mut out {
        c.appearances
            .iter_mut()
            .for_each(|a| back(&mut a.statement));
        for s in &mut c.speakers {
            s.statements.iter_mut().for_each(back);
        }
        for n in &mut c.numbers {
            n.given.iter_mut().for_each(|g| back(&mut g.statement));
        }
    }
    (out, notes)
}

/// Claims from a story's statements: grouped, each statement's stance toward its claim, each
/// speaker's position, contradictions and conflicting numbers.
pub fn claims(statements: &[StatementIn], config: &ClaimsConfig) -> Vec<Claim> {
    let model = StanceModel::load_default().ok();
    let sim = similarities(statements, config);
    let groups = cluster(&sim, config.threshold);
    let mut out: Vec<Claim> = groups
        .iter()
        .enumerate()
        .map(|(id, members)| build(id, members, statements, model))
        .collect();
    for (claim, members) in out.iter_mut().zip(&groups) {
        add_commenters(claim, members, statements, &sim, config.threshold);
    }
    out
}

/// Speakers who speak to a claim without stating it: none of their statements is in the
/// claim, but one of them either answers one of the claim's statements (it is said in the
/// same or the next sentence of the same article, and is as close to it as statements that
/// group together) or is that close to at least half of the claim's statements (two or more),
/// where membership needs the average to be. The Russian ambassador's "the cooperation is not
/// directed against South Korea", said right after the envoy dismissed the troop accusations,
/// answers them without confirming or denying them; the official's "the North has never
/// acknowledged the deployment of its soldiers" is near most statements of the troops claim
/// while its own sentences are about what the North acknowledges. Such a speaker is
/// non-committal on the claim; their statements stay in the claim they state. One near
/// statement alone would be too loose: in one story most statements share a few words.
fn add_commenters(
    claim: &mut Claim,
    members: &[usize],
    statements: &[StatementIn],
    sim: &[Vec<f32>],
    threshold: f32,
) {
    let present: std::collections::HashSet<&str> =
        claim.speakers.iter().map(|s| s.speaker.as_str()).collect();
    let mut found: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (j, s) in statements.iter().enumerate() {
        let Some(speaker) = s.speaker.as_deref() else {
            continue;
        };
        if members.contains(&j) || present.contains(speaker) {
            continue;
        }
        let answers = members.iter().any(|&m| {
            statements[m].article == s.article
                && sim[m][j] >= threshold
                && said_around(&statements[m], s)
        });
        let near = members.iter().filter(|&&m| sim[m][j] >= threshold).count();
        let touches = answers || (near >= 2 && 2 * near >= members.len());
        if touches {
            found.entry(speaker.to_string()).or_default().push(j);
        }
    }
    for (speaker, list) in found {
        claim.speakers.push(SpeakerStance {
            kind: list
                .first()
                .and_then(|&j| statements[j].speaker_kind.clone()),
            stance: Stance::NonCommittal,
            statements: list,
            changed_from: Vec::new(),
            comments_only: true,
            speaker,
        });
    }
}

fn build(
    id: usize,
    members: &[usize],
    statements: &[StatementIn],
    model: Option<&StanceModel>,
) -> Claim {
    // The representative: the earliest statement whose cue does not itself take a side
    // against its content, else the earliest.
    let by_date = |&i: &usize| (statements[i].date.clone(), i);
    let mut ordered: Vec<usize> = members.to_vec();
    ordered.sort_by_key(by_date);
    let rep = ordered
        .iter()
        .copied()
        .find(|&i| lexical_stance(&statements[i].cue, &statements[i].content).is_none())
        .or(ordered.first().copied())
        .unwrap_or(0);
    let claim_text = statements
        .get(rep)
        .map(|s| s.content.clone())
        .unwrap_or_default();
    let appearances: Vec<Appearance> = ordered
        .iter()
        .map(|&i| {
            let s = &statements[i];
            if let Some(stance) = lexical_stance(&s.cue, &s.content) {
                return Appearance {
                    statement: i,
                    stance,
                    confidence: 1.0,
                };
            }
            match model {
                Some(m) => {
                    let p = m.predict(&claim_text, &s.content);
                    let stance = p.best_of(&Stance::RELATED);
                    Appearance {
                        statement: i,
                        stance,
                        confidence: p.score(stance),
                    }
                }
                None => Appearance {
                    statement: i,
                    stance: Stance::NonCommittal,
                    confidence: 0.0,
                },
            }
        })
        .collect();
    let mut by_speaker: BTreeMap<String, Vec<&Appearance>> = BTreeMap::new();
    for a in &appearances {
        if let Some(name) = statements[a.statement].speaker.clone() {
            by_speaker.entry(name).or_default().push(a);
        }
    }
    let speakers: Vec<SpeakerStance> = by_speaker
        .into_iter()
        .map(|(speaker, apps)| {
            // Appearances are in date order already.
            let mut changed_from = Vec::new();
            let mut last: Option<Stance> = None;
            // One stance per day (the day's most confident statement), so copies and the
            // several sentences of one interview do not read as changes of mind.
            let mut by_day: Vec<(Option<String>, Stance, f32)> = Vec::new();
            for a in &apps {
                let date = statements[a.statement].date.clone();
                match by_day.last_mut() {
                    Some((d, s, conf)) if *d == date => {
                        if a.confidence > *conf {
                            *s = a.stance;
                            *conf = a.confidence;
                        }
                    }
                    _ => by_day.push((date, a.stance, a.confidence)),
                }
            }
            let mut last_date: Option<String> = None;
            for (date, stance, _) in by_day {
                if let Some(prev) = last.filter(|&p| p != stance) {
                    changed_from.push((last_date.clone(), prev));
                }
                last = Some(stance);
                last_date = date;
            }
            SpeakerStance {
                kind: apps
                    .first()
                    .and_then(|a| statements[a.statement].speaker_kind.clone()),
                stance: last.unwrap_or(Stance::NonCommittal),
                statements: apps.iter().map(|a| a.statement).collect(),
                changed_from,
                comments_only: false,
                speaker,
            }
        })
        .collect();
    let contested = speakers.iter().any(|s| s.stance == Stance::Supports)
        && speakers.iter().any(|s| s.stance == Stance::Denies);
    Claim {
        id,
        text: claim_text,
        first_seen: ordered.first().and_then(|&i| statements[i].date.clone()),
        numbers: number_conflicts(&ordered, statements),
        appearances,
        speakers,
        contested,
    }
}

/// Numbers with the same unit that differ by more than a tenth, from different speakers or
/// from one speaker at different times.
fn number_conflicts(members: &[usize], statements: &[StatementIn]) -> Vec<NumberConflict> {
    let mut by_unit: BTreeMap<String, Vec<NumberGiven>> = BTreeMap::new();
    for &i in members {
        let s = &statements[i];
        for q in &s.quantities {
            let Some(unit) = q.unit.as_deref().map(stem).filter(|u| !u.is_empty()) else {
                continue;
            };
            by_unit.entry(unit).or_default().push(NumberGiven {
                speaker: s.speaker.clone(),
                value: q.value,
                text: q.text.clone(),
                date: s.date.clone(),
                statement: i,
            });
        }
    }
    by_unit
        .into_iter()
        .filter(|(_, given)| {
            // Two numbers in one statement, or from one speaker on one day, count different
            // things ("12,000 sent, 1,500 already deployed"); a conflict needs two sources
            // or two moments.
            given.iter().enumerate().any(|(i, a)| {
                given[i + 1..].iter().any(|b| {
                    let (lo, hi) = (a.value.min(b.value), a.value.max(b.value));
                    a.statement != b.statement
                        && (a.speaker != b.speaker || a.date != b.date)
                        && lo > 0.0
                        && hi > lo * 1.1
                })
            })
        })
        .map(|(unit, given)| NumberConflict { unit, given })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn st(speaker: &str, cue: &str, content: &str, date: &str) -> StatementIn {
        StatementIn {
            speaker: Some(speaker.into()),
            cue: cue.into(),
            content: content.into(),
            context: content.into(),
            date: Some(date.into()),
            ..StatementIn::default()
        }
    }

    #[test]
    fn denial_and_support_of_one_proposition_make_a_contested_claim() {
        let mut a = st(
            "Valdora's defence ministry",
            "said",
            "Estmark has moved about 4,000 marines to its northern coast",
            "2025-03-03",
        );
        a.quantities = vec![QuantityIn {
            text: "about 4,000 marines".into(),
            value: 4000.0,
            unit: Some("marines".into()),
        }];
        let mut b = st(
            "Estmark's foreign ministry",
            "dismissed",
            "the report that Estmark moved marines to its northern coast as baseless provocation",
            "2025-03-04",
        );
        b.quantities = vec![QuantityIn {
            text: "fewer than 500 marines".into(),
            value: 500.0,
            unit: Some("marines".into()),
        }];
        let c = st(
            "Harbour authority",
            "said",
            "the ferry timetable for the islands returns to normal on Monday",
            "2025-03-05",
        );
        let out = claims(&[a, b, c], &ClaimsConfig::default());
        assert_eq!(out.len(), 2, "{out:#?}");
        let troops = &out[0];
        assert_eq!(troops.appearances.len(), 2);
        let stance = |name: &str| {
            troops
                .speakers
                .iter()
                .find(|s| s.speaker == name)
                .map(|s| s.stance)
        };
        assert_eq!(stance("Valdora's defence ministry"), Some(Stance::Supports));
        assert_eq!(stance("Estmark's foreign ministry"), Some(Stance::Denies));
        assert!(troops.contested);
        assert_eq!(troops.numbers.len(), 1, "4,000 vs 500 marines");
        assert!(!out[1].contested);
    }

    #[test]
    fn bad_input_is_said_not_guessed() {
        let en = ArticleIn {
            id: "a1".into(),
            language: Some("en-GB".into()),
            text: "The ministry said the bridge reopens on Monday.".into(),
            copy: false,
        };
        let fr = ArticleIn {
            id: "a2".into(),
            language: None,
            text: "Le ministère a déclaré que le pont rouvrira lundi, selon un communiqué \
                   publié par les autorités locales dans la soirée de dimanche, après des \
                   travaux qui ont duré plusieurs mois dans la région."
                .into(),
            copy: false,
        };
        let quiet = ArticleIn {
            id: "a3".into(),
            language: Some("en".into()),
            text: "Rain is expected across the region.".into(),
            copy: false,
        };
        let mut s1 = st(
            "Ministry",
            "said",
            "the bridge reopens on Monday",
            "2025-03-03",
        );
        s1.article = "a1".into();
        let mut s2 = st(
            "Ministère",
            "a déclaré",
            "le pont rouvrira lundi",
            "2025-03-03",
        );
        s2.article = "a2".into();
        let (out, notes) = claims_with_notes(
            &[en.clone(), fr, quiet],
            &[s1.clone(), s2],
            &ClaimsConfig::default(),
        );
        let kinds: Vec<(&str, Option<&str>)> = notes
            .iter()
            .map(|n| (n.kind, n.article.as_deref()))
            .collect();
        assert_eq!(
            kinds,
            [
                ("unsupported_language", Some("a2")),
                ("no_attributions", Some("a3"))
            ]
        );
        // The French statement is in no claim; the English one keeps its index.
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].appearances[0].statement, 0);
        let (_, single) = claims_with_notes(&[en], &[s1], &ClaimsConfig::default());
        assert_eq!(single[0].kind, "single_article");
    }

    #[test]
    fn declared_and_detected_languages() {
        assert!(unreadable_language(Some("ru"), "Привет").is_some());
        assert!(unreadable_language(Some("en-US"), "anything").is_none());
        assert!(unreadable_language(
            None,
            "Северная Корея направила войска в Россию, сообщила разведка Южной Кореи в пятницу."
        )
        .is_some());
        assert!(unreadable_language(None, "North Korea has sent troops to Russia, the intelligence service of South Korea said on Friday, citing satellite images.").is_none());
    }

    #[test]
    fn no_statements_no_claims() {
        assert!(claims(&[], &ClaimsConfig::default()).is_empty());
    }
}

#[cfg(test)]
mod cluster_tests {
    use super::cluster;

    /// The greedy average-link merge that `cluster` replaces: most similar pair first.
    fn greedy(sim: &[Vec<f32>], threshold: f32) -> Vec<Vec<usize>> {
        let mut groups: Vec<Vec<usize>> = (0..sim.len()).map(|i| vec![i]).collect();
        loop {
            let mut best: Option<(usize, usize, f32)> = None;
            for a in 0..groups.len() {
                for b in (a + 1)..groups.len() {
                    let total: f32 = groups[a]
                        .iter()
                        .flat_map(|&i| groups[b].iter().map(move |&j| sim[i][j]))
                        .sum();
                    let avg = total / (groups[a].len() * groups[b].len()) as f32;
                    if avg >= threshold && best.is_none_or(|(_, _, s)| avg > s) {
                        best = Some((a, b, avg));
                    }
                }
            }
            let Some((a, b, _)) = best else { break };
            let moved = groups.remove(b);
            groups[a].extend(moved);
            groups[a].sort_unstable();
        }
        groups.sort_by_key(|g| g[0]);
        groups
    }

    #[test]
    fn the_chain_groups_as_the_greedy_merge_does() {
        // Pseudo-random symmetric similarities (ties all but impossible), seeded for
        // repeatability.
        let value = |n: usize, i: usize, j: usize| {
            let (a, b) = (i.min(j) as u64, i.max(j) as u64);
            let mut x: u64 = 0x9e37_79b9_7f4a_7c15 ^ (n as u64) ^ (a * 1_000_003 + b * 7919);
            for _ in 0..4 {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
            }
            let v = (x % 1_000_000) as f32 / 1_000_000.0;
            v * v
        };
        for n in [1usize, 2, 5, 17, 40] {
            let sim: Vec<Vec<f32>> = (0..n)
                .map(|i| {
                    (0..n)
                        .map(|j| if i == j { 1.0 } else { value(n, i, j) })
                        .collect()
                })
                .collect();
            for t in [0.05f32, 0.2, 0.5] {
                assert_eq!(cluster(&sim, t), greedy(&sim, t), "n {n}, threshold {t}");
            }
        }
    }

    #[test]
    fn thousands_of_statements_cluster_quickly_enough_to_finish() {
        let n = 1500;
        let sim: Vec<Vec<f32>> = (0..n)
            .map(|i| {
                (0..n)
                    .map(|j| if i / 10 == j / 10 { 0.9 } else { 0.01 })
                    .collect()
            })
            .collect();
        let groups = cluster(&sim, 0.12);
        assert_eq!(groups.len(), n / 10);
        assert!(groups.iter().all(|g| g.len() == 10));
    }
}
