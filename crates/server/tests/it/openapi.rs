//! The OpenAPI document lists exactly the routes the router registers, in both directions.

use crate::support::{get, shared};
use std::collections::BTreeSet;

const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

#[test]
fn the_openapi_document_matches_the_router() {
    let s = shared();
    let r = get(&format!("{}/api/openapi.json", s.base));
    assert_eq!(r.status, 200);
    let doc = r.json();
    assert_eq!(doc["openapi"], "3.1.0");
    let mut documented = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            assert!(
                METHODS.contains(&method.as_str()),
                "{path}: {method} is not a method"
            );
            assert!(
                op["responses"].is_object(),
                "{method} {path} has no responses"
            );
            documented.insert((method.to_uppercase(), path.clone()));
        }
    }
    let (state, _stop) = server::AppState::new(
        s.tracker.clone(),
        &server::Config::new("127.0.0.1:0".parse().unwrap()),
    );
    let config = server::Config::new("127.0.0.1:0".parse().unwrap());
    let routes = server::routes::build(state, &config);
    let registered: BTreeSet<(String, String)> = routes
        .list()
        .iter()
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect();
    let undocumented: Vec<_> = registered.difference(&documented).collect();
    let stale: Vec<_> = documented.difference(&registered).collect();
    assert!(
        undocumented.is_empty(),
        "routes missing from the OpenAPI document: {undocumented:?}"
    );
    assert!(
        stale.is_empty(),
        "documented routes the router lacks: {stale:?}"
    );
    // Every path parameter in a template is declared.
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (_, op) in item.as_object().unwrap() {
            for name in path.split('{').skip(1).filter_map(|p| p.split('}').next()) {
                let declared = op["parameters"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .any(|p| p["name"] == name && p["in"] == "path" && p["required"] == true);
                assert!(declared, "{path}: parameter {name} is not declared");
            }
        }
    }
}
