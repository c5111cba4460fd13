//! The dataset artifact: images (u8, NCHW or NTCHW), optional labels, class names, split sizes and
//! normalisation statistics, stored as one safetensors file plus a small JSON header.

use std::collections::HashMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::DataError;

/// File names inside a dataset's store entry.
pub const TENSORS_FILE: &str = "dataset.safetensors";
pub const META_FILE: &str = "dataset.json";

/// The shape of one item: `frames` is 1 for still images and T for video (NTCHW).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Layout {
    pub frames: usize,
    pub channels: usize,
    pub height: usize,
    pub width: usize,
}

impl Layout {
    pub fn image(channels: usize, height: usize, width: usize) -> Self {
        Self { frames: 1, channels, height, width }
    }
    /// Bytes (u8 values) per item.
    pub fn item_len(&self) -> usize {
        self.frames * self.channels * self.height * self.width
    }
    /// The per-item tensor shape: `[C, H, W]` for images, `[T, C, H, W]` for video.
    pub fn item_dims(&self) -> Vec<usize> {
        if self.frames == 1 {
            vec![self.channels, self.height, self.width]
        } else {
            vec![self.frames, self.channels, self.height, self.width]
        }
    }
}

/// One split of a dataset. `images.len() == len * layout.item_len()`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Split {
    pub images: Vec<u8>,
    /// Class index per item, when the source has labels.
    pub labels: Option<Vec<u32>>,
    pub len: usize,
}

impl Split {
    /// The raw bytes of item `i`.
    pub fn item(&self, i: usize, layout: &Layout) -> &[u8] {
        let n = layout.item_len();
        &self.images[i * n..(i + 1) * n]
    }
    /// Keeps the items at `indices`, in that order.
    pub fn select(&self, indices: &[usize], layout: &Layout) -> Split {
        let mut images = Vec::with_capacity(indices.len() * layout.item_len());
        for &i in indices {
            images.extend_from_slice(self.item(i, layout));
        }
        let labels = self.labels.as_ref().map(|l| indices.iter().map(|&i| l[i]).collect());
        Split { images, labels, len: indices.len() }
    }
}

/// Small facts about a dataset that travel as JSON next to the tensors.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DatasetMeta {
    /// The ingest source that made it (`synth-digits`, `mnist`, ...).
    pub source: String,
    pub layout: Layout,
    /// Class names, indexed by label; empty when the data has no labels.
    pub classes: Vec<String>,
    pub train_len: usize,
    pub test_len: usize,
    /// Per-channel mean and standard deviation of the training images, on the [0, 1] scale.
    pub mean: Vec<f32>,
    pub std: Vec<f32>,
}

/// A dataset artifact.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    pub source: String,
    pub layout: Layout,
    pub classes: Vec<String>,
    pub train: Split,
    pub test: Split,
    /// Per-channel statistics of the training split on the [0, 1] scale (see [`Dataset::new`]).
    pub mean: Vec<f32>,
    pub std: Vec<f32>,
}

impl Dataset {
    /// Builds a dataset and computes its normalisation statistics from the training split.
    pub fn new(source: &str, layout: Layout, classes: Vec<String>, train: Split, test: Split) -> Self {
        let (mean, std) = channel_stats(&train, &layout);
        Self { source: source.into(), layout, classes, train, test, mean, std }
    }

    pub fn has_labels(&self) -> bool {
        self.train.labels.is_some()
    }

    pub fn meta(&self) -> DatasetMeta {
        DatasetMeta {
            source: self.source.clone(),
            layout: self.layout,
            classes: self.classes.clone(),
            train_len: self.train.len,
            test_len: self.test.len,
            mean: self.mean.clone(),
            std: self.std.clone(),
        }
    }

