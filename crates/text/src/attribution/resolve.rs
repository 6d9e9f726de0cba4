//! Resolving a source to the speaker it refers to: pronouns ("he"), definite descriptions
//! ("the official", "The blogger"), aliases ("the North") and surnames ("Zinoviev").
//!
//! The antecedent is looked for among the attributions before this one first (a statement's
//! "the official" is nearly always the official quoted a sentence earlier), then among the
//! entities and words before it, and last, by kind, among the earlier speakers, addressees and
//! channels (`data/attribution/descriptions.tsv`): "told Yonhap ... The agency said" names the
//! agency only as the one told. Looking back over earlier attributions and a bounded window
//! of earlier sentences keeps this linear in practice; there is no coreference model, only
//! these rules, which is why the lexicons in `data/attribution/` carry the knowledge.
//!
//! What an antecedent may be is narrowed by agreement, the one kind of knowledge a rule can
//! check cheaply: "he" and "she" skip a speaker whose words tell the other gender
//! (`data/attribution/genders.tsv`: courtesy titles, gendered nouns, given names), "they" a
//! single named person, a singular description a plural source; "I", "you", "someone" and
//! clauses the tagger took for a source are no antecedents at all. A relative pronoun
//! ("Lars Holm, who said") stands for the phrase before it. `claimtrail eval speakers` scores
//! the result against GUM's coreference: these rules together took its dev precision from 18.4
//! to 57.8.

use super::lexicons::LEXICONS;
use super::post::{is_channel_preposition, is_told, Ctx, Work};
use super::speaker::{describe, head_word, is_honorific, is_personal_title, kind_of};
use crate::doc::{EntityType, Span, Speaker, SpeakerKind, TokenKind, Upos};
use std::ops::Range;

/// How many earlier attributions a pronoun or description looks back over.
const LOOK_BACK: usize = 12;
/// How many sentences back an entity or word antecedent may lie.
const SENTENCES_BACK: usize = 6;

