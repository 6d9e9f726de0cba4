//! `claimtrail watch ...` as a user runs it: add (secret printed once, private webhooks
//! refused without the flag), list, import, `deliver --once` posting signed matches to a real
//! loopback receiver, a second run sending nothing again, deliveries and remove.

#[path = "../../../app/tests/support/receiver.rs"]
mod receiver;

use crate::{run, sample, stdout_json};
use receiver::Receiver;

fn ok(args: &[&str]) -> String {
    let out = run(args, b"");
    assert!(
        out.status.success(),
        "{args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn watch_add_deliver_once_list_and_remove() {
    let rx = Receiver::start(&[]);
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("w.db");
    let db = db.to_str().unwrap();
    let hook = rx.url("/alerts");

    let refused = run(
        &[
            "--db",
            db,
            "watch",
            "add",
            "--entity",
            "Valdora",
            "--webhook",
            &hook,
        ],
        b"",
    );
    assert!(!refused.status.success());
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(err.contains("non-public"), "{err}");

    let added = ok(&[
        "--db",
        db,
        "watch",
        "add",
        "--keyword",
        "marines",
        "--webhook",
        &hook,
        "--allow-private-webhooks",
    ]);
    let secret = added
        .lines()
        .find_map(|l| l.strip_prefix("secret: "))
        .unwrap_or_else(|| panic!("the secret is printed: {added}"))
        .to_string();
    assert_eq!(secret.len(), 64);
    let chosen = ok(&[
        "--db",
        db,
        "watch",
        "add",
        "--speaker",
        "Tallinger",
        "--webhook",
        &hook,
        "--secret",
        "given-secret",
        "--allow-private-webhooks",
    ]);
    assert!(
        !chosen.contains("secret:"),
        "a given secret is not echoed: {chosen}"
    );

    let list = stdout_json(&run(&["--db", db, "watch", "list", "--json"], b""));
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["kind"], "keyword");
    assert_eq!(list[1]["kind"], "speaker");
    assert!(list.iter().all(|w| w.get("secret").is_none()), "{list:?}");

    ok(&[
        "--db",
        db,
        "import",
        sample("estmark-border.jsonl").to_str().unwrap(),
    ]);
    let first = ok(&[
        "--db",
        db,
        "watch",
        "deliver",
        "--once",
        "--allow-private-webhooks",
    ]);
    assert!(first.contains("scanned 8 articles"), "{first}");
    let got = rx.received();
    assert!(got.len() >= 2, "{first}");
    for r in &got {
        let ts: i64 = r.header("x-claimtrail-timestamp").unwrap().parse().unwrap();
        let sig = r.header("x-claimtrail-signature").unwrap();
        let key = match r.json()["watch"]["kind"].as_str() {
            Some("keyword") => secret.as_str(),
            _ => "given-secret",
        };
        assert!(
            app::alerts::verify_signature(key, ts, &r.body, sig),
            "signed with the watch's secret"
        );
    }
    assert!(
        first.contains(&format!("delivered {}", got.len())),
        "{first}"
    );

    let again = ok(&[
        "--db",
        db,
        "watch",
        "deliver",
        "--once",
        "--allow-private-webhooks",
    ]);
    assert!(again.contains("enqueued 0; delivered 0"), "{again}");
    assert_eq!(rx.received().len(), got.len(), "nothing is sent twice");

    let deliveries = stdout_json(&run(&["--db", db, "watch", "deliveries", "--json"], b""));
    let deliveries = deliveries.as_array().unwrap();
    assert_eq!(deliveries.len(), got.len());
    assert!(deliveries.iter().all(|d| d["status"] == "delivered"));

    let id = list[0]["id"].to_string();
    assert!(ok(&["--db", db, "watch", "remove", &id]).contains("removed"));
    assert!(!run(&["--db", db, "watch", "remove", &id], b"")
        .status
        .success());
}