    /// Writes `dataset.safetensors` and `dataset.json` into `dir` (which must exist).
    pub fn save(&self, dir: &Path) -> Result<(), DataError> {
        let mut tensors: Vec<(String, safetensors::tensor::TensorView<'_>)> = Vec::new();
        let mut label_bytes = Vec::new();
        for (name, split) in [("train", &self.train), ("test", &self.test)] {
            let mut shape = vec![split.len];
            shape.extend(self.layout.item_dims());
            tensors.push((format!("{name}_images"), view(safetensors::Dtype::U8, shape, &split.images)?));
            if let Some(labels) = &split.labels {
                label_bytes.push((name, labels.iter().flat_map(|l| l.to_le_bytes()).collect::<Vec<u8>>(), labels.len()));
            }
        }
        for (name, bytes, n) in &label_bytes {
            tensors.push((format!("{name}_labels"), view(safetensors::Dtype::U32, vec![*n], bytes)?));
        }
        let path = dir.join(TENSORS_FILE);
        safetensors::serialize_to_file(tensors, None, &path)
            .map_err(|e| DataError::io(&path, std::io::Error::other(e.to_string())))?;
        let meta_path = dir.join(META_FILE);
        let json = serde_json::to_vec_pretty(&self.meta()).expect("dataset meta serialises");
        std::fs::write(&meta_path, json).map_err(|e| DataError::io(&meta_path, e))
    }

    /// Reads a dataset written by [`Dataset::save`].
    pub fn load(dir: &Path) -> Result<Self, DataError> {
        let meta_path = dir.join(META_FILE);
        let text = std::fs::read(&meta_path).map_err(|e| DataError::io(&meta_path, e))?;
        let meta: DatasetMeta = serde_json::from_slice(&text)
            .map_err(|e| DataError::corrupt(&meta_path, format!("bad dataset header: {e}")))?;
        let path = dir.join(TENSORS_FILE);
        let bytes = std::fs::read(&path).map_err(|e| DataError::io(&path, e))?;
        let st = safetensors::SafeTensors::deserialize(&bytes)
            .map_err(|e| DataError::corrupt(&path, e.to_string()))?;
        let mut tensors: HashMap<String, Vec<u8>> = HashMap::new();
        for (name, t) in st.tensors() {
            tensors.insert(name, t.data().to_vec());
        }
        let mut take_split = |name: &str, len: usize| -> Result<Split, DataError> {
            let images = tensors
                .remove(&format!("{name}_images"))
                .ok_or_else(|| DataError::corrupt(&path, format!("missing tensor {name}_images")))?;
            if images.len() != len * meta.layout.item_len() {
                return Err(DataError::corrupt(&path, format!("{name}_images has {} bytes, expected {}", images.len(), len * meta.layout.item_len())));
            }
            let labels = tensors.remove(&format!("{name}_labels")).map(|b| {
                b.chunks_exact(4).map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect::<Vec<u32>>()
            });
            if let Some(l) = &labels {
                if l.len() != len {
                    return Err(DataError::corrupt(&path, format!("{name}_labels has {} entries, expected {len}", l.len())));
                }
            }
            Ok(Split { images, labels, len })
        };
        let train = take_split("train", meta.train_len)?;
        let test = take_split("test", meta.test_len)?;
        Ok(Self {
            source: meta.source,
            layout: meta.layout,
            classes: meta.classes,
            train,
            test,
            mean: meta.mean,
            std: meta.std,
        })
    }
}

fn view(dtype: safetensors::Dtype, shape: Vec<usize>, data: &[u8]) -> Result<safetensors::tensor::TensorView<'_>, DataError> {
    safetensors::tensor::TensorView::new(dtype, shape, data)
        .map_err(|e| DataError::Invalid(format!("cannot store tensor: {e}")))
}

/// Per-channel mean and std on the [0, 1] scale.
fn channel_stats(split: &Split, layout: &Layout) -> (Vec<f32>, Vec<f32>) {
    let plane = layout.height * layout.width;
    let mut sum = vec![0f64; layout.channels];
    let mut sq = vec![0f64; layout.channels];
    let mut count = vec![0u64; layout.channels];
    // Items are [T, C, H, W]: consecutive planes cycle through the channels.
    for (p, chunk) in split.images.chunks(plane).enumerate() {
        let c = p % layout.channels;
        for &v in chunk {
            let x = v as f64 / 255.0;
            sum[c] += x;
            sq[c] += x * x;
        }
        count[c] += chunk.len() as u64;
    }
    let mean: Vec<f32> = (0..layout.channels).map(|c| (sum[c] / count[c].max(1) as f64) as f32).collect();
    let std = (0..layout.channels)
        .map(|c| {
            let n = count[c].max(1) as f64;
            let var = (sq[c] / n - (sum[c] / n).powi(2)).max(0.0);
            // A constant channel gets std 1 so that normalising never divides by zero.
            if var > 1e-12 { var.sqrt() as f32 } else { 1.0 }
        })
        .collect();
    (mean, std)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiny() -> Dataset {
        let layout = Layout::image(1, 2, 2);
        let train = Split { images: vec![0, 255, 0, 255, 255, 255, 0, 0], labels: Some(vec![0, 1]), len: 2 };
        let test = Split { images: vec![1, 2, 3, 4], labels: Some(vec![1]), len: 1 };
        Dataset::new("tiny", layout, vec!["a".into(), "b".into()], train, test)
    }

    #[test]
    fn statistics_are_per_channel_on_unit_scale() {
        let d = tiny();
        assert_eq!(d.mean, vec![0.5]);
        assert!((d.std[0] - 0.5).abs() < 1e-6);
    }

    #[test]
    fn save_then_load_round_trips() {
        let d = tiny();
        let dir = std::env::temp_dir().join(format!("pipeline-data-rt-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        d.save(&dir).unwrap();
        let back = Dataset::load(&dir).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(back, d);
    }

    #[test]
    fn select_keeps_items_and_labels_in_order() {
        let d = tiny();
        let s = d.train.select(&[1, 0], &d.layout);
        assert_eq!(s.images, vec![255, 255, 0, 0, 0, 255, 0, 255]);
        assert_eq!(s.labels, Some(vec![1, 0]));
    }
}
