//! Argo Rollouts analysis (`argoproj.io/v1alpha1` AnalysisTemplate and ClusterAnalysisTemplate):
//! metrics with their timing and limits, and the `successCondition`/`failureCondition`
//! expressions, parsed once at load time and evaluated on the simulated measurement.
//!
//! There is no metrics backend in the simulation: whatever the provider (`prometheus`, `job`,
//! `web`, …), a measurement is the simulated success rate of the new version's pods. In a
//! condition, `result` (and `result[0]`) is that success rate in [0, 1] (1 − the image's
//! `errorRate`), `errorRate` is the error rate, and `len(result)` is 1.

use super::meta::ObjectMeta;

/// Argo's retry interval after a measurement error when the metric has no `interval`.
pub const DEFAULT_ERROR_RETRY_INTERVAL_NS: u64 = 10_000_000_000;

/// `consecutiveErrorLimit` when not set (Argo's `DefaultConsecutiveErrorLimit`).
pub const DEFAULT_CONSECUTIVE_ERROR_LIMIT: i64 = 4;

/// An AnalysisTemplate or ClusterAnalysisTemplate.
#[derive(Debug, Clone, PartialEq)]
pub struct AnalysisTemplateObject {
    /// Metadata (`namespace` is empty for a ClusterAnalysisTemplate).
    pub meta: ObjectMeta,
    /// `ClusterAnalysisTemplate` (true) or `AnalysisTemplate`.
    pub cluster_scope: bool,
    /// `spec.metrics`, in order.
    pub metrics: Vec<Metric>,
}

/// One entry of `spec.metrics`.
#[derive(Debug, Clone, PartialEq)]
pub struct Metric {
    /// `name`.
    pub name: String,
    /// `interval` (ns): time between measurements; `None` means one measurement unless `count`.
    pub interval_ns: Option<u64>,
    /// `initialDelay` (ns) before the first measurement.
    pub initial_delay_ns: u64,
    /// `count`: the number of measurements; `None` with an interval runs until the run ends.
    pub count: Option<i64>,
    /// `successCondition`.
    pub success_condition: Option<Condition>,
    /// `failureCondition`.
    pub failure_condition: Option<Condition>,
    /// `failureLimit` (default 0).
    pub failure_limit: i64,
    /// `inconclusiveLimit` (default 0).
    pub inconclusive_limit: i64,
    /// `consecutiveErrorLimit` (default 4).
    pub consecutive_error_limit: i64,
    /// The provider's name (`prometheus`, `job`, `web`, …): reported, not run.
    pub provider: String,
}

impl Metric {
    /// Argo's `EffectiveCount`: `count`, or 1 when neither `count` nor `interval` is set.
    pub fn effective_count(&self) -> Option<i64> {
        match (self.count, self.interval_ns) {
            (Some(c), _) => Some(c),
            (None, None) => Some(1),
            (None, Some(_)) => None,
        }
    }

    /// Argo's `EvaluateResult`: the phase of one measurement of `value`.
    pub fn evaluate(&self, value: &Measured) -> AnalysisPhase {
        let success = self.success_condition.as_ref().map(|c| c.eval(value));
        let failure = self.failure_condition.as_ref().map(|c| c.eval(value));
        let (success, failure) = match (success, failure) {
            (None, None) => return AnalysisPhase::Successful,
            (Some(s), None) => (s, !s),
            (None, Some(f)) => (!f, f),
            (Some(s), Some(f)) => (s, f),
        };
        if failure {
            AnalysisPhase::Failed
        } else if !success {
            AnalysisPhase::Inconclusive
        } else {
            AnalysisPhase::Successful
        }
    }
}

/// What one simulated measurement saw.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Measured {
    /// Share of the new pods' requests that fail, in [0, 1].
    pub error_rate: f64,
}

/// The phase of a measurement, a metric or an AnalysisRun (Argo's `AnalysisPhase`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum AnalysisPhase {
    /// Not started.
    Pending,
    /// Measuring.
    Running,
    /// Passed.
    Successful,
    /// Neither passed nor failed beyond `inconclusiveLimit`.
    Inconclusive,
    /// Measurement errors beyond `consecutiveErrorLimit`.
    Error,
    /// Failed beyond `failureLimit`.
    Failed,
}

