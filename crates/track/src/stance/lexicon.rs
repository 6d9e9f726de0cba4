//! The stance word lists (refuting, hedging, supporting phrases and negators), read from the data
//! files under `crates/track/data/stance/` and matched over lowercased tokens.
//!
//! They are data, not literals, so that a reader can extend them without reading Rust. A phrase
//! may hold `...`, a gap of up to [`GAP`] tokens, so that "dismissed ... as" matches "dismissed
//! the reports as". Matching is a single pass with an index on each phrase's first token: time
//! stays linear in the text.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

/// The longest gap a `...` in a phrase may cover, in tokens.
pub const GAP: usize = 6;

/// What a lexicon entry says about a claim.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LexClass {
    /// Denies or refutes: "denied", "hoax", "dismissed ... as".
    Refute,
    /// Reports without taking a side: "reportedly", "claims", "neither confirmed nor denied".
    Hedge,
    /// Asserts or confirms: "confirmed", "admitted", "officially".
    Support,
}

impl LexClass {
    pub const ALL: [LexClass; 3] = [LexClass::Refute, LexClass::Hedge, LexClass::Support];

    pub fn as_str(self) -> &'static str {
        match self {
            LexClass::Refute => "refute",
            LexClass::Hedge => "hedge",
            LexClass::Support => "support",
        }
    }

    pub fn index(self) -> usize {
        match self {
            LexClass::Refute => 0,
            LexClass::Hedge => 1,
            LexClass::Support => 2,
        }
    }
}

/// One occurrence of a lexicon entry: tokens `start..end` of the matched text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hit {
    pub class: LexClass,
    /// Index of the entry in [`Lexicon::entry`].
    pub entry: usize,
    pub start: usize,
    pub end: usize,
}

struct Entry {
    class: LexClass,
    text: String,
    /// Token runs separated by gaps of up to [`GAP`] tokens.
    segments: Vec<Vec<String>>,
}

/// The compiled word lists.
pub struct Lexicon {
    entries: Vec<Entry>,
    by_first: HashMap<String, Vec<usize>>,
    negators: HashSet<String>,
}

fn entries_of(src: &str) -> Vec<String> {
    src.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_lowercase)
        .collect()
}

/// Splits an entry into tokens the way [`crate::stance::features`] lowercases a text, so that
/// "didn't" in a list matches "did" + "n't" in a text.
fn entry_tokens(s: &str) -> Vec<String> {
    text::tokenize::tokenize(s)
        .iter()
        .map(|t| super::features::normalize_token(&s[t.start..t.end]))
        .collect()
}

impl Lexicon {
    fn from_sources(refute: &str, hedge: &str, support: &str, negation: &str) -> Lexicon {
        let mut entries = Vec::new();
        let mut seen = HashSet::new();
        for (class, src) in [
            (LexClass::Refute, refute),
            (LexClass::Hedge, hedge),
            (LexClass::Support, support),
        ] {
            for text in entries_of(src) {
                if !seen.insert((class, text.clone())) {
                    continue;
                }
                let segments: Vec<Vec<String>> = text
                    .split("...")
                    .map(entry_tokens)
                    .filter(|s| !s.is_empty())
                    .collect();
                if segments.is_empty() {
                    continue;
                }
                entries.push(Entry {
                    class,
                    text,
                    segments,
                });
            }
        }
        let mut by_first: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, e) in entries.iter().enumerate() {
            if let Some(first) = e.segments.first().and_then(|s| s.first()) {
                by_first.entry(first.clone()).or_default().push(i);
            }
        }
        let negators = entries_of(negation)
            .iter()
            .flat_map(|n| entry_tokens(n))
            .collect();
        Lexicon {
            entries,
            by_first,
            negators,
        }
    }

    /// The lists embedded from `crates/track/data/stance/`.
    pub fn get() -> &'static Lexicon {
        static LEXICON: LazyLock<Lexicon> = LazyLock::new(|| {
            Lexicon::from_sources(
                include_str!("../../data/stance/refute.txt"),
                include_str!("../../data/stance/hedge.txt"),
                include_str!("../../data/stance/support.txt"),
                include_str!("../../data/stance/negation.txt"),
            )
        });
        &LEXICON
    }

    /// The text of entry `i` as written in its list.
    pub fn entry(&self, i: usize) -> &str {
        self.entries.get(i).map(|e| e.text.as_str()).unwrap_or("")
    }

    pub fn is_negator(&self, word: &str) -> bool {
        self.negators.contains(word)
    }

    /// Every match in `words` (lowercased tokens), in order of start. Overlapping matches of the
    /// same class are all kept ("fake news" is both "fake" and "fake news"), but a match inside a
    /// longer match of another class is dropped: "denied" in "neither confirmed nor denied" is
    /// a hedge, not a denial, and "true" in "not true" is no support.
    pub fn find(&self, words: &[String]) -> Vec<Hit> {
        let hits = self.find_all(words);
        hits.iter()
            .filter(|h| {
                !hits.iter().any(|o| {
                    o.class != h.class
                        && o.start <= h.start
                        && h.end <= o.end
                        && o.end - o.start > h.end - h.start
                })
            })
            .copied()
            .collect()
    }

    fn find_all(&self, words: &[String]) -> Vec<Hit> {
        let mut hits = Vec::new();
        for start in 0..words.len() {
            let Some(cands) = self.by_first.get(&words[start]) else {
                continue;
            };
            for &i in cands {
                let e = &self.entries[i];
                if let Some(end) = match_at(words, start, &e.segments) {
                    hits.push(Hit {
                        class: e.class,
                        entry: i,
                        start,
                        end,
                    });
                }
            }
        }
        hits
    }
}

fn seg_at(words: &[String], at: usize, seg: &[String]) -> bool {
    words.len() >= at + seg.len() && words[at..at + seg.len()] == *seg
}

/// End of a match of `segments` starting at `start`, if any (the first segment is anchored,
/// later ones may start up to [`GAP`] tokens after the previous one ends).
fn match_at(words: &[String], start: usize, segments: &[Vec<String>]) -> Option<usize> {
    let first = segments.first()?;
    if !seg_at(words, start, first) {
        return None;
    }
    let mut end = start + first.len();
    for seg in &segments[1..] {
        let found = (end..=(end + GAP).min(words.len())).find(|&at| seg_at(words, at, seg))?;
        end = found + seg.len();
    }
    Some(end)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<String> {
        entry_tokens(s)
    }

    #[test]
    fn gaps_and_contractions_match() {
        let lex = Lexicon::get();
        let w = words("The ministry dismissed the reports as groundless and didn't happen");
        let found: Vec<&str> = lex.find(&w).iter().map(|h| lex.entry(h.entry)).collect();
        assert!(found.contains(&"dismissed ... as"), "{found:?}");
        assert!(found.contains(&"groundless"), "{found:?}");
        assert!(found.contains(&"didn't happen"), "{found:?}");
        assert!(lex.is_negator("n't"));
    }

    #[test]
    fn hedges_are_found() {
        let lex = Lexicon::get();
        let w = words("Officials neither confirmed nor denied the report");
        let classes: Vec<LexClass> = lex.find(&w).iter().map(|h| h.class).collect();
        assert!(classes.contains(&LexClass::Hedge));
        assert!(!classes.contains(&LexClass::Refute), "{classes:?}");
        assert!(!classes.contains(&LexClass::Support), "{classes:?}");
    }
}
