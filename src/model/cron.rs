//! Cron schedules as `batch/v1` CronJobs read them (robfig/cron v3 `ParseStandard`, the parser
//! the apiserver and the CronJob controller use), time zones, and the simulated calendar.
//!
//! Simulated time 0 is [`SIM_EPOCH_UNIX_S`] (2026-01-01T00:00:00Z, a Thursday): scenarios do
//! not name a start date, so schedules are evaluated against this fixed epoch. Calendar
//! arithmetic is hand-written civil-date arithmetic on Unix seconds (no clock is read).

/// Unix time (seconds) of simulated time 0: 2026-01-01T00:00:00Z.
pub const SIM_EPOCH_UNIX_S: i64 = 1_767_225_600;

/// How many years ahead `next` searches before giving up (robfig: 5).
const YEARS_AHEAD: i64 = 5;

/// A parsed schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CronSchedule {
    /// Five fields as bit sets (bit n = value n), with whether day-of-month / day-of-week were
    /// `*` or `?` (then both must match; otherwise either may).
    Fields {
        /// Minutes 0–59.
        minute: u64,
        /// Hours 0–23.
        hour: u64,
        /// Days of month 1–31.
        dom: u64,
        /// Months 1–12.
        month: u64,
        /// Days of week 0–6 (Sunday = 0).
        dow: u64,
        /// Day-of-month was a star.
        dom_star: bool,
        /// Day-of-week was a star.
        dow_star: bool,
    },
    /// `@every DURATION`, in whole seconds (at least 1).
    Every(i64),
}

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];
const DAYS: [&str; 7] = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

/// One field's bounds and names (name `i` stands for `first_name + i`).
struct Bounds {
    min: u32,
    max: u32,
    names: &'static [&'static str],
    first_name: u32,
}

fn value(text: &str, b: &Bounds) -> Result<u32, String> {
    let lower = text.to_ascii_lowercase();
    if let Some(i) = b.names.iter().position(|n| *n == lower) {
        return Ok(b.first_name + i as u32);
    }
    text.parse::<u32>().map_err(|_| {
        format!("failed to parse int from {text}: strconv.Atoi: parsing \"{text}\": invalid syntax")
    })
}

/// `getRange`: one comma-separated part of a field → bits, and whether it was a star.
fn range(expr: &str, b: &Bounds) -> Result<(u64, bool), String> {
    let mut range_and_step = expr.split('/');
    let range_part = range_and_step.next().unwrap_or("");
    let step_part = range_and_step.next();
    if range_and_step.next().is_some() {
        return Err(format!("too many slashes: {expr}"));
    }
    let low_high: Vec<&str> = range_part.split('-').collect();
    let mut star = false;
    let (start, mut end) = if low_high[0] == "*" || low_high[0] == "?" {
        star = true;
        (b.min, b.max)
    } else {
        let start = value(low_high[0], b)?;
        match low_high.len() {
            1 => (start, start),
            2 => (start, value(low_high[1], b)?),
            _ => return Err(format!("too many hyphens: {expr}")),
        }
    };
    let step = match step_part {
        None => 1,
        Some(text) => {
            let step = text.parse::<u32>().map_err(|_| {
                format!("failed to parse int from {text}: strconv.Atoi: parsing \"{text}\": invalid syntax")
            })?;
            if low_high.len() == 1 {
                end = b.max;
            }
            if step > 1 {
                star = false;
            }
            step
        }
    };
    if start < b.min {
        return Err(format!(
            "beginning of range ({start}) below minimum ({}): {expr}",
            b.min
        ));
    }
    if end > b.max {
        return Err(format!(
            "end of range ({end}) above maximum ({}): {expr}",
            b.max
        ));
    }
    if start > end {
        return Err(format!(
            "beginning of range ({start}) beyond end of range ({end}): {expr}"
        ));
    }
    if step == 0 {
        return Err(format!("step of range should be a positive number: {expr}"));
    }
    let mut bits = 0u64;
    let mut v = start;
    while v <= end {
        bits |= 1 << v;
        v += step;
    }
    Ok((bits, star))
}

