//! Stochastic gradient descent with momentum, PyTorch semantics (dampening 0):
//! g ← ∇ + wd·w; buf ← μ·buf + g (buf = g on the first step); g ← g + μ·buf (Nesterov) or buf;
//! w ← w − lr·g.

use candle_core::backprop::GradStore;
use candle_core::{Tensor, Var};

use super::Optimizer;
use crate::error::Context;
use crate::NnError;

/// SGD over a fixed list of variables.
pub struct Sgd {
    vars: Vec<Var>,
    buffers: Vec<Option<Tensor>>,
    lr: f64,
    momentum: f64,
    weight_decay: f64,
    nesterov: bool,
}

impl Sgd {
    pub fn new(vars: Vec<Var>, lr: f64, momentum: f64, weight_decay: f64, nesterov: bool) -> Result<Self, NnError> {
        if nesterov && momentum == 0.0 {
            return Err(NnError::invalid("Nesterov SGD needs a non-zero momentum"));
        }
        let vars: Vec<Var> = vars.into_iter().filter(|v| v.dtype().is_float()).collect();
        let buffers = vec![None; vars.len()];
        Ok(Self { vars, buffers, lr, momentum, weight_decay, nesterov })
    }
}

impl Optimizer for Sgd {
    fn step(&mut self, grads: &GradStore) -> Result<(), NnError> {
        for (var, buf) in self.vars.iter().zip(self.buffers.iter_mut()) {
            let Some(grad) = grads.get(var.as_tensor()) else { continue };
            let update = (|| {
                let w = var.as_tensor();
                let mut g = grad.clone();
                if self.weight_decay != 0.0 {
                    g = (g + w.affine(self.weight_decay, 0.0)?)?;
                }
                if self.momentum != 0.0 {
                    let b = match buf.take() {
                        Some(b) => (b.affine(self.momentum, 0.0)? + &g)?,
                        None => g.clone(),
                    };
                    g = if self.nesterov { (g + b.affine(self.momentum, 0.0)?)? } else { b.clone() };
                    *buf = Some(b);
                }
                var.set(&(w - g.affine(self.lr, 0.0)?)?)
            })();
            update.context(|| "SGD step".into())?;
        }
        Ok(())
    }

    fn lr(&self) -> f64 {
        self.lr
    }

    fn set_lr(&mut self, lr: f64) {
        self.lr = lr;
    }
}
