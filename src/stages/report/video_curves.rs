//! `video-curves`: SSIM and PSNR against the predicted frame t for several video models, the
//! figure SVG (Denton & Fergus, ICML 2018) compares its models with: `curves.png` and `curves.csv`
//! (a row per model and step t; `prior_variance` is filled for SVG-LP evaluations), plus the
//! baselines the evaluations scored (`baseline: copy-last`, `baseline: black`).

use std::collections::BTreeMap;
use std::io::Write;

use crate::artifact::Artifact;
use crate::registry::{ArtifactType, Info, Kind, Method, Slot};
use crate::stage_ctx::{StageCtx, StageError};
use crate::stages::evaluate::clustering::NoParams;
use crate::stages::video::plot::{curves_png, Series};
use crate::stages::video::scores::Baseline;

pub struct VideoCurves;

impl Method for VideoCurves {
    type Params = NoParams;
    const INFO: Info = Info {
        kind: Kind::Report,
        name: "video-curves",
        doc: "line plots of per-step SSIM and PSNR of several `video-prediction` evaluations: curves.png, curves.csv",
        version: 2,
        inputs: &[Slot::many("evaluations", &[ArtifactType::Metrics])],
        output: ArtifactType::Report,
        seeded: false,
    };

    fn run(&self, ctx: &mut StageCtx, _: NoParams) -> Result<Artifact, StageError> {
        let mut series = Vec::new();
        // The baselines of the first evaluation that scored them (every evaluation of a recipe
        // scores the same test sequences, so one copy serves).
        let mut baselines = Vec::new();
        for input in ctx.inputs("evaluations") {
            let Artifact::Metrics(metrics) = &input.artifact else { continue };
            let curve = |name: &str| {
                let mut c: Vec<(u64, f64)> = metrics.iter().filter(|m| m.metric == name).filter_map(|m| m.step.map(|s| (s, m.value))).collect();
                c.sort_by_key(|p| p.0);
                c
            };
            let (ssim, psnr) = (curve("ssim"), curve("psnr"));
            if ssim.is_empty() || psnr.is_empty() {
                crate::bail!("`{}` has no per-step ssim and psnr: video-curves plots `video-prediction` evaluations", input.stage);
            }
            if baselines.is_empty() {
                for b in Baseline::ALL {
                    let (ssim, psnr) = (curve(&format!("ssim_{}", b.name())), curve(&format!("psnr_{}", b.name())));
                    if !ssim.is_empty() && !psnr.is_empty() {
                        baselines.push((Series { name: format!("baseline: {}", b.name().replace('_', "-")), ssim, psnr }, BTreeMap::new()));
                    }
                }
            }
            let prior: BTreeMap<u64, f64> = curve("prior_variance").into_iter().collect();
            series.push((Series { name: input.stage.clone(), ssim, psnr }, prior));
        }
        if series.is_empty() {
            crate::bail!("no evaluations to plot");
        }
        series.extend(baselines);
        let csv = ctx.publish("curves.csv");
        let mut out = std::io::BufWriter::new(std::fs::File::create(&csv)?);
        writeln!(out, "model,t,ssim,psnr,prior_variance")?;
        for (s, prior) in &series {
            for (&(t, ssim), &(_, psnr)) in s.ssim.iter().zip(&s.psnr) {
                let var = prior.get(&t).map_or(String::new(), f64::to_string);
                writeln!(out, "{},{t},{ssim},{psnr},{var}", s.name)?;
            }
        }
        out.flush()?;
        let png = ctx.publish("curves.png");
        let series: Vec<Series> = series.into_iter().map(|(s, _)| s).collect();
        curves_png(&png, &series)?;
        Ok(Artifact::Report)
    }
}