fn field(text: &str, b: &Bounds) -> Result<(u64, bool), String> {
    let mut bits = 0;
    let mut star = false;
    for part in text.split(',') {
        let (part_bits, part_star) = range(part, b)?;
        bits |= part_bits;
        star |= part_star;
    }
    Ok((bits, star))
}

const MINUTE: Bounds = Bounds {
    min: 0,
    max: 59,
    names: &[],
    first_name: 0,
};
const HOUR: Bounds = Bounds {
    min: 0,
    max: 23,
    names: &[],
    first_name: 0,
};
const DOM: Bounds = Bounds {
    min: 1,
    max: 31,
    names: &[],
    first_name: 0,
};
const MONTH: Bounds = Bounds {
    min: 1,
    max: 12,
    names: &MONTHS,
    first_name: 1,
};
const DOW: Bounds = Bounds {
    min: 0,
    max: 6,
    names: &DAYS,
    first_name: 0,
};

/// Parses a standard cron expression (5 fields, month and day names, `*`, `?`, ranges, lists,
/// steps) or a descriptor (`@yearly`/`@annually`, `@monthly`, `@weekly`, `@daily`/`@midnight`,
/// `@hourly`, `@every DURATION`). The error is robfig/cron's message.
pub fn parse_schedule(text: &str) -> Result<CronSchedule, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("empty spec string".into());
    }
    if let Some(descriptor) = text.strip_prefix('@') {
        let fields = match descriptor {
            "yearly" | "annually" => "0 0 1 1 *",
            "monthly" => "0 0 1 * *",
            "weekly" => "0 0 * * 0",
            "daily" | "midnight" => "0 0 * * *",
            "hourly" => "0 * * * *",
            _ => {
                if let Some(duration) = descriptor.strip_prefix("every ") {
                    let secs = every_seconds(duration.trim()).ok_or_else(|| {
                        format!(
                            "failed to parse duration {text}: time: invalid duration \"{}\"",
                            duration.trim()
                        )
                    })?;
                    return Ok(CronSchedule::Every(secs.max(1)));
                }
                return Err(format!("unrecognized descriptor: {text}"));
            }
        };
        return parse_schedule(fields);
    }
    let parts: Vec<&str> = text.split_whitespace().collect();
    if parts.len() != 5 {
        return Err(format!(
            "expected exactly 5 fields, found {}: [{}]",
            parts.len(),
            parts.join(" ")
        ));
    }
    let (minute, _) = field(parts[0], &MINUTE)?;
    let (hour, _) = field(parts[1], &HOUR)?;
    let (dom, dom_star) = field(parts[2], &DOM)?;
    let (month, _) = field(parts[3], &MONTH)?;
    let (dow, dow_star) = field(parts[4], &DOW)?;
    Ok(CronSchedule::Fields {
        minute,
        hour,
        dom,
        month,
        dow,
        dom_star,
        dow_star,
    })
}

/// A Go duration (`90s`, `1h30m`, `2.5m`) in whole seconds, truncated; `None` when malformed
/// or longer than 100 years.
fn every_seconds(text: &str) -> Option<i64> {
    let mut total_ms: i64 = 0;
    let mut rest = text;
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let number_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let number: f64 = rest[..number_len].parse().ok()?;
        rest = &rest[number_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let unit_ms = match &rest[..unit_len] {
            "ms" => 1.0,
            "s" => 1e3,
            "m" => 60e3,
            "h" => 3600e3,
            "us" | "µs" | "ns" => 0.0,
            _ => return None,
        };
        rest = &rest[unit_len..];
        let ms = number * unit_ms;
        if !(0.0..=3.2e12).contains(&ms) {
            return None;
        }
        total_ms = total_ms.checked_add(ms as i64)?;
    }
    (total_ms <= 3_200_000_000_000).then_some(total_ms / 1000)
}

/// Days since 1970-01-01 of a civil date (proleptic Gregorian).
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date `(year, month, day)` of a day count since 1970-01-01.
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Broken-down civil time of Unix seconds (already shifted into the zone).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Civil {
    /// Year.
    pub year: i64,
    /// Month 1–12.
    pub month: u32,
    /// Day 1–31.
    pub day: u32,
    /// Hour.
    pub hour: u32,
    /// Minute.
    pub minute: u32,
    /// Second.
    pub second: u32,
    /// Day of week, Sunday = 0.
    pub weekday: u32,
}

