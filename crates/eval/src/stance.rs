//! Stance classification scored on Emergent (claim vs article headline, 10 claim-grouped folds)
//! and FNC-1 (headline vs article body, a body-disjoint dev split of the train data), and the
//! command that trains the committed model.
//!
//! FNC-1 was built from Emergent: its headlines are Emergent article headlines and its bodies
//! report on Emergent claims. So whenever one corpus trains a model scored on the other, the
//! pairs that share a headline, a claim or a story with the scored part are removed first
//! ([`Overlap`]); the evaluations here train on their own corpus and only add the other one
//! through that filter.
//!
//! The committed model (`claimtrail train stance`) is trained on every Emergent row, one
//! unrelated pair per row (the claim with another claim's headline), and the FNC-1 pairs whose
//! body is outside the dev split, so that `--fnc1` figures of the product model would not be
//! inflated by its own training bodies. Its Emergent rows share headlines with FNC-1 dev pairs,
//! so the product model itself is not scored here: each evaluation trains its own.
//!
//! ```no_run
//! let r = eval::stance::evaluate_emergent(std::path::Path::new("../shared/data/emergent"), None)?;
//! println!("{r}");
//! # Ok::<(), eval::EvalError>(())
//! ```

use crate::error::{read_text, EvalError};
use crate::Report;
use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::time::Instant;
pub use track::stance::{Example, Prediction, Stance, StanceModel, TrainConfig};

/// One Emergent row: a claim and an article headline with its stance.
#[derive(Clone, Debug)]
pub struct EmergentRow {
    pub claim_id: String,
    pub claim: String,
    pub headline: String,
    pub stance: Stance,
}

/// Reads an Emergent CSV (columns found by header name).
pub fn load_emergent(path: &Path) -> Result<Vec<EmergentRow>, EvalError> {
    let src = read_text(path)?;
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(src.as_bytes());
    let headers = rdr
        .headers()
        .map_err(|e| EvalError::data(path, e.to_string()))?
        .clone();
    let col = |name: &str| -> Result<usize, EvalError> {
        headers
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| EvalError::data(path, format!("no {name} column")))
    };
    let (c_claim, c_head, c_stance, c_id) = (
        col("claimHeadline")?,
        col("articleHeadline")?,
        col("articleHeadlineStance")?,
        col("claimId")?,
    );
    let mut out = Vec::new();
    for (i, rec) in rdr.records().enumerate() {
        let fmt = |message: String| EvalError::Format {
            path: path.to_path_buf(),
            line: i + 2,
            message,
        };
        let rec = rec.map_err(|e| fmt(e.to_string()))?;
        let get = |c: usize| rec.get(c).unwrap_or("").to_string();
        let label = get(c_stance);
        let stance =
            Stance::parse(&label).ok_or_else(|| fmt(format!("unknown stance '{label}'")))?;
        out.push(EmergentRow {
            claim_id: get(c_id),
            claim: get(c_claim),
            headline: get(c_head),
            stance,
        });
    }
    Ok(out)
}

/// The train and test rows of Emergent fold `n` (1..=10).
pub fn emergent_fold(
    dir: &Path,
    n: usize,
) -> Result<(Vec<EmergentRow>, Vec<EmergentRow>), EvalError> {
    let name = |split: &str| {
        dir.join(format!(
            "url-versions-2015-06-14-clean-{split}-fold-{n}.csv"
        ))
    };
    Ok((
        load_emergent(&name("train"))?,
        load_emergent(&name("test"))?,
    ))
}

/// FNC-1 train data: bodies by id and (headline, body id, stance) pairs in file order.
pub struct Fnc {
    pub bodies: HashMap<u32, String>,
    pub pairs: Vec<(String, u32, Stance)>,
    /// Body id to the Emergent claim (story) it reports on, where known.
    pub story: HashMap<u32, String>,
}

