//! The tracker end to end on the bundled sample story: copies, repeats, stories, idempotent
//! re-import, and a restart that rebuilds the indexes from the store.

use app::import::import_path;
use app::{Ingested, Tracker, TrackerConfig};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use store::{SqliteStore, Store};

fn sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../samples/estmark-border.jsonl")
}

fn open(dir: &Path) -> Tracker {
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(dir.join("t.db")).unwrap());
    let mut config = TrackerConfig::default();
    // The sample is dated 2025: keep its stories active whenever the test runs.
    config.stories.active_window_secs = 100 * 365 * 86_400;
    Tracker::open(store, config).unwrap()
}

#[test]
fn sample_story_imports_with_copies_and_one_story() {
    let dir = tempfile::tempdir().unwrap();
    let tracker = open(dir.path());
    let events = tracker.subscribe();
    let report = import_path(&tracker, &sample(), &mut |_| {}).unwrap();
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(report.read, 8);
    // The Harbor Times copies of the two wire stories are near-duplicates.
    assert_eq!(report.copies, 2, "{report:?}");
    assert_eq!(report.new, 6, "{report:?}");
    assert_eq!(events.try_iter().count(), 8, "one event per article");

    let store = tracker.store().clone();
    let stories = app::views::stories(store.as_ref(), 10).unwrap();
    let main = &stories.iter().max_by_key(|s| s.articles).expect("a story");
    assert!(
        main.articles >= 6,
        "the sample is one developing story: {stories:#?}"
    );
    assert!(main.outlets.contains(&"Harbor Times".to_string()));
    let view = app::views::story(store.as_ref(), store::StoryId(main.id))
        .unwrap()
        .unwrap();
    let json = serde_json::to_string(&view).unwrap();
    assert_eq!(json.matches("\"articles\":").count(), 1, "one key per name");
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        v["articles_stored"].as_u64(),
        Some(u64::from(main.articles))
    );
    assert_eq!(
        v["articles"].as_array().map(Vec::len),
        Some(view.articles.len())
    );
    let wire = view
        .articles
        .iter()
        .find(|a| a.source.as_deref() == Some("Meridian Wire"))
        .expect("the wire story is an original");
    assert!(
        wire.copies
            .iter()
            .any(|c| c.kind == "near" && c.source.as_deref() == Some("Harbor Times")),
        "the copy is folded under its original: {:#?}",
        wire.copies
    );
    assert!(
        view.articles
            .iter()
            .all(|a| a.source.as_deref() != Some("Harbor Times")),
        "copies are not listed as originals"
    );
    assert!(
        !view.statements.is_empty(),
        "statements come from the analyses"
    );

    // Importing again stores nothing new: every line is a repeat.
    let again = import_path(&tracker, &sample(), &mut |_| {}).unwrap();
    assert_eq!(
        (again.new, again.copies, again.repeats),
        (0, 0, 8),
        "{again:?}"
    );
    assert_eq!(store.article_count().unwrap(), 8);
}

#[test]
fn exact_repeat_from_another_outlet_is_a_sighting() {
    let dir = tempfile::tempdir().unwrap();
    let tracker = open(dir.path());
    let text = "The harbour authority said on Tuesday that the ferry service to the islands \
        would resume next week after repairs to the pier were completed ahead of schedule. \
        Officials said about 1,200 passengers a day used the route before it closed.";
    let mut a = ingest::files::article_from_text(text, Some("https://one.example/ferry"));
    a.source = Some("One".into());
    let mut b = ingest::files::article_from_text(text, Some("https://two.example/ferry-news"));
    b.source = Some("Two".into());
    let now = chrono::Utc::now();
    let first = tracker.ingest(a, now).unwrap();
    let Ingested::New { id, .. } = first else {
        panic!("first is new: {first:?}")
    };
    assert_eq!(
        tracker.ingest(b, now).unwrap(),
        Ingested::Repeat {
            original: id.clone()
        }
    );
    let outlets: Vec<_> = tracker
        .store()
        .sightings(&id)
        .unwrap()
        .into_iter()
        .filter_map(|s| s.source)
        .collect();
    assert_eq!(outlets, ["One", "Two"]);
}

/// A copy committed again (a job retried after its worker died past the commit, or a file
/// imported twice) is the copy already stored, not a sighting of its original elsewhere.
#[test]
fn a_copy_committed_again_is_itself_repeated() {
    let dir = tempfile::tempdir().unwrap();
    let text = "The harbour authority said on Tuesday that the ferry service to the islands \
        would resume next week after repairs to the pier were completed ahead of schedule. \
        Officials said about 1,200 passengers a day used the route before it closed, and \
        that fares would stay the same for the rest of the year.";
    let article = |url: &str, text: &str| {
        let mut a = ingest::files::article_from_text(text, Some(url));
        a.source = url.split('/').nth(2).map(str::to_string);
        a
    };
    let original = article("https://one.example/ferry", text);
    let copy_text = text.replace("the rest of the year", "the rest of this year");
    let copy = article("https://two.example/ferry", &copy_text);
    let now = chrono::Utc::now();
    let tracker = open(dir.path());
    let Ingested::New { id: first, .. } = tracker.ingest(original, now).unwrap() else {
        panic!("the first is new")
    };
    let Ingested::Copy { id: copied, .. } = tracker.ingest(copy.clone(), now).unwrap() else {
        panic!("the second is a near copy")
    };
    let again = Ingested::Repeat {
        original: copied.clone(),
    };
    assert_eq!(tracker.ingest(copy.clone(), now).unwrap(), again);
    drop(tracker);
    let reopened = open(dir.path());
    assert_eq!(reopened.ingest(copy, now).unwrap(), again);
    let store = reopened.store();
    for (id, want) in [(&first, "one.example"), (&copied, "two.example")] {
        let outlets: Vec<_> = store
            .sightings(id)
            .unwrap()
            .into_iter()
            .filter_map(|s| s.source)
            .collect();
        assert_eq!(outlets, [want], "sightings of {id:?}");
    }
}

#[test]
fn a_restarted_tracker_keeps_its_stories_and_copies() {
    let dir = tempfile::tempdir().unwrap();
    {
        let tracker = open(dir.path());
        import_path(&tracker, &sample(), &mut |_| {}).unwrap();
    }
    let tracker = open(dir.path());
    let before = tracker.story_count();
    assert!(before > 0, "stories are rebuilt from the store");
    // A further copy of the wire story, arriving after the restart, is still a copy, and a
    // follow-up joins the stored story.
    let lines: Vec<String> = std::fs::read_to_string(sample())
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    let mut rec: serde_json::Value = serde_json::from_str(&lines[0]).unwrap();
    rec["url"] = "https://third.example/estmark".into();
    rec["source"] = "Third Outlet".into();
    let text = rec["text"].as_str().unwrap().to_string();
    rec["text"] = format!("{text}\n\nRead more on our site.").into();
    let article = ingest::files::from_record("test", serde_json::from_value(rec).unwrap()).unwrap();
    let out = tracker.ingest(article, chrono::Utc::now()).unwrap();
    assert!(
        matches!(out, Ingested::Copy { ref story, .. } if story.is_some()),
        "{out:?}"
    );
}
