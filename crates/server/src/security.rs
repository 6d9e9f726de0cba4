//! The server's defences against hostile feed content and hostile callers, in one place.
//!
//! - Every response carries a Content-Security-Policy that allows scripts, styles and
//!   connections from this origin only and no inline script or style: even if an escaping bug
//!   let a feed's `<script>` through, the browser would not run it. Pages therefore keep all
//!   behaviour in `/static/app.js` and all looks in `/static/style.css`.
//! - Writes (POST, PUT, PATCH, DELETE) from a browser on another site are refused by their
//!   `Sec-Fetch-Site` header, so a page elsewhere cannot make a visitor's browser add feeds
//!   (the JSON endpoints also insist on `application/json`, which a cross-site form cannot
//!   send).
//! - When a token is configured, every write under `/api/` needs `Authorization: Bearer
//!   TOKEN` and every form post a `token` field; [`check_listen`] refuses to listen beyond
//!   loopback without one, because there anyone on the network could write.

use crate::{ApiError, AppState, ServerError};
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::net::SocketAddr;

/// The policy every response carries. `img-src data:` is for nothing yet but costs nothing;
/// inline SVG charts are markup, not images, and need no source.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; \
     form-action 'self'; frame-ancestors 'none'";

/// Shortest token accepted for listening beyond loopback.
pub const MIN_TOKEN_LEN: usize = 16;

/// Refuses a non-loopback address unless a token of at least [`MIN_TOKEN_LEN`] characters
/// is set.
///
/// ```
/// let lan: std::net::SocketAddr = "0.0.0.0:8080".parse().unwrap();
/// assert!(server::check_listen(lan, None).is_err());
/// assert!(server::check_listen(lan, Some("a-long-random-secret")).is_ok());
/// assert!(server::check_listen("127.0.0.1:8080".parse().unwrap(), None).is_ok());
/// ```
pub fn check_listen(addr: SocketAddr, token: Option<&str>) -> Result<(), ServerError> {
    if addr.ip().is_loopback() {
        return Ok(());
    }
    match token {
        Some(t) if t.chars().count() >= MIN_TOKEN_LEN => Ok(()),
        _ => Err(ServerError::TokenRequired {
            addr,
            min: MIN_TOKEN_LEN,
        }),
    }
}

/// Adds the security headers to every response.
pub async fn headers(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::HeaderName::from_static("cross-origin-opener-policy"),
        HeaderValue::from_static("same-origin"),
    );
    res
}

fn is_write(m: &Method) -> bool {
    matches!(
        *m,
        Method::POST | Method::PUT | Method::PATCH | Method::DELETE
    )
}

/// Refuses cross-site writes, and API writes without the token when one is configured.
pub async fn guard_writes(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if !is_write(req.method()) {
        return next.run(req).await;
    }
    let site = req
        .headers()
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok());
    if let Some(site) = site {
        if !matches!(site, "same-origin" | "none") {
            return ApiError::new(StatusCode::FORBIDDEN, "cross-site writes are refused")
                .into_response();
        }
    }
    if req.uri().path().starts_with("/api/") {
        if let Some(token) = state.token.as_deref() {
            let given = req
                .headers()
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("Bearer "))
                .map(str::trim);
            if !given.is_some_and(|g| same_secret(g, token)) {
                let mut res = ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    "this server needs `Authorization: Bearer TOKEN` for writes",
                )
                .into_response();
                res.headers_mut()
                    .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
                return res;
            }
        }
    }
    next.run(req).await
}

/// Compares without stopping at the first difference, so timing does not reveal a prefix.
pub fn same_secret(given: &str, expected: &str) -> bool {
    let (a, b) = (given.as_bytes(), expected.as_bytes());
    let mut diff = a.len() ^ b.len();
    for (i, &y) in b.iter().enumerate() {
        let x = a.get(i).copied().unwrap_or(0);
        diff |= usize::from(x ^ y);
    }
    diff == 0
}

/// For form posts: whether the form's `token` field satisfies the configured token.
pub fn form_token_ok(state: &AppState, given: Option<&str>) -> bool {
    match state.token.as_deref() {
        None => true,
        Some(t) => given.is_some_and(|g| same_secret(g.trim(), t)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_compare_by_whole_value() {
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("ab", "abc"));
        assert!(!same_secret("abcd", "abc"));
        assert!(!same_secret("", "abc"));
    }

    #[test]
    fn loopback_needs_no_token_and_the_rest_needs_a_long_one() {
        let v6: SocketAddr = "[::1]:80".parse().unwrap_or_else(|_| unreachable!());
        assert!(check_listen(v6, None).is_ok());
        let any: SocketAddr = "[::]:80".parse().unwrap_or_else(|_| unreachable!());
        assert!(check_listen(any, None).is_err());
        assert!(check_listen(any, Some("short")).is_err());
        assert!(check_listen(any, Some("0123456789abcdef")).is_ok());
    }
}
