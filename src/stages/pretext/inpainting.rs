//! `inpainting`: Pathak et al. (CVPR 2016), "Context Encoders: Feature Learning by Inpainting":
//! the central square of each image filled with the dataset's mean colour; the target is the
//! square's pixels (an encoder–decoder reconstructs them, L2 plus an adversarial loss).
//!
//! The encoder trains on images with a hole and a probe shows it whole images; Pathak et al.
//! note the same gap and close it by fine-tuning, which the `full` judge measures.

use pipeline_pretext::inpainting::{central_region, inpainting, InpaintingParams};

use super::{image_shape, source, Made, INPUTS};
use crate::artifact::{Artifact, TargetKind};
use crate::registry::{ArtifactType, Info, Kind, Method};
use crate::stage_ctx::{StageCtx, StageError};

pub struct Inpainting;

impl Method for Inpainting {
    type Params = InpaintingParams;
    const INFO: Info = Info {
        kind: Kind::Pretext,
        name: "inpainting",
        doc: "the central square masked with the mean colour; reconstruct it (context encoder, Pathak et al. 2016)",
        version: 1,
        inputs: INPUTS,
        output: ArtifactType::PretextDataset,
        seeded: false,
    };

    fn run(&self, ctx: &mut StageCtx, p: InpaintingParams) -> Result<Artifact, StageError> {
        let data = ctx.dataset("data")?;
        let shape = image_shape(&data);
        let region = central_region(shape, p.region);
        let fill: Vec<u8> = data.mean.iter().map(|m| (m * 255.0).round().clamp(0.0, 255.0) as u8).collect();
        let train = inpainting(&source(&data, &data.train)?, region, &fill)?;
        let test = inpainting(&source(&data, &data.test)?, region, &fill)?;
        Made::new("inpainting", 1, shape, TargetKind::Pixels { region }, 0, train, test).finish(ctx, &data)
    }
}
