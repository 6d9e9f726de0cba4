//! Stance of a text toward a claim: does it support it, deny it, report it without taking a
//! side, or is it about something else?
//!
//! Denial and hedging are mostly lexical ("dismissed ... as groundless", "neither confirmed nor
//! denied", "reportedly") and relatedness is mostly overlap, so the classifier is a multinomial
//! logistic regression over hashed features that spell both out (see [`features`]): lexicon hits
//! with negation scope, TF-IDF cosine and coverage between claim and text, and the text's own
//! words. It was chosen over a perceptron because overlap features are real-valued and because
//! callers want probability-like scores, not only a label.
//!
//! The committed weights (`crates/track/models/stance.bin`, written by `claimtrail train
//! stance`) are embedded and parsed once, on first use of [`StanceModel::load_default`].
//!
//! ```
//! use track::stance::{Stance, StanceModel};
//! let model = StanceModel::load_default().expect("embedded stance model loads");
//! let p = model.predict(
//!     "Estmark sent troops to Valdora",
//!     "Estmark dismissed reports that it sent troops to Valdora as fake news",
//! );
//! assert_eq!(p.stance, Stance::Denies);
//! assert!((p.scores.iter().sum::<f32>() - 1.0).abs() < 1e-3);
//! ```

pub mod features;
pub mod lexicon;

use features::{pair_features, Idf, Prepared, Vector, DIM_BITS};
use lexicon::{LexClass, Lexicon};
use std::collections::HashMap;
use std::sync::LazyLock;
use text::perceptron::Rng;

/// Where a text stands toward a claim.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Stance {
    /// Asserts or confirms the claim (Emergent "for", FNC-1 "agree").
    Supports,
    /// Denies or refutes it (Emergent "against", FNC-1 "disagree").
    Denies,
    /// Reports or discusses it without taking a side (Emergent "observing", FNC-1 "discuss").
    NonCommittal,
    /// Is about something else (FNC-1 "unrelated").
    Unrelated,
}

impl Stance {
    pub const ALL: [Stance; 4] = [
        Stance::Supports,
        Stance::Denies,
        Stance::NonCommittal,
        Stance::Unrelated,
    ];
    /// The classes of a text already known to be about the claim.
    pub const RELATED: [Stance; 3] = [Stance::Supports, Stance::Denies, Stance::NonCommittal];

    pub fn index(self) -> usize {
        match self {
            Stance::Supports => 0,
            Stance::Denies => 1,
            Stance::NonCommittal => 2,
            Stance::Unrelated => 3,
        }
    }

    pub fn from_index(i: usize) -> Option<Stance> {
        Stance::ALL.get(i).copied()
    }

    /// The name used in JSON output: supports, denies, non_committal, unrelated.
    pub fn as_str(self) -> &'static str {
        match self {
            Stance::Supports => "supports",
            Stance::Denies => "denies",
            Stance::NonCommittal => "non_committal",
            Stance::Unrelated => "unrelated",
        }
    }

    /// Parses the product names and the corpora's labels (for/against/observing,
    /// agree/disagree/discuss/unrelated).
    pub fn parse(s: &str) -> Option<Stance> {
        match s.trim().to_ascii_lowercase().as_str() {
            "supports" | "for" | "agree" => Some(Stance::Supports),
            "denies" | "against" | "disagree" => Some(Stance::Denies),
            "non_committal" | "observing" | "discuss" => Some(Stance::NonCommittal),
            "unrelated" => Some(Stance::Unrelated),
            _ => None,
        }
    }
}

impl std::fmt::Display for Stance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A predicted stance and the probability of every class, indexed by [`Stance::index`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Prediction {
    pub stance: Stance,
    pub scores: [f32; 4],
}

impl Prediction {
    fn from_scores(scores: [f32; 4]) -> Prediction {
        Prediction {
            stance: best_of(&scores, &Stance::ALL),
            scores,
        }
    }

    pub fn score(&self, s: Stance) -> f32 {
        self.scores[s.index()]
    }

    /// The best class among `allowed` (for a caller that knows the text is related, say).
    pub fn best_of(&self, allowed: &[Stance]) -> Stance {
        best_of(&self.scores, allowed)
    }
}

fn best_of(scores: &[f32; 4], allowed: &[Stance]) -> Stance {
    let mut best = allowed.first().copied().unwrap_or(Stance::NonCommittal);
    for &s in allowed {
        if scores[s.index()] > scores[best.index()] {
            best = s;
        }
    }
    best
}

/// A model file that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelError(pub String);

impl std::fmt::Display for ModelError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "bad stance model: {}", self.0)
    }
}