pub fn load_fnc(dir: &Path) -> Result<Fnc, EvalError> {
    let bodies = crate::clustering::load_bodies(&dir.join("train_bodies.csv"))?;
    let path = dir.join("train_stances.csv");
    let src = read_text(&path)?;
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(src.as_bytes());
    let mut pairs = Vec::new();
    for (i, rec) in rdr.records().enumerate() {
        let fmt = |message: String| EvalError::Format {
            path: path.clone(),
            line: i + 2,
            message,
        };
        let rec = rec.map_err(|e| fmt(e.to_string()))?;
        let headline = rec.get(0).unwrap_or("").to_string();
        let body: u32 = rec
            .get(1)
            .and_then(|s| s.trim().parse().ok())
            .ok_or_else(|| fmt("Body ID is not a number".into()))?;
        let label = rec.get(2).unwrap_or("");
        let stance =
            Stance::parse(label).ok_or_else(|| fmt(format!("unknown stance '{label}'")))?;
        if !bodies.contains_key(&body) {
            return Err(fmt(format!("body {body} is not in train_bodies.csv")));
        }
        pairs.push((headline, body, stance));
    }
    let story_path = dir.join("train_body_story.tsv");
    let story = if story_path.is_file() {
        crate::clustering::load_story_map(&story_path)?
            .into_iter()
            .collect()
    } else {
        HashMap::new()
    };
    Ok(Fnc {
        bodies,
        pairs,
        story,
    })
}

/// Share of FNC-1 bodies held out as dev.
const DEV_SHARE: f64 = 0.2;
const SPLIT_SEED: u64 = 0x00f0_c1de_5eed_0001;

/// The body ids of the FNC-1 dev split: a fixed fifth of the bodies, drawn with a fixed seed
/// from the sorted ids, so no body is in both train and dev.
pub fn fnc_dev_bodies(fnc: &Fnc) -> HashSet<u32> {
    let mut ids: Vec<u32> = fnc.bodies.keys().copied().collect();
    ids.sort_unstable();
    text::perceptron::Rng(SPLIT_SEED).shuffle(&mut ids);
    let n = (ids.len() as f64 * DEV_SHARE).round() as usize;
    ids.into_iter().take(n).collect()
}

fn norm(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// Headlines, claims and stories of a scored part, so that training pairs sharing any of them
/// are kept out.
#[derive(Default)]
pub struct Overlap {
    texts: HashSet<String>,
    stories: HashSet<String>,
}

impl Overlap {
    pub fn of_emergent(rows: &[EmergentRow]) -> Overlap {
        let mut o = Overlap::default();
        for r in rows {
            o.texts.insert(norm(&r.claim));
            o.texts.insert(norm(&r.headline));
            o.stories.insert(r.claim_id.clone());
        }
        o
    }

    /// The FNC-1 pairs free of the overlap: their headline is not a scored text, and their
    /// body neither reports on a scored story nor is paired (as related) with a scored text.
    pub fn filter_fnc<'a>(
        &self,
        fnc: &'a Fnc,
        pairs: &[&'a (String, u32, Stance)],
    ) -> Vec<&'a (String, u32, Stance)> {
        let mut tainted: HashSet<u32> = fnc
            .story
            .iter()
            .filter(|(_, s)| self.stories.contains(*s))
            .map(|(b, _)| *b)
            .collect();
        for (h, b, s) in &fnc.pairs {
            if *s != Stance::Unrelated && self.texts.contains(&norm(h)) {
                tainted.insert(*b);
            }
        }
        pairs
            .iter()
            .copied()
            .filter(|(h, b, _)| !tainted.contains(b) && !self.texts.contains(&norm(h)))
            .collect()
    }

    /// The Emergent rows free of the overlap with FNC-1 pairs.
    pub fn of_fnc(fnc: &Fnc, pairs: &[&(String, u32, Stance)]) -> Overlap {
        let mut o = Overlap::default();
        for (h, b, _) in pairs {
            o.texts.insert(norm(h));
            if let Some(s) = fnc.story.get(b) {
                o.stories.insert(s.clone());
            }
        }
        o
    }

    pub fn filter_emergent<'a>(&self, rows: &'a [EmergentRow]) -> Vec<&'a EmergentRow> {
        rows.iter()
            .filter(|r| {
                !self.stories.contains(&r.claim_id)
                    && !self.texts.contains(&norm(&r.claim))
                    && !self.texts.contains(&norm(&r.headline))
            })
            .collect()
    }
}

/// A confusion matrix over the four stances: `m[gold][predicted]`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Confusion {
    pub m: [[u64; 4]; 4],
}

impl Confusion {
    pub fn add(&mut self, gold: Stance, pred: Stance) {
        self.m[gold.index()][pred.index()] += 1;
    }

    pub fn total(&self) -> u64 {
        self.m.iter().flatten().sum()
    }

