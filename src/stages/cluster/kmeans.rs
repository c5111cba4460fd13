//! `kmeans`: Lloyd's k-means with k-means++ seeding and empty-cluster re-seeding (the
//! `pipeline-cluster` implementation), on standardised raw pixels or on an encoder's features at
//! a layer, optionally PCA-whitened and L2-normalised first as in DeepCluster (Caron et al. 2018).
//! Fitted on the train split; the test split is assigned to the nearest centroid.

use std::sync::Arc;

use candle_core::Tensor;
use pipeline_cluster::{kmeans, predict, KMeansConfig, PcaWhitening};
use pipeline_data::{Dataset, Split};
use pipeline_nn::batch::{EpochBatches, Normalize};

use crate::artifact::{Artifact, Assignments};
use crate::registry::{ArtifactType, Info, Kind, Method, Slot};
use crate::stage_ctx::{StageCtx, StageError};
use crate::stages::net::{check_input, standardised, LoadedEncoder};

pipeline_params::params! {
    /// k-means options.
    pub struct KMeansParams {
        /// Number of clusters; unset uses the dataset's number of classes (10 without labels).
        k: Option<usize> = None, range(1, 1000000);
        /// The encoder layer to cluster (with a model input); unset uses its last layer.
        layer: Option<String> = None;
        /// Reduce to this many PCA dimensions, whiten and L2-normalise before clustering (DeepCluster's preprocessing); unset clusters the features as they are.
        pca_dim: Option<usize> = None, range(1, 100000);
        /// Most Lloyd iterations.
        max_iter: usize = 100, range(1, 100000);
        /// Stop when the centroids move less than this (relative to the data's variance), as scikit-learn.
        tol: f64 = 1e-4, range(0.0, 1.0);
    }
}

pub struct KMeans;

impl Method for KMeans {
    type Params = KMeansParams;
    const INFO: Info = Info {
        kind: Kind::Cluster,
        name: "kmeans",
        doc: "k-means (k-means++ init, empty clusters re-seeded) on pixels, or on a model's features at a layer",
        version: 1,
        inputs: &[Slot::one("data", &[ArtifactType::Dataset]), Slot::optional("encoder", &[ArtifactType::Model])],
        output: ArtifactType::Assignments,
        seeded: true,
    };

    fn run(&self, ctx: &mut StageCtx, p: KMeansParams) -> Result<Artifact, StageError> {
        let data = ctx.dataset("data")?;
        let k = p.k.unwrap_or(if data.classes.is_empty() { 10 } else { data.classes.len() });
        if k > data.train.len {
            crate::bail!("k = {k} exceeds the {} training items", data.train.len);
        }
        ctx.progress().update(0, 2, "features");
        let (mut train, mut test) = match ctx.input("encoder") {
            Some(_) => {
                let model = ctx.model("encoder")?;
                check_input(&model, &data)?;
                let enc = LoadedEncoder::load(&model, &ctx.device)?;
                let layer = p.layer.clone().unwrap_or_else(|| enc.last_layer());
                (enc.features(&data.train, &data.layout, &layer)?, enc.features(&data.test, &data.layout, &layer)?)
            }
            None => {
                if let Some(layer) = &p.layer {
                    crate::bail!("`layer: {layer}` needs an encoder: add a model stage to `needs`, or drop `layer` to cluster pixels");
                }
                (pixels(&data, &data.train, ctx)?, pixels(&data, &data.test, ctx)?)
            }
        };
        if let Some(dim) = p.pca_dim {
            let pca = PcaWhitening::fit(&train, dim)?;
            train = pca.transform_normalised(&train)?;
            test = pca.transform_normalised(&test)?;
        }
        ctx.progress().update(1, 2, &format!("k-means, k = {k}"));
        let cfg = KMeansConfig { max_iter: p.max_iter, tol: p.tol, ..KMeansConfig::new(k, ctx.seed) };
        let fit = kmeans(&train, &cfg)?;
        ctx.metric("inertia", fit.inertia);
        ctx.metric("iterations", fit.iterations as f64);
        ctx.metric("reseeded", fit.reseeded as f64);
        let test_assign = if data.test.len > 0 { predict(&test, &fit.centroids)? } else { Vec::new() };
        Ok(Artifact::Assignments(Arc::new(Assignments {
            k,
            train: fit.assignments,
            test: test_assign,
            train_labels: data.train.labels.clone(),
            test_labels: data.test.labels.clone(),
        })))
    }
}

/// Standardised pixels of a split, flattened: N × (C·H·W).
fn pixels(data: &Dataset, split: &Split, ctx: &StageCtx) -> Result<Tensor, StageError> {
    let norm = Normalize { mean: &data.mean, std: &data.std };
    let mut parts = Vec::new();
    for idx in EpochBatches::sequential(split.len, 4096)?.iter() {
        parts.push(standardised(split, &data.layout, idx, norm, &ctx.device)?.flatten_from(1)?);
    }
    Ok(Tensor::cat(&parts, 0)?)
}
