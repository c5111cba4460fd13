//! `low-shot`: linear probes trained on only N labelled images per class (the low-shot setting
//! of e.g. Hénaff et al. 2020), repeated on several seeded subsets so the evaluation can report
//! the mean and spread. Feature statistics come from the whole (unlabelled) training split.

use std::collections::HashMap;
use std::sync::Arc;

use pipeline_data::subset::low_shot_indices;
use pipeline_nn::optim::OptimParams;

use super::linear::INPUTS;
use super::probe::{ProbeParams, ProbeSetup};
use crate::artifact::{Artifact, ClassifierMeta};
use crate::registry::{ArtifactType, Info, Kind, Method};
use crate::seeds::sub_seed;
use crate::stage_ctx::{StageCtx, StageError};
use crate::stages::fit::publish_curve;
use crate::stages::net::{head_name, labels, PROBE_MEAN, PROBE_STD};

pipeline_params::params! {
    /// How few labels, how many times.
    pub struct LowShotParams {
        /// Labelled training images per class.
        per_class: usize = 10, range(1, 100000);
        /// Subsets (each with its own probe); the evaluation averages over them.
        repeats: usize = 5, range(1, 100);
    }
}

pub struct LowShot;

impl Method for LowShot {
    type Params = (LowShotParams, ProbeParams, OptimParams);
    const INFO: Info = Info {
        kind: Kind::Finetune,
        name: "low-shot",
        doc: "linear probes on `per_class` labels per class, on `repeats` seeded subsets (accuracy averages them)",
        version: 1,
        inputs: INPUTS,
        output: ArtifactType::Model,
        seeded: true,
    };

    fn run(&self, ctx: &mut StageCtx, (ls, p, optim): Self::Params) -> Result<Artifact, StageError> {
        let (setup, data) = ProbeSetup::new(ctx, p.layer.as_deref())?;
        let y = labels(&data.train, &data, "a low-shot probe")?;
        let classes: Vec<String> = (0..setup.classes).map(|c| data.classes.get(c).cloned().unwrap_or_else(|| c.to_string())).collect();
        for r in 0..ls.repeats {
            let seed = sub_seed(ctx.seed, r as u64);
            let rows = low_shot_indices(y, &classes, ls.per_class, seed)?;
            let trainer = setup.train_head(ctx, &head_name(r, ls.repeats), y, Some(&rows), &p, &optim, seed)?;
            if r == 0 {
                publish_curve(ctx, &trainer, "loss.csv")?;
            }
        }
        let method = format!("{}+low-shot", ctx.model("encoder")?.meta.method);
        let meta = ClassifierMeta { layer: setup.layer.clone(), classes: setup.classes, heads: ls.repeats, standardize: true, class_names: data.classes.clone() };
        let extra = HashMap::from([(PROBE_MEAN.to_string(), setup.mean), (PROBE_STD.to_string(), setup.std)]);
        Ok(Artifact::Model(Arc::new(setup.encoder.net.into_artifact(&method, Some(meta), None, extra)?)))
    }
}
