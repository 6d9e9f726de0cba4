//! Speakers, channels and addressees: who the source is, through what medium, to whom.
//!
//! A speaker is described from its mention: the named entity inside it gives the canonical
//! name ("Georgy Zinoviev"), the words before the name its role ("Russian Ambassador to South
//! Korea"), the head word its kind through `data/attribution/speakers.tsv` ("envoy" ->
//! diplomat), a nationality or place its country. Mentions that do not name anyone ("the
//! official", "he", "the North") are first resolved to an earlier mention by [`super::resolve`].
//! A source that is a medium ("A statement posted on the ministry website") is not who speaks:
//! its owner is, through that medium as channel, because a fact-checker asks who stands behind
//! the words, not where they were posted. All of it is rules over lexicons: the kinds are a
//! closed, hand-made set that no corpus we have annotates.

use super::lexicons::LEXICONS;
use super::post::{Ctx, Work, MARK_CHANNEL};
use super::resolve;
use crate::doc::{EntityType, Speaker, SpeakerKind, TokenKind, Upos};
use crate::entities::gazetteer::Gazetteer;
use std::ops::Range;

/// Fills speaker, channel and addressee for every attribution.
pub fn assign(cx: &Ctx, w: &mut [Work]) {
    for a in w.iter_mut() {
        a.channel = channel(cx, a);
        a.addressee = addressee(cx, a);
    }
    let mut from: Vec<Option<usize>> = vec![None; w.len()];
    for k in 0..w.len() {
        let Some(src) = w[k].source.clone() else {
            continue;
        };
        // "A statement posted on the ministry website said": the statement is how the
        // ministry spoke, so the ministry is the speaker and the statement the channel.
        let src = match medium_source(cx, src.clone()) {
            Some((medium, owner)) => {
                w[k].channel.get_or_insert(medium);
                owner
            }
            None => src,
        };
        let (mut sp, antecedent) = resolve::speaker(cx, &w[..k], src);
        sp.anonymous |= w[k].anonymous;
        from[k] = antecedent;
        w[k].speaker = Some(sp);
    }
    // Anonymity holds for the whole chain: "the official said on condition of anonymity"
    // makes the earlier "a ministry official" anonymous too.
    for k in (0..w.len()).rev() {
        if let Some(j) = from[k] {
            let anon = w[k].speaker.as_ref().is_some_and(|s| s.anonymous);
            if anon {
                if let Some(s) = w[j].speaker.as_mut() {
                    s.anonymous = true;
                }
            }
        }
    }
    for k in 0..w.len() {
        if let Some(j) = from[k] {
            let anon = w[j].speaker.as_ref().is_some_and(|s| s.anonymous);
            if let Some(s) = w[k].speaker.as_mut() {
                s.anonymous |= anon;
            }
        }
    }
}

/// The channel phrase nearest the cue in its sentence, outside the content: right after the
/// cue ("said in a Facebook post"), between source and cue ("The ministry, in a statement,
/// denied"), or before both ("In a statement, the ministry said").
fn channel(cx: &Ctx, a: &Work) -> Option<(Range<usize>, String)> {
    let sent = cx.sentence(a.cue.start);
    let in_content = |i: usize| a.content.iter().any(|r| r.contains(&i));
    let first = a
        .source
        .as_ref()
        .map_or(a.cue.start, |s| s.start.min(a.cue.start));
    let last = a
        .source
        .as_ref()
        .map_or(a.cue.end, |s| s.end.max(a.cue.end));
    cx.channels
        .iter()
        .filter(|(r, _)| r.start >= sent.start && r.end <= sent.end)
        .filter(|(r, _)| !r.clone().any(in_content))
        .filter_map(|(r, name)| {
            let gap = if r.start >= last {
                (last..r.start)
                    .filter(|&i| !cx.in_time[i] && !cx.is_punct(i) && cx.marks[i] == 0)
                    .count()
            } else if r.start >= a.cue.start {
                // The cue's own object: "told reporters".
                0
            } else if a
                .source
                .as_ref()
                .is_some_and(|s| r.start >= s.end && r.end <= a.cue.start)
            {
                // Set off between source and cue: "The ministry, in a statement, denied".
                0
            } else if r.end <= first {
                (r.end..first).filter(|&i| !cx.is_punct(i)).count()
            } else {
                return None;
            };
            (gap <= 3).then(|| (gap, r.clone(), name.clone()))
        })
        .min_by_key(|(gap, r, _)| (*gap, r.start))
        .map(|(_, r, name)| (r, name))
}

/// A channel phrase's tokens and the medium's name, as [`Work::channel`] holds them.
type ChannelPhrase = (Range<usize>, String);

/// How many modifiers may stand between a medium's article and its noun ("a lengthy Foreign
/// Ministry statement").
const MAX_MEDIUM_MODIFIERS: usize = 4;

