//! Part-of-speech tags (Universal Dependencies UPOS) and lemmas.
//!
//! The tagger is a greedy left-to-right averaged perceptron ([`crate::perceptron`]) trained on
//! UD English EWT by `claimtrail train pos`. Greedy decoding keeps it fast (well over half a
//! million tokens a second on one core), and two cheap additions recover most of what a
//! bidirectional model would add:
//!
//! - a *tag dictionary* fixes the tag of frequent words that are (almost) never ambiguous, so
//!   the perceptron is neither asked nor trained on them;
//! - an *ambiguity class* lexicon (the set of tags a word was seen with in training) gives the
//!   model a look at the likely tags of the next words, which greedy decoding has not yet
//!   predicted.
//!
//! Feature extraction hashes string slices straight into 64-bit features: per sentence, the
//! normalized and lowercased words are written once into one reused buffer, so tagging does not
//! allocate per token.
//!
//! Lemmas come from English suffix rules, a vocabulary of known lemmas that picks among rule
//! candidates ("making" -> "make", not "mak"), and an exceptions table for forms where the
//! rules fail on the training data ("went" -> "go", "me" -> "I"). Both tables are learned from
//! EWT train and committed as `models/lemmas.tsv`, readable and diffable.
//!
//! ```
//! let tagger = text::pos::Tagger::embedded().expect("embedded model loads");
//! let tags = tagger.tag_words(&["The", "troops", "arrived", "."]);
//! assert_eq!(tags[1], text::Upos::NOUN);
//! assert_eq!(tagger.lemmatizer().lemma("arrived", text::Upos::VERB), "arrive");
//! ```

use crate::doc::{Doc, TokenKind, Upos};
use crate::perceptron::{feature, IdMap, ModelError, Perceptron, Trainer};
use crate::pipeline::{Component, Layer};
use std::collections::{HashMap, HashSet};

const N_TAGS: usize = Upos::ALL.len();

/// Training settings. The defaults are the ones the committed model was trained with.
#[derive(Clone, Debug)]
pub struct TrainConfig {
    pub epochs: usize,
    /// Seed for shuffling the sentences between epochs.
    pub seed: u64,
    /// Features whose averaged weights all lie below this are left out of the saved model.
    pub prune: f32,
    /// A word enters the tag dictionary when seen at least this often ...
    pub dict_min_count: u32,
    /// ... and with one tag at least this share of the time.
    pub dict_min_share: f64,
}

impl Default for TrainConfig {
    fn default() -> TrainConfig {
        TrainConfig {
            epochs: 7,
            seed: 0x0005_EED0_FCA7,
            // Halves the model against 0.05 for a few hundredths of a point on EWT dev.
            prune: 1.0,
            dict_min_count: 20,
            dict_min_share: 0.995,
        }
    }
}

/// splitmix64: a tiny deterministic generator, enough for shuffling (no `rand` dependency).
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = (self.next() % (i as u64 + 1)) as usize;
            items.swap(i, j);
        }
    }
}

/// Per-word lexical facts learned from training data, keyed by the hash of the lowercased word.
#[derive(Clone, Copy, Debug, Default)]
struct Entry {
    /// Bit `t` is set when the word was seen with tag `t`.
    tags: u32,
    /// The tag fixed by the tag dictionary, if the word is unambiguous enough.
    fixed: Option<Upos>,
}

/// The tagger and lemmatizer.
pub struct Tagger {
    model: Perceptron,
    lexicon: IdMap<Entry>,
    lemmatizer: Lemmatizer,
}

const MAGIC: &[u8; 8] = b"CTPOS001";

fn word_key(lower: &str) -> u64 {
    feature(0xffff, &[lower])
}

impl Tagger {
    /// The model committed in `crates/text/models/` (pos.bin and lemmas.tsv).
    pub fn embedded() -> Result<Tagger, ModelError> {
        let tagger = Tagger::from_bytes(include_bytes!("../models/pos.bin"))
            .map_err(|e| ModelError(format!("models/pos.bin: {}", e.0)))?;
        let lemmatizer = Lemmatizer::from_tsv(include_str!("../models/lemmas.tsv"))
            .map_err(|e| ModelError(format!("models/lemmas.tsv: {}", e.0)))?;
        Ok(tagger.with_lemmatizer(lemmatizer))
    }

    /// Replaces the lemmatizer (a freshly trained tagger has the rules-only one).
    pub fn with_lemmatizer(mut self, lemmatizer: Lemmatizer) -> Tagger {
        self.lemmatizer = lemmatizer;
        self
    }

