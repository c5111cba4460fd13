//! Turning u8 image storage into input batches, and the seeded order in which an epoch visits
//! the items.

use candle_core::{Device, Tensor};
use rand::seq::SliceRandom;

use crate::error::Context;
use crate::NnError;

/// Per-channel standardisation on the [0, 1] scale: `(x/255 − mean[c]) / std[c]`.
#[derive(Debug, Clone, Copy)]
pub struct Normalize<'a> {
    pub mean: &'a [f32],
    pub std: &'a [f32],
}

/// Gathers the items at `indices` from `bytes` (items of shape `item_dims` stored back to back,
/// `[C, H, W]` or `[T, C, H, W]`) into an N × `item_dims` f32 tensor, scaled to [0, 1] and then
/// standardised per channel when `norm` is given.
pub fn images_to_tensor(
    bytes: &[u8],
    indices: &[usize],
    item_dims: &[usize],
    norm: Option<Normalize>,
    device: &Device,
) -> Result<Tensor, NnError> {
    if !(3..=4).contains(&item_dims.len()) {
        return Err(NnError::invalid(format!("item shape must be [C, H, W] or [T, C, H, W], got {item_dims:?}")));
    }
    let item_len: usize = item_dims.iter().product();
    let items = match bytes.len().checked_div(item_len) {
        Some(items) if bytes.len().is_multiple_of(item_len) => items,
        _ => return Err(NnError::invalid(format!("{} bytes do not hold whole items of shape {item_dims:?}", bytes.len()))),
    };
    if let Some(&bad) = indices.iter().find(|&&i| i >= items) {
        return Err(NnError::invalid(format!("item index {bad} out of range: the storage holds {items} items")));
    }
    let channels = item_dims[item_dims.len() - 3];
    let plane = item_dims[item_dims.len() - 2] * item_dims[item_dims.len() - 1];
    // One affine map per channel: x·scale[c] + shift[c].
    let (scale, shift): (Vec<f32>, Vec<f32>) = match norm {
        None => (vec![1.0 / 255.0; channels], vec![0.0; channels]),
        Some(Normalize { mean, std }) => {
            if mean.len() != channels || std.len() != channels {
                return Err(NnError::invalid(format!(
                    "normalisation has {} means and {} stds for {channels} channels",
                    mean.len(),
                    std.len()
                )));
            }
            if let Some(s) = std.iter().find(|&&s| s.is_nan() || s <= 0.0 || s.is_infinite()) {
                return Err(NnError::invalid(format!("normalisation std {s} must be positive")));
            }
            (std.iter().map(|s| 1.0 / (255.0 * s)).collect(), mean.iter().zip(std).map(|(m, s)| -m / s).collect())
        }
    };
    let mut out = Vec::with_capacity(indices.len() * item_len);
    for &i in indices {
        let item = &bytes[i * item_len..(i + 1) * item_len];
        // Planes cycle through the channels, also across the frames of a video item.
        for (p, chunk) in item.chunks_exact(plane).enumerate() {
            let (a, b) = (scale[p % channels], shift[p % channels]);
            out.extend(chunk.iter().map(|&x| x as f32 * a + b));
        }
    }
    let mut shape = vec![indices.len()];
    shape.extend_from_slice(item_dims);
    Tensor::from_vec(out, shape, device).context(|| "building an image batch".into())
}

/// The labels at `indices` as a u32 tensor of length N (for `cross_entropy`).
pub fn labels_to_tensor(labels: &[u32], indices: &[usize], device: &Device) -> Result<Tensor, NnError> {
    let picked = indices
        .iter()
        .map(|&i| labels.get(i).copied().ok_or_else(|| NnError::invalid(format!("label index {i} out of range: {} labels", labels.len()))))
        .collect::<Result<Vec<u32>, _>>()?;
    Tensor::from_vec(picked, indices.len(), device).context(|| "building a label batch".into())
}

/// The batches of one epoch: a permutation of `0..len` that depends only on (seed, epoch), cut
/// into batches of `batch` indices; the last, shorter batch is kept unless `drop_last`.
#[derive(Debug, Clone)]
pub struct EpochBatches {
    order: Vec<usize>,
    batch: usize,
    drop_last: bool,
}

impl EpochBatches {
    pub fn new(len: usize, batch: usize, seed: u64, epoch: usize, drop_last: bool) -> Result<Self, NnError> {
        if batch == 0 {
            return Err(NnError::invalid("batch size must be at least 1"));
        }
        let mut order: Vec<usize> = (0..len).collect();
        order.shuffle(&mut crate::init::stream(seed, &format!("epoch {epoch}")));
        Ok(Self { order, batch, drop_last })
    }

    /// Batches in visiting order, without shuffling (evaluation, feature extraction).
    pub fn sequential(len: usize, batch: usize) -> Result<Self, NnError> {
        if batch == 0 {
            return Err(NnError::invalid("batch size must be at least 1"));
        }
        Ok(Self { order: (0..len).collect(), batch, drop_last: false })
    }

