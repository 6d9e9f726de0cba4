//! `claimtrail stance`: JSON lines in, one stance record a line out; a malformed line becomes an
//! error record naming its line, the rest goes on, and the exit code is 1.

use super::run;

fn records(out: &std::process::Output) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

#[test]
fn good_lines_get_a_stance_and_scores() {
    let input = concat!(
        r#"{"id":"a","claim":"Estmark sent 4,000 marines to Valdora","text":"Estmark's defence ministry dismissed reports that it sent marines to Valdora as fake news"}"#,
        "\n",
        r#"{"id":"b","claim":"Estmark sent 4,000 marines to Valdora","text":"Harbor city opens a new bridge for cyclists after years of delays"}"#,
        "\n",
        r#"{"id":3,"claim":"Estmark sent 4,000 marines to Valdora","text":"Estmark reportedly sent marines to Valdora, unconfirmed sources claim"}"#,
        "\n",
    );
    let out = run(&["stance", "--jsonl", "-"], input.as_bytes());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let recs = records(&out);
    assert_eq!(recs.len(), 3);
    assert_eq!(recs[0]["id"], "a");
    assert_eq!(recs[0]["stance"], "denies");
    assert_eq!(recs[1]["stance"], "unrelated");
    assert_eq!(recs[2]["id"], 3);
    for r in &recs {
        let scores = r["scores"].as_object().expect("scores is a map");
        assert_eq!(scores.len(), 4);
        let sum: f64 = scores.values().map(|v| v.as_f64().expect("number")).sum();
        assert!((sum - 1.0).abs() < 1e-3, "scores sum to {sum}");
        let best = scores
            .iter()
            .max_by(|a, b| a.1.as_f64().partial_cmp(&b.1.as_f64()).expect("finite"))
            .map(|(k, _)| k.as_str());
        assert_eq!(best, r["stance"].as_str());
    }
}

#[test]
fn a_malformed_line_is_reported_and_the_rest_goes_on() {
    let input = concat!(
        r#"{"id":"ok","claim":"Estmark sent marines to Valdora","text":"Estmark denied sending marines"}"#,
        "\n",
        "{not json\n",
        r#"{"id":"no-text","claim":"Estmark sent marines to Valdora"}"#,
        "\n",
        r#"{"id":"last","claim":"Estmark sent marines to Valdora","text":"Estmark confirmed it sent marines to Valdora"}"#,
        "\n",
    );
    let out = run(&["stance", "--jsonl", "-"], input.as_bytes());
    assert_eq!(out.status.code(), Some(1));
    let recs = records(&out);
    assert_eq!(recs.len(), 4);
    assert_eq!(recs[0]["id"], "ok");
    assert!(recs[0]["stance"].is_string());
    let err = recs[1]["error"].as_str().expect("error record");
    assert!(err.contains(":2:"), "{err}");
    let err = recs[2]["error"].as_str().expect("error record");
    assert!(err.contains(":3:"), "{err}");
    assert_eq!(recs[2]["id"], "no-text");
    assert_eq!(recs[3]["id"], "last");
    assert!(recs[3]["stance"].is_string());
}

#[test]
fn related_restricts_the_classes() {
    let input =
        r#"{"id":1,"claim":"Estmark sent marines to Valdora","text":"Bridge opens for cyclists"}"#;
    let out = run(&["stance", "--jsonl", "--related", "-"], input.as_bytes());
    assert!(out.status.success());
    let recs = records(&out);
    assert_ne!(recs[0]["stance"], "unrelated");
    assert!(recs[0]["scores"].get("unrelated").is_none());
}
