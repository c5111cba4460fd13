//! `pretext`: methods that turn a dataset into inputs with targets generated from the images
//! themselves (the generators live in `pipeline-pretext`); `pretrain` with `method: pretext`
//! learns to predict them.

pub mod colorization;
pub mod exemplar;
pub mod inpainting;
pub mod jigsaw;
pub mod relative_position;
pub mod rotation;
pub mod temporal_order;

use std::collections::BTreeMap;
use std::sync::Arc;

use pipeline_data::{Dataset, Split};
use pipeline_pretext::{channel_stats, preview::preview_png, PretextSplit, Shape, Source};

use crate::artifact::{Artifact, PretextData, PretextMeta, TargetKind};
use crate::registry::{ArtifactType, Slot};
use crate::stage_ctx::{StageCtx, StageError};

pub const INPUTS: &[Slot] = &[Slot::one("data", &[ArtifactType::Dataset])];

/// A dataset split as a generator's source.
pub fn source<'a>(data: &Dataset, split: &'a Split) -> Result<Source<'a>, StageError> {
    let l = data.layout;
    Ok(Source::new(&split.images, split.len, l.frames, Shape::new(l.channels, l.height, l.width))?)
}

/// The shape of one still image of `data`.
pub fn image_shape(data: &Dataset) -> Shape {
    Shape::new(data.layout.channels, data.layout.height, data.layout.width)
}

/// What a task made, before it becomes an artifact.
pub struct Made {
    pub task: &'static str,
    pub parts: usize,
    pub part: Shape,
    pub target: TargetKind,
    pub classes: usize,
    pub class_weights: Vec<f32>,
    pub tables: BTreeMap<String, Vec<Vec<f32>>>,
    pub input_transform: Option<String>,
    pub train: PretextSplit,
    pub test: PretextSplit,
}

impl Made {
    pub fn new(task: &'static str, parts: usize, part: Shape, target: TargetKind, classes: usize, train: PretextSplit, test: PretextSplit) -> Self {
        Made { task, parts, part, target, classes, class_weights: Vec::new(), tables: BTreeMap::new(), input_transform: None, train, test }
    }

    /// The artifact, with its input statistics, item counts as metrics and `preview.png`.
    pub fn finish(self, ctx: &mut StageCtx, data: &Dataset) -> Result<Artifact, StageError> {
        if self.train.len == 0 {
            crate::bail!("{} made no training items from `{}`", self.task, data.source);
        }
        let (mean, std) = channel_stats(&self.train.inputs, self.part);
        ctx.metric("items_train", self.train.len as f64);
        ctx.metric("items_test", self.test.len as f64);
        let path = ctx.publish("preview.png");
        preview_png(&self.train, self.parts, self.part, 16, 2, &path)?;
        let meta = PretextMeta {
            task: self.task.to_string(),
            source: data.source.clone(),
            source_layout: data.layout,
            parts: self.parts,
            part: self.part,
            target: self.target,
            classes: self.classes,
            class_weights: self.class_weights,
            tables: self.tables,
            input_transform: self.input_transform,
            train_len: self.train.len,
            test_len: self.test.len,
            mean,
            std,
        };
        Ok(Artifact::Pretext(Arc::new(PretextData { meta, train: self.train, test: self.test })))
    }
}
