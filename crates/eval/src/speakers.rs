//! Speaker resolution scored against GUM's coreference: when the attribution post-pass
//! resolves a source ("he", "the official", "Zinoviev") to an earlier mention, is that mention
//! the same entity?
//!
//! No corpus we have annotates speakers, but GUM marks every mention (pronouns and common
//! nouns too) with the id of the entity it refers to. Each GUM document's text runs through the
//! whole product pipeline (our own tokens, tags, entities and attributions); each source and
//! each speaker's antecedent is matched to the GUM mention that overlaps it most (character
//! Jaccard at least 0.5), and a resolution is right when both mentions carry the same entity
//! id. Two figures:
//!
//! - **precision**: of the resolutions that can be judged (both spans match a GUM mention), the
//!   share whose antecedent is the same entity as the source;
//! - **pronoun recall**: of the sources that are third-person pronouns and whose GUM entity was
//!   mentioned before by something other than a pronoun, the share resolved to that entity.
//!
//! GUM spans all genres (news, interviews, biographies, fiction, conversation ...), which is
//! why this is a test of the rules on text they were not written on.

use crate::conllu;
use crate::error::EvalError;
use crate::ner::{gum_files, mentions};
use crate::Report;
use std::path::Path;
use text::Pipeline;

/// A GUM mention over the document text we built: bytes `start..end`, its entity id, and
/// whether it is a pronoun.
struct GoldMention {
    start: usize,
    end: usize,
    id: String,
    pronoun: bool,
}

/// One GUM document as plain text (sentences joined by spaces, paragraphs by blank lines) and
/// its mentions in text order.
fn gum_document(sents: &[conllu::Sentence]) -> (String, Vec<GoldMention>) {
    let mut text = String::new();
    let mut gold = Vec::new();
    for s in sents {
        if !text.is_empty() {
            let newpar = s
                .comments
                .iter()
                .any(|c| c == "newpar" || c.starts_with("newpar "));
            text.push_str(if newpar { "\n\n" } else { " " });
        }
        let mut offsets = Vec::with_capacity(s.words.len());
        for (k, w) in s.words.iter().enumerate() {
            let start = text.len();
            text.push_str(&w.form);
            offsets.push((start, text.len()));
            if k + 1 < s.words.len() && w.space_after() {
                text.push(' ');
            }
        }
        for m in mentions(s) {
            let (Some(&(start, _)), Some(&(_, end))) =
                (offsets.get(m.start), offsets.get(m.end.saturating_sub(1)))
            else {
                continue;
            };
            let pronoun = m.end == m.start + 1 && s.words[m.start].upos == "PRON";
            gold.push(GoldMention {
                start,
                end,
                id: m.id,
                pronoun,
            });
        }
    }
    gold.sort_by_key(|m| (m.start, std::cmp::Reverse(m.end)));
    (text, gold)
}

/// The mention overlapping bytes `s..e` most, if its character Jaccard is at least 0.5; else
/// the smallest mention that holds the span whole (a name inside "Major general Fuad Basya").
fn best_mention(gold: &[GoldMention], s: usize, e: usize) -> Option<&GoldMention> {
    gold.iter()
        .filter(|m| m.start < e && s < m.end)
        .map(|m| {
            let inter = m.end.min(e) - m.start.max(s);
            let union = m.end.max(e) - m.start.min(s);
            (inter as f64 / union.max(1) as f64, m)
        })
        .filter(|(j, _)| *j >= 0.5)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, m)| m)
        .or_else(|| {
            gold.iter()
                .filter(|m| m.start <= s && e <= m.end)
                .min_by_key(|m| m.end - m.start)
        })
}

const THIRD_PERSON: &[&str] = &[
    "he", "she", "him", "her", "his", "it", "its", "they", "them",
];

/// Counts over a set of documents.
#[derive(Default)]
struct Counts {
    documents: usize,
    sources: usize,
    resolved: usize,
    judged: usize,
    correct: usize,
    pronoun_judged: usize,
    pronoun_correct: usize,
    resolvable_pronouns: usize,
    resolvable_resolved: usize,
}

