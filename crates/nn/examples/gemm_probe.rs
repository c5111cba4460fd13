//! GFLOPS of the `gemm` crate on one thread for the products the convolution kernels make, in
//! both orientations where there is a choice (it showed the weight gradient runs about 1.5×
//! faster as `dWᵀ = col · gzᵀ` than as `dW = gz · colᵀ`). Operands are hot in cache, so this
//! is the ceiling the kernels' products can reach.
//!
//! `cargo run --release -p pipeline-nn --example gemm_probe`

use std::time::Instant;

/// (m, n, k, left stored transposed, right stored transposed, accumulate, label)
type Case = (usize, usize, usize, bool, bool, bool, &'static str);

fn main() {
    let cases: &[Case] = &[
        (64, 256, 800, false, false, false, "fwd W·col"),
        (64, 800, 256, false, true, true, "dW += gz·colT"),
        (800, 256, 64, true, false, false, "dcol = WT·gz"),
        (800, 64, 256, false, true, false, "dWT = col·gzT (alt)"),
        (512, 49, 64, true, false, false, "T1 fwd WT·x g1"),
        (512, 490, 64, true, false, false, "T1 fwd WT·x g10"),
        (512, 64, 490, false, true, true, "T1 dWT += col·xT g10"),
        (64, 512, 49, false, true, true, "T1 dW += x·colT g1"),
        (64, 490, 512, false, false, false, "T1 dx = W·col g10"),
        (64, 49, 512, false, false, false, "T1 dx = W·col g1"),
        (32, 12544, 9, false, false, false, "s1 fwd W·col"),
        (32, 16384, 75, false, false, false, "r1 fwd W·col"),
        (75, 32, 16384, false, true, true, "r1 dWT += col·gzT"),
        (64, 288, 784, false, true, true, "s2 dW += gz·colT"),
        (288, 64, 784, false, true, true, "s2 dWT += col·gzT"),
        (128, 576, 441, false, true, true, "s3 dW += gz·colT"),
        (576, 128, 441, false, true, true, "s3 dWT += col·gzT"),
        (32, 9, 12544, false, true, true, "s1 dW += gz·colT"),
        (9, 32, 12544, false, true, true, "s1 dWT += col·gzT"),
        (128, 1152, 192, false, true, true, "r4 dW += gz·colT"),
        (1152, 128, 192, false, true, true, "r4 dWT += col·gzT"),
        (128, 3136, 64, true, false, false, "fc dW = gzT·x"),
        (3136, 128, 64, true, false, false, "fc dWT = xT·gz"),
        (1024, 100, 128, false, true, true, "km x·cT (rows)"),
        (100, 1024, 128, false, true, true, "km c·xT (cols)"),
        (100, 4096, 128, false, true, true, "km c·xT 4096"),
        (100, 256, 128, false, true, true, "km c·xT 256"),
    ];
    for &(m, n, k, a_t, b_t, acc, label) in cases {
        let a = vec![1.0f32; m * k];
        let b = vec![1.0f32; k * n];
        let mut c = vec![0.0f32; m * n];
        // a_t: a is stored transposed (k × m row-major); b_t: b stored transposed (n × k row-major).
        let (a_rs, a_cs) = if a_t { (1isize, m as isize) } else { (k as isize, 1) };
        let (b_rs, b_cs) = if b_t { (1isize, k as isize) } else { (n as isize, 1) };
        let reps = (2e9 / (2 * m * n * k) as f64).ceil() as usize;
        let mut best = f64::INFINITY;
        for _ in 0..5 {
            let t = Instant::now();
            for _ in 0..reps {
                unsafe {
                    gemm::gemm(m, n, k, c.as_mut_ptr(), 1, n as isize, acc, a.as_ptr(), a_cs, a_rs, b.as_ptr(), b_cs, b_rs, 1.0, 1.0, false, false, false, gemm::Parallelism::None);
                }
            }
            best = best.min(t.elapsed().as_secs_f64() / reps as f64);
        }
        println!("{label:<22} m {m:5} n {n:5} k {k:5}: {:6.1} GFLOPS", 2.0 * (m * n * k) as f64 / best / 1e9);
    }
}
