//! The three video models of SVG (Denton & Fergus, ICML 2018) over one set of parts: a frame
//! encoder, a decoder with skips, a frame-predictor LSTM, and for the stochastic models an
//! inference LSTM q(z_t | x_1:t) and (learned prior only) a prior LSTM p(z_t | x_1:t−1).
//!
//! Training is teacher-forced as in the paper: the predictor sees the encoding of the true frame
//! x_{t−1} and a latent z_t drawn from q, and the decoder maps its output, with the skips of the
//! last conditioning frame, to x̂_t. Every frame is encoded and every prediction decoded in one
//! batched call; only the LSTMs step through time. Generation feeds predictions back in.

use std::collections::HashMap;

use candle_core::{DType, Device, IndexOp, Tensor};
use candle_nn::VarBuilder;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::net::{kl_gaussians, FrameDecoder, FrameEncoder, Lstm, LstmState};
use crate::stage_ctx::StageError;

/// Which of the paper's models.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Variant {
    /// No latent: the LSTM predicts the next frame's code from the past alone.
    Deterministic,
    /// SVG-FP: z_t ~ N(0, I) at test time.
    FixedPrior,
    /// SVG-LP: z_t ~ p(z_t | x_1:t−1), a learned prior LSTM.
    LearnedPrior,
}

impl Variant {
    pub fn stochastic(self) -> bool {
        self != Variant::Deterministic
    }
}

/// Everything needed to rebuild a video model's parts; stored in `ModelMeta.config`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VideoConfig {
    pub variant: Variant,
    pub channels: usize,
    /// Side of the square frames.
    pub side: usize,
    /// Channels of the encoder's first level (doubling per level).
    pub nf: usize,
    pub g_dim: usize,
    /// 0 for the deterministic model.
    pub z_dim: usize,
    pub rnn_size: usize,
    pub predictor_layers: usize,
    pub posterior_layers: usize,
    pub prior_layers: usize,
    pub n_past: usize,
    pub n_future: usize,
}

/// The variable prefixes of the parts.
pub const ENCODER: &str = "encoder";
pub const DECODER: &str = "decoder";
pub const PREDICTOR: &str = "predictor";
pub const POSTERIOR: &str = "posterior";
pub const PRIOR: &str = "prior";

pub struct VideoNet {
    pub cfg: VideoConfig,
    pub encoder: FrameEncoder,
    pub decoder: FrameDecoder,
    pub predictor: Lstm,
    pub posterior: Option<Lstm>,
    pub prior: Option<Lstm>,
}

/// What generation gives.
pub struct Generated {
    /// N×n_future×C×S×S on [0, 1].
    pub frames: Tensor,
    /// The learned prior's mean variance over z at each generated step, N×n_future (SVG-LP only).
    pub prior_variance: Option<Tensor>,
}

/// What a teacher-forced pass over sequences gives.
pub struct Forward {
    /// The reconstruction loss: Bernoulli cross-entropy per pixel (nats, mean over every pixel of
    /// the predicted frames 1..T). With an L2 loss on a sigmoid the sparse frames pulled the
    /// output to black, where the sigmoid saturates and the digits' error no longer moves it.
    pub recon: Tensor,
    /// Mean squared error per pixel of the predicted frames (reported, not trained; no gradient).
    pub mse: Tensor,
    /// KL(q ‖ prior) summed over z, averaged over sequences and over steps (0 when deterministic).
    pub kl: Tensor,
    /// The prior's mean variance over z per step, N × (T − 1), for the learned prior.
    pub prior_variance: Option<Tensor>,
}

