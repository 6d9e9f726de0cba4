//! Greedy transition-based dependency parser (Universal Dependencies, English).
//!
//! What: per word, its syntactic head (or none, for the root) and a coarse UD relation
//! ([`Deprel`], the universal label before any `:` subtype), from words and UPOS tags. The
//! attribution component reads it for syntactic features (who is the subject of "said", what is
//! its clausal complement).
//!
//! Why this design: one left-to-right pass of the arc-hybrid system (Kuhlmann et al. 2011),
//! each step chosen by an averaged perceptron ([`crate::perceptron`]) over Zhang & Nivre (2011)
//! style templates. Greedy decoding makes time linear in the sentence (a 5,000-token run-on
//! line costs what 5,000 words of short sentences cost) and keeps the parser fast enough to
//! run on every sentence of every article. Training uses the dynamic oracle of Goldberg &
//! Nivre (2013): the parser follows its own predictions, mistakes included, and learns the
//! best move from wherever it ends up, which is what it faces at prediction time (+1.0 UAS
//! over the static oracle on EWT dev).
//!
//! - The model picks among three unlabeled moves (shift, left-arc, right-arc); a second, small
//!   perceptron labels each arc the moment it is made. In arc-hybrid a word gets its head only
//!   once all its own dependents are attached, so the labeler sees the dependent complete
//!   ("to" under it: xcomp; a subject under it: ccomp), and the labels it gives feed the
//!   features of later moves. Labeled moves would multiply the big model's classes by
//!   thirty-seven; this keeps it to three and the file small.
//! - The root is a virtual word at the end of the buffer, and it takes exactly one dependent,
//!   so the output is always a single tree: one word with no head, every other word with one,
//!   no cycles (and projective).
//! - Features are 64-bit hashes mixed from per-sentence precomputed word hashes (lowercased,
//!   digits folded to 0) and tag numbers, so parsing a sentence allocates nothing beyond a
//!   reused per-thread state.
//! - There are 81 move templates, more than the usual 40 or so: the Zhang & Nivre set (68)
//!   gave 81.9 UAS; the punctuation and verbs between s0 and b0, and s1-s0-b0 conjunctions for
//!   the right-arc decision added most of a point. Dropped for speed (each template is one
//!   look-up a move): word suffixes (-0.06 UAS) and the s0-b0, s1-s0 word pairs and the
//!   s0-b0 words with distance (-0.14 more), for 10% fewer look-ups.
//! - Parsing is bound by the move model's look-ups. At load both models are laid out again
//!   for speed ([`MoveTable`], [`LabelTable`]): one 64-byte cache line a look-up, every
//!   feature's line touched in a first pass so that the cache misses overlap, and the move
//!   model's eight fingerprints a bucket compared at once, without branches (whether a
//!   feature is in the model is a coin toss to the branch predictor). These took the parser
//!   from about 300k to 450-550k words a second at the same accuracy; the dropped templates
//!   and a move table that leaves out its weakest 6% of features (4 MB instead of 8) gave the
//!   rest, for 0.26 UAS (these costs measured before the bias fix below). The labeler at parse time leaves out the labels EWT train has
//!   (almost) none of ([`KEPT_LABELS`]), so that its entries fit a cache line too.
//!
//! - Each template's hash starts from a non-zero seed: before, the bias template (0, value 0)
//!   hashed to 0, a key the model cannot store, so the bias learned in training was lost from
//!   the saved model; keeping it gained 1.2 UAS (82.66 to 83.84).
//!
//! Measured on UD English EWT dev with tags from our own tagger (95.3% right), by
//! `claimtrail train parser`: UAS 83.8 / LAS 80.4 with punctuation, 84.5 / 80.6 without;
//! with gold tags 87.3 / 85.3, so tagging errors cost about three points. About 550-640k words
//! a second on one core (parse alone; the 90-template parser before the change: 250-340k on
//! the same, noisy, machine, 1.9-2.2x slower in alternating runs); training 10 s; model
//! 9.0 MB. Tried and measured worse or no better:
//! training on jackknifed (predicted) tags, adding GUM's train documents, more epochs,
//! exploring from the first epoch; for speed, pruning harder (prune 2: -0.3 UAS and, once the
//! look-ups were cheap, no faster), probing an 8-byte-entry table (branchy: no faster than
//! the original), dropping the label-set, dependent or right-arc templates (-0.4 to -1.1 UAS
//! each group).
//!
//! ```
//! use text::parse::{Deprel, Parser};
//! use text::Upos;
//! let parser = Parser::embedded().expect("embedded model loads");
//! let words = ["Officials", "said", "the", "troops", "left", "."];
//! let tags = [Upos::NOUN, Upos::VERB, Upos::DET, Upos::NOUN, Upos::VERB, Upos::PUNCT];
//! let arcs = parser.parse(&words, &tags);
//! assert_eq!(arcs[1].head, None);
//! assert_eq!(arcs[0].head, Some(1));
//! assert_eq!(arcs[0].label, Deprel::Nsubj);
//! assert_eq!(arcs[4].head, Some(1));
//! assert_eq!(arcs[4].label.name(), "ccomp");
//! ```

use crate::doc::Upos;
use crate::perceptron::{argmax, feature, ModelError, Perceptron, Rng, Trainer};
use std::cell::RefCell;

/// Universal dependency relations, without subtypes (`nsubj:pass` is [`Deprel::Nsubj`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Deprel {
    Acl,
    Advcl,
    Advmod,
    Amod,
    Appos,
    Aux,
    Case,
    Cc,
    Ccomp,
    Clf,
    Compound,
    Conj,
    Cop,
    Csubj,
    Dep,
    Det,
    Discourse,
    Dislocated,
    Expl,
    Fixed,
    Flat,
    Goeswith,
    Iobj,
    List,
    Mark,
    Nmod,
    Nsubj,
    Nummod,
    Obj,
    Obl,
    Orphan,
    Parataxis,
    Punct,
    Reparandum,
    Root,
    Vocative,
    Xcomp,
    /// A label that is not a universal relation.
    Other,
}

impl Deprel {
    pub const ALL: [Deprel; 38] = [
        Deprel::Acl,
        Deprel::Advcl,
        Deprel::Advmod,
        Deprel::Amod,
        Deprel::Appos,
        Deprel::Aux,
        Deprel::Case,
        Deprel::Cc,
        Deprel::Ccomp,
        Deprel::Clf,
        Deprel::Compound,
        Deprel::Conj,
        Deprel::Cop,
        Deprel::Csubj,
        Deprel::Dep,
        Deprel::Det,
        Deprel::Discourse,
        Deprel::Dislocated,
        Deprel::Expl,
        Deprel::Fixed,
        Deprel::Flat,
        Deprel::Goeswith,
        Deprel::Iobj,
        Deprel::List,
        Deprel::Mark,
        Deprel::Nmod,
        Deprel::Nsubj,
        Deprel::Nummod,
        Deprel::Obj,
        Deprel::Obl,
        Deprel::Orphan,
        Deprel::Parataxis,
        Deprel::Punct,
        Deprel::Reparandum,
        Deprel::Root,
        Deprel::Vocative,
        Deprel::Xcomp,
        Deprel::Other,
    ];

