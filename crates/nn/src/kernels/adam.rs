//! Adam's update of one variable as a single pass over its elements (weight decay, both
//! moments, bias correction and the step), instead of the dozen whole-tensor operations, each
//! with its own allocation, that the same update takes as candle expressions.

use rayon::prelude::*;

use super::float::Float;
use super::simd::multiversion;

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

multiversion! {
    /// One chunk of [`adam_update`], with the constants converted to `T`:
    /// `[β1, 1 − β1, β2, 1 − β2, l2, shrink, lr/bc1, 1/√bc2, ε]`.
    fn adam_chunk<T: Float>(out: &mut [T], w: &[T], g: &[T], m: &mut [T], v: &mut [T], c: &[T; 9]) {
        let [b1, one_b1, b2, one_b2, l2, shrink, step, inv_bc2, eps] = *c;
        for ((((o, &w), &g), m), v) in out.iter_mut().zip(w).zip(g).zip(m.iter_mut()).zip(v.iter_mut()) {
            let g = g + l2 * w;
            *m = b1 * *m + one_b1 * g;
            *v = b2 * *v + one_b2 * g * g;
            *o = shrink * w - step * *m / (v.sqrt() * inv_bc2 + eps);
        }
    }
}

/// Updates the moments `m`, `v` in place and returns the new weights.
pub(crate) fn adam_update<T: Float>(w: &[T], g: &[T], m: &mut [T], v: &mut [T], s: &AdamStep) -> Vec<T> {
    assert!(g.len() == w.len() && m.len() == w.len() && v.len() == w.len(), "adam: operand lengths differ");
    let c = [s.beta1, 1.0 - s.beta1, s.beta2, 1.0 - s.beta2, s.l2, s.shrink, s.lr_over_bc1, s.inv_sqrt_bc2, s.eps].map(T::from_f64);
    let mut out = vec![T::ZERO; w.len()];
    if w.len() <= CHUNK {
        adam_chunk(&mut out, w, g, m, v, &c);
    } else {
        out.par_chunks_mut(CHUNK)
            .zip(w.par_chunks(CHUNK))
            .zip(g.par_chunks(CHUNK))
            .zip(m.par_chunks_mut(CHUNK).zip(v.par_chunks_mut(CHUNK)))
            .for_each(|(((o, w), g), (m, v))| adam_chunk(o, w, g, m, v, &c));
    }
    out
}
