//! When to poll a feed next: pure functions of the outcome, the feed's recent item dates,
//! its failure count and a jitter value, so that the policy is tested without a clock and
//! the app layer owns time and randomness.
//!
//! After a success the interval follows how often the feed posts (the median gap between
//! its recent items: one outlier, a holiday gap or a burst, does not move a median much),
//! clamped to `[min_interval, max_interval]`. After a failure it backs off exponentially
//! from `backoff_base`, so a dead server is asked less and less often but never forgotten:
//! the cap is `max_interval`, and a feed never stops being polled. A server's Retry-After
//! is a lower bound on either. Jitter spreads feeds that were added together, so that
//! they do not stay in lockstep and hit a shared host in bursts.

use chrono::{DateTime, Utc};
use std::time::Duration;

/// The knobs of [`next_poll`].
#[derive(Debug, Clone, PartialEq)]
pub struct PollConfig {
    /// The shortest interval after a success (15 min).
    pub min_interval: Duration,
    /// The longest interval, after success or failure (24 h).
    pub max_interval: Duration,
    /// The interval for a feed whose items carry fewer than two dates (1 h).
    pub default_interval: Duration,
    /// The first delay after a failure; doubled for each further failure in a row (5 min).
    pub backoff_base: Duration,
    /// How far jitter moves an interval either way, as a fraction (0.2 = ±20 %).
    pub jitter: f64,
    /// The longest Retry-After honoured; a server asking for more gets this (7 days).
    pub max_retry_after: Duration,
}

impl Default for PollConfig {
    fn default() -> PollConfig {
        PollConfig {
            min_interval: Duration::from_secs(15 * 60),
            max_interval: Duration::from_secs(24 * 3600),
            default_interval: Duration::from_secs(3600),
            backoff_base: Duration::from_secs(5 * 60),
            jitter: 0.2,
            max_retry_after: Duration::from_secs(7 * 24 * 3600),
        }
    }
}

/// What [`next_poll`] needs to know about the last fetch. `FetchResponse::poll_outcome`
/// makes one from a response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PollOutcome {
    /// A body or a 304: the feed is alive.
    Success,
    /// Any failure; `retry_after` when the server sent one (429, 503).
    Failure { retry_after: Option<Duration> },
}

/// The time to poll a feed next.
///
/// `recent` are the publication dates of the feed's recent items, in any order;
/// `consecutive_failures` counts the failures in a row including this one (ignored after a
/// success); `jitter01` is a number in `[0, 1)`, 0.5 meaning "no jitter" (see [`Jitter`]).
///
/// ```
/// use chrono::{Duration, TimeZone, Utc};
/// use ingest::fetch::{next_poll, PollConfig, PollOutcome};
/// let now = Utc.with_ymd_and_hms(2024, 3, 5, 12, 0, 0).unwrap();
/// // A feed that posts every two hours is polled every two hours.
/// let items: Vec<_> = (1..=5).map(|i| now - Duration::hours(2 * i)).collect();
/// let next = next_poll(now, PollOutcome::Success, &items, 0, &PollConfig::default(), 0.5);
/// assert_eq!(next - now, Duration::hours(2));
/// ```
pub fn next_poll(
    now: DateTime<Utc>,
    outcome: PollOutcome,
    recent: &[DateTime<Utc>],
    consecutive_failures: u32,
    config: &PollConfig,
    jitter01: f64,
) -> DateTime<Utc> {
    let (delay, retry_after) = match outcome {
        PollOutcome::Success => (success_interval(now, recent, config, jitter01), None),
        PollOutcome::Failure { retry_after } => {
            (backoff(consecutive_failures, config, jitter01), retry_after)
        }
    };
    let delay = match retry_after {
        Some(r) => delay.max(r.min(config.max_retry_after)),
        None => delay,
    };
    now + chrono::Duration::from_std(delay).unwrap_or(chrono::Duration::MAX)
}

