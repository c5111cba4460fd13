//! The JSON manifest of a store entry: what made it and what it measured.

use std::path::Path;

use pipeline_params::ParamMap;
use serde::{Deserialize, Serialize};

use crate::artifact::MetricValue;

/// Bumped when the layout of store entries changes; part of every key.
pub const STORE_FORMAT: u32 = 1;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InputRef {
    pub slot: String,
    pub stage: String,
    pub key: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    pub format: u32,
    pub key: String,
    /// The stage that made the entry (the first one, when several recipes share it).
    pub stage: String,
    pub recipe: String,
    pub kind: String,
    pub method: String,
    pub method_version: u32,
    /// Every parameter, defaults filled in.
    pub params: ParamMap,
    pub inputs: Vec<InputRef>,
    pub seed: Option<u64>,
    /// The artifact type, as `pipeline list` names it.
    pub output: String,
    /// Unix seconds.
    pub started_at: f64,
    pub finished_at: f64,
    pub metrics: Vec<MetricValue>,
    /// Files the stage published (loss curves, confusion matrices, pictures), relative to the entry.
    pub files: Vec<String>,
}

impl Manifest {
    pub fn read(path: &Path) -> anyhow::Result<Manifest> {
        let bytes = std::fs::read(path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        serde_json::from_slice(&bytes).map_err(|e| anyhow::anyhow!("{}: corrupt manifest: {e}", path.display()))
    }
}
