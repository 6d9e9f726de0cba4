//! The fetcher against a real HTTP server on loopback (`support/server.rs`), serving the
//! fixtures in `testdata/http/` and the ways servers misbehave: every case ends in a clear
//! outcome, and the scheduler's answer to it keeps the feed polled.
//!
//! Timing assertions are on what the server recorded (when each request arrived) with
//! generous margins, never on how long a test took.

#[path = "support/server.rs"]
mod server;

use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use chrono::Utc;
use ingest::fetch::{
    next_poll, FetchConfig, FetchError, FetchErrorKind, FetchRequest, FetchResponse, Fetcher,
    PollConfig, PollOutcome, Refusal,
};
use ingest::{feed, telegram};
use model::FeedFormat;
use server::{Body, Reply, Server};

fn fixture(name: &str) -> Vec<u8> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata")
        .join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// A fetcher for loopback tests: private addresses allowed, no politeness delay, short
/// limits so that failures come quickly.
fn config() -> FetchConfig {
    FetchConfig {
        allow_private: true,
        min_host_interval: Duration::ZERO,
        timeout: Duration::from_secs(10),
        connect_timeout: Duration::from_secs(5),
        ..FetchConfig::default()
    }
}

fn fetcher() -> Fetcher {
    Fetcher::new(config())
}

/// The body of a successful fetch, or a panic that says what came instead.
fn body(r: FetchResponse) -> (String, Option<String>, Vec<u8>) {
    match r {
        FetchResponse::Body {
            final_url,
            charset,
            bytes,
            ..
        } => (final_url, charset, bytes),
        other => panic!("expected a body, got {other:?}"),
    }
}

fn failure(r: FetchResponse) -> FetchError {
    match r {
        FetchResponse::Failed(e) => e,
        other => panic!("expected a failure, got {other:?}"),
    }
}

#[test]
fn each_feed_format_is_fetched_and_parsed() {
    let s = Server::start();
    let cases = [
        (
            "/rss2",
            "http/rss2.xml",
            "application/rss+xml; charset=utf-8",
            FeedFormat::Rss2,
        ),
        (
            "/rss1",
            "http/rss1.rdf",
            "application/rdf+xml",
            FeedFormat::Rss1,
        ),
        (
            "/atom",
            "http/atom.xml",
            "application/atom+xml",
            FeedFormat::Atom,
        ),
        (
            "/json",
            "http/feed.json",
            "application/feed+json",
            FeedFormat::JsonFeed,
        ),
    ];
    for (path, file, ct, _) in &cases {
        s.page(path, 200, ct, &fixture(file));
    }
    let f = fetcher();
    for (path, _, ct, format) in cases {
        let r = f.fetch(&FetchRequest::feed(s.url(path)));
        let FetchResponse::Body {
            status,
            final_url,
            content_type,
            charset,
            bytes,
            ..
        } = r
        else {
            panic!("{path}: {r:?}");
        };
        assert_eq!(status, 200);
        assert_eq!(final_url, s.url(path));
        assert_eq!(content_type.as_deref(), ct.split(';').next());
        let parsed = feed::parse(&final_url, &bytes, charset.as_deref())
            .unwrap_or_else(|e| panic!("{path}: {e}"));
        assert_eq!(parsed.format, format, "{path}");
        assert_eq!(parsed.items.len(), 2, "{path}");
        assert!(parsed.items.iter().all(|i| i.url.is_some()), "{path}");
    }
    let atom = feed::parse("atom", &fixture("http/atom.xml"), None).unwrap();
    assert_eq!(atom.items[0].authors, vec!["Tomas Invented".to_string()]);
    // Every request named claimtrail and asked for compression.
    for r in s.requests() {
        let ua = r.header("user-agent").unwrap_or("");
        assert!(ua.starts_with("claimtrail/0.1"), "{ua}");
        assert!(
            ua.contains("+https://github.com/claimtrail/claimtrail"),
            "{ua}"
        );
        let enc = r.header("accept-encoding").unwrap_or("");
        assert!(enc.contains("gzip") && enc.contains("br"), "{enc}");
        assert!(r
            .header("accept")
            .unwrap_or("")
            .contains("application/rss+xml"));
    }
}

