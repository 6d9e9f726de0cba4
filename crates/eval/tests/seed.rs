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

/// Issue 3, item 7: attributions found with source and cue matching after trimming and content
/// token F1 of at least 0.8, with their speakers resolved ("The blogger" -> @rvvoenkor_bot,
/// "the official" -> the anonymous unification ministry official, "the North" -> North Korea),
/// the embassy's Facebook post as its channel and a7, a8 nested in a9. Reached: 13 of 13 (the
/// issue asks for 11). With the first parser, a3's content stopped before ", which is one of
/// the suspected locations ...", and the count was 12.
#[test]
fn seed_attributions_speakers_channel_and_nesting() {
    let Some(dir) = eval::shared_seed_dir() else {
        return;
    };
    let r = eval::seed::run(&dir).expect("the seed and its expected JSON load");
    let at = &r.attributions;
    assert!(
        at.layer.found >= 13,
        "attributions found {}/{}; missed: {:?}",
        at.layer.found,
        at.layer.expected,
        at.layer.missed
    );
    let n = at.layer.found;
    for (what, got) in [
        ("speaker", at.speaker),
        ("speaker kind", at.speaker_kind),
        ("anonymous", at.anonymous),
        ("kind", at.kind),
    ] {
        assert_eq!(got, n, "{what} right for {got} of {n}: {:?}", at.wrong);
    }
    assert_eq!(at.channel, (1, 1), "{:?}", at.wrong);
    assert_eq!(at.addressee, (1, 1), "{:?}", at.wrong);
    assert_eq!(at.nesting, (2, 2), "{:?}", at.wrong);
}
