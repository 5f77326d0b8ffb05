//! Editing scenario inputs before they are loaded, for `compare --variant` and `sweep --param`.
//!
//! The edits work on the positioned YAML trees of [`super::yaml`], so a plain `3` stays a plain
//! scalar (an integer where the schema wants one) and `"3"` stays a string. A changed file is
//! written back as YAML text (block style, one `---` per document) under its original path, so
//! relative `file:` references and error messages still name the user's file, and the scenario's
//! SHA-256 covers the edited text.
//!
//! Documents are addressed as `scenario` (the Scenario document) or `kind/name` with the
//! lowercase kind (`deployment/web`), or `kind/namespace/name` when a name is used in several
//! namespaces (the keys of `summary.json`'s `workloads`).

use super::load::{Input, ScenarioError};
use super::yaml::{self, Node, PathSeg, Pos, Value};

/// The documents of a set of inputs, as trees that can be edited and written back.
#[derive(Debug, Clone)]
pub struct Editable {
    files: Vec<EditFile>,
}

#[derive(Debug, Clone)]
struct EditFile {
    path: String,
    text: String,
    docs: Vec<Node>,
    changed: bool,
}

/// Where a document lives: file and document index, its labels.
#[derive(Debug, Clone)]
struct Address {
    file: usize,
    doc: usize,
    /// `scenario` or `kind/name`.
    short: String,
    /// `scenario` or `kind/namespace/name`.
    long: String,
}

fn str_at<'a>(node: &'a Node, path: &[&str]) -> Option<&'a str> {
    let mut node = node;
    for key in path {
        node = node.get(key)?;
    }
    node.as_str()
}

/// A scalar node with `text`, plain (typed by YAML's rules) or quoted.
fn scalar(text: &str, plain: bool, pos: Pos) -> Node {
    Node {
        pos,
        value: Value::Scalar {
            text: text.to_string(),
            plain,
        },
    }
}

impl EditFile {
    /// The file written back, and per line the source position of what is on it.
    fn emit(&self) -> (String, Vec<Pos>) {
        let mut text = String::new();
        let mut lines = Vec::new();
        for doc in &self.docs {
            lines.push(doc.pos);
            text.push_str("---\n");
            emit_block(doc, 0, &mut text, &mut lines);
        }
        (text, lines)
    }
}

impl Editable {
    /// Parses every input (the loader has accepted them already).
    pub fn parse(inputs: &[Input]) -> Result<Self, ScenarioError> {
        let mut files = Vec::new();
        for input in inputs {
            let docs = yaml::parse_stream(&input.text).map_err(|e| ScenarioError {
                file: input.path.clone(),
                pos: Some(e.pos),
                message: format!("error converting YAML to JSON: yaml: {}", e.message),
            })?;
            files.push(EditFile {
                path: input.path.clone(),
                text: input.text.clone(),
                docs: docs.into_iter().filter_map(|d| d.root).collect(),
                changed: false,
            });
        }
        Ok(Editable { files })
    }

    fn addresses(&self) -> Vec<Address> {
        let mut out = Vec::new();
        for (file, f) in self.files.iter().enumerate() {
            for (doc, root) in f.docs.iter().enumerate() {
                let kind = str_at(root, &["kind"]).unwrap_or("");
                if kind.is_empty() || kind == "List" {
                    continue;
                }
                if kind == "Scenario" {
                    out.push(Address {
                        file,
                        doc,
                        short: "scenario".into(),
                        long: "scenario".into(),
                    });
                    continue;
                }
                let name = str_at(root, &["metadata", "name"]).unwrap_or("");
                let namespace = str_at(root, &["metadata", "namespace"]).unwrap_or("default");
                let kind = kind.to_ascii_lowercase();
                out.push(Address {
                    file,
                    doc,
                    short: format!("{kind}/{name}"),
                    long: format!("{kind}/{namespace}/{name}"),
                });
            }
        }
        out
    }

    /// Every addressable document (`scenario`, `kind/name`, …), in input order.
    pub fn targets(&self) -> Vec<String> {
        self.addresses().into_iter().map(|a| a.short).collect()
    }

