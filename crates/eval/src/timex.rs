//! `claimtrail eval timex`: TempEval-3 style scoring of the times finder on TimeML corpora.
//!
//! Reads every `.tml` file of `TimeBank/` and `AQUAINT/` under the given directory (or, when
//! neither exists, the `.tml` files of the directory itself, e.g. the TE3 platinum set), strips
//! the markup of `<TEXT>` while recording the character offsets of each TIMEX3, runs the
//! tokenizer and the times finder anchored on the document's creation time (the TIMEX3 with
//! `functionInDocument="CREATION_TIME"`), and scores as TempEval-3 does:
//!
//! - relaxed span: a system timex matches a gold one when they overlap, one-to-one;
//! - strict span: identical extents;
//! - value: a relaxed match whose value equals the gold value; precision over system timexes,
//!   recall over gold ones. `value_accuracy` is the share of matched pairs with the right value.
//!
//! Only the tokenizer and the finder run, with TimeML extents (no prepositions): the finder does
//! not depend on tags, and the rest of the pipeline would only slow the evaluation.

use crate::error::read_text;
use crate::report::Prf;
use crate::{EvalError, Report};
use chrono::NaiveDate;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use text::doc::{Doc, Span, TimeExpr};
use text::pipeline::{Component, Tokenizer};
use text::times::{Config, Extent, Finder};

/// A gold TIMEX3: byte span into the plain text, type and value.
#[derive(Clone, Debug)]
pub struct GoldTimex {
    pub span: Span,
    pub kind: String,
    pub value: String,
}

/// A TimeML document reduced to what scoring needs.
#[derive(Clone, Debug)]
pub struct TimeMlDoc {
    pub path: PathBuf,
    pub text: String,
    pub dct: Option<NaiveDate>,
    pub timexes: Vec<GoldTimex>,
}

fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let key = format!("{name}=\"");
    let start = tag.find(&key)? + key.len();
    let len = tag[start..].find('"')?;
    Some(&tag[start..start + len])
}

fn decode_entity(s: &str) -> Option<char> {
    Some(match s {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        _ => {
            let n = s.strip_prefix('#')?;
            let code = match n.strip_prefix('x') {
                Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                None => n.parse().ok()?,
            };
            char::from_u32(code)?
        }
    })
}

/// Parses one TimeML file.
pub fn parse_timeml(path: &Path, src: &str) -> Result<TimeMlDoc, EvalError> {
    let dct = src
        .match_indices("<TIMEX3")
        .filter_map(|(i, _)| {
            let end = src[i..].find('>')? + i;
            Some(&src[i..end])
        })
        .find(|tag| attr(tag, "functionInDocument") == Some("CREATION_TIME"))
        .and_then(|tag| attr(tag, "value"))
        .and_then(|v| NaiveDate::parse_from_str(v.get(..10)?, "%Y-%m-%d").ok());
    let body_start = src
        .find("<TEXT>")
        .ok_or_else(|| EvalError::data(path, "no <TEXT> element"))?
        + "<TEXT>".len();
    let body_end = src[body_start..]
        .find("</TEXT>")
        .map(|e| e + body_start)
        .ok_or_else(|| EvalError::data(path, "no </TEXT> closing the text"))?;
    let body = &src[body_start..body_end];
    let mut text = String::with_capacity(body.len());
    let mut timexes = Vec::new();
    let mut open: Option<(usize, String, String)> = None;
    let mut rest = body;
    while let Some(c) = rest.chars().next() {
        if c == '<' {
            let Some(close) = rest.find('>') else {
                return Err(EvalError::data(path, "unterminated tag in <TEXT>"));
            };
            let tag = &rest[1..close];
            if tag.starts_with("TIMEX3") {
                let kind = attr(tag, "type").unwrap_or("").to_string();
                let value = attr(tag, "value").unwrap_or("").to_string();
                open = Some((text.len(), kind, value));
            } else if tag.starts_with("/TIMEX3") {
                if let Some((start, kind, value)) = open.take() {
                    timexes.push(GoldTimex {
                        span: Span::new(start, text.len()),
                        kind,
                        value,
                    });
                }
            }
            rest = &rest[close + 1..];
        } else if c == '&' {
            let decoded = rest
                .find(';')
                .filter(|&e| e <= 10)
                .and_then(|e| decode_entity(&rest[1..e]).map(|ch| (ch, e + 1)));
            match decoded {
                Some((ch, len)) => {
                    text.push(ch);
                    rest = &rest[len..];
                }
                None => {
                    text.push('&');
                    rest = &rest[1..];
                }
            }
        } else {
            text.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    Ok(TimeMlDoc {
        path: path.to_path_buf(),
        text,
        dct,
        timexes,
    })
}

fn tml_files(dir: &Path) -> Result<Vec<PathBuf>, EvalError> {
    let entries = std::fs::read_dir(dir).map_err(|e| EvalError::io(dir, e))?;
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| EvalError::io(dir, e))?;
        let p = entry.path();
        if p.extension().is_some_and(|x| x == "tml") {
            files.push(p);
        }
    }
    files.sort();
    Ok(files)
}

