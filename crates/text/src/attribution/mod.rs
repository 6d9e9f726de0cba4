//! Attribution: who (source) said (cue) what (content).
//!
//! Two trained taggers and a set of rankers, all averaged perceptrons over hashed features
//! ([`crate::perceptron`]), trained on PolNeAR by `claimtrail train attribution`:
//!
//! 1. the **cue tagger** labels each sentence's tokens B/I/O for cues ("said", "according to",
//!    "in a statement"), helped by the lexicon in `data/attribution/cues.txt`; a small filter
//!    (ten features instead of about forty) first turns away the tokens that plainly start
//!    no cue, about three in four, which the tagger would label O anyway;
//! 2. the **role tagger** then runs once per cue over a window around it (the cue's sentence,
//!    its neighbours in the same paragraph, and any quotation that runs on from it; the
//!    previous sentence only when the cue is near its own sentence's start, and a following
//!    sentence only as long as it starts with source or content), labelling
//!    each token source, content or neither. Its features describe the token *relative to this
//!    cue*: side and distance, commas and other cues in between, whether both sit in the same
//!    quotation, the cue's head word. That is how a feature model reaches the syntax-like
//!    structure ("the NP before the verb, the clause after it"); where the document has a
//!    dependency parse, the token's path to the cue's head in it says the same more directly
//!    (under the subject, under the clausal complement, above the cue). The parse raised dev
//!    content exact F1 on each of three training seeds (by 0.8, 0.6 and 1.9 points; mean 57.4
//!    against 56.3) and whole-attribution F1 likewise (0.7, 1.1, 1.3);
//! 3. **boundary rankers** ([`bounds`]) then choose each cue's, source's and content's first
//!    and last token again among nearby candidates, seeing both sides of each boundary, which
//!    a left-to-right tagger cannot: cues before the role tagger runs (its features read the
//!    cue), source and content after it; where the role tagger gave a cue several content
//!    runs, a classifier first drops the stray ones. They learn from the taggers' own output
//!    on training articles the taggers did not see (k-fold).
//!
//! Cue first, roles second, because PolNeAR attributions are built around their cue and a
//! sentence often holds two; labelling roles per cue makes grouping free, where a single
//! document-wide tag sequence would have to guess which source belongs to which content.
//! Both passes are linear in the text: one pass per sentence, and per cue a bounded window.

mod bounds;
mod features;
mod lexicons;
mod nesting;
mod post;
pub mod quotes;
mod resolve;
mod speaker;

use crate::doc::{Attribution, Doc, Span, TokenKind, Upos};
use crate::perceptron::{ModelError, Perceptron, Rng, Trainer};
use crate::pipeline::{Component, Layer};
use features::{
    cue_features, cue_filter_features, role_features, Between, CueContext, DocView, CUE_LABELS,
    ROLE_LABELS, SHAPE_COMMA,
};
use std::ops::Range;

/// The label history value the role tagger sees for the cue's own tokens.
const ROLE_CUE_HISTORY: usize = 3;
/// How many sentences a quotation may extend a role window on either side.
const MAX_QUOTE_SENTENCES: usize = 4;
/// The previous sentence (and a quotation running back from it) joins a cue's window only
/// when the cue sits within this many tokens of its own sentence's start, or that sentence
/// opens inside a quotation: content before a cue further in lies in the cue's own sentence
/// ("The plan will fail, he said in a long speech"). Measured on dev, this loses 0.1% of gold
/// role tokens, raises content exact F1 by 0.5 and saves a tenth of the role tagger's work.
const MAX_CUE_OFFSET_FOR_PREVIOUS: usize = 8;
/// In a sentence after the cue's, the role tagger stops when this many leading tokens are all
/// labelled neither source nor content: content that runs on into a later sentence starts at
/// its beginning (a continued quotation, "He said: ..."), so the rest would be O anyway.
const RIGHT_STOP_AFTER: usize = 2;
/// Features whose weights all stay below this are dropped from the stored model: it shrinks
/// from 8.6 MB to 2.8 MB, which keeps more of it in cache, for dev exact F1 within 0.3 of the
/// unpruned model on every role (and whole-attribution F1 0.3 higher).
const PRUNE: f32 = 1.5;

/// How many folds the training articles are split into to train the boundary rankers on the
/// taggers' output for articles they did not see.
const BOUND_FOLDS: usize = 4;
/// Passes over the boundary rankers' examples.
const BOUND_EPOCHS: usize = 6;

/// The trained attribution model: a cue tagger, a role tagger and the content boundary
/// rankers (absent only in the fold models of training).
pub struct Model {
    cue: Perceptron,
    role: Perceptron,
    bounds: Option<bounds::Bounds>,
    /// The cue filter and the margin below which a token skips the cue tagger (absent in
    /// the fold models of training, which tag every token).
    filter: Option<(Perceptron, f32)>,
}

const MAGIC: &[u8; 8] = b"CTATTR02";

impl Model {
    /// The model committed at `crates/text/models/attribution.bin`.
    pub fn embedded() -> Result<Model, ModelError> {
        Model::from_bytes(include_bytes!("../../models/attribution.bin"))
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        self.to_bytes_pruned(PRUNE, PRUNE)
    }

