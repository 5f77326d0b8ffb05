//! Go `time.ParseDuration` and `Duration.String()`, in integer nanoseconds.
//!
//! A duration is a possibly signed sequence of decimal numbers, each with an optional fraction
//! and a unit: `"300ms"`, `"-1.5h"`, `"2h45m"`, `".5s"`. Units are `ns`, `us`, `µs` (U+00B5),
//! `μs` (U+03BC), `ms`, `s`, `m` and `h`; a bare `"0"` (optionally signed) is also accepted.
//!
//! The parser is a line-by-line port of Go's algorithm, so it returns the same nanosecond
//! counts and the same error messages (`time: invalid duration "x"`, `time: missing unit in
//! duration "1"`, `time: unknown unit "d" in duration "1d"`), including Go's quoting of
//! non-ASCII and control characters as `\x..` bytes. Fraction digits are accumulated into an
//! integer until it would exceed 2^63 (later digits are ignored) and are scaled to the unit with
//! the one floating-point expression Go uses, `uint64(float64(f) * (float64(unit) / scale))`;
//! that rounding is part of Go's observable behaviour (`"0.3333333333333333333h"` is exactly
//! 20 minutes), so it is reproduced rather than replaced by exact arithmetic. Digits beyond
//! nanosecond precision are truncated (`"1.0000000001s"` is one second).
//!
//! One deliberate difference: Go sums the components in a `uint64` that can wrap around when two
//! components are each exactly 2^63 ns (`"-9223372036854775808ns9223372036854775808ns"` parses
//! as zero in Go); here that sum is an overflow error.

use std::fmt;
use std::fmt::Write as _;

/// Nanoseconds per microsecond.
const MICROSECOND: u64 = 1_000;
/// Nanoseconds per millisecond.
const MILLISECOND: u64 = 1_000_000;
/// Nanoseconds per second.
const SECOND: u64 = 1_000_000_000;
/// Nanoseconds per minute.
const MINUTE: u64 = 60 * SECOND;
/// Nanoseconds per hour.
const HOUR: u64 = 60 * MINUTE;
/// 2^63, the magnitude of the most negative duration.
const TWO_POW_63: u64 = 1 << 63;

/// Why a duration string was rejected.
///
/// The message is Go's `time.ParseDuration` error text, or `duration must not be negative: "…"`
/// from [`parse_nonnegative_duration`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DurationError {
    /// The full error message.
    message: String,
}

impl DurationError {
    /// `time: invalid duration "<text>"`.
    fn invalid(text: &str) -> Self {
        Self {
            message: format!("time: invalid duration {}", quote(text)),
        }
    }

    /// `time: missing unit in duration "<text>"`.
    fn missing_unit(text: &str) -> Self {
        Self {
            message: format!("time: missing unit in duration {}", quote(text)),
        }
    }

    /// `time: unknown unit "<unit>" in duration "<text>"`.
    fn unknown_unit(unit: &str, text: &str) -> Self {
        Self {
            message: format!(
                "time: unknown unit {} in duration {}",
                quote(unit),
                quote(text)
            ),
        }
    }
}

impl fmt::Display for DurationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for DurationError {}