    /// The UD name ("nsubj"); "other" for [`Deprel::Other`].
    pub fn name(self) -> &'static str {
        match self {
            Deprel::Acl => "acl",
            Deprel::Advcl => "advcl",
            Deprel::Advmod => "advmod",
            Deprel::Amod => "amod",
            Deprel::Appos => "appos",
            Deprel::Aux => "aux",
            Deprel::Case => "case",
            Deprel::Cc => "cc",
            Deprel::Ccomp => "ccomp",
            Deprel::Clf => "clf",
            Deprel::Compound => "compound",
            Deprel::Conj => "conj",
            Deprel::Cop => "cop",
            Deprel::Csubj => "csubj",
            Deprel::Dep => "dep",
            Deprel::Det => "det",
            Deprel::Discourse => "discourse",
            Deprel::Dislocated => "dislocated",
            Deprel::Expl => "expl",
            Deprel::Fixed => "fixed",
            Deprel::Flat => "flat",
            Deprel::Goeswith => "goeswith",
            Deprel::Iobj => "iobj",
            Deprel::List => "list",
            Deprel::Mark => "mark",
            Deprel::Nmod => "nmod",
            Deprel::Nsubj => "nsubj",
            Deprel::Nummod => "nummod",
            Deprel::Obj => "obj",
            Deprel::Obl => "obl",
            Deprel::Orphan => "orphan",
            Deprel::Parataxis => "parataxis",
            Deprel::Punct => "punct",
            Deprel::Reparandum => "reparandum",
            Deprel::Root => "root",
            Deprel::Vocative => "vocative",
            Deprel::Xcomp => "xcomp",
            Deprel::Other => "other",
        }
    }

    /// Reads a UD label, subtype and all ("nsubj:pass" -> `Nsubj`); anything else is `Other`.
    pub fn parse(label: &str) -> Deprel {
        let coarse = label.split(':').next().unwrap_or(label);
        Deprel::ALL
            .iter()
            .copied()
            .find(|d| d.name() == coarse)
            .unwrap_or(Deprel::Other)
    }

    pub fn index(self) -> usize {
        self as usize
    }
}

/// One word's attachment: its head (an index into the sentence; `None` for the root word) and
/// the relation to it ([`Deprel::Root`] exactly when `head` is `None`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Arc {
    pub head: Option<u32>,
    pub label: Deprel,
}

/// A gold-annotated sentence to train on. `heads[i]` is `None` for the root word.
#[derive(Clone, Debug, Default)]
pub struct TrainSentence {
    pub words: Vec<String>,
    pub upos: Vec<Upos>,
    pub heads: Vec<Option<u32>>,
    pub deprels: Vec<Deprel>,
}

/// Training settings. The defaults are the ones the committed model was trained with.
#[derive(Clone, Debug)]
pub struct TrainConfig {
    pub epochs: usize,
    /// Seed for shuffling the sentences and for the exploration draws.
    pub seed: u64,
    /// From this epoch on (0-based), the parser follows its own prediction during training
    /// (with probability `explore`) instead of the oracle's best move.
    pub explore_from: usize,
    pub explore: f64,
    /// Features whose averaged weights all lie below this are left out of the saved model.
    pub prune: f32,
}

impl Default for TrainConfig {
    fn default() -> TrainConfig {
        TrainConfig {
            epochs: 15,
            seed: 0x0D_E9A2_5E12,
            explore_from: 1,
            explore: 0.9,
            // 1.0 kept more features for about a tenth of a point of UAS; 2 halved the model
            // for 0.3 and was not faster (measured before the bias fix; see the module note).
            prune: 1.25,
        }
    }
}

/// The parser: a move model and an arc labeler.
#[derive(Clone, Debug)]
pub struct Parser {
    /// The move model, laid out for look-up speed (what parsing reads).
    fast_moves: MoveTable,
    /// The labeler likewise.
    fast_labels: LabelTable,
    n_features: (usize, usize),
    /// The models as trained (moves, labeler), kept for [`Parser::to_bytes`]. A parser read
    /// from bytes drops them once its tables are built: they would double its memory.
    trained: Option<Box<(Perceptron, Perceptron)>>,
}

const MAGIC: &[u8; 8] = b"CTPARS01";
const N_MOVES: usize = 3;
const SHIFT: usize = 0;
const LEFT: usize = 1;
const RIGHT: usize = 2;
const N_LABELS: usize = Deprel::ALL.len();
const NONE: u32 = u32::MAX;
/// Tag numbers beyond the UPOS ones: the virtual root word and an empty position.
const TAG_ROOT: u8 = Upos::ALL.len() as u8;
const TAG_NONE: u8 = TAG_ROOT + 1;
const WORD_ROOT: u64 = 0x5EED_0000_0000_0001;
const WORD_NONE: u64 = 0x5EED_0000_0000_0002;

thread_local! {
    static SCRATCH: RefCell<State> = RefCell::new(State::default());
}

impl Parser {
    /// The model committed as `crates/text/models/parser.bin`.
    pub fn embedded() -> Result<Parser, ModelError> {
        Parser::from_bytes(include_bytes!("../models/parser.bin"))
            .map_err(|e| ModelError(format!("models/parser.bin: {}", e.0)))
    }

    /// Number of hashed features kept in the move model and in the labeler.
    pub fn n_features(&self) -> (usize, usize) {
        self.n_features
    }

    /// Parses one sentence. `tags[i]` is the tag of `words[i]`; missing tags count as `X`.
    pub fn parse(&self, words: &[&str], tags: &[Upos]) -> Vec<Arc> {
        let mut out = Vec::with_capacity(words.len());
        self.parse_into(words, tags, &mut out);
        out
    }

    /// Like [`Parser::parse`], writing into `out` (cleared first) and reusing a per-thread
    /// parse state, so that a caller parsing many sentences allocates nothing per sentence.
    pub fn parse_into(&self, words: &[&str], tags: &[Upos], out: &mut Vec<Arc>) {
        out.clear();
        SCRATCH.with(|cell| match cell.try_borrow_mut() {
            Ok(mut st) => self.parse_with(&mut st, words, tags, out),
            // Only reachable if parsing re-entered itself on this thread; stay correct anyway.
            Err(_) => self.parse_with(&mut State::default(), words, tags, out),
        });
    }

    fn parse_with(&self, st: &mut State, words: &[&str], tags: &[Upos], out: &mut Vec<Arc>) {
        st.prepare(words, tags);
        let mut scores = [0f32; N_MOVES];
        while !st.terminal() {
            st.move_features();
            self.fast_moves.score_into(&st.feats, &mut scores);
            let m = best_valid(&scores, st.valid());
            self.apply(st, m);
        }
        let n = st.n as u32;
        out.extend((0..st.n).map(|i| {
            let h = st.head[i];
            if h == n || h == NONE {
                Arc {
                    head: None,
                    label: Deprel::Root,
                }
            } else {
                Arc {
                    head: Some(h),
                    label: Deprel::ALL[st.label[i] as usize],
                }
            }
        }));
    }