/// Splits Unix seconds into civil fields.
pub fn civil(unix_s: i64) -> Civil {
    let days = unix_s.div_euclid(86_400);
    let secs = unix_s.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    Civil {
        year,
        month,
        day,
        hour: (secs / 3600) as u32,
        minute: (secs % 3600 / 60) as u32,
        second: (secs % 60) as u32,
        weekday: (days + 4).rem_euclid(7) as u32,
    }
}

impl CronSchedule {
    /// `Schedule.Next`: the first activation strictly after `unix_s` (whole seconds) in a zone
    /// `offset_s` seconds east of UTC; `None` when nothing matches within five years.
    pub fn next(&self, unix_s: i64, offset_s: i64) -> Option<i64> {
        let (minute, hour, dom, month, dow, dom_star, dow_star) = match *self {
            CronSchedule::Every(secs) => return Some(unix_s + secs),
            CronSchedule::Fields {
                minute,
                hour,
                dom,
                month,
                dow,
                dom_star,
                dow_star,
            } => (minute, hour, dom, month, dow, dom_star, dow_star),
        };
        // Local seconds, rounded up to the next whole minute strictly after `unix_s`.
        let mut t = (unix_s + offset_s).div_euclid(60) * 60 + 60;
        let year_limit = civil(t).year + YEARS_AHEAD;
        // Each step moves to the next month, day, hour or minute boundary: bounded by the
        // number of days in the search window times a small factor.
        for _ in 0..(YEARS_AHEAD as usize + 1) * 366 * 3 + 200 {
            let c = civil(t);
            if c.year > year_limit {
                return None;
            }
            if month & (1 << c.month) == 0 {
                let (y, m) = if c.month == 12 {
                    (c.year + 1, 1)
                } else {
                    (c.year, c.month + 1)
                };
                t = days_from_civil(y, m, 1) * 86_400;
                continue;
            }
            let dom_match = dom & (1 << c.day) != 0;
            let dow_match = dow & (1 << c.weekday) != 0;
            let day_match = if dom_star || dow_star {
                dom_match && dow_match
            } else {
                dom_match || dow_match
            };
            if !day_match {
                t = (t.div_euclid(86_400) + 1) * 86_400;
                continue;
            }
            if hour & (1 << c.hour) == 0 {
                t = (t.div_euclid(3600) + 1) * 3600;
                continue;
            }
            if minute & (1 << c.minute) == 0 {
                // Jump to the next matching minute of this hour, or the next hour.
                match (c.minute + 1..60).find(|m| minute & (1 << m) != 0) {
                    Some(m) => t = t.div_euclid(3600) * 3600 + i64::from(m) * 60,
                    None => t = (t.div_euclid(3600) + 1) * 3600,
                }
                continue;
            }
            return Some(t - offset_s);
        }
        None
    }
}

/// A time zone as the simulator applies it: a fixed offset from UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TimeZone {
    /// Seconds east of UTC.
    pub offset_s: i64,
    /// The zone has daylight-saving time that the fixed offset ignores (standard time is used
    /// all year).
    pub ignores_dst: bool,
}