    pub fn accuracy(&self) -> f64 {
        let right: u64 = (0..4).map(|i| self.m[i][i]).sum();
        right as f64 / self.total().max(1) as f64
    }

    /// (precision, recall, F1) of one class.
    pub fn prf(&self, s: Stance) -> (f64, f64, f64) {
        let i = s.index();
        let tp = self.m[i][i] as f64;
        let pred: u64 = (0..4).map(|g| self.m[g][i]).sum();
        let gold: u64 = self.m[i].iter().sum();
        let p = if pred == 0 { 0.0 } else { tp / pred as f64 };
        let r = if gold == 0 { 0.0 } else { tp / gold as f64 };
        let f = if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        };
        (p, r, f)
    }

    /// Classes that occur in the gold labels.
    pub fn gold_classes(&self) -> Vec<Stance> {
        Stance::ALL
            .into_iter()
            .filter(|s| self.m[s.index()].iter().sum::<u64>() > 0)
            .collect()
    }

    /// Mean F1 over the classes present in the gold labels.
    pub fn macro_f1(&self) -> f64 {
        let classes = self.gold_classes();
        if classes.is_empty() {
            return 0.0;
        }
        classes.iter().map(|&s| self.prf(s).2).sum::<f64>() / classes.len() as f64
    }

    /// The official FNC-1 score as a share of its maximum: 0.25 for getting related vs
    /// unrelated right, 0.75 more for the exact label of a related pair.
    pub fn fnc_score(&self) -> f64 {
        let (mut got, mut max) = (0.0, 0.0);
        let un = Stance::Unrelated.index();
        for g in 0..4 {
            for p in 0..4 {
                let n = self.m[g][p] as f64;
                if g == p {
                    got += 0.25 * n;
                }
                if g != un && p != un {
                    got += 0.25 * n;
                    if g == p {
                        got += 0.5 * n;
                    }
                }
            }
            max += self.m[g].iter().sum::<u64>() as f64 * if g == un { 0.25 } else { 1.0 };
        }
        if max == 0.0 {
            0.0
        } else {
            got / max
        }
    }

    fn lines(&self, report: &mut Report, names: &dyn Fn(Stance) -> &'static str) {
        for s in self.gold_classes() {
            let (p, r, f) = self.prf(s);
            report.push_line(format!(
                "  {:<10} P {:.3}  R {:.3}  F1 {:.3}  (gold {})",
                names(s),
                p,
                r,
                f,
                self.m[s.index()].iter().sum::<u64>()
            ));
        }
        let classes = self.gold_classes();
        let head: Vec<String> = classes
            .iter()
            .map(|&s| format!("{:>9}", names(s)))
            .collect();
        report.push_line(format!("  gold \\ predicted {}", head.join(" ")));
        for &g in &classes {
            let row: Vec<String> = classes
                .iter()
                .map(|&p| format!("{:>9}", self.m[g.index()][p.index()]))
                .collect();
            report.push_line(format!("  {:<16} {}", names(g), row.join(" ")));
        }
    }
}

fn emergent_name(s: Stance) -> &'static str {
    match s {
        Stance::Supports => "for",
        Stance::Denies => "against",
        Stance::NonCommittal => "observing",
        Stance::Unrelated => "unrelated",
    }
}

fn fnc_name(s: Stance) -> &'static str {
    match s {
        Stance::Supports => "agree",
        Stance::Denies => "disagree",
        Stance::NonCommittal => "discuss",
        Stance::Unrelated => "unrelated",
    }
}

/// Options for the evaluations.
#[derive(Clone, Debug, Default)]
pub struct EvalOptions {
    /// Folds to run (1..=10); empty means all ten.
    pub folds: Vec<usize>,
    /// Also train on the other corpus, with its overlap with the scored part removed.
    pub cross: Option<std::path::PathBuf>,
    pub config: TrainConfig,
}

