//! Named entities: a trained BIO tagger plus gazetteers and a few rules.
//!
//! The statistical part is a greedy left-to-right averaged perceptron ([`features`]) trained by
//! `claimtrail train ner` on GUM and news texts labelled by a teacher model (see `eval::ner`).
//! It knows context; the gazetteers ([`gazetteer`]) know names it never saw. They meet twice:
//! the gazetteer position of each token is a feature, and after decoding, rules that the lists
//! make safe fill what the tagger left out and correct what it mistyped:
//!
//! - ACCOUNT: @handles and t.me / twitter / x.com / ... channel links, by rule, always;
//! - VESSEL: "the Cheonan warship": a capitalized name before a vessel noun;
//! - gaps: a country, region, well-known organization or nationality adjective the tagger left
//!   as O becomes an entity ("pro-Russia" is NORP RU);
//! - organizations from keywords ("Russian Embassy in Seoul"), office holders after a title
//!   phrase ("Ambassador to South Korea Georgy Zinoviev"), titles trimmed off names;
//! - one reading per name and document: a surname or full name once tagged PERSON is PERSON
//!   wherever it recurs ("Zinoviev" after "Georgy Zinoviev");
//! - site names ("NDTV.com") are organizations; a bare "North" or "South" is no name;
//! - inside publisher boilerplate (`doc.boilerplate`, when the boilerplate finder ran first)
//!   only known organizations, site names and accounts are kept: the publisher, not the noise;
//! - `country` (ISO 3166-1 alpha-2): a place gets its own or its country's code, a nationality
//!   its country's, and an organization the country its name starts with ("Russian Embassy in
//!   Seoul" is Russia's embassy: the owner is named first and the host after "in") or the
//!   country whose possessive precedes it ("South Korea's National Intelligence Service").
//!
//! Entities never overlap: rule spans replace the tagger's spans they overlap.
//!
//! Speed: the per-token facts, including the one gazetteer scan of the document, are computed
//! once ([`features::Prepared`]) and shared by the tagger and the rules; the model is asked only
//! about tokens that could start or continue a name ([`features::Prepared::certainly_outside`]),
//! and nothing is allocated per token. About 0.4 ms per PolNeAR article on one core
//! (`cargo run --release -p eval --example ner -- bench`).

pub mod features;
pub mod gazetteer;

use crate::doc::{Doc, Entity, EntityType, Span, TokenKind};
use crate::lexicon;
use crate::perceptron::{ModelError, Perceptron};
use crate::pipeline::{Component, Layer};
use features::{Prepared, N_CLASSES, TYPES};
use gazetteer::{Gazetteer, Kind};

pub struct Recognizer {
    model: Perceptron,
}

/// Hosts whose first path segment names an account or channel.
const ACCOUNT_HOSTS: [&str; 9] = [
    "t.me/",
    "telegram.me/",
    "twitter.com/",
    "x.com/",
    "facebook.com/",
    "instagram.com/",
    "tiktok.com/@",
    "youtube.com/@",
    "vk.com/",
];

impl Recognizer {
    /// The recognizer with the weights committed in `crates/text/models/ner.bin`.
    pub fn embedded() -> Result<Recognizer, ModelError> {
        Recognizer::from_bytes(include_bytes!("../../models/ner.bin"))
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Recognizer, ModelError> {
        Recognizer::from_model(Perceptron::from_bytes(bytes)?)
    }

    pub fn from_model(model: Perceptron) -> Result<Recognizer, ModelError> {
        if model.n_classes() != N_CLASSES {
            return Err(ModelError(format!(
                "entity model has {} classes, expected {N_CLASSES}",
                model.n_classes()
            )));
        }
        Ok(Recognizer { model })
    }

    /// BIO classes for every token of `doc`, by greedy left-to-right decoding sentence by
    /// sentence, as in training. (A beam of 4 over softmaxed scores was tried and gained 0.001
    /// F1 on GUM dev: the model is trained greedily on its own history, and a beam would pay
    /// once it is trained with one.)
    pub fn tag(&self, doc: &Doc, prep: &Prepared) -> Vec<u8> {
        let mut labels = vec![0u8; doc.tokens.len()];
        let mut feats = Vec::with_capacity(40);
        let mut scores = [0f32; N_CLASSES];
        for sent in &doc.sentences {
            let e = sent.tokens.end.min(doc.tokens.len());
            let s = sent.tokens.start.min(e);
            let (mut p1, mut p2) = (0u8, 0u8);
            for (i, label) in labels.iter_mut().enumerate().take(e).skip(s) {
                let class = if prep.certainly_outside(i, p1) {
                    0
                } else {
                    features::features(prep, s, e, i, p1, p2, &mut feats);
                    self.model.score_into(&feats, &mut scores);
                    features::best_allowed(&scores, p1)
                };
                *label = class;
                p2 = p1;
                p1 = class;
            }
        }
        labels
    }

    /// The entities of `doc` (which needs tokens and sentences; tags help when present).
    pub fn recognize(&self, doc: &Doc) -> Vec<Entity> {
        let prep = Prepared::new(doc);
        let labels = self.tag(doc, &prep);
        let mut spans = spans_from_labels(&labels);
        apply_rules(doc, &prep, &mut spans);
        spans
            .iter()
            .map(|s| Entity {
                span: Span::new(doc.tokens[s.start].start, doc.tokens[s.end - 1].end),
                label: s.label,
                country: s.country.map(|c| String::from_utf8_lossy(&c).into_owned()),
            })
            .collect()
    }
}

impl Component for Recognizer {
    fn name(&self) -> &'static str {
        "entities"
    }
    fn requires(&self) -> &'static [Layer] {
        &[Layer::Tokens, Layer::Sentences, Layer::Tags]
    }
    fn assigns(&self) -> &'static [Layer] {
        &[Layer::Entities]
    }
    fn apply(&self, doc: &mut Doc) {
        let entities = self.recognize(doc);
        doc.entities = Some(entities);
    }
}

