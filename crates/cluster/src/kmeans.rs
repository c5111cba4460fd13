//! k-means by Lloyd's algorithm (Lloyd 1982, "Least squares quantization in PCM") on candle
//! tensors, seeded by k-means++, with DeepCluster's re-seeding of empty clusters.
//!
//! Convergence follows scikit-learn: stop when the assignment no longer changes, or when the
//! squared centroid shift `Σ‖c_new − c‖²` falls to `tol` times the mean per-feature variance.

use candle_core::Tensor;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::error::ClusterError;
use crate::input::finite_matrix;
use crate::kmeans_pp::seed_centroids;
use crate::reseed::{fill_empty_with_farthest, split_empty};
use crate::step::{exact_dist, step, Points, Step};

/// How the initial centroids are chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum KMeansInit {
    /// Greedy k-means++ (see [`crate::kmeans_plus_plus`]).
    #[default]
    KMeansPlusPlus,
}

/// Options of [`kmeans`].
#[derive(Debug, Clone, PartialEq)]
pub struct KMeansConfig {
    /// Number of clusters, `1 <= k <= n`.
    pub k: usize,
    /// Most Lloyd iterations to run (at least 1).
    pub max_iter: usize,
    /// Relative tolerance on the squared centroid shift, as scikit-learn's `tol`; 0 stops only
    /// when the assignment stops changing (or at `max_iter`).
    pub tol: f64,
    /// Seed of the initialisation and of the re-seeding draws.
    pub seed: u64,
    pub init: KMeansInit,
}

impl KMeansConfig {
    /// `k` clusters with the defaults: 100 iterations, `tol = 1e-4`, k-means++.
    pub fn new(k: usize, seed: u64) -> Self {
        KMeansConfig {
            k,
            max_iter: 100,
            tol: 1e-4,
            seed,
            init: KMeansInit::KMeansPlusPlus,
        }
    }
}

/// A fitted clustering.
#[derive(Debug, Clone)]
pub struct KMeans {
    /// `k × d` f32, on the data's device.
    pub centroids: Tensor,
    /// Cluster of each point; no cluster is empty when `n >= k`.
    pub assignments: Vec<u32>,
    /// Sum of squared distances of the points to their centroids (computed directly, not by the
    /// norm expansion the iterations use).
    pub inertia: f64,
    /// Lloyd iterations run.
    pub iterations: usize,
    /// Whether a stopping rule fired before `max_iter`.
    pub converged: bool,
    /// Empty clusters re-seeded in total (splits during the iterations plus final fills).
    pub reseeded: usize,
    /// Inertia at each iteration's assignment step, before that iteration's update.
    pub inertia_history: Vec<f64>,
}

/// Clusters the rows of `x` (`n × d`, float) into `cfg.k` clusters.
pub fn kmeans(x: &Tensor, cfg: &KMeansConfig) -> Result<KMeans, ClusterError> {
    let p = Points::new(finite_matrix("kmeans", x)?)?;
    check_config(cfg, p.n)?;
    let init = match cfg.init {
        KMeansInit::KMeansPlusPlus => seed_centroids(&p, cfg.k, cfg.seed)?,
    };
    lloyd(&p, init, cfg)
}

/// Runs Lloyd's iterations from the given initial centroids (`k × d`); `cfg.init` is ignored.
pub fn kmeans_from(x: &Tensor, init: &Tensor, cfg: &KMeansConfig) -> Result<KMeans, ClusterError> {
    let p = Points::new(finite_matrix("kmeans", x)?)?;
    let init = finite_matrix("kmeans: initial centroids", init)?;
    check_config(cfg, p.n)?;
    if init.dims2()? != (cfg.k, p.d) {
        return Err(ClusterError::invalid(
            "kmeans: initial centroids",
            format!(
                "shape {:?} should be k × d = {} × {}",
                init.dims(),
                cfg.k,
                p.d
            ),
        ));
    }
    lloyd(&p, init.flatten_all()?.to_vec1()?, cfg)
}