/// Emergent's 10 claim-grouped folds: train on each train fold, score its test fold, pool.
pub fn evaluate_emergent(dir: &Path, options: Option<&EvalOptions>) -> Result<Report, EvalError> {
    let default = EvalOptions::default();
    let options = options.unwrap_or(&default);
    let folds: Vec<usize> = if options.folds.is_empty() {
        (1..=10).collect()
    } else {
        options.folds.clone()
    };
    let fnc = match &options.cross {
        Some(d) => Some(load_fnc(d)?),
        None => None,
    };
    let started = Instant::now();
    let mut total = Confusion::default();
    let mut report = Report::new(format!(
        "stance on Emergent ({} claim-grouped fold(s){}): claim vs article headline",
        folds.len(),
        if fnc.is_some() {
            ", plus FNC-1 minus overlap"
        } else {
            ""
        }
    ));
    for &n in &folds {
        let (train, test) = emergent_fold(dir, n)?;
        let mut examples: Vec<Example> = train
            .iter()
            .map(|r| Example {
                claim: &r.claim,
                text: &r.headline,
                stance: r.stance,
            })
            .collect();
        if let Some(fnc) = &fnc {
            let all: Vec<&(String, u32, Stance)> = fnc.pairs.iter().collect();
            for (h, b, s) in Overlap::of_emergent(&test).filter_fnc(fnc, &all) {
                if let Some(body) = fnc.bodies.get(b) {
                    examples.push(Example {
                        claim: h,
                        text: body,
                        stance: *s,
                    });
                }
            }
        }
        let model = StanceModel::train(&examples, &options.config);
        let pairs: Vec<(&str, &str)> = test
            .iter()
            .map(|r| (r.claim.as_str(), r.headline.as_str()))
            .collect();
        let mut fold = Confusion::default();
        for (r, p) in test.iter().zip(model.predict_many(&pairs)) {
            let pred = p.best_of(&Stance::RELATED);
            fold.add(r.stance, pred);
            total.add(r.stance, pred);
        }
        report.push_line(format!(
            "fold {n:>2}: {} rows, accuracy {:.3}, macro-F1 {:.3}",
            test.len(),
            fold.accuracy(),
            fold.macro_f1()
        ));
    }
    report.push_line(format!(
        "pooled: {} rows, accuracy {:.3}, macro-F1 {:.3} (published: 0.723 macro-F1)",
        total.total(),
        total.accuracy(),
        total.macro_f1()
    ));
    total.lines(&mut report, &emergent_name);
    report.push_line(format!(
        "{:.1} s (training and scoring)",
        started.elapsed().as_secs_f64()
    ));
    report.set("accuracy", total.accuracy());
    report.set("macro_f1", total.macro_f1());
    for s in Stance::RELATED {
        report.set(&format!("f1_{}", emergent_name(s)), total.prf(s).2);
    }
    Ok(report)
}

/// FNC-1: train on the bodies outside the dev split, score the dev bodies' pairs.
pub fn evaluate_fnc(dir: &Path, options: Option<&EvalOptions>) -> Result<Report, EvalError> {
    let default = EvalOptions::default();
    let options = options.unwrap_or(&default);
    let fnc = load_fnc(dir)?;
    let dev = fnc_dev_bodies(&fnc);
    let started = Instant::now();
    let train: Vec<&(String, u32, Stance)> =
        fnc.pairs.iter().filter(|p| !dev.contains(&p.1)).collect();
    let test: Vec<&(String, u32, Stance)> =
        fnc.pairs.iter().filter(|p| dev.contains(&p.1)).collect();
    let mut examples: Vec<Example> = train
        .iter()
        .filter_map(|(h, b, s)| {
            Some(Example {
                claim: h,
                text: fnc.bodies.get(b)?,
                stance: *s,
            })
        })
        .collect();
    let emergent_rows = match &options.cross {
        Some(d) => load_emergent(&d.join("url-versions-2015-06-14-clean-train.csv"))?,
        None => Vec::new(),
    };
    let overlap = Overlap::of_fnc(&fnc, &test);
    for r in overlap.filter_emergent(&emergent_rows) {
        examples.push(Example {
            claim: &r.claim,
            text: &r.headline,
            stance: r.stance,
        });
    }
    let model = StanceModel::train(&examples, &options.config);
    let train_secs = started.elapsed().as_secs_f64();
    let pairs: Vec<(&str, &str)> = test
        .iter()
        .filter_map(|(h, b, _)| Some((h.as_str(), fnc.bodies.get(b)?.as_str())))
        .collect();
    let mut c = Confusion::default();
    for ((_, _, gold), p) in test.iter().zip(model.predict_many(&pairs)) {
        c.add(*gold, p.stance);
    }
    let mut report =
        Report::new(format!(
        "stance on FNC-1, body-disjoint dev split: {} dev bodies, {} train pairs, {} dev pairs{}",
        dev.len(),
        examples.len(),
        test.len(),
        if options.cross.is_some() { " (train adds Emergent minus overlap)" } else { "" }
    ));
    report.push_line(format!(
        "FNC score {:.1}% of max, macro-F1 {:.3}, accuracy {:.3}",
        100.0 * c.fnc_score(),
        c.macro_f1(),
        c.accuracy()
    ));
    c.lines(&mut report, &fnc_name);
    report.push_line(format!(
        "{:.1} s training, {:.1} s in all",
        train_secs,
        started.elapsed().as_secs_f64()
    ));
    report.set("fnc_score", c.fnc_score());
    report.set("macro_f1", c.macro_f1());
    report.set("accuracy", c.accuracy());
    for s in Stance::ALL {
        report.set(&format!("f1_{}", fnc_name(s)), c.prf(s).2);
    }
    Ok(report)
}

