//! The generative models end to end at tiny scale: the VAE's ELBO improves with training and its
//! importance-weighted bound is tighter than the ELBO; the GAN's two losses move and its samples
//! differ; the PixelCNN's loss falls and it completes images; models without a likelihood are
//! refused with a clear message.

mod common;

use std::collections::HashMap;

use common::{ok, text, Scratch};

fn metric(rows: &[HashMap<String, String>], stage: &str, metric: &str) -> f64 {
    rows.iter()
        .find(|r| r["stage"] == stage && r["metric"] == metric)
        .unwrap_or_else(|| panic!("no {metric} for {stage} in {rows:?}"))["value"]
        .parse()
        .unwrap()
}

/// The `column` of a published loss curve, per epoch.
fn curve(s: &Scratch, recipe: &str, stage: &str, column: &str) -> Vec<f64> {
    let path = s.path().join("results").join(recipe).join("latest").join(stage).join("loss.csv");
    let mut r = csv::Reader::from_path(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let at = r.headers().unwrap().iter().position(|h| h == column).unwrap_or_else(|| panic!("no {column} in {}", path.display()));
    r.records().map(|rec| rec.unwrap()[at].parse().unwrap()).collect()
}

/// The tiles of a grid PNG written by `generate` (2-pixel gaps around `side`-pixel tiles).
fn tiles(s: &Scratch, recipe: &str, stage: &str, file: &str, side: usize) -> Vec<Vec<u8>> {
    let path = s.path().join("results").join(recipe).join("latest").join(stage).join(file);
    let img = image::open(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())).to_luma8();
    let (w, h) = (img.width() as usize, img.height() as usize);
    let (cols, rows) = ((w - 2) / (side + 2), (h - 2) / (side + 2));
    let mut out = Vec::new();
    for r in 0..rows {
        for c in 0..cols {
            let (x0, y0) = (2 + c * (side + 2), 2 + r * (side + 2));
            out.push((0..side * side).map(|i| img.get_pixel((x0 + i % side) as u32, (y0 + i / side) as u32).0[0]).collect());
        }
    }
    out
}

const VAE: &str = "\
name: vae
stages:
  data: {kind: ingest, source: synth-digits, with: {train: 400, test: 100}}
  short: {kind: pretrain, method: vae, needs: [data], seed: 1, with: {arch: mlp, latent: 5, epochs: 1, batch: 50}}
  long: {kind: pretrain, method: vae, needs: [data], seed: 1, with: {arch: mlp, latent: 5, epochs: 8, batch: 50}}
  short-elbo: {kind: evaluate, method: elbo, needs: [short, data]}
  long-elbo: {kind: evaluate, method: elbo, needs: [long, data]}
  long-nll: {kind: evaluate, method: nll, needs: [long, data], with: {k: 50}}
  pictures: {kind: report, method: generate, needs: [long, data], with: {n: 16}}
  probe: {kind: finetune, method: linear, needs: [long, data], with: {epochs: 2}}
  gaussian: {kind: pretrain, method: vae, needs: [data], with: {arch: mlp, latent: 5, epochs: 5, batch: 20, likelihood: gaussian}}
  gaussian-elbo: {kind: evaluate, method: elbo, needs: [gaussian, data]}
  gaussian-nll: {kind: evaluate, method: nll, needs: [gaussian, data], with: {k: 20}}
";

#[test]
fn vae_elbo_improves_with_training_and_the_iwae_bound_is_tighter() {
    let s = Scratch::new();
    s.write("r.yaml", VAE);
    ok(&s.run(&["run", "-q", "r.yaml"]));
    let m = s.csv("vae", "metrics.csv");
    let (short, long) = (metric(&m, "short-elbo", "elbo"), metric(&m, "long-elbo", "elbo"));
    assert!(long > short + 20.0, "ELBO after 8 epochs {long} is not clearly above after 1 {short}");
    let recon = metric(&m, "long-elbo", "recon");
    let kl = metric(&m, "long-elbo", "kl");
    assert!((long + recon + kl).abs() < 1e-6 && kl > 0.0, "elbo {long} recon {recon} kl {kl}");
    // −log p(x) by the 50-sample IWAE bound is below −ELBO, and still above 0.
    let nll = metric(&m, "long-nll", "nll");
    assert!(nll < -long && nll > 0.0, "IWAE NLL {nll} vs −ELBO {}", -long);
    let bpd = metric(&m, "long-nll", "nll_bpd");
    assert!((bpd - nll / (784.0 * std::f64::consts::LN_2)).abs() < 1e-9);
    // The training loss (−ELBO per image) fell epoch by epoch at first.
    let loss = curve(&s, "vae", "long", "loss");
    assert!(loss[1] < loss[0] && loss[7] < loss[1], "{loss:?}");
    // Pictures: prior samples that are not all alike, and input/reconstruction rows.
    let samples = tiles(&s, "vae", "pictures", "samples.png", 28);
    assert_eq!(samples.len(), 16);
    assert!(samples.iter().skip(1).any(|t| t != &samples[0]));
    assert_eq!(tiles(&s, "vae", "pictures", "reconstructions.png", 28).len(), 16);
    // Its encoder is probed like any other.
    assert_eq!(s.statuses("vae")["probe"], "ran");
    // A Gaussian decoder on dequantised pixels bounds the 8-bit likelihood: below 8 bits per
    // dimension (the uniform distribution), IWAE again tighter than the ELBO.
    let (elbo, nll) = (metric(&m, "gaussian-elbo", "elbo"), metric(&m, "gaussian-nll", "nll"));
    let bpd = metric(&m, "gaussian-nll", "nll_bpd");
    assert!(nll < -elbo && bpd > 0.0 && bpd < 8.0, "gaussian: elbo {elbo} nll {nll} bpd {bpd}");
}

