//! Publisher boilerplate and credits: which sentences are the publisher talking (syndication
//! notices, subscription prompts, photo credits, copyright lines) rather than the story, and who
//! the story came from (a wire dateline, "Yonhap news agency reported", a byline, a photo credit,
//! "published from a syndicated feed").
//!
//! Later stages skip boilerplate, so a false positive silently deletes part of a story: every
//! boilerplate pattern is anchored to the start of a sentence (and most to its end), and a
//! sentence longer than [`MAX_BOILERPLATE_TOKENS`] is never boilerplate. Credits look for an
//! agency only in a context that credits it (a dateline, a reporting verb, a trailing dash),
//! never for a bare mention such as "a Reuters reporter was detained".
//!
//! The patterns and the agency names are data (`data/boilerplate.txt`, `data/credits.txt`,
//! `data/wire_agencies.tsv`), compiled once into two `RegexSet`s. Each sentence is matched
//! against a set in one pass and only the rules that matched are run for their captures, so
//! the cost is linear in the text and independent of how many rules there are.

use crate::doc::{Boilerplate, BoilerplateKind, Credit, CreditKind, Doc, Span};
use crate::lexicon;
use crate::pipeline::{Component, Layer};
use regex::{Regex, RegexSet, RegexSetBuilder};
use std::collections::HashMap;
use std::sync::LazyLock;

/// Sentences longer than this are story text, whatever they start with.
pub const MAX_BOILERPLATE_TOKENS: usize = 80;

struct Rules {
    boilerplate: RegexSet,
    boilerplate_kinds: Vec<BoilerplateKind>,
    /// Credit rules that need an agency named in the text, run only when `agency_mention`
    /// finds one: a literal search is many times faster than the rule set.
    agency_credits: RegexSet,
    agency_rules: Vec<(Regex, CreditKind)>,
    /// `None` only if the alias list failed to compile; then every sentence is checked.
    agency_mention: Option<Regex>,
    /// Credit rules that can match without an agency (bylines, syndication notices).
    other_credits: RegexSet,
    other_rules: Vec<(Regex, CreditKind)>,
    /// Alias as written -> canonical agency name.
    agencies: HashMap<String, String>,
}

fn boilerplate_kind(section: &str) -> Option<BoilerplateKind> {
    Some(match section {
        "syndication" => BoilerplateKind::Syndication,
        "promotion" => BoilerplateKind::Promotion,
        "newsletter" => BoilerplateKind::Newsletter,
        "photo_credit" => BoilerplateKind::PhotoCredit,
        "copyright" => BoilerplateKind::Copyright,
        "other" => BoilerplateKind::Other,
        _ => return None,
    })
}

fn credit_kind(section: &str) -> Option<CreditKind> {
    Some(match section {
        "wire" => CreditKind::Wire,
        "syndication" => CreditKind::Syndication,
        "byline" => CreditKind::Byline,
        "photo" => CreditKind::Photo,
        _ => return None,
    })
}

/// Sections of a pattern file in the order they are written, so that the first section wins.
fn ordered_sections(src: &str) -> Vec<(String, Vec<String>)> {
    let mut order: Vec<String> = Vec::new();
    for line in src.lines() {
        let line = line.trim();
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            if !order.iter().any(|o| o == name) {
                order.push(name.to_string());
            }
        }
    }
    let mut by_name = lexicon::parse_sections(src);
    order
        .into_iter()
        .filter_map(|name| {
            let lines = by_name.remove(&name)?;
            Some((name, lines))
        })
        .collect()
}

fn parse_agencies(src: &str) -> HashMap<String, String> {
    let mut out = HashMap::new();
    for line in src.lines() {
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        let Some((canonical, aliases)) = line.split_once('\t') else {
            continue;
        };
        let canonical = canonical.trim();
        for alias in aliases.split('|').map(str::trim).filter(|a| !a.is_empty()) {
            out.insert(alias.to_string(), canonical.to_string());
            if alias.chars().count() >= 4 {
                out.insert(alias.to_uppercase(), canonical.to_string());
            }
        }
        out.insert(canonical.to_string(), canonical.to_string());
    }
    out
}

