//! The Store test suite, written once over `&dyn Store` so that every backend runs the same
//! checks: `run_all(|| make_a_fresh_store())`.
//!
//! It lives in `src` (not `tests/`) so that the PostgreSQL implementation's tests can call
//! it. Checks panic with a message on failure, like `assert!`; a store error is reported with
//! its location. Each check gets a fresh, empty store from the factory.
//!
//! The kill test needs processes and is backend-specific in how it starts them, so only its
//! two halves are here: [`kill_writer`] (the child) and [`check_acknowledged`] (the parent).

use crate::{
    Analysis, ArticleCommit, CommitOutcome, FeedKind, FetchOutcome, FetchRecord, Inserted, NewFeed,
    Result, Sighting, Store, StoryChoice, StoryId,
};
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
    ("sightings_copies_and_terms", sightings_copies_and_terms),
    ("export_and_import", export_and_import),
    ("jobs_claim_once_and_finish", jobs_claim_once_and_finish),
    ("jobs_expired_lease_moves_on", jobs_expired_lease_moves_on),
    ("jobs_retry_fail_and_release", jobs_retry_fail_and_release),
    (
        "committed_after_and_commit_lock",
        committed_after_and_commit_lock,
    ),
    ("sightings_after_in_order", sightings_after_in_order),
    (
        "commit_article_whole_or_not_at_all",
        commit_article_whole_or_not_at_all,
    ),
    ("watches_round_trip", watches_round_trip),
    (
        "deliveries_once_per_key_and_leased",
        deliveries_once_per_key_and_leased,
    ),
    (
        "deliveries_retry_fail_and_expire",
        deliveries_retry_fail_and_expire,
    ),
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
    assert_eq!(
        ok("by url", s.article_by_url("https://example.com/news/1")),
        Some(a.id.clone())
    );
    assert_eq!(
        ok("by url", s.article_by_url("https://example.com/none")),
        None
    );
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