/// Loads the corpus parts under `dir` as `(part name, documents)`.
pub fn load(dir: &Path) -> Result<Vec<(String, Vec<TimeMlDoc>)>, EvalError> {
    let mut parts = Vec::new();
    for name in ["TimeBank", "AQUAINT"] {
        let sub = dir.join(name);
        if sub.is_dir() {
            parts.push((name.to_string(), sub));
        }
    }
    if parts.is_empty() {
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "corpus".into());
        parts.push((name, dir.to_path_buf()));
    }
    let mut out = Vec::new();
    for (name, sub) in parts {
        let mut docs = Vec::new();
        for path in tml_files(&sub)? {
            let src = read_text(&path)?;
            docs.push(parse_timeml(&path, &src)?);
        }
        if docs.is_empty() {
            return Err(EvalError::data(sub, "no .tml files"));
        }
        out.push((name, docs));
    }
    Ok(out)
}

/// Counts for one set of documents.
#[derive(Default)]
struct Score {
    relaxed: Prf,
    strict: Prf,
    value: Prf,
    matched: f64,
    /// gold type -> (gold, matched, value right)
    by_type: HashMap<String, (usize, usize, usize)>,
    system_types: HashMap<String, usize>,
    wrong_value: HashMap<String, usize>,
    missed: HashMap<String, usize>,
    spurious: HashMap<String, usize>,
}

impl Score {
    fn add(&mut self, doc: &TimeMlDoc, system: &[TimeExpr]) {
        let text = &doc.text;
        let lower = |s: Span| text[s.start..s.end].trim().to_lowercase();
        let gold = &doc.timexes;
        let mut used = vec![false; system.len()];
        let mut matched_pairs = 0.0;
        let mut right = 0.0;
        for g in gold {
            let entry = self.by_type.entry(g.kind.clone()).or_default();
            entry.0 += 1;
            let hit = system
                .iter()
                .enumerate()
                .find(|(k, s)| !used[*k] && s.span.overlaps(&g.span));
            match hit {
                Some((k, s)) => {
                    used[k] = true;
                    matched_pairs += 1.0;
                    entry.1 += 1;
                    if s.value == g.value {
                        right += 1.0;
                        entry.2 += 1;
                    } else {
                        let key = format!("{:?} gold {} got {}", lower(g.span), g.value, s.value);
                        *self.wrong_value.entry(key).or_default() += 1;
                    }
                }
                None => *self.missed.entry(lower(g.span)).or_default() += 1,
            }
        }
        for (k, s) in system.iter().enumerate() {
            let name = format!("{:?}", s.kind).to_uppercase();
            *self.system_types.entry(name).or_default() += 1;
            if !used[k] {
                *self.spurious.entry(lower(s.span)).or_default() += 1;
            }
        }
        let strict = gold
            .iter()
            .filter(|g| system.iter().any(|s| s.span == g.span))
            .count() as f64;
        let (ng, ns) = (gold.len() as f64, system.len() as f64);
        self.relaxed.add(Prf {
            tp: matched_pairs,
            fp: ns - matched_pairs,
            fn_: ng - matched_pairs,
        });
        self.strict.add(Prf {
            tp: strict,
            fp: ns - strict,
            fn_: ng - strict,
        });
        self.value.add(Prf {
            tp: right,
            fp: ns - right,
            fn_: ng - right,
        });
        self.matched += matched_pairs;
    }

    fn value_accuracy(&self) -> f64 {
        if self.matched == 0.0 {
            0.0
        } else {
            self.value.tp / self.matched
        }
    }

    fn summary(&self, name: &str) -> String {
        format!(
            "{name:<10} relaxed P {:.3} R {:.3} F1 {:.3} | strict F1 {:.3} | value P {:.3} R {:.3} F1 {:.3} | value accuracy {:.3} | gold {} system {}",
            self.relaxed.precision(),
            self.relaxed.recall(),
            self.relaxed.f1(),
            self.strict.f1(),
            self.value.precision(),
            self.value.recall(),
            self.value.f1(),
            self.value_accuracy(),
            self.relaxed.tp + self.relaxed.fn_,
            self.relaxed.tp + self.relaxed.fp,
        )
    }
}

fn top(map: &HashMap<String, usize>, n: usize) -> Vec<(String, usize)> {
    let mut v: Vec<(String, usize)> = map.iter().map(|(k, c)| (k.clone(), *c)).collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    v.truncate(n);
    v
}

