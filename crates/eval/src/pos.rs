//! Training and scoring of the part-of-speech tagger and lemmatizer on UD English EWT.
//!
//! Scoring runs on the gold words of the treebank (not on our own tokenization), so the figure
//! measures the tagger alone and is comparable with published EWT UPOS accuracies. Training
//! writes the weights to the given path and the lemma tables beside it (`lemmas.tsv`), then
//! scores the model as read back from those bytes, so the reported figure is the one of the
//! quantized, pruned model that gets committed.

use crate::conllu::{self, Sentence};
use crate::{EvalError, Report};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;
use text::pos::{Lemmatizer, Tagger, TrainConfig};
use text::Upos;

/// A treebank split with its tags parsed.
struct Split {
    path: PathBuf,
    sentences: Vec<Sentence>,
    tags: Vec<Vec<Upos>>,
}

fn load(dir: &Path, split: &str) -> Result<Split, EvalError> {
    let (path, sentences) = conllu::read_ewt(dir, split)?;
    let tags = sentences
        .iter()
        .map(|s| s.words.iter().map(|w| w.upos_tag(&path)).collect())
        .collect::<Result<Vec<Vec<Upos>>, _>>()?;
    Ok(Split {
        path,
        sentences,
        tags,
    })
}

/// Trains on the train split, writes the model to `out` (and `lemmas.tsv` beside it) and
/// scores the written model on the dev split.
pub fn train(dir: &Path, out: &Path) -> Result<Report, EvalError> {
    let train = load(dir, "train")?;
    let data: Vec<Vec<(String, Upos)>> = train
        .sentences
        .iter()
        .zip(&train.tags)
        .map(|(s, t)| {
            s.words
                .iter()
                .zip(t)
                .map(|(w, &u)| (w.form.clone(), u))
                .collect()
        })
        .collect();
    let config = TrainConfig::default();
    let started = Instant::now();
    let tagger = Tagger::train(&data, &config);
    let lemmatizer = Lemmatizer::learn(
        train
            .sentences
            .iter()
            .zip(&train.tags)
            .flat_map(|(s, t)| s.words.iter().zip(t))
            .map(|(w, &u)| (w.form.as_str(), u, w.lemma.as_str())),
    );
    let train_secs = started.elapsed().as_secs_f64();

    let bytes = tagger.to_bytes(config.prune);
    std::fs::write(out, &bytes).map_err(|e| EvalError::Write {
        path: out.to_path_buf(),
        source: e,
    })?;
    let lemma_path = out.with_file_name("lemmas.tsv");
    let tsv = lemmatizer.to_tsv();
    std::fs::write(&lemma_path, &tsv).map_err(|e| EvalError::Write {
        path: lemma_path.clone(),
        source: e,
    })?;

    let reread = Tagger::from_bytes(&bytes)
        .map_err(|e| EvalError::data(out, e.to_string()))?
        .with_lemmatizer(
            Lemmatizer::from_tsv(&tsv).map_err(|e| EvalError::data(&lemma_path, e.to_string()))?,
        );
    let dev = load(dir, "dev")?;
    let mut report = score(&reread, &dev, Some(&train));
    report.title = format!("POS tagger trained on {}", train.path.display());
    report.lines.insert(
        0,
        format!(
            "trained {} epochs on {} sentences in {:.1} s; wrote {} ({} bytes, {} features) and {} ({} bytes, {} exceptions, {} known lemmas)",
            config.epochs,
            data.len(),
            train_secs,
            out.display(),
            bytes.len(),
            reread.n_features(),
            lemma_path.display(),
            tsv.len(),
            lemmatizer.n_exceptions(),
            lemmatizer.vocab_len(),
        ),
    );
    report.set("train_seconds", train_secs);
    report.set("model_bytes", bytes.len() as f64);
    Ok(report)
}

