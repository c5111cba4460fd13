//! What stages produce: one enum over the artifact types, each saved into and loaded from a
//! store entry's folder.

mod assignments;
mod metrics;
mod model;

pub use assignments::Assignments;
pub use metrics::MetricValue;
pub use model::{ClassifierMeta, ModelArtifact, ModelMeta};

use std::path::Path;
use std::sync::Arc;

use pipeline_data::Dataset;

use crate::registry::ArtifactType;

/// A stage's output. Large payloads sit behind `Arc` so that several downstream stages running in
/// parallel share one copy in memory.
#[derive(Debug, Clone)]
pub enum Artifact {
    Dataset(Arc<Dataset>),
    Model(Arc<ModelArtifact>),
    Assignments(Arc<Assignments>),
    /// An evaluation's numbers; they live in the store entry's manifest.
    Metrics(Vec<MetricValue>),
    /// Files a report stage rendered (named in the manifest).
    Report,
}

impl Artifact {
    pub fn artifact_type(&self) -> ArtifactType {
        match self {
            Artifact::Dataset(_) => ArtifactType::Dataset,
            Artifact::Model(_) => ArtifactType::Model,
            Artifact::Assignments(_) => ArtifactType::Assignments,
            Artifact::Metrics(_) => ArtifactType::Metrics,
            Artifact::Report => ArtifactType::Report,
        }
    }

    /// Writes the payload into `dir` (metrics and report files are recorded by the manifest).
    pub fn save(&self, dir: &Path) -> anyhow::Result<()> {
        match self {
            Artifact::Dataset(d) => d.save(dir)?,
            Artifact::Model(m) => m.save(dir)?,
            Artifact::Assignments(a) => a.save(dir)?,
            Artifact::Metrics(_) | Artifact::Report => {}
        }
        Ok(())
    }

    /// Reads a payload written by [`Artifact::save`]; `metrics` come from the manifest.
    pub fn load(ty: ArtifactType, dir: &Path, metrics: &[MetricValue]) -> anyhow::Result<Artifact> {
        Ok(match ty {
            ArtifactType::Dataset => Artifact::Dataset(Arc::new(Dataset::load(dir)?)),
            ArtifactType::Model => Artifact::Model(Arc::new(ModelArtifact::load(dir)?)),
            ArtifactType::Assignments => Artifact::Assignments(Arc::new(Assignments::load(dir)?)),
            ArtifactType::Metrics => Artifact::Metrics(metrics.to_vec()),
            ArtifactType::Report => Artifact::Report,
            ArtifactType::PretextDataset => anyhow::bail!("pretext datasets are not stored yet"),
        })
    }
}