/// An entity over tokens `start..end`.
#[derive(Clone, Copy, Debug, PartialEq)]
struct TokSpan {
    start: usize,
    end: usize,
    label: EntityType,
    country: Option<[u8; 2]>,
}

/// Token spans from BIO classes (a stray I starts a span, as the decoder never emits one).
fn spans_from_labels(labels: &[u8]) -> Vec<TokSpan> {
    let mut out: Vec<TokSpan> = Vec::new();
    let mut open: Option<(usize, usize)> = None;
    for (i, &c) in labels.iter().enumerate() {
        let t = features::type_of(c);
        let continues = c != 0 && c % 2 == 0 && open.is_some_and(|(_, k)| Some(k) == t);
        if !continues {
            if let Some((s, k)) = open.take() {
                out.push(TokSpan {
                    start: s,
                    end: i,
                    label: TYPES[k],
                    country: None,
                });
            }
            if let Some(k) = t {
                open = Some((i, k));
            }
        }
    }
    if let Some((s, k)) = open {
        out.push(TokSpan {
            start: s,
            end: labels.len(),
            label: TYPES[k],
            country: None,
        });
    }
    out
}

/// Puts `new` in, removing the spans it overlaps; keeps `spans` sorted.
fn replace(spans: &mut Vec<TokSpan>, new: TokSpan) {
    spans.retain(|s| s.end <= new.start || new.end <= s.start);
    let at = spans.partition_point(|s| s.start < new.start);
    spans.insert(at, new);
}

fn overlaps_any(spans: &[TokSpan], start: usize, end: usize) -> bool {
    spans.iter().any(|s| s.start < end && start < s.end)
}

fn is_capitalized(s: &str) -> bool {
    s.chars().next().is_some_and(char::is_uppercase)
}

fn is_possessive(s: &str) -> bool {
    matches!(s, "'s" | "\u{2019}s" | "'" | "\u{2019}")
}

fn place_label(kind: Kind) -> Option<EntityType> {
    match kind {
        Kind::Country | Kind::State | Kind::City => Some(EntityType::Gpe),
        Kind::Continent | Kind::Region => Some(EntityType::Loc),
        Kind::Demonym => Some(EntityType::Norp),
        Kind::Org => Some(EntityType::Org),
    }
}

/// "pro-Russia", "anti-Western", "Russia-backed": the country of the word after the prefix.
fn affiliation(word: &str) -> Option<gazetteer::Entry> {
    let g = Gazetteer::get();
    let rest = word
        .strip_prefix("pro-")
        .or_else(|| word.strip_prefix("Pro-"))
        .or_else(|| word.strip_prefix("anti-"))
        .or_else(|| word.strip_prefix("Anti-"))?;
    g.lookup_word(rest).filter(|e| {
        matches!(
            e.kind,
            Kind::Country | Kind::Demonym | Kind::Org | Kind::Region
        )
    })
}