    /// Applies move `m`, labelling the arc it makes.
    fn apply(&self, st: &mut State, m: usize) {
        if let Some((h, d)) = st.step(m) {
            let label = if h as usize == st.n {
                Deprel::Root
            } else {
                st.label_features(h, d);
                self.fast_labels.best(&st.feats)
            };
            st.attach(h, d, label);
        }
    }

    /// Trains on gold trees. Sentences that are not projective, or whose annotation is not a
    /// single tree over its words, are skipped.
    pub fn train(sentences: &[TrainSentence], config: &TrainConfig) -> Parser {
        let gold: Vec<Option<Vec<u32>>> = sentences.iter().map(gold_heads).collect();
        let mut order: Vec<usize> = (0..sentences.len())
            .filter(|&i| gold[i].is_some())
            .collect();
        let mut moves = Trainer::new(N_MOVES);
        let mut labels = Trainer::new(N_LABELS);
        let mut rng = Rng(config.seed | 1);
        let mut st = State::default();
        let mut oracle = Oracle::default();
        let mut words: Vec<&str> = Vec::new();
        let mut scores = [0f32; N_MOVES];
        let mut label_scores = [0f32; N_LABELS];
        for epoch in 0..config.epochs {
            rng.shuffle(&mut order);
            for &si in &order {
                let (s, Some(g)) = (&sentences[si], &gold[si]) else {
                    continue;
                };
                words.clear();
                words.extend(s.words.iter().map(String::as_str));
                st.prepare(&words, &s.upos);
                oracle.prepare(g);
                while !st.terminal() {
                    st.move_features();
                    moves.score_into(&st.feats, &mut scores);
                    let valid = st.valid();
                    let guess = best_valid(&scores, valid);
                    let costs = oracle.costs(&st, valid);
                    let min = (0..N_MOVES)
                        .filter(|&m| valid[m])
                        .map(|m| costs[m])
                        .min()
                        .unwrap_or(0);
                    let mut best_ok = valid;
                    for (m, ok) in best_ok.iter_mut().enumerate() {
                        *ok &= costs[m] == min;
                    }
                    let best = best_valid(&scores, best_ok);
                    moves.update(best, guess, &st.feats);
                    moves.tick();
                    let explore = epoch >= config.explore_from
                        && (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64 <= config.explore;
                    let m = if explore { guess } else { best };
                    if let Some((h, d)) = st.step(m) {
                        let label = if h as usize == st.n {
                            Deprel::Root
                        } else {
                            st.label_features(h, d);
                            labels.score_into(&st.feats, &mut label_scores);
                            let guess = pick_label(&mut label_scores);
                            if g[d as usize] == h {
                                let truth = s.deprels.get(d as usize).copied();
                                let truth = truth.unwrap_or(Deprel::Other);
                                labels.update(truth.index(), guess.index(), &st.feats);
                                labels.tick();
                            }
                            guess
                        };
                        st.attach(h, d, label);
                    }
                }
            }
        }
        let (moves, labels) = (moves.finish(), labels.finish());
        let tables = Parser::tables(&moves, &labels);
        Parser {
            trained: Some(Box::new((moves, labels))),
            ..tables
        }
    }

    /// Compact binary form: a magic header, the move model's length, the move model, the
    /// labeler; weights below `prune` in absolute value are dropped (see
    /// [`Perceptron::to_bytes`]).
    pub fn to_bytes(&self, prune: f32) -> Result<Vec<u8>, ModelError> {
        let Some((moves, labels)) = self.trained.as_deref() else {
            return Err(ModelError(
                "a parser read from bytes keeps only its look-up tables: write the bytes it \
                 was read from instead"
                    .to_string(),
            ));
        };
        let moves = moves.to_bytes(prune);
        let labels = labels.to_bytes(prune);
        let mut out = Vec::with_capacity(12 + moves.len() + labels.len());
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&(moves.len() as u32).to_le_bytes());
        out.extend_from_slice(&moves);
        out.extend_from_slice(&labels);
        Ok(out)
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Parser, ModelError> {
        let err = |m: &str| ModelError(m.to_string());
        if bytes.len() < 12 || &bytes[..8] != MAGIC {
            return Err(err("not a claimtrail parser model (magic mismatch)"));
        }
        let len = u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize;
        let end = len
            .checked_add(12)
            .filter(|&e| e <= bytes.len())
            .ok_or_else(|| err("move model runs past the end of the file"))?;
        let moves = Perceptron::from_bytes(&bytes[12..end])?;
        let labels = Perceptron::from_bytes(&bytes[end..])?;
        if moves.n_classes() != N_MOVES || labels.n_classes() != N_LABELS {
            return Err(err(
                "unexpected number of classes (model of another version?)",
            ));
        }
        Ok(Parser::tables(&moves, &labels))
    }

    fn tables(moves: &Perceptron, labels: &Perceptron) -> Parser {
        Parser {
            fast_moves: MoveTable::new(moves),
            fast_labels: LabelTable::new(labels),
            n_features: (moves.n_features(), labels.n_features()),
            trained: None,
        }
    }
}

/// The labels the labeler at parse time chooses among: all but the root's (given by the root
/// move alone) and those EWT train has fewer than 40 of or none (clf, dep, dislocated, orphan,
/// reparandum, other), so that an entry (a fingerprint and 31 weights) fills one 64-byte cache
/// line instead of straddling two.
const KEPT_LABELS: [Deprel; 31] = {
    let mut out = [Deprel::Acl; 31];
    let mut i = 0;
    let mut j = 0;
    while i < Deprel::ALL.len() {
        let d = Deprel::ALL[i];
        if !matches!(
            d,
            Deprel::Root
                | Deprel::Clf
                | Deprel::Dep
                | Deprel::Dislocated
                | Deprel::Orphan
                | Deprel::Reparandum
                | Deprel::Other
        ) {
            out[j] = d;
            j += 1;
        }
        i += 1;
    }
    assert!(j == 31);
    out
};

#[repr(align(64))]
#[derive(Clone, Copy, Debug)]
struct LabelEntry([i16; 32]);

/// The labeler as parsing reads it: one cache-line entry per feature holding a fingerprint (as
/// in [`MoveTable`]) and the weights of the [`KEPT_LABELS`], in an open-addressing table
/// probed linearly (load at most 2/3).
#[derive(Clone, Debug)]
struct LabelTable {
    table: Vec<LabelEntry>,
    mask: usize,
}

impl LabelTable {
    fn new(model: &Perceptron) -> LabelTable {
        let n = model.n_features();
        let slots = (n + n / 2 + 1).next_power_of_two().max(16);
        let mask = slots - 1;
        let mut table = vec![LabelEntry([0; 32]); slots];
        for (key, w) in model.rows() {
            let mut s = key as usize & mask;
            while table[s].0[0] != 0 {
                s = (s + 1) & mask;
            }
            let e = &mut table[s].0;
            e[0] = MoveTable::fingerprint(key);
            for (dst, d) in e[1..].iter_mut().zip(KEPT_LABELS) {
                *dst = w[d.index()];
            }
        }
        LabelTable { table, mask }
    }

