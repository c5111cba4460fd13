//! Expansion of one sweep point: `${param}` substitution, `use:` fragments instantiated with
//! their arguments, and `needs` resolved to full stage names.
//!
//! Scoping: a fragment's stage `s`, used as stage `u`, becomes `u.s`. Inside the fragment a need
//! names one of the fragment's own stages if it can, otherwise a stage of the scope that used it
//! (which is how `${data}`-style arguments reach outer stages). A need naming a `use:` stage
//! stands for that instance's sinks: its stages that nothing else inside it reads.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::{Map, Value};

use super::subst::{substitute, SubstError, Values};
use super::{check_keys, Origin, RecipeFile, StageDecl, STAGE_KEYS};
use crate::diag::{did_you_mean, Diagnostic};

const FRAGMENT_KEYS: &[&str] = &["name", "description", "params", "stages"];
const MAX_DEPTH: usize = 16;

struct Scope {
    prefix: String,
    parent: Option<usize>,
    plain: HashSet<String>,
    uses: HashMap<String, usize>,
    /// Stages declared directly in this scope and child scopes, by index.
    stages: Vec<usize>,
    children: Vec<usize>,
}

struct Pending {
    decl: StageDecl,
    needs: Vec<String>,
    scope: usize,
}

#[derive(Default)]
struct Expander {
    scopes: Vec<Scope>,
    stages: Vec<Pending>,
    diags: Vec<Diagnostic>,
    files: HashMap<PathBuf, Arc<RecipeFile>>,
    sinks: HashMap<usize, Vec<String>>,
}

/// Expands the recipe's stages for one point of the sweep.
pub fn expand(file: &Arc<RecipeFile>, values: &Values) -> Result<Vec<StageDecl>, Vec<Diagnostic>> {
    let mut ex = Expander::default();
    ex.scopes.push(Scope::new(String::new(), None));
    match file.root.get("stages") {
        Some(Value::Object(stages)) if !stages.is_empty() => ex.scope(file, stages, values, 0, 0),
        _ => ex.diags.push(file.error_at(&["stages"], "`stages` must be a non-empty mapping from stage name to stage")),
    }
    if !ex.diags.is_empty() {
        return Err(ex.diags);
    }
    let resolved: Vec<Vec<String>> = (0..ex.stages.len()).map(|i| ex.resolved_needs(i)).collect();
    Ok(ex
        .stages
        .into_iter()
        .zip(resolved)
        .map(|(p, needs)| StageDecl { needs, ..p.decl })
        .collect())
}

impl Scope {
    fn new(prefix: String, parent: Option<usize>) -> Scope {
        Scope { prefix, parent, plain: HashSet::new(), uses: HashMap::new(), stages: Vec::new(), children: Vec::new() }
    }
}

impl Expander {
    fn scope(&mut self, file: &Arc<RecipeFile>, stages: &Map<String, Value>, values: &Values, scope: usize, depth: usize) {
        for (name, node) in stages {
            let path = ["stages", name.as_str()];
            if name.is_empty() || name.contains(['.', ' ', '\t', '/']) {
                self.diags.push(
                    file.error_at_key(&path, format!("stage name `{name}` may not be empty or contain `.`, `/` or spaces"))
                        .help("`.` separates a fragment's stages from the stage that used it"),
                );
                continue;
            }
            let Some(map) = node.as_object() else {
                self.diags.push(file.error_at(&path, "a stage must be a mapping (`kind`, `method`, `needs`, `with`, or `use`)").stage(name));
                continue;
            };
            let before = self.diags.len();
            check_keys(file, &path, map, STAGE_KEYS, "stage", &mut self.diags);
            for d in &mut self.diags[before..] {
                d.stage = Some(name.clone());
            }
            if map.contains_key("use") {
                self.use_stage(file, name, map, values, scope, depth);
            } else {
                self.plain_stage(file, name, map, values, scope);
            }
        }
    }

    fn subst(&mut self, file: &RecipeFile, path: &[&str], stage: &str, v: &Value, values: &Values) -> Option<(Value, Vec<String>)> {
        match substitute(v, values) {
            Ok(r) => Some(r),
            Err(e) => {
                self.diags.push(subst_diag(file, path, stage, &e));
                None
            }
        }
    }

    fn string_field(&mut self, file: &RecipeFile, name: &str, map: &Map<String, Value>, key: &str, values: &Values) -> Option<String> {
        let v = map.get(key)?;
        let path = ["stages", name, key];
        match self.subst(file, &path, name, v, values)?.0 {
            Value::String(s) => Some(s),
            other => {
                self.diags.push(file.error_at(&path, format!("`{key}` must be a string, got {other}")).stage(name));
                None
            }
        }
    }

