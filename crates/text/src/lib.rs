//! # text: what does a news text say, and who says it?
//!
//! The `text` crate turns a news article into a [`Doc`]: tokens and sentences with exact
//! offsets, part-of-speech tags and lemmas, named entities, normalized times, quantities,
//! publisher boilerplate and wire credits (and, later, attributions). It is pure and
//! infallible: messy text is input, not an error. It does no I/O, no async, no SQL and no
//! HTTP; trained weights and word lists are embedded at compile time.
//!
//! The design follows spaCy's: the [`Doc`] owns the text and the token array, every annotation
//! is a span of offsets into it, and a [`Pipeline`] runs components (`Doc -> Doc`) that each
//! declare what they require and assign.
//!
//! ```
//! let pipeline = text::Pipeline::new().expect("embedded models load");
//! let published = chrono::NaiveDate::from_ymd_opt(2024, 10, 22);
//! let doc = pipeline.analyze("Mr. Kim arrived in Seoul on Monday. He left.", published);
//! assert_eq!(doc.sentences.len(), 2);
//! assert_eq!(doc.token_text(0), "Mr.");
//! ```

pub mod attribution;
pub mod boilerplate;
pub mod doc;
pub mod entities;
pub mod lexicon;
pub mod output;
pub mod parse;
pub mod perceptron;
pub mod pipeline;
pub mod pos;
pub mod quantities;
pub mod syntax;
pub mod times;
pub mod tokenize;

pub use doc::{Doc, Span, Token, TokenKind, Upos};
pub use pipeline::{Component, Layer, Pipeline};
