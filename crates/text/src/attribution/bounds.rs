//! Boundaries, chosen by ranking.
//!
//! The taggers label tokens left to right, so when the role tagger ends a content span it has
//! not seen what follows ("... to the White House on Monday as he issued a statement"), and
//! most of its content errors are one boundary off; cues and sources are too, by a particle
//! ("warned | against") or an apposition. Rankers re-choose each cue's, source's and content
//! run's first and last token among nearby candidates, seeing both sides of each boundary:
//! the words around it, the clause that follows, the quotation it would split, another cue
//! it would swallow, how far it moves from the tagger's choice. Start and end are ranked
//! separately, each a linear score per candidate (a one-class perceptron trained by ranking
//! updates), the end kept at or after the chosen start; on a tie the tagger's choice stays.
//!
//! Before that, where the role tagger gave a cue several content runs, a keep-or-drop
//! classifier removes the stray ones (a noun phrase far from the cue, a quotation that is
//! another speaker's), always keeping the one it likes best.
//!
//! It is trained on the taggers' own output for training articles they did not see (k-fold,
//! [`super::train`]), so that it learns the mistakes the taggers really make, and what a
//! right boundary of theirs looks like, rather than boundaries around gold spans.

use super::features::{bits_code, dist_bucket, fx, CueContext, DocView, BOS, EOS, SHAPE_COMMA};
use super::{CueMarks, ROLE_CUE_HISTORY};
use crate::doc::TokenKind;
use crate::perceptron::{Perceptron, Trainer};
use std::ops::Range;

/// The role labels whose runs are refined, and the cue's own code here.
pub const SOURCE: usize = 1;
pub const CONTENT: usize = 2;
pub const CUE: usize = 3;

/// How far a start and an end may move from the tagger's, in tokens, by role: content ends
/// are off by whole clauses more often than starts; a source by a title or an apposition.
/// Chosen on dev among a few settings: content (6, 30) and source (8, 12) scored lower and
/// cost more; content (4, 10) or (6, 12) with source (3, 6) or (5, 8) scored lower too.
fn reach(role: usize) -> (usize, usize) {
    match role {
        CONTENT => (6, 15),
        CUE => (4, 6),
        _ => (5, 8),
    }
}

/// The trained rankers of one role.
pub struct Pair {
    pub start: Perceptron,
    pub end: Perceptron,
}

/// The trained rankers, by role, and the classifier that drops a stray content run.
pub struct Bounds {
    pub cue: Pair,
    pub source: Pair,
    pub content: Pair,
    /// Two classes: drop (0) and keep (1).
    pub keep: Perceptron,
}

/// A content run of the role tagger's and the room it may move in.
#[derive(Clone, Debug)]
pub struct Run {
    /// First and last token after trimming edge punctuation and quote marks (inclusive).
    pub a: usize,
    pub b: usize,
    /// The run's labelled tokens before trimming, and the free tokens around it (labelled
    /// neither, in no other cue, within the window and the paragraph): `lo..hi`.
    pub raw: Range<usize>,
    pub lo: usize,
    pub hi: usize,
    /// Whether the run lies after the cue.
    pub right: bool,
    /// [`SOURCE`] or [`CONTENT`].
    pub role: usize,
}

/// Tokens that exact match ignores at a span's edge.
pub fn edge(doc: &crate::doc::Doc, i: usize) -> bool {
    matches!(
        doc.tokens[i].kind,
        TokenKind::Punct | TokenKind::Dash | TokenKind::Quote
    )
}

