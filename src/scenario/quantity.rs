//! Exact parsing of Kubernetes resource quantities (`"500m"`, `"1.5Gi"`, `"129e6"`).
//!
//! This mirrors `ParseQuantity` from apimachinery's `pkg/api/resource/quantity.go`:
//!
//! ```text
//! <quantity>        ::= <sign>? <number> <suffix>
//! <number>          ::= <digits> | <digits>.<digits> | <digits>. | .<digits>
//! <suffix>          ::= <binarySI> | <decimalSI> | <decimalExponent>
//! <binarySI>        ::= Ki | Mi | Gi | Ti | Pi | Ei            (powers of 1024)
//! <decimalSI>       ::= n | u | m | "" | k | M | G | T | P | E (powers of 1000)
//! <decimalExponent> ::= ("e" | "E") <sign>? <digits>
//! ```
//!
//! No whitespace is allowed anywhere, as in Kubernetes. Text that does not have the shape above
//! fails with Kubernetes' own message (`quantities must match the regular expression ...`); text
//! with that shape but an unknown suffix (`"1K"`, `"1e"`, `"1Ki3"`) fails with Kubernetes'
//! suffix message (`unable to parse quantity's suffix`).
//!
//! Arithmetic is exact: the value is kept as a whole number of nano-units in an `i128`, never
//! as a float. Like Kubernetes, parsing keeps a value only down to one nano-unit and rounds a
//! finer non-zero value away from zero (`"0.1n"` is `1n`), and the integer accessors
//! ([`Quantity::to_millis`], [`Quantity::to_units`]) round away from zero as `MilliValue()` and
//! `Value()` do (`"0.1m"` is 1 milli, `"100m"` is 1 unit).
//!
//! Deliberate differences from apimachinery, all of which turn a silently surprising value into
//! an error:
//!
//! - The number must contain at least one digit. Kubernetes' scanner reads `"."`, `"+"`, `"-"`
//!   and a bare suffix such as `"k"` or `"Mi"` as zero; here they are format errors.
//! - A binary-suffixed value above 2^63-1 (`"9Ei"`) keeps its exact value instead of being
//!   capped at 2^63-1; converting it to an `i64` reports [`QuantityError::TooLarge`].
//! - `to_millis`/`to_units` report [`QuantityError::TooLarge`] where Kubernetes' accessors would
//!   return an overflowed `int64`, and a value beyond about 1.7e29 (`"1e400"`) is rejected when
//!   parsed.

use std::fmt;
use std::str::FromStr;

/// Nano-units per unit.
const NANOS_PER_UNIT: i128 = 1_000_000_000;
/// Nano-units per milli-unit.
const NANOS_PER_MILLI: i128 = 1_000_000;
/// The characters Kubernetes' scanner accepts at the start of a suffix.
const SUFFIX_LETTERS: &[u8] = b"eEinumkKMGTP";
/// Decimal digits in `i128::MAX`; a digit string longer than this cannot fit.
const I128_DIGITS: usize = 39;

/// An exact Kubernetes quantity, such as a CPU amount or a number of bytes.
///
/// The value is held as a whole number of nano-units (10^-9), which is exactly the precision
/// Kubernetes keeps after parsing. Ordering and equality compare values, so `"1k"`, `"1000"` and
/// `"1e3"` are equal. The suffix style (binary or decimal) is not remembered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Quantity {
    /// The value in nano-units.
    nanos: i128,
}

/// Why a quantity could not be parsed or converted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum QuantityError {
    /// The text does not have the shape of a quantity (empty, whitespace, a stray character,
    /// no digits, two decimal points, ...).
    InvalidFormat,
    /// The text has the shape of a quantity but its suffix is not a known one (`"1K"`, `"1e"`,
    /// `"1Ki3"`, or an exponent that does not fit an `i64`).
    InvalidSuffix,
    /// The value is too large in magnitude to be represented or converted.
    TooLarge,
}

impl fmt::Display for QuantityError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::InvalidFormat => {
                "quantities must match the regular expression \
                 '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
            }
            Self::InvalidSuffix => "unable to parse quantity's suffix",
            Self::TooLarge => "quantity is too large",
        })
    }
}

