//! Word lists kept as data files under `crates/text/data/`, embedded at compile time.
//!
//! Rules and lexicons are data, not string literals in code, so that a linguist can extend them
//! without reading Rust. The format is one entry a line, `#` comments, and optional `[section]`
//! headers.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

/// Parses a list file into its sections; entries before any header go to section `""`.
pub fn parse_sections(src: &str) -> HashMap<String, Vec<String>> {
    let mut out: HashMap<String, Vec<String>> = HashMap::new();
    let mut section = String::new();
    for line in src.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = name.to_string();
            continue;
        }
        out.entry(section.clone())
            .or_default()
            .push(line.to_string());
    }
    out
}

/// Parses a list file with no sections into its entries.
pub fn parse_list(src: &str) -> Vec<String> {
    let mut all: Vec<(String, Vec<String>)> = parse_sections(src).into_iter().collect();
    all.sort();
    all.into_iter().flat_map(|(_, v)| v).collect()
}

struct Abbreviations {
    titles: HashSet<String>,
    all: HashSet<String>,
}

static ABBREVIATIONS: LazyLock<Abbreviations> = LazyLock::new(|| {
    let s = parse_sections(include_str!("../data/abbreviations.txt"));
    let titles: HashSet<String> = s.get("title").into_iter().flatten().cloned().collect();
    let all = s.values().flatten().cloned().collect();
    Abbreviations { titles, all }
});

static SENTENCE_STARTERS: LazyLock<HashSet<String>> = LazyLock::new(|| {
    parse_list(include_str!("../data/sentence_starters.txt"))
        .into_iter()
        .collect()
});

/// `word` (without its period) is a known abbreviation: "Gen", "Jan", "Inc".
pub fn is_abbreviation(word: &str) -> bool {
    ABBREVIATIONS.all.contains(word)
}

/// `word` is a title that always precedes a name ("Mr", "Gen"), so it never ends a sentence.
pub fn is_title_abbreviation(word: &str) -> bool {
    ABBREVIATIONS.titles.contains(word)
}

/// Capitalized, `word` is likely to open a sentence ("The", "He", "But").
pub fn is_sentence_starter(word: &str) -> bool {
    SENTENCE_STARTERS.contains(&word.to_lowercase())
}