    fn plain_stage(&mut self, file: &Arc<RecipeFile>, name: &str, map: &Map<String, Value>, values: &Values, scope: usize) {
        let full = format!("{}{name}", self.scopes[scope].prefix);
        let origin = Origin { file: file.clone(), path: vec!["stages".into(), name.into()] };
        let kind = self.string_field(file, name, map, "kind", values);
        if kind.is_none() && !map.contains_key("kind") {
            self.diags.push(
                file.error_at(&["stages", name], "the stage has no `kind`")
                    .stage(&full)
                    .help("one of: ingest, pretext, pretrain, cluster, finetune, evaluate, report (or `use: pipelines/FILE.yaml`)"),
            );
        }
        if map.contains_key("method") && map.contains_key("source") {
            self.diags.push(file.error_at_key(&["stages", name, "source"], "a stage names its method once: `source:` (ingest) or `method:`").stage(&full));
        }
        let method = self
            .string_field(file, name, map, "source", values)
            .or_else(|| self.string_field(file, name, map, "method", values));
        if method.is_none() && !map.contains_key("method") && !map.contains_key("source") {
            let key = if kind.as_deref() == Some("ingest") { "source" } else { "method" };
            self.diags.push(file.error_at(&["stages", name], format!("the stage has no `{key}`")).stage(&full));
        }

        let mut needs = Vec::new();
        if let Some(v) = map.get("needs") {
            let path = ["stages", name, "needs"];
            match self.subst(file, &path, &full, v, values).map(|r| r.0) {
                Some(Value::String(s)) => needs.push(s),
                Some(Value::Array(items)) => {
                    for (i, item) in items.into_iter().enumerate() {
                        match item {
                            Value::String(s) => needs.push(s),
                            other => self.diags.push(
                                file.error_at(&["stages", name, "needs", &i.to_string()], format!("a need must be a stage name, got {other}")).stage(&full),
                            ),
                        }
                    }
                }
                Some(other) => self.diags.push(file.error_at(&path, format!("`needs` must be a list of stage names, got {other}")).stage(&full)),
                None => {}
            }
        }

        let mut with = pipeline_params::ParamMap::new();
        let mut from_params = HashMap::new();
        // `with: "${options}"` passes a whole mapping through a fragment parameter.
        let with_value = match map.get("with") {
            Some(v @ Value::String(_)) => self.subst(file, &["stages", name, "with"], &full, v, values).map(|r| r.0),
            other => other.cloned(),
        };
        match &with_value {
            None | Some(Value::Null) => {}
            Some(Value::Object(w)) => {
                for (k, v) in w {
                    if let Some((value, used)) = self.subst(file, &["stages", name, "with", k], &full, v, values) {
                        if let Some(p) = used.first() {
                            from_params.insert(k.clone(), p.clone());
                        }
                        with.insert(k.clone(), value);
                    }
                }
            }
            Some(_) => self.diags.push(file.error_at(&["stages", name, "with"], "`with` must be a mapping of parameters").stage(&full)),
        }

        let seed = map.get("seed").and_then(|v| {
            let path = ["stages", name, "seed"];
            let value = self.subst(file, &path, &full, v, values)?.0;
            let s = value.as_u64();
            if s.is_none() {
                self.diags.push(file.error_at(&path, format!("a stage's `seed` must be a non-negative integer, got {value}")).stage(&full));
            }
            s
        });

        let index = self.stages.len();
        self.stages.push(Pending {
            decl: StageDecl {
                name: full,
                kind: kind.unwrap_or_default(),
                method: method.unwrap_or_default(),
                needs: Vec::new(),
                with,
                seed,
                origin,
                from_params,
            },
            needs,
            scope,
        });
        self.scopes[scope].plain.insert(name.to_string());
        self.scopes[scope].stages.push(index);
    }

    fn use_stage(&mut self, file: &Arc<RecipeFile>, name: &str, map: &Map<String, Value>, values: &Values, scope: usize, depth: usize) {
        let full = format!("{}{name}", self.scopes[scope].prefix);
        for key in ["kind", "method", "source", "needs", "seed"] {
            if map.contains_key(key) {
                self.diags.push(
                    file.error_at_key(&["stages", name, key], format!("a `use:` stage takes only `use` and `with`, not `{key}`"))
                        .stage(&full)
                        .help("pass the fragment's inputs as arguments in `with:` (e.g. `with: {data: data}`)"),
                );
            }
        }
        if depth >= MAX_DEPTH {
            self.diags.push(file.error_at(&["stages", name, "use"], format!("fragments nest deeper than {MAX_DEPTH}: does one use itself?")).stage(&full));
            return;
        }
        let Some(rel) = self.string_field(file, name, map, "use", values) else { return };
        let fragment = match self.load_fragment(&file.path, &rel) {
            Ok(f) => f,
            Err(message) => {
                self.diags.push(file.error_at(&["stages", name, "use"], message).stage(&full));
                return;
            }
        };
        let top = fragment.root.as_object().expect("RecipeFile checks the root is a mapping");
        let before = self.diags.len();
        check_keys(&fragment, &[], top, FRAGMENT_KEYS, "fragment", &mut self.diags);
        for d in &mut self.diags[before..] {
            d.help = Some(format!("{} (fragments take no `sweep` or `seed`: those belong to the recipe)", d.help.take().unwrap_or_default()));
        }

        // The fragment's own parameters, filled from the `use:` stage's `with:`.
        let mut inner = Values::new();
        if let Some(Value::Object(params)) = top.get("params") {
            for (k, v) in params {
                inner.insert(k.clone(), if v.is_null() { None } else { Some(v.clone()) });
            }
        }
        if let Some(Value::Object(args)) = map.get("with") {
            for (k, v) in args {
                if !inner.contains_key(k) {
                    let known: Vec<&str> = inner.keys().map(String::as_str).collect();
                    self.diags.push(
                        file.error_at_key(&["stages", name, "with", k], format!("fragment {} has no parameter `{k}`", fragment.path.display()))
                            .stage(&full)
                            .help(did_you_mean(k, known.iter().copied()).unwrap_or_else(|| format!("its parameters: {}", known.join(", ")))),
                    );
                    continue;
                }
                if let Some((value, _)) = self.subst(file, &["stages", name, "with", k], &full, v, values) {
                    inner.insert(k.clone(), Some(value));
                }
            }
        }
        inner.insert("seed".into(), values.get("seed").cloned().flatten());

        let child = self.scopes.len();
        self.scopes.push(Scope::new(format!("{full}."), Some(scope)));
        self.scopes[scope].uses.insert(name.to_string(), child);
        self.scopes[scope].children.push(child);
        match top.get("stages") {
            Some(Value::Object(stages)) if !stages.is_empty() => self.scope(&fragment, stages, &inner, child, depth + 1),
            _ => self.diags.push(fragment.error_at(&["stages"], "a fragment needs a non-empty `stages` mapping").stage(&full)),
        }
    }

