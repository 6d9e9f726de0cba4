//! # fetch: the one part of `ingest` that talks to other people's servers.
//!
//! Everything else in this crate is a pure function of bytes; this module gets the bytes,
//! and is written so that claimtrail is a guest a site would not block: it names itself
//! ([`USER_AGENT`]), asks only for what changed (ETag, Last-Modified), accepts compression,
//! spaces its requests to each host, reads robots.txt before pages, stops at a size and a
//! time limit, and when told to wait (429/503 with Retry-After) says so to the scheduler.
//! It is equally written not to be turned against the machine it runs on: it refuses
//! non-public addresses (`guard`) on every hop, and caps what it reads after decompression
//! so that a gzip bomb costs a few kilobytes of traffic and ten megabytes of memory.
//!
//! It is synchronous (ureq) because its callers are: the `Store` is sync and the app runs
//! fetches on worker threads. A [`Fetcher`] is `Send + Sync` and meant to be shared; its
//! per-host clock and robots cache only work when it is. Redirects are followed here, hop
//! by hop, not by ureq, so that each hop passes the guard, robots and the rate limit, and
//! a loop is reported as a loop.
//!
//! The outcome is a value, not a `Result`: a failure is as ordinary a result of polling as
//! a body, and the caller records it in the feed's health and hands it to [`next_poll`].
//!
//! ```no_run
//! use ingest::fetch::{FetchConfig, FetchRequest, FetchResponse, Fetcher};
//! let fetcher = Fetcher::new(FetchConfig::default());
//! match fetcher.fetch(&FetchRequest::feed("https://example.org/rss")) {
//!     FetchResponse::Body { final_url, bytes, charset, .. } => {
//!         let feed = ingest::feed::parse(&final_url, &bytes, charset.as_deref());
//!         println!("{:?}", feed.map(|f| f.items.len()));
//!     }
//!     FetchResponse::NotModified { .. } => println!("nothing new"),
//!     FetchResponse::Failed(e) => eprintln!("{e}"),
//! }
//! ```

mod error;
mod guard;
mod politeness;
mod robots;
mod schedule;

pub use error::{FetchError, FetchErrorKind, Refusal};
pub use guard::{is_public_ip, GuardedResolver};
pub use robots::Robots;
pub use schedule::{backoff, next_poll, success_interval, Jitter, PollConfig, PollOutcome};

use std::io::{BufRead, BufReader, Read};
use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use ::url::Url;
use ureq::http::{HeaderMap, Response};

use self::guard::PrivateAddress;
use self::politeness::HostClock;
use self::robots::{RobotsCache, Verdict, MAX_ROBOTS_BYTES};

/// What claimtrail calls itself on the wire: a name, a version and where to read about it,
/// so that a site operator who sees it in a log can find out who is asking and why.
pub const USER_AGENT: &str = concat!(
    "claimtrail/",
    env!("CARGO_PKG_VERSION"),
    " (+https://github.com/claimtrail/claimtrail)"
);

/// How the fetcher behaves; `Default` is right for polling the public web.
#[derive(Debug, Clone, PartialEq)]
pub struct FetchConfig {
    /// Sent with every request; its first word (`claimtrail`) is also the name looked for
    /// in robots.txt.
    pub user_agent: String,
    /// The limit on DNS, TCP and TLS setup for one connection (10 s).
    pub connect_timeout: Duration,
    /// The limit on a whole fetch, all redirects and the body included (30 s). Waiting for
    /// a turn at a busy host and reading robots.txt do not count.
    pub timeout: Duration,
    /// The largest body read, counted after decompression (10 MiB).
    pub max_body_bytes: u64,
    /// Redirects followed before giving up (5).
    pub max_redirects: u32,
    /// The least time between two requests to one host, across all threads (1 s).
    pub min_host_interval: Duration,
    /// Whether loopback, private and other non-public addresses may be fetched (false;
    /// tests and intranet deployments set it).
    pub allow_private: bool,
    /// Fixed addresses for host names, like `/etc/hosts` or curl's `--resolve`: these
    /// names skip DNS and, being the operator's own word, the address guard (empty).
    /// Tests use it to give a loopback server a public-looking name.
    pub hosts: Vec<(String, IpAddr)>,
    /// Whether page fetches obey robots.txt (true). Feed fetches never consult it.
    pub respect_robots: bool,
    /// How long a robots.txt is kept before it is read again (24 h, the RFC 9309 ceiling).
    pub robots_ttl: Duration,
}

