//! Tokens and sentences for news text, with exact byte offsets into the original.
//!
//! The tokenizer follows the Universal Dependencies English conventions that the tagger was
//! trained on (possessive `'s` and `n't` split off, hyphenated words kept whole) and adds the
//! things news text is full of: URLs, e-mail addresses, @handles, numbers with separators,
//! abbreviations and initials, curly and angle quotes, em and en dashes. Every step is a single
//! left-to-right pass, so time stays linear however odd the input.

use crate::doc::{Sentence, Span, Token, TokenKind};
use crate::lexicon;

/// Splits `text` into tokens. Never fails; any byte sequence that is valid UTF-8 is accepted.
pub fn tokenize(text: &str) -> Vec<Token> {
    let mut out = Vec::with_capacity(text.len() / 5 + 1);
    let mut chunk_start: Option<usize> = None;
    let mut space_before = true;
    let mut newline_before = false;
    for (i, c) in text.char_indices() {
        if c.is_whitespace() {
            if let Some(s) = chunk_start.take() {
                split_chunk(text, s, i, space_before, newline_before, &mut out);
                newline_before = false;
            }
            space_before = true;
            if c == '\n' || c == '\u{2029}' || c == '\u{2028}' {
                newline_before = true;
            }
        } else if chunk_start.is_none() {
            chunk_start = Some(i);
        }
    }
    if let Some(s) = chunk_start {
        split_chunk(text, s, text.len(), space_before, newline_before, &mut out);
    }
    out
}

fn is_quote(c: char) -> bool {
    matches!(
        c,
        '"' | '\''
            | '`'
            | '“'
            | '”'
            | '„'
            | '‟'
            | '‘'
            | '’'
            | '‚'
            | '‛'
            | '«'
            | '»'
            | '‹'
            | '›'
            | '「'
            | '」'
    )
}

fn is_open_bracket(c: char) -> bool {
    matches!(c, '(' | '[' | '{' | '¿' | '¡')
}

fn is_close_punct(c: char) -> bool {
    matches!(c, ')' | ']' | '}' | ',' | ';' | ':' | '!' | '?' | '…' | '*')
}

fn is_dash(c: char) -> bool {
    matches!(c, '—' | '–' | '―' | '‒' | '−')
}

fn first_char(s: &str) -> char {
    s.chars().next().unwrap_or(' ')
}

fn last_char(s: &str) -> char {
    s.chars().next_back().unwrap_or(' ')
}

struct Emitter<'a> {
    out: &'a mut Vec<Token>,
    text: &'a str,
    space_before: bool,
    newline_before: bool,
}

impl Emitter<'_> {
    fn push(&mut self, start: usize, end: usize, kind: Option<TokenKind>) {
        if start >= end {
            return;
        }
        let kind = kind.unwrap_or_else(|| classify(&self.text[start..end]));
        self.out.push(Token {
            start,
            end,
            kind,
            space_before: self.space_before,
            newline_before: self.newline_before,
        });
        self.space_before = false;
        self.newline_before = false;
    }
}

/// Kind of a token from its characters.
pub fn classify(s: &str) -> TokenKind {
    let c = first_char(s);
    if s.chars().all(is_quote) {
        return TokenKind::Quote;
    }
    if s.chars().all(|c| is_dash(c) || c == '-') {
        return TokenKind::Dash;
    }
    let numeric_start = c.is_ascii_digit()
        || (matches!(c, '.' | '-' | '+') && s[1..].starts_with(|d: char| d.is_ascii_digit()));
    if numeric_start
        && s.chars()
            .all(|c| c.is_ascii_digit() || matches!(c, ',' | '.' | '-' | '+' | '/' | ':'))
    {
        return TokenKind::Number;
    }
    if s.chars().any(char::is_alphanumeric) {
        return TokenKind::Word;
    }
    if s.chars()
        .all(|c| c.is_ascii_punctuation() || is_dash(c) || c == '…' || is_quote(c))
    {
        if s.chars().all(|c| {
            matches!(
                c,
                '$' | '%' | '&' | '+' | '=' | '<' | '>' | '^' | '|' | '~' | '#' | '@'
            )
        }) {
            return TokenKind::Symbol;
        }
        return TokenKind::Punct;
    }
    TokenKind::Symbol
}

