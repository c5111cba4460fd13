//! `deepcluster`: DeepCluster (Caron, Bojanowski, Joulin & Douze 2018, "Deep Clustering for
//! Unsupervised Learning of Visual Features", ECCV): k-means on the network's own features gives
//! pseudo-labels, and the network learns to classify them; the two alternate.
//!
//! Every `recluster_every` epochs: the current encoder's features of the whole training set are
//! PCA-reduced to `pca_dim`, whitened and L2-normalised (`pipeline_cluster::PcaWhitening`), and
//! clustered by k-means into `k` clusters (`pipeline_cluster::kmeans`). Between clusterings the
//! encoder and a linear classifier are trained on the cluster indices with cross-entropy.
//! The paper's guards against the trivial solutions: empty clusters are re-seeded inside k-means;
//! images are sampled uniformly over the clusters (`cluster_sampler`); and the classifier, whose
//! classes are renumbered by every clustering, is re-initialised (N(0, 0.01), bias 0, as the
//! authors do) with a fresh optimiser after each one. `sobel: true` puts the paper's fixed
//! grayscale + Sobel filter in front of the encoder, stored in the model for downstream stages.
//!
//! loss.csv logs per clustering `nmi_prev` (NMI between this clustering and the previous one, the
//! paper's Fig. 2b), and, when the data has labels (for reporting only), `nmi_labels`.

use std::sync::Arc;

use candle_core::Tensor;
use pipeline_cluster::{kmeans, KMeans, KMeansConfig, PcaWhitening};
use pipeline_nn::arch::{Head, HEAD};
use pipeline_nn::batch::labels_to_tensor;
use pipeline_nn::init::{reinit, reinit_with, stream, InitKind};
use pipeline_nn::loss::cross_entropy;
use pipeline_nn::optim::OptimParams;

use super::cluster_sampler::uniform_over_clusters;
use crate::artifact::Artifact;
use crate::registry::{ArtifactType, Info, Kind, Method, Slot};
use crate::seeds::sub_seed;
use crate::stage_ctx::{StageCtx, StageError};
use crate::stages::fit::{publish_curve, trainer};
use crate::stages::net::{ArchParams, Net};
use crate::stages::input_transform::InputTransform;

pipeline_params::params! {
    /// DeepCluster training.
    pub struct DeepClusterParams {
        /// Clusters of each k-means, the number of pseudo-classes (the paper: 10000 on ImageNet, about 10× the classes).
        k: usize = 100, range(2, 1000000);
        /// Passes over the training set.
        epochs: usize = 10, range(1, 100000);
        /// Images per step.
        batch: usize = 128, range(1, 65536);
        /// Re-cluster in the epochs 0, r, 2r, … (the paper: every epoch).
        recluster_every: usize = 1, range(1, 100000);
        /// PCA dimensions kept before whitening and k-means (the paper: 256 of 4096); at most the encoder's output size.
        pca_dim: usize = 64, range(1, 100000);
        /// Lloyd iterations of each k-means (the paper's faiss setting: 20).
        kmeans_iter: usize = 20, range(1, 10000);
        /// Feed the encoder grayscale Sobel gradients (2 channels) instead of the image, as the paper does.
        sobel: bool = false;
    }
}

pub struct DeepCluster;

impl Method for DeepCluster {
    type Params = (ArchParams, DeepClusterParams, OptimParams);
    const INFO: Info = Info {
        kind: Kind::Pretrain,
        name: "deepcluster",
        doc: "DeepCluster: k-means on the network's PCA-whitened features gives pseudo-labels it learns to classify, alternating",
        version: 1,
        inputs: &[Slot::one("data", &[ArtifactType::Dataset])],
        output: ArtifactType::Model,
        seeded: true,
    };

