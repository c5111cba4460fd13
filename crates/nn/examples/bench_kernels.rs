//! Forward and backward time of each layer of the benchmark networks on its own, through
//! [`pipeline_nn::ops`] (the CPU kernels) and through candle's plain ops, to see where a
//! training step's time goes. Best of several runs; the input tracks a gradient except for a
//! network's first layer, as in training.
//!
//! `cargo run --release -p pipeline-nn --example bench_kernels [-- --batch 64 --runs 20 --only 5×5 --no-candle]`

use std::time::Instant;

use candle_core::{Device, Result, Tensor, Var};
use pipeline_nn::ops;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn random(rng: &mut ChaCha8Rng, dims: &[usize]) -> Tensor {
    let n: usize = dims.iter().product();
    Tensor::from_vec((0..n).map(|_| rng.random_range(-1.0f32..1.0)).collect::<Vec<_>>(), dims, &Device::Cpu).unwrap()
}

/// Best forward and backward ms of `f` over `runs` runs.
fn time(runs: usize, x: &Tensor, params: &[Var], f: &dyn Fn(&Tensor) -> Result<Tensor>) -> (f64, f64) {
    let (mut fwd, mut bwd) = (f64::NAN, f64::NAN);
    for i in 0..if runs == 0 { 0 } else { runs + 2 } {
        if i == 0 {
            (fwd, bwd) = (f64::INFINITY, f64::INFINITY);
        }
        let t0 = Instant::now();
        let y = f(x).unwrap();
        let t1 = Instant::now();
        let loss = y.sum_all().unwrap();
        let t2 = Instant::now();
        let g = loss.backward().unwrap();
        let t3 = Instant::now();
        assert!(params.iter().all(|p| g.get(p.as_tensor()).is_some()));
        fwd = fwd.min((t1 - t0).as_secs_f64());
        bwd = bwd.min((t3 - t2).as_secs_f64());
    }
    (1e3 * fwd, 1e3 * bwd)
}

