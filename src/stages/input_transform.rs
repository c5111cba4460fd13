//! Fixed transforms a model applies to a dataset's images before its first layer, recorded in
//! the model's header (`config.input_transform`) so that every later stage (probes, kNN,
//! fine-tuning, clustering of features) feeds the model what it was trained on.
//!
//! `lab-l`: RGB → the L (lightness) channel of CIE Lab, as a colorization network
//! (Zhang et al. 2016) sees its input; L ∈ [0, 100] is stored as round(2.55·L).

use pipeline_data::Layout;

use crate::stage_ctx::StageError;

/// The key in `ModelMeta.config`.
pub const KEY: &str = "input_transform";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputTransform {
    LabL,
}

impl InputTransform {
    pub fn parse(name: &str) -> Result<Self, StageError> {
        match name {
            "lab-l" => Ok(InputTransform::LabL),
            other => crate::bail!("unknown input transform `{other}` in the model header (known: lab-l)"),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            InputTransform::LabL => "lab-l",
        }
    }

    /// The transform a model's `config` records, if any.
    pub fn from_config(config: &serde_json::Value) -> Result<Option<Self>, StageError> {
        match config.get(KEY) {
            None | Some(serde_json::Value::Null) => Ok(None),
            Some(serde_json::Value::String(s)) => Self::parse(s).map(Some),
            Some(other) => crate::bail!("the model header's {KEY} must be a string, got {other}"),
        }
    }

    /// Channels of the images it reads.
    pub fn source_channels(self) -> usize {
        match self {
            InputTransform::LabL => 3,
        }
    }

    /// The layout of transformed images of `layout`.
    pub fn layout(self, layout: &Layout) -> Layout {
        match self {
            InputTransform::LabL => Layout { channels: 1, ..*layout },
        }
    }

    /// Transforms every item of `images` (items of `layout`, back to back).
    pub fn apply(self, images: &[u8], layout: &Layout) -> Result<Vec<u8>, StageError> {
        if layout.channels != self.source_channels() {
            crate::bail!("input transform {} reads {}-channel images, got {}", self.name(), self.source_channels(), layout.channels);
        }
        let plane = layout.height * layout.width;
        Ok(match self {
            InputTransform::LabL => images.chunks_exact(3 * plane).flat_map(|rgb| pipeline_pretext::lab::rgb_to_l_plane(rgb, plane)).collect(),
        })
    }
}