    /// The stored form, dropping features whose weights are all below the given magnitudes.
    pub fn to_bytes_pruned(&self, cue_prune: f32, role_prune: f32) -> Vec<u8> {
        let mut parts = vec![self.cue.to_bytes(cue_prune), self.role.to_bytes(role_prune)];
        if let Some(b) = &self.bounds {
            for p in [&b.cue, &b.source, &b.content] {
                parts.push(p.start.to_bytes(0.0));
                parts.push(p.end.to_bytes(0.0));
            }
            parts.push(b.keep.to_bytes(0.0));
        }
        if let Some((f, threshold)) = &self.filter {
            parts.push(f.to_bytes(PRUNE));
            parts.push(threshold.to_le_bytes().to_vec());
        }
        let mut out = Vec::with_capacity(8 + parts.iter().map(|p| 8 + p.len()).sum::<usize>());
        out.extend_from_slice(MAGIC);
        for p in parts {
            out.extend_from_slice(&(p.len() as u64).to_le_bytes());
            out.extend_from_slice(&p);
        }
        out
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Model, ModelError> {
        if bytes.len() < 8 || &bytes[..8] != MAGIC {
            return Err(ModelError(
                "not a claimtrail attribution model of this version (magic mismatch)".into(),
            ));
        }
        let mut rest = &bytes[8..];
        let mut blobs: Vec<&[u8]> = Vec::with_capacity(11);
        while !rest.is_empty() {
            let truncated = || ModelError("attribution model is truncated".into());
            let head: [u8; 8] = rest
                .get(..8)
                .and_then(|h| h.try_into().ok())
                .ok_or_else(truncated)?;
            let n = usize::try_from(u64::from_le_bytes(head)).unwrap_or(usize::MAX);
            let body = rest
                .get(8..)
                .and_then(|r| r.get(..n))
                .ok_or_else(truncated)?;
            blobs.push(body);
            rest = &rest[8 + n..];
        }
        // Ten perceptrons, then the filter's threshold.
        let threshold = match blobs.pop().map(<[u8; 4]>::try_from) {
            Some(Ok(t)) if blobs.len() == 10 => f32::from_le_bytes(t),
            _ => {
                return Err(ModelError(
                    "attribution model should hold ten parts and a threshold".into(),
                ))
            }
        };
        let parts = blobs
            .into_iter()
            .map(Perceptron::from_bytes)
            .collect::<Result<Vec<_>, _>>()?;
        let Ok(
            [cue, role, cue_start, cue_end, source_start, source_end, content_start, content_end, keep, filter],
        ) = <[Perceptron; 10]>::try_from(parts)
        else {
            return Err(ModelError("attribution model should hold ten parts".into()));
        };
        if cue.n_classes() != CUE_LABELS.len()
            || role.n_classes() != ROLE_LABELS.len() - 1
            || [
                &cue_start,
                &cue_end,
                &source_start,
                &source_end,
                &content_start,
                &content_end,
            ]
            .iter()
            .any(|p| p.n_classes() != 1)
            || keep.n_classes() != 2
            || filter.n_classes() != 2
            || !threshold.is_finite()
        {
            return Err(ModelError(
                "attribution model has the wrong number of labels".into(),
            ));
        }
        let pair = |start, end| bounds::Pair { start, end };
        Ok(Model {
            cue,
            role,
            bounds: Some(bounds::Bounds {
                cue: pair(cue_start, cue_end),
                source: pair(source_start, source_end),
                content: pair(content_start, content_end),
                keep,
            }),
            filter: Some((filter, threshold)),
        })
    }

    /// The attributions in `doc` with their meaning: [`Model::predict`]'s spans refined by the
    /// rules of the post-pass (span conventions, nesting, kind, speakers, channels,
    /// addressees). Speakers read the entity layer when the document has one.
    pub fn analyze(&self, doc: &Doc) -> Vec<Attribution> {
        self.analyze_with(doc, None)
    }

    /// [`Model::analyze`], parsing with `parser` the sentences that hold a cue when `doc` has
    /// no dependency layer: what the pipeline does, as the model reads no other sentence's
    /// parse.
    pub fn analyze_with(
        &self,
        doc: &Doc,
        parser: Option<&crate::syntax::Syntax>,
    ) -> Vec<Attribution> {
        post::refine(doc, self.predict_with(doc, parser))
    }

    /// The attributions in `doc` (which needs tokens and sentences) as the taggers find them,
    /// plus any `[strong]` cue of the lexicon that no attribution covers (then the role
    /// tagger runs once more with it among the cues: rare, so the cost is small), plus the
    /// quotations credited after a dash (`dash_credits`).
    pub fn predict(&self, doc: &Doc) -> Vec<Attribution> {
        self.predict_with(doc, None)
    }

    /// [`Model::predict`], parsing with `parser` the sentences that hold a cue when `doc` has
    /// no dependency layer.
    pub fn predict_with(
        &self,
        doc: &Doc,
        parser: Option<&crate::syntax::Syntax>,
    ) -> Vec<Attribution> {
        self.predict_inner(doc, parser, &mut None)
    }

    /// [`Model::analyze_with`] with a second role model beside the role tagger: `scorer`
    /// gives, for each cue's window, a score per token and role label, and each token takes
    /// the label maximizing `perceptron_weight` times the tagger's score plus that score
    /// (weight 0: the other model alone). This is how a role model trained outside this crate
    /// is measured inside the whole pipeline (`experiments/neural-roles`).
    pub fn analyze_with_role_scorer(
        &self,
        doc: &Doc,
        parser: Option<&crate::syntax::Syntax>,
        scorer: RoleScorer<'_>,
        perceptron_weight: f32,
    ) -> Vec<Attribution> {
        let mut extra = Some(ExtraScorer {
            scorer,
            weight: perceptron_weight,
        });
        post::refine(doc, self.predict_inner(doc, parser, &mut extra))
    }

    fn predict_inner(
        &self,
        doc: &Doc,
        parser: Option<&crate::syntax::Syntax>,
        second: &mut Option<ExtraScorer<'_>>,
    ) -> Vec<Attribution> {
        // The document view and the cue pass are shared by both role passes: an extra cue
        // changes neither, so only the role tagger runs again.
        let mut v = DocView::new(doc);
        let mut cues = self.find_cues(&v);
        if let Some(b) = &self.bounds {
            b.refine_cues(&v, &mut cues);
        }
        if let Some(p) = parser {
            v.parse_cue_sentences(p, &cues);
        }
        let first = self.roles(&v, &cues, second);
        let mut covered = vec![false; doc.tokens.len()];
        for a in &first {
            for s in a
                .source
                .iter()
                .chain(std::iter::once(&a.cue))
                .chain(&a.content)
            {
                let mut i = doc.token_at(s.start);
                while i < doc.tokens.len() && doc.tokens[i].start < s.end {
                    covered[i] = true;
                    i += 1;
                }
            }
        }
        let mut extra = strong_cues(doc, &covered);
        extra.extend(interjected_cues(doc, &v.quote, &covered));
        let mut out = if extra.is_empty() {
            first
        } else {
            if let Some(p) = parser {
                v.parse_cue_sentences(p, &extra);
            }
            let mut all = cues;
            all.extend(extra);
            all.sort_by_key(|c| c.start);
            self.roles(&v, &all, second)
        };
        let credits = dash_credits(doc, &v.quote, &covered);
        if !credits.is_empty() {
            out.extend(credits);
            out.sort_by_key(|a| a.cue.start);
        }
        out
    }

    /// The cue tagger's cues, sentence by sentence, outside boilerplate.
    fn find_cues(&self, v: &DocView) -> Vec<Range<usize>> {
        let doc = v.doc;
        let mut feats = Vec::with_capacity(64);
        let mut small = Vec::with_capacity(16);
        let mut scores = [0f32; 3];
        let mut two = [0f32; 2];
        let mut cues: Vec<Range<usize>> = Vec::new();
        for s in &doc.sentences {
            if doc.in_boilerplate(s.span) {
                continue;
            }
            let labels = tag_cues(
                v,
                &s.tokens,
                |i| {
                    self.filter.as_ref().is_some_and(|(filter, threshold)| {
                        cue_filter_features(v, i, &mut small);
                        filter.score_into(&small, &mut two);
                        two[1] - two[0] < *threshold
                    })
                },
                |_, f| self.cue.predict(f, &mut scores),
                &mut feats,
            );
            cues.extend(cue_runs(&labels, s.tokens.start));
        }
        cues
    }

    /// The role tagger over each of `cues` (in text order), its content boundaries ranked
    /// again, then one attribution per cue.
    fn roles(
        &self,
        v: &DocView,
        cues: &[Range<usize>],
        extra: &mut Option<ExtraScorer<'_>>,
    ) -> Vec<Attribution> {
        let (marks, mut tagged) = self.tag_windows(v, cues, extra);
        let mut out = Vec::with_capacity(cues.len());
        for (k, (cue, (offset, labels))) in cues.iter().zip(&mut tagged).enumerate() {
            if let Some(b) = &self.bounds {
                b.refine(v, cue, k, &marks, *offset, labels);
            }
            out.push(assemble(v.doc, cue, *offset, labels));
        }
        out
    }

    /// The role tagger's labels over each cue's window: (first token, labels), conflicts
    /// resolved and holes filled.
    fn tag_windows(
        &self,
        v: &DocView,
        cues: &[Range<usize>],
        extra: &mut Option<ExtraScorer<'_>>,
    ) -> (CueMarks, Vec<(usize, Vec<usize>)>) {
        let doc = v.doc;
        let mut feats = Vec::with_capacity(64);
        let mut scores = [0f32; 3];
        let marks = CueMarks::new(doc.tokens.len(), cues);
        let other: Option<(Vec<Vec<[f32; 3]>>, f32)> = extra.as_mut().map(|e| {
            let inputs: Vec<RoleInputs> = cues
                .iter()
                .enumerate()
                .map(|(k, cue)| role_inputs(v, cue, k, &marks))
                .collect();
            ((e.scorer)(&inputs), e.weight)
        });
        let mut tagged = Vec::with_capacity(cues.len());
        for (k, cue) in cues.iter().enumerate() {
            let window = window(v, cue);
            let labels = tag_roles(
                v,
                cue,
                k,
                &marks,
                window.clone(),
                true,
                |j, f| match &other {
                    None => self.role.predict(f, &mut scores),
                    Some((all, w)) => {
                        self.role.score_into(f, &mut scores);
                        let o = all
                            .get(k)
                            .and_then(|s| s.get(j - window.start))
                            .copied()
                            .unwrap_or_default();
                        let mut best = 0;
                        let mut top = f32::MIN;
                        for (y, (p, q)) in scores.iter().zip(o).enumerate() {
                            if w * p + q > top {
                                top = w * p + q;
                                best = y;
                            }
                        }
                        best
                    }
                },
                &mut feats,
            );
            tagged.push((window.start, labels));
        }
        resolve_conflicts(v, cues, &mut tagged);
        let tagged = cues
            .iter()
            .zip(tagged)
            .enumerate()
            .map(|(k, (cue, (offset, labels)))| {
                (offset, fill_holes(doc, cue, k, &marks, offset, labels))
            })
            .collect();
        (marks, tagged)
    }
}

/// The most tokens a subject set off by commas may have ("“..., the Russian ambassador said,").
const MAX_INTERJECTED_SUBJECT: usize = 6;

/// Verbs of `[interjection]` in the cue lexicon that sit, with their subject, between a comma
/// and a comma or the sentence's end inside one quotation, and that no attribution covers:
/// "“The plan, he said, will fail." with the closing quote mark lost before "he". The taggers
/// learned that a cue is rarely quoted, so without this a stray quote mark hides every
/// attribution of its paragraph, and a paragraph-opening quote mark carries it on.
fn interjected_cues(doc: &Doc, quote: &[u32], covered: &[bool]) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let Some(tags) = doc.tags.as_deref() else {
        return out;
    };
    let verbs = &lexicons::LEXICONS.interjection_cues;
    let comma = |i: usize| doc.token_text(i) == ",";
    for s in &doc.sentences {
        if doc.in_boilerplate(s.span) {
            continue;
        }
        let toks = s.tokens.clone();
        for i in toks.clone() {
            let q = quote.get(i).copied().unwrap_or(0);
            if q == 0
                || covered.get(i).copied().unwrap_or(true)
                || tags.get(i) != Some(&Upos::VERB)
                || !verbs.contains(&doc.token_text(i).to_lowercase())
            {
                continue;
            }
            // After the verb: a comma, or the sentence's closing punctuation.
            let after_ok = match i + 1 {
                j if j < toks.end => {
                    comma(j) || (j + 1 == toks.end && doc.tokens[j].kind == TokenKind::Punct)
                }
                _ => false,
            };
            // Before it: a short subject with a noun or pronoun and no verb, after a comma.
            let mut j = i;
            let mut noun = false;
            let mut ok = false;
            while j > toks.start && i - j < MAX_INTERJECTED_SUBJECT + 1 {
                j -= 1;
                if comma(j) {
                    ok = noun && j + 1 < i;
                    break;
                }
                match tags.get(j) {
                    Some(Upos::NOUN | Upos::PROPN | Upos::PRON) => noun = true,
                    Some(Upos::VERB | Upos::AUX) => break,
                    _ => {}
                }
                if quote.get(j).copied().unwrap_or(0) != q
                    || covered.get(j).copied().unwrap_or(true)
                {
                    break;
                }
            }
            if after_ok && ok {
                out.push(i..i + 1);
            }
        }
    }
    out
}

