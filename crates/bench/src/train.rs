//! One training configuration: an architecture's encoder and a 10-way head, cross-entropy,
//! AdamW (lr 1e-3, weight decay 0.01), on a fixed random batch. Forward, backward and the
//! optimiser step are timed apart.

use std::time::Instant;

use candle_core::{DType, Tensor};
use candle_nn::{loss, VarBuilder, VarMap};
use pipeline_nn::arch::{build_encoder, ArchSpec, Head};
use pipeline_nn::device::{select_device, synchronize};
use pipeline_nn::optim::{Adam, Optimizer};
use pipeline_nn::{init, NnError};

use crate::procfs::{load_average, peak_mib};
use crate::record::Record;
use crate::timing::{best_and_median, repeats};

/// The architectures measured and their input `(channels, side)`.
pub const ARCHS: &[(&str, usize, usize)] = &[("convnet", 1, 28), ("convnet-rgb", 3, 32), ("convnet-small", 1, 28)];

pub fn input_of(arch: &str) -> Option<(usize, usize)> {
    ARCHS.iter().find(|a| a.0 == arch).map(|a| (a.1, a.2))
}

pub struct TrainRun<'a> {
    pub arch: &'a str,
    pub batch: usize,
    pub warmup: usize,
    pub steps: usize,
    pub repeats: usize,
    pub device: &'a str,
}

pub fn run(cfg: &TrainRun) -> Result<Record, NnError> {
    let (c, side) = input_of(cfg.arch).ok_or_else(|| NnError::Invalid(format!("unknown benchmark architecture `{}`", cfg.arch)))?;
    let device = select_device(cfg.device)?;
    let spec = ArchSpec::new(cfg.arch, c, side, side);
    let varmap = VarMap::new();
    let vb = VarBuilder::from_varmap(&varmap, DType::F32, &device);
    let encoder = build_encoder(&spec, vb.clone())?;
    let head = Head::new(encoder.out_dim(), 10, vb)?;
    init::reinit(&varmap, 0)?;
    let mut opt = Adam::new(init::vars_under(&varmap, ""), 1e-3, 0.9, 0.999, 0.01, true)?;
    let mut rng = init::stream(0, "bench");
    let x = init::rand((cfg.batch, c, side, side), &mut rng, &device)?;
    let y = Tensor::from_vec((0..cfg.batch as u32).map(|i| i % 10).collect::<Vec<_>>(), cfg.batch, &device)?;
    let mut step = || -> Result<[f64; 3], NnError> {
        let t0 = Instant::now();
        let l = loss::cross_entropy(&head.forward(&encoder.forward(&x)?)?, &y)?;
        synchronize(&device)?;
        let t1 = Instant::now();
        let grads = l.backward()?;
        synchronize(&device)?;
        let t2 = Instant::now();
        opt.step(&grads)?;
        synchronize(&device)?;
        let t3 = Instant::now();
        Ok([(t1 - t0).as_secs_f64(), (t2 - t1).as_secs_f64(), (t3 - t2).as_secs_f64()])
    };
    for _ in 0..cfg.warmup {
        step()?;
    }
    let runs = repeats(cfg.repeats, || {
        let mut sum = vec![0.0; 3];
        for _ in 0..cfg.steps {
            for (s, t) in sum.iter_mut().zip(step()?) {
                *s += t;
            }
        }
        Ok::<_, NnError>(sum)
    })?;
    let (best, median) = best_and_median(&runs);
    let per_step = |s: f64| 1e3 * s / cfg.steps as f64;
    Ok(Record {
        part: "train".into(),
        name: cfg.arch.into(),
        input: format!("{c}x{side}x{side}"),
        batch: cfg.batch,
        per_s: (cfg.batch * cfg.steps) as f64 / best.wall,
        ms: per_step(best.wall),
        median_ms: per_step(median),
        cpu_ms: per_step(best.cpu),
        forward_ms: Some(per_step(best.parts[0])),
        backward_ms: Some(per_step(best.parts[1])),
        optim_ms: Some(per_step(best.parts[2])),
        peak_mib: peak_mib(),
        load: load_average(),
        threads: candle_core::utils::get_num_threads(),
    })
}