/// A source that is a medium, or a site it was put on, with a named owner: the medium (the
/// source's range and the medium's name) and the owner's range. The owner is a possessor ("The
/// ministry's statement"), a modifier that names someone ("A Foreign Ministry statement", not
/// "A Facebook post"), the words after "by" or "from" ("a report by the watchdog"), or the
/// owner of the site it was put on ("posted on the ministry website", "on the website of the
/// ministry"). "The ministry website said" is the ministry speaking through its website.
fn medium_source(cx: &Ctx, r: Range<usize>) -> Option<(ChannelPhrase, Range<usize>)> {
    let lx = &*LEXICONS;
    let mut i = r.start;
    if i < r.end && matches!(cx.lower[i].as_str(), "a" | "an" | "the") {
        i += 1;
    }
    let (m, len) = (i..(i + MAX_MEDIUM_MODIFIERS + 1).min(r.end))
        .take_while(|&m| {
            m == i
                || cx.doc.tokens[m - 1].kind == TokenKind::Word
                    && !matches!(
                        cx.tag(m - 1),
                        Some(Upos::VERB | Upos::AUX | Upos::ADP | Upos::SCONJ | Upos::CCONJ)
                    )
                || cx.lower[m - 1] == "'s"
        })
        .find_map(|m| {
            let (len, ()) = lx
                .media
                .longest_at(&cx.lower, m, r.end)
                .or_else(|| lx.sites.longest_at(&cx.lower, m, r.end))?;
            Some((m, len))
        })?;
    // The medium heads the phrase: not "the post | office".
    if m + len < r.end && matches!(cx.tag(m + len), Some(Upos::NOUN | Upos::PROPN)) {
        return None;
    }
    let medium = (r.clone(), cx.text(m..m + len).to_string());
    let trim = |o: Range<usize>| {
        let mut o = o;
        while o.end > o.start && (cx.is_punct(o.end - 1) || cx.lower[o.end - 1] == "'s") {
            o.end -= 1;
        }
        (!o.is_empty()).then_some(o)
    };
    // Before the medium: "The ministry's | statement", "Its | statement", "A Kremlin | statement".
    if let Some(p) = (i..m).find(|&p| cx.lower[p] == "'s") {
        return trim(r.start..p).map(|o| (medium, o));
    }
    if m == i + 1 && matches!(cx.lower[i].as_str(), "its" | "their" | "his" | "her") {
        return Some((medium, i..m));
    }
    let platform = (i..m).any(|p| lx.platforms.longest_at(&cx.lower, p, m).is_some());
    let names_someone = (i..m).any(|p| {
        lx.kinds.longest_at(&cx.lower, p, m).is_some()
            || lx.aliases.contains_key(&cx.lower[p])
            || cx
                .doc
                .entities
                .as_deref()
                .and_then(|es| es.get(cx.entity_at[p]))
                .is_some_and(|e| matches!(e.label, EntityType::Org | EntityType::Gpe))
    });
    if m > i && names_someone && !platform {
        return Some((medium, i..m));
    }
    // After it: "posted | on the ministry website", "issued | by the ministry".
    let mut p = m + len;
    while p < r.end && cx.tag(p) == Some(Upos::VERB) {
        p += 1;
    }
    let prep = cx.lower.get(p).filter(|_| p < r.end)?.as_str();
    let owner = match prep {
        "by" | "from" => trim(p + 1..r.end)?,
        "on" | "in" => {
            let (s, slen) = (p + 1..r.end).find_map(|s| {
                lx.sites
                    .longest_at(&cx.lower, s, r.end)
                    .map(|(l, ())| (s, l))
            })?;
            if s + slen < r.end && cx.lower[s + slen] == "of" {
                trim(s + slen + 1..r.end)?
            } else {
                // The site's own words are no owner: "the ministry | Telegram | channel".
                let mut e = s;
                while e > p + 1 && lx.platforms.longest_at(&cx.lower, e - 1, s).is_some() {
                    e -= 1;
                }
                let o = trim(p + 1..e)?;
                if o.len() == 1 && matches!(cx.lower[o.start].as_str(), "a" | "an" | "the") {
                    return None;
                }
                o
            }
        }
        _ => return None,
    };
    Some((medium, owner))
}

/// Whom "told", "warned", "assured" ... address: the words after the cue up to "that", a
/// comma, a quote or the content.
fn addressee(cx: &Ctx, a: &Work) -> Option<Range<usize>> {
    let head = cx.lower.get(a.cue.end.checked_sub(1)?)?;
    if !LEXICONS.addressee_cues.contains(head) {
        return None;
    }
    let sent = cx.sentence(a.cue.start);
    let start = a.cue.end;
    let mut end = start;
    while end < sent.end
        && end - start < 10
        && cx.lower[end] != "that"
        && !cx.is_punct(end)
        && cx.marks[end] & MARK_CHANNEL == 0
        && !a.content.iter().any(|r| r.contains(&end))
        && !cx.in_time[end]
    {
        end += 1;
    }
    if end == start {
        return None;
    }
    let t = &cx.doc.tokens[start];
    let opens = cx.capitalized(start)
        || matches!(cx.tag(start), Some(Upos::PRON | Upos::DET | Upos::PROPN))
        || t.kind == TokenKind::Handle;
    opens.then_some(start..end)
}

