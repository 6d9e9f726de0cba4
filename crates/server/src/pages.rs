//! The web UI: server-rendered pages, readable without JavaScript. `/static/app.js` only adds
//! live updates (new articles arriving over `/api/events`), found through the `id`s and
//! `data-` attributes these pages set (`#live-list`, `#stories`, `data-story`,
//! `#story-articles`).
//!
//! Every string from a feed or an analysis goes through [`Markup::text`], every link out
//! through [`Markup::href`]; the markup itself is only literals here. Charts are inline SVG
//! with sizes as attributes, since the Content-Security-Policy forbids inline styles.

use crate::api::{blocking, story_id};
use crate::cache::CachedStory;
use crate::error::{ApiError, PageError};
use crate::html::{page, Markup};
use crate::queries::{self, ClaimRow, Statement, StoryCard};
use crate::AppState;
use axum::extract::{Form, Path, Query, State};
use axum::http::{StatusCode, Uri};
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use std::collections::BTreeMap;

type PageResult = Result<Html<String>, PageError>;

fn done(title: &str, current: &str, body: Markup) -> PageResult {
    Ok(Html(page(title, current, body).into_string()))
}

/// Unknown paths: an HTML page, or JSON under `/api/`.
pub async fn not_found(uri: Uri) -> Response {
    let e = ApiError::not_found(format!("nothing at {}", uri.path()));
    if uri.path().starts_with("/api/") {
        e.into_response()
    } else {
        PageError(e).into_response()
    }
}

fn chart(m: &mut Markup, bins: &[u32]) {
    const W: usize = 10;
    const H: u32 = 32;
    let max = bins.iter().copied().max().unwrap_or(0).max(1);
    let total: u32 = bins.iter().sum();
    m.raw("<svg class=\"chart\" viewBox=\"0 0 ")
        .num(bins.len() * W)
        .raw(" 32\" width=\"")
        .num(bins.len() * W)
        .raw("\" height=\"32\" role=\"img\" aria-label=\"Coverage over time: ")
        .num(total)
        .raw(" articles\"><title>Articles over time, from first to last seen</title>");
    for (i, &b) in bins.iter().enumerate() {
        let h = if b == 0 {
            1
        } else {
            (b * (H - 2) / max).max(3)
        };
        m.raw("<rect x=\"")
            .num(i * W)
            .raw("\" y=\"")
            .num(H - h)
            .raw("\" width=\"")
            .num(W - 2)
            .raw("\" height=\"")
            .num(h)
            .raw("\"");
        if b == 0 {
            m.raw(" class=\"zero\"");
        }
        m.raw("></rect>");
    }
    m.raw("</svg>");
}

fn speaker_link(m: &mut Markup, name: &str) {
    m.raw("<a class=\"speaker\" href=\"/speakers/")
        .segment(name)
        .raw("\">")
        .text(name)
        .raw("</a>");
}

fn list_outlets(m: &mut Markup, outlets: &[String]) {
    for (i, o) in outlets.iter().enumerate() {
        if i > 0 {
            m.raw(", ");
        }
        m.text(o);
    }
}

pub async fn index(State(state): State<AppState>) -> Result<Response, PageError> {
    let cache = state.stories.clone();
    let page = blocking(&state, move |t| {
        let cards = queries::story_cards(t.store().as_ref(), &cache, 30)?;
        let versions: Vec<_> = cards.iter().map(|c| c.story.clone()).collect();
        // Rendered once per set of story versions (see `cache`).
        Ok(cache.front_page(&versions, || render_index(&cards)))
    })
    .await?;
    Ok(Html(page).into_response())
}

fn render_index(cards: &[StoryCard]) -> String {
    let mut m = Markup::new();
    m.raw(
        "<h1>Developing stories</h1>\
         <section class=\"live\" aria-labelledby=\"live-h\"><h2 id=\"live-h\">Just in</h2>\
         <ul id=\"live-list\" class=\"live-list\"><li class=\"muted\">New articles appear here \
         as they arrive.</li></ul></section>",
    );
    if cards.is_empty() {
        m.raw(
            "<p class=\"empty\">No stories yet. Add feeds on the <a href=\"/feeds\">feeds \
             page</a>, or import articles with <code>claimtrail import FILE</code>.</p>",
        );
    }
    m.raw("<ol id=\"stories\" class=\"stories\">");
    for card in cards {
        story_item(&mut m, card);
    }
    m.raw("</ol>");
    page("Stories", "stories", m).into_string()
}

