//! The four convolutions of the DCGAN-style 64×64 encoder and decoder, on channels-last (NHWC)
//! tensors, written as one matrix product each: candle 0.11's CPU convolutions are direct loops
//! (a 4×4 stride-2 layer and its gradient ran at a small fraction of the matrix-product speed).
//!
//! A 4×4 stride-2 convolution with padding 1 is, after a space-to-depth of the padded input into
//! 2×2 blocks, a 2×2 stride-1 convolution over blocks: its im2col is four shifted views of the
//! block grid side by side, and the layer one product with the reordered weight. The transposed
//! convolution is its adjoint: one product, then four shifted adds onto the block grid and a
//! depth-to-space. The 4×4 layers between a 4×4 map and a vector are dense layers. Weights keep
//! PyTorch's layouts (`[out, in, 4, 4]`, transposed `[in, out, 4, 4]`), so stored models are
//! the usual ones; every step is a candle op with its own gradient.

use candle_core::{Result, Tensor};

use super::patches::{Col2Im, Im2Col};

/// The weight `[co, c, 4, 4]` as `[16c, co]`, rows ordered (p, q, a, b, c) for kernel offset (2p + a, 2q + b).
fn conv_matrix(w: &Tensor) -> Result<Tensor> {
    let (co, c, _, _) = w.dims4()?;
    w.reshape((co, c, 2, 2, 2, 2))?.permute((2, 4, 3, 5, 1, 0))?.contiguous()?.reshape((16 * c, co))
}

/// Whether the CPU patch ops of `patches.rs` serve `x`.
fn use_patch_ops(x: &Tensor) -> bool {
    x.device().is_cpu() && matches!(x.dtype(), candle_core::DType::F32 | candle_core::DType::F64)
}

/// The weight `[co, c, 4, 4]` as `[16c, co]`, rows ordered (kh, kw, c) as [`Im2Col`] lays patches out.
fn patch_matrix(w: &Tensor) -> Result<Tensor> {
    let (co, c, _, _) = w.dims4()?;
    w.permute((2, 3, 1, 0))?.contiguous()?.reshape((16 * c, co))
}

/// 4×4 convolution, stride 2, padding 1: N×H×W×C → N×H/2×W/2×co (H, W even).
pub fn conv_down(x: &Tensor, w: &Tensor, b: &Tensor) -> Result<Tensor> {
    if use_patch_ops(x) {
        let (n, h, wd, c) = x.dims4()?;
        let co = w.dim(0)?;
        if h % 2 != 0 || wd % 2 != 0 || w.dims() != [co, c, 4, 4] {
            candle_core::bail!("conv_down: input {:?} and weight {:?} do not fit a 4×4 stride-2 layer", x.dims(), w.dims());
        }
        let cols = x.contiguous()?.apply_op1(Im2Col)?.reshape((n * (h / 2) * (wd / 2), 16 * c))?;
        return cols.matmul(&patch_matrix(w)?)?.broadcast_add(b)?.reshape((n, h / 2, wd / 2, co));
    }
    conv_down_composed(x, w, b)
}

/// [`conv_down`] from candle's own ops (any device).
pub fn conv_down_composed(x: &Tensor, w: &Tensor, b: &Tensor) -> Result<Tensor> {
    let (n, h, wd, c) = x.dims4()?;
    let co = w.dim(0)?;
    if h % 2 != 0 || wd % 2 != 0 || w.dims() != [co, c, 4, 4] {
        candle_core::bail!("conv_down: input {:?} and weight {:?} do not fit a 4×4 stride-2 layer", x.dims(), w.dims());
    }
    let (hs, ws) = (h / 2 + 1, wd / 2 + 1);
    let (oh, ow) = (h / 2, wd / 2);
    let blocks = x
        .pad_with_zeros(1, 1, 1)?
        .pad_with_zeros(2, 1, 1)?
        .reshape((n, hs, 2, ws, 2, c))?
        .permute((0, 1, 3, 2, 4, 5))?
        .contiguous()?
        .reshape((n, hs, ws, 4 * c))?;
    let shifted: Vec<Tensor> = [(0, 0), (0, 1), (1, 0), (1, 1)]
        .iter()
        .map(|&(p, q)| blocks.narrow(1, p, oh)?.narrow(2, q, ow))
        .collect::<Result<_>>()?;
    let cols = Tensor::cat(&shifted, 3)?.reshape((n * oh * ow, 16 * c))?;
    cols.matmul(&conv_matrix(w)?)?.broadcast_add(b)?.reshape((n, oh, ow, co))
}

