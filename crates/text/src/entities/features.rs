//! Labels and features of the entity tagger, shared by training (in `eval`) and prediction.
//!
//! The tagger labels tokens BIO over eight types; BIO rather than BILOU keeps the class count,
//! and so every feature row of the model, at 17 weights. Per-token facts (word, shape, affixes,
//! tag, gazetteer position, list memberships) are hashed once per document into a [`TokInfo`];
//! the per-position features are then cheap integer mixes of those hashes, so extraction does
//! no allocation and no string work per feature.

use super::gazetteer::{token_hash, Gazetteer, Kind, Match};
use crate::doc::{Doc, EntityType, TokenKind};

/// The entity types the statistical tagger predicts; ACCOUNT and VESSEL come from rules.
pub const TYPES: [EntityType; 8] = [
    EntityType::Person,
    EntityType::Org,
    EntityType::Gpe,
    EntityType::Loc,
    EntityType::Norp,
    EntityType::Fac,
    EntityType::Event,
    EntityType::Product,
];

/// Classes: 0 is O, `1 + 2k` is B of `TYPES[k]`, `2 + 2k` is I of it.
pub const N_CLASSES: usize = 1 + 2 * TYPES.len();

pub fn begin(k: usize) -> u8 {
    (1 + 2 * k) as u8
}

pub fn inside(k: usize) -> u8 {
    (2 + 2 * k) as u8
}

/// The type index of a non-O class.
pub fn type_of(class: u8) -> Option<usize> {
    (class != 0).then(|| usize::from(class - 1) / 2)
}

pub fn type_index(t: EntityType) -> Option<usize> {
    TYPES.iter().position(|&x| x == t)
}

/// BIO well-formedness: I-X only continues B-X or I-X.
pub fn allowed(prev: u8, cur: u8) -> bool {
    cur == 0 || cur % 2 == 1 || (prev != 0 && type_of(prev) == type_of(cur))
}

/// The best class that may follow `prev`.
pub fn best_allowed(scores: &[f32], prev: u8) -> u8 {
    let mut best = 0u8;
    let mut best_score = f32::NEG_INFINITY;
    for (c, &s) in scores.iter().enumerate() {
        let c = c as u8;
        if s > best_score && allowed(prev, c) {
            best = c;
            best_score = s;
        }
    }
    best
}

const CAP: u16 = 1;
const TITLE: u16 = 2;
const ORG_WORD: u16 = 4;
const ORG_SUFFIX: u16 = 8;
const ALL_CAPS: u16 = 16;
const SENT_START: u16 = 32;
const HEADLINE: u16 = 64;
const VESSEL: u16 = 128;
const HASHTAG: u16 = 1024;
const SPECIAL: u16 = 256;
/// Starts with a lower-case letter or is punctuation: such a token almost never begins a name.
const PLAIN: u16 = 512;

/// Hashed facts about one token.
#[derive(Clone, Copy, Debug, Default)]
pub struct TokInfo {
    word: u64,
    shape: u64,
    prefix: u64,
    suffix: u64,
    tag: u8,
    /// Gazetteer kind and position: `kind * 4 + pos`, pos 1 begin, 2 inside, 3 single; 0 none.
    gaz: u8,
    flags: u16,
}

/// Per-document facts for the tagger.
pub struct Prepared {
    pub infos: Vec<TokInfo>,
    /// Leftmost-longest gazetteer matches, sentence by sentence, in text order: the one scan of
    /// the document that both the features and the rules after decoding read.
    pub matches: Vec<Match>,
}

impl Prepared {
    /// Whether token `i` after a token labelled `prev` is O without asking the model: links,
    /// handles and e-mail addresses are never part of a tagged name (ACCOUNT is a rule), and a
    /// lower-case word or punctuation outside a name and outside every gazetteer name does not
    /// start one. Most tokens of a news text are such, and skipping the model on them is most
    /// of the tagger's speed; training applies the same gate, so the model never learns to
    /// count on them.
    /// Token `i` is a capitalized title ("Ambassador").
    pub fn is_title(&self, i: usize) -> bool {
        self.infos[i].flags & TITLE != 0
    }

