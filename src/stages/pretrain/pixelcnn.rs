//! `pixelcnn`: the PixelCNN of van den Oord et al. 2016, "Pixel Recurrent Neural Networks" (§3.4):
//! an autoregressive model p(x) = Π p(x_i | x_<i) over pixels in raster order, with masked convolutions.
//!
//! A 7×7 mask-A convolution, `layers` residual 3×3 mask-B convolutions (x + ReLU(conv(x))), two
//! 1×1 mask-B layers, and per pixel either one Bernoulli logit (binarised images) or a 256-way
//! softmax (8-bit images). The likelihood is exact: one pass scores every pixel. Sampling draws
//! pixel by pixel; each pass only computes the rows the current pixel can see.

use std::sync::Arc;

use candle_core::{DType, Device, IndexOp, Tensor};
use pipeline_data::{Dataset, Layout, Split};
use pipeline_nn::batch::{images_to_tensor, EpochBatches};
use pipeline_nn::init::{reinit, stream};
use pipeline_nn::loss::bce_with_logits_per_item;
use pipeline_nn::optim::OptimParams;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::masked_conv::{MaskKind, MaskedConv};
use super::pixels::{BinarizeParams, Pixels};
use super::stored::{config_of, with_config};
use crate::artifact::{Artifact, ModelArtifact};
use crate::registry::{ArtifactType, Info, Kind, Method, Slot};
use crate::stage_ctx::{StageCtx, StageError};
use crate::stages::fit::{publish_curve, trainer};
use crate::stages::net::{arch_spec, Net};

pipeline_params::params! {
    /// The PixelCNN's size, output and training schedule.
    pub struct PixelCnnParams {
        /// Feature maps of every hidden layer (a multiple of the image's channels).
        hidden: usize = 64, range(1, 4096);
        /// Residual 3×3 mask-B layers after the 7×7 mask-A layer.
        layers: usize = 6, range(0, 200);
        /// `bernoulli`: binarised pixels, one logit each; `categorical`: 8-bit pixels, a 256-way softmax each (`binarize` then does not apply).
        output: String = "bernoulli".to_string(), choices("bernoulli", "categorical");
        /// Passes over the training set.
        epochs: usize = 10, range(1, 100000);
        /// Images per step.
        batch: usize = 64, range(1, 65536);
    }
}

/// What a stored PixelCNN needs to be rebuilt (the model's `config`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PixelCnnConfig {
    pub hidden: usize,
    pub layers: usize,
    /// 256-way softmax per pixel instead of a Bernoulli logit.
    pub categorical: bool,
    /// How pixels were binarised (Bernoulli output only).
    pub pixels: Option<Pixels>,
}

const PREFIX: &str = "pixelcnn";

/// The network.
pub struct PixelCnn {
    first: MaskedConv,
    blocks: Vec<MaskedConv>,
    out1: MaskedConv,
    out2: MaskedConv,
    channels: usize,
    pub config: PixelCnnConfig,
}

impl PixelCnn {
    pub fn build(net: &Net, config: PixelCnnConfig) -> Result<PixelCnn, StageError> {
        let (c, h) = (net.spec.in_channels, config.hidden);
        if h % c != 0 {
            crate::bail!("`hidden` = {h} must be a multiple of the image's {c} channels");
        }
        let vb = net.vb().pp(PREFIX);
        let dev = &net.device;
        let per_pixel = if config.categorical { 256 } else { 1 };
        let first = MaskedConv::new(c, h, 7, c, MaskKind::A, vb.pp("in"), dev)?;
        let blocks = (0..config.layers)
            .map(|i| MaskedConv::new(h, h, 3, c, MaskKind::B, vb.pp(format!("res{}", i + 1)), dev))
            .collect::<Result<Vec<_>, _>>()?;
        let out1 = MaskedConv::new(h, h, 1, c, MaskKind::B, vb.pp("out1"), dev)?;
        let out2 = MaskedConv::new(h, c * per_pixel, 1, c, MaskKind::B, vb.pp("out2"), dev)?;
        Ok(PixelCnn { first, blocks, out1, out2, channels: c, config })
    }

