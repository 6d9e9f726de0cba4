//! Page metadata: title, byline, publication date, canonical URL, site name, language.
//!
//! Sources in order of trust: JSON-LD (`NewsArticle` and kin, which publishers fill for
//! search engines and so keep right), then Open Graph and `article:*` meta tags, then the
//! other meta conventions (Dublin Core, `itemprop`, Parse.ly, Sailthru), then the page
//! itself (`<time datetime>`, `<h1>`, `<title>`, `<html lang>`). The first source that
//! gives a usable value wins; values that are URLs where a name is expected (an author
//! given as a profile link) are skipped.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use dom_query::Document;
use serde_json::Value;
use std::collections::HashMap;

/// What the page says about itself. All optional: many pages say nothing.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PageMeta {
    pub title: Option<String>,
    pub byline: Option<String>,
    pub published: Option<DateTime<Utc>>,
    /// As written in the page (`rel=canonical`, then `og:url`), possibly relative.
    pub canonical: Option<String>,
    pub site_name: Option<String>,
    pub language: Option<String>,
    /// JSON-LD `articleBody`: the publisher's own copy of the text, a fallback for pages
    /// whose markup hides it.
    pub body: Option<String>,
}

const ARTICLE_TYPES: &[&str] = &[
    "NewsArticle",
    "Article",
    "ReportageNews",
    "AnalysisNewsArticle",
    "OpinionNewsArticle",
    "BackgroundNewsArticle",
    "BlogPosting",
    "LiveBlogPosting",
    "Report",
    "ScholarlyArticle",
    "TechArticle",
];

/// Reads the metadata of a parsed page.
pub fn read(doc: &Document) -> PageMeta {
    let ld = json_ld(doc);
    // One pass over the meta tags; lookups by lowercased property, name or itemprop.
    let mut tags: HashMap<String, String> = HashMap::new();
    for n in doc.select("meta[content]").nodes() {
        let Some(content) = n.attr("content").and_then(|c| clean(&c)) else {
            continue;
        };
        for attr in ["property", "name", "itemprop"] {
            if let Some(k) = n.attr(attr) {
                tags.entry(k.to_ascii_lowercase())
                    .or_insert_with(|| content.clone());
            }
        }
    }
    let meta = |keys: &[&str]| -> Option<String> {
        keys.iter()
            .find_map(|k| tags.get(&k.to_ascii_lowercase()).cloned())
    };

    let title = ld
        .as_ref()
        .and_then(|a| str_field(a, "headline"))
        .or_else(|| meta(&["og:title", "twitter:title", "headline", "dc.title"]))
        .or_else(|| clean(&doc.select("h1").first().text()))
        .or_else(|| clean(&doc.select("title").first().text()));

    let byline = ld
        .as_ref()
        .and_then(|a| a.get("author"))
        .and_then(names)
        .or_else(|| {
            meta(&[
                "author",
                "article:author",
                "byl",
                "dc.creator",
                "parsely-author",
                "sailthru.author",
            ])
            .filter(|a| !looks_like_url(a))
        })
        .or_else(|| {
            doc.try_select("[rel=author], .byline, [itemprop=author]")
                .and_then(|s| clean(&s.first().text()))
                .filter(|a| a.len() < 120)
        })
        .map(|b| strip_by(&b));

    let published = ld
        .as_ref()
        .and_then(|a| str_field(a, "datePublished"))
        .and_then(|d| parse_date(&d))
        .or_else(|| {
            meta(&[
                "article:published_time",
                "og:published_time",
                "published_time",
                "datePublished",
                "pubdate",
                "publishdate",
                "publish-date",
                "parsely-pub-date",
                "sailthru.date",
                "dc.date.issued",
                "dcterms.created",
                "dc.date",
                "date",
            ])
            .and_then(|d| parse_date(&d))
        })
        .or_else(|| {
            doc.try_select("time[pubdate][datetime], article time[datetime], time[datetime]")
                .and_then(|s| s.nodes().iter().find_map(|n| n.attr("datetime")))
                .and_then(|d| parse_date(&d))
        });

    let canonical = doc
        .try_select("link[rel=canonical][href]")
        .and_then(|s| s.attr("href"))
        .and_then(|h| clean(&h))
        .or_else(|| meta(&["og:url"]));

    let site_name = meta(&["og:site_name", "application-name"])
        .or_else(|| ld.as_ref().and_then(|a| a.get("publisher")).and_then(names));

    let language = doc
        .select("html")
        .attr("lang")
        .and_then(|l| clean(&l))
        .or_else(|| {
            doc.try_select("meta[http-equiv=\"content-language\" i]")
                .and_then(|s| s.attr("content"))
                .and_then(|c| clean(&c))
        })
        .or_else(|| ld.as_ref().and_then(|a| str_field(a, "inLanguage")))
        .or_else(|| meta(&["og:locale"]).map(|l| l.replace('_', "-")));

    let body = ld
        .as_ref()
        .and_then(|a| a.get("articleBody"))
        .and_then(Value::as_str)
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty());

    PageMeta {
        title,
        byline,
        published,
        canonical,
        site_name,
        language,
        body,
    }
}