    pub fn lemmatizer(&self) -> &Lemmatizer {
        &self.lemmatizer
    }

    /// Number of hashed features kept in the model.
    pub fn n_features(&self) -> usize {
        self.model.n_features()
    }

    /// Serializes the lexicon and the perceptron (the lemmatizer is saved separately, as TSV).
    pub fn to_bytes(&self, prune: f32) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(MAGIC);
        let mut entries: Vec<(u64, Entry)> = self.lexicon.iter().map(|(&k, &e)| (k, e)).collect();
        entries.sort_unstable_by_key(|&(k, _)| k);
        out.extend_from_slice(&(entries.len() as u32).to_le_bytes());
        for (k, e) in entries {
            out.extend_from_slice(&k.to_le_bytes());
            out.extend_from_slice(&e.tags.to_le_bytes());
            out.push(e.fixed.map_or(u8::MAX, |t| t.index() as u8));
        }
        out.extend_from_slice(&self.model.to_bytes(prune));
        out
    }

    /// Reads what [`Tagger::to_bytes`] wrote; the lemmatizer is the rules-only one.
    pub fn from_bytes(bytes: &[u8]) -> Result<Tagger, ModelError> {
        let err = |m: &str| ModelError(m.to_string());
        if bytes.len() < 12 || &bytes[..8] != MAGIC {
            return Err(err("not a claimtrail POS model (magic mismatch)"));
        }
        let n = u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize;
        const ENTRY: usize = 8 + 4 + 1;
        let lex_end = n
            .checked_mul(ENTRY)
            .and_then(|l| l.checked_add(12))
            .filter(|&e| e <= bytes.len())
            .ok_or_else(|| err("lexicon runs past the end of the file"))?;
        let mut lexicon = IdMap::default();
        lexicon.reserve(n);
        for c in bytes[12..lex_end].chunks_exact(ENTRY) {
            let mut k = [0u8; 8];
            k.copy_from_slice(&c[..8]);
            let tags = u32::from_le_bytes([c[8], c[9], c[10], c[11]]);
            let fixed = match c[12] {
                u8::MAX => None,
                t => Some(
                    *Upos::ALL
                        .get(t as usize)
                        .ok_or_else(|| err("tag index out of range in lexicon"))?,
                ),
            };
            lexicon.insert(u64::from_le_bytes(k), Entry { tags, fixed });
        }
        let model = Perceptron::from_bytes(&bytes[lex_end..])?;
        if model.n_classes() != N_TAGS {
            return Err(err("the perceptron does not have one class per UPOS tag"));
        }
        Ok(Tagger {
            model,
            lexicon,
            lemmatizer: Lemmatizer::rules_only(),
        })
    }

    /// Trains a tagger on sentences of (word, gold tag).
    pub fn train(sentences: &[Vec<(String, Upos)>], config: &TrainConfig) -> Tagger {
        let lexicon = build_lexicon(sentences, config);
        // Ambiguity classes seen in training would be perfect for the training words and
        // missing for new ones; computed leave-one-out (without the occurrence at hand) they
        // look to the model as they will on unseen text, where words seen once become unknown.
        let counts = tag_counts(sentences);
        let mut lower = String::new();
        let mut trainer = Trainer::new(N_TAGS);
        let mut order: Vec<usize> = (0..sentences.len()).collect();
        let mut rng = SplitMix64(config.seed);
        let mut ctx = Context::default();
        let mut scores = [0f32; N_TAGS];
        let mut words: Vec<&str> = Vec::new();
        let mut history: Vec<Upos> = Vec::new();
        for _ in 0..config.epochs {
            rng.shuffle(&mut order);
            for &si in &order {
                let sentence = &sentences[si];
                words.clear();
                words.extend(sentence.iter().map(|(w, _)| w.as_str()));
                ctx.prepare(&words, &lexicon);
                for (j, (w, gold)) in sentence.iter().enumerate() {
                    lower.clear();
                    normalize_lower(w, &mut lower);
                    let mut bits = 0u32;
                    if let Some(c) = counts.get(&word_key(&lower)) {
                        for (t, &n) in c.iter().enumerate() {
                            if n > u32::from(t == gold.index()) {
                                bits |= 1 << t;
                            }
                        }
                    }
                    ctx.tags[j] = if bits == 0 { UNKNOWN } else { bits };
                }
                history.clear();
                for (i, &(_, gold)) in sentence.iter().enumerate() {
                    if let Some(t) = ctx.fixed[i] {
                        history.push(t);
                        continue;
                    }
                    ctx.features(i, &history);
                    let guess = trainer.predict(&ctx.feats, &mut scores);
                    trainer.update(gold.index(), guess, &ctx.feats);
                    trainer.tick();
                    history.push(Upos::ALL[guess]);
                }
            }
        }
        Tagger {
            model: trainer.finish(),
            lexicon,
            lemmatizer: Lemmatizer::rules_only(),
        }
    }

    /// Tags one sentence given as words (for example the gold tokens of a treebank).
    pub fn tag_words(&self, words: &[&str]) -> Vec<Upos> {
        let mut ctx = Context::default();
        let mut out = Vec::with_capacity(words.len());
        self.tag_into(words, &[], &mut ctx, &mut out);
        out
    }

    /// Tags `words`, appending to `out`; `forced[i]`, where given, fixes the tag of word `i`
    /// (URLs, handles) so that the words after it see it as their left context.
    fn tag_into(
        &self,
        words: &[&str],
        forced: &[Option<Upos>],
        ctx: &mut Context,
        out: &mut Vec<Upos>,
    ) {
        ctx.prepare(words, &self.lexicon);
        let start = out.len();
        let mut scores = [0f32; N_TAGS];
        for i in 0..words.len() {
            let tag = match forced.get(i).copied().flatten().or(ctx.fixed[i]) {
                Some(t) => t,
                None => {
                    ctx.features(i, &out[start..]);
                    Upos::ALL[self.model.predict(&ctx.feats, &mut scores)]
                }
            };
            out.push(tag);
        }
    }
}

