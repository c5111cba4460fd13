//! Linear assignment by the Jonker-Volgenant algorithm (Jonker & Volgenant 1987, "A shortest
//! augmenting path algorithm for dense and sparse linear assignment problems"), via `lapjv`.
//!
//! `lapjv` works on `f64` directly and was the fastest of the crates measured
//! (`examples/bench_assign.rs`: lapjv, lsap, pathfinding's Kuhn-Munkres). It solves square
//! problems, so a rectangular one is padded with zero-cost dummy rows, which take the columns
//! no real row gets and add the same constant to every assignment.

use ndarray::Array2;

use crate::error::MetricError;

const WHAT: &str = "linear assignment";

/// Assigns each row a distinct column, maximising the summed weight.
///
/// `weights` is row-major, `rows × cols`, with `rows <= cols`; returns the column of each row.
/// Weights must be finite.
pub fn assign_max(weights: &[f64], rows: usize, cols: usize) -> Result<Vec<usize>, MetricError> {
    check(weights, rows, cols)?;
    let costs: Vec<f64> = weights.iter().map(|&v| -v).collect();
    solve(&costs, rows, cols)
}

/// Assigns each row a distinct column, minimising the summed cost (see [`assign_max`]).
pub fn assign_min(costs: &[f64], rows: usize, cols: usize) -> Result<Vec<usize>, MetricError> {
    check(costs, rows, cols)?;
    solve(costs, rows, cols)
}

fn check(w: &[f64], rows: usize, cols: usize) -> Result<(), MetricError> {
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
        return Err(MetricError::invalid(
            WHAT,
            format!(
                "weight {i} (row {}, column {}) is {}",
                i / cols,
                i % cols,
                w[i]
            ),
        ));
    }
    Ok(())
}

/// Minimises over validated costs.
fn solve(costs: &[f64], rows: usize, cols: usize) -> Result<Vec<usize>, MetricError> {
    if rows == 0 {
        return Ok(Vec::new());
    }
    let keep = candidate_columns(costs, rows, cols);
    let n = keep.len();
    // Real rows restricted to the kept columns, then zero-cost dummy rows up to a square.
    let mut square = Array2::<f64>::zeros((n, n));
    for r in 0..rows {
        let row = &costs[r * cols..(r + 1) * cols];
        for (k, &c) in keep.iter().enumerate() {
            square[(r, k)] = row[c];
        }
    }
    let (row_to_col, _) = lapjv::lapjv(&square)
        .map_err(|e| MetricError::invalid(WHAT, format!("solver failed: {e}")))?;
    Ok(row_to_col[..rows].iter().map(|&k| keep[k]).collect())
}

