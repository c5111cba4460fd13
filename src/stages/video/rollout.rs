//! Predicted continuations of test sequences: a model conditions on each sequence's first n_past
//! frames and generates n_future frames, `k` times for a stochastic model, and every sample is
//! scored frame by frame against the truth.

use candle_core::Device;
use pipeline_data::{Layout, Split};
use rand_chacha::ChaCha8Rng;

use super::clips::clips;
use super::model::VideoNet;
use super::scores::{best_sample, sequence_scores, FrameScore};
use crate::stage_ctx::StageError;

/// One sequence's samples: the true future, each sample's frames and per-step scores.
pub struct Rollout {
    /// The conditioning frames, `n_past` frames of C×S×S values back to back.
    pub past: Vec<f32>,
    /// The true future frames.
    pub truth: Vec<f32>,
    pub samples: Vec<Vec<f32>>,
    pub scores: Vec<Vec<FrameScore>>,
    /// SVG-LP: each sample's learned-prior variance (mean over z) at every generated step.
    pub prior_variance: Option<Vec<Vec<f32>>>,
}

impl Rollout {
    /// The sample with the best mean SSIM.
    pub fn best(&self) -> usize {
        best_sample(&self.scores).unwrap_or(0)
    }
}

/// Generates `k` continuations of `n_future` frames for each of `items` (from frame 0), `batch`
/// sequences × samples per forward pass.
#[allow(clippy::too_many_arguments)]
pub fn rollouts(
    net: &VideoNet,
    split: &Split,
    layout: &Layout,
    items: &[usize],
    k: usize,
    n_future: usize,
    batch: usize,
    rng: &mut ChaCha8Rng,
    device: &Device,
) -> Result<Vec<Rollout>, StageError> {
    let n_past = net.cfg.n_past;
    let len = n_past + n_future;
    let frame = layout.channels * layout.height * layout.width;
    let per_pass = (batch / k).max(1);
    let mut out = Vec::with_capacity(items.len());
    for chunk in items.chunks(per_pass) {
        let repeated: Vec<usize> = chunk.iter().flat_map(|&i| std::iter::repeat_n(i, k)).collect();
        let x = clips(split, layout, &repeated, &vec![0; repeated.len()], n_past, device)?;
        let generated = net.generate(&x, n_future, rng)?;
        let pred: Vec<f32> = generated.frames.flatten_all()?.to_vec1()?;
        let prior_var: Option<Vec<Vec<f32>>> = generated.prior_variance.map(|v| v.to_vec2()).transpose()?;
        for (j, &item) in chunk.iter().enumerate() {
            let video = &split.item(item, layout)[..len * frame];
            let to_unit = |b: &[u8]| b.iter().map(|&v| v as f32 / 255.0).collect::<Vec<f32>>();
            let (past, truth) = (to_unit(&video[..n_past * frame]), to_unit(&video[n_past * frame..]));
            let mut samples = Vec::with_capacity(k);
            let mut scores = Vec::with_capacity(k);
            for s in 0..k {
                let at = (j * k + s) * n_future * frame;
                let sample = pred[at..at + n_future * frame].to_vec();
                scores.push(sequence_scores(&sample, &truth, layout.channels, layout.height, layout.width)?);
                samples.push(sample);
            }
            let prior_variance = prior_var.as_ref().map(|v| v[j * k..(j + 1) * k].to_vec());
            out.push(Rollout { past, truth, samples, scores, prior_variance });
        }
    }
    Ok(out)
}
