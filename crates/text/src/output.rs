//! The JSON view of a [`Doc`]: the output contract of `claimtrail analyze`.
//!
//! Every span carries `start` and `end` as Unicode code-point offsets into the input text (end
//! exclusive) and its `text`. Key names are stable: other tools read them.

use crate::doc::{AttributionKind, BoilerplateKind, CreditKind, Doc, Span, SpeakerKind, TimeType};
use serde::Serialize;

/// Converts byte offsets to code-point offsets in time proportional to the distance between
/// successive queries; offsets asked in increasing order cost one pass over the text.
pub struct CharOffsets<'a> {
    text: &'a str,
    ascii: bool,
    checkpoints: Vec<usize>,
}

const STRIDE: usize = 1024;

impl<'a> CharOffsets<'a> {
    pub fn new(text: &'a str) -> CharOffsets<'a> {
        let ascii = text.is_ascii();
        let mut checkpoints = Vec::new();
        if !ascii {
            // checkpoints[k] = number of chars in text[..k * STRIDE] (rounded down to a boundary).
            let mut chars = 0usize;
            let mut next = 0usize;
            for (i, _) in text.char_indices() {
                while i >= next {
                    checkpoints.push(chars);
                    next += STRIDE;
                }
                chars += 1;
            }
            while next <= text.len() {
                checkpoints.push(chars);
                next += STRIDE;
            }
        }
        CharOffsets {
            text,
            ascii,
            checkpoints,
        }
    }

    pub fn char_offset(&self, byte: usize) -> usize {
        if self.ascii {
            return byte;
        }
        let byte = byte.min(self.text.len());
        let k = byte / STRIDE;
        let mut base = k * STRIDE;
        // Checkpoint k counts chars starting strictly before base; move base to a char boundary.
        while !self.text.is_char_boundary(base) {
            base += 1;
        }
        let count = self.checkpoints.get(k).copied().unwrap_or(0);
        let extra = if base <= byte {
            self.text[base..byte].chars().count()
        } else {
            0
        };
        count + extra
    }
}

#[derive(Serialize, Debug)]
pub struct SpanOut<'a> {
    pub start: usize,
    pub end: usize,
    pub text: &'a str,
}

#[derive(Serialize, Debug)]
pub struct TokenOut<'a> {
    #[serde(flatten)]
    pub span: SpanOut<'a>,
    pub kind: crate::doc::TokenKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pos: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lemma: Option<&'a str>,
}

#[derive(Serialize, Debug)]
pub struct EntityOut<'a> {
    #[serde(flatten)]
    pub span: SpanOut<'a>,
    #[serde(rename = "type")]
    pub label: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<&'a str>,
}

#[derive(Serialize, Debug)]
pub struct TimeOut<'a> {
    #[serde(flatten)]
    pub span: SpanOut<'a>,
    #[serde(rename = "type")]
    pub kind: TimeType,
    pub value: &'a str,
}

#[derive(Serialize, Debug)]
pub struct QuantityOut<'a> {
    #[serde(flatten)]
    pub span: SpanOut<'a>,
    pub value: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub low: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub high: Option<f64>,
    pub approximate: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub qualifier: Option<&'a str>,
    pub unit: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit_span: Option<SpanOut<'a>>,
}

#[derive(Serialize, Debug)]
pub struct BoilerplateOut<'a> {
    #[serde(flatten)]
    pub span: SpanOut<'a>,
    pub kind: BoilerplateKind,
}

#[derive(Serialize, Debug)]
pub struct CreditOut<'a> {
    #[serde(flatten)]
    pub span: SpanOut<'a>,
    pub kind: CreditKind,
    pub name: Option<&'a str>,
}

#[derive(Serialize, Debug)]
pub struct SpeakerOut<'a> {
    pub name: &'a str,
    pub kind: SpeakerKind,
    pub role: Option<&'a str>,
    pub country: Option<&'a str>,
    pub anonymous: bool,
    /// The earlier mention the source was resolved to, when it is not the source itself.
    pub antecedent: Option<SpanOut<'a>>,
}

#[derive(Serialize, Debug)]
pub struct ChannelOut<'a> {
    #[serde(flatten)]
    pub span: SpanOut<'a>,
    pub name: &'a str,
}

#[derive(Serialize, Debug)]
pub struct AttributionOut<'a> {
    pub source: Option<SpanOut<'a>>,
    pub cue: SpanOut<'a>,
    pub content: Vec<SpanOut<'a>>,
    pub kind: AttributionKind,
    pub speaker: Option<SpeakerOut<'a>>,
    pub addressee: Option<SpanOut<'a>>,
    pub channel: Option<ChannelOut<'a>>,
    /// Index in `attributions` of the attribution this one was reported through.
    pub nested_in: Option<usize>,
}