/// Compiles `(pattern, tag)` pairs case-insensitively; a pattern that does not compile is left
/// out (and a test checks that none is), so one bad line cannot disable the component.
fn compile<T: Copy>(patterns: Vec<(String, T)>) -> (RegexSet, Vec<(Regex, T)>) {
    let compiled: Vec<(Regex, T)> = patterns
        .into_iter()
        // ASCII word boundaries: a Unicode `\b` makes the lazy DFA give up on any non-ASCII
        // text (curly quotes are everywhere in news) and fall back to a far slower engine.
        .map(|(p, t)| (p.replace(r"\b", r"(?-u:\b)"), t))
        .filter_map(|(p, t)| Some((Regex::new(&format!("(?i){p}")).ok()?, t)))
        .collect();
    // The agency alternation repeats in many rules; the default 10 MB limit is too tight for
    // all of them together, and the set is built once per process.
    let set = RegexSetBuilder::new(compiled.iter().map(|(r, _)| r.as_str()))
        .size_limit(64 << 20)
        .build()
        .unwrap_or_else(|_| RegexSet::empty());
    (set, compiled)
}

static RULES: LazyLock<Rules> = LazyLock::new(|| {
    let agencies = parse_agencies(include_str!("../data/wire_agencies.tsv"));
    // Longest alias first, so that "Yonhap News Agency" wins over "Yonhap".
    let mut aliases: Vec<&String> = agencies.keys().collect();
    aliases.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
    let alternation = aliases
        .iter()
        .map(|a| regex::escape(a))
        .collect::<Vec<_>>()
        .join("|");
    let agency_group = format!("(?P<agency>(?-i:{alternation}))");

    let bp: Vec<(String, BoilerplateKind)> =
        ordered_sections(include_str!("../data/boilerplate.txt"))
            .into_iter()
            .filter_map(|(s, lines)| Some((boilerplate_kind(&s)?, lines)))
            .flat_map(|(k, lines)| lines.into_iter().map(move |l| (l, k)))
            .collect();
    let (boilerplate, bp_rules) = compile(bp);
    let cr: Vec<(String, CreditKind)> = ordered_sections(include_str!("../data/credits.txt"))
        .into_iter()
        .filter_map(|(s, lines)| Some((credit_kind(&s)?, lines)))
        .flat_map(|(k, lines)| lines.into_iter().map(move |l| (l, k)))
        .map(|(l, k)| (l.replace("{AGENCY}", &agency_group), k))
        .collect();
    let (with_agency, without): (Vec<_>, Vec<_>) = cr
        .into_iter()
        .partition(|(l, _)| l.contains("(?P<agency>") && !l.contains("(?P<name>"));
    let (agency_credits, agency_rules) = compile(with_agency);
    let (other_credits, other_rules) = compile(without);
    let agency_mention = Regex::new(&alternation).ok();
    Rules {
        boilerplate,
        boilerplate_kinds: bp_rules.into_iter().map(|(_, k)| k).collect(),
        agency_credits,
        agency_rules,
        agency_mention,
        other_credits,
        other_rules,
        agencies,
    }
});

/// Finds boilerplate and credits; see the module note.
pub struct Finder;

impl Finder {
    pub fn new() -> Finder {
        LazyLock::force(&RULES);
        Finder
    }

    /// Canonical agency name for an alias, or the trimmed text for a publisher or person.
    fn name(text: &str) -> Option<String> {
        let t = text.trim_matches(|c: char| c.is_whitespace() || ".,;:()".contains(c));
        if t.is_empty() {
            return None;
        }
        Some(
            RULES
                .agencies
                .get(t)
                .cloned()
                .unwrap_or_else(|| t.to_string()),
        )
    }

