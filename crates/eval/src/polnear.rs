//! PolNeAR: loader for the BRAT standoff files and the attribution span scorer.
//!
//! The loader turns each article's text and its *first* annotator file (by name: some articles
//! were annotated several times for agreement studies) into byte-offset gold attributions, so
//! that gold and system output meet on the same `text::Span`s. BRAT offsets count Unicode
//! characters; spans may have several `;`-separated pieces; a line that does not start with an
//! id continues the previous line's text (only the offsets matter here, and they are on the
//! first line).
//!
//! The scorer follows issue 3: per role, exact match (boundaries equal after trimming edge
//! punctuation and space) and overlap match (character Jaccard at least 0.5, one-to-one), plus
//! whole-attribution matches (cue and source exact, content overlapping). A role made of
//! several pieces is normalized first: each piece trimmed, pieces separated only by punctuation
//! or space merged, so "The plan" + "will fail" around "he said" compares as two pieces
//! whichever way an annotator cut the commas.

use crate::error::{read_text, EvalError};
use crate::report::Prf;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use text::attribution::GoldAttribution;
use text::Span;

/// One article: its name, text and gold attributions (byte spans into `text`).
#[derive(Clone, Debug)]
pub struct Article {
    pub name: String,
    pub text: String,
    pub attributions: Vec<GoldAttribution>,
}

/// The directory holding `train/`, `dev/`...: `dir` itself or `dir/data` (the corpus root).
fn split_dir(dir: &Path, split: &str) -> Result<PathBuf, EvalError> {
    for d in [dir.join("data").join(split), dir.join(split)] {
        if d.join("text").is_dir() {
            return Ok(d);
        }
    }
    Err(EvalError::data(
        dir,
        format!("no PolNeAR split {split:?} here (looked for data/{split}/text and {split}/text)"),
    ))
}

fn list(dir: &Path, ext: &str) -> Result<Vec<PathBuf>, EvalError> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).map_err(|e| EvalError::io(dir, e))? {
        let p = e.map_err(|e| EvalError::io(dir, e))?.path();
        if p.extension().is_some_and(|x| x == ext) {
            out.push(p);
        }
    }
    out.sort();
    Ok(out)
}

/// Loads one split (`train`, `dev`, `test`) of the corpus at `dir`.
pub fn load_split(dir: &Path, split: &str) -> Result<Vec<Article>, EvalError> {
    let d = split_dir(dir, split)?;
    let texts = list(&d.join("text"), "txt")?;
    // First annotator file per article, by name.
    let mut anns: BTreeMap<String, PathBuf> = BTreeMap::new();
    for p in list(&d.join("attributions"), "ann")? {
        let stem = p
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_string();
        let article = stem
            .rsplit_once('_')
            .map(|(a, _)| a.to_string())
            .unwrap_or(stem);
        anns.entry(article).or_insert(p);
    }
    let mut out = Vec::with_capacity(texts.len());
    for t in texts {
        let name = t
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_string();
        let text = read_text(&t)?;
        let attributions = match anns.get(&name) {
            Some(a) => parse_ann(a, &read_text(a)?, &text)?,
            None => return Err(EvalError::data(&t, "no annotation file for this article")),
        };
        out.push(Article {
            name,
            text,
            attributions,
        });
    }
    Ok(out)
}

/// Parses a BRAT `.ann` file (read from `path`) over `text`.
pub fn parse_ann(path: &Path, ann: &str, text: &str) -> Result<Vec<GoldAttribution>, EvalError> {
    // Byte offset of each char index, plus the end.
    let mut byte_of: Vec<usize> = text.char_indices().map(|(b, _)| b).collect();
    byte_of.push(text.len());
    let bad = |line: usize, message: String| EvalError::Format {
        path: path.to_path_buf(),
        line,
        message,
    };
    let mut spans: HashMap<&str, Vec<Span>> = HashMap::new();
    let mut events: Vec<(usize, &str)> = Vec::new();
    for (n, line) in ann.lines().enumerate() {
        let lineno = n + 1;
        let mut cols = line.split('\t');
        let id = cols.next().unwrap_or_default();
        let is_id = |p: char| {
            id.strip_prefix(p)
                .is_some_and(|r| !r.is_empty() && r.bytes().all(|b| b.is_ascii_digit()))
        };
        if is_id('T') {
            let Some(spec) = cols.next() else {
                return Err(bad(
                    lineno,
                    "text-bound line without type and offsets".into(),
                ));
            };
            let mut pieces = Vec::new();
            let after_type = spec.split_once(' ').map(|(_, r)| r).unwrap_or_default();
            for piece in after_type.split(';') {
                let mut nums = piece.split_whitespace().map(str::parse::<usize>);
                let (Some(Ok(a)), Some(Ok(b))) = (nums.next(), nums.next()) else {
                    return Err(bad(lineno, format!("bad offsets {piece:?}")));
                };
                let (Some(&ba), Some(&bb)) = (byte_of.get(a), byte_of.get(b)) else {
                    return Err(bad(
                        lineno,
                        format!(
                            "offsets {a}-{b} lie beyond the text ({} chars)",
                            byte_of.len() - 1
                        ),
                    ));
                };
                if ba > bb {
                    return Err(bad(lineno, format!("offsets {a}-{b} are reversed")));
                }
                pieces.push(Span::new(ba, bb));
            }
            spans.insert(id, pieces);
        } else if is_id('E') {
            events.push((lineno, cols.next().unwrap_or_default()));
        }
        // Anything else (`#` notes, `R`/`A` lines, continuation lines) carries no offsets.
    }
    let mut out = Vec::with_capacity(events.len());
    for (lineno, args) in events {
        let mut g = GoldAttribution::default();
        for arg in args.split_whitespace() {
            let Some((role, tid)) = arg.split_once(':') else {
                continue;
            };
            let Some(s) = spans.get(tid) else {
                return Err(bad(lineno, format!("event refers to unknown span {tid}")));
            };
            let role = role.trim_end_matches(|c: char| c.is_ascii_digit());
            match role {
                "Source" => g.source.extend_from_slice(s),
                "Cue" => g.cue.extend_from_slice(s),
                "Content" => g.content.extend_from_slice(s),
                _ => {}
            }
        }
        if !g.cue.is_empty() {
            out.push(g);
        }
    }
    Ok(out)
}

