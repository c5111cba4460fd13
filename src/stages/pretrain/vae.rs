//! `vae`: the variational autoencoder of Kingma & Welling 2013, "Auto-Encoding Variational Bayes":
//! an encoder q(z|x) = N(μ(x), diag σ²(x)), a decoder p(x|z), trained on the ELBO with the
//! reparameterised sample z = μ + σ·ε and the analytic KL to the N(0, I) prior. Its test-time
//! importance-weighted bound (`nll`) follows Burda et al. 2015, "Importance Weighted Autoencoders".
//!
//! The network is the shared encoder (any architecture; its features feed two linear heads for μ
//! and log σ²) and the mirrored decoder from the latent to per-pixel Bernoulli logits (binarised
//! data) or a Gaussian mean (sigmoid of the output, dequantised 8-bit data) with one shared σ,
//! set to its maximum-likelihood value while training (Rybkin et al. 2021, calibrated decoders). The encoder is stored under `encoder.` so linear probes and kNN read it like any other.

use std::sync::Arc;

use candle_core::{Device, Tensor};
use candle_nn::{Init, VarBuilder};
use pipeline_nn::arch::{Decoder, Encoder};
use pipeline_nn::batch::EpochBatches;
use pipeline_nn::init::{randn, reinit_with, stream, InitKind};
use pipeline_nn::layers::Linear;
use pipeline_nn::loss::bce_with_logits_per_item;
use pipeline_nn::optim::OptimParams;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::pixels::{BinarizeParams, Pixels};
use super::stored::{config_of, with_config};
use crate::artifact::{Artifact, ModelArtifact};
use crate::registry::{ArtifactType, Info, Kind, Method, Slot};
use crate::stage_ctx::{StageCtx, StageError};
use crate::stages::fit::{publish_curve, trainer};
use crate::stages::net::{ArchParams, Net};

pipeline_params::params! {
    /// The VAE's model and training schedule.
    pub struct VaeParams {
        /// Latent dimensions (Kingma & Welling's figures compare 2, 5, 10 and 20; 2 gives a manifold picture).
        latent: usize = 20, range(1, 4096);
        /// Passes over the training set.
        epochs: usize = 10, range(1, 100000);
        /// Images per step.
        batch: usize = 100, range(1, 65536);
        /// Weight of the KL term once warmed up; 1 trains the ELBO itself (other values a β-VAE, whose loss is no longer the bound).
        beta: f64 = 1.0, range(0.0, 1000.0);
        /// Epochs over which the KL weight rises linearly from 0 to `beta` (KL warm-up); 0 uses `beta` from the start.
        warmup: usize = 0, range(0, 100000);
        /// `bernoulli`: binarised pixels and a Bernoulli decoder (logits); `gaussian`: dequantised 8-bit pixels and a Gaussian decoder (mean, one σ set to the training RMSE); `binarize` applies to bernoulli only.
        likelihood: String = "bernoulli".to_string(), choices("bernoulli", "gaussian");
    }
}

/// What a stored VAE needs to be rebuilt and evaluated (the model's `config`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VaeConfig {
    pub latent: usize,
    pub gaussian: bool,
    pub pixels: Pixels,
}

const POSTERIOR: &str = "posterior";
const LOG_SIGMA: &str = "likelihood.log_sigma";
const LN_2PI: f64 = 1.837_877_066_409_345_3;

/// The VAE's parts over one `VarMap`.
pub struct VaeNet {
    pub encoder: Encoder,
    mu: Linear,
    logvar: Linear,
    pub decoder: Decoder,
    log_sigma: Option<Tensor>,
    pub config: VaeConfig,
}

impl VaeNet {
    /// Builds the parts in `net` (variables `encoder.*`, `posterior.{mu,logvar}.*`, `decoder.*`
    /// and, for a Gaussian decoder, `likelihood.log_sigma`).
    pub fn build(net: &Net, config: VaeConfig) -> Result<VaeNet, StageError> {
        let encoder = net.encoder()?;
        let vb = net.vb();
        let mu = Linear::new(encoder.out_dim(), config.latent, vb.pp(POSTERIOR).pp("mu"))?;
        let logvar = Linear::new(encoder.out_dim(), config.latent, vb.pp(POSTERIOR).pp("logvar"))?;
        let decoder = net.decoder(config.latent)?;
        let log_sigma = if config.gaussian { Some(log_sigma_var(&vb)?) } else { None };
        Ok(VaeNet { encoder, mu, logvar, decoder, log_sigma, config })
    }

