//! Temporal expressions: find them and normalize them into TIMEX3 values.
//!
//! A rule-based finder in the manner of HeidelTime, over tokens rather than raw text: each
//! sentence is scanned once from left to right; at each token a handful of small grammar
//! functions (calendar dates, weekdays, relative units, amounts of time, quarters, seasons,
//! clock times, sets, fixed phrases) each propose a match, the longest wins, and the scan
//! jumps past it. Words are looked up once per token in one table built from
//! `data/times.txt`, so the cost is linear in the text and rules stay readable.
//!
//! Values are resolved against the publication date (`Doc::published`): "on Monday" in a
//! past-tense clause is the latest Monday on or before it (news says "on Friday" of the day it
//! is published, too), in a clause that looks forward ("will", "next") the first one after it.
//! Tense is read from lexical cues (modals, "-ed" forms, a list of common past verbs), not tags,
//! so the finder works before or without the tagger. Without a publication date, relative
//! expressions keep the unknown parts as `X` ("XXXX-WXX-1", "XXXX-10"), and "two days ago" is
//! `PAST_REF`: a value that claims less, rather than a guess.
//!
//! Extents: by default ([`Extent::Project`]) a calendar expression includes a governing "on"
//! or "in" ("on Monday", "in 2010"), as the seed's expected output does; TimeML leaves
//! prepositions out, so [`Extent::TimeMl`] does too, for scoring against TimeBank. Both
//! overlap the same gold span, so relaxed scores do not depend on the choice.

mod calendar;
mod words;

use crate::doc::{Doc, Span, TimeExpr, TimeType, Token, TokenKind};
use crate::pipeline::{Component, Layer};
use calendar::Pick;
use chrono::{Datelike, NaiveDate};
use words::{Entry, Phrase, Unit, WORDS};

/// Which extent convention spans follow.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Extent {
    /// Calendar expressions include a preceding "on"/"in", as in the project's seed.
    #[default]
    Project,
    /// TimeML/TimeBank extents: no prepositions.
    TimeMl,
}

#[derive(Clone, Copy, Debug, Default)]
pub struct Config {
    pub extent: Extent,
}

pub struct Finder {
    config: Config,
}

impl Finder {
    pub fn new() -> Finder {
        Finder::with_config(Config::default())
    }
    pub fn with_config(config: Config) -> Finder {
        // Build the word table now rather than on the first document.
        let _ = WORDS.get("");
        Finder { config }
    }
}

impl Default for Finder {
    fn default() -> Self {
        Finder::new()
    }
}

impl Component for Finder {
    fn name(&self) -> &'static str {
        "times"
    }
    fn requires(&self) -> &'static [Layer] {
        &[Layer::Tokens, Layer::Sentences]
    }
    fn assigns(&self) -> &'static [Layer] {
        &[Layer::Times]
    }
    fn apply(&self, doc: &mut Doc) {
        doc.times = Some(find(doc, self.config));
    }
}

/// Finds and normalizes the temporal expressions of a tokenized document.
pub fn find(doc: &Doc, config: Config) -> Vec<TimeExpr> {
    let mut scan = Scan::new(doc);
    let mut out = Vec::new();
    for s in &doc.sentences {
        scan.start = s.tokens.start;
        scan.limit = s.tokens.end.min(doc.tokens.len());
        let mut i = scan.start;
        while i < scan.limit {
            let Some(f) = scan.best(i) else {
                i += 1;
                continue;
            };
            let mut first = i;
            if config.extent == Extent::Project
                && f.prep
                && i > scan.start
                && scan.e(i - 1).is_some_and(|e| e.preposition)
            {
                first = i - 1;
            }
            if let Some(q) = f.quarter {
                scan.last_quarter = Some(q);
            }
            let span = Span::new(doc.tokens[first].start, doc.tokens[f.end - 1].end);
            out.push(TimeExpr {
                span,
                kind: f.kind,
                value: f.value,
            });
            i = f.end;
        }
    }
    out
}

/// A proposed match: tokens `[start, end)`, its type and value.
struct Found {
    end: usize,
    kind: TimeType,
    value: String,
    /// A calendar expression that takes "on"/"in" into the project extent.
    prep: bool,
    /// The quarter it names, remembered for later "a year earlier".
    quarter: Option<(i32, u32)>,
}

impl Found {
    fn date(end: usize, value: String) -> Found {
        Found {
            end,
            kind: TimeType::Date,
            value,
            prep: false,
            quarter: None,
        }
    }
    fn with_kind(mut self, kind: TimeType) -> Found {
        self.kind = kind;
        self
    }
    fn prep(mut self) -> Found {
        self.prep = true;
        self
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Count {
    N(u32),
    /// "a"/"an": one, but only before a singular unit.
    A,
    Vague,
}

struct Scan<'a> {
    text: &'a str,
    lower: String,
    toks: &'a [Token],
    lex: Vec<Option<&'static Entry>>,
    dct: Option<NaiveDate>,
    start: usize,
    limit: usize,
    last_quarter: Option<(i32, u32)>,
}

const X_DAY: &str = "XXXX-XX-XX";

impl<'a> Scan<'a> {
    fn new(doc: &'a Doc) -> Scan<'a> {
        // ASCII lowercasing keeps byte offsets, so token spans index both strings.
        let lower = doc.text.to_ascii_lowercase();
        let lex = doc
            .tokens
            .iter()
            .map(|t| WORDS.get(&lower[t.start..t.end]))
            .collect();
        Scan {
            text: &doc.text,
            lower,
            toks: &doc.tokens,
            lex,
            dct: doc.published,
            start: 0,
            limit: 0,
            last_quarter: None,
        }
    }

    // ---- token accessors; all return "nothing" past the sentence end ----

    fn w(&self, j: usize) -> &str {
        if j < self.limit {
            let t = &self.toks[j];
            &self.lower[t.start..t.end]
        } else {
            ""
        }
    }
    fn e(&self, j: usize) -> Option<&'static Entry> {
        if j < self.limit {
            self.lex[j]
        } else {
            None
        }
    }
    fn cap(&self, j: usize) -> bool {
        j < self.limit
            && self.text[self.toks[j].start..]
                .chars()
                .next()
                .is_some_and(char::is_uppercase)
    }
    fn is(&self, j: usize, word: &str) -> bool {
        self.w(j) == word
    }
    fn glued(&self, j: usize) -> bool {
        j < self.limit && !self.toks[j].space_before
    }

