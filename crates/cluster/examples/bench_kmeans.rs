//! Lloyd iterations per second on 60,000 × 128 random points with k = 100, and peak memory.
//!
//! `cargo run --release -p pipeline-cluster --example bench_kmeans [-- --dump DIR]`
//! With `--dump DIR` it writes the data and the k-means++ centroids as raw little-endian f32
//! (`x.f32`, `init.f32`) for `bench_kmeans_sklearn.py`, which times scikit-learn from the same start.

use std::time::Instant;

use candle_core::{Device, Tensor};
use pipeline_cluster::{kmeans_from, kmeans_plus_plus, KMeansConfig};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

const N: usize = 60_000;
const D: usize = 128;
const K: usize = 100;
const ITERS: usize = 20;

fn vm_hwm_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// User + system CPU seconds of this process so far: less sensitive than wall time to other
/// load on a shared machine.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the parenthesised command name; utime and stime are the 12th and 13th.
    let rest = stat.rsplit(')').next().unwrap_or("");
    let f: Vec<f64> = rest
        .split_whitespace()
        .map(|v| v.parse().unwrap_or(0.0))
        .collect();
    let ticks = 100.0; // USER_HZ on Linux
    (f.get(11).unwrap_or(&0.0) + f.get(12).unwrap_or(&0.0)) / ticks
}

fn write_f32(path: &std::path::Path, v: &[f32]) {
    let bytes: Vec<u8> = v.iter().flat_map(|f| f.to_le_bytes()).collect();
    std::fs::write(path, bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let dump = args
        .iter()
        .position(|a| a == "--dump")
        .map(|i| std::path::PathBuf::from(&args[i + 1]));
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    let data: Vec<f32> = (0..N * D)
        .map(|_| StandardNormal.sample(&mut rng))
        .collect();
    let x = Tensor::from_vec(data.clone(), (N, D), &Device::Cpu)?;
    println!(
        "data: {N} × {D} standard normal f32, k = {K}, threads = {}",
        candle_core::utils::get_num_threads()
    );
    println!("VmHWM after data: {} MiB", vm_hwm_kib().unwrap_or(0) / 1024);

    let t = Instant::now();
    let init = kmeans_plus_plus(&x, K, 0)?;
    println!("k-means++ init: {:.3} s", t.elapsed().as_secs_f64());
    if let Some(dir) = &dump {
        std::fs::create_dir_all(dir)?;
        write_f32(&dir.join("x.f32"), &data);
        write_f32(
            &dir.join("init.f32"),
            &init.flatten_all()?.to_vec1::<f32>()?,
        );
    }

    let cfg = KMeansConfig {
        max_iter: ITERS,
        tol: 0.0,
        ..KMeansConfig::new(K, 0)
    };
    // One warm-up run so that allocation and thread start-up do not count.
    kmeans_from(
        &x,
        &init,
        &KMeansConfig {
            max_iter: 1,
            ..cfg.clone()
        },
    )?;
    let (t, cpu) = (Instant::now(), cpu_seconds());
    let km = kmeans_from(&x, &init, &cfg)?;
    let (secs, cpu) = (t.elapsed().as_secs_f64(), cpu_seconds() - cpu);
    println!(
        "Lloyd: {} iterations in {:.3} s = {:.1} iterations/s ({:.1} ms/iteration, {:.1} CPU-ms/iteration), inertia {:.1}, reseeded {}",
        km.iterations,
        secs,
        km.iterations as f64 / secs,
        secs * 1e3 / km.iterations as f64,
        cpu * 1e3 / km.iterations as f64,
        km.inertia,
        km.reseeded
    );
    println!(
        "VmHWM (peak resident): {} MiB",
        vm_hwm_kib().unwrap_or(0) / 1024
    );
    Ok(())
}
