//! `relative-position`: Doersch, Gupta & Efros (ICCV 2015), "Unsupervised Visual Representation
//! Learning by Context Prediction": the centre patch of a 3×3 grid and one of its 8 neighbours
//! (gap and jitter); 8-way classification from the pair through a shared encoder.
//!
//! Patches are resized to the image size, so the encoder a probe loads reads whole images.

use pipeline_pretext::relative_position::{relative_position, RelativePositionParams, OFFSETS};
use pipeline_pretext::Purpose;

use super::{image_shape, source, Made, INPUTS};
use crate::artifact::{Artifact, TargetKind};
use crate::registry::{ArtifactType, Info, Kind, Method};
use crate::stage_ctx::{StageCtx, StageError};

pub struct RelativePosition;

impl Method for RelativePosition {
    type Params = RelativePositionParams;
    const INFO: Info = Info {
        kind: Kind::Pretext,
        name: "relative-position",
        doc: "the centre patch and one of its 8 neighbours (gap, jitter); 8-way classification (Doersch et al. 2015)",
        version: 1,
        inputs: INPUTS,
        output: ArtifactType::PretextDataset,
        seeded: true,
    };

    fn run(&self, ctx: &mut StageCtx, p: RelativePositionParams) -> Result<Artifact, StageError> {
        let data = ctx.dataset("data")?;
        let train = relative_position(&source(&data, &data.train)?, &p, ctx.seed, Purpose::Train)?;
        let test = relative_position(&source(&data, &data.test)?, &p, ctx.seed, Purpose::Test)?;
        Made::new("relative-position", 2, image_shape(&data), TargetKind::Class, OFFSETS.len(), train, test).finish(ctx, &data)
    }
}