/// Scores the embedded tagger on a split (`dev` or `test`).
pub fn evaluate(dir: &Path, split: &str) -> Result<Report, EvalError> {
    let data = load(dir, split)?;
    let train = load(dir, "train").ok();
    let tagger = Tagger::embedded().map_err(|e| EvalError::data(&data.path, e.to_string()))?;
    Ok(score(&tagger, &data, train.as_ref()))
}

/// Tags every sentence of `data` from its gold words and compares tags and lemmas. With the
/// train split at hand, accuracy is also split by words seen and unseen in training.
fn score(tagger: &Tagger, data: &Split, train: Option<&Split>) -> Report {
    let known: std::collections::HashSet<&str> = train
        .map(|t| {
            t.sentences
                .iter()
                .flat_map(|s| s.words.iter().map(|w| w.form.as_str()))
                .collect()
        })
        .unwrap_or_default();
    let mut predicted = Vec::with_capacity(data.sentences.len());
    let started = Instant::now();
    let mut n_tokens = 0usize;
    for s in &data.sentences {
        let words: Vec<&str> = s.words.iter().map(|w| w.form.as_str()).collect();
        n_tokens += words.len();
        predicted.push(tagger.tag_words(&words));
    }
    let secs = started.elapsed().as_secs_f64().max(1e-9);

    let (mut right, mut lemma_right, mut lemma_gold_tag_right) = (0usize, 0usize, 0usize);
    let (mut unk, mut unk_right) = (0usize, 0usize);
    let mut confusions: BTreeMap<(Upos, Upos), usize> = BTreeMap::new();
    let lem = tagger.lemmatizer();
    for ((s, gold), pred) in data.sentences.iter().zip(&data.tags).zip(&predicted) {
        for ((w, &g), &p) in s.words.iter().zip(gold).zip(pred) {
            let ok = g == p;
            right += usize::from(ok);
            if !ok {
                *confusions.entry((g, p)).or_default() += 1;
            }
            if train.is_some() && !known.contains(w.form.as_str()) {
                unk += 1;
                unk_right += usize::from(ok);
            }
            lemma_right += usize::from(lem.lemma(&w.form, p) == w.lemma);
            lemma_gold_tag_right += usize::from(lem.lemma(&w.form, g) == w.lemma);
        }
    }
    let pct = |a: usize, b: usize| 100.0 * a as f64 / b.max(1) as f64;
    let mut report = Report::new(format!("POS tagger on {}", data.path.display()))
        .metric("upos_accuracy", pct(right, n_tokens))
        .metric("lemma_accuracy", pct(lemma_right, n_tokens))
        .metric(
            "lemma_accuracy_gold_tags",
            pct(lemma_gold_tag_right, n_tokens),
        )
        .metric("tokens_per_second", n_tokens as f64 / secs)
        .line(format!(
            "UPOS accuracy  {:6.2}%  ({right} of {n_tokens} words, {} sentences)",
            pct(right, n_tokens),
            data.sentences.len()
        ));
    if train.is_some() {
        report.set("upos_accuracy_unknown", pct(unk_right, unk));
        report.push_line(format!(
            "  on words unseen in training {:6.2}%  ({unk_right} of {unk})",
            pct(unk_right, unk)
        ));
    }
    report.push_line(format!(
        "lemma accuracy {:6.2}%  with predicted tags ({:.2}% with gold tags)",
        pct(lemma_right, n_tokens),
        pct(lemma_gold_tag_right, n_tokens)
    ));
    report.push_line(format!(
        "tagging speed  {:.0} words/s (one core, gold words)",
        n_tokens as f64 / secs
    ));
    let mut top: Vec<((Upos, Upos), usize)> = confusions.into_iter().collect();
    top.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    report.push_line("most frequent confusions (gold -> predicted):");
    for ((g, p), n) in top.into_iter().take(8) {
        report.push_line(format!("  {:>5} -> {:<5} {n}", g.as_str(), p.as_str()));
    }
    report
}
