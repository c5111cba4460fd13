//! Recipes: reading the YAML, `--set` overrides, sweep expansion, `${param}` substitution and
//! `use:` fragments, down to a flat list of stage declarations per sweep point.
//!
//! Nothing here knows what a kind or method means; `graph::validate` checks that next.

mod expand;
mod file;
mod positions;
mod subst;

pub use file::RecipeFile;
pub use positions::Positions;

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use indexmap::IndexMap;
use serde_json::Value;

use crate::diag::{did_you_mean, Diagnostic, Diagnostics};

/// Top-level keys a recipe may have.
pub const RECIPE_KEYS: &[&str] = &["name", "description", "seed", "params", "stages", "sweep"];
/// Keys a stage may have.
pub const STAGE_KEYS: &[&str] = &["kind", "method", "source", "needs", "with", "use", "seed"];

/// A recipe, loaded and expanded.
#[derive(Debug)]
pub struct Recipe {
    pub name: String,
    pub description: String,
    pub file: Arc<RecipeFile>,
    /// The swept parameters, in declaration order (`seed` included when swept).
    pub swept: Vec<String>,
    pub points: Vec<Point>,
}

/// One point of the sweep: a full instantiation of the recipe.
#[derive(Debug)]
pub struct Point {
    pub index: usize,
    pub seed: u64,
    /// The value of every swept parameter at this point.
    pub values: IndexMap<String, Value>,
    pub stages: Vec<StageDecl>,
}

/// A stage after fragments are expanded and parameters substituted.
#[derive(Debug, Clone)]
pub struct StageDecl {
    /// The full name: fragment stages are prefixed by the using stage's name and a dot.
    pub name: String,
    pub kind: String,
    pub method: String,
    /// Full names of the stages this one reads.
    pub needs: Vec<String>,
    pub with: pipeline_params::ParamMap,
    /// A seed pinned by the stage's own `seed:` key.
    pub seed: Option<u64>,
    pub origin: Origin,
    /// For each `with:` key whose value came from a `${param}`, that parameter.
    pub from_params: HashMap<String, String>,
}

/// Where a stage was written: the file and its path inside it, for error positions.
#[derive(Debug, Clone)]
pub struct Origin {
    pub file: Arc<RecipeFile>,
    pub path: Vec<String>,
}

impl Origin {
    /// A diagnostic about `sub` (e.g. `["with", "k"]`) of this stage.
    pub fn error(&self, sub: &[&str], stage: &str, message: impl Into<String>) -> Diagnostic {
        let mut path: Vec<&str> = self.path.iter().map(String::as_str).collect();
        path.extend_from_slice(sub);
        self.file.error_at(&path, message).stage(stage)
    }
    /// Like [`Origin::error`] but pointing at the key (for unknown keys).
    pub fn error_at_key(&self, sub: &[&str], stage: &str, message: impl Into<String>) -> Diagnostic {
        let mut path: Vec<&str> = self.path.iter().map(String::as_str).collect();
        path.extend_from_slice(sub);
        self.file.error_at_key(&path, message).stage(stage)
    }
}

/// A `--set name=value` override; the value is read as YAML (so `20` is a number).
#[derive(Debug, Clone)]
pub struct Override {
    pub name: String,
    pub value: Value,
}

impl Override {
    pub fn parse(s: &str) -> Result<Override, Diagnostic> {
        let (name, raw) = s
            .split_once('=')
            .ok_or_else(|| Diagnostic::new("--set", format!("`{s}` is not of the form name=value")))?;
        let value: Value = serde_yaml::from_str(raw).unwrap_or_else(|_| Value::String(raw.to_string()));
        Ok(Override { name: name.trim().to_string(), value })
    }
}

/// Reads, expands and substitutes a recipe.
pub fn load(path: &Path, overrides: &[Override]) -> Result<Recipe, Diagnostics> {
    let file = Arc::new(RecipeFile::read(path)?);
    load_file(file, overrides)
}

