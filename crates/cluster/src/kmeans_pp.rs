//! k-means++ seeding (Arthur & Vassilvitskii 2007, "k-means++: The Advantages of Careful Seeding"),
//! in scikit-learn's greedy form: each step draws 2 + ⌊ln k⌋ candidates and keeps the best.

use candle_core::{Tensor, D};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::error::ClusterError;
use crate::input::finite_matrix;
use crate::step::Points;

/// `k` initial centroids (`k × d`) drawn from the rows of `x` (`n × d`), reproducibly from `seed`.
pub fn kmeans_plus_plus(x: &Tensor, k: usize, seed: u64) -> Result<Tensor, ClusterError> {
    let p = Points::new(finite_matrix("k-means++", x)?)?;
    if k == 0 || k > p.n {
        return Err(ClusterError::invalid(
            "k-means++",
            format!(
                "k = {k} must be between 1 and the number of points, {}",
                p.n
            ),
        ));
    }
    let c = seed_centroids(&p, k, seed)?;
    Ok(Tensor::from_vec(c, (k, p.d), p.x.device())?)
}

/// The seeding on prepared points; returns the centroids on the host, `k × d` row-major.
pub(crate) fn seed_centroids(p: &Points, k: usize, seed: u64) -> Result<Vec<f32>, ClusterError> {
    let (x, n) = (&p.x, p.n);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let trials = 2 + (k as f64).ln() as usize;
    let xt = x.t()?;
    let x_sq_row = Tensor::from_slice(&p.sq, (1, n), x.device())?;
    // Squared distances from the rows of `pts` (m × d) to every point: m × n.
    let dist_to_all = |pts: &Tensor| -> Result<Tensor, ClusterError> {
        let p_sq = pts.sqr()?.sum_keepdim(1)?;
        Ok(pts
            .matmul(&xt)?
            .affine(-2.0, 0.0)?
            .broadcast_add(&x_sq_row)?
            .broadcast_add(&p_sq)?
            .relu()?)
    };

    let first = rng.random_range(0..n) as u32;
    let mut chosen = vec![first];
    let mut closest = dist_to_all(&x.narrow(0, first as usize, 1)?)?; // 1 × n
    let mut host: Vec<f32> = closest.flatten_all()?.to_vec1()?;
    while chosen.len() < k {
        let cum: Vec<f64> = host
            .iter()
            .scan(0.0f64, |s, &v| {
                *s += v as f64;
                Some(*s)
            })
            .collect();
        let pot = *cum.last().expect("n > 0");
        // D² sampling: the first point whose cumulative weight exceeds u·pot, so points already
        // at a centroid (weight 0) are never drawn unless every point is.
        let ids: Vec<u32> = (0..trials)
            .map(|_| {
                let r = rng.random::<f64>() * pot;
                cum.partition_point(|&c| c <= r).min(n - 1) as u32
            })
            .collect();
        let cand = x.index_select(&Tensor::new(ids.as_slice(), x.device())?, 0)?;
        let with_cand = dist_to_all(&cand)?.broadcast_minimum(&closest)?; // trials × n
        let pots: Vec<f32> = with_cand.sum(D::Minus1)?.to_vec1()?;
        let best = pots
            .iter()
            .enumerate()
            .min_by(|a, b| a.1.total_cmp(b.1))
            .map(|(i, _)| i)
            .expect("trials > 0");
        chosen.push(ids[best]);
        closest = with_cand.narrow(0, best, 1)?;
        host = closest.flatten_all()?.to_vec1()?;
    }
    Ok(
        x.index_select(&Tensor::new(chosen.as_slice(), x.device())?, 0)?
            .flatten_all()?
            .to_vec1()?,
    )
}
