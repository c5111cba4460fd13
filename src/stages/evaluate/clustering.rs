//! Clustering metrics of cluster assignments against the true labels on the test split:
//! `cluster-acc` (best one-to-one matching, Hungarian), `nmi` and `ari`.

use crate::artifact::{Artifact, MetricValue};
use crate::registry::{ArtifactType, Info, Kind, Method, Slot};
use crate::stage_ctx::{StageCtx, StageError};

pipeline_params::params! {
    /// Clustering metrics take no parameters.
    pub struct NoParams {}
}

const INPUTS: &[Slot] = &[Slot::one("assignments", &[ArtifactType::Assignments])];

/// Reads the test assignments and labels, and computes one metric.
fn score(ctx: &StageCtx, name: &str, f: fn(&[u32], &[u32]) -> Result<f64, pipeline_metrics::MetricError>) -> Result<Artifact, StageError> {
    let a = ctx.assignments("assignments")?;
    let Some(labels) = &a.test_labels else {
        crate::bail!("{name} needs labels, and the clustered dataset has none");
    };
    Ok(Artifact::Metrics(vec![MetricValue::new(name, f(&a.test, labels)?)]))
}

macro_rules! clustering_metric {
    ($ty:ident, $name:literal, $doc:literal, $f:path) => {
        pub struct $ty;
        impl Method for $ty {
            type Params = NoParams;
            const INFO: Info = Info {
                kind: Kind::Evaluate,
                name: $name,
                doc: $doc,
                version: 1,
                inputs: INPUTS,
                output: ArtifactType::Metrics,
                seeded: false,
            };
            fn run(&self, ctx: &mut StageCtx, _: NoParams) -> Result<Artifact, StageError> {
                score(ctx, $name, $f)
            }
        }
    };
}

clustering_metric!(ClusterAcc, "cluster-acc", "clustering accuracy: the best one-to-one map of clusters to classes (Hungarian)", pipeline_metrics::cluster_accuracy);
clustering_metric!(Nmi, "nmi", "normalised mutual information between clusters and classes", pipeline_metrics::nmi);
clustering_metric!(Ari, "ari", "adjusted Rand index between clusters and classes", pipeline_metrics::ari);
