//! The method-specific `config` of a stored generative model (VAE, GAN, PixelCNN): written with
//! the artifact, read back to rebuild the network for evaluation and sampling.

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::artifact::ModelArtifact;
use crate::stage_ctx::StageError;

/// The config of `model`, which must have been trained with `method`.
pub fn config_of<T: DeserializeOwned>(model: &ModelArtifact, method: &str) -> Result<T, StageError> {
    if model.meta.method != method {
        crate::bail!("expected a model trained with `{method}`, got one from `{}`", model.meta.method);
    }
    serde_json::from_value(model.meta.config.clone())
        .map_err(|e| StageError::msg(format!("the {method} model's config is unreadable ({e}): was it written by an older version?")))
}

/// `model` with `config` attached.
pub fn with_config(mut model: ModelArtifact, config: &impl Serialize) -> Result<ModelArtifact, StageError> {
    model.meta.config = serde_json::to_value(config)?;
    Ok(model)
}
