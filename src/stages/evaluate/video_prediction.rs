//! `video-prediction`: SSIM and PSNR per predicted frame, as in SVG (Denton & Fergus, "Stochastic
//! Video Generation with a Learned Prior", ICML 2018, figures 3–4).
//!
//! The model conditions on each test sequence's first n_past frames and predicts the next
//! n_future; a stochastic model draws `samples` continuations and the one with the best mean SSIM
//! is scored (the paper's best of 100). Each step t = 1..n_future becomes a row per metric in
//! `metrics.csv` (`ssim`, `psnr` with a step), and `ssim_mean` / `psnr_mean` go to the table.
//! For SVG-LP each step also gets `prior_variance`: the learned prior's variance (mean over z,
//! over sequences and samples) when it drew z_t for the generated frame t. It also writes
//! `prior_variance.csv`: the learned prior's mean variance for each frame of each test sequence
//! given the true frames before it, beside whether the motion changed at that frame (a bounce,
//! read from the pixels), and the mean variance at bounces and elsewhere. With `baselines` the
//! same steps are scored for the last conditioning frame repeated and for black frames.

use std::io::Write;

use pipeline_nn::init::stream;

use crate::artifact::{Artifact, MetricValue};
use crate::registry::{ArtifactType, Info, Kind, Method, Slot};
use crate::stage_ctx::{StageCtx, StageError};
use crate::stages::video::bounce::{centroids, motion_changes};
use crate::stages::video::clips::{check_video, clips};
use crate::stages::video::model::{Variant, VideoNet};
use crate::stages::video::rollout::rollouts;
use crate::stages::video::scores::{Baseline, Curves};

pipeline_params::params! {
    /// How to score a video model.
    pub struct VideoEvalParams {
        /// Continuations drawn per test sequence from a stochastic model; the best by mean SSIM is scored (the paper: 100).
        samples: usize = 20, range(1, 10000);
        /// Test sequences scored (the first ones of the split).
        sequences: usize = 100, range(1, 1000000);
        /// Frames to predict; unset: the n_future the model was trained with.
        n_future: Option<usize> = None, range(1, 1000);
        /// Sequences × samples generated in one pass.
        batch: usize = 200, range(1, 65536);
        /// Also score two reference predictors on the same sequences and steps: the last
        /// conditioning frame repeated (`ssim_copy_last`, `psnr_copy_last`) and black frames
        /// (`ssim_black`, `psnr_black`).
        baselines: bool = true;
    }
}

pub struct VideoPrediction;

impl Method for VideoPrediction {
    type Params = VideoEvalParams;
    const INFO: Info = Info {
        kind: Kind::Evaluate,
        name: "video-prediction",
        doc: "per predicted frame t: SSIM and PSNR of a video model's continuations of the test sequences (best of N samples when stochastic)",
        version: 2,
        inputs: &[Slot::one("model", &[ArtifactType::Model]), Slot::one("data", &[ArtifactType::Dataset])],
        output: ArtifactType::Metrics,
        seeded: true,
    };

