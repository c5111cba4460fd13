//! Lloyd iterations of `pipeline_cluster` k-means on 60,000 × 128 standard-normal points with
//! k = 100, from k-means++ centroids; optionally written out so bench/reference.py can time
//! scikit-learn from the very same data and start.

use std::path::Path;

use candle_core::{Device, Tensor};
use pipeline_cluster::{kmeans_from, kmeans_plus_plus, KMeansConfig};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

use crate::procfs::{load_average, peak_mib};
use crate::record::Record;
use crate::timing::{best_and_median, repeats};

pub const N: usize = 60_000;
pub const D: usize = 128;
pub const K: usize = 100;

pub fn run(iters: usize, reps: usize, dump: Option<&Path>) -> Result<Record, Box<dyn std::error::Error>> {
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    let data: Vec<f32> = (0..N * D).map(|_| StandardNormal.sample(&mut rng)).collect();
    if let Some(dir) = dump {
        crate::dump::write(&dir.join("kmeans_x.f32"), &data)?;
    }
    let x = Tensor::from_vec(data, (N, D), &Device::Cpu)?;
    let init = kmeans_plus_plus(&x, K, 0)?;
    if let Some(dir) = dump {
        crate::dump::write(&dir.join("kmeans_init.f32"), &init.flatten_all()?.to_vec1::<f32>()?)?;
    }
    let cfg = KMeansConfig { max_iter: iters, tol: 0.0, ..KMeansConfig::new(K, 0) };
    // Warm-up: thread start-up and first allocations do not count.
    kmeans_from(&x, &init, &KMeansConfig { max_iter: 1, ..cfg.clone() })?;
    let mut ran = 0;
    let runs = repeats(reps, || {
        ran = kmeans_from(&x, &init, &cfg)?.iterations;
        Ok::<_, pipeline_cluster::ClusterError>(Vec::new())
    })?;
    let (best, median) = best_and_median(&runs);
    let per = |s: f64| 1e3 * s / ran.max(1) as f64;
    Ok(Record {
        part: "kmeans".into(),
        name: format!("lloyd k={K}"),
        input: format!("{N}x{D}"),
        batch: 0,
        per_s: ran as f64 / best.wall,
        ms: per(best.wall),
        median_ms: per(median),
        cpu_ms: per(best.cpu),
        forward_ms: None,
        backward_ms: None,
        optim_ms: None,
        peak_mib: peak_mib(),
        load: load_average(),
        threads: candle_core::utils::get_num_threads(),
    })
}
