//! Time of DeepCluster's PCA whitening: covariance (tensor matmul), eigendecomposition (faer),
//! projection and normalisation, at feature sizes DeepCluster uses.
//!
//! `cargo run --release -p pipeline-cluster --example bench_pca`

use std::time::Instant;

use candle_core::{Device, Tensor};
use pipeline_cluster::PcaWhitening;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    for (n, d, dim) in [(20_000, 256, 64), (20_000, 512, 128), (10_000, 2048, 256)] {
        let data: Vec<f32> = (0..n * d)
            .map(|_| StandardNormal.sample(&mut rng))
            .collect();
        let x = Tensor::from_vec(data, (n, d), &Device::Cpu)?;
        let t = Instant::now();
        let pca = PcaWhitening::fit(&x, dim)?;
        let fit = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let y = pca.transform_normalised(&x)?;
        let apply = t.elapsed().as_secs_f64();
        println!(
            "{n} × {d} → {dim}: fit {fit:.3} s, transform + normalise {apply:.3} s ({:?})",
            y.dims()
        );
    }
    Ok(())
}