impl Default for FetchConfig {
    fn default() -> FetchConfig {
        FetchConfig {
            user_agent: USER_AGENT.to_string(),
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(30),
            max_body_bytes: 10 * 1024 * 1024,
            max_redirects: 5,
            min_host_interval: Duration::from_secs(1),
            allow_private: false,
            hosts: Vec::new(),
            respect_robots: true,
            robots_ttl: Duration::from_secs(24 * 3600),
        }
    }
}

/// What is being fetched, which decides the Accept header and whether robots.txt applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// A feed: polled because it is published to be polled; robots.txt is not consulted.
    Feed,
    /// An article page: robots.txt is consulted first.
    Page,
}

/// One fetch: the URL, the validators from the last response (for a conditional GET) and
/// the purpose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchRequest {
    pub url: String,
    /// Sent as If-None-Match.
    pub etag: Option<String>,
    /// Sent as If-Modified-Since.
    pub last_modified: Option<String>,
    pub purpose: Purpose,
}

impl FetchRequest {
    /// An unconditional fetch of a feed.
    pub fn feed(url: impl Into<String>) -> FetchRequest {
        FetchRequest {
            url: url.into(),
            etag: None,
            last_modified: None,
            purpose: Purpose::Feed,
        }
    }

    /// An unconditional fetch of a page.
    pub fn page(url: impl Into<String>) -> FetchRequest {
        FetchRequest {
            purpose: Purpose::Page,
            ..FetchRequest::feed(url)
        }
    }

    /// The same request made conditional on the validators of an earlier response.
    pub fn with_validators(mut self, etag: Option<String>, last_modified: Option<String>) -> Self {
        self.etag = etag;
        self.last_modified = last_modified;
        self
    }
}

/// How a fetch ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FetchResponse {
    /// A 2xx answer with its body, decompressed but not decoded: charset is the parsers'
    /// business (`ingest::decode`), and `charset` is passed on for them.
    Body {
        status: u16,
        /// Where the body came from, after redirects; parsers resolve links against it.
        final_url: String,
        /// The media type, lower case, without parameters (`application/rss+xml`).
        content_type: Option<String>,
        /// The `charset` parameter of the Content-Type, as the server wrote it.
        charset: Option<String>,
        bytes: Vec<u8>,
        etag: Option<String>,
        last_modified: Option<String>,
    },
    /// 304: nothing changed. The validators are the server's new ones, or the request's
    /// when the server sent none, so the caller can store them as they are.
    NotModified {
        etag: Option<String>,
        last_modified: Option<String>,
    },
    Failed(FetchError),
}

impl FetchResponse {
    /// What the scheduler needs to know of this outcome.
    pub fn poll_outcome(&self) -> PollOutcome {
        match self {
            FetchResponse::Body { .. } | FetchResponse::NotModified { .. } => PollOutcome::Success,
            FetchResponse::Failed(e) => PollOutcome::Failure {
                retry_after: e.retry_after(),
            },
        }
    }

    /// The error, for a failed fetch.
    pub fn error(&self) -> Option<&FetchError> {
        match self {
            FetchResponse::Failed(e) => Some(e),
            _ => None,
        }
    }
}

/// The fetcher: one per process, shared by reference across worker threads.
#[derive(Debug)]
pub struct Fetcher {
    config: FetchConfig,
    agent: ureq::Agent,
    hosts: HostClock,
    robots: RobotsCache,
    /// The product token looked for in robots.txt (`claimtrail`).
    robots_agent: String,
}

/// What was fetched, before it is shaped into a [`FetchResponse`].
enum Got {
    Body {
        status: u16,
        final_url: Url,
        headers: HeaderMap,
        bytes: Vec<u8>,
    },
    NotModified {
        headers: HeaderMap,
    },
}

/// Feeds, pages and robots.txt differ in what they accept and in what they may skip.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Feed,
    Page,
    Robots,
}

