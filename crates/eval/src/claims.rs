//! Claim grouping scored on Emergent: the headlines of each test fold are grouped by
//! `track::claims::group` as if they were one story's statements, and the groups are compared
//! with Emergent's claim ids by BCubed and pairwise precision, recall and F1.
//!
//! Why this proxy: no corpus here annotates which statements of one story state the same
//! proposition. Emergent's headlines are short statements about some 300 claims, several
//! per topic (the test folds hold about 30 claims each), so grouping them exercises the same
//! decision (same proposition or not) on real news wording, with negations and hedges that
//! must not split a claim. Each fold is grouped on its own, and the scores are pooled.

use crate::clustering::score;
use crate::error::EvalError;
use crate::report::Report;
use crate::stance::emergent_fold;
use std::path::Path;
use track::claims::{group, ClaimsConfig, StatementIn};

/// Groups each test fold's headlines and scores the groups against the claim ids.
pub fn evaluate(dir: &Path, threshold: Option<f32>) -> Result<Report, EvalError> {
    let mut config = ClaimsConfig::default();
    if let Some(t) = threshold {
        config.threshold = t;
    }
    let mut gold_all: Vec<String> = Vec::new();
    let mut pred_all: Vec<String> = Vec::new();
    let mut report = Report::new(format!(
        "claim grouping on Emergent test folds (headlines grouped per fold, threshold {})",
        config.threshold
    ));
    for fold in 1..=10 {
        let (_, test) = emergent_fold(dir, fold)?;
        let statements: Vec<StatementIn> = test
            .iter()
            .map(|r| StatementIn {
                content: r.headline.clone(),
                context: r.headline.clone(),
                ..StatementIn::default()
            })
            .collect();
        let groups = group(&statements, &config);
        let mut pred = vec![String::new(); statements.len()];
        for (g, members) in groups.iter().enumerate() {
            for &m in members {
                pred[m] = format!("{fold}/{g}");
            }
        }
        let gold: Vec<String> = test
            .iter()
            .map(|r| format!("{fold}/{}", r.claim_id))
            .collect();
        let s = score(&gold, &pred);
        report.push_line(format!(
            "fold {fold:>2}: {} headlines, {} claims, {} groups, BCubed F1 {:.3}",
            gold.len(),
            s.gold_clusters,
            s.clusters,
            s.bcubed.2
        ));
        gold_all.extend(gold);
        pred_all.extend(pred);
    }
    let s = score(&gold_all, &pred_all);
    report.push_line(format!(
        "pooled: BCubed P {:.3} R {:.3} F1 {:.3}; pairwise P {:.3} R {:.3} F1 {:.3}; {} groups for {} claims",
        s.bcubed.0, s.bcubed.1, s.bcubed.2, s.pairwise.0, s.pairwise.1, s.pairwise.2, s.clusters, s.gold_clusters
    ));
    report.set("bcubed_p", s.bcubed.0);
    report.set("bcubed_r", s.bcubed.1);
    report.set("bcubed_f1", s.bcubed.2);
    report.set("pairwise_f1", s.pairwise.2);
    Ok(report)
}
