//! `pretext`: learns to predict the targets of a pretext dataset (Doersch et al. 2015, Noroozi &
//! Favaro 2016, Zhang et al. 2016, Pathak et al. 2016, Dosovitskiy et al. 2014, Misra et al.
//! 2016, Gidaris et al. 2018), which the stored encoder is then judged by.
//!
//! The network follows the target the task made:
//! - a class per item, one part (rotation, exemplar): encoder → linear head, cross-entropy;
//! - a class per item, several parts (jigsaw, relative position, temporal order): one encoder
//!   shared by every part, the parts' last-layer features concatenated, a dense `context` layer
//!   (`hidden` units, ReLU; as the papers' fc7 over concatenated fc6) and a linear head;
//! - a class per pixel (colorization): the encoder's mirrored decoder outputs one logit per ab
//!   bin per pixel; cross-entropy weighted by the task's class weights (rebalancing);
//! - pixels of a region (inpainting, the context encoder): the mirrored decoder outputs the
//!   image; L2 on the region (through a sigmoid, on the [0, 1] scale), mixed with an adversarial
//!   loss from a small MLP discriminator on the region: (1 − w)·L2 + w·adv.
//!
//! Parts have the shape of the probe's images (tasks resize tiles to the image size), so every
//! layer of the stored encoder, fc included, reads whole images of the source dataset.

use std::sync::Arc;

use candle_core::{DType, Device, Tensor, D};
use candle_nn::{VarBuilder, VarMap};
use pipeline_data::Layout;
use pipeline_nn::arch::{build_encoder, ArchSpec, Decoder, Encoder, Head};
use pipeline_nn::batch::{images_to_tensor, labels_to_tensor, EpochBatches};
use pipeline_nn::init::reinit;
use pipeline_nn::layers::Linear;
use pipeline_nn::loss::{bce_with_logits, cross_entropy, mse};
use pipeline_nn::optim::OptimParams;
use pipeline_nn::train::Trainer;
use pipeline_pretext::{PretextSplit, Targets};

use crate::artifact::{Artifact, PretextData, TargetKind};
use crate::registry::{ArtifactType, Info, Kind, Method, Slot};
use crate::seeds::sub_seed;
use crate::stage_ctx::{StageCtx, StageError};
use crate::stages::fit::{publish_curve, trainer};
use crate::stages::input_transform::InputTransform;
use crate::stages::net::{arch_spec, ArchParams, Net};

pipeline_params::params! {
    /// Pretext training.
    pub struct PretextTrainParams {
        /// Passes over the pretext training items.
        epochs: usize = 5, range(1, 100000);
        /// Items per step (a jigsaw item is 9 images).
        batch: usize = 64, range(1, 65536);
        /// Tasks with several parts: units of the dense layer over the concatenated part features (0: the head reads them directly).
        hidden: usize = 512, range(0, 65536);
        /// Reconstruction tasks (context encoder): weight w of the adversarial loss in (1 − w)·L2 + w·adv; Pathak et al. use 0.001; 0 trains with L2 only.
        adversarial: f64 = 0.001, range(0.0, 1.0);
    }
}

pub struct Pretext;

impl Method for Pretext {
    type Params = (ArchParams, PretextTrainParams, OptimParams);
    const INFO: Info = Info {
        kind: Kind::Pretrain,
        name: "pretext",
        doc: "learns a pretext task's generated targets (classification or reconstruction); the encoder is the result",
        version: 1,
        inputs: &[Slot::one("data", &[ArtifactType::PretextDataset])],
        output: ArtifactType::Model,
        seeded: true,
    };

