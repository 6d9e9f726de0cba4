//! Named entities. PLACEHOLDER: being replaced by the trained recognizer and gazetteers.

use crate::doc::Doc;
use crate::perceptron::ModelError;
use crate::pipeline::{Component, Layer};

pub struct Recognizer;

impl Recognizer {
    pub fn embedded() -> Result<Recognizer, ModelError> {
        Ok(Recognizer)
    }
}

impl Component for Recognizer {
    fn name(&self) -> &'static str {
        "entities"
    }
    fn requires(&self) -> &'static [Layer] {
        &[Layer::Tokens, Layer::Sentences, Layer::Tags]
    }
    fn assigns(&self) -> &'static [Layer] {
        &[Layer::Entities]
    }
    fn apply(&self, doc: &mut Doc) {
        doc.entities = Some(Vec::new());
    }
}
