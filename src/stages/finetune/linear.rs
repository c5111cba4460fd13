//! `linear`: the linear probe of the self-supervision papers (the "conv1…fc" columns of the
//! transfer tables, e.g. Zhang et al. 2016, Caron et al. 2018): the encoder frozen up to `layer`,
//! a linear classifier trained on top.

use std::collections::HashMap;
use std::sync::Arc;

use pipeline_nn::optim::OptimParams;

use super::probe::{ProbeParams, ProbeSetup};
use crate::artifact::{Artifact, ClassifierMeta};
use crate::registry::{ArtifactType, Info, Kind, Method, Slot};
use crate::stage_ctx::{StageCtx, StageError};
use crate::stages::fit::publish_curve;
use crate::stages::net::{labels, PROBE_MEAN, PROBE_STD};

pub const INPUTS: &[Slot] = &[Slot::one("encoder", &[ArtifactType::Model]), Slot::one("data", &[ArtifactType::Dataset])];

pub struct Linear;

impl Method for Linear {
    type Params = (ProbeParams, OptimParams);
    const INFO: Info = Info {
        kind: Kind::Finetune,
        name: "linear",
        doc: "linear probe: frozen encoder features at `layer` (standardised), a linear classifier trained on the labels",
        version: 1,
        inputs: INPUTS,
        output: ArtifactType::Model,
        seeded: true,
    };

    fn run(&self, ctx: &mut StageCtx, (p, optim): Self::Params) -> Result<Artifact, StageError> {
        let (setup, data) = ProbeSetup::new(ctx, p.layer.as_deref())?;
        let y = labels(&data.train, &data, "a linear probe")?;
        let trainer = setup.train_head(ctx, pipeline_nn::arch::HEAD, y, None, &p, &optim, ctx.seed)?;
        publish_curve(ctx, &trainer, "loss.csv")?;
        let method = format!("{}+linear", ctx.model("encoder")?.meta.method);
        let meta = ClassifierMeta { layer: setup.layer.clone(), classes: setup.classes, heads: 1, standardize: true, class_names: data.classes.clone() };
        let extra = HashMap::from([(PROBE_MEAN.to_string(), setup.mean), (PROBE_STD.to_string(), setup.std)]);
        Ok(Artifact::Model(Arc::new(setup.encoder.net.into_artifact(&method, Some(meta), None, extra)?)))
    }
}
