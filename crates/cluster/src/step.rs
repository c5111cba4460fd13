//! One Lloyd step over all points: nearest centroid, squared distance, and the per-cluster sums
//! and counts the update needs. On the CPU it runs as fused blocked GEMM kernels
//! ([`crate::cpu_step`]); on other devices as candle tensor ops.

use candle_core::{DType, Tensor, D};

use crate::error::ClusterError;

/// The assignment of every point and what the update step needs from it.
pub(crate) struct Step {
    pub labels: Vec<u32>,
    /// Squared distance of each point to its centroid (clamped at 0 against rounding).
    pub dist: Vec<f32>,
    /// Per-cluster coordinate sums, `k × d` row-major; empty unless accumulation was asked for.
    pub sums: Vec<f64>,
    pub counts: Vec<u64>,
}

/// Points prepared once for many steps: contiguous `f32` and their squared norms.
pub(crate) struct Points {
    pub x: Tensor,
    pub n: usize,
    pub d: usize,
    /// Squared row norms, on the host.
    pub sq: Vec<f32>,
}

impl Points {
    /// `x` must already be a validated, contiguous `f32` matrix.
    pub fn new(x: Tensor) -> Result<Self, ClusterError> {
        let (n, d) = x.dims2()?;
        let sq = match with_cpu_slice(&x, |s| {
            use rayon::prelude::*;
            s.par_chunks_exact(d)
                .map(|r| r.iter().map(|v| v * v).sum())
                .collect()
        })? {
            Some(sq) => sq,
            None => x.sqr()?.sum(1)?.to_vec1()?,
        };
        Ok(Points { x, n, d, sq })
    }

    /// Row `i` on the host.
    pub fn row(&self, i: usize) -> Result<Vec<f32>, ClusterError> {
        Ok(self.x.narrow(0, i, 1)?.flatten_all()?.to_vec1()?)
    }

    /// Mean over features of the per-feature variance.
    pub fn mean_variance(&self) -> Result<f64, ClusterError> {
        let (n, d) = (self.n, self.d);
        let host = with_cpu_slice(&self.x, |s| {
            let mut mean = in_row_blocks(s, d, d, |rows, acc| {
                for r in rows.chunks_exact(d) {
                    acc.iter_mut().zip(r).for_each(|(m, &v)| *m += v as f64);
                }
            });
            mean.iter_mut().for_each(|m| *m /= n as f64);
            let ss = in_row_blocks(s, d, 1, |rows, acc| {
                for r in rows.chunks_exact(d) {
                    acc[0] += r.iter().zip(&mean).map(|(&v, m)| (v as f64 - m).powi(2)).sum::<f64>();
                }
            });
            ss[0] / (n * d) as f64
        })?;
        match host {
            Some(v) => Ok(v),
            None => {
                let centred = self.x.broadcast_sub(&self.x.mean_keepdim(0)?)?;
                Ok(centred.sqr()?.mean_all()?.to_scalar::<f32>()? as f64)
            }
        }
    }
}

/// Rows per block of [`in_row_blocks`]: fixed, so sums do not depend on the thread count.
const SUM_BLOCK_ROWS: usize = 4096;

/// `f64` accumulators of length `len` summed over blocks of rows of `x` (`d` per row): the
/// blocks run in parallel and are added in order, so the result is the same on any thread count.
fn in_row_blocks(x: &[f32], d: usize, len: usize, f: impl Fn(&[f32], &mut [f64]) + Sync) -> Vec<f64> {
    use rayon::prelude::*;
    let parts: Vec<Vec<f64>> = x
        .par_chunks(SUM_BLOCK_ROWS * d.max(1))
        .map(|rows| {
            let mut acc = vec![0f64; len];
            f(rows, &mut acc);
            acc
        })
        .collect();
    parts.into_iter().fold(vec![0f64; len], |mut total, part| {
        total.iter_mut().zip(part).for_each(|(t, p)| *t += p);
        total
    })
}

/// Runs `f` on the data of a contiguous `f32` CPU tensor; `None` for other devices.
pub(crate) fn with_cpu_slice<T>(
    x: &Tensor,
    f: impl FnOnce(&[f32]) -> T,
) -> Result<Option<T>, ClusterError> {
    if !x.device().is_cpu() {
        return Ok(None);
    }
    let (storage, layout) = x.storage_and_layout();
    let candle_core::Storage::Cpu(cpu) = &*storage else {
        unreachable!("a CPU tensor has CPU storage")
    };
    let (start, end) = layout
        .contiguous_offsets()
        .ok_or_else(|| ClusterError::invalid("tensor", "expected a contiguous tensor"))?;
    Ok(Some(f(&cpu.as_slice::<f32>()?[start..end])))
}

/// Squared distance of each point to its labelled centroid, by direct differences: exact where
/// the ‖x‖² − 2·x·c + ‖c‖² expansion of the assignment step cancels badly (points on a centroid).
pub(crate) fn exact_dist(
    p: &Points,
    centroids: &[f32],
    labels: &[u32],
) -> Result<Vec<f32>, ClusterError> {
    use rayon::prelude::*;
    let d = p.d;
    let host = with_cpu_slice(&p.x, |x| {
        x.par_chunks(d)
            .zip(labels.par_iter())
            .map(|(r, &l)| {
                let c = &centroids[l as usize * d..(l as usize + 1) * d];
                r.iter().zip(c).map(|(a, b)| (a - b) * (a - b)).sum()
            })
            .collect()
    })?;
    match host {
        Some(v) => Ok(v),
        None => exact_dist_tensor(p, centroids, labels),
    }
}

