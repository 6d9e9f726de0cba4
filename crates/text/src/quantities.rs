//! Quantities: the numbers a news text gives and what they count.
//!
//! Claims are compared by their numbers ("12,000 special forces" against "1,500 deployed"), so
//! each quantity carries its value, whether it is approximate or a bound, a range's ends, and the
//! counted thing as `unit`. The finder is a single left-to-right pass over each sentence's
//! tokens: at a token that can start a number it parses the number (digits, words, "2.5
//! million", "tens of thousands"), a range ("10,000-12,000", "between 3,000 and 4,000"), the
//! qualifier in front ("about", "more than") and behind ("or more"), money and percent markers,
//! and the noun phrase after it, then moves past what it consumed. Every look-around is bounded
//! by a few tokens, so time is linear in the text whatever it holds.
//!
//! Why rules and not a model: there is no labelled quantity corpus here, the constructions are
//! few and regular, and the hard part (what is *not* a count: years, dates, times of day,
//! identifiers such as "Resolution 2231", scores) is best stated as explicit, testable rules.
//! The word lists live in `data/quantities.txt`.
//!
//! Decisions worth knowing:
//! - A range's `value` is its low end; `low`/`high` hold both ends. A lower bound ("more than
//!   500") sets `low`, an upper bound ("up to 500", "nearly 500") sets `high`; every qualified,
//!   vague ("hundreds") or ranged number is `approximate`.
//! - A year-like number (1800-2100 written without a separator) is a year, not a count, after
//!   "in"/"since"/a month, or when no plural noun follows ("the 2010 sinking"); "2000 troops"
//!   stays a count.
//! - The unit is the head of the noun phrase after the number, skipping modifiers ("46 South
//!   Korean sailors" counts "sailors"), except for listed compounds ("special forces"). When the
//!   head is elided ("with about 1,500 already deployed") the unit is taken from the previous
//!   quantity with a written unit in the same paragraph, and `unit_span` stays empty.
//! - Small number words after a definite determiner ("the two flags") refer back to things
//!   already named and are not emitted; a number word with no noun after it ("one of the")
//!   is not a count either.
//! - Numbers wider than 15 digits are skipped rather than rounded: no input can make `value`
//!   infinite.
//! - Part-of-speech tags are used for the noun phrase when a trained tagger ran; with placeholder
//!   tags the word-list heuristics alone decide.

use crate::doc::{Doc, Quantity, Span, TimeType, TokenKind, Upos};
use crate::lexicon;
use crate::pipeline::{Component, Layer};
use std::collections::{HashMap as StdHashMap, HashSet as StdHashSet};
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::LazyLock;

/// Numbers wider than this many integer digits are not quantities (phone numbers, IDs, junk).
const MAX_INT_DIGITS: usize = 15;
/// The longest qualifier phrase, in tokens ("not less than").
const MAX_PHRASE: usize = 4;
/// How far the noun phrase after a number may reach, in tokens.
const MAX_NP: usize = 5;

type Phrase = Vec<String>;

/// A small multiplicative hash (FxHash's): the keys are short words we wrote ourselves, so
/// SipHash's flooding resistance buys nothing and costs most of the per-token time.
#[derive(Default, Clone, Copy)]
struct WordHasher(u64);

impl Hasher for WordHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(5) ^ u64::from(b)).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

type HashMap<K, V> = StdHashMap<K, V, BuildHasherDefault<WordHasher>>;
type HashSet<K> = StdHashSet<K, BuildHasherDefault<WordHasher>>;

struct Lexicon {
    number_words: HashMap<String, f64>,
    scales: HashMap<String, f64>,
    suffix_scales: HashMap<String, f64>,
    plural_scales: HashMap<String, f64>,
    collectives: HashMap<String, f64>,
    vague: HashMap<String, (f64, f64)>,
    vague_multipliers: Vec<(Phrase, f64, f64)>,
    approximate: Vec<Phrase>,
    lower_bound: Vec<Phrase>,
    upper_bound: Vec<Phrase>,
    post_approximate: Vec<Phrase>,
    post_lower_bound: Vec<Phrase>,
    post_upper_bound: Vec<Phrase>,
    range_openers: HashSet<String>,
    currency_prefix: HashMap<String, String>,
    currency_suffix: HashMap<String, String>,
    percent: Vec<(Phrase, String)>,
    months: HashSet<String>,
    time_after: HashSet<String>,
    year_before: HashSet<String>,
    identifier_before: HashSet<String>,
    determiners: HashSet<String>,
    np_stop: HashSet<String>,
    not_head: HashSet<String>,
    plural_nouns: HashSet<String>,
    compound_units: Vec<Phrase>,
    /// Every lower-cased word that can open a quantity, for a one-look-up test per token.
    starters: HashSet<String>,
}

fn words(line: &str) -> Phrase {
    line.split_whitespace().map(str::to_lowercase).collect()
}