/// How often each word (by the hash of its lowercased form) was seen with each tag.
fn tag_counts(sentences: &[Vec<(String, Upos)>]) -> IdMap<[u32; N_TAGS]> {
    let mut counts: IdMap<[u32; N_TAGS]> = IdMap::default();
    let mut buf = String::new();
    for s in sentences {
        for (w, t) in s {
            buf.clear();
            normalize_lower(w, &mut buf);
            counts.entry(word_key(&buf)).or_insert([0; N_TAGS])[t.index()] += 1;
        }
    }
    counts
}

fn build_lexicon(sentences: &[Vec<(String, Upos)>], config: &TrainConfig) -> IdMap<Entry> {
    let mut lexicon = IdMap::default();
    for (w, c) in tag_counts(sentences) {
        let total: u32 = c.iter().sum();
        let mut tags = 0u32;
        for (t, &n) in c.iter().enumerate() {
            if n > 0 {
                tags |= 1 << t;
            }
        }
        let (best, &best_n) = c
            .iter()
            .enumerate()
            .max_by_key(|&(t, &n)| (n, std::cmp::Reverse(t)))
            .unwrap_or((0, &0));
        let fixed = (total >= config.dict_min_count
            && f64::from(best_n) >= config.dict_min_share * f64::from(total))
        .then_some(Upos::ALL[best]);
        lexicon.insert(w, Entry { tags, fixed });
    }
    lexicon
}

impl Component for Tagger {
    fn name(&self) -> &'static str {
        "pos"
    }
    fn requires(&self) -> &'static [Layer] {
        &[Layer::Tokens, Layer::Sentences]
    }
    fn assigns(&self) -> &'static [Layer] {
        &[Layer::Tags, Layer::Lemmas]
    }
    fn apply(&self, doc: &mut Doc) {
        let n = doc.tokens.len();
        let mut tags: Vec<Upos> = Vec::with_capacity(n);
        let mut ctx = Context::default();
        let mut words: Vec<&str> = Vec::new();
        let mut forced: Vec<Option<Upos>> = Vec::new();
        let mut tag_range = |range: std::ops::Range<usize>, tags: &mut Vec<Upos>| {
            words.clear();
            forced.clear();
            for i in range {
                let t = &doc.tokens[i];
                words.push(&doc.text[t.start..t.end]);
                // EWT tags web addresses, e-mail addresses and @handles as PROPN.
                forced.push(match t.kind {
                    TokenKind::Url | TokenKind::Email | TokenKind::Handle | TokenKind::Hashtag => {
                        Some(Upos::PROPN)
                    }
                    _ => None,
                });
            }
            self.tag_into(&words, &forced, &mut ctx, tags);
        };
        // Sentences should cover every token, but a token outside any sentence still gets a
        // tag: it is tagged as a sentence of its own run.
        let mut next = 0;
        for s in &doc.sentences {
            let (a, b) = (s.tokens.start.max(next), s.tokens.end.min(n));
            if a > next {
                tag_range(next..a, &mut tags);
            }
            if b > a {
                tag_range(a..b, &mut tags);
                next = b;
            }
        }
        if next < n {
            tag_range(next..n, &mut tags);
        }
        let lemmas = (0..n)
            .map(|i| self.lemmatizer.lemma(doc.token_text(i), tags[i]))
            .collect();
        doc.tags = Some(tags);
        doc.lemmas = Some(lemmas);
    }
}