fn story_item(m: &mut Markup, card: &StoryCard) {
    let s = &card.story.view.summary;
    m.raw("<li class=\"story\" data-story=\"")
        .num(s.id)
        .raw("\"><h2><a href=\"/stories/")
        .num(s.id)
        .raw("\">")
        .text(s.title.as_deref().unwrap_or("(untitled story)"))
        .raw("</a></h2><p class=\"meta\"><span class=\"count\">")
        .num(s.articles)
        .raw("</span> articles · ")
        .num(s.outlets.len())
        .raw(" outlets · ")
        .time(&s.first_seen)
        .raw(" to ")
        .time(&s.last_seen)
        .raw("</p>");
    chart(m, &card.story.bins);
    if !s.outlets.is_empty() {
        m.raw("<p class=\"outlets\">Outlets: ");
        list_outlets(m, &s.outlets);
        m.raw("</p>");
    }
    if !card.speakers.is_empty() {
        m.raw("<p class=\"speakers\">Speakers: ");
        for (i, (name, n)) in card.speakers.iter().enumerate() {
            if i > 0 {
                m.raw(", ");
            }
            speaker_link(m, name);
            m.raw(" (").num(*n).raw(")");
        }
        m.raw("</p>");
    }
    if card.claims == 0 {
        m.raw("<p class=\"claims muted\">No claims yet</p>");
    } else {
        m.raw("<p class=\"claims\">")
            .num(card.claims)
            .raw(" claims");
        if card.contested > 0 {
            m.raw(", <strong class=\"contested\">")
                .num(card.contested)
                .raw(" contested</strong>");
        }
        m.raw("</p>");
    }
    m.raw("</li>");
}

pub async fn story(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let id = story_id(&id)?;
    let cache = state.stories.clone();
    let page = blocking(&state, move |t| {
        let Some(story) = cache.story(t.store().as_ref(), id)? else {
            return Ok(None);
        };
        // Rendered once per version of the story (see `cache`).
        Ok(Some(story.html(render_story)))
    })
    .await?;
    match page {
        Some(html) => Ok(Html(html).into_response()),
        None => Err(ApiError::not_found(format!("there is no story {id}")).into()),
    }
}

/// Statements and articles a story page shows at most (the latest; see `render_story`), and
/// the story JSON by default.
pub const PAGE_STATEMENTS: usize = 300;
pub const PAGE_ARTICLES: usize = 200;

