//! What the last run of a recipe keyed each stage as, so that a dry run can say *why* a stage
//! will run ("k: 10 → 20") and not only that it will.

use std::collections::BTreeMap;
use std::path::PathBuf;

use pipeline_params::ParamMap;
use serde::{Deserialize, Serialize};

use super::{NodeRecord, Status};
use crate::graph::Plan;
use crate::recipe::Recipe;
use crate::store::Store;

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Remembered {
    key: String,
    method: String,
    version: u32,
    params: ParamMap,
    inputs: BTreeMap<String, String>,
    seed: u64,
}

fn path(store: &Store, recipe: &str) -> PathBuf {
    store.root().join(".runs").join(format!("{recipe}.json"))
}

fn remembered(plan: &Plan, i: usize) -> Remembered {
    let n = &plan.nodes[i];
    Remembered {
        key: n.key.clone(),
        method: n.method.info().name.to_string(),
        version: n.method.info().version,
        params: n.params.clone(),
        inputs: n.deps.iter().map(|&d| (plan.nodes[d].stage.clone(), plan.nodes[d].key.clone())).collect(),
        seed: n.seed,
    }
}

/// Records the keys of the stages that finished (first sweep point's names win).
pub(super) fn remember(store: &Store, recipe: &Recipe, plan: &Plan, records: &[NodeRecord]) {
    let file = path(store, &recipe.name);
    let mut map: BTreeMap<String, Remembered> =
        std::fs::read(&file).ok().and_then(|b| serde_json::from_slice(&b).ok()).unwrap_or_default();
    for point in plan.points.iter().rev() {
        for (stage, i) in &point.stages {
            if matches!(records[*i].status, Status::Ran | Status::Cached) {
                map.insert(stage.clone(), remembered(plan, *i));
            }
        }
    }
    if let Some(parent) = file.parent() {
        let _ = std::fs::create_dir_all(parent);
    }
    // Best effort: the history only improves dry-run messages.
    if let Ok(bytes) = serde_json::to_vec(&map) {
        let tmp = file.with_extension(format!("json.{}", std::process::id()));
        if std::fs::write(&tmp, bytes).is_ok() {
            let _ = std::fs::rename(&tmp, &file);
        }
    }
}

/// One line per stage (per sweep point when there are several): run or cached, and why.
pub fn explain(store: &Store, recipe: &Recipe, plan: &Plan, forced: &[bool]) -> Vec<String> {
    let history: BTreeMap<String, Remembered> =
        std::fs::read(path(store, &recipe.name)).ok().and_then(|b| serde_json::from_slice(&b).ok()).unwrap_or_default();
    let mut will_run = vec![false; plan.nodes.len()];
    let mut lines = Vec::new();
    let mut seen = vec![false; plan.nodes.len()];
    for point in &plan.points {
        for (stage, i) in &point.stages {
            if std::mem::replace(&mut seen[*i], true) {
                continue;
            }
            let node = &plan.nodes[*i];
            let cached = store.contains(&node.key);
            let (verdict, why) = if forced[*i] {
                ("run", "forced (--force)".to_string())
            } else if cached {
                ("cached", format!("key {} is in the store", &node.key[..12]))
            } else {
                ("run", reason(plan, *i, history.get(stage), &will_run))
            };
            will_run[*i] = verdict == "run";
            let at = if plan.points.len() > 1 { format!(" [point {}]", point.index) } else { String::new() };
            lines.push(format!("{verdict:<6}  {stage}{at}: {why}"));
        }
    }
    lines
}

fn reason(plan: &Plan, i: usize, last: Option<&Remembered>, will_run: &[bool]) -> String {
    let node = &plan.nodes[i];
    let upstream: Vec<&str> = node.deps.iter().filter(|&&d| will_run[d]).map(|&d| plan.nodes[d].stage.as_str()).collect();
    let Some(last) = last else {
        return if upstream.is_empty() { "not in the store (never run)".into() } else { format!("its input {} will run", upstream.join(", ")) };
    };
    let now = remembered(plan, i);
    if now.key == last.key {
        return "its stored result is gone (cleaned?)".into();
    }
    let mut why = Vec::new();
    if now.method != last.method {
        why.push(format!("method {} → {}", last.method, now.method));
    } else if now.version != last.version {
        why.push(format!("{} implementation v{} → v{}", now.method, last.version, now.version));
    }
    for (k, v) in &now.params {
        match last.params.get(k) {
            Some(old) if old != v => why.push(format!("{k}: {old} → {v}")),
            None => why.push(format!("{k}: new parameter = {v}")),
            _ => {}
        }
    }
    if now.seed != last.seed {
        why.push("seed changed".into());
    }
    for (stage, key) in &now.inputs {
        if last.inputs.get(stage) != Some(key) {
            why.push(format!("input `{stage}` changed"));
        }
    }
    if why.is_empty() {
        why.push("its inputs changed".into());
    }
    why.join(", ")
}