/// The verbs of `[strong]` in the cue lexicon that no attribution covers, read by the tagger
/// as verbs with a noun or pronoun before them in the sentence ("the North still adamantly
/// denies its involvement").
fn strong_cues(doc: &Doc, covered: &[bool]) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let Some(tags) = doc.tags.as_deref() else {
        return out;
    };
    let strong = &lexicons::LEXICONS.strong_cues;
    for s in &doc.sentences {
        if doc.in_boilerplate(s.span) {
            continue;
        }
        let mut subject = false;
        for i in s.tokens.clone() {
            let tag = tags.get(i).copied();
            if !covered.get(i).copied().unwrap_or(true)
                && subject
                && tag == Some(Upos::VERB)
                && doc.token_text(i).len() <= 12
                && strong.contains(&doc.token_text(i).to_lowercase())
            {
                out.push(i..i + 1);
            }
            subject |= matches!(tag, Some(Upos::NOUN | Upos::PROPN | Upos::PRON));
        }
    }
    out
}

/// Quotations credited after a dash at the end of a paragraph, as in a list of readers'
/// reactions: `“He represents our greatest shame.” ― Sonya Herridge`. The dash is the cue, the
/// name the source and the quotation the content (PolNeAR's convention; the taggers, which
/// see one sentence at a time, rarely find it). Only a dash right after a closing quote mark
/// and followed by a short capitalized name that ends the paragraph counts.
fn dash_credits(doc: &Doc, q: &[u32], covered: &[bool]) -> Vec<Attribution> {
    const MAX_NAME_WORDS: usize = 6;
    let n = doc.tokens.len();
    let is_credit_dash =
        |i: usize| doc.tokens[i].kind == TokenKind::Dash && matches!(doc.token_text(i), "―" | "—");
    if !(1..n).any(is_credit_dash) {
        return Vec::new();
    }
    let mut out = Vec::new();
    for i in 1..n {
        if !is_credit_dash(i)
            || covered.get(i).copied().unwrap_or(true)
            || doc.tokens[i - 1].kind != TokenKind::Quote
            || q[i - 1] == 0
            || doc.tokens[i].newline_before
        {
            continue;
        }
        // The name: capitalized words (initials with their full stop) up to the paragraph end.
        let mut j = i + 1;
        let mut words = 0;
        let mut last_word = None;
        while j < n && !doc.tokens[j].newline_before {
            let t = doc.token_text(j);
            match doc.tokens[j].kind {
                TokenKind::Word if t.chars().next().is_some_and(char::is_uppercase) => {
                    words += 1;
                    last_word = Some(j);
                }
                TokenKind::Punct if t == "." => {}
                _ => break,
            }
            j += 1;
        }
        let paragraph_ends = j == n || doc.tokens[j].newline_before;
        let Some(last) = last_word else { continue };
        if !paragraph_ends
            || words > MAX_NAME_WORDS
            || (i + 1..=last).any(|k| covered.get(k).copied().unwrap_or(true))
        {
            continue;
        }
        // The quotation the dash closes: back to its opening mark.
        let region = q[i - 1];
        let mut a = i - 1;
        while a > 0 && q[a - 1] == region {
            a -= 1;
        }
        let mut b = i;
        let edge = |k: usize| {
            matches!(
                doc.tokens[k].kind,
                TokenKind::Punct | TokenKind::Dash | TokenKind::Quote
            )
        };
        while a < b && edge(a) {
            a += 1;
        }
        while b > a && edge(b - 1) {
            b -= 1;
        }
        if a == b {
            continue;
        }
        out.push(Attribution::new(
            Some(Span::new(doc.tokens[i + 1].start, doc.tokens[last].end)),
            Span::new(doc.tokens[i].start, doc.tokens[i].end),
            vec![Span::new(doc.tokens[a].start, doc.tokens[b - 1].end)],
        ));
    }
    out
}

