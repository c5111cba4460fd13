//! `synth-digits`: MNIST-like digits drawn from the project's own glyphs (no files needed).
//! The generator lives in `pipeline-data`; this file declares it as an ingest method.

use std::sync::Arc;

use pipeline_data::{synth_digits, SynthDigitsParams};

use crate::artifact::Artifact;
use crate::registry::{ArtifactType, Info, Kind, Method};
use crate::stage_ctx::{StageCtx, StageError};

pub struct SynthDigits;

impl Method for SynthDigits {
    type Params = SynthDigitsParams;
    const INFO: Info = Info {
        kind: Kind::Ingest,
        name: "synth-digits",
        doc: "10-class 28×28 grayscale digits with random warps, stroke widths and noise (generated, deterministic by seed)",
        version: 1,
        inputs: &[],
        output: ArtifactType::Dataset,
        seeded: true,
    };

    fn run(&self, ctx: &mut StageCtx, p: SynthDigitsParams) -> Result<Artifact, StageError> {
        ctx.progress().update(0, 1, "generating");
        Ok(Artifact::Dataset(Arc::new(synth_digits(&p, ctx.seed)?)))
    }
}