    /// Boilerplate and credits in one piece of text starting at byte `base` of the document.
    fn scan_piece(
        &self,
        text: &str,
        base: usize,
        short: bool,
        boilerplate: &mut Vec<Boilerplate>,
        credits: &mut Vec<Credit>,
    ) {
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return;
        }
        let lead = text.len() - text.trim_start().len();
        let span = Span::new(base + lead, base + lead + trimmed.len());
        if short {
            if let Some(i) = RULES.boilerplate.matches(trimmed).iter().next() {
                if let Some(&kind) = RULES.boilerplate_kinds.get(i) {
                    boilerplate.push(Boilerplate { span, kind });
                }
            }
        }
        let agency = RULES
            .agency_mention
            .as_ref()
            .is_none_or(|r| r.is_match(trimmed));
        let sets = [
            (&RULES.other_credits, &RULES.other_rules, true),
            (&RULES.agency_credits, &RULES.agency_rules, agency),
        ];
        let matched = sets
            .into_iter()
            .filter(|s| s.2)
            .flat_map(|(set, rules, _)| {
                set.matches(trimmed)
                    .into_iter()
                    .filter_map(move |i| rules.get(i))
            });
        for (re, kind) in matched {
            for caps in re.captures_iter(trimmed) {
                let Some(whole) = caps.get(0) else { continue };
                let at = |m: regex::Match| Span::new(span.start + m.start(), span.start + m.end());
                let whole_span = at(whole);
                let agency = caps.name("agency");
                let person = caps.name("name");
                let (name, extra_wire) = match (kind, agency, person) {
                    // A byline names a person; an agency beside it is a wire credit of its own.
                    (CreditKind::Byline, a, p) => (p.and_then(|p| Self::name(p.as_str())), a),
                    (_, Some(a), _) => (Self::name(a.as_str()), None),
                    (_, None, p) => (p.and_then(|p| Self::name(p.as_str())), None),
                };
                push_credit(
                    credits,
                    Credit {
                        span: whole_span,
                        kind: *kind,
                        name,
                    },
                );
                if let Some(a) = extra_wire {
                    push_credit(
                        credits,
                        Credit {
                            span: at(a),
                            kind: CreditKind::Wire,
                            name: Self::name(a.as_str()),
                        },
                    );
                }
            }
        }
    }

    /// Finds the boilerplate and credits of `doc`.
    pub fn find(&self, doc: &Doc) -> (Vec<Boilerplate>, Vec<Credit>) {
        let mut boilerplate = Vec::new();
        let mut credits = Vec::new();
        for sent in &doc.sentences {
            let text = doc.slice(sent.span);
            let short = sent.tokens.len() <= MAX_BOILERPLATE_TOKENS;
            // A sentence the splitter ran over a line break is matched line by line, because
            // boilerplate is laid out in lines.
            let mut base = sent.span.start;
            for line in text.split('\n') {
                self.scan_piece(line, base, short, &mut boilerplate, &mut credits);
                base += line.len() + 1;
            }
        }
        credits.sort_by_key(|c| (c.span.start, c.span.end));
        (boilerplate, credits)
    }
}

/// Adds `c` unless a credit of the same kind and name already covers an overlapping span: the
/// rules overlap on purpose ("published from a syndicated feed" with and without a publisher).
fn push_credit(credits: &mut Vec<Credit>, c: Credit) {
    let dup = credits.iter().rev().take(8).any(|o| {
        o.kind == c.kind && o.span.overlaps(&c.span) && (o.name == c.name || c.name.is_none())
    });
    if dup {
        return;
    }
    // A named credit replaces an unnamed one found earlier over the same text; only the last
    // few are looked at, so a text full of credits still costs linear time.
    let from = credits.len().saturating_sub(8);
    let mut k = credits.len();
    while k > from {
        k -= 1;
        let o = &credits[k];
        if o.kind == c.kind && o.name.is_none() && o.span.overlaps(&c.span) {
            credits.remove(k);
        }
    }
    credits.push(c);
}

impl Default for Finder {
    fn default() -> Self {
        Finder::new()
    }
}