/// PolNeAR gives each token one role in one attribution; windows overlap, so two cues may both
/// claim a content token. It stays with the nearer cue, a cue in its own sentence counting as
/// nearer. Sources are left alone: one speaker often serves two cues ("X said A and claimed B"),
/// and measured on dev, sharing them scores better.
fn resolve_conflicts(v: &DocView, cues: &[Range<usize>], tagged: &mut [(usize, Vec<usize>)]) {
    let n = v.doc.tokens.len();
    let mut best = vec![(usize::MAX, usize::MAX); n];
    let dist = |i: usize, cue: &Range<usize>| {
        let d = if i < cue.start {
            cue.start - i
        } else {
            i.saturating_sub(cue.end)
        };
        d + if v.sent_of[i] == v.sent_of[cue.start] {
            0
        } else {
            n
        }
    };
    for (k, (offset, labels)) in tagged.iter().enumerate() {
        for (p, &y) in labels.iter().enumerate() {
            let i = offset + p;
            if y == 2 && i < n {
                let d = dist(i, &cues[k]);
                if d < best[i].0 {
                    best[i] = (d, k);
                }
            }
        }
    }
    for (k, (offset, labels)) in tagged.iter_mut().enumerate() {
        for (p, y) in labels.iter_mut().enumerate() {
            let i = *offset + p;
            if *y == 2 && i < n && best[i].1 != k {
                *y = 0;
            }
        }
    }
}

/// Greedy B/I/O cue labels for one sentence; a token outside a cue for which `skip` holds is
/// labelled O without the tagger.
fn tag_cues(
    v: &DocView,
    range: &Range<usize>,
    mut skip: impl FnMut(usize) -> bool,
    mut predict: impl FnMut(usize, &[u64]) -> usize,
    feats: &mut Vec<u64>,
) -> Vec<usize> {
    let mut labels = Vec::with_capacity(range.len());
    let (mut p1, mut p2) = (0, 0);
    let has_quote = range.clone().any(|k| v.quote[k] != 0);
    for i in range.clone() {
        if p1 == 0 && skip(i) {
            labels.push(0);
            p2 = p1;
            p1 = 0;
            continue;
        }
        cue_features(v, range, has_quote, i, p1, p2, feats);
        let mut y = predict(i, feats);
        if y == 2 && p1 == 0 {
            y = 1;
        }
        labels.push(y);
        p2 = p1;
        p1 = y;
    }
    labels
}

/// Token ranges of the cues in B/I/O labels starting at token `offset`.
fn cue_runs(labels: &[usize], offset: usize) -> Vec<Range<usize>> {
    let mut out: Vec<Range<usize>> = Vec::new();
    for (k, &y) in labels.iter().enumerate() {
        let i = offset + k;
        match y {
            1 => out.push(i..i + 1),
            2 => match out.last_mut() {
                Some(r) if r.end == i => r.end = i + 1,
                _ => out.push(i..i + 1),
            },
            _ => {}
        }
    }
    out
}

/// Which cue covers each token, and prefix counts of cue tokens and commas, so that "another
/// cue lies between" and "commas between" are O(1) per token.
struct CueMarks {
    owner: Vec<usize>,
    cue_prefix: Vec<u32>,
}

impl CueMarks {
    fn new(n: usize, cues: &[Range<usize>]) -> CueMarks {
        let mut owner = vec![usize::MAX; n];
        for (k, c) in cues.iter().enumerate() {
            for o in &mut owner[c.clone()] {
                *o = k;
            }
        }
        let mut cue_prefix = Vec::with_capacity(n + 1);
        cue_prefix.push(0);
        let mut acc = 0;
        for &o in &owner {
            acc += u32::from(o != usize::MAX);
            cue_prefix.push(acc);
        }
        CueMarks { owner, cue_prefix }
    }
    fn cue_tokens(&self, r: Range<usize>) -> u32 {
        self.cue_prefix[r.end] - self.cue_prefix[r.start]
    }
}

/// The tokens the role tagger looks at for `cue`.
fn window(v: &DocView, cue: &Range<usize>) -> Range<usize> {
    let sents = &v.doc.sentences;
    if sents.is_empty() {
        return cue.clone();
    }
    let s = v.sent_of[cue.start] as usize;
    let para = sents[s].paragraph;
    let (mut lo, mut hi) = (s, s);
    let sent_start = sents[s].tokens.start;
    let left_ok = cue.start.saturating_sub(sent_start) <= MAX_CUE_OFFSET_FOR_PREVIOUS
        || v.quote[sent_start] != 0;
    if lo > 0 && sents[lo - 1].paragraph == para && left_ok {
        lo -= 1;
    }
    if hi + 1 < sents.len() && sents[hi + 1].paragraph == para {
        hi += 1;
    }
    // A quotation running on over the window's edge pulls its sentences in.
    let q = &v.quote;
    while left_ok && lo > 0 && s - lo < MAX_QUOTE_SENTENCES {
        let first = sents[lo].tokens.start;
        let prev_last = sents[lo - 1].tokens.end.saturating_sub(1);
        if sents[lo].tokens.is_empty() || q[first] == 0 || q[first] != q[prev_last] {
            break;
        }
        lo -= 1;
    }
    while hi + 1 < sents.len() && hi - s < MAX_QUOTE_SENTENCES {
        let last = sents[hi].tokens.end.saturating_sub(1);
        let next_first = sents[hi + 1].tokens.start;
        if sents[hi].tokens.is_empty() || q[last] == 0 || q[last] != q[next_first] {
            break;
        }
        hi += 1;
    }
    sents[lo].tokens.start.min(cue.start)..sents[hi].tokens.end.max(cue.end)
}