impl std::error::Error for ModelError {}

const N: usize = 4;

/// The trained classifier: sparse weights over the hashed feature space and the IDF table
/// used by the overlap features.
#[derive(Clone, Debug)]
pub struct StanceModel {
    /// Sorted feature indices, and their weights per class.
    keys: Vec<u32>,
    weights: Vec<[f32; N]>,
    idf: Idf,
}

static DEFAULT: LazyLock<Result<StanceModel, ModelError>> =
    LazyLock::new(|| StanceModel::from_bytes(include_bytes!("../../models/stance.bin")));

impl StanceModel {
    /// The embedded model, parsed on first use and shared afterwards.
    pub fn load_default() -> Result<&'static StanceModel, ModelError> {
        DEFAULT.as_ref().map_err(Clone::clone)
    }

    fn scores(&self, x: &Vector) -> [f32; N] {
        let mut z = [0f32; N];
        for &(i, v) in x {
            if let Ok(k) = self.keys.binary_search(&i) {
                for (zc, w) in z.iter_mut().zip(&self.weights[k]) {
                    *zc += w * v;
                }
            }
        }
        softmax(z)
    }

    /// Stance of `text` (a headline, a sentence or a whole article) toward `claim`.
    pub fn predict(&self, claim: &str, text: &str) -> Prediction {
        self.predict_prepared(&Prepared::new(claim), &Prepared::new(text))
    }

    /// [`StanceModel::predict`] over texts tokenized once, for a body paired with many claims.
    pub fn predict_prepared(&self, claim: &Prepared, text: &Prepared) -> Prediction {
        Prediction::from_scores(self.scores(&pair_features(claim, text, &self.idf)))
    }

    /// Stance of one attributed statement toward `claim`: its `content` ("that it sent
    /// troops") read through its `cue` ("denied", "dismissed ... as", "neither confirmed nor
    /// denied"). A refuting cue turns content that supports or reports the claim into a denial
    /// (and a denial into support); a hedging or negated cue ("would not confirm") makes a
    /// related statement non-committal; other cues ("said", "confirmed") leave the content's
    /// stance as it is. The unrelated score is never moved.
    pub fn predict_statement(&self, claim: &str, content: &str, cue: &str) -> Prediction {
        let p = self.predict(claim, content);
        let cue_words = Prepared::new(cue).words;
        let lex = Lexicon::get();
        // A hit is negated when a negator stands up to four tokens before it (outside it:
        // "has never acknowledged" is itself a denial).
        let hits: Vec<(LexClass, bool)> = lex
            .find(&cue_words)
            .iter()
            .map(|h| {
                let from = h.start.saturating_sub(4);
                let negated = cue_words[from..h.start].iter().any(|w| lex.is_negator(w));
                (h.class, negated)
            })
            .collect();
        let has = |c: LexClass, neg: bool| hits.iter().any(|&(k, n)| k == c && n == neg);
        let mut s = p.scores;
        if has(LexClass::Refute, false) {
            // Denying related content takes a side: what supported or only reported the
            // claim now denies it, what denied it now supports it.
            let (sup, den, non) = (s[0], s[1], s[2]);
            s[0] = den;
            s[1] = sup + non;
            s[2] = 0.0;
        } else if has(LexClass::Hedge, false)
            || has(LexClass::Support, true)
            || has(LexClass::Refute, true)
        {
            // "neither confirmed nor denied", "would not confirm", "did not deny": related,
            // but no side taken.
            let moved = s[0] + s[1];
            s[0] = 0.0;
            s[1] = 0.0;
            s[2] += moved;
        }
        Prediction::from_scores(s)
    }

    const MAGIC: &'static [u8; 8] = b"CTSTAN01";

    /// Compact binary form: weights quantized to i16 with one scale, rows whose weights are all
    /// below `prune` dropped; IDF values quantized to u16.
    pub fn to_bytes(&self, prune: f32) -> Vec<u8> {
        let max = self
            .weights
            .iter()
            .flat_map(|w| w.iter())
            .fold(0f32, |m, w| m.max(w.abs()))
            .max(1e-9);
        let scale = max / 32767.0;
        let rows: Vec<usize> = (0..self.keys.len())
            .filter(|&r| self.weights[r].iter().any(|w| w.abs() >= prune))
            .collect();
        let mut out = Vec::new();
        out.extend_from_slice(Self::MAGIC);
        out.extend_from_slice(&DIM_BITS.to_le_bytes());
        out.extend_from_slice(&scale.to_le_bytes());
        out.extend_from_slice(&(rows.len() as u32).to_le_bytes());
        for r in rows {
            out.extend_from_slice(&self.keys[r].to_le_bytes());
            for w in self.weights[r] {
                let q = (w / scale).round().clamp(-32767.0, 32767.0) as i16;
                out.extend_from_slice(&q.to_le_bytes());
            }
        }
        let mut idf: Vec<(u64, f32)> = self.idf.map.iter().map(|(&k, &v)| (k, v)).collect();
        idf.sort_unstable_by_key(|e| e.0);
        let idf_max = idf
            .iter()
            .fold(self.idf.unseen, |m, e| m.max(e.1))
            .max(1e-9);
        let idf_scale = idf_max / 65535.0;
        out.extend_from_slice(&idf_scale.to_le_bytes());
        out.extend_from_slice(&self.idf.unseen.to_le_bytes());
        out.extend_from_slice(&(idf.len() as u32).to_le_bytes());
        for (k, v) in idf {
            out.extend_from_slice(&k.to_le_bytes());
            let q = (v / idf_scale).round().clamp(0.0, 65535.0) as u16;
            out.extend_from_slice(&q.to_le_bytes());
        }
        out
    }

    /// Parses [`StanceModel::to_bytes`]'s output; a truncated or foreign file is an error.
    pub fn from_bytes(bytes: &[u8]) -> Result<StanceModel, ModelError> {
        let mut r = Reader { bytes, at: 0 };
        if r.take(8)? != Self::MAGIC {
            return Err(ModelError(
                "not a claimtrail stance model (magic mismatch); run `claimtrail train stance`"
                    .into(),
            ));
        }
        if r.u32()? != DIM_BITS {
            return Err(ModelError(
                "feature space size differs from the code's".into(),
            ));
        }
        let scale = r.f32()?;
        let n_rows = r.u32()? as usize;
        let mut keys = Vec::with_capacity(n_rows.min(bytes.len() / 12));
        let mut weights = Vec::with_capacity(keys.capacity());
        for _ in 0..n_rows {
            keys.push(r.u32()?);
            let mut w = [0f32; N];
            for x in w.iter_mut() {
                *x = f32::from(r.i16()?) * scale;
            }
            weights.push(w);
        }
        if keys.windows(2).any(|k| k[0] >= k[1]) {
            return Err(ModelError("weight rows are not sorted".into()));
        }
        let idf_scale = r.f32()?;
        let unseen = r.f32()?;
        let n_idf = r.u32()? as usize;
        let mut idf = Idf {
            map: Default::default(),
            unseen,
        };
        for _ in 0..n_idf {
            let k = r.u64()?;
            let v = f32::from(r.u16()?) * idf_scale;
            idf.map.insert(k, v);
        }
        if r.at != bytes.len() {
            return Err(ModelError("trailing bytes after the IDF table".into()));
        }
        Ok(StanceModel { keys, weights, idf })
    }

    /// Number of feature rows with weights.
    pub fn n_features(&self) -> usize {
        self.keys.len()
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], ModelError> {
        let end = self
            .at
            .checked_add(n)
            .filter(|&e| e <= self.bytes.len())
            .ok_or_else(|| ModelError("truncated".into()))?;
        let s = &self.bytes[self.at..end];
        self.at = end;
        Ok(s)
    }
    fn array<const K: usize>(&mut self) -> Result<[u8; K], ModelError> {
        let mut a = [0u8; K];
        a.copy_from_slice(self.take(K)?);
        Ok(a)
    }
    fn u32(&mut self) -> Result<u32, ModelError> {
        Ok(u32::from_le_bytes(self.array()?))
    }
    fn u64(&mut self) -> Result<u64, ModelError> {
        Ok(u64::from_le_bytes(self.array()?))
    }
    fn f32(&mut self) -> Result<f32, ModelError> {
        Ok(f32::from_le_bytes(self.array()?))
    }
    fn i16(&mut self) -> Result<i16, ModelError> {
        Ok(i16::from_le_bytes(self.array()?))
    }
    fn u16(&mut self) -> Result<u16, ModelError> {
        Ok(u16::from_le_bytes(self.array()?))
    }
}

