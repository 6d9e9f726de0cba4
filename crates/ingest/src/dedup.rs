//! Copies: exact content hashes and near-duplicates by MinHash with banded LSH.
//!
//! Wire stories reach us many times: verbatim, cut after a few paragraphs, with an outlet's
//! "Read more" line appended, with a word changed. An exact hash of the normalized text
//! catches the first; the rest need similarity. Each text becomes a set of word shingles
//! (4 words), summarized by a MinHash signature of [`Config::hashes`] minima. Signatures are
//! cut into bands; texts sharing any band are candidates, found without scanning the
//! archive. A candidate is accepted when the new text is mostly *contained* in it, not only
//! when the two are similar: a copy truncated to a third of the original has a Jaccard
//! similarity of about 0.3 but a containment near 1. Containment is estimated from the
//! signature and the two shingle counts: |A∩B| = J(|A|+|B|)/(1+J).
//!
//! A match names the earliest version: when the candidate is itself a copy, its original
//! is reported, so copies of copies all point at the first text.
//!
//! ```
//! use ingest::dedup::{DedupIndex, Verdict};
//! use model::ArticleId;
//! let story = "Officials said on Tuesday that the talks would resume next week in Geneva, \
//!     after a pause of almost three months caused by a dispute over the agenda and the venue.";
//! let mut index = DedupIndex::default();
//! assert_eq!(index.add(ArticleId::new("a"), story), Verdict::New);
//! let copy = format!("{story} Read more on our website.");
//! assert!(matches!(index.add(ArticleId::new("b"), &copy), Verdict::Near { ref original, .. } if original.as_str() == "a"));
//! ```

use model::{ArticleId, ContentHash};
use std::collections::HashMap;

/// Tuning of the near-duplicate index. The defaults find copies cut to a third of the
/// original (64 bands of 2 rows give a candidate with probability 0.998 at Jaccard 0.3).
#[derive(Clone, Debug)]
pub struct Config {
    /// Words per shingle.
    pub shingle: usize,
    /// Signature length; must be a multiple of `rows`.
    pub hashes: usize,
    /// Rows per LSH band.
    pub rows: usize,
    /// A text whose shingles lie in an earlier text at least this much is a copy of it.
    pub min_containment: f64,
    /// Texts with fewer shingles are matched exactly only: a signature of a few words says
    /// little.
    pub min_shingles: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            shingle: 4,
            hashes: 128,
            rows: 2,
            min_containment: 0.8,
            min_shingles: 8,
        }
    }
}

/// Lowercase words of letters and digits, one space apart: what two copies of a text share
/// when their markup, punctuation and spacing differ.
pub fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for w in words(text) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.extend(w.chars().flat_map(char::to_lowercase));
    }
    out
}

fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
}

/// FNV-1a over 128 bits: stable across versions and platforms (unlike `std`'s hasher), so
/// the hash can be stored, and wide enough that collisions are not a concern at our scale.
fn fnv1a128(bytes: &[u8]) -> u128 {
    let mut h: u128 = 0x6c62272e07bb014262b821756295c58d;
    for &b in bytes {
        h ^= u128::from(b);
        h = h.wrapping_mul(0x0000000001000000000000000000013B);
    }
    h
}

/// Hash of the normalized text, as 32 hex digits.
pub fn content_hash(text: &str) -> ContentHash {
    ContentHash::new(format!("{:032x}", fnv1a128(normalize(text).as_bytes())))
}

/// SplitMix64's finalizer: a cheap, well-mixed permutation of u64, used to derive the k
/// MinHash functions from one shingle hash.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d049bb133111eb);
    z ^ (z >> 31)
}

/// A MinHash signature and the size of the shingle set it summarizes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signature {
    pub minima: Vec<u64>,
    pub shingles: usize,
}

impl Signature {
    pub fn of(text: &str, config: &Config) -> Signature {
        let norm = normalize(text);
        let ws: Vec<&str> = norm.split(' ').filter(|w| !w.is_empty()).collect();
        let n = config.shingle.max(1);
        let mut shingles: Vec<u64> = if ws.len() < n {
            if ws.is_empty() {
                Vec::new()
            } else {
                vec![fnv1a128(ws.join(" ").as_bytes()) as u64]
            }
        } else {
            ws.windows(n)
                .map(|w| fnv1a128(w.join(" ").as_bytes()) as u64)
                .collect()
        };
        shingles.sort_unstable();
        shingles.dedup();
        let mut minima = vec![u64::MAX; config.hashes];
        let seeds: Vec<u64> = (0..config.hashes as u64)
            .map(|i| mix(i.wrapping_add(0x9e3779b97f4a7c15)))
            .collect();
        for &s in &shingles {
            for (m, seed) in minima.iter_mut().zip(&seeds) {
                let h = mix(s ^ seed);
                if h < *m {
                    *m = h;
                }
            }
        }
        Signature {
            minima,
            shingles: shingles.len(),
        }
    }

