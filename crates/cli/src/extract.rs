//! `claimtrail extract`: an HTML page, or a stream of JSON lines of pages, to articles.
//!
//! The stream never stops for bad input: a line that is not JSON, lacks `html`, or holds a
//! page with no text becomes `{"id", "error"}` and the next line is read. Only a failure to
//! write ends it, so that a closed pipe stops the work at once.

use anyhow::{bail, Context, Result};
use clap::Args;
use ingest::extract::Options;
use ingest::IngestError;
use model::Article;
use serde::{Deserialize, Serialize};
use std::io::{self, BufRead, BufReader, Read, Write};
use std::process::ExitCode;

#[derive(Args, Debug)]
pub struct ExtractArgs {
    /// The HTML file to read, or `-` for standard input. With --jsonl, a file of JSON lines.
    #[arg(default_value = "-")]
    input: String,
    /// The address the page was fetched from: resolves a relative canonical link and names
    /// the site when the page does not.
    #[arg(long)]
    url: Option<String>,
    /// Read one JSON object a line ({"id", "html", "url"?}) and write one line per input:
    /// {"id", "title", "text", "published", "url", "canonical_url", "byline", "site_name",
    /// "language", "content_hash"}, or {"id", "error"} for a line that failed.
    #[arg(long)]
    jsonl: bool,
}

pub fn run(args: ExtractArgs) -> Result<ExitCode> {
    let name = if args.input == "-" {
        "<stdin>".to_string()
    } else {
        args.input.clone()
    };
    let reader: Box<dyn Read> = if args.input == "-" {
        Box::new(std::io::stdin().lock())
    } else {
        let path = std::path::Path::new(&args.input);
        if path.is_dir() {
            bail!("cannot read {name}: it is a directory");
        }
        Box::new(std::fs::File::open(path).with_context(|| format!("cannot read {name}"))?)
    };
    let stdout = std::io::stdout().lock();
    if args.jsonl {
        if args.url.is_some() {
            bail!("--url applies to one page; with --jsonl give \"url\" in each line");
        }
        let summary = jsonl(&name, BufReader::new(reader), stdout)?;
        if summary.failed > 0 {
            eprintln!(
                "claimtrail: {} of {} pages failed (see their \"error\" lines)",
                summary.failed,
                summary.ok + summary.failed
            );
            return Ok(ExitCode::from(1));
        }
        return Ok(ExitCode::SUCCESS);
    }
    let mut bytes = Vec::new();
    reader
        .take(ingest::extract::MAX_PAGE_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .with_context(|| format!("cannot read {name}"))?;
    let article = page(&bytes, args.url.as_deref())
        .with_context(|| format!("cannot extract an article from {name}"))?;
    let mut out = stdout;
    serde_json::to_writer_pretty(&mut out, &article)?;
    out.write_all(b"\n")?;
    Ok(ExitCode::SUCCESS)
}

/// Extracts one page. `url` is where it came from, if known.
fn page(bytes: &[u8], url: Option<&str>) -> Result<Article, IngestError> {
    let options = Options {
        url: url.map(str::to_string),
        ..Options::default()
    };
    ingest::extract::extract(bytes, &options)
}

#[derive(Deserialize)]
struct Request {
    #[serde(default)]
    id: serde_json::Value,
    html: Option<String>,
    url: Option<String>,
}

/// One output line: the input's id and either the article's fields or an error.
#[derive(Serialize)]
struct Response<'a> {
    id: &'a serde_json::Value,
    #[serde(flatten)]
    article: Option<Record<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

#[derive(Serialize)]
struct Record<'a> {
    title: &'a Option<String>,
    text: &'a str,
    published: Option<String>,
    url: &'a Option<String>,
    canonical_url: &'a Option<String>,
    byline: &'a Option<String>,
    site_name: &'a Option<String>,
    language: &'a Option<String>,
    content_hash: &'a str,
}

/// Counts of a finished stream.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Summary {
    ok: usize,
    failed: usize,
}

/// Reads requests from `input`, one JSON object a line, and writes one response a line.
/// `name` (a path or `<stdin>`) appears in error messages.
fn jsonl(name: &str, input: impl BufRead, mut output: impl Write) -> io::Result<Summary> {
    let mut summary = Summary::default();
    let null = serde_json::Value::Null;
    for (i, line) in input.lines().enumerate() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let here = format!("{name}:{}", i + 1);
        let (id, result) = match serde_json::from_str::<Request>(&line) {
            Err(e) => (
                null.clone(),
                Err(format!("{here}: not a JSON request: {e}")),
            ),
            Ok(r) => {
                let result = match r.html {
                    None => Err(format!("{here}: no \"html\" field")),
                    Some(html) => {
                        page(html.as_bytes(), r.url.as_deref()).map_err(|e| format!("{here}: {e}"))
                    }
                };
                (r.id, result)
            }
        };
        let response = match &result {
            Ok(a) => {
                summary.ok += 1;
                Response {
                    id: &id,
                    article: Some(Record {
                        title: &a.title,
                        text: &a.text,
                        published: a.published.map(|d| d.to_rfc3339()),
                        url: &a.url,
                        canonical_url: &a.canonical_url,
                        byline: &a.byline,
                        site_name: &a.site_name,
                        language: &a.language,
                        content_hash: a.content_hash.as_str(),
                    }),
                    error: None,
                }
            }
            Err(e) => {
                summary.failed += 1;
                Response {
                    id: &id,
                    article: None,
                    error: Some(e.clone()),
                }
            }
        };
        serde_json::to_writer(&mut output, &response)?;
        output.write_all(b"\n")?;
    }
    output.flush()?;
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_lines_become_error_records_and_the_stream_goes_on() {
        let page = "<html><body><article><p>The ministry said on Monday that the bridge would reopen in the spring after repairs to two supports.</p></article></body></html>";
        let input = format!(
            "{}\nnot json\n{{\"id\":2}}\n{{\"id\":\"three\",\"html\":{}}}\n",
            serde_json::json!({"id": 1, "html": page, "url": "https://example.org/b?fbclid=x"}),
            serde_json::json!("\u{0}\u{1}\u{2}\u{3}\u{4}\u{5}\u{6}\u{7}")
        );
        let mut out = Vec::new();
        let s = jsonl("<stdin>", input.as_bytes(), &mut out).unwrap();
        assert_eq!(s, Summary { ok: 1, failed: 3 });
        let lines: Vec<serde_json::Value> = String::from_utf8(out)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 4);
        assert_eq!(lines[0]["id"], 1);
        assert!(lines[0]["text"].as_str().unwrap().contains("bridge"));
        assert_eq!(lines[0]["canonical_url"], "https://example.org/b");
        assert!(lines[1]["error"].as_str().unwrap().contains("<stdin>:2"));
        assert_eq!(lines[2]["id"], 2);
        assert!(lines[2]["error"].as_str().unwrap().contains("html"));
        assert_eq!(lines[3]["id"], "three");
        assert!(lines[3]["error"].is_string());
    }
}
