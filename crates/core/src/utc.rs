//! UTC calendar arithmetic for the API's date fields, without a clock or a date crate.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A UTC time to the second, as the contact list's `from_date` / `to_date` take it
/// (`YYYY-MM-DDThh:mm:ss`).
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use clever_kyc_core::utc::UtcDateTime;
/// let t = UtcDateTime::from_system_time(UNIX_EPOCH + Duration::from_secs(1_795_760_711));
/// assert_eq!(t.to_string(), "2026-11-27T06:25:11");
/// assert_eq!("2026-11-27T06:25:11".parse::<UtcDateTime>()?, t);
/// # Ok::<(), clever_kyc_core::utc::UtcDateTimeError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UtcDateTime {
    secs: u64,
}

/// A date-time that is not `YYYY-MM-DDThh:mm:ss` (or `YYYY-MM-DD`) in the years 1970 to 9999.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("is not a UTC date-time written YYYY-MM-DDThh:mm:ss or a date YYYY-MM-DD (1970 to 9999)")]
pub struct UtcDateTimeError;

impl UtcDateTime {
    /// The time, truncated to the second; times before 1970 become 1970-01-01T00:00:00.
    pub fn from_system_time(time: SystemTime) -> Self {
        let secs = time.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
        // Keep to four-digit years so the text form always parses back.
        Self {
            secs: secs.min(MAX_SECS),
        }
    }

    /// The same instant as a `SystemTime`.
    pub fn to_system_time(self) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(self.secs)
    }

    /// Seconds since 1970-01-01T00:00:00Z.
    pub fn unix_seconds(self) -> u64 {
        self.secs
    }

    /// Year, month and day.
    pub fn date(self) -> (u64, u64, u64) {
        civil_from_days(self.secs / 86_400)
    }
}

/// 9999-12-31T23:59:59Z.
const MAX_SECS: u64 = 253_402_300_799;

impl fmt::Display for UtcDateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = self.date();
        let rem = self.secs % 86_400;
        write!(
            f,
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}",
            rem / 3600,
            rem % 3600 / 60,
            rem % 60
        )
    }
}

impl std::str::FromStr for UtcDateTime {
    type Err = UtcDateTimeError;

    fn from_str(text: &str) -> Result<Self, UtcDateTimeError> {
        let (date, time) = match text.split_once('T') {
            Some((date, time)) => (date, Some(time)),
            None => (text, None),
        };
        let days = days_of_date(date).ok_or(UtcDateTimeError)?;
        let seconds = match time {
            None => 0,
            Some(time) => {
                let parts = fixed_fields(time, b':', &[2, 2, 2]).ok_or(UtcDateTimeError)?;
                let (h, m, s) = (parts[0], parts[1], parts[2]);
                if h > 23 || m > 59 || s > 59 {
                    return Err(UtcDateTimeError);
                }
                h * 3600 + m * 60 + s
            }
        };
        Ok(Self {
            secs: days * 86_400 + seconds,
        })
    }
}

/// Whether `text` is a calendar date written `yyyy-mm-dd` (any year 0001 to 9999).
pub(crate) fn is_calendar_date(text: &str) -> bool {
    fixed_fields(text, b'-', &[4, 2, 2]).is_some_and(|p| is_valid_date(p[0], p[1], p[2]))
}

/// Days since 1970-01-01 of a `yyyy-mm-dd` date from 1970 on.
fn days_of_date(text: &str) -> Option<u64> {
    let p = fixed_fields(text, b'-', &[4, 2, 2])?;
    (p[0] >= 1970 && is_valid_date(p[0], p[1], p[2])).then(|| days_from_civil(p[0], p[1], p[2]))
}

/// Splits `text` on `separator` into fields of exactly the given digit counts.
fn fixed_fields(text: &str, separator: u8, widths: &[usize; 3]) -> Option<[u64; 3]> {
    let mut out = [0u64; 3];
    let mut fields = text.as_bytes().split(|&b| b == separator);
    for (slot, &width) in out.iter_mut().zip(widths) {
        let field = fields.next()?;
        if field.len() != width || !field.iter().all(u8::is_ascii_digit) {
            return None;
        }
        *slot = field.iter().fold(0, |n, &b| n * 10 + u64::from(b - b'0'));
    }
    fields.next().is_none().then_some(out)
}

fn is_valid_date(y: u64, m: u64, d: u64) -> bool {
    let leap = (y.is_multiple_of(4) && !y.is_multiple_of(100)) || y.is_multiple_of(400);
    let days_in_month = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    y >= 1 && (1..=days_in_month).contains(&d)
}

/// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm).
pub(crate) fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + u64::from(m <= 2);
    (y, m, d)
}