impl std::error::Error for QuantityError {}

/// What a suffix multiplies the number by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Multiplier {
    /// `2^shift` (binary SI suffixes).
    Binary(u32),
    /// `10^exponent` (decimal SI suffixes and `e<int>` exponents).
    Decimal(i64),
}

impl Quantity {
    /// Parses a Kubernetes quantity string exactly (see the module docs for the grammar).
    pub fn parse(text: &str) -> Result<Self, QuantityError> {
        let bytes = text.as_bytes();
        let mut pos = 0;
        let negative = match bytes.first() {
            Some(b'-') => {
                pos = 1;
                true
            }
            Some(b'+') => {
                pos = 1;
                false
            }
            _ => false,
        };

        let int_start = pos;
        pos = skip_digits(bytes, pos);
        let int_digits = &bytes[int_start..pos];
        let mut frac_digits: &[u8] = &[];
        if bytes.get(pos) == Some(&b'.') {
            let frac_start = pos + 1;
            pos = skip_digits(bytes, frac_start);
            frac_digits = &bytes[frac_start..pos];
        }
        if int_digits.is_empty() && frac_digits.is_empty() {
            return Err(QuantityError::InvalidFormat);
        }

        let suffix = &bytes[pos..];
        check_suffix_shape(suffix)?;
        let multiplier = interpret_suffix(suffix)?;
        let magnitude = magnitude_in_nanos(int_digits, frac_digits, multiplier)?;
        Ok(Self {
            nanos: if negative { -magnitude } else { magnitude },
        })
    }

    /// The value times 1000, rounded up (away from zero) to an integer, like Kubernetes'
    /// `MilliValue()`: `"0.1m"` gives 1, `"1.5"` gives 1500.
    pub fn to_millis(&self) -> Result<i64, QuantityError> {
        to_i64(div_away_from_zero(self.nanos, NANOS_PER_MILLI))
    }

    /// The value rounded up (away from zero) to an integer, like Kubernetes' `Value()`:
    /// `"100m"` gives 1, `"1.5Gi"` gives 1610612736.
    pub fn to_units(&self) -> Result<i64, QuantityError> {
        to_i64(div_away_from_zero(self.nanos, NANOS_PER_UNIT))
    }

    /// Whether the value is below zero (`"-0"` is zero, not negative).
    pub fn is_negative(&self) -> bool {
        self.nanos < 0
    }

    /// The exact value in nano-units (10^-9), as Kubernetes keeps it after parsing.
    pub fn nanos(&self) -> i128 {
        self.nanos
    }
}

impl FromStr for Quantity {
    type Err = QuantityError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text)
    }
}

/// Formats a number of milli-units in Kubernetes' canonical decimal form: the largest decimal
/// SI suffix (from `m` up to `E`) that keeps the number whole, so 500 gives `"500m"`, 2000 gives
/// `"2"`, 1500 gives `"1500m"` and 2000000 gives `"2k"`.
pub fn format_millis(millis: i64) -> String {
    const SUFFIXES: [&str; 8] = ["m", "", "k", "M", "G", "T", "P", "E"];
    if millis == 0 {
        return "0".to_string();
    }
    let mut mantissa = millis;
    let mut index = 0;
    while index + 1 < SUFFIXES.len() && mantissa % 1000 == 0 {
        mantissa /= 1000;
        index += 1;
    }
    format!("{mantissa}{}", SUFFIXES[index])
}