pub fn sightings_copies_and_terms(s: &dyn Store) {
    let original = sample_article(1);
    ok("insert", s.insert_article(&original, at(10)));
    let mut copy = sample_article(2);
    copy.copy_of = Some(original.id.clone());
    ok("insert copy", s.insert_article(&copy, at(20)));
    ok("insert other", s.insert_article(&sample_article(3), at(30)));
    assert_eq!(
        ok("copies", s.copies_of(&original.id)),
        [copy.id.clone()],
        "the near-duplicate points at its original"
    );
    let seen = |url: Option<&str>, source: Option<&str>, secs: i64| Sighting {
        article: original.id.clone(),
        url: url.map(str::to_string),
        source: source.map(str::to_string),
        published: Some(at(secs - 5)),
        seen: at(secs),
    };
    assert!(ok(
        "sight",
        s.add_sighting(&seen(Some("https://wire.example/1"), Some("Wire"), 10))
    ));
    assert!(ok(
        "sight",
        s.add_sighting(&seen(Some("https://daily.example/x"), Some("Daily"), 40))
    ));
    assert!(ok("sight", s.add_sighting(&seen(None, Some("Radio"), 30))));
    assert!(
        !ok(
            "again",
            s.add_sighting(&seen(Some("https://daily.example/x"), Some("Daily"), 50))
        ),
        "the same page seen twice is one sighting"
    );
    let outlets: Vec<Option<String>> = ok("list", s.sightings(&original.id))
        .into_iter()
        .map(|x| x.source)
        .collect();
    assert_eq!(
        outlets,
        [
            Some("Wire".into()),
            Some("Radio".into()),
            Some("Daily".into())
        ],
        "earliest seen first"
    );
    let orphan = Sighting {
        article: ArticleId::new("never-stored"),
        ..seen(None, None, 0)
    };
    assert!(
        s.add_sighting(&orphan).is_err(),
        "a sighting needs its article"
    );

    let recent: Vec<String> = ok("since", s.articles_since(at(20), 10))
        .into_iter()
        .map(|a| a.article.id.0)
        .collect();
    assert_eq!(recent, ["a2", "a3"], "fetched at or after, oldest first");
    assert_eq!(ok("since, limited", s.articles_since(at(0), 1)).len(), 1);

    assert_eq!(ok("no terms", s.article_terms(&original.id)), None);
    ok("terms", s.put_article_terms(&original.id, &[1, 2, 3]));
    ok("terms again", s.put_article_terms(&original.id, &[4, 5]));
    assert_eq!(ok("terms", s.article_terms(&original.id)), Some(vec![4, 5]));

    let st = ok("create", s.create_story(None, at(10)));
    assert_eq!(ok("no story", s.story_of(&original.id)), None);
    ok("add", s.add_to_story(st, &original.id, at(10)));
    assert_eq!(ok("story of", s.story_of(&original.id)), Some(st));
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

/// The export half of the trait, which `copy` relies on: paging in insertion order, every
/// analysis, story members with join times, and imports that keep ids, health and history.
pub fn export_and_import(s: &dyn Store) {
    for n in 1..=5 {
        ok(
            "insert",
            s.insert_article(&sample_article(n), at(10 - n as i64)),
        );
    }
    let page = |after: Option<&str>, n: usize| -> Vec<String> {
        let after = after.map(ArticleId::new);
        ok("ids", s.all_article_ids(after.as_ref(), n))
            .into_iter()
            .map(|a| a.0)
            .collect()
    };
    assert_eq!(
        page(None, 2),
        ["a1", "a2"],
        "insertion order, not fetch time"
    );
    assert_eq!(page(Some("a2"), 10), ["a3", "a4", "a5"]);
    assert!(page(Some("a5"), 10).is_empty());
    let unknown = s.all_article_ids(Some(&ArticleId::new("never-stored")), 1);
    assert!(unknown.is_err_and(|e| e.is_not_found()));

    let an = |v: &str, secs: i64| Analysis {
        article: ArticleId::new("a1"),
        pipeline_version: v.into(),
        json: format!("{{\"v\":\"{v}\"}}"),
        analyzed: at(secs),
    };
    ok("put", s.put_analysis(&an("v2", 20)));
    ok("put", s.put_analysis(&an("v1", 10)));
    assert_eq!(
        ok("analyses", s.analyses_of(&ArticleId::new("a1"))),
        [an("v1", 10), an("v2", 20)],
        "every version, oldest first"
    );

    let made = ok("create", s.create_story(Some("Made here"), at(0)));
    let imported = crate::Story {
        id: crate::StoryId(made.0 + 40),
        title: Some("Imported".into()),
        first_seen: at(5),
        last_seen: at(900),
        articles: 2,
    };
    let members = [
        crate::StoryMember {
            article: ArticleId::new("a3"),
            added: at(5),
        },
        crate::StoryMember {
            article: ArticleId::new("a1"),
            added: at(7),
        },
    ];
    assert!(ok("import story", s.import_story(&imported, &members)));
    assert!(
        !ok("import again", s.import_story(&imported, &members[..1])),
        "an existing id is left alone"
    );
    assert_eq!(ok("story", s.story(imported.id)), Some(imported.clone()));
    assert_eq!(ok("members", s.story_members(imported.id)), members);
    let next = ok("create after import", s.create_story(None, at(0)));
    assert!(next.0 > imported.id.0, "{next} collides with imported ids");
    let ids: Vec<_> = ok("all stories", s.all_stories(None, 10))
        .into_iter()
        .map(|x| x.id)
        .collect();
    assert_eq!(ids, [made, imported.id, next], "id order");
    let ids: Vec<_> = ok("all stories", s.all_stories(Some(made), 1))
        .into_iter()
        .map(|x| x.id)
        .collect();
    assert_eq!(ids, [imported.id]);

    let feed = crate::FeedRecord {
        id: FeedId::new("https://imported.example/rss"),
        url: "https://imported.example/rss".into(),
        title: Some("Imported".into()),
        kind: FeedKind::Telegram,
        etag: Some("\"e\"".into()),
        last_modified: None,
        added: at(1),
        health: crate::FeedHealth {
            last_success: Some(at(100)),
            last_error: Some("HTTP 500".into()),
            last_error_at: Some(at(50)),
            consecutive_failures: 0,
            next_poll: Some(at(700)),
        },
    };
    let history = [
        fetch(50, FetchOutcome::Failed("HTTP 500".into()), 60),
        fetch(100, FetchOutcome::Fetched, 700),
    ];
    assert!(ok("import feed", s.import_feed(&feed, &history)));
    assert!(!ok("import again", s.import_feed(&feed, &history[..1])));
    assert_eq!(
        ok("feed", s.feed(&feed.id)),
        Some(feed.clone()),
        "health as given"
    );
    let mut newest_first = history.to_vec();
    newest_first.reverse();
    assert_eq!(ok("history", s.fetch_history(&feed.id, 10)), newest_first);
}

/// Fills an empty store with one of everything `copy::copy_all` moves: feeds with health and
/// history, originals and copies, analyses in two versions, sightings, terms, stories.
pub fn fill_for_copy(s: &dyn Store) {
    let rss = NewFeed::new("https://example.com/rss", FeedKind::Feed);
    ok("feed", s.add_feed(&rss, at(0)));
    ok(
        "feed",
        s.add_feed(
            &NewFeed::new("https://t.me/s/chan", FeedKind::Telegram),
            at(1),
        ),
    );
    let mut good = fetch(10, FetchOutcome::Fetched, 910);
    good.etag = Some("\"v1\"".into());
    ok("fetch", s.record_fetch(&rss.id(), &good));
    ok(
        "fetch",
        s.record_fetch(
            &rss.id(),
            &fetch(20, FetchOutcome::Failed("timeout".into()), 80),
        ),
    );
    for n in 1..=12u64 {
        let mut a = sample_article(n);
        // Every third article is a near-duplicate of the one before it.
        if n % 3 == 0 {
            a.copy_of = Some(ArticleId::new(format!("a{}", n - 1)));
        }
        if n == 5 {
            a.text = String::new();
            a.canonical_url = None;
        }
        ok("article", s.insert_article(&a, at(100 + n as i64)));
        if n % 2 == 0 {
            for (v, secs) in [("v1", 200), ("v2", 300)] {
                let analysis = Analysis {
                    article: a.id.clone(),
                    pipeline_version: v.into(),
                    json: format!("{{\"article\":{n}}}"),
                    analyzed: at(secs + n as i64),
                };
                ok("analysis", s.put_analysis(&analysis));
            }
        }
        ok("terms", s.put_article_terms(&a.id, &[n as u8, 7, 7]));
        let sighting = Sighting {
            article: a.id.clone(),
            url: a.url.clone(),
            source: Some(format!("outlet {}", n % 4)),
            published: Some(at(90)),
            seen: at(100 + n as i64),
        };
        ok("sighting", s.add_sighting(&sighting));
    }
    let st = ok("story", s.create_story(Some("Ceasefire"), at(500)));
    for (n, secs) in [(4, 600), (1, 400), (9, 700)] {
        ok(
            "member",
            s.add_to_story(st, &ArticleId::new(format!("a{n}")), at(secs)),
        );
    }
    ok("empty story", s.create_story(None, at(800)));
    let third = ok("story", s.create_story(Some("Markets"), at(900)));
    ok(
        "member",
        s.add_to_story(third, &ArticleId::new("a12"), at(950)),
    );
}

/// Everything two stores hold, compared kind by kind (panics naming the first difference).
pub fn assert_same_contents(a: &dyn Store, b: &dyn Store) {
    let feeds = ok("feeds", a.feeds());
    assert_eq!(
        feeds,
        ok("feeds", b.feeds()),
        "feeds with health and validators"
    );
    for f in &feeds {
        assert_eq!(
            ok("history", a.fetch_history(&f.id, usize::MAX)),
            ok("history", b.fetch_history(&f.id, usize::MAX)),
            "fetch history of {}",
            f.url
        );
    }
    let ids = ok("ids", a.all_article_ids(None, usize::MAX));
    assert_eq!(
        ids,
        ok("ids", b.all_article_ids(None, usize::MAX)),
        "articles in order"
    );
    for id in &ids {
        assert_eq!(
            ok("article", a.article(id)),
            ok("article", b.article(id)),
            "{id}"
        );
        assert_eq!(
            ok("analyses", a.analyses_of(id)),
            ok("analyses", b.analyses_of(id)),
            "{id}"
        );
        assert_eq!(
            ok("sightings", a.sightings(id)),
            ok("sightings", b.sightings(id)),
            "{id}"
        );
        assert_eq!(
            ok("terms", a.article_terms(id)),
            ok("terms", b.article_terms(id)),
            "{id}"
        );
        assert_eq!(
            ok("copies", a.copies_of(id)),
            ok("copies", b.copies_of(id)),
            "{id}"
        );
    }
    let stories = ok("stories", a.all_stories(None, usize::MAX));
    assert_eq!(
        stories,
        ok("stories", b.all_stories(None, usize::MAX)),
        "stories"
    );
    for st in &stories {
        assert_eq!(
            ok("members", a.story_members(st.id)),
            ok("members", b.story_members(st.id)),
            "members of story {}",
            st.id
        );
    }
    assert_eq!(ok("recent", a.stories(100)), ok("recent", b.stories(100)));
    assert_eq!(
        ok("search", a.search("minister", 100)).len(),
        ok("search", b.search("minister", 100)).len(),
        "both find the same articles"
    );
}

/// Fills `from` (empty), copies it into `to` (empty), compares, and copies again: the second
/// run finds everything present and writes nothing.
pub fn copy_round_trip(from: &dyn Store, to: &dyn Store) {
    fill_for_copy(from);
    let mut stages = Vec::new();
    let first = ok(
        "copy",
        crate::copy::copy_all(from, to, &mut |p| stages.push(p.stage)),
    );
    assert_same_contents(from, to);
    assert_eq!((first.feeds.new, first.fetches), (2, 2));
    assert_eq!((first.articles.new, first.renamed), (12, 0));
    assert_eq!(
        (first.analyses.new, first.sightings.new, first.terms.new),
        (12, 12, 12)
    );
    assert_eq!((first.stories.new, first.members), (3, 4));
    assert!(
        stages.contains(&crate::copy::CopyStage::Articles),
        "{stages:?}"
    );

    let second = ok("copy again", crate::copy::copy_all(from, to, &mut |_| {}));
    assert_eq!(
        second.new_total(),
        0,
        "a second run changes nothing: {second:?}"
    );
    assert_eq!(second.articles.present, 12);
    assert_eq!(second.stories.present, 3);
    assert_eq!(second.feeds.present, 2);
    assert_same_contents(from, to);

    // The target goes on from there: new stories do not reuse copied ids.
    let max = ok("stories", to.all_stories(None, usize::MAX))
        .iter()
        .map(|st| st.id)
        .max();
    let next = ok("create", to.create_story(None, at(1000)));
    assert!(max.is_some_and(|m| next > m), "{next} after {max:?}");
}

/// Copying into a store that already holds one of the articles under another id: the rest
/// of that article's records attach to the target's id.
pub fn copy_into_a_store_with_articles(from: &dyn Store, to: &dyn Store) {
    let original = sample_article(1);
    ok("insert", from.insert_article(&original, at(0)));
    let mut copy = sample_article(2);
    copy.copy_of = Some(original.id.clone());
    ok("insert", from.insert_article(&copy, at(1)));
    let analysis = Analysis {
        article: original.id.clone(),
        pipeline_version: "v1".into(),
        json: "{}".into(),
        analyzed: at(2),
    };
    ok("analysis", from.put_analysis(&analysis));
    let mut theirs = sample_article(1);
    theirs.id = ArticleId::new("theirs");
    ok("insert", to.insert_article(&theirs, at(0)));

    let report = ok("copy", crate::copy::copy_all(from, to, &mut |_| {}));
    assert_eq!((report.articles.new, report.articles.present), (1, 1));
    assert_eq!(report.renamed, 1);
    let stored = ok("copy", to.article(&copy.id)).map(|a| a.article.copy_of);
    assert_eq!(
        stored,
        Some(Some(theirs.id.clone())),
        "copy_of follows the rename"
    );
    assert_eq!(
        ok("analysis", to.analysis(&theirs.id)).map(|a| a.json),
        Some("{}".into())
    );
    let again = ok("copy again", crate::copy::copy_all(from, to, &mut |_| {}));
    assert_eq!(again.new_total(), 0, "{again:?}");
}

fn job(kind: crate::JobKind, key: &str) -> crate::NewJob {
    crate::NewJob {
        kind,
        key: key.to_string(),
        payload: format!("payload of {key}"),
    }
}

const LEASE: std::time::Duration = std::time::Duration::from_secs(30);

pub fn jobs_claim_once_and_finish(s: &dyn Store) {
    use crate::{JobKind, JobOutcome};
    let jobs = [
        job(JobKind::Article, "a1"),
        job(JobKind::Article, "a2"),
        job(JobKind::Article, "a1"),
        job(JobKind::Feed, "f1"),
    ];
    assert_eq!(
        ok("enqueue", s.enqueue_jobs(&jobs, at(0))),
        3,
        "same key, one job"
    );
    assert_eq!(ok("enqueue again", s.enqueue_jobs(&jobs, at(1))), 0);
    let all = [JobKind::Article, JobKind::Feed];
    let first = ok(
        "claim",
        s.claim_jobs("w1", &[JobKind::Article], 1, LEASE, at(2)),
    );
    assert_eq!(first.len(), 1);
    assert_eq!((first[0].key.as_str(), first[0].attempts), ("a1", 1));
    assert_eq!(first[0].payload, "payload of a1");
    assert_eq!(first[0].lease_until, at(32));
    let second = ok("claim", s.claim_jobs("w2", &all, 10, LEASE, at(3)));
    let keys: Vec<&str> = second.iter().map(|j| j.key.as_str()).collect();
    assert_eq!(keys, ["a2", "f1"], "a held job is not claimed again");
    assert!(ok("claim", s.claim_jobs("w3", &all, 10, LEASE, at(4))).is_empty());
    assert!(ok(
        "finish",
        s.finish_job("w1", first[0].id, &JobOutcome::Done, at(5))
    ));
    assert!(
        !ok(
            "finish twice",
            s.finish_job("w1", first[0].id, &JobOutcome::Done, at(6))
        ),
        "a finished job is not finished again"
    );
    assert!(
        !ok(
            "finish by another",
            s.finish_job("w1", second[0].id, &JobOutcome::Done, at(6))
        ),
        "only the lease holder finishes a job"
    );
    let c = ok("counts", s.job_counts());
    assert_eq!((c.queued, c.running, c.done, c.failed), (0, 2, 1, 0));
    assert_eq!(c.open(), 2);
    assert_eq!(
        ok(
            "enqueue done key",
            s.enqueue_jobs(&[job(JobKind::Article, "a1")], at(7))
        ),
        0,
        "a done job's key is not enqueued again"
    );
    // A batch ends in one call; each job as if alone.
    let retry = JobOutcome::Retry {
        error: "later".into(),
        at: at(100),
    };
    let batch = [
        (second[0].id, JobOutcome::Done),
        (first[0].id, JobOutcome::Done),
        (second[1].id, retry),
    ];
    assert_eq!(
        ok("finish batch", s.finish_jobs("w2", &batch, at(8))),
        [true, false, true],
        "a job finished before is left as it was"
    );
    let c = ok("counts", s.job_counts());
    assert_eq!((c.queued, c.running, c.done, c.failed), (1, 0, 2, 0));
}

pub fn jobs_expired_lease_moves_on(s: &dyn Store) {
    use crate::{JobKind, JobOutcome};
    ok(
        "enqueue",
        s.enqueue_jobs(&[job(JobKind::Article, "a1")], at(0)),
    );
    let kinds = [JobKind::Article];
    let mine = ok("claim", s.claim_jobs("dead", &kinds, 5, LEASE, at(0)));
    assert_eq!(mine.len(), 1);
    assert!(ok(
        "before expiry",
        s.claim_jobs("w2", &kinds, 5, LEASE, at(29))
    )
    .is_empty());
    assert_eq!(
        ok("renew", s.renew_lease("dead", &[mine[0].id], LEASE, at(20))),
        1
    );
    assert!(
        ok("renewed", s.claim_jobs("w2", &kinds, 5, LEASE, at(45))).is_empty(),
        "a renewed lease holds until now + lease"
    );
    let taken = ok("after expiry", s.claim_jobs("w2", &kinds, 5, LEASE, at(51)));
    assert_eq!(
        taken.len(),
        1,
        "an expired lease is claimed by another worker"
    );
    assert_eq!((taken[0].id, taken[0].attempts), (mine[0].id, 2));
    assert_eq!(
        ok(
            "renew lost",
            s.renew_lease("dead", &[mine[0].id], LEASE, at(52))
        ),
        0,
        "a lost lease is not renewed"
    );
    assert!(
        !ok(
            "finish lost",
            s.finish_job("dead", mine[0].id, &JobOutcome::Done, at(53))
        ),
        "a worker whose lease was taken over cannot finish the job"
    );
    assert_eq!(ok("release lost", s.release_jobs("dead")), 0);
    assert!(ok(
        "finish",
        s.finish_job("w2", taken[0].id, &JobOutcome::Done, at(54))
    ));
    let c = ok("counts", s.job_counts());
    assert_eq!((c.queued, c.running, c.done), (0, 0, 1));
}

pub fn jobs_retry_fail_and_release(s: &dyn Store) {
    use crate::{JobKind, JobOutcome};
    let jobs = [
        job(JobKind::Article, "a1"),
        job(JobKind::Article, "a2"),
        job(JobKind::Feed, "f1"),
    ];
    ok("enqueue", s.enqueue_jobs(&jobs, at(0)));
    assert!(
        ok("kind filter", s.claim_jobs("w", &[], 5, LEASE, at(0))).is_empty(),
        "no kinds, no jobs"
    );
    let feeds = ok(
        "feeds",
        s.claim_jobs("w", &[JobKind::Feed], 5, LEASE, at(0)),
    );
    assert_eq!(feeds.len(), 1);
    let retry = JobOutcome::Retry {
        error: "timed out".into(),
        at: at(100),
    };
    assert!(ok("retry", s.finish_job("w", feeds[0].id, &retry, at(1))));
    assert!(ok(
        "not yet",
        s.claim_jobs("w", &[JobKind::Feed], 5, LEASE, at(99))
    )
    .is_empty());
    let again = ok(
        "due",
        s.claim_jobs("w", &[JobKind::Feed], 5, LEASE, at(100)),
    );
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].attempts, 2);
    assert_eq!(again[0].last_error.as_deref(), Some("timed out"));
    let failed = JobOutcome::Failed {
        error: "gave up".into(),
    };
    assert!(ok("fail", s.finish_job("w", again[0].id, &failed, at(101))));
    let articles = ok(
        "articles",
        s.claim_jobs("w", &[JobKind::Article], 5, LEASE, at(102)),
    );
    assert_eq!(articles.len(), 2);
    assert_eq!(ok("release", s.release_jobs("w")), 2);
    let c = ok("counts", s.job_counts());
    assert_eq!((c.queued, c.running, c.done, c.failed), (2, 0, 0, 1));
    let back = ok(
        "reclaim",
        s.claim_jobs("w2", &[JobKind::Article], 5, LEASE, at(103)),
    );
    assert_eq!(back.len(), 2, "released jobs are claimable at once");
    assert!(
        back.iter().all(|j| j.attempts == 1),
        "a release is not counted as an attempt"
    );
}

