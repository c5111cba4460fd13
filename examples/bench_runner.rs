//! Runner overheads, printed as figures (not asserted): validating and planning a generated
//! 1,000-stage layered recipe, its `--dry-run`, and a re-run of a recipe whose stages all hit the
//! cache. (The layered recipe validates but is not meant to run: moving-digits cannot read videos.) Run: `cargo run --release --example bench_runner`.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

/// 10 layers of 100 stages: synth-digits at the bottom, then moving-digits stages each reading
/// one stage of the layer below (a different one per layer, so the layers interleave).
fn layered_recipe(layers: usize, width: usize) -> String {
    let mut s = String::from("name: layered\nstages:\n");
    for i in 0..width {
        s.push_str(&format!("  l0-{i}: {{kind: ingest, source: synth-digits, with: {{train: {}, test: 10}}}}\n", 10 + i));
    }
    for l in 1..layers {
        for i in 0..width {
            let below = (i + l) % width;
            s.push_str(&format!(
                "  l{l}-{i}: {{kind: ingest, source: moving-digits, needs: [l{}-{below}], with: {{train: 2, test: 1, frames: {}}}}}\n",
                l - 1,
                2 + l
            ));
        }
    }
    s
}

fn time<T>(label: &str, runs: usize, mut f: impl FnMut() -> T) -> T {
    let mut best = f64::INFINITY;
    let mut out = None;
    for _ in 0..runs {
        let t = Instant::now();
        out = Some(f());
        best = best.min(t.elapsed().as_secs_f64());
    }
    println!("{label:<58} {:>9.1} ms (best of {runs})", best * 1e3);
    out.expect("ran at least once")
}

fn pipeline(dir: &Path, args: &[&str]) -> std::process::Output {
    let bin = env!("CARGO_MANIFEST_DIR").to_string() + "/target/release/pipeline";
    let out = Command::new(&bin).args(args).current_dir(dir).output().unwrap_or_else(|e| panic!("{bin}: {e} (build it first: cargo build --release)"));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    out
}

fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let recipe = dir.path().join("layered.yaml");
    std::fs::write(&recipe, layered_recipe(10, 100)).expect("write recipe");

    let plan = time("validate + plan 1,000 stages (in process)", 5, || {
        let r = pipeline::recipe::load(&recipe, &[]).expect("loads");
        pipeline::graph::plan(&r).expect("plans")
    });
    assert_eq!(plan.nodes.len(), 1000);
    time("pipeline run --dry-run, 1,000 stages (whole process)", 5, || pipeline(dir.path(), &["run", "--dry-run", "layered.yaml"]));
    time("pipeline validate, 1,000 stages (whole process)", 5, || pipeline(dir.path(), &["validate", "layered.yaml"]));

    let small = dir.path().join("small.yaml");
    std::fs::write(
        &small,
        "name: small\nstages:\n  data: {kind: ingest, source: synth-digits, with: {train: 300, test: 100}}\n  enc: {kind: pretrain, method: random, needs: [data]}\n  probe: {kind: finetune, method: linear, needs: [enc, data], with: {epochs: 2}}\n  acc: {kind: evaluate, method: accuracy, needs: [probe, data]}\n  near: {kind: evaluate, method: knn, needs: [enc, data]}\n  clusters: {kind: cluster, method: kmeans, needs: [data]}\n  pixels: {kind: evaluate, method: cluster-acc, needs: [clusters]}\n",
    )
    .expect("write recipe");
    pipeline(dir.path(), &["run", "-q", "small.yaml"]);
    time("pipeline run, 7 stages all cached (whole process)", 5, || pipeline(dir.path(), &["run", "-q", "small.yaml"]));
}
