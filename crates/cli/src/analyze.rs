//! `claimtrail analyze`: one text, or a stream of JSON lines, in; analyses out.

use anyhow::{bail, Context, Result};
use chrono::NaiveDate;
use clap::{Args, ValueEnum};
use rayon::prelude::*;
use serde::Deserialize;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use text::output::{self, OutputConfig};
use text::Pipeline;

#[derive(Args, Debug)]
pub struct AnalyzeArgs {
    /// The text file to analyse, or `-` for standard input. With --jsonl, a file of JSON lines.
    #[arg(default_value = "-")]
    input: String,
    /// Publication date (YYYY-MM-DD or RFC 3339) used to resolve "on Monday" or "last week".
    #[arg(long, value_parser = parse_date)]
    published: Option<NaiveDate>,
    /// Output format: json (indented), jsonl (one line), pretty (a summary for people).
    #[arg(long, value_enum, default_value_t = Format::Json)]
    format: Format,
    /// Read one JSON object a line ({"id", "text", "published"?, "url"?, "source"?}) and write
    /// one analysis a line, in input order, using all cores.
    #[arg(long)]
    jsonl: bool,
    /// Also output every token with its kind, part of speech and lemma.
    #[arg(long)]
    tokens: bool,
    /// Worker threads for --jsonl (default: one per core).
    #[arg(long)]
    threads: Option<usize>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Format {
    Json,
    Jsonl,
    Pretty,
}

pub fn parse_date(s: &str) -> Result<NaiveDate, String> {
    let s = s.trim();
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Ok(d);
    }
    if let Ok(dt) = chrono::DateTime::parse_from_rfc3339(s) {
        return Ok(dt.date_naive());
    }
    if let Ok(dt) = chrono::DateTime::parse_from_rfc2822(s) {
        return Ok(dt.date_naive());
    }
    Err(format!(
        "'{s}' is not a date: expected YYYY-MM-DD or an RFC 3339 time"
    ))
}

/// Decodes bytes as UTF-8, replacing invalid sequences, and says so.
fn decode(bytes: Vec<u8>, what: &str) -> String {
    match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => {
            let bytes = e.into_bytes();
            let bad = String::from_utf8_lossy(&bytes).matches('\u{FFFD}').count();
            eprintln!("claimtrail: warning: {what} is not valid UTF-8; {bad} invalid sequence(s) replaced with U+FFFD");
            String::from_utf8_lossy(&bytes).into_owned()
        }
    }
}

pub(crate) fn open_input(input: &str) -> Result<Box<dyn Read>> {
    if input == "-" {
        Ok(Box::new(std::io::stdin().lock()))
    } else {
        let path = PathBuf::from(input);
        if path.is_dir() {
            bail!("cannot read {input}: it is a directory");
        }
        let f = std::fs::File::open(&path).with_context(|| format!("cannot read {input}"))?;
        Ok(Box::new(f))
    }
}

pub fn run(args: AnalyzeArgs) -> Result<ExitCode> {
    let pipeline = Pipeline::new().context("loading the text pipeline")?;
    let config = OutputConfig {
        tokens: args.tokens,
    };
    if args.jsonl {
        if let Some(n) = args.threads {
            rayon::ThreadPoolBuilder::new()
                .num_threads(n.max(1))
                .build_global()
                .context("starting worker threads")?;
        }
        return run_jsonl(&pipeline, &args, config);
    }
    let mut bytes = Vec::new();
    open_input(&args.input)?
        .read_to_end(&mut bytes)
        .with_context(|| format!("cannot read {}", args.input))?;
    let name = if args.input == "-" {
        "standard input"
    } else {
        &args.input
    };
    let text = decode(bytes, name);
    if text.contains('\0') {
        eprintln!("claimtrail: warning: {name} contains NUL bytes; it looks binary, analysing it as text anyway");
    }
    let doc = pipeline.analyze(&text, args.published);
    let out = std::io::stdout();
    let mut out = out.lock();
    match args.format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut out, &output::analysis(&doc, None, config))?;
            writeln!(out)?;
        }
        Format::Jsonl => {
            serde_json::to_writer(&mut out, &output::analysis(&doc, None, config))?;
            writeln!(out)?;
        }
        Format::Pretty => write_pretty(&mut out, &doc)?,
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

#[derive(Deserialize)]
struct InputLine {
    #[serde(default)]
    id: Option<serde_json::Value>,
    text: String,
    #[serde(default)]
    published: Option<String>,
}

/// Lines read and analysed together: enough to keep every core busy, few enough that memory
/// does not grow with the input.
const BATCH: usize = 512;

fn run_jsonl(pipeline: &Pipeline, args: &AnalyzeArgs, config: OutputConfig) -> Result<ExitCode> {
    let reader = BufReader::with_capacity(1 << 20, open_input(&args.input)?);
    let name = if args.input == "-" {
        "standard input".to_string()
    } else {
        args.input.clone()
    };
    run_lines(reader, &name, "analysed", |n, line| {
        analyze_line(pipeline, args.published, config, &name, n, line)
    })
}