static LEX: LazyLock<Lexicon> = LazyLock::new(|| {
    let s = lexicon::parse_sections(include_str!("../data/quantities.txt"));
    let lines = |name: &str| s.get(name).map(Vec::as_slice).unwrap_or(&[]).to_vec();
    let set = |name: &str| lines(name).iter().map(|l| l.to_lowercase()).collect();
    let phrases = |name: &str| lines(name).iter().map(|l| words(l)).collect();
    // `word value` lines; a malformed value drops the line rather than the whole list.
    let valued = |name: &str| -> HashMap<String, f64> {
        lines(name)
            .iter()
            .filter_map(|l| {
                let (w, v) = l.rsplit_once(char::is_whitespace)?;
                Some((w.trim().to_lowercase(), v.parse().ok()?))
            })
            .collect()
    };
    let ranged = |name: &str| -> Vec<(Phrase, f64, f64)> {
        lines(name)
            .iter()
            .filter_map(|l| {
                let mut w = words(l);
                let high = w.pop()?.parse().ok()?;
                let low = w.pop()?.parse().ok()?;
                Some((w, low, high))
            })
            .collect()
    };
    let coded = |name: &str| -> HashMap<String, String> {
        lines(name)
            .iter()
            .filter_map(|l| {
                let (w, c) = l.rsplit_once(char::is_whitespace)?;
                Some((w.trim().to_lowercase(), c.to_string()))
            })
            .collect()
    };
    let mut lex = Lexicon {
        number_words: valued("number_words"),
        scales: valued("scales"),
        suffix_scales: valued("suffix_scales"),
        plural_scales: valued("plural_scales"),
        collectives: valued("collectives"),
        vague: ranged("vague")
            .into_iter()
            .map(|(w, lo, hi)| (w.join(" "), (lo, hi)))
            .collect(),
        vague_multipliers: ranged("vague_multipliers"),
        approximate: phrases("approximate"),
        lower_bound: phrases("lower_bound"),
        upper_bound: phrases("upper_bound"),
        post_approximate: phrases("post_approximate"),
        post_lower_bound: phrases("post_lower_bound"),
        post_upper_bound: phrases("post_upper_bound"),
        range_openers: set("range_openers"),
        currency_prefix: coded("currency_prefix"),
        currency_suffix: coded("currency_suffix"),
        percent: lines("percent")
            .iter()
            .filter_map(|l| {
                let (marker, unit) = l.split_once('=')?;
                Some((words(marker), unit.trim().to_string()))
            })
            .collect(),
        months: set("months"),
        time_after: set("time_after"),
        year_before: set("year_before"),
        identifier_before: set("identifier_before"),
        determiners: set("determiners"),
        np_stop: set("np_stop"),
        not_head: set("not_head"),
        plural_nouns: set("plural_nouns"),
        compound_units: phrases("compound_units"),
        starters: HashSet::default(),
    };
    let mut starters: HashSet<String> = HashSet::default();
    starters.extend(lex.number_words.keys().cloned());
    starters.extend(lex.vague.keys().cloned());
    starters.extend(lex.currency_prefix.keys().cloned());
    starters.extend(
        lex.vague_multipliers
            .iter()
            .filter_map(|(p, _, _)| p.first().cloned()),
    );
    starters.extend(["a".to_string(), "an".to_string()]);
    lex.starters = starters;
    lex
});

/// A lower-cased copy of a short ASCII-or-not word on the stack, so that list look-ups cost no
/// allocation per token. Words longer than the buffer are never in the lists anyway.
#[derive(Clone, Copy)]
struct Key {
    buf: [u8; 32],
    len: usize,
}

impl Key {
    fn new(s: &str) -> Key {
        let mut k = Key {
            buf: [0; 32],
            len: 0,
        };
        if s.len() > k.buf.len() {
            // Marks "too long": as_str returns a string no list holds.
            return k;
        }
        if s.is_ascii() {
            k.buf[..s.len()].copy_from_slice(s.as_bytes());
            k.buf[..s.len()].make_ascii_lowercase();
            k.len = s.len();
            return k;
        }
        for c in s.chars() {
            for l in c.to_lowercase() {
                let mut tmp = [0u8; 4];
                let b = l.encode_utf8(&mut tmp).as_bytes();
                if k.len + b.len() > k.buf.len() {
                    k.len = 0;
                    return k;
                }
                k.buf[k.len..k.len + b.len()].copy_from_slice(b);
                k.len += b.len();
            }
        }
        k
    }
    fn as_str(&self) -> &str {
        std::str::from_utf8(&self.buf[..self.len]).unwrap_or("")
    }
}

/// The tokens of one sentence with their text, lower-cased keys and tags.
struct View<'a> {
    doc: &'a Doc,
    lo: usize,
    hi: usize,
    keys: &'a [Key],
    tags: Option<&'a [Upos]>,
}

