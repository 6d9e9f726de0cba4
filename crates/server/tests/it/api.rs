//! JSON API round trips: stories, story, article with analysis, search, speakers, feeds,
//! articles posted in the import format, analyze, and errors as `{"error": ...}`.

use crate::support::{delete, get, post, post_json, sample_story, shared, start, unique};
use serde_json::json;

#[test]
fn stories_list_the_sample_story_with_its_outlets() {
    let s = shared();
    let r = get(&format!("{}/api/stories", s.base));
    assert_eq!(r.status, 200);
    assert!(r
        .header("content-type")
        .unwrap_or("")
        .starts_with("application/json"));
    let list = r.json();
    let story = list
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["title"].as_str().unwrap_or("").contains("Estmark"))
        .max_by_key(|s| s["articles"].as_u64())
        .unwrap_or_else(|| panic!("no Estmark story in {list}"));
    assert!(story["articles"].as_u64().unwrap() >= 4, "{story}");
    let outlets = story["outlets"].as_array().unwrap();
    assert!(outlets.iter().any(|o| o == "Meridian Wire"), "{story}");
}

#[test]
fn a_story_folds_copies_under_originals_and_lists_statements() {
    let s = shared();
    let id = sample_story(&s.base);
    let v = get(&format!("{}/api/stories/{id}", s.base)).json();
    assert_eq!(v["id"], id);
    let articles = v["articles"].as_array().unwrap();
    assert!(
        articles
            .iter()
            .any(|a| !a["copies"].as_array().unwrap().is_empty()),
        "the wire story's copies are folded under it: {v}"
    );
    assert!(!v["statements"].as_array().unwrap().is_empty(), "{v}");
}

/// Every statement or article of the story, read a page of `limit` at a time from
/// `/api/stories/{id}/{what}`, checking each page's `total` and `offset` on the way.
fn all_pages(base: &str, id: i64, what: &str, limit: usize) -> (u64, Vec<serde_json::Value>) {
    let mut items = Vec::new();
    let mut total = None;
    loop {
        let url = format!(
            "{base}/api/stories/{id}/{what}?offset={}&limit={limit}",
            items.len()
        );
        let r = get(&url);
        assert_eq!(r.status, 200, "{url}: {}", r.body);
        let page = r.json();
        assert_eq!(page["story"], id, "{page}");
        assert_eq!(page["offset"], items.len(), "{page}");
        let t = page["total"].as_u64().expect("total");
        assert_eq!(*total.get_or_insert(t), t, "the story changed while paging");
        let got = page[what].as_array().expect("a list").clone();
        assert!(got.len() <= limit, "{url}: {} items", got.len());
        if got.is_empty() {
            assert_eq!(items.len() as u64, t, "{url}: an empty page before the end");
            return (t, items);
        }
        items.extend(got);
    }
}

#[test]
fn a_story_gives_its_latest_statements_and_articles_and_pages_through_the_rest() {
    let s = shared();
    let id = sample_story(&s.base);
    let url = format!("{}/api/stories/{id}", s.base);
    // A window larger than the sample story is all of it.
    let whole = get(&format!("{url}?statements=1000&articles=1000")).json();
    let statements = whole["statements"].as_array().unwrap().clone();
    let articles = whole["articles"].as_array().unwrap().clone();
    assert!(
        statements.len() >= 3,
        "the sample story has statements: {whole}"
    );
    assert!(articles.len() >= 2, "{whole}");
    assert_eq!(whole["statements_total"], statements.len());
    assert_eq!(whole["statements_offset"], 0);
    assert_eq!(whole["articles_total"], articles.len());
    assert_eq!(whole["articles_offset"], 0);
    assert!(
        whole["articles_stored"].as_u64().unwrap() >= articles.len() as u64,
        "stored articles count copies too: {whole}"
    );

    // The default answer is the page's window: here, the whole (small) story.
    let default = get(&url).json();
    assert_eq!(
        default, whole,
        "a story under 300 statements is given whole"
    );

    // A small window is the latest statements and articles, placed in the whole story.
    let small = get(&format!("{url}?statements=2&articles=1")).json();
    let n = statements.len();
    assert_eq!(small["statements"], json!(statements[n - 2..]), "{small}");
    assert_eq!(small["statements_offset"], n - 2);
    assert_eq!(small["statements_total"], n);
    assert_eq!(small["articles"], json!(articles[articles.len() - 1..]));
    assert_eq!(small["articles_offset"], articles.len() - 1);
    assert_eq!(
        small["claims"], whole["claims"],
        "claims do not depend on the window"
    );
    let none = get(&format!("{url}?statements=0&articles=0")).json();
    assert_eq!(none["statements"], json!([]));
    assert_eq!(none["articles"], json!([]));
    assert_eq!(none["statements_offset"], n);

    // Paging two at a time gives back every statement, in order; one at a time, every article.
    let (total, paged) = all_pages(&s.base, id, "statements", 2);
    assert_eq!(total as usize, n);
    assert_eq!(paged, statements);
    let (_, paged) = all_pages(&s.base, id, "articles", 1);
    assert_eq!(paged, articles);
    // Claims number statements by their place in the whole story.
    for claim in whole["claims"].as_array().unwrap() {
        for a in claim["appearances"].as_array().unwrap() {
            assert!(a["statement"].as_u64().unwrap() < total, "{claim}");
        }
    }

    for bad in [
        format!("{url}?statements=many"),
        format!("{url}?limit=3"),
        format!("{url}/statements?offset=-1"),
        format!("{url}/articles?limit=x"),
    ] {
        let r = get(&bad);
        assert_eq!(r.status, 400, "{bad}: {}", r.body);
        assert!(r.json()["error"].as_str().is_some(), "{bad}");
    }
    for missing in ["/api/stories/999999/statements", "/api/stories/x/articles"] {
        assert_eq!(
            get(&format!("{}{missing}", s.base)).status,
            404,
            "{missing}"
        );
    }
}