#[test]
fn conditional_get_gives_not_modified() {
    let s = Server::start();
    let rss = fixture("http/rss2.xml");
    s.route("/feed", move |req| {
        if req.header("if-none-match") == Some("\"v1\"") {
            Reply::new(304).header("ETag", "\"v1\"")
        } else {
            Reply::ok("application/rss+xml", rss.clone())
                .header("ETag", "\"v1\"")
                .header("Last-Modified", "Thu, 11 Apr 2024 07:30:00 GMT")
        }
    });
    let f = fetcher();
    let first = f.fetch(&FetchRequest::feed(s.url("/feed")));
    let FetchResponse::Body {
        etag,
        last_modified,
        ..
    } = first
    else {
        panic!("{first:?}");
    };
    assert_eq!(etag.as_deref(), Some("\"v1\""));
    let again = f.fetch(&FetchRequest::feed(s.url("/feed")).with_validators(etag, last_modified));
    assert_eq!(
        again,
        FetchResponse::NotModified {
            etag: Some("\"v1\"".into()),
            // The 304 did not repeat it; the request's is kept.
            last_modified: Some("Thu, 11 Apr 2024 07:30:00 GMT".into()),
        }
    );
    assert_eq!(again.poll_outcome(), PollOutcome::Success);
    let reqs = s.requests_to("/feed");
    assert_eq!(reqs.len(), 2);
    assert_eq!(reqs[0].header("if-none-match"), None);
    assert_eq!(reqs[1].header("if-none-match"), Some("\"v1\""));
    assert_eq!(
        reqs[1].header("if-modified-since"),
        Some("Thu, 11 Apr 2024 07:30:00 GMT")
    );
}

#[test]
fn too_many_requests_with_retry_after_in_seconds_and_as_a_date() {
    let s = Server::start();
    s.route("/secs", |_| Reply::new(429).header("Retry-After", "3600"));
    let in_two_hours = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(7200));
    s.route("/date", move |_| {
        Reply::new(503).header("Retry-After", &in_two_hours)
    });
    let f = fetcher();
    let now = Utc::now();
    let poll = PollConfig::default();

    let r = f.fetch(&FetchRequest::feed(s.url("/secs")));
    let outcome = r.poll_outcome();
    let e = failure(r);
    assert_eq!(
        e.kind,
        FetchErrorKind::Http {
            status: 429,
            retry_after: Some(Duration::from_secs(3600))
        }
    );
    let msg = e.to_string();
    assert!(msg.starts_with(&s.url("/secs")), "{msg}");
    assert!(msg.contains("429 Too Many Requests"), "{msg}");
    assert!(msg.contains("retry after 3600 s"), "{msg}");
    // The backoff after one failure is 5 minutes; the server's hour wins.
    let next = next_poll(now, outcome, &[], 1, &poll, 0.5);
    assert_eq!((next - now).num_seconds(), 3600);

    let r = f.fetch(&FetchRequest::feed(s.url("/date")));
    let outcome = r.poll_outcome();
    let e = failure(r);
    let Some(after) = e.retry_after() else {
        panic!("{e}")
    };
    // The date is two hours off; allow for the seconds the test takes.
    assert!(
        (7000..=7200).contains(&after.as_secs()),
        "{after:?} from {e}"
    );
    let next = next_poll(now, outcome, &[], 1, &poll, 0.5);
    assert!((next - now).num_seconds() >= 7000);
}