    /// Tries every rule at token `i` and keeps the longest match.
    fn best(&self, i: usize) -> Option<Found> {
        let w = self.w(i);
        let interesting = self.lex[i].is_some()
            || self.toks[i].kind == TokenKind::Number
            || w.contains('-')
            || WORDS.has_phrase(w)
            || matches!(
                w,
                "the" | "a" | "an" | "fiscal" | "every" | "each" | "once" | "twice" | "tonight"
            )
            || (w.len() == 2 && w.starts_with('q'))
            || w.starts_with('\'');
        if !interesting {
            return None;
        }
        let candidates = [
            self.calendar(i),
            self.weekday(i),
            self.deictic(i),
            self.relative(i),
            self.amount(i),
            self.quarter(i),
            self.season(i),
            self.clock(i),
            self.set(i),
            self.phrase_ref(i),
            self.the_period(i),
            self.hyphenated(i),
            self.bare_plural(i),
        ];
        let mut best: Option<Found> = None;
        for c in candidates.into_iter().flatten() {
            if best.as_ref().is_none_or(|b| c.end > b.end) {
                best = Some(c);
            }
        }
        best
    }

    // ---- small parsers ----

    /// Skips "early", "late", "mid", "the end of", "the beginning of"...: they place a time
    /// inside a period without changing its TIMEX3 value.
    fn skip_position(&self, i: usize) -> usize {
        let mut j = i;
        if self.is(j, "the") && self.e(j + 1).is_some_and(|e| e.position) && self.is(j + 2, "of") {
            return j + 3;
        }
        if self.e(j).is_some_and(|e| e.position) {
            j += 1;
            if self.is(j, "of") {
                j += 1;
            }
        }
        j
    }

    /// A phrase of the given kind starting at `j`; returns its end and meaning.
    fn phrase(&self, j: usize, want: impl Fn(&Phrase) -> bool) -> Option<(usize, &'static Phrase)> {
        for (rest, p) in WORDS.phrases(self.w(j)) {
            if want(p) && rest.iter().enumerate().all(|(k, r)| self.w(j + 1 + k) == r) {
                return Some((j + 1 + rest.len(), p));
            }
        }
        None
    }

    fn number_word(&self, s: &str) -> Option<u32> {
        let mut total = 0;
        for part in s.split('-') {
            total += WORDS.get(part)?.number?;
        }
        Some(total)
    }

    /// A count: digits, number words ("twenty-four", "twenty four"), "a", or a vague count.
    fn count(&self, j: usize) -> Option<(Count, usize)> {
        let w = self.w(j);
        if w.is_empty() {
            return None;
        }
        if let Some((_, p)) = self.phrase(j, |p| *p == Phrase::Vague) {
            let (end, _) = self.phrase(j, |p| *p == Phrase::Vague)?;
            let _ = p;
            return Some((Count::Vague, end));
        }
        if w == "a" || w == "an" {
            return Some((Count::A, j + 1));
        }
        if w.len() <= 4 && w.bytes().all(|b| b.is_ascii_digit()) {
            return w.parse().ok().map(|n| (Count::N(n), j + 1));
        }
        let n = self.number_word(w)?;
        if n >= 20 && n % 10 == 0 {
            if let Some(u) = self.e(j + 1).and_then(|e| e.number).filter(|&u| u < 10) {
                return Some((Count::N(n + u), j + 2));
            }
        }
        Some((Count::N(n), j + 1))
    }

    fn unit(&self, j: usize) -> Option<(Unit, bool)> {
        let u = self.e(j)?.unit?;
        Some((u, self.w(j).ends_with('s')))
    }

    /// A four-digit year that reads as a year, not an amount ("2000 troops", "$1990").
    fn year(&self, j: usize) -> Option<i32> {
        let w = self.w(j);
        if w.len() != 4 || !w.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let y: i32 = w.parse().ok()?;
        if !(1000..=2099).contains(&y) {
            return None;
        }
        if j > self.start {
            let p = self.w(j - 1);
            if matches!(p, "$" | "£" | "€" | "#" | "no." | "number" | "nos.")
                || self.e(j - 1).is_some_and(|e| e.number.is_some())
            {
                return None;
            }
        }
        let n = self.w(j + 1);
        if matches!(n, "%" | "percent" | "per") {
            return None;
        }
        // A plural noun right after reads as an amount ("2000 troops"); time words excepted.
        if n.len() > 3
            && n.ends_with('s')
            && !self.cap(j + 1)
            && self.e(j + 1).is_none()
            && self.toks[j + 1].kind == TokenKind::Word
        {
            return None;
        }
        Some(y)
    }

    /// A day of the month: "26", "26th".
    fn day_number(&self, j: usize) -> Option<u32> {
        let w = self.w(j);
        let digits = w.trim_end_matches(|c: char| c.is_ascii_alphabetic());
        if digits.is_empty() || digits.len() > 2 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let suffix = &w[digits.len()..];
        if !matches!(suffix, "" | "st" | "nd" | "rd" | "th") {
            return None;
        }
        digits.parse().ok().filter(|d| (1..=31).contains(d))
    }

    /// A month name that is a month here ("May" the modal, "march" the verb are not).
    fn month(&self, j: usize) -> Option<u32> {
        let m = self.e(j)?.month;
        if m == 0 || !self.cap(j) {
            return None;
        }
        let w = self.w(j);
        let next_is_number = self.day_number(j + 1).is_some() || self.year(j + 1).is_some();
        let full = w.len() > 3 && !w.ends_with('.') && w != "sept";
        let prev_ok = j > self.start && {
            let e = self.e(j - 1);
            e.is_some_and(|e| e.preposition || e.position || e.relative.is_some())
                || matches!(
                    self.w(j - 1),
                    "since"
                        | "until"
                        | "till"
                        | "by"
                        | "from"
                        | "of"
                        | "through"
                        | "during"
                        | "before"
                        | "after"
                        | "to"
                        | "each"
                        | "every"
                )
        };
        let ok = match w {
            "may" | "march" => next_is_number || prev_ok,
            _ if full || w.ends_with('.') => true,
            _ => next_is_number,
        };
        ok.then_some(m)
    }

    /// Whether the clause around tokens `[i, end)` looks to the future; the nearest tense
    /// cue in the sentence decides, and the past is the default of news.
    fn future(&self, i: usize, end: usize) -> bool {
        self.tense_within(i, end, 40).unwrap_or(false)
    }

