//! Fixed (untrained) input transforms a model applies before its encoder, stored in the model's
//! header so that every stage that reads the model (probes, kNN, k-means, fine-tuning) feeds its
//! encoder the same input it was trained on.
//!
//! `sobel`: DeepCluster's preprocessing (Caron et al. 2018, after Bojanowski & Joulin 2017):
//! the standardised image is turned to grayscale (ITU-R 601 luma weights for RGB, the mean of the
//! channels otherwise) and filtered by the two 3×3 Sobel kernels, giving 2 gradient channels.
//! Removing colour and absolute intensity keeps the clustering from latching onto them.

use candle_core::Tensor;
use serde::{Deserialize, Serialize};

use crate::stage_ctx::StageError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum InputTransform {
    Sobel,
}

/// Horizontal Sobel kernel (derivative along x); its transpose is the vertical one.
const SOBEL_X: [f32; 9] = [1.0, 0.0, -1.0, 2.0, 0.0, -2.0, 1.0, 0.0, -1.0];
const SOBEL_Y: [f32; 9] = [1.0, 2.0, 1.0, 0.0, 0.0, 0.0, -1.0, -2.0, -1.0];
/// Luma weights of RGB (ITU-R BT.601), as DeepCluster's grayscale layer.
const LUMA: [f32; 3] = [0.299, 0.587, 0.114];

impl InputTransform {
    pub fn name(self) -> &'static str {
        match self {
            InputTransform::Sobel => "sobel",
        }
    }

    /// Channels the encoder sees for `channels` input channels.
    pub fn out_channels(self, _channels: usize) -> usize {
        match self {
            InputTransform::Sobel => 2,
        }
    }

    /// Applies the transform to an N×C×H×W batch (same height and width out).
    pub fn apply(self, x: &Tensor) -> Result<Tensor, StageError> {
        match self {
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
        let y = InputTransform::Sobel.apply(&x).unwrap();
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
    fn rgb_goes_through_luma() {
        // Pure green everywhere except a zero column: the gradient scales with the green weight.
        let mut img = vec![0f32; 3 * 9];
        for p in 0..9 {
            if p % 3 != 0 {
                img[9 + p] = 1.0;
            }
        }
        let x = Tensor::from_vec(img, (1, 3, 3, 3), &Device::Cpu).unwrap();
        let y = InputTransform::Sobel.apply(&x).unwrap();
        let gx = y.get(0).unwrap().get(0).unwrap().to_vec2::<f32>().unwrap();
        // Centre: left column 0, right column 1 → (0 − 1) · 4 · 0.587.
        assert!((gx[1][1] + 4.0 * 0.587).abs() < 1e-5, "{gx:?}");
        assert_eq!(InputTransform::Sobel.out_channels(3), 2);
    }

    #[test]
    fn stored_name_round_trips() {
        assert_eq!(serde_json::to_string(&InputTransform::Sobel).unwrap(), "\"sobel\"");
        let t: InputTransform = serde_json::from_str("\"sobel\"").unwrap();
        assert_eq!(t, InputTransform::Sobel);
        assert!(serde_json::from_str::<InputTransform>("\"blur\"").is_err());
    }
}