/// The interval after a success: the median gap between the recent items, jittered and
/// clamped to `[min_interval, max_interval]`.
pub fn success_interval(
    now: DateTime<Utc>,
    recent: &[DateTime<Utc>],
    config: &PollConfig,
    jitter01: f64,
) -> Duration {
    // Dates in the future are typos or time zone slips; they would make gaps up.
    let mut dates: Vec<DateTime<Utc>> = recent.iter().copied().filter(|d| *d <= now).collect();
    dates.sort_unstable();
    dates.dedup();
    let gaps: Vec<Duration> = dates
        .windows(2)
        .filter_map(|w| (w[1] - w[0]).to_std().ok())
        .collect();
    let base = median(gaps).unwrap_or(config.default_interval);
    jittered(base, config.jitter, jitter01).clamp(
        config.min_interval,
        config.max_interval.max(config.min_interval),
    )
}

/// The delay after `consecutive_failures` failures in a row: `backoff_base` doubled for
/// each failure after the first, jittered, capped at `max_interval`.
pub fn backoff(consecutive_failures: u32, config: &PollConfig, jitter01: f64) -> Duration {
    let doublings = consecutive_failures.max(1) - 1;
    // Past 2^20 any base is over any sane cap; stopping there keeps the product finite.
    let factor = 2u32.saturating_pow(doublings.min(20));
    let raw = config
        .backoff_base
        .checked_mul(factor)
        .unwrap_or(Duration::MAX)
        .min(config.max_interval);
    jittered(raw, config.jitter, jitter01).min(config.max_interval)
}

fn median(mut gaps: Vec<Duration>) -> Option<Duration> {
    if gaps.is_empty() {
        return None;
    }
    gaps.sort_unstable();
    let n = gaps.len();
    Some(if n % 2 == 1 {
        gaps[n / 2]
    } else {
        (gaps[n / 2 - 1] + gaps[n / 2]) / 2
    })
}