#[test]
fn unknown_story_and_article_are_404_json() {
    let s = shared();
    for path in [
        "/api/stories/999999",
        "/api/stories/abc",
        "/api/articles/nope",
        "/api/nothing",
    ] {
        let r = get(&format!("{}{path}", s.base));
        assert_eq!(r.status, 404, "{path}");
        assert!(r.json()["error"].as_str().is_some(), "{path}: {}", r.body);
    }
}

#[test]
fn an_article_comes_with_its_analysis() {
    let s = shared();
    let id = sample_story(&s.base);
    let story = get(&format!("{}/api/stories/{id}", s.base)).json();
    let article = story["articles"][0]["id"].as_str().unwrap().to_string();
    let v = get(&format!("{}/api/articles/{article}", s.base)).json();
    assert_eq!(v["article"]["id"], article.as_str());
    assert_eq!(v["story"], id);
    assert!(v["analysis"]["attributions"].is_array(), "{v}");
    assert!(v["analysis"]["entities"].is_array(), "{v}");
}

#[test]
fn search_finds_articles_and_their_statements() {
    let s = shared();
    let v = get(&format!("{}/api/search?q=marines", s.base)).json();
    assert_eq!(v["query"], "marines");
    assert!(!v["articles"].as_array().unwrap().is_empty(), "{v}");
    let r = get(&format!("{}/api/search", s.base));
    assert_eq!(r.status, 400);
    assert!(r.json()["error"].as_str().unwrap().contains("`q`"));
    let r = get(&format!("{}/api/search?q=x&limit=many", s.base));
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(
        r.json()["error"].as_str().unwrap().contains("limit"),
        "{}",
        r.body
    );
}

#[test]
fn speakers_have_their_statements_across_stories() {
    let s = shared();
    let id = sample_story(&s.base);
    let story = get(&format!("{}/api/stories/{id}", s.base)).json();
    let speaker = story["statements"]
        .as_array()
        .unwrap()
        .iter()
        .find_map(|st| st["speaker"].as_str())
        .expect("a statement with a speaker")
        .to_string();
    let url = format!(
        "{}/api/speakers/{}",
        s.base,
        server::html::segment(&speaker)
    );
    let v = get(&url).json();
    assert!(
        !v["statements"].as_array().unwrap().is_empty(),
        "{speaker}: {v}"
    );
    assert!(v["statements"]
        .as_array()
        .unwrap()
        .iter()
        .all(|st| st["speaker"]
            .as_str()
            .unwrap()
            .eq_ignore_ascii_case(&speaker)));
}

#[test]
fn feeds_can_be_added_listed_and_removed() {
    let s = shared();
    let url = format!("https://{}.example/feed.xml", unique("feeds"));
    let r = post_json(
        &format!("{}/api/feeds", s.base),
        &json!({"url": url, "title": "Test feed"}),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.json()["added"], true);
    assert_eq!(r.json()["feed"]["kind"], "feed");
    let again = post_json(&format!("{}/api/feeds", s.base), &json!({"url": url}));
    assert_eq!(again.status, 200);
    assert_eq!(again.json()["added"], false);
    let list = get(&format!("{}/api/feeds", s.base)).json();
    let feed = list
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["url"] == url.as_str())
        .unwrap_or_else(|| panic!("{url} not in {list}"));
    assert_eq!(feed["consecutive_failures"], 0);
    assert!(feed["next_poll"].is_null(), "a new feed is due now");

    let gone = delete(
        &format!("{}/api/feeds?url={}", s.base, server::html::segment(&url)),
        &[],
    );
    assert_eq!(gone.status, 200, "{}", gone.body);
    let again = delete(
        &format!("{}/api/feeds?url={}", s.base, server::html::segment(&url)),
        &[],
    );
    assert_eq!(again.status, 404);
}