    /// Finds `rel` next to the including file or in one of its ancestor folders, then the
    /// working directory: `use: pipelines/x.yaml` works from `recipes/` and from the top.
    fn load_fragment(&mut self, including: &Path, rel: &str) -> Result<Arc<RecipeFile>, String> {
        let mut tried = Vec::new();
        let rel_path = Path::new(rel);
        let mut candidates: Vec<PathBuf> = if rel_path.is_absolute() {
            vec![rel_path.to_path_buf()]
        } else {
            including.parent().into_iter().flat_map(Path::ancestors).map(|d| d.join(rel)).collect()
        };
        candidates.push(PathBuf::from(rel));
        for candidate in candidates {
            if candidate.is_file() {
                let key = candidate.canonicalize().unwrap_or(candidate.clone());
                if let Some(f) = self.files.get(&key) {
                    return Ok(f.clone());
                }
                let f = Arc::new(RecipeFile::read(&candidate).map_err(|d| d.to_string())?);
                self.files.insert(key, f.clone());
                return Ok(f);
            }
            tried.push(candidate.display().to_string());
        }
        tried.dedup();
        Err(format!("fragment `{rel}` not found (looked for {})", tried.join(", ")))
    }

    /// Full names a need of stage `i` stands for; an unresolvable name is kept as written so
    /// that validation can report it.
    fn resolved_needs(&mut self, i: usize) -> Vec<String> {
        let (needs, scope) = (self.stages[i].needs.clone(), self.stages[i].scope);
        let mut out: Vec<String> = Vec::new();
        for n in needs {
            for full in self.resolve(scope, &n).unwrap_or_else(|| vec![n.clone()]) {
                if !out.contains(&full) {
                    out.push(full);
                }
            }
        }
        out
    }

    fn resolve(&mut self, scope: usize, name: &str) -> Option<Vec<String>> {
        let mut s = Some(scope);
        while let Some(id) = s {
            if self.scopes[id].plain.contains(name) {
                return Some(vec![format!("{}{name}", self.scopes[id].prefix)]);
            }
            if let Some(&child) = self.scopes[id].uses.get(name) {
                return Some(self.sinks(child));
            }
            s = self.scopes[id].parent;
        }
        None
    }

    /// The stages of a fragment instance that no other stage inside it reads.
    fn sinks(&mut self, scope: usize) -> Vec<String> {
        if let Some(s) = self.sinks.get(&scope) {
            return s.clone();
        }
        let members = self.members(scope);
        // Two instances that read each other form a cycle: while this one is being worked out,
        // it stands for all its stages, so that validation sees (and reports) the cycle.
        let all: Vec<String> = members.iter().map(|&i| self.stages[i].decl.name.clone()).collect();
        self.sinks.insert(scope, all);
        let names: HashSet<String> = members.iter().map(|&i| self.stages[i].decl.name.clone()).collect();
        let mut read = HashSet::new();
        for &i in &members {
            for n in self.resolved_needs(i) {
                if names.contains(&n) {
                    read.insert(n);
                }
            }
        }
        let sinks: Vec<String> =
            members.iter().map(|&i| self.stages[i].decl.name.clone()).filter(|n| !read.contains(n)).collect();
        self.sinks.insert(scope, sinks.clone());
        sinks
    }

    fn members(&self, scope: usize) -> Vec<usize> {
        let mut out = self.scopes[scope].stages.clone();
        for &c in &self.scopes[scope].children {
            out.extend(self.members(c));
        }
        out.sort_unstable();
        out
    }
}

fn subst_diag(file: &RecipeFile, path: &[&str], stage: &str, e: &SubstError) -> Diagnostic {
    file.error_at(path, e.message()).stage(stage).help(e.help())
}
