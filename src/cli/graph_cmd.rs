//! `pipeline graph`: the stage graph as DOT or Mermaid.

use super::{load_and_plan, Failure, GraphFormat, RecipeArgs};

pub fn graph(args: &RecipeArgs, format: GraphFormat) -> Result<(), Failure> {
    let (_, plan) = load_and_plan(args)?;
    let point = &plan.points[0];
    let name_of: std::collections::HashMap<usize, &str> = point.stages.iter().map(|(s, i)| (*i, s.as_str())).collect();
    let id = |s: &str| s.replace(['.', '-'], "_");
    let mut out = String::new();
    match format {
        GraphFormat::Dot => {
            out.push_str("digraph pipeline {\n  rankdir=LR;\n  node [shape=box, fontname=\"Helvetica\"];\n");
            for (stage, i) in &point.stages {
                let n = &plan.nodes[*i];
                out.push_str(&format!("  \"{stage}\" [label=\"{stage}\\n{} {}\"];\n", n.kind, n.method.info().name));
            }
            for (stage, i) in &point.stages {
                for &d in &plan.nodes[*i].deps {
                    out.push_str(&format!("  \"{}\" -> \"{stage}\";\n", name_of[&d]));
                }
            }
            out.push_str("}\n");
        }
        GraphFormat::Mermaid => {
            out.push_str("flowchart LR\n");
            for (stage, i) in &point.stages {
                let n = &plan.nodes[*i];
                out.push_str(&format!("  {}[\"{stage}<br/>{} {}\"]\n", id(stage), n.kind, n.method.info().name));
            }
            for (stage, i) in &point.stages {
                for &d in &plan.nodes[*i].deps {
                    out.push_str(&format!("  {} --> {}\n", id(name_of[&d]), id(stage)));
                }
            }
        }
    }
    print!("{out}");
    Ok(())
}