/// The kind a mention's words give: the head of the noun phrase (the words before its first
/// preposition) first, then the words after it; within each, the rightmost lexicon phrase.
pub fn kind_of(cx: &Ctx, r: Range<usize>) -> Option<SpeakerKind> {
    let prep = r.clone().skip(1).find(|&i| {
        matches!(
            cx.lower[i].as_str(),
            "to" | "of" | "in" | "at" | "for" | "from" | "with" | "on"
        )
    });
    let split = prep.unwrap_or(r.end);
    rightmost_kind(cx, r.start..split).or_else(|| rightmost_kind(cx, split..r.end))
}

fn rightmost_kind(cx: &Ctx, r: Range<usize>) -> Option<SpeakerKind> {
    kind_phrases(cx, r).last().map(|(_, k)| k)
}

/// The speaker-kind lexicon's phrases in `r`, left to right, longest first at each token and
/// not overlapping: each phrase's tokens and kind.
fn kind_phrases<'a>(
    cx: &'a Ctx,
    r: Range<usize>,
) -> impl Iterator<Item = (Range<usize>, SpeakerKind)> + 'a {
    let mut i = r.start;
    std::iter::from_fn(move || {
        while i < r.end {
            if let Some((len, k)) = LEXICONS.kinds.longest_at(&cx.lower, i, r.end) {
                let phrase = i..i + len;
                i += len;
                return Some((phrase, k));
            }
            i += 1;
        }
        None
    })
}

/// The head word of a mention: the last word before its first preposition.
pub fn head_word(cx: &Ctx, r: Range<usize>) -> Option<usize> {
    let prep = r.clone().skip(1).find(|&i| {
        matches!(
            cx.lower[i].as_str(),
            "to" | "of" | "in" | "at" | "for" | "from" | "with" | "on" | "who" | "that"
        )
    });
    (r.start..prep.unwrap_or(r.end))
        .rev()
        .find(|&i| cx.doc.tokens[i].kind == TokenKind::Word)
}

/// Describes a mention that names or describes its speaker itself.
pub fn describe(cx: &Ctx, r: Range<usize>) -> Speaker {
    let entities = cx.doc.entities.as_deref().unwrap_or(&[]);
    let mut ents: Vec<usize> = r
        .clone()
        .map(|i| cx.entity_at[i])
        .filter(|&e| e != usize::MAX)
        .collect();
    ents.dedup();
    let ent_range = |e: usize| cx.span_tokens(entities[e].span);
    let of_type = |t: EntityType| ents.iter().copied().find(|&e| entities[e].label == t);
    // "pro-Russia" says what a speaker supports, not where it is.
    let stance = |e: usize| {
        let t = cx.doc.slice(entities[e].span).to_lowercase();
        t.starts_with("pro-") || t.starts_with("anti-")
    };
    let country = ents
        .iter()
        .filter(|&&e| matches!(entities[e].label, EntityType::Norp | EntityType::Gpe))
        .chain(ents.iter())
        .filter(|&&e| !stance(e))
        .find_map(|&e| entities[e].country.clone())
        .or_else(|| implied_country(cx, r.clone()));
    // A named organization or place names the speaker only when it holds the head word:
    // "the Russian Embassy in Seoul", but not "an envoy to the United Nations".
    let head = head_word(cx, r.clone());
    let holds_head = |e: &usize| {
        let er = ent_range(*e);
        head.is_none_or(|h| er.contains(&h))
    };
    let lexical = kind_of(cx, r.clone());
    let article = |s: usize| {
        let mut s = s;
        while s < r.end && (matches!(cx.lower[s].as_str(), "a" | "an" | "the") || cx.is_punct(s)) {
            s += 1;
        }
        s
    };
    let start = article(r.start);
    let handle = r
        .clone()
        .find(|&i| cx.doc.tokens[i].kind == TokenKind::Handle)
        .map(|i| i..i + 1)
        .or_else(|| of_type(EntityType::Account).map(ent_range));
    let mut sp = Speaker {
        country,
        ..Speaker::default()
    };
    if let Some(h) = handle {
        sp.name = cx.text(h).to_string();
        sp.kind = SpeakerKind::SocialMediaAccount;
    } else if let Some(p) = best_person(cx, r.clone(), start, head, &ents) {
        let pr = ent_range(p);
        // The recognizer may take a title into the name: "Secretary of State John Kerry".
        let name_start = title_in_name(cx, pr.clone());
        sp.name = cx.text(name_start..pr.end).to_string();
        let mut role_start = start;
        while role_start < pr.start && is_honorific(cx.doc.token_text(role_start)) {
            role_start += 1;
        }
        let mut role_end = name_start;
        while role_end > role_start && cx.is_punct(role_end - 1) {
            role_end -= 1;
        }
        if role_end > role_start {
            sp.role = Some(cx.text(role_start..role_end).to_string());
        }
        sp.kind = person_kind(lexical);
        if let Some(k) = spokesperson_of(cx, r.clone(), &ents) {
            sp.kind = k;
        }
    } else if let Some((title_end, name)) = titled_name(cx, start..r.end) {
        // The recognizer can miss a name after a title it does not know ("UN
        // Secretary-General Antonio Guterres" read as one organization).
        sp.name = cx.text(name).to_string();
        sp.role = Some(cx.text(start..title_end).to_string());
        sp.kind = person_kind(lexical);
    } else if let Some((agency, kind)) = agency_in(cx, r.clone()) {
        sp.name = agency;
        sp.kind = kind;
    } else if let Some((name, kind)) = named_after_kind(cx, start..r.end) {
        // "the Italian newspaper L'Unione Sarda", "the website National Report": the kind
        // word says what the name is, whatever the recognizer made of the name.
        sp.name = cx.text(name).to_string();
        sp.kind = kind;
    } else if let Some(o) = of_type(EntityType::Org).filter(holds_head) {
        sp.name = cx.text(ent_range(o)).to_string();
        sp.kind = lexical.unwrap_or(SpeakerKind::Unknown);
    } else if let Some(g) = of_type(EntityType::Gpe).filter(holds_head) {
        sp.name = cx.text(ent_range(g)).to_string();
        sp.kind = SpeakerKind::State;
    } else {
        sp.name = cx
            .text(start.max(r.start)..before_relative(cx, start..r.end))
            .to_string();
        sp.kind = lexical.unwrap_or(SpeakerKind::Unknown);
        sp.anonymous = anonymous_head(cx, r.clone());
    }
    if sp.name.is_empty() {
        sp.name = cx.text(r).to_string();
    }
    sp
}