impl VideoNet {
    /// Builds the parts under `vb` (a fresh `VarMap` for training, stored tensors for evaluation).
    pub fn new(cfg: VideoConfig, vb: VarBuilder) -> Result<VideoNet, StageError> {
        let c = &cfg;
        let encoder = FrameEncoder::new(c.channels, c.side, c.nf, c.g_dim, vb.pp(ENCODER))?;
        let decoder = FrameDecoder::new(c.channels, c.side, c.nf, c.g_dim, vb.pp(DECODER))?;
        let predictor = Lstm::predictor(c.g_dim + c.z_dim, c.g_dim, c.rnn_size, c.predictor_layers, vb.pp(PREDICTOR))?;
        let posterior = match c.variant.stochastic() {
            true => Some(Lstm::gaussian(c.g_dim, c.z_dim, c.rnn_size, c.posterior_layers, vb.pp(POSTERIOR))?),
            false => None,
        };
        let prior = match c.variant {
            Variant::LearnedPrior => Some(Lstm::gaussian(c.g_dim, c.z_dim, c.rnn_size, c.prior_layers, vb.pp(PRIOR))?),
            _ => None,
        };
        Ok(VideoNet { cfg, encoder, decoder, predictor, posterior, prior })
    }

    /// Rebuilds a stored model from its tensors (no gradients are tracked).
    pub fn from_tensors(cfg: VideoConfig, tensors: &HashMap<String, Tensor>, device: &Device) -> Result<VideoNet, StageError> {
        let moved = tensors.iter().map(|(k, v)| Ok((k.clone(), v.to_device(device)?))).collect::<Result<HashMap<_, _>, StageError>>()?;
        let vb = VarBuilder::from_tensors(moved, DType::F32, device);
        VideoNet::new(cfg, vb).map_err(|e| StageError::msg(format!("the stored video model does not fit its own header: {e}")))
    }

    /// The teacher-forced pass over `x` (N×T×C×S×S on [0, 1]) with `rng` drawing ε for z.
    /// `train`: the frame encoder and decoder normalise with the batch's statistics and update
    /// their running statistics (training); else they use the running statistics (evaluation).
    pub fn forward(&self, x: &Tensor, rng: &mut ChaCha8Rng, train: bool) -> Result<Forward, StageError> {
        let (n, t, c, h, w) = x.dims5()?;
        let n_past = self.cfg.n_past.min(t);
        let (codes, skips) = self.encoder.forward(&x.reshape((n * t, c, h, w))?, train)?;
        let codes = codes.reshape((n, t, self.cfg.g_dim))?;
        let code = |i: usize| codes.i((.., i));

        let mut pred_state = self.predictor.zero_state(n, &codes)?;
        let mut post_state = self.posterior.as_ref().map(|p| p.zero_state(n, &codes)).transpose()?;
        let mut prior_state = self.prior.as_ref().map(|p| p.zero_state(n, &codes)).transpose()?;
        let mut preds = Vec::with_capacity(t - 1);
        let mut kls = Vec::new();
        let mut prior_vars = Vec::new();
        for i in 1..t {
            let h_prev = code(i - 1)?;
            let input = match (&self.posterior, post_state.as_mut()) {
                (Some(post), Some(ps)) => {
                    let (mu_q, lq) = post.gaussian_step(&code(i)?, ps)?;
                    let z = sample(&mu_q, &lq, rng)?;
                    let (mu_p, lp) = match (&self.prior, prior_state.as_mut()) {
                        (Some(prior), Some(ps)) => {
                            let (mu_p, lp) = prior.gaussian_step(&h_prev, ps)?;
                            prior_vars.push(lp.exp()?.mean_keepdim(1)?);
                            (mu_p, lp)
                        }
                        _ => (mu_q.zeros_like()?, lq.zeros_like()?),
                    };
                    kls.push(kl_gaussians(&mu_q, &lq, &mu_p, &lp)?.mean_all()?);
                    Tensor::cat(&[&h_prev, &z], 1)?
                }
                _ => h_prev,
            };
            preds.push(self.predictor.predict(&input, &mut pred_state)?);
        }
        // Decoder rows in (sequence, step) order; frame i takes the skips of frame
        // min(i − 1, n_past − 1): the previous frame while conditioning, then the last
        // conditioning frame.
        let preds = Tensor::stack(&preds, 1)?.reshape((n * (t - 1), self.cfg.g_dim))?;
        let rows: Vec<u32> = (0..n).flat_map(|b| (1..t).map(move |i| (b * t + (i - 1).min(n_past - 1)) as u32)).collect();
        let rows = Tensor::from_vec(rows, n * (t - 1), x.device())?;
        let skips = skips.iter().map(|s| s.index_select(&rows, 0)).collect::<candle_core::Result<Vec<_>>>()?;
        let logits = self.decoder.logits(&preds, &skips, train)?;
        let target = x.narrow(1, 1, t - 1)?.reshape((n * (t - 1), c, h, w))?;
        let recon = pipeline_nn::loss::bce_with_logits(&logits, &target)?;
        let mse = pipeline_nn::loss::mse(&candle_nn::ops::sigmoid(&logits.detach())?, &target)?;
        let kl = match kls.is_empty() {
            true => Tensor::zeros((), DType::F32, x.device())?,
            false => (Tensor::stack(&kls, 0)?.mean_all())?,
        };
        let prior_variance = match prior_vars.is_empty() {
            true => None,
            false => Some(Tensor::cat(&prior_vars, 1)?),
        };
        Ok(Forward { recon, mse, kl, prior_variance })
    }

