//! The HTML pages: what each shows, and that feed content is shown as text everywhere.

use crate::support::{get, post, post_json, sample_story, shared, unique};
use serde_json::json;

/// Our own one script tag; any other `<script` in a page is an escaping bug.
const OUR_SCRIPT: &str = "<script src=\"/static/app.js\" defer></script>";

fn assert_no_markup_from_feeds(page: &str, what: &str) {
    let rest = page.replacen(OUR_SCRIPT, "", 1);
    let lower = rest.to_ascii_lowercase();
    assert!(
        !lower.contains("<script"),
        "{what} has a raw <script: {page}"
    );
    assert!(
        !lower.contains("href=\"javascript:"),
        "{what} links to javascript: {page}"
    );
    assert!(!lower.contains("<img"), "{what} has a raw <img: {page}");
}

#[test]
fn the_front_page_lists_the_sample_story_with_a_chart() {
    let s = shared();
    let r = get(&format!("{}/", s.base));
    assert_eq!(r.status, 200);
    assert!(r.header("content-type").unwrap().starts_with("text/html"));
    assert!(r.body.contains("Estmark"), "{}", r.body);
    assert!(r.body.contains("<svg class=\"chart\""), "{}", r.body);
    assert!(r.body.contains("id=\"live-list\""));
    assert!(r.body.contains("Meridian Wire"));
}

#[test]
fn the_story_page_has_claims_statements_and_folded_copies() {
    let s = shared();
    let id = sample_story(&s.base);
    let view = get(&format!("{}/api/stories/{id}", s.base)).json();
    let claims = view["claims"].as_array().expect("claims").len();
    let r = get(&format!("{}/stories/{id}", s.base));
    assert_eq!(r.status, 200);
    assert!(r.body.contains("id=\"claims\""), "{}", r.body);
    if claims > 0 {
        assert!(r.body.contains("<table class=\"matrix\">"), "{}", r.body);
        assert!(r.body.contains("class=\"stance stance-"), "{}", r.body);
        let rows = r.body.matches("<tr><th scope=\"row\">").count();
        assert_eq!(rows, claims, "one matrix row per claim");
    } else {
        assert!(r.body.contains("No claims yet"), "{}", r.body);
    }
    assert!(r.body.contains("id=\"timeline\""));
    assert!(r.body.contains("class=\"statement\""));
    assert!(r.body.contains("<details class=\"copies\">"), "{}", r.body);
    assert!(r.body.contains("href=\"/speakers/"));
    assert_eq!(get(&format!("{}/stories/424242", s.base)).status, 404);
}

