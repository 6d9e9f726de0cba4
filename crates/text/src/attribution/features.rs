//! Features for the attribution taggers and rankers, computed from tokens, sentences,
//! quotation regions, the cue lexicon, part-of-speech tags and the dependency parse.
//!
//! Part-of-speech tags are used when the document has them (they mark the verb that is the cue
//! and the noun phrase that is the source); without them every tag reads "X" and the model
//! still works, worse. The same holds for the dependency layer ([`crate::syntax`]): the role
//! tagger and the boundary rankers read how each token hangs from the cue's head (under its
//! subject or its clausal complement, above it, under a sibling clause) and whether it opens or
//! closes that phrase. The model was trained on the committed POS and parser models' output,
//! so retrain attribution after retraining either.
//!
//! Everything per token that does not depend on the cue is computed once per document in a
//! [`DocView`], down to the hash of each string part (word, stem, tag, shape, suffix). A
//! feature is then a few multiplications combining those hashes with small integer codes
//! for the closed sets (labels, sides, distance buckets): no string is hashed per feature,
//! which was a third of the taggers' time.

use super::quotes;
use crate::doc::{Doc, TokenKind};
use crate::lexicon::parse_sections;
use std::collections::HashMap;
use std::sync::LazyLock;

/// Lexicon classes as bits.
pub const VERB: u8 = 1;
pub const NOUN: u8 = 2;
pub const PHRASE_START: u8 = 4;
pub const IN_PHRASE: u8 = 8;
pub const SPEAKER: u8 = 16;
pub const HEDGE: u8 = 32;
pub const DENIAL: u8 = 64;

struct Lexicon {
    words: HashMap<String, u8>,
    /// Phrases by first word: the remaining words.
    phrases: HashMap<String, Vec<Vec<String>>>,
}

static LEXICON: LazyLock<Lexicon> = LazyLock::new(|| {
    let s = parse_sections(include_str!("../../data/attribution/cues.txt"));
    let mut words: HashMap<String, u8> = HashMap::new();
    for (section, bit) in [
        ("verb", VERB),
        ("noun", NOUN),
        ("speaker", SPEAKER),
        ("hedge", HEDGE),
        ("denial", DENIAL),
    ] {
        for w in s.get(section).into_iter().flatten() {
            *words.entry(w.to_lowercase()).or_default() |= bit;
        }
    }
    let mut phrases: HashMap<String, Vec<Vec<String>>> = HashMap::new();
    for p in s.get("phrase").into_iter().flatten() {
        let mut ws = p.split_whitespace().map(str::to_lowercase);
        if let Some(first) = ws.next() {
            phrases.entry(first).or_default().push(ws.collect());
        }
    }
    Lexicon { words, phrases }
});

/// A crude stem: enough to map "claims", "claimed", "claiming" onto "claim".
pub fn stem(w: &str) -> &str {
    for suf in ["ing", "ied", "ies", "ed", "es", "s", "d"] {
        if let Some(s) = w.strip_suffix(suf) {
            if s.len() >= 3 {
                return s;
            }
        }
    }
    w
}

fn lexicon_bits(w: &str) -> u8 {
    let lex = &*LEXICON;
    if let Some(&b) = lex.words.get(w) {
        return b;
    }
    if !w.bytes().all(|b| b.is_ascii_lowercase()) || w.len() < 4 {
        return 0;
    }
    // Inflected forms: try the stem and the stem with its final "e" or "y" restored.
    let mut bits = 0;
    let mut cand = String::with_capacity(w.len() + 1);
    for suf in ["ing", "ies", "ied", "ed", "es", "s", "d"] {
        if let Some(s) = w.strip_suffix(suf) {
            for extra in ["", "e", "y"] {
                cand.clear();
                cand.push_str(s);
                cand.push_str(extra);
                if let Some(&b) = lex.words.get(&cand) {
                    bits |= b & (VERB | NOUN | DENIAL);
                }
            }
            if bits != 0 {
                break;
            }
        }
    }
    bits
}

/// FNV-1a with a final avalanche: the hash of one string part, computed once per token.
pub fn hash_str(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in s.as_bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    fmix(h)
}

