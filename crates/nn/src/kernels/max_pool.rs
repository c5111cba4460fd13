//! k×k / stride-k max-pooling (floor mode) on the CPU with an exact backward: each window's
//! gradient goes to its first maximum, as in PyTorch. Replaces candle 0.11's pool backward, which
//! scales gradients by (number of maxima)/k² and misroutes them on sides that are not a multiple
//! of k (see [`crate::ops::max_pool2d`]). The window helpers also serve the pooling fused into
//! [`super::conv::Conv2d`].

use candle_core::{CpuStorage, CustomOp1, Layout, Result, Shape, Tensor};
use rayon::prelude::*;

use super::float::{by_dtype, contiguous, with_data, Float};

/// Forward op; its backward recomputes each window's maximum from the input.
pub(crate) struct MaxPool {
    pub k: usize,
}

/// For each k×k window of an `h × w` plane: its maximum into `out` and, when `arg` is given,
/// the maximum's offset `dy·k + dx` within the window (the first one on ties).
pub(crate) fn pool_plane<T: Float>(plane: &[T], w: usize, k: usize, out: &mut [T], mut arg: Option<&mut [u8]>) {
    let wo = w / k;
    for (o, v) in out.iter_mut().enumerate() {
        let (oy, ox) = (o / wo, o % wo);
        let base = oy * k * w + ox * k;
        let (mut best, mut at) = (plane[base], 0usize);
        for dy in 0..k {
            let row = &plane[base + dy * w..base + dy * w + k];
            for (dx, &x) in row.iter().enumerate() {
                if x > best {
                    best = x;
                    at = dy * k + dx;
                }
            }
        }
        *v = best;
        if let Some(arg) = arg.as_deref_mut() {
            arg[o] = at as u8;
        }
    }
}

/// Adds each pooled cell's gradient to its window's maximum in an `h × w` plane (`grad_in`,
/// accumulated into). `keep(o)` says whether cell `o` passes its gradient on at all.
pub(crate) fn unpool_plane<T: Float>(grad: &[T], arg: &[u8], w: usize, k: usize, grad_in: &mut [T], keep: impl Fn(usize) -> bool) {
    let wo = w / k;
    for (o, (&g, &a)) in grad.iter().zip(arg).enumerate() {
        if keep(o) {
            let (oy, ox, a) = (o / wo, o % wo, a as usize);
            grad_in[(oy * k + a / k) * w + ox * k + a % k] += g;
        }
    }
}

fn forward<T: Float>(x: &[T], (_, _, h, w): (usize, usize, usize, usize), k: usize) -> Vec<T> {
    let per = (h / k) * (w / k);
    let mut out = vec![T::ZERO; x.len() / (h * w).max(1) * per];
    if per > 0 {
        out.par_chunks_mut(per).zip(x.par_chunks(h * w)).for_each(|(o, plane)| pool_plane(plane, w, k, o, None));
    }
    out
}

fn backward<T: Float>(x: &[T], g: &[T], (_, _, h, w): (usize, usize, usize, usize), k: usize) -> Vec<T> {
    let per = (h / k) * (w / k);
    let mut dx = vec![T::ZERO; x.len()];
    if per > 0 {
        dx.par_chunks_mut(h * w).zip(x.par_chunks(h * w)).zip(g.par_chunks(per)).for_each(|((d, plane), gp)| {
            let (mut vals, mut arg) = (vec![T::ZERO; per], vec![0u8; per]);
            pool_plane(plane, w, k, &mut vals, Some(&mut arg));
            unpool_plane(gp, &arg, w, k, d, |_| true);
        });
    }
    dx
}

impl CustomOp1 for MaxPool {
    fn name(&self) -> &'static str {
        "max-pool2d"
    }

    fn cpu_fwd(&self, storage: &CpuStorage, layout: &Layout) -> Result<(CpuStorage, Shape)> {
        let dims = layout.shape().dims4()?;
        let (n, c, h, w) = dims;
        let shape = Shape::from((n, c, h / self.k, w / self.k));
        let out = by_dtype!(candle_core::backend::BackendStorage::dtype(storage), self.name(), |T| T::storage(forward(contiguous::<T>(storage, layout, self.name())?, dims, self.k)));
        Ok((out, shape))
    }

    fn bwd(&self, arg: &Tensor, _res: &Tensor, grad_res: &Tensor) -> Result<Option<Tensor>> {
        let g = grad_res.contiguous()?;
        let dims = arg.dims4()?;
        let name = "max-pool2d backward";
        let dx = by_dtype!(arg.dtype(), name, |T| {
            with_data::<T, _>(arg, name, |x| with_data(&g, name, |g| Tensor::from_vec(backward(x, g, dims, self.k), dims, arg.device())))?
        });
        Ok(Some(dx))
    }
}
