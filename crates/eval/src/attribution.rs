//! `claimtrail train attribution` and `claimtrail eval attribution`: the attribution tagger
//! trained on and scored against PolNeAR.
//!
//! Both run the same preprocessing (the tokenizer, sentence splitter and tagger, which is all
//! the attribution features read), so training and evaluation see the text the pipeline sees.
//! Evaluation scores [`Model::analyze`], the taggers with the rule post-pass, which is what the
//! pipeline outputs; attributions nested inside another's content are left out, as PolNeAR
//! annotates only the outer one. The
//! figures are the ones issue 3 asks for: per role exact and overlap P/R/F1 and
//! whole-attribution F1, all from [`crate::polnear::score`].

use crate::polnear::{self, Article, Norm, Scores, ROLES};
use crate::report::Prf;
use crate::{EvalError, Report};
use std::path::Path;
use std::time::Instant;
use text::attribution::{self, Model, TrainConfig};
use text::pipeline::{Component, Pipeline, Tokenizer};
use text::syntax::Syntax;
use text::Doc;

/// The layers the attribution model needs before it runs: tokens, sentences and
/// part-of-speech tags. It parses the sentences with a cue itself, as in the pipeline.
pub fn preprocessor() -> Result<Pipeline, EvalError> {
    layers(false)
}

/// For training: [`preprocessor`] and a dependency parse of every sentence (the gold cues'
/// sentences are the ones read).
pub fn training_preprocessor() -> Result<Pipeline, EvalError> {
    layers(true)
}

fn layers(parse: bool) -> Result<Pipeline, EvalError> {
    let tagger =
        text::pos::Tagger::embedded().map_err(|e| EvalError::data("pos model", e.to_string()))?;
    let mut components: Vec<Box<dyn Component>> = vec![Box::new(Tokenizer), Box::new(tagger)];
    if parse {
        components.push(Box::new(parser()?));
    }
    Pipeline::from_components(components).map_err(|e| EvalError::data("pipeline", e.to_string()))
}

/// The parser the attribution component runs.
fn parser() -> Result<Syntax, EvalError> {
    Syntax::embedded().map_err(|e| EvalError::data("parser model", e.to_string()))
}

/// Scores `model` on the articles of `split`.
pub fn score_model(model: &Model, articles: &[Article]) -> Result<Scores, EvalError> {
    score_model_timed(model, articles).map(|(s, _)| s)
}

/// Like [`score_model`], also returning the seconds spent in the model's `predict` alone (the
/// preprocessing is not the attribution component's time).
pub fn score_model_timed(model: &Model, articles: &[Article]) -> Result<(Scores, f64), EvalError> {
    score_with(model, articles, true)
}

/// Scores `model` with (`refine`) or without the rule post-pass, which shows what the rules add
/// to the taggers; also returns the seconds spent in the attribution stage itself.
pub fn score_with(
    model: &Model,
    articles: &[Article],
    refine: bool,
) -> Result<(Scores, f64), EvalError> {
    let parser = parser()?;
    let mut predict_secs = 0.0;
    let total = score_by(
        articles,
        |doc| {
            let t = Instant::now();
            let predicted = if refine {
                model.analyze_with(doc, Some(&parser))
            } else {
                model.predict_with(doc, Some(&parser))
            };
            predict_secs += t.elapsed().as_secs_f64();
            predicted
        },
        refine,
    )?;
    Ok((total, predict_secs))
}

