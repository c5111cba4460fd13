//! Dense layer `x · Wᵀ + b` with optional ReLU fused, on the CPU. One product forward; backward
//! masks the gradient once and computes `dW = gzᵀ · x` straight into the weight's `[out, in]`
//! layout (candle's matmul backward goes through a transposed gradient and a strided add) and
//! `dx = gz · W` only when the input tracks a gradient.

use candle_core::{CpuStorage, CustomOp3, Layout, Result, Shape, Tensor};

use super::epilogue::{bias_relu_rows, relu_grad};
use super::float::{by_dtype, contiguous, with_data, Float};
use super::matmul::{matmul, Threads, View};

/// `(x [n, in], weight [out, in], bias [out]) → relu(x · Wᵀ + b)`.
pub(crate) struct Linear {
    pub relu: bool,
}

fn dims(x: &Shape, w: &Shape) -> Result<(usize, usize, usize)> {
    let (n, i) = x.dims2()?;
    let (o, wi) = w.dims2()?;
    if wi != i {
        candle_core::bail!("linear: weight {w:?} does not fit input {x:?} (needs [out, {i}])");
    }
    Ok((n, i, o))
}

impl CustomOp3 for Linear {
    fn name(&self) -> &'static str {
        "linear-bias-relu"
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
        let (n, i, o) = dims(l1.shape(), l2.shape())?;
        if l3.shape().dims() != [o] {
            candle_core::bail!("linear: bias {:?} should be [{o}]", l3.shape());
        }
        let name = self.name();
        let out = by_dtype!(candle_core::backend::BackendStorage::dtype(s1), name, |T| {
            let (x, w, b) = (contiguous::<T>(s1, l1, name)?, contiguous::<T>(s2, l2, name)?, contiguous::<T>(s3, l3, name)?);
            let mut y = vec![T::ZERO; n * o];
            matmul(n, o, i, &mut y, false, View::rows(x, i), View::transposed(w, i), Threads::All);
            bias_relu_rows(&mut y, Some(b), self.relu, o);
            T::storage(y)
        });
        Ok((out, Shape::from((n, o))))
    }

    fn bwd(&self, x: &Tensor, w: &Tensor, b: &Tensor, res: &Tensor, grad: &Tensor) -> Result<(Option<Tensor>, Option<Tensor>, Option<Tensor>)> {
        let (n, i, o) = dims(x.shape(), w.shape())?;
        let grad = grad.contiguous()?;
        let name = "linear backward";
        let (need_dx, need_dw) = (x.track_op(), w.track_op());
        let dev = x.device();
        by_dtype!(x.dtype(), name, |T| {
            with_data::<T, _>(x, name, |xd| {
                with_data(w, name, |wd| {
                    with_data(res, name, |yd| {
                        with_data(&grad, name, |gd| {
                            let masked = self.relu.then(|| {
                                let mut m = vec![T::ZERO; gd.len()];
                                relu_grad(gd, yd, &mut m);
                                m
                            });
                            let mut db = vec![T::ZERO; o];
                            for row in masked.as_deref().unwrap_or(gd).chunks_exact(o) {
                                for (a, &g) in db.iter_mut().zip(row) {
                                    *a += g;
                                }
                            }
                            let gz: &[T] = masked.as_deref().unwrap_or(gd);
                            let dw = if need_dw {
                                let mut dw = vec![T::ZERO; o * i];
                                matmul(o, i, n, &mut dw, false, View::transposed(gz, o), View::rows(xd, i), Threads::All);
                                Some(Tensor::from_vec(dw, (o, i), dev)?)
                            } else {
                                None
                            };
                            let dx = if need_dx {
                                let mut dx = vec![T::ZERO; n * i];
                                matmul(n, i, o, &mut dx, false, View::rows(gz, o), View::rows(wd, i), Threads::All);
                                Some(Tensor::from_vec(dx, (n, i), dev)?)
                            } else {
                                None
                            };
                            let db = if b.track_op() { Some(Tensor::from_vec(db, o, dev)?) } else { None };
                            Ok((dx, dw, db))
                        })
                    })
                })
            })
        })
    }
}