/// The inverse of [`civil_from_days`], for dates from 1970 on.
fn days_from_civil(y: u64, m: u64, d: u64) -> u64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y / 400;
    let yoe = y - era * 400;
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const LONG_WEEKDAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// `time` as an IMF-fixdate, e.g. `Sun, 06 Nov 1994 08:49:37 GMT` (RFC 9110, 5.6.7).
pub(crate) fn fmt_http_date(time: SystemTime) -> String {
    let t = UtcDateTime::from_system_time(time);
    let days = t.secs / 86_400;
    let (y, m, d) = t.date();
    let rem = t.secs % 86_400;
    // 1970-01-01 was a Thursday.
    let weekday = WEEKDAYS[((days + 3) % 7) as usize];
    format!(
        "{weekday}, {d:02} {} {y:04} {:02}:{:02}:{:02} GMT",
        MONTHS[(m - 1) as usize],
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Reads an HTTP date in any of the three forms RFC 9110 (5.6.7) obliges a recipient to
/// accept: IMF-fixdate, RFC 850 (two-digit years, taken as 19xx/20xx by the 50-year rule)
/// and asctime. The weekday is checked for form, not for agreement with the date.
pub(crate) fn parse_http_date(text: &str) -> Option<SystemTime> {
    let text = text.trim();
    let (day, month, year, time) = if let Some((weekday, rest)) = text.split_once(", ") {
        if WEEKDAYS.contains(&weekday) {
            // IMF-fixdate: "06 Nov 1994 08:49:37 GMT"
            let parts: Vec<&str> = rest.split(' ').collect();
            let [day, month, year, time, "GMT"] = parts[..] else {
                return None;
            };
            (day, month, year.to_owned(), time)
        } else if LONG_WEEKDAYS.contains(&weekday) {
            // RFC 850: "06-Nov-94 08:49:37 GMT"
            let (date, rest) = rest.split_once(' ')?;
            let (time, zone) = rest.split_once(' ')?;
            if zone != "GMT" {
                return None;
            }
            let mut fields = date.split('-');
            let (day, month, year) = (fields.next()?, fields.next()?, fields.next()?);
            if fields.next().is_some() || year.len() != 2 {
                return None;
            }
            let yy: u64 = year.parse().ok()?;
            (
                day,
                month,
                format!("{}", if yy < 70 { 2000 + yy } else { 1900 + yy }),
                time,
            )
        } else {
            return None;
        }
    } else {
        // asctime: "Sun Nov  6 08:49:37 1994"
        let parts: Vec<&str> = text.split_whitespace().collect();
        let [weekday, month, day, time, year] = parts[..] else {
            return None;
        };
        if !WEEKDAYS.contains(&weekday) || day.is_empty() || day.len() > 2 {
            return None;
        }
        (day, month, year.to_owned(), time)
    };
    let month = MONTHS.iter().position(|&m| m == month)? + 1;
    let day: u64 = day.parse().ok()?;
    if year.len() != 4 || !(1..=31).contains(&day) {
        return None;
    }
    format!("{year}-{month:02}-{day:02}T{time}")
        .parse::<UtcDateTime>()
        .ok()
        .map(UtcDateTime::to_system_time)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_dates() {
        let leap = UtcDateTime::from_system_time(UNIX_EPOCH + Duration::from_secs(951_782_400));
        assert_eq!(leap.to_string(), "2000-02-29T00:00:00");
        assert_eq!("2000-02-29".parse::<UtcDateTime>().unwrap(), leap);
        assert!("2001-02-29".parse::<UtcDateTime>().is_err());
        assert!("2000-02-29T24:00:00".parse::<UtcDateTime>().is_err());
        assert!("1969-12-31".parse::<UtcDateTime>().is_err());
        assert!("2000-2-29".parse::<UtcDateTime>().is_err());
        assert!(is_calendar_date("1991-12-24"));
        assert!(!is_calendar_date("1991-13-24"));
    }

    #[test]
    fn the_three_http_date_forms() {
        let expected = UNIX_EPOCH + Duration::from_secs(784_111_777);
        for text in [
            "Sun, 06 Nov 1994 08:49:37 GMT",
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sun Nov  6 08:49:37 1994",
        ] {
            assert_eq!(parse_http_date(text), Some(expected), "{text}");
        }
        assert_eq!(fmt_http_date(expected), "Sun, 06 Nov 1994 08:49:37 GMT");
        for bad in [
            "",
            "Sun, 06 Nov 1994 08:49:37 UTC",
            "Sun, 31 Feb 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 25:49:37 GMT",
            "Funday, 06-Nov-94 08:49:37 GMT",
            "soon",
        ] {
            assert_eq!(parse_http_date(bad), None, "{bad}");
        }
    }

    proptest! {
        #[test]
        fn text_round_trips(secs in 0u64..=MAX_SECS) {
            let t = UtcDateTime { secs };
            prop_assert_eq!(t.to_string().parse::<UtcDateTime>(), Ok(t));
            let time = t.to_system_time();
            prop_assert_eq!(parse_http_date(&fmt_http_date(time)), Some(time));
        }

        #[test]
        fn http_dates_never_panic(text in "\\PC{0,40}") {
            let _ = parse_http_date(&text);
        }
    }
}