/// Writes `word` lowercased, with curly quotes and apostrophes made straight (EWT is mostly
/// straight; news text mostly curly) and digits kept.
fn normalize_lower(word: &str, out: &mut String) {
    for c in word.chars() {
        match c {
            '\u{2018}' | '\u{2019}' | '\u{201B}' | '`' | '\u{00B4}' => out.push('\''),
            '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{00AB}' | '\u{00BB}' => {
                out.push('"')
            }
            c if c.is_ascii() => out.push(c.to_ascii_lowercase()),
            c => out.extend(c.to_lowercase()),
        }
    }
}

/// Writes the word's shape: `X` upper, `x` lower, `d` digit, other characters as they are,
/// with runs longer than two cut to two (`Seoul` -> `Xxx`, `10,000` -> `dd,ddd`->`dd,dd`).
fn write_shape(word: &str, out: &mut String) {
    let mut last = '\0';
    let mut run = 0;
    for c in word.chars() {
        let s = if c.is_uppercase() {
            'X'
        } else if c.is_lowercase() {
            'x'
        } else if c.is_numeric() {
            'd'
        } else if c.is_alphabetic() {
            'a'
        } else {
            c
        };
        if s == last {
            run += 1;
            if run > 2 {
                continue;
            }
        } else {
            last = s;
            run = 1;
        }
        out.push(s);
    }
}

/// The last `n` characters of `s` (all of it when shorter).
fn suffix(s: &str, n: usize) -> &str {
    match s.char_indices().rev().nth(n.saturating_sub(1)) {
        Some((i, _)) if n > 0 => &s[i..],
        _ => s,
    }
}

