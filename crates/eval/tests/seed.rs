//! The seed article (`../shared/seed`) analysed with the default pipeline against its expected
//! JSON, within the tolerances of the seed README.
//!
//! Two expected entities are judgement calls we make differently, so the floor is 16 of 18:
//! "Seoul" nested inside "Russian Embassy in Seoul" (our entities never overlap, as in
//! OntoNotes and spaCy; the embassy carries the country instead), and "Russia's Far East" as
//! one LOC (we give "Russia" GPE and "Far East" LOC).

#[test]
fn seed_times_quantities_entities_and_boilerplate() {
    let Some(dir) = eval::shared_seed_dir() else {
        return;
    };
    let r = eval::seed::run(&dir).expect("the seed and its expected JSON load");
    print!("{}", r.report);
    assert_eq!(
        r.times.found, r.times.expected,
        "times missed: {:?}",
        r.times.missed
    );
    assert_eq!(
        r.quantities.found, r.quantities.expected,
        "quantities missed: {:?}",
        r.quantities.missed
    );
    assert_eq!(
        r.boilerplate.found, r.boilerplate.expected,
        "boilerplate missed: {:?}",
        r.boilerplate.missed
    );
    assert!(
        r.entities.found + 2 >= r.entities.expected,
        "entities missed: {:?}",
        r.entities.missed
    );
}