#[test]
fn a_story_without_statements_says_no_claims_yet() {
    let s = shared();
    let word = unique("Tessaly");
    let r = post_json(
        &format!("{}/api/articles", s.base),
        &json!({"title": format!("{word} lighthouse repainted"),
                "text": format!("The {word} lighthouse was repainted white and red this week.")}),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let story = r.json()["story"].as_i64().unwrap();
    let view = get(&format!("{}/api/stories/{story}", s.base)).json();
    assert_eq!(view["claims"], json!([]), "{view}");
    let page = get(&format!("{}/stories/{story}", s.base)).body;
    assert!(page.contains("No claims yet"), "{page}");
    assert!(!page.contains("class=\"matrix\""), "{page}");
}

#[test]
fn the_article_page_marks_spans_by_code_points() {
    let s = shared();
    let id = sample_story(&s.base);
    let story = get(&format!("{}/api/stories/{id}", s.base)).json();
    let article = story["articles"][0]["id"].as_str().unwrap().to_string();
    let r = get(&format!("{}/articles/{article}", s.base));
    assert_eq!(r.status, 200);
    for class in ["cue", "quote", "ent ent-", "time"] {
        assert!(
            r.body.contains(&format!("<span class=\"{class}")),
            "{class}: {}",
            r.body
        );
    }
    // A quote with curly quotes and an accented name: marks must still fall on the words.
    let word = unique("Ostrava");
    let text = format!("Café owner Zoë Brandt said “{word} is calm tonight” on Tuesday.");
    let r = post_json(
        &format!("{}/api/articles", s.base),
        &json!({"title": word, "text": text, "source": "Test"}),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let id = r.json()["article"].as_str().unwrap().to_string();
    let page = get(&format!("{}/articles/{id}", s.base)).body;
    let v = get(&format!("{}/api/articles/{id}", s.base)).json();
    for t in v["analysis"]["times"].as_array().unwrap() {
        let marked = format!("{}</span>", t["text"].as_str().unwrap());
        assert!(page.contains(&marked), "{marked} in {page}");
    }
}

#[test]
fn hostile_titles_and_bodies_are_shown_as_text_everywhere() {
    let s = shared();
    let word = unique("Krell");
    let title = format!("<script>alert(1)</script> {word} <img src=x onerror=alert(2)>");
    let body = json!({
        "url": "javascript:alert(3)",
        "source": "<script>alert(4)</script>",
        "title": title,
        "text": format!("{word} harbour chief said: \"<script>alert(5)</script> see <a href=\\\"javascript:alert(6)\\\">this</a>\". Officials said the port was calm.")
    });
    let r = post_json(&format!("{}/api/articles", s.base), &body);
    assert_eq!(r.status, 201, "{}", r.body);
    let v = r.json();
    let id = v["article"].as_str().unwrap().to_string();
    let story = v["story"].as_i64().unwrap();
    let stored = get(&format!("{}/api/articles/{id}", s.base)).json();
    let speaker = stored["analysis"]["attributions"]
        .as_array()
        .unwrap()
        .iter()
        .find_map(|a| {
            a["speaker"]["name"]
                .as_str()
                .or(a["source"]["text"].as_str())
        })
        .unwrap_or("nobody")
        .to_string();
    let pages = [
        "/".to_string(),
        format!("/stories/{story}"),
        format!("/articles/{id}"),
        format!("/search?q={word}"),
        "/search?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E".to_string(),
        format!("/speakers/{}", server::html::segment(&speaker)),
        "/speakers/%3Cscript%3Ealert(7)%3C%2Fscript%3E".to_string(),
        "/feeds".to_string(),
    ];
    for p in &pages {
        let r = get(&format!("{}{p}", s.base));
        assert_eq!(r.status, 200, "{p}");
        assert_no_markup_from_feeds(&r.body, p);
    }
    let article = get(&format!("{}/articles/{id}", s.base)).body;
    assert!(
        article.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{article}"
    );
    assert!(
        article.contains("&lt;script&gt;alert(5)&lt;/script&gt;"),
        "{article}"
    );
    // The javascript: address is not a link; it is not even shown as one.
    assert!(!article.contains("alert(3)\""), "{article}");
}

#[test]
fn feeds_page_forms_add_and_remove_subscriptions() {
    let s = shared();
    let url = format!("https://{}.example/rss", unique("form"));
    let form = format!("url={}&kind=&title=Form+feed", server::html::segment(&url));
    let r = post(
        &format!("{}/feeds", s.base),
        &form,
        &[
            ("content-type", "application/x-www-form-urlencoded"),
            ("sec-fetch-site", "same-origin"),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(r.header("location"), Some("/feeds"));
    let page = get(&format!("{}/feeds", s.base)).body;
    assert!(page.contains("Form feed"), "{page}");
    assert!(page.contains("action=\"/feeds/remove\""));
    let r = post(
        &format!("{}/feeds/remove", s.base),
        &format!("url={}", server::html::segment(&url)),
        &[("content-type", "application/x-www-form-urlencoded")],
    );
    assert_eq!(r.status, 303);
    assert!(!get(&format!("{}/feeds", s.base)).body.contains("Form feed"));
}

#[test]
fn static_files_are_served_with_their_types() {
    let s = shared();
    let js = get(&format!("{}/static/app.js", s.base));
    assert_eq!(js.status, 200);
    assert!(js
        .header("content-type")
        .unwrap()
        .starts_with("text/javascript"));
    assert!(js.body.contains("EventSource(\"/api/events\")"));
    assert!(
        !js.body.contains("innerHTML"),
        "the script inserts text, never HTML"
    );
    let css = get(&format!("{}/static/style.css", s.base));
    assert!(css.header("content-type").unwrap().starts_with("text/css"));
}
