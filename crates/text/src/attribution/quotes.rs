//! Quotation regions: which tokens lie inside a quotation, and which quotation.
//!
//! Attribution needs to know that `"We will win. We will fight," he said.` quotes two
//! sentences, so it pairs quote marks over the whole text rather than per sentence. Double
//! quotes of every style (straight, curly, angle) open and close regions; single quotes are
//! left alone because they are mostly apostrophes or quotes inside quotes, which stay inside
//! the outer region anyway.
//!
//! The pairing is one left-to-right pass with a single "current region" state, so it is linear
//! in the text and cannot fail. Odd quoting is bounded by the news convention for long quotes:
//! a quotation continues into the next paragraph only when that paragraph opens with a quote
//! mark; otherwise a paragraph break closes it. An unclosed quote therefore spoils at most one
//! paragraph.

use crate::doc::{Doc, TokenKind};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mark {
    Open,
    Close,
    /// A straight quote whose direction the spacing does not settle.
    Either,
}

/// The quote mark starting at token `i`, and how many tokens it spans: two for a doubled
/// single quote that the tokenizer split (`''`).
fn mark(doc: &Doc, i: usize) -> (Option<Mark>, usize) {
    let t = &doc.tokens[i];
    if t.kind != TokenKind::Quote {
        return (None, 1);
    }
    let s = doc.token_text(i);
    let Some(c) = s.chars().next() else {
        return (None, 1);
    };
    // Some wires write `''` for both marks (''It's anti-reform,'' he said); the tokenizer
    // gives two `'` tokens, read here as one double mark.
    let doubled = s == "'"
        && doc
            .tokens
            .get(i + 1)
            .is_some_and(|n| n.start == t.end && doc.token_text(i + 1) == "'");
    let width = if doubled { 2 } else { 1 };
    let last = i + width - 1;
    let space_after = doc
        .tokens
        .get(last + 1)
        .map(|n| n.space_before || n.newline_before || n.kind == TokenKind::Punct)
        .unwrap_or(true);
    let space_before = t.space_before || t.newline_before || i == 0;
    let by_spacing = || match (space_before, space_after) {
        (true, false) => Some(Mark::Open),
        (false, true) => Some(Mark::Close),
        _ => Some(Mark::Either),
    };
    let m = match c {
        '“' | '«' | '„' => Some(Mark::Open),
        '”' | '»' => Some(Mark::Close),
        '"' => by_spacing(),
        '\'' if doubled => by_spacing(),
        // A doubled single quote written as one token (`''` or ``` `` ```).
        '\'' | '`' if s.chars().count() == 2 => {
            Some(if c == '`' { Mark::Open } else { Mark::Close })
        }
        _ => None,
    };
    (m, width)
}

/// For each token, the quotation region it lies in (1, 2, ...) or 0 outside any. Quote marks
/// belong to the region they delimit.
pub fn regions(doc: &Doc) -> Vec<u32> {
    let n = doc.tokens.len();
    let mut out = Vec::with_capacity(n);
    let mut current = 0u32;
    let mut next_id = 1u32;
    let mut i = 0;
    while i < n {
        let (m, width) = mark(doc, i);
        i += width;
        if doc.tokens[i - width].newline_before && current != 0 {
            // A paragraph break: the quotation goes on only if the new paragraph reopens it.
            if matches!(m, Some(Mark::Open) | Some(Mark::Either)) {
                out.extend(std::iter::repeat_n(current, width));
                continue;
            }
            current = 0;
        }
        let region = match m {
            Some(Mark::Open) => {
                current = next_id;
                next_id += 1;
                current
            }
            Some(Mark::Close) => std::mem::take(&mut current),
            Some(Mark::Either) if current == 0 => {
                current = next_id;
                next_id += 1;
                current
            }
            Some(Mark::Either) => std::mem::take(&mut current),
            None => current,
        };
        out.extend(std::iter::repeat_n(region, width));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::tokenize::test_doc as doc;

    fn quoted(text: &str) -> Vec<String> {
        let d = doc(text);
        let r = regions(&d);
        (0..d.tokens.len())
            .filter(|&i| r[i] != 0 && d.tokens[i].kind != TokenKind::Quote)
            .map(|i| d.token_text(i).to_string())
            .collect()
    }

    #[test]
    fn pairs_curly_straight_and_angle_quotes_across_sentences() {
        assert_eq!(
            quoted("“We win. We fight,” he said."),
            ["We", "win", ".", "We", "fight", ","]
        );
        assert_eq!(quoted("He said \"no way\" twice."), ["no", "way"]);
        assert_eq!(quoted("Il a dit « non » hier."), ["non"]);
    }

    #[test]
    fn doubled_single_quotes_open_and_close_by_spacing() {
        assert_eq!(
            quoted("''It's anti-reform. She's layering,'' he said."),
            ["It", "'s", "anti-reform", ".", "She", "'s", "layering", ","]
        );
        assert_eq!(quoted("``Yes,'' she said."), ["Yes", ","]);
    }

    #[test]
    fn an_unclosed_quote_stops_at_the_paragraph_break() {
        let q = quoted("He said \"this never ends.\n\nNext paragraph here.");
        assert!(!q.contains(&"Next".to_string()));
        let q = quoted("He said “one.\n\n“Two,” he added.");
        assert!(q.contains(&"Two".to_string()));
    }

    #[test]
    fn odd_quoting_is_linear_and_does_not_panic() {
        let text = "\"“”«»\"\"'' ``\n\n".repeat(2000);
        let d = doc(&text);
        assert_eq!(regions(&d).len(), d.tokens.len());
        assert!(regions(&doc("\"")).len() == 1);
        assert!(regions(&doc("")).is_empty());
    }
}