fn apply_rules(doc: &Doc, prep: &Prepared, spans: &mut Vec<TokSpan>) {
    let n = doc.tokens.len();
    // Accounts: handles and channel links, whatever the tagger said around them.
    for i in 0..n {
        let t = &doc.tokens[i];
        let text = doc.token_text(i);
        let account = match t.kind {
            TokenKind::Handle => true,
            // A bare "x.com/name" may come out of the tokenizer as a word.
            TokenKind::Url | TokenKind::Word if t.kind == TokenKind::Url || text.contains('/') => {
                let rest = text
                    .trim_start_matches("https://")
                    .trim_start_matches("http://")
                    .trim_start_matches("www.")
                    .trim_start_matches("mobile.")
                    .trim_start_matches("m.");
                ACCOUNT_HOSTS.iter().any(|h| {
                    rest.strip_prefix(h)
                        .is_some_and(|p| p.chars().next().is_some_and(char::is_alphanumeric))
                })
            }
            _ => false,
        };
        if account {
            replace(
                spans,
                TokSpan {
                    start: i,
                    end: i + 1,
                    label: EntityType::Account,
                    country: None,
                },
            );
        }
    }
    // Vessels: "the Cheonan warship", "the Moskva cruiser".
    for j in 1..n {
        if !prep.is_vessel_word(j) {
            continue;
        }
        let mut k = j;
        while k > 0 && is_capitalized(doc.token_text(k - 1)) && j - k < 4 {
            k -= 1;
        }
        if k < j && k > 0 && doc.token_text(k - 1).eq_ignore_ascii_case("the") {
            replace(
                spans,
                TokSpan {
                    start: k,
                    end: j,
                    label: EntityType::Vessel,
                    country: None,
                },
            );
        }
    }
    // Gaps and types from the curated lists and the GeoNames countries.
    {
        for m in &prep.matches {
            let trusted = m.entry.curated || m.entry.kind == Kind::Country;
            let Some(label) = place_label(m.entry.kind) else {
                continue;
            };
            let exact = spans
                .iter()
                .position(|sp| sp.start == m.start && sp.end == m.end);
            match exact {
                // A whole-name match of a curated list or a country fixes the type the tagger
                // guessed, except that an ORG reading of a place stays ("Ukraine beat Spain").
                Some(at) if trusted => {
                    let old = spans[at].label;
                    // A country acting ("South Korea said") is still a GPE, as in OntoNotes;
                    // an ORG reading of a curated city or region name stays.
                    let keep = old == label
                        || (old == EntityType::Org
                            && label == EntityType::Gpe
                            && m.entry.kind != Kind::Country)
                        || old == EntityType::Vessel
                        || old == EntityType::Account;
                    if !keep {
                        spans[at].label = label;
                    }
                }
                Some(_) => {}
                // The tagger cut through a known name ("South" | "Korea Georgy Zinoviev"):
                // the name wins unless a longer entity holds it whole ("Bank of Korea").
                None if trusted
                    && overlaps_any(spans, m.start, m.end)
                    && !spans
                        .iter()
                        .any(|sp| sp.start <= m.start && m.end <= sp.end)
                    && !spans.iter().any(|sp| {
                        sp.start < m.end
                            && m.start < sp.end
                            && matches!(sp.label, EntityType::Vessel | EntityType::Account)
                    }) =>
                {
                    cut_around(spans, m.start, m.end);
                    replace(
                        spans,
                        TokSpan {
                            start: m.start,
                            end: m.end,
                            label,
                            country: None,
                        },
                    );
                }
                None if trusted && !overlaps_any(spans, m.start, m.end) => {
                    // A sentence-initial single word may be an ordinary word ("Chad", "Turkey"),
                    // but the lists hold proper names, and a lower-case one never matches.
                    replace(
                        spans,
                        TokSpan {
                            start: m.start,
                            end: m.end,
                            label,
                            country: None,
                        },
                    );
                }
                None => {}
            }
        }
    }
    org_names(doc, prep, spans);
    person_titles(doc, prep, spans);
    // Affiliations written as one hyphenated token.
    for i in 0..n {
        if doc.tokens[i].kind != TokenKind::Word {
            continue;
        }
        let Some(entry) = affiliation(doc.token_text(i)) else {
            continue;
        };
        if !overlaps_any(spans, i, i + 1) {
            replace(
                spans,
                TokSpan {
                    start: i,
                    end: i + 1,
                    label: EntityType::Norp,
                    country: entry.country,
                },
            );
        }
    }
    consistent_people(doc, spans);
    site_names(doc, spans);
    // "the North", "the South": a direction alone is a reference resolved by context, not a
    // name; the lists and the tagger keep it only inside a longer one ("North Korea").
    spans.retain(|sp| {
        !(sp.end - sp.start == 1
            && DIRECTIONS
                .iter()
                .any(|d| doc.token_text(sp.start).eq_ignore_ascii_case(d)))
    });
    skip_boilerplate(doc, spans);
    assign_countries(doc, spans);
}

