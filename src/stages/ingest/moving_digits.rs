//! `moving-digits`: the stochastic moving digits of SVG (Denton & Fergus, ICML 2018): 64×64
//! frames where digits bounce off the walls with newly drawn velocities. The digits are drawn
//! like `synth-digits`, or taken from a digit dataset given in `needs` (e.g. a loaded MNIST).

use std::sync::Arc;

use pipeline_data::sources::moving_digits::{moving_digits, MovingDigitsParams};

use crate::artifact::Artifact;
use crate::registry::{ArtifactType, Info, Kind, Method, Slot};
use crate::stage_ctx::{StageCtx, StageError};

pub struct MovingDigits;

impl Method for MovingDigits {
    type Params = MovingDigitsParams;
    const INFO: Info = Info {
        kind: Kind::Ingest,
        name: "moving-digits",
        doc: "stochastic moving digits video (SVG): 64×64 frames, 1–2 bouncing digits (from synth-digits or a given digit dataset)",
        version: 1,
        inputs: &[Slot::optional("digits", &[ArtifactType::Dataset])],
        output: ArtifactType::Dataset,
        seeded: true,
    };

    fn run(&self, ctx: &mut StageCtx, p: MovingDigitsParams) -> Result<Artifact, StageError> {
        ctx.progress().update(0, 1, "generating");
        let digits = ctx.input("digits").map(|_| ctx.dataset("digits")).transpose()?;
        Ok(Artifact::Dataset(Arc::new(moving_digits(&p, ctx.seed, digits.as_deref())?)))
    }
}