const CONTRACTIONS: [&str; 6] = ["n't", "'s", "'re", "'ve", "'ll", "'d"];

/// Length in bytes of a contraction suffix (`n't`, `'s`, `'re`, ... with straight or curly
/// apostrophe) at the end of `word`, when the rest is a word of letters.
fn contraction_suffix(word: &str) -> Option<usize> {
    // Cheap reject first: every contraction ends in a letter preceded somewhere by an apostrophe.
    if !(word.contains('\'') || word.contains('’')) {
        return None;
    }
    // The last four characters, lowercased, curly apostrophe folded to straight; no allocation.
    let mut tail = ['\0'; 4];
    let mut n = 0;
    for c in word.chars().rev().take(4) {
        tail[3 - n] = if c == '’' {
            '\''
        } else {
            c.to_ascii_lowercase()
        };
        n += 1;
    }
    let tail = &tail[4 - n..];
    for suf in CONTRACTIONS.iter().chain(["'m"].iter()) {
        let sc: Vec<char> = suf.chars().collect();
        if tail.len() >= sc.len() && tail[tail.len() - sc.len()..] == sc[..] {
            let start = word
                .char_indices()
                .rev()
                .nth(sc.len() - 1)
                .map(|(i, _)| i)?;
            let stem = &word[..start];
            if stem.is_empty() || !stem.chars().all(char::is_alphabetic) {
                return None;
            }
            return Some(word.len() - start);
        }
    }
    None
}

fn is_url_start(s: &str) -> bool {
    let l = s.as_bytes();
    let starts = |p: &str| l.len() > p.len() && l[..p.len()].eq_ignore_ascii_case(p.as_bytes());
    starts("http://") || starts("https://") || starts("www.") || starts("t.me/")
}

fn is_email(s: &str) -> bool {
    let Some(at) = s.find('@') else { return false };
    at > 0
        && s[..at]
            .chars()
            .all(|c| c.is_alphanumeric() || "._%+-".contains(c))
        && s[at + 1..].contains('.')
        && !s[at + 1..].ends_with('.')
        && s[at + 1..]
            .chars()
            .all(|c| c.is_alphanumeric() || ".-".contains(c))
}

fn is_handle(s: &str) -> bool {
    let mut it = s.chars();
    matches!(it.next(), Some('@'))
        && s.len() > 1
        && s[1..].chars().all(|c| c.is_alphanumeric() || c == '_')
}

fn is_hashtag(s: &str) -> bool {
    s.starts_with('#')
        && s.len() > 1
        && s[1..].chars().all(|c| c.is_alphanumeric() || c == '_')
        && !s[1..].chars().all(|c| c.is_ascii_digit())
}

/// Whether a word ending in a period keeps the period: abbreviations, initials, "U.S.".
pub fn keeps_period(word_with_dot: &str) -> bool {
    let w = &word_with_dot[..word_with_dot.len() - 1];
    if w.is_empty() {
        return false;
    }
    let n = w.chars().count();
    if n == 1 && first_char(w).is_alphabetic() {
        return true; // initial: "J." / "a." (list items too)
    }
    if w.contains('.') && w.chars().all(|c| c.is_alphabetic() || c == '.') {
        return true; // U.S. / a.m. / e.g.
    }
    lexicon::is_abbreviation(w)
}

