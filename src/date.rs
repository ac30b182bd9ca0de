//! Recording dates in the published `YYYY-MM-DD[Thh:mm:ss[+hh:mm]]` form.
//!
//! Only the calendar date matters for the site; the time part is validated and
//! dropped. Invalid dates (`2011-02-30`, `0000-00-00`) are rejected, not guessed.

use std::fmt;

/// A validated calendar date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    pub year: u16,
    pub month: u8,
    pub day: u8,
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

impl Date {
    /// Parses the schema's date format; `None` for anything else.
    pub fn parse(s: &str) -> Option<Date> {
        let b = s.as_bytes();
        if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let num = |r: std::ops::Range<usize>| -> Option<u32> {
            let part = s.get(r)?;
            if part.bytes().all(|c| c.is_ascii_digit()) {
                part.parse().ok()
            } else {
                None
            }
        };
        let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
        let rest = &s[10..];
        if !rest.is_empty() && !valid_time(rest) {
            return None;
        }
        if year == 0 || !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return None;
        }
        Some(Date {
            year: year as u16,
            month: month as u8,
            day: day as u8,
        })
    }

    /// "March 11, 2011".
    pub fn human(&self) -> String {
        let m = MONTHS[usize::from(self.month.clamp(1, 12)) - 1];
        format!("{m} {}, {}", self.day, self.year)
    }

    /// Days since 1970-01-01, for RFC 822 weekday names.
    fn days_from_epoch(&self) -> i64 {
        // Howard Hinnant's days_from_civil.
        let y = i64::from(self.year) - i64::from(self.month <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = i64::from(self.month);
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146097 + doe - 719468
    }

    /// RFC 822 date at midnight UTC, for RSS.
    pub fn rfc822(&self) -> String {
        const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
        let wd = DAYS[self.days_from_epoch().rem_euclid(7) as usize];
        let m = &MONTHS[usize::from(self.month.clamp(1, 12)) - 1][..3];
        format!("{wd}, {:02} {m} {:04} 00:00:00 +0000", self.day, self.year)
    }

    /// RFC 3339 timestamp at midnight UTC, for Atom.
    pub fn rfc3339(&self) -> String {
        format!("{self}T00:00:00Z")
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

fn valid_time(rest: &str) -> bool {
    let b = rest.as_bytes();
    let digits = |r: std::ops::Range<usize>, max: u32| {
        rest.get(r)
            .filter(|p| p.bytes().all(|c| c.is_ascii_digit()))
            .and_then(|p| p.parse::<u32>().ok())
            .is_some_and(|v| v <= max)
    };
    if b.len() < 9 || b[0] != b'T' || b[3] != b':' || b[6] != b':' {
        return false;
    }
    if !(digits(1..3, 23) && digits(4..6, 59) && digits(7..9, 60)) {
        return false;
    }
    match &b[9..] {
        [] => true,
        [s, _, _, b':', _, _] if *s == b'+' || *s == b'-' => digits(10..12, 23) && digits(13..15, 59),
        _ => false,
    }
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Formats seconds as `h:mm:ss` (or `m:ss` under an hour).
pub fn hms(seconds: u64) -> String {
    let (h, m, s) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m}:{s:02}")
    }
}

/// Formats seconds as an ISO 8601 duration (`PT1H2M3S`), as schema.org wants.
pub fn iso_duration(seconds: u64) -> String {
    let (h, m, s) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
    let mut out = String::from("PT");
    if h > 0 {
        out += &format!("{h}H");
    }
    if m > 0 {
        out += &format!("{m}M");
    }
    if s > 0 || (h == 0 && m == 0) {
        out += &format!("{s}S");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_schema_forms() {
        let d = Date::parse("2011-03-11").unwrap();
        assert_eq!(d.to_string(), "2011-03-11");
        assert_eq!(Date::parse("2011-03-11T10:20:30"), Some(d));
        assert_eq!(Date::parse("2011-03-11T10:20:30+05:30"), Some(d));
        assert_eq!(Date::parse("2011-03-11T10:20:30-08:00"), Some(d));
    }

    #[test]
    fn rejects_impossible_and_garbage() {
        for s in [
            "2011-02-30",
            "0000-00-00",
            "2011",
            "garbage",
            "2011-13-01",
            "2011-3-1",
            "2011-03-11T25:00:00",
            "2011-03-11 10:20:30",
            "2011-03-11T10:20:30Z",
            "2011-03-1１",
            "",
        ] {
            assert_eq!(Date::parse(s), None, "{s}");
        }
        assert!(Date::parse("2012-02-29").is_some());
        assert!(Date::parse("1900-02-29").is_none());
    }

    #[test]
    fn formats() {
        let d = Date::parse("2011-03-11").unwrap();
        assert_eq!(d.human(), "March 11, 2011");
        assert_eq!(d.rfc822(), "Fri, 11 Mar 2011 00:00:00 +0000");
        assert_eq!(d.rfc3339(), "2011-03-11T00:00:00Z");
        assert_eq!(hms(3725), "1:02:05");
        assert_eq!(hms(65), "1:05");
        assert_eq!(iso_duration(3725), "PT1H2M5S");
        assert_eq!(iso_duration(0), "PT0S");
    }
}
