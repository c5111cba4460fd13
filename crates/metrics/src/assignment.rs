//! Linear assignment (Kuhn 1955, "The Hungarian method for the assignment problem"; Munkres 1957),
//! via `pathfinding`'s `kuhn_munkres` on weights quantised to `i64`.
//!
//! `kuhn_munkres` needs totally ordered weights, so the `f64` weights are shifted to start at 0
//! and scaled so that the weight range spans `2^62 / (rows + cols)^2` integer steps. Dual labels
//! stay within `(rows + cols)` times the range, so sums of labels cannot overflow. The price is
//! resolution: weights closer than `range * (rows + cols)^2 / 2^62` (about 1e-12 of the range at
//! 1024 × 1024, 6e-14 at 256 × 256) tie, and among tied optima any may be returned. That is far
//! below the precision of weights computed from `f32` features.

use pathfinding::prelude::{kuhn_munkres, Matrix};

use crate::error::MetricError;

/// Assigns each row a distinct column, maximising the summed weight.
///
/// `weights` is row-major, `rows × cols`, with `rows <= cols`; returns the column of each row.
pub fn assign_max(weights: &[f64], rows: usize, cols: usize) -> Result<Vec<usize>, MetricError> {
    assign(weights, rows, cols, false)
}

/// Assigns each row a distinct column, minimising the summed cost (see [`assign_max`]).
pub fn assign_min(costs: &[f64], rows: usize, cols: usize) -> Result<Vec<usize>, MetricError> {
    assign(costs, rows, cols, true)
}

fn assign(w: &[f64], rows: usize, cols: usize, minimise: bool) -> Result<Vec<usize>, MetricError> {
    const WHAT: &str = "linear assignment";
    if rows.checked_mul(cols) != Some(w.len()) {
        return Err(MetricError::invalid(
            WHAT,
            format!("{} weights do not form a {rows} × {cols} matrix", w.len()),
        ));
    }
    if rows > cols {
        return Err(MetricError::invalid(
            WHAT,
            format!("{rows} rows cannot each get a distinct one of {cols} columns (transpose it)"),
        ));
    }
    if let Some(i) = w.iter().position(|v| !v.is_finite()) {
        return Err(MetricError::invalid(WHAT, format!("weight {i} is {}", w[i])));
    }
    if rows == 0 {
        return Ok(Vec::new());
    }
    let (lo, hi) = w.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| (lo.min(v), hi.max(v)));
    if hi == lo {
        // Every assignment has the same total.
        return Ok((0..rows).collect());
    }
    let n = (rows + cols) as f64;
    let steps = (1u64 << 62) as f64 / (n * n);
    let scale = steps / (hi - lo);
    let q: Vec<i64> = w
        .iter()
        .map(|&v| {
            let s = ((v - lo) * scale).round() as i64;
            if minimise {
                -s
            } else {
                s
            }
        })
        .collect();
    let m = Matrix::from_vec(rows, cols, q).expect("size checked above");
    Ok(kuhn_munkres(&m).1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn total(w: &[f64], cols: usize, a: &[usize]) -> f64 {
        a.iter().enumerate().map(|(r, &c)| w[r * cols + c]).sum()
    }

    /// All injective row → column maps, for brute-force checks on tiny matrices.
    fn best_by_brute_force(w: &[f64], rows: usize, cols: usize, maximise: bool) -> f64 {
        fn rec(w: &[f64], r: usize, rows: usize, cols: usize, used: &mut Vec<bool>, acc: f64, best: &mut Vec<f64>) {
            if r == rows {
                best.push(acc);
                return;
            }
            for c in 0..cols {
                if !used[c] {
                    used[c] = true;
                    rec(w, r + 1, rows, cols, used, acc + w[r * cols + c], best);
                    used[c] = false;
                }
            }
        }
        let mut all = Vec::new();
        rec(w, 0, rows, cols, &mut vec![false; cols], 0.0, &mut all);
        all.into_iter().fold(if maximise { f64::NEG_INFINITY } else { f64::INFINITY }, |b, v| {
            if maximise { b.max(v) } else { b.min(v) }
        })
    }

    #[test]
    fn recovers_a_permutation() {
        // A diagonal of 1s permuted by [2, 0, 3, 1] among small noise.
        let perm = [2usize, 0, 3, 1];
        let mut w = vec![0.0; 16];
        for (r, &c) in perm.iter().enumerate() {
            w[r * 4 + c] = 1.0;
        }
        w[1] = 0.3;
        w[6] = 0.2;
        assert_eq!(assign_max(&w, 4, 4).unwrap(), perm);
        let costs: Vec<f64> = w.iter().map(|v| -v).collect();
        assert_eq!(assign_min(&costs, 4, 4).unwrap(), perm);
    }

    #[test]
    fn matches_brute_force_on_small_rectangles() {
        // A fixed pseudo-random sequence (LCG) so the case is reproducible without an RNG crate.
        let mut state = 12345u64;
        let mut next = || {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ((state >> 11) as f64 / (1u64 << 53) as f64) * 10.0 - 5.0
        };
        for (rows, cols) in [(3, 3), (3, 5), (5, 6), (6, 6), (1, 4)] {
            for _ in 0..5 {
                let w: Vec<f64> = (0..rows * cols).map(|_| next()).collect();
                let a = assign_max(&w, rows, cols).unwrap();
                let mut seen = a.clone();
                seen.sort();
                seen.dedup();
                assert_eq!(seen.len(), rows, "columns must be distinct");
                let best = best_by_brute_force(&w, rows, cols, true);
                assert!((total(&w, cols, &a) - best).abs() < 1e-9);
                let a = assign_min(&w, rows, cols).unwrap();
                let best = best_by_brute_force(&w, rows, cols, false);
                assert!((total(&w, cols, &a) - best).abs() < 1e-9);
            }
        }
    }

    #[test]
    fn tiny_weight_differences_survive_quantisation() {
        // Differences of 1e-9 on a range of 1 are well above the documented resolution.
        // The swap wins by 2e-9.
        let w = [1.0 - 1e-9, 1.0, 1e-9, 0.0];
        assert_eq!(assign_max(&w, 2, 2).unwrap(), vec![1, 0]);
    }

    #[test]
    fn rejects_bad_shapes_and_values() {
        assert!(assign_max(&[1.0, 2.0, 3.0], 2, 2).is_err());
        assert!(assign_max(&[1.0, 2.0], 2, 1).is_err());
        assert!(assign_max(&[1.0, f64::NAN], 1, 2).is_err());
        assert!(assign_max(&[], 0, 3).unwrap().is_empty());
        assert_eq!(assign_max(&[2.0; 6], 2, 3).unwrap(), vec![0, 1]);
    }
}