fn split_chunk(
    text: &str,
    s: usize,
    e: usize,
    space_before: bool,
    newline_before: bool,
    out: &mut Vec<Token>,
) {
    let mut em = Emitter {
        out,
        text,
        space_before,
        newline_before,
    };
    let mut lo = s;
    let mut hi = e;
    // Leading punctuation, one token each.
    while lo < hi {
        let rest = &text[lo..hi];
        if is_url_start(rest) || is_handle(rest) || is_email(rest) {
            break;
        }
        let c = first_char(rest);
        let cl = c.len_utf8();
        if rest.starts_with("...") {
            let n = rest.bytes().take_while(|&b| b == b'.').count();
            em.push(lo, lo + n, Some(TokenKind::Punct));
            lo += n;
        } else if rest.starts_with("--") {
            let n = rest.bytes().take_while(|&b| b == b'-').count();
            em.push(lo, lo + n, Some(TokenKind::Dash));
            lo += n;
        } else if rest.starts_with("``") {
            em.push(lo, lo + 2, Some(TokenKind::Quote));
            lo += 2;
        } else if is_quote(c) && !(c == '\'' && (rest.len() > 1 && is_year_abbrev(&rest[1..]))) {
            em.push(lo, lo + cl, Some(TokenKind::Quote));
            lo += cl;
        } else if is_open_bracket(c) || is_dash(c) || c == '…' || (is_close_punct(c) && c != '*')
        {
            em.push(lo, lo + cl, None);
            lo += cl;
        } else if matches!(c, '$' | '€' | '£' | '¥' | '₩' | '₹') && rest.len() > cl {
            em.push(lo, lo + cl, Some(TokenKind::Symbol));
            lo += cl;
        } else {
            break;
        }
    }
    // Trailing punctuation and clitics, collected in reverse.
    let mut tail: Vec<(usize, usize, Option<TokenKind>)> = Vec::new();
    while lo < hi {
        let rest = &text[lo..hi];
        if is_url_start(rest)
            && !matches!(
                last_char(rest),
                '.' | ',' | ';' | ':' | '!' | '?' | ')' | '"' | '”' | '’' | '\'' | ']'
            )
        {
            break;
        }
        let c = last_char(rest);
        let cl = c.len_utf8();
        if rest.ends_with("...") && rest.len() > 3 {
            let n = rest.bytes().rev().take_while(|&b| b == b'.').count();
            tail.push((hi - n, hi, Some(TokenKind::Punct)));
            hi -= n;
        } else if rest.ends_with("--") && rest.len() > 2 {
            let n = rest.bytes().rev().take_while(|&b| b == b'-').count();
            tail.push((hi - n, hi, Some(TokenKind::Dash)));
            hi -= n;
        } else if c == '.' {
            if rest.len() > 1 && keeps_period(rest) {
                break;
            }
            tail.push((hi - 1, hi, Some(TokenKind::Punct)));
            hi -= 1;
        } else if c == ')' && is_url_start(rest) && rest.contains('(') {
            break; // a URL with balanced parentheses, Wikipedia style
        } else if is_quote(c) && rest.len() > cl {
            tail.push((hi - cl, hi, Some(TokenKind::Quote)));
            hi -= cl;
        } else if (is_close_punct(c) || is_dash(c) || c == '…') && rest.len() > cl {
            tail.push((hi - cl, hi, None));
            hi -= cl;
        } else if c == '%' && rest.len() > 1 {
            tail.push((hi - 1, hi, Some(TokenKind::Symbol)));
            hi -= 1;
        } else if let Some(n) =
            contraction_suffix(rest).filter(|_| !is_url_start(rest) && !rest.starts_with('@'))
        {
            tail.push((hi - n, hi, Some(TokenKind::Word)));
            hi -= n;
        } else {
            break;
        }
    }
    if lo < hi {
        split_middle(text, lo, hi, &mut em);
    }
    for (a, b, k) in tail.into_iter().rev() {
        em.push(a, b, k);
    }
}

