//! A multi-class averaged perceptron over hashed features, shared by the statistical taggers.
//!
//! Features are 64-bit hashes of (template, strings) built with [`feature`], so extraction never
//! allocates. Training keeps running totals for averaging (Collins 2002, with the lazy
//! timestamp trick); the trained model keeps only the averaged weights, quantized to 16 bits, in
//! one flat array behind an identity-hashed index. The binary format is versioned and checked on
//! load, so a truncated or foreign file is an error, not a panic.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// Hasher for keys that are already hashes.
#[derive(Default)]
pub struct IdentityHasher(u64);

impl Hasher for IdentityHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) | u64::from(b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

pub type IdMap<V> = HashMap<u64, V, BuildHasherDefault<IdentityHasher>>;

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

/// Hash of a feature: a template number and its string parts.
pub fn feature(template: u16, parts: &[&str]) -> u64 {
    let mut h = FNV_OFFSET;
    for b in template.to_le_bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(FNV_PRIME);
    }
    for p in parts {
        for &b in p.as_bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(FNV_PRIME);
        }
        h ^= 0xff;
        h = h.wrapping_mul(FNV_PRIME);
    }
    // Final avalanche so that the identity-hashed map spreads well.
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelError(pub String);

impl std::fmt::Display for ModelError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "bad model file: {}", self.0)
    }
}

impl std::error::Error for ModelError {}

/// The trained, averaged model.
///
/// Weights are kept as they are stored, quantized to i16 with one scale. Each feature's key
/// and weights sit side by side in one entry of an open-addressing table, found by linear
/// probing from `key & mask`: scoring a feature usually costs one cache miss (the entry
/// holds both the key to compare and the weights to add). An earlier layout kept a table of
/// row numbers beside a separate row array, which cost two misses per feature; scoring is
/// bound by those misses, so this halves the taggers' time where the model is larger than the
/// cache.
#[derive(Clone, Debug)]
pub struct Perceptron {
    n_classes: usize,
    /// `scale * i16` is the weight.
    scale: f32,
    /// Entry `e` is `table[e * stride..][..stride]`: four i16 holding the u64 key, then the
    /// weights, then padding to a multiple of four i16 (so that small entries do not straddle
    /// cache lines). Key 0 marks an empty entry.
    table: Vec<i16>,
    mask: usize,
    n_features: usize,
}

const KEY_WORDS: usize = 4;

impl Perceptron {
    pub fn n_classes(&self) -> usize {
        self.n_classes
    }

    pub fn n_features(&self) -> usize {
        self.n_features
    }

    fn stride(&self) -> usize {
        Self::stride_for(self.n_classes)
    }

    fn stride_for(n_classes: usize) -> usize {
        (KEY_WORDS + n_classes).div_ceil(4) * 4
    }

    #[inline]
    fn row_key(row: &[i16]) -> u64 {
        let mut k = 0u64;
        for (i, &w) in row[..KEY_WORDS].iter().enumerate() {
            k |= u64::from(w as u16) << (16 * i);
        }
        k
    }

    /// Builds the model from (key, quantized weights) rows.
    fn from_rows(
        n_classes: usize,
        scale: f32,
        rows: impl ExactSizeIterator<Item = (u64, Vec<i16>)>,
    ) -> Perceptron {
        let n_rows = rows.len();
        let stride = Self::stride_for(n_classes);
        // A load factor of at most 2/3 keeps probe runs short.
        let n_slots = (n_rows + n_rows / 2 + 1).next_power_of_two().max(16);
        let mask = n_slots - 1;
        let mut table = vec![0i16; n_slots * stride];
        let mut n_features = 0;
        for (key, weights) in rows {
            // Key 0 is the empty marker; a feature hashing to exactly 0 (odds 2^-64) is dropped.
            if key == 0 {
                continue;
            }
            let mut s = key as usize & mask;
            loop {
                let e = &mut table[s * stride..][..stride];
                let k = Self::row_key(e);
                if k == 0 || k == key {
                    for (i, w) in e[..KEY_WORDS].iter_mut().enumerate() {
                        *w = (key >> (16 * i)) as u16 as i16;
                    }
                    for (dst, &w) in e[KEY_WORDS..KEY_WORDS + n_classes].iter_mut().zip(&weights) {
                        *dst = w;
                    }
                    n_features += usize::from(k == 0);
                    break;
                }
                s = (s + 1) & mask;
            }
        }
        Perceptron {
            n_classes,
            scale,
            table,
            mask,
            n_features,
        }
    }

