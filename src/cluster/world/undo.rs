//! `rolloutUndo` for the kinds with a revision history besides Deployments: kubectl's
//! `StatefulSetRollbacker` and `DaemonSetRollbacker` (ControllerRevisions) and
//! `kubectl argo rollouts undo` (the Rollout's ReplicaSets). The template of the chosen revision
//! replaces the object's, which then rolls out as any template change does.

use serde_json::Value;

use super::World;
use crate::cluster::events::Event;
use crate::cluster::state::{ObjKey, RsOwnerKind};
use crate::model::rollout::HASH_LABEL;
use crate::scenario::manifests::{self, Notes};
use crate::sim::engine::Ctx;

/// What kubectl's rollbacker decides.
#[derive(Debug, Clone, PartialEq)]
enum Choice {
    /// Roll back to this revision's template.
    To(i64, Value),
    /// `skipped rollback (current template already matches revision N)`.
    Skipped(i64),
}

/// A template's JSON without the hash labels the controllers add.
fn template_json(canonical: &str) -> Value {
    let mut v: Value = serde_json::from_str(canonical).unwrap_or(Value::Null);
    if let Some(labels) = v
        .pointer_mut("/metadata/labels")
        .and_then(Value::as_object_mut)
    {
        labels.remove(HASH_LABEL);
        labels.remove("pod-template-hash");
        labels.remove("controller-revision-hash");
    }
    v
}

/// kubectl's choice in `history` (revision, template): `to_revision`, or the revision before
/// the newest; errors with kubectl's messages.
fn choose(
    history: &[(i64, Value)],
    current: &Value,
    to_revision: Option<i64>,
) -> Result<Choice, String> {
    let mut sorted: Vec<&(i64, Value)> = history.iter().collect();
    sorted.sort_by_key(|(r, _)| *r);
    let found = match to_revision {
        None => {
            if sorted.len() <= 1 {
                return Err("no last revision to roll back to".into());
            }
            sorted[sorted.len() - 2]
        }
        Some(r) => sorted
            .iter()
            .find(|(n, _)| *n == r)
            .copied()
            .ok_or_else(|| format!("unable to find specified revision {r} in history"))?,
    };
    if found.1 == *current {
        return Ok(Choice::Skipped(found.0));
    }
    Ok(Choice::To(found.0, found.1.clone()))
}

impl World {
    /// `rolloutUndo` of a StatefulSet, DaemonSet or Rollout (`kind` lowercase).
    pub(super) fn rollout_undo_history(
        &mut self,
        ctx: &mut Ctx<'_, Event>,
        namespace: &str,
        kind: &str,
        name: &str,
        to_revision: Option<i64>,
    ) {
        let now = ctx.now();
        let key = ObjKey::new(namespace, name);
        let found = match kind {
            "statefulset" => self.state.statefulsets.get(&key).map(|set| {
                (
                    set.revisions
                        .iter()
                        .map(|r| (r.number, template_json(&r.template.canonical)))
                        .collect::<Vec<_>>(),
                    template_json(&set.spec.template.canonical),
                    set.source.clone(),
                )
            }),
            "daemonset" => self.state.daemonsets.get(&key).map(|ds| {
                (
                    ds.history
                        .iter()
                        .map(|(r, t)| (*r, template_json(t)))
                        .collect(),
                    template_json(&ds.spec.template.canonical),
                    ds.source.clone(),
                )
            }),
            _ => self.state.argo_rollouts.get(&key).map(|r| {
                (
                    self.state
                        .replicasets_owned(&key, RsOwnerKind::Rollout)
                        .iter()
                        .map(|rs| {
                            (
                                rs.annotation_i64(crate::controllers::rollout::REVISION)
                                    .unwrap_or(0),
                                template_json(&rs.spec.template.canonical),
                            )
                        })
                        .collect(),
                    template_json(&r.object.spec.template.canonical),
                    r.object.source.clone(),
                )
            }),
        };
        let Some((history, current, mut source)) = found else {
            self.missing(now, &format!("{kind}/{name}"), namespace);
            return;
        };
        let (revision, template) = match choose(&history, &current, to_revision) {
            Ok(Choice::To(revision, template)) => (revision, template),
            Ok(Choice::Skipped(revision)) => {
                self.notes.push(format!("Info: at {now} rollout undo of {kind}/{name}: skipped rollback (current template already matches revision {revision})"));
                return;
            }
            Err(message) => {
                self.notes.push(format!(
                    "Warning: at {now} rollout undo of {kind}/{name}: error: {message}"
                ));
                return;
            }
        };
        source["spec"]["template"] = template;
        let mut notes = Notes::default();
        let applied = match kind {
            "statefulset" => manifests::stateful_set_from_json(&source, &mut notes)
                .map(|set| self.upsert_statefulset(ctx, set)),
            "daemonset" => manifests::daemon_set_from_json(&source, &mut notes)
                .map(|ds| self.upsert_daemonset(ctx, ds)),
            _ => manifests::rollout_from_json(&source, &mut notes)
                .map(|r| self.upsert_rollout(ctx, r)),
        };
        match applied {
            Ok(()) => self.notes.push(format!(
                "Info: at {now} rollout undo of {kind}/{name}: rolled back to revision {revision}"
            )),
            Err(message) => self.notes.push(format!(
                "Warning: at {now} rollout undo of {kind}/{name} failed: {message}"
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn kubectl_rollbacker_choices() {
        let t = |image: &str| json!({"spec": {"containers": [{"name": "c", "image": image}]}});
        let history = vec![(1, t("a")), (3, t("c")), (2, t("b"))];
        let cases: [(Option<i64>, Value, Result<Choice, String>); 5] = [
            (None, t("c"), Ok(Choice::To(2, t("b")))),
            (Some(1), t("c"), Ok(Choice::To(1, t("a")))),
            (Some(3), t("c"), Ok(Choice::Skipped(3))),
            (
                Some(7),
                t("c"),
                Err("unable to find specified revision 7 in history".into()),
            ),
            (None, t("b"), Ok(Choice::Skipped(2))),
        ];
        for (to, current, want) in cases {
            assert_eq!(choose(&history, &current, to), want, "{to:?}");
        }
        assert_eq!(
            choose(&history[..1], &t("a"), None),
            Err("no last revision to roll back to".into())
        );
    }

    #[test]
    fn hash_labels_are_left_out() {
        let v = template_json(
            r#"{"metadata":{"labels":{"app":"web","rollouts-pod-template-hash":"abc","controller-revision-hash":"x"}}}"#,
        );
        assert_eq!(v, json!({"metadata": {"labels": {"app": "web"}}}));
    }
}