    fn run(&self, ctx: &mut StageCtx, (a, p, optim): Self::Params) -> Result<Artifact, StageError> {
        let pd = ctx.pretext("data")?;
        let net = net_for(&a.arch, &pd, &ctx.device)?;
        let encoder = net.encoder()?;
        let top = Top::build(&net, &encoder, &pd, &p)?;
        reinit(&net.varmap, ctx.seed)?;
        let mut critic = match pd.meta.target {
            TargetKind::Pixels { .. } if p.adversarial > 0.0 => Some(Critic::new(&pd, &optim, &p, ctx.seed, &net.device)?),
            _ => None,
        };

        let n = pd.train.len;
        let mut trainer = trainer(ctx, &optim, p.epochs, p.batch, n, net.vars(""))?;
        for epoch in 0..p.epochs {
            for idx in EpochBatches::new(n, p.batch, ctx.seed, epoch, false)?.iter() {
                let x = inputs(&net, &pd, &pd.train, idx)?;
                let out = top.forward(&encoder, &x, pd.meta.parts)?;
                let loss = match (&mut critic, &top) {
                    (Some(c), Top::Reconstruct { .. }) => {
                        let fake = top.region(&out, &pd)?;
                        let real = pixel_targets(&pd, &pd.train, idx, &net.device)?;
                        let adv = c.train_step(&real, &fake)?;
                        trainer.log("critic_loss", adv as f64);
                        let w = p.adversarial;
                        ((mse(&fake, &real)? * (1.0 - w))? + (c.fool_loss(&fake)? * w)?)?
                    }
                    _ => top.loss(&out, &pd, &pd.train, idx)?,
                };
                trainer.step(&loss, idx.len())?;
            }
            trainer.end_epoch();
        }
        publish_curve(ctx, &trainer, "loss.csv")?;
        let (name, value) = top.evaluate(&net, &encoder, &pd)?;
        ctx.metric(name, value);

        let task = pd.meta.task.clone();
        let mut model = net.into_artifact(&task, None, None, Default::default())?;
        let mut config = serde_json::Map::new();
        if let serde_json::Value::Object(m) = &model.meta.config {
            config.extend(m.clone());
        }
        config.insert("pretext".to_string(), serde_json::Value::String(task));
        model.meta.config = serde_json::Value::Object(config);
        Ok(Artifact::Model(Arc::new(model)))
    }
}

/// A network whose encoder reads one part. `auto` picks the architecture the source dataset's
/// own images would get, so a colorization encoder (1-channel L input) on RGB data is the same
/// network as the RGB rows of its table.
fn net_for(arch: &str, pd: &PretextData, device: &Device) -> Result<Net, StageError> {
    let m = &pd.meta;
    let l = m.source_layout;
    let name = arch_spec(arch, &Layout::image(l.channels, l.height, l.width))?.name;
    Ok(Net {
        varmap: VarMap::new(),
        spec: ArchSpec::new(&name, m.part.channels, m.part.height, m.part.width),
        device: device.clone(),
        mean: m.mean.clone(),
        std: m.std.clone(),
        transform: m.input_transform.as_deref().map(InputTransform::parse).transpose()?,
    })
}

/// Items `idx` as a standardised (N·parts)×C×H×W batch.
fn inputs(net: &Net, pd: &PretextData, split: &PretextSplit, idx: &[usize]) -> Result<Tensor, StageError> {
    let s = pd.meta.part;
    let x = images_to_tensor(&split.inputs, idx, &[pd.meta.parts, s.channels, s.height, s.width], Some(net.norm()), &net.device)?;
    Ok(x.reshape((idx.len() * pd.meta.parts, s.channels, s.height, s.width))?)
}

/// The region targets of items `idx` on the [0, 1] scale, N×C×h×w.
fn pixel_targets(pd: &PretextData, split: &PretextSplit, idx: &[usize], device: &Device) -> Result<Tensor, StageError> {
    let (TargetKind::Pixels { region }, Targets::Pixels(t)) = (pd.meta.target, &split.targets) else {
        crate::bail!("the {} pretext dataset has no pixel targets", pd.meta.task);
    };
    let len = pd.meta.part.channels * region.height * region.width;
    let mut v = Vec::with_capacity(idx.len() * len);
    for &i in idx {
        v.extend(t[i * len..(i + 1) * len].iter().map(|&b| b as f32 / 255.0));
    }
    Ok(Tensor::from_vec(v, (idx.len(), pd.meta.part.channels, region.height, region.width), device)?)
}

/// What sits on top of the encoder.
enum Top {
    Classify { context: Option<Linear>, head: Head },
    PixelClass { decoder: Decoder, weights: Tensor },
    Reconstruct { decoder: Decoder },
}

