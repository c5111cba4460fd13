//! `gan`: generative adversarial networks (Goodfellow et al. 2014), DCGAN-style for images
//! (Radford et al. 2016: transposed-conv generator, conv discriminator, Adam lr 2e-4, β1 0.5).
//!
//! The generator is the shared mirrored decoder from noise z ~ N(0, I) to image logits (a sigmoid
//! gives [0, 1] pixels); the discriminator is the shared encoder (stored under `encoder.`, so its
//! features can be probed like any other encoder's) with a linear `critic` on its last layer.
//! The two play the min–max game with alternating updates and the non-saturating generator loss
//! −log D(G(z)). `conditional: true` (Mirza & Osindero 2014) appends the one-hot class to the
//! noise and conditions the discriminator by projection (Miyato & Koyama 2018): the logit gains
//! ⟨embed(y), φ(x)⟩. Both networks keep PyTorch's default initialisation: without batch norm,
//! DCGAN's N(0, 0.02) weights would shrink the signal at every layer.

use std::sync::Arc;

use candle_core::{Device, Tensor};
use pipeline_nn::arch::{arch, Decoder, Encoder};
use pipeline_nn::batch::{images_to_tensor, EpochBatches};
use pipeline_nn::init::{randn, reinit, stream};
use pipeline_nn::layers::Linear;
use pipeline_nn::loss::bce_with_logits;
use pipeline_nn::optim::{Adam, Schedule};
use pipeline_nn::train::Trainer;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::stored::{config_of, with_config};
use crate::artifact::{Artifact, ModelArtifact};
use crate::registry::{ArtifactType, Info, Kind, Method, Slot};
use crate::stage_ctx::{StageCtx, StageError};
use crate::stages::fit::{publish_curve, trainer};
use crate::stages::net::{labels, ArchParams, Net};

pipeline_params::params! {
    /// The GAN's noise, conditioning and training schedule, with DCGAN's optimiser settings.
    pub struct GanParams {
        /// Noise dimensions of the generator's input.
        latent: usize = 64, range(1, 4096);
        /// Condition both networks on the class label (one-hot noise suffix for the generator, a projection for the discriminator); needs labels.
        conditional: bool = false;
        /// Passes over the training set.
        epochs: usize = 10, range(1, 100000);
        /// Real (and as many generated) images per step.
        batch: usize = 64, range(1, 65536);
        /// Adam learning rate of both networks (DCGAN: 2e-4).
        lr: f64 = 2e-4, range(1e-12, 100.0);
        /// Adam's first-moment decay (DCGAN: 0.5).
        beta1: f64 = 0.5, range(0.0, 0.9999);
        /// Adam's second-moment decay.
        beta2: f64 = 0.999, range(0.0, 0.99999);
    }
}

/// What a stored GAN needs to be rebuilt (the model's `config`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GanConfig {
    pub latent: usize,
    /// Number of classes when conditional.
    pub classes: Option<usize>,
}

const GENERATOR: &str = "generator";
const CRITIC: &str = "critic";
const EMBED: &str = "critic_embed";

/// Generator and discriminator over one `VarMap`.
pub struct GanNet {
    pub generator: Decoder,
    pub encoder: Encoder,
    critic: Linear,
    /// classes × features, the projection of a conditional discriminator.
    embed: Option<Tensor>,
    pub config: GanConfig,
}

impl GanNet {
    pub fn build(net: &Net, config: GanConfig) -> Result<GanNet, StageError> {
        let vb = net.vb();
        let steps = (arch(&net.spec.name)?.steps)();
        let generator = Decoder::new(&net.spec, &steps, config.latent + config.classes.unwrap_or(0), vb.pp(GENERATOR))?;
        let encoder = net.encoder()?;
        let critic = Linear::new(encoder.out_dim(), 1, vb.pp(CRITIC))?;
        let embed = match config.classes {
            Some(k) => Some(vb.pp(EMBED).get_with_hints((k, encoder.out_dim()), "weight", candle_nn::Init::Const(0.0))?),
            None => None,
        };
        Ok(GanNet { generator, encoder, critic, embed, config })
    }

    /// Generated images on [0, 1] for noise `z` (and one-hot labels when conditional).
    pub fn generate(&self, z: &Tensor, onehot: Option<&Tensor>) -> Result<Tensor, StageError> {
        let input = match onehot {
            Some(y) => Tensor::cat(&[z, y], 1)?,
            None => z.clone(),
        };
        Ok(candle_nn::ops::sigmoid(&self.generator.forward(&input)?)?)
    }

    /// The discriminator's logit (real vs generated) for images on [0, 1].
    pub fn discriminate(&self, x: &Tensor, net: &Net, onehot: Option<&Tensor>) -> Result<Tensor, StageError> {
        let phi = self.encoder.forward(&net.standardise(x)?)?;
        let mut logit = self.critic.forward(&phi)?.squeeze(1)?;
        if let (Some(e), Some(y)) = (&self.embed, onehot) {
            logit = (logit + (y.matmul(e)? * &phi)?.sum(1)?)?;
        }
        Ok(logit)
    }

    /// Noise for `n` images.
    pub fn noise(&self, n: usize, rng: &mut ChaCha8Rng, device: &Device) -> Result<Tensor, StageError> {
        Ok(randn((n, self.config.latent), rng, device)?)
    }
}

/// One-hot rows for `labels`.
pub fn one_hot(labels: &[u32], classes: usize, device: &Device) -> Result<Tensor, StageError> {
    let mut v = vec![0f32; labels.len() * classes];
    for (i, &l) in labels.iter().enumerate() {
        if l as usize >= classes {
            crate::bail!("label {l} is not below the {classes} classes");
        }
        v[i * classes + l as usize] = 1.0;
    }
    Ok(Tensor::from_vec(v, (labels.len(), classes), device)?)
}

