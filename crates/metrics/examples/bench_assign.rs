//! Time per linear-assignment solve on random weights, at the sizes Noise As Targets uses.
//!
//! Compares `assign_max` (lapjv) with lsap (a port of scipy's `linear_sum_assignment`) and
//! pathfinding's Kuhn-Munkres (on weights quantised to i64, as it needs `Ord`). Run:
//! `cargo run --release -p pipeline-metrics --example bench_assign`

use std::time::Instant;

use pathfinding::prelude::{kuhn_munkres, Matrix};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Fastest of `reps` solves, in seconds: the least disturbed by other load on the machine.
fn time<T>(reps: usize, mut f: impl FnMut() -> T) -> (f64, T) {
    let mut out = f();
    let mut best = f64::INFINITY;
    for _ in 0..reps {
        let t = Instant::now();
        out = f();
        best = best.min(t.elapsed().as_secs_f64());
    }
    (best, out)
}

fn total(w: &[f64], n: usize, a: &[usize]) -> f64 {
    a.iter().enumerate().map(|(r, &c)| w[r * n + c]).sum()
}

/// Kuhn-Munkres on weights in [0, 1) scaled to 2^62 / (2n)² integer steps, so label sums cannot overflow.
fn pathfinding_max(w: &[f64], n: usize) -> Vec<usize> {
    let steps = (1u64 << 62) as f64 / (4 * n * n) as f64;
    let q = w.iter().map(|&v| (v * steps).round() as i64).collect();
    kuhn_munkres(&Matrix::from_vec(n, n, q).unwrap()).1
}

fn main() {
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    println!("random uniform [0, 1) weights, maximising; fastest time per solve");
    for (n, reps) in [(64, 200), (256, 30), (1024, 7)] {
        let w: Vec<f64> = (0..n * n).map(|_| rng.random::<f64>()).collect();
        let (t_jv, a_jv) = time(reps, || pipeline_metrics::assign_max(&w, n, n).unwrap());
        let (t_ls, a_ls) = time(reps, || lsap::solve(n, n, &w, true).unwrap().1);
        let (t_pf, a_pf) = time(reps, || pathfinding_max(&w, n));
        println!(
            "n = {n:4}: assign_max (lapjv) {:8.3} ms | lsap {:8.3} ms | pathfinding {:8.3} ms | totals {:.9} {:.9} {:.9}",
            t_jv * 1e3,
            t_ls * 1e3,
            t_pf * 1e3,
            total(&w, n, &a_jv),
            total(&w, n, &a_ls),
            total(&w, n, &a_pf)
        );
    }
}
