//! Classification accuracy and the confusion matrix of predicted against true labels.

use crate::error::{check_pair, MetricError};

/// Fraction of positions where `pred` equals `truth`.
pub fn accuracy(pred: &[u32], truth: &[u32]) -> Result<f64, MetricError> {
    let n = check_pair("accuracy", pred, truth)?;
    let hits = pred.iter().zip(truth).filter(|(p, t)| p == t).count();
    Ok(hits as f64 / n as f64)
}

/// Counts of (true class, predicted class) pairs: `m[truth][pred]`, an `n_classes`² table.
///
/// A label `>= n_classes` on either side is an error rather than being dropped silently.
pub fn confusion_matrix(
    pred: &[u32],
    truth: &[u32],
    n_classes: usize,
) -> Result<Vec<Vec<u64>>, MetricError> {
    check_pair("confusion_matrix", pred, truth)?;
    let mut m = vec![vec![0u64; n_classes]; n_classes];
    for (i, (&p, &t)) in pred.iter().zip(truth).enumerate() {
        let (p, t) = (p as usize, t as usize);
        if p >= n_classes || t >= n_classes {
            return Err(MetricError::invalid(
                "confusion_matrix",
                format!(
                    "label at index {i} (pred {p}, truth {t}) is not below n_classes = {n_classes}"
                ),
            ));
        }
        m[t][p] += 1;
    }
    Ok(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accuracy_counts_matches() {
        assert_eq!(accuracy(&[0, 1, 2, 2], &[0, 1, 1, 2]).unwrap(), 0.75);
        assert_eq!(accuracy(&[5], &[5]).unwrap(), 1.0);
    }

    #[test]
    fn accuracy_rejects_bad_input() {
        assert!(matches!(
            accuracy(&[0, 1], &[0]),
            Err(MetricError::LengthMismatch {
                left: 2,
                right: 1,
                ..
            })
        ));
        assert!(matches!(accuracy(&[], &[]), Err(MetricError::Empty { .. })));
    }

    #[test]
    fn confusion_rows_are_truth() {
        let m = confusion_matrix(&[0, 1, 1, 2], &[0, 0, 1, 2], 3).unwrap();
        assert_eq!(m, vec![vec![1, 1, 0], vec![0, 1, 0], vec![0, 0, 1]]);
        assert!(confusion_matrix(&[0, 3], &[0, 1], 3).is_err());
    }
}
