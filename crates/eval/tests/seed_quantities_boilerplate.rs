//! The seed article's quantities, boilerplate and credits against its expected analysis.
//!
//! Matching follows `../shared/seed/README.md`: texts are compared after trimming surrounding
//! punctuation and white space. Extra quantities are allowed (the expected file lists the ones a
//! reader cares about); every expected one must be found with its value, approximation and unit.

use eval::seed::trim_span;
use serde_json::Value;
use text::doc::CreditKind;

fn seed() -> Option<(String, Value)> {
    let dir = eval::shared_seed_dir()?;
    let name = "000_50cec8cbd34f183f";
    let text = match std::fs::read_to_string(dir.join(format!("{name}.txt"))) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("skipping: cannot read the seed text: {e}");
            return None;
        }
    };
    let expected = match std::fs::read_to_string(dir.join(format!("{name}.expected.json"))) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("skipping: cannot read the seed's expected analysis: {e}");
            return None;
        }
    };
    let expected: Value = serde_json::from_str(&expected).expect("the expected JSON parses");
    Some((text, expected))
}

fn analyze(text: &str) -> text::Doc {
    let pipeline = text::Pipeline::new().expect("embedded models load");
    pipeline.analyze(text, chrono::NaiveDate::from_ymd_opt(2024, 10, 22))
}

#[test]
fn seed_quantities_match_the_expected_ones() {
    let Some((text, expected)) = seed() else {
        return;
    };
    let doc = analyze(&text);
    let found = doc.quantities.as_deref().unwrap_or(&[]);
    let wanted = expected["quantities"]
        .as_array()
        .expect("quantities is a list");
    assert!(!wanted.is_empty());
    for e in wanted {
        let e_text = trim_span(e["text"].as_str().unwrap_or_default());
        let hit = found
            .iter()
            .find(|q| trim_span(doc.slice(q.span)) == e_text)
            .unwrap_or_else(|| {
                let got: Vec<&str> = found.iter().map(|q| doc.slice(q.span)).collect();
                panic!("quantity {e_text:?} not found; found {got:?}")
            });
        assert_eq!(Some(hit.value), e["value"].as_f64(), "value of {e_text:?}");
        assert_eq!(
            Some(hit.approximate),
            e["approximate"].as_bool(),
            "approximate of {e_text:?}"
        );
        assert_eq!(
            hit.unit.as_deref(),
            e["unit"].as_str(),
            "unit of {e_text:?}"
        );
    }
}

#[test]
fn seed_boilerplate_and_credits_are_found() {
    let Some((text, expected)) = seed() else {
        return;
    };
    let doc = analyze(&text);
    let found: Vec<&str> = doc
        .boilerplate
        .as_deref()
        .unwrap_or(&[])
        .iter()
        .map(|b| trim_span(doc.slice(b.span)))
        .collect();
    let wanted = expected["boilerplate"]
        .as_array()
        .expect("boilerplate is a list");
    assert_eq!(wanted.len(), 2);
    for e in wanted {
        let e_text = trim_span(e.as_str().unwrap_or_default());
        assert!(
            found.contains(&e_text),
            "boilerplate {e_text:?} not in {found:?}"
        );
    }
    assert_eq!(
        found.len(),
        wanted.len(),
        "no story sentence is boilerplate: {found:?}"
    );

    let credits = doc.credits.as_deref().unwrap_or(&[]);
    assert!(
        credits.iter().any(|c| c.kind == CreditKind::Syndication),
        "a syndication credit: {credits:?}"
    );
    assert!(
        credits
            .iter()
            .any(|c| c.kind == CreditKind::Wire && c.name.as_deref() == Some("Yonhap")),
        "a Yonhap wire credit: {credits:?}"
    );
}