/// The first JSON-LD object of an article type, searched through arrays and `@graph`.
fn json_ld(doc: &Document) -> Option<Value> {
    for node in doc.select("script[type=\"application/ld+json\" i]").nodes() {
        let raw = node.text();
        let raw = raw
            .trim()
            .trim_start_matches("<!--")
            .trim_end_matches("-->")
            .trim()
            .trim_start_matches("//<![CDATA[")
            .trim_end_matches("//]]>");
        let Ok(v) = serde_json::from_str::<Value>(raw) else {
            continue;
        };
        if let Some(found) = find_article(&v, 0) {
            return Some(found.clone());
        }
    }
    None
}

fn find_article(v: &Value, depth: usize) -> Option<&Value> {
    if depth > 6 {
        return None;
    }
    match v {
        Value::Array(items) => items.iter().find_map(|i| find_article(i, depth + 1)),
        Value::Object(map) => {
            let is_article = match map.get("@type") {
                Some(Value::String(t)) => ARTICLE_TYPES.contains(&t.as_str()),
                Some(Value::Array(ts)) => ts
                    .iter()
                    .filter_map(Value::as_str)
                    .any(|t| ARTICLE_TYPES.contains(&t)),
                _ => false,
            };
            if is_article {
                return Some(v);
            }
            map.get("@graph")
                .or_else(|| map.get("mainEntity"))
                .and_then(|g| find_article(g, depth + 1))
        }
        _ => None,
    }
}

fn str_field(v: &Value, key: &str) -> Option<String> {
    match v.get(key)? {
        Value::String(s) => clean(s),
        Value::Array(a) => a.iter().filter_map(Value::as_str).find_map(clean),
        _ => None,
    }
}

/// Names from a JSON-LD person or organization, a list of them, or a plain string.
fn names(v: &Value) -> Option<String> {
    let mut out: Vec<String> = Vec::new();
    let mut push = |s: &str| {
        if let Some(c) = clean(s) {
            if !looks_like_url(&c) && !out.contains(&c) {
                out.push(c);
            }
        }
    };
    match v {
        Value::String(s) => push(s),
        Value::Object(m) => {
            if let Some(n) = m.get("name").and_then(Value::as_str) {
                push(n)
            }
        }
        Value::Array(items) => {
            for i in items {
                match i {
                    Value::String(s) => push(s),
                    Value::Object(m) => {
                        if let Some(n) = m.get("name").and_then(Value::as_str) {
                            push(n)
                        }
                    }
                    _ => {}
                }
            }
        }
        _ => {}
    }
    (!out.is_empty()).then(|| out.join(", "))
}

fn looks_like_url(s: &str) -> bool {
    s.starts_with("http://") || s.starts_with("https://") || s.starts_with("www.")
}

fn strip_by(s: &str) -> String {
    let t = s.trim();
    for p in ["By ", "by ", "BY "] {
        if let Some(rest) = t.strip_prefix(p) {
            return rest.trim().to_string();
        }
    }
    t.to_string()
}

/// Collapses whitespace; `None` for blank.
fn clean(s: &str) -> Option<String> {
    crate::feed::clean(s)
}