/// Scores the attributions `analyze` finds in each article (preprocessed as for
/// [`preprocessor`]) against the gold ones; `dump` allows the error-analysis dump.
pub fn score_by(
    articles: &[Article],
    mut analyze: impl FnMut(&Doc) -> Vec<text::doc::Attribution>,
    dump: bool,
) -> Result<Scores, EvalError> {
    let mut total = Scores::default();
    let prep = preprocessor()?;
    // Error analysis: with CLAIMTRAIL_ATTR_DUMP set, each article's gold and system roles
    // (normalized, as scored) go to that file as JSON lines.
    let dump_path = std::env::var_os("CLAIMTRAIL_ATTR_DUMP").filter(|_| dump);
    let mut lines = String::new();
    for a in articles {
        let doc = prep.analyze(&a.text, None);
        let predicted = analyze(&doc);
        // PolNeAR gives each token one attribution and annotates the outer one of a chain
        // ("X said Y has never acknowledged Z" is X's, with all of it as content), so the
        // attributions the post-pass nests inside another's content are not scored. One nested
        // for another reason ("“Z,” Kim told Yonhap." under Yonhap's own report) stands apart
        // in the text, and PolNeAR annotates it.
        let inside = |x: &text::doc::Attribution| {
            x.nested_in.and_then(|o| predicted.get(o)).is_some_and(|o| {
                let within = |s: &text::doc::Span| {
                    o.content
                        .iter()
                        .any(|c| c.start <= s.start && s.end <= c.end)
                };
                within(&x.cue) || x.source.as_ref().is_some_and(within)
            })
        };
        let sys: Vec<Norm> = predicted
            .iter()
            .filter(|x| !inside(x))
            .map(|x| Norm::system(&a.text, x))
            .collect();
        let gold: Vec<Norm> = a
            .attributions
            .iter()
            .map(|g| Norm::gold(&a.text, g))
            .collect();
        total.add(&polnear::score(&a.text, &gold, &sys));
        if dump_path.is_some() {
            lines.push_str(&dump_line(a, &gold, &sys));
            lines.push('\n');
        }
    }
    if let Some(p) = dump_path {
        std::fs::write(&p, lines).map_err(|e| EvalError::Write {
            path: p.into(),
            source: e,
        })?;
    }
    Ok(total)
}

/// One article's gold and system attributions as a JSON line: each role a list of
/// `[start, end, text]` pieces in bytes, as the scorer normalized them.
fn dump_line(a: &Article, gold: &[Norm], sys: &[Norm]) -> String {
    let role = |v: &[(usize, usize)]| -> serde_json::Value {
        v.iter()
            .map(|&(s, e)| serde_json::json!([s, e, a.text.get(s..e).unwrap_or("")]))
            .collect()
    };
    let atts = |ns: &[Norm]| -> serde_json::Value {
        ns.iter()
            .map(|n| {
                serde_json::json!({
                    "source": role(&n.source),
                    "cue": role(&n.cue),
                    "content": role(&n.content),
                })
            })
            .collect()
    };
    serde_json::json!({"name": a.name, "gold": atts(gold), "sys": atts(sys)}).to_string()
}

fn fmt(p: &Prf) -> String {
    format!(
        "P {:5.1}  R {:5.1}  F1 {:5.1}",
        100.0 * p.precision(),
        100.0 * p.recall(),
        100.0 * p.f1()
    )
}

/// The report for `scores`, with metrics `{role}_{exact|overlap}_{p|r|f1}` and
/// `attribution_f1`, in percent.
pub fn report(title: &str, scores: &Scores) -> Report {
    let mut r = Report::new(title);
    for (i, role) in ROLES.iter().enumerate() {
        for (kind, p) in [("exact", &scores.exact[i]), ("overlap", &scores.overlap[i])] {
            r.push_line(format!("{role:8} {kind:8} {}", fmt(p)));
            r.set(&format!("{role}_{kind}_p"), 100.0 * p.precision());
            r.set(&format!("{role}_{kind}_r"), 100.0 * p.recall());
            r.set(&format!("{role}_{kind}_f1"), 100.0 * p.f1());
        }
    }
    r.push_line(format!("attribution      {}", fmt(&scores.attribution)));
    r.set("attribution_p", 100.0 * scores.attribution.precision());
    r.set("attribution_r", 100.0 * scores.attribution.recall());
    r.set("attribution_f1", 100.0 * scores.attribution.f1());
    r
}

/// Scores the embedded model on `split` of the corpus at `dir`.
pub fn evaluate(dir: &Path, split: &str) -> Result<Report, EvalError> {
    let model =
        Model::embedded().map_err(|e| EvalError::data("attribution model", e.to_string()))?;
    evaluate_model(&model, dir, split)
}

