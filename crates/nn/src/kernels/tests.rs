//! Every CPU kernel against candle's own ops on random shapes, values, strides, paddings and
//! batch sizes: forward values and the gradients of every operand, in f32, to a relative error
//! of 1e-4 (largest absolute difference over the largest reference magnitude). Inputs are
//! passed contiguous and as strided views (transposed or narrowed) of a larger variable.

use candle_core::{Device, Result, Tensor, Var};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::ops;

const TOL: f32 = 1e-4;

fn rel_err(got: &Tensor, want: &Tensor) -> f32 {
    assert_eq!(got.dims(), want.dims(), "shapes differ");
    let g = got.flatten_all().unwrap().to_vec1::<f32>().unwrap();
    let w = want.flatten_all().unwrap().to_vec1::<f32>().unwrap();
    let scale = w.iter().fold(0f32, |m, v| m.max(v.abs())).max(1e-6);
    g.iter().zip(&w).fold(0f32, |m, (a, b)| m.max((a - b).abs())) / scale
}

fn random(rng: &mut ChaCha8Rng, dims: &[usize]) -> Tensor {
    let n: usize = dims.iter().product();
    let v: Vec<f32> = (0..n).map(|_| rng.random_range(-1.0f32..1.0)).collect();
    Tensor::from_vec(v, dims, &Device::Cpu).unwrap()
}

/// How an operand reaches the op: as itself, or as a strided view of a larger variable.
#[derive(Clone, Copy, Debug)]
enum Layout {
    Contiguous,
    /// Stored with its last two dimensions swapped.
    Transposed,
    /// The middle of a tensor one larger along dimension 0.
    Narrowed,
}

/// Gives an operand from its variable (as itself or as a strided view).
type View = Box<dyn Fn(&Tensor) -> Tensor>;

/// A variable laid out as `layout` asks, and the function giving the operand from it.
fn operand(rng: &mut ChaCha8Rng, dims: &[usize], layout: Layout) -> (Var, View) {
    let r = dims.len();
    match layout {
        Layout::Contiguous => (Var::from_tensor(&random(rng, dims)).unwrap(), Box::new(|t: &Tensor| t.clone())),
        Layout::Transposed => {
            let mut d = dims.to_vec();
            d.swap(r - 2, r - 1);
            (Var::from_tensor(&random(rng, &d)).unwrap(), Box::new(move |t: &Tensor| t.transpose(r - 2, r - 1).unwrap()))
        }
        Layout::Narrowed => {
            let mut d = dims.to_vec();
            d[0] += 2;
            let n = dims[0];
            (Var::from_tensor(&random(rng, &d)).unwrap(), Box::new(move |t: &Tensor| t.narrow(0, 1, n).unwrap()))
        }
    }
}

fn layout(rng: &mut ChaCha8Rng) -> Layout {
    [Layout::Contiguous, Layout::Transposed, Layout::Narrowed][rng.random_range(0..3)]
}

/// Runs `kernel` and `reference` on the same variables and compares outputs and every
/// variable's gradient of `sum(y · probe)`.
fn compare(
    what: &str,
    rng: &mut ChaCha8Rng,
    vars: &[Var],
    kernel: impl Fn(&[Tensor]) -> Result<Tensor>,
    reference: impl Fn(&[Tensor]) -> Result<Tensor>,
) {
    let ts: Vec<Tensor> = vars.iter().map(|v| v.as_tensor().clone()).collect();
    let got = kernel(&ts).unwrap_or_else(|e| panic!("{what}: kernel failed: {e}"));
    let want = reference(&ts).unwrap_or_else(|e| panic!("{what}: reference failed: {e}"));
    let e = rel_err(&got, &want);
    assert!(e <= TOL, "{what}: forward relative error {e}");
    let probe = random(rng, got.dims());
    let g_got = (got * &probe).unwrap().sum_all().unwrap().backward().unwrap();
    let g_want = (want * &probe).unwrap().sum_all().unwrap().backward().unwrap();
    for (i, v) in vars.iter().enumerate() {
        let (a, b) = (g_got.get(v.as_tensor()), g_want.get(v.as_tensor()));
        let (a, b) = (a.unwrap_or_else(|| panic!("{what}: no kernel gradient for operand {i}")), b.expect("reference gradient"));
        let e = rel_err(a, b);
        assert!(e <= TOL, "{what}: gradient of operand {i} relative error {e}");
    }
}

/// The reference k×k max-pool: windows as reshaped axes and two max reductions, whose backward
/// is exact when there are no ties (candle's own pool backward is wrong, see `ops::max_pool2d`).
fn ref_max_pool(x: &Tensor, k: usize) -> Result<Tensor> {
    let (n, c, h, w) = x.dims4()?;
    let (ho, wo) = (h / k, w / k);
    x.narrow(2, 0, ho * k)?.narrow(3, 0, wo * k)?.contiguous()?.reshape((n, c, ho, k, wo, k))?.max(5)?.max(3)
}