pub fn load_file(file: Arc<RecipeFile>, overrides: &[Override]) -> Result<Recipe, Diagnostics> {
    let top = file.root.as_object().expect("RecipeFile checks the root is a mapping");
    let mut diags = Vec::new();
    check_keys(&file, &[], top, RECIPE_KEYS, "recipe", &mut diags);

    let name = match top.get("name") {
        Some(Value::String(s)) if !s.trim().is_empty() && !s.contains(['/', '\\']) => s.clone(),
        Some(_) => {
            diags.push(file.error_at(&["name"], "`name` must be a non-empty string without slashes (it names the results folder)"));
            String::new()
        }
        None => {
            diags.push(file.error_at(&[], "the recipe has no `name`").help("add `name: my-experiment` (it names the results folder)"));
            String::new()
        }
    };
    let description = top.get("description").and_then(Value::as_str).unwrap_or_default().to_string();
    let mut seed = match top.get("seed") {
        None => 0,
        Some(v) => v.as_u64().unwrap_or_else(|| {
            diags.push(file.error_at(&["seed"], "`seed` must be a non-negative integer"));
            0
        }),
    };

    let mut params: IndexMap<String, Option<Value>> = IndexMap::new();
    match top.get("params") {
        None => {}
        Some(Value::Object(map)) => {
            for (k, v) in map {
                params.insert(k.clone(), if v.is_null() { None } else { Some(v.clone()) });
            }
        }
        Some(_) => diags.push(file.error_at(&["params"], "`params` must be a mapping from name to value")),
    }

    let mut sweep: IndexMap<String, Vec<Value>> = IndexMap::new();
    match top.get("sweep") {
        None => {}
        Some(Value::Object(map)) => {
            for (k, v) in map {
                match v {
                    Value::Array(items) if !items.is_empty() => {
                        if k != "seed" && !params.contains_key(k) {
                            let known: Vec<&str> = params.keys().map(String::as_str).chain(["seed"]).collect();
                            let mut d = file.error_at_key(&["sweep", k], format!("sweep over `{k}`, which is not a parameter"));
                            d.help = Some(did_you_mean(k, known).unwrap_or_else(|| "declare it under `params:` or sweep over `seed`".into()));
                            diags.push(d);
                        } else if k == "seed" && items.iter().any(|s| s.as_u64().is_none()) {
                            diags.push(file.error_at(&["sweep", k], "seeds must be non-negative integers"));
                        } else {
                            sweep.insert(k.clone(), items.clone());
                        }
                    }
                    _ => diags.push(file.error_at(&["sweep", k], format!("sweep `{k}` must be a non-empty list of values"))),
                }
            }
        }
        Some(_) => diags.push(file.error_at(&["sweep"], "`sweep` must be a mapping from parameter to a list of values")),
    }

    for o in overrides {
        if o.name == "seed" {
            match o.value.as_u64() {
                Some(s) => seed = s,
                None => diags.push(Diagnostic::new("--set", "seed must be a non-negative integer")),
            }
        } else if let Some(slot) = params.get_mut(&o.name) {
            *slot = Some(o.value.clone());
        } else {
            let mut d = Diagnostic::new("--set", format!("`{}` is not a parameter of recipe {}", o.name, file.path.display()));
            d.help = did_you_mean(&o.name, params.keys().map(String::as_str));
            diags.push(d);
            continue;
        }
        // A value given on the command line replaces the sweep over it.
        sweep.shift_remove(&o.name);
    }

    if !top.contains_key("stages") {
        diags.push(file.error_at(&[], "the recipe has no `stages`"));
    }
    if !diags.is_empty() {
        return Err(Diagnostics(diags));
    }

    let swept: Vec<String> = sweep.keys().cloned().collect();
    let mut points = Vec::new();
    for (index, values) in cartesian(&sweep).into_iter().enumerate() {
        let point_seed = values.get("seed").and_then(Value::as_u64).unwrap_or(seed);
        let mut scope = params.clone();
        for (k, v) in &values {
            if k != "seed" {
                scope.insert(k.clone(), Some(v.clone()));
            }
        }
        scope.insert("seed".into(), Some(Value::from(point_seed)));
        let stages = expand::expand(&file, &scope).map_err(Diagnostics)?;
        points.push(Point { index, seed: point_seed, values, stages });
    }
    Ok(Recipe { name, description, file, swept, points })
}

/// Every combination of the swept values, in declaration order (one empty point without a sweep).
fn cartesian(sweep: &IndexMap<String, Vec<Value>>) -> Vec<IndexMap<String, Value>> {
    let mut points = vec![IndexMap::new()];
    for (name, values) in sweep {
        points = points
            .into_iter()
            .flat_map(|p| {
                values.iter().map(move |v| {
                    let mut q = p.clone();
                    q.insert(name.clone(), v.clone());
                    q
                })
            })
            .collect();
    }
    points
}

/// Reports keys of `map` that are not in `allowed`.
fn check_keys(
    file: &RecipeFile,
    path: &[&str],
    map: &serde_json::Map<String, Value>,
    allowed: &[&str],
    what: &str,
    diags: &mut Vec<Diagnostic>,
) {
    for key in map.keys() {
        if !allowed.contains(&key.as_str()) {
            let mut p = path.to_vec();
            p.push(key);
            let mut d = file.error_at_key(&p, format!("unknown key `{key}` in a {what}"));
            d.help = Some(did_you_mean(key, allowed.iter().copied()).unwrap_or_else(|| format!("a {what} takes: {}", allowed.join(", "))));
            diags.push(d);
        }
    }
}

#[cfg(test)]
mod tests;
