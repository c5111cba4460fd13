//! Adam and AdamW (Kingma & Ba 2015; Loshchilov & Hutter 2019), PyTorch semantics:
//! m ← β1·m + (1−β1)·g, v ← β2·v + (1−β2)·g², w ← w − lr·m̂/(√v̂ + ε) with bias-corrected m̂, v̂.
//! Adam's weight decay is L2 (g ← g + wd·w); AdamW's is decoupled (w ← w·(1 − lr·wd) first).

use candle_core::backprop::GradStore;
use candle_core::{Tensor, Var};

use super::Optimizer;
use crate::error::Context;
use crate::NnError;

struct Slot {
    var: Var,
    m: Tensor,
    v: Tensor,
}

/// Adam, or AdamW when `decoupled`.
pub struct Adam {
    slots: Vec<Slot>,
    lr: f64,
    beta1: f64,
    beta2: f64,
    eps: f64,
    weight_decay: f64,
    decoupled: bool,
    t: i32,
}

impl Adam {
    pub fn new(vars: Vec<Var>, lr: f64, beta1: f64, beta2: f64, weight_decay: f64, decoupled: bool) -> Result<Self, NnError> {
        let slots = vars
            .into_iter()
            .filter(|v| v.dtype().is_float())
            .map(|var| {
                let m = var.as_tensor().zeros_like()?;
                let v = m.clone();
                Ok(Slot { var, m, v })
            })
            .collect::<candle_core::Result<Vec<_>>>()
            .context(|| "allocating Adam moments".into())?;
        Ok(Self { slots, lr, beta1, beta2, eps: 1e-8, weight_decay, decoupled, t: 0 })
    }
}

impl Optimizer for Adam {
    fn step(&mut self, grads: &GradStore) -> Result<(), NnError> {
        self.t += 1;
        let (b1, b2, lr) = (self.beta1, self.beta2, self.lr);
        let bc1 = 1.0 - b1.powi(self.t);
        let bc2 = 1.0 - b2.powi(self.t);
        for slot in &mut self.slots {
            let Some(grad) = grads.get(slot.var.as_tensor()) else { continue };
            let update = (|| {
                // Detached: a gradient computed through a variable's ops carries the step's whole
                // autograd graph, and moments built from it would keep every past step alive.
                let mut w = slot.var.as_tensor().detach();
                let mut g = grad.detach();
                if self.weight_decay != 0.0 {
                    if self.decoupled {
                        w = w.affine(1.0 - lr * self.weight_decay, 0.0)?;
                    } else {
                        g = (g + w.affine(self.weight_decay, 0.0)?)?;
                    }
                }
                slot.m = (slot.m.affine(b1, 0.0)? + g.affine(1.0 - b1, 0.0)?)?;
                slot.v = (slot.v.affine(b2, 0.0)? + g.sqr()?.affine(1.0 - b2, 0.0)?)?;
                // lr·m̂/(√v̂ + ε) = (lr/bc1)·m / (√v/√bc2 + ε), PyTorch's arrangement.
                let denom = slot.v.sqrt()?.affine(1.0 / bc2.sqrt(), self.eps)?;
                let step = (slot.m.affine(lr / bc1, 0.0)? / denom)?;
                slot.var.set(&(w - step)?)
            })();
            update.context(|| "Adam step".into())?;
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
    fn moments_do_not_hold_the_autograd_graph() {
        let w = Var::from_tensor(&Tensor::new(&[1f32, 2.0], &Device::Cpu).unwrap()).unwrap();
        let mut adam = Adam::new(vec![w.clone()], 0.1, 0.9, 0.999, 0.1, false).unwrap();
        let grads = (w.as_tensor() * w.as_tensor()).unwrap().sum_all().unwrap().backward().unwrap();
        // The gradient 2w is itself built from the variable, so it tracks the graph.
        assert!(grads.get(w.as_tensor()).unwrap().track_op());
        adam.step(&grads).unwrap();
        assert!(!adam.slots[0].m.track_op() && !adam.slots[0].v.track_op());
    }
}
