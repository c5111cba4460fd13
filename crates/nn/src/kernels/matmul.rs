//! Dense matrix products through the `gemm` crate, on slices with explicit strides, so kernels
//! can multiply by a transposed operand without copying it.

use gemm::Parallelism;

use super::float::Float;

/// A matrix inside a slice: element (i, j) is at `i·rs + j·cs`.
#[derive(Clone, Copy)]
pub(crate) struct View<'a, T> {
    pub data: &'a [T],
    pub rs: usize,
    pub cs: usize,
}

impl<'a, T> View<'a, T> {
    /// Row-major with `cols` columns.
    pub fn rows(data: &'a [T], cols: usize) -> Self {
        View { data, rs: cols, cs: 1 }
    }

    /// The transpose of a row-major matrix with `cols` columns.
    pub fn transposed(data: &'a [T], cols: usize) -> Self {
        View { data, rs: 1, cs: cols }
    }

    fn check(&self, m: usize, n: usize, what: &str) {
        if m > 0 && n > 0 {
            let last = (m - 1) * self.rs + (n - 1) * self.cs;
            assert!(last < self.data.len(), "matmul: {what} of {m}×{n} does not fit its slice");
        }
    }
}

/// Whether a product runs on the calling thread or spreads over rayon's pool.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Threads {
    One,
    All,
}

/// `dst (m×n, row-major) = a (m×k) · b (k×n)`, or `dst += a · b` when `accumulate`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn matmul<T: Float>(m: usize, n: usize, k: usize, dst: &mut [T], accumulate: bool, a: View<T>, b: View<T>, threads: Threads) {
    assert!(dst.len() >= m * n, "matmul: destination too small");
    a.check(m, k, "left operand");
    b.check(k, n, "right operand");
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        if !accumulate {
            dst[..m * n].fill(T::ZERO);
        }
        return;
    }
    let parallelism = match threads {
        Threads::One => Parallelism::None,
        Threads::All => match rayon::current_num_threads() {
            0 | 1 => Parallelism::None,
            t => Parallelism::Rayon(t),
        },
    };
    // SAFETY: the asserts above keep every index gemm touches inside the three slices, and
    // `dst` is borrowed mutably so it cannot alias `a` or `b`.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            dst.as_mut_ptr(),
            1,
            n as isize,
            accumulate,
            a.data.as_ptr(),
            a.cs as isize,
            a.rs as isize,
            b.data.as_ptr(),
            b.cs as isize,
            b.rs as isize,
            T::ONE,
            T::ONE,
            false,
            false,
            false,
            parallelism,
        )
    }
}

/// The transpose of a row-major `rows × cols` matrix. The convolutions accumulate their weight
/// gradient transposed (the faster `gemm` orientation) and hand it back in the weight's layout.
pub(crate) fn transposed<T: Float>(m: &[T], rows: usize, cols: usize) -> Vec<T> {
    let mut t = vec![T::ZERO; rows * cols];
    for (r, row) in m.chunks_exact(cols).enumerate() {
        for (c, &v) in row.iter().enumerate() {
            t[c * rows + r] = v;
        }
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn products_with_transposed_operands_match_a_naive_loop() {
        let (m, n, k) = (5, 7, 3);
        let a: Vec<f64> = (0..m * k).map(|i| (i as f64 * 0.37).sin()).collect();
        let bt: Vec<f64> = (0..n * k).map(|i| (i as f64 * 0.91).cos()).collect();
        let mut dst = vec![1.0; m * n];
        matmul(m, n, k, &mut dst, true, View::rows(&a, k), View::transposed(&bt, k), Threads::All);
        for i in 0..m {
            for j in 0..n {
                let want = 1.0 + (0..k).map(|l| a[i * k + l] * bt[j * k + l]).sum::<f64>();
                assert!((dst[i * n + j] - want).abs() < 1e-12);
            }
        }
    }
}

