//! A small HTTP/1.1 server on loopback for tests that need a real socket: the fetcher's
//! tests here, and any other crate's through
//! `#[path = "../../ingest/tests/support/server.rs"] mod server;`.
//!
//! It is std only, so that including it costs nothing, and deliberately dumb: one thread
//! per connection, one request per connection (`Connection: close`), routes looked up by
//! path. What it can do is what misbehaving servers do: any status and headers, bodies
//! written lazily (100 MB without holding 100 MB), a body stream of any shape, silence
//! after accepting, a stall in the middle of a body. It records every request with its
//! headers and the instant it arrived, so tests assert on what the server saw, not on how
//! long the test took.
#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// One request as the server received it.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    /// The path with its query, as sent (`/feed?x=1`).
    pub target: String,
    /// Header names in lower case.
    pub headers: Vec<(String, String)>,
    /// When the request's headers had all arrived.
    pub at: Instant,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("")
    }
}

/// Writes a streamed body to the connection.
pub type StreamFn = Box<dyn FnOnce(&mut dyn Write) -> std::io::Result<()> + Send>;

/// How the body of a reply is produced.
pub enum Body {
    Bytes(Vec<u8>),
    /// `len` copies of `byte`, written in chunks as the client reads, with Content-Length.
    Repeat {
        byte: u8,
        len: u64,
    },
    /// Anything written by the closure, with no Content-Length: the end of the body is the
    /// end of the connection. The closure should stop when a write fails (the client left).
    Stream(StreamFn),
    /// Headers claim `len` bytes; `sent` are written, then nothing, until the server stops.
    Stall {
        len: u64,
        sent: Vec<u8>,
    },
}

/// A reply: status, headers, body. The server adds Content-Length (where the body has a
/// length) and `Connection: close`.
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Body,
}

impl Reply {
    pub fn new(status: u16) -> Reply {
        Reply {
            status,
            headers: Vec::new(),
            body: Body::Bytes(Vec::new()),
        }
    }

    pub fn ok(content_type: &str, body: impl Into<Vec<u8>>) -> Reply {
        Reply::new(200)
            .header("Content-Type", content_type)
            .body(body)
    }

    pub fn redirect(status: u16, location: &str) -> Reply {
        Reply::new(status).header("Location", location)
    }

    pub fn header(mut self, name: &str, value: &str) -> Reply {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Reply {
        self.body = Body::Bytes(body.into());
        self
    }

    pub fn with_body(mut self, body: Body) -> Reply {
        self.body = body;
        self
    }
}

type Handler = Arc<dyn Fn(&Request) -> Reply + Send + Sync>;

/// What a route does with a connection.
#[derive(Clone)]
enum Route {
    Reply(Handler),
    /// Read the request, then say nothing until the server stops.
    Silent,
}

struct Shared {
    routes: Mutex<HashMap<String, Route>>,
    log: Mutex<Vec<Request>>,
    stop: AtomicBool,
}

/// A running server; it stops when dropped.
pub struct Server {
    addr: SocketAddr,
    shared: Arc<Shared>,
}

impl Server {
    /// Starts a server on `127.0.0.1` at a free port. Unknown paths get 404.
    pub fn start() -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local addr");
        let shared = Arc::new(Shared {
            routes: Mutex::new(HashMap::new()),
            log: Mutex::new(Vec::new()),
            stop: AtomicBool::new(false),
        });
        let s = shared.clone();
        thread::spawn(move || {
            for conn in listener.incoming() {
                if s.stop.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(conn) = conn else { continue };
                let s = s.clone();
                thread::spawn(move || serve(conn, &s));
            }
        });
        Server { addr, shared }
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT` followed by `path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Serves `path` (and `path?anything`) with `handler`; a later route replaces it.
    pub fn route(
        &self,
        path: &str,
        handler: impl Fn(&Request) -> Reply + Send + Sync + 'static,
    ) -> &Server {
        self.shared
            .routes
            .lock()
            .unwrap()
            .insert(path.to_string(), Route::Reply(Arc::new(handler)));
        self
    }

