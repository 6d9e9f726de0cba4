//! The seed article analysed alone: its claims and who stands where (issue 5's example).
//! Reads `../shared/seed`; skips with a printed reason when it is absent.

use app::{Tracker, TrackerConfig};
use std::sync::Arc;
use store::{SqliteStore, Store, StoryId};
use track::stance::Stance;

#[test]
fn seed_claims_and_stances() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/seed");
    let Ok(text) = std::fs::read_to_string(dir.join("000_50cec8cbd34f183f.txt")) else {
        eprintln!("skipped: the seed is not at {}", dir.display());
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(tmp.path().join("t.db")).unwrap());
    let tracker = Tracker::open(store.clone(), TrackerConfig::default()).unwrap();
    let mut article = ingest::files::article_from_text(&text, Some("https://seed.example/1"));
    article.published = chrono::DateTime::parse_from_rfc3339("2024-10-22T12:00:00Z")
        .ok()
        .map(|d| d.to_utc());
    tracker.ingest(article, chrono::Utc::now()).unwrap();
    let view = app::views::story(store.as_ref(), StoryId(1))
        .unwrap()
        .unwrap();
    for c in &view.claims {
        eprintln!("claim {}: {} (contested {})", c.id, c.text, c.contested);
        for s in &c.speakers {
            eprintln!(
                "    {:?} {:?} {:?} comments only {}",
                s.speaker, s.stance, s.statements, s.comments_only
            );
        }
        for n in &c.numbers {
            eprintln!("    numbers {:?}", n);
        }
    }
    for (i, s) in view.statements.iter().enumerate() {
        eprintln!(
            "{i}: {:?} | {} | {} | said {:?}",
            s.speaker, s.cue, s.content, s.said
        );
    }
    let stance_in = |claim: &track::claims::Claim, name: &str| {
        claim
            .speakers
            .iter()
            .find(|s| s.speaker.contains(name))
            .map(|s| s.stance)
    };
    // C1, the troops claim: the intelligence service's numbers support it, the envoy's
    // dismissal of "the accusations that it is sending soldiers" denies it (one proposition
    // however worded), and the Russian ambassador, who answers the accusations by defending
    // the cooperation, takes no side.
    let c1 = view
        .claims
        .iter()
        .find(|c| stance_in(c, "National Intelligence Service").is_some())
        .expect("a claim holds the intelligence service's statement");
    assert!(c1.text.contains("12,000"), "C1 is stated as {:?}", c1.text);
    assert_eq!(
        stance_in(c1, "National Intelligence Service"),
        Some(Stance::Supports)
    );
    assert_eq!(stance_in(c1, "envoy"), Some(Stance::Denies));
    assert_eq!(stance_in(c1, "Zinoviev"), Some(Stance::NonCommittal));
    // The unification ministry official speaks about the North's silence, not the fact.
    assert_eq!(
        stance_in(c1, "unification ministry official"),
        Some(Stance::NonCommittal)
    );
    assert!(c1.contested);
    // The envoy's own statement is a denial within C1.
    let envoy = view
        .statements
        .iter()
        .position(|s| s.cue == "dismissed")
        .expect("the envoy's dismissal is a statement");
    let envoy_stance = c1
        .appearances
        .iter()
        .find(|a| a.statement == envoy)
        .map(|a| a.stance);
    assert_eq!(envoy_stance, Some(Stance::Denies));
    // C2: the investigators support the torpedo finding and North Korea denies it, in one
    // contested claim apart from C1.
    let c2 = view
        .claims
        .iter()
        .find(|c| stance_in(c, "investigators") == Some(Stance::Supports))
        .expect("the Cheonan claim: investigators support it");
    assert_ne!(c1.id, c2.id);
    assert_eq!(
        c2.speakers
            .iter()
            .find(|s| s.speaker == "North Korea")
            .map(|s| s.stance),
        Some(Stance::Denies)
    );
    assert!(c2.contested);
    // Item 8: a story of one article says so; the seed has attributions and is English, so
    // no other note.
    let kinds: Vec<&str> = view.claim_notes.iter().map(|n| n.kind).collect();
    assert_eq!(kinds, ["single_article"]);
}
