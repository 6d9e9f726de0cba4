//! Features of a (claim, text) pair for the stance model.
//!
//! A linear model cannot discover which words refute or whether two texts are about the same
//! thing, so this module hands it both: lexicon hits (with negation scope) and claim-text
//! overlap (TF-IDF cosine over crude stems, coverage of the claim's words and bigrams) next to
//! the text's own words. In a whole article only the sentences closest to the claim (and the
//! first) are read word by word: an article's stance lives there, and the rest is noise.
//!
//! Texts are tokenized with `text`'s tokenizer only (no tagger), so that tens of thousands of
//! article bodies featurize in seconds. Every feature is emitted twice, once shared and once
//! specific to the text's kind (headline or body), so that one model learns from both corpora
//! without the weights of one drowning the other (Daumé's feature augmentation).

use super::lexicon::{LexClass, Lexicon};
use std::collections::HashSet;
use text::perceptron::{feature, IdMap};
use text::TokenKind;

/// log2 of the hashed feature space.
pub const DIM_BITS: u32 = 20;
const DIM_MASK: u64 = (1 << DIM_BITS) - 1;

/// Texts with at most this many tokens and sentences are headlines (or single statements).
const HEADLINE_TOKENS: usize = 60;
const HEADLINE_SENTENCES: usize = 3;
/// Sentences of a body read closely: the most similar to the claim.
const TOP_SENTENCES: usize = 3;
/// Bodies are cut here (bytes) so that a huge input costs bounded time.
const MAX_TEXT: usize = 60_000;

/// Lowercases a token and folds typographic apostrophes and quotes.
pub fn normalize_token(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '’' | '‘' | '`' | '´' => out.push('\''),
            '“' | '”' | '„' | '«' | '»' => out.push('"'),
            c => out.extend(c.to_lowercase()),
        }
    }
    out
}

fn is_stopword(w: &str) -> bool {
    use std::sync::LazyLock;
    static SET: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
        include_str!("../../data/stopwords.txt")
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .collect()
    });
    SET.contains(w)
}

/// A crude suffix stripper: enough to match "troops"/"troop", "denied"/"denies" for overlap.
pub fn stem(w: &str) -> &str {
    let n = w.len();
    for suf in ["ing", "ed", "es", "s"] {
        if n > suf.len() + 3 && w.ends_with(suf) && !w.ends_with("ss") {
            return &w[..n - suf.len()];
        }
    }
    w
}

/// Hash of a content word's stem, or 0 for stopwords, punctuation and one-letter tokens.
fn stem_key(w: &str, kind: TokenKind) -> u64 {
    if !matches!(
        kind,
        TokenKind::Word | TokenKind::Number | TokenKind::Hashtag
    ) {
        return 0;
    }
    if w.chars().count() < 2 || is_stopword(w) || !w.chars().any(char::is_alphanumeric) {
        return 0;
    }
    feature(1, &[stem(w)])
}

/// A tokenized text, kept so that an article body paired with many claims is read once.
#[derive(Clone, Debug)]
pub struct Prepared {
    pub words: Vec<String>,
    pub kinds: Vec<TokenKind>,
    /// Content-stem hash per token (0 for the rest).
    pub stems: Vec<u64>,
    pub sentences: Vec<std::ops::Range<usize>>,
    pub headline: bool,
}

impl Prepared {
    pub fn new(text: &str) -> Prepared {
        let mut cut = text.len().min(MAX_TEXT);
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        let text = &text[..cut];
        let tokens = text::tokenize::tokenize(text);
        let sentences: Vec<std::ops::Range<usize>> = text::tokenize::split_sentences(text, &tokens)
            .into_iter()
            .map(|s| s.tokens)
            .filter(|r| !r.is_empty())
            .collect();
        let words: Vec<String> = tokens
            .iter()
            .map(|t| normalize_token(&text[t.start..t.end]))
            .collect();
        let kinds: Vec<TokenKind> = tokens.iter().map(|t| t.kind).collect();
        let stems = words
            .iter()
            .zip(&kinds)
            .map(|(w, &k)| stem_key(w, k))
            .collect();
        let headline = words.len() <= HEADLINE_TOKENS && sentences.len() <= HEADLINE_SENTENCES;
        let sentences = if headline || sentences.is_empty() {
            std::iter::once(0..words.len()).collect()
        } else {
            sentences
        };
        Prepared {
            words,
            kinds,
            stems,
            sentences,
            headline,
        }
    }

    /// Distinct content stems, for document frequencies.
    pub fn stem_set(&self) -> Vec<u64> {
        let mut s: Vec<u64> = self.stems.iter().copied().filter(|&k| k != 0).collect();
        s.sort_unstable();
        s.dedup();
        s
    }
}