/// Trains the committed model: every Emergent row, unrelated headline pairs drawn from them,
/// and the FNC-1 pairs outside the dev bodies.
/// The two corpora share headlines; that is harmless here, since nothing is scored on this
/// model's training data (evaluations train their own models).
pub fn train(emergent: &Path, fnc1: &Path, out: &Path) -> Result<Report, EvalError> {
    let started = Instant::now();
    let rows = load_emergent(&emergent.join("url-versions-2015-06-14-clean-train.csv"))?;
    let fnc = load_fnc(fnc1)?;
    let dev = fnc_dev_bodies(&fnc);
    let mut examples: Vec<Example> = rows
        .iter()
        .map(|r| Example {
            claim: &r.claim,
            text: &r.headline,
            stance: r.stance,
        })
        .collect();
    // Emergent has no unrelated headlines and FNC-1 only unrelated bodies: without these, a short
    // text about something else would be read as support. Each claim is paired with the
    // headline of a row about another claim, as FNC-1 built its unrelated pairs.
    let mut rng = text::perceptron::Rng(SPLIT_SEED ^ 0x0dd5);
    for r in &rows {
        for _ in 0..8 {
            let other = &rows[(rng.next_u64() % rows.len() as u64) as usize];
            if other.claim_id != r.claim_id {
                examples.push(Example {
                    claim: &r.claim,
                    text: &other.headline,
                    stance: Stance::Unrelated,
                });
                break;
            }
        }
    }
    let n_emergent = examples.len();
    for (h, b, s) in fnc.pairs.iter().filter(|p| !dev.contains(&p.1)) {
        if let Some(body) = fnc.bodies.get(b) {
            examples.push(Example {
                claim: h,
                text: body,
                stance: *s,
            });
        }
    }
    let config = TrainConfig::default();
    let model = StanceModel::train(&examples, &config);
    let bytes = model.to_bytes(config.prune);
    std::fs::write(out, &bytes).map_err(|e| EvalError::Write {
        path: out.to_path_buf(),
        source: e,
    })?;
    let secs = started.elapsed().as_secs_f64();
    Ok(Report::new("stance model")
        .line(format!(
            "{} Emergent rows, {} unrelated headline pairs drawn from them, {} FNC-1 pairs (dev \
             bodies left out), {} feature rows",
            rows.len(),
            n_emergent - rows.len(),
            examples.len() - n_emergent,
            model.n_features()
        ))
        .line(format!(
            "wrote {} ({} bytes) in {:.1} s",
            out.display(),
            bytes.len(),
            secs
        ))
        .metric("examples", examples.len() as f64)
        .metric("bytes", bytes.len() as f64)
        .metric("seconds", secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnc_score_counts_related_and_exact() {
        let mut c = Confusion::default();
        c.add(Stance::Unrelated, Stance::Unrelated); // 0.25 of 0.25
        c.add(Stance::Supports, Stance::NonCommittal); // 0.25 of 1
        c.add(Stance::Denies, Stance::Denies); // 1 of 1
        c.add(Stance::Denies, Stance::Unrelated); // 0 of 1
        assert!((c.fnc_score() - 1.5 / 3.25).abs() < 1e-9);
        assert_eq!(c.gold_classes().len(), 3);
        assert!((c.accuracy() - 0.5).abs() < 1e-9);
    }
}