/// The speaker of the source `r`, and the index of the earlier attribution it was resolved to.
pub fn speaker(cx: &Ctx, earlier: &[Work], r: Range<usize>) -> (Speaker, Option<usize>) {
    let words: Vec<usize> = r
        .clone()
        .filter(|&i| cx.doc.tokens[i].kind != TokenKind::Punct)
        .collect();
    let Some(&first) = words.first() else {
        return (describe(cx, r), None);
    };
    let has_name = r.clone().any(|i| {
        cx.doc
            .entities
            .as_deref()
            .and_then(|es| es.get(cx.entity_at[i]))
            .is_some_and(|e| {
                matches!(
                    e.label,
                    EntityType::Person | EntityType::Org | EntityType::Account
                )
            })
            || cx.doc.tokens[i].kind == TokenKind::Handle
    });
    // An alias: "the North".
    let after_the = if cx.lower[first] == "the" {
        first + 1
    } else {
        first
    };
    let key: Vec<&str> = (after_the..r.end)
        .filter(|&i| cx.doc.tokens[i].kind != TokenKind::Punct)
        .map(|i| cx.lower[i].as_str())
        .collect();
    if let Some(al) = LEXICONS.aliases.get(&key.join(" ")) {
        let before = &cx.doc.text[..cx.doc.tokens[r.start].start];
        if al
            .requires
            .as_ref()
            .is_none_or(|n| before.contains(n.as_str()))
        {
            let sp = Speaker {
                name: al.canonical.clone(),
                kind: al.kind,
                country: al.country.clone(),
                ..Speaker::default()
            };
            return (sp, None);
        }
    }
    // A relative pronoun: the phrase it hangs on, right before it ("Sgt Gill Cherry, who
    // said"), not an earlier speaker.
    if words.len() == 1 && matches!(cx.lower[first].as_str(), "who" | "which" | "that") {
        if let Some(np) = phrase_before(cx, first) {
            let mut sp = describe(cx, np.clone());
            sp.antecedent.get_or_insert(cx.span(&np));
            return (sp, None);
        }
        return (describe(cx, r), None);
    }
    // A pronoun: the nearest earlier speaker of a fitting kind.
    if words.len() == 1 && matches!(cx.tag(first), Some(Upos::PRON))
        || is_pronoun(&cx.lower[first]) && words.len() == 1
    {
        let w = cx.lower[first].as_str();
        // "You" and the first person point at the reader or the writer, not at anyone the
        // article quoted: "as you would expect".
        if is_unresolvable(w) {
            return (describe(cx, r), None);
        }
        let female = match w {
            "she" | "her" => Some(true),
            "he" | "him" | "his" => Some(false),
            _ => None,
        };
        // "His statement said" reaches here too: the owner of a medium is its speaker.
        let fits = |s: &Speaker| {
            let personal = matches!(
                s.kind,
                SpeakerKind::Person
                    | SpeakerKind::GovernmentOfficial
                    | SpeakerKind::Diplomat
                    | SpeakerKind::SocialMediaAccount
            ) || s.role.is_some();
            // "They" is a group ("officials", "the police") or an organization, not one
            // named person.
            let plural = plural_description(&s.name);
            match w {
                "he" | "she" | "him" | "her" | "his" => personal,
                "it" | "its" => !personal,
                "they" | "them" | "their" => !personal || plural,
                _ => true,
            }
        };
        // Nor a speaker of the other gender, where the words tell it.
        let same_gender = |j: usize| {
            female.is_none() || gender_of(cx, &earlier[j]).is_none_or(|g| Some(g) == female)
        };
        if let Some((j, s)) = nearest_where(earlier, |j, s| fits(s) && same_gender(j)) {
            return (antecedent_copy(cx, s, earlier, j), Some(j));
        }
        // No earlier speaker: the nearest name that fits ("Lindqvist arrived on Monday. He
        // said ...").
        let entity = match w {
            "he" | "she" | "him" | "her" | "his" => entity_before(cx, r.start, |t, e| {
                t == EntityType::Person
                    && (female.is_none()
                        || name_gender(cx.text(e.clone())).is_none_or(|g| Some(g) == female))
            }),
            "it" | "its" | "they" | "them" | "their" => {
                entity_before(cx, r.start, |t, _| t == EntityType::Org)
            }
            _ => None,
        };
        if let Some(e) = entity {
            let mut sp = describe(cx, with_title(cx, e.clone()));
            sp.antecedent.get_or_insert(cx.span(&e));
            return (sp, None);
        }
        return (describe(cx, r), None);
    }
    // A surname, after a courtesy title or not ("Zinoviev", "Mr Cooper", "De Blasio",
    // "O'Neill"): an earlier person whose longer name ends with it, compared without case
    // and with one apostrophe.
    let surname: &[usize] = match words[..] {
        [h, ref rest @ ..] if is_honorific(cx.doc.token_text(h)) => rest,
        _ => &words,
    };
    if (1..=2).contains(&surname.len()) && surname.iter().all(|&i| cx.capitalized(i)) {
        let key = normalized_name(
            &surname
                .iter()
                .map(|&i| cx.doc.token_text(i))
                .collect::<Vec<_>>()
                .join(" "),
        );
        let ends_with_key = |name: &str| {
            normalized_name(name)
                .strip_suffix(key.as_str())
                .is_some_and(|rest| rest.ends_with(' '))
        };
        if let Some((j, s)) = nearest(earlier, |s| ends_with_key(&s.name)) {
            return (antecedent_copy(cx, s, earlier, j), Some(j));
        }
        if let Some(e) = entity_before(cx, r.start, |t, e| {
            t == EntityType::Person && ends_with_key(cx.text(e.clone()))
        }) {
            let mut sp = describe(cx, with_title(cx, e.clone()));
            sp.antecedent.get_or_insert(cx.span(&e));
            return (sp, None);
        }
    }
    // A definite description: "the official", "The blogger", "the ministry".
    if matches!(cx.lower[first].as_str(), "the" | "this" | "that") && !has_name {
        if let Some(h) = head_word(cx, r.clone()) {
            let head = cx.lower[h].as_str();
            // The same head, in number too: "The Senator from Alaska" is not one of "nearly
            // all Republican Senators".
            let same = |x: &str| x == head;
            for j in (0..earlier.len()).rev().take(LOOK_BACK) {
                // The earlier source's head, or a word of its name before it: "The report"
                // is not "The report's authors", but "the official" is "a ministry official
                // who asked not to be named".
                let hit = earlier[j].source.as_ref().is_some_and(|s| {
                    let end = head_word(cx, s.clone()).map_or(s.end, |h| h + 1);
                    (s.start..end).any(|i| same(&cx.lower[i]))
                        && !(s.start..end).any(|i| {
                            matches!(cx.lower[i].as_str(), "'s" | "\u{2019}s")
                                && (s.start..i).any(|k| same(&cx.lower[k]))
                        })
                });
                if let (true, Some(s)) = (hit, earlier[j].speaker.as_ref()) {
                    return (antecedent_copy(cx, s, earlier, j), Some(j));
                }
            }
            if let Some(sp) = word_antecedent(cx, r.clone(), h) {
                return (sp, None);
            }
            if let Some(found) = kind_antecedent(cx, earlier, h) {
                return found;
            }
        }
    }
    let mut sp = describe(cx, r.clone());
    // An account described but not named ("a pro-Russia Telegram account") takes the handle
    // the same or the next sentence gives it.
    if sp.kind == SpeakerKind::SocialMediaAccount && !sp.name.starts_with('@') {
        let s = cx.sent_of[r.start];
        let stop = cx
            .doc
            .sentences
            .get(s + 1)
            .map_or(cx.lower.len(), |x| x.tokens.end);
        if let Some(i) = (r.end..stop).find(|&i| cx.doc.tokens[i].kind == TokenKind::Handle) {
            sp.name = cx.doc.token_text(i).to_string();
            sp.antecedent = Some(cx.span(&(i..i + 1)));
        }
    }
    (sp, None)
}

