//! Adam and AdamW (Kingma & Ba 2015; Loshchilov & Hutter 2019), PyTorch semantics:
//! m ← β1·m + (1−β1)·g, v ← β2·v + (1−β2)·g², w ← w − lr·m̂/(√v̂ + ε) with bias-corrected m̂, v̂.
//! Adam's weight decay is L2 (g ← g + wd·w); AdamW's is decoupled (w ← w·(1 − lr·wd) first).

use candle_core::backprop::GradStore;
use candle_core::{DType, Tensor, Var};

use super::Optimizer;
use crate::error::Context;
use crate::kernels::adam::{adam_update, AdamStep};
use crate::kernels::float::{with_data, Float};
use crate::NnError;

/// A variable's first and second moments.
enum Moments {
    /// On the host, updated with the weights in one fused loop (CPU variables in f32 / f64).
    F32(Vec<f32>, Vec<f32>),
    F64(Vec<f64>, Vec<f64>),
    /// As tensors on the variable's device, updated with candle operations (other devices and dtypes).
    Tensors { m: Tensor, v: Tensor },
}

struct Slot {
    var: Var,
    moments: Moments,
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
        Self::build(vars, lr, beta1, beta2, weight_decay, decoupled, true)
    }

    /// `fused` false keeps every variable's moments as tensors, as on a GPU (for tests).
    fn build(vars: Vec<Var>, lr: f64, beta1: f64, beta2: f64, weight_decay: f64, decoupled: bool, fused: bool) -> Result<Self, NnError> {
        let slots = vars
            .into_iter()
            .filter(|v| v.dtype().is_float())
            .map(|var| {
                let n = var.elem_count();
                let moments = match (fused && var.device().is_cpu(), var.dtype()) {
                    (true, DType::F32) => Moments::F32(vec![0.0; n], vec![0.0; n]),
                    (true, DType::F64) => Moments::F64(vec![0.0; n], vec![0.0; n]),
                    _ => {
                        let m = var.as_tensor().zeros_like()?;
                        Moments::Tensors { v: m.clone(), m }
                    }
                };
                Ok(Slot { var, moments })
            })
            .collect::<candle_core::Result<Vec<_>>>()
            .context(|| "allocating Adam moments".into())?;
        Ok(Self { slots, lr, beta1, beta2, eps: 1e-8, weight_decay, decoupled, t: 0 })
    }
}

/// One fused update of a CPU variable.
fn fused<T: Float>(var: &Var, grad: &Tensor, m: &mut [T], v: &mut [T], s: &AdamStep) -> candle_core::Result<()> {
    let w = var.as_tensor();
    let grad = grad.contiguous()?;
    let new = with_data::<T, _>(w, "adam", |wd| with_data::<T, _>(&grad, "adam", |gd| Ok(adam_update(wd, gd, m, v, s))))?;
    var.set(&Tensor::from_vec(new, w.shape(), w.device())?)
}

impl Optimizer for Adam {
    fn step(&mut self, grads: &GradStore) -> Result<(), NnError> {
        self.t += 1;
        let (b1, b2, lr) = (self.beta1, self.beta2, self.lr);
        let bc1 = 1.0 - b1.powi(self.t);
        let bc2 = 1.0 - b2.powi(self.t);
        let wd = self.weight_decay;
        let fused_step = AdamStep {
            beta1: b1,
            beta2: b2,
            eps: self.eps,
            l2: if self.decoupled { 0.0 } else { wd },
            shrink: if self.decoupled { 1.0 - lr * wd } else { 1.0 },
            lr_over_bc1: lr / bc1,
            inv_sqrt_bc2: 1.0 / bc2.sqrt(),
        };
        for slot in &mut self.slots {
            let Some(grad) = grads.get(slot.var.as_tensor()) else { continue };
            let update = match &mut slot.moments {
                Moments::F32(m, v) => fused(&slot.var, grad, m, v, &fused_step),
                Moments::F64(m, v) => fused(&slot.var, grad, m, v, &fused_step),
                Moments::Tensors { m, v } => (|| {
                    // Detached: a gradient computed through a variable's ops carries the step's whole
                    // autograd graph, and moments built from it would keep every past step alive.
                    let mut w = slot.var.as_tensor().detach();
                    let mut g = grad.detach();
                    if wd != 0.0 {
                        if self.decoupled {
                            w = w.affine(1.0 - lr * wd, 0.0)?;
                        } else {
                            g = (g + w.affine(wd, 0.0)?)?;
                        }
                    }
                    *m = (m.affine(b1, 0.0)? + g.affine(1.0 - b1, 0.0)?)?;
                    *v = (v.affine(b2, 0.0)? + g.sqr()?.affine(1.0 - b2, 0.0)?)?;
                    // lr·m̂/(√v̂ + ε) = (lr/bc1)·m / (√v/√bc2 + ε), PyTorch's arrangement.
                    let denom = v.sqrt()?.affine(1.0 / bc2.sqrt(), self.eps)?;
                    let step = (m.affine(lr / bc1, 0.0)? / denom)?;
                    slot.var.set(&(w - step)?)
                })(),
            };
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
        let mut adam = Adam::build(vec![w.clone()], 0.1, 0.9, 0.999, 0.1, false, false).unwrap();
        let grads = (w.as_tensor() * w.as_tensor()).unwrap().sum_all().unwrap().backward().unwrap();
        // The gradient 2w is itself built from the variable, so it tracks the graph.
        assert!(grads.get(w.as_tensor()).unwrap().track_op());
        adam.step(&grads).unwrap();
        let Moments::Tensors { m, v } = &adam.slots[0].moments else { panic!("tensor moments asked for") };
        assert!(!m.track_op() && !v.track_op());
    }

    /// The fused CPU loop and the tensor expressions agree over several steps, for Adam and
    /// AdamW, on a variable large enough to be split over threads.
    #[test]
    fn fused_update_matches_the_tensor_update() {
        let n = 100_003;
        let start: Vec<f32> = (0..n).map(|i| ((i * 7919) % 1013) as f32 / 500.0 - 1.0).collect();
        for decoupled in [false, true] {
            let run = |fused: bool| {
                let w = Var::from_tensor(&Tensor::new(start.as_slice(), &Device::Cpu).unwrap()).unwrap();
                let mut adam = Adam::build(vec![w.clone()], 0.01, 0.9, 0.999, 0.05, decoupled, fused).unwrap();
                for _ in 0..3 {
                    let loss = (w.as_tensor().sqr().unwrap().sum_all().unwrap() + w.as_tensor().sin().unwrap().sum_all().unwrap()).unwrap();
                    adam.step(&loss.backward().unwrap()).unwrap();
                }
                w.as_tensor().to_vec1::<f32>().unwrap()
            };
            let (a, b) = (run(true), run(false));
            let worst = a.iter().zip(&b).fold(0f32, |m, (x, y)| m.max((x - y).abs()));
            assert!(worst < 1e-6, "decoupled {decoupled}: largest difference {worst}");
        }
    }
}