/// Runs the times finder over the TimeML documents under `dir` and scores it. `split` is
/// `all`, or the name of one part (`timebank`, `aquaint`), case-insensitive.
pub fn evaluate(dir: &Path, split: &str) -> Result<Report, EvalError> {
    let parts = load(dir)?;
    let finder = Finder::with_config(Config {
        extent: Extent::TimeMl,
    });
    let mut total = Score::default();
    let mut per_part = Vec::new();
    let started = std::time::Instant::now();
    let mut ndocs = 0;
    let (mut finder_secs, mut words) = (0.0, 0usize);
    for (name, docs) in &parts {
        if split != "all" && !name.eq_ignore_ascii_case(split) {
            continue;
        }
        let mut score = Score::default();
        for d in docs {
            let mut doc = Doc::new(d.text.as_str(), d.dct);
            Tokenizer.apply(&mut doc);
            let t = std::time::Instant::now();
            finder.apply(&mut doc);
            finder_secs += t.elapsed().as_secs_f64();
            words += doc.tokens.len();
            let system = doc.times.unwrap_or_default();
            score.add(d, &system);
            total.add(d, &system);
            ndocs += 1;
        }
        per_part.push((name.clone(), score));
    }
    if ndocs == 0 {
        return Err(EvalError::data(
            dir,
            format!("no documents in split {split}"),
        ));
    }
    let secs = started.elapsed().as_secs_f64();
    let mut report = Report::new(format!(
        "timex: TempEval-3 style scoring on {} ({ndocs} documents, {words} tokens; tokenizer + times {:.0} documents/s, times alone {:.0} documents/s)",
        dir.display(),
        ndocs as f64 / secs.max(1e-9),
        ndocs as f64 / finder_secs.max(1e-9),
    ));
    for (name, s) in &per_part {
        report.push_line(s.summary(name));
        let key = name.to_lowercase();
        report.set(&format!("{key}.span_f1_relaxed"), s.relaxed.f1());
        report.set(&format!("{key}.value_f1"), s.value.f1());
    }
    report.push_line(total.summary("all"));
    report.set("span_f1_relaxed", total.relaxed.f1());
    report.set("span_precision_relaxed", total.relaxed.precision());
    report.set("span_recall_relaxed", total.relaxed.recall());
    report.set("span_f1_strict", total.strict.f1());
    report.set("value_f1", total.value.f1());
    report.set("value_precision", total.value.precision());
    report.set("value_recall", total.value.recall());
    report.set("value_accuracy", total.value_accuracy());
    report.push_line("by gold type: gold / found / value right");
    let mut types: Vec<_> = total.by_type.iter().collect();
    types.sort();
    for (t, (g, m, r)) in types {
        report.push_line(format!("  {t:<9} {g:>5} {m:>5} {r:>5}"));
    }
    let mut sys: Vec<_> = total.system_types.iter().collect();
    sys.sort();
    report.push_line(format!(
        "system types: {}",
        sys.iter()
            .map(|(t, n)| format!("{t} {n}"))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    let n = 15;
    report.push_line(format!(
        "top wrong values (of {}):",
        total.wrong_value.values().sum::<usize>()
    ));
    for (k, c) in top(&total.wrong_value, n) {
        report.push_line(format!("  {c:>3}  {k}"));
    }
    report.push_line(format!(
        "top missed (of {}):",
        total.missed.values().sum::<usize>()
    ));
    for (k, c) in top(&total.missed, n) {
        report.push_line(format!("  {c:>3}  {k:?}"));
    }
    report.push_line(format!(
        "top spurious (of {}):",
        total.spurious.values().sum::<usize>()
    ));
    for (k, c) in top(&total.spurious, n) {
        report.push_line(format!("  {c:>3}  {k:?}"));
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_is_stripped_and_offsets_kept() {
        let src = r#"<TimeML><DCT><TIMEX3 tid="t0" type="DATE" value="1998-01-08" functionInDocument="CREATION_TIME">19980108</TIMEX3></DCT>
<TEXT>A &amp; B <EVENT eid="e1">fell</EVENT> <TIMEX3 tid="t1" type="DATE" value="1998-01-07">yesterday</TIMEX3>.</TEXT></TimeML>"#;
        let d = parse_timeml(Path::new("x.tml"), src).expect("parses");
        assert_eq!(d.dct, NaiveDate::from_ymd_opt(1998, 1, 8));
        assert_eq!(d.timexes.len(), 1);
        let t = &d.timexes[0];
        assert_eq!(&d.text[t.span.start..t.span.end], "yesterday");
        assert_eq!(t.value, "1998-01-07");
        assert!(d.text.starts_with("A & B fell"));
    }

    #[test]
    fn a_file_without_text_is_an_error_naming_it() {
        let err = parse_timeml(Path::new("broken.tml"), "<TimeML></TimeML>").unwrap_err();
        assert!(err.to_string().contains("broken.tml"));
    }
}