pub fn committed_after_and_commit_lock(s: &dyn Store) {
    assert_eq!(ok("empty", s.last_article_seq()), 0);
    for n in 1..=3 {
        ok("insert", s.insert_article(&sample_article(n), at(n as i64)));
    }
    let story = ok("story", s.create_story(Some("S"), at(0)));
    ok("add", s.add_to_story(story, &ArticleId::new("a2"), at(2)));
    ok(
        "terms",
        s.put_article_terms(&ArticleId::new("a2"), &[1, 2, 3]),
    );
    ok(
        "analysis",
        s.put_analysis(&Analysis {
            article: ArticleId::new("a2"),
            pipeline_version: "v1".into(),
            json: "{\"x\":1}".into(),
            analyzed: at(3),
        }),
    );
    let all = ok("all", s.committed_after(0, 10));
    let ids: Vec<&str> = all.iter().map(|c| c.article.article.id.as_str()).collect();
    assert_eq!(ids, ["a1", "a2", "a3"], "in storage order");
    assert!(all.windows(2).all(|w| w[0].seq < w[1].seq));
    assert_eq!(ok("last", s.last_article_seq()), all[2].seq);
    assert_eq!(all[1].story, Some(story));
    assert_eq!(all[1].terms.as_deref(), Some(&[1u8, 2, 3][..]));
    assert_eq!(all[1].analysis.as_deref(), Some("{\"x\":1}"));
    assert_eq!(
        (
            all[0].story,
            all[0].terms.as_ref(),
            all[0].analysis.as_ref()
        ),
        (None, None, None)
    );
    let after = ok("after", s.committed_after(all[0].seq, 1));
    assert_eq!(after.len(), 1);
    assert_eq!(after[0].article.article.id.as_str(), "a2");
    assert!(ok("none", s.committed_after(all[2].seq, 10)).is_empty());
    for _ in 0..2 {
        let mut guard = ok("lock", s.commit_lock());
        ok("check", guard.check());
    }
}