/// Formats a number of bytes with the largest binary suffix (`Ki` to `Ei`) that divides it
/// exactly, else the largest decimal suffix (`k`, `M`, `G`) that does, else as plain bytes:
/// 1073741824 gives `"1Gi"`, 129000000 gives `"129M"`, 1536 gives `"1536"`. Binary wins
/// whenever it divides, so 10^12 gives `"976562500Ki"`.
pub fn format_bytes(bytes: i64) -> String {
    const BINARY: [(&str, i64); 6] = [
        ("Ei", 1 << 60),
        ("Pi", 1 << 50),
        ("Ti", 1 << 40),
        ("Gi", 1 << 30),
        ("Mi", 1 << 20),
        ("Ki", 1 << 10),
    ];
    // A multiple of 10^10 or more is a multiple of 1024, so larger decimal suffixes never win.
    const DECIMAL: [(&str, i64); 3] = [("G", 1_000_000_000), ("M", 1_000_000), ("k", 1_000)];
    if bytes == 0 {
        return "0".to_string();
    }
    BINARY
        .iter()
        .chain(DECIMAL.iter())
        .find(|&&(_, divisor)| bytes % divisor == 0)
        .map_or_else(
            || bytes.to_string(),
            |&(suffix, divisor)| format!("{}{suffix}", bytes / divisor),
        )
}

/// Returns the index of the first non-digit at or after `pos`.
fn skip_digits(bytes: &[u8], mut pos: usize) -> usize {
    while bytes.get(pos).is_some_and(u8::is_ascii_digit) {
        pos += 1;
    }
    pos
}

/// Checks that a suffix matches `[eEinumkKMGTP]*[-+]?[0-9]*`, as Kubernetes' scanner does.
fn check_suffix_shape(suffix: &[u8]) -> Result<(), QuantityError> {
    let mut pos = 0;
    while suffix.get(pos).is_some_and(|c| SUFFIX_LETTERS.contains(c)) {
        pos += 1;
    }
    if matches!(suffix.get(pos), Some(b'+' | b'-')) {
        pos += 1;
    }
    if skip_digits(suffix, pos) == suffix.len() {
        Ok(())
    } else {
        Err(QuantityError::InvalidFormat)
    }
}

/// Maps a well-shaped suffix to its multiplier, as Kubernetes' `suffixHandler.interpret` does.
fn interpret_suffix(suffix: &[u8]) -> Result<Multiplier, QuantityError> {
    Ok(match suffix {
        b"n" => Multiplier::Decimal(-9),
        b"u" => Multiplier::Decimal(-6),
        b"m" => Multiplier::Decimal(-3),
        b"" => Multiplier::Decimal(0),
        b"k" => Multiplier::Decimal(3),
        b"M" => Multiplier::Decimal(6),
        b"G" => Multiplier::Decimal(9),
        b"T" => Multiplier::Decimal(12),
        b"P" => Multiplier::Decimal(15),
        b"E" => Multiplier::Decimal(18),
        b"Ki" => Multiplier::Binary(10),
        b"Mi" => Multiplier::Binary(20),
        b"Gi" => Multiplier::Binary(30),
        b"Ti" => Multiplier::Binary(40),
        b"Pi" => Multiplier::Binary(50),
        b"Ei" => Multiplier::Binary(60),
        [b'e' | b'E', exponent @ ..] if !exponent.is_empty() => {
            // Like Go's strconv.ParseInt(s, 10, 64): an optional sign, then digits.
            let exponent = std::str::from_utf8(exponent)
                .ok()
                .and_then(|text| text.parse::<i64>().ok())
                .ok_or(QuantityError::InvalidSuffix)?;
            Multiplier::Decimal(exponent)
        }
        _ => return Err(QuantityError::InvalidSuffix),
    })
}