#[test]
fn server_errors_then_recovery() {
    let s = Server::start();
    let calls = Arc::new(AtomicUsize::new(0));
    let rss = fixture("http/rss2.xml");
    let c = calls.clone();
    s.route("/flaky", move |_| {
        if c.fetch_add(1, Ordering::SeqCst) < 3 {
            Reply::new(500).body("oops")
        } else {
            Reply::ok("application/rss+xml", rss.clone())
        }
    });
    let f = fetcher();
    let poll = PollConfig::default();
    let now = Utc::now();
    let recent: Vec<_> = (1..=6).map(|h| now - chrono::Duration::hours(h)).collect();
    let mut failures = 0;
    let mut delays = Vec::new();
    for _ in 0..4 {
        let r = f.fetch(&FetchRequest::feed(s.url("/flaky")));
        match &r {
            FetchResponse::Failed(e) => {
                assert_eq!(
                    e.kind,
                    FetchErrorKind::Http {
                        status: 500,
                        retry_after: None
                    }
                );
                assert!(e.to_string().contains("HTTP 500 Internal Server Error"));
                failures += 1;
            }
            FetchResponse::Body { bytes, .. } => {
                assert!(feed::parse("flaky", bytes, None).is_ok());
            }
            other => panic!("{other:?}"),
        }
        let next = next_poll(now, r.poll_outcome(), &recent, failures, &poll, 0.5);
        delays.push((next - now).num_minutes());
        if matches!(r, FetchResponse::Body { .. }) {
            failures = 0;
        }
    }
    assert_eq!(failures, 0);
    // Backoff 5, 10, 20 minutes, then back to the feed's hourly rhythm.
    assert_eq!(delays, [5, 10, 20, 60]);
    assert_eq!(s.hits("/flaky"), 4);
}

#[test]
fn malformed_xml_fetches_but_does_not_parse() {
    let s = Server::start();
    s.page(
        "/bad",
        200,
        "application/rss+xml",
        &fixture("http/malformed.xml"),
    );
    let (url, charset, bytes) = body(fetcher().fetch(&FetchRequest::feed(s.url("/bad"))));
    let err = feed::parse(&url, &bytes, charset.as_deref()).unwrap_err();
    let msg = err.to_string();
    assert!(msg.starts_with(&url), "{msg}");
    assert!(msg.contains("not a valid feed"), "{msg}");
}

#[test]
fn windows_1251_feed_with_and_without_http_charset() {
    let s = Server::start();
    let bytes = fixture("http/cp1251.xml");
    s.page(
        "/declared",
        200,
        "application/rss+xml; charset=windows-1251",
        &bytes,
    );
    s.page("/undeclared", 200, "application/rss+xml", &bytes);
    let f = fetcher();
    for path in ["/declared", "/undeclared"] {
        let (url, charset, got) = body(f.fetch(&FetchRequest::feed(s.url(path))));
        assert_eq!(got, bytes, "bytes pass through undecoded");
        if path == "/declared" {
            assert_eq!(charset.as_deref(), Some("windows-1251"));
        } else {
            assert_eq!(charset, None);
        }
        let parsed = feed::parse(&url, &got, charset.as_deref()).unwrap();
        assert_eq!(parsed.title.as_deref(), Some("Северный вестник"), "{path}");
        assert_eq!(
            parsed.items[0].title.as_deref(),
            Some("Мэр опроверг сообщения о закрытии порта"),
            "{path}"
        );
    }
}

#[test]
fn compressed_bodies_are_decoded() {
    let s = Server::start();
    let rss = fixture("http/rss2.xml");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&rss).unwrap();
    let gz = gz.finish().unwrap();
    let mut zlib = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    zlib.write_all(&rss).unwrap();
    let zlib = zlib.finish().unwrap();
    let mut raw = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
    raw.write_all(&rss).unwrap();
    let raw = raw.finish().unwrap();
    for (path, encoding, body) in [
        ("/gzip", "gzip", gz),
        ("/zlib", "deflate", zlib),
        ("/rawdeflate", "deflate", raw),
    ] {
        s.route(path, move |_| {
            Reply::ok("application/rss+xml", body.clone()).header("Content-Encoding", encoding)
        });
    }
    s.route("/zstd", |_| {
        Reply::ok("application/rss+xml", "\u{28}\u{b5}junk").header("Content-Encoding", "zstd")
    });
    let f = fetcher();
    for path in ["/gzip", "/zlib", "/rawdeflate"] {
        let (_, _, got) = body(f.fetch(&FetchRequest::feed(s.url(path))));
        assert_eq!(got, rss, "{path}");
    }
    let e = failure(f.fetch(&FetchRequest::feed(s.url("/zstd"))));
    assert!(e.to_string().contains("Content-Encoding \"zstd\""), "{e}");
}