/// The runs of `role` in `labels` (role labels for the window starting at token `offset`).
pub fn runs(
    v: &DocView,
    cue: &Range<usize>,
    k: usize,
    marks: &CueMarks,
    offset: usize,
    labels: &[usize],
    role: usize,
) -> Vec<Run> {
    let doc = v.doc;
    let end = offset + labels.len();
    let free =
        |i: usize| labels[i - offset] == 0 && (marks.owner[i] == usize::MAX || marks.owner[i] == k);
    let mut out = Vec::new();
    let mut p = 0;
    while p < labels.len() {
        if labels[p] != role {
            p += 1;
            continue;
        }
        let start = offset + p;
        while p < labels.len() && labels[p] == role {
            p += 1;
        }
        let raw = start..offset + p;
        let (mut a, mut b) = (raw.start, raw.end);
        while a < b && edge(doc, a) {
            a += 1;
        }
        while b > a && edge(doc, b - 1) {
            b -= 1;
        }
        if a == b {
            continue;
        }
        let mut lo = raw.start;
        while lo > offset && free(lo - 1) && !doc.tokens[lo].newline_before {
            lo -= 1;
        }
        let mut hi = raw.end;
        while hi < end && free(hi) && !doc.tokens[hi].newline_before {
            hi += 1;
        }
        out.push(Run {
            a,
            b: b - 1,
            raw,
            lo,
            hi,
            right: a >= cue.end,
            role,
        });
    }
    out
}

/// The tagger's cues as runs: each may move within its sentence up to its neighbours.
pub fn cue_runs(v: &DocView, cues: &[Range<usize>]) -> Vec<Run> {
    let doc = v.doc;
    cues.iter()
        .enumerate()
        .map(|(k, c)| {
            let sent = &doc.sentences[v.sent_of[c.start] as usize].tokens;
            let lo = sent.start.max(if k > 0 { cues[k - 1].end } else { 0 });
            let hi = sent
                .end
                .min(cues.get(k + 1).map_or(usize::MAX, |n| n.start));
            Run {
                a: c.start,
                b: c.end - 1,
                raw: c.clone(),
                lo: lo.min(c.start),
                hi: hi.max(c.end),
                right: false,
                role: CUE,
            }
        })
        .collect()
}

/// Features of start candidate `s` of the cue run `r` (`head`: the tagger's cue's head stem).
pub fn cue_start_features(v: &DocView, head: u64, r: &Run, s: usize, out: &mut Vec<u64>) {
    out.clear();
    let si = s as isize;
    let off = offset_code(s, r.a);
    let lexm1 = if s > 0 { lex_at(v, s - 1) } else { BOS };
    let sent_start = u64::from(s == r.lo);
    out.extend_from_slice(&[
        fx(400, &[off]),
        fx(401, &[off, v.w(si)]),
        fx(402, &[off, v.w(si - 1)]),
        fx(403, &[off, v.tag(si)]),
        fx(404, &[off, v.tag(si - 1), v.tag(si)]),
        fx(405, &[off, lex_at(v, s), lexm1]),
        fx(406, &[off, head]),
        fx(407, &[head, v.w(si)]),
        fx(408, &[v.w(si - 1), v.w(si)]),
        fx(409, &[off, shape_at(v, si - 1), sent_start]),
        fx(410, &[head, v.tag(si)]),
        fx(411, &[off, v.w(si), v.w(si + 1)]),
        fx(412, &[head, v.w(si - 1), v.w(si)]),
        fx(413, &[off, v.w(si - 2), v.w(si - 1)]),
    ]);
}

/// Features of end candidate `e` of the cue run `r`.
pub fn cue_end_features(v: &DocView, head: u64, r: &Run, e: usize, out: &mut Vec<u64>) {
    out.clear();
    let ei = e as isize;
    let off = offset_code(e, r.b);
    let len = (e + 1).saturating_sub(r.a).min(8) as u64;
    out.extend_from_slice(&[
        fx(500, &[off]),
        fx(501, &[off, v.w(ei)]),
        fx(502, &[off, v.w(ei + 1)]),
        fx(503, &[off, v.tag(ei)]),
        fx(504, &[off, v.tag(ei), v.tag(ei + 1)]),
        fx(505, &[off, lex_at(v, e), lex_at(v, e + 1)]),
        fx(506, &[off, head]),
        fx(507, &[head, v.w(ei)]),
        fx(508, &[head, v.w(ei + 1)]),
        fx(509, &[v.w(ei), v.w(ei + 1)]),
        fx(510, &[off, shape_at(v, ei + 1)]),
        fx(511, &[head, v.tag(ei), v.tag(ei + 1)]),
        fx(512, &[len, v.w(ei)]),
        fx(513, &[off, v.tag(ei + 1), v.tag(ei + 2)]),
        fx(514, &[head, len]),
        fx(515, &[head, v.w(ei + 1), v.w(ei + 2)]),
        fx(516, &[off, v.w(ei + 1), v.w(ei + 2)]),
        fx(517, &[head, v.w(ei - 1), v.w(ei)]),
    ]);
}

