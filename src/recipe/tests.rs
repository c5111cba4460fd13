//! Recipe loading: sweeps, overrides, substitution, fragments, and where errors point.

use std::path::Path;

use super::*;

fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let p = dir.join(name);
    if let Some(parent) = p.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(&p, text).unwrap();
    p
}

fn set(s: &str) -> Override {
    Override::parse(s).unwrap()
}

const BASIC: &str = "\
name: demo
seed: 7
params: {k: 10, n: 100}
stages:
  data:
    kind: ingest
    source: synth-digits
    with: {train: \"${n}\", tag: \"run-${k}\"}
sweep:
  seed: [0, 1]
  k: [10, 50, 200]
";

#[test]
fn sweep_is_the_cartesian_product_in_declaration_order() {
    let dir = tempfile::tempdir().unwrap();
    let r = load(&write(dir.path(), "r.yaml", BASIC), &[]).unwrap();
    assert_eq!(r.swept, vec!["seed", "k"]);
    assert_eq!(r.points.len(), 6);
    let seen: Vec<(u64, String)> = r.points.iter().map(|p| (p.seed, p.values["k"].to_string())).collect();
    assert_eq!(seen[0], (0, "10".into()));
    assert_eq!(seen[1], (0, "50".into()));
    assert_eq!(seen[3], (1, "10".into()));
    // `${n}` keeps its type; inline references splice text.
    let with = &r.points[4].stages[0].with;
    assert_eq!(with["train"], serde_json::json!(100));
    assert_eq!(with["tag"], serde_json::json!("run-50"));
}

#[test]
fn set_overrides_a_parameter_and_replaces_its_sweep() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "r.yaml", BASIC);
    let r = load(&p, &[set("k=20"), set("n=5")]).unwrap();
    assert_eq!(r.swept, vec!["seed"]);
    assert_eq!(r.points.len(), 2);
    assert_eq!(r.points[0].stages[0].with["tag"], serde_json::json!("run-20"));
    assert_eq!(r.points[0].stages[0].with["train"], serde_json::json!(5));
    let r = load(&p, &[set("seed=3")]).unwrap();
    assert_eq!(r.points.iter().map(|p| p.seed).collect::<Vec<_>>(), vec![3, 3, 3]);
    let e = load(&p, &[set("kk=1")]).unwrap_err().to_string();
    assert!(e.contains("`kk` is not a parameter") && e.contains("did you mean `k`"), "{e}");
}

#[test]
fn fragments_are_prefixed_and_take_arguments() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "pipelines/judge.yaml",
        "name: judge\nparams: {data: null, width: 3}\nstages:\n  gen:\n    kind: ingest\n    source: synth-digits\n    with: {size: \"${width}\"}\n  score:\n    kind: evaluate\n    method: nmi\n    needs: [gen, \"${data}\"]\n",
    );
    let recipe = write(
        dir.path(),
        "recipes/r.yaml",
        "name: r\nstages:\n  data: {kind: ingest, source: synth-digits}\n  a:\n    use: pipelines/judge.yaml\n    with: {data: data, width: 28}\n  report:\n    kind: evaluate\n    method: nmi\n    needs: [a]\n",
    );
    let r = load(&recipe, &[]).unwrap();
    let stages = &r.points[0].stages;
    let names: Vec<&str> = stages.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, vec!["data", "a.gen", "a.score", "report"]);
    assert_eq!(stages[1].with["size"], serde_json::json!(28));
    // Inside the fragment `gen` is its own stage; `${data}` reaches the recipe's `data`.
    assert_eq!(stages[2].needs, vec!["a.gen", "data"]);
    // Needing a fragment instance means needing its sinks.
    assert_eq!(stages[3].needs, vec!["a.score"]);
}

#[test]
fn fragment_errors_name_the_problem() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "pipelines/f.yaml", "name: f\nparams: {data: null}\nstages:\n  s: {kind: evaluate, method: nmi, needs: [\"${data}\"]}\n");
    let r = write(dir.path(), "r.yaml", "name: r\nstages:\n  a:\n    use: pipelines/f.yaml\n    with: {dta: x}\n");
    let e = load(&r, &[]).unwrap_err().to_string();
    assert!(e.contains("has no parameter `dta`") && e.contains("did you mean `data`"), "{e}");
    assert!(e.contains("r.yaml:5:"), "{e}");
    let r = write(dir.path(), "r2.yaml", "name: r\nstages:\n  a:\n    use: pipelines/f.yaml\n");
    let e = load(&r, &[]).unwrap_err().to_string();
    assert!(e.contains("parameter `${data}` is not set") && e.contains("stage `a.s`"), "{e}");
    let r = write(dir.path(), "r3.yaml", "name: r\nstages:\n  a:\n    use: pipelines/missing.yaml\n");
    let e = load(&r, &[]).unwrap_err().to_string();
    assert!(e.contains("fragment `pipelines/missing.yaml` not found") && e.contains("r3.yaml:4:10"), "{e}");
}

#[test]
fn unknown_keys_and_parameters_point_at_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let r = write(dir.path(), "r.yaml", "name: r\nstages:\n  data:\n    kind: ingest\n    sorce: synth-digits\n");
    let e = load(&r, &[]).unwrap_err().to_string();
    assert!(e.contains("r.yaml:5:5: stage `data`: unknown key `sorce`") && e.contains("did you mean `source`"), "{e}");
    let r = write(dir.path(), "r2.yaml", "name: r\nstages:\n  data:\n    kind: ingest\n    source: synth-digits\n    with: {train: \"${trian}\"}\n");
    let e = load(&r, &[]).unwrap_err().to_string();
    assert!(e.contains("r2.yaml:6:19: stage `data`: unknown parameter `${trian}`"), "{e}");
    let r = write(dir.path(), "r3.yaml", "name: r\nstages: [1, 2\n");
    let e = load(&r, &[]).unwrap_err().to_string();
    assert!(e.contains("not valid YAML") && e.contains("r3.yaml:"), "{e}");
}
