//! The Lloyd step on the CPU as one fused pass, as scikit-learn's `lloyd_iter_chunked_dense`
//! does: per block of rows, the nearest centroids (the packed AVX2 kernel of
//! [`crate::avx2_nearest`], or one GEMM for x·cᵀ and an argmin), then the cluster sums while the
//! block is in cache. Avoids the several full `n × k` passes and allocations of the tensor-op
//! version.
//!
//! The rows are cut into a fixed number of chunks that depends only on the problem size, each
//! summed in order and the chunks combined in order, so results do not depend on thread count.

use gemm::{gemm, Parallelism};
use rayon::prelude::*;

use crate::avx2_nearest::Panels;
use crate::step::Step;

/// Elements of a block's `rows × k` distance buffer on the `gemm` path (512 KB): it stays in
/// L2. Measured at k = 100, blocks of 1024 rows beat 128-512 by 5-10%. The packed kernel keeps
/// no such buffer; there the block only sets how many rows the f32 cluster sums take before
/// they are added into the f64 totals, kept the same so both paths sum alike.
const BLOCK_ELEMS: usize = 1 << 17;
/// Rows per block, within these bounds.
const BLOCK_ROWS: (usize, usize) = (16, 1024);
/// Most chunks (units of parallel work).
const MAX_CHUNKS: usize = 32;
/// Cap on the per-chunk `k × d` f64 accumulators together.
const ACC_BYTES: usize = 256 << 20;

/// What every chunk shares: the centroids and the shape of the work.
struct Kernel<'a> {
    d: usize,
    k: usize,
    /// Rows per GEMM block.
    block: usize,
    c: &'a [f32],
    c_sq: &'a [f32],
    accumulate: bool,
    /// The centroids packed for [`crate::avx2_nearest`]; `Some` only where that kernel runs.
    panels: Option<&'a Panels>,
}

/// One chunk of rows: its points and squared norms in, its labels and distances out.
struct Rows<'a> {
    x: &'a [f32],
    x_sq: &'a [f32],
    labels: &'a mut [u32],
    dist: &'a mut [f32],
}

/// One chunk's share of the cluster sums (`k × d`, empty without accumulation) and counts.
type Partial = (Vec<f64>, Vec<u64>);

/// Where the distances come from.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Distances {
    /// [`crate::avx2_nearest`]; the CPU must have AVX2 and FMA.
    Packed,
    /// `gemm` products and an argmin over them.
    Gemm,
}

impl Distances {
    /// The packed kernel on x86-64 with AVX2 and FMA but not AVX-512, where `gemm`'s own AVX-512
    /// kernels are kept (no AVX-512 host was at hand to compare the two on); `gemm` elsewhere.
    pub fn best() -> Self {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2")
            && std::arch::is_x86_feature_detected!("fma")
            && !std::arch::is_x86_feature_detected!("avx512f")
        {
            return Distances::Packed;
        }
        Distances::Gemm
    }
}

/// `x` is `n × d` row-major and `x_sq` its squared row norms; `c` is `k × d` row-major.
pub(crate) fn step(
    x: &[f32],
    x_sq: &[f32],
    d: usize,
    c: &[f32],
    k: usize,
    accumulate: bool,
    distances: Distances,
) -> Step {
    let n = x_sq.len();
    let c_sq: Vec<f32> = c
        .chunks_exact(d)
        .map(|r| r.iter().map(|v| v * v).sum())
        .collect();
    let block = (BLOCK_ELEMS / k).clamp(BLOCK_ROWS.0, BLOCK_ROWS.1);
    let panels = (distances == Distances::Packed).then(|| Panels::new(c, &c_sq, k, d));
    let kern = Kernel {
        d,
        k,
        block,
        c,
        c_sq: &c_sq,
        accumulate,
        panels: panels.as_ref(),
    };
    let by_memory = if accumulate {
        (ACC_BYTES / (k * d * 8)).max(1)
    } else {
        MAX_CHUNKS
    };
    let chunks = n.div_ceil(block).min(MAX_CHUNKS).min(by_memory).max(1);
    let rows_per = n.div_ceil(chunks).div_ceil(block) * block;

    let mut labels = vec![0u32; n];
    let mut dist = vec![0f32; n];
    let partials: Vec<Partial> = labels
        .par_chunks_mut(rows_per)
        .zip(dist.par_chunks_mut(rows_per))
        .enumerate()
        .map(|(ci, (lab, dis))| {
            let rows = ci * rows_per..ci * rows_per + lab.len();
            chunk(
                &kern,
                Rows {
                    x: &x[rows.start * d..rows.end * d],
                    x_sq: &x_sq[rows],
                    labels: lab,
                    dist: dis,
                },
            )
        })
        .collect();

    let mut sums = vec![0f64; if accumulate { k * d } else { 0 }];
    let mut counts = vec![0u64; k];
    for (s, cnt) in partials {
        for (a, b) in sums.iter_mut().zip(&s) {
            *a += b;
        }
        for (a, b) in counts.iter_mut().zip(&cnt) {
            *a += b;
        }
    }
    Step {
        labels,
        dist,
        sums,
        counts,
    }
}