    /// Conditions on the first `n_past` frames of `x` (N×T₀×C×S×S, T₀ ≥ n_past) and generates
    /// `n_future` frames: N×n_future×C×S×S on [0, 1]. An evaluation pass: the frame encoder and
    /// decoder use their running statistics, so a sequence's prediction does not depend on the
    /// others generated with it.
    pub fn generate(&self, x: &Tensor, n_future: usize, rng: &mut ChaCha8Rng) -> Result<Generated, StageError> {
        let (n, t0, c, h, w) = x.dims5()?;
        let n_past = self.cfg.n_past;
        if t0 < n_past {
            crate::bail!("generation needs {n_past} conditioning frames, the sequences have {t0}");
        }
        let (past_codes, past_skips) = self.encoder.forward(&x.narrow(1, 0, n_past)?.reshape((n * n_past, c, h, w))?, false)?;
        let past_codes = past_codes.reshape((n, n_past, self.cfg.g_dim))?;
        // The last conditioning frame's skips serve every generated frame.
        let skips: Vec<Tensor> = past_skips
            .iter()
            .map(|s| {
                let (_, sc, sh, sw) = s.dims4()?;
                s.reshape((n, n_past, sc, sh, sw))?.i((.., n_past - 1))?.contiguous()
            })
            .collect::<candle_core::Result<_>>()?;

        let mut pred_state = self.predictor.zero_state(n, &past_codes)?;
        let mut post_state = self.posterior.as_ref().map(|p| p.zero_state(n, &past_codes)).transpose()?;
        let mut prior_state = self.prior.as_ref().map(|p| p.zero_state(n, &past_codes)).transpose()?;
        // Conditioning: z from the posterior, which sees the true next frame (as in the paper).
        for i in 1..n_past {
            let h_prev = past_codes.i((.., i - 1))?;
            let (input, _) = self.with_latent(&h_prev, Some(&past_codes.i((.., i))?), &mut post_state, &mut prior_state, rng)?;
            self.predictor.predict(&input, &mut pred_state)?;
        }
        let mut frames = Vec::with_capacity(n_future);
        let mut prior_vars = Vec::new();
        let mut h_prev = past_codes.i((.., n_past - 1))?.contiguous()?;
        for _ in 0..n_future {
            let (input, prior_var) = self.with_latent(&h_prev, None, &mut post_state, &mut prior_state, rng)?;
            prior_vars.extend(prior_var);
            let code = self.predictor.predict(&input, &mut pred_state)?;
            let frame = self.decoder.forward(&code, &skips, false)?;
            h_prev = self.encoder.forward(&frame, false)?.0;
            frames.push(frame);
        }
        let prior_variance = match prior_vars.is_empty() {
            true => None,
            false => Some(Tensor::cat(&prior_vars, 1)?),
        };
        Ok(Generated { frames: Tensor::stack(&frames, 1)?, prior_variance })
    }