#[test]
fn gzip_bomb_is_too_large() {
    let s = Server::start();
    // 1 GiB of zeros, compressed as it is sent (about 1 MiB on the wire): the server stops
    // when the client hangs up. The client stops at 10 MiB decompressed; what it holds is
    // bounded by that limit whatever the server sends.
    s.route("/bomb", |_| {
        Reply::new(200)
            .header("Content-Type", "application/rss+xml")
            .header("Content-Encoding", "gzip")
            .with_body(Body::Stream(Box::new(|out| {
                let mut gz = flate2::write::GzEncoder::new(out, flate2::Compression::best());
                let zeros = vec![0u8; 1 << 20];
                for _ in 0..1024 {
                    gz.write_all(&zeros)?;
                }
                gz.finish()?;
                Ok(())
            })))
    });
    let limit = 10 * 1024 * 1024;
    let e = failure(fetcher().fetch(&FetchRequest::feed(s.url("/bomb"))));
    assert_eq!(e.kind, FetchErrorKind::TooLarge { limit });
    let msg = e.to_string();
    assert!(msg.starts_with(&s.url("/bomb")), "{msg}");
    assert!(msg.contains("too large"), "{msg}");
}

#[test]
fn a_100_mb_page_is_too_large_with_or_without_content_length() {
    let s = Server::start();
    let len = 100 * 1024 * 1024;
    s.route("/big", move |_| {
        Reply::new(200)
            .header("Content-Type", "text/html")
            .with_body(Body::Repeat { byte: b'a', len })
    });
    s.route("/big-stream", move |_| {
        Reply::new(200)
            .header("Content-Type", "text/html")
            .with_body(Body::Stream(Box::new(move |out| {
                let chunk = vec![b'a'; 64 * 1024];
                for _ in 0..(len / chunk.len() as u64) {
                    out.write_all(&chunk)?;
                }
                Ok(())
            })))
    });
    let f = Fetcher::new(FetchConfig {
        respect_robots: false,
        ..config()
    });
    for path in ["/big", "/big-stream"] {
        let e = failure(f.fetch(&FetchRequest::page(s.url(path))));
        assert_eq!(
            e.kind,
            FetchErrorKind::TooLarge {
                limit: 10 * 1024 * 1024
            },
            "{path}"
        );
    }
}

#[test]
fn redirects_are_followed_and_loops_reported() {
    let s = Server::start();
    s.route("/a", |_| Reply::redirect(301, "/b"));
    s.route("/b", |_| Reply::redirect(302, "/a"));
    s.route("/self", |_| Reply::redirect(307, "/self"));
    s.route("/moved", |_| Reply::redirect(308, "/rss"));
    s.page(
        "/rss",
        200,
        "application/rss+xml",
        &fixture("http/rss2.xml"),
    );
    for i in 0..10 {
        let next = format!("/chain{}", i + 1);
        s.route(&format!("/chain{i}"), move |_| Reply::redirect(302, &next));
    }
    s.route("/nowhere", |_| Reply::new(301));
    let f = fetcher();

    let (final_url, _, _) = body(f.fetch(&FetchRequest::feed(s.url("/moved"))));
    assert_eq!(final_url, s.url("/rss"));

    for start in ["/a", "/self"] {
        let e = failure(f.fetch(&FetchRequest::feed(s.url(start))));
        assert!(
            matches!(e.kind, FetchErrorKind::RedirectLoop { .. }),
            "{start}: {e}"
        );
        assert!(e.to_string().contains("redirect loop"), "{e}");
    }
    // /a and /b once each before the loop is seen.
    assert_eq!(s.hits("/a"), 1);
    assert_eq!(s.hits("/b"), 1);

    let e = failure(f.fetch(&FetchRequest::feed(s.url("/chain0"))));
    assert_eq!(e.kind, FetchErrorKind::TooManyRedirects { max: 5 });
    assert!(e.to_string().contains("too many redirects"), "{e}");
    assert_eq!(s.hits("/chain5"), 1);
    assert_eq!(s.hits("/chain6"), 0);

    // A 3xx without a Location is reported as the status it is.
    let e = failure(f.fetch(&FetchRequest::feed(s.url("/nowhere"))));
    assert!(
        matches!(e.kind, FetchErrorKind::Http { status: 301, .. }),
        "{e}"
    );
}