/// A person's name with the title written right before it ("Mayor | Bill de Blasio",
/// "Defence Minister | Arvid Tallinger"), so that a speaker found through the name keeps its
/// role and kind; the name alone stays the antecedent.
fn with_title(cx: &Ctx, e: Range<usize>) -> Range<usize> {
    let mut s = e.start;
    let floor = e.start.saturating_sub(4);
    while s > floor && is_personal_title(cx, s - 1) && cx.sent_of[s - 1] == cx.sent_of[e.start] {
        s -= 1;
    }
    s..e.end
}

/// A name as surnames are compared: lowercase, with one apostrophe.
fn normalized_name(name: &str) -> String {
    name.to_lowercase().replace('\u{2019}', "'")
}

/// A speaker's name that describes a group: its head word (the last before a preposition) a
/// plural common noun, as in "senior officials in Kyiv".
fn plural_description(name: &str) -> bool {
    let head = name
        .split_whitespace()
        .take_while(|w| !matches!(*w, "in" | "of" | "at" | "from" | "for" | "to" | "with"))
        .last()
        .unwrap_or("");
    let lower = head.to_lowercase();
    // Capitalized, it is still a common noun when it opens the sentence ("Officials said").
    let common = head.chars().next().is_some_and(char::is_lowercase)
        || LEXICONS.anonymous_heads.contains(&lower)
        || LEXICONS
            .kinds
            .longest_at(std::slice::from_ref(&lower), 0, 1)
            .is_some();
    lower.ends_with('s') && !lower.ends_with("ss") && common
}

fn is_pronoun(w: &str) -> bool {
    matches!(
        w,
        "he" | "she" | "they" | "it" | "him" | "her" | "them" | "his" | "its" | "their"
    )
}

