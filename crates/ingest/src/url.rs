//! Canonical URLs: one spelling per page, so that the same article reached through a feed,
//! a share button and a search result is stored once.
//!
//! What changes: scheme and host are lowercased and default ports dropped (the `url` crate
//! does both when it parses), the fragment goes, tracking parameters go (the list is data:
//! `data/tracking-params.txt`), the remaining query parameters are sorted, and a trailing
//! slash is dropped from any path but `/`. What does not: the path's case and the host's
//! `www.` (both can name a different page on some sites).

use crate::error::IngestError;

const TRACKING: &str = include_str!("../data/tracking-params.txt");

fn is_tracking(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    TRACKING
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .any(|p| match p.strip_suffix('*') {
            Some(prefix) => lower.starts_with(&prefix.to_ascii_lowercase()),
            None => lower == p.to_ascii_lowercase(),
        })
}

/// The canonical form of an absolute http(s) URL.
///
/// ```
/// let u = ingest::url::canonicalize("HTTPS://News.Example.COM:443/world/story/?utm_source=x&b=2&a=1#top").unwrap();
/// assert_eq!(u, "https://news.example.com/world/story?a=1&b=2");
/// ```
pub fn canonicalize(input: &str) -> Result<String, IngestError> {
    let url = ::url::Url::parse(input.trim()).map_err(|e| IngestError::Url {
        input: input.to_string(),
        message: e.to_string(),
    })?;
    finish(input, url)
}

/// Resolves `href` (possibly relative, as found in a page) against `base`, then
/// canonicalizes it.
pub fn resolve(base: Option<&str>, href: &str) -> Result<String, IngestError> {
    let href = href.trim();
    let parsed = match base.and_then(|b| ::url::Url::parse(b).ok()) {
        Some(b) => b.join(href),
        None => ::url::Url::parse(href),
    };
    let url = parsed.map_err(|e| IngestError::Url {
        input: href.to_string(),
        message: e.to_string(),
    })?;
    finish(href, url)
}

fn finish(input: &str, mut url: ::url::Url) -> Result<String, IngestError> {
    if !matches!(url.scheme(), "http" | "https") {
        return Err(IngestError::Url {
            input: input.to_string(),
            message: format!("scheme {} is not http or https", url.scheme()),
        });
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(IngestError::Url {
            input: input.to_string(),
            message: "no host".into(),
        });
    }
    url.set_fragment(None);
    let mut pairs: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| !is_tracking(k))
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    pairs.sort();
    if pairs.is_empty() {
        url.set_query(None);
    } else {
        url.query_pairs_mut().clear().extend_pairs(pairs);
    }
    let path = url.path().to_string();
    if path.len() > 1 && path.ends_with('/') {
        url.set_path(path.trim_end_matches('/'));
        if url.path().is_empty() {
            url.set_path("/");
        }
    }
    Ok(url.into())
}

/// The host of a URL without `www.`, as a fallback name for the outlet.
pub fn site_of(input: &str) -> Option<String> {
    let url = ::url::Url::parse(input).ok()?;
    let host = url.host_str()?;
    Some(host.strip_prefix("www.").unwrap_or(host).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, expected: &str) {
        assert_eq!(canonicalize(input).unwrap(), expected, "input: {input}");
    }

    #[test]
    fn canonical_forms() {
        check("http://Example.com:80/a/", "http://example.com/a");
        check("https://example.com:8443/a", "https://example.com:8443/a");
        check("https://example.com", "https://example.com/");
        check("https://example.com/?", "https://example.com/");
        check(
            "https://example.com/a?fbclid=1&gclid=2&ocid=3&cmpid=4&UTM_Medium=5",
            "https://example.com/a",
        );
        check(
            "https://example.com/a?z=1&id=7&a=2#comments",
            "https://example.com/a?a=2&id=7&z=1",
        );
        check(
            "https://example.com/A/B.html",
            "https://example.com/A/B.html",
        );
        check("https://example.com/a///", "https://example.com/a");
    }

    #[test]
    fn non_web_urls_are_refused() {
        assert!(canonicalize("mailto:x@example.com").is_err());
        assert!(canonicalize("javascript:void(0)").is_err());
        assert!(canonicalize("not a url").is_err());
    }

    #[test]
    fn relative_links_resolve_against_the_page() {
        assert_eq!(
            resolve(
                Some("https://example.com/world/x.html"),
                "../politics/y?utm_source=rss"
            )
            .unwrap(),
            "https://example.com/politics/y"
        );
    }

    #[test]
    fn site_drops_www() {
        assert_eq!(
            site_of("https://www.example.co.uk/x").as_deref(),
            Some("example.co.uk")
        );
    }
}
