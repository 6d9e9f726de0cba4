//! robots.txt, by RFC 9309 and the conventions Google documents for it.
//!
//! Only page fetches consult it: a feed is published to be polled, and RFC 9309 leaves
//! the choice to the crawler, but an article page is what a site's rules are written for.
//! The rules are kept per origin for `FetchConfig::robots_ttl` so that one site's many
//! pages cost one robots.txt request a day, not one each.
//!
//! What a failed robots.txt fetch means follows RFC 9309 §2.3.1 as Google applies it:
//! - 2xx: the rules in the file (the first 500 KiB of it).
//! - 4xx other than 429 (there is no file, or it is not for us): everything is allowed.
//! - 429, 5xx, timeouts and network errors: the site counts as fully disallowed for a while,
//!   because a site in trouble is exactly the one not to crawl; if an older copy of the
//!   rules is at hand it is used instead. The state is retried after [`UNREACHABLE_RETRY`].
//! - too many redirects: treated as "no file" (allowed), as RFC 9309 permits.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long a "robots.txt unreachable" verdict holds before the file is asked for again.
pub const UNREACHABLE_RETRY: Duration = Duration::from_secs(10 * 60);

/// RFC 9309 asks crawlers to read at least this much of a robots.txt; the rest is ignored.
pub const MAX_ROBOTS_BYTES: u64 = 500 * 1024;

/// The rules of one robots.txt that apply to one user agent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Robots {
    /// (allow, pattern) pairs; empty patterns are dropped since they match nothing.
    rules: Vec<(bool, String)>,
}

impl Robots {
    /// Parses `text` and keeps the rules for `agent` (a product token such as
    /// `claimtrail`, compared without regard to case): the groups that name it, or when
    /// none does, the `*` groups.
    ///
    /// ```
    /// let r = ingest::fetch::Robots::parse("User-agent: *\nDisallow: /private/\n", "claimtrail");
    /// assert!(!r.allows("/private/x"));
    /// assert!(r.allows("/news/1"));
    /// ```
    pub fn parse(text: &str, agent: &str) -> Robots {
        let agent = agent.to_ascii_lowercase();
        let mut ours = Vec::new();
        let mut star = Vec::new();
        let mut named_us = false;
        // The agents of the group being read, and whether a rule has closed its header.
        let mut group_agents: Vec<String> = Vec::new();
        let mut in_rules = false;
        for line in text.lines() {
            let line = line.split('#').next().unwrap_or("");
            let Some((key, value)) = line.split_once(':') else {
                continue;
            };
            let key = key.trim().to_ascii_lowercase();
            let value = value.trim();
            match key.as_str() {
                "user-agent" => {
                    if in_rules {
                        group_agents.clear();
                        in_rules = false;
                    }
                    group_agents.push(product_token(value));
                    if group_agents.last() == Some(&agent) {
                        named_us = true;
                    }
                }
                "allow" | "disallow" => {
                    in_rules = true;
                    if value.is_empty() || group_agents.is_empty() {
                        continue;
                    }
                    let rule = (key == "allow", value.to_string());
                    if group_agents.contains(&agent) {
                        ours.push(rule.clone());
                    }
                    if group_agents.iter().any(|a| a == "*") {
                        star.push(rule);
                    }
                }
                // Sitemap, Crawl-delay and the rest: not rules about paths. Once a group
                // has rules, other lines do not reopen its header.
                _ => {}
            }
        }
        Robots {
            rules: if named_us { ours } else { star },
        }
    }

    /// Whether `path` (with its query, as in `/a/b?c=d`) may be fetched: the longest
    /// matching pattern decides, `allow` wins a tie, and no match allows.
    pub fn allows(&self, path: &str) -> bool {
        if path == "/robots.txt" {
            return true;
        }
        let mut best: Option<(usize, bool)> = None;
        for (allow, pattern) in &self.rules {
            if !matches(pattern, path) {
                continue;
            }
            let len = pattern.len();
            best = match best {
                Some((l, a)) if l > len || (l == len && a) => Some((l, a)),
                _ => Some((len, *allow)),
            };
        }
        best.is_none_or(|(_, allow)| allow)
    }
}

/// `Googlebot/2.1 (+http://...)` names the agent `googlebot`.
fn product_token(value: &str) -> String {
    value
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '*'))
        .next()
        .unwrap_or("")
        .to_ascii_lowercase()
}

/// RFC 9309 matching: the pattern matches a prefix of the path, `*` matches any run of
/// characters and a final `$` anchors the end. Greedy with one backtrack point, so a
/// hostile pattern costs at most pattern length times path length.
fn matches(pattern: &str, path: &str) -> bool {
    let (pat, anchored) = match pattern.strip_suffix('$') {
        Some(p) => (p.as_bytes(), true),
        None => (pattern.as_bytes(), false),
    };
    let text = path.as_bytes();
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    loop {
        if p == pat.len() {
            if !anchored || t == text.len() {
                return true;
            }
        } else if pat[p] == b'*' {
            star = Some((p, t));
            p += 1;
            continue;
        } else if t < text.len() && pat[p] == text[t] {
            p += 1;
            t += 1;
            continue;
        }
        // Mismatch (or an anchored pattern that ended early): let the last `*` eat one more.
        match star {
            Some((sp, st)) if st < text.len() => {
                star = Some((sp, st + 1));
                p = sp + 1;
                t = st + 1;
            }
            _ => return false,
        }
    }
}