/// "'90s", "'24": an apostrophe that abbreviates a year is part of the word.
fn is_year_abbrev(s: &str) -> bool {
    let digits = s.bytes().take_while(u8::is_ascii_digit).count();
    digits == 2 && (s.len() == 2 || s[2..].starts_with('s'))
}

fn split_middle(text: &str, lo: usize, hi: usize, em: &mut Emitter) {
    let word = &text[lo..hi];
    if is_url_start(word) {
        em.push(lo, hi, Some(TokenKind::Url));
        return;
    }
    if is_email(word) {
        em.push(lo, hi, Some(TokenKind::Email));
        return;
    }
    if is_handle(word) {
        em.push(lo, hi, Some(TokenKind::Handle));
        return;
    }
    if is_hashtag(word) {
        em.push(lo, hi, Some(TokenKind::Hashtag));
        return;
    }
    // Internal separators: dashes, ellipses, digit ranges, stray quotes and brackets, commas between words.
    let bytes = word.as_bytes();
    let mut piece = 0;
    let mut iter = word.char_indices().peekable();
    while let Some((i, c)) = iter.next() {
        let next = iter.peek().map(|&(_, n)| n);
        let prev = word[..i].chars().next_back();
        let sep_len = if is_dash(c) || c == '…' {
            c.len_utf8()
        } else if c == '-' && next == Some('-') {
            bytes[i..].iter().take_while(|&&b| b == b'-').count()
        } else if c == '.' && next == Some('.') && word[i..].starts_with("...") {
            bytes[i..].iter().take_while(|&&b| b == b'.').count()
        } else if c == '-'
            && prev.is_some_and(|p| p.is_ascii_digit())
            && next.is_some_and(|n| n.is_ascii_digit())
            && !looks_like_date_or_code(word)
        {
            1
        } else if (matches!(
            c,
            '(' | ')' | '[' | ']' | '{' | '}' | '"' | '“' | '”' | '«' | '»'
        ) && i > 0)
            || (matches!(c, ',' | ';' | '!' | '?')
                && !(c == ','
                    && prev.is_some_and(|p| p.is_ascii_digit())
                    && next.is_some_and(|n| n.is_ascii_digit())))
        {
            c.len_utf8()
        } else {
            0
        };
        if sep_len > 0 {
            em.push(lo + piece, lo + i, None);
            let kind = if is_dash(c) || c == '-' {
                Some(TokenKind::Dash)
            } else if is_quote(c) {
                Some(TokenKind::Quote)
            } else {
                Some(TokenKind::Punct)
            };
            em.push(lo + i, lo + i + sep_len, kind);
            piece = i + sep_len;
            // Skip the rest of a multi-byte separator run.
            while let Some(&(j, _)) = iter.peek() {
                if j < piece {
                    iter.next();
                } else {
                    break;
                }
            }
        }
    }
    em.push(lo + piece, hi, None);
}

/// ISO dates (2024-10-21) and codes (A-1-2) keep their hyphens.
fn looks_like_date_or_code(word: &str) -> bool {
    let parts: Vec<&str> = word.split('-').collect();
    parts.len() >= 3
        || (parts.len() == 2
            && parts[0].len() == 4
            && parts[1].len() == 2
            && parts[0].bytes().all(|b| b.is_ascii_digit())
            && parts[1].bytes().all(|b| b.is_ascii_digit()))
}

fn is_terminal(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| matches!(c, '.' | '!' | '?' | '…'))
}

fn is_closing(text: &str, t: &Token) -> bool {
    let s = &text[t.start..t.end];
    match t.kind {
        TokenKind::Quote => !t.space_before || matches!(first_char(s), '”' | '’' | '»' | '›'),
        TokenKind::Punct => matches!(s, ")" | "]" | "}"),
        _ => false,
    }
}

