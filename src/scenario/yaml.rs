//! A YAML document tree with source positions, built from the event parser.
//!
//! The loader reads every input twice: this tree finds document boundaries, the `apiVersion` and
//! `kind` of each document, the position of any field path (for validation messages) and the keys
//! the author wrote (for unknown-field warnings); serde then reads each document straight into its
//! typed struct. Aliases are expanded with a node budget, so an alias bomb is an error, not an
//! out-of-memory.

use serde_saphyr::granit_parser::{Event, Parser, ScalarStyle};

/// Largest number of nodes (after alias expansion) one input may hold.
pub const MAX_NODES: usize = 2_000_000;
/// Largest number of documents one input may hold.
pub const MAX_DOCUMENTS: usize = 20_000;
/// Deepest nesting accepted.
pub const MAX_DEPTH: usize = 200;

/// A 1-based line and column in a source text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, PartialOrd, Ord)]
pub struct Pos {
    /// Line, from 1.
    pub line: usize,
    /// Column, from 1.
    pub col: usize,
}

/// One YAML node with its position.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// Where the node starts.
    pub pos: Pos,
    /// The node's content.
    pub value: Value,
}

/// Node content.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A scalar: its text and whether it was written plain (unquoted).
    Scalar {
        /// The scalar's text after escape processing.
        text: String,
        /// True for plain (unquoted, non-block) scalars, whose type YAML infers.
        plain: bool,
    },
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping, in source order, each key with its position.
    Map(Vec<(String, Pos, Node)>),
}

impl Node {
    /// The value at `key` of a mapping node.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Map(entries) => entries.iter().find(|(k, _, _)| k == key).map(|(_, _, n)| n),
            _ => None,
        }
    }

    /// The text of a scalar node.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar { text, .. } => Some(text),
            _ => None,
        }
    }

    /// True for an explicit null (`~`, `null`, empty plain scalar).
    pub fn is_null(&self) -> bool {
        matches!(&self.value, Value::Scalar { text, plain: true } if matches!(text.as_str(), "" | "~" | "null" | "Null" | "NULL"))
    }

    /// The position of the node at a dotted path (`spec.template.spec.containers[0].image`);
    /// the deepest existing prefix when the full path does not exist. For a mapping key, the
    /// position is the key's.
    pub fn locate(&self, path: &str) -> Pos {
        let mut node = self;
        let mut pos = self.pos;
        for segment in split_path(path) {
            match (segment, &node.value) {
                (PathSeg::Key(key), Value::Map(entries)) => {
                    match entries.iter().find(|(k, _, _)| k == key) {
                        Some((_, key_pos, child)) => {
                            pos = *key_pos;
                            node = child;
                        }
                        None => break,
                    }
                }
                (PathSeg::Index(index), Value::Seq(items)) => match items.get(index) {
                    Some(child) => {
                        pos = child.pos;
                        node = child;
                    }
                    None => break,
                },
                _ => break,
            }
        }
        pos
    }
}

/// One segment of a field path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathSeg<'a> {
    /// A mapping key.
    Key(&'a str),
    /// A sequence index.
    Index(usize),
}

