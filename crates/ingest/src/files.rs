//! Files to articles: JSON lines and folders of `.html`, `.htm` and `.txt` files.
//!
//! A JSON line is `{"url", "source", "published", "title", "text" | "html"}`, all optional
//! but one of `text` and `html`. Values given in the line win over what extraction finds
//! in the HTML: whoever wrote the file knew the article. Reading streams, and one bad line
//! or file is an error item in the output while the rest is still read.

use crate::dedup::content_hash;
use crate::error::IngestError;
use crate::extract::{self, Options};
use model::{Article, ArticleId};
use serde::Deserialize;
use std::io::BufRead;
use std::path::{Path, PathBuf};

/// One line of an import file.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Record {
    pub url: Option<String>,
    pub source: Option<String>,
    pub published: Option<String>,
    pub title: Option<String>,
    pub text: Option<String>,
    pub html: Option<String>,
}

/// Turns one record into an article. `name` (file and line) appears in errors.
pub fn from_record(name: &str, r: Record) -> Result<Article, IngestError> {
    let mut a = match (r.html, r.text) {
        (Some(html), _) => {
            let opts = Options {
                url: r.url.clone(),
                source: r.source.clone(),
                ..Options::default()
            };
            extract::extract_str(&html, &opts).map_err(|e| rename(e, name))?
        }
        (None, Some(text)) => article_from_text(&text, r.url.as_deref()),
        (None, None) => {
            return Err(IngestError::NoText {
                input: name.to_string(),
            })
        }
    };
    if let Some(t) = r.title.and_then(|t| crate::feed::clean(&t)) {
        a.title = Some(t);
    }
    if let Some(p) = r.published.as_deref().and_then(crate::meta::parse_date) {
        a.published = Some(p);
    }
    if r.source.is_some() {
        a.source = r.source;
    }
    Ok(a)
}

/// An article from plain text: paragraphs are kept, the id comes from the URL when there
/// is one and from the text otherwise.
pub fn article_from_text(text: &str, url: Option<&str>) -> Article {
    let text = text.trim().to_string();
    let hash = content_hash(&text);
    let canonical = url.and_then(|u| crate::url::canonicalize(u).ok());
    let id = match &canonical {
        Some(u) => ArticleId::new(format!("u{}", content_hash(u))),
        None => ArticleId::new(format!("c{hash}")),
    };
    let mut a = Article::new(id, text, hash);
    a.url = url.map(str::to_string);
    a.site_name = canonical.as_deref().and_then(crate::url::site_of);
    a.canonical_url = canonical;
    a
}

/// Reads JSON lines from `reader`, one article (or one error) per non-blank line.
pub fn read_jsonl<'a, R: BufRead + 'a>(
    name: &'a str,
    reader: R,
) -> impl Iterator<Item = Result<Article, IngestError>> + 'a {
    reader.lines().enumerate().filter_map(move |(i, line)| {
        let line_no = i + 1;
        let line = match line {
            Ok(l) => l,
            Err(e) => {
                return Some(Err(IngestError::Line {
                    input: name.to_string(),
                    line: line_no,
                    message: e.to_string(),
                }))
            }
        };
        if line.trim().is_empty() {
            return None;
        }
        let here = format!("{name}:{line_no}");
        Some(
            serde_json::from_str::<Record>(&line)
                .map_err(|e| IngestError::Line {
                    input: name.to_string(),
                    line: line_no,
                    message: e.to_string(),
                })
                .and_then(|r| from_record(&here, r)),
        )
    })
}

/// Reads every `.html`, `.htm` and `.txt` file under `dir`, in path order.
pub fn read_dir(dir: &Path) -> Result<Vec<Result<Article, IngestError>>, IngestError> {
    let mut paths = Vec::new();
    collect(dir, &mut paths)?;
    paths.sort();
    Ok(paths.iter().map(|p| read_file(p)).collect())
}

/// Reads one `.html`/`.htm` (extracted) or `.txt` (taken as the text) file.
pub fn read_file(path: &Path) -> Result<Article, IngestError> {
    let bytes = std::fs::read(path).map_err(|e| IngestError::io(path, e))?;
    let name = path.display().to_string();
    let is_html = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("html") || e.eq_ignore_ascii_case("htm"));
    if is_html {
        let opts = Options::default();
        extract::extract(&bytes, &opts).map_err(|e| rename(e, &name))
    } else {
        crate::error::check_size(&name, &bytes, extract::MAX_PAGE_BYTES)?;
        let text = crate::decode::decode(&bytes, None, crate::decode::Kind::Html).text;
        if text.trim().is_empty() {
            return Err(IngestError::NoText { input: name });
        }
        Ok(article_from_text(&text, None))
    }
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), IngestError> {
    let entries = std::fs::read_dir(dir).map_err(|e| IngestError::io(dir, e))?;
    for entry in entries {
        let path = entry.map_err(|e| IngestError::io(dir, e))?.path();
        if path.is_dir() {
            collect(&path, out)?;
        } else if path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| matches!(e.to_ascii_lowercase().as_str(), "html" | "htm" | "txt"))
        {
            out.push(path);
        }
    }
    Ok(())
}

/// Errors from extraction name the page's URL or `<page>`; from a file, the file is the
/// better name.
fn rename(e: IngestError, name: &str) -> IngestError {
    match e {
        IngestError::NoText { .. } => IngestError::NoText {
            input: name.to_string(),
        },
        IngestError::NotHtml { reason, .. } => IngestError::NotHtml {
            input: name.to_string(),
            reason,
        },
        IngestError::TooLarge { size, limit, .. } => IngestError::TooLarge {
            input: name.to_string(),
            size,
            limit,
        },
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jsonl_bad_lines_do_not_stop_the_stream() {
        let input = "{\"url\":\"https://example.org/a?utm_source=x\",\"source\":\"Example\",\"published\":\"2024-01-02\",\"title\":\"A\",\"text\":\"First text.\"}\n\
                     not json\n\
                     \n\
                     {\"title\":\"no body\"}\n\
                     {\"text\":\"Second text.\"}\n";
        let out: Vec<_> = read_jsonl("in.jsonl", input.as_bytes()).collect();
        assert_eq!(out.len(), 4);
        let a = out[0].as_ref().unwrap();
        assert_eq!(a.canonical_url.as_deref(), Some("https://example.org/a"));
        assert_eq!(a.source.as_deref(), Some("Example"));
        assert_eq!(a.title.as_deref(), Some("A"));
        assert!(a.published.is_some());
        let e = out[1].as_ref().unwrap_err().to_string();
        assert!(e.starts_with("in.jsonl:2:"), "{e}");
        assert!(out[2]
            .as_ref()
            .unwrap_err()
            .to_string()
            .contains("in.jsonl:4"));
        assert_eq!(out[3].as_ref().unwrap().text, "Second text.");
    }
}
