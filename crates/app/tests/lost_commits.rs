//! A batch whose database connections are cut while it commits (PostgreSQL): nothing in it is
//! acknowledged, the tracker rebuilds its indexes from the store before its next batch, and
//! committing the same articles again leaves each stored once, in one story, with one
//! sighting; a third time, every article is a repeat of itself.

mod support {
    pub mod pg;
}

use app::{Ingested, Tracker, TrackerConfig};
use model::Article;
use std::sync::Arc;
use std::time::Duration;
use store::Store;

/// `n` short articles, distinct by URL and numbers; some are near copies of others, as in a
/// real batch.
fn articles(n: usize) -> Vec<Article> {
    const PLACES: [&str; 6] = [
        "Alder",
        "Birchmoor",
        "Cedarholt",
        "Dovecrest",
        "Elmridge",
        "Harlow",
    ];
    (0..n)
        .map(|i| {
            let place = PLACES[i % PLACES.len()];
            let text = format!(
                "Mayor Jo Quill of {place} said on Monday that bridge project {i} would go ahead \
                 after a vote of the council. Officials denied reports of delays at site {}, \
                 and engineers said the work would be finished before the winter.",
                (i * 7919) % 100_003
            );
            let url = format!("https://news{}.example/story/{i}", i % 4);
            let mut a = ingest::files::article_from_text(&text, Some(&url));
            a.source = Some(format!("Outlet {}", i % 4));
            a
        })
        .collect()
}

#[test]
fn a_batch_cut_off_mid_commit_is_redone_once() {
    let Some(schema) = support::pg::Schema::fresh("ct_lostcommits") else {
        return;
    };
    // The application name lets the test find the store's connections, and only them.
    let url = format!(
        "{}{}application_name={}",
        schema.url,
        if schema.url.contains('?') { '&' } else { '?' },
        schema.name
    );
    let store: Arc<dyn Store> = Arc::new(
        store::PgStore::connect_with_schema(&url, &schema.name).expect("connecting the store"),
    );
    let mut config = TrackerConfig::default();
    config.stories.active_window_secs = 100 * 365 * 86_400;
    let tracker = Tracker::open(store.clone(), config).expect("opening the tracker");
    let batch = articles(80);
    let now = chrono::Utc::now();

    // Cut every connection of the store once the first article of the batch is committed.
    let events = tracker.subscribe();
    let cutter = {
        let admin_url = schema.url.clone();
        let name = schema.name.clone();
        std::thread::spawn(move || {
            events.recv_timeout(Duration::from_secs(60)).ok()?;
            let mut admin = postgres::Client::connect(&admin_url, postgres::NoTls).ok()?;
            let row = admin
                .query_one(
                    "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity
                     WHERE application_name = $1",
                    &[&name],
                )
                .ok()?;
            Some(row.get::<_, i64>(0))
        })
    };
    let first = tracker.ingest_batch(batch.clone(), now);
    let cut = cutter.join().expect("the cutting thread");
    assert!(cut.is_some_and(|n| n > 0), "connections were cut: {cut:?}");
    assert!(
        first.iter().all(Result::is_err),
        "nothing in a batch that could not be made durable is acknowledged: {:?}",
        first.iter().filter(|r| r.is_ok()).collect::<Vec<_>>()
    );

    // Again: the store reconnects, the tracker rebuilds, and every article is accounted for.
    let second = tracker.ingest_batch(batch.clone(), now);
    let failed: Vec<_> = second.iter().filter_map(|r| r.as_ref().err()).collect();
    assert!(failed.is_empty(), "the second try commits: {failed:?}");
    assert_eq!(store.article_count().expect("count"), 80);
    for a in &batch {
        let id = &a.id;
        let placed = match store.article(id).expect("article") {
            Some(s) if s.article.copy_of.is_some() => store.story_of(id).expect("story"),
            Some(_) => Some(
                store
                    .story_of(id)
                    .expect("story")
                    .expect("an original's story"),
            ),
            None => panic!("{id:?} was not stored"),
        };
        assert!(placed.is_some(), "{id:?} is in a story");
        assert_eq!(store.sightings(id).expect("sightings").len(), 1, "{id:?}");
    }
    let members: usize = store
        .stories(usize::MAX)
        .expect("stories")
        .iter()
        .map(|s| store.story_articles(s.id).expect("members").len())
        .sum();
    assert_eq!(members, 80, "each article in one story, once");

    // A third time, each article is a repeat of itself: the indexes know them all.
    for (a, r) in batch.iter().zip(tracker.ingest_batch(batch.clone(), now)) {
        assert_eq!(
            r.expect("the third try"),
            Ingested::Repeat {
                original: a.id.clone()
            }
        );
    }
}