const DIRECTIONS: [&str; 4] = ["North", "South", "East", "West"];

/// Top-level domains of news and company sites ("NDTV.com", "Breitbart.com").
const SITE_TLDS: [&str; 12] = [
    "com", "net", "org", "co.uk", "co.in", "in", "ru", "ua", "kr", "tv", "io", "news",
];

/// "NDTV.com": a site named by its domain, written with a capital as a brand, is the
/// organization that runs it. Lower-case domains ("example.com") stay addresses.
fn is_site_name(word: &str) -> bool {
    let w = word.strip_prefix("www.").unwrap_or(word);
    let Some((name, tld)) = w.split_once('.') else {
        return false;
    };
    SITE_TLDS.contains(&tld)
        && name.chars().next().is_some_and(char::is_alphanumeric)
        && name.chars().any(char::is_uppercase)
        && name.chars().all(|c| c.is_alphanumeric() || c == '-')
}

fn site_names(doc: &Doc, spans: &mut Vec<TokSpan>) {
    for i in 0..doc.tokens.len() {
        if !matches!(doc.tokens[i].kind, TokenKind::Word | TokenKind::Url)
            || !is_site_name(doc.token_text(i))
        {
            continue;
        }
        // The site is the whole token: a span that ends or starts inside it gives way, one
        // that holds more ("NDTV.com Editors") keeps it.
        if spans
            .iter()
            .any(|sp| sp.start <= i && i < sp.end && sp.end - sp.start > 1)
        {
            continue;
        }
        replace(
            spans,
            TokSpan {
                start: i,
                end: i + 1,
                label: EntityType::Org,
                country: None,
            },
        );
    }
}

/// Publisher boilerplate ("Track Latest News Live on NDTV.com and get news updates from
/// India") is not the story: its places and people are noise to every later stage. What it does
/// say is who published the story, so organizations the lists know and site names stay.
fn skip_boilerplate(doc: &Doc, spans: &mut Vec<TokSpan>) {
    let Some(bp) = doc.boilerplate.as_deref() else {
        return;
    };
    if bp.is_empty() {
        return;
    }
    let g = Gazetteer::get();
    spans.retain(|sp| {
        let span = Span::new(doc.tokens[sp.start].start, doc.tokens[sp.end - 1].end);
        if !bp.iter().any(|b| b.span.overlaps(&span)) {
            return true;
        }
        match sp.label {
            EntityType::Account => true,
            EntityType::Org => {
                g.lookup(doc, sp.start, sp.end)
                    .is_some_and(|e| e.kind == Kind::Org)
                    || (sp.end - sp.start == 1 && is_site_name(doc.token_text(sp.start)))
            }
            _ => false,
        }
    });
}

/// Hash of the token sequence `start..end` of `doc`.
fn seq_hash(doc: &Doc, start: usize, end: usize) -> u64 {
    (start..end).fold(0x51_7cc1_b727_220a_u64, |h, i| {
        (h ^ gazetteer::token_hash(doc.token_text(i)))
            .wrapping_mul(0x9e37_79b9_7f4a_7c15)
            .rotate_left(27)
    })
}