/// Dates as pages write them: RFC 3339 (with or without a colon in the offset, with or
/// without seconds), RFC 2822, a naive date-time (taken as UTC), or a bare date (midnight
/// UTC). Epoch seconds and milliseconds too, which a few CMSs put in meta tags.
pub fn parse_date(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    if let Ok(d) = DateTime::parse_from_rfc3339(s) {
        return Some(d.with_timezone(&Utc));
    }
    if let Ok(d) = DateTime::parse_from_rfc2822(s) {
        return Some(d.with_timezone(&Utc));
    }
    for f in [
        "%Y-%m-%dT%H:%M:%S%.f%z",
        "%Y-%m-%dT%H:%M%z",
        "%Y-%m-%d %H:%M:%S%.f%z",
        "%Y-%m-%d %H:%M:%S %z",
    ] {
        if let Ok(d) = DateTime::parse_from_str(s, f) {
            return Some(d.with_timezone(&Utc));
        }
    }
    let no_z = s.trim_end_matches('Z');
    for f in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
        "%Y/%m/%d %H:%M:%S",
    ] {
        if let Ok(d) = NaiveDateTime::parse_from_str(no_z, f) {
            return Some(d.and_utc());
        }
    }
    for f in ["%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%B %d, %Y", "%d %B %Y"] {
        if let Ok(d) = NaiveDate::parse_from_str(s, f) {
            return d.and_hms_opt(0, 0, 0).map(|d| d.and_utc());
        }
    }
    // A date with trailing text ("2019-11-19 | 08:00 EST") still has its date.
    if s.len() > 10 && s.is_char_boundary(10) {
        if let Ok(d) = NaiveDate::parse_from_str(&s[..10], "%Y-%m-%d") {
            return d.and_hms_opt(0, 0, 0).map(|d| d.and_utc());
        }
    }
    if s.len() >= 9 && s.bytes().all(|b| b.is_ascii_digit()) {
        let n: i64 = s.parse().ok()?;
        let secs = if n > 100_000_000_000 { n / 1000 } else { n };
        return DateTime::from_timestamp(secs, 0);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> String {
        parse_date(s).map(|d| d.to_rfc3339()).unwrap_or_default()
    }

    #[test]
    fn date_forms() {
        assert_eq!(d("2019-11-19T08:00:00+00:00"), "2019-11-19T08:00:00+00:00");
        assert_eq!(d("2019-11-19T08:00:00+0100"), "2019-11-19T07:00:00+00:00");
        assert_eq!(
            d("2019-11-19T08:00:00.123Z"),
            "2019-11-19T08:00:00.123+00:00"
        );
        assert_eq!(d("2019-11-19T08:00"), "2019-11-19T08:00:00+00:00");
        assert_eq!(
            d("Tue, 19 Nov 2019 08:00:00 GMT"),
            "2019-11-19T08:00:00+00:00"
        );
        assert_eq!(d("2019-11-19"), "2019-11-19T00:00:00+00:00");
        assert_eq!(d("November 19, 2019"), "2019-11-19T00:00:00+00:00");
        assert_eq!(d("1574150400"), "2019-11-19T08:00:00+00:00");
        assert_eq!(d("yesterday"), "");
    }

    #[test]
    fn json_ld_in_a_graph() {
        let html = r#"<html lang="en-GB"><head>
            <script type="application/ld+json">{"@context":"https://schema.org","@graph":[
              {"@type":"WebSite","name":"X"},
              {"@type":["NewsArticle"],"headline":"Talks resume","datePublished":"2024-05-02T10:00:00Z",
               "author":[{"@type":"Person","name":"A. Writer"},{"@type":"Person","name":"B. Writer"}],
               "publisher":{"@type":"Organization","name":"The Daily Example"}}]}</script>
            </head><body></body></html>"#;
        let m = read(&Document::from(html));
        assert_eq!(m.title.as_deref(), Some("Talks resume"));
        assert_eq!(m.byline.as_deref(), Some("A. Writer, B. Writer"));
        assert_eq!(m.site_name.as_deref(), Some("The Daily Example"));
        assert_eq!(m.language.as_deref(), Some("en-GB"));
        assert_eq!(
            m.published.map(|d| d.to_rfc3339()).as_deref(),
            Some("2024-05-02T10:00:00+00:00")
        );
    }

    #[test]
    fn meta_tags_and_time() {
        let html = r#"<html><head><title>Page | Site</title>
            <meta property="og:site_name" content="Site">
            <meta name="author" content="https://facebook.com/someone">
            <link rel="canonical" href="/world/story">
            </head><body><h1> The  headline </h1><p class="byline">By Jane Roe</p>
            <time datetime="2023-01-02">2 Jan</time></body></html>"#;
        let m = read(&Document::from(html));
        assert_eq!(m.title.as_deref(), Some("The headline"));
        assert_eq!(m.byline.as_deref(), Some("Jane Roe"));
        assert_eq!(m.canonical.as_deref(), Some("/world/story"));
        assert_eq!(m.site_name.as_deref(), Some("Site"));
        assert!(m.published.is_some());
    }
}