/// The kind of a person whose mention's words give `lexical`: a government's person is its
/// official.
fn person_kind(lexical: Option<SpeakerKind>) -> SpeakerKind {
    match lexical {
        None => SpeakerKind::Person,
        Some(SpeakerKind::Government) => SpeakerKind::GovernmentOfficial,
        Some(k) => k,
    }
}

/// The person entity among `ents` that names the speaker of mention `r` (`start`: after its
/// article; `head`: its head word), if any. A possessor is not the speaker: "Putin's spokesman
/// Dmitry Peskov" is Peskov, and "Valdora's defence ministry" (a place the recognizer took for
/// a person) the ministry. Nor is a person the head noun is of, for or to: "a spokesman for
/// Putin", "an aide to Clinton". Of several people, the one holding the head word: "Stein
/// spokeswoman Melezia Figueroa" is Figueroa.
fn best_person(
    cx: &Ctx,
    r: Range<usize>,
    start: usize,
    head: Option<usize>,
    ents: &[usize],
) -> Option<usize> {
    let entities = cx.doc.entities.as_deref().unwrap_or(&[]);
    let range = |e: usize| cx.span_tokens(entities[e].span);
    let people: Vec<usize> = ents
        .iter()
        .copied()
        .filter(|&e| {
            let er = range(e);
            entities[e].label == EntityType::Person
                && !(er.end < r.end && matches!(cx.lower[er.end].as_str(), "'s" | "\u{2019}s"))
                && !(er.start > start
                    && matches!(
                        cx.lower[er.start - 1].as_str(),
                        "of" | "for" | "to" | "with"
                    ))
        })
        .collect();
    let first = people.first().copied()?;
    let holder = people
        .iter()
        .copied()
        .find(|&e| head.is_some_and(|h| range(e).contains(&h)))
        .unwrap_or(first);
    // Coordinated people ("Obama and Clinton") are none of them the head's: the first is
    // named.
    let coordinated = (range(first).end..range(holder).start)
        .any(|i| matches!(cx.lower[i].as_str(), "and" | "or" | "&"));
    Some(if coordinated { first } else { holder })
}

/// The country a mention's words give when no entity in it does: a country or nationality
/// the recognizer left untagged ("the Jordanian government"; not a city, which is as often a
/// surname: "Chandler", "Davenport"), or a US party-state tag ("Rep. Jason Chaffetz (R-UT)",
/// "Duncan Hunter, R-Calif.").
fn implied_country(cx: &Ctx, r: Range<usize>) -> Option<String> {
    use crate::entities::gazetteer::Kind;
    let g = Gazetteer::get();
    let entities = cx.doc.entities.as_deref().unwrap_or(&[]);
    let mut i = r.start;
    while i < r.end {
        let in_person = entities
            .get(cx.entity_at[i])
            .is_some_and(|e| e.label == EntityType::Person);
        match g.longest_at(cx.doc, i, r.end) {
            Some(m) if !in_person => {
                if matches!(m.entry.kind, Kind::Country | Kind::Demonym) {
                    if let Some(c) = m.entry.country_str() {
                        return Some(c.to_string());
                    }
                }
                i = m.end.max(i + 1);
            }
            _ => i += 1,
        }
    }
    // The tag follows the name: "Chaffetz (R-UT)", "Hunter, R-Calif."; not "D-Town".
    let party_state = r.clone().skip(1).any(|i| {
        let w = cx.doc.token_text(i);
        let b = w.as_bytes();
        matches!(cx.lower[i - 1].as_str(), "(" | ",")
            && b.len() >= 4
            && matches!(b[0], b'R' | b'D' | b'I')
            && b[1] == b'-'
            && b[2].is_ascii_uppercase()
            && w[2..].chars().all(|c| c.is_ascii_alphabetic() || c == '.')
    });
    party_state.then(|| "US".to_string())
}

