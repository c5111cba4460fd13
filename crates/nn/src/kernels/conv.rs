//! 2-D convolution with bias, optional ReLU and optional k×k max-pool fused, on the CPU.
//!
//! Each image is an im2col followed by one `W · col` product, with bias, ReLU and pooling done
//! while the product is still in cache; images are spread over rayon's threads. The backward
//! pass builds the pre-activation gradient of one image at a time (ReLU mask and un-pooling in
//! one step), then accumulates `dW += gz · colᵀ` per thread and, only when the input tracks a
//! gradient, `dx = col2im(Wᵀ · gz)`: the first layer of a network never computes an input
//! gradient. Pooling remembers each window's maximum from the forward pass (one byte per
//! pooled value), so the full-size activation is never stored.

use std::sync::OnceLock;

use candle_core::{CpuStorage, CustomOp3, Layout, Result, Shape, Tensor};

use super::batch::{for_runs, for_runs2, sum_over_runs};
use super::epilogue::{add_plane_sums, bias_relu_planes, relu_grad};
use super::float::{by_dtype, contiguous, with_data, Float};
use super::im2col::{col2im, im2col, Geometry};
use super::matmul::{matmul, Threads, View};
use super::max_pool::{pool_plane, unpool_plane};

/// `(x [n, c, h, w], weight [co, c, k, k], bias [co]) → pool(relu(conv(x) + bias))`.
pub(crate) struct Conv2d {
    stride: usize,
    pad: usize,
    relu: bool,
    /// Pooling window and stride; 1 is no pooling.
    pool: usize,
    /// Offset of each pooled value's maximum within its window, from the forward pass.
    argmax: OnceLock<Vec<u8>>,
}

/// Largest pooling window whose offsets fit the byte [`Conv2d`] keeps per pooled value.
pub(crate) const MAX_FUSED_POOL: usize = 16;

struct Dims {
    n: usize,
    co: usize,
    g: Geometry,
}

impl Conv2d {
    pub fn new(stride: usize, pad: usize, relu: bool, pool: usize) -> Self {
        assert!((1..=MAX_FUSED_POOL).contains(&pool), "pool window must be 1..={MAX_FUSED_POOL}");
        Conv2d { stride, pad, relu, pool, argmax: OnceLock::new() }
    }

    fn dims(&self, x: &Shape, w: &Shape) -> Result<Dims> {
        let (n, c, h, wd) = x.dims4()?;
        let (co, wc, k, k2) = w.dims4()?;
        if wc != c || k != k2 {
            candle_core::bail!("conv2d: weight {w:?} does not fit input {x:?} (needs [out, {c}, k, k])");
        }
        match Geometry::new(c, h, wd, k, self.stride, self.pad) {
            Some(g) => Ok(Dims { n, co, g }),
            None => candle_core::bail!("conv2d: kernel {k} with padding {} does not fit input {x:?}", self.pad),
        }
    }

    fn out_dims(&self, d: &Dims) -> (usize, usize, usize, usize) {
        (d.n, d.co, d.g.oh / self.pool, d.g.ow / self.pool)
    }
}

/// The pre-activation of one image: `z = W · im2col(x) + b`, then ReLU.
fn conv_image<T: Float>(d: &Dims, x: &[T], w: &[T], b: &[T], relu: bool, col: &mut [T], z: &mut [T]) {
    let (rows, cols) = (d.g.rows(), d.g.cols());
    let col: &[T] = if d.g.is_identity() {
        x
    } else {
        im2col(&d.g, x, col);
        col
    };
    matmul(d.co, cols, rows, z, false, View::rows(w, rows), View::rows(col, cols), Threads::One);
    bias_relu_planes(z, Some(b), relu);
}

fn scratch<T: Float>(d: &Dims) -> Vec<T> {
    vec![T::ZERO; if d.g.is_identity() { 0 } else { d.g.rows() * d.g.cols() }]
}

fn forward<T: Float>(op: &Conv2d, d: &Dims, x: &[T], w: &[T], b: &[T]) -> (Vec<T>, Option<Vec<u8>>) {
    let (image, planes) = (d.g.image(), d.co * d.g.cols());
    if op.pool == 1 {
        let mut out = vec![T::ZERO; d.n * planes];
        for_runs(&mut out, planes, d.n, |first, run| {
            let mut col = scratch(d);
            for (j, z) in run.chunks_exact_mut(planes).enumerate() {
                let i = first + j;
                conv_image(d, &x[i * image..(i + 1) * image], w, b, op.relu, &mut col, z);
            }
        });
        return (out, None);
    }
    let (_, _, ph, pw) = op.out_dims(d);
    let per = d.co * ph * pw;
    let (mut out, mut arg) = (vec![T::ZERO; d.n * per], vec![0u8; d.n * per]);
    for_runs2(&mut out, per, &mut arg, per, d.n, |first, run, args| {
        let (mut col, mut z) = (scratch(d), vec![T::ZERO; planes]);
        for (j, (o, a)) in run.chunks_exact_mut(per).zip(args.chunks_exact_mut(per)).enumerate() {
            let i = first + j;
            conv_image(d, &x[i * image..(i + 1) * image], w, b, op.relu, &mut col, &mut z);
            for ((zp, op_), ap) in z.chunks_exact(d.g.cols()).zip(o.chunks_exact_mut(ph * pw)).zip(a.chunks_exact_mut(ph * pw)) {
                pool_plane(zp, d.g.ow, op.pool, op_, Some(ap));
            }
        }
    });
    (out, Some(arg))
}

