//! The Store test suite, written once over `&dyn Store` so that every backend runs the same
//! checks: `run_all(|| make_a_fresh_store())`.
//!
//! It lives in `src` (not `tests/`) so that the PostgreSQL implementation's tests can call
//! it. Checks panic with a message on failure, like `assert!`; a store error is reported with
//! its location. Each check gets a fresh, empty store from the factory.
//!
//! The kill test needs processes and is backend-specific in how it starts them, so only its
//! two halves are here: [`kill_writer`] (the child) and [`check_acknowledged`] (the parent).

use crate::{Analysis, FeedKind, FetchOutcome, FetchRecord, Inserted, NewFeed, Result, Store};
use chrono::{DateTime, Utc};
use model::{Article, ArticleId, ContentHash, FeedId};
use std::io::Write;

/// One check of the suite: it gets a fresh, empty store and panics on failure.
pub type Check = fn(&dyn Store);

/// Every check, by name, in the order `run_all` runs them.
pub const CHECKS: &[(&str, Check)] = &[
    ("idempotent_insert", idempotent_insert),
    (
        "insert_keys_canonical_url_then_hash",
        insert_keys_canonical_url_then_hash,
    ),
    (
        "empty_texts_are_distinct_articles",
        empty_texts_are_distinct_articles,
    ),
    ("article_round_trips", article_round_trips),
    (
        "copy_of_must_name_a_stored_article",
        copy_of_must_name_a_stored_article,
    ),
    ("fts_search", fts_search),
    ("feed_health_updates", feed_health_updates),
    ("due_feeds_order", due_feeds_order),
    ("analyses", analyses),
    ("stories", stories),
];

/// Runs every check against fresh stores from `make`.
pub fn run_all<S: Store>(mut make: impl FnMut() -> S) {
    for (name, check) in CHECKS {
        let store = make();
        eprintln!("store testsuite: {name} on {}", store.location());
        check(&store);
    }
}

/// Unwraps a store result in a check, naming the failure.
fn ok<T>(what: &str, r: Result<T>) -> T {
    match r {
        Ok(v) => v,
        Err(e) => panic!("{what}: {e}"),
    }
}

/// A fixed instant plus `secs`, so checks do not depend on the clock.
pub fn at(secs: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_700_000_000 + secs, 0).unwrap_or_default()
}

/// A distinct article numbered `n`, with a canonical URL and a hash of its own.
pub fn sample_article(n: u64) -> Article {
    let mut a = Article::new(
        ArticleId::new(format!("a{n}")),
        format!("Article number {n} says the minister denied the report."),
        ContentHash::new(format!("hash{n}")),
    );
    a.canonical_url = Some(format!("https://example.com/news/{n}"));
    a.url = a.canonical_url.clone();
    a.title = Some(format!("Headline {n}"));
    a
}

pub fn idempotent_insert(s: &dyn Store) {
    let a = sample_article(1);
    let first = ok("first insert", s.insert_article(&a, at(0)));
    assert_eq!(first, Inserted::Inserted(a.id.clone()));
    let second = ok("second insert", s.insert_article(&a, at(60)));
    assert_eq!(second, Inserted::Existing(a.id.clone()));
    assert_eq!(ok("count", s.article_count()), 1);
    let stored = ok("read", s.article(&a.id)).map(|x| x.fetched);
    assert_eq!(
        stored,
        Some(at(0)),
        "a repeat does not touch the stored row"
    );
}

pub fn insert_keys_canonical_url_then_hash(s: &dyn Store) {
    let a = sample_article(1);
    ok("insert", s.insert_article(&a, at(0)));
    // Same canonical URL, new id and text (an updated page): the stored one wins.
    let mut same_url = sample_article(2);
    same_url.canonical_url = a.canonical_url.clone();
    assert_eq!(
        ok("same url", s.insert_article(&same_url, at(1))),
        Inserted::Existing(a.id.clone())
    );
    // Another URL but the same words (an exact syndicated copy).
    let mut same_hash = sample_article(3);
    same_hash.content_hash = a.content_hash.clone();
    assert_eq!(
        ok("same hash", s.insert_article(&same_hash, at(2))),
        Inserted::Existing(a.id.clone())
    );
    // Same id even without URL or shared hash.
    let mut same_id = sample_article(4);
    same_id.id = a.id.clone();
    assert_eq!(
        ok("same id", s.insert_article(&same_id, at(3))),
        Inserted::Existing(a.id.clone())
    );
    assert_eq!(ok("count", s.article_count()), 1);
}

