//! The live event stream: an article posted to the API reaches an open `/api/events`
//! stream, and shutting the server down ends open streams instead of hanging.

use crate::support::{agent, post_json, shared, start, unique};
use serde_json::json;
use std::io::{BufRead, BufReader};
use std::sync::mpsc;
use std::time::Duration;

/// Opens the stream and forwards its lines; the reader thread ends with the stream.
fn open_stream(base: &str) -> mpsc::Receiver<String> {
    let res = agent()
        .get(&format!("{base}/api/events"))
        .call()
        .expect("event stream");
    assert_eq!(res.status().as_u16(), 200);
    let ct = res
        .headers()
        .get("content-type")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert!(ct.starts_with("text/event-stream"), "{ct}");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let reader = BufReader::new(res.into_body().into_reader());
        for line in reader.lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

/// Reads lines until one satisfies `want`; a generous bound only keeps a broken server from
/// hanging the test run (it is not a timing assertion).
fn wait_for(rx: &mpsc::Receiver<String>, want: impl Fn(&str) -> bool) -> Option<String> {
    loop {
        match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(line) if want(&line) => return Some(line),
            Ok(_) => {}
            Err(_) => return None,
        }
    }
}

#[test]
fn a_posted_article_arrives_on_the_event_stream() {
    let s = shared();
    let rx = open_stream(&s.base);
    assert!(
        wait_for(&rx, |l| l == "event: ready").is_some(),
        "no ready event"
    );
    let word = unique("Velm");
    let r = post_json(
        &format!("{}/api/articles", s.base),
        &json!({"title": format!("{word} bridge closed"), "source": "SSE Test",
                "text": format!("The {word} bridge was closed on Friday, police said.")}),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let id = r.json()["article"].as_str().unwrap().to_string();
    let data = wait_for(&rx, |l| l.starts_with("data:") && l.contains(&word))
        .expect("the article's event");
    let event: serde_json::Value =
        serde_json::from_str(data.trim_start_matches("data:").trim()).unwrap();
    assert_eq!(event["type"], "article");
    assert_eq!(event["id"], id.as_str());
    assert_eq!(event["source"], "SSE Test");
    assert!(event["story"].is_i64());
}

#[test]
fn shutdown_ends_open_event_streams() {
    let s = start(
        shared().tracker.clone(),
        server::Config::new("127.0.0.1:0".parse().unwrap()),
    );
    let rx = open_stream(&s.base);
    assert!(wait_for(&rx, |l| l == "event: ready").is_some());
    // With a stream open, stopping must still return (graceful shutdown ends the stream).
    s.stop().expect("clean shutdown");
    assert!(wait_for(&rx, |_| false).is_none(), "the stream ended");
}
