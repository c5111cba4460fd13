//! Likelihoods of generative models on the test split, in nats per image and bits per dimension:
//! `elbo`, the VAE's evidence lower bound (Kingma & Welling 2013), and `nll`, −log p(x) — exact
//! for a PixelCNN, the importance-weighted bound with `k` samples for a VAE (Burda et al. 2015).
//!
//! Each model prepares the test images as it was trained (the same binarisation seed gives every
//! model the same binary test set). A VAE with a Gaussian decoder scores dequantised pixels; its
//! figures add D·ln 256 nats, so they bound the likelihood of the 8-bit images.

use candle_core::Tensor;
use pipeline_nn::batch::EpochBatches;
use pipeline_nn::init::stream;

use crate::artifact::{Artifact, MetricValue, ModelArtifact};
use crate::registry::{ArtifactType, Info, Kind, Method};
use crate::stage_ctx::{StageCtx, StageError};
use crate::stages::evaluate::accuracy::MODEL_AND_DATA;
use crate::stages::evaluate::clustering::NoParams;
use crate::stages::net::check_input;
use crate::stages::pretrain::pixelcnn::LoadedPixelCnn;
use crate::stages::pretrain::vae::LoadedVae;

pipeline_params::params! {
    /// How the likelihood is estimated.
    pub struct NllParams {
        /// Importance samples per test image for a VAE (Burda et al. use 5000); a PixelCNN's likelihood is exact and ignores it.
        k: usize = 100, range(1, 1000000);
    }
}

/// Bits per dimension of `nats` per image of `dims` values.
pub fn bits_per_dim(nats: f64, dims: usize) -> f64 {
    nats / (dims as f64 * std::f64::consts::LN_2)
}

/// Refuses models without a likelihood, naming what to do instead.
fn no_likelihood(model: &ModelArtifact, what: &str) -> StageError {
    match model.meta.method.as_str() {
        "gan" => StageError::msg(format!("a GAN defines no likelihood, so it has no {what}: look at its samples (report `generate`) or probe its discriminator")),
        "pixelcnn" => StageError::msg("a PixelCNN's likelihood is exact: evaluate it with `nll`"),
        other => StageError::msg(format!("{what} needs a model trained with `vae`{}, not `{other}`", if what == "nll" { " or `pixelcnn`" } else { "" })),
    }
}

pub struct Elbo;

impl Method for Elbo {
    type Params = NoParams;
    const INFO: Info = Info {
        kind: Kind::Evaluate,
        name: "elbo",
        doc: "a VAE's test ELBO in nats per image (one reparameterised sample, analytic KL), with recon, kl and elbo_bpd (−ELBO in bits per dimension)",
        version: 1,
        inputs: MODEL_AND_DATA,
        output: ArtifactType::Metrics,
        seeded: true,
    };

    fn run(&self, ctx: &mut StageCtx, _: NoParams) -> Result<Artifact, StageError> {
        let model = ctx.model("model")?;
        let data = ctx.dataset("data")?;
        check_input(&model, &data)?;
        if model.meta.method != "vae" {
            return Err(no_likelihood(&model, "ELBO"));
        }
        let v = LoadedVae::load(&model, &ctx.device)?;
        let dims = data.layout.item_len();
        let offset = v.vae.config.pixels.nats_offset(dims);
        let mut rng = stream(ctx.seed, "elbo");
        let (mut recon, mut kl, mut n) = (0f64, 0f64, 0usize);
        for idx in EpochBatches::sequential(data.test.len, 256)?.iter() {
            let x = v.vae.config.pixels.test_batch(&data.test, &data.layout, idx, &ctx.device)?;
            let (log_px, k) = v.vae.elbo_terms(&x, &v.input(&x)?, &mut rng)?;
            recon -= sum(&log_px)?;
            kl += sum(&k)?;
            n += idx.len();
            ctx.progress().update(n as u64, data.test.len as u64, "test ELBO");
        }
        if n == 0 {
            crate::bail!("the test split is empty");
        }
        let recon = recon / n as f64 + offset;
        let kl = kl / n as f64;
        let elbo = -(recon + kl);
        Ok(Artifact::Metrics(vec![
            MetricValue::new("elbo", elbo),
            MetricValue::new("recon", recon),
            MetricValue::new("kl", kl),
            MetricValue::new("elbo_bpd", bits_per_dim(-elbo, dims)),
        ]))
    }
}

pub struct Nll;

impl Method for Nll {
    type Params = NllParams;
    const INFO: Info = Info {
        kind: Kind::Evaluate,
        name: "nll",
        doc: "test negative log-likelihood in nats per image and nll_bpd: exact for a PixelCNN, the k-sample importance-weighted bound for a VAE",
        version: 1,
        inputs: MODEL_AND_DATA,
        output: ArtifactType::Metrics,
        seeded: true,
    };

    fn run(&self, ctx: &mut StageCtx, p: NllParams) -> Result<Artifact, StageError> {
        let model = ctx.model("model")?;
        let data = ctx.dataset("data")?;
        check_input(&model, &data)?;
        let dims = data.layout.item_len();
        let total = data.test.len as u64;
        let mut nll = 0f64;
        let mut n = 0usize;
        match model.meta.method.as_str() {
            "vae" => {
                let v = LoadedVae::load(&model, &ctx.device)?;
                let mut rng = stream(ctx.seed, "iwae");
                // Small batches: each image's k samples pass the decoder together.
                for idx in EpochBatches::sequential(data.test.len, 32)?.iter() {
                    let x = v.vae.config.pixels.test_batch(&data.test, &data.layout, idx, &ctx.device)?;
                    nll -= v.vae.iwae(&x, &v.input(&x)?, p.k, &mut rng)?.iter().sum::<f64>();
                    n += idx.len();
                    ctx.progress().update(n as u64, total, &format!("IWAE, k = {}", p.k));
                }
                nll += n as f64 * v.vae.config.pixels.nats_offset(dims);
            }
            "pixelcnn" => {
                let m = LoadedPixelCnn::load(&model, &ctx.device)?;
                for idx in EpochBatches::sequential(data.test.len, 128)?.iter() {
                    let (input, target) = m.test_batch(&data.test, &data.layout, idx)?;
                    nll -= sum(&m.model.log_prob(&m.model.forward(&input)?, &target)?)?;
                    n += idx.len();
                    ctx.progress().update(n as u64, total, "exact likelihood");
                }
            }
            _ => return Err(no_likelihood(&model, "nll")),
        }
        if n == 0 {
            crate::bail!("the test split is empty");
        }
        let nll = nll / n as f64;
        Ok(Artifact::Metrics(vec![MetricValue::new("nll", nll), MetricValue::new("nll_bpd", bits_per_dim(nll, dims))]))
    }
}

fn sum(t: &Tensor) -> Result<f64, StageError> {
    Ok(t.to_dtype(candle_core::DType::F64)?.sum_all()?.to_scalar::<f64>()?)
}

#[cfg(test)]
mod tests {
    #[test]
    fn bits_per_dim_of_a_fair_coin_is_one() {
        let nats = 784.0 * std::f64::consts::LN_2;
        assert!((super::bits_per_dim(nats, 784) - 1.0).abs() < 1e-12);
    }
}
