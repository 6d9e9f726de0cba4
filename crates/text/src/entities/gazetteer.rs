//! Gazetteers: places from GeoNames, nationality adjectives, organization words and titles.
//!
//! Every list is a data file under `crates/text/data/`, embedded at compile time and parsed once
//! per process. Names are keyed by the sequence of their tokens (as [`crate::tokenize`] splits
//! them), hashed incrementally, so a scan over a document walks each capitalized token into the
//! map once and extends the match only while the token sequence is a known prefix: longest match
//! without allocating and without trying every length. The word lists (titles, organization
//! keywords, vessel nouns) are sets of the same token hashes, so the recognizer, which hashes
//! each token once, asks them without hashing again.

use crate::doc::Doc;
use crate::lexicon;
use crate::perceptron::{IdMap, IdentityHasher};
use crate::tokenize;
use std::collections::HashSet;
use std::hash::BuildHasherDefault;
use std::sync::LazyLock;

/// A set of words keyed by [`token_hash`]: the recognizer asks these sets about most tokens of
/// every document, and a hash it has already computed is cheaper to look up than a string.
type WordSet = HashSet<u64, BuildHasherDefault<IdentityHasher>>;

fn word_set(words: impl IntoIterator<Item = impl AsRef<str>>) -> WordSet {
    words.into_iter().map(|w| token_hash(w.as_ref())).collect()
}

/// What a gazetteer name is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    Country,
    /// First-level division: a US state, a province.
    State,
    City,
    Continent,
    /// A place without a government: a sea, a front, "the Far East".
    Region,
    /// A nationality or group adjective ("North Korean", "Sunni").
    Demonym,
    /// A well-known organization without a keyword in its name ("Yonhap", "NATO").
    Org,
}

impl Kind {
    /// How much a name of this kind is trusted when two lists hold the same name: hand-written
    /// lists beat GeoNames, and a country beats the city or state of the same name.
    fn rank(self) -> u8 {
        match self {
            Kind::Demonym | Kind::Org => 6,
            Kind::Country => 5,
            Kind::Region => 4,
            Kind::State => 3,
            Kind::Continent => 2,
            Kind::City => 1,
        }
    }
}

/// One gazetteer name's meaning.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Entry {
    pub kind: Kind,
    /// ISO 3166-1 alpha-2 code, as two ASCII letters.
    pub country: Option<[u8; 2]>,
    pub population: u64,
    /// The entry came from a hand-written list (exact, trusted) rather than GeoNames.
    pub curated: bool,
}

impl Entry {
    pub fn country_str(&self) -> Option<&str> {
        self.country
            .as_ref()
            .and_then(|c| std::str::from_utf8(c).ok())
    }
}

/// A match of a gazetteer name over tokens `start..end`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Match {
    pub start: usize,
    pub end: usize,
    pub entry: Entry,
}

#[derive(Clone, Copy, Debug, Default)]
struct Node {
    entry: Option<Entry>,
    /// Some longer name starts with this token sequence.
    prefix: bool,
}

/// All the lists, parsed.
pub struct Gazetteer {
    names: IdMap<Node>,
    titles: WordSet,
    org_keywords: WordSet,
    org_suffixes: WordSet,
    vessel_words: WordSet,
}

const SEQ_SEED: u64 = 0x9e37_79b9_7f4a_7c15;

