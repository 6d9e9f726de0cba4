//! Test servers and a tiny HTTP client (ureq, statuses as values, no redirects followed).
//!
//! Opening a tracker loads the text pipeline, so one server with the sample story is shared
//! by every test that only reads or adds unrelated data ([`shared`]); tests that need another
//! configuration start their own server on the same tracker ([`start`]).

use server::{Config, ServerError};
use std::collections::HashMap;
use std::io::Read;
use std::sync::{Arc, OnceLock};
use std::thread::JoinHandle;

pub struct TestServer {
    pub base: String,
    pub tracker: Arc<app::Tracker>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<Result<(), ServerError>>>,
}

impl TestServer {
    /// Stops the server (as Ctrl-C would) and returns how `serve` ended.
    pub fn stop(mut self) -> Result<(), ServerError> {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        self.thread
            .take()
            .expect("server thread")
            .join()
            .expect("server thread panicked")
    }
}

/// A tracker on a fresh database in a temporary folder, with the sample story imported.
pub fn tracker_with_sample() -> Arc<app::Tracker> {
    let dir = tempfile::tempdir().expect("temp dir");
    // The folder lives as long as the test process: servers outlive the test that made them.
    let path = dir.keep().join("claimtrail.db");
    let store = Arc::new(store::SqliteStore::open(&path).expect("open store"));
    let tracker = app::Tracker::open(store, app::TrackerConfig::default()).expect("tracker");
    let report = server::sample::import(&tracker).expect("sample imports");
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert!(report.new >= 4, "{report:?}");
    Arc::new(tracker)
}

/// Starts a server for `tracker` on 127.0.0.1 with an OS-chosen port.
pub fn start(tracker: Arc<app::Tracker>, mut config: Config) -> TestServer {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.set_nonblocking(true).expect("nonblocking");
    config.addr = listener.local_addr().expect("addr");
    let base = format!("http://{}", config.addr);
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let t = tracker.clone();
    let thread = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
            server::serve(listener, t, config, async {
                let _ = rx.await;
            })
            .await
        })
    });
    TestServer {
        base,
        tracker,
        stop: Some(tx),
        thread: Some(thread),
    }
}

/// The server every read-mostly test shares: default configuration, sample story loaded.
pub fn shared() -> &'static TestServer {
    static SERVER: OnceLock<TestServer> = OnceLock::new();
    SERVER.get_or_init(|| {
        start(
            tracker_with_sample(),
            Config::new("127.0.0.1:0".parse().expect("addr")),
        )
    })
}

pub struct Reply {
    pub status: u16,
    pub headers: HashMap<String, String>,
    pub body: String,
}

impl Reply {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(&name.to_ascii_lowercase())
            .map(String::as_str)
    }
}

pub fn agent() -> ureq::Agent {
    ureq::Agent::new_with_config(
        ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .max_redirects_will_error(false)
            .build(),
    )
}

fn reply(r: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Reply {
    let mut r = r.expect("request");
    let headers = r
        .headers()
        .iter()
        .map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap_or("").to_string()))
        .collect();
    let mut body = String::new();
    r.body_mut()
        .as_reader()
        .read_to_string(&mut body)
        .expect("body");
    Reply {
        status: r.status().as_u16(),
        headers,
        body,
    }
}

pub fn get(url: &str) -> Reply {
    reply(agent().get(url).call())
}

/// POST with a body and headers (name, value).
pub fn post(url: &str, body: &str, headers: &[(&str, &str)]) -> Reply {
    let mut req = agent().post(url);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    reply(req.send(body))
}

pub fn post_json(url: &str, body: &serde_json::Value) -> Reply {
    post(
        url,
        &body.to_string(),
        &[("content-type", "application/json")],
    )
}

pub fn delete(url: &str, headers: &[(&str, &str)]) -> Reply {
    let mut req = agent().delete(url);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    reply(req.call())
}

/// The sample story's id on `base` (the story with the most articles).
pub fn sample_story(base: &str) -> i64 {
    let stories = get(&format!("{base}/api/stories")).json();
    stories
        .as_array()
        .expect("array")
        .iter()
        .max_by_key(|s| s["articles"].as_u64())
        .and_then(|s| s["id"].as_i64())
        .expect("a story")
}

/// A title no sample article has, so a test finds its own article.
pub fn unique(word: &str) -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    format!(
        "{word}{}x{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    )
}