/// Tokens between a run and its cue.
fn gap(c: &CueContext, r: &Run) -> usize {
    if r.right {
        r.a.saturating_sub(c.end)
    } else {
        c.start.saturating_sub(r.b + 1)
    }
}

/// Features of content run `r`, one of the several runs `all` the role tagger gave its cue,
/// for the model that keeps or drops it: "His views were echoed by ... Clinton's tax plans"
/// has one content, not two.
pub fn keep_features(v: &DocView, c: &CueContext, r: &Run, all: &[Run], out: &mut Vec<u64>) {
    out.clear();
    let side = if r.right { 2 } else { 1 };
    let len = |o: &Run| o.b + 1 - o.a;
    let longest = u64::from(all.iter().all(|o| len(o) <= len(r)));
    let nearest = u64::from(all.iter().all(|o| gap(c, o) >= gap(c, r)));
    let same_side = u64::from(all.iter().filter(|o| o.right == r.right).count() > 1);
    let srel = match v.sent_of[r.a] as i64 - c.sent as i64 {
        0 => 0,
        -1 => 1,
        1 => 2,
        _ => 3,
    };
    let quoted = u64::from(v.quote[r.a] != 0 && v.quote[r.a] == v.quote[r.b]);
    let with_cue = u64::from(c.quote != 0 && c.quote == v.quote[r.a]);
    let d = dist_bucket(gap(c, r));
    let l = dist_bucket(len(r));
    let (ai, bi) = (r.a as isize, r.b as isize);
    out.extend_from_slice(&[
        fx(600, &[side]),
        fx(601, &[side, d]),
        fx(602, &[side, l]),
        fx(603, &[side, longest, nearest]),
        fx(604, &[side, same_side, longest]),
        fx(605, &[side, srel, quoted]),
        fx(606, &[side, quoted, with_cue]),
        fx(607, &[side, v.w(ai)]),
        fx(608, &[side, v.w(ai - 1)]),
        fx(609, &[side, v.tag(ai), l]),
        fx(610, &[side, v.tag(bi + 1)]),
        fx(611, &[side, c.head, nearest]),
        fx(612, &[side, d, l, longest]),
        fx(613, &[side, shape_at(v, ai - 1), shape_at(v, bi + 1)]),
        fx(614, &[side, (all.len().min(4)) as u64, nearest]),
    ]);
}

/// The head stem of the cue run `r` as the tagger found it.
fn cue_head(v: &DocView, r: &Run) -> u64 {
    CueContext::new(v, r.a, r.b + 1).head
}

/// Candidate starts of `r`: tokens near the tagger's start that are not edge tokens.
pub fn starts(v: &DocView, r: &Run) -> Vec<usize> {
    let reach = reach(r.role).0;
    let lo = r.lo.max(r.a.saturating_sub(reach));
    let hi = (r.a + reach).min(r.b);
    (lo..=hi).filter(|&s| !edge(v.doc, s)).collect()
}

/// Candidate ends of `r` at or after `from`.
pub fn ends(v: &DocView, r: &Run, from: usize) -> Vec<usize> {
    let reach = reach(r.role).1;
    let lo = from.max(r.a).max(r.b.saturating_sub(reach));
    let hi = (r.b + reach).min(r.hi.saturating_sub(1));
    (lo..=hi).filter(|&e| !edge(v.doc, e)).collect()
}