const GAN: &str = "\
name: gan
stages:
  data: {kind: ingest, source: synth-digits, with: {train: 320, test: 50}}
  gan: {kind: pretrain, method: gan, needs: [data], with: {arch: mlp, epochs: 3, batch: 32}}
  cgan: {kind: pretrain, method: gan, needs: [data], with: {arch: mlp, epochs: 1, batch: 32, conditional: true}}
  pictures: {kind: report, method: generate, needs: [gan], with: {n: 9}}
  per-class: {kind: report, method: generate, needs: [cgan], with: {n: 4}}
  no-likelihood: {kind: evaluate, method: elbo, needs: [gan, data]}
  probe: {kind: finetune, method: linear, needs: [gan, data], with: {epochs: 2}}
";

#[test]
fn gan_losses_both_move_and_samples_differ() {
    let s = Scratch::new();
    s.write("r.yaml", GAN);
    let out = s.run(&["run", "-q", "r.yaml"]);
    // Only the ELBO of a GAN fails, and says why.
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("a GAN defines no likelihood"), "{}", text(&out));
    let st = s.statuses("gan");
    assert_eq!((st["gan"].as_str(), st["pictures"].as_str(), st["probe"].as_str()), ("ran", "ran", "ran"));
    for column in ["loss", "d_loss"] {
        let c = curve(&s, "gan", "gan", column);
        let spread = c.iter().cloned().fold(f64::MIN, f64::max) - c.iter().cloned().fold(f64::MAX, f64::min);
        assert!(spread > 1e-3 && c.iter().all(|v| v.is_finite()), "{column} did not move: {c:?}");
    }
    let samples = tiles(&s, "gan", "pictures", "samples.png", 28);
    assert_eq!(samples.len(), 9);
    for (i, a) in samples.iter().enumerate() {
        for b in &samples[i + 1..] {
            let diff: u64 = a.iter().zip(b).map(|(x, y)| x.abs_diff(*y) as u64).sum();
            assert!(diff > 0, "two GAN samples are identical");
        }
    }
    // A conditional GAN draws one row per class.
    assert_eq!(tiles(&s, "gan", "per-class", "samples.png", 28).len(), 40);
}

const PIXELCNN: &str = "\
name: pixelcnn
stages:
  data: {kind: ingest, source: synth-digits, with: {train: 200, test: 40, size: 16}}
  model: {kind: pretrain, method: pixelcnn, needs: [data], with: {hidden: 8, layers: 1, epochs: 3, batch: 20, lr: 0.005}}
  nll: {kind: evaluate, method: nll, needs: [model, data]}
  pictures: {kind: report, method: generate, needs: [model, data], with: {n: 4, inputs: 2, completions: 2}}
  ae: {kind: pretrain, method: ae, needs: [data], with: {arch: mlp, epochs: 1}}
  ae-nll: {kind: evaluate, method: nll, needs: [ae, data]}
";

#[test]
fn pixelcnn_learns_scores_exactly_and_completes_images() {
    let s = Scratch::new();
    s.write("r.yaml", PIXELCNN);
    let out = s.run(&["run", "-q", "r.yaml"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("nll needs a model trained with `vae` or `pixelcnn`, not `ae`"), "{}", text(&out));
    let loss = curve(&s, "pixelcnn", "model", "loss");
    assert!(loss[2] < loss[0], "{loss:?}");
    let m = s.csv("pixelcnn", "metrics.csv");
    // Better than a fair coin per pixel (1 bit per dimension), which an untrained model is near.
    let bpd = metric(&m, "nll", "nll_bpd");
    assert!(bpd < 0.9 && bpd > 0.0, "{bpd}");
    assert_eq!(tiles(&s, "pixelcnn", "pictures", "samples.png", 16).len(), 4);
    // Per test image: original, top half, two completions; completions keep the top half.
    let rows = tiles(&s, "pixelcnn", "pictures", "completions.png", 16);
    assert_eq!(rows.len(), 8);
    for r in 0..2 {
        let original = &rows[r * 4];
        for c in 2..4 {
            assert_eq!(&rows[r * 4 + c][..8 * 16], &original[..8 * 16], "completion {c} of {r} changed the given half");
        }
    }
}