pub fn empty_texts_are_distinct_articles(s: &dyn Store) {
    for n in 0..3 {
        let mut a = Article::new(
            ArticleId::new(format!("photo{n}")),
            "",
            ContentHash::new("same-empty-hash"),
        );
        a.canonical_url = Some(format!("https://t.me/chan/{n}"));
        let r = ok("insert", s.insert_article(&a, at(n)));
        assert!(r.is_new(), "photo post {n} is its own article: {r:?}");
    }
    assert_eq!(ok("count", s.article_count()), 3);
}

pub fn article_round_trips(s: &dyn Store) {
    let mut a = sample_article(7);
    a.byline = Some("Jane Roe".into());
    a.published = Some(at(-3600));
    a.site_name = Some("Example News".into());
    a.language = Some("en".into());
    a.source = Some("example.com".into());
    a.text = "Первый абзац.\n\nSecond paragraph with \"quotes\" and 'apostrophes'.".into();
    ok("insert", s.insert_article(&a, at(5)));
    let back = ok("read", s.article(&a.id));
    let back = back.unwrap_or_else(|| panic!("article {} is missing", a.id));
    assert_eq!(back.article, a);
    assert_eq!(back.fetched, at(5));
    assert!(ok("missing", s.article(&ArticleId::new("nope"))).is_none());
}

pub fn copy_of_must_name_a_stored_article(s: &dyn Store) {
    let original = sample_article(1);
    ok("original", s.insert_article(&original, at(0)));
    let mut copy = sample_article(2);
    copy.copy_of = Some(original.id.clone());
    copy.source = Some("wire copy outlet".into());
    assert!(ok("copy", s.insert_article(&copy, at(1))).is_new());
    let stored = ok("read", s.article(&copy.id)).map(|x| x.article.copy_of);
    assert_eq!(stored, Some(Some(original.id.clone())));
    let mut dangling = sample_article(3);
    dangling.copy_of = Some(ArticleId::new("never-stored"));
    assert!(s.insert_article(&dangling, at(2)).is_err());
    assert_eq!(
        ok("count", s.article_count()),
        2,
        "a failed insert stores nothing"
    );
}

