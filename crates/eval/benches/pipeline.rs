//! Throughput and peak memory of the text pipeline over the PolNeAR texts (train and dev).
//!
//! Run with `cargo bench -p eval --bench pipeline`. Prints articles/s and words/s on one core
//! and on all cores, for the full pipeline and without its attribution stage (which
//! includes the dependency parse of the sentences with a cue), and the peak resident memory of
//! the process (VmHWM). Skips with a printed reason when `../shared/data`
//! is absent. Wall-clock figures depend on the machine: report them with the machine's size.

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;
use text::pipeline::{Component, Pipeline, Tokenizer};

fn load_texts(data: &Path) -> Vec<String> {
    let mut texts = Vec::new();
    for split in ["train", "dev"] {
        let dir = data.join("polnear/data").join(split).join("text");
        let Ok(entries) = std::fs::read_dir(&dir) else {
            eprintln!("skipping {}: not readable", dir.display());
            continue;
        };
        let mut paths: Vec<_> = entries.flatten().map(|e| e.path()).collect();
        paths.sort();
        for p in paths {
            if let Ok(t) = std::fs::read_to_string(&p) {
                texts.push(t);
            }
        }
    }
    texts
}

fn peak_rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn run(pipeline: &Pipeline, texts: &[String], threads: usize) -> f64 {
    let next = AtomicUsize::new(0);
    let start = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(t) = texts.get(i) else { break };
                let doc = pipeline.analyze(t, None);
                std::hint::black_box(doc.tokens.len());
            });
        }
    });
    start.elapsed().as_secs_f64()
}

fn pipeline_without(names: &[&str]) -> Option<Pipeline> {
    let full = Pipeline::new().ok()?;
    let keep: Vec<&str> = full
        .component_names()
        .into_iter()
        .filter(|n| !names.contains(n))
        .collect();
    let mut components: Vec<Box<dyn Component>> = Vec::new();
    for name in keep {
        components.push(match name {
            "tokenizer" => Box::new(Tokenizer),
            other => text::pipeline::component_by_name(other)?,
        });
    }
    Pipeline::from_components(components).ok()
}

/// Texts of `n` paragraphs whose quoting is broken on purpose: a quotation opened and never
/// closed, continued paragraph after paragraph; stray marks of every kind; quotes opened inside
/// quotes and never closed.
fn odd_quoting(n: usize) -> [(&'static str, String); 3] {
    let mut open = String::from("He said “this opens and never closes.\n\n");
    let mut stray = String::new();
    let mut nested = String::new();
    for i in 0..n {
        open.push_str(&format!(
            "“More words in paragraph {i}, the officials said, and more of them here.\n\n"
        ));
        stray.push_str(&format!(
            "Paragraph {i}, she said, \"and more « quotes ‘ here” '' `` » ».\n\n"
        ));
        nested.push_str(&format!(
            "“He told me ‘that « they said \"paragraph {i} was fine, he added.\n\n"
        ));
    }
    [
        ("quote never closed", open),
        ("stray marks", stray),
        ("nested, unclosed", nested),
    ]
}

/// Milliseconds per paragraph of the full pipeline on [`odd_quoting`] texts of growing size: a
/// flat figure as the text grows tenfold is linear time.
fn odd_quoting_scaling(pipeline: &Pipeline) {
    println!("odd quoting, full pipeline, ms per paragraph by paragraphs in the text:");
    let sizes = [100, 1000, 5000];
    for (k, (name, _)) in odd_quoting(1).iter().enumerate() {
        let mut line = format!("  {name:<20}");
        for &n in &sizes {
            let text = &odd_quoting(n)[k].1;
            let start = Instant::now();
            let doc = pipeline.analyze(text, None);
            std::hint::black_box(doc.tokens.len());
            let ms = 1000.0 * start.elapsed().as_secs_f64() / n as f64;
            line.push_str(&format!(" {n:>5}: {ms:>6.3}"));
        }
        println!("{line}");
    }
}

fn main() {
    if let Ok(p) = Pipeline::new() {
        let _ = p.analyze("Warm up on Monday, officials said.", None);
        odd_quoting_scaling(&p);
    }
    let Some(data) = eval::shared_data_dir() else {
        return;
    };
    let texts = load_texts(&data);
    if texts.is_empty() {
        eprintln!("skipping: no PolNeAR texts found");
        return;
    }
    let words: usize = texts.iter().map(|t| t.split_whitespace().count()).sum();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "corpus: {} PolNeAR articles (train+dev), {} words; {} cores",
        texts.len(),
        words,
        cores
    );
    let Ok(full) = Pipeline::new() else {
        eprintln!("the embedded models did not load");
        return;
    };
    // Warm up lazily built tables (regexes, gazetteers) outside the timed runs.
    let _ = full.analyze("Warm up on Monday, officials said.", None);
    let mut variants = vec![("full pipeline", full)];
    if let Some(p) = pipeline_without(&["attribution"]) {
        variants.push(("without attribution", p));
    }
    for (name, p) in &variants {
        println!("{name}: {}", p.component_names().join(" -> "));
        for threads in [1, cores] {
            let secs = run(p, &texts, threads);
            println!(
                "  {threads} thread(s): {:>8.1} articles/s {:>10.0} words/s ({secs:.2} s)",
                texts.len() as f64 / secs,
                words as f64 / secs
            );
            if cores == 1 {
                break;
            }
        }
    }
    // Where one core's time goes, component by component.
    if let Some((_, p)) = variants.first() {
        let names = p.component_names();
        let mut spent = vec![std::time::Duration::ZERO; names.len()];
        for t in &texts {
            let mut doc = text::Doc::new(t.as_str(), None);
            p.run_timed(&mut doc, &mut spent);
        }
        let total: f64 = spent.iter().map(|d| d.as_secs_f64()).sum();
        println!(
            "time per component (one thread, {:.2} ms per article in all):",
            1000.0 * total / texts.len() as f64
        );
        for (n, d) in names.iter().zip(&spent) {
            println!(
                "  {n:<12} {:>7.3} ms/article {:>5.1}%",
                1000.0 * d.as_secs_f64() / texts.len() as f64,
                100.0 * d.as_secs_f64() / total
            );
        }
    }
    println!("peak memory (VmHWM): {:.1} MB", peak_rss_mb());
}