/// One name, one reading per document: once "Georgy Zinoviev" is a PERSON, a later "Zinoviev"
/// (or "Georgy Zinoviev" the tagger typed as an ORG) is the same person. The tagger decides
/// each mention from a five-token window and so reads surnames without a first name, which
/// look like places or companies, inconsistently. Surnames that a list knows as a place or
/// organization ("Washington", "Jordan") are left to the tagger.
fn consistent_people(doc: &Doc, spans: &mut Vec<TokSpan>) {
    let g = Gazetteer::get();
    // Full names and the surnames of multi-word names, as token-sequence hashes. Small per
    // document (a few dozen), so a sorted vector beats a map.
    let mut names: Vec<u64> = Vec::new();
    let mut surnames: Vec<u64> = Vec::new();
    // A one-word PERSON is too often the tagger's guess at an unknown capitalized word
    // ("Coron", a town) to be spread over the document; a first-and-last name is not.
    for sp in spans
        .iter()
        .filter(|sp| sp.label == EntityType::Person && sp.end - sp.start >= 2)
    {
        names.push(seq_hash(doc, sp.start, sp.end));
        let last = doc.token_text(sp.end - 1);
        if last.chars().count() >= 3
            && is_capitalized(last)
            && last.chars().all(char::is_alphabetic)
            && g.lookup_word(last).is_none()
            && !g.is_title(last)
        {
            let h = seq_hash(doc, sp.end - 1, sp.end);
            surnames.push(h);
            names.push(h);
        }
    }
    if names.is_empty() {
        return;
    }
    names.sort_unstable();
    surnames.sort_unstable();
    for sp in spans.iter_mut() {
        if matches!(
            sp.label,
            EntityType::Org | EntityType::Gpe | EntityType::Loc | EntityType::Fac
        ) && names
            .binary_search(&seq_hash(doc, sp.start, sp.end))
            .is_ok()
            && g.lookup(doc, sp.start, sp.end).is_none()
        {
            sp.label = EntityType::Person;
        }
    }
    if surnames.is_empty() {
        return;
    }
    // Bare surnames the tagger left out, when they stand alone: not part of a longer
    // capitalized run ("Clinton Foundation"), which is some other name.
    let n = doc.tokens.len();
    let capital_word =
        |i: usize| doc.tokens[i].kind == TokenKind::Word && is_capitalized(doc.token_text(i));
    let mut added = Vec::new();
    for i in 0..n {
        if !capital_word(i)
            || (i > 0 && capital_word(i - 1) && !g.is_title(doc.token_text(i - 1)))
            || (i + 1 < n && capital_word(i + 1))
            || surnames.binary_search(&seq_hash(doc, i, i + 1)).is_err()
            || overlaps_any(spans, i, i + 1)
        {
            continue;
        }
        added.push(TokSpan {
            start: i,
            end: i + 1,
            label: EntityType::Person,
            country: None,
        });
    }
    for sp in added {
        replace(spans, sp);
    }
}

/// Shrinks the spans overlapping `start..end` to their parts outside it (dropping empty ones).
fn cut_around(spans: &mut Vec<TokSpan>, start: usize, end: usize) {
    let mut out = Vec::with_capacity(spans.len() + 1);
    for sp in spans.drain(..) {
        if sp.end <= start || end <= sp.start {
            out.push(sp);
            continue;
        }
        if sp.start < start {
            out.push(TokSpan { end: start, ..sp });
        }
        if end < sp.end {
            out.push(TokSpan { start: end, ..sp });
        }
    }
    *spans = out;
}

/// "Russian Embassy in Seoul", "Ministry of Defence": a capitalized organization keyword with
/// the capitalized words (or nationality) before it, an "of"/"for" complement after it, and,
/// for missions abroad, "in" and the host city. The tagger often splits these into a NORP and
/// a GPE; the keyword list makes the whole an ORG.
fn org_names(doc: &Doc, prep: &Prepared, spans: &mut Vec<TokSpan>) {
    let g = Gazetteer::get();
    for sent in &doc.sentences {
        let (s, e) = (sent.tokens.start, sent.tokens.end.min(doc.tokens.len()));
        let mut j = s;
        while j < e {
            if !prep.is_org_keyword(j) {
                j += 1;
                continue;
            }
            let w = doc.token_text(j);
            // An organization the tagger already found around the keyword is extended, never
            // cut: the rule below only adds what it left out ("Russian Embassy" + "in Seoul").
            let found = spans
                .iter()
                .find(|sp| {
                    sp.label == EntityType::Org
                        && sp.start <= j
                        && j < sp.end
                        && sp.end - sp.start > 1
                })
                .map(|sp| (sp.start, sp.end));
            let mut k = j;
            while k > s && k + 4 > j && {
                let p = doc.token_text(k - 1);
                is_capitalized(p) && !(k - 1 == s && lexicon::is_sentence_starter(p))
            } {
                k -= 1;
            }
            let mut end = j + 1;
            while end < e && g.is_org_keyword(doc.token_text(end)) {
                end += 1;
            }
            if end + 1 < e && matches!(doc.token_text(end), "of" | "for") {
                let mut t = end + 1;
                if t < e && doc.token_text(t) == "the" {
                    t += 1;
                }
                let first = t;
                while t < e && is_capitalized(doc.token_text(t)) && t < first + 4 {
                    t += 1;
                }
                if t > first {
                    end = t;
                }
            }
            let mut host_at = None;
            if end + 1 < e
                && matches!(w, "Embassy" | "Consulate" | "Mission")
                && doc.token_text(end) == "in"
            {
                if let Some(m) = g.longest_at(doc, end + 1, e) {
                    if matches!(m.entry.kind, Kind::City | Kind::Country) {
                        host_at = Some(end);
                        end = m.end;
                    }
                }
            }
            if let Some((fs, fe)) = found {
                // The tagger's boundaries stand, but for the host city of a mission, which it
                // reads as a place of its own.
                if host_at != Some(fe) {
                    j = fe.max(j + 1);
                    continue;
                }
                k = k.min(fs);
            }
            if end - k >= 2 {
                cut_around(spans, k, end);
                replace(
                    spans,
                    TokSpan {
                        start: k,
                        end,
                        label: EntityType::Org,
                        country: None,
                    },
                );
            }
            j = end.max(j + 1);
        }
    }
}

