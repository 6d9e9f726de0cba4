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
            eprintln!("    {:?} {:?} {:?}", s.speaker, s.stance, s.statements);
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
    // C1: the intelligence service's numbers support the troops claim.
    let c1 = view
        .claims
        .iter()
        .find(|c| c.text.contains("12,000"))
        .expect("a claim carries the 12,000 special forces");
    assert_eq!(
        stance_in(c1, "National Intelligence Service"),
        Some(Stance::Supports)
    );
    // The envoy's statement dismissing the accusations is a denial, whatever claim it joins.
    let envoy = view
        .statements
        .iter()
        .position(|s| s.cue == "dismissed")
        .expect("the envoy's dismissal is a statement");
    let envoy_stance = view
        .claims
        .iter()
        .flat_map(|c| &c.appearances)
        .find(|a| a.statement == envoy)
        .map(|a| a.stance);
    assert_eq!(envoy_stance, Some(Stance::Denies));
    // C2: the investigators support the torpedo finding and North Korea denies it, in one
    // contested claim.
    let c2 = view
        .claims
        .iter()
        .find(|c| {
            stance_in(c, "investigators") == Some(Stance::Supports)
                && stance_in(c, "North Korea") == Some(Stance::Denies)
        })
        .expect("the Cheonan claim: investigators support, North Korea denies");
    assert!(c2.contested);
}
