//! Features for the two attribution taggers, computed from tokens, sentences, quotation
//! regions and the cue lexicon only.
//!
//! Part-of-speech tags are used when the document has them (they mark the verb that is the cue
//! and the noun phrase that is the source); without them every tag reads "X" and the model
//! still works, worse. The tags the model was trained on are those of the committed POS model,
//! so retrain attribution after retraining the tagger.
//!
//! Everything per token that does not depend on the cue is computed once per document in a
//! [`DocView`]; per-cue features are then cheap hash combinations of precomputed strings.

use super::quotes;
use crate::doc::{Doc, TokenKind};
use crate::lexicon::parse_sections;
use crate::perceptron::feature;
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

fn shape(doc: &Doc, i: usize) -> &'static str {
    let t = &doc.tokens[i];
    match t.kind {
        TokenKind::Quote => "Q",
        TokenKind::Dash => "-",
        TokenKind::Number => "d",
        TokenKind::Punct => match doc.token_text(i) {
            "," => ",",
            "." | "!" | "?" => ".",
            ":" | ";" => ":",
            "(" | ")" | "[" | "]" => "(",
            _ => "p",
        },
        TokenKind::Word => {
            let s = doc.token_text(i);
            let mut cs = s.chars();
            let first_upper = cs.next().is_some_and(char::is_uppercase);
            if !first_upper {
                "x"
            } else if s.chars().all(|c| !c.is_lowercase()) && s.chars().count() > 1 {
                "XX"
            } else {
                "Xx"
            }
        }
        TokenKind::Handle => "@",
        _ => "o",
    }
}

fn bits_str(b: u8) -> &'static str {
    // Only the classes that matter for cueing, in a fixed order, as a small closed set.
    match (b & VERB != 0, b & NOUN != 0, b & SPEAKER != 0) {
        (true, true, _) => "VN",
        (true, false, _) => "V",
        (false, true, _) => "N",
        (false, false, true) => "S",
        _ => "-",
    }
}

/// Per-document precomputation shared by both taggers.
pub struct DocView<'a> {
    pub doc: &'a Doc,
    pub lower: Vec<String>,
    pub stems: Vec<String>,
    pub lex: Vec<u8>,
    pub shapes: Vec<&'static str>,
    pub quote: Vec<u32>,
    pub sent_of: Vec<u32>,
    /// UPOS tags when the tagger ran, else "X" everywhere.
    pub tags: Vec<&'static str>,
}

impl<'a> DocView<'a> {
    pub fn new(doc: &'a Doc) -> DocView<'a> {
        let n = doc.tokens.len();
        let lower: Vec<String> = (0..n)
            .map(|i| {
                let s = doc.token_text(i);
                // Apostrophe styles differ between publishers; one form keeps "’s" == "'s".
                s.to_lowercase().replace('’', "'")
            })
            .collect();
        let stems = lower.iter().map(|w| stem(w).to_string()).collect();
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
            Some(t) if t.len() == n => t.iter().map(|u| u.as_str()).collect(),
            _ => vec!["X"; n],
        };
        DocView {
            tags,
            doc,
            lower,
            stems,
            lex,
            shapes,
            quote: quotes::regions(doc),
            sent_of,
        }
    }

    fn tag(&self, i: isize) -> &'static str {
        if i < 0 {
            "<s>"
        } else {
            self.tags.get(i as usize).copied().unwrap_or("</s>")
        }
    }

    fn w(&self, i: isize) -> &str {
        if i < 0 {
            "<s>"
        } else {
            self.lower
                .get(i as usize)
                .map(String::as_str)
                .unwrap_or("</s>")
        }
    }
}

pub const CUE_LABELS: [&str; 3] = ["O", "B", "I"];