    /// The tense of the nearest cue within `radius` tokens of `[i, end)`, if any.
    fn tense_within(&self, i: usize, end: usize, radius: usize) -> Option<bool> {
        let cue = |j: usize| -> Option<bool> {
            let e = self.e(j);
            if e.is_some_and(|e| e.future_cue) {
                return Some(true);
            }
            if e.is_some_and(|e| e.past_cue) {
                return Some(false);
            }
            let w = self.w(j);
            if w.len() >= 5 && w.ends_with("ed") && !self.cap(j) {
                return Some(false);
            }
            None
        };
        for d in 1..=radius {
            if end - 1 + d < self.limit {
                if let Some(f) = cue(end - 1 + d) {
                    return Some(f);
                }
            }
            if i >= self.start + d {
                if let Some(f) = cue(i - d) {
                    return Some(f);
                }
            } else if end - 1 + d >= self.limit {
                break;
            }
        }
        None
    }

    /// The year of a month (and day) named without one. A future cue right next to it decides;
    /// otherwise the occurrence nearest the anchor wins, with days ahead counting double (news
    /// looks back more than forward) and four times after a past cue. So "payable Dec. 15"
    /// written in November is next month, "in March" written in October is last March.
    fn year_of(&self, a: NaiveDate, m: u32, d: u32, i: usize, end: usize) -> i32 {
        let cue = self.tense_within(i, end, 4);
        if cue == Some(true) {
            return calendar::year_for(a, m, d, true);
        }
        let weight = if cue == Some(false) { 4 } else { 2 };
        let past = calendar::year_for(a, m, d, false);
        let next = calendar::year_for(a, m, d, true);
        let dist = |y: i32| {
            calendar::date(y, m, d.min(28))
                .map(|x| (x - a).num_days().abs())
                .unwrap_or(i64::MAX)
        };
        if dist(next).saturating_mul(weight) < dist(past) {
            next
        } else {
            past
        }
    }

    fn pod_suffix(&self, j: usize) -> Option<&'static str> {
        self.e(j)?.part_of_day.as_deref()
    }

    // ---- rules ----

    /// Calendar dates: "Oct. 26", "26 October 2024", "October 2024", "October", "2010",
    /// "the 1990s", "fiscal 1989", "2024-10-21", "mid-2023".
    fn calendar(&self, i: usize) -> Option<Found> {
        let j = self.skip_position(i);
        let found = self.calendar_core(j)?;
        Some(if j == i {
            found
        } else {
            Found {
                prep: true,
                ..found
            }
        })
    }

    fn calendar_core(&self, j: usize) -> Option<Found> {
        if let Some(m) = self.month(j) {
            let mut k = j + 1;
            if let Some(d) = self.day_number(k) {
                k += 1;
                let mut y = None;
                let kk = if self.is(k, ",") { k + 1 } else { k };
                if let Some(yy) = self.year(kk) {
                    y = Some(yy);
                    k = kk + 1;
                }
                return Some(self.month_day(m, d, y, j, k).prep());
            }
            let kk = if self.is(k, ",") || self.is(k, "of") {
                k + 1
            } else {
                k
            };
            if let Some(y) = self.year(kk) {
                return Some(Found::date(kk + 1, calendar::month(y, m)).prep());
            }
            let value = match self.dct {
                Some(a) => calendar::month(self.year_of(a, m, 15, j, k), m),
                None => format!("XXXX-{m:02}"),
            };
            return Some(Found::date(k, value).prep());
        }
        if let Some(d) = self.day_number(j) {
            let mut k = j + 1;
            if self.is(k, "of") {
                k += 1;
            }
            let m = self.month(k)?;
            k += 1;
            let kk = if self.is(k, ",") { k + 1 } else { k };
            let y = self.year(kk);
            if y.is_some() {
                k = kk + 1;
            }
            return Some(self.month_day(m, d, y, j, k).prep());
        }
        if let Some(y) = self.year(j) {
            return Some(Found::date(j + 1, format!("{y:04}")).prep());
        }
        // A year in words only where a year is expected: "in nineteen ninety-six".
        if j > self.start
            && matches!(
                self.w(j - 1),
                "in" | "since" | "until" | "of" | "by" | "from"
            )
        {
            if let Some((y, end)) = self.year_span(j) {
                if y >= 1100 {
                    return Some(Found::date(end, format!("{y:04}")).prep());
                }
            }
        }
        let w = self.w(j);
        if w == "fiscal" {
            let k = if self.is(j + 1, "year") { j + 2 } else { j + 1 };
            let y = self.year(k)?;
            return Some(Found::date(k + 1, format!("{y:04}")).prep());
        }
        if w == "the" {
            let k = self.skip_position(j + 1);
            if let Some(f) = self.decade(k) {
                return Some(f.prep());
            }
        }
        if let Some(f) = self.decade(j) {
            return Some(f.prep());
        }
        self.numeric_date(j)
    }

    fn month_day(&self, m: u32, d: u32, y: Option<i32>, j: usize, end: usize) -> Found {
        let y = y.or_else(|| self.dct.map(|a| self.year_of(a, m, d, j, end)));
        let value = match y {
            Some(y) => format!("{y:04}-{m:02}-{d:02}"),
            None => format!("XXXX-{m:02}-{d:02}"),
        };
        Found::date(end, value)
    }

    /// "1990s", "'90s", "nineties" (after "the").
    fn decade(&self, j: usize) -> Option<Found> {
        let w = self.w(j);
        if let Some(d) = self.e(j).and_then(|e| e.decade) {
            return Some(Found::date(j + 1, format!("{d}X")));
        }
        let (digits, end) = if w == "'" && self.glued(j + 1) {
            (self.w(j + 1).strip_suffix('s')?, j + 2)
        } else {
            (w.strip_prefix('\'').unwrap_or(w).strip_suffix('s')?, j + 1)
        };
        if !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        match digits.len() {
            4 if digits.ends_with('0') => Some(Found::date(end, format!("{}X", &digits[..3]))),
            2 if digits.ends_with('0') => Some(Found::date(end, format!("19{}X", &digits[..1]))),
            _ => None,
        }
    }