    /// The weights of feature `key`, if the model has it, probing from slot `s`.
    #[inline]
    fn row_from(&self, mut s: usize, key: u64) -> Option<&[i16]> {
        let stride = self.stride();
        loop {
            let e = &self.table[s * stride..][..stride];
            let k = Self::row_key(e);
            if k == key {
                return Some(&e[KEY_WORDS..KEY_WORDS + self.n_classes]);
            }
            if k == 0 {
                return None;
            }
            s = (s + 1) & self.mask;
        }
    }

    /// Adds each feature's weights into `scores` (which must hold `n_classes` values).
    pub fn score_into(&self, features: &[u64], scores: &mut [f32]) {
        scores.iter_mut().for_each(|s| *s = 0.0);
        let stride = self.stride();
        // Scoring is bound by memory latency. Reading every feature's first entry in a tight
        // loop of its own lets the processor have all those cache misses in flight at once,
        // instead of one per feature behind the key comparison.
        let mut first = [0u64; 64];
        for chunk in features.chunks(64) {
            for (k, &f) in first.iter_mut().zip(chunk) {
                let s = f as usize & self.mask;
                *k = Self::row_key(&self.table[s * stride..][..KEY_WORDS]);
            }
            for (&k, &f) in first.iter().zip(chunk) {
                if k == 0 || f == 0 {
                    continue;
                }
                if let Some(w) = self.row_from(f as usize & self.mask, f) {
                    for (s, &w) in scores.iter_mut().zip(w) {
                        *s += f32::from(w);
                    }
                }
            }
        }
        scores.iter_mut().for_each(|s| *s *= self.scale);
    }

    /// The weight of one quantized unit: a stored `i16` times this is the weight.
    pub fn scale(&self) -> f32 {
        self.scale
    }

