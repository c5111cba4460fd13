//! Video prediction end to end at tiny scale: `video-deterministic`, `svg-fp` and `svg-lp` train
//! on moving-digits (each one's loss falls), `video-prediction` scores them per step, and SVG-LP's
//! best of N samples is at least as good as the deterministic model at the last predicted frame,
//! and the deterministic model's first predicted frame is closer to the truth (PSNR) than black
//! frames and than the last conditioning frame copied.

mod common;

use std::collections::HashMap;

use common::{ok, text, Scratch};

/// One digit, short clips, narrow networks: seconds of CPU per model. 16 epochs (128 steps): at
/// 8, after the frame encoder and decoder got batch normalisation, svg-lp's best of 16 fell below
/// the deterministic model at t = 4 (SSIM 0.568 against 0.600; without normalisation 0.669 against
/// 0.627); at 16 it is 0.719 against 0.588 (without: 0.671 against 0.670).
const TINY: &str = "\
name: tiny-video
seed: 0
stages:
  data: {kind: ingest, source: moving-digits, with: {train: 32, test: 8, frames: 6, digits: 1}}
  det: {kind: pretrain, method: video-deterministic, needs: [data], with: {NET}}
  fp: {kind: pretrain, method: svg-fp, needs: [data], with: {NET, z_dim: 4}}
  lp: {kind: pretrain, method: svg-lp, needs: [data], with: {NET, z_dim: 4}}
  det-eval: {kind: evaluate, method: video-prediction, needs: [det, data]}
  fp-eval: {kind: evaluate, method: video-prediction, needs: [fp, data], with: {samples: 16}}
  lp-eval: {kind: evaluate, method: video-prediction, needs: [lp, data], with: {samples: 16}}
  curves: {kind: report, method: video-curves, needs: [det-eval, fp-eval, lp-eval]}
  strips: {kind: report, method: video-strips, needs: [det, lp, data], with: {sequences: 2, samples: 4, show: 1}}
";
const NET: &str = "n_past: 2, n_future: 4, nf: 4, g_dim: 16, rnn_size: 32, predictor_layers: 1, epochs: 16, batch: 4, lr: 0.005";

fn column(rows: &[HashMap<String, String>], name: &str) -> Vec<f64> {
    rows.iter().map(|r| r[name].parse().unwrap_or_else(|e| panic!("{name} = {:?}: {e}", r[name]))).collect()
}

/// The per-step values of `metric` for `stage`, t = 1, 2, ...
fn steps(metrics: &[HashMap<String, String>], stage: &str, metric: &str) -> Vec<f64> {
    let mut v: Vec<(u64, f64)> = metrics
        .iter()
        .filter(|r| r["stage"] == stage && r["metric"] == metric)
        .map(|r| (r["step"].parse().unwrap(), r["value"].parse().unwrap()))
        .collect();
    v.sort_by_key(|p| p.0);
    v.into_iter().map(|p| p.1).collect()
}

