//! Watches over the API: adding one (token-protected, secret returned once), listing,
//! deliveries after a matching article is posted, removing, private webhooks refused, and
//! errors as `{"error": ...}`.

#[path = "../../../app/tests/support/receiver.rs"]
mod receiver;

use crate::support::{delete, get, post, post_json, shared, start, tracker_with_sample, unique};
use receiver::Receiver;
use serde_json::json;
use server::Config;

const TOKEN: &str = "watch-token-0123456789";

#[test]
fn a_watch_added_over_the_api_delivers_a_signed_match_and_can_be_removed() {
    let rx = Receiver::start(&[]);
    let mut config = Config::new("127.0.0.1:0".parse().unwrap());
    config.token = Some(TOKEN.into());
    config.allow_private_webhooks = true;
    let s = start(tracker_with_sample(), config);
    let word = unique("Quillmoor");
    let body = json!({"kind": "keyword", "value": word, "webhook": rx.url("/hook")});
    let url = format!("{}/api/watches", s.base);

    let refused = post_json(&url, &body);
    assert_eq!(
        refused.status, 401,
        "writes need the token: {}",
        refused.body
    );
    let bearer = format!("Bearer {TOKEN}");
    let headers = [
        ("content-type", "application/json"),
        ("authorization", bearer.as_str()),
    ];
    let r = post(&url, &body.to_string(), &headers);
    assert_eq!(r.status, 201, "{}", r.body);
    let w = r.json();
    let id = w["id"].as_i64().unwrap();
    let secret = w["secret"].as_str().unwrap().to_string();
    assert_eq!(secret.len(), 64, "a generated secret, shown once: {w}");
    assert_eq!(
        (w["kind"].as_str(), w["value"].as_str()),
        (Some("keyword"), Some(word.as_str()))
    );

    let listed = get(&url).json();
    let mine = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["id"] == id)
        .unwrap_or_else(|| panic!("watch {id} listed: {listed}"))
        .clone();
    assert!(
        mine.get("secret").is_none(),
        "the list never shows the secret: {mine}"
    );
    assert_eq!(mine["secret_hint"].as_str(), Some(&secret[..6]));

    let article = json!({
        "source": "Test Wire",
        "title": format!("{word} harbour reopens"),
        "text": format!("The harbour of {word} reopened on Tuesday, port director Mira Holt said. \"Ships are moving again,\" Holt told reporters.")
    });
    let added = post(
        &format!("{}/api/articles", s.base),
        &article.to_string(),
        &headers,
    );
    assert_eq!(added.status, 201, "{}", added.body);
    let config = app::alerts::AlertConfig {
        allow_private: true,
        ..app::alerts::AlertConfig::default()
    };
    let (scan, sent) = app::alerts::run_once(s.tracker.store().as_ref(), &config).unwrap();
    assert_eq!((scan.enqueued, sent.delivered), (1, 1), "{scan:?} {sent:?}");
    let got = rx.received();
    assert_eq!(got.len(), 1);
    let ts: i64 = got[0]
        .header("x-claimtrail-timestamp")
        .unwrap()
        .parse()
        .unwrap();
    let sig = got[0].header("x-claimtrail-signature").unwrap();
    assert!(app::alerts::verify_signature(
        &secret,
        ts,
        &got[0].body,
        sig
    ));
    assert_eq!(
        got[0].json()["article"]["title"],
        format!("{word} harbour reopens")
    );

    let deliveries = get(&format!("{url}/{id}/deliveries")).json();
    let list = deliveries.as_array().unwrap();
    assert_eq!(list.len(), 1, "{deliveries}");
    assert_eq!(list[0]["status"], "delivered");
    assert_eq!(list[0]["event"]["watch"]["id"], id);
    assert_eq!(
        got[0].header("x-claimtrail-delivery"),
        Some(list[0]["id"].to_string().as_str())
    );

    let del = format!("{url}/{id}");
    assert_eq!(
        delete(&del, &[]).status,
        401,
        "removing needs the token too"
    );
    let auth = [("authorization", bearer.as_str())];
    let r = delete(&del, &auth);
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["removed"], true);
    assert_eq!(delete(&del, &auth).status, 404);
    assert_eq!(get(&format!("{del}/deliveries")).status, 404);
    s.stop().unwrap();
}

#[test]
fn private_webhooks_and_bad_watches_are_refused() {
    let s = shared();
    let url = format!("{}/api/watches", s.base);
    for (body, needle) in [
        (
            json!({"kind": "keyword", "value": "x", "webhook": "http://127.0.0.1:9/h"}),
            "non-public",
        ),
        (
            json!({"kind": "keyword", "value": "x", "webhook": "http://169.254.169.254/"}),
            "non-public",
        ),
        (
            json!({"kind": "colour", "value": "x", "webhook": "https://example.com/h"}),
            "kind",
        ),
        (
            json!({"kind": "keyword", "value": "  ", "webhook": "https://example.com/h"}),
            "word",
        ),
        (
            json!({"kind": "keyword", "value": "x", "webhook": "ftp://example.com/h"}),
            "http",
        ),
        (json!({"kind": "keyword", "value": "x"}), "webhook"),
    ] {
        let r = post_json(&url, &body);
        assert_eq!(r.status, 400, "{body}: {}", r.body);
        let e = r.json()["error"].as_str().unwrap_or("").to_string();
        assert!(e.contains(needle), "{body}: {e}");
    }
    for path in ["/api/watches/abc/deliveries", "/api/watches/abc"] {
        let r = if path.ends_with("abc") {
            delete(&format!("{}{path}", s.base), &[])
        } else {
            get(&format!("{}{path}", s.base))
        };
        assert_eq!(r.status, 400, "{path}: {}", r.body);
    }
    assert_eq!(get(&format!("{url}/987654/deliveries")).status, 404);
}
