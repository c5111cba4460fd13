//! k×k / stride-k average pooling (floor mode, as PyTorch) on the CPU, with its backward: each
//! window's gradient spread evenly over its k² inputs; rows and columns that fill no window
//! get none.

use candle_core::{CpuStorage, CustomOp1, Layout, Result, Shape, Tensor};
use rayon::prelude::*;

use super::float::{by_dtype, contiguous, with_data, Float};
use super::simd::multiversion;

pub(crate) struct AvgPool {
    pub k: usize,
}

multiversion! {
    fn pool_plane<T: Float>(plane: &[T], w: usize, k: usize, scale: T, out: &mut [T]) {
        let wo = w / k;
        for (oy, orow) in out.chunks_exact_mut(wo.max(1)).enumerate() {
            for (ox, v) in orow.iter_mut().enumerate() {
                let mut s = T::ZERO;
                for dy in 0..k {
                    for &x in &plane[(oy * k + dy) * w + ox * k..][..k] {
                        s += x;
                    }
                }
                *v = s * scale;
            }
        }
    }
}

multiversion! {
    fn unpool_plane<T: Float>(grad: &[T], w: usize, k: usize, scale: T, grad_in: &mut [T]) {
        let wo = w / k;
        for (oy, grow) in grad.chunks_exact(wo.max(1)).enumerate() {
            for (ox, &g) in grow.iter().enumerate() {
                let v = g * scale;
                for dy in 0..k {
                    for d in &mut grad_in[(oy * k + dy) * w + ox * k..][..k] {
                        *d = v;
                    }
                }
            }
        }
    }
}

fn forward<T: Float>(x: &[T], h: usize, w: usize, k: usize) -> Vec<T> {
    let (ho, wo) = (h / k, w / k);
    let scale = T::from_f64(1.0 / (k * k) as f64);
    let mut out = vec![T::ZERO; x.len() / (h * w).max(1) * ho * wo];
    if ho * wo > 0 {
        out.par_chunks_mut(ho * wo).zip(x.par_chunks(h * w)).for_each(|(o, plane)| pool_plane(plane, w, k, scale, o));
    }
    out
}

fn backward<T: Float>(g: &[T], planes: usize, h: usize, w: usize, k: usize) -> Vec<T> {
    let (ho, wo) = (h / k, w / k);
    let scale = T::from_f64(1.0 / (k * k) as f64);
    let mut dx = vec![T::ZERO; planes * h * w];
    if ho * wo > 0 {
        dx.par_chunks_mut(h * w).zip(g.par_chunks(ho * wo)).for_each(|(d, gp)| unpool_plane(gp, w, k, scale, d));
    }
    dx
}

impl CustomOp1 for AvgPool {
    fn name(&self) -> &'static str {
        "avg-pool2d"
    }

    fn cpu_fwd(&self, storage: &CpuStorage, layout: &Layout) -> Result<(CpuStorage, Shape)> {
        let (n, c, h, w) = layout.shape().dims4()?;
        let out = by_dtype!(candle_core::backend::BackendStorage::dtype(storage), self.name(), |T| T::storage(forward(contiguous::<T>(storage, layout, self.name())?, h, w, self.k)));
        Ok((out, Shape::from((n, c, h / self.k, w / self.k))))
    }

    fn bwd(&self, arg: &Tensor, _res: &Tensor, grad_res: &Tensor) -> Result<Option<Tensor>> {
        let g = grad_res.contiguous()?;
        let (n, c, h, w) = arg.dims4()?;
        let name = "avg-pool2d backward";
        let dx = by_dtype!(arg.dtype(), name, |T| with_data::<T, _>(&g, name, |g| Tensor::from_vec(backward(g, n * c, h, w, self.k), (n, c, h, w), arg.device()))?);
        Ok(Some(dx))
    }
}
