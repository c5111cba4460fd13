//! Fixed transforms a model applies to a dataset's images before its first layer, recorded in
//! the model's header (`config.input_transform`) so that every later stage (probes, kNN,
//! fine-tuning, clustering of features) feeds the model what it was trained on.
//!
//! A transform has two stages, either of which may do nothing: one on the stored 8-bit images
//! before standardisation ([`InputTransform::apply`]), one on the standardised tensor
//! ([`InputTransform::apply_tensor`]). The model's `mean`/`std` standardise the output of the
//! first, and its `channels` are what the encoder reads, the output of the second.
//!
//! `lab-l` (host stage): RGB → the L (lightness) channel of CIE Lab, as a colorization network
//! (Zhang et al. 2016) sees its input; L ∈ [0, 100] is stored as round(2.55·L).
//!
//! `sobel` (tensor stage): DeepCluster's preprocessing (Caron et al. 2018, after Bojanowski &
//! Joulin 2017): the standardised image is turned to grayscale (ITU-R 601 luma weights for RGB,
//! the mean of the channels otherwise) and filtered by the two 3×3 Sobel kernels, giving 2
//! gradient channels. Removing colour and absolute intensity keeps the clustering from latching
//! onto them.

use std::borrow::Cow;

use candle_core::Tensor;
use pipeline_data::Layout;

use crate::stage_ctx::StageError;

/// The key in `ModelMeta.config`.
pub const KEY: &str = "input_transform";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputTransform {
    LabL,
    Sobel,
}

/// Horizontal Sobel kernel (derivative along x); its transpose is the vertical one.
const SOBEL_X: [f32; 9] = [1.0, 0.0, -1.0, 2.0, 0.0, -2.0, 1.0, 0.0, -1.0];
const SOBEL_Y: [f32; 9] = [1.0, 2.0, 1.0, 0.0, 0.0, 0.0, -1.0, -2.0, -1.0];
/// Luma weights of RGB (ITU-R BT.601), as DeepCluster's grayscale layer.
const LUMA: [f32; 3] = [0.299, 0.587, 0.114];

impl InputTransform {
    pub fn parse(name: &str) -> Result<Self, StageError> {
        match name {
            "lab-l" => Ok(InputTransform::LabL),
            "sobel" => Ok(InputTransform::Sobel),
            other => crate::bail!("unknown input transform `{other}` in the model header (known: lab-l, sobel)"),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            InputTransform::LabL => "lab-l",
            InputTransform::Sobel => "sobel",
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

    /// Whether the transform changes the stored images (so a network's `mean`/`std` must be
    /// those of the transformed images, not the dataset's).
    pub fn on_host(self) -> bool {
        match self {
            InputTransform::LabL => true,
            InputTransform::Sobel => false,
        }
    }

    /// Channels of the dataset images a model reads, given the channels its standardisation
    /// covers (the length of its `mean`).
    pub fn source_channels(self, standardised: usize) -> usize {
        match self {
            InputTransform::LabL => 3,
            InputTransform::Sobel => standardised,
        }
    }

    /// The layout of `layout`'s images after the host stage.
    pub fn layout(self, layout: &Layout) -> Layout {
        match self {
            InputTransform::LabL => Layout { channels: 1, ..*layout },
            InputTransform::Sobel => *layout,
        }
    }

    /// Channels the encoder reads for `standardised` channels out of the host stage.
    pub fn encoder_channels(self, standardised: usize) -> usize {
        match self {
            InputTransform::LabL => standardised,
            InputTransform::Sobel => 2,
        }
    }

    /// The host stage: transforms every item of `images` (items of `layout`, back to back).
    pub fn apply<'a>(self, images: &'a [u8], layout: &Layout) -> Result<Cow<'a, [u8]>, StageError> {
        let plane = layout.height * layout.width;
        Ok(match self {
            InputTransform::LabL => {
                if layout.channels != 3 {
                    crate::bail!("input transform {} reads 3-channel images, got {}", self.name(), layout.channels);
                }
                Cow::Owned(images.chunks_exact(3 * plane).flat_map(|rgb| pipeline_pretext::lab::rgb_to_l_plane(rgb, plane)).collect())
            }
            InputTransform::Sobel => Cow::Borrowed(images),
        })
    }

    /// The tensor stage, on a standardised N×C×H×W batch (same height and width out).
    pub fn apply_tensor(self, x: &Tensor) -> Result<Tensor, StageError> {
        match self {
            InputTransform::LabL => Ok(x.clone()),
            InputTransform::Sobel => sobel(x),
        }
    }
}

