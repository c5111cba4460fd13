//! Running a trained encoder over a whole image set in batches, without keeping the autograd
//! graph: the features a linear probe, kNN, k-means or DeepCluster's clustering step read.

use candle_core::{Device, Tensor};

use crate::arch::Encoder;
use crate::batch::{images_to_tensor, EpochBatches, Normalize};
use crate::error::Context;
use crate::NnError;

/// The flattened features at `layer` of every item in `bytes` (items of shape `item_dims`, in
/// storage order), computed `batch` items at a time: an N × dim tensor on `device`.
pub fn extract_features(
    encoder: &Encoder,
    layer: &str,
    bytes: &[u8],
    item_dims: &[usize],
    norm: Option<Normalize>,
    batch: usize,
    device: &Device,
) -> Result<Tensor, NnError> {
    let item_len: usize = item_dims.iter().product();
    let len = bytes.len().checked_div(item_len).unwrap_or(0);
    let dim = encoder
        .layers()
        .into_iter()
        .find(|(n, _)| n == layer)
        .map(|(_, d)| d)
        .ok_or_else(|| NnError::UnknownLayer {
            arch: encoder.spec().name.clone(),
            layer: layer.to_string(),
            valid: encoder.layers().into_iter().map(|(n, _)| n).collect::<Vec<_>>().join(", "),
        })?;
    if len == 0 {
        return Tensor::zeros((0, dim), candle_core::DType::F32, device).context(|| "empty feature matrix".into());
    }
    let mut parts = Vec::new();
    for idx in EpochBatches::sequential(len, batch)?.iter() {
        let x = images_to_tensor(bytes, idx, item_dims, norm, device)?;
        // Detached so each batch's graph is freed at once.
        parts.push(encoder.features(&x, layer)?.detach());
    }
    Tensor::cat(&parts, 0).context(|| format!("stacking {layer} features"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arch::{build_encoder, ArchSpec};
    use candle_core::DType;
    use candle_nn::{VarBuilder, VarMap};

    #[test]
    fn batched_extraction_equals_one_pass() {
        let vm = VarMap::new();
        let enc = build_encoder(&ArchSpec::new("convnet", 1, 28, 28), VarBuilder::from_varmap(&vm, DType::F32, &Device::Cpu)).unwrap();
        crate::init::reinit(&vm, 5).unwrap();
        let bytes: Vec<u8> = (0..5 * 784).map(|i| (i * 13 % 251) as u8).collect();
        let all = extract_features(&enc, "conv2", &bytes, &[1, 28, 28], None, 2, &Device::Cpu).unwrap();
        assert_eq!(all.dims(), &[5, 64 * 7 * 7]);
        let x = images_to_tensor(&bytes, &[0, 1, 2, 3, 4], &[1, 28, 28], None, &Device::Cpu).unwrap();
        let once = enc.features(&x, "conv2").unwrap();
        let diff = (all - once).unwrap().abs().unwrap().max_all().unwrap().to_scalar::<f32>().unwrap();
        assert!(diff < 1e-5, "{diff}");
        assert!(!extract_features(&enc, "conv2", &bytes, &[1, 28, 28], None, 2, &Device::Cpu).unwrap().track_op());
        assert!(extract_features(&enc, "pool9", &bytes, &[1, 28, 28], None, 2, &Device::Cpu).is_err());
        assert_eq!(extract_features(&enc, "fc", &[], &[1, 28, 28], None, 2, &Device::Cpu).unwrap().dims(), &[0, 128]);
    }
}
