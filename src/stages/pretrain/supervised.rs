//! `supervised`: the upper bound of a transfer table: the encoder and a linear head trained
//! together on the labels with cross-entropy.

use std::sync::Arc;

use pipeline_nn::arch::Head;
use pipeline_nn::batch::{labels_to_tensor, EpochBatches};
use pipeline_nn::init::reinit;
use pipeline_nn::loss::cross_entropy;
use pipeline_nn::optim::OptimParams;

use crate::artifact::{Artifact, ClassifierMeta};
use crate::registry::{ArtifactType, Info, Kind, Method, Slot};
use crate::stage_ctx::{StageCtx, StageError};
use crate::stages::fit::{publish_curve, trainer};
use crate::stages::net::{labels, ArchParams, Net};

pipeline_params::params! {
    /// Supervised training schedule.
    pub struct SupervisedParams {
        /// Passes over the training set.
        epochs: usize = 5, range(1, 100000);
        /// Images per step.
        batch: usize = 128, range(1, 65536);
    }
}

pub struct Supervised;

impl Method for Supervised {
    type Params = (ArchParams, SupervisedParams, OptimParams);
    const INFO: Info = Info {
        kind: Kind::Pretrain,
        name: "supervised",
        doc: "encoder + linear head trained on the labels (the upper bound of a transfer table)",
        version: 1,
        inputs: &[Slot::one("data", &[ArtifactType::Dataset])],
        output: ArtifactType::Model,
        seeded: true,
    };

    fn run(&self, ctx: &mut StageCtx, (a, p, optim): Self::Params) -> Result<Artifact, StageError> {
        let data = ctx.dataset("data")?;
        let y_all = labels(&data.train, &data, "supervised training")?;
        let classes = data.classes.len().max(1 + *y_all.iter().max().unwrap_or(&0) as usize);
        let net = Net::for_dataset(&a.arch, &data, &ctx.device)?;
        let encoder = net.encoder()?;
        let head = Head::new(encoder.out_dim(), classes, net.vb())?;
        reinit(&net.varmap, ctx.seed)?;

        let n = data.train.len;
        let mut trainer = trainer(ctx, &optim, p.epochs, p.batch, n, net.vars(""))?;
        for epoch in 0..p.epochs {
            for idx in EpochBatches::new(n, p.batch, ctx.seed, epoch, false)?.iter() {
                let x = net.batch(&data.train, &data.layout, idx)?;
                let y = labels_to_tensor(y_all, idx, &net.device)?;
                let loss = cross_entropy(&head.forward(&encoder.forward(&x)?)?, &y)?;
                trainer.step(&loss, idx.len())?;
            }
            trainer.end_epoch();
        }
        publish_curve(ctx, &trainer, "loss.csv")?;
        let layer = encoder.layers().last().map(|(l, _)| l.clone()).unwrap_or_default();
        let classifier = ClassifierMeta { layer, classes, heads: 1, standardize: false, class_names: data.classes.clone() };
        Ok(Artifact::Model(Arc::new(net.into_artifact("supervised", Some(classifier), None, Default::default())?)))
    }
}
