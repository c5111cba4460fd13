//! The network primitives every architecture calls: convolution, transposed convolution,
//! max- and average-pooling, dense layers and ReLU, with the fused forms (conv + bias + ReLU
//! + pool, dense + bias + ReLU) that the CPU kernels run as one op.
//!
//! They go through this one module so that faster hand-written CPU kernels can replace candle's
//! here without touching any architecture; on CUDA (and for dtypes other than f32/f64) candle's
//! kernels stay. Shapes follow PyTorch:
//! images N×C×H×W, conv weights `[out, in, k, k]`, transposed-conv weights `[in, out, k, k]`,
//! dense weights `[out, in]`.

use candle_core::{DType, Result, Tensor};

use crate::kernels::{avg_pool::AvgPool, conv, conv_transpose::ConvTranspose2d, linear::Linear, max_pool::MaxPool};

/// Whether the hand-written CPU kernels serve `x` (CPU, f32 or f64); otherwise candle's ops do.
fn use_kernels(x: &Tensor) -> bool {
    x.device().is_cpu() && matches!(x.dtype(), DType::F32 | DType::F64)
}

/// The bias, or zeros of `len` where there is none (kernels always add one; zeros track no
/// gradient, so none is computed for them).
fn bias_or_zeros(bias: Option<&Tensor>, len: usize, like: &Tensor) -> Result<Tensor> {
    match bias {
        Some(b) => b.contiguous(),
        None => Tensor::zeros(len, like.dtype(), like.device()),
    }
}

fn check_pool(k: usize) -> Result<()> {
    if k == 0 {
        candle_core::bail!("pooling window must be at least 1");
    }
    Ok(())
}

/// Convolution, bias, optional ReLU and optional k×k max-pool (`pool` 1 is none) as one CPU op.
fn conv_block(x: &Tensor, weight: &Tensor, bias: Option<&Tensor>, padding: usize, stride: usize, relu: bool, pool: usize) -> Result<Tensor> {
    let b = bias_or_zeros(bias, weight.dims().first().copied().unwrap_or(0), weight)?;
    x.contiguous()?.apply_op3(&weight.contiguous()?, &b, conv::Conv2d::new(stride, padding, relu, pool))
}

/// 2-D convolution (square kernel, symmetric zero padding) plus a per-channel bias.
pub fn conv2d(x: &Tensor, weight: &Tensor, bias: Option<&Tensor>, padding: usize, stride: usize) -> Result<Tensor> {
    if use_kernels(x) {
        return conv_block(x, weight, bias, padding, stride, false, 1);
    }
    let y = x.conv2d(weight, padding, stride, 1, 1)?;
    add_channel_bias(y, bias)
}

/// Convolution, bias and ReLU.
pub fn conv2d_relu(x: &Tensor, weight: &Tensor, bias: Option<&Tensor>, padding: usize, stride: usize) -> Result<Tensor> {
    if use_kernels(x) {
        return conv_block(x, weight, bias, padding, stride, true, 1);
    }
    relu(&conv2d(x, weight, bias, padding, stride)?)
}

/// Convolution, bias, ReLU and k×k max-pool (as [`max_pool2d`]). On the CPU one op does all
/// four, so the full-size activation is never stored.
pub fn conv2d_relu_pool(x: &Tensor, weight: &Tensor, bias: Option<&Tensor>, padding: usize, stride: usize, k: usize) -> Result<Tensor> {
    check_pool(k)?;
    if use_kernels(x) && k <= conv::MAX_FUSED_POOL {
        return conv_block(x, weight, bias, padding, stride, true, k);
    }
    max_pool2d(&conv2d_relu(x, weight, bias, padding, stride)?, k)
}

/// 2-D transposed convolution; the output side is `(in − 1)·stride − 2·padding + k + output_padding`.
pub fn conv_transpose2d(
    x: &Tensor,
    weight: &Tensor,
    bias: Option<&Tensor>,
    padding: usize,
    output_padding: usize,
    stride: usize,
) -> Result<Tensor> {
    if use_kernels(x) {
        return conv_transpose_block(x, weight, bias, padding, output_padding, stride, false);
    }
    let y = x.conv_transpose2d(weight, padding, output_padding, stride, 1)?;
    add_channel_bias(y, bias)
}

/// Transposed convolution, bias and ReLU.
pub fn conv_transpose2d_relu(
    x: &Tensor,
    weight: &Tensor,
    bias: Option<&Tensor>,
    padding: usize,
    output_padding: usize,
    stride: usize,
) -> Result<Tensor> {
    if use_kernels(x) {
        return conv_transpose_block(x, weight, bias, padding, output_padding, stride, true);
    }
    relu(&conv_transpose2d(x, weight, bias, padding, output_padding, stride)?)
}