/// [`chunk_body`] compiled for the widest vector unit the CPU has: the argmin and the `f64`
/// sums are auto-vectorised, and SSE2 (the build's baseline) halves or quarters their width.
fn chunk(kern: &Kernel, rows: Rows) -> Partial {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512f") {
            // SAFETY: the CPU supports AVX-512F, checked just above.
            return unsafe { chunk_avx512(kern, rows) };
        }
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
        {
            // SAFETY: the CPU supports AVX2 and FMA, checked just above.
            return unsafe { chunk_avx2(kern, rows) };
        }
    }
    chunk_body(kern, rows)
}

/// For the block `xb` of `m` rows: each row's nearest centroid into `labels` and its
/// `‖c‖² − 2·x·c` (the squared distance less ‖x‖²) into `best`. `buf` (`m × k`) is scratch.
#[inline(always)]
fn nearest(kern: &Kernel, xb: &[f32], m: usize, buf: &mut [f32], labels: &mut [u32], best: &mut [f32]) {
    let Kernel { d, k, c, c_sq, .. } = *kern;
    #[cfg(target_arch = "x86_64")]
    if let Some(panels) = kern.panels {
        // SAFETY: panels are only built for `Distances::Packed`, which needs AVX2 and FMA.
        unsafe { crate::avx2_nearest::nearest(xb, m, panels, labels, best) };
        return;
    }
    // buf starts as ‖c‖² in every row; the GEMM adds −2·x·cᵀ.
    for row in buf[..m * k].chunks_exact_mut(k) {
        row.copy_from_slice(c_sq);
    }
    // SAFETY: dst is m × k row-major inside buf; lhs is the m × d block of x (row stride d);
    // rhs is cᵀ, d × k, read from c (k × d row-major) with row stride 1 and column stride d.
    unsafe {
        gemm(
            m,
            k,
            d,
            buf.as_mut_ptr(),
            1,
            k as isize,
            true,
            xb.as_ptr(),
            1,
            d as isize,
            c.as_ptr(),
            d as isize,
            1,
            1.0,
            -2.0,
            false,
            false,
            false,
            Parallelism::None,
        );
    }
    for (r, row) in buf[..m * k].chunks_exact(k).enumerate() {
        let (j, v) = argmin(row);
        labels[r] = j as u32;
        best[r] = v;
    }
}

/// Defines a copy of [`chunk_body`] compiled with the given target features.
macro_rules! chunk_with_features {
    ($name:ident, $features:literal) => {
        #[cfg(target_arch = "x86_64")]
        #[target_feature(enable = $features)]
        unsafe fn $name(kern: &Kernel, rows: Rows) -> Partial {
            chunk_body(kern, rows)
        }
    };
}
chunk_with_features!(chunk_avx512, "avx512f");
chunk_with_features!(chunk_avx2, "avx2,fma");

