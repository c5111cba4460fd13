//! What a running stage sees: its name, seed, device, inputs by slot, and where to put metrics and
//! published files. Everything a method writes goes into the store entry's temp folder, so a
//! failed stage leaves nothing behind.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use pipeline_data::Dataset;

use crate::artifact::{Artifact, Assignments, MetricValue, ModelArtifact, PretextData};
use crate::progress::Progress;

/// Why a stage failed. Methods use `?` on any error type; the runner adds the stage's name.
pub struct StageError(anyhow::Error);

impl StageError {
    pub fn msg(message: impl fmt::Display) -> Self {
        StageError(anyhow::anyhow!("{message}"))
    }
    pub fn into_anyhow(self) -> anyhow::Error {
        self.0
    }
}

impl<E: Into<anyhow::Error>> From<E> for StageError {
    fn from(e: E) -> Self {
        StageError(e.into())
    }
}

impl fmt::Display for StageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:#}", self.0)
    }
}

impl fmt::Debug for StageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:#}", self.0)
    }
}

/// Fails the stage with a message: `bail!("k = {} exceeds the {} items", k, n)`.
#[macro_export]
macro_rules! bail {
    ($($arg:tt)*) => {
        return Err($crate::stage_ctx::StageError::msg(format!($($arg)*)))
    };
}

/// One input: the slot it fills, the stage that made it, and the artifact.
#[derive(Debug, Clone)]
pub struct Input {
    pub slot: &'static str,
    pub stage: String,
    pub artifact: Artifact,
}

pub struct StageCtx {
    pub stage: String,
    pub seed: u64,
    pub device: candle_core::Device,
    dir: PathBuf,
    inputs: Vec<Input>,
    metrics: Vec<MetricValue>,
    files: Vec<String>,
    progress: Progress,
}

impl StageCtx {
    pub fn new(stage: String, seed: u64, device: candle_core::Device, dir: PathBuf, inputs: Vec<Input>, progress: Progress) -> Self {
        Self { stage, seed, device, dir, inputs, metrics: Vec::new(), files: Vec::new(), progress }
    }

    /// The single input in `slot`, if the recipe gave one.
    pub fn input(&self, slot: &str) -> Option<&Input> {
        self.inputs.iter().find(|i| i.slot == slot)
    }

    /// Every input in `slot` (for slots that take many), in `needs` order.
    pub fn inputs(&self, slot: &str) -> impl Iterator<Item = &Input> {
        let slot = slot.to_string();
        self.inputs.iter().filter(move |i| i.slot == slot)
    }

    pub fn dataset(&self, slot: &str) -> Result<Arc<Dataset>, StageError> {
        match self.input(slot).map(|i| &i.artifact) {
            Some(Artifact::Dataset(d)) => Ok(d.clone()),
            _ => Err(StageError::msg(format!("no dataset in input `{slot}`"))),
        }
    }

    pub fn pretext(&self, slot: &str) -> Result<Arc<PretextData>, StageError> {
        match self.input(slot).map(|i| &i.artifact) {
            Some(Artifact::Pretext(p)) => Ok(p.clone()),
            _ => Err(StageError::msg(format!("no pretext dataset in input `{slot}`"))),
        }
    }

    pub fn model(&self, slot: &str) -> Result<Arc<ModelArtifact>, StageError> {
        match self.input(slot).map(|i| &i.artifact) {
            Some(Artifact::Model(m)) => Ok(m.clone()),
            _ => Err(StageError::msg(format!("no model in input `{slot}`"))),
        }
    }

    pub fn assignments(&self, slot: &str) -> Result<Arc<Assignments>, StageError> {
        match self.input(slot).map(|i| &i.artifact) {
            Some(Artifact::Assignments(a)) => Ok(a.clone()),
            _ => Err(StageError::msg(format!("no assignments in input `{slot}`"))),
        }
    }

    /// Records a number in the stage's manifest (evaluations: in the results tables).
    pub fn metric(&mut self, metric: impl Into<String>, value: f64) {
        self.metrics.push(MetricValue::new(metric, value));
    }

    /// Records one point of a curve (e.g. a video metric at predicted frame `step`).
    pub fn metric_at(&mut self, metric: impl Into<String>, step: u64, value: f64) {
        self.metrics.push(MetricValue::at(metric, step, value));
    }

    pub fn metrics(&self) -> &[MetricValue] {
        &self.metrics
    }

    /// A file the stage publishes (a loss curve, a confusion matrix, a picture): returns the path
    /// to write; the runner copies it next to the run's result tables.
    pub fn publish(&mut self, name: &str) -> PathBuf {
        if !self.files.iter().any(|f| f == name) {
            self.files.push(name.to_string());
        }
        self.dir.join(name)
    }

    pub fn published(&self) -> &[String] {
        &self.files
    }

    /// The stage's private working folder (inside the pending store entry).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn progress(&self) -> &Progress {
        &self.progress
    }
}