impl Top {
    fn build(net: &Net, encoder: &Encoder, pd: &PretextData, p: &PretextTrainParams) -> Result<Top, StageError> {
        let m = &pd.meta;
        let d = encoder.out_dim();
        if m.parts != 1 && m.target != TargetKind::Class {
            crate::bail!("a {}-part pretext dataset must have class targets", m.parts);
        }
        Ok(match m.target {
            TargetKind::Class => {
                let (context, dim) = if m.parts > 1 && p.hidden > 0 {
                    (Some(Linear::new(m.parts * d, p.hidden, net.vb().pp("context"))?), p.hidden)
                } else {
                    (None, m.parts * d)
                };
                Top::Classify { context, head: Head::new(dim, m.classes, net.vb())? }
            }
            TargetKind::PixelClass => {
                // The mirrored decoder of a network whose input had one channel per bin.
                let spec = ArchSpec { in_channels: m.classes, ..net.spec.clone() };
                let decoder = pipeline_nn::arch::build_decoder(&spec, d, net.vb())?;
                let w = if m.class_weights.is_empty() { vec![1.0; m.classes] } else { m.class_weights.clone() };
                if w.len() != m.classes {
                    crate::bail!("the {} pretext dataset has {} class weights for {} classes", m.task, w.len(), m.classes);
                }
                Top::PixelClass { decoder, weights: Tensor::from_vec(w, m.classes, &net.device)? }
            }
            TargetKind::Pixels { .. } => Top::Reconstruct { decoder: net.decoder(d)? },
        })
    }

    /// Logits (classes), per-pixel bin logits N×Q×H×W, or the reconstructed image N×C×H×W.
    fn forward(&self, encoder: &Encoder, x: &Tensor, parts: usize) -> Result<Tensor, StageError> {
        let f = encoder.forward(x)?;
        Ok(match self {
            Top::Classify { context, head } => {
                let n = f.dim(0)? / parts;
                let mut h = f.reshape((n, parts * f.dim(1)?))?;
                if let Some(c) = context {
                    h = c.forward_relu(&h)?;
                }
                head.forward(&h)?
            }
            Top::PixelClass { decoder, .. } => decoder.forward(&f)?,
            Top::Reconstruct { decoder } => candle_nn::ops::sigmoid(&decoder.forward(&f)?)?,
        })
    }

    /// The target region of a reconstruction.
    fn region(&self, out: &Tensor, pd: &PretextData) -> Result<Tensor, StageError> {
        let TargetKind::Pixels { region: r } = pd.meta.target else { crate::bail!("not a reconstruction task") };
        Ok(out.narrow(2, r.top, r.height)?.narrow(3, r.left, r.width)?)
    }

    fn loss(&self, out: &Tensor, pd: &PretextData, split: &PretextSplit, idx: &[usize]) -> Result<Tensor, StageError> {
        let device = out.device();
        Ok(match (self, &split.targets) {
            (Top::Classify { .. }, Targets::Classes(y)) => cross_entropy(out, &labels_to_tensor(y, idx, device)?)?,
            (Top::PixelClass { weights, .. }, Targets::Bins(_)) => {
                let (logits, y) = pixel_logits(out, pd, split, idx)?;
                weighted_cross_entropy(&logits, &y, weights)?
            }
            (Top::Reconstruct { .. }, Targets::Pixels(_)) => mse(&self.region(out, pd)?, &pixel_targets(pd, split, idx, device)?)?,
            _ => crate::bail!("the {} pretext dataset's targets do not match its target kind", pd.meta.task),
        })
    }

    /// Test-split accuracy (per item, or per pixel) or reconstruction MSE.
    fn evaluate(&self, net: &Net, encoder: &Encoder, pd: &PretextData) -> Result<(&'static str, f64), StageError> {
        let (mut sum, mut count) = (0f64, 0usize);
        for idx in EpochBatches::sequential(pd.test.len, 128)?.iter() {
            let x = inputs(net, pd, &pd.test, idx)?;
            let out = self.forward(encoder, &x, pd.meta.parts)?.detach();
            match self {
                Top::Classify { .. } => {
                    let Targets::Classes(y) = &pd.test.targets else { crate::bail!("no class targets") };
                    let pred = out.argmax(1)?.to_vec1::<u32>()?;
                    sum += idx.iter().zip(pred).filter(|(&i, p)| y[i] == *p).count() as f64;
                    count += idx.len();
                }
                Top::PixelClass { .. } => {
                    let (logits, y) = pixel_logits(&out, pd, &pd.test, idx)?;
                    let hit = logits.argmax(1)?.eq(&y)?.to_dtype(DType::F32)?.sum_all()?.to_scalar::<f32>()?;
                    sum += hit as f64;
                    count += y.dim(0)?;
                }
                Top::Reconstruct { .. } => {
                    let err = mse(&self.region(&out, pd)?, &pixel_targets(pd, &pd.test, idx, &net.device)?)?.to_scalar::<f32>()?;
                    sum += err as f64 * idx.len() as f64;
                    count += idx.len();
                }
            }
        }
        let name = if matches!(self, Top::Reconstruct { .. }) { "pretext_mse" } else { "pretext_accuracy" };
        Ok((name, if count == 0 { f64::NAN } else { sum / count as f64 }))
    }
}