    /// μ and log σ² of q(z|x) for standardised inputs.
    pub fn encode(&self, x_std: &Tensor) -> Result<(Tensor, Tensor), StageError> {
        let h = self.encoder.forward(x_std)?;
        Ok((self.mu.forward(&h)?, self.logvar.forward(&h)?))
    }

    /// log p(x|z) per item, in nats, from the decoder's output.
    pub fn log_px(&self, out: &Tensor, x: &Tensor) -> Result<Tensor, StageError> {
        match &self.log_sigma {
            None => Ok(bce_with_logits_per_item(out, x)?.neg()?),
            Some(s) => gaussian_log_px(out, x, s),
        }
    }

    /// The decoder's mean image on [0, 1] (for pictures).
    pub fn mean(&self, out: &Tensor) -> Result<Tensor, StageError> {
        Ok(candle_nn::ops::sigmoid(out)?)
    }

    /// One reparameterised sample's ELBO terms per item: (log p(x|z), KL(q(z|x) ‖ N(0, I))).
    pub fn elbo_terms(&self, x: &Tensor, x_std: &Tensor, rng: &mut ChaCha8Rng) -> Result<(Tensor, Tensor), StageError> {
        let (out, kl) = self.decode_sample(x_std, rng)?;
        Ok((self.log_px(&out, x)?, kl))
    }

    /// The decoder's output for one reparameterised sample z ~ q(z|x), and KL(q(z|x) ‖ N(0, I)) per item.
    pub fn decode_sample(&self, x_std: &Tensor, rng: &mut ChaCha8Rng) -> Result<(Tensor, Tensor), StageError> {
        let (mu, logvar) = self.encode(x_std)?;
        let eps = randn(mu.shape(), rng, mu.device())?;
        let z = (&mu + (logvar.affine(0.5, 0.0)?.exp()? * eps)?)?;
        Ok((self.decoder.forward(&z)?, kl_standard_normal(&mu, &logvar)?))
    }

    /// The importance-weighted estimate of log p(x) per item with `k` samples from q(z|x):
    /// log (1/k) Σ p(x, z_i)/q(z_i|x), evaluated `chunk` rows of the decoder at a time.
    pub fn iwae(&self, x: &Tensor, x_std: &Tensor, k: usize, rng: &mut ChaCha8Rng) -> Result<Vec<f64>, StageError> {
        let (mu, logvar) = self.encode(x_std)?;
        let (n, l) = mu.dims2()?;
        let per_pass = (4096 / n.max(1)).clamp(1, k);
        let mut acc = vec![LogMeanExp::default(); n];
        let mut done = 0;
        while done < k {
            let kc = per_pass.min(k - done);
            let rep = |t: &Tensor| -> candle_core::Result<Tensor> {
                let mut shape = t.dims().to_vec();
                shape.insert(1, kc);
                let mut flat = t.dims().to_vec();
                flat[0] *= kc;
                t.unsqueeze(1)?.broadcast_as(shape)?.contiguous()?.reshape(flat)
            };
            let (mu_r, logvar_r) = (rep(&mu)?, rep(&logvar)?);
            let eps = randn((n * kc, l), rng, mu.device())?;
            let z = (&mu_r + (logvar_r.affine(0.5, 0.0)?.exp()? * &eps)?)?;
            let log_w = ((self.log_px(&self.decoder.forward(&z)?, &rep(x)?)? + log_standard_normal(&z)?)? - log_diag_normal(&eps, &logvar_r)?)?;
            let log_w = log_w.reshape((n, kc))?.to_vec2::<f32>()?;
            for (a, row) in acc.iter_mut().zip(log_w) {
                a.extend(row.iter().map(|&v| v as f64));
            }
            done += kc;
        }
        Ok(acc.iter().map(LogMeanExp::value).collect())
    }
}

