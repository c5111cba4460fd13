//! Adam's update of one variable as a single pass over its elements (weight decay, both
//! moments, bias correction and the step), instead of the dozen whole-tensor operations, each
//! with its own allocation, that the same update takes as candle expressions.

use rayon::prelude::*;

use super::float::Float;

/// The constants of one step, already combined.
#[derive(Clone, Copy, Debug)]
pub(crate) struct AdamStep {
    pub beta1: f64,
    pub beta2: f64,
    pub eps: f64,
    /// L2 decay added to the gradient (Adam).
    pub l2: f64,
    /// Factor applied to the weights before the step (AdamW's `1 − lr·wd`).
    pub shrink: f64,
    /// `lr / (1 − β1ᵗ)`.
    pub lr_over_bc1: f64,
    /// `1 / √(1 − β2ᵗ)`.
    pub inv_sqrt_bc2: f64,
}

/// Elements per parallel task: small enough to split a large layer over the threads, large
/// enough that a small one runs on the calling thread.
const CHUNK: usize = 1 << 15;

/// Updates the moments `m`, `v` in place and returns the new weights.
pub(crate) fn adam_update<T: Float>(w: &[T], g: &[T], m: &mut [T], v: &mut [T], s: &AdamStep) -> Vec<T> {
    assert!(g.len() == w.len() && m.len() == w.len() && v.len() == w.len(), "adam: operand lengths differ");
    let c = |x: f64| T::from_f64(x);
    let (b1, b2, one_b1, one_b2) = (c(s.beta1), c(s.beta2), c(1.0 - s.beta1), c(1.0 - s.beta2));
    let (l2, shrink, step, inv_bc2, eps) = (c(s.l2), c(s.shrink), c(s.lr_over_bc1), c(s.inv_sqrt_bc2), c(s.eps));
    let mut out = vec![T::ZERO; w.len()];
    let run = |(((o, w), g), (m, v)): (((&mut [T], &[T]), &[T]), (&mut [T], &mut [T]))| {
        for i in 0..o.len() {
            let g = g[i] + l2 * w[i];
            m[i] = b1 * m[i] + one_b1 * g;
            v[i] = b2 * v[i] + one_b2 * g * g;
            o[i] = shrink * w[i] - step * m[i] / (v[i].sqrt() * inv_bc2 + eps);
        }
    };
    if w.len() <= CHUNK {
        run((((&mut out[..], w), g), (m, v)));
    } else {
        out.par_chunks_mut(CHUNK)
            .zip(w.par_chunks(CHUNK))
            .zip(g.par_chunks(CHUNK))
            .zip(m.par_chunks_mut(CHUNK).zip(v.par_chunks_mut(CHUNK)))
            .for_each(run);
    }
    out
}
