//! `rotation`: Gidaris, Singh & Komodakis (ICLR 2018), "Unsupervised Representation Learning by
//! Predicting Image Rotations": every image turned by 0°, 90°, 180° and 270°, a 4-way target.

use pipeline_pretext::rotation::{rotation, RotationParams, CLASSES};
use pipeline_pretext::Purpose;

use super::{image_shape, source, Made, INPUTS};
use crate::artifact::{Artifact, TargetKind};
use crate::registry::{ArtifactType, Info, Kind, Method};
use crate::stage_ctx::{StageCtx, StageError};

pub struct Rotation;

impl Method for Rotation {
    type Params = RotationParams;
    const INFO: Info = Info {
        kind: Kind::Pretext,
        name: "rotation",
        doc: "images turned by 0/90/180/270 degrees; 4-way classification (Gidaris et al. 2018)",
        version: 1,
        inputs: INPUTS,
        output: ArtifactType::PretextDataset,
        seeded: true,
    };

    fn run(&self, ctx: &mut StageCtx, p: RotationParams) -> Result<Artifact, StageError> {
        let data = ctx.dataset("data")?;
        let train = rotation(&source(&data, &data.train)?, &p, ctx.seed, Purpose::Train)?;
        let test = rotation(&source(&data, &data.test)?, &p, ctx.seed, Purpose::Test)?;
        Made::new("rotation", 1, image_shape(&data), TargetKind::Class, CLASSES, train, test).finish(ctx, &data)
    }
}
