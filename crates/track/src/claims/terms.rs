//! The terms of a statement that say which proposition it states: lemmas of its content words,
//! with near-synonyms folded into one concept and framing words left out.
//!
//! Why lemmas and concepts: "sent troops", "is sending soldiers" and "decided to send 12,000
//! special forces" state one proposition in three wordings. A stemmer does not join "sent" and
//! "send", and nothing lexical joins "soldiers" and "forces"; the tagger's lemmas do the first
//! and the small concept lexicon (`data/claims/concepts.txt`) the second. Why frames are
//! dropped: "the accusations that P", "dismissed ... as groundless rumours" and "denied P"
//! state P; "accusation", "groundless" and "denied" are the speaker's attitude, which the stance
//! step reads, and they are shared by statements about unrelated facts.

use crate::stories::is_stopword;
use std::collections::HashMap;
use std::sync::LazyLock;
use text::pos::Tagger;
use text::{TokenKind, Upos};

const CONCEPTS: &str = include_str!("../../data/claims/concepts.txt");

/// Which parts of speech a lexicon member applies to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Pos {
    Any,
    Noun,
    Verb,
}

impl Pos {
    fn admits(self, upos: Upos) -> bool {
        match self {
            Pos::Any => true,
            Pos::Noun => matches!(upos, Upos::NOUN | Upos::PROPN),
            Pos::Verb => matches!(upos, Upos::VERB | Upos::AUX),
        }
    }
}

struct Member {
    lemmas: Vec<String>,
    pos: Pos,
}

struct Lexicon {
    /// Concept members by their first lemma, longest first, with the concept's name.
    concepts: HashMap<String, Vec<(Member, String)>>,
    frames: Vec<Member>,
}

fn parse_member(s: &str) -> Option<Member> {
    let (words, pos) = match s.rsplit_once('/') {
        Some((w, "n")) => (w, Pos::Noun),
        Some((w, "v")) => (w, Pos::Verb),
        _ => (s, Pos::Any),
    };
    let lemmas: Vec<String> = words.split_whitespace().map(str::to_lowercase).collect();
    (!lemmas.is_empty()).then_some(Member { lemmas, pos })
}

fn lexicon() -> &'static Lexicon {
    static LEX: LazyLock<Lexicon> = LazyLock::new(|| {
        let mut lex = Lexicon {
            concepts: HashMap::new(),
            frames: Vec::new(),
        };
        let mut section = "";
        for line in CONCEPTS.lines().map(str::trim) {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
                section = if name == "frames" {
                    "frames"
                } else {
                    "concepts"
                };
                continue;
            }
            if section == "frames" {
                lex.frames
                    .extend(line.split(',').map(str::trim).filter_map(parse_member));
                continue;
            }
            let Some((name, members)) = line.split_once('=') else {
                continue; // not a concept line; the file's tests keep this from happening
            };
            let name = format!("={}", name.trim());
            for m in members.split(',').map(str::trim).filter_map(parse_member) {
                lex.concepts
                    .entry(m.lemmas[0].clone())
                    .or_default()
                    .push((m, name.clone()));
            }
        }
        for list in lex.concepts.values_mut() {
            list.sort_by_key(|(m, _)| std::cmp::Reverse(m.lemmas.len()));
        }
        lex
    });
    &LEX
}

fn tagger() -> Option<&'static Tagger> {
    static TAGGER: LazyLock<Option<Tagger>> = LazyLock::new(|| Tagger::embedded().ok());
    TAGGER.as_ref()
}

/// Parts of speech whose words carry a proposition's content.
fn is_content(upos: Upos) -> bool {
    matches!(
        upos,
        Upos::NOUN | Upos::PROPN | Upos::VERB | Upos::ADJ | Upos::NUM | Upos::ADV | Upos::X
    )
}

fn matches_at(member: &Member, lemmas: &[String], tags: &[Upos], at: usize) -> bool {
    let n = member.lemmas.len();
    at + n <= lemmas.len()
        && lemmas[at..at + n] == member.lemmas[..]
        && member.pos.admits(tags[at + n - 1])
}

/// The proposition terms of `text`, in order, repeated as often as they occur. Concepts are
/// written `=name` so they cannot collide with a word. Without the tagger (it is embedded, so
/// only a corrupt build lacks it) words are lower-cased but not lemmatized.
pub fn terms(text: &str) -> Vec<String> {
    let tokens: Vec<(&str, TokenKind)> = text::tokenize::tokenize(text)
        .into_iter()
        .filter_map(|t| text.get(t.start..t.end).map(|s| (s, t.kind)))
        .collect();
    let words: Vec<&str> = tokens.iter().map(|(s, _)| *s).collect();
    let tags: Vec<Upos> = match tagger() {
        Some(t) => t.tag_words(&words),
        None => vec![Upos::X; words.len()],
    };
    let lemmas: Vec<String> = words
        .iter()
        .zip(&tags)
        .map(|(w, &u)| match tagger() {
            Some(t) => t.lemmatizer().lemma(w, u).to_lowercase(),
            None => w.to_lowercase(),
        })
        .collect();
    let lex = lexicon();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lemmas.len() {
        if let Some(f) = lex.frames.iter().find(|f| matches_at(f, &lemmas, &tags, i)) {
            i += f.lemmas.len();
            continue;
        }
        let concept = lex
            .concepts
            .get(&lemmas[i])
            .and_then(|list| list.iter().find(|(m, _)| matches_at(m, &lemmas, &tags, i)));
        if let Some((m, name)) = concept {
            out.push(name.clone());
            i += m.lemmas.len();
            continue;
        }
        let (kind, upos, lemma) = (tokens[i].1, tags[i], &lemmas[i]);
        let min_len = if upos == Upos::PROPN { 2 } else { 3 };
        if matches!(
            kind,
            TokenKind::Word | TokenKind::Number | TokenKind::Handle | TokenKind::Hashtag
        ) && is_content(upos)
            && lemma.chars().count() >= min_len
            && !is_stopword(lemma)
        {
            out.push(lemma.clone());
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn term_set(text: &str) -> HashSet<String> {
        terms(text).into_iter().collect()
    }

    #[test]
    fn inflections_and_near_synonyms_share_terms() {
        let a = term_set("the accusations that it is sending soldiers to fight alongside Russia");
        let b = term_set("North Korea decided to send approximately 12,000 special forces");
        let c = term_set("North Korea sent troops to Russia");
        for t in ["=send", "=troops"] {
            assert!(
                a.contains(t) && b.contains(t) && c.contains(t),
                "{t}: {a:?} {b:?} {c:?}"
            );
        }
        assert!(!a.contains("accusation"), "{a:?}");
    }

    #[test]
    fn part_of_speech_limits_a_member() {
        // "forced" is a verb here: no troops.
        let t = term_set("the minister was forced to resign");
        assert!(!t.contains("=troops"), "{t:?}");
        assert!(t.contains("=resign"), "{t:?}");
    }

    #[test]
    fn every_concept_line_parses() {
        let lines = CONCEPTS
            .lines()
            .map(str::trim)
            .skip_while(|l| *l != "[concepts]")
            .skip(1)
            .take_while(|l| !l.starts_with('['))
            .filter(|l| !l.is_empty() && !l.starts_with('#'));
        for line in lines {
            assert!(line.contains('='), "concept line without '=': {line}");
        }
    }
}
