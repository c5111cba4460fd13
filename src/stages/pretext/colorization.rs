//! `colorization`: Zhang, Isola & Efros (ECCV 2016), "Colorful Image Colorization": RGB → Lab,
//! input L, predict each pixel's ab as a class over quantised ab bins, rebalanced by rarity.
//!
//! The encoder takes one channel (L): the pretext dataset records the `lab-l` input transform,
//! the trained model carries it in its header, and every probe converts RGB images to L the
//! same way before the encoder reads them.

use pipeline_pretext::colorization::{colorization, input_shape, ColorizationParams};

use super::{image_shape, source, Made, INPUTS};
use crate::artifact::{Artifact, TargetKind};
use crate::registry::{ArtifactType, Info, Kind, Method};
use crate::stage_ctx::{StageCtx, StageError};
use crate::stages::input_transform::InputTransform;

pub struct Colorization;

impl Method for Colorization {
    type Params = ColorizationParams;
    const INFO: Info = Info {
        kind: Kind::Pretext,
        name: "colorization",
        doc: "input the Lab L channel, predict each pixel's quantised ab bin, rebalanced by rarity (Zhang et al. 2016); RGB data",
        version: 2,
        inputs: INPUTS,
        output: ArtifactType::PretextDataset,
        seeded: false,
    };

    fn run(&self, ctx: &mut StageCtx, p: ColorizationParams) -> Result<Artifact, StageError> {
        let data = ctx.dataset("data")?;
        ctx.progress().update(0, 1, "RGB to Lab");
        let (bins, weights, train, test) = colorization(&source(&data, &data.train)?, &source(&data, &data.test)?, &p)?;
        ctx.metric("ab_bins", bins.len() as f64);
        let mut made = Made::new("colorization", 1, input_shape(image_shape(&data)), TargetKind::PixelClass, bins.len(), train, test);
        made.class_weights = weights;
        made.tables.insert("ab_bins".to_string(), bins.centres.iter().map(|c| c.to_vec()).collect());
        made.input_transform = Some(InputTransform::LabL.name().to_string());
        made.finish(ctx, &data)
    }
}
