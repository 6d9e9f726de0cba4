//! An article's text with the analysis' spans marked: attribution sources, cues and
//! contents, entities, times and quantities.
//!
//! The analysis gives `start`/`end` as Unicode code-point offsets (end exclusive), so they
//! are mapped to byte offsets through the text's char boundaries, never used to slice bytes
//! directly. Spans overlap (a source is an entity; an entity sits inside a quote), so the text
//! is cut at every span boundary and each piece gets the classes of all spans covering it:
//! flat `<span>`s, no nesting to get wrong. Offsets past the end are clamped; empty or
//! reversed spans are skipped: a stale or hand-edited analysis marks less, never breaks the
//! page.

use crate::html::Markup;
use serde_json::Value;

struct Mark {
    start: usize,
    end: usize,
    class: String,
}

/// A class name from analysis data (an entity type), reduced to `[a-z0-9-]`.
fn class_part(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .map(|c| c.to_ascii_lowercase())
        .take(24)
        .collect()
}

fn span(v: &Value) -> Option<(usize, usize)> {
    let start = usize::try_from(v.get("start")?.as_u64()?).ok()?;
    let end = usize::try_from(v.get("end")?.as_u64()?).ok()?;
    Some((start, end))
}

fn marks(analysis: &Value) -> Vec<Mark> {
    let mut out = Vec::new();
    let mut add = |v: &Value, class: String| {
        if let Some((start, end)) = span(v) {
            out.push(Mark { start, end, class });
        }
    };
    let list = |k: &str| {
        analysis
            .get(k)
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    };
    for e in list("entities") {
        let t = e
            .get("type")
            .and_then(Value::as_str)
            .map(class_part)
            .unwrap_or_default();
        add(&e, format!("ent ent-{t}"));
    }
    for t in list("times") {
        add(&t, "time".into());
    }
    for q in list("quantities") {
        add(&q, "qty".into());
    }
    for a in list("attributions") {
        if let Some(s) = a.get("source").filter(|s| s.is_object()) {
            add(s, "src".into());
        }
        if let Some(c) = a.get("cue") {
            add(c, "cue".into());
        }
        for c in a
            .get("content")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            add(c, "quote".into());
        }
    }
    out
}

/// `text` as HTML with the analysis' spans marked.
pub fn render(text: &str, analysis: Option<&Value>) -> Markup {
    // Byte offset of every code point, plus the end.
    let bounds: Vec<usize> = text
        .char_indices()
        .map(|(b, _)| b)
        .chain(std::iter::once(text.len()))
        .collect();
    let n = bounds.len() - 1;
    let marks: Vec<Mark> = analysis
        .map(marks)
        .unwrap_or_default()
        .into_iter()
        .map(|m| Mark {
            start: m.start.min(n),
            end: m.end.min(n),
            class: m.class,
        })
        .filter(|m| m.start < m.end)
        .collect();
    let mut cuts: Vec<usize> = marks.iter().flat_map(|m| [m.start, m.end]).collect();
    cuts.push(0);
    cuts.push(n);
    cuts.sort_unstable();
    cuts.dedup();
    let mut out = Markup::new();
    for w in cuts.windows(2) {
        let (a, b) = (w[0], w[1]);
        let piece = &text[bounds[a]..bounds[b]];
        let mut classes: Vec<&str> = marks
            .iter()
            .filter(|m| m.start <= a && m.end >= b)
            .map(|m| m.class.as_str())
            .collect();
        if classes.is_empty() {
            out.text(piece);
            continue;
        }
        classes.sort_unstable();
        classes.dedup();
        out.raw("<span class=\"")
            .text(&classes.join(" "))
            .raw("\">")
            .text(piece)
            .raw("</span>");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn offsets_are_code_points_and_overlaps_are_flattened() {
        // "é" is two bytes: byte offsets would cut "Tallinger" wrong.
        let text = "Café: Tallinger said \"no <b>\".";
        let a = json!({
            "entities": [{"start": 6, "end": 15, "type": "PER"}],
            "attributions": [{
                "source": {"start": 6, "end": 15},
                "cue": {"start": 16, "end": 20},
                "content": [{"start": 22, "end": 28}]
            }]
        });
        let html = render(text, Some(&a)).into_string();
        assert_eq!(
            html,
            "Café: <span class=\"ent ent-per src\">Tallinger</span> \
             <span class=\"cue\">said</span> &quot;<span class=\"quote\">no &lt;b&gt;</span>&quot;."
        );
    }

    #[test]
    fn bad_spans_are_ignored() {
        let a = json!({"times": [{"start": 5, "end": 2}, {"start": 3, "end": 99}], "entities": [{"start": "x"}]});
        let html = render("abcdef", Some(&a)).into_string();
        assert_eq!(html, "abc<span class=\"time\">def</span>");
    }
}
