//! `samples`: a PNG grid of a dataset's first items (video: one strip of frames per sequence),
//! to look at what a source or a pretext task produced.

use crate::artifact::Artifact;
use crate::registry::{ArtifactType, Info, Kind, Method, Slot};
use crate::stage_ctx::{StageCtx, StageError};

pipeline_params::params! {
    /// What to draw.
    pub struct SamplesParams {
        /// `train` or `test`.
        split: String = "train".to_string(), choices("train", "test");
        /// Items to draw.
        n: usize = 64, range(1, 10000);
    }
}

pub struct Samples;

impl Method for Samples {
    type Params = SamplesParams;
    const INFO: Info = Info {
        kind: Kind::Report,
        name: "samples",
        doc: "a PNG grid of a dataset's items (videos as strips of frames): samples.png",
        version: 1,
        inputs: &[Slot::one("data", &[ArtifactType::Dataset])],
        output: ArtifactType::Report,
        seeded: false,
    };

    fn run(&self, ctx: &mut StageCtx, p: SamplesParams) -> Result<Artifact, StageError> {
        let data = ctx.dataset("data")?;
        let path = ctx.publish("samples.png");
        pipeline_data::preview_png(&data, &p.split, p.n, &path)?;
        Ok(Artifact::Report)
    }
}