    /// ISO and US numeric dates: "2024-10-21", "10/21/2024".
    fn numeric_date(&self, j: usize) -> Option<Found> {
        let w = self.w(j);
        let parts: Vec<&str> = if w.contains('-') {
            w.split('-').collect()
        } else if w.contains('/') {
            w.split('/').collect()
        } else {
            return None;
        };
        if parts.len() != 3
            || !parts
                .iter()
                .all(|p| p.bytes().all(|b| b.is_ascii_digit()) && !p.is_empty())
        {
            return None;
        }
        let n: Vec<u32> = parts.iter().filter_map(|p| p.parse().ok()).collect();
        let (y, m, d) = if parts[0].len() == 4 {
            (n[0] as i32, n[1], n[2])
        } else if parts[2].len() == 4 {
            (n[2] as i32, n[0], n[1])
        } else {
            return None;
        };
        calendar::date(y, m, d).map(|date| Found::date(j + 1, calendar::day(date)).prep())
    }

    /// "Monday", "Monday night", "last Friday", "Monday, Oct. 21", "Mondays".
    fn weekday(&self, i: usize) -> Option<Found> {
        let mut j = self.skip_position(i);
        let mut rel = None;
        if let Some(r) = self.e(j).and_then(|e| e.relative) {
            rel = Some(r);
            j += 1;
            // "this coming Sunday", "this past spring"
            if let Some(r2) = self.e(j).and_then(|e| e.relative) {
                rel = Some(if r == 0 { r2 } else { r });
                j += 1;
            }
        }
        let e = self.e(j)?;
        let w = self.w(j);
        let plausible = self.cap(j) && (w.len() > 3 || self.is(j + 1, "."));
        if e.weekday_plural > 0 && plausible && rel.is_none() {
            let mut value = format!("XXXX-WXX-{}", e.weekday_plural);
            let mut end = j + 1;
            if let Some(p) = self.pod_suffix(end) {
                value.push('T');
                value.push_str(p);
                end += 1;
            }
            return Some(Found::date(end, value).with_kind(TimeType::Set));
        }
        let wd = e.weekday;
        if wd == 0 || !(plausible || w.ends_with('.')) {
            return None;
        }
        let mut end = j + 1;
        // "Monday, Oct. 21": the explicit date wins.
        let k = if self.is(end, ",") { end + 1 } else { end };
        if self.month(k).is_some() || self.day_number(k).is_some() {
            if let Some(f) = self.calendar_core(k) {
                if f.value.len() == 10 {
                    return Some(Found { end: f.end, ..f });
                }
            }
        }
        let mut kind = TimeType::Date;
        let pod = self.pod_suffix(end);
        if pod.is_some() {
            end += 1;
            kind = TimeType::Time;
        }
        let value = match self.dct {
            Some(a) => {
                let pick = match rel {
                    Some(r) if r < 0 => Pick::Before,
                    Some(r) if r > 0 => Pick::After,
                    _ if self.future(i, end) => Pick::After,
                    _ => Pick::LatestOnOrBefore,
                };
                calendar::day(calendar::weekday(a, wd, pick))
            }
            None => format!("XXXX-WXX-{wd}"),
        };
        let value = match pod {
            Some(p) => format!("{value}T{p}"),
            None => value,
        };
        let f = Found::date(end, value).with_kind(kind);
        Some(if rel.is_none() && i == j { f.prep() } else { f })
    }

    /// "today", "yesterday afternoon", "tonight", "this morning", "last night".
    fn deictic(&self, i: usize) -> Option<Found> {
        let j = self.skip_position(i);
        let w = self.w(j);
        let (offset, mut end, mut pod) = if let Some(n) = self.e(j).and_then(|e| e.deictic) {
            (n, j + 1, None)
        } else if w == "tonight" {
            (0, j + 1, Some("NI"))
        } else if let (Some(r), Some(p)) =
            (self.e(j).and_then(|e| e.relative), self.pod_suffix(j + 1))
        {
            // "this morning" is today; "last night" is yesterday.
            match (r, p) {
                (0, _) => (0, j + 2, Some(p)),
                (-1, "NI") if w == "last" => (-1, j + 2, Some(p)),
                _ => return None,
            }
        } else {
            return None;
        };
        if pod.is_none() {
            if let Some(p) = self.pod_suffix(end) {
                pod = Some(p);
                end += 1;
            }
        }
        let base = match self.dct {
            Some(a) => calendar::day(calendar::add_days(a, offset)),
            None => X_DAY.to_string(),
        };
        Some(match pod {
            Some(p) => Found::date(end, format!("{base}T{p}")).with_kind(TimeType::Time),
            None => Found::date(end, base),
        })
    }

    /// "last week", "this month", "next year", "the past two months", "last March",
    /// "earlier this month", "the coming weeks".
    fn relative(&self, i: usize) -> Option<Found> {
        let mut j = self.skip_position(i);
        if self.is(j, "the") {
            j += 1;
        }
        let r = self.e(j)?.relative?;
        j += 1;
        // "the past two months", "the next few days": a duration.
        if r != 0 {
            if let Some((c, k)) = self.count(j) {
                if let Some((u, plural)) = self.unit(k) {
                    if c != Count::A && (plural || c == Count::N(1)) {
                        return Some(self.duration(c, u, k + 1));
                    }
                }
            }
        }
        let (u, plural) = self.unit(j)?;
        let end = j + 1;
        if plural {
            return (r != 0).then(|| self.duration(Count::Vague, u, end));
        }
        let Some(a) = self.dct else {
            let v = match u {
                Unit::Year => "XXXX",
                Unit::Month => "XXXX-XX",
                Unit::Week => "XXXX-WXX",
                Unit::Quarter => "XXXX-QX",
                Unit::Weekend => "XXXX-WXX-WE",
                _ => return None,
            };
            return Some(Found::date(end, v.to_string()));
        };
        let r64 = r as i64;
        let value = match u {
            Unit::Year => format!("{:04}", a.year() + r),
            Unit::Month => {
                let (y, m) = calendar::add_months(a.year(), a.month(), r64);
                calendar::month(y, m)
            }
            Unit::Week => calendar::week(calendar::add_days(a, 7 * r64)),
            Unit::Weekend => format!("{}-WE", calendar::week(calendar::add_days(a, 7 * r64))),
            Unit::Quarter => {
                let (y, q) = calendar::add_quarters(a.year(), calendar::quarter_of(a.month()), r64);
                let mut f = Found::date(end, format!("{y:04}-Q{q}"));
                f.quarter = Some((y, q));
                return Some(f);
            }
            Unit::Decade => format!("{}X", (a.year() + 10 * r) / 10),
            Unit::Century => format!("{:02}", (a.year() + 100 * r) / 100),
            _ => return None,
        };
        Some(Found::date(end, value))
    }