fn exact_dist_tensor(
    p: &Points,
    centroids: &[f32],
    labels: &[u32],
) -> Result<Vec<f32>, ClusterError> {
    let dev = p.x.device();
    let c = Tensor::from_slice(centroids, (centroids.len() / p.d, p.d), dev)?;
    let ids = Tensor::from_slice(labels, labels.len(), dev)?;
    Ok((&p.x - c.index_select(&ids, 0)?)?
        .sqr()?
        .sum(D::Minus1)?
        .to_vec1()?)
}

/// Elements of one block's `rows × k` distance matrix in the tensor path (16 MB in `f32`).
const BLOCK_ELEMS: usize = 1 << 22;

/// Assigns every point to its nearest row of `centroids` (`k × d`, host, row-major) and, if
/// `accumulate`, sums the points of each cluster.
pub(crate) fn step(
    p: &Points,
    centroids: &[f32],
    k: usize,
    accumulate: bool,
) -> Result<Step, ClusterError> {
    match with_cpu_slice(&p.x, |x| {
        crate::cpu_step::step(x, &p.sq, p.d, centroids, k, accumulate, crate::cpu_step::Distances::best())
    })? {
        Some(s) => Ok(s),
        None => tensor_step(p, centroids, k, accumulate),
    }
}

/// The same step as candle ops (distances ‖x‖² − 2·x·cᵀ + ‖c‖² by one matmul per block of rows,
/// sums by `index_add`), for devices other than the CPU.
fn tensor_step(
    p: &Points,
    centroids: &[f32],
    k: usize,
    accumulate: bool,
) -> Result<Step, ClusterError> {
    let dev = p.x.device();
    let c = Tensor::from_slice(centroids, (k, p.d), dev)?;
    let ct = c.t()?.contiguous()?;
    let c_sq = c.sqr()?.sum_keepdim(1)?.t()?;
    let block = (BLOCK_ELEMS / k).clamp(1, p.n);
    let mut labels = Vec::with_capacity(p.n.div_ceil(block));
    let mut dists = Vec::with_capacity(p.n.div_ceil(block));
    for start in (0..p.n).step_by(block) {
        let len = block.min(p.n - start);
        // ‖x‖² is constant along a row, so the argmin needs only ‖c‖² − 2·x·cᵀ.
        let partial =
            p.x.narrow(0, start, len)?
                .matmul(&ct)?
                .affine(-2.0, 0.0)?
                .broadcast_add(&c_sq)?;
        labels.push(partial.argmin_keepdim(D::Minus1)?);
        dists.push(partial.min(D::Minus1)?);
    }
    let labels = Tensor::cat(&labels, 0)?.flatten_all()?;
    let partial_min = Tensor::cat(&dists, 0)?.to_vec1::<f32>()?;
    let dist = partial_min
        .iter()
        .zip(&p.sq)
        .map(|(m, s)| (m + s).max(0.0))
        .collect();
    let host_labels = labels.to_vec1::<u32>()?;
    let mut counts = vec![0u64; k];
    for &l in &host_labels {
        counts[l as usize] += 1;
    }
    let sums = if accumulate {
        let s = Tensor::zeros((k, p.d), DType::F32, dev)?.index_add(&labels, &p.x, 0)?;
        s.flatten_all()?
            .to_vec1::<f32>()?
            .into_iter()
            .map(f64::from)
            .collect()
    } else {
        Vec::new()
    };
    Ok(Step {
        labels: host_labels,
        dist,
        sums,
        counts,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::Device;
    use rand::{Rng, SeedableRng};

    /// The tensor path serves CUDA; run it on the CPU against the fused kernel.
    #[test]
    fn tensor_path_matches_cpu_kernel() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        // n spans several blocks and chunks of the CPU kernel.
        let (n, d, k) = (3000, 7, 13);
        let x: Vec<f32> = (0..n * d).map(|_| rng.random::<f32>()).collect();
        let c: Vec<f32> = (0..k * d).map(|_| rng.random::<f32>()).collect();
        let p = Points::new(Tensor::from_vec(x, (n, d), &Device::Cpu).unwrap()).unwrap();
        let fused = step(&p, &c, k, true).unwrap();
        let ops = tensor_step(&p, &c, k, true).unwrap();
        assert_eq!(fused.labels, ops.labels);
        assert_eq!(fused.counts, ops.counts);
        assert_eq!(fused.counts.iter().sum::<u64>(), n as u64);
        assert!(fused
            .dist
            .iter()
            .zip(&ops.dist)
            .all(|(a, b)| (a - b).abs() < 1e-4));
        assert!(fused
            .sums
            .iter()
            .zip(&ops.sums)
            .all(|(a, b)| (a - b).abs() < 1e-3));
        let host = exact_dist(&p, &c, &fused.labels).unwrap();
        let tensor = exact_dist_tensor(&p, &c, &fused.labels).unwrap();
        assert!(host.iter().zip(&tensor).all(|(a, b)| (a - b).abs() < 1e-5));
        // The chunking does not depend on the thread count, so neither do the sums.
        let one_thread = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        let serial = one_thread.install(|| step(&p, &c, k, true).unwrap());
        assert_eq!(serial.sums, fused.sums);
        assert_eq!(serial.dist, fused.dist);
        // Without accumulation only the assignment comes back.
        let plain = step(&p, &c, k, false).unwrap();
        assert!(plain.sums.is_empty());
        assert_eq!(plain.labels, fused.labels);
    }
}
