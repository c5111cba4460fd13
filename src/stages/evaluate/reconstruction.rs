//! `reconstruction`: mean squared error per pixel (on the [0, 1] scale) between test images and
//! an autoencoder's reconstructions (the sigmoid of its decoder's logits).

use pipeline_nn::batch::{images_to_tensor, EpochBatches};

use crate::artifact::{Artifact, MetricValue};
use crate::registry::{ArtifactType, Info, Kind, Method};
use crate::stage_ctx::{StageCtx, StageError};
use crate::stages::evaluate::accuracy::MODEL_AND_DATA;
use crate::stages::evaluate::clustering::NoParams;
use crate::stages::net::{check_input, LoadedEncoder};

pub struct Reconstruction;

impl Method for Reconstruction {
    type Params = NoParams;
    const INFO: Info = Info {
        kind: Kind::Evaluate,
        name: "reconstruction",
        doc: "per-pixel mean squared error of an autoencoder's test reconstructions ([0, 1] scale; lower is better)",
        version: 1,
        inputs: MODEL_AND_DATA,
        output: ArtifactType::Metrics,
        seeded: false,
    };

    fn run(&self, ctx: &mut StageCtx, _: NoParams) -> Result<Artifact, StageError> {
        let model = ctx.model("model")?;
        let data = ctx.dataset("data")?;
        check_input(&model, &data)?;
        let Some(latent) = model.meta.latent else {
            crate::bail!("the {} model has no decoder to reconstruct with (train it with `ae` or `dae`)", model.meta.method);
        };
        let enc = LoadedEncoder::load(&model, &ctx.device)?;
        let decoder = enc.net.decoder(latent)?;
        enc.net.restore(&model, pipeline_nn::arch::DECODER)?;
        let (mut sum, mut count) = (0f64, 0usize);
        for idx in EpochBatches::sequential(data.test.len, 256)?.iter() {
            let x = enc.net.batch(&data.test, &data.layout, idx)?;
            let clean = images_to_tensor(&data.test.images, idx, &data.layout.item_dims(), None, &ctx.device)?;
            let recon = candle_nn::ops::sigmoid(&decoder.forward(&enc.encoder.forward(&x)?)?)?;
            sum += (recon - &clean)?.sqr()?.sum_all()?.to_scalar::<f32>()? as f64;
            count += clean.elem_count();
        }
        if count == 0 {
            crate::bail!("the test split is empty");
        }
        Ok(Artifact::Metrics(vec![MetricValue::new("reconstruction", sum / count as f64)]))
    }
}
