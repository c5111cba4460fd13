//! `temporal-order`: Misra, Zitnick & Hebert (ECCV 2016), "Shuffle and Learn: Unsupervised
//! Learning using Temporal Order Verification": triplets of video frames, in order or with the
//! middle frame from outside; binary classification through a shared per-frame encoder.
//!
//! The encoder reads single frames (64×64, 1 channel on moving-digits), so a probe needs
//! labelled images of that size: pad 32×32 digits into a 64×64 canvas (the `pad` ingest on
//! `synth-digits` with `size: 32`), which is how a digit looks in a moving-digits frame.

use pipeline_pretext::temporal::{temporal_order, TemporalOrderParams};
use pipeline_pretext::Purpose;

use super::{image_shape, source, Made, INPUTS};
use crate::artifact::{Artifact, TargetKind};
use crate::registry::{ArtifactType, Info, Kind, Method};
use crate::stage_ctx::{StageCtx, StageError};

pub struct TemporalOrder;

impl Method for TemporalOrder {
    type Params = TemporalOrderParams;
    const INFO: Info = Info {
        kind: Kind::Pretext,
        name: "temporal-order",
        doc: "frame triplets of a video, in order or shuffled; binary classification (Shuffle and Learn, Misra et al. 2016)",
        version: 2,
        inputs: INPUTS,
        output: ArtifactType::PretextDataset,
        seeded: true,
    };

    fn run(&self, ctx: &mut StageCtx, p: TemporalOrderParams) -> Result<Artifact, StageError> {
        let data = ctx.dataset("data")?;
        let train = temporal_order(&source(&data, &data.train)?, &p, ctx.seed, Purpose::Train)?;
        let test = temporal_order(&source(&data, &data.test)?, &p, ctx.seed, Purpose::Test)?;
        Made::new("temporal-order", 3, image_shape(&data), TargetKind::Class, 2, train, test).finish(ctx, &data)
    }
}