    /// Estimated Jaccard similarity: the share of equal minima.
    pub fn jaccard(&self, other: &Signature) -> f64 {
        if self.minima.is_empty() || self.minima.len() != other.minima.len() {
            return 0.0;
        }
        let same = self
            .minima
            .iter()
            .zip(&other.minima)
            .filter(|(a, b)| a == b)
            .count();
        same as f64 / self.minima.len() as f64
    }

    /// Estimated share of this text's shingles that also occur in `other`.
    pub fn containment_in(&self, other: &Signature) -> f64 {
        if self.shingles == 0 {
            return 0.0;
        }
        let j = self.jaccard(other);
        let inter = j * (self.shingles + other.shingles) as f64 / (1.0 + j);
        (inter / self.shingles as f64).min(1.0)
    }
}

/// What the index says about a new text.
#[derive(Clone, Debug, PartialEq)]
pub enum Verdict {
    /// Not seen before.
    New,
    /// The same words as an earlier text.
    Exact { original: ArticleId },
    /// Mostly the words of an earlier text.
    Near {
        original: ArticleId,
        containment: f64,
        jaccard: f64,
    },
}

struct Entry {
    id: ArticleId,
    signature: Signature,
    /// Index of the original when this entry is itself a copy.
    original: Option<usize>,
}

/// An in-memory near-duplicate index, in arrival order.
#[derive(Default)]
pub struct DedupIndex {
    config: Config,
    entries: Vec<Entry>,
    exact: HashMap<ContentHash, usize>,
    bands: HashMap<(u32, u64), Vec<usize>>,
}

