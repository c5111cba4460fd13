//! PCA whitening: identity covariance before normalisation, unit rows after.

use candle_core::{Device, Tensor};
use pipeline_cluster::{pca_whiten, PcaWhitening};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

/// `n` points in `d` dimensions with strongly unequal, correlated variances: z · A + offset.
fn correlated(n: usize, d: usize, seed: u64) -> Tensor {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut normal = || -> f32 { StandardNormal.sample(&mut rng) };
    let z: Vec<f32> = (0..n * d).map(|_| normal()).collect();
    // Mixing matrix with column scales from 10 down to 0.1.
    let a: Vec<f32> = (0..d * d)
        .map(|i| normal() * 10f32.powf(1.0 - 2.0 * (i % d) as f32 / (d - 1) as f32))
        .collect();
    let z = Tensor::from_vec(z, (n, d), &Device::Cpu).unwrap();
    let a = Tensor::from_vec(a, (d, d), &Device::Cpu).unwrap();
    (z.matmul(&a).unwrap() + 3.0).unwrap()
}

fn covariance(y: &Tensor) -> Vec<Vec<f32>> {
    let n = y.dim(0).unwrap() as f64;
    let c = y.broadcast_sub(&y.mean_keepdim(0).unwrap()).unwrap();
    (c.t().unwrap().matmul(&c).unwrap() / n)
        .unwrap()
        .to_vec2()
        .unwrap()
}

#[test]
fn whitened_covariance_is_identity() {
    let x = correlated(4000, 12, 1);
    let pca = PcaWhitening::fit(&x, 6).unwrap();
    assert!(
        pca.eigenvalues.windows(2).all(|w| w[0] >= w[1]),
        "{:?}",
        pca.eigenvalues
    );
    let y = pca.transform(&x).unwrap();
    assert_eq!(y.dims(), &[4000, 6]);
    let cov = covariance(&y);
    for (i, row) in cov.iter().enumerate() {
        for (j, &v) in row.iter().enumerate() {
            let want = if i == j { 1.0 } else { 0.0 };
            assert!((v - want).abs() < 1e-3, "cov[{i}][{j}] = {v}");
        }
    }
    // The data's own covariance was far from identity.
    let raw = covariance(&x);
    assert!(raw[0][0] > 10.0 || raw[1][1] > 10.0);
}

#[test]
fn kept_components_carry_the_most_variance() {
    // Variance concentrated in the first two coordinates: the top-2 components span them, so
    // the projection has (almost) no weight on the other coordinates.
    let mut rng = ChaCha8Rng::seed_from_u64(2);
    let data: Vec<f32> = (0..3000 * 5)
        .map(|i| {
            let s: f32 = StandardNormal.sample(&mut rng);
            s * if i % 5 < 2 { 10.0 } else { 0.5 }
        })
        .collect();
    let x = Tensor::from_vec(data, (3000, 5), &Device::Cpu).unwrap();
    let p = PcaWhitening::fit(&x, 2)
        .unwrap()
        .projection
        .to_vec2::<f32>()
        .unwrap();
    for (row, weights) in p.iter().enumerate().skip(2) {
        assert!(
            weights.iter().all(|w| w.abs() < 0.01),
            "row {row}: {weights:?}"
        );
    }
}

#[test]
fn rows_are_unit_norm_after() {
    let x = correlated(500, 8, 3);
    let y = pca_whiten(&x, 4).unwrap();
    assert_eq!(y.dims(), &[500, 4]);
    for r in y.to_vec2::<f32>().unwrap() {
        let norm: f32 = r.iter().map(|v| v * v).sum::<f32>().sqrt();
        assert!((norm - 1.0).abs() < 1e-5, "{norm}");
    }
}

#[test]
fn bad_input_is_an_error() {
    let x = correlated(50, 4, 4);
    assert!(pca_whiten(&x, 5).is_err());
    assert!(pca_whiten(&x, 0).is_err());
    assert!(pca_whiten(&x.narrow(0, 0, 1).unwrap(), 2).is_err());
    let constant = Tensor::ones((10, 3), candle_core::DType::F32, &Device::Cpu).unwrap();
    let err = pca_whiten(&constant, 2).unwrap_err();
    assert!(err.to_string().contains("variance"), "{err}");
    let pca = PcaWhitening::fit(&x, 2).unwrap();
    assert!(pca
        .transform(&Tensor::zeros((3, 5), candle_core::DType::F32, &Device::Cpu).unwrap())
        .is_err());
}