/// Titles are not part of a PERSON ("Foreign Minister Kim" is PERSON "Kim"); and a short
/// capitalized name right after a title phrase ("Ambassador to South Korea Georgy Zinoviev")
/// that no list knows as a place or organization is the title holder.
fn person_titles(doc: &Doc, prep: &Prepared, spans: &mut Vec<TokSpan>) {
    let g = Gazetteer::get();
    title_holders(doc, prep, spans);
    for k in 0..spans.len() {
        let sp = spans[k];
        let lo = sp.start.saturating_sub(5);
        let titled = (lo..sp.start).any(|i| g.is_title(doc.token_text(i)));
        let plain = (sp.start..sp.end).all(|i| {
            let w = doc.token_text(i);
            is_capitalized(w) && !g.is_org_keyword(w)
        });
        if titled
            && plain
            && sp.end - sp.start <= 3
            && sp.start > 0
            && !g.is_title(doc.token_text(sp.start - 1))
            && matches!(
                sp.label,
                EntityType::Loc | EntityType::Gpe | EntityType::Org
            )
            && g.lookup(doc, sp.start, sp.end).is_none()
            && k > 0
            && spans[k - 1].end == sp.start
        {
            spans[k].label = EntityType::Person;
        }
    }
    spans.retain_mut(|sp| {
        if sp.label != EntityType::Person {
            // A title alone ("Minister", "President") is an office, not a name.
            return !(sp.start..sp.end).all(|i| prep.is_title(i));
        }
        while sp.start < sp.end && g.is_title(doc.token_text(sp.start)) {
            sp.start += 1;
        }
        sp.start < sp.end
    });
}

/// "Russian Ambassador to South Korea Georgy Zinoviev", "Minister of Defence ...": a title, a
/// complement that names a place or organization the lists know, and then one to three
/// capitalized words no list knows: those words are the holder of the office. The tagger sees
/// the complement's capitals running on into the name and often cuts or types the name
/// wrongly; the pattern is regular enough to settle it by rule.
fn title_holders(doc: &Doc, prep: &Prepared, spans: &mut Vec<TokSpan>) {
    let g = Gazetteer::get();
    for sent in &doc.sentences {
        let (s, e) = (sent.tokens.start, sent.tokens.end.min(doc.tokens.len()));
        let mut i = s;
        while i < e {
            if !prep.is_title(i) {
                i += 1;
                continue;
            }
            let mut t = i + 1;
            while t < e && prep.is_title(t) {
                t += 1;
            }
            i = t;
            if !(t + 1 < e && matches!(doc.token_text(t), "to" | "of" | "for")) {
                continue;
            }
            let mut c = t + 1;
            if c < e && doc.token_text(c) == "the" {
                c += 1;
            }
            let Some(m) = (c < e).then(|| g.longest_at(doc, c, e)).flatten() else {
                continue;
            };
            let name_word = |n: usize| {
                let w = doc.token_text(n);
                doc.tokens[n].kind == TokenKind::Word
                    && is_capitalized(w)
                    && !prep.is_org_keyword(n)
                    && !prep.is_title(n)
                    && g.lookup_word(w).is_none()
            };
            let mut n = m.end;
            while n < e && n < m.end + 3 && name_word(n) {
                n += 1;
            }
            let runs_on = n < e && is_capitalized(doc.token_text(n));
            if n > m.end && !runs_on {
                cut_around(spans, m.end, n);
                replace(
                    spans,
                    TokSpan {
                        start: m.end,
                        end: n,
                        label: EntityType::Person,
                        country: None,
                    },
                );
            }
            i = n.max(t);
        }
    }
}

/// Inside an organization's name, a city gives the country only when it is this large: the
/// small towns GeoNames lists are often named like the words of an organization's name
/// ("Federal", Argentina, in "Federal Bureau of Prisons").
const MIN_CITY_IN_ORG: u64 = 100_000;

/// The country of the first place, nationality or known organization named inside `start..end`
/// (inside an organization's name, `org`, no small town).
fn first_country_inside(doc: &Doc, start: usize, end: usize, org: bool) -> Option<[u8; 2]> {
    let g = Gazetteer::get();
    let mut i = start;
    while i < end {
        if let Some(m) = g.longest_at(doc, i, end) {
            let small_town = m.entry.kind == Kind::City
                && !m.entry.curated
                && m.entry.population < MIN_CITY_IN_ORG;
            if m.entry.country.is_some() && !(org && small_town) {
                return m.entry.country;
            }
            i = m.end;
        } else if let Some(e) = affiliation(doc.token_text(i)) {
            return e.country;
        } else {
            i += 1;
        }
    }
    None
}

