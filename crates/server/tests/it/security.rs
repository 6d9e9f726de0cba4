//! Headers on every response, the token on writes, cross-site writes refused, and the guard
//! that keeps a token-less server on loopback.

use crate::support::{delete, get, post, post_json, shared, start, unique};
use serde_json::json;

#[test]
fn every_response_has_the_security_headers() {
    let s = shared();
    for path in [
        "/",
        "/feeds",
        "/api/stories",
        "/api/nothing",
        "/static/app.js",
        "/stories/x",
    ] {
        let r = get(&format!("{}{path}", s.base));
        let csp = r
            .header("content-security-policy")
            .unwrap_or_else(|| panic!("{path}: no CSP"));
        assert!(csp.contains("default-src 'self'"), "{path}: {csp}");
        assert!(
            csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
            "{csp}"
        );
        assert_eq!(
            r.header("x-content-type-options"),
            Some("nosniff"),
            "{path}"
        );
        assert_eq!(r.header("referrer-policy"), Some("no-referrer"), "{path}");
    }
}

#[test]
fn pages_have_no_inline_script_or_style() {
    let s = shared();
    let page = get(&format!("{}/", s.base)).body;
    assert!(!page.contains("style=\""), "inline style attribute");
    assert!(!page.contains("<style"), "inline style element");
    let scripts = page.matches("<script").count();
    assert_eq!(scripts, 1, "only the external app.js");
    assert!(page.contains("<script src=\"/static/app.js\" defer></script>"));
}

#[test]
fn the_guard_refuses_non_loopback_addresses_without_a_token() {
    let any = "0.0.0.0:8080".parse().unwrap();
    let err = server::check_listen(any, None).unwrap_err().to_string();
    assert!(err.contains("CLAIMTRAIL_TOKEN"), "{err}");
    assert!(server::check_listen(any, Some("short")).is_err());
    assert!(server::check_listen(any, Some("a-long-enough-secret")).is_ok());
    assert!(server::check_listen("127.0.0.1:0".parse().unwrap(), None).is_ok());
    assert!(server::check_listen("[::1]:0".parse().unwrap(), None).is_ok());
    let lan = "192.168.1.10:8080".parse().unwrap();
    assert!(server::check_listen(lan, None).is_err());
    // serve_blocking checks before binding anything.
    let config = server::Config::new(lan);
    let err = server::serve_blocking(config, shared().tracker.clone(), |_| {
        panic!("must not listen")
    });
    assert!(
        matches!(err, Err(server::ServerError::TokenRequired { .. })),
        "{err:?}"
    );
}

#[test]
fn with_a_token_writes_need_it_and_reads_do_not() {
    const TOKEN: &str = "test-token-0123456789";
    let mut config = server::Config::new("127.0.0.1:0".parse().unwrap());
    config.token = Some(TOKEN.into());
    let s = start(shared().tracker.clone(), config);
    let url = format!("https://{}.example/feed", unique("tok"));
    let body = json!({"url": url}).to_string();
    let feeds = format!("{}/api/feeds", s.base);
    let ct = ("content-type", "application/json");

    let r = post(&feeds, &body, &[ct]);
    assert_eq!(r.status, 401, "{}", r.body);
    assert_eq!(r.header("www-authenticate"), Some("Bearer"));
    assert!(r.json()["error"].as_str().unwrap().contains("Bearer"));
    let r = post(
        &feeds,
        &body,
        &[ct, ("authorization", "Bearer wrong-token-0123456789")],
    );
    assert_eq!(r.status, 401);
    let auth = format!("Bearer {TOKEN}");
    let r = post(&feeds, &body, &[ct, ("authorization", &auth)]);
    assert_eq!(r.status, 201, "{}", r.body);

    assert_eq!(get(&feeds).status, 200, "reads need no token");
    assert_eq!(get(&format!("{}/", s.base)).status, 200);

    let del = format!("{feeds}?url={}", server::html::segment(&url));
    assert_eq!(delete(&del, &[]).status, 401);
    assert_eq!(delete(&del, &[("authorization", &auth)]).status, 200);

    // The feeds page asks for the token, and a form post without it is refused.
    assert!(get(&format!("{}/feeds", s.base))
        .body
        .contains("name=\"token\""));
    let form = [("content-type", "application/x-www-form-urlencoded")];
    let r = post(
        &format!("{}/feeds", s.base),
        "url=https%3A%2F%2Fexample.com%2Ff",
        &form,
    );
    assert_eq!(r.status, 401);
    let ok = format!(
        "url=https%3A%2F%2F{}.example%2Ff&token={TOKEN}",
        unique("tokform")
    );
    assert_eq!(post(&format!("{}/feeds", s.base), &ok, &form).status, 303);
    s.stop().unwrap();
}

#[test]
fn cross_site_writes_are_refused() {
    let s = shared();
    let r = post(
        &format!("{}/feeds", s.base),
        "url=https%3A%2F%2Fevil.example%2Ffeed",
        &[
            ("content-type", "application/x-www-form-urlencoded"),
            ("sec-fetch-site", "cross-site"),
        ],
    );
    assert_eq!(r.status, 403, "{}", r.body);
    let r = post_json(
        &format!("{}/api/feeds", s.base),
        &json!({"url": "https://evil.example/"}),
    );
    assert_eq!(
        r.status, 201,
        "no Sec-Fetch-Site (not a browser) is allowed on loopback"
    );
}
