//! The runner end to end: caching, re-running exactly what changed, forcing, concurrency,
//! failure isolation and recovery after a killed run.

mod common;

use common::{ok, text, Scratch};

/// `data` feeds `movie`; `other` is independent.
const CHAIN: &str = "\
name: chain
params: {n: 300}
stages:
  data:
    kind: ingest
    source: synth-digits
    with: {train: \"${n}\", test: 50}
  movie:
    kind: ingest
    source: moving-digits
    needs: [data]
    with: {train: 20, test: 5, frames: 4}
  other:
    kind: ingest
    source: synth-digits
    with: {train: 200, test: 50}
";

fn statuses(s: &Scratch) -> Vec<(String, String)> {
    s.statuses("chain").into_iter().collect()
}

fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
    v.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
}

#[test]
fn unchanged_rerun_hits_the_cache() {
    let s = Scratch::new();
    s.write("r.yaml", CHAIN);
    ok(&s.run(&["run", "-q", "r.yaml"]));
    assert_eq!(statuses(&s), pairs(&[("data", "ran"), ("movie", "ran"), ("other", "ran")]));
    ok(&s.run(&["run", "-q", "r.yaml"]));
    assert_eq!(statuses(&s), pairs(&[("data", "cached"), ("movie", "cached"), ("other", "cached")]));
}

#[test]
fn a_changed_parameter_reruns_that_stage_and_its_descendants_only() {
    let s = Scratch::new();
    s.write("r.yaml", CHAIN);
    ok(&s.run(&["run", "-q", "r.yaml"]));
    let dry = s.run(&["run", "--dry-run", "r.yaml", "--set", "n=400"]);
    ok(&dry);
    let out = text(&dry);
    assert!(out.contains("run     data: train: 300 → 400"), "{out}");
    assert!(out.contains("run     movie: input `data` changed"), "{out}");
    assert!(out.contains("cached  other"), "{out}");
    ok(&s.run(&["run", "-q", "r.yaml", "--set", "n=400"]));
    assert_eq!(statuses(&s), pairs(&[("data", "ran"), ("movie", "ran"), ("other", "cached")]));
}

