//! What a likelihood model sees of an 8-bit image, shared by `vae`, `pixelcnn` and their
//! evaluations: binarised pixels (a threshold, or a Bernoulli draw per pixel as in Salakhutdinov &
//! Murray 2008), or uniformly dequantised pixels for continuous densities (Theis et al. 2016).
//!
//! Training batches draw their noise from the stage's seeded stream; the test split draws it per
//! item from `(seed, item index)`, so every model evaluated with the same seed sees the very same
//! test images and their likelihoods compare.

use candle_core::{Device, Tensor};
use pipeline_data::{Layout, Split};
use pipeline_nn::batch::images_to_tensor;
use pipeline_nn::init::stream;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::stage_ctx::StageError;

pipeline_params::params! {
    /// How 8-bit pixels become binary ones for a Bernoulli likelihood.
    pub struct BinarizeParams {
        /// `threshold`: a pixel is 1 when its intensity is at least 0.5; `sample`: 1 with probability its intensity (redrawn every epoch for training; drawn once per test image from `binarize_seed`).
        binarize: String = "threshold".to_string(), choices("threshold", "sample");
        /// Seed of the test split's random binarisation (or dequantisation): models evaluated with the same seed see the same test images.
        binarize_seed: u64 = 0;
    }
}

/// How pixels are turned into the values a model scores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PixelMode {
    /// 1 where intensity ≥ 0.5.
    Threshold,
    /// 1 with probability equal to the intensity.
    Sample,
    /// `(v + u)/256` with u ~ U[0, 1): a continuous density on [0, 1) whose likelihood bounds the
    /// discrete one after adding D·ln 256 nats.
    Dequantise,
}

/// A pixel mode with the seed of its test-split noise: stored in a model's config so that its
/// evaluation prepares the test split as its training did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pixels {
    pub mode: PixelMode,
    pub seed: u64,
}

impl Pixels {
    pub fn binary(p: &BinarizeParams) -> Pixels {
        let mode = if p.binarize == "sample" { PixelMode::Sample } else { PixelMode::Threshold };
        Pixels { mode, seed: p.binarize_seed }
    }

    pub fn dequantised(seed: u64) -> Pixels {
        Pixels { mode: PixelMode::Dequantise, seed }
    }

    pub fn is_binary(&self) -> bool {
        self.mode != PixelMode::Dequantise
    }

    /// Nats to add to a continuous model's negative log-density to bound the negative
    /// log-probability of the 8-bit image (0 for binary data, which is already discrete).
    pub fn nats_offset(&self, dims: usize) -> f64 {
        match self.mode {
            PixelMode::Dequantise => dims as f64 * 256f64.ln(),
            _ => 0.0,
        }
    }

    /// Training items `indices`, noise drawn from `rng` in item order.
    pub fn train_batch(&self, split: &Split, layout: &Layout, indices: &[usize], rng: &mut ChaCha8Rng, device: &Device) -> Result<Tensor, StageError> {
        let n = layout.item_len();
        let noise: Vec<f32> = match self.mode {
            PixelMode::Threshold => Vec::new(),
            _ => (0..indices.len() * n).map(|_| rng.random::<f32>()).collect(),
        };
        self.apply(split, layout, indices, noise, device)
    }

    /// Test items `indices`; each item's noise depends only on (seed, index).
    pub fn test_batch(&self, split: &Split, layout: &Layout, indices: &[usize], device: &Device) -> Result<Tensor, StageError> {
        let n = layout.item_len();
        let mut noise = Vec::new();
        if self.mode != PixelMode::Threshold {
            noise.reserve(indices.len() * n);
            for &i in indices {
                let mut rng = stream(self.seed, &format!("test pixels {i}"));
                noise.extend((0..n).map(|_| rng.random::<f32>()));
            }
        }
        self.apply(split, layout, indices, noise, device)
    }

    fn apply(&self, split: &Split, layout: &Layout, indices: &[usize], noise: Vec<f32>, device: &Device) -> Result<Tensor, StageError> {
        let x = images_to_tensor(&split.images, indices, &layout.item_dims(), None, device)?;
        Ok(match self.mode {
            PixelMode::Threshold => x.ge(0.5f32)?.to_dtype(x.dtype())?,
            PixelMode::Sample => Tensor::from_vec(noise, x.shape(), device)?.lt(&x)?.to_dtype(x.dtype())?,
            PixelMode::Dequantise => ((&x * 255.0)? + Tensor::from_vec(noise, x.shape(), device)?)?.affine(1.0 / 256.0, 0.0)?,
        })
    }

