//! A pretext dataset: inputs made from a dataset's images (each item `parts` images of one
//! shape) with targets a pretext task generated from the images themselves, the task's tables
//! (e.g. jigsaw's permutation set), and train and test splits.

use std::collections::BTreeMap;
use std::path::Path;

use pipeline_data::Layout;
use pipeline_pretext::{PretextSplit, Shape, Targets};
use safetensors::tensor::TensorView;
use safetensors::Dtype;
use serde::{Deserialize, Serialize};

const TENSORS: &str = "pretext.safetensors";
const META: &str = "pretext.json";

/// What the targets are.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum TargetKind {
    /// One class per item (`classes` of them).
    Class,
    /// One class per pixel of each part-sized map (`classes` bins).
    PixelClass,
    /// The pixels of `region` of the (single) part, all channels: a reconstruction target.
    Pixels { region: pipeline_pretext::raster::Rect },
}

/// The JSON header of a pretext dataset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PretextMeta {
    /// The task that made it (`rotation`, `jigsaw`, ...).
    pub task: String,
    /// The dataset it was made from (its ingest source) and that dataset's item layout.
    pub source: String,
    pub source_layout: Layout,
    /// Images per item and the shape of each.
    pub parts: usize,
    pub part: Shape,
    pub target: TargetKind,
    /// Classes of a class target (0 for reconstruction).
    pub classes: usize,
    /// Per-class loss weights (colorization's rebalancing); empty means equal weights.
    #[serde(default)]
    pub class_weights: Vec<f32>,
    /// Tables of the task, by name: jigsaw's `permutations` (the index table its labels point
    /// into), colorization's `ab_bins` (each class's bin centre).
    #[serde(default)]
    pub tables: BTreeMap<String, Vec<Vec<f32>>>,
    /// The input transform a model trained on it applies to ordinary images of the source
    /// dataset (e.g. `lab-l`), if any.
    #[serde(default)]
    pub input_transform: Option<String>,
    pub train_len: usize,
    pub test_len: usize,
    /// Per-channel statistics of the training inputs on the [0, 1] scale.
    pub mean: Vec<f32>,
    pub std: Vec<f32>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PretextData {
    pub meta: PretextMeta,
    pub train: PretextSplit,
    pub test: PretextSplit,
}

impl PretextData {
    /// Bytes of one part.
    pub fn part_len(&self) -> usize {
        self.meta.part.len()
    }

    /// The per-item target block length of a split's targets.
    fn target_dims(&self) -> Vec<usize> {
        match self.meta.target {
            TargetKind::Class => vec![],
            TargetKind::PixelClass => vec![self.meta.part.height, self.meta.part.width],
            TargetKind::Pixels { region } => vec![self.meta.part.channels, region.height, region.width],
        }
    }

    pub fn save(&self, dir: &Path) -> anyhow::Result<()> {
        let mut names = Vec::new();
        let mut blobs: Vec<(String, Dtype, Vec<usize>, Vec<u8>)> = Vec::new();
        for (name, split) in [("train", &self.train), ("test", &self.test)] {
            let m = &self.meta;
            blobs.push((format!("{name}_inputs"), Dtype::U8, vec![split.len, m.parts, m.part.channels, m.part.height, m.part.width], split.inputs.clone()));
            let mut dims = vec![split.len];
            dims.extend(self.target_dims());
            let (dtype, bytes) = match &split.targets {
                Targets::Classes(v) => (Dtype::U32, v.iter().flat_map(|x| x.to_le_bytes()).collect()),
                Targets::Bins(v) => (Dtype::U16, v.iter().flat_map(|x| x.to_le_bytes()).collect()),
                Targets::Pixels(v) => (Dtype::U8, v.clone()),
            };
            blobs.push((format!("{name}_targets"), dtype, dims, bytes));
            blobs.push((format!("{name}_source"), Dtype::U32, vec![split.len], split.source.iter().flat_map(|x| x.to_le_bytes()).collect()));
            names.push(name);
        }
        let views = blobs
            .iter()
            .map(|(n, d, s, b)| Ok((n.clone(), TensorView::new(*d, s.clone(), b).map_err(|e| anyhow::anyhow!("{n}: {e}"))?)))
            .collect::<anyhow::Result<Vec<_>>>()?;
        safetensors::serialize_to_file(views, None, &dir.join(TENSORS))?;
        std::fs::write(dir.join(META), serde_json::to_vec_pretty(&self.meta)?)?;
        Ok(())
    }