/// `commit_article` writes an article with its analysis, sighting, story and terms, or
/// nothing; repeats record a sighting only; a half-done commit of the same article is
/// finished as it was stored.
pub fn commit_article_whole_or_not_at_all(s: &dyn Store) {
    let commit = |a: &Article, story: StoryChoice, terms: Option<&[u8]>| {
        let mut guard = ok("lock", s.commit_lock());
        let c = ArticleCommit {
            article: a,
            fetched: at(10),
            pipeline_version: "v1",
            analysis: "{\"n\":1}",
            analyzed: at(11),
            story,
            joined: at(5),
            terms,
        };
        let out = guard.commit_article(&c);
        ok("flush", guard.flush());
        out
    };
    let create = || StoryChoice::Create {
        title: "Headline".to_string(),
    };
    let a1 = sample_article(1);
    let Ok(CommitOutcome::Stored {
        id,
        copy_of: None,
        story: Some(story),
        created: true,
    }) = commit(&a1, create(), Some(&[7u8, 8][..]))
    else {
        panic!("a new article is stored in a new story");
    };
    assert_eq!(id.as_str(), "a1");
    assert_eq!(
        ok("members", s.story_articles(story)),
        std::slice::from_ref(&id)
    );
    let got = ok("story", s.story(story)).map(|st| (st.title, st.first_seen));
    assert_eq!(got, Some((Some("Headline".to_string()), at(5))));
    let analysis = ok("analysis", s.analysis(&id)).map(|x| x.json);
    assert_eq!(analysis.as_deref(), Some("{\"n\":1}"));
    assert_eq!(ok("sightings", s.sightings(&id)).len(), 1);
    assert_eq!(ok("terms", s.article_terms(&id)), Some(vec![7, 8]));

    // A second article joins it; a near copy of the first joins the first's story.
    let a2 = sample_article(2);
    let joined = ok("join", commit(&a2, StoryChoice::Join(story), None));
    assert!(
        matches!(joined, CommitOutcome::Stored { story: Some(s2), created: false, .. } if s2 == story)
    );
    let mut a3 = sample_article(3);
    a3.copy_of = Some(id.clone());
    let copied = ok("copy", commit(&a3, create(), None));
    assert!(
        matches!(&copied, CommitOutcome::Stored { copy_of: Some(o), story: Some(s3), created: false, .. } if *o == id && *s3 == story)
    );
    assert_eq!(ok("members", s.story_articles(story)).len(), 3);
    assert_eq!(
        ok("stories", s.stories(10)).len(),
        1,
        "a copy makes no story"
    );

    // The same text at another outlet: only a sighting of the stored article.
    let mut again = sample_article(1);
    again.id = ArticleId::new("other-id");
    again.canonical_url = Some("https://wire.example/1".into());
    again.url = again.canonical_url.clone();
    let repeat = ok("repeat", commit(&again, create(), None));
    assert_eq!(repeat, CommitOutcome::Existing(id.clone()));
    assert_eq!(ok("count", s.article_count()), 3);
    assert_eq!(ok("stories", s.stories(10)).len(), 1);
    // The same article committed again (a job run twice): nothing new.
    let twice = ok("twice", commit(&a1, create(), None));
    assert_eq!(twice, CommitOutcome::Existing(id.clone()));
    assert_eq!(
        ok("sightings", s.sightings(&id)).len(),
        2,
        "its own and the wire's"
    );

    // A commit that fails half-way leaves nothing: the story it names does not exist.
    let a4 = sample_article(4);
    assert!(commit(&a4, StoryChoice::Join(StoryId(story.0 + 1000)), None).is_err());
    assert_eq!(ok("article", s.article(&a4.id)), None, "rolled back");
    assert!(ok("sightings", s.sightings(&a4.id)).is_empty());
    assert_eq!(ok("analysis", s.analysis(&a4.id)), None);
    // Stored by a writer that stopped after the insert: the commit finishes it.
    let a5 = sample_article(5);
    ok("insert only", s.insert_article(&a5, at(10)));
    let finished = ok("finish", commit(&a5, create(), None));
    assert!(matches!(
        finished,
        CommitOutcome::Stored { created: true, .. }
    ));
    assert!(ok("analysis", s.analysis(&a5.id)).is_some());
    assert!(ok("story of", s.story_of(&a5.id)).is_some());
}

