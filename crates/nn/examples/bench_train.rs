//! Training-step speed of the standard architectures: mean forward, backward and AdamW step time
//! per batch, training images/s and peak resident memory, for `convnet` (1×28×28),
//! `convnet-rgb` (3×32×32) and the reference network `convnet-small` + a 10-way head
//! (conv 1→32, pool, conv 32→64, pool, fc 3136→128, fc 128→10) at batch 64 and 256.
//!
//! `cargo run --release -p pipeline-nn --example bench_train [-- --steps N --device cpu]`
//! Each configuration runs in its own process so its peak memory (VmHWM) is its own. Wall times
//! are what training sees; "cpu ms/step" (all threads together) is steadier on a shared machine.

use std::process::Command;
use std::time::Instant;

use candle_core::{DType, Tensor};
use candle_nn::{loss, VarBuilder, VarMap};
use pipeline_nn::arch::{build_encoder, ArchSpec, Head};
use pipeline_nn::device::{select_device, synchronize};
use pipeline_nn::optim::{Adam, Optimizer};
use pipeline_nn::{init, NnError};

const CONFIGS: &[(&str, usize, usize)] = &[("convnet", 1, 28), ("convnet-rgb", 3, 32), ("convnet-small", 1, 28)];
const BATCHES: &[usize] = &[64, 256];
const WARMUP: usize = 3;

fn main() -> Result<(), NnError> {
    let args: Vec<String> = std::env::args().collect();
    let opt = |name: &str, default: &str| {
        args.iter().position(|a| a == name).and_then(|i| args.get(i + 1).cloned()).unwrap_or_else(|| default.to_string())
    };
    let steps: usize = opt("--steps", "20").parse().map_err(|_| NnError::Invalid("--steps takes a number".into()))?;
    let device = opt("--device", "cpu");
    if let Some(i) = args.iter().position(|a| a == "--one") {
        let (arch, c, side, batch) = (&args[i + 1], &args[i + 2], &args[i + 3], &args[i + 4]);
        let parse = |s: &String| s.parse::<usize>().expect("numeric child argument");
        return one(arch, parse(c), parse(side), parse(batch), steps, &device);
    }
    println!("device {device}, {steps} timed steps after {WARMUP} warm-up steps, AdamW, cross-entropy on 10 classes");
    println!(
        "{:<14} {:>9} {:>6} {:>11} {:>12} {:>11} {:>11} {:>12} {:>10} {:>9}",
        "arch", "input", "batch", "forward ms", "backward ms", "optim ms", "step ms", "cpu ms/step", "images/s", "peak MiB"
    );
    let exe = std::env::current_exe().map_err(|e| NnError::Invalid(format!("cannot find own executable: {e}")))?;
    for &(arch, c, side) in CONFIGS {
        for &batch in BATCHES {
            let out = Command::new(&exe)
                .args(["--one", arch, &c.to_string(), &side.to_string(), &batch.to_string()])
                .args(["--steps", &steps.to_string(), "--device", &device])
                .output()
                .map_err(|e| NnError::Invalid(format!("cannot run child: {e}")))?;
            let text = String::from_utf8_lossy(&out.stdout);
            if !out.status.success() {
                eprintln!("{arch} batch {batch} failed: {}", String::from_utf8_lossy(&out.stderr));
                continue;
            }
            print!("{text}");
        }
    }
    Ok(())
}

fn one(arch: &str, c: usize, side: usize, batch: usize, steps: usize, device: &str) -> Result<(), NnError> {
    let device = select_device(device)?;
    let spec = ArchSpec::new(arch, c, side, side);
    let varmap = VarMap::new();
    let vb = VarBuilder::from_varmap(&varmap, DType::F32, &device);
    let encoder = build_encoder(&spec, vb.clone())?;
    let head = Head::new(encoder.out_dim(), 10, vb)?;
    init::reinit(&varmap, 0)?;
    let mut opt = Adam::new(init::vars_under(&varmap, ""), 1e-3, 0.9, 0.999, 0.01, true)?;
    let mut rng = init::stream(0, "bench");
    let x = init::rand((batch, c, side, side), &mut rng, &device)?;
    let y: Vec<u32> = (0..batch as u32).map(|i| i % 10).collect();
    let y = Tensor::from_vec(y, batch, &device)?;
    let (mut fwd, mut bwd, mut upd) = (0.0, 0.0, 0.0);
    let mut cpu0 = 0.0;
    for i in 0..WARMUP + steps {
        if i == WARMUP {
            cpu0 = cpu_seconds();
        }
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
        if i >= WARMUP {
            fwd += (t1 - t0).as_secs_f64();
            bwd += (t2 - t1).as_secs_f64();
            upd += (t3 - t2).as_secs_f64();
        }
    }
    let n = steps as f64;
    let step = (fwd + bwd + upd) / n;
    let cpu = (cpu_seconds() - cpu0) / n;
    println!(
        "{:<14} {:>9} {:>6} {:>11.2} {:>12.2} {:>11.2} {:>11.2} {:>12.1} {:>10.0} {:>9.0}",
        arch,
        format!("{c}×{side}×{side}"),
        batch,
        1e3 * fwd / n,
        1e3 * bwd / n,
        1e3 * upd / n,
        1e3 * step,
        1e3 * cpu,
        batch as f64 / step,
        peak_mib()
    );
    Ok(())
}

/// User + system CPU time of this process so far (all threads), from /proc/self/stat; on a
/// shared machine it moves less with other load than wall time does. 0 where unavailable.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the parenthesised command name; utime and stime are the 12th and 13th there.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|x| x.parse::<f64>().ok()).unwrap_or(0.0);
    // Clock ticks are 100 per second on Linux.
    (ticks(11) + ticks(12)) / 100.0
}

/// Peak resident set size of this process (Linux VmHWM), in MiB; 0 where unavailable.
fn peak_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok()))
        .map_or(0.0, |kb| kb / 1024.0)
}