/// Parses a Go duration string (`"1h30m"`, `"250ms"`, `"-2m"`, `"0"`) into nanoseconds, with
/// Go's results and error messages (see the module docs).
pub fn parse_duration(text: &str) -> Result<i64, DurationError> {
    let bytes = text.as_bytes();
    let mut pos = 0;
    let mut total: u64 = 0;
    let mut negative = false;

    // Consume [-+]?
    if let Some(&sign @ (b'-' | b'+')) = bytes.first() {
        negative = sign == b'-';
        pos = 1;
    }
    // Special case: if all that is left is "0", this is zero.
    if &bytes[pos..] == b"0" {
        return Ok(0);
    }
    if pos == bytes.len() {
        return Err(DurationError::invalid(text));
    }
    while pos < bytes.len() {
        // The next character must be [0-9.]
        if !(bytes[pos] == b'.' || bytes[pos].is_ascii_digit()) {
            return Err(DurationError::invalid(text));
        }
        // Consume [0-9]*
        let int_start = pos;
        let (mut value, int_end) =
            leading_int(bytes, pos).ok_or_else(|| DurationError::invalid(text))?;
        pos = int_end;
        let pre = pos != int_start;

        // Consume (\.[0-9]*)?
        let mut fraction: u64 = 0;
        let mut scale: f64 = 1.0;
        let mut post = false;
        if bytes.get(pos) == Some(&b'.') {
            pos += 1;
            let frac_start = pos;
            (fraction, scale, pos) = leading_fraction(bytes, pos);
            post = pos != frac_start;
        }
        if !pre && !post {
            // No digits (e.g. ".s" or "-.s").
            return Err(DurationError::invalid(text));
        }

        // Consume the unit: everything up to the next '.' or digit.
        let unit_start = pos;
        while pos < bytes.len() && !(bytes[pos] == b'.' || bytes[pos].is_ascii_digit()) {
            pos += 1;
        }
        if pos == unit_start {
            return Err(DurationError::missing_unit(text));
        }
        // Both ends sit next to ASCII bytes (or the ends of the text), so this slice is valid.
        let unit_text = &text[unit_start..pos];
        let unit =
            unit_nanos(unit_text).ok_or_else(|| DurationError::unknown_unit(unit_text, text))?;
        if value > TWO_POW_63 / unit {
            return Err(DurationError::invalid(text));
        }
        value *= unit;
        if fraction > 0 {
            // Go: float64 is needed to be nanosecond accurate for fractions of hours.
            value += (fraction as f64 * (unit as f64 / scale)) as u64;
            if value > TWO_POW_63 {
                return Err(DurationError::invalid(text));
            }
        }
        total = match total.checked_add(value) {
            Some(sum) if sum <= TWO_POW_63 => sum,
            _ => return Err(DurationError::invalid(text)),
        };
    }
    if negative {
        // total <= 2^63, so the negation always fits (2^63 becomes i64::MIN).
        return Ok((total as i64).wrapping_neg());
    }
    i64::try_from(total).map_err(|_| DurationError::invalid(text))
}

/// Parses a Go duration string like [`parse_duration`] but rejects negative values with
/// `duration must not be negative: "<text>"` (`"-0"` is zero and accepted).
pub fn parse_nonnegative_duration(text: &str) -> Result<u64, DurationError> {
    let nanos = parse_duration(text)?;
    u64::try_from(nanos).map_err(|_| DurationError {
        message: format!("duration must not be negative: {}", quote(text)),
    })
}

/// Formats nanoseconds exactly like Go's `Duration.String()`: `"1h0m0s"`, `"1m30s"`, `"1.5s"`,
/// `"250ms"`, `"1µs"`, `"0s"`, `"-2m0s"`.
pub fn format_duration(nanos: i64) -> String {
    let magnitude = nanos.unsigned_abs();
    if magnitude == 0 {
        return "0s".to_string();
    }
    let mut out = String::new();
    if nanos < 0 {
        out.push('-');
    }
    if magnitude < SECOND {
        // Smaller than a second: use a smaller unit, like "1.2ms".
        let (precision, unit) = if magnitude < MICROSECOND {
            (0, "n")
        } else if magnitude < MILLISECOND {
            (3, "µ")
        } else {
            (6, "m")
        };
        let (whole, fraction) = split_fraction(magnitude, precision);
        // Writing to a String cannot fail.
        let _ = write!(out, "{whole}{fraction}{unit}s");
    } else {
        let (seconds, fraction) = split_fraction(magnitude, 9);
        let minutes = seconds / 60;
        if minutes > 0 {
            let hours = minutes / 60;
            if hours > 0 {
                let _ = write!(out, "{hours}h");
            }
            let _ = write!(out, "{}m", minutes % 60);
        }
        let _ = write!(out, "{}{fraction}s", seconds % 60);
    }
    out
}