#[inline]
fn fmix(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^= h >> 33;
    h
}

/// A feature: template number and part hashes (or small codes) combined. Parts are ordered,
/// so ("a", "b") and ("b", "a") differ; each template's positions always hold the same kind
/// of value, so small codes from different closed sets never need to be told apart.
#[inline]
pub(super) fn fx(template: u64, parts: &[u64]) -> u64 {
    // The offset keeps template 0 with no parts away from hash 0, which the model's table
    // reserves for empty entries.
    let mut h = (template ^ 0x243f_6a88_85a3_08d3).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    for &p in parts {
        h = (h.rotate_left(29) ^ p).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
    fmix(h)
}

/// Codes for the token shape classes.
fn shape(doc: &Doc, i: usize) -> u64 {
    let t = &doc.tokens[i];
    match t.kind {
        TokenKind::Quote => 1,
        TokenKind::Dash => 2,
        TokenKind::Number => 3,
        TokenKind::Punct => match doc.token_text(i) {
            "," => SHAPE_COMMA,
            "." | "!" | "?" => 5,
            ":" | ";" => 6,
            "(" | ")" | "[" | "]" => 7,
            _ => 8,
        },
        TokenKind::Word => {
            let s = doc.token_text(i);
            let mut cs = s.chars();
            let first_upper = cs.next().is_some_and(char::is_uppercase);
            if !first_upper {
                9
            } else if s.chars().all(|c| !c.is_lowercase()) && s.chars().count() > 1 {
                10
            } else {
                11
            }
        }
        TokenKind::Handle => 12,
        _ => 13,
    }
}

pub const SHAPE_COMMA: u64 = 4;
/// Codes for positions outside the text or sentence, in slots that otherwise hold shapes or
/// lexicon classes.
pub(super) const BOS: u64 = 20;
pub(super) const EOS: u64 = 21;

/// Where a token sits in a lexicon phrase: first word, later word, or none.
fn phrase_code(b: u8) -> u64 {
    if b & PHRASE_START != 0 {
        1
    } else if b & IN_PHRASE != 0 {
        2
    } else {
        3
    }
}

pub(super) fn bits_code(b: u8) -> u64 {
    // Only the classes that matter for cueing, as a small closed set.
    match (b & VERB != 0, b & NOUN != 0, b & SPEAKER != 0) {
        (true, true, _) => 1,
        (true, false, _) => 2,
        (false, true, _) => 3,
        (false, false, true) => 4,
        _ => 5,
    }
}

/// Per-document precomputation shared by both taggers.
pub struct DocView<'a> {
    pub doc: &'a Doc,
    pub lex: Vec<u8>,
    /// Shape codes (see [`shape`]).
    pub shapes: Vec<u64>,
    pub quote: Vec<u32>,
    pub sent_of: Vec<u32>,
    /// Hashes of the lowercased word, its stem, its UPOS tag ("X" when the tagger did not run)
    /// and its last three characters.
    words: Vec<u64>,
    pub(super) stems: Vec<u64>,
    tags: Vec<u64>,
    suffixes: Vec<u64>,
    h_bos: u64,
    h_eos: u64,
    /// The dependency layer, or empty vectors where the document has none.
    pub(super) syn: Syntax,
    /// Where the document has no dependency layer: the arcs parsed so far (the other tokens
    /// roots of their own) and which sentences they cover.
    partial: Option<(Vec<crate::parse::Arc>, Vec<bool>)>,
}

/// No token: a root's head, or a path that leads nowhere.
pub(super) const NO_TOKEN: u32 = u32::MAX;

/// The dependency tree in the forms the features read, all indexed by document token.
#[derive(Default)]
pub(super) struct Syntax {
    pub head: Vec<u32>,
    /// Hash of the relation name.
    pub rel: Vec<u64>,
    /// The first and last token of each token's subtree.
    pub lo: Vec<u32>,
    pub hi: Vec<u32>,
    /// The highest token whose subtree starts (ends) at this token: the largest phrase that
    /// a boundary here would open (close).
    pub lo_top: Vec<u32>,
    pub hi_top: Vec<u32>,
}

