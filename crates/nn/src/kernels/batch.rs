//! Spreading a batch over rayon's threads: the batch is cut into a few contiguous runs of items
//! per thread (more than one so a thread slowed by other load on the machine does not hold the
//! rest up), each run working in its own scratch buffers and, for a backward pass, its own
//! weight-gradient accumulators, which are summed at the end.

use rayon::prelude::*;

use super::float::Float;

/// Elements of the column buffer a group of images shares (512 KiB of f32): several images per
/// product keep the matrices wide enough for gemm's kernels (a 7×7 map is 49 columns, which
/// leaves a mostly idle edge block) while the buffer, the product and gemm's packed copy of it
/// stay in the core's 2 MiB L2 cache. 1 MiB groups cost `convnet-rgb` about 4% more CPU per
/// step and 2 MiB ones 9% (`pipeline-bench`, `cpu ms`), for no gain on the other networks.
#[cfg(not(test))]
const GROUP_ELEMS: usize = 1 << 17;
/// Small in tests, so their small shapes exercise both several images per group and several
/// groups per run.
#[cfg(test)]
const GROUP_ELEMS: usize = 2048;

/// Images per product, for a run of `items` whose column matrices hold `per_image` elements each.
pub(crate) fn group_size(per_image: usize, items: usize) -> usize {
    (GROUP_ELEMS / per_image.max(1)).clamp(1, items.max(1))
}

/// Items per run for a batch of `n`.
pub(crate) fn run_len(n: usize) -> usize {
    let runs = 2 * rayon::current_num_threads().max(1);
    n.div_ceil(runs).max(1)
}

/// Calls `f(first_item, out_run)` on runs of `out`, which holds `per_item` elements per item.
pub(crate) fn for_runs<T: Send>(out: &mut [T], per_item: usize, n: usize, f: impl Fn(usize, &mut [T]) + Sync) {
    let len = run_len(n);
    if per_item == 0 {
        return;
    }
    out.par_chunks_mut(len * per_item).enumerate().for_each(|(r, run)| f(r * len, run));
}

/// Like [`for_runs`] over two outputs cut at the same items.
pub(crate) fn for_runs2<A: Send, B: Send>(
    a: &mut [A],
    per_a: usize,
    b: &mut [B],
    per_b: usize,
    n: usize,
    f: impl Fn(usize, &mut [A], &mut [B]) + Sync,
) {
    let len = run_len(n);
    if per_a == 0 || per_b == 0 {
        return;
    }
    a.par_chunks_mut(len * per_a).zip(b.par_chunks_mut(len * per_b)).enumerate().for_each(|(r, (ra, rb))| f(r * len, ra, rb));
}

/// Runs `f(items, out_run, accumulators)` on runs of the batch and returns the sum of the
/// runs' accumulators (each starting at zero with the lengths in `acc_lens`). `out`, when
/// given, holds `per_item` elements per item and is cut along with the runs (an input gradient).
pub(crate) fn sum_over_runs<T: Float>(
    n: usize,
    out: Option<(&mut [T], usize)>,
    acc_lens: &[usize],
    f: impl Fn(std::ops::Range<usize>, Option<&mut [T]>, &mut [Vec<T>]) + Sync,
) -> Vec<Vec<T>> {
    let len = run_len(n);
    let fresh = || acc_lens.iter().map(|&l| vec![T::ZERO; l]).collect::<Vec<_>>();
    let run = |r: usize, out: Option<&mut [T]>| {
        let mut acc = fresh();
        f(r * len..((r + 1) * len).min(n), out, &mut acc);
        acc
    };
    let parts: Vec<Vec<Vec<T>>> = match out {
        Some((out, per_item)) if per_item > 0 => {
            out.par_chunks_mut(len * per_item).enumerate().map(|(r, o)| run(r, Some(o))).collect()
        }
        _ => (0..n.div_ceil(len)).into_par_iter().map(|r| run(r, None)).collect(),
    };
    let mut total = fresh();
    for part in parts {
        for (t, p) in total.iter_mut().zip(part) {
            for (a, b) in t.iter_mut().zip(p) {
                *a += b;
            }
        }
    }
    total
}