fn softmax(z: [f32; N]) -> [f32; N] {
    let max = z.iter().fold(f32::NEG_INFINITY, |m, &x| m.max(x));
    let mut e = z.map(|x| (x - max).exp());
    let sum: f32 = e.iter().sum();
    e.iter_mut().for_each(|x| *x /= sum);
    e
}

/// One labelled training pair.
#[derive(Clone, Copy, Debug)]
pub struct Example<'a> {
    pub claim: &'a str,
    pub text: &'a str,
    pub stance: Stance,
}

/// How to train; the defaults are the committed model's.
#[derive(Clone, Debug)]
pub struct TrainConfig {
    pub epochs: usize,
    /// AdaGrad step size.
    pub rate: f32,
    /// L2 penalty, applied lazily to the features an example touches.
    pub l2: f32,
    /// Per-class loss weights are `(n_max / n_class) ^ balance`: 0 ignores class sizes, 1 weighs
    /// every class equally (macro-F1 rewards rare classes such as denials).
    pub balance: f32,
    pub seed: u64,
    /// Rows whose weights are all below this are dropped when the model is stored.
    pub prune: f32,
}

impl Default for TrainConfig {
    fn default() -> TrainConfig {
        TrainConfig {
            epochs: 12,
            rate: 0.005,
            l2: 1e-6,
            balance: 0.75,
            seed: 0x5eed_57a4_ce11_0001,
            prune: 1e-3,
        }
    }
}