fn pos_bucket(k: usize) -> &'static str {
    match k {
        0 => "0",
        1 => "1",
        2 => "2",
        3..=5 => "3-5",
        6..=10 => "6-10",
        _ => "11+",
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
    let stem = v.stems[i].as_str();
    let lx = bits_str(v.lex[i]);
    let lp = if v.lex[i] & PHRASE_START != 0 {
        "P"
    } else if v.lex[i] & IN_PHRASE != 0 {
        "p"
    } else {
        "-"
    };
    let l1 = CUE_LABELS[p1];
    let l2 = CUE_LABELS[p2];
    let q = if v.quote[i] != 0 { "q" } else { "-" };
    let prev_lx = if i > range.start {
        bits_str(v.lex[i - 1])
    } else {
        "<s>"
    };
    let next_lx = if i + 1 < range.end {
        bits_str(v.lex[i + 1])
    } else {
        "</s>"
    };
    let prev_shape = if i > range.start {
        v.shapes[i - 1]
    } else {
        "<s>"
    };
    let prev2_shape = if i > range.start + 1 {
        v.shapes[i - 2]
    } else {
        "<s>"
    };
    out.extend_from_slice(&[
        feature(0, &[]),
        feature(1, &[w]),
        feature(2, &[stem]),
        feature(3, &[lx, lp]),
        feature(4, &[wm1]),
        feature(5, &[wp1]),
        feature(6, &[v.w(ii - 2)]),
        feature(7, &[v.w(ii + 2)]),
        feature(8, &[wm1, w]),
        feature(9, &[w, wp1]),
        feature(10, &[l1]),
        feature(11, &[l1, l2]),
        feature(12, &[l1, w]),
        feature(13, &[v.shapes[i]]),
        feature(14, &[q, lx]),
        feature(15, &[prev_shape, prev2_shape, lx]),
        feature(16, &[prev_lx, lx, next_lx]),
        feature(17, &[if has_quote { "hq" } else { "nq" }, lx, q]),
        feature(18, &[pos_bucket(i - range.start), lx]),
        feature(19, &[wm1, stem]),
        feature(20, &[l1, stem]),
        feature(21, &[stem, wp1]),
        feature(22, &[l1, lx, lp]),
        feature(23, &[v.shapes[i], prev_shape, l1]),
    ]);
    let suf = suffix(w, 3);
    // Lookahead: cues start at auxiliaries and adverbs before the reporting word ("had
    // mocked", "is also encouraging"), which only the words ahead can tell.
    let ahead = |k: usize| {
        if i + k < range.end {
            bits_str(v.lex[i + k])
        } else {
            "</s>"
        }
    };
    let next_stem = if i + 1 < range.end {
        v.stems[i + 1].as_str()
    } else {
        "</s>"
    };
    out.extend_from_slice(&[
        feature(24, &[suf]),
        feature(25, &[w, ahead(1)]),
        feature(26, &[w, ahead(2)]),
        feature(27, &[w, next_stem]),
        feature(28, &[l1, w, ahead(1)]),
        feature(29, &[w, ahead(1), ahead(2), ahead(3)]),
        feature(30, &[l1, wp1]),
        feature(31, &[v.tag(ii)]),
        feature(32, &[v.tag(ii), lx]),
        feature(33, &[v.tag(ii - 1), v.tag(ii)]),
        feature(34, &[v.tag(ii), v.tag(ii + 1)]),
        feature(35, &[l1, v.tag(ii)]),
        feature(36, &[w, v.tag(ii + 1)]),
        feature(37, &[v.tag(ii), stem]),
        feature(38, &[v.tag(ii), v.tag(ii + 1), v.tag(ii + 2)]),
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

fn dist_bucket(d: usize) -> &'static str {
    match d {
        0 => "0",
        1 => "1",
        2 => "2",
        3 => "3",
        4..=5 => "4-5",
        6..=9 => "6-9",
        10..=19 => "10-19",
        20..=39 => "20-39",
        _ => "40+",
    }
}

/// What a role token sees of one cue: its token range and the precomputed context.
pub struct CueContext<'s> {
    pub start: usize,
    pub end: usize,
    pub head: &'s str,
    pub before: &'s str,
    pub after: &'s str,
    pub quote: u32,
    pub sent: u32,
}

impl<'s> CueContext<'s> {
    pub fn new(v: &'s DocView, start: usize, end: usize) -> CueContext<'s> {
        // The head is the first word the lexicon knows, else the last word: "according" in
        // "according to", "said" in "has said".
        let head = (start..end)
            .find(|&k| v.lex[k] & (VERB | NOUN | PHRASE_START) != 0)
            .unwrap_or(end.saturating_sub(1).max(start));
        CueContext {
            start,
            end,
            head: v.stems[head].as_str(),
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
        ("L", c.start - j)
    } else {
        ("R", j + 1 - c.end)
    };
    let d = dist_bucket(d);
    let srel = match v.sent_of[j] as i64 - c.sent as i64 {
        0 => "0",
        -1 => "-1",
        1 => "+1",
        k if k < 0 => "-2",
        _ => "+2",
    };
    let jj = j as isize;
    let w = v.w(jj);
    let wm1 = v.w(jj - 1);
    let wp1 = v.w(jj + 1);
    let sh = v.shapes[j];
    let l1 = ROLE_LABELS[p1];
    let l2 = ROLE_LABELS[p2];
    let q = match (v.quote[j] != 0, c.quote != 0, v.quote[j] == c.quote) {
        (false, false, _) => "--",
        (true, false, _) => "q-",
        (false, true, _) => "-q",
        (true, true, true) => "qq=",
        (true, true, false) => "qq",
    };
    let commas = match between.commas {
        0 => "0",
        1 => "1",
        2 => "2",
        _ => "3+",
    };
    let other = if between.in_other_cue {
        "in"
    } else if between.other_cue {
        "bt"
    } else {
        "no"
    };
    let sent = &v.doc.sentences[v.sent_of[j] as usize].tokens;
    let edge = if j == sent.start {
        "first"
    } else if j + 1 == sent.end {
        "last"
    } else if j + 2 == sent.end {
        "last2"
    } else {
        "mid"
    };
    let lx = bits_str(v.lex[j]);
    out.extend_from_slice(&[
        feature(100, &[rel]),
        feature(101, &[rel, d]),
        feature(102, &[rel, d, srel]),
        feature(103, &[w]),
        feature(104, &[rel, w]),
        feature(105, &[rel, c.head]),
        feature(106, &[rel, c.head, d]),
        feature(107, &[rel, wm1]),
        feature(108, &[rel, wp1]),
        feature(109, &[rel, sh]),
        feature(110, &[l1, rel]),
        feature(111, &[l1, l2, rel]),
        feature(112, &[l1, w]),
        feature(113, &[l1, rel, d]),
        feature(114, &[q, rel]),
        feature(115, &[q, rel, l1]),
        feature(116, &[rel, commas]),
        feature(117, &[rel, commas, l1]),
        feature(118, &[other, rel, l1]),
        feature(119, &[other, rel, d]),
        feature(120, &[srel, q, l1]),
        feature(121, &[edge, rel, l1]),
        feature(122, &[edge, sh, l1]),
        feature(123, &[rel, c.before, d]),
        feature(124, &[rel, c.after, d]),
        feature(125, &[rel, lx, l1]),
        feature(
            126,
            &[rel, sh, v.shapes.get(j + 1).copied().unwrap_or("</s>"), l1],
        ),
        feature(127, &[rel, c.head, l1]),
        feature(128, &[rel, v.stems[j].as_str(), d]),
        feature(129, &[rel, wm1, w]),
        feature(130, &[rel, c.after, l1]),
        feature(131, &[rel, c.before, l1]),
        // Where the sentence ends matters for where content ends.
        feature(132, &[rel, l1, dist_bucket(sent.end - j)]),
        feature(133, &[rel, l1, dist_bucket(j - sent.start)]),
        feature(134, &[rel, l1, w]),
        feature(
            135,
            &[rel, l1, sh, if j > 0 { v.shapes[j - 1] } else { "<s>" }],
        ),
        feature(136, &[rel, v.tag(jj), l1]),
        feature(137, &[rel, v.tag(jj - 1), v.tag(jj), l1]),
        feature(138, &[rel, v.tag(jj), v.tag(jj + 1), l1]),
        feature(139, &[rel, d, v.tag(jj)]),
    ]);
}