    fn run(&self, ctx: &mut StageCtx, (a, p, optim): Self::Params) -> Result<Artifact, StageError> {
        let data = ctx.dataset("data")?;
        let n = data.train.len;
        if p.k > n {
            crate::bail!("k = {} exceeds the {n} training images: each cluster needs at least one", p.k);
        }
        let net = Net::for_dataset(&a.arch, &data, &ctx.device)?.with_transform(p.sobel.then_some(InputTransform::Sobel))?;
        let encoder = net.encoder()?;
        let (layer, dim) = encoder.layers().last().cloned().expect("an encoder has layers");
        if p.pca_dim > dim {
            crate::bail!("pca_dim = {} exceeds the {dim} features of layer `{layer}` of `{}`: lower pca_dim", p.pca_dim, net.spec.name);
        }
        let head = Head::new(dim, p.k, net.vb())?;
        reinit(&net.varmap, ctx.seed)?;
        let head_prefix = format!("{HEAD}.");

        let mut trainer = trainer(ctx, &optim, p.epochs, p.batch, n, net.vars("encoder."))?;
        let mut head_optim = optim.build(net.vars(&head_prefix))?;
        let mut pseudo: Vec<u32> = Vec::new();
        for epoch in 0..p.epochs {
            if epoch % p.recluster_every == 0 {
                let round = sub_seed(ctx.seed, epoch as u64);
                ctx.progress().update(trainer.global_step() as u64, 0, &format!("epoch {}: clustering", epoch + 1));
                let features = net.features(&encoder, &data.train, &data.layout, &layer)?;
                let fit = cluster(&features, p.pca_dim, p.k, p.kmeans_iter, round)?;
                if !pseudo.is_empty() {
                    trainer.log("nmi_prev", pipeline_metrics::nmi(&fit.assignments, &pseudo)?);
                }
                if let Some(y) = &data.train.labels {
                    trainer.log("nmi_labels", pipeline_metrics::nmi(&fit.assignments, y)?);
                }
                trainer.log("reseeded", fit.reseeded as f64);
                pseudo = fit.assignments;
                // The cluster indices mean something new: a new classifier, fresh optimiser state.
                reinit_with(&net.varmap, round, &head_prefix, &|name, _| {
                    Some(if name.ends_with("bias") { InitKind::Const(0.0) } else { InitKind::Normal { mean: 0.0, std: 0.01 } })
                })?;
                head_optim = optim.build(net.vars(&head_prefix))?;
            }
            let order = uniform_over_clusters(&pseudo, p.k, n, &mut stream(ctx.seed, &format!("sampler {epoch}")));
            for idx in order.chunks(p.batch) {
                let x = net.batch(&data.train, &data.layout, idx)?;
                let y = labels_to_tensor(&pseudo, idx, &net.device)?;
                let loss = cross_entropy(&head.forward(&encoder.forward(&x)?)?, &y)?;
                trainer.step_with(&loss, idx.len(), head_optim.as_mut())?;
            }
            trainer.end_epoch();
        }
        publish_curve(ctx, &trainer, "loss.csv")?;
        Ok(Artifact::Model(Arc::new(net.into_artifact("deepcluster", None, None, Default::default())?)))
    }
}

/// DeepCluster's clustering step: PCA to `pca_dim`, whitening, L2 normalisation, then k-means
/// with `k` clusters, none of them empty.
pub fn cluster(features: &Tensor, pca_dim: usize, k: usize, iterations: usize, seed: u64) -> Result<KMeans, StageError> {
    let x = PcaWhitening::fit(features, pca_dim)?.transform_normalised(features)?;
    let cfg = KMeansConfig { max_iter: iterations, ..KMeansConfig::new(k, seed) };
    Ok(kmeans(&x, &cfg)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::Device;
    use rand::Rng;

    #[test]
    fn collapsed_features_still_fill_every_cluster() {
        // A collapsed network: 290 of 300 images share one feature vector exactly, so there are
        // only 11 distinct points for 20 clusters and Lloyd's iterations leave clusters empty;
        // re-seeding must still give every cluster an image.
        let mut rng = stream(0, "test");
        let mut v = Vec::new();
        for i in 0..300 {
            v.extend((0..8).map(|d| d as f32 + if i < 10 { rng.random_range(-1.0f32..1.0) } else { 0.0 }));
        }
        let x = Tensor::from_vec(v, (300, 8), &Device::Cpu).unwrap();
        let fit = cluster(&x, 4, 20, 20, 5).unwrap();
        let mut counts = [0usize; 20];
        for &a in &fit.assignments {
            counts[a as usize] += 1;
        }
        assert!(counts.iter().all(|&c| c > 0), "{counts:?}");
        assert!(fit.reseeded > 0, "the case must exercise the re-seeding");
        assert_eq!(fit.assignments.len(), 300);
    }
}
