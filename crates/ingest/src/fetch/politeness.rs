//! The per-host rate limit, shared by every thread that holds the fetcher.
//!
//! Each request takes the next free slot for its host, at least `interval` after the one
//! before, and sleeps until it comes. The slot is booked under the lock but the sleep is
//! not, so threads waiting for one slow host never hold up requests to another, and two
//! threads asking for the same host at once are spaced out rather than sent together.
//! The key is the host name alone, without the port: politeness is owed to a machine.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Debug)]
pub(crate) struct HostClock {
    interval: Duration,
    next_free: Mutex<HashMap<String, Instant>>,
}

impl HostClock {
    pub fn new(interval: Duration) -> HostClock {
        HostClock {
            interval,
            next_free: Mutex::new(HashMap::new()),
        }
    }

    /// Books the next slot for `host` and returns when it has come.
    pub fn wait_turn(&self, host: &str) {
        let wait = self.book(host, Instant::now());
        if !wait.is_zero() {
            std::thread::sleep(wait);
        }
    }

    /// Books a slot at or after `now` and says how long to wait for it.
    fn book(&self, host: &str, now: Instant) -> Duration {
        if self.interval.is_zero() {
            return Duration::ZERO;
        }
        let mut map = self.next_free.lock().unwrap_or_else(|p| p.into_inner());
        // Hosts whose slot has passed carry no information; dropping them bounds the map
        // by the hosts active within one interval.
        if map.len() > 1024 {
            map.retain(|_, t| *t > now);
        }
        let host = host.to_ascii_lowercase();
        let slot = map.get(&host).copied().filter(|t| *t > now).unwrap_or(now);
        map.insert(host, slot + self.interval);
        slot - now
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_host_is_spaced_other_hosts_are_not() {
        let c = HostClock::new(Duration::from_secs(1));
        let t = Instant::now();
        assert_eq!(c.book("a.example", t), Duration::ZERO);
        assert_eq!(c.book("A.example", t), Duration::from_secs(1));
        assert_eq!(c.book("a.example", t), Duration::from_secs(2));
        assert_eq!(c.book("b.example", t), Duration::ZERO);
        // Once the slots have passed there is no wait.
        assert_eq!(
            c.book("a.example", t + Duration::from_secs(5)),
            Duration::ZERO
        );
    }

    #[test]
    fn zero_interval_never_waits() {
        let c = HostClock::new(Duration::ZERO);
        let t = Instant::now();
        assert_eq!(c.book("a", t), Duration::ZERO);
        assert_eq!(c.book("a", t), Duration::ZERO);
    }
}