fn jittered(d: Duration, spread: f64, jitter01: f64) -> Duration {
    let j = if jitter01.is_finite() {
        jitter01.clamp(0.0, 1.0)
    } else {
        0.5
    };
    let spread = if spread.is_finite() {
        spread.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let factor = 1.0 + spread * (2.0 * j - 1.0);
    Duration::try_from_secs_f64(d.as_secs_f64() * factor).unwrap_or(d)
}

/// A small seeded random source for `jitter01` (xorshift64*): the app seeds one per worker
/// and runs are reproducible; it is not for anything secret.
#[derive(Debug, Clone)]
pub struct Jitter(u64);

impl Jitter {
    pub fn new(seed: u64) -> Jitter {
        // Zero is xorshift's one fixed point; any other start works.
        Jitter(if seed == 0 {
            0x9e37_79b9_7f4a_7c15
        } else {
            seed
        })
    }

    /// The next number in `[0, 1)`.
    pub fn next01(&mut self) -> f64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        let r = x.wrapping_mul(0x2545_f491_4f6c_dd1d);
        // The top 53 bits fill an f64 mantissa exactly.
        (r >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2024, 3, 5, 12, 0, 0).unwrap()
    }

    fn every(minutes: i64, n: i64) -> Vec<DateTime<Utc>> {
        (1..=n)
            .map(|i| now() - chrono::Duration::minutes(minutes * i))
            .collect()
    }

    fn mins(d: Duration) -> u64 {
        d.as_secs() / 60
    }

    #[test]
    fn interval_follows_the_median_gap_within_bounds() {
        let c = PollConfig::default();
        assert_eq!(mins(success_interval(now(), &every(90, 10), &c, 0.5)), 90);
        // A feed posting every 2 minutes is still polled no more than every 15.
        assert_eq!(mins(success_interval(now(), &every(2, 10), &c, 0.5)), 15);
        // A feed posting weekly is polled at least daily.
        assert_eq!(
            mins(success_interval(now(), &every(7 * 1440, 5), &c, 0.5)),
            24 * 60
        );
        // One long holiday gap does not move the median.
        let mut dates = every(60, 9);
        dates.push(now() - chrono::Duration::days(30));
        assert_eq!(mins(success_interval(now(), &dates, &c, 0.5)), 60);
    }

    #[test]
    fn too_few_dates_or_future_dates_give_the_default() {
        let c = PollConfig::default();
        assert_eq!(success_interval(now(), &[], &c, 0.5), c.default_interval);
        assert_eq!(
            success_interval(now(), &[now()], &c, 0.5),
            c.default_interval
        );
        let future = vec![
            now() + chrono::Duration::days(1),
            now() + chrono::Duration::days(3),
        ];
        assert_eq!(
            success_interval(now(), &future, &c, 0.5),
            c.default_interval
        );
        // The same date twice is one item, not a zero gap.
        assert_eq!(
            success_interval(now(), &[now(), now()], &c, 0.5),
            c.default_interval
        );
    }

    #[test]
    fn bounds_are_configurable() {
        let c = PollConfig {
            min_interval: Duration::from_secs(60),
            max_interval: Duration::from_secs(600),
            ..PollConfig::default()
        };
        assert_eq!(mins(success_interval(now(), &every(2, 10), &c, 0.5)), 2);
        assert_eq!(mins(success_interval(now(), &every(90, 10), &c, 0.5)), 10);
    }

    #[test]
    fn backoff_doubles_from_the_base_and_is_capped() {
        let c = PollConfig::default();
        let m: Vec<u64> = (1..=12).map(|n| mins(backoff(n, &c, 0.5))).collect();
        assert_eq!(m[..6], [5, 10, 20, 40, 80, 160]);
        assert_eq!(m[9], 24 * 60);
        assert_eq!(m[11], 24 * 60);
        assert_eq!(
            mins(backoff(0, &c, 0.5)),
            5,
            "0 counts as the first failure"
        );
        assert_eq!(backoff(u32::MAX, &c, 0.99), c.max_interval);
    }

    #[test]
    fn jitter_spreads_within_its_fraction() {
        let c = PollConfig::default();
        let lo = backoff(3, &c, 0.0).as_secs();
        let hi = backoff(3, &c, 0.999_999).as_secs();
        assert_eq!(lo, 20 * 60 * 8 / 10);
        assert!((20 * 60 * 12 / 10 - 1..=20 * 60 * 12 / 10).contains(&hi));
        // Junk jitter values are tolerated.
        assert_eq!(mins(backoff(3, &c, f64::NAN)), 20);
        assert_eq!(backoff(3, &c, 7.0).as_secs(), hi.max(20 * 60 * 12 / 10));
    }

    #[test]
    fn retry_after_is_a_lower_bound() {
        let c = PollConfig::default();
        let failure = |secs| PollOutcome::Failure {
            retry_after: Some(Duration::from_secs(secs)),
        };
        // Longer than the backoff: honoured.
        let next = next_poll(now(), failure(7200), &[], 1, &c, 0.5);
        assert_eq!(next - now(), chrono::Duration::hours(2));
        // Shorter than the backoff: the backoff stands.
        let next = next_poll(now(), failure(10), &[], 1, &c, 0.5);
        assert_eq!(next - now(), chrono::Duration::minutes(5));
        // Absurd: capped.
        let next = next_poll(now(), failure(u64::MAX / 4), &[], 1, &c, 0.5);
        assert_eq!(next - now(), chrono::Duration::days(7));
    }

    #[test]
    fn recovery_returns_to_the_adaptive_interval() {
        let c = PollConfig::default();
        let dates = every(30, 10);
        let mut t = now();
        let mut delays = Vec::new();
        for failures in 1..=3 {
            let next = next_poll(
                t,
                PollOutcome::Failure { retry_after: None },
                &dates,
                failures,
                &c,
                0.5,
            );
            delays.push((next - t).num_minutes());
            t = next;
        }
        let next = next_poll(t, PollOutcome::Success, &dates, 3, &c, 0.5);
        delays.push((next - t).num_minutes());
        assert_eq!(delays, [5, 10, 20, 30]);
    }

    #[test]
    fn jitter_source_is_seeded_and_in_range() {
        let a: Vec<f64> = {
            let mut j = Jitter::new(42);
            (0..1000).map(|_| j.next01()).collect()
        };
        let mut j = Jitter::new(42);
        assert!(a.iter().all(|&x| x == j.next01()));
        assert!(a.iter().all(|x| (0.0..1.0).contains(x)));
        let mean = a.iter().sum::<f64>() / a.len() as f64;
        assert!((0.4..0.6).contains(&mean), "{mean}");
        let mut z = Jitter::new(0);
        assert_ne!(z.next01(), z.next01(), "a zero seed must not stick");
    }
}
