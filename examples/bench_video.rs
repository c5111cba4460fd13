//! Training speed of the SVG video models (printed, not asserted): one teacher-forced forward
//! and backward pass of `svg-lp` and `video-deterministic` at the recipe's shape (64×64 frames,
//! clips of 10, batch 8, nf 8, g_dim 64, 64 LSTM units), and the frame encoder and decoder alone.
//! Run: `cargo run --release --example bench_video`.

use std::time::Instant;

use candle_core::{DType, Device, Tensor};
use candle_nn::{VarBuilder, VarMap};
use pipeline::stages::video::model::{Variant, VideoConfig, VideoNet};
use pipeline_nn::init::{reinit, stream};

fn config(variant: Variant, nf: usize) -> VideoConfig {
    let stochastic = variant != Variant::Deterministic;
    VideoConfig {
        variant,
        channels: 1,
        side: 64,
        nf,
        g_dim: 64,
        z_dim: if stochastic { 10 } else { 0 },
        rnn_size: 64,
        predictor_layers: 2,
        posterior_layers: usize::from(stochastic),
        prior_layers: usize::from(variant == Variant::LearnedPrior),
        n_past: 5,
        n_future: 5,
    }
}

/// Sparse frames like moving digits: a bright square per frame.
fn clips(n: usize, t: usize) -> Tensor {
    let mut v = vec![0f32; n * t * 64 * 64];
    for s in 0..n {
        for f in 0..t {
            let (x0, y0) = ((s * 7 + f * 3) % 32, (s * 5 + f * 2) % 32);
            for y in y0..y0 + 20 {
                for x in x0..x0 + 20 {
                    v[((s * t + f) * 64 + y) * 64 + x] = 1.0;
                }
            }
        }
    }
    Tensor::from_vec(v, (n, t, 1, 64, 64), &Device::Cpu).unwrap()
}

fn best_of(runs: usize, mut f: impl FnMut()) -> f64 {
    f();
    (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64()
        })
        .fold(f64::INFINITY, f64::min)
}

fn main() {
    let (n, t) = (8, 10);
    let x = clips(n, t);
    for nf in [8, 16] {
        for variant in [Variant::Deterministic, Variant::LearnedPrior] {
            let vm = VarMap::new();
            let net = VideoNet::new(config(variant, nf), VarBuilder::from_varmap(&vm, DType::F32, &Device::Cpu)).unwrap();
            reinit(&vm, 0).unwrap();
            let mut rng = stream(0, "bench");
            let step = best_of(10, || {
                let f = net.forward(&x, &mut rng, true).unwrap();
                let loss = (&f.recon + (&f.kl * 1e-4).unwrap()).unwrap();
                loss.backward().unwrap();
            });
            println!("{variant:?} nf {nf}: forward + backward of {n} clips × {t} frames {:>7.1} ms, {:>6.1} clips/s", step * 1e3, n as f64 / step);
        }
        let vm = VarMap::new();
        let net = VideoNet::new(config(Variant::Deterministic, nf), VarBuilder::from_varmap(&vm, DType::F32, &Device::Cpu)).unwrap();
        reinit(&vm, 0).unwrap();
        let frames = x.reshape((n * t, 1, 64, 64)).unwrap();
        let enc = best_of(10, || {
            let (code, _) = net.encoder.forward(&frames, true).unwrap();
            code.sum_all().unwrap().backward().unwrap();
        });
        let (code, skips) = net.encoder.forward(&frames, true).unwrap();
        let (code, skips) = (code.detach(), skips.iter().map(|s| s.detach()).collect::<Vec<_>>());
        let dec = best_of(10, || {
            net.decoder.logits(&code, &skips, true).unwrap().sum_all().unwrap().backward().unwrap();
        });
        println!("  nf {nf}: encoder of {} frames, forward + backward {:>7.1} ms; decoder {:>7.1} ms", n * t, enc * 1e3, dec * 1e3);
    }
}

