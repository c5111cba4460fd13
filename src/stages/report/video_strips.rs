//! `video-strips`: one PNG per test sequence, as SVG (Denton & Fergus, ICML 2018) shows its
//! samples: the ground truth, then each model's continuation of the first n_past frames (a
//! stochastic model: its best of N samples by SSIM and a few random ones).

use crate::artifact::Artifact;
use crate::registry::{ArtifactType, Info, Kind, Method, Slot};
use crate::stage_ctx::{StageCtx, StageError};
use crate::stages::video::clips::check_video;
use crate::stages::video::plot::{strip_png, StripRow};
use crate::stages::video::rollout::rollouts;

pipeline_params::params! {
    /// What the strips show.
    pub struct StripParams {
        /// Test sequences drawn (the first ones), one PNG each.
        sequences: usize = 4, range(1, 1000);
        /// Samples a stochastic model draws per sequence; the best by mean SSIM is shown first.
        samples: usize = 20, range(1, 10000);
        /// Further samples shown per stochastic model (the first ones drawn).
        show: usize = 2, range(0, 100);
        /// Frames predicted; unset: each model's own n_future.
        n_future: Option<usize> = None, range(1, 1000);
    }
}

pub struct VideoStrips;

impl Method for VideoStrips {
    type Params = StripParams;
    const INFO: Info = Info {
        kind: Kind::Report,
        name: "video-strips",
        doc: "a PNG per test sequence: ground truth, each video model's prediction (stochastic: best of N and random samples)",
        version: 1,
        inputs: &[Slot::many("models", &[ArtifactType::Model]), Slot::one("data", &[ArtifactType::Dataset])],
        output: ArtifactType::Report,
        seeded: true,
    };

    fn run(&self, ctx: &mut StageCtx, p: StripParams) -> Result<Artifact, StageError> {
        let data = ctx.dataset("data")?;
        let l = data.layout;
        let n = p.sequences.min(data.test.len);
        if n == 0 {
            crate::bail!("dataset `{}` has no test sequences", data.source);
        }
        let items: Vec<usize> = (0..n).collect();
        let frame = l.channels * l.height * l.width;
        let mut rows: Vec<Vec<StripRow>> = vec![Vec::new(); n];
        let mut longest = 0;
        let models: Vec<(String, _)> = ctx
            .inputs("models")
            .map(|i| match &i.artifact {
                Artifact::Model(m) => Ok((i.stage.clone(), m.clone())),
                _ => Err(StageError::msg(format!("`{}` is not a model", i.stage))),
            })
            .collect::<Result<_, _>>()?;
        for (stage, model) in &models {
            let net = crate::stages::video::load(model, &ctx.device)?;
            let n_future = p.n_future.unwrap_or(net.cfg.n_future);
            let len = net.cfg.n_past + n_future;
            check_video(&data, len)?;
            if (l.channels, l.height) != (net.cfg.channels, net.cfg.side) {
                crate::bail!("`{stage}` predicts {}×{s}×{s} frames, not the dataset's {}×{}×{}", net.cfg.channels, l.channels, l.height, l.width, s = net.cfg.side);
            }
            longest = longest.max(len);
            let k = if net.cfg.variant.stochastic() { p.samples.max(p.show) } else { 1 };
            let mut rng = pipeline_nn::init::stream(ctx.seed, stage);
            for (j, r) in rollouts(&net, &data.test, &l, &items, k, n_future, 200, &mut rng, &ctx.device)?.into_iter().enumerate() {
                let row = |label: String, sample: usize| StripRow {
                    label,
                    frames: r.past.chunks(frame).chain(r.samples[sample].chunks(frame)).map(<[f32]>::to_vec).collect(),
                    first_predicted: net.cfg.n_past,
                };
                if k == 1 {
                    rows[j].push(row(stage.clone(), 0));
                } else {
                    rows[j].push(row(format!("{stage} best/{k}"), r.best()));
                    for s in 0..p.show {
                        rows[j].push(row(format!("{stage} #{}", s + 1), s));
                    }
                }
            }
        }
        for (j, mut model_rows) in rows.into_iter().enumerate() {
            let truth: Vec<Vec<f32>> = data.test.item(items[j], &l)[..longest * frame].chunks(frame).map(|f| f.iter().map(|&v| v as f32 / 255.0).collect()).collect();
            let mut all = vec![StripRow { label: "ground truth".into(), frames: truth, first_predicted: longest }];
            all.append(&mut model_rows);
            let path = ctx.publish(&format!("strip-{j}.png"));
            strip_png(&path, &all, l.channels, l.height)?;
        }
        Ok(Artifact::Report)
    }
}