/// Computes `|number| * multiplier` in nano-units, rounding a non-whole result up.
///
/// The digits are kept as a decimal digit string while the binary multiplier is applied, so
/// arbitrarily long inputs stay exact; only the final nano-unit count must fit an `i128`.
fn magnitude_in_nanos(
    int_digits: &[u8],
    frac_digits: &[u8],
    multiplier: Multiplier,
) -> Result<i128, QuantityError> {
    let (shift, decimal_exponent) = match multiplier {
        Multiplier::Binary(shift) => (shift, 0),
        Multiplier::Decimal(exponent) => (0, exponent),
    };
    // value in nano-units = digits * 2^shift * 10^exp10 (usize -> i128 is lossless).
    let exp10 = i128::from(decimal_exponent) + 9 - frac_digits.len() as i128;
    let mut digits: Vec<u8> = int_digits
        .iter()
        .chain(frac_digits)
        .map(|c| c - b'0')
        .skip_while(|&d| d == 0)
        .collect();
    if digits.is_empty() {
        return Ok(0);
    }
    if shift > 0 {
        multiply_digits(&mut digits, 1u64 << shift);
    }

    if exp10 >= 0 {
        if digits.len() as i128 + exp10 > I128_DIGITS as i128 {
            return Err(QuantityError::TooLarge);
        }
        let mut value = digits_to_i128(&digits)?;
        for _ in 0..exp10 {
            value = value.checked_mul(10).ok_or(QuantityError::TooLarge)?;
        }
        Ok(value)
    } else {
        let dropped = -exp10;
        if dropped >= digits.len() as i128 {
            // A non-zero value below one nano-unit rounds up to one.
            return Ok(1);
        }
        // dropped < digits.len(), so the conversion cannot fail.
        let keep = digits.len() - usize::try_from(dropped).map_err(|_| QuantityError::TooLarge)?;
        let (whole, fraction) = digits.split_at(keep);
        let value = digits_to_i128(whole)?;
        if fraction.iter().any(|&d| d != 0) {
            value.checked_add(1).ok_or(QuantityError::TooLarge)
        } else {
            Ok(value)
        }
    }
}

/// Multiplies a big-endian decimal digit string (no leading zeros) by `factor` in place.
fn multiply_digits(digits: &mut Vec<u8>, factor: u64) {
    let mut carry: u128 = 0;
    for digit in digits.iter_mut().rev() {
        let product = u128::from(*digit) * u128::from(factor) + carry;
        *digit = (product % 10) as u8;
        carry = product / 10;
    }
    let mut head = Vec::new();
    while carry > 0 {
        head.push((carry % 10) as u8);
        carry /= 10;
    }
    if !head.is_empty() {
        head.reverse();
        head.extend_from_slice(digits);
        *digits = head;
    }
}

/// Converts a big-endian decimal digit string to an `i128`, failing on overflow.
fn digits_to_i128(digits: &[u8]) -> Result<i128, QuantityError> {
    if digits.len() > I128_DIGITS {
        return Err(QuantityError::TooLarge);
    }
    digits.iter().try_fold(0i128, |value, &digit| {
        value
            .checked_mul(10)
            .and_then(|value| value.checked_add(i128::from(digit)))
            .ok_or(QuantityError::TooLarge)
    })
}

/// Divides, rounding any non-zero remainder away from zero.
fn div_away_from_zero(value: i128, divisor: i128) -> i128 {
    let quotient = value / divisor;
    match (value % divisor).signum() {
        1 => quotient + 1,
        -1 => quotient - 1,
        _ => quotient,
    }
}

/// Narrows to `i64`, reporting overflow as [`QuantityError::TooLarge`].
fn to_i64(value: i128) -> Result<i64, QuantityError> {
    i64::try_from(value).map_err(|_| QuantityError::TooLarge)
}

#[cfg(test)]
mod tests {
    use super::*;

    use QuantityError::{InvalidFormat, InvalidSuffix, TooLarge};

    /// What a row expects: a parse error, or the exact nanos and both conversions.
    type Expected =
        Result<(i128, Result<i64, QuantityError>, Result<i64, QuantityError>), QuantityError>;

    const GI: i64 = 1 << 30;
    const EI: i128 = 1 << 60;

    fn ok(nanos: i128, millis: i64, units: i64) -> Expected {
        Ok((nanos, Ok(millis), Ok(units)))
    }

    fn too_large(nanos: i128) -> Expected {
        Ok((nanos, Err(TooLarge), Err(TooLarge)))
    }