#[test]
fn force_stage_reruns_it_and_its_descendants() {
    let s = Scratch::new();
    s.write("r.yaml", CHAIN);
    ok(&s.run(&["run", "-q", "r.yaml"]));
    ok(&s.run(&["run", "-q", "r.yaml", "--force", "data"]));
    assert_eq!(statuses(&s), pairs(&[("data", "ran"), ("movie", "ran"), ("other", "cached")]));
    ok(&s.run(&["run", "-q", "--force", "r.yaml"]));
    assert_eq!(statuses(&s), pairs(&[("data", "ran"), ("movie", "ran"), ("other", "ran")]));
    let bad = s.run(&["run", "-q", "r.yaml", "--force", "dta"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(text(&bad).contains("did you mean `data`"), "{}", text(&bad));
}

#[test]
fn independent_stages_overlap_in_time() {
    let s = Scratch::new();
    s.write(
        "r.yaml",
        "name: par\nstages:\n  a: {kind: ingest, source: synth-digits, with: {train: 6000, test: 10}}\n  b: {kind: ingest, source: synth-digits, with: {train: 6000, test: 10}, seed: 5}\n",
    );
    ok(&s.run(&["run", "-q", "--jobs", "2", "r.yaml"]));
    let rows = s.csv("par", "stages.csv");
    let span = |r: &std::collections::HashMap<String, String>| (r["started_at"].parse::<f64>().unwrap(), r["finished_at"].parse::<f64>().unwrap());
    let (a, b) = (span(&rows[0]), span(&rows[1]));
    assert!(a.0 < b.1 && b.0 < a.1, "a {a:?} and b {b:?} did not overlap");
    // With one job they run one after the other.
    ok(&s.run(&["run", "-q", "--jobs", "1", "--force", "r.yaml"]));
    let rows = s.csv("par", "stages.csv");
    let (a, b) = (span(&rows[0]), span(&rows[1]));
    assert!(a.1 <= b.0 || b.1 <= a.0, "a {a:?} and b {b:?} overlapped with --jobs 1");
}

#[test]
fn a_failing_stage_skips_its_descendants_and_spares_independent_branches() {
    let s = Scratch::new();
    std::fs::create_dir_all(s.path().join("mnist")).unwrap();
    s.write("mnist/train-images-idx3-ubyte", "this is not an IDX file");
    s.write(
        "r.yaml",
        "name: fail\nstages:\n  bad: {kind: ingest, source: mnist, with: {path: mnist}}\n  movie: {kind: ingest, source: moving-digits, needs: [bad], with: {train: 4, test: 2, frames: 3}}\n  good: {kind: ingest, source: synth-digits, with: {train: 100, test: 10}}\n",
    );
    let out = s.run(&["run", "-q", "r.yaml"]);
    assert_eq!(out.status.code(), Some(1));
    let msg = text(&out);
    assert!(msg.contains("stage `bad` (ingest mnist)") && msg.contains("skipped: stage `movie`"), "{msg}");
    let st = s.statuses("fail");
    assert_eq!((st["bad"].as_str(), st["movie"].as_str(), st["good"].as_str()), ("failed", "skipped", "ran"));
    // Nothing of the failed stage is in the store.
    let entries = std::fs::read_dir(s.path().join(".pipeline/store")).unwrap().filter_map(Result::ok);
    let keys: Vec<String> = entries.map(|e| e.file_name().to_string_lossy().into_owned()).filter(|n| !n.starts_with('.')).collect();
    assert_eq!(keys.len(), 1, "{keys:?}");
}

#[test]
fn a_run_killed_mid_stage_leaves_nothing_trusted_and_a_rerun_completes() {
    let s = Scratch::new();
    s.write("r.yaml", "name: kill\nstages:\n  big: {kind: ingest, source: synth-digits, with: {train: 200000, test: 10}}\n");
    let mut child = s.command(&["run", "-q", "r.yaml"]).spawn().unwrap();
    // Wait until the stage has started writing, then kill -9.
    let tmp = s.path().join(".pipeline/store/.tmp");
    let t0 = std::time::Instant::now();
    while std::fs::read_dir(&tmp).map(|d| d.count()).unwrap_or(0) == 0 && t0.elapsed().as_secs() < 20 {
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    std::thread::sleep(std::time::Duration::from_millis(100));
    child.kill().unwrap();
    child.wait().unwrap();
    let store = s.path().join(".pipeline/store");
    let finished: Vec<_> = std::fs::read_dir(&store)
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
        .collect();
    assert!(finished.is_empty(), "a killed run left an entry: {:?}", finished.iter().map(|e| e.path()).collect::<Vec<_>>());
    let dry = s.run(&["run", "--dry-run", "r.yaml"]);
    assert!(text(&dry).contains("run     big"), "{}", text(&dry));
    ok(&s.run(&["run", "-q", "r.yaml"]));
    assert_eq!(s.statuses("kill")["big"], "ran");
    // The dead run's temp folder was swept.
    assert_eq!(std::fs::read_dir(&tmp).unwrap().count(), 0);
}

#[test]
fn results_land_in_a_run_folder_with_a_latest_copy() {
    let s = Scratch::new();
    s.write("r.yaml", CHAIN);
    ok(&s.run(&["run", "-q", "r.yaml", "--results", "out", "--store", "st"]));
    assert!(s.path().join("st").is_dir());
    let runs: Vec<_> = std::fs::read_dir(s.path().join("out/chain")).unwrap().filter_map(Result::ok).collect();
    assert_eq!(runs.len(), 2, "a run folder and latest");
    for f in ["metrics.csv", "table.csv", "stages.csv"] {
        assert!(s.path().join("out/chain/latest").join(f).is_file(), "{f}");
    }
}

#[test]
fn graph_list_and_clean() {
    let s = Scratch::new();
    s.write("recipes/r.yaml", CHAIN);
    let g = s.run(&["graph", "recipes/r.yaml"]);
    ok(&g);
    assert!(text(&g).contains("\"data\" -> \"movie\";"), "{}", text(&g));
    let m = s.run(&["graph", "--format", "mermaid", "recipes/r.yaml"]);
    assert!(text(&m).contains("data --> movie"), "{}", text(&m));
    let l = s.run(&["list", "ingest"]);
    ok(&l);
    assert!(text(&l).contains("synth-digits") && text(&l).contains("train"), "{}", text(&l));
    ok(&s.run(&["run", "-q", "recipes/r.yaml"]));
    ok(&s.run(&["run", "-q", "recipes/r.yaml", "--set", "n=301"]));
    // The n=301 entries are no longer referenced by the recipe as written.
    let c = s.run(&["clean"]);
    ok(&c);
    assert!(text(&c).contains("removed 2 store entries (3 kept)"), "{}", text(&c));
    ok(&s.run(&["run", "-q", "recipes/r.yaml"]));
    assert!(s.statuses("chain").values().all(|v| v == "cached"));
}

/// A sweep over `seed` and a parameter: k-means on pixels judged by cluster accuracy.
const SWEEP: &str = "\
name: sweep
params: {k: 10}
sweep: {seed: [1, 2, 3], k: [5, 10]}
stages:
  data:
    kind: ingest
    source: synth-digits
    with: {train: 200, test: 100}
  clusters:
    kind: cluster
    method: kmeans
    needs: [data]
    with: {k: \"${k}\"}
  pixels: {kind: evaluate, method: cluster-acc, needs: [clusters]}
";

#[test]
fn a_sweep_runs_the_cartesian_product_and_tables_mean_and_std_over_seeds() {
    let s = Scratch::new();
    s.write("r.yaml", SWEEP);
    ok(&s.run(&["run", "-q", "r.yaml"]));
    let long = s.csv("sweep", "metrics.csv");
    let acc: Vec<_> = long.iter().filter(|r| r["metric"] == "cluster-acc").collect();
    assert_eq!(acc.len(), 6, "3 seeds × 2 values of k");
    let mut points: Vec<(String, String)> = acc.iter().map(|r| (r["seed"].clone(), r["k"].clone())).collect();
    points.sort();
    points.dedup();
    assert_eq!(points.len(), 6, "{points:?}");
    // The wide table has one row per value of k, with the mean and std over the three seeds.
    let wide = s.csv("sweep", "table.csv");
    assert_eq!(wide.len(), 2, "{wide:?}");
    for row in &wide {
        let seeds: Vec<f64> = acc.iter().filter(|r| r["k"] == row["k"]).map(|r| r["value"].parse().unwrap()).collect();
        let mean = seeds.iter().sum::<f64>() / 3.0;
        let got: f64 = row["cluster-acc"].parse().unwrap();
        assert!((got - mean).abs() < 1e-6, "mean {got} vs {mean}");
        let std: f64 = row["cluster-acc_std"].parse().unwrap();
        assert!(std > 0.0, "different seeds give different clusterings");
    }
}

#[test]
fn compare_prints_two_runs_side_by_side_with_differences() {
    let s = Scratch::new();
    s.write("r.yaml", SWEEP);
    ok(&s.run(&["run", "-q", "r.yaml", "--results", "a"]));
    ok(&s.run(&["run", "-q", "r.yaml", "--results", "b", "--set", "seed=7"]));
    let out = s.run(&["compare", "a/sweep/latest", "b/sweep/latest/table.csv", "--format", "csv"]);
    ok(&out);
    let table = String::from_utf8(out.stdout).unwrap();
    let mut r = csv::Reader::from_reader(table.as_bytes());
    let header: Vec<String> = r.headers().unwrap().iter().map(str::to_string).collect();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap_or_else(|| panic!("{name} in {header:?}"));
    let (ca, cb, cd) = (col("cluster-acc (A)"), col("cluster-acc (B)"), col("cluster-acc Δ"));
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 2, "a row per value of k: {table}");
    for row in rows {
        let (a, b, d): (f64, f64, f64) = (row[ca].parse().unwrap(), row[cb].parse().unwrap(), row[cd].parse().unwrap());
        assert!((b - a - d).abs() < 1e-4, "{a} {b} {d}");
    }
    let missing = s.run(&["compare", "a/sweep/latest", "nowhere"]);
    assert!(!missing.status.success());
    assert!(text(&missing).contains("nowhere: no table.csv there"), "{}", text(&missing));
}