    /// Standardised N×C×H×W input → N×(C·K)×H×W logits (K = 1 or 256; group c predicts channel c).
    pub fn forward(&self, x: &Tensor) -> Result<Tensor, StageError> {
        let mut h = self.first.forward(x)?.relu()?;
        for b in &self.blocks {
            h = (&h + b.forward(&h)?.relu()?)?;
        }
        self.out2.forward(&self.out1.forward(&h)?.relu()?)
    }

    /// Rows above a pixel that its prediction reads.
    pub fn reach(&self) -> usize {
        self.first.reach() + self.blocks.iter().map(MaskedConv::reach).sum::<usize>()
    }

    /// log p(x) per item in nats: `x` holds the pixels as the model scores them (0/1, or the
    /// 8-bit values as u32 for the categorical output), `logits` the forward pass of their input.
    pub fn log_prob(&self, logits: &Tensor, target: &Tensor) -> Result<Tensor, StageError> {
        if !self.config.categorical {
            return Ok(bce_with_logits_per_item(logits, target)?.neg()?);
        }
        let (n, _, h, w) = logits.dims4()?;
        let lp = candle_nn::ops::log_softmax(&logits.reshape((n, self.channels, 256, h, w))?, 2)?;
        let picked = lp.gather(&target.unsqueeze(2)?.contiguous()?, 2)?;
        Ok(picked.flatten_from(1)?.sum(1)?)
    }
}

/// A PixelCNN with its input standardisation, ready to score and sample.
pub struct LoadedPixelCnn {
    pub net: Net,
    pub model: PixelCnn,
}

impl LoadedPixelCnn {
    pub fn load(model: &ModelArtifact, device: &Device) -> Result<LoadedPixelCnn, StageError> {
        let config: PixelCnnConfig = config_of(model, "pixelcnn")?;
        let net = Net::like(model, device)?;
        let pixelcnn = PixelCnn::build(&net, config)?;
        net.restore(model, PREFIX)?;
        Ok(LoadedPixelCnn { net, model: pixelcnn })
    }

    /// Input and target of test items `idx`: prepared pixels and what the likelihood scores.
    pub fn test_batch(&self, split: &Split, layout: &Layout, idx: &[usize]) -> Result<(Tensor, Tensor), StageError> {
        batch(&self.model.config, &self.net, split, layout, idx, None)
    }

    /// Draws pixels in raster order from row `from_row` on: `canvas` holds N×C×H×W pixel values
    /// as the model sees them (0/1, or v/255) and keeps the rows above `from_row` as given.
    pub fn sample(&self, canvas: &mut [f32], n: usize, layout: &Layout, from_row: usize, rng: &mut ChaCha8Rng, mut progress: impl FnMut(usize)) -> Result<(), StageError> {
        let (c, h, w) = (layout.channels, layout.height, layout.width);
        if canvas.len() != n * c * h * w {
            crate::bail!("sampling canvas holds {} values, not {n}×{c}×{h}×{w}", canvas.len());
        }
        let reach = self.model.reach();
        let k = if self.model.config.categorical { 256 } else { 1 };
        for y in from_row..h {
            let top = y.saturating_sub(reach);
            let rows = y - top + 1;
            for x in 0..w {
                for ch in 0..c {
                    let mut window = Vec::with_capacity(n * c * rows * w);
                    for i in 0..n {
                        for cc in 0..c {
                            let plane = (i * c + cc) * h * w;
                            window.extend_from_slice(&canvas[plane + top * w..plane + (y + 1) * w]);
                        }
                    }
                    let input = self.net.standardise(&Tensor::from_vec(window, (n, c, rows, w), &self.net.device)?)?;
                    let logits = self.model.forward(&input)?.i((.., ch * k..(ch + 1) * k, rows - 1, x))?.to_vec2::<f32>()?;
                    for (i, l) in logits.iter().enumerate() {
                        let v = if k == 1 {
                            let p = 1.0 / (1.0 + (-l[0]).exp());
                            if rng.random::<f32>() < p { 1.0 } else { 0.0 }
                        } else {
                            categorical(l, rng) as f32 / 255.0
                        };
                        canvas[((i * c + ch) * h + y) * w + x] = v;
                    }
                }
            }
            progress(y + 1);
        }
        Ok(())
    }
}