/// Scores speaker resolution on `split` of the GUM corpus at `dir`.
pub fn evaluate(dir: &Path, split: &str) -> Result<Report, EvalError> {
    let files = gum_files(dir, split)?;
    if files.is_empty() {
        return Err(EvalError::data(
            dir.join("dep"),
            format!("no GUM documents for split {split}"),
        ));
    }
    let pipeline =
        Pipeline::new().map_err(|e| EvalError::data("embedded models", e.to_string()))?;
    // Error analysis: with CLAIMTRAIL_SPEAKER_DUMP set, each resolution and each pronoun
    // source goes to standard error with the GUM mentions it was matched to.
    let dump = std::env::var_os("CLAIMTRAIL_SPEAKER_DUMP").is_some();
    let mut c = Counts::default();
    for f in &files {
        let sents = conllu::read(f)?;
        let (text, gold) = gum_document(&sents);
        let doc = pipeline.analyze(&text, None);
        c.documents += 1;
        for a in doc.attributions.as_deref().unwrap_or(&[]) {
            let (Some(src), Some(sp)) = (a.source, a.speaker.as_ref()) else {
                continue;
            };
            c.sources += 1;
            let gs = best_mention(&gold, src.start, src.end);
            let ga = sp
                .antecedent
                .and_then(|ant| best_mention(&gold, ant.start, ant.end));
            let pronoun = THIRD_PERSON.contains(&doc.slice(src).to_lowercase().as_str());
            let right = matches!((gs, ga), (Some(s), Some(a)) if s.id == a.id);
            if dump && (sp.antecedent.is_some() || pronoun) {
                let show = |m: Option<&GoldMention>| {
                    m.map(|m| format!("{:?} (entity {})", &text[m.start..m.end], m.id))
                };
                eprintln!(
                    "{}\t{}\tsource {:?} -> antecedent {:?} (speaker {:?})\tGUM: {:?} -> {:?}",
                    f.display(),
                    if right { "right" } else { "wrong" },
                    doc.slice(src),
                    sp.antecedent.map(|x| doc.slice(x)),
                    sp.name,
                    show(gs),
                    show(ga)
                );
            }
            if sp.antecedent.is_some() {
                c.resolved += 1;
                if gs.is_some() && ga.is_some() {
                    c.judged += 1;
                    c.correct += usize::from(right);
                    if pronoun {
                        c.pronoun_judged += 1;
                        c.pronoun_correct += usize::from(right);
                    }
                }
            }
            // A pronoun whose entity was named or described before.
            if let (true, Some(s)) = (pronoun, gs) {
                let before = gold
                    .iter()
                    .any(|m| m.id == s.id && m.end <= s.start && !m.pronoun);
                if before {
                    c.resolvable_pronouns += 1;
                    c.resolvable_resolved += usize::from(right);
                }
            }
        }
    }
    let pct = |a: usize, b: usize| 100.0 * a as f64 / b.max(1) as f64;
    let mut r = Report::new(format!(
        "speaker resolution on GUM {split}: {} documents, {} attributions with a source",
        c.documents, c.sources
    ));
    r.push_line(format!(
        "resolved to an earlier mention: {} ({} judged: both spans match a GUM mention)",
        c.resolved, c.judged
    ));
    r.push_line(format!(
        "precision      {:5.1}  ({} of {} judged resolutions name the same entity)",
        pct(c.correct, c.judged),
        c.correct,
        c.judged
    ));
    r.push_line(format!(
        "  pronouns     {:5.1}  ({} of {})",
        pct(c.pronoun_correct, c.pronoun_judged),
        c.pronoun_correct,
        c.pronoun_judged
    ));
    r.push_line(format!(
        "pronoun recall {:5.1}  ({} of {} third-person pronoun sources whose entity was \
         mentioned before by a name or a noun)",
        pct(c.resolvable_resolved, c.resolvable_pronouns),
        c.resolvable_resolved,
        c.resolvable_pronouns
    ));
    r.set("documents", c.documents as f64);
    r.set("resolved", c.resolved as f64);
    r.set("judged", c.judged as f64);
    r.set("precision", pct(c.correct, c.judged));
    r.set(
        "pronoun_precision",
        pct(c.pronoun_correct, c.pronoun_judged),
    );
    r.set(
        "pronoun_recall",
        pct(c.resolvable_resolved, c.resolvable_pronouns),
    );
    Ok(r)
}