/// Sightings in storage order, each article's own (first) told from later ones (repeats at
/// other outlets), for readers following commits.
pub fn sightings_after_in_order(s: &dyn Store) {
    assert_eq!(ok("empty", s.last_sighting_seq()), 0);
    assert!(ok("none yet", s.sightings_after(0, 10)).is_empty());
    for n in 1..=2 {
        ok("insert", s.insert_article(&sample_article(n), at(n as i64)));
    }
    let sight = |n: u64, outlet: &str, secs: i64| Sighting {
        article: ArticleId::new(format!("a{n}")),
        url: Some(format!("https://{outlet}.example/{n}")),
        source: Some(outlet.to_string()),
        published: None,
        seen: at(secs),
    };
    assert!(ok("own", s.add_sighting(&sight(1, "first", 1))));
    assert!(ok("own", s.add_sighting(&sight(2, "second", 2))));
    assert!(ok("repeat", s.add_sighting(&sight(1, "wire", 3))));
    assert!(!ok("again", s.add_sighting(&sight(1, "wire", 4))));
    let all = ok("all", s.sightings_after(0, 10));
    let got: Vec<(&str, bool)> = all
        .iter()
        .map(|r| (r.sighting.source.as_deref().unwrap_or(""), r.first))
        .collect();
    assert_eq!(
        got,
        [("first", true), ("second", true), ("wire", false)],
        "in storage order, the same page seen twice once"
    );
    assert!(all.windows(2).all(|w| w[0].seq < w[1].seq));
    assert_eq!(all[2].sighting, sight(1, "wire", 3));
    assert_eq!(ok("last", s.last_sighting_seq()), all[2].seq);
    let rest = ok("after", s.sightings_after(all[0].seq, 1));
    assert_eq!(rest.len(), 1, "at most the limit");
    assert_eq!(rest[0].seq, all[1].seq);
    assert!(ok("none after", s.sightings_after(all[2].seq, 10)).is_empty());
}

