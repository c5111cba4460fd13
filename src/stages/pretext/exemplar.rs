//! `exemplar`: Dosovitskiy et al. (NIPS 2014), "Discriminative Unsupervised Feature Learning
//! with Convolutional Neural Networks": N seed images, each a surrogate class of random
//! augmentations (crop/shift, scale, rotation, contrast, gamma, colour); N-way classification.

use pipeline_pretext::exemplar::{choose_seeds, exemplar, ExemplarParams};
use pipeline_pretext::Purpose;

use super::{image_shape, source, Made, INPUTS};
use crate::artifact::{Artifact, TargetKind};
use crate::registry::{ArtifactType, Info, Kind, Method};
use crate::stage_ctx::{StageCtx, StageError};

pub struct Exemplar;

impl Method for Exemplar {
    type Params = ExemplarParams;
    const INFO: Info = Info {
        kind: Kind::Pretext,
        name: "exemplar",
        doc: "N seed images, each a surrogate class of random augmentations; N-way classification (Dosovitskiy et al. 2014)",
        version: 1,
        inputs: INPUTS,
        output: ArtifactType::PretextDataset,
        seeded: true,
    };

    fn run(&self, ctx: &mut StageCtx, p: ExemplarParams) -> Result<Artifact, StageError> {
        let data = ctx.dataset("data")?;
        let src = source(&data, &data.train)?;
        let seeds = choose_seeds(src.len, p.seeds, ctx.seed)?;
        // Both splits augment the same seed images: the test split measures the surrogate task.
        let train = exemplar(&src, &seeds, p.copies, p.strength, ctx.seed, Purpose::Train)?;
        let test = exemplar(&src, &seeds, p.test_copies, p.strength, ctx.seed, Purpose::Test)?;
        Made::new("exemplar", 1, image_shape(&data), TargetKind::Class, seeds.len(), train, test).finish(ctx, &data)
    }
}
