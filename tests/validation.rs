//! Every class of recipe error is caught before any work, with a message that names the file,
//! the line and column, and the stage, and a non-zero exit code.

mod common;

use common::{text, Scratch};

/// Runs `pipeline validate` on `recipe` and returns its message, asserting exit code 2 and that
/// nothing was computed.
fn invalid(recipe: &str) -> String {
    let s = Scratch::new();
    s.write("pipelines/frag.yaml", "name: frag\nparams: {data: null}\nstages:\n  s: {kind: evaluate, method: nmi, needs: [\"${data}\"]}\n");
    s.write("r.yaml", recipe);
    let out = s.run(&["validate", "r.yaml"]);
    let msg = text(&out);
    assert_eq!(out.status.code(), Some(2), "{msg}");
    assert!(!msg.contains("panicked"), "{msg}");
    let run = s.run(&["run", "-q", "r.yaml"]);
    assert_eq!(run.status.code(), Some(2), "run must refuse too: {}", text(&run));
    assert!(!s.path().join(".pipeline").exists(), "nothing may run before validation passes");
    msg
}

fn has(msg: &str, parts: &[&str]) {
    for p in parts {
        assert!(msg.contains(p), "expected `{p}` in:\n{msg}");
    }
}

const DATA: &str = "name: v\nstages:\n  data:\n    kind: ingest\n    source: synth-digits\n";

#[test]
fn unknown_keys() {
    let msg = invalid(&format!("{DATA}    whith: {{train: 10}}\n"));
    has(&msg, &["r.yaml:6:5: stage `data`: unknown key `whith`", "did you mean `with`?"]);
    let msg = invalid(&format!("{DATA}sweeps: {{seed: [1]}}\n"));
    has(&msg, &["r.yaml:6:1: unknown key `sweeps` in a recipe", "did you mean `sweep`?"]);
}

#[test]
fn unknown_kind_and_method_suggest_a_fix() {
    let msg = invalid("name: v\nstages:\n  data:\n    kind: ingset\n    source: synth-digits\n");
    has(&msg, &["r.yaml:4:11: stage `data`: unknown kind `ingset`", "did you mean `ingest`?"]);
    let msg = invalid("name: v\nstages:\n  data:\n    kind: ingest\n    source: synth-digit\n");
    has(&msg, &["r.yaml:5:13: stage `data`: unknown ingest source `synth-digit`", "did you mean `synth-digits`?"]);
    let msg = invalid(&format!("{DATA}  m:\n    kind: evaluate\n    method: kmeans\n    needs: [data]\n"));
    has(&msg, &["stage `m`: unknown evaluate method `kmeans`", "`kmeans` is a cluster method"]);
}

#[test]
fn needs_naming_no_stage() {
    let msg = invalid(&format!("{DATA}  m:\n    kind: pretrain\n    method: ae\n    needs: [dta]\n"));
    has(&msg, &["r.yaml:9:13: stage `m`: needs `dta`, but there is no such stage", "did you mean `data`?"]);
}

#[test]
fn cycles_are_printed() {
    let msg = invalid(
        "name: v\nstages:\n  a: {kind: pretrain, method: ae, needs: [c]}\n  b: {kind: pretrain, method: ae, needs: [a]}\n  c: {kind: pretrain, method: ae, needs: [b]}\n",
    );
    has(&msg, &["the stages form a cycle:", "r.yaml:"]);
    let cycle = msg.lines().find(|l| l.contains("cycle")).unwrap();
    assert!(
        cycle.contains("a -> b -> c -> a") || cycle.contains("b -> c -> a -> b") || cycle.contains("c -> a -> b -> c"),
        "{cycle}"
    );
}

#[test]
fn edges_whose_types_do_not_fit() {
    let msg = invalid(&format!("{DATA}  probe:\n    kind: finetune\n    method: linear\n    needs: [data]\n"));
    has(&msg, &["r.yaml:9:12: stage `probe`: finetune stage `probe` (linear): it needs a model for its input `encoder`, but its needs give only data (dataset)"]);
    let msg = invalid(&format!("{DATA}  score:\n    kind: evaluate\n    method: nmi\n    needs: [data]\n"));
    has(&msg, &["stage `score`", "it cannot read `data` (which makes a dataset)", "it takes: assignments"]);
}

#[test]
fn parameters_of_the_wrong_type_or_out_of_range() {
    let msg = invalid(&format!("{DATA}    with: {{train: many}}\n"));
    has(&msg, &["r.yaml:6:19: stage `data`: parameter `train` must be a non-negative integer, got the string \"many\""]);
    let msg = invalid(&format!("{DATA}    with: {{train: 0}}\n"));
    has(&msg, &["r.yaml:6:19: stage `data`: parameter `train` = 0 is out of range [1, 1000000]"]);
    let msg = invalid(&format!("{DATA}    with: {{trian: 10}}\n"));
    has(&msg, &["r.yaml:6:12: stage `data`: unknown parameter `trian`", "did you mean `train`"]);
    // A value that came from a recipe parameter says so.
    let msg = invalid("name: v\nparams: {n: -3}\nstages:\n  data:\n    kind: ingest\n    source: synth-digits\n    with: {train: \"${n}\"}\n");
    has(&msg, &["r.yaml:7:19: stage `data`: parameter `train` must be a non-negative integer, got -3", "the value comes from `${n}`"]);
}

#[test]
fn unknown_or_unset_params() {
    let msg = invalid(&format!("{DATA}    with: {{train: \"${{nn}}\"}}\n"));
    has(&msg, &["r.yaml:6:19: stage `data`: unknown parameter `${nn}`"]);
    let msg = invalid("name: v\nstages:\n  f:\n    use: pipelines/frag.yaml\n");
    has(&msg, &["stage `f.s`: parameter `${data}` is not set", "frag.yaml:4:"]);
}

#[test]
fn missing_fragment_files() {
    let msg = invalid("name: v\nstages:\n  f:\n    use: pipelines/nope.yaml\n    with: {data: x}\n");
    has(&msg, &["r.yaml:4:10: stage `f`: fragment `pipelines/nope.yaml` not found"]);
}

#[test]
fn malformed_yaml_and_set_overrides() {
    let msg = invalid("name: v\nstages:\n  data: {kind: ingest\n");
    has(&msg, &["r.yaml:", "not valid YAML"]);
    let s = Scratch::new();
    s.write("r.yaml", &format!("{DATA}params: {{k: 1}}\n"));
    let out = s.run(&["validate", "r.yaml", "--set", "kk=2"]);
    assert_eq!(out.status.code(), Some(2));
    has(&text(&out), &["`kk` is not a parameter", "did you mean `k`?"]);
    let out = s.run(&["validate", "missing.yaml"]);
    assert_eq!(out.status.code(), Some(2));
    has(&text(&out), &["missing.yaml: cannot read the file"]);
}

#[test]
fn every_problem_is_reported_at_once() {
    let msg = invalid("name: v\nstages:\n  a: {kind: ingest, source: synth-digitz}\n  b: {kind: pretrain, method: aee, needs: [a]}\n");
    has(&msg, &["stage `a`: unknown ingest source", "stage `b`: unknown pretrain method `aee`", "2 errors"]);
}
