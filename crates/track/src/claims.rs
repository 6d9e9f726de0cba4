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

use crate::stance::{Stance, StanceModel};
use crate::stories::is_stopword;
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
}

fn cue_lexicon() -> &'static CueLexicon {
    static LEX: std::sync::LazyLock<CueLexicon> = std::sync::LazyLock::new(|| {
        let mut lex = CueLexicon {
            denies: Vec::new(),
            non_committal: Vec::new(),
        };
        let mut section = "";
        for line in CUES.lines().map(str::trim) {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
                section = if name == "denies" {
                    "denies"
                } else {
                    "non_committal"
                };
                continue;
            }
            let phrase: Vec<String> = line.split_whitespace().map(str::to_string).collect();
            match section {
                "denies" => lex.denies.push(phrase),
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
/// or content makes it non-committal; a refuting cue makes it a denial.
pub fn lexical_stance(cue: &str, content: &str) -> Option<Stance> {
    let lex = cue_lexicon();
    let cue_words = lower_words(cue);
    if contains_phrase(&cue_words, &lex.non_committal)
        || contains_phrase(&lower_words(content), &lex.non_committal)
    {
        return Some(Stance::NonCommittal);
    }
    contains_phrase(&cue_words, &lex.denies).then_some(Stance::Denies)
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

fn words(s: &str) -> impl Iterator<Item = String> + '_ {
    s.split(|c: char| !c.is_alphanumeric() && c != '-')
        .filter(|w| w.chars().count() >= 3)
        .filter(|w| !is_stopword(&w.to_lowercase()))
        .map(stem)
}

type Vector = Vec<(String, f32)>;

fn vectors(statements: &[StatementIn], config: &ClaimsConfig) -> Vec<Vector> {
    let raw: Vec<HashMap<String, f32>> = statements
        .iter()
        .map(|s| {
            let mut tf: HashMap<String, f32> = HashMap::new();
            for w in words(&s.content) {
                *tf.entry(w).or_default() += 1.0;
            }
            for w in words(&s.context) {
                *tf.entry(w).or_default() += config.context_weight;
            }
            for e in &s.entities {
                *tf.entry(format!("#{}", e.to_lowercase())).or_default() += config.context_weight;
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
                    (k.clone(), (1.0 + w.ln().max(0.0)) * idf.max(0.0))
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

/// Groups statements (average-link agglomerative clustering); groups in order of their
/// earliest statement, members in input order. Quadratic in the statements of one story,
/// which number in the hundreds.
pub fn group(statements: &[StatementIn], config: &ClaimsConfig) -> Vec<Vec<usize>> {
    let vecs = vectors(statements, config);
    let n = statements.len();
    let mut sim = vec![vec![0f32; n]; n];
    for i in 0..n {
        for j in (i + 1)..n {
            let s = cosine(&vecs[i], &vecs[j]);
            sim[i][j] = s;
            sim[j][i] = s;
        }
    }
    let mut groups: Vec<Vec<usize>> = (0..n).map(|i| vec![i]).collect();
    loop {
        let mut best: Option<(usize, usize, f32)> = None;
        for a in 0..groups.len() {
            for b in (a + 1)..groups.len() {
                let total: f32 = groups[a]
                    .iter()
                    .flat_map(|&i| groups[b].iter().map(move |&j| (i, j)))
                    .map(|(i, j)| sim[i][j])
                    .sum();
                let avg = total / (groups[a].len() * groups[b].len()) as f32;
                if avg >= config.threshold && best.is_none_or(|(_, _, s)| avg > s) {
                    best = Some((a, b, avg));
                }
            }
        }
        let Some((a, b, _)) = best else { break };
        let moved = groups.remove(b);
        groups[a].extend(moved);
        groups[a].sort_unstable();
    }
    groups.sort_by_key(|g| g.first().copied().unwrap_or(usize::MAX));
    groups
}

/// Claims from a story's statements: grouped, each statement's stance toward its claim, each
/// speaker's position, contradictions and conflicting numbers.
pub fn claims(statements: &[StatementIn], config: &ClaimsConfig) -> Vec<Claim> {
    let model = StanceModel::load_default().ok();
    group(statements, config)
        .into_iter()
        .enumerate()
        .map(|(id, members)| build(id, &members, statements, model))
        .collect()
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
    fn no_statements_no_claims() {
        assert!(claims(&[], &ClaimsConfig::default()).is_empty());
    }
}
