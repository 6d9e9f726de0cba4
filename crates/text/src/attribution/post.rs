//! The deterministic post-pass over the tagger's spans: conventions the perceptron gets wrong
//! in a way a rule gets right, then nesting, kind, speaker, channel and addressee.
//!
//! The taggers decide *where* attributions are; this pass decides what they *mean*, from
//! layers the taggers do not read (entities, the lexicons in `data/attribution/`). Working in
//! token ranges, it fixes span conventions first (a cue does not swallow "on condition of
//! anonymity"; "Z, Y said in a post." gives Y the whole of Z; "X said A and claimed B" shares
//! X), because nesting and speakers read the corrected spans. Every step is one pass over the
//! attributions with bounded look-around, so the pass stays linear in the text.

use super::lexicons::LEXICONS;
use super::{nesting, quotes, speaker};
use crate::doc::{Attribution, AttributionKind, Doc, Span, Speaker, TokenKind, Upos};
use std::ops::Range;

/// Token ranges in a channel or anonymity phrase.
pub const MARK_ANON: u8 = 1;
pub const MARK_CHANNEL: u8 = 2;

/// What every rule reads about the document, computed once.
pub struct Ctx<'a> {
    pub doc: &'a Doc,
    pub lower: Vec<String>,
    pub sent_of: Vec<usize>,
    pub quote: Vec<u32>,
    pub marks: Vec<u8>,
    /// Channel phrases: token range and the medium's name.
    pub channels: Vec<(Range<usize>, String)>,
    /// Per token, the index of the entity covering it (`usize::MAX` outside entities).
    pub entity_at: Vec<usize>,
    /// Per token, the index of a time expression covering it.
    pub in_time: Vec<bool>,
}