/// A stored GAN rebuilt for sampling.
pub struct LoadedGan {
    pub net: Net,
    pub gan: GanNet,
}

impl LoadedGan {
    pub fn load(model: &ModelArtifact, device: &Device) -> Result<LoadedGan, StageError> {
        let config: GanConfig = config_of(model, "gan")?;
        let net = Net::like(model, device)?;
        let gan = GanNet::build(&net, config)?;
        for prefix in [GENERATOR, pipeline_nn::arch::ENCODER, CRITIC, EMBED] {
            net.restore(model, prefix)?;
        }
        Ok(LoadedGan { net, gan })
    }
}

pub struct Gan;

impl Method for Gan {
    type Params = (ArchParams, GanParams);
    const INFO: Info = Info {
        kind: Kind::Pretrain,
        name: "gan",
        doc: "GAN (Goodfellow et al. 2014), DCGAN-style: decoder generator, encoder + linear critic discriminator, non-saturating loss; `conditional` for class-conditional generation",
        version: 1,
        inputs: &[Slot::one("data", &[ArtifactType::Dataset])],
        output: ArtifactType::Model,
        seeded: true,
    };

    fn run(&self, ctx: &mut StageCtx, (a, p): Self::Params) -> Result<Artifact, StageError> {
        let data = ctx.dataset("data")?;
        let y_all = if p.conditional { Some(labels(&data.train, &data, "a conditional GAN")?) } else { None };
        let classes = y_all.map(|y| data.classes.len().max(1 + *y.iter().max().unwrap_or(&0) as usize));
        let net = Net::for_dataset(&a.arch, &data, &ctx.device)?;
        let gan = GanNet::build(&net, GanConfig { latent: p.latent, classes })?;
        reinit(&net.varmap, ctx.seed)?;

        // Two optimisers over disjoint variables; the generator's trainer drives the progress bar
        // and its curve carries the discriminator's figures as extra columns.
        let n = data.train.len;
        let adam = |vars| Adam::new(vars, p.lr, p.beta1, p.beta2, 0.0, false);
        let optim = pipeline_nn::optim::OptimParams { lr: p.lr, beta1: p.beta1, beta2: p.beta2, ..Default::default() };
        let mut g_trainer = trainer(ctx, &optim, p.epochs, p.batch, n, net.vars(&format!("{GENERATOR}.")))?;
        let mut d_vars = net.vars(&format!("{}.", pipeline_nn::arch::ENCODER));
        d_vars.extend(net.vars(&format!("{CRITIC}.")));
        d_vars.extend(net.vars(&format!("{EMBED}.")));
        let steps = n.div_ceil(p.batch);
        let mut d_trainer = Trainer::new(Box::new(adam(d_vars)?), Schedule::Constant, p.epochs, steps);
        let mut noise = stream(ctx.seed, "gan noise");
        let dims = data.layout.item_dims();
        let dev = net.device.clone();
        for epoch in 0..p.epochs {
            for idx in EpochBatches::new(n, p.batch, ctx.seed, epoch, false)?.iter() {
                let real = images_to_tensor(&data.train.images, idx, &dims, None, &dev)?;
                let onehot = match (y_all, classes) {
                    (Some(y), Some(k)) => Some(one_hot(&idx.iter().map(|&i| y[i]).collect::<Vec<_>>(), k, &dev)?),
                    _ => None,
                };
                let ones = Tensor::ones(idx.len(), real.dtype(), &dev)?;
                let zeros = ones.zeros_like()?;

                // Discriminator: real → 1, generated (detached: no gradient into G) → 0.
                let fake = gan.generate(&gan.noise(idx.len(), &mut noise, &dev)?, onehot.as_ref())?.detach();
                let d_real = gan.discriminate(&real, &net, onehot.as_ref())?;
                let d_fake = gan.discriminate(&fake, &net, onehot.as_ref())?;
                let d_loss = (bce_with_logits(&d_real, &ones)? + bce_with_logits(&d_fake, &zeros)?)?;
                let d_value = d_trainer.step(&d_loss, idx.len())?;

                // Generator: the non-saturating loss −log D(G(z)) on fresh noise.
                let fake = gan.generate(&gan.noise(idx.len(), &mut noise, &dev)?, onehot.as_ref())?;
                let g_loss = bce_with_logits(&gan.discriminate(&fake, &net, onehot.as_ref())?, &ones)?;
                g_trainer.step(&g_loss, idx.len())?;
                g_trainer.log("d_loss", d_value as f64);
                g_trainer.log("d_real", mean_sigmoid(&d_real)?);
                g_trainer.log("d_fake", mean_sigmoid(&d_fake)?);
            }
            d_trainer.end_epoch();
            g_trainer.end_epoch();
        }
        publish_curve(ctx, &g_trainer, "loss.csv")?;
        let config = gan.config.clone();
        Ok(Artifact::Model(Arc::new(with_config(net.into_artifact("gan", None, None, Default::default())?, &config)?)))
    }
}

/// Mean probability the discriminator assigns to "real".
fn mean_sigmoid(logits: &Tensor) -> Result<f64, StageError> {
    Ok(candle_nn::ops::sigmoid(logits)?.mean_all()?.to_scalar::<f32>()? as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_hot_rows_and_bad_labels() {
        let t = one_hot(&[2, 0], 3, &Device::Cpu).unwrap().to_vec2::<f32>().unwrap();
        assert_eq!(t, vec![vec![0., 0., 1.], vec![1., 0., 0.]]);
        assert!(one_hot(&[3], 3, &Device::Cpu).unwrap_err().to_string().contains("not below"));
    }
}