/// candle's convolution on an explicitly padded input trimmed to the rows and columns the
/// windows reach: candle 0.11's input gradient has the wrong shape when the stride skips the
/// last rows or columns.
fn ref_conv(x: &Tensor, w: &Tensor, pad: usize, stride: usize) -> Result<Tensor> {
    let k = w.dims()[2];
    let x = x.pad_with_zeros(2, pad, pad)?.pad_with_zeros(3, pad, pad)?;
    let (_, _, h, w_) = x.dims4()?;
    let reach = |n: usize| (n - k) / stride * stride + k;
    x.narrow(2, 0, reach(h))?.narrow(3, 0, reach(w_))?.conv2d(w, 0, stride, 1, 1)
}

fn ref_bias(y: Tensor, b: &Tensor) -> Result<Tensor> {
    y.broadcast_add(&b.reshape((1, b.dims()[0], 1, 1))?)
}

#[test]
fn conv2d_matches_candle() {
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    for case in 0..60 {
        let (n, c, co) = (rng.random_range(1..5), rng.random_range(1..5), rng.random_range(1..7));
        let k = rng.random_range(1..6);
        let (stride, pad) = (rng.random_range(1..4), rng.random_range(0..k));
        // Every fourth case wide, so fused pooling meets rows of more than eight windows (its
        // backward handles eight at a time and the rest one by one).
        let wide = if case % 4 == 0 { 40 } else { 13 };
        let (h, w) = (rng.random_range(k.max(3)..13), rng.random_range(k.max(3)..wide));
        let (oh, ow) = ((h + 2 * pad - k) / stride + 1, (w + 2 * pad - k) / stride + 1);
        let relu = rng.random_bool(0.6);
        let pool = if relu && oh.min(ow) >= 2 { rng.random_range(1..=oh.min(ow).min(3)) } else { 1 };
        let lx = layout(&mut rng);
        let (xv, xf) = operand(&mut rng, &[n, c, h, w], lx);
        let lw = layout(&mut rng);
        let (wv, wf) = operand(&mut rng, &[co, c, k, k], lw);
        let bv = Var::from_tensor(&random(&mut rng, &[co])).unwrap();
        let what = format!("case {case}: conv x {:?} ({lx:?}) k {k} stride {stride} pad {pad} relu {relu} pool {pool}", [n, c, h, w]);
        compare(
            &what,
            &mut rng,
            &[xv, wv, bv],
            |t| {
                let (x, w) = (xf(&t[0]), wf(&t[1]));
                match (relu, pool) {
                    (false, _) => ops::conv2d(&x, &w, Some(&t[2]), pad, stride),
                    (true, 1) => ops::conv2d_relu(&x, &w, Some(&t[2]), pad, stride),
                    (true, p) => ops::conv2d_relu_pool(&x, &w, Some(&t[2]), pad, stride, p),
                }
            },
            |t| {
                let y = ref_bias(ref_conv(&xf(&t[0]), &wf(&t[1]), pad, stride)?, &t[2])?;
                let y = if relu { y.relu()? } else { y };
                if pool > 1 {
                    ref_max_pool(&y, pool)
                } else {
                    Ok(y)
                }
            },
        );
    }
}

#[test]
fn conv_transpose2d_matches_candle() {
    let mut rng = ChaCha8Rng::seed_from_u64(2);
    for case in 0..60 {
        let (n, ci, co) = (rng.random_range(1..5), rng.random_range(1..5), rng.random_range(1..6));
        let k = rng.random_range(1..6);
        let stride = rng.random_range(1..4);
        let (pad, out_pad) = (rng.random_range(0..k), rng.random_range(0..stride));
        let (h, w) = (rng.random_range(1..9), rng.random_range(1..9));
        let side = |s: usize| ((s - 1) * stride + k + out_pad) as isize - 2 * pad as isize;
        if side(h) < 1 || side(w) < 1 {
            continue;
        }
        let relu = rng.random_bool(0.5);
        let lx = layout(&mut rng);
        let (xv, xf) = operand(&mut rng, &[n, ci, h, w], lx);
        let lw = layout(&mut rng);
        let (wv, wf) = operand(&mut rng, &[ci, co, k, k], lw);
        let bv = Var::from_tensor(&random(&mut rng, &[co])).unwrap();
        let what = format!("case {case}: conv-transpose x {:?} ({lx:?}) k {k} stride {stride} pad {pad} out_pad {out_pad} relu {relu}", [n, ci, h, w]);
        compare(
            &what,
            &mut rng,
            &[xv, wv, bv],
            |t| {
                let (x, w) = (xf(&t[0]), wf(&t[1]));
                if relu {
                    ops::conv_transpose2d_relu(&x, &w, Some(&t[2]), pad, out_pad, stride)
                } else {
                    ops::conv_transpose2d(&x, &w, Some(&t[2]), pad, out_pad, stride)
                }
            },
            |t| {
                let y = ref_bias(xf(&t[0]).conv_transpose2d(&wf(&t[1]), pad, out_pad, stride, 1)?, &t[2])?;
                if relu {
                    y.relu()
                } else {
                    Ok(y)
                }
            },
        );
    }
}