    /// Serves `path` with a fixed body.
    pub fn page(&self, path: &str, status: u16, content_type: &str, body: &[u8]) -> &Server {
        let body = body.to_vec();
        let content_type = content_type.to_string();
        self.route(path, move |_| {
            Reply::new(status)
                .header("Content-Type", &content_type)
                .body(body.clone())
        })
    }

    /// Accepts requests to `path` and never answers them.
    pub fn silent(&self, path: &str) -> &Server {
        self.shared
            .routes
            .lock()
            .unwrap()
            .insert(path.to_string(), Route::Silent);
        self
    }

    /// Every request received so far, in order of arrival.
    pub fn requests(&self) -> Vec<Request> {
        self.shared.log.lock().unwrap().clone()
    }

    /// The requests received so far for `path` (query ignored).
    pub fn requests_to(&self, path: &str) -> Vec<Request> {
        self.requests()
            .into_iter()
            .filter(|r| r.path() == path)
            .collect()
    }

    pub fn hits(&self, path: &str) -> usize {
        self.requests_to(path).len()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so that it sees the flag and lets go of the port.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_millis(200));
    }
}

fn serve(conn: TcpStream, shared: &Shared) {
    let _ = conn.set_read_timeout(Some(Duration::from_secs(10)));
    let Ok(read_half) = conn.try_clone() else {
        return;
    };
    let Some(request) = read_request(BufReader::new(read_half)) else {
        return;
    };
    let route = {
        let routes = shared.routes.lock().unwrap();
        routes.get(request.path()).cloned()
    };
    shared.log.lock().unwrap().push(request.clone());
    let mut out = conn;
    match route {
        None => {
            let _ = write_reply(&mut out, Reply::new(404).body("not found\n"), &shared.stop);
        }
        Some(Route::Silent) => wait_for_stop(&shared.stop),
        Some(Route::Reply(handler)) => {
            let reply = handler(&request);
            let _ = write_reply(&mut out, reply, &shared.stop);
        }
    }
}

fn read_request(mut r: impl BufRead) -> Option<Request> {
    let mut line = String::new();
    r.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_string();
    let target = parts.next()?.to_string();
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        if r.read_line(&mut h).ok()? == 0 {
            return None;
        }
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
        }
    }
    Some(Request {
        method,
        target,
        headers,
        at: Instant::now(),
    })
}

fn write_reply(out: &mut TcpStream, reply: Reply, stop: &AtomicBool) -> std::io::Result<()> {
    let mut head = format!("HTTP/1.1 {} {}\r\n", reply.status, reason(reply.status));
    for (k, v) in &reply.headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    let length = match &reply.body {
        Body::Bytes(b) => Some(b.len() as u64),
        Body::Repeat { len, .. } | Body::Stall { len, .. } => Some(*len),
        Body::Stream(_) => None,
    };
    if let Some(len) = length {
        head.push_str(&format!("Content-Length: {len}\r\n"));
    }
    head.push_str("Connection: close\r\n\r\n");
    out.write_all(head.as_bytes())?;
    match reply.body {
        Body::Bytes(b) => out.write_all(&b)?,
        Body::Repeat { byte, len } => {
            let chunk = vec![byte; 64 * 1024];
            let mut left = len;
            while left > 0 {
                let n = left.min(chunk.len() as u64) as usize;
                out.write_all(&chunk[..n])?;
                left -= n as u64;
            }
        }
        Body::Stream(f) => f(out)?,
        Body::Stall { sent, .. } => {
            out.write_all(&sent)?;
            out.flush()?;
            wait_for_stop(stop);
        }
    }
    out.flush()
}

fn wait_for_stop(stop: &AtomicBool) {
    while !stop.load(Ordering::SeqCst) {
        thread::sleep(Duration::from_millis(50));
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        301 => "Moved Permanently",
        302 => "Found",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Whatever",
    }
}

/// Reads a whole response from a raw socket; for testing the server itself.
pub fn raw_get(addr: SocketAddr, path: &str) -> Vec<u8> {
    let mut s = TcpStream::connect(addr).expect("connect");
    write!(s, "GET {path} HTTP/1.1\r\nHost: test\r\n\r\n").expect("write");
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    out
}