fn assign_countries(doc: &Doc, spans: &mut [TokSpan]) {
    let g = Gazetteer::get();
    for k in 0..spans.len() {
        let s = spans[k];
        if s.country.is_some() {
            continue;
        }
        let exact = g.lookup(doc, s.start, s.end);
        let country = match s.label {
            EntityType::Gpe | EntityType::Loc | EntityType::Fac | EntityType::Norp => exact
                .and_then(|e| e.country)
                .or_else(|| first_country_inside(doc, s.start, s.end, false)),
            EntityType::Org => {
                // "NDTV.com" is NDTV's site: the site has the organization's country.
                let site = (s.end - s.start == 1)
                    .then(|| doc.token_text(s.start))
                    .filter(|w| is_site_name(w))
                    .and_then(|w| {
                        let w = w.strip_prefix("www.").unwrap_or(w);
                        g.lookup_word(w.split_once('.').map_or(w, |(name, _)| name))
                    });
                let known = exact.or(site).filter(|e| e.kind == Kind::Org);
                match known {
                    Some(e) => e.country,
                    None => first_country_inside(doc, s.start, s.end, true).or_else(|| {
                        // "South Korea's National Intelligence Service": the possessor owns it.
                        let before = k.checked_sub(1).map(|b| spans[b])?;
                        let poss = s.start.checked_sub(1)?;
                        (before.end == poss
                            && is_possessive(doc.token_text(poss))
                            && matches!(before.label, EntityType::Gpe | EntityType::Norp))
                        .then_some(before.country)
                        .flatten()
                    }),
                }
            }
            _ => None,
        };
        spans[k].country = country;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Pipeline;

    fn entities(text: &str) -> Vec<(String, &'static str, Option<String>)> {
        let p = Pipeline::new().expect("embedded models load");
        let doc = p.analyze(text, None);
        doc.entities
            .as_deref()
            .unwrap_or_default()
            .iter()
            .map(|e| {
                (
                    doc.slice(e.span).to_string(),
                    e.label.as_str(),
                    e.country.clone(),
                )
            })
            .collect()
    }

    fn has(got: &[(String, &'static str, Option<String>)], text: &str, label: &str) -> bool {
        got.iter().any(|(t, l, _)| t == text && *l == label)
    }

    fn country_of<'a>(
        got: &'a [(String, &'static str, Option<String>)],
        text: &str,
    ) -> Option<&'a str> {
        got.iter()
            .find(|(t, _, _)| t == text)
            .and_then(|(_, _, c)| c.as_deref())
    }

    #[test]
    fn handles_and_channel_links_are_accounts() {
        let got = entities(
            "A blogger named @rvvoenkor_bot posted it on https://t.me/rybar and on x.com/visegrad24 today.",
        );
        assert!(has(&got, "@rvvoenkor_bot", "ACCOUNT"), "{got:?}");
        assert!(has(&got, "https://t.me/rybar", "ACCOUNT"), "{got:?}");
        assert!(has(&got, "x.com/visegrad24", "ACCOUNT"), "{got:?}");
    }

    #[test]
    fn countries_nationalities_and_affiliations_carry_codes() {
        let got = entities(
            "A pro-Russia Telegram account posted a photo of North Korean flags in Ukraine, and South Korea said Russia had received troops.",
        );
        for (t, l, c) in [
            ("pro-Russia", "NORP", "RU"),
            ("North Korean", "NORP", "KP"),
            ("Ukraine", "GPE", "UA"),
            ("South Korea", "GPE", "KR"),
            ("Russia", "GPE", "RU"),
        ] {
            assert!(has(&got, t, l), "{t} {l}: {got:?}");
            assert_eq!(country_of(&got, t), Some(c), "{t}: {got:?}");
        }
    }

    #[test]
    fn seed_sentences() {
        let got = entities(
            "The image showed two flags over a mine in Pokrovsk, one of the strongholds on Ukraine's eastern front, Yonhap news agency reported.\n\
             On Friday, South Korea's National Intelligence Service announced that North Korea had decided to send troops.\n\
             A North Korean envoy to the United Nations on Monday dismissed the accusations, arguing its relations with Moscow are legitimate.\n\
             On Monday, Russian Ambassador to South Korea Georgy Zinoviev told First Vice Foreign Minister Kim Hong-kyun that the cooperation was legal, the Russian Embassy in Seoul said in a Facebook post.\n\
             The official cited the 2010 sinking of the Cheonan warship.\n\
             (Except for the headline, this story has not been edited by NDTV staff and is published from a syndicated feed.)",
        );
        for (t, l) in [
            ("Pokrovsk", "GPE"),
            ("Ukraine", "GPE"),
            ("Yonhap", "ORG"),
            ("South Korea", "GPE"),
            ("National Intelligence Service", "ORG"),
            ("North Korea", "GPE"),
            ("North Korean", "NORP"),
            ("United Nations", "ORG"),
            ("Moscow", "GPE"),
            ("Georgy Zinoviev", "PERSON"),
            ("Kim Hong-kyun", "PERSON"),
            ("Russian Embassy in Seoul", "ORG"),
            ("Cheonan", "VESSEL"),
            ("NDTV", "ORG"),
        ] {
            assert!(has(&got, t, l), "{t} {l}: {got:?}");
        }
        assert_eq!(
            country_of(&got, "National Intelligence Service"),
            Some("KR")
        );
        assert_eq!(country_of(&got, "Russian Embassy in Seoul"), Some("RU"));
        assert_eq!(country_of(&got, "Pokrovsk"), Some("UA"));
        assert_eq!(country_of(&got, "Yonhap"), Some("KR"));
        assert_eq!(country_of(&got, "Moscow"), Some("RU"));
    }

    #[test]
    fn entities_never_overlap_and_odd_input_does_not_panic() {
        for text in [
            "",
            "@",
            "the the the",
            "North Korea North Korea North",
            "(((((Seoul)))))",
            "SEOUL, Oct 26 (Reuters) - NORTH KOREA SENDS TROOPS TO RUSSIA",
        ] {
            let p = Pipeline::new().expect("embedded models load");
            let doc = p.analyze(text, None);
            let ents = doc.entities.unwrap_or_default();
            for w in ents.windows(2) {
                assert!(w[0].span.end <= w[1].span.start, "{text}: {ents:?}");
            }
        }
    }

    #[test]
    fn a_bare_direction_is_not_a_name() {
        let got = entities(
            "A team of investigators concluded that a North Korean torpedo sank it. However, the North still denies it, and the South says so.",
        );
        assert!(has(&got, "North Korean", "NORP"), "{got:?}");
        assert!(
            !got.iter().any(|(t, _, _)| t == "North" || t == "South"),
            "{got:?}"
        );
    }

    #[test]
    fn boilerplate_keeps_only_the_publisher() {
        let got = entities(
            "Russia received troops, officials in Seoul said.\n\
             Track Latest News Live on NDTV.com and get news updates from India and around the world",
        );
        assert!(has(&got, "Seoul", "GPE"), "{got:?}");
        assert!(has(&got, "NDTV.com", "ORG"), "{got:?}");
        assert_eq!(country_of(&got, "NDTV.com"), Some("IN"), "{got:?}");
        assert!(!got.iter().any(|(t, _, _)| t == "India"), "{got:?}");
    }

    #[test]
    fn site_names_are_organizations() {
        assert!(is_site_name("NDTV.com") && is_site_name("www.Breitbart.com"));
        assert!(!is_site_name("example.com") && !is_site_name("U.S.") && !is_site_name("Mr."));
    }

    #[test]
    fn a_surname_keeps_the_persons_label() {
        let got = entities(
            "On Monday, Russian Ambassador to South Korea Georgy Zinoviev met the vice minister. \
             Zinoviev said the cooperation was legal, and officials said Zinoviev would return.",
        );
        assert!(has(&got, "Georgy Zinoviev", "PERSON"), "{got:?}");
        let bare = got
            .iter()
            .filter(|(t, l, _)| t == "Zinoviev" && *l == "PERSON")
            .count();
        assert_eq!(bare, 2, "{got:?}");
    }

    #[test]
    fn bio_spans_are_read_back() {
        let o = 0;
        let b_per = features::begin(0);
        let i_per = features::inside(0);
        let b_gpe = features::begin(2);
        let s = spans_from_labels(&[b_per, i_per, o, b_gpe, b_gpe, i_per]);
        let got: Vec<(usize, usize, EntityType)> =
            s.iter().map(|s| (s.start, s.end, s.label)).collect();
        assert_eq!(
            got,
            vec![
                (0, 2, EntityType::Person),
                (3, 4, EntityType::Gpe),
                (4, 5, EntityType::Gpe),
                (5, 6, EntityType::Person),
            ]
        );
    }
}