    /// A duration value, or with a direction word after it a date before or after the anchor.
    fn duration(&self, c: Count, u: Unit, end: usize) -> Found {
        let n = match c {
            Count::N(n) => n.to_string(),
            Count::A => "1".to_string(),
            Count::Vague => "X".to_string(),
        };
        let num = |k: u32| match c {
            Count::Vague => "X".to_string(),
            Count::A => k.to_string(),
            Count::N(v) => (v * k).to_string(),
        };
        let value = match u {
            Unit::Year => format!("P{n}Y"),
            Unit::Month => format!("P{n}M"),
            Unit::Week => format!("P{n}W"),
            Unit::Day => format!("P{n}D"),
            Unit::Hour => format!("PT{n}H"),
            Unit::Minute => format!("PT{n}M"),
            Unit::Second => format!("PT{n}S"),
            Unit::Decade => format!("P{}Y", num(10)),
            Unit::Century => format!("P{}Y", num(100)),
            Unit::Quarter => format!("P{n}Q"),
            Unit::Weekend => format!("P{n}WE"),
        };
        Found::date(end, value).with_kind(TimeType::Duration)
    }

    /// "three years", "about two weeks", "two days ago", "a year earlier", "several months".
    fn amount(&self, i: usize) -> Option<Found> {
        let mut j = i;
        if let Some((k, _)) = self.phrase(j, |p| *p == Phrase::Approximator) {
            if self.count(k).is_some_and(|(_, kk)| self.unit(kk).is_some()) {
                j = k;
            }
        }
        let (c, k) = self.count(j)?;
        let (u, plural) = self.unit(k)?;
        if (c == Count::A || c == Count::N(1)) && plural {
            return None;
        }
        let end = k + 1;
        if let Some((dend, Phrase::Direction(dir))) =
            self.phrase(end, |p| matches!(p, Phrase::Direction(_)))
        {
            return Some(Found::date(dend, self.shifted(c, u, *dir as i64)));
        }
        // "$5 a year", "20% a year": a rate, not a time.
        if c == Count::A
            && i > self.start
            && (self.toks[i - 1].kind == TokenKind::Number
                || matches!(
                    self.w(i - 1),
                    "%" | "percent" | "cents" | "million" | "billion"
                ))
        {
            return None;
        }
        // "a day", "an hour" on their own are too often not times ("a day of talks").
        if c == Count::A && !matches!(u, Unit::Year | Unit::Month | Unit::Week | Unit::Decade) {
            return None;
        }
        Some(self.duration(c, u, end))
    }

    /// The date `c` units before (dir -1) or after (+1) the anchor, at the unit's granularity.
    fn shifted(&self, c: Count, u: Unit, dir: i64) -> String {
        let fallback = if dir < 0 { "PAST_REF" } else { "FUTURE_REF" };
        let n = match c {
            Count::N(n) => n as i64,
            Count::A => 1,
            Count::Vague => return fallback.to_string(),
        };
        // Earnings reports compare with "a year earlier": the same quarter, a year before.
        if u == Unit::Year && n == 1 {
            if let Some((y, q)) = self.last_quarter {
                return format!("{:04}-Q{q}", y + dir as i32);
            }
        }
        let Some(a) = self.dct else {
            return fallback.to_string();
        };
        let d = dir * n;
        match u {
            Unit::Day | Unit::Hour | Unit::Minute | Unit::Second => {
                let days = if u == Unit::Day { d } else { 0 };
                calendar::day(calendar::add_days(a, days))
            }
            Unit::Week | Unit::Weekend => calendar::week(calendar::add_days(a, 7 * d)),
            Unit::Month => {
                let (y, m) = calendar::add_months(a.year(), a.month(), d);
                calendar::month(y, m)
            }
            Unit::Quarter => {
                let (y, q) = calendar::add_quarters(a.year(), calendar::quarter_of(a.month()), d);
                format!("{y:04}-Q{q}")
            }
            Unit::Year => format!("{:04}", a.year() as i64 + d),
            Unit::Decade => format!("{:04}", a.year() as i64 + 10 * d),
            Unit::Century => format!("{:04}", a.year() as i64 + 100 * d),
        }
    }

