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
        let n = doc.tokens.len();
        let mut out = Vec::with_capacity(n);
        let mut words: Vec<&str> = Vec::new();
        let mut tags: Vec<Upos> = Vec::new();
        let mut arcs: Vec<Arc> = Vec::new();
        let doc_tags = doc.tags.as_deref().filter(|t| t.len() == n);
        for s in &doc.sentences {
            // Tokens between sentences (none in practice) are given no head, so that `out`
            // stays aligned with the tokens whatever the sentence splitter did.
            let range = s.tokens.start.min(n)..s.tokens.end.min(n);
            while out.len() < range.start {
                out.push(root_arc());
            }
            if range.is_empty() || out.len() > range.start {
                continue;
            }
            words.clear();
            words.extend(range.clone().map(|i| doc.token_text(i)));
            tags.clear();
            match doc_tags {
                Some(t) => tags.extend_from_slice(&t[range.clone()]),
                None => tags.extend(std::iter::repeat_n(Upos::X, range.len())),
            }
            self.parser.parse_into(&words, &tags, &mut arcs);
            for a in arcs.iter().take(range.len()) {
                out.push(Arc {
                    head: a.head.map(|h| h + range.start as u32),
                    label: a.label,
                });
            }
            while out.len() < range.end {
                out.push(root_arc());
            }
        }
        while out.len() < n {
            out.push(root_arc());
        }
        out
    }
}

fn root_arc() -> Arc {
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
    use crate::Pipeline;

    #[test]
    fn heads_point_into_the_same_sentence() {
        let p = Pipeline::new().expect("embedded models load");
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
