//! Article extraction on the Scrapinghub article-extraction benchmark (181 news pages with
//! hand-checked article bodies), scored by the benchmark's own metric.
//!
//! The metric (the benchmark's `evaluate.py`): tokens are `\w+` runs; a text is the
//! multiset of its 4-token shingles (a text of fewer tokens is one shingle); per page,
//! true positives, false positives and false negatives are shingle counts, normalized by
//! their sum; precision is averaged over pages that predicted anything, recall over pages
//! whose truth has anything, and F1 is computed from the two means. Shingles are compared
//! as written (case-sensitive), as the benchmark does.
//!
//! Speed is measured on one core, extraction only (decompression excluded), in pages/s: by
//! the thread's CPU time where Linux reports it (so that other processes sharing the machine
//! do not count against us), and by wall-clock time as well.

use crate::error::{read_text, EvalError};
use crate::report::Report;
use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::path::Path;
use std::time::Instant;

#[derive(serde::Deserialize)]
struct Truth {
    #[serde(rename = "articleBody", default)]
    article_body: String,
    #[serde(default)]
    url: Option<String>,
}

/// Normalized (tp, fp, fn) of one page.
pub type Counts = (f64, f64, f64);

fn tokens(text: &str) -> Vec<&str> {
    // Python's `\w`: letters, digits (any script) and the underscore.
    text.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|t| !t.is_empty())
        .collect()
}

fn shingles(text: &str) -> HashMap<Vec<&str>, usize> {
    let t = tokens(text);
    let mut out: HashMap<Vec<&str>, usize> = HashMap::new();
    if t.is_empty() {
        return out;
    }
    if t.len() < 4 {
        *out.entry(t).or_default() += 1;
        return out;
    }
    for w in t.windows(4) {
        *out.entry(w.to_vec()).or_default() += 1;
    }
    out
}

/// The benchmark's per-page shingle matching.
pub fn shingle_counts(truth: &str, predicted: &str) -> Counts {
    let t = shingles(truth);
    let p = shingles(predicted);
    let (mut tp, mut fp, mut fn_) = (0.0, 0.0, 0.0);
    for (k, &tc) in &t {
        let pc = p.get(k).copied().unwrap_or(0);
        tp += tc.min(pc) as f64;
        fn_ += tc.saturating_sub(pc) as f64;
    }
    for (k, &pc) in &p {
        let tc = t.get(k).copied().unwrap_or(0);
        fp += pc.saturating_sub(tc) as f64;
    }
    let s = tp + fp + fn_;
    if s > 0.0 {
        (tp / s, fp / s, fn_ / s)
    } else {
        (tp, fp, fn_)
    }
}

fn precision((tp, fp, fn_): Counts) -> f64 {
    if fp == 0.0 && fn_ == 0.0 {
        1.0
    } else if tp == 0.0 && fp == 0.0 {
        0.0
    } else {
        tp / (tp + fp)
    }
}

fn recall((tp, fp, fn_): Counts) -> f64 {
    if fp == 0.0 && fn_ == 0.0 {
        1.0
    } else if tp == 0.0 && fn_ == 0.0 {
        0.0
    } else {
        tp / (tp + fn_)
    }
}

/// Mean precision, mean recall and F1 of the means, as the benchmark reports them.
pub fn prf(pages: &[Counts]) -> (f64, f64, f64) {
    let mean = |xs: Vec<f64>| {
        if xs.is_empty() {
            0.0
        } else {
            xs.iter().sum::<f64>() / xs.len() as f64
        }
    };
    let p = mean(
        pages
            .iter()
            .filter(|(tp, fp, _)| tp + fp > 0.0)
            .map(|&c| precision(c))
            .collect(),
    );
    let r = mean(
        pages
            .iter()
            .filter(|(tp, _, fn_)| tp + fn_ > 0.0)
            .map(|&c| recall(c))
            .collect(),
    );
    let f1 = if p + r > 0.0 {
        2.0 * p * r / (p + r)
    } else {
        0.0
    };
    (p, r, f1)
}

