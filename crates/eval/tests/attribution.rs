//! Attribution on the PolNeAR dev split must not fall below the exact-match F1 it reached when
//! the committed model was trained (minus one point), per role. Skips, saying why, when the
//! shared corpora are absent.

/// Exact-match F1 (percent) reached on dev by the committed model with the rule post-pass,
/// minus one point. Raise these when a better model or rule is committed; never lower them to
/// make a change pass. History (source / cue / content / whole): tagger alone 69.4 / 65.3 /
/// 45.0 / 48.1; with the first post-pass 69.9 / 65.4 / 47.5 / 50.3; with `''` quotation
/// marks paired, whole quotations, one-sided quotes, dash credits and whole verb groups as
/// cues 71.0 / 68.8 / 52.6 / 53.3; with a particle after the cue taken into it, quotations on
/// both sides of the cue, parenthetical cues, intro-clause cues and a leading "that"
/// 71.0 / 69.1 / 54.0 / 53.7; with the boundary rankers (cue, source and content
/// boundaries chosen again among nearby tokens) 72.6 / 70.0 / 55.9 / 55.2; with a stray
/// content run dropped 72.7 / 70.0 / 56.4 / 55.5; with the rankers' reach narrowed 72.7 /
/// 70.2 / 56.6 / 56.0; with the cue filter 72.8 / 70.3 / 56.8 / 56.2; with a speaker after
/// a comma no longer nested in the clause before it 73.5 / 70.8 / 57.2 / 56.8; with features
/// from a dependency parse 73.9 / 70.7 / 58.0 / 57.5; with the faster parser (83.8 UAS on EWT
/// dev instead of 82.9, and yet 0.1-0.2 lower on content on each of three training seeds)
/// 74.0 / 70.6 / 57.8 / 57.4; with a number or date after the verb kept out of the cue
/// 74.0 / 70.7 / 57.9 / 57.5.
const FLOORS: [(&str, f64); 4] = [
    ("source_exact_f1", 74.0 - 1.0),
    ("cue_exact_f1", 70.7 - 1.0),
    ("content_exact_f1", 57.9 - 1.0),
    ("attribution_f1", 57.5 - 1.0),
];

#[test]
fn polnear_dev_exact_f1_stays_above_the_floor() {
    let Some(polnear) = eval::shared_corpus("polnear") else {
        return;
    };
    let report = match eval::attribution::evaluate(&polnear, "dev") {
        Ok(r) => r,
        Err(e) => panic!("evaluating attribution: {e}"),
    };
    println!("{report}");
    for (name, floor) in FLOORS {
        let got = report.get(name).unwrap_or(0.0);
        assert!(
            got >= floor,
            "{name} is {got:.1}, below the floor {floor:.1}"
        );
    }
}