pub fn fts_search(s: &dyn Store) {
    let mut a = sample_article(1);
    a.title = Some("Ceasefire talks resume in Cairo".into());
    a.text = "Negotiators met on Monday. The ministry denied any deal.".into();
    let mut b = sample_article(2);
    b.title = Some("Markets".into());
    b.text = "Stocks fell after the central bank spoke about Cairo.".into();
    let mut c = sample_article(3);
    c.title = Some("Новости".into());
    c.text = "Министр опроверг сообщение.".into();
    for x in [&a, &b, &c] {
        ok("insert", s.insert_article(x, at(0)));
    }
    let ids = |q: &str| -> Vec<String> {
        ok("search", s.search(q, 10))
            .into_iter()
            .map(|h| h.id.0)
            .collect()
    };
    assert_eq!(ids("cairo"), ["a1", "a2"], "title match ranks first");
    assert_eq!(ids("ministry denied"), ["a1"]);
    assert_eq!(ids("министр"), ["a3"]);
    assert!(ids("nothing-like-this").is_empty());
    // Operators and stray quotes are words, never syntax errors.
    assert!(ids(r#"cairo" OR NEAR( *"#).is_empty());
    assert!(ids("   ").is_empty());
    let hit = ok("snippet", s.search("negotiators", 1));
    assert!(
        hit.first()
            .is_some_and(|h| h.snippet.contains("[Negotiators]")),
        "snippet marks the match: {hit:?}"
    );
}

fn fetch(at_secs: i64, outcome: FetchOutcome, next_secs: i64) -> FetchRecord {
    FetchRecord {
        at: at(at_secs),
        outcome,
        http_status: Some(200),
        duration_ms: 120,
        items: 10,
        new_articles: 2,
        etag: None,
        last_modified: None,
        next_poll: at(next_secs),
    }
}

pub fn feed_health_updates(s: &dyn Store) {
    let new = NewFeed::new("https://example.com/rss", FeedKind::Feed);
    let id = new.id();
    assert!(ok("add", s.add_feed(&new, at(0))));
    assert!(
        !ok("add again", s.add_feed(&new, at(1))),
        "adding twice is a no-op"
    );
    let f = ok("read", s.feed(&id)).unwrap_or_else(|| panic!("feed {id} missing"));
    assert_eq!((f.kind, f.added), (FeedKind::Feed, at(0)));
    assert_eq!(f.health.next_poll, None, "a new feed is due at once");

    let mut first = fetch(10, FetchOutcome::Fetched, 910);
    first.etag = Some("\"v1\"".into());
    first.last_modified = Some("Tue, 01 Oct 2024 10:00:00 GMT".into());
    ok("success", s.record_fetch(&id, &first));
    for (i, t) in [1000, 2000].into_iter().enumerate() {
        let mut failed = fetch(t, FetchOutcome::Failed(format!("HTTP 503 #{i}")), t + 60);
        failed.http_status = Some(503);
        ok("failure", s.record_fetch(&id, &failed));
    }
    let h = ok("read", s.feed(&id)).map(|f| (f.health, f.etag, f.last_modified));
    let (h, etag, lm) = h.unwrap_or_else(|| panic!("feed {id} missing"));
    assert_eq!(h.consecutive_failures, 2);
    assert_eq!(h.last_error.as_deref(), Some("HTTP 503 #1"));
    assert_eq!(h.last_error_at, Some(at(2000)));
    assert_eq!(h.last_success, Some(at(10)));
    assert_eq!(h.next_poll, Some(at(2060)));
    assert_eq!(
        etag.as_deref(),
        Some("\"v1\""),
        "failures keep the validators"
    );
    assert!(lm.is_some());

    ok(
        "304",
        s.record_fetch(&id, &fetch(3000, FetchOutcome::NotModified, 3900)),
    );
    let f = ok("read", s.feed(&id)).unwrap_or_else(|| panic!("feed {id} missing"));
    assert_eq!(f.health.consecutive_failures, 0, "a 304 is a success");
    assert_eq!(f.health.last_success, Some(at(3000)));
    assert_eq!(
        f.etag.as_deref(),
        Some("\"v1\""),
        "a 304 without validators keeps them"
    );

    let history = ok("history", s.fetch_history(&id, 10));
    assert_eq!(history.len(), 4);
    assert_eq!(
        history[0].outcome,
        FetchOutcome::NotModified,
        "newest first"
    );
    assert_eq!(history[3], first);
    assert_eq!(ok("history limit", s.fetch_history(&id, 2)).len(), 2);

    let unknown = FeedId::new("https://nowhere.example/feed");
    let err = s.record_fetch(&unknown, &first);
    assert!(err.as_ref().is_err_and(|e| e.is_not_found()), "{err:?}");
    assert!(ok("remove", s.remove_feed(&id)));
    assert!(!ok("remove again", s.remove_feed(&id)));
    assert!(ok("feeds", s.feeds()).is_empty());
}

pub fn due_feeds_order(s: &dyn Store) {
    for (i, url) in [
        "https://a.example/f",
        "https://b.example/f",
        "https://c.example/f",
    ]
    .into_iter()
    .enumerate()
    {
        let kind = if i == 2 {
            FeedKind::Telegram
        } else {
            FeedKind::Feed
        };
        ok("add", s.add_feed(&NewFeed::new(url, kind), at(0)));
    }
    let a = FeedId::new("https://a.example/f");
    let b = FeedId::new("https://b.example/f");
    ok(
        "a",
        s.record_fetch(&a, &fetch(0, FetchOutcome::Fetched, 100)),
    );
    ok(
        "b",
        s.record_fetch(&b, &fetch(0, FetchOutcome::Fetched, 50)),
    );
    let due = |now: i64| -> Vec<String> {
        ok("due", s.due_feeds(at(now), 10))
            .into_iter()
            .map(|f| f.url)
            .collect()
    };
    assert_eq!(
        due(10),
        ["https://c.example/f"],
        "only the never-fetched feed"
    );
    assert_eq!(
        due(100),
        [
            "https://c.example/f",
            "https://b.example/f",
            "https://a.example/f"
        ]
    );
    assert_eq!(ok("limit", s.due_feeds(at(100), 1)).len(), 1);
    let all = ok("feeds", s.feeds());
    assert_eq!(all.len(), 3);
    assert_eq!(all[2].kind, FeedKind::Telegram);
}

pub fn analyses(s: &dyn Store) {
    let a = sample_article(1);
    let b = sample_article(2);
    ok("a", s.insert_article(&a, at(0)));
    ok("b", s.insert_article(&b, at(1)));
    assert_eq!(
        ok("todo", s.unanalyzed("v1", 10)),
        [a.id.clone(), b.id.clone()]
    );
    let mut an = Analysis {
        article: a.id.clone(),
        pipeline_version: "v1".into(),
        json: r#"{"sentences":[]}"#.into(),
        analyzed: at(10),
    };
    ok("put", s.put_analysis(&an));
    ok("put again", s.put_analysis(&an));
    assert_eq!(
        ok("todo", s.unanalyzed("v1", 10)),
        std::slice::from_ref(&b.id)
    );
    assert_eq!(ok("todo v2", s.unanalyzed("v2", 10)).len(), 2);
    assert_eq!(ok("get", s.analysis(&a.id)), Some(an.clone()));
    an.pipeline_version = "v2".into();
    an.json = r#"{"sentences":[{}]}"#.into();
    an.analyzed = at(20);
    ok("put v2", s.put_analysis(&an));
    assert_eq!(
        ok("latest", s.analysis(&a.id)),
        Some(an),
        "the latest analysis wins"
    );
    assert_eq!(ok("none", s.analysis(&b.id)), None);
    let orphan = Analysis {
        article: ArticleId::new("never-stored"),
        pipeline_version: "v1".into(),
        json: "{}".into(),
        analyzed: at(0),
    };
    assert!(
        s.put_analysis(&orphan).is_err(),
        "an analysis needs its article"
    );
}

pub fn stories(s: &dyn Store) {
    for n in 1..=3 {
        ok("insert", s.insert_article(&sample_article(n), at(0)));
    }
    let st = ok("create", s.create_story(None, at(100)));
    let other = ok("create", s.create_story(Some("Other"), at(50)));
    ok("add", s.add_to_story(st, &ArticleId::new("a2"), at(100)));
    ok("add", s.add_to_story(st, &ArticleId::new("a1"), at(40)));
    ok(
        "add again",
        s.add_to_story(st, &ArticleId::new("a1"), at(40)),
    );
    ok(
        "add late",
        s.add_to_story(st, &ArticleId::new("a3"), at(500)),
    );
    ok("title", s.set_story_title(st, "Ceasefire talks"));
    let story = ok("get", s.story(st)).unwrap_or_else(|| panic!("story {st} missing"));
    assert_eq!(story.title.as_deref(), Some("Ceasefire talks"));
    assert_eq!((story.first_seen, story.last_seen), (at(40), at(500)));
    assert_eq!(story.articles, 3);
    let members: Vec<String> = ok("members", s.story_articles(st))
        .into_iter()
        .map(|a| a.0)
        .collect();
    assert_eq!(members, ["a1", "a2", "a3"], "ordered by when they joined");
    let ids: Vec<_> = ok("list", s.stories(10))
        .into_iter()
        .map(|s| s.id)
        .collect();
    assert_eq!(ids, [st, other], "most recently seen first");
    assert!(s
        .add_to_story(st, &ArticleId::new("never-stored"), at(0))
        .is_err());
    let missing = crate::StoryId(i64::MAX);
    assert!(s
        .set_story_title(missing, "x")
        .is_err_and(|e| e.is_not_found()));
    assert_eq!(ok("missing", s.story(missing)), None);
}

/// The child half of the kill test: inserts articles `start..` forever, writing
/// `ACK <id>` to `out` after each insert returned (that is, committed). Returns only on error.
pub fn kill_writer(s: &dyn Store, start: u64, out: &mut dyn Write) -> Result<()> {
    let mut n = start;
    loop {
        let mut a = sample_article(n);
        // Long enough texts that a kill often lands inside a write.
        a.text = format!(
            "{} {}",
            a.text,
            "filler words for the page cache ".repeat(64)
        );
        s.insert_article(&a, at(i64::try_from(n).unwrap_or(0)))?;
        if writeln!(out, "ACK {}", a.id)
            .and_then(|_| out.flush())
            .is_err()
        {
            // The parent closed the pipe: nothing more can be acknowledged.
            return Ok(());
        }
        n += 1;
    }
}

/// The parent half: every acknowledged article is stored, whole.
pub fn check_acknowledged(s: &dyn Store, acked: &[ArticleId]) {
    for id in acked {
        let got = ok("reading an acknowledged article", s.article(id));
        let got = got.unwrap_or_else(|| panic!("acknowledged article {id} was lost"));
        assert!(
            got.article.text.contains("filler words"),
            "article {id} is torn"
        );
    }
    let counted = ok("count", s.article_count());
    assert!(
        counted >= acked.len() as u64,
        "{counted} < {} acknowledged",
        acked.len()
    );
}
