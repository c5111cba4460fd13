//! LeakyReLU as one CPU op with its own gradient op: the SVG encoder and decoder (Denton & Fergus,
//! ICML 2018, after DCGAN) use it after every layer, and candle composes it from four full-size ops.

use candle_core::{CpuStorage, CustomOp1, CustomOp2, Layout, Result, Shape, Tensor};

/// LeakyReLU: x for x > 0, `slope`·x otherwise.
pub struct LeakyRelu(pub f64);

/// (output gradient, input) → input gradient of [`LeakyRelu`].
struct LeakyReluGrad(f64);

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
