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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::progress::Progress;
    use crate::registry::AnyMethod;
    use crate::stage_ctx::Input;
    use pipeline_data::{Dataset, Layout, Split};

    #[test]
    fn noises_the_images_and_keeps_the_rest() {
        let split = Split { images: vec![100; 3 * 16], labels: Some(vec![0, 1, 2]), len: 3 };
        let d = Dataset::new("flat", Layout::image(1, 4, 4), vec![], split.clone(), split);
        let input = Input { slot: "data", stage: "d".into(), artifact: Artifact::Dataset(Arc::new(d)) };
        let dir = tempfile::tempdir().unwrap();
        let mut ctx = StageCtx::new("n".into(), 5, candle_core::Device::Cpu, dir.path().into(), vec![input], Progress::hidden());
        let with = [("sigma".to_string(), serde_json::json!(0.5))].into_iter().collect();
        let Artifact::Dataset(out) = Noise.run_map(&mut ctx, &with).unwrap() else { panic!() };
        assert_eq!((out.layout, &out.train.labels, out.source.as_str()), (Layout::image(1, 4, 4), &Some(vec![0, 1, 2]), "flat+noise0.5"));
        assert!(out.train.images.iter().any(|&v| v != 100));
        let with = [("sigma".to_string(), serde_json::json!(2.0))].into_iter().collect();
        assert!(Noise.run_map(&mut ctx, &with).unwrap_err().to_string().contains("sigma"));
    }
}
