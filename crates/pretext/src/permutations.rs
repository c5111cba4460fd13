//! Jigsaw's permutation set (Noroozi & Favaro 2016, Algorithm 1): permutations of the tiles
//! chosen greedily so that the smallest Hamming distance between any two is as large as
//! possible; the class of a puzzle is the index of its permutation in the set.

use rand::Rng;

use crate::split::invalid;
use crate::PretextError;

/// Every permutation of `0..n` (n ≤ 9), in lexicographic order.
pub fn all_permutations(n: usize) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut p: Vec<u8> = (0..n as u8).collect();
    loop {
        out.push(p.clone());
        // Next lexicographic permutation.
        let Some(i) = (1..p.len()).rev().find(|&i| p[i - 1] < p[i]) else { return out };
        let j = (i..p.len()).rev().find(|&j| p[j] > p[i - 1]).expect("a larger element exists");
        p.swap(i - 1, j);
        p[i..].reverse();
    }
}

/// Positions where `a` and `b` differ.
pub fn hamming(a: &[u8], b: &[u8]) -> usize {
    a.iter().zip(b).filter(|(x, y)| x != y).count()
}

/// The smallest pairwise Hamming distance of a set.
pub fn min_distance(set: &[Vec<u8>]) -> usize {
    let mut best = usize::MAX;
    for (i, a) in set.iter().enumerate() {
        for b in &set[i + 1..] {
            best = best.min(hamming(a, b));
        }
    }
    best
}

/// A permutation set and the minimum Hamming distance the greedy choice guarantees for it.
#[derive(Debug, Clone, PartialEq)]
pub struct PermutationSet {
    pub perms: Vec<Vec<u8>>,
    pub min_distance: usize,
}

/// `count` permutations of `0..n` chosen greedily for maximal minimum Hamming distance: start
/// from a random one, then repeatedly add the candidate farthest (by its distance to the
/// nearest chosen one) from the set, ties broken at random. Each addition's distance is the
/// smallest so far, so the last one is the set's minimum distance.
pub fn maximal_set(n: usize, count: usize, rng: &mut impl Rng) -> Result<PermutationSet, PretextError> {
    let all = all_permutations(n);
    if count < 2 || count > all.len() {
        return Err(invalid(format!("a permutation set of {n} tiles holds 2 to {} permutations, not {count}", all.len())));
    }
    let mut dist = vec![u8::MAX; all.len()];
    let mut chosen = Vec::with_capacity(count);
    let mut next = rng.random_range(0..all.len());
    let mut claimed = usize::MAX;
    loop {
        chosen.push(all[next].clone());
        if chosen.len() > 1 {
            claimed = dist[next] as usize;
        }
        if chosen.len() == count {
            return Ok(PermutationSet { perms: chosen, min_distance: claimed });
        }
        let new = &all[next];
        let (mut best, mut ties) = (0u8, 0u32);
        for (j, cand) in all.iter().enumerate() {
            dist[j] = dist[j].min(hamming(cand, new) as u8);
            if dist[j] > best {
                (best, ties, next) = (dist[j], 1, j);
            } else if dist[j] == best && best > 0 {
                // Reservoir sampling: each tied candidate is kept with equal probability.
                ties += 1;
                if rng.random_range(0..ties) == 0 {
                    next = j;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{item_rng, Purpose};

    #[test]
    fn all_permutations_are_distinct_and_complete() {
        let p = all_permutations(4);
        assert_eq!(p.len(), 24);
        assert_eq!(p[0], vec![0, 1, 2, 3]);
        assert_eq!(p[23], vec![3, 2, 1, 0]);
        let mut q = p.clone();
        q.dedup();
        assert_eq!(q.len(), 24);
        assert_eq!(all_permutations(9).len(), 362_880);
    }

    #[test]
    fn greedy_set_has_its_claimed_minimum_distance() {
        let mut rng = item_rng(0, "jigsaw", Purpose::Setup, 0);
        for count in [10, 100] {
            let set = maximal_set(9, count, &mut rng).unwrap();
            assert_eq!(set.perms.len(), count);
            assert_eq!(min_distance(&set.perms), set.min_distance, "{count}");
        }
        // Sets of 100 of 9 tiles keep puzzles far apart; random picks would not.
        let d = maximal_set(9, 100, &mut rng).unwrap().min_distance;
        assert!(d >= 6, "{d}");
        // A greedy set of all 24 permutations of 4 must contain each exactly once.
        let mut all = maximal_set(4, 24, &mut rng).unwrap().perms;
        all.sort();
        all.dedup();
        assert_eq!(all.len(), 24);
        // Two permutations of 4 at maximal distance differ everywhere.
        assert_eq!(maximal_set(4, 2, &mut rng).unwrap().min_distance, 4);
        assert!(maximal_set(3, 7, &mut rng).is_err());
    }
}