/// A signed, bucketed move from the tagger's boundary.
fn offset_code(at: usize, tagger: usize) -> u64 {
    let d = at.abs_diff(tagger);
    let b = match d {
        0..=3 => d as u64,
        4..=6 => 4,
        7..=12 => 5,
        _ => 6,
    };
    if at < tagger {
        b + 8
    } else {
        b
    }
}

/// Where quotation marks put a boundary between tokens `i` (inside) and `j` (outside): both in
/// one quotation (it would split it), `i` in one that `j` is not, neither quoted.
fn quote_code(v: &DocView, i: usize, j: Option<usize>) -> u64 {
    let qi = v.quote[i];
    let qj = j.map_or(0, |j| v.quote[j]);
    match (qi != 0, qj != 0) {
        (true, true) if qi == qj => 1,
        (true, _) => 2,
        (false, true) => 3,
        (false, false) => 0,
    }
}

fn shape_at(v: &DocView, i: isize) -> u64 {
    if i < 0 {
        BOS
    } else {
        v.shapes.get(i as usize).copied().unwrap_or(EOS)
    }
}

fn lex_at(v: &DocView, i: usize) -> u64 {
    v.lex.get(i).map_or(EOS, |&b| bits_code(b))
}

/// Features of start candidate `s` of run `r` for cue `c`.
pub fn start_features(v: &DocView, c: &CueContext, r: &Run, s: usize, out: &mut Vec<u64>) {
    out.clear();
    let side = if r.right { 2 } else { 1 };
    let si = s as isize;
    let off = offset_code(s, r.a);
    let dcue = dist_bucket(if r.right {
        s - c.end
    } else {
        c.start.saturating_sub(s)
    });
    let sent = &v.doc.sentences[v.sent_of[s] as usize].tokens;
    let sent_start = u64::from((sent.start..s).all(|i| edge(v.doc, i)));
    let newline = u64::from((s + 1..=r.a).any(|i| v.doc.tokens[i].newline_before));
    let q = quote_code(v, s, s.checked_sub(1));
    let (w, wm1, wm2) = (v.w(si), v.w(si - 1), v.w(si - 2));
    let (t, tm1) = (v.tag(si), v.tag(si - 1));
    let pshape = shape_at(v, si - 1);
    let lexm1 = if s > 0 { lex_at(v, s - 1) } else { BOS };
    out.extend_from_slice(&[
        fx(200, &[side]),
        fx(201, &[side, off]),
        fx(202, &[side, w]),
        fx(203, &[side, wm1]),
        fx(204, &[side, wm1, w]),
        fx(205, &[side, t]),
        fx(206, &[side, tm1, t]),
        fx(207, &[side, pshape, v.shapes[s]]),
        fx(208, &[side, dcue]),
        fx(209, &[side, dcue, t]),
        fx(210, &[side, sent_start, off]),
        fx(211, &[side, q, off]),
        fx(212, &[side, c.head, w]),
        fx(213, &[side, off, t]),
        fx(214, &[side, off, pshape]),
        fx(215, &[side, lexm1, off]),
        fx(216, &[side, wm2, wm1]),
        fx(217, &[side, c.head, dcue]),
        fx(218, &[side, newline]),
        fx(219, &[side, off, w]),
        fx(220, &[side, sent_start, t]),
    ]);
    syntax_features(
        v,
        c,
        s,
        v.syn.lo_top.get(s),
        [221, 222, 223],
        side,
        off,
        out,
    );
}

