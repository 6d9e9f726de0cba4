//! Story clustering scored on FNC-1 bodies grouped by the Emergent claim they report on.
//!
//! `train_body_story.tsv` maps 1,088 FNC-1 bodies to 133 stories. The bodies are fed to the
//! online clusterer in body-id order (they carry no dates, so all arrive at time zero) and the
//! clusters are scored with pairwise and BCubed precision, recall and F1.

use crate::error::{read_text, EvalError};
use crate::Report;
use std::collections::HashMap;
use std::path::Path;
use track::stories::{features, Clusterer, StoryConfig};

/// FNC-1 bodies by id.
pub fn load_bodies(path: &Path) -> Result<HashMap<u32, String>, EvalError> {
    let src = read_text(path)?;
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(src.as_bytes());
    let mut out = HashMap::new();
    for (i, rec) in rdr.records().enumerate() {
        let rec = rec.map_err(|e| EvalError::Format {
            path: path.to_path_buf(),
            line: i + 2,
            message: e.to_string(),
        })?;
        let id: u32 = rec
            .get(0)
            .and_then(|s| s.trim().parse().ok())
            .ok_or_else(|| EvalError::Format {
                path: path.to_path_buf(),
                line: i + 2,
                message: "Body ID is not a number".into(),
            })?;
        out.insert(id, rec.get(1).unwrap_or("").to_string());
    }
    Ok(out)
}

/// (body id, story id) pairs in body-id order.
pub fn load_story_map(path: &Path) -> Result<Vec<(u32, String)>, EvalError> {
    let src = read_text(path)?;
    let mut out = Vec::new();
    for (i, line) in src.lines().enumerate().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        if cols.len() < 2 {
            continue;
        }
        let id = cols[0].trim().parse().map_err(|_| EvalError::Format {
            path: path.to_path_buf(),
            line: i + 1,
            message: format!("'{}' is not a body id", cols[0]),
        })?;
        out.push((id, cols[1].trim().to_string()));
    }
    out.sort();
    Ok(out)
}

/// Pairwise and BCubed scores of `predicted` against `gold` (cluster labels per item).
pub fn score<A: Eq + std::hash::Hash, B: Eq + std::hash::Hash>(
    gold: &[A],
    predicted: &[B],
) -> Scores {
    let n = gold.len();
    let mut by_gold: HashMap<&A, Vec<usize>> = HashMap::new();
    let mut by_pred: HashMap<&B, Vec<usize>> = HashMap::new();
    for i in 0..n {
        by_gold.entry(&gold[i]).or_default().push(i);
        by_pred.entry(&predicted[i]).or_default().push(i);
    }
    let mut joint: HashMap<(&A, &B), usize> = HashMap::new();
    for i in 0..n {
        *joint.entry((&gold[i], &predicted[i])).or_insert(0) += 1;
    }
    // BCubed: per item, the share of its predicted cluster in its gold cluster and vice versa.
    let (mut p, mut r) = (0.0, 0.0);
    for i in 0..n {
        let both = joint[&(&gold[i], &predicted[i])] as f64;
        p += both / by_pred[&predicted[i]].len() as f64;
        r += both / by_gold[&gold[i]].len() as f64;
    }
    let (bp, br) = if n == 0 {
        (0.0, 0.0)
    } else {
        (p / n as f64, r / n as f64)
    };
    let pairs = |k: usize| (k * k.saturating_sub(1) / 2) as f64;
    let tp: f64 = joint.values().map(|&k| pairs(k)).sum();
    let pred_pairs: f64 = by_pred.values().map(|v| pairs(v.len())).sum();
    let gold_pairs: f64 = by_gold.values().map(|v| pairs(v.len())).sum();
    let pp = if pred_pairs > 0.0 {
        tp / pred_pairs
    } else {
        0.0
    };
    let pr = if gold_pairs > 0.0 {
        tp / gold_pairs
    } else {
        0.0
    };
    Scores {
        bcubed: (bp, br, f1(bp, br)),
        pairwise: (pp, pr, f1(pp, pr)),
        clusters: by_pred.len(),
        gold_clusters: by_gold.len(),
    }
}

fn f1(p: f64, r: f64) -> f64 {
    if p + r == 0.0 {
        0.0
    } else {
        2.0 * p * r / (p + r)
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Scores {
    pub bcubed: (f64, f64, f64),
    pub pairwise: (f64, f64, f64),
    pub clusters: usize,
    pub gold_clusters: usize,
}

/// Clusters the mapped FNC-1 bodies in `fnc1_dir` and scores them.
pub fn evaluate(fnc1_dir: &Path, threshold: Option<f32>) -> Result<Report, EvalError> {
    let bodies = load_bodies(&fnc1_dir.join("train_bodies.csv"))?;
    let map = load_story_map(&fnc1_dir.join("train_body_story.tsv"))?;
    let pipeline =
        text::Pipeline::new().map_err(|e| EvalError::data("embedded models", e.to_string()))?;
    let mut config = StoryConfig::default();
    if let Some(t) = threshold {
        config.threshold = t;
    }
    let threshold = config.threshold;
    let mut clusterer = Clusterer::new(config);
    let mut gold = Vec::new();
    let mut predicted = Vec::new();
    let start = std::time::Instant::now();
    for (id, story) in &map {
        let Some(body) = bodies.get(id) else {
            return Err(EvalError::data(
                fnc1_dir,
                format!("body {id} of the story map is not in train_bodies.csv"),
            ));
        };
        let doc = pipeline.analyze(body, None);
        let a = clusterer.add(&features(&doc, None), 0);
        gold.push(story.clone());
        predicted.push(a.story);
    }
    let secs = start.elapsed().as_secs_f64();
    let s = score(&gold, &predicted);
    let mut r = Report::new(format!(
        "story clustering on {} FNC-1 bodies ({} stories), threshold {threshold}",
        gold.len(),
        s.gold_clusters
    ));
    r.push_line("           precision  recall     F1");
    r.push_line(format!(
        "BCubed     {:.3}      {:.3}      {:.3}",
        s.bcubed.0, s.bcubed.1, s.bcubed.2
    ));
    r.push_line(format!(
        "pairwise   {:.3}      {:.3}      {:.3}",
        s.pairwise.0, s.pairwise.1, s.pairwise.2
    ));
    r.push_line(format!(
        "clusters: {} (gold {}); {:.0} articles/s including analysis",
        s.clusters,
        s.gold_clusters,
        gold.len() as f64 / secs
    ));
    r.set("bcubed_precision", s.bcubed.0);
    r.set("bcubed_recall", s.bcubed.1);
    r.set("bcubed_f1", s.bcubed.2);
    r.set("pairwise_f1", s.pairwise.2);
    r.set("clusters", s.clusters as f64);
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn perfect_and_lumped_clusterings() {
        let gold = ["a", "a", "b", "b"];
        let s = score(&gold, &[1, 1, 2, 2]);
        assert!((s.bcubed.2 - 1.0).abs() < 1e-9 && (s.pairwise.2 - 1.0).abs() < 1e-9);
        let s = score(&gold, &[1, 1, 1, 1]);
        assert!((s.bcubed.0 - 0.5).abs() < 1e-9 && (s.bcubed.1 - 1.0).abs() < 1e-9);
    }
}