impl Fetcher {
    pub fn new(config: FetchConfig) -> Fetcher {
        let agent_config = ureq::Agent::config_builder()
            // Status codes are outcomes to report, not errors to unwind.
            .http_status_as_error(false)
            // Redirects are followed in `get`, hop by hop.
            .max_redirects(0)
            // An environment proxy would both bypass the address guard (the proxy, not the
            // target, is what gets resolved) and make behaviour depend on who runs it.
            .proxy(None)
            .user_agent(config.user_agent.as_str())
            // ureq decodes gzip and br itself; deflate is decoded in `read_body`.
            .accept_encoding("gzip, br, deflate")
            .timeout_connect(Some(config.connect_timeout))
            .build();
        let agent = ureq::Agent::with_parts(
            agent_config,
            ureq::unversioned::transport::DefaultConnector::default(),
            GuardedResolver::new(config.allow_private, &config.hosts),
        );
        let robots_agent = config
            .user_agent
            .split(['/', ' '])
            .next()
            .unwrap_or("claimtrail")
            .to_ascii_lowercase();
        Fetcher {
            hosts: HostClock::new(config.min_host_interval),
            robots: RobotsCache::default(),
            robots_agent,
            agent,
            config,
        }
    }

    pub fn config(&self) -> &FetchConfig {
        &self.config
    }

    /// Fetches `req.url`, following redirects, and never panics or blocks past the
    /// configured limits (save for waiting its turn at a busy host).
    pub fn fetch(&self, req: &FetchRequest) -> FetchResponse {
        let mode = match req.purpose {
            Purpose::Feed => Mode::Feed,
            Purpose::Page => Mode::Page,
        };
        let validators = (req.etag.as_deref(), req.last_modified.as_deref());
        match self.get(&req.url, mode, validators, self.config.max_body_bytes) {
            Ok(Got::Body {
                status,
                final_url,
                headers,
                bytes,
            }) => {
                let (content_type, charset) = header(&headers, "content-type")
                    .map(split_content_type)
                    .unwrap_or((None, None));
                FetchResponse::Body {
                    status,
                    final_url: final_url.to_string(),
                    content_type,
                    charset,
                    bytes,
                    etag: header(&headers, "etag").map(str::to_string),
                    last_modified: header(&headers, "last-modified").map(str::to_string),
                }
            }
            Ok(Got::NotModified { headers }) => FetchResponse::NotModified {
                etag: header(&headers, "etag")
                    .map(str::to_string)
                    .or_else(|| req.etag.clone()),
                last_modified: header(&headers, "last-modified")
                    .map(str::to_string)
                    .or_else(|| req.last_modified.clone()),
            },
            Err(e) => FetchResponse::Failed(e),
        }
    }

    /// The redirect loop: each hop is checked against robots (pages), waits its turn at
    /// its host, and spends from one time budget.
    fn get(
        &self,
        start: &str,
        mode: Mode,
        validators: (Option<&str>, Option<&str>),
        limit: u64,
    ) -> Result<Got, FetchError> {
        let fail = |at: &Url, kind| FetchError {
            url: start.to_string(),
            failed_at: Some(at.to_string()).filter(|a| a != start),
            kind,
        };
        let mut url = parse_url(start).map_err(|message| FetchError {
            url: start.to_string(),
            failed_at: None,
            kind: FetchErrorKind::BadUrl { message },
        })?;
        let mut visited: Vec<Url> = Vec::new();
        let mut spent = Duration::ZERO;
        loop {
            if mode == Mode::Page && self.config.respect_robots {
                self.robots_allow(&url).map_err(|k| fail(&url, k))?;
            }
            let Some(remaining) = self
                .config
                .timeout
                .checked_sub(spent)
                .filter(|d| !d.is_zero())
            else {
                return Err(fail(
                    &url,
                    FetchErrorKind::Timeout {
                        after: self.config.timeout,
                    },
                ));
            };
            self.hosts.wait_turn(url.host_str().unwrap_or(""));
            let started = Instant::now();
            let response = self
                .send(&url, mode, validators, remaining)
                .map_err(|e| fail(&url, self.kind_of(e)))?;
            let status = response.status().as_u16();
            if let Some(location) = redirect_target(&response) {
                spent += started.elapsed();
                let next = url
                    .join(location)
                    .map_err(|e| e.to_string())
                    .and_then(|u| check_scheme(u).map_err(|m| m.to_string()))
                    .map_err(|message| {
                        fail(
                            &url,
                            FetchErrorKind::BadUrl {
                                message: format!("redirect to {location:?}: {message}"),
                            },
                        )
                    })?;
                visited.push(url);
                let loops = visited.iter().any(|v| same_resource(v, &next));
                let kind = if loops {
                    FetchErrorKind::RedirectLoop {
                        to: next.to_string(),
                    }
                } else if visited.len() > self.config.max_redirects as usize {
                    FetchErrorKind::TooManyRedirects {
                        max: self.config.max_redirects,
                    }
                } else {
                    url = next;
                    continue;
                };
                return Err(fail(&next, kind));
            }
            return match status {
                304 => Ok(Got::NotModified {
                    headers: response.headers().clone(),
                }),
                200..=299 => {
                    let headers = response.headers().clone();
                    let bytes = self
                        .read_body(response, limit, mode == Mode::Robots)
                        .map_err(|k| fail(&url, k))?;
                    Ok(Got::Body {
                        status,
                        final_url: url,
                        headers,
                        bytes,
                    })
                }
                _ => {
                    let retry_after = header(response.headers(), "retry-after")
                        .and_then(|v| parse_retry_after(v, SystemTime::now()));
                    Err(fail(
                        &url,
                        FetchErrorKind::Http {
                            status,
                            retry_after,
                        },
                    ))
                }
            };
        }
    }