/// Inverse document frequencies of stems, learnt with the model.
#[derive(Clone, Debug, Default)]
pub struct Idf {
    pub map: IdMap<f32>,
    /// The weight of a stem never seen in training (as rare as can be).
    pub unseen: f32,
}

impl Idf {
    pub fn get(&self, key: u64) -> f32 {
        self.map.get(&key).copied().unwrap_or(self.unseen)
    }

    /// From the distinct stems of each training document.
    pub fn from_documents<'a>(docs: impl Iterator<Item = &'a Prepared>) -> Idf {
        let mut df: IdMap<u32> = IdMap::default();
        let mut n = 0u32;
        for d in docs {
            n += 1;
            for k in d.stem_set() {
                *df.entry(k).or_default() += 1;
            }
        }
        let nf = n as f32 + 1.0;
        // Stems seen once carry no more than unseen ones, and dropping them keeps the model small.
        let map = df
            .into_iter()
            .filter(|&(_, c)| c > 1)
            .map(|(k, c)| (k, (nf / (c as f32 + 1.0)).ln() + 1.0))
            .collect();
        Idf {
            map,
            unseen: (nf / 2.0).ln() + 1.0,
        }
    }
}

/// TF-IDF vector of some tokens, as sorted (stem, weight) pairs with unit norm.
fn tfidf(stems: &[u64], idf: &Idf) -> Vec<(u64, f32)> {
    let mut v: Vec<(u64, f32)> = Vec::new();
    let mut sorted: Vec<u64> = stems.iter().copied().filter(|&k| k != 0).collect();
    sorted.sort_unstable();
    for k in sorted {
        match v.last_mut() {
            Some((last, w)) if *last == k => *w += 1.0,
            _ => v.push((k, 1.0)),
        }
    }
    for (k, w) in v.iter_mut() {
        *w = (1.0 + w.ln()) * idf.get(*k);
    }
    let norm = v.iter().map(|(_, w)| w * w).sum::<f32>().sqrt();
    if norm > 0.0 {
        v.iter_mut().for_each(|(_, w)| *w /= norm);
    }
    v
}

fn cosine(a: &[(u64, f32)], b: &[(u64, f32)]) -> f32 {
    let (mut i, mut j, mut s) = (0, 0, 0.0);
    while i < a.len() && j < b.len() {
        match a[i].0.cmp(&b[j].0) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                s += a[i].1 * b[j].1;
                i += 1;
                j += 1;
            }
        }
    }
    s
}

/// Sparse feature vector: (index into the hashed space, value).
pub type Vector = Vec<(u32, f32)>;

struct Builder {
    out: Vector,
    domain: &'static str,
}

impl Builder {
    fn add(&mut self, template: u16, parts: &[&str], value: f32) {
        if value == 0.0 {
            return;
        }
        let shared = feature(template, parts);
        self.out.push(((shared & DIM_MASK) as u32, value));
        let mut with_domain: Vec<&str> = Vec::with_capacity(parts.len() + 1);
        with_domain.push(self.domain);
        with_domain.extend_from_slice(parts);
        let specific = feature(template, &with_domain);
        self.out.push(((specific & DIM_MASK) as u32, value));
    }
}

fn bin(x: f32, n: usize) -> String {
    ((x.clamp(0.0, 1.0) * n as f32).floor() as usize)
        .min(n - 1)
        .to_string()
}

/// Counts per lexicon class, with negated hits apart.
#[derive(Default, Clone, Copy)]
struct LexCounts {
    plain: [u32; 3],
    negated: [u32; 3],
}

/// Token ranges inside a negator's scope: up to four tokens after it, stopping at punctuation.
fn negation_scopes(p: &Prepared, lex: &Lexicon, range: &std::ops::Range<usize>) -> Vec<bool> {
    let mut scoped = vec![false; p.words.len()];
    for i in range.clone() {
        if !lex.is_negator(&p.words[i]) {
            continue;
        }
        let end = (i + 5).min(range.end);
        for (j, slot) in scoped.iter_mut().enumerate().take(end).skip(i + 1) {
            if matches!(p.kinds[j], TokenKind::Punct) && p.words[j] != "'s" {
                break;
            }
            *slot = true;
        }
    }
    scoped
}

