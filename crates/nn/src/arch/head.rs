//! A linear classifier on top of features (a supervised head, a linear probe, a pretext task's
//! output layer).

use candle_core::Tensor;
use candle_nn::VarBuilder;

use crate::error::Context;
use crate::layers::Linear;
use crate::NnError;

/// Features → class logits.
#[derive(Debug, Clone)]
pub struct Head {
    name: String,
    linear: Linear,
}

impl Head {
    /// A head with its variables under `head.` in `vb`.
    pub fn new(in_dim: usize, classes: usize, vb: VarBuilder) -> Result<Self, NnError> {
        Self::named(super::HEAD, in_dim, classes, vb)
    }

    /// A head with its variables under `<name>.` (for models with more than one head).
    pub fn named(name: &str, in_dim: usize, classes: usize, vb: VarBuilder) -> Result<Self, NnError> {
        if in_dim == 0 || classes == 0 {
            return Err(NnError::invalid(format!("head `{name}` needs non-zero sizes, got {in_dim} → {classes}")));
        }
        let linear = Linear::new(in_dim, classes, vb.pp(name)).context(|| format!("building head `{name}`"))?;
        Ok(Self { name: name.to_string(), linear })
    }

    pub fn in_dim(&self) -> usize {
        self.linear.in_dim()
    }

    pub fn classes(&self) -> usize {
        self.linear.out_dim()
    }

    /// N × in_dim → N × classes logits.
    pub fn forward(&self, x: &Tensor) -> Result<Tensor, NnError> {
        match x.dims() {
            [_, d] if *d == self.in_dim() => self.linear.forward(x).context(|| format!("head `{}` forward", self.name)),
            other => Err(NnError::invalid(format!("head `{}` expects N×{} features, got {other:?}", self.name, self.in_dim()))),
        }
    }
}