fn conv_transpose_block(
    x: &Tensor,
    weight: &Tensor,
    bias: Option<&Tensor>,
    padding: usize,
    output_padding: usize,
    stride: usize,
    relu: bool,
) -> Result<Tensor> {
    let b = bias_or_zeros(bias, weight.dims().get(1).copied().unwrap_or(0), weight)?;
    let op = ConvTranspose2d { stride, pad: padding, out_pad: output_padding, relu };
    x.contiguous()?.apply_op3(&weight.contiguous()?, &b, op)
}

/// Adds a per-channel bias to N×C×H×W. candle's backward sums a broadcast's gradient over all
/// broadcast dimensions in one reduction, and a sum over (N, H, W) together takes a strided path
/// about 100× slower than a sum over the trailing (H, W) (40 ms against 0.3 ms for 64×32×28×28
/// on two cores). Broadcasting in two steps, over N and then over H×W, makes the backward sum
/// the trailing H, W first and then N of a small N×C tensor.
fn add_channel_bias(y: Tensor, bias: Option<&Tensor>) -> Result<Tensor> {
    match bias {
        None => Ok(y),
        Some(b) => {
            let (n, c, h, w) = y.dims4()?;
            let b = b.reshape((1, c, 1, 1))?.broadcast_as((n, c, 1, 1))?.broadcast_as((n, c, h, w))?;
            y + b
        }
    }
}

/// k×k max-pooling with stride k in floor mode (trailing rows/columns that do not fill a window
/// are dropped, as in PyTorch).
///
/// candle 0.11's own max-pool backward is wrong in two ways: it multiplies the gradient by
/// (number of maxima)/k² instead of dividing by the number of maxima (a unique maximum gets 1/4
/// of its gradient with k = 2, so each pool shrinks the gradients of all earlier layers
/// fourfold), and it maps output cells back to input cells by nearest upsampling, which
/// misroutes gradients when the side is not a multiple of k. On the CPU a kernel with an exact
/// backward runs instead; elsewhere the pool is written as a reshape into windows and two max
/// reductions, whose backward sends each window's gradient to its maximum (to every maximum on
/// an exact tie, which after a ReLU only happens where the gradient is then cut anyway).
pub fn max_pool2d(x: &Tensor, k: usize) -> Result<Tensor> {
    check_pool(k)?;
    if use_kernels(x) {
        return x.contiguous()?.apply_op1(MaxPool { k });
    }
    let (n, c, h, w) = x.dims4()?;
    let (ho, wo) = (h / k, w / k);
    let x = if ho * k != h || wo * k != w { x.narrow(2, 0, ho * k)?.narrow(3, 0, wo * k)? } else { x.clone() };
    if !x.track_op() {
        return x.max_pool2d(k);
    }
    x.contiguous()?.reshape((n, c, ho, k, wo, k))?.max(5)?.max(3)
}

/// k×k average pooling with stride k in floor mode (as PyTorch's `avg_pool2d(x, k)`).
pub fn avg_pool2d(x: &Tensor, k: usize) -> Result<Tensor> {
    check_pool(k)?;
    if use_kernels(x) {
        return x.contiguous()?.apply_op1(AvgPool { k });
    }
    let (_, _, h, w) = x.dims4()?;
    let (ho, wo) = (h / k, w / k);
    x.narrow(2, 0, ho * k)?.narrow(3, 0, wo * k)?.contiguous()?.avg_pool2d(k)
}

/// Dense layer on N×in rows: `x·Wᵀ + b`.
pub fn linear(x: &Tensor, weight: &Tensor, bias: Option<&Tensor>) -> Result<Tensor> {
    dense(x, weight, bias, false)
}

/// Dense layer followed by ReLU.
pub fn linear_relu(x: &Tensor, weight: &Tensor, bias: Option<&Tensor>) -> Result<Tensor> {
    dense(x, weight, bias, true)
}

fn dense(x: &Tensor, weight: &Tensor, bias: Option<&Tensor>, with_relu: bool) -> Result<Tensor> {
    if use_kernels(x) {
        let b = bias_or_zeros(bias, weight.dims().first().copied().unwrap_or(0), weight)?;
        return x.contiguous()?.apply_op3(&weight.contiguous()?, &b, Linear { relu: with_relu });
    }
    let y = x.matmul(&weight.t()?)?;
    let y = match bias {
        None => y,
        Some(b) => y.broadcast_add(b)?,
    };
    if with_relu {
        relu(&y)
    } else {
        Ok(y)
    }
}

