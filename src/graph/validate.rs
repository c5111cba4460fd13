//! Validation of one sweep point before any work: kinds and methods exist, parameters have the
//! right types and ranges, every need names a stage, inputs fit the method's slots, no cycles.

use std::collections::HashMap;

use pipeline_params::ParamMap;

use crate::diag::{did_you_mean, Diagnostic};
use crate::recipe::StageDecl;
use crate::registry::{self, AnyMethod, Kind};

/// A stage that passed validation.
pub struct ValidStage {
    pub decl: StageDecl,
    pub kind: Kind,
    pub method: &'static dyn AnyMethod,
    /// Every parameter, defaults filled in.
    pub params: ParamMap,
    /// Slot name and the stage indices that fill it, in slot order.
    pub inputs: Vec<(&'static str, Vec<usize>)>,
    pub deps: Vec<usize>,
}

pub fn validate(stages: &[StageDecl]) -> Result<Vec<ValidStage>, Vec<Diagnostic>> {
    let mut diags = Vec::new();
    let index: HashMap<&str, usize> = stages.iter().enumerate().map(|(i, s)| (s.name.as_str(), i)).collect();

    // Kinds, methods and parameters.
    let mut methods: Vec<Option<(Kind, &'static dyn AnyMethod, ParamMap)>> = Vec::with_capacity(stages.len());
    for s in stages {
        methods.push(check_method(s, &mut diags));
    }

    // Needs name stages.
    let mut deps: Vec<Vec<usize>> = vec![Vec::new(); stages.len()];
    for (i, s) in stages.iter().enumerate() {
        for (j, need) in s.needs.iter().enumerate() {
            match index.get(need.as_str()) {
                Some(&d) => deps[i].push(d),
                None => {
                    let local = need.rsplit('.').next().unwrap_or(need);
                    let help = did_you_mean(need, index.keys().copied())
                        .or_else(|| did_you_mean(local, index.keys().copied()))
                        .unwrap_or_else(|| format!("stages: {}", names_list(stages)));
                    diags.push(s.origin.error(&["needs", &j.to_string()], &s.name, format!("needs `{need}`, but there is no such stage")).help(help));
                }
            }
        }
    }

    if let Some(cycle) = super::find_cycle(&deps) {
        let shown: Vec<&str> = cycle.iter().map(|&i| stages[i].name.as_str()).collect();
        let first = &stages[cycle[0]];
        diags.push(first.origin.error(&["needs"], &first.name, format!("the stages form a cycle: {}", shown.join(" -> "))).help("remove one of these needs"));
        return Err(diags);
    }

    // Edges: what each need produces must fit one of the method's input slots.
    let mut valid = Vec::with_capacity(stages.len());
    for (i, s) in stages.iter().enumerate() {
        let Some((kind, method, params)) = methods[i].clone() else { continue };
        let produced: Vec<Option<crate::registry::ArtifactType>> =
            deps[i].iter().map(|&d| methods[d].as_ref().map(|m| m.1.info().output)).collect();
        if produced.iter().any(Option::is_none) {
            continue; // an invalid upstream stage was already reported
        }
        match fit_slots(method, &deps[i], &produced.into_iter().flatten().collect::<Vec<_>>(), stages) {
            Ok(inputs) => valid.push(ValidStage { decl: s.clone(), kind, method, params, inputs, deps: deps[i].clone() }),
            Err(message) => {
                let info = method.info();
                let takes: Vec<String> = info.inputs.iter().map(|s| s.describe()).collect();
                diags.push(
                    s.origin
                        .error(&["needs"], &s.name, format!("{} stage `{}` ({}): {message}", kind, s.name, info.name))
                        .help(if takes.is_empty() { "it reads no inputs: remove its `needs`".to_string() } else { format!("it takes: {}", takes.join("; ")) }),
                );
            }
        }
    }
    if diags.is_empty() {
        Ok(valid)
    } else {
        Err(diags)
    }
}

fn names_list(stages: &[StageDecl]) -> String {
    let names: Vec<&str> = stages.iter().map(|s| s.name.as_str()).take(12).collect();
    names.join(", ")
}

fn check_method(s: &StageDecl, diags: &mut Vec<Diagnostic>) -> Option<(Kind, &'static dyn AnyMethod, ParamMap)> {
    if s.kind.is_empty() || s.method.is_empty() {
        return None; // reported while expanding
    }
    let Some(kind) = Kind::parse(&s.kind) else {
        let names: Vec<&str> = Kind::ALL.iter().map(|k| k.name()).collect();
        diags.push(
            s.origin
                .error(&["kind"], &s.name, format!("unknown kind `{}`", s.kind))
                .help(did_you_mean(&s.kind, names.iter().copied()).unwrap_or_else(|| format!("kinds: {}", names.join(", ")))),
        );
        return None;
    };
    let key = if s.origin.file.root.pointer(&format!("/{}/source", s.origin.path.join("/"))).is_some() { "source" } else { "method" };
    let Some(method) = registry::find(kind, &s.method) else {
        let names: Vec<&str> = registry::methods_of(kind).map(|m| m.info().name).collect();
        let mut help = did_you_mean(&s.method, names.iter().copied()).unwrap_or_else(|| format!("{kind} methods: {}", names.join(", ")));
        if let Some(other) = registry::all().iter().find(|m| m.info().name == s.method) {
            help = format!("`{}` is a {} method, not a {kind} one", s.method, other.info().kind);
        }
        diags.push(s.origin.error(&[key], &s.name, format!("unknown {kind} {key} `{}`", s.method)).help(help));
        return None;
    };
    match method.resolve(&s.with) {
        Ok(params) => Some((kind, method, params)),
        Err(e) => {
            let param = e.param().to_string();
            let mut d = if matches!(e, pipeline_params::ParamError::Unknown { .. }) {
                s.origin.error_at_key(&["with", &param], &s.name, e.to_string())
            } else {
                s.origin.error(&["with", &param], &s.name, e.to_string())
            };
            if let Some(p) = s.from_params.get(&param) {
                d.help = Some(format!("the value comes from `${{{p}}}`"));
            } else if matches!(e, pipeline_params::ParamError::Unknown { .. }) {
                d.help = Some(format!("see `pipeline list {}` for its parameters", method.info().name));
            }
            diags.push(d);
            None
        }
    }
}

/// Matches needs to slots by the type they produce, in slot order.
fn fit_slots(
    method: &dyn AnyMethod,
    deps: &[usize],
    produced: &[crate::registry::ArtifactType],
    stages: &[StageDecl],
) -> Result<Vec<(&'static str, Vec<usize>)>, String> {
    let slots = method.info().inputs;
    let mut filled: Vec<Vec<usize>> = vec![Vec::new(); slots.len()];
    for (&d, ty) in deps.iter().zip(produced) {
        let open = slots.iter().enumerate().find(|(j, s)| s.accepts.contains(ty) && (s.many || filled[*j].is_empty()));
        match open {
            Some((j, _)) => filled[j].push(d),
            None => {
                let slot = slots.iter().position(|s| s.accepts.contains(ty));
                return Err(match slot {
                    Some(j) => format!(
                        "it takes one {ty} (`{}`), but its needs give several: {}, {}",
                        slots[j].name, stages[filled[j][0]].name, stages[d].name
                    ),
                    None => format!("it cannot read `{}` (which makes a {ty})", stages[d].name),
                });
            }
        }
    }
    for (j, s) in slots.iter().enumerate() {
        if filled[j].is_empty() && !s.optional {
            let given: Vec<String> = deps.iter().zip(produced).map(|(&d, t)| format!("{} ({t})", stages[d].name)).collect();
            let wanted: Vec<&str> = s.accepts.iter().map(|t| t.name()).collect();
            return Err(format!(
                "it needs a {} for its input `{}`, but its needs give {}",
                wanted.join(" or "),
                s.name,
                if given.is_empty() { "nothing".to_string() } else { format!("only {}", given.join(", ")) }
            ));
        }
    }
    Ok(slots.iter().zip(filled).map(|(s, f)| (s.name, f)).collect())
}