#[test]
fn three_models_train_and_svg_lp_best_of_n_keeps_up_with_the_deterministic_model() {
    let s = Scratch::new();
    s.write("r.yaml", &TINY.replace("NET", NET));
    ok(&s.run(&["run", "-q", "r.yaml"]));
    let latest = s.path().join("results/tiny-video/latest");

    for model in ["det", "fp", "lp"] {
        let curve = s.csv("tiny-video", &format!("{model}/loss.csv"));
        let mse = column(&curve, "mse");
        eprintln!("{model} mse per epoch: {mse:?}");
        assert_eq!(mse.len(), 16, "{model}: one row per epoch");
        assert!(mse[15] < mse[0], "{model}: the reconstruction loss did not fall: {mse:?}");
        assert_eq!(curve[0].contains_key("kl"), model != "det", "{model}: a KL column exactly for the stochastic models");
    }

    let metrics = s.csv("tiny-video", "metrics.csv");
    for stage in ["det-eval", "fp-eval", "lp-eval"] {
        let (ssim, psnr) = (steps(&metrics, stage, "ssim"), steps(&metrics, stage, "psnr"));
        assert_eq!((ssim.len(), psnr.len()), (4, 4), "{stage}: a row per metric and predicted step");
        assert!(ssim.iter().all(|v| (-1.0..=1.0).contains(v)), "{stage}: {ssim:?}");
        assert!(psnr.iter().all(|v| v.is_finite() && *v > 0.0), "{stage}: {psnr:?}");
    }
    let (det, lp) = (steps(&metrics, "det-eval", "ssim"), steps(&metrics, "lp-eval", "ssim"));
    let (black, copy) = (steps(&metrics, "det-eval", "ssim_black"), steps(&metrics, "det-eval", "ssim_copy_last"));
    eprintln!("ssim per step: det {det:?}, svg-lp best of 16 {lp:?}, black frames {black:?}, last frame copied {copy:?}");
    assert_eq!((black.len(), copy.len()), (4, 4), "the baselines are scored at every step");
    // The models must predict the digit, not the empty frames the L2 loss on a sigmoid collapsed
    // to. At this scale the prediction is a blur where the digit goes: closer to the truth in
    // squared error (PSNR) than black frames or the last frame, but its faint haze on the black
    // background still costs more SSIM than black frames lose on the digit (SSIM's C1 = 1e-4: a
    // grey of 0.02 where the truth is 0 scores 0.2 on luminance), so the check is on PSNR.
    let psnr = |m: &str| steps(&metrics, "det-eval", m);
    let (det_p, black_p, copy_p) = (psnr("psnr"), psnr("psnr_black"), psnr("psnr_copy_last"));
    eprintln!("psnr per step: det {det_p:?}, black frames {black_p:?}, last frame copied {copy_p:?}");
    assert!(det_p[0] > black_p[0] + 0.3, "deterministic PSNR at t = 1 ({}) does not beat black frames ({})", det_p[0], black_p[0]);
    assert!(det_p[0] > copy_p[0] + 0.3, "deterministic PSNR at t = 1 ({}) does not beat copying the last frame ({})", det_p[0], copy_p[0]);
    assert!(lp[3] >= det[3], "svg-lp best-of-16 SSIM at t = 4 ({}) below the deterministic model's ({})", lp[3], det[3]);

    // The learned prior's variance: a step metric and a column of curves.csv, for svg-lp only.
    assert_eq!(steps(&metrics, "lp-eval", "prior_variance").len(), 4);
    assert!(steps(&metrics, "fp-eval", "prior_variance").is_empty());
    let curves = s.csv("tiny-video", "curves/curves.csv");
    // Three models and two baselines, four steps each.
    assert_eq!(curves.len(), 20);
    assert_eq!(curves.iter().filter(|r| r["model"] == "baseline: black").count(), 4);
    for r in &curves {
        let filled = !r["prior_variance"].is_empty();
        assert_eq!(filled, r["model"] == "lp-eval", "{r:?}");
        if filled {
            assert!(r["prior_variance"].parse::<f64>().unwrap() > 0.0);
        }
    }
    let per_frame = s.csv("tiny-video", "lp-eval/prior_variance.csv");
    // 8 test sequences × frames 1..5.
    assert_eq!(per_frame.len(), 8 * 5);

    let png = |p: &str| image::image_dimensions(latest.join(p)).unwrap_or_else(|e| panic!("{p}: {e}"));
    assert_eq!(png("curves/curves.png"), (1100, 420));
    // Truth, det, lp best and one more lp sample: four rows.
    let (_, h) = png("strips/strip-0.png");
    assert_eq!(h, 4 * (64 + 2 * 2 + 2));
    assert!(latest.join("strips/strip-1.png").exists());
}

#[test]
fn still_images_and_too_short_videos_are_refused() {
    let s = Scratch::new();
    s.write(
        "r.yaml",
        "name: bad\nstages:\n  still: {kind: ingest, source: synth-digits, with: {train: 20, test: 5}}\n  m: {kind: pretrain, method: svg-lp, needs: [still], with: {epochs: 1}}\n  movie: {kind: ingest, source: moving-digits, with: {train: 4, test: 2, frames: 6}}\n  n: {kind: pretrain, method: video-deterministic, needs: [movie], with: {epochs: 1}}\n",
    );
    let out = s.run(&["run", "-q", "r.yaml"]);
    assert!(!out.status.success());
    let t = text(&out);
    assert!(t.contains("still images"), "{t}");
    assert!(t.contains("n_past + n_future = 15"), "{t}");
}