/// Greedy role labels (indices into ROLE_LABELS) for the tokens of `window`; the cue's own
/// tokens get [`ROLE_CUE_HISTORY`]. With `right_stop`, a later sentence whose first tokens
/// are labelled neither is left unlabelled (see [`RIGHT_STOP_AFTER`]); without it every token
/// is visited, as [`role_inputs`] needs.
#[allow(clippy::too_many_arguments)]
fn tag_roles(
    v: &DocView,
    cue: &Range<usize>,
    k: usize,
    marks: &CueMarks,
    window: Range<usize>,
    right_stop: bool,
    mut predict: impl FnMut(usize, &[u64]) -> usize,
    feats: &mut Vec<u64>,
) -> Vec<usize> {
    let c = CueContext::new(v, cue.start, cue.end);
    let mut labels = Vec::with_capacity(window.len());
    let (mut p1, mut p2) = (0, 0);
    // Commas between token j and the cue: counted once from each side of the cue.
    let comma_at = |j: usize| usize::from(v.shapes[j] == SHAPE_COMMA);
    let mut commas_left: usize = (window.start..cue.start).map(comma_at).sum();
    let mut commas_right = 0usize;
    let mut sent_has_role = false;
    for j in window.clone() {
        let sent = &v.doc.sentences[v.sent_of[j] as usize].tokens;
        if v.sent_of[j] > c.sent {
            if j == sent.start {
                sent_has_role = false;
            } else if right_stop && j - sent.start == RIGHT_STOP_AFTER && !sent_has_role {
                labels.resize(window.len(), 0);
                break;
            }
        }
        let y = if cue.contains(&j) {
            ROLE_CUE_HISTORY
        } else {
            let between = if j < cue.start {
                commas_left -= comma_at(j);
                Between {
                    commas: commas_left,
                    other_cue: marks.cue_tokens(j + 1..cue.start) > 0,
                    in_other_cue: marks.owner[j] != usize::MAX && marks.owner[j] != k,
                }
            } else {
                let b = Between {
                    commas: commas_right,
                    other_cue: marks.cue_tokens(cue.end..j) > 0,
                    in_other_cue: marks.owner[j] != usize::MAX && marks.owner[j] != k,
                };
                commas_right += comma_at(j);
                b
            };
            role_features(v, &c, j, between, p1, p2, feats);
            predict(j, feats)
        };
        sent_has_role |= y == 1 || y == 2;
        labels.push(y);
        p2 = p1;
        p1 = y;
    }
    labels
}

/// The longest run of O tokens, per role, that may separate two runs of that role on the same
/// side of the cue and still be read as one span.
const MAX_HOLE: [usize; 3] = [0, 2, 6];

/// Closes short gaps inside a role: a greedy tagger sometimes drops a token or two in the middle
/// of a long content clause, which costs an exact match for nothing. A gap is closed only on one
/// side of the cue, within a paragraph, and when no other cue lies in it.
fn fill_holes(
    doc: &Doc,
    cue: &Range<usize>,
    k: usize,
    marks: &CueMarks,
    offset: usize,
    mut labels: Vec<usize>,
) -> Vec<usize> {
    let mut last: [Option<usize>; 3] = [None; 3];
    for p in 0..labels.len() {
        let y = labels[p];
        let i = offset + p;
        if y == ROLE_CUE_HISTORY {
            last = [None; 3];
            continue;
        }
        if y == 1 || y == 2 {
            if let Some(q) = last[y] {
                let gap = q + 1..p;
                let ok = gap.len() <= MAX_HOLE[y]
                    && !gap.clone().any(|g| {
                        let o = marks.owner[offset + g];
                        (o != usize::MAX && o != k) || doc.tokens[offset + g].newline_before
                    })
                    && !doc.tokens[i].newline_before;
                if ok && (i < cue.start || offset + q >= cue.end) {
                    for l in &mut labels[gap] {
                        if *l == 0 {
                            *l = y;
                        }
                    }
                }
            }
            last[y] = Some(p);
        }
    }
    labels
}

/// Turns role labels over a window into an attribution: the source is the labelled run nearest
/// the cue, the content every content run (so "The plan, he said, will fail" keeps both parts).
fn assemble(doc: &Doc, cue: &Range<usize>, offset: usize, labels: &[usize]) -> Attribution {
    let mut runs: Vec<(usize, Range<usize>)> = Vec::new();
    for (k, &y) in labels.iter().enumerate() {
        let i = offset + k;
        if y != 1 && y != 2 {
            continue;
        }
        match runs.last_mut() {
            Some((ly, r)) if *ly == y && r.end == i => r.end = i + 1,
            _ => runs.push((y, i..i + 1)),
        }
    }
    let trim = |r: &Range<usize>| -> Option<Span> {
        let edge = |i: usize| matches!(doc.tokens[i].kind, TokenKind::Punct | TokenKind::Dash);
        let mut a = r.start;
        let mut b = r.end;
        while a < b && edge(a) {
            a += 1;
        }
        while b > a && edge(b - 1) {
            b -= 1;
        }
        (a < b).then(|| Span::new(doc.tokens[a].start, doc.tokens[b - 1].end))
    };
    let dist = |r: &Range<usize>| {
        if r.end <= cue.start {
            cue.start - r.end
        } else {
            r.start.saturating_sub(cue.end)
        }
    };
    let source = runs
        .iter()
        .filter(|(y, _)| *y == 1)
        .filter_map(|(_, r)| trim(r).map(|s| (dist(r), s)))
        .min_by_key(|&(d, s)| (d, s.start))
        .map(|(_, s)| s);
    let content = runs
        .iter()
        .filter(|(y, _)| *y == 2)
        .filter_map(|(_, r)| trim(r))
        .collect();
    Attribution::new(
        source,
        Span::new(doc.tokens[cue.start].start, doc.tokens[cue.end - 1].end),
        content,
    )
}

/// The pipeline component: runs the embedded model, and the parser over the sentences that
/// hold a cue where the pipeline has no dependency layer of its own (parsing every sentence
/// took about twice the time of the rest of attribution).
pub struct Tagger {
    model: Model,
    parser: Option<crate::syntax::Syntax>,
}

impl Tagger {
    pub fn embedded() -> Result<Tagger, ModelError> {
        Ok(Tagger {
            model: Model::embedded()?,
            parser: Some(crate::syntax::Syntax::embedded()?),
        })
    }
    pub fn new(model: Model, parser: Option<crate::syntax::Syntax>) -> Tagger {
        Tagger { model, parser }
    }
}

impl Component for Tagger {
    fn name(&self) -> &'static str {
        "attribution"
    }
    fn requires(&self) -> &'static [Layer] {
        &[Layer::Tokens, Layer::Sentences, Layer::Tags]
    }
    fn assigns(&self) -> &'static [Layer] {
        &[Layer::Attributions]
    }
    fn apply(&self, doc: &mut Doc) {
        doc.attributions = Some(self.model.analyze_with(doc, self.parser.as_ref()));
    }
}

/// A second role model's scorer, and the weight of the role tagger's own scores beside it.
struct ExtraScorer<'a> {
    scorer: RoleScorer<'a>,
    weight: f32,
}