    /// Per-channel mean and standard deviation of the prepared training split, which standardise
    /// a model's input. A binary pixel's marginal is Bernoulli(m), so its std is √(m(1 − m)).
    pub fn stats(&self, split: &Split, layout: &Layout, grey_mean: &[f32], grey_std: &[f32]) -> (Vec<f32>, Vec<f32>) {
        let plane = layout.height * layout.width;
        let c = layout.channels;
        let mut ones = vec![0f64; c];
        let mut total = vec![0f64; c];
        for (p, chunk) in split.images.chunks_exact(plane.max(1)).enumerate() {
            let ch = p % c;
            total[ch] += chunk.len() as f64;
            ones[ch] += match self.mode {
                PixelMode::Threshold => chunk.iter().filter(|&&v| v >= 128).count() as f64,
                PixelMode::Sample => chunk.iter().map(|&v| v as f64 / 255.0).sum(),
                PixelMode::Dequantise => 0.0,
            };
        }
        if self.mode == PixelMode::Dequantise {
            return (grey_mean.to_vec(), grey_std.to_vec());
        }
        let mean: Vec<f32> = ones.iter().zip(&total).map(|(o, t)| if *t > 0.0 { (o / t) as f32 } else { 0.5 }).collect();
        let std = mean.iter().map(|m| (m * (1.0 - m)).sqrt().max(1e-3)).collect();
        (mean, std)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split() -> (Split, Layout) {
        let layout = Layout::image(1, 2, 2);
        (Split { images: vec![0, 127, 128, 255, 255, 255, 0, 64], labels: None, len: 2 }, layout)
    }

    #[test]
    fn threshold_and_stats() {
        let (s, l) = split();
        let p = Pixels { mode: PixelMode::Threshold, seed: 0 };
        let x = p.test_batch(&s, &l, &[0, 1], &Device::Cpu).unwrap();
        assert_eq!(x.flatten_all().unwrap().to_vec1::<f32>().unwrap(), vec![0., 0., 1., 1., 1., 1., 0., 0.]);
        let (m, sd) = p.stats(&s, &l, &[0.0], &[1.0]);
        assert_eq!(m, vec![0.5]);
        assert!((sd[0] - 0.5).abs() < 1e-6);
    }

    #[test]
    fn sampled_test_pixels_depend_only_on_seed_and_index() {
        // One 1×64×64 item of intensity 64/255: about a quarter of its pixels are 1.
        let layout = Layout::image(1, 64, 64);
        let s = Split { images: vec![64; 3 * 4096], labels: None, len: 3 };
        let p = Pixels { mode: PixelMode::Sample, seed: 7 };
        let a = p.test_batch(&s, &layout, &[0, 2], &Device::Cpu).unwrap();
        let b = p.test_batch(&s, &layout, &[2], &Device::Cpu).unwrap();
        assert_eq!(a.get(1).unwrap().flatten_all().unwrap().to_vec1::<f32>().unwrap(), b.get(0).unwrap().flatten_all().unwrap().to_vec1::<f32>().unwrap());
        let v = a.get(0).unwrap().flatten_all().unwrap().to_vec1::<f32>().unwrap();
        assert!(v.iter().all(|&x| x == 0.0 || x == 1.0));
        let frac = v.iter().sum::<f32>() / v.len() as f32;
        assert!((frac - 64.0 / 255.0).abs() < 0.03, "{frac}");
        let other = Pixels { mode: PixelMode::Sample, seed: 8 }.test_batch(&s, &layout, &[0], &Device::Cpu).unwrap();
        assert_ne!(other.flatten_all().unwrap().to_vec1::<f32>().unwrap(), v);
    }

    #[test]
    fn dequantised_pixels_stay_in_their_bin() {
        let (s, l) = split();
        let p = Pixels::dequantised(1);
        let x = p.test_batch(&s, &l, &[0, 1], &Device::Cpu).unwrap().flatten_all().unwrap().to_vec1::<f32>().unwrap();
        for (v, &b) in x.iter().zip(&s.images) {
            assert!(*v >= b as f32 / 256.0 && *v < (b as f32 + 1.0) / 256.0, "{v} for {b}");
        }
        assert!((p.nats_offset(784) - 784.0 * 256f64.ln()).abs() < 1e-9);
        assert_eq!(Pixels { mode: PixelMode::Threshold, seed: 0 }.nats_offset(784), 0.0);
    }
}
