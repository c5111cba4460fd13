//! `nat`: Noise As Targets (Bojanowski & Joulin 2017, "Unsupervised Learning by Predicting
//! Noise", ICML): map every image to its own fixed random target on the unit sphere.
//!
//! One target per training image is drawn uniformly on the sphere in `dim` dimensions and never
//! moves. The network (encoder, a linear projection to `dim`, L2 normalisation) is trained to
//! put each image on its assigned target (squared distance). The assignment is learned jointly:
//! every `reassign_every` epochs each batch first re-solves which of its images takes which of
//! its targets, the linear assignment that maximises Tr(P C f(X)ᵀ) (Hungarian / Jonker-Volgenant,
//! `pipeline_metrics::assign_max`), so images that look alike can swap onto nearby targets.
//! The per-epoch fraction of images whose target changed is the `changed` column of loss.csv.

use std::sync::Arc;

use candle_core::{Tensor, D};
use pipeline_nn::arch::Head;
use pipeline_nn::batch::EpochBatches;
use pipeline_nn::init::{reinit, stream};
use pipeline_nn::optim::OptimParams;
use rand_distr::{Distribution, StandardNormal};

use crate::artifact::Artifact;
use crate::registry::{ArtifactType, Info, Kind, Method, Slot};
use crate::stage_ctx::{StageCtx, StageError};
use pipeline_cluster::l2_normalise_rows;
use crate::stages::fit::{publish_curve, trainer};
use crate::stages::net::{ArchParams, Net};

pipeline_params::params! {
    /// Noise As Targets training.
    pub struct NatParams {
        /// Dimension of the targets (and of the projected, L2-normalised features).
        dim: usize = 64, range(2, 65536);
        /// Passes over the training set.
        epochs: usize = 10, range(1, 100000);
        /// Images per step; the assignment is re-solved within each batch.
        batch: usize = 256, range(1, 65536);
        /// Re-solve the assignment in the epochs 0, r, 2r, … (the paper uses 3).
        reassign_every: usize = 3, range(1, 100000);
    }
}

/// Prefix of the projection from the encoder's output to the target space.
const PROJ: &str = "proj";

pub struct Nat;

impl Method for Nat {
    type Params = (ArchParams, NatParams, OptimParams);
    const INFO: Info = Info {
        kind: Kind::Pretrain,
        name: "nat",
        doc: "Noise As Targets: features pulled onto fixed random targets on the sphere, the assignment re-solved per batch (Hungarian)",
        version: 1,
        inputs: &[Slot::one("data", &[ArtifactType::Dataset])],
        output: ArtifactType::Model,
        seeded: true,
    };

    fn run(&self, ctx: &mut StageCtx, (a, p, optim): Self::Params) -> Result<Artifact, StageError> {
        let data = ctx.dataset("data")?;
        let n = data.train.len;
        if n == 0 {
            crate::bail!("Noise As Targets needs training images, and dataset `{}` has none", data.source);
        }
        let net = Net::for_dataset(&a.arch, &data, &ctx.device)?;
        let encoder = net.encoder()?;
        let proj = Head::named(PROJ, encoder.out_dim(), p.dim, net.vb())?;
        reinit(&net.varmap, ctx.seed)?;
        let targets = sphere_targets(n, p.dim, ctx.seed, &net.device)?;
        // assigned[i]: the target of image i; a random start, since the targets are random.
        let mut assigned: Vec<u32> = (0..n as u32).collect();

        let mut trainer = trainer(ctx, &optim, p.epochs, p.batch, n, net.vars(""))?;
        for epoch in 0..p.epochs {
            let reassign = epoch % p.reassign_every == 0;
            let mut changed = 0;
            for idx in EpochBatches::new(n, p.batch, ctx.seed, epoch, false)?.iter() {
                let x = net.batch(&data.train, &data.layout, idx)?;
                let f = l2_normalise_rows(&proj.forward(&encoder.forward(&x)?)?)?;
                if reassign {
                    let mine: Vec<u32> = idx.iter().map(|&i| assigned[i]).collect();
                    let batch_targets = targets.index_select(&Tensor::new(mine.as_slice(), &net.device)?, 0)?;
                    let perm = best_assignment(&f.detach(), &batch_targets)?;
                    for (j, &i) in idx.iter().enumerate() {
                        changed += usize::from(perm[j] != j);
                        assigned[i] = mine[perm[j]];
                    }
                }
                let mine: Vec<u32> = idx.iter().map(|&i| assigned[i]).collect();
                let t = targets.index_select(&Tensor::new(mine.as_slice(), &net.device)?, 0)?;
                trainer.step(&batch_loss(&f, &t)?, idx.len())?;
            }
            if reassign {
                trainer.log("changed", changed as f64 / n as f64);
            }
            trainer.end_epoch();
        }
        publish_curve(ctx, &trainer, "loss.csv")?;
        Ok(Artifact::Model(Arc::new(net.into_artifact("nat", None, None, Default::default())?)))
    }
}