fn new_watch(kind: crate::WatchKind, value: &str) -> crate::NewWatch {
    crate::NewWatch {
        kind,
        value: value.to_string(),
        webhook: "https://hooks.example.com/in".to_string(),
        secret: "s3cret".to_string(),
    }
}

fn delivery(watch: i64, key: &str) -> crate::NewDelivery {
    crate::NewDelivery {
        watch,
        key: key.to_string(),
        payload: format!("{{\"key\":\"{key}\"}}"),
    }
}

pub fn watches_round_trip(s: &dyn Store) {
    use crate::WatchKind;
    assert!(ok("none", s.watches()).is_empty());
    assert_eq!(ok("cursor", s.alert_cursor()), 0, "no scan yet");
    let first = ok(
        "add",
        s.add_watch(&new_watch(WatchKind::Speaker, "Ana Ruiz"), at(1)),
    );
    assert_eq!(first.after_seq, 0, "no article stored before it");
    ok("insert", s.insert_article(&sample_article(1), at(2)));
    let second = ok(
        "add",
        s.add_watch(&new_watch(WatchKind::Claim, "troops crossed"), at(3)),
    );
    assert_eq!(second.after_seq, ok("seq", s.last_article_seq()));
    assert!(second.after_seq > 0 && second.id > first.id);
    assert_eq!(
        (
            second.kind,
            second.value.as_str(),
            second.secret.as_str(),
            second.created
        ),
        (WatchKind::Claim, "troops crossed", "s3cret", at(3))
    );
    assert_eq!(ok("get", s.watch(first.id)), Some(first.clone()));
    assert_eq!(ok("all", s.watches()), [first.clone(), second.clone()]);
    assert_eq!(ok("advance", s.advance_alert_cursor(7)), 7);
    assert_eq!(ok("back", s.advance_alert_cursor(3)), 7, "never moves back");
    assert_eq!(ok("cursor", s.alert_cursor()), 7);
    ok(
        "enqueue",
        s.enqueue_deliveries(&[delivery(first.id, "a1")], at(4)),
    );
    assert!(ok("remove", s.remove_watch(first.id)));
    assert!(!ok("remove again", s.remove_watch(first.id)));
    assert_eq!(ok("gone", s.watch(first.id)), None);
    assert!(
        ok("deliveries", s.deliveries(Some(first.id), 10)).is_empty(),
        "a removed watch's deliveries go with it"
    );
    assert_eq!(
        ok(
            "orphan",
            s.enqueue_deliveries(&[delivery(first.id, "a2")], at(5))
        ),
        0,
        "a removed watch gets no deliveries"
    );
}

