//! Does a crowd of open event streams slow the tracker? (issue 6's speed figure)
//!
//! Posts N articles one by one to `POST /api/articles` of a running `claimtrail serve`, three
//! times: with no event stream open, with S streams open on `/api/events` (each read
//! continuously, as a browser would), and with none again, so that the database growing
//! between runs shows as the difference between the two runs without streams. Prints
//! articles/s for each run, the events each stream received (every stream must get one
//! `article` or `copy` event per article posted), and the CPU seconds this client and, given
//! its process id, the server used in each run: the client shares the machine with the server,
//! so its own cost is what to subtract when judging the server's.
//!
//! ```text
//! claimtrail --db /tmp/ev.db serve --no-sample --addr 127.0.0.1:18081 &
//! cargo run --release -p server --example events_load -- http://127.0.0.1:18081 300 200 $!
//! ```
//!
//! Usage: `events_load URL [N] [S] [SERVER_PID]` (defaults: 300 articles, 200 streams). The
//! streams are plain sockets driven by one thread, and the posts are made from another on one
//! kept-alive connection, so the client costs little beside the server.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const TOWNS: [&str; 12] = [
    "Alder", "Birch", "Cedar", "Dogwood", "Elm", "Fir", "Ginkgo", "Hazel", "Ivy", "Juniper",
    "Larch", "Maple",
];

/// A short article, distinct in every batch and number, about one of a dozen towns.
fn article(batch: u32, i: usize) -> String {
    let town = TOWNS[i % TOWNS.len()];
    serde_json::json!({
        "url": format!("https://load{batch}.example/{i}"),
        "source": format!("Outlet {}", i % 7),
        "title": format!("{town} council {batch}-{i} votes on harbour plan"),
        "text": format!(
            "Mayor {town} said on Monday that harbour project {batch}-{i} would go ahead \
             despite objections. Officials at depot {} denied reports of delays, and the \
             union said {} workers had walked out in protest.",
            i * 7919 % 10007,
            i % 50 + 3
        ),
    })
    .to_string()
}

/// CPU seconds (user + system) a process has used, from `/proc/PID/stat`; `None` off Linux.
fn cpu_seconds(pid: &str) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name, which is in parentheses and may hold spaces.
    let rest = stat.get(stat.rfind(')')? + 2..)?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    // USER_HZ is 100 on every Linux this runs on.
    Some(ticks / 100.0)
}

struct Run {
    rate: f64,
    client_cpu: Option<f64>,
    server_cpu: Option<f64>,
}

/// Posts `n` articles of `batch`, one at a time, and measures the rate and the CPU used.
fn post_all(
    agent: &ureq::Agent,
    url: &str,
    batch: u32,
    n: usize,
    server: Option<&str>,
) -> Result<Run, String> {
    let cpu = |pid: Option<&str>| pid.and_then(cpu_seconds);
    let (client0, server0) = (cpu(Some("self")), cpu(server));
    let start = Instant::now();
    for i in 0..n {
        let res = agent
            .post(&format!("{url}/api/articles"))
            .header("content-type", "application/json")
            .send(article(batch, i))
            .map_err(|e| format!("posting article {batch}-{i}: {e}"))?;
        let status = res.status().as_u16();
        let body = res
            .into_body()
            .read_to_string()
            .map_err(|e| format!("reading the answer to article {batch}-{i}: {e}"))?;
        if status != 201 {
            return Err(format!("article {batch}-{i}: {status} {body}"));
        }
    }
    let secs = start.elapsed().as_secs_f64();
    let used = |before: Option<f64>, after: Option<f64>| Some(after? - before?);
    Ok(Run {
        rate: n as f64 / secs,
        client_cpu: used(client0, cpu(Some("self"))),
        server_cpu: used(server0, cpu(server)),
    })
}