/// `n` points uniform on the unit sphere in `dim` dimensions: normalised Gaussian draws.
pub fn sphere_targets(n: usize, dim: usize, seed: u64, device: &candle_core::Device) -> Result<Tensor, StageError> {
    let mut rng = stream(seed, "nat targets");
    let mut v = Vec::with_capacity(n * dim);
    for _ in 0..n {
        let row: Vec<f32> = (0..dim).map(|_| StandardNormal.sample(&mut rng)).collect();
        let norm = row.iter().map(|x| x * x).sum::<f32>().sqrt().max(f32::MIN_POSITIVE);
        v.extend(row.iter().map(|x| x / norm));
    }
    Ok(Tensor::from_vec(v, (n, dim), device)?)
}

/// The mean over the batch of ‖f_i − t_i‖².
pub fn batch_loss(features: &Tensor, targets: &Tensor) -> Result<Tensor, StageError> {
    Ok((features - targets)?.sqr()?.sum(D::Minus1)?.mean_all()?)
}

/// The permutation `perm` giving image `j` of the batch the target `perm[j]` of the batch that
/// maximises Σ_j f_j·t_perm[j], i.e. minimises the summed squared distance between unit vectors.
pub fn best_assignment(features: &Tensor, targets: &Tensor) -> Result<Vec<usize>, StageError> {
    let b = features.dim(0)?;
    let scores: Vec<f64> = features.matmul(&targets.t()?)?.flatten_all()?.to_vec1::<f32>()?.into_iter().map(f64::from).collect();
    Ok(pipeline_metrics::assign_max(&scores, b, b)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::Device;

    fn permuted(t: &Tensor, perm: &[usize]) -> Tensor {
        let idx: Vec<u32> = perm.iter().map(|&p| p as u32).collect();
        t.index_select(&Tensor::new(idx.as_slice(), &Device::Cpu).unwrap(), 0).unwrap()
    }

    fn loss(f: &Tensor, t: &Tensor) -> f32 {
        batch_loss(f, t).unwrap().to_scalar::<f32>().unwrap()
    }

    #[test]
    fn targets_lie_on_the_sphere_and_depend_on_the_seed() {
        let t = sphere_targets(500, 3, 1, &Device::Cpu).unwrap();
        let rows = t.to_vec2::<f32>().unwrap();
        assert!(rows.iter().all(|r| (r.iter().map(|x| x * x).sum::<f32>() - 1.0).abs() < 1e-5));
        // Uniform on the sphere: the mean is near the origin.
        let mean: Vec<f32> = (0..3).map(|d| rows.iter().map(|r| r[d]).sum::<f32>() / 500.0).collect();
        assert!(mean.iter().all(|m| m.abs() < 0.1), "{mean:?}");
        assert_eq!(rows, sphere_targets(500, 3, 1, &Device::Cpu).unwrap().to_vec2::<f32>().unwrap());
        assert_ne!(rows, sphere_targets(500, 3, 2, &Device::Cpu).unwrap().to_vec2::<f32>().unwrap());
    }

    #[test]
    fn the_assignment_step_is_the_best_permutation() {
        let f = l2_normalise_rows(&sphere_targets(6, 4, 7, &Device::Cpu).unwrap()).unwrap();
        let t = sphere_targets(6, 4, 8, &Device::Cpu).unwrap();
        let perm = best_assignment(&f, &t).unwrap();
        let mut sorted = perm.clone();
        sorted.sort();
        assert_eq!(sorted, (0..6).collect::<Vec<_>>(), "a permutation");
        let before = loss(&f, &t);
        let after = loss(&f, &permuted(&t, &perm));
        assert!(after < before, "{after} vs {before}");
        // No permutation of the 720 does better.
        let mut best = f32::INFINITY;
        let mut p: Vec<usize> = (0..6).collect();
        permutations(&mut p, 0, &mut |p| best = best.min(loss(&f, &permuted(&t, p))));
        assert!((after - best).abs() < 1e-5, "{after} vs brute force {best}");
    }

    #[test]
    fn shuffled_targets_are_put_back() {
        // The targets are the features themselves in another order: the loss falls to 0.
        let f = sphere_targets(32, 8, 3, &Device::Cpu).unwrap();
        let shuffle: Vec<usize> = (0..32).map(|i| (i * 5 + 3) % 32).collect();
        let t = permuted(&f, &shuffle);
        assert!(loss(&f, &t) > 1.0);
        let perm = best_assignment(&f, &t).unwrap();
        assert!(loss(&f, &permuted(&t, &perm)) < 1e-6);
    }

    fn permutations(p: &mut Vec<usize>, k: usize, f: &mut dyn FnMut(&[usize])) {
        if k == p.len() {
            return f(p);
        }
        for i in k..p.len() {
            p.swap(k, i);
            permutations(p, k + 1, f);
            p.swap(k, i);
        }
    }
}