impl<'a> Ctx<'a> {
    pub fn new(doc: &'a Doc) -> Ctx<'a> {
        let n = doc.tokens.len();
        let lower: Vec<String> = (0..n)
            .map(|i| doc.token_text(i).to_lowercase().replace('’', "'"))
            .collect();
        let mut sent_of = vec![0usize; n];
        for (si, s) in doc.sentences.iter().enumerate() {
            for t in s.tokens.clone() {
                if let Some(x) = sent_of.get_mut(t) {
                    *x = si;
                }
            }
        }
        let mut entity_at = vec![usize::MAX; n];
        for (k, e) in doc.entities.iter().flatten().enumerate() {
            let mut i = doc.token_at(e.span.start);
            while i < n && doc.tokens[i].start < e.span.end {
                entity_at[i] = k;
                i += 1;
            }
        }
        let mut in_time = vec![false; n];
        for t in doc.times.iter().flatten() {
            let mut i = doc.token_at(t.span.start);
            while i < n && doc.tokens[i].start < t.span.end {
                in_time[i] = true;
                i += 1;
            }
        }
        let mut cx = Ctx {
            doc,
            lower,
            sent_of,
            quote: quotes::regions(doc),
            marks: vec![0; n],
            channels: Vec::new(),
            entity_at,
            in_time,
        };
        cx.find_phrases();
        cx
    }

    fn find_phrases(&mut self) {
        let lx = &*LEXICONS;
        let n = self.lower.len();
        let mut i = 0;
        while i < n {
            let end = self.sentence(i).end;
            if let Some((len, ())) = lx.anonymity.longest_at(&self.lower, i, end) {
                for m in &mut self.marks[i..i + len] {
                    *m |= MARK_ANON;
                }
                i += len;
                continue;
            }
            if let Some((r, name)) = self.channel_at(i, end) {
                for m in &mut self.marks[r.clone()] {
                    *m |= MARK_CHANNEL;
                }
                i = r.end;
                self.channels.push((r, name));
                continue;
            }
            i += 1;
        }
    }

    /// A channel phrase starting at token `i`: "in a Facebook post", "on Telegram", "told
    /// reporters".
    fn channel_at(&self, i: usize, end: usize) -> Option<(Range<usize>, String)> {
        let lx = &*LEXICONS;
        let w = self.lower[i].as_str();
        if is_told(w) {
            let (len, ()) = lx.audiences.longest_at(&self.lower, i + 1, end)?;
            return Some((i..i + 1 + len, self.text(i + 1..i + 1 + len).to_string()));
        }
        if !is_channel_preposition(w) {
            return None;
        }
        let mut j = i + 1;
        if j < end
            && matches!(
                self.lower[j].as_str(),
                "a" | "an" | "the" | "his" | "her" | "its" | "their" | "our"
            )
        {
            j += 1;
        }
        if w == "on" {
            if let Some((len, ())) = lx.platforms.longest_at(&self.lower, j, end) {
                return Some((i..j + len, self.text(j..j + len).to_string()));
            }
        }
        for m in j..(j + 4).min(end) {
            if let Some((len, ())) = lx.media.longest_at(&self.lower, m, end) {
                // "post on Telegram": the platform belongs to the channel.
                let mut stop = m + len;
                if stop < end && self.lower[stop] == "on" {
                    if let Some((l2, ())) = lx.platforms.longest_at(&self.lower, stop + 1, end) {
                        stop += 1 + l2;
                    }
                }
                return Some((i..stop, self.text(j..stop).to_string()));
            }
            // Only modifiers come before the medium ("in a lengthy Facebook post"): "on Monday
            // | denied the report" is no channel.
            if self.doc.tokens[m].kind != TokenKind::Word
                || matches!(
                    self.tag(m),
                    Some(
                        Upos::VERB | Upos::AUX | Upos::ADP | Upos::SCONJ | Upos::CCONJ | Upos::PRON
                    )
                )
            {
                break;
            }
        }
        None
    }

    pub fn sentence(&self, i: usize) -> Range<usize> {
        self.doc
            .sentences
            .get(self.sent_of.get(i).copied().unwrap_or(0))
            .map(|s| s.tokens.clone())
            .unwrap_or(0..self.lower.len())
    }

    pub fn tag(&self, i: usize) -> Option<Upos> {
        self.doc.tags.as_ref().and_then(|t| t.get(i).copied())
    }

    /// Whether token `i` starts with a capital letter.
    pub fn capitalized(&self, i: usize) -> bool {
        self.doc
            .token_text(i)
            .chars()
            .next()
            .is_some_and(char::is_uppercase)
    }

    pub fn is_punct(&self, i: usize) -> bool {
        matches!(
            self.doc.tokens[i].kind,
            TokenKind::Punct | TokenKind::Dash | TokenKind::Quote
        )
    }

    /// The text from the first token of `r` to its last.
    pub fn text(&self, r: Range<usize>) -> &str {
        if r.is_empty() || r.end > self.doc.tokens.len() {
            return "";
        }
        &self.doc.text[self.doc.tokens[r.start].start..self.doc.tokens[r.end - 1].end]
    }

    pub fn span(&self, r: &Range<usize>) -> Span {
        Span::new(
            self.doc.tokens[r.start].start,
            self.doc.tokens[r.end - 1].end,
        )
    }

    fn tokens_of(&self, s: Span) -> Option<Range<usize>> {
        let r = self.span_tokens(s);
        (r.start < r.end && r.end <= self.lower.len()).then_some(r)
    }

    /// The tokens a byte span covers (an entity's, an antecedent's).
    pub fn span_tokens(&self, s: Span) -> Range<usize> {
        self.doc.token_at(s.start)..self.doc.token_at(s.end)
    }
}

/// One attribution being refined, in token ranges.
pub struct Work {
    pub source: Option<Range<usize>>,
    pub cue: Range<usize>,
    pub content: Vec<Range<usize>>,
    pub kind: AttributionKind,
    pub speaker: Option<Speaker>,
    pub addressee: Option<Range<usize>>,
    pub channel: Option<(Range<usize>, String)>,
    pub nested_in: Option<usize>,
    /// An anonymity phrase goes with this attribution.
    pub anonymous: bool,
}

/// Refines the tagger's attributions: span conventions, nesting, kind, speakers, channels and
/// addressees.
pub fn refine(doc: &Doc, atts: Vec<Attribution>) -> Vec<Attribution> {
    if doc.tokens.is_empty() || atts.is_empty() {
        return atts;
    }
    let cx = Ctx::new(doc);
    let mut w: Vec<Work> = atts
        .iter()
        .filter_map(|a| {
            Some(Work {
                source: a.source.and_then(|s| cx.tokens_of(s)),
                cue: cx.tokens_of(a.cue)?,
                content: a.content.iter().filter_map(|&s| cx.tokens_of(s)).collect(),
                kind: a.kind,
                speaker: None,
                addressee: None,
                channel: None,
                nested_in: None,
                anonymous: false,
            })
        })
        .collect();
    // "on condition of anonymity" is never a cue, though a tagger may take a piece of it for
    // one.
    w.retain(|a| !a.cue.clone().all(|i| cx.marks[i] & MARK_ANON != 0));
    // "a blogger named @rvvoenkor_bot" names someone; it reports nothing.
    w.retain(|a| !naming(&cx, &a.cue));
    conventions(&cx, &mut w);
    posted_medium(&cx, &mut w);
    // "in a video posted on Telegram": a medium with nothing said is a channel, not a speaker.
    w.retain(|a| {
        !(a.content.is_empty()
            && a.source
                .as_ref()
                .is_some_and(|s| s.clone().all(|i| cx.marks[i] & MARK_CHANNEL != 0)))
    });
    nesting::link(&cx, &mut w);
    noun_claims_in_content(&cx, &mut w);
    extend_all(&cx, &mut w);
    whole_quotations(&cx, &mut w);
    quotes_around_cue(&cx, &mut w);
    one_sided_quotes(&cx, &mut w);
    parenthetical(&cx, &mut w);
    intro_clause(&cx, &mut w);
    leading_that(&cx, &mut w);
    nesting::kinds(&cx, &mut w);
    speaker::assign(&cx, &mut w);
    told_the_reporter(&cx, &mut w);
    // Rules append the pieces they find; a reader wants them in the order of the text.
    for a in &mut w {
        a.content.sort_by_key(|r| r.start);
    }
    w.into_iter()
        .map(|a| Attribution {
            source: a.source.as_ref().map(|r| cx.span(r)),
            cue: cx.span(&a.cue),
            content: a.content.iter().map(|r| cx.span(r)).collect(),
            kind: a.kind,
            speaker: a.speaker,
            addressee: a.addressee.as_ref().map(|r| cx.span(r)),
            channel: a.channel.map(|(r, name)| crate::doc::Channel {
                span: cx.span(&r),
                name,
            }),
            nested_in: a.nested_in,
        })
        .collect()
}

/// A cue that is "named" between "a" noun and a name: "a blogger named X". PolNeAR has "named"
/// as a cue where it means "mentioned" ("55 percent named Britain"), and "called" where it
/// means "said to be" ("Trump called Clinton a liar"); both stay.
fn naming(cx: &Ctx, cue: &Range<usize>) -> bool {
    cue.len() == 1
        && cx.lower[cue.start] == "named"
        && cue.start > 1
        && matches!(cx.tag(cue.start - 1), Some(Upos::NOUN))
        && matches!(cx.lower[cue.start - 2].as_str(), "a" | "an")
        && cue.end < cx.lower.len()
        && (cx.doc.tokens[cue.end].kind == TokenKind::Handle
            || cx.tag(cue.end) == Some(Upos::PROPN))
}

/// "The ministry rejected the accusation that Seoul fabricated the photos": inside another's
/// content, a noun of the `[noun-that]` lexicon followed by "that" and a clause is a claim of its
/// own, with the clause as its content, the possessor as its source where there is one
/// ("Seoul's claim that ..."), none otherwise, and nested in the outer attribution. Added
/// after the outer ones, so their indices (and `nested_in`) stay as they are.
fn noun_claims_in_content(cx: &Ctx, w: &mut Vec<Work>) {
    let is_cue = cue_mask(cx, w);
    let mut found = Vec::new();
    for (k, a) in w.iter().enumerate() {
        for r in &a.content {
            let stop = r.end.saturating_sub(2).max(r.start);
            for (i, &cue) in is_cue.iter().enumerate().take(stop).skip(r.start) {
                if cue
                    || !LEXICONS.noun_that.contains(&cx.lower[i])
                    || cx.lower[i + 1] != "that"
                    || !matches!(cx.tag(i), Some(Upos::NOUN))
                {
                    continue;
                }
                let sent = cx.sentence(i);
                let mut end = r.end.min(sent.end);
                // Where the noun phrase is a subject, the outer verb follows the clause's own:
                // "the claim that the border was closed | is false".
                if let Some(j) = (i + 3..end).find(|&j| {
                    cx.tag(j - 1) == Some(Upos::VERB)
                        && matches!(cx.tag(j), Some(Upos::AUX | Upos::VERB))
                }) {
                    end = j;
                }
                let clause = i + 1..end;
                // "that" opens a clause here, not a noun phrase ("the claim that day").
                if !clause
                    .clone()
                    .any(|j| matches!(cx.tag(j), Some(Upos::VERB | Upos::AUX)))
                {
                    continue;
                }
                found.push(Work {
                    source: possessor(cx, i),
                    cue: i..i + 1,
                    content: vec![clause],
                    kind: AttributionKind::Indirect,
                    speaker: None,
                    addressee: None,
                    channel: None,
                    nested_in: Some(k),
                    anonymous: false,
                });
            }
        }
    }
    w.extend(found);
}

/// "A statement posted on the ministry website said ...": the tagger can read "posted on" as a
/// cue of its own, with "A statement" as its source and the site as the source of "said". The
/// statement is how the site's owner spoke, so the later source takes it back (the speaker pass
/// then finds the owner and the channel in it) and the stray cue goes.
fn posted_medium(cx: &Ctx, w: &mut Vec<Work>) {
    let mut gone = vec![false; w.len()];
    for k in 0..w.len() {
        let a = &w[k];
        let Some(s) = a.source.clone() else { continue };
        let medium = speaker::head_word(cx, s.clone()).is_some_and(|h| {
            (s.start..=h).any(|i| {
                LEXICONS
                    .media
                    .longest_at(&cx.lower, i, h + 1)
                    .is_some_and(|(len, ())| i + len == h + 1)
            })
        });
        if !medium
            || !matches!(cx.lower[a.cue.end - 1].as_str(), "on" | "in")
            || a.content.iter().any(|r| r.start < a.cue.end)
        {
            continue;
        }
        let sent = cx.sentence(a.cue.start);
        let site_words = |os: &Range<usize>| {
            (a.cue.end..os.start).all(|i| !cx.is_punct(i) || cx.lower[i] == "'s")
        };
        let next = (k + 1..w.len().min(k + 4)).find(|&o| {
            w[o].source.as_ref().is_some_and(|os| {
                os.start >= a.cue.end
                    && os.start <= a.cue.end + 4
                    && os.end <= w[o].cue.start
                    && w[o].cue.end <= sent.end
                    && site_words(os)
            })
        });
        if let Some(os) = next.and_then(|o| w[o].source.as_mut()) {
            os.start = s.start;
            gone[k] = true;
        }
    }
    if !gone.contains(&true) {
        return;
    }
    let mut index = Vec::with_capacity(w.len());
    let mut n = 0;
    for &g in &gone {
        index.push((!g).then_some(n));
        n += usize::from(!g);
    }
    let mut k = 0;
    w.retain(|_| {
        k += 1;
        !gone[k - 1]
    });
    for a in w.iter_mut() {
        a.nested_in = a.nested_in.and_then(|j| index.get(j).copied().flatten());
    }
}

/// The names before "'s" that end right before token `noun`: "Seoul's | claim".
fn possessor(cx: &Ctx, noun: usize) -> Option<Range<usize>> {
    let s = noun.checked_sub(1)?;
    if !matches!(cx.lower[s].as_str(), "'s" | "’s") {
        return None;
    }
    let mut b = s;
    while b > 0 && cx.sent_of[b - 1] == cx.sent_of[s] && matches!(cx.tag(b - 1), Some(Upos::PROPN))
    {
        b -= 1;
    }
    (b < s).then_some(b..s)
}

/// How far, in attributions, "told X" looks for an attribution of X's.
const TOLD_REACH: usize = 20;

/// "“Z,” Kim told Yonhap." where Yonhap has an attribution of its own nearby ("Yonhap reported
/// ..."): Kim's words reached the article through Yonhap, so Kim's attribution is nested in
/// the nearest of Yonhap's, earlier ones first.
fn told_the_reporter(cx: &Ctx, w: &mut [Work]) {
    // Names compared lowercased and without a leading "the": "the Financial Times" is told
    // what "Financial Times" reported.
    let key = |n: &str| {
        let n = n.to_lowercase();
        n.strip_prefix("the ").map_or(n.clone(), str::to_string)
    };
    let names: Vec<[Option<String>; 2]> = w
        .iter()
        .map(|a| {
            [
                a.speaker.as_ref().map(|s| key(&s.name)),
                a.source.as_ref().map(|s| key(cx.text(s.clone()))),
            ]
        })
        .collect();
    for k in 0..w.len() {
        if w[k].nested_in.is_some() {
            continue;
        }
        let Some(to) = w[k].addressee.as_ref().map(|r| key(cx.text(r.clone()))) else {
            continue;
        };
        let is_x = |o: usize| {
            o != k
                && w[o].nested_in != Some(k)
                && names[o].iter().any(|n| n.as_deref() == Some(to.as_str()))
        };
        let earlier = (k.saturating_sub(TOLD_REACH)..k).rev().find(|&o| is_x(o));
        let later = || (k + 1..w.len().min(k + 1 + TOLD_REACH)).find(|&o| is_x(o));
        if let Some(o) = earlier.or_else(later) {
            w[k].nested_in = Some(o);
        }
    }
}

/// Removes the tokens for which `drop` holds from `ranges`, splitting them where needed.
pub fn subtract(ranges: &mut Vec<Range<usize>>, drop: impl Fn(usize) -> bool) {
    let mut out = Vec::with_capacity(ranges.len());
    for r in ranges.drain(..) {
        let mut start = r.start;
        for i in r.clone() {
            if drop(i) {
                if start < i {
                    out.push(start..i);
                }
                start = i + 1;
            }
        }
        if start < r.end {
            out.push(start..r.end);
        }
    }
    *ranges = out;
}

/// How many auxiliaries, particles and adverbs a cue may take in on either side.
const MAX_VERB_GROUP: usize = 3;

/// Auxiliaries, negation and "also", which PolNeAR cues take in almost always ("also said");
/// other adverbs only alone ("repeatedly linked"), so that a run of them ("the North still
/// adamantly denies") stays outside, as the seed's expected output has it.
fn is_verb_group_word(cx: &Ctx, i: usize) -> bool {
    // A name the tagger took for an adverb ("Yonhap reported") is the subject.
    if cx.entity_at[i] != usize::MAX {
        return false;
    }
    match cx.tag(i) {
        Some(Upos::AUX) => true,
        Some(Upos::PART | Upos::ADV)
            if matches!(cx.lower[i].as_str(), "also" | "not" | "n't" | "never") =>
        {
            true
        }
        Some(Upos::ADV) => i == 0 || !matches!(cx.tag(i - 1), Some(Upos::ADV)),
        _ => false,
    }
}

/// PolNeAR cues are whole verb groups: "has said", "would not say", "also noted". On the train
/// split a cue takes in the auxiliary or adverb right before it in over 95% of cases, so the cue
/// grows left over them; and a cue the tagger ended on an auxiliary ("is | warning") grows
/// right to its verb. Source and content give up the tokens the cue takes.
fn verb_group(cx: &Ctx, a: &mut Work, sent: &Range<usize>) {
    let mut start = a.cue.start;
    while start > sent.start
        && a.cue.start - start < MAX_VERB_GROUP
        && is_verb_group_word(cx, start - 1)
    {
        start -= 1;
    }
    let mut end = a.cue.end;
    if is_verb_group_word(cx, end - 1) {
        let mut e = end;
        while e < sent.end && e - end < MAX_VERB_GROUP && is_verb_group_word(cx, e) {
            e += 1;
        }
        if e < sent.end && matches!(cx.tag(e), Some(Upos::VERB)) {
            end = e + 1;
        }
    }
    if start == a.cue.start && end == a.cue.end {
        return;
    }
    a.cue = start..end;
    let cue = a.cue.clone();
    if let Some(s) = &mut a.source {
        if s.start < cue.end && cue.start < s.end {
            if s.start < cue.start {
                s.end = cue.start;
            } else {
                s.start = cue.end.min(s.end);
            }
        }
    }
    if a.source.as_ref().is_some_and(|s| s.is_empty()) {
        a.source = None;
    }
    subtract(&mut a.content, |i| cue.contains(&i));
}

/// A cue that begins with a name and then has its verb ("Yonhap reported") took in its
/// subject: the name is the source. Only a named entity moves: a noun before the verb is the
/// cue in PolNeAR ("his remarks | indicated", "Rubio's response | was").
fn subject_out_of_cue(cx: &Ctx, a: &mut Work) {
    let names = a
        .cue
        .clone()
        .take_while(|&i| cx.entity_at[i] != usize::MAX && !cx.in_time[i])
        .count();
    let verb_follows = names > 0
        && a.cue.start + names < a.cue.end
        && matches!(cx.tag(a.cue.start + names), Some(Upos::VERB | Upos::AUX));
    let source_free = a.source.as_ref().is_none_or(|s| s.end == a.cue.start);
    if verb_follows && source_free {
        let name = a.cue.start..a.cue.start + names;
        a.source = Some(a.source.as_ref().map_or(name.start, |s| s.start)..name.end);
        a.cue.start = name.end;
    }
}

/// A preposition or particle right after a cue, where the content begins, belongs to the cue
/// in PolNeAR ("talked | about the plan", "called | for reform"): on PolNeAR train it is
/// the cue's about four times in five. "to" is left out: it opens the content ("wants to
/// triple the program") more often than it closes the cue.
fn cue_particle(cx: &Ctx, a: &mut Work) {
    // The tagger's own cue may end on such a word before a number or a date: "says about |
    // 4,000 marines", "acknowledged on | Thursday that". The number opens the content; the
    // date is neither.
    if a.cue.len() > 1 && is_particle(&cx.lower[a.cue.end - 1]) {
        let last = a.cue.end - 1;
        let number = matches!(cx.tag(a.cue.end), Some(Upos::NUM));
        if number || cx.in_time.get(a.cue.end).is_some_and(|&t| t) {
            a.cue.end = last;
            if let Some(r) = a.content.iter_mut().find(|r| r.start == last + 1) {
                if number {
                    r.start = last;
                }
            }
            return;
        }
    }
    let e = a.cue.end;
    let Some(r) = a.content.iter_mut().find(|r| r.start == e && r.len() > 1) else {
        return;
    };
    // "said about 2,000 marines", "acknowledged on Tuesday that": a number or a date follows,
    // so the word belongs to the content.
    let next = e + 1;
    if matches!(cx.tag(next), Some(Upos::NUM)) || cx.in_time.get(next).is_some_and(|&t| t) {
        return;
    }
    if is_particle(&cx.lower[e]) {
        a.cue.end = e + 1;
        r.start = e + 1;
    }
}

/// The words a channel phrase opens with: "told | reporters", "in | a Facebook post".
pub fn is_told(w: &str) -> bool {
    matches!(w, "told" | "tells" | "tell" | "telling")
}

pub fn is_channel_preposition(w: &str) -> bool {
    matches!(w, "in" | "on" | "via" | "through" | "during")
}

fn is_particle(w: &str) -> bool {
    matches!(
        w,
        "about" | "for" | "of" | "on" | "out" | "over" | "against" | "with" | "into" | "up"
    )
}

fn is_conj(w: &str) -> bool {
    matches!(w, "and" | "but" | "or")
}

/// Span conventions, one attribution at a time, in text order.
fn conventions(cx: &Ctx, w: &mut [Work]) {
    for a in w.iter_mut() {
        let sent = cx.sentence(a.cue.start);
        subject_taken_for_content(cx, a);
        subject_out_of_cue(cx, a);
        verb_group(cx, a, &sent);
        cue_particle(cx, a);
        // A cue stops where an anonymity or channel phrase begins: "said | on condition of
        // anonymity".
        if let Some(cut) = (a.cue.start + 1..a.cue.end).find(|&i| cx.marks[i] != 0) {
            a.cue.end = cut;
        }
        // Anonymity phrases are neither content nor source; they mark the speaker.
        a.anonymous = sent.clone().any(|i| cx.marks[i] & MARK_ANON != 0);
        subtract(&mut a.content, |i| cx.marks[i] & MARK_ANON != 0);
        // Nor is a channel phrase the content: "said in | a Facebook post".
        a.content
            .retain(|r| !r.clone().all(|i| cx.marks[i] & MARK_CHANNEL != 0));
        if let Some(s) = &a.source {
            if s.clone().all(|i| cx.marks[i] & MARK_ANON != 0) {
                a.source = None;
            }
        }
        // Nor is it the source: "The ministry | in a statement | denied".
        if let Some(s) = &mut a.source {
            let starts = cx.channels.iter().map(|(r, _)| r.start);
            if let Some(cut) = starts.filter(|&c| s.start < c && c < s.end).min() {
                s.end = cut;
                while s.end > s.start + 1 && cx.is_punct(s.end - 1) {
                    s.end -= 1;
                }
            }
        }
        // "a senior official who asked not to be named told AFP": the tagger takes the
        // anonymity phrase next to the cue for the source, or a piece of the clause ("a senior
        // official, who"); the speaker is the noun phrase before the phrase.
        // A reason may follow the phrase ("who spoke on condition of anonymity because the
        // talks were private said"): the phrase ends before it, and a cue the tagger began
        // inside it ("were private said") begins at its verb.
        let reason = anonymity_reason(cx, a.cue.start, &sent);
        if reason.is_some() {
            if let Some(v) = a.cue.clone().rev().find(|&i| cx.tag(i) == Some(Upos::VERB)) {
                a.cue.start = v;
            }
        }
        if let Some(np) = before_anonymity(cx, reason.unwrap_or(a.cue.start), &sent) {
            // A source that takes in the phrase ("two people familiar with the matter") stays;
            // a piece of the noun phrase ("a | senior official") does not.
            let broken = a.source.as_ref().is_none_or(|s| {
                s.start >= np.end
                    || matches!(cx.lower[s.end - 1].as_str(), "who" | "," | "which")
                    || s.start >= np.start && s.end < np.end
            });
            if broken {
                a.source = Some(np);
            }
        }
        // An expletive "it" before a passive cue is no one: "It is widely believed that ..."
        // has no source, while "It said that ..." (a ministry, say) keeps its own.
        if let Some(s) = &a.source {
            if s.len() == 1 && cx.lower[s.start] == "it" && passive(cx, &a.cue) {
                a.source = None;
            }
        }
        // A source does not end on an adverb: "the North | still denies".
        if let Some(s) = &mut a.source {
            while s.len() > 1 && matches!(cx.tag(s.end - 1), Some(Upos::ADV)) {
                s.end -= 1;
            }
        }
        // A source takes its article: "A team of investigators", not "team of investigators".
        if let Some(s) = &mut a.source {
            if s.start > 0
                && cx.sent_of[s.start - 1] == cx.sent_of[s.start]
                && matches!(cx.lower[s.start - 1].as_str(), "a" | "an" | "the")
                && !a.cue.contains(&(s.start - 1))
            {
                s.start -= 1;
            }
        }
        let src = a.source.clone();
        a.content.retain(|r| {
            let lone_article =
                r.len() == 1 && matches!(cx.lower[r.start].as_str(), "a" | "an" | "the");
            let in_source = src
                .as_ref()
                .is_some_and(|s| s.start <= r.start && r.end <= s.end);
            !lone_article && !in_source
        });
        // Content does not start on a conjunction whose first conjunct the tagger left
        // between it and the cue: "said | between 3,000 | and 5,000 troops had arrived".
        let cue_end = a.cue.end;
        for r in &mut a.content {
            let gap = cue_end..r.start;
            if r.start > cue_end
                && gap.len() <= 4
                && cx.tag(r.start) == Some(Upos::CCONJ)
                && gap
                    .clone()
                    .all(|i| !cx.is_punct(i) && cx.marks[i] == 0 && !cx.in_time[i])
            {
                r.start = cue_end;
            }
        }
        // Content does not end on a conjunction or punctuation that leads to the next cue.
        for r in &mut a.content {
            while r.len() > 1
                && (is_conj(&cx.lower[r.end - 1])
                    || matches!(
                        cx.doc.tokens[r.end - 1].kind,
                        TokenKind::Punct | TokenKind::Dash
                    ))
            {
                r.end -= 1;
            }
        }
        a.content.retain(|r| !r.is_empty());
    }
    shared_sources(cx, w);
    citing_aside(cx, w);
    postposed(cx, w);
}

/// "..., the French Embassy in Tokyo said." with no source and that noun phrase as the content:
/// the parser, trained on web text that has few postposed speakers, can hang the phrase under
/// the clause before it, and the role tagger follows the parse. A short noun phrase between a
/// comma and a verb of saying, with no content after it, is the source; [`postposed`] then gives
/// the clause before the comma as the content.
fn subject_taken_for_content(cx: &Ctx, a: &mut Work) {
    // Only a verb of saying: before "was released" or "announced earlier" a noun phrase is
    // what was released or announced.
    let saying = a
        .cue
        .clone()
        .any(|i| LEXICONS.interjection_cues.contains(&cx.lower[i]));
    if !saying || a.content.iter().any(|r| r.start >= a.cue.end) {
        return;
    }
    // The piece may run up to the cue, or up to a source that the tagger split off the same
    // phrase: "the defence ministry of | neighbouring | Valdora | said".
    let joins = |r: &Range<usize>, s: &Range<usize>| {
        s.start >= r.end && s.start - r.end <= 2 && !(r.end..s.start).any(|i| cx.is_punct(i))
    };
    let tail = |r: &Range<usize>| match &a.source {
        Some(s) if joins(r, s) => s.end,
        _ => r.end,
    };
    let Some(k) = a.content.iter().position(|r| {
        r.end <= a.cue.start
            && (tail(r)..a.cue.start).all(|i| matches!(cx.tag(i), Some(Upos::ADV | Upos::AUX)))
    }) else {
        return;
    };
    let mut r = a.content[k].clone();
    match &a.source {
        None => {}
        Some(s) if joins(&r, s) && s.end <= a.cue.start => r.end = s.end,
        // Or it left the phrase's article as the source: "the | French Embassy in Tokyo".
        Some(s) if s.len() == 1 && s.end == r.start && cx.tag(s.start) == Some(Upos::DET) => {
            r.start = s.start;
        }
        Some(_) => return,
    }
    if r.start > 0
        && cx.sent_of[r.start - 1] == cx.sent_of[r.start]
        && matches!(cx.lower[r.start - 1].as_str(), "a" | "an" | "the")
    {
        r.start -= 1;
    }
    let mut b = r.start;
    while b > 0 && cx.doc.tokens[b - 1].kind == TokenKind::Quote {
        b -= 1;
    }
    let after_comma = b > 0 && cx.lower[b - 1] == "," && cx.sent_of[b - 1] == cx.sent_of[r.start];
    let noun_phrase = r.len() <= 8
        && matches!(
            cx.tag(r.start),
            Some(Upos::DET | Upos::PROPN | Upos::NOUN | Upos::ADJ | Upos::NUM)
        )
        && r.clone().all(|i| {
            // A participle before a noun modifies it: "neighbouring Valdora".
            let modifier = cx.tag(i) == Some(Upos::VERB)
                && i + 1 < r.end
                && matches!(cx.tag(i + 1), Some(Upos::NOUN | Upos::PROPN));
            (modifier
                || !matches!(
                    cx.tag(i),
                    Some(Upos::VERB | Upos::AUX | Upos::PRON | Upos::SCONJ)
                ))
                && !cx.is_punct(i)
        });
    if !(after_comma && noun_phrase) {
        return;
    }
    a.source = Some(r);
    a.content.remove(k);
    if a.content.is_empty() {
        // What was said is the clause before the comma, after any dateline dash or colon;
        // [`postposed`] may still widen it.
        let comma = b - 1;
        let sent = cx.sentence(comma);
        let after_dateline = (sent.start..comma)
            .rev()
            .find(|&i| cx.doc.tokens[i].kind == TokenKind::Dash || cx.lower[i] == ":")
            .map_or(sent.start, |i| i + 1);
        let start = skip_punct(cx, after_dateline, comma);
        if comma > start {
            a.content.push(start..comma);
        }
    }
}

/// "X reported, citing Y, that Z": the taggers give Z to "citing" and leave "reported" empty.
/// Z is what X reported; what X cites is Y (PolNeAR's convention for "citing": the one who
/// cites is the source, what is cited the content). Runs after [`shared_sources`], which gives
/// "citing" the reporter as its source.
fn citing_aside(cx: &Ctx, w: &mut [Work]) {
    let is_cue = cue_mask(cx, w);
    for k in 1..w.len() {
        let (before, rest) = w.split_at_mut(k);
        let (p, a) = (&mut before[k - 1], &mut rest[0]);
        let head = cx.lower[a.cue.start].as_str();
        if !matches!(head, "citing" | "quoting")
            || !p.content.is_empty()
            || a.content.len() != 1
            || p.cue.end + 1 != a.cue.start
            || cx.lower[p.cue.end] != ","
        {
            continue;
        }
        // The taggers may also give Z to no one, "citing" only the cited words: then Z is the
        // "that" clause after the comma, up to the sentence end, with no cue in it.
        let cited = a.content[0].clone();
        if cited.start == a.cue.end && cx.lower.get(cited.end).is_some_and(|c| c == ",") {
            let sent = cx.sentence(a.cue.start);
            let mut last = sent.end;
            while last > cited.end + 1 && cx.is_punct(last - 1) {
                last -= 1;
            }
            let z = cited.end + 1..last;
            if z.len() > 2 && cx.lower[z.start] == "that" && !z.clone().any(|i| is_cue[i]) {
                p.content = vec![z];
                if a.source.is_none() {
                    a.source = p.source.clone();
                }
            }
            continue;
        }
        let z = a.content[0].clone();
        // The cited words run from the cue to the next comma; Z, which the tagger may have
        // started at the cited words, begins after it.
        let Some(comma) = (a.cue.end..z.end).find(|&i| cx.lower[i] == ",") else {
            continue;
        };
        let z = z.start.max(comma + 1)..z.end;
        if comma == a.cue.end || z.is_empty() || cx.sent_of[z.start] != cx.sent_of[a.cue.start] {
            continue;
        }
        p.content = vec![z];
        a.content.clear();
        a.content.push(a.cue.end..comma);
        if a.source.is_none() {
            a.source = p.source.clone();
        }
    }
}

/// The most words a reason given for anonymity may have before the cue.
const MAX_ANONYMITY_REASON: usize = 12;

/// Where a reason clause opened by "because" right after an anonymity phrase begins, when the
/// clause runs up to `cue` without a comma.
fn anonymity_reason(cx: &Ctx, cue: usize, sent: &Range<usize>) -> Option<usize> {
    let floor = cue.saturating_sub(MAX_ANONYMITY_REASON).max(sent.start + 1);
    (floor..cue)
        .rev()
        .take_while(|&b| cx.lower[b] != ",")
        .find(|&b| cx.lower[b] == "because" && cx.marks[b - 1] & MARK_ANON != 0)
}

/// The noun phrase just before an anonymity phrase that ends right before the cue at `cue`
/// ("a senior official | who asked not to be named | told"), commas around the phrase allowed.
fn before_anonymity(cx: &Ctx, cue: usize, sent: &Range<usize>) -> Option<Range<usize>> {
    let mut j = cue;
    while j > sent.start && cx.lower[j - 1] == "," {
        j -= 1;
    }
    if j == sent.start || cx.marks[j - 1] & MARK_ANON == 0 {
        return None;
    }
    while j > sent.start && cx.marks[j - 1] & MARK_ANON != 0 {
        j -= 1;
    }
    while j > sent.start && cx.lower[j - 1] == "," {
        j -= 1;
    }
    let end = j;
    while j > sent.start
        && end - j < 8
        && matches!(
            cx.tag(j - 1),
            Some(Upos::DET | Upos::ADJ | Upos::NOUN | Upos::PROPN | Upos::NUM)
        )
        && cx.doc.tokens[j - 1].kind == TokenKind::Word
    {
        j -= 1;
    }
    let has_head = (j..end).any(|i| matches!(cx.tag(i), Some(Upos::NOUN | Upos::PROPN)));
    (has_head && j < end).then_some(j..end)
}

/// Whether a cue is a passive verb group: a form of "be" and, after it, a verb that is not a
/// present participle ("is widely believed", "has been reported").
fn passive(cx: &Ctx, cue: &Range<usize>) -> bool {
    let be = cue.clone().position(|i| {
        matches!(
            cx.lower[i].as_str(),
            "is" | "was" | "are" | "were" | "be" | "been" | "being" | "'s"
        )
    });
    be.is_some_and(|b| {
        (cue.start + b + 1..cue.end).any(|i| {
            // "It's denouncing ..." is progressive, not passive.
            matches!(cx.tag(i), Some(Upos::VERB)) && !cx.lower[i].ends_with("ing")
        })
    })
}

/// Runs [`extend_to_sentence_end`] over every attribution; after nesting, which may itself
/// extend a content up to the comma.
fn extend_all(cx: &Ctx, w: &mut [Work]) {
    let continuation = &*CONTINUATION;
    let is_cue = cue_mask(cx, w);
    for a in w.iter_mut() {
        extend_to_sentence_end(cx, a, continuation, &is_cue);
    }
}

static CONTINUATION: std::sync::LazyLock<std::collections::HashSet<String>> =
    std::sync::LazyLock::new(|| {
        crate::lexicon::parse_sections(include_str!("../../data/attribution/cues.txt"))
            .remove("continuation")
            .unwrap_or_default()
            .into_iter()
            .collect()
    });

/// "X said A and claimed B", "X dismissed A, arguing B": the second cue shares X.
fn shared_sources(cx: &Ctx, w: &mut [Work]) {
    for k in 1..w.len() {
        let (before, rest) = w.split_at_mut(k);
        let a = &mut rest[0];
        let p = &mut before[k - 1];
        let Some(ps) = p.source.clone() else { continue };
        if cx.sent_of[p.cue.start] != cx.sent_of[a.cue.start]
            || ps.end > p.cue.start
            || p.cue.end > a.cue.start
        {
            continue;
        }
        // Skip adverbs and auxiliaries back from the cue to the linking word.
        let mut j = a.cue.start;
        while j > p.cue.end
            && (matches!(cx.tag(j - 1), Some(Upos::ADV | Upos::AUX | Upos::PART))
                || cx.doc.tokens[j - 1].kind == TokenKind::Quote)
        {
            j -= 1;
        }
        if j == 0 || j <= p.cue.end {
            continue;
        }
        let link = cx.lower[j - 1].as_str();
        let head = cx.lower[a.cue.start].as_str();
        let coordinated = matches!(link, "and" | "but");
        let participle = link == "," && head.ends_with("ing");
        let source_between = a
            .source
            .as_ref()
            .is_none_or(|s| s.start >= p.cue.end && s.end <= a.cue.start);
        if (coordinated || participle) && source_between {
            a.source = Some(ps);
            let stop = j - 1;
            for r in &mut p.content {
                if r.start < stop && r.end > stop {
                    r.end = stop;
                }
            }
            p.content.retain(|r| r.end <= stop || r.start >= a.cue.end);
            // The linking word and whatever the tagger made of it belong to neither.
            if let Some(s) = &a.source {
                let s = s.clone();
                a.content.retain(|r| r.end <= s.start || r.start >= s.end);
            }
        }
    }
}

/// "Z, Y said (in a post)." gives Y the whole of Z, and every cue inside Z is nested in Y's.
fn postposed(cx: &Ctx, w: &mut [Work]) {
    // Cues by position (cues do not move here), so the cues inside Z are found by binary
    // search: scanning every attribution for each postposed one made long documents quadratic.
    let mut by_cue: Vec<(usize, usize)> = w
        .iter()
        .enumerate()
        .map(|(i, a)| (a.cue.start, i))
        .collect();
    by_cue.sort_unstable();
    for k in 0..w.len() {
        let a = &w[k];
        let Some(s) = a.source.clone() else { continue };
        let sent = cx.sentence(a.cue.start);
        if s.end > a.cue.start || s.start < sent.start {
            continue;
        }
        // An anonymity phrase may stand between them: "Z, an official who spoke on condition
        // of anonymity said".
        let between_ok = |i: usize| {
            matches!(cx.tag(i), Some(Upos::ADV | Upos::AUX))
                || cx.marks[i] & MARK_ANON != 0
                || cx.lower[i] == "," && (s.end..a.cue.start).any(|j| cx.marks[j] & MARK_ANON != 0)
        };
        if !(s.end..a.cue.start).all(between_ok) {
            continue;
        }
        // The source follows a comma (and perhaps the quote mark closing the content).
        let mut b = s.start;
        while b > sent.start && cx.doc.tokens[b - 1].kind == TokenKind::Quote {
            b -= 1;
        }
        if b == sent.start || cx.lower[b - 1] != "," {
            continue;
        }
        let comma = b - 1;
        // After the cue only a channel, anonymity, a time or an adverb, then the sentence end;
        // after "told" and its kind, also the one told ("told the Financial Times"), where the
        // tagger found no content at all (elsewhere, PolNeAR dev is better without).
        let addressee = a.content.is_empty()
            && a.cue
                .clone()
                .any(|i| LEXICONS.addressee_cues.contains(&cx.lower[i]));
        let mut e = a.cue.end;
        while e < sent.end
            && (cx.marks[e] != 0
                || cx.in_time[e]
                || matches!(cx.tag(e), Some(Upos::ADV))
                || (addressee
                    && cx.doc.tokens[e].kind == TokenKind::Word
                    && matches!(
                        cx.tag(e),
                        Some(Upos::DET | Upos::ADJ | Upos::NOUN | Upos::PROPN)
                    )))
        {
            e += 1;
        }
        if (e..sent.end).any(|i| !cx.is_punct(i)) {
            continue;
        }
        let start = skip_punct(cx, sent.start, comma);
        if comma - start < 4 {
            continue;
        }
        let a = &mut w[k];
        // A quotation that opened in an earlier sentence keeps its start.
        let start = a
            .content
            .iter()
            .filter(|r| r.start < sent.start && r.end > sent.start)
            .map(|r| r.start)
            .min()
            .unwrap_or(start);
        let cue_end = a.cue.end;
        a.content.retain(|r| r.end <= start || r.start >= cue_end);
        a.content.push(start..comma);
        let from = by_cue.partition_point(|&(c, _)| c < start);
        let to = by_cue.partition_point(|&(c, _)| c < comma);
        for &(_, o) in &by_cue[from..to.max(from)] {
            if o == k {
                continue;
            }
            let other = &mut w[o];
            other.nested_in = Some(k);
            for r in &mut other.content {
                if r.end > comma && r.start < comma {
                    r.end = comma;
                }
            }
            other
                .content
                .retain(|r| !(r.start >= comma && r.start < sent.end));
            if other.source.as_ref().is_some_and(|os| os.start >= comma) {
                other.source = None;
            }
        }
    }
}

/// The first token from `start` (before `end`) that is no punctuation, quote marks excepted: the
/// start of a clause before a postposed speaker, opening quote mark included.
fn skip_punct(cx: &Ctx, mut start: usize, end: usize) -> usize {
    while start < end && cx.is_punct(start) && cx.doc.tokens[start].kind != TokenKind::Quote {
        start += 1;
    }
    start
}

/// A content piece that starts and ends inside one quotation, with its cue outside it, is the
/// whole quotation: PolNeAR takes a quoted passage as one content even when it runs over
/// several sentences ("It's anti-reform. She's layering on even more complexity"), where the
/// role tagger, reading sentence by sentence, often stops at the first full stop. A cue inside
/// the quotation does not stop it: PolNeAR annotates no attribution inside another's content.
fn whole_quotations(cx: &Ctx, w: &mut [Work]) {
    // Each quotation's token range, found once, so the pass stays linear.
    let mut regions: std::collections::HashMap<u32, Range<usize>> = Default::default();
    for (i, &q) in cx.quote.iter().enumerate() {
        if q != 0 {
            regions.entry(q).or_insert(i..i).end = i + 1;
        }
    }
    for a in w.iter_mut() {
        let cue_q = cx.quote[a.cue.start];
        for r in &mut a.content {
            let q = cx.quote[r.start];
            if q == 0 || q == cue_q || cx.quote[r.end - 1] != q {
                continue;
            }
            let Some(region) = regions.get(&q) else {
                continue;
            };
            // Only a quotation closed by its mark: an unbalanced one is no evidence.
            let closed = cx.doc.tokens[region.end - 1].kind == TokenKind::Quote
                && cx.doc.tokens[region.start].kind == TokenKind::Quote;
            if !closed {
                continue;
            }
            let (mut s, mut e) = (region.start, region.end);
            while s < e && cx.is_punct(s) {
                s += 1;
            }
            while e > s && cx.is_punct(e - 1) {
                e -= 1;
            }
            // Both ends of the piece lie in the quotation, so the piece lies inside it.
            if s < e {
                *r = s..e;
            }
        }
        a.content.dedup();
    }
}

/// The tokens of the source and cue together, when the source lies next to the cue.
fn core(cx: &Ctx, a: &Work) -> Range<usize> {
    let mut r = a.cue.clone();
    if let Some(s) = &a.source {
        let gap = if s.end <= r.start {
            r.start - s.end
        } else {
            s.start.saturating_sub(r.end)
        };
        if gap <= 1 && cx.sent_of[s.start] == cx.sent_of[r.start] {
            r = r.start.min(s.start)..r.end.max(s.end);
        }
    }
    r
}

/// How far past a comma the verb of a main clause may lie for [`intro_clause`].
const MAX_SUBJECT: usize = 6;

/// `Asked if he was bullied, the candidate said no`, `While he did not mention Rubio, he
/// made it clear ...`: a cue in a clause that opens its sentence says nothing past the comma
/// where the main clause begins (a subject, then its verb), though the role tagger often runs
/// on into it.
fn intro_clause(cx: &Ctx, w: &mut [Work]) {
    for a in w.iter_mut() {
        let sent = cx.sentence(a.cue.start);
        let mut first = sent.start;
        while first < a.cue.start && cx.is_punct(first) {
            first += 1;
        }
        let opens = first == a.cue.start
            || matches!(
                cx.lower[first].as_str(),
                "while"
                    | "although"
                    | "though"
                    | "when"
                    | "after"
                    | "as"
                    | "since"
                    | "because"
                    | "if"
                    | "before"
                    | "despite"
                    | "whether"
                    | "even"
            );
        if !opens || (first..a.cue.start).any(|i| cx.lower[i] == ",") {
            continue;
        }
        let cue_end = a.cue.end;
        for r in &mut a.content {
            if r.start < cue_end || r.end > sent.end {
                continue;
            }
            let cut = (r.start + 1..r.end.saturating_sub(1)).find(|&k| {
                cx.lower[k] == ","
                    && matches!(
                        cx.tag(k + 1),
                        Some(Upos::PRON | Upos::PROPN | Upos::DET | Upos::NOUN)
                    )
                    && (k + 2..(k + 2 + MAX_SUBJECT).min(r.end))
                        .take_while(|&i| cx.lower[i] != ",")
                        .any(|i| matches!(cx.tag(i), Some(Upos::VERB | Upos::AUX)))
            });
            if let Some(k) = cut {
                r.end = k;
            }
        }
    }
}

/// How far into a content its complementizer may lie for [`leading_that`].
const MAX_LEAD: usize = 12;

/// `told reporters at a rally that the plan would fail`, `said on Friday that`: what stands
/// between the cue and a complementizer "that" with no verb of its own is an addressee or a
/// setting, and PolNeAR's content starts at "that". The same move for "to" before a verb
/// ("urged voters to turn out") lost more than it won on PolNeAR train, and is not made.
fn leading_that(cx: &Ctx, w: &mut [Work]) {
    for a in w.iter_mut() {
        let cue_end = a.cue.end;
        for r in &mut a.content {
            if r.start < cue_end || cx.quote[r.start] != 0 {
                continue;
            }
            let stop = r.end.min(r.start + MAX_LEAD);
            for k in r.start..stop {
                let t = cx.tag(k);
                // A noun right before "that" takes the clause as its complement ("the notion
                // that", "reports that"), and the content is the noun phrase; a time ("on
                // Friday that") or an addressee's name does not.
                let noun_complement =
                    k > 0 && cx.tag(k - 1) == Some(Upos::NOUN) && !cx.in_time[k - 1];
                if k > r.start
                    && cx.lower[k] == "that"
                    && t == Some(Upos::SCONJ)
                    && !noun_complement
                {
                    r.start = k;
                    break;
                }
                if matches!(t, Some(Upos::VERB | Upos::AUX)) || cx.quote[k] != 0 {
                    break;
                }
            }
        }
    }
}

/// `Too often, he said, the debate is infected`: a source and cue set off by commas in the
/// middle of an unquoted sentence split its content in two, both parts the source's.
fn parenthetical(cx: &Ctx, w: &mut [Work]) {
    let is_cue = cue_mask(cx, w);
    for a in w.iter_mut() {
        if cx.quote[a.cue.start] != 0 || a.source.is_none() {
            continue;
        }
        let c = core(cx, a);
        let sent = cx.sentence(a.cue.start);
        if c.start <= sent.start + 1 || c.end + 1 >= sent.end {
            continue;
        }
        if cx.lower[c.start - 1] != "," || cx.lower[c.end] != "," {
            continue;
        }
        let mut ls = sent.start;
        while ls < c.start - 1 && cx.is_punct(ls) {
            ls += 1;
        }
        let left = ls..c.start - 1;
        let mut re = sent.end;
        while re > c.end + 1 && cx.is_punct(re - 1) {
            re -= 1;
        }
        let right = c.end + 1..re;
        if left.is_empty() || right.is_empty() {
            continue;
        }
        if left
            .clone()
            .chain(right.clone())
            .any(|i| is_cue[i] || cx.quote[i] != 0)
        {
            continue;
        }
        let touches = a.content.iter().any(|x| {
            x.start < left.end && left.start < x.end || x.start < right.end && right.start < x.end
        });
        if !touches {
            continue;
        }
        a.content = vec![left, right];
    }
}

/// Which tokens are some attribution's cue.
fn cue_mask(cx: &Ctx, w: &[Work]) -> Vec<bool> {
    let mut is_cue = vec![false; cx.lower.len()];
    for a in w {
        for i in a.cue.clone() {
            is_cue[i] = true;
        }
    }
    is_cue
}

/// Each closed quotation's token range (marks included), by region id.
fn quotation_ranges(cx: &Ctx) -> std::collections::HashMap<u32, Range<usize>> {
    let mut regions: std::collections::HashMap<u32, Range<usize>> = Default::default();
    for (i, &q) in cx.quote.iter().enumerate() {
        if q != 0 {
            regions.entry(q).or_insert(i..i).end = i + 1;
        }
    }
    regions.retain(|_, r| {
        cx.doc.tokens[r.start].kind == TokenKind::Quote
            && cx.doc.tokens[r.end - 1].kind == TokenKind::Quote
            && r.len() > 2
    });
    regions
}

/// The inside of quotation `r` without its marks and edge punctuation.
fn inner(cx: &Ctx, r: &Range<usize>) -> Range<usize> {
    let (mut s, mut e) = (r.start, r.end);
    while s < e && cx.is_punct(s) {
        s += 1;
    }
    while e > s && cx.is_punct(e - 1) {
        e -= 1;
    }
    s..e
}

/// How many words may stand between a cue and the quotation that continues its content.
const MAX_ASIDE: usize = 12;
/// How many tokens the rest of the cue's sentence may have before a quotation in the next
/// sentence continues the content.
const MAX_REST: usize = 40;

/// `“A,” he said. “B.”`: a quotation closing right before the source and cue and another
/// opening right after them (in the same sentence or the next) are both the content, where
/// the role tagger, which weighs one token at a time, often keeps only one. The missing one
/// is added only when nothing else claims it: no paragraph break, no cue after the second
/// in its sentence (`“B,” she added` is hers), and a first quotation that opens its sentence
/// (one opening mid-sentence is a partial quote inside the writer's paraphrase).
fn quotes_around_cue(cx: &Ctx, w: &mut [Work]) {
    let regions = quotation_ranges(cx);
    if regions.is_empty() {
        return;
    }
    let n = cx.lower.len();
    let is_cue = cue_mask(cx, w);
    for a in w.iter_mut() {
        if cx.quote[a.cue.start] != 0 || a.content.is_empty() {
            continue;
        }
        let c = core(cx, a);
        let mut l = c.start;
        while l > 0 && c.start - l < 2 && cx.lower[l - 1] == "," {
            l -= 1;
        }
        // The second quotation opens after a full stop or a comma. After a full stop, the
        // rest of the cue's sentence may be long and hold other cues
        // (`told Reuters when asked if he had met Trump. “B.”`); after a comma the words
        // between must be few and no cue's (`said, adding of Trump, “B.”` is `adding`'s).
        let Some(r) = (c.end..(c.end + MAX_REST).min(n)).find(|&i| cx.quote[i] != 0) else {
            continue;
        };
        let after_stop = cx.lower[r - 1] == ".";
        let after_comma = matches!(cx.lower[r - 1].as_str(), "," | ":")
            && r - c.end <= MAX_ASIDE
            && !(c.end..r).any(|i| is_cue[i]);
        if l == 0
            || !(after_stop || after_comma)
            || (c.end..=r).any(|i| cx.doc.tokens[i].newline_before)
        {
            continue;
        }
        let (q1, q2) = (cx.quote[l - 1], cx.quote[r]);
        if q1 == 0 || q2 == 0 || q1 == q2 {
            continue;
        }
        let (Some(left), Some(right)) = (regions.get(&q1), regions.get(&q2)) else {
            continue;
        };
        if left.end != l
            || right.start != r
            || cx.sent_of[left.end - 1] != cx.sent_of[c.start]
            || (left.end..=c.start).any(|i| cx.doc.tokens[i].newline_before)
            || cx.sent_of[r] > cx.sent_of[c.end - 1] + 1
        {
            continue;
        }
        let after = right.end..cx.sentence(right.end - 1).end;
        if after.clone().chain(right.clone()).any(|i| is_cue[i]) {
            continue;
        }
        let (li, ri) = (inner(cx, left), inner(cx, right));
        if li.is_empty() || ri.is_empty() {
            continue;
        }
        let all_left = a.content.iter().all(|x| x.end <= c.start);
        let all_right = a.content.iter().all(|x| x.start >= c.end);
        if all_left && a.content.iter().any(|x| x.end > left.start) {
            a.content.push(ri);
        } else if all_right && a.content.iter().any(|x| x.start < right.end) {
            let sent_start = cx.sentence(left.start).start;
            if (sent_start..left.start).all(|i| cx.is_punct(i)) {
                a.content.insert(0, li);
            }
        }
    }
}

/// A content in two pieces around its cue, one quoted and the other not, is the quoted piece:
/// the other is the writer's narration that the role tagger ran into ("“He really does love
/// us,” she said, switching off the television"). On PolNeAR dev, dropping the unquoted piece
/// is right about five times as often as keeping it.
fn one_sided_quotes(cx: &Ctx, w: &mut [Work]) {
    for a in w.iter_mut() {
        if a.content.len() != 2 {
            continue;
        }
        let (l, r) = (&a.content[0], &a.content[1]);
        if l.end > a.cue.start || r.start < a.cue.end {
            continue;
        }
        match (cx.quote[l.start] != 0, cx.quote[r.start] != 0) {
            (true, false) => {
                a.content.pop();
            }
            (false, true) => {
                a.content.remove(0);
            }
            _ => {}
        }
    }
}

/// Content right of its cue that stops at a comma before "as", "because", "which" ... runs on
/// to the end of the sentence, when no other cue lies in the rest.
fn extend_to_sentence_end(
    cx: &Ctx,
    a: &mut Work,
    continuation: &std::collections::HashSet<String>,
    is_cue: &[bool],
) {
    let sent = cx.sentence(a.cue.start);
    let Some(r) = a
        .content
        .iter_mut()
        .filter(|r| r.start >= a.cue.end && r.end <= sent.end)
        .max_by_key(|r| r.end)
    else {
        return;
    };
    let e = r.end;
    // Only a clause runs on ("that it would fail, as ..."), not a noun phrase.
    let clause = r
        .clone()
        .any(|i| matches!(cx.tag(i), Some(Upos::VERB | Upos::AUX)));
    if !clause
        || e + 1 >= sent.end
        || cx.lower[e] != ","
        || !continuation.contains(&cx.lower[e + 1])
    {
        return;
    }
    let mut last = sent.end;
    while last > e && cx.is_punct(last - 1) {
        last -= 1;
    }
    if (e..last).any(|i| cx.marks[i] != 0 || is_cue[i]) {
        return;
    }
    r.end = last;
}

#[cfg(test)]
mod tests {
    use crate::doc::{AttributionKind, SpeakerKind};
    use crate::Pipeline;

