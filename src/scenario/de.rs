//! A serde `Deserializer` over the positioned YAML tree of [`super::yaml`].
//!
//! Reading typed structs (our Scenario mirror, `k8s-openapi` objects) from the tree instead of
//! from a JSON value keeps YAML's typing rules where they matter: a plain scalar becomes a number
//! only when the target asks for one (`cpu: 1`, a label `ver: 1.10`), and every type error carries
//! the line and column of the node that caused it.

use std::fmt;

use serde::de::{self, DeserializeSeed, IntoDeserializer, MapAccess, SeqAccess, Visitor};

use super::yaml::{Node, Pos, Value};

/// A deserialization error with the position of the innermost node involved.
#[derive(Debug, Clone, PartialEq)]
pub struct DeError {
    /// Position, once known.
    pub pos: Option<Pos>,
    /// Field path from the root of the document to the node (`spec.replicas`,
    /// `spec.template.spec.containers[0]`), empty at the root.
    pub path: String,
    /// Serde's message.
    pub message: String,
}

impl DeError {
    /// Prepends a mapping key or a `[index]` segment to the path.
    fn under(mut self, segment: &str) -> Self {
        self.path = if self.path.is_empty() || self.path.starts_with('[') {
            format!("{segment}{}", self.path)
        } else {
            format!("{segment}.{}", self.path)
        };
        self
    }
}

impl fmt::Display for DeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for DeError {}

impl de::Error for DeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        DeError {
            pos: None,
            path: String::new(),
            message: msg.to_string(),
        }
    }
}

/// Reads a `T` from a tree node.
pub fn from_node<'de, T: serde::Deserialize<'de>>(node: &'de Node) -> Result<T, DeError> {
    T::deserialize(node)
}

fn at<T>(pos: Pos, result: Result<T, DeError>) -> Result<T, DeError> {
    result.map_err(|mut e| {
        e.pos.get_or_insert(pos);
        e
    })
}

/// The YAML 1.2 core-schema reading of a plain scalar.
enum Plain<'a> {
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    Str(&'a str),
}

fn resolve_plain(text: &str) -> Plain<'_> {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Plain::Null,
        "true" | "True" | "TRUE" => return Plain::Bool(true),
        "false" | "False" | "FALSE" => return Plain::Bool(false),
        ".inf" | "+.inf" | ".Inf" | "+.Inf" | ".INF" => return Plain::Float(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => return Plain::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Plain::Float(f64::NAN),
        _ => {}
    }
    let bytes = text.as_bytes();
    let digits = bytes
        .strip_prefix(b"-")
        .or_else(|| bytes.strip_prefix(b"+"))
        .unwrap_or(bytes);
    if !digits.is_empty() && digits.iter().all(u8::is_ascii_digit) {
        if let Ok(v) = text.parse::<i64>() {
            return Plain::Int(v);
        }
        if let Ok(v) = text.trim_start_matches('+').parse::<u64>() {
            return Plain::UInt(v);
        }
        return Plain::Float(text.parse().unwrap_or(f64::INFINITY));
    }
    if let Some(hex) = text.strip_prefix("0x")
        && let Ok(v) = i64::from_str_radix(hex, 16)
    {
        return Plain::Int(v);
    }
    if let Some(oct) = text.strip_prefix("0o")
        && let Ok(v) = i64::from_str_radix(oct, 8)
    {
        return Plain::Int(v);
    }
    let looks_float = !digits.is_empty()
        && digits
            .iter()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'-' | b'+'))
        && digits.iter().any(u8::is_ascii_digit)
        && (digits[0].is_ascii_digit() || digits[0] == b'.');
    if looks_float && let Ok(v) = text.parse::<f64>() {
        return Plain::Float(v);
    }
    Plain::Str(text)
}

fn invalid_type(node: &Node, exp: &dyn de::Expected) -> DeError {
    let unexpected = match &node.value {
        Value::Seq(_) => de::Unexpected::Seq,
        Value::Map(_) => de::Unexpected::Map,
        Value::Scalar { text, .. } => de::Unexpected::Str(text),
    };
    let mut err: DeError = de::Error::invalid_type(unexpected, exp);
    err.pos = Some(node.pos);
    err
}

