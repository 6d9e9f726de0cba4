//! The committed part-of-speech model meets its bar on UD English EWT dev.
//!
//! Reads the treebank from `../shared/data/ud-ewt` at run time (never copied into the repo) and
//! skips, saying why, where it is absent.

#[test]
fn embedded_tagger_scores_at_least_95_upos_on_ewt_dev() {
    let Some(dir) = eval::shared_ewt_dir() else {
        return;
    };
    let report = match eval::pos::evaluate(&dir, "dev") {
        Ok(r) => r,
        Err(e) => panic!("scoring EWT dev failed: {e}"),
    };
    println!("{report}");
    let upos = report.get("upos_accuracy").unwrap_or(0.0);
    assert!(upos >= 95.0, "UPOS accuracy {upos:.2}% is below 95.0%");
    let lemma = report.get("lemma_accuracy").unwrap_or(0.0);
    assert!(lemma >= 95.0, "lemma accuracy {lemma:.2}% is below 95.0%");
}