pub fn relu(x: &Tensor) -> Result<Tensor> {
    x.relu()
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::{Device, Var};

    /// Central finite differences of `sum(f(x) * probe)` against candle's backward, in f64.
    fn grad_check(x: &Tensor, f: impl Fn(&Tensor) -> Result<Tensor>) {
        let var = Var::from_tensor(x).unwrap();
        let y = f(var.as_tensor()).unwrap();
        let probe = Tensor::arange(0f64, y.elem_count() as f64, &Device::Cpu)
            .unwrap()
            .reshape(y.shape())
            .unwrap()
            .affine(0.37, 0.1)
            .unwrap()
            .sin()
            .unwrap();
        let loss = (y * &probe).unwrap().sum_all().unwrap();
        let grad = loss.backward().unwrap().get(var.as_tensor()).unwrap().flatten_all().unwrap().to_vec1::<f64>().unwrap();
        let base = x.flatten_all().unwrap().to_vec1::<f64>().unwrap();
        let eps = 1e-6;
        for i in 0..base.len() {
            let at = |d: f64| {
                let mut v = base.clone();
                v[i] += d;
                let t = Tensor::from_vec(v, x.shape(), &Device::Cpu).unwrap();
                (f(&t).unwrap() * &probe).unwrap().sum_all().unwrap().to_scalar::<f64>().unwrap()
            };
            let numeric = (at(eps) - at(-eps)) / (2.0 * eps);
            assert!((numeric - grad[i]).abs() < 1e-5 * (1.0 + numeric.abs()), "element {i}: analytic {} numeric {numeric}", grad[i]);
        }
    }

    fn input(shape: &[usize]) -> Tensor {
        // Distinct values so max-pool has no ties.
        let n: usize = shape.iter().product();
        let v: Vec<f64> = (0..n).map(|i| ((i * 7919) % 1009) as f64 / 1009.0 - 0.5).collect();
        Tensor::from_vec(v, shape, &Device::Cpu).unwrap()
    }

    #[test]
    fn max_pool_gradient_is_right() {
        for shape in [[2, 2, 6, 4], [2, 2, 7, 5]] {
            let x = input(&shape);
            let pooled = max_pool2d(&x, 2).unwrap();
            assert_eq!(pooled.dims(), &[2, 2, shape[2] / 2, shape[3] / 2]);
            // Same values as candle's forward on the part the windows cover.
            let (h, w) = (shape[2] / 2 * 2, shape[3] / 2 * 2);
            let reference = x.narrow(2, 0, h).unwrap().narrow(3, 0, w).unwrap().max_pool2d(2).unwrap();
            assert_eq!(pooled.flatten_all().unwrap().to_vec1::<f64>().unwrap(), reference.flatten_all().unwrap().to_vec1::<f64>().unwrap());
            grad_check(&x, |x| max_pool2d(x, 2));
        }
    }

    #[test]
    fn conv_and_transposed_conv_gradients() {
        let w = input(&[3, 2, 3, 3]).affine(0.5, 0.0).unwrap();
        let b = input(&[3]);
        grad_check(&input(&[2, 2, 5, 5]), |x| conv2d_relu(x, &w, Some(&b), 1, 1));
        let x = input(&[2, 2, 7, 7]);
        grad_check(&w, |w| conv2d(&x, w, Some(&b), 1, 1));
        grad_check(&b, |b| conv2d(&x, &w, Some(b), 1, 1));
        let w5 = input(&[3, 2, 5, 5]);
        grad_check(&w5, |w| conv2d(&x, w, None, 2, 1));
        // A 3→7 upsampling step, as the convnet decoder uses (output_padding 1).
        let wt = input(&[2, 3, 4, 4]);
        let y = conv_transpose2d(&input(&[1, 2, 3, 3]), &wt, Some(&b), 1, 1, 2).unwrap();
        assert_eq!(y.dims(), &[1, 3, 7, 7]);
        grad_check(&input(&[1, 2, 3, 3]), |x| conv_transpose2d(x, &wt, Some(&b), 1, 1, 2));
        // And the weight gradient of the transposed conv.
        let x = input(&[2, 2, 3, 3]);
        grad_check(&wt, |w| conv_transpose2d(&x, w, None, 1, 1, 2));
    }

    #[test]
    fn linear_matches_a_hand_computation() {
        let x = Tensor::new(&[[1f32, 2.0]], &Device::Cpu).unwrap();
        let w = Tensor::new(&[[1f32, 0.0], [-1.0, -1.0]], &Device::Cpu).unwrap();
        let b = Tensor::new(&[0.5f32, 0.5], &Device::Cpu).unwrap();
        assert_eq!(linear(&x, &w, Some(&b)).unwrap().to_vec2::<f32>().unwrap(), vec![vec![1.5, -2.5]]);
        assert_eq!(linear_relu(&x, &w, Some(&b)).unwrap().to_vec2::<f32>().unwrap(), vec![vec![1.5, 0.0]]);
    }
}