    /// Fiscal quarters and halves: "the third quarter", "third-quarter", "the latest quarter",
    /// "the fourth quarter of 2024", "Q3 2024", "the first half", "the year-ago quarter".
    fn quarter(&self, i: usize) -> Option<Found> {
        let mut j = i;
        let the = self.is(j, "the");
        if the {
            j += 1;
        }
        if self.is(j, "fiscal") {
            j += 1;
        }
        let w = self.w(j);
        // Which quarter: explicit, or relative to the anchor's.
        enum Which {
            Ordinal(u32),
            Relative(i64),
            YearAgo,
            Half(u32),
        }
        let mut which = None;
        let mut k = j;
        if let Some(q) = w
            .strip_prefix('q')
            .and_then(|d| d.parse::<u32>().ok())
            .filter(|q| (1..=4).contains(q))
        {
            which = Some(Which::Ordinal(q));
            k = j + 1;
        } else if let Some((a, b)) = w.split_once('-') {
            let ord = WORDS.get(a).map(|e| e.ordinal).unwrap_or(0);
            match b {
                "quarter" if (1..=4).contains(&ord) => which = Some(Which::Ordinal(ord)),
                "half" if (1..=2).contains(&ord) => which = Some(Which::Half(ord)),
                "quarter" | "period" if a == "year" => {}
                _ => {}
            }
            if matches!(w, "year-ago" | "year-earlier") {
                which = Some(Which::YearAgo);
            }
            k = j + 1;
            if matches!(which, Some(Which::YearAgo)) {
                // "the year-ago (third) quarter|period" or just "year-earlier".
                if self.e(k).is_some_and(|e| (1..=4).contains(&e.ordinal)) {
                    k += 1;
                }
                if matches!(self.w(k), "quarter" | "period") {
                    k += 1;
                } else if the {
                    return None;
                }
            } else if which.is_none() {
                return None;
            } else if self.is(k, "quarter") || self.is(k, "period") {
                // "third-quarter" is an adjective; the noun after it is not part of the time.
            }
        } else if the || self.is(i, "fiscal") {
            let ord = self.e(j).map(|e| e.ordinal).unwrap_or(0);
            let is_q = |k: usize| matches!(self.w(k), "quarter" | "period");
            if (1..=4).contains(&ord) && self.is(j + 1, "quarter") {
                which = Some(Which::Ordinal(ord));
                k = j + 2;
            } else if (1..=2).contains(&ord) && self.is(j + 1, "half") {
                which = Some(Which::Half(ord));
                k = j + 2;
            } else if w == "last" && self.is(j + 1, "half") {
                which = Some(Which::Half(2));
                k = j + 2;
            } else if matches!(w, "latest" | "last" | "past" | "previous" | "recent") && is_q(j + 1)
            {
                which = Some(Which::Relative(-1));
                k = j + 2;
            } else if w == "most" && self.is(j + 1, "recent") && is_q(j + 2) {
                which = Some(Which::Relative(-1));
                k = j + 3;
            } else if matches!(w, "current" | "this") && self.is(j + 1, "quarter") {
                which = Some(Which::Relative(0));
                k = j + 2;
            } else if w == "quarter" && the {
                let r = if self.future(i, j + 1) { 0 } else { -1 };
                which = Some(Which::Relative(r));
                k = j + 1;
            } else if (w == "comparable" || w == "same")
                && (1..=4).contains(&self.e(j + 1).map(|e| e.ordinal).unwrap_or(0))
            {
                return None;
            }
        }
        let which = which?;
        // An explicit year after: "of 2024", "of fiscal 1990", "2024".
        let mut year = None;
        let mut kk = k;
        if self.is(kk, "of") {
            kk += 1;
            if self.is(kk, "fiscal") {
                kk += 1;
            }
        }
        if let Some(y) = self.year(kk) {
            year = Some(y);
            k = kk + 1;
        }
        let dct = self.dct;
        let (value, quarter) = match which {
            Which::Ordinal(q) => {
                let y = year.or_else(|| {
                    // Results are reported after a quarter ends, and the next quarter is
                    // talked about before it starts: only a quarter more than one ahead of
                    // the anchor's belongs to the year before.
                    dct.map(|a| {
                        let aq = calendar::quarter_of(a.month());
                        if q > aq + 1 {
                            a.year() - 1
                        } else {
                            a.year()
                        }
                    })
                });
                match y {
                    Some(y) => (format!("{y:04}-Q{q}"), Some((y, q))),
                    None => (format!("XXXX-Q{q}"), None),
                }
            }
            Which::Half(h) => {
                let y = year.or_else(|| dct.map(|a| a.year()));
                match y {
                    Some(y) => (format!("{y:04}-H{h}"), None),
                    None => (format!("XXXX-H{h}"), None),
                }
            }
            Which::Relative(r) => match dct {
                Some(a) => {
                    let (y, q) =
                        calendar::add_quarters(a.year(), calendar::quarter_of(a.month()), r);
                    (format!("{y:04}-Q{q}"), Some((y, q)))
                }
                None => ("XXXX-QX".to_string(), None),
            },
            Which::YearAgo => match (self.last_quarter, dct) {
                (Some((y, q)), _) => (format!("{:04}-Q{q}", y - 1), None),
                (None, Some(a)) => (format!("{:04}", a.year() - 1), None),
                (None, None) => ("XXXX".to_string(), None),
            },
        };
        let mut f = Found::date(k, value);
        f.quarter = quarter;
        Some(f)
    }

    /// "the year", "the fiscal year", "the weekend": the anchor's year, the nearest weekend.
    fn the_period(&self, i: usize) -> Option<Found> {
        if !self.is(i, "the") {
            return None;
        }
        let mut j = i + 1;
        if matches!(
            self.w(j),
            "fiscal" | "full" | "calendar" | "entire" | "whole"
        ) {
            j += 1;
        }
        let a = self.dct;
        match self.w(j) {
            "year" => {
                // "the year two thousand" names it.
                if let Some((y, end)) = self.year_span(j + 1) {
                    return Some(Found::date(end, format!("{y:04}")).prep());
                }
                let v = a.map_or("XXXX".to_string(), |a| format!("{:04}", a.year()));
                Some(Found::date(j + 1, v))
            }
            "weekend" if j == i + 1 => {
                let v = match a {
                    Some(a) => {
                        let wd = a.weekday().number_from_monday();
                        // Before Saturday, a past clause means the weekend before.
                        let shift = if wd < 6 && !self.future(i, j + 1) {
                            -7
                        } else {
                            0
                        };
                        format!("{}-WE", calendar::week(calendar::add_days(a, shift)))
                    }
                    None => "XXXX-WXX-WE".to_string(),
                };
                Some(Found::date(j + 1, v))
            }
            _ => None,
        }
    }

    /// A year in digits or words: "1996", "nineteen ninety-six", "two thousand".
    fn year_span(&self, j: usize) -> Option<(i32, usize)> {
        if let Some(y) = self.year(j) {
            return Some((y, j + 1));
        }
        let century = self.e(j)?.number?;
        if self.is(j + 1, "thousand") && century == 2 {
            return match self.count(j + 2) {
                Some((Count::N(n), end)) if n < 100 && self.e(j + 2).is_some() => {
                    Some((2000 + n as i32, end))
                }
                _ => Some((2000, j + 2)),
            };
        }
        if !(10..=20).contains(&century) {
            return None;
        }
        let rest = self.number_word(self.w(j + 1))?;
        if !(10..100).contains(&rest) {
            return None;
        }
        let (rest, end) = match self.e(j + 2).and_then(|e| e.number) {
            Some(u) if rest % 10 == 0 && rest >= 20 && u < 10 => (rest + u, j + 3),
            _ => (rest, j + 2),
        };
        Some((century as i32 * 100 + rest as i32, end))
    }

    /// "last fall", "the summer", "summer of 2024", "early winter".
    fn season(&self, i: usize) -> Option<Found> {
        let mut j = self.skip_position(i);
        let positioned = j != i;
        let the = self.is(j, "the");
        if the {
            j += 1;
        }
        let mut rel = None;
        if let Some(r) = self.e(j).and_then(|e| e.relative) {
            rel = Some(r);
            j += 1;
            if let Some(r2) = self.e(j).and_then(|e| e.relative) {
                rel = Some(if r == 0 { r2 } else { r });
                j += 1;
            }
        }
        let s = self.e(j)?.season.as_deref()?;
        let mut end = j + 1;
        let k = if self.is(end, "of") { end + 1 } else { end };
        let year = self.year_span(k).map(|(y, e)| {
            end = e;
            y
        });
        let prev_in = i > self.start && self.is(i - 1, "in");
        let unambiguous = matches!(s, "SU" | "WI") || self.w(j) == "autumn";
        if rel.is_none() && year.is_none() && !the && !positioned && !(prev_in && unambiguous) {
            return None;
        }
        let y = year.or_else(|| self.dct.map(|a| a.year() + rel.unwrap_or(0)));
        let value = match y {
            Some(y) => format!("{y:04}-{s}"),
            None => format!("XXXX-{s}"),
        };
        Some(Found::date(end, value).prep())
    }