/// The first `n` characters of `s` (all of it when shorter).
fn prefix(s: &str, n: usize) -> &str {
    match s.char_indices().nth(n) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

const PAD_START: &str = "-START-";
/// Ambiguity class of a word never seen in training (no real class has this bit).
const UNKNOWN: u32 = 1 << 31;
const PAD_END: &str = "-END-";
const POSITIONS: [&str; 4] = ["0", "1", "2", "3"];

/// Reused buffers for one sentence: normalized words, shapes, lexicon facts, features.
#[derive(Default)]
struct Context {
    text: String,
    /// Per word: ranges of the lowercased word, the cased (normalized) word and its shape.
    lower: Vec<(usize, usize)>,
    cased: Vec<(usize, usize)>,
    shape: Vec<(usize, usize)>,
    tags: Vec<u32>,
    fixed: Vec<Option<Upos>>,
    feats: Vec<u64>,
}

impl Context {
    fn prepare(&mut self, words: &[&str], lexicon: &IdMap<Entry>) {
        self.text.clear();
        self.lower.clear();
        self.cased.clear();
        self.shape.clear();
        self.tags.clear();
        self.fixed.clear();
        for w in words {
            let a = self.text.len();
            normalize_lower(w, &mut self.text);
            let b = self.text.len();
            let lower = &self.text[a..b];
            let entry = lexicon.get(&word_key(lower)).copied().unwrap_or_default();
            self.lower.push((a, b));
            self.tags
                .push(if entry.tags == 0 { UNKNOWN } else { entry.tags });
            self.fixed.push(entry.fixed);
            let c0 = self.text.len();
            for c in w.chars() {
                match c {
                    '\u{2018}' | '\u{2019}' => self.text.push('\''),
                    '\u{201C}' | '\u{201D}' => self.text.push('"'),
                    c => self.text.push(c),
                }
            }
            self.cased.push((c0, self.text.len()));
            let s0 = self.text.len();
            write_shape(w, &mut self.text);
            self.shape.push((s0, self.text.len()));
        }
    }

    fn lower(&self, i: isize) -> &str {
        if i < 0 {
            PAD_START
        } else if let Some(&(a, b)) = self.lower.get(i as usize) {
            &self.text[a..b]
        } else {
            PAD_END
        }
    }

    fn shape(&self, i: isize) -> &str {
        if i < 0 {
            PAD_START
        } else if let Some(&(a, b)) = self.shape.get(i as usize) {
            &self.text[a..b]
        } else {
            PAD_END
        }
    }

    /// Ambiguity class of word `i`: the bit set of tags it was seen with, with two pad values.
    fn class(&self, i: isize) -> u64 {
        if i < 0 {
            1 << 40
        } else {
            self.tags.get(i as usize).map_or(1 << 41, |&t| u64::from(t))
        }
    }

    /// Fills `self.feats` for word `i`, given the tags of the words before it.
    fn features(&mut self, i: usize, history: &[Upos]) {
        let mut f = std::mem::take(&mut self.feats);
        f.clear();
        let ii = i as isize;
        let w = self.lower(ii);
        let (ca, cb) = self.cased[i];
        let cased = &self.text[ca..cb];
        let t1 = if i >= 1 {
            history[i - 1].as_str()
        } else {
            PAD_START
        };
        let t2 = if i >= 2 {
            history[i - 2].as_str()
        } else {
            PAD_START
        };
        let p1 = self.lower(ii - 1);
        let p2 = self.lower(ii - 2);
        let n1 = self.lower(ii + 1);
        let n2 = self.lower(ii + 2);
        let pos = POSITIONS[i.min(3)];
        f.push(feature(0, &[]));
        f.push(feature(1, &[w]));
        f.push(feature(2, &[cased]));
        for k in 1..=4 {
            f.push(feature(2 + k as u16, &[suffix(w, k)]));
        }
        for k in 1..=3 {
            f.push(feature(6 + k as u16, &[prefix(w, k)]));
        }
        f.push(feature(10, &[self.shape(ii)]));
        f.push(feature(11, &[self.shape(ii), pos]));
        f.push(feature(12, &[p1]));
        f.push(feature(13, &[p2]));
        f.push(feature(14, &[n1]));
        f.push(feature(15, &[n2]));
        f.push(feature(16, &[t1]));
        f.push(feature(17, &[t2]));
        f.push(feature(18, &[t1, t2]));
        f.push(feature(19, &[t1, w]));
        f.push(feature(20, &[p1, w]));
        f.push(feature(21, &[w, n1]));
        f.push(feature(22, &[suffix(p1, 3)]));
        f.push(feature(23, &[suffix(n1, 3)]));
        f.push(feature(24, &[self.shape(ii + 1)]));
        f.push(feature(25, &[self.shape(ii - 1)]));
        f.push(feature(26, &[t1, suffix(w, 3)]));
        let (c0, c1, c2) = (self.class(ii), self.class(ii + 1), self.class(ii + 2));
        f.push(mix(feature(27, &[]), c0));
        f.push(mix(feature(28, &[]), c1));
        f.push(mix(feature(29, &[]), c2));
        f.push(mix(feature(30, &[t1]), c0));
        f.push(mix(mix(feature(31, &[]), c0), c1));
        f.push(mix(mix(feature(32, &[]), c1), c2));
        self.feats = f;
    }
}

/// Combines a feature hash with a number (an ambiguity class) into a new feature hash.
fn mix(h: u64, v: u64) -> u64 {
    let mut z = h ^ v.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Writes `word` with curly quotes and apostrophes made straight, case kept.
fn normalize_cased(word: &str, out: &mut String) {
    for c in word.chars() {
        match c {
            '\u{2018}' | '\u{2019}' | '\u{201B}' | '`' | '\u{00B4}' => out.push('\''),
            '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{00AB}' | '\u{00BB}' => {
                out.push('"')
            }
            c => out.push(c),
        }
    }
}

/// English lemmatizer: suffix rules, a vocabulary of known lemmas to choose among the rules'
/// candidates, and exceptions where the rules fail on the training data.
#[derive(Clone, Debug, Default)]
pub struct Lemmatizer {
    /// Hash of (tag, lowercased form) -> lemma.
    exceptions: IdMap<String>,
    /// The same, as (form, tag, lemma), kept for writing the table back out.
    entries: Vec<(String, Upos, String)>,
    /// Lemmas of open-class words seen in training.
    vocab: HashSet<String>,
}

fn exception_key(lower: &str, upos: Upos) -> u64 {
    feature(0xfffe, &[upos.as_str(), lower])
}

/// Consonants whose doubling before -ing/-ed/-er is undone ("running" -> "run"); l, s, z and f
/// are left out because they double in the lemma itself ("calling", "missing", "buzzing").
fn undouble(base: &str) -> Option<&str> {
    let b = base.as_bytes();
    let n = b.len();
    (n >= 3
        && b[n - 1] == b[n - 2]
        && b"bdgkmnprt".contains(&b[n - 1])
        && b"aeiou".contains(&b[n - 3]))
    .then(|| &base[..n - 1])
}

fn is_vowel(b: u8) -> bool {
    b"aeiou".contains(&b)
}

/// Whether a stem left by -ing/-ed most likely lost a silent `e` ("mak" -> "make").
fn wants_e(base: &str) -> bool {
    let b = base.as_bytes();
    let n = b.len();
    if n < 2 {
        return false;
    }
    let last = b[n - 1];
    let prev = b[n - 2];
    match last {
        b'v' | b'z' => true,
        b'c' | b'g' => !matches!(prev, b'n' | b'k' | b'c' | b'g'),
        b'u' => true,
        b's' => is_vowel(prev) && n >= 3 && !is_vowel(b[n - 3]),
        b't' | b'd' | b'k' | b'p' | b'm' | b'n' | b'r' | b'l' | b'b' => {
            // consonant-vowel-consonant after a consonant: "hop", "us(e)", "creat(e)"
            is_vowel(prev) && n >= 3 && !is_vowel(b[n - 3]) && prev != b'e' && n <= 5
        }
        _ => false,
    }
}

impl Lemmatizer {
    /// Rules only, without the learned tables.
    pub fn rules_only() -> Lemmatizer {
        Lemmatizer::default()
    }

    pub fn n_exceptions(&self) -> usize {
        self.entries.len()
    }

    pub fn vocab_len(&self) -> usize {
        self.vocab.len()
    }

    /// The lemma of `form` read as `upos`.
    pub fn lemma(&self, form: &str, upos: Upos) -> String {
        let mut lower = String::with_capacity(form.len());
        normalize_lower(form, &mut lower);
        if let Some(l) = self.exceptions.get(&exception_key(&lower, upos)) {
            return l.clone();
        }
        self.rule(form, lower, upos)
    }

    fn rule(&self, form: &str, lower: String, upos: Upos) -> String {
        match upos {
            Upos::PROPN | Upos::PUNCT | Upos::SYM | Upos::X => {
                let mut s = String::with_capacity(form.len());
                normalize_cased(form, &mut s);
                s
            }
            Upos::NUM if !form.chars().any(char::is_alphabetic) => form.to_string(),
            Upos::PRON if form == "I" => form.to_string(),
            Upos::NOUN => self.pick(&lower, noun_candidates(&lower)),
            Upos::VERB | Upos::AUX => self.pick(&lower, verb_candidates(&lower)),
            Upos::ADJ | Upos::ADV => self.pick_known(&lower, degree_candidates(&lower)),
            _ => lower,
        }
    }

    /// The first candidate that is a known lemma, else the first candidate (the rules' guess).
    fn pick(&self, lower: &str, candidates: Candidates) -> String {
        if candidates.is_empty() {
            return lower.to_string();
        }
        if self.vocab.contains(lower) && !self.vocab.is_empty() && candidates.keep_if_known {
            return lower.to_string();
        }
        candidates
            .iter()
            .find(|c| self.vocab.contains(c.as_str()))
            .unwrap_or(&candidates.list[0])
            .clone()
    }

    /// The first candidate that is a known lemma, else the word itself: comparatives are
    /// rarer than words that merely end in -er or -est.
    fn pick_known(&self, lower: &str, candidates: Candidates) -> String {
        candidates
            .iter()
            .find(|c| self.vocab.contains(c.as_str()))
            .cloned()
            .unwrap_or_else(|| lower.to_string())
    }

    /// Learns the vocabulary and the exceptions from (form, gold tag, gold lemma) triples.
    pub fn learn<'a>(
        examples: impl Iterator<Item = (&'a str, Upos, &'a str)> + Clone,
    ) -> Lemmatizer {
        let mut lem = Lemmatizer::default();
        for (_, upos, lemma) in examples.clone() {
            if matches!(upos, Upos::NOUN | Upos::VERB | Upos::ADJ | Upos::ADV)
                && lemma.chars().all(|c| c.is_lowercase() || c == '-')
                && !lemma.is_empty()
            {
                lem.vocab.insert(lemma.to_string());
            }
        }
        // Per (lowercased form, tag): how often the rules are right, and each gold lemma's count.
        let mut tally: HashMap<(String, Upos), (u32, HashMap<String, u32>)> = HashMap::new();
        for (form, upos, lemma) in examples {
            if lemma == "_" {
                continue;
            }
            let mut lower = String::new();
            normalize_lower(form, &mut lower);
            let ok = lem.rule(form, lower.clone(), upos) == lemma;
            let e = tally.entry((lower, upos)).or_default();
            e.0 += u32::from(ok);
            *e.1.entry(lemma.to_string()).or_default() += 1;
        }
        let mut entries = Vec::new();
        for ((lower, upos), (rule_ok, lemmas)) in tally {
            let best = lemmas
                .into_iter()
                .max_by(|a, b| a.1.cmp(&b.1).then_with(|| b.0.cmp(&a.0)));
            if let Some((lemma, n)) = best {
                if n > rule_ok {
                    entries.push((lower, upos, lemma));
                }
            }
        }
        entries.sort();
        lem.set_entries(entries);
        lem
    }

    fn set_entries(&mut self, entries: Vec<(String, Upos, String)>) {
        self.exceptions = entries
            .iter()
            .map(|(f, u, l)| (exception_key(f, *u), l.clone()))
            .collect();
        self.entries = entries;
    }

    /// The tables as TSV: a header, then one line per known lemma (one field) and one per
    /// exception (form, UPOS, lemma).
    pub fn to_tsv(&self) -> String {
        let mut out = String::from(
            "# claimtrail lemmatizer tables, learned from UD English EWT train by `claimtrail train pos`.\n\
             # One field: a known lemma. Three fields: lowercased form, UPOS, lemma (where the rules fail).\n",
        );
        let mut vocab: Vec<&String> = self.vocab.iter().collect();
        vocab.sort();
        for v in vocab {
            out.push_str(v);
            out.push('\n');
        }
        for (f, u, l) in &self.entries {
            out.push_str(&format!("{f}\t{}\t{l}\n", u.as_str()));
        }
        out
    }

    pub fn from_tsv(src: &str) -> Result<Lemmatizer, ModelError> {
        let mut lem = Lemmatizer::default();
        let mut entries = Vec::new();
        for (n, line) in src.lines().enumerate() {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let fields: Vec<&str> = line.split('\t').collect();
            match fields[..] {
                [v] => {
                    lem.vocab.insert(v.to_string());
                }
                [f, u, l] => {
                    let upos = Upos::parse(u)
                        .ok_or_else(|| ModelError(format!("line {}: unknown tag {u:?}", n + 1)))?;
                    entries.push((f.to_string(), upos, l.to_string()));
                }
                _ => {
                    return Err(ModelError(format!(
                        "line {}: expected 1 or 3 tab-separated fields, found {}",
                        n + 1,
                        fields.len()
                    )))
                }
            }
        }
        lem.set_entries(entries);
        Ok(lem)
    }
}

/// Rule candidates, best guess first.
struct Candidates {
    list: Vec<String>,
    /// Whether a word that is itself a known lemma should stay as it is ("news", "series").
    keep_if_known: bool,
}

impl Candidates {
    fn is_empty(&self) -> bool {
        self.list.is_empty()
    }
    fn iter(&self) -> std::slice::Iter<'_, String> {
        self.list.iter()
    }
}