/// Extracts every page of the benchmark in `bench` and scores it.
pub fn evaluate(bench: &Path) -> Result<Report, EvalError> {
    let truth_path = bench.join("ground-truth.json");
    let truth: BTreeMap<String, Truth> = serde_json::from_str(&read_text(&truth_path)?)
        .map_err(|e| EvalError::data(&truth_path, e.to_string()))?;
    let mut pages = Vec::with_capacity(truth.len());
    let mut failures = 0usize;
    let mut worst: Vec<(f64, String)> = Vec::new();
    let mut elapsed = std::time::Duration::ZERO;
    let cpu_start = thread_cpu_seconds();
    for (key, t) in &truth {
        let path = bench.join("html").join(format!("{key}.html.gz"));
        let gz = std::fs::read(&path).map_err(|e| EvalError::io(&path, e))?;
        let mut html = Vec::new();
        flate2::read::GzDecoder::new(gz.as_slice())
            .read_to_end(&mut html)
            .map_err(|e| EvalError::io(&path, e))?;
        let options = ingest::extract::Options {
            url: t.url.clone(),
            ..Default::default()
        };
        let start = Instant::now();
        let predicted = match ingest::extract::extract(&html, &options) {
            Ok(a) => a.text,
            Err(_) => {
                failures += 1;
                String::new()
            }
        };
        elapsed += start.elapsed();
        let c = shingle_counts(&t.article_body, &predicted);
        worst.push((precision(c).min(recall(c)), key.clone()));
        pages.push(c);
    }
    let (p, r, f1) = prf(&pages);
    let secs = elapsed.as_secs_f64().max(1e-9);
    let wall_rate = pages.len() as f64 / secs;
    // CPU time covers the whole loop (decompression and scoring too), so it understates
    // the extraction rate slightly; still the better figure on a shared machine.
    let cpu = match (cpu_start, thread_cpu_seconds()) {
        (Some(a), Some(b)) if b > a => Some(b - a),
        _ => None,
    };
    let rate = cpu.map_or(wall_rate, |c| pages.len() as f64 / c);
    worst.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut report = Report::new(format!(
        "article extraction on {} ({} pages)",
        bench.display(),
        pages.len()
    ))
    .line(format!("precision {p:.4}  recall {r:.4}  F1 {f1:.4}"))
    .line(match cpu {
        Some(c) => format!(
            "speed     {rate:.1} pages/s on one core by CPU time ({c:.2} s), {wall_rate:.1} by wall clock ({secs:.2} s)"
        ),
        None => format!("speed     {rate:.1} pages/s on one core by wall clock ({secs:.2} s)"),
    })
    .line(format!("failures  {failures} pages with no text"))
    .metric("precision", p)
    .metric("recall", r)
    .metric("f1", f1)
    .metric("pages_per_s", rate)
    .metric("pages_per_s_wall", wall_rate)
    .metric("pages", pages.len() as f64)
    .metric("failures", failures as f64);
    let listed: Vec<String> = worst
        .iter()
        .take(5)
        .map(|(s, k)| format!("{}… {s:.2}", &k[..k.len().min(12)]))
        .collect();
    report.push_line(format!("weakest   {}", listed.join(", ")));
    Ok(report)
}

/// CPU time of the calling thread in seconds, from `/proc/thread-self/stat` (utime + stime,
/// in the 100 Hz ticks Linux reports); `None` elsewhere.
fn thread_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
    // Fields after the command name, which is in parentheses and may contain spaces.
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / 100.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_texts_score_one() {
        let c = shingle_counts("one two three four five", "one two three four five");
        assert_eq!(prf(&[c]), (1.0, 1.0, 1.0));
    }

    #[test]
    fn extra_text_lowers_precision_only() {
        let c = shingle_counts("a b c d e", "a b c d e f g h i");
        // truth shingles: abcd, bcde; predicted: 6 shingles, 2 shared.
        assert!((precision(c) - 2.0 / 6.0).abs() < 1e-9);
        assert_eq!(recall(c), 1.0);
    }

    #[test]
    fn short_texts_are_one_shingle_and_empty_predictions_skip_precision() {
        let c = shingle_counts("Hello world", "Hello world");
        assert_eq!(c, (1.0, 0.0, 0.0));
        let miss = shingle_counts("some words here now", "");
        let (p, r, _) = prf(&[c, miss]);
        assert_eq!(p, 1.0);
        assert_eq!(r, 0.5);
    }
}