/// Edge characters trimmed before comparing boundaries: space and punctuation of any script.
fn is_edge(c: char) -> bool {
    c.is_whitespace()
        || c.is_ascii_punctuation()
        || "“”‘’«»‹›„—–…·".contains(c)
        || (!c.is_alphanumeric() && c.is_ascii() && !c.is_ascii_graphic())
}

/// A role's pieces normalized for comparison (see the module note). Empty when absent.
pub fn normalize(text: &str, pieces: &[Span]) -> Vec<(usize, usize)> {
    let mut ps: Vec<(usize, usize)> = pieces
        .iter()
        .filter_map(|s| {
            let (a, b) = (s.start.min(text.len()), s.end.min(text.len()));
            let piece = text.get(a..b)?;
            let lead = piece.len() - piece.trim_start_matches(is_edge).len();
            let trimmed = piece.trim_matches(is_edge);
            (!trimmed.is_empty()).then(|| (a + lead, a + lead + trimmed.len()))
        })
        .collect();
    ps.sort_unstable();
    let mut out: Vec<(usize, usize)> = Vec::with_capacity(ps.len());
    for (a, b) in ps {
        match out.last_mut() {
            Some(last)
                if a <= last.1 || text.get(last.1..a).is_some_and(|g| g.chars().all(is_edge)) =>
            {
                last.1 = last.1.max(b);
            }
            _ => out.push((a, b)),
        }
    }
    out
}

fn chars(text: &str, a: usize, b: usize) -> usize {
    text.get(a..b).map(|s| s.chars().count()).unwrap_or(0)
}

/// Character Jaccard of two normalized roles.
pub fn jaccard(text: &str, x: &[(usize, usize)], y: &[(usize, usize)]) -> f64 {
    let size = |v: &[(usize, usize)]| v.iter().map(|&(a, b)| chars(text, a, b)).sum::<usize>();
    let mut inter = 0;
    for &(a, b) in x {
        for &(c, d) in y {
            let (lo, hi) = (a.max(c), b.min(d));
            if lo < hi {
                inter += chars(text, lo, hi);
            }
        }
    }
    let union = size(x) + size(y) - inter;
    if union == 0 {
        0.0
    } else {
        inter as f64 / union as f64
    }
}

/// One attribution with its roles normalized.
#[derive(Clone, Debug)]
pub struct Norm {
    pub source: Vec<(usize, usize)>,
    pub cue: Vec<(usize, usize)>,
    pub content: Vec<(usize, usize)>,
}

impl Norm {
    pub fn gold(text: &str, g: &GoldAttribution) -> Norm {
        Norm {
            source: normalize(text, &g.source),
            cue: normalize(text, &g.cue),
            content: normalize(text, &g.content),
        }
    }
    pub fn system(text: &str, a: &text::doc::Attribution) -> Norm {
        Norm {
            source: normalize(text, a.source.as_slice()),
            cue: normalize(text, &[a.cue]),
            content: normalize(text, &a.content),
        }
    }
}

/// Counts for one document or a whole split.
#[derive(Clone, Copy, Debug, Default)]
pub struct Scores {
    pub exact: [Prf; 3],
    pub overlap: [Prf; 3],
    pub attribution: Prf,
}

pub const ROLES: [&str; 3] = ["source", "cue", "content"];

impl Scores {
    pub fn add(&mut self, o: &Scores) {
        for r in 0..3 {
            self.exact[r].add(o.exact[r]);
            self.overlap[r].add(o.overlap[r]);
        }
        self.attribution.add(o.attribution);
    }
}

fn role(n: &Norm, r: usize) -> &[(usize, usize)] {
    match r {
        0 => &n.source,
        1 => &n.cue,
        _ => &n.content,
    }
}