/// Standard-time offsets (minutes east of UTC) of common IANA zones, and whether they observe
/// daylight-saving time.
const ZONES: &[(&str, i64, bool)] = &[
    ("Africa/Cairo", 120, true),
    ("Africa/Johannesburg", 120, false),
    ("Africa/Lagos", 60, false),
    ("Africa/Nairobi", 180, false),
    ("America/Anchorage", -540, true),
    ("America/Argentina/Buenos_Aires", -180, false),
    ("America/Bogota", -300, false),
    ("America/Chicago", -360, true),
    ("America/Denver", -420, true),
    ("America/Halifax", -240, true),
    ("America/Los_Angeles", -480, true),
    ("America/Mexico_City", -360, false),
    ("America/New_York", -300, true),
    ("America/Phoenix", -420, false),
    ("America/Sao_Paulo", -180, false),
    ("America/Toronto", -300, true),
    ("America/Vancouver", -480, true),
    ("Asia/Bangkok", 420, false),
    ("Asia/Dubai", 240, false),
    ("Asia/Hong_Kong", 480, false),
    ("Asia/Jakarta", 420, false),
    ("Asia/Jerusalem", 120, true),
    ("Asia/Kolkata", 330, false),
    ("Asia/Manila", 480, false),
    ("Asia/Seoul", 540, false),
    ("Asia/Shanghai", 480, false),
    ("Asia/Singapore", 480, false),
    ("Asia/Tehran", 210, false),
    ("Asia/Tokyo", 540, false),
    ("Atlantic/Reykjavik", 0, false),
    ("Australia/Adelaide", 570, true),
    ("Australia/Brisbane", 600, false),
    ("Australia/Melbourne", 600, true),
    ("Australia/Perth", 480, false),
    ("Australia/Sydney", 600, true),
    ("Europe/Amsterdam", 60, true),
    ("Europe/Athens", 120, true),
    ("Europe/Berlin", 60, true),
    ("Europe/Brussels", 60, true),
    ("Europe/Dublin", 0, true),
    ("Europe/Helsinki", 120, true),
    ("Europe/Istanbul", 180, false),
    ("Europe/Kyiv", 120, true),
    ("Europe/Lisbon", 0, true),
    ("Europe/London", 0, true),
    ("Europe/Madrid", 60, true),
    ("Europe/Moscow", 180, false),
    ("Europe/Paris", 60, true),
    ("Europe/Rome", 60, true),
    ("Europe/Stockholm", 60, true),
    ("Europe/Warsaw", 60, true),
    ("Europe/Zurich", 60, true),
    ("Pacific/Auckland", 720, true),
    ("Pacific/Honolulu", -600, false),
];

/// What [`time_zone`] found for a `spec.timeZone` name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ZoneLookup {
    /// A zone timonel knows.
    Known(TimeZone),
    /// A well-formed IANA name timonel does not know (UTC is used).
    Unknown,
    /// Not a valid time zone name.
    Invalid,
}

/// Looks up a `spec.timeZone`: UTC and its aliases, `Etc/GMT±N` (POSIX sign: `Etc/GMT+5` is
/// five hours *west*), and a table of common IANA zones at their standard offset.
pub fn time_zone(name: &str) -> ZoneLookup {
    if matches!(
        name,
        "UTC"
            | "Etc/UTC"
            | "Etc/GMT"
            | "GMT"
            | "Etc/Zulu"
            | "Zulu"
            | "Etc/UCT"
            | "UCT"
            | "Etc/Universal"
            | "Universal"
            | "Etc/Greenwich"
            | "Etc/GMT0"
            | "Etc/GMT+0"
            | "Etc/GMT-0"
            | "Greenwich"
    ) {
        return ZoneLookup::Known(TimeZone::default());
    }
    if let Some(rest) = name.strip_prefix("Etc/GMT") {
        let (sign, digits) = match rest.as_bytes().first() {
            Some(b'+') => (-1, &rest[1..]),
            Some(b'-') => (1, &rest[1..]),
            _ => return ZoneLookup::Invalid,
        };
        return match digits.parse::<i64>() {
            Ok(h) if (1..=14).contains(&h) && !digits.starts_with('0') => {
                if sign < 0 && h > 12 {
                    return ZoneLookup::Invalid;
                }
                ZoneLookup::Known(TimeZone {
                    offset_s: sign * h * 3600,
                    ignores_dst: false,
                })
            }
            _ => ZoneLookup::Invalid,
        };
    }
    if let Some((_, minutes, dst)) = ZONES.iter().find(|(n, _, _)| *n == name) {
        return ZoneLookup::Known(TimeZone {
            offset_s: minutes * 60,
            ignores_dst: *dst,
        });
    }
    let well_formed = !name.is_empty()
        && name.contains('/')
        && !name.starts_with('/')
        && !name.ends_with('/')
        && !name.contains("..")
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'_' | b'-' | b'+'));
    if well_formed {
        ZoneLookup::Unknown
    } else {
        ZoneLookup::Invalid
    }
}