/// log N(x; m, e^(2s)·I) per item with m = sigmoid(out) and one shared log σ `s` (shape 1):
/// −½ Σ [ (x − m)²·e^(−2s) + 2s + ln 2π ].
pub fn gaussian_log_px(out: &Tensor, x: &Tensor, s: &Tensor) -> Result<Tensor, StageError> {
    let d = x.elem_count() / x.dim(0)?;
    let m = candle_nn::ops::sigmoid(out)?;
    let sq = (x - m)?.sqr()?.flatten_from(1)?.sum(1)?;
    let inv_var = s.affine(-2.0, 0.0)?.exp()?;
    let per = sq.broadcast_mul(&inv_var)?.broadcast_add(&s.affine(2.0 * d as f64, d as f64 * LN_2PI)?)?;
    Ok(per.affine(-0.5, 0.0)?)
}

/// The mean squared error per pixel between `x` and the decoder's mean, as a 1-element tensor
/// cut from the graph: the maximum-likelihood σ² of a shared Gaussian decoder.
fn mse_per_pixel(out: &Tensor, x: &Tensor) -> Result<Tensor, StageError> {
    Ok((x - candle_nn::ops::sigmoid(out)?)?.sqr()?.mean_all()?.reshape(1)?.detach())
}

fn log_sigma_var(vb: &VarBuilder) -> candle_core::Result<Tensor> {
    let (stem, leaf) = LOG_SIGMA.split_once('.').expect("dotted name");
    vb.pp(stem).get_with_hints(1, leaf, Init::Const(0.0))
}

/// KL(N(μ, diag e^logvar) ‖ N(0, I)) per item: ½ Σ (μ² + σ² − 1 − log σ²).
pub fn kl_standard_normal(mu: &Tensor, logvar: &Tensor) -> Result<Tensor, StageError> {
    let t = ((mu.sqr()? + logvar.exp()?)? - logvar)?.affine(1.0, -1.0)?;
    Ok(t.sum(1)?.affine(0.5, 0.0)?)
}

/// log N(z; 0, I) per item.
pub fn log_standard_normal(z: &Tensor) -> Result<Tensor, StageError> {
    let l = z.dim(1)? as f64;
    Ok(z.sqr()?.sum(1)?.affine(-0.5, -0.5 * l * LN_2PI)?)
}

/// log N(μ + σε; μ, diag σ²) per item, from the standard-normal draw ε and log σ².
pub fn log_diag_normal(eps: &Tensor, logvar: &Tensor) -> Result<Tensor, StageError> {
    let l = eps.dim(1)? as f64;
    Ok((eps.sqr()? + logvar)?.sum(1)?.affine(-0.5, -0.5 * l * LN_2PI)?)
}

/// A streaming, overflow-free log of the mean of exponentials.
#[derive(Debug, Clone, Default)]
pub struct LogMeanExp {
    max: f64,
    /// Σ exp(v − max).
    sum: f64,
    count: usize,
}

impl LogMeanExp {
    pub fn extend(&mut self, values: impl IntoIterator<Item = f64>) {
        for v in values {
            if self.count == 0 {
                (self.max, self.sum) = (v, 1.0);
            } else if v > self.max {
                self.sum = self.sum * (self.max - v).exp() + 1.0;
                self.max = v;
            } else {
                self.sum += (v - self.max).exp();
            }
            self.count += 1;
        }
    }

    pub fn value(&self) -> f64 {
        if self.count == 0 {
            f64::NAN
        } else {
            self.max + (self.sum / self.count as f64).ln()
        }
    }
}

/// The KL weight at global step `step` of `steps_per_epoch`·epochs: rises linearly to `beta`
/// over the first `warmup` epochs.
pub fn kl_weight(beta: f64, warmup: usize, step: usize, steps_per_epoch: usize) -> f64 {
    if warmup == 0 {
        beta
    } else {
        beta * ((step + 1) as f64 / (warmup * steps_per_epoch.max(1)) as f64).min(1.0)
    }
}

/// A stored VAE rebuilt for evaluation or sampling.
pub struct LoadedVae {
    pub net: Net,
    pub vae: VaeNet,
}

impl LoadedVae {
    pub fn load(model: &ModelArtifact, device: &Device) -> Result<LoadedVae, StageError> {
        let config: VaeConfig = config_of(model, "vae")?;
        let net = Net::like(model, device)?;
        let vae = VaeNet::build(&net, config)?;
        for prefix in [pipeline_nn::arch::ENCODER, POSTERIOR, pipeline_nn::arch::DECODER, "likelihood"] {
            net.restore(model, prefix)?;
        }
        Ok(LoadedVae { net, vae })
    }