    fn send(
        &self,
        url: &Url,
        mode: Mode,
        (etag, last_modified): (Option<&str>, Option<&str>),
        timeout: Duration,
    ) -> Result<Response<ureq::Body>, ureq::Error> {
        let accept = match mode {
            Mode::Feed => "application/rss+xml, application/atom+xml, application/feed+json, application/rdf+xml;q=0.9, application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, */*;q=0.5",
            Mode::Page => "text/html, application/xhtml+xml;q=0.9, */*;q=0.5",
            Mode::Robots => "text/plain, */*;q=0.5",
        };
        let mut request = self.agent.get(url.as_str()).header("accept", accept);
        if mode != Mode::Robots {
            // A validator with a line break in it would be a header injection; one that
            // came back mangled from storage is better not sent at all.
            if let Some(v) = etag.filter(|v| is_header_safe(v)) {
                request = request.header("if-none-match", v);
            }
            if let Some(v) = last_modified.filter(|v| is_header_safe(v)) {
                request = request.header("if-modified-since", v);
            }
        }
        request
            .config()
            .timeout_global(Some(timeout))
            .build()
            .call()
    }

    /// Reads at most `limit` bytes after decompression. Over the limit is an error, or for
    /// robots.txt the first `limit` bytes, since RFC 9309 lets a crawler stop there.
    fn read_body(
        &self,
        response: Response<ureq::Body>,
        limit: u64,
        truncate: bool,
    ) -> Result<Vec<u8>, FetchErrorKind> {
        let encoding = header(response.headers(), "content-encoding")
            .map(|e| e.trim().to_ascii_lowercase())
            .filter(|e| !e.is_empty() && e != "identity");
        // Without compression the declared length is the body's length, so a body that
        // says it is too large is refused before a byte of it is read.
        if encoding.is_none()
            && !truncate
            && response.body().content_length().is_some_and(|l| l > limit)
        {
            return Err(FetchErrorKind::TooLarge { limit });
        }
        let raw = response.into_body().into_reader();
        let mut reader: Box<dyn Read> = match encoding.as_deref() {
            None | Some("gzip") | Some("br") => Box::new(raw),
            Some("deflate") => inflate(raw).map_err(|e| self.kind_of(e.into()))?,
            Some(other) => {
                return Err(FetchErrorKind::Network {
                    message: format!(
                        "the server sent Content-Encoding {other:?}, which claimtrail does not read"
                    ),
                })
            }
        };
        let mut bytes = Vec::new();
        // One byte past the limit tells "exactly the limit" from "over it".
        (&mut reader)
            .take(limit.saturating_add(1))
            .read_to_end(&mut bytes)
            .map_err(|e| self.kind_of(e.into()))?;
        if bytes.len() as u64 > limit {
            if truncate {
                bytes.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
            } else {
                return Err(FetchErrorKind::TooLarge { limit });
            }
        }
        Ok(bytes)
    }

