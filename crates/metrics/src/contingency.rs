//! The contingency table of two labellings: the shared ground of cluster ACC, NMI and ARI.

use crate::error::{check_pair, MetricError};

/// Counts of co-occurring labels; rows are the distinct labels of `a`, columns those of `b`,
/// both in increasing label order. Labels need not be contiguous.
pub(crate) struct Contingency {
    pub rows: usize,
    pub cols: usize,
    /// Row-major `rows × cols`.
    pub counts: Vec<u64>,
    pub n: u64,
}

impl Contingency {
    pub fn new(what: &'static str, a: &[u32], b: &[u32]) -> Result<Self, MetricError> {
        check_pair(what, a, b)?;
        let (ia, rows) = dense(a);
        let (ib, cols) = dense(b);
        let mut counts = vec![0u64; rows * cols];
        for (&i, &j) in ia.iter().zip(&ib) {
            counts[i * cols + j] += 1;
        }
        Ok(Contingency {
            rows,
            cols,
            counts,
            n: a.len() as u64,
        })
    }

    pub fn row_sums(&self) -> Vec<u64> {
        self.counts
            .chunks(self.cols)
            .map(|r| r.iter().sum())
            .collect()
    }

    pub fn col_sums(&self) -> Vec<u64> {
        let mut s = vec![0u64; self.cols];
        for r in self.counts.chunks(self.cols) {
            for (acc, &v) in s.iter_mut().zip(r) {
                *acc += v;
            }
        }
        s
    }
}

/// Maps arbitrary labels to `0..distinct`, returning the indices and the number of distinct labels.
fn dense(labels: &[u32]) -> (Vec<usize>, usize) {
    let mut uniq = labels.to_vec();
    uniq.sort_unstable();
    uniq.dedup();
    let idx = labels
        .iter()
        .map(|l| uniq.binary_search(l).expect("label is in its own set"))
        .collect();
    (idx, uniq.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_with_sparse_labels() {
        let c = Contingency::new("t", &[7, 7, 3, 3, 3], &[0, 9, 9, 9, 0]).unwrap();
        // rows: a-labels 3, 7; cols: b-labels 0, 9
        assert_eq!((c.rows, c.cols, c.n), (2, 2, 5));
        assert_eq!(c.counts, vec![1, 2, 1, 1]);
        assert_eq!(c.row_sums(), vec![3, 2]);
        assert_eq!(c.col_sums(), vec![2, 3]);
    }
}