macro_rules! deserialize_number {
    ($method:ident) => {
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
            match &self.value {
                Value::Scalar { text, plain: true } => match resolve_plain(text) {
                    Plain::Int(v) => at(self.pos, visitor.visit_i64(v)),
                    Plain::UInt(v) => at(self.pos, visitor.visit_u64(v)),
                    Plain::Float(v) => at(self.pos, visitor.visit_f64(v)),
                    _ => Err(invalid_type(self, &visitor)),
                },
                _ => Err(invalid_type(self, &visitor)),
            }
        }
    };
}

impl<'de> de::Deserializer<'de> for &'de Node {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let result = match &self.value {
            Value::Scalar { text, plain: false } => visitor.visit_str(text),
            Value::Scalar { text, plain: true } => match resolve_plain(text) {
                Plain::Null => visitor.visit_unit(),
                Plain::Bool(v) => visitor.visit_bool(v),
                Plain::Int(v) => visitor.visit_i64(v),
                Plain::UInt(v) => visitor.visit_u64(v),
                // A literal too large for f64 (`1e1000`) stays text, so messages quote it.
                Plain::Float(v)
                    if v.is_finite() || !text.contains(|c: char| c.is_ascii_digit()) =>
                {
                    visitor.visit_f64(v)
                }
                Plain::Float(_) => visitor.visit_str(text),
                Plain::Str(s) => visitor.visit_str(s),
            },
            Value::Seq(items) => visitor.visit_seq(Seq {
                items: items.iter().enumerate(),
            }),
            Value::Map(entries) => visitor.visit_map(Map {
                entries: entries.iter(),
                value: None,
            }),
        };
        at(self.pos, result)
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match &self.value {
            Value::Scalar { text, plain: true } => match resolve_plain(text) {
                Plain::Bool(v) => at(self.pos, visitor.visit_bool(v)),
                _ => Err(invalid_type(self, &visitor)),
            },
            _ => Err(invalid_type(self, &visitor)),
        }
    }

    deserialize_number!(deserialize_i8);
    deserialize_number!(deserialize_i16);
    deserialize_number!(deserialize_i32);
    deserialize_number!(deserialize_i64);
    deserialize_number!(deserialize_u8);
    deserialize_number!(deserialize_u16);
    deserialize_number!(deserialize_u32);
    deserialize_number!(deserialize_u64);
    deserialize_number!(deserialize_f32);
    deserialize_number!(deserialize_f64);

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match &self.value {
            Value::Scalar { text, .. } => at(self.pos, visitor.visit_str(text)),
            _ => Err(invalid_type(self, &visitor)),
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        if self.is_null() {
            at(self.pos, visitor.visit_none())
        } else {
            at(self.pos, visitor.visit_some(self))
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        if self.is_null() {
            at(self.pos, visitor.visit_unit())
        } else {
            Err(invalid_type(self, &visitor))
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        // A Kubernetes quantity keeps the text the author wrote (`cpu: 1e1000`, `memory:
        // 123456789012345678901`): reading it as a float first would round or overflow it.
        if name == "Quantity"
            && let Value::Scalar { text, plain: true } = &self.value
            && matches!(
                resolve_plain(text),
                Plain::Int(_) | Plain::UInt(_) | Plain::Float(_)
            )
        {
            return at(self.pos, visitor.visit_str(text));
        }
        at(self.pos, visitor.visit_newtype_struct(self))
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match &self.value {
            Value::Seq(items) => at(
                self.pos,
                visitor.visit_seq(Seq {
                    items: items.iter().enumerate(),
                }),
            ),
            _ if self.is_null() => at(
                self.pos,
                visitor.visit_seq(Seq {
                    items: [].iter().enumerate(),
                }),
            ),
            _ => Err(invalid_type(self, &visitor)),
        }
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match &self.value {
            Value::Map(entries) => at(
                self.pos,
                visitor.visit_map(Map {
                    entries: entries.iter(),
                    value: None,
                }),
            ),
            _ if self.is_null() => at(
                self.pos,
                visitor.visit_map(Map {
                    entries: [].iter(),
                    value: None,
                }),
            ),
            _ => Err(invalid_type(self, &visitor)),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_map(visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        match &self.value {
            Value::Scalar { text, .. } => at(
                self.pos,
                visitor.visit_enum(text.as_str().into_deserializer()),
            ),
            Value::Map(entries) if entries.len() == 1 => at(
                self.pos,
                visitor.visit_enum(Enum {
                    key: &entries[0].0,
                    value: &entries[0].2,
                }),
            ),
            _ => Err(invalid_type(self, &visitor)),
        }
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_unit()
    }
}

struct Seq<'de> {
    items: std::iter::Enumerate<std::slice::Iter<'de, Node>>,
}

impl<'de> SeqAccess<'de> for Seq<'de> {
    type Error = DeError;
    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, DeError> {
        match self.items.next() {
            Some((index, node)) => seed
                .deserialize(node)
                .map(Some)
                .map_err(|e| e.under(&format!("[{index}]"))),
            None => Ok(None),
        }
    }
    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len())
    }
}