fn main() {
    pipeline_nn::process::configure();
    let args: Vec<String> = std::env::args().collect();
    let opt = |name: &str, d: usize| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)?.parse().ok()).unwrap_or(d);
    let (n, runs) = (opt("--batch", 64), opt("--runs", 20));
    let only = args.iter().position(|a| a == "--only").and_then(|i| args.get(i + 1).cloned()).unwrap_or_default();
    let skip = |label: &str| !label.contains(only.as_str());
    // `--no-candle` leaves out candle's own ops (e.g. to profile the kernels alone).
    let candle_runs = if args.iter().any(|a| a == "--no-candle") { 0 } else { runs.min(5) };
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    println!("batch {n}, best of {runs}, {} threads; ms", candle_core::utils::get_num_threads());
    println!("{:<40} {:>9} {:>9} {:>11} {:>11}", "layer", "fwd", "bwd", "candle fwd", "candle bwd");
    // (label, in channels, side, out channels, kernel, padding, pool, input is a variable)
    let convs = [
        ("conv 1→32 3×3 28² +pool (first)", 1, 28, 32, 3, 1, true, false),
        ("conv 32→64 3×3 14² +pool", 32, 14, 64, 3, 1, true, true),
        ("conv 64→128 3×3 7² +pool", 64, 7, 128, 3, 1, true, true),
        ("conv 3→32 5×5 32² +pool (first)", 3, 32, 32, 5, 2, true, false),
        ("conv 32→64 5×5 16² +pool", 32, 16, 64, 5, 2, true, true),
        ("conv 64→128 3×3 8²", 64, 8, 128, 3, 1, false, true),
        ("conv 128→128 3×3 8² +pool", 128, 8, 128, 3, 1, true, true),
    ];
    for (label, c, side, co, k, pad, pool, var_input) in convs {
        if skip(label) {
            continue;
        }
        let x0 = random(&mut rng, &[n, c, side, side]);
        let xv = Var::from_tensor(&x0).unwrap();
        let x = if var_input { xv.as_tensor().clone() } else { x0 };
        let w = Var::from_tensor(&random(&mut rng, &[co, c, k, k]).affine(0.1, 0.0).unwrap()).unwrap();
        let b = Var::from_tensor(&random(&mut rng, &[co])).unwrap();
        let params = [w.clone(), b.clone()];
        let ours = |x: &Tensor| {
            if pool {
                ops::conv2d_relu_pool(x, w.as_tensor(), Some(b.as_tensor()), pad, 1, 2)
            } else {
                ops::conv2d_relu(x, w.as_tensor(), Some(b.as_tensor()), pad, 1)
            }
        };
        let candle = |x: &Tensor| {
            let y = x.conv2d(w.as_tensor(), pad, 1, 1, 1)?.broadcast_add(&b.as_tensor().reshape((1, co, 1, 1))?)?.relu()?;
            if pool {
                y.max_pool2d(2)
            } else {
                Ok(y)
            }
        };
        let (f, bw) = time(runs, &x, &params, &ours);
        let (cf, cb) = time(candle_runs, &x, &params, &candle);
        println!("{label:<40} {f:>9.2} {bw:>9.2} {cf:>11.2} {cb:>11.2}");
    }
    for (label, i, o, relu) in [("dense 3136→128 +relu", 3136, 128, true), ("dense 1152→128 +relu", 1152, 128, true), ("dense 2048→256 +relu", 2048, 256, true), ("head 128→10", 128, 10, false)] {
        if skip(label) {
            continue;
        }
        let x = Var::from_tensor(&random(&mut rng, &[n, i])).unwrap();
        let w = Var::from_tensor(&random(&mut rng, &[o, i]).affine(0.05, 0.0).unwrap()).unwrap();
        let b = Var::from_tensor(&random(&mut rng, &[o])).unwrap();
        let params = [w.clone(), b.clone()];
        let ours = |x: &Tensor| if relu { ops::linear_relu(x, w.as_tensor(), Some(b.as_tensor())) } else { ops::linear(x, w.as_tensor(), Some(b.as_tensor())) };
        let candle = |x: &Tensor| {
            let y = x.matmul(&w.as_tensor().t()?)?.broadcast_add(b.as_tensor())?;
            if relu {
                y.relu()
            } else {
                Ok(y)
            }
        };
        let (f, bw) = time(runs, x.as_tensor(), &params, &ours);
        let (cf, cb) = time(candle_runs, x.as_tensor(), &params, &candle);
        println!("{label:<40} {f:>9.2} {bw:>9.2} {cf:>11.2} {cb:>11.2}");
    }
    // The decoder's upsampling steps (transposed conv 4×4, stride 2, padding 1).
    for (label, ci, side, co, op) in [("conv-T 64→32 4×4 s2 7²→14²", 64, 7, 32, 0), ("conv-T 32→1 4×4 s2 14²→28²", 32, 14, 1, 0), ("conv-T 128→64 4×4 s2 3²→7²", 128, 3, 64, 1)] {
        if skip(label) {
            continue;
        }
        let x = Var::from_tensor(&random(&mut rng, &[n, ci, side, side])).unwrap();
        let w = Var::from_tensor(&random(&mut rng, &[ci, co, 4, 4]).affine(0.1, 0.0).unwrap()).unwrap();
        let b = Var::from_tensor(&random(&mut rng, &[co])).unwrap();
        let params = [w.clone(), b.clone()];
        let ours = |x: &Tensor| ops::conv_transpose2d(x, w.as_tensor(), Some(b.as_tensor()), 1, op, 2);
        let candle = |x: &Tensor| x.conv_transpose2d(w.as_tensor(), 1, op, 2, 1)?.broadcast_add(&b.as_tensor().reshape((1, co, 1, 1))?);
        let (f, bw) = time(runs, x.as_tensor(), &params, &ours);
        let (cf, cb) = time(candle_runs, x.as_tensor(), &params, &candle);
        println!("{label:<40} {f:>9.2} {bw:>9.2} {cf:>11.2} {cb:>11.2}");
    }
}