fn render_story(story: &CachedStory) -> String {
    let (view, bins) = (&story.view, &story.bins);
    let s = &view.summary;
    let title = s.title.as_deref().unwrap_or("(untitled story)");
    let mut m = Markup::new();
    m.raw("<article class=\"story-page\" data-story=\"")
        .num(s.id)
        .raw("\"><h1>")
        .text(title)
        .raw("</h1><p class=\"meta\"><span class=\"count\">")
        .num(s.articles)
        .raw("</span> articles from ")
        .num(s.outlets.len())
        .raw(" outlets, ")
        .time(&s.first_seen)
        .raw(" to ")
        .time(&s.last_seen)
        .raw(" · <a href=\"/api/stories/")
        .num(s.id)
        .raw("\">JSON</a></p>");
    chart(&mut m, bins);
    m.raw("<p class=\"outlets\">Outlets: ");
    list_outlets(&mut m, &s.outlets);
    m.raw("</p>");

    m.raw("<section id=\"claims\" class=\"claims\"><h2>Claims</h2>");
    for note in &view.claim_notes {
        m.raw("<p class=\"note muted\">")
            .text(&note.message)
            .raw("</p>");
    }
    let rows = queries::claims_of(view);
    if rows.is_empty() {
        m.raw(
            "<p class=\"empty\">No claims yet: statements are grouped into claims, with each \
             speaker's stance, as attributed statements arrive.</p>",
        );
    } else {
        claims_matrix(&mut m, &rows);
        numbers(&mut m, &rows);
    }
    m.raw("</section>");

    // Who carried each article: its outlet, then its copies, for the chain under statements.
    let mut copied_by: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for a in &view.articles {
        let list = copied_by.entry(a.id.as_str()).or_default();
        for c in &a.copies {
            if let Some(src) = c.source.as_deref() {
                if !list.contains(&src) && Some(src) != a.source.as_deref() {
                    list.push(src);
                }
            }
        }
    }
    m.raw("<section id=\"timeline\" class=\"timeline\"><h2>Statements</h2>");
    if view.statements.is_empty() {
        m.raw("<p class=\"empty\">No attributed statements found yet.</p>");
    }
    // A story of hundreds of articles would make a page of megabytes: the page shows the
    // latest statements and articles, the JSON API pages through them all.
    let skipped = view.statements.len().saturating_sub(PAGE_STATEMENTS);
    if skipped > 0 {
        m.raw("<p class=\"note muted\">The latest ")
            .num(PAGE_STATEMENTS)
            .raw(" of ")
            .num(view.statements.len())
            .raw(" statements; <a href=\"/api/stories/")
            .num(s.id)
            .raw(
                "/statements?offset=0&amp;limit=1000\">the JSON API</a> pages through them \
                  all.</p>",
            );
    }
    let mut day: Option<String> = None;
    for st in &view.statements[skipped..] {
        // When it was said, else when its article was published.
        let d = st.said.clone().unwrap_or_else(|| {
            st.published.map_or_else(
                || "undated".to_string(),
                |p| p.format("%Y-%m-%d").to_string(),
            )
        });
        if day.as_deref() != Some(d.as_str()) {
            if day.is_some() {
                m.raw("</ul>");
            }
            m.raw("<h3>").text(&d).raw("</h3><ul class=\"statements\">");
            day = Some(d);
        }
        m.raw("<li class=\"statement\">");
        match st.speaker.as_deref() {
            Some(sp) => speaker_link(&mut m, sp),
            None => {
                m.raw("<span class=\"speaker muted\">unattributed</span>");
            }
        }
        m.raw(" <span class=\"cue\">")
            .text(&st.cue)
            .raw("</span> <q>")
            .text(&st.content)
            .raw("</q> <span class=\"via\">via <a href=\"/articles/")
            .segment(&st.article)
            .raw("\">")
            .text(st.outlet.as_deref().unwrap_or("an article"))
            .raw("</a>");
        if let Some(copies) = copied_by.get(st.article.as_str()).filter(|c| !c.is_empty()) {
            m.raw(", copied by ");
            for (i, c) in copies.iter().enumerate() {
                if i > 0 {
                    m.raw(", ");
                }
                m.text(c);
            }
        }
        m.raw("</span></li>");
    }
    if day.is_some() {
        m.raw("</ul>");
    }
    m.raw("</section>");

    m.raw("<section class=\"articles\"><h2>Articles</h2>");
    let skipped = view.articles.len().saturating_sub(PAGE_ARTICLES);
    if skipped > 0 {
        m.raw("<p class=\"note muted\">The latest ")
            .num(PAGE_ARTICLES)
            .raw(" of ")
            .num(view.articles.len())
            .raw(" articles; <a href=\"/api/stories/")
            .num(s.id)
            .raw(
                "/articles?offset=0&amp;limit=1000\">the JSON API</a> pages through them \
                  all.</p>",
            );
    }
    m.raw("<ul id=\"story-articles\" class=\"articles\">");
    for a in &view.articles[skipped..] {
        m.raw("<li class=\"article\"><a href=\"/articles/")
            .segment(&a.id)
            .raw("\">")
            .text(a.title.as_deref().unwrap_or(&a.id))
            .raw("</a> <span class=\"meta\">")
            .text(a.source.as_deref().unwrap_or("unknown outlet"))
            .raw(", ");
        let when: DateTime<Utc> = a.published.unwrap_or(a.fetched);
        m.time(&when)
            .raw(" · ")
            .href(a.url.as_deref(), "original")
            .raw("</span>");
        if !a.credits.is_empty() {
            m.raw(" <span class=\"credits\">credited: ");
            list_outlets(&mut m, &a.credits);
            m.raw("</span>");
        }
        if !a.copies.is_empty() {
            m.raw("<details class=\"copies\"><summary>")
                .num(a.copies.len())
                .raw(" copies</summary><ul>");
            for c in &a.copies {
                m.raw("<li>").text(c.kind).raw(" copy: ");
                let label = c.source.as_deref().unwrap_or("unknown outlet");
                match &c.id {
                    Some(id) => {
                        m.raw("<a href=\"/articles/")
                            .segment(id)
                            .raw("\">")
                            .text(label)
                            .raw("</a>");
                    }
                    None => {
                        m.text(label);
                    }
                }
                m.raw(", ").time(&c.published.unwrap_or(c.seen)).raw(" · ");
                m.href(c.url.as_deref(), "page").raw("</li>");
            }
            m.raw("</ul></details>");
        }
        m.raw("</li>");
    }
    m.raw("</ul></section></article>");
    page(title, "stories", m).into_string()
}