    /// Clock times: "10:35 a.m.", "3 p.m. EDT Friday", "noon", "midnight Friday".
    fn clock(&self, i: usize) -> Option<Found> {
        let mut j = i;
        if let Some((k, _)) = self.phrase(j, |p| *p == Phrase::Approximator) {
            j = k;
        }
        if self.is(j, "at") {
            return None;
        }
        let (mut h, mut m, mut k);
        if let Some((hh, mm)) = self.e(j).and_then(|e| e.clock) {
            (h, m, k) = (hh, mm, j + 1);
        } else {
            let w = self.w(j);
            let (hs, ms) = w.split_once(':').unwrap_or((w, "00"));
            h = hs.parse().ok().filter(|h| *h <= 24)?;
            m = ms.parse().ok().filter(|m| *m < 60)?;
            k = j + 1;
            // "10 : 35" split by the tokenizer
            if !w.contains(':') && self.is(k, ":") && self.glued(k) && self.glued(k + 1) {
                m = self.w(k + 1).parse().ok().filter(|m| *m < 60)?;
                k += 2;
            }
            let mer = self.e(k).and_then(|e| e.meridiem);
            let mer = match mer {
                Some(pm) => {
                    k += 1;
                    if self.is(k, ".") && self.glued(k) {
                        k += 1;
                    }
                    Some(pm)
                }
                None => None,
            };
            match mer {
                Some(true) if h < 12 => h += 12,
                Some(false) if h == 12 => h = 0,
                Some(_) => {}
                None if w.contains(':') && self.e(k).is_some_and(|e| e.time_zone) => {}
                None => return None,
            }
            if h > 24 {
                return None;
            }
        }
        if self.e(k).is_some_and(|e| e.time_zone) {
            k += 1;
        }
        // A day after it: "3 p.m. Friday", "5 p.m. EST, Nov. 6", "noon yesterday".
        let kk = if self.is(k, ",") { k + 1 } else { k };
        let mut day = None;
        if let Some(f) = self
            .weekday(kk)
            .or_else(|| self.deictic(kk))
            .or_else(|| self.calendar_core(kk))
        {
            if f.value.len() >= 10 && !f.value.starts_with('P') {
                day = Some(f.value[..10].to_string());
                k = f.end;
            }
        }
        let day = day.unwrap_or_else(|| match self.dct {
            Some(a) => calendar::day(a),
            None => X_DAY.to_string(),
        });
        Some(Found::date(k, format!("{day}T{h:02}:{m:02}")).with_kind(TimeType::Time))
    }

    /// Sets: "daily", "every week", "each Thursday", "each July", "twice a year".
    fn set(&self, i: usize) -> Option<Found> {
        let e = self.e(i);
        if let Some(v) = e.and_then(|e| e.set_adverb.as_deref()) {
            return Some(Found::date(i + 1, v.to_string()).with_kind(TimeType::Set));
        }
        let w = self.w(i);
        let mut j = i + 1;
        let value = if matches!(w, "every" | "each") {
            if self.is(j, "other") {
                j += 1;
            }
            let (c, k) = match self.count(j) {
                Some((Count::N(n), k)) if self.unit(k).is_some() => (n, k),
                _ => (1, j),
            };
            let e = self.e(k)?;
            j = k + 1;
            if let Some((u, _)) = self.unit(k) {
                let mut v = self.duration(Count::N(c), u, j).value;
                if u == Unit::Weekend {
                    v = "XXXX-WXX-WE".to_string();
                }
                v
            } else if e.weekday > 0 && self.cap(k) {
                format!("XXXX-WXX-{}", e.weekday)
            } else if self.month(k).is_some() {
                format!("XXXX-{:02}", e.month)
            } else {
                return None;
            }
        } else if matches!(w, "once" | "twice") || self.is(i + 1, "times") {
            if w != "once" && w != "twice" {
                j += 1;
            }
            if !matches!(self.w(j), "a" | "an" | "per" | "each" | "every") {
                return None;
            }
            let (u, _) = self.unit(j + 1)?;
            j += 2;
            self.duration(Count::N(1), u, j).value
        } else {
            return None;
        };
        Some(Found::date(j, value).with_kind(TimeType::Set))
    }

    /// Fixed phrases: "now", "so far", "recently", "the future", "recent years".
    fn phrase_ref(&self, i: usize) -> Option<Found> {
        let (mut end, p) = self.phrase(i, |p| matches!(p, Phrase::Ref(_)))?;
        let Phrase::Ref(v) = p else { return None };
        // "the past two months", "the past year" are not "the past".
        if self.w(end - 1) != "recent" && self.unit(end).is_some()
            || self.count(end).is_some_and(|(_, k)| self.unit(k).is_some())
        {
            return None;
        }
        // "recent years", "recent weeks": still only PAST_REF.
        if self.w(end - 1) == "recent" && self.unit(end).is_some_and(|(_, plural)| plural) {
            end += 1;
        }
        // "now" as in "now-defunct" is glued to what follows; the tokenizer keeps it whole.
        Some(Found::date(end, v.clone()))
    }