impl View<'_> {
    fn text(&self, i: usize) -> &str {
        self.doc.token_text(i)
    }
    fn key(&self, i: usize) -> &str {
        self.keys[i - self.lo].as_str()
    }
    fn kind(&self, i: usize) -> TokenKind {
        self.doc.tokens[i].kind
    }
    fn tag(&self, i: usize) -> Option<Upos> {
        self.tags.and_then(|t| t.get(i).copied())
    }
    fn is_capitalized(&self, i: usize) -> bool {
        self.text(i).starts_with(char::is_uppercase)
    }
    fn is_month(&self, i: usize) -> bool {
        i >= self.lo
            && i < self.hi
            && self.is_capitalized(i)
            && LEX.months.contains(self.key(i).trim_end_matches('.'))
    }
    /// Whether the phrase `p` occupies tokens `at..at + p.len()`.
    fn matches_at(&self, at: usize, p: &[String]) -> bool {
        at >= self.lo
            && at + p.len() <= self.hi
            && p.iter().enumerate().all(|(k, w)| self.key(at + k) == w)
    }
    /// The longest phrase of `list` that ends just before token `end`; its start.
    fn phrase_before(&self, end: usize, list: &[Phrase]) -> Option<usize> {
        list.iter()
            .filter(|p| p.len() <= end.saturating_sub(self.lo) && p.len() <= MAX_PHRASE)
            .filter(|p| self.matches_at(end - p.len(), p))
            .map(|p| end - p.len())
            .min()
    }
    /// The longest phrase of `list` that starts at token `at`; its end.
    fn phrase_after(&self, at: usize, list: &[Phrase]) -> Option<usize> {
        list.iter()
            .filter(|p| self.matches_at(at, p))
            .map(|p| at + p.len())
            .max()
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Form {
    Digits,
    Words,
}

/// A number as written, before qualifiers: tokens `start..end`.
#[derive(Clone, Copy, Debug)]
struct Number {
    start: usize,
    end: usize,
    value: f64,
    /// For vague numbers ("hundreds"): the range they state.
    vague: Option<(f64, f64)>,
    form: Form,
    /// Written with a scale word ("2.5 million").
    scaled: bool,
    /// The factor the scale words applied (1 when none), shared by a range's ends.
    scale: f64,
    /// A four-digit integer between 1800 and 2100 with no separator.
    year_like: bool,
    /// A glued currency prefix ("US$5bn") or suffix marker.
    currency: Option<&'static str>,
    /// A glued "-plus" suffix ("5,000-plus").
    plus: bool,
}

/// Parses the digits of a number token: `1,500`, `2.5`, `1,00,000`; `None` for anything else
/// (dates, times, phone numbers, over-long digit runs, malformed separators).
fn parse_digits(s: &str) -> Option<(f64, bool)> {
    let b = s.as_bytes();
    if b.is_empty() || !b[0].is_ascii_digit() {
        return None;
    }
    let (int, frac) = match s.find('.') {
        Some(p) => (&s[..p], Some(&s[p + 1..])),
        None => (s, None),
    };
    if let Some(f) = frac {
        if f.is_empty() || !f.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
    }
    let mut value: u64 = 0;
    let mut digits = 0usize;
    let mut groups = 0usize;
    let mut group_len = 0usize;
    let mut first_group = 0usize;
    let mut has_comma = false;
    for c in int.bytes() {
        match c {
            b'0'..=b'9' => {
                digits += 1;
                if digits > MAX_INT_DIGITS {
                    return None;
                }
                value = value * 10 + u64::from(c - b'0');
                group_len += 1;
            }
            b',' => {
                // Western (1,500,000) or Indian (15,00,000) grouping only.
                if groups == 0 {
                    if group_len == 0 || group_len > 3 {
                        return None;
                    }
                    first_group = group_len;
                } else if group_len != 2 && group_len != 3 {
                    return None;
                }
                has_comma = true;
                groups += 1;
                group_len = 0;
            }
            _ => return None,
        }
    }
    if has_comma && group_len != 3 {
        return None;
    }
    let _ = first_group;
    // Leading zeros mark codes and clock times ("0800"), not counts.
    if int.len() > 1 && int.starts_with('0') {
        return None;
    }
    let mut v = value as f64;
    if let Some(f) = frac {
        let mut scale = 1.0;
        for c in f.bytes().take(12) {
            scale /= 10.0;
            v += f64::from(c - b'0') * scale;
        }
    }
    let year_like =
        !has_comma && frac.is_none() && int.len() == 4 && (1800..=2100).contains(&value);
    Some((v, year_like))
}

/// Splits a glued currency prefix off a word ("US$5bn" -> USD, "5bn").
fn strip_currency_prefix(s: &str) -> (Option<&'static str>, &str) {
    let Some(p) = s.find(|c: char| c.is_ascii_digit()) else {
        return (None, s);
    };
    if p == 0 {
        return (None, s);
    }
    match LEX.currency_prefix.get(Key::new(&s[..p]).as_str()) {
        Some(code) => (Some(code.as_str()), &s[p..]),
        None => (None, s),
    }
}

impl Finder {
    /// Parses the number that starts at token `i`, if one does.
    fn number_at(&self, v: &View, i: usize) -> Option<Number> {
        match v.kind(i) {
            TokenKind::Number => {
                let (value, year_like) = parse_digits(v.text(i))?;
                let mut n = Number {
                    start: i,
                    end: i + 1,
                    value,
                    vague: None,
                    form: Form::Digits,
                    scaled: false,
                    scale: 1.0,
                    year_like,
                    currency: None,
                    plus: false,
                };
                self.scale_words(v, &mut n);
                Some(n)
            }
            TokenKind::Word => {
                let t = v.text(i);
                if t.starts_with(|c: char| c.is_ascii_digit()) || t.contains('$') {
                    return self.glued_number(v, i);
                }
                self.word_number(v, i)
            }
            _ => None,
        }
    }

    /// Applies scale words after a digit number: "2.5 million", "5 bn", "2 dozen".
    fn scale_words(&self, v: &View, n: &mut Number) {
        let mut j = n.end;
        while j < v.hi {
            let k = v.key(j);
            let Some(&s) = LEX.scales.get(k).or_else(|| LEX.collectives.get(k)) else {
                break;
            };
            let next = n.value * s;
            if !next.is_finite() || next > 1e21 {
                break;
            }
            n.value = next;
            n.scale *= s;
            n.scaled = true;
            n.year_like = false;
            j += 1;
        }
        n.end = j;
    }

    /// Digits glued to a scale or marker: "5bn", "1.5m", "US$5bn", "2.5-million", "5,000-plus".
    fn glued_number(&self, v: &View, i: usize) -> Option<Number> {
        let (currency, rest) = strip_currency_prefix(v.text(i));
        let split = rest
            .find(|c: char| !(c.is_ascii_digit() || c == ',' || c == '.'))
            .unwrap_or(rest.len());
        let digits = rest[..split].trim_end_matches(['.', ',']);
        let suffix = &rest[digits.len()..];
        let (value, year_like) = parse_digits(digits)?;
        let suffix = Key::new(suffix.trim_start_matches('-'));
        let mut n = Number {
            start: i,
            end: i + 1,
            value,
            vague: None,
            form: Form::Digits,
            scaled: false,
            scale: 1.0,
            year_like: year_like && suffix.as_str().is_empty(),
            currency,
            plus: false,
        };
        match suffix.as_str() {
            "" if currency.is_some() => {}
            "plus" => n.plus = true,
            s => {
                let scale = LEX.suffix_scales.get(s)?;
                n.value *= scale;
                n.scale = *scale;
                n.scaled = true;
            }
        }
        self.scale_words(v, &mut n);
        Some(n)
    }

    /// Numbers in words: "three", "twenty-five", "two hundred thousand", "a dozen",
    /// "hundreds", "tens of thousands", "several hundred".
    fn word_number(&self, v: &View, i: usize) -> Option<Number> {
        let k = v.key(i);
        let mut n = Number {
            start: i,
            end: i,
            value: 0.0,
            vague: None,
            form: Form::Words,
            scaled: false,
            scale: 1.0,
            year_like: false,
            currency: None,
            plus: false,
        };
        if let Some(&(lo, hi)) = LEX.vague.get(k) {
            // "tens of thousands", "hundreds of millions"
            let (mut lo, mut hi) = (lo, hi);
            let mut end = i + 1;
            if end + 1 < v.hi && v.key(end) == "of" {
                if let Some(&s) = LEX.plural_scales.get(v.key(end + 1)) {
                    lo *= s;
                    hi *= s;
                    end += 2;
                }
            }
            if k == "tens" && end == i + 1 {
                return None; // bare "tens" is not a number
            }
            n.end = end;
            n.value = lo;
            n.vague = Some((lo, hi));
            n.scaled = true;
            return Some(n);
        }
        for (p, lo, hi) in &LEX.vague_multipliers {
            if v.matches_at(i, p) {
                let at = i + p.len();
                if at < v.hi {
                    if let Some(&s) = LEX.scales.get(v.key(at)) {
                        if s >= 100.0 {
                            n.end = at + 1;
                            n.value = lo * s;
                            n.vague = Some((lo * s, hi * s));
                            n.scaled = true;
                            return Some(n);
                        }
                    }
                }
            }
        }
        if k == "a" || k == "an" {
            // "a hundred", "a dozen": the article stands for one.
            let next = if i + 1 < v.hi { v.key(i + 1) } else { "" };
            if !(LEX.scales.contains_key(next) || LEX.collectives.contains_key(next)) {
                return None;
            }
            n.end = i + 1;
            n.value = 1.0;
            self.word_sequence(v, &mut n, true);
            return (n.end > i + 1).then_some(n);
        }
        self.word_sequence(v, &mut n, false);
        (n.end > i).then_some(n)
    }

    /// Reads number words from `n.end` on ("two hundred and fifty thousand"); with `seeded`
    /// the value so far counts as the current group ("a" = 1 before "hundred").
    fn word_sequence(&self, v: &View, n: &mut Number, seeded: bool) {
        let mut total = 0.0;
        let mut current = if seeded { n.value } else { 0.0 };
        let mut any = seeded;
        let mut last_small = false;
        let mut j = n.end;
        while j < v.hi {
            let k = v.key(j);
            if let Some(val) = small_number(k) {
                if last_small {
                    break; // "two three" is two numbers, not one
                }
                current += val;
                any = true;
                last_small = true;
                n.scale = 1.0;
            } else if let Some(&s) = any
                .then(|| LEX.scales.get(k).or_else(|| LEX.collectives.get(k)))
                .flatten()
            {
                if s < 1000.0 {
                    current = current.max(1.0) * s;
                } else {
                    total += current.max(1.0) * s;
                    current = 0.0;
                }
                n.scale = s;
                n.scaled = true;
                last_small = false;
            } else if k == "and"
                && any
                && !last_small
                && j + 1 < v.hi
                && small_number(v.key(j + 1)).is_some()
            {
                last_small = false;
            } else {
                break;
            }
            j += 1;
        }
        let value = total + current;
        if any && value.is_finite() && value < 1e21 {
            n.value = value;
            n.end = j;
        }
    }
}

/// The value of a cardinal number word, including hyphenated ones ("twenty-five").
fn small_number(k: &str) -> Option<f64> {
    if let Some(&v) = LEX.number_words.get(k) {
        return Some(v);
    }
    let (a, b) = k.split_once('-')?;
    let tens = *LEX.number_words.get(a)?;
    let units = *LEX.number_words.get(b)?;
    (tens >= 20.0 && tens % 10.0 == 0.0 && units < 10.0 && units > 0.0).then_some(tens + units)
}

#[derive(Clone, Copy, PartialEq, Debug)]
enum Bound {
    Approx,
    Lower,
    Upper,
}

/// Finds quantities; see the module note.
pub struct Finder;

impl Finder {
    pub fn new() -> Finder {
        LazyLock::force(&LEX);
        Finder
    }

    /// Everything about the quantity whose number starts at token `i`, or `None` when there is
    /// none or it is not a count. Returns the quantity and the token after it.
    fn quantity_at(&self, v: &View, i: usize) -> Option<(Quantity, usize, Span, bool)> {
        // A currency symbol token opens a money amount: "$ 5 billion" / "$5 billion".
        let (currency_tok, num_at) = match v.kind(i) {
            TokenKind::Symbol | TokenKind::Word
                if i + 1 < v.hi && matches!(v.kind(i + 1), TokenKind::Number | TokenKind::Word) =>
            {
                match LEX.currency_prefix.get(v.key(i)) {
                    Some(code) if !v.text(i + 1).starts_with(char::is_alphabetic) => {
                        (Some(code.as_str()), i + 1)
                    }
                    _ => (None, i),
                }
            }
            _ => (None, i),
        };
        let first = self.number_at(v, num_at)?;
        let mut currency = currency_tok.or(first.currency);
        let start_tok = i;

        // Ranges: "10,000-12,000", "10 to 12", "between 3,000 and 4,000", "two or three".
        let mut low = None;
        let mut high = None;
        let mut value = first.value;
        let mut end = first.end;
        let mut ranged = false;
        let opener = (start_tok > v.lo)
            .then(|| v.key(start_tok - 1))
            .filter(|k| LEX.range_openers.contains(*k));
        if first.vague.is_none() && end + 1 < v.hi {
            let link = v.key(end);
            let dash = v.kind(end) == TokenKind::Dash;
            let linked = dash
                || link == "to"
                || (link == "and" && opener == Some("between"))
                || (link == "or" && first.form == Form::Words);
            if linked {
                let mut second_at = end + 1;
                if second_at < v.hi {
                    if let Some(code) = LEX.currency_prefix.get(v.key(second_at)) {
                        currency = currency.or(Some(code.as_str()));
                        second_at += 1;
                    }
                }
                if let Some(second) = (second_at < v.hi)
                    .then(|| self.number_at(v, second_at))
                    .flatten()
                    .filter(|s| s.vague.is_none())
                {
                    let mut lo = first.value;
                    // "2 to 3 million": the scale written once applies to both ends.
                    if !first.scaled && second.scaled {
                        lo *= second.scale;
                    }
                    // "from 2001 to 2014", "between 1968 and 1988": years, unless counted.
                    let years = first.year_like
                        && second.year_like
                        && (opener.is_some()
                            || second.end >= v.hi
                            || !self.plural_follows(v, second.end));
                    if years {
                        return None;
                    }
                    if second.value > lo {
                        low = Some(lo);
                        high = Some(second.value);
                        value = lo;
                        end = second.end;
                        ranged = true;
                        currency = currency.or(second.currency);
                    } else if dash && !v.doc.tokens[end].space_before {
                        // "3-1", "12-10": a score or a code, not two counts.
                        return None;
                    }
                }
            }
        }

        // Qualifier in front.
        let mut span_start = v.doc.tokens[start_tok].start;
        let mut qualifier: Option<(Bound, Span)> = None;
        if ranged && opener.is_some() {
            let q = start_tok - 1;
            qualifier = Some((Bound::Approx, v.doc.tokens[q].span()));
            span_start = v.doc.tokens[q].start;
        } else {
            for (list, bound) in [
                (&LEX.lower_bound, Bound::Lower),
                (&LEX.upper_bound, Bound::Upper),
                (&LEX.approximate, Bound::Approx),
            ] {
                if let Some(q) = v.phrase_before(start_tok, list) {
                    let longer = qualifier.is_none_or(|(_, s)| v.doc.tokens[q].start < s.start);
                    if longer {
                        let span =
                            Span::new(v.doc.tokens[q].start, v.doc.tokens[start_tok - 1].end);
                        qualifier = Some((bound, span));
                    }
                }
            }
            if let Some((_, s)) = qualifier {
                span_start = s.start;
            }
        }

        // Markers after the number: percent, currency words, "or more".
        let mut unit: Option<String> = None;
        let mut unit_span = None;
        if end < v.hi {
            if let Some((p, u)) = LEX
                .percent
                .iter()
                .filter(|(p, _)| v.matches_at(end, p))
                .max_by_key(|(p, _)| p.len())
            {
                unit = Some(u.clone());
                let last = end + p.len() - 1;
                unit_span = Some(Span::new(v.doc.tokens[end].start, v.doc.tokens[last].end));
                end += p.len();
            } else if let Some(code) = LEX.currency_suffix.get(v.key(end)) {
                // "won" is also a verb: only a currency right after a scaled or money-like number.
                if v.key(end) != "won" || first.scaled || ranged {
                    currency = currency.or(Some(code.as_str()));
                    unit_span = Some(v.doc.tokens[end].span());
                    end += 1;
                }
            }
        }
        if let Some(code) = currency {
            unit = Some(code.to_string());
        }
        let mut post: Option<(Bound, usize)> = None;
        for (list, bound) in [
            (&LEX.post_lower_bound, Bound::Lower),
            (&LEX.post_upper_bound, Bound::Upper),
            (&LEX.post_approximate, Bound::Approx),
        ] {
            if let Some(e) = v.phrase_after(end, list) {
                post = Some((bound, e));
            }
        }

        // Not a count: dates, years, times of day, identifiers.
        let before = (start_tok > v.lo).then(|| start_tok - 1);
        let single = !ranged && first.vague.is_none() && first.form == Form::Digits;
        if single && !first.scaled && currency.is_none() && unit.is_none() {
            let integer = first.value.fract() == 0.0;
            // "Oct 26", "26 October", "26 of October"
            if integer
                && (1.0..=31.0).contains(&first.value)
                && (before.is_some_and(|b| v.is_month(b))
                    || v.is_month(end)
                    || (end + 1 < v.hi && v.key(end) == "of" && v.is_month(end + 1)))
            {
                return None;
            }
            if end < v.hi && LEX.time_after.contains(v.key(end)) {
                return None;
            }
            if first.year_like {
                // Counts this large are written with a separator in news style, so a bare
                // "2010" is a year unless a plural noun follows ("2000 troops").
                let strong = before.is_some_and(|b| {
                    LEX.year_before.contains(v.key(b))
                        || LEX.determiners.contains(v.key(b))
                        || v.is_month(b)
                        || (v.key(b) == "," && b > v.lo && v.is_month(b - 1))
                });
                if strong || end >= v.hi || !self.plural_follows(v, end) {
                    return None;
                }
            }
        }
        if qualifier.is_none() && currency_tok.is_none() {
            if let Some(b) = before {
                let bk = v.key(b);
                let sentence_initial = b == v.lo;
                let proper_before = v.kind(b) == TokenKind::Word
                    && v.is_capitalized(b)
                    && !sentence_initial
                    && !LEX.range_openers.contains(bk);
                if LEX.identifier_before.contains(bk)
                    || LEX.identifier_before.contains(bk.trim_end_matches('.'))
                    || (proper_before && first.form == Form::Digits)
                {
                    return None;
                }
            }
        }

        // The counted thing: the noun phrase after the number (or after "of" for "hundreds of").
        let mut np_end = end;
        let mut counted = false;
        if unit.is_none() && post.is_none() {
            let mut at = end;
            if (first.vague.is_some() || first.form == Form::Words && first.scaled)
                && at < v.hi
                && v.key(at) == "of"
            {
                at += 1;
            }
            if let Some((head_span, np_last)) = self.noun_phrase(v, at) {
                counted = true;
                unit = Some(v.doc.slice(head_span).to_string());
                unit_span = Some(head_span);
                np_end = np_last + 1;
            }
        }

        // Word numbers need a noun or a qualifier to be a count: not "one of the", "the two".
        if first.form == Form::Words
            && unit.is_none()
            && qualifier.is_none()
            && first.vague.is_none()
        {
            return None;
        }
        if first.form == Form::Words
            && !first.scaled
            && !ranged
            && qualifier.is_none()
            && first.value < 10.0
            && before.is_some_and(|b| LEX.determiners.contains(v.key(b)))
        {
            return None;
        }
        if first.form == Form::Words && first.value <= 1.0 && !first.scaled && qualifier.is_none() {
            return None; // "one soldier" is an article, not a claim about numbers
        }

        let mut approximate = qualifier.is_some() || ranged || first.vague.is_some();
        let mut qual_text = qualifier.map(|(_, s)| v.doc.slice(s).to_string());
        let bound = qualifier.map(|(b, _)| b);
        if let Some((lo, hi)) = first.vague {
            low = Some(lo);
            high = Some(hi);
        }
        match bound {
            Some(Bound::Lower) if !ranged => low = Some(value),
            Some(Bound::Upper) if !ranged => high = Some(value),
            _ => {}
        }
        let mut q_end = np_end.max(end);
        if first.plus {
            low = Some(value);
            approximate = true;
        }
        if let Some((b, e)) = post {
            approximate = true;
            match b {
                Bound::Lower => low = Some(value),
                Bound::Upper => high = Some(value),
                Bound::Approx => {}
            }
            qual_text = Some(
                v.doc
                    .slice(Span::new(v.doc.tokens[end].start, v.doc.tokens[e - 1].end))
                    .to_string(),
            );
            q_end = e;
        }
        let span = Span::new(span_start, v.doc.tokens[q_end - 1].end);
        Some((
            Quantity {
                span,
                value,
                low,
                high,
                approximate,
                qualifier: qual_text,
                unit,
                unit_span,
            },
            q_end,
            Span::new(
                v.doc.tokens[first.start].start,
                v.doc.tokens[first.end - 1].end,
            ),
            counted,
        ))
    }

    /// Whether a plural noun phrase starts at token `i` ("troops", "South Korean sailors").
    fn plural_follows(&self, v: &View, i: usize) -> bool {
        self.noun_phrase(v, i).is_some_and(|(head, _)| {
            let text = v.doc.slice(head);
            let last = text.rsplit(' ').next().unwrap_or(text);
            let k = Key::new(last);
            let k = k.as_str();
            LEX.plural_nouns.contains(k)
                || (k.len() > 3
                    && k.ends_with('s')
                    && !k.ends_with("ss")
                    && !k.ends_with("us")
                    && !k.ends_with("is"))
        })
    }

    /// The noun phrase starting at token `at`: the unit's span (its head, or a listed compound)
    /// and the index of its last token.
    fn noun_phrase(&self, v: &View, at: usize) -> Option<(Span, usize)> {
        let tagged = v.tags.is_some();
        let mut last = None;
        let mut j = at;
        while j < v.hi && j < at + MAX_NP {
            if v.kind(j) != TokenKind::Word {
                break;
            }
            let k = v.key(j);
            if LEX.np_stop.contains(k) || v.is_month(j) {
                break;
            }
            if tagged {
                match v.tag(j) {
                    Some(Upos::NOUN | Upos::PROPN | Upos::ADJ) => {}
                    // A participle modifies only when a noun follows it: "armed men".
                    Some(Upos::VERB)
                        if j + 1 < v.hi && matches!(v.tag(j + 1), Some(Upos::NOUN | Upos::ADJ)) => {
                    }
                    _ => break,
                }
            }
            // Without tags, a participle after the first word starts a clause: "thousands of
            // emails leaked last week" counts emails, not weeks.
            if !tagged && last.is_some() && k.len() > 4 && (k.ends_with("ed") || k.ends_with("ing"))
            {
                break;
            }
            last = Some(j);
            j += 1;
        }
        let mut head = last?;
        // The head is the last word that can be a noun: drop trailing participles and adverbs
        // ("troops fighting", "1,500 deployed").
        loop {
            let k = v.key(head);
            let verbal = if tagged {
                !matches!(v.tag(head), Some(Upos::NOUN | Upos::PROPN))
            } else {
                LEX.not_head.contains(k)
                    || (k.len() > 4 && (k.ends_with("ed") || k.ends_with("ing")))
                    || (k.len() > 3 && k.ends_with("ly"))
            };
            if !verbal {
                break;
            }
            if head == at {
                return None;
            }
            head -= 1;
        }
        // A listed compound ending at the head is the unit ("special forces").
        for p in &LEX.compound_units {
            if p.len() <= head + 1 - at && v.matches_at(head + 1 - p.len(), p) {
                let s = v.doc.tokens[head + 1 - p.len()].start;
                return Some((Span::new(s, v.doc.tokens[head].end), head));
            }
        }
        // With real tags, noun compounds before the head belong to it ("aid workers").
        let mut first = head;
        if tagged {
            while first > at && v.tag(first - 1) == Some(Upos::NOUN) {
                first -= 1;
            }
        }
        Some((
            Span::new(v.doc.tokens[first].start, v.doc.tokens[head].end),
            head,
        ))
    }

    /// Finds the quantities of `doc`.
    pub fn find(&self, doc: &Doc) -> Vec<Quantity> {
        let mut out = Vec::new();
        let tags = doc
            .tags
            .as_deref()
            .filter(|t| t.len() == doc.tokens.len() && t.iter().any(|&u| u != Upos::X));
        // Dates and times of day found by the times stage are never counts; durations may be
        // ("15 years in prison"), so they stay.
        let mut blocked: Vec<Span> = doc
            .times
            .iter()
            .flatten()
            .filter(|t| matches!(t.kind, TimeType::Date | TimeType::Time))
            .map(|t| t.span)
            .collect();
        blocked.sort_unstable();
        let mut keys: Vec<Key> = Vec::new();
        let mut antecedent: Option<(usize, String)> = None;
        for sent in &doc.sentences {
            if antecedent
                .as_ref()
                .is_some_and(|(p, _)| *p != sent.paragraph)
            {
                antecedent = None;
            }
            let (lo, hi) = (sent.tokens.start, sent.tokens.end.min(doc.tokens.len()));
            if lo >= hi {
                continue;
            }
            keys.clear();
            keys.extend((lo..hi).map(|i| Key::new(doc.token_text(i))));
            let view = View {
                doc,
                lo,
                hi,
                keys: &keys,
                tags,
            };
            let mut i = lo;
            while i < hi {
                if !could_start(&view, i) {
                    i += 1;
                    continue;
                }
                match self.quantity_at(&view, i) {
                    Some((mut q, next, number, counted)) => {
                        if !overlaps_any(&blocked, number) && !doc.in_boilerplate(q.span) {
                            match &q.unit {
                                None => q.unit = antecedent.as_ref().map(|(_, u)| u.clone()),
                                // Only a counted thing is carried to an elided head: a percent
                                // or a currency would turn index levels and scores into money.
                                Some(u) if counted => {
                                    antecedent = Some((sent.paragraph, u.clone()))
                                }
                                Some(_) => {}
                            }
                            out.push(q);
                        }
                        i = next.max(i + 1);
                    }
                    None => {
                        // "3-1" is rejected whole, so its second number is not read alone.
                        let glued_pair = doc.tokens[i].kind == TokenKind::Number
                            && i + 2 < hi
                            && doc.tokens[i + 1].kind == TokenKind::Dash
                            && !doc.tokens[i + 1].space_before
                            && !doc.tokens[i + 2].space_before
                            && doc.tokens[i + 2].kind == TokenKind::Number;
                        i += if glued_pair { 3 } else { 1 };
                    }
                }
            }
        }
        out
    }
}

/// Whether `span` overlaps one of the sorted, non-overlapping `spans`.
fn overlaps_any(spans: &[Span], span: Span) -> bool {
    let k = spans.partition_point(|s| s.end <= span.start);
    spans.get(k).is_some_and(|s| s.overlaps(&span))
}

/// A cheap test that token `i` can open a quantity, so that most tokens cost one look-up.
fn could_start(v: &View, i: usize) -> bool {
    match v.kind(i) {
        TokenKind::Number => true,
        TokenKind::Symbol => LEX.currency_prefix.contains_key(v.key(i)),
        TokenKind::Word => {
            let t = v.text(i);
            let k = v.key(i);
            t.starts_with(|c: char| c.is_ascii_digit())
                || LEX.starters.contains(k)
                || (t.contains('$') && t.contains(|c: char| c.is_ascii_digit()))
                || (k.contains('-') && small_number(k).is_some())
        }
        _ => false,
    }
}

impl Default for Finder {
    fn default() -> Self {
        Finder::new()
    }
}

impl Component for Finder {
    fn name(&self) -> &'static str {
        "quantities"
    }
    fn requires(&self) -> &'static [Layer] {
        &[Layer::Tokens, Layer::Sentences, Layer::Tags]
    }
    fn assigns(&self) -> &'static [Layer] {
        &[Layer::Quantities]
    }
    fn apply(&self, doc: &mut Doc) {
        let found = self.find(doc);
        doc.quantities = Some(found);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::Tokenizer;

    fn find(text: &str) -> Vec<Quantity> {
        let mut doc = Doc::new(text, None);
        Tokenizer.apply(&mut doc);
        doc.tags = Some(vec![Upos::X; doc.tokens.len()]);
        Finder::new().apply(&mut doc);
        doc.quantities.unwrap_or_default()
    }

    /// `(span text, value, approximate, unit)` for every quantity, in order.
    fn check(text: &str, expected: &[(&str, f64, bool, Option<&str>)]) {
        let got = find(text);
        let got: Vec<(String, f64, bool, Option<String>)> = got
            .iter()
            .map(|q| {
                (
                    text[q.span.start..q.span.end].to_string(),
                    q.value,
                    q.approximate,
                    q.unit.clone(),
                )
            })
            .collect();
        let want: Vec<(String, f64, bool, Option<String>)> = expected
            .iter()
            .map(|(t, v, a, u)| (t.to_string(), *v, *a, u.map(str::to_string)))
            .collect();
        assert_eq!(got, want, "in {text:?}");
    }

    #[test]
    fn digits_with_counted_thing() {
        check(
            "Officials said 3,200 marines and 75 civilian contractors arrived.",
            &[
                ("3,200 marines", 3200.0, false, Some("marines")),
                ("75 civilian contractors", 75.0, false, Some("contractors")),
            ],
        );
    }

    #[test]
    fn modifiers_are_skipped_but_listed_compounds_kept() {
        check(
            "The blast killed 12 Syrian border guards.",
            &[("12 Syrian border guards", 12.0, false, Some("guards"))],
        );
        check(
            "Kyiv said it faces roughly 8,000 special forces near the river.",
            &[(
                "roughly 8,000 special forces",
                8000.0,
                true,
                Some("special forces"),
            )],
        );
    }

    #[test]
    fn elided_head_takes_the_previous_unit() {
        let q = find("The ministry sent nearly 900 medics, with about 300 already at the front.");
        assert_eq!(q.len(), 2);
        assert_eq!(q[1].value, 300.0);
        assert_eq!(q[1].unit.as_deref(), Some("medics"));
        assert_eq!(q[1].unit_span, None);
        assert_eq!(q[0].high, Some(900.0), "nearly is an upper bound");
    }

    #[test]
    fn elided_head_does_not_cross_paragraphs() {
        let q = find("They sent 40 drones.\n\nLater, about 12 were seen.");
        assert_eq!(q.len(), 2);
        assert_eq!(q[1].unit, None);
    }

    #[test]
    fn number_words_and_scales() {
        check(
            "Two hundred and fifty thousand refugees crossed; a dozen reporters watched.",
            &[
                (
                    "Two hundred and fifty thousand refugees",
                    250_000.0,
                    false,
                    Some("refugees"),
                ),
                ("a dozen reporters", 12.0, false, Some("reporters")),
            ],
        );
        check(
            "It pledged 2.5 million doses and twenty-five ambulances.",
            &[
                ("2.5 million doses", 2_500_000.0, false, Some("doses")),
                ("twenty-five ambulances", 25.0, false, Some("ambulances")),
            ],
        );
    }

    #[test]
    fn vague_orders_of_magnitude() {
        let q = find("Tens of thousands of protesters marched as hundreds of police watched.");
        assert_eq!(q.len(), 2);
        assert_eq!(
            (q[0].value, q[0].low, q[0].high),
            (20_000.0, Some(20_000.0), Some(99_000.0))
        );
        assert_eq!(q[0].unit.as_deref(), Some("protesters"));
        assert!(q[0].approximate);
        assert_eq!(q[1].unit.as_deref(), Some("police"));
        assert_eq!(q[1].low, Some(200.0));
    }

    #[test]
    fn ranges() {
        let q = find("Between 3,000 and 4,000 workers left, and 10,000-12,000 troops stayed from 10 to 12 weeks.");
        assert_eq!(q.len(), 3);
        assert_eq!(
            (q[0].low, q[0].high, q[0].approximate),
            (Some(3000.0), Some(4000.0), true)
        );
        assert_eq!(q[0].qualifier.as_deref(), Some("Between"));
        assert_eq!(q[0].unit.as_deref(), Some("workers"));
        assert_eq!((q[1].low, q[1].high), (Some(10_000.0), Some(12_000.0)));
        assert_eq!(q[1].unit.as_deref(), Some("troops"));
        assert_eq!((q[2].low, q[2].high), (Some(10.0), Some(12.0)));
        let q = find("It needs 2 to 3 million doses.");
        assert_eq!((q[0].low, q[0].high), (Some(2e6), Some(3e6)));
    }

    #[test]
    fn bounds() {
        let q = find("More than 500 people fled, up to 40 buses left and at least 7 died.");
        assert_eq!(q.len(), 3);
        assert_eq!((q[0].low, q[0].high), (Some(500.0), None));
        assert_eq!(q[0].qualifier.as_deref(), Some("More than"));
        assert_eq!((q[1].low, q[1].high), (None, Some(40.0)));
        assert_eq!(q[2].qualifier.as_deref(), Some("at least"));
        let q = find("An estimated 6,000 residents and 200 or more cars remain.");
        assert_eq!(q[0].qualifier.as_deref(), Some("An estimated"));
        assert_eq!(q[1].low, Some(200.0));
        assert!(q[1].approximate);
    }

    #[test]
    fn money_and_percent() {
        check(
            "The $5 billion package is 40% larger, and Seoul added 3.5 per cent.",
            &[
                ("$5 billion", 5e9, false, Some("USD")),
                ("40%", 40.0, false, Some("percent")),
                ("3.5 per cent", 3.5, false, Some("percent")),
            ],
        );
        check(
            "It costs US$2bn or 900 million won.",
            &[
                ("US$2bn", 2e9, false, Some("USD")),
                ("900 million won", 9e8, false, Some("KRW")),
            ],
        );
    }

    #[test]
    fn years_dates_and_times_are_not_counts() {
        check(
            "In 2010 the ship sank; the 2010 sinking killed 46 crew. On Oct 26, 2024 at 7:30 and 10 p.m. Resolution 2231 held.",
            &[("46 crew", 46.0, false, Some("crew"))],
        );
        check("They met on 26 October and again in March 2019.", &[]);
        check(
            "Some 2000 soldiers were sent.",
            &[("Some 2000 soldiers", 2000.0, true, Some("soldiers"))],
        );
    }

    #[test]
    fn identifiers_phones_and_urls_are_not_counts() {
        check(
            "Call 555-123-4567 or see https://example.com/a/2024/10/500 about the Boeing 737 and flight 17.",
            &[],
        );
    }

    #[test]
    fn definite_small_number_words_and_one_of_are_not_counts() {
        check(
            "The two leaders met. One of the ships left. Both sides agreed.",
            &[],
        );
        check(
            "Three soldiers and five tanks were seen.",
            &[
                ("Three soldiers", 3.0, false, Some("soldiers")),
                ("five tanks", 5.0, false, Some("tanks")),
            ],
        );
    }

    #[test]
    fn verbs_after_the_number_are_not_its_head() {
        let q = find("Police said 14 died and 30 were wounded.");
        assert_eq!(q.len(), 2);
        assert_eq!(q[0].unit, None);
    }

    #[test]
    fn scores_are_not_ranges() {
        check("Seoul won the match 3-1.", &[]);
    }

    #[test]
    fn bad_input_never_panics_and_stays_linear() {
        let digits = "7".repeat(1_000_000);
        assert!(find(&digits).is_empty());
        let commas = "1,".repeat(300_000);
        assert!(find(&commas).is_empty());
        let q = find(&format!(
            "about {} troops and 10^400 and 1e999",
            "9".repeat(400)
        ));
        assert!(q.iter().all(|q| q.value.is_finite()));
        let words = "million ".repeat(100_000);
        let q = find(&format!("two {words}"));
        assert!(q.iter().all(|q| q.value.is_finite()));
        let many = "about 5 of 6 and 7-8 ".repeat(20_000);
        let t = std::time::Instant::now();
        let _ = find(&many);
        assert!(t.elapsed().as_secs() < 20);
    }
}