fn stance_class(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
        .map(|c| c.to_ascii_lowercase())
        .take(24)
        .collect()
}

fn claims_matrix(m: &mut Markup, rows: &[ClaimRow]) {
    let mut speakers: Vec<&str> = rows
        .iter()
        .flat_map(|r| r.stances.keys().map(String::as_str))
        .collect();
    speakers.sort_unstable();
    speakers.dedup();
    m.raw(
        "<div class=\"matrix-wrap\"><table class=\"matrix\"><caption>Claims by speakers: \
         <span class=\"stance stance-supports\">supports</span> \
         <span class=\"stance stance-denies\">denies</span> \
         <span class=\"stance stance-non_committal\">non committal</span></caption>\
         <thead><tr><th scope=\"col\">Claim</th>",
    );
    for sp in &speakers {
        m.raw("<th scope=\"col\">");
        speaker_link(m, sp);
        m.raw("</th>");
    }
    m.raw("</tr></thead><tbody>");
    for r in rows {
        let text = if r.text.trim().is_empty() {
            "(a claim without text)"
        } else {
            r.text.as_str()
        };
        m.raw("<tr><th scope=\"row\">").text(text);
        if r.contested {
            m.raw(" <strong class=\"contested\">contested</strong>");
        }
        m.raw("</th>");
        for sp in &speakers {
            match r.stances.get(*sp) {
                Some((st, earlier)) => {
                    m.raw("<td class=\"stance stance-")
                        .text(&stance_class(st))
                        .raw("\">")
                        .text(&st.replace('_', " "));
                    if !earlier.is_empty() {
                        m.raw("<span class=\"changed\"> (was ")
                            .text(&earlier.join(", ").replace('_', " "))
                            .raw(")</span>");
                    }
                    m.raw("</td>");
                }
                None => {
                    m.raw("<td class=\"stance none\"></td>");
                }
            }
        }
        m.raw("</tr>");
    }
    m.raw("</tbody></table></div>");
}

/// The numbers each side gives for the same thing, where they disagree.
fn numbers(m: &mut Markup, rows: &[ClaimRow]) {
    if rows.iter().all(|r| r.numbers.is_empty()) {
        return;
    }
    m.raw("<h3>Conflicting numbers</h3><ul class=\"numbers\">");
    for r in rows {
        for (unit, given) in &r.numbers {
            m.raw("<li><span class=\"kind\">")
                .text(unit)
                .raw("</span> ");
            for (i, n) in given.iter().enumerate() {
                if i > 0 {
                    m.raw("; ");
                }
                m.raw("<strong>").text(&n.text).raw("</strong> by ");
                match &n.speaker {
                    Some(sp) => speaker_link(m, sp),
                    None => {
                        m.raw("an unnamed source");
                    }
                }
                if let Some(d) = &n.date {
                    m.raw(" (").text(d).raw(")");
                }
            }
            m.raw("</li>");
        }
    }
    m.raw("</ul>");
}