/// Walks never go further than this up a tree: it bounds the work on a broken parse (a cycle
/// cannot arise from the parser, but the layer is public data).
const MAX_DEPTH: usize = 64;

impl Syntax {
    /// Whether token `j` opens (1), closes (2) or is all of (3) the subtree of token `k`.
    fn edge(&self, k: usize, j: usize) -> u64 {
        u64::from(self.lo[k] as usize == j) | (u64::from(self.hi[k] as usize == j) << 1)
    }

    fn new(doc: &Doc) -> Syntax {
        match doc.deps.as_deref() {
            Some(d) if d.len() == doc.tokens.len() => Syntax::from_arcs(d),
            _ => Syntax::default(),
        }
    }

    fn from_arcs(deps: &[crate::parse::Arc]) -> Syntax {
        let n = deps.len();
        let head: Vec<u32> = deps
            .iter()
            .map(|a| a.head.filter(|&h| (h as usize) < n).unwrap_or(NO_TOKEN))
            .collect();
        let rel = deps.iter().map(|a| hash_str(a.label.name())).collect();
        let mut lo: Vec<u32> = (0..n as u32).collect();
        let mut hi = lo.clone();
        for i in 0..n {
            let mut a = head[i];
            let mut steps = 0;
            while a != NO_TOKEN && steps < MAX_DEPTH {
                let a_ = a as usize;
                lo[a_] = lo[a_].min(i as u32);
                hi[a_] = hi[a_].max(i as u32);
                a = head[a_];
                steps += 1;
            }
        }
        let top = |edge: &[u32]| -> Vec<u32> {
            (0..n)
                .map(|i| {
                    let mut t = i as u32;
                    let mut steps = 0;
                    while steps < MAX_DEPTH {
                        let h = head[t as usize];
                        if h == NO_TOKEN || edge[h as usize] != i as u32 {
                            break;
                        }
                        t = h;
                        steps += 1;
                    }
                    t
                })
                .collect()
        };
        let lo_top = top(&lo);
        let hi_top = top(&hi);
        Syntax {
            head,
            rel,
            lo,
            hi,
            lo_top,
            hi_top,
        }
    }
}

/// How token `j` relates to a cue's syntactic head `h` in the tree.
#[derive(Clone, Copy)]
pub(super) struct DepPath {
    /// 0: no parse; 1: `j` is the head; 2 (3): `j` lies under a child of the head to its left
    /// (right); 4: `j` dominates the head; 7: `j` lies under another child of the head's
    /// parent ("The plan, he said, will fail"); 5: none of these, same sentence; 6: another
    /// sentence.
    pub kind: u64,
    /// The relation of the child of the head that `j` lies under (2, 3), of the head's
    /// ancestor just below `j` (4), of the parent's child that `j` lies under (7), of `j`
    /// itself (1, 5).
    pub rel: u64,
    /// Whether `j` opens (1), closes (2) or is all of (3) that child's subtree (kinds 2, 3, 7).
    pub edge: u64,
}

