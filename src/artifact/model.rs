//! A trained model: named tensors (safetensors) plus a JSON header that says how to rebuild the
//! network they belong to.

use std::collections::HashMap;
use std::path::Path;

use candle_core::{Device, Tensor};
use serde::{Deserialize, Serialize};

const TENSORS: &str = "model.safetensors";
const META: &str = "model.json";

/// A classifier on top of an encoder: features at `layer`, optionally standardised with the
/// stored `probe.mean` / `probe.std`, then `heads` linear heads (`head`, or `head0`, `head1`, …
/// for low-shot repeats).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassifierMeta {
    pub layer: String,
    pub classes: usize,
    pub heads: usize,
    pub standardize: bool,
    #[serde(default)]
    pub class_names: Vec<String>,
}

/// How to rebuild the network: the method that trained it, its architecture, input shape and
/// input normalisation, and which optional parts it has.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelMeta {
    pub method: String,
    pub arch: String,
    pub channels: usize,
    pub height: usize,
    pub width: usize,
    /// Per-channel input standardisation (on the [0, 1] scale) the model was trained with.
    pub mean: Vec<f32>,
    pub std: Vec<f32>,
    #[serde(default)]
    pub classifier: Option<ClassifierMeta>,
    /// The decoder's latent size, when the model has a decoder.
    #[serde(default)]
    pub latent: Option<usize>,
    /// Method-specific settings.
    #[serde(default)]
    pub config: serde_json::Value,
}

#[derive(Debug, Clone)]
pub struct ModelArtifact {
    pub meta: ModelMeta,
    /// Parameters on the CPU, named `encoder.conv1.weight`, `head.weight`, ...
    pub tensors: HashMap<String, Tensor>,
}

impl ModelArtifact {
    pub fn save(&self, dir: &Path) -> anyhow::Result<()> {
        std::fs::write(dir.join(META), serde_json::to_vec_pretty(&self.meta)?)?;
        candle_core::safetensors::save(&self.tensors, dir.join(TENSORS))?;
        Ok(())
    }
    pub fn load(dir: &Path) -> anyhow::Result<Self> {
        let meta_path = dir.join(META);
        let bytes = std::fs::read(&meta_path).map_err(|e| anyhow::anyhow!("{}: {e}", meta_path.display()))?;
        let meta = serde_json::from_slice(&bytes)
            .map_err(|e| anyhow::anyhow!("{}: corrupt model header: {e}", meta_path.display()))?;
        let path = dir.join(TENSORS);
        let tensors = candle_core::safetensors::load(&path, &Device::Cpu)
            .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        Ok(Self { meta, tensors })
    }
}
