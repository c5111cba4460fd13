//! Masked convolutions of van den Oord et al. 2016, "Pixel Recurrent Neural Networks" (§3.4,
//! PixelCNN): a convolution whose kernel is zeroed wherever it would read a pixel that comes at or
//! after the output's pixel in raster order, so that stacked layers stay autoregressive.
//!
//! With C colour channels the feature maps split into C groups (group g predicts channel g):
//! at the kernel's centre, mask A (first layer) lets group g read input groups < g, mask B (every
//! later layer) groups ≤ g. Rows above the centre and pixels left of it on its row are always
//! visible; everything below or to the right is not.

use candle_core::{Device, Tensor};
use candle_nn::VarBuilder;
use pipeline_nn::layers::Conv2d;
use pipeline_nn::ops;

use crate::stage_ctx::StageError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MaskKind {
    /// The first layer: the centre pixel's own channel (and later ones) is hidden.
    A,
    /// Later layers: the centre pixel's feature group may read itself.
    B,
}

/// The colour group of feature map `k` of `n`, with `channels` groups.
fn group(k: usize, n: usize, channels: usize) -> usize {
    k * channels / n
}

/// The 0/1 mask of a `[out, in, k, k]` kernel, row-major.
pub fn mask(out_c: usize, in_c: usize, k: usize, channels: usize, kind: MaskKind) -> Vec<f32> {
    let c = k / 2;
    let mut m = Vec::with_capacity(out_c * in_c * k * k);
    for o in 0..out_c {
        for i in 0..in_c {
            let (go, gi) = (group(o, out_c, channels), group(i, in_c, channels));
            let centre_ok = match kind {
                MaskKind::A => gi < go,
                MaskKind::B => gi <= go,
            };
            for y in 0..k {
                for x in 0..k {
                    let visible = y < c || (y == c && x < c) || (y == c && x == c && centre_ok);
                    m.push(if visible { 1.0 } else { 0.0 });
                }
            }
        }
    }
    m
}

/// A square masked convolution with "same" padding and a bias.
#[derive(Debug, Clone)]
pub struct MaskedConv {
    conv: Conv2d,
    mask: Tensor,
}

impl MaskedConv {
    /// Variables `weight` `[out, in, k, k]` and `bias` under `vb`; `k` must be odd.
    pub fn new(in_c: usize, out_c: usize, k: usize, channels: usize, kind: MaskKind, vb: VarBuilder, device: &Device) -> Result<MaskedConv, StageError> {
        if k.is_multiple_of(2) {
            crate::bail!("a masked convolution needs an odd kernel, got {k}");
        }
        if !in_c.is_multiple_of(channels) || !out_c.is_multiple_of(channels) {
            crate::bail!("feature maps ({in_c} → {out_c}) must split evenly into the image's {channels} colour channels");
        }
        let conv = Conv2d::new(in_c, out_c, k, k / 2, 1, vb)?;
        let mask = Tensor::from_vec(mask(out_c, in_c, k, channels, kind), (out_c, in_c, k, k), device)?;
        Ok(MaskedConv { conv, mask })
    }

    pub fn forward(&self, x: &Tensor) -> Result<Tensor, StageError> {
        let w = (&self.conv.weight * &self.mask)?;
        Ok(ops::conv2d(x, &w, Some(&self.conv.bias), self.conv.padding, 1)?)
    }

    /// Rows above its output that this layer reads.
    pub fn reach(&self) -> usize {
        self.conv.padding
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grey_masks_hide_the_centre_only_for_a() {
        let a = mask(1, 1, 3, 1, MaskKind::A);
        assert_eq!(a, vec![1., 1., 1., 1., 0., 0., 0., 0., 0.]);
        let b = mask(1, 1, 3, 1, MaskKind::B);
        assert_eq!(b, vec![1., 1., 1., 1., 1., 0., 0., 0., 0.]);
    }

    #[test]
    fn colour_groups_see_earlier_channels_at_the_centre() {
        // 3 colour channels in, 6 feature maps out (2 per group); 1×1 kernels are the centre only.
        let a = mask(6, 3, 1, 3, MaskKind::A);
        let b = mask(6, 3, 1, 3, MaskKind::B);
        for o in 0..6 {
            for i in 0..3 {
                assert_eq!(a[o * 3 + i], if i < o / 2 { 1.0 } else { 0.0 }, "A o{o} i{i}");
                assert_eq!(b[o * 3 + i], if i <= o / 2 { 1.0 } else { 0.0 }, "B o{o} i{i}");
            }
        }
    }
}
