//! `claimtrail stance`, `claimtrail train stance` and `claimtrail eval stance`: flags and JSON
//! lines around `track::stance` (reached through `eval::stance`, since the binary does not
//! depend on `track` directly).

use anyhow::{bail, Context, Result};
use clap::Args;
use eval::stance::{EvalOptions, Prediction, Stance, StanceModel};
use serde::Deserialize;
use std::io::{BufReader, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use crate::analyze::{open_input, run_lines};

#[derive(Args, Debug)]
pub struct StanceArgs {
    /// The input file, or `-` for standard input. With --jsonl, one {"id", "claim", "text"}
    /// object a line; without it, a single such object.
    #[arg(default_value = "-")]
    input: String,
    /// Read JSON lines and write one {"id", "stance", "scores"} line per input line, in order.
    #[arg(long)]
    jsonl: bool,
    /// The texts are known to be about their claims: choose among supports, denies and
    /// non_committal only.
    #[arg(long)]
    related: bool,
}

#[derive(Args, Debug)]
pub struct TrainArgs {
    /// The Emergent folder (url-versions-2015-06-14-clean-train.csv).
    #[arg(long, default_value = "../shared/data/emergent")]
    emergent: PathBuf,
    /// The FNC-1 folder (train_stances.csv, train_bodies.csv).
    #[arg(long, default_value = "../shared/data/fnc-1")]
    fnc1: PathBuf,
    /// Where to write the weights.
    #[arg(long, default_value = "crates/track/models/stance.bin")]
    out: PathBuf,
}

#[derive(Args, Debug)]
pub struct EvalArgs {
    /// Run Emergent's 10 claim-grouped folds from this folder: accuracy, per-class F1, macro-F1.
    #[arg(long)]
    emergent: Option<PathBuf>,
    /// Score FNC-1's body-disjoint dev split from this folder: FNC score and macro-F1.
    #[arg(long)]
    fnc1: Option<PathBuf>,
    /// Emergent folds to run, comma-separated (default: all ten).
    #[arg(long, value_delimiter = ',')]
    folds: Vec<usize>,
    /// With both corpora given, also train each evaluation on the other corpus, minus the
    /// pairs that share a headline, claim or story with the scored part.
    #[arg(long)]
    cross: bool,
}

pub fn train(args: TrainArgs) -> Result<eval::Report> {
    Ok(eval::stance::train(&args.emergent, &args.fnc1, &args.out)?)
}

pub fn evaluate(args: EvalArgs) -> Result<eval::Report> {
    if args.emergent.is_none() && args.fnc1.is_none() {
        bail!("give --emergent DIR, --fnc1 DIR or both");
    }
    if let Some(bad) = args.folds.iter().find(|&&f| !(1..=10).contains(&f)) {
        bail!("--folds: {bad} is not a fold (1 to 10)");
    }
    let mut out = eval::Report::new("stance");
    if let Some(dir) = &args.emergent {
        let options = EvalOptions {
            folds: args.folds.clone(),
            cross: args.fnc1.clone().filter(|_| args.cross),
            ..EvalOptions::default()
        };
        let r = eval::stance::evaluate_emergent(dir, Some(&options))?;
        merge(&mut out, r, "emergent");
    }
    if let Some(dir) = &args.fnc1 {
        let options = EvalOptions {
            cross: args.emergent.clone().filter(|_| args.cross),
            ..EvalOptions::default()
        };
        let r = eval::stance::evaluate_fnc(dir, Some(&options))?;
        merge(&mut out, r, "fnc1");
    }
    Ok(out)
}

fn merge(into: &mut eval::Report, r: eval::Report, prefix: &str) {
    into.push_line(r.title.clone());
    for l in &r.lines {
        into.push_line(format!("  {l}"));
    }
    for (k, v) in &r.metrics {
        into.set(&format!("{prefix}.{k}"), *v);
    }
}

#[derive(Deserialize)]
struct InputLine {
    #[serde(default)]
    id: Option<serde_json::Value>,
    claim: String,
    text: String,
}

fn record(id: Option<&serde_json::Value>, p: &Prediction, related: bool) -> serde_json::Value {
    let stance = if related {
        p.best_of(&Stance::RELATED)
    } else {
        p.stance
    };
    let mut scores = serde_json::Map::new();
    for s in Stance::ALL {
        if related && s == Stance::Unrelated {
            continue;
        }
        let v = (f64::from(p.score(s)) * 1e4).round() / 1e4;
        scores.insert(s.as_str().to_string(), serde_json::json!(v));
    }
    serde_json::json!({"id": id, "stance": stance.as_str(), "scores": scores})
}

/// One output line for input line `line_no`, and whether it succeeded.
fn stance_line(
    model: &StanceModel,
    related: bool,
    source: &str,
    line_no: usize,
    line: &[u8],
) -> (String, bool) {
    let text = String::from_utf8_lossy(line);
    match serde_json::from_str::<InputLine>(&text) {
        Ok(input) => {
            let p = model.predict(&input.claim, &input.text);
            (record(input.id.as_ref(), &p, related).to_string(), true)
        }
        Err(e) => {
            // Keep the id when the line is an object that lacks a field, so the caller can
            // match the error to its input.
            let id = serde_json::from_str::<serde_json::Value>(&text)
                .ok()
                .and_then(|v| v.get("id").cloned());
            let v = serde_json::json!({
                "id": id,
                "error": format!(
                    "{source}:{line_no}: not a JSON object with \"claim\" and \"text\" strings: {e}"
                ),
            });
            (v.to_string(), false)
        }
    }
}

pub fn run(args: StanceArgs) -> Result<ExitCode> {
    let model = StanceModel::load_default().context("loading the stance model")?;
    let name = if args.input == "-" {
        "standard input".to_string()
    } else {
        args.input.clone()
    };
    if !args.jsonl {
        let mut bytes = Vec::new();
        open_input(&args.input)?
            .read_to_end(&mut bytes)
            .with_context(|| format!("cannot read {name}"))?;
        let input: InputLine = serde_json::from_slice(&bytes).with_context(|| {
            format!("{name} is not a JSON object with \"claim\" and \"text\" strings")
        })?;
        let p = model.predict(&input.claim, &input.text);
        let mut out = std::io::stdout().lock();
        serde_json::to_writer_pretty(&mut out, &record(input.id.as_ref(), &p, args.related))?;
        writeln!(out)?;
        return Ok(ExitCode::SUCCESS);
    }
    let reader = BufReader::with_capacity(1 << 20, open_input(&args.input)?);
    run_lines(reader, &name, "classified", |n, line| {
        stance_line(model, args.related, &name, n, line)
    })
}