/// Go's `leadingInt`: consumes `[0-9]*` from `pos`, returning the value and the end index, or
/// `None` if the value exceeds 2^63.
fn leading_int(bytes: &[u8], mut pos: usize) -> Option<(u64, usize)> {
    let mut value: u64 = 0;
    while let Some(&c) = bytes.get(pos).filter(|c| c.is_ascii_digit()) {
        if value > TWO_POW_63 / 10 {
            return None;
        }
        value = value * 10 + u64::from(c - b'0');
        if value > TWO_POW_63 {
            return None;
        }
        pos += 1;
    }
    Some((value, pos))
}

/// Go's `leadingFraction`: consumes `[0-9]*` from `pos`, returning the digits as an integer,
/// the matching power of ten, and the end index. Once another digit would push the integer
/// past 2^63 it stops accumulating (but still consumes the digits).
fn leading_fraction(bytes: &[u8], mut pos: usize) -> (u64, f64, usize) {
    let mut value: u64 = 0;
    let mut scale: f64 = 1.0;
    let mut overflow = false;
    while let Some(&c) = bytes.get(pos).filter(|c| c.is_ascii_digit()) {
        pos += 1;
        if overflow {
            continue;
        }
        if value > (TWO_POW_63 - 1) / 10 {
            overflow = true;
            continue;
        }
        let next = value * 10 + u64::from(c - b'0');
        if next > TWO_POW_63 {
            overflow = true;
            continue;
        }
        value = next;
        scale *= 10.0;
    }
    (value, scale, pos)
}

/// Nanoseconds per unit, for the units Go accepts.
fn unit_nanos(unit: &str) -> Option<u64> {
    match unit {
        "ns" => Some(1),
        "us" | "\u{b5}s" | "\u{3bc}s" => Some(MICROSECOND),
        "ms" => Some(MILLISECOND),
        "s" => Some(SECOND),
        "m" => Some(MINUTE),
        "h" => Some(HOUR),
        _ => None,
    }
}

/// Splits `value` into `value / 10^precision` and the fraction as Go's `fmtFrac` prints it:
/// `"."` and the digits without trailing zeros, or nothing when the fraction is zero.
fn split_fraction(value: u64, precision: u32) -> (u64, String) {
    let divisor = 10u64.pow(precision);
    let remainder = value % divisor;
    let fraction = if remainder == 0 {
        String::new()
    } else {
        let digits = format!("{remainder:0width$}", width = precision as usize);
        format!(".{}", digits.trim_end_matches('0'))
    };
    (value / divisor, fraction)
}

