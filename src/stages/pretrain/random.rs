//! `random`: the random-initialisation baseline every transfer table starts from: an encoder
//! with seeded PyTorch-default weights and no training.

use std::sync::Arc;

use pipeline_nn::init::reinit;

use crate::artifact::Artifact;
use crate::registry::{ArtifactType, Info, Kind, Method, Slot};
use crate::stage_ctx::{StageCtx, StageError};
use crate::stages::net::{ArchParams, Net};

pub struct Random;

impl Method for Random {
    type Params = ArchParams;
    const INFO: Info = Info {
        kind: Kind::Pretrain,
        name: "random",
        doc: "a randomly initialised encoder (the baseline of transfer tables); no training",
        version: 1,
        inputs: &[Slot::one("data", &[ArtifactType::Dataset])],
        output: ArtifactType::Model,
        seeded: true,
    };

    fn run(&self, ctx: &mut StageCtx, p: ArchParams) -> Result<Artifact, StageError> {
        let data = ctx.dataset("data")?;
        let net = Net::for_dataset(&p.arch, &data, &ctx.device)?;
        net.encoder()?;
        reinit(&net.varmap, ctx.seed)?;
        Ok(Artifact::Model(Arc::new(net.into_artifact("random", None, None, Default::default())?)))
    }
}