    #[test]
    fn parse_table() {
        let rows: Vec<(&str, Expected)> = vec![
            // decimal SI
            ("500m", ok(500_000_000, 500, 1)),
            ("1", ok(1_000_000_000, 1000, 1)),
            ("0.5", ok(500_000_000, 500, 1)),
            (".5", ok(500_000_000, 500, 1)),
            ("5.", ok(5_000_000_000, 5000, 5)),
            ("+2", ok(2_000_000_000, 2000, 2)),
            ("100m", ok(100_000_000, 100, 1)),
            ("0.1m", ok(100_000, 1, 1)),
            ("1m", ok(1_000_000, 1, 1)),
            ("1u", ok(1_000, 1, 1)),
            ("1n", ok(1, 1, 1)),
            (
                "129M",
                ok(129_000_000_000_000_000, 129_000_000_000, 129_000_000),
            ),
            (
                "128974848",
                ok(128_974_848_000_000_000, 128_974_848_000, 128_974_848),
            ),
            ("1k", ok(1_000_000_000_000, 1_000_000, 1000)),
            (
                "1E",
                Ok((
                    1_000_000_000_000_000_000_000_000_000,
                    Err(TooLarge),
                    Ok(1_000_000_000_000_000_000),
                )),
            ),
            // binary SI
            ("1Ki", ok(1024 * 1_000_000_000, 1_024_000, 1024)),
            (
                "123Mi",
                ok(128_974_848_000_000_000, 128_974_848_000, 128_974_848),
            ),
            (
                "1.5Gi",
                ok(1_610_612_736_000_000_000, 1_610_612_736_000, 3 * GI / 2),
            ),
            ("0.5Ki", ok(512_000_000_000, 512_000, 512)),
            ("1.1Ki", ok(1_126_400_000_000, 1_126_400, 1127)),
            ("1Ei", Ok((EI * 1_000_000_000, Err(TooLarge), Ok(1 << 60)))),
            ("8Ei", too_large(8 * EI * 1_000_000_000)),
            ("9Ei", too_large(9 * EI * 1_000_000_000)),
            // decimal exponents
            (
                "129e6",
                ok(129_000_000_000_000_000, 129_000_000_000, 129_000_000),
            ),
            ("1e3", ok(1_000_000_000_000, 1_000_000, 1000)),
            ("2E6", ok(2_000_000_000_000_000, 2_000_000_000, 2_000_000)),
            ("1.5e-3", ok(1_500_000, 2, 1)),
            ("2E-3", ok(2_000_000, 2, 1)),
            ("1.5e+2", ok(150_000_000_000, 150_000, 150)),
            ("1e-400", ok(1, 1, 1)),
            ("0e400", ok(0, 0, 0)),
            // zero, sign and rounding
            ("0", ok(0, 0, 0)),
            ("-0", ok(0, 0, 0)),
            ("0.000", ok(0, 0, 0)),
            ("-1", ok(-1_000_000_000, -1000, -1)),
            ("-0.5", ok(-500_000_000, -500, -1)),
            ("-1.5m", ok(-1_500_000, -2, -1)),
            ("0.0000000001", ok(1, 1, 1)),
            ("1.0000000001", ok(1_000_000_001, 1001, 2)),
            (
                "1.000000000000000000000000000000000000000000000001Ki",
                ok(1_024_000_000_001, 1_024_001, 1025),
            ),
            (
                "9223372036854775807",
                Ok((
                    i128::from(i64::MAX) * 1_000_000_000,
                    Err(TooLarge),
                    Ok(i64::MAX),
                )),
            ),
            (
                "-9223372036854775808",
                Ok((
                    i128::from(i64::MIN) * 1_000_000_000,
                    Err(TooLarge),
                    Ok(i64::MIN),
                )),
            ),
            // too large to represent at all
            ("1e400", Err(TooLarge)),
            ("1e30", Err(TooLarge)),
            ("1000000000000000000000000000000", Err(TooLarge)),
            // malformed text
            ("abc", Err(InvalidFormat)),
            ("1.2.3", Err(InvalidFormat)),
            ("", Err(InvalidFormat)),
            ("5 ", Err(InvalidFormat)),
            (" 5", Err(InvalidFormat)),
            ("1KB", Err(InvalidFormat)),
            (".", Err(InvalidFormat)),
            ("-", Err(InvalidFormat)),
            ("+", Err(InvalidFormat)),
            ("k", Err(InvalidFormat)),
            ("Mi", Err(InvalidFormat)),
            ("1 Gi", Err(InvalidFormat)),
            ("--1", Err(InvalidFormat)),
            ("1µ", Err(InvalidFormat)),
            // well-shaped but unknown suffixes
            ("1K", Err(InvalidSuffix)),
            ("1e", Err(InvalidSuffix)),
            ("1Ki3", Err(InvalidSuffix)),
            ("1m-", Err(InvalidSuffix)),
            ("1e+", Err(InvalidSuffix)),
            ("1i", Err(InvalidSuffix)),
            ("1Ee3", Err(InvalidSuffix)),
            ("1e99999999999999999999", Err(InvalidSuffix)),
        ];
        assert!(rows.len() >= 25);
        for (text, expected) in rows {
            let got = Quantity::parse(text).map(|q| (q.nanos(), q.to_millis(), q.to_units()));
            assert_eq!(got, expected, "parsing {text:?}");
        }
    }

