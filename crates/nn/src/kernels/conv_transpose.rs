//! 2-D transposed convolution with bias and optional ReLU fused, on the CPU: the adjoint of
//! [`super::conv::Conv2d`]'s product. Forward is `col = Wᵀ · x` and `y = col2im(col)` per image;
//! backward is `col = im2col(gz)`, `dW += x · colᵀ` and, when the input tracks a gradient,
//! `dx = W · col`.

use candle_core::{CpuStorage, CustomOp3, Layout, Result, Shape, Tensor};

use super::batch::{for_runs, sum_over_runs};
use super::epilogue::{add_plane_sums, bias_relu_planes, relu_grad};
use super::float::{by_dtype, contiguous, with_data, Float};
use super::im2col::{col2im, im2col, same_masks, Geometry};
use super::matmul::{matmul, Threads, View};
use super::scratch::Scratch;

/// `(x [n, ci, h, w], weight [ci, co, k, k], bias [co]) → relu(conv_transpose(x) + bias)`.
pub(crate) struct ConvTranspose2d {
    pub stride: usize,
    pub pad: usize,
    pub out_pad: usize,
    pub relu: bool,
}

/// `g` is the geometry of the convolution this one is the adjoint of: its input is the
/// transposed convolution's output (`co` channels of `g.h × g.w`), its output positions
/// (`g.oh × g.ow`) are the transposed convolution's input pixels.
struct Dims {
    n: usize,
    ci: usize,
    g: Geometry,
}

impl ConvTranspose2d {
    fn dims(&self, x: &Shape, w: &Shape) -> Result<Dims> {
        let (n, ci, h, wd) = x.dims4()?;
        let (wci, co, k, k2) = w.dims4()?;
        if wci != ci || k != k2 {
            candle_core::bail!("conv_transpose2d: weight {w:?} does not fit input {x:?} (needs [{ci}, out, k, k])");
        }
        if self.stride == 0 || self.out_pad >= self.stride {
            candle_core::bail!("conv_transpose2d: output padding {} must be smaller than the stride {}", self.out_pad, self.stride);
        }
        let side = |n: usize| ((n.max(1) - 1) * self.stride + k + self.out_pad).checked_sub(2 * self.pad);
        let geometry = match (side(h), side(wd)) {
            (Some(oh), Some(ow)) if h > 0 && wd > 0 => Geometry::new(co, oh, ow, k, self.stride, self.pad),
            _ => None,
        };
        match geometry {
            Some(g) if (g.oh, g.ow) == (h, wd) => Ok(Dims { n, ci, g }),
            _ => candle_core::bail!("conv_transpose2d: kernel {k} with padding {} gives no output for input {x:?}", self.pad),
        }
    }
}

fn forward<T: Float>(op: &ConvTranspose2d, d: &Dims, x: &[T], w: &[T], b: &[T]) -> Vec<T> {
    let (rows, cols, image, per) = (d.g.rows(), d.g.cols(), d.ci * d.g.cols(), d.g.image());
    let mut out = vec![T::ZERO; d.n * per];
    let masks = same_masks::<T>(&d.g);
    for_runs(&mut out, per, d.n, |first, run| {
        let mut col = Scratch::<T>::new(rows * cols);
        for (j, y) in run.chunks_exact_mut(per).enumerate() {
            let i = first + j;
            let xi = &x[i * image..(i + 1) * image];
            matmul(rows, cols, d.ci, &mut col, false, View::transposed(w, rows), View::rows(xi, cols), Threads::One);
            col2im(&d.g, &masks, &col, cols, y);
            bias_relu_planes(y, Some(b), op.relu);
        }
    });
    out
}

/// `(dx, dW, db)`; `dx` only when `need_dx`.
fn backward<T: Float>(op: &ConvTranspose2d, d: &Dims, x: &[T], w: &[T], y: &[T], grad: &[T], need_dx: bool) -> (Option<Vec<T>>, Vec<T>, Vec<T>) {
    let (rows, cols, image, per) = (d.g.rows(), d.g.cols(), d.ci * d.g.cols(), d.g.image());
    let mut dx = need_dx.then(|| vec![T::ZERO; d.n * image]);
    let masks = same_masks::<T>(&d.g);
    let acc = sum_over_runs(d.n, dx.as_deref_mut().map(|v| (v, image)), &[d.ci * rows, d.g.c], |items, mut dx_run, acc| {
        let [dw, db] = acc else { unreachable!("two accumulators") };
        let mut gz = Scratch::<T>::new(if op.relu { per } else { 0 });
        let mut col = Scratch::<T>::new(rows * cols);
        let first = items.start;
        for i in items {
            let g = &grad[i * per..(i + 1) * per];
            let gz: &[T] = if op.relu {
                relu_grad(g, &y[i * per..(i + 1) * per], &mut gz);
                &gz
            } else {
                g
            };
            add_plane_sums(gz, db);
            im2col(&d.g, &masks, gz, &mut col, cols);
            let xi = &x[i * image..(i + 1) * image];
            matmul(d.ci, rows, cols, dw, true, View::rows(xi, cols), View::transposed(&col, cols), Threads::One);
            if let Some(dx_run) = dx_run.as_deref_mut() {
                let dxi = &mut dx_run[(i - first) * image..(i - first + 1) * image];
                matmul(d.ci, cols, rows, dxi, false, View::rows(w, rows), View::rows(&col, cols), Threads::One);
            }
        }
    });
    let mut acc = acc.into_iter();
    let (dw, db) = (acc.next().expect("dW"), acc.next().expect("db"));
    (dx, dw, db)
}

impl CustomOp3 for ConvTranspose2d {
    fn name(&self) -> &'static str {
        "conv-transpose2d-bias-relu"
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
        if l3.shape().dims() != [d.g.c] {
            candle_core::bail!("conv_transpose2d: bias {:?} should be [{}]", l3.shape(), d.g.c);
        }
        let name = self.name();
        let out = by_dtype!(candle_core::backend::BackendStorage::dtype(s1), name, |T| {
            let (x, w, b) = (contiguous::<T>(s1, l1, name)?, contiguous::<T>(s2, l2, name)?, contiguous::<T>(s3, l3, name)?);
            T::storage(forward(self, &d, x, w, b))
        });
        Ok((out, Shape::from((d.n, d.g.c, d.g.h, d.g.w))))
    }

    fn bwd(&self, x: &Tensor, w: &Tensor, b: &Tensor, res: &Tensor, grad: &Tensor) -> Result<(Option<Tensor>, Option<Tensor>, Option<Tensor>)> {
        let d = self.dims(x.shape(), w.shape())?;
        let grad = grad.contiguous()?;
        let name = "conv_transpose2d backward";
        let need_dx = x.track_op();
        let (dx, dw, db) = by_dtype!(x.dtype(), name, |T| {
            with_data::<T, _>(x, name, |xd| {
                with_data(w, name, |wd| {
                    with_data(res, name, |yd| {
                        with_data(&grad, name, |gd| {
                            let (dx, dw, db) = backward(self, &d, xd, wd, yd, gd, need_dx);
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
