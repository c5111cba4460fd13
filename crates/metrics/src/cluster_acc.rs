//! Unsupervised clustering accuracy: the best one-to-one map of clusters to classes
//! (the Hungarian matching of the contingency table, as in Xie et al. 2016, "Unsupervised Deep Embedding for Clustering Analysis").

use crate::assignment::assign_max;
use crate::contingency::Contingency;
use crate::error::MetricError;

/// Fraction of points whose cluster maps to their class under the best one-to-one mapping.
///
/// The number of clusters may differ from the number of classes: with more clusters than
/// classes, the clusters left unmatched count as wrong; with fewer, the unmatched classes do.
pub fn cluster_accuracy(assign: &[u32], truth: &[u32]) -> Result<f64, MetricError> {
    let c = Contingency::new("cluster_accuracy", assign, truth)?;
    // The assignment needs rows <= cols, so put the smaller side on the rows.
    let (rows, cols, w): (usize, usize, Vec<f64>) = if c.rows <= c.cols {
        (c.rows, c.cols, c.counts.iter().map(|&v| v as f64).collect())
    } else {
        let t = (0..c.cols)
            .flat_map(|j| (0..c.rows).map(move |i| (i, j)))
            .map(|(i, j)| c.counts[i * c.cols + j] as f64)
            .collect();
        (c.cols, c.rows, t)
    };
    let matched: f64 = assign_max(&w, rows, cols)?
        .iter()
        .enumerate()
        .map(|(r, &col)| w[r * cols + col])
        .sum();
    Ok(matched / c.n as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permuted_labels_are_perfect() {
        let truth = [0, 0, 1, 1, 2, 2, 2];
        let assign = [5, 5, 0, 0, 9, 9, 9];
        assert_eq!(cluster_accuracy(&assign, &truth).unwrap(), 1.0);
    }

    #[test]
    fn hand_computed_case() {
        // Contingency (cluster × class): c0 = {a:3, b:1}, c1 = {a:2, b:0}, c2 = {b:4}.
        // Best: c0→a (3) + c2→b (4) = 7 of 10, c1 unmatched; the alternatives give 6 or 3.
        let assign = [0, 0, 0, 0, 1, 1, 2, 2, 2, 2];
        let truth = [0, 0, 0, 1, 0, 0, 1, 1, 1, 1];
        assert!((cluster_accuracy(&assign, &truth).unwrap() - 0.7).abs() < 1e-12);
    }

    #[test]
    fn optimal_mapping_beats_greedy() {
        // Greedy row-by-row max picks c0→x (5), then c1 can only take y (1): 6 of 14.
        // The optimum is c0→y (4) + c1→x (5) = 9 of 14.
        let mut assign = vec![];
        let mut truth = vec![];
        for (c, t, k) in [(0u32, 0u32, 5), (0, 1, 4), (1, 0, 5), (1, 1, 0)] {
            assign.extend(std::iter::repeat_n(c, k));
            truth.extend(std::iter::repeat_n(t, k));
        }
        let acc = cluster_accuracy(&assign, &truth).unwrap();
        assert!((acc - 9.0 / 14.0).abs() < 1e-12, "{acc}");
    }

    #[test]
    fn more_clusters_than_classes_counts_extras_wrong() {
        // Four clusters, two classes: only two clusters can be matched.
        let assign = [0, 0, 1, 1, 2, 3];
        let truth = [0, 0, 1, 1, 0, 1];
        assert!((cluster_accuracy(&assign, &truth).unwrap() - 4.0 / 6.0).abs() < 1e-12);
        // And fewer clusters than classes.
        let assign = [0, 0, 0, 1, 1, 1];
        let truth = [0, 0, 2, 1, 1, 1];
        assert!((cluster_accuracy(&assign, &truth).unwrap() - 5.0 / 6.0).abs() < 1e-12);
    }

    #[test]
    fn rejects_mismatched_lengths() {
        assert!(matches!(
            cluster_accuracy(&[0, 1], &[0]),
            Err(MetricError::LengthMismatch { .. })
        ));
    }
}