impl Component for Finder {
    fn name(&self) -> &'static str {
        "boilerplate"
    }
    fn requires(&self) -> &'static [Layer] {
        &[Layer::Tokens, Layer::Sentences]
    }
    fn assigns(&self) -> &'static [Layer] {
        &[Layer::Boilerplate, Layer::Credits]
    }
    fn apply(&self, doc: &mut Doc) {
        let (boilerplate, credits) = self.find(doc);
        doc.boilerplate = Some(boilerplate);
        doc.credits = Some(credits);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::Tokenizer;

    fn run(text: &str) -> Doc {
        let mut doc = Doc::new(text, None);
        Tokenizer.apply(&mut doc);
        Finder::new().apply(&mut doc);
        doc
    }

    fn boilerplate(text: &str) -> Vec<(String, BoilerplateKind)> {
        let doc = run(text);
        doc.boilerplate
            .iter()
            .flatten()
            .map(|b| (doc.slice(b.span).to_string(), b.kind))
            .collect()
    }

    fn credits(text: &str) -> Vec<(CreditKind, Option<String>)> {
        run(text)
            .credits
            .unwrap_or_default()
            .into_iter()
            .map(|c| (c.kind, c.name))
            .collect()
    }

    fn wire(name: &str) -> (CreditKind, Option<String>) {
        (CreditKind::Wire, Some(name.to_string()))
    }

    #[test]
    fn every_pattern_compiles() {
        let bp = ordered_sections(include_str!("../data/boilerplate.txt"));
        let n: usize = bp.iter().map(|(_, l)| l.len()).sum();
        assert_eq!(RULES.boilerplate.len(), n);
        let cr = ordered_sections(include_str!("../data/credits.txt"));
        let n: usize = cr.iter().map(|(_, l)| l.len()).sum();
        assert_eq!(RULES.other_credits.len() + RULES.agency_credits.len(), n);
        assert!(RULES.agency_mention.is_some());
        assert!(bp.iter().all(|(s, _)| boilerplate_kind(s).is_some()));
        assert!(cr.iter().all(|(s, _)| credit_kind(s).is_some()));
    }

    #[test]
    fn syndication_notice_with_publisher() {
        let text = "Troops moved north overnight.\n(Except for the headline, this report has not been edited by Daily Planet staff and is published from a syndicated feed.)\nTrack Latest News Live on planet.example and get news updates from around the world";
        let b = boilerplate(text);
        assert_eq!(b.len(), 2, "{b:?}");
        assert!(b[0].0.starts_with("(Except") && b[0].0.ends_with(".)"));
        assert_eq!(b[0].1, BoilerplateKind::Syndication);
        assert_eq!(b[1].1, BoilerplateKind::Promotion);
        let c = credits(text);
        assert_eq!(
            c,
            vec![(CreditKind::Syndication, Some("Daily Planet".to_string()))]
        );
    }

    #[test]
    fn prompts_photo_and_copyright_lines() {
        let text = "The talks ended.\nClick here to subscribe to our newsletter\nFollow us on Twitter\nRead more: Talks stall again\nPhoto: AFP\n© 2031 Example Media Ltd. All rights reserved.";
        let kinds: Vec<BoilerplateKind> = boilerplate(text).into_iter().map(|(_, k)| k).collect();
        assert_eq!(
            kinds,
            vec![
                BoilerplateKind::Newsletter,
                BoilerplateKind::Promotion,
                BoilerplateKind::Promotion,
                BoilerplateKind::PhotoCredit,
                BoilerplateKind::Copyright,
            ]
        );
        assert_eq!(
            credits(text),
            vec![(CreditKind::Photo, Some("AFP".to_string()))]
        );
    }

    #[test]
    fn datelines_and_trailers() {
        assert_eq!(
            credits("TOKYO, March 3 (Reuters) - Markets fell sharply on Tuesday."),
            vec![wire("Reuters")]
        );
        assert_eq!(credits("(AP) — The storm moved east."), vec![wire("AP")]);
        assert_eq!(
            credits(
                "BERLIN (dpa) - Talks resumed.\nThe minister left early. — Agence France-Presse"
            ),
            vec![wire("dpa"), wire("AFP")]
        );
        assert_eq!(credits("The ship docked.\nAFP"), vec![wire("AFP")]);
    }

    #[test]
    fn reporting_verbs_credit_the_agency() {
        assert_eq!(
            credits("The blast was heard at dawn, Yonhap news agency reported."),
            vec![wire("Yonhap")]
        );
        assert_eq!(
            credits("According to Xinhua, the bridge reopened."),
            vec![wire("Xinhua")]
        );
    }

    #[test]
    fn bylines_name_the_person_and_the_agency() {
        assert_eq!(
            credits("By Maria Okafor | AP\nThe river rose."),
            vec![
                (CreditKind::Byline, Some("Maria Okafor".to_string())),
                wire("AP")
            ]
        );
        let text = "The vote is due on Friday.\n(Reporting by Tom Briar; Editing by Ana Lutz)";
        assert_eq!(
            credits(text),
            vec![(CreditKind::Byline, Some("Tom Briar".to_string()))]
        );
        assert_eq!(boilerplate(text)[0].1, BoilerplateKind::Other);
    }

    #[test]
    fn ordinary_sentences_are_neither() {
        for text in [
            "A Reuters reporter was detained at the border on Monday.",
            "She said she would read more of the report before voting.",
            "The newsletter was founded by two former AFP editors who follow the region closely.",
            "Officials told Reuters the deal was close.",
            "By then the convoy had turned back.",
            "He urged people to follow us on the road to peace, he said.",
            "Photographs of the site, he said, showed damage: craters and burned trucks along the road that leads to the border town where dozens of families had sheltered for weeks before the shelling began in earnest.",
        ] {
            assert_eq!(boilerplate(text), vec![], "{text}");
            assert_eq!(credits(text), vec![], "{text}");
        }
    }

    #[test]
    fn long_sentences_are_never_boilerplate() {
        let long = format!("Read more: {}", "the army said it would stay ".repeat(30));
        assert!(boilerplate(&long).is_empty());
    }

    #[test]
    fn bad_input_stays_linear() {
        let many = "AFP\n".repeat(50_000);
        let t = std::time::Instant::now();
        let doc = run(&many);
        assert_eq!(doc.credits.map(|c| c.len()), Some(50_000));
        let junk = "(".repeat(200_000) + &"Reuters) - ".repeat(20_000);
        let _ = run(&junk);
        assert!(t.elapsed().as_secs() < 30);
    }
}
