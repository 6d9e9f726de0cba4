//! Boilerplate and credits. PLACEHOLDER: being replaced.

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
        "boilerplate"
    }
    fn requires(&self) -> &'static [Layer] {
        &[Layer::Tokens, Layer::Sentences]
    }
    fn assigns(&self) -> &'static [Layer] {
        &[Layer::Boilerplate, Layer::Credits]
    }
    fn apply(&self, doc: &mut Doc) {
        doc.boilerplate = Some(Vec::new());
        doc.credits = Some(Vec::new());
    }
}