    /// The predictor's input `[h, z]`: z from the posterior when `next` (the true next frame's
    /// code) is given, else from the prior (learned or N(0, I)). The learned prior steps either way
    /// so that its state follows the sequence; its mean variance over z (N×1) comes back too.
    fn with_latent(
        &self,
        h_prev: &Tensor,
        next: Option<&Tensor>,
        post_state: &mut Option<LstmState>,
        prior_state: &mut Option<LstmState>,
        rng: &mut ChaCha8Rng,
    ) -> Result<(Tensor, Option<Tensor>), StageError> {
        if !self.cfg.variant.stochastic() {
            return Ok((h_prev.clone(), None));
        }
        let prior = match (&self.prior, prior_state.as_mut()) {
            (Some(p), Some(s)) => Some(p.gaussian_step(h_prev, s)?),
            _ => None,
        };
        let prior_var = prior.as_ref().map(|(_, lv)| lv.exp()?.mean_keepdim(1)).transpose()?;
        let z = match (next, &self.posterior, post_state.as_mut()) {
            (Some(next), Some(post), Some(s)) => {
                let (mu, lv) = post.gaussian_step(next, s)?;
                sample(&mu, &lv, rng)?
            }
            _ => match prior {
                Some((mu, lv)) => sample(&mu, &lv, rng)?,
                None => pipeline_nn::init::randn((h_prev.dim(0)?, self.cfg.z_dim), rng, h_prev.device())?,
            },
        };
        Ok((Tensor::cat(&[h_prev, &z], 1)?, prior_var))
    }
}