/// Texts tokenized once each, however many pairs share them.
pub struct PreparedCache<'a> {
    index: HashMap<&'a str, usize>,
    texts: Vec<Prepared>,
}

impl<'a> PreparedCache<'a> {
    pub fn new() -> PreparedCache<'a> {
        PreparedCache {
            index: HashMap::new(),
            texts: Vec::new(),
        }
    }

    pub fn id(&mut self, s: &'a str) -> usize {
        if let Some(&i) = self.index.get(s) {
            return i;
        }
        let i = self.texts.len();
        self.texts.push(Prepared::new(s));
        self.index.insert(s, i);
        i
    }

    pub fn get(&self, i: usize) -> Option<&Prepared> {
        self.texts.get(i)
    }
}

impl Default for PreparedCache<'_> {
    fn default() -> Self {
        Self::new()
    }
}

impl StanceModel {
    /// Predictions for many pairs, tokenizing each distinct text once.
    pub fn predict_many(&self, pairs: &[(&str, &str)]) -> Vec<Prediction> {
        let mut cache = PreparedCache::new();
        let ids: Vec<(usize, usize)> = pairs
            .iter()
            .map(|(c, t)| (cache.id(c), cache.id(t)))
            .collect();
        ids.iter()
            .filter_map(|&(c, t)| Some(self.predict_prepared(cache.get(c)?, cache.get(t)?)))
            .collect()
    }

