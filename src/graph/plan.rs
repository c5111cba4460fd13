//! The plan: every sweep point validated, every stage keyed by a content hash, and the points'
//! graphs merged so that a stage shared by several points (same key) runs once.
//!
//! A key hashes the store format, the stage's kind, method and implementation version, every
//! parameter (defaults filled in), the keys of its inputs by slot, and its seed when the method
//! is seeded. Stage names are not hashed: renaming a stage, or the same stage in two recipes,
//! reuses the stored result.

use std::collections::HashMap;

use indexmap::IndexMap;
use pipeline_params::ParamMap;
use serde_json::{json, Value};

use super::validate::validate;
use crate::diag::Diagnostics;
use crate::recipe::Recipe;
use crate::registry::{AnyMethod, Kind};
use crate::seeds::derive_seed;
use crate::store::STORE_FORMAT;

/// One unit of work: a unique key.
pub struct Node {
    pub key: String,
    /// The stage name it was first planned under (and every other name that maps to it).
    pub stage: String,
    pub names: Vec<String>,
    pub kind: Kind,
    pub method: &'static dyn AnyMethod,
    pub params: ParamMap,
    /// Slot name and the nodes that fill it.
    pub inputs: Vec<(&'static str, Vec<usize>)>,
    pub deps: Vec<usize>,
    pub seed: u64,
}

pub struct PointPlan {
    pub index: usize,
    pub seed: u64,
    pub values: IndexMap<String, Value>,
    /// Stage name → node, in declaration order.
    pub stages: Vec<(String, usize)>,
}

pub struct Plan {
    pub nodes: Vec<Node>,
    pub points: Vec<PointPlan>,
}

impl Plan {
    /// Nodes reading node `i`.
    pub fn dependents(&self) -> Vec<Vec<usize>> {
        let mut out = vec![Vec::new(); self.nodes.len()];
        for (i, n) in self.nodes.iter().enumerate() {
            for &d in &n.deps {
                out[d].push(i);
            }
        }
        out
    }
}

/// Validates every point and builds the merged plan.
pub fn plan(recipe: &Recipe) -> Result<Plan, Diagnostics> {
    let mut nodes: Vec<Node> = Vec::new();
    let mut by_key: HashMap<String, usize> = HashMap::new();
    let mut points = Vec::new();
    let mut diags = Vec::new();
    for point in &recipe.points {
        let valid = match validate(&point.stages) {
            Ok(v) => v,
            Err(d) => {
                for x in d {
                    if !diags.contains(&x) {
                        diags.push(x);
                    }
                }
                continue;
            }
        };
        let order = topo_order(&valid.iter().map(|s| s.deps.clone()).collect::<Vec<_>>());
        let name_index: HashMap<&str, usize> = valid.iter().enumerate().map(|(i, s)| (s.decl.name.as_str(), i)).collect();
        let mut node_of: Vec<usize> = vec![usize::MAX; valid.len()];
        for i in order {
            let s = &valid[i];
            let info = s.method.info();
            // An unseeded method's key leaves the seed out, so it must not see one either.
            let seed = if info.seeded { s.decl.seed.unwrap_or_else(|| derive_seed(point.seed, &s.decl.name)) } else { 0 };
            let inputs: Vec<(&'static str, Vec<usize>)> =
                s.inputs.iter().map(|(slot, ds)| (*slot, ds.iter().map(|&d| node_of[d]).collect())).collect();
            let key = stage_key(s.kind, info.name, info.version, &s.params, &inputs, &nodes, info.seeded.then_some(seed));
            let idx = *by_key.entry(key.clone()).or_insert_with(|| {
                let mut deps: Vec<usize> = inputs.iter().flat_map(|(_, ds)| ds.iter().copied()).collect();
                deps.sort_unstable();
                deps.dedup();
                nodes.push(Node {
                    key,
                    stage: s.decl.name.clone(),
                    names: Vec::new(),
                    kind: s.kind,
                    method: s.method,
                    params: s.params.clone(),
                    inputs,
                    deps,
                    seed,
                });
                nodes.len() - 1
            });
            if !nodes[idx].names.contains(&s.decl.name) {
                nodes[idx].names.push(s.decl.name.clone());
            }
            node_of[i] = idx;
        }
        let stages = point.stages.iter().map(|d| (d.name.clone(), node_of[name_index[d.name.as_str()]])).collect();
        points.push(PointPlan { index: point.index, seed: point.seed, values: point.values.clone(), stages });
    }
    if diags.is_empty() {
        Ok(Plan { nodes, points })
    } else {
        Err(Diagnostics(diags))
    }
}

fn stage_key(
    kind: Kind,
    method: &str,
    version: u32,
    params: &ParamMap,
    inputs: &[(&'static str, Vec<usize>)],
    nodes: &[Node],
    seed: Option<u64>,
) -> String {
    let inputs: Vec<Value> =
        inputs.iter().map(|(slot, ds)| json!([slot, ds.iter().map(|&d| nodes[d].key.as_str()).collect::<Vec<_>>()])).collect();
    let doc = json!({
        "format": STORE_FORMAT,
        "kind": kind.name(),
        "method": method,
        "version": version,
        "params": params,
        "inputs": inputs,
        "seed": seed,
    });
    let hash = blake3::hash(doc.to_string().as_bytes());
    hash.to_hex()[..32].to_string()
}

/// Kahn's order (stable: ties in declaration order). The graph is known to be acyclic.
fn topo_order(deps: &[Vec<usize>]) -> Vec<usize> {
    let mut remaining: Vec<usize> = deps.iter().map(Vec::len).collect();
    let dependents = super::schedule::dependents(deps);
    let mut ready: std::collections::VecDeque<usize> = (0..deps.len()).filter(|&i| remaining[i] == 0).collect();
    let mut order = Vec::with_capacity(deps.len());
    while let Some(i) = ready.pop_front() {
        order.push(i);
        for &j in &dependents[i] {
            remaining[j] -= 1;
            if remaining[j] == 0 {
                ready.push_back(j);
            }
        }
    }
    order
}