    /// The best label (never [`Deprel::Root`]).
    fn best(&self, features: &[u64]) -> Deprel {
        let mut acc = [0i32; 31];
        let mut touch = 0i16;
        for &f in features {
            touch ^= self.table[f as usize & self.mask].0[0];
        }
        std::hint::black_box(touch);
        for &f in features {
            let fp = MoveTable::fingerprint(f);
            let mut s = f as usize & self.mask;
            loop {
                let e = &self.table[s].0;
                if e[0] == fp {
                    for (a, &w) in acc.iter_mut().zip(&e[1..]) {
                        *a += i32::from(w);
                    }
                    break;
                }
                if e[0] == 0 {
                    break;
                }
                s = (s + 1) & self.mask;
            }
        }
        let mut best = 0;
        for (i, &a) in acc.iter().enumerate() {
            if a > acc[best] {
                best = i;
            }
        }
        KEPT_LABELS[best]
    }
}

/// The move model as parsing reads it: buckets of eight 8-byte entries (a 16-bit fingerprint
/// of the key, then the three quantized weights), one 64-byte cache line each, the bucket
/// chosen by the key's low bits. A look-up compares all eight fingerprints without a branch:
/// with a probe loop, scoring was bound by mispredicted branches (whether a feature is in the
/// model is a coin toss to the predictor) as much as by the memory it read. The table has
/// about six features a bucket, so that it stays at 4 MB; a feature that finds its bucket full
/// is left out, keeping the eight with the largest weights (about 6% of the features, the
/// weakest: 0.07 UAS against a table twice the size). The fingerprint plus the bucket bits
/// identify a key to about 32 bits: a feature the model lacks is taken for one it has about
/// once in 8,000 look-ups.
#[derive(Clone, Debug)]
struct MoveTable {
    buckets: Vec<Bucket>,
    mask: usize,
    scale: f32,
}

/// Eight entries: their fingerprints side by side (one 16-byte vector to compare at once; 0
/// marks an empty entry), then their weights.
#[repr(align(64))]
#[derive(Clone, Copy, Debug)]
struct Bucket {
    fingerprints: [i16; 8],
    weights: [[i16; N_MOVES]; 8],
}

impl MoveTable {
    #[inline]
    fn fingerprint(key: u64) -> i16 {
        let f = (key >> 48) as u16;
        (f | u16::from(f == 0)) as i16
    }

    fn new(model: &Perceptron) -> MoveTable {
        let n = model.n_features();
        // About six entries a bucket (see above).
        let n_buckets = (n / 8 + 1).next_power_of_two().max(4);
        let mask = n_buckets - 1;
        let mut rows: Vec<(u64, &[i16])> = model.rows().collect();
        // Largest weights first, so that a full bucket keeps the strongest features; ties in
        // key order, so that the table is the same whatever the input order.
        rows.sort_by_key(|&(k, w)| {
            let m = w.iter().map(|&x| i32::from(x).abs()).max().unwrap_or(0);
            (std::cmp::Reverse(m), k)
        });
        let empty = Bucket {
            fingerprints: [0; 8],
            weights: [[0; N_MOVES]; 8],
        };
        let mut buckets = vec![empty; n_buckets];
        for (key, w) in rows {
            let b = &mut buckets[key as usize & mask];
            if let Some(j) = b.fingerprints.iter().position(|&f| f == 0) {
                b.fingerprints[j] = Self::fingerprint(key);
                b.weights[j] = [w[0], w[1], w[2]];
            }
        }
        MoveTable {
            buckets,
            mask,
            scale: model.scale(),
        }
    }

    #[inline]
    fn score_into(&self, features: &[u64], scores: &mut [f32; N_MOVES]) {
        let mut acc = [0i32; N_MOVES];
        // Touching every feature's bucket first, in a loop of a few instructions each, lets
        // the processor have all those cache misses in flight at once; the comparisons below
        // then read from L1.
        let mut touch = 0i16;
        for &f in features {
            touch ^= self.buckets[f as usize & self.mask].fingerprints[0];
        }
        std::hint::black_box(touch);
        for &f in features {
            let fp = Self::fingerprint(f);
            let b = &self.buckets[f as usize & self.mask];
            let mut hits = 0u32;
            for (j, &g) in b.fingerprints.iter().enumerate() {
                hits |= u32::from(g == fp) << j;
            }
            let w = b.weights[(hits.trailing_zeros() & 7) as usize];
            let keep = -i32::from(hits != 0);
            for (a, w) in acc.iter_mut().zip(w) {
                *a += i32::from(w) & keep;
            }
        }
        for (s, a) in scores.iter_mut().zip(acc) {
            *s = a as f32 * self.scale;
        }
    }
}

/// The best-scoring valid move. Some move is always valid in a non-terminal state.
fn best_valid(scores: &[f32; N_MOVES], valid: [bool; N_MOVES]) -> usize {
    let mut best = usize::MAX;
    for m in 0..N_MOVES {
        if valid[m] && (best == usize::MAX || scores[m] > scores[best]) {
            best = m;
        }
    }
    if best == usize::MAX {
        SHIFT
    } else {
        best
    }
}

/// The best label for a non-root arc: `Root` is given by the root move alone.
fn pick_label(scores: &mut [f32; N_LABELS]) -> Deprel {
    scores[Deprel::Root.index()] = f32::NEG_INFINITY;
    Deprel::ALL[argmax(scores)]
}

/// Gold heads with the root word pointing at the virtual root (`n`), if the annotation is a
/// projective tree with one root; `None` otherwise (the static part of the oracle assumes it).
fn gold_heads(s: &TrainSentence) -> Option<Vec<u32>> {
    let n = s.words.len();
    if n == 0 || s.heads.len() != n || s.upos.len() != n || s.deprels.len() != n {
        return None;
    }
    let heads: Vec<u32> = s
        .heads
        .iter()
        .map(|h| h.unwrap_or(n as u32))
        .collect::<Vec<_>>();
    if heads.iter().any(|&h| h as usize > n)
        || heads.iter().filter(|&&h| h as usize == n).count() != 1
    {
        return None;
    }
    // Acyclic: every word reaches the root within n steps.
    for i in 0..n {
        let (mut j, mut steps) = (i, 0);
        while j != n {
            j = heads[j] as usize;
            steps += 1;
            if steps > n || j == i {
                return None;
            }
        }
    }
    // Projective: no two arcs cross (the root arc spans to the end, where the root sits).
    let span = |d: usize| {
        let h = heads[d] as usize;
        (d.min(h), d.max(h))
    };
    for a in 0..n {
        let (l1, r1) = span(a);
        for b in 0..n {
            let (l2, r2) = span(b);
            if l1 < l2 && l2 < r1 && r1 < r2 {
                return None;
            }
        }
    }
    Some(heads)
}

/// Dynamic oracle for arc-hybrid (Goldberg & Nivre 2013): the number of gold arcs each move
/// makes unreachable.
#[derive(Default)]
struct Oracle {
    /// Gold head of each word; `n` for the root word.
    head: Vec<u32>,
    /// Gold dependents of each word.
    children: Vec<Vec<u32>>,
}

impl Oracle {
    fn prepare(&mut self, heads: &[u32]) {
        let n = heads.len();
        self.head.clear();
        self.head.extend_from_slice(heads);
        for c in &mut self.children {
            c.clear();
        }
        self.children.resize_with(n + 1, Vec::new);
        for (d, &h) in heads.iter().enumerate() {
            self.children[h as usize].push(d as u32);
        }
    }