/// A title of `data/person_titles.txt`, also without its abbreviation's dot ("Sgt", "Col").
fn known_title(g: &Gazetteer, w: &str) -> bool {
    g.is_title(w) || !w.ends_with('.') && w.len() <= 4 && g.is_title(&format!("{w}."))
}

/// A title word of a person: one of `data/person_titles.txt` or a speaker-kind word for
/// people ("Investigator", "Spokesman").
pub fn is_personal_title(cx: &Ctx, i: usize) -> bool {
    // "the official Apple site", "The official Rodong Sinmun": an adjective.
    if cx.lower[i] == "official"
        && i > 0
        && matches!(cx.lower[i - 1].as_str(), "the" | "an" | "its" | "their")
    {
        return false;
    }
    known_title(Gazetteer::get(), cx.doc.token_text(i))
        || LEXICONS
            .kinds
            .longest_at(&cx.lower, i, i + 3)
            .is_some_and(|(_, k)| {
                matches!(
                    k,
                    SpeakerKind::GovernmentOfficial
                        | SpeakerKind::Investigators
                        | SpeakerKind::Military
                        | SpeakerKind::Diplomat
                )
            })
}

/// A courtesy title, which says nothing of the speaker's role: "Mr", "Mrs.", "Dr".
pub fn is_honorific(w: &str) -> bool {
    matches!(
        w.trim_end_matches('.').to_lowercase().as_str(),
        "mr" | "mrs" | "ms" | "miss" | "mx" | "dr" | "prof" | "sir" | "dame"
    )
}

/// Where the name starts in a person entity that opens with a title the recognizer took in:
/// "Secretary of State | John Kerry", "Investigator | Sergei Molchanov". Title words are
/// those of `data/person_titles.txt` and the speaker-kind lexicon, capitalized; "of" and the
/// word after it continue a title. At least two words stay after an "of", one otherwise.
fn title_in_name(cx: &Ctx, pr: Range<usize>) -> usize {
    let is_title = |i: usize| cx.capitalized(i) && is_personal_title(cx, i);
    let mut s = pr.start;
    loop {
        if s + 1 < pr.end && is_title(s) && (cx.capitalized(s + 1) || cx.lower[s + 1] == "of") {
            s += 1;
        } else if s > pr.start && cx.lower[s] == "of" && s + 4 <= pr.end && cx.capitalized(s + 1) {
            s += 2;
        } else {
            break;
        }
    }
    // Titles all through are no name: "Official Spokesman".
    if (s..pr.end).any(is_title) {
        pr.start
    } else {
        s
    }
}

/// The kind of the organization a spokesperson-like title speaks for, when it is not a
/// government: "U.N. spokesman Dario Vence" speaks for an international organization, "John
/// Temple, president of audience at First Look" for an organization of no known kind, so a
/// person rather than a government official.
fn spokesperson_of(cx: &Ctx, r: Range<usize>, ents: &[usize]) -> Option<SpeakerKind> {
    let title = r.clone().find(|&i| {
        matches!(
            cx.lower[i].as_str(),
            "spokesman"
                | "spokeswoman"
                | "spokesperson"
                | "president"
                | "chairman"
                | "chairwoman"
                | "official"
        )
    })?;
    let entities = cx.doc.entities.as_deref().unwrap_or(&[]);
    // A lexicon phrase naming an organization, other than the title itself.
    for (_, k) in kind_phrases(cx, r.clone()).filter(|(p, _)| !p.contains(&title)) {
        match k {
            SpeakerKind::Government => return None,
            SpeakerKind::GovernmentOfficial
            | SpeakerKind::Person
            | SpeakerKind::Unknown
            | SpeakerKind::State => {}
            k => return Some(k),
        }
    }
    // An organization the recognizer found, of no kind the lexicon knows; or the head of
    // something that is no country ("president of audience at First Look", not "President of
    // Russia").
    let org = ents.iter().any(|&e| entities[e].label == EntityType::Org);
    let heads_something = matches!(
        cx.lower[title].as_str(),
        "president" | "chairman" | "chairwoman"
    ) && cx
        .lower
        .get(title + 1)
        .is_some_and(|w| matches!(w.as_str(), "of" | "at" | "for"))
        && !ents.iter().any(|&e| {
            matches!(entities[e].label, EntityType::Gpe | EntityType::Norp)
                && cx.span_tokens(entities[e].span).start > title
        });
    ((org || heads_something) && !matches!(cx.lower[title].as_str(), "official"))
        .then_some(SpeakerKind::Person)
}