    #[test]
    fn from_str_and_sign() {
        let q: Quantity = "-250m".parse().unwrap();
        assert!(q.is_negative());
        assert_eq!(q.to_millis(), Ok(-250));
        assert!(!"-0".parse::<Quantity>().unwrap().is_negative());
        assert!(!"1".parse::<Quantity>().unwrap().is_negative());
        assert_eq!("x".parse::<Quantity>(), Err(InvalidFormat));
    }

    #[test]
    fn equal_values_compare_equal() {
        let same = ["1k", "1000", "1e3", "1000000m", "1.000k", "0.001M"];
        for text in same {
            assert_eq!(Quantity::parse(text), Quantity::parse("1k"), "{text:?}");
        }
        assert!(Quantity::parse("1Ki").unwrap() > Quantity::parse("1k").unwrap());
    }

    #[test]
    fn error_messages() {
        let rows = [
            (
                InvalidFormat,
                "quantities must match the regular expression \
                 '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
            ),
            (InvalidSuffix, "unable to parse quantity's suffix"),
            (TooLarge, "quantity is too large"),
        ];
        for (error, message) in rows {
            assert_eq!(error.to_string(), message);
            let boxed: Box<dyn std::error::Error> = Box::new(error);
            assert_eq!(boxed.to_string(), message);
        }
    }

    #[test]
    fn format_millis_table() {
        let rows = [
            (0, "0"),
            (500, "500m"),
            (1000, "1"),
            (2000, "2"),
            (1500, "1500m"),
            (1, "1m"),
            (10_000, "10"),
            (100_000, "100"),
            (2_000_000, "2k"),
            (-500, "-500m"),
            (-3000, "-3"),
            (i64::MAX, "9223372036854775807m"),
            (i64::MIN, "-9223372036854775808m"),
        ];
        for (millis, text) in rows {
            assert_eq!(format_millis(millis), text, "formatting {millis}");
        }
    }

    #[test]
    fn format_bytes_table() {
        let rows = [
            (0, "0"),
            (1, "1"),
            (512, "512"),
            (1024, "1Ki"),
            (1536, "1536"),
            (2048, "2Ki"),
            (1_048_576, "1Mi"),
            (1_073_741_824, "1Gi"),
            (1_610_612_736, "1536Mi"),
            (128_974_848, "123Mi"),
            (129_000_000, "129M"),
            (1000, "1k"),
            (3_000_000_000, "3G"),
            (1_000_000_000_000, "976562500Ki"), // binary wins whenever it divides
            (7_000_000_000, "7G"),
            (1 << 60, "1Ei"),
            (-2048, "-2Ki"),
            (i64::MIN, "-8Ei"),
            (i64::MAX, "9223372036854775807"),
        ];
        for (bytes, text) in rows {
            assert_eq!(format_bytes(bytes), text, "formatting {bytes}");
        }
    }

    #[test]
    fn formatted_values_parse_back() {
        for millis in [0, 1, 500, 1500, 2000, 2_000_000, -750, i64::MAX, i64::MIN] {
            let q = Quantity::parse(&format_millis(millis)).unwrap();
            assert_eq!(q.to_millis(), Ok(millis));
        }
        for bytes in [0, 1, 1536, 1024, 129_000_000, 1 << 40, i64::MAX, i64::MIN] {
            let q = Quantity::parse(&format_bytes(bytes)).unwrap();
            assert_eq!(q.to_units(), Ok(bytes));
        }
    }
}