    fn find(&self, target: &str) -> Result<(usize, usize), String> {
        let addresses = self.addresses();
        let matches: Vec<&Address> = addresses
            .iter()
            .filter(|a| a.short == target || a.long == target)
            .collect();
        match matches.as_slice() {
            [one] => Ok((one.file, one.doc)),
            [] => Err(format!(
                "no document {target:?} in the scenario (documents: {})",
                addresses
                    .iter()
                    .map(|a| a.short.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            several => Err(format!(
                "{target:?} names several documents; say which: {}",
                several
                    .iter()
                    .map(|a| a.long.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        }
    }

    /// Splits a full field name (`deployment/web.spec.replicas`, `scenario.spec.seed`) into its
    /// document and the path inside it. Names may hold dots, so the longest document label
    /// followed by a dot wins.
    pub fn split_field<'a>(&self, field: &'a str) -> Option<(String, &'a str)> {
        let mut labels: Vec<String> = self
            .addresses()
            .into_iter()
            .flat_map(|a| [a.short, a.long])
            .collect();
        labels.sort_by_key(|l| std::cmp::Reverse(l.len()));
        labels.into_iter().find_map(|label| {
            let rest = field.strip_prefix(label.as_str())?.strip_prefix('.')?;
            (!rest.is_empty()).then_some((label, rest))
        })
    }

    /// Merges `patch` into the document `target` (see [`merge_patch`]).
    pub fn merge(&mut self, target: &str, patch: &Node) -> Result<(), String> {
        let (file, doc) = self.find(target)?;
        let f = &mut self.files[file];
        merge_patch(&mut f.docs[doc], patch);
        f.changed = true;
        Ok(())
    }

    /// Sets the field at `path` (`spec.strategy.rollingUpdate.maxSurge`, `spec.pools[0].count`)
    /// of the document `target` to `value`. Missing mapping keys are created; a list index must
    /// exist.
    pub fn set(&mut self, target: &str, path: &str, value: &Node) -> Result<(), String> {
        let (file, doc) = self.find(target)?;
        let f = &mut self.files[file];
        let segments = yaml::split_path(path);
        if segments.is_empty() {
            return Err(format!("{target}: empty field path"));
        }
        let mut node = &mut f.docs[doc];
        let mut walked = String::new();
        for segment in segments {
            if node.is_null() {
                node.value = Value::Map(Vec::new());
            }
            let pos = node.pos;
            node = match (segment, &mut node.value) {
                (PathSeg::Key(key), Value::Map(entries)) => {
                    walked = join(&walked, key);
                    let index = match entries.iter().position(|(k, _, _)| k == key) {
                        Some(index) => index,
                        None => {
                            entries.push((key.to_string(), pos, scalar("", true, pos)));
                            entries.len() - 1
                        }
                    };
                    &mut entries[index].2
                }
                (PathSeg::Index(index), Value::Seq(items)) => {
                    let len = items.len();
                    walked = format!("{walked}[{index}]");
                    items.get_mut(index).ok_or_else(|| {
                        format!("{target}.{walked}: index out of range (the list has {len} items)")
                    })?
                }
                (segment, _) => {
                    let what = match segment {
                        PathSeg::Key(key) => format!("key {key:?}"),
                        PathSeg::Index(index) => format!("index [{index}]"),
                    };
                    let at = if walked.is_empty() {
                        target.to_string()
                    } else {
                        format!("{target}.{walked}")
                    };
                    return Err(format!(
                        "{at} is not a {}, so it has no {what}",
                        if matches!(segment, PathSeg::Key(_)) {
                            "mapping"
                        } else {
                            "list"
                        }
                    ));
                }
            };
        }
        let pos = node.pos;
        *node = value.clone();
        reposition(node, pos);
        f.changed = true;
        Ok(())
    }

    /// Every full field name whose last key is `key` (`maxSurge` →
    /// `deployment/web.spec.strategy.rollingUpdate.maxSurge`), in input order.
    pub fn fields_named(&self, key: &str) -> Vec<String> {
        let mut out = Vec::new();
        for address in self.addresses() {
            let root = &self.files[address.file].docs[address.doc];
            collect_named(root, key, &address.short, &mut out);
        }
        out
    }

    /// The inputs with every edited file written back as YAML.
    pub fn inputs(&self) -> Vec<Input> {
        self.files
            .iter()
            .map(|f| Input {
                path: f.path.clone(),
                text: if f.changed {
                    f.emit().0
                } else {
                    f.text.clone()
                },
            })
            .collect()
    }

    /// Where the line `pos.line` of the written-back `file` came from in the original file
    /// (for an edited value: the place it replaced or extended); `pos` itself for files that
    /// were not edited.
    pub fn original_pos(&self, file: &str, pos: Pos) -> Pos {
        match self.files.iter().find(|f| f.path == file && f.changed) {
            Some(f) => {
                let lines = f.emit().1;
                pos.line
                    .checked_sub(1)
                    .and_then(|i| lines.get(i))
                    .copied()
                    .unwrap_or(pos)
            }
            None => pos,
        }
    }

    /// Rewrites `file:line:col` positions of edited files in a message to the original
    /// file's ([`Self::original_pos`]).
    pub fn map_positions(&self, message: &str) -> String {
        let mut out = message.to_string();
        for f in self.files.iter().filter(|f| f.changed) {
            let prefix = format!("{}:", f.path);
            let Some(start) = out.find(&prefix) else {
                continue;
            };
            let rest = &out[start + prefix.len()..];
            let mut parts = rest.splitn(3, ':');
            let (Some(line), Some(col)) = (parts.next(), parts.next()) else {
                continue;
            };
            let (Ok(line), Ok(col)) = (line.parse(), col.parse()) else {
                continue;
            };
            let mapped = self.original_pos(&f.path, Pos { line, col });
            let old = format!("{prefix}{line}:{col}:");
            let new = format!("{prefix}{}:{}:", mapped.line, mapped.col);
            out = out.replacen(&old, &new, 1);
        }
        out
    }
}

fn join(prefix: &str, key: &str) -> String {
    let key = if key.contains(['.', '[', ']']) {
        format!("[{key}]")
    } else {
        key.to_string()
    };
    match (prefix.is_empty(), key.starts_with('[')) {
        (true, _) | (false, true) => format!("{prefix}{key}"),
        (false, false) => format!("{prefix}.{key}"),
    }
}

fn collect_named(node: &Node, key: &str, prefix: &str, out: &mut Vec<String>) {
    match &node.value {
        Value::Map(entries) => {
            for (k, _, child) in entries {
                let path = if k.contains(['.', '[', ']']) {
                    format!("{prefix}[{k}]")
                } else {
                    format!("{prefix}.{k}")
                };
                if k == key {
                    out.push(path.clone());
                }
                collect_named(child, key, &path, out);
            }
        }
        Value::Seq(items) => {
            for (i, child) in items.iter().enumerate() {
                collect_named(child, key, &format!("{prefix}[{i}]"), out);
            }
        }
        Value::Scalar { .. } => {}
    }
}

/// Merges `patch` into `target` the way the `patch` timeline action does: mappings merge key by
/// key, a `null` value deletes the key, lists whose items all have a `name` merge item by item
/// (matched by name, new names appended), anything else is replaced.
pub fn merge_patch(target: &mut Node, patch: &Node) {
    let named = |items: &[Node]| items.iter().all(|i| i.get("name").is_some());
    match (&mut target.value, &patch.value) {
        (Value::Map(entries), Value::Map(changes)) => {
            for (key, _, value) in changes {
                let existing = entries.iter().position(|(k, _, _)| k == key);
                match existing {
                    Some(index) if value.is_null() => {
                        entries.remove(index);
                    }
                    None if value.is_null() => {}
                    Some(index) => merge_patch(&mut entries[index].2, value),
                    None => {
                        let mut value = value.clone();
                        reposition(&mut value, target.pos);
                        entries.push((key.clone(), target.pos, value));
                    }
                }
            }
        }
        (Value::Seq(items), Value::Seq(changes)) if named(items) && named(changes) => {
            for change in changes {
                let name = change.get("name").map(|n| &n.value);
                match items
                    .iter_mut()
                    .find(|item| item.get("name").map(|n| &n.value) == name)
                {
                    Some(item) => merge_patch(item, change),
                    None => {
                        let mut change = change.clone();
                        reposition(&mut change, target.pos);
                        items.push(change);
                    }
                }
            }
        }
        _ => {
            let pos = target.pos;
            *target = patch.clone();
            reposition(target, pos);
        }
    }
}

/// Writes a tree back as block-style YAML. Plain scalars stay plain (so YAML types them as the
/// original did); quoted and multi-line ones are written double-quoted.
pub fn emit(node: &Node) -> String {
    let mut out = String::new();
    emit_block(node, 0, &mut out, &mut Vec::new());
    out
}

/// Writes `node` at `indent`; `lines` receives, for every line started, the source position of
/// the node written on it.
fn emit_block(node: &Node, indent: usize, out: &mut String, lines: &mut Vec<Pos>) {
    let pad = " ".repeat(indent);
    match &node.value {
        Value::Scalar { .. } => {
            lines.push(node.pos);
            out.push_str(&scalar_text(node));
            out.push('\n');
        }
        Value::Map(entries) if entries.is_empty() => {
            lines.push(node.pos);
            out.push_str("{}\n");
        }
        Value::Seq(items) if items.is_empty() => {
            lines.push(node.pos);
            out.push_str("[]\n");
        }
        Value::Map(entries) => {
            for (key, key_pos, value) in entries {
                lines.push(*key_pos);
                out.push_str(&pad);
                out.push_str(&key_text(key));
                out.push(':');
                emit_after_indicator(value, indent, out, lines);
            }
        }
        Value::Seq(items) => {
            for item in items {
                out.push_str(&pad);
                match &item.value {
                    // `- key: value` / `- - item`: the item's block, its first indent replaced.
                    Value::Map(e) if !e.is_empty() => emit_compact(item, indent, out, lines),
                    Value::Seq(i) if !i.is_empty() => emit_compact(item, indent, out, lines),
                    _ => {
                        lines.push(item.pos);
                        out.push('-');
                        emit_after_indicator(item, indent, out, lines);
                    }
                }
            }
        }
    }
}

/// Writes a non-empty collection as a list item: `- ` then its block, indented by two.
fn emit_compact(item: &Node, indent: usize, out: &mut String, lines: &mut Vec<Pos>) {
    let mut inner = String::new();
    emit_block(item, indent + 2, &mut inner, lines);
    out.push_str("- ");
    out.push_str(&inner[indent + 2..]);
}

/// Writes a value after `key:` or `-` at `indent`.
fn emit_after_indicator(node: &Node, indent: usize, out: &mut String, lines: &mut Vec<Pos>) {
    match &node.value {
        Value::Scalar { text, plain: true } if text.is_empty() => out.push('\n'),
        Value::Scalar { .. } => {
            out.push(' ');
            out.push_str(&scalar_text(node));
            out.push('\n');
        }
        Value::Map(entries) if entries.is_empty() => out.push_str(" {}\n"),
        Value::Seq(items) if items.is_empty() => out.push_str(" []\n"),
        Value::Map(_) | Value::Seq(_) => {
            out.push('\n');
            emit_block(node, indent + 2, out, lines);
        }
    }
}

/// Gives every node and key of `node` the position `pos` (an edit's new nodes are reported at
/// the place of the scenario they replace or extend).
fn reposition(node: &mut Node, pos: Pos) {
    node.pos = pos;
    match &mut node.value {
        Value::Scalar { .. } => {}
        Value::Seq(items) => items.iter_mut().for_each(|i| reposition(i, pos)),
        Value::Map(entries) => {
            for (_, key_pos, child) in entries {
                *key_pos = pos;
                reposition(child, pos);
            }
        }
    }
}

fn key_text(key: &str) -> String {
    let safe = key
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '/' | '-'));
    if safe {
        key.to_string()
    } else {
        serde_json::Value::String(key.to_string()).to_string()
    }
}

fn scalar_text(node: &Node) -> String {
    match &node.value {
        Value::Scalar { text, plain: true }
            if !text.is_empty()
                && !text.contains('\n')
                && text.trim() == text
                && !text.starts_with('#') =>
        {
            text.clone()
        }
        Value::Scalar { text, .. } => serde_json::Value::String(text.clone()).to_string(),
        _ => String::new(),
    }
}

/// A variant of a scenario (`compare --variant NAME=FILE`): one YAML document with
/// `scenario:` (merged into the Scenario document) and/or `manifests:` (a mapping from
/// `kind/name` to what is merged into that manifest).
#[derive(Debug, Clone)]
pub struct VariantPatch {
    /// The patch file's path.
    pub path: String,
    /// `(target, patch)` in file order; `scenario` first when present.
    pub patches: Vec<(String, Node, Pos)>,
}

impl VariantPatch {
    /// Reads a patch document.
    pub fn parse(input: &Input) -> Result<Self, ScenarioError> {
        let err = |pos: Pos, message: String| ScenarioError {
            file: input.path.clone(),
            pos: Some(pos),
            message,
        };
        let docs = yaml::parse_stream(&input.text).map_err(|e| {
            err(
                e.pos,
                format!("error converting YAML to JSON: yaml: {}", e.message),
            )
        })?;
        let roots: Vec<Node> = docs.into_iter().filter_map(|d| d.root).collect();
        let [root] = roots.as_slice() else {
            return Err(ScenarioError {
                file: input.path.clone(),
                pos: None,
                message: format!(
                    "a variant patch must be exactly one YAML document (found {})",
                    roots.len()
                ),
            });
        };
        let Value::Map(entries) = &root.value else {
            return Err(err(
                root.pos,
                "a variant patch must be a mapping with scenario: and/or manifests:".into(),
            ));
        };
        let mut patches = Vec::new();
        for (key, key_pos, value) in entries {
            match key.as_str() {
                "scenario" => {
                    if !matches!(value.value, Value::Map(_)) {
                        return Err(err(
                            value.pos,
                            "scenario: must be a mapping merged into the Scenario document (e.g. {spec: {duration: 5m}})".into(),
                        ));
                    }
                    patches.insert(0, ("scenario".to_string(), value.clone(), *key_pos));
                }
                "manifests" => {
                    let Value::Map(targets) = &value.value else {
                        return Err(err(
                            value.pos,
                            "manifests: must map kind/name (e.g. deployment/web) to a patch".into(),
                        ));
                    };
                    for (target, target_pos, patch) in targets {
                        if !target.contains('/') || !matches!(patch.value, Value::Map(_)) {
                            return Err(err(
                                *target_pos,
                                format!(
                                    "manifests.{target}: expected kind/name (e.g. deployment/web) mapped to a patch mapping"
                                ),
                            ));
                        }
                        patches.push((target.clone(), patch.clone(), *target_pos));
                    }
                }
                other => {
                    return Err(err(
                        *key_pos,
                        format!(
                            "unknown field {other:?} in a variant patch (expected scenario: and/or manifests:)"
                        ),
                    ));
                }
            }
        }
        Ok(VariantPatch {
            path: input.path.clone(),
            patches,
        })
    }

    /// Applies every patch to `editable`; an unknown target is an error at its line in the patch
    /// file.
    pub fn apply(&self, editable: &mut Editable) -> Result<(), ScenarioError> {
        for (target, patch, pos) in &self.patches {
            editable
                .merge(target, patch)
                .map_err(|message| ScenarioError {
                    file: self.path.clone(),
                    pos: Some(*pos),
                    message,
                })?;
        }
        Ok(())
    }
}

/// Parses one YAML scalar or flow value written on the command line (`3`, `25%`, `"3"`,
/// `{cpu: "1"}`).
pub fn parse_value(text: &str) -> Result<Node, String> {
    let docs =
        yaml::parse_stream(text).map_err(|e| format!("{text:?} is not YAML: {}", e.message))?;
    let roots: Vec<Node> = docs.into_iter().filter_map(|d| d.root).collect();
    match roots.as_slice() {
        [one] => Ok(one.clone()),
        _ => Err(format!("{text:?} is not one YAML value")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Node {
        parse_value(text).unwrap()
    }

    #[test]
    fn emit_round_trips_types_and_quotes() {
        let src = "a: 1\nb: \"1\"\nc: 25%\nlist:\n- x\n- {k: v, \"n:1\": [1, \"two\"]}\n- []\nempty:\nmulti: \"l1\\nl2\"\n";
        let node = parse(src);
        let text = emit(&node);
        let again = parse(&text);
        let strip = |n: &Node| emit(n);
        assert_eq!(strip(&again), text);
        assert_eq!(again.get("a").unwrap().value, parse("1").value);
        assert!(matches!(
            again.get("b").unwrap().value,
            Value::Scalar { plain: false, .. }
        ));
        assert_eq!(again.get("multi").and_then(Node::as_str), Some("l1\nl2"));
        assert!(again.get("empty").unwrap().is_null());
    }

    #[test]
    fn merge_patch_like_the_timeline_action() {
        let mut target = parse(
            "spec: {replicas: 3, strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 1}}, containers: [{name: a, image: x}, {name: b, image: y}]}",
        );
        merge_patch(
            &mut target,
            &parse(
                "spec: {strategy: {type: Recreate, rollingUpdate: null}, containers: [{name: b, image: z}], replicas: 5}",
            ),
        );
        assert_eq!(
            emit(&target),
            "spec:\n  replicas: 5\n  strategy:\n    type: Recreate\n  containers:\n    - name: a\n      image: x\n    - name: b\n      image: z\n"
        );
    }

    #[test]
    fn set_creates_keys_and_checks_indexes() {
        let input = Input {
            path: "s.yaml".into(),
            text: "apiVersion: timonel/v1alpha1\nkind: Scenario\nspec: {pools: [{count: 1}]}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web.v2}\nspec: {replicas: 1}\n".into(),
        };
        let mut e = Editable::parse(&[input]).unwrap();
        assert_eq!(e.targets(), ["scenario", "deployment/web.v2"]);
        let (target, path) = e
            .split_field("deployment/web.v2.spec.strategy.rollingUpdate.maxSurge")
            .unwrap();
        assert_eq!(
            (target.as_str(), path),
            ("deployment/web.v2", "spec.strategy.rollingUpdate.maxSurge")
        );
        e.set(&target, path, &parse("25%")).unwrap();
        e.set("scenario", "spec.pools[0].count", &parse("4"))
            .unwrap();
        let err = e
            .set("scenario", "spec.pools[3].count", &parse("4"))
            .unwrap_err();
        assert!(err.contains("index out of range"), "{err}");
        let err = e
            .set("deployment/web.v2", "spec.replicas.x", &parse("4"))
            .unwrap_err();
        assert!(err.contains("not a mapping"), "{err}");
        assert_eq!(e.fields_named("count"), ["scenario.spec.pools[0].count"]);
        let text = &e.inputs()[0].text;
        assert!(
            text.contains("maxSurge: 25%") && text.contains("count: 4"),
            "{text}"
        );
        // Messages about the edited text name the original lines: `count` was on line 3,
        // `maxSurge` was added under the Deployment's `spec` (line 8).
        let line_of = |needle: &str| text.lines().position(|l| l.contains(needle)).unwrap() + 1;
        assert_eq!(
            e.map_positions(&format!("s.yaml:{}:9: bad count", line_of("count: 4"))),
            "s.yaml:3:17: bad count"
        );
        assert_eq!(
            e.original_pos(
                "s.yaml",
                Pos {
                    line: line_of("maxSurge"),
                    col: 1
                }
            )
            .line,
            8
        );
        assert_eq!(e.map_positions("other.yaml:2:2: x"), "other.yaml:2:2: x");
    }
}
