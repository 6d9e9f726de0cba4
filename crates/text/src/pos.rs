//! Part-of-speech tags and lemmas. PLACEHOLDER: being replaced by the trained tagger.

use crate::doc::{Doc, Upos};
use crate::perceptron::ModelError;
use crate::pipeline::{Component, Layer};

pub struct Tagger;

impl Tagger {
    pub fn embedded() -> Result<Tagger, ModelError> {
        Ok(Tagger)
    }
}

impl Component for Tagger {
    fn name(&self) -> &'static str {
        "pos"
    }
    fn requires(&self) -> &'static [Layer] {
        &[Layer::Tokens, Layer::Sentences]
    }
    fn assigns(&self) -> &'static [Layer] {
        &[Layer::Tags, Layer::Lemmas]
    }
    fn apply(&self, doc: &mut Doc) {
        doc.tags = Some(vec![Upos::X; doc.tokens.len()]);
        doc.lemmas = Some(
            (0..doc.tokens.len())
                .map(|i| doc.token_text(i).to_lowercase())
                .collect(),
        );
    }
}