pub async fn article(State(state): State<AppState>, Path(id): Path<String>) -> PageResult {
    let key = id.clone();
    let found = blocking(&state, move |t| {
        let store = t.store();
        let Some(detail) = queries::article(store.as_ref(), &key)? else {
            return Ok(None);
        };
        let statements = queries::statements_in(store.as_ref(), &detail.article.id)?;
        Ok(Some((detail, statements)))
    })
    .await?;
    let Some((d, statements)) = found else {
        return Err(ApiError::not_found(format!("there is no article {id}")).into());
    };
    let a = &d.article;
    let title = a.title.as_deref().unwrap_or("(untitled article)");
    let mut m = Markup::new();
    m.raw("<article class=\"article-page\"><h1>")
        .text(title)
        .raw("</h1><p class=\"meta\">")
        .text(
            a.source
                .as_deref()
                .or(a.site_name.as_deref())
                .unwrap_or("unknown outlet"),
        );
    if let Some(p) = &a.published {
        m.raw(" · published ").time(p);
    }
    m.raw(" · fetched ").time(&d.fetched).raw(" · ");
    m.href(
        a.url.as_deref().or(a.canonical_url.as_deref()),
        "original page",
    );
    if let Some(story) = d.story {
        m.raw(" · <a href=\"/stories/")
            .num(story)
            .raw("\">story</a>");
    }
    if let Some(orig) = &a.copy_of {
        m.raw(" · copy of <a href=\"/articles/")
            .segment(orig.as_str())
            .raw("\">the original</a>");
    }
    m.raw(" · <a href=\"/api/articles/")
        .segment(a.id.as_str())
        .raw("\">JSON</a></p>");
    if d.analysis.is_some() {
        m.raw(
            "<p class=\"legend\">Marked: <span class=\"src\">source</span> \
             <span class=\"cue\">cue</span> <span class=\"quote\">content</span> \
             <span class=\"ent ent-person\">person</span> <span class=\"ent ent-org\">organization</span> \
             <span class=\"ent ent-gpe\">place</span> <span class=\"time\">time</span> \
             <span class=\"qty\">quantity</span></p>",
        );
    } else {
        m.raw("<p class=\"muted\">Not analysed yet.</p>");
    }
    m.raw("<div class=\"article-text\">")
        .push(&crate::highlight::render(&a.text, d.analysis.as_ref()))
        .raw("</div>");
    m.raw("<section><h2>Statements</h2>");
    statements_table(&mut m, &statements, false);
    m.raw("</section>");
    if let Some(analysis) = &d.analysis {
        entity_lists(&mut m, analysis);
    }
    m.raw("</article>");
    done(title, "stories", m)
}

fn statements_table(m: &mut Markup, statements: &[Statement], with_article: bool) {
    if statements.is_empty() {
        m.raw("<p class=\"empty\">No attributed statements.</p>");
        return;
    }
    m.raw("<table class=\"statements\"><thead><tr>");
    if with_article {
        m.raw("<th scope=\"col\">When</th><th scope=\"col\">Where</th>");
    }
    m.raw("<th scope=\"col\">Speaker</th><th scope=\"col\">Cue</th><th scope=\"col\">Statement</th><th scope=\"col\">Kind</th></tr></thead><tbody>");
    for st in statements {
        m.raw("<tr>");
        if with_article {
            m.raw("<td>");
            if let Some(p) = &st.published {
                m.time(p);
            }
            m.raw("</td><td><a href=\"/articles/")
                .segment(&st.article)
                .raw("\">")
                .text(
                    st.title
                        .as_deref()
                        .or(st.outlet.as_deref())
                        .unwrap_or(&st.article),
                )
                .raw("</a>");
            if let Some(o) = &st.outlet {
                m.raw(" (").text(o).raw(")");
            }
            if let Some(story) = st.story {
                m.raw(" · <a href=\"/stories/")
                    .num(story)
                    .raw("\">story</a>");
            }
            m.raw("</td>");
        }
        m.raw("<td>");
        match st.speaker.as_deref() {
            Some(sp) => speaker_link(m, sp),
            None => {
                m.raw("<span class=\"muted\">unattributed</span>");
            }
        }
        if let Some(kind) = &st.speaker_kind {
            m.raw(" <span class=\"kind\">")
                .text(&kind.replace('_', " "))
                .raw("</span>");
        }
        m.raw("</td><td>")
            .text(&st.cue)
            .raw("</td><td><q>")
            .text(&st.content)
            .raw("</q></td><td>")
            .text(st.kind.as_deref().unwrap_or(""))
            .raw("</td></tr>");
    }
    m.raw("</tbody></table>");
}