fn starts_sentence_like(text: &str, t: &Token) -> bool {
    let c = first_char(&text[t.start..t.end]);
    c.is_uppercase()
        || c.is_ascii_digit()
        || matches!(
            t.kind,
            TokenKind::Quote
                | TokenKind::Handle
                | TokenKind::Url
                | TokenKind::Hashtag
                | TokenKind::Dash
        )
        || is_open_bracket(c)
        || (c.is_alphabetic() && !c.is_lowercase()) // scripts without case
}

/// Groups tokens into sentences. Paragraph breaks (blank lines) always end a sentence; a single
/// line break does unless it plainly falls inside a running sentence.
pub fn split_sentences(text: &str, tokens: &[Token]) -> Vec<Sentence> {
    let mut out = Vec::new();
    if tokens.is_empty() {
        return out;
    }
    let mut start = 0usize;
    let mut paragraph = 0usize;
    let mut i = 0usize;
    while i < tokens.len() {
        let t = &tokens[i];
        let s = &text[t.start..t.end];
        let mut end = i + 1; // exclusive end of the candidate sentence
        let mut boundary = false;
        let mut new_paragraph = false;
        let terminal = is_terminal(s) || (s == "." && t.kind == TokenKind::Punct);
        let abbrev = !terminal && s.ends_with('.') && s.len() > 1 && t.kind == TokenKind::Word;
        if terminal || abbrev {
            while end < tokens.len()
                && is_closing(text, &tokens[end])
                && !tokens[end].newline_before
            {
                end += 1;
            }
            match tokens.get(end) {
                None => boundary = true,
                Some(n) if n.newline_before => {}
                Some(n) => {
                    let next = &text[n.start..n.end];
                    if terminal {
                        boundary = starts_sentence_like(text, n) && !(s == "." && next == ".");
                    } else {
                        let w = &s[..s.len() - 1];
                        let initial = w.chars().count() == 1;
                        boundary = !initial
                            && !lexicon::is_title_abbreviation(w)
                            && first_char(next).is_uppercase()
                            && lexicon::is_sentence_starter(next);
                    }
                }
            }
        }
        if let Some(n) = tokens.get(end) {
            if n.newline_before {
                let gap = &text[tokens[end - 1].end..n.start];
                let newlines = gap.matches('\n').count();
                let prev = &text[tokens[end - 1].start..tokens[end - 1].end];
                let next = &text[n.start..n.end];
                let runs_on = newlines == 1
                    && matches!(tokens[end - 1].kind, TokenKind::Word | TokenKind::Number)
                    && !prev.ends_with('.')
                    || (newlines == 1 && (prev == "," || prev == ";"));
                let runs_on = runs_on && first_char(next).is_lowercase();
                if !runs_on {
                    boundary = true;
                    new_paragraph = true;
                }
            }
        }
        if boundary || end >= tokens.len() {
            let last = end.min(tokens.len()) - 1;
            out.push(Sentence {
                span: Span::new(tokens[start].start, tokens[last].end),
                tokens: start..last + 1,
                paragraph,
            });
            if new_paragraph {
                paragraph += 1;
            }
            start = last + 1;
        }
        i = end;
    }
    out
}