/// 4×4 transposed convolution, stride 2, padding 1: N×H×W×C → N×2H×2W×co, weight `[c, co, 4, 4]`.
pub fn conv_up(x: &Tensor, w: &Tensor, b: &Tensor) -> Result<Tensor> {
    if use_patch_ops(x) {
        let (n, h, wd, c) = x.dims4()?;
        let co = w.dim(1)?;
        if w.dims() != [c, co, 4, 4] {
            candle_core::bail!("conv_up: input {:?} and weight {:?} do not fit a 4×4 stride-2 transposed layer", x.dims(), w.dims());
        }
        // Each input cell's contribution to the 4×4 taps of its output window, (kh, kw, co) ordered.
        let wm = w.permute((0, 2, 3, 1))?.contiguous()?.reshape((c, 16 * co))?;
        let cols = x.reshape((n * h * wd, c))?.matmul(&wm)?.reshape((n, h, wd, 16 * co))?;
        return cols.apply_op1(Col2Im)?.broadcast_add(b);
    }
    conv_up_composed(x, w, b)
}

/// [`conv_up`] from candle's own ops (any device).
pub fn conv_up_composed(x: &Tensor, w: &Tensor, b: &Tensor) -> Result<Tensor> {
    let (n, h, wd, c) = x.dims4()?;
    let co = w.dim(1)?;
    if w.dims() != [c, co, 4, 4] {
        candle_core::bail!("conv_up: input {:?} and weight {:?} do not fit a 4×4 stride-2 transposed layer", x.dims(), w.dims());
    }
    // Columns ordered (p, q, a, b, co).
    let wm = w.reshape((c, co, 2, 2, 2, 2))?.permute((0, 2, 4, 3, 5, 1))?.contiguous()?.reshape((c, 16 * co))?;
    let y = x.reshape((n * h * wd, c))?.matmul(&wm)?.reshape((n, h, wd, 16 * co))?;
    let mut acc: Option<Tensor> = None;
    for (i, (p, q)) in [(0, 0), (0, 1), (1, 0), (1, 1)].into_iter().enumerate() {
        let part = y.narrow(3, i * 4 * co, 4 * co)?.pad_with_zeros(1, p, 1 - p)?.pad_with_zeros(2, q, 1 - q)?;
        acc = Some(match acc {
            None => part,
            Some(a) => (a + part)?,
        });
    }
    let grid = acc.expect("four parts");
    grid.reshape((n, h + 1, wd + 1, 2, 2, co))?
        .permute((0, 1, 3, 2, 4, 5))?
        .contiguous()?
        .reshape((n, 2 * h + 2, 2 * wd + 2, co))?
        .narrow(1, 1, 2 * h)?
        .narrow(2, 1, 2 * wd)?
        .broadcast_add(b)
}

/// 4×4 convolution without padding over a 4×4 map: N×4×4×C → N×co, weight `[co, c, 4, 4]`.
pub fn conv_to_vector(x: &Tensor, w: &Tensor, b: &Tensor) -> Result<Tensor> {
    let (n, h, wd, c) = x.dims4()?;
    let co = w.dim(0)?;
    if (h, wd) != (4, 4) || w.dims() != [co, c, 4, 4] {
        candle_core::bail!("conv_to_vector: input {:?} and weight {:?} do not fit a 4×4 map to vector layer", x.dims(), w.dims());
    }
    let wm = w.permute((2, 3, 1, 0))?.contiguous()?.reshape((16 * c, co))?;
    x.reshape((n, 16 * c))?.matmul(&wm)?.broadcast_add(b)
}

