//! DeepCluster's uniform sampling over pseudo-labels (Caron et al. 2018, §3.4, "Trivial
//! parametrization"; `UnifLabelSampler` in the authors' code): an epoch draws the same number of
//! images from every non-empty cluster, so one huge cluster cannot dominate the classification
//! loss and the network is not pushed to put everything in it.

use rand::seq::{IndexedRandom, SliceRandom};
use rand::Rng;

/// `n` item indices drawn so that each non-empty cluster of `labels` (values `< k`) gives about
/// `n / clusters` of them, shuffled. A cluster at least that large gives distinct items; a smaller
/// one is drawn with replacement, as the authors do.
pub fn uniform_over_clusters(labels: &[u32], k: usize, n: usize, rng: &mut impl Rng) -> Vec<usize> {
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); k];
    for (i, &l) in labels.iter().enumerate() {
        members[l as usize].push(i);
    }
    members.retain(|m| !m.is_empty());
    if members.is_empty() || n == 0 {
        return Vec::new();
    }
    let per_cluster = n.div_ceil(members.len());
    let mut out = Vec::with_capacity(per_cluster * members.len());
    for m in &members {
        if m.len() >= per_cluster {
            out.extend(m.choose_multiple(rng, per_cluster).copied());
        } else {
            out.extend((0..per_cluster).map(|_| m[rng.random_range(0..m.len())]));
        }
    }
    out.shuffle(rng);
    out.truncate(n);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn every_cluster_is_drawn_about_equally() {
        // Clusters of 1, 10, 89 and 900 items, and cluster 4 empty.
        let sizes = [1usize, 10, 89, 900, 0];
        let labels: Vec<u32> = sizes.iter().enumerate().flat_map(|(c, &s)| std::iter::repeat_n(c as u32, s)).collect();
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let drawn = uniform_over_clusters(&labels, 5, 1000, &mut rng);
        assert_eq!(drawn.len(), 1000);
        let mut counts = [0usize; 5];
        for &i in &drawn {
            counts[labels[i] as usize] += 1;
        }
        // 250 each before the final truncation of 0 items (1000 = 4 · 250); the empty one gets none.
        assert_eq!(counts, [250, 250, 250, 250, 0]);
        // The big cluster gives distinct items; the singleton repeats its only one.
        let big: std::collections::HashSet<usize> = drawn.iter().copied().filter(|&i| labels[i] == 3).collect();
        assert_eq!(big.len(), 250);
        // Shuffled: the first 100 draws already mix all four clusters.
        let head: std::collections::HashSet<u32> = drawn[..100].iter().map(|&i| labels[i]).collect();
        assert_eq!(head.len(), 4);
    }

    #[test]
    fn uneven_totals_stay_close_to_uniform() {
        let labels: Vec<u32> = (0..997u32).map(|i| if i < 900 { 0 } else { 1 + i % 6 }).collect();
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let drawn = uniform_over_clusters(&labels, 7, 997, &mut rng);
        assert_eq!(drawn.len(), 997);
        let mut counts = [0usize; 7];
        for &i in &drawn {
            counts[labels[i] as usize] += 1;
        }
        // ⌈997 / 7⌉ = 143 per cluster, 4 dropped by the truncation.
        assert!(counts.iter().all(|&c| (139..=143).contains(&c)), "{counts:?}");
        assert!(uniform_over_clusters(&[], 3, 10, &mut rng).is_empty());
    }
}
