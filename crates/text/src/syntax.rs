//! The dependency layer: runs the parser ([`crate::parse`]) over each sentence of a [`Doc`].
//!
//! The parser works on one sentence's words and tags; this component feeds it the document's
//! sentences in turn and turns each sentence-local head into a document token index, so that
//! later stages (attribution) can walk from any token to its head without knowing where its
//! sentence starts. Arcs never cross sentences.

use crate::doc::{Doc, Upos};
use crate::parse::{Arc, Parser};
use crate::perceptron::ModelError;
use crate::pipeline::{Component, Layer};

/// The dependency parser as a pipeline component.
pub struct Syntax {
    parser: Parser,
}

impl Syntax {
    /// The component with the committed parser model.
    pub fn embedded() -> Result<Syntax, ModelError> {
        Ok(Syntax::new(Parser::embedded()?))
    }

    pub fn new(parser: Parser) -> Syntax {
        Syntax { parser }
    }

    /// Arcs for every token of `doc`, heads as document token indices.
    pub fn arcs(&self, doc: &Doc) -> Vec<Arc> {
        let mut out = vec![root_arc(); doc.tokens.len()];
        for s in &doc.sentences {
            self.parse_sentence(doc, s.tokens.clone(), &mut out);
        }
        out
    }

    /// Parses the tokens `range` (one sentence) of `doc` into `out` (one arc per token of the
    /// document), heads as document token indices; the rest of `out` is left as it is.
    pub fn parse_sentence(&self, doc: &Doc, range: std::ops::Range<usize>, out: &mut [Arc]) {
        let n = doc.tokens.len().min(out.len());
        let range = range.start.min(n)..range.end.min(n);
        if range.is_empty() {
            return;
        }
        let words: Vec<&str> = range.clone().map(|i| doc.token_text(i)).collect();
        let tags: Vec<Upos> = match doc.tags.as_deref().filter(|t| t.len() == doc.tokens.len()) {
            Some(t) => t[range.clone()].to_vec(),
            None => vec![Upos::X; range.len()],
        };
        let mut arcs = Vec::with_capacity(range.len());
        self.parser.parse_into(&words, &tags, &mut arcs);
        for (slot, a) in out[range.clone()].iter_mut().zip(&arcs) {
            *slot = Arc {
                head: a.head.map(|h| h + range.start as u32),
                label: a.label,
            };
        }
    }
}

/// The arc of a token no parse has reached: a root of its own.
pub fn root_arc() -> Arc {
    Arc {
        head: None,
        label: crate::parse::Deprel::Root,
    }
}

impl Component for Syntax {
    fn name(&self) -> &'static str {
        "parser"
    }
    fn requires(&self) -> &'static [Layer] {
        &[Layer::Tokens, Layer::Sentences, Layer::Tags]
    }
    fn assigns(&self) -> &'static [Layer] {
        &[Layer::Deps]
    }
    fn apply(&self, doc: &mut Doc) {
        doc.deps = Some(self.arcs(doc));
    }
}

#[cfg(test)]
mod tests {
    use super::Syntax;
    use crate::pipeline::{Pipeline, Tokenizer};

    #[test]
    fn heads_point_into_the_same_sentence() {
        let p = Pipeline::from_components(vec![
            Box::new(Tokenizer),
            Box::new(crate::pos::Tagger::embedded().expect("pos model")),
            Box::new(Syntax::embedded().expect("parser model")),
        ])
        .expect("a valid order");
        let doc = p.analyze(
            "The ministry said the troops had arrived. \"They are here,\" he told reporters.",
            None,
        );
        let deps = doc.deps.as_ref().expect("the parser ran");
        assert_eq!(deps.len(), doc.tokens.len());
        for s in &doc.sentences {
            for i in s.tokens.clone() {
                if let Some(h) = deps[i].head {
                    assert!(s.tokens.contains(&(h as usize)), "token {i} has head {h}");
                }
            }
        }
        let said = (0..doc.tokens.len())
            .find(|&i| doc.token_text(i) == "said")
            .expect("said");
        let ministry = (0..doc.tokens.len())
            .find(|&i| doc.token_text(i) == "ministry")
            .expect("ministry");
        assert_eq!(deps[ministry].head, Some(said as u32));
    }
}
