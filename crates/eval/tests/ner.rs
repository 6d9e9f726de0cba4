//! Entity recognition on the GUM dev documents must not fall below the F1 the committed model
//! reached (minus one point), per type and overall. Skips, saying why, when the shared corpora
//! are absent.

/// F1 reached on GUM dev by the committed ner.bin, minus one point. Raise these when a better
/// model is committed; never lower them to make a change pass. Reached: PER 0.642, ORG 0.486,
/// LOC 0.720, all 0.629 (after the gold fix that keeps "United" in "United States"); PER and
/// ORG keep the earlier, higher floors (0.644 and 0.492 reached then, minus one point).
const FLOORS: [(&str, f64); 4] = [
    ("f1_per", 0.644 - 0.01),
    ("f1_org", 0.492 - 0.01),
    ("f1_loc", 0.720 - 0.01),
    ("f1", 0.629 - 0.01),
];

#[test]
fn gum_dev_entity_f1_stays_above_the_floor() {
    let Some(gum) = eval::shared_corpus("gum") else {
        return;
    };
    let report = match eval::ner::evaluate(&gum, "dev") {
        Ok(r) => r,
        Err(e) => panic!("evaluating entities: {e}"),
    };
    println!("{report}");
    for (name, floor) in FLOORS {
        let got = report.get(name).unwrap_or(0.0);
        assert!(
            got >= floor,
            "{name} {got:.3} fell below the floor {floor:.3}"
        );
    }
}
