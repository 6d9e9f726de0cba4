//! Speaker resolution on the GUM dev documents must not fall below the figures the rules
//! reached (minus one point). Skips, saying why, when the shared corpora are absent.

/// Reached on GUM dev: precision 57.8 (26 of 45), pronoun recall 55.2 (16 of 29). Raise these
/// when the rules improve; never lower them to make a change pass. With so few cases one more
/// wrong resolution costs about two points, so a change that breaks one shows here.
const FLOORS: [(&str, f64); 2] = [("precision", 57.8 - 1.0), ("pronoun_recall", 55.2 - 1.0)];

#[test]
fn gum_dev_speaker_resolution_stays_above_the_floor() {
    let Some(gum) = eval::shared_corpus("gum") else {
        return;
    };
    let report = match eval::speakers::evaluate(&gum, "dev") {
        Ok(r) => r,
        Err(e) => panic!("evaluating speaker resolution: {e}"),
    };
    println!("{report}");
    for (name, floor) in FLOORS {
        let got = report.get(name).unwrap_or(0.0);
        assert!(
            got >= floor,
            "{name} {got:.1} fell below the floor {floor:.1}"
        );
    }
}
