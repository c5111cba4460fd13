//! Video prediction (SVG, Denton & Fergus, ICML 2018): the networks, the three models over them,
//! clips of sequences, the per-step scores, bounce detection and the pictures. The methods that
//! use them are `pretrain/video.rs`, `evaluate/video_prediction.rs` and `report/video_*.rs`.

pub mod bounce;
pub mod clips;
pub mod leaky_relu;
pub mod model;
pub mod net;
pub mod plot;
pub mod rollout;
pub mod scores;

/// `ModelMeta.arch` of every video model; the parts are described by `ModelMeta.config`.
pub const ARCH: &str = "svg-dcgan";

use std::collections::HashMap;

use candle_core::Device;

use crate::artifact::ModelArtifact;
use crate::stage_ctx::StageError;
use model::{VideoConfig, VideoNet};

/// Rebuilds a video model stored by one of the video pretraining methods.
pub fn load(model: &ModelArtifact, device: &Device) -> Result<VideoNet, StageError> {
    if model.meta.arch != ARCH {
        crate::bail!(
            "the {} model is not a video model (train one with `video-deterministic`, `svg-fp` or `svg-lp`)",
            model.meta.method
        );
    }
    let cfg: VideoConfig = serde_json::from_value(model.meta.config.clone())
        .map_err(|e| StageError::msg(format!("the {} model's video config is unreadable: {e}", model.meta.method)))?;
    let tensors: &HashMap<String, candle_core::Tensor> = &model.tensors;
    VideoNet::from_tensors(cfg, tensors, device)
}
