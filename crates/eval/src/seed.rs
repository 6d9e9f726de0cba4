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

/// The attributions' comparison: an expected attribution is found when source and cue match
/// after trimming and the content's token F1 is at least [`CONTENT_F1`]; for those found, how
/// many also carry the expected speaker, kind, anonymity, channel, addressee and nesting.
#[derive(Debug, Default, Clone)]
pub struct AttributionResult {
    pub layer: LayerResult,
    /// Expected id -> index of the matching attribution in the output.
    pub matched: Vec<(String, usize)>,
    pub speaker: usize,
    pub speaker_kind: usize,
    pub anonymous: usize,
    pub kind: usize,
    /// Expected attributions with a channel, an addressee or `nested_in`, and how many of each
    /// the output has right.
    pub channel: (usize, usize),
    pub addressee: (usize, usize),
    pub nesting: (usize, usize),
    pub wrong: Vec<String>,
}

/// The content token F1 an attribution's content must reach.
pub const CONTENT_F1: f64 = 0.8;

#[derive(Debug, Clone)]
pub struct SeedResult {
    pub attributions: AttributionResult,
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

/// Lowercased word tokens (letters and digits).
fn words(s: &str) -> Vec<String> {
    s.split(|c: char| !c.is_alphanumeric() && c != '@' && c != '_')
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// Token F1 between two texts, as multisets of words.
pub fn token_f1(a: &str, b: &str) -> f64 {
    let (a, b) = (words(a), words(b));
    if a.is_empty() || b.is_empty() {
        return if a.is_empty() && b.is_empty() {
            1.0
        } else {
            0.0
        };
    }
    let mut rest = b.clone();
    let mut tp = 0usize;
    for w in &a {
        if let Some(p) = rest.iter().position(|x| x == w) {
            rest.swap_remove(p);
            tp += 1;
        }
    }
    if tp == 0 {
        return 0.0;
    }
    let (p, r) = (tp as f64 / a.len() as f64, tp as f64 / b.len() as f64);
    2.0 * p * r / (p + r)
}

/// A speaker's name matches when one contains the other (so "National Intelligence Service"
/// matches "National Intelligence Service (South Korea)") or their words mostly agree.
pub fn same_speaker(expected: &str, actual: &str) -> bool {
    let (e, a) = (words(expected).join(" "), words(actual).join(" "));
    !e.is_empty()
        && !a.is_empty()
        && (e.contains(&a) || a.contains(&e) || token_f1(expected, actual) >= 0.75)
}

fn content_text(a: &Value) -> String {
    match field(a, "content") {
        Value::Array(xs) => xs
            .iter()
            .filter_map(|x| field(x, "text").as_str())
            .collect::<Vec<_>>()
            .join(" "),
        Value::String(s) => s.clone(),
        _ => String::new(),
    }
}

fn attributions(expected: &[Value], actual: &[Value]) -> AttributionResult {
    let span_text = |v: &Value| -> Option<String> {
        match v {
            Value::String(s) => Some(s.clone()),
            Value::Object(_) => field(v, "text").as_str().map(str::to_string),
            _ => None,
        }
    };
    let same_span = |e: &Value, a: &Value| match (span_text(e), span_text(a)) {
        (Some(e), Some(a)) => trim_span(&e) == trim_span(&a),
        (None, None) => true,
        _ => false,
    };
    let mut r = AttributionResult::default();
    let mut used = vec![false; actual.len()];
    r.layer.expected = expected.len();
    for e in expected {
        let id = field(e, "id").as_str().unwrap_or("?").to_string();
        let hit = (0..actual.len()).find(|&i| {
            let a = &actual[i];
            !used[i]
                && same_span(field(e, "source"), field(a, "source"))
                && same_span(field(e, "cue"), field(a, "cue"))
                && token_f1(&content_text(e), &content_text(a)) >= CONTENT_F1
        });
        let Some(i) = hit else {
            r.layer.missed.push(format!(
                "{id}: {} / {} / {}",
                field(e, "source"),
                field(e, "cue"),
                field(e, "content")
            ));
            continue;
        };
        used[i] = true;
        r.layer.found += 1;
        r.matched.push((id, i));
    }
    let index_of = |id: &str| r.matched.iter().find(|(x, _)| x == id).map(|&(_, i)| i);
    let mut wrong = Vec::new();
    let (mut speaker, mut speaker_kind, mut anonymous, mut kind) = (0, 0, 0, 0);
    let (mut channel, mut addressee, mut nesting) = ((0, 0), (0, 0), (0, 0));
    for e in expected {
        let id = field(e, "id").as_str().unwrap_or("?");
        let Some(i) = index_of(id) else { continue };
        let a = &actual[i];
        let sp = field(a, "speaker");
        let mut check = |ok: bool, what: &str, count: &mut usize| {
            if ok {
                *count += 1;
            } else {
                wrong.push(format!(
                    "{id} {what}: expected {}, got {}",
                    expected_of(e, what),
                    sp_of(a, what)
                ));
            }
        };
        check(
            same_speaker(
                field(e, "speaker").as_str().unwrap_or(""),
                field(sp, "name").as_str().unwrap_or(""),
            ),
            "speaker",
            &mut speaker,
        );
        check(
            field(e, "speaker_type") == field(sp, "kind"),
            "speaker_type",
            &mut speaker_kind,
        );
        check(
            field(e, "anonymous").as_bool().unwrap_or(false)
                == field(sp, "anonymous").as_bool().unwrap_or(false),
            "anonymous",
            &mut anonymous,
        );
        check(field(e, "kind") == field(a, "kind"), "kind", &mut kind);
        if let Some(c) = field(e, "channel").as_str() {
            channel.0 += 1;
            let got = field(field(a, "channel"), "name").as_str().unwrap_or("");
            if same_speaker(c, got) {
                channel.1 += 1;
            } else {
                wrong.push(format!("{id} channel: expected {c}, got {got:?}"));
            }
        }
        if let Some(c) = field(e, "addressee").as_str() {
            addressee.0 += 1;
            let got = field(field(a, "addressee"), "text").as_str().unwrap_or("");
            if trim_span(c) == trim_span(got) {
                addressee.1 += 1;
            } else {
                wrong.push(format!("{id} addressee: expected {c}, got {got:?}"));
            }
        }
        if let Some(outer) = field(e, "nested_in").as_str() {
            nesting.0 += 1;
            let want = index_of(outer);
            let got = field(a, "nested_in").as_u64().map(|x| x as usize);
            if want.is_some() && want == got {
                nesting.1 += 1;
            } else {
                wrong.push(format!("{id} nested_in: expected {outer}, got {got:?}"));
            }
        }
    }
    r.speaker = speaker;
    r.speaker_kind = speaker_kind;
    r.anonymous = anonymous;
    r.kind = kind;
    r.channel = channel;
    r.addressee = addressee;
    r.nesting = nesting;
    r.wrong = wrong;
    r
}

fn expected_of(e: &Value, what: &str) -> String {
    field(e, what).to_string()
}

fn sp_of(a: &Value, what: &str) -> String {
    let sp = field(a, "speaker");
    match what {
        "speaker" => field(sp, "name").to_string(),
        "speaker_type" => field(sp, "kind").to_string(),
        "anonymous" => field(sp, "anonymous").to_string(),
        _ => field(a, what).to_string(),
    }
}

/// Compares the analysis `actual` (the JSON of `claimtrail analyze`) with the expected JSON.
pub fn compare(expected: &Value, actual: &Value) -> SeedResult {
    let list = |v: &Value, k: &str| field(v, k).as_array().cloned().unwrap_or_default();
    let attributions = attributions(
        &list(expected, "attributions"),
        &list(actual, "attributions"),
    );
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
    let at = &attributions;
    report.push_line(format!(
        "{:<12} {:>2}/{:<2} (source and cue exact, content token F1 >= {CONTENT_F1})",
        "attributions", at.layer.found, at.layer.expected
    ));
    for m in &at.layer.missed {
        report.push_line(format!("    missed: {m}"));
    }
    let n = at.layer.found;
    report.push_line(format!(
        "  of those: speaker {}/{n}, speaker kind {}/{n}, anonymous {}/{n}, kind {}/{n}, \
         channel {}/{}, addressee {}/{}, nesting {}/{}",
        at.speaker,
        at.speaker_kind,
        at.anonymous,
        at.kind,
        at.channel.1,
        at.channel.0,
        at.addressee.1,
        at.addressee.0,
        at.nesting.1,
        at.nesting.0
    ));
    for w in &at.wrong {
        report.push_line(format!("    wrong: {w}"));
    }
    for (name, v) in [
        ("attributions_found", at.layer.found),
        ("attributions_expected", at.layer.expected),
        ("speakers_found", at.speaker),
        ("speaker_kinds_found", at.speaker_kind),
        ("anonymous_found", at.anonymous),
        ("kinds_found", at.kind),
        ("channels_found", at.channel.1),
        ("addressees_found", at.addressee.1),
        ("nesting_found", at.nesting.1),
    ] {
        report.set(name, v as f64);
    }
    SeedResult {
        attributions,
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
    fn attributions_match_on_trimmed_source_and_cue_and_content_overlap() {
        assert!((token_f1("the plan will fail", "The plan will fail.") - 1.0).abs() < 1e-9);
        assert!(token_f1("a b c d", "a b") < 0.8);
        assert!(same_speaker(
            "National Intelligence Service (South Korea)",
            "National Intelligence Service"
        ));
        assert!(!same_speaker("North Korea", "Yonhap"));
        let expected = json!({"attributions": [
            {"id": "a1", "source": "The envoy", "cue": "said", "content": "the talks failed",
             "kind": "indirect", "speaker": "envoy", "speaker_type": "diplomat", "anonymous": false},
            {"id": "a2", "source": "he", "cue": "told", "content": "it was over",
             "kind": "indirect", "speaker": "envoy", "speaker_type": "diplomat", "anonymous": false,
             "nested_in": "a1"}
        ]});
        let actual = json!({"attributions": [
            {"source": {"text": "The envoy,"}, "cue": {"text": "said"},
             "content": [{"text": "the talks failed."}], "kind": "indirect",
             "speaker": {"name": "envoy", "kind": "diplomat", "anonymous": false}, "nested_in": null},
            {"source": {"text": "he"}, "cue": {"text": "told"},
             "content": [{"text": "it was not over"}], "kind": "indirect",
             "speaker": {"name": "envoy", "kind": "diplomat", "anonymous": false}, "nested_in": 0}
        ]});
        let r = compare(&expected, &actual);
        assert_eq!((r.attributions.layer.found, r.attributions.speaker), (2, 2));
        assert_eq!(r.attributions.nesting, (1, 1));
    }

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