    /// Number of batches this epoch yields.
    pub fn len(&self) -> usize {
        if self.drop_last {
            self.order.len() / self.batch
        } else {
            self.order.len().div_ceil(self.batch)
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The batches as index slices.
    pub fn iter(&self) -> impl Iterator<Item = &[usize]> + '_ {
        self.order.chunks(self.batch).take(self.len())
    }

    /// Number of batches per epoch for `len` items, for schedules that need the step count.
    pub fn count(len: usize, batch: usize, drop_last: bool) -> usize {
        if batch == 0 {
            0
        } else if drop_last {
            len / batch
        } else {
            len.div_ceil(batch)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gathers_scales_and_standardises() {
        // Two 2-channel 1×2 items.
        let bytes = [0u8, 255, 51, 102, 255, 0, 204, 153];
        let t = images_to_tensor(&bytes, &[1, 0], &[2, 1, 2], None, &Device::Cpu).unwrap();
        assert_eq!(t.dims(), &[2, 2, 1, 2]);
        let v = t.flatten_all().unwrap().to_vec1::<f32>().unwrap();
        let want = [1.0, 0.0, 0.8, 0.6, 0.0, 1.0, 0.2, 0.4];
        assert!(v.iter().zip(want).all(|(a, b)| (a - b).abs() < 1e-6), "{v:?}");
        let norm = Normalize { mean: &[0.5, 0.2], std: &[0.5, 0.1] };
        let t = images_to_tensor(&bytes, &[0], &[2, 1, 2], Some(norm), &Device::Cpu).unwrap();
        let v = t.flatten_all().unwrap().to_vec1::<f32>().unwrap();
        let want = [-1.0, 1.0, 0.0, 2.0];
        assert!(v.iter().zip(want).all(|(a, b)| (a - b).abs() < 1e-5), "{v:?}");
    }

    #[test]
    fn video_items_cycle_channels_per_frame() {
        // One item: 2 frames × 2 channels × 1×1; channel 1 has mean 1 so it maps to ≤ 0.
        let norm = Normalize { mean: &[0.0, 1.0], std: &[1.0, 1.0] };
        let t = images_to_tensor(&[255, 255, 0, 0], &[0], &[2, 2, 1, 1], Some(norm), &Device::Cpu).unwrap();
        assert_eq!(t.dims(), &[1, 2, 2, 1, 1]);
        assert_eq!(t.flatten_all().unwrap().to_vec1::<f32>().unwrap(), vec![1.0, 0.0, 0.0, -1.0]);
    }

    #[test]
    fn bad_input_is_reported() {
        let e = images_to_tensor(&[0; 8], &[2], &[2, 1, 2], None, &Device::Cpu).unwrap_err();
        assert!(e.to_string().contains("index 2 out of range"), "{e}");
        let e = images_to_tensor(&[0; 7], &[0], &[2, 1, 2], None, &Device::Cpu).unwrap_err();
        assert!(e.to_string().contains("whole items"), "{e}");
        let norm = Normalize { mean: &[0.5], std: &[0.5] };
        assert!(images_to_tensor(&[0; 8], &[0], &[2, 1, 2], Some(norm), &Device::Cpu).is_err());
        assert!(labels_to_tensor(&[1, 2], &[5], &Device::Cpu).is_err());
        assert_eq!(labels_to_tensor(&[7, 8, 9], &[2, 0], &Device::Cpu).unwrap().to_vec1::<u32>().unwrap(), vec![9, 7]);
    }

    #[test]
    fn epochs_are_seeded_permutations() {
        let a = EpochBatches::new(10, 4, 1, 0, false).unwrap();
        let b = EpochBatches::new(10, 4, 1, 0, false).unwrap();
        let c = EpochBatches::new(10, 4, 1, 1, false).unwrap();
        let flat = |e: &EpochBatches| e.iter().flatten().copied().collect::<Vec<_>>();
        assert_eq!(flat(&a), flat(&b));
        assert_ne!(flat(&a), flat(&c));
        let mut sorted = flat(&a);
        sorted.sort();
        assert_eq!(sorted, (0..10).collect::<Vec<_>>());
        assert_eq!(a.iter().map(|b| b.len()).collect::<Vec<_>>(), vec![4, 4, 2]);
        let d = EpochBatches::new(10, 4, 1, 0, true).unwrap();
        assert_eq!((d.len(), d.iter().count()), (2, 2));
        assert_eq!(EpochBatches::count(10, 4, true), 2);
        assert!(EpochBatches::new(10, 0, 1, 0, false).is_err());
        assert_eq!(EpochBatches::sequential(5, 2).unwrap().iter().collect::<Vec<_>>(), vec![&[0, 1][..], &[2, 3], &[4]]);
    }
}