pub fn deliveries_once_per_key_and_leased(s: &dyn Store) {
    use crate::{DeliveryOutcome, DeliveryStatus, WatchKind};
    let w = ok(
        "add",
        s.add_watch(&new_watch(WatchKind::Keyword, "ferry"), at(0)),
    )
    .id;
    let v = ok(
        "add",
        s.add_watch(&new_watch(WatchKind::Entity, "Valdora"), at(0)),
    )
    .id;
    let list = [
        delivery(w, "a1"),
        delivery(w, "a2"),
        delivery(w, "a1"),
        delivery(v, "a1"),
    ];
    assert_eq!(
        ok("enqueue", s.enqueue_deliveries(&list, at(1))),
        3,
        "one per (watch, key)"
    );
    assert_eq!(ok("again", s.enqueue_deliveries(&list, at(2))), 0);
    let first = ok("claim", s.claim_deliveries("p1", 2, LEASE, at(3)));
    assert_eq!(first.len(), 2);
    assert_eq!((first[0].watch, first[0].key.as_str()), (w, "a1"));
    assert_eq!(first[0].payload, "{\"key\":\"a1\"}");
    assert_eq!(first[0].attempts, 1);
    assert_eq!(first[0].lease_holder.as_deref(), Some("p1"));
    assert_eq!(first[0].lease_until, Some(at(33)));
    let second = ok("claim", s.claim_deliveries("p2", 10, LEASE, at(4)));
    assert_eq!(second.len(), 1, "held deliveries are not claimed again");
    assert!(ok("claim", s.claim_deliveries("p3", 10, LEASE, at(5))).is_empty());
    assert!(ok(
        "done",
        s.finish_delivery("p1", first[0].id, &DeliveryOutcome::Delivered, at(6))
    ));
    assert!(
        !ok(
            "twice",
            s.finish_delivery("p1", first[0].id, &DeliveryOutcome::Delivered, at(7))
        ),
        "a delivered delivery is not finished again"
    );
    assert!(
        !ok(
            "other",
            s.finish_delivery("p1", second[0].id, &DeliveryOutcome::Delivered, at(7))
        ),
        "only the lease holder finishes a delivery"
    );
    assert_eq!(
        ok(
            "after delivery",
            s.enqueue_deliveries(&[delivery(w, "a1")], at(8))
        ),
        0,
        "a delivered key is not enqueued again"
    );
    let mine = ok("list", s.deliveries(Some(w), 10));
    let keys: Vec<&str> = mine.iter().map(|d| d.key.as_str()).collect();
    assert_eq!(keys, ["a2", "a1"], "newest first");
    assert_eq!(mine[1].status, DeliveryStatus::Delivered);
    assert_eq!(mine[1].finished, Some(at(6)));
    assert_eq!(mine[1].lease_holder, None);
    assert_eq!(ok("all", s.deliveries(None, 10)).len(), 3);
    assert_eq!(ok("limit", s.deliveries(None, 1)).len(), 1);
}