/// The features of `text` seen against `claim`.
pub fn pair_features(claim: &Prepared, text: &Prepared, idf: &Idf) -> Vector {
    let lex = Lexicon::get();
    let mut b = Builder {
        out: Vec::with_capacity(256),
        domain: if text.headline { "h" } else { "b" },
    };
    b.add(0, &[], 1.0);

    // Overlap: TF-IDF cosine with the whole text and with its closest sentences.
    let claim_vec = tfidf(&claim.stems, idf);
    let text_vec = tfidf(&text.stems, idf);
    let cos = cosine(&claim_vec, &text_vec);
    let mut sent_cos: Vec<(f32, usize)> = text
        .sentences
        .iter()
        .enumerate()
        .map(|(i, r)| (cosine(&claim_vec, &tfidf(&text.stems[r.clone()], idf)), i))
        .collect();
    sent_cos.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    let best = sent_cos.first().map_or(0.0, |s| s.0);
    let claim_stems: HashSet<u64> = claim.stems.iter().copied().filter(|&k| k != 0).collect();
    let text_stems: HashSet<u64> = text.stems.iter().copied().filter(|&k| k != 0).collect();
    let covered = claim_stems.intersection(&text_stems).count();
    let coverage = if claim_stems.is_empty() {
        0.0
    } else {
        covered as f32 / claim_stems.len() as f32
    };
    let bigrams = |p: &Prepared| -> HashSet<(u64, u64)> {
        let s: Vec<u64> = p.stems.iter().copied().filter(|&k| k != 0).collect();
        s.windows(2).map(|w| (w[0], w[1])).collect()
    };
    let cb = bigrams(claim);
    let bigram_cov = if cb.is_empty() {
        0.0
    } else {
        cb.intersection(&bigrams(text)).count() as f32 / cb.len() as f32
    };
    b.add(1, &[], cos);
    b.add(2, &[&bin(cos, 10)], 1.0);
    b.add(3, &[], best);
    b.add(4, &[&bin(best, 10)], 1.0);
    b.add(5, &[], coverage);
    b.add(6, &[&bin(coverage, 5)], 1.0);
    b.add(7, &[], bigram_cov);
    b.add(8, &[&bin(bigram_cov, 4)], 1.0);
    let related = if cos < 0.1 {
        "lo"
    } else if cos < 0.25 {
        "mid"
    } else {
        "hi"
    };
    // In a body, what the words mean depends on whether the text is about the claim at all:
    // the rest of the features are specific to the body's relatedness band.
    if !text.headline {
        b.domain = match related {
            "lo" => "b-lo",
            "mid" => "b-mid",
            _ => "b-hi",
        };
    }

    // The region read closely: the whole headline, or a body's first sentence and the
    // sentences closest to the claim, in text order.
    let mut chosen: Vec<usize> = sent_cos
        .iter()
        .take(TOP_SENTENCES)
        .filter(|s| s.0 > 0.0)
        .map(|s| s.1)
        .collect();
    chosen.push(0);
    chosen.sort_unstable();
    chosen.dedup();

    let mut counts = LexCounts::default();
    let mut negators = 0u32;
    let mut negated_claim_words = 0u32;
    let mut questions = 0u32;
    let mut words_seen: HashSet<&str> = HashSet::new();
    let mut bigrams_seen: HashSet<(&str, &str)> = HashSet::new();
    for &si in &chosen {
        let Some(range) = text.sentences.get(si) else {
            continue;
        };
        let scoped = negation_scopes(text, lex, range);
        let hits = lex.find(&text.words[range.clone()]);
        // The words of a multi-word hedge speak only through it: "denied" in "neither
        // confirmed nor denied" must not count as a denial word.
        let mut covered = vec![false; range.len()];
        for h in hits
            .iter()
            .filter(|h| h.class == LexClass::Hedge && h.end - h.start > 1)
        {
            covered[h.start..h.end].iter_mut().for_each(|c| *c = true);
        }
        for i in range.clone() {
            let w = text.words[i].as_str();
            if covered[i - range.start] {
                continue;
            }
            if lex.is_negator(w) {
                negators += 1;
            }
            if scoped[i] && text.stems[i] != 0 && claim_stems.contains(&text.stems[i]) {
                negated_claim_words += 1;
            }
            if w == "?" {
                questions += 1;
            }
            let keep = matches!(
                text.kinds[i],
                TokenKind::Word | TokenKind::Number | TokenKind::Quote | TokenKind::Hashtag
            ) || matches!(w, "?" | "!" | ":");
            if keep {
                words_seen.insert(w);
            }
            if i + 1 < range.end && !covered[i + 1 - range.start] {
                bigrams_seen.insert((w, text.words[i + 1].as_str()));
            }
        }
        for h in hits {
            let at = range.start + h.start;
            let c = h.class.index();
            if scoped[at] {
                counts.negated[c] += 1;
                b.add(20, &["neg", lex.entry(h.entry)], 1.0);
            } else {
                counts.plain[c] += 1;
                b.add(20, &[lex.entry(h.entry)], 1.0);
            }
            // Where the hit sits relative to the claim's words in its sentence.
            let near = (range.start..range.end)
                .filter(|&j| j + 3 >= at && j <= at + 3 + (h.end - h.start))
                .any(|j| text.stems[j] != 0 && claim_stems.contains(&text.stems[j]));
            if near {
                b.add(21, &[h.class.as_str()], 1.0);
            }
        }
        if text.words[range.clone()].last().is_some_and(|w| w == "?") {
            b.add(22, &[], 1.0);
        }
    }
    if text.headline {
        if let Some(first) = text.words.first() {
            if lex.is_negator(first) {
                b.add(23, &[], 1.0);
            }
        }
    }
    let novel = |w: &str| -> bool {
        let k = feature(1, &[stem(w)]);
        !claim_stems.contains(&k)
    };
    let scale = if text.headline {
        1.0
    } else {
        1.0 / (words_seen.len().max(1) as f32).sqrt() * 4.0
    };
    for w in &words_seen {
        b.add(30, &[w], scale);
        if novel(w) {
            b.add(31, &[w], scale);
        }
    }
    for (a, c) in &bigrams_seen {
        b.add(32, &[a, c], scale);
    }
    for class in LexClass::ALL {
        let i = class.index();
        let n = counts.plain[i] as f32;
        let m = counts.negated[i] as f32;
        b.add(40, &[class.as_str()], (1.0 + n).ln());
        b.add(41, &[class.as_str()], (1.0 + m).ln());
        b.add(42, &[class.as_str(), related], (1.0 + n).ln());
        if n > 0.0 {
            b.add(43, &[class.as_str(), "any"], 1.0);
        }
    }
    b.add(44, &[], (1.0 + negators as f32).ln());
    b.add(45, &[], (1.0 + negated_claim_words as f32).ln());
    b.add(46, &[related], (1.0 + negators as f32).ln());
    b.add(47, &[], (1.0 + questions as f32).ln());
    b.add(48, &[related], (1.0 + questions as f32).ln());

    // Whole-body counts: a debunking article repeats its verdict beyond the closest sentences.
    if !text.headline {
        let hits = lex.find(&text.words);
        let n_tokens = text.words.len().max(1) as f32;
        for class in LexClass::ALL {
            let n = hits.iter().filter(|h| h.class == class).count() as f32;
            b.add(50, &[class.as_str()], (1.0 + n).ln());
            b.add(51, &[class.as_str()], n * 100.0 / n_tokens);
            b.add(52, &[class.as_str(), related], (1.0 + n).ln());
        }
        for h in &hits {
            if h.class == LexClass::Refute {
                b.add(53, &[lex.entry(h.entry)], 1.0);
            }
        }
        let q = text.words.iter().filter(|w| *w == "?").count() as f32;
        b.add(54, &[], (1.0 + q).ln());
    }

    // The claim's own polarity: "X did not happen" against a text saying it did.
    let claim_neg = claim.words.iter().any(|w| lex.is_negator(w));
    let claim_refute = lex
        .find(&claim.words)
        .iter()
        .any(|h| h.class == LexClass::Refute);
    let text_neg = negators > 0;
    let text_refute = counts.plain[0] > 0;
    let yn = |x: bool| if x { "y" } else { "n" };
    b.add(60, &[yn(claim_neg), yn(text_neg)], 1.0);
    b.add(61, &[yn(claim_refute), yn(text_refute)], 1.0);
    b.add(62, &[yn(claim_neg), yn(text_refute)], 1.0);
    // Sets above iterate in random order: sort and merge so that scores and training are
    // bit-for-bit reproducible.
    let mut out = b.out;
    out.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)));
    let mut merged: Vector = Vec::with_capacity(out.len());
    for (i, v) in out {
        match merged.last_mut() {
            Some((j, w)) if *j == i => *w += v,
            _ => merged.push((i, v)),
        }
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headlines_and_bodies_are_told_apart() {
        assert!(Prepared::new("Man denies he ate a burger").headline);
        let body = "First sentence here. ".repeat(30);
        assert!(!Prepared::new(&body).headline);
    }

    #[test]
    fn features_are_deterministic_and_bounded() {
        let claim = Prepared::new("Estmark sent troops to Valdora");
        let text = Prepared::new("Estmark denied sending troops to Valdora, calling it fake news");
        let idf = Idf::from_documents([&claim, &text].into_iter());
        let a = pair_features(&claim, &text, &idf);
        let b = pair_features(&claim, &text, &idf);
        assert_eq!(a, b);
        assert!(a
            .iter()
            .all(|(i, v)| (*i as u64) <= DIM_MASK && v.is_finite()));
        assert_eq!(stem("troops"), "troop");
    }
}