/// Scores the model stored at `path` (not the embedded one) on `split`: for trying a freshly
/// trained model without rebuilding the `text` crate.
pub fn evaluate_file(path: &Path, dir: &Path, split: &str) -> Result<Report, EvalError> {
    let bytes = std::fs::read(path).map_err(|e| EvalError::io(path, e))?;
    let model = Model::from_bytes(&bytes).map_err(|e| EvalError::data(path, e.to_string()))?;
    evaluate_model(&model, dir, split)
}

/// Scores `model` on `split` of the corpus at `dir`, with and without the rule post-pass.
pub fn evaluate_model(model: &Model, dir: &Path, split: &str) -> Result<Report, EvalError> {
    let articles = polnear::load_split(dir, split)?;
    let n_gold: usize = articles.iter().map(|a| a.attributions.len()).sum();
    let start = Instant::now();
    let (scores, predict_secs) = score_model_timed(model, &articles)?;
    let secs = start.elapsed().as_secs_f64();
    let ms = 1000.0 * predict_secs / articles.len().max(1) as f64;
    let mut r = report(
        &format!(
            "attribution on PolNeAR {split}: {} articles, {n_gold} gold attributions ({secs:.1} s, \
             of which attribution {ms:.2} ms/article)",
            articles.len()
        ),
        &scores,
    );
    let (raw, _) = score_with(model, &articles, false)?;
    r.push_line("without the rule post-pass (taggers only):".to_string());
    for (i, role) in ROLES.iter().enumerate() {
        r.push_line(format!("{role:8} exact    {}", fmt(&raw.exact[i])));
        r.set(
            &format!("tagger_{role}_exact_f1"),
            100.0 * raw.exact[i].f1(),
        );
    }
    r.push_line(format!("attribution      {}", fmt(&raw.attribution)));
    r.set("tagger_attribution_f1", 100.0 * raw.attribution.f1());
    r.set("articles", articles.len() as f64);
    r.set("attribution_ms_per_article", ms);
    Ok(r)
}

/// Trains on the train split, writes the model to `out`, and reports dev scores.
pub fn train(dir: &Path, out: &Path) -> Result<Report, EvalError> {
    train_with(dir, out, TrainConfig::default())
}

/// [`train`] with a chosen configuration (epochs), for experiments; the committed model is
/// trained with the default.
pub fn train_with(dir: &Path, out: &Path, config: TrainConfig) -> Result<Report, EvalError> {
    let start = Instant::now();
    let articles = polnear::load_split(dir, "train")?;
    let prep = training_preprocessor()?;
    let data: Vec<(Doc, Vec<_>)> = articles
        .iter()
        .map(|a| (prep.analyze(&a.text, None), a.attributions.clone()))
        .collect();
    let (model, stats) = attribution::train(&data, config);
    let bytes = model.to_bytes();
    std::fs::write(out, &bytes).map_err(|e| EvalError::Write {
        path: out.to_path_buf(),
        source: e,
    })?;
    let train_secs = start.elapsed().as_secs_f64();
    // Score what was written (quantized and pruned), which is what the pipeline will run.
    let model = Model::from_bytes(&bytes)
        .map_err(|e| EvalError::data(out, format!("reading back the model: {e}")))?;
    let dev = polnear::load_split(dir, "dev")?;
    let scores = score_model(&model, &dev)?;
    let mut r = report(
        &format!(
            "attribution trained on {} articles ({} attributions, {} skipped) in {train_secs:.0} s; \
             {} bytes to {}; role window covers {:.1}% of gold role tokens; boundary rankers \
             learned from {} cue, {} source and {} content starts; the cue filter passes {:.1}% of \
             tokens; dev scores:",
            articles.len(),
            stats.attributions,
            stats.skipped,
            bytes.len(),
            out.display(),
            100.0 * stats.role_tokens_in_window as f64 / stats.role_tokens.max(1) as f64,
            stats.bound_examples[4],
            stats.bound_examples[0],
            stats.bound_examples[2],
            100.0 * stats.filter_pass,
        ),
        &scores,
    );
    r.set("train_seconds", train_secs);
    Ok(r)
}
