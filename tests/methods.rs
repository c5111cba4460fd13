//! The methods of the models issue learn what they should, at tiny scale, through recipes.

mod common;

use std::collections::HashMap;

use common::{ok, text, Scratch};

/// Runs `recipe` and returns `table.csv` as row → column → mean.
fn table(s: &Scratch, name: &str, recipe: &str) -> HashMap<String, HashMap<String, f64>> {
    s.write("r.yaml", recipe);
    ok(&s.run(&["run", "-q", "r.yaml"]));
    s.csv(name, "table.csv")
        .into_iter()
        .map(|r| {
            let cells = r.iter().filter_map(|(k, v)| Some((k.clone(), v.parse::<f64>().ok()?))).collect();
            (r["row"].clone(), cells)
        })
        .collect()
}

fn curve(s: &Scratch, name: &str, stage: &str) -> Vec<f64> {
    let path = s.path().join("results").join(name).join("latest").join(stage).join("loss.csv");
    let mut r = csv::Reader::from_path(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    r.records().map(|rec| rec.unwrap()[1].parse().unwrap()).collect()
}

const DATA: &str = "  data: {kind: ingest, source: synth-digits, with: {train: 600, test: 300}}\n";

#[test]
fn the_supervised_convnet_fits_far_above_chance() {
    let s = Scratch::new();
    let t = table(
        &s,
        "sup",
        &format!("name: sup\nstages:\n{DATA}  model: {{kind: pretrain, method: supervised, needs: [data], with: {{epochs: 3, batch: 32}}}}\n  acc: {{kind: evaluate, method: accuracy, needs: [model, data]}}\n"),
    );
    let acc = t["acc"]["accuracy"];
    assert!(acc > 0.7, "supervised test accuracy {acc} (chance 0.1)");
    let loss = curve(&s, "sup", "model");
    assert!(loss[2] < 0.5 * loss[0], "training loss {loss:?}");
    assert!(s.path().join("results/sup/latest/acc/confusion.csv").is_file());
}

#[test]
fn the_autoencoder_reconstruction_error_falls() {
    let s = Scratch::new();
    let recipe = |epochs: usize| {
        format!("name: ae\nstages:\n{DATA}  model: {{kind: pretrain, method: ae, needs: [data], with: {{epochs: {epochs}, batch: 32, arch: mlp}}}}\n  rec: {{kind: evaluate, method: reconstruction, needs: [model, data]}}\n")
    };
    let short = table(&s, "ae", &recipe(1))["rec"]["reconstruction"];
    let long = table(&s, "ae", &recipe(6))["rec"]["reconstruction"];
    assert!(long < 0.8 * short, "test reconstruction MSE after 6 epochs {long} vs 1 epoch {short}");
    let loss = curve(&s, "ae", "model");
    assert!(loss.windows(2).filter(|w| w[1] < w[0]).count() >= 4, "training loss {loss:?}");
}

#[test]
fn probes_knn_and_clustering_judge_an_encoder() {
    let s = Scratch::new();
    let t = table(
        &s,
        "judge",
        &format!(
            "name: judge\nstages:\n{DATA}  enc: {{kind: pretrain, method: random, needs: [data]}}\n  probe: {{kind: finetune, method: linear, needs: [enc, data], with: {{layer: conv2, epochs: 10}}}}\n  linear: {{kind: evaluate, method: accuracy, needs: [probe, data]}}\n  few: {{kind: finetune, method: low-shot, needs: [enc, data], with: {{per_class: 5, repeats: 3, layer: conv2}}}}\n  lowshot: {{kind: evaluate, method: accuracy, needs: [few, data]}}\n  near: {{kind: evaluate, method: knn, needs: [enc, data], with: {{k: 5}}}}\n  clusters: {{kind: cluster, method: kmeans, needs: [enc, data], with: {{layer: conv2, pca_dim: 32}}}}\n  acc: {{kind: evaluate, method: cluster-acc, needs: [clusters]}}\n  agree: {{kind: evaluate, method: nmi, needs: [clusters]}}\n  rand: {{kind: evaluate, method: ari, needs: [clusters]}}\n  tuned: {{kind: finetune, method: full, needs: [enc, data], with: {{epochs: 1, batch: 32}}}}\n  full: {{kind: evaluate, method: accuracy, needs: [tuned, data]}}\n"
        ),
    );
    for (row, col, floor) in [("linear", "accuracy", 0.6), ("lowshot", "accuracy", 0.3), ("near", "knn", 0.5), ("acc", "cluster-acc", 0.2), ("full", "accuracy", 0.3)] {
        let v = t[row][col];
        assert!(v > floor && v <= 1.0, "{row}: {col} = {v}, expected above {floor} (chance 0.1)");
    }
    assert!(t["agree"]["nmi"] > 0.05 && t["rand"]["ari"] > 0.0, "{t:?}");
    // The low-shot probe averages three repeats, each a curve point in metrics.csv.
    let repeats = s.csv("judge", "metrics.csv").into_iter().filter(|r| r["stage"] == "lowshot" && !r["step"].is_empty()).count();
    assert_eq!(repeats, 3);
}

#[test]
fn a_diverging_loss_stops_the_stage_and_stores_nothing() {
    let s = Scratch::new();
    s.write(
        "r.yaml",
        &format!("name: nan\nstages:\n{DATA}  model: {{kind: pretrain, method: supervised, needs: [data], with: {{optimizer: sgd, lr: 90, momentum: 0.99, epochs: 3, batch: 32}}}}\n"),
    );
    let out = s.run(&["run", "-q", "r.yaml"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let msg = text(&out);
    assert!(msg.contains("stage `model` (pretrain supervised): training diverged: loss is") && msg.contains("at epoch"), "{msg}");
    assert_eq!(s.statuses("nan")["model"], "failed");
    let entries = std::fs::read_dir(s.path().join(".pipeline/store")).unwrap().filter_map(Result::ok);
    assert_eq!(entries.filter(|e| !e.file_name().to_string_lossy().starts_with('.')).count(), 1, "only the dataset is stored");
}

#[test]
fn kmeans_on_pixels_recovers_well_separated_classes() {
    // Digits drawn without warps or noise are nearly separable blobs in pixel space: k-means must
    // find most of the classes (chance is 0.1).
    let s = Scratch::new();
    let t = table(
        &s,
        "km",
        "name: km\nstages:\n  data: {kind: ingest, source: synth-digits, with: {train: 500, test: 200, warp: 0, noise: 0}}\n  clusters: {kind: cluster, method: kmeans, needs: [data]}\n  acc: {kind: evaluate, method: cluster-acc, needs: [clusters]}\n",
    );
    assert!(t["acc"]["cluster-acc"] > 0.6, "{t:?}");
}