    /// Standardised model input for prepared pixels.
    pub fn input(&self, x: &Tensor) -> Result<Tensor, StageError> {
        self.net.standardise(x)
    }
}

pub struct Vae;

impl Method for Vae {
    type Params = (ArchParams, VaeParams, OptimParams, BinarizeParams);
    const INFO: Info = Info {
        kind: Kind::Pretrain,
        name: "vae",
        doc: "variational autoencoder (Kingma & Welling 2013): Gaussian q(z|x), N(0, I) prior, Bernoulli or Gaussian decoder, trained on the ELBO",
        version: 2,
        inputs: &[Slot::one("data", &[ArtifactType::Dataset])],
        output: ArtifactType::Model,
        seeded: true,
    };

    fn run(&self, ctx: &mut StageCtx, (a, p, optim, b): Self::Params) -> Result<Artifact, StageError> {
        let data = ctx.dataset("data")?;
        let gaussian = p.likelihood == "gaussian";
        let pixels = if gaussian { Pixels::dequantised(b.binarize_seed) } else { Pixels::binary(&b) };
        let mut net = Net::for_dataset(&a.arch, &data, &ctx.device)?;
        (net.mean, net.std) = pixels.stats(&data.train, &data.layout, &data.mean, &data.std);
        let vae = VaeNet::build(&net, VaeConfig { latent: p.latent, gaussian, pixels })?;
        reinit_with(&net.varmap, ctx.seed, "", &|name, _| (name == LOG_SIGMA).then_some(InitKind::Const(0.0)))?;

        let n = data.train.len;
        let steps = n.div_ceil(p.batch);
        let (mut noise, mut pixel_noise) = (stream(ctx.seed, "vae reparameterisation"), stream(ctx.seed, "vae pixels"));
        // A Gaussian decoder's σ is not trained by gradient steps (from σ = 1 that takes thousands
        // of them) but set to its optimum, the batch's root mean squared error (the calibrated
        // decoder of Rybkin et al. 2021); the stored σ is that of the last epoch's training data.
        let trained = [pipeline_nn::arch::ENCODER, POSTERIOR, pipeline_nn::arch::DECODER].iter().flat_map(|p| net.vars(p)).collect();
        let mut trainer = trainer(ctx, &optim, p.epochs, p.batch, n, trained)?;
        let mut last_epoch_sq = 0f64;
        for epoch in 0..p.epochs {
            last_epoch_sq = 0.0;
            for idx in EpochBatches::new(n, p.batch, ctx.seed, epoch, false)?.iter() {
                let x = pixels.train_batch(&data.train, &data.layout, idx, &mut pixel_noise, &net.device)?;
                let (out, kl) = vae.decode_sample(&net.standardise(&x)?, &mut noise)?;
                let log_px = if gaussian {
                    let mse = mse_per_pixel(&out, &x)?;
                    last_epoch_sq += mse.to_vec1::<f32>()?[0] as f64 * idx.len() as f64;
                    gaussian_log_px(&out, &x, &mse.log()?.affine(0.5, 0.0)?)?
                } else {
                    vae.log_px(&out, &x)?
                };
                let (recon, kl) = (log_px.neg()?.mean_all()?, kl.mean_all()?);
                let w = kl_weight(p.beta, p.warmup, trainer.global_step(), steps);
                let loss = (&recon + kl.affine(w, 0.0)?)?;
                trainer.step(&loss, idx.len())?;
                trainer.log("recon", recon.to_scalar::<f32>()? as f64);
                trainer.log("kl", kl.to_scalar::<f32>()? as f64);
            }
            trainer.end_epoch();
        }
        if gaussian {
            let log_sigma = 0.5 * (last_epoch_sq / n as f64).ln();
            if !log_sigma.is_finite() {
                crate::bail!("the Gaussian decoder's σ came out as {}: the decoder reproduces its training pixels exactly", log_sigma.exp());
            }
            for v in pipeline_nn::init::vars_under(&net.varmap, LOG_SIGMA) {
                v.set(&Tensor::new(&[log_sigma as f32], &net.device)?)?;
            }
        }
        publish_curve(ctx, &trainer, "loss.csv")?;
        let config = vae.config.clone();
        Ok(Artifact::Model(Arc::new(with_config(net.into_artifact("vae", None, None, Default::default())?, &config)?)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_distr::{Distribution, StandardNormal};

    #[test]
    fn kl_matches_a_monte_carlo_estimate() {
        let mu = Tensor::new(&[[0.5f32, -1.0, 2.0], [0.0, 0.0, 0.0]], &Device::Cpu).unwrap();
        let logvar = Tensor::new(&[[0.0f32, -1.5, 0.7], [0.0, 0.0, 0.0]], &Device::Cpu).unwrap();
        let closed = kl_standard_normal(&mu, &logvar).unwrap().to_vec1::<f32>().unwrap();
        // By hand for item 0: ½ Σ (μ² + σ² − 1 − log σ²).
        let by_hand: f64 = [(0.5f64, 0.0f64), (-1.0, -1.5), (2.0, 0.7)].iter().map(|&(m, lv)| 0.5 * (m * m + lv.exp() - 1.0 - lv)).sum();
        assert!((closed[0] as f64 - by_hand).abs() < 1e-5, "{closed:?} vs {by_hand}");
        assert_eq!(closed[1], 0.0);
        // E_q[log q(z) − log p(z)] from 200 000 draws, through the same density helpers.
        let draws = 200_000;
        let mut rng = stream(3, "kl test");
        let eps: Vec<f32> = (0..draws * 3).map(|_| StandardNormal.sample(&mut rng)).collect();
        let eps = Tensor::from_vec(eps, (draws, 3), &Device::Cpu).unwrap();
        let (m, lv) = (mu.get(0).unwrap().unsqueeze(0).unwrap(), logvar.get(0).unwrap().unsqueeze(0).unwrap());
        let z = eps.broadcast_mul(&lv.affine(0.5, 0.0).unwrap().exp().unwrap()).unwrap().broadcast_add(&m).unwrap();
        let lv_all = lv.broadcast_as((draws, 3)).unwrap();
        let diff = (log_diag_normal(&eps, &lv_all).unwrap() - log_standard_normal(&z).unwrap()).unwrap();
        let mc = diff.to_dtype(candle_core::DType::F64).unwrap().mean_all().unwrap().to_scalar::<f64>().unwrap();
        // The estimator's standard error here is about 0.007.
        assert!((mc - by_hand).abs() < 0.03, "Monte Carlo {mc} vs closed form {by_hand}");
    }

    #[test]
    fn log_densities_match_the_formula() {
        let z = Tensor::new(&[[1.0f32, -2.0]], &Device::Cpu).unwrap();
        let want = -0.5 * (1.0 + 4.0) - LN_2PI;
        assert!((log_standard_normal(&z).unwrap().to_vec1::<f32>().unwrap()[0] as f64 - want).abs() < 1e-5);
        let lv = Tensor::new(&[[0.5f32, -0.5]], &Device::Cpu).unwrap();
        let want = -0.5 * (1.0 + 4.0 + 0.5 - 0.5) - LN_2PI;
        assert!((log_diag_normal(&z, &lv).unwrap().to_vec1::<f32>().unwrap()[0] as f64 - want).abs() < 1e-5);
    }

    #[test]
    fn log_mean_exp_is_stable_and_at_least_the_mean() {
        let mut a = LogMeanExp::default();
        a.extend([-1000.0, -1001.0, -999.0]);
        let want = -1000.0 + ((1.0 + (-1f64).exp() + 1f64.exp()) / 3.0).ln();
        assert!((a.value() - want).abs() < 1e-9);
        assert!(a.value() >= -1000.0);
        let mut b = LogMeanExp::default();
        b.extend([5.0]);
        assert_eq!(b.value(), 5.0);
        assert!(LogMeanExp::default().value().is_nan());
    }

    #[test]
    fn kl_warmup_rises_linearly_to_beta() {
        assert_eq!(kl_weight(1.0, 0, 0, 10), 1.0);
        assert!((kl_weight(2.0, 2, 0, 10) - 0.1).abs() < 1e-12);
        assert!((kl_weight(2.0, 2, 9, 10) - 1.0).abs() < 1e-12);
        assert_eq!(kl_weight(2.0, 2, 25, 10), 2.0);
    }
}