/// The analysis of one text, ready to serialize.
#[derive(Serialize, Debug)]
pub struct Analysis<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<&'a str>,
    pub published: Option<String>,
    pub sentences: Vec<SpanOut<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tokens: Option<Vec<TokenOut<'a>>>,
    pub entities: Vec<EntityOut<'a>>,
    pub times: Vec<TimeOut<'a>>,
    pub quantities: Vec<QuantityOut<'a>>,
    pub attributions: Vec<AttributionOut<'a>>,
    pub boilerplate: Vec<BoilerplateOut<'a>>,
    pub credits: Vec<CreditOut<'a>>,
}

/// What to include beyond the contract's keys.
#[derive(Clone, Copy, Debug, Default)]
pub struct OutputConfig {
    /// Include every token with its kind, part of speech and lemma.
    pub tokens: bool,
}

/// Builds the JSON view of `doc`.
pub fn analysis<'a>(doc: &'a Doc, id: Option<&'a str>, config: OutputConfig) -> Analysis<'a> {
    let map = CharOffsets::new(&doc.text);
    let span = |s: Span| SpanOut {
        start: map.char_offset(s.start),
        end: map.char_offset(s.end),
        text: &doc.text[s.start..s.end],
    };
    let tokens = config.tokens.then(|| {
        doc.tokens
            .iter()
            .enumerate()
            .map(|(i, t)| TokenOut {
                span: span(t.span()),
                kind: t.kind,
                pos: doc
                    .tags
                    .as_ref()
                    .and_then(|tags| tags.get(i))
                    .map(|u| u.as_str()),
                lemma: doc
                    .lemmas
                    .as_ref()
                    .and_then(|l| l.get(i))
                    .map(String::as_str),
            })
            .collect()
    });
    Analysis {
        id,
        published: doc.published.map(|d| d.format("%Y-%m-%d").to_string()),
        sentences: doc.sentences.iter().map(|s| span(s.span)).collect(),
        tokens,
        entities: doc
            .entities
            .iter()
            .flatten()
            .map(|e| EntityOut {
                span: span(e.span),
                label: e.label.as_str(),
                country: e.country.as_deref(),
            })
            .collect(),
        times: doc
            .times
            .iter()
            .flatten()
            .map(|t| TimeOut {
                span: span(t.span),
                kind: t.kind,
                value: &t.value,
            })
            .collect(),
        quantities: doc
            .quantities
            .iter()
            .flatten()
            .map(|q| QuantityOut {
                span: span(q.span),
                value: q.value,
                low: q.low,
                high: q.high,
                approximate: q.approximate,
                qualifier: q.qualifier.as_deref(),
                unit: q.unit.as_deref(),
                unit_span: q.unit_span.map(span),
            })
            .collect(),
        attributions: doc
            .attributions
            .iter()
            .flatten()
            .map(|a| AttributionOut {
                source: a.source.map(span),
                cue: span(a.cue),
                content: a.content.iter().copied().map(span).collect(),
                kind: a.kind,
                speaker: a.speaker.as_ref().map(|s| SpeakerOut {
                    name: &s.name,
                    kind: s.kind,
                    role: s.role.as_deref(),
                    country: s.country.as_deref(),
                    anonymous: s.anonymous,
                    antecedent: s.antecedent.map(span),
                }),
                addressee: a.addressee.map(span),
                channel: a.channel.as_ref().map(|c| ChannelOut {
                    span: span(c.span),
                    name: &c.name,
                }),
                nested_in: a.nested_in,
            })
            .collect(),
        boilerplate: doc
            .boilerplate
            .iter()
            .flatten()
            .map(|b| BoilerplateOut {
                span: span(b.span),
                kind: b.kind,
            })
            .collect(),
        credits: doc
            .credits
            .iter()
            .flatten()
            .map(|c| CreditOut {
                span: span(c.span),
                kind: c.kind,
                name: c.name.as_deref(),
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn char_offsets_match_a_naive_count() {
        let text = "Ünïcödé “quotes” — 한국어 text ".repeat(200);
        let map = CharOffsets::new(&text);
        for (i, _) in text.char_indices().step_by(7) {
            assert_eq!(map.char_offset(i), text[..i].chars().count(), "byte {i}");
        }
        assert_eq!(map.char_offset(text.len()), text.chars().count());
    }
}