fn sobel(x: &Tensor) -> Result<Tensor, StageError> {
    let (_, c, _, _) = x.dims4()?;
    let gray = match c {
        1 => x.clone(),
        3 => {
            let w = Tensor::from_slice(&LUMA, (1, 3, 1, 1), x.device())?;
            x.broadcast_mul(&w)?.sum_keepdim(1)?
        }
        _ => x.mean_keepdim(1)?,
    };
    let k: Vec<f32> = SOBEL_X.iter().chain(&SOBEL_Y).copied().collect();
    let kernel = Tensor::from_vec(k, (2, 1, 3, 3), x.device())?;
    // The filter is fixed: only the encoder behind it learns.
    Ok(pipeline_nn::ops::conv2d(&gray.contiguous()?, &kernel, None, 1, 1)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::Device;

    #[test]
    fn sobel_finds_the_edge_of_a_step() {
        // A vertical step from 0 to 1 between columns 1 and 2 of a 4×4 image.
        let img: Vec<f32> = (0..16).map(|i| if i % 4 >= 2 { 1.0 } else { 0.0 }).collect();
        let x = Tensor::from_vec(img, (1, 1, 4, 4), &Device::Cpu).unwrap();
        let y = InputTransform::Sobel.apply_tensor(&x).unwrap();
        assert_eq!(y.dims(), &[1, 2, 4, 4]);
        let gx = y.get(0).unwrap().get(0).unwrap().to_vec2::<f32>().unwrap();
        let gy = y.get(0).unwrap().get(1).unwrap().to_vec2::<f32>().unwrap();
        // Interior row: (left − right neighbour) · (1 + 2 + 1); the zero padding makes the last column an edge too.
        assert_eq!(gx[1], vec![0.0, -4.0, -4.0, 4.0]);
        // No vertical change inside; at the top and bottom rows the zero padding shows up.
        assert_eq!(gy[1], vec![0.0, 0.0, 0.0, 0.0]);
        assert_eq!(gy[0], vec![0.0, -1.0, -3.0, -3.0]);
    }

    #[test]
    fn sobel_reads_rgb_through_luma() {
        // Pure green everywhere except a zero column: the gradient scales with the green weight.
        let mut img = vec![0f32; 3 * 9];
        for p in 0..9 {
            if p % 3 != 0 {
                img[9 + p] = 1.0;
            }
        }
        let x = Tensor::from_vec(img, (1, 3, 3, 3), &Device::Cpu).unwrap();
        let y = InputTransform::Sobel.apply_tensor(&x).unwrap();
        let gx = y.get(0).unwrap().get(0).unwrap().to_vec2::<f32>().unwrap();
        // Centre: left column 0, right column 1 → (0 − 1) · 4 · 0.587.
        assert!((gx[1][1] + 4.0 * 0.587).abs() < 1e-5, "{gx:?}");
        assert_eq!(InputTransform::Sobel.encoder_channels(3), 2);
        assert_eq!(InputTransform::Sobel.source_channels(3), 3);
    }

    #[test]
    fn each_transform_acts_in_its_own_stage() {
        let layout = Layout::image(3, 2, 2);
        let rgb: Vec<u8> = (0..12).map(|i| i as u8 * 20).collect();
        assert!(matches!(InputTransform::Sobel.apply(&rgb, &layout).unwrap(), Cow::Borrowed(b) if b == &rgb[..]));
        assert_eq!(InputTransform::Sobel.layout(&layout), layout);
        let l = InputTransform::LabL.apply(&rgb, &layout).unwrap();
        assert_eq!(l.len(), 4);
        assert_eq!(InputTransform::LabL.layout(&layout).channels, 1);
        let x = Tensor::ones((1, 1, 2, 2), candle_core::DType::F32, &Device::Cpu).unwrap();
        assert_eq!(InputTransform::LabL.apply_tensor(&x).unwrap().dims(), &[1, 1, 2, 2]);
        assert!(InputTransform::LabL.apply(&rgb[..4], &Layout::image(1, 2, 2)).is_err());
    }

    #[test]
    fn stored_names_round_trip() {
        for t in [InputTransform::LabL, InputTransform::Sobel] {
            let config = serde_json::json!({ KEY: t.name() });
            assert_eq!(InputTransform::from_config(&config).unwrap(), Some(t));
        }
        assert_eq!(InputTransform::from_config(&serde_json::Value::Null).unwrap(), None);
        let e = InputTransform::parse("blur").unwrap_err().to_string();
        assert!(e.contains("blur") && e.contains("sobel"), "{e}");
    }
}