/// A second role model: for each cue's window, a score per window token and role label
/// (neither, source, content).
pub type RoleScorer<'a> = &'a mut dyn FnMut(&[RoleInputs]) -> Vec<Vec<[f32; 3]>>;

/// One cue's role window as a role model outside this crate sees it: the role tagger's own
/// hashed features for each token, without label history (a model that scores the whole
/// window at once has none to give); the cue's own tokens have no features.
pub struct RoleInputs {
    pub cue: Range<usize>,
    pub window: Range<usize>,
    /// The features of the window's `p`-th token are `features[starts[p]..starts[p + 1]]`.
    pub features: Vec<u64>,
    pub starts: Vec<usize>,
}

fn role_inputs(v: &DocView, cue: &Range<usize>, k: usize, marks: &CueMarks) -> RoleInputs {
    let window = window(v, cue);
    let mut features = Vec::new();
    let mut starts = vec![0];
    let mut scratch = Vec::with_capacity(64);
    tag_roles(
        v,
        cue,
        k,
        marks,
        window.clone(),
        false,
        |j, f| {
            while starts.len() <= j - window.start {
                starts.push(features.len());
            }
            features.extend_from_slice(f);
            starts.push(features.len());
            0
        },
        &mut scratch,
    );
    starts.resize(window.len() + 1, features.len());
    RoleInputs {
        cue: cue.clone(),
        window,
        features,
        starts,
    }
}

/// The role windows of `doc`'s gold attributions as training uses them (gold cues, gold
/// cue marks), each with the gold label of every window token (0 neither, 1 source,
/// 2 content): the training data of a role model trained outside this crate.
pub fn gold_role_inputs(doc: &Doc, gold: &[GoldAttribution]) -> Vec<(RoleInputs, Vec<u8>)> {
    let td = prepare(doc, gold, &mut TrainStats::default());
    let marks = CueMarks::new(doc.tokens.len(), &td.cues);
    td.cues
        .iter()
        .zip(&td.roles)
        .enumerate()
        .map(|(k, (cue, g))| {
            let inputs = role_inputs(&td.view, cue, k, &marks);
            let labels = inputs
                .window
                .clone()
                .map(|j| {
                    g.binary_search_by_key(&j, |&(i, _)| i)
                        .map_or(0, |p| g[p].1 as u8)
                })
                .collect();
            (inputs, labels)
        })
        .collect()
}

/// A gold attribution for training: byte spans, each role possibly in several pieces (empty
/// when absent).
#[derive(Clone, Debug, Default)]
pub struct GoldAttribution {
    pub source: Vec<Span>,
    pub cue: Vec<Span>,
    pub content: Vec<Span>,
}

#[derive(Clone, Copy, Debug)]
pub struct TrainConfig {
    pub cue_epochs: usize,
    pub role_epochs: usize,
    pub seed: u64,
}

impl Default for TrainConfig {
    fn default() -> TrainConfig {
        TrainConfig {
            cue_epochs: 6,
            role_epochs: 6,
            seed: 0x5eed_a77b,
        }
    }
}

/// What training saw, for the report.
#[derive(Clone, Debug, Default)]
pub struct TrainStats {
    pub attributions: usize,
    pub skipped: usize,
    /// Gold source and content tokens, and how many of them the role window covers.
    pub role_tokens: usize,
    pub role_tokens_in_window: usize,
    pub cue_features: usize,
    pub role_features: usize,
    /// Examples the boundary rankers learned from: start and end for source, content and
    /// cue.
    pub bound_examples: [usize; 6],
    /// Share of training tokens the cue filter passes to the cue tagger.
    pub filter_pass: f64,
}

/// Token indices covered (mostly) by `spans`.
fn covered(doc: &Doc, spans: &[Span]) -> Vec<usize> {
    let mut out = Vec::new();
    for s in spans {
        let mut i = doc.token_at(s.start);
        while i < doc.tokens.len() && doc.tokens[i].start < s.end {
            let t = &doc.tokens[i];
            let overlap = t.end.min(s.end).saturating_sub(t.start.max(s.start));
            if overlap * 2 >= t.end - t.start && overlap > 0 {
                out.push(i);
            }
            i += 1;
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

struct TrainDoc<'a> {
    view: DocView<'a>,
    cue_labels: Vec<usize>,
    cues: Vec<Range<usize>>,
    /// Per cue: token labels (1 source, 2 content) by token index.
    roles: Vec<Vec<(usize, usize)>>,
}

/// Trains both taggers on documents with tokens and sentences and their gold attributions.
pub fn train(docs: &[(Doc, Vec<GoldAttribution>)], config: TrainConfig) -> (Model, TrainStats) {
    let mut stats = TrainStats::default();
    let prepared: Vec<TrainDoc> = docs
        .iter()
        .map(|(doc, gold)| prepare(doc, gold, &mut stats))
        .collect();

    let all: Vec<usize> = (0..prepared.len()).collect();
    let mut rng = Rng(config.seed | 1);
    let (cue, role) = train_taggers(&prepared, &all, config, &mut rng, Some(&mut stats));
    // The boundary rankers learn from each fold's output of taggers trained on the others.
    let mut examples = bounds::Examples::default();
    for f in 0..BOUND_FOLDS {
        let rest: Vec<usize> = all
            .iter()
            .copied()
            .filter(|d| d % BOUND_FOLDS != f)
            .collect();
        let (cue, role) = train_taggers(&prepared, &rest, config, &mut rng, None);
        let fold = Model {
            cue,
            role,
            bounds: None,
            filter: None,
        };
        for td in prepared.iter().skip(f).step_by(BOUND_FOLDS) {
            fold.bound_examples(td, &mut examples);
        }
    }
    stats.bound_examples = examples.counts();
    let bounds = examples.train(BOUND_EPOCHS, &mut rng);
    let filter = train_filter(&prepared, config, &mut rng, &mut stats);
    stats.cue_features = cue.n_features();
    stats.role_features = role.n_features();
    (
        Model {
            cue,
            role,
            bounds: Some(bounds),
            filter: Some(filter),
        },
        stats,
    )
}

/// A training document: its view, gold cue labels, and per gold cue its role labels. Gold
/// attributions whose cue spans two sentences or overlaps another's are skipped (counted in
/// `stats`).
fn prepare<'a>(doc: &'a Doc, gold: &[GoldAttribution], stats: &mut TrainStats) -> TrainDoc<'a> {
    let view = DocView::new(doc);
    let mut cue_labels = vec![0usize; doc.tokens.len()];
    let mut cues = Vec::new();
    let mut roles = Vec::new();
    for g in gold {
        let ct = covered(doc, &g.cue);
        let (Some(&a), Some(&b)) = (ct.first(), ct.last()) else {
            stats.skipped += 1;
            continue;
        };
        if v_sent(&view, a) != v_sent(&view, b) || cue_labels[a..=b].iter().any(|&l| l != 0) {
            stats.skipped += 1;
            continue;
        }
        cue_labels[a] = 1;
        for l in &mut cue_labels[a + 1..=b] {
            *l = 2;
        }
        let mut r: Vec<(usize, usize)> = covered(doc, &g.source)
            .into_iter()
            .map(|i| (i, 1))
            .collect();
        r.extend(covered(doc, &g.content).into_iter().map(|i| (i, 2)));
        r.retain(|&(i, _)| i < a || i > b);
        r.sort_unstable();
        cues.push(a..b + 1);
        roles.push(r);
        stats.attributions += 1;
    }
    TrainDoc {
        view,
        cue_labels,
        cues,
        roles,
    }
}