/// A name right after a word of the kind lexicon at the end of a mention's head: "the Italian
/// newspaper | L'Unione Sarda", "the rights group | Amnesty International". The name is one or
/// more capitalized words running to the head's end.
fn named_after_kind(cx: &Ctx, r: Range<usize>) -> Option<(Range<usize>, SpeakerKind)> {
    let head_end = head_word(cx, r.clone())? + 1;
    let (phrase, kind) = kind_phrases(cx, r.start..head_end).last()?;
    let name_start = phrase.end;
    // The kind word is a common noun, not the name's own first word ("the Daily Star").
    let common = cx
        .doc
        .token_text(name_start - 1)
        .chars()
        .next()
        .is_some_and(char::is_lowercase);
    let personal = matches!(
        kind,
        SpeakerKind::Person | SpeakerKind::GovernmentOfficial | SpeakerKind::Unknown
    );
    let name = name_start..head_end;
    let is_name = common
        && !personal
        && !name.is_empty()
        && name.clone().all(|i| {
            cx.doc
                .token_text(i)
                .chars()
                .next()
                .is_some_and(|c| c.is_uppercase() || !c.is_alphabetic())
                && !cx.in_time[i]
        })
        && cx.capitalized(name_start);
    is_name.then_some((name, kind))
}

/// How many words a name after a title may have ("Antonio Guterres", "Ali Reza Khan").
const MAX_NAME_WORDS: usize = 3;

/// A name right after a title at the end of a mention's head ("UN Secretary-General | Antonio
/// Guterres"): where the title ends and the name's tokens. The titles are those the recognizer
/// knows (`data/person_titles.txt`) and compounds of them ("Secretary-General"), read here
/// rather than added to that list, which the recognizer's weights were trained with; the name
/// is one to three capitalized proper nouns that are no time or place.
fn titled_name(cx: &Ctx, r: Range<usize>) -> Option<(usize, Range<usize>)> {
    let g = Gazetteer::get();

    let is_title = |i: usize| {
        let w = cx.doc.token_text(i);
        is_personal_title(cx, i) || w.contains('-') && w.split('-').all(|p| g.is_title(p))
    };
    let mut head_end = head_word(cx, r.clone())? + 1;
    // "Secretary of State John Kerry": the head is the name after the title's "of".
    if is_title(head_end - 1) && head_end + 2 < r.end && cx.lower[head_end] == "of" {
        head_end = head_word(cx, head_end + 1..r.end).map_or(head_end, |h| h + 1);
    }
    let mut end = (r.start..head_end).rev().find(|&i| is_title(i))? + 1;
    // A title phrase runs on: "District | Attorney".
    if let Some((len, _)) = LEXICONS.kinds.longest_at(&cx.lower, end - 1, head_end) {
        end = end.max(end - 1 + len);
    }
    // "Secretary | of State | John Kerry": "of" and a capitalized word continue the title.
    if end + 2 < head_end && cx.lower[end] == "of" && cx.capitalized(end + 1) {
        end += 2;
    }
    let entities = cx.doc.entities.as_deref().unwrap_or(&[]);
    let place = |i: usize| {
        entities.get(cx.entity_at[i]).is_some_and(|e| {
            matches!(
                e.label,
                EntityType::Gpe | EntityType::Loc | EntityType::Norp | EntityType::Fac
            )
        })
    };
    let name = end..head_end;
    let is_name = (1..=MAX_NAME_WORDS).contains(&name.len())
        && name.clone().all(|i| {
            cx.doc.tokens[i].kind == TokenKind::Word
                && cx.capitalized(i)
                && cx.tag(i) == Some(Upos::PROPN)
                && !cx.in_time[i]
                && !place(i)
                && !is_title(i)
        });
    is_name.then_some((end, name))
}

/// Where a relative clause or an appositive opens in `r`, before any comma that sets it off,
/// or `r.end`: the source may keep "a senior official who spoke on condition of anonymity" or
/// "The Coastal Council, a regional body" whole, but the clause says how the speaker spoke or
/// what it is, not who.
fn before_relative(cx: &Ctx, r: Range<usize>) -> usize {
    let appositive = |i: usize| {
        cx.lower[i] == ","
            && cx
                .lower
                .get(i + 1)
                .is_some_and(|w| matches!(w.as_str(), "a" | "an" | "the"))
            && i + 1 < r.end
    };
    // An age: "Witness You Meng, 33".
    let age = |i: usize| {
        cx.lower[i] == ","
            && cx
                .lower
                .get(i + 1)
                .is_some_and(|w| w.len() <= 3 && w.chars().all(|c| c.is_ascii_digit()))
            && i + 1 < r.end
    };
    let Some(rel) = r.clone().skip(1).find(|&i| {
        matches!(cx.lower[i].as_str(), "who" | "whom" | "which") || appositive(i) || age(i)
    }) else {
        return r.end;
    };
    let mut end = rel;
    while end > r.start + 1 && cx.is_punct(end - 1) {
        end -= 1;
    }
    end
}

/// A wire agency named in the mention, with its kind (a state agency stays state media).
fn agency_in(cx: &Ctx, r: Range<usize>) -> Option<(String, SpeakerKind)> {
    for i in r.clone() {
        if let Some((len, name)) = LEXICONS.agencies.longest_at(&cx.lower, i, r.end) {
            let kind = rightmost_kind(cx, i..i + len)
                .filter(|k| *k == SpeakerKind::StateMedia)
                .unwrap_or(SpeakerKind::NewsAgency);
            return Some((name, kind));
        }
    }
    None
}