/// Counts the `article` and `copy` events of articles of `batch` on one stream until `stop`.
async fn read_stream(
    addr: String,
    batch: u32,
    ready: Arc<AtomicUsize>,
    count: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
) -> Result<(), String> {
    let mut sock = tokio::net::TcpStream::connect(&addr)
        .await
        .map_err(|e| format!("connecting to {addr}: {e}"))?;
    let request =
        format!("GET /api/events HTTP/1.1\r\nHost: {addr}\r\nAccept: text/event-stream\r\n\r\n");
    sock.write_all(request.as_bytes())
        .await
        .map_err(|e| format!("opening a stream: {e}"))?;
    let mut buf = vec![0u8; 64 * 1024];
    // Bytes kept from the previous read, so a line cut between two reads is still counted.
    let mut carry: Vec<u8> = Vec::new();
    let mut subscribed = false;
    // An article event names the article's title, a copy event its address (see `article`).
    let title_mark = format!("council {batch}-").into_bytes();
    let url_mark = format!("load{batch}.example").into_bytes();
    while !stop.load(Ordering::Relaxed) {
        let read = tokio::time::timeout(Duration::from_millis(200), sock.read(&mut buf)).await;
        let n = match read {
            Err(_) => continue,
            Ok(Ok(0)) => return Err("the server closed a stream".into()),
            Ok(Ok(n)) => n,
            Ok(Err(e)) => return Err(format!("reading a stream: {e}")),
        };
        carry.extend_from_slice(&buf[..n]);
        // Only whole lines are read; the part after the last line break waits for the rest.
        let whole = carry.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
        let mut seen = 0;
        let mut lines = carry[..whole].split(|&b| b == b'\n').peekable();
        while let Some(line) = lines.next() {
            if line == b"event: article" || line == b"event: copy" {
                // The data line follows in the same frame, and frames are sent whole.
                let data = lines.peek().copied().unwrap_or_default();
                let contains = |m: &[u8]| data.windows(m.len()).any(|w| w == m);
                if contains(&title_mark) || contains(&url_mark) {
                    seen += 1;
                }
            } else if line == b"event: ready" && !subscribed {
                subscribed = true;
                ready.fetch_add(1, Ordering::Relaxed);
            }
        }
        carry.drain(..whole);
        count.fetch_add(seen, Ordering::Relaxed);
    }
    Ok(())
}

fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(url) = args.first().map(|u| u.trim_end_matches('/').to_string()) else {
        return Err("usage: events_load URL [N] [S] [SERVER_PID]".into());
    };
    let number = |i: usize, default: usize| -> Result<usize, String> {
        args.get(i).map_or(Ok(default), |a| {
            a.parse().map_err(|_| format!("{a:?} is not a number"))
        })
    };
    let (n, streams) = (number(1, 300)?, number(2, 200)?);
    let server = args.get(3).map(String::as_str);
    let addr = url
        .strip_prefix("http://")
        .ok_or("the URL must start with http://")?
        .to_string();
    let agent = ureq::Agent::new_with_config(
        ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build(),
    );
    let report = |label: &str, r: &Run| {
        let cpu = |c: Option<f64>| c.map_or("?".into(), |c| format!("{c:.2} s"));
        println!(
            "{label}: {:.1} articles/s; CPU: client {}, server {}",
            r.rate,
            cpu(r.client_cpu),
            cpu(r.server_cpu)
        );
    };

    let before = post_all(&agent, &url, 1, n, server)?;
    report("no streams open", &before);
    // Let the last events of the first run go out before streams open (they are not counted).
    std::thread::sleep(Duration::from_secs(1));

    // One thread drives every stream, as a browser tab would cost one socket.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("starting the stream reader: {e}"))?;
    let ready = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let counts: Vec<Arc<AtomicUsize>> = (0..streams).map(|_| Arc::default()).collect();
    let reader = {
        let (ready, stop, counts, addr) = (ready.clone(), stop.clone(), counts.clone(), addr);
        std::thread::spawn(move || {
            runtime.block_on(async move {
                let tasks: Vec<_> = counts
                    .into_iter()
                    .map(|c| {
                        let (a, r, s) = (addr.clone(), ready.clone(), stop.clone());
                        tokio::spawn(read_stream(a, 2, r, c, s))
                    })
                    .collect();
                let mut errors = Vec::new();
                for t in tasks {
                    match t.await {
                        Ok(Ok(())) => {}
                        Ok(Err(e)) => errors.push(e),
                        Err(e) => errors.push(e.to_string()),
                    }
                }
                errors
            })
        })
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    while ready.load(Ordering::Relaxed) < streams && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    if ready.load(Ordering::Relaxed) < streams {
        return Err(format!(
            "only {} of {streams} streams said `ready` within 30 s",
            ready.load(Ordering::Relaxed)
        ));
    }
    let during = post_all(&agent, &url, 2, n, server)?;
    // Let the last events reach every stream (bounded: a lost event is reported below).
    let deadline = Instant::now() + Duration::from_secs(10);
    while counts.iter().any(|c| c.load(Ordering::Relaxed) < n) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    stop.store(true, Ordering::Relaxed);
    let errors = reader.join().map_err(|_| "the stream reader panicked")?;
    report(&format!("{streams} streams open"), &during);
    let got: Vec<usize> = counts.iter().map(|c| c.load(Ordering::Relaxed)).collect();
    let (min, max) = (
        got.iter().min().copied().unwrap_or(0),
        got.iter().max().copied().unwrap_or(0),
    );
    println!("article and copy events per stream: min {min}, max {max} (articles posted: {n})");

    let after = post_all(&agent, &url, 3, n, server)?;
    report("no streams open again", &after);
    let base = (before.rate + after.rate) / 2.0;
    println!(
        "with streams: {:.0} % of the mean rate without",
        during.rate / base * 100.0
    );
    if let Some(e) = errors.first() {
        return Err(format!("{} streams failed; the first: {e}", errors.len()));
    }
    if min < n || max > n {
        return Err(format!(
            "every stream should have received {n} events; got {min} to {max}"
        ));
    }
    Ok(())
}