/// Hash of one token's text; curly apostrophes count as straight ones so that "People’s" and
/// "People's" are the same name.
pub fn token_hash(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for c in s.chars() {
        let c = if c == '\u{2019}' { '\'' } else { c };
        let mut buf = [0u8; 4];
        for &b in c.encode_utf8(&mut buf).as_bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    h
}

/// Extends a token-sequence hash by one token hash.
fn extend(seq: u64, tok: u64) -> u64 {
    let mut h = (seq ^ tok).wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 29;
    h.wrapping_add(0x94d0_49bb_1331_11eb)
}

fn parse_code(s: &str) -> Option<[u8; 2]> {
    let b = s.trim().as_bytes();
    (b.len() == 2 && b.iter().all(u8::is_ascii_uppercase)).then(|| [b[0], b[1]])
}

fn place_kind(s: &str) -> Option<Kind> {
    Some(match s {
        "country" => Kind::Country,
        "state" => Kind::State,
        "city" => Kind::City,
        "continent" => Kind::Continent,
        "region" => Kind::Region,
        _ => return None,
    })
}

impl Gazetteer {
    /// The gazetteer built from the embedded data files (parsed once per process).
    pub fn get() -> &'static Gazetteer {
        static G: LazyLock<Gazetteer> = LazyLock::new(Gazetteer::embedded);
        &G
    }

    fn embedded() -> Gazetteer {
        let mut g = Gazetteer {
            names: IdMap::default(),
            titles: word_set(lexicon::parse_list(include_str!(
                "../../data/person_titles.txt"
            ))),
            org_keywords: WordSet::default(),
            org_suffixes: WordSet::default(),
            vessel_words: word_set(lexicon::parse_list(include_str!(
                "../../data/vessel_words.txt"
            ))),
        };
        // GeoNames rows: name, type, country, population. A malformed row is skipped, not fatal:
        // the file is generated, and one bad line must not cost the whole gazetteer.
        for line in include_str!("../../data/gazetteer.tsv").lines() {
            if line.starts_with('#') {
                continue;
            }
            let mut cols = line.split('\t');
            let (Some(name), Some(kind), Some(cc)) = (cols.next(), cols.next(), cols.next()) else {
                continue;
            };
            let Some(kind) = place_kind(kind) else {
                continue;
            };
            let population = cols.next().and_then(|p| p.trim().parse().ok()).unwrap_or(0);
            let entry = Entry {
                kind,
                country: parse_code(cc),
                population,
                curated: false,
            };
            g.insert(name, entry);
            // GeoNames writes "The Netherlands", "The Gambia"; texts write "the Netherlands",
            // and names are matched from their first capitalized token.
            if let Some(rest) = name.strip_prefix("The ") {
                g.insert(rest, entry);
            }
        }
        for line in include_str!("../../data/places_extra.tsv").lines() {
            if line.starts_with('#') {
                continue;
            }
            let mut cols = line.split('\t');
            let (Some(name), Some(kind), Some(cc)) = (cols.next(), cols.next(), cols.next()) else {
                continue;
            };
            if let Some(kind) = place_kind(kind) {
                let e = Entry {
                    kind,
                    country: parse_code(cc),
                    population: 0,
                    curated: true,
                };
                g.insert(name, e);
            }
        }
        for line in include_str!("../../data/demonyms.tsv").lines() {
            if line.starts_with('#') {
                continue;
            }
            let Some((name, cc)) = line.split_once('\t') else {
                continue;
            };
            let e = Entry {
                kind: Kind::Demonym,
                country: parse_code(cc),
                population: 0,
                curated: true,
            };
            g.insert(name, e);
            // Regular plurals ("Russians", "Israelis", "Democrats"); "-ese", "-ish" and "-ch"
            // forms take none ("the Chinese"), and irregular ones are listed in the file.
            let last = name.rsplit(' ').next().unwrap_or(name);
            if !(last.ends_with('s') || last.ends_with('h') || last.ends_with("ese")) {
                g.insert(&format!("{name}s"), e);
            }
        }
        let org = lexicon::parse_sections(include_str!("../../data/org_words.txt"));
        g.org_keywords = word_set(org.get("keyword").into_iter().flatten());
        g.org_suffixes = word_set(org.get("suffix").into_iter().flatten());
        for line in org.get("known").into_iter().flatten() {
            let Some((name, cc)) = line.split_once('\t') else {
                continue;
            };
            g.insert(
                name,
                Entry {
                    kind: Kind::Org,
                    country: parse_code(cc),
                    population: 0,
                    curated: true,
                },
            );
        }
        g
    }

    fn insert(&mut self, name: &str, entry: Entry) {
        let name = name.trim();
        if name.is_empty() {
            return;
        }
        let toks = tokenize::tokenize(name);
        let mut h = SEQ_SEED;
        for (k, t) in toks.iter().enumerate() {
            h = extend(h, token_hash(&name[t.start..t.end]));
            let node = self.names.entry(h).or_default();
            if k + 1 < toks.len() {
                node.prefix = true;
            } else {
                let better = match node.entry {
                    None => true,
                    Some(old) => {
                        (entry.kind.rank(), entry.population) > (old.kind.rank(), old.population)
                    }
                };
                if better {
                    node.entry = Some(entry);
                }
            }
        }
    }

    /// The entry for a single word ("Russia" in "pro-Russia").
    pub fn lookup_word(&self, word: &str) -> Option<Entry> {
        self.names
            .get(&extend(SEQ_SEED, token_hash(word)))
            .and_then(|n| n.entry)
    }

    /// The entry whose name is exactly tokens `start..end`.
    pub fn lookup(&self, doc: &Doc, start: usize, end: usize) -> Option<Entry> {
        let mut h = SEQ_SEED;
        for i in start..end {
            h = extend(h, token_hash(doc.token_text(i)));
            let node = self.names.get(&h)?;
            if i + 1 == end {
                return node.entry;
            }
            if !node.prefix {
                return None;
            }
        }
        None
    }

    /// The longest name starting at token `i` and ending at or before `limit`.
    pub fn longest_at(&self, doc: &Doc, i: usize, limit: usize) -> Option<Match> {
        self.longest_from(doc, i, limit, |j| token_hash(doc.token_text(j)))
    }

    /// [`Gazetteer::longest_at`] with each token's [`token_hash`] given in `hashes`.
    pub fn longest_at_hashed(
        &self,
        doc: &Doc,
        hashes: &[u64],
        i: usize,
        limit: usize,
    ) -> Option<Match> {
        self.longest_from(doc, i, limit, |j| hashes[j])
    }

    fn longest_from(
        &self,
        doc: &Doc,
        i: usize,
        limit: usize,
        hash: impl Fn(usize) -> u64,
    ) -> Option<Match> {
        let first = doc.token_text(i);
        // Names start with a capital (or a digit-free upper-case acronym); lower-case words
        // never start one, which keeps the scan to one check for most tokens.
        if !first.chars().next().is_some_and(char::is_uppercase) {
            return None;
        }
        let mut h = SEQ_SEED;
        let mut best = None;
        for j in i..limit {
            h = extend(h, hash(j));
            let Some(node) = self.names.get(&h) else {
                break;
            };
            if let Some(entry) = node.entry {
                best = Some(Match {
                    start: i,
                    end: j + 1,
                    entry,
                });
            }
            if !node.prefix {
                break;
            }
        }
        best
    }

    /// Leftmost-longest, non-overlapping matches over tokens `start..end`, appended to `out`.
    pub fn scan(&self, doc: &Doc, start: usize, end: usize, out: &mut Vec<Match>) {
        let mut i = start;
        while i < end {
            match self.longest_at(doc, i, end) {
                Some(m) => {
                    out.push(m);
                    i = m.end;
                }
                None => i += 1,
            }
        }
    }

    /// [`Gazetteer::scan`] with each token's [`token_hash`] given in `hashes`.
    pub fn scan_hashed(
        &self,
        doc: &Doc,
        hashes: &[u64],
        start: usize,
        end: usize,
        out: &mut Vec<Match>,
    ) {
        let mut i = start;
        while i < end {
            match self.longest_at_hashed(doc, hashes, i, end) {
                Some(m) => {
                    out.push(m);
                    i = m.end;
                }
                None => i += 1,
            }
        }
    }

    /// A title or office that precedes a name ("Ambassador", "Gen.").
    pub fn is_title(&self, word: &str) -> bool {
        self.titles.contains(&token_hash(word))
    }

    /// A word that makes a capitalized sequence an organization ("Ministry", "Agency").
    pub fn is_org_keyword(&self, word: &str) -> bool {
        self.org_keywords.contains(&token_hash(word))
    }

    /// A company suffix ("Inc.", "Ltd").
    pub fn is_org_suffix(&self, word: &str) -> bool {
        self.org_suffixes.contains(&token_hash(word))
    }

    /// A noun that makes the name before it a vessel ("warship").
    pub fn is_vessel_word(&self, word: &str) -> bool {
        self.vessel_words.contains(&token_hash(word))
    }

    /// The list memberships of a word given its [`token_hash`], in one call.
    pub fn word_lists(&self, hash: u64) -> WordLists {
        WordLists {
            title: self.titles.contains(&hash),
            org_keyword: self.org_keywords.contains(&hash),
            org_suffix: self.org_suffixes.contains(&hash),
            vessel: self.vessel_words.contains(&hash),
        }
    }
}

/// Which word lists hold a word.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WordLists {
    pub title: bool,
    pub org_keyword: bool,
    pub org_suffix: bool,
    pub vessel: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(text: &str) -> Doc {
        let mut d = Doc::new(text, None);
        d.tokens = tokenize::tokenize(text);
        d
    }

    #[test]
    fn longest_match_prefers_the_longer_name() {
        let g = Gazetteer::get();
        let d = doc("troops from North Korea and South Korean sailors");
        let mut m = Vec::new();
        g.scan(&d, 0, d.tokens.len(), &mut m);
        let got: Vec<(&str, Kind, Option<&str>)> = m
            .iter()
            .map(|m| {
                let s = d.tokens[m.start].start;
                let e = d.tokens[m.end - 1].end;
                (&d.text[s..e], m.entry.kind, m.entry.country_str())
            })
            .collect();
        assert_eq!(
            got,
            vec![
                ("North Korea", Kind::Country, Some("KP")),
                ("South Korean", Kind::Demonym, Some("KR")),
            ]
        );
        assert_eq!(
            g.lookup_word("Russians").map(|e| e.kind),
            Some(Kind::Demonym)
        );
        assert!(g.is_title("Ambassador") && g.is_org_keyword("Embassy"));
    }
}
