//! Channels-last im2col and col2im for 4×4 kernels with stride 2 and padding 1, as CPU ops that
//! are each other's adjoint, plus LeakyReLU as one op: with candle's own ops the same patch
//! gathering took a dozen full-size copies forward and as many zero-fills and adds backward.
//! Other devices compose candle ops instead (see `conv.rs`).

use candle_core::{CpuStorage, CustomOp1, CustomOp2, Layout, Result, Shape, Tensor};

const K: usize = 4;
const STRIDE: usize = 2;
const PAD: usize = 1;

/// N×H×W×C in, N×(H/2)×(W/2)×(4·4·C) out, patch values ordered (kh, kw, c), zeros off the edge.
pub struct Im2Col;

/// The adjoint: N×h×w×(16·C) patches summed back into N×2h×2w×C.
pub struct Col2Im;

/// The contiguous data of an f32 or f64 storage.
enum Data<'a> {
    F32(&'a [f32]),
    F64(&'a [f64]),
}

fn data<'a>(s: &'a CpuStorage, l: &Layout, op: &str) -> Result<Data<'a>> {
    let Some((a, b)) = l.contiguous_offsets() else { candle_core::bail!("{op}: the input must be contiguous") };
    match s {
        CpuStorage::F32(v) => Ok(Data::F32(&v[a..b])),
        CpuStorage::F64(v) => Ok(Data::F64(&v[a..b])),
        _ => candle_core::bail!("{op}: only f32 and f64 are supported"),
    }
}

/// Calls `f(patch_offset, input_offset)` for every in-bounds (output cell, kernel tap) of one
/// image, offsets in units of C.
fn taps(h: usize, w: usize, mut f: impl FnMut(usize, usize)) {
    let (oh, ow) = (h / STRIDE, w / STRIDE);
    for oy in 0..oh {
        for ox in 0..ow {
            let cell = (oy * ow + ox) * K * K;
            for ky in 0..K {
                let iy = (oy * STRIDE + ky) as isize - PAD as isize;
                if iy < 0 || iy >= h as isize {
                    continue;
                }
                for kx in 0..K {
                    let ix = (ox * STRIDE + kx) as isize - PAD as isize;
                    if ix < 0 || ix >= w as isize {
                        continue;
                    }
                    f(cell + ky * K + kx, iy as usize * w + ix as usize);
                }
            }
        }
    }
}

fn gather<T: Copy + Default>(x: &[T], n: usize, h: usize, w: usize, c: usize) -> Vec<T> {
    let per_out = (h / STRIDE) * (w / STRIDE) * K * K * c;
    let mut out = vec![T::default(); n * per_out];
    let per_in = h * w * c;
    for (img, dst) in x.chunks_exact(per_in).zip(out.chunks_exact_mut(per_out)) {
        taps(h, w, |p, i| dst[p * c..(p + 1) * c].copy_from_slice(&img[i * c..(i + 1) * c]));
    }
    out
}

fn scatter<T: Copy + Default + std::ops::AddAssign>(cols: &[T], n: usize, h: usize, w: usize, c: usize) -> Vec<T> {
    let per_in = (h / STRIDE) * (w / STRIDE) * K * K * c;
    let per_out = h * w * c;
    let mut out = vec![T::default(); n * per_out];
    for (src, img) in cols.chunks_exact(per_in).zip(out.chunks_exact_mut(per_out)) {
        taps(h, w, |p, i| {
            for (d, &s) in img[i * c..(i + 1) * c].iter_mut().zip(&src[p * c..(p + 1) * c]) {
                *d += s;
            }
        });
    }
    out
}