/// The mention's head is one that, unnamed, hides who speaks: "officials", "a source".
fn anonymous_head(cx: &Ctx, r: Range<usize>) -> bool {
    head_word(cx, r).is_some_and(|h| LEXICONS.anonymous_heads.contains(&cx.lower[h]))
}

#[cfg(test)]
mod tests {
    use crate::doc::{Speaker, SpeakerKind};
    use crate::Pipeline;

    /// The speaker of the attribution whose cue is `cue`, in each sentence's analysis.
    fn speaker_of(text: &str, cue: &str) -> Speaker {
        let d = Pipeline::new()
            .expect("embedded models load")
            .analyze(text, None);
        let atts = d.attributions.as_deref().unwrap_or(&[]);
        let found = atts.iter().rev().find(|a| d.slice(a.cue) == cue);
        match found.and_then(|a| a.speaker.clone()) {
            Some(s) => s,
            None => panic!(
                "{text}: no speaker for {cue:?} in {:?}",
                atts.iter().map(|a| d.slice(a.cue)).collect::<Vec<_>>()
            ),
        }
    }

    #[test]
    fn a_person_the_head_noun_is_of_or_for_is_not_the_speaker() {
        let sp = speaker_of("A spokesman for Putin said the talks were over.", "said");
        assert_eq!(sp.name, "spokesman for Putin", "{sp:?}");
        assert_eq!(sp.kind, SpeakerKind::GovernmentOfficial, "{sp:?}");
        let sp = speaker_of(
            "A girlfriend of Michael Phelps has revealed that they split up.",
            "has revealed",
        );
        assert_eq!(sp.name, "girlfriend of Michael Phelps", "{sp:?}");
        assert_eq!(sp.kind, SpeakerKind::Person, "{sp:?}");
        // An appositive after the complement names the speaker.
        let sp = speaker_of(
            "A lawyer for the family, Jane Doe, said the case would go to trial.",
            "said",
        );
        assert_eq!(sp.name, "Jane Doe", "{sp:?}");
    }

    #[test]
    fn a_title_the_recognizer_took_into_a_name_is_the_role() {
        for (text, name, role) in [
            (
                "Secretary of State John Kerry said the talks were over.",
                "John Kerry",
                "Secretary of State",
            ),
            (
                "Investigator Sergei Molchanov said the boy had fled.",
                "Sergei Molchanov",
                "Investigator",
            ),
            (
                "Sgt Gill Cherry said the road was closed.",
                "Gill Cherry",
                "Sgt",
            ),
        ] {
            let sp = speaker_of(text, "said");
            assert_eq!(sp.name, name, "{text}: {sp:?}");
            assert_eq!(sp.role.as_deref(), Some(role), "{text}: {sp:?}");
        }
    }

    #[test]
    fn a_ministry_named_with_title_words_is_no_person() {
        let sp = speaker_of(
            "The Iraqi Defense Ministry said the bridge was hit.",
            "said",
        );
        assert_eq!(sp.name, "Iraqi Defense Ministry", "{sp:?}");
        assert_eq!(sp.kind, SpeakerKind::Government, "{sp:?}");
        let sp = speaker_of(
            "The Manhattan District Attorney said the case was closed.",
            "said",
        );
        assert_eq!(sp.name, "Manhattan District Attorney", "{sp:?}");
    }

    #[test]
    fn a_courtesy_title_is_no_role_and_its_surname_is_resolved() {
        for (text, name) in [
            (
                "Charlie Cooper, a researcher at the Quilliam Foundation, said the images were \
                 fake. Mr Cooper said the group wanted attention.",
                "Charlie Cooper",
            ),
            (
                "Hillary Clinton spoke in Ohio. Mrs. Clinton said the plan would fail.",
                "Hillary Clinton",
            ),
            (
                "Dr. Anna Berg, a virologist, said the outbreak was over. Dr. Berg said masks \
                 were no longer needed.",
                "Anna Berg",
            ),
        ] {
            let sp = speaker_of(text, "said");
            assert_eq!(sp.name, name, "{text}: {sp:?}");
            assert_eq!(sp.role, None, "{text}: {sp:?}");
        }
    }

    #[test]
    fn of_several_people_the_speaker_holds_the_head_unless_they_are_coordinated() {
        let sp = speaker_of(
            "Stein spokeswoman Melezia Figueroa said the campaign would appeal.",
            "said",
        );
        assert_eq!(sp.name, "Melezia Figueroa", "{sp:?}");
        assert_eq!(sp.role.as_deref(), Some("Stein spokeswoman"), "{sp:?}");
        let sp = speaker_of("Obama and Clinton said the deal was fair.", "said");
        assert_eq!(sp.name, "Obama", "{sp:?}");
    }