/// The nearest earlier attribution (within [`LOOK_BACK`]) whose speaker passes `ok`.
fn nearest(earlier: &[Work], ok: impl Fn(&Speaker) -> bool) -> Option<(usize, &Speaker)> {
    nearest_where(earlier, |_, s| ok(s))
}

/// As [`nearest`], with the attribution's index given to `ok`. A speaker that is the writer,
/// the reader or nobody in particular ("I", "you", "someone") is no antecedent.
fn nearest_where(
    earlier: &[Work],
    ok: impl Fn(usize, &Speaker) -> bool,
) -> Option<(usize, &Speaker)> {
    (0..earlier.len()).rev().take(LOOK_BACK).find_map(|j| {
        earlier[j]
            .speaker
            .as_ref()
            .filter(|s| !no_antecedent(&s.name) && ok(j, s))
            .map(|s| (j, s))
    })
}

/// A speaker's name that names nobody a later mention could mean: the writer or the reader
/// ("I", "you"), nobody in particular ("someone"), a relative pronoun left unresolved, or a
/// clause the tagger took for a source ("I think the straightforward way").
fn no_antecedent(name: &str) -> bool {
    let lower = name.to_lowercase();
    let first = lower.split_whitespace().next().unwrap_or("");
    is_unresolvable(&lower)
        || matches!(first, "i" | "we" | "you")
        || matches!(
            lower.as_str(),
            "who" | "which" | "that" | "this" | "it" | "they"
        )
}

/// The noun phrase that ends right before token `at` (a comma between allowed): a named entity
/// ending there, else the run of determiners, adjectives and nouns.
fn phrase_before(cx: &Ctx, at: usize) -> Option<Range<usize>> {
    let mut end = at;
    if end > 0 && cx.lower[end - 1] == "," {
        end -= 1;
    }
    let last = end.checked_sub(1)?;
    if let Some(e) = cx
        .doc
        .entities
        .as_deref()
        .and_then(|es| es.get(cx.entity_at[last]))
    {
        let er = cx.span_tokens(e.span);
        if er.end == end && !er.is_empty() {
            return Some(er);
        }
    }
    if !matches!(cx.tag(last), Some(Upos::NOUN | Upos::PROPN)) {
        return None;
    }
    let mut start = last;
    while start > 0
        && matches!(
            cx.tag(start - 1),
            Some(Upos::NOUN | Upos::PROPN | Upos::ADJ | Upos::DET | Upos::NUM)
        )
        && cx.sent_of[start - 1] == cx.sent_of[last]
    {
        start -= 1;
    }
    Some(start..end)
}

/// Pronouns that point at the writer or the reader, or at nobody in particular.
fn is_unresolvable(w: &str) -> bool {
    matches!(
        w,
        "i" | "me"
            | "we"
            | "us"
            | "you"
            | "one"
            | "someone"
            | "somebody"
            | "anyone"
            | "anybody"
            | "everyone"
            | "everybody"
            | "no one"
            | "nobody"
    )
}

/// The gender (true: female) the words of an earlier attribution's source tell: a courtesy
/// title or gendered noun in it ("Mrs.", "his mother"), the given name of a speaker named with
/// two words or more, or the pronoun itself.
fn gender_of(cx: &Ctx, a: &Work) -> Option<bool> {
    let lx = &*LEXICONS;
    if let Some(g) = a.speaker.as_ref().and_then(|s| name_gender(&s.name)) {
        return Some(g);
    }
    let src = a.source.clone()?;
    // The head's own words first: "his mother" is a woman, "the mother's lawyer" not said.
    let head = head_word(cx, src.clone()).map_or(src.end, |h| h + 1);
    (src.start..head)
        .rev()
        .find_map(|i| match cx.lower[i].as_str() {
            "she" | "her" => Some(true),
            "he" | "him" => Some(false),
            // Words only: no number or handle is a title, noun or name.
            w => lx
                .female
                .get(w)
                .copied()
                .filter(|_| cx.doc.tokens[i].kind == TokenKind::Word),
        })
}