    fn costs(&self, st: &State, valid: [bool; N_MOVES]) -> [u32; N_MOVES] {
        let mut c = [0u32; N_MOVES];
        let b0 = st.b0 as u32;
        let s0 = st.stack.last().copied();
        let s1 = st.stack.len().checked_sub(2).map(|i| st.stack[i]);
        if valid[SHIFT] {
            // b0 is pushed: it can no longer take a head below s0 in the stack, nor
            // dependents anywhere in the stack; and it cannot take the root later while
            // anything lies below it.
            let b = b0 as usize;
            let h = self.head[b];
            let mut cost = self.children[b]
                .iter()
                .filter(|&&d| st.in_stack[d as usize])
                .count() as u32;
            if (h as usize) < st.n && st.in_stack[h as usize] && Some(h) != s0 {
                cost += 1;
            }
            if h as usize == st.n && !st.stack.is_empty() {
                cost += 1;
            }
            c[SHIFT] = cost;
        }
        if let Some(s0) = s0 {
            // Either arc pops s0: its dependents still in the buffer are lost.
            let deps = self.children[s0 as usize]
                .iter()
                .filter(|&&d| d >= b0)
                .count() as u32;
            let h = self.head[s0 as usize];
            let head_in_buffer = h >= b0;
            if valid[LEFT] {
                c[LEFT] = deps + u32::from(h != b0 && (head_in_buffer || Some(h) == s1));
            }
            if valid[RIGHT] {
                c[RIGHT] = deps + u32::from(head_in_buffer);
            }
        }
        c
    }
}

/// A parser configuration plus everything features need, reused between sentences.
#[derive(Default)]
struct State {
    n: usize,
    /// Per word, then the virtual root at index `n`.
    word: Vec<u64>,
    tag: Vec<u8>,
    /// Running counts of punctuation and of verbs before each word, to count those between
    /// two words in constant time.
    puncts_before: Vec<u32>,
    verbs_before: Vec<u32>,
    head: Vec<u32>,
    label: Vec<u8>,
    /// Leftmost, second leftmost, rightmost and second rightmost dependents so far.
    l1: Vec<u32>,
    l2: Vec<u32>,
    r1: Vec<u32>,
    r2: Vec<u32>,
    n_left: Vec<u16>,
    n_right: Vec<u16>,
    /// Bit sets of the labels of left and right dependents so far.
    left_labels: Vec<u64>,
    right_labels: Vec<u64>,
    in_stack: Vec<bool>,
    stack: Vec<u32>,
    /// The buffer is `b0..n` then the root.
    b0: usize,
    lower: String,
    feats: Vec<u64>,
}

/// Folds a value into a feature hash (splitmix64 finalizer; order-sensitive).
#[inline]
fn mix(h: u64, v: u64) -> u64 {
    let mut z = h ^ v.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// One step of building a template's hash: a multiply and a rotation (a bijection of `h` for
/// each `v`). The full [`mix`] is applied once, at the end ([`fin`]): half the multiplies of
/// mixing at every step, for the same spread of the bits the look-ups use.
#[inline]
fn step(h: u64, v: u64) -> u64 {
    (h ^ v).wrapping_mul(0x9E37_79B9_7F4A_7C15).rotate_left(31)
}

#[inline]
fn fin(h: u64) -> u64 {
    mix(h, 0)
}

/// The start of template `t`'s hash (never 0, so that the bias template 0 with value 0 does
/// not hash to the key 0, which the model cannot store).
#[inline]
fn seed(t: u64) -> u64 {
    t.wrapping_mul(0xA24B_AED4_963E_E407) ^ 0x243F_6A88_85A3_08D3
}

#[inline]
fn f1(t: u64, a: u64) -> u64 {
    fin(step(seed(t), a))
}

#[inline]
fn f2(t: u64, a: u64, b: u64) -> u64 {
    fin(step(step(seed(t), a), b))
}

#[inline]
fn f3(t: u64, a: u64, b: u64, c: u64) -> u64 {
    fin(step(step(step(seed(t), a), b), c))
}

#[inline]
fn f4(t: u64, a: u64, b: u64, c: u64, d: u64) -> u64 {
    fin(step(step(step(step(seed(t), a), b), c), d))
}

/// Lowercases `word`, folds digits to 0 and curly quotes to straight ones.
fn normalize(word: &str, out: &mut String) {
    for c in word.chars() {
        match c {
            '0'..='9' => out.push('0'),
            '\u{2018}' | '\u{2019}' | '\u{201B}' | '`' | '\u{00B4}' => out.push('\''),
            '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{00AB}' | '\u{00BB}' => {
                out.push('"')
            }
            c if c.is_ascii() => out.push(c.to_ascii_lowercase()),
            c => out.extend(c.to_lowercase()),
        }
    }
}

/// Distance buckets: 1, 2, 3, 4, 5-6, 7-9, 10+.
fn distance_bucket(d: usize) -> u64 {
    match d {
        0..=4 => d as u64,
        5..=6 => 5,
        7..=9 => 6,
        _ => 7,
    }
}

impl State {
    fn prepare(&mut self, words: &[&str], tags: &[Upos]) {
        let n = words.len();
        self.n = n;
        self.word.clear();
        self.tag.clear();
        for (i, w) in words.iter().enumerate() {
            self.lower.clear();
            normalize(w, &mut self.lower);
            self.word.push(feature(0xfff0, &[&self.lower]));
            self.tag
                .push(tags.get(i).copied().unwrap_or(Upos::X).index() as u8);
        }
        self.word.push(WORD_ROOT);
        self.tag.push(TAG_ROOT);
        self.puncts_before.clear();
        self.verbs_before.clear();
        let (mut p, mut v) = (0u32, 0u32);
        for &t in &self.tag {
            self.puncts_before.push(p);
            self.verbs_before.push(v);
            p += u32::from(t == Upos::PUNCT.index() as u8);
            v += u32::from(t == Upos::VERB.index() as u8 || t == Upos::AUX.index() as u8);
        }
        for v in [
            &mut self.head,
            &mut self.l1,
            &mut self.l2,
            &mut self.r1,
            &mut self.r2,
        ] {
            v.clear();
            v.resize(n + 1, NONE);
        }
        self.label.clear();
        self.label.resize(n + 1, Deprel::Other.index() as u8);
        for v in [&mut self.n_left, &mut self.n_right] {
            v.clear();
            v.resize(n + 1, 0);
        }
        for v in [&mut self.left_labels, &mut self.right_labels] {
            v.clear();
            v.resize(n + 1, 0);
        }
        self.in_stack.clear();
        self.in_stack.resize(n + 1, false);
        self.stack.clear();
        self.b0 = 0;
    }

    fn terminal(&self) -> bool {
        self.b0 >= self.n && self.stack.is_empty()
    }

    /// Which moves are allowed: the root word is never shifted and takes a dependent only
    /// when that is the last word left on the stack, so that the result is one tree.
    fn valid(&self) -> [bool; N_MOVES] {
        let depth = self.stack.len();
        [
            self.b0 < self.n,
            depth > 0 && (self.b0 < self.n || depth == 1),
            depth > 1,
        ]
    }

    /// Makes move `m` (which must be valid) and returns the arc (head, dependent) it makes.
    /// The caller labels the arc and records it with [`State::attach`].
    fn step(&mut self, m: usize) -> Option<(u32, u32)> {
        match m {
            SHIFT if self.b0 < self.n => {
                self.stack.push(self.b0 as u32);
                self.in_stack[self.b0] = true;
                self.b0 += 1;
                None
            }
            LEFT => {
                let d = self.stack.pop()?;
                self.in_stack[d as usize] = false;
                Some((self.b0.min(self.n) as u32, d))
            }
            RIGHT if self.stack.len() > 1 => {
                let d = self.stack.pop()?;
                self.in_stack[d as usize] = false;
                Some((*self.stack.last()?, d))
            }
            _ => None,
        }
    }

    fn attach(&mut self, h: u32, d: u32, label: Deprel) {
        let (hi, di) = (h as usize, d as usize);
        self.head[di] = h;
        self.label[di] = label.index() as u8;
        let bit = 1u64 << label.index();
        if d < h {
            self.n_left[hi] = self.n_left[hi].saturating_add(1);
            self.left_labels[hi] |= bit;
            if self.l1[hi] == NONE || d < self.l1[hi] {
                self.l2[hi] = self.l1[hi];
                self.l1[hi] = d;
            } else if self.l2[hi] == NONE || d < self.l2[hi] {
                self.l2[hi] = d;
            }
        } else {
            self.n_right[hi] = self.n_right[hi].saturating_add(1);
            self.right_labels[hi] |= bit;
            if self.r1[hi] == NONE || d > self.r1[hi] {
                self.r2[hi] = self.r1[hi];
                self.r1[hi] = d;
            } else if self.r2[hi] == NONE || d > self.r2[hi] {
                self.r2[hi] = d;
            }
        }
    }

    #[inline]
    fn w(&self, i: u32) -> u64 {
        if i == NONE {
            WORD_NONE
        } else {
            self.word[i as usize]
        }
    }

    #[inline]
    fn t(&self, i: u32) -> u64 {
        u64::from(if i == NONE {
            TAG_NONE
        } else {
            self.tag[i as usize]
        })
    }

    /// Label of `i` as a feature value (a distinct value when there is no word).
    #[inline]
    fn l(&self, i: u32) -> u64 {
        if i == NONE {
            99
        } else {
            u64::from(self.label[i as usize])
        }
    }

    #[inline]
    fn get(v: &[u32], i: u32) -> u32 {
        if i == NONE {
            NONE
        } else {
            v[i as usize]
        }
    }

    fn stack_at(&self, k: usize) -> u32 {
        self.stack
            .len()
            .checked_sub(k + 1)
            .map_or(NONE, |i| self.stack[i])
    }

    fn buffer_at(&self, k: usize) -> u32 {
        let i = self.b0 + k;
        if i <= self.n {
            i as u32
        } else {
            NONE
        }
    }

    /// Fills `feats` for choosing the next move.
    fn move_features(&mut self) {
        let mut f = std::mem::take(&mut self.feats);
        f.clear();
        let (s0, s1, s2) = (self.stack_at(0), self.stack_at(1), self.stack_at(2));
        let (b0, b1, b2) = (self.buffer_at(0), self.buffer_at(1), self.buffer_at(2));
        let (s0l, s0l2) = (Self::get(&self.l1, s0), Self::get(&self.l2, s0));
        let (s0r, s0r2) = (Self::get(&self.r1, s0), Self::get(&self.r2, s0));
        let (b0l, b0l2) = (Self::get(&self.l1, b0), Self::get(&self.l2, b0));
        let s1r = Self::get(&self.r1, s1);
        let (s0w, s0t, b0w, b0t) = (self.w(s0), self.t(s0), self.w(b0), self.t(b0));
        let (s1w, s1t, b1w, b1t) = (self.w(s1), self.t(s1), self.w(b1), self.t(b1));
        let (b2t, s2t) = (self.t(b2), self.t(s2));
        let s0wt = mix(s0w, s0t);
        let b0wt = mix(b0w, b0t);
        let s1wt = mix(s1w, s1t);
        let dist = if s0 == NONE || b0 == NONE {
            0
        } else if b0 as usize == self.n {
            8
        } else {
            distance_bucket((b0 - s0) as usize)
        };
        let val = |v: &[u16], i: u32| -> u64 {
            if i == NONE {
                99
            } else {
                u64::from(v[i as usize].min(4))
            }
        };
        let labels = |v: &[u64], i: u32| -> u64 {
            if i == NONE {
                1 << 63
            } else {
                v[i as usize]
            }
        };
        let (s0vl, s0vr, b0vl) = (
            val(&self.n_left, s0),
            val(&self.n_right, s0),
            val(&self.n_left, b0),
        );
        let (s0ll, s0rl, b0ll) = (
            labels(&self.left_labels, s0),
            labels(&self.right_labels, s0),
            labels(&self.left_labels, b0),
        );
        f.push(f1(0, 0));
        // Single positions.
        f.push(f1(1, s0wt));
        f.push(f1(2, s0w));
        f.push(f1(3, s0t));
        f.push(f1(4, b0wt));
        f.push(f1(5, b0w));
        f.push(f1(6, b0t));
        f.push(f1(7, mix(b1w, b1t)));
        f.push(f1(8, b1w));
        f.push(f1(9, b1t));
        f.push(f1(10, self.w(b2)));
        f.push(f1(11, b2t));
        f.push(f1(12, s1wt));
        f.push(f1(13, s1w));
        f.push(f1(14, s1t));
        // Pairs of s0 and b0.
        f.push(f2(15, s0wt, b0wt));
        f.push(f2(16, s0wt, b0w));
        f.push(f2(17, s0w, b0wt));
        f.push(f2(18, s0wt, b0t));
        f.push(f2(19, s0t, b0wt));
        f.push(f2(21, s0t, b0t));
        f.push(f2(22, b0t, b1t));
        // Pairs of s1 and s0 (the right-arc decision).
        f.push(f2(23, s1wt, s0t));
        f.push(f2(24, s1t, s0wt));
        // Tag trigrams.
        f.push(f3(26, b0t, b1t, b2t));
        f.push(f3(27, s0t, b0t, b1t));
        f.push(f3(28, s1t, s0t, b0t));
        f.push(f3(29, s0t, self.t(s0l), b0t));
        f.push(f3(30, s0t, self.t(s0r), b0t));
        f.push(f3(31, s0t, b0t, self.t(b0l)));
        f.push(f3(32, s0t, self.t(s0l), self.t(s0l2)));
        f.push(f3(33, s0t, self.t(s0r), self.t(s0r2)));
        f.push(f3(34, b0t, self.t(b0l), self.t(b0l2)));
        f.push(f3(35, s1t, self.t(s1r), s0t));
        f.push(f3(36, s2t, s1t, s0t));
        // Distance.
        f.push(f2(37, s0w, dist));
        f.push(f2(38, s0t, dist));
        f.push(f2(39, b0w, dist));
        f.push(f2(40, b0t, dist));
        f.push(f3(42, s0t, b0t, dist));
        // Valency.
        f.push(f2(43, s0w, s0vr));
        f.push(f2(44, s0t, s0vr));
        f.push(f2(45, s0w, s0vl));
        f.push(f2(46, s0t, s0vl));
        f.push(f2(47, b0w, b0vl));
        f.push(f2(48, b0t, b0vl));
        // Dependents: words, tags and labels.
        f.push(f1(49, self.w(s0l)));
        f.push(f1(50, self.t(s0l)));
        f.push(f1(51, self.l(s0l)));
        f.push(f1(52, self.w(s0r)));
        f.push(f1(53, self.t(s0r)));
        f.push(f1(54, self.l(s0r)));
        f.push(f1(55, self.w(b0l)));
        f.push(f1(56, self.t(b0l)));
        f.push(f1(57, self.l(b0l)));
        f.push(f3(58, s0t, self.l(s0l), self.l(s0l2)));
        f.push(f3(59, s0t, self.l(s0r), self.l(s0r2)));
        f.push(f3(60, b0t, self.l(b0l), self.l(b0l2)));
        // Label sets.
        f.push(f2(61, s0w, s0rl));
        f.push(f2(62, s0t, s0rl));
        f.push(f2(63, s0w, s0ll));
        f.push(f2(64, s0t, s0ll));
        f.push(f2(65, b0w, b0ll));
        f.push(f2(66, b0t, b0ll));
        f.push(f4(67, s0t, b0t, s0ll, b0ll));
        // Punctuation and verbs between s0 and b0, and the words next to them.
        let (pb, vb) = if s0 == NONE || b0 == NONE {
            (9, 9)
        } else {
            let (a, b) = (s0 as usize + 1, b0 as usize);
            (
                u64::from((self.puncts_before[b] - self.puncts_before[a]).min(3)),
                u64::from((self.verbs_before[b] - self.verbs_before[a]).min(3)),
            )
        };
        let after_s0 = if s0 == NONE { NONE } else { s0 + 1 };
        let before_b0 = if b0 == NONE || b0 == 0 { NONE } else { b0 - 1 };
        f.push(f3(74, s0t, b0t, pb));
        f.push(f3(75, s0t, b0t, vb));
        f.push(f4(76, s0t, b0t, pb, vb));
        f.push(f2(77, s0t, self.t(after_s0)));
        f.push(f2(78, b0t, self.t(before_b0)));
        f.push(f3(79, s0t, self.t(after_s0), b0t));
        f.push(f3(80, s0w, b0t, pb));
        f.push(f2(81, b0t, self.t(self.buffer_at(3))));
        // The right-arc decision against its alternatives, with the first word under s0
        // (a preposition for a PP, whose attachment this is).
        let s0lw = self.w(s0l);
        let d10 = if s1 == NONE || s0 == NONE {
            9
        } else {
            distance_bucket((s0 - s1) as usize)
        };
        f.push(f4(82, s1t, s0t, b0t, s0lw));
        f.push(f3(83, s1w, s0t, b0t));
        f.push(f3(84, s1t, s0w, b0t));
        f.push(f3(85, s1t, s0t, b0w));
        f.push(f2(86, s1w, s0lw));
        f.push(f2(87, b0w, s0lw));
        f.push(f3(88, s1t, s0t, d10));
        f.push(f3(89, s1w, s0t, d10));
        self.feats = f;
    }

    /// Fills `feats` for labelling the arc from `h` to `d` (all of `d`'s dependents are
    /// attached by now; `h`'s are so far only those between it and `d`).
    fn label_features(&mut self, h: u32, d: u32) {
        let mut f = std::mem::take(&mut self.feats);
        f.clear();
        let (hw, ht, dw, dt) = (self.w(h), self.t(h), self.w(d), self.t(d));
        let left = d < h;
        let dir = u64::from(left);
        let dist = distance_bucket(h.abs_diff(d) as usize);
        let (di, hi) = (d as usize, h as usize);
        let dset = mix(self.left_labels[di], self.right_labels[di]);
        let hset = if left {
            self.left_labels[hi]
        } else {
            self.right_labels[hi]
        };
        let prev_t = if d == 0 {
            u64::from(TAG_NONE)
        } else {
            self.t(d - 1)
        };
        let next_t = self.t(d + 1);
        f.push(f1(100, 0));
        f.push(f2(101, dw, dir));
        f.push(f2(102, dt, dir));
        f.push(f3(103, dw, dt, dir));
        f.push(f2(104, hw, dir));
        f.push(f2(105, ht, dir));
        f.push(f3(106, hw, ht, dir));
        f.push(f3(107, ht, dt, dir));
        f.push(f3(108, hw, dt, dir));
        f.push(f3(109, ht, dw, dir));
        f.push(f3(110, hw, dw, dir));
        f.push(f4(111, ht, dt, dir, dist));
        f.push(f2(112, dt, dset));
        f.push(f3(113, dt, ht, dset));
        f.push(f3(114, dt, dir, self.w(self.l1[di])));
        f.push(f3(115, dt, dir, self.w(self.r1[di])));
        f.push(f4(116, dt, ht, dir, hset));
        f.push(f3(117, dt, prev_t, next_t));
        f.push(f4(
            118,
            dt,
            dir,
            u64::from(self.n_left[di].min(3)),
            u64::from(self.n_right[di].min(3)),
        ));
        f.push(f3(119, dt, self.l(self.l1[di]), self.t(self.l1[di])));
        f.push(f3(120, dt, dir, self.t(self.head[hi])));
        self.feats = f;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sentence(words: &str, tags: &[Upos], heads: &[u32], labels: &[&str]) -> TrainSentence {
        TrainSentence {
            words: words.split(' ').map(str::to_string).collect(),
            upos: tags.to_vec(),
            heads: heads.iter().map(|&h| h.checked_sub(1)).collect(),
            deprels: labels.iter().map(|l| Deprel::parse(l)).collect(),
        }
    }

    fn tiny_treebank() -> Vec<TrainSentence> {
        use Upos::*;
        vec![
            sentence(
                "the troops left .",
                &[DET, NOUN, VERB, PUNCT],
                &[2, 3, 0, 3],
                &["det", "nsubj", "root", "punct"],
            ),
            sentence(
                "officials said the troops left .",
                &[NOUN, VERB, DET, NOUN, VERB, PUNCT],
                &[2, 0, 4, 5, 2, 2],
                &["nsubj", "root", "det", "nsubj", "ccomp", "punct"],
            ),
            sentence(
                "he saw the ship in the port",
                &[PRON, VERB, DET, NOUN, ADP, DET, NOUN],
                &[2, 0, 4, 2, 7, 7, 2],
                &["nsubj", "root", "det", "obj", "case", "det", "obl:tmod"],
            ),
        ]
    }

    /// Each word has one head or none, exactly one has none, and every word reaches it.
    fn assert_tree(arcs: &[Arc]) {
        let n = arcs.len();
        if n == 0 {
            return;
        }
        assert_eq!(arcs.iter().filter(|a| a.head.is_none()).count(), 1);
        for (i, a) in arcs.iter().enumerate() {
            assert_eq!(a.head.is_none(), a.label == Deprel::Root, "word {i}: {a:?}");
            let mut j = i;
            for _ in 0..=n {
                match arcs[j].head {
                    Some(h) => j = h as usize,
                    None => break,
                }
            }
            assert!(arcs[j].head.is_none(), "word {i} is on a cycle");
        }
    }

    #[test]
    fn labels_parse_without_subtypes() {
        assert_eq!(Deprel::parse("nsubj:pass"), Deprel::Nsubj);
        assert_eq!(Deprel::parse("obl"), Deprel::Obl);
        assert_eq!(Deprel::parse("whatever"), Deprel::Other);
        for d in Deprel::ALL {
            assert_eq!(Deprel::parse(d.name()), d);
        }
    }

    #[test]
    fn training_is_deterministic_and_round_trips() {
        let data = tiny_treebank();
        let config = TrainConfig {
            epochs: 5,
            ..TrainConfig::default()
        };
        let a = Parser::train(&data, &config);
        let b = Parser::train(&data, &config);
        let bytes = a.to_bytes(0.0).expect("a trained parser writes its models");
        assert_eq!(Some(&bytes), b.to_bytes(0.0).ok().as_ref());
        let back = Parser::from_bytes(&bytes).expect("round trip");
        assert!(back.to_bytes(0.0).is_err(), "a read parser keeps no models");
        assert_eq!(back.n_features(), a.n_features());
        for s in &data {
            let words: Vec<&str> = s.words.iter().map(String::as_str).collect();
            let arcs = back.parse(&words, &s.upos);
            assert_eq!(arcs, a.parse(&words, &s.upos));
            assert_tree(&arcs);
        }
        // The training sentences themselves are learned.
        let s = &data[1];
        let words: Vec<&str> = s.words.iter().map(String::as_str).collect();
        let heads: Vec<Option<u32>> = back.parse(&words, &s.upos).iter().map(|a| a.head).collect();
        assert_eq!(heads, s.heads);
    }

    #[test]
    fn long_and_odd_input_yields_a_tree() {
        let parser = Parser::train(&tiny_treebank(), &TrainConfig::default());
        let mut words: Vec<String> = Vec::new();
        for i in 0..5000 {
            words.push(match i % 7 {
                0 => String::new(),
                1 => "\u{0}\u{feff}".to_string(),
                2 => "ünïcödé".repeat(50),
                3 => ".".to_string(),
                4 => i.to_string(),
                _ => "the".to_string(),
            });
        }
        let refs: Vec<&str> = words.iter().map(String::as_str).collect();
        // Fewer tags than words: the rest count as X.
        let tags = vec![Upos::NOUN; 100];
        let arcs = parser.parse(&refs, &tags);
        assert_eq!(arcs.len(), refs.len());
        assert_tree(&arcs);
        assert!(parser.parse(&[], &[]).is_empty());
        let one = parser.parse(&["Hi"], &[Upos::INTJ]);
        assert_eq!(
            one,
            vec![Arc {
                head: None,
                label: Deprel::Root
            }]
        );
        let mut out = vec![one[0]; 3];
        parser.parse_into(&["a", "b"], &[], &mut out);
        assert_eq!(out.len(), 2);
        assert_tree(&out);
    }

    #[test]
    fn bad_model_files_are_errors() {
        let bytes = Parser::train(&tiny_treebank(), &TrainConfig::default())
            .to_bytes(0.0)
            .expect("a trained parser writes its models");
        assert!(Parser::from_bytes(&bytes[..bytes.len() - 1]).is_err());
        assert!(Parser::from_bytes(&bytes[..20]).is_err());
        assert!(Parser::from_bytes(b"junk").is_err());
        let mut wrong = bytes.clone();
        wrong[8..12].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(Parser::from_bytes(&wrong).is_err());
    }

    #[test]
    fn embedded_model_parses_a_news_sentence() {
        let parser = Parser::embedded().expect("embedded model loads");
        let tagger = crate::pos::Tagger::embedded().expect("tagger loads");
        let words = [
            "The", "ministry", "said", "on", "Monday", "that", "the", "talks", "had", "failed", ".",
        ];
        let tags = tagger.tag_words(&words);
        let arcs = parser.parse(&words, &tags);
        assert_tree(&arcs);
        assert_eq!(arcs[2].head, None);
        assert_eq!((arcs[1].head, arcs[1].label), (Some(2), Deprel::Nsubj));
        assert_eq!((arcs[9].head, arcs[9].label), (Some(2), Deprel::Ccomp));
        assert_eq!((arcs[5].head, arcs[5].label), (Some(9), Deprel::Mark));
    }

    /// The oracle, followed without mistakes, rebuilds every projective gold tree of EWT train
    /// (and of the tiny treebank where EWT is absent) at zero cost.
    #[test]
    fn oracle_reaches_the_gold_tree() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/data/ud-ewt/en_ewt-ud-train.conllu"
        );
        let mut sentences = tiny_treebank();
        match std::fs::read_to_string(path) {
            Ok(src) => sentences.extend(read_conllu(&src)),
            Err(e) => eprintln!("only the tiny treebank: {path}: {e}"),
        }
        let mut st = State::default();
        let mut oracle = Oracle::default();
        let mut checked = 0;
        for s in &sentences {
            let Some(g) = gold_heads(s) else {
                continue;
            };
            let words: Vec<&str> = s.words.iter().map(String::as_str).collect();
            st.prepare(&words, &s.upos);
            oracle.prepare(&g);
            while !st.terminal() {
                let valid = st.valid();
                let costs = oracle.costs(&st, valid);
                let m = (0..N_MOVES)
                    .filter(|&m| valid[m])
                    .min_by_key(|&m| costs[m])
                    .unwrap_or(SHIFT);
                assert_eq!(costs[m], 0, "{:?}", s.words);
                if let Some((h, d)) = st.step(m) {
                    st.attach(h, d, Deprel::Other);
                }
            }
            assert_eq!(st.head[..st.n], g[..], "{:?}", s.words);
            checked += 1;
        }
        assert!(checked >= 3);
    }

    /// Words, tags, heads and labels of a CoNLL-U text (multi-word token lines skipped).
    fn read_conllu(src: &str) -> Vec<TrainSentence> {
        let mut out = Vec::new();
        let mut cur = TrainSentence::default();
        for line in src.lines().chain(std::iter::once("")) {
            let cols: Vec<&str> = line.split('\t').collect();
            if line.is_empty() {
                if !cur.words.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            } else if cols.len() == 10 && cols[0].bytes().all(|b| b.is_ascii_digit()) {
                cur.words.push(cols[1].to_string());
                cur.upos.push(Upos::parse(cols[3]).unwrap_or(Upos::X));
                cur.heads
                    .push(cols[6].parse::<u32>().ok().and_then(|h| h.checked_sub(1)));
                cur.deprels.push(Deprel::parse(cols[7]));
            }
        }
        out
    }
}
