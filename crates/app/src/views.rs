//! Stories as a reader sees them: read back from the store and shaped for JSON and for the
//! terminal. The CLI prints these, and the server will serve the same structures, so a story
//! looks the same everywhere.
//!
//! Why statements are read from the stored analysis JSON rather than re-analysed: the JSON is
//! the contract other tools read (DESIGN.md), and reading it back keeps a story page cheap and
//! shows exactly what the analyzer said when the article arrived.

use crate::error::AppError;
use chrono::{DateTime, Utc};
use model::ArticleId;
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeSet;
use store::{Store, StoryId};

/// One line of the story list.
#[derive(Clone, Debug, Serialize)]
pub struct StorySummary {
    pub id: i64,
    pub title: Option<String>,
    pub first_seen: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    /// Stored articles, copies included.
    pub articles: u32,
    /// Distinct outlets that carried any of its articles (exact copies included).
    pub outlets: Vec<String>,
}

/// Where else an article appeared: a near-duplicate copy (its own stored article) or an exact
/// repeat (a sighting of the same text).
#[derive(Clone, Debug, Serialize)]
pub struct CopyView {
    /// The copy's own article id; `None` for an exact repeat, which is not stored twice.
    pub id: Option<String>,
    pub kind: &'static str,
    pub url: Option<String>,
    pub source: Option<String>,
    pub published: Option<DateTime<Utc>>,
    pub seen: DateTime<Utc>,
}

/// An original article of a story with its copies folded under it.
#[derive(Clone, Debug, Serialize)]
pub struct ArticleView {
    pub id: String,
    pub title: Option<String>,
    pub url: Option<String>,
    pub source: Option<String>,
    pub published: Option<DateTime<Utc>>,
    pub fetched: DateTime<Utc>,
    /// Wire credits the analyzer found ("(Meridian Wire) -"), naming where the text came from.
    pub credits: Vec<String>,
    pub copies: Vec<CopyView>,
}

/// One attributed statement, as the analyzer found it in an article.
#[derive(Clone, Debug, Serialize)]
pub struct StatementView {
    pub article: String,
    pub outlet: Option<String>,
    pub published: Option<DateTime<Utc>>,
    /// When it was said: a date the statement's sentence gives ("on Monday"), else the day
    /// its article was published.
    pub said: Option<String>,
    /// The speaker's canonical name when the analyzer resolved one, else the source span.
    pub speaker: Option<String>,
    pub speaker_kind: Option<String>,
    pub anonymous: bool,
    pub cue: String,
    pub content: String,
    /// Index (in this list) of the statement that reported this one, if any.
    pub nested_in: Option<usize>,
    #[serde(skip)]
    claim_input: track::claims::StatementIn,
}

/// A story in full. In JSON the summary's fields come first, its article count as
/// `articles_stored` (`articles` is the list).
#[derive(Clone, Debug)]
pub struct StoryView {
    pub summary: StorySummary,
    pub articles: Vec<ArticleView>,
    /// Statements in the order they were said (then published).
    pub statements: Vec<StatementView>,
    /// Claims: statements grouped into propositions, with each speaker's stance; statement
    /// numbers index `statements`.
    pub claims: Vec<track::claims::Claim>,
    /// Why claims are thin or absent: one article only, an article without attributions, an
    /// article in a language the analyzer does not read (its statements are left out).
    pub claim_notes: Vec<track::claims::ClaimNote>,
}

impl Serialize for StoryView {
    fn serialize<S: serde::Serializer>(&self, out: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let s = &self.summary;
        let mut st = out.serialize_struct("StoryView", 10)?;
        st.serialize_field("id", &s.id)?;
        st.serialize_field("title", &s.title)?;
        st.serialize_field("first_seen", &s.first_seen)?;
        st.serialize_field("last_seen", &s.last_seen)?;
        st.serialize_field("articles_stored", &s.articles)?;
        st.serialize_field("outlets", &s.outlets)?;
        st.serialize_field("articles", &self.articles)?;
        st.serialize_field("statements", &self.statements)?;
        st.serialize_field("claims", &self.claims)?;
        st.serialize_field("claim_notes", &self.claim_notes)?;
        st.end()
    }
}