    fn analyze(text: &str) -> crate::Doc {
        Pipeline::new()
            .expect("embedded models load")
            .analyze(text, None)
    }

    fn contents<'d>(d: &'d crate::Doc, a: &crate::doc::Attribution) -> Vec<&'d str> {
        a.content.iter().map(|&s| d.slice(s)).collect()
    }

    fn find<'d>(d: &'d crate::Doc, cue: &str) -> &'d crate::doc::Attribution {
        let atts = d.attributions.as_deref().unwrap_or(&[]);
        match atts.iter().find(|a| d.slice(a.cue) == cue) {
            Some(a) => a,
            None => panic!(
                "no cue {cue:?} in {:?}",
                atts.iter().map(|a| d.slice(a.cue)).collect::<Vec<_>>()
            ),
        }
    }

    #[test]
    fn a_claim_named_inside_another_content_is_its_own_nested_attribution() {
        let d = analyze(
            "The ministry on Friday rejected the accusation that Seoul had staged the photos, \
             officials said. Lindqvist's claim that the border was closed is false, the agency \
             said.",
        );
        let atts = d.attributions.as_deref().unwrap_or(&[]);
        let accusation = find(&d, "accusation");
        assert_eq!(
            contents(&d, accusation),
            ["that Seoul had staged the photos"]
        );
        assert_eq!(accusation.source, None);
        let outer = accusation
            .nested_in
            .and_then(|k| atts.get(k))
            .expect("nested");
        assert!(outer
            .content
            .iter()
            .any(|c| d.slice(*c).contains("accusation")));
        let claim = find(&d, "claim");
        assert_eq!(claim.source.map(|s| d.slice(s)), Some("Lindqvist"));
        assert_eq!(contents(&d, claim), ["that the border was closed"]);
    }

    #[test]
    fn a_postposed_speaker_split_by_the_tagger_is_joined_again() {
        let d = analyze(
            "OSLAND, June 2 (Harbor Wire) - The Republic of Norlund has moved about 2,000 \
             sailors to its western islands, the defence ministry of neighbouring Osland said \
             on Monday, citing radar images taken last week.",
        );
        let said = find(&d, "said");
        assert_eq!(
            said.source.map(|s| d.slice(s)),
            Some("the defence ministry of neighbouring Osland")
        );
        assert_eq!(
            contents(&d, said),
            ["The Republic of Norlund has moved about 2,000 sailors to its western islands"]
        );
    }

    #[test]
    fn content_keeps_the_first_conjunct_next_to_the_cue() {
        let d = analyze(
            "A senior intelligence official, who spoke on condition of anonymity, said between \
             3,000 and 5,000 troops had arrived since Feb. 20, including nearly 800 engineers.",
        );
        let said = find(&d, "said");
        let content = contents(&d, said).concat();
        assert!(content.starts_with("between 3,000"), "{content:?}");
    }

    #[test]
    fn a_name_given_with_named_is_no_attribution() {
        let d = analyze(
            "The clip, shared by a blogger named @field_notes on Sunday, showed the bridge \
             under water, the agency reported.",
        );
        let atts = d.attributions.as_deref().unwrap_or(&[]);
        assert!(atts.iter().all(|a| d.slice(a.cue) != "named"));
        assert_eq!(d.slice(find(&d, "reported").cue), "reported");
    }

    #[test]
    fn citing_as_an_aside_leaves_the_report_its_content() {
        let d = analyze(
            "The newspaper reported, citing intelligence sources, that 3,000 soldiers had arrived.",
        );
        let reported = find(&d, "reported");
        assert_eq!(contents(&d, reported), ["that 3,000 soldiers had arrived"]);
        let citing = find(&d, "citing");
        assert_eq!(contents(&d, citing), ["intelligence sources"]);
        assert_eq!(citing.source.map(|s| d.slice(s)), Some("The newspaper"));
    }

    #[test]
    fn a_speaker_before_an_anonymity_phrase_is_the_source() {
        for text in [
            "\"We have no plans,\" a senior official who asked not to be named told AFP.",
            "\"We have no plans,\" a senior official, who asked not to be named, told AFP.",
            "A senior official who asked not to be named said the plan would fail.",
        ] {
            let d = analyze(text);
            let a = d
                .attributions
                .as_deref()
                .and_then(|v| v.first())
                .expect("an attribution");
            let source = a.source.map(|s| d.slice(s).to_lowercase());
            assert_eq!(source.as_deref(), Some("a senior official"), "{text}");
            let sp = a.speaker.as_ref().expect("a speaker");
            assert!(sp.anonymous, "{text}: {sp:?}");
        }
    }

    #[test]
    fn a_medium_that_says_nothing_is_a_channel_not_a_speaker() {
        let d = analyze("“Nobody can stop us,” Zinoviev said in a video posted on Telegram.");
        let atts = d.attributions.as_deref().unwrap_or(&[]);
        assert_eq!(atts.len(), 1, "{atts:?}");
        assert_eq!(d.slice(atts[0].cue), "said");
        assert!(atts[0].channel.is_some(), "{atts:?}");
    }

    #[test]
    fn a_general_in_a_civil_title_is_no_soldier() {
        for (text, kind) in [
            (
                "Attorney General Merrick Garland said the case was closed.",
                SpeakerKind::GovernmentOfficial,
            ),
            (
                "NATO Secretary General Mark Rutte said the deployment was confirmed.",
                SpeakerKind::InternationalOrganization,
            ),
            (
                "General Valery Gerasimov said the offensive continued.",
                SpeakerKind::Military,
            ),
        ] {
            let d = analyze(text);
            let sp = find(&d, "said").speaker.as_ref().expect("a speaker");
            assert_eq!(sp.kind, kind, "{text}: {sp:?}");
        }
    }

    #[test]
    fn what_comes_before_the_speaker_is_what_was_told() {
        let d = analyze("The troops will stay, a senior official told the Financial Times.");
        let a = find(&d, "told");
        assert_eq!(contents(&d, a), ["The troops will stay"]);
        assert_eq!(a.addressee.map(|s| d.slice(s)), Some("the Financial Times"));
    }

    #[test]
    fn a_name_the_tagger_took_into_the_cue_is_the_source() {
        let d = analyze("Yonhap reported on Monday that the troops had arrived.");
        let a = find(&d, "reported");
        assert_eq!(a.source.map(|s| d.slice(s)), Some("Yonhap"));
        assert_eq!(
            a.speaker.as_ref().map(|s| s.kind),
            Some(SpeakerKind::NewsAgency)
        );
    }

    #[test]
    fn words_told_to_an_agency_are_nested_in_its_report() {
        let d = analyze(
            "Yonhap reported on Monday that the troops had arrived. \
             “The troops will stay,” Kim told Yonhap.",
        );
        let atts = d.attributions.as_deref().unwrap_or(&[]);
        let reported = atts
            .iter()
            .position(|a| d.slice(a.cue) == "reported")
            .expect("Yonhap's report");
        let told = find(&d, "told");
        assert_eq!(told.nested_in, Some(reported), "{atts:?}");
        assert_eq!(told.addressee.map(|s| d.slice(s)), Some("Yonhap"));
    }

    #[test]
    fn content_pieces_come_in_the_order_of_the_text() {
        let d = analyze("“It was a mistake,” he said. “We should never have gone.”");
        let a = find(&d, "said");
        assert_eq!(
            contents(&d, a),
            ["It was a mistake", "We should never have gone"]
        );
    }

    #[test]
    fn a_channel_between_source_and_cue_is_found_and_left_out_of_both() {
        for text in [
            "The ministry, in a statement, denied the report.",
            "The ministry in a statement on Monday denied the report.",
        ] {
            let d = analyze(text);
            let a = find(&d, "denied");
            assert_eq!(a.source.map(|s| d.slice(s)), Some("The ministry"), "{text}");
            assert_eq!(contents(&d, a), ["the report"], "{text}");
            assert_eq!(
                a.channel.as_ref().map(|c| c.name.as_str()),
                Some("statement"),
                "{text}"
            );
        }
    }

    #[test]
    fn an_expletive_it_before_a_passive_cue_is_no_source() {
        let d = analyze("It is widely believed that the troops arrived in October.");
        let a = find(&d, "is widely believed");
        assert_eq!(a.source, None, "{a:?}");
        assert_eq!(d.slice(a.content[0]), "that the troops arrived in October");
        let d = analyze("The ministry issued a statement. It said that the troops arrived.");
        let a = find(&d, "said");
        assert_eq!(a.source.map(|s| d.slice(s)), Some("It"));
        assert_eq!(
            a.speaker.as_ref().map(|s| s.name.as_str()),
            Some("ministry")
        );
    }

    #[test]
    fn the_official_resolves_to_the_earlier_official_and_anonymity_spreads() {
        let d = analyze(
            "A Finnish defence ministry official said the exercise had been cancelled.\n\
             \"We do not comment on such plans,\" the official said on condition of anonymity.",
        );
        let atts = d.attributions.as_deref().unwrap_or(&[]);
        assert_eq!(atts.len(), 2, "{atts:?}");
        for a in atts {
            assert_eq!(d.slice(a.cue), "said");
            let sp = a.speaker.as_ref().expect("a speaker");
            assert_eq!(sp.name, "Finnish defence ministry official");
            assert_eq!(sp.kind, SpeakerKind::GovernmentOfficial);
            assert!(sp.anonymous);
        }
        assert_eq!(atts[1].kind, AttributionKind::Direct);
        assert_eq!(atts[0].kind, AttributionKind::Indirect);
        assert!(atts[1]
            .content
            .iter()
            .all(|c| !d.slice(*c).contains("anonymity")));
    }

    #[test]
    fn postposed_source_takes_the_whole_clause_with_its_channel_and_nested_cues() {
        let d = analyze(
            "On Tuesday, French Ambassador to Japan Pierre Dubois told Foreign Minister Ken Sato \
             that the treaty was \"a step forward\" and claimed that talks would resume, the \
             French Embassy in Tokyo said in a Facebook post.",
        );
        let outer = find(&d, "said");
        let channel = outer.channel.as_ref().expect("a channel");
        assert_eq!(channel.name, "Facebook post");
        let content: Vec<&str> = outer.content.iter().map(|c| d.slice(*c)).collect();
        assert!(content.concat().starts_with("On Tuesday"), "{content:?}");
        let sp = outer.speaker.as_ref().expect("a speaker");
        assert_eq!(sp.kind, SpeakerKind::Embassy);
        let atts = d.attributions.as_deref().unwrap_or(&[]);
        let k = atts
            .iter()
            .position(|a| std::ptr::eq(a, outer))
            .expect("outer is in the list");
        let told = find(&d, "told");
        assert_eq!(told.nested_in, Some(k));
        assert_eq!(
            told.addressee.map(|s| d.slice(s)),
            Some("Foreign Minister Ken Sato")
        );
        let sp = told.speaker.as_ref().expect("a speaker");
        assert_eq!(sp.name, "Pierre Dubois");
        assert_eq!(sp.kind, SpeakerKind::Diplomat);
        assert_eq!(sp.role.as_deref(), Some("French Ambassador to Japan"));
    }

    #[test]
    fn a_speaker_after_a_comma_opens_the_main_clause_and_is_not_nested() {
        let d = analyze(
            "When the minister announced that the mine would close, Mr. Barrett said, \
             “We were floored.”\n\
             The agency reported that the minister said the mine would close.",
        );
        let said = find(&d, "said");
        assert_eq!(said.nested_in, None);
        assert_eq!(said.source.map(|s| d.slice(s)), Some("Mr. Barrett"));
        let announced = find(&d, "announced");
        let content: Vec<&str> = announced.content.iter().map(|c| d.slice(*c)).collect();
        assert!(!content.concat().contains("Barrett"), "{content:?}");
        // Without the comma the reported speech stays inside the report.
        let atts = d.attributions.as_deref().unwrap_or(&[]);
        let reported = atts
            .iter()
            .position(|a| d.slice(a.cue) == "reported")
            .expect("the report is found");
        let inner = atts
            .iter()
            .filter(|a| d.slice(a.cue) == "said")
            .nth(1)
            .expect("the inner statement is found");
        assert_eq!(inner.nested_in, Some(reported));
    }

    #[test]
    fn the_north_is_an_alias_once_north_korea_was_named() {
        let d = analyze(
            "North Korea fired two missiles on Monday, officials in Seoul said.\n\
             However, the North still adamantly denies any role in the attack.",
        );
        let a = find(&d, "denies");
        assert_eq!(a.source.map(|s| d.slice(s)), Some("the North"));
        let sp = a.speaker.as_ref().expect("a speaker");
        assert_eq!(sp.name, "North Korea");
        assert_eq!(sp.kind, SpeakerKind::State);
    }

    #[test]
    fn odd_quoting_through_the_whole_pipeline_never_panics() {
        let mut text = String::from("He said “this opens and never closes.\n\n");
        for _ in 0..100 {
            text.push_str("“More words, she said, \"and more « quotes ‘ here, the official told reporters.\n\n");
        }
        let d = analyze(&text);
        for a in d.attributions.iter().flatten() {
            assert!(a.cue.end <= d.text.len());
            assert!(a
                .nested_in
                .is_none_or(|k| k < d.attributions.iter().flatten().count()));
        }
        assert_eq!(analyze("").attributions, Some(vec![]));
        let _ = analyze("\"");
        let _ = analyze("said");
    }

    #[test]
    fn a_statement_posted_on_a_website_is_its_owner_speaking() {
        for (text, speaker, kind, channel) in [
            (
                "A statement posted on the interior ministry website said the bridge would \
                 reopen in May.",
                "interior ministry",
                SpeakerKind::Government,
                "statement",
            ),
            (
                "The Harbour Authority denied the reports. A statement posted on the \
                 authority's website said the pier had not been damaged.",
                "Harbour Authority",
                SpeakerKind::Unknown,
                "statement",
            ),
            (
                "A report by Amnesty International said the detainees had been beaten.",
                "Amnesty International",
                SpeakerKind::Ngo,
                "report",
            ),
            (
                "The ministry website said the bridge would reopen in May.",
                "ministry",
                SpeakerKind::Government,
                "website",
            ),
        ] {
            let d = analyze(text);
            let said = find(&d, "said");
            let sp = said.speaker.as_ref().expect("a speaker");
            assert_eq!((sp.name.as_str(), sp.kind), (speaker, kind), "{text}");
            let got = said.channel.as_ref().map(|c| c.name.as_str());
            assert_eq!(got, Some(channel), "{text}");
            assert!(
                d.attributions
                    .iter()
                    .flatten()
                    .all(|a| d.slice(a.cue) != "posted on"),
                "{text}"
            );
        }
    }

    #[test]
    fn a_name_after_a_hyphenated_title_is_the_speaker_and_the_title_its_role() {
        let d =
            analyze("UN Secretary-General Amara Okafor said the talks would continue in Geneva.");
        let sp = find(&d, "said").speaker.as_ref().expect("a speaker");
        assert_eq!(sp.name, "Amara Okafor");
        assert_eq!(sp.role.as_deref(), Some("UN Secretary-General"));
        assert_eq!(sp.kind, SpeakerKind::InternationalOrganization);
    }

    #[test]
    fn the_agency_resolves_to_the_agency_an_earlier_speaker_told() {
        let d = analyze(
            "\"The ferries will sail on Friday,\" a port official told Yonhap. The agency said \
             the storm had passed.",
        );
        let sp = find(&d, "said").speaker.as_ref().expect("a speaker");
        assert_eq!(sp.name, "Yonhap");
        assert_eq!(sp.kind, SpeakerKind::NewsAgency);
        assert_eq!(sp.antecedent.map(|s| d.slice(s)), Some("Yonhap"));
        // A channel is a mention too: "said on state television ... The broadcaster".
        let d = analyze(
            "Lindqvist said on state television that the border would stay closed. The \
             broadcaster added that the crossing had been shut since May.",
        );
        let sp = find(&d, "added").speaker.as_ref().expect("a speaker");
        assert_eq!(sp.kind, SpeakerKind::StateMedia, "{sp:?}");
        // A newspaper known by name.
        let d = analyze(
            "\"The ferries will sail on Friday,\" a port official told The Washington Post. \
             The newspaper said the storm had passed.",
        );
        let sp = find(&d, "said").speaker.as_ref().expect("a speaker");
        assert_eq!(sp.kind, SpeakerKind::Newspaper, "{sp:?}");
        assert_eq!(sp.name, "Washington Post", "{sp:?}");
    }

    #[test]
    fn a_pronoun_with_no_earlier_speaker_is_the_nearest_fitting_name() {
        for (text, cue) in [
            (
                "Erik Lindqvist arrived in Oslo on Monday. He said the border would stay \
                 closed until spring.",
                "said",
            ),
            // The owner of a medium: "His statement said".
            (
                "Interior Minister Erik Lindqvist spoke in Oslo on Monday. His statement said \
                 the border would stay closed until spring.",
                "said",
            ),
        ] {
            let d = analyze(text);
            let sp = find(&d, cue).speaker.as_ref().expect("a speaker");
            assert_eq!(sp.name, "Erik Lindqvist", "{text}: {sp:?}");
            assert_eq!(sp.antecedent.map(|s| d.slice(s)), Some("Erik Lindqvist"));
        }
    }

    #[test]
    fn a_possessor_is_not_the_speaker_and_an_appositive_is_not_its_name() {
        let d = analyze("Putin's spokesman Dmitry Peskov said the talks were over.");
        let sp = find(&d, "said").speaker.as_ref().expect("a speaker");
        assert_eq!(sp.name, "Dmitry Peskov", "{sp:?}");
        assert_eq!(sp.role.as_deref(), Some("Putin's spokesman"), "{sp:?}");
        let d = analyze("Erik Lindqvist's office said the talks were over.");
        let sp = find(&d, "said").speaker.as_ref().expect("a speaker");
        assert_eq!(sp.name, "Erik Lindqvist's office", "{sp:?}");
        let d = analyze(
            "The Coastal Security Council, a regional body, said it was aware of the reports.",
        );
        let sp = find(&d, "said").speaker.as_ref().expect("a speaker");
        assert_eq!(sp.name, "Coastal Security Council", "{sp:?}");
    }

    #[test]
    fn analysts_and_institutes_have_kinds() {
        for (text, kind) in [
            (
                "Independent analysts at the Baltic Shore Institute estimated the force at \
                 3,000.",
                SpeakerKind::Investigators,
            ),
            (
                "The Baltic Shore Institute said the force had grown.",
                SpeakerKind::Ngo,
            ),
        ] {
            let d = analyze(text);
            let atts = d.attributions.as_deref().unwrap_or(&[]);
            let sp = atts.first().and_then(|a| a.speaker.as_ref());
            assert_eq!(sp.map(|s| s.kind), Some(kind), "{text}: {atts:?}");
        }
    }

    #[test]
    fn a_number_or_date_after_the_verb_is_not_part_of_the_cue() {
        let d = analyze("The ministry says about 4,000 marines have massed near the border.");
        let a = find(&d, "says");
        assert_eq!(
            contents(&d, a),
            ["about 4,000 marines have massed near the border"]
        );
        let d = analyze("The minister said about 2,000 marines were deployed.");
        let a = find(&d, "said");
        assert_eq!(contents(&d, a), ["about 2,000 marines were deployed"]);
    }

    #[test]
    fn an_asked_opening_is_neither_source_nor_content() {
        let d = analyze(
            "Asked whether the ferry would sail, the harbour master said no decision had been \
             made.",
        );
        let said = find(&d, "said");
        assert_eq!(said.source.map(|s| d.slice(s)), Some("the harbour master"));
        assert_eq!(contents(&d, said), ["no decision had been made"]);
    }

    #[test]
    fn a_relative_clause_of_anonymity_stays_out_of_the_speaker() {
        for text in [
            "A senior police official who spoke on condition of anonymity said the suspect \
             had fled.",
            "The suspect had fled, a senior police official who spoke on condition of \
             anonymity said.",
            "The suspect had fled, a senior police official speaking on condition of anonymity \
             said.",
            "The suspect had fled, according to a senior police official who spoke on \
             condition of anonymity.",
            "A senior police official who spoke on the condition of anonymity because the \
             inquiry was continuing said the suspect had fled.",
        ] {
            let d = analyze(text);
            let atts = d.attributions.as_deref().unwrap_or(&[]);
            assert_eq!(atts.len(), 1, "{text}: {atts:?}");
            let a = &atts[0];
            let sp = a.speaker.as_ref().expect("a speaker");
            assert_eq!(sp.name, "senior police official", "{text}");
            assert!(sp.anonymous, "{text}");
            let content = contents(&d, a).concat();
            assert!(
                content.to_lowercase().contains("the suspect had fled"),
                "{text}: {content:?}"
            );
            assert!(!content.contains("anonymity"), "{text}: {content:?}");
        }
    }
}
