//! The word lists the attribution rules read (speaker kinds, aliases, anonymity and channel
//! phrases, strong and addressee cues), loaded once from `data/attribution/`.
//!
//! They are kept apart from the taggers' lexicon in `features.rs` because changing a feature
//! lexicon means retraining, while these only steer the deterministic post-pass.

use crate::doc::SpeakerKind;
use crate::lexicon::parse_sections;
use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

/// Multi-word phrases by first word, each the remaining words and a payload.
pub struct Phrases<T> {
    by_first: HashMap<String, Vec<(Vec<String>, T)>>,
}

impl<T: Clone> Phrases<T> {
    fn new(entries: impl IntoIterator<Item = (String, T)>) -> Phrases<T> {
        let mut by_first: HashMap<String, Vec<(Vec<String>, T)>> = HashMap::new();
        for (phrase, v) in entries {
            let mut ws = phrase.split_whitespace().map(str::to_lowercase);
            if let Some(first) = ws.next() {
                by_first.entry(first).or_default().push((ws.collect(), v));
            }
        }
        // Longest first, so that the first match at a position is the longest.
        for v in by_first.values_mut() {
            v.sort_by_key(|b| std::cmp::Reverse(b.0.len()));
        }
        Phrases { by_first }
    }

    /// The longest phrase starting at `words[i]` within `words[..end]`: its length and payload.
    pub fn longest_at(&self, words: &[String], i: usize, end: usize) -> Option<(usize, T)> {
        let end = end.min(words.len());
        let rests = self.by_first.get(words.get(i)?)?;
        rests.iter().find_map(|(rest, v)| {
            let stop = i + 1 + rest.len();
            (stop <= end && rest.iter().zip(&words[i + 1..stop]).all(|(a, b)| a == b))
                .then(|| (1 + rest.len(), v.clone()))
        })
    }
}

pub struct Alias {
    pub canonical: String,
    pub kind: SpeakerKind,
    pub country: Option<String>,
    pub requires: Option<String>,
}

pub struct Lexicons {
    pub kinds: Phrases<SpeakerKind>,
    pub aliases: HashMap<String, Alias>,
    /// A definite description's head word and the kinds of speaker it can refer back to.
    pub descriptions: HashMap<String, Vec<SpeakerKind>>,
    pub anonymity: Phrases<()>,
    pub anonymous_heads: HashSet<String>,
    pub media: Phrases<()>,
    pub platforms: Phrases<()>,
    pub audiences: Phrases<()>,
    /// Places a medium is posted on whose owner speaks through it: "the ministry website".
    pub sites: Phrases<()>,
    pub strong_cues: HashSet<String>,
    pub interjection_cues: HashSet<String>,
    /// Nouns that report a claim when "that" and a clause follow: see `cues.txt`.
    pub noun_that: HashSet<String>,
    pub addressee_cues: HashSet<String>,
    /// Wire agencies: alias (lowercased, as phrase) to canonical name.
    pub agencies: Phrases<String>,
    /// Words that tell a speaker's gender (courtesy titles, nouns, given names): true for
    /// female.
    pub female: HashMap<String, bool>,
}

pub fn kind_from_str(s: &str) -> SpeakerKind {
    match s {
        "person" => SpeakerKind::Person,
        "government" => SpeakerKind::Government,
        "government_official" => SpeakerKind::GovernmentOfficial,
        "intelligence_agency" => SpeakerKind::IntelligenceAgency,
        "military" => SpeakerKind::Military,
        "diplomat" => SpeakerKind::Diplomat,
        "embassy" => SpeakerKind::Embassy,
        "state_media" => SpeakerKind::StateMedia,
        "news_agency" => SpeakerKind::NewsAgency,
        "newspaper" => SpeakerKind::Newspaper,
        "social_media_account" => SpeakerKind::SocialMediaAccount,
        "international_organization" => SpeakerKind::InternationalOrganization,
        "company" => SpeakerKind::Company,
        "ngo" => SpeakerKind::Ngo,
        "investigators" => SpeakerKind::Investigators,
        "state" => SpeakerKind::State,
        _ => SpeakerKind::Unknown,
    }
}

fn rows(src: &str) -> impl Iterator<Item = Vec<&str>> {
    src.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| l.split('\t').map(str::trim).collect())
}

pub static LEXICONS: LazyLock<Lexicons> = LazyLock::new(|| {
    let mut kinds = Vec::new();
    for r in rows(include_str!("../../data/attribution/speakers.tsv")) {
        if let [phrase, kind, ..] = r[..] {
            let k = kind_from_str(kind);
            kinds.push((phrase.to_string(), k));
            if !phrase.ends_with('s') {
                kinds.push((format!("{phrase}s"), k));
            }
        }
    }
    let mut aliases = HashMap::new();
    for r in rows(include_str!("../../data/attribution/aliases.tsv")) {
        if let [alias, canonical, kind, country, requires, ..] = r[..] {
            aliases.insert(
                alias.to_lowercase(),
                Alias {
                    canonical: canonical.to_string(),
                    kind: kind_from_str(kind),
                    country: (country != "-").then(|| country.to_string()),
                    requires: (requires != "-").then(|| requires.to_string()),
                },
            );
        }
    }
    let mut descriptions = HashMap::new();
    for r in rows(include_str!("../../data/attribution/descriptions.tsv")) {
        if let [head, kinds, ..] = r[..] {
            let kinds = kinds.split_whitespace().map(kind_from_str).collect();
            descriptions.insert(head.to_lowercase(), kinds);
        }
    }
    let anon = parse_sections(include_str!("../../data/attribution/anonymity.txt"));
    let chan = parse_sections(include_str!("../../data/attribution/channels.txt"));
    let cues = parse_sections(include_str!("../../data/attribution/cues.txt"));
    let section = |s: &HashMap<String, Vec<String>>, k: &str| -> Vec<String> {
        s.get(k).cloned().unwrap_or_default()
    };
    let unit = |v: Vec<String>| Phrases::new(v.into_iter().map(|p| (p, ())));
    let set = |v: Vec<String>| v.into_iter().map(|w| w.to_lowercase()).collect();
    let mut agencies = Vec::new();
    for r in rows(include_str!("../../data/wire_agencies.tsv")) {
        if let [canonical, list, ..] = r[..] {
            for a in list.split('|') {
                agencies.push((a.to_string(), canonical.to_string()));
            }
        }
    }
    let mut female = HashMap::new();
    for r in rows(include_str!("../../data/attribution/genders.tsv")) {
        if let [word, g, ..] = r[..] {
            female.insert(word.to_lowercase(), g == "f");
        }
    }
    Lexicons {
        female,
        kinds: Phrases::new(kinds),
        aliases,
        descriptions,
        anonymity: unit(section(&anon, "phrase")),
        anonymous_heads: set(section(&anon, "head")),
        media: unit(section(&chan, "medium")),
        platforms: unit(section(&chan, "platform")),
        audiences: unit(section(&chan, "audience")),
        sites: unit(section(&chan, "site")),
        strong_cues: set(section(&cues, "strong")),
        interjection_cues: set(section(&cues, "interjection")),
        noun_that: set(section(&cues, "noun-that")),
        addressee_cues: set(section(&cues, "addressee")),
        agencies: Phrases::new(agencies),
    }
});
