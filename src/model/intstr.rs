//! `IntOrString` values such as `maxSurge: 25%` or `maxUnavailable: 1`, and their scaling rule
//! (`intstr.GetScaledValueFromIntOrPercent` in apimachinery).

use std::fmt;

/// An integer or a percentage, as Kubernetes' `intstr.IntOrString` holds for surge and
/// unavailability budgets. Percent values are whole percents (`"25%"` → `Percent(25)`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IntOrPercent {
    /// An absolute count.
    Int(i64),
    /// A whole percentage of some total.
    Percent(i64),
}

/// Why a string is not a valid `IntOrString` percentage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidIntOrPercent(pub String);

impl fmt::Display for InvalidIntOrPercent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid value for IntOrString: invalid type: string is not a percentage: {:?}",
            self.0
        )
    }
}

impl IntOrPercent {
    /// Parses the string form. Kubernetes accepts only `"<int>%"` for strings; a bare integer
    /// string is accepted as well because YAML authors often quote numbers.
    pub fn parse(text: &str) -> Result<Self, InvalidIntOrPercent> {
        let trimmed = text.trim();
        if let Some(number) = trimmed.strip_suffix('%') {
            return number
                .parse::<i64>()
                .map(IntOrPercent::Percent)
                .map_err(|_| InvalidIntOrPercent(text.to_string()));
        }
        trimmed
            .parse::<i64>()
            .map(IntOrPercent::Int)
            .map_err(|_| InvalidIntOrPercent(text.to_string()))
    }

    /// `GetScaledValueFromIntOrPercent(self, total, round_up)`: an integer as is; a percentage of
    /// `total`, rounded up (`ceil(p*total/100)`) or down (`floor`).
    pub fn scaled_value(self, total: i64, round_up: bool) -> i64 {
        match self {
            IntOrPercent::Int(value) => value,
            IntOrPercent::Percent(percent) => {
                let product = percent * total;
                if round_up {
                    // ceil for non-negative products, as Go's math.Ceil on the float.
                    product.div_euclid(100) + i64::from(product.rem_euclid(100) != 0)
                } else {
                    product.div_euclid(100)
                }
            }
        }
    }

    /// True when the value is zero (`0` or `0%`).
    pub fn is_zero(self) -> bool {
        matches!(self, IntOrPercent::Int(0) | IntOrPercent::Percent(0))
    }
}

impl fmt::Display for IntOrPercent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IntOrPercent::Int(value) => write!(f, "{value}"),
            IntOrPercent::Percent(percent) => write!(f, "{percent}%"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scaling_table() {
        let cases = [
            ("25%", 3, true, 1),
            ("25%", 3, false, 0),
            ("39%", 10, true, 4),
            ("39%", 10, false, 3),
            ("100%", 5, false, 5),
            ("3", 10, true, 3),
            ("0%", 10, true, 0),
        ];
        for (text, total, up, want) in cases {
            let value = IntOrPercent::parse(text).unwrap();
            assert_eq!(value.scaled_value(total, up), want, "{text} of {total}");
        }
    }

    #[test]
    fn rejects_garbage() {
        assert!(IntOrPercent::parse("oops").is_err());
        assert!(IntOrPercent::parse("1.5%").is_err());
    }
}