/// Stories, most recently active first.
pub fn stories(store: &dyn Store, limit: usize) -> Result<Vec<StorySummary>, AppError> {
    store
        .stories(limit)?
        .into_iter()
        .map(|s| summary(store, s))
        .collect()
}

fn summary(store: &dyn Store, s: store::Story) -> Result<StorySummary, AppError> {
    let mut outlets = BTreeSet::new();
    for id in store.story_articles(s.id)? {
        for seen in store.sightings(&id)? {
            if let Some(src) = seen.source {
                outlets.insert(src);
            }
        }
    }
    Ok(StorySummary {
        id: s.id.0,
        title: s.title,
        first_seen: s.first_seen,
        last_seen: s.last_seen,
        articles: s.articles,
        outlets: outlets.into_iter().collect(),
    })
}

/// The story with its articles, copies and statements; `None` when there is no such story.
pub fn story(store: &dyn Store, id: StoryId) -> Result<Option<StoryView>, AppError> {
    let Some(s) = store.story(id)? else {
        return Ok(None);
    };
    let members = store.story_articles(id)?;
    let summary = summary(store, s)?;
    let mut articles = Vec::new();
    let mut statements = Vec::new();
    let mut claim_articles = Vec::new();
    for member in &members {
        let Some(stored) = store.article(member)? else {
            continue;
        };
        let a = &stored.article;
        claim_articles.push(track::claims::ArticleIn {
            id: a.id.0.clone(),
            language: a.language.clone(),
            text: a.text.clone(),
            copy: a.copy_of.is_some(),
        });
        let analysis = store
            .analysis(member)?
            .and_then(|x| serde_json::from_str::<Value>(&x.json).ok());
        if let Some(v) = &analysis {
            let base = statements.len();
            statements.extend(statements_of(v, a, base));
        }
        if a.copy_of.is_some() {
            continue; // shown under its original
        }
        let mut copies = Vec::new();
        let own_url = a.canonical_url.as_deref().or(a.url.as_deref());
        for seen in store.sightings(member)? {
            if seen.url.as_deref() == own_url {
                continue;
            }
            copies.push(CopyView {
                id: None,
                kind: "exact",
                url: seen.url,
                source: seen.source,
                published: seen.published,
                seen: seen.seen,
            });
        }
        for copy in store.copies_of(member)? {
            if let Some(c) = store.article(&copy)? {
                copies.push(CopyView {
                    id: Some(copy.0.clone()),
                    kind: "near",
                    url: c.article.canonical_url.or(c.article.url),
                    source: c.article.source.or(c.article.site_name),
                    published: c.article.published,
                    seen: c.fetched,
                });
            }
        }
        copies.sort_by_key(|c| (c.published.unwrap_or(c.seen), c.seen));
        articles.push(ArticleView {
            id: a.id.0.clone(),
            title: a.title.clone(),
            url: a.canonical_url.clone().or_else(|| a.url.clone()),
            source: a.source.clone().or_else(|| a.site_name.clone()),
            published: a.published,
            fetched: stored.fetched,
            credits: analysis.as_ref().map(credits_of).unwrap_or_default(),
            copies,
        });
    }
    articles.sort_by_key(|a| a.published.unwrap_or(a.fetched));
    let (statements, claims, claim_notes) = with_claims(&claim_articles, statements);
    Ok(Some(StoryView {
        summary,
        articles,
        statements,
        claims,
        claim_notes,
    }))
}