/// How a boundary candidate `at`, and `top`, the largest phrase that opens (closes) there,
/// hang from the cue's head: a content boundary is often a clause's edge. Nothing without a
/// parse.
#[allow(clippy::too_many_arguments)]
fn syntax_features(
    v: &DocView,
    c: &CueContext,
    at: usize,
    top: Option<&u32>,
    templates: [u64; 3],
    side: u64,
    off: u64,
    out: &mut Vec<u64>,
) {
    if let Some(&top) = top {
        let p = v.dep_path(c.syn, at);
        let tp = v.dep_path(c.syn, top as usize);
        out.extend_from_slice(&[
            fx(templates[0], &[side, p.kind, p.rel, p.edge]),
            fx(templates[1], &[side, tp.kind, tp.rel, off]),
            fx(templates[2], &[side, p.kind, p.edge, off]),
        ]);
    }
}

/// Features of end candidate `e` (the last token) of run `r` for cue `c`.
pub fn end_features(
    v: &DocView,
    c: &CueContext,
    marks: &CueMarks,
    r: &Run,
    e: usize,
    out: &mut Vec<u64>,
) {
    out.clear();
    let n = v.doc.tokens.len();
    let side = if r.right { 2 } else { 1 };
    let ei = e as isize;
    let off = offset_code(e, r.b);
    let dcue = dist_bucket(if r.right {
        e - c.end
    } else {
        c.start.saturating_sub(e + 1)
    });
    let sent = &v.doc.sentences[v.sent_of[e] as usize].tokens;
    let sent_end = u64::from((e + 1..sent.end).all(|i| edge(v.doc, i)));
    let para_end = u64::from(e + 1 >= n || v.doc.tokens[e + 1].newline_before);
    let q = quote_code(v, e, (e + 1 < n).then_some(e + 1));
    let (lo, hi) = if e < r.b { (e, r.b) } else { (r.b, e) };
    let commas = (lo + 1..=hi)
        .filter(|&i| v.shapes[i] == SHAPE_COMMA)
        .count()
        .min(3) as u64
        + if e < r.b { 4 } else { 0 };
    let other_cue = u64::from(marks.cue_tokens(r.a.min(e)..e + 1) > 0);
    let len = dist_bucket((e + 1).saturating_sub(r.a));
    let (w, wp1, wp2) = (v.w(ei), v.w(ei + 1), v.w(ei + 2));
    let (t, tp1, tp2) = (v.tag(ei), v.tag(ei + 1), v.tag(ei + 2));
    let (sp1, sp2) = (shape_at(v, ei + 1), shape_at(v, ei + 2));
    out.extend_from_slice(&[
        fx(300, &[side]),
        fx(301, &[side, off]),
        fx(302, &[side, wp1]),
        fx(303, &[side, w]),
        fx(304, &[side, w, wp1]),
        fx(305, &[side, tp1]),
        fx(306, &[side, tp1, tp2]),
        fx(307, &[side, sp1, wp2]),
        fx(308, &[side, sp1, tp2]),
        fx(309, &[side, sent_end, para_end]),
        fx(310, &[side, dcue]),
        fx(311, &[side, commas]),
        fx(312, &[side, other_cue]),
        fx(313, &[side, q, off]),
        fx(314, &[side, len]),
        fx(315, &[side, c.head, wp1]),
        fx(316, &[side, c.head, tp1]),
        fx(317, &[side, off, sp1]),
        fx(318, &[side, off, sent_end]),
        fx(319, &[side, t, tp1]),
        fx(320, &[side, wp1, wp2]),
        fx(321, &[side, sp1, sp2]),
        fx(322, &[side, lex_at(v, e + 1), lex_at(v, e + 2)]),
        fx(323, &[side, commas, sp1]),
        fx(324, &[side, sent_end, q]),
        fx(325, &[side, other_cue, off]),
    ]);
    syntax_features(
        v,
        c,
        e,
        v.syn.hi_top.get(e),
        [326, 327, 328],
        side,
        off,
        out,
    );
}

