//! `pipeline list`: every kind and method with its parameters, from the registry's declarations.

use super::{Failure, ListFormat};
use crate::registry::{self, AnyMethod, Kind};

pub fn list(name: Option<&str>, format: ListFormat) -> Result<(), Failure> {
    let kinds: Vec<Kind> = match name {
        None => Kind::ALL.to_vec(),
        Some(n) => match Kind::parse(n) {
            Some(k) => vec![k],
            None => {
                let Some(m) = registry::all().iter().find(|m| m.info().name == n) else {
                    let names = registry::all().iter().map(|m| m.info().name).chain(Kind::ALL.iter().map(|k| k.name()));
                    let help = crate::diag::did_you_mean(n, names).unwrap_or_else(|| "run `pipeline list` to see them all".into());
                    return Err(Failure::Usage(format!("error: no kind or method named `{n}`\n    help: {help}")));
                };
                print!("{}", describe(*m, format));
                return Ok(());
            }
        },
    };
    let mut out = String::new();
    for kind in kinds {
        match format {
            ListFormat::Text => out.push_str(&format!("{kind}: {}\n", kind.doc())),
            ListFormat::Md => out.push_str(&format!("### `{kind}` — {}\n\n", kind.doc())),
        }
        for m in registry::methods_of(kind) {
            out.push_str(&describe(m, format));
        }
        out.push('\n');
    }
    print!("{out}");
    Ok(())
}

/// The reference entry of one method.
pub fn describe(m: &dyn AnyMethod, format: ListFormat) -> String {
    let info = m.info();
    let inputs: Vec<String> = info.inputs.iter().map(|s| s.describe()).collect();
    let inputs = if inputs.is_empty() { "nothing".to_string() } else { inputs.join("; ") };
    let mut out = String::new();
    match format {
        ListFormat::Text => {
            out.push_str(&format!("  {} — {}\n    reads: {inputs}; writes: {}\n", info.name, info.doc, info.output));
            for p in m.params() {
                out.push_str(&format!("    {:<16} {:<24} = {:<12} {}{}\n", p.name, p.type_name, p.default, p.doc, constraint(&p)));
            }
        }
        ListFormat::Md => {
            out.push_str(&format!("#### `{}` ({})\n\n{}\n\nReads: {inputs}. Writes: {}.\n\n", info.name, info.kind, info.doc, info.output));
            if !m.params().is_empty() {
                out.push_str("| parameter | type | default | description |\n|---|---|---|---|\n");
                for p in m.params() {
                    out.push_str(&format!("| `{}` | {} | `{}` | {}{} |\n", p.name, p.type_name, p.default, p.doc, constraint(&p)));
                }
                out.push('\n');
            }
        }
    }
    out
}

fn constraint(p: &pipeline_params::ParamSpec) -> String {
    if let Some((lo, hi)) = p.range {
        format!(" [{lo}, {hi}]")
    } else if !p.choices.is_empty() {
        format!(" ({})", p.choices.join(" | "))
    } else {
        String::new()
    }
}
