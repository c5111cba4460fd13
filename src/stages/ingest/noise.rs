//! `noise`: Gaussian pixel noise on every image of a dataset (every frame of a video), each item
//! at its own level drawn up to `sigma` ([`pipeline_data::noise`]). It makes judging learnt
//! features fair where clean digits do not: random filters pass the noise on to a probe, trained
//! ones can learn to look past it. Noising both a task's videos and its padded probe digits gives
//! them the same noise over the whole canvas (`explore`'s VNOISE and PNOISE in tests/pretext.rs).

use std::sync::Arc;

use crate::artifact::Artifact;
use crate::registry::{ArtifactType, Info, Kind, Method, Slot};
use crate::stage_ctx::{StageCtx, StageError};

pipeline_params::params! {
    /// Pixel noise.
    pub struct NoiseParams {
        /// Largest standard deviation of the noise, on the [0, 1] pixel scale; each image (or video) draws its own level uniformly up to it.
        sigma: f64 = 0.1, range(0.0, 1.0);
    }
}

pub struct Noise;

impl Method for Noise {
    type Params = NoiseParams;
    const INFO: Info = Info {
        kind: Kind::Ingest,
        name: "noise",
        doc: "Gaussian pixel noise on every image (every frame of a video), each item at its own level up to `sigma`",
        version: 1,
        inputs: &[Slot::one("data", &[ArtifactType::Dataset])],
        output: ArtifactType::Dataset,
        seeded: true,
    };

    fn run(&self, ctx: &mut StageCtx, p: NoiseParams) -> Result<Artifact, StageError> {
        let data = ctx.dataset("data")?;
        Ok(Artifact::Dataset(Arc::new(pipeline_data::noisy(&data, p.sigma, ctx.seed))))
    }
}