#[test]
fn a_server_that_never_answers_times_out() {
    let s = Server::start();
    s.silent("/silent");
    s.route("/stall", |_| {
        Reply::new(200)
            .header("Content-Type", "application/rss+xml")
            .with_body(Body::Stall {
                len: 5000,
                sent: b"<rss version=\"2.0\"><channel>".to_vec(),
            })
    });
    let timeout = Duration::from_secs(1);
    let f = Fetcher::new(FetchConfig {
        timeout,
        ..config()
    });
    for path in ["/silent", "/stall"] {
        let started = Instant::now();
        let e = failure(f.fetch(&FetchRequest::feed(s.url(path))));
        assert_eq!(e.kind, FetchErrorKind::Timeout { after: timeout }, "{path}");
        assert!(e.to_string().contains("timed out"), "{e}");
        // Generous: the point is that it ends, not how fast.
        assert!(started.elapsed() < Duration::from_secs(30), "{path}");
    }
}

#[test]
fn telegram_channel_page_is_fetched_and_parsed() {
    let s = Server::start();
    s.page(
        "/s/example_monitor",
        200,
        "text/html; charset=utf-8",
        &fixture("telegram.html"),
    );
    let f = Fetcher::new(FetchConfig {
        respect_robots: true,
        ..config()
    });
    let (url, _, bytes) = body(f.fetch(&FetchRequest::page(s.url("/s/example_monitor"))));
    let page = telegram::parse(&url, &bytes).unwrap();
    assert_eq!(page.channel.as_deref(), Some("example_monitor"));
    let ids: Vec<u64> = page.posts.iter().map(|p| p.id).collect();
    assert_eq!(ids, vec![1201, 1202, 1203]);
    // No robots.txt (404) means everything is allowed, and it was asked for first.
    let reqs = s.requests();
    assert_eq!(reqs[0].target, "/robots.txt");
    assert_eq!(reqs[1].target, "/s/example_monitor");
}

#[test]
fn robots_txt_governs_pages_not_feeds() {
    let s = Server::start();
    s.page(
        "/robots.txt",
        200,
        "text/plain",
        b"User-agent: *\nDisallow: /private/\n\nUser-agent: claimtrail\nDisallow: /drafts/\n",
    );
    s.page(
        "/drafts/story",
        200,
        "text/html",
        &fixture("http/article.html"),
    );
    s.page(
        "/private/story",
        200,
        "text/html",
        &fixture("http/article.html"),
    );
    s.page(
        "/drafts/feed.xml",
        200,
        "application/rss+xml",
        &fixture("http/rss2.xml"),
    );
    let f = fetcher();

    let e = failure(f.fetch(&FetchRequest::page(s.url("/drafts/story"))));
    assert_eq!(e.kind, FetchErrorKind::Refused(Refusal::RobotsDisallow));
    assert!(e.to_string().contains("robots.txt disallows"), "{e}");
    assert_eq!(s.hits("/drafts/story"), 0);

    // The group naming claimtrail replaces `*`, so /private/ is open to us.
    let (url, _, bytes) = body(f.fetch(&FetchRequest::page(s.url("/private/story"))));
    let article =
        ingest::extract::extract(&bytes, &ingest::extract::Options::with_url(url)).unwrap();
    assert_eq!(article.site_name.as_deref(), Some("Harbour Times"));

    // Feeds are not subject to robots.txt.
    body(f.fetch(&FetchRequest::feed(s.url("/drafts/feed.xml"))));
    // robots.txt was read once and cached.
    assert_eq!(s.hits("/robots.txt"), 1);
}

#[test]
fn robots_txt_server_error_means_disallowed_for_now() {
    let s = Server::start();
    s.page("/robots.txt", 503, "text/plain", b"busy");
    s.page("/story", 200, "text/html", &fixture("http/article.html"));
    let e = failure(fetcher().fetch(&FetchRequest::page(s.url("/story"))));
    assert_eq!(e.kind, FetchErrorKind::Refused(Refusal::RobotsUnreachable));
    assert_eq!(s.hits("/story"), 0);
}