/// The columns some optimal assignment is confined to: each row's `rows` cheapest ones.
///
/// A row assigned outside its `rows` cheapest columns could move to one of them, since the other
/// rows hold at most `rows - 1`, without raising the cost. So a short, wide problem (e.g. 10
/// classes against 10,000 clusters) shrinks to at most `rows²` columns instead of being padded
/// to a `cols × cols` square.
fn candidate_columns(costs: &[f64], rows: usize, cols: usize) -> Vec<usize> {
    if rows.saturating_mul(rows) >= cols {
        return (0..cols).collect();
    }
    let mut keep = vec![false; cols];
    let mut idx: Vec<usize> = Vec::with_capacity(cols);
    for r in 0..rows {
        let row = &costs[r * cols..(r + 1) * cols];
        idx.clear();
        idx.extend(0..cols);
        idx.select_nth_unstable_by(rows - 1, |&a, &b| row[a].total_cmp(&row[b]));
        for &c in &idx[..rows] {
            keep[c] = true;
        }
    }
    (0..cols).filter(|&c| keep[c]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn total(w: &[f64], cols: usize, a: &[usize]) -> f64 {
        a.iter().enumerate().map(|(r, &c)| w[r * cols + c]).sum()
    }

    /// All injective row → column maps, for brute-force checks on tiny matrices.
    fn best_by_brute_force(w: &[f64], rows: usize, cols: usize, maximise: bool) -> f64 {
        fn rec(
            w: &[f64],
            r: usize,
            rows: usize,
            cols: usize,
            used: &mut Vec<bool>,
            acc: f64,
            best: &mut Vec<f64>,
        ) {
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
        all.into_iter().fold(
            if maximise {
                f64::NEG_INFINITY
            } else {
                f64::INFINITY
            },
            |b, v| {
                if maximise {
                    b.max(v)
                } else {
                    b.min(v)
                }
            },
        )
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

    /// A fixed pseudo-random sequence (LCG), so the cases are reproducible without an RNG crate.
    struct Lcg(u64);
    impl Lcg {
        fn unit(&mut self) -> f64 {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (self.0 >> 11) as f64 / (1u64 << 53) as f64
        }
    }

    fn check_against_brute_force(w: &[f64], rows: usize, cols: usize) {
        for maximise in [true, false] {
            let a = if maximise {
                assign_max(w, rows, cols)
            } else {
                assign_min(w, rows, cols)
            }
            .unwrap();
            assert_eq!(a.len(), rows);
            let mut seen = a.clone();
            seen.sort();
            seen.dedup();
            assert_eq!(seen.len(), rows, "columns must be distinct: {a:?}");
            assert!(a.iter().all(|&c| c < cols));
            let best = best_by_brute_force(w, rows, cols, maximise);
            let got = total(w, cols, &a);
            assert!(
                (got - best).abs() < 1e-9,
                "{rows}×{cols} max={maximise}: {got} vs {best} for {w:?}"
            );
        }
    }

    #[test]
    fn matches_brute_force_on_random_rectangles() {
        let mut rng = Lcg(12345);
        // (2, 7) and (3, 12) are wide enough to take the candidate-column reduction.
        for (rows, cols) in [(3, 3), (3, 5), (5, 6), (6, 6), (1, 4), (2, 7), (3, 12)] {
            for _ in 0..20 {
                let w: Vec<f64> = (0..rows * cols).map(|_| rng.unit() * 10.0 - 5.0).collect();
                check_against_brute_force(&w, rows, cols);
            }
        }
    }

    #[test]
    fn matches_brute_force_with_many_ties() {
        // Small integer weights, mostly zero, like contingency tables: the degenerate case
        // where solvers' tie handling goes wrong.
        let mut rng = Lcg(99);
        for (rows, cols) in [(4, 4), (5, 5), (3, 6), (2, 9), (6, 7)] {
            for _ in 0..50 {
                let w: Vec<f64> = (0..rows * cols)
                    .map(|_| {
                        if rng.unit() < 0.6 {
                            0.0
                        } else {
                            (rng.unit() * 4.0).floor()
                        }
                    })
                    .collect();
                check_against_brute_force(&w, rows, cols);
            }
        }
        check_against_brute_force(&[0.0; 20], 4, 5);
        check_against_brute_force(&[1.0; 9], 3, 3);
    }

    #[test]
    fn small_weight_differences_decide() {
        // The swap wins by 2e-9.
        let w = [1.0 - 1e-9, 1.0, 1e-9, 0.0];
        assert_eq!(assign_max(&w, 2, 2).unwrap(), vec![1, 0]);
    }

    #[test]
    fn wide_problem_is_reduced_not_padded() {
        // 3 rows against 200,000 columns would need a 200,000² square (320 GB) if padded;
        // the reduction keeps at most 9 columns. Row r prefers column 1000·(r+1).
        let (rows, cols) = (3, 200_000);
        let mut w = vec![0.0; rows * cols];
        for r in 0..rows {
            w[r * cols + 1000 * (r + 1)] = 1.0;
            w[r * cols + 5] = 0.5;
        }
        assert_eq!(assign_max(&w, rows, cols).unwrap(), vec![1000, 2000, 3000]);
    }

    #[test]
    fn rejects_bad_shapes_and_values() {
        assert!(assign_max(&[1.0, 2.0, 3.0], 2, 2).is_err());
        assert!(assign_max(&[1.0, 2.0], 2, 1).is_err());
        assert!(assign_max(&[1.0, f64::NAN], 1, 2).is_err());
        assert!(assign_min(&[1.0, f64::INFINITY], 1, 2).is_err());
        assert!(assign_max(&[], 0, 3).unwrap().is_empty());
    }
}
