//! Nesting and kind: through whom a statement reached the article, and whether it is quoted.
//!
//! PolNeAR gives every token one attribution, so "X said Y has never acknowledged Z" is X's
//! attribution with content "Y has never acknowledged Z"; the tagger, which also knows
//! "acknowledged" as a cue, cuts X's content short at Y. Here the inner attribution is kept
//! but linked to the outer one (`nested_in`) and the outer content is given back its full
//! clause, so a reader sees the chain and the outer statement stays whole. The postposed
//! pattern ("Z, Y said.") is linked in `post.rs`, where Z's extent is decided.

use super::post::{Ctx, Work};
use crate::doc::AttributionKind;

/// Links attributions whose source (or, without one, cue) lies in the content an earlier cue
/// in the same sentence opens, and extends that content over them.
pub fn link(cx: &Ctx, w: &mut [Work]) {
    for b in 1..w.len() {
        if w[b].nested_in.is_some() {
            continue;
        }
        let sent = cx.sent_of[w[b].cue.start];
        let anchor = w[b]
            .source
            .as_ref()
            .map(|s| s.start)
            .unwrap_or(w[b].cue.start);
        // The nearest earlier cue in the sentence whose right-hand content reaches the anchor.
        // Attributions are in cue order: stop at the first cue in an earlier sentence, so
        // each lookup costs the attributions of one sentence, not of the whole document.
        let found = (0..b)
            .rev()
            .take_while(|&a| cx.sent_of[w[a].cue.start] >= sent)
            .find_map(|a| {
                let x = &w[a];
                if cx.sent_of[x.cue.start] != sent || x.cue.end > anchor || x.nested_in == Some(b) {
                    return None;
                }
                x.content
                    .iter()
                    .position(|r| r.start >= x.cue.end && r.start <= anchor && anchor <= r.end + 1)
                    .map(|p| (a, p))
            });
        let Some((a, p)) = found else { continue };
        if w[b].source.as_ref().is_some_and(|s| s.start < w[a].cue.end) {
            continue;
        }
        // "When Patriot signaled that it would sell, Mr. Barrett said, ...": a speaker after
        // a comma or semicolon, with content of its own after the cue, opens a clause of its
        // own; the earlier cue's content ends at the punctuation. PolNeAR annotates such a
        // speaker as an attribution of its own: on dev this raised exact F1 by 0.7 (source),
        // 0.5 (cue) and 0.4 (content), and on train by 0.8, 0.8 and 1.1.
        let own_content = w[b].content.iter().any(|r| r.start >= w[b].cue.end);
        if own_content && anchor > 0 && matches!(cx.lower[anchor - 1].as_str(), "," | ";") {
            let r = &mut w[a].content[p];
            if r.start < anchor - 1 {
                r.end = r.end.min(anchor - 1);
            }
            continue;
        }
        let sent_end = cx.sentence(w[b].cue.start).end;
        let mut end = w[b].cue.end;
        for r in &w[b].content {
            if r.start >= w[b].cue.end && r.end <= sent_end {
                end = end.max(r.end);
            }
        }
        w[b].nested_in = Some(a);
        let outer = &mut w[a];
        let r = &mut outer.content[p];
        r.end = r.end.max(end);
        let merged = r.clone();
        let mut seen = false;
        outer.content.retain(|q| {
            if *q == merged && !seen {
                seen = true;
                return true;
            }
            !(merged.start <= q.start && q.end <= merged.end)
        });
    }
}

/// Direct, indirect or mixed, from the quotation marks over the content words that are the
/// attribution's own (not those of an attribution nested in it).
pub fn kinds(cx: &Ctx, w: &mut [Work]) {
    let n = cx.lower.len();
    // Per token, whether some nested attribution's content covers it, by outer index.
    let mut inner: Vec<Vec<std::ops::Range<usize>>> = vec![Vec::new(); w.len()];
    for b in w.iter() {
        if let Some(a) = b.nested_in {
            if let Some(v) = inner.get_mut(a) {
                v.extend(b.content.iter().cloned());
            }
        }
    }
    for (k, a) in w.iter_mut().enumerate() {
        let (mut quoted, mut plain) = (0usize, 0usize);
        for r in &a.content {
            for i in r.clone() {
                if i >= n || cx.is_punct(i) || inner[k].iter().any(|q| q.contains(&i)) {
                    continue;
                }
                if cx.quote[i] != 0 {
                    quoted += 1;
                } else {
                    plain += 1;
                }
            }
        }
        a.kind = match (quoted, plain) {
            (0, _) => AttributionKind::Indirect,
            (_, 0) => AttributionKind::Direct,
            _ => AttributionKind::Mixed,
        };
    }
}