#[test]
fn private_addresses_are_refused_unless_allowed() {
    let s = Server::start();
    s.page(
        "/feed",
        200,
        "application/rss+xml",
        &fixture("http/rss2.xml"),
    );
    let strict = Fetcher::new(FetchConfig {
        allow_private: false,
        ..config()
    });
    let e = failure(strict.fetch(&FetchRequest::feed(s.url("/feed"))));
    let FetchErrorKind::Refused(Refusal::PrivateAddress { ip, .. }) = &e.kind else {
        panic!("{e}");
    };
    assert!(ip.is_loopback());
    assert!(
        e.to_string().contains("non-public address 127.0.0.1"),
        "{e}"
    );
    // `localhost` is a name, not a literal, and is refused just the same.
    let by_name = format!("http://localhost:{}/feed", s.addr().port());
    let e = failure(strict.fetch(&FetchRequest::feed(by_name)));
    assert!(
        matches!(
            e.kind,
            FetchErrorKind::Refused(Refusal::PrivateAddress { .. })
        ),
        "{e}"
    );
    // Nothing reached the server.
    assert_eq!(s.hits("/feed"), 0);
    body(fetcher().fetch(&FetchRequest::feed(s.url("/feed"))));
}

#[test]
fn a_redirect_from_a_public_name_to_a_private_address_is_refused() {
    // Offline there is no public host, so `hosts` gives the loopback server a public name;
    // the guard then sees only the redirect's target, which is loopback by its address.
    let s = Server::start();
    let port = s.addr().port();
    s.page(
        "/feed",
        200,
        "application/rss+xml",
        &fixture("http/rss2.xml"),
    );
    s.route("/go", move |_| {
        Reply::redirect(302, &format!("http://127.0.0.1:{port}/secret"))
    });
    let f = Fetcher::new(FetchConfig {
        allow_private: false,
        hosts: vec![("news.example".into(), "127.0.0.1".parse().unwrap())],
        ..config()
    });
    let (final_url, _, _) = body(f.fetch(&FetchRequest::feed(format!(
        "http://news.example:{port}/feed"
    ))));
    assert_eq!(final_url, format!("http://news.example:{port}/feed"));

    let e = failure(f.fetch(&FetchRequest::feed(format!(
        "http://news.example:{port}/go"
    ))));
    assert!(
        matches!(
            e.kind,
            FetchErrorKind::Refused(Refusal::PrivateAddress { .. })
        ),
        "{e}"
    );
    let secret = format!("http://127.0.0.1:{port}/secret");
    assert_eq!(e.failed_at.as_deref(), Some(secret.as_str()));
    assert!(
        e.to_string().contains(&format!("(redirected to {secret})")),
        "{e}"
    );
    assert_eq!(s.hits("/go"), 1);
    assert_eq!(s.hits("/secret"), 0);
}

#[test]
fn requests_to_one_host_are_spaced_across_threads() {
    let s = Server::start();
    s.page(
        "/feed",
        200,
        "application/rss+xml",
        &fixture("http/rss2.xml"),
    );
    let interval = Duration::from_millis(400);
    let f = Arc::new(Fetcher::new(FetchConfig {
        min_host_interval: interval,
        ..config()
    }));
    let threads: Vec<_> = (0..3)
        .map(|_| {
            let f = f.clone();
            let url = s.url("/feed");
            std::thread::spawn(move || f.fetch(&FetchRequest::feed(url)))
        })
        .collect();
    for t in threads {
        body(t.join().unwrap());
    }
    let mut at: Vec<Instant> = s.requests_to("/feed").iter().map(|r| r.at).collect();
    at.sort();
    assert_eq!(at.len(), 3);
    for w in at.windows(2) {
        let gap = w[1] - w[0];
        // Connection set-up may differ between requests by a few milliseconds.
        assert!(gap >= interval - Duration::from_millis(100), "gap {gap:?}");
    }
}

#[test]
fn test_server_serves_routes_and_404() {
    let s = Server::start();
    s.page("/x", 200, "text/plain", b"hello");
    let got = String::from_utf8(server::raw_get(s.addr(), "/x")).unwrap();
    assert!(got.starts_with("HTTP/1.1 200 OK\r\n"), "{got}");
    assert!(got.ends_with("hello"), "{got}");
    let got = String::from_utf8(server::raw_get(s.addr(), "/missing?q=1")).unwrap();
    assert!(got.starts_with("HTTP/1.1 404"), "{got}");
    assert_eq!(s.hits("/missing"), 1);
    assert_eq!(s.requests()[1].target, "/missing?q=1");
}