/// Splits `a.b[2].c` into segments.
pub fn split_path(path: &str) -> Vec<PathSeg<'_>> {
    let mut out = Vec::new();
    // Split at dots outside brackets: `requests[example.com/gpu]` is one segment.
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0usize, 0usize);
    for (i, c) in path.char_indices() {
        match c {
            '[' => depth += 1,
            ']' => depth = depth.saturating_sub(1),
            '.' if depth == 0 => {
                parts.push(&path[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&path[start..]);
    for part in parts.into_iter().filter(|p| !p.is_empty()) {
        let mut rest = part;
        if let Some(bracket) = rest.find('[') {
            if bracket > 0 {
                out.push(PathSeg::Key(&rest[..bracket]));
            }
            rest = &rest[bracket..];
            while let Some(stripped) = rest.strip_prefix('[') {
                let Some(end) = stripped.find(']') else { break };
                // `[2]` indexes a sequence; `[cpu]` is a map key, as in the apiserver's
                // `resources.requests[cpu]`.
                match stripped[..end].parse() {
                    Ok(index) => out.push(PathSeg::Index(index)),
                    Err(_) => out.push(PathSeg::Key(&stripped[..end])),
                }
                rest = &stripped[end + 1..];
            }
        } else {
            out.push(PathSeg::Key(rest));
        }
    }
    out
}

/// One document of a stream: its tree, its source slice and its first line.
#[derive(Debug, Clone)]
pub struct Document {
    /// The root node (`None` for an empty document).
    pub root: Option<Node>,
    /// Byte range of the document's text in the source, starting at the beginning of a line.
    pub byte_range: std::ops::Range<usize>,
    /// Line (from 1) at which `byte_range` starts.
    pub first_line: usize,
}

/// A YAML syntax error or a limit that was exceeded.
#[derive(Debug, Clone, PartialEq)]
pub struct YamlError {
    /// Where it happened.
    pub pos: Pos,
    /// What happened.
    pub message: String,
}

struct Builder {
    stack: Vec<Frame>,
    anchors: Vec<(usize, Node)>,
    nodes: usize,
}

enum Frame {
    Seq(Pos, usize, Vec<Node>),
    Map(Pos, usize, Vec<(String, Pos, Node)>, Option<(String, Pos)>),
}

/// Parses a whole stream into documents.
pub fn parse_stream(source: &str) -> Result<Vec<Document>, YamlError> {
    let line_starts: Vec<usize> = std::iter::once(0)
        .chain(source.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    let mut documents = Vec::new();
    let mut builder = Builder {
        stack: Vec::new(),
        anchors: Vec::new(),
        nodes: 0,
    };
    let mut doc_start_line = 1usize;
    let mut root: Option<Node> = None;
    for item in Parser::new_from_str(source) {
        let (event, span) = item.map_err(|e| YamlError {
            pos: Pos {
                line: e.marker().line(),
                col: e.marker().col() + 1,
            },
            message: e.info().to_string(),
        })?;
        let pos = Pos {
            line: span.start.line(),
            col: span.start.col() + 1,
        };
        match event {
            Event::DocumentStart(..) => {
                doc_start_line = span.start.line().max(1);
                root = None;
                builder.anchors.clear();
            }
            Event::DocumentEnd => {
                if documents.len() >= MAX_DOCUMENTS {
                    return Err(YamlError {
                        pos,
                        message: format!("more than {MAX_DOCUMENTS} documents in one input"),
                    });
                }
                let end_line = span.end.line().max(doc_start_line);
                let start = line_starts
                    .get(doc_start_line - 1)
                    .copied()
                    .unwrap_or(source.len());
                let end = line_starts
                    .get(end_line)
                    .copied()
                    .unwrap_or(source.len())
                    .max(start);
                documents.push(Document {
                    root: root.take(),
                    byte_range: start..end,
                    first_line: doc_start_line,
                });
            }
            Event::Scalar(text, style, anchor, _) => {
                let node = Node {
                    pos,
                    value: Value::Scalar {
                        text: text.into_owned(),
                        plain: style == ScalarStyle::Plain,
                    },
                };
                builder.finish_node(node, anchor, &mut root)?;
            }
            Event::SequenceStart(_, anchor, _) => {
                builder.open(Frame::Seq(pos, anchor, Vec::new()), pos)?;
            }
            Event::MappingStart(_, anchor, _) => {
                builder.open(Frame::Map(pos, anchor, Vec::new(), None), pos)?;
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let (node, anchor) = match builder.stack.pop() {
                    Some(Frame::Seq(p, a, items)) => (
                        Node {
                            pos: p,
                            value: Value::Seq(items),
                        },
                        a,
                    ),
                    Some(Frame::Map(p, a, entries, _)) => (
                        Node {
                            pos: p,
                            value: Value::Map(entries),
                        },
                        a,
                    ),
                    None => continue,
                };
                builder.finish_node(node, anchor, &mut root)?;
            }
            Event::Alias(id) => {
                let Some(target) = builder
                    .anchors
                    .iter()
                    .rev()
                    .find(|(a, _)| *a == id)
                    .map(|(_, n)| n.clone())
                else {
                    return Err(YamlError {
                        pos,
                        message: "unknown anchor".into(),
                    });
                };
                let size = count_nodes(&target);
                builder.nodes += size;
                if builder.nodes > MAX_NODES {
                    return Err(YamlError {
                        pos,
                        message: format!(
                            "alias expansion exceeds the limit of {MAX_NODES} nodes (alias bomb?)"
                        ),
                    });
                }
                builder.finish_node(target, 0, &mut root)?;
            }
            _ => {}
        }
    }
    Ok(documents)
}

fn count_nodes(node: &Node) -> usize {
    1 + match &node.value {
        Value::Scalar { .. } => 0,
        Value::Seq(items) => items.iter().map(count_nodes).sum(),
        Value::Map(entries) => entries.iter().map(|(_, _, n)| 1 + count_nodes(n)).sum(),
    }
}

impl Builder {
    fn open(&mut self, frame: Frame, pos: Pos) -> Result<(), YamlError> {
        if self.stack.len() >= MAX_DEPTH {
            return Err(YamlError {
                pos,
                message: format!("nesting deeper than {MAX_DEPTH} levels"),
            });
        }
        self.stack.push(frame);
        Ok(())
    }

    fn finish_node(
        &mut self,
        node: Node,
        anchor: usize,
        root: &mut Option<Node>,
    ) -> Result<(), YamlError> {
        self.nodes += 1;
        if self.nodes > MAX_NODES {
            return Err(YamlError {
                pos: node.pos,
                message: format!("input exceeds the limit of {MAX_NODES} YAML nodes"),
            });
        }
        if anchor != 0 {
            self.anchors.push((anchor, node.clone()));
        }
        match self.stack.last_mut() {
            None => *root = Some(node),
            Some(Frame::Seq(_, _, items)) => items.push(node),
            Some(Frame::Map(_, _, entries, pending)) => match pending.take() {
                None => {
                    let key = match &node.value {
                        Value::Scalar { text, .. } => text.clone(),
                        _ => {
                            return Err(YamlError {
                                pos: node.pos,
                                message: "mapping keys must be scalars".into(),
                            });
                        }
                    };
                    *pending = Some((key, node.pos));
                }
                Some((key, key_pos)) => {
                    if entries.iter().any(|(k, _, _)| *k == key) {
                        return Err(YamlError {
                            pos: key_pos,
                            message: format!("duplicate key {key:?}"),
                        });
                    }
                    entries.push((key, key_pos, node));
                }
            },
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_and_positions() {
        let src = "a: 1\n---\nkind: X\nspec:\n  items:\n    - name: c\n      image: \"x\"\n";
        let docs = parse_stream(src).unwrap();
        assert_eq!(docs.len(), 2);
        let second = docs[1].root.as_ref().unwrap();
        assert_eq!(second.get("kind").and_then(Node::as_str), Some("X"));
        assert_eq!(
            second.locate("spec.items[0].image"),
            Pos { line: 7, col: 7 }
        );
        assert_eq!(&src[docs[1].byte_range.clone()][..3], "---");
        let doc = parse_stream("r:\n  requests:\n    example.com/gpu: 1.5\n").unwrap();
        let root = doc[0].root.as_ref().unwrap();
        assert_eq!(
            root.locate("r.requests[example.com/gpu]"),
            Pos { line: 3, col: 5 }
        );
    }

    #[test]
    fn alias_bomb_is_an_error() {
        let mut src = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        let mut prev = 'a';
        for name in 'b'..='k' {
            src.push_str(&format!("{name}: &{name} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"));
            prev = name;
        }
        let err = parse_stream(&src).unwrap_err();
        assert!(err.message.contains("limit"), "{}", err.message);
    }

    #[test]
    fn duplicate_keys_rejected() {
        let err = parse_stream("a: 1\na: 2\n").unwrap_err();
        assert_eq!(err.pos.line, 2);
    }
}
