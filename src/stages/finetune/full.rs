//! `full`: fine-tuning every layer (the "all" column of the transfer tables): the pretrained
//! encoder up to `layer` and a new linear head trained end to end on the labels.

use std::sync::Arc;

use pipeline_nn::arch::Head;
use pipeline_nn::batch::{labels_to_tensor, EpochBatches};
use pipeline_nn::init::reinit_prefix;
use pipeline_nn::loss::cross_entropy;
use pipeline_nn::optim::OptimParams;

use super::linear::INPUTS;
use crate::artifact::{Artifact, ClassifierMeta};
use crate::registry::{ArtifactType, Info, Kind, Method};
use crate::stage_ctx::{StageCtx, StageError};
use crate::stages::fit::{publish_curve, trainer};
use crate::stages::net::{check_input, labels, LoadedEncoder};

pipeline_params::params! {
    /// Fine-tuning schedule.
    pub struct FullParams {
        /// The layer the new head reads; unset uses the last layer.
        layer: Option<String> = None;
        /// Passes over the training set.
        epochs: usize = 3, range(1, 100000);
        /// Images per step.
        batch: usize = 128, range(1, 65536);
    }
}

pub struct Full;

impl Method for Full {
    type Params = (FullParams, OptimParams);
    const INFO: Info = Info {
        kind: Kind::Finetune,
        name: "full",
        doc: "fine-tunes all layers: the pretrained encoder and a new linear head trained end to end",
        version: 1,
        inputs: INPUTS,
        output: ArtifactType::Model,
        seeded: true,
    };

    fn run(&self, ctx: &mut StageCtx, (p, optim): Self::Params) -> Result<Artifact, StageError> {
        let model = ctx.model("encoder")?;
        let data = ctx.dataset("data")?;
        check_input(&model, &data)?;
        let y_all = labels(&data.train, &data, "fine-tuning")?;
        let LoadedEncoder { net, encoder } = LoadedEncoder::load(&model, &ctx.device)?;
        let layer = p.layer.clone().unwrap_or_else(|| encoder.layers().last().map(|(l, _)| l.clone()).unwrap_or_default());
        let Some(dim) = encoder.layers().into_iter().find(|(l, _)| *l == layer).map(|(_, d)| d) else {
            crate::bail!("no layer `{layer}` in {}; layers: {}", net.spec.name, encoder.layers().iter().map(|l| l.0.as_str()).collect::<Vec<_>>().join(", "));
        };
        let classes = data.classes.len().max(1 + *y_all.iter().max().unwrap_or(&0) as usize);
        let head = Head::new(dim, classes, net.vb())?;
        reinit_prefix(&net.varmap, "head.", ctx.seed)?;

        let n = data.train.len;
        let mut trainer = trainer(ctx, &optim, p.epochs, p.batch, n, net.vars(""))?;
        for epoch in 0..p.epochs {
            for idx in EpochBatches::new(n, p.batch, ctx.seed, epoch, false)?.iter() {
                let x = net.batch(&data.train, &data.layout, idx)?;
                let y = labels_to_tensor(y_all, idx, &net.device)?;
                trainer.step(&cross_entropy(&head.forward(&encoder.features(&x, &layer)?)?, &y)?, idx.len())?;
            }
            trainer.end_epoch();
        }
        publish_curve(ctx, &trainer, "loss.csv")?;
        let method = format!("{}+full", model.meta.method);
        let meta = ClassifierMeta { layer, classes, heads: 1, standardize: false, class_names: data.classes.clone() };
        Ok(Artifact::Model(Arc::new(net.into_artifact(&method, Some(meta), None, Default::default())?)))
    }
}
