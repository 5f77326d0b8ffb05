//! The world's side of the disruption controller: after every event, each PodDisruptionBudget
//! whose pods (or itself) changed is synced as `trySync` does, and its events are recorded with
//! upstream's reasons and messages (`NoPods`, `CalculateExpectedPodCountFailed`,
//! `UnmanagedPods`). Upstream records them at every sync and the event API aggregates
//! repeats; here one event is recorded when the reported condition starts.

use std::collections::BTreeMap;

use super::World;
use crate::cluster::effects::EventType;
use crate::cluster::lister::{BudgetSync, budget_sync};
use crate::cluster::state::ObjKey;
use crate::model::selector::{LabelSelector, SelectorOp};
use crate::sim::time::SimTime;

/// What a budget's last sync reported (to record each condition once when it starts).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct BudgetReport {
    no_pods: bool,
    error: Option<String>,
    unmanaged: bool,
}

/// Go's `%v` of a `*metav1.LabelSelector` (single-value `In` requirements as `MatchLabels`).
fn go_selector(selector: Option<&LabelSelector>) -> String {
    let Some(selector) = selector else {
        return "nil".into();
    };
    let mut labels = BTreeMap::new();
    let mut expressions = String::new();
    for r in &selector.requirements {
        if r.op == SelectorOp::In && r.values.len() == 1 {
            labels.insert(r.key.as_str(), r.values[0].as_str());
            continue;
        }
        let op = match r.op {
            SelectorOp::In => "In",
            SelectorOp::NotIn => "NotIn",
            SelectorOp::Exists => "Exists",
            SelectorOp::DoesNotExist => "DoesNotExist",
            SelectorOp::Gt => "Gt",
            SelectorOp::Lt => "Lt",
        };
        expressions.push_str(&format!(
            "LabelSelectorRequirement{{Key:{},Operator:{op},Values:[{}],}},",
            r.key,
            r.values.join(" ")
        ));
    }
    let labels: String = labels.iter().map(|(k, v)| format!("{k}: {v},")).collect();
    format!(
        "&LabelSelector{{MatchLabels:map[string]string{{{labels}}},MatchExpressions:[]LabelSelectorRequirement{{{expressions}}},}}"
    )
}

impl World {
    /// Marks a budget for a sync after the current event (created or changed).
    pub(super) fn budget_changed(&mut self, key: ObjKey) {
        self.budgets_dirty.insert(key);
    }

    /// Syncs the budgets whose pods the current event touched (or that changed) and records the
    /// events their sync reports.
    pub(super) fn sync_budgets(&mut self, now: SimTime) {
        if self.state.pdbs.is_empty() {
            self.budgets_dirty.clear();
            return;
        }
        let mut keys = std::mem::take(&mut self.budgets_dirty);
        for (key, pdb) in &self.state.pdbs {
            let selects_touched = self.touched.iter().any(|id| {
                let pod = &self.state.pods[id.0];
                pod.namespace == key.namespace
                    && pdb
                        .selector
                        .as_ref()
                        .is_some_and(|s| s.matches(&pod.labels))
            });
            if selects_touched {
                keys.insert(key.clone());
            }
        }
        for key in keys {
            let Some(sync) = budget_sync(&self.state, &key, now) else {
                self.budget_reports.remove(&key);
                continue;
            };
            self.report_budget(now, &key, &sync);
        }
    }

    fn report_budget(&mut self, now: SimTime, key: &ObjKey, sync: &BudgetSync) {
        let before = self.budget_reports.get(key).cloned().unwrap_or_default();
        let report = BudgetReport {
            no_pods: sync.pods == 0,
            error: sync.error.clone(),
            unmanaged: !sync.unmanaged.is_empty(),
        };
        let object = format!("poddisruptionbudget/{}", key.name);
        if report.no_pods && !before.no_pods {
            self.record(
                now,
                &key.namespace,
                object.clone(),
                EventType::Normal,
                "NoPods",
                "No matching pods found".into(),
            );
        }
        if let Some(error) = &report.error
            && before.error.as_ref() != Some(error)
        {
            self.record(
                now,
                &key.namespace,
                object.clone(),
                EventType::Warning,
                "CalculateExpectedPodCountFailed",
                format!("Failed to calculate the number of expected pods: {error}"),
            );
        }
        if report.unmanaged && !before.unmanaged {
            let selector = go_selector(
                self.state
                    .pdbs
                    .get(key)
                    .and_then(|pdb| pdb.selector.as_ref()),
            );
            self.record(
                now,
                &key.namespace,
                object,
                EventType::Warning,
                "UnmanagedPods",
                format!("Pods selected by this PodDisruptionBudget (selector: {selector}) were found to be unmanaged. As a result, the status of the PDB cannot be calculated correctly, which may result in undefined behavior. To account for these pods please set \".spec.minAvailable\" field of the PDB to an integer value."),
            );
        }
        self.budget_reports.insert(key.clone(), report);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::selector::Requirement;

    #[test]
    fn selectors_print_as_go_does() {
        let req = |key: &str, op, values: &[&str]| Requirement {
            key: key.into(),
            op,
            values: values.iter().map(|v| v.to_string()).collect(),
        };
        let cases = [
            (None, "nil"),
            (
                Some(LabelSelector {
                    requirements: vec![req("app", SelectorOp::In, &["web"])],
                }),
                "&LabelSelector{MatchLabels:map[string]string{app: web,},MatchExpressions:[]LabelSelectorRequirement{},}",
            ),
            (
                Some(LabelSelector {
                    requirements: vec![
                        req("tier", SelectorOp::In, &["cache", "db"]),
                        req("app", SelectorOp::In, &["web"]),
                    ],
                }),
                "&LabelSelector{MatchLabels:map[string]string{app: web,},MatchExpressions:[]LabelSelectorRequirement{LabelSelectorRequirement{Key:tier,Operator:In,Values:[cache db],},},}",
            ),
        ];
        for (selector, want) in cases {
            assert_eq!(go_selector(selector.as_ref()), want);
        }
    }
}