    fn run(&self, ctx: &mut StageCtx, p: VideoEvalParams) -> Result<Artifact, StageError> {
        let model = ctx.model("model")?;
        let data = ctx.dataset("data")?;
        let net = crate::stages::video::load(&model, &ctx.device)?;
        let cfg = net.cfg.clone();
        let n_future = p.n_future.unwrap_or(cfg.n_future);
        check_video(&data, cfg.n_past + n_future)?;
        let l = &data.layout;
        if (l.channels, l.height) != (cfg.channels, cfg.side) {
            crate::bail!(
                "the {} model predicts {}×{s}×{s} frames, dataset `{}` has {}×{}×{}",
                model.meta.method,
                cfg.channels,
                data.source,
                l.channels,
                l.height,
                l.width,
                s = cfg.side
            );
        }
        let n = p.sequences.min(data.test.len);
        if n == 0 {
            crate::bail!("dataset `{}` has no test sequences", data.source);
        }
        let k = if cfg.variant.stochastic() { p.samples } else { 1 };
        let mut rng = stream(ctx.seed, "z samples");
        let mut curves = Curves::default();
        let mut baselines: Vec<(Baseline, Curves)> = match p.baselines {
            true => Baseline::ALL.iter().map(|&b| (b, Curves::default())).collect(),
            false => Vec::new(),
        };
        // The learned prior's variance at each generated step, summed over sequences and samples.
        let mut prior_var = vec![0f64; n_future];
        let mut prior_draws = 0usize;
        let items: Vec<usize> = (0..n).collect();
        let per_pass = (p.batch / k).max(1);
        for (c, chunk) in items.chunks(per_pass).enumerate() {
            ctx.progress().update((c * per_pass) as u64, n as u64, "predicting");
            for r in rollouts(&net, &data.test, l, chunk, k, n_future, p.batch, &mut rng, &ctx.device)? {
                curves.add(&r.scores[r.best()])?;
                for (b, c) in &mut baselines {
                    c.add(&b.scores(&r.past, &r.truth, l.channels, l.height, l.width)?)?;
                }
                for sample in r.prior_variance.iter().flatten() {
                    prior_var.iter_mut().zip(sample).for_each(|(acc, &v)| *acc += v as f64);
                    prior_draws += 1;
                }
            }
        }
        let (ssim, psnr) = (curves.ssim(), curves.psnr());
        let mut metrics = Vec::with_capacity(2 * n_future + 4);
        for (t, (s, q)) in ssim.iter().zip(&psnr).enumerate() {
            metrics.push(MetricValue::at("ssim", t as u64 + 1, *s));
            metrics.push(MetricValue::at("psnr", t as u64 + 1, *q));
            if prior_draws > 0 {
                metrics.push(MetricValue::at("prior_variance", t as u64 + 1, prior_var[t] / prior_draws as f64));
            }
        }
        for (b, c) in &baselines {
            for (t, (s, q)) in c.ssim().iter().zip(c.psnr()).enumerate() {
                metrics.push(MetricValue::at(format!("ssim_{}", b.name()), t as u64 + 1, *s));
                metrics.push(MetricValue::at(format!("psnr_{}", b.name()), t as u64 + 1, q));
            }
        }
        metrics.push(MetricValue::new("ssim_mean", ssim.iter().sum::<f64>() / ssim.len() as f64));
        metrics.push(MetricValue::new("psnr_mean", psnr.iter().sum::<f64>() / psnr.len() as f64));
        if cfg.variant == Variant::LearnedPrior {
            metrics.extend(prior_variance(ctx, &net, &data, n)?);
        }
        Ok(Artifact::Metrics(metrics))
    }
}

/// Writes `prior_variance.csv` for the first `n` test sequences and returns the mean variance at
/// frames where the motion changed and at the others.
fn prior_variance(ctx: &mut StageCtx, net: &VideoNet, data: &pipeline_data::Dataset, n: usize) -> Result<Vec<MetricValue>, StageError> {
    let l = &data.layout;
    let path = ctx.publish("prior_variance.csv");
    let mut out = std::io::BufWriter::new(std::fs::File::create(&path)?);
    writeln!(out, "sequence,frame,prior_variance,bounce")?;
    let mut rng = stream(ctx.seed, "posterior noise");
    let (mut at_bounce, mut steady) = ((0f64, 0usize), (0f64, 0usize));
    let items: Vec<usize> = (0..n).collect();
    for chunk in items.chunks(16) {
        let x = clips(&data.test, l, chunk, &vec![0; chunk.len()], l.frames, &ctx.device)?;
        let Some(var) = net.forward(&x, &mut rng, false)?.prior_variance else {
            crate::bail!("internal error: a learned-prior model gave no prior variance");
        };
        let var: Vec<Vec<f32>> = var.to_vec2()?;
        for (row, &item) in var.iter().zip(chunk) {
            let changed = motion_changes(&centroids(data.test.item(item, l), l));
            // Column i − 1 is the prior over z_i, which sees frames 0..i − 1 and helps predict frame i.
            for (i, &v) in row.iter().enumerate() {
                let frame = i + 1;
                writeln!(out, "{item},{frame},{v},{}", u8::from(changed[frame]))?;
                // Frames 0 and 1 have no earlier motion to change from.
                if frame >= 2 {
                    let acc = if changed[frame] { &mut at_bounce } else { &mut steady };
                    acc.0 += v as f64;
                    acc.1 += 1;
                }
            }
        }
    }
    out.flush()?;
    let mut m = Vec::new();
    for (name, (sum, count)) in [("prior_variance_bounce", at_bounce), ("prior_variance_steady", steady)] {
        if count > 0 {
            m.push(MetricValue::new(name, sum / count as f64));
        }
    }
    Ok(m)
}
