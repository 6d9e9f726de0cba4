//! Conventions the workspace keeps, checked on every test run: module docs, the dependency
//! edges ARCHITECTURE.md allows, no ignored tests, no unwrap in library code.

use super::workspace_root;
use std::path::{Path, PathBuf};

/// Which of our crates each crate may depend on (DESIGN.md's one-way edges).
const ALLOWED_EDGES: &[(&str, &[&str])] = &[
    ("text", &[]),
    ("model", &[]),
    ("ingest", &["model"]),
    ("track", &["text", "model"]),
    ("store", &["model"]),
    ("app", &["text", "model", "ingest", "track", "store"]),
    ("server", &["app", "model", "store", "text"]),
    ("eval", &["text", "track", "ingest"]),
    (
        "claimtrail",
        &["app", "server", "text", "eval", "model", "ingest", "store"],
    ),
];

/// Crates that must stay pure: no I/O stack, no async runtime, no SQL, no HTTP.
const PURE: &[&str] = &["text", "model", "track"];
const IMPURE_DEPS: &[&str] = &[
    "tokio",
    "reqwest",
    "hyper",
    "axum",
    "rusqlite",
    "sqlx",
    "postgres",
    "tokio-postgres",
    "ureq",
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

fn crate_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(workspace_root().join("crates"))
        .expect("crates/ exists")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("Cargo.toml").is_file())
        .collect();
    dirs.sort();
    dirs
}

/// (package name, dependency names) from a Cargo.toml, read with a minimal line parser.
fn manifest(dir: &Path) -> (String, Vec<String>) {
    let src = std::fs::read_to_string(dir.join("Cargo.toml")).expect("Cargo.toml is readable");
    let mut name = String::new();
    let mut deps = Vec::new();
    let mut section = String::new();
    for line in src.lines().map(str::trim) {
        if line.starts_with('[') {
            section = line.trim_matches(|c| c == '[' || c == ']').to_string();
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let key = key.trim();
        if section == "package" && key == "name" {
            name = value.trim().trim_matches('"').to_string();
        }
        if section == "dependencies" {
            deps.push(key.split('.').next().unwrap_or(key).trim().to_string());
        }
    }
    (name, deps)
}

#[test]
fn dependency_edges_follow_the_architecture() {
    let ours: Vec<String> = crate_dirs().iter().map(|d| manifest(d).0).collect();
    for dir in crate_dirs() {
        let (name, deps) = manifest(&dir);
        let allowed = ALLOWED_EDGES
            .iter()
            .find(|(n, _)| *n == name)
            .unwrap_or_else(|| {
                panic!("crate {name} has no entry in ALLOWED_EDGES (and ARCHITECTURE.md)")
            })
            .1;
        for d in &deps {
            if ours.contains(d) {
                assert!(
                    allowed.contains(&d.as_str()),
                    "{name} must not depend on {d}"
                );
            }
            if PURE.contains(&name.as_str()) {
                assert!(
                    !IMPURE_DEPS.contains(&d.as_str()),
                    "{name} must stay pure but depends on {d}"
                );
            }
        }
    }
}

#[test]
fn every_crate_has_an_architecture_section() {
    let arch = std::fs::read_to_string(workspace_root().join("ARCHITECTURE.md"))
        .expect("ARCHITECTURE.md exists");
    for dir in crate_dirs() {
        let (name, _) = manifest(&dir);
        assert!(
            arch.contains(&format!("### `{name}`")),
            "ARCHITECTURE.md lacks a section for {name}"
        );
    }
}

#[test]
fn every_module_opens_with_a_doc_comment() {
    let mut files = Vec::new();
    for dir in crate_dirs() {
        rust_files(&dir.join("src"), &mut files);
        rust_files(&dir.join("tests"), &mut files);
        rust_files(&dir.join("benches"), &mut files);
    }
    for f in files {
        let src = std::fs::read_to_string(&f).expect("source is readable");
        let first = src
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty())
            .unwrap_or("");
        assert!(
            first.starts_with("//!"),
            "{} does not open with a //! doc comment",
            f.display()
        );
    }
}

#[test]
fn no_ignored_tests() {
    let mut files = Vec::new();
    for dir in crate_dirs() {
        rust_files(&dir, &mut files);
    }
    let needle = ["#[", "ignore"].concat();
    for f in files {
        let src = std::fs::read_to_string(&f).expect("source is readable");
        assert!(
            !src.contains(&needle),
            "{} ignores a test: assert today's behaviour and leave a FIXME instead",
            f.display()
        );
    }
}

#[test]
fn library_code_does_not_unwrap() {
    let mut files = Vec::new();
    for dir in crate_dirs() {
        rust_files(&dir.join("src"), &mut files);
    }
    let needles = [[".unw", "rap()"].concat(), [".exp", "ect("].concat()];
    for f in files {
        let src = std::fs::read_to_string(&f).expect("source is readable");
        // Only code before the unit tests counts.
        let code = src.split("#[cfg(test)]").next().unwrap_or("");
        for (n, line) in code.lines().enumerate() {
            if line.trim_start().starts_with("//") || line.contains("tidy: allow") {
                continue;
            }
            for needle in &needles {
                assert!(
                    !line.contains(needle.as_str()),
                    "{}:{}: {needle} in library code",
                    f.display(),
                    n + 1
                );
            }
        }
    }
}
