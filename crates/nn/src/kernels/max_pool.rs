//! k×k / stride-k max-pooling (floor mode) on the CPU with an exact backward: each window's
//! gradient goes to its first maximum, as in PyTorch. Replaces candle 0.11's pool backward, which
//! scales gradients by (number of maxima)/k² and misroutes them on sides that are not a multiple
//! of k (see [`crate::ops::max_pool2d`]).

use candle_core::backend::BackendStorage;
use candle_core::{CpuStorage, CustomOp1, CustomOp2, Layout, Result, Shape, Tensor};

/// Forward op; its backward is [`MaxPoolGrad`].
pub(crate) struct MaxPool {
    pub k: usize,
}

/// (input, output gradient) → input gradient.
struct MaxPoolGrad {
    k: usize,
}

fn contiguous<'a, T>(data: &'a [T], layout: &Layout, op: &str) -> Result<&'a [T]> {
    match layout.contiguous_offsets() {
        Some((start, end)) => Ok(&data[start..end]),
        None => candle_core::bail!("{op}: the input must be contiguous"),
    }
}

/// Index (within the item plane) of the first maximum of each window, for one H×W plane.
fn argmax_plane<T: Copy + PartialOrd>(plane: &[T], w: usize, ho: usize, wo: usize, k: usize, mut emit: impl FnMut(usize, usize)) {
    for oy in 0..ho {
        for ox in 0..wo {
            let mut best = (oy * k) * w + ox * k;
            for dy in 0..k {
                let row = (oy * k + dy) * w + ox * k;
                for dx in 0..k {
                    if plane[row + dx] > plane[best] {
                        best = row + dx;
                    }
                }
            }
            emit(oy * wo + ox, best);
        }
    }
}

fn forward<T: Copy + PartialOrd>(x: &[T], dims: (usize, usize, usize, usize), k: usize) -> Vec<T> {
    let (n, c, h, w) = dims;
    let (ho, wo) = (h / k, w / k);
    let mut out = Vec::with_capacity(n * c * ho * wo);
    for plane in x.chunks_exact(h * w) {
        argmax_plane(plane, w, ho, wo, k, |_, best| out.push(plane[best]));
    }
    out
}

fn backward<T: Copy + PartialOrd + Default + std::ops::AddAssign>(
    x: &[T],
    g: &[T],
    dims: (usize, usize, usize, usize),
    k: usize,
) -> Vec<T> {
    let (_, _, h, w) = dims;
    let (ho, wo) = (h / k, w / k);
    let mut dx = vec![T::default(); x.len()];
    for ((plane, gplane), dplane) in x.chunks_exact(h * w).zip(g.chunks_exact(ho * wo)).zip(dx.chunks_exact_mut(h * w)) {
        argmax_plane(plane, w, ho, wo, k, |o, best| dplane[best] += gplane[o]);
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
        let out = match storage {
            CpuStorage::F32(v) => CpuStorage::F32(forward(contiguous(v, layout, self.name())?, dims, self.k)),
            CpuStorage::F64(v) => CpuStorage::F64(forward(contiguous(v, layout, self.name())?, dims, self.k)),
            other => candle_core::bail!("max-pool2d: unsupported dtype {:?}", other.dtype()),
        };
        Ok((out, shape))
    }

    fn bwd(&self, arg: &Tensor, _res: &Tensor, grad_res: &Tensor) -> Result<Option<Tensor>> {
        let g = grad_res.contiguous()?;
        Ok(Some(arg.apply_op2_no_bwd(&g, &MaxPoolGrad { k: self.k })?))
    }
}

impl CustomOp2 for MaxPoolGrad {
    fn name(&self) -> &'static str {
        "max-pool2d-backward"
    }

    fn cpu_fwd(&self, s1: &CpuStorage, l1: &Layout, s2: &CpuStorage, l2: &Layout) -> Result<(CpuStorage, Shape)> {
        let dims = l1.shape().dims4()?;
        let out = match (s1, s2) {
            (CpuStorage::F32(x), CpuStorage::F32(g)) => {
                CpuStorage::F32(backward(contiguous(x, l1, self.name())?, contiguous(g, l2, self.name())?, dims, self.k))
            }
            (CpuStorage::F64(x), CpuStorage::F64(g)) => {
                CpuStorage::F64(backward(contiguous(x, l1, self.name())?, contiguous(g, l2, self.name())?, dims, self.k))
            }
            _ => candle_core::bail!("max-pool2d-backward: unsupported dtypes"),
        };
        Ok((out, l1.shape().clone()))
    }
}