/// A draw from softmax(`logits`).
fn categorical(logits: &[f32], rng: &mut ChaCha8Rng) -> usize {
    let m = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let weights: Vec<f64> = logits.iter().map(|&l| ((l - m) as f64).exp()).collect();
    let mut u = rng.random::<f64>() * weights.iter().sum::<f64>();
    for (i, wt) in weights.iter().enumerate() {
        if u < *wt {
            return i;
        }
        u -= wt;
    }
    weights.len() - 1
}

/// Standardised input and likelihood target of items `idx`; `rng` draws training noise (None: the
/// test split's per-item noise).
fn batch(config: &PixelCnnConfig, net: &Net, split: &Split, layout: &Layout, idx: &[usize], rng: Option<&mut ChaCha8Rng>) -> Result<(Tensor, Tensor), StageError> {
    match config.pixels {
        Some(pixels) => {
            let x = match rng {
                Some(rng) => pixels.train_batch(split, layout, idx, rng, &net.device)?,
                None => pixels.test_batch(split, layout, idx, &net.device)?,
            };
            Ok((net.standardise(&x)?, x))
        }
        None => {
            let x = images_to_tensor(&split.images, idx, &layout.item_dims(), None, &net.device)?;
            let target = (&x * 255.0)?.round()?.to_dtype(DType::U32)?;
            Ok((net.standardise(&x)?, target))
        }
    }
}

/// A network of `config` for `data` in a fresh `Net` (its input statistics those of the pixels).
pub fn new_net(data: &Dataset, config: &PixelCnnConfig, device: &Device) -> Result<Net, StageError> {
    let mut spec = arch_spec("auto", &data.layout)?;
    spec.name = PREFIX.to_string();
    let (mean, std) = match &config.pixels {
        Some(p) => p.stats(&data.train, &data.layout, &data.mean, &data.std),
        None => (data.mean.clone(), data.std.clone()),
    };
    Ok(Net { varmap: candle_nn::VarMap::new(), spec, device: device.clone(), mean, std, transform: None })
}

pub struct PixelCnnMethod;

impl Method for PixelCnnMethod {
    type Params = (PixelCnnParams, OptimParams, BinarizeParams);
    const INFO: Info = Info {
        kind: Kind::Pretrain,
        name: "pixelcnn",
        doc: "PixelCNN (van den Oord et al. 2016): masked convolutions, an exact autoregressive likelihood of binarised (Bernoulli) or 8-bit (256-way) pixels",
        version: 1,
        inputs: &[Slot::one("data", &[ArtifactType::Dataset])],
        output: ArtifactType::Model,
        seeded: true,
    };

