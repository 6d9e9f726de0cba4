//! Calendar arithmetic and TIMEX3 value formatting, kept apart from the grammar so that the
//! rules read as "what was said" and this module answers "which day is that".
//!
//! Every function takes the anchor as `Option<NaiveDate>`: without a publication date a
//! relative expression keeps the parts it cannot know as `X` ("XXXX-WXX-1" for "Monday",
//! "XXXX-10" for "October") rather than guessing a year.

use chrono::{Datelike, Duration, NaiveDate, Weekday};

pub fn day(d: NaiveDate) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day())
}

pub fn week(d: NaiveDate) -> String {
    let w = d.iso_week();
    format!("{:04}-W{:02}", w.year(), w.week())
}

pub fn month(y: i32, m: u32) -> String {
    format!("{y:04}-{m:02}")
}

pub fn quarter_of(m: u32) -> u32 {
    (m.saturating_sub(1)) / 3 + 1
}

/// `(y, m)` moved by `delta` months.
pub fn add_months(y: i32, m: u32, delta: i64) -> (i32, u32) {
    let idx = y as i64 * 12 + (m as i64 - 1) + delta;
    (idx.div_euclid(12) as i32, (idx.rem_euclid(12) + 1) as u32)
}

/// `(y, q)` moved by `delta` quarters.
pub fn add_quarters(y: i32, q: u32, delta: i64) -> (i32, u32) {
    let idx = y as i64 * 4 + (q as i64 - 1) + delta;
    (idx.div_euclid(4) as i32, (idx.rem_euclid(4) + 1) as u32)
}

pub fn add_days(d: NaiveDate, n: i64) -> NaiveDate {
    d.checked_add_signed(Duration::days(n)).unwrap_or(d)
}

fn weekday_of(n: u32) -> Weekday {
    match n {
        1 => Weekday::Mon,
        2 => Weekday::Tue,
        3 => Weekday::Wed,
        4 => Weekday::Thu,
        5 => Weekday::Fri,
        6 => Weekday::Sat,
        _ => Weekday::Sun,
    }
}

/// Which occurrence of a weekday an expression means.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pick {
    /// The latest on or before the anchor: news says "on Friday" of the day it is published too.
    LatestOnOrBefore,
    /// The latest strictly before ("last Monday").
    Before,
    /// The first strictly after ("will meet on Friday", "next Friday").
    After,
}

pub fn weekday(anchor: NaiveDate, wd: u32, pick: Pick) -> NaiveDate {
    let target = weekday_of(wd).num_days_from_monday() as i64;
    let today = anchor.weekday().num_days_from_monday() as i64;
    let back = (today - target).rem_euclid(7);
    match pick {
        Pick::LatestOnOrBefore => add_days(anchor, -back),
        Pick::Before => add_days(anchor, -(if back == 0 { 7 } else { back })),
        Pick::After => {
            let fwd = (target - today).rem_euclid(7);
            add_days(anchor, if fwd == 0 { 7 } else { fwd })
        }
    }
}

/// The year of a month (and day) named without one: in a past clause the latest such date on
/// or before the anchor, in a future clause the first on or after it.
pub fn year_for(anchor: NaiveDate, m: u32, d: u32, future: bool) -> i32 {
    let (am, ad) = (anchor.month(), anchor.day());
    let later = (m, d) > (am, ad);
    let earlier = (m, d) < (am, ad);
    match (future, later, earlier) {
        (false, true, _) => anchor.year() - 1,
        (true, _, true) => anchor.year() + 1,
        _ => anchor.year(),
    }
}

pub fn date(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weekdays_resolve_around_a_tuesday() {
        let tue = NaiveDate::from_ymd_opt(2024, 10, 22).unwrap();
        assert_eq!(day(weekday(tue, 1, Pick::LatestOnOrBefore)), "2024-10-21");
        assert_eq!(day(weekday(tue, 5, Pick::LatestOnOrBefore)), "2024-10-18");
        assert_eq!(day(weekday(tue, 2, Pick::LatestOnOrBefore)), "2024-10-22");
        assert_eq!(day(weekday(tue, 2, Pick::Before)), "2024-10-15");
        assert_eq!(day(weekday(tue, 5, Pick::After)), "2024-10-25");
        assert_eq!(week(tue), "2024-W43");
        assert_eq!(add_months(2024, 1, -1), (2023, 12));
        assert_eq!(add_quarters(1989, 1, -1), (1988, 4));
    }
}
