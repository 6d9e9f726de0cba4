//! quantities. PLACEHOLDER: being replaced.

use crate::doc::Doc;
use crate::pipeline::{Component, Layer};

pub struct Finder;

impl Finder {
    pub fn new() -> Finder {
        Finder
    }
}

impl Default for Finder {
    fn default() -> Self {
        Finder::new()
    }
}

impl Component for Finder {
    fn name(&self) -> &'static str {
        "quantities"
    }
    fn requires(&self) -> &'static [Layer] {
        &[Layer::Tokens, Layer::Sentences, Layer::Tags]
    }
    fn assigns(&self) -> &'static [Layer] {
        &[Layer::Quantities]
    }
    fn apply(&self, doc: &mut Doc) {
        doc.quantities = Some(Vec::new());
    }
}