struct Map<'de> {
    entries: std::slice::Iter<'de, (String, Pos, Node)>,
    value: Option<(&'de str, &'de Node)>,
}

impl<'de> MapAccess<'de> for Map<'de> {
    type Error = DeError;
    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DeError> {
        match self.entries.next() {
            Some((key, key_pos, value)) => {
                self.value = Some((key, value));
                let key_de: de::value::BorrowedStrDeserializer<'de, DeError> =
                    de::value::BorrowedStrDeserializer::new(key);
                at(*key_pos, seed.deserialize(key_de)).map(Some)
            }
            None => Ok(None),
        }
    }
    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, DeError> {
        match self.value.take() {
            Some((key, node)) => seed.deserialize(node).map_err(|e| e.under(key)),
            None => Err(de::Error::custom("value requested before key")),
        }
    }
}

struct Enum<'de> {
    key: &'de str,
    value: &'de Node,
}

impl<'de> de::EnumAccess<'de> for Enum<'de> {
    type Error = DeError;
    type Variant = &'de Node;
    fn variant_seed<V: DeserializeSeed<'de>>(
        self,
        seed: V,
    ) -> Result<(V::Value, &'de Node), DeError> {
        let key_de: de::value::BorrowedStrDeserializer<'de, DeError> =
            de::value::BorrowedStrDeserializer::new(self.key);
        Ok((seed.deserialize(key_de)?, self.value))
    }
}

impl<'de> de::VariantAccess<'de> for &'de Node {
    type Error = DeError;
    fn unit_variant(self) -> Result<(), DeError> {
        Ok(())
    }
    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, DeError> {
        seed.deserialize(self)
    }
    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, DeError> {
        de::Deserializer::deserialize_seq(self, visitor)
    }
    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        de::Deserializer::deserialize_map(self, visitor)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::scenario::yaml::parse_stream;

    fn root(src: &str) -> Node {
        parse_stream(src).unwrap().remove(0).root.unwrap()
    }

    #[test]
    fn strings_stay_strings_numbers_when_asked() {
        let node = root("ver: 1.10\nn: 3\n");
        let labels: BTreeMap<String, String> = from_node(&node).unwrap();
        assert_eq!(labels["ver"], "1.10");
        #[derive(serde::Deserialize)]
        struct S {
            n: i32,
        }
        let node = root("n: 3\n");
        assert_eq!(from_node::<S>(&node).unwrap().n, 3);
    }

    #[test]
    fn type_errors_have_positions() {
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct S {
            a: Inner,
        }
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Inner {
            n: i32,
        }
        let node = root("a:\n  n: [1]\n");
        let err = from_node::<S>(&node).unwrap_err();
        assert_eq!(err.pos, Some(Pos { line: 2, col: 6 }));
        assert_eq!(err.path, "a.n");
        let node = root("- a:\n    n: 1\n- a:\n    n: x\n");
        let err = from_node::<Vec<S>>(&node).unwrap_err();
        assert_eq!(err.path, "[1].a.n");
        let node = root("a:\n  n: 99999999999\n");
        let err = from_node::<S>(&node).unwrap_err();
        assert!(err.message.contains("99999999999"), "{}", err.message);
        let node = root("a:\n  n: \"3\"\n");
        assert!(from_node::<S>(&node).is_err());
    }

    #[test]
    fn any_reads_yaml_types() {
        let node = root("a: 1\nb: x\nc: true\nd: 1.5\ne: ~\nf: '2'\n");
        let value: serde_json::Value = from_node(&node).unwrap();
        assert_eq!(
            value,
            serde_json::json!({"a": 1, "b": "x", "c": true, "d": 1.5, "e": null, "f": "2"})
        );
    }
}
