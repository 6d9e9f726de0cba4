//! The word lists of `data/times.txt`, parsed once into one table keyed by lowercase word.
//!
//! A word can play several roles ("second" is an ordinal and a unit, "may" a month and a modal),
//! so each word has one [`Entry`] that merges every role it has; the grammar asks the entry for
//! the role it needs. Multi-word phrases ("so far", "a few") live in a second table keyed by
//! their first word, so that a scan needs one lookup per token whatever the phrase count.

use crate::lexicon::parse_sections;
use std::collections::HashMap;
use std::sync::LazyLock;

/// Calendar units, with the letter TIMEX3 durations use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    Year,
    Month,
    Week,
    Day,
    Hour,
    Minute,
    Second,
    Decade,
    Century,
    Quarter,
    Weekend,
}

impl Unit {
    fn parse(code: &str) -> Option<Unit> {
        Some(match code {
            "Y" => Unit::Year,
            "M" => Unit::Month,
            "W" => Unit::Week,
            "D" => Unit::Day,
            "H" => Unit::Hour,
            "MIN" => Unit::Minute,
            "S" => Unit::Second,
            "DE" => Unit::Decade,
            "CE" => Unit::Century,
            "Q" => Unit::Quarter,
            "WE" => Unit::Weekend,
            _ => return None,
        })
    }
}

/// Every role one lowercase word plays; zero or `None` means "not this role".
#[derive(Clone, Debug, Default)]
pub struct Entry {
    pub month: u32,
    pub weekday: u32,
    pub weekday_plural: u32,
    pub season: Option<String>,
    pub part_of_day: Option<String>,
    pub unit: Option<Unit>,
    pub number: Option<u32>,
    pub ordinal: u32,
    pub decade: Option<u32>,
    pub deictic: Option<i64>,
    pub set_adverb: Option<String>,
    pub relative: Option<i32>,
    pub position: bool,
    pub future_cue: bool,
    pub past_cue: bool,
    pub preposition: bool,
    pub clock: Option<(u32, u32)>,
    /// `Some(true)` for p.m.
    pub meridiem: Option<bool>,
    pub time_zone: bool,
}

/// What a multi-word (or single-word) phrase stands for.
#[derive(Clone, Debug, PartialEq)]
pub enum Phrase {
    /// PRESENT_REF, PAST_REF or FUTURE_REF.
    Ref(String),
    Vague,
    Approximator,
    /// -1 before the anchor ("ago"), +1 after ("from now").
    Direction(i32),
}

pub struct Words {
    words: HashMap<String, Entry>,
    /// First word -> (the remaining words, what the phrase means); longest first.
    phrases: HashMap<String, Vec<(Vec<String>, Phrase)>>,
}

impl Words {
    pub fn get(&self, lower: &str) -> Option<&Entry> {
        self.words.get(lower)
    }
    pub fn phrases(&self, first: &str) -> &[(Vec<String>, Phrase)] {
        self.phrases.get(first).map(Vec::as_slice).unwrap_or(&[])
    }
    pub fn has_phrase(&self, first: &str) -> bool {
        self.phrases.contains_key(first)
    }
}

pub static WORDS: LazyLock<Words> = LazyLock::new(|| build(include_str!("../../data/times.txt")));

fn build(src: &str) -> Words {
    let sections = parse_sections(src);
    let mut words: HashMap<String, Entry> = HashMap::new();
    let mut phrases: HashMap<String, Vec<(Vec<String>, Phrase)>> = HashMap::new();
    // Each line is `VALUE word word ...`, except in sections listed in `bare` where every
    // item is a word with no value.
    let bare = [
        "position",
        "future_cue",
        "past_cue",
        "preposition",
        "time_zone",
    ];
    for (name, lines) in &sections {
        for line in lines {
            let mut items = line.split_whitespace();
            let value = if bare.contains(&name.as_str()) {
                ""
            } else {
                items.next().unwrap_or("")
            };
            for item in items {
                if item.contains('_') {
                    let mut parts = item.split('_').map(str::to_string);
                    let Some(first) = parts.next() else { continue };
                    let phrase = match name.as_str() {
                        "present_ref" | "past_ref" | "future_ref" => Phrase::Ref(value.into()),
                        "vague_number" => Phrase::Vague,
                        "approximator" => Phrase::Approximator,
                        "direction" => Phrase::Direction(value.parse().unwrap_or(-1)),
                        _ => continue,
                    };
                    phrases
                        .entry(first)
                        .or_default()
                        .push((parts.collect(), phrase));
                    continue;
                }
                let e = words.entry(item.to_string()).or_default();
                let num = value.parse::<i64>().ok();
                match name.as_str() {
                    "month" => e.month = num.unwrap_or(0) as u32,
                    "weekday" => e.weekday = num.unwrap_or(0) as u32,
                    "weekday_plural" => e.weekday_plural = num.unwrap_or(0) as u32,
                    "season" => e.season = Some(value.into()),
                    "part_of_day" => e.part_of_day = Some(value.into()),
                    "unit" => e.unit = Unit::parse(value),
                    "number" => e.number = num.map(|n| n as u32),
                    "ordinal" => e.ordinal = num.unwrap_or(0) as u32,
                    "decade_word" => e.decade = num.map(|n| n as u32),
                    "deictic_day" => e.deictic = num,
                    "set_adverb" => e.set_adverb = Some(value.into()),
                    "relative" => e.relative = num.map(|n| n as i32),
                    "position" => e.position = true,
                    "future_cue" => e.future_cue = true,
                    "past_cue" => e.past_cue = true,
                    "preposition" => e.preposition = true,
                    "time_zone" => e.time_zone = true,
                    "meridiem" => e.meridiem = Some(value == "pm"),
                    "clock_word" => {
                        let mut hm = value.split(':').map(|p| p.parse::<u32>().unwrap_or(0));
                        e.clock = Some((hm.next().unwrap_or(0), hm.next().unwrap_or(0)));
                    }
                    "present_ref" | "past_ref" | "future_ref" | "vague_number" | "approximator"
                    | "direction" => {
                        let phrase = match name.as_str() {
                            "vague_number" => Phrase::Vague,
                            "approximator" => Phrase::Approximator,
                            "direction" => Phrase::Direction(num.unwrap_or(-1) as i32),
                            _ => Phrase::Ref(value.into()),
                        };
                        phrases
                            .entry(item.to_string())
                            .or_default()
                            .push((Vec::new(), phrase));
                    }
                    _ => {}
                }
            }
        }
    }
    for list in phrases.values_mut() {
        list.sort_by_key(|(rest, _)| std::cmp::Reverse(rest.len()));
    }
    Words { words, phrases }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_word_can_hold_several_roles() {
        let second = WORDS.get("second").expect("second is listed");
        assert_eq!(second.ordinal, 2);
        assert_eq!(second.unit, Some(Unit::Second));
        assert_eq!(WORDS.get("sept.").map(|e| e.month), Some(9));
        assert!(WORDS.phrases("so").iter().any(|(rest, _)| rest == &["far"]));
    }
}