/// Reads JSON lines in batches, maps each on all cores with `f` (returning the output line
/// and whether it succeeded), and writes the results in input order. Memory stays bounded by
/// a batch; a failed line is counted and reported at the end with exit code 1.
pub(crate) fn run_lines(
    reader: impl BufRead,
    name: &str,
    done: &str,
    f: impl Fn(usize, &[u8]) -> (String, bool) + Sync,
) -> Result<ExitCode> {
    let mut out = std::io::BufWriter::with_capacity(1 << 20, std::io::stdout().lock());
    let mut failures = 0usize;
    let mut batch: Vec<(usize, Vec<u8>)> = Vec::with_capacity(BATCH);
    let mut lines = reader.split(b'\n');
    let mut line_no = 0usize;
    loop {
        batch.clear();
        for line in lines.by_ref() {
            line_no += 1;
            let line = line.with_context(|| format!("cannot read {name}"))?;
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            batch.push((line_no, line));
            if batch.len() == BATCH {
                break;
            }
        }
        if batch.is_empty() {
            break;
        }
        let results: Vec<(String, bool)> = batch.par_iter().map(|(n, line)| f(*n, line)).collect();
        for (line, ok) in results {
            failures += usize::from(!ok);
            out.write_all(line.as_bytes())?;
            out.write_all(b"\n")?;
        }
    }
    out.flush()?;
    if failures > 0 {
        eprintln!(
            "claimtrail: {failures} line(s) of {name} could not be {done}; see the error records"
        );
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

fn error_record(
    id: Option<&serde_json::Value>,
    source: &str,
    line: usize,
    message: String,
) -> String {
    let v = serde_json::json!({"id": id, "error": format!("{source}:{line}: {message}")});
    v.to_string()
}

fn analyze_line(
    pipeline: &Pipeline,
    default_published: Option<NaiveDate>,
    config: OutputConfig,
    source: &str,
    line_no: usize,
    line: &[u8],
) -> (String, bool) {
    let text = match std::str::from_utf8(line) {
        Ok(s) => std::borrow::Cow::Borrowed(s),
        Err(_) => String::from_utf8_lossy(line),
    };
    let input: InputLine = match serde_json::from_str(&text) {
        Ok(v) => v,
        Err(e) => {
            return (
                error_record(
                    None,
                    source,
                    line_no,
                    format!("not a JSON object with a \"text\" string: {e}"),
                ),
                false,
            )
        }
    };
    let published = match input.published.as_deref().filter(|p| !p.trim().is_empty()) {
        None => default_published,
        Some(p) => match parse_date(p) {
            Ok(d) => Some(d),
            Err(e) => return (error_record(input.id.as_ref(), source, line_no, e), false),
        },
    };
    let doc = pipeline.analyze(&input.text, published);
    let id_string;
    let id = match &input.id {
        Some(serde_json::Value::String(s)) => Some(s.as_str()),
        Some(other) => {
            id_string = other.to_string();
            Some(id_string.as_str())
        }
        None => None,
    };
    match serde_json::to_string(&output::analysis(&doc, id, config)) {
        Ok(s) => (s, true),
        Err(e) => (
            error_record(
                input.id.as_ref(),
                source,
                line_no,
                format!("cannot serialize: {e}"),
            ),
            false,
        ),
    }
}

fn write_pretty(out: &mut impl Write, doc: &text::Doc) -> Result<()> {
    let a = output::analysis(doc, None, OutputConfig::default());
    writeln!(
        out,
        "{} sentence(s), {} token(s)",
        a.sentences.len(),
        doc.tokens.len()
    )?;
    for e in &a.entities {
        let country = e.country.map(|c| format!(" [{c}]")).unwrap_or_default();
        writeln!(
            out,
            "entity    {:>6}-{:<6} {:<8} {}{}",
            e.span.start, e.span.end, e.label, e.span.text, country
        )?;
    }
    for t in &a.times {
        writeln!(
            out,
            "time      {:>6}-{:<6} {:<8} {}",
            t.span.start, t.span.end, t.value, t.span.text
        )?;
    }
    for q in &a.quantities {
        let approx = if q.approximate { "~" } else { "" };
        writeln!(
            out,
            "quantity  {:>6}-{:<6} {}{} {}  ({})",
            q.span.start,
            q.span.end,
            approx,
            q.value,
            q.unit.unwrap_or("-"),
            q.span.text
        )?;
    }
    for b in &a.boilerplate {
        writeln!(
            out,
            "boiler    {:>6}-{:<6} {:?}: {}",
            b.span.start, b.span.end, b.kind, b.span.text
        )?;
    }
    for c in &a.credits {
        writeln!(
            out,
            "credit    {:>6}-{:<6} {:?} {}: {}",
            c.span.start,
            c.span.end,
            c.kind,
            c.name.unwrap_or("-"),
            c.span.text
        )?;
    }
    for at in &a.attributions {
        let src = at.source.as_ref().map(|s| s.text).unwrap_or("-");
        let content: Vec<&str> = at.content.iter().map(|c| c.text).collect();
        writeln!(
            out,
            "said      {} / {} / {}",
            src,
            at.cue.text,
            content.join(" … ")
        )?;
    }
    Ok(())
}
