//! Live events across processes: two `claimtrail serve --no-track` servers on one PostgreSQL
//! schema each stream, on `/api/events`, every article that a separate worker process commits
//! (through LISTEN/NOTIFY), and an article posted to one of them, once each.
//!
//! PostgreSQL as in `workers` (`CLAIMTRAIL_TEST_PG`, `CLAIMTRAIL_SKIP_PG=1`); the servers bind
//! port 0 and the test reads the address they print.

use crate::workers::{enqueue, log_of, server, start_worker, wait_exit, write_articles, Db};
use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A bound that only keeps a broken server from hanging the run (not a timing assertion).
const PATIENCE: Duration = Duration::from_secs(300);

/// A `claimtrail serve` process, killed when dropped; its stderr is kept for messages.
struct Serve {
    child: Child,
    addr: String,
    log: Arc<Mutex<String>>,
}

impl Serve {
    fn start(db: &Db) -> Serve {
        let mut child = crate::bin()
            .args(["--db", &db.url(), "serve", "--no-track", "--no-sample"])
            .args(["--addr", "127.0.0.1:0"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let log = Arc::new(Mutex::new(String::new()));
        let (tx, rx) = mpsc::channel();
        {
            let log = log.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stderr).lines() {
                    let Ok(line) = line else { break };
                    if let Some(rest) = line.split_once("serving http://").map(|(_, r)| r) {
                        let addr = rest.split_whitespace().next().unwrap_or("").to_string();
                        let _ = tx.send(addr);
                    }
                    let mut log = log.lock().unwrap();
                    log.push_str(&line);
                    log.push('\n');
                }
            });
        }
        let addr = rx.recv_timeout(PATIENCE).unwrap_or_else(|_| {
            let _ = child.kill();
            panic!(
                "the server did not say where it listens: {}",
                log.lock().unwrap()
            )
        });
        Serve { child, addr, log }
    }

    fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    /// Opens `/api/events` and returns its lines as they come.
    fn events(&self) -> mpsc::Receiver<String> {
        let mut s = TcpStream::connect(&self.addr).unwrap();
        write!(
            s,
            "GET /api/events HTTP/1.1\r\nHost: {}\r\nAccept: text/event-stream\r\n\r\n",
            self.addr
        )
        .unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(s).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        rx
    }

    /// Posts one article through the API (committed by this server's own tracker); its id.
    fn post_article(&self, title: &str, text: &str) -> String {
        let body =
            serde_json::json!({"title": title, "source": "Live Test", "text": text}).to_string();
        let mut s = TcpStream::connect(&self.addr).unwrap();
        write!(
            s,
            "POST /api/articles HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            self.addr,
            body.len()
        )
        .unwrap();
        let mut response = String::new();
        s.read_to_string(&mut response).unwrap();
        assert!(response.starts_with("HTTP/1.1 201"), "{response}");
        let start = response.find("{").unwrap_or(0);
        let end = response.rfind('}').map_or(response.len(), |i| i + 1);
        let json: serde_json::Value = serde_json::from_str(&response[start..end])
            .unwrap_or_else(|e| panic!("{e}: {response}"));
        json["article"].as_str().unwrap().to_string()
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The events one stream carried: `article` ids in order, and how many `copy` events.
#[derive(Default, Debug)]
struct Seen {
    articles: Vec<String>,
    copies: usize,
}

/// Reads the stream until it has carried `n` article and copy events together.
fn collect(rx: &mpsc::Receiver<String>, n: usize, server: &Serve) -> Seen {
    let mut seen = Seen::default();
    while seen.articles.len() + seen.copies < n {
        let line = rx.recv_timeout(PATIENCE).unwrap_or_else(|_| {
            panic!(
                "the stream of {} stopped after {seen:?}; server log:\n{}",
                server.addr,
                server.log()
            )
        });
        let Some(data) = line.strip_prefix("data:") else {
            continue;
        };
        let Ok(event) = serde_json::from_str::<serde_json::Value>(data.trim()) else {
            continue;
        };
        match event["type"].as_str() {
            Some("article") => {
                assert!(event["story"].as_i64().is_some_and(|s| s > 0), "{event}");
                seen.articles
                    .push(event["id"].as_str().unwrap().to_string());
            }
            Some("copy") => {
                assert!(event["original"].is_string(), "{event}");
                seen.copies += 1;
            }
            _ => {}
        }
    }
    seen
}

fn wait_ready(rx: &mpsc::Receiver<String>, server: &Serve) {
    loop {
        match rx.recv_timeout(PATIENCE) {
            Ok(line) if line == "event: ready" => return,
            Ok(_) => {}
            Err(_) => panic!("no ready event from {}: {}", server.addr, server.log()),
        }
    }
}

#[test]
fn servers_without_tracking_stream_what_other_processes_commit() {
    let _shared = crate::workers::pg_shared();
    let Some(base) = server() else { return };
    let db = Db::new(&base);
    let dir = tempfile::tempdir().unwrap();
    let servers = [Serve::start(&db), Serve::start(&db)];
    let streams: Vec<_> = servers.iter().map(Serve::events).collect();
    for (rx, s) in streams.iter().zip(&servers) {
        wait_ready(rx, s);
    }

    // One article committed inside the first server, the rest by a worker process.
    let posted = servers[0].post_article(
        "Velmor ferry service suspended",
        "The Velmor ferry service was suspended on Friday after a storm, the operator said.",
    );
    let n = 12;
    enqueue(&db, &write_articles(dir.path(), n));
    let mut worker = start_worker(&db, dir.path(), "live1", true);
    let status = wait_exit(&mut worker, "the worker");
    assert!(status.success(), "{}", log_of(dir.path(), "live1"));

    let mut sql = db.sql();
    let originals: BTreeSet<String> = sql
        .query("SELECT id FROM articles WHERE copy_of IS NULL", &[])
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    let copies: i64 = sql
        .query_one(
            "SELECT COUNT(*) FROM articles WHERE copy_of IS NOT NULL",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(
        originals.len() + copies as usize,
        n + 1,
        "every article stored"
    );
    assert!(originals.contains(&posted));
    for (rx, s) in streams.iter().zip(&servers) {
        let seen = collect(rx, n + 1, s);
        let ids: BTreeSet<String> = seen.articles.iter().cloned().collect();
        assert_eq!(
            ids.len(),
            seen.articles.len(),
            "no article streamed twice by {}: {seen:?}",
            s.addr
        );
        assert_eq!(ids, originals, "every new article streamed by {}", s.addr);
        assert_eq!(
            seen.copies, copies as usize,
            "every copy streamed by {}",
            s.addr
        );
    }
}