    /// robots.txt for the origin of `url`, from the cache or the network.
    fn robots_allow(&self, url: &Url) -> Result<(), FetchErrorKind> {
        let origin = url.origin().ascii_serialization();
        let now = Instant::now();
        let verdict = match self.robots.get(&origin, now) {
            Some(v) => v,
            None => {
                let fresh = self.fetch_robots(&origin)?;
                self.robots
                    .put(&origin, fresh, Instant::now(), self.config.robots_ttl)
            }
        };
        let path = match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_string(),
        };
        match verdict {
            Verdict::AllowAll => Ok(()),
            Verdict::Rules(r) if r.allows(&path) => Ok(()),
            Verdict::Rules(_) => Err(FetchErrorKind::Refused(Refusal::RobotsDisallow)),
            Verdict::Unreachable => Err(FetchErrorKind::Refused(Refusal::RobotsUnreachable)),
        }
    }

    /// The verdict of one robots.txt request; see `robots` for the conventions. A refusal
    /// by the address guard is passed on: it is the page's answer too.
    fn fetch_robots(&self, origin: &str) -> Result<Verdict, FetchErrorKind> {
        let url = format!("{origin}/robots.txt");
        Ok(
            match self.get(&url, Mode::Robots, (None, None), MAX_ROBOTS_BYTES) {
                Ok(Got::Body { bytes, .. }) => Verdict::Rules(Arc::new(Robots::parse(
                    &String::from_utf8_lossy(&bytes),
                    &self.robots_agent,
                ))),
                Ok(Got::NotModified { .. }) => Verdict::AllowAll,
                Err(e) => match e.kind {
                    FetchErrorKind::Refused(r @ Refusal::PrivateAddress { .. }) => {
                        return Err(FetchErrorKind::Refused(r))
                    }
                    FetchErrorKind::Http { status, .. } if status == 429 || status >= 500 => {
                        Verdict::Unreachable
                    }
                    FetchErrorKind::Http { .. }
                    | FetchErrorKind::TooManyRedirects { .. }
                    | FetchErrorKind::RedirectLoop { .. } => Verdict::AllowAll,
                    _ => Verdict::Unreachable,
                },
            },
        )
    }

    fn kind_of(&self, e: ureq::Error) -> FetchErrorKind {
        match e {
            ureq::Error::Timeout(t) => FetchErrorKind::Timeout {
                after: if t == ureq::Timeout::Connect {
                    self.config.connect_timeout
                } else {
                    self.config.timeout
                },
            },
            ureq::Error::Other(inner) => match inner.downcast::<PrivateAddress>() {
                Ok(p) => FetchErrorKind::Refused(Refusal::PrivateAddress {
                    host: p.host,
                    ip: p.ip,
                }),
                Err(other) => FetchErrorKind::Network {
                    message: other.to_string(),
                },
            },
            ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::TimedOut => {
                FetchErrorKind::Timeout {
                    after: self.config.timeout,
                }
            }
            ureq::Error::BodyExceedsLimit(_) => FetchErrorKind::TooLarge {
                limit: self.config.max_body_bytes,
            },
            ureq::Error::BadUri(message) => FetchErrorKind::BadUrl { message },
            ureq::Error::HostNotFound => FetchErrorKind::Network {
                message: "host not found".to_string(),
            },
            ureq::Error::Decompress(what, io) => FetchErrorKind::Network {
                message: format!("corrupt {what} body: {io}"),
            },
            other => FetchErrorKind::Network {
                message: other.to_string(),
            },
        }
    }
}

/// An absolute http(s) URL with a host, or why not.
fn parse_url(s: &str) -> Result<Url, String> {
    let url = Url::parse(s.trim()).map_err(|e| e.to_string())?;
    check_scheme(url)
}

fn check_scheme(url: Url) -> Result<Url, String> {
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!("scheme {:?} is not http or https", url.scheme()));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err("no host".to_string());
    }
    Ok(url)
}

/// Two URLs are the same resource when they differ at most in the fragment, which is
/// never sent.
fn same_resource(a: &Url, b: &Url) -> bool {
    a.as_str().split('#').next() == b.as_str().split('#').next()
}

/// The Location of a redirect we follow (301, 302, 303, 307, 308); `None` for anything
/// else, so a 300 or a 3xx without Location is reported as the status it is.
fn redirect_target(response: &Response<ureq::Body>) -> Option<&str> {
    match response.status().as_u16() {
        301 | 302 | 303 | 307 | 308 => header(response.headers(), "location"),
        _ => None,
    }
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

fn is_header_safe(v: &str) -> bool {
    !v.is_empty() && !v.chars().any(|c| c.is_control())
}

/// `text/html; charset="UTF-8"` to (`text/html`, `UTF-8`).
fn split_content_type(value: &str) -> (Option<String>, Option<String>) {
    let mut parts = value.split(';');
    let mime = parts
        .next()
        .map(|m| m.trim().to_ascii_lowercase())
        .filter(|m| !m.is_empty());
    let charset = parts
        .filter_map(|p| p.split_once('='))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("charset"))
        .map(|(_, v)| v.trim().trim_matches(['"', '\'']).trim().to_string())
        .filter(|c| !c.is_empty());
    (mime, charset)
}