/// SVG-LP on 32×32 moving digits (one digit, its new direction after a bounce random): the
/// posterior carries information (the KL stays well above the ~1e-5 nats of a collapsed
/// posterior) and the learned prior is wider where a bounce makes the next frame unpredictable
/// than elsewhere, the paper's "model of uncertainty". Checked for seed 2 (data and weights both
/// follow the seed), one that collapsed before the frame networks had batch normalisation; about
/// 33 s of CPU. Seeds 0–5 were measured (below); one seed is run to keep the suite's time.
///
/// Measured with batch normalisation in the frame encoder and decoder (as edenton/svg has it),
/// last-epoch KL and the prior's variance at bounces over elsewhere: seeds 0–5 all use z (KL
/// 1.97, 2.29, 2.54, 2.55, 1.79, 2.54 nats; prior 1.49×, 1.24×, 1.30×, 1.30×, 1.90×, 1.31×).
/// Without it the use of z was down to the seed: seeds 0 and 1 used it (KL 2.2, 2.0; 1.53×,
/// 1.29×), seeds 2 and 3 collapsed (KL ~1e-5, prior flat), and ten remedies (β = 0, KL delayed,
/// batch 4 or 16, 2 predictor layers, N(0, 0.02) LSTM init, lr 0.01, nf 16, more data, free
/// bits, a low initial posterior log-variance) only moved which seeds collapsed. With 60 epochs
/// instead of 120 z is used for seeds 0–3 too, but seed 2's prior is only 1.05× wider at bounces.
/// Still true with normalisation: the model has not learnt the motion itself, its PSNR at t = 1
/// (best of 4: 20.1, 19.3, 19.4, 20.2 dB for seeds 0–3) below the last conditioning frame copied
/// for seeds 0–2 (21.4, 29.5, 21.1 dB; seed 3: 18.2).
const BOUNCES: &str = "\
name: tiny-bounces
seed: 2
stages:
  data: {kind: ingest, source: moving-digits, with: {train: 64, test: 20, frames: 12, digits: 1, side: 32}}
  lp: {kind: pretrain, method: svg-lp, needs: [data], with: {n_past: 3, n_future: 4, nf: 8, g_dim: 64, rnn_size: 64, predictor_layers: 1, z_dim: 4, kl_warmup: 0.5, epochs: 120, batch: 8, lr: 0.005}}
  lp-eval: {kind: evaluate, method: video-prediction, needs: [lp, data], with: {samples: 4}}
";

#[test]
fn svg_lp_uses_its_latent_and_its_prior_widens_at_bounces() {
    let s = Scratch::new();
    s.write("r.yaml", BOUNCES);
    ok(&s.run(&["run", "-q", "r.yaml"]));
    let kl = column(&s.csv("tiny-bounces", "lp/loss.csv"), "kl");
    eprintln!("svg-lp KL per step (nats) every 10 epochs: {:?}", kl.iter().step_by(10).collect::<Vec<_>>());
    let last = kl[kl.len() - 1];
    assert!(last > 0.5, "the posterior collapsed onto the prior: KL {last} nats per step in the last epoch");

    let per_frame = s.csv("tiny-bounces", "lp-eval/prior_variance.csv");
    let bounces = per_frame.iter().filter(|r| r["bounce"] == "1" && r["frame"] != "1").count();
    assert!(bounces >= 10, "only {bounces} bounce frames in the test sequences: the comparison would mean little");
    let metrics = s.csv("tiny-bounces", "metrics.csv");
    let value = |m: &str| -> f64 {
        let row = metrics.iter().find(|r| r["stage"] == "lp-eval" && r["metric"] == m).unwrap_or_else(|| panic!("no {m} in metrics.csv"));
        row["value"].parse().unwrap()
    };
    let (at_bounce, steady) = (value("prior_variance_bounce"), value("prior_variance_steady"));
    eprintln!("learned prior's mean variance: {at_bounce} at {bounces} bounce frames, {steady} elsewhere");
    assert!(at_bounce > 1.1 * steady, "the learned prior is not wider at bounces ({at_bounce}) than elsewhere ({steady})");
}