    /// Trains a model on `examples`, deterministically (fixed seed, input order).
    pub fn train(examples: &[Example<'_>], config: &TrainConfig) -> StanceModel {
        let mut cache = PreparedCache::new();
        let ids: Vec<(usize, usize, usize)> = examples
            .iter()
            .map(|e| (cache.id(e.claim), cache.id(e.text), e.stance.index()))
            .collect();
        let idf = Idf::from_documents(cache.texts.iter());
        let data: Vec<(Vector, usize)> = ids
            .iter()
            .filter_map(|&(c, t, y)| Some((pair_features(cache.get(c)?, cache.get(t)?, &idf), y)))
            .collect();
        let mut counts = [0usize; N];
        for (_, y) in &data {
            counts[*y] += 1;
        }
        let most = counts.iter().copied().max().unwrap_or(1).max(1) as f32;
        let class_weight: [f32; N] = counts.map(|c| {
            if c == 0 {
                1.0
            } else {
                (most / c as f32).powf(config.balance)
            }
        });
        let dim = 1usize << DIM_BITS;
        let mut w = vec![0f32; dim * N];
        let mut g2 = vec![0f32; dim * N];
        let mut order: Vec<usize> = (0..data.len()).collect();
        let mut rng = Rng(config.seed | 1);
        for _ in 0..config.epochs {
            rng.shuffle(&mut order);
            for &e in &order {
                let (x, y) = &data[e];
                let mut z = [0f32; N];
                for &(i, v) in x {
                    let row = &w[i as usize * N..][..N];
                    for (zc, wc) in z.iter_mut().zip(row) {
                        *zc += wc * v;
                    }
                }
                let p = softmax(z);
                let cw = class_weight[*y];
                for &(i, v) in x {
                    let base = i as usize * N;
                    for c in 0..N {
                        let target = if c == *y { 1.0 } else { 0.0 };
                        let g = cw * (p[c] - target) * v + config.l2 * w[base + c];
                        g2[base + c] += g * g;
                        w[base + c] -= config.rate * g / (g2[base + c].sqrt() + 1e-8);
                    }
                }
            }
        }
        let mut keys = Vec::new();
        let mut weights = Vec::new();
        for i in 0..dim {
            let row = &w[i * N..][..N];
            if row.iter().any(|x| x.abs() >= config.prune) {
                keys.push(i as u32);
                let mut r = [0f32; N];
                r.copy_from_slice(row);
                weights.push(r);
            }
        }
        StanceModel { keys, weights, idf }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toy() -> StanceModel {
        let ex = [
            (
                "Estmark sent troops to Valdora",
                "Estmark sent troops to Valdora",
                Stance::Supports,
            ),
            (
                "Estmark sent troops to Valdora",
                "Estmark denies sending troops, calls report fake",
                Stance::Denies,
            ),
            (
                "Estmark sent troops to Valdora",
                "Estmark reportedly sent troops, sources claim",
                Stance::NonCommittal,
            ),
            (
                "Estmark sent troops to Valdora",
                "Apple unveils a new watch",
                Stance::Unrelated,
            ),
        ];
        let examples: Vec<Example> = ex
            .iter()
            .map(|&(claim, text, stance)| Example {
                claim,
                text,
                stance,
            })
            .collect();
        StanceModel::train(&examples, &TrainConfig::default())
    }

    #[test]
    fn a_toy_model_fits_and_round_trips() {
        let m = toy();
        let p = m.predict(
            "Estmark sent troops to Valdora",
            "Apple unveils a new watch",
        );
        assert_eq!(p.stance, Stance::Unrelated);
        let bytes = m.to_bytes(0.0);
        let back = StanceModel::from_bytes(&bytes).expect("round trip");
        let q = back.predict(
            "Estmark sent troops to Valdora",
            "Apple unveils a new watch",
        );
        assert_eq!(q.stance, Stance::Unrelated);
        assert!(StanceModel::from_bytes(&bytes[..bytes.len() - 1]).is_err());
        assert!(StanceModel::from_bytes(b"nonsense").is_err());
    }

    #[test]
    fn training_is_deterministic() {
        assert_eq!(toy().to_bytes(0.0), toy().to_bytes(0.0));
    }

    #[test]
    fn the_committed_model_reads_denials_hedges_and_other_topics() {
        let m = StanceModel::load_default().expect("embedded model loads");
        let claim = "Estmark sent 4,000 marines to Valdora";
        let cases = [
            (
                "Estmark's envoy dismissed the reports of marines in Valdora as fake news",
                Stance::Denies,
            ),
            (
                "Estmark reportedly sent marines to Valdora, unconfirmed sources claim",
                Stance::NonCommittal,
            ),
            (
                "Harbor city opens a new bridge for cyclists after years of delays",
                Stance::Unrelated,
            ),
            (
                "Estmark has sent 4,000 marines to Valdora",
                Stance::Supports,
            ),
        ];
        for (text, want) in cases {
            let p = m.predict(claim, text);
            assert_eq!(p.stance, want, "{text}: {:?}", p.scores);
        }
    }

    #[test]
    fn labels_parse() {
        assert_eq!(Stance::parse("against"), Some(Stance::Denies));
        assert_eq!(Stance::parse("discuss"), Some(Stance::NonCommittal));
        assert_eq!(Stance::parse("maybe"), None);
        for s in Stance::ALL {
            assert_eq!(Stance::from_index(s.index()), Some(s));
            assert_eq!(Stance::parse(s.as_str()), Some(s));
        }
    }

    #[test]
    fn statement_cues_flip_or_hedge() {
        let m = toy();
        let claim = "Estmark sent troops to Valdora";
        let plain = m.predict(claim, "Estmark sent troops to Valdora");
        let denied = m.predict_statement(claim, "Estmark sent troops to Valdora", "denied");
        let moved = plain.score(Stance::Supports) + plain.score(Stance::NonCommittal);
        assert!((denied.score(Stance::Denies) - moved).abs() < 1e-6);
        let hedged = m.predict_statement(
            claim,
            "Estmark sent troops to Valdora",
            "neither confirmed nor denied",
        );
        assert_eq!(hedged.score(Stance::Supports), 0.0);
    }
}
