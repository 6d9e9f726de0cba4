//! Feed jobs through the worker loop, on SQLite and on PostgreSQL: two workers sharing a
//! store schedule a due feed served on loopback, exactly one of them fetches it, its items are
//! stored once, and the fetch is recorded with a next poll; when the feed is due again, the
//! next round fetches it once more and stores nothing twice.
//!
//! PostgreSQL as in `support/pg.rs`; the test keeps its tables in a schema of its own.

mod support {
    pub mod pg;
}
#[path = "../../ingest/tests/support/server.rs"]
mod server;

use app::refresh::Refresher;
use app::worker::{run_worker, WorkerConfig, WorkerReport};
use app::{Tracker, TrackerConfig};
use chrono::Utc;
use ingest::fetch::{FetchConfig, Fetcher, PollConfig};
use model::FeedId;
use server::Server;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;
use store::{FeedKind, FetchOutcome, FetchRecord, NewFeed, SqliteStore, Store};
use support::pg;

/// Two items whose feed text is long enough that no page is fetched: the feed is the only
/// request a refresh makes.
fn rss(base: &str) -> String {
    let body = |what: &str| {
        format!(
            "<p>The harbour authority of Port Halden said on Monday that the {what} would reopen \
             after three weeks of repairs, ending a closure that had diverted ferries to the \
             southern terminal and delayed deliveries to the islands.</p><p>\"The {what} is safe \
             and the timetable is back to normal,\" harbour master Lene Oskarsen told reporters, \
             adding that inspectors had signed off on the work on Sunday evening. Traders said \
             the closure of the {what} had cost them business in the busiest weeks.</p>"
        )
    };
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>
<title>Coastal Courier</title><link>{base}/</link><description>News</description>
<item><title>Port Halden reopens its northern pier</title><link>{base}/pier.html</link>
<guid>cc-pier</guid><pubDate>Mon, 10 Mar 2025 08:00:00 GMT</pubDate>
<content:encoded><![CDATA[{pier}]]></content:encoded></item>
<item><title>Island council reopens the old ferry ramp</title><link>{base}/ramp.html</link>
<guid>cc-ramp</guid><pubDate>Sun, 09 Mar 2025 17:00:00 GMT</pubDate>
<content:encoded><![CDATA[{ramp}]]></content:encoded></item>
</channel></rss>"#,
        pier = body("northern pier"),
        ramp = body("old ferry ramp on the western shore of the island"),
    )
}

fn refresher() -> Refresher {
    let mut r = Refresher::new(
        Fetcher::new(FetchConfig {
            allow_private: true, // the feed is on loopback
            timeout: Duration::from_secs(5),
            connect_timeout: Duration::from_secs(5),
            min_host_interval: Duration::from_millis(5),
            ..FetchConfig::default()
        }),
        PollConfig::default(),
    );
    r.fetch_pages = false;
    r
}

/// Runs two workers at once, each with its own tracker on its own store handle, until the
/// queue is empty; returns their reports.
fn two_workers(stores: [Arc<dyn Store>; 2], round: u32) -> Vec<WorkerReport> {
    let handles: Vec<_> = stores
        .into_iter()
        .enumerate()
        .map(|(i, store)| {
            std::thread::spawn(move || {
                let tracker = Tracker::open(store, TrackerConfig::default()).unwrap();
                let mut config = WorkerConfig::new(
                    format!("feeds-r{round}-w{i}"),
                    Arc::new(AtomicBool::new(false)),
                );
                config.exit_when_idle = true;
                config.lease = Duration::from_secs(30);
                run_worker(&tracker, Some(&refresher()), &config)
            })
        })
        .collect();
    handles.into_iter().map(|h| h.join().unwrap()).collect()
}

/// The whole check on one backend; `open` gives a new handle on the same store each call.
fn feed_jobs_run_once_per_round(open: &dyn Fn() -> Arc<dyn Store>) {
    let srv = Server::start();
    let feed_url = srv.url("/feed.xml");
    srv.page(
        "/feed.xml",
        200,
        "application/rss+xml",
        rss(&srv.url("")).as_bytes(),
    );
    let store = open();
    let added = Utc::now();
    assert!(store
        .add_feed(&NewFeed::new(feed_url.clone(), FeedKind::Feed), added)
        .unwrap());
    let id = FeedId::new(feed_url.clone());

    let reports = two_workers([open(), open()], 1);
    assert_eq!(srv.hits("/feed.xml"), 1, "one fetch for one due feed");
    assert_eq!(
        reports.iter().map(|r| r.jobs_done).sum::<u64>(),
        1,
        "one feed job between the two workers: {reports:?}"
    );
    assert!(reports
        .iter()
        .all(|r| r.jobs_failed == 0 && r.store_errors == 0));
    assert_eq!(store.article_count().unwrap(), 2, "the feed's two items");
    for path in ["/pier.html", "/ramp.html"] {
        let url = srv.url(path);
        assert!(
            store.article_by_url(&url).unwrap().is_some(),
            "{url} stored"
        );
    }
    let history = store.fetch_history(&id, 10).unwrap();
    assert_eq!(history.len(), 1, "the fetch is recorded");
    assert_eq!(history[0].outcome, FetchOutcome::Fetched);
    assert_eq!((history[0].items, history[0].new_articles), (2, 2));
    let feed = store.feed(&id).unwrap().unwrap();
    let next = feed.health.next_poll.expect("a next poll");
    assert!(next > history[0].at, "the next poll is after the fetch");
    assert_eq!(feed.health.consecutive_failures, 0);
    assert!(store.due_feeds(Utc::now(), 10).unwrap().is_empty());
    let jobs = store.job_counts().unwrap();
    assert_eq!((jobs.done, jobs.open(), jobs.failed), (1, 0, 0));

    // Due again (as if its interval had passed): recorded by hand, a not-modified fetch
    // whose next poll is now.
    let now = Utc::now();
    store
        .record_fetch(
            &id,
            &FetchRecord {
                at: now,
                outcome: FetchOutcome::NotModified,
                http_status: Some(304),
                duration_ms: 1,
                items: 0,
                new_articles: 0,
                etag: None,
                last_modified: None,
                next_poll: now - chrono::Duration::seconds(1),
            },
        )
        .unwrap();
    let reports = two_workers([open(), open()], 2);
    assert_eq!(
        srv.hits("/feed.xml"),
        2,
        "one more fetch for the next round"
    );
    assert_eq!(reports.iter().map(|r| r.jobs_done).sum::<u64>(), 1);
    assert_eq!(
        store.article_count().unwrap(),
        2,
        "the same items are not stored again"
    );
    let history = store.fetch_history(&id, 10).unwrap();
    assert_eq!(history.len(), 3);
    assert_eq!(
        (history[0].outcome.clone(), history[0].new_articles),
        (FetchOutcome::Fetched, 0)
    );
    assert!(store.feed(&id).unwrap().unwrap().health.next_poll > Some(Utc::now()));
    assert_eq!(store.job_counts().unwrap().done, 2);
}

#[test]
fn feed_jobs_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("feeds.db");
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&path).unwrap());
    // One process: the workers share the store, as threads of `claimtrail worker` would.
    feed_jobs_run_once_per_round(&|| store.clone());
}

#[test]
fn feed_jobs_on_postgres() {
    let Some(schema) = pg::Schema::fresh("ct_feedjobs") else {
        return;
    };
    feed_jobs_run_once_per_round(&|| Arc::new(schema.store()));
}