pub fn deliveries_retry_fail_and_expire(s: &dyn Store) {
    use crate::{DeliveryOutcome, DeliveryStatus, WatchKind};
    let w = ok(
        "add",
        s.add_watch(&new_watch(WatchKind::Keyword, "ferry"), at(0)),
    )
    .id;
    ok(
        "enqueue",
        s.enqueue_deliveries(&[delivery(w, "a1"), delivery(w, "a2")], at(0)),
    );
    let got = ok("claim", s.claim_deliveries("p1", 10, LEASE, at(1)));
    assert_eq!(got.len(), 2);
    let retry = DeliveryOutcome::Retry {
        error: "HTTP 500".into(),
        at: at(100),
    };
    assert!(ok(
        "retry",
        s.finish_delivery("p1", got[0].id, &retry, at(2))
    ));
    // p1 dies holding the second; its lease runs out at 31.
    assert!(ok("early", s.claim_deliveries("p2", 10, LEASE, at(30))).is_empty());
    let taken = ok("expired", s.claim_deliveries("p2", 10, LEASE, at(32)));
    assert_eq!(taken.len(), 1, "an expired lease is claimable");
    assert_eq!((taken[0].id, taken[0].attempts), (got[1].id, 2));
    assert!(
        !ok(
            "late",
            s.finish_delivery("p1", got[1].id, &DeliveryOutcome::Delivered, at(33))
        ),
        "the old holder cannot finish a delivery taken over"
    );
    assert!(ok(
        "taken",
        s.finish_delivery("p2", got[1].id, &DeliveryOutcome::Delivered, at(33))
    ));
    assert!(ok("not due", s.claim_deliveries("p2", 10, LEASE, at(99))).is_empty());
    let again = ok("due", s.claim_deliveries("p2", 10, LEASE, at(100)));
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].attempts, 2);
    assert_eq!(again[0].last_error.as_deref(), Some("HTTP 500"));
    let fail = DeliveryOutcome::Failed {
        error: "HTTP 410".into(),
    };
    assert!(ok(
        "fail",
        s.finish_delivery("p2", again[0].id, &fail, at(101))
    ));
    assert!(ok("nothing", s.claim_deliveries("p3", 10, LEASE, at(10_000))).is_empty());
    let failed = ok("list", s.deliveries(Some(w), 10))
        .into_iter()
        .find(|d| d.id == again[0].id);
    let failed = failed.unwrap_or_else(|| panic!("delivery {} is listed", again[0].id));
    assert_eq!(failed.status, DeliveryStatus::Failed);
    assert_eq!(failed.last_error.as_deref(), Some("HTTP 410"));
    assert_eq!(failed.finished, Some(at(101)));
}
