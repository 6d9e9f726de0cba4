//! # track: given analysed articles, what are the stories, and who stands where?
//!
//! Pure functions and online state machines over `text::Doc`s: no I/O, no clock (times come
//! in with the articles), no database. The first piece is [`stories`], online clustering of
//! articles into developing stories; claims and stances build on it. [`stance`] tells whether a
//! text (headline, statement or article) supports, denies or only reports a claim, or is about
//! something else.
//!
//! ```
//! use track::stories::{Clusterer, StoryConfig, features};
//! let pipeline = text::Pipeline::new().expect("embedded models load");
//! let mut clusterer = Clusterer::new(StoryConfig::default());
//! let a = pipeline.analyze("Estmark moved 4,000 marines to its northern coast, Valdora said.", None);
//! let b = pipeline.analyze("Valdora says Estmark moved marines to the northern coast.", None);
//! let first = clusterer.add(&features(&a, None), 0);
//! let second = clusterer.add(&features(&b, None), 3600);
//! assert_eq!(first.story, second.story);
//! ```

pub mod claims;
pub mod stance;
pub mod stories;