/// Share of the training cues whose first token the cue filter may send past the cue tagger.
const FILTER_LOSS: f64 = 0.02;

/// Trains the cue filter (cue token or not, from a few features) and sets its threshold so
/// that the first tokens of all but [`FILTER_LOSS`] of the training cues reach the tagger:
/// the filter spares the tagger most tokens, which are plainly no cue.
fn train_filter(
    prepared: &[TrainDoc],
    config: TrainConfig,
    rng: &mut Rng,
    stats: &mut TrainStats,
) -> (Perceptron, f32) {
    let mut trainer = Trainer::new(2);
    let mut order: Vec<usize> = (0..prepared.len()).collect();
    let mut feats = Vec::with_capacity(16);
    let mut two = [0f32; 2];
    // The tokens the cue tagger sees: those outside boilerplate.
    let tokens: Vec<Vec<usize>> = prepared
        .iter()
        .map(|td| {
            let doc = td.view.doc;
            doc.sentences
                .iter()
                .filter(|s| !doc.in_boilerplate(s.span))
                .flat_map(|s| s.tokens.clone())
                .collect()
        })
        .collect();
    for _ in 0..config.cue_epochs {
        rng.shuffle(&mut order);
        for &d in &order {
            let td = &prepared[d];
            for &i in &tokens[d] {
                cue_filter_features(&td.view, i, &mut feats);
                let guess = trainer.predict(&feats, &mut two);
                trainer.update(usize::from(td.cue_labels[i] != 0), guess, &feats);
                trainer.tick();
            }
        }
    }
    // The threshold is set on the filter as it will be stored, pruned.
    let filter = trainer.finish().pruned(PRUNE);
    let mut all = Vec::new();
    let mut starts = Vec::new();
    for (td, tokens) in prepared.iter().zip(&tokens) {
        for &i in tokens {
            cue_filter_features(&td.view, i, &mut feats);
            filter.score_into(&feats, &mut two);
            let m = two[1] - two[0];
            all.push(m);
            // Only a cue's first token meets the filter: the tagger labels the rest of a
            // cue it has begun whatever the filter says.
            if td.cue_labels[i] == 1 {
                starts.push(m);
            }
        }
    }
    starts.sort_by(f32::total_cmp);
    let k = (starts.len() as f64 * FILTER_LOSS) as usize;
    // With no cue tokens at all, nothing is filtered.
    let threshold = starts.get(k).copied().unwrap_or(f32::MIN);
    let kept = all.iter().filter(|&&m| m >= threshold).count();
    stats.filter_pass = kept as f64 / all.len().max(1) as f64;
    (filter, threshold)
}

/// Trains the cue and role taggers on the documents `subset` of `prepared`.
fn train_taggers(
    prepared: &[TrainDoc],
    subset: &[usize],
    config: TrainConfig,
    rng: &mut Rng,
    mut stats: Option<&mut TrainStats>,
) -> (Perceptron, Perceptron) {
    let mut order = subset.to_vec();
    let mut feats = Vec::with_capacity(64);
    let mut scores = [0f32; 3];

    let mut cue_trainer = Trainer::new(CUE_LABELS.len());
    for _ in 0..config.cue_epochs {
        rng.shuffle(&mut order);
        for &d in &order {
            let td = &prepared[d];
            for s in &td.view.doc.sentences {
                // The closure both predicts and learns, so training sees its own history.
                tag_cues(
                    &td.view,
                    &s.tokens,
                    |_| false,
                    |i, f| {
                        let guess = cue_trainer.predict(f, &mut scores);
                        cue_trainer.update(td.cue_labels[i], guess, f);
                        cue_trainer.tick();
                        guess
                    },
                    &mut feats,
                );
            }
        }
    }
    let cue = cue_trainer.finish();

    let mut role_trainer = Trainer::new(ROLE_LABELS.len() - 1);
    let mut first_epoch = true;
    for _ in 0..config.role_epochs {
        rng.shuffle(&mut order);
        for &d in &order {
            let td = &prepared[d];
            let marks = CueMarks::new(td.view.doc.tokens.len(), &td.cues);
            for (k, cue) in td.cues.iter().enumerate() {
                let w = window(&td.view, cue);
                let gold = &td.roles[k];
                if let (true, Some(stats)) = (first_epoch, stats.as_deref_mut()) {
                    stats.role_tokens += gold.len();
                    stats.role_tokens_in_window +=
                        gold.iter().filter(|(i, _)| w.contains(i)).count();
                }
                let truth_at = |j: usize| {
                    gold.binary_search_by_key(&j, |&(i, _)| i)
                        .map(|p| gold[p].1)
                        .unwrap_or(0)
                };
                tag_roles(
                    &td.view,
                    cue,
                    k,
                    &marks,
                    w.clone(),
                    true,
                    |j, f| {
                        let guess = role_trainer.predict(f, &mut scores);
                        role_trainer.update(truth_at(j), guess, f);
                        role_trainer.tick();
                        guess
                    },
                    &mut feats,
                );
            }
        }
        first_epoch = false;
    }
    (cue, role_trainer.finish())
}

impl Model {
    /// Boundary ranker examples from this (fold) model's output on a training document: each
    /// content run of a cue that matches a gold cue, against the gold content piece it
    /// overlaps most.
    fn bound_examples(&self, td: &TrainDoc, examples: &mut bounds::Examples) {
        let v = &td.view;
        let cues = self.find_cues(v);
        for r in bounds::cue_runs(v, &cues) {
            let mut gold = td.cues.iter().filter(|g| g.start <= r.b && r.a < g.end);
            if let (Some(g), None) = (gold.next(), gold.next()) {
                examples.add_cue(v, &r, (g.start, g.end - 1));
            }
        }
        let (marks, tagged) = self.tag_windows(v, &cues, &mut None);
        for (k, (cue, (offset, labels))) in cues.iter().zip(&tagged).enumerate() {
            let Some(g) = td.cues.iter().position(|c| c == cue) else {
                continue;
            };
            let content = bounds::runs(v, cue, k, &marks, *offset, labels, bounds::CONTENT);
            let gold_content = gold_pieces(v.doc, &td.roles[g], bounds::CONTENT);
            if content.len() > 1 {
                for r in &content {
                    let keep = gold_content.iter().any(|&(a, b)| a <= r.b && r.a <= b);
                    examples.add_keep(v, cue, r, &content, keep);
                }
            }
            let sources = bounds::runs(v, cue, k, &marks, *offset, labels, bounds::SOURCE);
            let source_gold = gold_pieces(v.doc, &td.roles[g], bounds::SOURCE);
            for (runs, pieces) in [(sources, source_gold), (content, gold_content)] {
                for r in runs {
                    let overlap =
                        |&(a, b): &(usize, usize)| (b.min(r.b) + 1).saturating_sub(a.max(r.a));
                    if let Some(p) = pieces
                        .iter()
                        .filter(|p| overlap(p) > 0)
                        .max_by_key(|p| (overlap(p), std::cmp::Reverse(p.0)))
                    {
                        examples.add(v, cue, &marks, &r, *p);
                    }
                }
            }
        }
    }
}