/// Assigns the rows of one chunk, block by block, and sums them per cluster.
#[inline(always)]
fn chunk_body(kern: &Kernel, rows: Rows) -> Partial {
    let Rows {
        x,
        x_sq,
        labels,
        dist,
    } = rows;
    let Kernel {
        d,
        k,
        block,
        accumulate,
        ..
    } = *kern;
    let mut sums = vec![0f64; if accumulate { k * d } else { 0 }];
    // A block's sums in f32 (full-width vectors, no conversions: the f64 per-row sums took
    // about a fifth of a step), added into the f64 totals once per block of at most 1,024 rows.
    let mut block_sums = vec![0f32; sums.len()];
    let mut counts = vec![0u64; k];
    // Scratch for the gemm path's distance block; the packed kernel needs none.
    let mut buf = vec![0f32; if kern.panels.is_some() { 0 } else { block * k }];
    for b0 in (0..labels.len()).step_by(block) {
        let m = block.min(labels.len() - b0);
        let xb = &x[b0 * d..(b0 + m) * d];
        // ‖x − c‖² − ‖x‖² to the nearest centroid lands in dist, ‖x‖² is added below.
        nearest(kern, xb, m, &mut buf, &mut labels[b0..b0 + m], &mut dist[b0..b0 + m]);
        for r in 0..m {
            let best = labels[b0 + r] as usize;
            dist[b0 + r] = (dist[b0 + r] + x_sq[b0 + r]).max(0.0);
            counts[best] += 1;
            if accumulate {
                for (s, &v) in block_sums[best * d..(best + 1) * d]
                    .iter_mut()
                    .zip(&xb[r * d..(r + 1) * d])
                {
                    *s += v;
                }
            }
        }
        for (s, b) in sums.iter_mut().zip(block_sums.iter_mut()) {
            *s += *b as f64;
            *b = 0.0;
        }
    }
    (sums, counts)
}

/// Index and value of the first minimum.
///
/// Two vectorised passes: the minimum over independent lanes (packed compares and blends), then
/// the first chunk holding it, compared whole, and the position inside that chunk. Tracking each
/// lane's index in one pass left the index blends scalar (lane extracts and conditional moves).
#[inline(always)]
fn argmin(v: &[f32]) -> (usize, f32) {
    const LANES: usize = 16;
    let mut lanes = [f32::INFINITY; LANES];
    let chunks = v.chunks_exact(LANES);
    let tail = chunks.remainder();
    for ch in chunks {
        for l in 0..LANES {
            lanes[l] = if ch[l] < lanes[l] { ch[l] } else { lanes[l] };
        }
    }
    let min = lanes
        .iter()
        .chain(tail)
        .fold(f32::INFINITY, |m, &x| if x < m { x } else { m });
    // Every value +inf (or NaN, which validation rules out) finds nothing: index 0, as before.
    let idx = v
        .chunks(LANES)
        .enumerate()
        .find(|(_, ch)| ch.iter().fold(false, |hit, &x| hit | (x == min)))
        .and_then(|(ci, ch)| ch.iter().position(|&x| x == min).map(|j| ci * LANES + j))
        .unwrap_or(0);
    (idx, v[idx])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argmin_finds_the_first_minimum() {
        let mut v: Vec<f32> = (0..37).map(|i| ((i * 7919) % 37) as f32).collect();
        let want = v.iter().position(|&x| x == 0.0).unwrap();
        assert_eq!(argmin(&v), (want, 0.0));
        v[36] = -1.0;
        assert_eq!(argmin(&v), (36, -1.0));
        v[3] = -1.0;
        assert_eq!(argmin(&v), (3, -1.0));
        assert_eq!(argmin(&[2.0, 1.0, 3.0]), (1, 1.0));
    }

    /// Hosts with AVX2 run the packed kernel, so the `gemm` path (AVX-512 and other CPUs) is
    /// checked against it here.
    #[test]
    #[cfg(target_arch = "x86_64")]
    fn gemm_path_matches_the_packed_kernel() {
        use rand::{Rng, SeedableRng};
        if !(std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")) {
            return;
        }
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
        // Several blocks and chunks; k and d off the panel and tile sizes.
        let (n, d, k) = (5000, 37, 41);
        let x: Vec<f32> = (0..n * d).map(|_| rng.random_range(-1.0..1.0)).collect();
        let c: Vec<f32> = (0..k * d).map(|_| rng.random_range(-1.0..1.0)).collect();
        let x_sq: Vec<f32> = x.chunks_exact(d).map(|r| r.iter().map(|v| v * v).sum()).collect();
        let packed = step(&x, &x_sq, d, &c, k, true, Distances::Packed);
        let gemm = step(&x, &x_sq, d, &c, k, true, Distances::Gemm);
        assert_eq!(packed.labels, gemm.labels);
        assert_eq!(packed.counts, gemm.counts);
        assert!(packed.dist.iter().zip(&gemm.dist).all(|(a, b)| (a - b).abs() < 1e-4));
        assert!(packed.sums.iter().zip(&gemm.sums).all(|(a, b)| (a - b).abs() < 1e-3));
    }
}