fn check_config(cfg: &KMeansConfig, n: usize) -> Result<(), ClusterError> {
    if cfg.k == 0 || cfg.k > n {
        return Err(ClusterError::invalid(
            "kmeans",
            format!(
                "k = {} must be between 1 and the number of points, {n}",
                cfg.k
            ),
        ));
    }
    if cfg.max_iter == 0 {
        return Err(ClusterError::invalid(
            "kmeans",
            "max_iter must be at least 1",
        ));
    }
    if !(cfg.tol.is_finite() && cfg.tol >= 0.0) {
        return Err(ClusterError::invalid(
            "kmeans",
            format!("tol must be finite and >= 0, got {}", cfg.tol),
        ));
    }
    Ok(())
}

/// Lloyd's iterations from host centroids `c` (`k × d` row-major).
fn lloyd(p: &Points, mut c: Vec<f32>, cfg: &KMeansConfig) -> Result<KMeans, ClusterError> {
    let (k, d) = (cfg.k, p.d);
    // A stream separate from the initialisation's, so re-seeding draws do not shift with it.
    let mut rng = ChaCha8Rng::seed_from_u64(cfg.seed ^ 0x5eed_5eed_5eed_5eed);
    // As scikit-learn: a zero tolerance needs no pass over the data for the variance.
    let tol = if cfg.tol == 0.0 { 0.0 } else { cfg.tol * p.mean_variance()? };
    let mut history = Vec::new();
    let mut reseeded = 0;
    let mut converged = false;
    let mut previous: Option<Vec<u32>> = None;
    let mut last: Option<Step> = None;
    let mut iterations = 0;
    while iterations < cfg.max_iter {
        let s = step(p, &c, k, true)?;
        history.push(s.dist.iter().map(|&v| v as f64).sum());
        iterations += 1;
        if previous.as_deref() == Some(s.labels.as_slice()) {
            // A fixed point. The centroids are already the means of these labels, except those
            // perturbed by a split in the last update: put those back on their means too.
            converged = true;
            for (j, &count) in s.counts.iter().enumerate().filter(|(_, &n)| n > 0) {
                for (cv, &sum) in c[j * d..(j + 1) * d]
                    .iter_mut()
                    .zip(&s.sums[j * d..(j + 1) * d])
                {
                    *cv = (sum / count as f64) as f32;
                }
            }
            last = Some(s);
            break;
        }
        let (updated, splits) = update(&s, k, d, &mut rng);
        reseeded += splits;
        let shift: f64 = updated
            .iter()
            .zip(&c)
            .map(|(a, b)| (*a as f64 - *b as f64).powi(2))
            .sum();
        c = updated;
        previous = Some(s.labels);
        if shift <= tol {
            converged = true;
            break;
        }
    }
    // The labels returned must belong to the centroids returned.
    let Step { mut labels, .. } = match last {
        Some(s) => s,
        None => step(p, &c, k, false)?,
    };
    let mut dist = exact_dist(p, &c, &labels)?;
    let filled = fill_empty_with_farthest(&mut labels, &mut dist, &mut c, k, |i| p.row(i))?;
    Ok(KMeans {
        centroids: Tensor::from_vec(c, (k, d), p.x.device())?,
        assignments: labels,
        inertia: dist.iter().map(|&v| v as f64).sum(),
        iterations,
        converged,
        reseeded: reseeded + filled,
        inertia_history: history,
    })
}

/// The update step: each centroid becomes the mean of its points; empty clusters are split off
/// populated ones. Returns the new centroids and the number of re-seeded clusters.
fn update(s: &Step, k: usize, d: usize, rng: &mut ChaCha8Rng) -> (Vec<f32>, usize) {
    let mut c: Vec<f32> = s
        .sums
        .chunks_exact(d)
        .zip(&s.counts)
        .flat_map(|(row, &n)| {
            row.iter()
                .map(move |&v| if n > 0 { (v / n as f64) as f32 } else { 0.0 })
        })
        .collect();
    let mut counts = s.counts.clone();
    let splits = if counts.contains(&0) {
        split_empty(&mut c, &mut counts, d, rng)
    } else {
        0
    };
    debug_assert_eq!(c.len(), k * d);
    (c, splits)
}