/// A document with tokens and sentences only, for the unit tests of later layers.
#[cfg(test)]
pub(crate) fn test_doc(text: &str) -> crate::doc::Doc {
    let mut d = crate::doc::Doc::new(text, None);
    d.tokens = tokenize(text);
    d.sentences = split_sentences(text, &d.tokens);
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str) -> Vec<&str> {
        tokenize(s).iter().map(|t| &s[t.start..t.end]).collect()
    }

    fn sents(s: &str) -> Vec<&str> {
        let t = tokenize(s);
        split_sentences(s, &t)
            .iter()
            .map(|x| &s[x.span.start..x.span.end])
            .collect()
    }

    #[test]
    fn news_tokens() {
        let cases: &[(&str, &[&str])] = &[
            (
                "South Korea's spy agency",
                &["South", "Korea", "'s", "spy", "agency"],
            ),
            ("Korea’s", &["Korea", "’s"]),
            ("Kim Hong-kyun said.", &["Kim", "Hong-kyun", "said", "."]),
            (
                "Mr. Smith met Gen. Lee in the U.S. on Jan. 5.",
                &[
                    "Mr.", "Smith", "met", "Gen.", "Lee", "in", "the", "U.S.", "on", "Jan.", "5",
                    ".",
                ],
            ),
            (
                "about 12,000 troops and 3.5 tanks",
                &["about", "12,000", "troops", "and", "3.5", "tanks"],
            ),
            (
                "10,000-12,000 soldiers",
                &["10,000", "-", "12,000", "soldiers"],
            ),
            (
                "posted by @rvvoenkor_bot, on",
                &["posted", "by", "@rvvoenkor_bot", ",", "on"],
            ),
            (
                "see https://t.me/s/rybar?x=1.",
                &["see", "https://t.me/s/rybar?x=1", "."],
            ),
            ("mail press@un.org now", &["mail", "press@un.org", "now"]),
            (
                "“groundless rumours,”",
                &["“", "groundless", "rumours", ",", "”"],
            ),
            (
                "\"legitimate and cooperative.\"",
                &["\"", "legitimate", "and", "cooperative", ".", "\""],
            ),
            ("war—and peace", &["war", "—", "and", "peace"]),
            ("1990–2000", &["1990", "–", "2000"]),
            ("(Reuters) -", &["(", "Reuters", ")", "-"]),
            ("don't", &["do", "n't"]),
            ("soldiers' families", &["soldiers", "'", "families"]),
            ("up 5% on", &["up", "5", "%", "on"]),
            ("$5 billion", &["$", "5", "billion"]),
            ("#Ukraine now", &["#Ukraine", "now"]),
            ("wait... what", &["wait", "...", "what"]),
            ("«Нет»", &["«", "Нет", "»"]),
        ];
        for (input, expected) in cases {
            assert_eq!(&toks(input), expected, "input: {input}");
        }
    }

    #[test]
    fn offsets_are_exact() {
        let s = "On Friday, “South Korea’s NIS” said: 12,000 — maybe.";
        for t in tokenize(s) {
            assert!(s.is_char_boundary(t.start) && s.is_char_boundary(t.end));
            assert!(!s[t.start..t.end].trim().is_empty());
        }
    }

    #[test]
    fn sentences_in_news() {
        assert_eq!(
            sents("Mr. Kim left. He said \"No.\" Then he went to the U.S. The end."),
            vec![
                "Mr. Kim left.",
                "He said \"No.\"",
                "Then he went to the U.S.",
                "The end."
            ]
        );
        assert_eq!(
            sents("\"Is it true?\" he asked. Yes."),
            vec!["\"Is it true?\" he asked.", "Yes."]
        );
        assert_eq!(
            sents("Headline here\nBody starts. Next one."),
            vec!["Headline here", "Body starts.", "Next one."]
        );
        assert_eq!(
            sents("SEOUL, Oct 26 (Reuters) - North Korea said."),
            vec!["SEOUL, Oct 26 (Reuters) - North Korea said."]
        );
        assert_eq!(
            sents("He met J. R. Smith at 5 p.m. yesterday."),
            vec!["He met J. R. Smith at 5 p.m. yesterday."]
        );
        assert_eq!(
            sents("a line that\nwraps on. Next"),
            vec!["a line that\nwraps on.", "Next"]
        );
    }

    #[test]
    fn pathological_inputs_are_linear_and_safe() {
        let long = "x".repeat(1_000_000);
        assert_eq!(tokenize(&long).len(), 1);
        let parens = "(".repeat(100_000) + &")".repeat(100_000);
        assert_eq!(tokenize(&parens).len(), 200_000);
        let quotes = "\"".repeat(50_000);
        assert!(!tokenize(&quotes).is_empty());
        assert!(tokenize("").is_empty());
        assert!(split_sentences("", &[]).is_empty());
    }
}