/// The candidate with the highest score; on a tie (an untrained ranker) the tagger's own.
fn best(
    model: &Perceptron,
    cands: &[usize],
    tagger: usize,
    mut feats: impl FnMut(usize, &mut Vec<u64>),
    buf: &mut Vec<u64>,
) -> Option<usize> {
    let mut score = [0f32; 1];
    let mut top: Option<(f32, usize)> = None;
    let own = cands.iter().copied().filter(|&x| x == tagger);
    for x in own.chain(cands.iter().copied().filter(|&x| x != tagger)) {
        feats(x, buf);
        model.score_into(buf, &mut score);
        if top.is_none_or(|(s, _)| score[0] > s) {
            top = Some((score[0], x));
        }
    }
    top.map(|(_, x)| x)
}

impl Bounds {
    /// Moves each cue's boundaries to the ranked best; the cues stay in order and apart.
    pub fn refine_cues(&self, v: &DocView, cues: &mut [Range<usize>]) {
        let mut buf = Vec::with_capacity(16);
        for (k, r) in cue_runs(v, cues).into_iter().enumerate() {
            let head = cue_head(v, &r);
            let lo = if k > 0 { cues[k - 1].end } else { 0 };
            let cands: Vec<usize> = starts(v, &r).into_iter().filter(|&s| s >= lo).collect();
            let s = best(
                &self.cue.start,
                &cands,
                r.a,
                |s, out| cue_start_features(v, head, &r, s, out),
                &mut buf,
            )
            .unwrap_or(r.a);
            let e = best(
                &self.cue.end,
                &ends(v, &r, s),
                r.b,
                |e, out| cue_end_features(v, head, &r, e, out),
                &mut buf,
            )
            .unwrap_or(r.b.max(s));
            cues[k] = s..e + 1;
        }
    }

    /// Moves the boundaries of each source and content run in `labels` (the role labels of
    /// cue `k`'s window, which starts at token `offset`) to the ranked best.
    pub fn refine(
        &self,
        v: &DocView,
        cue: &Range<usize>,
        k: usize,
        marks: &CueMarks,
        offset: usize,
        labels: &mut [usize],
    ) {
        let c = CueContext::new(v, cue.start, cue.end);
        let mut buf = Vec::with_capacity(32);
        let mut content = runs(v, cue, k, marks, offset, labels, CONTENT);
        if content.len() > 1 {
            let mut scores = [0f32; 2];
            let margins: Vec<f32> = content
                .iter()
                .map(|r| {
                    keep_features(v, &c, r, &content, &mut buf);
                    self.keep.score_into(&buf, &mut scores);
                    scores[1] - scores[0]
                })
                .collect();
            // Never all of them: the run the model likes best stays.
            let top = margins
                .iter()
                .enumerate()
                .max_by(|a, b| a.1.total_cmp(b.1))
                .map_or(0, |(i, _)| i);
            let mut i = 0;
            content.retain(|r| {
                let keep = i == top || margins[i] >= 0.0;
                i += 1;
                if !keep {
                    for t in r.raw.clone() {
                        labels[t - offset] = 0;
                    }
                }
                keep
            });
        }
        let mut all = runs(v, cue, k, marks, offset, labels, SOURCE);
        all.extend(content);
        for r in all {
            let pair = if r.role == SOURCE {
                &self.source
            } else {
                &self.content
            };
            let s = best(
                &pair.start,
                &starts(v, &r),
                r.a,
                |s, out| start_features(v, &c, &r, s, out),
                &mut buf,
            )
            .unwrap_or(r.a);
            let e = best(
                &pair.end,
                &ends(v, &r, s),
                r.b,
                |e, out| end_features(v, &c, marks, &r, e, out),
                &mut buf,
            )
            .unwrap_or(r.b.max(s));
            for i in r.raw.clone() {
                labels[i - offset] = 0;
            }
            for i in s..=e {
                debug_assert!(labels[i - offset] != ROLE_CUE_HISTORY);
                labels[i - offset] = r.role;
            }
        }
    }
}

/// One training example: the candidates' features and which candidate is right.
struct Example {
    feats: Vec<Vec<u64>>,
    gold: usize,
}