impl AnalysisPhase {
    /// Argo's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            AnalysisPhase::Pending => "Pending",
            AnalysisPhase::Running => "Running",
            AnalysisPhase::Successful => "Successful",
            AnalysisPhase::Inconclusive => "Inconclusive",
            AnalysisPhase::Error => "Error",
            AnalysisPhase::Failed => "Failed",
        }
    }

    /// Whether the phase is final.
    pub fn completed(self) -> bool {
        !matches!(self, AnalysisPhase::Pending | AnalysisPhase::Running)
    }

    /// Argo's `IsWorse` order among completed phases: Successful < Inconclusive < Error < Failed.
    pub fn is_worse_than(self, other: AnalysisPhase) -> bool {
        self > other
    }
}

/// A parsed `successCondition`/`failureCondition`.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    /// The text as written.
    pub text: String,
    expr: Expr,
}

#[derive(Debug, Clone, PartialEq)]
enum Expr {
    Or(Box<Expr>, Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    Compare(Value, CompareOp, Value),
    Literal(bool),
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Value {
    Number(f64),
    SuccessRate,
    ErrorRate,
    Len,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum CompareOp {
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
}

impl Condition {
    /// Parses an expression in the subset of Argo's expression language timonel evaluates:
    /// comparisons (`<`, `<=`, `>`, `>=`, `==`, `!=`) between numbers and `result`,
    /// `result[0]`, `errorRate`, `len(result)`; `&&`/`and`, `||`/`or`, `!`/`not`, parentheses,
    /// `true`, `false`. The error names what is not supported.
    pub fn parse(text: &str) -> Result<Condition, String> {
        let tokens = tokenize(text)?;
        let mut p = Parser { tokens, at: 0 };
        let expr = p.or()?;
        if p.at != p.tokens.len() {
            return Err(format!("unexpected {}", p.tokens[p.at].describe()));
        }
        Ok(Condition {
            text: text.to_string(),
            expr,
        })
    }

    /// Evaluates the condition on a measurement.
    pub fn eval(&self, m: &Measured) -> bool {
        eval(&self.expr, m)
    }
}

fn value_of(v: Value, m: &Measured) -> f64 {
    match v {
        Value::Number(n) => n,
        Value::SuccessRate => 1.0 - m.error_rate,
        Value::ErrorRate => m.error_rate,
        Value::Len => 1.0,
    }
}

fn eval(e: &Expr, m: &Measured) -> bool {
    match e {
        Expr::Or(a, b) => eval(a, m) || eval(b, m),
        Expr::And(a, b) => eval(a, m) && eval(b, m),
        Expr::Not(a) => !eval(a, m),
        Expr::Literal(b) => *b,
        Expr::Compare(a, op, b) => {
            let (a, b) = (value_of(*a, m), value_of(*b, m));
            match op {
                CompareOp::Lt => a < b,
                CompareOp::Le => a <= b,
                CompareOp::Gt => a > b,
                CompareOp::Ge => a >= b,
                CompareOp::Eq => a == b,
                CompareOp::Ne => a != b,
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Number(f64),
    Ident(String),
    Op(&'static str),
}

impl Token {
    fn describe(&self) -> String {
        match self {
            Token::Number(n) => format!("number {n}"),
            Token::Ident(i) => format!("\"{i}\""),
            Token::Op(o) => format!("\"{o}\""),
        }
    }
}

fn tokenize(text: &str) -> Result<Vec<Token>, String> {
    const OPS: [&str; 14] = [
        "&&", "||", "<=", ">=", "==", "!=", "<", ">", "!", "(", ")", "[", "]", ",",
    ];
    let mut out = Vec::new();
    let mut rest = text.trim_start();
    while !rest.is_empty() {
        let c = rest.chars().next().unwrap_or(' ');
        if c.is_ascii_digit() || c == '.' {
            let end = rest
                .find(|ch: char| !(ch.is_ascii_alphanumeric() || ch == '.'))
                .unwrap_or(rest.len());
            let number: f64 = rest[..end]
                .parse()
                .map_err(|_| format!("\"{}\" is not a number", &rest[..end]))?;
            out.push(Token::Number(number));
            rest = &rest[end..];
        } else if c.is_ascii_alphabetic() || c == '_' {
            let end = rest
                .find(|ch: char| !(ch.is_ascii_alphanumeric() || ch == '_'))
                .unwrap_or(rest.len());
            out.push(Token::Ident(rest[..end].to_string()));
            rest = &rest[end..];
        } else if let Some(op) = OPS.iter().find(|op| rest.starts_with(**op)) {
            out.push(Token::Op(op));
            rest = &rest[op.len()..];
        } else {
            return Err(format!("unsupported character '{c}'"));
        }
        rest = rest.trim_start();
    }
    Ok(out)
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn eat_op(&mut self, op: &str) -> bool {
        if matches!(self.peek(), Some(Token::Op(o)) if *o == op) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn eat_word(&mut self, word: &str) -> bool {
        if matches!(self.peek(), Some(Token::Ident(i)) if i == word) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn expect_op(&mut self, op: &str) -> Result<(), String> {
        if self.eat_op(op) {
            Ok(())
        } else {
            Err(match self.peek() {
                Some(t) => format!("expected \"{op}\", found {}", t.describe()),
                None => format!("expected \"{op}\" at the end"),
            })
        }
    }

    fn or(&mut self) -> Result<Expr, String> {
        let mut left = self.and()?;
        while self.eat_op("||") || self.eat_word("or") {
            left = Expr::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, String> {
        let mut left = self.unary()?;
        while self.eat_op("&&") || self.eat_word("and") {
            left = Expr::And(Box::new(left), Box::new(self.unary()?));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Expr, String> {
        if self.eat_op("!") || self.eat_word("not") {
            return Ok(Expr::Not(Box::new(self.unary()?)));
        }
        if self.eat_op("(") {
            let inner = self.or()?;
            self.expect_op(")")?;
            return Ok(inner);
        }
        if self.eat_word("true") {
            return Ok(Expr::Literal(true));
        }
        if self.eat_word("false") {
            return Ok(Expr::Literal(false));
        }
        let left = self.value()?;
        let op = match self.peek() {
            Some(Token::Op(o)) => match *o {
                "<" => CompareOp::Lt,
                "<=" => CompareOp::Le,
                ">" => CompareOp::Gt,
                ">=" => CompareOp::Ge,
                "==" => CompareOp::Eq,
                "!=" => CompareOp::Ne,
                _ => return Err(format!("expected a comparison, found \"{o}\"")),
            },
            Some(t) => return Err(format!("expected a comparison, found {}", t.describe())),
            None => {
                return Err(
                    "a number is not a condition: compare it (\"result >= 0.95\")".to_string(),
                );
            }
        };
        self.at += 1;
        let right = self.value()?;
        Ok(Expr::Compare(left, op, right))
    }

    fn value(&mut self) -> Result<Value, String> {
        let token = self
            .peek()
            .cloned()
            .ok_or_else(|| "unexpected end of the expression".to_string())?;
        self.at += 1;
        match token {
            Token::Number(n) => Ok(Value::Number(n)),
            Token::Ident(word) => match word.as_str() {
                "result" => {
                    if self.eat_op("[") {
                        match self.peek().cloned() {
                            Some(Token::Number(0.0)) => self.at += 1,
                            Some(t) => {
                                return Err(format!(
                                    "index {} is out of range: result has one element (the simulated success rate)",
                                    match t {
                                        Token::Number(n) => n.to_string(),
                                        other => other.describe(),
                                    }
                                ));
                            }
                            None => return Err("unexpected end after \"[\"".into()),
                        }
                        self.expect_op("]")?;
                    }
                    Ok(Value::SuccessRate)
                }
                "errorRate" => Ok(Value::ErrorRate),
                "len" => {
                    self.expect_op("(")?;
                    if !self.eat_word("result") {
                        return Err("len() takes result".into());
                    }
                    self.expect_op(")")?;
                    Ok(Value::Len)
                }
                other => Err(format!(
                    "unknown name \"{other}\": the simulated measurement offers result, result[0], errorRate and len(result)"
                )),
            },
            Token::Op(o) => Err(format!("unexpected \"{o}\"")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conditions_parse_and_evaluate() {
        // (condition, error rate, expected)
        let cases: [(&str, f64, bool); 16] = [
            ("result >= 0.95", 0.0, true),
            ("result >= 0.95", 0.2, false),
            ("result[0] >= 0.95", 0.05, true),
            ("result[0] >= 0.95", 0.06, false),
            ("result < 0.05", 0.0, false),
            ("errorRate < 0.05", 0.01, true),
            ("errorRate <= 0.05 && result > 0.9", 0.05, true),
            ("errorRate > 0.5 || result == 1", 0.0, true),
            ("errorRate > 0.5 or result != 1", 0.0, false),
            ("!(errorRate > 0.1)", 0.2, false),
            ("not (errorRate > 0.1) and true", 0.0, true),
            ("len(result) == 1", 0.3, true),
            ("len(result) > 1", 0.3, false),
            ("0.95 <= result", 0.0, true),
            ("false", 0.0, false),
            ("(result >= 0.9) && (errorRate < 0.1)", 0.1, false),
        ];
        for (text, error_rate, want) in cases {
            let c = Condition::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(
                c.eval(&Measured { error_rate }),
                want,
                "{text} at {error_rate}"
            );
        }
    }

    #[test]
    fn unsupported_conditions_are_errors() {
        let cases: [(&str, &str); 8] = [
            ("result", "a number is not a condition"),
            ("result[1] >= 0.9", "out of range"),
            ("latency < 3", "unknown name \"latency\""),
            ("result >= 0.9 &&", "unexpected end"),
            ("result >= 0.9)", "unexpected \")\""),
            ("result * 2 > 1", "unsupported character '*'"),
            ("result >= 1.2.3", "is not a number"),
            ("len(errorRate) > 0", "len() takes result"),
        ];
        for (text, want) in cases {
            let e = Condition::parse(text).expect_err(text);
            assert!(e.contains(want), "{text}: {e}");
        }
    }

    #[test]
    fn measurement_phases_follow_argo() {
        let metric = |s: Option<&str>, f: Option<&str>| Metric {
            name: "m".into(),
            interval_ns: None,
            initial_delay_ns: 0,
            count: None,
            success_condition: s.map(|t| Condition::parse(t).unwrap()),
            failure_condition: f.map(|t| Condition::parse(t).unwrap()),
            failure_limit: 0,
            inconclusive_limit: 0,
            consecutive_error_limit: DEFAULT_CONSECUTIVE_ERROR_LIMIT,
            provider: "prometheus".into(),
        };
        use AnalysisPhase::*;
        let cases = [
            (None, None, 0.5, Successful),
            (Some("result >= 0.9"), None, 0.0, Successful),
            (Some("result >= 0.9"), None, 0.2, Failed),
            (None, Some("errorRate > 0.1"), 0.2, Failed),
            (None, Some("errorRate > 0.1"), 0.0, Successful),
            (
                Some("result >= 0.95"),
                Some("result < 0.8"),
                0.1,
                Inconclusive,
            ),
            (Some("result >= 0.95"), Some("result < 0.8"), 0.3, Failed),
            (
                Some("result >= 0.95"),
                Some("result < 0.8"),
                0.0,
                Successful,
            ),
        ];
        for (s, f, error_rate, want) in cases {
            assert_eq!(
                metric(s, f).evaluate(&Measured { error_rate }),
                want,
                "{s:?} {f:?} {error_rate}"
            );
        }
    }

    #[test]
    fn effective_count() {
        let mut m = Metric {
            name: "m".into(),
            interval_ns: None,
            initial_delay_ns: 0,
            count: None,
            success_condition: None,
            failure_condition: None,
            failure_limit: 0,
            inconclusive_limit: 0,
            consecutive_error_limit: 4,
            provider: "web".into(),
        };
        assert_eq!(m.effective_count(), Some(1));
        m.interval_ns = Some(1);
        assert_eq!(m.effective_count(), None);
        m.count = Some(3);
        assert_eq!(m.effective_count(), Some(3));
    }

    #[test]
    fn phase_order() {
        use AnalysisPhase::*;
        assert!(Failed.is_worse_than(Error));
        assert!(Error.is_worse_than(Inconclusive));
        assert!(Inconclusive.is_worse_than(Successful));
        assert!(!Successful.is_worse_than(Failed));
        assert!(!Running.completed() && Failed.completed());
    }
}