/// The gender a speaker's name tells by its given name, when it has two words or more.
fn name_gender(name: &str) -> Option<bool> {
    let mut words = name.split_whitespace();
    let first = words.next()?;
    words.next()?;
    LEXICONS.female.get(&first.to_lowercase()).copied()
}

/// A copy of an earlier speaker, pointing at the mention that named it: the speaker's name
/// inside the earlier source where it is written there ("Lydia Buchtmann" in "Lydia
/// Buchtmann for Food Standards Australia"), else the whole source.
fn antecedent_copy(cx: &Ctx, s: &Speaker, earlier: &[Work], j: usize) -> Speaker {
    let mut sp = s.clone();
    if sp.antecedent.is_none() {
        sp.antecedent = earlier[j].source.as_ref().map(|r| {
            let span = cx.span(r);
            let text = cx.doc.slice(span);
            match text.find(sp.name.as_str()).filter(|_| !sp.name.is_empty()) {
                Some(at) => Span::new(span.start + at, span.start + at + sp.name.len()),
                None => span,
            }
        });
    }
    sp
}

/// The nearest entity before token `before`, within [`SENTENCES_BACK`] sentences, that passes
/// `ok`.
fn entity_before(
    cx: &Ctx,
    before: usize,
    ok: impl Fn(EntityType, &Range<usize>) -> bool,
) -> Option<Range<usize>> {
    let es = cx.doc.entities.as_deref()?;
    let floor = cx.sent_of[before].saturating_sub(SENTENCES_BACK);
    let end = es.partition_point(|e| e.span.end <= cx.doc.tokens[before].start);
    // Entities are in text order: stop at the first one before the window, so a long
    // document costs a few sentences' entities per lookup, not all of them.
    for e in es[..end].iter().rev() {
        let r = cx.span_tokens(e.span);
        if r.is_empty() {
            continue;
        }
        if cx.sent_of[r.start] < floor {
            return None;
        }
        if ok(e.label, &r) {
            return Some(r);
        }
    }
    None
}

/// A definite description's antecedent by kind, when no earlier mention shares its head word:
/// the latest speaker, addressee or channel of the earlier attributions whose kind the head can
/// refer to ("“...,” Kim told Yonhap. The agency said ..." is Yonhap). Addressees and channels
/// are no attribution's speaker, so they come back without an index.
fn kind_antecedent(cx: &Ctx, earlier: &[Work], h: usize) -> Option<(Speaker, Option<usize>)> {
    let kinds = LEXICONS.descriptions.get(&cx.lower[h])?;
    let fits = |s: &Speaker| kinds.contains(&s.kind);
    for j in (0..earlier.len()).rev().take(LOOK_BACK) {
        let a = &earlier[j];
        let mut best: Option<(usize, Speaker, Option<usize>)> = None;
        let mut consider = |at: usize, sp: Speaker, from: Option<usize>| {
            if fits(&sp) && best.as_ref().is_none_or(|b| at > b.0) {
                best = Some((at, sp, from));
            }
        };
        if let (Some(r), Some(s)) = (&a.source, &a.speaker) {
            consider(r.start, antecedent_copy(cx, s, earlier, j), Some(j));
        }
        let mentions = [
            a.addressee.clone(),
            a.channel.as_ref().map(|(r, _)| named(cx, r)),
        ];
        for m in mentions.into_iter().flatten().filter(|m| !m.is_empty()) {
            let mut sp = describe(cx, m.clone());
            sp.antecedent.get_or_insert(cx.span(&m));
            consider(m.start, sp, None);
        }
        if let Some((_, sp, from)) = best {
            return Some((sp, from));
        }
    }
    None
}

