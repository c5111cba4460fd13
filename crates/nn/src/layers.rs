//! The parameterised layers (convolution, transposed convolution, dense) that architectures are
//! made of: weights fetched from a `VarBuilder` under PyTorch's names and shapes, forward passes
//! through [`crate::ops`].

use candle_core::{Result, Tensor};
use candle_nn::{Init, VarBuilder};

use crate::ops;

/// PyTorch's default bound for both weights and biases: 1/√fan_in. Constructors use it so a
/// model is sensibly initialised even before [`crate::init::reinit`] makes it reproducible.
fn pytorch_uniform(fan_in: usize) -> Init {
    let b = 1.0 / (fan_in.max(1) as f64).sqrt();
    Init::Uniform { lo: -b, up: b }
}

/// A square-kernel 2-D convolution with bias.
#[derive(Debug, Clone)]
pub struct Conv2d {
    pub weight: Tensor,
    pub bias: Tensor,
    pub padding: usize,
    pub stride: usize,
}

impl Conv2d {
    /// Variables `weight` `[out, in, k, k]` and `bias` `[out]` under `vb`.
    pub fn new(in_c: usize, out_c: usize, k: usize, padding: usize, stride: usize, vb: VarBuilder) -> Result<Self> {
        let init = pytorch_uniform(in_c * k * k);
        let weight = vb.get_with_hints((out_c, in_c, k, k), "weight", init)?;
        let bias = vb.get_with_hints(out_c, "bias", init)?;
        Ok(Self { weight, bias, padding, stride })
    }

    pub fn forward(&self, x: &Tensor) -> Result<Tensor> {
        ops::conv2d(x, &self.weight, Some(&self.bias), self.padding, self.stride)
    }

    pub fn forward_relu(&self, x: &Tensor) -> Result<Tensor> {
        ops::conv2d_relu(x, &self.weight, Some(&self.bias), self.padding, self.stride)
    }

    /// Convolution, ReLU and k×k max-pool.
    pub fn forward_relu_pool(&self, x: &Tensor, k: usize) -> Result<Tensor> {
        ops::conv2d_relu_pool(x, &self.weight, Some(&self.bias), self.padding, self.stride, k)
    }

    /// Output side for an input side `n`.
    pub fn out_size(&self, n: usize) -> usize {
        let k = self.weight.dims()[2];
        (n + 2 * self.padding).saturating_sub(k) / self.stride + 1
    }
}

/// A square-kernel 2-D transposed convolution with bias.
#[derive(Debug, Clone)]
pub struct ConvTranspose2d {
    pub weight: Tensor,
    pub bias: Tensor,
    pub padding: usize,
    pub output_padding: usize,
    pub stride: usize,
}

impl ConvTranspose2d {
    /// Variables `weight` `[in, out, k, k]` and `bias` `[out]` under `vb`.
    pub fn new(
        in_c: usize,
        out_c: usize,
        k: usize,
        padding: usize,
        output_padding: usize,
        stride: usize,
        vb: VarBuilder,
    ) -> Result<Self> {
        // PyTorch computes fan_in from dimension 1 of the weight, which is `out` here.
        let init = pytorch_uniform(out_c * k * k);
        let weight = vb.get_with_hints((in_c, out_c, k, k), "weight", init)?;
        let bias = vb.get_with_hints(out_c, "bias", init)?;
        Ok(Self { weight, bias, padding, output_padding, stride })
    }

    pub fn forward(&self, x: &Tensor) -> Result<Tensor> {
        ops::conv_transpose2d(x, &self.weight, Some(&self.bias), self.padding, self.output_padding, self.stride)
    }

    pub fn forward_relu(&self, x: &Tensor) -> Result<Tensor> {
        ops::conv_transpose2d_relu(x, &self.weight, Some(&self.bias), self.padding, self.output_padding, self.stride)
    }
}

/// A dense layer with bias.
#[derive(Debug, Clone)]
pub struct Linear {
    pub weight: Tensor,
    pub bias: Tensor,
}

impl Linear {
    /// Variables `weight` `[out, in]` and `bias` `[out]` under `vb`.
    pub fn new(in_dim: usize, out_dim: usize, vb: VarBuilder) -> Result<Self> {
        let init = pytorch_uniform(in_dim);
        let weight = vb.get_with_hints((out_dim, in_dim), "weight", init)?;
        let bias = vb.get_with_hints(out_dim, "bias", init)?;
        Ok(Self { weight, bias })
    }

    pub fn forward(&self, x: &Tensor) -> Result<Tensor> {
        ops::linear(x, &self.weight, Some(&self.bias))
    }

    pub fn forward_relu(&self, x: &Tensor) -> Result<Tensor> {
        ops::linear_relu(x, &self.weight, Some(&self.bias))
    }

    pub fn in_dim(&self) -> usize {
        self.weight.dims()[1]
    }

    pub fn out_dim(&self) -> usize {
        self.weight.dims()[0]
    }
}
