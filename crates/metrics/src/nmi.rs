//! Normalised mutual information of two labellings, with the arithmetic-mean normaliser
//! (Strehl & Ghosh 2002; the same definition and limit cases as scikit-learn's default).

use crate::contingency::Contingency;
use crate::error::MetricError;

/// `MI(a, b) / ((H(a) + H(b)) / 2)`, in natural-log units (the ratio does not depend on the base).
///
/// Limit cases follow scikit-learn: two labellings that each put everything in one cluster are
/// a perfect match (1.0); otherwise zero mutual information gives 0.0.
pub fn nmi(a: &[u32], b: &[u32]) -> Result<f64, MetricError> {
    let c = Contingency::new("nmi", a, b)?;
    if c.rows == 1 && c.cols == 1 {
        return Ok(1.0);
    }
    let n = c.n as f64;
    let (ra, cb) = (c.row_sums(), c.col_sums());
    let mut mi = 0.0;
    for (row, &a) in c.counts.chunks(c.cols).zip(&ra) {
        for (&nij, &b) in row.iter().zip(&cb) {
            if nij > 0 {
                let nij = nij as f64;
                mi += nij / n * (n * nij / (a as f64 * b as f64)).ln();
            }
        }
    }
    // Rounding can leave independent labellings a hair below zero.
    let mi = mi.max(0.0);
    if mi == 0.0 {
        return Ok(0.0);
    }
    let mean_h = (entropy(&ra, n) + entropy(&cb, n)) / 2.0;
    Ok((mi / mean_h).min(1.0))
}

fn entropy(counts: &[u64], n: f64) -> f64 {
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = c as f64 / n;
            -p * p.ln()
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_up_to_relabelling_is_one() {
        let a = [0, 0, 1, 1, 2, 2, 2];
        let b = [4, 4, 0, 0, 1, 1, 1];
        assert!((nmi(&a, &b).unwrap() - 1.0).abs() < 1e-12);
        assert_eq!(nmi(&[3, 3, 3], &[1, 1, 1]).unwrap(), 1.0);
    }

    #[test]
    fn independent_is_zero() {
        // Every (a, b) pair occurs equally often: the joint is the product of the marginals.
        let a = [0, 0, 1, 1, 0, 0, 1, 1];
        let b = [0, 1, 0, 1, 2, 3, 2, 3];
        assert!(nmi(&a, &b).unwrap().abs() < 1e-12);
        // One side constant, the other not: no information shared.
        assert_eq!(nmi(&[0, 0, 0, 0], &[0, 1, 2, 3]).unwrap(), 0.0);
    }

    #[test]
    fn matches_scikit_learn() {
        // Reference: sklearn 1.9.1,
        // normalized_mutual_info_score([0,0,0,1,1,1,2,2,2,2], [0,0,1,1,1,2,2,2,0,0])
        let a = [0, 0, 0, 1, 1, 1, 2, 2, 2, 2];
        let b = [0, 0, 1, 1, 1, 2, 2, 2, 0, 0];
        let got = nmi(&a, &b).unwrap();
        assert!((got - SKLEARN_NMI).abs() < 1e-12, "{got}");
        // The score is symmetric.
        assert!((nmi(&b, &a).unwrap() - got).abs() < 1e-15);
    }
    const SKLEARN_NMI: f64 = 0.3946483716358942;

    #[test]
    fn hand_computed() {
        // a = [0,0,1,1], b = [0,0,0,1]: MI = ½ln2 + ¼ln(2/3)·... computed in full:
        // p(0,0)=½ (pa=½, pb=¾) → ½·ln(½/(½·¾)) = ½·ln(4/3)
        // p(1,0)=¼ (pa=½, pb=¾) → ¼·ln(¼/(½·¾)) = ¼·ln(2/3)
        // p(1,1)=¼ (pa=½, pb=¼) → ¼·ln(¼/(½·¼)) = ¼·ln 2
        // H(a) = ln 2, H(b) = -(¾ln¾ + ¼ln¼).
        let mi = 0.5 * (4.0f64 / 3.0).ln() + 0.25 * (2.0f64 / 3.0).ln() + 0.25 * 2f64.ln();
        let hb = -(0.75 * 0.75f64.ln() + 0.25 * 0.25f64.ln());
        let want = mi / ((2f64.ln() + hb) / 2.0);
        let got = nmi(&[0, 0, 1, 1], &[0, 0, 0, 1]).unwrap();
        assert!((got - want).abs() < 1e-12);
        // sklearn 1.9.1 agrees: normalized_mutual_info_score([0,0,1,1], [0,0,0,1]).
        assert!((got - 0.3437110184854508).abs() < 1e-12);
    }

    #[test]
    fn rejects_bad_input() {
        assert!(matches!(
            nmi(&[0], &[0, 1]),
            Err(MetricError::LengthMismatch { .. })
        ));
        assert!(matches!(nmi(&[], &[]), Err(MetricError::Empty { .. })));
    }
}