    /// Hyphenated tokens: "mid-2023", "mid-October", "two-year", "16-hour", "late-1990s".
    fn hyphenated(&self, i: usize) -> Option<Found> {
        let w = self.w(i);
        let (a, b) = w.split_once('-')?;
        if WORDS.get(a).is_some_and(|e| e.position) {
            let orig = &self.text[self.toks[i].start + a.len() + 1..self.toks[i].end];
            if b.len() == 4 && b.bytes().all(|c| c.is_ascii_digit()) {
                return Some(Found::date(i + 1, b.to_string()).prep());
            }
            if let Some(m) = WORDS.get(b).map(|e| e.month).filter(|&m| m > 0) {
                if !orig.starts_with(char::is_uppercase) && b.len() <= 3 {
                    return None;
                }
                let y = if let Some(y) = self.year(i + 1) {
                    return Some(Found::date(i + 2, calendar::month(y, m)).prep());
                } else {
                    self.dct.map(|a| self.year_of(a, m, 15, i, i + 1))
                };
                return Some(Found::date(
                    i + 1,
                    match y {
                        Some(y) => calendar::month(y, m),
                        None => format!("XXXX-{m:02}"),
                    },
                ));
            }
            if let Some(s) = b
                .strip_suffix('s')
                .filter(|s| s.len() == 4 && s.ends_with('0'))
            {
                return Some(Found::date(i + 1, format!("{}X", &s[..3])));
            }
            return None;
        }
        // "two-year", "16-hour", "several-year", "decades-long"; not ages ("46-year-old").
        let mut parts = w.split('-');
        let first = parts.next()?;
        let second = parts.next()?;
        let third = parts.next();
        if third.is_some_and(|t| t != "long") {
            return None;
        }
        let (u, _) = WORDS.get(second).and_then(|e| e.unit).map(|u| (u, ()))?;
        // "two-year" is a duration; "three-quarters" is a fraction.
        if second.ends_with('s') && third != Some("long") {
            return None;
        }
        let c = if first.bytes().all(|b| b.is_ascii_digit()) && !first.is_empty() {
            Count::N(first.parse().ok()?)
        } else if let Some(n) = self.number_word(first) {
            Count::N(n)
        } else if matches!(first, "several" | "many" | "few" | "multi") {
            Count::Vague
        } else {
            return None;
        };
        Some(self.duration(c, u, i + 1))
    }

    /// A bare plural unit after "for", "in", "over", "within": "for years" -> PXY.
    fn bare_plural(&self, i: usize) -> Option<Found> {
        let (u, plural) = self.unit(i)?;
        if !plural || i == self.start || u == Unit::Weekend {
            return None;
        }
        if !matches!(
            self.w(i - 1),
            "for" | "in" | "over" | "within" | "after" | "took" | "lasted"
        ) {
            return None;
        }
        Some(self.duration(Count::Vague, u, i + 1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::Tokenizer;

    fn times(text: &str, published: Option<&str>) -> Vec<(String, String)> {
        let published = published.and_then(|p| NaiveDate::parse_from_str(p, "%Y-%m-%d").ok());
        let mut doc = Doc::new(text, published);
        Tokenizer.apply(&mut doc);
        Finder::new().apply(&mut doc);
        doc.times
            .as_deref()
            .unwrap_or_default()
            .iter()
            .map(|t| (doc.slice(t.span).to_string(), t.value.clone()))
            .collect()
    }

    fn check(text: &str, expected: &[(&str, &str)]) {
        let got = times(text, Some("2024-10-22"));
        let want: Vec<(String, String)> = expected
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
        assert_eq!(got, want, "in {text:?}");
    }

    #[test]
    fn seed_cases() {
        check(
            "The photo, posted by a blogger on Monday, showed two flags.",
            &[("on Monday", "2024-10-21")],
        );
        check(
            "On Friday, the agency announced the numbers.",
            &[("On Friday", "2024-10-18")],
        );
        check(
            "Investigators concluded in 2010 that a torpedo sank it.",
            &[("in 2010", "2010")],
        );
        check(
            "He cited the 2010 sinking of the ship.",
            &[("2010", "2010")],
        );
        check(
            "The flag has recently been raised on a hill.",
            &[("recently", "PAST_REF")],
        );
        check(
            "So far, nobody has said anything.",
            &[("So far", "PRESENT_REF")],
        );
    }

    #[test]
    fn relative_units_and_amounts() {
        check("Prices rose last week.", &[("last week", "2024-W42")]);
        check("She left two days ago.", &[("two days ago", "2024-10-20")]);
        check(
            "Talks began earlier this month.",
            &[("earlier this month", "2024-10")],
        );
        check(
            "Exports fell in the past three months.",
            &[("the past three months", "P3M")],
        );
        check(
            "He served three years in prison.",
            &[("three years", "P3Y")],
        );
        check("It happens every week.", &[("every week", "P1W")]);
        check(
            "They are currently in talks.",
            &[("currently", "PRESENT_REF")],
        );
        check("Sales were flat now.", &[("now", "PRESENT_REF")]);
        check("The deal closes next year.", &[("next year", "2025")]);
    }

    #[test]
    fn calendar_dates() {
        check(
            "The vote was held on Oct. 26.",
            &[("on Oct. 26", "2024-10-26")],
        );
        check(
            "It ends on 26 October 2024.",
            &[("on 26 October 2024", "2024-10-26")],
        );
        check("Growth slowed in mid-2023.", &[("in mid-2023", "2023")]);
        check("It was built in the 1990s.", &[("in the 1990s", "199X")]);
        check(
            "Profit rose in the third quarter.",
            &[("the third quarter", "2024-Q3")],
        );
        check(
            "He spoke Wednesday night.",
            &[("Wednesday night", "2024-10-16TNI")],
        );
        check("Rates were cut in March.", &[("in March", "2024-03")]);
        check("They may march in May.", &[("in May", "2024-05")]);
    }

    #[test]
    fn tense_picks_the_weekday() {
        check(
            "The minister will visit on Friday.",
            &[("on Friday", "2024-10-25")],
        );
        check(
            "The minister visited on Friday.",
            &[("on Friday", "2024-10-18")],
        );
        check("He arrives next Monday.", &[("next Monday", "2024-10-28")]);
    }

    #[test]
    fn without_a_publication_date_values_stay_unresolved() {
        let got = times("He spoke on Monday about last year and October.", None);
        let values: Vec<&str> = got.iter().map(|(_, v)| v.as_str()).collect();
        assert_eq!(values, ["XXXX-WXX-1", "XXXX", "XXXX-10"]);
    }

    #[test]
    fn timeml_extent_leaves_the_preposition_out() {
        let mut doc = Doc::new("He spoke on Monday.", NaiveDate::from_ymd_opt(2024, 10, 22));
        Tokenizer.apply(&mut doc);
        let t = find(
            &doc,
            Config {
                extent: Extent::TimeMl,
            },
        );
        assert_eq!(doc.slice(t[0].span), "Monday");
    }

    #[test]
    fn amounts_that_are_not_years() {
        assert!(times("About 2000 troops were sent.", Some("2024-10-22")).is_empty());
        assert!(times("It cost $2010.", Some("2024-10-22")).is_empty());
    }
}