/// Training examples for the rankers, gathered from the taggers' output on unseen articles:
/// start and end, for source (0), content (1) and cue (2).
#[derive(Default)]
pub struct Examples {
    start: [Vec<Example>; 3],
    end: [Vec<Example>; 3],
    /// Content runs of cues with several: features, and whether a gold content overlaps it.
    keep: Vec<(Vec<u64>, bool)>,
}

impl Examples {
    /// Adds the examples of one run whose right boundaries are `gold` (first and last token,
    /// edge tokens trimmed); a boundary outside the run's candidates teaches nothing.
    pub fn add(
        &mut self,
        v: &DocView,
        cue: &Range<usize>,
        marks: &CueMarks,
        r: &Run,
        gold: (usize, usize),
    ) {
        let c = CueContext::new(v, cue.start, cue.end);
        let x = usize::from(r.role == CONTENT);
        self.push(
            x,
            v,
            r,
            gold,
            |s, out| start_features(v, &c, r, s, out),
            |e, out| end_features(v, &c, marks, r, e, out),
        );
    }

    /// Adds a keep-or-drop example for content run `r` among its cue's runs `all`.
    pub fn add_keep(&mut self, v: &DocView, cue: &Range<usize>, r: &Run, all: &[Run], keep: bool) {
        let c = CueContext::new(v, cue.start, cue.end);
        let mut buf = Vec::new();
        keep_features(v, &c, r, all, &mut buf);
        self.keep.push((buf, keep));
    }

    /// Adds the examples of a cue run whose right boundaries are `gold`.
    pub fn add_cue(&mut self, v: &DocView, r: &Run, gold: (usize, usize)) {
        let head = cue_head(v, r);
        self.push(
            2,
            v,
            r,
            gold,
            |s, out| cue_start_features(v, head, r, s, out),
            |e, out| cue_end_features(v, head, r, e, out),
        );
    }

    fn push(
        &mut self,
        x: usize,
        v: &DocView,
        r: &Run,
        gold: (usize, usize),
        mut start: impl FnMut(usize, &mut Vec<u64>),
        mut end: impl FnMut(usize, &mut Vec<u64>),
    ) {
        let collect = |cands: &[usize], g: usize, f: &mut dyn FnMut(usize, &mut Vec<u64>)| {
            let gold = cands.iter().position(|&c| c == g)?;
            let feats = cands
                .iter()
                .map(|&c| {
                    let mut buf = Vec::new();
                    f(c, &mut buf);
                    buf
                })
                .collect();
            Some(Example { feats, gold })
        };
        if let Some(ex) = collect(&starts(v, r), gold.0, &mut start) {
            self.start[x].push(ex);
        }
        if let Some(ex) = collect(&ends(v, r, r.a), gold.1, &mut end) {
            self.end[x].push(ex);
        }
    }

    /// Trains both rankers for `epochs` passes in an order drawn from `rng`.
    pub fn train(self, epochs: usize, rng: &mut crate::perceptron::Rng) -> Bounds {
        let fit = |examples: Vec<Example>, rng: &mut crate::perceptron::Rng| {
            let mut t = Trainer::new(1);
            let mut order: Vec<usize> = (0..examples.len()).collect();
            let mut score = [0f32; 1];
            for _ in 0..epochs {
                rng.shuffle(&mut order);
                for &x in &order {
                    let ex = &examples[x];
                    let mut top = (f32::NEG_INFINITY, 0);
                    for (i, f) in ex.feats.iter().enumerate() {
                        t.score_into(f, &mut score);
                        if score[0] > top.0 {
                            top = (score[0], i);
                        }
                    }
                    if top.1 != ex.gold {
                        t.update_rank(&ex.feats[ex.gold], &ex.feats[top.1]);
                    }
                    t.tick();
                }
            }
            t.finish()
        };
        let [ss, cs, ks] = self.start;
        let [se, ce, ke] = self.end;
        let mut pair = |s, e| Pair {
            start: fit(s, rng),
            end: fit(e, rng),
        };
        let source = pair(ss, se);
        let content = pair(cs, ce);
        let cue = pair(ks, ke);
        let mut t = Trainer::new(2);
        let mut order: Vec<usize> = (0..self.keep.len()).collect();
        let mut scores = [0f32; 2];
        for _ in 0..epochs {
            rng.shuffle(&mut order);
            for &x in &order {
                let (f, truth) = &self.keep[x];
                let guess = t.predict(f, &mut scores);
                t.update(usize::from(*truth), guess, f);
                t.tick();
            }
        }
        let keep = t.finish();
        Bounds {
            cue,
            source,
            content,
            keep,
        }
    }

