//! CoNLL-U reader (UD EWT, GUM): sentences of syntactic words with their columns and comments.

use crate::error::{read_text, EvalError};
use std::path::{Path, PathBuf};

#[derive(Clone, Debug, Default)]
pub struct Word {
    pub form: String,
    pub lemma: String,
    pub upos: String,
    pub xpos: String,
    pub feats: String,
    pub head: usize,
    pub deprel: String,
    pub misc: String,
}

impl Word {
    /// The UPOS column as a tag; an unknown tag is an error naming the file and the word.
    pub fn upos_tag(&self, path: &Path) -> Result<text::Upos, EvalError> {
        text::Upos::parse(&self.upos).ok_or_else(|| {
            EvalError::data(
                path,
                format!("unknown UPOS {:?} on word {:?}", self.upos, self.form),
            )
        })
    }

    /// A `Key=Value` entry of the MISC column.
    pub fn misc_value(&self, key: &str) -> Option<&str> {
        self.misc
            .split('|')
            .find_map(|kv| kv.strip_prefix(key).and_then(|r| r.strip_prefix('=')))
    }
    pub fn space_after(&self) -> bool {
        self.misc_value("SpaceAfter") != Some("No")
    }
}

#[derive(Clone, Debug, Default)]
pub struct Sentence {
    /// Comment lines without the leading `# `.
    pub comments: Vec<String>,
    /// Syntactic words (multi-word token ranges such as `1-2` are skipped; their parts are kept).
    pub words: Vec<Word>,
    /// Document id from the nearest preceding `# newdoc id = ...`.
    pub doc_id: String,
}

impl Sentence {
    pub fn comment(&self, key: &str) -> Option<&str> {
        self.comments.iter().find_map(|c| {
            let (k, v) = c.split_once('=')?;
            (k.trim() == key).then(|| v.trim())
        })
    }
}

/// Reads split `split` (train, dev, test) of UD English EWT from `dir`: the file's path and
/// its sentences; a split with no sentence is an error.
pub fn read_ewt(dir: &Path, split: &str) -> Result<(PathBuf, Vec<Sentence>), EvalError> {
    let path = dir.join(format!("en_ewt-ud-{split}.conllu"));
    let sentences = read(&path)?;
    if sentences.is_empty() {
        return Err(EvalError::data(&path, "no sentences"));
    }
    Ok((path, sentences))
}

/// Reads every sentence of a CoNLL-U file.
pub fn read(path: &Path) -> Result<Vec<Sentence>, EvalError> {
    parse(&read_text(path)?, path)
}

pub fn parse(src: &str, path: &Path) -> Result<Vec<Sentence>, EvalError> {
    let mut out = Vec::new();
    let mut cur = Sentence::default();
    let mut doc_id = String::new();
    for (n, line) in src.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        if line.is_empty() {
            if !cur.words.is_empty() || !cur.comments.is_empty() {
                cur.doc_id = doc_id.clone();
                out.push(std::mem::take(&mut cur));
            }
            continue;
        }
        if let Some(c) = line.strip_prefix('#') {
            let c = c.trim();
            if let Some(id) = c
                .strip_prefix("newdoc id")
                .and_then(|r| r.trim().strip_prefix('='))
            {
                doc_id = id.trim().to_string();
            }
            cur.comments.push(c.to_string());
            continue;
        }
        let cols: Vec<&str> = line.split('\t').collect();
        if cols.len() != 10 {
            return Err(EvalError::Format {
                path: path.to_path_buf(),
                line: n + 1,
                message: format!("expected 10 tab-separated columns, found {}", cols.len()),
            });
        }
        if cols[0].contains('-') || cols[0].contains('.') {
            continue; // multi-word token range or empty node
        }
        cur.words.push(Word {
            form: cols[1].to_string(),
            lemma: cols[2].to_string(),
            upos: cols[3].to_string(),
            xpos: cols[4].to_string(),
            feats: cols[5].to_string(),
            head: cols[6].parse().unwrap_or(0),
            deprel: cols[7].to_string(),
            misc: cols[9].to_string(),
        });
    }
    if !cur.words.is_empty() {
        cur.doc_id = doc_id;
        out.push(cur);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_words_comments_and_ranges() {
        let src = "# newdoc id = d1\n# text = I've gone.\n1-2\tI've\t_\t_\t_\t_\t_\t_\t_\t_\n1\tI\tI\tPRON\tPRP\t_\t3\tnsubj\t_\t_\n2\t've\thave\tAUX\tVBP\t_\t3\taux\t_\t_\n3\tgone\tgo\tVERB\tVBN\t_\t0\troot\t_\tSpaceAfter=No\n4\t.\t.\tPUNCT\t.\t_\t3\tpunct\t_\t_\n\n";
        let s = parse(src, Path::new("x")).expect("parses");
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].words.len(), 4);
        assert_eq!(s[0].doc_id, "d1");
        assert_eq!(s[0].comment("text"), Some("I've gone."));
        assert!(!s[0].words[2].space_after());
        assert!(parse("1\tonly\ttwo\n", Path::new("bad")).is_err());
    }
}