/// Go's `time.quote`: wraps `text` in double quotes, escaping `"` and `\` with a backslash and
/// writing every byte of a non-ASCII or control character as `\xNN`.
fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        if !c.is_ascii() || c < ' ' {
            let mut buf = [0u8; 4];
            for byte in c.encode_utf8(&mut buf).bytes() {
                let _ = write!(out, "\\x{byte:02x}");
            }
        } else {
            if c == '"' || c == '\\' {
                out.push('\\');
            }
            out.push(c);
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const NS: i64 = 1;
    const US: i64 = 1_000;
    const MS: i64 = 1_000_000;
    const S: i64 = 1_000_000_000;
    const MIN: i64 = 60 * S;
    const H: i64 = 60 * MIN;

    #[test]
    fn parse_valid_table() {
        let rows: &[(&str, i64)] = &[
            // Go's parseDurationTests: simple
            ("0", 0),
            ("5s", 5 * S),
            ("30s", 30 * S),
            ("1478s", 1478 * S),
            // sign
            ("-5s", -5 * S),
            ("+5s", 5 * S),
            ("-0", 0),
            ("+0", 0),
            // decimal
            ("5.0s", 5 * S),
            ("5.6s", 5 * S + 600 * MS),
            ("5.s", 5 * S),
            (".5s", 500 * MS),
            ("1.0s", S),
            ("1.00s", S),
            ("1.004s", S + 4 * MS),
            ("1.0040s", S + 4 * MS),
            ("100.00100s", 100 * S + MS),
            // different units
            ("10ns", 10 * NS),
            ("11us", 11 * US),
            ("12\u{b5}s", 12 * US),
            ("12\u{3bc}s", 12 * US),
            ("13ms", 13 * MS),
            ("14s", 14 * S),
            ("15m", 15 * MIN),
            ("16h", 16 * H),
            // composite durations
            ("3h30m", 3 * H + 30 * MIN),
            ("10.5s4m", 4 * MIN + 10 * S + 500 * MS),
            ("-2m3.4s", -(2 * MIN + 3 * S + 400 * MS)),
            (
                "1h2m3s4ms5us6ns",
                H + 2 * MIN + 3 * S + 4 * MS + 5 * US + 6 * NS,
            ),
            ("39h9m14.425s", 39 * H + 9 * MIN + 14 * S + 425 * MS),
            // large value
            ("52763797000ns", 52_763_797_000),
            // more than 9 digits after the decimal point (golang.org/issue/6617)
            ("0.3333333333333333333h", 20 * MIN),
            // 1<<53+1 cannot be stored precisely in a float64
            ("9007199254740993ns", (1 << 53) + 1),
            // largest duration
            ("9223372036854775807ns", i64::MAX),
            ("9223372036854775.807us", i64::MAX),
            ("9223372036s854ms775us807ns", i64::MAX),
            // most negative duration
            ("-9223372036854775808ns", i64::MIN),
            ("-9223372036854775.808us", i64::MIN),
            ("-9223372036s854ms775us808ns", i64::MIN),
            ("-2562047h47m16.854775808s", i64::MIN),
            // huge fraction strings (issue 15011) and the first overflow check in leadingFraction
            ("0.100000000000000000000h", 6 * MIN),
            ("0.830103483285477580700h", 49 * MIN + 48 * S + 372_539_827),
            // from the brief
            ("1h30m", 90 * MIN),
            ("1.5h", 90 * MIN),
            ("250ms", 250 * MS),
            ("-2m", -2 * MIN),
            ("1.0000000001s", S),
            ("0.5ns", 0),
            ("1.9999999999ns", NS),
            ("2562047h47m16.854775807s", i64::MAX),
        ];
        assert!(rows.len() >= 25);
        for &(text, nanos) in rows {
            assert_eq!(parse_duration(text), Ok(nanos), "parsing {text:?}");
        }
    }

    #[test]
    fn parse_error_table() {
        let rows: &[(&str, &str)] = &[
            // Go's parseDurationErrorTests
            ("", r#"time: invalid duration """#),
            ("3", r#"time: missing unit in duration "3""#),
            ("-", r#"time: invalid duration "-""#),
            ("s", r#"time: invalid duration "s""#),
            (".", r#"time: invalid duration ".""#),
            ("-.", r#"time: invalid duration "-.""#),
            (".s", r#"time: invalid duration ".s""#),
            ("+.s", r#"time: invalid duration "+.s""#),
            ("1d", r#"time: unknown unit "d" in duration "1d""#),
            ("\u{fffd}", r#"time: invalid duration "\xef\xbf\xbd""#),
            (
                "\u{fffd} hello \u{fffd} world",
                r#"time: invalid duration "\xef\xbf\xbd hello \xef\xbf\xbd world""#,
            ),
            // overflow
            (
                "9223372036854775810ns",
                r#"time: invalid duration "9223372036854775810ns""#,
            ),
            (
                "9223372036854775808ns",
                r#"time: invalid duration "9223372036854775808ns""#,
            ),
            (
                "-9223372036854775809ns",
                r#"time: invalid duration "-9223372036854775809ns""#,
            ),
            (
                "9223372036854776us",
                r#"time: invalid duration "9223372036854776us""#,
            ),
            ("3000000h", r#"time: invalid duration "3000000h""#),
            (
                "9223372036854775.808us",
                r#"time: invalid duration "9223372036854775.808us""#,
            ),
            (
                "9223372036854ms775us808ns",
                r#"time: invalid duration "9223372036854ms775us808ns""#,
            ),
            (
                "99999999999999999999s",
                r#"time: invalid duration "99999999999999999999s""#,
            ),
            // Go would wrap this sum to zero; here it is an overflow.
            (
                "-9223372036854775808ns9223372036854775808ns",
                r#"time: invalid duration "-9223372036854775808ns9223372036854775808ns""#,
            ),
            // more malformed input
            ("x", r#"time: invalid duration "x""#),
            ("1", r#"time: missing unit in duration "1""#),
            ("1h30", r#"time: missing unit in duration "1h30""#),
            ("1.5.s", r#"time: missing unit in duration "1.5.s""#),
            (" 1s", r#"time: invalid duration " 1s""#),
            ("1s ", r#"time: unknown unit "s " in duration "1s ""#),
            ("1 s", r#"time: unknown unit " s" in duration "1 s""#),
            ("\t1s", r#"time: invalid duration "\x091s""#),
            ("1S", r#"time: unknown unit "S" in duration "1S""#),
            ("1sec", r#"time: unknown unit "sec" in duration "1sec""#),
            (
                "12\u{b5}x",
                r#"time: unknown unit "\xc2\xb5x" in duration "12\xc2\xb5x""#,
            ),
            ("1\"s", r#"time: unknown unit "\"s" in duration "1\"s""#),
            ("--1s", r#"time: invalid duration "--1s""#),
            ("1h-1m", r#"time: unknown unit "h-" in duration "1h-1m""#),
        ];
        for &(text, message) in rows {
            let error = parse_duration(text).expect_err(text);
            assert_eq!(error.to_string(), message, "parsing {text:?}");
        }
    }

    #[test]
    fn parse_nonnegative_table() {
        let rows: &[(&str, Result<u64, &str>)] = &[
            ("1s", Ok(1_000_000_000)),
            ("0", Ok(0)),
            ("-0", Ok(0)),
            ("-0s", Ok(0)),
            ("9223372036854775807ns", Ok(i64::MAX.unsigned_abs())),
            ("-1s", Err(r#"duration must not be negative: "-1s""#)),
            ("-1ns", Err(r#"duration must not be negative: "-1ns""#)),
            ("x", Err(r#"time: invalid duration "x""#)),
        ];
        for &(text, expected) in rows {
            let got = parse_nonnegative_duration(text).map_err(|e| e.to_string());
            assert_eq!(got, expected.map_err(str::to_string), "parsing {text:?}");
        }
    }

    #[test]
    fn format_table() {
        let rows: &[(i64, &str)] = &[
            // Go's durationTests
            (0, "0s"),
            (NS, "1ns"),
            (1100 * NS, "1.1\u{b5}s"),
            (2200 * US, "2.2ms"),
            (3300 * MS, "3.3s"),
            (4 * MIN + 5 * S, "4m5s"),
            (4 * MIN + 5001 * MS, "4m5.001s"),
            (5 * H + 6 * MIN + 7001 * MS, "5h6m7.001s"),
            (8 * MIN + NS, "8m0.000000001s"),
            (i64::MAX, "2562047h47m16.854775807s"),
            (i64::MIN, "-2562047h47m16.854775808s"),
            // from the brief
            (H, "1h0m0s"),
            (90 * S, "1m30s"),
            (1500 * MS, "1.5s"),
            (250 * MS, "250ms"),
            (US, "1\u{b5}s"),
            (-2 * MIN, "-2m0s"),
            // more
            (-NS, "-1ns"),
            (999_999_999, "999.999999ms"),
            (S + NS, "1.000000001s"),
            (61 * S, "1m1s"),
            (H + S, "1h0m1s"),
            (25 * H, "25h0m0s"),
        ];
        assert!(rows.len() >= 12);
        for &(nanos, text) in rows {
            assert_eq!(format_duration(nanos), text, "formatting {nanos}");
        }
    }

    #[test]
    fn formatted_durations_parse_back() {
        let values = [
            0,
            1,
            -1,
            999,
            1100,
            2_200_000,
            S,
            90 * S,
            H + 1,
            -2 * MIN,
            i64::MAX,
            i64::MIN,
        ];
        for nanos in values {
            assert_eq!(
                parse_duration(&format_duration(nanos)),
                Ok(nanos),
                "{nanos}"
            );
        }
    }

    #[test]
    fn error_is_std_error() {
        let error: Box<dyn std::error::Error> = Box::new(parse_duration("1d").unwrap_err());
        assert_eq!(
            error.to_string(),
            r#"time: unknown unit "d" in duration "1d""#
        );
    }
}
