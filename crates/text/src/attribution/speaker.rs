//! Speakers, channels and addressees: who the source is, through what medium, to whom.
//!
//! A speaker is described from its mention: the named entity inside it gives the canonical
//! name ("Georgy Zinoviev"), the words before the name its role ("Russian Ambassador to South
//! Korea"), the head word its kind through `data/attribution/speakers.tsv` ("envoy" ->
//! diplomat), a nationality or place its country. Mentions that do not name anyone ("the
//! official", "he", "the North") are first resolved to an earlier mention by [`super::resolve`].
//! A source that is a medium ("A statement posted on the ministry website") is not who speaks:
//! its owner is, through that medium as channel, because a fact-checker asks who stands behind
//! the words, not where they were posted. All of it is rules over lexicons: the kinds are a closed, hand-made set that no corpus we
//! have annotates.

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
/// ministry's statement"), a modifier that names someone ("A Foreign Ministry statement", not "A Facebook post"), the
/// words after "by" or "from" ("a report by the watchdog"), or the owner of the site it was put
/// on ("posted on the ministry website", "on the website of the ministry"). "The ministry
/// website said" is the ministry speaking through its website.
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
    let opens = cx
        .doc
        .token_text(start)
        .chars()
        .next()
        .is_some_and(char::is_uppercase)
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
    let mut i = r.start;
    let mut best = None;
    while i < r.end {
        match LEXICONS.kinds.longest_at(&cx.lower, i, r.end) {
            Some((len, k)) => {
                best = Some(k);
                i += len;
            }
            None => i += 1,
        }
    }
    best
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
    let ent_range = |e: usize| -> Range<usize> {
        let s = entities[e].span;
        cx.doc.token_at(s.start)..cx.doc.token_at(s.end)
    };
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
        .find_map(|&e| entities[e].country.clone());
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
    } else if let Some(p) = ents.iter().copied().find(|&e| {
        // A possessor is not the speaker: "Putin's spokesman Dmitry Peskov" is Peskov, and
        // "Valdora's defence ministry" (a place the recognizer took for a person) the ministry.
        let after = ent_range(e).end;
        entities[e].label == EntityType::Person
            && !(after < r.end && matches!(cx.lower[after].as_str(), "'s" | "\u{2019}s"))
    }) {
        let pr = ent_range(p);
        sp.name = cx.text(pr.clone()).to_string();
        let mut role_end = pr.start;
        while role_end > start && cx.is_punct(role_end - 1) {
            role_end -= 1;
        }
        if role_end > start {
            sp.role = Some(cx.text(start..role_end).to_string());
        }
        sp.kind = match lexical {
            None => SpeakerKind::Person,
            Some(SpeakerKind::Government) => SpeakerKind::GovernmentOfficial,
            Some(k) => k,
        };
    } else if let Some((title_end, name)) = titled_name(cx, start..r.end) {
        // The recognizer can miss a name after a title it does not know ("UN
        // Secretary-General Antonio Guterres" read as one organization).
        sp.name = cx.text(name).to_string();
        sp.role = Some(cx.text(start..title_end).to_string());
        sp.kind = match lexical {
            None => SpeakerKind::Person,
            Some(SpeakerKind::Government) => SpeakerKind::GovernmentOfficial,
            Some(k) => k,
        };
    } else if let Some((agency, kind)) = agency_in(cx, r.clone()) {
        sp.name = agency;
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

/// How many words a name after a title may have ("Antonio Guterres", "Ali Reza Khan").
const MAX_NAME_WORDS: usize = 3;

/// A name right after a title at the end of a mention's head ("UN Secretary-General | Antonio
/// Guterres"): where the title ends and the name's tokens. The titles are those the recognizer
/// knows (`data/person_titles.txt`) and compounds of them ("Secretary-General"), read here
/// rather than added to that list, which the recognizer's weights were trained with; the name
/// is one to three capitalized proper nouns that are no time or place.
fn titled_name(cx: &Ctx, r: Range<usize>) -> Option<(usize, Range<usize>)> {
    let g = Gazetteer::get();
    let head_end = head_word(cx, r.clone())? + 1;
    let is_title = |i: usize| {
        let w = cx.doc.token_text(i);
        g.is_title(w) || w.contains('-') && w.split('-').all(|p| g.is_title(p))
    };
    let end = (r.start..head_end).rev().find(|&i| is_title(i))? + 1;
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
                && cx
                    .doc
                    .token_text(i)
                    .chars()
                    .next()
                    .is_some_and(char::is_uppercase)
                && cx.tag(i) == Some(Upos::PROPN)
                && !cx.in_time[i]
                && !place(i)
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
    let Some(rel) = r
        .clone()
        .skip(1)
        .find(|&i| matches!(cx.lower[i].as_str(), "who" | "whom" | "which") || appositive(i))
    else {
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