/// The gold pieces of `role` among one cue's role labels (token, label), as first and last
/// token with edge punctuation and quote marks trimmed.
fn gold_pieces(doc: &Doc, roles: &[(usize, usize)], role: usize) -> Vec<(usize, usize)> {
    let mut out: Vec<(usize, usize)> = Vec::new();
    let edge = |i: usize| bounds::edge(doc, i);
    for &(i, _) in roles.iter().filter(|&&(i, y)| y == role && !edge(i)) {
        match out.last_mut() {
            Some(last) if (last.1 + 1..i).all(edge) => last.1 = i,
            _ => out.push((i, i)),
        }
    }
    out
}

fn v_sent(v: &DocView, i: usize) -> u32 {
    v.sent_of[i]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tokenize;

    /// A document with the layers the model reads, as the pipeline makes it.
    fn doc(text: &str) -> Doc {
        let mut d = tokenize::test_doc(text);
        crate::pos::Tagger::embedded()
            .expect("pos model loads")
            .apply(&mut d);
        d
    }

    fn span_of(d: &Doc, s: &str) -> Span {
        let a = d.text.find(s).unwrap_or(0);
        Span::new(a, a + s.len())
    }

    #[test]
    fn embedded_model_finds_a_plain_said_attribution() {
        let m = Model::embedded().expect("embedded model loads");
        let d = doc("The senator said the plan would fail.");
        let a = m.predict(&d);
        assert_eq!(a.len(), 1);
        assert_eq!(d.slice(a[0].cue), "said");
        assert_eq!(a[0].source.map(|s| d.slice(s)), Some("The senator"));
        assert_eq!(d.slice(a[0].content[0]), "the plan would fail");
    }

    #[test]
    fn training_is_deterministic_and_round_trips() {
        let d = doc("Smith said the deal was dead. Jones told reporters the talks would go on.");
        let gold = vec![
            GoldAttribution {
                source: vec![span_of(&d, "Smith")],
                cue: vec![span_of(&d, "said")],
                content: vec![span_of(&d, "the deal was dead")],
            },
            GoldAttribution {
                source: vec![span_of(&d, "Jones")],
                cue: vec![span_of(&d, "told reporters")],
                content: vec![span_of(&d, "the talks would go on")],
            },
        ];
        let data = vec![(d.clone(), gold)];
        let (m1, stats) = train(&data, TrainConfig::default());
        let (m2, _) = train(&data, TrainConfig::default());
        assert_eq!(stats.attributions, 2);
        assert_eq!(m1.to_bytes(), m2.to_bytes());
        // Unpruned: two sentences of training leave every weight below the stored model's
        // pruning threshold.
        let bytes = m1.to_bytes_pruned(0.0, 0.0);
        assert_eq!(bytes, m2.to_bytes_pruned(0.0, 0.0));
        let m3 = Model::from_bytes(&bytes).expect("round trip");
        let a = m3.predict(&d);
        assert_eq!(a.len(), 2);
        assert_eq!(d.slice(a[1].cue), "told reporters");
        assert!(Model::from_bytes(b"CTATTR01garbage!").is_err());
        assert!(Model::from_bytes(b"").is_err());
    }

    #[test]
    fn the_cue_filter_only_stops_a_cue_from_starting() {
        let d = doc("Officials said on Monday that the talks had failed.");
        let v = DocView::new(&d);
        let range = 0..d.tokens.len();
        let mut feats = Vec::new();
        let mut asked = Vec::new();
        // A tagger that starts a cue at token 1 and continues it over token 2, behind a filter
        // that turns every token away.
        let labels = tag_cues(
            &v,
            &range,
            |i| {
                asked.push(i);
                i != 1
            },
            |i, _| match i {
                1 => 1,
                2 => 2,
                _ => 0,
            },
            &mut feats,
        );
        assert_eq!(&labels[..4], &[0, 1, 2, 0]);
        // The tagger alone decides whether a cue goes on (tokens 2 and 3); after that the
        // filter is asked again.
        assert!(!asked.contains(&2) && !asked.contains(&3));
        assert!(asked.contains(&4));
        assert_eq!(cue_runs(&labels, 0), vec![1..3]);
    }

    /// Attributions with cue "said" in paragraphs after the first, and the furthest paragraph
    /// any attribution's source or content reaches beyond its cue's.
    fn said_per_paragraph(m: &Model, text: &str) -> (usize, usize) {
        let d = doc(text);
        let paragraph = |at: usize| d.text[..at].matches("\n\n").count();
        let (mut said, mut reach) = (0, 0);
        for a in m.analyze(&d) {
            let p = paragraph(a.cue.start);
            for s in a.content.iter().chain(a.source.iter()) {
                reach = reach.max(paragraph(s.end).saturating_sub(p));
            }
            said += usize::from(p > 0 && &d.text[a.cue.start..a.cue.end] == "said");
        }
        (said, reach)
    }

    #[test]
    fn a_quote_left_open_hides_no_attribution_after_it() {
        let m = Model::embedded().expect("embedded model loads");
        let para = [
            // Closed well: the tagger's own case.
            "“More words in paragraph {i},” the officials said, “and more of them here.”",
            // The closing quote mark lost before the speaker, in every paragraph.
            "“More words in paragraph {i}, the officials said, and more of them here.”",
            // Never closed at all: each paragraph opening with a quote mark continues it.
            "“More words in paragraph {i}, the officials said, and more of them here.",
            "\"More words in paragraph {i}, the officials said, and more of them here.\"",
            "«More words in paragraph {i}, the officials said, and more of them here.»",
            "\"More words in paragraph {i}, the officials said, and more of them here.",
            "«More words in paragraph {i}, the officials said, and more of them here.",
        ];
        for p in para {
            let mut text = String::from("He said “this opens and never closes.\n\n");
            for i in 0..100 {
                text.push_str(&p.replace("{i}", &i.to_string()));
                text.push_str("\n\n");
            }
            let (said, reach) = said_per_paragraph(&m, &text);
            assert!(said >= 95, "{p}: only {said} of 100 attributions found");
            // A continued quotation may carry the first speaker's content on, but only as far
            // as the role window.
            assert!(
                reach <= MAX_QUOTE_SENTENCES + 1,
                "{p}: a span runs on {reach} paragraphs"
            );
        }
    }

    #[test]
    fn odd_quoting_never_panics() {
        let m = Model::embedded().expect("embedded model loads");
        let mut text = String::from("He said “this opens and never closes.\n\n");
        for _ in 0..100 {
            text.push_str("“More words, she said, \"and more « quotes ‘ here.\n\n");
        }
        let d = doc(&text);
        let a = m.predict(&d);
        for x in a {
            assert!(x.cue.end <= d.text.len());
        }
        assert!(m.predict(&doc("")).is_empty());
    }
}