    /// Token `i` is a capitalized organization keyword ("Embassy").
    pub fn is_org_keyword(&self, i: usize) -> bool {
        self.infos[i].flags & ORG_WORD != 0
    }

    /// Token `i` is a vessel noun ("warship").
    pub fn is_vessel_word(&self, i: usize) -> bool {
        self.infos[i].flags & VESSEL != 0
    }

    #[inline]
    pub fn certainly_outside(&self, i: usize, prev: u8) -> bool {
        let f = self.infos[i];
        f.flags & SPECIAL != 0 && f.flags & HASHTAG == 0
            || (prev == 0 && f.flags & PLAIN != 0 && f.gaz == 0)
    }
}

fn fnv(h: u64, b: u8) -> u64 {
    (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
}

const FNV0: u64 = 0xcbf2_9ce4_8422_2325;

/// Lower-cased text with digits folded to 0, hashed: "2024" and "1999" share a feature.
fn word_hash(s: &str) -> u64 {
    let mut h = FNV0;
    if s.is_ascii() {
        // Most tokens: byte-wise, without the general case's char decoding.
        for &b in s.as_bytes() {
            let b = if b.is_ascii_digit() {
                b'0'
            } else {
                b.to_ascii_lowercase()
            };
            h = fnv(h, b);
        }
        return h;
    }
    for c in s.chars() {
        let c = if c.is_ascii_digit() {
            '0'
        } else if c == '\u{2019}' {
            '\''
        } else {
            c
        };
        for lc in c.to_lowercase() {
            let mut buf = [0u8; 4];
            for &b in lc.encode_utf8(&mut buf).as_bytes() {
                h = fnv(h, b);
            }
        }
    }
    h
}

/// Word shape with runs collapsed ("Hong-kyun" -> "Xx-x", "NDTV" -> "X", "2024" -> "d").
fn shape_hash(s: &str) -> u64 {
    let mut h = FNV0;
    let mut last = 0u8;
    let mut n = 0;
    for c in s.chars() {
        let k = if c.is_uppercase() {
            b'X'
        } else if c.is_lowercase() {
            b'x'
        } else if c.is_numeric() {
            b'd'
        } else if c.is_ascii() {
            c as u8
        } else {
            b'?'
        };
        if k != last {
            h = fnv(h, k);
            last = k;
            n += 1;
            if n > 6 {
                break;
            }
        }
    }
    h
}

/// Hash of the first or last three characters, lower-cased.
fn affix_hash(s: &str, suffix: bool) -> u64 {
    let mut h = if suffix { FNV0 ^ 1 } else { FNV0 };
    if s.is_ascii() {
        let b = s.as_bytes();
        let part = if suffix {
            &b[b.len().saturating_sub(3)..]
        } else {
            &b[..b.len().min(3)]
        };
        for &c in part {
            h = fnv(h, c.to_ascii_lowercase());
        }
        return h;
    }
    let n = s.chars().count();
    let skip = if suffix { n.saturating_sub(3) } else { 0 };
    for c in s.chars().skip(skip).take(3) {
        for lc in c.to_lowercase() {
            let mut buf = [0u8; 4];
            for &b in lc.encode_utf8(&mut buf).as_bytes() {
                h = fnv(h, b);
            }
        }
    }
    h
}

fn gaz_kind_code(kind: Kind, population: u64) -> u8 {
    match kind {
        Kind::Country => 1,
        Kind::State => 2,
        Kind::City if population >= 1_000_000 => 3,
        Kind::City if population >= 100_000 => 4,
        Kind::City => 5,
        Kind::Continent => 6,
        Kind::Region => 7,
        Kind::Demonym => 8,
        Kind::Org => 9,
    }
}

impl Prepared {
    /// Computes token facts for every sentence of `doc` (tokens, sentences and, if present,
    /// tags).
    pub fn new(doc: &Doc) -> Prepared {
        let g = Gazetteer::get();
        let mut infos = vec![TokInfo::default(); doc.tokens.len()];
        let mut hashes = Vec::with_capacity(doc.tokens.len());
        let tags = doc.tags.as_deref();
        for (i, info) in infos.iter_mut().enumerate() {
            let t = &doc.tokens[i];
            let s = &doc.text[t.start..t.end];
            info.word = word_hash(s);
            info.shape = shape_hash(s);
            info.prefix = affix_hash(s, false);
            info.suffix = affix_hash(s, true);
            info.tag = tags.and_then(|t| t.get(i)).map_or(255, |u| u.index() as u8);
            let h = token_hash(s);
            hashes.push(h);
            let lists = g.word_lists(h);
            let mut f = 0;
            if s.chars().next().is_some_and(char::is_uppercase) {
                f |= CAP;
                if s.chars().count() > 1 && !s.chars().any(char::is_lowercase) {
                    f |= ALL_CAPS;
                }
                if lists.title {
                    f |= TITLE;
                }
                if lists.org_keyword {
                    f |= ORG_WORD;
                }
            }
            if lists.org_suffix {
                f |= ORG_SUFFIX;
            }
            if lists.vessel {
                f |= VESSEL;
            }
            if matches!(
                t.kind,
                TokenKind::Url | TokenKind::Email | TokenKind::Handle | TokenKind::Hashtag
            ) {
                f |= SPECIAL;
            }
            if t.kind == TokenKind::Hashtag {
                f |= HASHTAG;
            }
            if s.chars().next().is_some_and(char::is_lowercase)
                || matches!(
                    t.kind,
                    TokenKind::Punct | TokenKind::Quote | TokenKind::Dash | TokenKind::Symbol
                )
            {
                f |= PLAIN;
            }
            info.flags = f;
        }
        let mut matches = Vec::new();
        let mut sent_matches = Vec::new();
        for sent in &doc.sentences {
            let r = sent.tokens.clone();
            if r.is_empty() || r.end > infos.len() {
                continue;
            }
            infos[r.start].flags |= SENT_START;
            // Headlines and all-caps lines capitalize every word, which makes case a weak cue.
            let words = r
                .clone()
                .filter(|&i| doc.tokens[i].kind == TokenKind::Word)
                .count();
            let caps = r.clone().filter(|&i| infos[i].flags & CAP != 0).count();
            if words >= 4 && caps * 10 >= words * 7 {
                for info in &mut infos[r.clone()] {
                    info.flags |= HEADLINE;
                }
            }
            sent_matches.clear();
            g.scan_hashed(doc, &hashes, r.start, r.end, &mut sent_matches);
            for m in &sent_matches {
                let code = gaz_kind_code(m.entry.kind, m.entry.population) * 4;
                if m.end - m.start == 1 {
                    infos[m.start].gaz = code + 3;
                } else {
                    infos[m.start].gaz = code + 1;
                    for info in &mut infos[m.start + 1..m.end] {
                        info.gaz = code + 2;
                    }
                }
            }
            matches.extend_from_slice(&sent_matches);
        }
        Prepared { infos, matches }
    }
}

fn mix(template: u16, a: u64, b: u64) -> u64 {
    let mut h = u64::from(template)
        .wrapping_mul(0x9e37_79b9_7f4a_7c15)
        .wrapping_add(a);
    h ^= h >> 31;
    h = h.wrapping_mul(0xbf58_476d_1ce4_e5b9).wrapping_add(b);
    h ^= h >> 29;
    h = h.wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^ (h >> 32)
}

const PAD_BEFORE: TokInfo = TokInfo {
    word: 1,
    shape: 1,
    prefix: 1,
    suffix: 1,
    tag: 254,
    gaz: 0,
    flags: 0,
};
const PAD_AFTER: TokInfo = TokInfo {
    word: 2,
    shape: 2,
    prefix: 2,
    suffix: 2,
    tag: 253,
    gaz: 0,
    flags: 0,
};

/// The five features that depend on the previous labels. They are kept apart from the context
/// features so that a decoder weighing several histories (a beam) scores the context once.
pub const N_LABEL_FEATURES: usize = 5;

/// Features of token `i` in the sentence of tokens `start..end`, given the two previous labels;
/// written into `out` (cleared first).
pub fn features(
    p: &Prepared,
    start: usize,
    end: usize,
    i: usize,
    prev: u8,
    prev2: u8,
    out: &mut Vec<u64>,
) {
    context_features(p, start, end, i, out);
    let mut labels = [0u64; N_LABEL_FEATURES];
    label_features(p, i, prev, prev2, &mut labels);
    out.extend_from_slice(&labels);
}

fn window(p: &Prepared, start: usize, end: usize, i: usize, k: isize) -> TokInfo {
    let j = i as isize + k;
    if j < start as isize {
        PAD_BEFORE
    } else if j >= end as isize {
        PAD_AFTER
    } else {
        p.infos[j as usize]
    }
}

/// The features of token `i` that do not depend on earlier labels; written into `out`
/// (cleared first).
pub fn context_features(p: &Prepared, start: usize, end: usize, i: usize, out: &mut Vec<u64>) {
    out.clear();
    let at = |k: isize| window(p, start, end, i, k);
    let (m2, m1, c, p1, p2) = (at(-2), at(-1), at(0), at(1), at(2));
    let head = u64::from(c.flags & HEADLINE != 0);
    let start_flag = u64::from(c.flags & SENT_START != 0);
    out.extend_from_slice(&[
        mix(1, 0, 0),
        mix(2, c.word, 0),
        mix(3, m1.word, 0),
        mix(4, p1.word, 0),
        mix(5, m2.word, 0),
        mix(6, p2.word, 0),
        mix(7, c.shape, head),
        mix(8, m1.shape, c.shape),
        mix(9, c.shape, p1.shape),
        mix(10, c.suffix, 0),
        mix(11, c.prefix, 0),
        mix(12, u64::from(c.tag), 0),
        mix(13, u64::from(m1.tag), u64::from(c.tag)),
        mix(14, u64::from(c.tag), u64::from(p1.tag)),
        mix(19, u64::from(c.gaz), u64::from(c.flags & (CAP | HEADLINE))),
        mix(20, u64::from(m1.gaz), u64::from(c.gaz)),
        mix(21, u64::from(c.gaz), u64::from(p1.gaz)),
        mix(22, u64::from(m1.flags & TITLE), u64::from(c.flags & CAP)),
        mix(
            23,
            u64::from(c.flags & (ORG_WORD | ORG_SUFFIX)),
            u64::from(p1.flags & (ORG_WORD | ORG_SUFFIX | CAP)),
        ),
        mix(
            24,
            u64::from(p2.flags & (ORG_WORD | ORG_SUFFIX)),
            u64::from(p1.flags & CAP) | (u64::from(c.flags & CAP) << 8),
        ),
        mix(25, m1.word, c.word),
        mix(26, c.word, p1.word),
        mix(27, start_flag, c.word),
        mix(
            28,
            u64::from(c.flags & (CAP | ALL_CAPS | SENT_START | SPECIAL)),
            u64::from(p1.flags & VESSEL),
        ),
    ]);
}

/// The features of token `i` that depend on the two previous labels.
pub fn label_features(
    p: &Prepared,
    i: usize,
    prev: u8,
    prev2: u8,
    out: &mut [u64; N_LABEL_FEATURES],
) {
    let c = p.infos[i];
    let pl = u64::from(prev);
    let pl2 = u64::from(prev2);
    *out = [
        mix(15, pl, 0),
        mix(16, pl, pl2),
        mix(17, pl, c.word),
        mix(18, pl, c.shape),
        mix(29, pl, u64::from(c.gaz)),
    ];
}