#[test]
fn linear_matches_candle() {
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    for case in 0..40 {
        let (n, i, o) = (rng.random_range(1..70), rng.random_range(1..40), rng.random_range(1..20));
        let relu = rng.random_bool(0.5);
        let lx = layout(&mut rng);
        let (xv, xf) = operand(&mut rng, &[n, i], lx);
        let lw = layout(&mut rng);
        let (wv, wf) = operand(&mut rng, &[o, i], lw);
        let bv = Var::from_tensor(&random(&mut rng, &[o])).unwrap();
        compare(
            &format!("case {case}: linear {n}×{i} → {o} ({lx:?}) relu {relu}"),
            &mut rng,
            &[xv, wv, bv],
            |t| if relu { ops::linear_relu(&xf(&t[0]), &wf(&t[1]), Some(&t[2])) } else { ops::linear(&xf(&t[0]), &wf(&t[1]), Some(&t[2])) },
            |t| {
                let y = xf(&t[0]).matmul(&wf(&t[1]).t()?)?.broadcast_add(&t[2])?;
                if relu {
                    y.relu()
                } else {
                    Ok(y)
                }
            },
        );
    }
}

#[test]
fn pools_match_candle() {
    let mut rng = ChaCha8Rng::seed_from_u64(4);
    for case in 0..40 {
        let k = rng.random_range(1..5);
        let wide = if case % 4 == 0 { 40 } else { 12 };
        let dims = [rng.random_range(1..4), rng.random_range(1..4), rng.random_range(k..12), rng.random_range(k..wide)];
        let lx = layout(&mut rng);
        let (xv, xf) = operand(&mut rng, &dims, lx);
        let what = format!("case {case}: pool {dims:?} ({lx:?}) k {k}");
        compare(&format!("max {what}"), &mut rng, std::slice::from_ref(&xv), |t| ops::max_pool2d(&xf(&t[0]), k), |t| ref_max_pool(&xf(&t[0]), k));
        compare(
            &format!("avg {what}"),
            &mut rng,
            &[xv],
            |t| ops::avg_pool2d(&xf(&t[0]), k),
            |t| {
                let x = xf(&t[0]);
                let (h, w) = (dims[2] / k * k, dims[3] / k * k);
                x.narrow(2, 0, h)?.narrow(3, 0, w)?.contiguous()?.avg_pool2d(k)
            },
        );
    }
}

/// An input that is neither a variable nor computed from one (a batch of data) gets no gradient
/// from the kernels, and the weights' gradients are unchanged by skipping it.
#[test]
fn data_inputs_get_no_gradient() {
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let x = random(&mut rng, &[3, 2, 8, 8]);
    let w = Var::from_tensor(&random(&mut rng, &[4, 2, 3, 3])).unwrap();
    let b = Var::from_tensor(&random(&mut rng, &[4])).unwrap();
    let lw = Var::from_tensor(&random(&mut rng, &[5, 64])).unwrap();
    let y = ops::conv2d_relu_pool(&x, w.as_tensor(), Some(b.as_tensor()), 1, 1, 2).unwrap();
    let y = ops::linear(&y.flatten_from(1).unwrap(), lw.as_tensor(), None).unwrap();
    let grads = y.sum_all().unwrap().backward().unwrap();
    assert!(grads.get(&x).is_none(), "the data input got a gradient");
    let reference = ref_max_pool(&ref_bias(x.conv2d(w.as_tensor(), 1, 1, 1, 1).unwrap(), b.as_tensor()).unwrap().relu().unwrap(), 2)
        .unwrap()
        .flatten_from(1)
        .unwrap()
        .matmul(&lw.as_tensor().t().unwrap())
        .unwrap();
    let want = reference.sum_all().unwrap().backward().unwrap();
    for v in [&w, &b, &lw] {
        let e = rel_err(grads.get(v.as_tensor()).unwrap(), want.get(v.as_tensor()).unwrap());
        assert!(e <= TOL, "weight gradient relative error {e}");
    }
}