/// What the backward pass reads and which gradients it owes.
struct Backward<'a, T> {
    x: &'a [T],
    w: &'a [T],
    /// The op's output (pooled when pooling): its sign is the ReLU mask.
    y: &'a [T],
    grad: &'a [T],
    argmax: Option<&'a [u8]>,
    need_dx: bool,
}

/// `(dx, dW, db)`; `dx` only when asked.
fn backward<T: Float>(op: &Conv2d, d: &Dims, a: Backward<T>) -> (Option<Vec<T>>, Vec<T>, Vec<T>) {
    let (image, rows, cols) = (d.g.image(), d.g.rows(), d.g.cols());
    let per_out = a.y.len() / d.n.max(1);
    let mut dx = a.need_dx.then(|| vec![T::ZERO; d.n * image]);
    let acc = sum_over_runs(d.n, dx.as_deref_mut().map(|v| (v, image)), &[d.co * rows, d.co], |items, mut dx_run, acc| {
        let masked = op.relu || op.pool > 1;
        let mut gz = vec![T::ZERO; if masked { d.co * cols } else { 0 }];
        let mut col = scratch(d);
        let mut dcol = if a.need_dx { scratch(d) } else { Vec::new() };
        let [dw, db] = acc else { unreachable!("two accumulators") };
        let first = items.start;
        for i in items {
            let (g, y) = (&a.grad[i * per_out..(i + 1) * per_out], &a.y[i * per_out..(i + 1) * per_out]);
            let gz: &[T] = if op.pool > 1 {
                gz.fill(T::ZERO);
                let arg = &a.argmax.expect("pooling keeps its argmax")[i * per_out..(i + 1) * per_out];
                let pp = per_out / d.co;
                for c in 0..d.co {
                    let (gc, yc, ac) = (&g[c * pp..(c + 1) * pp], &y[c * pp..(c + 1) * pp], &arg[c * pp..(c + 1) * pp]);
                    unpool_plane(gc, ac, d.g.ow, op.pool, &mut gz[c * cols..(c + 1) * cols], op.relu.then_some(yc));
                }
                &gz
            } else if op.relu {
                relu_grad(g, y, &mut gz);
                &gz
            } else {
                g
            };
            add_plane_sums(gz, db);
            let xi = &a.x[i * image..(i + 1) * image];
            let colv: &[T] = if d.g.is_identity() {
                xi
            } else {
                im2col(&d.g, xi, &mut col);
                &col
            };
            matmul(d.co, rows, cols, dw, true, View::rows(gz, cols), View::transposed(colv, cols), Threads::One);
            if let Some(dx_run) = dx_run.as_deref_mut() {
                let dxi = &mut dx_run[(i - first) * image..(i - first + 1) * image];
                let wt = View::transposed(a.w, rows);
                if d.g.is_identity() {
                    matmul(rows, cols, d.co, dxi, false, wt, View::rows(gz, cols), Threads::One);
                } else {
                    matmul(rows, cols, d.co, &mut dcol, false, wt, View::rows(gz, cols), Threads::One);
                    col2im(&d.g, &dcol, dxi);
                }
            }
        }
    });
    let mut acc = acc.into_iter();
    let (dw, db) = (acc.next().expect("dW"), acc.next().expect("db"));
    (dx, dw, db)
}

impl CustomOp3 for Conv2d {
    fn name(&self) -> &'static str {
        "conv2d-bias-relu-pool"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
        s3: &CpuStorage,
        l3: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let d = self.dims(l1.shape(), l2.shape())?;
        if l3.shape().dims() != [d.co] {
            candle_core::bail!("conv2d: bias {:?} should be [{}]", l3.shape(), d.co);
        }
        let name = self.name();
        let out = by_dtype!(candle_core::backend::BackendStorage::dtype(s1), name, |T| {
            let (x, w, b) = (contiguous::<T>(s1, l1, name)?, contiguous::<T>(s2, l2, name)?, contiguous::<T>(s3, l3, name)?);
            let (out, argmax) = forward(self, &d, x, w, b);
            if let Some(argmax) = argmax {
                // A second forward through the same op instance cannot happen: candle runs
                // each op once. Keep the first in any case rather than fail.
                let _ = self.argmax.set(argmax);
            }
            T::storage(out)
        });
        Ok((out, Shape::from(self.out_dims(&d))))
    }

    fn bwd(&self, x: &Tensor, w: &Tensor, b: &Tensor, res: &Tensor, grad: &Tensor) -> Result<(Option<Tensor>, Option<Tensor>, Option<Tensor>)> {
        let d = self.dims(x.shape(), w.shape())?;
        let grad = grad.contiguous()?;
        let name = "conv2d backward";
        let argmax = match self.pool {
            1 => None,
            _ => Some(self.argmax.get().ok_or_else(|| candle_core::Error::Msg(format!("{name}: no forward pass was recorded")))?.as_slice()),
        };
        let need_dx = x.track_op();
        let (dx, dw, db) = by_dtype!(x.dtype(), name, |T| {
            with_data::<T, _>(x, name, |xd| {
                with_data(w, name, |wd| {
                    with_data(res, name, |yd| {
                        with_data(&grad, name, |gd| {
                            let (dx, dw, db) = backward(self, &d, Backward { x: xd, w: wd, y: yd, grad: gd, argmax, need_dx });
                            let dx = dx.map(|v| Tensor::from_vec(v, x.shape(), x.device())).transpose()?;
                            Ok((dx, Tensor::from_vec(dw, w.shape(), w.device())?, Tensor::from_vec(db, b.shape(), b.device())?))
                        })
                    })
                })
            })?
        });
        Ok((dx, w.track_op().then_some(dw), b.track_op().then_some(db)))
    }
}