/// Orders statements by when they were said and groups them into claims, with the notes that
/// say why claims are thin (see `track::claims::claims_with_notes`).
pub fn with_claims(
    articles: &[track::claims::ArticleIn],
    mut statements: Vec<StatementView>,
) -> (
    Vec<StatementView>,
    Vec<track::claims::Claim>,
    Vec<track::claims::ClaimNote>,
) {
    // Keep nesting pointers valid across the sort: remember each statement's original slot.
    let order: Vec<usize> = {
        let mut idx: Vec<usize> = (0..statements.len()).collect();
        idx.sort_by_key(|&i| (statements[i].said.clone(), statements[i].published, i));
        idx
    };
    let mut new_pos = vec![0; statements.len()];
    for (new, &old) in order.iter().enumerate() {
        new_pos[old] = new;
    }
    let mut slots: Vec<Option<StatementView>> = statements.drain(..).map(Some).collect();
    let mut sorted: Vec<StatementView> = order
        .iter()
        .filter_map(|&old| slots.get_mut(old).and_then(Option::take))
        .collect();
    for s in &mut sorted {
        s.nested_in = s.nested_in.and_then(|n| new_pos.get(n).copied());
    }
    let inputs: Vec<track::claims::StatementIn> =
        sorted.iter().map(|s| s.claim_input.clone()).collect();
    let (claims, notes) = track::claims::claims_with_notes(
        articles,
        &inputs,
        &track::claims::ClaimsConfig::default(),
    );
    (sorted, claims, notes)
}

fn text_of(v: &Value) -> Option<String> {
    v.get("text").and_then(Value::as_str).map(str::to_string)
}

fn credits_of(v: &Value) -> Vec<String> {
    let mut out: Vec<String> = v
        .get("credits")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|c| {
            c.get("name")
                .and_then(Value::as_str)
                .map(str::to_string)
                .or_else(|| text_of(c))
        })
        .collect();
    out.dedup();
    out
}

fn span_of(v: &Value) -> Option<(u64, u64)> {
    Some((v.get("start")?.as_u64()?, v.get("end")?.as_u64()?))
}

/// The statements of one analysed article, with what claim grouping needs: the sentence
/// around the cue and the one before, the entities and numbers there, and the date said.
/// `base` is the number of statements already collected, so `nested_in` indexes the whole list.
pub fn statements_of(v: &Value, a: &model::Article, base: usize) -> Vec<StatementView> {
    let id: &ArticleId = &a.id;
    let chars: Vec<char> = a.text.chars().collect();
    let slice = |(s, e): (u64, u64)| -> String {
        let (s, e) = (s as usize, (e as usize).min(chars.len()));
        chars
            .get(s..e)
            .map(|c| c.iter().collect())
            .unwrap_or_default()
    };
    let list = |key: &str| -> Vec<Value> {
        v.get(key)
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    };
    let sentences: Vec<(u64, u64)> = list("sentences").iter().filter_map(span_of).collect();
    let entities = list("entities");
    let times = list("times");
    let quantities = list("quantities");
    let published_day = a.published.map(|p| p.format("%Y-%m-%d").to_string());
    let outlet = a.source.clone().or_else(|| a.site_name.clone());
    list("attributions")
        .iter()
        .map(|at| {
            let speaker_obj = at.get("speaker");
            let speaker = speaker_obj
                .and_then(|s| s.get("name"))
                .and_then(Value::as_str)
                .map(str::to_string)
                .or_else(|| at.get("source").and_then(text_of));
            let content_spans: Vec<(u64, u64)> = at
                .get("content")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(span_of)
                .collect();
            let content = content_spans
                .iter()
                .map(|&s| slice(s))
                .collect::<Vec<_>>()
                .join(" … ");
            let cue_span = at.get("cue").and_then(span_of).unwrap_or((0, 0));
            let sentence = sentences
                .iter()
                .position(|&(s, e)| s <= cue_span.0 && cue_span.0 < e);
            let (ctx_start, ctx_end) = match sentence {
                Some(i) => (sentences[i.saturating_sub(1)].0, sentences[i].1),
                None => cue_span,
            };
            let (sent_start, sent_end) = sentence.map_or(cue_span, |i| sentences[i]);
            let inside = |x: &Value, from: u64, to: u64| {
                span_of(x).is_some_and(|(s, e)| s >= from && e <= to)
            };
            let said = times
                .iter()
                .filter(|t| inside(t, sent_start, sent_end))
                .filter_map(|t| t.get("value").and_then(Value::as_str))
                .find(|v| v.len() == 10 && v.as_bytes().get(4) == Some(&b'-'))
                .map(str::to_string)
                .or_else(|| published_day.clone());
            let in_content = |x: &Value| content_spans.iter().any(|&(s, e)| inside(x, s, e));
            let claim_input = track::claims::StatementIn {
                article: id.0.clone(),
                outlet: outlet.clone(),
                date: said.clone(),
                speaker: speaker.clone(),
                speaker_kind: speaker_obj
                    .and_then(|s| s.get("kind"))
                    .and_then(Value::as_str)
                    .map(str::to_string),
                cue: at.get("cue").and_then(text_of).unwrap_or_default(),
                content: content.clone(),
                context: slice((ctx_start, ctx_end)),
                entities: entities
                    .iter()
                    .filter(|e| inside(e, sent_start, sent_end))
                    .filter_map(text_of)
                    .collect(),
                quantities: quantities
                    .iter()
                    .filter(|q| in_content(q))
                    .filter_map(|q| {
                        Some(track::claims::QuantityIn {
                            text: text_of(q)?,
                            value: q.get("value")?.as_f64()?,
                            unit: q.get("unit").and_then(Value::as_str).map(str::to_string),
                        })
                    })
                    .collect(),
            };
            StatementView {
                article: id.0.clone(),
                outlet: outlet.clone(),
                published: a.published,
                said,
                speaker,
                speaker_kind: claim_input.speaker_kind.clone(),
                anonymous: speaker_obj
                    .and_then(|s| s.get("anonymous"))
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
                cue: claim_input.cue.clone(),
                content,
                nested_in: at
                    .get("nested_in")
                    .and_then(Value::as_u64)
                    .map(|n| base + n as usize),
                claim_input,
            }
        })
        .collect()
}