impl CustomOp1 for Im2Col {
    fn name(&self) -> &'static str {
        "im2col-4x4-s2"
    }
    fn cpu_fwd(&self, s: &CpuStorage, l: &Layout) -> Result<(CpuStorage, Shape)> {
        let (n, h, w, c) = l.shape().dims4()?;
        if h % STRIDE != 0 || w % STRIDE != 0 {
            candle_core::bail!("im2col: sides {h}×{w} must be even");
        }
        let out = match data(s, l, self.name())? {
            Data::F32(x) => CpuStorage::F32(gather(x, n, h, w, c)),
            Data::F64(x) => CpuStorage::F64(gather(x, n, h, w, c)),
        };
        Ok((out, Shape::from((n, h / STRIDE, w / STRIDE, K * K * c))))
    }
    fn bwd(&self, _arg: &Tensor, _res: &Tensor, grad: &Tensor) -> Result<Option<Tensor>> {
        Ok(Some(grad.contiguous()?.apply_op1_no_bwd(&Col2Im)?))
    }
}

impl CustomOp1 for Col2Im {
    fn name(&self) -> &'static str {
        "col2im-4x4-s2"
    }
    fn cpu_fwd(&self, s: &CpuStorage, l: &Layout) -> Result<(CpuStorage, Shape)> {
        let (n, oh, ow, kc) = l.shape().dims4()?;
        if kc % (K * K) != 0 {
            candle_core::bail!("col2im: {kc} values per cell are not 16 taps of whole channels");
        }
        let (h, w, c) = (oh * STRIDE, ow * STRIDE, kc / (K * K));
        let out = match data(s, l, self.name())? {
            Data::F32(x) => CpuStorage::F32(scatter(x, n, h, w, c)),
            Data::F64(x) => CpuStorage::F64(scatter(x, n, h, w, c)),
        };
        Ok((out, Shape::from((n, h, w, c))))
    }
    fn bwd(&self, _arg: &Tensor, _res: &Tensor, grad: &Tensor) -> Result<Option<Tensor>> {
        Ok(Some(grad.contiguous()?.apply_op1_no_bwd(&Im2Col)?))
    }
}

/// LeakyReLU: x for x > 0, `slope`·x otherwise.
pub struct LeakyRelu(pub f64);

/// (output gradient, input) → input gradient of [`LeakyRelu`].
struct LeakyReluGrad(f64);

fn leaky<T: Copy + PartialOrd + Default + std::ops::Mul<Output = T>>(x: &[T], a: T) -> Vec<T> {
    x.iter().map(|&v| if v > T::default() { v } else { a * v }).collect()
}

fn leaky_grad<T: Copy + PartialOrd + Default + std::ops::Mul<Output = T>>(g: &[T], x: &[T], a: T) -> Vec<T> {
    g.iter().zip(x).map(|(&g, &x)| if x > T::default() { g } else { a * g }).collect()
}

impl CustomOp1 for LeakyRelu {
    fn name(&self) -> &'static str {
        "leaky-relu"
    }
    fn cpu_fwd(&self, s: &CpuStorage, l: &Layout) -> Result<(CpuStorage, Shape)> {
        let out = match data(s, l, self.name())? {
            Data::F32(x) => CpuStorage::F32(leaky(x, self.0 as f32)),
            Data::F64(x) => CpuStorage::F64(leaky(x, self.0)),
        };
        Ok((out, l.shape().clone()))
    }
    fn bwd(&self, arg: &Tensor, _res: &Tensor, grad: &Tensor) -> Result<Option<Tensor>> {
        Ok(Some(grad.contiguous()?.apply_op2_no_bwd(&arg.contiguous()?, &LeakyReluGrad(self.0))?))
    }
}

impl CustomOp2 for LeakyReluGrad {
    fn name(&self) -> &'static str {
        "leaky-relu-grad"
    }
    fn cpu_fwd(&self, s1: &CpuStorage, l1: &Layout, s2: &CpuStorage, l2: &Layout) -> Result<(CpuStorage, Shape)> {
        let out = match (data(s1, l1, self.name())?, data(s2, l2, self.name())?) {
            (Data::F32(g), Data::F32(x)) => CpuStorage::F32(leaky_grad(g, x, self.0 as f32)),
            (Data::F64(g), Data::F64(x)) => CpuStorage::F64(leaky_grad(g, x, self.0)),
            _ => candle_core::bail!("leaky-relu-grad: gradient and input differ in dtype"),
        };
        Ok((out, l1.shape().clone()))
    }
}