    pub fn load(dir: &Path) -> anyhow::Result<Self> {
        let meta_path = dir.join(META);
        let bytes = std::fs::read(&meta_path).map_err(|e| anyhow::anyhow!("{}: {e}", meta_path.display()))?;
        let meta: PretextMeta = serde_json::from_slice(&bytes).map_err(|e| anyhow::anyhow!("{}: corrupt pretext header: {e}", meta_path.display()))?;
        let path = dir.join(TENSORS);
        let bytes = std::fs::read(&path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        let st = safetensors::SafeTensors::deserialize(&bytes).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        let get = |name: &str| -> anyhow::Result<(Dtype, Vec<u8>)> {
            let t = st.tensor(name).map_err(|_| anyhow::anyhow!("{}: missing tensor {name}", path.display()))?;
            Ok((t.dtype(), t.data().to_vec()))
        };
        let u32s = |b: &[u8]| b.chunks_exact(4).map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect::<Vec<u32>>();
        let take = |name: &str, len: usize| -> anyhow::Result<PretextSplit> {
            let (_, inputs) = get(&format!("{name}_inputs"))?;
            if inputs.len() != len * meta.parts * meta.part.len() {
                anyhow::bail!("{}: {name}_inputs has {} bytes, expected {}", path.display(), inputs.len(), len * meta.parts * meta.part.len());
            }
            let (dtype, t) = get(&format!("{name}_targets"))?;
            let targets = match dtype {
                Dtype::U32 => Targets::Classes(u32s(&t)),
                Dtype::U16 => Targets::Bins(t.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]])).collect()),
                Dtype::U8 => Targets::Pixels(t),
                other => anyhow::bail!("{}: {name}_targets has dtype {other:?}", path.display()),
            };
            let source = u32s(&get(&format!("{name}_source"))?.1);
            Ok(PretextSplit { inputs, targets, source, len })
        };
        let train = take("train", meta.train_len)?;
        let test = take("test", meta.test_len)?;
        Ok(Self { meta, train, test })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn save_then_load_round_trips_every_target_kind() {
        let part = Shape::new(1, 2, 2);
        let split = |targets, len| PretextSplit { inputs: (0..len * 8).map(|v| v as u8).collect(), targets, source: (0..len as u32).collect(), len };
        let region = pipeline_pretext::raster::Rect::new(0, 0, 1, 2);
        for (target, train, test) in [
            (TargetKind::Class, Targets::Classes(vec![3, 1, 0]), Targets::Classes(vec![2])),
            (TargetKind::PixelClass, Targets::Bins((0..12).collect()), Targets::Bins(vec![9, 8, 7, 6])),
            (TargetKind::Pixels { region }, Targets::Pixels(vec![1, 2, 3, 4, 5, 6]), Targets::Pixels(vec![7, 8])),
        ] {
            let data = PretextData {
                meta: PretextMeta {
                    task: "t".into(),
                    source: "s".into(),
                    source_layout: Layout::image(1, 2, 2),
                    parts: 2,
                    part,
                    target,
                    classes: 4,
                    class_weights: vec![0.5, 1.0, 1.0, 2.0],
                    tables: BTreeMap::from([("permutations".to_string(), vec![vec![1.0, 0.0]])]),
                    input_transform: Some("lab-l".into()),
                    train_len: 3,
                    test_len: 1,
                    mean: vec![0.5],
                    std: vec![0.2],
                },
                train: split(train, 3),
                test: split(test, 1),
            };
            let dir = tempfile::tempdir().unwrap();
            data.save(dir.path()).unwrap();
            assert_eq!(PretextData::load(dir.path()).unwrap(), data);
        }
    }
}