impl DedupIndex {
    pub fn new(config: Config) -> DedupIndex {
        DedupIndex {
            config,
            ..DedupIndex::default()
        }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Judges `text` against everything added so far, then adds it.
    pub fn add(&mut self, id: ArticleId, text: &str) -> Verdict {
        let signature = Signature::of(text, &self.config);
        self.add_signed(id, content_hash(text), signature)
    }

    /// The signature under this index's configuration; computing it is the costly part of
    /// `add`, so callers that ingest in parallel compute it on their threads.
    pub fn sign(&self, text: &str) -> Signature {
        Signature::of(text, &self.config)
    }

    /// `add` with the hash and signature already computed (by `content_hash` and `sign`).
    pub fn add_signed(
        &mut self,
        id: ArticleId,
        hash: ContentHash,
        signature: Signature,
    ) -> Verdict {
        let (verdict, original) = self.judge(&hash, &signature);
        let idx = self.entries.len();
        if signature.shingles >= self.config.min_shingles {
            for key in self.band_keys(&signature) {
                self.bands.entry(key).or_default().push(idx);
            }
        }
        self.exact.entry(hash).or_insert(idx);
        self.entries.push(Entry {
            id,
            signature,
            original,
        });
        verdict
    }

    /// Judges `text` without adding it.
    pub fn check(&self, text: &str) -> Verdict {
        let signature = Signature::of(text, &self.config);
        self.judge(&content_hash(text), &signature).0
    }

    /// `check` with the hash and signature already computed.
    pub fn check_signed(&self, hash: &ContentHash, signature: &Signature) -> Verdict {
        self.judge(hash, signature).0
    }

    fn judge(&self, hash: &ContentHash, sig: &Signature) -> (Verdict, Option<usize>) {
        if let Some(&i) = self.exact.get(hash) {
            let root = self.root(i);
            return (
                Verdict::Exact {
                    original: self.entries[root].id.clone(),
                },
                Some(root),
            );
        }
        if sig.shingles < self.config.min_shingles {
            return (Verdict::New, None);
        }
        let mut candidates: Vec<usize> = self
            .band_keys(sig)
            .filter_map(|k| self.bands.get(&k))
            .flatten()
            .copied()
            .collect();
        candidates.sort_unstable();
        candidates.dedup();
        // Candidates are in arrival order, so the first accepted is the earliest version.
        for i in candidates {
            let other = &self.entries[i].signature;
            let containment = sig.containment_in(other);
            if containment >= self.config.min_containment {
                let root = self.root(i);
                return (
                    Verdict::Near {
                        original: self.entries[root].id.clone(),
                        containment,
                        jaccard: sig.jaccard(other),
                    },
                    Some(root),
                );
            }
        }
        (Verdict::New, None)
    }

    fn root(&self, i: usize) -> usize {
        self.entries[i].original.unwrap_or(i)
    }

    fn band_keys<'a>(&self, sig: &'a Signature) -> impl Iterator<Item = (u32, u64)> + 'a {
        let rows = self.config.rows.max(1);
        sig.minima.chunks(rows).enumerate().map(|(b, chunk)| {
            let h = chunk
                .iter()
                .fold(0xcbf29ce484222325u64, |acc, &m| mix(acc ^ m));
            (b as u32, h)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WIRE: &str = "SEOUL, March 3 - The defence ministry said on Monday that it had \
        detected the launch of two short-range ballistic missiles from the east coast early \
        in the morning, the third such test this year. The missiles flew about 350 \
        kilometres before falling into the sea outside the economic zone, a ministry \
        spokesman told reporters at a briefing. The military has stepped up surveillance \
        and is sharing information closely with its allies, he said, adding that the \
        launches violated several resolutions of the Security Council. Analysts said the \
        timing suggested a response to joint exercises that began last week and are \
        scheduled to run until the middle of the month. The foreign ministry called the \
        launch a grave provocation and urged a return to talks without preconditions.";

    const UNRELATED: &str = "The city council voted on Thursday to extend the opening hours \
        of public libraries during the exam season, after a petition signed by more than \
        four thousand students. The new schedule will keep three branches open until \
        midnight from May to June. Council members said the cost would be covered by \
        savings from energy efficiency work completed last autumn, and that a review \
        would follow at the end of the summer to decide whether to keep the change.";

    fn truncated_copy() -> String {
        // The first half of the wire story, then the outlet's own line.
        let cut = WIRE.find("Analysts said").unwrap_or(WIRE.len());
        format!(
            "{}\n\nFollow our live coverage and subscribe to our newsletter for updates.",
            &WIRE[..cut]
        )
    }

    #[test]
    fn exact_copy_with_other_markup_is_exact() {
        let mut idx = DedupIndex::default();
        assert_eq!(idx.add(ArticleId::new("wire"), WIRE), Verdict::New);
        let reflowed = WIRE.replace(" - ", " -- ").replace(". ", ".\n\n");
        assert_eq!(
            idx.add(ArticleId::new("copy"), &reflowed),
            Verdict::Exact {
                original: ArticleId::new("wire")
            }
        );
    }

    #[test]
    fn truncated_copy_with_boilerplate_is_near() {
        let mut idx = DedupIndex::default();
        idx.add(ArticleId::new("wire"), WIRE);
        idx.add(ArticleId::new("other"), UNRELATED);
        match idx.add(ArticleId::new("copy"), &truncated_copy()) {
            Verdict::Near {
                original,
                containment,
                jaccard,
            } => {
                assert_eq!(original.as_str(), "wire");
                assert!(containment >= 0.8, "containment {containment}");
                assert!(
                    jaccard < 0.8,
                    "jaccard {jaccard} should be low for a cut copy"
                );
            }
            v => panic!("expected a near copy, got {v:?}"),
        }
    }

    #[test]
    fn lightly_edited_copy_is_near() {
        let mut idx = DedupIndex::default();
        idx.add(ArticleId::new("wire"), WIRE);
        let edited = WIRE
            .replace("said on Monday", "said Monday")
            .replace("grave provocation", "serious provocation");
        assert!(matches!(
            idx.add(ArticleId::new("edited"), &edited),
            Verdict::Near { .. }
        ));
    }

    #[test]
    fn copy_of_a_copy_names_the_first_version() {
        let mut idx = DedupIndex::default();
        idx.add(ArticleId::new("wire"), WIRE);
        idx.add(ArticleId::new("copy1"), &truncated_copy());
        let copy2 = format!("{} Reporting by our correspondent.", truncated_copy());
        match idx.add(ArticleId::new("copy2"), &copy2) {
            Verdict::Near { original, .. } | Verdict::Exact { original } => {
                assert_eq!(original.as_str(), "wire")
            }
            Verdict::New => panic!("copy of a copy not recognized"),
        }
    }

    #[test]
    fn unrelated_story_is_new() {
        let mut idx = DedupIndex::default();
        idx.add(ArticleId::new("wire"), WIRE);
        assert_eq!(idx.add(ArticleId::new("other"), UNRELATED), Verdict::New);
        assert_eq!(idx.check("Short."), Verdict::New);
    }

    #[test]
    fn longer_later_version_is_not_a_copy_of_a_short_brief() {
        let mut idx = DedupIndex::default();
        let brief = &WIRE[..WIRE.find("The missiles").unwrap_or(WIRE.len())];
        idx.add(ArticleId::new("brief"), brief);
        let long = format!("{WIRE} {UNRELATED}");
        assert_eq!(idx.add(ArticleId::new("long"), &long), Verdict::New);
    }

    #[test]
    fn content_hash_is_stable() {
        assert_eq!(content_hash("Hello, World!"), content_hash("hello world"));
        assert_eq!(content_hash("").as_str().len(), 32);
    }
}