    #[test]
    fn a_surname_of_two_words_or_another_apostrophe_is_resolved() {
        for (text, name) in [
            (
                "Mayor Bill de Blasio spoke on Monday. De Blasio said the city was safe.",
                "Bill de Blasio",
            ),
            (
                "NYPD Commissioner James O\u{2019}Neill spoke on Monday. O'Neill said the \
                 city was safe.",
                "James O\u{2019}Neill",
            ),
        ] {
            let sp = speaker_of(text, "said");
            assert_eq!(sp.name, name, "{text}: {sp:?}");
        }
    }

    #[test]
    fn abbreviated_offices_unions_and_organizations_named_after_small_towns() {
        for (text, kind, country) in [
            (
                "Rep. John Mica said the agency had failed.",
                SpeakerKind::GovernmentOfficial,
                None,
            ),
            (
                "The Association of Flight Attendants said the union would strike.",
                SpeakerKind::Ngo,
                None,
            ),
            // GeoNames has a town called Federal, in Argentina.
            (
                "The Federal Bureau of Prisons said the inmate had escaped.",
                SpeakerKind::Unknown,
                None,
            ),
        ] {
            let sp = speaker_of(text, "said");
            assert_eq!(sp.kind, kind, "{text}: {sp:?}");
            assert_eq!(sp.country.as_deref(), country, "{text}: {sp:?}");
        }
    }

    #[test]
    fn an_age_is_not_part_of_the_name() {
        let sp = speaker_of("Witness You Meng, 33, said the car was speeding.", "said");
        assert_eq!(sp.name, "Witness You Meng", "{sp:?}");
        assert_eq!(sp.kind, SpeakerKind::Person, "{sp:?}");
    }

    #[test]
    fn you_is_nobody_quoted_and_they_is_no_single_person() {
        let sp = speaker_of(
            "The website National Report claimed the singer had died. As you would expect, \
             the story spread.",
            "would expect",
        );
        assert_eq!(sp.name, "you", "{sp:?}");
        let sp = speaker_of(
            "Georgy Myakinkin said he was fired. They also demanded an apology.",
            "also demanded",
        );
        assert_ne!(sp.name, "Georgy Myakinkin", "{sp:?}");
        let sp = speaker_of(
            "Senior officials in Kyiv said the bridge was hit. They also said two people died.",
            "also said",
        );
        assert_eq!(sp.name, "Senior officials in Kyiv", "{sp:?}");
    }

    #[test]
    fn a_kind_word_before_a_name_gives_the_kind() {
        for (text, cue, name, kind) in [
            (
                "According to the Italian newspaper L'Unione Sarda, the nun was surprised.",
                "According to",
                "L'Unione Sarda",
                SpeakerKind::Newspaper,
            ),
            (
                "The website National Report claimed the singer had died.",
                "claimed",
                "National Report",
                SpeakerKind::Newspaper,
            ),
            (
                "The rights group Amnesty International said the trial was unfair.",
                "said",
                "Amnesty International",
                SpeakerKind::Ngo,
            ),
            (
                "The Daily Star reported that the boy was found.",
                "reported",
                "Daily Star",
                SpeakerKind::Newspaper,
            ),
        ] {
            let sp = speaker_of(text, cue);
            assert_eq!((sp.name.as_str(), sp.kind), (name, kind), "{text}: {sp:?}");
        }
    }

    #[test]
    fn a_spokesperson_has_the_kind_of_whom_it_speaks_for() {
        for (text, cue, kind, country) in [
            (
                "U.N. spokesman Dario Vence told reporters the talks were over.",
                "told",
                SpeakerKind::InternationalOrganization,
                None,
            ),
            (
                "White House spokesman Josh Earnest said the talks were over.",
                "said",
                SpeakerKind::GovernmentOfficial,
                Some("US"),
            ),
            (
                "Pentagon spokesman John Kirby said the strike hit its target.",
                "said",
                SpeakerKind::Military,
                Some("US"),
            ),
            (
                "John Temple, president of audience and product at First Look, told staff the \
                 magazine would close.",
                "told",
                SpeakerKind::Person,
                None,
            ),
        ] {
            let sp = speaker_of(text, cue);
            assert_eq!(sp.kind, kind, "{text}: {sp:?}");
            assert_eq!(sp.country.as_deref(), country, "{text}: {sp:?}");
        }
    }

    #[test]
    fn a_nationality_or_a_party_state_tag_gives_the_country() {
        for (text, country) in [
            (
                "The Jordanian government said the pilot was dead.",
                Some("JO"),
            ),
            (
                "Rep. Jason Chaffetz (R-UT) said the agency had failed.",
                Some("US"),
            ),
            (
                "Rep. Duncan Hunter, R-Calif., said the agency had failed.",
                Some("US"),
            ),
            // A surname that is also a city names no country.
            ("Taylor Chandler said the swimmer had lied.", None),
        ] {
            let sp = speaker_of(text, "said");
            assert_eq!(sp.country.as_deref(), country, "{text}: {sp:?}");
        }
    }

    #[test]
    fn an_armed_group_is_no_ngo() {
        let sp = speaker_of(
            "The extremist group posted a video online saying it would kill the hostage.",
            "posted",
        );
        assert_eq!(sp.kind, SpeakerKind::Unknown, "{sp:?}");
    }
}
