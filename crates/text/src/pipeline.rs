//! The pipeline: an ordered list of components, each `Doc -> Doc`, each declaring the layers it
//! requires and the layers it assigns. The order is checked when the pipeline is built, so a
//! component can rely on its inputs being present.

use crate::doc::Doc;
use crate::perceptron::ModelError;
use crate::{boilerplate, entities, pos, quantities, times, tokenize};
use chrono::NaiveDate;

/// An annotation layer of a [`Doc`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layer {
    Tokens,
    Sentences,
    Tags,
    Lemmas,
    Deps,
    Entities,
    Times,
    Quantities,
    Boilerplate,
    Credits,
    Attributions,
}

pub trait Component: Send + Sync {
    fn name(&self) -> &'static str;
    fn requires(&self) -> &'static [Layer];
    fn assigns(&self) -> &'static [Layer];
    fn apply(&self, doc: &mut Doc);
}

/// Tokens and sentences.
pub struct Tokenizer;

impl Component for Tokenizer {
    fn name(&self) -> &'static str {
        "tokenizer"
    }
    fn requires(&self) -> &'static [Layer] {
        &[]
    }
    fn assigns(&self) -> &'static [Layer] {
        &[Layer::Tokens, Layer::Sentences]
    }
    fn apply(&self, doc: &mut Doc) {
        doc.tokens = tokenize::tokenize(&doc.text);
        doc.sentences = tokenize::split_sentences(&doc.text, &doc.tokens);
    }
}

#[derive(Debug)]
pub enum PipelineError {
    Model(&'static str, ModelError),
    Order {
        component: &'static str,
        missing: Layer,
    },
}

impl std::fmt::Display for PipelineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PipelineError::Model(name, e) => write!(f, "loading the {name} model: {e}"),
            PipelineError::Order { component, missing } => {
                write!(f, "component {component} requires {missing:?}, which no earlier component assigns")
            }
        }
    }
}

impl std::error::Error for PipelineError {}

pub struct Pipeline {
    components: Vec<Box<dyn Component>>,
}

impl Pipeline {
    /// The full default pipeline with the embedded models.
    pub fn new() -> Result<Pipeline, PipelineError> {
        let tagger = pos::Tagger::embedded().map_err(|e| PipelineError::Model("pos", e))?;
        let ner =
            entities::Recognizer::embedded().map_err(|e| PipelineError::Model("entities", e))?;
        Pipeline::from_components(vec![
            Box::new(Tokenizer),
            Box::new(tagger),
            Box::new(boilerplate::Finder::new()),
            Box::new(ner),
            Box::new(times::Finder::new()),
            Box::new(quantities::Finder::new()),
            Box::new(
                crate::attribution::Tagger::embedded()
                    .map_err(|e| PipelineError::Model("attribution", e))?,
            ),
        ])
    }

    /// A pipeline from components in order; fails if one needs a layer no earlier one assigns.
    pub fn from_components(components: Vec<Box<dyn Component>>) -> Result<Pipeline, PipelineError> {
        let mut have: Vec<Layer> = Vec::new();
        for c in &components {
            if let Some(&missing) = c.requires().iter().find(|l| !have.contains(l)) {
                return Err(PipelineError::Order {
                    component: c.name(),
                    missing,
                });
            }
            have.extend_from_slice(c.assigns());
        }
        Ok(Pipeline { components })
    }

    pub fn component_names(&self) -> Vec<&'static str> {
        self.components.iter().map(|c| c.name()).collect()
    }

    /// Runs every component over `doc` in order.
    pub fn run(&self, doc: &mut Doc) {
        for c in &self.components {
            c.apply(doc);
        }
    }

    /// Runs every component over `doc`, adding each one's wall time to `spent` (one slot per
    /// component, in order); for benchmarks that show where the time goes.
    pub fn run_timed(&self, doc: &mut Doc, spent: &mut [std::time::Duration]) {
        for (c, slot) in self.components.iter().zip(spent.iter_mut()) {
            let start = std::time::Instant::now();
            c.apply(doc);
            *slot += start.elapsed();
        }
    }

    /// Analyses `text`, published on `published` (used to resolve relative times).
    pub fn analyze(&self, text: &str, published: Option<NaiveDate>) -> Doc {
        let mut doc = Doc::new(text, published);
        self.run(&mut doc);
        doc
    }
}

/// A default component by name, with its embedded model, for pipelines assembled by hand
/// (benchmarks compare the pipeline with and without a stage).
pub fn component_by_name(name: &str) -> Option<Box<dyn Component>> {
    let full = Pipeline::new().ok()?;
    full.components.into_iter().find(|c| c.name() == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_order_is_valid_and_wrong_order_is_refused() {
        let p = Pipeline::new().expect("embedded models load");
        assert_eq!(p.component_names()[0], "tokenizer");
        let tagger = pos::Tagger::embedded().expect("pos model");
        let err = Pipeline::from_components(vec![Box::new(tagger), Box::new(Tokenizer)]);
        assert!(matches!(err, Err(PipelineError::Order { .. })));
    }
}
