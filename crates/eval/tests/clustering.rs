//! Story clustering on the FNC-1 story map must stay above its floor (issue bar: BCubed F1 0.85).

#[test]
fn fnc1_story_clustering_bcubed_f1_floor() {
    let Some(data) = eval::shared_data_dir() else {
        return;
    };
    let report = eval::clustering::evaluate(&data.join("fnc-1"), None).expect("FNC-1 loads");
    print!("{report}");
    let f1 = report.get("bcubed_f1").expect("bcubed_f1 metric");
    assert!(f1 >= 0.90, "BCubed F1 {f1:.3} fell below the floor 0.90");
}
