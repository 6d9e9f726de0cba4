//! `claimtrail analyze`: the output contract and bad input.

use super::{run, sample, stdout_json};

#[test]
fn spans_are_code_point_offsets_with_their_text() {
    let path = sample("harbor_dispatch.txt");
    let text = std::fs::read_to_string(&path).expect("fixture");
    let chars: Vec<char> = text.chars().collect();
    let out = run(
        &[
            "analyze",
            path.to_str().expect("utf-8 path"),
            "--published",
            "2025-03-05",
        ],
        b"",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = stdout_json(&out);
    for key in [
        "sentences",
        "entities",
        "times",
        "quantities",
        "attributions",
        "boilerplate",
        "credits",
    ] {
        let spans = v[key]
            .as_array()
            .unwrap_or_else(|| panic!("{key} is a list"));
        for s in spans {
            let s = if key == "attributions" { &s["cue"] } else { s };
            let (start, end) = (
                s["start"].as_u64().expect("start") as usize,
                s["end"].as_u64().expect("end") as usize,
            );
            let slice: String = chars[start..end].iter().collect();
            assert_eq!(
                slice,
                s["text"].as_str().expect("text"),
                "{key} span {start}..{end}"
            );
        }
    }
    assert_eq!(v["published"], "2025-03-05");
    assert!(v["sentences"].as_array().map_or(0, Vec::len) >= 8);
}

#[test]
fn non_ascii_offsets_count_code_points() {
    let text = "«Нет», — сказал он. Café owners in Zürich said “no” on Monday.";
    let out = run(&["analyze", "-", "--format", "jsonl"], text.as_bytes());
    let v = stdout_json(&out);
    let chars: Vec<char> = text.chars().collect();
    for s in v["sentences"].as_array().expect("sentences") {
        let (a, b) = (
            s["start"].as_u64().expect("start") as usize,
            s["end"].as_u64().expect("end") as usize,
        );
        assert_eq!(
            chars[a..b].iter().collect::<String>(),
            s["text"].as_str().expect("text")
        );
    }
}

#[test]
fn empty_input_is_an_empty_analysis() {
    let out = run(&["analyze", "-"], b"");
    assert!(out.status.success());
    let v = stdout_json(&out);
    assert_eq!(v["sentences"].as_array().map(Vec::len), Some(0));
    assert_eq!(v["attributions"].as_array().map(Vec::len), Some(0));
}

#[test]
fn invalid_utf8_is_decoded_lossily_with_a_warning() {
    let out = run(&["analyze", "-"], b"Seoul said \xff\xfe no on Monday.");
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not valid UTF-8"));
    stdout_json(&out);
}

#[test]
fn binary_junk_does_not_panic() {
    // A deterministic byte soup including NULs, control characters and broken sequences.
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let junk: Vec<u8> = (0..200_000)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect();
    let out = run(&["analyze", "-", "--format", "jsonl"], &junk);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout_json(&out);
}

#[test]
fn unreadable_file_exits_2_naming_it() {
    let out = run(&["analyze", "/nonexistent/article.txt"], b"");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/article.txt"));
    let dir = std::env::temp_dir();
    let out = run(&["analyze", dir.to_str().expect("utf-8 temp dir")], b"");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("directory"));
}

#[test]
fn bad_published_date_is_a_usage_error() {
    let out = run(&["analyze", "-", "--published", "yesterday"], b"text");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("yesterday"));
}

#[test]
fn jsonl_keeps_order_and_reports_bad_lines_without_stopping() {
    let mut input = String::new();
    for i in 0..1200 {
        if i == 7 {
            input.push_str("{not json\n");
        } else if i == 8 {
            input.push_str("{\"id\": \"bad-date\", \"text\": \"x\", \"published\": \"soon\"}\n");
        } else {
            input.push_str(&format!("{{\"id\": \"a{i}\", \"text\": \"Officials said {i} troops arrived on Monday.\", \"published\": \"2024-10-22\"}}\n"));
        }
    }
    let out = run(&["analyze", "--jsonl", "-"], input.as_bytes());
    assert_eq!(out.status.code(), Some(1), "bad lines set exit status 1");
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("every output line is JSON"))
        .collect();
    assert_eq!(lines.len(), 1200);
    assert_eq!(lines[0]["id"], "a0");
    assert_eq!(lines[1199]["id"], "a1199");
    assert!(lines[7]["error"]
        .as_str()
        .expect("error record")
        .contains(":8:"));
    assert_eq!(lines[8]["id"], "bad-date");
    assert!(lines[8]["error"]
        .as_str()
        .expect("error record")
        .contains("soon"));
    assert_eq!(lines[9]["published"], "2024-10-22");
}

#[test]
fn pathological_text_is_handled() {
    let mut text = String::new();
    text.push_str(&"x".repeat(1_000_000));
    text.push(' ');
    text.push_str(&"\"unbalanced quote ".repeat(2000));
    text.push_str(&"(".repeat(20_000));
    text.push_str(&")".repeat(10_000));
    text.push_str(&"1,".repeat(20_000));
    let out = run(&["analyze", "-", "--format", "jsonl"], text.as_bytes());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout_json(&out);
}

#[test]
fn a_50_mb_text_is_analysed() {
    let para = "On Friday, the ministry said about 1,500 troops had been deployed, officials told Reuters. \"We deny it,\" the envoy said.\n";
    let text = para.repeat(50 * 1024 * 1024 / para.len());
    let out = run(&["analyze", "-", "--format", "jsonl"], text.as_bytes());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout.len() > 1000);
}

#[test]
fn pretty_format_is_for_people() {
    let out = run(
        &["analyze", "-", "--format", "pretty"],
        b"Mr. Kim said so on Monday.",
    );
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("sentence(s)"));
}
