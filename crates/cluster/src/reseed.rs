//! Empty-cluster handling: DeepCluster's split re-seeding during Lloyd iterations (Caron et al.
//! 2018, "Deep Clustering for Unsupervised Learning of Visual Features", after faiss), and a
//! last-resort move of the farthest points so that no cluster is returned empty.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// Relative size of the symmetric perturbation that splits a copied centroid (faiss's value).
const SPLIT_EPS: f32 = 1.0 / 1024.0;

/// Re-seeds every empty cluster by splitting a populated one, in place on host centroids
/// (`counts.len() × d`, row-major). Returns how many clusters were re-seeded.
///
/// The cluster to split is drawn with probability proportional to its size minus one, as faiss
/// does, so singletons (which cannot be split) are never chosen. The empty cluster copies its
/// centroid and the two are pushed apart by a factor 1 ± ε, alternating sign per coordinate, so
/// the next assignment step shares the points between them.
pub(crate) fn split_empty(
    centroids: &mut [f32],
    counts: &mut [u64],
    d: usize,
    rng: &mut ChaCha8Rng,
) -> usize {
    let k = counts.len();
    let mut reseeded = 0;
    for ci in 0..k {
        if counts[ci] != 0 {
            continue;
        }
        let spare: u64 = counts.iter().map(|&c| c.saturating_sub(1)).sum();
        if spare == 0 {
            // Fewer points than clusters: nothing can be split.
            break;
        }
        let mut r = rng.random_range(0..spare);
        let cj = counts
            .iter()
            .position(|&c| {
                let w = c.saturating_sub(1);
                if r < w {
                    true
                } else {
                    r -= w;
                    false
                }
            })
            .expect("r < total weight");
        let (src, dst) = (cj * d, ci * d);
        for j in 0..d {
            let v = centroids[src + j];
            let (a, b) = if j % 2 == 0 {
                (1.0 + SPLIT_EPS, 1.0 - SPLIT_EPS)
            } else {
                (1.0 - SPLIT_EPS, 1.0 + SPLIT_EPS)
            };
            centroids[dst + j] = v * a;
            centroids[src + j] = v * b;
        }
        // Assume the points split evenly, so later empties see the reduced sizes.
        counts[ci] = counts[cj] / 2;
        counts[cj] -= counts[ci];
        reseeded += 1;
    }
    reseeded
}

/// Gives every empty cluster one point after the final assignment (scikit-learn's relocation):
/// the points farthest from their centroids, taken only from clusters that keep at least one
/// point. Each moved point becomes its new cluster's centroid, at distance 0, so the labels remain
/// a nearest-centroid assignment (ties aside). Needs `n >= k`. Returns how many clusters were filled.
///
/// `row(i)` fetches point `i`'s coordinates.
pub(crate) fn fill_empty_with_farthest(
    labels: &mut [u32],
    dist: &mut [f32],
    centroids: &mut [f32],
    k: usize,
    mut row: impl FnMut(usize) -> Result<Vec<f32>, crate::ClusterError>,
) -> Result<usize, crate::ClusterError> {
    let d = centroids.len() / k;
    let mut counts = vec![0u64; k];
    for &l in labels.iter() {
        counts[l as usize] += 1;
    }
    let empty: Vec<usize> = (0..k).filter(|&c| counts[c] == 0).collect();
    if empty.is_empty() {
        return Ok(0);
    }
    let mut order: Vec<usize> = (0..labels.len()).collect();
    // Farthest first; ties by index keep it deterministic.
    order.sort_by(|&a, &b| dist[b].total_cmp(&dist[a]).then(a.cmp(&b)));
    let mut candidates = order.into_iter();
    let mut filled = 0;
    for c in empty {
        let Some(i) = candidates
            .by_ref()
            .find(|&i| counts[labels[i] as usize] >= 2)
        else {
            break;
        };
        counts[labels[i] as usize] -= 1;
        counts[c] = 1;
        labels[i] = c as u32;
        dist[i] = 0.0;
        centroids[c * d..(c + 1) * d].copy_from_slice(&row(i)?);
        filled += 1;
    }
    Ok(filled)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn split_copies_and_perturbs_symmetrically() {
        let mut c = vec![1.0, 2.0, 0.0, 0.0, 4.0, 8.0];
        let mut counts = vec![1, 0, 6];
        let mut rng = ChaCha8Rng::seed_from_u64(0);
        assert_eq!(split_empty(&mut c, &mut counts, 2, &mut rng), 1);
        // Cluster 0 is a singleton, so cluster 2 is the only one that can be split.
        let e = SPLIT_EPS;
        assert_eq!(&c[2..4], &[4.0 * (1.0 + e), 8.0 * (1.0 - e)]);
        assert_eq!(&c[4..6], &[4.0 * (1.0 - e), 8.0 * (1.0 + e)]);
        assert_eq!(counts, vec![1, 3, 3]);
    }

    #[test]
    fn farthest_points_fill_empty_clusters() {
        // Clusters 0 (3 points) and 1 (1 point); 2 empty. The farthest point of a cluster that
        // can spare one is point 2 (dist 9); point 3 is farther but alone in cluster 1.
        let mut labels = vec![0, 0, 0, 1];
        let mut dist = vec![1.0, 0.5, 9.0, 20.0];
        let mut c = vec![0.0; 3];
        let filled = fill_empty_with_farthest(&mut labels, &mut dist, &mut c, 3, |i| {
            Ok(vec![i as f32 * 10.0])
        })
        .unwrap();
        assert_eq!(filled, 1);
        assert_eq!(labels, vec![0, 0, 2, 1]);
        assert_eq!(dist[2], 0.0);
        assert_eq!(c[2], 20.0);
    }
}
