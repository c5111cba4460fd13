//! 2-D transposed convolution with bias and optional ReLU fused, on the CPU: the adjoint of
//! [`super::conv::Conv2d`]'s product. Forward is `col = Wᵀ · x` and `y = col2im(col)`;
//! backward is `col = im2col(gz)`, `dWᵀ += col · xᵀ` and, when the input tracks a gradient,
//! `dx = W · col`, each product over a group of images side by side.

use candle_core::{CpuStorage, CustomOp3, Layout, Result, Shape, Tensor};

use super::batch::{for_runs, group_size, sum_over_runs};
use super::epilogue::{add_plane_sums, bias_relu_planes, relu_grad};
use super::float::{by_dtype, contiguous, with_data, Float};
use super::im2col::{col2im, im2col, same_masks, Geometry};
use super::matmul::{matmul, transposed, Threads, View};
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

/// Images `first..first + nb` side by side as one `ci × nb·cols` matrix.
fn gather<T: Float>(d: &Dims, x: &[T], first: usize, nb: usize, xs: &mut [T]) {
    let (cols, image) = (d.g.cols(), d.ci * d.g.cols());
    let ld = nb * cols;
    for j in 0..nb {
        let xi = &x[(first + j) * image..(first + j + 1) * image];
        for c in 0..d.ci {
            xs[c * ld + j * cols..c * ld + (j + 1) * cols].copy_from_slice(&xi[c * cols..(c + 1) * cols]);
        }
    }
}

fn forward<T: Float>(op: &ConvTranspose2d, d: &Dims, x: &[T], w: &[T], b: &[T]) -> Vec<T> {
    let (rows, cols, per) = (d.g.rows(), d.g.cols(), d.g.image());
    let mut out = vec![T::ZERO; d.n * per];
    let masks = same_masks::<T>(&d.g);
    for_runs(&mut out, per, d.n, |first, run| {
        let items = run.len() / per.max(1);
        let gsz = group_size(rows * cols, items);
        let (mut xs, mut col) = (Scratch::<T>::new(d.ci * gsz * cols), Scratch::<T>::new(rows * gsz * cols));
        for start in (0..items).step_by(gsz) {
            let nb = gsz.min(items - start);
            let ld = nb * cols;
            gather(d, x, first + start, nb, &mut xs);
            matmul(rows, ld, d.ci, &mut col, false, View::transposed(w, rows), View::rows(&xs, ld), Threads::One);
            for j in 0..nb {
                let y = &mut run[(start + j) * per..(start + j + 1) * per];
                col2im(&d.g, &masks, &col[j * cols..], ld, y);
                bias_relu_planes(y, Some(b), op.relu);
            }
        }
    });
    out
}

/// `(dx, dW, db)`; `dx` only when `need_dx`.
fn backward<T: Float>(op: &ConvTranspose2d, d: &Dims, x: &[T], w: &[T], y: &[T], grad: &[T], need_dx: bool) -> (Option<Vec<T>>, Vec<T>, Vec<T>) {
    let (rows, cols, image, per) = (d.g.rows(), d.g.cols(), d.ci * d.g.cols(), d.g.image());
    let mut dx = need_dx.then(|| vec![T::ZERO; d.n * image]);
    let masks = same_masks::<T>(&d.g);
    // dWᵀ (rows × ci) is accumulated, the faster orientation for gemm (see conv.rs).
    let acc = sum_over_runs(d.n, dx.as_deref_mut().map(|v| (v, image)), &[rows * d.ci, d.g.c], |items, mut dx_run, acc| {
        let [dwt, db] = acc else { unreachable!("two accumulators") };
        let (first, count) = (items.start, items.len());
        let gsz = group_size(rows * cols, count);
        let mut gz = Scratch::<T>::new(if op.relu { per } else { 0 });
        let mut col = Scratch::<T>::new(rows * gsz * cols);
        let mut xs = Scratch::<T>::new(d.ci * gsz * cols);
        let mut dxs = Scratch::<T>::new(if need_dx { d.ci * gsz * cols } else { 0 });
        for start in (0..count).step_by(gsz) {
            let nb = gsz.min(count - start);
            let ld = nb * cols;
            for j in 0..nb {
                let i = first + start + j;
                let g = &grad[i * per..(i + 1) * per];
                let gz: &[T] = if op.relu {
                    relu_grad(g, &y[i * per..(i + 1) * per], &mut gz);
                    &gz
                } else {
                    g
                };
                add_plane_sums(gz, db);
                im2col(&d.g, &masks, gz, &mut col[j * cols..], ld);
            }
            gather(d, x, first + start, nb, &mut xs);
            matmul(rows, d.ci, ld, dwt, true, View::rows(&col, ld), View::transposed(&xs, ld), Threads::One);
            if let Some(dx_run) = dx_run.as_deref_mut() {
                matmul(d.ci, ld, rows, &mut dxs, false, View::rows(w, rows), View::rows(&col, ld), Threads::One);
                for j in 0..nb {
                    let dxi = &mut dx_run[(start + j) * image..(start + j + 1) * image];
                    for c in 0..d.ci {
                        dxi[c * cols..(c + 1) * cols].copy_from_slice(&dxs[c * ld + j * cols..c * ld + (j + 1) * cols]);
                    }
                }
            }
        }
    });
    let mut acc = acc.into_iter();
    let (dwt, db) = (acc.next().expect("dW"), acc.next().expect("db"));
    (dx, transposed(&dwt, rows, d.ci), db)
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
