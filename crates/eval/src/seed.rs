//! The seed article against its hand-written expected analysis.
//!
//! Matching follows `../shared/seed/README.md`: a span matches when it is the same string after
//! trimming surrounding punctuation and white space. Expected items are matched one-to-one, so
//! a text that occurs twice ("on Monday") must be found twice.

use crate::error::{read_text, EvalError};
use crate::Report;
use serde_json::Value;
use std::path::Path;

pub const SEED_NAME: &str = "000_50cec8cbd34f183f";

/// Trims surrounding punctuation and white space, as the seed README prescribes.
pub fn trim_span(s: &str) -> &str {
    s.trim_matches(|c: char| {
        c.is_whitespace()
            || (c.is_ascii_punctuation() && c != '@' && c != '$')
            || "“”‘’«»—–…".contains(c)
    })
}

/// One layer's comparison: which expected items were found, which were missed.
#[derive(Debug, Default, Clone)]
pub struct LayerResult {
    pub expected: usize,
    pub found: usize,
    pub missed: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct SeedResult {
    pub times: LayerResult,
    pub quantities: LayerResult,
    pub entities: LayerResult,
    pub boilerplate: LayerResult,
    pub report: Report,
}

fn field<'a>(v: &'a Value, k: &str) -> &'a Value {
    v.get(k).unwrap_or(&Value::Null)
}

/// Matches `expected` items against `actual` one-to-one with `same`, reporting misses with `describe`.
fn match_layer(
    expected: &[Value],
    actual: &[Value],
    same: impl Fn(&Value, &Value) -> bool,
    describe: impl Fn(&Value) -> String,
) -> LayerResult {
    let mut used = vec![false; actual.len()];
    let mut r = LayerResult {
        expected: expected.len(),
        ..LayerResult::default()
    };
    for e in expected {
        match (0..actual.len()).find(|&i| !used[i] && same(e, &actual[i])) {
            Some(i) => {
                used[i] = true;
                r.found += 1;
            }
            None => r.missed.push(describe(e)),
        }
    }
    r
}

fn text_eq(a: &Value, b: &Value) -> bool {
    match (a.as_str(), b.as_str()) {
        (Some(a), Some(b)) => trim_span(a) == trim_span(b),
        _ => false,
    }
}

/// Compares the analysis `actual` (the JSON of `claimtrail analyze`) with the expected JSON.
pub fn compare(expected: &Value, actual: &Value) -> SeedResult {
    let list = |v: &Value, k: &str| field(v, k).as_array().cloned().unwrap_or_default();
    let times = match_layer(
        &list(expected, "times"),
        &list(actual, "times"),
        |e, a| {
            text_eq(field(e, "text"), field(a, "text")) && field(e, "value") == field(a, "value")
        },
        |e| format!("{} = {}", field(e, "text"), field(e, "value")),
    );
    let quantities = match_layer(
        &list(expected, "quantities"),
        &list(actual, "quantities"),
        |e, a| {
            text_eq(field(e, "text"), field(a, "text"))
                && field(e, "value").as_f64() == field(a, "value").as_f64()
                && field(e, "approximate") == field(a, "approximate")
                && field(e, "unit") == field(a, "unit")
        },
        |e| {
            format!(
                "{} = {} {} (approximate: {})",
                field(e, "text"),
                field(e, "value"),
                field(e, "unit"),
                field(e, "approximate")
            )
        },
    );
    let entities = match_layer(
        &list(expected, "entities"),
        &list(actual, "entities"),
        |e, a| text_eq(field(e, "text"), field(a, "text")) && field(e, "type") == field(a, "type"),
        |e| format!("{} {}", field(e, "text"), field(e, "type")),
    );
    let expected_boiler: Vec<Value> = list(expected, "boilerplate")
        .into_iter()
        .map(|b| {
            if b.is_string() {
                serde_json::json!({ "text": b })
            } else {
                b
            }
        })
        .collect();
    let boilerplate = match_layer(
        &expected_boiler,
        &list(actual, "boilerplate"),
        |e, a| text_eq(field(e, "text"), field(a, "text")),
        |e| field(e, "text").to_string(),
    );
    let mut report = Report::new(format!("seed {SEED_NAME}: expected items found"));
    for (name, r) in [
        ("times", &times),
        ("quantities", &quantities),
        ("entities", &entities),
        ("boilerplate", &boilerplate),
    ] {
        report.push_line(format!("{name:<12} {:>2}/{:<2}", r.found, r.expected));
        for m in &r.missed {
            report.push_line(format!("    missed: {m}"));
        }
        report.set(&format!("{name}_found"), r.found as f64);
        report.set(&format!("{name}_expected"), r.expected as f64);
    }
    SeedResult {
        times,
        quantities,
        entities,
        boilerplate,
        report,
    }
}

/// Analyses the seed in `dir` with the default pipeline and compares it with the expected JSON.
pub fn run(dir: &Path) -> Result<SeedResult, EvalError> {
    let text_path = dir.join(format!("{SEED_NAME}.txt"));
    let expected_path = dir.join(format!("{SEED_NAME}.expected.json"));
    let text = read_text(&text_path)?;
    let expected: Value = serde_json::from_str(&read_text(&expected_path)?)
        .map_err(|e| EvalError::data(&expected_path, format!("not JSON: {e}")))?;
    let published = field(&expected, "published")
        .as_str()
        .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
    let pipeline =
        text::Pipeline::new().map_err(|e| EvalError::data("embedded models", e.to_string()))?;
    let doc = pipeline.analyze(&text, published);
    let actual = serde_json::to_value(text::output::analysis(&doc, None, Default::default()))
        .map_err(|e| EvalError::data(&text_path, format!("cannot serialize analysis: {e}")))?;
    Ok(compare(&expected, &actual))
}

pub fn evaluate(dir: &Path, _split: &str) -> Result<crate::Report, EvalError> {
    Ok(run(dir)?.report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn matching_is_one_to_one_and_trims_punctuation() {
        let expected = json!({"times": [{"text": "on Monday", "value": "2024-10-21"}, {"text": "on Monday", "value": "2024-10-21"}]});
        let actual = json!({"times": [{"text": "on Monday,", "value": "2024-10-21"}]});
        let r = compare(&expected, &actual);
        assert_eq!((r.times.found, r.times.expected), (1, 2));
        assert_eq!(trim_span("“groundless rumours,”"), "groundless rumours");
        assert_eq!(trim_span("@rvvoenkor_bot."), "@rvvoenkor_bot");
    }
}