    /// Every feature the model holds: its key and its quantized weights (see
    /// [`Perceptron::scale`]), in table order. For callers that lay the weights out their own
    /// way for speed.
    pub fn rows(&self) -> impl Iterator<Item = (u64, &[i16])> + '_ {
        let n = self.n_classes;
        self.table
            .chunks_exact(self.stride())
            .filter(|r| Self::row_key(r) != 0)
            .map(move |r| (Self::row_key(r), &r[KEY_WORDS..KEY_WORDS + n]))
    }

    /// The best class.
    pub fn predict(&self, features: &[u64], scores: &mut [f32]) -> usize {
        self.score_into(features, scores);
        argmax(scores)
    }

    const MAGIC: &'static [u8; 8] = b"CTPERC01";

    /// Compact binary form: weights quantized to i16 with one scale; features whose weights are
    /// all below `prune` in absolute value are dropped.
    pub fn to_bytes(&self, prune: f32) -> Vec<u8> {
        let n = self.n_classes;
        let rows = self.kept_rows(prune);
        let mut out = Vec::with_capacity(20 + rows.len() * (8 + 2 * n));
        out.extend_from_slice(Self::MAGIC);
        out.extend_from_slice(&(n as u32).to_le_bytes());
        out.extend_from_slice(&(rows.len() as u32).to_le_bytes());
        out.extend_from_slice(&self.scale.to_le_bytes());
        for r in rows {
            out.extend_from_slice(&Self::row_key(r).to_le_bytes());
            for w in &r[KEY_WORDS..] {
                out.extend_from_slice(&w.to_le_bytes());
            }
        }
        out
    }

    /// The rows (key and weights) with some weight of at least `prune`, in key order.
    fn kept_rows(&self, prune: f32) -> Vec<&[i16]> {
        let n = self.n_classes;
        let mut rows: Vec<&[i16]> = self
            .table
            .chunks_exact(self.stride())
            .filter(|r| Self::row_key(r) != 0)
            .map(|r| &r[..KEY_WORDS + n])
            .filter(|r| {
                r[KEY_WORDS..]
                    .iter()
                    .any(|&w| f32::from(w).abs() * self.scale >= prune)
            })
            .collect();
        rows.sort_unstable_by_key(|r| Self::row_key(r));
        rows
    }

    /// The model as [`Perceptron::to_bytes`] with the same `prune` stores it.
    pub fn pruned(&self, prune: f32) -> Perceptron {
        let rows: Vec<(u64, Vec<i16>)> = self
            .kept_rows(prune)
            .into_iter()
            .map(|r| (Self::row_key(r), r[KEY_WORDS..].to_vec()))
            .collect();
        Perceptron::from_rows(self.n_classes, self.scale, rows.into_iter())
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Perceptron, ModelError> {
        let err = |m: &str| ModelError(m.to_string());
        if bytes.len() < 20 || &bytes[..8] != Self::MAGIC {
            return Err(err("not a claimtrail perceptron (magic mismatch)"));
        }
        let u32_at =
            |i: usize| u32::from_le_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]]);
        let n = u32_at(8) as usize;
        let rows = u32_at(12) as usize;
        let scale = f32::from_le_bytes([bytes[16], bytes[17], bytes[18], bytes[19]]);
        let row_len = 8 + 2 * n;
        if n == 0 || rows.checked_mul(row_len).and_then(|l| l.checked_add(20)) != Some(bytes.len())
        {
            return Err(err("length does not match header"));
        }
        let rows = bytes[20..].chunks_exact(row_len).map(|chunk| {
            let mut k = [0u8; 8];
            k.copy_from_slice(&chunk[..8]);
            let weights = chunk[8..]
                .chunks_exact(2)
                .map(|w| i16::from_le_bytes([w[0], w[1]]))
                .collect();
            (u64::from_le_bytes(k), weights)
        });
        Ok(Perceptron::from_rows(n, scale, rows))
    }
}

/// A tiny deterministic PRNG (xorshift64*) for shuffling training data: no dependency, the
/// same order on every machine, so training writes the same bytes. The seed must be non-zero.
pub struct Rng(pub u64);

impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// Fisher-Yates shuffle.
    pub fn shuffle<T>(&mut self, xs: &mut [T]) {
        for i in (1..xs.len()).rev() {
            let j = (self.next_u64() % (i as u64 + 1)) as usize;
            xs.swap(i, j);
        }
    }
}

pub fn argmax(scores: &[f32]) -> usize {
    let mut best = 0;
    for (i, &s) in scores.iter().enumerate() {
        if s > scores[best] {
            best = i;
        }
    }
    best
}

/// Training state: current weights plus the totals needed to average them.
pub struct Trainer {
    n_classes: usize,
    index: IdMap<u32>,
    weights: Vec<f32>,
    totals: Vec<f64>,
    stamps: Vec<u64>,
    step: u64,
}

impl Trainer {
    pub fn new(n_classes: usize) -> Trainer {
        Trainer {
            n_classes,
            index: IdMap::default(),
            weights: Vec::new(),
            totals: Vec::new(),
            stamps: Vec::new(),
            step: 0,
        }
    }

    pub fn score_into(&self, features: &[u64], scores: &mut [f32]) {
        scores.iter_mut().for_each(|s| *s = 0.0);
        for f in features {
            if let Some(&row) = self.index.get(f) {
                let row = row as usize * self.n_classes;
                for (s, w) in scores
                    .iter_mut()
                    .zip(&self.weights[row..row + self.n_classes])
                {
                    *s += *w;
                }
            }
        }
    }

    pub fn predict(&self, features: &[u64], scores: &mut [f32]) -> usize {
        self.score_into(features, scores);
        argmax(scores)
    }

    /// Counts one training example (call once per example, before or after `update`).
    pub fn tick(&mut self) {
        self.step += 1;
    }

