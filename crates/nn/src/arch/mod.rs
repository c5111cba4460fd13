//! Architectures chosen by name: an [`Encoder`] with named layers whose features can be read at
//! any layer, a mirroring [`Decoder`] (latent vector → image logits) and a linear [`Head`].
//!
//! Every architecture is a short list of [`Step`]s (in its own file); the encoder and decoder
//! are built from that list for the input size in an [`ArchSpec`], so one architecture serves
//! 28×28 digits and 64×64 video frames alike.
//!
//! Parameter names are fixed by role — `encoder.*`, `decoder.*`, `head.*` — so one `VarMap` holds
//! a whole model, and any method's checkpoint yields an encoder that a probe can load.
//!
//! ```
//! use candle_core::{DType, Device, Tensor};
//! use candle_nn::{VarBuilder, VarMap};
//! use pipeline_nn::arch::{build_encoder, ArchSpec, Head};
//!
//! let varmap = VarMap::new();
//! let vb = VarBuilder::from_varmap(&varmap, DType::F32, &Device::Cpu);
//! let spec = ArchSpec::new("convnet", 1, 28, 28);
//! let encoder = build_encoder(&spec, vb.clone()).unwrap();
//! let head = Head::new(encoder.out_dim(), 10, vb).unwrap();
//! pipeline_nn::init::reinit(&varmap, 42).unwrap();
//! let x = Tensor::zeros((2, 1, 28, 28), DType::F32, &Device::Cpu).unwrap();
//! assert_eq!(encoder.features(&x, "conv2").unwrap().dims(), &[2, 64 * 7 * 7]);
//! assert_eq!(head.forward(&encoder.forward(&x).unwrap()).unwrap().dims(), &[2, 10]);
//! ```

mod convnet;
mod convnet_rgb;
mod convnet_small;
mod decoder;
mod encoder;
mod head;
mod mlp;

pub use decoder::Decoder;
pub use encoder::Encoder;
pub use head::Head;

use candle_nn::VarBuilder;

use crate::NnError;

/// Variable-name prefixes of the three roles.
pub const ENCODER: &str = "encoder";
pub const DECODER: &str = "decoder";
pub const HEAD: &str = "head";

/// Which architecture, for which input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArchSpec {
    pub name: String,
    pub in_channels: usize,
    pub height: usize,
    pub width: usize,
}

impl ArchSpec {
    pub fn new(name: &str, in_channels: usize, height: usize, width: usize) -> Self {
        Self { name: name.to_string(), in_channels, height, width }
    }

    /// `[C, H, W]` of one input item.
    pub fn input_dims(&self) -> [usize; 3] {
        [self.in_channels, self.height, self.width]
    }
}

/// One stage of an architecture. Conv stages are conv → ReLU (→ 2×2 max-pool); dense stages
/// flatten their input and apply dense → ReLU. A stage's features are its output, flattened.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    Conv { name: &'static str, out: usize, kernel: usize, padding: usize, pool: bool },
    Dense { name: &'static str, out: usize },
}

impl Step {
    pub fn name(&self) -> &'static str {
        match self {
            Step::Conv { name, .. } | Step::Dense { name, .. } => name,
        }
    }
}

/// A named architecture.
pub struct ArchDef {
    pub name: &'static str,
    /// One line for `pipeline list`.
    pub doc: &'static str,
    pub steps: fn() -> Vec<Step>,
}

/// Every architecture, in the order `pipeline list` shows them.
pub const ARCHS: &[ArchDef] = &[mlp::DEF, convnet::DEF, convnet_rgb::DEF, convnet_small::DEF];

/// Looks an architecture up by name; an unknown name lists the valid ones.
pub fn arch(name: &str) -> Result<&'static ArchDef, NnError> {
    ARCHS.iter().find(|a| a.name == name).ok_or_else(|| NnError::UnknownArch {
        name: name.to_string(),
        valid: ARCHS.iter().map(|a| a.name).collect::<Vec<_>>().join(", "),
    })
}

/// The encoder of `spec`, its variables under `encoder.` in `vb`.
pub fn build_encoder(spec: &ArchSpec, vb: VarBuilder) -> Result<Encoder, NnError> {
    Encoder::new(spec, (arch(&spec.name)?.steps)(), vb.pp(ENCODER))
}

/// The decoder mirroring `spec`'s encoder, from `latent_dim` to image logits shaped like the
/// input; its variables under `decoder.` in `vb`.
pub fn build_decoder(spec: &ArchSpec, latent_dim: usize, vb: VarBuilder) -> Result<Decoder, NnError> {
    Decoder::new(spec, &(arch(&spec.name)?.steps)(), latent_dim, vb.pp(DECODER))
}

/// The side of a feature map after a conv step (and its pool) applied to side `n`.
pub(crate) fn step_side(n: usize, kernel: usize, padding: usize, pool: bool) -> usize {
    let conv = (n + 2 * padding + 1).saturating_sub(kernel);
    if pool {
        conv / 2
    } else {
        conv
    }
}

#[cfg(test)]
mod tests;