    /// How many examples each ranker has: start and end for source, content and cue.
    pub fn counts(&self) -> [usize; 6] {
        let [a, b, c] = &self.start;
        let [d, e, f] = &self.end;
        [a.len(), d.len(), b.len(), e.len(), c.len(), f.len()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doc::Doc;
    use crate::perceptron::{feature, Rng};

    use crate::tokenize::test_doc as doc;

    fn token(d: &Doc, s: &str) -> usize {
        (0..d.tokens.len())
            .find(|&i| d.token_text(i) == s)
            .unwrap_or(usize::MAX)
    }

    #[test]
    fn a_run_may_grow_over_free_tokens_only() {
        // Source "Smith", cue "said", content "the plan" tagged short of "would fail".
        let d = doc("Smith said the plan would fail, aides said.\n\nNext paragraph here.");
        let v = DocView::new(&d);
        let said = token(&d, "said");
        let aides = token(&d, "aides");
        let cues = [said..said + 1, aides + 1..aides + 2];
        let marks = CueMarks::new(d.tokens.len(), &cues);
        let mut labels = vec![0; d.tokens.len()];
        labels[0] = SOURCE;
        labels[said] = ROLE_CUE_HISTORY;
        labels[said + 1] = CONTENT;
        labels[said + 2] = CONTENT;
        let runs = runs(&v, &cues[0], 0, &marks, 0, &labels, CONTENT);
        assert_eq!(runs.len(), 1);
        let r = &runs[0];
        assert_eq!((r.a, r.b, r.right), (said + 1, said + 2, true));
        // Free up to the other cue, never over it, nor into the next paragraph.
        assert_eq!(r.lo, said + 1);
        assert_eq!(r.hi, aides + 1);
        let ends = ends(&v, r, r.a);
        assert!(ends.contains(&(aides - 2)), "{ends:?}");
        assert!(
            !ends.iter().any(|&e| d.token_text(e) == ","),
            "edge tokens are no candidates"
        );
        let sources = super::runs(&v, &cues[0], 0, &marks, 0, &labels, SOURCE);
        assert_eq!(
            (sources[0].a, sources[0].lo, sources[0].right),
            (0, 0, false)
        );
    }

    #[test]
    fn the_ranker_learns_which_candidate_is_right() {
        let good = feature(1, &["good"]);
        let bad = feature(1, &["bad"]);
        let mut ex = Examples::default();
        for k in 0..20 {
            let mut feats = vec![vec![bad]; 3];
            feats[k % 3] = vec![good];
            ex.start[1].push(Example { feats, gold: k % 3 });
        }
        assert_eq!(ex.counts(), [0, 0, 20, 0, 0, 0]);
        for k in 0..20 {
            ex.keep
                .push((vec![if k % 2 == 0 { good } else { bad }], k % 2 == 0));
        }
        let b = ex.train(3, &mut Rng(7));
        let mut two = [0f32; 2];
        assert_eq!(b.keep.predict(&[good], &mut two), 1);
        assert_eq!(b.keep.predict(&[bad], &mut two), 0);
        let mut score = [0f32];
        b.content.start.score_into(&[good], &mut score);
        let g = score[0];
        b.content.start.score_into(&[bad], &mut score);
        assert!(g > score[0]);
    }
}