#[test]
fn bad_feeds_are_refused_with_the_reason() {
    let s = shared();
    for (body, needle) in [
        (json!({"url": "ftp://example.com/feed"}), "http"),
        (json!({"url": "not a url"}), "not a URL"),
        (
            json!({"url": "https://example.com/", "kind": "podcast"}),
            "unknown kind",
        ),
        (
            json!({"url": "https://example.com/", "kind": "telegram"}),
            "Telegram",
        ),
        (json!({"address": "https://example.com/"}), "unknown field"),
    ] {
        let r = post_json(&format!("{}/api/feeds", s.base), &body);
        assert_eq!(r.status, 400, "{body}: {}", r.body);
        let msg = r.json()["error"].as_str().unwrap().to_string();
        assert!(msg.contains(needle), "{body}: {msg}");
    }
}

#[test]
fn a_posted_article_is_stored_analysed_and_placed_in_a_story() {
    let s = shared();
    let word = unique("Zanfaro");
    let body = json!({
        "url": format!("https://example.com/{word}"),
        "source": "Test Gazette",
        "published": "2025-03-05T10:00:00Z",
        "title": format!("{word} port reopens after storm"),
        "text": format!("The port of {word} reopened on Wednesday, harbour master Ilse Varga said. \"We are back to normal,\" Varga told reporters.")
    });
    let r = post_json(&format!("{}/api/articles", s.base), &body);
    assert_eq!(r.status, 201, "{}", r.body);
    let v = r.json();
    assert_eq!(v["outcome"], "new");
    let id = v["article"].as_str().expect("article id").to_string();
    let story = v["story"].as_i64().expect("story id");
    let a = get(&format!("{}/api/articles/{id}", s.base)).json();
    assert_eq!(a["article"]["source"], "Test Gazette");
    assert_eq!(a["story"], story);
    assert!(
        !a["analysis"]["attributions"].as_array().unwrap().is_empty(),
        "{a}"
    );
    // The same article again is a repeat, not a second copy.
    let again = post_json(&format!("{}/api/articles", s.base), &body);
    assert_eq!(again.status, 200, "{}", again.body);
    assert_eq!(again.json()["outcome"], "repeat");
    assert_eq!(again.json()["original"], id.as_str());
    // And search finds it.
    let found = get(&format!("{}/api/search?q={word}", s.base)).json();
    assert_eq!(found["articles"][0]["id"], id.as_str());
}

#[test]
fn bad_article_bodies_are_400_naming_the_problem() {
    let s = shared();
    let url = format!("{}/api/articles", s.base);
    let json_ct = [("content-type", "application/json")];
    let cases: [(&str, &str); 4] = [
        ("{\"title\": \"x\"", "invalid JSON"),
        ("{\"title\": \"no text\"}", "`text` and `html`"),
        ("{\"text\": 42}", "invalid type"),
        ("{\"text\": \"x\", \"body\": \"y\"}", "unknown field `body`"),
    ];
    for (body, needle) in cases {
        let r = post(&url, body, &json_ct);
        assert_eq!(r.status, 400, "{body}: {}", r.body);
        let msg = r.json()["error"].as_str().unwrap().to_string();
        assert!(msg.contains(needle), "{body}: {msg}");
    }
    let r = post(&url, "{\"text\": \"x\"}", &[("content-type", "text/plain")]);
    assert_eq!(r.status, 415, "{}", r.body);
    assert!(r.json()["error"].is_string());
}

#[test]
fn request_bodies_over_the_limit_are_413() {
    let mut config = server::Config::new("127.0.0.1:0".parse().unwrap());
    config.body_limit = 256;
    let small = start(shared().tracker.clone(), config);
    let big = format!("{{\"text\": \"{}\"}}", "a".repeat(1000));
    let r = post(
        &format!("{}/api/analyze", small.base),
        &big,
        &[("content-type", "application/json")],
    );
    assert_eq!(r.status, 413, "{}", r.body);
    assert!(r.json()["error"].is_string());
    small.stop().unwrap();
}

#[test]
fn analyze_returns_the_analysis_json() {
    let s = shared();
    let text = "Defence Minister Arvid Tallinger said on Monday that 4,000 marines had arrived.";
    let r = post_json(
        &format!("{}/api/analyze", s.base),
        &json!({"text": text, "published": "2025-03-03"}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let v = r.json();
    for key in [
        "sentences",
        "entities",
        "times",
        "quantities",
        "attributions",
        "boilerplate",
        "credits",
    ] {
        assert!(v[key].is_array(), "{key} in {v}");
    }
    let time = &v["times"][0];
    let (start, end) = (
        time["start"].as_u64().unwrap() as usize,
        time["end"].as_u64().unwrap() as usize,
    );
    let chars: Vec<char> = text.chars().collect();
    assert_eq!(
        chars[start..end].iter().collect::<String>(),
        time["text"].as_str().unwrap()
    );
    let bad = post_json(
        &format!("{}/api/analyze", s.base),
        &json!({"text": "x", "published": "yesterday"}),
    );
    assert_eq!(bad.status, 400);
    assert!(bad.json()["error"].as_str().unwrap().contains("published"));
}