/// A Retry-After value, either delay-seconds or an HTTP-date, as a delay from `now`. A
/// date in the past means "now" (zero); anything else unreadable is `None`.
///
/// ```
/// use std::time::{Duration, SystemTime, UNIX_EPOCH};
/// use ingest::fetch::parse_retry_after;
/// let now = UNIX_EPOCH + Duration::from_secs(784_111_777); // Sun, 06 Nov 1994 08:49:37 GMT
/// assert_eq!(parse_retry_after("120", now), Some(Duration::from_secs(120)));
/// assert_eq!(
///     parse_retry_after("Sun, 06 Nov 1994 08:51:37 GMT", now),
///     Some(Duration::from_secs(120))
/// );
/// assert_eq!(parse_retry_after("soon", now), None);
/// ```
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // Longer than u64 seconds is "forever"; the scheduler caps it.
        return Some(Duration::from_secs(value.parse().unwrap_or(u64::MAX)));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// HTTP's "deflate" is zlib-wrapped by the standard, but some servers send raw deflate;
/// the first two bytes tell which.
fn inflate(raw: impl Read + 'static) -> std::io::Result<Box<dyn Read>> {
    let mut buffered = BufReader::new(raw);
    let head = buffered.fill_buf()?;
    let zlib = head.len() >= 2
        && head[0] & 0x0f == 8
        && (u16::from(head[0]) << 8 | u16::from(head[1])) % 31 == 0;
    Ok(if zlib {
        Box::new(flate2::read::ZlibDecoder::new(buffered))
    } else {
        Box::new(flate2::read::DeflateDecoder::new(buffered))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fetcher_is_shareable_across_threads() {
        fn shared<T: Send + Sync>() {}
        shared::<Fetcher>();
        shared::<FetchResponse>();
    }

    #[test]
    fn content_type_and_charset() {
        assert_eq!(
            split_content_type("Text/HTML; Charset=\"windows-1251\""),
            (Some("text/html".into()), Some("windows-1251".into()))
        );
        assert_eq!(
            split_content_type("application/rss+xml"),
            (Some("application/rss+xml".into()), None)
        );
        assert_eq!(
            split_content_type("text/xml; foo=bar; charset=utf-8"),
            (Some("text/xml".into()), Some("utf-8".into()))
        );
        assert_eq!(split_content_type("; charset="), (None, None));
    }

    #[test]
    fn retry_after_forms() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(784_111_777);
        assert_eq!(parse_retry_after(" 0 ", now), Some(Duration::ZERO));
        assert_eq!(
            parse_retry_after("99999999999999999999999", now),
            Some(Duration::from_secs(u64::MAX))
        );
        // A date already past is "now".
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("-5", now), None);
        assert_eq!(parse_retry_after("", now), None);
    }

    #[test]
    fn bad_urls_are_refused_before_any_network() {
        let f = Fetcher::new(FetchConfig::default());
        for url in [
            "",
            "not a url",
            "ftp://example.org/x",
            "file:///etc/passwd",
            "http://",
        ] {
            let r = f.fetch(&FetchRequest::feed(url));
            let e = r.error().unwrap_or_else(|| panic!("{url} fetched"));
            assert!(
                matches!(e.kind, FetchErrorKind::BadUrl { .. }),
                "{url}: {e}"
            );
            assert!(e.to_string().contains("not a fetchable URL"), "{e}");
        }
    }

    #[test]
    fn literal_private_addresses_are_refused() {
        let f = Fetcher::new(FetchConfig::default());
        for url in [
            "http://127.0.0.1:1/",
            "http://[::1]:1/",
            "http://169.254.169.254/latest/meta-data/",
            "http://10.0.0.1/",
            "http://[::ffff:192.168.0.1]/",
        ] {
            let r = f.fetch(&FetchRequest::feed(url));
            let e = r.error().unwrap_or_else(|| panic!("{url} fetched"));
            assert!(
                matches!(
                    e.kind,
                    FetchErrorKind::Refused(Refusal::PrivateAddress { .. })
                ),
                "{url}: {e}"
            );
        }
    }

    #[test]
    fn robots_agent_is_the_first_word_of_the_user_agent() {
        let f = Fetcher::new(FetchConfig::default());
        assert_eq!(f.robots_agent, "claimtrail");
        assert!(USER_AGENT.starts_with("claimtrail/0.1"));
    }
}