fn entity_lists(m: &mut Markup, analysis: &serde_json::Value) {
    let list = |k: &str| {
        analysis
            .get(k)
            .and_then(serde_json::Value::as_array)
            .cloned()
            .unwrap_or_default()
    };
    let str_of = |v: &serde_json::Value, k: &str| {
        v.get(k)
            .and_then(serde_json::Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    let mut entities: BTreeMap<(String, String), usize> = BTreeMap::new();
    for e in list("entities") {
        *entities
            .entry((str_of(&e, "type"), str_of(&e, "text")))
            .or_default() += 1;
    }
    if !entities.is_empty() {
        m.raw("<section><h2>Entities</h2><ul class=\"entities\">");
        for ((ty, text), n) in &entities {
            m.raw("<li><span class=\"kind\">")
                .text(ty)
                .raw("</span> ")
                .text(text);
            if *n > 1 {
                m.raw(" ×").num(*n);
            }
            m.raw("</li>");
        }
        m.raw("</ul></section>");
    }
    let times = list("times");
    if !times.is_empty() {
        m.raw("<section><h2>Times</h2><ul class=\"times\">");
        for t in &times {
            m.raw("<li>")
                .text(&str_of(t, "text"))
                .raw(" → <code>")
                .text(&str_of(t, "value"))
                .raw("</code></li>");
        }
        m.raw("</ul></section>");
    }
}

pub async fn speaker(State(state): State<AppState>, Path(name): Path<String>) -> PageResult {
    let view = blocking(&state, move |t| {
        Ok(queries::speaker(t.store().as_ref(), &name, 500)?)
    })
    .await?;
    let mut m = Markup::new();
    m.raw("<h1>")
        .text(&view.name)
        .raw("</h1><p class=\"meta\">");
    let facts: Vec<String> = [&view.kind, &view.role, &view.country]
        .into_iter()
        .flatten()
        .map(|s| s.replace('_', " "))
        .collect();
    if facts.is_empty() {
        m.raw("kind, role and country not known");
    } else {
        m.text(&facts.join(" · "));
    }
    m.raw(" · <a href=\"/api/speakers/")
        .segment(&view.name)
        .raw("\">JSON</a></p><h2>Statements</h2>");
    statements_table(&mut m, &view.statements, true);
    let title = view.name.clone();
    done(&title, "stories", m)
}

#[derive(Deserialize)]
pub struct SearchQuery {
    pub q: Option<String>,
}

/// A search snippet with its `[matches]` as `<mark>`, everything escaped.
fn snippet(m: &mut Markup, s: &str) {
    let mut rest = s;
    while let Some(open) = rest.find('[') {
        let Some(close) = rest[open..].find(']').map(|c| open + c) else {
            break;
        };
        m.text(&rest[..open])
            .raw("<mark>")
            .text(&rest[open + 1..close])
            .raw("</mark>");
        rest = &rest[close + 1..];
    }
    m.text(rest);
}

pub async fn search(State(state): State<AppState>, Query(p): Query<SearchQuery>) -> PageResult {
    let q = p.q.unwrap_or_default();
    let query = q.clone();
    let results = blocking(&state, move |t| {
        Ok(queries::search(t.store().as_ref(), &query, 50)?)
    })
    .await?;
    let mut m = Markup::new();
    m.raw(
        "<h1>Search</h1><form class=\"search-page\" action=\"/search\" method=\"get\">\
           <input type=\"search\" name=\"q\" value=\"",
    )
    .text(&q)
    .raw("\" aria-label=\"Search\"><button type=\"submit\">Search</button></form>");
    if !q.trim().is_empty() {
        m.raw("<h2>Articles</h2>");
        if results.articles.is_empty() {
            m.raw("<p class=\"empty\">No article matches.</p>");
        }
        m.raw("<ul class=\"hits\">");
        for h in &results.articles {
            m.raw("<li><a href=\"/articles/")
                .segment(&h.id)
                .raw("\">")
                .text(h.title.as_deref().unwrap_or(&h.id))
                .raw("</a>");
            if let Some(story) = h.story {
                m.raw(" · <a href=\"/stories/")
                    .num(story)
                    .raw("\">story</a>");
            }
            m.raw("<p class=\"snippet\">");
            snippet(&mut m, &h.snippet);
            m.raw("</p></li>");
        }
        m.raw("</ul><h2>Statements</h2>");
        statements_table(&mut m, &results.statements, true);
    }
    done("Search", "", m)
}

pub async fn feeds(State(state): State<AppState>) -> PageResult {
    let list = blocking(&state, |t| Ok(queries::feeds(t.store().as_ref())?)).await?;
    let mut m = Markup::new();
    m.raw("<h1>Feeds</h1>");
    if list.is_empty() {
        m.raw("<p class=\"empty\">No subscriptions yet.</p>");
    } else {
        m.raw(
            "<table class=\"feeds\"><thead><tr><th scope=\"col\">Feed</th><th scope=\"col\">Kind</th>\
             <th scope=\"col\">Last success</th><th scope=\"col\">Last error</th>\
             <th scope=\"col\">Next poll</th><th scope=\"col\"></th></tr></thead><tbody>",
        );
        for f in &list {
            let failing = f.consecutive_failures > 0;
            m.raw(if failing {
                "<tr class=\"failing\"><td>"
            } else {
                "<tr><td>"
            });
            m.href(Some(&f.url), f.title.as_deref().unwrap_or(&f.url));
            m.raw("</td><td>").text(f.kind).raw("</td><td>");
            match &f.last_success {
                Some(t) => {
                    m.time(t);
                }
                None => {
                    m.raw("<span class=\"muted\">never</span>");
                }
            }
            m.raw("</td><td>");
            if let Some(e) = &f.last_error {
                m.text(e);
                if let Some(at) = &f.last_error_at {
                    m.raw(" (").time(at).raw(")");
                }
                if failing {
                    m.raw(" · ")
                        .num(f.consecutive_failures)
                        .raw(" failures in a row");
                }
            }
            m.raw("</td><td>");
            match &f.next_poll {
                Some(t) => {
                    m.time(t);
                }
                None => {
                    m.raw("now");
                }
            }
            m.raw(
                "</td><td><form method=\"post\" action=\"/feeds/remove\">\
                   <input type=\"hidden\" name=\"url\" value=\"",
            )
            .text(&f.url)
            .raw("\">");
            token_field(&mut m, &state);
            m.raw("<button type=\"submit\">Remove</button></form></td></tr>");
        }
        m.raw("</tbody></table>");
    }
    m.raw(
        "<h2>Add a subscription</h2><form class=\"add-feed\" method=\"post\" action=\"/feeds\">\
         <label>Address <input type=\"url\" name=\"url\" required placeholder=\"https://example.com/feed.xml\"></label>\
         <label>Kind <select name=\"kind\"><option value=\"\">guess</option><option value=\"feed\">feed</option>\
         <option value=\"telegram\">Telegram channel</option><option value=\"page\">page</option></select></label>\
         <label>Title <input type=\"text\" name=\"title\"></label>",
    );
    token_field(&mut m, &state);
    m.raw("<button type=\"submit\">Add</button></form>");
    done("Feeds", "feeds", m)
}

fn token_field(m: &mut Markup, state: &AppState) {
    if state.token.is_some() {
        m.raw("<label>Token <input type=\"password\" name=\"token\" required autocomplete=\"current-password\"></label>");
    }
}

#[derive(Deserialize)]
pub struct FeedForm {
    pub url: String,
    pub kind: Option<String>,
    pub title: Option<String>,
    pub token: Option<String>,
}

fn check_form_token(state: &AppState, token: Option<&str>) -> Result<(), PageError> {
    if crate::security::form_token_ok(state, token) {
        Ok(())
    } else {
        Err(ApiError::new(StatusCode::UNAUTHORIZED, "wrong or missing token").into())
    }
}

pub async fn feeds_add(
    State(state): State<AppState>,
    Form(f): Form<FeedForm>,
) -> Result<Redirect, PageError> {
    check_form_token(&state, f.token.as_deref())?;
    let feed =
        queries::new_feed(&f.url, f.kind.as_deref(), f.title).map_err(ApiError::bad_request)?;
    blocking(&state, move |t| {
        Ok(t.store().add_feed(&feed, Utc::now())?)
    })
    .await?;
    Ok(Redirect::to("/feeds"))
}

#[derive(Deserialize)]
pub struct RemoveForm {
    pub url: String,
    pub token: Option<String>,
}

pub async fn feeds_remove(
    State(state): State<AppState>,
    Form(f): Form<RemoveForm>,
) -> Result<Redirect, PageError> {
    check_form_token(&state, f.token.as_deref())?;
    let url = f.url;
    blocking(&state, move |t| {
        Ok(t.store().remove_feed(&model::FeedId::new(url))?)
    })
    .await?;
    Ok(Redirect::to("/feeds"))
}