/// Greedy one-to-one matching of pairs by descending score; returns the number matched.
fn match_greedy(mut pairs: Vec<(f64, usize, usize)>, n_gold: usize, n_sys: usize) -> usize {
    pairs.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    let mut used_g = vec![false; n_gold];
    let mut used_s = vec![false; n_sys];
    let mut n = 0;
    for (_, g, s) in pairs {
        if !used_g[g] && !used_s[s] {
            used_g[g] = true;
            used_s[s] = true;
            n += 1;
        }
    }
    n
}

fn prf(tp: usize, n_sys: usize, n_gold: usize) -> Prf {
    Prf {
        tp: tp as f64,
        fp: (n_sys - tp) as f64,
        fn_: (n_gold - tp) as f64,
    }
}

/// Scores one document's system attributions against its gold ones.
pub fn score(text: &str, gold: &[Norm], sys: &[Norm]) -> Scores {
    let mut out = Scores::default();
    for r in 0..3 {
        let g: Vec<&[(usize, usize)]> = gold
            .iter()
            .map(|n| role(n, r))
            .filter(|v| !v.is_empty())
            .collect();
        let s: Vec<&[(usize, usize)]> = sys
            .iter()
            .map(|n| role(n, r))
            .filter(|v| !v.is_empty())
            .collect();
        let mut exact = Vec::new();
        let mut over = Vec::new();
        for (gi, gv) in g.iter().enumerate() {
            for (si, sv) in s.iter().enumerate() {
                if gv == sv {
                    exact.push((1.0, gi, si));
                }
                let j = jaccard(text, gv, sv);
                if j >= 0.5 {
                    over.push((j, gi, si));
                }
            }
        }
        out.exact[r] = prf(match_greedy(exact, g.len(), s.len()), s.len(), g.len());
        out.overlap[r] = prf(match_greedy(over, g.len(), s.len()), s.len(), g.len());
    }
    let mut pairs = Vec::new();
    for (gi, gv) in gold.iter().enumerate() {
        for (si, sv) in sys.iter().enumerate() {
            if gv.cue != sv.cue || gv.source != sv.source {
                continue;
            }
            let j = if gv.content.is_empty() && sv.content.is_empty() {
                1.0
            } else {
                jaccard(text, &gv.content, &sv.content)
            };
            if j >= 0.5 {
                pairs.push((j, gi, si));
            }
        }
    }
    out.attribution = prf(
        match_greedy(pairs, gold.len(), sys.len()),
        sys.len(),
        gold.len(),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_pieces_continuations_and_char_offsets() {
        let text = "Née said: “ok”\nthen more.";
        let ann = "T1\tSource 0 3\tNée\nT2\tCue 4 8\tsaid\nT3\tContent 10 14;15 19\tok”\nthen\nT4\tAttribution 4 8\tsaid\nE1\tAttribution:T4 Cue:T2 Content:T3 Source:T1\n";
        let g = parse_ann(Path::new("x.ann"), ann, text).expect("parses");
        assert_eq!(g.len(), 1);
        assert_eq!(&text[g[0].source[0].start..g[0].source[0].end], "Née");
        assert_eq!(&text[g[0].cue[0].start..g[0].cue[0].end], "said");
        assert_eq!(g[0].content.len(), 2);
        assert_eq!(&text[g[0].content[1].start..g[0].content[1].end], "then");
        let err = parse_ann(Path::new("x.ann"), "T1\tCue 0 99\tx\n", text);
        assert!(err.is_err_and(|e| e.to_string().contains("x.ann:1")));
    }

    #[test]
    fn exact_ignores_edge_punctuation_and_overlap_is_one_to_one() {
        let text = "The plan, he said, will fail.";
        let sp = |s: &str| {
            let a = text.find(s).unwrap_or(0);
            Span::new(a, a + s.len())
        };
        let gold = GoldAttribution {
            source: vec![sp("he")],
            cue: vec![sp("said")],
            content: vec![sp("The plan,"), sp("will fail.")],
        };
        let sys = text::doc::Attribution::new(
            Some(sp("he")),
            sp("said,"),
            vec![sp("The plan"), sp("will fail")],
        );
        let s = score(
            text,
            &[Norm::gold(text, &gold)],
            &[Norm::system(text, &sys)],
        );
        for (prf, role) in s.exact.iter().zip(ROLES) {
            assert_eq!(prf.f1(), 1.0, "role {role}");
        }
        assert_eq!(s.attribution.f1(), 1.0);
        let partial =
            text::doc::Attribution::new(None, sp("said"), vec![sp("The plan, he said, will fail")]);
        let s = score(
            text,
            &[Norm::gold(text, &gold)],
            &[Norm::system(text, &partial), Norm::system(text, &partial)],
        );
        assert_eq!(s.exact[2].tp, 0.0);
        assert_eq!(s.overlap[2].tp, 1.0);
        assert_eq!(s.overlap[2].fp, 1.0);
        assert_eq!(s.attribution.tp, 0.0);
    }
}