impl<'a> DocView<'a> {
    pub fn new(doc: &'a Doc) -> DocView<'a> {
        let n = doc.tokens.len();
        let lower: Vec<String> = (0..n)
            .map(|i| {
                let s = doc.token_text(i);
                // Apostrophe styles differ between publishers; one form keeps "’s" == "'s".
                let lower = s.to_lowercase();
                if lower.contains('’') {
                    lower.replace('’', "'")
                } else {
                    lower
                }
            })
            .collect();
        let mut lex: Vec<u8> = lower.iter().map(|w| lexicon_bits(w)).collect();
        let phrases = &LEXICON.phrases;
        for i in 0..n {
            if let Some(rests) = phrases.get(&lower[i]) {
                for rest in rests {
                    let end = i + 1 + rest.len();
                    if end <= n && rest.iter().zip(&lower[i + 1..end]).all(|(a, b)| a == b) {
                        lex[i] |= PHRASE_START;
                        for l in &mut lex[i + 1..end] {
                            *l |= IN_PHRASE;
                        }
                    }
                }
            }
        }
        let shapes = (0..n).map(|i| shape(doc, i)).collect();
        let mut sent_of = vec![0u32; n];
        for (si, s) in doc.sentences.iter().enumerate() {
            for t in s.tokens.clone() {
                if let Some(x) = sent_of.get_mut(t) {
                    *x = si as u32;
                }
            }
        }
        let tags = match &doc.tags {
            Some(t) if t.len() == n => t.iter().map(|u| hash_str(u.as_str())).collect(),
            _ => vec![hash_str("X"); n],
        };
        DocView {
            words: lower.iter().map(|w| hash_str(w)).collect(),
            stems: lower.iter().map(|w| hash_str(stem(w))).collect(),
            suffixes: lower.iter().map(|w| hash_str(suffix(w, 3))).collect(),
            tags,
            doc,
            lex,
            shapes,
            quote: quotes::regions(doc),
            sent_of,
            h_bos: hash_str("<s>"),
            h_eos: hash_str("</s>"),
            syn: Syntax::new(doc),
            partial: None,
        }
    }

    /// Parses, where the document came without a dependency layer, the sentences that hold
    /// one of `cues` and were not parsed yet. The features read the parse of the cue's own
    /// sentence only (a token in another sentence is just that), so this gives the model what
    /// a parse of the whole document would, for the sentences with a cue alone.
    pub(super) fn parse_cue_sentences(
        &mut self,
        parser: &crate::syntax::Syntax,
        cues: &[std::ops::Range<usize>],
    ) {
        let doc = self.doc;
        if doc.deps.is_some() || doc.tokens.is_empty() {
            return;
        }
        let (arcs, parsed) = self.partial.get_or_insert_with(|| {
            (
                vec![crate::syntax::root_arc(); doc.tokens.len()],
                vec![false; doc.sentences.len()],
            )
        });
        let mut changed = false;
        for c in cues {
            for t in c.clone() {
                let Some(&si) = self.sent_of.get(t) else {
                    continue;
                };
                let si = si as usize;
                if parsed.get(si).copied().unwrap_or(true) {
                    continue;
                }
                parsed[si] = true;
                parser.parse_sentence(doc, doc.sentences[si].tokens.clone(), arcs);
                changed = true;
            }
        }
        if changed {
            self.syn = Syntax::from_arcs(arcs);
        }
    }

    /// The syntactic head of tokens `start..end`: the first whose head lies outside them
    /// ("said" in "has said", "according" in "according to"); `fallback` without a parse.
    pub(super) fn span_head(&self, start: usize, end: usize, fallback: usize) -> usize {
        if self.syn.head.is_empty() {
            return fallback;
        }
        (start..end)
            .find(|&k| {
                let h = self.syn.head[k];
                h == NO_TOKEN || (h as usize) < start || (h as usize) >= end
            })
            .unwrap_or(fallback)
    }

    /// How token `j` relates to token `h` (a cue's head) in the dependency tree.
    pub(super) fn dep_path(&self, h: usize, j: usize) -> DepPath {
        let syn = &self.syn;
        if syn.head.is_empty() {
            return DepPath {
                kind: 0,
                rel: 0,
                edge: 0,
            };
        }
        if self.sent_of[j] != self.sent_of[h] {
            return DepPath {
                kind: 6,
                rel: 0,
                edge: 0,
            };
        }
        if j == h {
            return DepPath {
                kind: 1,
                rel: syn.rel[j],
                edge: 0,
            };
        }
        let parent = syn.head[h];
        let mut sibling = None;
        let (mut prev, mut a, mut steps) = (j, syn.head[j], 0);
        while a != NO_TOKEN && steps < MAX_DEPTH {
            if a == parent && sibling.is_none() {
                sibling = Some(prev);
            }
            if a as usize == h {
                return DepPath {
                    kind: if prev < h { 2 } else { 3 },
                    rel: syn.rel[prev],
                    edge: syn.edge(prev, j),
                };
            }
            prev = a as usize;
            a = syn.head[prev];
            steps += 1;
        }
        let (mut prev, mut a, mut steps) = (h, syn.head[h], 0);
        while a != NO_TOKEN && steps < MAX_DEPTH {
            if a as usize == j {
                return DepPath {
                    kind: 4,
                    rel: syn.rel[prev],
                    edge: 0,
                };
            }
            prev = a as usize;
            a = syn.head[prev];
            steps += 1;
        }
        match sibling {
            Some(k) => DepPath {
                kind: 7,
                rel: syn.rel[k],
                edge: syn.edge(k, j),
            },
            None => DepPath {
                kind: 5,
                rel: syn.rel[j],
                edge: 0,
            },
        }
    }

    /// The relation of token `i`, 0 without a parse.
    pub(super) fn rel(&self, i: usize) -> u64 {
        self.syn.rel.get(i).copied().unwrap_or(0)
    }

    #[inline]
    fn at(&self, xs: &[u64], i: isize) -> u64 {
        if i < 0 {
            self.h_bos
        } else {
            xs.get(i as usize).copied().unwrap_or(self.h_eos)
        }
    }

    #[inline]
    pub(super) fn tag(&self, i: isize) -> u64 {
        self.at(&self.tags, i)
    }

    #[inline]
    pub(super) fn w(&self, i: isize) -> u64 {
        self.at(&self.words, i)
    }
}

pub const CUE_LABELS: [&str; 3] = ["O", "B", "I"];

fn pos_bucket(k: usize) -> u64 {
    match k {
        0..=2 => k as u64,
        3..=5 => 3,
        6..=10 => 4,
        _ => 5,
    }
}

/// Features of token `i` (in sentence `range`) for the cue tagger, given the two previous labels.
pub fn cue_features(
    v: &DocView,
    range: &std::ops::Range<usize>,
    has_quote: bool,
    i: usize,
    p1: usize,
    p2: usize,
    out: &mut Vec<u64>,
) {
    out.clear();
    let ii = i as isize;
    let w = v.w(ii);
    let wm1 = v.w(ii - 1);
    let wp1 = v.w(ii + 1);
    let stem = v.stems[i];
    let lx = bits_code(v.lex[i]);
    let lp = phrase_code(v.lex[i]);
    let (l1, l2) = (p1 as u64, p2 as u64);
    let q = u64::from(v.quote[i] != 0);
    let lx_at = |k: usize| {
        if k >= range.start && k < range.end {
            bits_code(v.lex[k])
        } else if k < range.start {
            BOS
        } else {
            EOS
        }
    };
    let prev_lx = if i > range.start { lx_at(i - 1) } else { BOS };
    let prev_shape = if i > range.start {
        v.shapes[i - 1]
    } else {
        BOS
    };
    let prev2_shape = if i > range.start + 1 {
        v.shapes[i - 2]
    } else {
        BOS
    };
    let sh = v.shapes[i];
    let t0 = v.tag(ii);
    let tm1 = v.tag(ii - 1);
    let tp1 = v.tag(ii + 1);
    // Lookahead: cues start at auxiliaries and adverbs before the reporting word ("had
    // mocked", "is also encouraging"), which only the words ahead can tell.
    let (a1, a2, a3) = (lx_at(i + 1), lx_at(i + 2), lx_at(i + 3));
    let next_stem = if i + 1 < range.end {
        v.stems[i + 1]
    } else {
        v.h_eos
    };
    out.extend_from_slice(&[
        fx(0, &[]),
        fx(1, &[w]),
        fx(2, &[stem]),
        fx(3, &[lx, lp]),
        fx(4, &[wm1]),
        fx(5, &[wp1]),
        fx(6, &[v.w(ii - 2)]),
        fx(7, &[v.w(ii + 2)]),
        fx(8, &[wm1, w]),
        fx(9, &[w, wp1]),
        fx(10, &[l1]),
        fx(11, &[l1, l2]),
        fx(12, &[l1, w]),
        fx(13, &[sh]),
        fx(14, &[q, lx]),
        fx(15, &[prev_shape, prev2_shape, lx]),
        fx(16, &[prev_lx, lx, a1]),
        fx(17, &[u64::from(has_quote), lx, q]),
        fx(18, &[pos_bucket(i - range.start), lx]),
        fx(19, &[wm1, stem]),
        fx(20, &[l1, stem]),
        fx(21, &[stem, wp1]),
        fx(22, &[l1, lx, lp]),
        fx(23, &[sh, prev_shape, l1]),
        fx(24, &[v.suffixes[i]]),
        fx(25, &[w, a1]),
        fx(26, &[w, a2]),
        fx(27, &[w, next_stem]),
        fx(28, &[l1, w, a1]),
        fx(29, &[w, a1, a2, a3]),
        fx(30, &[l1, wp1]),
        fx(31, &[t0]),
        fx(32, &[t0, lx]),
        fx(33, &[tm1, t0]),
        fx(34, &[t0, tp1]),
        fx(35, &[l1, t0]),
        fx(36, &[w, tp1]),
        fx(37, &[t0, stem]),
        fx(38, &[t0, tp1, v.tag(ii + 2)]),
    ]);
}

/// Features of token `i` for the cue filter: a few of the cue tagger's, enough to tell the
/// many tokens that are no cue from the few that may be.
pub fn cue_filter_features(v: &DocView, i: usize, out: &mut Vec<u64>) {
    out.clear();
    let ii = i as isize;
    let lp = phrase_code(v.lex[i]);
    out.extend_from_slice(&[
        fx(40, &[]),
        fx(41, &[v.w(ii)]),
        fx(42, &[v.stems[i]]),
        fx(43, &[bits_code(v.lex[i]), lp]),
        fx(44, &[v.tag(ii)]),
        fx(45, &[v.w(ii - 1), v.w(ii)]),
        fx(46, &[v.w(ii), v.w(ii + 1)]),
        fx(47, &[v.tag(ii), v.tag(ii + 1)]),
        fx(48, &[v.suffixes[i]]),
        fx(49, &[v.tag(ii - 1), v.tag(ii)]),
    ]);
}

fn suffix(w: &str, n: usize) -> &str {
    let k = w
        .char_indices()
        .rev()
        .nth(n - 1)
        .map(|(k, _)| k)
        .unwrap_or(0);
    &w[k..]
}

/// Role labels; the last, "K", is only ever history: the cue's own tokens.
pub const ROLE_LABELS: [&str; 4] = ["O", "S", "C", "K"];

pub(super) fn dist_bucket(d: usize) -> u64 {
    match d {
        0..=3 => d as u64,
        4..=5 => 4,
        6..=9 => 5,
        10..=19 => 6,
        20..=39 => 7,
        _ => 8,
    }
}

/// What a role token sees of one cue: its token range and the precomputed context.
pub struct CueContext {
    pub start: usize,
    pub end: usize,
    pub head: u64,
    pub before: u64,
    pub after: u64,
    pub quote: u32,
    pub sent: u32,
    /// The cue's syntactic head token and how it attaches ("ccomp" for a cue inside
    /// another's content, "acl" for "officials who said").
    pub syn: usize,
    pub syn_rel: u64,
}

impl CueContext {
    pub fn new(v: &DocView, start: usize, end: usize) -> CueContext {
        // The head is the first word the lexicon knows, else the last word: "according" in
        // "according to", "said" in "has said".
        let head = (start..end)
            .find(|&k| v.lex[k] & (VERB | NOUN | PHRASE_START) != 0)
            .unwrap_or(end.saturating_sub(1).max(start));
        let syn = v.span_head(start, end, head);
        CueContext {
            syn,
            syn_rel: v.rel(syn),
            start,
            end,
            head: v.stems[head],
            before: v.w(start as isize - 1),
            after: v.w(end as isize),
            quote: v.quote[start],
            sent: v.sent_of[start],
        }
    }
}

/// Running counts between a token and the cue, filled by the caller as it walks the window.
#[derive(Clone, Copy, Default)]
pub struct Between {
    pub commas: usize,
    pub other_cue: bool,
    pub in_other_cue: bool,
}

/// Features of token `j` for the role tagger relative to cue `c`.
pub fn role_features(
    v: &DocView,
    c: &CueContext,
    j: usize,
    between: Between,
    p1: usize,
    p2: usize,
    out: &mut Vec<u64>,
) {
    out.clear();
    let (rel, d) = if j < c.start {
        (1u64, c.start - j)
    } else {
        (2u64, j + 1 - c.end)
    };
    let d = dist_bucket(d);
    let srel = match v.sent_of[j] as i64 - c.sent as i64 {
        0 => 0,
        -1 => 1,
        1 => 2,
        k if k < 0 => 3,
        _ => 4,
    };
    let jj = j as isize;
    let w = v.w(jj);
    let wm1 = v.w(jj - 1);
    let wp1 = v.w(jj + 1);
    let sh = v.shapes[j];
    let (l1, l2) = (p1 as u64, p2 as u64);
    let q = match (v.quote[j] != 0, c.quote != 0, v.quote[j] == c.quote) {
        (false, false, _) => 0,
        (true, false, _) => 1,
        (false, true, _) => 2,
        (true, true, true) => 3,
        (true, true, false) => 4,
    };
    let commas = between.commas.min(3) as u64;
    let other = if between.in_other_cue {
        2
    } else {
        u64::from(between.other_cue)
    };
    let sent = &v.doc.sentences[v.sent_of[j] as usize].tokens;
    let edge = if j == sent.start {
        0
    } else if j + 1 == sent.end {
        1
    } else if j + 2 == sent.end {
        2
    } else {
        3
    };
    let lx = bits_code(v.lex[j]);
    let t0 = v.tag(jj);
    let next_shape = v.shapes.get(j + 1).copied().unwrap_or(EOS);
    let prev_shape = if j > 0 { v.shapes[j - 1] } else { BOS };
    out.extend_from_slice(&[
        fx(100, &[rel]),
        fx(101, &[rel, d]),
        fx(102, &[rel, d, srel]),
        fx(103, &[w]),
        fx(104, &[rel, w]),
        fx(105, &[rel, c.head]),
        fx(106, &[rel, c.head, d]),
        fx(107, &[rel, wm1]),
        fx(108, &[rel, wp1]),
        fx(109, &[rel, sh]),
        fx(110, &[l1, rel]),
        fx(111, &[l1, l2, rel]),
        fx(112, &[l1, w]),
        fx(113, &[l1, rel, d]),
        fx(114, &[q, rel]),
        fx(115, &[q, rel, l1]),
        fx(116, &[rel, commas]),
        fx(117, &[rel, commas, l1]),
        fx(118, &[other, rel, l1]),
        fx(119, &[other, rel, d]),
        fx(120, &[srel, q, l1]),
        fx(121, &[edge, rel, l1]),
        fx(122, &[edge, sh, l1]),
        fx(123, &[rel, c.before, d]),
        fx(124, &[rel, c.after, d]),
        fx(125, &[rel, lx, l1]),
        fx(126, &[rel, sh, next_shape, l1]),
        fx(127, &[rel, c.head, l1]),
        fx(128, &[rel, v.stems[j], d]),
        fx(129, &[rel, wm1, w]),
        fx(130, &[rel, c.after, l1]),
        fx(131, &[rel, c.before, l1]),
        // Where the sentence ends matters for where content ends.
        fx(132, &[rel, l1, dist_bucket(sent.end - j)]),
        fx(133, &[rel, l1, dist_bucket(j - sent.start)]),
        fx(134, &[rel, l1, w]),
        fx(135, &[rel, l1, sh, prev_shape]),
        fx(136, &[rel, t0, l1]),
        fx(137, &[rel, v.tag(jj - 1), t0, l1]),
        fx(138, &[rel, t0, v.tag(jj + 1), l1]),
        fx(139, &[rel, d, t0]),
    ]);
    // Syntax: the clause under the cue's verb is its content, the subject its source; which
    // child of the cue a token hangs under, and whether it opens or closes that child's
    // phrase, is what the surface features above only approximate.
    let p = v.dep_path(c.syn, j);
    if p.kind != 0 {
        out.extend_from_slice(&[
            fx(140, &[p.kind, p.rel]),
            fx(141, &[p.kind, p.rel, l1]),
            fx(142, &[p.kind, p.rel, p.edge, l1]),
            fx(143, &[p.kind, p.rel, c.head]),
            fx(144, &[p.kind, p.rel, c.syn_rel]),
            fx(145, &[p.kind, p.rel, t0, l1]),
        ]);
    }
}
