//! times. PLACEHOLDER: being replaced.

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
        "times"
    }
    fn requires(&self) -> &'static [Layer] {
        &[Layer::Tokens, Layer::Sentences, Layer::Tags]
    }
    fn assigns(&self) -> &'static [Layer] {
        &[Layer::Times]
    }
    fn apply(&self, doc: &mut Doc) {
        doc.times = Some(Vec::new());
    }
}
