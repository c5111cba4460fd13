//! 2-D convolution with bias, optional ReLU and optional k×k max-pool fused, on the CPU.
//!
//! A group of images is an im2col into one wide column matrix followed by one `W · col`
//! product, with bias, ReLU and pooling done while the product is still in cache; runs of
//! images are spread over rayon's threads. The backward pass builds the pre-activation gradient
//! of a group (ReLU mask and un-pooling in one step), then accumulates `dW += gz · colᵀ` per
//! thread and, only when the input tracks a gradient, `dx = col2im(Wᵀ · gz)`: the first layer
//! of a network never computes an input gradient. Pooling remembers each window's maximum from the forward pass (one byte per
//! pooled value), so the full-size activation is never stored.

use std::sync::OnceLock;

use candle_core::{CpuStorage, CustomOp3, Layout, Result, Shape, Tensor};

use super::batch::{for_runs, for_runs2, group_size, sum_over_runs};
use super::epilogue::{add_plane_sums, bias_relu_planes, relu_grad};
use super::float::{by_dtype, contiguous, with_data, Float};
use super::im2col::{col2im, im2col, same_masks, Geometry};
use super::matmul::{matmul, transposed, Threads, View};
use super::max_pool::{pool_plane, unpool_plane};
use super::scratch::Scratch;

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

/// Images per product, for a run of `items`.
fn group(d: &Dims, items: usize) -> usize {
    group_size(d.g.rows() * d.g.cols(), items)
}

/// `col` for images `first..first + nb`, side by side (row stride `nb · cols`).
fn im2col_group<T: Float>(d: &Dims, masks: &[T], x: &[T], first: usize, nb: usize, col: &mut [T]) {
    let (image, cols) = (d.g.image(), d.g.cols());
    for j in 0..nb {
        let i = first + j;
        im2col(&d.g, masks, &x[i * image..(i + 1) * image], &mut col[j * cols..], nb * cols);
    }
}

fn forward<T: Float>(op: &Conv2d, d: &Dims, x: &[T], w: &[T], b: &[T]) -> (Vec<T>, Option<Vec<u8>>) {
    let (rows, cols) = (d.g.rows(), d.g.cols());
    let (_, _, ph, pw) = op.out_dims(d);
    let per = d.co * ph * pw;
    let mut out = vec![T::ZERO; d.n * per];
    let mut arg = vec![0u8; if op.pool > 1 { d.n * per } else { 0 }];
    let masks = same_masks::<T>(&d.g);
    let run = |first: usize, out: &mut [T], mut arg: Option<&mut [u8]>| {
        let items = out.len() / per.max(1);
        let gsz = group(d, items);
        let (mut col, mut z) = (Scratch::<T>::new(rows * gsz * cols), Scratch::<T>::new(d.co * gsz * cols));
        for start in (0..items).step_by(gsz) {
            let nb = gsz.min(items - start);
            let ld = nb * cols;
            im2col_group(d, &masks, x, first + start, nb, &mut col);
            matmul(d.co, ld, rows, &mut z, false, View::rows(w, rows), View::rows(&col, ld), Threads::One);
            for j in 0..nb {
                let o = &mut out[(start + j) * per..(start + j + 1) * per];
                for c in 0..d.co {
                    let plane = &mut z[c * ld + j * cols..c * ld + (j + 1) * cols];
                    let pp = ph * pw;
                    let o = &mut o[c * pp..(c + 1) * pp];
                    if op.pool > 1 {
                        // relu(max(z) + b) = max(relu(z + b)): pool first, then bias and ReLU
                        // on a quarter of the values. The window's maximum is the same element.
                        let a = arg.as_deref_mut().map(|a| &mut a[(start + j) * per + c * pp..(start + j) * per + (c + 1) * pp]);
                        pool_plane(plane, d.g.ow, op.pool, o, a);
                        bias_relu_planes(o, Some(&b[c..c + 1]), op.relu);
                    } else {
                        bias_relu_planes(plane, Some(&b[c..c + 1]), op.relu);
                        o.copy_from_slice(plane);
                    }
                }
            }
        }
    };
    if op.pool > 1 {
        for_runs2(&mut out, per, &mut arg, per, d.n, |first, o, a| run(first, o, Some(a)));
        (out, Some(arg))
    } else {
        for_runs(&mut out, per, d.n, |first, o| run(first, o, None));
        (out, None)
    }
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
    let pp = per_out / d.co.max(1);
    let mut dx = a.need_dx.then(|| vec![T::ZERO; d.n * image]);
    let masks = same_masks::<T>(&d.g);
    // The weight gradient is accumulated transposed, `dWᵀ (rows × co) += col · gzᵀ`: gemm runs
    // that orientation about 1.5× faster than `gz · colᵀ` (its packing of a transposed column
    // matrix is slow), and one transpose of the small result at the end is cheap.
    let acc = sum_over_runs(d.n, dx.as_deref_mut().map(|v| (v, image)), &[rows * d.co, d.co], |items, mut dx_run, acc| {
        let [dwt, db] = acc else { unreachable!("two accumulators") };
        let (first, count) = (items.start, items.len());
        let gsz = group(d, count);
        let mut gz = Scratch::<T>::new(d.co * gsz * cols);
        let mut col = Scratch::<T>::new(rows * gsz * cols);
        let mut dcol = Scratch::<T>::new(if a.need_dx { rows * gsz * cols } else { 0 });
        for start in (0..count).step_by(gsz) {
            let nb = gsz.min(count - start);
            let ld = nb * cols;
            // The pre-activation gradient of each image, as planes of the shared matrix.
            for j in 0..nb {
                let i = first + start + j;
                let (g, y) = (&a.grad[i * per_out..(i + 1) * per_out], &a.y[i * per_out..(i + 1) * per_out]);
                for c in 0..d.co {
                    let dst = &mut gz[c * ld + j * cols..c * ld + (j + 1) * cols];
                    let (gc, yc) = (&g[c * pp..(c + 1) * pp], &y[c * pp..(c + 1) * pp]);
                    if op.pool > 1 {
                        let arg = &a.argmax.expect("pooling keeps its argmax")[i * per_out + c * pp..i * per_out + (c + 1) * pp];
                        db[c] += unpool_plane(gc, arg, d.g.oh, d.g.ow, op.pool, dst, op.relu.then_some(yc));
                    } else {
                        if op.relu {
                            relu_grad(gc, yc, dst);
                        } else {
                            dst.copy_from_slice(gc);
                        }
                        add_plane_sums(dst, &mut db[c..c + 1]);
                    }
                }
            }
            let gz = &gz[..d.co * ld];
            im2col_group(d, &masks, a.x, first + start, nb, &mut col);
            matmul(rows, d.co, ld, dwt, true, View::rows(&col, ld), View::transposed(gz, ld), Threads::One);
            if let Some(dx_run) = dx_run.as_deref_mut() {
                matmul(rows, ld, d.co, &mut dcol, false, View::transposed(a.w, rows), View::rows(gz, ld), Threads::One);
                for j in 0..nb {
                    let o = start + j;
                    col2im(&d.g, &masks, &dcol[j * cols..], ld, &mut dx_run[o * image..(o + 1) * image]);
                }
            }
        }
    });
    let mut acc = acc.into_iter();
    let (dwt, db) = (acc.next().expect("dW"), acc.next().expect("db"));
    (dx, transposed(&dwt, rows, d.co), db)
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
