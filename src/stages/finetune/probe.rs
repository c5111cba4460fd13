//! The linear probe's training, shared by `linear` and `low-shot`: features of the frozen
//! encoder are computed once, standardised per dimension, and a linear head is trained on them
//! with cross-entropy. Caching the features makes a probe cost seconds, not epochs of the encoder.

use candle_core::Tensor;
use pipeline_data::Dataset;
use pipeline_nn::arch::Head;
use pipeline_nn::batch::{labels_to_tensor, EpochBatches};
use pipeline_nn::init::reinit_prefix;
use pipeline_nn::loss::cross_entropy;
use pipeline_nn::optim::OptimParams;
use pipeline_nn::train::Trainer;

use crate::stage_ctx::{StageCtx, StageError};
use crate::stages::fit::trainer;
use crate::stages::net::{check_input, column_stats, labels, LoadedEncoder};

pipeline_params::params! {
    /// Where a linear probe reads and how long it trains.
    pub struct ProbeParams {
        /// Encoder layer whose (frozen) features the probe reads; unset uses the last layer.
        layer: Option<String> = None;
        /// Passes over the training features.
        epochs: usize = 30, range(1, 100000);
        /// Items per step.
        batch: usize = 256, range(1, 65536);
    }
}

/// A frozen encoder with the standardised training features of its probe layer.
pub struct ProbeSetup {
    pub encoder: LoadedEncoder,
    pub layer: String,
    pub features: Tensor,
    pub mean: Tensor,
    pub std: Tensor,
    pub classes: usize,
}

impl ProbeSetup {
    pub fn new(ctx: &StageCtx, layer: Option<&str>) -> Result<(ProbeSetup, std::sync::Arc<Dataset>), StageError> {
        let model = ctx.model("encoder")?;
        let data = ctx.dataset("data")?;
        check_input(&model, &data)?;
        let y = labels(&data.train, &data, "a probe")?;
        let encoder = LoadedEncoder::load(&model, &ctx.device)?;
        let layer = layer.map(str::to_string).unwrap_or_else(|| encoder.last_layer());
        ctx.progress().update(0, 1, &format!("features at {layer}"));
        let raw = encoder.features(&data.train, &data.layout, &layer)?;
        let (mean, std) = column_stats(&raw)?;
        let features = raw.broadcast_sub(&mean)?.broadcast_div(&std)?;
        let classes = data.classes.len().max(1 + *y.iter().max().unwrap_or(&0) as usize);
        Ok((ProbeSetup { encoder, layer, features, mean, std, classes }, data))
    }

    /// Trains head `name` on the items `rows` of the features (all when `None`).
    // Each argument is an independent input of one probe fit (low-shot calls it per repeat).
    #[allow(clippy::too_many_arguments)]
    pub fn train_head(
        &self,
        ctx: &StageCtx,
        name: &str,
        labels: &[u32],
        rows: Option<&[usize]>,
        p: &ProbeParams,
        optim: &OptimParams,
        seed: u64,
    ) -> Result<Trainer, StageError> {
        let net = &self.encoder.net;
        let dim = self.features.dim(1)?;
        let head = Head::named(name, dim, self.classes, net.vb())?;
        let prefix = format!("{name}.");
        reinit_prefix(&net.varmap, &prefix, seed)?;
        let all: Vec<usize> = (0..labels.len()).collect();
        let rows = rows.unwrap_or(&all);
        let mut trainer = trainer(ctx, optim, p.epochs, p.batch, rows.len(), net.vars(&prefix))?;
        for epoch in 0..p.epochs {
            for idx in EpochBatches::new(rows.len(), p.batch, seed, epoch, false)?.iter() {
                let pick: Vec<u32> = idx.iter().map(|&i| rows[i] as u32).collect();
                let at = Tensor::from_vec(pick.clone(), pick.len(), &net.device)?;
                let x = self.features.index_select(&at, 0)?;
                let batch_rows: Vec<usize> = pick.iter().map(|&r| r as usize).collect();
                let y = labels_to_tensor(labels, &batch_rows, &net.device)?;
                trainer.step(&cross_entropy(&head.forward(&x)?, &y)?, idx.len())?;
            }
            trainer.end_epoch();
        }
        Ok(trainer)
    }
}