/// What is known about one origin's robots.txt.
#[derive(Debug, Clone)]
pub(crate) enum Verdict {
    Rules(Arc<Robots>),
    /// 4xx or too many redirects: no rules.
    AllowAll,
    /// 429, 5xx or not reachable, and no older copy at hand.
    Unreachable,
}

#[derive(Debug)]
struct Entry {
    verdict: Verdict,
    expires: Instant,
}

/// Verdicts per origin (`scheme://host:port`), shared by the fetcher's threads. Two
/// threads that miss at once both fetch robots.txt; that costs one extra request and
/// spares a lock held across the network.
#[derive(Debug, Default)]
pub(crate) struct RobotsCache {
    entries: Mutex<HashMap<String, Entry>>,
}

impl RobotsCache {
    /// The verdict for `origin` if it has not expired.
    pub fn get(&self, origin: &str, now: Instant) -> Option<Verdict> {
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        entries
            .get(origin)
            .filter(|e| e.expires > now)
            .map(|e| e.verdict.clone())
    }

    /// Records a fresh verdict. An unreachable robots.txt keeps an older copy of the rules
    /// when there is one, by Google's convention, and is asked for again sooner.
    pub fn put(&self, origin: &str, verdict: Verdict, now: Instant, ttl: Duration) -> Verdict {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        let (verdict, ttl) = match verdict {
            Verdict::Unreachable => {
                let stale = match entries.get(origin).map(|e| &e.verdict) {
                    Some(v @ (Verdict::Rules(_) | Verdict::AllowAll)) => v.clone(),
                    _ => Verdict::Unreachable,
                };
                (stale, ttl.min(UNREACHABLE_RETRY))
            }
            v => (v, ttl),
        };
        // Forget long-expired origins so that a crawl over many sites does not grow
        // the map without end.
        if entries.len() > 4096 {
            entries.retain(|_, e| e.expires > now);
        }
        entries.insert(
            origin.to_string(),
            Entry {
                verdict: verdict.clone(),
                expires: now + ttl,
            },
        );
        verdict
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TXT: &str = "\
# comments are ignored
User-agent: Googlebot
Disallow: /

User-agent: *
Disallow: /private/
Disallow: /*.pdf$
Allow: /private/open
Crawl-delay: 10

Sitemap: https://example.org/sitemap.xml
";

    #[test]
    fn star_group_applies_when_we_are_not_named() {
        let r = Robots::parse(TXT, "claimtrail");
        assert!(r.allows("/"));
        assert!(r.allows("/news/2024/story"));
        assert!(!r.allows("/private/x"));
        assert!(r.allows("/private/open/1"), "longer allow wins");
        assert!(!r.allows("/files/a.pdf"));
        assert!(r.allows("/files/a.pdf?download=1"), "$ anchors the end");
        assert!(r.allows("/robots.txt"));
    }

    #[test]
    fn a_group_naming_us_replaces_star() {
        let txt = "User-agent: *\nDisallow: /\n\nUser-agent: ClaimTrail/0.1\nUser-agent: other\nDisallow: /drafts\n";
        let r = Robots::parse(txt, "claimtrail");
        assert!(r.allows("/news"));
        assert!(!r.allows("/drafts/1"));
        let r = Robots::parse(txt, "someoneelse");
        assert!(!r.allows("/news"));
    }

    #[test]
    fn groups_naming_us_twice_are_merged_and_empty_disallow_allows() {
        let txt = "User-agent: claimtrail\nDisallow: /a\n\nUser-agent: claimtrail\nDisallow: /b\n\nUser-agent: *\nDisallow:\n";
        let r = Robots::parse(txt, "claimtrail");
        assert!(!r.allows("/a"));
        assert!(!r.allows("/b"));
        assert!(r.allows("/c"));
        assert!(Robots::parse(txt, "x").allows("/a"));
    }

    #[test]
    fn equal_length_tie_goes_to_allow() {
        let r = Robots::parse(
            "User-agent: *\nDisallow: /page\nAllow: /page\n",
            "claimtrail",
        );
        assert!(r.allows("/page"));
    }

    #[test]
    fn wildcards() {
        assert!(matches("/*/edit", "/a/b/edit/more"));
        assert!(matches("/a*b*c$", "/axxbyyc"));
        assert!(!matches("/a*b*c$", "/axxbyycd"));
        assert!(matches("*", "/anything"));
        assert!(matches("/$", "/"));
        assert!(!matches("/$", "/x"));
        assert!(!matches("/x", "/"));
        // A pathological pattern stays quick.
        let long = "/".to_string() + &"a".repeat(5000);
        assert!(!matches("/*a*a*a*a*a*a*a*b", &long));
    }

    #[test]
    fn junk_and_rules_before_any_agent_are_ignored() {
        let r = Robots::parse(
            "Disallow: /\n\u{0}\u{1}garbage\nUser-agent *\n",
            "claimtrail",
        );
        assert!(r.allows("/x"));
    }

    #[test]
    fn unreachable_keeps_an_older_copy() {
        let c = RobotsCache::default();
        let now = Instant::now();
        let day = Duration::from_secs(86400);
        let rules = Arc::new(Robots::parse("User-agent: *\nDisallow: /x\n", "claimtrail"));
        c.put("https://a", Verdict::Rules(rules), now, day);
        let v = c.put("https://a", Verdict::Unreachable, now + day * 2, day);
        assert!(matches!(v, Verdict::Rules(_)));
        let v = c.put("https://b", Verdict::Unreachable, now, day);
        assert!(matches!(v, Verdict::Unreachable));
        assert!(c.get("https://b", now + UNREACHABLE_RETRY * 2).is_none());
        assert!(c.get("https://b", now).is_some());
    }
}
