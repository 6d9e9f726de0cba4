//! Feed refresh against a real HTTP server on loopback: every kind of misbehaviour ends in a
//! recorded status with a next poll, and the good feeds' items become stored articles.

#[path = "../../ingest/tests/support/server.rs"]
mod server;

use app::refresh::{refresh_due, refresh_feed, Refresher};
use app::{Tracker, TrackerConfig};
use chrono::Utc;
use ingest::fetch::{FetchConfig, Fetcher, PollConfig};
use server::{Body, Reply, Server};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use store::{FeedKind, NewFeed, SqliteStore, Store};

const ARTICLE_PAGE: &str = r#"<!doctype html><html lang="en"><head>
<title>Port Halden reopens its northern pier | Coastal Courier</title>
<link rel="canonical" href="PAGE_URL">
<meta property="og:site_name" content="Coastal Courier">
<meta property="article:published_time" content="2025-03-10T08:00:00Z">
</head><body><nav>Home | World | Sport</nav><article><h1>Port Halden reopens its northern pier</h1>
<p>PORT HALDEN, March 10 - The northern pier of Port Halden reopened on Monday after three weeks
of repairs, the harbour authority said, ending a closure that had diverted ferries to the
southern terminal and delayed deliveries to the islands.</p>
<p>"The pier is safe and the timetable is back to normal," harbour master Lene Oskarsen told
reporters, adding that inspectors had signed off on the work on Sunday evening.</p>
<p>About 1,200 passengers a day used the northern pier before it closed in February, when a
storm damaged two of its moorings. Traders on the islands said the closure had cost them
business during the busiest weeks of the fishing season.</p>
</article><footer>Contact us</footer></body></html>"#;

fn rss(base: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>
<title>Coastal Courier</title><link>{base}/</link><description>News</description>
<item><title>Port Halden reopens its northern pier</title><link>{base}/pier.html</link>
<guid>cc-pier</guid><pubDate>Mon, 10 Mar 2025 08:00:00 GMT</pubDate>
<description>The pier reopened.</description></item>
<item><title>Island council denies ferry fare rise</title><link>{base}/fares.html</link>
<guid>cc-fares</guid><pubDate>Sun, 09 Mar 2025 17:00:00 GMT</pubDate>
<content:encoded><![CDATA[<p>The island council on Sunday denied reports that ferry fares would
rise by a fifth in April, calling them "speculation without any basis".</p><p>A council
spokesperson said the fares for residents had been fixed until the end of the year and that
no proposal to change them had been put to the council. The ferry operator, Nordlys Lines,
said it had asked for a review of its costs after the pier closure but had not asked for higher
fares. Passenger groups said they would watch the council's next budget meeting closely.</p>
<script>alert(1)</script>]]></content:encoded></item>
</channel></rss>"#
    )
}

fn fetcher() -> Fetcher {
    Fetcher::new(FetchConfig {
        allow_private: true,
        timeout: Duration::from_secs(2),
        connect_timeout: Duration::from_secs(2),
        min_host_interval: Duration::from_millis(5),
        ..FetchConfig::default()
    })
}

fn tracker(dir: &Path) -> Tracker {
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(dir.join("t.db")).unwrap());
    Tracker::open(store, TrackerConfig::default()).unwrap()
}