fn cands(list: Vec<String>, keep_if_known: bool) -> Candidates {
    Candidates {
        list,
        keep_if_known,
    }
}

fn noun_candidates(w: &str) -> Candidates {
    let s = |a: &str, b: &str| format!("{a}{b}");
    let n = w.len();
    if !w.is_ascii() || n < 3 || !w.ends_with(['s', 'n']) {
        return cands(vec![], true);
    }
    let stem = |k: usize| &w[..n - k];
    let list = if w.ends_with("men") && n > 4 {
        vec![s(stem(3), "man")]
    } else if w.ends_with('n') {
        vec![]
    } else if w.ends_with("ies") && n > 4 {
        vec![s(stem(3), "y"), s(stem(3), "ie")]
    } else if w.ends_with("ves") {
        vec![stem(1).to_string(), s(stem(3), "f"), s(stem(3), "fe")]
    } else if w.ends_with("sses")
        || w.ends_with("xes")
        || w.ends_with("zzes")
        || w.ends_with("ches")
        || w.ends_with("shes")
    {
        vec![stem(2).to_string(), stem(1).to_string()]
    } else if w.ends_with("ses") || w.ends_with("oes") {
        vec![stem(1).to_string(), stem(2).to_string()]
    } else if w.ends_with("ss") || w.ends_with("us") || w.ends_with("is") || w.ends_with("'s") {
        vec![]
    } else {
        vec![stem(1).to_string()]
    };
    cands(list, true)
}

