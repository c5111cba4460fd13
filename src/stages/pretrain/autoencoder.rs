//! `ae` and `dae`: autoencoders (Hinton & Salakhutdinov 2006) and denoising autoencoders
//! (Vincent et al. 2008): encode, decode, and score the reconstruction of the clean image with a
//! per-pixel Bernoulli likelihood (binary cross-entropy on [0, 1] pixels). The DAE corrupts its
//! input first: masking noise (a fraction of pixels set to 0) or additive Gaussian noise.

use std::sync::Arc;

use pipeline_nn::batch::{images_to_tensor, EpochBatches};
use pipeline_nn::init::{rand, randn, reinit, stream};
use pipeline_nn::loss::bce_with_logits;
use pipeline_nn::optim::OptimParams;

use crate::artifact::Artifact;
use crate::registry::{ArtifactType, Info, Kind, Method, Slot};
use crate::stage_ctx::{StageCtx, StageError};
use crate::stages::fit::{publish_curve, trainer};
use crate::stages::net::{ArchParams, Net};

pipeline_params::params! {
    /// Autoencoder training schedule.
    pub struct AeParams {
        /// Passes over the training set.
        epochs: usize = 5, range(1, 100000);
        /// Images per step.
        batch: usize = 128, range(1, 65536);
    }
}

pipeline_params::params! {
    /// How the denoising autoencoder corrupts its input.
    pub struct Corruption {
        /// `mask`: set a random fraction of pixels to 0; `gaussian`: add N(0, level²) noise on the [0, 1] scale.
        corruption: String = "mask".to_string(), choices("mask", "gaussian");
        /// Fraction of pixels masked, or the noise's standard deviation.
        level: f64 = 0.3, range(0.0, 1.0);
    }
}

const INPUTS: &[Slot] = &[Slot::one("data", &[ArtifactType::Dataset])];

pub struct Ae;
pub struct Dae;

impl Method for Ae {
    type Params = (ArchParams, AeParams, OptimParams);
    const INFO: Info = Info {
        kind: Kind::Pretrain,
        name: "ae",
        doc: "autoencoder: encoder + mirrored decoder trained to reconstruct the image (Bernoulli / BCE loss)",
        version: 1,
        inputs: INPUTS,
        output: ArtifactType::Model,
        seeded: true,
    };
    fn run(&self, ctx: &mut StageCtx, (a, p, optim): Self::Params) -> Result<Artifact, StageError> {
        train(ctx, "ae", &a, &p, &optim, None)
    }
}

impl Method for Dae {
    type Params = (ArchParams, AeParams, OptimParams, Corruption);
    const INFO: Info = Info {
        kind: Kind::Pretrain,
        name: "dae",
        doc: "denoising autoencoder: reconstructs the clean image from a corrupted one (masking or Gaussian noise)",
        version: 1,
        inputs: INPUTS,
        output: ArtifactType::Model,
        seeded: true,
    };
    fn run(&self, ctx: &mut StageCtx, (a, p, optim, c): Self::Params) -> Result<Artifact, StageError> {
        train(ctx, "dae", &a, &p, &optim, Some(&c))
    }
}

fn train(ctx: &mut StageCtx, method: &str, a: &ArchParams, p: &AeParams, optim: &OptimParams, corrupt: Option<&Corruption>) -> Result<Artifact, StageError> {
    let data = ctx.dataset("data")?;
    let net = Net::for_dataset(&a.arch, &data, &ctx.device)?;
    let encoder = net.encoder()?;
    let latent = encoder.out_dim();
    let decoder = net.decoder(latent)?;
    reinit(&net.varmap, ctx.seed)?;
    let dims = data.layout.item_dims();
    let mut noise = stream(ctx.seed, "corruption");

    let n = data.train.len;
    let mut trainer = trainer(ctx, optim, p.epochs, p.batch, n, net.vars(""))?;
    for epoch in 0..p.epochs {
        for idx in EpochBatches::new(n, p.batch, ctx.seed, epoch, false)?.iter() {
            // The target is the clean image on [0, 1]; the input is standardised (and corrupted).
            let clean = images_to_tensor(&data.train.images, idx, &dims, None, &net.device)?;
            let input = match corrupt {
                None => clean.clone(),
                Some(c) if c.corruption == "mask" => {
                    let keep = rand(clean.shape(), &mut noise, &net.device)?.ge(c.level)?.to_dtype(clean.dtype())?;
                    (&clean * keep)?
                }
                Some(c) => (&clean + (randn(clean.shape(), &mut noise, &net.device)? * c.level)?)?,
            };
            let x = net.standardise(&input)?;
            let logits = decoder.forward(&encoder.forward(&x)?)?;
            let loss = bce_with_logits(&logits, &clean)?;
            trainer.step(&loss, idx.len())?;
        }
        trainer.end_epoch();
    }
    publish_curve(ctx, &trainer, "loss.csv")?;
    Ok(Artifact::Model(Arc::new(net.into_artifact(method, None, Some(latent), Default::default())?)))
}
