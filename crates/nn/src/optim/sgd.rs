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
                // Detached so the momentum buffer does not keep this step's autograd graph alive.
                let w = var.as_tensor().detach();
                let mut g = grad.detach();
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
                var.set(&(&w - g.affine(self.lr, 0.0)?)?)
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

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::Device;

    #[test]
    fn momentum_does_not_hold_the_autograd_graph() {
        let w = Var::from_tensor(&Tensor::new(&[1f32, 2.0], &Device::Cpu).unwrap()).unwrap();
        let mut sgd = Sgd::new(vec![w.clone()], 0.1, 0.9, 0.1, true).unwrap();
        let grads = (w.as_tensor() * w.as_tensor()).unwrap().sum_all().unwrap().backward().unwrap();
        assert!(grads.get(w.as_tensor()).unwrap().track_op());
        sgd.step(&grads).unwrap();
        assert!(!sgd.buffers[0].as_ref().unwrap().track_op());
    }
}