fn verb_candidates(w: &str) -> Candidates {
    let n = w.len();
    if !w.is_ascii() || n < 3 {
        return cands(vec![], true);
    }
    let stem = |k: usize| &w[..n - k];
    let mut list = Vec::new();
    let base_rules = |base: &str, list: &mut Vec<String>| {
        if let Some(u) = undouble(base) {
            list.push(u.to_string());
            list.push(base.to_string());
        } else if wants_e(base) {
            list.push(format!("{base}e"));
            list.push(base.to_string());
        } else {
            list.push(base.to_string());
            list.push(format!("{base}e"));
        }
    };
    if (w.ends_with("ies") || w.ends_with("ied")) && n > 4 {
        list.push(format!("{}y", stem(3)));
    } else if w.ends_with("ing") && n > 4 {
        base_rules(stem(3), &mut list);
    } else if w.ends_with("eed") {
        return cands(vec![], true);
    } else if w.ends_with("ed") && n > 3 {
        base_rules(stem(2), &mut list);
        let e = stem(1).to_string();
        if !list.contains(&e) {
            list.push(e);
        }
    } else if w.ends_with("sses")
        || w.ends_with("xes")
        || w.ends_with("zes")
        || w.ends_with("ches")
        || w.ends_with("shes")
        || w.ends_with("oes")
    {
        list.push(stem(2).to_string());
        list.push(stem(1).to_string());
    } else if w.ends_with('s') && !w.ends_with("ss") && !w.ends_with("us") && !w.ends_with("is") {
        list.push(stem(1).to_string());
    } else {
        return cands(vec![], true);
    }
    // A verb form that is itself a lemma ("need", "bring") is handled by the -eed and
    // no-suffix branches; -ing and -ed forms are never lemmas, so do not keep them.
    cands(list, false)
}