/// A channel phrase without its preposition and article: "on | state television".
fn named(cx: &Ctx, r: &Range<usize>) -> Range<usize> {
    let mut s = r.start;
    while s < r.end
        && (is_channel_preposition(&cx.lower[s])
            || is_told(&cx.lower[s])
            || cx.tag(s) == Some(Upos::DET))
    {
        s += 1;
    }
    s..r.end
}

/// A definite description's antecedent among the words before it: the same head word, named
/// right after ("a blogger named @rvvoenkor_bot", "the ministry's spokesman, Kim") or inside a
/// named entity ("the ministry" -> "Unification Ministry").
fn word_antecedent(cx: &Ctx, r: Range<usize>, h: usize) -> Option<Speaker> {
    let head = cx.lower[h].as_str();
    let floor = cx
        .doc
        .sentences
        .get(cx.sent_of[r.start].saturating_sub(SENTENCES_BACK))
        .map_or(0, |s| s.tokens.start);
    let kind = kind_of(cx, r.clone());
    let t = (floor..r.start).rev().find(|&i| cx.lower[i] == head)?;
    // Inside an entity: the entity names it.
    if let Some(e) = cx
        .doc
        .entities
        .as_deref()
        .and_then(|es| es.get(cx.entity_at[t]))
    {
        let er = cx.span_tokens(e.span);
        let mut sp = describe(cx, er);
        sp.antecedent = Some(e.span);
        if sp.kind == SpeakerKind::Unknown {
            sp.kind = kind.unwrap_or(SpeakerKind::Unknown);
        }
        return Some(sp);
    }
    // Named right after: "named", "called", "known as", a comma.
    let sent_end = cx.sentence(t).end;
    let mut i = t + 1;
    while i < sent_end
        && i <= t + 3
        && matches!(
            cx.lower[i].as_str(),
            "named" | "called" | "known" | "as" | "," | "dubbed"
        )
    {
        i += 1;
    }
    if i < sent_end && i > t {
        let named = cx.doc.tokens[i].kind == TokenKind::Handle || cx.entity_at[i] != usize::MAX;
        if named {
            let end = if cx.doc.tokens[i].kind == TokenKind::Handle {
                i + 1
            } else {
                let e = cx.entity_at[i];
                let mut j = i;
                while j < sent_end && cx.entity_at[j] == e {
                    j += 1;
                }
                j
            };
            let mut sp = describe(cx, i..end);
            if sp.kind == SpeakerKind::Unknown || sp.kind == SpeakerKind::Person && kind.is_some() {
                sp.kind = kind.unwrap_or(sp.kind);
            }
            // The description itself, from its article: "a blogger named @rvvoenkor_bot".
            let mut s = t;
            while s > floor && matches!(cx.tag(s - 1), Some(Upos::DET | Upos::ADJ)) {
                s -= 1;
            }
            sp.antecedent = Some(cx.span(&(s..end)));
            return Some(sp);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use crate::doc::{Doc, Speaker};
    use crate::Pipeline;

    fn analyze(text: &str) -> Doc {
        Pipeline::new()
            .expect("embedded models load")
            .analyze(text, None)
    }

    /// The speaker of the last attribution whose cue is `cue`, and its antecedent's text.
    fn speaker_of(d: &Doc, cue: &str) -> (Speaker, Option<String>) {
        let atts = d.attributions.as_deref().unwrap_or(&[]);
        match atts
            .iter()
            .rev()
            .find(|a| d.slice(a.cue) == cue)
            .and_then(|a| a.speaker.clone())
        {
            Some(s) => {
                let ant = s.antecedent.map(|a| d.slice(a).to_string());
                (s, ant)
            }
            None => panic!(
                "no speaker for {cue:?} in {:?}",
                atts.iter().map(|a| d.slice(a.cue)).collect::<Vec<_>>()
            ),
        }
    }

    #[test]
    fn he_and_she_skip_a_speaker_of_the_other_gender() {
        let d = analyze(
            "Lord Byron met Mary Chaworth in 1803. Mary Chaworth said she would marry \
             another man. He wrote that the news broke his heart.",
        );
        let (sp, _) = speaker_of(&d, "wrote");
        assert!(sp.name.contains("Byron"), "{sp:?}");
        let d = analyze(
            "Josh Kindig said the game was hard. He played with Anna Berg on Monday. She said \
             it was easy.",
        );
        let (sp, _) = speaker_of(&d, "said");
        assert_eq!(sp.name, "Anna Berg", "{sp:?}");
        // The courtesy title tells it where the name does not.
        let d = analyze(
            "Donald Trump said the plan would work. Mrs. Clinton said it would fail. He said \
             she was wrong.",
        );
        let (sp, _) = speaker_of(&d, "said");
        assert_eq!(sp.name, "Donald Trump", "{sp:?}");
    }

    #[test]
    fn the_writer_the_reader_and_nobody_are_no_antecedents() {
        let d = analyze("You said the road was closed. They said it was open.");
        let (sp, ant) = speaker_of(&d, "said");
        assert_ne!(sp.name, "You", "{sp:?}");
        assert_eq!(ant, None);
        let d = analyze("Adam Smith wrote the book. Someone said it was wrong.");
        let (sp, ant) = speaker_of(&d, "said");
        assert_eq!((sp.name.as_str(), ant), ("Someone", None), "{sp:?}");
    }

    #[test]
    fn a_description_matches_an_earlier_source_by_its_head() {
        let d = analyze(
            "The report's authors said iodine levels were low. The report said children \
             were at risk.",
        );
        let (sp, _) = speaker_of(&d, "said");
        assert_eq!(sp.name, "report", "{sp:?}");
    }

    #[test]
    fn a_relative_pronoun_stands_for_the_phrase_before_it() {
        // Not the speaker quoted before: "met" quotes nobody.
        let d = analyze(
            "Anna Berg said the road was open. The mayor met Lars Holm, who said the snow \
             would not melt before Friday.",
        );
        let (sp, ant) = speaker_of(&d, "said");
        assert_eq!(sp.name, "Lars Holm", "{sp:?}");
        assert_eq!(ant.as_deref(), Some("Lars Holm"));
    }

    #[test]
    fn one_is_not_one_of_many_and_they_are_no_mother() {
        let d = analyze(
            "Nearly all Republican senators said they would vote no. The senator from Alaska \
             said she would vote yes.",
        );
        let (sp, _) = speaker_of(&d, "said");
        assert!(!sp.name.contains("Republican"), "{sp:?}");
        let d = analyze("Her mom said the school was closed. They said the buses would not run.");
        let (sp, _) = speaker_of(&d, "said");
        assert_ne!(sp.name, "Her mom", "{sp:?}");
        // A plural that opens its sentence is still a plural.
        let d = analyze("Officials said the bridge was closed. They said it would reopen.");
        let (sp, _) = speaker_of(&d, "said");
        assert_eq!(sp.name, "Officials", "{sp:?}");
    }

    #[test]
    fn the_antecedent_is_the_name_not_the_whole_earlier_source() {
        let d = analyze(
            "Lydia Buchtmann for Food Standards Australia said the salt was safe. She said \
             bakers would use it.",
        );
        let (sp, ant) = speaker_of(&d, "said");
        assert_eq!(sp.name, "Lydia Buchtmann", "{sp:?}");
        assert_eq!(ant.as_deref(), Some("Lydia Buchtmann"));
        let d = analyze("Mayor Bill de Blasio spoke on Monday. De Blasio said the city was safe.");
        let (sp, ant) = speaker_of(&d, "said");
        assert_eq!(ant.as_deref(), Some("Bill de Blasio"));
        // The title before the name is the role.
        assert_eq!(sp.role.as_deref(), Some("Mayor"), "{sp:?}");
        assert_eq!(
            sp.kind,
            crate::doc::SpeakerKind::GovernmentOfficial,
            "{sp:?}"
        );
    }
}