    /// The row of feature `f`, added (zeroed) when new.
    fn row(&mut self, f: u64) -> usize {
        if let Some(&r) = self.index.get(&f) {
            return r as usize;
        }
        let r = self.index.len();
        let n = self.n_classes;
        self.index.insert(f, r as u32);
        self.weights.resize((r + 1) * n, 0.0);
        self.totals.resize((r + 1) * n, 0.0);
        self.stamps.resize((r + 1) * n, self.step);
        r
    }

    fn add(&mut self, i: usize, delta: f32) {
        self.totals[i] += f64::from(self.weights[i]) * (self.step - self.stamps[i]) as f64;
        self.stamps[i] = self.step;
        self.weights[i] += delta;
    }

    /// Moves weight from `guess` to `truth` for every feature.
    pub fn update(&mut self, truth: usize, guess: usize, features: &[u64]) {
        if truth == guess {
            return;
        }
        for &f in features {
            let row = self.row(f) * self.n_classes;
            self.add(row + truth, 1.0);
            self.add(row + guess, -1.0);
        }
    }

    /// A ranking update for a one-class model: weight moves from the features of the
    /// candidate the model chose (`bad`) to those of the right one (`good`). Features both
    /// share cancel out.
    pub fn update_rank(&mut self, good: &[u64], bad: &[u64]) {
        for (fs, delta) in [(good, 1.0f32), (bad, -1.0f32)] {
            for &f in fs {
                let row = self.row(f) * self.n_classes;
                self.add(row, delta);
            }
        }
    }

    /// The averaged model, quantized as it will be stored (so that a model scored straight
    /// after training scores as it will after a round trip through bytes).
    pub fn finish(mut self) -> Perceptron {
        let step = self.step.max(1);
        let mut max = 0f32;
        for i in 0..self.weights.len() {
            self.totals[i] += f64::from(self.weights[i]) * (step - self.stamps[i]) as f64;
            self.weights[i] = (self.totals[i] / step as f64) as f32;
            max = max.max(self.weights[i].abs());
        }
        let scale = max.max(1e-9) / 32767.0;
        let n = self.n_classes;
        let mut rows: Vec<(u64, u32)> = self.index.iter().map(|(&k, &v)| (k, v)).collect();
        rows.sort_unstable();
        let weights = &self.weights;
        let rows = rows.into_iter().map(|(k, r)| {
            let r = r as usize * n;
            let q = weights[r..r + n]
                .iter()
                .map(|w| (w / scale).round().clamp(-32767.0, 32767.0) as i16)
                .collect();
            (k, q)
        });
        Perceptron::from_rows(n, scale, rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn learns_a_separable_problem_and_round_trips() {
        let data: Vec<(Vec<u64>, usize)> = (0..200)
            .map(|i| {
                let class = i % 3;
                (
                    vec![feature(1, &[&class.to_string()]), feature(2, &["bias"])],
                    class,
                )
            })
            .collect();
        let mut t = Trainer::new(3);
        let mut scores = vec![0.0; 3];
        for _ in 0..3 {
            for (f, y) in &data {
                let g = t.predict(f, &mut scores);
                t.update(*y, g, f);
                t.tick();
            }
        }
        let m = t.finish();
        let m2 = Perceptron::from_bytes(&m.to_bytes(0.0)).expect("round trip");
        for (f, y) in &data {
            assert_eq!(m2.predict(f, &mut scores), *y);
        }
        // Pruned in memory is pruned as stored; pruning everything leaves a model of zeros.
        for prune in [0.0, 0.5, 1e9] {
            let stored = Perceptron::from_bytes(&m.to_bytes(prune)).expect("round trip");
            assert_eq!(m.pruned(prune).to_bytes(0.0), stored.to_bytes(0.0));
        }
        assert_eq!(m.pruned(1e9).n_features(), 0);
        assert!(Perceptron::from_bytes(b"garbage").is_err());
        let mut cut = m.to_bytes(0.0);
        cut.pop();
        assert!(Perceptron::from_bytes(&cut).is_err());
    }
}
