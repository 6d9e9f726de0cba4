//! # eval: how good is claimtrail on the corpora in `../shared/data`?
//!
//! Loaders for the research corpora (CoNLL-U, GUM entities, TimeML, the seed article) and the
//! scorers that turn system output into the figures the README reports. Training commands live
//! here too, because training is loading a corpus plus calling a `text` trainer. This is the
//! only crate besides the binary that reads files; it never touches the network.
//!
//! Every command returns a [`Report`]: a printable text and named metrics, so that tests assert
//! the same numbers the CLI prints.
//!
//! ```
//! let r = eval::Report::new("demo").metric("f1", 0.5);
//! assert_eq!(r.get("f1"), Some(0.5));
//! ```

pub mod attribution;
pub mod claims;
pub mod clustering;
pub mod conllu;
pub mod error;
pub mod extraction;
pub mod ner;
pub mod parse;
pub mod polnear;
pub mod pos;
pub mod report;
pub mod seed;
pub mod speakers;
pub mod stance;
pub mod timex;

pub use error::EvalError;
pub use report::Report;

/// `../shared/data` seen from a crate's manifest directory, for tests; `None` (with the
/// reason printed) when it is absent so that tests can skip.
pub fn shared_data_dir() -> Option<std::path::PathBuf> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("skipping: {} is absent", dir.display());
        None
    }
}

/// The corpus folder `rel` under `../shared/data`, like [`shared_data_dir`]: `None` (with the
/// reason printed) when it is absent.
pub fn shared_corpus(rel: &str) -> Option<std::path::PathBuf> {
    let dir = shared_data_dir()?.join(rel);
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("skipping: {} is absent", dir.display());
        None
    }
}

/// `../shared/data/ud-ewt` where it holds the dev split, like [`shared_data_dir`].
pub fn shared_ewt_dir() -> Option<std::path::PathBuf> {
    let dir = shared_data_dir()?.join("ud-ewt");
    if dir.join("en_ewt-ud-dev.conllu").is_file() {
        Some(dir)
    } else {
        eprintln!("skipping: {} has no en_ewt-ud-dev.conllu", dir.display());
        None
    }
}

/// `../shared/seed`, like [`shared_data_dir`].
pub fn shared_seed_dir() -> Option<std::path::PathBuf> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/seed");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("skipping: {} is absent", dir.display());
        None
    }
}