/// Per-pixel logits as (N·H·W) × Q rows and their bin targets.
fn pixel_logits(out: &Tensor, pd: &PretextData, split: &PretextSplit, idx: &[usize]) -> Result<(Tensor, Tensor), StageError> {
    let Targets::Bins(bins) = &split.targets else { crate::bail!("the {} pretext dataset has no per-pixel targets", pd.meta.task) };
    let plane = pd.meta.part.plane();
    let q = out.dim(1)?;
    let logits = out.permute((0, 2, 3, 1))?.contiguous()?.reshape((idx.len() * plane, q))?;
    let y: Vec<u32> = idx.iter().flat_map(|&i| bins[i * plane..(i + 1) * plane].iter().map(|&b| b as u32)).collect();
    Ok((logits, Tensor::from_vec(y, idx.len() * plane, out.device())?))
}

/// Mean over rows of w[y]·(−log softmax(logits)[y]) (Zhang et al.'s class-rebalanced loss).
fn weighted_cross_entropy(logits: &Tensor, y: &Tensor, weights: &Tensor) -> Result<Tensor, StageError> {
    let logp = candle_nn::ops::log_softmax(logits, D::Minus1)?;
    let picked = logp.gather(&y.unsqueeze(1)?, 1)?.squeeze(1)?;
    let w = weights.index_select(y, 0)?;
    Ok((picked * w)?.mean_all()?.neg()?)
}

/// The context encoder's adversary: an MLP on the region, real vs reconstructed.
struct Critic {
    encoder: Encoder,
    head: Head,
    trainer: Trainer,
}

impl Critic {
    fn new(pd: &PretextData, optim: &OptimParams, p: &PretextTrainParams, seed: u64, device: &Device) -> Result<Critic, StageError> {
        let TargetKind::Pixels { region } = pd.meta.target else { crate::bail!("not a reconstruction task") };
        let varmap = VarMap::new();
        let vb = VarBuilder::from_varmap(&varmap, DType::F32, device);
        let encoder = build_encoder(&ArchSpec::new("mlp", pd.meta.part.channels, region.height, region.width), vb.clone())?;
        let head = Head::new(encoder.out_dim(), 1, vb)?;
        reinit(&varmap, sub_seed(seed, 1))?;
        let steps = pd.train.len.div_ceil(p.batch).max(1);
        let vars = pipeline_nn::init::vars_under(&varmap, "");
        let trainer = Trainer::new(optim.build(vars)?, optim.schedule(p.epochs * steps)?, p.epochs, steps);
        Ok(Critic { encoder, head, trainer })
    }

    fn logits(&self, region: &Tensor) -> Result<Tensor, StageError> {
        // Regions on [0, 1] are centred to [−1, 1] as DCGAN-style discriminators expect.
        Ok(self.head.forward(&self.encoder.forward(&region.affine(2.0, -1.0)?)?)?)
    }

    /// One discriminator step on real regions against (detached) reconstructions.
    fn train_step(&mut self, real: &Tensor, fake: &Tensor) -> Result<f32, StageError> {
        let r = self.logits(real)?;
        let f = self.logits(&fake.detach())?;
        let loss = (bce_with_logits(&r, &r.ones_like()?)? + bce_with_logits(&f, &f.zeros_like()?)?)?;
        Ok(self.trainer.step(&loss, real.dim(0)?)?)
    }

    /// The reconstruction's adversarial loss: how sure the critic is that it is fake.
    fn fool_loss(&self, fake: &Tensor) -> Result<Tensor, StageError> {
        let f = self.logits(fake)?;
        Ok(bce_with_logits(&f, &f.ones_like()?)?)
    }
}