/// 4×4 transposed convolution of a vector into a 4×4 map: N×C → N×4×4×co, weight `[c, co, 4, 4]`.
pub fn vector_to_map(x: &Tensor, w: &Tensor, b: &Tensor) -> Result<Tensor> {
    let (n, c) = x.dims2()?;
    let co = w.dim(1)?;
    if w.dims() != [c, co, 4, 4] {
        candle_core::bail!("vector_to_map: input {:?} and weight {:?} do not fit", x.dims(), w.dims());
    }
    let wm = w.permute((0, 2, 3, 1))?.contiguous()?.reshape((c, 16 * co))?;
    x.matmul(&wm)?.reshape((n, 4, 4, co))?.broadcast_add(b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::{Device, Var};

    fn input(shape: &[usize], salt: usize) -> Tensor {
        let n: usize = shape.iter().product();
        let v: Vec<f64> = (0..n).map(|i| (((i + salt) * 7919) % 1009) as f64 / 1009.0 - 0.5).collect();
        Tensor::from_vec(v, shape, &Device::Cpu).unwrap()
    }

    fn nhwc(x: &Tensor) -> Tensor {
        x.permute((0, 2, 3, 1)).unwrap().contiguous().unwrap()
    }

    fn close(a: &Tensor, b: &Tensor) {
        assert_eq!(a.dims(), b.dims());
        let d = (a - b).unwrap().abs().unwrap().flatten_all().unwrap().max(0).unwrap().to_scalar::<f64>().unwrap();
        assert!(d < 1e-10, "max difference {d}");
    }

    /// Forward values and the gradients of input, weight and bias of `ours` (NHWC) against
    /// `reference` (NCHW, candle's convolutions) under the same weighted sum of the outputs.
    fn check(x: Tensor, w: Tensor, b: Tensor, ours: impl Fn(&Tensor, &Tensor, &Tensor) -> Result<Tensor>, reference: impl Fn(&Tensor, &Tensor, &Tensor) -> Result<Tensor>) {
        let (xv, wv, bv) = (Var::from_tensor(&x).unwrap(), Var::from_tensor(&w).unwrap(), Var::from_tensor(&b).unwrap());
        let want = reference(xv.as_tensor(), wv.as_tensor(), bv.as_tensor()).unwrap();
        let got_nhwc = ours(&nhwc(xv.as_tensor()), wv.as_tensor(), bv.as_tensor()).unwrap();
        let got = if got_nhwc.rank() == 4 { got_nhwc.permute((0, 3, 1, 2)).unwrap() } else { got_nhwc };
        close(&got, &want);
        let probe = input(want.dims(), 3);
        let g_want = (want * &probe).unwrap().sum_all().unwrap().backward().unwrap();
        let g_got = (got * &probe).unwrap().sum_all().unwrap().backward().unwrap();
        for v in [&xv, &wv, &bv] {
            close(g_got.get(v.as_tensor()).unwrap(), g_want.get(v.as_tensor()).unwrap());
        }
    }

    fn bias4(y: Tensor, b: &Tensor) -> Result<Tensor> {
        y.broadcast_add(&b.reshape((1, b.dim(0)?, 1, 1))?)
    }

    #[test]
    fn stride_two_layers_match_candle() {
        check(input(&[2, 3, 8, 6], 0), input(&[5, 3, 4, 4], 1), input(&[5], 2), conv_down, |x, w, b| bias4(x.conv2d(w, 1, 2, 1, 1)?, b));
        check(input(&[2, 3, 4, 3], 0), input(&[3, 5, 4, 4], 1), input(&[5], 2), conv_up, |x, w, b| {
            bias4(x.conv_transpose2d(w, 1, 0, 2, 1)?, b)
        });
        // The composition of candle ops other devices use.
        check(input(&[2, 3, 8, 6], 0), input(&[5, 3, 4, 4], 1), input(&[5], 2), conv_down_composed, |x, w, b| bias4(x.conv2d(w, 1, 2, 1, 1)?, b));
        check(input(&[2, 3, 4, 3], 0), input(&[3, 5, 4, 4], 1), input(&[5], 2), conv_up_composed, |x, w, b| {
            bias4(x.conv_transpose2d(w, 1, 0, 2, 1)?, b)
        });
    }

    #[test]
    fn vector_layers_match_candle() {
        check(input(&[2, 3, 4, 4], 0), input(&[6, 3, 4, 4], 1), input(&[6], 2), conv_to_vector, |x, w, b| {
            x.conv2d(w, 0, 1, 1, 1)?.flatten_from(1)?.broadcast_add(b)
        });
        // The vector comes in as N×C; the reference sees it as N×C×1×1.
        let x = input(&[2, 3], 0);
        let (w, b) = (input(&[3, 5, 4, 4], 1), input(&[5], 2));
        let want = bias4(x.reshape((2, 3, 1, 1)).unwrap().conv_transpose2d(&w, 0, 0, 1, 1).unwrap(), &b).unwrap();
        close(&vector_to_map(&x, &w, &b).unwrap().permute((0, 3, 1, 2)).unwrap(), &want);
        assert!(conv_down(&input(&[1, 5, 4, 3], 0), &input(&[2, 3, 4, 4], 0), &input(&[2], 0)).is_err());
    }
}
