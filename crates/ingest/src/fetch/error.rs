//! What can go wrong with a fetch, typed so that the caller can decide (back off, honour
//! Retry-After, mark a feed as refused) without reading message strings, and worded so that
//! the message alone, read in a feed's health record, says which URL failed and why.

use std::fmt;
use std::net::IpAddr;
use std::time::Duration;

/// A failed fetch: the URL asked for, where it failed when that was after a redirect, and
/// what happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchError {
    /// The URL of the request, as the caller gave it.
    pub url: String,
    /// The URL of the hop that failed, when a redirect led away from `url`.
    pub failed_at: Option<String>,
    pub kind: FetchErrorKind,
}

impl FetchError {
    /// The server's Retry-After, when it sent one with an error status.
    pub fn retry_after(&self) -> Option<Duration> {
        match &self.kind {
            FetchErrorKind::Http { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

impl fmt::Display for FetchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.failed_at {
            Some(at) => write!(f, "{} (redirected to {at}): {}", self.url, self.kind),
            None => write!(f, "{}: {}", self.url, self.kind),
        }
    }
}

impl std::error::Error for FetchError {}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FetchErrorKind {
    /// No complete answer within the limit (connect or overall).
    Timeout { after: Duration },
    /// The body, counted after decompression, is over the limit; the rest was not read.
    TooLarge { limit: u64 },
    /// More redirects than `FetchConfig::max_redirects`.
    TooManyRedirects { max: u32 },
    /// A redirect back to a URL this fetch already visited.
    RedirectLoop { to: String },
    /// The server answered with an error status (or a 3xx we cannot follow).
    Http {
        status: u16,
        retry_after: Option<Duration>,
    },
    /// DNS, connection, TLS, a broken or corrupt response.
    Network { message: String },
    /// We chose not to fetch: the address guard or robots.txt.
    Refused(Refusal),
    /// Not an absolute http(s) URL, or a redirect to one that is not.
    BadUrl { message: String },
}

/// Why a fetch was refused before it was sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The host resolves only to loopback, private or other non-public addresses.
    PrivateAddress { host: String, ip: IpAddr },
    /// robots.txt disallows this path for claimtrail.
    RobotsDisallow,
    /// robots.txt answered 429/5xx or could not be reached: by the Google/RFC 9309
    /// convention the whole site counts as disallowed until it can be read.
    RobotsUnreachable,
}

impl fmt::Display for FetchErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FetchErrorKind::Timeout { after } => {
                write!(f, "timed out: no complete answer within {}", human(*after))
            }
            FetchErrorKind::TooLarge { limit } => write!(
                f,
                "response too large: the body (after decompression) is over the limit of {limit} bytes"
            ),
            FetchErrorKind::TooManyRedirects { max } => {
                write!(f, "too many redirects: more than {max}")
            }
            FetchErrorKind::RedirectLoop { to } => {
                write!(f, "redirect loop: redirected back to {to}")
            }
            FetchErrorKind::Http {
                status,
                retry_after,
            } => {
                write!(f, "the server answered HTTP {status}")?;
                if let Some(reason) = reason(*status) {
                    write!(f, " {reason}")?;
                }
                if let Some(d) = retry_after {
                    write!(f, "; it asks to retry after {}", human(*d))?;
                }
                Ok(())
            }
            FetchErrorKind::Network { message } => write!(f, "network error: {message}"),
            FetchErrorKind::Refused(r) => write!(f, "refused: {r}"),
            FetchErrorKind::BadUrl { message } => write!(f, "not a fetchable URL: {message}"),
        }
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::PrivateAddress { host, ip } => write!(
                f,
                "{host} resolves to the non-public address {ip} (allow_private is off)"
            ),
            Refusal::RobotsDisallow => write!(f, "robots.txt disallows this path for claimtrail"),
            Refusal::RobotsUnreachable => write!(
                f,
                "robots.txt could not be read (server error or unreachable), so the site counts as disallowed for now"
            ),
        }
    }
}

fn human(d: Duration) -> String {
    if d < Duration::from_secs(1) {
        format!("{} ms", d.as_millis())
    } else if d.subsec_millis() == 0 {
        format!("{} s", d.as_secs())
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

fn reason(status: u16) -> Option<&'static str> {
    Some(match status {
        300 => "Multiple Choices",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        406 => "Not Acceptable",
        410 => "Gone",
        429 => "Too Many Requests",
        451 => "Unavailable For Legal Reasons",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_url_and_say_what_happened() {
        let e = FetchError {
            url: "https://example.org/feed".into(),
            failed_at: None,
            kind: FetchErrorKind::Http {
                status: 429,
                retry_after: Some(Duration::from_secs(120)),
            },
        };
        assert_eq!(
            e.to_string(),
            "https://example.org/feed: the server answered HTTP 429 Too Many Requests; it asks to retry after 120 s"
        );
        let e = FetchError {
            url: "https://example.org/a".into(),
            failed_at: Some("http://10.0.0.1/".into()),
            kind: FetchErrorKind::Refused(Refusal::PrivateAddress {
                host: "10.0.0.1".into(),
                ip: "10.0.0.1".parse().unwrap(),
            }),
        };
        assert!(e.to_string().starts_with(
            "https://example.org/a (redirected to http://10.0.0.1/): refused: 10.0.0.1 resolves"
        ));
        let e = FetchError {
            url: "http://x/".into(),
            failed_at: None,
            kind: FetchErrorKind::Timeout {
                after: Duration::from_millis(1500),
            },
        };
        assert_eq!(
            e.to_string(),
            "http://x/: timed out: no complete answer within 1.5 s"
        );
    }
}