#[test]
fn every_feed_gets_a_status_and_polling_goes_on() {
    let srv = Server::start();
    let base = srv.url("");
    let page = ARTICLE_PAGE.replace("PAGE_URL", &srv.url("/pier.html"));
    srv.page(
        "/pier.html",
        200,
        "text/html; charset=utf-8",
        page.as_bytes(),
    );
    let feed = rss(&base);
    srv.route("/feed.xml", move |req| {
        if req.header("if-none-match") == Some("\"v1\"") {
            Reply::new(304).header("ETag", "\"v1\"")
        } else {
            Reply::ok("application/rss+xml", feed.clone()).header("ETag", "\"v1\"")
        }
    });
    let calls = Arc::new(AtomicUsize::new(0));
    let flaky_calls = calls.clone();
    let flaky_feed = rss(&base).replace("cc-", "flaky-");
    srv.route("/flaky.xml", move |_| {
        if flaky_calls.fetch_add(1, Ordering::SeqCst) == 0 {
            Reply::new(500).body("upstream broke")
        } else {
            Reply::ok("application/rss+xml", flaky_feed.clone())
        }
    });
    srv.page(
        "/malformed.xml",
        200,
        "application/rss+xml",
        b"<rss><channel><title>Broken</title><item><title>x</ite",
    );
    srv.route("/limited.xml", |_| {
        Reply::new(429).header("Retry-After", "7200")
    });
    srv.silent("/silent.xml");
    srv.route("/bomb.xml", |_| {
        Reply::ok("application/rss+xml", Vec::new()).with_body(Body::Repeat {
            byte: b'<',
            len: 100 * 1024 * 1024,
        })
    });
    let telegram = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../ingest/testdata/telegram.html"),
    )
    .unwrap();
    srv.page("/s/coastwatch", 200, "text/html; charset=utf-8", &telegram);

    let dir = tempfile::tempdir().unwrap();
    let tracker = tracker(dir.path());
    let store = tracker.store().clone();
    let now = Utc::now();
    for (path, kind) in [
        ("/feed.xml", FeedKind::Feed),
        ("/flaky.xml", FeedKind::Feed),
        ("/malformed.xml", FeedKind::Feed),
        ("/limited.xml", FeedKind::Feed),
        ("/silent.xml", FeedKind::Feed),
        ("/bomb.xml", FeedKind::Feed),
        ("/s/coastwatch", FeedKind::Telegram),
    ] {
        assert!(store
            .add_feed(&NewFeed::new(srv.url(path), kind), now)
            .unwrap());
    }
    let refresher = Refresher::new(fetcher(), PollConfig::default());
    let reports = refresh_due(&tracker, &refresher, Utc::now(), 100).unwrap();
    assert_eq!(reports.len(), 7, "every due feed was tried");
    let by = |path: &str| {
        reports
            .iter()
            .find(|r| r.url == srv.url(path))
            .unwrap_or_else(|| panic!("no report for {path}"))
            .clone()
    };
    let good = by("/feed.xml");
    assert!(
        good.ok && good.items == 2 && good.new_articles == 2,
        "{good:?}"
    );
    let flaky = by("/flaky.xml");
    assert!(!flaky.ok && flaky.status.contains("500"), "{flaky:?}");
    let malformed = by("/malformed.xml");
    assert!(!malformed.ok, "{malformed:?}");
    let limited = by("/limited.xml");
    assert!(
        !limited.ok && limited.next_poll >= now + chrono::Duration::seconds(7000),
        "Retry-After is honoured: {limited:?}"
    );
    let silent = by("/silent.xml");
    assert!(
        !silent.ok && silent.status.to_lowercase().contains("time"),
        "{silent:?}"
    );
    let bomb = by("/bomb.xml");
    assert!(
        !bomb.ok && bomb.status.to_lowercase().contains("large"),
        "{bomb:?}"
    );
    let tg = by("/s/coastwatch");
    assert!(tg.ok && tg.items > 0, "{tg:?}");

    // The summary-only item was completed from its page; the other used its own content,
    // without its script.
    let pier = store
        .article_by_url(&srv.url("/pier.html"))
        .unwrap()
        .and_then(|id| store.article(&id).unwrap())
        .expect("the pier article is stored");
    assert!(pier.article.text.contains("harbour master Lene Oskarsen"));
    assert_eq!(pier.article.source.as_deref(), Some("Coastal Courier"));
    let hits = store.search("nordlys", 5).unwrap();
    assert_eq!(hits.len(), 1);
    let fares = store.article(&hits[0].id).unwrap().unwrap();
    assert!(
        !fares.article.text.contains("alert"),
        "{}",
        fares.article.text
    );

    // Health is recorded for every feed, failures counted.
    for f in store.feeds().unwrap() {
        assert!(f.health.next_poll.is_some(), "{} has a next poll", f.url);
        let failing = !["/feed.xml", "/s/coastwatch"]
            .iter()
            .any(|p| f.url == srv.url(p));
        assert_eq!(
            f.health.consecutive_failures,
            u32::from(failing),
            "{}",
            f.url
        );
        assert_eq!(f.health.last_error.is_some(), failing, "{}", f.url);
    }

    // Polling goes on: the good feed answers 304 to its validator, the flaky one recovers.
    let record = |path: &str| {
        store
            .feeds()
            .unwrap()
            .into_iter()
            .find(|f| f.url == srv.url(path))
            .unwrap()
    };
    let again = refresh_feed(&tracker, &refresher, &record("/feed.xml")).unwrap();
    assert_eq!(again.status, "not modified");
    assert_eq!(
        srv.requests_to("/feed.xml")
            .last()
            .and_then(|r| r.header("if-none-match").map(str::to_string)),
        Some("\"v1\"".to_string())
    );
    let recovered = refresh_feed(&tracker, &refresher, &record("/flaky.xml")).unwrap();
    assert!(recovered.ok, "{recovered:?}");
    assert_eq!(record("/flaky.xml").health.consecutive_failures, 0);
    assert_eq!(
        srv.hits("/pier.html"),
        1,
        "a page already stored is not fetched again"
    );
    let history = store.fetch_history(&record("/flaky.xml").id, 10).unwrap();
    assert_eq!(history.len(), 2);
}