    fn run(&self, ctx: &mut StageCtx, (p, optim, b): Self::Params) -> Result<Artifact, StageError> {
        let data = ctx.dataset("data")?;
        let categorical = p.output == "categorical";
        let config = PixelCnnConfig { hidden: p.hidden, layers: p.layers, categorical, pixels: (!categorical).then(|| Pixels::binary(&b)) };
        let net = new_net(&data, &config, &ctx.device)?;
        let model = PixelCnn::build(&net, config)?;
        reinit(&net.varmap, ctx.seed)?;

        let n = data.train.len;
        let mut pixel_noise = stream(ctx.seed, "pixelcnn pixels");
        let mut trainer = trainer(ctx, &optim, p.epochs, p.batch, n, net.vars(""))?;
        for epoch in 0..p.epochs {
            for idx in EpochBatches::new(n, p.batch, ctx.seed, epoch, false)?.iter() {
                let (input, target) = batch(&model.config, &net, &data.train, &data.layout, idx, Some(&mut pixel_noise))?;
                let loss = model.log_prob(&model.forward(&input)?, &target)?.neg()?.mean_all()?;
                trainer.step(&loss, idx.len())?;
            }
            trainer.end_epoch();
        }
        publish_curve(ctx, &trainer, "loss.csv")?;
        let config = model.config.clone();
        Ok(Artifact::Model(Arc::new(with_config(net.into_artifact("pixelcnn", None, None, Default::default())?, &config)?)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::Var;
    use pipeline_nn::arch::ArchSpec;

    fn net(c: usize, side: usize) -> Net {
        Net {
            varmap: candle_nn::VarMap::new(),
            spec: ArchSpec::new(PREFIX, c, side, side),
            device: Device::Cpu,
            mean: vec![0.5; c],
            std: vec![0.5; c],
            transform: None,
        }
    }

    /// d logit(pixel p, channel ch) / d input, as C×H×W.
    fn input_gradient(model: &PixelCnn, c: usize, side: usize, p: (usize, usize), ch: usize) -> Vec<f32> {
        let vals: Vec<f32> = (0..c * side * side).map(|i| ((i * 37 % 11) as f32 / 11.0) - 0.5).collect();
        let x = Var::from_tensor(&Tensor::from_vec(vals, (1, c, side, side), &Device::Cpu).unwrap()).unwrap();
        let k = if model.config.categorical { 256 } else { 1 };
        let out = model.forward(x.as_tensor()).unwrap();
        // Sum over the group's outputs so every logit of the pixel counts.
        let picked = out.i((0, ch * k..(ch + 1) * k, p.0, p.1)).unwrap().sum_all().unwrap();
        let g = picked.backward().unwrap();
        g.get(x.as_tensor()).unwrap().flatten_all().unwrap().to_vec1::<f32>().unwrap()
    }

    #[test]
    fn a_pixel_depends_only_on_earlier_pixels() {
        let side = 8;
        let n = net(1, side);
        let model = PixelCnn::build(&n, PixelCnnConfig { hidden: 8, layers: 3, categorical: false, pixels: None }).unwrap();
        reinit(&n.varmap, 1).unwrap();
        for p in [(0, 0), (3, 4), (7, 7), (5, 0)] {
            let g = input_gradient(&model, 1, side, p, 0);
            let at = |y: usize, x: usize| g[y * side + x];
            let own = p.0 * side + p.1;
            for (i, v) in g.iter().enumerate() {
                if i >= own {
                    assert_eq!(*v, 0.0, "pixel {p:?} depends on ({}, {})", i / side, i % side);
                }
            }
            if own > 0 {
                assert!(g[..own].iter().any(|v| v.abs() > 1e-6), "pixel {p:?} sees nothing before it");
            }
            // The immediate left neighbour and the pixel above are both in view.
            if p.1 > 0 {
                assert!(at(p.0, p.1 - 1).abs() > 1e-7, "left of {p:?}");
            }
            if p.0 > 0 {
                assert!(at(p.0 - 1, p.1).abs() > 1e-7, "above {p:?}");
            }
        }
    }

    #[test]
    fn colour_channels_are_ordered_within_a_pixel() {
        let side = 5;
        let n = net(3, side);
        let model = PixelCnn::build(&n, PixelCnnConfig { hidden: 30, layers: 2, categorical: true, pixels: None }).unwrap();
        reinit(&n.varmap, 2).unwrap();
        let p = (2, 2);
        let plane = side * side;
        let own = p.0 * side + p.1;
        for ch in 0..3 {
            let g = input_gradient(&model, 3, side, p, ch);
            for c in 0..3 {
                let v = g[c * plane + own];
                if c < ch {
                    assert!(v.abs() > 1e-7, "channel {ch} should see channel {c} of its pixel");
                } else {
                    assert_eq!(v, 0.0, "channel {ch} sees channel {c} of its own pixel");
                }
                assert!(g[c * plane + own + 1..(c + 1) * plane].iter().all(|&v| v == 0.0), "channel {ch} sees a later pixel of channel {c}");
            }
        }
    }

    #[test]
    fn sampling_fills_the_canvas_from_the_given_row_and_keeps_the_rest() {
        let side = 6;
        let n = net(1, side);
        let model = PixelCnn::build(&n, PixelCnnConfig { hidden: 4, layers: 1, categorical: false, pixels: None }).unwrap();
        reinit(&n.varmap, 3).unwrap();
        let loaded = LoadedPixelCnn { net: n, model };
        let mut canvas = vec![0.5f32; 2 * side * side];
        let mut rng = stream(0, "t");
        loaded.sample(&mut canvas, 2, &Layout::image(1, side, side), 3, &mut rng, |_| {}).unwrap();
        for i in 0..2 {
            let img = &canvas[i * 36..(i + 1) * 36];
            assert!(img[..18].iter().all(|&v| v == 0.5));
            assert!(img[18..].iter().all(|&v| v == 0.0 || v == 1.0));
        }
        assert!(loaded.sample(&mut canvas[..5], 2, &Layout::image(1, side, side), 0, &mut rng, |_| {}).is_err());
    }

    #[test]
    fn log_prob_of_uniform_outputs_is_one_coin_or_one_byte_per_value() {
        for (categorical, per_value) in [(false, 2f64.ln()), (true, 256f64.ln())] {
            let n = net(2, 3);
            let model = PixelCnn::build(&n, PixelCnnConfig { hidden: 4, layers: 0, categorical, pixels: None }).unwrap();
            let k = if categorical { 256 } else { 1 };
            let logits = Tensor::zeros((2, 2 * k, 3, 3), DType::F32, &Device::Cpu).unwrap();
            let target = if categorical {
                Tensor::from_vec((0..36u32).map(|i| i * 7).collect::<Vec<_>>(), (2, 2, 3, 3), &Device::Cpu).unwrap()
            } else {
                Tensor::from_vec((0..36).map(|i| (i % 2) as f32).collect::<Vec<_>>(), (2, 2, 3, 3), &Device::Cpu).unwrap()
            };
            let lp = model.log_prob(&logits, &target).unwrap().to_vec1::<f32>().unwrap();
            for v in lp {
                assert!((v as f64 + 18.0 * per_value).abs() < 1e-3, "{v}");
            }
        }
        // A confident, right categorical output scores near 0.
        let n = net(1, 1);
        let model = PixelCnn::build(&n, PixelCnnConfig { hidden: 1, layers: 0, categorical: true, pixels: None }).unwrap();
        let mut l = vec![0f32; 256];
        l[200] = 50.0;
        let lp = model.log_prob(&Tensor::from_vec(l, (1, 256, 1, 1), &Device::Cpu).unwrap(), &Tensor::new(&[[[[200u32]]]], &Device::Cpu).unwrap()).unwrap();
        assert!(lp.to_vec1::<f32>().unwrap()[0].abs() < 1e-4);
    }

    #[test]
    fn categorical_draws_follow_the_softmax() {
        let mut rng = stream(0, "cat");
        let logits = [0.0f32, (3f32).ln(), f32::NEG_INFINITY];
        let mut counts = [0usize; 3];
        for _ in 0..4000 {
            counts[categorical(&logits, &mut rng)] += 1;
        }
        assert_eq!(counts[2], 0);
        let frac = counts[1] as f64 / 4000.0;
        assert!((frac - 0.75).abs() < 0.03, "{counts:?}");
    }
}