/// `time.RFC1123Z` of Unix seconds in UTC: `Thu, 01 Jan 2026 00:01:00 +0000`.
pub fn format_rfc1123z(unix_s: i64) -> String {
    let c = civil(unix_s);
    let day = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"][c.weekday as usize];
    let month = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ][c.month as usize - 1];
    format!(
        "{day}, {:02} {month} {} {:02}:{:02}:{:02} +0000",
        c.day, c.year, c.hour, c.minute, c.second
    )
}

/// RFC 3339 of Unix seconds in a zone `offset_s` east of UTC (`2026-01-01T09:00:00+09:00`, or
/// `Z` for UTC).
pub fn format_rfc3339(unix_s: i64, offset_s: i64) -> String {
    let c = civil(unix_s + offset_s);
    let zone = if offset_s == 0 {
        "Z".to_string()
    } else {
        let sign = if offset_s < 0 { '-' } else { '+' };
        let abs = offset_s.abs();
        format!("{sign}{:02}:{:02}", abs / 3600, abs % 3600 / 60)
    };
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}{zone}",
        c.year, c.month, c.day, c.hour, c.minute, c.second
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Year, month, day, hour, minute.
    type Ymdhm = (i64, u32, u32, i64, i64);

    /// Unix seconds of a UTC civil time.
    fn at(y: i64, mo: u32, d: u32, h: i64, mi: i64) -> i64 {
        days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60
    }

    #[test]
    fn epoch_and_calendar() {
        assert_eq!(at(2026, 1, 1, 0, 0), SIM_EPOCH_UNIX_S);
        assert_eq!(
            civil(SIM_EPOCH_UNIX_S).weekday,
            4,
            "2026-01-01 is a Thursday"
        );
        assert_eq!(civil_from_days(days_from_civil(2024, 2, 29)), (2024, 2, 29));
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(
            format_rfc1123z(at(2026, 1, 1, 0, 1)),
            "Thu, 01 Jan 2026 00:01:00 +0000"
        );
        assert_eq!(
            format_rfc3339(at(2026, 1, 1, 0, 0), 9 * 3600),
            "2026-01-01T09:00:00+09:00"
        );
    }

    /// Next-time vectors in the style of robfig/cron `TestNext` (UTC, whole minutes).
    #[test]
    fn next_vectors() {
        let rows: &[(&str, Ymdhm, Option<Ymdhm>)] = &[
            // Simple cases.
            (
                "* * * * *",
                (2012, 7, 9, 14, 45),
                Some((2012, 7, 9, 14, 46)),
            ),
            (
                "0/15 * * * *",
                (2012, 7, 9, 14, 45),
                Some((2012, 7, 9, 15, 0)),
            ),
            (
                "20-35/15 * * * *",
                (2012, 7, 9, 14, 45),
                Some((2012, 7, 9, 15, 20)),
            ),
            (
                "*/15 * * * *",
                (2012, 7, 9, 14, 59),
                Some((2012, 7, 9, 15, 0)),
            ),
            // Wrap around hours, days, months and years.
            (
                "15/35 20-23 * * *",
                (2012, 7, 9, 15, 45),
                Some((2012, 7, 9, 20, 15)),
            ),
            ("5 0 * * *", (2012, 7, 9, 23, 46), Some((2012, 7, 10, 0, 5))),
            (
                "0 0 * Jul *",
                (2012, 7, 9, 23, 46),
                Some((2012, 7, 10, 0, 0)),
            ),
            (
                "0 0 1 * *",
                (2012, 12, 31, 23, 59),
                Some((2013, 1, 1, 0, 0)),
            ),
            (
                "0 0 * Jan *",
                (2012, 7, 9, 23, 46),
                Some((2013, 1, 1, 0, 0)),
            ),
            // Leap year.
            (
                "0 0 29 Feb *",
                (2012, 7, 9, 23, 46),
                Some((2016, 2, 29, 0, 0)),
            ),
            // Day of week names; dom and dow: either matches unless one is a star.
            (
                "0 0 * * Mon-Fri",
                (2012, 7, 13, 23, 0),
                Some((2012, 7, 16, 0, 0)),
            ),
            (
                "0 0 1,15 * Mon",
                (2012, 7, 9, 23, 46),
                Some((2012, 7, 15, 0, 0)),
            ),
            (
                "0 0 */10 * Sun",
                (2012, 7, 9, 23, 46),
                Some((2012, 7, 11, 0, 0)),
            ),
            ("0 0 * * ?", (2012, 7, 9, 23, 46), Some((2012, 7, 10, 0, 0))),
            // Unsatisfiable.
            ("0 0 30 Feb *", (2012, 7, 9, 23, 46), None),
            ("0 0 31 Apr *", (2012, 7, 9, 23, 46), None),
            // Descriptors.
            ("@hourly", (2026, 1, 1, 0, 0), Some((2026, 1, 1, 1, 0))),
            ("@daily", (2026, 1, 1, 0, 0), Some((2026, 1, 2, 0, 0))),
            ("@midnight", (2026, 1, 1, 12, 0), Some((2026, 1, 2, 0, 0))),
            ("@weekly", (2026, 1, 1, 0, 0), Some((2026, 1, 4, 0, 0))),
            ("@monthly", (2026, 1, 1, 0, 0), Some((2026, 2, 1, 0, 0))),
            ("@yearly", (2026, 1, 1, 0, 0), Some((2027, 1, 1, 0, 0))),
            ("@annually", (2026, 3, 1, 0, 0), Some((2027, 1, 1, 0, 0))),
            (
                "30 6-16/4 * * 1-5",
                (2026, 1, 2, 15, 0),
                Some((2026, 1, 5, 6, 30)),
            ),
        ];
        for (spec, from, want) in rows {
            let schedule = parse_schedule(spec).unwrap_or_else(|e| panic!("{spec}: {e}"));
            let (y, mo, d, h, mi) = *from;
            let got = schedule.next(at(y, mo, d, h, mi), 0);
            let want = want.map(|(y, mo, d, h, mi)| at(y, mo, d, h, mi));
            assert_eq!(got, want, "{spec} after {from:?}");
        }
        // `@every` adds the duration to the whole second.
        assert_eq!(
            parse_schedule("@every 90s").unwrap().next(100, 0),
            Some(190)
        );
    }

    #[test]
    fn next_in_a_fixed_offset_zone() {
        // 09:00 in Tokyo (UTC+9) is 00:00 UTC.
        let s = parse_schedule("0 9 * * *").unwrap();
        assert_eq!(
            s.next(at(2026, 1, 1, 0, 0), 9 * 3600),
            Some(at(2026, 1, 2, 0, 0))
        );
        let ny = match time_zone("America/New_York") {
            ZoneLookup::Known(z) => z,
            other => panic!("{other:?}"),
        };
        assert_eq!(ny.offset_s, -5 * 3600);
        assert!(ny.ignores_dst);
        assert_eq!(
            time_zone("Etc/GMT+5"),
            ZoneLookup::Known(TimeZone {
                offset_s: -5 * 3600,
                ignores_dst: false
            })
        );
        assert_eq!(time_zone("Mars/Olympus"), ZoneLookup::Unknown);
        assert_eq!(time_zone("not a zone"), ZoneLookup::Invalid);
    }

    #[test]
    fn parse_errors_use_robfig_wording() {
        let rows = [
            ("", "empty spec string"),
            ("* * * *", "expected exactly 5 fields, found 4: [* * * *]"),
            ("60 * * * *", "end of range (60) above maximum (59): 60"),
            ("* * 0 * *", "beginning of range (0) below minimum (1): 0"),
            (
                "5-1 * * * *",
                "beginning of range (5) beyond end of range (1): 5-1",
            ),
            (
                "*/0 * * * *",
                "step of range should be a positive number: */0",
            ),
            ("* * * * 7", "end of range (7) above maximum (6): 7"),
            ("@fortnightly", "unrecognized descriptor: @fortnightly"),
            ("1-2-3 * * * *", "too many hyphens: 1-2-3"),
            ("*/2/3 * * * *", "too many slashes: */2/3"),
        ];
        for (spec, want) in rows {
            assert_eq!(parse_schedule(spec).unwrap_err(), want, "{spec}");
        }
        assert!(parse_schedule("0 12 * JAN,jul sat,SUN").is_ok());
    }
}
