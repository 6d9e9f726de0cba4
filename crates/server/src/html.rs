//! HTML built safely by construction: [`Markup`] takes markup only as `&'static str` literals
//! and escapes every other string, so text from a feed cannot become a tag or an attribute.
//!
//! Links to the outside go through [`Markup::href`], which writes an address only when it is
//! `http:` or `https:` (a `javascript:` or `data:` address is dropped, and the link becomes
//! plain text); links inside the site are built from path segments that [`segment`]
//! percent-encodes.
//!
//! ```
//! use server::html::Markup;
//! let mut m = Markup::new();
//! m.raw("<p>").text("<script>alert(1)</script>").raw("</p>");
//! assert_eq!(m.as_str(), "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>");
//! ```

use chrono::{DateTime, Utc};
use std::fmt::Write;

/// A piece of HTML; see the module note for why it only takes literals as markup.
#[derive(Clone, Debug, Default)]
pub struct Markup(String);

/// Integers, which need no escaping.
pub trait Integer: std::fmt::Display {}
impl Integer for i64 {}
impl Integer for i32 {}
impl Integer for u32 {}
impl Integer for u64 {}
impl Integer for usize {}

impl Markup {
    pub fn new() -> Markup {
        Markup(String::new())
    }
    /// Markup written in this crate.
    pub fn raw(&mut self, s: &'static str) -> &mut Markup {
        self.0.push_str(s);
        self
    }
    /// Text, escaped for element content and quoted attribute values alike.
    pub fn text(&mut self, s: &str) -> &mut Markup {
        escape_into(&mut self.0, s);
        self
    }
    pub fn num(&mut self, n: impl Integer) -> &mut Markup {
        let _ = write!(self.0, "{n}");
        self
    }
    /// A path segment inside the site (an id, a speaker's name), percent-encoded.
    pub fn segment(&mut self, s: &str) -> &mut Markup {
        self.0.push_str(&segment(s));
        self
    }
    /// A date and time as "2025-03-03 07:40" (UTC).
    pub fn time(&mut self, t: &DateTime<Utc>) -> &mut Markup {
        let _ = write!(self.0, "{}", t.format("%Y-%m-%d %H:%M"));
        self
    }
    /// `<a href="URL" rel="noopener noreferrer nofollow">TEXT</a>` when `url` is http(s),
    /// else the text alone.
    pub fn href(&mut self, url: Option<&str>, text: &str) -> &mut Markup {
        match url.and_then(safe_url) {
            Some(u) => self
                .raw("<a class=\"out\" rel=\"noopener noreferrer nofollow\" href=\"")
                .text(&u)
                .raw("\">")
                .text(text)
                .raw("</a>"),
            None => self.text(text),
        }
    }
    pub fn push(&mut self, other: &Markup) -> &mut Markup {
        self.0.push_str(&other.0);
        self
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    pub fn into_string(self) -> String {
        self.0
    }
}

fn escape_into(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

/// `s` escaped for HTML.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    escape_into(&mut out, s);
    out
}

/// `s` percent-encoded for one path segment: everything but unreserved characters.
pub fn segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// The address, normalized, when it is an absolute http or https URL; `None` otherwise
/// (`javascript:`, `data:`, relative, unparseable).
pub fn safe_url(url: &str) -> Option<String> {
    let parsed = url::Url::parse(url.trim()).ok()?;
    matches!(parsed.scheme(), "http" | "https").then(|| parsed.to_string())
}

/// A whole page: the layout around `body`. `current` names the navigation entry to mark.
pub fn page(title: &str, current: &str, body: Markup) -> Markup {
    let mut m = Markup::new();
    m.raw(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <link rel=\"stylesheet\" href=\"/static/style.css\">\
         <script src=\"/static/app.js\" defer></script><title>",
    )
    .text(title)
    .raw(" · claimtrail</title></head><body><header><nav><a class=\"brand\" href=\"/\">claimtrail</a>");
    for (path, label, key) in [
        ("/", "Stories", "stories"),
        ("/feeds", "Feeds", "feeds"),
        ("/api/openapi.json", "API", "api"),
    ] {
        m.raw("<a href=\"").raw(path).raw("\"");
        if key == current {
            m.raw(" aria-current=\"page\"");
        }
        m.raw(">").raw(label).raw("</a>");
    }
    m.raw(
        "<form class=\"search\" action=\"/search\" method=\"get\" role=\"search\">\
         <input type=\"search\" name=\"q\" placeholder=\"Search articles and statements\" \
         aria-label=\"Search\"><button type=\"submit\">Search</button></form></nav>\
         <p id=\"live-status\" class=\"live-status\" aria-live=\"polite\"></p></header><main>",
    )
    .push(&body)
    .raw("</main><footer>claimtrail · <a href=\"/api/openapi.json\">HTTP API</a></footer></body></html>\n");
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_and_literals_are_not() {
        let mut m = Markup::new();
        m.raw("<b title=\"")
            .text("\"><script>'&")
            .raw("\">")
            .text("a<b")
            .raw("</b>");
        assert_eq!(
            m.as_str(),
            "<b title=\"&quot;&gt;&lt;script&gt;&#39;&amp;\">a&lt;b</b>"
        );
    }

    #[test]
    fn only_http_links_become_links() {
        let mut m = Markup::new();
        m.href(Some("javascript:alert(1)"), "x")
            .href(Some(" JAVASCRIPT:alert(1)"), "y")
            .href(Some("data:text/html,hi"), "z")
            .href(Some("https://example.com/a?b=\"c\""), "ok");
        let s = m.into_string();
        assert!(!s.to_lowercase().contains("javascript:"), "{s}");
        assert!(!s.contains("data:"), "{s}");
        assert!(
            s.contains("href=\"https://example.com/a?b=%22c%22\""),
            "{s}"
        );
    }

    #[test]
    fn segments_are_percent_encoded() {
        assert_eq!(segment("Arvid Tallinger/é"), "Arvid%20Tallinger%2F%C3%A9");
    }
}