fn degree_candidates(w: &str) -> Candidates {
    let n = w.len();
    let mut list = Vec::new();
    if !w.is_ascii() || n < 4 {
        return cands(list, false);
    }
    let stem = |k: usize| &w[..n - k];
    for (suf, k) in [("est", 3), ("er", 2)] {
        if w.ends_with(suf) && n > k + 1 {
            let base = stem(k);
            if let Some(b) = base.strip_suffix('i') {
                list.push(format!("{b}y"));
            }
            if let Some(u) = undouble(base) {
                list.push(u.to_string());
            }
            list.push(format!("{base}e"));
            list.push(base.to_string());
        }
    }
    cands(list, false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::Tokenizer;

    fn tagged(text: &str) -> Doc {
        let tagger = Tagger::embedded().expect("embedded model loads");
        let mut doc = Doc::new(text, None);
        Tokenizer.apply(&mut doc);
        tagger.apply(&mut doc);
        doc
    }

    #[test]
    fn every_token_gets_a_tag_and_a_lemma() {
        let doc = tagged(
            "\u{201C}We won\u{2019}t leave,\u{201D} the officials said on Monday. \
             See https://example.com or write to press@example.org (@rvvoenkor_bot).",
        );
        let (tags, lemmas) = (doc.tags.as_deref(), doc.lemmas.as_deref());
        let (tags, lemmas) = (tags.unwrap_or(&[]), lemmas.unwrap_or(&[]));
        assert_eq!(tags.len(), doc.tokens.len());
        assert_eq!(lemmas.len(), doc.tokens.len());
        for (i, t) in doc.tokens.iter().enumerate() {
            if matches!(
                t.kind,
                TokenKind::Url | TokenKind::Email | TokenKind::Handle
            ) {
                assert_eq!(tags[i], Upos::PROPN, "{}", doc.token_text(i));
            }
            match doc.token_text(i) {
                "said" => assert_eq!((tags[i], lemmas[i].as_str()), (Upos::VERB, "say")),
                "officials" => assert_eq!((tags[i], lemmas[i].as_str()), (Upos::NOUN, "official")),
                "the" => assert_eq!(tags[i], Upos::DET),
                _ => {}
            }
        }
    }

    #[test]
    fn empty_and_bad_input() {
        assert!(Tagger::tag_words(&Tagger::embedded().expect("model"), &[]).is_empty());
        assert!(Tagger::from_bytes(b"CTPOS001\xff\xff\xff\xff").is_err());
        assert!(Tagger::from_bytes(b"junk").is_err());
        assert!(Lemmatizer::from_tsv("a\tb\n").is_err());
        let doc = tagged("");
        assert_eq!(doc.tags, Some(vec![]));
    }

    #[test]
    fn lemma_rules_and_tables_round_trip() {
        let lem = Lemmatizer::rules_only();
        assert_eq!(lem.lemma("running", Upos::VERB), "run");
        assert_eq!(lem.lemma("boxes", Upos::NOUN), "box");
        assert_eq!(lem.lemma("Seoul", Upos::PROPN), "Seoul");
        let learned = Lemmatizer::learn([("went", Upos::VERB, "go")].into_iter());
        assert_eq!(learned.lemma("Went", Upos::VERB), "go");
        let back = Lemmatizer::from_tsv(&learned.to_tsv()).expect("round trip");
        assert_eq!(back.lemma("went", Upos::VERB), "go");
    }
}
