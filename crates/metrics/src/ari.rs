//! Adjusted Rand index of two labellings (Hubert & Arabie 1985, "Comparing partitions"),
//! from the pair-confusion counts as scikit-learn computes it.

use crate::contingency::Contingency;
use crate::error::MetricError;

/// Rand index corrected for chance: 1 for identical partitions (up to relabelling), about 0 for
/// independent ones, and negative when agreement is below chance.
///
/// Pair counts are exact integers (`u128`); partitions that agree on every pair (including the
/// degenerate all-one-cluster and all-singletons cases) score 1.0, as in scikit-learn.
pub fn ari(a: &[u32], b: &[u32]) -> Result<f64, MetricError> {
    let c = Contingency::new("ari", a, b)?;
    let n = c.n as u128;
    let sq = |v: u64| (v as u128) * (v as u128);
    let sum_squares: u128 = c.counts.iter().map(|&v| sq(v)).sum();
    let sa: u128 = c.row_sums().into_iter().map(sq).sum();
    let sb: u128 = c.col_sums().into_iter().map(sq).sum();
    // Ordered pairs of distinct points: together in both, in a only, in b only, in neither.
    let both = sum_squares - n;
    let only_a = sa - sum_squares;
    let only_b = sb - sum_squares;
    // Added before subtracting: n² − sa − sb alone can go below zero.
    let neither = n * n + sum_squares - sa - sb;
    if only_a == 0 && only_b == 0 {
        return Ok(1.0);
    }
    let (tp, fp, fn_, tn) = (both as f64, only_a as f64, only_b as f64, neither as f64);
    Ok(2.0 * (tp * tn - fn_ * fp) / ((tp + fn_) * (fn_ + tn) + (tp + fp) * (fp + tn)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_up_to_relabelling_is_one() {
        assert_eq!(ari(&[0, 0, 1, 1, 2], &[7, 7, 3, 3, 0]).unwrap(), 1.0);
        assert_eq!(ari(&[0, 0, 0], &[1, 1, 1]).unwrap(), 1.0);
        assert_eq!(ari(&[0, 1, 2], &[2, 0, 1]).unwrap(), 1.0);
    }

    #[test]
    fn hand_computed() {
        // a = [0,0,0,1,1,1], b = [0,0,1,1,2,2]. Contingency rows a: [2,1,0], [0,1,2].
        // Σ C(n_ij,2) = 1 + 0 + 0 + 0 + 0 + 1 = 2; Σ C(a_i,2) = 3 + 3 = 6; Σ C(b_j,2) = 1+1+1 = 3;
        // C(6,2) = 15; expected = 6·3/15 = 1.2; max = (6+3)/2 = 4.5;
        // ARI = (2 − 1.2) / (4.5 − 1.2) = 0.8 / 3.3.
        let got = ari(&[0, 0, 0, 1, 1, 1], &[0, 0, 1, 1, 2, 2]).unwrap();
        assert!((got - 0.8 / 3.3).abs() < 1e-12, "{got}");
    }

    #[test]
    fn matches_scikit_learn() {
        // Reference: sklearn 1.9.1,
        // adjusted_rand_score([0,0,0,1,1,1,2,2,2,2], [0,0,1,1,1,2,2,2,0,0])
        let a = [0, 0, 0, 1, 1, 1, 2, 2, 2, 2];
        let b = [0, 0, 1, 1, 1, 2, 2, 2, 0, 0];
        let got = ari(&a, &b).unwrap();
        assert!((got - SKLEARN_ARI).abs() < 1e-12, "{got}");
        assert!((ari(&b, &a).unwrap() - got).abs() < 1e-15);
    }
    const SKLEARN_ARI: f64 = 0.09090909090909091;

    #[test]
    fn below_chance_is_negative() {
        // Each a-cluster is split evenly across b-clusters and vice versa.
        // sklearn gives -0.5 here too.
        assert!((ari(&[0, 0, 1, 1], &[0, 1, 0, 1]).unwrap() + 0.5).abs() < 1e-12);
    }

    #[test]
    fn rejects_bad_input() {
        assert!(matches!(
            ari(&[0, 1], &[0]),
            Err(MetricError::LengthMismatch { .. })
        ));
    }
}