/// The story's claims as schema.org ClaimReview objects (JSON-LD), one per claim.
///
/// claimtrail records who supports and who denies a claim, not whether it is true, so no
/// `reviewRating` is invented: the review body says where each speaker stands.
pub fn claimreview(
    view: &StoryView,
    urls: &std::collections::HashMap<String, String>,
) -> Vec<Value> {
    view.claims
        .iter()
        .map(|c| {
            let appearances: Vec<Value> = c
                .appearances
                .iter()
                .filter_map(|a| view.statements.get(a.statement))
                .map(|s| {
                    serde_json::json!({
                        "@type": "CreativeWork",
                        "url": urls.get(&s.article),
                        "publisher": s.outlet.as_ref().map(|o| serde_json::json!({"@type": "Organization", "name": o})),
                        "datePublished": s.published,
                    })
                })
                .collect();
            let author = c
                .appearances
                .iter()
                .filter_map(|a| view.statements.get(a.statement))
                .find_map(|s| s.speaker.clone());
            let sides: Vec<String> = [
                (track::stance::Stance::Supports, "Supported by"),
                (track::stance::Stance::Denies, "Denied by"),
                (track::stance::Stance::NonCommittal, "Reported without a position by"),
            ]
            .iter()
            .filter_map(|(stance, label)| {
                let names: Vec<&str> = c
                    .speakers
                    .iter()
                    .filter(|s| s.stance == *stance)
                    .map(|s| s.speaker.as_str())
                    .collect();
                (!names.is_empty()).then(|| format!("{label} {}.", names.join(", ")))
            })
            .collect();
            serde_json::json!({
                "@context": "https://schema.org",
                "@type": "ClaimReview",
                "claimReviewed": c.text,
                "author": {"@type": "Organization", "name": "claimtrail"},
                "datePublished": Utc::now().format("%Y-%m-%d").to_string(),
                "itemReviewed": {
                    "@type": "Claim",
                    "author": author.map(|a| serde_json::json!({"@type": "Thing", "name": a})),
                    "datePublished": c.first_seen,
                    "appearance": appearances,
                    "firstAppearance": appearances.first(),
                },
                "reviewBody": format!(
                    "claimtrail records stances, not verdicts; this is not a rating of the claim's truth. {}{}",
                    sides.join(" "),
                    if c.contested { " The claim is contested." } else { "" }
                ),
            })
        })
        .collect()
}