/// The reparameterised draw `mu + e^{logvar/2}·ε`, ε from `rng`.
fn sample(mu: &Tensor, logvar: &Tensor, rng: &mut ChaCha8Rng) -> Result<Tensor, StageError> {
    let eps = pipeline_nn::init::randn(mu.shape(), rng, mu.device())?;
    Ok((mu + (logvar.affine(0.5, 0.0)?.exp()? * eps)?)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_nn::VarMap;
    use pipeline_nn::init::stream;

    fn net(variant: Variant, vm: &VarMap) -> VideoNet {
        let z_dim = if variant.stochastic() { 3 } else { 0 };
        let cfg = VideoConfig {
            variant,
            channels: 1,
            side: 8,
            nf: 2,
            g_dim: 4,
            z_dim,
            rnn_size: 5,
            predictor_layers: 1,
            posterior_layers: usize::from(variant.stochastic()),
            prior_layers: usize::from(variant == Variant::LearnedPrior),
            n_past: 2,
            n_future: 3,
        };
        let v = VideoNet::new(cfg, VarBuilder::from_varmap(vm, DType::F32, &Device::Cpu)).unwrap();
        pipeline_nn::init::reinit(vm, 1).unwrap();
        v
    }

    fn video(n: usize, t: usize) -> Tensor {
        let v: Vec<f32> = (0..n * t * 64).map(|i| ((i * 13) % 17) as f32 / 17.0).collect();
        Tensor::from_vec(v, (n, t, 1, 8, 8), &Device::Cpu).unwrap()
    }

    #[test]
    fn forward_gives_a_loss_per_model_and_the_learned_prior_its_variance() {
        let x = video(2, 5);
        for variant in [Variant::Deterministic, Variant::FixedPrior, Variant::LearnedPrior] {
            let vm = VarMap::new();
            let f = net(variant, &vm).forward(&x, &mut stream(0, "z"), true).unwrap();
            let mse = f.mse.to_scalar::<f32>().unwrap();
            let kl = f.kl.to_scalar::<f32>().unwrap();
            assert!(mse.is_finite() && mse > 0.0, "{variant:?}: {mse}");
            assert_eq!(kl == 0.0, variant == Variant::Deterministic, "{variant:?}: kl {kl}");
            assert!(kl >= 0.0);
            match variant {
                Variant::LearnedPrior => assert_eq!(f.prior_variance.unwrap().dims(), &[2, 4]),
                _ => assert!(f.prior_variance.is_none()),
            }
            // Every trainable variable of the model gets a gradient from the loss.
            let grads = (f.recon + f.kl).unwrap().backward().unwrap();
            let trainable = pipeline_nn::init::vars_under(&vm, "");
            for var in &trainable {
                assert!(grads.get(var.as_tensor()).is_some(), "{variant:?}: a variable has no gradient");
            }
            // The rest are the normalisations' running statistics: a training pass moved them
            // off their start (mean 0, variance 1).
            let stats: Vec<(String, Vec<f32>)> = pipeline_nn::init::sorted_vars(&vm)
                .into_iter()
                .filter(|(n, _)| pipeline_nn::init::is_running_statistic(n))
                .map(|(n, v)| (n, v.as_tensor().to_vec1().unwrap()))
                .collect();
            assert_eq!(stats.len() + trainable.len(), vm.all_vars().len());
            // 8×8 frames: one level. Encoder: the level and the code; decoder: the code (its one
            // level is the output, without normalisation).
            assert_eq!(stats.len(), 2 * 3, "{variant:?}");
            for (name, v) in &stats {
                let start = if name.ends_with("mean") { 0.0 } else { 1.0 };
                assert!(v.iter().any(|&x| x != start), "{variant:?}: {name} was not updated: {v:?}");
            }
        }
    }

    #[test]
    fn evaluation_passes_use_and_keep_the_running_statistics() {
        let x = video(2, 5);
        let vm = VarMap::new();
        let m = net(Variant::LearnedPrior, &vm);
        m.forward(&x, &mut stream(0, "z"), true).unwrap();
        let snapshot = || pipeline_nn::init::sorted_vars(&vm).into_iter().map(|(_, v)| v.as_tensor().flatten_all().unwrap().to_vec1::<f32>().unwrap()).collect::<Vec<_>>();
        let before = snapshot();
        let one = |x: &Tensor| m.forward(x, &mut stream(1, "z"), false).unwrap().prior_variance.unwrap().to_vec2::<f32>().unwrap();
        let both = one(&x);
        m.generate(&x, 3, &mut stream(1, "z")).unwrap();
        assert_eq!(snapshot(), before, "an evaluation pass changed the model");
        // Without batch statistics a sequence's result does not depend on the others with it.
        let alone = one(&x.narrow(0, 0, 1).unwrap());
        assert!(alone[0].iter().zip(&both[0]).all(|(a, b)| (a - b).abs() < 1e-6), "{alone:?} vs {both:?}");
        let train = m.forward(&x.narrow(0, 0, 1).unwrap(), &mut stream(1, "z"), true).unwrap();
        let train = train.prior_variance.unwrap().to_vec2::<f32>().unwrap();
        assert!(train[0].iter().zip(&both[0]).any(|(a, b)| (a - b).abs() > 1e-4), "batch statistics had no effect: {train:?}");
    }

    #[test]
    fn generation_is_seeded_and_only_the_stochastic_models_vary() {
        let x = video(2, 2);
        for variant in [Variant::Deterministic, Variant::FixedPrior, Variant::LearnedPrior] {
            let vm = VarMap::new();
            let m = net(variant, &vm);
            let frames = |seed: u64| {
                let g = m.generate(&x, 3, &mut stream(seed, "z")).unwrap();
                assert_eq!(g.frames.dims(), &[2, 3, 1, 8, 8]);
                assert_eq!(g.prior_variance.as_ref().map(|v| v.dims().to_vec()), (variant == Variant::LearnedPrior).then(|| vec![2, 3]));
                g.frames.flatten_all().unwrap().to_vec1::<f32>().unwrap()
            };
            assert_eq!(frames(4), frames(4), "{variant:?}: same seed, same frames");
            assert_eq!(frames(4) != frames(5), variant.stochastic(), "{variant:?}");
        }
        let vm = VarMap::new();
        assert!(net(Variant::FixedPrior, &vm).generate(&video(1, 1), 3, &mut stream(0, "z")).is_err());
    }
}
